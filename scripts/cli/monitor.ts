/**
 * Model monitoring CLI (SageMaker Model Monitor / Clarify file formats, run locally):
 *
 *   npm run monitor -- baseline      --dataset <csv|capture folder|s3://...> --out <dir|s3://...> [--header auto|true|false] [--drop-columns c1,c2] [--columns c1,..]
 *   npm run monitor -- analyze       --baseline <dir|s3://> --capture <folder|s3://> --out <dir|s3://> [--endpoint E --schedule S] [--from ISO --to ISO] [--metrics-file f.jsonl] [--fail-on-violations] [--workers N]
 *   npm run monitor -- model-quality --capture <folder|s3://> --ground-truth <folder|s3://> --baseline <constraints.json|dir|s3://> --out <dir|s3://> [--endpoint E --schedule S] [--from --to] [--probability-threshold 0.5] [--fail-on-violations]
 *   npm run monitor -- bias          --dataset <csv|s3://> --label ltgt50k [--label-value '>50K'] --facet sex=Female [--facet 'age<40'] --out <dir|s3://> [--predicted-column c --probability-threshold t]
 *   npm run monitor -- ab            --capture <endpoint capture folder|s3://> [--ground-truth <folder|s3://>] --champion champion [--apply --workdir <dir> | --endpoint-url http://127.0.0.1:port] [--out <dir|s3://>]
 *   npm run monitor -- report        --reports <dir|s3://> --out report.html [--baseline <dir|statistics.json>]
 *
 * `s3://` inputs are downloaded to a temporary folder (capture partitions outside --from/--to are not downloaded);
 * `s3://` outputs are written locally first, then uploaded with SSE-KMS (`--kms-key-id` to name the key, else the
 * bucket's default aws/s3 or configured key).
 *
 * Exit codes: 0 ok, 1 violations found and --fail-on-violations given, 2 bad usage or unusable input (message says
 * which input, what is wrong and how to fix it).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CaptureReadStats,
  analyze,
  captureKeyHour,
  decodePayload,
  formatServiceJson,
  openDataset,
  readCaptureRecords,
  readCsvRows,
  readServiceJson,
  reportPrefix,
  suggestBaseline,
  writeFileAtomic,
  type ConstraintsFile,
  type DecodedRow,
} from '../../lib/monitoring';
import { defaultWorkers, profileCaptureSharded } from '../../lib/monitoring/shard';
import { runModelQualityMonitor, mergeCaptureWithGroundTruthFolders, type ModelQualityConstraints } from '../../lib/monitoring/modelquality';
import { biasMetricsEmf, computeBiasReport, runModelBiasMonitor, type FacetSpec, type LabelSpec, type Scalar } from '../../lib/monitoring/bias';
import { analyzeAbTest, type AbRecord } from '../../lib/monitoring/ab';
import { collectMonitoringReports, writeMonitoringReport } from '../../lib/monitoring/report';
import { readState, ping, endpointDir } from '../../lib/serving/process';

// ---- errors ----------------------------------------------------------------------------------

/** A problem the user fixes: which input, what is wrong, how to fix it. Exit code 2. */
export class CliError extends Error {
  constructor(
    readonly input: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${input}: ${problem}. Fix: ${fix}`);
    this.name = 'CliError';
  }
}

// ---- arguments -------------------------------------------------------------------------------

export interface ParsedArgs {
  command: string;
  flags: Map<string, string[]>;
}

const BOOLEAN_FLAGS = new Set(['fail-on-violations', 'apply', 'help']);

export function parseArgs(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  const flags = new Map<string, string[]>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) throw new CliError(`argument "${a}"`, 'is not an option', 'options are written --name value (see npm run monitor -- --help)');
    let key = a.slice(2);
    let value: string;
    const eq = key.indexOf('=');
    if (eq > 0) {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    } else if (BOOLEAN_FLAGS.has(key)) value = 'true';
    else {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) throw new CliError(`--${key}`, 'has no value', `write --${key} <value>`);
      value = next;
      i++;
    }
    flags.set(key, [...(flags.get(key) ?? []), value]);
  }
  return { command: command ?? '', flags };
}

class Opts {
  private used = new Set<string>();
  constructor(
    private readonly a: ParsedArgs,
    private readonly allowed: string[],
  ) {
    for (const k of a.flags.keys()) {
      if (!allowed.includes(k)) {
        throw new CliError(`--${k}`, `is not an option of "${a.command}"`, `use only ${allowed.map((x) => `--${x}`).join(', ')}`);
      }
    }
  }
  get(k: string): string | undefined {
    this.used.add(k);
    const v = this.a.flags.get(k);
    if (v && v.length > 1) throw new CliError(`--${k}`, 'is given more than once', `give --${k} once`);
    return v?.[0];
  }
  all(k: string): string[] {
    return this.a.flags.get(k) ?? [];
  }
  need(k: string, what: string): string {
    const v = this.get(k);
    if (v === undefined) throw new CliError(`--${k}`, 'is required', `pass --${k} <${what}>`);
    return v;
  }
  flag(k: string): boolean {
    return this.a.flags.has(k);
  }
  date(k: string): Date | undefined {
    const v = this.get(k);
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new CliError(`--${k} ${v}`, 'is not a date', 'use ISO-8601, e.g. 2024-06-01T13:00:00Z');
    return d;
  }
  number(k: string): number | undefined {
    const v = this.get(k);
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isFinite(x)) throw new CliError(`--${k} ${v}`, 'is not a number', `pass a number, e.g. --${k} 0.5`);
    return x;
  }
}

// ---- S3 ------------------------------------------------------------------------------------

export const isS3 = (p: string): boolean => p.startsWith('s3://');

export function splitS3(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m || !m[1]) throw new CliError(uri, 'is not an S3 URI', 'write s3://<bucket>/<prefix>');
  return { bucket: m[1], key: m[2] };
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> } | NodeJS.ReadableStream | string | Uint8Array | undefined;
  if (b === undefined || b === null) return Buffer.alloc(0);
  if (typeof b === 'string') return Buffer.from(b);
  if (b instanceof Uint8Array) return Buffer.from(b);
  if (typeof (b as { transformToByteArray?: unknown }).transformToByteArray === 'function') {
    return Buffer.from(await (b as { transformToByteArray: () => Promise<Uint8Array> }).transformToByteArray());
  }
  const chunks: Buffer[] = [];
  for await (const c of b as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

function s3Problem(uri: string, e: unknown): CliError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = err.$metadata?.httpStatusCode;
  const fix =
    code === 403 || err.name === 'AccessDenied'
      ? 'check the credentials (AWS_PROFILE) have s3:GetObject/ListBucket/PutObject on it and kms:Decrypt/GenerateDataKey on its key'
      : err.name === 'NoSuchBucket'
        ? 'check the bucket name (stack outputs: buckets.<purpose>.uri)'
        : 'check the URI, region (AWS_REGION) and network';
  return new CliError(uri, `S3 request failed (${err.name ?? 'error'}${code ? ` ${code}` : ''}: ${err.message ?? String(e)})`, fix);
}

export interface DownloadOptions {
  /** Keep only capture objects whose yyyy/mm/dd/hh partition overlaps [from, to). */
  from?: Date;
  to?: Date;
}

/**
 * Download an S3 object or every object under a prefix into `dest` (key layout below the prefix kept).
 * Returns the local path of the object, or `dest` for a prefix. Throws when nothing matches.
 */
export async function downloadS3(client: S3Client, uri: string, dest: string, o: DownloadOptions = {}): Promise<string> {
  const { bucket, key } = splitS3(uri);
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
      for (const c of out.Contents ?? []) if (c.Key && !c.Key.endsWith('/')) keys.push(c.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    throw s3Problem(uri, e);
  }
  if (keys.includes(key) && key !== '') {
    const local = path.join(dest, path.basename(key));
    await getObject(client, bucket, key, local, uri);
    return local;
  }
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  const under = keys.filter((k) => k.startsWith(prefix));
  if (!under.length) throw new CliError(uri, 'holds no object', 'check the URI (a file, or a prefix ending in /) and that the job that writes it has run');
  for (const k of under) {
    if (o.from || o.to) {
      const h = captureKeyHour(k);
      if (h && ((o.from && h.getTime() + 3600_000 <= o.from.getTime()) || (o.to && h >= o.to))) continue;
    }
    const rel = k.slice(prefix.length);
    if (rel.split('/').includes('..')) throw new CliError(`s3://${bucket}/${k}`, 'has a ".." path segment', 'rename the object');
    await getObject(client, bucket, k, path.join(dest, ...rel.split('/')), `s3://${bucket}/${k}`);
  }
  return dest;
}

async function getObject(client: S3Client, bucket: string, key: string, local: string, uri: string): Promise<void> {
  let bytes: Buffer;
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    bytes = await bodyBytes(out.Body);
  } catch (e) {
    throw s3Problem(uri, e);
  }
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, bytes);
}

function listFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.jsonl': 'application/jsonlines', '.csv': 'text/csv', '.html': 'text/html; charset=utf-8' };

/** Upload every file under `dir` to `uri` (prefix) with SSE-KMS. Returns the uploaded URIs. */
export async function uploadDir(client: S3Client, dir: string, uri: string, kmsKeyId?: string): Promise<string[]> {
  const { bucket, key } = splitS3(uri);
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  const done: string[] = [];
  for (const f of listFiles(dir)) {
    const k = prefix + path.relative(dir, f).split(path.sep).join('/');
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: k,
          Body: fs.readFileSync(f),
          ContentType: CONTENT_TYPES[path.extname(f)] ?? 'application/octet-stream',
          ServerSideEncryption: 'aws:kms',
          ...(kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}),
        }),
      );
    } catch (e) {
      throw s3Problem(`s3://${bucket}/${k}`, e);
    }
    done.push(`s3://${bucket}/${k}`);
  }
  return done;
}

// ---- context -------------------------------------------------------------------------------

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** S3 client factory (tests pass a mocked client). */
  s3?: () => S3Client;
}

class Ctx {
  private tmp: string[] = [];
  private client?: S3Client;
  constructor(readonly io: CliIo) {}
  s3(): S3Client {
    if (!this.client) this.client = this.io.s3 ? this.io.s3() : new S3Client({});
    return this.client;
  }
  tempDir(tag: string): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `monitor-${tag}-`));
    this.tmp.push(d);
    return d;
  }
  /** Local path of an input (downloaded when s3://). */
  async input(flag: string, p: string, o: DownloadOptions = {}): Promise<string> {
    if (isS3(p)) {
      const d = this.tempDir('in');
      const local = await downloadS3(this.s3(), p, d, o);
      this.io.out(`downloaded ${p} -> ${local}`);
      return local;
    }
    if (!fs.existsSync(p)) throw new CliError(`--${flag} ${p}`, 'does not exist', 'pass an existing local path or an s3:// URI');
    return p;
  }
  /** Local output folder; `finish()` uploads it when the target is s3://. */
  output(p: string): { dir: string; finish: (kmsKeyId?: string) => Promise<string[]> } {
    if (isS3(p)) {
      splitS3(p);
      const dir = this.tempDir('out');
      return {
        dir,
        finish: async (kms) => {
          const up = await uploadDir(this.s3(), dir, p, kms);
          this.io.out(`uploaded ${up.length} file(s) to ${p} (SSE-KMS)`);
          return up;
        },
      };
    }
    fs.mkdirSync(p, { recursive: true });
    return { dir: p, finish: async () => [] };
  }
  cleanup(): void {
    for (const d of this.tmp) fs.rmSync(d, { recursive: true, force: true });
  }
}

// ---- helpers -------------------------------------------------------------------------------

function sniffHeader(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  const lines = buf.subarray(0, n).toString('utf8').split(/\r?\n/).filter((l) => l.trim());
  if (lines.length < 2) return false;
  const numeric = (c: string) => c.trim() !== '' && Number.isFinite(Number(c.trim()));
  const first = lines[0].split(',');
  const second = lines[1].split(',');
  return !first.some(numeric) && second.some(numeric);
}

async function* dropColumns(rows: AsyncIterable<DecodedRow>, drop: Set<string>, file: string): AsyncGenerator<DecodedRow> {
  let checked = false;
  for await (const r of rows) {
    if (!r.names) throw new CliError(`--drop-columns`, `${file} has no column names`, 'use --header true (CSV with a header row) or --columns to name the columns');
    if (!checked) {
      for (const d of drop) if (!r.names.includes(d)) throw new CliError(`--drop-columns ${d}`, `is not a column of ${file} (columns: ${r.names.join(', ')})`, 'fix the column name');
      checked = true;
    }
    const keep = r.names.map((n, i) => (drop.has(n) ? -1 : i)).filter((i) => i >= 0);
    yield { values: keep.map((i) => r.values[i]), names: keep.map((i) => r.names![i]) };
  }
}

async function* nameColumns(rows: AsyncIterable<DecodedRow>, names: string[]): AsyncGenerator<DecodedRow> {
  for await (const r of rows) yield r.names ? r : { values: r.values, names: names.slice(0, r.values.length).concat(r.values.slice(names.length).map((_, i) => `_c${names.length + i}`)) };
}

function baselineFiles(flag: string, p: string): { statistics?: string; constraints: string } {
  if (fs.statSync(p).isDirectory()) {
    const c = path.join(p, 'constraints.json');
    const s = path.join(p, 'statistics.json');
    if (!fs.existsSync(c)) throw new CliError(`--${flag} ${p}`, 'has no constraints.json', 'pass the folder written by "monitor baseline" (statistics.json + constraints.json)');
    return { constraints: c, statistics: fs.existsSync(s) ? s : undefined };
  }
  const s = path.join(path.dirname(p), 'statistics.json');
  return { constraints: p, statistics: fs.existsSync(s) ? s : undefined };
}

function printViolations(io: CliIo, list: { name: string; check: string; description: string }[]): void {
  for (const v of list) io.out(`  VIOLATION ${v.check} ${v.name}: ${v.description}`);
}

// ---- commands ------------------------------------------------------------------------------

async function cmdBaseline(a: ParsedArgs, ctx: Ctx): Promise<number> {
  const o = new Opts(a, ['dataset', 'out', 'header', 'drop-columns', 'columns', 'kms-key-id']);
  const dsArg = o.need('dataset', 'csv file | capture folder | s3://...');
  const out = ctx.output(o.need('out', 'dir | s3://...'));
  const headerOpt = o.get('header') ?? 'auto';
  if (!['auto', 'true', 'false'].includes(headerOpt)) throw new CliError(`--header ${headerOpt}`, 'is not auto, true or false', 'pass --header auto|true|false');
  const ds = await ctx.input('dataset', dsArg);
  const isCapture = fs.statSync(ds).isDirectory() || ds.endsWith('.jsonl');
  const header = !isCapture && (headerOpt === 'true' || (headerOpt === 'auto' && sniffHeader(ds)));
  const stats = new CaptureReadStats();
  let rows: AsyncIterable<DecodedRow> = openDataset(ds, { header, stats });
  const columns = o.get('columns')?.split(',').map((s) => s.trim());
  if (columns) rows = nameColumns(rows, columns);
  const drop = o.get('drop-columns');
  if (drop) rows = dropColumns(rows, new Set(drop.split(',').map((s) => s.trim())), dsArg);
  let res;
  try {
    res = await suggestBaseline(rows, { outputDir: out.dir, columnNames: columns });
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`--dataset ${dsArg}`, (e as Error).message.replace(/\.$/, ''), isCapture ? 'pass a capture folder holding *.jsonl files' : 'pass a CSV file (header detected automatically, or --header true|false)');
  }
  ctx.io.out(`baseline: ${res.statistics.dataset.item_count} rows, ${res.statistics.features.length} features (${res.statistics.features.map((f) => `${f.name}:${f.inferred_type}`).join(', ')})`);
  if (stats.problemCount) ctx.io.out(`  capture problems: ${JSON.stringify(Object.fromEntries(Object.entries(stats.problems).filter(([, v]) => v > 0)))}`);
  await out.finish(o.get('kms-key-id'));
  ctx.io.out(`wrote statistics.json and constraints.json to ${a.flags.get('out')![0]}`);
  return 0;
}

async function cmdAnalyze(a: ParsedArgs, ctx: Ctx): Promise<number> {
  const o = new Opts(a, ['baseline', 'capture', 'out', 'endpoint', 'schedule', 'from', 'to', 'metrics-file', 'fail-on-violations', 'kms-key-id', 'columns', 'run-time', 'workers']);
  const workersArg = o.number('workers');
  const workers = workersArg ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) throw new CliError(`--workers ${workersArg}`, 'is not a whole number >= 1', `pass --workers N (default: this machine's cores, ${defaultWorkers()})`);
  const from = o.date('from');
  const to = o.date('to');
  if (from && to && from >= to) throw new CliError('--from/--to', `--from ${from.toISOString()} is not before --to ${to.toISOString()}`, 'give a window with from < to');
  const baseArg = o.need('baseline', 'baseline dir | s3://...');
  const capArg = o.need('capture', 'capture folder | s3://...');
  const outArg = o.need('out', 'dir | s3://...');
  const base = baselineFiles('baseline', await ctx.input('baseline', baseArg));
  const cap = await ctx.input('capture', capArg, { from, to });
  const out = ctx.output(outArg);
  const endpoint = o.get('endpoint') ?? path.basename(path.resolve(isS3(capArg) ? splitS3(capArg).key.replace(/\/+$/, '') || 'endpoint' : capArg));
  const schedule = o.get('schedule') ?? 'data-quality';
  const stats = new CaptureReadStats();
  const columns = o.get('columns')?.split(',').map((s) => s.trim());
  const time = o.date('run-time') ?? new Date();
  // capture files are profiled in byte-balanced shards on worker threads and the partial profiles merged
  const constraints = await readServiceJson<ConstraintsFile>(base.constraints);
  const sharded = await profileCaptureSharded(cap, { workers, from, to, keepUntimed: true, stats, profiler: { columnNames: columns ?? constraints.features.map((f) => f.name) } });
  const res = await analyze({
    baselineStatistics: base.statistics,
    baselineConstraints: constraints,
    current: sharded.profiler,
    outputRoot: out.dir,
    endpoint,
    schedule,
    time,
  });
  const n = res.statistics.dataset.item_count;
  if (n === 0) {
    throw new CliError(`--capture ${capArg}`, `no captured row in the window${from || to ? ` [${from?.toISOString() ?? '-inf'}, ${to?.toISOString() ?? '+inf'})` : ''} (${stats.files} files, problems ${stats.problemCount})`, 'check the capture folder and --from/--to');
  }
  const metricsFile = o.get('metrics-file');
  if (metricsFile && res.emfLines.length) {
    fs.mkdirSync(path.dirname(path.resolve(metricsFile)), { recursive: true });
    fs.appendFileSync(metricsFile, res.emfLines.join('\n') + '\n');
  }
  const rel = reportPrefix(endpoint, schedule, time);
  ctx.io.out(`analyze: ${n} rows from ${stats.files} capture file(s) on ${sharded.shards.length} worker(s), ${res.violations.violations.length} violation(s); report ${outArg.replace(/\/+$/, '')}/${rel}/`);
  if (stats.problemCount) ctx.io.out(`  capture problems: ${JSON.stringify(Object.fromEntries(Object.entries(stats.problems).filter(([, v]) => v > 0)))}`);
  const top = [...res.drift].filter((d) => d.baseline_drift !== undefined).sort((x, y) => y.baseline_drift! - x.baseline_drift!).slice(0, 5);
  ctx.io.out(`  largest drift: ${top.map((d) => `${d.feature_name}=${d.baseline_drift!.toFixed(4)}`).join(', ')}`);
  printViolations(ctx.io, res.violations.violations.map((v) => ({ name: v.feature_name, check: v.constraint_check_type, description: v.description })));
  await out.finish(o.get('kms-key-id'));
  return res.violations.violations.length > 0 && o.flag('fail-on-violations') ? 1 : 0;
}

async function cmdModelQuality(a: ParsedArgs, ctx: Ctx): Promise<number> {
  const o = new Opts(a, ['capture', 'ground-truth', 'baseline', 'out', 'endpoint', 'schedule', 'from', 'to', 'probability-threshold', 'probability-attribute', 'fail-on-violations', 'kms-key-id', 'metrics-file', 'run-time']);
  const from = o.date('from');
  const to = o.date('to');
  const capArg = o.need('capture', 'capture folder | s3://...');
  const gtArg = o.need('ground-truth', 'ground-truth folder | s3://...');
  const outArg = o.need('out', 'dir | s3://...');
  const cap = await ctx.input('capture', capArg, { from, to });
  const gt = await ctx.input('ground-truth', gtArg);
  const baseArg = o.get('baseline');
  let constraints: ModelQualityConstraints | undefined;
  if (baseArg) {
    const local = await ctx.input('baseline', baseArg);
    const file = fs.statSync(local).isDirectory() ? path.join(local, 'constraints.json') : local;
    if (!fs.existsSync(file)) throw new CliError(`--baseline ${baseArg}`, 'has no constraints.json', 'pass the model-quality constraints.json (evaluate step: monitoring bucket model-quality/baseline/)');
    constraints = await readServiceJson<ModelQualityConstraints>(file);
    if (!constraints?.binary_classification_constraints) throw new CliError(`--baseline ${baseArg}`, 'is not a model-quality constraints file (no binary_classification_constraints)', 'pass the model-quality baseline constraints.json, not the data-quality one');
  }
  const endpoint = o.get('endpoint') ?? path.basename(path.resolve(isS3(capArg) ? splitS3(capArg).key.replace(/\/+$/, '') || 'endpoint' : capArg));
  const schedule = o.get('schedule') ?? 'model-quality';
  const time = o.date('run-time') ?? new Date();
  const pa = o.get('probability-attribute');
  let res;
  try {
    res = await runModelQualityMonitor({
      captureSource: cap,
      groundTruthSource: gt,
      from,
      to,
      constraints,
      dimensions: { endpoint, schedule },
      probabilityThreshold: o.number('probability-threshold'),
      probabilityAttribute: pa === undefined ? undefined : /^\d+$/.test(pa) ? Number(pa) : pa,
      evaluationTime: time,
    });
  } catch (e) {
    throw new CliError(`--capture ${capArg} / --ground-truth ${gtArg}`, (e as Error).message.replace(/\.$/, ''), 'write ground truth with eventMetadata.eventId = the inference id used when invoking the endpoint');
  }
  const out = ctx.output(outArg);
  const dir = path.join(out.dir, ...reportPrefix(endpoint, schedule, time).split('/'));
  await writeFileAtomic(path.join(dir, 'statistics.json'), formatServiceJson(res.statistics));
  if (res.violations) await writeFileAtomic(path.join(dir, 'constraint_violations.json'), formatServiceJson({ violations: res.violations.violations }));
  if (res.emf?.lines.length) await writeFileAtomic(path.join(dir, 'cloudwatch_metrics.jsonl'), res.emf.lines.join('\n') + '\n');
  await writeFileAtomic(path.join(dir, 'merge_report.json'), JSON.stringify(res.mergeReport, null, 2));
  const metricsFile = o.get('metrics-file');
  if (metricsFile && res.emf?.lines.length) fs.appendFileSync(metricsFile, res.emf.lines.join('\n') + '\n');
  const m = res.statistics.binary_classification_metrics;
  ctx.io.out(`model-quality: ${res.statistics.dataset.item_count} joined rows; auc ${m.auc.value}, accuracy ${m.accuracy.value}, f1 ${m.f1.value}; ${res.violations?.violations.length ?? 0} violation(s)`);
  printViolations(ctx.io, (res.violations?.violations ?? []).map((v) => ({ name: v.metric_name, check: v.constraint_check_type, description: v.description })));
  await out.finish(o.get('kms-key-id'));
  return (res.violations?.violations.length ?? 0) > 0 && o.flag('fail-on-violations') ? 1 : 0;
}

/** `sex=Female`, `sex=Female,Other`, `age<40`, `age>=65`. */
export function parseFacet(s: string): FacetSpec {
  const m = /^([^=<>]+?)\s*(<=|>=|<|>|=)\s*(.+)$/.exec(s.trim());
  if (!m) throw new CliError(`--facet ${s}`, 'is not column=value or column<number', 'e.g. --facet sex=Female or --facet "age<40"');
  const [, column, op, rhs] = m;
  if (op === '=') return { column, values: rhs.split(',').map((x) => x.trim()) };
  const t = Number(rhs);
  if (!Number.isFinite(t)) throw new CliError(`--facet ${s}`, `threshold "${rhs}" is not a number`, 'e.g. --facet "age<40"');
  return { column, threshold: t, comparison: op as '<' | '<=' | '>' | '>=' };
}

async function cmdBias(a: ParsedArgs, ctx: Ctx): Promise<number> {
  const o = new Opts(a, ['dataset', 'capture', 'ground-truth', 'columns', 'label', 'label-value', 'facet', 'group', 'predicted-column', 'probability-threshold', 'out', 'endpoint', 'schedule', 'kms-key-id', 'header']);
  const facets = o.all('facet').map(parseFacet);
  if (!facets.length) throw new CliError('--facet', 'is required', 'pass at least one facet, e.g. --facet sex=Female');
  const outArg = o.need('out', 'dir | s3://...');
  const out = ctx.output(outArg);
  const capArg = o.get('capture');
  let analysis;
  let rowsUsed: number;
  if (capArg) {
    const cap = await ctx.input('capture', capArg);
    const gt = await ctx.input('ground-truth', o.need('ground-truth', 'ground-truth folder'));
    const columns = o.need('columns', 'comma-separated feature names of the captured CSV rows').split(',').map((s) => s.trim());
    const res = await runModelBiasMonitor({
      captureSource: cap,
      groundTruthSource: gt,
      featureNames: columns,
      config: { facets, groupColumn: o.get('group'), probabilityThreshold: o.number('probability-threshold') ?? 0.5 },
    });
    analysis = res.analysis;
    rowsUsed = res.rowsUsed;
  } else {
    const dsArg = o.need('dataset', 'csv file | s3://...');
    const ds = await ctx.input('dataset', dsArg);
    const label = o.need('label', 'label column');
    const header = (o.get('header') ?? 'true') !== 'false';
    const rows: Record<string, Scalar>[] = [];
    for await (const r of readCsvRows(ds, { header })) {
      if (!r.names) throw new CliError(`--dataset ${dsArg}`, 'has no header row', 'bias needs column names: use a CSV with a header row');
      const rec: Record<string, Scalar> = {};
      r.names.forEach((n, i) => (rec[n] = r.values[i] as Scalar));
      rows.push(rec);
    }
    if (!rows.length) throw new CliError(`--dataset ${dsArg}`, 'has no data rows', 'pass a CSV with a header and rows');
    if (!(label in rows[0])) throw new CliError(`--label ${label}`, `is not a column of ${dsArg} (columns: ${Object.keys(rows[0]).join(', ')})`, 'fix the label column name');
    let spec: LabelSpec;
    const lv = o.get('label-value');
    if (lv !== undefined) spec = { values: lv.split(',').map((s) => s.trim()) };
    else {
      const counts = new Map<string, number>();
      for (const r of rows) {
        const v = String(r[label] ?? '').trim();
        if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      if (counts.size !== 2) {
        throw new CliError(`--label ${label}`, `has ${counts.size} distinct values (${[...counts.keys()].slice(0, 6).join(', ')}), so the positive outcome cannot be chosen`, 'pass --label-value <value[,value]> (e.g. ">50K,>50K.")');
      }
      const [[v1, c1], [v2, c2]] = [...counts.entries()];
      const pos = ['1', 'true'].includes(v1.toLowerCase()) ? v1 : ['1', 'true'].includes(v2.toLowerCase()) ? v2 : c1 <= c2 ? v1 : v2;
      spec = { values: [pos] };
      ctx.io.out(`bias: positive label ${label}=${pos} (the ${['1', 'true'].includes(pos.toLowerCase()) ? 'true value' : 'less frequent value'}; --label-value to choose)`);
    }
    for (const f of facets) if (!(f.column in rows[0])) throw new CliError(`--facet ${f.column}`, `is not a column of ${dsArg}`, `use one of ${Object.keys(rows[0]).join(', ')}`);
    const pc = o.get('predicted-column');
    const res = computeBiasReport(rows, {
      labelColumn: label,
      label: spec,
      facets,
      groupColumn: o.get('group'),
      predictedColumn: pc,
      probabilityThreshold: pc ? o.number('probability-threshold') : undefined,
    });
    analysis = res.report;
    rowsUsed = res.rowsUsed;
  }
  const endpoint = o.get('endpoint');
  const schedule = o.get('schedule');
  const dir = endpoint && schedule ? path.join(out.dir, ...reportPrefix(endpoint, schedule, new Date()).split('/')) : out.dir;
  await writeFileAtomic(path.join(dir, 'analysis.json'), JSON.stringify(analysis, null, 2) + '\n');
  if (endpoint && schedule) {
    const emf = biasMetricsEmf({ endpoint, schedule }, analysis);
    if (emf.lines.length) await writeFileAtomic(path.join(dir, 'cloudwatch_metrics.jsonl'), emf.lines.join('\n') + '\n');
  }
  ctx.io.out(`bias: ${rowsUsed} rows; analysis.json in ${path.relative(out.dir, dir) || '.'}`);
  for (const [stage, sec] of [
    ['pre', analysis.pre_training_bias_metrics],
    ['post', analysis.post_training_bias_metrics],
  ] as const) {
    if (!sec) continue;
    for (const [facet, entries] of Object.entries(sec.facets)) {
      for (const e of entries) ctx.io.out(`  ${stage} ${facet}=${e.value_or_threshold}: ${e.metrics.map((m) => `${m.name}=${m.value === null ? 'null' : Number(m.value.toFixed(4))}`).join(' ')}`);
    }
  }
  await out.finish(o.get('kms-key-id'));
  return 0;
}

/** Variant of a capture file: the folder above the yyyy/mm/dd/hh partition. */
function variantOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  for (let i = parts.length - 5; i >= 1; i--) {
    if (/^\d{4}$/.test(parts[i]) && /^\d{2}$/.test(parts[i + 1]) && /^\d{2}$/.test(parts[i + 2]) && /^\d{2}$/.test(parts[i + 3])) return parts[i - 1];
  }
  return undefined;
}

function postJson(url: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(data);
  });
}

async function cmdAb(a: ParsedArgs, ctx: Ctx): Promise<number> {
  const o = new Opts(a, ['capture', 'ground-truth', 'champion', 'apply', 'workdir', 'endpoint', 'endpoint-url', 'out', 'from', 'to', 'probability-threshold', 'min-requests', 'min-labeled', 'kms-key-id']);
  const capArg = o.need('capture', 'endpoint capture folder | s3://...');
  const champion = o.need('champion', 'champion variant name');
  const from = o.date('from');
  const to = o.date('to');
  const cap = await ctx.input('capture', capArg, { from, to });
  const gtArg = o.get('ground-truth');
  const variantByEvent = new Map<string, string>();
  const records: AbRecord[] = [];
  const stats = new CaptureReadStats();
  let noVariant = 0;
  const unlabelled: { variant: string; score: number }[] = [];
  for await (const ev of readCaptureRecords(cap, { stats, from, to })) {
    const v = variantOf(ev.file);
    if (!v) {
      noVariant++;
      continue;
    }
    const md = ev.record.eventMetadata;
    if (md?.eventId) variantByEvent.set(md.eventId, v);
    if (!gtArg) {
      const outP = ev.record.captureData.endpointOutput;
      let rows: DecodedRow[];
      try {
        rows = outP ? decodePayload(outP) : [];
      } catch {
        rows = [];
      }
      for (const r of rows) unlabelled.push({ variant: v, score: Number(r.values[0]) });
    }
  }
  if (!variantByEvent.size) throw new CliError(`--capture ${capArg}`, `holds no capture record under a <variant>/yyyy/mm/dd/hh folder (${stats.files} files, ${noVariant} without a variant folder)`, 'pass the endpoint folder of the capture tree (<prefix>/<endpoint>/)');
  // captured requests are answered requests: status ok. Capture records carry no latency (neither do the service's).
  if (gtArg) {
    const gt = await ctx.input('ground-truth', gtArg);
    const { rows, report } = await mergeCaptureWithGroundTruthFolders(cap, gt, { from, to });
    const labelled = new Set<string>();
    for (const r of rows) {
      const v = variantByEvent.get(r.eventId);
      if (!v) continue;
      labelled.add(r.eventId);
      records.push({ variant: v, status: 'ok', latencyUs: NaN, score: r.score, label: r.label });
    }
    for (const [eid, v] of variantByEvent) if (!labelled.has(eid)) records.push({ variant: v, status: 'ok', latencyUs: NaN });
    ctx.io.out(`ab: ${report.mergedRows} rows joined with ground truth, ${variantByEvent.size - labelled.size} captures without ground truth`);
  } else {
    for (const u of unlabelled) records.push({ variant: u.variant, status: 'ok', latencyUs: NaN, score: Number.isFinite(u.score) ? u.score : undefined });
  }
  let analysis;
  try {
    analysis = analyzeAbTest(records, {
      champion,
      probabilityThreshold: o.number('probability-threshold'),
      minRequestsPerVariant: o.number('min-requests'),
      minLabeledPerVariant: o.number('min-labeled'),
    });
  } catch (e) {
    throw new CliError(`--champion ${champion}`, (e as Error).message.replace(/\.$/, ''), 'pass the variant name of the current production model');
  }
  delete analysis.skipped.invalid_latency; // capture has no latency: the latency guardrail is not evaluated here
  for (const v of analysis.variants) {
    ctx.io.out(`  ${v.variant}: ${v.requests} requests (${(100 * v.trafficShare).toFixed(1)}%), labelled ${v.labeled}${v.auc ? `, AUC ${v.auc.value.toFixed(4)} [${v.auc.lower.toFixed(4)}, ${v.auc.upper.toFixed(4)}]` : ''}${v.accuracy ? `, accuracy ${v.accuracy.value.toFixed(4)}` : ''}`);
  }
  const rec = analysis.recommendation;
  ctx.io.out(`recommendation: ${rec.action} weights ${JSON.stringify(Object.fromEntries(Object.entries(rec.weights).map(([k, w]) => [k, Number(w.toFixed(4))])))}`);
  for (const r of rec.reasons) ctx.io.out(`  - ${r}`);
  const outArg = o.get('out');
  if (outArg) {
    const out = ctx.output(outArg);
    await writeFileAtomic(path.join(out.dir, 'ab_analysis.json'), JSON.stringify(analysis, null, 2) + '\n');
    await out.finish(o.get('kms-key-id'));
  }
  if (o.flag('apply')) {
    let url = o.get('endpoint-url');
    if (!url) {
      const wd = o.get('workdir');
      const ep = o.get('endpoint');
      if (!wd || !ep) throw new CliError('--apply', 'needs the running local endpoint', 'pass --workdir <pipeline workdir> --endpoint <name>, or --endpoint-url http://127.0.0.1:<port>');
      const st = readState(path.join(endpointDir(path.resolve(wd)), `${ep}.json`));
      if (!st) throw new CliError(`--endpoint ${ep}`, `has no running local endpoint under ${endpointDir(path.resolve(wd))}`, 'deploy it first (./build_ml_environment.sh --only deploy)');
      url = st.url ?? `http://${st.host}:${st.port}`;
    }
    const u = new URL(url);
    if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(u.hostname)) throw new CliError(`--endpoint-url ${url}`, 'is not a loopback address', 'the admin route of the local endpoint is served on 127.0.0.1 only');
    if ((await ping(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port))) !== 200) throw new CliError(`--endpoint-url ${url}`, 'does not answer GET /ping', 'start the endpoint (./build_ml_environment.sh --only deploy)');
    if (rec.action === 'keep') ctx.io.out('apply: recommendation is keep; weights unchanged');
    else {
      const r = await postJson(new URL('/admin/weights', url).toString(), { weights: rec.weights });
      if (r.status !== 200) throw new CliError(`POST ${url}/admin/weights`, `answered ${r.status}: ${r.body}`, 'check the variant names match the endpoint');
      ctx.io.out(`apply: weights now ${JSON.parse(r.body).weights ? JSON.stringify(JSON.parse(r.body).weights) : r.body}`);
    }
  }
  return 0;
}

async function cmdReport(a: ParsedArgs, ctx: Ctx): Promise<number> {
  const o = new Opts(a, ['reports', 'out', 'baseline', 'title', 'kms-key-id']);
  const repArg = o.need('reports', 'reports dir | s3://...');
  const outArg = o.need('out', 'report.html | s3://.../report.html');
  const reports = await ctx.input('reports', repArg);
  const baseArg = o.get('baseline');
  let baseline: string | undefined;
  if (baseArg) {
    const b = await ctx.input('baseline', baseArg);
    baseline = fs.statSync(b).isDirectory() ? path.join(b, 'statistics.json') : b;
    if (!fs.existsSync(baseline)) throw new CliError(`--baseline ${baseArg}`, 'has no statistics.json', 'pass the data-quality baseline folder or its statistics.json');
  }
  let input;
  try {
    input = await collectMonitoringReports(reports, { baselineStatistics: baseline, title: o.get('title') });
  } catch (e) {
    throw new CliError(`--reports ${repArg}`, (e as Error).message.replace(/^monitoring report: /, '').replace(/\.$/, ''), 'pass the --out folder of "monitor analyze" / "model-quality"');
  }
  let file = outArg;
  let up: { dir: string; finish: (k?: string) => Promise<string[]> } | undefined;
  if (isS3(outArg)) {
    const { bucket, key } = splitS3(outArg);
    up = ctx.output(`s3://${bucket}/${path.posix.dirname(key) === '.' ? '' : path.posix.dirname(key)}`);
    file = path.join(up.dir, path.posix.basename(key));
  }
  const res = await writeMonitoringReport(input, file);
  ctx.io.out(`report: ${res.sections.join(', ')}; ${res.charts} charts, ${res.violations} violation(s), ${res.bytes} bytes -> ${outArg}`);
  if (up) await up.finish(o.get('kms-key-id'));
  return 0;
}

export const USAGE = `usage: npm run monitor -- <command> [options]
commands:
  baseline       --dataset <csv|capture folder|s3://> --out <dir|s3://> [--header auto|true|false] [--drop-columns c1,c2] [--columns c1,..]
  analyze        --baseline <dir|s3://> --capture <folder|s3://> --out <dir|s3://> [--endpoint E --schedule S] [--from ISO --to ISO] [--metrics-file f] [--fail-on-violations] [--workers N (default: cores)]
  model-quality  --capture <folder|s3://> --ground-truth <folder|s3://> --baseline <constraints.json|dir|s3://> --out <dir|s3://> [--endpoint E --schedule S] [--from --to] [--fail-on-violations]
  bias           --dataset <csv|s3://> --label <column> [--label-value v] --facet col=value [--facet 'col<number'] --out <dir|s3://>
                 (or --capture <folder> --ground-truth <folder> --columns c1,.. --facet ... for post-training metrics of live traffic)
  ab             --capture <endpoint capture folder|s3://> [--ground-truth <folder|s3://>] --champion <variant> [--out dir] [--apply --workdir <dir> --endpoint <name> | --apply --endpoint-url http://127.0.0.1:<port>]
  report         --reports <dir|s3://> --out <report.html|s3://> [--baseline <dir|statistics.json>]
s3:// outputs are uploaded with SSE-KMS (--kms-key-id <arn> to name the key).
examples: (after ./build_ml_environment.sh; W=.ml-env/dev, C=$W/s3/<capture bucket>/datacapture/mlp-dev-endpoint)
  npm run monitor -- baseline --dataset $W/s3/<curated bucket>/prepared/train.csv --out /tmp/baseline
  npm run monitor -- analyze --baseline /tmp/baseline --capture $C --out /tmp/dq
  npm run monitor -- report --reports /tmp/dq --out /tmp/monitoring.html --baseline /tmp/baseline
  npm run monitor -- ab --capture $C --champion champion       (needs two variants with traffic: a prod-like stack)
exit codes: 0 ok, 1 violations found (with --fail-on-violations), 2 bad usage or unusable input`;

const COMMANDS: Record<string, (a: ParsedArgs, ctx: Ctx) => Promise<number>> = {
  baseline: cmdBaseline,
  analyze: cmdAnalyze,
  'model-quality': cmdModelQuality,
  bias: cmdBias,
  ab: cmdAb,
  report: cmdReport,
};

/** Run the CLI in-process; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') }): Promise<number> {
  const ctx = new Ctx(io);
  const command = argv[0] ?? '';
  try {
    if (!command || command === '--help' || command === 'help' || command === '-h') {
      (command ? io.out : io.err)(USAGE);
      return command ? 0 : 2;
    }
    const fn = COMMANDS[command];
    if (!fn) throw new CliError(`command "${command}"`, 'is unknown', `use one of ${Object.keys(COMMANDS).join(', ')}`);
    const a = parseArgs(argv);
    if (a.flags.has('help')) {
      io.out(USAGE);
      return 0;
    }
    return await fn(a, ctx);
  } catch (e) {
    if (e instanceof CliError) io.err(`error: monitor ${command}: ${e.message}`);
    else io.err(`error: monitor ${command}: ${(e as Error).message}`);
    return 2;
  } finally {
    ctx.cleanup();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
