/**
 * Data preparation: parse → clean → validate → dedupe → stratified split →
 * atomic Parquet + CSV outputs with sha256 lineage and a data-quality report.
 */
import { mulberry32 } from "../common/random";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { runQuery, sqlIdent, sqlString, withDuckDb } from "./duck";
import { sha256, sha256File, splitDelimited, tmpPathFor, toCsv, writeFileAtomic } from "./io";
import { ADULT_SCHEMA, ColumnSpec, DatasetSchema, headerOf } from "./schema";

export type Cell = string | number | null;
/** One cleaned row: feature columns (number | string | null) + numeric label (+ record_id/event_time once prepared). */
export type DataRow = Record<string, Cell>;

/** Reasons a row is dropped. Every dropped row is counted under exactly one (the first failing check). */
export const DROP_REASONS = [
    "malformed_row", // wrong column count / unparseable line
    "non_utf8", // line contains bytes that are not valid UTF-8
    "type_coercion", // value cannot be coerced to the declared integer/number type
    "out_of_range", // numeric value outside the schema's [min, max]
    "missing_required", // missing value in a non-nullable column
    "unknown_label", // label missing or not in the label mapping
    "duplicate", // exact duplicate (after cleaning) of an earlier row in the same file
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface RowIssue {
    file: string;
    /** 1-based physical line number (the header is line 1). */
    line: number;
    reason: DropReason | "unknown_category";
    column?: string;
    detail: string;
}

export interface FileQuality {
    file: string;
    bytes: number;
    sha256: string;
    /** Non-blank lines after the header (each is a candidate row). */
    dataLines: number;
    /** Blank lines skipped (e.g. adult.data's trailing empty line); not counted as dropped rows. */
    blankLines: number;
    rowsKept: number;
    rowsDropped: number;
    dropped: Record<DropReason, number>;
    repaired: {
        /** Per column: missing tokens (`?`, empty) mapped to NULL in kept rows. */
        missingToNull: Record<string, number>;
        /** Kept rows with at least one NULL. */
        rowsWithMissing: number;
        /** Labels whose suffix (Adult test: trailing '.') was stripped before mapping. */
        labelSuffixStripped: number;
    };
    /** Per categorical column: kept values outside the schema's documented domain. */
    unknownCategory: Record<string, number>;
    /** First issues found (capped), for debugging. */
    examples: RowIssue[];
}

export interface SplitSummary {
    rows: number;
    positives: number;
    positiveRate: number;
}

export interface OutputFile {
    split: SplitName;
    format: "parquet" | "csv";
    /** Path relative to the output folder. */
    path: string;
    rows: number;
    bytes: number;
    sha256: string;
}

export type SplitName = "train" | "validation" | "test";

export interface DataQualityReport {
    dataset: string;
    generatedAt: string;
    parameters: { validationFraction: number; seed: number; eventTime: string };
    inputs: { train: FileQuality; test: FileQuality };
    totals: {
        dataLines: number;
        rowsKept: number;
        rowsDropped: number;
        dropped: Record<DropReason, number>;
        missingToNull: Record<string, number>;
        unknownCategory: Record<string, number>;
    };
    /** Rows of the test file identical (features + label) to a row of the train file; kept, reported only. */
    trainTestOverlap: number;
    splits: Record<SplitName, SplitSummary>;
    columns: { name: string; type: string }[];
    outputs: OutputFile[];
}

export interface PrepareOptions {
    /** Output folder (created if missing). */
    outDir: string;
    /** Training source; default `data/adult/adult.data` of this repo. Split into train/validation. */
    trainFile?: string;
    /** Test source; default `data/adult/adult.test`. Becomes the `test` split unchanged (apart from cleaning). */
    testFile?: string;
    schema?: DatasetSchema;
    /** Fraction of each label class that goes to validation (default 0.2). */
    validationFraction?: number;
    /** PRNG seed for the split (default 42). Same seed + same input → identical outputs. */
    seed?: number;
    /** Value of the `event_time` column (ISO-8601). Default 2026-01-01T00:00:00.000Z (fixed, so outputs are reproducible). */
    eventTime?: string | Date;
    /** Output formats (default both). */
    formats?: ("parquet" | "csv")[];
    /** Console summary sink (default console.log). Pass `() => {}` to silence. */
    log?: (line: string) => void;
    /**
     * Largest fraction of a file's data rows that may be dropped (default 0.01 = 1 %); above it prepare fails with the
     * counts per reason and the first file:line examples instead of training on what is left. 1 disables the check.
     */
    maxDropRate?: number;
    /** Names to use in messages and the report instead of the paths read (e.g. the user's file, not a working copy). */
    displayNames?: { train?: string; test?: string };
}

export interface PrepareResult {
    report: DataQualityReport;
    reportPath: string;
    train: DataRow[];
    validation: DataRow[];
    test: DataRow[];
}

/** An unusable input: names the file, the problem and the fix. */
export class DataPrepError extends Error {
    constructor(
        readonly file: string,
        readonly problem: string,
        readonly fix: string,
    ) {
        super(`${file}: ${problem}. Fix: ${fix}`);
        this.name = "DataPrepError";
    }
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const DEFAULT_ADULT_TRAIN = path.join(REPO_ROOT, "data", "adult", "adult.data");
export const DEFAULT_ADULT_TEST = path.join(REPO_ROOT, "data", "adult", "adult.test");
export const DEFAULT_EVENT_TIME = "2026-01-01T00:00:00.000Z";
export const QUALITY_REPORT_FILE = "data-quality-report.json";
const MAX_EXAMPLES = 25;

function zeroDropped(): Record<DropReason, number> {
    return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
}

export interface ParseOptions {
    /** Prefix of record ids (e.g. 'data' / 'test'); record_id = `<tag>-<16 hex of sha256(row)>`. */
    sourceTag: string;
    maxExamples?: number;
    /** Name used in messages and the report instead of the path read. */
    displayName?: string;
}

export const DEFAULT_MAX_DROP_RATE = 0.01;

/**
 * Throws a DataPrepError when more than `maxDropRate` of a file's data rows were dropped: counts per reason and the
 * first `file:line` examples, so the problem is visible on the console and not only in the JSON report.
 */
export function checkDropRate(q: FileQuality, maxDropRate: number, nExamples = 5): void {
    if (q.dataLines === 0 || q.rowsDropped / q.dataLines <= maxDropRate) return;
    const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 ? 2 : 1)} %`;
    const reasons = Object.entries(q.dropped)
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${r} ${n}`)
        .join(", ");
    const examples = q.examples
        .filter((e) => e.reason !== "unknown_category")
        .slice(0, nExamples)
        .map((e) => `\n    ${e.file}:${e.line}: ${e.reason}${e.column ? ` (${e.column})` : ""}: ${e.detail}`)
        .join("");
    const err = new DataPrepError(
        q.file,
        `${q.rowsDropped} of ${q.dataLines} rows (${pct(q.rowsDropped / q.dataLines)}) were dropped, more than the maximum drop rate ${pct(maxDropRate)} (by reason: ${reasons})`,
        "repair the input (see the first examples below), or raise the limit with --max-drop-rate <percent> or mlplatform:pipeline.maxDropRatePercent when the drops are expected",
    );
    err.message += `\n  first examples:${examples}`;
    throw err;
}

export interface ParseResult {
    rows: DataRow[];
    /** Dedup keys (canonical JSON of features + label), aligned with rows. */
    keys: string[];
    quality: FileQuality;
}

/** Parse, clean and validate one raw file. Throws DataPrepError for unusable files. */
export function parseFile(file: string, schema: DatasetSchema, opts: ParseOptions): ParseResult {
    if (!fs.existsSync(file)) {
        throw new DataPrepError(file, "file not found", "pass the path of an existing file (check the working directory and spelling)");
    }
    return parseBuffer(fs.readFileSync(file), opts.displayName ?? file, schema, opts);
}

const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

/** Split a buffer into lines, decoding each; lines with invalid UTF-8 become `null`. */
function decodeLines(buf: Buffer): (string | null)[] {
    let start = 0;
    if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3; // BOM
    const body = buf.subarray(start);
    let lines: (string | null)[];
    try {
        lines = utf8Fatal
            .decode(body)
            .split("\n")
            .map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
    } catch {
        lines = [];
        let s = 0;
        for (let i = 0; i <= body.length; i++) {
            if (i === body.length || body[i] === 0x0a) {
                try {
                    const l = utf8Fatal.decode(body.subarray(s, i));
                    lines.push(l.endsWith("\r") ? l.slice(0, -1) : l);
                } catch {
                    lines.push(null);
                }
                s = i + 1;
            }
        }
    }
    // A final newline terminates the last line; it does not start an empty one.
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    return lines;
}

function checkHeader(first: string | null, file: string, schema: DatasetSchema): void {
    const expected = headerOf(schema);
    const fix = `make the first line the header "${expected.join(",")}"`;
    if (first === null) throw new DataPrepError(file, "the header line (line 1) is not valid UTF-8", `re-encode the file as UTF-8 and ${fix}`);
    const got = splitDelimited(first, schema.delimiter).map((f) => f.trim());
    if (got.length === expected.length && got.every((g, i) => g === expected[i])) return;
    const known = new Set(expected);
    if (!got.some((g) => known.has(g))) {
        throw new DataPrepError(file, `no header line: line 1 is "${first.slice(0, 80)}"`, `insert the header "${expected.join(",")}" as the first line`);
    }
    const gotSet = new Set(got);
    const missing = expected.filter((e) => !gotSet.has(e));
    const unexpected = got.filter((g) => !known.has(g));
    const parts: string[] = [];
    if (missing.length) parts.push(`missing column(s) ${missing.join(", ")}`);
    if (unexpected.length) parts.push(`unexpected column(s) ${unexpected.join(", ")}`);
    if (!parts.length) parts.push("columns are in the wrong order");
    throw new DataPrepError(file, `wrong header (${parts.join("; ")}): got "${got.join(",")}"`, fix);
}

/** Parse, clean and validate raw bytes (`file` is only used for messages). */
export function parseBuffer(buf: Buffer, file: string, schema: DatasetSchema, opts: ParseOptions): ParseResult {
    const maxExamples = opts.maxExamples ?? MAX_EXAMPLES;
    if (buf.length === 0 || buf.toString("latin1").trim() === "") {
        throw new DataPrepError(
            file,
            "the file is empty",
            `supply a file whose first line is the header "${headerOf(schema).join(",")}" followed by data rows`,
        );
    }
    const lines = decodeLines(buf);
    checkHeader(lines[0], file, schema);

    const cols = schema.columns;
    const nFields = cols.length + 1;
    const label = schema.label;
    const missingTokens = new Set(schema.missingTokens);
    const domains = cols.map((c) => (c.values ? new Set(c.values) : null));

    const quality: FileQuality = {
        file,
        bytes: buf.length,
        sha256: createHash("sha256").update(buf).digest("hex"),
        dataLines: 0,
        blankLines: 0,
        rowsKept: 0,
        rowsDropped: 0,
        dropped: zeroDropped(),
        repaired: { missingToNull: Object.fromEntries(cols.map((c) => [c.name, 0])), rowsWithMissing: 0, labelSuffixStripped: 0 },
        unknownCategory: Object.fromEntries(cols.filter((c) => c.type === "categorical").map((c) => [c.name, 0])),
        examples: [],
    };
    const issue = (line: number, reason: RowIssue["reason"], detail: string, column?: string) => {
        if (quality.examples.length < maxExamples) quality.examples.push({ file, line, reason, ...(column ? { column } : {}), detail });
    };
    const drop = (line: number, reason: DropReason, detail: string, column?: string) => {
        quality.dropped[reason]++;
        quality.rowsDropped++;
        issue(line, reason, detail, column);
    };

    const rows: DataRow[] = [];
    const keys: string[] = [];
    const seen = new Map<string, number>(); // dedup key → line of the first occurrence
    const values: Cell[] = new Array(cols.length);

    lineLoop: for (let li = 1; li < lines.length; li++) {
        const lineNo = li + 1;
        const text = lines[li];
        if (text === null) {
            quality.dataLines++;
            drop(lineNo, "non_utf8", "line contains bytes that are not valid UTF-8");
            continue;
        }
        if (text.trim() === "") {
            quality.blankLines++;
            continue;
        }
        quality.dataLines++;
        const fields = splitDelimited(text, schema.delimiter);
        if (fields.length !== nFields) {
            drop(lineNo, "malformed_row", `expected ${nFields} fields, found ${fields.length}`);
            continue;
        }
        for (let c = 0; c < cols.length; c++) {
            const spec: ColumnSpec = cols[c];
            const raw = fields[c].trim();
            if (missingTokens.has(raw)) {
                if (!spec.nullable) {
                    drop(lineNo, "missing_required", `missing value in non-nullable column ${spec.name}`, spec.name);
                    continue lineLoop;
                }
                values[c] = null;
                continue;
            }
            if (spec.type === "categorical") {
                values[c] = raw;
                continue;
            }
            const ok = spec.type === "integer" ? /^[+-]?\d+$/.test(raw) : raw !== "" && Number.isFinite(Number(raw));
            if (!ok) {
                drop(lineNo, "type_coercion", `${spec.name}="${raw.slice(0, 40)}" is not ${spec.type === "integer" ? "an integer" : "a number"}`, spec.name);
                continue lineLoop;
            }
            const n = Number(raw);
            if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
                drop(lineNo, "out_of_range", `${spec.name}=${n} outside [${spec.min ?? "-inf"}, ${spec.max ?? "inf"}]`, spec.name);
                continue lineLoop;
            }
            values[c] = n;
        }
        let rawLabel = fields[cols.length].trim();
        let stripped = false;
        if (label.stripSuffix && rawLabel.endsWith(label.stripSuffix)) {
            rawLabel = rawLabel.slice(0, -label.stripSuffix.length);
            stripped = true;
        }
        const y = Object.prototype.hasOwnProperty.call(label.mapping, rawLabel) ? label.mapping[rawLabel] : undefined;
        if (y === undefined) {
            drop(
                lineNo,
                "unknown_label",
                `label "${fields[cols.length].trim().slice(0, 40)}" not in {${Object.keys(label.mapping).join(", ")}}`,
                label.sourceColumn,
            );
            continue;
        }
        const key = JSON.stringify([...values, y]);
        const firstLine = seen.get(key);
        if (firstLine !== undefined) {
            drop(lineNo, "duplicate", `exact duplicate (after cleaning) of line ${firstLine}`);
            continue;
        }
        seen.set(key, lineNo);
        if (stripped) quality.repaired.labelSuffixStripped++;
        const row: DataRow = { record_id: `${opts.sourceTag}-${sha256(key).slice(0, 16)}` };
        let anyMissing = false;
        for (let c = 0; c < cols.length; c++) {
            const v = values[c];
            row[cols[c].name] = v;
            if (v === null) {
                anyMissing = true;
                quality.repaired.missingToNull[cols[c].name]++;
            } else if (domains[c] && !domains[c]!.has(v as string)) {
                quality.unknownCategory[cols[c].name]++;
                issue(lineNo, "unknown_category", `${cols[c].name}="${String(v).slice(0, 40)}" not in the documented domain (kept)`, cols[c].name);
            }
        }
        if (anyMissing) quality.repaired.rowsWithMissing++;
        row[label.name] = y;
        rows.push(row);
        keys.push(key);
    }
    quality.rowsKept = rows.length;
    if (rows.length === 0) {
        const why =
            quality.dataLines === 0
                ? "has a header but no data rows"
                : `has no usable rows (all ${quality.dataLines} rows were dropped: ${JSON.stringify(quality.dropped)})`;
        throw new DataPrepError(file, why, "supply data rows in the declared format (see the data-quality examples for the first problems)");
    }
    return { rows, keys, quality };
}

/** Deterministic 32-bit PRNG (mulberry32). */
export const seededRandom: (seed: number) => () => number = mulberry32;

/**
 * Stratified split by `labelName`: for each class, a seeded shuffle picks
 * round(n * validationFraction) rows for validation. Rows keep file order
 * within each split.
 */
export function stratifiedSplit<T extends DataRow>(
    rows: readonly T[],
    labelName: string,
    validationFraction: number,
    seed: number,
): { train: T[]; validation: T[] } {
    if (!(validationFraction >= 0 && validationFraction < 1)) throw new Error(`validationFraction must be in [0, 1), got ${validationFraction}`);
    const byClass = new Map<string, number[]>();
    rows.forEach((r, i) => {
        const k = String(r[labelName]);
        let a = byClass.get(k);
        if (!a) byClass.set(k, (a = []));
        a.push(i);
    });
    const rnd = seededRandom(seed);
    const isVal = new Uint8Array(rows.length);
    for (const k of [...byClass.keys()].sort()) {
        const idx = byClass.get(k)!;
        for (let i = idx.length - 1; i > 0; i--) {
            const j = Math.floor(rnd() * (i + 1));
            [idx[i], idx[j]] = [idx[j], idx[i]];
        }
        const nVal = Math.round(idx.length * validationFraction);
        for (let i = 0; i < nVal; i++) isVal[idx[i]] = 1;
    }
    const train: T[] = [];
    const validation: T[] = [];
    rows.forEach((r, i) => (isVal[i] ? validation : train).push(r));
    return { train, validation };
}

/** Output columns (name + DuckDB type) in order: record_id, event_time, features…, label. */
export function outputColumns(schema: DatasetSchema): { name: string; type: string }[] {
    return [
        { name: "record_id", type: "VARCHAR" },
        { name: "event_time", type: "VARCHAR" },
        ...schema.columns.map((c) => ({ name: c.name, type: c.type === "integer" ? "BIGINT" : c.type === "number" ? "DOUBLE" : "VARCHAR" })),
        { name: schema.label.name, type: "BIGINT" },
    ];
}

function summarise(rows: DataRow[], schema: DatasetSchema): SplitSummary {
    const positives = rows.reduce((s, r) => s + (r[schema.label.name] === schema.label.positive ? 1 : 0), 0);
    return { rows: rows.length, positives, positiveRate: rows.length ? positives / rows.length : 0 };
}

function addInto(target: Record<string, number>, src: Record<string, number>): void {
    for (const [k, v] of Object.entries(src)) target[k] = (target[k] ?? 0) + v;
}

/**
 * Prepare the data set: parse both files, clean, validate, dedupe, split, and
 * write `<split>.parquet` / `<split>.csv` + `data-quality-report.json` to outDir.
 */
export async function prepare(opts: PrepareOptions): Promise<PrepareResult> {
    const schema = opts.schema ?? ADULT_SCHEMA;
    const trainFile = opts.trainFile ?? DEFAULT_ADULT_TRAIN;
    const testFile = opts.testFile ?? DEFAULT_ADULT_TEST;
    const validationFraction = opts.validationFraction ?? 0.2;
    const seed = opts.seed ?? 42;
    const eventTime = opts.eventTime === undefined ? DEFAULT_EVENT_TIME : new Date(opts.eventTime).toISOString();
    const formats = opts.formats ?? ["parquet", "csv"];
    const log = opts.log ?? ((l: string) => console.log(l));
    if (!opts.outDir) throw new Error("prepare: outDir is required (the folder that receives the split files and the report)");

    const maxDropRate = opts.maxDropRate ?? DEFAULT_MAX_DROP_RATE;
    if (!(maxDropRate >= 0 && maxDropRate <= 1)) throw new Error(`prepare: maxDropRate ${maxDropRate} must be a fraction between 0 and 1`);
    const tr = parseFile(trainFile, schema, { sourceTag: "data", displayName: opts.displayNames?.train });
    checkDropRate(tr.quality, maxDropRate);
    const te = parseFile(testFile, schema, { sourceTag: "test", displayName: opts.displayNames?.test });
    checkDropRate(te.quality, maxDropRate);
    const trainKeys = new Set(tr.keys);
    const trainTestOverlap = te.keys.reduce((s, k) => s + (trainKeys.has(k) ? 1 : 0), 0);

    for (const r of tr.rows) r.event_time = eventTime;
    for (const r of te.rows) r.event_time = eventTime;
    const { train, validation } = stratifiedSplit(tr.rows, schema.label.name, validationFraction, seed);
    const splits: Record<SplitName, DataRow[]> = { train, validation, test: te.rows };

    fs.mkdirSync(opts.outDir, { recursive: true });
    const columns = outputColumns(schema);
    const outputs = await writeSplits(opts.outDir, splits, columns, formats);

    const totals: DataQualityReport["totals"] = {
        dataLines: tr.quality.dataLines + te.quality.dataLines,
        rowsKept: tr.quality.rowsKept + te.quality.rowsKept,
        rowsDropped: tr.quality.rowsDropped + te.quality.rowsDropped,
        dropped: zeroDropped(),
        missingToNull: {},
        unknownCategory: {},
    };
    for (const q of [tr.quality, te.quality]) {
        addInto(totals.dropped, q.dropped);
        addInto(totals.missingToNull, q.repaired.missingToNull);
        addInto(totals.unknownCategory, q.unknownCategory);
    }
    const report: DataQualityReport = {
        dataset: schema.name,
        generatedAt: new Date().toISOString(),
        parameters: { validationFraction, seed, eventTime },
        inputs: { train: tr.quality, test: te.quality },
        totals,
        trainTestOverlap,
        splits: { train: summarise(train, schema), validation: summarise(validation, schema), test: summarise(te.rows, schema) },
        columns,
        outputs,
    };
    const reportPath = path.join(opts.outDir, QUALITY_REPORT_FILE);
    writeFileAtomic(reportPath, JSON.stringify(report, null, 2) + "\n");
    for (const line of formatQualitySummary(report).split("\n")) log(line);
    return { report, reportPath, train, validation, test: te.rows };
}

async function writeSplits(
    outDir: string,
    splits: Record<SplitName, DataRow[]>,
    columns: { name: string; type: string }[],
    formats: ("parquet" | "csv")[],
): Promise<OutputFile[]> {
    const names = columns.map((c) => c.name);
    const outputs: OutputFile[] = [];
    // Outputs of a format not requested this run would be stale (and loadPreparedSplit prefers Parquet): remove them.
    for (const split of Object.keys(splits)) {
        for (const fmt of ["parquet", "csv"] as const) if (!formats.includes(fmt)) fs.rmSync(path.join(outDir, `${split}.${fmt}`), { force: true });
    }
    await withDuckDb(async (con) => {
        for (const split of Object.keys(splits) as SplitName[]) {
            const rows = splits[split];
            const csvPath = path.join(outDir, `${split}.csv`);
            const csvTmp = tmpPathFor(csvPath);
            fs.writeFileSync(csvTmp, toCsv(names, rows));
            try {
                if (formats.includes("parquet")) {
                    const pqPath = path.join(outDir, `${split}.parquet`);
                    const pqTmp = tmpPathFor(pqPath);
                    const colSpec = `{${columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ")}}`;
                    try {
                        await con.run(
                            `COPY (SELECT * FROM read_csv(${sqlString(csvTmp)}, header=true, auto_detect=false, delim=',', quote='"', escape='"', nullstr='', columns=${colSpec})) ` +
                                `TO ${sqlString(pqTmp)} (FORMAT parquet, COMPRESSION zstd)`,
                        );
                        const [{ n }] = await runQuery(con, `SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(pqTmp)})`);
                        if (n !== rows.length) throw new Error(`Parquet row count check failed for ${split}: wrote ${n}, expected ${rows.length}`);
                        fs.renameSync(pqTmp, pqPath);
                    } finally {
                        fs.rmSync(pqTmp, { force: true });
                    }
                    outputs.push({
                        split,
                        format: "parquet",
                        path: `${split}.parquet`,
                        rows: rows.length,
                        bytes: fs.statSync(pqPath).size,
                        sha256: sha256File(pqPath),
                    });
                }
                if (formats.includes("csv")) {
                    fs.renameSync(csvTmp, csvPath);
                    outputs.push({
                        split,
                        format: "csv",
                        path: `${split}.csv`,
                        rows: rows.length,
                        bytes: fs.statSync(csvPath).size,
                        sha256: sha256File(csvPath),
                    });
                }
            } finally {
                fs.rmSync(csvTmp, { force: true });
            }
        }
    });
    return outputs;
}

/** Load a prepared split (Parquet preferred, CSV fallback) back into rows. */
export async function loadPreparedSplit(outDir: string, split: SplitName, schema: DatasetSchema = ADULT_SCHEMA): Promise<DataRow[]> {
    const pq = path.join(outDir, `${split}.parquet`);
    const csv = path.join(outDir, `${split}.csv`);
    const columns = outputColumns(schema);
    let source: string;
    if (fs.existsSync(pq)) source = `read_parquet(${sqlString(pq)})`;
    else if (fs.existsSync(csv)) {
        const colSpec = `{${columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ")}}`;
        source = `read_csv(${sqlString(csv)}, header=true, auto_detect=false, delim=',', quote='"', escape='"', nullstr='', columns=${colSpec})`;
    } else {
        throw new DataPrepError(
            path.join(outDir, `${split}.parquet`),
            `prepared split "${split}" not found (neither .parquet nor .csv)`,
            "run prepare({ outDir }) first or pass the folder it wrote to",
        );
    }
    // One JSON text per row is much cheaper to bring into JS than per-value conversion (all columns are JSON-safe here).
    return withDuckDb(async (con) => {
        const reader = await con.runAndReadAll(
            `SELECT to_json(t)::VARCHAR AS j FROM (SELECT ${columns.map((c) => sqlIdent(c.name)).join(", ")} FROM ${source}) t`,
        );
        const json = (reader.getColumnsJS()[0] ?? []) as string[];
        return json.map((j) => JSON.parse(j) as DataRow);
    });
}

/** Human-readable console summary of a data-quality report. */
export function formatQualitySummary(report: DataQualityReport): string {
    const lines: string[] = [];
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    lines.push(`Data quality — ${report.dataset}`);
    for (const q of [report.inputs.train, report.inputs.test]) {
        const reasons =
            Object.entries(q.dropped)
                .filter(([, n]) => n > 0)
                .map(([r, n]) => `${r}=${n}`)
                .join(", ") || "none";
        lines.push(
            `  ${path.basename(q.file)}: ${q.dataLines} rows read, ${q.rowsKept} kept, ${q.rowsDropped} dropped (${reasons}); ${q.blankLines} blank line(s) skipped`,
        );
        const miss =
            Object.entries(q.repaired.missingToNull)
                .filter(([, n]) => n > 0)
                .map(([c, n]) => `${c}=${n}`)
                .join(", ") || "none";
        lines.push(`    missing → NULL: ${miss}; rows with any missing: ${q.repaired.rowsWithMissing}`);
        const unk = Object.entries(q.unknownCategory)
            .filter(([, n]) => n > 0)
            .map(([c, n]) => `${c}=${n}`)
            .join(", ");
        if (unk) lines.push(`    values outside documented domain (kept): ${unk}`);
    }
    if (report.trainTestOverlap) lines.push(`  test rows identical to a train row (kept): ${report.trainTestOverlap}`);
    for (const [name, s] of Object.entries(report.splits))
        lines.push(`  ${name.padEnd(10)} ${String(s.rows).padStart(6)} rows, positive rate ${pct(s.positiveRate)}`);
    for (const o of report.outputs) lines.push(`  wrote ${o.path} (${o.rows} rows, ${o.bytes} bytes, sha256 ${o.sha256.slice(0, 12)}…)`);
    return lines.join("\n");
}
