/**
 * Reuse of large Float64Arrays within one thread (issue 14): the value tables and KLL levels of a profile grow by
 * doubling, and a shard's profile is dropped once its partial is out, so each call to a warm worker thread used to take
 * fresh memory for all of them. On the benchmark VM (Firecracker) a first touch of a page costs 5-11 µs, and a worker
 * thread's malloc arena returns freed memory to the system, so a warm worker took ~4,400 page faults per 94 MB shard
 * (perf record -e page-faults: table growth, KLL growth, the partial's copies), 25-50 ms of a 500 ms shard that the
 * calling thread, whose arena keeps its memory, did not pay (docs/monitoring.md).
 *
 * Arrays come back only from code that holds the last reference to them: a table's or level's old buffer after it
 * grew, and a whole profile after its partial was written ({@link DatasetProfiler.release}). Module state, so one pool
 * per thread; it keeps at most {@link F64_POOL_MAX_BYTES}, and a thread that ends frees it.
 */

/** Arrays shorter than this (4 KiB) are not pooled: they are not worth a page fault's bookkeeping. */
export const F64_POOL_MIN_LENGTH = 512;
/** Most bytes a thread's pool keeps (a 20-column profile at the 10,000-value cap holds ~12 MB). */
export const F64_POOL_MAX_BYTES = 64 << 20;

const free = new Map<number, Float64Array<ArrayBuffer>[]>();
let pooledBytes = 0;

/** Where packed partials take their arrays: this pool by default, a shared buffer between threads (shard.ts). */
export type F64Alloc = (length: number) => Float64Array;

/** An array of `length` items whose contents are unspecified (a fresh one is zeroed, a reused one is not). */
export function takeF64(length: number): Float64Array<ArrayBuffer> {
    if (length >= F64_POOL_MIN_LENGTH) {
        const a = free.get(length)?.pop();
        if (a) {
            pooledBytes -= a.byteLength;
            return a;
        }
    }
    return new Float64Array(length);
}

/** Give back an array nothing else refers to; arrays that are views, shared or too small are left to the GC. */
export function releaseF64(a: Float64Array): void {
    if (a.length < F64_POOL_MIN_LENGTH || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || !(a.buffer instanceof ArrayBuffer)) return;
    if (pooledBytes + a.byteLength > F64_POOL_MAX_BYTES) return;
    const owned = a as Float64Array<ArrayBuffer>;
    let list = free.get(a.length);
    if (!list) free.set(a.length, (list = []));
    if (list.includes(owned)) throw new Error("releaseF64: array released twice; a pooled array may have only one owner.");
    list.push(owned);
    pooledBytes += a.byteLength;
}

/** What this thread's pool holds (tests, benchmarks). */
export function f64PoolStats(): { arrays: number; bytes: number } {
    let arrays = 0;
    for (const l of free.values()) arrays += l.length;
    return { arrays, bytes: pooledBytes };
}

/** Drop every pooled array (tests). */
export function clearF64Pool(): void {
    free.clear();
    pooledBytes = 0;
}
