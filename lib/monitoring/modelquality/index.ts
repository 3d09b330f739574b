export {
    BINARY_SCALAR_METRICS,
    ModelQualityInputError,
    calibrationBins,
    confusionCounts,
    curvePoints,
    evaluateBinaryClassification,
    fBeta,
    rocAndPrPoints,
    rocAuc,
    sampleStd,
    sampleWithoutReplacement,
    seededRandom,
} from "./binary";
export type {
    BinaryClassificationMetrics,
    BinaryEvaluationInput,
    BinaryEvaluationOptions,
    BinaryEvaluationResult,
    BinaryScalarMetric,
    CalibrationBin,
    CalibrationResult,
    ConfusionCounts,
    CurvePoints,
    MetricWithStd,
    ModelQualityStatistics,
    NumOrNaN,
} from "./binary";
export {
    COMPARISON_OPERATORS,
    SUGGESTED_BINARY_CONSTRAINTS,
    checkModelQualityConstraints,
    suggestModelQualityConstraints,
    toViolationsFile,
} from "./constraints";
export type {
    CheckResult,
    ComparisonOperator,
    ConstraintViolationsFile,
    MetricConstraint,
    ModelQualityConstraints,
    ModelQualityViolation,
    SuggestOptions,
    SuggestResult,
} from "./constraints";
export {
    GroundTruthMerger,
    evaluateCaptureAgainstGroundTruth,
    mergeCaptureWithGroundTruth,
    mergeCaptureWithGroundTruthFolders,
    readGroundTruthRecords,
} from "./merge";
export type { CaptureSkipReason, FolderMergeOptions, GroundTruthSkipReason, MergeOptions, MergeReport, MergedRow } from "./merge";
export { modelMetricsEmf } from "./emf";
export type { ModelMetricsEmfResult } from "./emf";
export { runModelQualityMonitor } from "./monitor";
export type { ModelQualityMonitorInput, ModelQualityMonitorResult } from "./monitor";
export { BinaryQualityPartial, MQ_PARTIAL_FORMAT } from "./partial";
export type { BinaryQualityPartialJson, BinaryQualityPartialOptions } from "./partial";
export {
    MQ_MULTICLASS_PARTIAL_FORMAT,
    MQ_REGRESSION_PARTIAL_FORMAT,
    MulticlassQualityPartial,
    multiclassMetricsFromCounts,
    orderLabels,
    RegressionQualityPartial,
} from "./partial-more";
export type { MulticlassMetrics, MulticlassQualityPartialJson, RegressionMetrics, RegressionQualityPartialJson } from "./partial-more";
