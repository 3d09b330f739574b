/**
 * One loaded variant: XGBoost scorer (lib/training) + optional persisted feature transform
 * (lib/features), plus the request decoding / response encoding shared by the HTTP server and
 * batch transform.
 *
 * Request formats (`/invocations`):
 *  - `text/csv`: one row per line. With a transform, each line holds the raw input columns in the
 *    original order (Adult: 14 feature columns, no label; `?`/empty = missing); without one, each line
 *    holds numeric feature values (empty / `nan` = missing), exactly the built-in XGBoost container's
 *    CSV input (its parser turns "" into NaN).
 *  - `application/json` (an extension: the built-in XGBoost container only accepts text/csv, text/libsvm
 *    and application/x-recordio-protobuf and answers 415 to JSON): `{"instances": [row, ...]}` where a row is
 *    an array (raw column values with a transform, numbers without), `{"features": [...]}`, or — with a
 *    transform — an object keyed by input column name; or a single `{"features": [...]}`.
 * Responses: `text/csv` one probability per row (see `csvOutput`), `application/json`
 * `{"predictions":[{"score":p},...]}`, `application/jsonlines` one `{"score":p}` per line.
 */
import * as fs from "fs";
import { Booster } from "../training/model";
import { FeatureTransformError, RawRow, Transform } from "../features";
import { loadModelArtifact } from "./artifact";

/** A request problem the client must fix (HTTP status + message). */
export class InvocationError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
        this.name = "InvocationError";
    }
}

export interface Features {
    values: Float32Array;
    nRows: number;
}

export interface LoadVariantOptions {
    name: string;
    modelPath: string;
    transformPath?: string;
}

const MAX_ERR_VALUE = 40;
const show = (s: string) => JSON.stringify(s.length > MAX_ERR_VALUE ? s.slice(0, MAX_ERR_VALUE) + "..." : s);

export class ServingModel {
    readonly nFeatures: number;
    /** Raw input columns when a transform is attached. */
    readonly inputColumns?: string[];

    constructor(
        readonly name: string,
        readonly booster: Booster,
        readonly transform: Transform | undefined,
        readonly source: string,
    ) {
        this.nFeatures = booster.numFeature;
        if (transform) {
            if (transform.nCols !== booster.numFeature) {
                throw new Error(
                    `variant "${name}": the transform produces ${transform.nCols} features but the model (${source}) expects ${booster.numFeature}; pair the model with the transform.json it was trained with.`,
                );
            }
            this.inputColumns = transform.state.inputColumns.slice();
        }
    }

    static load(o: LoadVariantOptions): ServingModel {
        const art = loadModelArtifact(o.modelPath);
        let booster: Booster;
        try {
            booster = Booster.fromJSON(art.modelJson);
        } catch (e) {
            throw new Error(`variant "${o.name}": model ${art.source} cannot be loaded: ${(e as Error).message}`);
        }
        let transform: Transform | undefined;
        try {
            if (o.transformPath) {
                transform = Transform.fromJSON(fs.readFileSync(o.transformPath, "utf8"));
            } else if (art.transformJson) transform = Transform.fromJSON(art.transformJson as never);
        } catch (e) {
            throw new Error(`variant "${o.name}": transform ${o.transformPath ?? art.source + "!transform.json"} cannot be loaded: ${(e as Error).message}`);
        }
        return new ServingModel(o.name, booster, transform, art.source);
    }

    /** Decode a CSV body (one row per non-empty line) into a dense feature matrix. */
    featuresFromCsv(text: string): Features {
        const rows: string[] = [];
        let start = 0;
        while (start <= text.length) {
            let end = text.indexOf("\n", start);
            if (end < 0) end = text.length;
            const l = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
            if (l.trim() !== "") rows.push(l);
            start = end + 1;
        }
        if (rows.length === 0) throw new InvocationError(400, "the text/csv body has no rows; send one row per line");
        const nc = this.nFeatures;
        const values = new Float32Array(rows.length * nc);
        for (let r = 0; r < rows.length; r++) {
            const out = values.subarray(r * nc, (r + 1) * nc);
            if (this.transform) {
                try {
                    this.transform.applyCsvLine(rows[r], out);
                } catch (e) {
                    throw new InvocationError(400, `CSV row ${r + 1}: ${(e as Error).message}`);
                }
            } else {
                const f = rows[r].split(",");
                if (f.length !== nc) {
                    throw new InvocationError(
                        400,
                        `CSV row ${r + 1} has ${f.length} values but variant "${this.name}" expects ${nc} numeric features (no transform configured); send ${nc} comma-separated numbers per line`,
                    );
                }
                for (let j = 0; j < nc; j++) out[j] = parseNumericCell(f[j], r, j);
            }
        }
        return { values, nRows: rows.length };
    }

    /** Decode a JSON body (`{"instances":[...]}` or `{"features":[...]}`). */
    featuresFromJson(text: string): Features {
        let doc: unknown;
        try {
            doc = JSON.parse(text);
        } catch {
            // No parser detail: the preprocessing container (lib/aws/scripts/preprocess.py) answers the same text.
            throw new InvocationError(400, 'the application/json body is not valid JSON; send {"instances": [[...], ...]} or {"features": [...]}');
        }
        let rows: unknown[];
        if (doc && typeof doc === "object" && !Array.isArray(doc) && Array.isArray((doc as { instances?: unknown }).instances)) {
            rows = (doc as { instances: unknown[] }).instances;
        } else if (doc && typeof doc === "object" && !Array.isArray(doc) && Array.isArray((doc as { features?: unknown }).features)) {
            rows = [doc];
        } else {
            throw new InvocationError(
                400,
                'JSON body must be {"instances": [row, ...]} or {"features": [...]}; a row is an array of values or {"features": [...]}',
            );
        }
        if (rows.length === 0) throw new InvocationError(400, '"instances" is empty; send at least one row');
        const nc = this.nFeatures;
        const values = new Float32Array(rows.length * nc);
        for (let r = 0; r < rows.length; r++) {
            let row = rows[r];
            if (row && typeof row === "object" && !Array.isArray(row) && Array.isArray((row as { features?: unknown }).features)) {
                row = (row as { features: unknown[] }).features;
            }
            const out = values.subarray(r * nc, (r + 1) * nc);
            try {
                if (this.transform) encodeJsonRow(this.transform, row, r, out, this.inputColumns!);
                else this.numericJsonRow(row, r, out);
            } catch (e) {
                if (e instanceof InvocationError) throw e;
                throw new InvocationError(400, `instance ${r}: ${(e as Error).message}`);
            }
        }
        return { values, nRows: rows.length };
    }

    private numericJsonRow(row: unknown, r: number, out: Float32Array): void {
        const nc = this.nFeatures;
        if (!Array.isArray(row)) {
            throw new InvocationError(400, `instance ${r} must be an array of ${nc} numbers or {"features": [...]} (variant "${this.name}" has no transform)`);
        }
        if (row.length !== nc) throw new InvocationError(400, `instance ${r} has ${row.length} values but variant "${this.name}" expects ${nc} features`);
        for (let j = 0; j < nc; j++) {
            const v = row[j];
            if (v === null) out[j] = NaN;
            else if (typeof v === "number" && Number.isFinite(v)) out[j] = v;
            else throw new InvocationError(400, `instance ${r} value ${j} is ${JSON.stringify(v)}; send a finite number (null = missing)`);
        }
    }

    predict(f: Features): Float32Array {
        return this.booster.predict({ nRows: f.nRows, nCols: this.nFeatures, values: f.values });
    }
}

function parseNumericCell(raw: string, r: number, j: number): number {
    const s = raw.trim();
    if (s === "" || s === "nan" || s === "NaN" || s === "?") return NaN;
    const x = Number(s);
    if (!Number.isFinite(x)) {
        throw new InvocationError(400, `CSV row ${r + 1} column ${j + 1}: ${show(s)} is not a number; send numbers (empty = missing)`);
    }
    return x;
}

/**
 * One JSON row through a transform: lib/features has applyRecord (object → new vector) but no
 * "array of raw values" path, so arrays are mapped onto the input column names first.
 */
function encodeJsonRow(t: Transform, row: unknown, r: number, out: Float32Array, cols: string[]): void {
    let rec: RawRow;
    if (Array.isArray(row)) {
        if (row.length !== cols.length) {
            throw new InvocationError(400, `instance ${r} has ${row.length} values but the transform expects ${cols.length} (${cols.join(",")})`);
        }
        rec = {};
        for (let j = 0; j < cols.length; j++) {
            const v = row[j];
            if (v !== null && typeof v !== "string" && typeof v !== "number") {
                throw new InvocationError(400, `instance ${r} column "${cols[j]}" is ${JSON.stringify(v)}; send a string, number or null`);
            }
            rec[cols[j]] = v;
        }
    } else if (row && typeof row === "object") {
        const known = new Set(cols);
        const extra = Object.keys(row).filter((k) => !known.has(k));
        if (extra.length) throw new InvocationError(400, `instance ${r} has unknown column(s) ${extra.join(", ")}; expected keys from ${cols.join(",")}`);
        for (const [k, v] of Object.entries(row)) {
            if (v !== null && typeof v !== "string" && typeof v !== "number") {
                throw new InvocationError(400, `instance ${r} column "${k}" is ${JSON.stringify(v)}; send a string, number or null`);
            }
        }
        rec = row as RawRow;
    } else {
        throw new InvocationError(400, `instance ${r} must be an array of ${cols.length} raw values or an object keyed by column name`);
    }
    try {
        out.set(t.applyRecord(rec));
    } catch (e) {
        if (e instanceof FeatureTransformError) throw new InvocationError(400, `instance ${r}: ${e.message}`);
        throw e;
    }
}

export type ResponseType = "text/csv" | "application/json" | "application/jsonlines";

/** Encode probabilities like the built-in XGBoost container (`str(float)` per value). */
export function encodePredictions(p: Float32Array, accept: ResponseType, csvOutput: "lines" | "comma" = "lines"): string {
    const n = p.length;
    if (accept === "text/csv") {
        if (n === 1) return String(p[0]);
        const parts = new Array<string>(n);
        for (let i = 0; i < n; i++) parts[i] = String(p[i]);
        return parts.join(csvOutput === "comma" ? "," : "\n");
    }
    if (accept === "application/json") {
        let s = '{"predictions":[';
        for (let i = 0; i < n; i++) s += (i ? ',{"score":' : '{"score":') + String(p[i]) + "}";
        return s + "]}";
    }
    let s = "";
    for (let i = 0; i < n; i++) s += '{"score":' + String(p[i]) + "}\n";
    return s;
}
