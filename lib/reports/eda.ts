/**
 * Exploratory data analysis report: one self-contained HTML file with inline SVG charts.
 */
import { sha256, writeFileAtomic } from "../data/io";
import { ADULT_SCHEMA, ColumnType, DatasetSchema } from "../data/schema";
import { barSpec, heatmapSpec, histogramSpec, HtmlReport } from "./charts";

export type EdaValue = string | number | null | undefined;
export type EdaRow = Record<string, EdaValue>;

export interface EdaColumn {
    name: string;
    type: ColumnType;
}

export interface EdaOptions {
    /** Columns to profile (default: the schema's feature columns). */
    columns?: EdaColumn[];
    /** Schema providing columns and label (default ADULT_SCHEMA). */
    schema?: DatasetSchema;
    /** Numeric 0/1 label column (default: the schema's label name); set to null for unlabelled data. */
    label?: string | null;
    title?: string;
    subtitle?: string;
    /** Source/license line shown under the title (default: the schema's attribution). */
    attribution?: string;
    /** Categories shown per bar chart; the rest are merged into "(other)". Default 20. */
    maxCategories?: number;
}

export interface ColumnSummary {
    name: string;
    type: ColumnType;
    count: number;
    missing: number;
    missingRate: number;
    distinct: number;
    mean: number | null;
    std: number | null;
    min: number | null;
    median: number | null;
    max: number | null;
    top: string | null;
    topCount: number | null;
}

export interface EdaSummary {
    rows: number;
    columns: ColumnSummary[];
    labelRate: number | null;
    correlation: { columns: string[]; matrix: (number | null)[][] };
}

export interface EdaResult extends EdaSummary {
    path: string;
    bytes: number;
    charts: number;
    sha256: string;
}

const isMissing = (v: EdaValue) => v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v));

function toNumber(v: EdaValue): number | null {
    if (isMissing(v)) return null;
    const n = typeof v === "number" ? v : Number(v);
    return Number.isFinite(n) ? n : null;
}

function quantileSorted(sorted: number[], q: number): number | null {
    if (!sorted.length) return null;
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Pearson correlation over pairwise-complete observations (null when undefined). */
export function pearson(a: readonly (number | null)[], b: readonly (number | null)[]): number | null {
    let n = 0;
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < a.length; i++) {
        if (a[i] === null || b[i] === null) continue;
        n++;
        sa += a[i]!;
        sb += b[i]!;
    }
    if (n < 2) return null;
    const ma = sa / n;
    const mb = sb / n;
    let cov = 0;
    let va = 0;
    let vb = 0;
    for (let i = 0; i < a.length; i++) {
        if (a[i] === null || b[i] === null) continue;
        const da = a[i]! - ma;
        const db = b[i]! - mb;
        cov += da * db;
        va += da * da;
        vb += db * db;
    }
    return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : null;
}

export function summariseColumns(rows: readonly EdaRow[], columns: readonly EdaColumn[]): ColumnSummary[] {
    return columns.map((c) => {
        const counts = new Map<string, number>();
        const nums: number[] = [];
        let missing = 0;
        for (const r of rows) {
            const v = r[c.name];
            if (isMissing(v)) {
                missing++;
                continue;
            }
            const key = String(v);
            counts.set(key, (counts.get(key) ?? 0) + 1);
            if (c.type !== "categorical") {
                const n = toNumber(v);
                if (n !== null) nums.push(n);
            }
        }
        let top: string | null = null;
        let topCount: number | null = null;
        for (const [k, n] of counts) if (topCount === null || n > topCount || (n === topCount && k < top!)) [top, topCount] = [k, n];
        let mean: number | null = null;
        let std: number | null = null;
        nums.sort((x, y) => x - y);
        if (nums.length) {
            mean = nums.reduce((s, x) => s + x, 0) / nums.length;
            std = nums.length > 1 ? Math.sqrt(nums.reduce((s, x) => s + (x - mean!) ** 2, 0) / (nums.length - 1)) : 0;
        }
        return {
            name: c.name,
            type: c.type,
            count: rows.length - missing,
            missing,
            missingRate: rows.length ? missing / rows.length : 0,
            distinct: counts.size,
            mean,
            std,
            min: nums.length ? nums[0] : null,
            median: quantileSorted(nums, 0.5),
            max: nums.length ? nums[nums.length - 1] : null,
            top,
            topCount,
        };
    });
}

/** Compute the summary and build the HTML (without writing). */
export async function buildEdaReport(rows: readonly EdaRow[], opts: EdaOptions = {}): Promise<EdaSummary & { html: string; charts: number }> {
    const schema = opts.schema ?? ADULT_SCHEMA;
    const columns = opts.columns ?? schema.columns.map((c) => ({ name: c.name, type: c.type }));
    const label = opts.label === undefined ? schema.label.name : opts.label;
    const maxCats = opts.maxCategories ?? 20;
    if (!rows.length) throw new Error("writeEdaReport: no rows to profile; pass a non-empty split (e.g. the train rows returned by prepare())");
    const missingCols = columns.filter((c) => !(c.name in rows[0]));
    if (missingCols.length)
        throw new Error(
            `writeEdaReport: column(s) ${missingCols.map((c) => c.name).join(", ")} not found in the rows (have: ${Object.keys(rows[0]).join(", ")}); pass matching columns/schema`,
        );
    const labels: (number | null)[] | null = label ? rows.map((r) => toNumber(r[label])) : null;
    if (label && labels!.every((y) => y === null))
        throw new Error(`writeEdaReport: label column "${label}" has no numeric values; pass label: null for unlabelled data`);

    const summary = summariseColumns(rows, columns);
    const numeric = columns.filter((c) => c.type !== "categorical");
    const categorical = columns.filter((c) => c.type === "categorical");
    const labelKnown = labels ? labels.filter((y): y is number => y !== null) : [];
    const labelRate = labels ? labelKnown.reduce((s, y) => s + y, 0) / Math.max(1, labelKnown.length) : null;

    const numVectors = new Map(numeric.map((c) => [c.name, rows.map((r) => toNumber(r[c.name]))]));
    const corrCols = [...numeric.map((c) => c.name), ...(label ? [label] : [])];
    const vec = (n: string) => (n === label ? labels! : numVectors.get(n)!);
    const matrix = corrCols.map((a) => corrCols.map((b) => (a === b ? 1 : pearson(vec(a), vec(b)))));

    const page = new HtmlReport(opts.title ?? `EDA — ${schema.name}`, { subtitle: opts.subtitle ?? `Generated ${new Date().toISOString()}` });
    const attribution = opts.attribution ?? schema.attribution;
    if (attribution) page.paragraph(attribution, "attribution");
    page.heading("Overview").keyValues([
        ["rows", rows.length],
        ["columns profiled", columns.length],
        ["numeric / categorical", `${numeric.length} / ${categorical.length}`],
        ...(label ? ([[`label "${label}" positive rate`, labelRate === null ? null : `${(100 * labelRate).toFixed(2)}%`]] as [string, string | null][]) : []),
        ["rows with any missing value", rows.filter((r) => columns.some((c) => isMissing(r[c.name]))).length],
    ]);

    page.heading("Summary");
    page.table(
        ["column", "type", "count", "missing", "missing %", "distinct", "mean", "std", "min", "median", "max", "top", "top count"],
        summary.map((s) => [
            s.name,
            s.type,
            s.count,
            s.missing,
            Number((100 * s.missingRate).toFixed(2)),
            s.distinct,
            s.mean,
            s.std,
            s.min,
            s.median,
            s.max,
            s.top,
            s.topCount,
        ]),
    );

    page.heading("Missingness and label").beginGrid();
    await page.chart(
        barSpec(
            summary.map((s) => ({ category: s.name, value: s.missingRate })),
            { title: "Missing values per column", yTitle: "fraction missing", format: ".1%" },
        ),
        "Fraction of rows with a missing value, per column.",
    );
    if (label) {
        const byClass = new Map<string, number>();
        for (const y of labels!) byClass.set(y === null ? "(missing)" : String(y), (byClass.get(y === null ? "(missing)" : String(y)) ?? 0) + 1);
        await page.chart(
            barSpec(
                [...byClass.entries()].sort().map(([k, v]) => ({ category: `${label}=${k}`, value: v })),
                { title: "Label distribution", yTitle: "rows" },
            ),
            `Rows per value of "${label}".`,
        );
    }
    page.endGrid();

    if (corrCols.length >= 2) {
        page.heading("Correlation");
        const cells = corrCols.flatMap((a, i) =>
            corrCols.map((b, j) => ({ x: a, y: b, value: matrix[i][j] === null ? null : Number(matrix[i][j]!.toFixed(4)) })),
        );
        await page.chart(
            heatmapSpec(cells, { title: "Pearson correlation (numeric features + label)", domain: [-1, 1], order: corrCols }),
            "Pairwise-complete Pearson correlation.",
        );
    }

    if (numeric.length) {
        page.heading("Numeric features").beginGrid();
        for (const c of numeric) await page.chart(histogramSpec(numVectors.get(c.name)!, { title: c.name, field: c.name }), `Distribution of ${c.name}.`);
        page.endGrid();
    }

    if (categorical.length) page.heading("Categorical features");
    for (const c of categorical) {
        page.heading(c.name, 3).beginGrid();
        const groups = new Map<string, { n: number; pos: number; labelled: number }>();
        rows.forEach((r, i) => {
            const v = r[c.name];
            const k = isMissing(v) ? "(missing)" : String(v);
            let g = groups.get(k);
            if (!g) groups.set(k, (g = { n: 0, pos: 0, labelled: 0 }));
            g.n++;
            if (labels && labels[i] !== null) {
                g.labelled++;
                g.pos += labels[i]!;
            }
        });
        const sorted = [...groups.entries()].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1));
        const shown = sorted.slice(0, maxCats);
        const rest = sorted.slice(maxCats);
        if (rest.length)
            shown.push([
                `(other: ${rest.length} categories)`,
                rest.reduce((acc, [, g]) => ({ n: acc.n + g.n, pos: acc.pos + g.pos, labelled: acc.labelled + g.labelled }), { n: 0, pos: 0, labelled: 0 }),
            ]);
        await page.chart(
            barSpec(
                shown.map(([k, g]) => ({ category: k, value: g.n })),
                { title: `${c.name}: rows per category`, yTitle: "rows" },
            ),
            `Distribution of ${c.name}.`,
        );
        if (labels) {
            await page.chart(
                barSpec(
                    shown.filter(([, g]) => g.labelled > 0).map(([k, g]) => ({ category: `${k} (n=${g.labelled})`, value: g.pos / g.labelled })),
                    { title: `${c.name}: label rate`, yTitle: `mean ${label}`, format: ".0%", color: "#d95f02" },
                ),
                `Positive rate of "${label}" per ${c.name} category (overall ${(100 * (labelRate ?? 0)).toFixed(1)}%).`,
            );
        }
        page.endGrid();
    }

    return { html: page.render(), charts: page.chartCount, rows: rows.length, columns: summary, labelRate, correlation: { columns: corrCols, matrix } };
}

export interface WriteEdaReportArgs extends EdaOptions {
    rows: readonly EdaRow[];
    outFile: string;
}

/**
 * Profile `rows` and write a single self-contained HTML file (inline CSS + SVG,
 * no external scripts/styles) to `outFile`, atomically. Call as
 * `writeEdaReport(rows, outFile, opts?)` or `writeEdaReport({ rows, outFile, ...opts })`.
 */
export async function writeEdaReport(args: WriteEdaReportArgs): Promise<EdaResult>;
export async function writeEdaReport(rows: readonly EdaRow[], outFile: string, opts?: EdaOptions): Promise<EdaResult>;
export async function writeEdaReport(a: readonly EdaRow[] | WriteEdaReportArgs, outFileArg?: string, optsArg: EdaOptions = {}): Promise<EdaResult> {
    let rows: readonly EdaRow[];
    let outFile: string | undefined;
    let opts: EdaOptions;
    if (Array.isArray(a)) {
        rows = a;
        outFile = outFileArg;
        opts = optsArg;
    } else {
        const { rows: r, outFile: f, ...o } = a as WriteEdaReportArgs;
        rows = r;
        outFile = f;
        opts = o;
    }
    if (!Array.isArray(rows)) throw new Error("writeEdaReport: rows must be an array of row objects (e.g. the train rows from prepare())");
    if (!outFile) throw new Error("writeEdaReport: outFile (the .html path to write) is required");
    const { html, ...rest } = await buildEdaReport(rows, opts);
    writeFileAtomic(outFile, html);
    return { ...rest, path: outFile, bytes: Buffer.byteLength(html), sha256: sha256(html) };
}
