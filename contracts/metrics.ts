/**
 * CloudWatch metric names and namespaces that more than one layer spells: the engines emit or read them (lib/serving
 * telemetry, lib/monitoring EMF, lib/optimize), the components alarm and chart on them (components/observability.ts,
 * components/monitor-schedule.ts). They are AWS's own names, so that dashboards and alarms built for SageMaker keep working
 * on the platform's local emulation and serverless monitor. This module imports nothing.
 */

/** Endpoint invocation metrics (dimensions EndpointName, VariantName): "Amazon SageMaker AI metrics in Amazon CloudWatch", https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html */
export const SAGEMAKER_NAMESPACE = "AWS/SageMaker";
/** Endpoint instance metrics (CPUUtilization, MemoryUtilization, DiskUtilization ...), same page. */
export const ENDPOINT_INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints";

/** Names of the endpoint invocation metrics in SAGEMAKER_NAMESPACE (latencies in microseconds). */
export const INVOCATION_METRICS = {
    invocations: "Invocations",
    errors4xx: "Invocation4XXErrors",
    errors5xx: "Invocation5XXErrors",
    modelLatency: "ModelLatency",
    overheadLatency: "OverheadLatency",
} as const;

/**
 * Model Monitor's data-quality and model-quality namespaces for real-time endpoints (dimensions Endpoint,
 * MonitoringSchedule) and batch transform (MonitoringSchedule only): Model Monitor's "CloudWatch Metrics",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-interpreting-cloudwatch.html
 */
export const DATA_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics";
export const MODEL_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics";
export const BATCH_DATA_METRICS_NAMESPACE = "aws/sagemaker/ModelMonitoring/data-metrics";
export const BATCH_MODEL_METRICS_NAMESPACE = "aws/sagemaker/ModelMonitoring/model-metrics";

/** Prefix of the per-feature drift metric; `SEARCH(... MetricName="feature_baseline_drift_" ...)` finds them all. */
export const FEATURE_BASELINE_DRIFT_PREFIX = "feature_baseline_drift_";
/** Distribution distance of a feature to its baseline, as Model Monitor publishes it. */
export const featureBaselineDriftMetric = (feature: string): string => `${FEATURE_BASELINE_DRIFT_PREFIX}${feature}`;
/** Completeness (non-null share) of a feature, as Model Monitor publishes it. */
export const featureNonNullMetric = (feature: string): string => `feature_non_null_${feature}`;
