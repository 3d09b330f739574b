import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { applyCsvSelector, loadModelArtifact, parseCsvSelector, runBatchTransform, ServingModel } from "../../lib/serving";
import { packageModel, writeTar } from "../../lib/training/artifact";
import { expectedProb, servingFixture, tmpDir, ServingFixture } from "../../test-support/serving-fixture";

describe("serving: model artifacts", () => {
    let f: ServingFixture;
    before(() => (f = servingFixture()));

    it("loads model.json, lib/training packageModel output, and a tar-made model.tar.gz with transform.json", () => {
        const dir = tmpDir("art");
        const pkg = path.join(dir, "pkg.tar.gz");
        fs.writeFileSync(pkg, packageModel(f.booster));
        const a = ServingModel.load({ name: "a", modelPath: pkg, transformPath: f.transformJson });
        const b = ServingModel.load({ name: "b", modelPath: f.modelTarGz });
        const c = ServingModel.load({ name: "c", modelPath: f.modelJson });
        assert.equal(b.source, `${f.modelTarGz}!xgboost-model`);
        assert.ok(b.transform, "transform.json inside the archive is used");
        assert.equal(c.transform, undefined);
        const feats = b.featuresFromCsv(f.rawLines.slice(0, 10).join("\n"));
        assert.deepEqual(Array.from(a.predict(feats)), Array.from(b.predict(feats)));
        assert.deepEqual(
            Array.from(c.predict(feats)),
            f.rawLines.slice(0, 10).map((l) => expectedProb(f.booster, f.transform, l)),
        );
    });

    it("clear errors for unreadable, corrupt and mismatched artifacts", () => {
        const dir = tmpDir("artbad");
        assert.throws(() => loadModelArtifact(path.join(dir, "nope.json")), /nope.json cannot be read \(ENOENT\); check modelPath/);
        fs.writeFileSync(path.join(dir, "bad.tar.gz"), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
        assert.throws(() => loadModelArtifact(path.join(dir, "bad.tar.gz")), /gzip data is corrupt/);
        fs.writeFileSync(path.join(dir, "only-transform.tar.gz"), zlib.gzipSync(writeTar([{ name: "transform.json", data: Buffer.from("{}") }])));
        assert.throws(() => loadModelArtifact(path.join(dir, "only-transform.tar.gz")), /no model file at the archive root .*"xgboost-model"/);
        fs.writeFileSync(path.join(dir, "text.json"), "not json");
        assert.throws(() => loadModelArtifact(path.join(dir, "text.json")), /not valid JSON/);
        // transform / model width mismatch: pair a raw-feature model with a transform of another width
        const other = path.join(dir, "other-transform.json");
        const t = JSON.parse(fs.readFileSync(f.transformJson, "utf8"));
        t.numeric = t.numeric.slice(1);
        t.featureNames = t.featureNames.slice(1);
        t.inputColumns = t.inputColumns.slice(1);
        fs.writeFileSync(other, JSON.stringify(t));
        assert.throws(
            () => ServingModel.load({ name: "x", modelPath: f.modelJson, transformPath: other }),
            /transform produces 82 features but the model .* expects 83/,
        );
    });
});

describe("serving: batch transform", function () {
    this.timeout(30_000);
    let f: ServingFixture;
    let dir: string;
    let input: string;
    const N = 1000;
    const src = () => Array.from({ length: N }, (_, i) => f.rawLines[i % f.rawLines.length]);
    before(() => {
        f = servingFixture();
        dir = tmpDir("batch");
        input = path.join(dir, "input.csv");
        // id column first, then the 14 raw Adult columns; a blank line in the middle
        const lines = src().map((l, i) => `id${i},${l}`);
        lines.splice(10, 0, "");
        fs.writeFileSync(input, lines.join("\n") + "\n");
    });

    it("selectors: $, indices, negative indices, slices, unions; out-of-range names the record", () => {
        const row = ["a", "b", "c", "d", "e"];
        const sel = (e: string) => applyCsvSelector(parseCsvSelector(e), row, 3);
        assert.deepEqual(sel("$"), row);
        assert.deepEqual(sel("$[1:]"), ["b", "c", "d", "e"]);
        assert.deepEqual(sel("$[0,-1]"), ["a", "e"]);
        assert.deepEqual(sel("$[:-2]"), ["a", "b", "c"]);
        assert.deepEqual(sel("$[0, 3:]"), ["a", "d", "e"]);
        assert.deepEqual(sel("$[-2:]"), ["d", "e"]);
        assert.deepEqual(sel("$[*]"), row);
        assert.throws(() => sel("$[7]"), /record 3: selector "\$\[7\]" index 7 is outside the record's 5 columns/);
        for (const bad of ["$.features", "$[1:2:1]", "$[a]", "$[]", "x"])
            assert.throws(() => parseCsvSelector(bad), /selector .* (not supported|must be a:b|not an integer|empty element)/, bad);
    });

    it("MultiRecord + InputFilter $[1:] + JoinSource Input + OutputFilter $[0,-1] = id,prediction per line", async () => {
        const out = path.join(dir, "joined.csv");
        const rep = await runBatchTransform({
            modelPath: f.modelTarGz,
            input,
            output: out,
            splitType: "Line",
            batchStrategy: "MultiRecord",
            maxPayloadInMB: 0.01, // ~10 KiB per request → many requests
            assembleWith: "Line",
            dataProcessing: { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$[0,-1]" },
        });
        assert.equal(rep.records, N);
        assert.equal(rep.blankLinesSkipped, 1);
        assert.ok(rep.requests > 5, `requests ${rep.requests}`);
        assert.ok(rep.maxRequestBytes <= 0.01 * 1024 * 1024);
        assert.ok(rep.rowsPerSecond > 0);
        const got = fs.readFileSync(out, "utf8").split("\n");
        assert.equal(got.pop(), "");
        assert.equal(got.length, N);
        const rows = src();
        got.forEach((line, i) => {
            const [id, p] = line.split(",");
            assert.equal(id, `id${i}`);
            assert.equal(Number(p), expectedProb(f.booster, f.transform, rows[i]));
        });
    });

    it("no DataProcessing: output is one prediction per line; SingleRecord gives one request per record; join keeps the full input", async () => {
        const plainIn = path.join(dir, "plain.csv");
        fs.writeFileSync(plainIn, f.rawLines.slice(0, 50).join("\n"));
        const r1 = await runBatchTransform({ modelPath: f.modelTarGz, input: plainIn, batchStrategy: "SingleRecord" });
        assert.equal(r1.output, `${plainIn}.out`);
        assert.equal(r1.requests, 50);
        const preds = fs.readFileSync(r1.output, "utf8").trim().split("\n").map(Number);
        assert.deepEqual(
            preds,
            f.rawLines.slice(0, 50).map((l) => expectedProb(f.booster, f.transform, l)),
        );
        const r2 = await runBatchTransform({
            modelPath: f.modelTarGz,
            input: plainIn,
            output: path.join(dir, "j.csv"),
            dataProcessing: { JoinSource: "Input" },
        });
        assert.equal(r2.requests, 1);
        const lines = fs.readFileSync(r2.output, "utf8").trim().split("\n");
        assert.equal(lines[0], `${f.rawLines[0].split(",").join(",")},${preds[0]}`);
        const r3 = await runBatchTransform({
            modelPath: f.modelTarGz,
            input: plainIn,
            output: path.join(dir, "none.csv"),
            splitType: "None",
            assembleWith: "None",
        });
        assert.equal(r3.requests, 1);
        assert.deepEqual(fs.readFileSync(r3.output, "utf8").trim().split("\n").map(Number), preds);
    });

    it("fails clearly: bad settings, bad records (naming the record), oversize record; no partial output left", async () => {
        await assert.rejects(
            runBatchTransform({ modelPath: f.modelTarGz, input, splitType: "RecordIO" as never, maxPayloadInMB: 0, dataProcessing: { InputFilter: "$.x" } }),
            /SplitType "RecordIO"[\s\S]*MaxPayloadInMB 0[\s\S]*InputFilter: selector "\$\.x"/,
        );
        const badIn = path.join(dir, "bad.csv");
        fs.writeFileSync(badIn, [f.rawLines[0], f.rawLines[1], f.rawLines[2].replace(/^\d+/, "old")].join("\n"));
        const out = path.join(dir, "bad.out");
        await assert.rejects(
            runBatchTransform({ modelPath: f.modelTarGz, input: badIn, output: out }),
            /records 1-3\) .*record 3: column "age": value "old" is not a number/,
        );
        assert.equal(fs.existsSync(out), false);
        assert.deepEqual(
            fs.readdirSync(dir).filter((x) => x.includes(".partial")),
            [],
        );
        await assert.rejects(runBatchTransform({ modelPath: f.modelTarGz, input: badIn, maxPayloadInMB: 0.00001 }), /record 1 .* larger than MaxPayloadInMB/);
        await assert.rejects(
            runBatchTransform({ modelPath: f.modelTarGz, input, dataProcessing: { InputFilter: "$[20]" } }),
            /record 1: selector "\$\[20\]" index 20 is outside the record's 15 columns/,
        );
    });
});
