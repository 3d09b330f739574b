/**
 * `npm run optimize -- --stack <env>`: joins measured capacity, observed traffic and prices into cost recommendations
 * (lib/optimize; docs/cost.md). Options and examples are SPEC below, the source of --help.
 * Main decision: the CLI only gathers the inputs of the chosen target (local run files, or Inference Recommender and
 * CloudWatch on AWS) and prints/writes the engine's report; --apply-config writes the recommended keys and re-runs the
 * policy gate's cost check.
 */
import * as path from "path";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { ConfigError } from "../../infra/config";
import { loadStackFile } from "../../infra/stack-config";
import { selectRules } from "../../components/detective";
import { writeFileAtomic } from "../../lib/data/io";
import { Capacity } from "../../lib/optimize/capacity";
import { DEFAULT_OPTIONS, optimize, OptimizeOptions } from "../../lib/optimize/engine";
import { formatText, writeHtml } from "../../lib/optimize/report";
import { awsInputs, loadHostingPrices, loadInfraPrices } from "../../lib/optimize/sources";
import { VariantTraffic } from "../../lib/optimize/traffic";
import { CliSpec, ParsedCli, PROJECT_DIR, runWorkdir, UsageError, withCli } from "../framework/cli";
import { applyConfig } from "./optimize-apply";
import { localInputs } from "./optimize-local";

export const SPEC: CliSpec = {
    program: "npm run optimize --",
    summary:
        "Joins measured capacity, observed traffic and prices into cost recommendations (size, autoscaling, serverless, idle,\n" +
        "spot training, Savings Plans) with cost per 1000 predictions and the stack's fixed costs (lib/optimize; docs/cost.md).\n" +
        "local (default): capacity from <workdir>/reports/loadtest.json, traffic from the local endpoint's EMF metrics, tune history\n" +
        "from <workdir>/manifest.json. aws: capacity from an Inference Recommender job, traffic from CloudWatch GetMetricData\n" +
        "(default window: the last 14 days). Prices: policies/data/sagemaker-prices.json, policies/data/aws-infra-prices.json.",
    flags: [
        { name: "stack", value: "NAME", help: "stack whose Pulumi.<NAME>.yaml is optimised (required)" },
        { name: "target", value: "local|aws", help: "where capacity and traffic come from (default local)" },
        { name: "workdir", value: "DIR", help: "local run's workdir (default .ml-env/<stack>)" },
        { name: "project-dir", value: "DIR", help: "folder holding Pulumi.<stack>.yaml (default this repository)" },
        { name: "from", value: "ISO", help: "start of the traffic window" },
        { name: "to", value: "ISO", help: "end of the traffic window" },
        { name: "json", value: "FILE", help: "also write the report as JSON" },
        { name: "html", value: "FILE", help: "also write a self-contained HTML report" },
        {
            name: "apply-config",
            help: "write the recommended keys into Pulumi.<stack>.yaml (validated, atomic) and re-run the policy gate's cost check (exit 1 when it fails)",
        },
        { name: "include-loadtest-traffic", help: "count the load test's own requests as traffic" },
        { name: "allow-serverless-outside-vpc", help: "consider serverless although the endpoint runs in the VPC" },
        { name: "headroom", value: "0.3", help: "capacity headroom over the observed peak" },
        { name: "idle-days", value: "7", help: "days without invocations that make an endpoint idle" },
        { name: "serverless-memory", value: "MB", help: "serverless memory size (1024 to 6144, multiple of 1024)" },
        { name: "cold-start-ms", value: "MS", help: "assumed serverless cold start (default 2000)" },
        { name: "payload-bytes", value: "N", help: "mean request payload (default 2048)" },
        { name: "log-bytes", value: "N", help: "log bytes per invocation for the log-ingestion estimate (default 1500)" },
        { name: "working-hours", value: "START-END", help: "UTC working hours for the dev scale-down, e.g. 7-19" },
        { name: "endpoint", value: "NAME", help: "aws: endpoint name (default the stack's)" },
        { name: "recommender-job", value: "NAME", help: "aws: Inference Recommender job with the capacity" },
    ],
    examples: [
        "npm run optimize -- --stack dev",
        "npm run optimize -- --stack dev --html .ml-env/dev/reports/optimize.html --json optimize.json",
        "npm run optimize -- --stack prod --target aws --recommender-job mlp-prod-rec --from 2026-11-01T00:00:00Z",
    ],
    notes: ["exit codes: 0 done, 1 the applied config breaks the cost policy, 2 bad arguments or configuration"],
};

function num(flags: Record<string, string | boolean>, k: string, lo: number, hi: number): number | undefined {
    if (flags[k] === undefined) return undefined;
    const v = Number(flags[k]);
    if (!(v >= lo && v <= hi)) throw new UsageError(`option --${k} ${String(flags[k])}: expected a number in [${lo}, ${hi}]`);
    return v;
}

function isoMs(flags: Record<string, string | boolean>, k: string): number | undefined {
    if (flags[k] === undefined) return undefined;
    const t = Date.parse(String(flags[k]));
    if (!Number.isFinite(t)) throw new UsageError(`option --${k} ${String(flags[k])}: not an ISO 8601 time (e.g. 2026-12-01T00:00:00Z)`);
    return t;
}

/** The AWS Config rules the stack's detective component deploys (components/detective.ts decides which). */
function detectiveRules(cfg: ReturnType<typeof loadStackFile>): { rules: number; recorder: boolean } {
    const d = cfg.detective;
    if (!d.enabled) return { rules: 0, recorder: false };
    return { rules: selectRules(cfg.environment, d.accountRules).length, recorder: d.createRecorder };
}

function main(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, (p) => run(p));
}

async function run(p: ParsedCli): Promise<number> {
    const flags: Record<string, string | boolean> = p.flags;
    if (typeof flags.stack !== "string") throw new UsageError("option --stack is required, e.g. --stack dev");
    const target = String(flags.target ?? "local");
    if (target !== "local" && target !== "aws") throw new UsageError(`option --target ${target}: expected local or aws`);
    // Where Pulumi.<stack>.yaml lives (default: this repository).
    const projectDir = typeof flags["project-dir"] === "string" ? path.resolve(flags["project-dir"]) : PROJECT_DIR;
    const cfg = loadStackFile(flags.stack, projectDir);
    const fromMs = isoMs(flags, "from");
    const toMs = isoMs(flags, "to");
    if (fromMs !== undefined && toMs !== undefined && !(toMs > fromMs))
        throw new UsageError(`option --from ${String(flags.from)} must be before --to ${String(flags.to)}`);
    const options: Partial<OptimizeOptions> = {};
    const set = <K extends keyof OptimizeOptions>(k: K, v: OptimizeOptions[K] | undefined) => {
        if (v !== undefined) options[k] = v;
    };
    set("headroom", num(flags, "headroom", 0, 5));
    set("idleDays", num(flags, "idle-days", 1, 365));
    const mem = num(flags, "serverless-memory", 1024, 6144);
    if (mem !== undefined && mem % 1024 !== 0)
        throw new UsageError(`option --serverless-memory ${mem}: SageMaker Serverless memory sizes are 1024, 2048, 3072, 4096, 5120 or 6144 MB`);
    set("serverlessMemoryMb", mem);
    set("coldStartMs", num(flags, "cold-start-ms", 0, 600_000));
    set("payloadBytes", num(flags, "payload-bytes", 1, 6 * 1024 * 1024));
    set("logBytesPerInvocation", num(flags, "log-bytes", 0, 1_000_000));
    if (flags["allow-serverless-outside-vpc"]) options.allowServerlessOutsideVpc = true;
    if (flags["working-hours"] !== undefined) {
        const m = /^(\d{1,2})-(\d{1,2})$/.exec(String(flags["working-hours"]));
        if (!m || Number(m[1]) >= Number(m[2]) || Number(m[2]) > 24)
            throw new UsageError(`option --working-hours ${String(flags["working-hours"])}: expected START-END UTC hours, e.g. 7-19`);
        options.workingHours = [Number(m[1]), Number(m[2])];
    }

    let capacity: Capacity[];
    let traffic: VariantTraffic[];
    let tuning;
    const notes: string[] = [];
    if (target === "local") {
        const workdir = runWorkdir(String(flags.stack), typeof flags.workdir === "string" ? flags.workdir : undefined);
        const li = localInputs(workdir, cfg, { fromMs, toMs, includeLoadTest: flags["include-loadtest-traffic"] === true });
        capacity = li.capacity;
        traffic = li.traffic;
        tuning = li.tuning;
        notes.push(...li.notes, `local run ${workdir}: endpoint ${li.endpointName}`);
    } else {
        const to = toMs ?? Date.now();
        const ai = await awsInputs(cfg, {
            cw: new CloudWatchClient({ region: cfg.region }),
            sm: new SageMakerClient({ region: cfg.region }),
            fromMs: fromMs ?? to - 14 * 86_400_000,
            toMs: to,
            endpointName: typeof flags.endpoint === "string" ? flags.endpoint : undefined,
            recommenderJob: typeof flags["recommender-job"] === "string" ? flags["recommender-job"] : undefined,
        });
        capacity = ai.capacity;
        traffic = ai.traffic;
        notes.push(...ai.notes);
    }
    const report = optimize({
        config: cfg,
        capacity,
        traffic,
        tuning,
        detective: detectiveRules(cfg),
        hosting: loadHostingPrices(cfg.region),
        infra: loadInfraPrices(cfg.region),
        options: { ...DEFAULT_OPTIONS, ...options },
        notes,
    });
    process.stdout.write(formatText(report) + "\n");
    if (typeof flags.json === "string") writeFileAtomic(path.resolve(flags.json), JSON.stringify(report, null, 2) + "\n");
    if (typeof flags.html === "string") {
        await writeHtml(report, path.resolve(flags.html));
        process.stdout.write(`HTML report: ${flags.html}\n`);
    }
    if (flags["apply-config"]) {
        const file = path.join(projectDir, `Pulumi.${flags.stack}.yaml`);
        const res = applyConfig(file, flags.stack, report.recommendations);
        for (const a of res.applied)
            process.stdout.write(`applied mlplatform:${a.key}: ${JSON.stringify(a.from)} -> ${JSON.stringify(a.to)} (${a.recommendation})\n`);
        for (const r of res.refused) process.stdout.write(`not applied mlplatform:${r.key} (${r.recommendation}): ${r.reason}\n`);
        if (!res.applied.length) {
            process.stdout.write("no config change to apply\n");
            return 0;
        }
        // Re-check the cost policy on the changed program (same gate as `npm run plan`).
        const { runGate } = await import("../../gate/gate");
        const { report: gate } = await runGate({ stack: flags.stack, projectDir });
        const cost = gate.violations.filter((v) => v.policy === "cost-within-budget");
        process.stdout.write(
            `policy gate: estimated $${gate.cost.monthlyUsd.toFixed(2)}/month vs budget ${gate.cost.budgetUsd ?? "none"}; cost-within-budget ${cost.length ? "VIOLATED: " + cost.map((v) => v.message).join("; ") : "passes"}\n`,
        );
        return cost.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
    }
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`${e instanceof ConfigError ? e.message : e.message}\n`);
            process.exit(2);
        },
    );
}
