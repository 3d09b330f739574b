import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { KllSketch, SERVICE_KLL_C, SERVICE_KLL_K } from "../../lib/monitoring/sketch/kll";
import { rng, normal } from "./helpers";

const FIX = path.join(__dirname, "..", "fixtures", "model-monitor");
const stats01 = JSON.parse(fs.readFileSync(path.join(FIX, "01_data_quality_statistics.json"), "utf8"));

/**
 * Independent, deliberately naive model of the Deequ compactor stack (plain JS arrays, full re-scans),
 * used to check the typed-array implementation item for item.
 */
class NaiveDeequKll {
    levels: number[][] = [[]];
    comp: number[] = [0];
    off: number[] = [0];
    constructor(
        readonly k: number,
        readonly c: number,
    ) {}
    cap(h: number) {
        return 2 * (Math.ceil((this.k * Math.pow(this.c, h)) / 2) + 1);
    }
    total() {
        return this.levels.reduce((s, _, h) => s + this.cap(h), 0);
    }
    size() {
        return this.levels.reduce((s, l) => s + l.length, 0);
    }
    condense() {
        for (let h = 0; h < this.levels.length; h++) {
            if (this.levels[h].length >= this.cap(h)) {
                if (h + 1 >= this.levels.length) {
                    this.levels.push([]);
                    this.comp.push(0);
                    this.off.push(0);
                }
                const buf = this.levels[h];
                const len = buf.length - (buf.length % 2);
                if (this.comp[h] % 2 === 1) this.off[h] = 1 - this.off[h];
                const s = buf.slice(0, len).sort((a, b) => a - b);
                for (let i = this.off[h]; i < len; i += 2) this.levels[h + 1].push(s[i]);
                this.levels[h] = buf.length % 2 ? [buf[buf.length - 1]] : [];
                this.comp[h]++;
                return true;
            }
        }
        return false;
    }
    update(x: number) {
        this.levels[0].push(x);
        if (this.size() > this.total()) this.condense();
    }
    merge(o: NaiveDeequKll) {
        while (this.levels.length < o.levels.length) {
            this.levels.push([]);
            this.comp.push(0);
            this.off.push(0);
        }
        o.levels.forEach((l, h) => this.levels[h].push(...l));
        while (this.size() >= this.total()) if (!this.condense()) break;
    }
}

describe("monitoring/sketch KLL", () => {
    it("re-bucketing fixture 01 sketch.data reproduces every stored bucket (bounds and counts) exactly", () => {
        let checked = 0;
        for (const f of stats01.features) {
            const ns = f.numerical_statistics;
            const kll = ns.distribution.kll;
            assert.deepEqual(kll.sketch.parameters, { c: SERVICE_KLL_C, k: SERVICE_KLL_K });
            const s = KllSketch.fromJSON(kll.sketch);
            assert.equal(s.weight, ns.common.num_present, `${f.name}: sum of 2^level weights must equal num_present`);
            const ours = s.buckets(ns.min, ns.max, kll.buckets.length);
            assert.equal(ours.length, kll.buckets.length);
            kll.buckets.forEach((b: { lower_bound: number; upper_bound: number; count: number }, i: number) => {
                assert.equal(ours[i].lower_bound, b.lower_bound, `${f.name} bucket ${i} lower`);
                assert.equal(ours[i].upper_bound, b.upper_bound, `${f.name} bucket ${i} upper`);
                assert.equal(ours[i].count, b.count, `${f.name} bucket ${i} count`);
                checked++;
            });
            // serialisation round trip is the identity on the stored data
            assert.deepEqual(s.toJSON(), kll.sketch);
        }
        assert.equal(checked, 60, "fixture 01 has 6 features x 10 buckets");
    });

    it("feeding fixture 01 raw values (level 0 holds all of them) reproduces the same sketch and buckets", () => {
        for (const f of stats01.features) {
            const ns = f.numerical_statistics;
            const s = new KllSketch();
            s.updateAll(ns.distribution.kll.sketch.data[0]);
            assert.deepEqual(s.toJSON(), ns.distribution.kll.sketch);
            assert.deepEqual(s.buckets(ns.min, ns.max), ns.distribution.kll.buckets);
        }
    });

    it("matches a naive model of Deequ compaction item for item on 60k values, and after merging", () => {
        const r = rng(7);
        const a = new KllSketch(256, 0.64);
        const na = new NaiveDeequKll(256, 0.64);
        for (let i = 0; i < 60000; i++) {
            const x = Math.round(normal(r) * 1000) / 100; // with ties
            a.update(x);
            na.update(x);
        }
        assert.ok(a.numLevels >= 5, `expected several levels, got ${a.numLevels}`);
        assert.deepEqual(a.levelItems(), na.levels);
        assert.equal(a.weight, 60000);
        const b = new KllSketch(256, 0.64);
        const nb = new NaiveDeequKll(256, 0.64);
        for (let i = 0; i < 23457; i++) {
            const x = r() * 50 - 10;
            b.update(x);
            nb.update(x);
        }
        a.merge(b);
        na.merge(nb);
        assert.deepEqual(a.levelItems(), na.levels);
        assert.equal(a.weight, 60000 + 23457);
    });

    it("updateBlock (block copies) gives exactly the same sketch as per-value update()", () => {
        const r = rng(13);
        const xs = new Float64Array(150000);
        for (let i = 0; i < xs.length; i++) xs[i] = normal(r);
        const a = new KllSketch(),
            b = new KllSketch();
        a.updateAll(xs);
        for (let i = 0; i < xs.length;) {
            const n = 1 + Math.floor(r() * 20000);
            b.updateBlock(xs, i, Math.min(xs.length, i + n));
            i += n;
        }
        assert.ok(a.numLevels >= 3);
        assert.deepEqual(b.levelItems(), a.levelItems());
    });

    it("rank error stays within the sketch bound on 300k values with the service parameters", () => {
        const r = rng(11);
        const xs = new Float64Array(300000);
        for (let i = 0; i < xs.length; i++) xs[i] = normal(r, 5, 2);
        const s = new KllSketch();
        s.updateAll(xs);
        assert.equal(s.weight, xs.length);
        assert.ok(s.storedItems < 10000, `sketch must stay small, holds ${s.storedItems}`);
        const sorted = Float64Array.from(xs).sort();
        const bound = s.rankErrorBound();
        assert.ok(bound > 0 && bound < 0.01, `bound ${bound}`);
        assert.ok(s.rankErrorBoundFromShape() >= bound * 0.5, "shape bound must be comparable");
        let worst = 0;
        for (const q of [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999]) {
            const x = sorted[Math.floor(q * (sorted.length - 1))];
            let lo = 0,
                hi = sorted.length;
            while (lo < hi) {
                const m = (lo + hi) >>> 1;
                if (sorted[m] <= x) lo = m + 1;
                else hi = m;
            }
            worst = Math.max(worst, Math.abs(s.rank(x) - lo) / xs.length);
        }
        assert.ok(worst <= bound, `observed rank error ${worst} exceeds bound ${bound}`);
        assert.ok(Math.abs(s.quantile(0.5) - 5) < 0.05);
        // merged sketches keep a valid bound (compactions of both sides count)
        const half = new KllSketch(),
            other = new KllSketch();
        half.updateAll(xs.subarray(0, 150000));
        other.updateAll(xs.subarray(150000));
        const eb = other.rankErrorBound() * other.weight;
        half.merge(other);
        assert.ok(half.rankErrorBound() * half.weight >= eb);
        let worstMerged = 0;
        for (const q of [0.01, 0.1, 0.5, 0.9, 0.99]) {
            const x = sorted[Math.floor(q * (sorted.length - 1))];
            let lo = 0,
                hi = sorted.length;
            while (lo < hi) {
                const m = (lo + hi) >>> 1;
                if (sorted[m] <= x) lo = m + 1;
                else hi = m;
            }
            worstMerged = Math.max(worstMerged, Math.abs(half.rank(x) - lo) / xs.length);
        }
        assert.ok(worstMerged <= half.rankErrorBound(), `merged error ${worstMerged} > bound ${half.rankErrorBound()}`);
        // a sketch read back from JSON falls back to the structural bound
        assert.equal(KllSketch.fromJSON(s.toJSON()).rankErrorBound(), s.rankErrorBoundFromShape());
        // buckets always sum to the weight
        const b = s.buckets(sorted[0], sorted[sorted.length - 1]);
        assert.equal(
            b.reduce((t, x) => t + x.count, 0),
            xs.length,
        );
    });

    it("levels >= 1 are merged as sorted runs: item for item the naive full-sort model on ascending, descending and integer (zeros, no -0) streams", () => {
        const r = rng(11);
        const streams: [string, (i: number) => number][] = [
            ["ascending", (i) => i * 0.5 + 1],
            ["descending", (i) => 1e6 - i],
            ["integers with zeros", () => Math.floor(r() * 50)],
            ["mixed signs", () => Math.round((r() - 0.5) * 2000) || 1],
        ];
        for (const [name, f] of streams) {
            const a = new KllSketch(512, 0.64);
            const n = new NaiveDeequKll(512, 0.64);
            for (let i = 0; i < 40000; i++) {
                const x = f(i);
                a.update(x);
                n.update(x);
            }
            assert.deepEqual(a.levelItems(), n.levels, name);
        }
    });

    it("adversarial orders with the service parameters: sorted, reversed, one shard empty, one shard a single value - merged in both orders, every rank within the bound", () => {
        const N = 200_000;
        const r = rng(23);
        const values = Float64Array.from({ length: N }, () => Math.round(normal(r, 0, 10) * 1e3) / 1e3); // with ties
        const sorted = Float64Array.from(values).sort();
        const reversed = Float64Array.from(sorted).reverse();
        const exactRank = (x: number): number => {
            let lo = 0,
                hi = sorted.length;
            while (lo < hi) {
                const m = (lo + hi) >>> 1;
                if (sorted[m] <= x) lo = m + 1;
                else hi = m;
            }
            return lo;
        };
        const sketch = (xs: ArrayLike<number>): KllSketch => {
            const s = new KllSketch();
            s.updateAll(xs);
            return KllSketch.fromState(JSON.parse(JSON.stringify(s.toState())));
        };
        const cases: [string, ArrayLike<number>[]][] = [
            ["one sorted stream", [sorted]],
            ["one reversed stream", [reversed]],
            ["sorted halves", [sorted.subarray(0, N / 2), sorted.subarray(N / 2)]],
            ["reversed thirds", [reversed.subarray(0, 70_000), reversed.subarray(70_000, 140_000), reversed.subarray(140_000)]],
            ["low half sorted, high half reversed", [sorted.subarray(0, N / 2), Float64Array.from(sorted.subarray(N / 2)).reverse()]],
            ["one shard empty", [new Float64Array(0), values, new Float64Array(0)]],
            ["one shard a single value (the maximum)", [sorted.subarray(N - 1), sorted.subarray(0, N - 1)]],
            ["one shard a single value (the minimum), then sorted", [sorted.subarray(0, 1), sorted.subarray(1)]],
        ];
        for (const [name, shards] of cases) {
            for (const order of ["forward", "backward"] as const) {
                const parts = shards.map(sketch);
                if (order === "backward") parts.reverse();
                const merged = parts.reduce((a, b) => a.merge(b));
                assert.equal(merged.weight, N, `${name} (${order}): weight`);
                assert.ok(merged.storedItems < 10_000, `${name} (${order}): sketch stays small (${merged.storedItems})`);
                const bound = merged.rankErrorBound();
                assert.ok(bound > 0 && bound < 0.01, `${name} (${order}): bound ${bound}`);
                let worst = 0;
                for (let q = 0.005; q < 1; q += 0.005) {
                    const x = sorted[Math.floor(q * (N - 1))];
                    worst = Math.max(worst, Math.abs(merged.rank(x) - exactRank(x)) / N);
                }
                assert.ok(worst <= bound, `${name} (${order}): rank error ${worst} > bound ${bound}`);
                const b = merged.buckets(sorted[0], sorted[N - 1]);
                assert.equal(
                    b.reduce((t, x) => t + x.count, 0),
                    N,
                    `${name} (${order}): buckets hold every value`,
                );
            }
        }
    });

    it("rejects bad parameters, NaN and mismatched merges with actionable messages", () => {
        assert.throws(() => new KllSketch(1), /k=1 is invalid/);
        assert.throws(() => new KllSketch(2048, 1.5), /c=1.5 is invalid/);
        assert.throws(() => new KllSketch().update(NaN), /missing value/);
        assert.throws(() => new KllSketch(2048).merge(new KllSketch(1024)), /parameters differ/);
        assert.throws(() => KllSketch.fromJSON({ parameters: { c: 0.64, k: 2048 }, data: [[1, "x" as unknown as number]] }), /data\[0\] contains a non-number/);
    });
});
