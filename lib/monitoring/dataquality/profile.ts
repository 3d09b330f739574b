/**
 * Streaming, Deequ-style column profiler producing Model Monitor `statistics.json`.
 *
 * Memory is flat in the row count: per column a few counters, a KLL sketch (bounded) and a value→count
 * map capped at `maxTrackedValues` distinct values (beyond that, distinct_count comes from a HyperLogLog).
 *
 * Type inference follows Deequ's data-type histogram, mapped onto the service's four types:
 *  - every present value classified as Integral (`-12`), Fractional (`1.5`, `1.0`, `2e3`), Boolean or String;
 *  - no present values → Unknown; any String, or Boolean mixed with numbers → String; Boolean only → String
 *    (Model Monitor has no Boolean type); any Fractional → Fractional; else Integral.
 * Missing = null / undefined / empty (or blank) string / NaN number.
 */
import type { CellValue } from "../capture";
import { releaseF64, takeF64, type F64Alloc } from "../sketch/f64-pool";
import { KllSketch, type KllState, SERVICE_KLL_BUCKETS, SERVICE_KLL_C, SERVICE_KLL_K } from "../sketch/kll";
import type { CategoricalBucket, FeatureStatistics, InferredType, StatisticsFile } from "./types";

export interface ProfilerOptions {
    /** Column names for positional rows; missing names become `_c<i>` as in the service. */
    columnNames?: string[];
    kllK?: number;
    kllC?: number;
    /** Number of equal-width KLL buckets in statistics.json (service: 10). */
    buckets?: number;
    /** Distinct values counted exactly per column before switching to HyperLogLog (default 10,000). */
    maxTrackedValues?: number;
    /** Categorical buckets written per string feature, most frequent first (default 1,000 as Deequ's histogram). */
    maxCategoricalBuckets?: number;
}

const BOOLEAN_RE = /^(true|false)$/i;

export enum CellKind {
    Missing = 0,
    Integral = 1,
    Fractional = 2,
    Boolean = 3,
    String = 4,
}

/** Classify one cell (string cells are trimmed). */
export function classifyCell(v: CellValue | undefined): CellKind {
    if (v === null || v === undefined) return CellKind.Missing;
    if (typeof v === "number") {
        if (v !== v) return CellKind.Missing;
        return Number.isInteger(v) ? CellKind.Integral : CellKind.Fractional;
    }
    if (typeof v === "boolean") return CellKind.Boolean;
    return classifyText(v.trim());
}

/**
 * Classify already-trimmed text: Integral `[+-]?\d+`, Fractional `[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?`,
 * Boolean `true|false` (any case), empty = Missing, else String. Hand-rolled scan (no regex) for speed.
 */
export function classifyText(s: string): CellKind {
    const n = s.length;
    if (n === 0) return CellKind.Missing;
    let i = 0;
    let c = s.charCodeAt(0);
    if (c === 43 || c === 45) {
        if (n === 1) return CellKind.String;
        c = s.charCodeAt(++i);
    }
    if ((c >= 48 && c <= 57) || c === 46) {
        let intDigits = 0;
        while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
            i++;
            intDigits++;
        }
        if (i === n) return CellKind.Integral;
        let fracDigits = 0;
        if (c === 46) {
            i++;
            while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
                i++;
                fracDigits++;
            }
            if (intDigits === 0 && fracDigits === 0) return CellKind.String;
            if (i === n) return CellKind.Fractional;
        }
        if (intDigits + fracDigits > 0 && (c === 101 || c === 69)) {
            i++;
            if (i < n && ((c = s.charCodeAt(i)) === 43 || c === 45)) i++;
            let expDigits = 0;
            while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
                i++;
                expDigits++;
            }
            if (expDigits > 0 && i === n) return CellKind.Fractional;
        }
        return CellKind.String;
    }
    if ((n === 4 || n === 5) && BOOLEAN_RE.test(s)) return CellKind.Boolean;
    return CellKind.String;
}

/** Deequ's rule mapped to the service's types. */
export function inferType(integral: number, fractional: number, boolean: number, string: number): InferredType {
    if (integral + fractional + boolean + string === 0) return "Unknown";
    if (string > 0 || boolean > 0) return "String";
    if (fractional > 0) return "Fractional";
    return "Integral";
}

// ---- tiny HyperLogLog (p = 12, 64-bit-ish hash from two 32-bit FNV/murmur mixes) -----------------
const HLL_F64 = new Float64Array(1);
const HLL_U32 = new Uint32Array(HLL_F64.buffer);

/**
 * True when `text` is exactly what String(x) prints for x = Number(text): no sign '+', no exponent, no
 * superfluous leading/trailing zeros, at most 15 significant digits (every such decimal round-trips, so
 * the shortest representation is the text itself) and 1e-6 <= |x| < 1e21 (no exponent form) or "0".
 * Canonical numeric texts map one-to-one to doubles, so they are counted by value (no string kept).
 */
export function isCanonicalNumberText(text: string, x: number): boolean {
    const n = text.length;
    if (x === 0) return text === "0";
    const ax = x < 0 ? -x : x;
    if (!(ax >= 1e-6 && ax < 1e21)) return false;
    let i = 0;
    let c = text.charCodeAt(0);
    if (c === 45) c = text.charCodeAt(++i);
    if (c === 48) {
        // only "0.xxx"
        if (i + 1 >= n || text.charCodeAt(i + 1) !== 46) return false;
    } else if (c < 49 || c > 57) return false;
    let digits = 0;
    let leading = true;
    let dot = -1;
    for (; i < n; i++) {
        c = text.charCodeAt(i);
        if (c === 46) {
            if (dot >= 0) return false;
            dot = i;
        } else if (c >= 48 && c <= 57) {
            if (leading && c === 48) continue;
            leading = false;
            digits++;
        } else return false;
    }
    if (digits > 15) return false;
    if (dot >= 0) {
        const last = text.charCodeAt(n - 1);
        if (last === 48 || last === 46) return false;
    }
    return true;
}

/**
 * Fraction digits `f` of a "padded decimal" text: a plain decimal whose fraction ends in zeros ("25.0", "0.50",
 * "-3.1400"; what Python's str() prints for an integral float and fixed-precision writers print), with no sign '+',
 * no exponent, no superfluous leading zero, at most 15 significant digits once trailing zeros are dropped, and
 * 1e-6 <= |x| < 1e21 or x = +0 ("0.0"). Such a text is exactly {@link paddedText}(x, f) (String(x) is its digits, as
 * for canonical texts), so it is counted by (x, f) with no string kept. 0 when `text` is not one.
 */
export function paddedDecimalDigits(text: string, x: number): number {
    const n = text.length;
    if (n < 3 || text.charCodeAt(n - 1) !== 48) return 0;
    let i = 0;
    let c = text.charCodeAt(0);
    if (c === 45) {
        if (x === 0) return 0;
        c = text.charCodeAt(++i);
    }
    if (x !== 0) {
        const ax = x < 0 ? -x : x;
        if (!(ax >= 1e-6 && ax < 1e21)) return 0;
    }
    if (c === 48) {
        if (text.charCodeAt(i + 1) !== 46) return 0;
    } else if (c < 49 || c > 57) return 0;
    let sig = 0;
    let zeros = 0;
    let dot = -1;
    for (; i < n; i++) {
        c = text.charCodeAt(i);
        if (c === 46) {
            if (dot >= 0) return 0;
            dot = i;
        } else if (c >= 48 && c <= 57) {
            if (sig === 0 && c === 48) continue;
            sig++;
            zeros = c === 48 ? zeros + 1 : 0;
        } else return 0;
    }
    if (dot < 0 || sig - zeros > 15) return 0;
    return n - dot - 1;
}

/** The text of a padded decimal counted as (x, f): String(x) with its fraction padded with zeros to f digits. */
export function paddedText(x: number, f: number): string {
    let t = String(x);
    let dot = t.indexOf(".");
    if (dot < 0) {
        dot = t.length;
        t += ".";
    }
    return t + "0".repeat(f - (t.length - dot - 1));
}

/** Values a column buffers before they enter its KLL sketch as one block (see ColumnProfile.kll). */
const KLL_PENDING = 256;

/** Scratch of {@link NumCountTable.countBatch} (one block at a time per thread). */
const BATCH_HASH = new Int32Array(KLL_PENDING);
const BATCH_CAND = new Int32Array(KLL_PENDING);
const BATCH_KEY = new Float64Array(KLL_PENDING);
/** Scratch of ColumnProfile.countPastCap. */
const BATCH_IDX = new Int32Array(KLL_PENDING);
const BATCH_MISS = new Int32Array(KLL_PENDING);
const BATCH_REST = new Int32Array(KLL_PENDING);
/** Scratch of NumCountTable.addPairs (merges). */
const MERGE_IDX = new Int32Array(KLL_PENDING);
const MERGE_MISS = new Int32Array(KLL_PENDING);

/**
 * Open-addressing double → count table (no allocation per value; Map<number> hashes heap numbers and
 * was the profiler's hottest spot). Keys are never NaN (NaN marks an empty slot). Key and count share one
 * Float64Array ([key, count] pairs) and the table grows at 75 % load, so a linear probe touches a cache line or two:
 * once the tables of several columns hold the tracked-value cap they no longer fit the cache, and each line touched
 * costs a memory access.
 */
export class NumCountTable {
    private slots: Float64Array;
    private mask: number;
    size = 0;
    private readonly f = new Float64Array(1);
    private readonly u = new Uint32Array(this.f.buffer);

    /**
     * Entries not yet hashed (see {@link fromPairs}): a table read from another thread's partial is usually only merged
     * (forEach) and dropped, so it is indexed on its first lookup or insert instead of when it arrives.
     */
    private pending: Float64Array | null = null;

    constructor(capacity = 64) {
        let n = 16;
        while (n < capacity * 2) n *= 2;
        this.slots = takeF64(2 * n).fill(NaN);
        this.mask = n - 1;
    }

    /** A table of the distinct-key [key, count, ...] pairs of {@link pairs} (not copied; indexed when first looked up). */
    static fromPairs(pairs: Float64Array): NumCountTable {
        const t = new NumCountTable(16);
        t.pending = pairs;
        t.size = pairs.length / 2;
        return t;
    }

    private index(): void {
        const p = this.pending!;
        this.pending = null;
        this.size = 0;
        let n = 16;
        while (n < p.length) n *= 2;
        releaseF64(this.slots);
        this.slots = takeF64(2 * n).fill(NaN);
        this.mask = n - 1;
        for (let i = 0; i < p.length; i += 2) this.set(p[i], p[i + 1]);
    }

    /**
     * Membership filter: one bit per 2^16 hash values (8 KiB; 32 KiB measured no faster), set for every key. Once the
     * table is full (the tracked-value cap) most lookups of a continuous column miss; the filter answers most of them
     * without touching the (cache-missing) slots. Exact: a clear bit means absent.
     */
    private readonly filter = new Int32Array(2048);
    private h = 0;

    private hash(x: number): number {
        this.f[0] = x;
        let h = Math.imul(this.u[0] ^ Math.imul(this.u[1], 0x9e3779b1), 0x85ebca6b);
        h ^= h >>> 15;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 13;
        return (this.h = h);
    }

    /** Slot index (even) of x, or of the empty slot where x would go. */
    private slot(x: number, h: number): number {
        const t = this.slots;
        const m = this.mask;
        let i = h & m;
        for (;;) {
            const k = t[2 * i];
            if (k === x || k !== k) return 2 * i;
            i = (i + 1) & m;
        }
    }

    /** False when x is certainly absent (sets this.h for a following slot()). */
    private mayHave(x: number): boolean {
        if (this.pending !== null) this.index();
        const b = this.hash(x) >>> 16;
        return (this.filter[b >>> 5] & (1 << (b & 31))) !== 0;
    }

    get(x: number): number | undefined {
        if (!this.mayHave(x)) return undefined;
        const i = this.slot(x, this.h);
        return this.slots[i] === x ? this.slots[i + 1] : undefined;
    }

    /** Add c to x's count when x is present; returns false (and does nothing) when it is absent. */
    addIfPresent(x: number, c: number): boolean {
        if (!this.mayHave(x)) return false;
        const i = this.slot(x, this.h);
        if (this.slots[i] !== x) return false;
        this.slots[i + 1] += c;
        return true;
    }

    /**
     * Add 1 to the count of every a[idx[j]] (j < n) that is present; write the indexes (idx[j]) of the absent ones to
     * `miss` and return how many there are. For a table that no longer changes keys (a column past the tracked-value cap):
     * the lookups do not depend on one another, so they run in passes without a data-dependent branch (hash and filter
     * for all, then the first probed key of each candidate, then the probes), and the processor overlaps their cache misses
     * instead of waiting for each in turn (perf: one load of the slot and one of the filter were half of the counting
     * time of a column past the cap, one lookup at a time). `weighted`: add a[idx[j] + 1] instead of 1 ([value, count]
     * pairs, see {@link addPairs}).
     */
    countBatch(a: Float64Array, idx: Int32Array, n: number, miss: Int32Array, weighted = false): number {
        if (n > KLL_PENDING) throw new RangeError(`countBatch: ${n} values, at most ${KLL_PENDING} (one pending block) at a time`);
        if (this.pending !== null) this.index();
        const hs = BATCH_HASH;
        const cand = BATCH_CAND;
        const first = BATCH_KEY;
        const filter = this.filter;
        let c = 0;
        let nm = 0;
        for (let j = 0; j < n; j++) {
            const i = idx[j];
            const h = this.hash(a[i]);
            const b = h >>> 16;
            const pass = (filter[b >>> 5] >>> (b & 31)) & 1;
            hs[j] = h;
            cand[c] = j;
            miss[nm] = i;
            c += pass;
            nm += 1 - pass;
        }
        const t = this.slots;
        const m = this.mask;
        for (let q = 0; q < c; q++) first[q] = t[2 * (hs[cand[q]] & m)];
        for (let q = 0; q < c; q++) {
            const j = cand[q];
            const x = a[idx[j]];
            let s = hs[j] & m;
            let k = first[q];
            for (;;) {
                if (k === x) {
                    t[2 * s + 1] += weighted ? a[idx[j] + 1] : 1;
                    break;
                }
                if (k !== k) {
                    miss[nm++] = idx[j];
                    break;
                }
                s = (s + 1) & m;
                k = t[2 * s];
            }
        }
        return nm;
    }

    /**
     * Add the count of every [value, count] pair of `pairs` whose value is present here. The others go to absent(value,
     * count) in the order of `pairs` (it may insert them: which ones fit under the tracked-value cap depends on that
     * order), or, without `absent`, their counts are summed and returned. What addIfPresent() pair by pair does, with
     * the lookups batched as in {@link countBatch} (a merge's tables past the cap mostly miss).
     */
    addPairs(pairs: Float64Array, absent?: (value: number, count: number) => void): number {
        const idx = MERGE_IDX;
        const miss = MERGE_MISS;
        let missed = 0;
        for (let from = 0; from < pairs.length; from += 2 * KLL_PENDING) {
            const n = Math.min(KLL_PENDING, (pairs.length - from) >> 1);
            for (let j = 0; j < n; j++) idx[j] = from + 2 * j;
            const m = this.countBatch(pairs, idx, n, miss, true);
            if (absent) {
                // countBatch lists the misses its filter found first: back to the order of `pairs`
                if (m > 1) miss.subarray(0, m).sort();
                for (let j = 0; j < m; j++) absent(pairs[miss[j]], pairs[miss[j] + 1]);
            } else for (let j = 0; j < m; j++) missed += pairs[miss[j] + 1];
        }
        return missed;
    }

    /** The entries as flat [key, count, ...] pairs in {@link forEach} order, not copied when the table was adopted unindexed. */
    pairsView(): Float64Array {
        return this.pending ?? this.pairs();
    }

    set(x: number, c: number): void {
        if (this.pending !== null) this.index();
        const h = this.hash(x);
        const i = this.slot(x, h);
        if (this.slots[i] !== x) {
            this.slots[i] = x;
            this.size++;
            const b = h >>> 16;
            this.filter[b >>> 5] |= 1 << (b & 31);
        }
        this.slots[i + 1] = c;
        if (this.size * 4 > this.mask * 3) this.grow();
    }

    /**
     * Twice the slots. The keys are distinct and their filter bits depend on the hash alone, so each key goes straight to
     * the first empty slot of its probe sequence (no lookup, no filter or size update): a column's growth to the
     * 10,000-value cap is part of every shard's fixed cost.
     */
    private grow(): void {
        const old = this.slots;
        const n = (this.mask + 1) * 2;
        const t = takeF64(2 * n).fill(NaN);
        const m = n - 1;
        for (let i = 0; i < old.length; i += 2) {
            const x = old[i];
            if (x !== x) continue;
            let s = this.hash(x) & m;
            while (t[2 * s] === t[2 * s]) s = (s + 1) & m;
            t[2 * s] = x;
            t[2 * s + 1] = old[i + 1];
        }
        this.slots = t;
        this.mask = m;
        releaseF64(old);
    }

    /**
     * Give the slots to this thread's array pool (f64-pool.ts) when the table is no longer needed; it is then empty.
     * An adopted, unindexed table's pairs belong to whoever sent them and are not given.
     */
    release(): void {
        releaseF64(this.slots);
        this.slots = new Float64Array(32).fill(NaN);
        this.mask = 15;
        this.size = 0;
        this.pending = null;
        this.filter.fill(0);
    }

    /** Call fn(key, count) for every entry, in slot order (the order of {@link entries}). */
    forEach(fn: (key: number, count: number) => void): void {
        const p = this.pending;
        if (p !== null) {
            for (let i = 0; i < p.length; i += 2) fn(p[i], p[i + 1]);
            return;
        }
        const t = this.slots;
        for (let i = 0; i < t.length; i += 2) if (t[i] === t[i]) fn(t[i], t[i + 1]);
    }

    /** The entries as flat [key, count, key, count, ...] pairs, in slot order, in one array from `alloc`. */
    pairs(alloc: F64Alloc = takeF64): Float64Array {
        const out = alloc(2 * this.size);
        if (this.pending !== null) {
            out.set(this.pending);
            return out;
        }
        const t = this.slots;
        let j = 0;
        for (let i = 0; i < t.length; i += 2)
            if (t[i] === t[i]) {
                out[j++] = t[i];
                out[j++] = t[i + 1];
            }
        return out;
    }

    *entries(): IterableIterator<[number, number]> {
        if (this.pending !== null) this.index();
        const t = this.slots;
        for (let i = 0; i < t.length; i += 2) if (t[i] === t[i]) yield [t[i], t[i + 1]];
    }
}

class Hll {
    static readonly P = 12;
    readonly regs = new Uint8Array(1 << Hll.P);
    add(s: string): void {
        let h1 = 0x811c9dc5;
        let h2 = 0x9747b28c;
        for (let i = 0; i < s.length; i++) {
            const c = s.charCodeAt(i);
            h1 = Math.imul(h1 ^ c, 0x01000193);
            h2 = Math.imul(h2 ^ c, 0x5bd1e995);
            h2 ^= h2 >>> 15;
        }
        h1 ^= h1 >>> 16;
        h1 = Math.imul(h1, 0x85ebca6b);
        h1 ^= h1 >>> 13;
        h1 = Math.imul(h1, 0xc2b2ae35);
        h1 ^= h1 >>> 16;
        h2 = Math.imul(h2 ^ (h2 >>> 16), 0x7feb352d);
        h2 ^= h2 >>> 15;
        const idx = h1 >>> (32 - Hll.P);
        const w = h2 >>> 0;
        const rho = w === 0 ? 33 : Math.clz32(w) + 1;
        if (rho > this.regs[idx]) this.regs[idx] = rho;
    }
    /**
     * Hash a number by its IEEE-754 bits (used for canonical numeric texts, which map 1:1 to doubles); a padded
     * decimal (x, f) hashes with salt f, so each text has one hash whichever path counted it.
     */
    addNumber(x: number, salt = 0): void {
        HLL_F64[0] = x;
        this.addBits(salt);
    }
    /** {@link addNumber} of a[i] (the value is not passed as an argument: see ColumnProfile.countPending). */
    addNumberAt(a: Float64Array, i: number, salt: number): void {
        HLL_F64[0] = a[i];
        this.addBits(salt);
    }
    /** Add the number whose bits are in HLL_U32. */
    private addBits(salt: number): void {
        let h1 = Math.imul(HLL_U32[0] ^ 0x9e3779b9 ^ Math.imul(salt, 0x632be5ab), 0x85ebca6b) ^ HLL_U32[1];
        let h2 = Math.imul(HLL_U32[1] ^ 0x7f4a7c15, 0xc2b2ae35) ^ HLL_U32[0];
        h1 ^= h1 >>> 16;
        h1 = Math.imul(h1, 0x85ebca6b);
        h1 ^= h1 >>> 13;
        h1 = Math.imul(h1, 0xc2b2ae35);
        h1 ^= h1 >>> 16;
        h2 ^= h2 >>> 15;
        h2 = Math.imul(h2 ^ (h2 >>> 16), 0x7feb352d);
        h2 ^= h2 >>> 15;
        h2 = Math.imul(h2, 0x846ca68b);
        h2 ^= h2 >>> 16;
        const idx = h1 >>> (32 - Hll.P);
        const w = h2 >>> 0;
        const rho = w === 0 ? 33 : Math.clz32(w) + 1;
        if (rho > this.regs[idx]) this.regs[idx] = rho;
    }
    toBase64(): string {
        return Buffer.from(this.regs.buffer, this.regs.byteOffset, this.regs.byteLength).toString("base64");
    }
    static fromBase64(b: string, where: string): Hll {
        const h = new Hll();
        const buf = Buffer.from(b, "base64");
        if (buf.length !== h.regs.length)
            throw new Error(`${where}: HyperLogLog registers have ${buf.length} bytes, expected ${h.regs.length}; the partial profile is damaged.`);
        h.regs.set(buf);
        return h;
    }
    merge(o: Hll): void {
        for (let i = 0; i < this.regs.length; i++) if (o.regs[i] > this.regs[i]) this.regs[i] = o.regs[i];
    }
    estimate(): number {
        const m = this.regs.length;
        let sum = 0;
        let zeros = 0;
        for (let i = 0; i < m; i++) {
            sum += 2 ** -this.regs[i];
            if (this.regs[i] === 0) zeros++;
        }
        const alpha = 0.7213 / (1 + 1.079 / m);
        const e = (alpha * m * m) / sum;
        if (e <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
        return Math.round(e);
    }
}

export class ColumnProfile {
    missing = 0;
    integral = 0;
    fractional = 0;
    boolean = 0;
    string = 0;
    // numeric moments over Integral/Fractional cells
    n = 0;
    /** Sum as an unevaluated double-double (sum + sumLo): merged shards give the same rounded sum as one pass. */
    sum = 0;
    sumLo = 0;
    mean = 0;
    m2 = 0;
    min = Infinity;
    max = -Infinity;
    private sketch: KllSketch;
    /**
     * Values fed one by one (the row paths) wait here and enter the sketch in blocks of {@link KLL_PENDING} through
     * updateBlock, which gives exactly the sketch of adding them one by one: a row feeds many columns in turn, and
     * switching sketch for every value cost ~30 % more KLL time than runs of values per sketch (4.3 % of the capture
     * profile's instructions, callgrind).
     *
     * Their value counts wait with them: `pendingKind[i]` is 0 for a value that is not counted (typed path), 1 for a
     * canonical number, f + 1 for a padded decimal with f fraction digits, and {@link flushPending} counts them in
     * order before anything reads or adds to the counts. Counting per cell put the hash-table code in every cell
     * parser's inlining tree; where V8 ran out of inlining budget (which varied between threads, and after a merge), the
     * count became a call that boxed the value: a 16-byte heap number per fractional cell (V8's sampling heap profiler:
     * 112 MB allocated per 400k capture records, 27 MB now) and a slower loop.
     */
    private pending = new Float64Array(0);
    private pendingKind = new Int32Array(0);
    private pendingN = 0;
    // value counts: texts that are not canonical numbers (strings, booleans, "1.50", "1e3" ...) by text,
    // canonical numeric texts by value (String(value) is the text) - no string per numeric cell
    counts = new Map<string, number>();
    numCounts = new NumCountTable();
    /** Padded decimal texts ("25.0") by fraction digits f, then by value (see paddedDecimalDigits). */
    padded: (NumCountTable | undefined)[] = [];
    private paddedSize = 0;
    untracked = 0;
    private hll: Hll | null = null;
    /** Set once a value was seen in string form (row path); the typed fast path does not track values. */
    valuesTracked = false;
    /** True once any row carried this column (even as an empty cell); false for columns only pre-declared. */
    seen = false;

    constructor(
        readonly name: string,
        private readonly opts: Required<Pick<ProfilerOptions, "kllK" | "kllC" | "maxTrackedValues">>,
    ) {
        this.sketch = new KllSketch(opts.kllK, opts.kllC);
    }

    /** The column's KLL sketch, holding every value fed so far. */
    get kll(): KllSketch {
        if (this.pendingN > 0) this.flushPending();
        return this.sketch;
    }

    /** Count the pending values (in the order they came), then add them to the sketch as one block. */
    private flushPending(): void {
        const n = this.pendingN;
        const a = this.pending;
        this.countPending(n);
        this.sketch.updateBlock(a, 0, n);
        this.pendingN = 0;
    }

    get present(): number {
        return this.integral + this.fractional + this.boolean + this.string;
    }

    get inferredType(): InferredType {
        return inferType(this.integral, this.fractional, this.boolean, this.string);
    }

    /**
     * Fast path for a block of numbers (NaN = missing): moments in locals, KLL by block copy.
     * Same results as calling addNumber() per value, up to floating-point rounding of the moments.
     */
    addNumberBlock(a: Float64Array, n: number, scratch: Float64Array): void {
        let cnt = this.n;
        let sum = this.sum;
        let lo = this.sumLo;
        let mean = this.mean;
        let m2 = this.m2;
        let min = this.min;
        let max = this.max;
        let integral = 0;
        let missing = 0;
        let k = 0;
        for (let i = 0; i < n; i++) {
            const x = a[i];
            if (x !== x) {
                missing++;
                continue;
            }
            if (Math.floor(x) === x && x - x === 0) integral++;
            scratch[k++] = x;
            cnt++;
            const t = sum + x;
            const bp = t - sum;
            lo += sum - (t - bp) + (x - bp);
            sum = t;
            const d = x - mean;
            mean += d / cnt;
            m2 += d * (x - mean);
            if (x < min) min = x;
            if (x > max) max = x;
        }
        this.n = cnt;
        this.sum = sum;
        this.sumLo = lo;
        this.mean = mean;
        this.m2 = m2;
        this.min = min;
        this.max = max;
        this.integral += integral;
        this.fractional += k - integral;
        this.missing += missing;
        this.seen = true;
        this.kll.updateBlock(scratch, 0, k);
    }

    /** Hot path for numeric values (NaN = missing). */
    addNumber(x: number): void {
        if (x !== x) {
            this.missing++;
            return;
        }
        if (Number.isInteger(x)) this.integral++;
        else this.fractional++;
        this.addNumeric(x, 0);
    }

    /** Moments now; sketch and value count (`kind`, see {@link pendingKind}) when the pending block is flushed. */
    private addNumeric(x: number, kind: number): void {
        const n = ++this.n;
        const s = this.sum;
        const t = s + x;
        const bp = t - s;
        this.sumLo += s - (t - bp) + (x - bp);
        this.sum = t;
        const d = x - this.mean;
        this.mean += d / n;
        this.m2 += d * (x - this.mean);
        if (x < this.min) this.min = x;
        if (x > this.max) this.max = x;
        if (this.pendingN === this.pending.length) {
            if (this.pendingN === 0) {
                this.pending = new Float64Array(KLL_PENDING);
                this.pendingKind = new Int32Array(KLL_PENDING);
            } else this.flushPending();
        }
        const k = this.pendingN++;
        this.pending[k] = x;
        this.pendingKind[k] = kind;
    }

    /** Distinct values counted exactly (texts + canonical numbers), pending values aside. */
    private get trackedSize(): number {
        return this.counts.size + this.numCounts.size + this.paddedSize;
    }

    private startHll(): Hll {
        const h = new Hll();
        for (const k of this.counts.keys()) h.add(k);
        // forEach, not a generator: 10,000 keys per column at the cap, in every shard
        this.numCounts.forEach((k) => h.addNumber(k));
        this.padded.forEach((t, f) => t?.forEach((k) => h.addNumber(k, f)));
        return (this.hll = h);
    }

    private track(s: string): void {
        // numbers before this text are counted before it (the cap admits values in the order they came)
        if (this.pendingN > 0) this.flushPending();
        this.valuesTracked = true;
        const c = this.counts.get(s);
        if (c !== undefined) {
            // already in the HyperLogLog, if there is one (see trackNumber)
            this.counts.set(s, c + 1);
            return;
        }
        if (this.trackedSize < this.opts.maxTrackedValues) this.counts.set(s, 1);
        else {
            if (!this.hll) this.startHll();
            this.untracked++;
        }
        if (this.hll) this.hll.add(s);
    }

    /**
     * Count the first `n` pending values (see {@link pendingKind}) in the order they came. Values travel as indexes into
     * `pending`, never as arguments: a double passed to a call V8 does not inline is boxed.
     */
    private countPending(n: number): void {
        if (this.hll !== null && this.trackedSize >= this.opts.maxTrackedValues) {
            this.countPastCap(n);
            return;
        }
        const a = this.pending;
        const kind = this.pendingKind;
        for (let i = 0; i < n; i++) {
            const k = kind[i];
            if (k === 0) continue;
            this.valuesTracked = true;
            // a counted value is already in the HyperLogLog (startHll adds every counted value; none is added after)
            const t = k === 1 ? this.numCounts : this.padded[k - 1];
            if (t === undefined || !t.addIfPresent(a[i], 1)) this.admit(i, k);
        }
    }

    /**
     * {@link countPending} once the column is past the cap: no value is admitted any more, so the tables' keys are fixed
     * and the order of the lookups does not matter. Each table counts its values in one batch (countBatch); the absent ones
     * go to the HyperLogLog and `untracked`, as admit() does past the cap.
     */
    private countPastCap(n: number): void {
        const kind = this.pendingKind;
        const idx = BATCH_IDX;
        const miss = BATCH_MISS;
        const rest = BATCH_REST;
        // canonical numbers (kind 1) to idx, padded decimals (kind > 1, a minority) to rest
        let m = 0;
        let r = 0;
        for (let i = 0; i < n; i++) {
            const k = kind[i];
            idx[m] = i;
            rest[r] = i;
            m += k === 1 ? 1 : 0;
            r += k > 1 ? 1 : 0;
        }
        if (m + r === 0) return;
        this.valuesTracked = true;
        if (m > 0) this.missed(miss, this.numCounts.countBatch(this.pending, idx, m, miss), 0);
        while (r > 0) {
            // the padded decimals of one fraction-digit count to idx, the others stay in rest
            const k = kind[rest[0]];
            m = 0;
            let left = 0;
            for (let j = 0; j < r; j++) {
                const i = rest[j];
                if (kind[i] === k) idx[m++] = i;
                else rest[left++] = i;
            }
            r = left;
            const t = this.padded[k - 1];
            if (t === undefined) this.missed(idx, m, k - 1);
            else this.missed(miss, t.countBatch(this.pending, idx, m, miss), k - 1);
        }
    }

    /** pending[at[j]] (j < n), not counted: past the cap, they only enter the HyperLogLog (salt f) and `untracked`. */
    private missed(at: Int32Array, n: number, f: number): void {
        this.untracked += n;
        const h = this.hll!;
        for (let j = 0; j < n; j++) h.addNumberAt(this.pending, at[j], f);
    }

    /** pending[i], of kind `k` and not counted yet: counted while under the cap, then only in the HyperLogLog. */
    private admit(i: number, k: number): void {
        const x = this.pending[i];
        const f = k - 1; // fraction digits of a padded decimal; 0 for a canonical number
        const t = k === 1 ? this.numCounts : (this.padded[f] ?? (this.padded[f] = new NumCountTable()));
        if (this.trackedSize < this.opts.maxTrackedValues) {
            t.set(x, 1);
            if (k > 1) this.paddedSize++;
        } else {
            if (!this.hll) this.startHll();
            this.untracked++;
        }
        if (this.hll) this.hll.addNumberAt(this.pending, i, f);
    }

    /** Count `c` occurrences of a text not known to be canonical (partials): routed to the store that owns it. */
    private countText(t: string, c: number): void {
        const f = paddedDecimalDigits(t, Number(t));
        if (f > 0) {
            const tab = this.padded[f] ?? (this.padded[f] = new NumCountTable());
            if (tab.get(Number(t)) === undefined) this.paddedSize++;
            tab.set(Number(t), c);
        } else this.counts.set(t, c);
    }

    /**
     * A numeric cell parsed elsewhere (e.g. straight from capture bytes): `canonical` says its text is String(x);
     * `padded` > 0 that it is a padded decimal with that many fraction digits (see paddedDecimalDigits); otherwise
     * pass the text so it is counted as written.
     */
    addParsedNumber(x: number, integral: boolean, canonical: boolean, text?: string, padded = 0): void {
        this.seen = true;
        if (integral) this.integral++;
        else this.fractional++;
        if (canonical) this.addNumeric(x, 1);
        else if (padded > 0) this.addNumeric(x, padded + 1);
        else {
            this.addNumeric(x, 0);
            this.track(text ?? String(x));
        }
    }

    addCell(v: CellValue | undefined): void {
        this.seen = true;
        let text: string;
        let kind: CellKind;
        if (typeof v === "string") {
            text = v.length > 0 && (v.charCodeAt(0) <= 32 || v.charCodeAt(v.length - 1) <= 32) ? v.trim() : v;
            kind = classifyText(text);
        } else {
            kind = classifyCell(v);
            text = kind === CellKind.Missing ? "" : String(v);
        }
        switch (kind) {
            case CellKind.Missing:
                this.missing++;
                return;
            case CellKind.Integral:
            case CellKind.Fractional:
                if (kind === CellKind.Integral) this.integral++;
                else this.fractional++;
                {
                    const x = typeof v === "number" ? v : Number(text);
                    if (isCanonicalNumberText(text, x)) this.addNumeric(x, 1);
                    else {
                        const f = paddedDecimalDigits(text, x);
                        if (f > 0) this.addNumeric(x, f + 1);
                        else {
                            this.addNumeric(x, 0);
                            this.track(text);
                        }
                    }
                }
                return;
            case CellKind.Boolean:
                this.boolean++;
                this.track(text);
                return;
            default:
                this.string++;
                this.track(text);
        }
    }

    addMissing(count: number): void {
        this.missing += count;
    }

    distinctCount(): number {
        if (this.pendingN > 0) this.flushPending();
        if (this.hll) return Math.max(this.trackedSize, this.hll.estimate());
        return this.trackedSize;
    }

    /** Exact value counts as texts (the categorical histogram's input). */
    textCounts(): Map<string, number> {
        if (this.pendingN > 0) this.flushPending();
        if (this.numCounts.size === 0 && this.paddedSize === 0) return this.counts;
        const m = new Map(this.counts);
        for (const [x, c] of this.numCounts.entries()) m.set(String(x), c);
        this.padded.forEach((t, f) => {
            if (t) for (const [x, c] of t.entries()) m.set(paddedText(x, f), c);
        });
        return m;
    }

    /** The sum rounded once from its double-double form. */
    get sumValue(): number {
        // an infinite high part (values such as "1e400") leaves NaN in the low part: the sum is the high part
        return Number.isFinite(this.sum) ? this.sum + this.sumLo : this.sum;
    }

    merge(o: ColumnProfile): void {
        if (this.pendingN > 0) this.flushPending();
        if (o.pendingN > 0) o.flushPending();
        this.missing += o.missing;
        this.integral += o.integral;
        this.fractional += o.fractional;
        this.boolean += o.boolean;
        this.string += o.string;
        if (o.n > 0) {
            const n = this.n + o.n;
            const d = o.mean - this.mean;
            this.m2 += o.m2 + (d * d * this.n * o.n) / n;
            this.mean += (d * o.n) / n;
            this.n = n;
            // double-double addition (TwoSum of the high parts, low parts added)
            const t = this.sum + o.sum;
            const bp = t - this.sum;
            this.sumLo += this.sum - (t - bp) + (o.sum - bp) + o.sumLo;
            this.sum = t;
            this.min = Math.min(this.min, o.min);
            this.max = Math.max(this.max, o.max);
            this.kll.merge(o.kll);
        }
        const cap = this.opts.maxTrackedValues;
        for (const [k, c] of o.counts) {
            const cur = this.counts.get(k);
            if (cur !== undefined) this.counts.set(k, cur + c);
            else if (this.trackedSize < cap) this.counts.set(k, c);
            else this.untracked += c;
        }
        this.mergeTable(this.numCounts, o.numCounts, false);
        o.padded.forEach((ot, f) => {
            if (ot) this.mergeTable(this.padded[f] ?? (this.padded[f] = new NumCountTable()), ot, true);
        });
        this.untracked += o.untracked;
        if (o.hll || this.hll || this.trackedSize >= cap || this.untracked > 0) {
            const h = this.hll ?? this.startHll();
            if (o.hll) h.merge(o.hll);
            else {
                for (const k of o.counts.keys()) h.add(k);
                o.numCounts.forEach((k) => h.addNumber(k));
                o.padded.forEach((t, f) => t?.forEach((k) => h.addNumber(k, f)));
            }
        }
        this.valuesTracked ||= o.valuesTracked;
        this.seen ||= o.seen;
    }

    /**
     * Add the value counts of `from` (another profile's table) into `into`, inserting absent values while the column is
     * under the cap. pairsView reads an adopted table's pairs without hashing them (entries() would index it first);
     * once the column is at the cap nothing more is inserted and the absent values' counts are only summed.
     */
    private mergeTable(into: NumCountTable, from: NumCountTable, padded: boolean): void {
        const cap = this.opts.maxTrackedValues;
        if (this.trackedSize >= cap) {
            this.untracked += into.addPairs(from.pairsView());
            return;
        }
        into.addPairs(from.pairsView(), (k, c) => {
            if (this.trackedSize >= cap) this.untracked += c;
            else {
                into.set(k, c);
                if (padded) this.paddedSize++;
            }
        });
    }

    private paddedEntries(): [string, number][] {
        const out: [string, number][] = [];
        this.padded.forEach((t, f) => {
            if (t) for (const [x, c] of t.entries()) out.push([paddedText(x, f), c]);
        });
        return out;
    }

    /** Give the value tables and the sketch's levels to this thread's array pool; the column must not be used after. */
    release(): void {
        this.numCounts.release();
        for (const t of this.padded) t?.release();
        this.padded = [];
        this.sketch.release();
    }

    /** Float64 items of this column's packed partial (value-count pairs and KLL items): what {@link toPartial} allocates. */
    packedLength(): number {
        if (this.pendingN > 0) this.flushPending();
        let n = 2 * this.numCounts.size + this.sketch.storedItems;
        for (const t of this.padded) if (t) n += 2 * t.size;
        return n;
    }

    /**
     * Serialisable state (see {@link PartialProfile}); `packed`: numbers and KLL levels as Float64Arrays taken from
     * `alloc` (between threads).
     */
    toPartial(packed = false, alloc: F64Alloc = takeF64): PartialColumn {
        if (this.pendingN > 0) this.flushPending();
        return {
            name: this.name,
            seen: this.seen,
            missing: this.missing,
            types: [this.integral, this.fractional, this.boolean, this.string],
            n: this.n,
            sum: [this.sum, this.sumLo],
            mean: this.mean,
            m2: this.m2,
            min: this.n > 0 ? this.min : null,
            max: this.n > 0 ? this.max : null,
            kll: this.kll.toState(packed, alloc),
            valuesTracked: this.valuesTracked,
            // padded decimals travel as their texts (fromPartial routes them back), so the format is unchanged
            texts: packed ? [...this.counts.entries()] : [...this.counts.entries(), ...this.paddedEntries()],
            numbers: packed ? this.numCounts.pairs(alloc) : [...this.numCounts.entries()],
            ...(packed ? { paddedNumbers: this.padded.flatMap((t, f) => (t ? [[f, t.pairs(alloc)] as [number, Float64Array]] : [])) } : {}),
            untracked: this.untracked,
            hll: this.hll ? this.hll.toBase64() : null,
        };
    }

    static fromPartial(p: PartialColumn, opts: Required<Pick<ProfilerOptions, "kllK" | "kllC" | "maxTrackedValues">>, where: string): ColumnProfile {
        const num = (v: unknown, what: string): number => {
            if (typeof v !== "number" || v !== v)
                throw new Error(`${where}.${what} is ${JSON.stringify(v)}, expected a number; the partial profile is damaged.`);
            return v;
        };
        if (!p || typeof p.name !== "string" || !Array.isArray(p.types) || !Array.isArray(p.sum))
            throw new Error(`${where}: not a partial column (needs name, types, sum ...).`);
        const c = new ColumnProfile(p.name, opts);
        c.seen = !!p.seen;
        c.missing = num(p.missing, "missing");
        [c.integral, c.fractional, c.boolean, c.string] = p.types.map((v, i) => num(v, `types[${i}]`));
        c.n = num(p.n, "n");
        c.sum = num(p.sum[0], "sum[0]");
        c.sumLo = num(p.sum[1], "sum[1]");
        c.mean = num(p.mean, "mean");
        c.m2 = num(p.m2, "m2");
        c.min = p.min === null ? Infinity : num(p.min, "min");
        c.max = p.max === null ? -Infinity : num(p.max, "max");
        const k = KllSketch.fromState(p.kll, `${where}.kll`);
        if (k.k !== opts.kllK || k.c !== opts.kllC)
            throw new Error(
                `${where}.kll: sketch k=${k.k}, c=${k.c} but this profile uses k=${opts.kllK}, c=${opts.kllC}; merge only partials built with the same options.`,
            );
        c.sketch = k;
        c.valuesTracked = !!p.valuesTracked;
        const packed = p.numbers instanceof Float64Array;
        if (!Array.isArray(p.texts) || !(Array.isArray(p.numbers) || (packed && p.numbers.length % 2 === 0)))
            throw new Error(`${where}: texts and numbers must be arrays of [value, count]; the partial profile is damaged.`);
        for (const [t, n] of p.texts) c.countText(String(t), num(n, `texts[${JSON.stringify(t)}]`));
        if (packed) {
            // another thread's NumCountTable.pairs(): distinct keys, in the order of the array form; kept as they are
            const a = p.numbers as Float64Array;
            for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) num(a[i], i % 2 ? "numbers[].count" : "numbers[].value");
            c.numCounts = NumCountTable.fromPairs(a);
            for (const [f, pairs] of p.paddedNumbers ?? []) {
                if (!Number.isInteger(f) || f < 1 || !(pairs instanceof Float64Array) || pairs.length % 2 !== 0 || pairs.some((v) => v !== v))
                    throw new Error(`${where}.paddedNumbers[${f}] is not a table of [value, count] pairs; the partial profile is damaged.`);
                c.padded[f] = NumCountTable.fromPairs(pairs);
                c.paddedSize += pairs.length / 2;
            }
        } else {
            // sized once (to the capacity growing would reach): no rehash while reading
            c.numCounts = new NumCountTable(Math.max(64, p.numbers.length + 1));
            for (const [x, n] of p.numbers as [number, number][]) c.numCounts.set(num(x, "numbers[].value"), num(n, "numbers[].count"));
        }
        c.untracked = num(p.untracked, "untracked");
        c.hll = p.hll ? Hll.fromBase64(p.hll, `${where}.hll`) : null;
        return c;
    }

    toFeatureStatistics(buckets: number, maxCategoricalBuckets: number): FeatureStatistics {
        const type = this.inferredType;
        const common = { num_present: this.present, num_missing: this.missing };
        if (type === "Integral" || type === "Fractional") {
            return {
                name: this.name,
                inferred_type: type,
                numerical_statistics: {
                    common,
                    mean: this.sumValue / this.n,
                    sum: this.sumValue,
                    std_dev: Math.sqrt(this.m2 / this.n),
                    min: this.min,
                    max: this.max,
                    distribution: { kll: { buckets: this.kll.buckets(this.min, this.max, buckets), sketch: this.kll.toJSON() } },
                },
            };
        }
        const cat: CategoricalBucket[] = [...this.textCounts().entries()]
            .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
            .slice(0, maxCategoricalBuckets)
            .map(([value, count]) => ({ value, count }));
        const ss: FeatureStatistics["string_statistics"] = { common, distinct_count: this.distinctCount() };
        if (type === "String") ss.distribution = { categorical: { buckets: cat } };
        return { name: this.name, inferred_type: type, string_statistics: ss };
    }
}

/** One column of a partial profile. */
export interface PartialColumn {
    name: string;
    seen: boolean;
    missing: number;
    /** Data-type votes: [integral, fractional, boolean, string]. */
    types: number[];
    n: number;
    /** Double-double sum [high, low]. */
    sum: [number, number];
    mean: number;
    m2: number;
    min: number | null;
    max: number | null;
    kll: KllState;
    valuesTracked: boolean;
    /** Exact counts of non-canonical texts. */
    texts: [string, number][];
    /**
     * Exact counts of canonical numeric texts, by value. Between threads of one process (worker_threads), a Float64Array
     * of flat [value, count, ...] pairs instead: copied as one block (toPartial({ packed: true })); never in files.
     */
    numbers: [number, number][] | Float64Array;
    /**
     * Packed form only: padded decimals ("25.0") as [fraction digits, pairs] instead of texts (in files they are texts,
     * so the file format does not depend on how this profiler stores them).
     */
    paddedNumbers?: [number, Float64Array][];
    untracked: number;
    /** HyperLogLog registers (base64) once more than maxTrackedValues distinct values were seen. */
    hll: string | null;
}

export const PARTIAL_PROFILE_FORMAT = "mlplatform/data-quality-partial-profile";

/**
 * A data-quality profile of one shard. Partials merge associatively and commutatively for every exact
 * statistic (counts, missing, type votes, min/max, double-double sums, value counts below the cap);
 * KLL sketches and HyperLogLog registers merge within their documented error.
 */
export interface PartialProfile {
    format: typeof PARTIAL_PROFILE_FORMAT;
    version: 1;
    options: { kllK: number; kllC: number; buckets: number; maxTrackedValues: number; maxCategoricalBuckets: number; columnNames: string[] };
    rows: number;
    columns: PartialColumn[];
}

/** Streaming dataset profiler. Feed rows (positional or named) or typed numeric columns. */
export class DatasetProfiler {
    readonly columns: ColumnProfile[] = [];
    private byName = new Map<string, ColumnProfile>();
    rows = 0;
    private readonly o: Required<ProfilerOptions>;
    private scratch = new Float64Array(0);
    private lastNames?: readonly string[];
    private lastCols?: ColumnProfile[];
    private released = false;

    constructor(opts: ProfilerOptions = {}) {
        this.o = {
            columnNames: opts.columnNames ?? [],
            kllK: opts.kllK ?? SERVICE_KLL_K,
            kllC: opts.kllC ?? SERVICE_KLL_C,
            buckets: opts.buckets ?? SERVICE_KLL_BUCKETS,
            maxTrackedValues: opts.maxTrackedValues ?? 10_000,
            maxCategoricalBuckets: opts.maxCategoricalBuckets ?? 1000,
        };
        for (const n of this.o.columnNames) this.column(n);
    }

    /**
     * Give the columns' value tables and sketch levels to this thread's array pool (sketch/f64-pool.ts), for the next
     * profile this thread builds: a shard's profile once its partial is written. Any later use throws.
     */
    release(): void {
        if (this.released) return;
        this.released = true;
        for (const c of this.columns) c.release();
    }

    private live(): void {
        if (this.released) throw new Error("DatasetProfiler: this profile was released (release()); build a new one.");
    }

    /** Get or create a column; a column first seen after N rows starts with N missing values. */
    column(name: string): ColumnProfile {
        this.live();
        let c = this.byName.get(name);
        if (!c) {
            c = new ColumnProfile(name, this.o);
            c.addMissing(this.rows);
            this.byName.set(name, c);
            this.columns.push(c);
        }
        return c;
    }

    private positional(i: number): ColumnProfile {
        if (i < this.columns.length && this.byName.size === this.columns.length) {
            const c = this.columns[i];
            const expected = this.o.columnNames[i] ?? `_c${i}`;
            if (c.name === expected) return c;
        }
        return this.column(this.o.columnNames[i] ?? `_c${i}`);
    }

    /** Add a row. With `names`, cells go to those columns; otherwise to `columnNames[i]` / `_c<i>`. */
    addRow(values: readonly CellValue[], names?: readonly string[]): void {
        if (this.released) this.live();
        if (names && names === this.lastNames && values.length === this.lastCols!.length && this.lastCols!.length === this.columns.length) {
            // same header array as the previous row and it covers every column: no lookups needed
            const cols = this.lastCols!;
            for (let i = 0; i < values.length; i++) cols[i].addCell(values[i]);
            this.rows++;
            return;
        }
        if (names) {
            const cols = names.map((n) => this.column(n));
            if (new Set(cols).size === cols.length && cols.length === values.length) {
                this.lastNames = names;
                this.lastCols = cols;
            }
        }
        const seen = names ? new Set<ColumnProfile>() : undefined;
        for (let i = 0; i < values.length; i++) {
            const c = names ? this.column(names[i]) : this.positional(i);
            c.addCell(values[i]);
            seen?.add(c);
        }
        // columns absent from this row are missing
        if (names) {
            for (const c of this.columns) if (!seen!.has(c)) c.addMissing(1);
        } else {
            for (let i = values.length; i < this.columns.length; i++) this.columns[i].addMissing(1);
        }
        this.rows++;
    }

    /**
     * For parsers that feed a positional row cell by cell (the capture byte scanner): the column of cell `i`
     * (created as `columnNames[i]` / `_c<i>` exactly as {@link addRow} does). Close the row with {@link endPositionalRow}.
     */
    cellColumn(i: number): ColumnProfile {
        this.live();
        return this.positional(i);
    }

    /** Close a positional row of `width` cells fed through {@link cellColumn}: later columns are missing. */
    endPositionalRow(width: number): void {
        for (let i = width; i < this.columns.length; i++) this.columns[i].addMissing(1);
        this.rows++;
    }

    /**
     * Fast path: `n` rows given as typed numeric columns (NaN = missing), in `columnNames` order.
     * No per-value allocation; value counts are not tracked (numeric columns never need them).
     */
    addNumericColumns(cols: readonly Float64Array[], n: number): void {
        this.live();
        if (this.scratch.length < n) this.scratch = new Float64Array(n);
        for (let j = 0; j < cols.length; j++) {
            const c = this.positional(j);
            const a = cols[j];
            if (a.length < n) throw new Error(`addNumericColumns: column ${j} has ${a.length} values, expected ${n}.`);
            c.addNumberBlock(a, n, this.scratch);
        }
        for (let j = cols.length; j < this.columns.length; j++) this.columns[j].addMissing(n);
        this.rows += n;
    }

    merge(o: DatasetProfiler): void {
        this.live();
        o.live();
        for (const key of ["kllK", "kllC", "maxTrackedValues", "buckets", "maxCategoricalBuckets"] as const) {
            if (this.o[key] !== o.o[key])
                throw new Error(`profile merge: option ${key} differs (${this.o[key]} vs ${o.o[key]}); merge only profiles built with the same options.`);
        }
        for (const oc of o.columns) {
            // a column new to this profiler starts with this.rows missing (see column()); oc brings its own counts
            this.column(oc.name).merge(oc);
        }
        for (const c of this.columns) if (!o.byName.has(c.name)) c.addMissing(o.rows);
        this.rows += o.rows;
    }

    /**
     * Serialisable partial profile of everything fed so far. `packed`: the form handed between worker threads, whose
     * value counts and KLL levels are Float64Arrays; JSON needs the default. They come from `alloc` (this thread's
     * array pool by default; views of a SharedArrayBuffer between threads, which postMessage does not copy: shard.ts),
     * which is asked for {@link packedLength} items in all.
     */
    toPartial(o: { packed?: boolean; alloc?: F64Alloc } = {}): PartialProfile {
        this.live();
        const { kllK, kllC, buckets, maxTrackedValues, maxCategoricalBuckets, columnNames } = this.o;
        return {
            format: PARTIAL_PROFILE_FORMAT,
            version: 1,
            options: { kllK, kllC, buckets, maxTrackedValues, maxCategoricalBuckets, columnNames: [...columnNames] },
            rows: this.rows,
            columns: this.columns.map((c) => c.toPartial(o.packed, o.alloc)),
        };
    }

    /** Float64 items a packed {@link toPartial} takes from its `alloc`. */
    packedLength(): number {
        this.live();
        return this.columns.reduce((n, c) => n + c.packedLength(), 0);
    }

    /** Rebuild a profiler from {@link toPartial} output (e.g. a worker's shard), ready to merge or finish. */
    static fromPartial(p: PartialProfile, where = "partial profile"): DatasetProfiler {
        if (!p || p.format !== PARTIAL_PROFILE_FORMAT || p.version !== 1 || !Array.isArray(p.columns) || !p.options) {
            throw new Error(
                `${where}: not a version-1 ${PARTIAL_PROFILE_FORMAT} file (format=${JSON.stringify(p?.format)}, version=${JSON.stringify(p?.version)}); produce it with this tool's partial profiler.`,
            );
        }
        const d = new DatasetProfiler({ ...p.options, columnNames: [] });
        (d.o as { columnNames: string[] }).columnNames = [...(p.options.columnNames ?? [])];
        d.rows = Number(p.rows);
        if (!Number.isInteger(d.rows) || d.rows < 0) throw new Error(`${where}: rows=${JSON.stringify(p.rows)} is not a count.`);
        p.columns.forEach((pc, i) => {
            const c = ColumnProfile.fromPartial(pc, d.o, `${where}.columns[${i}]`);
            if (d.byName.has(c.name)) throw new Error(`${where}: column "${c.name}" appears twice.`);
            d.byName.set(c.name, c);
            d.columns.push(c);
        });
        return d;
    }

    /** Options (k, c, caps) that must agree between partials being merged. */
    get options(): Readonly<Required<ProfilerOptions>> {
        return this.o;
    }

    /** @param onlySeen leave out columns that were declared (columnNames) but never present in any row. */
    toStatistics(onlySeen = false): StatisticsFile {
        this.live();
        return {
            version: 0.0,
            dataset: { item_count: this.rows },
            features: this.columns.filter((c) => !onlySeen || c.seen).map((c) => c.toFeatureStatistics(this.o.buckets, this.o.maxCategoricalBuckets)),
        };
    }
}
