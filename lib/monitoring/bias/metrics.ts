/**
 * SageMaker Clarify bias metrics on already-binarised columns.
 *
 * Notation (Clarify documentation): facet d = the configured (disfavoured /
 * sensitive) group, facet a = every other row; n_x = rows in facet x;
 * n_x(1), n_x(0) = observed positive / negative labels; n̂_x(1), n̂_x(0) =
 * predicted positive / negative labels; TP/FP/TN/FN per facet.
 *
 * Definitions follow the SageMaker developer guide pages
 * clarify-data-bias-metric-*.md and clarify-post-training-bias-metric-*.md:
 *   CI    = (n_a - n_d) / (n_a + n_d)
 *   DPL   = q_a - q_d,  q_x = n_x(1) / n_x
 *   KL    = Σ_y P_a(y) log(P_a(y) / P_d(y))          (natural log)
 *   JS    = ½ [KL(P_a, P) + KL(P_d, P)],  P = ½(P_a + P_d)
 *   LP    = (Σ_y |P_a(y) - P_d(y)|^p)^(1/p), p = 2
 *   TVD   = ½ Σ_y |P_a(y) - P_d(y)|
 *   KS    = max_y |P_a(y) - P_d(y)|
 *   CDDL  = (1/n) Σ_i n_i DD_i,  DD_i = n_d,i(0)/n_i(0) - n_d,i(1)/n_i(1)  over groups i
 *   DPPL  = q̂_a - q̂_d,  q̂_x = n̂_x(1) / n_x
 *   DI    = q̂_d / q̂_a
 *   DCA   = c_a - c_d,  c_x = n_x(1) / n̂_x(1)   (the docs page calls it DCAcc; Clarify's
 *           analysis.json, method lists and CloudWatch names use "DCA", so do we; "DCAcc" is accepted as input)
 *   DCR   = r_d - r_a,  r_x = n_x(0) / n̂_x(0)
 *   RD    = TP_a/(TP_a+FN_a) - TP_d/(TP_d+FN_d)
 *   DAR   = TP_a/n̂_a(1) - TP_d/n̂_d(1)
 *   DRR   = TN_d/n̂_d(0) - TN_a/n̂_a(0)
 *   AD    = ACC_a - ACC_d
 *   CDDPL = CDDL with predicted labels
 *   TE    = FN_d/FP_d - FN_a/FP_a        (current docs; an older page had FP_a/FN_a - FP_d/FN_d)
 *   FT    = (F+ - F-) / n_d, F+ = d rows predicted negative whose k nearest
 *           a-neighbours are predicted positive (majority), F- the reverse.
 * The label distributions P_x(y) are over the binarised label
 * (y ∈ {positive, negative} as defined by label_values_or_threshold).
 *
 * Where a formula divides by zero or takes log(x/0) the value is `null` with
 * an `error` naming the empty count (the smclarify library instead returns 0
 * for 0/0, ±inf for x/0, and drops label values missing from a facet for the
 * divergence metrics; we prefer an explicit reason to a silent convention).
 * JS/LP/TVD/KS are finite with outcome probabilities of 0 (0·log 0 = 0).
 */

export type PreTrainingMetric = "CI" | "DPL" | "KL" | "JS" | "LP" | "TVD" | "KS" | "CDDL";
export type PostTrainingMetric = "DPPL" | "DI" | "DCA" | "DCR" | "RD" | "DAR" | "DRR" | "AD" | "CDDPL" | "TE" | "FT";

/** Default order = Clarify's: its report sorts the metrics by short name. */
export const PRE_TRAINING_METRICS: readonly PreTrainingMetric[] = ["CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD"];
export const POST_TRAINING_METRICS: readonly PostTrainingMetric[] = ["AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "FT", "RD", "TE"];

export const METRIC_DESCRIPTIONS: Record<PreTrainingMetric | PostTrainingMetric, string> = {
    CI: "Class Imbalance (CI)",
    DPL: "Difference in Positive Proportions in Labels (DPL)",
    KL: "Kullback-Liebler Divergence (KL)",
    JS: "Jensen-Shannon Divergence (JS)",
    LP: "L-p Norm (LP)",
    TVD: "Total Variation Distance (TVD)",
    KS: "Kolmogorov-Smirnov Distance (KS)",
    CDDL: "Conditional Demographic Disparity in Labels (CDDL)",
    DPPL: "Difference in Positive Proportions in Predicted Labels (DPPL)",
    DI: "Disparate Impact (DI)",
    DCA: "Difference in Conditional Acceptance (DCA)",
    DCR: "Difference in Conditional Rejection (DCR)",
    RD: "Recall Difference (RD)",
    DAR: "Difference in Acceptance Rates (DAR)",
    DRR: "Difference in Rejection Rates (DRR)",
    AD: "Accuracy Difference (AD)",
    CDDPL: "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
    TE: "Treatment Equality (TE)",
    FT: "Flip Test (FT)",
};

/** A metric value, or null with the reason it is undefined. */
export interface MetricResult {
    value: number | null;
    error?: string;
}

export class BiasInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "BiasInputError";
    }
}

const ok = (value: number): MetricResult => ({ value });
const fail = (error: string): MetricResult => ({ value: null, error });

/** Columns after binarisation. `sensitive[i]` = row i is in facet d. */
export interface BinaryColumns {
    sensitive: ArrayLike<boolean>;
    label?: ArrayLike<boolean>;
    predicted?: ArrayLike<boolean>;
    /** Group variable values (for CDDL / CDDPL). */
    group?: ArrayLike<string | number>;
}

/** Per-facet counts used by every metric. */
export interface FacetCounts {
    n: number;
    /** observed positive labels */
    pos: number;
    /** predicted positive labels */
    predPos: number;
    tp: number;
    fp: number;
    tn: number;
    fn: number;
}

export interface Counts {
    a: FacetCounts;
    d: FacetCounts;
}

function emptyCounts(): FacetCounts {
    return { n: 0, pos: 0, predPos: 0, tp: 0, fp: 0, tn: 0, fn: 0 };
}

export function facetCounts(cols: BinaryColumns): Counts {
    const len = cols.sensitive.length;
    for (const [name, col] of [
        ["label", cols.label],
        ["predicted", cols.predicted],
        ["group", cols.group],
    ] as const) {
        if (col && col.length !== len) {
            throw new BiasInputError(`${name} column has ${col.length} rows but the facet column has ${len}; every column must have one entry per row.`);
        }
    }
    const a = emptyCounts();
    const d = emptyCounts();
    for (let i = 0; i < len; i++) {
        const c = cols.sensitive[i] ? d : a;
        c.n++;
        const y = cols.label ? cols.label[i] : undefined;
        const p = cols.predicted ? cols.predicted[i] : undefined;
        if (y) c.pos++;
        if (p) c.predPos++;
        if (y !== undefined && p !== undefined) {
            if (y && p) c.tp++;
            else if (!y && p) c.fp++;
            else if (!y && !p) c.tn++;
            else c.fn++;
        }
    }
    return { a, d };
}

function needBoth(c: Counts): MetricResult | undefined {
    if (c.d.n === 0) return fail("facet d (the configured facet value/threshold) has no rows; check value_or_threshold matches the data");
    if (c.a.n === 0) return fail("facet a (all rows outside the configured facet) has no rows; the facet selects every row");
    return undefined;
}

/** q = num/den, or an error naming `what` when den is 0. */
function frac(num: number, den: number, what: string): number | string {
    return den === 0 ? `${what} is 0` : num / den;
}

function diff(x: number | string, y: number | string, sign = 1): MetricResult {
    if (typeof x === "string") return fail(`undefined: ${x}`);
    if (typeof y === "string") return fail(`undefined: ${y}`);
    return ok(sign * (x - y));
}

// ---------------------------------------------------------------- pre-training

export function classImbalance(c: Counts): MetricResult {
    return needBoth(c) ?? ok((c.a.n - c.d.n) / (c.a.n + c.d.n));
}

export function dpl(c: Counts): MetricResult {
    return needBoth(c) ?? ok(c.a.pos / c.a.n - c.d.pos / c.d.n);
}

/** Label distributions [P(positive), P(negative)] for facets a and d. */
function labelDists(c: Counts): [number[], number[]] {
    return [
        [c.a.pos / c.a.n, 1 - c.a.pos / c.a.n],
        [c.d.pos / c.d.n, 1 - c.d.pos / c.d.n],
    ];
}

const xlogx_y = (x: number, y: number): number => (x === 0 ? 0 : x * Math.log(x / y));

export function kl(c: Counts): MetricResult {
    const e = needBoth(c);
    if (e) return e;
    const [pa, pd] = labelDists(c);
    let s = 0;
    for (let k = 0; k < pa.length; k++) {
        if (pa[k] > 0 && pd[k] === 0) {
            return fail(
                `unbounded: facet d has no ${k === 0 ? "positive" : "negative"} labels while facet a has some (P_d(y)=0 < P_a(y)); KL is +infinity — use JS or TVD, which stay finite`,
            );
        }
        s += xlogx_y(pa[k], pd[k]);
    }
    return ok(s);
}

export function js(c: Counts): MetricResult {
    const e = needBoth(c);
    if (e) return e;
    const [pa, pd] = labelDists(c);
    let s = 0;
    for (let k = 0; k < pa.length; k++) {
        const m = (pa[k] + pd[k]) / 2;
        s += 0.5 * (xlogx_y(pa[k], m) + xlogx_y(pd[k], m));
    }
    return ok(s);
}

export function lpNorm(c: Counts, p = 2): MetricResult {
    const e = needBoth(c);
    if (e) return e;
    const [pa, pd] = labelDists(c);
    let s = 0;
    for (let k = 0; k < pa.length; k++) s += Math.abs(pa[k] - pd[k]) ** p;
    return ok(s ** (1 / p));
}

export function tvd(c: Counts): MetricResult {
    const e = needBoth(c);
    if (e) return e;
    const [pa, pd] = labelDists(c);
    let s = 0;
    for (let k = 0; k < pa.length; k++) s += Math.abs(pa[k] - pd[k]);
    return ok(0.5 * s);
}

export function ks(c: Counts): MetricResult {
    const e = needBoth(c);
    if (e) return e;
    const [pa, pd] = labelDists(c);
    let m = 0;
    for (let k = 0; k < pa.length; k++) m = Math.max(m, Math.abs(pa[k] - pd[k]));
    return ok(m);
}

/**
 * Conditional demographic disparity over `outcome` (labels for CDDL,
 * predictions for CDDPL). A group with no rejected (or no accepted) rows
 * contributes 0 for that share, as Clarify does.
 */
export function conditionalDemographicDisparity(
    sensitive: ArrayLike<boolean>,
    outcome: ArrayLike<boolean> | undefined,
    group: ArrayLike<string | number> | undefined,
    outcomeName: "labels" | "predicted labels",
): MetricResult {
    if (!group) return fail("group variable not configured; set groupColumn (Clarify: group_variable) to compute conditional demographic disparity");
    if (!outcome) return fail(`no ${outcomeName} available`);
    const n = sensitive.length;
    let anyD = false;
    let anyA = false;
    let anyPos = false;
    let anyNeg = false;
    const g = new Map<string, { n: number; acc: number; rej: number; accD: number; rejD: number }>();
    for (let i = 0; i < n; i++) {
        const key = String(group[i]);
        let s = g.get(key);
        if (!s) g.set(key, (s = { n: 0, acc: 0, rej: 0, accD: 0, rejD: 0 }));
        s.n++;
        if (sensitive[i]) anyD = true;
        else anyA = true;
        if (outcome[i]) {
            anyPos = true;
            s.acc++;
            if (sensitive[i]) s.accD++;
        } else {
            anyNeg = true;
            s.rej++;
            if (sensitive[i]) s.rejD++;
        }
    }
    return cddFromGroups(g, { anyD, anyA, anyPos, anyNeg, n }, outcomeName);
}

/** Per-group outcome counts behind conditional demographic disparity (rows or merged partials). */
export interface CddGroupCounts {
    n: number;
    acc: number;
    rej: number;
    accD: number;
    rejD: number;
}

/** CDD = (1/n) sum over groups of n_g * (rejD_g/rej_g - accD_g/acc_g) (Clarify), from group counts. */
export function cddFromGroups(
    g: ReadonlyMap<string, CddGroupCounts>,
    f: { anyD: boolean; anyA: boolean; anyPos: boolean; anyNeg: boolean; n: number },
    outcomeName: "labels" | "predicted labels",
): MetricResult {
    if (!f.anyD) return fail("facet d (the configured facet value/threshold) has no rows; check value_or_threshold matches the data");
    if (!f.anyA) return fail("facet a (all rows outside the configured facet) has no rows; the facet selects every row");
    if (!f.anyPos) return fail(`undefined: there are no positive ${outcomeName} in the data`);
    if (!f.anyNeg) return fail(`undefined: there are no negative ${outcomeName} in the data`);
    let total = 0;
    for (const s of g.values()) {
        const dd = (s.rej ? s.rejD / s.rej : 0) - (s.acc ? s.accD / s.acc : 0);
        total += s.n * dd;
    }
    return ok(total / f.n);
}

// ---------------------------------------------------------------- post-training

export function dppl(c: Counts): MetricResult {
    return needBoth(c) ?? ok(c.a.predPos / c.a.n - c.d.predPos / c.d.n);
}

export function disparateImpact(c: Counts): MetricResult {
    const e = needBoth(c);
    if (e) return e;
    const qa = c.a.predPos / c.a.n;
    const qd = c.d.predPos / c.d.n;
    if (qa === 0) {
        return fail(
            qd === 0
                ? "undefined: no positive predictions in either facet (0/0)"
                : "unbounded: facet a has no positive predictions (q̂_a = 0) while facet d has some",
        );
    }
    return ok(qd / qa);
}

export function dcacc(c: Counts): MetricResult {
    return (
        needBoth(c) ??
        diff(frac(c.a.pos, c.a.predPos, "predicted positives in facet a n̂_a(1)"), frac(c.d.pos, c.d.predPos, "predicted positives in facet d n̂_d(1)"))
    );
}

export function dcr(c: Counts): MetricResult {
    return (
        needBoth(c) ??
        diff(
            frac(c.d.n - c.d.pos, c.d.n - c.d.predPos, "predicted negatives in facet d n̂_d(0)"),
            frac(c.a.n - c.a.pos, c.a.n - c.a.predPos, "predicted negatives in facet a n̂_a(0)"),
        )
    );
}

export function recallDifference(c: Counts): MetricResult {
    return needBoth(c) ?? diff(frac(c.a.tp, c.a.tp + c.a.fn, "positive labels in facet a"), frac(c.d.tp, c.d.tp + c.d.fn, "positive labels in facet d"));
}

export function dar(c: Counts): MetricResult {
    return (
        needBoth(c) ??
        diff(frac(c.a.tp, c.a.predPos, "predicted positives in facet a n̂_a(1)"), frac(c.d.tp, c.d.predPos, "predicted positives in facet d n̂_d(1)"))
    );
}

export function drr(c: Counts): MetricResult {
    return (
        needBoth(c) ??
        diff(
            frac(c.d.tn, c.d.n - c.d.predPos, "predicted negatives in facet d n̂_d(0)"),
            frac(c.a.tn, c.a.n - c.a.predPos, "predicted negatives in facet a n̂_a(0)"),
        )
    );
}

export function accuracyDifference(c: Counts): MetricResult {
    return needBoth(c) ?? ok((c.a.tp + c.a.tn) / c.a.n - (c.d.tp + c.d.tn) / c.d.n);
}

export function treatmentEquality(c: Counts): MetricResult {
    return needBoth(c) ?? diff(frac(c.d.fn, c.d.fp, "false positives in facet d FP_d"), frac(c.a.fn, c.a.fp, "false positives in facet a FP_a"));
}

export interface FlipTestOptions {
    /** Neighbours; default as Clarify: 5 when facet a has more than 9 rows, else 1. */
    k?: number;
    /** Refuse when n_d * n_a exceeds this (brute-force kNN). Default 5e7. */
    maxPairs?: number;
}

/**
 * Counterfactual flip test with brute-force Euclidean kNN (uniform vote,
 * distance ties broken by lower row index). `features[i]` = numeric feature
 * vector of row i (exclude the facet and label columns).
 */
export function flipTest(
    sensitive: ArrayLike<boolean>,
    predicted: ArrayLike<boolean> | undefined,
    features: ArrayLike<ArrayLike<number>> | undefined,
    opts: FlipTestOptions = {},
): MetricResult & { fPlus?: number; fMinus?: number; k?: number } {
    if (!predicted) return fail("no predicted labels available");
    if (!features) return fail("no feature columns configured; set featureColumns (numeric) to run the flip test");
    const aIdx: number[] = [];
    const dIdx: number[] = [];
    for (let i = 0; i < sensitive.length; i++) (sensitive[i] ? dIdx : aIdx).push(i);
    if (dIdx.length === 0) return fail("facet d (the configured facet value/threshold) has no rows; check value_or_threshold matches the data");
    if (aIdx.length === 0) return fail("facet a (all rows outside the configured facet) has no rows; the facet selects every row");
    const maxPairs = opts.maxPairs ?? 5e7;
    if (aIdx.length * dIdx.length > maxPairs) {
        return fail(
            `not computed: brute-force kNN needs n_a*n_d = ${aIdx.length * dIdx.length} distance evaluations (> maxPairs ${maxPairs}); raise ftMaxPairs or pass a sample of rows`,
        );
    }
    const k = Math.min(opts.k ?? (aIdx.length > 9 ? 5 : 1), aIdx.length);
    const dim = features[0]?.length ?? 0;
    const bestD = new Float64Array(k);
    const bestI = new Int32Array(k);
    let fPlus = 0;
    let fMinus = 0;
    for (const di of dIdx) {
        const x = features[di];
        bestD.fill(Infinity);
        bestI.fill(-1);
        for (const ai of aIdx) {
            const y = features[ai];
            let dist = 0;
            for (let j = 0; j < dim; j++) {
                const t = x[j] - y[j];
                dist += t * t;
            }
            if (dist < bestD[k - 1]) {
                let pos = k - 1;
                while (pos > 0 && bestD[pos - 1] > dist) {
                    bestD[pos] = bestD[pos - 1];
                    bestI[pos] = bestI[pos - 1];
                    pos--;
                }
                bestD[pos] = dist;
                bestI[pos] = ai;
            }
        }
        let votes = 0;
        for (let j = 0; j < k; j++) if (predicted[bestI[j]]) votes++;
        const neighbours = votes * 2 > k ? true : votes * 2 < k ? false : predicted[bestI[0]];
        const own = predicted[di];
        if (!own && neighbours) fPlus++;
        else if (own && !neighbours) fMinus++;
    }
    return { value: (fPlus - fMinus) / dIdx.length, fPlus, fMinus, k };
}
