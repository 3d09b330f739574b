/**
 * Interoperability with python3-xgboost 1.7.x (/usr/bin/python3) and the Adult quality target.
 * Skips (with the reason) when `import xgboost` fails.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { train } from "../../lib/training/trainer";
import { Booster } from "../../lib/training/model";
import { auc } from "../../lib/training/metrics";
import { packageModel, readTar, loadModelTarGz, SAGEMAKER_MODEL_FILE } from "../../lib/training/artifact";
import { DMatrix } from "../../lib/training/dmatrix";
import { loadAdult } from "../../test-support/adult";
import { tmpDir, xgbPredict, xgbTrain, xgboostAvailable } from "../../test-support/xgboost-python";

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
    assert.equal(a.length, b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
}

function dropColumn(m: DMatrix, name: string): DMatrix {
    const j = m.featureNames.indexOf(name);
    assert.ok(j >= 0, `no column ${name}`);
    const nCols = m.nCols - 1;
    const values = new Float32Array(m.nRows * nCols);
    for (let r = 0; r < m.nRows; r++) {
        const src = m.values.subarray(r * m.nCols, (r + 1) * m.nCols);
        values.set(src.subarray(0, j), r * nCols);
        values.set(src.subarray(j + 1), r * nCols + j);
    }
    return { ...m, nCols, values, featureNames: m.featureNames.filter((_, k) => k !== j) };
}

function withMissing(m: DMatrix, every: number, start: number): DMatrix {
    const values = m.values.slice();
    for (let i = start; i < values.length; i += every) values[i] = NaN;
    return { ...m, values };
}

describe("training: interoperability with python3-xgboost", function () {
    let dir = "";
    before(function () {
        const av = xgboostAvailable();
        if (!av.ok) {
            console.log(`      skipping: ${av.reason}`);
            this.skip();
        }
        dir = tmpDir("gbt-interop-");
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const slice = () => {
        const { train: tr, test } = loadAdult({ trainLimit: 4000, testLimit: 2000 });
        return { tr: withMissing(tr, 13, 2), te: withMissing(test, 11, 4) };
    };

    it("xgboost loads our JSON model (and our model.tar.gz content) and predicts the same probabilities", () => {
        const { tr, te } = slice();
        const r = train(
            { num_round: 30, max_depth: 5, eta: 0.2, gamma: 1, lambda: 2, alpha: 0.1, subsample: 0.8, colsample_bytree: 0.8, base_score: 0.3, seed: 4 },
            tr,
        );
        const ours = r.booster.predict(te);
        const file = path.join(dir, "ours.json");
        r.booster.saveModel(file);
        const theirs = xgbPredict(file, te);
        assert.equal(theirs.numTrees, 30);
        const d = maxAbsDiff(ours, theirs.pred);
        assert.ok(d <= 1e-6, `max |ours - xgboost| = ${d}`);
        // model.tar.gz: extract xgboost-model (no extension) and let xgboost load it as the container would
        const entries = readTar(zlib.gunzipSync(packageModel(r.booster)));
        assert.equal(entries.length, 1);
        const extracted = path.join(dir, SAGEMAKER_MODEL_FILE);
        fs.writeFileSync(extracted, entries[0].data);
        const fromTar = xgbPredict(extracted, te);
        assert.ok(maxAbsDiff(ours, fromTar.pred) <= 1e-6);
    });

    it("our scorer loads a model trained and saved by xgboost (hist) and predicts the same probabilities", () => {
        const { tr, te } = slice();
        const file = path.join(dir, "xgb.json");
        const res = xgbTrain(
            { num_round: 40, objective: "binary:logistic", tree_method: "hist", max_depth: 6, eta: 0.3, subsample: 0.9, alpha: 0.2, nthread: 1, seed: 0 },
            tr,
            te,
            file,
        );
        const booster = Booster.loadModel(file);
        assert.equal(booster.numTrees, 40);
        const d = maxAbsDiff(booster.predict(te), res.pred);
        assert.ok(d <= 1e-6, `max |ours - xgboost| = ${d}`);
        // and through a model.tar.gz built from it
        const again = loadModelTarGz(packageModel(booster));
        assert.ok(maxAbsDiff(again.predict(te), res.pred) <= 1e-6);
    });

    it("grows the same trees as xgboost hist when nothing is random and bins are exact, incl. missing values and L1/L2/gamma", () => {
        // without fnlwgt every feature has < 256 distinct values, so both implementations use the
        // distinct values as cuts (with many distinct values XGBoost's sketch is approximate)
        const { tr: tr0, te: te0 } = slice();
        const tr = dropColumn(tr0, "fnlwgt");
        const te = dropColumn(te0, "fnlwgt");
        const hp = { num_round: 10, max_depth: 4, eta: 0.3, gamma: 0.5, lambda: 1.5, alpha: 0.2, min_child_weight: 2 };
        const ours = train(hp, tr).booster;
        const file = path.join(dir, "xgb-parity.json");
        const ref = xgbTrain({ ...hp, objective: "binary:logistic", tree_method: "hist", nthread: 1 }, tr, te, file);
        const theirs = Booster.loadModel(file).toJSON().learner.gradient_booster.model.trees;
        const mine = ours.toJSON().learner.gradient_booster.model.trees;
        assert.equal(mine.length, theirs.length);
        for (let t = 0; t < mine.length; t++) {
            assert.deepEqual(mine[t].left_children, theirs[t].left_children, `tree ${t} shape`);
            assert.deepEqual(mine[t].split_indices, theirs[t].split_indices, `tree ${t} split features`);
            assert.deepEqual(mine[t].default_left, theirs[t].default_left, `tree ${t} default directions`);
            for (let i = 0; i < mine[t].split_conditions.length; i++) {
                const a = mine[t].split_conditions[i],
                    b = theirs[t].split_conditions[i];
                assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `tree ${t} node ${i}: ${a} vs ${b}`);
                const la = mine[t].loss_changes[i],
                    lb = theirs[t].loss_changes[i];
                assert.ok(Math.abs(la - lb) <= 1e-3 * Math.max(1, Math.abs(lb)), `tree ${t} node ${i} loss_change: ${la} vs ${lb}`);
            }
        }
        assert.ok(maxAbsDiff(ours.predict(te), ref.pred) <= 1e-6);
    });

    it("matches xgboost test AUC on full Adult within 0.005 (max_depth=5, eta=0.2, gamma=4, min_child_weight=6, subsample=0.8, 100 rounds)", () => {
        const { train: tr, test } = loadAdult();
        const hp = { num_round: 100, max_depth: 5, eta: 0.2, gamma: 4, min_child_weight: 6, subsample: 0.8, seed: 0 };
        const ours = auc(train(hp, tr).booster.predict(test), test.labels);
        const ref = xgbTrain({ ...hp, objective: "binary:logistic", tree_method: "hist", nthread: 1 }, tr, test, path.join(dir, "adult.json"));
        const theirs = auc(ref.pred, test.labels);
        console.log(`      Adult test AUC: ours ${ours.toFixed(4)}, xgboost ${ref.version} ${theirs.toFixed(4)}`);
        assert.ok(Math.abs(ours - theirs) <= 0.005, `ours ${ours} vs xgboost ${theirs}`);
        assert.ok(ours > 0.92);
    });
});
