/**
 * Gathers the optimiser's inputs: prices (policies/data), the local run's load test, EMF metrics and tune history
 * (a workdir of build_ml_environment.sh), or Inference Recommender + CloudWatch results (aws).
 */
import * as fs from "fs";
import * as path from "path";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DescribeInferenceRecommendationsJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { PlatformConfig } from "../../infra/config";
import { recommendationRows } from "../aws/recommender";
import { capacityFromRecommender, Capacity, capacityFromLoadTest, LoadTestReport } from "./capacity";
import { trafficFromCloudWatch } from "./cloudwatch";
import type { Manifest } from "../../scripts/framework/manifest";
import type { HostingPrices, InfraPrices } from "./engine";
import { trafficFromEmf, VariantTraffic } from "./traffic";

const DATA = path.resolve(__dirname, "..", "..", "policies", "data");
export const HOSTING_PRICE_FILE = path.join(DATA, "sagemaker-prices.json");
export const INFRA_PRICE_FILE = path.join(DATA, "aws-infra-prices.json");

function readJson(file: string, what: string): any {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${file}: cannot read the ${what} (${(e as Error).message})`);
    }
}

export function loadHostingPrices(region: string, file = HOSTING_PRICE_FILE): HostingPrices {
    const t = readJson(file, "SageMaker price table");
    const reg = t.regions?.[region]?.hosting;
    if (!reg) throw new Error(`${file}: no hosting prices for region ${region} (regions: ${Object.keys(t.regions ?? {}).join(", ")}); add the region's prices from ${t.sources?.["price-list-api"] ?? "the AWS Price List API"}`);
    const onDemand: Record<string, number> = {};
    const savingsPlan: Record<string, number | null> = {};
    for (const [k, v] of Object.entries<any>(reg)) {
        if (typeof v?.onDemand === "number") onDemand[k] = v.onDemand;
        savingsPlan[k] = typeof v?.savingsPlan1yNoUpfront === "number" ? v.savingsPlan1yNoUpfront : null;
    }
    return { onDemand, savingsPlan, asOf: String(t.asOf), source: `policies/data/${path.basename(file)} (${t.sources?.["aws-pricing-page"] ?? "AWS pricing"})` };
}

export function loadInfraPrices(region: string, file = INFRA_PRICE_FILE): InfraPrices {
    const t = readJson(file, "infrastructure price table");
    const reg = t.regions?.[region];
    if (!reg) throw new Error(`${file}: no infrastructure prices for region ${region} (regions: ${Object.keys(t.regions ?? {}).join(", ")}); add them from the pages listed under 'sources'`);
    const get = (k: string): number => {
        const v = reg[k]?.usd;
        if (typeof v !== "number") throw new Error(`${file}: regions.${region}.${k}.usd is missing or not a number`);
        return v;
    };
    return {
        interfaceEndpointPerAzHour: get("interfaceEndpointPerAzHour"),
        natGatewayHour: get("natGatewayHour"),
        cloudTrailDataEventsPer100k: get("cloudTrailDataEventsPer100k"),
        logsIngestionPerGb: get("logsIngestionPerGb"),
        logsStoragePerGbMonth: get("logsStoragePerGbMonth"),
        serverlessPerGbSecond: get("serverlessPerGbSecond"),
        serverlessPerGbProcessed: get("serverlessPerGbProcessed"),
        asOf: String(t.asOf),
        source: `policies/data/${path.basename(file)} (${Object.values(t.sources ?? {}).join(", ")})`,
    };
}

export interface LocalInputs {
    endpointName: string;
    capacity: Capacity[];
    traffic: VariantTraffic[];
    tuning?: { trials: number; wallSeconds: number; instanceType: string };
    notes: string[];
    files: string[];
}

/** The local run's own numbers: loadtest report, EMF metrics of the deployed endpoint, tune trial history. */
/** EMF flush interval of the deploy step's endpoint (scripts/steps/deploy/local.ts metricsIntervalMs). */
export const LOCAL_METRICS_INTERVAL_MS = 10_000;

export function localInputs(workdir: string, cfg: PlatformConfig, window: { fromMs?: number; toMs?: number; includeLoadTest?: boolean; metricsIntervalMs?: number }): LocalInputs {
    const mf = path.join(workdir, "manifest.json");
    if (!fs.existsSync(mf)) throw new Error(`${mf} does not exist: run ./build_ml_environment.sh --stack ${cfg.stack} (through the loadtest step) first, or pass --workdir`);
    const m = readJson(mf, "run manifest") as Manifest;
    const dep = m.steps?.deploy;
    const endpointName = String((dep?.results as { endpointName?: string } | undefined)?.endpointName ?? "");
    if (!endpointName) throw new Error(`${mf}: the deploy step has not run: run ./build_ml_environment.sh --stack ${cfg.stack} --to loadtest --workdir ${workdir}`);
    const notes: string[] = [];
    const files: string[] = [];
    const lt = path.join(workdir, "reports", "loadtest.json");
    let capacity: Capacity[] = [];
    const exclude: { fromMs: number; toMs: number }[] = [];
    if (fs.existsSync(lt)) {
        const rep = readJson(lt, "load-test report") as LoadTestReport & { wallSeconds?: number };
        const end = Date.parse(rep.at);
        if (!window.includeLoadTest && Number.isFinite(end) && typeof rep.wallSeconds === "number") {
            exclude.push({ fromMs: end - rep.wallSeconds * 1000, toMs: end + (window.metricsIntervalMs ?? LOCAL_METRICS_INTERVAL_MS) });
        }
        // The local process serves every variant; it stands in for one instance of the first variant's type.
        capacity = capacityFromLoadTest(rep, cfg.endpoint.variants[0].instanceType, path.relative(process.cwd(), lt) || lt);
        if (!capacity.length) notes.push(`${lt}: no load level met the p99 SLO ${rep.sloP99Ms} ms: no measured capacity`);
        files.push(lt);
    } else {
        notes.push(`${lt} does not exist: run the loadtest step (./build_ml_environment.sh --only loadtest --workdir ${workdir}) for a measured capacity`);
    }
    const metrics = dep?.artifacts?.metrics ? path.resolve(workdir, dep.artifacts.metrics) : path.join(workdir, "endpoint", `${endpointName}.metrics.jsonl`);
    if (!fs.existsSync(metrics)) throw new Error(`${metrics} does not exist: the local endpoint writes its EMF metrics there; deploy it and send traffic first`);
    files.push(metrics);
    const { traffic, parse } = trafficFromEmf(fs.readFileSync(metrics, "utf8"), { endpointName, fromMs: window.fromMs, toMs: window.toMs, variants: cfg.endpoint.variants.map((v) => v.name), exclude });
    if (parse.excluded) notes.push(`${parse.excluded} invocations of the load test (${new Date(exclude[0].fromMs).toISOString()} .. ${new Date(exclude[0].toMs).toISOString()}) are not counted as traffic (--include-loadtest-traffic counts them)`);
    if (parse.skipped) notes.push(`${metrics}: ${parse.skipped} of ${parse.lines} lines skipped (not Invocations EMF documents of ${endpointName})`);
    if (parse.unattributed) notes.push(`${metrics}: ${parse.unattributed} invocations not attributed to a variant (rejected before routing) are not counted`);
    const tune = m.steps?.tune;
    let tuning: LocalInputs["tuning"];
    if (tune?.status === "succeeded" || (tune?.results && typeof (tune.results as any).trials === "number")) {
        const trials = Number((tune.results as any)?.trials ?? 0);
        const wall = (tune.durationMs ?? (tune.finishedAt ? Date.parse(tune.finishedAt) - Date.parse(tune.startedAt) : 0)) / 1000;
        if (trials > 0) tuning = { trials, wallSeconds: wall, instanceType: cfg.training.instanceTypes[0] };
    }
    return { endpointName, capacity, traffic, tuning, notes, files };
}

export interface AwsInputs {
    endpointName: string;
    capacity: Capacity[];
    traffic: VariantTraffic[];
    notes: string[];
}

/** AWS: traffic from CloudWatch GetMetricData, capacity from an Inference Recommender job (when named). */
export async function awsInputs(cfg: PlatformConfig, o: { cw: CloudWatchClient; sm: SageMakerClient; fromMs: number; toMs: number; endpointName?: string; recommenderJob?: string }): Promise<AwsInputs> {
    const endpointName = o.endpointName ?? `${cfg.namePrefix}-endpoint`;
    const notes: string[] = [];
    const res = await trafficFromCloudWatch(o.cw, endpointName, cfg.endpoint.variants.map((v) => v.name), o.fromMs, o.toMs);
    notes.push(`CloudWatch GetMetricData: ${res.requests} request(s) for ${endpointName}`, ...res.partial.map((p) => `CloudWatch: ${p}`));
    let capacity: Capacity[] = [];
    if (o.recommenderJob) {
        const d = await o.sm.send(new DescribeInferenceRecommendationsJobCommand({ JobName: o.recommenderJob }));
        if (d.Status !== "COMPLETED") throw new Error(`Inference Recommender job ${o.recommenderJob} is ${d.Status}${d.FailureReason ? ` (${d.FailureReason})` : ""}: wait for COMPLETED or name another job with --recommender-job`);
        const rc = capacityFromRecommender(recommendationRows(d), cfg.pipeline.latencySloMs, o.recommenderJob);
        capacity = rc.capacity;
        notes.push(...rc.skipped.map((s) => `Inference Recommender row skipped: ${s}`));
    } else {
        notes.push("no --recommender-job: no measured capacity on AWS (run the loadtest step with --target aws, then pass its job name)");
    }
    return { endpointName, capacity, traffic: res.traffic, notes };
}
