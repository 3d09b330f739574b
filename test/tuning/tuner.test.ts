import { strict as assert } from "assert";
import { validateTuningConfig, HyperParameterTuningJobConfig, TuningConfigError, Dimension } from "../../lib/tuning/config";
import { toUnit, fromUnit, decodePoint, snapPoint } from "../../lib/tuning/scaling";
import { GaussianProcess, expectedImprovement, normCdf } from "../../lib/tuning/gp";
import { runTuningJob, medianRuleCurve } from "../../lib/tuning/tuner";
import { auc } from "../../lib/training/metrics";
import { loadAdult } from "../../test-support/adult";
import { runSynthetic } from "./synthetic";

const baseConfig = (): HyperParameterTuningJobConfig => ({
    Strategy: "Random",
    HyperParameterTuningJobObjective: { Type: "Maximize", MetricName: "validation:auc" },
    ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
    ParameterRanges: {
        ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.01", MaxValue: "0.5", ScalingType: "Logarithmic" }],
        IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "6" }],
    },
    TrainingJobEarlyStoppingType: "Off",
});

describe("tuning: scaling", () => {
    const lin: Dimension = { kind: "continuous", name: "x", min: 2, max: 10, scaling: "Linear" };
    const log: Dimension = { kind: "continuous", name: "x", min: 0.001, max: 10, scaling: "Logarithmic" };
    const rev: Dimension = { kind: "continuous", name: "x", min: 0.9, max: 0.999, scaling: "ReverseLogarithmic" };
    const int: Dimension = { kind: "integer", name: "n", min: 1, max: 100, scaling: "Logarithmic" };
    const cat: Dimension = { kind: "categorical", name: "c", values: ["a", "b", "c"] };

    it("maps linear, logarithmic and reverse-logarithmic ranges to [0, 1] and back", () => {
        assert.equal(toUnit(lin, 6), 0.5);
        assert.equal(fromUnit(lin, 0.25), 4);
        assert.ok(Math.abs(toUnit(log, 0.1) - 0.5) < 1e-12, "log midpoint is the geometric mean");
        assert.ok(Math.abs((fromUnit(log, 0.75) as number) - 1) < 1e-9);
        // reverse log: equal steps in log(1 - x): 0.9 -> 0, 0.99 -> 0.5, 0.999 -> 1
        assert.ok(Math.abs(toUnit(rev, 0.99) - 0.5) < 1e-9);
        assert.ok(Math.abs((fromUnit(rev, 0.5) as number) - 0.99) < 1e-9);
        for (const d of [lin, log, rev]) {
            for (const u of [0, 0.13, 0.5, 0.97, 1]) assert.ok(Math.abs(toUnit(d, fromUnit(d, u) as number) - u) < 1e-9);
        }
        assert.equal(fromUnit(lin, 1.5), 10, "clamped");
    });

    it("rounds integer ranges and splits categorical ranges into equal cells", () => {
        assert.equal(fromUnit(int, 0.5), 10);
        assert.ok(Number.isInteger(fromUnit(int, 0.37) as number));
        assert.deepEqual(
            [0, 0.32, 0.34, 0.99, 1].map((u) => fromUnit(cat, u)),
            ["a", "a", "b", "c", "c"],
        );
        assert.ok(Math.abs(toUnit(cat, "b") - 0.5) < 1e-12);
        assert.deepEqual(decodePoint([int, cat, lin], [0.5, 0.9, 0.5]), { n: "10", c: "c", x: "6" });
        const s = snapPoint([int, cat], [0.505, 0.1]);
        assert.equal(s[0], toUnit(int, 10));
        assert.equal(s[1], 1 / 6);
    });
});

describe("tuning: config validation", () => {
    const expectError = (mutate: (c: HyperParameterTuningJobConfig) => void, re: RegExp, statics: Record<string, string> = {}) => {
        const c = baseConfig();
        mutate(c);
        assert.throws(
            () => validateTuningConfig(c, statics),
            (e: unknown) => e instanceof TuningConfigError && re.test((e as Error).message),
        );
    };
    it("accepts a valid SageMaker config and resolves Auto scaling to Linear", () => {
        const { dimensions, objective } = validateTuningConfig(baseConfig());
        assert.deepEqual(objective, { channel: "validation", metric: "auc", maximize: true, metricName: "validation:auc" });
        assert.equal(dimensions.length, 2);
        assert.deepEqual(dimensions[1], { kind: "integer", name: "max_depth", min: 2, max: 6, scaling: "Linear" });
    });
    it("requires MinValue > 0 for Logarithmic scaling", () =>
        expectError(
            (c) => (c.ParameterRanges.ContinuousParameterRanges![0].MinValue = "0"),
            /uses Logarithmic scaling but MinValue is 0; logarithmic scaling needs MinValue > 0/,
        ));
    it("requires a range inside [0, 1) for ReverseLogarithmic", () =>
        expectError(
            (c) => c.ParameterRanges.ContinuousParameterRanges!.push({ Name: "subsample", MinValue: "0.5", MaxValue: "1", ScalingType: "ReverseLogarithmic" }),
            /ReverseLogarithmic scaling but its range is \[0\.5, 1\]/,
        ));
    it("rejects ReverseLogarithmic integer ranges", () =>
        expectError(
            (c) => (c.ParameterRanges.IntegerParameterRanges![0].ScalingType = "ReverseLogarithmic"),
            /Integer parameter "max_depth" cannot use ReverseLogarithmic/,
        ));
    it("rejects MinValue >= MaxValue and non-numeric strings", () => {
        expectError((c) => (c.ParameterRanges.ContinuousParameterRanges![0].MaxValue = "0.01"), /MinValue 0\.01 >= MaxValue 0\.01/);
        expectError(
            (c) => (c.ParameterRanges.IntegerParameterRanges![0].MinValue = "2.5"),
            /MinValue of parameter "max_depth" is "2\.5"; it must be an integer/,
        );
    });
    it("rejects unknown, duplicated and static-and-tuned parameters", () => {
        expectError(
            (c) => (c.ParameterRanges.ContinuousParameterRanges![0].Name = "learning_rate"),
            /"learning_rate" is not a tunable hyperparameter; tunable names are num_round/,
        );
        expectError((c) => (c.ParameterRanges.CategoricalParameterRanges = [{ Name: "eta", Values: ["0.1"] }]), /"eta" appears in more than one range/);
        expectError(() => undefined, /"eta" is both tuned and static/, { eta: "0.1" });
    });
    it("rejects bad strategy, objective, limits and early stopping type", () => {
        expectError((c) => ((c as { Strategy: string }).Strategy = "Hyperband"), /Strategy is "Hyperband"; supported strategies are "Bayesian" and "Random"/);
        expectError((c) => (c.HyperParameterTuningJobObjective.MetricName = "validation:rmse"), /MetricName is "validation:rmse"/);
        expectError((c) => ((c.HyperParameterTuningJobObjective as { Type: string }).Type = "Max"), /Type is "Max"; it must be "Maximize" or "Minimize"/);
        expectError((c) => (c.ResourceLimits.MaxParallelTrainingJobs = 0), /MaxParallelTrainingJobs is 0; it must be an integer >= 1/);
        expectError((c) => ((c as { TrainingJobEarlyStoppingType: string }).TrainingJobEarlyStoppingType = "On"), /TrainingJobEarlyStoppingType is "On"/);
        expectError((c) => (c.ParameterRanges = {}), /ParameterRanges has no ranges/);
    });
});

describe("tuning: Gaussian process and search", () => {
    it("interpolates observations and is uncertain away from them", () => {
        const X = [[0.05], [0.2], [0.3], [0.45], [0.6], [0.7], [0.95]];
        const y = X.map(([x]) => Math.sin(6 * x));
        const gp = new GaussianProcess(X, y);
        for (let i = 0; i < X.length; i++) assert.ok(Math.abs(gp.predict(X[i]).mean - y[i]) < 0.1, `at ${X[i]}`);
        assert.ok(Math.abs(gp.predict([0.38]).mean - Math.sin(6 * 0.38)) < 0.2, "smooth interpolation between points");
        assert.ok(gp.predict([0.83]).std > gp.predict([0.6]).std);
        assert.ok(Math.abs(normCdf(1.96) - 0.975) < 1e-4);
        assert.ok(expectedImprovement(1, 0.5, 0.5) > expectedImprovement(0.5, 0.5, 0.5));
        assert.ok(expectedImprovement(0.5, 1, 0.5) > expectedImprovement(0.5, 0.1, 0.5));
    });

    it("Bayesian search beats random search on a smooth synthetic objective, on average over seeds", () => {
        const seeds = [1, 2, 3, 4, 5, 6];
        let bayes = 0,
            rand = 0,
            wins = 0;
        for (const s of seeds) {
            const b = runSynthetic("Bayesian", s, 20);
            const r = runSynthetic("Random", s, 20);
            bayes += b / seeds.length;
            rand += r / seeds.length;
            if (b > r) wins++;
        }
        // objective max is 0; random search typically ends near -0.9, GP+EI near -0.05
        assert.ok(bayes > rand, `mean best: bayesian ${bayes}, random ${rand}`);
        assert.ok(wins >= 4, `bayesian won ${wins}/6 seeds`);
    });

    it("is reproducible for a seed", () => {
        assert.equal(runSynthetic("Bayesian", 9, 12), runSynthetic("Bayesian", 9, 12));
        assert.equal(runSynthetic("Random", 9, 12), runSynthetic("Random", 9, 12));
        assert.notEqual(runSynthetic("Random", 9, 12), runSynthetic("Random", 10, 12));
    });

    it("computes the median-rule reference curve from running averages", () => {
        const curve = medianRuleCurve([[1, 3, 5], [2, 2, 2], [0, 4], [9]]);
        // running averages: [1,2,3], [2,2,2], [0,2], [9]
        assert.deepEqual(curve, [1.5, 2, null]);
    });
});

describe("tuning: tuning jobs in worker threads", function () {
    const { train, test } = loadAdult({ trainLimit: 1500, testLimit: 800 });
    const statics = { num_round: "10", min_child_weight: "2" };

    it("runs trials in parallel workers, reports a table and keeps the best model (reproducibly)", async () => {
        const cfg: HyperParameterTuningJobConfig = {
            ...baseConfig(),
            Strategy: "Bayesian",
            ResourceLimits: { MaxNumberOfTrainingJobs: 5, MaxParallelTrainingJobs: 2 },
        };
        const progress = new Set<number>();
        const run = () =>
            runTuningJob({
                HyperParameterTuningJobConfig: cfg,
                StaticHyperParameters: statics,
                train,
                validation: test,
                seed: 7,
                onProgress: (p) => progress.add(p.trial),
            });
        const a = await run();
        assert.equal(a.trials.length, 5);
        assert.deepEqual([...progress].sort(), [0, 1, 2, 3, 4]);
        for (const t of a.trials) {
            assert.equal(t.status, "Completed", t.failureReason);
            assert.equal(t.rounds, 10);
            assert.ok(t.objective! > 0.8 && t.objective! <= 1);
            const eta = Number(t.hyperParameters.eta);
            assert.ok(eta >= 0.01 && eta <= 0.5);
            assert.ok(["2", "3", "4", "5", "6"].includes(t.hyperParameters.max_depth));
        }
        const bestObj = Math.max(...a.trials.map((t) => t.objective!));
        assert.equal(a.best!.objective, bestObj);
        // the kept model is the best trial's model
        const bestAuc = auc(a.bestModel!.predict(test), test.labels);
        assert.ok(Math.abs(bestAuc - bestObj) < 1e-6, `${bestAuc} vs ${bestObj}`);
        assert.match(a.table.split("\n")[0], /^trial\s+eta\s+max_depth\s+objective\s+status\s+rounds$/);
        assert.equal(a.table.split("\n").length, 7);
        const b = await run();
        assert.deepEqual(
            b.trials.map((t) => [t.hyperParameters, t.objective]),
            a.trials.map((t) => [t.hyperParameters, t.objective]),
        );
    });

    it("stops poor trials early with the median rule (TrainingJobEarlyStoppingType=Auto)", async () => {
        const cfg: HyperParameterTuningJobConfig = {
            Strategy: "Random",
            HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:logloss" },
            ResourceLimits: { MaxNumberOfTrainingJobs: 8, MaxParallelTrainingJobs: 2 },
            ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.001", MaxValue: "0.8", ScalingType: "Logarithmic" }] },
            TrainingJobEarlyStoppingType: "Auto",
        };
        const r = await runTuningJob({
            HyperParameterTuningJobConfig: cfg,
            StaticHyperParameters: { num_round: "20", max_depth: "3" },
            train,
            validation: test,
            seed: 3,
        });
        const stopped = r.trials.filter((t) => t.status === "Stopped");
        assert.ok(stopped.length >= 1, r.table);
        for (const t of stopped) {
            assert.ok(t.trial >= 4, "needs 3 finished reference trials (with 2 parallel, trial >= 4)");
            assert.ok(t.rounds < 20);
        }
        assert.equal(r.best!.objective, Math.min(...r.trials.filter((t) => t.objective !== undefined).map((t) => t.objective!)));
    });

    it("rejects a setup without num_round or without the validation channel", async () => {
        await assert.rejects(runTuningJob({ HyperParameterTuningJobConfig: baseConfig(), train, validation: test }), /num_round is required/);
        await assert.rejects(
            runTuningJob({ HyperParameterTuningJobConfig: baseConfig(), StaticHyperParameters: statics, train }),
            /needs a validation channel/,
        );
        await assert.rejects(
            runTuningJob({ HyperParameterTuningJobConfig: baseConfig(), StaticHyperParameters: { ...statics, gamma: "-1" }, train, validation: test }),
            /gamma=\\?"?-1\\?"? is out of range/,
        );
    });
});
