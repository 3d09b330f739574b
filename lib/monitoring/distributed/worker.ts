/**
 * The distributed monitor's worker Lambda (issue 14): two actions on one role (read the endpoint's capture and
 * baseline, write only under the partials prefix).
 *
 *   plan     lists the window's capture objects across variants (lambda/run.ts `listWindowObjects`, the single
 *            Lambda's listing), cuts them into contiguous batches of at most `maxBatchBytes` of capture, fixes the
 *            row width from the first object's first MiB, and writes the batches as a JSON array — the Distributed
 *            Map's ItemReader source — to `partials/.../<run>/manifest.json`.
 *   profile  downloads a batch's objects one at a time and profiles each into a partial profile (lambda/run.ts
 *            `profileObjects`, the single Lambda's code path); an object that cannot be read or holds no capture
 *            record is counted and listed as poisoned, the batch still succeeds. The merged partial is written to
 *            `partials/.../<run>/batches/<batch>.json` with SSE-KMS.
 */
import * as fs from "fs";
import * as path from "path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { partialBatchKey, partialsManifestKey, partialsRunPrefix } from "../../../contracts/s3-layout";
import {
    analysisWindow,
    downloadObject,
    firstRowWidth,
    hourPath,
    listWindowObjects,
    newWorkDir,
    parseEvent,
    positiveInt,
    profileObjects,
    readBaseline,
    type CaptureObject,
    type HandlerDeps,
    type S3Like,
} from "../lambda/run";
import { ENV } from "../lambda/metrics";
import { BATCH_PARTIAL_FORMAT, DISTRIBUTED_ENV, type Batch, type BatchPartialFile, type BatchResult, type PlanResult, type RunContext } from "./types";

export const DEFAULT_MAX_BATCH_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_OBJECTS = 500;
/** Bytes of the first object read to fix the row width (a ranged GET). */
const WIDTH_PROBE_BYTES = 1024 * 1024;
const WIDTH_PROBE_OBJECTS = 3;

/**
 * Cuts objects (in key order) into contiguous batches of at most `maxBytes` and `maxObjects`; an object larger than
 * `maxBytes` is a batch of its own. Contiguous batches keep the merge order equal to the key order.
 */
export function planBatches(objects: CaptureObject[], maxBytes: number, maxObjects: number): Batch[] {
    const out: Batch[] = [];
    let cur: CaptureObject[] = [];
    let bytes = 0;
    const flush = () => {
        if (cur.length) out.push({ batchId: `b${String(out.length + 1).padStart(6, "0")}`, objects: cur, bytes });
        cur = [];
        bytes = 0;
    };
    for (const o of objects) {
        if (cur.length && (bytes + o.size > maxBytes || cur.length >= maxObjects)) flush();
        cur.push({ key: o.key, size: o.size });
        bytes += o.size;
    }
    flush();
    return out;
}

async function putJson(s3: S3Like, bucket: string, key: string, value: unknown, kmsKeyId?: string): Promise<void> {
    await s3.send(
        new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: JSON.stringify(value),
            ContentType: "application/json",
            ServerSideEncryption: "aws:kms",
            ...(kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}),
        }),
    );
}

const WHO = "distributed monitor (plan)";

/** Plans a run (see the file comment). `executionName` names the run's folder. */
export async function planRun(s3: S3Like, input: { event: unknown; executionName: string }, deps: HandlerDeps = {}): Promise<PlanResult> {
    const ev = parseEvent(input?.event, WHO);
    const runId = input?.executionName;
    if (typeof runId !== "string" || !/^[A-Za-z0-9_-]{1,80}$/.test(runId)) {
        throw new Error(
            `${WHO}: "executionName" ${JSON.stringify(runId)} must be 1-80 letters, digits, "-" or "_" (the state machine passes $$.Execution.Name).`,
        );
    }
    const env = deps.env ?? process.env;
    const maxBytes = positiveInt(env, DISTRIBUTED_ENV.maxBatchBytes, DEFAULT_MAX_BATCH_BYTES, WHO);
    const maxObjects = positiveInt(env, DISTRIBUTED_ENV.maxBatchObjects, DEFAULT_MAX_BATCH_OBJECTS, WHO);
    const now = deps.now ?? (() => new Date());
    const win = analysisWindow(ev.time ? new Date(ev.time) : now(), ev.lookbackMinutes);
    const { constraints } = await readBaseline(s3, ev, ["constraints"]);
    const listing = await listWindowObjects(s3, ev, win.hours);
    const batches = planBatches(listing.objects, maxBytes, maxObjects);
    let expectedColumns: number | undefined;
    if (listing.objects.length > 0) {
        const work = await newWorkDir(deps.tmpDir, "distributed-plan");
        try {
            for (const o of listing.objects.slice(0, WIDTH_PROBE_OBJECTS)) {
                const f = path.join(work, "probe.jsonl");
                try {
                    await downloadObject(s3, ev.captureBucket, o.key, f, `bytes=0-${WIDTH_PROBE_BYTES - 1}`);
                } catch {
                    continue; // the worker counts it as poisoned
                }
                expectedColumns = await firstRowWidth([f]);
                if (expectedColumns !== undefined) break;
            }
        } finally {
            await fs.promises.rm(work, { recursive: true, force: true });
        }
    }
    const runPrefix = partialsRunPrefix(ev.endpointName, ev.scheduleName, hourPath(win.end), runId);
    const manifestKey = partialsManifestKey(runPrefix);
    await putJson(s3, ev.monitoringBucket, manifestKey, batches, env[ENV.reportsKmsKeyId] || undefined);
    const run: RunContext = {
        ...ev,
        window: { start: win.start.toISOString(), end: win.end.toISOString() },
        runPrefix,
        columnNames: constraints!.features.map((f) => f.name),
        ...(expectedColumns !== undefined ? { expectedColumns } : {}),
    };
    return {
        run,
        manifest: { bucket: ev.monitoringBucket, key: manifestKey },
        plannedBatches: batches.length,
        objects: listing.objects.length,
        bytes: listing.objects.reduce((s, o) => s + o.size, 0),
        variants: listing.variants.length,
        endpointPrefix: listing.endpointPrefix,
    };
}

function checkRun(run: RunContext, batch: Batch): void {
    const p: string[] = [];
    if (!run || typeof run !== "object") p.push('"run" must be the plan step\'s run context');
    else {
        for (const k of ["captureBucket", "monitoringBucket", "runPrefix"] as const)
            if (typeof run[k] !== "string" || !run[k]) p.push(`"run.${k}" must be a non-empty string`);
        if (!Array.isArray(run.columnNames)) p.push('"run.columnNames" must be a list');
        if (!run.window || Number.isNaN(Date.parse(run.window.start)) || Number.isNaN(Date.parse(run.window.end)))
            p.push('"run.window" must have ISO start and end');
    }
    if (!batch || typeof batch.batchId !== "string" || !/^b\d{6,}$/.test(batch.batchId))
        p.push(`"batch.batchId" must look like b000001 (got ${JSON.stringify(batch?.batchId)})`);
    else if (!Array.isArray(batch.objects) || batch.objects.some((o) => typeof o?.key !== "string" || typeof o?.size !== "number"))
        p.push('"batch.objects" must be a list of {key, size}');
    if (p.length) throw new Error(`distributed monitor (profile): invalid event: ${p.join("; ")}. The state machine's ItemSelector passes {run, batch}.`);
}

/** Profiles one batch into its partial file (see the file comment). */
export async function profileBatch(s3: S3Like, run: RunContext, batch: Batch, deps: HandlerDeps = {}): Promise<BatchResult> {
    checkRun(run, batch);
    const env = deps.env ?? process.env;
    const lookback = run.lookbackMinutes !== undefined;
    const work = await newWorkDir(deps.tmpDir, "distributed-worker");
    try {
        const acc = await profileObjects(
            s3,
            run.captureBucket,
            batch.objects,
            {
                columnNames: run.columnNames,
                expectedColumns: run.expectedColumns,
                ...(lookback ? { from: new Date(run.window.start), to: new Date(run.window.end) } : {}),
            },
            work,
        );
        const file: BatchPartialFile = { format: BATCH_PARTIAL_FORMAT, version: 1, batchId: batch.batchId, runPrefix: run.runPrefix, ...acc.toProfile() };
        const key = partialBatchKey(run.runPrefix, batch.batchId);
        await putJson(s3, run.monitoringBucket, key, file, env[ENV.reportsKmsKeyId] || undefined);
        return {
            batchId: batch.batchId,
            key,
            objects: file.objects,
            bytes: file.bytes,
            records: file.stats.records,
            rows: file.partial?.rows ?? 0,
            poisonedObjects: file.poisonedCount,
        };
    } finally {
        await fs.promises.rm(work, { recursive: true, force: true });
    }
}
