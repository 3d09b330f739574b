import { strict as assert } from "assert";
import { mulberry32 } from "../../lib/common/random";
import type { StatisticsFile } from "../../lib/monitoring";
/** Shared helpers for the monitoring tests (seeded RNG, samplers, structural JSON comparator). */
export const rng: (seed: number) => () => number = mulberry32;

export function normal(r: () => number, mean = 0, sd = 1): number {
    const u = 1 - r();
    const v = r();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function jsonType(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    return typeof v;
}

/**
 * Structural comparison: every key path present in `reference` must exist in `candidate` with the same
 * JSON type (numbers may be the strings "NaN"/"Infinity" in either). Arrays: each candidate element is
 * compared with the reference's first element of the same type. Returns the list of mismatches.
 */
export function structuralDiff(reference: unknown, candidate: unknown, path = "$"): string[] {
    const rt = jsonType(reference);
    const ct = jsonType(candidate);
    const numLike = (t: string, v: unknown) => t === "number" || (t === "string" && (v === "NaN" || v === "Infinity" || v === "-Infinity"));
    if (rt !== ct && !(numLike(rt, reference) && numLike(ct, candidate))) return [`${path}: expected ${rt}, got ${ct}`];
    if (rt === "array") {
        const ra = reference as unknown[];
        const ca = candidate as unknown[];
        if (ra.length === 0) return [];
        const out: string[] = [];
        ca.forEach((x, i) => out.push(...structuralDiff(ra[Math.min(i, ra.length - 1)], x, `${path}[${i}]`)));
        return out;
    }
    if (rt === "object") {
        const out: string[] = [];
        for (const k of Object.keys(reference as object)) {
            if (!(k in (candidate as object))) out.push(`${path}.${k}: missing`);
            else out.push(...structuralDiff((reference as Record<string, unknown>)[k], (candidate as Record<string, unknown>)[k], `${path}.${k}`));
        }
        return out;
    }
    return [];
}

/** Everything but the KLL sketch/buckets and std_dev must be identical; std_dev to 1e-12 relative. */
export function assertExactStatisticsEqual(merged: StatisticsFile, single: StatisticsFile, what: string): void {
    assert.equal(merged.dataset.item_count, single.dataset.item_count, `${what}: item_count`);
    assert.deepEqual(
        merged.features.map((f) => f.name),
        single.features.map((f) => f.name),
        `${what}: feature order`,
    );
    single.features.forEach((s, j) => {
        const m = merged.features[j];
        assert.equal(m.inferred_type, s.inferred_type, `${what}: ${s.name} type`);
        if (s.string_statistics) assert.deepEqual(m.string_statistics, s.string_statistics, `${what}: ${s.name} string statistics`);
        if (s.numerical_statistics) {
            const a = m.numerical_statistics!,
                b = s.numerical_statistics!;
            assert.deepEqual(a.common, b.common, `${what}: ${s.name} counts`);
            assert.equal(a.sum, b.sum, `${what}: ${s.name} sum`);
            assert.equal(a.mean, b.mean, `${what}: ${s.name} mean`);
            assert.equal(a.min, b.min, `${what}: ${s.name} min`);
            assert.equal(a.max, b.max, `${what}: ${s.name} max`);
            assert.ok(Math.abs(a.std_dev - b.std_dev) <= 1e-12 * Math.max(1, Math.abs(b.std_dev)), `${what}: ${s.name} std_dev ${a.std_dev} vs ${b.std_dev}`);
            const w = a.distribution.kll.sketch.data.reduce((t, l, h) => t + l.length * 2 ** h, 0);
            assert.equal(w, b.common.num_present, `${what}: ${s.name} sketch weight`);
        }
    });
}
