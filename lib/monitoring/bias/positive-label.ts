/**
 * The positive outcome of a binary label column when the user names none (Clarify's `label_values_or_threshold`).
 * Main decision: a column with exactly two distinct values gets `1` / `true` (any case) as the positive value when
 * present, otherwise the less frequent value (the outcome bias metrics are usually about, e.g. `>50K`); a column with
 * any other number of values has no safe default and is answered with its distinct values, so the caller can ask.
 */
import type { Scalar } from "./report";

export type PositiveLabel = { value: string; why: "true value" | "less frequent value" } | { distinct: string[] };

const TRUE_VALUES = ["1", "true"];

export function choosePositiveLabel(rows: Record<string, Scalar>[], label: string): PositiveLabel {
    const counts = new Map<string, number>();
    for (const r of rows) {
        const v = String(r[label] ?? "").trim();
        if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    if (counts.size !== 2) return { distinct: [...counts.keys()] };
    const [[v1, c1], [v2, c2]] = [...counts.entries()];
    const isTrue = (v: string) => TRUE_VALUES.includes(v.toLowerCase());
    const value = isTrue(v1) ? v1 : isTrue(v2) ? v2 : c1 <= c2 ? v1 : v2;
    return { value, why: isTrue(value) ? "true value" : "less frequent value" };
}
