/**
 * Local batch transform with SageMaker `CreateTransformJob` semantics over one CSV file, scored
 * in-process through the same model code as the endpoint (ServingModel: transform → XGBoost scorer →
 * CSV encoding; no HTTP).
 *
 * Supported settings (the subset SageMaker documents for CSV input):
 *  - `SplitType`: `Line` (each line is a record) or `None` (the whole file is one request).
 *  - `BatchStrategy`: `MultiRecord` (as many records per request as fit in `MaxPayloadInMB`, MiB) or
 *    `SingleRecord` (one record per request). A single record larger than the limit fails the job, as in SageMaker.
 *  - `AssembleWith`: `Line` (one output record per line) or `None` (responses concatenated as returned).
 *  - `DataProcessing`:
 *      `InputFilter`  — selects input columns sent to the model, e.g. `$[1:]` drops an id column;
 *      `JoinSource`   — `Input` appends the model output to the ORIGINAL (unfiltered) input record, `None` (default) not;
 *      `OutputFilter` — selects columns of the (joined) output record, e.g. `$[0,-1]` = id + prediction.
 *    Selector grammar (JSONPath subset for CSV records): `$` (whole record), `$[i]`, `$[i,j,...]`,
 *    `$[a:b]`, `$[a:]`, `$[:b]`, and unions like `$[0,5:]`; negative indices count from the end; slices are
 *    Python-style (end exclusive). An index outside the record fails the job naming the record.
 * Blank input lines are skipped (counted in the report). Fields are split with RFC-4180 quoting and
 * re-joined with `,` when a filter is applied (unfiltered records are passed through byte-for-byte).
 * The output is written to a temporary file and renamed into place when the job succeeds
 * (default output path: `<input>.out`, like SageMaker's `<object>.out`).
 */
import * as fs from "fs";
import * as readline from "readline";
import { splitDelimited } from "../data";
import { ServingModel, encodePredictions, InvocationError } from "./model";

export interface DataProcessing {
    InputFilter?: string;
    JoinSource?: "Input" | "None";
    OutputFilter?: string;
}

export interface BatchTransformOptions {
    modelPath: string;
    transformPath?: string;
    input: string;
    /** Default `<input>.out`. */
    output?: string;
    /** Only text/csv input is supported. */
    contentType?: string;
    splitType?: "Line" | "None";
    batchStrategy?: "MultiRecord" | "SingleRecord";
    /** Default 6 (SageMaker's default), range (0, 100]. */
    maxPayloadInMB?: number;
    assembleWith?: "Line" | "None";
    dataProcessing?: DataProcessing;
}

export interface BatchTransformReport {
    input: string;
    output: string;
    records: number;
    blankLinesSkipped: number;
    requests: number;
    maxRequestBytes: number;
    seconds: number;
    rowsPerSecond: number;
}

type SelItem = { kind: "index"; i: number } | { kind: "slice"; start?: number; end?: number };
export interface CsvSelector {
    expr: string;
    all: boolean;
    items: SelItem[];
}

/** Parse a CSV JSONPath-subset selector (see module doc). Throws naming the expression and the fix. */
export function parseCsvSelector(expr: string): CsvSelector {
    const e = expr.trim();
    if (e === "$") return { expr, all: true, items: [] };
    const m = /^\$\[(.*)\]$/.exec(e);
    const fix = "use $, $[i], $[i,j], $[a:b] or unions like $[0,5:] (negative indices count from the end)";
    if (!m) throw new Error(`selector "${expr}" is not supported for CSV; ${fix}`);
    const items: SelItem[] = [];
    const int = (s: string) => {
        if (!/^-?\d+$/.test(s.trim())) throw new Error(`selector "${expr}": "${s}" is not an integer index; ${fix}`);
        return parseInt(s, 10);
    };
    for (const part of m[1].split(",")) {
        const p = part.trim();
        if (p === "") throw new Error(`selector "${expr}" has an empty element; ${fix}`);
        if (p.includes(":")) {
            const bits = p.split(":");
            if (bits.length !== 2) throw new Error(`selector "${expr}": slice "${p}" must be a:b (steps are not supported); ${fix}`);
            items.push({ kind: "slice", start: bits[0].trim() === "" ? undefined : int(bits[0]), end: bits[1].trim() === "" ? undefined : int(bits[1]) });
        } else if (p === "*") items.push({ kind: "slice" });
        else items.push({ kind: "index", i: int(p) });
    }
    return { expr, all: false, items };
}

/** Select fields of one record. `recordNo` (1-based) only names the record in errors. */
export function applyCsvSelector(sel: CsvSelector, fields: string[], recordNo = 0): string[] {
    if (sel.all) return fields;
    const n = fields.length;
    const out: string[] = [];
    for (const it of sel.items) {
        if (it.kind === "index") {
            const k = it.i < 0 ? n + it.i : it.i;
            if (k < 0 || k >= n) {
                throw new Error(
                    `record ${recordNo}: selector "${sel.expr}" index ${it.i} is outside the record's ${n} columns; fix the filter or the input file`,
                );
            }
            out.push(fields[k]);
        } else {
            const norm = (x: number | undefined, dflt: number) => (x === undefined ? dflt : x < 0 ? Math.max(0, n + x) : Math.min(n, x));
            const a = norm(it.start, 0);
            const b = norm(it.end, n);
            for (let k = a; k < b; k++) out.push(fields[k]);
        }
    }
    return out;
}

/** Run a batch transform job over one file; resolves with counts and rows/s. */
export async function runBatchTransform(o: BatchTransformOptions): Promise<BatchTransformReport> {
    const problems: string[] = [];
    const ct = (o.contentType ?? "text/csv").split(";")[0].trim().toLowerCase();
    if (ct !== "text/csv") problems.push(`ContentType "${o.contentType}" is not supported by the local batch transform; use text/csv`);
    const split = o.splitType ?? "Line";
    if (split !== "Line" && split !== "None") problems.push(`SplitType "${split}" is not supported; use Line or None`);
    const strategy = o.batchStrategy ?? "MultiRecord";
    if (strategy !== "MultiRecord" && strategy !== "SingleRecord") problems.push(`BatchStrategy "${strategy}" must be MultiRecord or SingleRecord`);
    const assemble = o.assembleWith ?? "Line";
    if (assemble !== "Line" && assemble !== "None") problems.push(`AssembleWith "${assemble}" must be Line or None`);
    const mb = o.maxPayloadInMB ?? 6;
    if (!(typeof mb === "number" && mb > 0 && mb <= 100)) problems.push(`MaxPayloadInMB ${mb} must be in (0, 100]`);
    const dp = o.dataProcessing ?? {};
    const join = dp.JoinSource ?? "None";
    if (join !== "Input" && join !== "None") problems.push(`JoinSource "${join}" must be Input or None`);
    let inSel: CsvSelector | undefined;
    let outSel: CsvSelector | undefined;
    try {
        inSel = parseCsvSelector(dp.InputFilter ?? "$");
    } catch (e) {
        problems.push(`InputFilter: ${(e as Error).message}`);
    }
    try {
        outSel = parseCsvSelector(dp.OutputFilter ?? "$");
    } catch (e) {
        problems.push(`OutputFilter: ${(e as Error).message}`);
    }
    if (!fs.existsSync(o.input)) problems.push(`input file ${o.input} does not exist`);
    if (problems.length) throw new Error(`batch transform rejected:\n  - ${problems.join("\n  - ")}`);
    const model = ServingModel.load({ name: "batch", modelPath: o.modelPath, transformPath: o.transformPath });
    const output = o.output ?? `${o.input}.out`;
    const tmp = `${output}.${process.pid}.partial`;
    const maxBytes = Math.floor(mb! * 1024 * 1024);
    const t0 = process.hrtime.bigint();
    const ws = fs.openSync(tmp, "w");
    let records = 0;
    let blank = 0;
    let requests = 0;
    let maxReq = 0;
    let outBuf = "";
    const flushOut = (force = false) => {
        if (outBuf.length >= 1 << 20 || (force && outBuf.length)) {
            fs.writeSync(ws, outBuf);
            outBuf = "";
        }
    };

    let batchOrig: string[] = [];
    let batchSent: string[] = [];
    let batchBytes = 0;
    let batchFirst = 1;
    const runBatch = () => {
        if (batchSent.length === 0) return;
        const payload = batchSent.join("\n");
        requests++;
        maxReq = Math.max(maxReq, Buffer.byteLength(payload));
        const first = batchFirst;
        const last = first + batchSent.length - 1;
        let preds: Float32Array;
        try {
            preds = model.predict(model.featuresFromCsv(payload));
        } catch (e) {
            const msg = e instanceof InvocationError ? e.message.replace(/^CSV row (\d+)/, (_, r) => `record ${first + Number(r) - 1}`) : (e as Error).message;
            throw new Error(`batch transform failed on request ${requests} (records ${first}-${last}) of ${o.input}: ${msg}`);
        }
        if (join === "None" && outSel!.all) {
            // the container's batch-mode response (one prediction per line, newline-terminated); with
            // AssembleWith None responses are concatenated as returned, which is the same bytes
            outBuf += encodePredictions(preds, "text/csv", "lines") + "\n";
        } else {
            for (let k = 0; k < preds.length; k++) {
                const predFields = [String(preds[k])];
                const joined = join === "Input" ? [...splitDelimited(batchOrig[k], ","), ...predFields] : predFields;
                const rec = outSel!.all ? joined : applyCsvSelector(outSel!, joined, first + k);
                outBuf += rec.join(",") + (assemble === "Line" ? "\n" : "");
            }
        }
        flushOut();
        batchOrig = [];
        batchSent = [];
        batchBytes = 0;
        batchFirst = last + 1;
    };

    try {
        if (split === "None") {
            const text = fs.readFileSync(o.input, "utf8");
            const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
            if (Buffer.byteLength(text) > maxBytes) {
                throw new Error(
                    `SplitType None sends the whole file as one request but ${o.input} is ${Buffer.byteLength(text)} bytes > MaxPayloadInMB (${mb}); use SplitType Line`,
                );
            }
            for (const l of lines) {
                if (l.trim() === "") {
                    blank++;
                    continue;
                }
                records++;
                batchOrig.push(l);
                batchSent.push(inSel!.all ? l : applyCsvSelector(inSel!, splitDelimited(l, ","), records).join(","));
            }
            runBatch();
        } else {
            const rl = readline.createInterface({ input: fs.createReadStream(o.input, "utf8"), crlfDelay: Infinity });
            for await (const l of rl) {
                if (l.trim() === "") {
                    blank++;
                    continue;
                }
                records++;
                const sent = inSel!.all ? l : applyCsvSelector(inSel!, splitDelimited(l, ","), records).join(",");
                const bytes = Buffer.byteLength(sent) + 1;
                if (bytes > maxBytes) {
                    throw new Error(
                        `record ${records} of ${o.input} is ${bytes} bytes, larger than MaxPayloadInMB (${mb}); raise MaxPayloadInMB or split the record`,
                    );
                }
                if (strategy === "SingleRecord" || batchBytes + bytes > maxBytes) runBatch();
                batchOrig.push(l);
                batchSent.push(sent);
                batchBytes += bytes;
            }
            runBatch();
        }
        flushOut(true);
        fs.closeSync(ws);
        fs.renameSync(tmp, output);
    } catch (e) {
        try {
            fs.closeSync(ws);
        } catch {
            /* closed */
        }
        fs.rmSync(tmp, { force: true });
        throw e;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
        input: o.input,
        output,
        records,
        blankLinesSkipped: blank,
        requests,
        maxRequestBytes: maxReq,
        seconds,
        rowsPerSecond: seconds > 0 ? records / seconds : 0,
    };
}
