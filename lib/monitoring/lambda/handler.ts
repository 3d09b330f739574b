/**
 * The serverless monitor: a Node.js 20 Lambda that runs the platform's Model-Monitor-compatible engine
 * (lib/monitoring) over an endpoint's captured traffic, on an EventBridge schedule, in the user's account.
 *
 * One run, with the pieces the distributed monitor (../distributed) shares (./run.ts):
 *   1. window: the capture files of the last full UTC hour partition before the run (as Model Monitor), or of every
 *      hour partition overlapping the last `lookbackMinutes`, rows then filtered on their inferenceTime;
 *   2. downloads the baseline `<baselinePrefix>/statistics.json` and `constraints.json` from the monitoring bucket;
 *   3. lists `s3://<captureBucket>/<capturePrefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl` for every variant and
 *      hour of the window and streams them to /tmp (bounded: object count and bytes, see ./metrics ENV);
 *   4. profiles each object into a partial profile and merges them (the sharded engine, ../shard.ts): an object that
 *      cannot be read or holds no capture record is counted as poisoned, not fatal;
 *   5. `publishReport`: statistics.json, constraint_violations.json, drift_report.{json,csv},
 *      cloudwatch_metrics.jsonl and monitor_summary.json to
 *      `s3://<monitoringBucket>/<reportsPrefix>/<endpoint>/<schedule>/yyyy/mm/dd/hh/` with SSE-KMS, and the EMF lines:
 *      the service's data-quality metrics (`feature_baseline_drift_<f>`, ..., namespace
 *      aws/sagemaker/Endpoints/data-metrics, dimensions Endpoint + MonitoringSchedule) so the platform's drift alarms
 *      work unchanged, plus the monitor's own run metrics (./metrics).
 *
 * Event (the EventBridge rule's `input`; every field may be overridden in a manual invocation):
 *   {endpointName, scheduleName, captureBucket, capturePrefix, monitoringBucket, baselinePrefix, reportsPrefix,
 *    lookbackMinutes?, time?}   — `time` (ISO 8601) replaces "now" (backfills, tests).
 */
import * as fs from "fs";
import * as path from "path";
import { S3Client } from "@aws-sdk/client-s3";
import { ENV } from "./metrics";
import {
    analysisWindow,
    downloadObject,
    firstRowWidth,
    listWindowObjects,
    newWorkDir,
    parseEvent,
    positiveInt,
    profileObject,
    ProfileAccumulator,
    publishReport,
    readBaseline,
    type HandlerDeps,
    type MonitorSummary,
    type S3Like,
} from "./run";

export { analysisWindow, parseEvent, type HandlerDeps, type MonitorEvent, type MonitorSummary, type PoisonedObject, type S3Like, type SkipReason } from "./run";

const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;
const DEFAULT_MAX_OBJECTS = 5000;

/** Builds a handler with injected clients; `handler` below is the one Lambda calls. */
export function createHandler(deps: HandlerDeps = {}): (event: unknown) => Promise<MonitorSummary> {
    let s3: S3Like | undefined = deps.s3;
    const write = deps.write ?? ((line: string) => void process.stdout.write(line + "\n"));
    const now = deps.now ?? (() => new Date());
    return async (event: unknown): Promise<MonitorSummary> => {
        const ev = parseEvent(event);
        const env = deps.env ?? process.env;
        const maxBytes = positiveInt(env, ENV.maxCaptureBytes, DEFAULT_MAX_BYTES);
        const maxObjects = positiveInt(env, ENV.maxCaptureObjects, DEFAULT_MAX_OBJECTS);
        s3 ??= new S3Client({});
        const client = s3;
        const win = analysisWindow(ev.time ? new Date(ev.time) : now(), ev.lookbackMinutes);
        const skipped: Record<string, number> = {};

        const { constraints, statistics } = await readBaseline(client, ev);
        const listing = await listWindowObjects(client, ev, win.hours);

        const work = await newWorkDir(deps.tmpDir, "serverless-monitor");
        try {
            // Download within the budget (in key order), then profile object by object and merge.
            const local: { key: string; file: string; size: number }[] = [];
            const acc = new ProfileAccumulator();
            let bytes = 0;
            for (const o of listing.objects) {
                if (local.length >= maxObjects || bytes + o.size > maxBytes) {
                    skipped.over_download_budget = (skipped.over_download_budget ?? 0) + 1;
                    continue;
                }
                const file = path.join(work, "capture", `${local.length}.jsonl`);
                try {
                    const size = await downloadObject(client, ev.captureBucket, o.key, file);
                    bytes += size;
                    local.push({ key: o.key, file, size });
                } catch (e) {
                    acc.poison({
                        key: o.key,
                        reason: "download_failed",
                        detail: `GetObject s3://${ev.captureBucket}/${o.key} failed: ${(e as Error).message}`.slice(0, 300),
                    });
                }
            }
            // Hour windows are taken by partition, as Model Monitor does (a file in the 10:00 partition may hold a record
            // stamped 09:59:59; filtering it would drop it from both hours). A lookback also filters on inferenceTime.
            const ctx = {
                columnNames: constraints!.features.map((f) => f.name),
                expectedColumns: await firstRowWidth(local.map((l) => l.file)),
                ...(ev.lookbackMinutes !== undefined ? { from: win.start, to: win.end } : {}),
            };
            for (const l of local) acc.add(await profileObject(l.file, l.key, l.size, ctx), `s3://${ev.captureBucket}/${l.key}`);
            return await publishReport(client, {
                ev,
                window: win,
                baseline: { constraints: constraints!, statistics: statistics! },
                profile: acc,
                skipped,
                listed: { objects: listing.objects.length, variants: listing.variants.length, endpointPrefix: listing.endpointPrefix },
                reportsKmsKeyId: env[ENV.reportsKmsKeyId] || undefined,
                work,
                write,
            });
        } finally {
            await fs.promises.rm(work, { recursive: true, force: true });
        }
    };
}

let lambdaHandler: ((event: unknown) => Promise<MonitorSummary>) | undefined;

/** Lambda entry point (`lib/monitoring/lambda/handler.handler`). */
export async function handler(event: unknown): Promise<MonitorSummary> {
    lambdaHandler ??= createHandler();
    return lambdaHandler(event);
}
