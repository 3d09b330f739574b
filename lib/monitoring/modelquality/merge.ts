/**
 * Merge captured predictions with ground-truth records, as Model Monitor's
 * model-quality job does before computing metrics.
 *
 * Join rule: a capture's key is `eventMetadata.inferenceId` when present,
 * otherwise `eventMetadata.eventId`; a ground-truth record's key is its
 * `eventMetadata.eventId` (the service asks users to put the inference id
 * there). If a capture has an inferenceId that matches nothing, its eventId is
 * tried as well. Every record that does not end up in the merged rows is
 * counted under a reason, never dropped silently.
 */
import * as fs from "fs";
import * as readline from "readline";
import {
    CaptureReadStats,
    decodePayload,
    listCaptureFiles,
    parseGroundTruthLine,
    readCaptureRecords,
    type CaptureRecord,
    type CellValue,
    type DecodedRow,
    type GroundTruthRecord,
} from "../capture";
import { evaluateBinaryClassification, type BinaryEvaluationOptions, type BinaryEvaluationResult } from "./binary";

export interface MergeOptions {
    /** Keep captures with inferenceTime >= from (inclusive). */
    from?: Date;
    /** Keep captures with inferenceTime < to (exclusive). */
    to?: Date;
    /**
     * Where the score is in the decoded endpoint output: a column index (CSV,
     * default 0) or a column name of the flattened JSON output (e.g. "score",
     * "predictions[0]", "probabilities[1]"). Model Monitor: probability_attribute.
     */
    probabilityAttribute?: number | string;
    /** Optional predicted label column (Model Monitor: inference_attribute). */
    inferenceAttribute?: number | string;
    /** Where the label is in the decoded ground-truth data (default column 0). */
    groundTruthAttribute?: number | string;
    /**
     * Ground-truth / predicted-label values meaning "positive". Default: 1,
     * "1", "1.0", true, "true". When given, every other value is negative.
     */
    positiveLabels?: CellValue[];
    /** Values meaning "negative" when positiveLabels is not given. Default: 0, "0", "0.0", false, "false". */
    negativeLabels?: CellValue[];
    /** Also decode captureData.endpointInput and attach each row's input cells (for bias / feature analysis). */
    keepInput?: boolean;
}

export interface MergedRow {
    /** Join key used (inferenceId or eventId). */
    key: string;
    eventId: string;
    inferenceId?: string;
    inferenceTime: string;
    score: number;
    label: 0 | 1;
    predictedLabel?: 0 | 1;
    /** Decoded input cells of this row (only with keepInput). */
    input?: CellValue[];
    /** Column names of the input, when the payload carried them (JSON objects). */
    inputNames?: string[];
}

export type CaptureSkipReason =
    | "outside_window"
    | "bad_inference_time"
    | "missing_event_id"
    | "missing_output"
    | "output_parse_error"
    | "input_unusable"
    | "score_missing_or_not_numeric"
    | "predicted_label_not_binary"
    | "duplicate_capture"
    | "no_ground_truth"
    | "row_count_mismatch";

export type GroundTruthSkipReason =
    "malformed" | "parse_error" | "label_missing_or_unknown" | "duplicate_ground_truth" | "no_capture" | "capture_outside_window" | "capture_unusable";

export interface MergeReport {
    captures: number;
    groundTruthRecords: number;
    /** Number of matched capture records (a record can hold several rows). */
    matchedRecords: number;
    mergedRows: number;
    matchedBy: { inferenceId: number; eventId: number };
    captureSkipped: Record<CaptureSkipReason, number>;
    groundTruthSkipped: Record<GroundTruthSkipReason, number>;
    /** A few examples per problem, naming the event id, so users can find the record. */
    examples: { side: "capture" | "ground_truth"; reason: string; id: string; detail: string }[];
    /** Reader-level problems (malformed lines, unreadable files), when folders were read. */
    captureReadStats?: Record<string, unknown>;
    groundTruthReadStats?: Record<string, unknown>;
}

const CAPTURE_REASONS: CaptureSkipReason[] = [
    "outside_window",
    "bad_inference_time",
    "missing_event_id",
    "missing_output",
    "output_parse_error",
    "input_unusable",
    "score_missing_or_not_numeric",
    "predicted_label_not_binary",
    "duplicate_capture",
    "no_ground_truth",
    "row_count_mismatch",
];
const GT_REASONS: GroundTruthSkipReason[] = [
    "malformed",
    "parse_error",
    "label_missing_or_unknown",
    "duplicate_ground_truth",
    "no_capture",
    "capture_outside_window",
    "capture_unusable",
];

function newReport(): MergeReport {
    return {
        captures: 0,
        groundTruthRecords: 0,
        matchedRecords: 0,
        mergedRows: 0,
        matchedBy: { inferenceId: 0, eventId: 0 },
        captureSkipped: Object.fromEntries(CAPTURE_REASONS.map((r) => [r, 0])) as Record<CaptureSkipReason, number>,
        groundTruthSkipped: Object.fromEntries(GT_REASONS.map((r) => [r, 0])) as Record<GroundTruthSkipReason, number>,
        examples: [],
    };
}

const MAX_EXAMPLES = 20;

function cell(row: DecodedRow, attr: number | string): CellValue | undefined {
    if (typeof attr === "number") return row.values[attr];
    const i = row.names ? row.names.indexOf(attr) : -1;
    return i >= 0 ? row.values[i] : undefined;
}

function normLabel(v: CellValue): CellValue {
    return typeof v === "string" ? v.trim() : v;
}

function makeLabelMapper(opts: MergeOptions): (v: CellValue | undefined) => 0 | 1 | undefined {
    if (opts.positiveLabels && opts.positiveLabels.length) {
        const pos = new Set(opts.positiveLabels.map((v) => String(normLabel(v))));
        return (v) => (v === undefined || v === null || v === "" ? undefined : pos.has(String(normLabel(v))) ? 1 : 0);
    }
    const pos = new Set(["1", "1.0", "true"]);
    const neg = new Set((opts.negativeLabels ?? [0, "0", "0.0", false, "false"]).map((v) => String(normLabel(v)).toLowerCase()));
    return (v) => {
        if (v === undefined || v === null) return undefined;
        const s = String(normLabel(v)).toLowerCase();
        if (pos.has(s)) return 1;
        if (neg.has(s)) return 0;
        return undefined;
    };
}

interface ParsedCapture {
    key: string;
    altKey?: string;
    eventId: string;
    inferenceId?: string;
    inferenceTime: string;
    scores: number[];
    predicted?: (0 | 1)[];
    inputs?: DecodedRow[];
}

/**
 * Incremental merger: feed captures and ground truth in any order, then
 * call `finish()`. Used by both the in-memory and the folder variants.
 */
export class GroundTruthMerger {
    readonly report = newReport();
    private readonly opts: MergeOptions;
    private readonly toLabel: (v: CellValue | undefined) => 0 | 1 | undefined;
    private readonly captures = new Map<string, ParsedCapture>();
    private readonly byEventId = new Map<string, string>();
    private readonly outOfWindow = new Set<string>();
    private readonly unusable = new Set<string>();
    private readonly groundTruth = new Map<string, (0 | 1)[]>();

    constructor(opts: MergeOptions = {}) {
        this.opts = opts;
        this.toLabel = makeLabelMapper(opts);
    }

    private example(side: "capture" | "ground_truth", reason: string, id: string, detail: string): void {
        if (this.report.examples.length < MAX_EXAMPLES) this.report.examples.push({ side, reason, id, detail });
    }

    private skipCapture(reason: CaptureSkipReason, id: string, detail: string): void {
        this.report.captureSkipped[reason]++;
        this.example("capture", reason, id, detail);
    }

    private skipGt(reason: GroundTruthSkipReason, id: string, detail: string): void {
        this.report.groundTruthSkipped[reason]++;
        this.example("ground_truth", reason, id, detail);
    }

    addCapture(rec: CaptureRecord): void {
        this.report.captures++;
        const md = rec?.eventMetadata;
        const eventId = md?.eventId;
        if (!eventId) {
            this.skipCapture("missing_event_id", "<none>", "capture record has no eventMetadata.eventId");
            return;
        }
        const ids = [md.inferenceId, eventId].filter((x): x is string => !!x);
        const t = Date.parse(md.inferenceTime);
        if (!Number.isFinite(t)) {
            this.skipCapture("bad_inference_time", eventId, `inferenceTime ${JSON.stringify(md.inferenceTime)} is not an ISO-8601 time`);
            ids.forEach((k) => this.unusable.add(k));
            return;
        }
        if ((this.opts.from && t < this.opts.from.getTime()) || (this.opts.to && t >= this.opts.to.getTime())) {
            this.report.captureSkipped.outside_window++;
            ids.forEach((k) => this.outOfWindow.add(k));
            return;
        }
        const out = rec.captureData?.endpointOutput;
        if (!out || typeof out.data !== "string") {
            this.skipCapture("missing_output", eventId, "no captureData.endpointOutput.data; enable OUTPUT capture on the endpoint");
            ids.forEach((k) => this.unusable.add(k));
            return;
        }
        let rows: DecodedRow[];
        try {
            rows = decodePayload(out);
        } catch (e) {
            this.skipCapture("output_parse_error", eventId, (e as Error).message);
            ids.forEach((k) => this.unusable.add(k));
            return;
        }
        const attr = this.opts.probabilityAttribute ?? 0;
        const scores: number[] = [];
        const predicted: (0 | 1)[] = [];
        for (const r of rows) {
            const v = cell(r, attr);
            const s = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
            if (!Number.isFinite(s)) {
                this.skipCapture(
                    "score_missing_or_not_numeric",
                    eventId,
                    `probabilityAttribute ${JSON.stringify(attr)} gave ${JSON.stringify(v)}${r.names ? `; output columns are ${r.names.slice(0, 10).join(", ")}` : ""}`,
                );
                ids.forEach((k) => this.unusable.add(k));
                return;
            }
            scores.push(s);
            if (this.opts.inferenceAttribute !== undefined) {
                const pl = this.toLabel(cell(r, this.opts.inferenceAttribute) as CellValue);
                if (pl === undefined) {
                    this.skipCapture(
                        "predicted_label_not_binary",
                        eventId,
                        `inferenceAttribute ${JSON.stringify(this.opts.inferenceAttribute)} is not a known label value`,
                    );
                    ids.forEach((k) => this.unusable.add(k));
                    return;
                }
                predicted.push(pl);
            }
        }
        let inputs: DecodedRow[] | undefined;
        if (this.opts.keepInput) {
            const inp = rec.captureData?.endpointInput;
            let problem: string | undefined;
            if (!inp || typeof inp.data !== "string") problem = "no captureData.endpointInput.data; enable INPUT capture on the endpoint";
            else {
                try {
                    inputs = decodePayload(inp);
                    if (inputs.length !== rows.length) problem = `input has ${inputs.length} rows but output has ${rows.length}`;
                } catch (e) {
                    problem = (e as Error).message;
                }
            }
            if (problem) {
                this.skipCapture("input_unusable", eventId, problem);
                ids.forEach((k) => this.unusable.add(k));
                return;
            }
        }
        const key = md.inferenceId || eventId;
        if (this.captures.has(key)) {
            this.skipCapture("duplicate_capture", key, "a capture with this key was already seen; the first one is kept");
            return;
        }
        const pc: ParsedCapture = { key, eventId, inferenceTime: md.inferenceTime, scores };
        if (md.inferenceId) {
            pc.inferenceId = md.inferenceId;
            if (md.inferenceId !== eventId) {
                pc.altKey = eventId;
                this.byEventId.set(eventId, key);
            }
        }
        if (this.opts.inferenceAttribute !== undefined) pc.predicted = predicted;
        if (inputs) pc.inputs = inputs;
        this.captures.set(key, pc);
    }

    addGroundTruth(g: GroundTruthRecord | undefined, malformedDetail?: string): void {
        this.report.groundTruthRecords++;
        if (!g || !g.groundTruthData || typeof g.groundTruthData.data !== "string" || !g.eventMetadata?.eventId) {
            this.skipGt("malformed", "<none>", malformedDetail ?? "expected groundTruthData.data (string) and eventMetadata.eventId");
            return;
        }
        const id = g.eventMetadata.eventId;
        let rows: DecodedRow[];
        try {
            rows = decodePayload({
                data: g.groundTruthData.data,
                encoding: g.groundTruthData.encoding,
                observedContentType: g.groundTruthData.observedContentType ?? (g.groundTruthData.encoding === "JSON" ? "application/json" : "text/csv"),
                mode: "OUTPUT",
            });
        } catch (e) {
            this.skipGt("parse_error", id, (e as Error).message);
            return;
        }
        const attr = this.opts.groundTruthAttribute ?? 0;
        const labels: (0 | 1)[] = [];
        for (const r of rows) {
            const l = this.toLabel(cell(r, attr));
            if (l === undefined) {
                this.skipGt(
                    "label_missing_or_unknown",
                    id,
                    `groundTruthAttribute ${JSON.stringify(attr)} gave ${JSON.stringify(cell(r, attr))}; set positiveLabels (e.g. [">50K"]) if your labels are not 0/1`,
                );
                return;
            }
            labels.push(l);
        }
        if (this.groundTruth.has(id)) {
            this.skipGt("duplicate_ground_truth", id, "ground truth for this id was already seen; the first one is kept");
            return;
        }
        this.groundTruth.set(id, labels);
    }

    private finished = false;

    /** Joins everything fed so far. Call once; feed a new merger for another window. */
    finish(): { rows: MergedRow[]; report: MergeReport } {
        if (this.finished) throw new Error("GroundTruthMerger.finish() was already called; create a new GroundTruthMerger for another merge.");
        this.finished = true;
        const rows: MergedRow[] = [];
        const usedGt = new Set<string>();
        for (const c of this.captures.values()) {
            let gtKey: string | undefined;
            if (this.groundTruth.has(c.key)) gtKey = c.key;
            else if (c.altKey && this.groundTruth.has(c.altKey)) gtKey = c.altKey;
            if (gtKey === undefined || usedGt.has(gtKey)) {
                this.skipCapture("no_ground_truth", c.key, "no ground-truth record with this inferenceId/eventId");
                continue;
            }
            const labels = this.groundTruth.get(gtKey)!;
            if (labels.length !== c.scores.length) {
                this.skipCapture("row_count_mismatch", c.key, `capture output has ${c.scores.length} rows but ground truth has ${labels.length}`);
                usedGt.add(gtKey);
                continue;
            }
            usedGt.add(gtKey);
            this.report.matchedRecords++;
            if (c.inferenceId && gtKey === c.inferenceId) this.report.matchedBy.inferenceId++;
            else this.report.matchedBy.eventId++;
            for (let i = 0; i < labels.length; i++) {
                const row: MergedRow = { key: gtKey, eventId: c.eventId, inferenceTime: c.inferenceTime, score: c.scores[i], label: labels[i] };
                if (c.inferenceId) row.inferenceId = c.inferenceId;
                if (c.predicted) row.predictedLabel = c.predicted[i];
                if (c.inputs) {
                    row.input = c.inputs[i].values;
                    if (c.inputs[i].names) row.inputNames = c.inputs[i].names;
                }
                rows.push(row);
            }
        }
        for (const id of this.groundTruth.keys()) {
            if (usedGt.has(id)) continue;
            if (this.outOfWindow.has(id)) this.report.groundTruthSkipped.capture_outside_window++;
            else if (this.unusable.has(id)) this.report.groundTruthSkipped.capture_unusable++;
            else this.skipGt("no_capture", id, "no captured prediction with this inferenceId/eventId in the capture data read");
        }
        this.report.mergedRows = rows.length;
        return { rows, report: this.report };
    }
}

/** In-memory merge of parsed capture records and ground-truth records. */
export function mergeCaptureWithGroundTruth(
    captures: Iterable<CaptureRecord>,
    groundTruth: Iterable<GroundTruthRecord>,
    opts: MergeOptions = {},
): { rows: MergedRow[]; report: MergeReport } {
    const m = new GroundTruthMerger(opts);
    for (const c of captures) m.addCapture(c);
    for (const g of groundTruth) m.addGroundTruth(g);
    return m.finish();
}

/** Streams ground-truth JSONL files (folder tree or file list), counting malformed lines. */
export async function* readGroundTruthRecords(
    source: string | string[],
    stats: CaptureReadStats = new CaptureReadStats(),
): AsyncGenerator<GroundTruthRecord | { malformed: string }> {
    const files: string[] = [];
    for (const s of Array.isArray(source) ? source : [source]) {
        try {
            files.push(...(await listCaptureFiles(s)));
        } catch (e) {
            stats.note("unreadable_file", s, 0, `${(e as Error).message}; check the ground-truth path exists`);
        }
    }
    for (const file of files) {
        stats.files++;
        const rl = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
        let line = 0;
        try {
            for await (const text of rl) {
                line++;
                stats.lines++;
                if (text.trim() === "") {
                    stats.note("blank_line", file, line, "empty line");
                    continue;
                }
                const before = stats.problemCount;
                const g = parseGroundTruthLine(text, stats, file, line);
                if (g) {
                    stats.records++;
                    yield g;
                } else if (stats.problemCount > before) {
                    yield { malformed: `${file}:${line}` };
                }
            }
        } catch (e) {
            stats.note("unreadable_file", file, line, (e as Error).message);
        }
    }
}

export interface FolderMergeOptions extends MergeOptions {
    /** Only read capture files whose yyyy/mm/dd/hh partition overlaps the window (default true when from/to are set). */
    prunePartitions?: boolean;
}

/** Reads capture + ground-truth folders (local paths) and merges them for a time window. */
export async function mergeCaptureWithGroundTruthFolders(
    captureSource: string | string[],
    groundTruthSource: string | string[],
    opts: FolderMergeOptions = {},
): Promise<{ rows: MergedRow[]; report: MergeReport }> {
    const m = new GroundTruthMerger(opts);
    const cstats = new CaptureReadStats();
    const prune = opts.prunePartitions ?? true;
    for await (const ev of readCaptureRecords(captureSource, { stats: cstats, from: prune ? opts.from : undefined, to: prune ? opts.to : undefined })) {
        m.addCapture(ev.record);
    }
    const gstats = new CaptureReadStats();
    for await (const g of readGroundTruthRecords(groundTruthSource, gstats)) {
        if ("malformed" in g) m.addGroundTruth(undefined, `unparseable ground-truth line at ${g.malformed}`);
        else m.addGroundTruth(g);
    }
    const res = m.finish();
    res.report.captureReadStats = cstats.toJSON();
    res.report.groundTruthReadStats = gstats.toJSON();
    return res;
}

/** Monitor path: folders in, statistics out (plus the merge report). */
export async function evaluateCaptureAgainstGroundTruth(
    captureSource: string | string[],
    groundTruthSource: string | string[],
    opts: FolderMergeOptions & BinaryEvaluationOptions = {},
): Promise<{ evaluation: BinaryEvaluationResult; report: MergeReport }> {
    const { rows, report } = await mergeCaptureWithGroundTruthFolders(captureSource, groundTruthSource, opts);
    if (rows.length === 0) {
        const c = Object.entries(report.captureSkipped).filter(([, v]) => v > 0);
        const g = Object.entries(report.groundTruthSkipped).filter(([, v]) => v > 0);
        throw new Error(
            `No prediction could be joined with ground truth (${report.captures} captures, ${report.groundTruthRecords} ground-truth records; ` +
                `capture skips: ${JSON.stringify(Object.fromEntries(c))}; ground-truth skips: ${JSON.stringify(Object.fromEntries(g))}). ` +
                "Check that ground-truth eventMetadata.eventId equals the capture inferenceId (or eventId), and that the time window covers the captures.",
        );
    }
    const hasPred = rows.every((r) => r.predictedLabel !== undefined);
    const evaluation = evaluateBinaryClassification(
        {
            scores: rows.map((r) => r.score),
            labels: rows.map((r) => r.label),
            predictedLabels: hasPred ? rows.map((r) => r.predictedLabel as 0 | 1) : undefined,
        },
        opts,
    );
    return { evaluation, report };
}
