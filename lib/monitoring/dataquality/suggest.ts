/**
 * Constraint suggestion (baseline step): statistics.json → constraints.json, following the service:
 *  - every feature: name, inferred_type, completeness (fraction present in the baseline);
 *  - numeric features: num_constraints.is_non_negative (min >= 0);
 *  - low-cardinality String features: string_constraints.domains (all observed values, most frequent first),
 *    with Deequ's CategoricalRangeRule: a histogram exists (distinct count <= 120, Deequ's low-cardinality
 *    histogram threshold, counted exactly) and at most 10% of the distinct values occur only once;
 *  - monitoring_config with the service defaults (overridable).
 */
import { DEFAULT_MONITORING_CONFIG, type ConstraintsFile, type FeatureConstraints, type MonitoringConfig, type StatisticsFile } from "./types";

export interface SuggestOptions {
    monitoringConfig?: MonitoringConfig;
    /** Largest distinct count for which a domain constraint is suggested (default 120, as Deequ). */
    maxDomainValues?: number;
    /** Largest fraction of distinct values seen exactly once (default 0.1, as Deequ's CategoricalRangeRule). */
    maxSingletonRatio?: number;
}

export function mergeMonitoringConfig(base: MonitoringConfig, override?: MonitoringConfig): MonitoringConfig {
    if (!override) return { ...base, distribution_constraints: { ...base.distribution_constraints } };
    return {
        ...base,
        ...override,
        distribution_constraints: { ...base.distribution_constraints, ...override.distribution_constraints },
    };
}

export function suggestConstraints(stats: StatisticsFile, opts: SuggestOptions = {}): ConstraintsFile {
    const maxDomain = opts.maxDomainValues ?? 120;
    const maxSingletons = opts.maxSingletonRatio ?? 0.1;
    const items = stats.dataset.item_count;
    const features: FeatureConstraints[] = stats.features.map((f) => {
        const common = f.numerical_statistics?.common ?? f.string_statistics?.common;
        const present = common?.num_present ?? 0;
        const total = items > 0 ? items : present + (common?.num_missing ?? 0);
        const fc: FeatureConstraints = {
            name: f.name,
            inferred_type: f.inferred_type,
            completeness: total > 0 ? present / total : 0,
        };
        if (f.numerical_statistics) {
            fc.num_constraints = { is_non_negative: f.numerical_statistics.min >= 0 };
        } else if (f.inferred_type === "String" && f.string_statistics?.distribution) {
            const buckets = f.string_statistics.distribution.categorical.buckets;
            const distinct = f.string_statistics.distinct_count;
            const exact = buckets.length === distinct && buckets.reduce((s, b) => s + b.count, 0) === present;
            const singletons = buckets.filter((b) => b.count === 1).length;
            if (exact && distinct > 0 && distinct <= maxDomain && singletons / distinct <= maxSingletons) {
                fc.string_constraints = { domains: buckets.map((b) => b.value) };
            }
        }
        return fc;
    });
    return {
        version: 0.0,
        features,
        monitoring_config: mergeMonitoringConfig(DEFAULT_MONITORING_CONFIG, opts.monitoringConfig),
    };
}
