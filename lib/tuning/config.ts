/**
 * Tuning-job configuration, shaped exactly like SageMaker's
 * `HyperParameterTuningJobConfig` (CreateHyperParameterTuningJob API), with the
 * API's string-typed values ("0.01", "10").
 */
import { EVAL_METRICS, SUPPORTED_HYPERPARAMETERS } from "../training/params";

export type ScalingType = "Auto" | "Linear" | "Logarithmic" | "ReverseLogarithmic";

export interface ContinuousParameterRange {
    Name: string;
    MinValue: string;
    MaxValue: string;
    ScalingType?: ScalingType;
}
export interface IntegerParameterRange {
    Name: string;
    MinValue: string;
    MaxValue: string;
    ScalingType?: ScalingType;
}
export interface CategoricalParameterRange {
    Name: string;
    Values: string[];
}
export interface ParameterRanges {
    ContinuousParameterRanges?: ContinuousParameterRange[];
    IntegerParameterRanges?: IntegerParameterRange[];
    CategoricalParameterRanges?: CategoricalParameterRange[];
}
export interface HyperParameterTuningJobObjective {
    Type: "Maximize" | "Minimize";
    MetricName: string;
}
export interface ResourceLimits {
    MaxNumberOfTrainingJobs: number;
    MaxParallelTrainingJobs: number;
}
export interface HyperParameterTuningJobConfig {
    Strategy: "Bayesian" | "Random";
    HyperParameterTuningJobObjective: HyperParameterTuningJobObjective;
    ResourceLimits: ResourceLimits;
    ParameterRanges: ParameterRanges;
    TrainingJobEarlyStoppingType?: "Off" | "Auto";
}

export class TuningConfigError extends Error {
    constructor(
        public readonly field: string,
        message: string,
    ) {
        super(message);
        this.name = "TuningConfigError";
    }
}

/** One dimension of the search space in normalised form. */
export type Dimension =
    | { kind: "continuous"; name: string; min: number; max: number; scaling: "Linear" | "Logarithmic" | "ReverseLogarithmic" }
    | { kind: "integer"; name: string; min: number; max: number; scaling: "Linear" | "Logarithmic" }
    | { kind: "categorical"; name: string; values: string[] };

/** Metric the objective refers to, split from "validation:auc". */
export interface ObjectiveSpec {
    channel: string;
    metric: "auc" | "logloss" | "error";
    maximize: boolean;
    metricName: string;
}

export const MAX_TUNED_PARAMETERS = 30;

function parseNum(field: string, name: string, raw: unknown, integer: boolean): number {
    const v = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) {
        throw new TuningConfigError(
            field,
            `${field} of parameter "${name}" is ${JSON.stringify(raw)}; it must be ${integer ? "an integer" : "a number"} given as a string, e.g. "${integer ? "3" : "0.1"}".`,
        );
    }
    return v;
}

function resolveScaling(
    name: string,
    scaling: ScalingType | undefined,
    min: number,
    max: number,
    integer: boolean,
): "Linear" | "Logarithmic" | "ReverseLogarithmic" {
    const s = scaling ?? "Auto";
    if (!["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"].includes(s)) {
        throw new TuningConfigError(
            "ScalingType",
            `ScalingType of parameter "${name}" is ${JSON.stringify(s)}; allowed values are Auto, Linear, Logarithmic, ReverseLogarithmic.`,
        );
    }
    if (s === "Logarithmic" && !(min > 0)) {
        throw new TuningConfigError(
            "ScalingType",
            `Parameter "${name}" uses Logarithmic scaling but MinValue is ${min}; logarithmic scaling needs MinValue > 0 — raise MinValue or use Linear.`,
        );
    }
    if (s === "ReverseLogarithmic") {
        if (integer) {
            throw new TuningConfigError(
                "ScalingType",
                `Integer parameter "${name}" cannot use ReverseLogarithmic scaling; it is only valid for continuous ranges within [0, 1). Use Linear or Logarithmic.`,
            );
        }
        if (!(min >= 0 && max < 1)) {
            throw new TuningConfigError(
                "ScalingType",
                `Parameter "${name}" uses ReverseLogarithmic scaling but its range is [${min}, ${max}]; reverse-logarithmic scaling needs 0 <= MinValue and MaxValue < 1.`,
            );
        }
    }
    // Auto: we pick Linear (deterministic, documented); choose Logarithmic explicitly for rate-like parameters.
    return s === "Auto" ? "Linear" : s;
}

/** Validate the config against the trainer's hyperparameters; returns the search space and objective. */
export function validateTuningConfig(
    cfg: HyperParameterTuningJobConfig,
    staticHyperParameters: Record<string, string | number> = {},
): { dimensions: Dimension[]; objective: ObjectiveSpec } {
    if (!cfg || typeof cfg !== "object")
        throw new TuningConfigError("HyperParameterTuningJobConfig", "HyperParameterTuningJobConfig is missing; pass an object shaped like the SageMaker API.");
    if (cfg.Strategy !== "Bayesian" && cfg.Strategy !== "Random") {
        throw new TuningConfigError("Strategy", `Strategy is ${JSON.stringify(cfg.Strategy)}; supported strategies are "Bayesian" and "Random".`);
    }
    const o = cfg.HyperParameterTuningJobObjective;
    if (!o || (o.Type !== "Maximize" && o.Type !== "Minimize")) {
        throw new TuningConfigError(
            "HyperParameterTuningJobObjective.Type",
            `HyperParameterTuningJobObjective.Type is ${JSON.stringify(o?.Type)}; it must be "Maximize" or "Minimize".`,
        );
    }
    const m = /^(\w+):(\w+)$/.exec(o.MetricName ?? "");
    if (!m || !(EVAL_METRICS as readonly string[]).includes(m[2])) {
        throw new TuningConfigError(
            "HyperParameterTuningJobObjective.MetricName",
            `HyperParameterTuningJobObjective.MetricName is ${JSON.stringify(o.MetricName)}; use "<channel>:<metric>" with channel "validation" or "train" and metric one of ${EVAL_METRICS.join(", ")}, e.g. "validation:auc".`,
        );
    }
    if (m[1] !== "validation" && m[1] !== "train") {
        throw new TuningConfigError("HyperParameterTuningJobObjective.MetricName", `Objective channel "${m[1]}" is unknown; use "validation" or "train".`);
    }
    const rl = cfg.ResourceLimits;
    for (const k of ["MaxNumberOfTrainingJobs", "MaxParallelTrainingJobs"] as const) {
        const v = rl?.[k];
        if (!Number.isInteger(v) || (v as number) < 1) {
            throw new TuningConfigError(`ResourceLimits.${k}`, `ResourceLimits.${k} is ${JSON.stringify(v)}; it must be an integer >= 1.`);
        }
    }
    const es = cfg.TrainingJobEarlyStoppingType ?? "Off";
    if (es !== "Off" && es !== "Auto") {
        throw new TuningConfigError("TrainingJobEarlyStoppingType", `TrainingJobEarlyStoppingType is ${JSON.stringify(es)}; it must be "Off" or "Auto".`);
    }
    const pr = cfg.ParameterRanges ?? {};
    const dims: Dimension[] = [];
    const seen = new Set<string>();
    const checkName = (name: string) => {
        if (typeof name !== "string" || !SUPPORTED_HYPERPARAMETERS.includes(name) || ["eval_metric", "objective", "tree_method"].includes(name)) {
            throw new TuningConfigError(
                "ParameterRanges.Name",
                `Parameter range name ${JSON.stringify(name)} is not a tunable hyperparameter; tunable names are ${SUPPORTED_HYPERPARAMETERS.filter((n) => !["eval_metric", "objective", "tree_method"].includes(n)).join(", ")}.`,
            );
        }
        if (seen.has(name))
            throw new TuningConfigError(
                "ParameterRanges.Name",
                `Parameter "${name}" appears in more than one range; give each hyperparameter exactly one range.`,
            );
        if (name in staticHyperParameters)
            throw new TuningConfigError("ParameterRanges.Name", `Parameter "${name}" is both tuned and static; remove it from StaticHyperParameters.`);
        seen.add(name);
    };
    for (const r of pr.ContinuousParameterRanges ?? []) {
        checkName(r.Name);
        const min = parseNum("MinValue", r.Name, r.MinValue, false);
        const max = parseNum("MaxValue", r.Name, r.MaxValue, false);
        if (!(min < max))
            throw new TuningConfigError("MinValue", `Parameter "${r.Name}" has MinValue ${min} >= MaxValue ${max}; MinValue must be smaller than MaxValue.`);
        dims.push({ kind: "continuous", name: r.Name, min, max, scaling: resolveScaling(r.Name, r.ScalingType, min, max, false) });
    }
    for (const r of pr.IntegerParameterRanges ?? []) {
        checkName(r.Name);
        const min = parseNum("MinValue", r.Name, r.MinValue, true);
        const max = parseNum("MaxValue", r.Name, r.MaxValue, true);
        if (!(min <= max))
            throw new TuningConfigError("MinValue", `Parameter "${r.Name}" has MinValue ${min} > MaxValue ${max}; MinValue must not exceed MaxValue.`);
        dims.push({ kind: "integer", name: r.Name, min, max, scaling: resolveScaling(r.Name, r.ScalingType, min, max, true) as "Linear" | "Logarithmic" });
    }
    for (const r of pr.CategoricalParameterRanges ?? []) {
        checkName(r.Name);
        if (!Array.isArray(r.Values) || r.Values.length === 0 || r.Values.some((v) => typeof v !== "string")) {
            throw new TuningConfigError(
                "Values",
                `Categorical parameter "${r.Name}" needs a non-empty Values array of strings, got ${JSON.stringify(r.Values)}.`,
            );
        }
        dims.push({ kind: "categorical", name: r.Name, values: r.Values.slice() });
    }
    if (dims.length === 0)
        throw new TuningConfigError("ParameterRanges", "ParameterRanges has no ranges; give at least one Continuous, Integer or Categorical range.");
    if (dims.length > MAX_TUNED_PARAMETERS)
        throw new TuningConfigError("ParameterRanges", `ParameterRanges has ${dims.length} ranges; SageMaker allows at most ${MAX_TUNED_PARAMETERS}.`);
    return {
        dimensions: dims,
        objective: { channel: m[1], metric: m[2] as ObjectiveSpec["metric"], maximize: o.Type === "Maximize", metricName: o.MetricName },
    };
}
