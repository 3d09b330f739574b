/**
 * Sharded data-quality profiling (issue 14): the capture files of a window are cut into contiguous,
 * byte-balanced shards; each shard is profiled into a mergeable partial profile (in a worker thread, a
 * Lambda worker, or in-process) and the partials are merged in shard order. Exact statistics equal a
 * single pass exactly; KLL sketches and HyperLogLog stay within their documented error
 * (test/monitoring/partial.test.ts, test/monitoring/shard.test.ts).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { threadId, Worker } from "worker_threads";
import {
    CAPTURE_PROBLEMS,
    CaptureReadStats,
    captureKeyHour,
    capturedRows,
    listCaptureFiles,
    parseCaptureLine,
    readCaptureRows,
    type CaptureMode,
    type CaptureProblem,
} from "./capture";
import { profileCaptureBytes } from "./capture-scan";
import { DatasetProfiler, type PartialProfile, type ProfilerOptions } from "./dataquality/profile";

export interface ShardWindow {
    /** Rows whose capture inferenceTime is in [from, to). */
    from?: Date;
    to?: Date;
    /** Keep rows without a parseable inferenceTime (default true, as `monitor analyze`). */
    keepUntimed?: boolean;
}

export interface ProfileShardOptions extends ShardWindow {
    profiler?: ProfilerOptions;
    mode?: CaptureMode;
    /** Row width fixed by the first row of the whole window (so schema_change counts match a single pass). */
    expectedColumns?: number;
    /**
     * 'bytes' (default): CSV payloads are profiled straight from the file bytes (capture-scan.ts), anything unusual
     * line by line through the JSON path; 'json': every line through JSON.parse (readCaptureRows). Same results.
     */
    scanner?: "bytes" | "json";
}

export interface CaptureStatsJson {
    files: number;
    lines: number;
    records: number;
    rows: number;
    problems: Record<CaptureProblem, number>;
    examples: { reason: CaptureProblem; file: string; line: number; detail: string }[];
}

export interface ShardResult {
    partial: PartialProfile;
    stats: CaptureStatsJson;
    /** Rows left out by the time window (not problems: outside the hour). */
    outsideWindow: number;
    /** Wall time of the shard (process.cpuUsage is process-wide inside worker threads on Node 20). */
    wallMs: number;
}

/** Profile one shard (a list of capture files) into a partial profile in its JSON form (a Lambda worker's file). */
export async function profileCaptureShard(files: string[], o: ProfileShardOptions = {}): Promise<ShardResult> {
    const r = await profileShard(files, o);
    return shardResult(r, r.profiler.toPartial());
}

/** The result of a profiled shard whose partial is written; its profile goes to this thread's array pool (the partial holds copies). */
function shardResult(r: ProfiledShard, partial: PartialProfile): ShardResult {
    r.profiler.release();
    return { partial, stats: r.stats.toJSON() as unknown as CaptureStatsJson, outsideWindow: r.outsideWindow, wallMs: r.wallMs };
}

/**
 * A worker thread's shard: the packed partial's arrays are views of `arena`, a SharedArrayBuffer the calling thread lends
 * for the job (a new one when it lends none or one too small, returned with the result for the caller to keep). postMessage
 * passes a shared buffer by reference: nothing is serialised, copied or allocated for the partial's ~3 MB (20 columns at
 * the 10,000-value cap), where a structured clone took 1-50 ms and ~750 first-touch page faults per call on each side on
 * the benchmark VM (docs/monitoring.md). The caller must be done reading the partial before it lends the arena again.
 */
export async function profileCaptureShardShared(
    files: string[],
    o: ProfileShardOptions = {},
    arena?: SharedArrayBuffer,
): Promise<ShardResult & { arena: SharedArrayBuffer }> {
    const r = await profileShard(files, o);
    const bytes = r.profiler.packedLength() * 8;
    const buf = arena && arena.byteLength >= bytes ? arena : new SharedArrayBuffer(arenaBytes(bytes));
    let offset = 0;
    const partial = r.profiler.toPartial({
        packed: true,
        alloc: (n) => {
            const a = new Float64Array(buf, offset, n);
            offset += 8 * n;
            return a;
        },
    });
    return { ...shardResult(r, partial), arena: buf };
}

/** Size of a new arena for `bytes`: a quarter more, in 64 KiB steps, so that a somewhat larger next shard still fits. */
export function arenaBytes(bytes: number): number {
    const step = 64 << 10;
    return Math.max(step, Math.ceil((bytes * 1.25) / step) * step);
}

interface ProfiledShard {
    profiler: DatasetProfiler;
    stats: CaptureReadStats;
    outsideWindow: number;
    wallMs: number;
}

/** Profile one shard into a profiler (the in-process shard keeps it: no partial round trip). */
async function profileShard(files: string[], o: ProfileShardOptions): Promise<ProfiledShard> {
    const t0 = performance.now();
    const stats = new CaptureReadStats();
    const profiler = new DatasetProfiler(o.profiler);
    const a = o.from?.getTime();
    const b = o.to?.getTime();
    const keepUntimed = o.keepUntimed ?? true;
    const accept = (time: string | undefined): boolean => {
        const t = time ? Date.parse(time) : NaN;
        return !(t !== t ? !keepUntimed : (a !== undefined && t < a) || (b !== undefined && t >= b));
    };
    let outside = 0;
    if (o.scanner !== "json") {
        outside = (
            await profileCaptureBytes(files, profiler, stats, {
                mode: o.mode,
                expectedColumns: o.expectedColumns,
                accept: a !== undefined || b !== undefined ? accept : undefined,
            })
        ).outside;
    } else {
        for await (const r of readCaptureRows(files, { stats, mode: o.mode, expectedColumns: o.expectedColumns })) {
            if ((a !== undefined || b !== undefined) && !accept(r.inferenceTime)) {
                outside++;
                continue;
            }
            profiler.addRow(r.values, r.names);
        }
    }
    return { profiler, stats, outsideWindow: outside, wallMs: performance.now() - t0 };
}

/** Add a shard's read statistics into `into` (examples keep the first 20 in shard order). */
export function mergeCaptureStats(into: CaptureReadStats, s: CaptureStatsJson): void {
    into.files += s.files;
    into.lines += s.lines;
    into.records += s.records;
    into.rows += s.rows;
    for (const p of CAPTURE_PROBLEMS) into.problems[p] += s.problems[p] ?? 0;
    for (const e of s.examples) if (into.examples.length < 20) into.examples.push(e);
}

/**
 * Cut a sorted file list into at most `n` contiguous shards of about equal bytes (contiguous ranges keep
 * the merge order equal to the file order, so problem examples and first-seen orders match one pass).
 */
export function planShards(files: { file: string; bytes: number }[], n: number): { files: string[]; bytes: number }[] {
    const total = files.reduce((s, f) => s + f.bytes, 0);
    const k = Math.max(1, Math.min(n, files.length));
    const out: { files: string[]; bytes: number }[] = [];
    let cur: { files: string[]; bytes: number } = { files: [], bytes: 0 };
    let acc = 0;
    files.forEach((f, i) => {
        cur.files.push(f.file);
        cur.bytes += f.bytes;
        acc += f.bytes;
        const left = files.length - i - 1;
        const shardsLeft = k - out.length - 1;
        if (shardsLeft === 0 || left === 0) return;
        const target = (total * (out.length + 1)) / k;
        // cut here when taking the next file would overshoot the target by more than stopping undershoots it
        if (left === shardsLeft || acc + files[i + 1].bytes / 2 >= target) {
            out.push(cur);
            cur = { files: [], bytes: 0 };
        }
    });
    if (cur.files.length) out.push(cur);
    return out;
}

export interface ShardedProfileOptions extends ProfileShardOptions {
    /**
     * Shards, each on its own thread (the first on the calling thread). Default: {@link autoWorkers} of the window's
     * bytes. 1 = one pass in-process.
     */
    workers?: number;
    stats?: CaptureReadStats;
}

export interface ShardedProfileResult {
    profiler: DatasetProfiler;
    stats: CaptureReadStats;
    outsideWindow: number;
    /**
     * Per shard: files, bytes, rows, profiling wall time; for worker shards also the time from the call to the thread
     * taking the job (startMs: thread start when it is new) and from its partial being ready to it being here (handoverMs),
     * and the threadId that ran it (this thread's for the first shard; the same id again means a reused, warm thread).
     */
    shards: { files: number; bytes: number; rows: number; wallMs: number; startMs: number; handoverMs: number; thread: number }[];
    /** Wall time of rebuilding and merging the workers' partials on the calling thread. */
    mergeMs: number;
}

export function defaultWorkers(): number {
    return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/**
 * Bytes of capture a shard beyond the first must bring to pay for itself on a one-shot run: a new worker thread starts
 * (~0.1 s) and repeats V8's optimising-compiler work while both threads compete for the cores (perf on 2 cores, 188 MB:
 * compiler CPU 0.23 s with one thread, 0.57 s with two), so 188 MB gains ×0.9-1.2 and 564 MB ×1.6-1.7 on the first
 * call; warm, pooled threads gain ×1.1-1.8 at 188 MB (docs/monitoring.md, docs/benchmarks.md).
 */
export const BYTES_PER_EXTRA_SHARD = 96 * 1024 * 1024;

/** Default shard count for a window of `bytes`: one per {@link BYTES_PER_EXTRA_SHARD}, at least 1, at most the cores. */
export function autoWorkers(bytes: number, cores = defaultWorkers()): number {
    return Math.max(1, Math.min(cores, Math.floor(bytes / BYTES_PER_EXTRA_SHARD)));
}

/**
 * The worker thread's script. From compiled JavaScript (the Lambda archive) it is shard-worker.js. From the TypeScript
 * sources, the thread first installs the project's `.ts` loader (scripts/run-ts.cjs: transpiled modules come from its
 * disk cache, so a thread does not load the TypeScript compiler again, ~1 s CPU each under ts-node), then loads
 * shard-worker.ts, however the calling process itself was started.
 */
function workerScript(): { file: string; eval: boolean } {
    const ext = path.extname(__filename);
    const entry = path.join(__dirname, `shard-worker${ext}`);
    if (ext !== ".ts") return { file: entry, eval: false };
    // the same source as lib/common/run-ts.ts's tsWorkerSource, written here: this module is part of the Lambda archive,
    // which would otherwise carry that module (and its path to a loader the archive does not hold)
    const runner = path.resolve(__dirname, "..", "..", "scripts", "run-ts.cjs");
    return { file: `require(${JSON.stringify(runner)}); require(${JSON.stringify(entry)});`, eval: true };
}

/**
 * Worker threads kept warm between calls. A new thread costs ~0.1 s to start, and its first shard runs ~15 % slower
 * while V8 compiles the scanner; a process that profiles several windows (the monitor step's replay, a warm Lambda
 * container) pays that once. Idle threads are unref'd (they never keep the process alive) and end after
 * {@link SHARD_WORKER_IDLE_MS} without work, or at {@link closeShardWorkers}.
 */
const idleWorkers: Worker[] = [];
/**
 * Arenas (profileCaptureShardShared) back from merged shards, lent to the next jobs: at most {@link MAX_SPARE_ARENA_BYTES}
 * in all are kept (≈ 4 MB each for 20 columns at the 10,000-value cap), and they go when the pool's threads end.
 */
const spareArenas: SharedArrayBuffer[] = [];
export const MAX_SPARE_ARENA_BYTES = 128 << 20;

function keepArena(a: SharedArrayBuffer | undefined): void {
    if (!a || spareArenas.includes(a)) return;
    if (spareArenas.reduce((n, x) => n + x.byteLength, 0) + a.byteLength <= MAX_SPARE_ARENA_BYTES) spareArenas.push(a);
}
let idleTimer: NodeJS.Timeout | undefined;
let nextJob = 1;

/** How long an idle worker thread waits for the next call before it ends. */
export const SHARD_WORKER_IDLE_MS = 30_000;

/** End the idle worker threads now (they also end on their own after {@link SHARD_WORKER_IDLE_MS}). */
export async function closeShardWorkers(): Promise<void> {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    spareArenas.length = 0;
    await Promise.all(idleWorkers.splice(0).map((w) => w.terminate()));
}

function spawnWorker(): Worker {
    const w = newWorker();
    // a thread that ends while idle leaves the pool (a job's own listeners report what happens during the job); an
    // 'error' without a listener would be thrown in this thread
    w.on("error", () => undefined);
    w.on("exit", () => {
        const i = idleWorkers.indexOf(w);
        if (i >= 0) idleWorkers.splice(i, 1);
    });
    return w;
}

/**
 * Young generation of a profiling thread (V8's semi-spaces: 2 MB each instead of the default 16). A profile keeps its
 * state in typed arrays and allocates short-lived objects, so a larger nursery only adds fresh memory: with the default,
 * a new thread grew its young generation over its first 6-8 calls and took 2,000-5,600 page faults in such a call
 * (≈ 50 ms of a 500 ms shard on the benchmark VM; the calling thread then waits for it). With 6 MB, from its fourth call
 * on it takes ~100; the benchmark's first two-thread call (new threads) ran 811-815 instead of 918-960 ms (×1.24-1.26
 * instead of ×1.08-1.10), and the JSON path is no slower (2.28 s both).
 */
export const SHARD_WORKER_YOUNG_GENERATION_MB = 6;

function newWorker(): Worker {
    const script = workerScript();
    // the thread needs none of the parent's ts-node hooks (`node -r ts-node/register ...`): inherited, they would load
    // the TypeScript compiler again in every thread (~0.35 s)
    const execArgv = withoutTsNode(process.execArgv);
    const base = { eval: script.eval, resourceLimits: { maxYoungGenerationSizeMb: SHARD_WORKER_YOUNG_GENERATION_MB } };
    if (execArgv.length === process.execArgv.length) return new Worker(script.file, base);
    try {
        return new Worker(script.file, { ...base, execArgv });
    } catch (e) {
        // options given explicitly are checked, and per-process ones (--expose-gc, --max-old-space-size ...) are refused
        // (inherited, they are ignored): leave out those the error names
        const refused = /invalid execArgv flags: (.*)$/.exec((e as Error).message)?.[1].split(/,\s*/);
        if ((e as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV" || !refused) throw e;
        return new Worker(script.file, { ...base, execArgv: execArgv.filter((a) => !refused.includes(a.split("=")[0]) && !refused.includes(a)) });
    }
}

/** The node options minus those that load ts-node (`-r ts-node/...`, `--require=ts-node/...`, `--loader ts-node/...`). */
export function withoutTsNode(argv: readonly string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (["-r", "--require", "--loader", "--experimental-loader", "--import"].includes(a) && /ts-node/.test(argv[i + 1] ?? "")) {
            i++;
            continue;
        }
        if (/^--(require|loader|experimental-loader|import)=.*ts-node/.test(a)) continue;
        out.push(a);
    }
    return out;
}

/** Threads that have taken a job (a thread in the pool without one was started ahead by {@link prestartShardWorkers}). */
const ranJob = new WeakSet<Worker>();

/**
 * Make sure `n` threads wait in the pool, starting the missing ones now: a new thread takes 60-150 ms to start and load
 * its modules on the benchmark machine, which then overlaps what the caller does before profiling (listing the window,
 * reading the baseline, downloading capture). Pooled threads are unref'd and end after {@link SHARD_WORKER_IDLE_MS}
 * unused. Returns the threadIds of the threads started.
 */
export function prestartShardWorkers(n: number): number[] {
    const started: number[] = [];
    while (idleWorkers.length < n) {
        const w = spawnWorker();
        started.push(w.threadId);
        releaseWorker(w);
    }
    return started;
}

function releaseWorker(w: Worker): void {
    w.unref();
    idleWorkers.push(w);
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void closeShardWorkers(), SHARD_WORKER_IDLE_MS);
    idleTimer.unref();
}

interface WorkerReply {
    id: number;
    ok: boolean;
    result?: ShardResult;
    error?: string;
    /** performance.timeOrigin + now() in the worker when it took the job, and when it had the partial ready. */
    started?: number;
    finished?: number;
}

/** Run one shard on a pooled worker thread; resolves with the result and the thread's timings. */
function runOnWorker(
    files: string[],
    options: ProfileShardOptions,
): Promise<ShardResult & { arena?: SharedArrayBuffer; startMs: number; handoverMs: number; thread: number }> {
    const w = idleWorkers.pop() ?? spawnWorker();
    const reused = ranJob.has(w);
    ranJob.add(w);
    w.ref();
    const id = nextJob++;
    const sent = performance.timeOrigin + performance.now();
    const arena = spareArenas.pop();
    return new Promise((resolve, reject) => {
        const cleanup = (): void => {
            w.off("message", onMessage);
            w.off("error", onError);
            w.off("exit", onExit);
        };
        const onMessage = (m: WorkerReply): void => {
            if (m.id !== id) return;
            cleanup();
            releaseWorker(w);
            if (!m.ok) return reject(new Error(`profiling worker failed on ${files.length} file(s) from ${files[0]}: ${m.error}`));
            const now = performance.timeOrigin + performance.now();
            resolve({ ...m.result!, startMs: (m.started ?? sent) - sent, handoverMs: now - (m.finished ?? now), thread: w.threadId });
        };
        const onError = (e: Error): void => {
            cleanup();
            reject(new Error(`profiling worker crashed on ${files.length} file(s) from ${files[0]}: ${e.message}`));
        };
        const onExit = (code: number): void => {
            cleanup();
            reject(
                new Error(
                    `profiling worker${reused ? " (reused)" : ""} exited with code ${code} before reporting (files from ${files[0]}); rerun with --workers 1 to see the error in-process.`,
                ),
            );
        };
        w.on("message", onMessage);
        w.once("error", onError);
        w.once("exit", onExit);
        try {
            w.postMessage({ id, files, options, arena });
        } catch (e) {
            // options that cannot be cloned: the thread never got the job and goes back to the pool
            cleanup();
            releaseWorker(w);
            keepArena(arena);
            reject(new Error(`profiling worker: the shard's options cannot be sent to a thread (${(e as Error).message}); pass plain data.`));
        }
    });
}

/** The window's capture files (sorted, hour-partition filtered), with sizes; unreadable sources are counted. */
export async function windowFiles(source: string | string[], o: ShardWindow, stats: CaptureReadStats): Promise<{ file: string; bytes: number }[]> {
    const out: { file: string; bytes: number }[] = [];
    for (const s of Array.isArray(source) ? source : [source]) {
        let list: string[];
        try {
            list = await listCaptureFiles(s);
        } catch (e) {
            stats.note("unreadable_file", s, 0, `${(e as Error).message}; check the path exists and is readable`);
            continue;
        }
        for (const f of list) {
            if (o.from || o.to) {
                const h = captureKeyHour(f);
                if (h && ((o.from && h.getTime() + 3600_000 <= o.from.getTime()) || (o.to && h >= o.to))) continue;
            }
            let bytes = 0;
            try {
                bytes = fs.statSync(f).size;
            } catch {
                // counted as unreadable by the shard reader
            }
            out.push({ file: f, bytes });
        }
    }
    return out;
}

/**
 * Width of the first decodable row of the window (undefined when there is none). Usually the first line of the first
 * file decodes: that line alone is read (one 64 KiB read) and decoded as readCaptureRows decodes it. Otherwise
 * (a longer or undecodable first line, an empty file) the rows are read in order until one decodes. Reading the first
 * rows through readCaptureRows split a whole 64 KiB chunk into lines, 6-15 ms before any shard could start.
 */
async function firstWidth(files: string[], mode?: CaptureMode): Promise<number | undefined> {
    if (files.length > 0) {
        const buf = Buffer.allocUnsafe(64 << 10);
        let n = 0;
        try {
            const fh = await fs.promises.open(files[0], "r");
            try {
                n = (await fh.read(buf, 0, buf.length, 0)).bytesRead;
            } finally {
                await fh.close();
            }
        } catch {
            // unreadable: readCaptureRows below reports the file
        }
        const end = buf.subarray(0, n).indexOf(0x0a);
        const cr = end >= 0 ? buf.subarray(0, end).indexOf(0x0d) : -1;
        // a lone \r also ends a line for readCaptureRows: then it decides
        if (end >= 0 && (cr < 0 || cr === end - 1)) {
            const text = buf.toString("utf8", 0, end > 0 && buf[end - 1] === 0x0d ? end - 1 : end);
            const stats = new CaptureReadStats();
            const ev = parseCaptureLine(text, files[0], 1, false, stats);
            const rows = ev ? capturedRows(ev, (mode ?? "INPUT") === "INPUT" ? "endpointInput" : "endpointOutput", {}, stats) : [];
            if (rows.length > 0) return rows[0].values.length;
        }
    }
    for await (const r of readCaptureRows(files, { mode })) return r.values.length;
    return undefined;
}

/** Profile capture files with `workers` threads and merge the partial profiles. */
export async function profileCaptureSharded(source: string | string[], o: ShardedProfileOptions = {}): Promise<ShardedProfileResult> {
    const stats = o.stats ?? new CaptureReadStats();
    if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 1))
        throw new Error(`profileCaptureSharded: workers=${o.workers} is invalid; use an integer >= 1 (default: by the window's bytes, autoWorkers).`);
    // threads asked for start while the window is listed and its first row read
    if (o.workers !== undefined) prestartShardWorkers(o.workers - 1);
    const files = await windowFiles(source, o, stats);
    const plan = planShards(files, o.workers ?? autoWorkers(files.reduce((s, f) => s + f.bytes, 0)));
    prestartShardWorkers(plan.length - 1);
    const opts: ProfileShardOptions = {
        from: o.from,
        to: o.to,
        keepUntimed: o.keepUntimed,
        profiler: o.profiler,
        mode: o.mode,
        scanner: o.scanner,
        expectedColumns: o.expectedColumns ?? (plan.length > 1 ? await firstWidth(plan.map((p) => p.files).flat(), o.mode) : undefined),
    };
    // the first shard runs on this thread while worker threads run the others (the main thread would otherwise wait
    // idle), and it stays a profiler: the workers' partials merge into it in shard order
    const [first, ...rest] = await Promise.all([profileShard(plan[0]?.files ?? [], opts), ...plan.slice(1).map((p) => runOnWorker(p.files, opts))]);
    const m0 = performance.now();
    const profiler = first.profiler;
    rest.forEach((r, i) => profiler.merge(DatasetProfiler.fromPartial(r.partial, `shard ${i + 2}`)));
    // merged: nothing refers to the partials' arrays any more (a merge copies what it keeps), so their arenas can go out again
    for (const r of rest) keepArena(r.arena);
    const mergeMs = performance.now() - m0;
    mergeCaptureStats(stats, first.stats.toJSON() as unknown as CaptureStatsJson);
    for (const r of rest) mergeCaptureStats(stats, r.stats);
    const results = [
        { rows: first.profiler.rows, outsideWindow: first.outsideWindow, wallMs: first.wallMs, startMs: 0, handoverMs: 0, thread: threadId },
        ...rest.map((r) => ({
            rows: r.partial.rows,
            outsideWindow: r.outsideWindow,
            wallMs: r.wallMs,
            startMs: r.startMs,
            handoverMs: r.handoverMs,
            thread: r.thread,
        })),
    ];
    return {
        profiler,
        stats,
        outsideWindow: results.reduce((s, r) => s + r.outsideWindow, 0),
        mergeMs: Math.round(mergeMs),
        shards: results.map((r, i) => ({
            files: plan[i]?.files.length ?? 0,
            bytes: plan[i]?.bytes ?? 0,
            rows: r.rows,
            wallMs: Math.round(r.wallMs),
            startMs: Math.round(r.startMs),
            handoverMs: Math.round(r.handoverMs),
            thread: r.thread,
        })),
    };
}
