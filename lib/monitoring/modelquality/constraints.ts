/**
 * Model-quality constraints (suggest from a baseline statistics file) and the
 * constraint check that produces the service's constraint_violations.json.
 *
 * Constraint file shape (see fixture 04, regression):
 *   { "version": 0.0, "binary_classification_constraints": { "<metric>": { "threshold": x, "comparison_operator": "LessThanThreshold" } } }
 * A metric violates `LessThanThreshold` when its current value is < threshold
 * (the metric got worse for a higher-is-better metric) and
 * `GreaterThanThreshold` when it is > threshold (lower-is-better metric).
 */
import type { BinaryScalarMetric, ModelQualityStatistics, MetricWithStd, NumOrNaN } from "./binary";

export type ComparisonOperator = "LessThanThreshold" | "GreaterThanThreshold" | "LessThanOrEqualToThreshold" | "GreaterThanOrEqualToThreshold";

export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
    "LessThanThreshold",
    "GreaterThanThreshold",
    "LessThanOrEqualToThreshold",
    "GreaterThanOrEqualToThreshold",
];

export interface MetricConstraint {
    threshold: number;
    comparison_operator: ComparisonOperator;
}

export interface ModelQualityConstraints {
    version: number;
    binary_classification_constraints: Partial<Record<BinaryScalarMetric, MetricConstraint>>;
}

export interface ModelQualityViolation {
    constraint_check_type: ComparisonOperator;
    description: string;
    metric_name: string;
}

export interface ConstraintViolationsFile {
    violations: ModelQualityViolation[];
}

/** Metrics the suggester constrains, with the direction in which they get worse. */
export const SUGGESTED_BINARY_CONSTRAINTS: Readonly<Partial<Record<BinaryScalarMetric, ComparisonOperator>>> = {
    recall: "LessThanThreshold",
    precision: "LessThanThreshold",
    accuracy: "LessThanThreshold",
    true_positive_rate: "LessThanThreshold",
    true_negative_rate: "LessThanThreshold",
    false_positive_rate: "GreaterThanThreshold",
    false_negative_rate: "GreaterThanThreshold",
    auc: "LessThanThreshold",
    f0_5: "LessThanThreshold",
    f1: "LessThanThreshold",
    f2: "LessThanThreshold",
};

export interface SuggestOptions {
    /**
     * Loosen each threshold by this many baseline standard deviations in the
     * "allowed" direction (0 = threshold is the baseline value, as the service
     * suggests). Ignored for metrics whose std is "NaN".
     */
    stdMultiplier?: number;
    /** Restrict / extend the metric list (metric -> operator). */
    metrics?: Partial<Record<BinaryScalarMetric, ComparisonOperator>>;
}

const num = (v: NumOrNaN | undefined): number => (typeof v === "number" ? v : NaN);

export interface SuggestResult {
    constraints: ModelQualityConstraints;
    /** Metrics left out because the baseline value was "NaN" or missing. */
    skipped: { metric_name: string; reason: string }[];
}

export function suggestModelQualityConstraints(baseline: ModelQualityStatistics, options: SuggestOptions = {}): SuggestResult {
    const bcm = baseline?.binary_classification_metrics as unknown as Record<string, MetricWithStd> | undefined;
    if (!bcm) {
        throw new Error(
            "suggestModelQualityConstraints: baseline statistics have no binary_classification_metrics; pass the statistics produced by evaluateBinaryClassification (or a Model Monitor binary-classification baseline).",
        );
    }
    const k = options.stdMultiplier ?? 0;
    const metrics = options.metrics ?? SUGGESTED_BINARY_CONSTRAINTS;
    const out: Partial<Record<BinaryScalarMetric, MetricConstraint>> = {};
    const skipped: SuggestResult["skipped"] = [];
    for (const [metric, op] of Object.entries(metrics) as [BinaryScalarMetric, ComparisonOperator][]) {
        const entry = bcm[metric];
        const value = num(entry?.value);
        if (!Number.isFinite(value)) {
            skipped.push({
                metric_name: metric,
                reason: entry ? "baseline value is NaN (undefined on the baseline data)" : "metric missing from baseline statistics",
            });
            continue;
        }
        const std = num(entry.standard_deviation);
        let threshold = value;
        if (k > 0 && Number.isFinite(std)) {
            threshold = op.startsWith("Less") ? value - k * std : value + k * std;
        }
        out[metric] = { threshold, comparison_operator: op };
    }
    return { constraints: { version: 0.0, binary_classification_constraints: out }, skipped };
}

function violates(value: number, op: ComparisonOperator, threshold: number): boolean {
    switch (op) {
        case "LessThanThreshold":
            return value < threshold;
        case "GreaterThanThreshold":
            return value > threshold;
        case "LessThanOrEqualToThreshold":
            return value <= threshold;
        case "GreaterThanOrEqualToThreshold":
            return value >= threshold;
    }
}

export interface CheckResult extends ConstraintViolationsFile {
    /** Constraints that could not be evaluated (metric missing or NaN in the current statistics). */
    skipped: { metric_name: string; reason: string }[];
    /** Number of constraints evaluated. */
    checked: number;
}

/**
 * Checks current statistics against constraints. Write `{violations}` (see
 * toViolationsFile) as constraint_violations.json; `skipped` lists
 * constraints that could not be evaluated so they are never silently passed.
 */
export function checkModelQualityConstraints(statistics: ModelQualityStatistics, constraints: ModelQualityConstraints): CheckResult {
    const bcm = statistics?.binary_classification_metrics as unknown as Record<string, MetricWithStd> | undefined;
    if (!bcm) {
        throw new Error(
            "checkModelQualityConstraints: statistics have no binary_classification_metrics; pass a binary-classification model-quality statistics file.",
        );
    }
    const cons = constraints?.binary_classification_constraints as Record<string, MetricConstraint> | undefined;
    if (!cons) {
        throw new Error(
            "checkModelQualityConstraints: constraints have no binary_classification_constraints; pass a file produced by suggestModelQualityConstraints or the service baseline job.",
        );
    }
    const violations: ModelQualityViolation[] = [];
    const skipped: CheckResult["skipped"] = [];
    let checked = 0;
    for (const [metric, c] of Object.entries(cons)) {
        if (!COMPARISON_OPERATORS.includes(c?.comparison_operator)) {
            throw new Error(
                `checkModelQualityConstraints: constraint "${metric}" has comparison_operator ${JSON.stringify(c?.comparison_operator)}; use one of ${COMPARISON_OPERATORS.join(", ")}.`,
            );
        }
        if (typeof c.threshold !== "number" || !Number.isFinite(c.threshold)) {
            throw new Error(
                `checkModelQualityConstraints: constraint "${metric}" has threshold ${JSON.stringify(c.threshold)}; thresholds must be finite numbers.`,
            );
        }
        const entry = bcm[metric];
        const value = num(entry?.value);
        if (!entry) {
            skipped.push({ metric_name: metric, reason: "metric missing from current statistics" });
            continue;
        }
        if (!Number.isFinite(value)) {
            skipped.push({ metric_name: metric, reason: "current value is NaN (undefined on this data, e.g. no positive labels)" });
            continue;
        }
        checked++;
        if (violates(value, c.comparison_operator, c.threshold)) {
            const std = entry.standard_deviation;
            violations.push({
                constraint_check_type: c.comparison_operator,
                description: `Metric ${metric} with ${value} +/- ${std} was ${c.comparison_operator} '${c.threshold}'`,
                metric_name: metric,
            });
        }
    }
    return { violations, skipped, checked };
}

export function toViolationsFile(result: ConstraintViolationsFile): ConstraintViolationsFile {
    return { violations: result.violations };
}
