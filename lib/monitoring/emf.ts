/**
 * CloudWatch Embedded Metric Format (EMF) lines, and the metric names / namespaces the
 * SageMaker Model Monitor service publishes, so dashboards and alarms built for the service keep working.
 *
 * An EMF line is one JSON object:
 *   {"_aws":{"Timestamp":<ms>,"CloudWatchMetrics":[{"Namespace":"..","Dimensions":[["Endpoint","MonitoringSchedule"]],
 *     "Metrics":[{"Name":"feature_baseline_drift_age","Unit":"None"}]}]},
 *    "Endpoint":"my-ep","MonitoringSchedule":"my-schedule","feature_baseline_drift_age":0.12}
 */

import {
    BATCH_DATA_METRICS_NAMESPACE,
    BATCH_MODEL_METRICS_NAMESPACE,
    DATA_METRICS_NAMESPACE,
    featureBaselineDriftMetric,
    featureNonNullMetric,
    MODEL_METRICS_NAMESPACE,
} from "../../contracts/metrics";

// The service's namespaces and metric names are defined once in contracts/metrics.ts (the components alarm on them).
export {
    BATCH_DATA_METRICS_NAMESPACE,
    BATCH_MODEL_METRICS_NAMESPACE,
    DATA_METRICS_NAMESPACE,
    featureBaselineDriftMetric,
    featureNonNullMetric,
    MODEL_METRICS_NAMESPACE,
};

/** CloudWatch limit: at most 100 metrics per metric directive. */
export const EMF_MAX_METRICS_PER_LINE = 100;

export type EmfUnit =
    "None" | "Count" | "Percent" | "Seconds" | "Milliseconds" | "Microseconds" | "Bytes" | "Kilobytes" | "Megabytes" | "Count/Second" | "Bytes/Second";

export interface EmfMetric {
    name: string;
    value: number;
    unit?: EmfUnit;
}

export interface EmfLineOptions {
    namespace: string;
    /** Dimension name → value; all become one dimension set, in insertion order. */
    dimensions: Record<string, string>;
    metrics: EmfMetric[];
    /** Default: now. */
    timestamp?: Date | number;
    /** Extra, non-metric properties (searchable in Logs Insights). Must not collide with metric/dimension names. */
    properties?: Record<string, string | number | boolean>;
}

export interface EmfDirective {
    Namespace: string;
    Dimensions: string[][];
    Metrics: { Name: string; Unit: EmfUnit }[];
}

export interface EmfDocument {
    _aws: { Timestamp: number; CloudWatchMetrics: EmfDirective[] };
    [key: string]: unknown;
}

const NAME_MAX = 255;

function checkName(kind: string, name: string): void {
    if (!name || name.length > NAME_MAX) {
        throw new Error(`EMF ${kind} name "${name}" must be 1..${NAME_MAX} characters; shorten or rename it.`);
    }
}

/**
 * Build EMF documents. Non-finite values (NaN, ±Infinity) cannot be published to CloudWatch and are
 * left out (listed in `skipped`); more than 100 metrics are split into several documents.
 */
export function buildEmfDocuments(o: EmfLineOptions): { documents: EmfDocument[]; skipped: string[] } {
    const ts = o.timestamp === undefined ? Date.now() : typeof o.timestamp === "number" ? o.timestamp : o.timestamp.getTime();
    if (!Number.isFinite(ts)) throw new Error(`EMF timestamp ${String(o.timestamp)} is not a valid time; pass a Date or epoch milliseconds.`);
    const dimNames = Object.keys(o.dimensions);
    if (dimNames.length > 30) throw new Error(`EMF allows at most 30 dimensions, got ${dimNames.length}.`);
    for (const d of dimNames) {
        checkName("dimension", d);
        if (typeof o.dimensions[d] !== "string" || o.dimensions[d] === "") {
            throw new Error(`EMF dimension "${d}" has an empty value; pass a non-empty string (e.g. the endpoint name).`);
        }
    }
    const seen = new Set<string>();
    const skipped: string[] = [];
    const good: EmfMetric[] = [];
    for (const m of o.metrics) {
        checkName("metric", m.name);
        if (seen.has(m.name)) throw new Error(`EMF metric "${m.name}" given twice; metric names must be unique per line.`);
        if (dimNames.includes(m.name)) throw new Error(`EMF metric "${m.name}" collides with a dimension name; rename one.`);
        seen.add(m.name);
        if (!Number.isFinite(m.value)) skipped.push(m.name);
        else good.push(m);
    }
    const documents: EmfDocument[] = [];
    for (let i = 0; i < good.length; i += EMF_MAX_METRICS_PER_LINE) {
        const chunk = good.slice(i, i + EMF_MAX_METRICS_PER_LINE);
        const doc: EmfDocument = {
            _aws: {
                Timestamp: ts,
                CloudWatchMetrics: [
                    {
                        Namespace: o.namespace,
                        Dimensions: [dimNames],
                        Metrics: chunk.map((m) => ({ Name: m.name, Unit: m.unit ?? "None" })),
                    },
                ],
            },
        };
        for (const d of dimNames) doc[d] = o.dimensions[d];
        for (const [k, v] of Object.entries(o.properties ?? {})) {
            if (k in doc) throw new Error(`EMF property "${k}" collides with a dimension or metric name; rename it.`);
            doc[k] = v;
        }
        for (const m of chunk) doc[m.name] = m.value;
        documents.push(doc);
    }
    return { documents, skipped };
}

/** EMF lines (JSON strings, no newline) for the given metrics. */
export function buildEmfLines(o: EmfLineOptions): string[] {
    return buildEmfDocuments(o).documents.map((d) => JSON.stringify(d));
}

// ---- service names ---------------------------------------------------------------------------

export interface MonitoringDimensions {
    endpoint?: string;
    schedule: string;
}

function serviceDimensions(d: MonitoringDimensions): Record<string, string> {
    return d.endpoint !== undefined ? { Endpoint: d.endpoint, MonitoringSchedule: d.schedule } : { MonitoringSchedule: d.schedule };
}

export interface FeatureMetricValues {
    name: string;
    /** Distribution distance to the baseline (what the service emits as feature_baseline_drift_<f>). */
    baselineDrift?: number;
    /** Completeness, fraction of non-null values (feature_non_null_<f>). */
    nonNull?: number;
}

/** Data-quality metric lines as the service emits them (namespace data-metrics, Endpoint + MonitoringSchedule). */
export function dataQualityEmfLines(dims: MonitoringDimensions, features: FeatureMetricValues[], timestamp?: Date | number): string[] {
    const metrics: EmfMetric[] = [];
    for (const f of features) {
        if (f.baselineDrift !== undefined) metrics.push({ name: featureBaselineDriftMetric(f.name), value: f.baselineDrift });
        if (f.nonNull !== undefined) metrics.push({ name: featureNonNullMetric(f.name), value: f.nonNull });
    }
    return buildEmfLines({
        namespace: dims.endpoint !== undefined ? DATA_METRICS_NAMESPACE : BATCH_DATA_METRICS_NAMESPACE,
        dimensions: serviceDimensions(dims),
        metrics,
        timestamp,
    });
}

/** Model-quality metric lines (namespace model-metrics): e.g. {mae: 0.3, rmse: 0.5} or {accuracy: 0.9}. */
export function modelQualityEmfLines(dims: MonitoringDimensions, values: Record<string, number>, timestamp?: Date | number): string[] {
    return buildEmfLines({
        namespace: dims.endpoint !== undefined ? MODEL_METRICS_NAMESPACE : BATCH_MODEL_METRICS_NAMESPACE,
        dimensions: serviceDimensions(dims),
        metrics: Object.entries(values).map(([name, value]) => ({ name, value })),
        timestamp,
    });
}
