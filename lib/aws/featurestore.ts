/**
 * Feature group ingestion through the Feature Store runtime (`PutRecord`), the AWS form of LocalFeatureStore.ingest:
 * rows go in batches with bounded concurrency; a throttled (or 5xx) PutRecord is retried with backoff + jitter; any
 * other error counts as a per-record failure (index, record id, message) and ingestion goes on.
 */
import { FeatureValue, PutRecordCommand, SageMakerFeatureStoreRuntimeClient } from "@aws-sdk/client-sagemaker-featurestore-runtime";
import { backoffDelay, Clock, isThrottling, realClock } from "./retry";

export type IngestRow = Record<string, string | number | null | undefined>;

export interface IngestOptions {
    /** Records in flight at once (default 8: the online store's per-client rate without throttling storms). */
    concurrency?: number;
    /** Rows per batch between progress reports (default 500). */
    batchSize?: number;
    maxAttempts?: number;
    baseDelayMs?: number;
    clock?: Clock;
    random?: () => number;
    /** Record identifier feature (default record_id). */
    recordIdName?: string;
    /** Write to the online store, the offline store, or both (default both, the API's default). */
    targetStores?: ("OnlineStore" | "OfflineStore")[];
    onProgress?: (done: number, total: number) => void;
}

export interface IngestFailure {
    index: number;
    recordId: string;
    error: string;
}

export interface IngestResult {
    ingested: number;
    failed: IngestFailure[];
    /** PutRecord calls that were throttled and retried. */
    retries: number;
}

/** A row as a Feature Store record: every present value as a string; NULL values are left out (missing features). */
export function toFeatureRecord(row: IngestRow): FeatureValue[] {
    const rec: FeatureValue[] = [];
    for (const [FeatureName, v] of Object.entries(row)) {
        if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) continue;
        rec.push({ FeatureName, ValueAsString: String(v) });
    }
    return rec;
}

function retryable(e: unknown): boolean {
    const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const name = (e as Error)?.name;
    return isThrottling(e) || name === "ServiceUnavailable" || name === "InternalFailure" || (status !== undefined && status >= 500);
}

export async function ingestRecords(
    client: SageMakerFeatureStoreRuntimeClient,
    featureGroupName: string,
    rows: readonly IngestRow[],
    o: IngestOptions = {},
): Promise<IngestResult> {
    const concurrency = Math.max(1, o.concurrency ?? 8);
    const batchSize = Math.max(1, o.batchSize ?? 500);
    const maxAttempts = o.maxAttempts ?? 8;
    const clock = o.clock ?? realClock;
    const idName = o.recordIdName ?? "record_id";
    const result: IngestResult = { ingested: 0, failed: [], retries: 0 };

    const putOne = async (index: number): Promise<void> => {
        const row = rows[index];
        const recordId = String(row[idName] ?? `#${index}`);
        const Record = toFeatureRecord(row);
        for (let attempt = 1; ; attempt++) {
            try {
                await client.send(new PutRecordCommand({ FeatureGroupName: featureGroupName, Record, TargetStores: o.targetStores }));
                result.ingested++;
                return;
            } catch (e) {
                if (retryable(e) && attempt < maxAttempts) {
                    result.retries++;
                    await clock.sleep(backoffDelay(attempt, { baseDelayMs: o.baseDelayMs ?? 200, random: o.random }));
                    continue;
                }
                const err = e as Error;
                result.failed.push({ index, recordId, error: `${err.name}: ${err.message}${retryable(e) ? ` (gave up after ${attempt} attempts)` : ""}` });
                return;
            }
        }
    };

    for (let start = 0; start < rows.length; start += batchSize) {
        const end = Math.min(rows.length, start + batchSize);
        let next = start;
        const workers = Array.from({ length: Math.min(concurrency, end - start) }, async () => {
            while (next < end) await putOne(next++);
        });
        await Promise.all(workers);
        o.onProgress?.(end, rows.length);
    }
    result.failed.sort((a, b) => a.index - b.index);
    return result;
}
