/**
 * Benchmark: our hist GBT trainer vs python3-xgboost 1.7 (tree_method=hist, nthread=1)
 * on UCI Adult (adult.data -> train, adult.test -> test), same one-hot encoding, same
 * hyperparameters, measured in the same run. Times include quantile-cut construction
 * (ours) and DMatrix construction (xgboost), i.e. training from a dense float32 matrix.
 */
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { train } from "../lib/training/trainer";
import { auc } from "../lib/training/metrics";
import { DEFAULT_HYPERPARAMETERS } from "../lib/training/params";
import { loadAdult } from "../test-support/adult";
import { tmpDir, xgbTrain, xgboostAvailable } from "../test-support/xgboost-python";

const D = DEFAULT_HYPERPARAMETERS;
/** The lifecycle's tree settings (lib/training DEFAULT_HYPERPARAMETERS), seed 0, no early stopping: both trainers run every round. */
export const BENCH_HYPERPARAMETERS = {
    num_round: Number(D.num_round),
    max_depth: Number(D.max_depth),
    eta: Number(D.eta),
    gamma: Number(D.gamma),
    min_child_weight: Number(D.min_child_weight),
    subsample: Number(D.subsample),
    seed: 0,
};

export async function run(): Promise<Record<string, unknown>> {
    const { train: tr, test } = loadAdult();
    const hp = BENCH_HYPERPARAMETERS;

    // warm-up (JIT) on a small slice, then the timed run
    train({ ...hp, num_round: 5 }, { ...tr, nRows: 2000, values: tr.values.subarray(0, 2000 * tr.nCols), labels: tr.labels.subarray(0, 2000) });
    const t0 = performance.now();
    const ours = train(hp, tr);
    const oursSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const oursPred = ours.booster.predict(test);
    const oursPredictSeconds = (performance.now() - t1) / 1000;
    const oursAuc = auc(oursPred, test.labels);

    const result: Record<string, unknown> = {
        dataset: "adult",
        trainRows: tr.nRows,
        testRows: test.nRows,
        features: tr.nCols,
        hyperParameters: hp,
        oursTrainSeconds: oursSeconds,
        oursPredictSeconds,
        oursTestAuc: oursAuc,
    };

    const av = xgboostAvailable();
    if (av.ok) {
        const dir = tmpDir("gbt-bench-");
        try {
            const ref = xgbTrain({ ...hp, objective: "binary:logistic", tree_method: "hist", nthread: 1 }, tr, test, path.join(dir, "xgb.json"));
            result.xgboostVersion = ref.version;
            result.xgboostTrainSeconds = ref.trainSeconds;
            result.xgboostTestAuc = auc(ref.pred, test.labels);
            result.timeRatio = oursSeconds / ref.trainSeconds;
            result.aucDifference = oursAuc - (result.xgboostTestAuc as number);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    } else {
        result.xgboostSkipped = av.reason;
    }

    const row = (name: string, secs: unknown, a: unknown) =>
        `${name.padEnd(28)}${typeof secs === "number" ? secs.toFixed(3).padStart(12) : String(secs ?? "-").padStart(12)}${typeof a === "number" ? a.toFixed(4).padStart(10) : "-".padStart(10)}`;
    console.log(`Adult ${tr.nRows}x${tr.nCols} train, ${test.nRows} test; ${JSON.stringify(hp)}`);
    console.log(`${"trainer".padEnd(28)}${"train [s]".padStart(12)}${"test AUC".padStart(10)}`);
    console.log(row("ours (TypeScript, 1 thread)", oursSeconds, oursAuc));
    console.log(row(`xgboost ${result.xgboostVersion ?? "(n/a)"} hist nthread=1`, result.xgboostTrainSeconds, result.xgboostTestAuc));
    if (typeof result.timeRatio === "number") console.log(`time ratio ours/xgboost: ${result.timeRatio.toFixed(2)}x`);
    return result;
}

if (require.main === module) {
    run().then(
        (r) => console.log(JSON.stringify(r)),
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
