/**
 * The per-thread Float64Array pool (lib/monitoring/sketch/f64-pool.ts): value tables and KLL levels reuse the arrays of
 * profiles released before them. Reused arrays hold old data, so a profile built from a dirty pool must be exactly the
 * profile built from fresh memory; a released profile must refuse any further use.
 */
import { strict as assert } from "assert";
import { DatasetProfiler, KllSketch, type CellValue } from "../../lib/monitoring";
import { clearF64Pool, F64_POOL_MAX_BYTES, F64_POOL_MIN_LENGTH, f64PoolStats, releaseF64, takeF64 } from "../../lib/monitoring/sketch/f64-pool";
import { normal, rng } from "./helpers";

const NAMES = ["x", "n", "color", "wide", "padded"];

function rows(count: number, seed: number): CellValue[][] {
    const r = rng(seed);
    return Array.from({ length: count }, () => [
        normal(r, 10, 3).toFixed(4),
        String(Math.floor(r() * 40) - 5),
        ["red", "green", "blue", ""][Math.floor(r() * 4)],
        (r() * 1e6).toFixed(2), // past the tracked-value cap: tables grow to their largest size
        (Math.floor(r() * 300) / 10).toFixed(1), // padded decimals ("25.0") in their own tables
    ]);
}

function profile(data: CellValue[][]): DatasetProfiler {
    const p = new DatasetProfiler({ columnNames: NAMES });
    for (const row of data) p.addRow(row);
    return p;
}

/** Lengths the tables and KLL levels ask for: table slots 2^k, level capacities and their doublings. */
function likelyLengths(): number[] {
    const out = new Set<number>();
    for (let n = 64; n <= 1 << 17; n *= 2) out.add(n);
    const k = new KllSketch();
    for (let h = 0; h < 24; h++) for (let len = Math.max(16, k.capacity(h) + 2); len <= 1 << 16; len *= 2) out.add(len);
    return [...out].filter((n) => n >= F64_POOL_MIN_LENGTH);
}

describe("monitoring/f64-pool: reused arrays never change a profile", function () {
    this.timeout(60_000);
    beforeEach(() => clearF64Pool());
    after(() => clearF64Pool());

    it("gives a released array back for the same length; views, shared, small or doubly released arrays are refused", () => {
        const a = takeF64(4096);
        releaseF64(a);
        assert.equal(f64PoolStats().arrays, 1);
        assert.equal(takeF64(4096), a, "the same array comes back");
        assert.notEqual(takeF64(4096), a, "and only once");
        releaseF64(a);
        assert.throws(() => releaseF64(a), /released twice/);
        clearF64Pool();
        releaseF64(new Float64Array(F64_POOL_MIN_LENGTH - 1));
        releaseF64(new Float64Array(8192).subarray(0, 4096));
        releaseF64(new Float64Array(new SharedArrayBuffer(8 * 4096)));
        assert.deepEqual(f64PoolStats(), { arrays: 0, bytes: 0 }, "none of them is pooled");
        // the pool stops growing at its byte limit
        const big = F64_POOL_MAX_BYTES / 8 / 4;
        for (let i = 0; i < 6; i++) releaseF64(new Float64Array(big));
        assert.equal(f64PoolStats().bytes, F64_POOL_MAX_BYTES);
    });

    it("a profile built on arrays full of old data equals one built on fresh memory (statistics and partial)", () => {
        const data = rows(30_000, 5);
        const fresh = profile(data);
        const want = { stats: fresh.toStatistics(), partial: fresh.toPartial() };

        // dirty 1: every likely length, filled with junk that is a plausible value (and NaN, the empty-slot mark)
        for (const len of likelyLengths()) for (const fill of [Math.PI, NaN, -0]) releaseF64(new Float64Array(len).fill(fill));
        assert.ok(f64PoolStats().arrays > 50);
        const onJunk = profile(data);
        assert.deepEqual(onJunk.toStatistics(), want.stats, "junk-filled pool");
        assert.deepEqual(onJunk.toPartial(), want.partial, "junk-filled pool: partial");

        // dirty 2: what a worker thread really reuses, another shard's released profile
        clearF64Pool();
        const other = profile(rows(40_000, 6));
        other.toPartial({ packed: true });
        other.release();
        const onReuse = profile(data);
        assert.deepEqual(onReuse.toStatistics(), want.stats, "pool of a released profile");
        assert.deepEqual(onReuse.toPartial(), want.partial, "pool of a released profile: partial");
    });

    it("release() gives a profile's tables and levels to the pool, and any later use throws naming release()", () => {
        const p = profile(rows(20_000, 7));
        const before = f64PoolStats().bytes;
        p.release();
        assert.ok(f64PoolStats().bytes - before > 20_000 * 8, `the tables went to the pool (${f64PoolStats().bytes} bytes)`);
        p.release(); // twice is harmless: nothing is given twice
        for (const use of [
            () => p.addRow(["1", "2", "red", "3", "4.0"]),
            () => p.toStatistics(),
            () => p.toPartial(),
            () => p.cellColumn(0),
            () => p.addNumericColumns([new Float64Array(1)], 1),
            () => new DatasetProfiler({ columnNames: NAMES }).merge(p),
        ])
            assert.throws(use, /was released \(release\(\)\); build a new one/);
    });

    it("a sketch keeps its items when its levels grow into reused arrays, and is empty and usable after release()", () => {
        const r = rng(3);
        const values = Array.from({ length: 50_000 }, () => normal(r, 0, 1));
        const fresh = new KllSketch();
        for (const v of values) fresh.update(v);
        for (const len of likelyLengths()) releaseF64(new Float64Array(len).fill(1e300));
        const reused = new KllSketch();
        for (const v of values) reused.update(v);
        assert.deepEqual(reused.toJSON(), fresh.toJSON());
        reused.release();
        assert.equal(reused.weight, 0);
        reused.update(1);
        assert.equal(reused.quantile(0.5), 1);
    });
});
