/**
 * Byte-level capture reader for data-quality profiling (issue 14): profiles the CSV payloads of capture JSONL
 * files straight from the file bytes, without a string or an object per record or per cell.
 *
 * Every line is validated as JSON by a strict scanner that also locates `captureData.<side>.data`,
 * `captureData.<side>.encoding` and `eventMetadata.inferenceTime` (the last occurrence of a duplicated key wins,
 * as in JSON.parse). A line takes the fast path only when it is the common case: a valid JSON object whose
 * payload is a CSV-encoded string (`"encoding":"CSV"`) of printable ASCII without escapes (so it is one CSV row
 * without quotes), and whose inferenceTime, when present, is a plain string. Everything else - BASE64 or JSON
 * encodings, escapes (quotes, newlines, unicode escapes), non-ASCII payloads, blank or malformed lines, records
 * without a payload, odd shapes - goes through the JSON path of capture.ts line by line
 * ({@link parseCaptureLine}, {@link capturedRows}), so counts, problem examples and profiles are the same as
 * {@link readCaptureRows} + {@link DatasetProfiler.addRow} (test/monitoring/capture-scan.test.ts).
 *
 * Numbers are parsed from the cell bytes with the same grammar as the profiler's classifyText; the value is
 * exact (Clinger's fast path: at most 15 significant digits and a power of ten up to 1e22 are both exact
 * doubles, so one IEEE multiplication or division rounds correctly), otherwise Number() on the cell's text.
 */
import * as fs from "fs";
import { CaptureReadStats, capturedRows, listCaptureFiles, parseCaptureLine, type CaptureMode, type CaptureWidthState } from "./capture";
import type { ColumnProfile, DatasetProfiler } from "./dataquality/profile";

export interface ScanCaptureOptions {
    mode?: CaptureMode;
    /** Row width fixed in advance (else by the first decoded row). */
    expectedColumns?: number;
    /** Keep a row? Called with its inferenceTime (undefined when absent); rows refused are counted as outside. */
    accept?: (inferenceTime: string | undefined) => boolean;
    /** Read size (default {@link CHUNK_BYTES}); a line longer than this grows the buffer. */
    chunkBytes?: number;
    /** Lines taken by each path (for tests and benchmarks). */
    counters?: { fast: number; json: number; layout?: number };
}

const Q = 0x22; // "
/** 1 for the bytes a JSON string holds as they are and this reader needs no note of: 0x20-0x7e but the quote and backslash. */
const PLAIN = new Uint8Array(256).map((_, c) => (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c ? 1 : 0));
const BS = 0x5c; // backslash

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

function keyIs(b: Uint8Array, s: number, e: number, key: Uint8Array): boolean {
    if (e - s !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (b[s + i] !== key[i]) return false;
    return true;
}

const K_CAPTURE = Buffer.from("captureData");
const K_INPUT = Buffer.from("endpointInput");
const K_OUTPUT = Buffer.from("endpointOutput");
const K_DATA = Buffer.from("data");
const K_ENCODING = Buffer.from("encoding");
const K_METADATA = Buffer.from("eventMetadata");
const K_TIME = Buffer.from("inferenceTime");
const V_CSV = Buffer.from("CSV");

/**
 * A strict JSON scanner over one line (no newlines inside). Each method returns the index after what it read,
 * or -1 when the text is not JSON (or too deep: the JSON path decides then).
 */
class LineScanner {
    b: Uint8Array = new Uint8Array(0);
    end = 0;
    // string just read: [strS, strE) raw bytes; flags
    strS = 0;
    strE = 0;
    strEsc = false;
    /** a byte outside printable ASCII (0x20-0x7e) inside the string */
    strWide = false;
    // what the record holds (last occurrence wins)
    side: Uint8Array = K_INPUT;
    captureObj = false;
    sideObj = false;
    dataS = -1;
    dataE = -1;
    dataOk = false;
    encCsv = false;
    /** eventMetadata: 0 absent/null, 1 object, 2 other */
    meta = 0;
    /** inferenceTime: 0 absent, 1 plain string, 2 other */
    time = 0;
    timeS = 0;
    timeE = 0;
    /** Start of the encoding's string value (-1: not a string). */
    encS = -1;
    /** The last line taken was recognised by its layout (matchShape), not scanned strictly. */
    byLayout = false;
    /** The layout of the last line the strict scan took (see {@link matchShape}); null before the first. */
    private shape: LineShape | null = null;
    private slotS = new Int32Array(16);
    private slotE = new Int32Array(16);

    ws(i: number): number {
        const b = this.b;
        while (i < this.end) {
            const c = b[i];
            if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
            else break;
        }
        return i;
    }

    /** i at the opening quote. */
    str(i: number): number {
        const b = this.b;
        const end = this.end;
        let esc = false;
        let wide = false;
        const s = ++i;
        while (i < end) {
            const c = b[i];
            // printable ASCII other than the quote and the backslash: the usual byte, one test
            if (PLAIN[c] === 1) {
                i++;
                continue;
            }
            if (c === Q) {
                this.strS = s;
                this.strE = i;
                this.strEsc = esc;
                this.strWide = wide;
                return i + 1;
            }
            if (c < 0x20) return -1;
            if (c === BS) {
                esc = true;
                const d = b[i + 1];
                if (d === 0x75) {
                    // \uXXXX
                    for (let k = 2; k < 6; k++) {
                        const h = b[i + k];
                        if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66)) || i + k >= end) return -1;
                    }
                    i += 6;
                    continue;
                }
                if (d === Q || d === BS || d === 0x2f || d === 0x62 || d === 0x66 || d === 0x6e || d === 0x72 || d === 0x74) {
                    i += 2;
                    continue;
                }
                return -1;
            }
            if (c > 0x7e) wide = true;
            i++;
        }
        return -1;
    }

    num(i: number): number {
        const b = this.b;
        const end = this.end;
        if (b[i] === 0x2d) i++;
        if (i >= end) return -1;
        if (b[i] === 0x30) i++;
        else if (b[i] >= 0x31 && b[i] <= 0x39) while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
        else return -1;
        if (i < end && b[i] === 0x2e) {
            i++;
            const s = i;
            while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
            if (i === s) return -1;
        }
        if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
            i++;
            if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
            const s = i;
            while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
            if (i === s) return -1;
        }
        return i;
    }

    lit(i: number, word: string): number {
        for (let k = 0; k < word.length; k++) if (this.b[i + k] !== word.charCodeAt(k)) return -1;
        return i + word.length;
    }

    /** Any JSON value at i (after whitespace). */
    value(i: number, depth: number): number {
        if (i >= this.end) return -1;
        const c = this.b[i];
        if (c === Q) return this.str(i);
        if (c === 0x7b) return this.object(i, depth + 1, 0);
        if (c === 0x5b) return this.array(i, depth + 1);
        if (c === 0x74) return this.lit(i, "true");
        if (c === 0x66) return this.lit(i, "false");
        if (c === 0x6e) return this.lit(i, "null");
        return this.num(i);
    }

    array(i: number, depth: number): number {
        if (depth > 64) return -1;
        i = this.ws(i + 1);
        if (this.b[i] === 0x5d) return i + 1;
        for (;;) {
            i = this.value(i, depth);
            if (i < 0) return -1;
            i = this.ws(i);
            if (i >= this.end) return -1;
            const c = this.b[i];
            if (c === 0x5d) return i + 1;
            if (c !== 0x2c) return -1;
            i = this.ws(i + 1);
        }
    }

    /**
     * An object at i. `role`: 0 any (values skipped), 1 the record, 2 captureData, 3 the payload side,
     * 4 eventMetadata: the members this reader needs are noted as they are read.
     */
    object(i: number, depth: number, role: number): number {
        if (depth > 64) return -1;
        const b = this.b;
        i = this.ws(i + 1);
        if (b[i] === 0x7d) return i + 1;
        for (;;) {
            if (b[i] !== Q) return -1;
            i = this.str(i);
            if (i < 0) return -1;
            const ks = this.strS;
            const ke = this.strE;
            const kEsc = this.strEsc;
            i = this.ws(i);
            if (b[i] !== 0x3a) return -1;
            i = this.ws(i + 1);
            if (i >= this.end) return -1;
            // an escaped key could spell one of ours: let the JSON path decide
            if (kEsc && role !== 0) return -1;
            const c = b[i];
            if (role === 1 && keyIs(b, ks, ke, K_CAPTURE)) {
                this.captureObj = c === 0x7b;
                this.sideObj = false;
                this.dataOk = false;
                this.encCsv = false;
                i = this.captureObj ? this.object(i, depth + 1, 2) : this.value(i, depth);
            } else if (role === 1 && keyIs(b, ks, ke, K_METADATA)) {
                this.meta = c === 0x7b ? 1 : c === 0x6e ? 0 : 2;
                this.time = 0;
                i = this.meta === 1 ? this.object(i, depth + 1, 4) : this.value(i, depth);
            } else if (role === 2 && keyIs(b, ks, ke, this.side)) {
                this.sideObj = c === 0x7b;
                this.dataOk = false;
                this.encCsv = false;
                i = this.sideObj ? this.object(i, depth + 1, 3) : this.value(i, depth);
            } else if (role === 3 && keyIs(b, ks, ke, K_DATA)) {
                i = this.value(i, depth);
                this.dataOk = c === Q && !this.strEsc && !this.strWide;
                this.dataS = this.strS;
                this.dataE = this.strE;
            } else if (role === 3 && keyIs(b, ks, ke, K_ENCODING)) {
                i = this.value(i, depth);
                this.encCsv = c === Q && keyIs(b, this.strS, this.strE, V_CSV);
                this.encS = c === Q ? this.strS : -1;
            } else if (role === 4 && keyIs(b, ks, ke, K_TIME)) {
                i = this.value(i, depth);
                this.time = c === Q && !this.strEsc ? 1 : 2;
                this.timeS = this.strS;
                this.timeE = this.strE;
            } else i = this.value(i, depth);
            if (i < 0) return -1;
            i = this.ws(i);
            if (i >= this.end) return -1;
            if (b[i] === 0x7d) return i + 1;
            if (b[i] !== 0x2c) return -1;
            i = this.ws(i + 1);
        }
    }

    /**
     * Scan line [s, e). True when it is a capture record the fast path takes (see the module comment). A line laid out
     * byte for byte like the last one the strict scan took, but for the contents of its string values, is recognised by
     * {@link matchShape} without walking its JSON; any other line is scanned strictly (and its layout remembered).
     */
    scan(b: Uint8Array, s: number, e: number): boolean {
        if (this.shape !== null && this.matchShape(b, s, e)) return true;
        if (!this.scanStrict(b, s, e)) return false;
        this.shape = learnShape(this, b, s, e);
        return true;
    }

    /**
     * The line is the remembered layout with other string values: every constant byte (punctuation, keys, whitespace,
     * numbers and literals) equal, every string value made only of bytes that need no note (PLAIN: printable ASCII
     * without quote or backslash). Then its JSON is valid and has the same structure as the remembered line's, so the
     * strict scan would find the same members at the same slots: the payload, the encoding (checked to be "CSV") and
     * the inferenceTime (a plain string). A blank payload is left to the strict scan (it refuses it).
     */
    private matchShape(b: Uint8Array, s: number, e: number): boolean {
        const sh = this.shape!;
        const c = sh.consts;
        const ends = sh.ends;
        const slots = ends.length - 1;
        const slotS = this.slotS;
        const slotE = this.slotE;
        let i = s;
        let p = 0;
        for (let k = 0; ; k++) {
            const stop = ends[k];
            if (i + (stop - p) > e) return false;
            for (; p < stop; p++, i++) if (b[i] !== c[p]) return false;
            if (k === slots) break;
            const st = i;
            while (i < e && PLAIN[b[i]] === 1) i++;
            slotS[k] = st;
            slotE[k] = i;
        }
        if (i !== e) return false;
        if (!keyIs(b, slotS[sh.enc], slotE[sh.enc], V_CSV)) return false;
        const ds = slotS[sh.data];
        const de = slotE[sh.data];
        let blank = true;
        for (let k = ds; k < de; k++)
            if (b[k] !== 0x20) {
                blank = false;
                break;
            }
        if (blank) return false;
        this.dataS = ds;
        this.dataE = de;
        this.dataOk = true;
        this.encCsv = true;
        this.captureObj = true;
        this.sideObj = true;
        this.meta = sh.meta;
        if (sh.time >= 0) {
            this.time = 1;
            this.timeS = slotS[sh.time];
            this.timeE = slotE[sh.time];
        } else this.time = 0;
        this.byLayout = true;
        return true;
    }

    /** The strict scan of line [s, e) (see {@link scan}). */
    scanStrict(b: Uint8Array, s: number, e: number): boolean {
        this.byLayout = false;
        this.b = b;
        this.end = e;
        this.captureObj = false;
        this.sideObj = false;
        this.dataOk = false;
        this.encCsv = false;
        this.meta = 0;
        this.time = 0;
        let i = this.ws(s);
        if (b[i] !== 0x7b) return false;
        i = this.object(i, 1, 1);
        if (i < 0 || this.ws(i) !== e) return false;
        if (!this.captureObj || !this.sideObj || !this.dataOk || !this.encCsv || this.meta === 2 || this.time === 2) return false;
        // a blank payload is an empty_payload problem: the JSON path reports it
        for (let k = this.dataS; k < this.dataE; k++) if (b[k] !== 0x20) return true;
        return false;
    }
}

/**
 * A line's layout: its bytes with the contents of every string value (a string right after a ':') cut out. `consts`
 * holds the constant bytes in order, `ends[k]` the end of the k-th constant run in it (the string value k follows run
 * k); `data`, `enc`, `time`: the slots of the payload, the encoding and the inferenceTime (-1 when absent).
 */
interface LineShape {
    consts: Uint8Array;
    ends: Int32Array;
    data: number;
    enc: number;
    time: number;
    meta: number;
}

/** The layout of line [s, e), which `sc` has just taken (its dataS, encS, timeS locate the slots); null if unusable. */
function learnShape(sc: LineScanner, b: Uint8Array, s: number, e: number): LineShape | null {
    const consts: number[] = [];
    const ends: number[] = [];
    const starts: number[] = [];
    let prev = 0; // the last byte outside strings and whitespace
    for (let i = s; i < e;) {
        const c = b[i];
        if (c !== Q) {
            consts.push(c);
            if (c !== 0x20 && c !== 0x09) prev = c;
            i++;
            continue;
        }
        // a string: find its end as the strict scanner does (escapes included)
        sc.b = b;
        sc.end = e;
        const after = sc.str(i);
        if (after < 0) return null;
        if (prev === 0x3a) {
            // a value: the quotes stay constant, the contents become a slot
            consts.push(Q);
            ends.push(consts.length);
            starts.push(i + 1);
            consts.push(Q);
        } else for (let k = i; k < after; k++) consts.push(b[k]);
        prev = Q;
        i = after;
    }
    ends.push(consts.length);
    const slot = (at: number): number => (at < 0 ? -1 : starts.indexOf(at));
    const data = slot(sc.dataS);
    const enc = slot(sc.encS);
    const time = sc.time === 1 ? slot(sc.timeS) : -1;
    if (data < 0 || enc < 0 || (sc.time === 1 && time < 0) || starts.length > 16) return null;
    return { consts: Uint8Array.from(consts), ends: Int32Array.from(ends), data, enc, time, meta: sc.meta };
}

function latin1(b: Uint8Array, s: number, e: number): string {
    return Buffer.prototype.toString.call(b, "latin1", s, e);
}

/** A cell that is not a number: its text runs from `ts` to the next comma (trailing blanks trimmed). */
function textCell(col: ColumnProfile, b: Uint8Array, ts: number, from: number, de: number): number {
    let k = from;
    while (k < de && b[k] !== 0x2c) k++;
    let e = k;
    while (e > ts && b[e - 1] === 0x20) e--;
    col.addCell(latin1(b, ts, e));
    return k;
}

/**
 * One CSV cell of a payload (printable ASCII, no quotes), from `s` to the next comma or `de`, into column `col`,
 * with the same result as `col.addCell(text)`: blanks trimmed, classified Integral / Fractional / Boolean / String /
 * missing. Numbers are parsed, and checked for the canonical form (isCanonicalNumberText), in the same single pass
 * that finds the cell's end. Returns the index of the comma ending the cell, or `de`.
 */
export function scanCell(col: ColumnProfile, b: Uint8Array, s: number, de: number): number {
    let i = s;
    while (i < de && b[i] === 0x20) i++;
    const ts = i;
    if (i === de || b[i] === 0x2c) {
        col.addCell("");
        return i;
    }
    let c = b[i];
    let neg = false;
    let plus = false;
    if (c === 0x2b || c === 0x2d) {
        neg = c === 0x2d;
        plus = !neg;
        if (++i === de) return textCell(col, b, ts, i, de);
        c = b[i];
    }
    if (!((c >= 0x30 && c <= 0x39) || c === 0x2e)) return textCell(col, b, ts, i, de);
    const first = c;
    let m = 0;
    let sig = 0;
    let intDigits = 0;
    let fracDigits = 0;
    let scale = 0;
    let tz = 0; // zeros ending the significant digits so far
    while (i < de && (c = b[i]) >= 0x30 && c <= 0x39) {
        if (sig > 0 || c !== 0x30) {
            if (sig < 16) m = m * 10 + (c - 0x30);
            else scale++;
            sig++;
            tz = c === 0x30 ? tz + 1 : 0;
        }
        intDigits++;
        i++;
    }
    let integral = true;
    let dot = false;
    if (i < de && c === 0x2e) {
        integral = false;
        dot = true;
        i++;
        while (i < de && (c = b[i]) >= 0x30 && c <= 0x39) {
            if (sig > 0 || c !== 0x30) {
                if (sig < 16) {
                    m = m * 10 + (c - 0x30);
                    scale--;
                }
                sig++;
                tz = c === 0x30 ? tz + 1 : 0;
            } else scale--;
            fracDigits++;
            i++;
        }
        if (intDigits === 0 && fracDigits === 0) return textCell(col, b, ts, i, de);
    }
    let exp = 0;
    let hasExp = false;
    if (i < de && (c === 0x65 || c === 0x45)) {
        if (intDigits + fracDigits === 0) return textCell(col, b, ts, i, de);
        integral = false;
        hasExp = true;
        i++;
        let eneg = false;
        if (i < de && ((c = b[i]) === 0x2b || c === 0x2d)) {
            eneg = c === 0x2d;
            i++;
        }
        const es = i;
        while (i < de && (c = b[i]) >= 0x30 && c <= 0x39) {
            if (exp < 100000) exp = exp * 10 + (c - 0x30);
            i++;
        }
        if (i === es) return textCell(col, b, ts, i, de);
        if (eneg) exp = -exp;
    }
    // the number ends here: only blanks may follow before the comma
    const te = i;
    while (i < de && b[i] === 0x20) i++;
    if (i < de && b[i] !== 0x2c) return textCell(col, b, ts, i, de);
    let x: number;
    const p = scale + exp;
    if (sig <= 15 && p >= -22 && p <= 22) {
        x = p >= 0 ? m * POW10[p] : m / POW10[-p];
        if (neg) x = -x;
    } else x = Number(latin1(b, ts, te));
    // isCanonicalNumberText / paddedDecimalDigits on what was just parsed: no '+', no exponent, no superfluous
    // leading zero, 1e-6 <= |x| < 1e21 (or zero); canonical: <= 15 digits, no trailing zero; padded: a fraction
    // ending in zeros, <= 15 digits before them
    let canonical = false;
    let padded = 0;
    if (!plus && !hasExp && intDigits > 0 && (first !== 0x30 || intDigits === 1)) {
        const last = b[te - 1];
        if (x === 0) {
            if (te - ts === 1) canonical = true;
            else if (dot && !neg && last === 0x30) padded = fracDigits;
        } else {
            const ax = x < 0 ? -x : x;
            if (ax >= 1e-6 && ax < 1e21 && (first !== 0x30 || dot)) {
                if (!dot) canonical = sig <= 15;
                else if (last === 0x30) {
                    if (sig - tz <= 15) padded = fracDigits;
                } else canonical = last !== 0x2e && sig <= 15;
            }
        }
    }
    col.addParsedNumber(x, integral, canonical, canonical || padded > 0 ? undefined : latin1(b, ts, te), padded);
    return i;
}

/** One CSV cell [s, e) holding no comma into column `col` (see {@link scanCell}). */
export function addCellBytes(col: ColumnProfile, b: Uint8Array, s: number, e: number): void {
    scanCell(col, b, s, e);
}

/** Default read size of {@link profileCaptureBytes}. */
export const CHUNK_BYTES = 4 << 20;

/**
 * READS. Chunks are read synchronously into one buffer that each thread keeps between calls. Measured on the benchmark
 * VM (2 vCPUs, Firecracker; 188 MB window, 2 threads, docs/monitoring.md):
 *  - an asynchronous read copies on a libuv pool thread, which then has to wake the profiling thread: with both cores
 *    profiling, the pool threads preempted them, and each profiling thread waited 20-50 ms per call for a core
 *    (/proc/<tid>/schedstat), against 1-17 ms with synchronous reads; the two-thread speed-up went from ×1.73 to ×1.77
 *    (median of 8 interleaved pairs each);
 *  - a new 4 MiB buffer per call is 1,024 first-touch page faults, each 5-11 µs on that VM, and a worker thread's malloc
 *    arena gives such memory back to the system between calls, so a warm worker faulted on every call.
 * A read blocks this thread's event loop for about 0.5 ms per 4 MiB from the page cache; profiling is all this thread does.
 */
let spareChunk: Buffer | undefined;

/**
 * Profile the capture files `sources` (folders or files, as readCaptureRows takes them) into `profiler`,
 * counting lines, records, rows and problems in `stats` exactly as readCaptureRows does. Returns the rows
 * refused by `o.accept` (outside the window).
 */
export async function profileCaptureBytes(
    sources: string[],
    profiler: DatasetProfiler,
    stats: CaptureReadStats,
    o: ScanCaptureOptions = {},
): Promise<{ outside: number }> {
    const side = (o.mode ?? "INPUT") === "INPUT" ? "endpointInput" : "endpointOutput";
    const sc = new LineScanner();
    sc.side = side === "endpointInput" ? K_INPUT : K_OUTPUT;
    const state: CaptureWidthState = { width: o.expectedColumns };
    const accept = o.accept;
    const counters = o.counters;
    let outside = 0;
    const files: string[] = [];
    for (const s of sources) {
        try {
            files.push(...(await listCaptureFiles(s)));
        } catch (e) {
            stats.note("unreadable_file", s, 0, `${(e as Error).message}; check the path exists and is readable`);
        }
    }
    // this thread's read buffer from its last call, when no other call holds it (calls may interleave at their awaits)
    let buf = !o.chunkBytes && spareChunk ? spareChunk : Buffer.allocUnsafe(o.chunkBytes ?? CHUNK_BYTES);
    if (buf === spareChunk) spareChunk = undefined;

    const cols: ColumnProfile[] = [];
    const fastRow = (b: Buffer, file: string, line: number): void => {
        const ds = sc.dataS;
        const de = sc.dataE;
        let width: number;
        if (accept) {
            // the row's width is checked before the window (as the JSON path does), so count it first
            width = 1;
            for (let k = ds; k < de; k++) if (b[k] === 0x2c) width++;
            checkWidth(width, file, line);
            if (!accept(sc.time === 1 ? b.toString("utf8", sc.timeS, sc.timeE) : undefined)) {
                outside++;
                return;
            }
            scanCells(b, ds, de);
        } else {
            // one pass: the cells are parsed as their commas are found
            width = scanCells(b, ds, de);
            checkWidth(width, file, line);
        }
        profiler.endPositionalRow(width);
    };
    const checkWidth = (width: number, file: string, line: number): void => {
        if (state.width === undefined) state.width = width;
        else if (width !== state.width) stats.note("schema_change", file, line, `row has ${width} columns, expected ${state.width}`);
        stats.rows++;
    };
    /** The cells of payload [ds, de) into the positional columns (created on first use); returns their number. */
    const scanCells = (b: Buffer, ds: number, de: number): number => {
        let j = 0;
        let k = ds;
        for (;;) {
            const col = j < cols.length ? cols[j] : (cols[j] = profiler.cellColumn(j));
            j++;
            k = scanCell(col, b, k, de);
            if (k >= de) return j;
            k++; // the comma
        }
    };

    const slowLine = (text: string, file: string, line: number, truncatedTail: boolean): void => {
        const ev = parseCaptureLine(text, file, line, truncatedTail, stats);
        if (!ev) return;
        for (const r of capturedRows(ev, side, state, stats)) {
            if (accept && !accept(r.inferenceTime)) {
                outside++;
                continue;
            }
            profiler.addRow(r.values, r.names);
        }
    };

    for (const file of files) {
        stats.files++;
        let fh: fs.promises.FileHandle;
        let endsWithNewline = true;
        try {
            fh = await fs.promises.open(file, "r");
        } catch (e) {
            stats.note("unreadable_file", file, 0, (e as Error).message);
            continue;
        }
        try {
            const { size } = await fh.stat();
            if (size > 0) {
                const one = Buffer.alloc(1);
                await fh.read(one, 0, 1, size - 1);
                endsWithNewline = one[0] === 0x0a;
            }
        } catch (e) {
            await fh.close();
            stats.note("unreadable_file", file, 0, (e as Error).message);
            continue;
        }
        let lineNo = 0;
        try {
            let filled = 0; // bytes in buf
            let pos = 0; // file offset of the next read
            let start = 0; // start of the current line in buf
            let eof = false;
            let skipLf = false; // a \r ended the previous chunk: a \n right after it belongs to it
            // the line is handled once the next one is known to exist (as readCaptureRecords: the last line may be a truncated tail)
            let pendS = -1;
            let pendE = -1;
            let pendLine = 0;
            const handle = (s: number, e: number, line: number, last: boolean): void => {
                if (sc.scan(buf, s, e)) {
                    stats.lines++;
                    stats.records++;
                    if (counters) {
                        counters.fast++;
                        if (sc.byLayout) counters.layout = (counters.layout ?? 0) + 1;
                    }
                    fastRow(buf, file, line);
                } else {
                    if (counters) counters.json++;
                    slowLine(buf.toString("utf8", s, e), file, line, last && !endsWithNewline);
                }
            };
            while (!eof) {
                if (start > 0) {
                    // keep the unfinished line (and a pending one) at the front
                    const keep = pendS >= 0 ? pendS : start;
                    if (keep > 0) buf.copy(buf, 0, keep, filled);
                    filled -= keep;
                    start -= keep;
                    if (pendS >= 0) {
                        pendE -= keep;
                        pendS = 0;
                    }
                }
                if (filled === buf.length) {
                    const nb = Buffer.allocUnsafe(buf.length * 2);
                    buf.copy(nb, 0, 0, filled);
                    buf = nb;
                }
                // a synchronous read: the kernel copies into this thread's buffer on this thread's core (see READS above)
                const bytesRead = fs.readSync(fh.fd, buf, filled, buf.length - filled, pos);
                pos += bytesRead;
                if (bytesRead === 0) eof = true;
                const scanFrom = filled;
                filled += bytesRead;
                let k = scanFrom;
                if (skipLf && k < filled) {
                    if (buf[k] === 0x0a) start = ++k;
                    skipLf = false;
                }
                // no \r in the chunk (the usual case): find line ends with memchr
                const view = buf.subarray(0, filled);
                const noCr = view.indexOf(0x0d, k) < 0;
                for (; k < filled; k++) {
                    if (noCr) {
                        const nl = view.indexOf(0x0a, k);
                        if (nl < 0) break;
                        k = nl;
                    }
                    const c = buf[k];
                    if (c !== 0x0a && c !== 0x0d) continue;
                    // a line [start, k)
                    if (pendS >= 0) handle(pendS, pendE, pendLine, false);
                    pendS = start;
                    pendE = k;
                    pendLine = ++lineNo;
                    if (c === 0x0d) {
                        if (k + 1 < filled) {
                            if (buf[k + 1] === 0x0a) k++;
                        } else skipLf = true;
                    }
                    start = k + 1;
                }
                if (eof) {
                    if (start < filled) {
                        if (pendS >= 0) handle(pendS, pendE, pendLine, false);
                        pendS = start;
                        pendE = filled;
                        pendLine = ++lineNo;
                        start = filled;
                    }
                    if (pendS >= 0) handle(pendS, pendE, pendLine, true);
                    pendS = -1;
                }
            }
        } catch (e) {
            stats.note("unreadable_file", file, lineNo, (e as Error).message);
        } finally {
            await fh.close();
        }
    }
    if (buf.length === CHUNK_BYTES && !o.chunkBytes) spareChunk = buf;
    return { outside };
}
