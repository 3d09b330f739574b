export {
    BiasInputError,
    METRIC_DESCRIPTIONS,
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    accuracyDifference,
    classImbalance,
    conditionalDemographicDisparity,
    dar,
    dcacc,
    dcr,
    disparateImpact,
    dpl,
    dppl,
    drr,
    facetCounts,
    flipTest,
    js,
    kl,
    ks,
    lpNorm,
    recallDifference,
    treatmentEquality,
    tvd,
} from "./metrics";
export type { BinaryColumns, Counts, FacetCounts, FlipTestOptions, MetricResult, PostTrainingMetric, PreTrainingMetric } from "./metrics";
export { computeBiasReport } from "./report";
export type { BiasAnalysis, BiasConfig, BiasMetricsSection, BiasReport, FacetEntry, FacetSpec, LabelSpec, MetricEntry, Scalar } from "./report";
export { checkBiasDrift, toBiasViolationsFile } from "./drift";
export type { BiasDriftOptions, BiasDriftResult, BiasDriftViolation, BiasMetricChange, BiasMetricThreshold } from "./drift";
export { biasRowsFromCapture } from "./capture";
export type { BiasCaptureOptions } from "./capture";
export { BATCH_BIAS_METRICS_NAMESPACE, BIAS_METRICS_NAMESPACE, BIAS_INFINITY, biasMetricsEmf } from "./emf";
export type { BiasMetricsEmfResult } from "./emf";
export { runModelBiasMonitor } from "./monitor";
export type { ModelBiasMonitorInput, ModelBiasMonitorResult } from "./monitor";
export { BiasPartial, BIAS_PARTIAL_FORMAT } from "./partial";
export type { BiasPartialJson } from "./partial";
