/**
 * `npm run monitor -- <command>`: model monitoring from the command line, in the SageMaker Model Monitor / Clarify
 * file formats, run locally (baseline, analyze, model-quality, bias, ab, report).
 * Main decision: this file only parses arguments (the shared CLI layer, scripts/framework/cli.ts), moves s3:// inputs
 * and outputs through temporary folders (lib/aws/s3.ts: capture partitions outside --from/--to are not downloaded,
 * uploads are SSE-KMS with --kms-key-id or the bucket's key) and prints; the monitoring itself is lib/monitoring and
 * the endpoint's admin route is reached with lib/serving's loopback client.
 * Exit codes: 0 ok, 1 violations found and --fail-on-violations given, 2 bad usage or unusable input (the message
 * names the input, what is wrong and how to fix it).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { S3Client } from "@aws-sdk/client-s3";
import {
    CaptureReadStats,
    analyze,
    captureKeyHour,
    formatServiceJson,
    openDataset,
    readCsvRows,
    readServiceJson,
    reportPrefix,
    suggestBaseline,
    writeFileAtomic,
    type ConstraintsFile,
    type DecodedRow,
} from "../../lib/monitoring";
import { BYTES_PER_EXTRA_SHARD, defaultWorkers, prestartShardWorkers, profileCaptureSharded } from "../../lib/monitoring/shard";
import { runModelQualityMonitor, mergeCaptureWithGroundTruthFolders, type ModelQualityConstraints } from "../../lib/monitoring/modelquality";
import { biasMetricsEmf, computeBiasReport, runModelBiasMonitor, type FacetSpec, type LabelSpec, type Scalar } from "../../lib/monitoring/bias";
import { choosePositiveLabel } from "../../lib/monitoring/bias/positive-label";
import { analyzeAbTest, type AbRecord } from "../../lib/monitoring/ab";
import { abRecordsOf, readCaptureVariants } from "../../lib/monitoring/ab/capture";
import { collectMonitoringReports, writeMonitoringReport } from "../../lib/monitoring/report";
import { downloadS3, uploadDir } from "../../lib/aws/s3";
import { loopbackRequest } from "../../lib/serving/client";
import { readState, ping, endpointDir } from "../../lib/serving/process";
import { CliIo, CliSpec, FlagSpec, formatHelp, ParsedCli, withCli } from "../framework/cli";
import { parseS3Uri } from "../../contracts/s3-layout";

// ---- errors ----------------------------------------------------------------------------------

/** A problem the user fixes: which input, what is wrong, how to fix it. Exit code 2. */
export class CliError extends Error {
    constructor(
        readonly input: string,
        readonly problem: string,
        readonly fix: string,
    ) {
        super(`${input}: ${problem}. Fix: ${fix}`);
        this.name = "CliError";
    }
}

// ---- arguments -------------------------------------------------------------------------------

const flag = (name: string, value: string | undefined, help: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ name, value, help, ...extra });
const OUT = flag("out", "DIR|s3://", "output folder (required)");
const ENDPOINT = flag("endpoint", "E", "endpoint name of the report path (with --schedule)");
const SCHEDULE = flag("schedule", "S", "schedule name of the report path");
const FROM = flag("from", "ISO", "window start (inclusive), e.g. 2024-06-01T13:00:00Z");
const TO = flag("to", "ISO", "window end (exclusive)");
const RUN_TIME = flag("run-time", "ISO", "the run time the report path is named after (default now)");
const METRICS_FILE = flag("metrics-file", "FILE", "append the CloudWatch EMF lines to this file");
const FAIL = flag("fail-on-violations", undefined, "exit 1 when a constraint is violated");
const COLUMNS = flag("columns", "C1,C2", "feature names of headerless CSV rows");
const PROBABILITY = flag("probability-threshold", "P", "score threshold of the positive class (default 0.5)");

export const SPEC: CliSpec = {
    program: "npm run monitor --",
    summary:
        "Model monitoring in the SageMaker Model Monitor / Clarify file formats, run locally; s3:// inputs are downloaded, s3:// outputs uploaded with SSE-KMS.",
    commands: [
        {
            name: "baseline",
            summary: "statistics.json + constraints.json of a dataset (the data-quality baseline)",
            args: "--dataset <csv|capture folder|s3://> --out <dir|s3://>",
            flags: [
                flag("dataset", "CSV|DIR|s3://", "CSV file or capture folder (required)"),
                OUT,
                flag("header", "auto|true|false", "the CSV has a header row (default auto)"),
                flag("drop-columns", "C1,C2", "columns to leave out (e.g. the label)"),
                COLUMNS,
            ],
        },
        {
            name: "analyze",
            summary: "data quality of captured traffic against the baseline: statistics, violations, drift, EMF metrics",
            args: "--baseline <dir|s3://> --capture <folder|s3://> --out <dir|s3://>",
            flags: [
                flag("baseline", "DIR|s3://", "the folder written by baseline (required)"),
                flag("capture", "DIR|s3://", "capture folder (required)"),
                OUT,
                ENDPOINT,
                SCHEDULE,
                FROM,
                TO,
                METRICS_FILE,
                FAIL,
                COLUMNS,
                RUN_TIME,
                flag("workers", "N", "threads (default: one per 96 MiB of capture, at most the cores)"),
            ],
        },
        {
            name: "model-quality",
            summary: "binary-classification metrics of captured predictions joined with ground truth",
            args: "--capture <folder|s3://> --ground-truth <folder|s3://> --out <dir|s3://>",
            flags: [
                flag("capture", "DIR|s3://", "capture folder (required)"),
                flag("ground-truth", "DIR|s3://", "ground-truth folder (required)"),
                flag("baseline", "FILE|DIR|s3://", "model-quality constraints.json"),
                OUT,
                ENDPOINT,
                SCHEDULE,
                FROM,
                TO,
                PROBABILITY,
                flag("probability-attribute", "NAME|INDEX", "where the score is in a JSON/CSV answer"),
                FAIL,
                METRICS_FILE,
                RUN_TIME,
            ],
        },
        {
            name: "bias",
            summary: "Clarify bias metrics of a labelled dataset, or of live traffic (--capture --ground-truth --columns)",
            args: "--dataset <csv|s3://> --label <column> --facet col=value [--facet 'col<number'] --out <dir|s3://>",
            flags: [
                flag("dataset", "CSV|s3://", "labelled CSV with a header row"),
                flag("capture", "DIR", "capture folder (post-training metrics of live traffic)"),
                flag("ground-truth", "DIR", "ground-truth folder (with --capture)"),
                flag("columns", "C1,C2", "feature names of the captured CSV rows (with --capture)"),
                flag("label", "COLUMN", "label column (with --dataset)"),
                flag("label-value", "V[,V]", "the positive label value(s) (default: chosen from the data)"),
                flag("facet", "COL=V|COL<N", "a facet (required; repeatable)", { repeatable: true }),
                flag("group", "COLUMN", "group column of conditional metrics"),
                flag("predicted-column", "COLUMN", "predicted label or score column (post-training metrics)"),
                PROBABILITY,
                OUT,
                ENDPOINT,
                SCHEDULE,
                flag("header", "true|false", "the dataset has a header row (default true)"),
            ],
        },
        {
            name: "ab",
            summary: "compare the variants of an endpoint from its capture and recommend weights (--apply sets them)",
            args: "--capture <endpoint capture folder|s3://> --champion <variant>",
            flags: [
                flag("capture", "DIR|s3://", "the endpoint's capture folder (required)"),
                flag("ground-truth", "DIR|s3://", "ground-truth folder (labelled metrics)"),
                flag("champion", "VARIANT", "the current production variant (required)"),
                flag("apply", undefined, "set the recommended weights on the running local endpoint"),
                flag("workdir", "DIR", "pipeline workdir of the local endpoint (with --apply --endpoint)"),
                flag("endpoint", "NAME", "local endpoint name (with --apply --workdir)"),
                flag("endpoint-url", "URL", "http://127.0.0.1:<port> of the local endpoint (with --apply)"),
                flag("out", "DIR|s3://", "write ab_analysis.json here"),
                FROM,
                TO,
                PROBABILITY,
                flag("min-requests", "N", "requests per variant before a decision"),
                flag("min-labeled", "N", "labelled requests per variant before a decision"),
            ],
        },
        {
            name: "report",
            summary: "one self-contained HTML report of the monitoring runs under a folder",
            args: "--reports <dir|s3://> --out <report.html|s3://>",
            flags: [
                flag("reports", "DIR|s3://", "the --out folder of analyze / model-quality (required)"),
                flag("out", "FILE|s3://", "the HTML file (required)"),
                flag("baseline", "DIR|FILE", "baseline folder or its statistics.json"),
                flag("title", "TEXT", "report title"),
            ],
        },
    ],
    flags: [flag("kms-key-id", "ARN", "KMS key of s3:// uploads (default: the bucket's key)")],
    examples: [
        "# after ./build_ml_environment.sh: W=.ml-env/dev, C=$W/s3/<capture bucket>/datacapture/mlp-dev-endpoint",
        "npm run monitor -- baseline --dataset $W/s3/<curated bucket>/prepared/train.csv --out /tmp/baseline",
        "npm run monitor -- analyze --baseline /tmp/baseline --capture $C --out /tmp/dq",
        "npm run monitor -- report --reports /tmp/dq --out /tmp/monitoring.html --baseline /tmp/baseline",
        "npm run monitor -- ab --capture $C --champion champion       (needs two variants with traffic: a prod-like stack)",
    ],
    notes: [
        "s3:// outputs are uploaded with SSE-KMS (--kms-key-id <arn> to name the key).",
        "exit codes: 0 ok, 1 violations found (with --fail-on-violations), 2 bad usage or unusable input",
    ],
};

/** Typed access to one command's parsed options; a bad value is a CliError naming the option. */
class Opts {
    constructor(private readonly p: ParsedCli) {}
    get(k: string): string | undefined {
        const v = this.p.flags[k];
        return typeof v === "string" ? v : undefined;
    }
    all(k: string): string[] {
        return this.p.lists[k] ?? [];
    }
    need(k: string, what: string): string {
        const v = this.get(k);
        if (v === undefined) throw new CliError(`--${k}`, "is required", `pass --${k} <${what}>`);
        return v;
    }
    flag(k: string): boolean {
        return this.p.flags[k] === true;
    }
    date(k: string): Date | undefined {
        const v = this.get(k);
        if (v === undefined) return undefined;
        const d = new Date(v);
        if (Number.isNaN(d.getTime())) throw new CliError(`--${k} ${v}`, "is not a date", "use ISO-8601, e.g. 2024-06-01T13:00:00Z");
        return d;
    }
    number(k: string): number | undefined {
        const v = this.get(k);
        if (v === undefined) return undefined;
        const x = Number(v);
        if (!Number.isFinite(x)) throw new CliError(`--${k} ${v}`, "is not a number", `pass a number, e.g. --${k} 0.5`);
        return x;
    }
}

// ---- context -------------------------------------------------------------------------------

const isS3 = (p: string): boolean => p.startsWith("s3://");

export interface MonitorIo extends CliIo {
    /** S3 client factory (tests pass a mocked client). */
    s3?: () => S3Client;
}

interface WindowOptions {
    /** Keep only capture objects whose yyyy/mm/dd/hh partition overlaps [from, to). */
    from?: Date;
    to?: Date;
}

/** A capture key whose hour partition lies outside [from, to) is not downloaded. */
function inWindow(o: WindowOptions): ((key: string) => boolean) | undefined {
    if (!o.from && !o.to) return undefined;
    return (k) => {
        const h = captureKeyHour(k);
        return !(h && ((o.from && h.getTime() + 3600_000 <= o.from.getTime()) || (o.to && h >= o.to)));
    };
}

class Ctx {
    private tmp: string[] = [];
    private client?: S3Client;
    constructor(readonly io: MonitorIo) {}
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
    async input(flag: string, p: string, o: WindowOptions = {}): Promise<string> {
        if (isS3(p)) {
            const d = this.tempDir("in");
            const local = await downloadS3(this.s3(), p, d, { keep: inWindow(o) });
            this.io.out(`downloaded ${p} -> ${local}`);
            return local;
        }
        if (!fs.existsSync(p)) throw new CliError(`--${flag} ${p}`, "does not exist", "pass an existing local path or an s3:// URI");
        return p;
    }
    /** Local output folder; `finish()` uploads it when the target is s3://. */
    output(p: string): { dir: string; finish: (kmsKeyId?: string) => Promise<string[]> } {
        if (isS3(p)) {
            parseS3Uri(p);
            const dir = this.tempDir("out");
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
    const fd = fs.openSync(file, "r");
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    const lines = buf
        .subarray(0, n)
        .toString("utf8")
        .split(/\r?\n/)
        .filter((l) => l.trim());
    if (lines.length < 2) return false;
    const numeric = (c: string) => c.trim() !== "" && Number.isFinite(Number(c.trim()));
    const first = lines[0].split(",");
    const second = lines[1].split(",");
    return !first.some(numeric) && second.some(numeric);
}

async function* dropColumns(rows: AsyncIterable<DecodedRow>, drop: Set<string>, file: string): AsyncGenerator<DecodedRow> {
    let checked = false;
    for await (const r of rows) {
        if (!r.names)
            throw new CliError(`--drop-columns`, `${file} has no column names`, "use --header true (CSV with a header row) or --columns to name the columns");
        if (!checked) {
            for (const d of drop)
                if (!r.names.includes(d))
                    throw new CliError(`--drop-columns ${d}`, `is not a column of ${file} (columns: ${r.names.join(", ")})`, "fix the column name");
            checked = true;
        }
        const keep = r.names.map((n, i) => (drop.has(n) ? -1 : i)).filter((i) => i >= 0);
        yield { values: keep.map((i) => r.values[i]), names: keep.map((i) => r.names![i]) };
    }
}

async function* nameColumns(rows: AsyncIterable<DecodedRow>, names: string[]): AsyncGenerator<DecodedRow> {
    for await (const r of rows)
        yield r.names
            ? r
            : { values: r.values, names: names.slice(0, r.values.length).concat(r.values.slice(names.length).map((_, i) => `_c${names.length + i}`)) };
}

function baselineFiles(flag: string, p: string): { statistics?: string; constraints: string } {
    if (fs.statSync(p).isDirectory()) {
        const c = path.join(p, "constraints.json");
        const s = path.join(p, "statistics.json");
        if (!fs.existsSync(c))
            throw new CliError(
                `--${flag} ${p}`,
                "has no constraints.json",
                'pass the folder written by "monitor baseline" (statistics.json + constraints.json)',
            );
        return { constraints: c, statistics: fs.existsSync(s) ? s : undefined };
    }
    const s = path.join(path.dirname(p), "statistics.json");
    return { constraints: p, statistics: fs.existsSync(s) ? s : undefined };
}

function printViolations(io: MonitorIo, list: { name: string; check: string; description: string }[]): void {
    for (const v of list) io.out(`  VIOLATION ${v.check} ${v.name}: ${v.description}`);
}

// ---- commands ------------------------------------------------------------------------------

async function cmdBaseline(p: ParsedCli, ctx: Ctx): Promise<number> {
    const o = new Opts(p);
    const dsArg = o.need("dataset", "csv file | capture folder | s3://...");
    const outArg = o.need("out", "dir | s3://...");
    const out = ctx.output(outArg);
    const headerOpt = o.get("header") ?? "auto";
    if (!["auto", "true", "false"].includes(headerOpt))
        throw new CliError(`--header ${headerOpt}`, "is not auto, true or false", "pass --header auto|true|false");
    const ds = await ctx.input("dataset", dsArg);
    const isCapture = fs.statSync(ds).isDirectory() || ds.endsWith(".jsonl");
    const header = !isCapture && (headerOpt === "true" || (headerOpt === "auto" && sniffHeader(ds)));
    const stats = new CaptureReadStats();
    let rows: AsyncIterable<DecodedRow> = openDataset(ds, { header, stats });
    const columns = o
        .get("columns")
        ?.split(",")
        .map((s) => s.trim());
    if (columns) rows = nameColumns(rows, columns);
    const drop = o.get("drop-columns");
    if (drop) rows = dropColumns(rows, new Set(drop.split(",").map((s) => s.trim())), dsArg);
    let res;
    try {
        res = await suggestBaseline(rows, { outputDir: out.dir, columnNames: columns });
    } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(
            `--dataset ${dsArg}`,
            (e as Error).message.replace(/\.$/, ""),
            isCapture ? "pass a capture folder holding *.jsonl files" : "pass a CSV file (header detected automatically, or --header true|false)",
        );
    }
    ctx.io.out(
        `baseline: ${res.statistics.dataset.item_count} rows, ${res.statistics.features.length} features (${res.statistics.features.map((f) => `${f.name}:${f.inferred_type}`).join(", ")})`,
    );
    if (stats.problemCount) ctx.io.out(`  capture problems: ${JSON.stringify(Object.fromEntries(Object.entries(stats.problems).filter(([, v]) => v > 0)))}`);
    await out.finish(o.get("kms-key-id"));
    ctx.io.out(`wrote statistics.json and constraints.json to ${outArg}`);
    return 0;
}

async function cmdAnalyze(p: ParsedCli, ctx: Ctx): Promise<number> {
    const o = new Opts(p);
    const workers = o.number("workers");
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
        throw new CliError(
            `--workers ${workers}`,
            "is not a whole number >= 1",
            `pass --workers N, or leave it out: one thread per ${BYTES_PER_EXTRA_SHARD / 1024 / 1024} MiB of capture, at most this machine's ${defaultWorkers()} cores`,
        );
    const from = o.date("from");
    const to = o.date("to");
    if (from && to && from >= to)
        throw new CliError("--from/--to", `--from ${from.toISOString()} is not before --to ${to.toISOString()}`, "give a window with from < to");
    const baseArg = o.need("baseline", "baseline dir | s3://...");
    const capArg = o.need("capture", "capture folder | s3://...");
    // the threads asked for start while the baseline and the capture are read (or downloaded)
    if (workers !== undefined) prestartShardWorkers(workers - 1);
    const outArg = o.need("out", "dir | s3://...");
    const base = baselineFiles("baseline", await ctx.input("baseline", baseArg));
    const cap = await ctx.input("capture", capArg, { from, to });
    const out = ctx.output(outArg);
    const endpoint = o.get("endpoint") ?? path.basename(path.resolve(isS3(capArg) ? parseS3Uri(capArg).key.replace(/\/+$/, "") || "endpoint" : capArg));
    const schedule = o.get("schedule") ?? "data-quality";
    const stats = new CaptureReadStats();
    const columns = o
        .get("columns")
        ?.split(",")
        .map((s) => s.trim());
    const time = o.date("run-time") ?? new Date();
    // capture files are profiled in byte-balanced shards on worker threads and the partial profiles merged
    const constraints = await readServiceJson<ConstraintsFile>(base.constraints);
    const sharded = await profileCaptureSharded(cap, {
        workers,
        from,
        to,
        keepUntimed: true,
        stats,
        profiler: { columnNames: columns ?? constraints.features.map((f) => f.name) },
    });
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
        throw new CliError(
            `--capture ${capArg}`,
            `no captured row in the window${from || to ? ` [${from?.toISOString() ?? "-inf"}, ${to?.toISOString() ?? "+inf"})` : ""} (${stats.files} files, problems ${stats.problemCount})`,
            "check the capture folder and --from/--to",
        );
    }
    const metricsFile = o.get("metrics-file");
    if (metricsFile && res.emfLines.length) {
        fs.mkdirSync(path.dirname(path.resolve(metricsFile)), { recursive: true });
        fs.appendFileSync(metricsFile, res.emfLines.join("\n") + "\n");
    }
    const rel = reportPrefix(endpoint, schedule, time);
    ctx.io.out(
        `analyze: ${n} rows from ${stats.files} capture file(s) on ${sharded.shards.length} worker(s), ${res.violations.violations.length} violation(s); report ${outArg.replace(/\/+$/, "")}/${rel}/`,
    );
    if (stats.problemCount) ctx.io.out(`  capture problems: ${JSON.stringify(Object.fromEntries(Object.entries(stats.problems).filter(([, v]) => v > 0)))}`);
    const top = [...res.drift]
        .filter((d) => d.baseline_drift !== undefined)
        .sort((x, y) => y.baseline_drift! - x.baseline_drift!)
        .slice(0, 5);
    ctx.io.out(`  largest drift: ${top.map((d) => `${d.feature_name}=${d.baseline_drift!.toFixed(4)}`).join(", ")}`);
    printViolations(
        ctx.io,
        res.violations.violations.map((v) => ({ name: v.feature_name, check: v.constraint_check_type, description: v.description })),
    );
    await out.finish(o.get("kms-key-id"));
    return res.violations.violations.length > 0 && o.flag("fail-on-violations") ? 1 : 0;
}

async function cmdModelQuality(p: ParsedCli, ctx: Ctx): Promise<number> {
    const o = new Opts(p);
    const from = o.date("from");
    const to = o.date("to");
    const capArg = o.need("capture", "capture folder | s3://...");
    const gtArg = o.need("ground-truth", "ground-truth folder | s3://...");
    const outArg = o.need("out", "dir | s3://...");
    const cap = await ctx.input("capture", capArg, { from, to });
    const gt = await ctx.input("ground-truth", gtArg);
    const baseArg = o.get("baseline");
    let constraints: ModelQualityConstraints | undefined;
    if (baseArg) {
        const local = await ctx.input("baseline", baseArg);
        const file = fs.statSync(local).isDirectory() ? path.join(local, "constraints.json") : local;
        if (!fs.existsSync(file))
            throw new CliError(
                `--baseline ${baseArg}`,
                "has no constraints.json",
                "pass the model-quality constraints.json (evaluate step: monitoring bucket model-quality/baseline/)",
            );
        constraints = await readServiceJson<ModelQualityConstraints>(file);
        if (!constraints?.binary_classification_constraints)
            throw new CliError(
                `--baseline ${baseArg}`,
                "is not a model-quality constraints file (no binary_classification_constraints)",
                "pass the model-quality baseline constraints.json, not the data-quality one",
            );
    }
    const endpoint = o.get("endpoint") ?? path.basename(path.resolve(isS3(capArg) ? parseS3Uri(capArg).key.replace(/\/+$/, "") || "endpoint" : capArg));
    const schedule = o.get("schedule") ?? "model-quality";
    const time = o.date("run-time") ?? new Date();
    const pa = o.get("probability-attribute");
    let res;
    try {
        res = await runModelQualityMonitor({
            captureSource: cap,
            groundTruthSource: gt,
            from,
            to,
            constraints,
            dimensions: { endpoint, schedule },
            probabilityThreshold: o.number("probability-threshold"),
            probabilityAttribute: pa === undefined ? undefined : /^\d+$/.test(pa) ? Number(pa) : pa,
            evaluationTime: time,
        });
    } catch (e) {
        throw new CliError(
            `--capture ${capArg} / --ground-truth ${gtArg}`,
            (e as Error).message.replace(/\.$/, ""),
            "write ground truth with eventMetadata.eventId = the inference id used when invoking the endpoint",
        );
    }
    const out = ctx.output(outArg);
    const dir = path.join(out.dir, ...reportPrefix(endpoint, schedule, time).split("/"));
    await writeFileAtomic(path.join(dir, "statistics.json"), formatServiceJson(res.statistics));
    if (res.violations) await writeFileAtomic(path.join(dir, "constraint_violations.json"), formatServiceJson({ violations: res.violations.violations }));
    if (res.emf?.lines.length) await writeFileAtomic(path.join(dir, "cloudwatch_metrics.jsonl"), res.emf.lines.join("\n") + "\n");
    await writeFileAtomic(path.join(dir, "merge_report.json"), JSON.stringify(res.mergeReport, null, 2));
    const metricsFile = o.get("metrics-file");
    if (metricsFile && res.emf?.lines.length) fs.appendFileSync(metricsFile, res.emf.lines.join("\n") + "\n");
    const m = res.statistics.binary_classification_metrics;
    ctx.io.out(
        `model-quality: ${res.statistics.dataset.item_count} joined rows; auc ${m.auc.value}, accuracy ${m.accuracy.value}, f1 ${m.f1.value}; ${res.violations?.violations.length ?? 0} violation(s)`,
    );
    printViolations(
        ctx.io,
        (res.violations?.violations ?? []).map((v) => ({ name: v.metric_name, check: v.constraint_check_type, description: v.description })),
    );
    await out.finish(o.get("kms-key-id"));
    return (res.violations?.violations.length ?? 0) > 0 && o.flag("fail-on-violations") ? 1 : 0;
}

/** `sex=Female`, `sex=Female,Other`, `age<40`, `age>=65`. */
export function parseFacet(s: string): FacetSpec {
    const m = /^([^=<>]+?)\s*(<=|>=|<|>|=)\s*(.+)$/.exec(s.trim());
    if (!m) throw new CliError(`--facet ${s}`, "is not column=value or column<number", 'e.g. --facet sex=Female or --facet "age<40"');
    const [, column, op, rhs] = m;
    if (op === "=") return { column, values: rhs.split(",").map((x) => x.trim()) };
    const t = Number(rhs);
    if (!Number.isFinite(t)) throw new CliError(`--facet ${s}`, `threshold "${rhs}" is not a number`, 'e.g. --facet "age<40"');
    return { column, threshold: t, comparison: op as "<" | "<=" | ">" | ">=" };
}

async function cmdBias(p: ParsedCli, ctx: Ctx): Promise<number> {
    const o = new Opts(p);
    const facets = o.all("facet").map(parseFacet);
    if (!facets.length) throw new CliError("--facet", "is required", "pass at least one facet, e.g. --facet sex=Female");
    const outArg = o.need("out", "dir | s3://...");
    const out = ctx.output(outArg);
    const capArg = o.get("capture");
    let analysis;
    let rowsUsed: number;
    if (capArg) {
        const cap = await ctx.input("capture", capArg);
        const gt = await ctx.input("ground-truth", o.need("ground-truth", "ground-truth folder"));
        const columns = o
            .need("columns", "comma-separated feature names of the captured CSV rows")
            .split(",")
            .map((s) => s.trim());
        const res = await runModelBiasMonitor({
            captureSource: cap,
            groundTruthSource: gt,
            featureNames: columns,
            config: { facets, groupColumn: o.get("group"), probabilityThreshold: o.number("probability-threshold") ?? 0.5 },
        });
        analysis = res.analysis;
        rowsUsed = res.rowsUsed;
    } else {
        const dsArg = o.need("dataset", "csv file | s3://...");
        const ds = await ctx.input("dataset", dsArg);
        const label = o.need("label", "label column");
        const header = (o.get("header") ?? "true") !== "false";
        const rows: Record<string, Scalar>[] = [];
        for await (const r of readCsvRows(ds, { header })) {
            if (!r.names) throw new CliError(`--dataset ${dsArg}`, "has no header row", "bias needs column names: use a CSV with a header row");
            const rec: Record<string, Scalar> = {};
            r.names.forEach((n, i) => (rec[n] = r.values[i] as Scalar));
            rows.push(rec);
        }
        if (!rows.length) throw new CliError(`--dataset ${dsArg}`, "has no data rows", "pass a CSV with a header and rows");
        if (!(label in rows[0]))
            throw new CliError(`--label ${label}`, `is not a column of ${dsArg} (columns: ${Object.keys(rows[0]).join(", ")})`, "fix the label column name");
        let spec: LabelSpec;
        const lv = o.get("label-value");
        if (lv !== undefined) spec = { values: lv.split(",").map((s) => s.trim()) };
        else {
            const pos = choosePositiveLabel(rows, label);
            if ("distinct" in pos) {
                throw new CliError(
                    `--label ${label}`,
                    `has ${pos.distinct.length} distinct values (${pos.distinct.slice(0, 6).join(", ")}), so the positive outcome cannot be chosen`,
                    'pass --label-value <value[,value]> (e.g. ">50K,>50K.")',
                );
            }
            spec = { values: [pos.value] };
            ctx.io.out(`bias: positive label ${label}=${pos.value} (the ${pos.why}; --label-value to choose)`);
        }
        for (const f of facets)
            if (!(f.column in rows[0]))
                throw new CliError(`--facet ${f.column}`, `is not a column of ${dsArg}`, `use one of ${Object.keys(rows[0]).join(", ")}`);
        const pc = o.get("predicted-column");
        const res = computeBiasReport(rows, {
            labelColumn: label,
            label: spec,
            facets,
            groupColumn: o.get("group"),
            predictedColumn: pc,
            probabilityThreshold: pc ? o.number("probability-threshold") : undefined,
        });
        analysis = res.report;
        rowsUsed = res.rowsUsed;
    }
    const endpoint = o.get("endpoint");
    const schedule = o.get("schedule");
    const dir = endpoint && schedule ? path.join(out.dir, ...reportPrefix(endpoint, schedule, new Date()).split("/")) : out.dir;
    await writeFileAtomic(path.join(dir, "analysis.json"), JSON.stringify(analysis, null, 2) + "\n");
    if (endpoint && schedule) {
        const emf = biasMetricsEmf({ endpoint, schedule }, analysis);
        if (emf.lines.length) await writeFileAtomic(path.join(dir, "cloudwatch_metrics.jsonl"), emf.lines.join("\n") + "\n");
    }
    ctx.io.out(`bias: ${rowsUsed} rows; analysis.json in ${path.relative(out.dir, dir) || "."}`);
    for (const [stage, sec] of [
        ["pre", analysis.pre_training_bias_metrics],
        ["post", analysis.post_training_bias_metrics],
    ] as const) {
        if (!sec) continue;
        for (const [facet, entries] of Object.entries(sec.facets)) {
            for (const e of entries)
                ctx.io.out(
                    `  ${stage} ${facet}=${e.value_or_threshold}: ${e.metrics.map((m) => `${m.name}=${m.value === null ? "null" : Number(m.value.toFixed(4))}`).join(" ")}`,
                );
        }
    }
    await out.finish(o.get("kms-key-id"));
    return 0;
}

async function cmdAb(p: ParsedCli, ctx: Ctx): Promise<number> {
    const o = new Opts(p);
    const capArg = o.need("capture", "endpoint capture folder | s3://...");
    const champion = o.need("champion", "champion variant name");
    const from = o.date("from");
    const to = o.date("to");
    const cap = await ctx.input("capture", capArg, { from, to });
    const gtArg = o.get("ground-truth");
    const captured = await readCaptureVariants(cap, { from, to, scores: !gtArg });
    if (!captured.variantByEvent.size)
        throw new CliError(
            `--capture ${capArg}`,
            `holds no capture record under a <variant>/yyyy/mm/dd/hh folder (${captured.stats.files} files, ${captured.noVariant} without a variant folder)`,
            "pass the endpoint folder of the capture tree (<prefix>/<endpoint>/)",
        );
    let records: AbRecord[];
    if (gtArg) {
        const gt = await ctx.input("ground-truth", gtArg);
        const { rows, report } = await mergeCaptureWithGroundTruthFolders(cap, gt, { from, to });
        const ab = abRecordsOf(captured, rows);
        records = ab.records;
        ctx.io.out(`ab: ${report.mergedRows} rows joined with ground truth, ${ab.unlabelled} captures without ground truth`);
    } else records = abRecordsOf(captured).records;
    let analysis;
    try {
        analysis = analyzeAbTest(records, {
            champion,
            probabilityThreshold: o.number("probability-threshold"),
            minRequestsPerVariant: o.number("min-requests"),
            minLabeledPerVariant: o.number("min-labeled"),
        });
    } catch (e) {
        throw new CliError(`--champion ${champion}`, (e as Error).message.replace(/\.$/, ""), "pass the variant name of the current production model");
    }
    delete analysis.skipped.invalid_latency; // capture has no latency: the latency guardrail is not evaluated here
    for (const v of analysis.variants) {
        ctx.io.out(
            `  ${v.variant}: ${v.requests} requests (${(100 * v.trafficShare).toFixed(1)}%), labelled ${v.labeled}${v.auc ? `, AUC ${v.auc.value.toFixed(4)} [${v.auc.lower.toFixed(4)}, ${v.auc.upper.toFixed(4)}]` : ""}${v.accuracy ? `, accuracy ${v.accuracy.value.toFixed(4)}` : ""}`,
        );
    }
    const rec = analysis.recommendation;
    ctx.io.out(
        `recommendation: ${rec.action} weights ${JSON.stringify(Object.fromEntries(Object.entries(rec.weights).map(([k, w]) => [k, Number(w.toFixed(4))])))}`,
    );
    for (const r of rec.reasons) ctx.io.out(`  - ${r}`);
    const outArg = o.get("out");
    if (outArg) {
        const out = ctx.output(outArg);
        await writeFileAtomic(path.join(out.dir, "ab_analysis.json"), JSON.stringify(analysis, null, 2) + "\n");
        await out.finish(o.get("kms-key-id"));
    }
    if (o.flag("apply")) {
        let url = o.get("endpoint-url");
        if (!url) {
            const wd = o.get("workdir");
            const ep = o.get("endpoint");
            if (!wd || !ep)
                throw new CliError(
                    "--apply",
                    "needs the running local endpoint",
                    "pass --workdir <pipeline workdir> --endpoint <name>, or --endpoint-url http://127.0.0.1:<port>",
                );
            const st = readState(path.join(endpointDir(path.resolve(wd)), `${ep}.json`));
            if (!st)
                throw new CliError(
                    `--endpoint ${ep}`,
                    `has no running local endpoint under ${endpointDir(path.resolve(wd))}`,
                    "deploy it first (./build_ml_environment.sh --only deploy)",
                );
            url = st.url ?? `http://${st.host}:${st.port}`;
        }
        const u = new URL(url);
        if (!["127.0.0.1", "localhost", "[::1]", "::1"].includes(u.hostname))
            throw new CliError(`--endpoint-url ${url}`, "is not a loopback address", "the admin route of the local endpoint is served on 127.0.0.1 only");
        if ((await ping(u.hostname.replace(/^\[|\]$/g, ""), Number(u.port))) !== 200)
            throw new CliError(`--endpoint-url ${url}`, "does not answer GET /ping", "start the endpoint (./build_ml_environment.sh --only deploy)");
        if (rec.action === "keep") ctx.io.out("apply: recommendation is keep; weights unchanged");
        else {
            const r = await loopbackRequest(
                url,
                "POST",
                "/admin/weights",
                JSON.stringify({ weights: rec.weights }),
                { "content-type": "application/json" },
                5000,
            );
            if (r.status !== 200)
                throw new CliError(`POST ${url}/admin/weights`, `answered ${r.status}: ${r.body}`, "check the variant names match the endpoint");
            ctx.io.out(`apply: weights now ${JSON.parse(r.body).weights ? JSON.stringify(JSON.parse(r.body).weights) : r.body}`);
        }
    }
    return 0;
}

async function cmdReport(p: ParsedCli, ctx: Ctx): Promise<number> {
    const o = new Opts(p);
    const repArg = o.need("reports", "reports dir | s3://...");
    const outArg = o.need("out", "report.html | s3://.../report.html");
    const reports = await ctx.input("reports", repArg);
    const baseArg = o.get("baseline");
    let baseline: string | undefined;
    if (baseArg) {
        const b = await ctx.input("baseline", baseArg);
        baseline = fs.statSync(b).isDirectory() ? path.join(b, "statistics.json") : b;
        if (!fs.existsSync(baseline))
            throw new CliError(`--baseline ${baseArg}`, "has no statistics.json", "pass the data-quality baseline folder or its statistics.json");
    }
    let input;
    try {
        input = await collectMonitoringReports(reports, { baselineStatistics: baseline, title: o.get("title") });
    } catch (e) {
        throw new CliError(
            `--reports ${repArg}`,
            (e as Error).message.replace(/^monitoring report: /, "").replace(/\.$/, ""),
            'pass the --out folder of "monitor analyze" / "model-quality"',
        );
    }
    let file = outArg;
    let up: { dir: string; finish: (k?: string) => Promise<string[]> } | undefined;
    if (isS3(outArg)) {
        const { bucket, key } = parseS3Uri(outArg);
        up = ctx.output(`s3://${bucket}/${path.posix.dirname(key) === "." ? "" : path.posix.dirname(key)}`);
        file = path.join(up.dir, path.posix.basename(key));
    }
    const res = await writeMonitoringReport(input, file);
    ctx.io.out(`report: ${res.sections.join(", ")}; ${res.charts} charts, ${res.violations} violation(s), ${res.bytes} bytes -> ${outArg}`);
    if (up) await up.finish(o.get("kms-key-id"));
    return 0;
}

const COMMANDS: Record<string, (p: ParsedCli, ctx: Ctx) => Promise<number>> = {
    baseline: cmdBaseline,
    analyze: cmdAnalyze,
    "model-quality": cmdModelQuality,
    bias: cmdBias,
    ab: cmdAb,
    report: cmdReport,
};

const STDIO: MonitorIo = { out: (l) => process.stdout.write(l + "\n"), err: (l) => process.stderr.write(l + "\n") };

/**
 * Runs the CLI in-process; resolves to the exit code. Bad usage is answered by the shared CLI layer; without any
 * argument the help goes to stderr (exit 2); an unusable input or a failed command prints
 * `error: monitor <command>: <input>: <problem>. Fix: <fix>` (exit 2).
 */
export async function runCli(argv: string[], io: MonitorIo = STDIO): Promise<number> {
    if (argv.length === 0) {
        io.err(formatHelp(SPEC));
        return 2;
    }
    const ctx = new Ctx(io);
    try {
        return await withCli(
            SPEC,
            argv,
            async (p) => {
                try {
                    return await COMMANDS[p.command!](p, ctx);
                } catch (e) {
                    io.err(`error: monitor ${p.command}: ${(e as Error).message}`);
                    return 2;
                }
            },
            io,
        );
    } finally {
        ctx.cleanup();
    }
}

if (require.main === module) {
    runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
