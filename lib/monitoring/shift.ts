/**
 * A realistic covariate shift for UCI Adult rows, used to demonstrate (and test) that the data-quality
 * monitor flags drift on exactly the features that moved.
 *
 * The scenario: the model was trained on the 1994 census population; production traffic now comes from an
 * older, harder-working population with more self-employment (e.g. a product launched to small-business owners):
 *
 *  - `age`: + a uniform integer in [ageShiftMin, ageShiftMax] years (default 10–15), clipped to [ageMin, ageMax]
 *    (default 17–90, the range observed in Adult);
 *  - `hours_per_week`: × hoursFactor (default 1.25), rounded to whole hours, capped at hoursMax (default 99,
 *    Adult's maximum);
 *  - `workclass`: a row whose workclass is `Private` becomes self-employed with probability selfEmployRate
 *    (default 0.3): `Self-emp-not-inc` (70 %) or `Self-emp-inc` (30 %, the ratio of the two in Adult).
 *
 * Every other column (and the label, if present) is left exactly as it is: the shift is a covariate shift,
 * P(x) moves and the labels stay those of the original rows. Missing values (null / '' / '?') stay missing.
 *
 * Deterministic: the same rows, in the same order, with the same seed give the same output. Each row consumes
 * exactly four draws of a seeded PRNG (mulberry32), so one row's values never depend on the content of another.
 */
import { mulberry32 } from "../common/random";

export interface AdultShiftOptions {
    seed?: number;
    ageShiftMin?: number;
    ageShiftMax?: number;
    ageMin?: number;
    ageMax?: number;
    hoursFactor?: number;
    hoursMax?: number;
    selfEmployRate?: number;
}

/** Features the shift moves (everything else is untouched). */
export const SHIFTED_FEATURES = ["age", "hours_per_week", "workclass"] as const;

export const DEFAULT_ADULT_SHIFT: Required<AdultShiftOptions> = {
    seed: 20240601,
    ageShiftMin: 10,
    ageShiftMax: 15,
    ageMin: 17,
    ageMax: 90,
    hoursFactor: 1.25,
    hoursMax: 99,
    selfEmployRate: 0.3,
};

export { mulberry32 };

type Cell = string | number | boolean | null | undefined;

const isMissing = (v: Cell): boolean => v === null || v === undefined || (typeof v === "string" && (v.trim() === "" || v.trim() === "?"));

function num(v: Cell): number | undefined {
    if (isMissing(v)) return undefined;
    const x = typeof v === "number" ? v : Number(String(v).trim());
    return Number.isFinite(x) ? x : undefined;
}

/** Keep the cell's representation: numbers stay numbers, strings stay strings. */
const like = (orig: Cell, x: number): Cell => (typeof orig === "number" ? x : String(x));

function validate(o: Required<AdultShiftOptions>): void {
    const bad: string[] = [];
    if (!Number.isInteger(o.ageShiftMin) || !Number.isInteger(o.ageShiftMax) || o.ageShiftMin > o.ageShiftMax)
        bad.push(`ageShiftMin/ageShiftMax ${o.ageShiftMin}/${o.ageShiftMax} must be integers with min <= max`);
    if (!(o.ageMin <= o.ageMax)) bad.push(`ageMin ${o.ageMin} must be <= ageMax ${o.ageMax}`);
    if (!(o.hoursFactor > 0)) bad.push(`hoursFactor ${o.hoursFactor} must be > 0`);
    if (!(o.hoursMax > 0)) bad.push(`hoursMax ${o.hoursMax} must be > 0`);
    if (!(o.selfEmployRate >= 0 && o.selfEmployRate <= 1)) bad.push(`selfEmployRate ${o.selfEmployRate} must be in [0, 1]`);
    if (!Number.isInteger(o.seed)) bad.push(`seed ${o.seed} must be an integer`);
    if (bad.length) throw new Error(`shiftAdultRows: ${bad.join("; ")}.`);
}

/**
 * Shift Adult rows given as objects keyed by column name (`age`, `hours_per_week`, `workclass`, ...).
 * Returns new objects; the input is not modified. Rows without a shifted column keep it absent.
 */
export function shiftAdultRows<T extends Record<string, Cell>>(rows: readonly T[], opts: AdultShiftOptions = {}): T[] {
    const o = { ...DEFAULT_ADULT_SHIFT, ...opts };
    validate(o);
    const rand = mulberry32(o.seed);
    const span = o.ageShiftMax - o.ageShiftMin + 1;
    return rows.map((r) => {
        const uAge = rand();
        const uSelf = rand();
        const uKind = rand();
        rand(); // reserved draw: keeps the per-row stream aligned if the scenario grows
        const out: Record<string, Cell> = { ...r };
        const age = num(r.age);
        if (age !== undefined) {
            const shifted = Math.min(o.ageMax, Math.max(o.ageMin, age + o.ageShiftMin + Math.floor(uAge * span)));
            out.age = like(r.age, shifted);
        }
        const hours = num(r.hours_per_week);
        if (hours !== undefined) out.hours_per_week = like(r.hours_per_week, Math.min(o.hoursMax, Math.round(hours * o.hoursFactor)));
        if (typeof r.workclass === "string" && r.workclass.trim() === "Private" && uSelf < o.selfEmployRate) {
            out.workclass = uKind < 0.7 ? "Self-emp-not-inc" : "Self-emp-inc";
        }
        return out as T;
    });
}

/**
 * Shift raw Adult CSV feature lines (`columns` names the cells in order; cells may carry the original ", "
 * separators). Returns lines in the same format (", " separated, as the raw Adult files).
 */
export function shiftAdultCsvLines(lines: readonly string[], columns: readonly string[], opts: AdultShiftOptions = {}): string[] {
    for (const f of ["age", "hours_per_week", "workclass"]) {
        if (!columns.includes(f))
            throw new Error(`shiftAdultCsvLines: column "${f}" is not in columns (${columns.join(", ")}); pass the Adult column names in order.`);
    }
    const rows = lines.map((l) => {
        const cells = l.split(",").map((c) => c.trim());
        if (cells.length !== columns.length)
            throw new Error(`shiftAdultCsvLines: line has ${cells.length} cells, expected ${columns.length}: ${l.slice(0, 80)}`);
        return Object.fromEntries(columns.map((c, i) => [c, cells[i]])) as Record<string, Cell>;
    });
    return shiftAdultRows(rows, opts).map((r) => columns.map((c) => String(r[c] ?? "")).join(", "));
}
