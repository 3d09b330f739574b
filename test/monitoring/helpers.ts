import { mulberry32 } from "../../lib/common/random";
/** Shared helpers for the monitoring tests (seeded RNG, samplers, structural JSON comparator). */
export const rng: (seed: number) => () => number = mulberry32;

export function normal(r: () => number, mean = 0, sd = 1): number {
  const u = 1 - r();
  const v = r();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Structural comparison: every key path present in `reference` must exist in `candidate` with the same
 * JSON type (numbers may be the strings "NaN"/"Infinity" in either). Arrays: each candidate element is
 * compared with the reference's first element of the same type. Returns the list of mismatches.
 */
export function structuralDiff(reference: unknown, candidate: unknown, path = '$'): string[] {
  const rt = jsonType(reference);
  const ct = jsonType(candidate);
  const numLike = (t: string, v: unknown) => t === 'number' || (t === 'string' && (v === 'NaN' || v === 'Infinity' || v === '-Infinity'));
  if (rt !== ct && !(numLike(rt, reference) && numLike(ct, candidate))) return [`${path}: expected ${rt}, got ${ct}`];
  if (rt === 'array') {
    const ra = reference as unknown[];
    const ca = candidate as unknown[];
    if (ra.length === 0) return [];
    const out: string[] = [];
    ca.forEach((x, i) => out.push(...structuralDiff(ra[Math.min(i, ra.length - 1)], x, `${path}[${i}]`)));
    return out;
  }
  if (rt === 'object') {
    const out: string[] = [];
    for (const k of Object.keys(reference as object)) {
      if (!(k in (candidate as object))) out.push(`${path}.${k}: missing`);
      else out.push(...structuralDiff((reference as Record<string, unknown>)[k], (candidate as Record<string, unknown>)[k], `${path}.${k}`));
    }
    return out;
  }
  return [];
}
