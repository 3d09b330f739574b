/**
 * loadtest — the declaration both targets implement (local.ts: a load test of the local endpoint; aws.ts: an
 * Inference Recommender job) and their results, which differ by target (no step reads them).
 * deploy is checked inside run() (resultsOf), not via dependsOn, so that "endpoint torn down" reaches the user as this
 * step's failure message; deploy's completion is part of each form's inputs, as dependsOn would make it.
 */
import type { RecommendationRow } from "../../../lib/aws/recommender";
import type { LoadTestResult } from "../../../lib/serving";

export const LOADTEST = { name: "loadtest", dependsOn: [] } as const;

/** Local target: the load test's levels. */
export interface LocalLoadTestResults {
    sloP99Ms: number;
    stoppedReason: LoadTestResult["stoppedReason"];
    bestConcurrency: number | null;
    bestThroughput: number | null;
    bestP50Ms: number | null;
    bestP90Ms: number | null;
    bestP99Ms: number | null;
    levels: { concurrency: number; throughput: number; p50Ms: number; p90Ms: number; p99Ms: number; errorRate: number; meetsSlo: boolean }[];
    wallSeconds: number;
}

/** AWS target: the Inference Recommender job's configurations. */
export interface RecommenderResults {
    job: string;
    modelPackageArn: string;
    sloP99Ms: number;
    recommendations: RecommendationRow[];
    bestInstanceType: string | null;
    bestInstanceCount: number | null;
    bestCostPerHour: number | null;
    bestMaxInvocationsPerMinute: number | null;
    bestModelLatencyMs: number | null;
}

export type LoadtestResults = LocalLoadTestResults | RecommenderResults;
