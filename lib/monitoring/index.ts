/**
 * Data-quality monitoring, file-compatible with SageMaker Model Monitor.
 *
 *   const { statistics, constraints } = await suggestBaseline(readCsvRows('train.csv', { header: true }), { outputDir: 'baseline' });
 *   const res = await analyze({
 *     baselineStatistics: 'baseline/statistics.json', baselineConstraints: 'baseline/constraints.json',
 *     current: readCaptureRows('capture/my-endpoint'), outputRoot: 'out', endpoint: 'my-endpoint', schedule: 'hourly',
 *   });
 *   // out/reports/my-endpoint/hourly/yyyy/mm/dd/hh/{statistics.json, constraint_violations.json, drift_report.{json,csv}, cloudwatch_metrics.jsonl}
 *
 * Everything streams: memory is flat in the number of rows.
 */
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { reportPrefix } from "../../contracts/s3-layout";
import { parseCsvPayload, readCaptureRows, type CellValue, type DecodedRow, type ReadCaptureRowsOptions } from "./capture";
import { checkConstraints, type CheckResult, type ColumnFacts, type FeatureDriftRow } from "./dataquality/checks";
import { formatServiceJson, readServiceJson, writeFileAtomic } from "./dataquality/json";
import { DatasetProfiler, type ProfilerOptions } from "./dataquality/profile";
import { suggestConstraints, type SuggestOptions } from "./dataquality/suggest";
import type { ConstraintsFile, StatisticsFile } from "./dataquality/types";
import { dataQualityEmfLines } from "./emf";

export * from "./capture";
export * from "./emf";
export * from "./dataquality/types";
export {
    DatasetProfiler,
    ColumnProfile,
    classifyCell,
    inferType,
    isCanonicalNumberText,
    paddedDecimalDigits,
    paddedText,
    NumCountTable,
    PARTIAL_PROFILE_FORMAT,
    type PartialProfile,
    type PartialColumn,
    type ProfilerOptions,
} from "./dataquality/profile";
export { suggestConstraints, mergeMonitoringConfig, type SuggestOptions } from "./dataquality/suggest";
export { checkConstraints, type CheckInput, type CheckResult, type ColumnFacts, type FeatureDriftRow } from "./dataquality/checks";
export { formatServiceJson, parseServiceJson, readServiceJson, writeFileAtomic } from "./dataquality/json";
export { KllSketch, SERVICE_KLL_C, SERVICE_KLL_K, SERVICE_KLL_BUCKETS, type KllSketchJson, type KllBucket } from "./sketch/kll";
export * as drift from "./drift";

/** A row: plain cells (positional) or a decoded capture row (with optional column names). */
export type RowInput = readonly CellValue[] | DecodedRow;
export type RowSource = Iterable<RowInput> | AsyncIterable<RowInput>;

export interface CsvReadOptions {
    /** First record holds column names (default false → `_c0`, `_c1`, ... as the service). */
    header?: boolean;
    delimiter?: string;
}

/**
 * Stream rows of a local CSV file: cells trimmed (so "a, b" works), blank lines skipped, ragged rows
 * allowed, RFC-4180 quotes (including quoted newlines). Lines without quotes take a plain split fast path.
 */
export async function* readCsvRows(file: string, opts: CsvReadOptions = {}): AsyncGenerator<DecodedRow> {
    if (!fs.existsSync(file)) throw new Error(`readCsvRows: ${file} does not exist; pass the path of a CSV file.`);
    const delim = opts.delimiter ?? ",";
    if (delim.length !== 1) throw new Error(`readCsvRows: delimiter "${delim}" must be one character (cells are trimmed, so ", " needs only ",").`);
    const rl = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
    let names: string[] | undefined;
    let pending: string | undefined;
    let pendingLine = 0;
    let lineNo = 0;
    const quotes = (t: string): number => {
        let q = 0;
        for (let i = t.indexOf('"'); i >= 0; i = t.indexOf('"', i + 1)) q++;
        return q;
    };
    for await (const line of rl) {
        lineNo++;
        let text = line;
        if (pending !== undefined) text = `${pending}\n${line}`;
        else pendingLine = lineNo;
        if (text.includes('"') && quotes(text) % 2 === 1) {
            pending = text;
            continue;
        }
        pending = undefined;
        if (text.trim() === "") continue;
        const raw = text.includes('"') ? (parseCsvPayload(text, delim)[0] ?? []) : text.split(delim);
        const rec = raw.map((c) => c.trim());
        if (opts.header && !names) {
            names = rec;
            continue;
        }
        if (!names) yield { values: rec };
        else if (rec.length === names.length) yield { values: rec, names };
        else yield { values: rec, names: rec.map((_, i) => names![i] ?? `_c${i}`) };
    }
    if (pending !== undefined) {
        throw new Error(`readCsvRows: ${file} line ${pendingLine}: quoted field never closed; fix the quoting or the file is truncated.`);
    }
}

export interface OpenDatasetOptions extends CsvReadOptions, ReadCaptureRowsOptions {
    /** 'auto' (default): a folder or *.jsonl → data capture; anything else → CSV. */
    format?: "auto" | "csv" | "capture";
}

/**
 * Rows of a local dataset for the CLI: a CSV file, a capture file, or a capture folder tree
 * (`<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl`). Capture problems are counted in `opts.stats`.
 */
export function openDataset(source: string, opts: OpenDatasetOptions = {}): AsyncGenerator<DecodedRow> {
    let format = opts.format ?? "auto";
    if (format === "auto") {
        let isDir: boolean;
        try {
            isDir = fs.statSync(source).isDirectory();
        } catch {
            throw new Error(`openDataset: ${source} does not exist; pass a CSV file, a capture .jsonl file or a capture folder.`);
        }
        format = isDir || source.endsWith(".jsonl") ? "capture" : "csv";
    }
    return format === "capture" ? readCaptureRows(source, opts) : readCsvRows(source, opts);
}

/** Profile a row stream. */
export async function profileRows(rows: RowSource, opts: ProfilerOptions = {}, profiler = new DatasetProfiler(opts)): Promise<DatasetProfiler> {
    for await (const r of rows as AsyncIterable<RowInput>) {
        if (Array.isArray(r)) profiler.addRow(r as CellValue[]);
        else {
            const d = r as DecodedRow;
            profiler.addRow(d.values, d.names);
        }
    }
    return profiler;
}

export interface SuggestBaselineOptions extends ProfilerOptions, SuggestOptions {
    /** When set, statistics.json and constraints.json are written there (atomically). */
    outputDir?: string;
}

export interface BaselineResult {
    statistics: StatisticsFile;
    constraints: ConstraintsFile;
    files?: { statistics: string; constraints: string };
}

/** Baseline job: profile rows → statistics.json + suggested constraints.json. */
export async function suggestBaseline(rows: RowSource | DatasetProfiler, opts: SuggestBaselineOptions = {}): Promise<BaselineResult> {
    const profiler = rows instanceof DatasetProfiler ? rows : await profileRows(rows, opts);
    if (profiler.rows === 0) throw new Error("suggestBaseline: the input has no rows; check the dataset path and format.");
    const statistics = profiler.toStatistics();
    const constraints = suggestConstraints(statistics, opts);
    const out: BaselineResult = { statistics, constraints };
    if (opts.outputDir) {
        const s = path.join(opts.outputDir, "statistics.json");
        const c = path.join(opts.outputDir, "constraints.json");
        await writeFileAtomic(s, formatServiceJson(statistics));
        await writeFileAtomic(c, formatServiceJson(constraints));
        out.files = { statistics: s, constraints: c };
    }
    return out;
}

export interface AnalyzeOptions {
    /** Baseline statistics (object or path to statistics.json); needed for the drift check. */
    baselineStatistics?: StatisticsFile | string;
    /** Baseline constraints (object or path to constraints.json). */
    baselineConstraints: ConstraintsFile | string;
    /** Current data: rows, a profiler already fed, or a statistics object computed elsewhere. */
    current: RowSource | DatasetProfiler | StatisticsFile;
    /** Profiler options for current data; column names default to the baseline's feature names. */
    profiler?: ProfilerOptions;
    /** Root folder; the report goes to `<outputRoot>/reports/<endpoint>/<schedule>/yyyy/mm/dd/hh/`. */
    outputRoot?: string;
    endpoint?: string;
    schedule?: string;
    /** Time of the run (hour partition of the report and EMF timestamp). Default now. */
    time?: Date;
}

export interface AnalyzeResult extends CheckResult {
    statistics: StatisticsFile;
    emfLines: string[];
    reportDir?: string;
}

async function loadJson<T>(v: T | string): Promise<T> {
    return typeof v === "string" ? readServiceJson<T>(v) : v;
}

/** Report folder of a monitoring execution, reports/<endpoint>/<schedule>/yyyy/mm/dd/hh: the S3 layout (contracts/s3-layout.ts). */
export { reportPrefix };

function isStatisticsFile(x: unknown): x is StatisticsFile {
    return (
        !!x &&
        typeof x === "object" &&
        !(Symbol.asyncIterator in (x as object)) &&
        !(Symbol.iterator in (x as object)) &&
        Array.isArray((x as StatisticsFile).features) &&
        !!(x as StatisticsFile).dataset
    );
}

export const DRIFT_REPORT_COLUMNS = [
    "feature_name",
    "inferred_type",
    "completeness",
    "baseline_drift",
    "drift_method",
    "linf",
    "linf_robust",
    "ks_statistic",
    "ks_pvalue",
    "wasserstein",
    "psi",
    "jensen_shannon",
    "chi_square_statistic",
    "chi_square_pvalue",
    "chi_square_dof",
    "rank_error_bound",
] as const;

/** One CSV row per feature with the service's drift distance plus the extra drift statistics (empty = not applicable). */
export function driftReportCsv(rows: FeatureDriftRow[]): string {
    const esc = (v: unknown): string => {
        if (v === undefined || v === null || (typeof v === "number" && Number.isNaN(v))) return "";
        const s = String(v);
        return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = [DRIFT_REPORT_COLUMNS.join(",")];
    for (const r of rows) {
        const flat: Record<string, unknown> = { ...r, ...(r.numeric ?? {}), ...(r.categorical ?? {}) };
        lines.push(DRIFT_REPORT_COLUMNS.map((c) => esc(flat[c])).join(","));
    }
    return lines.join("\n") + "\n";
}

/** Monitoring execution: profile current data, check against the baseline, write the report. */
export async function analyze(o: AnalyzeOptions): Promise<AnalyzeResult> {
    const constraints = await loadJson<ConstraintsFile>(o.baselineConstraints);
    const baseStats = o.baselineStatistics === undefined ? undefined : await loadJson<StatisticsFile>(o.baselineStatistics);
    let statistics: StatisticsFile;
    let facts: Map<string, ColumnFacts> | undefined;
    if (isStatisticsFile(o.current)) {
        statistics = o.current;
    } else {
        const profiler =
            o.current instanceof DatasetProfiler
                ? o.current
                : await profileRows(o.current as RowSource, {
                      ...o.profiler,
                      columnNames: o.profiler?.columnNames ?? constraints.features.map((f) => f.name),
                  });
        // baseline columns that no current row carried are missing columns, not empty ones
        statistics = profiler.toStatistics(true);
        facts = new Map(
            profiler.columns.map((c) => [
                c.name,
                { present: c.present, missing: c.missing, integral: c.integral, fractional: c.fractional, boolean: c.boolean, string: c.string },
            ]),
        );
    }
    const res = checkConstraints({ baselineConstraints: constraints, baselineStatistics: baseStats, currentStatistics: statistics, currentFacts: facts });
    const time = o.time ?? new Date();
    const emfLines =
        res.emitMetrics && o.endpoint !== undefined && o.schedule !== undefined
            ? dataQualityEmfLines({ endpoint: o.endpoint, schedule: o.schedule }, res.metrics, time)
            : res.emitMetrics && o.schedule !== undefined
              ? dataQualityEmfLines({ schedule: o.schedule }, res.metrics, time)
              : [];
    const out: AnalyzeResult = { ...res, statistics, emfLines };
    if (o.outputRoot) {
        if (!o.endpoint || !o.schedule) {
            throw new Error(
                "analyze: outputRoot given without endpoint and schedule; pass both so the report can be placed under reports/<endpoint>/<schedule>/.",
            );
        }
        const dir = path.join(o.outputRoot, ...reportPrefix(o.endpoint, o.schedule, time).split("/"));
        await writeFileAtomic(path.join(dir, "statistics.json"), formatServiceJson(statistics));
        await writeFileAtomic(path.join(dir, "constraint_violations.json"), formatServiceJson(res.violations));
        await writeFileAtomic(path.join(dir, "drift_report.json"), JSON.stringify({ features: res.drift }, null, 2));
        await writeFileAtomic(path.join(dir, "drift_report.csv"), driftReportCsv(res.drift));
        if (emfLines.length) await writeFileAtomic(path.join(dir, "cloudwatch_metrics.jsonl"), emfLines.join("\n") + "\n");
        out.reportDir = dir;
    }
    return out;
}
