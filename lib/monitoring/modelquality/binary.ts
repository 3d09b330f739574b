import { mulberry32 } from "../../common/random";
/**
 * Binary-classification model-quality metrics in SageMaker Model Monitor's
 * model-quality statistics format (`binary_classification_metrics`).
 *
 * Conventions (checked against the AWS example in
 * test/fixtures/model-monitor/10_model_quality_binary_classification_metrics.json
 * and the "Model Quality Metrics" page of the SageMaker developer guide):
 *
 * - `confusion_matrix[actual][predicted]` with class keys "0" and "1"
 *   (the example has recall 1.0 with `{"0":{"0":1,"1":2},"1":{"0":0,"1":1}}`,
 *   which is only consistent with the outer key being the actual label).
 * - "best constant classifier" = the classifier that always predicts the
 *   positive class: precision = accuracy = prevalence, recall = 1. The AWS
 *   example (prevalence 0.25 → accuracy_best_constant_classifier 0.25,
 *   f1_best_constant_classifier 0.4, f2 0.625, f0_5 0.2941) fits this exactly;
 *   it does not fit "always predict the majority class" (that would give 0.75).
 * - ROC curve: one point per distinct score (descending threshold, ties are
 *   one point), preceded by (0,0) and followed by (1,1), the way Spark MLlib's
 *   BinaryClassificationMetrics (the engine behind the service) builds it.
 *   PR curve: one point per distinct score, preceded by (recall 0, precision
 *   of the first point), as Spark does. AUC is the trapezoidal area under the
 *   full (never down-sampled) ROC curve, which equals the Mann-Whitney
 *   probability P(s+ > s-) + 0.5 P(s+ = s-), i.e. ties are handled exactly.
 * - standard_deviation: the developer guide says "Standard deviation for
 *   metrics are provided only when at least 200 samples are available. Model
 *   Monitor computes standard deviation by randomly sampling 80% of the data 5
 *   times, computing the metric, and taking the standard deviation for those
 *   results." We do exactly that: 5 subsamples of floor(0.8 n) rows drawn
 *   without replacement with a seeded PRNG (reproducible; `seed` option),
 *   and the sample standard deviation (n-1 denominator, as Spark's `stddev`).
 *   Below 200 rows the service writes the string "NaN"; so do we.
 * - Undefined ratios (e.g. precision when nothing is predicted positive) are
 *   NaN internally and the string "NaN" in the JSON output, never silently 0.
 */

export type NumOrNaN = number | "NaN";

export interface MetricWithStd {
    value: NumOrNaN;
    standard_deviation: NumOrNaN;
}

export interface ConfusionCounts {
    tp: number;
    fp: number;
    tn: number;
    fn: number;
}

/** The scalar metrics the service reports for binary classification, in its order. */
export const BINARY_SCALAR_METRICS = [
    "recall",
    "precision",
    "accuracy",
    "recall_best_constant_classifier",
    "precision_best_constant_classifier",
    "accuracy_best_constant_classifier",
    "true_positive_rate",
    "true_negative_rate",
    "false_positive_rate",
    "false_negative_rate",
    "auc",
    "f0_5",
    "f1",
    "f2",
    "f0_5_best_constant_classifier",
    "f1_best_constant_classifier",
    "f2_best_constant_classifier",
] as const;
export type BinaryScalarMetric = (typeof BINARY_SCALAR_METRICS)[number];

export interface BinaryClassificationMetrics {
    confusion_matrix: { "0": { "0": number; "1": number }; "1": { "0": number; "1": number } };
    recall: MetricWithStd;
    precision: MetricWithStd;
    accuracy: MetricWithStd;
    recall_best_constant_classifier: MetricWithStd;
    precision_best_constant_classifier: MetricWithStd;
    accuracy_best_constant_classifier: MetricWithStd;
    true_positive_rate: MetricWithStd;
    true_negative_rate: MetricWithStd;
    false_positive_rate: MetricWithStd;
    false_negative_rate: MetricWithStd;
    receiver_operating_characteristic_curve: { false_positive_rates: number[]; true_positive_rates: number[] };
    precision_recall_curve: { precisions: number[]; recalls: number[] };
    auc: MetricWithStd;
    f0_5: MetricWithStd;
    f1: MetricWithStd;
    f2: MetricWithStd;
    f0_5_best_constant_classifier: MetricWithStd;
    f1_best_constant_classifier: MetricWithStd;
    f2_best_constant_classifier: MetricWithStd;
}

export interface ModelQualityStatistics {
    version: number;
    dataset: { item_count: number; evaluation_time: string };
    binary_classification_metrics: BinaryClassificationMetrics;
}

export interface BinaryEvaluationInput {
    /** Predicted probability / score of the positive class, one per row. */
    scores: ArrayLike<number>;
    /** Ground-truth labels: 1/true = positive, 0/false = negative. */
    labels: ArrayLike<number | boolean>;
    /**
     * Optional predicted labels (Model Monitor's `inference_attribute`). When
     * absent, predicted = score >= probabilityThreshold.
     */
    predictedLabels?: ArrayLike<number | boolean>;
}

export interface BinaryEvaluationOptions {
    /** Positive when score >= threshold (Model Monitor `probability_threshold_attribute`). Default 0.5. */
    probabilityThreshold?: number;
    /** Seed of the subsampling PRNG used for standard deviations. Default 0x5eed. */
    seed?: number;
    /** Minimum rows for standard deviations (service: 200). */
    minRowsForStd?: number;
    /** Number of subsamples (service: 5). */
    stdSubsamples?: number;
    /** Fraction of rows in each subsample (service: 0.8). */
    stdFraction?: number;
    /**
     * Maximum number of points written for each curve (ROC, PR). When there are
     * more distinct scores, consecutive thresholds are grouped the way Spark's
     * `numBins` does (the last point of each group is kept). 0 = no limit.
     * AUC is always computed on the full curve. Default 1000.
     */
    maxCurvePoints?: number;
    /** ISO-8601 evaluation time written to dataset.evaluation_time. Default: now. */
    evaluationTime?: string | Date;
}

export class ModelQualityInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ModelQualityInputError";
    }
}

function toBinary(v: number | boolean, what: string, i: number): 0 | 1 {
    if (v === true || v === 1) return 1;
    if (v === false || v === 0) return 0;
    throw new ModelQualityInputError(
        `${what}[${i}] is ${JSON.stringify(v)}; expected 0/1 or true/false. Map your class values to 0/1 (positive = 1) before calling.`,
    );
}

interface Prepared {
    scores: Float64Array;
    labels: Uint8Array;
    predicted: Uint8Array;
}

function prepare(input: BinaryEvaluationInput, threshold: number): Prepared {
    const n = input.scores.length;
    if (input.labels.length !== n) {
        throw new ModelQualityInputError(
            `scores has ${n} entries but labels has ${input.labels.length}; pass one label per score (join predictions with ground truth first, e.g. with mergeCaptureWithGroundTruth).`,
        );
    }
    if (input.predictedLabels && input.predictedLabels.length !== n) {
        throw new ModelQualityInputError(
            `predictedLabels has ${input.predictedLabels.length} entries but scores has ${n}; pass one predicted label per row or omit predictedLabels.`,
        );
    }
    const scores = new Float64Array(n);
    const labels = new Uint8Array(n);
    const predicted = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
        const s = Number(input.scores[i]);
        if (!Number.isFinite(s)) {
            throw new ModelQualityInputError(
                `scores[${i}] is ${String(input.scores[i])}; every score must be a finite number. Drop or repair that row before evaluating.`,
            );
        }
        scores[i] = s;
        labels[i] = toBinary(input.labels[i], "labels", i);
        predicted[i] = input.predictedLabels ? toBinary(input.predictedLabels[i], "predictedLabels", i) : s >= threshold ? 1 : 0;
    }
    return { scores, labels, predicted };
}

export function confusionCounts(labels: ArrayLike<number>, predicted: ArrayLike<number>, idx?: ArrayLike<number>): ConfusionCounts {
    const c: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
    const m = idx ? idx.length : labels.length;
    for (let k = 0; k < m; k++) {
        const i = idx ? idx[k] : k;
        const y = labels[i];
        const p = predicted[i];
        if (y === 1) {
            if (p === 1) c.tp++;
            else c.fn++;
        } else if (p === 1) c.fp++;
        else c.tn++;
    }
    return c;
}

const ratio = (a: number, b: number): number => (b === 0 ? NaN : a / b);

/** F-beta from precision and recall; NaN if either is undefined, 0 when both are 0. */
export function fBeta(precision: number, recall: number, beta: number): number {
    if (Number.isNaN(precision) || Number.isNaN(recall)) return NaN;
    const b2 = beta * beta;
    const den = b2 * precision + recall;
    return den === 0 ? 0 : ((1 + b2) * precision * recall) / den;
}

export interface CurvePoints {
    /** Distinct thresholds, descending (one per curve point, excluding the added end points). */
    thresholds: number[];
    fpr: number[];
    tpr: number[];
    precision: number[];
    recall: number[];
}

/**
 * ROC / PR points at every distinct score (descending). Returns cumulative
 * counts too so callers can compute exact AUC. O(n log n).
 */
export function curvePoints(scores: ArrayLike<number>, labels: ArrayLike<number>, idx?: ArrayLike<number>): CurvePoints {
    // Split by class and sort each with the native numeric Float64Array sort
    // (much faster than an index sort with a comparator), then merge from the top.
    const m = idx ? idx.length : scores.length;
    let pos = 0;
    for (let k = 0; k < m; k++) if (labels[idx ? idx[k] : k] === 1) pos++;
    const neg = m - pos;
    const ps = new Float64Array(pos);
    const ns = new Float64Array(neg);
    let a = 0;
    let b = 0;
    for (let k = 0; k < m; k++) {
        const i = idx ? idx[k] : k;
        if (labels[i] === 1) ps[a++] = scores[i];
        else ns[b++] = scores[i];
    }
    ps.sort();
    ns.sort();
    const out: CurvePoints = { thresholds: [], fpr: [], tpr: [], precision: [], recall: [] };
    let i = pos - 1;
    let j = neg - 1;
    let tp = 0;
    let fp = 0;
    while (i >= 0 || j >= 0) {
        const t = i < 0 ? ns[j] : j < 0 ? ps[i] : Math.max(ps[i], ns[j]);
        while (i >= 0 && ps[i] === t) {
            tp++;
            i--;
        }
        while (j >= 0 && ns[j] === t) {
            fp++;
            j--;
        }
        out.thresholds.push(t);
        out.tpr.push(ratio(tp, pos));
        out.fpr.push(ratio(fp, neg));
        out.precision.push(tp / (tp + fp));
        out.recall.push(ratio(tp, pos));
    }
    return out;
}

/** AUC only (no curve arrays): same merge walk as curvePoints, trapezoid on the fly. */
function aucFromSorted(ps: Float64Array, ns: Float64Array): number {
    const pos = ps.length;
    const neg = ns.length;
    if (pos === 0 || neg === 0) return NaN;
    let i = pos - 1;
    let j = neg - 1;
    let tp = 0;
    let fp = 0;
    let area = 0;
    while (i >= 0 || j >= 0) {
        const t = i < 0 ? ns[j] : j < 0 ? ps[i] : Math.max(ps[i], ns[j]);
        const tp0 = tp;
        const fp0 = fp;
        while (i >= 0 && ps[i] === t) {
            tp++;
            i--;
        }
        while (j >= 0 && ns[j] === t) {
            fp++;
            j--;
        }
        area += (fp - fp0) * (tp + tp0) * 0.5;
    }
    return area / (pos * neg);
}

/** Exact ROC AUC (trapezoid over distinct thresholds = Mann-Whitney with ties as 1/2). NaN if one class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, idx?: ArrayLike<number>): number {
    const m = idx ? idx.length : scores.length;
    const pv: number[] = [];
    const nv: number[] = [];
    for (let k = 0; k < m; k++) {
        const i = idx ? idx[k] : k;
        const y = labels[i];
        if (y === 1 || y === true) pv.push(scores[i]);
        else if (y === 0 || y === false) nv.push(scores[i]);
        else toBinary(y, "labels", i);
    }
    return aucFromSorted(Float64Array.from(pv).sort(), Float64Array.from(nv).sort());
}

function scalarMetrics(p: Prepared, idx?: ArrayLike<number>): Record<BinaryScalarMetric, number> {
    return scalarMetricsFromCounts(confusionCounts(p.labels, p.predicted, idx), rocAuc(p.scores, p.labels, idx));
}

/** The service's scalar metrics from confusion counts and an AUC (shared by one-pass and merged partials). */
export function scalarMetricsFromCounts(c: ConfusionCounts, auc: number): Record<BinaryScalarMetric, number> {
    const n = c.tp + c.fp + c.tn + c.fn;
    const pos = c.tp + c.fn;
    const recall = ratio(c.tp, pos);
    const precision = ratio(c.tp, c.tp + c.fp);
    const prevalence = ratio(pos, n);
    // Always-positive constant classifier.
    const bccRecall = pos > 0 ? 1 : NaN;
    const bccPrecision = prevalence;
    return {
        recall,
        precision,
        accuracy: ratio(c.tp + c.tn, n),
        recall_best_constant_classifier: bccRecall,
        precision_best_constant_classifier: bccPrecision,
        accuracy_best_constant_classifier: prevalence,
        true_positive_rate: recall,
        true_negative_rate: ratio(c.tn, c.tn + c.fp),
        false_positive_rate: ratio(c.fp, c.fp + c.tn),
        false_negative_rate: ratio(c.fn, c.fn + c.tp),
        auc,
        f0_5: fBeta(precision, recall, 0.5),
        f1: fBeta(precision, recall, 1),
        f2: fBeta(precision, recall, 2),
        f0_5_best_constant_classifier: fBeta(bccPrecision, bccRecall, 0.5),
        f1_best_constant_classifier: fBeta(bccPrecision, bccRecall, 1),
        f2_best_constant_classifier: fBeta(bccPrecision, bccRecall, 2),
    };
}

/** Mulberry32: small, fast, seedable PRNG (uniform in [0,1)). */
export const seededRandom: (seed: number) => () => number = mulberry32;

/** Indices of a random subset of size k of 0..n-1 (partial Fisher-Yates). */
export function sampleWithoutReplacement(n: number, k: number, rand: () => number): Uint32Array {
    const a = new Uint32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = 0; i < k; i++) {
        const j = i + Math.floor(rand() * (n - i));
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    return a.slice(0, k);
}

/** Sample standard deviation (n-1); NaN if fewer than 2 finite values. */
export function sampleStd(xs: number[]): number {
    const v = xs.filter((x) => Number.isFinite(x));
    if (v.length < 2 || v.length !== xs.length) return NaN;
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const ss = v.reduce((s, x) => s + (x - mean) * (x - mean), 0);
    return Math.sqrt(ss / (v.length - 1));
}

const jsonNum = (x: number): NumOrNaN => (Number.isFinite(x) ? x : "NaN");

function downsample(xs: number[], ys: number[], maxPoints: number): { xs: number[]; ys: number[] } {
    if (maxPoints <= 0 || xs.length <= maxPoints) return { xs, ys };
    const group = Math.ceil(xs.length / maxPoints);
    const ox: number[] = [];
    const oy: number[] = [];
    for (let i = group - 1; i < xs.length; i += group) {
        ox.push(xs[i]);
        oy.push(ys[i]);
    }
    if ((xs.length - 1) % group !== group - 1) {
        ox.push(xs[xs.length - 1]);
        oy.push(ys[ys.length - 1]);
    }
    return { xs: ox, ys: oy };
}

export interface BinaryEvaluationResult {
    statistics: ModelQualityStatistics;
    /** Plain numeric values (NaN where undefined) for programmatic use. */
    values: Record<BinaryScalarMetric, number>;
    /** Standard deviations (NaN below minRowsForStd). */
    standardDeviations: Record<BinaryScalarMetric, number>;
    counts: ConfusionCounts;
    /** Full-resolution curve points (not down-sampled). */
    curves: CurvePoints;
    /** How the standard deviations were obtained, for reports. */
    stdMethod: string;
}

/**
 * Evaluates a binary classifier. This is the function both the pipeline's
 * `evaluate` step (arrays in) and the monitor (after merging capture with
 * ground truth) call.
 */
export function evaluateBinaryClassification(input: BinaryEvaluationInput, options: BinaryEvaluationOptions = {}): BinaryEvaluationResult {
    const threshold = options.probabilityThreshold ?? 0.5;
    const p = prepare(input, threshold);
    const n = p.scores.length;
    if (n === 0) {
        throw new ModelQualityInputError(
            "evaluateBinaryClassification got 0 rows; there is nothing to evaluate. Check that predictions were joined with ground truth (see the merge report for unmatched counts).",
        );
    }
    const values = scalarMetrics(p);
    const counts = confusionCounts(p.labels, p.predicted);
    const minRows = options.minRowsForStd ?? 200;
    const reps = options.stdSubsamples ?? 5;
    const frac = options.stdFraction ?? 0.8;
    const stds = {} as Record<BinaryScalarMetric, number>;
    for (const k of BINARY_SCALAR_METRICS) stds[k] = NaN;
    let stdMethod = `not computed: ${n} rows < ${minRows} (the service writes "NaN" below ${minRows} rows)`;
    if (n >= minRows) {
        const rand = seededRandom(options.seed ?? 0x5eed);
        const k = Math.floor(frac * n);
        const runs: Record<BinaryScalarMetric, number>[] = [];
        for (let r = 0; r < reps; r++) runs.push(scalarMetrics(p, sampleWithoutReplacement(n, k, rand)));
        for (const m of BINARY_SCALAR_METRICS) stds[m] = sampleStd(runs.map((x) => x[m]));
        stdMethod = `sample standard deviation (n-1) of each metric over ${reps} random subsamples of ${k} rows (${frac * 100}% of ${n}) drawn without replacement, seed ${options.seed ?? 0x5eed}`;
    }
    const curves = curvePoints(p.scores, p.labels);
    const maxPts = options.maxCurvePoints ?? 1000;
    const roc = downsample(curves.fpr, curves.tpr, maxPts);
    const pr = downsample(curves.recall, curves.precision, maxPts);
    const finite = (xs: number[]) => xs.map((x) => (Number.isFinite(x) ? x : 0));
    const m = (k: BinaryScalarMetric): MetricWithStd => ({ value: jsonNum(values[k]), standard_deviation: jsonNum(stds[k]) });
    const evalTime = options.evaluationTime instanceof Date ? options.evaluationTime.toISOString() : (options.evaluationTime ?? new Date().toISOString());
    const statistics: ModelQualityStatistics = {
        version: 0.0,
        dataset: { item_count: n, evaluation_time: evalTime },
        binary_classification_metrics: {
            confusion_matrix: {
                "0": { "0": counts.tn, "1": counts.fp },
                "1": { "0": counts.fn, "1": counts.tp },
            },
            recall: m("recall"),
            precision: m("precision"),
            accuracy: m("accuracy"),
            recall_best_constant_classifier: m("recall_best_constant_classifier"),
            precision_best_constant_classifier: m("precision_best_constant_classifier"),
            accuracy_best_constant_classifier: m("accuracy_best_constant_classifier"),
            true_positive_rate: m("true_positive_rate"),
            true_negative_rate: m("true_negative_rate"),
            false_positive_rate: m("false_positive_rate"),
            false_negative_rate: m("false_negative_rate"),
            receiver_operating_characteristic_curve: {
                false_positive_rates: [0, ...finite(roc.xs), 1],
                true_positive_rates: [0, ...finite(roc.ys), 1],
            },
            precision_recall_curve: {
                precisions: pr.ys.length ? [pr.ys[0], ...pr.ys] : [],
                recalls: pr.xs.length ? [0, ...finite(pr.xs)] : [],
            },
            auc: m("auc"),
            f0_5: m("f0_5"),
            f1: m("f1"),
            f2: m("f2"),
            f0_5_best_constant_classifier: m("f0_5_best_constant_classifier"),
            f1_best_constant_classifier: m("f1_best_constant_classifier"),
            f2_best_constant_classifier: m("f2_best_constant_classifier"),
        },
    };
    return { statistics, values, standardDeviations: stds, counts, curves, stdMethod };
}

export interface CalibrationBin {
    lower: number;
    upper: number;
    count: number;
    meanScore: number;
    fractionPositive: number;
}

export interface CalibrationResult {
    bins: CalibrationBin[];
    /** Expected calibration error: sum over bins of count/n * |fractionPositive - meanScore|. */
    expectedCalibrationError: number;
    /** Maximum calibration error over non-empty bins. */
    maxCalibrationError: number;
    /** Rows whose score was outside [0,1] and were clamped into the first/last bin. */
    clampedRows: number;
}

/**
 * Reliability-diagram bins: `binCount` equal-width bins over [0,1]; the last
 * bin is closed on the right. Empty bins are kept (count 0, NaN means) so the
 * chart's x axis is stable.
 */
export function calibrationBins(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, binCount = 10): CalibrationResult {
    if (!Number.isInteger(binCount) || binCount < 1) {
        throw new ModelQualityInputError(`calibrationBins: binCount ${binCount} is invalid; pass a positive integer such as 10.`);
    }
    if (scores.length !== labels.length) {
        throw new ModelQualityInputError(`calibrationBins: scores has ${scores.length} entries but labels has ${labels.length}; pass one label per score.`);
    }
    const cnt = new Array<number>(binCount).fill(0);
    const sumS = new Array<number>(binCount).fill(0);
    const sumY = new Array<number>(binCount).fill(0);
    let clamped = 0;
    for (let i = 0; i < scores.length; i++) {
        let s = Number(scores[i]);
        if (!Number.isFinite(s))
            throw new ModelQualityInputError(`calibrationBins: scores[${i}] is ${String(scores[i])}; scores must be finite probabilities.`);
        if (s < 0 || s > 1) {
            clamped++;
            s = Math.min(1, Math.max(0, s));
        }
        const b = Math.min(binCount - 1, Math.floor(s * binCount));
        cnt[b]++;
        sumS[b] += s;
        sumY[b] += toBinary(labels[i], "labels", i);
    }
    const n = scores.length;
    let ece = 0;
    let mce = 0;
    const bins: CalibrationBin[] = [];
    for (let b = 0; b < binCount; b++) {
        const meanScore = cnt[b] ? sumS[b] / cnt[b] : NaN;
        const frac = cnt[b] ? sumY[b] / cnt[b] : NaN;
        if (cnt[b]) {
            const gap = Math.abs(frac - meanScore);
            ece += (cnt[b] / n) * gap;
            mce = Math.max(mce, gap);
        }
        bins.push({ lower: b / binCount, upper: (b + 1) / binCount, count: cnt[b], meanScore, fractionPositive: frac });
    }
    return { bins, expectedCalibrationError: n ? ece : NaN, maxCalibrationError: n ? mce : NaN, clampedRows: clamped };
}

/** ROC points (with (0,0) and (1,1)) and PR points for charts, from raw arrays. */
export function rocAndPrPoints(
    scores: ArrayLike<number>,
    labels: ArrayLike<number | boolean>,
): {
    roc: { fpr: number; tpr: number; threshold: number }[];
    pr: { recall: number; precision: number; threshold: number }[];
} {
    const lab = Uint8Array.from(Array.from(labels, (v, i) => toBinary(v, "labels", i)));
    const c = curvePoints(scores, lab);
    const roc = [{ fpr: 0, tpr: 0, threshold: Infinity }];
    const pr: { recall: number; precision: number; threshold: number }[] = [];
    for (let i = 0; i < c.thresholds.length; i++) {
        roc.push({ fpr: c.fpr[i], tpr: c.tpr[i], threshold: c.thresholds[i] });
        pr.push({ recall: c.recall[i], precision: c.precision[i], threshold: c.thresholds[i] });
    }
    const last = roc[roc.length - 1];
    if (last.fpr !== 1 || last.tpr !== 1) roc.push({ fpr: 1, tpr: 1, threshold: -Infinity });
    return { roc, pr };
}
