/**
 * Background endpoint processes for the pipeline.
 *
 * `startEndpoint(config, workdir)` runs `lib/serving/server-main.ts` detached
 * (`node scripts/run-ts.cjs`), then waits until the state file
 * `<workdir>/endpoint/<endpointName>.json` (pid + bound port; written by the server after it listens)
 * exists and `GET /ping` answers 200. Files next to it: `<name>.config.json` (the config the process runs),
 * `<name>.log.jsonl` (structured log, unless config.logFile is set), `<name>.metrics.jsonl` (EMF, unless
 * config.metricsFile is set), `<name>.stdout.log` (process stdout/stderr).
 *
 * Re-running `startEndpoint` on a running endpoint is safe:
 *  - same config (hash of the effective config plus the size/mtime of every model and transform file) and
 *    `/ping` OK → the running process is reused (`reused: true`);
 *  - different config or changed model files (`replaced: 'config_changed'`), or a process that does not answer
 *    (`'not_responding'`) → it is stopped (SIGTERM, SIGKILL fallback) and a new one is started with the new
 *    config, as UpdateEndpoint replaces the fleet. Use `{ restart: 'always' }` to force a restart.
 * A state file whose pid is dead, or belongs to an unrelated process (pid reuse; checked via /proc cmdline), is
 * stale: it is removed and a fresh process is started.
 *
 * `teardown(workdir)` stops every endpoint recorded under `<workdir>/endpoint/` (or one, by name) and every endpoint
 * process whose `--state` path lies there (`serversOf`, from /proc: also processes no state file names any more):
 * SIGTERM, wait for graceful drain (default 10 s), then SIGKILL, and removes the state files. No process is left behind.
 * `startEndpoint` refuses while an endpoint process of the workdir other than the one it would reuse/replace is alive.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { spawn } from "child_process";
import { createHash } from "crypto";
import { RUN_TS } from "../common/run-ts";
import { EndpointConfig, validateEndpointConfig } from "./config";
import { ServingModel } from "./model";

export interface EndpointState {
    endpointName: string;
    pid: number;
    port: number;
    host: string;
    url: string;
    configHash: string;
    configFile?: string;
    logFile?: string;
    metricsFile?: string;
    captureRoot?: string;
    startedAt: string;
}

export interface EndpointHandle extends EndpointState {
    stateFile: string;
    /** True when an already-running process with the same config was reused. */
    reused: boolean;
    /** Set when an earlier process was replaced: why. */
    replaced?: "config_changed" | "not_responding" | "stale_pid_file" | "restart_requested";
}

export interface StartEndpointOptions {
    /** How long to wait for the process to answer /ping (default 60 s; start-up is slow on busy hosts). */
    timeoutMs?: number;
    restart?: "if-changed" | "always";
}

export interface TeardownResult {
    endpointName: string;
    pid: number;
    outcome: "stopped" | "killed" | "not_running";
    /** Found by its state path on the command line, not through a state file. */
    orphan?: boolean;
}

const SERVER_MAIN = path.join(__dirname, "server-main.ts");
const REPO_ROOT = path.resolve(__dirname, "..", "..");

function canonical(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === "object") {
        return Object.fromEntries(
            Object.keys(v as object)
                .sort()
                .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        );
    }
    return v;
}

function fingerprint(file: string | undefined): string {
    if (!file) return "-";
    try {
        const st = fs.statSync(file);
        return `${path.resolve(file)}:${st.size}:${st.mtimeMs}`;
    } catch {
        return `${file}:missing`;
    }
}

/**
 * Stable hash of an effective endpoint config (key order does not matter) AND of its model / transform
 * files (path, size, mtime), so re-deploying a retrained model under the same path restarts the endpoint.
 */
export function configHash(c: EndpointConfig): string {
    const files = [...c.variants, ...(c.shadowVariant ? [c.shadowVariant] : [])].map((v) => [fingerprint(v.modelPath), fingerprint(v.transformPath)]);
    return createHash("sha256")
        .update(JSON.stringify([canonical(c), files]))
        .digest("hex")
        .slice(0, 16);
}

export function endpointDir(workdir: string): string {
    return path.join(workdir, "endpoint");
}

/** True when `pid` is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
        if (state === "Z" || state === "X") return false;
    } catch {
        /* no procfs: trust kill(0) */
    }
    return true;
}

/**
 * True when `pid` is alive and runs the serving engine's server-main (not a recycled pid: guards against signalling
 * an unrelated process). Without procfs, kill(0) is trusted.
 */
export function isServerPid(pid: number): boolean {
    if (!isAlive(pid)) return false;
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("server-main");
    } catch {
        return true; // no procfs: trust kill(0)
    }
}

/** The state file (pid + port) of endpoint `endpointName` of a workdir. */
export function stateFileOf(workdir: string, endpointName: string): string {
    return path.join(endpointDir(workdir), `${endpointName}.json`);
}

/** The running endpoint's state (pid file), or undefined when it is not running. */
export function runningEndpoint(workdir: string, endpointName: string): EndpointState | undefined {
    const st = readState(stateFileOf(workdir, endpointName));
    return st && isServerPid(st.pid) ? st : undefined;
}

export function readState(stateFile: string): EndpointState | undefined {
    try {
        const s = JSON.parse(fs.readFileSync(stateFile, "utf8")) as EndpointState;
        return typeof s.pid === "number" && typeof s.port === "number" ? s : undefined;
    } catch {
        return undefined;
    }
}

/** GET /ping; resolves to the status code, or 0 on connection failure. */
export function ping(host: string, port: number, timeoutMs = 2000): Promise<number> {
    return new Promise((resolve) => {
        const req = http.get({ host, port, path: "/ping", timeout: timeoutMs, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(0));
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopPid(pid: number, graceMs: number): Promise<"stopped" | "killed" | "not_running"> {
    if (!isServerPid(pid)) return "not_running";
    try {
        process.kill(pid, "SIGTERM");
    } catch {
        return "not_running";
    }
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
        if (!isAlive(pid)) return "stopped";
        await sleep(25);
    }
    try {
        process.kill(pid, "SIGKILL");
    } catch {
        /* exited meanwhile */
    }
    for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(25);
    if (isAlive(pid)) throw new Error(`endpoint process ${pid} survived SIGKILL for 5 s; check it with ps and stop it manually`);
    return "killed";
}

/**
 * Every live endpoint process serving this workdir, found by its state path: the `--state <workdir>/endpoint/<name>.json`
 * argument in `/proc/<pid>/cmdline` (so a process whose state file was overwritten or deleted is found too).
 * Empty without /proc.
 */
export function serversOf(workdir: string): { pid: number; stateFile: string; endpointName: string }[] {
    const dir = endpointDir(path.resolve(workdir)) + path.sep;
    let pids: string[];
    try {
        pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
    } catch {
        return [];
    }
    const out: { pid: number; stateFile: string; endpointName: string }[] = [];
    for (const d of pids) {
        let argv: string[];
        try {
            argv = fs.readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
        } catch {
            continue;
        }
        if (!argv.some((a) => a.endsWith("server-main.ts") || a.endsWith("server-main.js"))) continue;
        const i = argv.indexOf("--state");
        const st = i >= 0 ? argv[i + 1] : undefined;
        if (!st || !path.resolve(st).startsWith(dir)) continue;
        const pid = Number(d);
        if (pid === process.pid || !isAlive(pid)) continue;
        out.push({ pid, stateFile: path.resolve(st), endpointName: path.basename(st, ".json") });
    }
    return out.sort((a, b) => a.pid - b.pid);
}

/** Start (or reuse / restart) a background endpoint; resolves once /ping answers 200. */
export async function startEndpoint(config: EndpointConfig, workdir: string, opts: StartEndpointOptions = {}): Promise<EndpointHandle> {
    const dir = endpointDir(path.resolve(workdir));
    fs.mkdirSync(dir, { recursive: true });
    const base = validateEndpointConfig(config);
    const name = base.endpointName;
    // the background process runs with the repository as cwd: make every path absolute (relative to the caller's cwd)
    const abs = (p: string | undefined) => (p === undefined || p === "" ? p : path.resolve(p));
    const effective: EndpointConfig = {
        ...base,
        variants: base.variants.map((v) =>
            v.pipeline ? { ...v } : { ...v, modelPath: abs(v.modelPath)!, ...(v.transformPath ? { transformPath: abs(v.transformPath) } : {}) },
        ),
        capture: { ...base.capture, destination: abs(base.capture.destination) ?? "" },
        logFile: abs(base.logFile) ?? path.join(dir, `${name}.log.jsonl`),
        metricsFile: abs(base.metricsFile) ?? path.join(dir, `${name}.metrics.jsonl`),
    };
    if (base.shadowVariant) {
        const sv = base.shadowVariant;
        effective.shadowVariant = { ...sv, modelPath: abs(sv.modelPath)!, ...(sv.transformPath ? { transformPath: abs(sv.transformPath) } : {}) };
    }
    const hash = configHash(effective);
    // Pre-flight: load every model here so a bad path / model / transform fails in milliseconds with the
    // loader's message instead of after a background process start-up.
    for (const v of [...effective.variants, ...(effective.shadowVariant ? [effective.shadowVariant] : [])])
        if (!("pipeline" in v && v.pipeline)) ServingModel.load(v);
    const stateFile = path.join(dir, `${name}.json`);
    let replaced: EndpointHandle["replaced"];

    const existing = readState(stateFile);
    // One endpoint process per workdir: refuse while another one (a second run's, or one whose state file was
    // overwritten) is alive; the one recorded in this endpoint's state file is reused or replaced below.
    const others = serversOf(workdir).filter((p) => !(existing && p.pid === existing.pid && p.stateFile === stateFile));
    if (others.length) {
        throw new Error(
            `another endpoint process for workdir ${path.resolve(workdir)} is alive: ${others.map((o) => `pid ${o.pid} (endpoint ${o.endpointName}, state ${o.stateFile})`).join(", ")}; ` +
                `stop it first with ./build_ml_environment.sh --teardown --workdir ${workdir} (it stops every endpoint process of the workdir)`,
        );
    }
    if (existing) {
        if (!isServerPid(existing.pid)) {
            replaced = "stale_pid_file";
            fs.rmSync(stateFile, { force: true });
        } else {
            const ok = (await ping(existing.host, existing.port)) === 200;
            if (ok && existing.configHash === hash && opts.restart !== "always") {
                return { ...existing, stateFile, reused: true };
            }
            replaced = opts.restart === "always" ? "restart_requested" : !ok ? "not_responding" : "config_changed";
            await stopPid(existing.pid, 10_000);
            fs.rmSync(stateFile, { force: true });
        }
    }

    const configFile = path.join(dir, `${name}.config.json`);
    fs.writeFileSync(configFile, JSON.stringify(effective, null, 2) + "\n");
    const outFile = path.join(dir, `${name}.stdout.log`);
    const out = fs.openSync(outFile, "a");
    const child = spawn(process.execPath, [RUN_TS, SERVER_MAIN, "--config", configFile, "--state", stateFile], {
        cwd: REPO_ROOT,
        detached: true,
        stdio: ["ignore", out, out],
    });
    fs.closeSync(out);
    let exited: number | null | undefined;
    child.on("exit", (code, sig) => (exited = code ?? (sig ? 128 : -1)));
    child.unref();
    const pid = child.pid!;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const tail = () => {
        try {
            return fs.readFileSync(outFile, "utf8").split("\n").slice(-15).join("\n");
        } catch {
            return "";
        }
    };
    while (Date.now() < deadline) {
        if (exited !== undefined) {
            throw new Error(`endpoint "${name}" process ${pid} exited with code ${exited} before it was ready; output (${outFile}):\n${tail()}`);
        }
        const st = readState(stateFile);
        if (st && st.pid === pid && (await ping(st.host, st.port)) === 200) {
            const h: EndpointHandle = { ...st, stateFile, reused: false };
            if (replaced) h.replaced = replaced;
            return h;
        }
        await sleep(50);
    }
    try {
        process.kill(pid, "SIGKILL");
    } catch {
        /* gone */
    }
    throw new Error(`endpoint "${name}" did not answer /ping within ${timeoutMs} ms (pid ${pid} killed); output (${outFile}):\n${tail()}`);
}

/** Stop endpoints recorded under `<workdir>/endpoint/` (all, or `endpointName` only). */
export async function teardown(workdir: string, opts: { endpointName?: string; graceMs?: number } = {}): Promise<TeardownResult[]> {
    const dir = endpointDir(path.resolve(workdir));
    if (!fs.existsSync(dir)) return [];
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json") && !f.endsWith(".config.json"))
        .filter((f) => !opts.endpointName || f === `${opts.endpointName}.json`);
    const results: TeardownResult[] = [];
    const done = new Set<number>();
    for (const f of files) {
        const stateFile = path.join(dir, f);
        const st = readState(stateFile);
        if (!st) continue;
        const outcome = await stopPid(st.pid, opts.graceMs ?? 10_000);
        fs.rmSync(stateFile, { force: true });
        done.add(st.pid);
        results.push({ endpointName: st.endpointName, pid: st.pid, outcome });
    }
    // processes no state file names any more (e.g. two runs raced and one state file was overwritten): found by the
    // --state path on their command line
    for (const p of serversOf(workdir)) {
        if (done.has(p.pid) || (opts.endpointName && p.endpointName !== opts.endpointName)) continue;
        const outcome = await stopPid(p.pid, opts.graceMs ?? 10_000);
        results.push({ endpointName: p.endpointName, pid: p.pid, outcome, orphan: true });
    }
    return results;
}
