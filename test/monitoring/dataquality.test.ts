import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    analyze,
    CaptureReadStats,
    captureS3Key,
    openDataset,
    checkConstraints,
    classifyCell,
    DatasetProfiler,
    formatCaptureRecord,
    formatServiceJson,
    inferType,
    isCanonicalNumberText,
    paddedDecimalDigits,
    parseServiceJson,
    readCaptureRows,
    readCsvRows,
    suggestBaseline,
    suggestConstraints,
    type CellValue,
    type ConstraintsFile,
    type StatisticsFile,
    type ViolationsFile,
} from "../../lib/monitoring";
import { normal, rng, structuralDiff } from "./helpers";

const FIX = path.join(__dirname, "..", "fixtures", "model-monitor");
const read = (f: string) => fs.readFileSync(path.join(FIX, f), "utf8");
const stats01 = parseServiceJson<StatisticsFile>(read("01_data_quality_statistics.json"));
const cons02 = parseServiceJson<ConstraintsFile>(read("02_data_quality_constraints.json"));
const viol05 = parseServiceJson<ViolationsFile>(read("05_constraint_violations.json"));

/** The 100 rows behind fixture 01 (its single sketch level holds every value in arrival order), as CSV text cells. */
function fixture01Rows(): string[][] {
    const cols = stats01.features.map((f) => f.numerical_statistics!.distribution.kll.sketch.data[0]);
    return Array.from({ length: 100 }, (_, i) => cols.map((c) => c[i].toFixed(1)));
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "dq-"));
const checksOf = (v: ViolationsFile) => v.violations.map((x) => `${x.feature_name}:${x.constraint_check_type}`).sort();

describe("monitoring/dataquality: service files", () => {
    it("parses and re-serialises fixtures 01-04 byte for byte and 05 up to the final newline", () => {
        for (const f of [
            "01_data_quality_statistics.json",
            "02_data_quality_constraints.json",
            "03_model_quality_regression_statistics.json",
            "04_model_quality_regression_constraints.json",
        ]) {
            assert.equal(formatServiceJson(parseServiceJson(read(f))), read(f), f);
        }
        assert.equal(formatServiceJson(viol05) + "\n", read("05_constraint_violations.json"));
        assert.equal(viol05.violations.length, 7);
        // "NaN" strings become numbers when read (fixture 03 std_dev)
        const s03 = parseServiceJson<Record<string, Record<string, Record<string, unknown>>>>(read("03_model_quality_regression_statistics.json"));
        assert.ok(Number.isNaN(s03.regression_metrics.mae.standard_deviation));
        // fixture 10 is hand-formatted (not container output): it parses, NaN strings become numbers
        const s10 = parseServiceJson<{ binary_classification_metrics: Record<string, { value: number; standard_deviation: number }> }>(
            read("10_model_quality_binary_classification_metrics.json"),
        );
        assert.equal(s10.binary_classification_metrics.accuracy.value, 0.5);
        assert.ok(Number.isNaN(s10.binary_classification_metrics.accuracy.standard_deviation));
        assert.equal(s10.binary_classification_metrics.auc.standard_deviation, 0.1);
        assert.throws(() => parseServiceJson("{oops", "x.json"), /x.json: not valid JSON/);
    });

    it("profiling the data behind fixture 01 reproduces the service statistics.json exactly (values, JSON text)", () => {
        const p = new DatasetProfiler();
        for (const r of fixture01Rows()) p.addRow(r);
        const ours = p.toStatistics();
        assert.deepEqual(ours, stats01);
        assert.equal(formatServiceJson(ours), read("01_data_quality_statistics.json"));
    });

    it("suggests the same per-feature constraints as the service (fixture 02) and a superset monitoring_config", () => {
        const ours = suggestConstraints(stats01);
        assert.deepEqual(ours.features, cons02.features);
        assert.deepEqual(structuralDiff(cons02, ours), []);
        assert.deepEqual(ours.monitoring_config!.distribution_constraints, {
            perform_comparison: "Enabled",
            comparison_threshold: 0.1,
            comparison_method: "Robust",
            categorical_comparison_threshold: 0.1,
            categorical_drift_method: "LInfinity",
        });
    });

    it("uses the service-made baseline (01 + 02) for a monitoring run: no violations on the same data, drift when shifted", async () => {
        const rows = fixture01Rows();
        const same = await analyze({ baselineStatistics: stats01, baselineConstraints: cons02, current: rows });
        assert.deepEqual(same.violations.violations, []);
        for (const d of same.drift) assert.equal(d.baseline_drift, 0);
        // shift _c2 up by 3 in every row: same type, complete, but a different distribution
        const shifted = rows.map((r) => r.map((v, j) => (j === 2 ? (Number(v) + 3).toFixed(1) : v)));
        const res = await analyze({ baselineStatistics: stats01, baselineConstraints: cons02, current: shifted });
        assert.deepEqual(checksOf(res.violations), ["_c2:baseline_drift_check"]);
        assert.ok(res.drift[2].numeric!.linf > 0.4);
        assert.deepEqual(structuralDiff(viol05, res.violations), []);
        assert.deepEqual(structuralDiff(stats01, res.statistics), []);
    });
});

describe("monitoring/dataquality: helpers", () => {
    it("structural comparator reports missing keys and type changes (so the structure tests can fail)", () => {
        const broken = JSON.parse(JSON.stringify(stats01));
        delete broken.features[1].numerical_statistics.std_dev;
        broken.features[2].numerical_statistics.distribution.kll.buckets[3].count = "3";
        broken.dataset = [];
        assert.deepEqual(structuralDiff(stats01, broken), [
            "$.dataset: expected object, got array",
            "$.features[1].numerical_statistics.std_dev: missing",
            "$.features[2].numerical_statistics.distribution.kll.buckets[3].count: expected number, got string",
        ]);
        assert.deepEqual(structuralDiff({ a: 1 }, { a: "NaN" }), []);
    });

    it("readCsvRows: header, trimmed cells, quoted separators and newlines, ragged rows, unterminated quote", async () => {
        const dir = tmp();
        const f = path.join(dir, "x.csv");
        fs.writeFileSync(f, 'a,b,c\r\n1, "x,y" ,3\n\n2,"multi\nline",4\n5,6\n7,8,9,10\n');
        const rows: unknown[] = [];
        for await (const r of readCsvRows(f, { header: true })) rows.push(r);
        assert.deepEqual(rows, [
            { values: ["1", "x,y", "3"], names: ["a", "b", "c"] },
            { values: ["2", "multi\nline", "4"], names: ["a", "b", "c"] },
            { values: ["5", "6"], names: ["a", "b"] },
            { values: ["7", "8", "9", "10"], names: ["a", "b", "c", "_c3"] },
        ]);
        fs.writeFileSync(f, '1,2\n3,"oops\n4,5\n');
        await assert.rejects(async () => {
            for await (const _ of readCsvRows(f)) void _;
        }, /line 2: quoted field never closed/);
        await assert.rejects(async () => {
            for await (const _ of readCsvRows(path.join(dir, "none.csv"))) void _;
        }, /does not exist/);
    });
});

describe("monitoring/dataquality: inference and profiling", () => {
    it("classifies cells and infers the service types", () => {
        assert.deepEqual(
            ["12", "-3", " 7 ", "1.0", ".5", "2e3", "true", "abc", "", null, NaN, 4, 4.5, false].map((v) => classifyCell(v as CellValue)),
            [1, 1, 1, 2, 2, 2, 3, 4, 0, 0, 0, 1, 2, 3],
        );
        const kinds = ["1e5", "1.", ".", "-", "e5", "1e", "+.5e-3", "TRUE", "nan", "1.2.3", "12a", "-0", " 4.25 "].map((v) => classifyCell(v));
        assert.deepEqual(kinds, [2, 2, 4, 4, 4, 4, 2, 3, 4, 4, 4, 1, 2]);
        assert.equal(inferType(5, 0, 0, 0), "Integral");
        assert.equal(inferType(5, 1, 0, 0), "Fractional");
        assert.equal(inferType(5, 1, 0, 1), "String");
        assert.equal(inferType(0, 0, 3, 0), "String");
        assert.equal(inferType(0, 0, 0, 0), "Unknown");
    });

    it("profiles the Adult data: types, completeness, categorical buckets, domains", async () => {
        const { statistics, constraints } = await suggestBaseline(
            readCsvRows(path.join(__dirname, "..", "..", "data", "adult", "adult.data"), { header: true }),
        );
        assert.equal(statistics.dataset.item_count, 32561);
        const byName = new Map(statistics.features.map((f) => [f.name, f]));
        assert.equal(byName.get("age")!.inferred_type, "Integral");
        assert.equal(byName.get("age")!.numerical_statistics!.min, 17);
        assert.equal(byName.get("age")!.numerical_statistics!.max, 90);
        assert.equal(
            byName.get("age")!.numerical_statistics!.distribution.kll.buckets.reduce((s, b) => s + b.count, 0),
            32561,
        );
        const sex = byName.get("sex")!.string_statistics!;
        assert.equal(sex.distinct_count, 2);
        assert.deepEqual(sex.distribution!.categorical.buckets.map((b) => b.value).sort(), ["Female", "Male"]);
        assert.equal(
            sex.distribution!.categorical.buckets.reduce((s, b) => s + b.count, 0),
            32561,
        );
        const c = new Map(constraints.features.map((f) => [f.name, f]));
        assert.equal(c.get("native_country")!.string_constraints!.domains!.length, 42);
        assert.equal(c.get("fnlwgt")!.num_constraints!.is_non_negative, true);
        assert.equal(c.get("fnlwgt")!.string_constraints, undefined);
        assert.deepEqual(structuralDiff(stats01.features[0], statistics.features[0]), []);
    });

    it('Adult test split vs Adult baseline: flags the relabelled target ("<=50K." vs "<=50K") and nothing else', async () => {
        const dir = tmp();
        await suggestBaseline(readCsvRows(path.join(__dirname, "..", "..", "data", "adult", "adult.data"), { header: true }), { outputDir: dir });
        const res = await analyze({
            baselineStatistics: path.join(dir, "statistics.json"),
            baselineConstraints: path.join(dir, "constraints.json"),
            current: readCsvRows(path.join(__dirname, "..", "..", "data", "adult", "adult.test"), { header: true }),
        });
        assert.deepEqual(checksOf(res.violations), ["ltgt50k:baseline_drift_check", "ltgt50k:categorical_values_check"]);
    });

    it("keeps memory bounded: exact counts up to the cap, HyperLogLog beyond (within 5%)", () => {
        const p = new DatasetProfiler({ maxTrackedValues: 1000 });
        for (let i = 0; i < 50000; i++) p.addRow([`id-${i}`, i % 3 === 0 ? "x" : "y"]);
        const st = p.toStatistics();
        assert.equal(p.columns[0].counts.size, 1000);
        const d = st.features[0].string_statistics!.distinct_count;
        assert.ok(Math.abs(d - 50000) / 50000 < 0.05, `HLL estimate ${d}`);
        assert.equal(st.features[1].string_statistics!.distinct_count, 2);
        assert.ok(st.features[0].string_statistics!.distribution!.categorical.buckets.length <= 1000);
        // an id-like column gets no domain
        assert.equal(suggestConstraints(st).features[0].string_constraints, undefined);
        assert.deepEqual(suggestConstraints(st).features[1].string_constraints!.domains, ["y", "x"], "most frequent first");
        // Deequ's CategoricalRangeRule: no domain when more than 10% of the distinct values are singletons
        const q = new DatasetProfiler();
        for (let i = 0; i < 100; i++) q.addRow([["a", "b", "c", "d", "e", "f", "g", "h"][i % 8]]);
        assert.equal(suggestConstraints(q.toStatistics()).features[0].string_constraints!.domains!.length, 8);
        q.addRow(["rare1"]);
        q.addRow(["rare2"]);
        assert.equal(suggestConstraints(q.toStatistics()).features[0].string_constraints, undefined);
    });

    it("the cap admits values in the order they came, numbers (counted in blocks) and texts alike", () => {
        // numeric cells are counted when the column's pending block is flushed; a text must still see every number
        // before it counted, or the cap would admit a different set of values than the row order says
        const cells = ["1.5", "abc", "2.50", "1.5", "7", "def", "2.50", "1e3", "8", "abc", "9.25"];
        const p = new DatasetProfiler({ columnNames: ["c"], maxTrackedValues: 4 });
        for (const c of cells) p.addRow([c]);
        const counts = Object.fromEntries(p.columns[0].textCounts());
        assert.deepEqual(counts, { "1.5": 2, abc: 2, "2.50": 2, "7": 1 }, "the first four distinct values, with every later repeat");
        // the values beyond the cap (def, 1e3, 8, 9.25) are in the HyperLogLog with the counted ones: 8 distinct
        assert.equal(p.columns[0].distinctCount(), 8);
        // the same cells through the byte scanner's entry point (addParsedNumber) give the same counts
        const q = new DatasetProfiler({ columnNames: ["c"], maxTrackedValues: 4 });
        for (const c of cells) {
            const col = q.cellColumn(0);
            const x = Number(c);
            if (c === "abc" || c === "def") col.addCell(c);
            else if (c === "2.50") col.addParsedNumber(x, false, false, undefined, 2);
            else if (c === "1e3") col.addParsedNumber(x, false, false, c);
            else col.addParsedNumber(x, Number.isInteger(x), true);
            q.endPositionalRow(1);
        }
        assert.deepEqual(Object.fromEntries(q.columns[0].textCounts()), counts);
        assert.equal(q.columns[0].distinctCount(), 8);
    });

    it("past the cap, value counts equal a one-value-at-a-time model over many blocks (canonical, padded of several widths, texts)", () => {
        // once a column holds maxTrackedValues distinct values its numbers are counted a block at a time (countBatch);
        // this checks that path against the rule itself: the first `cap` distinct texts are counted with every repeat,
        // every other occurrence is untracked
        const r = rng(11);
        const cap = 300;
        const cells: string[] = [];
        for (let i = 0; i < 30_000; i++) {
            const k = Math.floor(r() ** 3 * 4000); // skewed: the early (tracked) values keep coming back
            const form = i % 7;
            if (form === 0) cells.push(`t${k % 900}`);
            else if (form === 1)
                cells.push((k / 8).toFixed(3)); // padded when the last digits are zeros ("0.250", "7.000")
            else if (form === 2) cells.push((k / 4).toFixed(1 + (k % 3)));
            else if (form === 3)
                cells.push((k % 60).toFixed(1 + (i % 3))); // one value in three widths: "7.0", "7.00", "7.000"
            else cells.push(String(k / 16 - 100)); // canonical, negative too
        }
        const model = new Map<string, number>();
        let untracked = 0;
        for (const c of cells) {
            const n = model.get(c);
            if (n !== undefined) model.set(c, n + 1);
            else if (model.size < cap) model.set(c, 1);
            else untracked++;
        }
        const distinct = new Set(cells).size;
        assert.ok(untracked > 1000 && model.size === cap, "the stream goes well past the cap");
        const byRow = new DatasetProfiler({ columnNames: ["c"], maxTrackedValues: cap });
        for (const c of cells) byRow.addRow([c]);
        const byBytes = new DatasetProfiler({ columnNames: ["c"], maxTrackedValues: cap });
        let padded = 0;
        for (const c of cells) {
            const col = byBytes.cellColumn(0);
            const x = Number(c);
            if (c.startsWith("t")) col.addCell(c);
            else if (isCanonicalNumberText(c, x)) col.addParsedNumber(x, Number.isInteger(x), true);
            else if (paddedDecimalDigits(c, x) > 0) {
                padded++;
                col.addParsedNumber(x, Number.isInteger(x), false, undefined, paddedDecimalDigits(c, x));
            } else col.addParsedNumber(x, Number.isInteger(x), false, c);
            byBytes.endPositionalRow(1);
        }
        assert.ok(padded > 3000, "padded decimals of several widths take part");
        for (const [what, p] of [
            ["addRow", byRow],
            ["addParsedNumber", byBytes],
        ] as const) {
            const col = p.columns[0];
            assert.deepEqual(new Map([...col.textCounts()].sort()), new Map([...model].sort()), `${what}: counts`);
            assert.equal(col.untracked, untracked, `${what}: untracked`);
            const d = col.distinctCount();
            assert.ok(Math.abs(d - distinct) / distinct < 0.05, `${what}: distinct ${d} vs ${distinct}`);
        }
        assert.equal(byBytes.columns[0].distinctCount(), byRow.columns[0].distinctCount(), "both entry points hash the same texts");
    });

    it("merging two profilers equals one pass (counts, sum, mean, std, sketch weight)", () => {
        const r = rng(5);
        const rows: CellValue[][] = Array.from({ length: 5000 }, (_, i) => [normal(r).toFixed(3), i % 10 === 0 ? "" : String(i % 7), ["a", "b"][i % 2]]);
        const one = new DatasetProfiler();
        rows.forEach((x) => one.addRow(x));
        const a = new DatasetProfiler(),
            b = new DatasetProfiler();
        rows.slice(0, 2100).forEach((x) => a.addRow(x));
        rows.slice(2100).forEach((x) => b.addRow(x));
        a.merge(b);
        const s1 = one.toStatistics(),
            s2 = a.toStatistics();
        assert.equal(s2.dataset.item_count, 5000);
        for (let j = 0; j < 2; j++) {
            const x = s1.features[j].numerical_statistics!,
                y = s2.features[j].numerical_statistics!;
            assert.deepEqual(y.common, x.common);
            assert.ok(Math.abs(x.sum - y.sum) < 1e-9 && Math.abs(x.mean - y.mean) < 1e-12 && Math.abs(x.std_dev - y.std_dev) < 1e-12);
            assert.equal(x.min, y.min);
            assert.equal(
                y.distribution.kll.sketch.data.reduce((s, l, h) => s + l.length * 2 ** h, 0),
                x.common.num_present,
            );
        }
        assert.deepEqual(s2.features[2], s1.features[2]);
    });

    it("numeric typed-column fast path equals the row path", () => {
        const r = rng(3);
        const cols = [new Float64Array(3000), new Float64Array(3000)];
        for (let i = 0; i < 3000; i++) {
            cols[0][i] = normal(r);
            cols[1][i] = i % 9 === 0 ? NaN : i % 5;
        }
        const fast = new DatasetProfiler({ columnNames: ["x", "y"] });
        fast.addNumericColumns(cols, 3000);
        const slow = new DatasetProfiler({ columnNames: ["x", "y"] });
        for (let i = 0; i < 3000; i++) slow.addRow([cols[0][i], Number.isNaN(cols[1][i]) ? null : cols[1][i]]);
        assert.deepEqual(fast.toStatistics(), slow.toStatistics());
    });
});

describe("monitoring/dataquality: each check fires when it should and not otherwise", () => {
    const r = rng(42);
    const N = 2000;
    const baseRows: CellValue[][] = Array.from({ length: N }, (_, i) => [
        String(Math.round(normal(r, 40, 10))),
        normal(r, 5, 1).toFixed(4),
        ["red", "green", "blue"][i % 3],
    ]);
    const names = ["age", "score", "color"];
    const p = new DatasetProfiler({ columnNames: names });
    baseRows.forEach((x) => p.addRow(x));
    const baseStats = p.toStatistics();
    const baseCons = suggestConstraints(baseStats);
    const run = async (rows: CellValue[][], cons: ConstraintsFile = baseCons, colNames = names) => {
        const q = new DatasetProfiler({ columnNames: colNames });
        rows.forEach((x) => q.addRow(x));
        return analyze({ baselineStatistics: baseStats, baselineConstraints: cons, current: q });
    };
    const fresh = () =>
        Array.from(
            { length: N },
            (_, i) => [String(Math.round(normal(r, 40, 10))), normal(r, 5, 1).toFixed(4), ["red", "green", "blue"][(i * 7) % 3]] as CellValue[],
        );
    const withCfg = (
        mc: ConstraintsFile["monitoring_config"],
        perFeature?: Record<string, ConstraintsFile["features"][0]["monitoringConfigOverrides"]>,
    ): ConstraintsFile => ({
        ...baseCons,
        monitoring_config: {
            ...baseCons.monitoring_config,
            ...mc,
            distribution_constraints: { ...baseCons.monitoring_config!.distribution_constraints, ...mc?.distribution_constraints },
        },
        features: baseCons.features.map((f) => (perFeature?.[f.name] ? { ...f, monitoringConfigOverrides: perFeature[f.name] } : f)),
    });

    it("suggested baseline: Integral age, Fractional score, String color with a domain", () => {
        assert.deepEqual(
            baseCons.features.map((f) => f.inferred_type),
            ["Integral", "Fractional", "String"],
        );
        assert.deepEqual(baseCons.features[2].string_constraints!.domains!.sort(), ["blue", "green", "red"]);
    });

    it("a fresh sample from the same distribution → no violations", async () => {
        const res = await run(fresh());
        assert.deepEqual(res.violations.violations, []);
        assert.ok(res.drift.every((d) => d.baseline_drift !== undefined));
    });

    it("data_type_check: fractional values in an Integral column; a per-feature threshold override silences it", async () => {
        const rows = fresh().map((x, i) => (i % 4 === 0 ? ["41.5", x[1], x[2]] : x));
        const res = await run(rows);
        assert.deepEqual(checksOf(res.violations), ["age:data_type_check"]);
        assert.match(res.violations.violations[0].description, /Expected data type: Integral.*Only 75.0%/);
        assert.deepEqual(checksOf((await run(rows, withCfg({}, { age: { datatype_check_threshold: 0.7 } }))).violations), []);
        assert.deepEqual(checksOf((await run(rows, withCfg({ datatype_check_threshold: 0.7 }))).violations), []);
    });

    it("completeness_check: missing values below the baseline completeness", async () => {
        const rows = fresh().map((x, i) => (i % 10 === 0 ? [x[0], "", x[2]] : x));
        const res = await run(rows);
        assert.deepEqual(checksOf(res.violations), ["score:completeness_check"]);
        assert.equal(res.drift[1].completeness, 0.9);
    });

    it("categorical_values_check: values outside the domain; domain_content_threshold 0.8 tolerates 10%", async () => {
        const rows = fresh().map((x, i) => (i % 10 === 0 ? [x[0], x[1], "purple"] : x));
        assert.deepEqual(checksOf((await run(rows)).violations), ["color:categorical_values_check"]);
        assert.deepEqual(checksOf((await run(rows, withCfg({ domain_content_threshold: 0.8 }))).violations), []);
    });

    it("baseline_drift_check numeric: fires on a shift; Simple vs Robust margin; perform_comparison Disabled", async () => {
        const big = fresh().map((x) => [x[0], (Number(x[1]) + 1).toFixed(4), x[2]]);
        const res = await run(big);
        assert.deepEqual(checksOf(res.violations), ["score:baseline_drift_check"]);
        assert.match(res.violations.violations[0].description, /Baseline drift distance: 0\.\d+ exceeds threshold: 0.1/);
        // a small shift: L-inf ≈ 0.12 > 0.1, but the KS margin 1.8*sqrt(2/2000) ≈ 0.057 brings Robust under 0.1
        const small = fresh().map((x) => [x[0], (Number(x[1]) + 0.3).toFixed(4), x[2]]);
        const robust = await run(small);
        const d = robust.drift[1].numeric!;
        assert.ok(d.linf > 0.1 && d.linf_robust < 0.1, `linf ${d.linf} robust ${d.linf_robust}`);
        assert.deepEqual(checksOf(robust.violations), []);
        assert.deepEqual(checksOf((await run(small, withCfg({ distribution_constraints: { comparison_method: "Simple" } }))).violations), [
            "score:baseline_drift_check",
        ]);
        assert.deepEqual(checksOf((await run(big, withCfg({ distribution_constraints: { perform_comparison: "Disabled" } }))).violations), []);
        // per-feature override of the comparison threshold
        const linfBig = res.drift[1].numeric!.linf_robust;
        assert.deepEqual(
            checksOf((await run(big, withCfg({}, { score: { distribution_constraints: { comparison_threshold: linfBig + 0.01 } } }))).violations),
            [],
        );
        assert.deepEqual(checksOf((await run(big, withCfg({}, { age: { distribution_constraints: { comparison_threshold: 0.9 } } }))).violations), [
            "score:baseline_drift_check",
        ]);
    });

    it("baseline_drift_check categorical: LInfinity and ChiSquared", async () => {
        const skew = fresh().map((x, i) => [x[0], x[1], i % 2 === 0 ? "red" : ["green", "blue"][i % 4 === 1 ? 0 : 1]]);
        assert.deepEqual(checksOf((await run(skew)).violations), ["color:baseline_drift_check"]);
        const chi = await run(skew, withCfg({ distribution_constraints: { categorical_drift_method: "ChiSquared", categorical_comparison_threshold: 0.01 } }));
        assert.deepEqual(checksOf(chi.violations), ["color:baseline_drift_check"]);
        assert.match(chi.violations.violations[0].description, /chi-squared p-value/);
        const ok = await run(
            fresh(),
            withCfg({ distribution_constraints: { categorical_drift_method: "ChiSquared", categorical_comparison_threshold: 0.01 } }),
        );
        assert.deepEqual(checksOf(ok.violations), []);
    });

    it("missing_column_check and extra_column_check", async () => {
        const missing = await run(fresh().map((x) => [x[0], x[1]]));
        assert.deepEqual(checksOf(missing.violations), ["color:missing_column_check"]);
        const extra = await run(
            fresh().map((x) => [...x, "1"]),
            baseCons,
            [...names, "new_col"],
        );
        assert.deepEqual(checksOf(extra.violations), ["new_col:extra_column_check"]);
        assert.match(extra.violations.violations[0].description, /Number of columns in current dataset: 4, Number of columns in baseline constraints: 3/);
    });

    it("evaluate_constraints Disabled (globally or per feature) suppresses violations", async () => {
        const bad = fresh().map(() => ["1.5", "", "purple"]);
        assert.equal(checksOf((await run(bad)).violations).length, 5);
        assert.deepEqual(checksOf((await run(bad, withCfg({ evaluate_constraints: "Disabled" }))).violations), []);
        assert.deepEqual(
            checksOf((await run(bad, withCfg({}, { age: { evaluate_constraints: "Disabled" } }))).violations).filter((x) => x.startsWith("age")),
            [],
        );
    });

    it("checkConstraints rejects malformed inputs with a message naming the file kind", () => {
        assert.throws(
            () => checkConstraints({ baselineConstraints: {} as ConstraintsFile, currentStatistics: baseStats }),
            /baseline constraints have no "features"/,
        );
    });
});

describe("monitoring/dataquality: end to end from captured data to a report folder", () => {
    it("JSON captures with named fields map onto baseline columns by name (order-independent)", async () => {
        const dir = tmp();
        const base = await suggestBaseline(Array.from({ length: 300 }, (_, i) => ({ values: [String(i % 50), ["a", "b"][i % 2]], names: ["n", "cat"] })));
        const lines = Array.from({ length: 100 }, (_, i) =>
            formatCaptureRecord({
                input: {
                    data: JSON.stringify({
                        instances: [
                            { cat: ["a", "b"][i % 2], n: (i * 3) % 50 },
                            { n: 7, cat: "z" },
                        ],
                    }),
                    contentType: "application/json",
                },
                inferenceTime: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
            }),
        );
        fs.writeFileSync(path.join(dir, "c.jsonl"), lines.join("\n") + "\n");
        const res = await analyze({ baselineStatistics: base.statistics, baselineConstraints: base.constraints, current: readCaptureRows(dir) });
        assert.equal(res.statistics.dataset.item_count, 200);
        assert.deepEqual(
            res.statistics.features.map((f) => f.name),
            ["n", "cat"],
        );
        assert.equal(res.statistics.features[0].inferred_type, "Integral");
        // half the rows carry 'z', outside the baseline domain {a, b}; n=7 spikes the distribution
        assert.deepEqual(checksOf(res.violations), ["cat:baseline_drift_check", "cat:categorical_values_check", "n:baseline_drift_check"]);
    });

    it("capture files in the S3 layout → analyze → reports/<endpoint>/<schedule>/yyyy/mm/dd/hh with service-shaped files", async () => {
        const dir = tmp();
        const rows = fixture01Rows();
        const t0 = new Date("2026-05-06T07:08:09Z");
        // 50 captures with 2 CSV rows each, in two hour partitions, plus one garbage line
        const byKey = new Map<string, string[]>();
        for (let i = 0; i < 50; i++) {
            const time = new Date(t0.getTime() + i * 120_000);
            const key = captureS3Key({ prefix: "cap", endpoint: "ep", variant: "AllTraffic", time, file: "f.jsonl" });
            const data = [rows[2 * i], rows[2 * i + 1]].map((r) => r.join(",")).join("\n");
            const line = formatCaptureRecord({
                input: { data, contentType: "text/csv" },
                output: { data: "0.5", contentType: "text/csv" },
                inferenceTime: time,
            });
            byKey.set(key, [...(byKey.get(key) ?? []), line]);
        }
        for (const [k, lines] of byKey) {
            fs.mkdirSync(path.dirname(path.join(dir, k)), { recursive: true });
            fs.writeFileSync(path.join(dir, k), lines.join("\n") + '\n{"broken":\n');
        }
        const stats = new CaptureReadStats();
        const res = await analyze({
            baselineStatistics: path.join(FIX, "01_data_quality_statistics.json"),
            baselineConstraints: path.join(FIX, "02_data_quality_constraints.json"),
            current: openDataset(path.join(dir, "cap", "ep"), { stats }),
            outputRoot: path.join(dir, "out"),
            endpoint: "ep",
            schedule: "hourly",
            time: new Date("2026-05-06T09:00:00Z"),
        });
        assert.equal(stats.rows, 100);
        assert.equal(stats.problems.malformed_json, byKey.size);
        assert.equal(res.statistics.dataset.item_count, 100);
        assert.deepEqual(res.violations.violations, []);
        assert.equal(res.reportDir, path.join(dir, "out", "reports", "ep", "hourly", "2026", "05", "06", "09"));
        assert.deepEqual(fs.readdirSync(res.reportDir!).sort(), [
            "cloudwatch_metrics.jsonl",
            "constraint_violations.json",
            "drift_report.csv",
            "drift_report.json",
            "statistics.json",
        ]);
        const csv = fs.readFileSync(path.join(res.reportDir!, "drift_report.csv"), "utf8").trim().split("\n");
        assert.equal(csv.length, 7);
        assert.match(
            csv[0],
            /^feature_name,inferred_type,completeness,baseline_drift,drift_method,linf,linf_robust,ks_statistic,ks_pvalue,wasserstein,psi,jensen_shannon/,
        );
        assert.match(csv[1], /^_c0,Fractional,1,0,Robust,0,0,0,1,0,0,0,/);
        const st = parseServiceJson<StatisticsFile>(fs.readFileSync(path.join(res.reportDir!, "statistics.json"), "utf8"));
        assert.deepEqual(structuralDiff(stats01, st), []);
        assert.deepEqual(
            st.features.map((f) => f.numerical_statistics!.distribution.kll.buckets),
            stats01.features.map((f) => f.numerical_statistics!.distribution.kll.buckets),
        );
        const emf = JSON.parse(fs.readFileSync(path.join(res.reportDir!, "cloudwatch_metrics.jsonl"), "utf8").split("\n")[0]);
        assert.equal(emf.feature_non_null__c0, 1);
        assert.equal(emf.feature_baseline_drift__c0, 0);
        assert.equal(emf.Endpoint, "ep");
        await assert.rejects(analyze({ baselineConstraints: cons02, current: rows, outputRoot: dir }), /endpoint and schedule/);
        // openDataset picks CSV for other files
        const csvFile = path.join(dir, "d.csv");
        fs.writeFileSync(csvFile, rows.map((r) => r.join(",")).join("\n"));
        const viaCsv = await analyze({ baselineStatistics: stats01, baselineConstraints: cons02, current: openDataset(csvFile) });
        assert.equal(viaCsv.statistics.dataset.item_count, 100);
        assert.deepEqual(viaCsv.violations.violations, []);
        assert.throws(() => openDataset(path.join(dir, "missing")), /does not exist/);
        // emit_metrics Disabled: no EMF lines, no metrics file
        const quiet = await analyze({
            baselineStatistics: stats01,
            baselineConstraints: { ...cons02, monitoring_config: { ...cons02.monitoring_config, emit_metrics: "Disabled" } },
            current: rows,
            outputRoot: path.join(dir, "quiet"),
            endpoint: "ep",
            schedule: "s",
            time: new Date("2026-05-06T10:30:00Z"),
        });
        assert.deepEqual(quiet.emfLines, []);
        assert.ok(!fs.readdirSync(quiet.reportDir!).includes("cloudwatch_metrics.jsonl"));
        assert.ok(quiet.reportDir!.endsWith(path.join("reports", "ep", "s", "2026", "05", "06", "10")));
        await assert.rejects(analyze({ baselineConstraints: path.join(dir, "nope.json"), current: rows }), /cannot read .*nope.json/);
    });
});
