/**
 * Drift statistics, from exact samples and from sketches / histograms.
 *
 * Exact-sample functions follow the textbook definitions used by scipy (cross-checked in tests):
 *   ksTwoSample        ↔ scipy.stats.ks_2samp (two-sided; exact p-value by lattice-path DP, or asymptotic)
 *   chiSquareGoodness  ↔ scipy.stats.chisquare(f_obs, f_exp)
 *   chiSquareContingency ↔ scipy.stats.chi2_contingency (Yates correction when dof == 1, as scipy)
 *   wasserstein1       ↔ scipy.stats.wasserstein_distance
 *   jensenShannon      ↔ scipy.spatial.distance.jensenshannon (natural log, returns the distance = sqrt of divergence)
 *   psi                — population stability index, sum (a - e) ln(a / e), empty bins floored at `epsilon`
 *
 * Sketch functions work on step CDFs ({@link WeightedCdf}) such as those of a KLL sketch.
 */
import { KllSketch, type WeightedCdf } from "../sketch/kll";

// ---------------------------------------------------------------------------------------------
// special functions
// ---------------------------------------------------------------------------------------------

const LANCZOS = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function lnGamma(x: number): number {
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
    x -= 1;
    let a = LANCZOS[0];
    const t = x + 7.5;
    for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
    if (!(a > 0) || x < 0 || x !== x) return NaN;
    if (x === 0) return 1;
    if (x === Infinity) return 0;
    const lnPre = a * Math.log(x) - x - lnGamma(a);
    if (x < a + 1) {
        // series for P
        let sum = 1 / a;
        let term = sum;
        for (let n = 1; n < 10000; n++) {
            term *= x / (a + n);
            sum += term;
            if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
        }
        return 1 - Math.exp(lnPre) * sum;
    }
    // continued fraction for Q (modified Lentz)
    const tiny = 1e-300;
    let b = x + 1 - a;
    let c = 1 / tiny;
    let d = 1 / b;
    let h = d;
    for (let i = 1; i < 10000; i++) {
        const an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (Math.abs(d) < tiny) d = tiny;
        c = b + an / c;
        if (Math.abs(c) < tiny) c = tiny;
        d = 1 / d;
        const del = d * c;
        h *= del;
        if (Math.abs(del - 1) < 1e-17) break;
    }
    return Math.exp(lnPre) * h;
}

/** Survival function of the chi-square distribution with `dof` degrees of freedom. */
export function chi2Sf(x: number, dof: number): number {
    if (x <= 0) return 1;
    return gammaQ(dof / 2, x / 2);
}

/** Kolmogorov limiting distribution survival function, P(K > x) (scipy kstwobign.sf). */
export function kolmogorovSf(x: number): number {
    if (x <= 0) return 1;
    if (x < 1.18) {
        // theta-function form converges fast for small x
        const w = (Math.PI * Math.PI) / (8 * x * x);
        let s = 0;
        for (let k = 1; k < 200; k += 2) {
            const t = Math.exp(-k * k * w);
            s += t;
            if (t < 1e-18) break;
        }
        return 1 - (Math.sqrt(2 * Math.PI) / x) * s;
    }
    let s = 0;
    for (let k = 1; k < 200; k++) {
        const t = Math.exp(-2 * k * k * x * x);
        s += (k % 2 === 1 ? 1 : -1) * t;
        if (t < 1e-18) break;
    }
    return Math.max(0, Math.min(1, 2 * s));
}

// ---------------------------------------------------------------------------------------------
// exact samples
// ---------------------------------------------------------------------------------------------

function sorted(a: ArrayLike<number>, what: string): Float64Array {
    const s = Float64Array.from(a);
    for (let i = 0; i < s.length; i++) {
        if (s[i] !== s[i]) throw new Error(`${what}: sample contains NaN at index ${i}; drop missing values first.`);
    }
    return s.sort();
}

/** Two-sample KS statistic sup |F_a - F_b| (ties handled as right-continuous ECDFs). */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
    const x = sorted(a, "ksStatistic(a)");
    const y = sorted(b, "ksStatistic(b)");
    return ksStatisticSorted(x, y);
}

function ksStatisticSorted(x: Float64Array, y: Float64Array): number {
    const n = x.length;
    const m = y.length;
    if (n === 0 || m === 0) throw new Error("ksStatistic: both samples must be non-empty.");
    let i = 0;
    let j = 0;
    let d = 0;
    while (i < n || j < m) {
        const v = i < n && (j >= m || x[i] <= y[j]) ? x[i] : y[j];
        while (i < n && x[i] <= v) i++;
        while (j < m && y[j] <= v) j++;
        const diff = Math.abs(i / n - j / m);
        if (diff > d) d = diff;
    }
    return d;
}

function gcd(a: number, b: number): number {
    while (b) [a, b] = [b, a % b];
    return a;
}

/**
 * Exact two-sided p-value of the two-sample KS test: probability that a uniformly random lattice path
 * from (0,0) to (n,m) leaves the band |i/n - j/m| < d. O(n·m) time, O(m) memory.
 */
export function ksExactPValue(d: number, n: number, m: number): number {
    const g = gcd(n, m);
    const lcm = (n / g) * m;
    const h = Math.round(d * lcm);
    if (h === 0) return 1;
    const sx = lcm / n; // scaled step for i
    const sy = lcm / m; // scaled step for j
    // P[j] = probability the random path passes (i, j) staying strictly inside the band
    let prev = new Float64Array(m + 1);
    let cur = new Float64Array(m + 1);
    const inside = (i: number, j: number): boolean => Math.abs(i * sx - j * sy) < h;
    prev[0] = 1;
    for (let j = 1; j <= m; j++) {
        prev[j] = inside(0, j) ? prev[j - 1] * ((m - j + 1) / (n + m - j + 1)) : 0;
    }
    for (let i = 1; i <= n; i++) {
        for (let j = 0; j <= m; j++) {
            if (!inside(i, j)) {
                cur[j] = 0;
                continue;
            }
            const rem = n - i + 1 + (m - j); // remaining steps when at (i-1, j)
            let p = prev[j] * ((n - i + 1) / rem);
            if (j > 0) p += cur[j - 1] * ((m - j + 1) / (n - i + (m - j + 1)));
            cur[j] = p;
        }
        [prev, cur] = [cur, prev];
    }
    return Math.min(1, Math.max(0, 1 - prev[m]));
}

export interface KsResult {
    statistic: number;
    pvalue: number;
    method: "exact" | "asymp";
}

/** Two-sample, two-sided KS test. `method: 'auto'` uses the exact DP when n·m <= 4e6. */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>, method: "auto" | "exact" | "asymp" = "auto"): KsResult {
    const x = sorted(a, "ksTwoSample(a)");
    const y = sorted(b, "ksTwoSample(b)");
    const d = ksStatisticSorted(x, y);
    return ksResult(d, x.length, y.length, method);
}

function ksResult(d: number, n: number, m: number, method: "auto" | "exact" | "asymp"): KsResult {
    const useExact = method === "exact" || (method === "auto" && n * m <= 4e6);
    if (useExact) return { statistic: d, pvalue: ksExactPValue(d, n, m), method: "exact" };
    const en = (n * m) / (n + m);
    return { statistic: d, pvalue: kolmogorovSf(Math.sqrt(en) * d), method: "asymp" };
}

/** 1-Wasserstein distance between two empirical distributions (optionally weighted). */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
    const x = sorted(a, "wasserstein1(a)");
    const y = sorted(b, "wasserstein1(b)");
    if (x.length === 0 || y.length === 0) throw new Error("wasserstein1: both samples must be non-empty.");
    const all = new Float64Array(x.length + y.length);
    all.set(x);
    all.set(y, x.length);
    all.sort();
    let i = 0;
    let j = 0;
    let w = 0;
    for (let k = 0; k + 1 < all.length; k++) {
        const v = all[k];
        while (i < x.length && x[i] <= v) i++;
        while (j < y.length && y[j] <= v) j++;
        w += Math.abs(i / x.length - j / y.length) * (all[k + 1] - v);
    }
    return w;
}

export interface ChiSquareResult {
    statistic: number;
    pvalue: number;
    dof: number;
}

/** Goodness of fit: observed counts vs expected counts (same total), dof = k - 1. */
export function chiSquareGoodness(observed: ArrayLike<number>, expected: ArrayLike<number>): ChiSquareResult {
    if (observed.length !== expected.length || observed.length < 2) {
        throw new Error(`chiSquareGoodness: need >= 2 categories with equal lengths (got ${observed.length} and ${expected.length}).`);
    }
    let stat = 0;
    for (let i = 0; i < observed.length; i++) {
        const e = expected[i];
        if (!(e > 0)) throw new Error(`chiSquareGoodness: expected count ${e} at category ${i} must be > 0; merge or drop empty categories.`);
        const d = observed[i] - e;
        stat += (d * d) / e;
    }
    const dof = observed.length - 1;
    return { statistic: stat, pvalue: chi2Sf(stat, dof), dof };
}

/** Chi-square test of independence on an r×c table of counts (Yates correction when dof == 1, like scipy). */
export function chiSquareContingency(table: number[][], correction = true): ChiSquareResult {
    const r = table.length;
    const c = table[0]?.length ?? 0;
    if (r < 2 || c < 2) throw new Error(`chiSquareContingency: table must be at least 2x2 (got ${r}x${c}).`);
    const rowSum = table.map((row) => row.reduce((s, v) => s + v, 0));
    const colSum = Array.from({ length: c }, (_, j) => table.reduce((s, row) => s + row[j], 0));
    const total = rowSum.reduce((s, v) => s + v, 0);
    const dof = (r - 1) * (c - 1);
    let stat = 0;
    for (let i = 0; i < r; i++) {
        for (let j = 0; j < c; j++) {
            const e = (rowSum[i] * colSum[j]) / total;
            if (!(e > 0)) throw new Error(`chiSquareContingency: row ${i} or column ${j} sums to zero; drop empty categories.`);
            let o = table[i][j];
            if (correction && dof === 1) {
                const diff = e - o;
                o += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
            }
            stat += ((o - e) * (o - e)) / e;
        }
    }
    return { statistic: stat, pvalue: chi2Sf(stat, dof), dof };
}

function normalise(p: ArrayLike<number>, what: string): Float64Array {
    let s = 0;
    for (let i = 0; i < p.length; i++) {
        if (p[i] < 0 || p[i] !== p[i]) throw new Error(`${what}: entry ${i} is ${p[i]}; probabilities/counts must be >= 0.`);
        s += p[i];
    }
    if (!(s > 0)) throw new Error(`${what}: all entries are zero; nothing to compare.`);
    const out = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) out[i] = p[i] / s;
    return out;
}

/** Jensen–Shannon DISTANCE (square root of the JS divergence, natural log), inputs normalised. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
    if (p.length !== q.length) throw new Error(`jensenShannon: vectors differ in length (${p.length} vs ${q.length}).`);
    const a = normalise(p, "jensenShannon(p)");
    const b = normalise(q, "jensenShannon(q)");
    let js = 0;
    for (let i = 0; i < a.length; i++) {
        const m = (a[i] + b[i]) / 2;
        if (a[i] > 0) js += a[i] * Math.log(a[i] / m);
        if (b[i] > 0) js += b[i] * Math.log(b[i] / m);
    }
    return Math.sqrt(Math.max(0, js / 2));
}

/** Population stability index of `actual` vs `expected` bin masses; empty bins floored at epsilon. */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, epsilon = 1e-4): number {
    if (expected.length !== actual.length) throw new Error(`psi: bin counts differ (${expected.length} vs ${actual.length}).`);
    const e = normalise(expected, "psi(expected)");
    const a = normalise(actual, "psi(actual)");
    let s = 0;
    for (let i = 0; i < e.length; i++) {
        const ei = Math.max(e[i], epsilon);
        const ai = Math.max(a[i], epsilon);
        s += (ai - ei) * Math.log(ai / ei);
    }
    return s;
}

/** Counts of a sample over bins with the given edges (right-open, last bin closed), like numpy.histogram. */
export function histogram(sample: ArrayLike<number>, edges: ArrayLike<number>): Float64Array {
    const k = edges.length - 1;
    const out = new Float64Array(k);
    for (let i = 0; i < sample.length; i++) {
        const v = sample[i];
        if (v !== v || v < edges[0] || v > edges[k]) continue;
        let lo = 0;
        let hi = k;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (v >= edges[mid + 1]) lo = mid + 1;
            else hi = mid;
        }
        out[Math.min(lo, k - 1)]++;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// step CDFs (sketches)
// ---------------------------------------------------------------------------------------------

/** F(x) of a step CDF (inclusive), as a fraction. */
export function cdfAt(c: WeightedCdf, x: number): number {
    let lo = 0;
    let hi = c.values.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (c.values[mid] <= x) lo = mid + 1;
        else hi = mid;
    }
    return lo === 0 ? 0 : c.cum[lo - 1] / c.total;
}

/** L-infinity distance between two step CDFs over the union of their points (Deequ numericalDistance). */
export function lInfinityCdf(a: WeightedCdf, b: WeightedCdf): number {
    let d = 0;
    let i = 0;
    let j = 0;
    const na = a.values.length;
    const nb = b.values.length;
    while (i < na || j < nb) {
        const v = i < na && (j >= nb || a.values[i] <= b.values[j]) ? a.values[i] : b.values[j];
        while (i < na && a.values[i] <= v) i++;
        while (j < nb && b.values[j] <= v) j++;
        const fa = i === 0 ? 0 : a.cum[i - 1] / a.total;
        const fb = j === 0 ? 0 : b.cum[j - 1] / b.total;
        const diff = Math.abs(fa - fb);
        if (diff > d) d = diff;
    }
    return d;
}

/**
 * 1-Wasserstein distance between two step CDFs: the sum over consecutive distinct points v < v' of their union of
 * |F_a(v) - F_b(v)| * (v' - v), walked as a merge of the two sorted value lists (linear, no sort).
 */
export function wassersteinCdf(a: WeightedCdf, b: WeightedCdf): number {
    let w = 0;
    let i = 0;
    let j = 0;
    const na = a.values.length;
    const nb = b.values.length;
    let prev = NaN;
    let gap = 0;
    while (i < na || j < nb) {
        const v = i < na && (j >= nb || a.values[i] <= b.values[j]) ? a.values[i] : b.values[j];
        if (prev === prev) w += gap * (v - prev);
        while (i < na && a.values[i] <= v) i++;
        while (j < nb && b.values[j] <= v) j++;
        gap = Math.abs((i === 0 ? 0 : a.cum[i - 1] / a.total) - (j === 0 ? 0 : b.cum[j - 1] / b.total));
        prev = v;
    }
    return w;
}

/** Mass of a step CDF in each bin [e_i, e_{i+1}) (last bin closed). */
export function binMasses(c: WeightedCdf, edges: ArrayLike<number>): Float64Array {
    const k = edges.length - 1;
    const out = new Float64Array(k);
    const below = (x: number): number => {
        let lo = 0;
        let hi = c.values.length;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (c.values[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo === 0 ? 0 : c.cum[lo - 1];
    };
    for (let i = 0; i < k; i++) {
        const hi = i === k - 1 ? c.total * cdfAt(c, edges[k]) : below(edges[i + 1]);
        out[i] = hi - below(edges[i]);
    }
    return out;
}

/** Equal-width bin edges over [min, max] (one bin of width 1 around a constant). */
export function equalWidthEdges(min: number, max: number, bins: number): Float64Array {
    if (!(max > min)) return Float64Array.from([min - 0.5, min + 0.5]);
    const e = new Float64Array(bins + 1);
    for (let i = 0; i <= bins; i++) e[i] = min + ((max - min) * i) / bins;
    e[bins] = max;
    return e;
}

/** Two-sample KS critical margin c(α)·sqrt((n+m)/(n·m)); Deequ / the service use c = 1.8 (α ≈ 0.003). */
export function ksMargin(n: number, m: number, cAlpha = 1.8): number {
    return cAlpha * Math.sqrt((n + m) / (n * m));
}

export interface NumericDrift {
    /** Deequ L-infinity distance (Simple). */
    linf: number;
    /** max(0, linf - KS margin) (Robust). */
    linf_robust: number;
    ks_statistic: number;
    /** Asymptotic KS p-value using the sketch weights as sample sizes. */
    ks_pvalue: number;
    wasserstein: number;
    psi: number;
    jensen_shannon: number;
    /** Bound on |sketch value - exact value| of linf/ks_statistic from the sketches' rank error. */
    rank_error_bound: number;
}

/** All numeric drift statistics from two KLL sketches (baseline first). */
export function numericDriftFromSketches(baseline: KllSketch, current: KllSketch, bins = 10): NumericDrift {
    const a = baseline.cdf();
    const b = current.cdf();
    if (a.total === 0 || b.total === 0) throw new Error("numericDriftFromSketches: a sketch is empty (no present values).");
    const linf = lInfinityCdf(a, b);
    const n = a.total;
    const m = b.total;
    const lo = Math.min(a.values[0], b.values[0]);
    const hi = Math.max(a.values[a.values.length - 1], b.values[b.values.length - 1]);
    const edges = equalWidthEdges(lo, hi, bins);
    const pa = binMasses(a, edges);
    const pb = binMasses(b, edges);
    return {
        linf,
        linf_robust: Math.max(0, linf - ksMargin(n, m)),
        ks_statistic: linf,
        ks_pvalue: kolmogorovSf(Math.sqrt((n * m) / (n + m)) * linf),
        wasserstein: wassersteinCdf(a, b),
        psi: psi(pa, pb),
        jensen_shannon: jensenShannon(pa, pb),
        rank_error_bound: baseline.rankErrorBoundFromShape() + current.rankErrorBoundFromShape(),
    };
}

export interface CategoricalDrift {
    linf: number;
    linf_robust: number;
    chi_square_statistic: number;
    chi_square_pvalue: number;
    chi_square_dof: number;
    psi: number;
    jensen_shannon: number;
}

/**
 * Categorical drift between value→count maps (baseline first). L-infinity over category frequencies
 * (Deequ categoricalLInfinityDistance); chi-square is the goodness-of-fit of current counts against
 * baseline proportions over baseline categories, regrouping small expected categories as Deequ does
 * (2 categories: every expected >= 10; more: at most 20% below 5).
 */
export function categoricalDrift(baseline: Map<string, number>, current: Map<string, number>): CategoricalDrift {
    let n = 0;
    let m = 0;
    for (const v of baseline.values()) n += v;
    for (const v of current.values()) m += v;
    if (n === 0 || m === 0) throw new Error("categoricalDrift: a distribution is empty (no present values).");
    const keys = [...new Set([...baseline.keys(), ...current.keys()])];
    let linf = 0;
    const pa: number[] = [];
    const pb: number[] = [];
    for (const k of keys) {
        const a = (baseline.get(k) ?? 0) / n;
        const b = (current.get(k) ?? 0) / m;
        pa.push(a);
        pb.push(b);
        linf = Math.max(linf, Math.abs(a - b));
    }
    // chi-square over baseline categories
    let inDomain = 0;
    for (const [k, v] of current) if (baseline.has(k)) inDomain += v;
    const exp = new Map<string, number>();
    const obs = new Map<string, number>();
    for (const [k, v] of baseline) {
        exp.set(k, (v / n) * inDomain);
        obs.set(k, current.get(k) ?? 0);
    }
    regroup(obs, exp);
    let chi: ChiSquareResult = { statistic: NaN, pvalue: NaN, dof: 0 };
    if (exp.size >= 2 && inDomain > 0)
        chi = chiSquareGoodness(
            [...exp.keys()].map((k) => obs.get(k)!),
            [...exp.values()],
        );
    return {
        linf,
        linf_robust: Math.max(0, linf - ksMargin(n, m)),
        chi_square_statistic: chi.statistic,
        chi_square_pvalue: chi.pvalue,
        chi_square_dof: chi.dof,
        psi: psi(pa, pb),
        jensen_shannon: jensenShannon(pa, pb),
    };
}

function regroup(obs: Map<string, number>, exp: Map<string, number>): void {
    for (;;) {
        if (exp.size < 2) return;
        const absT = exp.size > 2 ? 5 : 10;
        const maxBelow = exp.size > 2 ? Math.floor(0.2 * exp.size) : 0;
        let below = 0;
        for (const v of exp.values()) if (v < absT) below++;
        if (below <= maxBelow) return;
        const byExp = [...exp.entries()].sort((x, y) => x[1] - y[1]);
        const [k1, e1] = byExp[0];
        const [k2, e2] = byExp[1];
        exp.delete(k1);
        exp.set(k2, e1 + e2);
        obs.set(k2, (obs.get(k1) ?? 0) + (obs.get(k2) ?? 0));
        obs.delete(k1);
    }
}
