/** File formats of Model Monitor data quality: statistics.json, constraints.json, constraint_violations.json. */
import type { KllBucket, KllSketchJson } from "../sketch/kll";

export type InferredType = "Integral" | "Fractional" | "String" | "Unknown";

export interface CommonStatistics {
    num_present: number;
    num_missing: number;
}

export interface NumericalStatistics {
    common: CommonStatistics;
    mean: number;
    sum: number;
    std_dev: number;
    min: number;
    max: number;
    distribution: { kll: { buckets: KllBucket[]; sketch: KllSketchJson } };
}

export interface CategoricalBucket {
    value: string;
    count: number;
}

export interface StringStatistics {
    common: CommonStatistics;
    distinct_count: number;
    distribution?: { categorical: { buckets: CategoricalBucket[] } };
}

export interface FeatureStatistics {
    name: string;
    inferred_type: InferredType;
    numerical_statistics?: NumericalStatistics;
    string_statistics?: StringStatistics;
}

export interface StatisticsFile {
    version: number;
    dataset: { item_count: number };
    features: FeatureStatistics[];
}

export type EnabledDisabled = "Enabled" | "Disabled";
export type ComparisonMethod = "Simple" | "Robust";
export type CategoricalDriftMethod = "LInfinity" | "ChiSquared";

export interface DistributionConstraints {
    perform_comparison?: EnabledDisabled;
    comparison_threshold?: number;
    comparison_method?: ComparisonMethod;
    categorical_comparison_threshold?: number;
    categorical_drift_method?: CategoricalDriftMethod;
}

export interface MonitoringConfig {
    evaluate_constraints?: EnabledDisabled;
    emit_metrics?: EnabledDisabled;
    datatype_check_threshold?: number;
    domain_content_threshold?: number;
    distribution_constraints?: DistributionConstraints;
}

export interface FeatureConstraints {
    name: string;
    inferred_type: InferredType;
    completeness?: number;
    num_constraints?: { is_non_negative?: boolean };
    string_constraints?: { domains?: string[] };
    /** Per-feature override of the global monitoring_config. */
    monitoringConfigOverrides?: MonitoringConfig;
}

export interface ConstraintsFile {
    version: number;
    features: FeatureConstraints[];
    monitoring_config?: MonitoringConfig;
}

export type ConstraintCheckType =
    "data_type_check" | "completeness_check" | "baseline_drift_check" | "missing_column_check" | "extra_column_check" | "categorical_values_check";

export interface Violation {
    feature_name: string;
    constraint_check_type: ConstraintCheckType;
    description: string;
}

export interface ViolationsFile {
    violations: Violation[];
}

/** Defaults the service documents for monitoring_config. */
export const DEFAULT_MONITORING_CONFIG: Required<Omit<MonitoringConfig, "distribution_constraints">> & {
    distribution_constraints: Required<DistributionConstraints>;
} = {
    evaluate_constraints: "Enabled",
    emit_metrics: "Enabled",
    datatype_check_threshold: 1.0,
    domain_content_threshold: 1.0,
    distribution_constraints: {
        perform_comparison: "Enabled",
        comparison_threshold: 0.1,
        comparison_method: "Robust",
        categorical_comparison_threshold: 0.1,
        categorical_drift_method: "LInfinity",
    },
};
