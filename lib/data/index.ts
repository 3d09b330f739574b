/**
 * # lib/data — data preparation engine
 *
 * Turns raw delimited files (UCI Adult by default) into clean, validated,
 * deduplicated, stratified splits with lineage.
 *
 * ```ts
 * import { prepare, loadPreparedSplit, ADULT_SCHEMA } from '../lib/data';
 * const { report, train, validation, test } = await prepare({ outDir: 'out/prepared' });
 * ```
 *
 * - `prepare(opts: PrepareOptions): Promise<PrepareResult>` — parses `opts.trainFile`
 *   (default `data/adult/adult.data`) and `opts.testFile` (default `data/adult/adult.test`):
 *   trims fields, maps `?`/empty to NULL, strips the test file's trailing label dot and maps
 *   labels (`>50K` → 1, `<=50K` → 0), coerces integer/number columns, validates ranges and
 *   required columns, drops exact duplicates (per file), adds `record_id`
 *   (`data-<hash>` / `test-<hash>`, sha256 of the cleaned row: stable across seeds and runs)
 *   and `event_time` (ISO-8601, default fixed `2026-01-01T00:00:00.000Z`), then splits the
 *   train file 80/20 stratified by label (`validationFraction`, `seed`; deterministic).
 *   Writes atomically (tmp + rename) to `opts.outDir`: `train|validation|test.parquet` and
 *   `.csv` (columns: record_id, event_time, 14 features, label) and
 *   `data-quality-report.json` (per-file counts of every dropped row by reason —
 *   malformed_row, non_utf8, type_coercion, out_of_range, missing_required, unknown_label,
 *   duplicate —, blank lines skipped, missing→NULL per column, out-of-domain categories,
 *   split sizes/positive rates, and the sha256 of every input and output file).
 *   Prints a console summary via `opts.log` (default console.log).
 *   Unusable input (missing/empty file, no header, wrong header, no usable rows) throws
 *   `DataPrepError` naming the file, the problem and the fix.
 * - `loadPreparedSplit(outDir, 'train' | 'validation' | 'test'): Promise<DataRow[]>`.
 * - `parseFile(file, schema, { sourceTag })` / `parseBuffer(buf, name, schema, …)` — the
 *   parse/clean/validate step alone; `stratifiedSplit(rows, label, fraction, seed)`.
 * - `formatQualitySummary(report)` — the console summary text.
 * - Schema: `ADULT_SCHEMA` (`DatasetSchema`: columns with type integer/number/categorical,
 *   nullable, min/max, documented values; label source column, output name and mapping).
 * - Helpers reused by other engines: `writeFileAtomic`, `sha256File`, `withDuckDb`, `runQuery`.
 */
export * from "./schema";
export * from "./prepare";
export { writeFileAtomic, sha256File, sha256, toCsv, csvField, splitDelimited } from "./io";
export { withDuckDb, runQuery, sqlString, sqlIdent } from "./duck";
export type { SqlRow, SqlValue } from "./duck";
