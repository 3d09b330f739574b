/**
 * Parity of the inference pipeline's preprocessing script (lib/aws/scripts/preprocess.py, run by Debian's
 * /usr/bin/python3 the way the scikit-learn serving container runs it: model_fn -> input_fn -> predict_fn ->
 * output_fn on a text/csv body) with lib/features on the WHOLE prepared test split of Adult plus edge-case records:
 *  - the CSV text the script hands to the XGBoost container is byte-for-byte lib/features' featureCsvLine,
 *  - the float32 features read back from it are byte-for-byte lib/features' Float32Array,
 *  - with numpy present, numpy's reading of that CSV (the XGBoost container's: "" -> nan, float64, then float32) gives
 *    the same bytes,
 *  - the scores of both feature sets are identical.
 * Skips with a message when /usr/bin/python3 is absent.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildPreprocessArchive } from "../../lib/aws/preprocess";
import { prepare } from "../../lib/data";
import { featureCsvLine, featureSpecFromSchema, fitTransform, Transform } from "../../lib/features";
import { readTar } from "../../lib/training";
import { train } from "../../lib/training/trainer";
import * as zlib from "zlib";

const PYTHON = "/usr/bin/python3";

/** Valid records that exercise the parsing rules (JavaScript Number(), trimming, quotes, unseen categories, ...). */
export const EDGE_RECORDS = [
    "0x1F,Private,1e5,Bachelors,13,Never-married,Adm-clerical,Not-in-family,White,Male,-2174,0,40,United-States",
    ' +39 ,\u00a0State-gov\u00a0,.5e6,"Bachelors", 13 ,Never-married,Adm-clerical,Not-in-family,White,Male,0b101,0o17,40.,Atlantis',
    "?,?,?,?,?,?,?,?,?,?,?,?,?,?",
    ",,,,,,,,,,,,,",
    "17,Never-worked,1.0000001,Preschool,1,Married-AF-spouse,Armed-Forces,Wife,Other,Female,99999,4356,99,Holand-Netherlands",
    '90,Self-emp-inc,3.3e38,Doctorate,16,Widowed,Priv-house-serv,Other-relative,Amer-Indian-Eskimo,Female,1e30,1e-30,0.1,"Outlying-US(Guam-USVI-etc)"',
    '25,"Private, Inc",226802,11th,7,Never-married,Machine-op-inspct,Own-child,Black,Male,0,0,40,United-States',
    "\u200a44\u3000,Local-gov,123456789,Masters,14,Divorced,Sales,Unmarried,Asian-Pac-Islander,Male,5e-324,-0,16777217,Vietnam",
    "33,Private,0.30000000000000004,HS-grad,9,Separated,Tech-support,Husband,White,Male,2.5,33554500,1e21,México",
];

function pythonAvailable(): string | null {
    if (!fs.existsSync(PYTHON)) return `${PYTHON} not found; install Debian's python3 to run the preprocessing parity test`;
    const r = spawnSync(PYTHON, ["-c", "import sys; print(sys.version)"], { encoding: "utf8" });
    return r.status === 0 ? null : `${PYTHON} does not run (${r.stderr.trim()})`;
}

function hasNumpy(): boolean {
    return spawnSync(PYTHON, ["-c", "import numpy"], { encoding: "utf8" }).status === 0;
}

describe("preprocessing script parity (lib/aws/scripts/preprocess.py vs lib/features)", function () {
    this.timeout(600_000);
    let tmp = "";
    let transform: Transform;
    let lines: string[] = [];
    let testRows = 0;
    let features: Float32Array;
    let scriptText = "";
    let trainMatrix: () => ReturnType<Transform["toDMatrix"]>;

    before(async function () {
        const why = pythonAvailable();
        if (why) {
            console.log(`      skipped: ${why}`);
            this.skip();
        }
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "preprocess-parity-"));
        const prepared = await prepare({ outDir: path.join(tmp, "prepared"), formats: ["csv"], log: () => undefined });
        transform = fitTransform(prepared.train, featureSpecFromSchema(), path.join(tmp, "transform.json"));
        trainMatrix = () => transform.toDMatrix(prepared.train);
        const cols = transform.state.inputColumns;
        // The test split as a client sends it: the original ", " separators, "?" for missing.
        lines = prepared.test.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? "?" : String(r[c]))).join(", "));
        testRows = lines.length;
        lines.push(...EDGE_RECORDS);
        fs.writeFileSync(path.join(tmp, "rows.csv"), lines.join("\n") + "\n");
        // Run the script exactly as packed in sourcedir.tar.gz.
        const archive = buildPreprocessArchive(fs.readFileSync(path.join(tmp, "transform.json")));
        const model = path.join(tmp, "model");
        for (const e of readTar(zlib.gunzipSync(archive.tarGz))) {
            fs.mkdirSync(path.dirname(path.join(model, e.name)), { recursive: true });
            fs.writeFileSync(path.join(model, e.name), e.data);
        }
        const r = spawnSync(
            PYTHON,
            [path.join(model, "code", "preprocess.py"), path.join(model, "transform.json"), path.join(tmp, "rows.csv"), path.join(tmp, "features.csv")],
            {
                encoding: "utf8",
                maxBuffer: 1 << 26,
            },
        );
        assert.equal(r.status, 0, `preprocess.py failed: ${r.stderr}`);
        scriptText = fs.readFileSync(path.join(tmp, "features.csv"), "utf8");
        features = new Float32Array(lines.length * transform.nCols);
        lines.forEach((l, i) => transform.applyCsvLine(l, features.subarray(i * transform.nCols, (i + 1) * transform.nCols)));
    });

    after(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("covers the whole test split", () => {
        assert.ok(testRows > 10_000, `the prepared test split has ${testRows} rows`);
        console.log(`      parity set: ${testRows} test-split records + ${EDGE_RECORDS.length} edge records, ${transform.nCols} features each`);
    });

    it("writes byte-for-byte the CSV text of lib/features featureCsvLine", () => {
        const expected = lines.map((_, i) => featureCsvLine(features, i * transform.nCols, transform.nCols)).join("\n") + "\n";
        if (scriptText !== expected) {
            const a = scriptText.split("\n");
            const b = expected.split("\n");
            const i = a.findIndex((l, k) => l !== b[k]);
            assert.fail(`first difference at record ${i + 1} (${JSON.stringify(lines[i])}):\n script: ${a[i]}\n engine: ${b[i]}`);
        }
    });

    it("reads back as the same float32 bytes", () => {
        const got = new Float32Array(features.length);
        const rows = scriptText.replace(/\n$/, "").split("\n");
        assert.equal(rows.length, lines.length);
        rows.forEach((row, i) => {
            const cells = row.split(",");
            assert.equal(cells.length, transform.nCols, `record ${i + 1}`);
            cells.forEach((c, j) => (got[i * transform.nCols + j] = c === "" ? NaN : Number(c)));
        });
        // The CSV text has no sign of zero (float32Text(-0) is "0", as in the features step's training CSV; trees compare
        // x < threshold, so -0 and 0 take the same branch): the engine's -0 (signed log1p of -0) is compared as +0.
        const engine = features.map((v) => (Object.is(v, -0) ? 0 : v));
        assert.equal(Buffer.compare(Buffer.from(got.buffer), Buffer.from(engine.buffer)), 0);
    });

    it("gives the same float32 bytes when numpy reads the CSV as the XGBoost container does", function () {
        if (!hasNumpy()) {
            console.log(`      skipped: numpy is not importable via ${PYTHON} (apt-get install python3-numpy)`);
            this.skip();
        }
        const code = [
            "import sys, numpy as np",
            'rows = open(sys.argv[1]).read().rstrip("\\n").split("\\n")',
            'a = np.array([["nan" if c == "" else c for c in r.split(",")] for r in rows]).astype(np.float64).astype(np.float32)',
            'open(sys.argv[2], "wb").write(a.tobytes())',
        ].join("\n");
        const r = spawnSync(PYTHON, ["-c", code, path.join(tmp, "features.csv"), path.join(tmp, "features.f32")], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        const got = fs.readFileSync(path.join(tmp, "features.f32"));
        // NaN payloads may differ between parsers; compare NaN-ness, then the bytes of everything else.
        const g = new Float32Array(got.buffer.slice(got.byteOffset, got.byteOffset + got.byteLength));
        assert.equal(g.length, features.length);
        for (let i = 0; i < g.length; i++) {
            if (Number.isNaN(features[i])) assert.ok(Number.isNaN(g[i]), `value ${i}`);
            else if (!Object.is(g[i], Object.is(features[i], -0) ? 0 : features[i]))
                assert.fail(
                    `value ${i} (record ${Math.floor(i / transform.nCols) + 1}, feature ${transform.featureNames[i % transform.nCols]}): numpy ${g[i]}, engine ${features[i]}`,
                );
        }
    });

    it("scores identically (largest difference reported)", () => {
        const booster = train({ objective: "binary:logistic", num_round: 30, max_depth: 6, eta: 0.3, seed: 1 }, trainMatrix()).booster;
        const got = new Float32Array(features.length);
        scriptText
            .replace(/\n$/, "")
            .split("\n")
            .forEach((row, i) => row.split(",").forEach((c, j) => (got[i * transform.nCols + j] = c === "" ? NaN : Number(c))));
        const a = booster.predict({ nRows: lines.length, nCols: transform.nCols, values: features });
        const b = booster.predict({ nRows: lines.length, nCols: transform.nCols, values: got });
        let maxDiff = 0;
        for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        console.log(`      largest score difference over ${a.length} records: ${maxDiff}`);
        assert.ok(maxDiff <= 1e-6, `largest score difference ${maxDiff}`);
    });
});
