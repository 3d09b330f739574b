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
}
declare const WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    Memory: new (descriptor: { initial: number }) => WasmMemory;
};

interface RadixSorter {
    sort: (p: number, n: number, t: number) => void;
    view: Float64Array;
}

/** Bytes of the module's histograms (8 x 256 u32); values start here, scratch follows them. */
const HISTOGRAM_BYTES = 8192;
/** Below this length the native sort is as fast (measured: the radix sort's fixed cost is ~3 µs). */
export const RADIX_MIN_LENGTH = 96;

/**
 * Pages (64 KiB) of the first memory: 7,680 values, room for a level-0 compaction (2,050 values) and for the merge of
 * two sketches' level 0.
 */
const INITIAL_PAGES = 2;

let wasmModule: object | null | undefined;
let sorter: RadixSorter | null = null;

/**
 * The radix sorter with a memory holding at least `n` values plus scratch. A larger memory comes with a new instance
 * (the module is compiled once), never from `memory.grow()`: growing detaches the memory's old ArrayBuffer, and the
 * first detach in a thread invalidates V8's array-buffer-detaching protector, after which every typed-array access
 * compiled in that thread re-checks its buffer. Measured with callgrind (60k capture records, one thread): 2.60 G
 * instructions per call before a detach, 3.52 G after one (+35 %), whatever was detached.
 */
function sorterFor(n: number): RadixSorter | null {
    if (wasmModule === undefined) {
        try {
            wasmModule = new WebAssembly.Module(Buffer.from(RADIX_SORT_WASM, "base64"));
        } catch {
            wasmModule = null;
        }
    }
    if (wasmModule === null) return null;
    const need = HISTOGRAM_BYTES + n * 16;
    if (sorter === null || sorter.view.byteLength < need) {
        try {
            const memory = new WebAssembly.Memory({ initial: Math.max(INITIAL_PAGES, Math.ceil(need / 65536)) });
            const instance = new WebAssembly.Instance(wasmModule, { env: { memory } });
            sorter = { sort: instance.exports.sortF64 as RadixSorter["sort"], view: new Float64Array(memory.buffer) };
        } catch {
            // no memory that large (a WebAssembly memory is at most 4 GiB): the native sort
            return null;
        }
    }
    return sorter;
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
