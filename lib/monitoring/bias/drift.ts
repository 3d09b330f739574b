/**
 * Bias drift: compare a current bias report with a baseline report, metric by
 * metric and facet by facet, and turn breaches into violations in the Model
 * Bias Monitor's constraint_violations.json format:
 *   {"version":"1.0","violations":[{"facet":"sex","facet_value":"Female","metric_name":"DPPL",
 *     "constraint_check_type":"bias_drift_check","description":"..."}]}
 *
 * Two kinds of rule, combined per metric into one violation:
 * - the service rule ("Bias Drift Violations" page of the developer guide):
 *   a metric is violated when its current value is farther from the balanced
 *   value than the baseline value (baseline DPPL 0.2: current 0.1 is fine,
 *   -0.3 is a violation). The balanced value is 0 for every metric except DI,
 *   for which we use 1 (DI is a ratio; the docs only speak of "close to zero");
 * - optional explicit thresholds per metric (absolute level, allowed range,
 *   maximum change from baseline).
 */
import type { BiasMetricsSection, BiasReport } from "./report";

export interface BiasMetricThreshold {
    /** Violation when |current value| exceeds this (absolute bias level). */
    maxAbs?: number;
    /** Violation when the value leaves [min, max] (e.g. DI outside [0.8, 1.25]). */
    range?: [number, number];
    /** Violation when |current - baseline| exceeds this (drift from baseline). */
    maxAbsChange?: number;
}

export interface BiasDriftViolation {
    facet: string;
    facet_value: string;
    metric_name: string;
    constraint_check_type: "bias_drift_check";
    description: string;
}

export interface BiasMetricChange {
    stage: "pre_training" | "post_training";
    facet: string;
    facet_value: string;
    metric_name: string;
    baseline: number | null;
    current: number | null;
    delta: number | null;
}

export interface BiasDriftOptions {
    /** Explicit thresholds per metric short name (e.g. {DI: {range: [0.8, 1.25]}}). */
    thresholds?: Record<string, BiasMetricThreshold>;
    /** Apply the service rule (current farther from balance than baseline). Default true. */
    baselineRule?: boolean;
    /** Balanced value per metric for the service rule. Default 0, and 1 for DI. */
    balancedValue?: Record<string, number>;
}

export interface BiasDriftResult {
    version: "1.0";
    violations: BiasDriftViolation[];
    changes: BiasMetricChange[];
    /** Thresholds that could not be evaluated (metric null / missing), with the reason. */
    skipped: { facet: string; facet_value: string; metric_name: string; reason: string }[];
}

type Sections = { stage: "pre_training" | "post_training"; base?: BiasMetricsSection; cur?: BiasMetricsSection }[];

export function checkBiasDrift(baseline: BiasReport, current: BiasReport, options: BiasDriftOptions = {}): BiasDriftResult {
    const thresholds = options.thresholds ?? {};
    const baselineRule = options.baselineRule ?? true;
    const balanced = (m: string) => options.balancedValue?.[m] ?? (m === "DI" ? 1 : 0);
    for (const [m, t] of Object.entries(thresholds)) {
        if (t.range && !(t.range[0] <= t.range[1])) {
            throw new Error(`checkBiasDrift: threshold for ${m} has range [${t.range[0]}, ${t.range[1]}] with min > max; swap the bounds.`);
        }
        for (const k of ["maxAbs", "maxAbsChange"] as const) {
            const v = t[k];
            if (v !== undefined && !(v >= 0)) throw new Error(`checkBiasDrift: threshold ${k} for ${m} is ${v}; use a non-negative number.`);
        }
    }
    const out: BiasDriftResult = { version: "1.0", violations: [], changes: [], skipped: [] };
    const sections: Sections = [
        { stage: "pre_training", base: baseline.pre_training_bias_metrics, cur: current.pre_training_bias_metrics },
        { stage: "post_training", base: baseline.post_training_bias_metrics, cur: current.post_training_bias_metrics },
    ];
    const fmt = (x: number) => Number(x.toPrecision(6));
    for (const { stage, base, cur } of sections) {
        if (!cur) continue;
        for (const [facet, entries] of Object.entries(cur.facets)) {
            for (const e of entries) {
                const baseEntry = base?.facets[facet]?.find((b) => b.value_or_threshold === e.value_or_threshold);
                for (const m of e.metrics) {
                    const b = baseEntry?.metrics.find((x) => x.name === m.name);
                    const bv = b?.value ?? null;
                    const cv = m.value;
                    out.changes.push({
                        stage,
                        facet,
                        facet_value: e.value_or_threshold,
                        metric_name: m.name,
                        baseline: bv,
                        current: cv,
                        delta: bv !== null && cv !== null ? cv - bv : null,
                    });
                    const t = thresholds[m.name];
                    if (!t && !baselineRule) continue;
                    const where = { facet, facet_value: e.value_or_threshold, metric_name: m.name };
                    if (cv === null) {
                        out.skipped.push({ ...where, reason: `current value is null: ${m.error ?? "not computed"}` });
                        continue;
                    }
                    const problems: string[] = [];
                    if (baselineRule) {
                        if (bv === null) {
                            if (!t)
                                out.skipped.push({
                                    ...where,
                                    reason: b ? `baseline value is null: ${b.error ?? "not computed"}` : "metric not in baseline report",
                                });
                        } else {
                            const ideal = balanced(m.name);
                            if (Math.abs(cv - ideal) > Math.abs(bv - ideal)) problems.push(`farther from ${ideal} than the baseline value ${fmt(bv)}`);
                        }
                    }
                    if (!t) {
                        if (problems.length) {
                            out.violations.push({
                                ...where,
                                constraint_check_type: "bias_drift_check",
                                description: `Value ${fmt(cv)} does not meet the constraint requirement: ${problems.join("; ")}`,
                            });
                        }
                        continue;
                    }
                    if (t.maxAbs !== undefined && Math.abs(cv) > t.maxAbs) problems.push(`|value| exceeds ${t.maxAbs}`);
                    if (t.range && (cv < t.range[0] || cv > t.range[1])) problems.push(`value is outside [${t.range[0]}, ${t.range[1]}]`);
                    if (t.maxAbsChange !== undefined) {
                        if (bv === null)
                            out.skipped.push({
                                ...where,
                                reason: b ? `baseline value is null: ${b.error ?? "not computed"}` : "metric not in baseline report",
                            });
                        else if (Math.abs(cv - bv) > t.maxAbsChange)
                            problems.push(`changed by ${fmt(cv - bv)} from baseline ${fmt(bv)} (allowed ±${t.maxAbsChange})`);
                    }
                    if (problems.length) {
                        out.violations.push({
                            ...where,
                            constraint_check_type: "bias_drift_check",
                            description: `Value ${fmt(cv)} does not meet the constraint requirement: ${problems.join("; ")}`,
                        });
                    }
                }
            }
        }
    }
    return out;
}

/** The constraint_violations.json document (version + violations only). */
export function toBiasViolationsFile(r: BiasDriftResult): { version: "1.0"; violations: BiasDriftViolation[] } {
    return { version: "1.0", violations: r.violations };
}
