/**
 * # lib/reports — HTML reports with headless vega-lite charts
 *
 * ```ts
 * import { writeEdaReport } from '../lib/reports';
 * const res = await writeEdaReport(trainRows, 'out/reports/eda.html', { title: 'Adult — train split' });
 * // res: { path, bytes, sha256, charts, rows, columns: ColumnSummary[], labelRate, correlation }
 * ```
 *
 * - `writeEdaReport(rows, outFile, opts?: EdaOptions): Promise<EdaResult>` (or
 *   `writeEdaReport({ rows, outFile, ...opts })`) — one self-contained HTML
 *   file (inline CSS + inline SVG, no external scripts/styles/images): overview, summary table
 *   (count, missing, distinct, mean, std, min, median, max, top value per column), missingness per
 *   column, label distribution, correlation heatmap (numeric features + label), a histogram per
 *   numeric feature, and per categorical feature a bar chart of rows and of the label rate
 *   (top `maxCategories`, rest merged). Columns/label default to ADULT_SCHEMA; pass `schema`,
 *   `columns`, or `label: null` for other/unlabelled data. `buildEdaReport` returns the HTML instead.
 * - Reusable building blocks (`charts.ts`) for evaluation / monitoring reports:
 *   `renderVegaLite(spec): Promise<string>` (SVG), `histogramSpec`, `barSpec`, `lineSpec`,
 *   `heatmapSpec`, `escapeHtml`, and `HtmlReport` (heading, paragraph, keyValues, table, svg, chart,
 *   beginGrid/endGrid, render, write) — every text argument is HTML-escaped; `svg()` only accepts
 *   self-contained SVG (no scripts, event handlers or external references).
 */
export * from "./charts";
export * from "./eda";
