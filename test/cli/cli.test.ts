/**
 * Every command-line entry point answers `--help` (usage + examples, exit 0) and refuses an unknown option with the
 * list of valid ones (exit 2), spawned as a user runs them. The spawns run a few at a time: each costs a Node start.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatHelp, parseCli, UsageError, CliSpec } from "../../scripts/framework/cli";
import { pool, Proc, ROOT, run, TS_RUN } from "../helpers/cli";

const TS = TS_RUN;
const runCmd = (cmd: string[], args: string[]) => run(cmd[0], [...cmd.slice(1), ...args]);

interface Cli {
    name: string;
    cmd: string[];
    /** A word the help must contain besides "usage" and "examples". */
    mentions: RegExp;
    /** An option the unknown-option answer must list. */
    lists: string;
}

const CLIS: Cli[] = [
    { name: "build_ml_environment.sh", cmd: ["./build_ml_environment.sh"], mentions: /--teardown/, lists: "--workdir" },
    { name: "plan", cmd: [...TS, "scripts/cli/plan.ts"], mentions: /--verbose/, lists: "--stack" },
    { name: "policy:check", cmd: [...TS, "scripts/cli/policy-check.ts"], mentions: /stack export/, lists: "--export" },
    { name: "registry", cmd: [...TS, "scripts/cli/registry.ts"], mentions: /approve/, lists: "--workdir" },
    { name: "endpoint", cmd: [...TS, "scripts/cli/endpoint.ts"], mentions: /teardown/, lists: "--workdir" },
    { name: "monitor", cmd: [...TS, "scripts/cli/monitor.ts"], mentions: /model-quality/, lists: "--dataset" },
    { name: "run-step", cmd: [...TS, "scripts/cli/run-step.ts"], mentions: /--hp\./, lists: "--rows" },
    { name: "bench", cmd: [...TS, "bench/index.ts"], mentions: /--write-docs/, lists: "--write-docs" },
    { name: "summary", cmd: [...TS, "scripts/cli/summary.ts"], mentions: /manifest/, lists: "--workdir" },
    { name: "docs", cmd: [...TS, "scripts/tools/gen-docs.ts"], mentions: /configuration\.md/, lists: "--check" },
    { name: "optimize", cmd: [...TS, "scripts/cli/optimize.ts"], mentions: /--apply-config/, lists: "--stack" },
    { name: "access", cmd: [...TS, "scripts/cli/access.ts"], mentions: /explain/, lists: "--stack" },
    { name: "compliance:map", cmd: [...TS, "scripts/tools/compliance-map.ts"], mentions: /compliance\.md/, lists: "--check" },
];

/** Arguments that reach the option parser for CLIs with commands (monitor, registry, endpoint). */
const BOGUS_ARGS: Record<string, string[]> = {
    monitor: ["baseline", "--bogus", "1"],
    registry: ["list", "--bogus", "1"],
    endpoint: ["status", "--bogus", "1"],
    "run-step": ["prepare", "--bogus", "1"],
    access: ["explain", "--bogus", "1"],
};

describe("command-line interfaces: --help and unknown options", function () {
    this.timeout(300_000);
    /** Argument errors that name the argument (exit 2, no "Invalid stack configuration", no stack trace). */
    const ARG_ERRORS: { name: string; cmd: string[]; args: string[]; says: RegExp }[] = [
        {
            name: "plan --stack nope",
            cmd: [...TS, "scripts/cli/plan.ts"],
            args: ["--stack", "nope"],
            says: /option --stack nope: there is no Pulumi\.nope\.yaml \(stacks: dev, prod/,
        },
        {
            name: "plan --policy-config missing",
            cmd: [...TS, "scripts/cli/plan.ts"],
            args: ["--stack", "dev", "--policy-config", "/nonexistent.json"],
            says: /option --policy-config \/nonexistent\.json: file not found/,
        },
        { name: "plan without --stack", cmd: [...TS, "scripts/cli/plan.ts"], args: [], says: /option --stack is required, e\.g\. --stack dev/ },
        {
            name: "plan --json without a value",
            cmd: [...TS, "scripts/cli/plan.ts"],
            args: ["--stack", "dev", "--json"],
            says: /option --json needs a value: --json FILE/,
        },
        {
            name: "endpoint frobnicate",
            cmd: [...TS, "scripts/cli/endpoint.ts"],
            args: ["frobnicate"],
            says: /command 'frobnicate' is unknown: use one of status, weights, invoke, teardown/,
        },
        {
            name: "build_ml_environment.sh --only nosuch",
            cmd: ["./build_ml_environment.sh"],
            args: ["--only", "nosuch"],
            says: /unknown step 'nosuch'|step 'nosuch'/,
        },
    ];
    const argErrors = new Map<string, Proc>();
    const help = new Map<string, Proc>();
    const bogus = new Map<string, Proc>();
    const benchDoc = path.join(ROOT, "docs", "benchmarks.md");
    let benchBefore = "";

    before(async () => {
        benchBefore = fs.readFileSync(benchDoc, "utf8");
        const jobs = CLIS.flatMap((c) => [
            { c, kind: "help" as const, args: ["--help"] },
            { c, kind: "bogus" as const, args: BOGUS_ARGS[c.name] ?? ["--bogus", "1"] },
        ]);
        const all = [...jobs.map((j) => ({ cmd: j.c.cmd, args: j.args })), ...ARG_ERRORS];
        const results = await pool(all, Math.max(2, Math.min(4, os.cpus().length)), (j) => runCmd(j.cmd, j.args));
        jobs.forEach((j, i) => (j.kind === "help" ? help : bogus).set(j.c.name, results[i]));
        ARG_ERRORS.forEach((a, i) => argErrors.set(a.name, results[jobs.length + i]));
    });

    for (const c of CLIS) {
        it(`${c.name} --help: usage, examples, exit 0`, () => {
            const r = help.get(c.name)!;
            assert.strictEqual(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
            assert.match(r.stdout, /usage/i);
            assert.match(r.stdout, /examples?:/i);
            assert.match(r.stdout, c.mentions);
        });
        it(`${c.name} refuses an unknown option, naming it and listing the valid ones (exit 2)`, () => {
            const r = bogus.get(c.name)!;
            assert.strictEqual(r.code, 2, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
            assert.match(r.stderr, /--bogus/);
            assert.ok(r.stderr.includes(c.lists), `the answer should list ${c.lists}:\n${r.stderr}`);
            assert.doesNotMatch(r.stderr, /Invalid stack configuration|\n\s+at /, "an argument error is not a configuration error or a stack trace");
        });
    }

    it("argument errors name the argument and exit 2", () => {
        for (const a of ARG_ERRORS) {
            const r = argErrors.get(a.name)!;
            assert.strictEqual(r.code, 2, `${a.name}: exit ${r.code}\n${r.stderr}`);
            assert.match(r.stderr, a.says, a.name);
            assert.doesNotMatch(r.stderr, /Invalid stack configuration|\n\s+at /, a.name);
        }
    });

    it("bench --help did not rewrite docs/benchmarks.md", () => {
        assert.strictEqual(fs.readFileSync(benchDoc, "utf8"), benchBefore);
    });
});

describe("scripts/framework/cli: the shared parser", () => {
    const spec: CliSpec = {
        program: "tool",
        summary: "a tool",
        commands: [{ name: "go", summary: "go", flags: [{ name: "to", value: "WHERE", help: "where" }] }],
        flags: [
            { name: "n", value: "N", help: "a number" },
            { name: "v", value: "X", help: "repeatable", repeatable: true },
            { name: "dry", help: "a flag" },
        ],
        prefixFlags: [{ prefix: "hp.", value: "V", help: "hyperparameter" }],
        examples: ["tool go --to home"],
    };
    it("parses values, =values, flags, repeatables and prefixed options", () => {
        const p = parseCli(spec, ["go", "--to", "home", "--n=3", "--dry", "--v", "a", "--v", "b", "--hp.eta", "0.1"]);
        assert.strictEqual(p.command, "go");
        assert.deepStrictEqual(p.flags, { to: "home", n: "3", dry: true, v: "b", "hp.eta": "0.1" });
        assert.deepStrictEqual(p.lists.v, ["a", "b"]);
    });
    it("names the argument in every error", () => {
        assert.throws(
            () => parseCli(spec, ["go", "--x", "1"]),
            (e: Error) => e instanceof UsageError && /--x is unknown.*--to, --n, --v, --dry, --hp\.\*/.test(e.message),
        );
        assert.throws(() => parseCli(spec, ["go", "--n"]), /option --n needs a value: --n N/);
        assert.throws(() => parseCli(spec, ["go", "--n", "1", "--n", "2"]), /--n is given more than once/);
        assert.throws(() => parseCli(spec, ["go", "--dry=yes"]), /--dry takes no value/);
        assert.throws(() => parseCli(spec, ["stop"]), /command 'stop' is unknown: use one of go/);
        assert.throws(() => parseCli(spec, []), /a command is required/);
        assert.throws(() => parseCli(spec, ["go", "extra"]), /argument 'extra' is not expected/);
    });
    it("--help anywhere wins, and the help lists commands, options and examples", () => {
        assert.strictEqual(parseCli(spec, ["go", "--bogus", "--help"]).help, true);
        const h = formatHelp(spec);
        for (const s of ["usage: tool <command>", "go", "--to WHERE", "--v X (repeatable)", "--hp.<name> V", "examples:", "tool go --to home"])
            assert.ok(h.includes(s), `${s} missing:\n${h}`);
    });
});
