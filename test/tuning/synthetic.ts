/** Test helper: run a search strategy sequentially on a synthetic objective through the SageMaker range API. */
import { validateTuningConfig, HyperParameterTuningJobConfig } from "../../lib/tuning/config";
import { decodePoint, snapPoint } from "../../lib/tuning/scaling";
import { BayesianSearch, RandomSearch, Observation } from "../../lib/tuning/search";

export const SYNTHETIC_CONFIG: HyperParameterTuningJobConfig = {
    Strategy: "Bayesian",
    HyperParameterTuningJobObjective: { Type: "Maximize", MetricName: "validation:auc" },
    ResourceLimits: { MaxNumberOfTrainingJobs: 20, MaxParallelTrainingJobs: 1 },
    ParameterRanges: {
        ContinuousParameterRanges: [
            { Name: "eta", MinValue: "0.0001", MaxValue: "1", ScalingType: "Logarithmic" },
            { Name: "subsample", MinValue: "0.1", MaxValue: "1", ScalingType: "Linear" },
            { Name: "lambda", MinValue: "0", MaxValue: "10", ScalingType: "Linear" },
        ],
        IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "12", ScalingType: "Linear" }],
    },
};

/** Smooth function with its maximum 0 at eta=0.01, subsample=0.75, lambda=3, max_depth=7. */
export function syntheticObjective(hp: Record<string, string>): number {
    const a = Math.log10(Number(hp.eta)) + 2;
    const b = (Number(hp.subsample) - 0.75) / 0.3;
    const c = (Number(hp.lambda) - 3) / 3;
    const d = (Number(hp.max_depth) - 7) / 4;
    return -(a * a + b * b + c * c + d * d);
}

export function runSynthetic(strategy: "Bayesian" | "Random", seed: number, budget: number): number {
    const { dimensions } = validateTuningConfig(SYNTHETIC_CONFIG);
    const snap = (x: number[]) => snapPoint(dimensions, x);
    const s = strategy === "Bayesian" ? new BayesianSearch(dimensions.length, seed, { snap }) : new RandomSearch(dimensions.length, seed);
    const obs: Observation[] = [];
    let best = -Infinity;
    for (let i = 0; i < budget; i++) {
        const x = snap(s.suggest(obs, []));
        const y = syntheticObjective(decodePoint(dimensions, x));
        obs.push({ x, y });
        best = Math.max(best, y);
    }
    return best;
}
