/**
 * Hyperparameters of the trainer, named and ranged like SageMaker's built-in
 * XGBoost algorithm (binary:logistic, tree_method=hist). Values may be given
 * as numbers or as the strings the SageMaker API uses ("0.2", "100"). The lifecycle's default setting
 * (DEFAULT_HYPERPARAMETERS) is defined here once, for the train step of both targets and the benchmark.
 */
/**
 * The hyperparameters the lifecycle trains with unless told otherwise (the train step on both targets; `--hp.<name>`
 * overrides one): SageMaker built-in XGBoost names and the reference setting.
 */
export const DEFAULT_HYPERPARAMETERS: Readonly<Record<string, string | number>> = {
    objective: "binary:logistic",
    num_round: 100,
    max_depth: 5,
    eta: 0.2,
    gamma: 4,
    min_child_weight: 6,
    subsample: 0.8,
    eval_metric: "auc",
    early_stopping_rounds: 10,
    seed: 42,
};

export type EvalMetricName = "auc" | "logloss" | "error";
export const EVAL_METRICS: readonly EvalMetricName[] = ["auc", "logloss", "error"];

export interface HyperParameters {
    num_round: number;
    max_depth: number;
    eta: number;
    gamma: number;
    min_child_weight: number;
    subsample: number;
    colsample_bytree: number;
    lambda: number;
    alpha: number;
    scale_pos_weight: number;
    base_score: number;
    max_bin: number;
    eval_metric: EvalMetricName[];
    early_stopping_rounds?: number;
    seed: number;
    objective: "binary:logistic";
    tree_method: "hist";
}

/** What callers may pass: every field optional except num_round, strings allowed. */
export type HyperParameterInput = { [K in keyof HyperParameters]?: HyperParameters[K] | string | number | string[] };

export class HyperParameterError extends Error {
    constructor(
        public readonly parameter: string,
        public readonly value: unknown,
        message: string,
    ) {
        super(message);
        this.name = "HyperParameterError";
    }
}

interface NumSpec {
    kind: "int" | "float";
    min: number;
    max: number;
    minOpen?: boolean;
    maxOpen?: boolean;
    default?: number;
}

const NUMERIC: Record<string, NumSpec> = {
    num_round: { kind: "int", min: 1, max: Infinity },
    max_depth: { kind: "int", min: 1, max: Infinity, default: 6 },
    eta: { kind: "float", min: 0, max: 1, default: 0.3 },
    gamma: { kind: "float", min: 0, max: Infinity, default: 0 },
    min_child_weight: { kind: "float", min: 0, max: Infinity, default: 1 },
    subsample: { kind: "float", min: 0, max: 1, minOpen: true, default: 1 },
    colsample_bytree: { kind: "float", min: 0, max: 1, minOpen: true, default: 1 },
    lambda: { kind: "float", min: 0, max: Infinity, default: 1 },
    alpha: { kind: "float", min: 0, max: Infinity, default: 0 },
    scale_pos_weight: { kind: "float", min: 0, max: Infinity, minOpen: true, default: 1 },
    base_score: { kind: "float", min: 0, max: 1, minOpen: true, maxOpen: true, default: 0.5 },
    max_bin: { kind: "int", min: 2, max: 65535, default: 256 },
    early_stopping_rounds: { kind: "int", min: 1, max: Infinity },
    seed: { kind: "int", min: -2147483648, max: 2147483647, default: 0 },
};

export const SUPPORTED_HYPERPARAMETERS: readonly string[] = [...Object.keys(NUMERIC), "eval_metric", "objective", "tree_method"];

function rangeText(s: NumSpec): string {
    const lo = s.min === -Infinity ? "(-inf" : `${s.minOpen ? "(" : "["}${s.min}`;
    const hi = s.max === Infinity ? "inf)" : `${s.max}${s.maxOpen ? ")" : "]"}`;
    return `${s.kind === "int" ? "an integer" : "a number"} in ${lo}, ${hi}`;
}

function parseNumber(name: string, raw: unknown, spec: NumSpec): number {
    let v: number;
    if (typeof raw === "number") v = raw;
    else if (typeof raw === "string" && raw.trim() !== "" && !Number.isNaN(Number(raw.trim()))) v = Number(raw.trim());
    else {
        throw new HyperParameterError(name, raw, `Hyperparameter ${name}=${JSON.stringify(raw)} is not a number; ${name} must be ${rangeText(spec)}.`);
    }
    const bad =
        !Number.isFinite(v) ||
        (spec.kind === "int" && !Number.isInteger(v)) ||
        v < spec.min ||
        v > spec.max ||
        (spec.minOpen && v === spec.min) ||
        (spec.maxOpen && v === spec.max);
    if (bad) {
        throw new HyperParameterError(name, raw, `Hyperparameter ${name}=${JSON.stringify(raw)} is out of range; ${name} must be ${rangeText(spec)}.`);
    }
    return v;
}

/** Validate and fill defaults. Throws HyperParameterError naming the parameter, the value and the allowed range. */
export function resolveHyperParameters(input: HyperParameterInput | Record<string, unknown>): HyperParameters {
    const src = input as Record<string, unknown>;
    for (const k of Object.keys(src)) {
        if (!SUPPORTED_HYPERPARAMETERS.includes(k)) {
            throw new HyperParameterError(k, src[k], `Unknown hyperparameter "${k}"; supported hyperparameters are: ${SUPPORTED_HYPERPARAMETERS.join(", ")}.`);
        }
    }
    if (src.num_round === undefined) {
        throw new HyperParameterError(
            "num_round",
            undefined,
            "Hyperparameter num_round is required (as in SageMaker XGBoost); set it to an integer in [1, inf).",
        );
    }
    const out: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(NUMERIC)) {
        const raw = src[name];
        if (raw === undefined || raw === null || raw === "") {
            if (spec.default !== undefined) out[name] = spec.default;
            continue;
        }
        out[name] = parseNumber(name, raw, spec);
    }
    const obj = src.objective ?? "binary:logistic";
    if (obj !== "binary:logistic") {
        throw new HyperParameterError(
            "objective",
            obj,
            `Hyperparameter objective=${JSON.stringify(obj)} is not supported; only "binary:logistic" is implemented.`,
        );
    }
    out.objective = obj;
    const tm = src.tree_method ?? "hist";
    if (tm !== "hist" && tm !== "auto") {
        throw new HyperParameterError(
            "tree_method",
            tm,
            `Hyperparameter tree_method=${JSON.stringify(tm)} is not supported; only "hist" is implemented (omit it or set "hist").`,
        );
    }
    out.tree_method = "hist";
    let em = src.eval_metric ?? ["logloss"];
    if (typeof em === "string")
        em = em
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
    if (!Array.isArray(em) || em.length === 0) {
        throw new HyperParameterError(
            "eval_metric",
            src.eval_metric,
            `Hyperparameter eval_metric=${JSON.stringify(src.eval_metric)} is invalid; give one or more of ${EVAL_METRICS.join(", ")} (comma-separated string or array).`,
        );
    }
    for (const m of em) {
        if (!EVAL_METRICS.includes(m as EvalMetricName)) {
            throw new HyperParameterError(
                "eval_metric",
                src.eval_metric,
                `Hyperparameter eval_metric contains unsupported metric ${JSON.stringify(m)}; allowed metrics are ${EVAL_METRICS.join(", ")}.`,
            );
        }
    }
    out.eval_metric = em as EvalMetricName[];
    return out as unknown as HyperParameters;
}
