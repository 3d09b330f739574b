/**
 * Dense input matrix shared between feature engineering (producer) and the
 * gradient-boosted-tree trainer / scorer (consumer).
 *
 * Contract:
 *  - `values` is row-major, length nRows * nCols; NaN marks a missing value.
 *  - `labels` has length nRows (0/1 for binary:logistic).
 *  - `featureNames` has length nCols.
 *  - `weights`, when present, has length nRows, all finite and >= 0.
 */
export interface DMatrix {
    nRows: number;
    nCols: number;
    values: Float32Array;
    labels: Float32Array;
    featureNames: string[];
    weights?: Float32Array;
}

export interface FromRowsOptions {
    featureNames?: string[];
    weights?: ArrayLike<number>;
}

/** Build a DMatrix from `number[][]` rows. null/undefined/NaN cells become missing (NaN). */
export function dmatrixFromRows(rows: ArrayLike<ArrayLike<number | null | undefined>>, labels: ArrayLike<number>, options: FromRowsOptions = {}): DMatrix {
    const nRows = rows.length;
    if (labels.length !== nRows) {
        throw new Error(`dmatrixFromRows: labels has ${labels.length} entries but rows has ${nRows}; pass exactly one label per row.`);
    }
    const nCols = nRows > 0 ? rows[0].length : (options.featureNames?.length ?? 0);
    const values = new Float32Array(nRows * nCols);
    for (let i = 0; i < nRows; i++) {
        const r = rows[i];
        if (r.length !== nCols) {
            throw new Error(
                `dmatrixFromRows: row ${i} has ${r.length} values but row 0 has ${nCols}; all rows must have the same length (use NaN/null for missing).`,
            );
        }
        for (let j = 0; j < nCols; j++) {
            const v = r[j];
            values[i * nCols + j] = v === null || v === undefined ? NaN : v;
        }
    }
    const featureNames = options.featureNames ?? Array.from({ length: nCols }, (_, j) => `f${j}`);
    const m: DMatrix = { nRows, nCols, values, labels: Float32Array.from(labels), featureNames };
    if (options.weights) m.weights = Float32Array.from(options.weights);
    validateDMatrix(m, "dmatrixFromRows");
    return m;
}

/** Throws a descriptive error when the matrix violates the contract above. */
export function validateDMatrix(m: DMatrix, where = "DMatrix"): void {
    if (!Number.isInteger(m.nRows) || m.nRows < 0 || !Number.isInteger(m.nCols) || m.nCols < 0) {
        throw new Error(`${where}: nRows (${m.nRows}) and nCols (${m.nCols}) must be non-negative integers.`);
    }
    if (!(m.values instanceof Float32Array) || m.values.length !== m.nRows * m.nCols) {
        throw new Error(`${where}: values must be a Float32Array of length nRows*nCols = ${m.nRows * m.nCols} (row-major), got length ${m.values?.length}.`);
    }
    if (!(m.labels instanceof Float32Array) || m.labels.length !== m.nRows) {
        throw new Error(`${where}: labels must be a Float32Array of length nRows = ${m.nRows}, got length ${m.labels?.length}.`);
    }
    if (!Array.isArray(m.featureNames) || m.featureNames.length !== m.nCols) {
        throw new Error(`${where}: featureNames must have nCols = ${m.nCols} entries, got ${m.featureNames?.length}; name every column.`);
    }
    if (m.weights !== undefined) {
        if (!(m.weights instanceof Float32Array) || m.weights.length !== m.nRows) {
            throw new Error(`${where}: weights must be a Float32Array of length nRows = ${m.nRows}, got length ${m.weights?.length}.`);
        }
        for (let i = 0; i < m.nRows; i++) {
            const w = m.weights[i];
            if (!(w >= 0) || !Number.isFinite(w)) {
                throw new Error(`${where}: weights[${i}] = ${w} is invalid; instance weights must be finite and >= 0.`);
            }
        }
    }
}

/** Select a subset of rows (copying), e.g. for train/validation splits. */
export function sliceRows(m: DMatrix, rowIdx: ArrayLike<number>): DMatrix {
    const n = rowIdx.length;
    const values = new Float32Array(n * m.nCols);
    const labels = new Float32Array(n);
    const weights = m.weights ? new Float32Array(n) : undefined;
    for (let k = 0; k < n; k++) {
        const r = rowIdx[k];
        if (!(r >= 0 && r < m.nRows)) throw new Error(`sliceRows: row index ${r} out of range [0, ${m.nRows}).`);
        values.set(m.values.subarray(r * m.nCols, (r + 1) * m.nCols), k * m.nCols);
        labels[k] = m.labels[r];
        if (weights) weights[k] = m.weights![r];
    }
    const out: DMatrix = { nRows: n, nCols: m.nCols, values, labels, featureNames: m.featureNames.slice() };
    if (weights) out.weights = weights;
    return out;
}
