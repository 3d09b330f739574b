/**
 * # lib/features — feature transform engine
 *
 * Fitted on the train split only, persisted as `transform.json`, applied
 * identically in batch and per row (online endpoint).
 *
 * ```ts
 * import { fitTransform, loadTransform, featureSpecFromSchema } from '../lib/features';
 * const t = fitTransform(train, featureSpecFromSchema(), 'model/transform.json');
 * const dtrain = t.toDMatrix(train);                  // lib/training DMatrix
 * const { values, nRows, nCols, featureNames } = t.apply(validationRows);
 * const online = loadTransform('model/transform.json');
 * const vec = online.applyCsvLine('39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States');
 * ```
 *
 * - `fitTransform(trainRows, spec = featureSpecFromSchema(), outFile?): Transform` — fit and
 *   optionally save atomically. `fit(trainRows, spec)` is the same without saving.
 * - `featureSpecFromSchema(schema = ADULT_SCHEMA, { encoding, minFrequency, numericMissing, log1p })`
 *   — every schema feature; defaults: one-hot, minFrequency 10 (values < 1 are a fraction of train rows),
 *   numeric missing kept as NaN (or 'median' imputation), signed log1p on capital_gain/capital_loss.
 * - `Transform`:
 *   - `apply(rows): { featureNames, values: Float32Array (row-major, NaN = missing), nRows, nCols }`
 *   - `toDMatrix(rows): DMatrix` (labels from the spec's label column, optional weights)
 *   - `applyCsvLine(line, out?): Float32Array` — raw CSV line of `inputColumns` (Adult: the 14
 *     original feature columns, no label); wrong field count throws FeatureTransformError
 *   - `applyRecord(obj): Float32Array` — JSON record keyed by column name
 *   - `applyValues(array, out?): Float32Array` — raw values in `inputColumns` order
 *   - `save(file)`, `toJSON()`, `Transform.fromJSON(json)`, `loadTransform(file)`
 * - Encoding ('onehot' — 'one-hot' accepted — or 'ordinal'): one-hot columns `<col>=<value>`, `<col>=__other__` (rare in train or unseen at
 *   inference), `<col>=__missing__`; ordinal: one column, code = rank by train frequency,
 *   other = k, missing = k + 1. Numeric non-numbers at inference are a clear error; missing
 *   (`?`, empty, null) and unseen categories never are.
 */
export * from "./transform";
