/**
 * `npm run bench [-- name ...] [--write-docs]`: runs the benchmarks (each `bench/<name>.ts` exports `run()`) and prints
 * their numbers; with `--write-docs` also records them with the machine's description in `docs/benchmarks.md` (and
 * `docs/benchmarks.json`). Speed and memory targets live here, never in timed tests.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CliSpec, UsageError, withCli } from "../scripts/framework/cli";

const ROOT = path.resolve(__dirname, "..");
const SUITES = ["training", "monitoring", "serving", "gate", "pipeline"];
/** Run only when named (`npm run bench -- soak`): too long for the default suite. */
const ON_DEMAND = ["soak"];

/** The whole local lifecycle as a user runs it (fresh workdir), wall time per step from the manifest. */
export async function runPipeline(): Promise<Record<string, unknown>> {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-pipeline-"));
    try {
        const t0 = Date.now();
        const r = spawnSync(path.join(ROOT, "build_ml_environment.sh"), ["--workdir", workdir], {
            cwd: ROOT,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        const wall = (Date.now() - t0) / 1000;
        spawnSync(path.join(ROOT, "build_ml_environment.sh"), ["--workdir", workdir, "--teardown"], { cwd: ROOT, stdio: "ignore" });
        if (r.status !== 0) throw new Error(`pipeline failed (${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
        const manifest = JSON.parse(fs.readFileSync(path.join(workdir, "manifest.json"), "utf8")) as {
            steps: Record<string, { durationMs: number; summary: string }>;
        };
        const steps = Object.fromEntries(Object.entries(manifest.steps).map(([k, v]) => [k, { seconds: v.durationMs / 1000, summary: v.summary }]));
        return { wallSeconds: wall, steps };
    } finally {
        fs.rmSync(workdir, { recursive: true, force: true });
    }
}

function machine(): Record<string, unknown> {
    let commit = "unknown";
    try {
        commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
    } catch {
        /* not a git checkout */
    }
    return {
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadavg: os.loadavg().map((x) => x.toFixed(2)),
        commit,
    };
}

function toMarkdown(results: Record<string, unknown>, info: Record<string, unknown>): string {
    const lines = [
        "# Benchmarks",
        "",
        "Written by `npm run bench -- --write-docs`; numbers from the last run on the machine below. Targets are in the issues and in the sections.",
        "",
    ];
    lines.push("| machine | |", "|---|---|", ...Object.entries(info).map(([k, v]) => `| ${k} | ${Array.isArray(v) ? v.join(" ") : String(v)} |`), "");
    for (const [name, r] of Object.entries(results)) {
        lines.push(`## ${name}`, "");
        // a suite may render its targets as a table above the raw numbers (export markdown(result))
        let render: ((r: unknown) => string) | undefined;
        try {
            render = (require(`./${name}`) as { markdown?: (r: unknown) => string }).markdown;
        } catch {
            render = undefined;
        }
        if (render) lines.push(render(r), "");
        lines.push("```json", JSON.stringify(r, null, 2), "```", "");
    }
    return lines.join("\n");
}

export const SPEC: CliSpec = {
    program: "npm run bench --",
    summary: "Runs the benchmarks and prints their numbers. docs/benchmarks.md is rewritten only with --write-docs.",
    positionals: { name: "SUITE", help: `benchmarks to run (default all): ${SUITES.join(", ")}; on demand only: ${ON_DEMAND.join(", ")}` },
    flags: [
        { name: "write-docs", help: "record the results (merged with earlier ones) and the machine in docs/benchmarks.md and docs/benchmarks.json" },
        { name: "json", value: "FILE", help: "also write this run's results as JSON" },
    ],
    examples: ["npm run bench -- training gate", "npm run bench -- --write-docs", "SOAK_SECONDS=60 npm run bench -- soak"],
    notes: ["Under load the numbers are slower; compare runs on the same machine only."],
};

async function main(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, async (p) => {
        for (const s of p.positionals)
            if (!SUITES.includes(s) && !ON_DEMAND.includes(s))
                throw new UsageError(`benchmark '${s}' is unknown: choose from ${[...SUITES, ...ON_DEMAND].join(", ")}`);
        await runSuites(
            p.positionals.length ? p.positionals : SUITES,
            p.flags["write-docs"] === true,
            typeof p.flags.json === "string" ? p.flags.json : undefined,
        );
        return 0;
    });
}

async function runSuites(suites: string[], writeDocs: boolean, jsonFile: string | undefined): Promise<void> {
    const results: Record<string, unknown> = {};
    for (const s of suites) {
        process.stdout.write(`\n### ${s}\n`);
        const t0 = Date.now();
        try {
            const mod = s === "pipeline" ? { run: runPipeline } : (require(`./${s}`) as { run: () => Promise<Record<string, unknown>> });
            results[s] = await mod.run();
        } catch (e) {
            results[s] = { error: (e as Error).message };
        }
        process.stdout.write(`${JSON.stringify(results[s], null, 2)}\n(${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
    const info = machine();
    const write = (f: string, text: string) => {
        fs.writeFileSync(`${f}.tmp`, text);
        fs.renameSync(`${f}.tmp`, f);
    };
    if (jsonFile) write(path.resolve(jsonFile), JSON.stringify({ machine: info, results }, null, 2) + "\n");
    if (!writeDocs) {
        process.stdout.write(`\ndocs/benchmarks.md not changed (add --write-docs to record these numbers there)\n`);
        return;
    }
    const docs = path.join(ROOT, "docs");
    fs.mkdirSync(docs, { recursive: true });
    const prev = fs.existsSync(path.join(docs, "benchmarks.json"))
        ? (JSON.parse(fs.readFileSync(path.join(docs, "benchmarks.json"), "utf8")) as { results: Record<string, unknown> }).results
        : {};
    const merged = { ...prev, ...results };
    write(path.join(docs, "benchmarks.json"), JSON.stringify({ machine: info, results: merged }, null, 2) + "\n");
    write(path.join(docs, "benchmarks.md"), toMarkdown(merged, info));
    process.stdout.write(`\nwritten: docs/benchmarks.md\n`);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`${(e as Error).stack}\n`);
            process.exit(1);
        },
    );
}
