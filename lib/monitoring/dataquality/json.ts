/**
 * JSON in the style the Model Monitor container writes (Jackson default pretty printer:
 * `"key" : value`, arrays inline `[ a, b ]`, doubles always with a fraction or exponent `1.0`, `1.0E-4`,
 * non-finite doubles as the strings "NaN" / "Infinity"), and atomic file writes (tmp file + rename).
 *
 * Which numbers are doubles is decided by key name ({@link DOUBLE_KEYS}); items of arrays under a
 * double key (the KLL sketch data) are doubles too. Everything else that is an integer is written as one.
 */
import * as fs from "fs";
import { writeFileAtomic as writeFileAtomicSync } from "../../data/io";

export const DOUBLE_KEYS = new Set([
    "version",
    "mean",
    "sum",
    "std_dev",
    "min",
    "max",
    "lower_bound",
    "upper_bound",
    "count",
    "c",
    "k",
    "data",
    "completeness",
    "distinct_count",
    "datatype_check_threshold",
    "domain_content_threshold",
    "comparison_threshold",
    "categorical_comparison_threshold",
    "threshold",
    "value",
    "standard_deviation",
]);

/** Java `Double.toString` rendering of a finite double (shortest round-trip digits). */
export function javaDouble(x: number): string {
    if (!Number.isFinite(x)) return x !== x ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const ax = Math.abs(x);
    if (ax >= 1e-3 && ax < 1e7) {
        const s = String(x);
        if (s.includes("e")) {
            // cannot happen in this range, kept for safety
            return x.toFixed(20).replace(/0+$/, "").replace(/\.$/, ".0");
        }
        return s.includes(".") ? s : `${s}.0`;
    }
    const [mant, exp] = x.toExponential().split("e");
    const m = mant.includes(".") ? mant : `${mant}.0`;
    return `${m}E${exp.startsWith("+") ? exp.slice(1) : exp}`;
}

function num(x: number, asDouble: boolean): string {
    if (!Number.isFinite(x)) return JSON.stringify(javaDouble(x));
    if (asDouble || !Number.isInteger(x)) return javaDouble(x);
    return String(x);
}

function fmt(v: unknown, depth: number, dbl: boolean): string {
    if (v === null || v === undefined) return "null";
    if (typeof v === "number") return num(v, dbl);
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
        const arr = Array.from(v as ArrayLike<unknown>);
        if (arr.length === 0) return "[ ]";
        return `[ ${arr.map((x) => fmt(x, depth, dbl)).join(", ")} ]`;
    }
    if (typeof v === "object") {
        const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
        if (entries.length === 0) return "{ }";
        const ind = "  ".repeat(depth + 1);
        const body = entries.map(([k, x]) => `\n${ind}${JSON.stringify(k)} : ${fmt(x, depth + 1, DOUBLE_KEYS.has(k))}`);
        return `{${body.join(",")}\n${"  ".repeat(depth)}}`;
    }
    throw new Error(`formatServiceJson: cannot serialise a ${typeof v}`);
}

/** Serialise like the Model Monitor container (no trailing newline, as the service files). */
export function formatServiceJson(v: unknown): string {
    return fmt(v, 0, false);
}

/** Parse a service JSON file; the strings "NaN"/"Infinity"/"-Infinity" under double keys become numbers. */
export function parseServiceJson<T = unknown>(text: string, where = "<json>"): T {
    let v: unknown;
    try {
        v = JSON.parse(text);
    } catch (e) {
        throw new Error(`${where}: not valid JSON (${(e as Error).message}); is this a Model Monitor statistics/constraints file?`);
    }
    const walk = (x: unknown, dbl: boolean): unknown => {
        if (typeof x === "string" && dbl && (x === "NaN" || x === "Infinity" || x === "-Infinity")) return Number(x);
        if (Array.isArray(x)) return x.map((y) => walk(y, dbl));
        if (x && typeof x === "object") {
            const o = x as Record<string, unknown>;
            for (const k of Object.keys(o)) o[k] = walk(o[k], DOUBLE_KEYS.has(k));
        }
        return x;
    };
    return walk(v, false) as T;
}

export async function readServiceJson<T = unknown>(file: string): Promise<T> {
    let text: string;
    try {
        text = await fs.promises.readFile(file, "utf8");
    } catch (e) {
        throw new Error(`cannot read ${file}: ${(e as Error).message}; check the path.`);
    }
    return parseServiceJson<T>(text, file);
}

/** Write `content` to `file` atomically (temp file, fsync, rename): lib/data/io's writeFileAtomic, the one implementation. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
    writeFileAtomicSync(file, content);
}
