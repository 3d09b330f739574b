/**
 * Feature transform: fitted on the training split only, persisted as JSON,
 * applied identically in batch (training / batch transform) and per row
 * (online endpoint).
 */
import * as fs from "fs";
import type { DMatrix } from "../training/dmatrix";
import { ADULT_SCHEMA, DatasetSchema } from "../data/schema";
import { splitDelimited, writeFileAtomic } from "../data/io";
import { float32Text } from "../training/model";

export type Encoding = "onehot" | "ordinal";
/** Accepted spellings in specs; 'one-hot' is normalised to 'onehot'. */
export type EncodingInput = Encoding | "one-hot";

function normaliseEncoding(e: string | undefined, where: string): Encoding {
    if (e === undefined || e === "onehot" || e === "one-hot") return "onehot";
    if (e === "ordinal") return "ordinal";
    throw new FeatureTransformError(`${where}: encoding ${JSON.stringify(e)} is not supported; use 'onehot' (or 'one-hot') or 'ordinal'`);
}
/** 'nan': keep NaN so tree learners pick a default direction; 'median': impute the train median. */
export type NumericMissing = "nan" | "median";
/** 'log1p' is signed: sign(x) * ln(1 + |x|), so negative inputs stay finite. */
export type NumericTransform = "none" | "log1p";

export interface NumericFeatureSpec {
    name: string;
    transform?: NumericTransform;
    missing?: NumericMissing;
}

export interface CategoricalFeatureSpec {
    name: string;
    encoding?: EncodingInput;
    minFrequency?: number;
}

export interface FeatureSpec {
    numeric: NumericFeatureSpec[];
    categorical: CategoricalFeatureSpec[];
    /** Default encoding for categorical features (default 'onehot'; 'one-hot' is accepted). */
    encoding?: EncodingInput;
    /**
     * Categories seen fewer times than this in train go to the "other" bucket
     * (together with categories unseen at inference). Values < 1 are a fraction
     * of the training rows, values ≥ 1 an absolute count. Default 10.
     */
    minFrequency?: number;
    /** Default missing-value policy for numeric features (default 'nan'). */
    numericMissing?: NumericMissing;
    /** Label column (default 'label'). */
    label?: string;
    /** Optional per-row weight column for toDMatrix. */
    weight?: string;
    /**
     * Column order of a raw CSV line for applyCsvLine (the original feature columns).
     * Columns not used by any feature are accepted and ignored. Default: numeric then categorical names.
     */
    inputColumns?: string[];
    /** Raw tokens that mean missing at inference (default ['?', '']). */
    missingTokens?: string[];
}

export const OTHER = "__other__";
export const MISSING = "__missing__";
export const TRANSFORM_FORMAT = "ml-platform/feature-transform";
export const TRANSFORM_VERSION = 1;

export interface FittedNumeric {
    name: string;
    transform: NumericTransform;
    missing: NumericMissing;
    /** Train median of the raw value (null when the column had no values). */
    median: number | null;
    trainMissing: number;
}

export interface FittedCategorical {
    name: string;
    encoding: Encoding;
    /** Kept categories, most frequent first (ties by name). */
    categories: string[];
    /** Train counts of the kept categories (same order). */
    counts: number[];
    /** Train rows whose category was rare (→ other). */
    rareRows: number;
    /** Number of distinct rare categories folded into other. */
    rareCategories: number;
    trainMissing: number;
    minCount: number;
}

export interface TransformJSON {
    format: typeof TRANSFORM_FORMAT;
    version: number;
    createdAt: string;
    trainRows: number;
    label: string;
    weight?: string;
    inputColumns: string[];
    missingTokens: string[];
    numeric: FittedNumeric[];
    categorical: FittedCategorical[];
    featureNames: string[];
}

export type RawValue = string | number | null | undefined;
export type RawRow = Record<string, RawValue>;

export interface FeatureMatrix {
    featureNames: string[];
    /** Row-major, NaN = missing. */
    values: Float32Array;
    nRows: number;
    nCols: number;
}

function signedLog1p(x: number): number {
    return x < 0 ? -Math.log1p(-x) : Math.log1p(x);
}

function median(sorted: number[]): number | null {
    if (!sorted.length) return null;
    const m = sorted.length >> 1;
    return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export class FeatureTransformError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "FeatureTransformError";
    }
}

/** A fitted, immutable transform. Create with `fit` or `Transform.fromJSON` / `loadTransform`. */
export class Transform {
    readonly featureNames: string[];
    readonly nCols: number;
    private readonly missingSet: Set<string>;
    /** For each categorical: value → column offset (one-hot) or code (ordinal). */
    private readonly catIndex: Map<string, number>[];
    /** Column offset of each categorical block. */
    private readonly catOffset: number[];
    /** For each input column position: feature slot (>=0 numeric i, <0 categorical -(j+1)), or null. */
    private readonly inputSlots: (number | null)[];

    constructor(readonly state: TransformJSON) {
        if (!state || state.format !== TRANSFORM_FORMAT) {
            throw new FeatureTransformError(
                `not a feature transform: expected format "${TRANSFORM_FORMAT}", got ${JSON.stringify(state?.format)}; load the transform.json written by fitTransform`,
            );
        }
        if (state.version !== TRANSFORM_VERSION) {
            throw new FeatureTransformError(
                `unsupported transform version ${state.version} (this code reads version ${TRANSFORM_VERSION}); refit the transform with this version`,
            );
        }
        this.featureNames = state.featureNames.slice();
        this.nCols = this.featureNames.length;
        this.missingSet = new Set(state.missingTokens);
        let offset = state.numeric.length;
        this.catIndex = [];
        this.catOffset = [];
        for (const c of state.categorical) {
            const m = new Map<string, number>();
            c.categories.forEach((v, i) => m.set(v, i));
            this.catIndex.push(m);
            this.catOffset.push(offset);
            offset += c.encoding === "onehot" ? c.categories.length + 2 : 1;
        }
        if (offset !== this.nCols) throw new FeatureTransformError(`corrupt transform: ${this.nCols} feature names but the encoders produce ${offset} columns`);
        const numPos = new Map(state.numeric.map((n, i) => [n.name, i]));
        const catPos = new Map(state.categorical.map((c, j) => [c.name, j]));
        this.inputSlots = state.inputColumns.map((name) => (numPos.has(name) ? numPos.get(name)! : catPos.has(name) ? -(catPos.get(name)! + 1) : null));
    }

    toJSON(): TransformJSON {
        return this.state;
    }

    static fromJSON(json: TransformJSON | string): Transform {
        return new Transform(typeof json === "string" ? (JSON.parse(json) as TransformJSON) : json);
    }

    /** Persist atomically as JSON (e.g. `<model-dir>/transform.json`). */
    save(file: string): void {
        writeFileAtomic(file, JSON.stringify(this.state, null, 2) + "\n");
    }

    private isMissing(v: RawValue): boolean {
        if (v === null || v === undefined) return true;
        if (typeof v === "number") return Number.isNaN(v);
        return this.missingSet.has(v.trim());
    }

    private encodeNumeric(i: number, v: RawValue, out: Float32Array, base: number): void {
        const spec = this.state.numeric[i];
        let x: number;
        if (this.isMissing(v)) {
            if (spec.missing === "median" && spec.median !== null) x = spec.median;
            else {
                out[base + i] = NaN;
                return;
            }
        } else if (typeof v === "number") x = v;
        else {
            x = Number((v as string).trim());
            if (!Number.isFinite(x))
                throw new FeatureTransformError(
                    `column "${spec.name}": value "${String(v).slice(0, 40)}" is not a number; send a number, or "?"/empty for missing`,
                );
        }
        if (!Number.isFinite(x))
            throw new FeatureTransformError(`column "${spec.name}": value ${x} is not finite; send a finite number, or "?"/empty for missing`);
        const y = spec.transform === "log1p" ? signedLog1p(x) : x;
        // Model features are float32 (XGBoost's DMatrix): a finite number beyond float32's range would become Infinity.
        if (!Number.isFinite(Math.fround(y))) {
            throw new FeatureTransformError(
                `column "${spec.name}": value ${x} is outside the float32 range of the model features (magnitude below 3.4e38); send a smaller number`,
            );
        }
        out[base + i] = y;
    }

    private encodeCategorical(j: number, v: RawValue, out: Float32Array, base: number): void {
        const spec = this.state.categorical[j];
        const k = spec.categories.length;
        let code: number;
        if (this.isMissing(v)) code = k + 1;
        else {
            const key = typeof v === "string" ? v.trim() : String(v);
            const idx = this.catIndex[j].get(key);
            code = idx === undefined ? k : idx;
        }
        const off = base + this.catOffset[j];
        if (spec.encoding === "onehot") {
            for (let t = 0; t < k + 2; t++) out[off + t] = 0;
            out[off + code] = 1;
        } else out[off] = code;
    }

    private encodeObject(row: RawRow, out: Float32Array, base: number): void {
        const st = this.state;
        for (let i = 0; i < st.numeric.length; i++) this.encodeNumeric(i, row[st.numeric[i].name], out, base);
        for (let j = 0; j < st.categorical.length; j++) this.encodeCategorical(j, row[st.categorical[j].name], out, base);
    }

    /** Batch path: rows keyed by column name → row-major Float32Array. */
    apply(rows: readonly RawRow[]): FeatureMatrix {
        const nRows = rows.length;
        const values = new Float32Array(nRows * this.nCols);
        for (let r = 0; r < nRows; r++) this.encodeObject(rows[r], values, r * this.nCols);
        return { featureNames: this.featureNames.slice(), values, nRows, nCols: this.nCols };
    }

    /** Single-row path for a JSON record keyed by column name. */
    applyRecord(row: RawRow): Float32Array {
        const out = new Float32Array(this.nCols);
        this.encodeObject(row, out, 0);
        return out;
    }

    /**
     * Single-row path for a raw CSV line of the original input columns
     * (`inputColumns`, e.g. Adult's 14 feature columns, no label). Fields are
     * trimmed; `?`/empty are missing; unseen categories go to "other".
     */
    applyCsvLine(line: string, out?: Float32Array): Float32Array {
        let text = line;
        if (text.endsWith("\n")) text = text.slice(0, -1);
        if (text.endsWith("\r")) text = text.slice(0, -1);
        const fields = splitDelimited(text, ",");
        if (fields.length !== this.inputSlots.length) {
            throw new FeatureTransformError(
                `CSV line has ${fields.length} fields but the transform expects ${this.inputSlots.length} (${this.state.inputColumns.join(",")}); send exactly these columns in this order, without the label`,
            );
        }
        return this.applyValues(fields, out);
    }

    /**
     * Single-row path for an array of raw values in `inputColumns` order (e.g. a JSON
     * `instances` row). Same semantics as applyCsvLine without the text parsing.
     */
    applyValues(values: readonly RawValue[], out?: Float32Array): Float32Array {
        const slots = this.inputSlots;
        if (values.length !== slots.length) {
            throw new FeatureTransformError(
                `row has ${values.length} values but the transform expects ${slots.length} (${this.state.inputColumns.join(",")}); send exactly these columns in this order, without the label`,
            );
        }
        const vec = out ?? new Float32Array(this.nCols);
        if (vec.length !== this.nCols) throw new FeatureTransformError(`output buffer has length ${vec.length}, expected ${this.nCols}`);
        for (let p = 0; p < slots.length; p++) {
            const s = slots[p];
            if (s === null) continue;
            if (s >= 0) this.encodeNumeric(s, values[p], vec, 0);
            else this.encodeCategorical(-s - 1, values[p], vec, 0);
        }
        return vec;
    }

    /** Batch path producing the trainer's DMatrix (labels from the label column, optional weights). */
    toDMatrix(rows: readonly RawRow[]): DMatrix {
        const m = this.apply(rows);
        const labels = new Float32Array(rows.length);
        const lab = this.state.label;
        for (let r = 0; r < rows.length; r++) {
            const y = rows[r][lab];
            const n = typeof y === "number" ? y : y === null || y === undefined || y === "" ? NaN : Number(y);
            if (!Number.isFinite(n))
                throw new FeatureTransformError(`row ${r}: label column "${lab}" is ${JSON.stringify(y)}; every training row needs a numeric label`);
            labels[r] = n;
        }
        const dm: DMatrix = { nRows: m.nRows, nCols: m.nCols, values: m.values, labels, featureNames: m.featureNames };
        if (this.state.weight) {
            const w = new Float32Array(rows.length);
            for (let r = 0; r < rows.length; r++) {
                const v = Number(rows[r][this.state.weight]);
                if (!(Number.isFinite(v) && v >= 0))
                    throw new FeatureTransformError(
                        `row ${r}: weight column "${this.state.weight}" is ${JSON.stringify(rows[r][this.state.weight])}; weights must be finite and >= 0`,
                    );
                w[r] = v;
            }
            dm.weights = w;
        }
        return dm;
    }
}

/** Fit a transform on training rows only. */
export function fit(trainRows: readonly RawRow[], spec: FeatureSpec): Transform {
    if (!trainRows.length) throw new FeatureTransformError("fit: no training rows; fit on the (non-empty) train split");
    const encoding = normaliseEncoding(spec.encoding, "fit");
    const numericMissing = spec.numericMissing ?? "nan";
    const missingTokens = spec.missingTokens ?? ["?", ""];
    const missingSet = new Set(missingTokens);
    const isMissing = (v: RawValue) => v === null || v === undefined || (typeof v === "number" ? Number.isNaN(v) : missingSet.has(v.trim()));
    const first = trainRows[0];
    const all = [...spec.numeric.map((n) => n.name), ...spec.categorical.map((c) => c.name)];
    const dup = all.find((n, i) => all.indexOf(n) !== i);
    if (dup) throw new FeatureTransformError(`fit: column "${dup}" appears twice in the feature spec; list each column once`);
    for (const name of all) {
        if (!(name in first))
            throw new FeatureTransformError(
                `fit: column "${name}" from the feature spec is not in the training rows (have: ${Object.keys(first).join(", ")}); fix the spec or the data`,
            );
    }
    const minFreqOf = (f: number | undefined) => {
        const mf = f ?? spec.minFrequency ?? 10;
        if (!(mf >= 0)) throw new FeatureTransformError(`fit: minFrequency must be >= 0, got ${mf}`);
        return mf < 1 ? Math.ceil(mf * trainRows.length) : Math.ceil(mf);
    };

    const numeric: FittedNumeric[] = spec.numeric.map((n) => {
        const vals: number[] = [];
        let miss = 0;
        for (const r of trainRows) {
            const v = r[n.name];
            if (isMissing(v)) {
                miss++;
                continue;
            }
            const x = typeof v === "number" ? v : Number((v as string).trim());
            if (!Number.isFinite(x))
                throw new FeatureTransformError(
                    `fit: column "${n.name}" has non-numeric value "${String(v).slice(0, 40)}"; clean the data with prepare() first`,
                );
            vals.push(x);
        }
        vals.sort((a, b) => a - b);
        const transform = n.transform ?? "none";
        const missing = n.missing ?? numericMissing;
        if (transform !== "none" && transform !== "log1p")
            throw new FeatureTransformError(`fit: column "${n.name}": transform ${JSON.stringify(transform)} is not supported; use 'none' or 'log1p'`);
        if (missing !== "nan" && missing !== "median")
            throw new FeatureTransformError(`fit: column "${n.name}": missing ${JSON.stringify(missing)} is not supported; use 'nan' or 'median'`);
        return { name: n.name, transform, missing, median: median(vals), trainMissing: miss };
    });

    const categorical: FittedCategorical[] = spec.categorical.map((c) => {
        const counts = new Map<string, number>();
        let miss = 0;
        for (const r of trainRows) {
            const v = r[c.name];
            if (isMissing(v)) {
                miss++;
                continue;
            }
            const key = typeof v === "string" ? v.trim() : String(v);
            counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        const minCount = minFreqOf(c.minFrequency);
        const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const kept = sorted.filter(([k, n]) => n >= minCount && k !== OTHER && k !== MISSING);
        const rare = sorted.filter((e) => !kept.includes(e));
        return {
            name: c.name,
            encoding: c.encoding === undefined ? encoding : normaliseEncoding(c.encoding, `fit: column "${c.name}"`),
            categories: kept.map(([k]) => k),
            counts: kept.map(([, n]) => n),
            rareRows: rare.reduce((s, [, n]) => s + n, 0),
            rareCategories: rare.length,
            trainMissing: miss,
            minCount,
        };
    });

    const featureNames: string[] = numeric.map((n) => (n.transform === "log1p" ? `log1p(${n.name})` : n.name));
    for (const c of categorical) {
        if (c.encoding === "onehot") featureNames.push(...c.categories.map((k) => `${c.name}=${k}`), `${c.name}=${OTHER}`, `${c.name}=${MISSING}`);
        else featureNames.push(c.name);
    }
    return new Transform({
        format: TRANSFORM_FORMAT,
        version: TRANSFORM_VERSION,
        createdAt: new Date().toISOString(),
        trainRows: trainRows.length,
        label: spec.label ?? "label",
        ...(spec.weight ? { weight: spec.weight } : {}),
        inputColumns: spec.inputColumns ?? all,
        missingTokens,
        numeric,
        categorical,
        featureNames,
    });
}

export interface SchemaSpecOptions {
    encoding?: EncodingInput;
    minFrequency?: number;
    numericMissing?: NumericMissing;
    /** Numeric columns to log1p (default for Adult: capital_gain, capital_loss). */
    log1p?: string[];
}

/** A feature spec covering every feature column of a schema; CSV input order = schema order. */
export function featureSpecFromSchema(schema: DatasetSchema = ADULT_SCHEMA, opts: SchemaSpecOptions = {}): FeatureSpec {
    const log1p = new Set(opts.log1p ?? (schema === ADULT_SCHEMA ? ["capital_gain", "capital_loss"] : []));
    return {
        numeric: schema.columns.filter((c) => c.type !== "categorical").map((c) => ({ name: c.name, transform: log1p.has(c.name) ? "log1p" : "none" })),
        categorical: schema.columns.filter((c) => c.type === "categorical").map((c) => ({ name: c.name })),
        encoding: normaliseEncoding(opts.encoding, "featureSpecFromSchema"),
        minFrequency: opts.minFrequency ?? 10,
        numericMissing: opts.numericMissing ?? "nan",
        label: schema.label.name,
        inputColumns: schema.columns.map((c) => c.name),
        missingTokens: [...schema.missingTokens],
    };
}

/**
 * Fit on train rows (default spec: every Adult feature, one-hot, minFrequency 10,
 * NaN for missing numerics, log1p capital_gain/loss) and optionally persist to `outFile`.
 */
export function fitTransform(trainRows: readonly RawRow[], spec: FeatureSpec = featureSpecFromSchema(), outFile?: string): Transform {
    const t = fit(trainRows, spec);
    if (outFile) t.save(outFile);
    return t;
}

/** Load a persisted transform.json. */
export function loadTransform(file: string): Transform {
    if (!fs.existsSync(file)) throw new FeatureTransformError(`${file}: transform file not found; run fitTransform(trainRows, spec, '${file}') first`);
    let json: TransformJSON;
    try {
        json = JSON.parse(fs.readFileSync(file, "utf8")) as TransformJSON;
    } catch (e) {
        throw new FeatureTransformError(`${file}: not valid JSON (${(e as Error).message}); refit the transform`);
    }
    return Transform.fromJSON(json);
}

/**
 * One row of model features as the built-in XGBoost container's CSV input: `float32Text` per value (the shortest
 * decimal that reads back as the same float32), NaN written empty (= missing). The features step's model-input CSV
 * and the inference pipeline's preprocessing container (lib/aws/scripts/preprocess.py) write exactly this text.
 */
export function featureCsvLine(values: ArrayLike<number>, start = 0, n = values.length - start): string {
    const cells = new Array<string>(n);
    for (let c = 0; c < n; c++) {
        const v = values[start + c];
        cells[c] = Number.isNaN(v) ? "" : float32Text(v);
    }
    return cells.join(",");
}
