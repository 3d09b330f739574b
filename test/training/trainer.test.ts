import { strict as assert } from "assert";
import { dmatrixFromRows, DMatrix } from "../../lib/training/dmatrix";
import { buildHistCuts, buildBinMatrix, searchBin } from "../../lib/training/hist";
import { train, findBestSplit, logisticGradHess, leafWeight, nodeGain, thresholdL1, makeRng } from "../../lib/training/trainer";
import { resolveHyperParameters, HyperParameterError } from "../../lib/training/params";
import { auc, logloss, errorRate } from "../../lib/training/metrics";
import { loadAdult } from "../../test-support/adult";

const col = (xs: number[]) => xs.map((x) => [x]);

describe("training: hist cuts and binning", () => {
    it("uses the unique values as cuts when there are at most max_bin of them, plus a sentinel above the max", () => {
        const m = dmatrixFromRows(col([3, 1, 2, 4, 2, NaN]), [0, 0, 0, 0, 0, 0]);
        const cuts = buildHistCuts(m, 256);
        assert.deepEqual(Array.from(cuts.values), [2, 3, 4, Math.fround(4 + 4 + Math.fround(1e-5))]);
        assert.equal(cuts.minValues[0], Math.fround(1 - Math.fround(1 + Math.fround(1e-5))));
        // bin b holds [cut[b-1], cut[b])
        assert.equal(searchBin(cuts, 0, 1), 0);
        assert.equal(searchBin(cuts, 0, 2), 1);
        assert.equal(searchBin(cuts, 0, 3.5), 2);
        assert.equal(searchBin(cuts, 0, 4), 3);
        const bm = buildBinMatrix(m, cuts);
        // 4 bins + 1 missing slot
        assert.equal(bm.totalSlots, 5);
        assert.deepEqual(Array.from(bm.bins), [2, 0, 1, 3, 1, 4]);
    });

    it("limits every feature to max_bin bins and keeps cuts strictly increasing", () => {
        const rng = makeRng(7);
        const rows: number[][] = [];
        for (let i = 0; i < 5000; i++) rows.push([rng() * 100, Math.floor(rng() * 5)]);
        const m = dmatrixFromRows(
            rows,
            rows.map(() => 0),
        );
        const cuts = buildHistCuts(m, 16);
        const nb0 = cuts.ptrs[1] - cuts.ptrs[0];
        const nb1 = cuts.ptrs[2] - cuts.ptrs[1];
        assert.ok(nb0 <= 16 && nb0 >= 14, `feature 0 has ${nb0} bins`);
        assert.equal(nb1, 5);
        for (let i = 1; i < cuts.values.length; i++) {
            if (i !== cuts.ptrs[1]) assert.ok(cuts.values[i] > cuts.values[i - 1]);
        }
        // quantile cuts: bins hold roughly equal counts for uniform data
        const bm = buildBinMatrix(m, cuts);
        const counts = new Array(nb0).fill(0);
        for (let r = 0; r < m.nRows; r++) counts[bm.bins[r * 2]]++;
        assert.ok(Math.max(...counts) < 3 * (5000 / 16), `counts ${counts}`);
    });

    it("gives an all-missing feature a single bin", () => {
        const m = dmatrixFromRows(
            [
                [NaN, 1],
                [NaN, 2],
            ],
            [0, 1],
        );
        const cuts = buildHistCuts(m, 256);
        assert.equal(cuts.ptrs[1] - cuts.ptrs[0], 1);
    });
});

describe("training: gradients, gain and leaf weights", () => {
    it("computes logistic gradient/hessian with scale_pos_weight on positives only", () => {
        assert.deepEqual(logisticGradHess(0, 1, 1, 1), [-0.5, 0.25]);
        assert.deepEqual(logisticGradHess(0, 1, 1, 3), [-1.5, 0.75]);
        assert.deepEqual(logisticGradHess(0, 0, 2, 3), [1, 0.5]);
        const [g, h] = logisticGradHess(2, 0, 1, 1);
        const p = 1 / (1 + Math.exp(-2));
        assert.ok(Math.abs(g - p) < 1e-6 && Math.abs(h - p * (1 - p)) < 1e-6);
        // the hessian never reaches zero
        assert.ok(logisticGradHess(80, 1, 1, 1)[1] > 0);
    });

    it("applies L1 soft thresholding and L2 in gain and weight", () => {
        const p = { lambda: 2, alpha: 0.5, minChildWeight: 1 };
        assert.equal(thresholdL1(1.2, 0.5), 0.7);
        assert.equal(thresholdL1(-1.2, 0.5), -0.7);
        assert.equal(thresholdL1(0.3, 0.5), 0);
        assert.ok(Math.abs(leafWeight(p, 1.2, 3) - -0.7 / 5) < 1e-12);
        assert.ok(Math.abs(nodeGain(p, -1.2, 3) - 0.49 / 5) < 1e-12);
        assert.equal(leafWeight(p, 1.2, 0.5), 0, "below min_child_weight the weight is 0");
    });

    it("finds the best split on a hand-made histogram", () => {
        // feature 0: 3 bins + missing; feature 1: 2 bins + missing
        const slotOffset = Uint32Array.from([0, 4]);
        const missingSlot = Uint32Array.from([3, 6]);
        const hist = new Float64Array(7 * 2);
        const set = (s: number, g: number, h: number) => {
            hist[2 * s] = g;
            hist[2 * s + 1] = h;
        };
        set(0, -4, 2);
        set(1, -3, 2);
        set(2, 5, 2); // feature 0: strong split after bin 1
        set(4, -1, 3);
        set(5, -1, 3); // feature 1: useless
        const G = -2,
            H = 6;
        const p = { lambda: 1, alpha: 0, minChildWeight: 0 };
        const best = findBestSplit(hist, G, H, [0, 1], slotOffset, missingSlot, p);
        const expected = 49 / 5 + 25 / 3 - 4 / 7;
        assert.equal(best.feature, 0);
        assert.equal(best.bin, 1);
        assert.equal(best.defaultLeft, false);
        assert.ok(Math.abs(best.gain - expected) < 1e-9, `gain ${best.gain} vs ${expected}`);
        assert.equal(best.leftG, -7);
        // min_child_weight on the hessian sums rules out that split (left has H=4, right H=2)
        const best2 = findBestSplit(hist, G, H, [0, 1], slotOffset, missingSlot, { ...p, minChildWeight: 2.5 });
        assert.notDeepEqual([best2.feature, best2.bin], [0, 1]);
        assert.ok((best2.leftH >= 2.5 && H - best2.leftH >= 2.5) || best2.feature === -1);
    });

    it("sends missing values left when that is better (backward enumeration)", () => {
        const slotOffset = Uint32Array.from([0]);
        const missingSlot = Uint32Array.from([2]);
        const hist = Float64Array.from([-5, 2, 5, 2, -5, 2]); // bin0 neg grad, bin1 pos, missing neg
        const best = findBestSplit(hist, -5, 6, [0], slotOffset, missingSlot, { lambda: 1, alpha: 0, minChildWeight: 0 });
        assert.equal(best.defaultLeft, true);
        assert.equal(best.bin, 0);
        assert.equal(best.leftG, -10);
    });
});

describe("training: trees", () => {
    const xs = [0, 0, 1, 1];
    const ys = [0, 0, 1, 1];
    const stump = (extra: Record<string, unknown>) =>
        train({ num_round: 1, max_depth: 1, eta: 1, min_child_weight: 0, ...extra }, dmatrixFromRows(col(xs), ys)).booster.trees[0];

    it("sets leaf values to -eta*G/(H+lambda) and the split at the cut", () => {
        // base_score 0.5 -> p = 0.5: y=0 rows g=0.5,h=0.25; y=1 rows g=-0.5,h=0.25
        const t = stump({ lambda: 1 });
        assert.equal(t.left.length, 3);
        assert.equal(t.splitIndex[0], 0);
        assert.equal(t.splitCondition[0], 1); // x < 1 goes left
        assert.ok(Math.abs(t.splitCondition[1] - -1 / 1.5) < 1e-6);
        assert.ok(Math.abs(t.splitCondition[2] - 1 / 1.5) < 1e-6);
        assert.ok(Math.abs(t.lossChange[0] - (1 / 1.5 + 1 / 1.5)) < 1e-6);
        assert.deepEqual(Array.from(t.sumHessian), [1, 0.5, 0.5]);
        const t2 = stump({ lambda: 3 });
        assert.ok(Math.abs(t2.splitCondition[1] - -1 / 3.5) < 1e-6, "larger lambda shrinks leaves");
    });

    it("alpha soft-thresholds the leaf gradients", () => {
        const t = stump({ lambda: 1, alpha: 0.5 });
        assert.ok(Math.abs(t.splitCondition[1] - -0.5 / 1.5) < 1e-6);
        const t2 = stump({ lambda: 1, alpha: 1 });
        assert.equal(t2.left.length, 1, "alpha >= |G| of each child leaves nothing to gain");
    });

    it("gamma prunes splits whose loss change is below it", () => {
        const gain = 2 / 1.5;
        assert.equal(stump({ gamma: gain - 0.01 }).left.length, 3);
        assert.equal(stump({ gamma: gain + 0.01 }).left.length, 1);
    });

    it("min_child_weight applies to hessian sums", () => {
        assert.equal(stump({ min_child_weight: 0.5 }).left.length, 3);
        assert.equal(stump({ min_child_weight: 0.51 }).left.length, 1);
    });

    it("learns the default direction for missing values per split", () => {
        const rows = col([1, 2, 3, 4, NaN, NaN]);
        const low = train({ num_round: 1, max_depth: 1, min_child_weight: 0 }, dmatrixFromRows(rows, [0, 0, 1, 1, 0, 0])).booster;
        assert.equal(low.trees[0].defaultLeft[0], 1, "missing rows look like the low-x rows -> left");
        const high = train({ num_round: 1, max_depth: 1, min_child_weight: 0 }, dmatrixFromRows(rows, [0, 0, 1, 1, 1, 1])).booster;
        assert.equal(high.trees[0].defaultLeft[0], 0, "missing rows look like the high-x rows -> right");
        const p = low.predict(dmatrixFromRows([[NaN], [1], [4]], [0, 0, 0]));
        assert.equal(p[0], p[1]);
        assert.notEqual(p[0], p[2]);
    });

    it("predictions of the saved trees agree with the training-time margins (bins vs thresholds)", () => {
        const { train: tr } = loadAdult({ trainLimit: 3000 });
        // inject missing values
        for (let i = 0; i < tr.values.length; i += 17) tr.values[i] = NaN;
        const r = train({ num_round: 15, max_depth: 4, eta: 0.3, subsample: 0.7, colsample_bytree: 0.6, eval_metric: "logloss,auc", seed: 3 }, tr, {
            evals: [{ name: "train", data: tr }],
        });
        const p = r.booster.predict(tr);
        assert.ok(Math.abs(r.history["train:logloss"][14] - logloss(p, tr.labels)) < 1e-6);
        assert.ok(Math.abs(r.history["train:auc"][14] - auc(p, tr.labels)) < 1e-9);
        assert.ok(r.history["train:logloss"][14] < r.history["train:logloss"][0], "training loss decreases");
        assert.equal(r.stopReason, "completed");
    });

    it("is reproducible for a seed, and subsampling depends on the seed", () => {
        const { train: tr } = loadAdult({ trainLimit: 1500 });
        const hp = { num_round: 5, max_depth: 3, subsample: 0.5, colsample_bytree: 0.5 };
        const a = train({ ...hp, seed: 1 }, tr).booster.toJSONString();
        const b = train({ ...hp, seed: 1 }, tr).booster.toJSONString();
        const c = train({ ...hp, seed: 2 }, tr).booster.toJSONString();
        assert.equal(a, b);
        assert.notEqual(a, c);
    });

    it("uses instance weights", () => {
        const rows = col([1, 2, 3, 4]);
        const w1 = train({ num_round: 1, max_depth: 1, lambda: 0, min_child_weight: 0 }, dmatrixFromRows(rows, [0, 1, 1, 1])).booster;
        const w2 = train(
            { num_round: 1, max_depth: 1, lambda: 0, min_child_weight: 0 },
            dmatrixFromRows(rows, [0, 1, 1, 1], { weights: [1, 1, 1, 1] }),
        ).booster;
        const w3 = train(
            { num_round: 1, max_depth: 1, lambda: 0, min_child_weight: 0 },
            dmatrixFromRows(rows, [0, 1, 1, 1], { weights: [1, 5, 1, 1] }),
        ).booster;
        assert.equal(w1.toJSONString(), w2.toJSONString());
        assert.notEqual(w1.toJSONString(), w3.toJSONString());
        assert.equal(w3.trees[0].sumHessian[0], 0.25 * 8);
    });
});

describe("training: early stopping and metrics", () => {
    it("stops when the validation metric has not improved for early_stopping_rounds and keeps the best trees", () => {
        const rng = makeRng(11);
        const mk = (n: number): DMatrix => {
            const rows: number[][] = [];
            const y: number[] = [];
            for (let i = 0; i < n; i++) {
                rows.push([rng(), rng(), rng()]);
                y.push(rng() < 0.5 ? 1 : 0); // pure noise: validation loss soon rises
            }
            return dmatrixFromRows(rows, y);
        };
        const tr = mk(400);
        const va = mk(400);
        const r = train({ num_round: 200, max_depth: 6, eta: 0.5, min_child_weight: 0, eval_metric: "logloss", early_stopping_rounds: 3 }, tr, {
            evals: [{ name: "validation", data: va }],
        });
        assert.equal(r.stopReason, "early_stopping");
        assert.equal(r.roundsTrained, r.bestIteration + 4);
        assert.equal(r.booster.numTrees, r.bestIteration + 1);
        const h = r.history["validation:logloss"];
        assert.equal(h.length, r.roundsTrained);
        assert.equal(Math.min(...h), h[r.bestIteration]);
        assert.equal(r.booster.attributes.best_iteration, String(r.bestIteration));
        assert.ok(Math.abs(logloss(r.booster.predict(va), va.labels) - h[r.bestIteration]) < 1e-6);
    });

    it("requires an eval set for early stopping", () => {
        assert.throws(
            () => train({ num_round: 3, early_stopping_rounds: 2 }, dmatrixFromRows(col([1, 2]), [0, 1])),
            /early_stopping_rounds is set but no eval set/,
        );
    });

    it("computes auc with ties, logloss and error", () => {
        assert.equal(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
        assert.equal(auc([0.5, 0.5], [0, 1]), 0.5);
        assert.equal(errorRate([0.2, 0.6, 0.5], [0, 0, 1]), 2 / 3);
        assert.ok(Math.abs(logloss([0.5, 0.5], [0, 1]) - Math.log(2)) < 1e-12);
    });
});

describe("training: hyperparameter validation", () => {
    it("fills SageMaker defaults and accepts string values", () => {
        const hp = resolveHyperParameters({ num_round: "10", eta: "0.2", eval_metric: "auc,logloss" });
        assert.equal(hp.num_round, 10);
        assert.equal(hp.eta, 0.2);
        assert.equal(hp.max_depth, 6);
        assert.equal(hp.max_bin, 256);
        assert.equal(hp.base_score, 0.5);
        assert.deepEqual(hp.eval_metric, ["auc", "logloss"]);
    });

    const cases: [Record<string, unknown>, RegExp][] = [
        [{ num_round: 10, eta: 1.5 }, /eta=1\.5 is out of range; eta must be a number in \[0, 1\]/],
        [{ num_round: 10, subsample: 0 }, /subsample=0 is out of range; subsample must be a number in \(0, 1\]/],
        [{ num_round: 10, max_depth: 2.5 }, /max_depth=2\.5 .*an integer in \[1, inf\)/],
        [{ num_round: 10, lambda: -1 }, /lambda=-1 is out of range/],
        [{ num_round: 10, base_score: 1 }, /base_score=1 .*\(0, 1\)/],
        [{ num_round: 10, gamma: "abc" }, /gamma="abc" is not a number/],
        [{ num_round: 10, eval_metric: "rmse" }, /unsupported metric "rmse"; allowed metrics are auc, logloss, error/],
        [{ num_round: 10, objective: "multi:softmax" }, /objective="multi:softmax" is not supported/],
        [{ num_round: 10, etaa: 0.1 }, /Unknown hyperparameter "etaa"; supported hyperparameters are: num_round/],
        [{ eta: 0.1 }, /num_round is required/],
        [{ num_round: 0 }, /num_round=0 is out of range/],
    ];
    for (const [input, re] of cases) {
        it(`rejects ${JSON.stringify(input)}`, () => {
            assert.throws(
                () => resolveHyperParameters(input),
                (e: unknown) => e instanceof HyperParameterError && re.test((e as Error).message),
            );
        });
    }

    it("rejects labels outside [0, 1] and mismatched eval sets with actionable messages", () => {
        assert.throws(() => train({ num_round: 1 }, dmatrixFromRows(col([1, 2]), [0, 2])), /label\[1\] = 2 is invalid.*encode the positive class as 1/);
        assert.throws(
            () => train({ num_round: 1 }, dmatrixFromRows(col([1, 2]), [0, 1]), { evals: [{ name: "v", data: dmatrixFromRows([[1, 2]], [1]) }] }),
            /eval set "v" has 2 columns but dtrain has 1/,
        );
        assert.throws(() => dmatrixFromRows([[1, 2], [3]], [0, 1]), /row 1 has 1 values but row 0 has 2/);
    });
});
