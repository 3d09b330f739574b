/**
 * Sorting float64 buffers for the KLL sketch: a radix sort in WebAssembly (radix-sort.wat) that gives exactly the
 * order of `Float64Array.prototype.sort()` (ascending, -0 before +0) for NaN-free input, about 6-7 times faster
 * than the native sort on the sketch's 2,050-value level-0 compactions (docs/benchmarks.md). Buffers too small to
 * repay the fixed cost, and runtimes without WebAssembly, use the native sort.
 */
import { RADIX_SORT_WASM } from "./radix-sort-wasm";

/** The part of the WebAssembly JS API used here (the ES2022 lib and @types/node 20 do not declare it). */
interface WasmMemory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
}
declare const WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

interface RadixSorter {
    memory: WasmMemory;
    sort: (p: number, n: number, t: number) => void;
    view: Float64Array;
}

/** Bytes of the module's histograms (8 x 256 u32); values start here, scratch follows them. */
const HISTOGRAM_BYTES = 8192;
/** Below this length the native sort is as fast (measured: the radix sort's fixed cost is ~3 µs). */
export const RADIX_MIN_LENGTH = 96;

let sorter: RadixSorter | null | undefined;

function radixSorter(): RadixSorter | null {
    if (sorter !== undefined) return sorter;
    try {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(RADIX_SORT_WASM, "base64")), {});
        const memory = instance.exports.memory as WasmMemory;
        sorter = { memory, sort: instance.exports.sortF64 as RadixSorter["sort"], view: new Float64Array(memory.buffer) };
    } catch {
        sorter = null;
    }
    return sorter;
}

/** The radix sorter's memory view holding at least `n` values plus scratch (grows the memory when needed). */
function sorterFor(n: number): RadixSorter | null {
    const s = radixSorter();
    if (!s) return null;
    const need = HISTOGRAM_BYTES + n * 16;
    if (s.memory.buffer.byteLength < need) {
        s.memory.grow(Math.ceil((need - s.memory.buffer.byteLength) / 65536));
        s.view = new Float64Array(s.memory.buffer);
    }
    return s;
}

/**
 * Sort `a[0..n)` of a NaN-free buffer and return a Float64Array holding the sorted values at [0, n): either `a`
 * itself (native sort) or the sorter's memory, valid until the next call of this function. Use when the sorted
 * values are only read (the KLL compaction keeps every second one).
 */
export function sortedValues(a: Float64Array, n = a.length): { values: Float64Array; offset: number } {
    if (n < RADIX_MIN_LENGTH) {
        a.subarray(0, n).sort();
        return { values: a, offset: 0 };
    }
    const s = sorterFor(n);
    if (!s) {
        a.subarray(0, n).sort();
        return { values: a, offset: 0 };
    }
    const off = HISTOGRAM_BYTES / 8;
    s.view.set(a.subarray(0, n), off);
    s.sort(HISTOGRAM_BYTES, n, HISTOGRAM_BYTES + n * 8);
    return { values: s.view, offset: off };
}

/** Sort `a[0..n)` of a NaN-free buffer in place, in the order of `Float64Array.prototype.sort()`. */
export function sortFloat64(a: Float64Array, n = a.length): Float64Array {
    const { values, offset } = sortedValues(a, n);
    if (values !== a) a.set(values.subarray(offset, offset + n));
    return a;
}
