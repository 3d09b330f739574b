/**
 * Self-contained HTML monitoring report (one file, inline SVG charts rendered with lib/reports).
 *
 *   const input = await collectMonitoringReports('out/reports', { baselineStatistics: 'baseline/statistics.json' });
 *   const res = await writeMonitoringReport(input, 'out/monitoring.html');
 *
 * Sections (each only when its data exists):
 *  - overview (runs, violations per run);
 *  - violations table (feature / metric, check, reason) of every run;
 *  - per-feature baseline vs current distribution of the latest data-quality run of each schedule, drawn from
 *    the KLL buckets (numeric) or categorical buckets (String) of the two statistics.json files;
 *  - drift over time: baseline_drift per feature across all data-quality runs;
 *  - model quality over time (auc, accuracy, f1, precision, recall per run) and its violations;
 *  - bias metrics (Clarify analysis.json files);
 *  - A/B comparison (ab_analysis.json).
 *
 * Folder layout read by collectMonitoringReports (what analyze / the CLI / the monitor step write):
 *   <root>/.../<endpoint>/<schedule>/yyyy/mm/dd/hh/{statistics.json, constraint_violations.json, drift_report.json}
 * A run's kind is recognised from its files: statistics.json with `features` (data quality) or with
 * `binary_classification_metrics` (model quality), analysis.json (bias), ab_analysis.json (A/B). An optional
 * run.json `{ "label": "...", "time": "<ISO>" }` names the run.
 */
import * as fs from "fs";
import * as path from "path";
import { HtmlReport, escapeHtml, type VegaLiteSpec } from "../../reports";
import type { StatisticsFile, FeatureStatistics, ViolationsFile } from "../dataquality/types";
import type { FeatureDriftRow } from "../dataquality/checks";
import { parseServiceJson } from "../dataquality/json";
import type { ModelQualityStatistics } from "../modelquality/binary";
import type { ConstraintViolationsFile } from "../modelquality/constraints";
import type { BiasReport } from "../bias/report";
import type { AbAnalysis } from "../ab/analyze";

export interface RunId {
    /** Schedule (or any grouping) the run belongs to. */
    schedule: string;
    endpoint?: string;
    /** Run time (the hour partition, or run.json time). */
    time: Date;
    /** Display label; default `<schedule> <yyyy-mm-dd hh>h`. */
    label?: string;
    dir?: string;
}

export interface DataQualityRun extends RunId {
    statistics: StatisticsFile;
    violations: ViolationsFile;
    drift?: FeatureDriftRow[];
}

export interface ModelQualityRun extends RunId {
    statistics: ModelQualityStatistics;
    violations?: ConstraintViolationsFile;
}

export interface BiasRun extends RunId {
    analysis: BiasReport;
}

export interface MonitoringReportInput {
    title?: string;
    subtitle?: string;
    /** Baseline statistics.json (data quality) for the distribution charts. */
    baselineStatistics?: StatisticsFile;
    dataQuality: DataQualityRun[];
    modelQuality: ModelQualityRun[];
    bias: BiasRun[];
    ab?: AbAnalysis;
    /** Max features drawn per distribution section (largest drift first). Default: all. */
    maxFeatures?: number;
    /** Paragraphs that say what was monitored and why (shown first, under "What this report shows"). */
    about?: string[];
    /**
     * Schedules whose runs are a deliberate demonstration (e.g. a replay shifted on purpose to show that drift is
     * detected): their violations are expected and are reported apart from the findings on real traffic.
     */
    demoSchedules?: string[];
}

export interface MonitoringReportResult {
    html: string;
    charts: number;
    sections: string[];
    violations: number;
}

const pad = (n: number) => String(n).padStart(2, "0");
const hourLabel = (t: Date) => `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}h`;
export const runLabel = (r: RunId): string => r.label ?? `${r.schedule} ${hourLabel(r.time)}`;

// ---- collecting ------------------------------------------------------------------------------

function readJson<T>(file: string): T {
    return parseServiceJson<T>(fs.readFileSync(file, "utf8"), file);
}

function walkDirs(root: string, out: string[] = []): string[] {
    out.push(root);
    for (const e of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (e.isDirectory()) walkDirs(path.join(root, e.name), out);
    }
    return out;
}

/** Schedule / endpoint / time of a run folder `.../<endpoint>/<schedule>/yyyy/mm/dd/hh`. */
export function runIdFromDir(dir: string, root: string): RunId {
    const rel = path.relative(root, dir).split(path.sep).filter(Boolean);
    let meta: { label?: string; time?: string; schedule?: string; endpoint?: string } = {};
    const metaFile = path.join(dir, "run.json");
    if (fs.existsSync(metaFile)) meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
    const n = rel.length;
    let time: Date | undefined;
    let schedule: string | undefined;
    let endpoint: string | undefined;
    if (n >= 4 && /^\d{4}$/.test(rel[n - 4]) && /^\d{2}$/.test(rel[n - 3]) && /^\d{2}$/.test(rel[n - 2]) && /^\d{2}$/.test(rel[n - 1])) {
        time = new Date(Date.UTC(+rel[n - 4], +rel[n - 3] - 1, +rel[n - 2], +rel[n - 1]));
        schedule = rel[n - 5];
        endpoint = rel[n - 6];
    }
    if (meta.time) time = new Date(meta.time);
    if (!time || Number.isNaN(time.getTime())) time = fs.statSync(dir).mtime;
    return {
        schedule: meta.schedule ?? schedule ?? (rel.join("/") || path.basename(dir)),
        endpoint: meta.endpoint ?? (endpoint === "reports" ? undefined : endpoint),
        time,
        label: meta.label,
        dir,
    };
}

export interface CollectOptions {
    baselineStatistics?: StatisticsFile | string;
    title?: string;
    subtitle?: string;
}

/**
 * Read every monitoring run under `root` (recursively). Throws when the folder does not exist or holds no run.
 */
export async function collectMonitoringReports(root: string, opts: CollectOptions = {}): Promise<MonitoringReportInput> {
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
        throw new Error(`monitoring report: ${root} is not a folder; pass the folder holding reports/<endpoint>/<schedule>/yyyy/mm/dd/hh runs.`);
    }
    const input: MonitoringReportInput = { title: opts.title, subtitle: opts.subtitle, dataQuality: [], modelQuality: [], bias: [] };
    if (typeof opts.baselineStatistics === "string") input.baselineStatistics = readJson<StatisticsFile>(opts.baselineStatistics);
    else if (opts.baselineStatistics) input.baselineStatistics = opts.baselineStatistics;
    for (const dir of walkDirs(root)) {
        const has = (f: string) => fs.existsSync(path.join(dir, f));
        if (has("statistics.json")) {
            const stats = readJson<Record<string, unknown>>(path.join(dir, "statistics.json"));
            const viol = has("constraint_violations.json") ? readJson<Record<string, unknown>>(path.join(dir, "constraint_violations.json")) : undefined;
            if (Array.isArray(stats.features)) {
                // a baseline folder (statistics + constraints, no violations) is the baseline, not a run
                if (!viol && has("constraints.json")) {
                    if (!input.baselineStatistics) input.baselineStatistics = stats as unknown as StatisticsFile;
                    continue;
                }
                const run: DataQualityRun = {
                    ...runIdFromDir(dir, root),
                    statistics: stats as unknown as StatisticsFile,
                    violations: (viol as unknown as ViolationsFile) ?? { violations: [] },
                };
                if (has("drift_report.json")) run.drift = readJson<{ features: FeatureDriftRow[] }>(path.join(dir, "drift_report.json")).features;
                input.dataQuality.push(run);
            } else if (stats.binary_classification_metrics) {
                if (!viol && has("constraints.json")) continue; // model-quality baseline folder
                input.modelQuality.push({
                    ...runIdFromDir(dir, root),
                    statistics: stats as unknown as ModelQualityStatistics,
                    violations: viol as unknown as ConstraintViolationsFile | undefined,
                });
            }
        }
        if (has("analysis.json")) input.bias.push({ ...runIdFromDir(dir, root), analysis: readJson<BiasReport>(path.join(dir, "analysis.json")) });
        if (has("ab_analysis.json")) input.ab = readJson<AbAnalysis>(path.join(dir, "ab_analysis.json"));
    }
    const byTime = (a: RunId, b: RunId) => a.time.getTime() - b.time.getTime() || runLabel(a).localeCompare(runLabel(b));
    input.dataQuality.sort(byTime);
    input.modelQuality.sort(byTime);
    input.bias.sort(byTime);
    if (!input.dataQuality.length && !input.modelQuality.length && !input.bias.length && !input.ab) {
        throw new Error(
            `monitoring report: no monitoring run found under ${root} (looked for statistics.json + constraint_violations.json, analysis.json, ab_analysis.json); run "monitor analyze" first or pass the --out folder it wrote.`,
        );
    }
    return input;
}

// ---- chart specs -----------------------------------------------------------------------------

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Histogram overlay of two sets of KLL buckets: density (share of rows per unit) so unequal bucket widths compare. */
export function bucketOverlaySpec(feature: string, baseline: FeatureStatistics | undefined, current: FeatureStatistics): VegaLiteSpec | undefined {
    const rows: { series: string; lower: number; upper: number; density: number; share: number }[] = [];
    const add = (series: string, f: FeatureStatistics | undefined) => {
        const b = f?.numerical_statistics?.distribution?.kll?.buckets;
        if (!b || !b.length) return;
        const total = b.reduce((s, x) => s + Number(x.count), 0);
        if (!(total > 0)) return;
        for (const x of b) {
            const w = Number(x.upper_bound) - Number(x.lower_bound);
            const share = Number(x.count) / total;
            rows.push({
                series,
                lower: Number(x.lower_bound),
                upper: w > 0 ? Number(x.upper_bound) : Number(x.lower_bound) + 1e-9,
                density: w > 0 ? share / w : share,
                share,
            });
        }
    };
    add("baseline", baseline);
    add("current", current);
    if (!rows.some((r) => r.series === "current")) return undefined;
    return {
        $schema: SCHEMA,
        title: feature,
        width: 300,
        height: 150,
        background: "white",
        data: { values: rows },
        mark: { type: "rect", opacity: 0.55, tooltip: true },
        encoding: {
            x: { field: "lower", type: "quantitative", title: feature },
            x2: { field: "upper" },
            y: { field: "density", type: "quantitative", title: "share of rows per unit" },
            color: { field: "series", type: "nominal", title: null, scale: { domain: ["baseline", "current"], range: ["#4c78a8", "#e45756"] } },
        },
    };
}

/** Grouped bars of category shares (baseline vs current), top `max` categories by combined share. */
export function categoricalOverlaySpec(
    feature: string,
    baseline: FeatureStatistics | undefined,
    current: FeatureStatistics,
    max = 12,
): VegaLiteSpec | undefined {
    const shares = (f: FeatureStatistics | undefined) => {
        const b = f?.string_statistics?.distribution?.categorical?.buckets;
        const m = new Map<string, number>();
        if (!b) return m;
        const total = b.reduce((s, x) => s + Number(x.count), 0);
        if (total > 0) for (const x of b) m.set(String(x.value), Number(x.count) / total);
        return m;
    };
    const bs = shares(baseline);
    const cs = shares(current);
    if (!cs.size) return undefined;
    const cats = [...new Set([...bs.keys(), ...cs.keys()])]
        .sort((a, b) => (bs.get(b) ?? 0) + (cs.get(b) ?? 0) - (bs.get(a) ?? 0) - (cs.get(a) ?? 0))
        .slice(0, max);
    const rows = cats.flatMap((c) => [
        { category: c, series: "baseline", share: bs.get(c) ?? 0 },
        { category: c, series: "current", share: cs.get(c) ?? 0 },
    ]);
    return {
        $schema: SCHEMA,
        title: feature,
        width: 260,
        background: "white",
        height: { step: 9 },
        data: { values: rows },
        mark: { type: "bar", tooltip: true },
        encoding: {
            y: { field: "category", type: "nominal", sort: cats, title: null, axis: { labelLimit: 160 } },
            yOffset: { field: "series", type: "nominal" },
            x: { field: "share", type: "quantitative", title: "share of rows", axis: { format: "%" } },
            color: { field: "series", type: "nominal", title: null, scale: { domain: ["baseline", "current"], range: ["#4c78a8", "#e45756"] } },
        },
    };
}

function seriesLineSpec(
    points: { run: string; value: number; series: string }[],
    title: string,
    yTitle: string,
    order: string[],
    threshold?: number,
): VegaLiteSpec {
    const line = {
        mark: { type: "line", point: true, tooltip: true },
        encoding: {
            x: { field: "run", type: "ordinal", sort: order, title: "run", axis: { labelAngle: -30, labelLimit: 200 } },
            y: { field: "value", type: "quantitative", title: yTitle },
            color: { field: "series", type: "nominal", title: null },
        },
    };
    return {
        $schema: SCHEMA,
        title,
        width: Math.max(320, 70 * order.length),
        height: 220,
        background: "white",
        data: { values: points },
        layer: threshold === undefined ? [line] : [line, { mark: { type: "rule", strokeDash: [4, 4], color: "#888" }, encoding: { y: { datum: threshold } } }],
    };
}

// ---- building --------------------------------------------------------------------------------

function numOf(v: unknown): number | undefined {
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

const MQ_METRICS = ["auc", "accuracy", "f1", "precision", "recall"] as const;

/** Build the report HTML (no file written). */
/** The present/missing counts of a feature's statistics. */
function presence(f: FeatureStatistics | undefined): { present: number; total: number } | undefined {
    const c = f?.numerical_statistics?.common ?? f?.string_statistics?.common;
    if (!c) return undefined;
    const total = c.num_present + c.num_missing;
    return total > 0 ? { present: c.num_present, total } : undefined;
}

export interface CompletenessNoise {
    baseline: number;
    current: number;
    /** Two-proportion z statistic of baseline minus current completeness (pooled standard error). */
    z: number;
    /** |z| < 1.96: the difference is within what sampling alone produces 95% of the time. */
    withinNoise: boolean;
}

/**
 * Whether a completeness_check violation is within sampling noise. Model Monitor's rule (kept in the violation files)
 * flags any current completeness below the baseline's; a sample of n rows differs from the baseline by chance, so the
 * report adds a two-proportion z-test of baseline vs current presence (pooled proportion; |z| < 1.96 = within the 95%
 * range of sampling variation). Undefined when either side has no counts.
 */
export function completenessNoise(baseline: FeatureStatistics | undefined, current: FeatureStatistics | undefined): CompletenessNoise | undefined {
    const b = presence(baseline);
    const c = presence(current);
    if (!b || !c) return undefined;
    const p0 = b.present / b.total;
    const p1 = c.present / c.total;
    const p = (b.present + c.present) / (b.total + c.total);
    const se = Math.sqrt(p * (1 - p) * (1 / b.total + 1 / c.total));
    const z = se > 0 ? (p0 - p1) / se : p0 === p1 ? 0 : Infinity;
    return { baseline: p0, current: p1, z, withinNoise: Math.abs(z) < 1.96 };
}

export async function buildMonitoringReport(input: MonitoringReportInput): Promise<MonitoringReportResult> {
    const rep = new HtmlReport(input.title ?? "Model monitoring report", {
        subtitle: input.subtitle ?? `Generated ${new Date().toISOString()} — Model Monitor / Clarify compatible outputs`,
        css: ".ok{color:#2a7a2a;font-weight:600}.bad{color:#b00020;font-weight:600}",
    });
    const sections: string[] = [];
    const dq = input.dataQuality;
    const mq = input.modelQuality;

    const demo = new Set(input.demoSchedules ?? []);
    const isDemo = (r: RunId) => demo.has(r.schedule);
    const baseBy = new Map((input.baselineStatistics?.features ?? []).map((f) => [f.name, f]));

    // violations, each with an assessment; real findings apart from the demonstration
    interface Row {
        monitor: string;
        run: string;
        feature: string;
        check: string;
        reason: string;
        note: string;
        demo: boolean;
        noise: boolean;
    }
    const vrows: Row[] = [];
    for (const r of dq) {
        const cur = new Map(r.statistics.features.map((f) => [f.name, f]));
        for (const v of r.violations.violations) {
            let note = "";
            let noise = false;
            if (v.constraint_check_type === "completeness_check") {
                const n = completenessNoise(baseBy.get(v.feature_name), cur.get(v.feature_name));
                if (n) {
                    noise = n.withinNoise;
                    const pts = ((n.baseline - n.current) * 100).toFixed(2);
                    note = n.withinNoise
                        ? `within sampling noise: ${pts} points below the baseline, z = ${n.z.toFixed(2)} (|z| < 1.96)`
                        : `beyond sampling noise: ${pts} points below the baseline, z = ${n.z.toFixed(2)}`;
                } else if (!input.baselineStatistics) note = "no baseline statistics given: noise not assessed";
            }
            vrows.push({
                monitor: "data quality",
                run: runLabel(r),
                feature: v.feature_name,
                check: v.constraint_check_type,
                reason: v.description,
                note,
                demo: isDemo(r),
                noise,
            });
        }
    }
    for (const r of mq)
        for (const v of r.violations?.violations ?? [])
            vrows.push({
                monitor: "model quality",
                run: runLabel(r),
                feature: v.metric_name,
                check: v.constraint_check_type,
                reason: v.description,
                note: "",
                demo: isDemo(r),
                noise: false,
            });
    const violations = vrows.length;
    const real = vrows.filter((v) => !v.demo);
    const realNoise = real.filter((v) => v.noise).length;
    const demoRows = vrows.filter((v) => v.demo);

    // headline + what this report shows
    sections.push("overview");
    rep.heading("Overview", 2, "overview");
    const realText =
        real.length === 0
            ? "Real traffic: no constraint violations."
            : `Real traffic: ${real.length} violation(s)${realNoise ? `, ${realNoise} of them within sampling noise` : ""}.`;
    rep.rawHtml(
        `<p class="${real.length - realNoise > 0 ? "bad" : "ok"}" id="headline">${escapeHtml(realText)}${demo.size ? escapeHtml(` Demonstration (deliberately shifted traffic): ${demoRows.length} expected violation(s).`) : ""}</p>`,
    );
    if (input.about?.length) {
        rep.heading("What this report shows", 3, "about");
        for (const a of input.about) rep.paragraph(a);
    }
    const overview: (string | number)[][] = [];
    const kind = (r: RunId) => (isDemo(r) ? "demonstration" : "real traffic");
    for (const r of dq) overview.push(["data quality", runLabel(r), kind(r), r.statistics.dataset?.item_count ?? "—", r.violations.violations.length]);
    for (const r of mq) overview.push(["model quality", runLabel(r), kind(r), r.statistics.dataset?.item_count ?? "—", r.violations?.violations.length ?? 0]);
    for (const r of input.bias) overview.push(["bias", runLabel(r), kind(r), "—", "—"]);
    rep.table(["monitor", "run", "traffic", "rows", "violations"], overview);

    sections.push("violations");
    rep.heading(demo.size ? "Findings on real traffic" : "Constraint violations", 2, "violations");
    const cols = ["monitor", "run", "feature / metric", "check", "reason", "assessment"];
    const cells = (v: Row) => [v.monitor, v.run, v.feature, v.check, v.reason, v.note];
    if (real.length) {
        rep.rawHtml(
            `<p class="${real.length - realNoise > 0 ? "bad" : "ok"}">${escapeHtml(`${real.length} violation(s)${realNoise ? `; ${realNoise} within sampling noise (Model Monitor's rule flags any completeness below the baseline's; the assessment column tests whether the difference exceeds what sampling alone produces)` : ""}`)}</p>`,
        );
        rep.table(cols, real.map(cells));
    } else rep.rawHtml(`<p class="ok">No constraint violations${demo.size ? " on real traffic" : " in any run"}.</p>`);
    if (demo.size) {
        sections.push("demonstration");
        rep.heading("Drift demonstration (expected violations)", 2, "demonstration");
        rep.paragraph(
            `These runs replay deliberately shifted traffic (${[...demo].join(", ")}) to show that the monitor detects drift; their violations are the expected result, not a problem with the model or the data.`,
        );
        if (demoRows.length) rep.table(cols, demoRows.map(cells));
        else rep.rawHtml('<p class="bad">The demonstration raised no violation: the monitor did not detect the deliberate shift.</p>');
    }

    // distributions of the latest run per schedule
    if (dq.length) {
        sections.push("distributions");
        rep.heading("Baseline vs current distributions", 2, "distributions");
        if (!input.baselineStatistics) rep.paragraph("No baseline statistics.json given: only the current distributions are drawn.");
        const latest = new Map<string, DataQualityRun>();
        for (const r of dq) latest.set(r.schedule, r);
        for (const r of latest.values()) {
            rep.heading(`${runLabel(r)} (${r.statistics.dataset?.item_count ?? "?"} rows${isDemo(r) ? ", deliberately shifted" : ""})`, 3);
            const driftBy = new Map((r.drift ?? []).map((d) => [d.feature_name, d]));
            const violated = new Set(r.violations.violations.map((v) => v.feature_name));
            const feats = [...r.statistics.features].sort((a, b) => (driftBy.get(b.name)?.baseline_drift ?? -1) - (driftBy.get(a.name)?.baseline_drift ?? -1));
            rep.beginGrid();
            for (const f of feats.slice(0, input.maxFeatures ?? feats.length)) {
                const spec = f.numerical_statistics ? bucketOverlaySpec(f.name, baseBy.get(f.name), f) : categoricalOverlaySpec(f.name, baseBy.get(f.name), f);
                if (!spec) continue;
                const d = driftBy.get(f.name);
                const linf = d?.numeric?.linf ?? d?.categorical?.linf;
                const cap = `${f.name}: ${f.inferred_type}${d?.baseline_drift !== undefined ? `, drift ${d.baseline_drift.toFixed(4)} (${d.drift_method}${linf !== undefined && d.drift_method !== "ChiSquared" ? `; L∞ ${linf.toFixed(4)}` : ""})` : ""}${violated.has(f.name) ? " — VIOLATION" : ""}`;
                await rep.chart(spec, cap);
            }
            rep.endGrid();
        }

        // drift over time
        sections.push("drift-over-time");
        rep.heading("Drift over time", 2, "drift-over-time");
        const order = dq.map(runLabel);
        const pts: { run: string; value: number; series: string }[] = [];
        const table: (string | number | null)[][] = [];
        const names = [...new Set(dq.flatMap((r) => (r.drift ?? []).map((d) => d.feature_name)))];
        for (const r of dq) {
            const by = new Map((r.drift ?? []).map((d) => [d.feature_name, d]));
            const row: (string | number | null)[] = [runLabel(r)];
            for (const n of names) {
                const v = by.get(n)?.baseline_drift;
                row.push(numOf(v) ?? null);
                if (numOf(v) !== undefined && by.get(n)?.drift_method !== "ChiSquared") pts.push({ run: runLabel(r), value: v as number, series: n });
            }
            table.push(row);
        }
        if (pts.length)
            await rep.chart(
                seriesLineSpec(pts, "baseline_drift per feature", "distance to baseline", order, 0.1),
                "Distance to the baseline per feature and run (dashed: default threshold 0.1).",
            );
        if (names.length) rep.table(["run", ...names], table);
    }

    // model quality
    if (mq.length) {
        sections.push("model-quality");
        rep.heading("Model quality over time", 2, "model-quality");
        const order = mq.map(runLabel);
        const pts: { run: string; value: number; series: string }[] = [];
        const rows: (string | number | null)[][] = [];
        for (const r of mq) {
            const m = r.statistics.binary_classification_metrics as unknown as Record<string, { value: unknown }>;
            const row: (string | number | null)[] = [runLabel(r), r.statistics.dataset?.item_count ?? null];
            for (const k of MQ_METRICS) {
                const v = numOf(m[k]?.value);
                row.push(v ?? null);
                if (v !== undefined) pts.push({ run: runLabel(r), value: v, series: k });
            }
            rows.push(row);
        }
        if (pts.length)
            await rep.chart(
                seriesLineSpec(pts, "binary classification metrics", "value", order),
                "Model-quality metrics per run (merged capture + ground truth).",
            );
        rep.table(["run", "rows", ...MQ_METRICS], rows);
    }

    // bias
    if (input.bias.length) {
        sections.push("bias");
        rep.heading("Bias metrics (Clarify analysis.json)", 2, "bias");
        for (const b of input.bias) {
            rep.heading(runLabel(b), 3);
            const rows: (string | number | null)[][] = [];
            const bars: { category: string; value: number }[] = [];
            for (const [kind, sec] of [
                ["pre-training", b.analysis.pre_training_bias_metrics],
                ["post-training", b.analysis.post_training_bias_metrics],
            ] as const) {
                if (!sec) continue;
                for (const [facet, entries] of Object.entries(sec.facets)) {
                    for (const e of entries) {
                        for (const m of e.metrics) {
                            rows.push([kind, `${facet}=${e.value_or_threshold}`, m.name, m.description, m.value, m.error ?? ""]);
                            if (m.value !== null && Number.isFinite(m.value) && Math.abs(m.value) < 1e6)
                                bars.push({ category: `${facet}=${e.value_or_threshold} ${m.name}`, value: m.value });
                        }
                    }
                }
            }
            if (bars.length) {
                await rep.chart(
                    {
                        $schema: SCHEMA,
                        width: 360,
                        background: "white",
                        height: { step: 12 },
                        data: { values: bars },
                        mark: { type: "bar", tooltip: true },
                        encoding: {
                            y: { field: "category", type: "nominal", sort: null, title: null, axis: { labelLimit: 260 } },
                            x: { field: "value", type: "quantitative", title: "metric value" },
                        },
                    },
                    "Bias metric values per facet",
                );
            }
            rep.table(["stage", "facet", "metric", "description", "value", "error"], rows);
        }
    }

    // A/B
    if (input.ab) {
        const ab = input.ab;
        sections.push("ab");
        rep.heading("A/B comparison", 2, "ab");
        rep.keyValues([
            ["recommendation", ab.recommendation.action],
            [
                "weights",
                Object.entries(ab.recommendation.weights)
                    .map(([k, v]) => `${k}=${v.toFixed(3)}`)
                    .join(", "),
            ],
            ["primary metric", ab.options.primaryMetric],
        ]);
        rep.table(
            ["variant", "requests", "traffic share", "error rate", "p99 latency (ms)", "labelled", "accuracy", "AUC", "AUC 95% CI"],
            ab.variants.map((v) => [
                v.variant,
                v.requests,
                v.trafficShare,
                v.errorRate.value,
                Number.isFinite(v.latency.p99Us) ? v.latency.p99Us / 1000 : null,
                v.labeled,
                v.accuracy?.value ?? null,
                v.auc?.value ?? null,
                v.auc ? `[${v.auc.lower.toFixed(3)}, ${v.auc.upper.toFixed(3)}]` : null,
            ]),
        );
        const aucBars = ab.variants.filter((v) => v.auc).map((v) => ({ category: v.variant, value: v.auc!.value }));
        if (aucBars.length) {
            await rep.chart(
                {
                    $schema: SCHEMA,
                    width: 300,
                    height: { step: 22 },
                    background: "white",
                    data: {
                        values: ab.variants.filter((v) => v.auc).map((v) => ({ variant: v.variant, auc: v.auc!.value, lo: v.auc!.lower, hi: v.auc!.upper })),
                    },
                    layer: [
                        {
                            mark: { type: "bar", tooltip: true },
                            encoding: {
                                y: { field: "variant", type: "nominal", title: null },
                                x: { field: "auc", type: "quantitative", title: "AUC", scale: { domain: [0, 1] } },
                            },
                        },
                        {
                            mark: { type: "rule", color: "black" },
                            encoding: { y: { field: "variant", type: "nominal" }, x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
                        },
                    ],
                },
                "AUC per variant with its DeLong 95% interval",
            );
        }
        rep.table(
            ["reasons"],
            ab.recommendation.reasons.map((r) => [r]),
        );
    }
    const html = rep.render();
    return { html, charts: rep.chartCount, sections, violations };
}

/** Build and write the report atomically. */
export async function writeMonitoringReport(input: MonitoringReportInput, outFile: string): Promise<MonitoringReportResult & { path: string; bytes: number }> {
    const res = await buildMonitoringReport(input);
    fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
    const tmp = `${outFile}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, res.html);
    fs.renameSync(tmp, outFile);
    return { ...res, path: outFile, bytes: Buffer.byteLength(res.html) };
}
