/**
 * Monitoring-run checks: current statistics vs baseline constraints (+ baseline statistics for drift)
 * → constraint_violations.json, plus per-feature drift rows and the service's CloudWatch metric values.
 *
 * Checks (names as in the service):
 *  - data_type_check: fraction of present values whose type fits the baseline type (Integral ⊂ Fractional ⊂ String)
 *    must be >= datatype_check_threshold;
 *  - completeness_check: current fraction present must be >= the baseline `completeness`;
 *  - categorical_values_check: fraction of present values inside `string_constraints.domains` must be >= domain_content_threshold;
 *  - baseline_drift_check: distance between baseline and current distributions must be <= the threshold:
 *      numeric: L-infinity distance between the KLL CDFs (Simple), minus the two-sample KS margin 1.8·sqrt((n+m)/(nm)) (Robust);
 *      String: LInfinity over category frequencies (same Simple/Robust rule, threshold categorical_comparison_threshold),
 *              or ChiSquared: violation when the goodness-of-fit p-value is below categorical_comparison_threshold;
 *  - missing_column_check / extra_column_check: baseline features absent from / current features absent in the baseline.
 * Per-feature `monitoringConfigOverrides` override the global monitoring_config.
 */
import { KllSketch } from "../sketch/kll";
import { categoricalDrift, numericDriftFromSketches, type CategoricalDrift, type NumericDrift } from "../drift";
import type { FeatureMetricValues } from "../emf";
import { mergeMonitoringConfig } from "./suggest";
import {
    DEFAULT_MONITORING_CONFIG,
    type ConstraintsFile,
    type FeatureStatistics,
    type InferredType,
    type MonitoringConfig,
    type StatisticsFile,
    type Violation,
    type ViolationsFile,
} from "./types";

/** Per-column type counts of the current data (from the profiler). */
export interface ColumnFacts {
    present: number;
    missing: number;
    integral: number;
    fractional: number;
    boolean: number;
    string: number;
}

export interface CheckInput {
    baselineConstraints: ConstraintsFile;
    /** Needed for baseline_drift_check and the drift columns; without it no drift is computed. */
    baselineStatistics?: StatisticsFile;
    currentStatistics: StatisticsFile;
    /** Exact type counts of the current data; without them data_type_check compares inferred types only. */
    currentFacts?: Map<string, ColumnFacts>;
}

export interface FeatureDriftRow {
    feature_name: string;
    inferred_type: InferredType;
    completeness: number;
    /** The distance the baseline_drift_check used (p-value for ChiSquared). */
    baseline_drift?: number;
    drift_method?: string;
    numeric?: NumericDrift;
    categorical?: CategoricalDrift;
}

export interface CheckResult {
    violations: ViolationsFile;
    drift: FeatureDriftRow[];
    metrics: FeatureMetricValues[];
    emitMetrics: boolean;
}

const pct = (x: number): string => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;

function commonOf(f: FeatureStatistics): { num_present: number; num_missing: number } {
    const c = f.numerical_statistics?.common ?? f.string_statistics?.common;
    return c ?? { num_present: 0, num_missing: 0 };
}

function categoricalCounts(f: FeatureStatistics): Map<string, number> | undefined {
    const b = f.string_statistics?.distribution?.categorical?.buckets;
    if (!b) return undefined;
    return new Map(b.map((x) => [String(x.value), Number(x.count)]));
}

function typeMatchFraction(baselineType: InferredType, facts: ColumnFacts): number {
    const present = facts.present;
    if (present === 0) return 1;
    switch (baselineType) {
        case "Integral":
            return facts.integral / present;
        case "Fractional":
            return (facts.integral + facts.fractional) / present;
        default:
            return 1;
    }
}

function factsFromStatistics(f: FeatureStatistics): ColumnFacts {
    const c = commonOf(f);
    const z = { present: c.num_present, missing: c.num_missing, integral: 0, fractional: 0, boolean: 0, string: 0 };
    if (f.inferred_type === "Integral") z.integral = c.num_present;
    else if (f.inferred_type === "Fractional") z.fractional = c.num_present;
    else if (f.inferred_type === "String") z.string = c.num_present;
    return z;
}

export function checkConstraints(input: CheckInput): CheckResult {
    const { baselineConstraints, baselineStatistics, currentStatistics } = input;
    if (!baselineConstraints || !Array.isArray(baselineConstraints.features)) {
        throw new Error('checkConstraints: baseline constraints have no "features" array; pass a constraints.json produced by a baseline job.');
    }
    if (!currentStatistics || !Array.isArray(currentStatistics.features)) {
        throw new Error('checkConstraints: current statistics have no "features" array.');
    }
    const global = mergeMonitoringConfig(mergeMonitoringConfig(DEFAULT_MONITORING_CONFIG, {}), baselineConstraints.monitoring_config);
    const violations: Violation[] = [];
    const drift: FeatureDriftRow[] = [];
    const metrics: FeatureMetricValues[] = [];
    const curByName = new Map(currentStatistics.features.map((f) => [f.name, f]));
    const baseStatsByName = new Map((baselineStatistics?.features ?? []).map((f) => [f.name, f]));
    const baseNames = new Set(baselineConstraints.features.map((f) => f.name));
    const items = currentStatistics.dataset.item_count;
    const globalEnabled = global.evaluate_constraints !== "Disabled";

    const missingCols = baselineConstraints.features.filter((f) => !curByName.has(f.name));
    const extraCols = currentStatistics.features.filter((f) => !baseNames.has(f.name));

    for (const fc of baselineConstraints.features) {
        const cfg: MonitoringConfig = mergeMonitoringConfig(global, fc.monitoringConfigOverrides);
        const enabled = fc.monitoringConfigOverrides?.evaluate_constraints ? fc.monitoringConfigOverrides.evaluate_constraints !== "Disabled" : globalEnabled;
        const cur = curByName.get(fc.name);
        if (!cur) continue;
        const common = commonOf(cur);
        const completeness = items > 0 ? common.num_present / items : 0;
        const row: FeatureDriftRow = { feature_name: fc.name, inferred_type: cur.inferred_type, completeness };
        const metric: FeatureMetricValues = { name: fc.name, nonNull: completeness };

        // data_type_check
        const facts = input.currentFacts?.get(fc.name) ?? factsFromStatistics(cur);
        if (enabled && (fc.inferred_type === "Integral" || fc.inferred_type === "Fractional") && facts.present > 0) {
            const frac = typeMatchFraction(fc.inferred_type, facts);
            const thr = cfg.datatype_check_threshold ?? 1.0;
            if (frac < thr) {
                violations.push({
                    feature_name: fc.name,
                    constraint_check_type: "data_type_check",
                    description: `Data type match requirement is not met. Expected data type: ${fc.inferred_type}, Expected match: ${pct(thr)}. Observed: Only ${pct(frac)} (${frac}) of data is ${fc.inferred_type}.`,
                });
            }
        }

        // completeness_check
        if (enabled && typeof fc.completeness === "number" && completeness < fc.completeness) {
            violations.push({
                feature_name: fc.name,
                constraint_check_type: "completeness_check",
                description: `Data completeness requirement is not met. Expected: ${pct(fc.completeness)} of data present. Observed: Only ${pct(completeness)} (${completeness}) of data is present.`,
            });
        }

        // categorical_values_check
        const domains = fc.string_constraints?.domains;
        const curCounts = categoricalCounts(cur);
        if (enabled && domains && domains.length > 0 && common.num_present > 0) {
            const dom = new Set(domains.map(String));
            let inside = 0;
            if (curCounts) for (const [v, c] of curCounts) if (dom.has(v)) inside += c;
            const frac = inside / common.num_present;
            const thr = cfg.domain_content_threshold ?? 1.0;
            if (frac < thr) {
                violations.push({
                    feature_name: fc.name,
                    constraint_check_type: "categorical_values_check",
                    description: `Data content requirement is not met. Expected: ${pct(thr)} of values within the baseline domain. Observed: Only ${pct(frac)} (${frac}) of values are within the baseline domain.`,
                });
            }
        }

        // baseline_drift_check + drift columns
        const base = baseStatsByName.get(fc.name);
        const dc = cfg.distribution_constraints ?? {};
        if (base) {
            const robust = (dc.comparison_method ?? "Robust") === "Robust";
            const compare = enabled && (dc.perform_comparison ?? "Enabled") !== "Disabled";
            let distance: number | undefined;
            let exceeded = false;
            let thr = 0;
            let how = "";
            const bk = base.numerical_statistics?.distribution?.kll?.sketch;
            const ck = cur.numerical_statistics?.distribution?.kll?.sketch;
            if (bk && ck && commonOf(base).num_present > 0 && common.num_present > 0) {
                const nd = numericDriftFromSketches(KllSketch.fromJSON(bk, `baseline ${fc.name}`), KllSketch.fromJSON(ck, `current ${fc.name}`));
                row.numeric = nd;
                distance = robust ? nd.linf_robust : nd.linf;
                thr = dc.comparison_threshold ?? 0.1;
                exceeded = distance > thr;
                how = robust ? "Robust" : "Simple";
            } else {
                const bc = categoricalCounts(base);
                if (bc && curCounts && bc.size > 0 && curCounts.size > 0) {
                    const cd = categoricalDrift(bc, curCounts);
                    row.categorical = cd;
                    thr = dc.categorical_comparison_threshold ?? 0.1;
                    if ((dc.categorical_drift_method ?? "LInfinity") === "ChiSquared") {
                        distance = cd.chi_square_pvalue;
                        exceeded = distance === distance && distance < thr;
                        how = "ChiSquared";
                    } else {
                        distance = robust ? cd.linf_robust : cd.linf;
                        exceeded = distance > thr;
                        how = robust ? "LInfinity/Robust" : "LInfinity/Simple";
                    }
                }
            }
            if (distance !== undefined) {
                row.baseline_drift = distance;
                row.drift_method = how;
                metric.baselineDrift = distance;
                if (compare && exceeded) {
                    violations.push({
                        feature_name: fc.name,
                        constraint_check_type: "baseline_drift_check",
                        description:
                            how === "ChiSquared"
                                ? `Baseline drift chi-squared p-value: ${distance} is below threshold: ${thr}`
                                : `Baseline drift distance: ${distance} exceeds threshold: ${thr}`,
                    });
                }
            }
        }
        drift.push(row);
        metrics.push(metric);
    }

    if (globalEnabled) {
        const nCur = currentStatistics.features.length;
        const nBase = baselineConstraints.features.length;
        for (const f of missingCols) {
            violations.push({
                feature_name: f.name,
                constraint_check_type: "missing_column_check",
                description: `There are missing columns in current dataset. Number of columns in current dataset: ${nCur}, Number of columns in baseline constraints: ${nBase}`,
            });
        }
        for (const f of extraCols) {
            violations.push({
                feature_name: f.name,
                constraint_check_type: "extra_column_check",
                description: `There are extra columns in current dataset. Number of columns in current dataset: ${nCur}, Number of columns in baseline constraints: ${nBase}`,
            });
        }
    }
    return { violations: { violations }, drift, metrics, emitMetrics: global.emit_metrics !== "Disabled" };
}
