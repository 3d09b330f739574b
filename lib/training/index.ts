/**
 * The training engine's public surface: an XGBoost-compatible hist GBT trainer (binary:logistic) with SageMaker
 * built-in XGBoost hyperparameter names and defaults, its metrics, and model files the XGBoost container can host.
 */
export type { DMatrix, FromRowsOptions } from "./dmatrix";
export { dmatrixFromRows, validateDMatrix, sliceRows } from "./dmatrix";
export type { HyperParameters, HyperParameterInput, EvalMetricName } from "./params";
export { DEFAULT_HYPERPARAMETERS, HyperParameterError, EVAL_METRICS, SUPPORTED_HYPERPARAMETERS, resolveHyperParameters } from "./params";
export { auc, logloss, errorRate, evaluateMetric, metricMaximize } from "./metrics";
export type { HistCuts, BinMatrix } from "./hist";
export { buildHistCuts, buildBinMatrix, searchBin } from "./hist";
export type { TreeModel, XGBoostJsonModel, XGBoostJsonTree, DenseInput } from "./model";
export { Booster, sigmoid, probToMargin } from "./model";
export type { TrainOptions, TrainResult, EvalSet, SplitCandidate, SplitParams } from "./trainer";
export { train, findBestSplit, nodeGain, leafWeight, thresholdL1, logisticGradHess, makeRng } from "./trainer";
export type { TarEntry } from "./artifact";
export { SAGEMAKER_MODEL_FILE, writeTar, readTar, packageModel, writeModelTarGz, loadModelTarGz } from "./artifact";
