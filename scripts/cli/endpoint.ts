/**
 * `npm run endpoint -- status|weights|invoke|teardown`: the local endpoint the deploy step started, from the command
 * line (its options and examples are SPEC below, the source of --help).
 * Main decisions: the endpoint is reached only through lib/serving (state file, pid check, loopback client), so the
 * CLI and the deploy step see the same process; weight changes live in the running process (like the service) until
 * the next deploy; teardown also marks the manifest's deploy record so the next run deploys again.
 * Exit codes: 0 ok, 1 failed, 2 bad usage.
 */
import * as fs from "fs";
import * as path from "path";
import { CliSpec, parseCli, ParsedCli, runWorkdir, UsageError, withCli } from "../framework/cli";
import { writeFileAtomic } from "../../lib/data/io";
import { manifestPath } from "../framework/manifest";
// process.ts and client.ts only (not the lib/serving index): the CLI starts faster without the batch / load-test / capture code.
import { loopbackRequest } from "../../lib/serving/client";
import { endpointDir, isServerPid, readState, runningEndpoint, serversOf, teardown } from "../../lib/serving/process";

export { UsageError };

const COMMON = [
    { name: "stack", value: "NAME", help: "stack of the run (default dev)" },
    { name: "workdir", value: "DIR", help: "the run's workdir (default .ml-env/<stack>, as build_ml_environment.sh)" },
    { name: "name", value: "ENDPOINT", help: "endpoint name (default: the only endpoint of the workdir)" },
];

export const SPEC: CliSpec = {
    program: "npm run endpoint --",
    summary: "The local endpoint started by the deploy step of ./build_ml_environment.sh (loopback only, 127.0.0.1).",
    commands: [
        { name: "status", summary: "variants, live weights and traffic shares, counters, capture folder" },
        {
            name: "weights",
            summary: "shift traffic between production variants (the local UpdateEndpointWeightsAndCapacities)",
            flags: [
                { name: "variant", value: "NAME=WEIGHT", help: "a variant's new weight (repeat per variant)", repeatable: true },
                { name: "variants", value: "N=W,N=W", help: "the same as one comma-separated list", repeatable: true },
            ],
        },
        {
            name: "invoke",
            summary: "one request to /invocations (a raw Adult CSV row: the 14 feature columns, no label)",
            flags: [
                { name: "body", value: "TEXT", help: "the request body", rawValue: true },
                { name: "body-file", value: "FILE", help: "the request body from a file" },
                { name: "content-type", value: "TYPE", help: "text/csv (default) or application/json" },
                { name: "accept", value: "TYPE", help: "answer format (default text/csv)" },
                { name: "target-variant", value: "V", help: "route to this variant (X-Amzn-SageMaker-Target-Variant)" },
                { name: "inference-id", value: "ID", help: "X-Amzn-SageMaker-Inference-Id (joins ground truth later)" },
            ],
        },
        { name: "teardown", summary: "stop the endpoint process(es) of the workdir; nothing is left running" },
    ],
    flags: COMMON,
    examples: [
        "npm run endpoint -- status",
        "npm run endpoint -- invoke --body '39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States'",
        "npm run endpoint -- weights --variant champion=1        # prod stacks: --variant champion=9 --variant challenger=1",
        "npm run endpoint -- teardown",
    ],
    notes: ["Weight changes live in the running process (like the service) until the next deploy.", "exit codes: 0 ok, 1 failed, 2 bad usage"],
};

interface Args {
    command: string;
    flags: Record<string, string>;
    variants: string[];
    help: boolean;
}

export function parseCliArgs(argv: string[]): Args {
    return argsOf(parseCli(SPEC, argv));
}

function argsOf(p: ParsedCli): Args {
    const variants = [...(p.lists.variant ?? []), ...(p.lists.variants ?? []).flatMap((v) => v.split(",").filter(Boolean))];
    const flags: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.flags)) if (typeof v === "string" && k !== "variant" && k !== "variants") flags[k] = v;
    return { command: p.command ?? "", flags, variants, help: p.help };
}

export function parseWeights(specs: string[]): Record<string, number> {
    if (specs.length === 0) throw new UsageError("weights needs at least one --variant NAME=WEIGHT, e.g. --variant champion=9 --variant challenger=1");
    const w: Record<string, number> = {};
    for (const s of specs) {
        const m = /^([a-zA-Z0-9-]+)=(.+)$/.exec(s.trim());
        const x = m ? Number(m[2]) : NaN;
        if (!m || !Number.isFinite(x) || x < 0) throw new UsageError(`--variant '${s}': expected NAME=WEIGHT with a weight >= 0, e.g. champion=9`);
        if (m[1] in w) throw new UsageError(`--variant ${m[1]} is given twice`);
        w[m[1]] = x;
    }
    return w;
}

function endpointNames(workdir: string): string[] {
    const dir = endpointDir(workdir);
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json") && !f.endsWith(".config.json"))
        .map((f) => f.slice(0, -5));
}

function pickEndpoint(workdir: string, name: string | undefined) {
    const names = endpointNames(workdir);
    const chosen = name ?? (names.length === 1 ? names[0] : undefined);
    if (!chosen) {
        throw new Error(
            names.length === 0
                ? `no endpoint in ${workdir}: deploy one with ./build_ml_environment.sh --workdir ${workdir} (or pass the right --workdir / --stack)`
                : `${names.length} endpoints in ${workdir} (${names.join(", ")}): choose one with --name`,
        );
    }
    const st = runningEndpoint(workdir, chosen);
    if (!st)
        throw new Error(
            `endpoint ${chosen} is not running in ${workdir} (no live pid file): start it with ./build_ml_environment.sh --only deploy --workdir ${workdir}`,
        );
    return st;
}

/** Marks the manifest's deploy record as torn down, so the next run deploys again. */
function markTornDown(workdir: string, results: { endpointName: string; pid: number; outcome: string }[]): void {
    const file = manifestPath(workdir);
    if (!fs.existsSync(file)) return;
    const m = JSON.parse(fs.readFileSync(file, "utf8")) as {
        updatedAt: string;
        steps: Record<string, { status: string; summary?: string; results?: Record<string, unknown> }>;
    };
    const rec = m.steps.deploy;
    if (!rec || rec.status !== "succeeded") return;
    const at = new Date().toISOString();
    const { pid: _pid, ...rest } = rec.results ?? {};
    rec.status = "skipped";
    rec.summary = `endpoint torn down at ${at} (${results.map((r) => `${r.endpointName} pid ${r.pid} ${r.outcome}`).join(", ") || "no process was running"}); the next run deploys again`;
    rec.results = { ...rest, tornDownAt: at };
    m.updatedAt = at;
    writeFileAtomic(file, JSON.stringify(m, null, 2) + "\n");
}

/**
 * Runs one CLI command; resolves to the exit code. Bad usage is answered by the shared CLI layer (message, exit 2);
 * other failures reject (the caller prints them, exit 1).
 */
export function main(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, (p) => run(argsOf(p)));
}

async function run({ command, flags, variants }: Args): Promise<number> {
    const workdir = runWorkdir(flags.stack ?? "dev", flags.workdir);
    switch (command) {
        case "status": {
            const st = pickEndpoint(workdir, flags.name);
            const r = await loopbackRequest(st.url, "GET", "/admin/status");
            if (r.status !== 200) throw new Error(`GET ${st.url}/admin/status answered ${r.status}: ${r.body}`);
            const s = JSON.parse(r.body) as {
                endpointName: string;
                weights: Record<string, number>;
                variants: { name: string; model: string }[];
                stats: { requests: number; ok: number; serverErrors: number; clientErrors: Record<string, number>; captured: number };
                metrics: Record<string, { invocations: number; invocation4XXErrors: number; invocation5XXErrors: number }>;
                capture: { root: string; lines: number } | null;
            };
            const total = Object.values(s.weights).reduce((a, b) => a + b, 0);
            console.log(`endpoint ${s.endpointName}: ${st.url} (pid ${st.pid}, started ${st.startedAt})`);
            for (const v of s.variants) {
                const w = s.weights[v.name] ?? 0;
                const m = s.metrics[v.name];
                console.log(
                    `  variant ${v.name}: weight ${w} (${total > 0 ? ((100 * w) / total).toFixed(1) : "0"}% of traffic), ${m?.invocations ?? 0} invocations, ${m?.invocation4XXErrors ?? 0} 4XX, ${m?.invocation5XXErrors ?? 0} 5XX; model ${path.relative(workdir, v.model)}`,
                );
            }
            const clientErrors = Object.values(s.stats.clientErrors).reduce((a, b) => a + b, 0);
            console.log(
                `  requests ${s.stats.requests}: ${s.stats.ok} ok, ${clientErrors} client errors, ${s.stats.serverErrors} server errors; captured ${s.stats.captured}`,
            );
            if (s.capture) console.log(`  capture: ${path.relative(workdir, s.capture.root)}/<variant>/yyyy/mm/dd/hh/`);
            console.log(
                `  logs ${st.logFile ? path.relative(workdir, st.logFile) : "-"}; EMF metrics ${st.metricsFile ? path.relative(workdir, st.metricsFile) : "-"}`,
            );
            return 0;
        }
        case "weights": {
            const w = parseWeights(variants);
            const st = pickEndpoint(workdir, flags.name);
            const r = await loopbackRequest(st.url, "POST", "/admin/weights", JSON.stringify({ weights: w }), { "Content-Type": "application/json" });
            if (r.status !== 200) {
                let msg = r.body;
                try {
                    msg = (JSON.parse(r.body) as { message: string }).message;
                } catch {
                    /* not JSON */
                }
                throw new Error(`weights not changed: ${msg}`);
            }
            const now = (JSON.parse(r.body) as { weights: Record<string, number> }).weights;
            const total = Object.values(now).reduce((a, b) => a + b, 0);
            console.log(
                `endpoint ${st.endpointName}: ${Object.entries(now)
                    .map(([k, v]) => `${k} ${v} (${((100 * v) / total).toFixed(1)}%)`)
                    .join(", ")}`,
            );
            return 0;
        }
        case "invoke": {
            if (flags.body === undefined && flags["body-file"] === undefined)
                throw new UsageError("invoke needs --body TEXT or --body-file FILE (a raw Adult CSV row: the 14 feature columns, no label)");
            const body = flags.body ?? fs.readFileSync(flags["body-file"], "utf8");
            const st = pickEndpoint(workdir, flags.name);
            const id = flags["inference-id"] ?? `cli-${Date.now()}`;
            const headers: Record<string, string> = {
                "Content-Type": flags["content-type"] ?? "text/csv",
                Accept: flags.accept ?? "text/csv",
                "X-Amzn-SageMaker-Inference-Id": id,
            };
            if (flags["target-variant"]) headers["X-Amzn-SageMaker-Target-Variant"] = flags["target-variant"];
            const r = await loopbackRequest(st.url, "POST", "/invocations", body, headers);
            process.stdout.write(r.body.endsWith("\n") ? r.body : r.body + "\n");
            process.stderr.write(`status ${r.status}, variant ${String(r.headers["x-amzn-invoked-production-variant"] ?? "-")}, inference id ${id}\n`);
            return r.status === 200 ? 0 : 1;
        }
        case "teardown": {
            const before = endpointNames(workdir)
                .map((n) => readState(path.join(endpointDir(workdir), `${n}.json`)))
                .filter((s): s is NonNullable<typeof s> => !!s);
            const results = await teardown(workdir, flags.name ? { endpointName: flags.name } : {});
            const left = [...before.filter((s) => isServerPid(s.pid)), ...serversOf(workdir).filter((p) => !before.some((b) => b.pid === p.pid))];
            if (left.length)
                throw new Error(
                    `endpoint process(es) still running after teardown: ${left.map((s) => `${s.endpointName} pid ${s.pid}`).join(", ")}; stop them with kill ${left.map((s) => s.pid).join(" ")}`,
                );
            for (const r of results)
                console.log(
                    `endpoint ${r.endpointName}: pid ${r.pid} ${r.outcome === "not_running" ? "was not running" : r.outcome}${r.orphan ? " (found by its state path; no state file named it)" : ""}`,
                );
            if (results.length === 0) console.log(`no endpoint recorded in ${workdir}: nothing to stop`);
            markTornDown(workdir, results);
            return 0;
        }
        default:
            throw new UsageError(`unknown command '${command}'`);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`error: ${e.message}\n`);
            process.exit(1);
        },
    );
}
