/**
 * Maps between hyperparameter values and the unit cube the search strategies work in.
 *  Linear:              u = (v - min) / (max - min)
 *  Logarithmic:         u = (ln v - ln min) / (ln max - ln min)                 (min > 0)
 *  ReverseLogarithmic:  u = (ln(1 - min) - ln(1 - v)) / (ln(1 - min) - ln(1 - max))  (0 <= min < max < 1;
 *                       resolution concentrates near 1, e.g. for momentum-like values)
 *  Integer ranges use the same maps, then round to the nearest integer in range.
 *  Categorical: the cube coordinate is split into len(Values) equal intervals.
 */
import { Dimension } from "./config";

export function toUnit(d: Dimension, value: number | string): number {
    if (d.kind === "categorical") {
        const i = d.values.indexOf(String(value));
        if (i < 0) throw new Error(`toUnit: "${value}" is not one of the Values of categorical parameter "${d.name}" (${d.values.join(", ")}).`);
        return (i + 0.5) / d.values.length;
    }
    const v = Number(value);
    if (d.kind === "integer" && d.min === d.max) return 0.5;
    switch (d.scaling) {
        case "Linear":
            return (v - d.min) / (d.max - d.min);
        case "Logarithmic":
            return (Math.log(v) - Math.log(d.min)) / (Math.log(d.max) - Math.log(d.min));
        case "ReverseLogarithmic":
            return (Math.log(1 - d.min) - Math.log(1 - v)) / (Math.log(1 - d.min) - Math.log(1 - d.max));
    }
}

export function fromUnit(d: Dimension, u: number): number | string {
    const t = Math.min(1, Math.max(0, u));
    if (d.kind === "categorical") return d.values[Math.min(d.values.length - 1, Math.floor(t * d.values.length))];
    let v: number;
    switch (d.scaling) {
        case "Linear":
            v = d.min + t * (d.max - d.min);
            break;
        case "Logarithmic":
            v = Math.exp(Math.log(d.min) + t * (Math.log(d.max) - Math.log(d.min)));
            break;
        case "ReverseLogarithmic":
            v = 1 - Math.exp(Math.log(1 - d.min) - t * (Math.log(1 - d.min) - Math.log(1 - d.max)));
            break;
    }
    if (d.kind === "integer") return Math.min(d.max, Math.max(d.min, Math.round(v)));
    return Math.min(d.max, Math.max(d.min, v));
}

/** Hyperparameter values (as API strings) for a point of the unit cube. */
export function decodePoint(dims: Dimension[], u: ArrayLike<number>): Record<string, string> {
    const out: Record<string, string> = {};
    dims.forEach((d, i) => {
        const v = fromUnit(d, u[i]);
        out[d.name] = typeof v === "string" ? v : d.kind === "integer" ? String(v) : String(Number(v.toPrecision(8)));
    });
    return out;
}

/** Unit-cube coordinates of decoded values (snapped, so integers/categories map to their cell centre). */
export function encodePoint(dims: Dimension[], values: Record<string, string>): number[] {
    return dims.map((d) => toUnit(d, values[d.name]));
}

/**
 * Snap a cube point to what will actually be evaluated: integer parameters to the
 * coordinate of their rounded value, categorical ones to their cell centre; continuous
 * coordinates are only clamped. Numeric equivalent of encodePoint(decodePoint(x)).
 */
export function snapPoint(dims: Dimension[], x: ArrayLike<number>): number[] {
    const out = new Array<number>(dims.length);
    for (let i = 0; i < dims.length; i++) {
        const d = dims[i];
        const t = Math.min(1, Math.max(0, x[i]));
        if (d.kind === "continuous") out[i] = t;
        else if (d.kind === "categorical") out[i] = (Math.min(d.values.length - 1, Math.floor(t * d.values.length)) + 0.5) / d.values.length;
        else out[i] = toUnit(d, fromUnit(d, t) as number);
    }
    return out;
}
