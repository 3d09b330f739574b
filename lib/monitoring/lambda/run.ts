/**
 * One run of the serverless monitor, in pieces that both AWS forms share (issue 14): the single Lambda
 * (./handler.ts) calls them in one process; the distributed monitor (../distributed/*) calls `planWindow` in its
 * plan step, `profileObjects` in every worker and `publishReport` in its reduce step. So there is one implementation
 * of listing the window, profiling capture objects into a mergeable partial profile (../shard.ts
 * `profileCaptureShard`, one shard per object so an unreadable object is counted, not fatal) and of writing Model
 * Monitor's files, the EMF metrics and the run summary from the merged profile.
 *
 * Only the AWS SDK v3 S3 client is imported from npm: the Lambda Node.js 20 runtime provides it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { MONITORING_CONTENT_TYPES } from "../../../contracts/s3-layout";
import { CAPTURE_PROBLEMS, CaptureReadStats, readCaptureRows } from "../capture";
import { buildEmfLines } from "../emf";
import { parseServiceJson } from "../dataquality/json";
import { DatasetProfiler, type PartialProfile } from "../dataquality/profile";
import type { ConstraintsFile, StatisticsFile } from "../dataquality/types";
import { analyze } from "../index";
import { mergeCaptureStats, profileCaptureShard, type CaptureStatsJson } from "../shard";
import {
    CAPTURE_OBJECTS_METRIC,
    FAILED_BATCHES_METRIC,
    MONITOR_RUN_METRIC,
    NO_CAPTURE_DATA_METRIC,
    POISONED_OBJECTS_METRIC,
    ROWS_ANALYZED_METRIC,
    SERVERLESS_MONITOR_NAMESPACE,
    SKIPPED_METRIC,
    VIOLATIONS_METRIC,
} from "./metrics";

export interface MonitorEvent {
    endpointName: string;
    scheduleName: string;
    captureBucket: string;
    /** Key prefix of the capture destination (without the endpoint), e.g. `datacapture`. May be empty. */
    capturePrefix: string;
    monitoringBucket: string;
    /** Prefix of statistics.json / constraints.json in the monitoring bucket. */
    baselinePrefix: string;
    /** Prefix of the reports in the monitoring bucket. */
    reportsPrefix: string;
    /** Analyse the last N minutes instead of the last full hour (1..10080). */
    lookbackMinutes?: number;
    /** ISO 8601 time that replaces "now". */
    time?: string;
}

export type SkipReason = string;

/** A capture object that could not be profiled at all (counted and listed, the run goes on). */
export interface PoisonedObject {
    key: string;
    /** `download_failed` (GetObject failed after the SDK's retries) or `unparseable` (no capture record in it). */
    reason: "download_failed" | "unparseable";
    detail: string;
}

/** Poisoned objects listed in a summary or a partial file (all are counted). */
export const MAX_LISTED_POISONED = 100;

export interface MonitorSummary {
    status: "ok" | "no_data";
    endpointName: string;
    scheduleName: string;
    window: { start: string; end: string };
    captureObjects: number;
    captureBytes: number;
    /** Capture records (JSON lines) read. */
    captureRecords: number;
    rowsAnalyzed: number;
    violations: number;
    /** Violation count per check type (e.g. data_type_check). */
    violationsByCheck: Record<string, number>;
    /** Left-out capture lines/rows/objects by reason (only reasons with a count > 0). */
    skipped: Record<SkipReason, number>;
    /** Objects that could not be profiled (also in `skipped` under `poisoned_object`); the first 100 listed. */
    poisonedObjects: number;
    poisoned: PoisonedObject[];
    /** The distributed monitor only: batches planned, profiled and failed (a failed batch's objects are not in the report). */
    batches?: { planned: number; profiled: number; failed: number };
    /** `s3://bucket/prefix/` of the uploaded report; undefined when there was no data. */
    reportS3Uri?: string;
    reportKeys: string[];
    message: string;
}

/** The S3 calls the monitor makes (an S3Client satisfies it; tests pass a mocked one). */
export interface S3Like {
    send(command: ListObjectsV2Command | GetObjectCommand | PutObjectCommand | DeleteObjectCommand): Promise<any>;
}

export interface HandlerDeps {
    /** Default: a new S3Client created on first use (region from the Lambda environment). */
    s3?: S3Like;
    /** Receives each stdout line (EMF and the summary). Default: process.stdout.write. */
    write?: (line: string) => void;
    /** Default: `Date.now()`. */
    now?: () => Date;
    /** Parent of the per-run working folder. Default: os.tmpdir() (/tmp on Lambda). */
    tmpDir?: string;
    /** Environment (budgets, report key). Default: process.env. */
    env?: Record<string, string | undefined>;
}

const REQUIRED: (keyof MonitorEvent)[] = ["endpointName", "scheduleName", "captureBucket", "monitoringBucket", "baselinePrefix", "reportsPrefix"];
const MAX_LOOKBACK_MINUTES = 7 * 24 * 60;
const HOUR = 3_600_000;

export const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, "");
const pad = (n: number): string => String(n).padStart(2, "0");
/** `yyyy/mm/dd/hh` of a UTC time (capture and report partitions). */
export const hourPath = (t: Date): string => [t.getUTCFullYear(), pad(t.getUTCMonth() + 1), pad(t.getUTCDate()), pad(t.getUTCHours())].join("/");
export const joinKey = (...parts: string[]): string =>
    parts
        .map(trimSlashes)
        .filter((p) => p !== "")
        .join("/");

/** Validates and normalises the event; throws one error naming every problem. */
export function parseEvent(event: unknown, who = "serverless monitor"): MonitorEvent {
    if (!event || typeof event !== "object") {
        throw new Error(`${who}: the event must be a JSON object with ${REQUIRED.join(", ")} (the schedule's input); got ${JSON.stringify(event)}.`);
    }
    const e = event as Record<string, unknown>;
    const problems: string[] = [];
    for (const k of REQUIRED) {
        if (typeof e[k] !== "string" || (e[k] as string).trim() === "") problems.push(`"${k}" must be a non-empty string (got ${JSON.stringify(e[k])})`);
    }
    if (e.capturePrefix !== undefined && typeof e.capturePrefix !== "string")
        problems.push(`"capturePrefix" must be a string (got ${JSON.stringify(e.capturePrefix)})`);
    for (const k of ["endpointName", "scheduleName"] as const) {
        if (typeof e[k] === "string" && (e[k] as string).includes("/")) problems.push(`"${k}" ${JSON.stringify(e[k])} must not contain "/"`);
    }
    if (e.lookbackMinutes !== undefined) {
        const m = e.lookbackMinutes;
        if (typeof m !== "number" || !Number.isInteger(m) || m < 1 || m > MAX_LOOKBACK_MINUTES) {
            problems.push(`"lookbackMinutes" must be an integer 1..${MAX_LOOKBACK_MINUTES} (got ${JSON.stringify(m)})`);
        }
    }
    if (e.time !== undefined && (typeof e.time !== "string" || Number.isNaN(Date.parse(e.time)))) {
        problems.push(`"time" must be an ISO 8601 timestamp such as 2024-05-01T10:05:00Z (got ${JSON.stringify(e.time)})`);
    }
    if (problems.length) throw new Error(`${who}: invalid event: ${problems.join("; ")}. Fix the schedule's input or the test event.`);
    return {
        endpointName: e.endpointName as string,
        scheduleName: e.scheduleName as string,
        captureBucket: e.captureBucket as string,
        capturePrefix: trimSlashes((e.capturePrefix as string | undefined) ?? ""),
        monitoringBucket: e.monitoringBucket as string,
        baselinePrefix: trimSlashes(e.baselinePrefix as string),
        reportsPrefix: trimSlashes(e.reportsPrefix as string),
        lookbackMinutes: e.lookbackMinutes as number | undefined,
        time: e.time as string | undefined,
    };
}

/**
 * The analysis window: [start of the previous hour, start of this hour) by default; with a lookback,
 * [now - lookback, now). `hours` are the UTC hour partitions overlapping the window.
 */
export function analysisWindow(now: Date, lookbackMinutes?: number): { start: Date; end: Date; hours: Date[] } {
    let start: Date;
    let end: Date;
    if (lookbackMinutes === undefined) {
        end = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
        start = new Date(end.getTime() - HOUR);
    } else {
        end = now;
        start = new Date(now.getTime() - lookbackMinutes * 60_000);
    }
    const hours: Date[] = [];
    for (let h = Math.floor(start.getTime() / HOUR) * HOUR; h < end.getTime(); h += HOUR) hours.push(new Date(h));
    return { start, end, hours };
}

export function positiveInt(env: Record<string, string | undefined>, name: string, dflt: number, who = "serverless monitor"): number {
    const v = env[name];
    if (v === undefined || v === "") return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
        throw new Error(`${who}: environment variable ${name}=${JSON.stringify(v)} must be a positive integer; fix the function configuration.`);
    return n;
}

function isNotFound(e: unknown): boolean {
    const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return err?.name === "NoSuchKey" || err?.name === "NotFound" || err?.Code === "NoSuchKey" || err?.$metadata?.httpStatusCode === 404;
}

export async function bodyToString(body: unknown): Promise<string> {
    if (body === undefined || body === null) return "";
    const b = body as { transformToString?: () => Promise<string> };
    if (typeof b.transformToString === "function") return b.transformToString();
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
    return Buffer.concat(chunks).toString("utf8");
}

function toReadable(body: unknown): Readable {
    if (body instanceof Readable) return body;
    if (body && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") return Readable.from(body as AsyncIterable<Buffer>);
    if (typeof body === "string" || Buffer.isBuffer(body) || body instanceof Uint8Array) return Readable.from([Buffer.from(body as Uint8Array)]);
    throw new Error("serverless monitor: GetObject returned a body that is not a stream");
}

export async function listAll(
    s3: S3Like,
    bucket: string,
    prefix: string,
    delimiter?: string,
): Promise<{ keys: { key: string; size: number }[]; prefixes: string[] }> {
    const keys: { key: string; size: number }[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
        for (const o of out.Contents ?? []) if (o.Key) keys.push({ key: o.Key, size: Number(o.Size ?? 0) });
        for (const p of out.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return { keys, prefixes };
}

async function getBaselineFile<T>(s3: S3Like, bucket: string, key: string): Promise<T> {
    let text: string;
    try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        text = await bodyToString(out.Body);
    } catch (e) {
        if (isNotFound(e)) {
            const file = key.split("/").pop();
            const dir = key.slice(0, key.length - (file?.length ?? 0)).replace(/\/$/, "");
            throw new Error(
                `serverless monitor: baseline s3://${bucket}/${key} does not exist. Create the baseline from the training data with ` +
                    `\`npm run monitor -- baseline --data <training.csv> --out <dir>\` and upload <dir>/statistics.json and <dir>/constraints.json ` +
                    `to s3://${bucket}/${dir}/ (e.g. \`aws s3 cp <dir> s3://${bucket}/${dir}/ --recursive --sse aws:kms\`).`,
            );
        }
        throw new Error(`serverless monitor: reading baseline s3://${bucket}/${key} failed: ${(e as Error).message}`);
    }
    return parseServiceJson<T>(text, `s3://${bucket}/${key}`);
}

/** Reads a baseline file pair (constraints first: a missing baseline is a configuration error whatever the traffic). */
export async function readBaseline(
    s3: S3Like,
    ev: Pick<MonitorEvent, "monitoringBucket" | "baselinePrefix">,
    files: ("constraints" | "statistics")[] = ["constraints", "statistics"],
): Promise<{ constraints?: ConstraintsFile; statistics?: StatisticsFile }> {
    const out: { constraints?: ConstraintsFile; statistics?: StatisticsFile } = {};
    for (const f of files) {
        const v = await getBaselineFile<ConstraintsFile & StatisticsFile>(s3, ev.monitoringBucket, joinKey(ev.baselinePrefix, `${f}.json`));
        if (!Array.isArray(v?.features)) {
            throw new Error(
                `serverless monitor: baseline files under s3://${ev.monitoringBucket}/${ev.baselinePrefix}/ are not Model Monitor statistics/constraints (no "features" list); regenerate them with \`npm run monitor -- baseline\`.`,
            );
        }
        out[f] = v;
    }
    return out;
}

export interface CaptureObject {
    key: string;
    size: number;
}

export interface WindowListing {
    /** `<capturePrefix>/<endpoint>/` */
    endpointPrefix: string;
    variants: string[];
    /** `.jsonl` objects of every variant and hour partition of the window, sorted by variant, hour, key. */
    objects: CaptureObject[];
}

/** Lists the capture objects of a window: the endpoint's variant folders, then one hour partition per variant. */
export async function listWindowObjects(s3: S3Like, ev: MonitorEvent, hours: Date[]): Promise<WindowListing> {
    const endpointPrefix = joinKey(ev.capturePrefix, ev.endpointName) + "/";
    const variants = (await listAll(s3, ev.captureBucket, endpointPrefix, "/")).prefixes.map((p) => p.slice(endpointPrefix.length).replace(/\/$/, "")).sort();
    const objects: CaptureObject[] = [];
    for (const v of variants) {
        for (const h of hours) {
            const { keys } = await listAll(s3, ev.captureBucket, `${endpointPrefix}${v}/${hourPath(h)}/`);
            objects.push(...keys.filter((k) => k.key.endsWith(".jsonl")).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
        }
    }
    return { endpointPrefix, variants, objects };
}

/** Downloads one object to `local` (streamed); returns its size. */
export async function downloadObject(s3: S3Like, bucket: string, key: string, local: string, range?: string): Promise<number> {
    await fs.promises.mkdir(path.dirname(local), { recursive: true });
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
    await pipeline(toReadable(out.Body), fs.createWriteStream(local));
    return (await fs.promises.stat(local)).size;
}

/** Width of the first decodable row of local capture files (fixes `schema_change` for the whole window, as one pass). */
export async function firstRowWidth(files: string[]): Promise<number | undefined> {
    for await (const r of readCaptureRows(files)) return r.values.length;
    return undefined;
}

/** How capture objects are profiled: the baseline's column names, the row width of the window, an inferenceTime filter. */
export interface ProfileContext {
    columnNames: string[];
    expectedColumns?: number;
    /** Rows with an inferenceTime outside [from, to) are left out (lookback windows only; hour windows go by partition). */
    from?: Date;
    to?: Date;
}

/** A mergeable profile of some capture objects: the data-quality partial plus what was read and skipped. */
export interface ObjectsProfile {
    /** Undefined when no object was profiled. */
    partial?: PartialProfile;
    stats: CaptureStatsJson;
    outsideWindow: number;
    objects: number;
    bytes: number;
    poisonedCount: number;
    poisoned: PoisonedObject[];
}

/** Accumulates per-object (or per-batch) profiles in order; the merge is the engine's (exact for exact statistics). */
export class ProfileAccumulator {
    private profiler?: DatasetProfiler;
    readonly stats = new CaptureReadStats();
    outsideWindow = 0;
    objects = 0;
    bytes = 0;
    poisonedCount = 0;
    readonly poisoned: PoisonedObject[] = [];

    add(p: ObjectsProfile, where: string): void {
        if (p.partial) {
            const d = DatasetProfiler.fromPartial(p.partial, where);
            if (this.profiler) this.profiler.merge(d);
            else this.profiler = d;
        }
        mergeCaptureStats(this.stats, p.stats);
        this.outsideWindow += p.outsideWindow;
        this.objects += p.objects;
        this.bytes += p.bytes;
        this.poisonedCount += p.poisonedCount;
        for (const x of p.poisoned) if (this.poisoned.length < MAX_LISTED_POISONED) this.poisoned.push(x);
    }

    poison(x: PoisonedObject): void {
        this.poisonedCount++;
        if (this.poisoned.length < MAX_LISTED_POISONED) this.poisoned.push(x);
    }

    /** The merged profiler (undefined when nothing was profiled). */
    get merged(): DatasetProfiler | undefined {
        return this.profiler;
    }

    toProfile(): ObjectsProfile {
        return {
            partial: this.profiler?.toPartial(),
            stats: this.stats.toJSON() as unknown as CaptureStatsJson,
            outsideWindow: this.outsideWindow,
            objects: this.objects,
            bytes: this.bytes,
            poisonedCount: this.poisonedCount,
            poisoned: [...this.poisoned],
        };
    }
}

/**
 * Profiles one downloaded capture object into a partial profile (one shard of ../shard.ts). An object holding no
 * capture record but problems (not JSON Lines, not capture, binary) is poisoned: counted and listed, its line
 * problems kept in the stats; the run goes on.
 */
export async function profileObject(local: string, key: string, bytes: number, ctx: ProfileContext): Promise<ObjectsProfile> {
    const r = await profileCaptureShard([local], {
        profiler: { columnNames: ctx.columnNames },
        expectedColumns: ctx.expectedColumns,
        from: ctx.from,
        to: ctx.to,
    });
    // problem examples name the S3 key, not the /tmp copy
    for (const e of r.stats.examples) if (e.file === local) e.file = key;
    let problems = 0;
    for (const p of CAPTURE_PROBLEMS) if (p !== "blank_line") problems += r.stats.problems[p] ?? 0;
    const poisoned = r.stats.records === 0 && problems > 0;
    const detail = poisoned
        ? `no capture record in ${r.stats.lines} line(s): ${r.stats.examples[0]?.reason ?? "unreadable"} ${r.stats.examples[0]?.detail ?? ""}`.trim()
        : "";
    return {
        partial: r.partial.rows > 0 || r.partial.columns.length > 0 ? r.partial : undefined,
        stats: r.stats,
        outsideWindow: r.outsideWindow,
        objects: 1,
        bytes,
        poisonedCount: poisoned ? 1 : 0,
        poisoned: poisoned ? [{ key, reason: "unparseable", detail: detail.slice(0, 300) }] : [],
    };
}

/**
 * Downloads and profiles capture objects one at a time into `work` (each copy removed after profiling, so /tmp needs
 * room for the largest object only). A GetObject failure poisons that object (counted, listed), not the batch.
 */
export async function profileObjects(
    s3: S3Like,
    bucket: string,
    objects: CaptureObject[],
    ctx: ProfileContext,
    work: string,
    acc = new ProfileAccumulator(),
): Promise<ProfileAccumulator> {
    let i = 0;
    for (const o of objects) {
        const local = path.join(work, `object-${i++}.jsonl`);
        let size: number;
        try {
            size = await downloadObject(s3, bucket, o.key, local);
        } catch (e) {
            acc.poison({ key: o.key, reason: "download_failed", detail: `GetObject s3://${bucket}/${o.key} failed: ${(e as Error).message}`.slice(0, 300) });
            await fs.promises.rm(local, { force: true });
            continue;
        }
        try {
            acc.add(await profileObject(local, o.key, size, ctx), `s3://${bucket}/${o.key}`);
        } finally {
            await fs.promises.rm(local, { force: true });
        }
    }
    return acc;
}

export const newWorkDir = (tmpDir: string | undefined, tag: string): Promise<string> => fs.promises.mkdtemp(path.join(tmpDir ?? os.tmpdir(), `${tag}-`));

export interface PublishInput {
    ev: MonitorEvent;
    window: { start: Date; end: Date };
    baseline: { constraints: ConstraintsFile; statistics: StatisticsFile };
    /** The merged profile of the window. */
    profile: ProfileAccumulator;
    /** Skips counted before profiling (download budget). */
    skipped: Record<string, number>;
    /** Objects listed in the window (for the "no data" message) and the variant folders found. */
    listed: { objects: number; variants: number; endpointPrefix: string };
    batches?: { planned: number; profiled: number; failed: number };
    reportsKmsKeyId?: string;
    work: string;
    write: (line: string) => void;
}

/**
 * From a merged profile to Model Monitor's files: `analyze` (statistics.json, constraint_violations.json, drift
 * reports, cloudwatch_metrics.jsonl), the uploads with SSE-KMS under
 * `<reportsPrefix>/<endpoint>/<schedule>/yyyy/mm/dd/hh/` with monitor_summary.json, the service's data-quality EMF
 * lines and the monitor's run metrics, and one summary log line.
 */
export async function publishReport(s3: S3Like, p: PublishInput): Promise<MonitorSummary> {
    const { ev, profile } = p;
    const skipped: Record<string, number> = { ...p.skipped };
    const rows = profile.merged?.rows ?? 0;
    let result: Awaited<ReturnType<typeof analyze>> | undefined;
    if (profile.merged && rows > 0) {
        result = await analyze({
            baselineStatistics: p.baseline.statistics,
            baselineConstraints: p.baseline.constraints,
            current: profile.merged,
            outputRoot: path.join(p.work, "out"),
            endpoint: ev.endpointName,
            schedule: ev.scheduleName,
            time: p.window.end,
        });
    }
    if (profile.outsideWindow > 0) skipped.outside_window = (skipped.outside_window ?? 0) + profile.outsideWindow;
    for (const [reason, n] of Object.entries(profile.stats.problems)) if (n > 0) skipped[reason] = (skipped[reason] ?? 0) + n;
    if (profile.poisonedCount > 0) skipped.poisoned_object = profile.poisonedCount;
    const skippedTotal = Object.values(skipped).reduce((a, b) => a + b, 0);

    const summary: MonitorSummary = {
        status: result ? "ok" : "no_data",
        endpointName: ev.endpointName,
        scheduleName: ev.scheduleName,
        window: { start: p.window.start.toISOString(), end: p.window.end.toISOString() },
        captureObjects: profile.objects,
        captureBytes: profile.bytes,
        captureRecords: profile.stats.records,
        rowsAnalyzed: rows,
        violations: result?.violations.violations.length ?? 0,
        violationsByCheck: {},
        skipped,
        poisonedObjects: profile.poisonedCount,
        poisoned: [...profile.poisoned],
        ...(p.batches ? { batches: p.batches } : {}),
        reportKeys: [],
        message: "",
    };
    for (const v of result?.violations.violations ?? [])
        summary.violationsByCheck[v.constraint_check_type] = (summary.violationsByCheck[v.constraint_check_type] ?? 0) + 1;
    const batchNote = p.batches && p.batches.failed > 0 ? ` (${p.batches.failed} of ${p.batches.planned} batches failed and are not in the report)` : "";

    if (result && result.reportDir) {
        const prefix = joinKey(ev.reportsPrefix, ev.endpointName, ev.scheduleName, hourPath(p.window.end));
        summary.reportS3Uri = `s3://${ev.monitoringBucket}/${prefix}/`;
        summary.message = `analysed ${rows} rows from ${profile.objects} capture objects in [${summary.window.start}, ${summary.window.end}): ${summary.violations} violations${batchNote}`;
        const files = (await fs.promises.readdir(result.reportDir)).filter((f) => !f.startsWith(".")).sort();
        const uploads: { name: string; body: string }[] = [];
        for (const f of files) uploads.push({ name: f, body: await fs.promises.readFile(path.join(result.reportDir, f), "utf8") });
        summary.reportKeys = [...uploads.map((u) => `${prefix}/${u.name}`), `${prefix}/monitor_summary.json`];
        uploads.push({ name: "monitor_summary.json", body: JSON.stringify(summary, null, 2) + "\n" });
        for (const u of uploads) {
            await s3.send(
                new PutObjectCommand({
                    Bucket: ev.monitoringBucket,
                    Key: `${prefix}/${u.name}`,
                    Body: u.body,
                    ContentType: MONITORING_CONTENT_TYPES[path.extname(u.name)] ?? "application/octet-stream",
                    ServerSideEncryption: "aws:kms",
                    ...(p.reportsKmsKeyId ? { SSEKMSKeyId: p.reportsKmsKeyId } : {}),
                }),
            );
        }
    } else {
        summary.message =
            profile.objects === 0 && profile.poisonedCount === 0
                ? `no data: no capture objects under s3://${ev.captureBucket}/${p.listed.endpointPrefix}<variant>/ for [${summary.window.start}, ${summary.window.end})` +
                  (p.listed.objects > 0
                      ? ` (${p.listed.objects} over the download budget)`
                      : p.listed.variants === 0
                        ? " (no variant folders: is data capture enabled on the endpoint?)"
                        : "") +
                  batchNote
                : `no data: ${profile.objects} capture objects held no usable rows in the window (skipped: ${JSON.stringify(skipped)})${batchNote}`;
    }

    for (const line of result?.emfLines ?? []) p.write(line);
    for (const line of buildEmfLines({
        namespace: SERVERLESS_MONITOR_NAMESPACE,
        dimensions: { Endpoint: ev.endpointName, MonitoringSchedule: ev.scheduleName },
        timestamp: p.window.end,
        metrics: [
            { name: MONITOR_RUN_METRIC, value: 1, unit: "Count" },
            { name: NO_CAPTURE_DATA_METRIC, value: result ? 0 : 1, unit: "Count" },
            { name: ROWS_ANALYZED_METRIC, value: rows, unit: "Count" },
            { name: VIOLATIONS_METRIC, value: summary.violations, unit: "Count" },
            { name: SKIPPED_METRIC, value: skippedTotal, unit: "Count" },
            { name: CAPTURE_OBJECTS_METRIC, value: profile.objects, unit: "Count" },
            { name: POISONED_OBJECTS_METRIC, value: profile.poisonedCount, unit: "Count" },
            ...(p.batches ? [{ name: FAILED_BATCHES_METRIC, value: p.batches.failed, unit: "Count" as const }] : []),
        ],
        properties: { status: summary.status },
    })) {
        p.write(line);
    }
    p.write(
        JSON.stringify({
            level: summary.status === "ok" && !(p.batches && p.batches.failed > 0) ? "INFO" : "WARN",
            message: summary.message,
            summary: { ...summary, message: undefined },
        }),
    );
    return summary;
}
