export type {
    HyperParameterTuningJobConfig,
    HyperParameterTuningJobObjective,
    ResourceLimits,
    ParameterRanges,
    ContinuousParameterRange,
    IntegerParameterRange,
    CategoricalParameterRange,
    ScalingType,
    Dimension,
    ObjectiveSpec,
} from "./config";
export { validateTuningConfig, TuningConfigError, MAX_TUNED_PARAMETERS } from "./config";
export { toUnit, fromUnit, decodePoint, encodePoint, snapPoint } from "./scaling";
export { GaussianProcess, expectedImprovement, matern52, normCdf } from "./gp";
export type { Observation, SearchStrategy, BayesianOptions } from "./search";
export { RandomSearch, BayesianSearch } from "./search";
export type { TuningJobDefinition, TuningJobResult, TrialResult, TrialStatus } from "./tuner";
export { runTuningJob, medianRuleCurve, formatTrialTable, shutdownTuningWorkers } from "./tuner";
