import { EvalMetricName } from "./params";

/** Whether a larger value of the metric is better (used by early stopping and the tuner). */
export function metricMaximize(name: EvalMetricName): boolean {
    return name === "auc";
}

/** Weighted ROC AUC; tied scores contribute a trapezoid (as XGBoost's binary AUC does). */
export function auc(pred: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
    const n = pred.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const p = Float64Array.from(pred as ArrayLike<number>);
    order.sort((a, b) => p[b] - p[a]);
    let tp = 0,
        fp = 0,
        area = 0;
    let i = 0;
    while (i < n) {
        const s = p[order[i]];
        let dtp = 0,
            dfp = 0;
        while (i < n && p[order[i]] === s) {
            const r = order[i];
            const w = weights ? weights[r] : 1;
            if (labels[r] > 0.5) dtp += w;
            else dfp += w;
            i++;
        }
        area += dfp * (tp + dtp / 2);
        tp += dtp;
        fp += dfp;
    }
    if (tp === 0 || fp === 0) return NaN;
    return area / (tp * fp);
}

/** Weighted mean negative log-likelihood, probabilities clipped to [1e-16, 1-1e-16] like XGBoost. */
export function logloss(pred: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
    const eps = 1e-16;
    let s = 0,
        ws = 0;
    for (let i = 0; i < pred.length; i++) {
        const w = weights ? weights[i] : 1;
        const p = Math.min(Math.max(pred[i], eps), 1 - eps);
        const y = labels[i];
        s -= w * (y * Math.log(p) + (1 - y) * Math.log(1 - p));
        ws += w;
    }
    return ws > 0 ? s / ws : NaN;
}

/** Weighted classification error with threshold 0.5 (prediction > 0.5 is positive), like XGBoost's `error`. */
export function errorRate(pred: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
    let s = 0,
        ws = 0;
    for (let i = 0; i < pred.length; i++) {
        const w = weights ? weights[i] : 1;
        const yhat = pred[i] > 0.5 ? 1 : 0;
        if (yhat !== (labels[i] > 0.5 ? 1 : 0)) s += w;
        ws += w;
    }
    return ws > 0 ? s / ws : NaN;
}

export function evaluateMetric(name: EvalMetricName, pred: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
    switch (name) {
        case "auc":
            return auc(pred, labels, weights);
        case "logloss":
            return logloss(pred, labels, weights);
        case "error":
            return errorRate(pred, labels, weights);
    }
}
