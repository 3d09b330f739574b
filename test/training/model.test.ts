import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { dmatrixFromRows } from "../../lib/training/dmatrix";
import { train } from "../../lib/training/trainer";
import { Booster, ROOT_PARENT } from "../../lib/training/model";
import { writeTar, readTar, packageModel, loadModelTarGz, SAGEMAKER_MODEL_FILE } from "../../lib/training/artifact";
import { loadAdult } from "../../test-support/adult";
import { tmpDir } from "../../test-support/xgboost-python";

function smallModel() {
    const { train: tr, test } = loadAdult({ trainLimit: 2000, testLimit: 500 });
    for (let i = 3; i < tr.values.length; i += 23) tr.values[i] = NaN;
    for (let i = 5; i < test.values.length; i += 19) test.values[i] = NaN;
    const r = train({ num_round: 8, max_depth: 4, eta: 0.3, base_score: 0.3, seed: 5 }, tr);
    return { booster: r.booster, test };
}

describe("training: XGBoost JSON model", () => {
    it("writes the XGBoost 1.7 layout", () => {
        const { booster } = smallModel();
        const j = booster.toJSON();
        assert.deepEqual(j.version, [1, 7, 4]);
        assert.equal(j.learner.objective.name, "binary:logistic");
        assert.equal(j.learner.gradient_booster.name, "gbtree");
        assert.equal(j.learner.learner_model_param.base_score, "0.3", "shortest float32 text: XGBoost ignores long digit strings");
        assert.equal(j.learner.learner_model_param.num_feature, String(booster.numFeature));
        assert.equal(j.learner.feature_names.length, booster.numFeature);
        const trees = j.learner.gradient_booster.model.trees;
        assert.equal(trees.length, 8);
        assert.equal(j.learner.gradient_booster.model.gbtree_model_param.num_trees, "8");
        for (const t of trees) {
            const n = t.left_children.length;
            assert.equal(t.tree_param.num_nodes, String(n));
            assert.equal(t.parents[0], ROOT_PARENT);
            for (const k of [
                "right_children",
                "split_indices",
                "split_conditions",
                "default_left",
                "base_weights",
                "loss_changes",
                "sum_hessian",
                "parents",
                "split_type",
            ] as const) {
                assert.equal((t[k] as unknown[]).length, n, k);
            }
            for (let i = 0; i < n; i++) {
                if (t.left_children[i] === -1) {
                    assert.equal(t.right_children[i], -1);
                    assert.equal(t.split_conditions[i], t.base_weights[i], "leaf value is in split_conditions and base_weights");
                } else {
                    assert.equal(t.parents[t.left_children[i]], i);
                    assert.equal(t.parents[t.right_children[i]], i);
                    assert.ok(t.loss_changes[i] > 0);
                    assert.ok(Math.abs(t.sum_hessian[i] - t.sum_hessian[t.left_children[i]] - t.sum_hessian[t.right_children[i]]) < 1e-3);
                }
            }
        }
        assert.ok(booster.toJSONString().startsWith('{"'), 'XGBoost sniffs JSON by a leading {"');
    });

    it("round-trips through JSON with identical predictions", () => {
        const { booster, test } = smallModel();
        const dir = tmpDir();
        const file = path.join(dir, "model.json");
        booster.saveModel(file);
        const loaded = Booster.loadModel(file);
        assert.deepEqual(loaded.predict(test), booster.predict(test));
        assert.equal(loaded.toJSONString(), booster.toJSONString());
        fs.rmSync(dir, { recursive: true });
    });

    it("predicts by x < split_condition, default_left for NaN, and categorical sets going right", () => {
        const json = {
            learner: {
                attributes: {},
                feature_names: [],
                feature_types: [],
                gradient_booster: {
                    model: {
                        gbtree_model_param: { num_parallel_tree: "1", num_trees: "1" },
                        tree_info: [0],
                        trees: [
                            {
                                base_weights: [0, 0, 0, 0.1, 0.2],
                                categories: [1, 3],
                                categories_nodes: [1],
                                categories_segments: [0],
                                categories_sizes: [2],
                                default_left: [true, false, 0, 0, 0],
                                id: 0,
                                left_children: [1, 3, -1, -1, -1],
                                loss_changes: [1, 1, 0, 0, 0],
                                parents: [ROOT_PARENT, 0, 0, 1, 1],
                                right_children: [2, 4, -1, -1, -1],
                                split_conditions: [0.5, 0, -0.4, 0.1, 0.2],
                                split_indices: [0, 1, 0, 0, 0],
                                split_type: [0, 1, 0, 0, 0],
                                sum_hessian: [3, 2, 1, 1, 1],
                                tree_param: { num_deleted: "0", num_feature: "2", num_nodes: "5", size_leaf_vector: "0" },
                            },
                        ],
                    },
                    name: "gbtree",
                },
                learner_model_param: { base_score: "5E-1", num_class: "0", num_feature: "2" },
                objective: { name: "binary:logistic" },
            },
            version: [1, 7, 4],
        };
        const b = Booster.fromJSON(json);
        const x = dmatrixFromRows(
            [
                [0.5, 0],
                [0.4, 3],
                [NaN, 1],
                [0, 2],
                [0, NaN],
                [0, 40],
            ],
            new Array(6).fill(0),
        );
        const m = Array.from(b.predictMargin(x)).map((v) => Math.round(v * 1e6) / 1e6);
        // x0 >= 0.5 -> right leaf -0.4; cats {1,3} go right -> 0.2; others left -> 0.1; NaN/out-of-range category -> default (right)
        assert.deepEqual(m, [-0.4, 0.2, 0.2, 0.1, 0.2, 0.2]);
    });

    it("rejects unsupported or malformed models with a clear error", () => {
        const { booster } = smallModel();
        const j = booster.toJSON();
        (j.learner.objective as { name: string }).name = "multi:softprob";
        assert.throws(() => Booster.fromJSON(j), /objective is "multi:softprob"; this scorer only supports "binary:logistic"/);
        const k = booster.toJSON();
        k.learner.gradient_booster.model.trees[0].split_indices.pop();
        assert.throws(() => Booster.fromJSON(k), /trees\[0\]\.split_indices has \d+ entries but the tree has \d+ nodes/);
        assert.throws(() => Booster.fromJSON({}), /"learner" object is missing/);
        const x = dmatrixFromRows([[1, 2]], [0]);
        assert.throws(() => booster.predict(x), /input has 2 columns but the model was trained on \d+ features/);
    });
});

describe("training: model.tar.gz", () => {
    it("writes and reads ustar archives", () => {
        const a = Buffer.from("hello");
        const b = Buffer.alloc(1500, 7);
        const tar = writeTar([
            { name: "a.txt", data: a },
            { name: "dir/b.bin", data: b },
        ]);
        assert.equal(tar.length % 512, 0);
        const back = readTar(tar);
        assert.deepEqual(
            back.map((e) => e.name),
            ["a.txt", "dir/b.bin"],
        );
        assert.deepEqual(back[1].data, b);
        const bad = Buffer.from(tar);
        bad[10] ^= 1;
        assert.throws(() => readTar(bad), /header checksum mismatch/);
    });

    it("packages xgboost-model at the archive root, readable by GNU tar and by the loader", function () {
        const { booster, test } = smallModel();
        const gz = packageModel(booster);
        const entries = readTar(zlib.gunzipSync(gz));
        assert.deepEqual(
            entries.map((e) => e.name),
            [SAGEMAKER_MODEL_FILE],
        );
        assert.deepEqual(loadModelTarGz(gz).predict(test), booster.predict(test));
        const dir = tmpDir();
        const file = path.join(dir, "model.tar.gz");
        fs.writeFileSync(file, gz);
        const list = spawnSync("tar", ["-tzf", file], { encoding: "utf8" });
        if (list.error) {
            fs.rmSync(dir, { recursive: true });
            this.skip();
        }
        assert.equal(list.status, 0, list.stderr);
        assert.equal(list.stdout.trim(), SAGEMAKER_MODEL_FILE);
        const x = spawnSync("tar", ["-xzf", file, "-C", dir], { encoding: "utf8" });
        assert.equal(x.status, 0, x.stderr);
        assert.equal(fs.readFileSync(path.join(dir, SAGEMAKER_MODEL_FILE), "utf8"), booster.toJSONString());
        fs.rmSync(dir, { recursive: true });
    });

    it("names the problem when the archive is not a model", () => {
        assert.throws(() => loadModelTarGz(Buffer.from("nope")), /not gzip data/);
        assert.throws(() => loadModelTarGz(zlib.gzipSync(writeTar([]))), /no file at its root/);
        assert.throws(
            () => loadModelTarGz(zlib.gzipSync(writeTar([{ name: "xgboost-model", data: Buffer.from([0x80, 0x04]) }]))),
            /not an XGBoost JSON model \(pickled/,
        );
    });
});
