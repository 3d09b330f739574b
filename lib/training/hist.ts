/**
 * Histogram cut points ("hist cuts") and bin-index matrix, following the way
 * XGBoost 1.7 builds them for tree_method=hist:
 *  - per feature, a weighted quantile summary of the non-missing values
 *    (exact here: sorted unique values with their weight ranks), pruned first to
 *    max_bin*8 entries and then to max_bin+1 entries by rank (the WQSummary
 *    prune rule: keep the first/last entries and the entries nearest to evenly
 *    spaced ranks);
 *  - cut values are summary entries 1 .. min(size, max_bin)-1 (strictly
 *    increasing), followed by a sentinel `max + (|max| + 1e-5)` greater than
 *    every value, so a feature has at most max_bin bins;
 *  - `min_value = min - (|min| + 1e-5)` is used as the split value when all
 *    non-missing values go right;
 *  - a value v falls in bin `upper_bound(cuts, v)`, i.e. bin b holds
 *    [cuts[b-1], cuts[b]); the split "bins <= b go left" is "x < cuts[b]".
 * All cut values are float32 so thresholds compare exactly like XGBoost's.
 */
import { DMatrix } from "./dmatrix";

export interface HistCuts {
    nFeatures: number;
    /** cut values of feature f are values[ptrs[f] .. ptrs[f+1]) */
    ptrs: Uint32Array;
    values: Float32Array;
    minValues: Float32Array;
}

interface Summary {
    value: Float64Array;
    rmin: Float64Array;
    rmax: Float64Array;
    wmin: Float64Array;
    size: number;
}

function prune(src: Summary, maxsize: number): Summary {
    if (src.size <= maxsize) return src;
    const out: Summary = {
        value: new Float64Array(maxsize),
        rmin: new Float64Array(maxsize),
        rmax: new Float64Array(maxsize),
        wmin: new Float64Array(maxsize),
        size: 0,
    };
    const push = (i: number) => {
        const k = out.size++;
        out.value[k] = src.value[i];
        out.rmin[k] = src.rmin[i];
        out.rmax[k] = src.rmax[i];
        out.wmin[k] = src.wmin[i];
    };
    const begin = src.rmax[0];
    const range = src.rmin[src.size - 1] - src.rmax[0];
    const n = maxsize - 1;
    push(0);
    let i = 1;
    let last = 0;
    for (let k = 1; k < n; k++) {
        const target2 = 2 * ((k * range) / n + begin);
        while (i < src.size - 1 && target2 >= src.rmax[i + 1] + src.rmin[i + 1]) i++;
        if (i === src.size - 1) break;
        // rmin of the next entry after i vs rmax of entry i+1 without its own weight
        const mid = src.rmin[i] + src.wmin[i] + (src.rmax[i + 1] - src.wmin[i + 1]);
        if (target2 < mid) {
            if (i !== last) {
                push(i);
                last = i;
            }
        } else if (i + 1 !== last) {
            push(i + 1);
            last = i + 1;
        }
    }
    if (last !== src.size - 1) push(src.size - 1);
    return out;
}

/** Exact summary of one column: unique sorted values with weighted ranks. */
function columnSummary(col: Float32Array, n: number, w: Float32Array | null): Summary {
    let value: Float64Array, wmin: Float64Array;
    let size = 0;
    if (!w) {
        const v = col.subarray(0, n).slice().sort();
        value = new Float64Array(n);
        wmin = new Float64Array(n);
        for (let i = 0; i < n; i++) {
            if (size > 0 && value[size - 1] === v[i]) wmin[size - 1] += 1;
            else {
                value[size] = v[i];
                wmin[size] = 1;
                size++;
            }
        }
    } else {
        const idx = new Uint32Array(n);
        for (let i = 0; i < n; i++) idx[i] = i;
        idx.sort((a, b) => col[a] - col[b]);
        value = new Float64Array(n);
        wmin = new Float64Array(n);
        for (let k = 0; k < n; k++) {
            const i = idx[k];
            if (w[i] === 0) continue;
            if (size > 0 && value[size - 1] === col[i]) wmin[size - 1] += w[i];
            else {
                value[size] = col[i];
                wmin[size] = w[i];
                size++;
            }
        }
    }
    const rmin = new Float64Array(size);
    const rmax = new Float64Array(size);
    let acc = 0;
    for (let i = 0; i < size; i++) {
        rmin[i] = acc;
        acc += wmin[i];
        rmax[i] = acc;
    }
    return { value, rmin, rmax, wmin, size };
}

export function buildHistCuts(m: DMatrix, maxBin: number): HistCuts {
    const { nRows, nCols, values } = m;
    const w = m.weights ?? null;
    const cutList: number[] = [];
    const ptrs = new Uint32Array(nCols + 1);
    const minValues = new Float32Array(nCols);
    const col = new Float32Array(nRows);
    const colW = w ? new Float32Array(nRows) : null;
    for (let f = 0; f < nCols; f++) {
        let n = 0;
        for (let r = 0, p = f; r < nRows; r++, p += nCols) {
            const v = values[p];
            if (v === v) {
                col[n] = v;
                if (colW) colW[n] = w![r];
                n++;
            }
        }
        ptrs[f] = cutList.length;
        let s = columnSummary(col, n, colW);
        if (s.size === 0) {
            minValues[f] = 1e-5;
            cutList.push(Math.fround(Math.fround(1e-5) + Math.fround(2e-5)));
            continue;
        }
        s = prune(s, Math.min(s.size, maxBin * 8));
        s = prune(s, maxBin + 1);
        const required = Math.min(s.size, maxBin);
        for (let i = 1; i < required; i++) {
            const c = Math.fround(s.value[i]);
            if (i === 1 || c > cutList[cutList.length - 1]) cutList.push(c);
        }
        const mx = Math.fround(s.value[s.size - 1]);
        cutList.push(Math.fround(mx + Math.fround(Math.abs(mx) + Math.fround(1e-5))));
        const mn = Math.fround(s.value[0]);
        minValues[f] = Math.fround(mn - Math.fround(Math.abs(mn) + Math.fround(1e-5)));
    }
    ptrs[nCols] = cutList.length;
    return { nFeatures: nCols, ptrs, values: Float32Array.from(cutList), minValues };
}

/** Local bin of value v within feature f (upper_bound over the cuts, clamped to the last bin). */
export function searchBin(cuts: HistCuts, f: number, v: number): number {
    let lo = cuts.ptrs[f];
    const end = cuts.ptrs[f + 1];
    let hi = end;
    const c = cuts.values;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (c[mid] <= v) lo = mid + 1;
        else hi = mid;
    }
    if (lo === end) lo = end - 1;
    return lo - cuts.ptrs[f];
}

/**
 * Bin-index matrix (row-major). Each feature f owns `nBins(f) + 1` consecutive
 * histogram slots starting at `slotOffset[f]`; the last one collects missing values.
 * Entries are global slot indices, so histogram building needs no per-feature add.
 */
export interface BinMatrix {
    nRows: number;
    nCols: number;
    bins: Uint16Array | Uint32Array;
    slotOffset: Uint32Array;
    /** slot index of the missing bucket of feature f */
    missingSlot: Uint32Array;
    totalSlots: number;
    /**
     * Sparse view for histogram building: per feature the most frequent slot ("mode slot")
     * is left out; row r's other slots are csrSlots[csrPtr[r] .. csrPtr[r+1]). The mode slot's
     * sums are recovered as node total minus the feature's other slots. With one-hot data
     * this skips most entries (XGBoost skips zeros of sparse data in a similar way).
     */
    modeSlot: Uint32Array;
    csrPtr: Uint32Array;
    csrSlots: Uint16Array | Uint32Array;
}

export function buildBinMatrix(m: DMatrix, cuts: HistCuts): BinMatrix {
    const { nRows, nCols, values } = m;
    const slotOffset = new Uint32Array(nCols);
    const missingSlot = new Uint32Array(nCols);
    let total = 0;
    for (let f = 0; f < nCols; f++) {
        slotOffset[f] = total;
        total += cuts.ptrs[f + 1] - cuts.ptrs[f];
        missingSlot[f] = total;
        total += 1;
    }
    const bins = total <= 65536 ? new Uint16Array(nRows * nCols) : new Uint32Array(nRows * nCols);
    const cv = cuts.values;
    for (let f = 0; f < nCols; f++) {
        const b0 = cuts.ptrs[f];
        const e0 = cuts.ptrs[f + 1];
        const off = slotOffset[f];
        const miss = missingSlot[f];
        for (let r = 0, p = f; r < nRows; r++, p += nCols) {
            const v = values[p];
            if (v !== v) {
                bins[p] = miss;
                continue;
            }
            let lo = b0,
                hi = e0;
            while (lo < hi) {
                const mid = (lo + hi) >>> 1;
                if (cv[mid] <= v) lo = mid + 1;
                else hi = mid;
            }
            if (lo === e0) lo = e0 - 1;
            bins[p] = off + (lo - b0);
        }
    }
    // most frequent slot per feature
    const counts = new Uint32Array(total);
    for (let p = 0; p < bins.length; p++) counts[bins[p]]++;
    const modeSlot = new Uint32Array(nCols);
    let nnz = 0;
    for (let f = 0; f < nCols; f++) {
        let best = slotOffset[f];
        for (let s = slotOffset[f]; s <= missingSlot[f]; s++) if (counts[s] > counts[best]) best = s;
        modeSlot[f] = best;
        nnz += nRows - counts[best];
    }
    const csrPtr = new Uint32Array(nRows + 1);
    const csrSlots = total <= 65536 ? new Uint16Array(nnz) : new Uint32Array(nnz);
    let k = 0;
    for (let r = 0; r < nRows; r++) {
        csrPtr[r] = k;
        const base = r * nCols;
        for (let f = 0; f < nCols; f++) {
            const b = bins[base + f];
            if (b !== modeSlot[f]) csrSlots[k++] = b;
        }
    }
    csrPtr[nRows] = k;
    return { nRows, nCols, bins, slotOffset, missingSlot, totalSlots: total, modeSlot, csrPtr, csrSlots };
}
