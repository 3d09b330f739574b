/**
 * npm run optimize -- --stack <env> [--target local|aws] [--workdir DIR] [--from ISO --to ISO] [--json F] [--html F]
 *                     [--apply-config] [--headroom 0.3] [--idle-days 7] [--serverless-memory 2048] [--cold-start-ms 2000]
 *                     [--payload-bytes 2048] [--log-bytes 1500] [--endpoint NAME] [--recommender-job NAME]
 * Joins measured capacity, observed traffic and prices into cost recommendations (lib/optimize; docs/cost.md).
 */
import * as path from "path";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { ConfigError } from "../infra/config";
import { loadStackFile } from "../infra/stack-config";
import { writeFileAtomic } from "../lib/data/io";
import { applyConfig } from "../lib/optimize/apply";
import { Capacity } from "../lib/optimize/capacity";
import { DEFAULT_OPTIONS, optimize, OptimizeOptions } from "../lib/optimize/engine";
import { formatText, writeHtml } from "../lib/optimize/report";
import { awsInputs, loadHostingPrices, loadInfraPrices, localInputs } from "../lib/optimize/sources";
import { VariantTraffic } from "../lib/optimize/traffic";
import { parseFlags } from "./plan";

const USAGE = `usage: npm run optimize -- --stack <env> [--target local|aws] [--workdir DIR] [--from ISO --to ISO]
                            [--json FILE] [--html FILE] [--apply-config] [--include-loadtest-traffic] [--allow-serverless-outside-vpc]
                            [--headroom 0.3] [--idle-days 7] [--serverless-memory 2048] [--cold-start-ms 2000]
                            [--payload-bytes 2048] [--log-bytes 1500] [--working-hours 7-19] [--project-dir DIR]
                            [--endpoint NAME] [--recommender-job NAME]   (aws)
  local (default): capacity from <workdir>/reports/loadtest.json, traffic from the local endpoint's EMF metrics,
                   tune history from <workdir>/manifest.json (workdir default .ml-env/<stack>); the load test's
                   own requests are not traffic unless --include-loadtest-traffic
  aws:             capacity from an Inference Recommender job (--recommender-job), traffic from CloudWatch
                   GetMetricData (AWS/SageMaker Invocations per variant; default window: the last 14 days)
  --apply-config   writes the recommended keys into Pulumi.<stack>.yaml (validated, atomic) and re-runs the
                   policy gate's cost check (exit 1 when it fails)
Prices: policies/data/sagemaker-prices.json, policies/data/aws-infra-prices.json. See docs/cost.md.`;

function num(flags: Record<string, string | boolean>, k: string, lo: number, hi: number): number | undefined {
    if (flags[k] === undefined) return undefined;
    const v = Number(flags[k]);
    if (!(v >= lo && v <= hi)) throw new ConfigError([`--${k} ${String(flags[k])}: expected a number in [${lo}, ${hi}]`]);
    return v;
}

function isoMs(flags: Record<string, string | boolean>, k: string): number | undefined {
    if (flags[k] === undefined) return undefined;
    const t = Date.parse(String(flags[k]));
    if (!Number.isFinite(t)) throw new ConfigError([`--${k} ${String(flags[k])}: not an ISO 8601 time (e.g. 2026-12-01T00:00:00Z)`]);
    return t;
}

async function main(): Promise<number> {
    const argv = process.argv.slice(2);
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(USAGE + "\n");
        return 0;
    }
    const flags = parseFlags(argv, ["stack", "target", "workdir", "project-dir", "from", "to", "json", "html", "headroom", "idle-days", "serverless-memory", "cold-start-ms", "payload-bytes", "log-bytes", "working-hours", "endpoint", "recommender-job"], ["apply-config", "include-loadtest-traffic", "allow-serverless-outside-vpc"]);
    if (typeof flags.stack !== "string") throw new ConfigError([`--stack <env> is required (e.g. --stack dev)\n${USAGE}`]);
    const target = String(flags.target ?? "local");
    if (target !== "local" && target !== "aws") throw new ConfigError([`--target ${target}: expected local or aws`]);
    // Where Pulumi.<stack>.yaml lives (default: this repository).
    const projectDir = typeof flags["project-dir"] === "string" ? path.resolve(flags["project-dir"]) : path.resolve(__dirname, "..");
    const cfg = loadStackFile(flags.stack, projectDir);
    const fromMs = isoMs(flags, "from");
    const toMs = isoMs(flags, "to");
    if (fromMs !== undefined && toMs !== undefined && !(toMs > fromMs)) throw new ConfigError([`--from ${String(flags.from)} must be before --to ${String(flags.to)}`]);
    const options: Partial<OptimizeOptions> = {};
    const set = <K extends keyof OptimizeOptions>(k: K, v: OptimizeOptions[K] | undefined) => {
        if (v !== undefined) options[k] = v;
    };
    set("headroom", num(flags, "headroom", 0, 5));
    set("idleDays", num(flags, "idle-days", 1, 365));
    const mem = num(flags, "serverless-memory", 1024, 6144);
    if (mem !== undefined && mem % 1024 !== 0) throw new ConfigError([`--serverless-memory ${mem}: SageMaker Serverless memory sizes are 1024, 2048, 3072, 4096, 5120 or 6144 MB`]);
    set("serverlessMemoryMb", mem);
    set("coldStartMs", num(flags, "cold-start-ms", 0, 600_000));
    set("payloadBytes", num(flags, "payload-bytes", 1, 6 * 1024 * 1024));
    set("logBytesPerInvocation", num(flags, "log-bytes", 0, 1_000_000));
    if (flags["allow-serverless-outside-vpc"]) options.allowServerlessOutsideVpc = true;
    if (flags["working-hours"] !== undefined) {
        const m = /^(\d{1,2})-(\d{1,2})$/.exec(String(flags["working-hours"]));
        if (!m || Number(m[1]) >= Number(m[2]) || Number(m[2]) > 24) throw new ConfigError([`--working-hours ${String(flags["working-hours"])}: expected START-END UTC hours, e.g. 7-19`]);
        options.workingHours = [Number(m[1]), Number(m[2])];
    }

    let capacity: Capacity[] = [];
    let traffic: VariantTraffic[] = [];
    let tuning;
    const notes: string[] = [];
    if (target === "local") {
        const workdir = path.resolve(typeof flags.workdir === "string" ? flags.workdir : path.join(path.resolve(__dirname, ".."), ".ml-env", flags.stack));
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
    const report = optimize({ config: cfg, capacity, traffic, tuning, hosting: loadHostingPrices(cfg.region), infra: loadInfraPrices(cfg.region), options: { ...DEFAULT_OPTIONS, ...options }, notes });
    process.stdout.write(formatText(report) + "\n");
    if (typeof flags.json === "string") writeFileAtomic(path.resolve(flags.json), JSON.stringify(report, null, 2) + "\n");
    if (typeof flags.html === "string") {
        await writeHtml(report, path.resolve(flags.html));
        process.stdout.write(`HTML report: ${flags.html}\n`);
    }
    if (flags["apply-config"]) {
        const file = path.join(projectDir, `Pulumi.${flags.stack}.yaml`);
        const res = applyConfig(file, flags.stack, report.recommendations);
        for (const a of res.applied) process.stdout.write(`applied mlplatform:${a.key}: ${JSON.stringify(a.from)} -> ${JSON.stringify(a.to)} (${a.recommendation})\n`);
        for (const r of res.refused) process.stdout.write(`not applied mlplatform:${r.key} (${r.recommendation}): ${r.reason}\n`);
        if (!res.applied.length) {
            process.stdout.write("no config change to apply\n");
            return 0;
        }
        // Re-check the cost policy on the changed program (same gate as `npm run plan`).
        const { runGate } = await import("../lib/gate/gate");
        const { report: gate } = await runGate({ stack: flags.stack, projectDir });
        const cost = gate.violations.filter((v) => v.policy === "cost-within-budget");
        process.stdout.write(`policy gate: estimated $${gate.cost.monthlyUsd.toFixed(2)}/month vs budget ${gate.cost.budgetUsd ?? "none"}; cost-within-budget ${cost.length ? "VIOLATED: " + cost.map((v) => v.message).join("; ") : "passes"}\n`);
        return cost.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
    }
    return 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`${e instanceof ConfigError ? e.message : e.message}\n`);
            process.exit(2);
        },
    );
}
