/**
 * The serverless monitor: a Node.js 20 Lambda that runs the platform's Model-Monitor-compatible engine
 * (lib/monitoring) over an endpoint's captured traffic, on an EventBridge schedule, in the user's account.
 *
 * One run:
 *   1. window: the capture files of the last full UTC hour partition before the run (as Model Monitor), or of every
 *      hour partition overlapping the last `lookbackMinutes`, rows then filtered on their inferenceTime;
 *   2. lists `s3://<captureBucket>/<capturePrefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl` for every variant and
 *      hour of the window and streams them to /tmp (bounded: object count and bytes, see ./metrics ENV);
 *   3. downloads the baseline `<baselinePrefix>/statistics.json` and `constraints.json` from the monitoring bucket;
 *   4. runs `analyze` and uploads statistics.json, constraint_violations.json, drift_report.{json,csv},
 *      cloudwatch_metrics.jsonl and monitor_summary.json to
 *      `s3://<monitoringBucket>/<reportsPrefix>/<endpoint>/<schedule>/yyyy/mm/dd/hh/` with SSE-KMS;
 *   5. writes the EMF lines to stdout: the service's data-quality metrics (`feature_baseline_drift_<f>`, ...,
 *      namespace aws/sagemaker/Endpoints/data-metrics, dimensions Endpoint + MonitoringSchedule) so the platform's
 *      drift alarms work unchanged, plus the monitor's own run metrics (./metrics).
 *
 * Event (the EventBridge rule's `input`; every field may be overridden in a manual invocation):
 *   {endpointName, scheduleName, captureBucket, capturePrefix, monitoringBucket, baselinePrefix, reportsPrefix,
 *    lookbackMinutes?, time?}   — `time` (ISO 8601) replaces "now" (backfills, tests).
 *
 * Only the AWS SDK v3 S3 client is imported from npm: the Lambda Node.js 20 runtime provides it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CaptureReadStats, readCaptureRows, type CapturedRow } from '../capture';
import { buildEmfLines } from '../emf';
import { parseServiceJson } from '../dataquality/json';
import { DatasetProfiler } from '../dataquality/profile';
import type { ConstraintsFile, StatisticsFile } from '../dataquality/types';
import { analyze } from '../index';
import {
  CAPTURE_OBJECTS_METRIC,
  ENV,
  MONITOR_RUN_METRIC,
  NO_CAPTURE_DATA_METRIC,
  ROWS_ANALYZED_METRIC,
  SERVERLESS_MONITOR_NAMESPACE,
  SKIPPED_METRIC,
  VIOLATIONS_METRIC,
} from './metrics';

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

export interface MonitorSummary {
  status: 'ok' | 'no_data';
  endpointName: string;
  scheduleName: string;
  window: { start: string; end: string };
  captureObjects: number;
  captureBytes: number;
  rowsAnalyzed: number;
  violations: number;
  /** Violation count per check type (e.g. data_type_check). */
  violationsByCheck: Record<string, number>;
  /** Left-out capture lines/rows/objects by reason (only reasons with a count > 0). */
  skipped: Record<SkipReason, number>;
  /** `s3://bucket/prefix/` of the uploaded report; undefined when there was no data. */
  reportS3Uri?: string;
  reportKeys: string[];
  message: string;
}

/** The S3 calls the handler makes (an S3Client satisfies it; tests pass a mocked one). */
export interface S3Like {
  send(command: ListObjectsV2Command | GetObjectCommand | PutObjectCommand): Promise<any>;
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

const REQUIRED: (keyof MonitorEvent)[] = ['endpointName', 'scheduleName', 'captureBucket', 'monitoringBucket', 'baselinePrefix', 'reportsPrefix'];
const MAX_LOOKBACK_MINUTES = 7 * 24 * 60;
const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;
const DEFAULT_MAX_OBJECTS = 5000;
const HOUR = 3_600_000;

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');
const pad = (n: number): string => String(n).padStart(2, '0');
const hourPath = (t: Date): string => [t.getUTCFullYear(), pad(t.getUTCMonth() + 1), pad(t.getUTCDate()), pad(t.getUTCHours())].join('/');
const join = (...parts: string[]): string => parts.map(trimSlashes).filter((p) => p !== '').join('/');

/** Validates and normalises the event; throws one error naming every problem. */
export function parseEvent(event: unknown): MonitorEvent {
  if (!event || typeof event !== 'object') {
    throw new Error(`serverless monitor: the event must be a JSON object with ${REQUIRED.join(', ')} (the EventBridge rule's input); got ${JSON.stringify(event)}.`);
  }
  const e = event as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of REQUIRED) {
    if (typeof e[k] !== 'string' || (e[k] as string).trim() === '') problems.push(`"${k}" must be a non-empty string (got ${JSON.stringify(e[k])})`);
  }
  if (e.capturePrefix !== undefined && typeof e.capturePrefix !== 'string') problems.push(`"capturePrefix" must be a string (got ${JSON.stringify(e.capturePrefix)})`);
  for (const k of ['endpointName', 'scheduleName'] as const) {
    if (typeof e[k] === 'string' && (e[k] as string).includes('/')) problems.push(`"${k}" ${JSON.stringify(e[k])} must not contain "/"`);
  }
  if (e.lookbackMinutes !== undefined) {
    const m = e.lookbackMinutes;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > MAX_LOOKBACK_MINUTES) {
      problems.push(`"lookbackMinutes" must be an integer 1..${MAX_LOOKBACK_MINUTES} (got ${JSON.stringify(m)})`);
    }
  }
  if (e.time !== undefined && (typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time)))) {
    problems.push(`"time" must be an ISO 8601 timestamp such as 2024-05-01T10:05:00Z (got ${JSON.stringify(e.time)})`);
  }
  if (problems.length) throw new Error(`serverless monitor: invalid event: ${problems.join('; ')}. Fix the EventBridge rule's input or the test event.`);
  return {
    endpointName: e.endpointName as string,
    scheduleName: e.scheduleName as string,
    captureBucket: e.captureBucket as string,
    capturePrefix: trimSlashes((e.capturePrefix as string | undefined) ?? ''),
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

function positiveInt(env: Record<string, string | undefined>, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`serverless monitor: environment variable ${name}=${JSON.stringify(v)} must be a positive integer; fix the function configuration.`);
  return n;
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.Code === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404;
}

async function bodyToString(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  const b = body as { transformToString?: () => Promise<string> };
  if (typeof b.transformToString === 'function') return b.transformToString();
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

function toReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return Readable.from(body as AsyncIterable<Buffer>);
  if (typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Uint8Array) return Readable.from([Buffer.from(body as Uint8Array)]);
  throw new Error('serverless monitor: GetObject returned a body that is not a stream');
}

async function listAll(s3: S3Like, bucket: string, prefix: string, delimiter?: string): Promise<{ keys: { key: string; size: number }[]; prefixes: string[] }> {
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
      const file = key.split('/').pop();
      const dir = key.slice(0, key.length - (file?.length ?? 0)).replace(/\/$/, '');
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

/** Filters rows to the window on their inferenceTime (rows without a parseable time stay: their file's hour is in the window). */
async function* inWindow(rows: AsyncIterable<CapturedRow>, start: Date, end: Date, skipped: Record<string, number>): AsyncGenerator<CapturedRow> {
  const s = start.getTime();
  const e = end.getTime();
  for await (const r of rows) {
    const t = r.inferenceTime ? Date.parse(r.inferenceTime) : NaN;
    if (!Number.isNaN(t) && (t < s || t >= e)) {
      skipped.outside_window = (skipped.outside_window ?? 0) + 1;
      continue;
    }
    yield r;
  }
}

const REPORT_CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.jsonl': 'application/x-ndjson',
};

/** Builds a handler with injected clients; `handler` below is the one Lambda calls. */
export function createHandler(deps: HandlerDeps = {}): (event: unknown) => Promise<MonitorSummary> {
  let s3 = deps.s3;
  const write = deps.write ?? ((line: string) => void process.stdout.write(line + '\n'));
  const now = deps.now ?? (() => new Date());
  return async (event: unknown): Promise<MonitorSummary> => {
    const ev = parseEvent(event);
    const env = deps.env ?? process.env;
    const maxBytes = positiveInt(env, ENV.maxCaptureBytes, DEFAULT_MAX_BYTES);
    const maxObjects = positiveInt(env, ENV.maxCaptureObjects, DEFAULT_MAX_OBJECTS);
    const reportsKey = env[ENV.reportsKmsKeyId] || undefined;
    s3 ??= new S3Client({});
    const client = s3;
    const runTime = ev.time ? new Date(ev.time) : now();
    const win = analysisWindow(runTime, ev.lookbackMinutes);
    const dims = { Endpoint: ev.endpointName, MonitoringSchedule: ev.scheduleName };
    const skipped: Record<string, number> = {};

    // Baseline first: a missing baseline is a configuration error whatever the traffic.
    const constraints = await getBaselineFile<ConstraintsFile>(client, ev.monitoringBucket, join(ev.baselinePrefix, 'constraints.json'));
    const statistics = await getBaselineFile<StatisticsFile>(client, ev.monitoringBucket, join(ev.baselinePrefix, 'statistics.json'));
    if (!Array.isArray(constraints?.features) || !Array.isArray(statistics?.features)) {
      throw new Error(
        `serverless monitor: baseline files under s3://${ev.monitoringBucket}/${ev.baselinePrefix}/ are not Model Monitor statistics/constraints (no "features" list); regenerate them with \`npm run monitor -- baseline\`.`,
      );
    }

    // Capture objects of the window, all variants.
    const endpointPrefix = join(ev.capturePrefix, ev.endpointName) + '/';
    const variants = (await listAll(client, ev.captureBucket, endpointPrefix, '/')).prefixes.map((p) => p.slice(endpointPrefix.length).replace(/\/$/, '')).sort();
    const objects: { key: string; size: number }[] = [];
    for (const v of variants) {
      for (const h of win.hours) {
        const { keys } = await listAll(client, ev.captureBucket, `${endpointPrefix}${v}/${hourPath(h)}/`);
        objects.push(...keys.filter((k) => k.key.endsWith('.jsonl')).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
      }
    }

    const work = await fs.promises.mkdtemp(path.join(deps.tmpDir ?? os.tmpdir(), 'serverless-monitor-'));
    try {
      const captureRoot = path.join(work, 'capture');
      let bytes = 0;
      let downloaded = 0;
      for (const o of objects) {
        if (downloaded >= maxObjects || bytes + o.size > maxBytes) {
          skipped.over_download_budget = (skipped.over_download_budget ?? 0) + 1;
          continue;
        }
        const local = path.join(captureRoot, ...o.key.slice(endpointPrefix.length).split('/'));
        await fs.promises.mkdir(path.dirname(local), { recursive: true });
        const out = await client.send(new GetObjectCommand({ Bucket: ev.captureBucket, Key: o.key }));
        await pipeline(toReadable(out.Body), fs.createWriteStream(local));
        bytes += (await fs.promises.stat(local)).size;
        downloaded++;
      }

      const stats = new CaptureReadStats();
      let rows = 0;
      let result: Awaited<ReturnType<typeof analyze>> | undefined;
      if (downloaded > 0) {
        const counted = async function* (src: AsyncIterable<CapturedRow>): AsyncGenerator<CapturedRow> {
          for await (const r of src) {
            rows++;
            yield r;
          }
        };
        // Hour windows are taken by partition, as Model Monitor does (a file in the 10:00 partition may hold a record
        // stamped 09:59:59; filtering it would drop it from both hours). A lookback also filters on inferenceTime.
        const captured = readCaptureRows(captureRoot, { stats });
        const source = counted(ev.lookbackMinutes === undefined ? captured : inWindow(captured, win.start, win.end, skipped));
        // Profile first (streaming), then decide: zero rows is "no data", not a data-quality result.
        const profiler = new DatasetProfiler({ columnNames: constraints.features.map((f) => f.name) });
        for await (const r of source) profiler.addRow(r.values, r.names);
        if (rows > 0) {
          result = await analyze({
            baselineStatistics: statistics,
            baselineConstraints: constraints,
            current: profiler,
            outputRoot: path.join(work, 'out'),
            endpoint: ev.endpointName,
            schedule: ev.scheduleName,
            time: win.end,
          });
        }
      }
      for (const [reason, n] of Object.entries(stats.problems)) if (n > 0) skipped[reason] = (skipped[reason] ?? 0) + n;
      const skippedTotal = Object.values(skipped).reduce((a, b) => a + b, 0);

      const summary: MonitorSummary = {
        status: result ? 'ok' : 'no_data',
        endpointName: ev.endpointName,
        scheduleName: ev.scheduleName,
        window: { start: win.start.toISOString(), end: win.end.toISOString() },
        captureObjects: downloaded,
        captureBytes: bytes,
        rowsAnalyzed: rows,
        violations: result?.violations.violations.length ?? 0,
        violationsByCheck: {},
        skipped,
        reportKeys: [],
        message: '',
      };
      for (const v of result?.violations.violations ?? []) summary.violationsByCheck[v.constraint_check_type] = (summary.violationsByCheck[v.constraint_check_type] ?? 0) + 1;

      if (result && result.reportDir) {
        const prefix = join(ev.reportsPrefix, ev.endpointName, ev.scheduleName, hourPath(win.end));
        summary.reportS3Uri = `s3://${ev.monitoringBucket}/${prefix}/`;
        summary.message = `analysed ${rows} rows from ${downloaded} capture objects in [${summary.window.start}, ${summary.window.end}): ${summary.violations} violations`;
        const files = (await fs.promises.readdir(result.reportDir)).filter((f) => !f.startsWith('.')).sort();
        const uploads: { name: string; body: string }[] = [];
        for (const f of files) uploads.push({ name: f, body: await fs.promises.readFile(path.join(result.reportDir, f), 'utf8') });
        summary.reportKeys = [...uploads.map((u) => `${prefix}/${u.name}`), `${prefix}/monitor_summary.json`];
        uploads.push({ name: 'monitor_summary.json', body: JSON.stringify(summary, null, 2) + '\n' });
        for (const u of uploads) {
          await client.send(
            new PutObjectCommand({
              Bucket: ev.monitoringBucket,
              Key: `${prefix}/${u.name}`,
              Body: u.body,
              ContentType: REPORT_CONTENT_TYPES[path.extname(u.name)] ?? 'application/octet-stream',
              ServerSideEncryption: 'aws:kms',
              ...(reportsKey ? { SSEKMSKeyId: reportsKey } : {}),
            }),
          );
        }
      } else {
        summary.message =
          downloaded === 0
            ? `no data: no capture objects under s3://${ev.captureBucket}/${endpointPrefix}<variant>/ for [${summary.window.start}, ${summary.window.end})` +
              (objects.length > 0 ? ` (${objects.length} over the download budget)` : variants.length === 0 ? ' (no variant folders: is data capture enabled on the endpoint?)' : '')
            : `no data: ${downloaded} capture objects held no usable rows in the window (skipped: ${JSON.stringify(skipped)})`;
      }

      for (const line of result?.emfLines ?? []) write(line);
      for (const line of buildEmfLines({
        namespace: SERVERLESS_MONITOR_NAMESPACE,
        dimensions: dims,
        timestamp: win.end,
        metrics: [
          { name: MONITOR_RUN_METRIC, value: 1, unit: 'Count' },
          { name: NO_CAPTURE_DATA_METRIC, value: result ? 0 : 1, unit: 'Count' },
          { name: ROWS_ANALYZED_METRIC, value: rows, unit: 'Count' },
          { name: VIOLATIONS_METRIC, value: summary.violations, unit: 'Count' },
          { name: SKIPPED_METRIC, value: skippedTotal, unit: 'Count' },
          { name: CAPTURE_OBJECTS_METRIC, value: downloaded, unit: 'Count' },
        ],
        properties: { status: summary.status },
      })) {
        write(line);
      }
      write(JSON.stringify({ level: summary.status === 'ok' ? 'INFO' : 'WARN', message: summary.message, summary: { ...summary, message: undefined } }));
      return summary;
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
