/**
 * Generic, reusable report building blocks:
 *  - `renderVegaLite(spec)` — headless vega-lite → SVG string (no DOM, no canvas, no network);
 *  - spec helpers for common charts (histogram, bar, line, heatmap);
 *  - `HtmlReport` — a self-contained HTML page builder (inline CSS + inline SVG, every text escaped).
 *
 * Used by the EDA report and meant for evaluation / monitoring reports too.
 */
import { writeFileAtomic } from "../data/io";

export type VegaLiteSpec = Record<string, unknown>;

// vega / vega-lite are ESM-only with top-level await: load them with a real dynamic
// import that the CommonJS TypeScript output does not rewrite into require().
const dynImport = new Function("s", "return import(s)") as (s: string) => Promise<any>;
let modules: Promise<{ vl: any; vega: any }> | undefined;
function loadVega(): Promise<{ vl: any; vega: any }> {
    if (!modules) {
        modules = Promise.all([dynImport("vega-lite"), dynImport("vega")]).then(([vl, vega]) => ({ vl, vega }));
        modules.catch(() => (modules = undefined));
    }
    return modules;
}

/** Compile a vega-lite spec and render it to an SVG string (renderer 'none', no browser). */
export async function renderVegaLite(spec: VegaLiteSpec): Promise<string> {
    const { vl, vega } = await loadVega();
    let compiled: unknown;
    try {
        compiled = vl.compile(spec).spec;
    } catch (e) {
        throw new Error(`renderVegaLite: invalid vega-lite spec (${(e as Error).message}); check the spec's mark/encoding`);
    }
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    try {
        const svg: string = await view.toSVG();
        return svg;
    } finally {
        view.finalize();
    }
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: unknown): string {
    return String(text ?? "").replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

interface ChartOptions {
    title?: string;
    width?: number;
    height?: number;
    xTitle?: string;
    yTitle?: string;
}

const base = (o: ChartOptions) => ({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? 360,
    height: o.height ?? 200,
    background: "white",
});

/** Histogram of numeric values (NaN/null dropped). */
export function histogramSpec(values: readonly (number | null)[], opts: ChartOptions & { maxBins?: number; field?: string } = {}): VegaLiteSpec {
    const field = opts.field ?? "value";
    return {
        ...base(opts),
        data: { values: values.filter((v): v is number => v !== null && Number.isFinite(v)).map((v) => ({ [field]: v })) },
        mark: { type: "bar", tooltip: true },
        encoding: {
            x: { field, type: "quantitative", bin: { maxbins: opts.maxBins ?? 30 }, title: opts.xTitle ?? field },
            y: { aggregate: "count", type: "quantitative", title: opts.yTitle ?? "rows" },
        },
    };
}

/** Bar chart of (category, value) pairs, in the given order unless `sort` is set. */
export function barSpec(
    data: readonly { category: string; value: number }[],
    opts: ChartOptions & { horizontal?: boolean; sort?: "ascending" | "descending" | null; format?: string; color?: string } = {},
): VegaLiteSpec {
    const horizontal = opts.horizontal ?? true;
    const valueAxis = horizontal ? "x" : "y";
    const sort = opts.sort ? (opts.sort === "descending" ? `-${valueAxis}` : valueAxis) : null;
    const cat = { field: "category", type: "nominal", sort, title: opts.xTitle ?? null, axis: { labelLimit: 320 } };
    const val = { field: "value", type: "quantitative", title: opts.yTitle ?? "value", ...(opts.format ? { axis: { format: opts.format } } : {}) };
    return {
        ...base({ ...opts, height: opts.height ?? (horizontal ? Math.max(60, 16 * data.length) : 200) }),
        data: { values: data.map((d) => ({ ...d })) },
        mark: { type: "bar", tooltip: true, ...(opts.color ? { color: opts.color } : {}) },
        encoding: horizontal ? { y: cat, x: val } : { x: cat, y: val },
    };
}

/** Line chart of (x, y[, series]) points, e.g. ROC curves or a metric over time. */
export function lineSpec(
    points: readonly { x: number | string; y: number; series?: string }[],
    opts: ChartOptions & { xType?: "quantitative" | "temporal" | "ordinal"; fitY?: boolean } = {},
): VegaLiteSpec {
    const hasSeries = points.some((p) => p.series !== undefined);
    // fitY: the y axis spans the data (a little padding), not 0..max - scores of 0.905..0.930 stay readable.
    let yScale: Record<string, unknown> | undefined;
    if (opts.fitY && points.length) {
        const ys = points.map((p) => p.y).filter(Number.isFinite);
        const lo = Math.min(...ys);
        const hi = Math.max(...ys);
        const pad = hi > lo ? (hi - lo) * 0.1 : Math.max(Math.abs(hi) * 0.01, 0.001);
        yScale = { zero: false, domain: [lo - pad, hi + pad], nice: false };
    }
    return {
        ...base(opts),
        data: { values: points.map((p) => ({ ...p })) },
        mark: { type: "line", point: points.length <= 50, tooltip: true },
        encoding: {
            x: { field: "x", type: opts.xType ?? "quantitative", title: opts.xTitle ?? "x" },
            y: { field: "y", type: "quantitative", title: opts.yTitle ?? "y", ...(yScale ? { scale: yScale } : {}) },
            ...(hasSeries ? { color: { field: "series", type: "nominal", title: null } } : {}),
        },
    };
}

/**
 * Heatmap of (x, y, value) cells with the value printed in every cell (e.g. correlation or confusion matrix).
 * Sequential schemes run darker for more; the label of each cell switches to white on dark cells so every number stays
 * readable. `diverging` (default for the red-blue scheme) centres the colours on 0 and darkens with |value|.
 */
export function heatmapSpec(
    cells: readonly { x: string; y: string; value: number | null }[],
    opts: ChartOptions & {
        domain?: [number, number];
        scheme?: string;
        format?: string;
        order?: string[];
        xOrder?: string[];
        yOrder?: string[];
        diverging?: boolean;
        fontSize?: number;
    } = {},
): VegaLiteSpec {
    const order = opts.order ?? null;
    const fmt = opts.format ?? ".2f";
    const scheme = opts.scheme ?? "redblue";
    const diverging = opts.diverging ?? scheme === "redblue";
    const vals = cells.map((c) => c.value).filter((v): v is number => v !== null && Number.isFinite(v));
    const [lo, hi] = opts.domain ?? [Math.min(0, ...vals), Math.max(0, ...vals)];
    // The label takes whichever of white and black contrasts more with its own cell's fill (Vega's contrast() on the
    // colour scale's value for the datum), so every number stays readable whatever the scheme.
    const darkTest = "contrast('white', scale('color', datum.value)) > contrast('black', scale('color', datum.value))";
    const nx = (opts.xOrder ?? order)?.length ?? 8;
    const ny = (opts.yOrder ?? order)?.length ?? 8;
    return {
        ...base({ ...opts, width: opts.width ?? 40 * nx, height: opts.height ?? 40 * ny }),
        data: { values: cells.map((c) => ({ ...c })) },
        encoding: {
            // Horizontal labels when they fit under their column, slanted otherwise (long feature names).
            x: {
                field: "x",
                type: "nominal",
                sort: opts.xOrder ?? order,
                title: opts.xTitle ?? null,
                axis: { labelAngle: Math.max(0, ...cells.map((c) => c.x.length)) <= 12 ? 0 : -45 },
            },
            y: { field: "y", type: "nominal", sort: opts.yOrder ?? order, title: opts.yTitle ?? null },
        },
        layer: [
            {
                mark: { type: "rect", tooltip: true },
                encoding: {
                    color: {
                        field: "value",
                        type: "quantitative",
                        // redblue runs red (low) to blue (high): reversed it is blue for negative, red for positive correlation.
                        scale: { scheme, domain: [lo, hi], ...(diverging ? { domainMid: 0, reverse: true } : {}) },
                        title: null,
                    },
                },
            },
            {
                mark: { type: "text", fontSize: opts.fontSize ?? (nx * ny <= 16 ? 14 : 9) },
                encoding: {
                    text: { field: "value", type: "quantitative", format: fmt },
                    color: { condition: { test: darkTest, value: "white" }, value: "black" },
                },
            },
        ],
    };
}

export type Cell = string | number | boolean | null | undefined;

/**
 * Self-contained HTML page builder. All text passed to the builder is escaped;
 * only `svg()` (output of renderVegaLite) and `rawHtml()` insert markup, and
 * `svg()` rejects anything that is not a plain SVG document fragment.
 */
export class HtmlReport {
    private readonly parts: string[] = [];
    private charts = 0;

    constructor(
        readonly title: string,
        private readonly opts: { subtitle?: string; css?: string } = {},
    ) {}

    heading(text: string, level: 2 | 3 = 2, id?: string): this {
        this.parts.push(`<h${level}${id ? ` id="${escapeHtml(id)}"` : ""}>${escapeHtml(text)}</h${level}>`);
        return this;
    }

    paragraph(text: string, cls?: string): this {
        this.parts.push(`<p${cls ? ` class="${escapeHtml(cls)}"` : ""}>${escapeHtml(text)}</p>`);
        return this;
    }

    /** Key/value list. */
    keyValues(entries: readonly [string, Cell][]): this {
        this.parts.push(`<dl class="kv">${entries.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(formatCell(v))}</dd>`).join("")}</dl>`);
        return this;
    }

    table(columns: readonly string[], rows: readonly (readonly Cell[])[], opts: { caption?: string; numericAlign?: boolean } = {}): this {
        const head = `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>`;
        const body = rows
            .map(
                (r) =>
                    `<tr>${r.map((v) => `<td${typeof v === "number" && opts.numericAlign !== false ? ' class="num"' : ""}>${escapeHtml(formatCell(v))}</td>`).join("")}</tr>`,
            )
            .join("");
        this.parts.push(`<table>${opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : ""}${head}<tbody>${body}</tbody></table>`);
        return this;
    }

    /** Insert an SVG produced by renderVegaLite (validated: one <svg> root, no scripts, no external references). */
    svg(svg: string, caption?: string): this {
        const s = svg.trim();
        if (!s.startsWith("<svg") || !s.endsWith("</svg>")) throw new Error("HtmlReport.svg: expected an <svg>…</svg> fragment (use renderVegaLite)");
        if (/<script|<foreignObject|\son\w+\s*=|(?:href|src)\s*=\s*["']\s*(?:https?:|javascript:|\/\/)/i.test(s)) {
            throw new Error("HtmlReport.svg: SVG contains scripts, event handlers or external references; only self-contained SVG is allowed");
        }
        this.charts++;
        this.parts.push(`<figure>${s}${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ""}</figure>`);
        return this;
    }

    /** Render a vega-lite spec and insert it. */
    async chart(spec: VegaLiteSpec, caption?: string): Promise<this> {
        return this.svg(await renderVegaLite(spec), caption);
    }

    /** Open / close a grid of figures. */
    beginGrid(): this {
        this.parts.push('<div class="grid">');
        return this;
    }

    endGrid(): this {
        this.parts.push("</div>");
        return this;
    }

    /** Trusted markup (caller is responsible for escaping). */
    rawHtml(html: string): this {
        this.parts.push(html);
        return this;
    }

    get chartCount(): number {
        return this.charts;
    }

    render(): string {
        return [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            `<title>${escapeHtml(this.title)}</title>`,
            `<style>${DEFAULT_CSS}${this.opts.css ?? ""}</style>`,
            "</head><body>",
            `<h1>${escapeHtml(this.title)}</h1>`,
            this.opts.subtitle ? `<p class="subtitle">${escapeHtml(this.opts.subtitle)}</p>` : "",
            ...this.parts,
            "</body></html>",
            "",
        ].join("\n");
    }

    /** Write the page atomically; returns the byte size. */
    write(file: string): number {
        const html = this.render();
        writeFileAtomic(file, html);
        return Buffer.byteLength(html);
    }
}

export function formatCell(v: Cell): string {
    if (v === null || v === undefined) return "—";
    if (typeof v === "number") {
        if (!Number.isFinite(v)) return String(v);
        if (Number.isInteger(v)) return String(v);
        return Math.abs(v) >= 1000 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);
    }
    return String(v);
}

const DEFAULT_CSS = `
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px}
.subtitle{color:#666;margin-top:0}.attribution{color:#666;font-size:12px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}caption{text-align:left;font-weight:600;padding:4px 0}
.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;border:1px solid #eee;padding:6px}figcaption{font-size:12px;color:#555}
dl.kv{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px}dt{font-weight:600}dd{margin:0}
`;
