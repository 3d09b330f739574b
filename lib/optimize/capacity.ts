/**
 * Measured capacity per instance type: the highest throughput (requests/s per instance) whose p99 latency met the SLO.
 *  - local: the loadtest step's `<workdir>/reports/loadtest.json` (lib/serving/loadtest). The local endpoint process
 *    stands in for ONE instance of the variant's configured instance type; the report says so.
 *  - aws: Inference Recommender rows (lib/aws/recommender.recommendationRows): MaxInvocations is requests per minute
 *    of the benchmarked configuration (InitialInstanceCount instances), ModelLatency its latency in ms
 *    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RecommendationMetrics.html).
 */
import type { RecommendationRow } from "../aws/recommender";

export interface Capacity {
    instanceType: string;
    /** Requests per second ONE instance serves with p99 within `sloMs`. */
    rpsPerInstance: number;
    /** p99 (local) or model latency (Inference Recommender) at that throughput, ms. */
    latencyMs: number;
    /** Mean latency of one request at that level (p50), ms, when known. */
    p50Ms?: number;
    sloMs: number;
    source: string;
}

export interface LoadTestReport {
    endpointName: string;
    at: string;
    sloP99Ms: number;
    best: null | { concurrency: number; throughput: number; p50Ms: number; p99Ms: number; meetsSlo: boolean };
    steps: { concurrency: number; throughput: number; p50Ms: number; p99Ms: number; errorRate: number; meetsSlo: boolean }[];
}

export function capacityFromLoadTest(r: LoadTestReport, instanceType: string, file: string): Capacity[] {
    if (!r || !Array.isArray(r.steps)) throw new Error(`${file}: not a load-test report (no 'steps'); re-run the loadtest step`);
    if (!r.best) return [];
    return [
        {
            instanceType,
            rpsPerInstance: r.best.throughput,
            latencyMs: r.best.p99Ms,
            p50Ms: r.best.p50Ms,
            sloMs: r.sloP99Ms,
            source: `${file} (${r.at}): ${r.best.throughput.toFixed(0)} req/s at concurrency ${r.best.concurrency}, p99 ${r.best.p99Ms.toFixed(2)} ms <= ${r.sloP99Ms} ms; the local endpoint process stands in for one ${instanceType}`,
        },
    ];
}

export function capacityFromRecommender(rows: RecommendationRow[], sloMs: number, jobName: string): { capacity: Capacity[]; skipped: string[] } {
    const capacity: Capacity[] = [];
    const skipped: string[] = [];
    for (const r of rows) {
        if (r.instanceType === "serverless" || r.maxInvocations === null || r.modelLatencyMs === null) {
            skipped.push(`${r.instanceType}: ${r.instanceType === "serverless" ? "serverless configuration" : "no MaxInvocations/ModelLatency"}`);
            continue;
        }
        if (r.modelLatencyMs > sloMs) {
            skipped.push(`${r.instanceType}: model latency ${r.modelLatencyMs} ms > SLO ${sloMs} ms`);
            continue;
        }
        const rps = r.maxInvocations / 60 / Math.max(1, r.instanceCount);
        const prev = capacity.find((c) => c.instanceType === r.instanceType);
        if (prev && prev.rpsPerInstance >= rps) continue;
        if (prev) capacity.splice(capacity.indexOf(prev), 1);
        capacity.push({
            instanceType: r.instanceType,
            rpsPerInstance: rps,
            latencyMs: r.modelLatencyMs,
            p50Ms: r.modelLatencyMs,
            sloMs,
            source: `Inference Recommender job ${jobName}: ${r.maxInvocations} invocations/min on ${r.instanceCount} x ${r.instanceType}, model latency ${r.modelLatencyMs} ms`,
        });
    }
    return { capacity, skipped };
}
