/**
 * KLL quantile sketch with the semantics AWS Deequ uses (and therefore SageMaker Model Monitor):
 *
 *  - a stack of compactors (levels); an item at level h weighs 2^h;
 *  - capacity of level h: 2 * (ceil(k * c^h / 2) + 1), service parameters c = 0.64, k = 2048;
 *  - an update appends to level 0; when the number of stored items exceeds the summed capacity, the
 *    LOWEST level whose buffer has reached its capacity is compacted once: its even-length prefix is
 *    sorted and every second item (starting at an offset that alternates deterministically) moves up;
 *    an odd trailing item stays;
 *  - merge concatenates level by level, then condenses while the sketch is at/over capacity;
 *  - ranks: inclusive rank(x) = weight of items <= x, exclusive = weight of items < x;
 *  - buckets: `bins` equal-width buckets over [min, max]; bucket i counts
 *    rankExclusive(high) - rankExclusive(low), the last bucket rank(high) - rankExclusive(low).
 *
 * Serialised as the `sketch` object of statistics.json: `{parameters: {c, k}, data: number[][]}`,
 * one array per compactor level, items in buffer order.
 *
 * Implementation: one growable Float64Array per level, no per-item allocation; compactions sort with a radix sort in
 * WebAssembly that orders exactly as the native sort (sort.ts). Level buffers come from and go back to this thread's
 * array pool (f64-pool.ts): only items [0, size) of a level are ever read.
 */
import { releaseF64, takeF64, type F64Alloc } from "./f64-pool";
import { sortedValues, sortFloat64 } from "./sort";

export const SERVICE_KLL_C = 0.64;
export const SERVICE_KLL_K = 2048;
export const SERVICE_KLL_BUCKETS = 10;

export interface KllSketchJson {
    parameters: { c: number; k: number };
    data: number[][];
}

/** Serialisable sketch state (partial profiles). */
export interface KllState {
    k: number;
    c: number;
    /**
     * Items per level, in buffer order. Between threads of one process (toState(true)), one Float64Array per level:
     * structured clone copies it as one block, where an array of numbers is written and read back item by item.
     */
    levels: number[][] | Float64Array[];
    compressCount: number[];
    offsets: number[];
    compactionError: number;
    historyKnown: boolean;
}

export interface KllBucket {
    lower_bound: number;
    upper_bound: number;
    count: number;
}

/** Sorted distinct items with cumulative (inclusive) weights: the sketch's step CDF. */
export interface WeightedCdf {
    values: Float64Array;
    /** cum[i] = total weight of items <= values[i] */
    cum: Float64Array;
    total: number;
}

/** The first `n` items of `b` in an array of exactly `n` from `alloc`. */
function copyF64(b: Float64Array, n: number, alloc: F64Alloc): Float64Array {
    const out = alloc(n);
    out.set(b.subarray(0, n));
    return out;
}

export class KllSketch {
    readonly k: number;
    readonly c: number;
    private levels: Float64Array[] = [];
    private sizes: number[] = [];
    private compressCount: number[] = [];
    private offsets: number[] = [];
    private totalCapacity = 0;
    private stored = 0;
    /** Sum of 2^h over every compaction this sketch (or any sketch merged into it) performed. */
    private compactionError = 0;
    /** False for sketches read from JSON: their compaction history is unknown. */
    private historyKnown = true;

    constructor(k: number = SERVICE_KLL_K, c: number = SERVICE_KLL_C) {
        if (!Number.isInteger(k) || k < 2) throw new Error(`KLL sketch size k=${k} is invalid; use an integer >= 2 (the service uses 2048).`);
        if (!(c > 0 && c <= 1)) throw new Error(`KLL shrinking factor c=${c} is invalid; use 0 < c <= 1 (the service uses 0.64).`);
        this.k = k;
        this.c = c;
        this.expand();
    }

    /** Capacity of level h (Deequ's formula). */
    capacity(h: number): number {
        return 2 * (Math.ceil((this.k * Math.pow(this.c, h)) / 2) + 1);
    }

    get numLevels(): number {
        return this.levels.length;
    }

    /** Number of items currently stored (not the stream length; see {@link weight}). */
    get storedItems(): number {
        return this.stored;
    }

    /** Total weight = number of items ever added (exact). */
    get weight(): number {
        let w = 0;
        for (let h = 0; h < this.levels.length; h++) w += this.sizes[h] * 2 ** h;
        return w;
    }

    private expand(): void {
        const h = this.levels.length;
        this.levels.push(takeF64(Math.max(16, this.capacity(h) + 2)));
        this.sizes.push(0);
        this.compressCount.push(0);
        this.offsets.push(0);
        this.totalCapacity += this.capacity(h);
    }

    private push(h: number, x: number): void {
        let buf = this.levels[h];
        const n = this.sizes[h];
        if (n === buf.length) {
            const nb = takeF64(buf.length * 2);
            nb.set(buf);
            releaseF64(buf);
            this.levels[h] = buf = nb;
        }
        buf[n] = x;
        this.sizes[h] = n + 1;
    }

    /** Append the first `count` items of `items` to level h (what `count` push(h, x) calls do, in one copy). */
    private pushAll(h: number, items: Float64Array, count: number): void {
        let buf = this.levels[h];
        const n = this.sizes[h];
        if (n + count > buf.length) {
            const nb = takeF64(Math.max(buf.length * 2, n + count));
            nb.set(buf.subarray(0, n));
            releaseF64(buf);
            this.levels[h] = buf = nb;
        }
        buf.set(count === items.length ? items : items.subarray(0, count), n);
        this.sizes[h] = n + count;
    }

    /** Add one value. NaN is rejected (callers count it as missing). */
    update(x: number): void {
        if (x !== x) throw new Error("KLL sketch: NaN cannot be ranked; treat it as a missing value before calling update().");
        // inlined push(0, x) — this is the hot path
        let buf = this.levels[0];
        const n = this.sizes[0];
        if (n === buf.length) {
            const nb = takeF64(buf.length * 2);
            nb.set(buf);
            releaseF64(buf);
            this.levels[0] = buf = nb;
        }
        buf[n] = x;
        this.sizes[0] = n + 1;
        if (++this.stored > this.totalCapacity) this.condense();
    }

    /** Add many values (NaN entries are skipped). */
    updateAll(xs: ArrayLike<number>): void {
        for (let i = 0; i < xs.length; i++) {
            const x = xs[i];
            if (x === x) this.update(x);
        }
    }

    /**
     * Append xs[from..to) (must contain no NaN) with block copies; identical result to calling
     * update() on each value in order (a compaction is triggered exactly when one would be).
     */
    updateBlock(xs: Float64Array, from = 0, to = xs.length): void {
        let i = from;
        while (i < to) {
            const take = Math.min(to - i, Math.max(1, this.totalCapacity - this.stored + 1));
            this.pushAll(0, xs.subarray(i, i + take), take);
            this.stored += take;
            i += take;
            if (this.stored > this.totalCapacity) this.condense();
        }
    }

    /** Compact the lowest full level once. Returns false when no level is full. */
    private condense(): boolean {
        for (let h = 0; h < this.levels.length; h++) {
            if (this.sizes[h] >= this.capacity(h)) {
                if (h + 1 >= this.levels.length) this.expand();
                this.compact(h);
                let s = 0;
                for (let j = 0; j < this.sizes.length; j++) s += this.sizes[j];
                this.stored = s;
                return true;
            }
        }
        return false;
    }

    private compact(h: number): void {
        const buf = this.levels[h];
        const items = this.sizes[h];
        const len = items - (items % 2);
        if (this.compressCount[h] % 2 === 1) this.offsets[h] = 1 - this.offsets[h];
        const off = this.offsets[h];
        // level 0 arrives unsorted; levels above are sorted runs that merge faster than they sort
        const sorted = h > 0 && this.mergeRuns(buf, len) ? { values: buf, offset: 0 } : sortedValues(buf, len);
        // every second item moves up: grow the level above once, then copy without per-item checks
        const up = (len - off + 1) >> 1;
        let dst = this.levels[h + 1];
        let n = this.sizes[h + 1];
        if (n + up > dst.length) {
            const nb = takeF64(Math.max(dst.length * 2, n + up));
            nb.set(dst.subarray(0, n));
            releaseF64(dst);
            this.levels[h + 1] = dst = nb;
        }
        const src = sorted.values;
        const end = sorted.offset + len;
        for (let i = sorted.offset + off; i < end; i += 2) dst[n++] = src[i];
        this.sizes[h + 1] = n;
        if (items % 2 === 1) {
            buf[0] = buf[items - 1];
            this.sizes[h] = 1;
        } else this.sizes[h] = 0;
        this.compressCount[h]++;
        this.compactionError += 2 ** h;
    }

    private scratch = new Float64Array(0);

    /**
     * Levels >= 1 are concatenations of sorted runs (each compaction below appends one), so merging the runs
     * gives the same order as a full sort in O(n log runs). Returns false (caller sorts) when there are many
     * runs or a -0 (a native sort orders -0 before +0; a merge would keep arrival order).
     */
    private mergeRuns(buf: Float64Array, len: number): boolean {
        const starts: number[] = [0];
        for (let i = 1; i < len; i++) {
            const x = buf[i];
            if (x === 0 && 1 / x < 0) return false;
            if (x < buf[i - 1]) {
                starts.push(i);
                if (starts.length > 16) return false;
            }
        }
        if (len > 0 && buf[0] === 0 && 1 / buf[0] < 0) return false;
        if (starts.length === 1) return true;
        if (this.scratch.length < len) {
            const grown = takeF64(Math.max(len, this.scratch.length * 2));
            releaseF64(this.scratch);
            this.scratch = grown;
        }
        let src: Float64Array = buf;
        let dst: Float64Array = this.scratch;
        let bounds = [...starts, len];
        while (bounds.length > 2) {
            const next: number[] = [0];
            for (let r = 0; r + 1 < bounds.length; r += 2) {
                const a0 = bounds[r];
                const a1 = bounds[r + 1];
                const b1 = r + 2 < bounds.length ? bounds[r + 2] : a1;
                let i = a0;
                let j = a1;
                let k = a0;
                while (i < a1 && j < b1) dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
                while (i < a1) dst[k++] = src[i++];
                while (j < b1) dst[k++] = src[j++];
                next.push(b1);
            }
            bounds = next;
            const t = src;
            src = dst;
            dst = t;
        }
        if (src !== buf) buf.set(src.subarray(0, len));
        return true;
    }

    /** Merge `other` into this sketch (Deequ semantics); returns this. Parameters must match. */
    merge(other: KllSketch): this {
        if (other.k !== this.k || other.c !== this.c) {
            throw new Error(
                `KLL merge: parameters differ (k=${this.k}, c=${this.c} vs k=${other.k}, c=${other.c}); only sketches built with the same k and c can be merged.`,
            );
        }
        while (this.levels.length < other.levels.length) this.expand();
        this.compactionError += other.compactionError;
        this.historyKnown &&= other.historyKnown;
        for (let h = 0; h < other.levels.length; h++) this.pushAll(h, other.levels[h], other.sizes[h]);
        let s = 0;
        for (let j = 0; j < this.sizes.length; j++) s += this.sizes[j];
        this.stored = s;
        while (this.stored >= this.totalCapacity) {
            if (!this.condense()) break;
        }
        return this;
    }

    /**
     * Full state for a partial profile: levels plus the compaction counters, so a sketch read back
     * continues exactly as the original would (fromJSON loses the counters and the error history).
     */
    toState(packed = false, alloc: F64Alloc = takeF64): KllState {
        return {
            k: this.k,
            c: this.c,
            levels: packed ? this.levels.map((b, h) => copyF64(b, this.sizes[h], alloc)) : this.levelItems(),
            compressCount: [...this.compressCount],
            offsets: [...this.offsets],
            compactionError: this.compactionError,
            historyKnown: this.historyKnown,
        };
    }

    /** Give the level buffers to this thread's array pool (f64-pool.ts); the sketch is then empty (no items, no history). */
    release(): void {
        for (const b of this.levels) releaseF64(b);
        releaseF64(this.scratch);
        this.scratch = new Float64Array(0);
        // one empty level 0 that grows as needed (not taken from the pool it was just given to)
        this.levels = [new Float64Array(16)];
        this.sizes = [0];
        this.compressCount = [0];
        this.offsets = [0];
        this.totalCapacity = this.capacity(0);
        this.stored = 0;
        this.compactionError = 0;
        this.historyKnown = true;
    }

    static fromState(st: KllState, where = "kll"): KllSketch {
        if (!st || typeof st !== "object" || !Array.isArray(st.levels) || !Array.isArray(st.compressCount) || !Array.isArray(st.offsets)) {
            throw new Error(`${where}: expected {k, c, levels, compressCount, offsets, ...}; the partial profile is damaged or from another tool.`);
        }
        const s = new KllSketch(st.k, st.c);
        st.levels.forEach((level: number[] | Float64Array, h: number) => {
            while (s.levels.length <= h) s.expand();
            if (level instanceof Float64Array) {
                for (let i = 0; i < level.length; i++) if (level[i] !== level[i]) throw new Error(`${where}.levels[${h}] holds a non-number (NaN).`);
                s.pushAll(h, level, level.length);
                return;
            }
            if (!Array.isArray(level)) throw new Error(`${where}.levels[${h}] is not a list of numbers; the partial profile is damaged.`);
            for (const x of level) {
                if (typeof x !== "number" || x !== x) throw new Error(`${where}.levels[${h}] holds a non-number (${JSON.stringify(x)}).`);
                s.push(h, x);
            }
        });
        for (let h = 0; h < s.levels.length; h++) {
            s.compressCount[h] = Number(st.compressCount[h] ?? 0);
            s.offsets[h] = Number(st.offsets[h] ?? 0);
        }
        s.stored = s.sizes.reduce((a, b) => a + b, 0);
        s.compactionError = Number(st.compactionError) || 0;
        s.historyKnown = st.historyKnown !== false;
        return s;
    }

    clone(): KllSketch {
        const s = new KllSketch(this.k, this.c);
        s.levels = this.levels.map((b) => b.slice());
        s.sizes = [...this.sizes];
        s.compressCount = [...this.compressCount];
        s.offsets = [...this.offsets];
        s.totalCapacity = this.totalCapacity;
        s.stored = this.stored;
        s.compactionError = this.compactionError;
        s.historyKnown = this.historyKnown;
        return s;
    }

    /** Items per level, in buffer order (as statistics.json stores them). */
    levelItems(): number[][] {
        return this.levels.map((b, h) => Array.from(b.subarray(0, this.sizes[h])));
    }

    toJSON(): KllSketchJson {
        return { parameters: { c: this.c, k: this.k }, data: this.levelItems() };
    }

    /** Read the `sketch` object of a statistics.json (service or ours). */
    static fromJSON(j: KllSketchJson, where = "sketch"): KllSketch {
        if (!j || typeof j !== "object" || !j.parameters || !Array.isArray(j.data)) {
            throw new Error(`${where}: expected {parameters: {c, k}, data: number[][]}; the statistics file is not a KLL sketch.`);
        }
        const k = Number(j.parameters.k);
        const c = Number(j.parameters.c);
        const s = new KllSketch(k, c);
        j.data.forEach((level, h) => {
            if (!Array.isArray(level)) throw new Error(`${where}.data[${h}] is not an array of numbers.`);
            while (s.levels.length <= h) s.expand();
            for (const x of level) {
                const v = Number(x);
                if (v !== v) throw new Error(`${where}.data[${h}] contains a non-number (${JSON.stringify(x)}).`);
                s.push(h, v);
            }
        });
        s.stored = s.sizes.reduce((a, b) => a + b, 0);
        s.historyKnown = false;
        return s;
    }

    /** Inclusive rank: weight of stored items <= x. */
    rank(x: number): number {
        let r = 0;
        for (let h = 0; h < this.levels.length; h++) {
            const b = this.levels[h];
            const w = 2 ** h;
            for (let i = 0; i < this.sizes[h]; i++) if (b[i] <= x) r += w;
        }
        return r;
    }

    /** Exclusive rank: weight of stored items < x. */
    rankExclusive(x: number): number {
        let r = 0;
        for (let h = 0; h < this.levels.length; h++) {
            const b = this.levels[h];
            const w = 2 ** h;
            for (let i = 0; i < this.sizes[h]; i++) if (b[i] < x) r += w;
        }
        return r;
    }

    /** Step CDF over the stored items (sorted, distinct values, inclusive cumulative weights). */
    cdf(): WeightedCdf {
        // sort each level natively, then merge the (few) sorted levels
        const L = this.levels.length;
        const runs: Float64Array[] = [];
        const weights: number[] = [];
        for (let h = 0; h < L; h++) {
            if (this.sizes[h] === 0) continue;
            runs.push(sortFloat64(this.levels[h].slice(0, this.sizes[h])));
            weights.push(2 ** h);
        }
        const pos = new Int32Array(runs.length);
        const outV = new Float64Array(this.stored);
        const outC = new Float64Array(this.stored);
        let k = 0;
        let cum = 0;
        for (;;) {
            let best = -1;
            let bv = Infinity;
            for (let r = 0; r < runs.length; r++) {
                if (pos[r] < runs[r].length) {
                    const v = runs[r][pos[r]];
                    if (best < 0 || v < bv) {
                        best = r;
                        bv = v;
                    }
                }
            }
            if (best < 0) break;
            pos[best]++;
            cum += weights[best];
            if (k > 0 && outV[k - 1] === bv) outC[k - 1] = cum;
            else {
                outV[k] = bv;
                outC[k++] = cum;
            }
        }
        return { values: outV.slice(0, k), cum: outC.slice(0, k), total: cum };
    }

    /** Approximate quantile q in [0,1] (smallest stored value whose inclusive rank >= q * weight). */
    quantile(q: number): number {
        const { values, cum, total } = this.cdf();
        if (values.length === 0) return NaN;
        const target = q * total;
        for (let i = 0; i < values.length; i++) if (cum[i] >= target) return values[i];
        return values[values.length - 1];
    }

    /**
     * Re-bucket into `bins` equal-width buckets over [min, max] with Deequ's rank rules.
     * min/max are the exact column extremes (kept outside the sketch, as the service does).
     */
    buckets(min: number, max: number, bins: number = SERVICE_KLL_BUCKETS): KllBucket[] {
        const { values, cum } = this.cdf();
        const rankExcl = (x: number): number => {
            // weight of items < x: last index with values[i] < x
            let lo = 0,
                hi = values.length;
            while (lo < hi) {
                const mid = (lo + hi) >>> 1;
                if (values[mid] < x) lo = mid + 1;
                else hi = mid;
            }
            return lo === 0 ? 0 : cum[lo - 1];
        };
        const rankIncl = (x: number): number => {
            let lo = 0,
                hi = values.length;
            while (lo < hi) {
                const mid = (lo + hi) >>> 1;
                if (values[mid] <= x) lo = mid + 1;
                else hi = mid;
            }
            return lo === 0 ? 0 : cum[lo - 1];
        };
        const out: KllBucket[] = [];
        for (let i = 0; i < bins; i++) {
            const low = min + ((max - min) * i) / bins;
            const high = min + ((max - min) * (i + 1)) / bins;
            const count = i === bins - 1 ? rankIncl(high) - rankExcl(low) : rankExcl(high) - rankExcl(low);
            out.push({ lower_bound: low, upper_bound: high, count });
        }
        return out;
    }

    /**
     * Guaranteed bound on the absolute rank error of any rank query, as a fraction of the weight:
     * each compaction at level h moves at most 2^h of rank mass, so the bound is the sum over all
     * compactions performed (here and in merged sketches) of 2^h, divided by the total weight.
     * For a sketch read from JSON the history is unknown and {@link rankErrorBoundFromShape} is used.
     */
    rankErrorBound(): number {
        const w = this.weight;
        if (w === 0) return 0;
        if (!this.historyKnown) return this.rankErrorBoundFromShape();
        return this.compactionError / w;
    }

    /**
     * Bound derived only from the level structure: a compaction at level h produces >= capacity(h)/2 - 1
     * items at level h+1, so the compactions of level h number at most (items ever at h+1) / (capacity(h)/2 - 1).
     */
    rankErrorBoundFromShape(): number {
        const w = this.weight;
        if (w === 0 || this.levels.length === 1) return 0;
        let e = 0;
        for (let h = 0; h + 1 < this.levels.length; h++) {
            // weight that ever reached level h+1 is at most the total weight; number of items that ever reached it
            const itemsAbove = w / 2 ** (h + 1);
            const perCompaction = Math.max(1, this.capacity(h) / 2 - 1);
            e += Math.ceil(itemsAbove / perCompaction) * 2 ** h;
        }
        return Math.min(1, e / w);
    }
}
