import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADULT_SCHEMA, parseBuffer } from "../../lib/data";
import { FeatureSpec, FeatureTransformError, Transform, featureSpecFromSchema, fit, fitTransform, loadTransform, RawRow } from "../../lib/features";

const spec: FeatureSpec = {
    numeric: [{ name: "x" }, { name: "g", transform: "log1p" }],
    categorical: [{ name: "c" }],
    minFrequency: 2,
    inputColumns: ["x", "c", "g"],
};
const train: RawRow[] = [
    { x: 1, c: "a", g: 0, label: 0 },
    { x: 2, c: "a", g: 9, label: 1 },
    { x: null, c: "b", g: 99, label: 0 },
    { x: 4, c: "b", g: 0, label: 1 },
    { x: 10, c: "rare", g: 0, label: 0 },
    { x: 3, c: null, g: 0, label: 0 },
];

describe("features: fit and apply", () => {
    it("one-hot with other and missing buckets, NaN for missing numerics, log1p", () => {
        const t = fit(train, spec);
        assert.deepEqual(t.featureNames, ["x", "log1p(g)", "c=a", "c=b", "c=__other__", "c=__missing__"]);
        const m = t.apply([
            { x: 5, c: "a", g: 9 },
            { x: null, c: "rare", g: 0 },
            { x: "7", c: "never-seen", g: "?" },
            { x: 1, c: "?", g: -9 },
        ]);
        assert.equal(m.nRows, 4);
        assert.equal(m.nCols, 6);
        const row = (i: number) => Array.from(m.values.subarray(i * 6, i * 6 + 6));
        assert.deepEqual(row(0), [5, Math.fround(Math.log(10)), 1, 0, 0, 0]);
        assert.ok(Number.isNaN(row(1)[0]));
        assert.deepEqual(row(1).slice(2), [0, 0, 1, 0], "rare in train → other");
        assert.deepEqual(row(2).slice(2), [0, 0, 1, 0], "unseen at inference → other");
        assert.equal(row(2)[0], 7);
        assert.ok(Number.isNaN(row(2)[1]));
        assert.deepEqual(row(3).slice(2), [0, 0, 0, 1], "? → missing bucket");
        assert.equal(row(3)[1], Math.fround(-Math.log(10)), "signed log1p");
        const st = t.toJSON().categorical[0];
        assert.equal(st.rareRows, 1);
        assert.equal(st.rareCategories, 1);
        assert.equal(st.trainMissing, 1);
    });

    it("ordinal encoding and median imputation", () => {
        const t = fit(train, { ...spec, encoding: "ordinal", numericMissing: "median" });
        assert.deepEqual(t.featureNames, ["x", "log1p(g)", "c"]);
        const m = t.apply([
            { x: null, c: "b", g: 0 },
            { x: 1, c: "zzz", g: 0 },
            { x: 1, c: null, g: 0 },
        ]);
        assert.equal(m.values[0], 3, "median of 1,2,4,10,3");
        // categories ordered by train frequency then name: a(2), b(2) → a=0, b=1, other=2, missing=3
        assert.equal(m.values[2], 1);
        assert.equal(m.values[5], 2);
        assert.equal(m.values[8], 3);
    });

    it("accepts 'one-hot' as a spelling of onehot and rejects unknown options", () => {
        const a = fit(train, { ...spec, encoding: "one-hot" });
        assert.deepEqual(a.featureNames, fit(train, spec).featureNames);
        assert.equal(a.toJSON().categorical[0].encoding, "onehot");
        assert.equal(featureSpecFromSchema(ADULT_SCHEMA, { encoding: "one-hot" }).encoding, "onehot");
        assert.throws(() => fit(train, { ...spec, encoding: "hashing" as never }), /encoding "hashing" is not supported/);
        assert.throws(() => fit(train, { ...spec, numeric: [{ name: "x", transform: "sqrt" as never }] }), /transform "sqrt" is not supported/);
        assert.throws(() => fit(train, { ...spec, numeric: [{ name: "x", missing: "zero" as never }] }), /missing "zero" is not supported/);
    });

    it("applyValues (array in input order) equals applyCsvLine and applyRecord", () => {
        const t = fit(train, spec);
        const fromArray = t.applyValues([2, "b", 9]);
        assert.deepEqual(Array.from(fromArray), Array.from(t.applyCsvLine("2,b,9")));
        assert.deepEqual(Array.from(fromArray), Array.from(t.applyRecord({ x: 2, c: "b", g: 9 })));
        assert.throws(() => t.applyValues([1, "a"]), /2 values but the transform expects 3/);
    });

    it("minFrequency as a fraction of training rows", () => {
        const t = fit(train, { ...spec, minFrequency: 0.5 });
        assert.deepEqual(t.toJSON().categorical[0].categories, [], "no category reaches 3 of 6 rows");
        assert.equal(t.toJSON().categorical[0].minCount, 3);
    });

    it("fails clearly on bad specs and bad inference input", () => {
        assert.throws(() => fit([], spec), /no training rows/);
        assert.throws(() => fit(train, { ...spec, numeric: [{ name: "nope" }] }), /column "nope".*not in the training rows/);
        assert.throws(() => fit(train, { ...spec, categorical: [{ name: "x" }] }), /appears twice/);
        const t = fit(train, spec);
        assert.throws(
            () => t.applyCsvLine("1, a"),
            (e: unknown) => e instanceof FeatureTransformError && /2 fields but the transform expects 3 \(x,c,g\)/.test(e.message),
        );
        assert.throws(() => t.applyCsvLine("abc, a, 1"), /column "x": value "abc" is not a number/);
        assert.throws(() => t.toDMatrix([{ x: 1, c: "a", g: 1 }]), /label column "label"/);
        assert.throws(() => Transform.fromJSON({ format: "other" } as never), /not a feature transform/);
    });

    it("CSV line path handles missing and unseen values without errors", () => {
        const t = fit(train, spec);
        const v = t.applyCsvLine(" ?, brand-new ,  \r\n");
        assert.ok(Number.isNaN(v[0]) && Number.isNaN(v[1]));
        assert.deepEqual(Array.from(v.slice(2)), [0, 0, 1, 0]);
    });

    it("toDMatrix carries labels and weights", () => {
        const t = fit(
            train.map((r, i) => ({ ...r, w: i + 1 })),
            { ...spec, weight: "w" },
        );
        const dm = t.toDMatrix(train.map((r, i) => ({ ...r, w: i + 1 })));
        assert.equal(dm.nRows, 6);
        assert.deepEqual(Array.from(dm.labels), [0, 1, 0, 1, 0, 0]);
        assert.deepEqual(Array.from(dm.weights!), [1, 2, 3, 4, 5, 6]);
        assert.equal(dm.values.length, dm.nRows * dm.nCols);
    });
});

describe("features: Adult train/inference parity", () => {
    const raw = fs.readFileSync(path.join(__dirname, "../../data/adult/adult.test"), "utf8").split("\n");
    const lines = [...new Set(raw.slice(1, 1501))];
    const parsed = parseBuffer(Buffer.from([raw[0], ...lines].join("\n")), "adult.test", ADULT_SCHEMA, { sourceTag: "test" });
    const trainRaw = fs.readFileSync(path.join(__dirname, "../../data/adult/adult.data"));
    const trainRows = parseBuffer(trainRaw, "adult.data", ADULT_SCHEMA, { sourceTag: "data" }).rows;

    for (const encoding of ["onehot", "ordinal"] as const) {
        it(`batch apply == single-row CSV path == saved/loaded transform (${encoding})`, () => {
            assert.equal(parsed.rows.length, lines.length, "fixture slice has no dropped rows");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "features-test-"));
            const file = path.join(dir, "transform.json");
            const t = fitTransform(trainRows, featureSpecFromSchema(ADULT_SCHEMA, { encoding }), file);
            const batch = t.apply(parsed.rows);
            const online = loadTransform(file);
            assert.deepEqual(online.featureNames, batch.featureNames);
            let nanCells = 0;
            for (let i = 0; i < lines.length; i++) {
                const featuresOnly = lines[i].split(",").slice(0, 14).join(",");
                const v = online.applyCsvLine(featuresOnly);
                const b = batch.values.subarray(i * batch.nCols, (i + 1) * batch.nCols);
                for (let c = 0; c < batch.nCols; c++) {
                    const same = Object.is(v[c], b[c]) || (Number.isNaN(v[c]) && Number.isNaN(b[c]));
                    if (!same) assert.fail(`row ${i} col ${batch.featureNames[c]}: online ${v[c]} vs batch ${b[c]}`);
                    if (Number.isNaN(b[c])) nanCells++;
                }
                const rec = online.applyRecord(parsed.rows[i]);
                assert.deepEqual(Array.from(rec).map(String), Array.from(b).map(String));
            }
            if (encoding === "onehot") {
                assert.equal(nanCells, 0, "Adult has no missing numerics");
                // every one-hot block sums to 1
                const st = t.toJSON();
                let off = st.numeric.length;
                for (const c of st.categorical) {
                    const width = c.categories.length + 2;
                    for (let i = 0; i < batch.nRows; i++) {
                        let s = 0;
                        for (let k = 0; k < width; k++) s += batch.values[i * batch.nCols + off + k];
                        assert.equal(s, 1, `${c.name} row ${i}`);
                    }
                    off += width;
                }
                assert.ok(t.featureNames.includes("native_country=__other__"));
                assert.ok(t.featureNames.includes("workclass=__missing__"));
                assert.ok(!t.featureNames.includes("native_country=Holand-Netherlands"), "a single train row is rare");
            }
            fs.rmSync(dir, { recursive: true, force: true });
        });
    }

    it("single-row path is fast enough for an online endpoint", () => {
        const t = fitTransform(trainRows);
        const featureLines = lines.map((l) => l.split(",").slice(0, 14).join(","));
        const out = new Float32Array(t.nCols);
        const n = 20000;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) t.applyCsvLine(featureLines[i % featureLines.length], out);
        const usPerRow = Number(process.hrtime.bigint() - t0) / 1000 / n;
        console.log(`      applyCsvLine: ${usPerRow.toFixed(2)} µs/row (${t.nCols} features)`);
        assert.ok(usPerRow < 200, `${usPerRow} µs per row`);
    });
});
