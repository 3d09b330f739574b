/**
 * Gaussian-process regression on the unit cube with a Matern 5/2 kernel and
 * expected improvement, for Bayesian hyperparameter search.
 *  k(x, x') = exp-term Matern 5/2 with per-model length scale l (isotropic), unit signal variance
 *  on standardised targets, plus a noise term; (l, noise) picked by maximising the log marginal
 *  likelihood over a small grid.
 */

function cholesky(a: Float64Array, n: number): Float64Array | null {
    const l = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
            let s = a[i * n + j];
            for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
            if (i === j) {
                if (!(s > 0)) return null;
                l[i * n + i] = Math.sqrt(s);
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    return l;
}

function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
        let s = b[i];
        for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
        x[i] = s / l[i * n + i];
    }
    return x;
}

function solveUpper(l: Float64Array, n: number, b: Float64Array): Float64Array {
    // solves L^T x = b
    const x = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
        let s = b[i];
        for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
        x[i] = s / l[i * n + i];
    }
    return x;
}

export function matern52(r: number, lengthScale: number): number {
    const s = (Math.sqrt(5) * r) / lengthScale;
    return (1 + s + (s * s) / 3) * Math.exp(-s);
}

function dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let s = 0;
    for (let i = 0; i < a.length; i++) {
        const d = a[i] - b[i];
        s += d * d;
    }
    return Math.sqrt(s);
}

export class GaussianProcess {
    private l!: Float64Array;
    private alpha!: Float64Array;
    private mean = 0;
    private std = 1;
    /** standard deviation of the training targets (the scale EI's exploration margin uses) */
    get targetStd(): number {
        return this.std;
    }
    lengthScale = 0.3;
    noise = 1e-4;

    constructor(
        private readonly X: number[][],
        y: number[],
    ) {
        const n = y.length;
        this.mean = y.reduce((a, b) => a + b, 0) / n;
        const v = y.reduce((a, b) => a + (b - this.mean) ** 2, 0) / n;
        this.std = v > 0 ? Math.sqrt(v) : 1;
        const ys = Float64Array.from(y, (t) => (t - this.mean) / this.std);
        let best = -Infinity;
        for (const ls of [0.08, 0.15, 0.25, 0.4, 0.65, 1.0, 1.6]) {
            for (const noise of [1e-6, 1e-3, 1e-2, 1e-1]) {
                const fit = this.fit(ls, noise, ys);
                if (fit && fit.lml > best) {
                    best = fit.lml;
                    this.lengthScale = ls;
                    this.noise = noise;
                    this.l = fit.l;
                    this.alpha = fit.alpha;
                }
            }
        }
        if (!this.l) throw new Error("GaussianProcess: kernel matrix is not positive definite for any length scale; observations may contain NaN.");
    }

    private fit(ls: number, noise: number, ys: Float64Array) {
        const n = ys.length;
        const k = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
            for (let j = 0; j <= i; j++) {
                const v = matern52(dist(this.X[i], this.X[j]), ls) + (i === j ? noise + 1e-9 : 0);
                k[i * n + j] = v;
                k[j * n + i] = v;
            }
        }
        const l = cholesky(k, n);
        if (!l) return null;
        const alpha = solveUpper(l, n, solveLower(l, n, ys));
        let lml = 0;
        for (let i = 0; i < n; i++) lml += -0.5 * ys[i] * alpha[i] - Math.log(l[i * n + i]);
        return { l, alpha, lml };
    }

    /** Posterior mean and standard deviation in the original target units. */
    predict(x: ArrayLike<number>): { mean: number; std: number } {
        const n = this.X.length;
        const ks = new Float64Array(n);
        for (let i = 0; i < n; i++) ks[i] = matern52(dist(x, this.X[i]), this.lengthScale);
        let mu = 0;
        for (let i = 0; i < n; i++) mu += ks[i] * this.alpha[i];
        const v = solveLower(this.l, n, ks);
        let var_ = 1;
        for (let i = 0; i < n; i++) var_ -= v[i] * v[i];
        return { mean: this.mean + this.std * mu, std: this.std * Math.sqrt(Math.max(var_, 1e-12)) };
    }
}

function normPdf(z: number): number {
    return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf approximation, |error| < 1.5e-7). */
export function normCdf(z: number): number {
    const x = Math.abs(z) / Math.SQRT2;
    const t = 1 / (1 + 0.3275911 * x);
    const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
    return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Expected improvement over `best` for maximisation, with exploration margin xi. */
export function expectedImprovement(mean: number, std: number, best: number, xi = 0.01): number {
    if (std <= 0) return Math.max(0, mean - best - xi);
    const imp = mean - best - xi;
    const z = imp / std;
    return imp * normCdf(z) + std * normPdf(z);
}
