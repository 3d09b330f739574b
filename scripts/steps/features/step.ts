/**
 * features — the declaration both targets implement (local.ts: the local feature store; aws.ts: SageMaker Feature
 * Store) and the results they return.
 */
export const FEATURES = { name: "features", dependsOn: ["prepare"] } as const;

export interface FeaturesResults {
    /** Model features the fitted transform produces. */
    features: number;
    featureGroup: string;
    ingested: number;
    /** AWS target only: records PutRecord refused, and throttling retries. */
    failed?: number;
    throttledRetries?: number;
    /** Rows in the offline store (null on AWS: the service fills it asynchronously). */
    offlineRows: number | null;
    edaCharts: number;
}
