import { mulberry32 } from "../common/random";
/**
 * Weighted random routing over production variants (SageMaker semantics: a variant receives
 * weight / sum(weights) of the traffic; an A/B test is a weight change). Seedable for reproducible tests.
 */

/**
 * Seeded PRNG (mulberry32) returning floats in [0, 1). Kept here rather than imported from
 * lib/training/trainer so the endpoint process does not load (and transpile) the whole trainer
 * at start-up; routing only needs a fast, reproducible uniform source.
 */
export const seededRandom: (seed: number) => () => number = mulberry32;

export class VariantRouter {
    private names: string[];
    private cum: number[] = [];
    private w: Map<string, number>;
    private readonly rng: () => number;

    constructor(variants: { name: string; weight: number }[], seed?: number) {
        this.names = variants.map((v) => v.name);
        this.w = new Map(variants.map((v) => [v.name, v.weight]));
        this.rng = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 31));
        this.rebuild();
    }

    private rebuild(): void {
        let s = 0;
        this.cum = this.names.map((n) => (s += this.w.get(n)!));
    }

    has(name: string): boolean {
        return this.w.has(name);
    }

    get variantNames(): string[] {
        return this.names.slice();
    }

    weights(): Record<string, number> {
        return Object.fromEntries(this.names.map((n) => [n, this.w.get(n)!]));
    }

    /** Pick a variant by weight. */
    pick(): string {
        const total = this.cum[this.cum.length - 1];
        const x = this.rng() * total;
        for (let i = 0; i < this.cum.length; i++) if (x < this.cum[i]) return this.names[i];
        // x == total only through rounding; last variant with positive weight
        for (let i = this.names.length - 1; i >= 0; i--) if (this.w.get(this.names[i])! > 0) return this.names[i];
        return this.names[0];
    }

    /**
     * Set new weights for the listed variants (others keep theirs), validated as a whole:
     * unknown names, negative / non-finite weights, or an all-zero result are rejected and nothing changes.
     */
    setWeights(update: Record<string, number>): Record<string, number> {
        const problems: string[] = [];
        const next = new Map(this.w);
        for (const [k, v] of Object.entries(update)) {
            if (!this.w.has(k)) problems.push(`unknown variant "${k}" (variants: ${this.names.join(", ")})`);
            else if (typeof v !== "number" || !Number.isFinite(v) || v < 0) problems.push(`weight of "${k}" is ${JSON.stringify(v)}; use a finite number >= 0`);
            else next.set(k, v);
        }
        if (Object.keys(update).length === 0) problems.push('no weights given; pass e.g. {"weights": {"A": 0.5, "B": 0.5}}');
        if (!problems.length && [...next.values()].every((v) => v === 0)) problems.push("all variant weights would be 0; keep at least one positive weight");
        if (problems.length) throw new Error(`updateWeights rejected: ${problems.join("; ")}`);
        this.w = next;
        this.rebuild();
        return this.weights();
    }
}
