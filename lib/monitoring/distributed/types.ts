/**
 * The messages of the distributed monitor (issue 14): what the state machine passes between its plan step, the
 * Distributed Map's workers and the reduce step, and the partial file a worker writes. No imports beyond types:
 * the Pulumi component (components/distributed-monitor.ts) loads the names from here too.
 */
import type { CaptureObject, MonitorEvent, ObjectsProfile } from "../lambda/run";

/** One item of the Distributed Map: contiguous capture objects of about `maxBatchBytes` (one worker invocation). */
export interface Batch {
    /** Zero-padded (`b000001`): key order of the partial files is batch order. */
    batchId: string;
    objects: CaptureObject[];
    bytes: number;
}

/** What every worker of a run needs, passed to each child execution by the Map's ItemSelector. */
export interface RunContext extends MonitorEvent {
    window: { start: string; end: string };
    /** `partials/<endpoint>/<schedule>/yyyy/mm/dd/hh/<run>` (contracts/s3-layout.ts). */
    runPrefix: string;
    /** The baseline's feature names, so every worker profiles the same columns. */
    columnNames: string[];
    /** Row width of the first decodable row of the window: schema_change counts then equal one pass. */
    expectedColumns?: number;
}

export interface PlanResult {
    run: RunContext;
    /** The ItemReader's source: a JSON array of {@link Batch}. */
    manifest: { bucket: string; key: string };
    plannedBatches: number;
    objects: number;
    bytes: number;
    variants: number;
    endpointPrefix: string;
}

export const BATCH_PARTIAL_FORMAT = "mlplatform/monitor-batch-partial";

/** The file a worker writes: the batch's partial profile and what it read and skipped. */
export interface BatchPartialFile extends ObjectsProfile {
    format: typeof BATCH_PARTIAL_FORMAT;
    version: 1;
    batchId: string;
    runPrefix: string;
}

/** What a worker returns to the Map (small: the Map's result is discarded, the reducer reads the partial files). */
export interface BatchResult {
    batchId: string;
    key: string;
    objects: number;
    bytes: number;
    records: number;
    rows: number;
    poisonedObjects: number;
}

export type WorkerEvent = { action: "plan"; event: unknown; executionName: string } | { action: "profile"; run: RunContext; batch: Batch };
export interface ReduceEvent {
    plan: PlanResult;
}

/** Environment variables of the two functions (set by the component). */
export const DISTRIBUTED_ENV = {
    /** Bytes of capture per batch (default 256 MiB). */
    maxBatchBytes: "MONITOR_MAX_BATCH_BYTES",
    /** Objects per batch (default 500: keeps an item well under the 256 KiB state payload limit). */
    maxBatchObjects: "MONITOR_MAX_BATCH_OBJECTS",
    /** Reducer: "true" keeps the run's manifest and partial files after the report (default: deleted once it is written). */
    keepPartials: "MONITOR_KEEP_PARTIALS",
} as const;

/** Handlers inside the Lambda archive (file lib/monitoring/distributed/handler.js). */
export const DISTRIBUTED_WORKER_HANDLER = "lib/monitoring/distributed/handler.worker";
export const DISTRIBUTED_REDUCE_HANDLER = "lib/monitoring/distributed/handler.reduce";
export const DISTRIBUTED_ENTRY = "lib/monitoring/distributed/handler.ts";
