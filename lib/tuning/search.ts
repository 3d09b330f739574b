/**
 * Search strategies over the unit cube. Both maximise (the tuner negates
 * Minimize objectives).
 *  - Random: independent uniform draws.
 *  - Bayesian: GP (Matern 5/2) + expected improvement. The first `nInitial`
 *    suggestions are random; afterwards the GP is fitted to the observations,
 *    pending (still running) points are added with the GP's predicted mean
 *    ("kriging believer") so parallel suggestions spread out, and EI is maximised
 *    over uniform candidates plus Gaussian perturbations of the best points.
 */
import { GaussianProcess, expectedImprovement } from "./gp";
import { makeRng } from "../training/trainer";

export interface Observation {
    x: number[];
    y: number;
}

export interface SearchStrategy {
    suggest(observations: Observation[], pending: number[][]): number[];
}

export class RandomSearch implements SearchStrategy {
    private rng: () => number;
    constructor(
        private readonly dims: number,
        seed: number,
    ) {
        this.rng = makeRng(seed);
    }
    suggest(): number[] {
        return Array.from({ length: this.dims }, () => this.rng());
    }
}

export interface BayesianOptions {
    nInitial?: number;
    nCandidates?: number;
    /** optional snapping of cube points (integers/categories) so the GP sees what was actually evaluated */
    snap?: (x: number[]) => number[];
}

export class BayesianSearch implements SearchStrategy {
    private rng: () => number;
    private readonly nInitial: number;
    private readonly nCandidates: number;
    private readonly snap: (x: number[]) => number[];

    constructor(
        private readonly dims: number,
        seed: number,
        opts: BayesianOptions = {},
    ) {
        this.rng = makeRng(seed);
        this.nInitial = opts.nInitial ?? Math.max(3, Math.min(10, dims + 2));
        this.nCandidates = opts.nCandidates ?? 1500;
        this.snap = opts.snap ?? ((x) => x);
    }

    private gauss(): number {
        const u = Math.max(this.rng(), 1e-12);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rng());
    }

    private random(): number[] {
        return Array.from({ length: this.dims }, () => this.rng());
    }

    suggest(observations: Observation[], pending: number[][]): number[] {
        const obs = observations.filter((o) => Number.isFinite(o.y));
        if (obs.length < this.nInitial) return this.random();
        let X = obs.map((o) => o.x);
        let y = obs.map((o) => o.y);
        let gp = new GaussianProcess(X, y);
        if (pending.length > 0) {
            X = X.concat(pending);
            y = y.concat(pending.map((p) => gp.predict(p).mean));
            gp = new GaussianProcess(X, y);
        }
        const best = Math.max(...obs.map((o) => o.y));
        const order = obs
            .slice()
            .sort((a, b) => b.y - a.y)
            .slice(0, 5);
        let bestX = this.random();
        let bestEi = -Infinity;
        const consider = (x: number[]) => {
            const s = this.snap(x);
            const { mean, std } = gp.predict(s);
            const ei = expectedImprovement(mean, std, best, 0.01 * gp.targetStd);
            if (ei > bestEi) {
                bestEi = ei;
                bestX = x;
            }
        };
        for (let c = 0; c < this.nCandidates; c++) consider(this.random());
        for (const o of order) {
            for (const scale of [0.2, 0.05, 0.01]) {
                for (let c = 0; c < 60; c++) consider(o.x.map((v) => Math.min(1, Math.max(0, v + scale * this.gauss()))));
            }
        }
        return bestX;
    }
}
