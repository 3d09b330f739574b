/**
 * Mergeable model-quality partials for regression and multiclass classification (issue 14), next to the binary
 * one in partial.ts, so all three problem types of Model Monitor's model-quality job merge across shards.
 * Metric names and shapes follow the service's statistics.json ("Model quality metrics",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html): `regression_metrics`
 * {mae, mse, rmse, r2} and `multiclass_classification_metrics` {confusion_matrix, accuracy, weighted_recall,
 * weighted_precision, weighted_f0_5/f1/f2 and the same for the best constant classifier}, each `{value,
 * standard_deviation}`. Standard deviations (the service subsamples 80 % of the rows 5 times) need the rows and are
 * "NaN" from partials, as for the binary partial.
 *
 * Regression: a shard keeps the row count, the sums of |e| and e^2 (e = actual - predicted) as double-double
 * (TwoSum) accumulators and, for R^2, the count / mean / sum of squared deviations of the actual values (Welford in a
 * shard, Chan et al.'s pairwise update to merge). Exactness: the per-row terms are computed identically whatever the
 * sharding, and a double-double sum carries ~106 bits, so the rounded sums - hence MAE, MSE, RMSE - differ from a
 * single pass by at most one unit in the last place (tested: relative 4.5e-16), where a plain double sum would drift by
 * up to n * 2^-53 relative. R^2 = 1 - SSE / SST uses the merged sum of squared deviations, whose error (in a shard and
 * in the merge) is at most ~n * 2^-53 * kappa relative, kappa = sqrt(1 + mean^2 / variance) of the actual values
 * (Chan, Golub, LeVeque 1983); the test checks that bound on data with mean/sd = 2e4 under adversarial orders.
 *
 * Multiclass: a shard keeps the confusion counts `actual -> predicted -> count` (exact integers); every metric is a
 * function of the merged counts, so it equals a single pass bit for bit. Definitions as Spark's MulticlassMetrics
 * (the service's evaluator): per-label precision tp/(tp+fp), recall tp/(tp+fn), F-beta, 0 when undefined; weighted =
 * sum over the actual labels of metric x label frequency; the best constant classifier always predicts the most
 * frequent actual label (ties: the smallest label in the output order).
 */
import type { MetricWithStd, NumOrNaN } from "./binary";

export const MQ_REGRESSION_PARTIAL_FORMAT = "mlplatform/model-quality-regression-partial";
export const MQ_MULTICLASS_PARTIAL_FORMAT = "mlplatform/model-quality-multiclass-partial";

const jsonNum = (x: number): NumOrNaN => (Number.isFinite(x) ? x : "NaN");
const metric = (x: number): MetricWithStd => ({ value: jsonNum(x), standard_deviation: "NaN" });

function num(v: unknown, where: string): number {
    if (typeof v !== "number" || v !== v)
        throw new Error(`${where} is ${JSON.stringify(v)}, expected a number; the partial file is damaged or from another tool.`);
    return v;
}

/** Double-double accumulator: hi + lo carries the sum to ~106 bits. */
class DoubleDouble {
    hi = 0;
    lo = 0;
    add(x: number): void {
        const t = this.hi + x;
        const bp = t - this.hi;
        this.lo += this.hi - (t - bp) + (x - bp);
        this.hi = t;
    }
    addDD(o: DoubleDouble): void {
        this.add(o.hi);
        this.lo += o.lo;
    }
    get value(): number {
        return Number.isFinite(this.hi) ? this.hi + this.lo : this.hi;
    }
}

export interface RegressionQualityPartialJson {
    format: typeof MQ_REGRESSION_PARTIAL_FORMAT;
    version: 1;
    n: number;
    /** Double-double sums [hi, lo]. */
    absError: [number, number];
    sqError: [number, number];
    /** Actual values: mean and sum of squared deviations (for R^2). */
    actualMean: number;
    actualM2: number;
}

export interface RegressionMetrics {
    mae: MetricWithStd;
    mse: MetricWithStd;
    rmse: MetricWithStd;
    r2: MetricWithStd;
}

export class RegressionQualityPartial {
    n = 0;
    private abs = new DoubleDouble();
    private sq = new DoubleDouble();
    private mean = 0;
    private m2 = 0;

    /** One row: the actual (ground truth) and the predicted value. */
    add(actual: number, predicted: number): void {
        if (typeof actual !== "number" || !Number.isFinite(actual))
            throw new Error(`regression partial: actual value ${JSON.stringify(actual)} is not a finite number.`);
        if (typeof predicted !== "number" || !Number.isFinite(predicted))
            throw new Error(`regression partial: predicted value ${JSON.stringify(predicted)} is not a finite number.`);
        const e = actual - predicted;
        this.abs.add(Math.abs(e));
        this.sq.add(e * e);
        const n = ++this.n;
        const d = actual - this.mean;
        this.mean += d / n;
        this.m2 += d * (actual - this.mean);
    }

    merge(o: RegressionQualityPartial): this {
        if (o.n === 0) return this;
        if (this.n === 0) {
            this.mean = o.mean;
            this.m2 = o.m2;
        } else {
            const n = this.n + o.n;
            const d = o.mean - this.mean;
            this.m2 += o.m2 + (d * d * this.n * o.n) / n;
            this.mean += (d * o.n) / n;
        }
        this.n += o.n;
        this.abs.addDD(o.abs);
        this.sq.addDD(o.sq);
        return this;
    }

    /** Plain numbers (NaN when there are no rows; r2 NaN when the actual values are constant). */
    values(): { mae: number; mse: number; rmse: number; r2: number } {
        const n = this.n;
        const mse = this.sq.value / n;
        return { mae: this.abs.value / n, mse, rmse: Math.sqrt(mse), r2: this.m2 > 0 ? 1 - this.sq.value / this.m2 : NaN };
    }

    /** The service's `regression_metrics` block. */
    metrics(): RegressionMetrics {
        const v = this.values();
        return { mae: metric(v.mae), mse: metric(v.mse), rmse: metric(v.rmse), r2: metric(v.r2) };
    }

    toJSON(): RegressionQualityPartialJson {
        return {
            format: MQ_REGRESSION_PARTIAL_FORMAT,
            version: 1,
            n: this.n,
            absError: [this.abs.hi, this.abs.lo],
            sqError: [this.sq.hi, this.sq.lo],
            actualMean: this.mean,
            actualM2: this.m2,
        };
    }

    static fromJSON(j: RegressionQualityPartialJson, where = "regression partial"): RegressionQualityPartial {
        if (!j || j.format !== MQ_REGRESSION_PARTIAL_FORMAT || j.version !== 1)
            throw new Error(`${where}: not a version-1 ${MQ_REGRESSION_PARTIAL_FORMAT} file; produce it with this tool's RegressionQualityPartial.`);
        const p = new RegressionQualityPartial();
        p.n = num(j.n, `${where}.n`);
        if (!Number.isInteger(p.n) || p.n < 0) throw new Error(`${where}.n=${j.n} is not a row count.`);
        if (!Array.isArray(j.absError) || !Array.isArray(j.sqError)) throw new Error(`${where}: absError and sqError must be [hi, lo] pairs.`);
        p.abs.hi = num(j.absError[0], `${where}.absError[0]`);
        p.abs.lo = num(j.absError[1], `${where}.absError[1]`);
        p.sq.hi = num(j.sqError[0], `${where}.sqError[0]`);
        p.sq.lo = num(j.sqError[1], `${where}.sqError[1]`);
        p.mean = num(j.actualMean, `${where}.actualMean`);
        p.m2 = num(j.actualM2, `${where}.actualM2`);
        return p;
    }
}

export interface MulticlassQualityPartialJson {
    format: typeof MQ_MULTICLASS_PARTIAL_FORMAT;
    version: 1;
    /** [actual, predicted, count], one entry per non-zero cell. */
    cells: [string, string, number][];
}

export interface MulticlassMetrics {
    confusion_matrix: Record<string, Record<string, number>>;
    accuracy: MetricWithStd;
    weighted_recall: MetricWithStd;
    weighted_precision: MetricWithStd;
    weighted_f0_5: MetricWithStd;
    weighted_f1: MetricWithStd;
    weighted_f2: MetricWithStd;
    accuracy_best_constant_classifier: MetricWithStd;
    weighted_recall_best_constant_classifier: MetricWithStd;
    weighted_precision_best_constant_classifier: MetricWithStd;
    weighted_f0_5_best_constant_classifier: MetricWithStd;
    weighted_f1_best_constant_classifier: MetricWithStd;
    weighted_f2_best_constant_classifier: MetricWithStd;
}

/** Labels in output order: numerically when every label is a number, else by code units. */
export function orderLabels(labels: Iterable<string>): string[] {
    const xs = [...new Set(labels)];
    const numeric = xs.every((x) => x.trim() !== "" && Number.isFinite(Number(x)));
    return xs.sort(numeric ? (a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const fBeta = (p: number, r: number, beta: number): number => (p + r === 0 ? 0 : ((1 + beta * beta) * p * r) / (beta * beta * p + r));

/** Spark MulticlassMetrics-style scalar metrics from a confusion matrix (actual -> predicted -> count). */
export function multiclassMetricsFromCounts(cm: Map<string, Map<string, number>>): Omit<MulticlassMetrics, "confusion_matrix"> & { rows: number } {
    const labels = orderLabels([...cm.keys(), ...[...cm.values()].flatMap((m) => [...m.keys()])]);
    const actualCount = new Map<string, number>();
    const predictedCount = new Map<string, number>();
    let n = 0;
    let correct = 0;
    for (const [a, row] of cm) {
        for (const [p, c] of row) {
            n += c;
            actualCount.set(a, (actualCount.get(a) ?? 0) + c);
            predictedCount.set(p, (predictedCount.get(p) ?? 0) + c);
            if (a === p) correct += c;
        }
    }
    let wr = 0;
    let wp = 0;
    const wf = [0, 0, 0];
    const betas = [0.5, 1, 2];
    let topCount = -1;
    for (const l of labels) {
        const ac = actualCount.get(l) ?? 0;
        if (ac === 0) continue;
        if (ac > topCount) topCount = ac;
        const tp = cm.get(l)?.get(l) ?? 0;
        const pc = predictedCount.get(l) ?? 0;
        const precision = pc === 0 ? 0 : tp / pc;
        const recall = tp / ac;
        const w = ac / n;
        wr += recall * w;
        wp += precision * w;
        betas.forEach((b, i) => (wf[i] += fBeta(precision, recall, b) * w));
    }
    // best constant classifier: always the most frequent actual label -> precision = its frequency, recall 1 for it
    const pTop = n > 0 ? topCount / n : NaN;
    const bcc = (x: number): MetricWithStd => metric(n > 0 ? x : NaN);
    const m = (x: number): MetricWithStd => metric(n > 0 ? x : NaN);
    return {
        rows: n,
        accuracy: m(correct / n),
        weighted_recall: m(wr),
        weighted_precision: m(wp),
        weighted_f0_5: m(wf[0]),
        weighted_f1: m(wf[1]),
        weighted_f2: m(wf[2]),
        accuracy_best_constant_classifier: bcc(pTop),
        weighted_recall_best_constant_classifier: bcc(pTop),
        weighted_precision_best_constant_classifier: bcc(pTop * pTop),
        weighted_f0_5_best_constant_classifier: bcc(fBeta(pTop, 1, 0.5) * pTop),
        weighted_f1_best_constant_classifier: bcc(fBeta(pTop, 1, 1) * pTop),
        weighted_f2_best_constant_classifier: bcc(fBeta(pTop, 1, 2) * pTop),
    };
}

export class MulticlassQualityPartial {
    /** actual -> predicted -> count */
    readonly cells = new Map<string, Map<string, number>>();
    rows = 0;

    /** One row: actual and predicted class labels (numbers are taken as their text: 1 and "1" are one class). */
    add(actual: string | number, predicted: string | number, count = 1): void {
        const a = typeof actual === "number" ? String(actual) : actual;
        const p = typeof predicted === "number" ? String(predicted) : predicted;
        if (typeof a !== "string" || typeof p !== "string")
            throw new Error(`multiclass partial: labels must be strings or numbers, got ${JSON.stringify(actual)} / ${JSON.stringify(predicted)}.`);
        let row = this.cells.get(a);
        if (!row) this.cells.set(a, (row = new Map()));
        row.set(p, (row.get(p) ?? 0) + count);
        this.rows += count;
    }

    merge(o: MulticlassQualityPartial): this {
        for (const [a, row] of o.cells) for (const [p, c] of row) this.add(a, p, c);
        return this;
    }

    /** The service's `multiclass_classification_metrics` block (every label in both dimensions, zeros included). */
    metrics(): MulticlassMetrics {
        const labels = orderLabels([...this.cells.keys(), ...[...this.cells.values()].flatMap((m) => [...m.keys()])]);
        const confusion_matrix: Record<string, Record<string, number>> = {};
        for (const a of labels) {
            confusion_matrix[a] = {};
            for (const p of labels) confusion_matrix[a][p] = this.cells.get(a)?.get(p) ?? 0;
        }
        const { rows: _rows, ...scalars } = multiclassMetricsFromCounts(this.cells);
        void _rows;
        return { confusion_matrix, ...scalars };
    }

    toJSON(): MulticlassQualityPartialJson {
        const cells: [string, string, number][] = [];
        for (const [a, row] of this.cells) for (const [p, c] of row) cells.push([a, p, c]);
        return { format: MQ_MULTICLASS_PARTIAL_FORMAT, version: 1, cells };
    }

    static fromJSON(j: MulticlassQualityPartialJson, where = "multiclass partial"): MulticlassQualityPartial {
        if (!j || j.format !== MQ_MULTICLASS_PARTIAL_FORMAT || j.version !== 1 || !Array.isArray(j.cells)) {
            throw new Error(`${where}: not a version-1 ${MQ_MULTICLASS_PARTIAL_FORMAT} file; produce it with this tool's MulticlassQualityPartial.`);
        }
        const p = new MulticlassQualityPartial();
        j.cells.forEach((cell, i) => {
            if (!Array.isArray(cell) || typeof cell[0] !== "string" || typeof cell[1] !== "string" || !Number.isInteger(cell[2]) || cell[2] < 0) {
                throw new Error(`${where}.cells[${i}] is ${JSON.stringify(cell)}, expected [actual, predicted, count].`);
            }
            p.add(cell[0], cell[1], cell[2]);
        });
        return p;
    }
}
