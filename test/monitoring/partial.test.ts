/**
 * Mergeable partial profiles (issue 14): shards profiled separately, serialised, read back and merged in
 * any grouping/order give the single-pass statistics.json — exactly for exact statistics, within the
 * sketches' documented error for KLL quantiles and HyperLogLog distinct counts.
 */
import { strict as assert } from "assert";
import {
    DatasetProfiler,
    isCanonicalNumberText,
    KllSketch,
    NumCountTable,
    paddedDecimalDigits,
    paddedText,
    type CellValue,
    type PartialProfile,
} from "../../lib/monitoring";
import { assertExactStatisticsEqual, normal, rng } from "./helpers";

const NAMES = ["x", "n", "color", "mixed", "sparse", "wide"];

function makeRows(count: number, seed: number): CellValue[][] {
    const r = rng(seed);
    return Array.from({ length: count }, (_, i) => [
        normal(r, 10, 3).toFixed(4), // fractional, mostly canonical texts
        String(Math.floor(r() * 40) - 5), // integral
        ["red", "green", "blue", 'a"b', ""][Math.floor(r() * 5)], // categorical with missing
        i % 97 === 0 ? "n/a" : i % 3 === 0 ? "1.50" : String(i % 11), // String type: numbers (canonical and not) + a string
        i % 10 === 0 ? String(r() * 1e-7) : "", // mostly missing, tiny values in exponent form
        (r() * 1e6).toFixed(2), // many distinct values
    ]);
}

function profile(rows: CellValue[][], opts = {}): DatasetProfiler {
    const p = new DatasetProfiler({ columnNames: NAMES, ...opts });
    for (const row of rows) p.addRow(row);
    return p;
}

/** Serialise through JSON text, as a worker writing a partial file would. */
const roundTrip = (p: DatasetProfiler): DatasetProfiler => DatasetProfiler.fromPartial(JSON.parse(JSON.stringify(p.toPartial())) as PartialProfile);

function mergeAll(parts: DatasetProfiler[]): DatasetProfiler {
    const [first, ...rest] = parts.map(roundTrip);
    for (const p of rest) first.merge(p);
    return first;
}

/** KLL quantiles of the merged sketch stay within its rank error bound against the exact ranks. */
function assertQuantilesWithinBound(p: DatasetProfiler, column: string, values: number[], what: string): void {
    const sorted = [...values].sort((a, b) => a - b);
    const kll = p.columns.find((c) => c.name === column)!.kll;
    const eps = kll.rankErrorBound();
    assert.ok(eps < 0.02, `${what}: bound ${eps} is the documented order (< 2 %)`);
    for (const q of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) {
        const v = kll.quantile(q);
        // exact rank interval of v in the data
        let lo = 0;
        while (lo < sorted.length && sorted[lo] < v) lo++;
        let hi = lo;
        while (hi < sorted.length && sorted[hi] <= v) hi++;
        const target = q * sorted.length;
        const err = target < lo ? (lo - target) / sorted.length : target > hi ? (target - hi) / sorted.length : 0;
        assert.ok(err <= eps + 1 / sorted.length, `${what}: q=${q} rank error ${err} > bound ${eps}`);
    }
}

describe("monitoring/partial profiles: merge equals single pass", function () {
    this.timeout(120_000);
    const rows = makeRows(30_000, 11);
    const single = profile(rows);
    const singleStats = single.toStatistics();
    const xs = rows.map((r) => Number(r[0]));
    const sortedRows = [...rows].sort((a, b) => Number(a[0]) - Number(b[0]));

    const splits: [string, CellValue[][][]][] = [
        ["4 contiguous shards", [rows.slice(0, 7000), rows.slice(7000, 15000), rows.slice(15000, 29000), rows.slice(29000)]],
        ["sorted by x", [sortedRows.slice(0, 10000), sortedRows.slice(10000, 20000), sortedRows.slice(20000)]],
        ["reversed sort", [[...sortedRows].reverse().slice(0, 15000), [...sortedRows].reverse().slice(15000)]],
        ["one shard empty", [rows.slice(0, 12000), [], rows.slice(12000)]],
        ["one shard a single row", [rows.slice(0, 1), rows.slice(1)]],
        ["interleaved (row i to shard i % 3)", [0, 1, 2].map((k) => rows.filter((_, i) => i % 3 === k))],
    ];
    for (const [name, shards] of splits) {
        it(`${name}: exact statistics identical, sketches within bound`, () => {
            const merged = mergeAll(shards.map((s) => profile(s)));
            assertExactStatisticsEqual(merged.toStatistics(), singleStats, name);
            assertQuantilesWithinBound(merged, "x", xs, name);
        });
    }

    it("associative and commutative: (a+b)+c, a+(b+c), c+b+a give the same exact statistics", () => {
        const parts = [rows.slice(0, 9000), rows.slice(9000, 21000), rows.slice(21000)].map((s) => profile(s));
        const left = mergeAll(parts);
        const bc = mergeAll([parts[1], parts[2]]);
        const right = mergeAll([parts[0], bc]);
        const rev = mergeAll([...parts].reverse());
        for (const [n, p] of [
            ["left", left],
            ["right", right],
            ["reversed", rev],
        ] as const)
            assertExactStatisticsEqual(p.toStatistics(), singleStats, n);
    });

    it("a sketch read back from a partial continues exactly like one that never left memory", () => {
        const a = profile(rows.slice(0, 12345));
        const b = roundTrip(a);
        for (const r of rows.slice(12345, 20000)) {
            a.addRow(r);
            b.addRow(r);
        }
        assert.deepEqual(b.toStatistics(), a.toStatistics());
    });

    it("HyperLogLog distinct count after the exact cap: merged within 3 standard errors (1.04/sqrt(4096)) of the truth", () => {
        const opts = { maxTrackedValues: 500 };
        const one = profile(rows, opts);
        const merged = mergeAll([rows.slice(0, 5000), rows.slice(5000, 17000), rows.slice(17000)].map((s) => profile(s, opts)));
        const truth = new Set(rows.map((r) => r[5])).size;
        const col = (p: DatasetProfiler) => p.columns.find((c) => c.name === "wide")!;
        for (const p of [one, merged]) {
            const est = col(p).distinctCount();
            assert.ok(Math.abs(est - truth) / truth < 3 * (1.04 / 64), `estimate ${est} vs ${truth}`);
        }
        // below the cap the exact part is still exact
        assert.equal(merged.toStatistics().features[2].string_statistics!.distinct_count, one.toStatistics().features[2].string_statistics!.distinct_count);
    });

    it("rejects partials from another tool, other sketch parameters, or damaged numbers, naming the problem", () => {
        assert.throws(
            () => DatasetProfiler.fromPartial({ format: "x" } as unknown as PartialProfile),
            /not a version-1 mlplatform\/data-quality-partial-profile/,
        );
        const p = profile(rows.slice(0, 100)).toPartial();
        const bad = JSON.parse(JSON.stringify(p));
        bad.columns[0].missing = "many";
        assert.throws(() => DatasetProfiler.fromPartial(bad, "shard-3.json"), /shard-3\.json\.columns\[0\]\.missing is "many", expected a number/);
        const other = new DatasetProfiler({ columnNames: NAMES, kllK: 200 });
        assert.throws(() => profile(rows.slice(0, 10)).merge(other), /option kllK differs \(2048 vs 200\)/);
    });

    it("the packed form between threads (Float64Array value counts, copied by structured clone) merges exactly as the JSON form", () => {
        // small cap so that the merges also cross it: which values stay counted then depends only on the entries' order
        for (const opts of [{}, { maxTrackedValues: 700 }]) {
            const shards = [rows.slice(0, 9000), rows.slice(9000, 21000), rows.slice(21000)].map((r) => profile(r, opts));
            const viaJson = mergeAll(shards);
            const [first, ...rest] = shards.map((p) => {
                const packed = p.toPartial({ packed: true });
                // what postMessage does between threads: a structured clone (no transfer: see shard-worker.ts)
                const copied = structuredClone(packed);
                assert.ok(
                    copied.columns.every((c) => c.numbers instanceof Float64Array),
                    "every column's value counts travel as one buffer",
                );
                assert.ok(
                    copied.columns.every((c) => c.kll.levels.length > 0 && c.kll.levels.every((l) => l instanceof Float64Array)),
                    "and every KLL level",
                );
                return DatasetProfiler.fromPartial(copied, "thread");
            });
            for (const p of rest) first.merge(p);
            const cap = JSON.stringify(opts);
            assertExactStatisticsEqual(first.toStatistics(), viaJson.toStatistics(), `packed vs JSON ${cap}`);
            if (!("maxTrackedValues" in opts)) assert.deepEqual(first.toStatistics(), viaJson.toStatistics(), "below the cap: identical files");
            // a profile rebuilt from the packed form keeps profiling like the original
            const more = rows.slice(0, 3000);
            const a = profile(rows.slice(21000), opts);
            const b = DatasetProfiler.fromPartial(structuredClone(a.toPartial({ packed: true })), "thread");
            for (const r of more) {
                a.addRow(r);
                b.addRow(r);
            }
            assert.deepEqual(b.toStatistics(), a.toStatistics(), `continued after the packed round trip ${cap}`);
        }
    });

    it("a merge that crosses the tracked-value cap keeps the values and counts a pair-by-pair merge keeps (texts, numbers, padded; adopted or not)", () => {
        // the merge looks values up a block at a time (NumCountTable.addPairs); which of the other profile's values still
        // fit under the cap depends on their order, so this checks it against the rule applied one entry at a time
        const r = rng(31);
        const cell = (k: number, i: number): string =>
            i % 5 === 0 ? `t${k % 400}` : i % 5 === 1 ? (k / 4).toFixed(2) : i % 5 === 2 ? (k % 90).toFixed(1 + (i % 2)) : String(k / 8 - 30);
        const feed = (cap: number, n: number, spread: number, shift: number): DatasetProfiler => {
            const p = new DatasetProfiler({ columnNames: ["c"], maxTrackedValues: cap });
            for (let i = 0; i < n; i++) p.addRow([cell(Math.floor(r() ** 2 * spread) + shift, i)]);
            return p;
        };
        // the last case fills the membership filter enough that many absent values are found absent only by probing (they
        // come out of a block after those the filter rejects): their order must be restored before they are inserted
        for (const [what, cap, aRows, aSpread, bRows, bSpread] of [
            ["into a profile below the cap", 500, 900, 320, 20_000, 6000],
            ["into a profile at the cap", 500, 9000, 3000, 20_000, 6000],
            ["into a large profile below the cap", 30_000, 60_000, 30_000, 40_000, 90_000],
        ] as const) {
            const a = feed(cap, aRows, aSpread, 0);
            const b = feed(cap, bRows, bSpread, 150);
            // values wait in a block per column until a flush; toPartial flushes (as merge does)
            const aPartial = a.toPartial();
            const bPacked = b.toPartial({ packed: true });
            const ca = a.columns[0];
            const cb = b.columns[0];
            // the rule, entry by entry, in merge order: texts, canonical numbers, then padded decimals by fraction digits
            const texts = new Map(ca.counts);
            const nums = new Map(ca.numCounts.entries());
            const padded = ca.padded.map((t) => new Map(t ? t.entries() : []));
            let untracked = ca.untracked + cb.untracked;
            const size = () => texts.size + nums.size + padded.reduce((s, m) => s + m.size, 0);
            const apply = <K>(m: Map<K, number>, k: K, c: number) => {
                const cur = m.get(k);
                if (cur !== undefined) m.set(k, cur + c);
                else if (size() < cap) m.set(k, c);
                else untracked += c;
            };
            for (const [k, c] of cb.counts) apply(texts, k, c);
            for (const [k, c] of cb.numCounts.entries()) apply(nums, k, c);
            cb.padded.forEach((t, f) => {
                if (t) for (const [k, c] of t.entries()) apply((padded[f] ??= new Map()), k, c);
            });
            assert.ok(untracked > cb.untracked + ca.untracked && size() === cap, `${what}: the merge crosses or stays at the cap`);
            for (const [how, other] of [
                ["in memory", b],
                ["adopted from the packed form", DatasetProfiler.fromPartial(structuredClone(bPacked), "thread")],
            ] as const) {
                const m = DatasetProfiler.fromPartial(structuredClone(aPartial), "a");
                m.merge(other);
                const c = m.columns[0];
                assert.deepEqual(new Map(c.counts), texts, `${what}, ${how}: texts`);
                assert.deepEqual(new Map(c.numCounts.entries()), nums, `${what}, ${how}: numbers`);
                padded.forEach((e, f) => assert.deepEqual(new Map(c.padded[f] ? c.padded[f]!.entries() : []), e, `${what}, ${how}: padded f=${f}`));
                assert.equal(c.untracked, untracked, `${what}, ${how}: untracked`);
            }
        }
    });

    it("a value-count table adopted from another thread's pairs answers like one built entry by entry, before and after it is indexed", () => {
        const r = rng(21);
        const built = new NumCountTable();
        for (let i = 0; i < 5000; i++) built.set(Math.round(r() * 3000) / 8, 1 + Math.floor(r() * 5));
        const pairs = built.pairs();
        assert.equal(pairs.length, 2 * built.size);
        const seen: number[] = [];
        const lazy = NumCountTable.fromPairs(pairs.slice());
        lazy.forEach((k, c) => seen.push(k, c));
        assert.deepEqual(seen, [...pairs], "forEach on the unindexed table visits the pairs in order");
        assert.equal(lazy.size, built.size);
        assert.deepEqual(lazy.pairs(), pairs);
        for (let i = 0; i < 2000; i++) {
            const x = Math.round(r() * 4000) / 8;
            assert.equal(lazy.get(x), built.get(x), `get(${x})`);
            assert.equal(lazy.addIfPresent(x, 2), built.addIfPresent(x, 2));
            if (i % 3 === 0) {
                lazy.set(x + 0.25, 7);
                built.set(x + 0.25, 7);
            }
        }
        assert.equal(lazy.size, built.size);
        assert.deepEqual(new Map(lazy.entries()), new Map(built.entries()));
        // damaged pairs (a NaN) are refused naming the field
        const p = profile(rows.slice(0, 200)).toPartial({ packed: true });
        (p.columns[1].numbers as Float64Array)[1] = NaN;
        assert.throws(() => DatasetProfiler.fromPartial(p, "thread 2"), /thread 2\.columns\[1\]\.numbers\[\]\.count is null, expected a number/);
    });

    it("a column fed row by row holds exactly the sketch of KllSketch.update() one value at a time (values wait in a per-column block)", () => {
        const p = profile(rows.slice(0, 9999));
        for (const [j, name] of [
            [0, "x"],
            [5, "wide"],
        ] as const) {
            const ref = new KllSketch(2048, 0.64);
            for (const r of rows.slice(0, 9999)) ref.update(Number(r[j]));
            const col = p.columns.find((c) => c.name === name)!;
            assert.deepEqual(col.kll.toState(), ref.toState(), name);
        }
        // feeding more after a read (which moved the waiting values into the sketch) continues the same sketch
        for (const r of rows.slice(9999, 12000)) p.addRow(r);
        const ref = new KllSketch(2048, 0.64);
        for (const r of rows.slice(0, 12000)) ref.update(Number(r[0]));
        assert.deepEqual(p.columns[0].kll.toState(), ref.toState(), "after a read in the middle");
    });

    it("numbers are counted by value only when String(value) is their exact text", () => {
        const r = rng(3);
        for (let i = 0; i < 20000; i++) {
            const x = normal(r, 0, 10 ** Math.floor(r() * 30 - 12));
            for (const t of [String(x), x.toFixed(Math.floor(r() * 8)), x.toPrecision(1 + Math.floor(r() * 16)), x.toExponential(3)]) {
                const v = Number(t);
                if (isCanonicalNumberText(t, v)) assert.equal(String(v), t, `${t} claimed canonical`);
            }
        }
        for (const t of ["1", "0", "-3.25", "123456789012345", "0.000001"]) assert.ok(isCanonicalNumberText(t, Number(t)), t);
        for (const t of ["+1", "-0", "0.0", "1.50", "01", ".5", "1e3", "1234567890123456", "0.0000001", "5."])
            assert.ok(!isCanonicalNumberText(t, Number(t)), t);
    });

    it('padded decimals ("25.0", "0.50") are counted by (value, fraction digits) only when that pair spells their exact text', () => {
        const r = rng(5);
        let accepted = 0;
        for (let i = 0; i < 20000; i++) {
            const x = normal(r, 0, 10 ** Math.floor(r() * 30 - 12));
            const ts = [x.toFixed(Math.floor(r() * 8)), x.toFixed(1), String(x) + "0".repeat(1 + Math.floor(r() * 3)), x.toPrecision(1 + Math.floor(r() * 17))];
            if (Number.isInteger(x)) ts.push(`${x}.0`);
            for (const t of ts) {
                const v = Number(t);
                const f = paddedDecimalDigits(t, v);
                if (f === 0) continue;
                accepted++;
                assert.equal(paddedText(v, f), t, `${t} claimed padded with ${f} fraction digits`);
                assert.ok(!isCanonicalNumberText(t, v), `${t} is both canonical and padded`);
            }
        }
        assert.ok(accepted > 10000, `only ${accepted} padded texts generated`);
        for (const t of ["25.0", "0.50", "-3.1400", "0.0", "0.000", "100.000", "123456789012345.0", "0.0000010", "123456789012345000000.0"])
            assert.ok(paddedDecimalDigits(t, Number(t)) > 0, t);
        for (const t of [
            "25",
            "0.5",
            "-0.0",
            "+1.0",
            "01.0",
            ".50",
            "5.",
            "1e3",
            "1.0e3",
            "1234567890123456.0",
            "123456789012345678900.0",
            "0.00000010",
            "1.5x0",
        ])
            assert.equal(paddedDecimalDigits(t, Number(t)), 0, t);
    });

    it('a String column keeps padded and canonical texts of one value apart ("25.0" and "25"), through partials and merges', () => {
        const cells = ["25.0", "25", "25.00", "25.0", "-0.0", "0.0", "abc", "0.50", "0.5", "25.0"];
        const one = new DatasetProfiler({ columnNames: ["c"] });
        for (const c of cells) one.addRow([c]);
        const a = new DatasetProfiler({ columnNames: ["c"] });
        const b = new DatasetProfiler({ columnNames: ["c"] });
        cells.forEach((c, i) => (i % 2 ? a : b).addRow([c]));
        const merged = DatasetProfiler.fromPartial(JSON.parse(JSON.stringify(b.toPartial())), "b");
        merged.merge(DatasetProfiler.fromPartial(JSON.parse(JSON.stringify(a.toPartial())), "a"));
        const expected = [
            { value: "25.0", count: 3 },
            { value: "-0.0", count: 1 },
            { value: "0.0", count: 1 },
            { value: "0.5", count: 1 },
            { value: "0.50", count: 1 },
            { value: "25", count: 1 },
            { value: "25.00", count: 1 },
            { value: "abc", count: 1 },
        ];
        for (const p of [one, merged]) {
            const f = p.toStatistics().features[0];
            assert.equal(f.inferred_type, "String");
            assert.deepEqual(f.string_statistics!.distribution!.categorical!.buckets, expected);
            assert.equal(f.string_statistics!.distinct_count, 8);
        }
    });

    it("an infinite value keeps an infinite sum (double-double low part ignored), as a plain sum would", () => {
        const p = new DatasetProfiler({ columnNames: ["v"] });
        for (const v of ["1", "1e400", "2"]) p.addRow([v]);
        assert.equal(p.toStatistics().features[0].numerical_statistics!.sum, Infinity);
    });

    it("KLL state round trip keeps compaction counters (fromJSON would not)", () => {
        const k = new KllSketch();
        for (let i = 0; i < 50_000; i++) k.update((i * 7919) % 10007);
        const back = KllSketch.fromState(JSON.parse(JSON.stringify(k.toState())));
        assert.equal(back.rankErrorBound(), k.rankErrorBound());
        for (let i = 0; i < 20_000; i++) {
            k.update(i);
            back.update(i);
        }
        assert.deepEqual(back.toJSON(), k.toJSON());
    });
});
