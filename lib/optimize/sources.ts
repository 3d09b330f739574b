/**
 * Gathers the optimiser's inputs that need no run workdir: prices (policies/data, the pack's own tables) and, on AWS,
 * CloudWatch traffic and Inference Recommender capacity. The local run's inputs (a build_ml_environment.sh workdir:
 * manifest, load test, EMF metrics) are read by scripts/cli/optimize-local.ts, which knows the workdir layout.
 */
import * as fs from "fs";
import * as path from "path";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DescribeInferenceRecommendationsJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { recommendationRows } from "../aws/recommender";
import { capacityFromRecommender, Capacity } from "./capacity";
import { trafficFromCloudWatch } from "./cloudwatch";
import type { OptimizerConfig } from "./config";
import type { HostingPrices, InfraPrices } from "./engine";
import { VariantTraffic } from "./traffic";

const DATA = path.resolve(__dirname, "..", "..", "policies", "data");
export const HOSTING_PRICE_FILE = path.join(DATA, "sagemaker-prices.json");
export const INFRA_PRICE_FILE = path.join(DATA, "aws-infra-prices.json");

/** Parses a JSON file; the error names the file and what it should hold. */
export function readJson(file: string, what: string): any {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${file}: cannot read the ${what} (${(e as Error).message})`);
    }
}

export function loadHostingPrices(region: string, file = HOSTING_PRICE_FILE): HostingPrices {
    const t = readJson(file, "SageMaker price table");
    const reg = t.regions?.[region]?.hosting;
    if (!reg)
        throw new Error(
            `${file}: no hosting prices for region ${region} (regions: ${Object.keys(t.regions ?? {}).join(", ")}); add the region's prices from ${t.sources?.["price-list-api"] ?? "the AWS Price List API"}`,
        );
    const onDemand: Record<string, number> = {};
    const savingsPlan: Record<string, number | null> = {};
    for (const [k, v] of Object.entries<any>(reg)) {
        if (typeof v?.onDemand === "number") onDemand[k] = v.onDemand;
        savingsPlan[k] = typeof v?.savingsPlan1yNoUpfront === "number" ? v.savingsPlan1yNoUpfront : null;
    }
    return {
        onDemand,
        savingsPlan,
        asOf: String(t.asOf),
        source: `policies/data/${path.basename(file)} (${t.sources?.["aws-pricing-page"] ?? "AWS pricing"})`,
    };
}

export function loadInfraPrices(region: string, file = INFRA_PRICE_FILE): InfraPrices {
    const t = readJson(file, "infrastructure price table");
    const reg = t.regions?.[region];
    if (!reg)
        throw new Error(
            `${file}: no infrastructure prices for region ${region} (regions: ${Object.keys(t.regions ?? {}).join(", ")}); add them from the pages listed under 'sources'`,
        );
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
        // null in the table = unknown (recommendations needing it say so)
        serverlessProvisionedConcurrencyPerGbSecond:
            typeof reg.serverlessProvisionedConcurrencyPerGbSecond?.usd === "number" ? reg.serverlessProvisionedConcurrencyPerGbSecond.usd : null,
        asOf: String(t.asOf),
        source: `policies/data/${path.basename(file)} (${Object.values(t.sources ?? {}).join(", ")})`,
    };
}

export interface AwsInputs {
    endpointName: string;
    capacity: Capacity[];
    traffic: VariantTraffic[];
    notes: string[];
}

/** AWS: traffic from CloudWatch GetMetricData, capacity from an Inference Recommender job (when named). */
export async function awsInputs(
    cfg: OptimizerConfig,
    o: { cw: CloudWatchClient; sm: SageMakerClient; fromMs: number; toMs: number; endpointName?: string; recommenderJob?: string },
): Promise<AwsInputs> {
    const endpointName = o.endpointName ?? `${cfg.namePrefix}-endpoint`;
    const notes: string[] = [];
    const res = await trafficFromCloudWatch(
        o.cw,
        endpointName,
        cfg.endpoint.variants.map((v) => v.name),
        o.fromMs,
        o.toMs,
    );
    notes.push(`CloudWatch GetMetricData: ${res.requests} request(s) for ${endpointName}`, ...res.partial.map((p) => `CloudWatch: ${p}`));
    let capacity: Capacity[] = [];
    if (o.recommenderJob) {
        const d = await o.sm.send(new DescribeInferenceRecommendationsJobCommand({ JobName: o.recommenderJob }));
        if (d.Status !== "COMPLETED")
            throw new Error(
                `Inference Recommender job ${o.recommenderJob} is ${d.Status}${d.FailureReason ? ` (${d.FailureReason})` : ""}: wait for COMPLETED or name another job with --recommender-job`,
            );
        const rc = capacityFromRecommender(recommendationRows(d), cfg.pipeline.latencySloMs, o.recommenderJob);
        capacity = rc.capacity;
        notes.push(...rc.skipped.map((s) => `Inference Recommender row skipped: ${s}`));
    } else {
        notes.push("no --recommender-job: no measured capacity on AWS (run the loadtest step with --target aws, then pass its job name)");
    }
    return { endpointName, capacity, traffic: res.traffic, notes };
}
