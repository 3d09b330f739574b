/**
 * Faults and bad input for build_ml_environment.sh and its step runner: each test injects the fault, asserts the exact
 * message and checks the state after it (manifest, lock, temp files, processes).
 *  - unknown step options (nearest valid one), the step-option list against what the steps read;
 *  - the workdir lock (live owner → "workdir in use by pid N", stale lock taken over);
 *  - the workdir pre-flight (cannot be created, read-only, too little free space: one line, exit 3, no stack trace);
 *  - the failure path when the manifest cannot be written (the step's error first, no temp file left);
 *  - SIGINT / SIGTERM (step recorded `interrupted`, exit 130 / 143, how to resume, the lock released);
 *  - prepare's maximum drop rate and empty input files (messages name the user's file);
 *  - endpoint processes found by their state path (teardown stops them; deploy refuses while one is alive).
 * Tests that need a tmpfs mount (root) skip with a message when it is not permitted.
 */
import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackFile } from "../../infra/stack-config";
import { descendants, stopDescendants } from "../../scripts/framework/children";
import { readManifest } from "../../scripts/framework/manifest";
import { runStep, StepDefinition } from "../../scripts/framework/step";
import { acquireWorkdirLock, checkWorkdir, lockPath, pidStartTicks, readLock, releaseWorkdirLock } from "../../scripts/framework/workdir";
import { isAlive, serversOf, startEndpoint, teardown } from "../../lib/serving/process";
import { loadStep, STEP_NAMES, STEP_OPTIONS } from "../../scripts/steps";
import { SPEC as RUN_STEP_SPEC } from "../../scripts/cli/run-step";
import { parseCli, UsageError } from "../../scripts/framework/cli";
import { until } from "../helpers/wait";

const PROJECT = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(PROJECT, "build_ml_environment.sh");
const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `rel-${tag}-`));

function script(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(SCRIPT, args, { cwd: PROJECT, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

/** Mounts a tmpfs (root only); returns undefined and the reason when that is not possible. */
function mountTmpfs(opts: string): { dir?: string; skip?: string } {
    if (process.getuid?.() !== 0) return { skip: "needs root to mount a tmpfs" };
    const dir = tmp("mnt");
    try {
        execFileSync("mount", ["-t", "tmpfs", "-o", opts, "tmpfs", dir], { stdio: "pipe" });
        return { dir };
    } catch (e) {
        return { skip: `mount -t tmpfs is not permitted here (${String((e as Error).message).split("\n")[0]})` };
    }
}
const umount = (dir: string) => execFileSync("umount", ["-l", dir]);

function leftovers(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".tmp")) out.push(p);
        }
    };
    walk(dir);
    return out;
}

describe("reliability: step options", () => {
    it("unknown options are refused with the nearest valid one; hp.<name> passes", () => {
        const refused = (argv: string[]) => {
            try {
                parseCli(RUN_STEP_SPEC, argv);
                return "";
            } catch (e) {
                assert.ok(e instanceof UsageError, String(e));
                return (e as Error).message;
            }
        };
        assert.match(
            refused(["prepare", "--rowz", "100", "--hp.max_depth", "3", "--rows", "100"]),
            /^option --rowz is unknown \(did you mean --rows\?\): valid options are /,
        );
        assert.match(refused(["evaluate", "--min-acu", "0.9"]), /^option --min-acu is unknown \(did you mean --min-auc\?\)/);
        assert.equal(refused(["train", "--hp.max_depth", "3", "--rows", "100"]), "");
    });

    it("the option list matches the options the step modules read", () => {
        const read = new Set<string>();
        const stepsDir = path.join(PROJECT, "scripts", "steps");
        const dirs = [
            stepsDir,
            ...fs
                .readdirSync(stepsDir, { withFileTypes: true })
                .filter((e) => e.isDirectory())
                .map((e) => path.join(stepsDir, e.name)),
        ];
        for (const d of dirs) {
            for (const f of fs.readdirSync(d).filter((x) => x.endsWith(".ts"))) {
                const text = fs.readFileSync(path.join(d, f), "utf8");
                for (const m of text.matchAll(/options(?:\.([a-zA-Z]+)|\["([a-z.-]+)"\])/g)) read.add(m[1] ?? m[2]);
            }
        }
        // the AWS steps' wait options are read by their shared helper (scripts/framework/aws-step.ts)
        const support = fs.readFileSync(path.join(PROJECT, "scripts", "framework", "aws-step.ts"), "utf8");
        for (const m of support.matchAll(/options\["([a-z.-]+)"\]|positive\(ctx, "([a-z.-]+)"/g)) read.add(m[1] ?? m[2]);
        read.delete("onIteration"); // a callback option of an engine call, not a step option
        assert.deepEqual(
            [...read].filter((o) => !STEP_OPTIONS.includes(o)),
            [],
            "options read by a step but not in STEP_OPTIONS",
        );
        assert.deepEqual(
            STEP_OPTIONS.filter((o) => !read.has(o)),
            [],
            "STEP_OPTIONS entries no step reads",
        );
    });

    it("build_ml_environment.sh stops with exit 2 before the step runs", function () {
        this.timeout(60_000);
        const w = tmp("opt");
        const r = script(["--workdir", w, "--only", "provision", "--", "--rowz", "100"]);
        assert.equal(r.code, 2, r.all);
        assert.match(
            r.stderr,
            /^error: option --rowz is unknown \(did you mean --rows\?\): valid options are [^\n]*\n\([^\n]*--help shows the usage and examples\)\nstopped before step 'provision': fix the configuration or options named above and re-run\.\n$/,
        );
        assert.equal(fs.existsSync(path.join(w, "manifest.json")), false);
        assert.equal(fs.existsSync(lockPath(w)), false);
    });
});

describe("build_ml_environment.sh: the step list is the step registry's", function () {
    this.timeout(60_000);

    it("--list, --help and the unknown-step error give STEP_NAMES, in order", () => {
        const list = script(["--list"]);
        assert.equal(list.code, 0, list.all);
        assert.deepEqual(list.stdout.split("\n").filter(Boolean), [...STEP_NAMES]);
        const help = script(["--help"]);
        assert.equal(help.code, 0, help.all);
        assert.ok(help.stdout.split("\n").includes(`steps: ${STEP_NAMES.join(" ")}`), help.stdout);
        const bad = script(["--only", "trian"]);
        assert.equal(bad.code, 2, bad.all);
        assert.equal(bad.stderr, `error: unknown step 'trian' (steps: ${STEP_NAMES.join(" ")})\n`);
    });

    /** A copy of the script beside a registry file with the given text. */
    function withRegistry(text: string): string {
        const dir = tmp("reg");
        fs.copyFileSync(SCRIPT, path.join(dir, "build_ml_environment.sh"));
        fs.chmodSync(path.join(dir, "build_ml_environment.sh"), 0o755);
        fs.mkdirSync(path.join(dir, "scripts", "steps"), { recursive: true });
        fs.writeFileSync(path.join(dir, "scripts", "steps", "index.ts"), text);
        return dir;
    }

    it("reads the registry in any code style (a formatter may wrap the list and change the quotes)", () => {
        const dir = withRegistry(`export const STEP_NAMES = [\n    'provision',\n    "prepare",\n    'batch-infer',\n] as const;\n`);
        const r = spawnSync(path.join(dir, "build_ml_environment.sh"), ["--list"], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "provision\nprepare\nbatch-infer\n");
    });

    it("stops with exit 2 naming the file when the registry has no step list", () => {
        const dir = withRegistry("export const STEPS = [];\n");
        const r = spawnSync(path.join(dir, "build_ml_environment.sh"), ["--list"], { encoding: "utf8" });
        assert.equal(r.status, 2);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, "error: no STEP_NAMES list in scripts/steps/index.ts\n");
    });
});

describe("reliability: workdir lock", () => {
    let sleeper: ChildProcess | undefined;
    afterEach(() => sleeper?.kill("SIGKILL"));

    it("a live owner: 'workdir in use by pid N'; the same owner re-enters; release removes only its own lock", () => {
        const w = tmp("lock");
        sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
        const pid = sleeper.pid!;
        const { lock } = acquireWorkdirLock(w, pid, "build_ml_environment.sh --workdir W");
        assert.equal(lock.pidStartTicks, pidStartTicks(pid));
        assert.deepEqual(acquireWorkdirLock(w, pid).lock, readLock(w), "re-entrant for the same run");
        assert.throws(
            () => acquireWorkdirLock(w, process.pid),
            (e: Error) =>
                e.message ===
                `workdir ${w} in use by pid ${pid} (started ${lock.startedAt}: build_ml_environment.sh --workdir W); wait for it to finish, stop it (kill ${pid}), or use another --workdir`,
        );
        releaseWorkdirLock(w, process.pid);
        assert.ok(fs.existsSync(lockPath(w)), "another owner's lock is not removed");
        releaseWorkdirLock(w, pid);
        assert.equal(fs.existsSync(lockPath(w)), false);
    });

    it("a stale lock (dead pid, or a recycled pid with another start time) is taken over", () => {
        const w = tmp("stale");
        const dead = spawnSync("true").pid!; // exited and reaped
        fs.writeFileSync(lockPath(w), JSON.stringify({ pid: dead, host: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
        const r = acquireWorkdirLock(w, process.pid);
        assert.equal(r.tookOver, `stale lock of pid ${dead} removed (pid ${dead} is not running)`);
        assert.equal(readLock(w)!.pid, process.pid);
        fs.writeFileSync(lockPath(w), JSON.stringify({ pid: process.pid + 0, host: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z", pidStartTicks: 1 }));
        const r2 = acquireWorkdirLock(w, 1); // owner pid 1 ≠ lock pid; the lock's pid now has another start time
        assert.equal(r2.tookOver, `stale lock of pid ${process.pid} removed (pid ${process.pid} now belongs to another process)`);
        // another host's lock cannot be checked: it counts as held, with the file to delete
        fs.writeFileSync(lockPath(w), JSON.stringify({ pid: 123, host: "other-host", startedAt: "2026-01-01T00:00:00.000Z" }));
        assert.throws(
            () => acquireWorkdirLock(w, process.pid),
            new RegExp(`in use by pid 123 on host other-host .*delete ${lockPath(w).replace(/[.]/g, "\\.")} once that run is known to be gone`),
        );
    });

    it("the lock appears with its content: a process reading it while runs take and release it never finds it empty", async function () {
        this.timeout(60_000);
        const w = tmp("lockrace");
        const file = lockPath(w);
        const stop = path.join(w, "stop-reader");
        // a reader polling as fast as it can, counting the lock files it saw existing but empty or not JSON (its loop never
        // yields, so it reports with writeSync and stops when the stop file appears)
        const reader = spawn(
            process.execPath,
            [
                "-e",
                `const fs = require("fs"); let seen = 0, bad = 0; fs.writeSync(1, "ready\\n");
                 for (let i = 0; ; i++) {
                   if (i % 256 === 0 && fs.existsSync(${JSON.stringify(stop)})) break;
                   let t; try { t = fs.readFileSync(${JSON.stringify(file)}, "utf8"); } catch { continue; }
                   seen++; try { JSON.parse(t); } catch { bad++; } }
                 fs.writeSync(1, JSON.stringify({ seen, bad }) + "\\n");`,
            ],
            { stdio: ["ignore", "pipe", "inherit"] },
        );
        let out = "";
        reader.stdout!.on("data", (d) => (out += d));
        const done = new Promise((r) => reader.once("exit", r));
        await until(() => out.includes("ready"), 20_000);
        for (let i = 0; i < 3000; i++) {
            acquireWorkdirLock(w, process.pid);
            releaseWorkdirLock(w, process.pid);
        }
        fs.writeFileSync(stop, "");
        await done;
        const { seen, bad } = JSON.parse(out.trim().split("\n").pop()!);
        assert.ok(seen > 0, "the reader saw the lock");
        assert.equal(bad, 0, `the reader found the lock empty or partial ${bad} times in ${seen} reads`);
        assert.deepEqual(
            fs.readdirSync(w).filter((f) => f.endsWith(".tmp")),
            [],
            "no temp file is left",
        );
    });

    it("build_ml_environment.sh fails fast (exit 3) while another run holds the workdir, and runs once it is free", function () {
        this.timeout(90_000);
        const w = tmp("lockrun");
        sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
        acquireWorkdirLock(w, sleeper.pid!, "another run");
        const t0 = Date.now();
        const r = script(["--workdir", w, "--only", "provision"]);
        assert.equal(r.code, 3, r.all);
        assert.match(
            r.stderr,
            new RegExp(
                `^error: workdir ${w} in use by pid ${sleeper.pid} \\(started [^)]+: another run\\); wait for it to finish, stop it \\(kill ${sleeper.pid}\\), or use another --workdir\\n`,
            ),
        );
        assert.match(r.stderr, /stopped before step 'provision': the workdir cannot be used \(see above\); nothing was changed\.\n$/);
        assert.equal(fs.existsSync(path.join(w, "manifest.json")), false, "nothing was changed");
        assert.ok(Date.now() - t0 < 30_000);
        sleeper.kill("SIGKILL");
        spawnSync("sleep", ["0.2"]);
        const ok = script(["--workdir", w, "--only", "provision"]);
        assert.equal(ok.code, 0, ok.all);
        assert.match(ok.stdout, /workdir lock: stale lock of pid \d+ removed \(pid \d+ is not running\)/);
        assert.equal(fs.existsSync(lockPath(w)), false, "the run released its lock");
    });
});

describe("reliability: two runs in one workdir at once", function () {
    this.timeout(120_000);
    it("exactly one runs; the other fails fast (exit 3) naming the first run's pid; no lock is left", async () => {
        const w = tmp("race");
        const start = () =>
            new Promise<{ pid: number; code: number | null; all: string }>((resolve) => {
                const p = spawn(SCRIPT, ["--workdir", w, "--only", "provision"], { cwd: PROJECT });
                let all = "";
                p.stdout!.on("data", (c) => (all += c));
                p.stderr!.on("data", (c) => (all += c));
                p.on("close", (code) => resolve({ pid: p.pid!, code, all }));
            });
        const [a, b] = await Promise.all([start(), start()]);
        const [ok, refused] = a.code === 0 ? [a, b] : [b, a];
        assert.equal(ok.code, 0, ok.all);
        assert.equal(refused.code, 3, refused.all);
        assert.match(refused.all, new RegExp(`error: workdir ${w} in use by pid ${ok.pid} \\(started `));
        assert.equal(readManifest(w, "dev", "local").steps.provision.status, "succeeded");
        assert.equal(fs.existsSync(lockPath(w)), false);
    });
});

describe("reliability: workdir pre-flight", function () {
    this.timeout(60_000);
    it("a workdir that cannot be created: one line, exit 3 (always-on variant: a path below a regular file)", () => {
        const f = path.join(tmp("file"), "plain");
        fs.writeFileSync(f, "x");
        assert.throws(
            () => checkWorkdir(path.join(f, "w")),
            (e: Error) => e.message === `workdir ${path.join(f, "w")} cannot be created (ENOTDIR: not a directory); choose another --workdir`,
        );
        const r = script(["--workdir", path.join(f, "w"), "--only", "provision"]);
        assert.equal(r.code, 3, r.all);
        assert.equal(r.stderr.split("\n").filter(Boolean).length, 1, r.stderr);
        assert.match(
            r.stderr,
            /^error: workdir .*plain\/w cannot be created \(cannot create directory .*plain.: Not a directory\); choose another --workdir\n$/,
        );
    });

    it("a read-only workdir and a nearly full one: one line each, no stack trace (tmpfs)", function () {
        const ro = mountTmpfs("size=1m,ro");
        if (ro.skip) {
            console.log(`      skipped: ${ro.skip}`);
            return this.skip();
        }
        const small = mountTmpfs("size=2m");
        try {
            assert.throws(
                () => checkWorkdir(ro.dir!),
                (e: Error) =>
                    e.message ===
                    `workdir ${ro.dir} is not writable (EROFS: read-only file system); choose another --workdir (this filesystem is mounted read-only)`,
            );
            const r = script(["--workdir", ro.dir!, "--only", "provision"]);
            assert.equal(r.code, 3, r.all);
            assert.equal(
                r.stderr,
                `error: workdir ${ro.dir} is not writable (EROFS: read-only file system); choose another --workdir (this filesystem is mounted read-only)\nstopped before step 'provision': the workdir cannot be used (see above); nothing was changed.\n`,
            );
            assert.doesNotMatch(r.all, /\n\s+at /, "no stack trace");
            assert.throws(
                () => checkWorkdir(small.dir!),
                /^WorkdirError: workdir .* has only 2\.0 MB free, at least 100 MB are needed; free some space or choose another --workdir \(ML_ENV_MIN_FREE_MB sets the minimum\)$/,
            );
            checkWorkdir(small.dir!, 1);
            assert.deepEqual(fs.readdirSync(small.dir!), [], "the write probe is removed");
        } finally {
            umount(ro.dir!);
            if (small.dir) umount(small.dir);
        }
    });
});

describe("reliability: failure path", () => {
    const config = loadStackFile("dev");
    const opts = (workdir: string, out: string[]) => ({
        stack: "dev",
        target: "local" as const,
        workdir,
        projectDir: PROJECT,
        config,
        force: false,
        options: {},
        out: (l: string) => out.push(l),
    });

    it("the step's error is printed first when the failure cannot be recorded; no temp file is left (always-on: manifest path made a directory)", async () => {
        const w = tmp("fail");
        const out: string[] = [];
        const def: StepDefinition = {
            name: "breaks",
            description: "fails after breaking the manifest path",
            dependsOn: [],
            inputFiles: () => [],
            inputValues: () => ({}),
            async run() {
                fs.rmSync(path.join(w, "manifest.json"));
                fs.mkdirSync(path.join(w, "manifest.json", "x"), { recursive: true });
                throw new Error("the step's own problem");
            },
        };
        await assert.rejects(runStep(def, opts(w, out)), /the step's own problem/);
        assert.match(out[1], /^=== breaks: FAILED after \d+ ms — the step's own problem$/);
        assert.match(
            out[2],
            /^ {2}\(the failure could not be recorded in .*manifest\.json: EISDIR: illegal operation on a directory; the step shows as 'running' there and runs again next time\)$/,
        );
        assert.deepEqual(leftovers(w), []);
    });

    it("on a full disk: the error first, the manifest keeps its last complete state, no temp file (tmpfs)", async function () {
        const m = mountTmpfs("size=256k");
        if (m.skip) {
            console.log(`      skipped: ${m.skip}`);
            return this.skip();
        }
        try {
            const w = m.dir!;
            const out: string[] = [];
            const def: StepDefinition = {
                name: "fills",
                description: "fills the disk, then fails",
                dependsOn: [],
                inputFiles: () => [],
                inputValues: () => ({}),
                async run() {
                    const fd = fs.openSync(path.join(w, "filler"), "w");
                    try {
                        for (;;) fs.writeSync(fd, Buffer.alloc(64 * 1024));
                    } catch (e) {
                        assert.equal((e as NodeJS.ErrnoException).code, "ENOSPC");
                    } finally {
                        fs.closeSync(fd);
                    }
                    throw new Error("disk full while writing results");
                },
            };
            await assert.rejects(runStep(def, opts(w, out)), /disk full/);
            assert.match(out[1], /^=== fills: FAILED after .* — disk full while writing results$/);
            assert.match(out[2], /could not be recorded in .*manifest\.json: ENOSPC: no space left on device/);
            assert.equal(readManifest(w, "dev", "local").steps.fills.status, "running", "the last complete manifest, not a torn one");
            assert.deepEqual(leftovers(w), []);
        } finally {
            umount(m.dir!);
        }
    });
});

describe("reliability: SIGINT / SIGTERM", function () {
    this.timeout(180_000);
    let w: string;
    before(function () {
        w = tmp("sig");
        const r = script(["--workdir", w, "--only", "provision"]);
        assert.equal(r.code, 0, r.all);
    });

    /** Runs the script in its own process group, sends `signal` once `prepare` has started. */
    function interruptPrepare(signal: "SIGINT" | "SIGTERM", group: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
        return new Promise((resolve) => {
            const p = spawn(SCRIPT, ["--workdir", w, "--only", "prepare", "--force"], { cwd: PROJECT, detached: true });
            let stdout = "";
            let stderr = "";
            let sent = false;
            p.stdout!.on("data", (c) => {
                stdout += c;
                if (!sent && stdout.includes("=== prepare: land raw data")) {
                    sent = true;
                    process.kill(group ? -p.pid! : p.pid!, signal); // group: what Ctrl-C in a terminal does
                }
            });
            p.stderr!.on("data", (c) => (stderr += c));
            p.on("close", (code) => resolve({ code, stdout, stderr }));
        });
    }

    for (const [signal, group, code] of [
        ["SIGINT", true, 130],
        ["SIGTERM", false, 143],
    ] as const) {
        it(`${signal}${group ? " to the process group (Ctrl-C)" : " to the script"}: exit ${code}, step recorded 'interrupted', how to resume, lock released`, async () => {
            const r = await interruptPrepare(signal, group);
            assert.equal(r.code, code, r.stdout + r.stderr);
            assert.match(r.stdout, new RegExp(`=== prepare: INTERRUPTED by ${signal} after `));
            assert.match(
                r.stderr,
                new RegExp(
                    `interrupted at step 'prepare' \\(${signal}\\); earlier results are kept in ${w} \\(manifest\\.json\\)\\. Resume with: \\./build_ml_environment\\.sh --stack dev --target local --workdir ${w} --from prepare\\n`,
                ),
            );
            // then the end-of-run summary of an interrupted run (issue 17): the step marked, the resume commands
            assert.match(r.stderr, /=== Summary: run INTERRUPTED during step 'prepare'/);
            assert.match(r.stderr, new RegExp(`--workdir ${w} --from prepare +# completed steps are not repeated`));
            assert.doesNotMatch(r.stderr, /Fix the problem above/);
            const m = readManifest(w, "dev", "local");
            assert.equal(m.steps.prepare.status, "interrupted");
            assert.equal(m.steps.prepare.error, `interrupted by ${signal}`);
            assert.equal(m.steps.provision.status, "succeeded");
            assert.equal(fs.existsSync(lockPath(w)), false);
            assert.deepEqual(leftovers(w), []);
        });
    }

    it("the processes a step started are stopped (descendants, also detached ones)", async () => {
        const parent = spawn("bash", ["-c", "setsid sleep 60 & sleep 60 & wait"], { stdio: "ignore" });
        await until(() => descendants(parent.pid!).length >= 2, 20_000);
        const kids = descendants(parent.pid!);
        assert.equal(kids.length, 2);
        const res = stopDescendants(2000, parent.pid!);
        assert.deepEqual(res.map((x) => x.pid).sort(), [...kids].sort());
        assert.ok(kids.every((k) => !isAlive(k)));
        parent.kill("SIGKILL");
    });
});

describe("reliability: prepare drop rate and empty inputs", function () {
    this.timeout(60_000);
    const config = loadStackFile("dev");
    let project: string;
    let w: string;
    const out: string[] = [];
    beforeEach(() => {
        project = tmp("proj");
        w = tmp("prep");
        fs.mkdirSync(path.join(project, "data", "adult"), { recursive: true });
        fs.copyFileSync(path.join(PROJECT, "test", "fixtures", "stack-outputs-dev.json"), path.join(w, "stack-outputs.json"));
        const at = new Date().toISOString();
        fs.writeFileSync(
            path.join(w, "manifest.json"),
            JSON.stringify({
                version: 1,
                stack: "dev",
                target: "local",
                workdir: w,
                updatedAt: at,
                steps: { provision: { step: "provision", status: "succeeded", startedAt: at, finishedAt: at, inputsHash: "x" } },
            }),
        );
        out.length = 0;
    });
    const run = (options: Record<string, string> = {}) =>
        runStep(loadStep("prepare"), { stack: "dev", target: "local", workdir: w, projectDir: project, config, force: true, options, out: (l) => out.push(l) });
    const adult = (f: string) => fs.readFileSync(path.join(PROJECT, "data", "adult", f), "utf8").split("\n");

    it("95 % malformed rows: fails with counts per reason and the first file:line examples naming the user's file", async () => {
        const lines = adult("adult.data").slice(0, 2001);
        const bad = lines.map((l, i) => (i > 0 && i % 20 !== 0 ? l.split(",").slice(0, 5).join(",") : l));
        fs.writeFileSync(path.join(project, "data", "adult", "adult.data"), bad.join("\n") + "\n");
        fs.writeFileSync(path.join(project, "data", "adult", "adult.test"), adult("adult.test").slice(0, 501).join("\n") + "\n");
        const user = path.relative(process.cwd(), path.join(project, "data", "adult", "adult.data"));
        await assert.rejects(run(), (e: Error) => {
            const [first, ex, ...rest] = e.message.split("\n");
            assert.equal(
                first,
                `${user}: 1900 of 2000 rows (95.0 %) were dropped, more than the maximum drop rate 1.0 % (by reason: malformed_row 1900). Fix: repair the input (see the first examples below), or raise the limit with --max-drop-rate <percent> or mlplatform:pipeline.maxDropRatePercent when the drops are expected`,
            );
            assert.equal(ex, "  first examples:");
            assert.equal(rest.length, 5);
            assert.match(rest[0], new RegExp(`^ {4}${user.replace(/[.]/g, "\\.")}:2: malformed_row: `));
            assert.ok(!e.message.includes(path.join(w, "s3")), "not the raw bucket copy");
            return true;
        });
        assert.ok(
            out.some((l) => l.includes(`${user}:3: malformed_row`)),
            "the examples are on the console",
        );
        assert.equal(readManifest(w, "dev", "local").steps.prepare.status, "failed");
        // the limit is configurable: --max-drop-rate 96 lets it through
        await run({ "max-drop-rate": "96" });
        assert.ok(
            out.some((l) => l.includes(`first dropped rows of ${user}: ${user}:2 malformed_row`)),
            out.join("\n"),
        );
    });

    it("an empty input file is an error naming it, not '-1 rows'", async () => {
        fs.writeFileSync(path.join(project, "data", "adult", "adult.data"), "");
        fs.writeFileSync(path.join(project, "data", "adult", "adult.test"), adult("adult.test").slice(0, 501).join("\n") + "\n");
        const user = path.relative(process.cwd(), path.join(project, "data", "adult", "adult.data"));
        await assert.rejects(
            run(),
            (e: Error) => e.message === `${user}: the file is empty; restore it (git checkout -- ${user}) or supply the header line followed by data rows`,
        );
        assert.ok(!out.some((l) => l.includes("-1 rows")));
    });
});

describe("reliability: endpoint processes found by their state path", function () {
    this.timeout(60_000);
    it("teardown stops a server no state file names; deploy refuses while one is alive", async () => {
        const w = tmp("orphan");
        const state = path.join(w, "endpoint", "ep.json");
        // a stand-in for a server-main process whose state file was overwritten by a second run
        const fake = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "/x/lib/serving/server-main.ts", "--config", "c.json", "--state", state], {
            stdio: "ignore",
        });
        await until(() => serversOf(w).length > 0, 20_000);
        assert.deepEqual(serversOf(w), [{ pid: fake.pid, stateFile: state, endpointName: "ep" }]);
        const { servingFixture } = await import("../../test-support/serving-fixture");
        const f = servingFixture();
        await assert.rejects(
            startEndpoint(
                {
                    endpointName: "ep2",
                    variants: [{ name: "A", modelPath: f.modelTarGz, weight: 1 }],
                    capture: { enabled: false, samplingPercentage: 0, destination: "", prefix: "" },
                    port: 0,
                    host: "127.0.0.1",
                },
                w,
            ),
            (e: Error) =>
                e.message ===
                `another endpoint process for workdir ${w} is alive: pid ${fake.pid} (endpoint ep, state ${state}); stop it first with ./build_ml_environment.sh --teardown --workdir ${w} (it stops every endpoint process of the workdir)`,
        );
        const res = await teardown(w, { graceMs: 2000 });
        assert.deepEqual(res, [{ endpointName: "ep", pid: fake.pid, outcome: "stopped", orphan: true }]);
        assert.equal(isAlive(fake.pid!), false);
        assert.deepEqual(serversOf(w), []);
    });
});
