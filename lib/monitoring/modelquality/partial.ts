/**
 * Mergeable model-quality partials for binary classification (issue 14). A shard keeps:
 *  - the confusion counts at the configured probability threshold (exact; merged by addition);
 *  - a score histogram of `bins` equal-width bins over [0, 1] (plus one bin below 0 and one above 1)
 *    with positive/negative counts per bin: the confusion counts at every grid threshold k/bins are exact,
 *    and the ROC AUC computed from it treats scores inside one bin as ties. Only pairs (positive,
 *    negative) in the same bin are unordered, so |AUC_hist - AUC_exact| <= sum_b pos_b * neg_b / (2 P N),
 *    a bound computed from the merged histogram itself and reported with the AUC;
 *  - the raw scores while the merged partial holds at most `exactLimit` rows: then the AUC is exact
 *    (the same trapezoid/Mann-Whitney value as a single pass).
 * Standard deviations (the service's subsampling) need the rows and are not produced from partials.
 */
import { rocAuc, scalarMetricsFromCounts, type BinaryScalarMetric, type ConfusionCounts } from "./binary";

export const MQ_PARTIAL_FORMAT = "mlplatform/model-quality-partial";

export interface BinaryQualityPartialJson {
    format: typeof MQ_PARTIAL_FORMAT;
    version: 1;
    threshold: number;
    bins: number;
    exactLimit: number;
    counts: ConfusionCounts;
    /** bins + 2 entries: [below 0, bin 0 .. bin bins-1, above 1] */
    pos: number[];
    neg: number[];
    exact: { pos: number[]; neg: number[] } | null;
}

export interface BinaryQualityPartialOptions {
    /** Positive when score >= threshold (default 0.5). */
    threshold?: number;
    /** Score histogram resolution over [0, 1] (default 10,000). */
    bins?: number;
    /** Raw scores kept (for an exact AUC) while the partial holds at most this many rows (default 100,000). */
    exactLimit?: number;
}

export class BinaryQualityPartial {
    readonly threshold: number;
    readonly bins: number;
    readonly exactLimit: number;
    counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
    pos: Float64Array;
    neg: Float64Array;
    exact: { pos: number[]; neg: number[] } | null = { pos: [], neg: [] };

    constructor(o: BinaryQualityPartialOptions = {}) {
        this.threshold = o.threshold ?? 0.5;
        this.bins = o.bins ?? 10_000;
        this.exactLimit = o.exactLimit ?? 100_000;
        if (!Number.isInteger(this.bins) || this.bins < 1)
            throw new Error(`model-quality partial: bins=${this.bins} is invalid; use an integer >= 1 (default 10000).`);
        this.pos = new Float64Array(this.bins + 2);
        this.neg = new Float64Array(this.bins + 2);
    }

    get rows(): number {
        const c = this.counts;
        return c.tp + c.fp + c.tn + c.fn;
    }

    private bin(score: number): number {
        if (score < 0) return 0;
        if (score > 1) return this.bins + 1;
        return 1 + Math.min(this.bins - 1, Math.floor(score * this.bins));
    }

    /** One row: score of the positive class, label (1/true positive), optional predicted label. */
    add(score: number, label: number | boolean, predicted?: number | boolean): void {
        if (typeof score !== "number" || score !== score) throw new Error(`model-quality partial: score ${JSON.stringify(score)} is not a number.`);
        const y = label === 1 || label === true;
        if (!y && label !== 0 && label !== false) throw new Error(`model-quality partial: label ${JSON.stringify(label)} is not 0/1.`);
        const p = predicted === undefined ? score >= this.threshold : predicted === 1 || predicted === true;
        if (y) {
            if (p) this.counts.tp++;
            else this.counts.fn++;
            this.pos[this.bin(score)]++;
            if (this.exact) this.exact.pos.push(score);
        } else {
            if (p) this.counts.fp++;
            else this.counts.tn++;
            this.neg[this.bin(score)]++;
            if (this.exact) this.exact.neg.push(score);
        }
        if (this.exact && this.rows > this.exactLimit) this.exact = null;
    }

    merge(o: BinaryQualityPartial): this {
        if (o.threshold !== this.threshold || o.bins !== this.bins) {
            throw new Error(
                `model-quality partial merge: threshold/bins differ (${this.threshold}/${this.bins} vs ${o.threshold}/${o.bins}); build every shard with the same options.`,
            );
        }
        for (const k of ["tp", "fp", "tn", "fn"] as const) this.counts[k] += o.counts[k];
        for (let i = 0; i < this.pos.length; i++) {
            this.pos[i] += o.pos[i];
            this.neg[i] += o.neg[i];
        }
        if (this.exact && o.exact && this.rows <= Math.min(this.exactLimit, o.exactLimit)) {
            this.exact.pos.push(...o.exact.pos);
            this.exact.neg.push(...o.exact.neg);
        } else this.exact = null;
        return this;
    }

    /** Confusion counts for "positive when score >= k / bins" (exact for grid thresholds). */
    confusionAtGrid(k: number): ConfusionCounts {
        if (!Number.isInteger(k) || k < 0 || k > this.bins) throw new Error(`confusionAtGrid: k=${k} must be an integer in [0, ${this.bins}].`);
        const c: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
        for (let i = 0; i < this.pos.length; i++) {
            // bin 1+j holds [j/bins, (j+1)/bins); predicted positive when its lower edge >= k/bins
            const positive = i === this.bins + 1 || (i >= 1 && i - 1 >= k);
            if (positive) {
                c.tp += this.pos[i];
                c.fp += this.neg[i];
            } else {
                c.fn += this.pos[i];
                c.tn += this.neg[i];
            }
        }
        return c;
    }

    /** ROC AUC: exact while raw scores are kept, else from the histogram with its error bound. */
    auc(): { value: number; exact: boolean; errorBound: number } {
        const P = this.counts.tp + this.counts.fn;
        const N = this.counts.fp + this.counts.tn;
        if (P === 0 || N === 0) return { value: NaN, exact: true, errorBound: 0 };
        if (this.exact) {
            const scores = [...this.exact.pos, ...this.exact.neg];
            const labels = scores.map((_, i) => (i < this.exact!.pos.length ? 1 : 0));
            return { value: rocAuc(scores, labels), exact: true, errorBound: 0 };
        }
        // Mann-Whitney over bins, ties (same bin) counted 1/2
        let negBelow = 0;
        let wins = 0;
        let tiePairs = 0;
        for (let i = 0; i < this.pos.length; i++) {
            wins += this.pos[i] * (negBelow + this.neg[i] / 2);
            tiePairs += this.pos[i] * this.neg[i];
            negBelow += this.neg[i];
        }
        return { value: wins / (P * N), exact: false, errorBound: tiePairs / (2 * P * N) };
    }

    /** The service's scalar metrics (no standard deviations) from the merged counts. */
    metrics(): Record<BinaryScalarMetric, number> & { auc_error_bound: number; auc_exact: boolean } {
        const a = this.auc();
        return { ...scalarMetricsFromCounts(this.counts, a.value), auc_error_bound: a.errorBound, auc_exact: a.exact };
    }

    toJSON(): BinaryQualityPartialJson {
        return {
            format: MQ_PARTIAL_FORMAT,
            version: 1,
            threshold: this.threshold,
            bins: this.bins,
            exactLimit: this.exactLimit,
            counts: { ...this.counts },
            pos: Array.from(this.pos),
            neg: Array.from(this.neg),
            exact: this.exact ? { pos: [...this.exact.pos], neg: [...this.exact.neg] } : null,
        };
    }

    static fromJSON(j: BinaryQualityPartialJson, where = "model-quality partial"): BinaryQualityPartial {
        if (!j || j.format !== MQ_PARTIAL_FORMAT || j.version !== 1)
            throw new Error(`${where}: not a version-1 ${MQ_PARTIAL_FORMAT} file; produce it with this tool.`);
        const p = new BinaryQualityPartial({ threshold: j.threshold, bins: j.bins, exactLimit: j.exactLimit });
        if (!Array.isArray(j.pos) || j.pos.length !== p.pos.length || !Array.isArray(j.neg) || j.neg.length !== p.neg.length) {
            throw new Error(`${where}: histogram has ${j.pos?.length}/${j.neg?.length} entries, expected ${p.pos.length} (bins + 2); the file is damaged.`);
        }
        p.pos.set(j.pos);
        p.neg.set(j.neg);
        for (const k of ["tp", "fp", "tn", "fn"] as const) {
            const v = j.counts?.[k];
            if (!Number.isInteger(v) || v < 0) throw new Error(`${where}: counts.${k}=${JSON.stringify(v)} is not a count.`);
            p.counts[k] = v;
        }
        p.exact = j.exact ? { pos: [...j.exact.pos], neg: [...j.exact.neg] } : null;
        return p;
    }
}
