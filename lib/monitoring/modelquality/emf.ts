/**
 * CloudWatch EMF lines for model-quality metrics, using the shared builder in
 * ../emf.ts (namespace aws/sagemaker/Endpoints/model-metrics, dimensions
 * Endpoint + MonitoringSchedule; batch-transform monitoring uses the
 * aws/sagemaker/ModelMonitoring/model-metrics namespace with MonitoringSchedule only).
 */
import { buildEmfDocuments, BATCH_MODEL_METRICS_NAMESPACE, MODEL_METRICS_NAMESPACE, type MonitoringDimensions } from "../emf";
import { BINARY_SCALAR_METRICS, type BinaryScalarMetric, type ModelQualityStatistics } from "./binary";

export interface ModelMetricsEmfResult {
    lines: string[];
    /** Metrics not published because their value is NaN / not a number (CloudWatch rejects them). */
    skipped: string[];
}

/**
 * EMF lines for the scalar binary-classification metrics of a statistics
 * file (auc, f1, accuracy, precision, recall, ...). `metrics` restricts the
 * list; by default every scalar metric is emitted.
 */
export function modelMetricsEmf(
    dims: MonitoringDimensions,
    statistics: ModelQualityStatistics,
    opts: { metrics?: readonly BinaryScalarMetric[]; timestamp?: Date | number } = {},
): ModelMetricsEmfResult {
    const bcm = statistics?.binary_classification_metrics as unknown as Record<string, { value: number | string }> | undefined;
    if (!bcm) {
        throw new Error("modelMetricsEmf: statistics have no binary_classification_metrics; pass the output of evaluateBinaryClassification.");
    }
    if (!dims?.schedule) {
        throw new Error("modelMetricsEmf: dims.schedule (the MonitoringSchedule name) is required; it is a dimension of every model metric.");
    }
    const names = opts.metrics ?? BINARY_SCALAR_METRICS;
    const metrics = names.map((name) => {
        const v = bcm[name]?.value;
        return { name, value: typeof v === "number" ? v : NaN };
    });
    const dimensions: Record<string, string> =
        dims.endpoint !== undefined ? { Endpoint: dims.endpoint, MonitoringSchedule: dims.schedule } : { MonitoringSchedule: dims.schedule };
    const { documents, skipped } = buildEmfDocuments({
        namespace: dims.endpoint !== undefined ? MODEL_METRICS_NAMESPACE : BATCH_MODEL_METRICS_NAMESPACE,
        dimensions,
        metrics,
        timestamp: opts.timestamp,
    });
    return { lines: documents.map((d) => JSON.stringify(d)), skipped };
}
