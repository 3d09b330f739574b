/**
 * SageMaker endpoint data capture: record types, a writer-side formatter, the S3 key
 * layout, and a streaming, fault-counting reader.
 *
 * The record shape is the one the service writes (one JSON object per line):
 *
 *   {"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",
 *      "data":"1,2,3","encoding":"CSV"},"endpointOutput":{...,"mode":"OUTPUT",...}},
 *    "eventMetadata":{"eventId":"<uuid>","inferenceTime":"2022-04-18T00:21:48Z"},
 *    "eventVersion":"0"}
 *
 * The reader never throws on bad data and never drops it silently: every line it cannot use
 * is counted under a {@link CaptureProblem} reason (with a few examples naming file + line).
 */
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { randomUUID } from "crypto";

// ---------------------------------------------------------------------------------------------
// Types (stable: imported by modelquality/, bias/, ab/)
// ---------------------------------------------------------------------------------------------

export type CaptureEncoding = "CSV" | "JSON" | "BASE64";
export type CaptureMode = "INPUT" | "OUTPUT";

export interface CapturePayload {
    observedContentType: string;
    mode: CaptureMode;
    data: string;
    encoding: CaptureEncoding;
}

export interface CaptureEventMetadata {
    eventId: string;
    /** ISO-8601 UTC, second precision as the service writes it: `2019-11-24T07:30:50Z`. */
    inferenceTime: string;
    /** Present when the caller passed `InferenceId` to InvokeEndpoint (used to join ground truth). */
    inferenceId?: string;
}

export interface CaptureRecord {
    captureData: {
        endpointInput?: CapturePayload;
        endpointOutput?: CapturePayload;
    };
    eventMetadata: CaptureEventMetadata;
    eventVersion: string;
}

/** Ground-truth record as written by the user (merged by eventId / inferenceId). */
export interface GroundTruthRecord {
    groundTruthData: { data: string; encoding: CaptureEncoding; observedContentType?: string };
    eventMetadata: { eventId: string };
    eventVersion: string;
}

/** One cell of a decoded row. CSV cells stay strings (type inference happens downstream). */
export type CellValue = string | number | boolean | null;

/** A decoded row. `names` is set when the payload carried column names (JSON objects). */
export interface DecodedRow {
    values: CellValue[];
    names?: string[];
}

export type CaptureProblem =
    | "blank_line"
    | "malformed_json"
    | "not_a_capture_record"
    | "missing_payload"
    | "unknown_encoding"
    | "bad_base64"
    | "payload_parse_error"
    | "empty_payload"
    | "truncated_file"
    | "schema_change"
    | "unreadable_file";

export const CAPTURE_PROBLEMS: readonly CaptureProblem[] = [
    "blank_line",
    "malformed_json",
    "not_a_capture_record",
    "missing_payload",
    "unknown_encoding",
    "bad_base64",
    "payload_parse_error",
    "empty_payload",
    "truncated_file",
    "schema_change",
    "unreadable_file",
];

export interface CaptureProblemExample {
    reason: CaptureProblem;
    file: string;
    line: number;
    detail: string;
}

/** Counters filled while reading; pass one in to accumulate across calls. */
export class CaptureReadStats {
    files = 0;
    lines = 0;
    records = 0;
    rows = 0;
    problems: Record<CaptureProblem, number> = Object.fromEntries(CAPTURE_PROBLEMS.map((p) => [p, 0])) as Record<CaptureProblem, number>;
    examples: CaptureProblemExample[] = [];
    constructor(private readonly maxExamples = 20) {}

    note(reason: CaptureProblem, file: string, line: number, detail: string): void {
        this.problems[reason]++;
        if (this.examples.length < this.maxExamples) this.examples.push({ reason, file, line, detail });
    }

    get problemCount(): number {
        let n = 0;
        for (const p of CAPTURE_PROBLEMS) n += this.problems[p];
        return n;
    }

    toJSON(): Record<string, unknown> {
        return {
            files: this.files,
            lines: this.lines,
            records: this.records,
            rows: this.rows,
            problems: { ...this.problems },
            examples: this.examples,
        };
    }
}

// ---------------------------------------------------------------------------------------------
// Writer side
// ---------------------------------------------------------------------------------------------

export interface CapturePayloadInput {
    /** Raw payload. Buffers and non-UTF-8 content are written BASE64 unless `encoding` says otherwise. */
    data: string | Buffer;
    contentType: string;
    encoding?: CaptureEncoding;
}

export interface FormatCaptureOptions {
    input?: CapturePayloadInput;
    output?: CapturePayloadInput;
    eventId?: string;
    inferenceTime?: Date | string;
    inferenceId?: string;
    eventVersion?: string;
}

/** The service writes inference time at second precision, `Z` suffix. */
export function formatInferenceTime(t: Date): string {
    return t.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Default encoding the service picks for a content type (CSV / JSON as text, else BASE64). */
export function encodingForContentType(contentType: string): CaptureEncoding {
    const ct = contentType.toLowerCase();
    if (ct.includes("csv")) return "CSV";
    if (ct.includes("json")) return "JSON";
    return "BASE64";
}

function toPayload(p: CapturePayloadInput, mode: CaptureMode): CapturePayload {
    const encoding = p.encoding ?? (Buffer.isBuffer(p.data) ? "BASE64" : encodingForContentType(p.contentType));
    let data: string;
    if (encoding === "BASE64") {
        data = (Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data, "utf8")).toString("base64");
    } else {
        data = Buffer.isBuffer(p.data) ? p.data.toString("utf8") : p.data;
    }
    return { observedContentType: p.contentType, mode, data, encoding };
}

/** Build one capture record object (same key order as the service). */
export function buildCaptureRecord(opts: FormatCaptureOptions): CaptureRecord {
    if (!opts.input && !opts.output) {
        throw new Error("formatCaptureRecord: neither input nor output given; pass at least one payload to capture.");
    }
    const captureData: CaptureRecord["captureData"] = {};
    if (opts.input) captureData.endpointInput = toPayload(opts.input, "INPUT");
    if (opts.output) captureData.endpointOutput = toPayload(opts.output, "OUTPUT");
    const t = opts.inferenceTime ?? new Date();
    const eventMetadata: CaptureEventMetadata = {
        eventId: opts.eventId ?? randomUUID(),
        inferenceTime: typeof t === "string" ? t : formatInferenceTime(t),
    };
    if (opts.inferenceId !== undefined) eventMetadata.inferenceId = opts.inferenceId;
    return { captureData, eventMetadata, eventVersion: opts.eventVersion ?? "0" };
}

/** One JSON line (no trailing newline) exactly as the service writes it to the capture file. */
export function formatCaptureRecord(opts: FormatCaptureOptions): string {
    return JSON.stringify(buildCaptureRecord(opts));
}

export interface CaptureKeyOptions {
    /** S3 key prefix (no bucket, no leading/trailing slash needed). May be empty. */
    prefix: string;
    endpoint: string;
    variant: string;
    time: Date;
    /** File name; default `<mm>-<ss>-<mmm>-<uuid>.jsonl` like the service. */
    file?: string;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** `<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl` (UTC hour partitions). */
export function captureS3Key(o: CaptureKeyOptions): string {
    for (const [k, v] of [
        ["endpoint", o.endpoint],
        ["variant", o.variant],
    ] as const) {
        if (!v || v.includes("/")) {
            throw new Error(`captureS3Key: ${k} "${v}" is empty or contains "/"; pass the bare ${k} name.`);
        }
    }
    const t = o.time;
    const file = o.file ?? `${pad(t.getUTCMinutes())}-${pad(t.getUTCSeconds())}-${pad(t.getUTCMilliseconds(), 3)}-${randomUUID()}.jsonl`;
    const parts = [
        o.prefix.replace(/^\/+|\/+$/g, ""),
        o.endpoint,
        o.variant,
        String(t.getUTCFullYear()),
        pad(t.getUTCMonth() + 1),
        pad(t.getUTCDate()),
        pad(t.getUTCHours()),
        file,
    ].filter((s) => s !== "");
    return parts.join("/");
}

/** Parse the hour partition out of a capture key/path; undefined when the path has no yyyy/mm/dd/hh part. */
export function captureKeyHour(key: string): Date | undefined {
    const m = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(key.split(path.sep).join("/"));
    if (!m) return undefined;
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4]));
}

// ---------------------------------------------------------------------------------------------
// Payload decoding
// ---------------------------------------------------------------------------------------------

/**
 * RFC-4180 CSV split of a (possibly multi-line) payload into rows of string cells.
 * Quoted fields may contain separators, doubled quotes and newlines (blanks before the opening quote are
 * dropped, so `a, "b,c"` works). Blank lines are skipped.
 * Throws on an unterminated quote (caller counts it as `payload_parse_error`).
 */
export function parseCsvPayload(text: string, separator = ","): string[][] {
    if (text.indexOf('"') < 0) {
        // no quotes: plain split (same result as the scanner below, without per-character concatenation)
        const rows: string[][] = [];
        if (text.indexOf("\n") < 0 && text.indexOf("\r") < 0) {
            if (text !== "") rows.push(text.split(separator));
            return rows;
        }
        for (const line of text.split(/\r\n|\n|\r/)) if (line !== "") rows.push(line.split(separator));
        return rows;
    }
    const rows: string[][] = [];
    let row: string[] = [];
    let field = "";
    let inQuotes = false;
    let fieldStarted = false;
    const n = text.length;
    for (let i = 0; i < n; i++) {
        const ch = text[i];
        if (inQuotes) {
            if (ch === '"') {
                if (text[i + 1] === '"') {
                    field += '"';
                    i++;
                } else inQuotes = false;
            } else field += ch;
            continue;
        }
        if (ch === '"' && (field === "" || field.trim() === "")) {
            // a quote opens a quoted field when only blanks precede it (blanks are dropped, as csv "trim" readers do)
            field = "";
            inQuotes = true;
            fieldStarted = true;
        } else if (ch === separator) {
            row.push(field);
            field = "";
            fieldStarted = true;
        } else if (ch === "\n" || ch === "\r") {
            if (ch === "\r" && text[i + 1] === "\n") i++;
            if (fieldStarted || field !== "" || row.length > 0) {
                row.push(field);
                rows.push(row);
            }
            row = [];
            field = "";
            fieldStarted = false;
        } else {
            field += ch;
            fieldStarted = true;
        }
    }
    if (inQuotes) throw new Error("unterminated quoted field");
    if (fieldStarted || field !== "" || row.length > 0) {
        row.push(field);
        rows.push(row);
    }
    return rows;
}

const ROW_LIST_KEYS = ["instances", "inputs", "predictions", "outputs", "data", "features"];

function isScalar(v: unknown): v is CellValue {
    return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

function flattenObject(o: Record<string, unknown>, prefix: string, names: string[], values: CellValue[]): void {
    for (const [k, v] of Object.entries(o)) {
        const name = prefix ? `${prefix}.${k}` : k;
        if (isScalar(v)) {
            names.push(name);
            values.push(v);
        } else if (Array.isArray(v)) {
            v.forEach((x, i) => {
                if (isScalar(x)) {
                    names.push(`${name}[${i}]`);
                    values.push(x);
                } else {
                    names.push(`${name}[${i}]`);
                    values.push(JSON.stringify(x));
                }
            });
        } else if (typeof v === "object") {
            flattenObject(v as Record<string, unknown>, name, names, values);
        }
    }
}

function rowFromElement(el: unknown): DecodedRow {
    if (isScalar(el)) return { values: [el] };
    if (Array.isArray(el)) return { values: el.map((x) => (isScalar(x) ? x : JSON.stringify(x))) };
    const o = el as Record<string, unknown>;
    // SageMaker built-in "dense" JSON: {"features": [..]}
    if (Array.isArray(o.features) && Object.keys(o).length === 1) return rowFromElement(o.features);
    const names: string[] = [];
    const values: CellValue[] = [];
    flattenObject(o, "", names, values);
    return { values, names };
}

/**
 * Rows from one parsed JSON value:
 *  - `{"instances"|"inputs"|"predictions"|"outputs"|"data"|"features": [e1, e2, ...]}` (single key) — each
 *    element is one row (a scalar element is a one-column row, as in TF-Serving `instances`);
 *  - a top-level array of arrays/objects — each element is one row;
 *  - a top-level array of scalars — ONE row (a feature vector);
 *  - any other object — one row, flattened (`a.b`, `a[0]`) with column names; a scalar — one 1-column row.
 */
export function rowsFromJsonValue(v: unknown): DecodedRow[] {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const keys = Object.keys(v as object);
        if (keys.length === 1 && ROW_LIST_KEYS.includes(keys[0])) {
            const inner = (v as Record<string, unknown>)[keys[0]];
            if (Array.isArray(inner)) return inner.map(rowFromElement);
        }
        return [rowFromElement(v)];
    }
    if (Array.isArray(v)) {
        if (v.length > 0 && v.every(isScalar)) return [{ values: v as CellValue[] }];
        return v.map(rowFromElement);
    }
    return [rowFromElement(v)];
}

function parseJsonPayload(text: string): DecodedRow[] {
    const trimmed = text.trim();
    try {
        return rowsFromJsonValue(JSON.parse(trimmed));
    } catch (e) {
        // JSON Lines payload (application/jsonlines): one value per line.
        const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== "");
        if (lines.length < 2) throw e;
        const out: DecodedRow[] = [];
        for (const l of lines) out.push(...rowsFromJsonValue(JSON.parse(l)));
        return out;
    }
}

const BASE64_RE = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

/** Decode a payload into rows. Throws an Error whose message starts with a {@link CaptureProblem}. */
export function decodePayload(p: CapturePayload): DecodedRow[] {
    let text: string;
    let kind: "CSV" | "JSON";
    const ct = (p.observedContentType ?? "").toLowerCase();
    switch (p.encoding) {
        case "CSV":
            text = p.data;
            kind = "CSV";
            break;
        case "JSON":
            text = p.data;
            kind = "JSON";
            break;
        case "BASE64": {
            if (!BASE64_RE.test(p.data)) throw new Error("bad_base64: data is not valid base64");
            text = Buffer.from(p.data, "base64").toString("utf8");
            if (ct.includes("csv")) kind = "CSV";
            else if (ct.includes("json")) kind = "JSON";
            else
                throw new Error(
                    `unknown_encoding: BASE64 payload with content type "${p.observedContentType}" cannot be turned into rows (only CSV or JSON content is tabular)`,
                );
            break;
        }
        default:
            throw new Error(`unknown_encoding: "${String((p as { encoding?: unknown }).encoding)}" (expected CSV, JSON or BASE64)`);
    }
    if (text.trim() === "") throw new Error("empty_payload: payload data is empty");
    try {
        if (kind === "CSV") return parseCsvPayload(text).map((values) => ({ values }));
        return parseJsonPayload(text);
    } catch (e) {
        throw new Error(`payload_parse_error: ${(e as Error).message}`);
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming reader
// ---------------------------------------------------------------------------------------------

/** Recursively list `.jsonl` files (sorted, so hour partitions come in time order). */
export async function listCaptureFiles(root: string, ext = ".jsonl"): Promise<string[]> {
    const st = await fs.promises.stat(root);
    if (st.isFile()) return [root];
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
        const entries = await fs.promises.readdir(dir, { withFileTypes: true });
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of entries) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) await walk(p);
            else if (e.isFile() && e.name.endsWith(ext)) out.push(p);
        }
    };
    await walk(root);
    return out;
}

export interface CapturedEvent {
    record: CaptureRecord;
    file: string;
    line: number;
}

export interface ReadCaptureOptions {
    stats?: CaptureReadStats;
    /** Only files whose yyyy/mm/dd/hh partition is within [from, to) (files without a partition are kept). */
    from?: Date;
    to?: Date;
}

function isPayload(x: unknown): x is CapturePayload {
    return !!x && typeof x === "object" && typeof (x as CapturePayload).data === "string";
}

/**
 * One line of a capture file as {@link readCaptureRecords} reads it: the record, or undefined with the
 * reason counted in `stats` (blank_line, malformed_json - truncated_file when `truncatedTail` says it is
 * the file's last line without a newline - or not_a_capture_record). Counts the line and the record.
 */
export function parseCaptureLine(text: string, file: string, line: number, truncatedTail: boolean, stats: CaptureReadStats): CapturedEvent | undefined {
    stats.lines++;
    if (text.trim() === "") {
        stats.note("blank_line", file, line, "empty line");
        return undefined;
    }
    let obj: unknown;
    try {
        obj = JSON.parse(text);
    } catch (e) {
        const reason: CaptureProblem = truncatedTail ? "truncated_file" : "malformed_json";
        stats.note(reason, file, line, `${(e as Error).message} in: ${text.slice(0, 80)}`);
        return undefined;
    }
    const rec = obj as CaptureRecord;
    if (!rec || typeof rec !== "object" || !rec.captureData || typeof rec.captureData !== "object") {
        stats.note("not_a_capture_record", file, line, 'no "captureData" object; is this a capture file?');
        return undefined;
    }
    stats.records++;
    return { record: rec, file, line };
}

/**
 * Stream capture records from a folder tree, a single file, or a list of files.
 * Bad lines are counted in `opts.stats` (blank_line, malformed_json, not_a_capture_record,
 * truncated_file for an unparseable last line without a newline, unreadable_file).
 */
export async function* readCaptureRecords(source: string | string[], opts: ReadCaptureOptions = {}): AsyncGenerator<CapturedEvent> {
    const stats = opts.stats ?? new CaptureReadStats();
    const files: string[] = [];
    for (const s of Array.isArray(source) ? source : [source]) {
        try {
            files.push(...(await listCaptureFiles(s)));
        } catch (e) {
            stats.note("unreadable_file", s, 0, `${(e as Error).message}; check the path exists and is readable`);
        }
    }
    for (const file of files) {
        if (opts.from || opts.to) {
            const h = captureKeyHour(file);
            if (h && ((opts.from && h.getTime() + 3600_000 <= opts.from.getTime()) || (opts.to && h >= opts.to))) continue;
        }
        stats.files++;
        let endsWithNewline = true;
        try {
            const fh = await fs.promises.open(file, "r");
            try {
                const { size } = await fh.stat();
                if (size > 0) {
                    const b = Buffer.alloc(1);
                    await fh.read(b, 0, 1, size - 1);
                    endsWithNewline = b[0] === 0x0a;
                }
            } finally {
                await fh.close();
            }
        } catch (e) {
            stats.note("unreadable_file", file, 0, (e as Error).message);
            continue;
        }
        const rl = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
        let lineNo = 0;
        let pending: { text: string; line: number } | undefined;
        const handle = (text: string, line: number, last: boolean): CapturedEvent | undefined =>
            parseCaptureLine(text, file, line, last && !endsWithNewline, stats);
        try {
            for await (const text of rl) {
                lineNo++;
                if (pending) {
                    const ev = handle(pending.text, pending.line, false);
                    if (ev) yield ev;
                }
                pending = { text, line: lineNo };
            }
        } catch (e) {
            stats.note("unreadable_file", file, lineNo, (e as Error).message);
        }
        if (pending) {
            const ev = handle(pending.text, pending.line, true);
            if (ev) yield ev;
        }
    }
}

export interface CapturedRow extends DecodedRow {
    eventId: string;
    inferenceTime: string;
    inferenceId?: string;
}

export interface ReadCaptureRowsOptions extends ReadCaptureOptions {
    /** Which side to decode: INPUT (features, default) or OUTPUT (predictions). */
    mode?: CaptureMode;
    /**
     * Expected column count. When omitted it is fixed by the first decoded row. Rows of another width
     * are counted as `schema_change` and still yielded (the data-quality checks report the missing /
     * extra columns) unless `dropSchemaChanges` is set.
     */
    expectedColumns?: number;
    dropSchemaChanges?: boolean;
}

/** Stream decoded rows (one capture can hold many CSV / JSON rows). */
export async function* readCaptureRows(source: string | string[], opts: ReadCaptureRowsOptions = {}): AsyncGenerator<CapturedRow> {
    const stats = opts.stats ?? new CaptureReadStats();
    const side = (opts.mode ?? "INPUT") === "INPUT" ? "endpointInput" : "endpointOutput";
    const state: CaptureWidthState = { width: opts.expectedColumns };
    for await (const ev of readCaptureRecords(source, { ...opts, stats })) {
        for (const r of capturedRows(ev, side, state, stats, opts.dropSchemaChanges)) yield r;
    }
}

/** The row width of a window: fixed by `expectedColumns` or by the first decoded row. */
export interface CaptureWidthState {
    width?: number;
}

/**
 * Rows of one capture record's `side` payload as {@link readCaptureRows} yields them: payload problems are
 * counted (missing_payload, unknown_encoding, bad_base64, payload_parse_error, empty_payload), rows of another
 * width than `state.width` are counted as schema_change (and left out with `dropSchemaChanges`), rows counted.
 */
export function capturedRows(
    ev: CapturedEvent,
    side: "endpointInput" | "endpointOutput",
    state: CaptureWidthState,
    stats: CaptureReadStats,
    dropSchemaChanges?: boolean,
): CapturedRow[] {
    const p = ev.record.captureData[side];
    if (!isPayload(p)) {
        stats.note("missing_payload", ev.file, ev.line, `record has no captureData.${side}.data`);
        return [];
    }
    let rows: DecodedRow[];
    try {
        rows = decodePayload(p);
    } catch (e) {
        const msg = (e as Error).message;
        const reason = msg.split(":")[0] as CaptureProblem;
        stats.note(CAPTURE_PROBLEMS.includes(reason) ? reason : "payload_parse_error", ev.file, ev.line, msg);
        return [];
    }
    const md = ev.record.eventMetadata ?? ({} as CaptureEventMetadata);
    const out: CapturedRow[] = [];
    for (const r of rows) {
        if (state.width === undefined) state.width = r.values.length;
        else if (r.values.length !== state.width) {
            stats.note(
                "schema_change",
                ev.file,
                ev.line,
                `row has ${r.values.length} columns, expected ${state.width}${dropSchemaChanges ? " (dropped)" : ""}`,
            );
            if (dropSchemaChanges) continue;
        }
        stats.rows++;
        const row: CapturedRow = { ...r, eventId: md.eventId, inferenceTime: md.inferenceTime };
        if (md.inferenceId !== undefined) row.inferenceId = md.inferenceId;
        out.push(row);
    }
    return out;
}

/** Parse a ground-truth line; returns undefined (and counts) when malformed. */
export function parseGroundTruthLine(text: string, stats?: CaptureReadStats, file = "<memory>", line = 0): GroundTruthRecord | undefined {
    let obj: unknown;
    try {
        obj = JSON.parse(text);
    } catch (e) {
        stats?.note("malformed_json", file, line, (e as Error).message);
        return undefined;
    }
    const g = obj as GroundTruthRecord;
    if (!g || !g.groundTruthData || typeof g.groundTruthData.data !== "string" || !g.eventMetadata?.eventId) {
        stats?.note("not_a_capture_record", file, line, "expected groundTruthData.data and eventMetadata.eventId");
        return undefined;
    }
    return g;
}
