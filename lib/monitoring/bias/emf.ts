/**
 * CloudWatch EMF lines for bias metrics as Model Bias Monitor publishes them
 * ("CloudWatch Metrics for Bias Drift Analysis" in the developer guide):
 * namespace aws/sagemaker/Endpoints/bias-metrics (batch transform:
 * aws/sagemaker/ModelMonitoring/bias-metrics), metric name bias_metric_<short
 * name> (e.g. bias_metric_CI), dimensions Endpoint, MonitoringSchedule,
 * BiasStage (Pre-training | Post-Training), Label, LabelValue, Facet,
 * FacetValue. Null values are not published; ±infinity would be published
 * as ±2.348543e108.
 */
import { buildEmfDocuments, type MonitoringDimensions } from "../emf";
import type { BiasMetricsSection, BiasReport } from "./report";

export const BIAS_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/bias-metrics";
export const BATCH_BIAS_METRICS_NAMESPACE = "aws/sagemaker/ModelMonitoring/bias-metrics";
export const BIAS_INFINITY = 2.348543e108;

export interface BiasMetricsEmfResult {
    lines: string[];
    /** "<stage>/<facet>=<value>/<metric>" entries not published (null value). */
    skipped: string[];
}

export function biasMetricsEmf(dims: MonitoringDimensions, report: BiasReport, opts: { timestamp?: Date | number } = {}): BiasMetricsEmfResult {
    if (!dims?.schedule) throw new Error("biasMetricsEmf: dims.schedule (the MonitoringSchedule name) is required; it is a dimension of every bias metric.");
    const lines: string[] = [];
    const skipped: string[] = [];
    const stages: [string, BiasMetricsSection | undefined][] = [
        ["Pre-training", report.pre_training_bias_metrics],
        ["Post-Training", report.post_training_bias_metrics],
    ];
    for (const [stage, sec] of stages) {
        if (!sec) continue;
        for (const [facet, entries] of Object.entries(sec.facets)) {
            for (const e of entries) {
                const metrics: { name: string; value: number }[] = [];
                for (const m of e.metrics) {
                    if (m.value === null || Number.isNaN(m.value)) {
                        skipped.push(`${stage}/${facet}=${e.value_or_threshold}/${m.name}`);
                        continue;
                    }
                    const v = m.value === Infinity ? BIAS_INFINITY : m.value === -Infinity ? -BIAS_INFINITY : m.value;
                    metrics.push({ name: `bias_metric_${m.name}`, value: v });
                }
                if (!metrics.length) continue;
                const dimensions: Record<string, string> = {};
                if (dims.endpoint !== undefined) dimensions.Endpoint = dims.endpoint;
                dimensions.MonitoringSchedule = dims.schedule;
                dimensions.BiasStage = stage;
                dimensions.Label = sec.label;
                dimensions.LabelValue = sec.label_value_or_threshold;
                dimensions.Facet = facet;
                dimensions.FacetValue = e.value_or_threshold;
                const { documents } = buildEmfDocuments({
                    namespace: dims.endpoint !== undefined ? BIAS_METRICS_NAMESPACE : BATCH_BIAS_METRICS_NAMESPACE,
                    dimensions,
                    metrics,
                    timestamp: opts.timestamp,
                });
                for (const d of documents) lines.push(JSON.stringify(d));
            }
        }
    }
    return { lines, skipped };
}
