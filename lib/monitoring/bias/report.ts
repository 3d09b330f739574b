/**
 * Clarify-style bias report (analysis.json) from row records.
 *
 * Output shape (as the Clarify processing job writes analysis.json):
 * {
 *   "version": "1.0",
 *   "pre_training_bias_metrics": {
 *     "label": "<label column>", "label_value_or_threshold": "<...>",
 *     "facets": { "<facet column>": [ { "value_or_threshold": "Female",
 *         "metrics": [ { "name": "CI", "description": "Class Imbalance (CI)", "value": 0.33 }, ... ] } ] }
 *   },
 *   "post_training_bias_metrics": { ...same, plus "predicted_label" }
 * }
 * A metric that cannot be computed has "value": null and an "error" string.
 */
import {
    BiasInputError,
    METRIC_DESCRIPTIONS,
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    accuracyDifference,
    classImbalance,
    conditionalDemographicDisparity,
    dar,
    dcacc,
    dcr,
    disparateImpact,
    dpl,
    dppl,
    drr,
    facetCounts,
    flipTest,
    js,
    kl,
    ks,
    lpNorm,
    recallDifference,
    treatmentEquality,
    tvd,
    type MetricResult,
    type PostTrainingMetric,
    type PreTrainingMetric,
} from "./metrics";

export type Scalar = string | number | boolean | null | undefined;

/** Facet d selection: categorical values, or a numeric threshold (Clarify default: value > threshold). */
export type FacetSpec =
    | { column: string; values: Scalar[] }
    | { column: string; threshold: number; comparison?: ">" | ">=" | "<" | "<=" }
    /** Every distinct value of the column in turn vs the rest (Clarify's behaviour when value_or_threshold is omitted). */
    | { column: string; eachValue: true; maxValues?: number };

type ConcreteFacetSpec = Exclude<FacetSpec, { eachValue: true }>;

/** Positive label: one of `values`, or numeric value > threshold (Clarify label_values_or_threshold). */
export type LabelSpec = { values: Scalar[] } | { threshold: number };

export interface BiasConfig {
    labelColumn: string;
    label: LabelSpec;
    facets: FacetSpec[];
    /** Clarify group_variable, for CDDL / CDDPL. */
    groupColumn?: string;
    /** Column with the model output: a predicted label, or a score when probabilityThreshold is set. */
    predictedColumn?: string;
    /** Score column: predicted positive when score > probabilityThreshold (Clarify probability_threshold). */
    probabilityThreshold?: number;
    /** Numeric feature columns for the flip test (FT). */
    featureColumns?: string[];
    preTrainingMethods?: readonly PreTrainingMetric[];
    /** Post-training metrics to compute ('DCAcc' is accepted as an alias of 'DCA'). */
    postTrainingMethods?: readonly (PostTrainingMetric | "DCAcc")[];
    /** Refuse FT above this many kNN distance evaluations (default 5e7). */
    ftMaxPairs?: number;
}

export interface MetricEntry {
    name: string;
    description: string;
    value: number | null;
    error?: string;
}

export interface FacetEntry {
    value_or_threshold: string;
    metrics: MetricEntry[];
}

export interface BiasMetricsSection {
    label: string;
    label_value_or_threshold: string;
    facets: Record<string, FacetEntry[]>;
    predicted_label?: string;
}

export interface BiasReport {
    version: string;
    pre_training_bias_metrics?: BiasMetricsSection;
    post_training_bias_metrics?: BiasMetricsSection;
}

export interface BiasAnalysis {
    report: BiasReport;
    /** Rows not used, by reason (per facet column, rows with a missing facet value are skipped for that facet only). */
    skippedRows: Record<string, number>;
    rowsUsed: number;
}

const missing = (v: unknown): boolean => v === null || v === undefined || (typeof v === "string" && v.trim() === "");

function toNumber(v: Scalar): number {
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "string" && v.trim() !== "") return Number(v);
    return NaN;
}

const norm = (v: Scalar): string => (typeof v === "string" ? v.trim() : String(v));

function labelTest(spec: LabelSpec, what: string): (v: Scalar) => boolean | undefined {
    if ("values" in spec) {
        if (!spec.values.length) throw new BiasInputError(`${what}: values is empty; list the value(s) meaning the positive outcome, e.g. [">50K"].`);
        const set = new Set(spec.values.map(norm));
        return (v) => (missing(v) ? undefined : set.has(norm(v)));
    }
    if (!Number.isFinite(spec.threshold)) throw new BiasInputError(`${what}: threshold ${spec.threshold} is not a finite number.`);
    return (v) => {
        const x = toNumber(v);
        return Number.isFinite(x) ? x > spec.threshold : undefined;
    };
}

function facetTest(spec: ConcreteFacetSpec): (v: Scalar) => boolean | undefined {
    if ("values" in spec) {
        if (!spec.values.length) throw new BiasInputError(`facet "${spec.column}": values is empty; list the facet value(s) to analyse, e.g. ["Female"].`);
        const set = new Set(spec.values.map(norm));
        return (v) => (missing(v) ? undefined : set.has(norm(v)));
    }
    if (!Number.isFinite(spec.threshold)) throw new BiasInputError(`facet "${spec.column}": threshold ${spec.threshold} is not a finite number.`);
    const t = spec.threshold;
    const cmp = spec.comparison ?? ">";
    return (v) => {
        const x = toNumber(v);
        if (!Number.isFinite(x)) return undefined;
        switch (cmp) {
            case ">":
                return x > t;
            case ">=":
                return x >= t;
            case "<":
                return x < t;
            case "<=":
                return x <= t;
        }
    };
}

function describeFacet(spec: ConcreteFacetSpec, observed: number[]): string {
    if ("values" in spec) return spec.values.map(norm).join(",");
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of observed) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
    }
    const t = spec.threshold;
    switch (spec.comparison ?? ">") {
        case ">":
            return `(${t}, ${hi}]`;
        case ">=":
            return `[${t}, ${hi}]`;
        case "<":
            return `[${lo}, ${t})`;
        case "<=":
            return `[${lo}, ${t}]`;
    }
}

const describeLabel = (spec: LabelSpec): string => ("values" in spec ? spec.values.map(norm).join(",") : `(${spec.threshold}, +inf)`);

function entry(name: PreTrainingMetric | PostTrainingMetric, r: MetricResult): MetricEntry {
    const e: MetricEntry = { name, description: METRIC_DESCRIPTIONS[name], value: r.value };
    if (r.error) e.error = r.error;
    return e;
}

/**
 * Computes pre-training (always) and post-training (when predictedColumn is
 * set) bias metrics for every configured facet.
 */
export function computeBiasReport(rows: readonly Record<string, Scalar>[], config: BiasConfig): BiasAnalysis {
    if (!config.facets?.length) throw new BiasInputError('BiasConfig.facets is empty; configure at least one facet, e.g. {column: "sex", values: ["Female"]}.');
    if (!rows.length) throw new BiasInputError("computeBiasReport got 0 rows; pass the dataset (or the window of captured + ground-truth rows) to analyse.");
    const cols = new Set(Object.keys(rows[0]));
    const requireCol = (c: string | undefined, what: string) => {
        if (c !== undefined && !cols.has(c)) {
            throw new BiasInputError(
                `${what} column "${c}" is not in the rows (first row has: ${[...cols].slice(0, 20).join(", ")}); fix the column name in BiasConfig.`,
            );
        }
    };
    requireCol(config.labelColumn, "label");
    requireCol(config.predictedColumn, "predicted");
    requireCol(config.groupColumn, "group");
    for (const f of config.facets) requireCol(f.column, "facet");
    for (const c of config.featureColumns ?? []) requireCol(c, "feature");

    const isPos = labelTest(config.label, `label "${config.labelColumn}"`);
    const predTest: ((v: Scalar) => boolean | undefined) | undefined =
        config.predictedColumn === undefined
            ? undefined
            : config.probabilityThreshold !== undefined
              ? labelTest({ threshold: config.probabilityThreshold }, `predicted "${config.predictedColumn}"`)
              : isPos;

    // Row-level filtering shared by every facet.
    const skipped: Record<string, number> = {};
    const bump = (k: string) => (skipped[k] = (skipped[k] ?? 0) + 1);
    const keep: number[] = [];
    const label: boolean[] = [];
    const pred: boolean[] = [];
    const group: string[] = [];
    const feats: number[][] = [];
    let featuresOk = !!config.featureColumns?.length;
    let badFeatureRows = 0;
    rows.forEach((r, i) => {
        const y = isPos(r[config.labelColumn]);
        if (y === undefined) {
            bump(`missing_or_non_numeric_label:${config.labelColumn}`);
            return;
        }
        let p: boolean | undefined;
        if (predTest) {
            p = predTest(r[config.predictedColumn!]);
            if (p === undefined) {
                bump(`missing_or_non_numeric_prediction:${config.predictedColumn}`);
                return;
            }
        }
        keep.push(i);
        label.push(y);
        if (p !== undefined) pred.push(p);
        if (config.groupColumn) group.push(norm(r[config.groupColumn]));
        if (featuresOk) {
            const v = config.featureColumns!.map((c) => toNumber(r[c]));
            if (v.some((x) => !Number.isFinite(x))) badFeatureRows++;
            feats.push(v);
        }
    });
    if (badFeatureRows > 0) featuresOk = false;

    const preMethods = config.preTrainingMethods ?? PRE_TRAINING_METRICS;
    const postMethods: PostTrainingMetric[] = (config.postTrainingMethods ?? POST_TRAINING_METRICS).map((m) => (m === "DCAcc" ? "DCA" : m));
    for (const m of preMethods) {
        if (!PRE_TRAINING_METRICS.includes(m)) throw new BiasInputError(`unknown pre-training metric "${m}"; use some of ${PRE_TRAINING_METRICS.join(", ")}.`);
    }
    for (const m of postMethods) {
        if (!POST_TRAINING_METRICS.includes(m))
            throw new BiasInputError(`unknown post-training metric "${m}"; use some of ${POST_TRAINING_METRICS.join(", ")} (or DCAcc).`);
    }
    const pre: BiasMetricsSection = { label: config.labelColumn, label_value_or_threshold: describeLabel(config.label), facets: {} };
    const post: BiasMetricsSection | undefined = predTest
        ? { label: config.labelColumn, label_value_or_threshold: describeLabel(config.label), facets: {}, predicted_label: config.predictedColumn }
        : undefined;

    const specs: ConcreteFacetSpec[] = [];
    for (const f of config.facets) {
        if (!("eachValue" in f)) {
            specs.push(f);
            continue;
        }
        const distinct = new Set<string>();
        for (const i of keep) {
            const v = rows[i][f.column];
            if (!missing(v)) distinct.add(norm(v));
        }
        const max = f.maxValues ?? 50;
        if (distinct.size > max) {
            throw new BiasInputError(
                `facet "${f.column}" has ${distinct.size} distinct values (> maxValues ${max}); use a numeric threshold for continuous columns or list the values of interest.`,
            );
        }
        for (const v of [...distinct].sort()) specs.push({ column: f.column, values: [v] });
    }

    for (const spec of specs) {
        const test = facetTest(spec);
        const sens: boolean[] = [];
        const lab: boolean[] = [];
        const prd: boolean[] = [];
        const grp: string[] = [];
        const fts: number[][] = [];
        const observed: number[] = [];
        keep.forEach((rowIdx, k) => {
            const raw = rows[rowIdx][spec.column];
            const s = test(raw);
            if (s === undefined) {
                bump(`missing_or_non_numeric_facet:${spec.column}`);
                return;
            }
            if (!("values" in spec)) observed.push(toNumber(raw));
            sens.push(s);
            lab.push(label[k]);
            if (predTest) prd.push(pred[k]);
            if (config.groupColumn) grp.push(group[k]);
            if (featuresOk) fts.push(feats[k]);
        });
        const counts = facetCounts({ sensitive: sens, label: lab, predicted: predTest ? prd : undefined });
        const value_or_threshold = describeFacet(spec, observed);
        const preFns: Record<PreTrainingMetric, () => MetricResult> = {
            CI: () => classImbalance(counts),
            DPL: () => dpl(counts),
            KL: () => kl(counts),
            JS: () => js(counts),
            LP: () => lpNorm(counts, 2),
            TVD: () => tvd(counts),
            KS: () => ks(counts),
            CDDL: () => conditionalDemographicDisparity(sens, lab, config.groupColumn ? grp : undefined, "labels"),
        };
        (pre.facets[spec.column] ??= []).push({ value_or_threshold, metrics: preMethods.map((m) => entry(m, preFns[m]())) });
        if (post) {
            const ftFail = (): MetricResult =>
                config.featureColumns?.length && !featuresOk
                    ? { value: null, error: `feature columns must be numeric; ${badFeatureRows} rows have a missing or non-numeric feature value` }
                    : flipTest(sens, prd, featuresOk ? fts : undefined, { maxPairs: config.ftMaxPairs });
            const postFns: Record<PostTrainingMetric, () => MetricResult> = {
                DPPL: () => dppl(counts),
                DI: () => disparateImpact(counts),
                DCA: () => dcacc(counts),
                DCR: () => dcr(counts),
                RD: () => recallDifference(counts),
                DAR: () => dar(counts),
                DRR: () => drr(counts),
                AD: () => accuracyDifference(counts),
                CDDPL: () => conditionalDemographicDisparity(sens, prd, config.groupColumn ? grp : undefined, "predicted labels"),
                TE: () => treatmentEquality(counts),
                FT: () => {
                    const r = ftFail();
                    return { value: r.value, error: r.error };
                },
            };
            (post.facets[spec.column] ??= []).push({ value_or_threshold, metrics: postMethods.map((m) => entry(m, postFns[m]())) });
        }
    }
    const report: BiasReport = { version: "1.0", pre_training_bias_metrics: pre };
    if (post) report.post_training_bias_metrics = post;
    return { report, skippedRows: skipped, rowsUsed: keep.length };
}
