/**
 * Small statistics toolkit for A/B analysis: normal distribution, Wilson
 * score interval, two-proportion z-test, DeLong AUC variance, sample size.
 */

/**
 * Complementary error function (absolute error ~1e-16; relative ~1e-12 near |x| = 3): the positive-term
 * series erf(x) = 2/√π·e^{-x²}·Σ 2^k x^{2k+1}/(1·3···(2k+1)) for |x| < 3, and
 * the continued fraction erfc(x) = e^{-x²}/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))) beyond.
 */
export function erfc(x: number): number {
    if (Number.isNaN(x)) return NaN;
    const z = Math.abs(x);
    let r: number;
    if (z < 3) {
        let term = z;
        let sum = z;
        for (let k = 1; k < 200 && term > sum * 1e-17; k++) {
            term *= (2 * z * z) / (2 * k + 1);
            sum += term;
        }
        const erf = (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
        r = 1 - erf;
    } else {
        let f = z;
        for (let k = 80; k >= 1; k--) f = z + k / 2 / f;
        r = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
    }
    return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
    return 0.5 * erfc(-z / Math.SQRT2);
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
    if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p = ${p} must be in (0, 1).`);
    const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
    const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    const lo = 0.02425;
    if (p < lo) {
        const q = Math.sqrt(-2 * Math.log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - lo) return -normalQuantile(1 - p);
    const q = p - 0.5;
    const r = q * q;
    return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

export interface Interval {
    lower: number;
    upper: number;
}

/** Wilson score interval for a binomial proportion (two-sided, level = 1 - alpha). */
export function wilsonInterval(successes: number, n: number, alpha = 0.05): Interval {
    if (!(n > 0)) return { lower: NaN, upper: NaN };
    const z = normalQuantile(1 - alpha / 2);
    const p = successes / n;
    const z2 = z * z;
    const den = 1 + z2 / n;
    const centre = (p + z2 / (2 * n)) / den;
    const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / den;
    return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export interface ZTest {
    /** Difference (first - second). */
    difference: number;
    z: number;
    /** Two-sided p-value. */
    pValue: number;
}

/** Two-proportion z-test with pooled variance (H0: p1 = p2). */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTest {
    const p1 = x1 / n1;
    const p2 = x2 / n2;
    const p = (x1 + x2) / (n1 + n2);
    const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
    const diff = p1 - p2;
    if (!(n1 > 0 && n2 > 0)) return { difference: NaN, z: NaN, pValue: NaN };
    if (se === 0) return { difference: diff, z: diff === 0 ? 0 : Math.sign(diff) * Infinity, pValue: diff === 0 ? 1 : 0 };
    const z = diff / se;
    return { difference: diff, z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}

export interface DeLongAuc {
    auc: number;
    /** DeLong variance of the AUC estimate. */
    variance: number;
    positives: number;
    negatives: number;
}

function lowerBound(a: Float64Array, x: number): number {
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (a[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

function upperBound(a: Float64Array, x: number): number {
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (a[mid] <= x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/**
 * AUC with DeLong et al. (1988) variance: structural components
 * V10(x_i) = P(score_neg < x_i) + ½P(= x_i) over negatives and V01(y_j) =
 * P(score_pos > y_j) + ½P(= y_j) over positives; Var = s²(V10)/m + s²(V01)/n
 * with sample variances. O((m+n) log(m+n)). NaN variance with < 2 of a class.
 */
export function deLongAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): DeLongAuc {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let i = 0; i < scores.length; i++) (labels[i] === 1 || labels[i] === true ? pos : neg).push(scores[i]);
    const m = pos.length;
    const n = neg.length;
    if (m === 0 || n === 0) return { auc: NaN, variance: NaN, positives: m, negatives: n };
    const sp = Float64Array.from(pos).sort();
    const sn = Float64Array.from(neg).sort();
    const v10 = new Float64Array(m);
    let auc = 0;
    for (let i = 0; i < m; i++) {
        const lt = lowerBound(sn, sp[i]);
        const le = upperBound(sn, sp[i]);
        v10[i] = (lt + 0.5 * (le - lt)) / n;
        auc += v10[i];
    }
    auc /= m;
    const v01 = new Float64Array(n);
    for (let j = 0; j < n; j++) {
        const le = upperBound(sp, sn[j]);
        const lt = lowerBound(sp, sn[j]);
        v01[j] = (m - le + 0.5 * (le - lt)) / m;
    }
    const svar = (v: Float64Array, mean: number) => {
        if (v.length < 2) return NaN;
        let s = 0;
        for (const x of v) s += (x - mean) * (x - mean);
        return s / (v.length - 1);
    };
    const variance = svar(v10, auc) / m + svar(v01, auc) / n;
    return { auc, variance, positives: m, negatives: n };
}

/**
 * Per-arm sample size to detect p1 vs p2 with a two-sided test at `alpha`
 * with the given power (equal allocation; Fleiss' formula without
 * continuity correction). Infinity when p1 = p2.
 */
export function sampleSizeTwoProportions(p1: number, p2: number, alpha = 0.05, power = 0.8): number {
    const delta = Math.abs(p1 - p2);
    if (delta === 0) return Infinity;
    const za = normalQuantile(1 - alpha / 2);
    const zb = normalQuantile(power);
    const pbar = (p1 + p2) / 2;
    const num = za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
    return Math.ceil((num * num) / (delta * delta));
}

/**
 * Percentile by linear interpolation between closest ranks (the "type 7"
 * definition used by numpy.percentile's default and Excel PERCENTILE.INC).
 * `sorted` must be ascending.
 */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
    const n = sorted.length;
    if (n === 0) return NaN;
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    const hi = Math.min(n - 1, lo + 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
