/**
 * monitor — Model Monitor on the local endpoint: a data-quality baseline from the training data, two replays of the
 * test set through the running endpoint (as is, then with a covariate shift), ground truth for both, and the
 * data-quality + model-quality monitors over each replay's capture window. The step asserts that the shifted
 * traffic raises baseline_drift_check violations on the shifted numeric features (age, hours_per_week) and that the
 * unshifted replay raises none on them.
 *
 * Writes (monitoring bucket, local S3):
 *   baselines/<endpoint>/{statistics.json, constraints.json}                         data-quality baseline (train split)
 *   ground-truth/<endpoint>/yyyy/mm/dd/hh/<replay>-<stamp>.jsonl                     ground truth, eventId = inference id
 *   reports/<endpoint>/data-quality-<replay>/yyyy/mm/dd/hh/{statistics.json, constraint_violations.json,
 *                                                           drift_report.{json,csv}, cloudwatch_metrics.jsonl}
 *   reports/<endpoint>/model-quality-<replay>/yyyy/mm/dd/hh/{statistics.json, constraint_violations.json,
 *                                                            cloudwatch_metrics.jsonl, merge_report.json}
 * and `<workdir>/reports/monitoring.html` (all runs so far), `<workdir>/monitoring/metrics.jsonl` (EMF lines).
 * The model-quality baseline is the evaluate step's `model-quality/baseline/constraints.json`.
 * Options: --replay-rows N (first N test rows per replay; default all), --concurrency N (default 8), --seed S (shift seed).
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { loadPreparedSplit } from "../../../lib/data";
import { csvField } from "../../../lib/data/io";
import { loadTransform } from "../../../lib/features";
import {
    CaptureReadStats,
    analyze,
    formatServiceJson,
    readServiceJson,
    reportPrefix,
    suggestBaseline,
    writeFileAtomic,
    type Violation,
} from "../../../lib/monitoring";
import { runModelQualityMonitor, type ModelQualityConstraints } from "../../../lib/monitoring/modelquality";
import { profileCaptureSharded } from "../../../lib/monitoring/shard";
import { writeMonitoringReport, collectMonitoringReports } from "../../../lib/monitoring/report";
import { shiftAdultRows, DEFAULT_ADULT_SHIFT, type AdultShiftOptions } from "../../../lib/monitoring/shift";
import { parseS3Uri } from "../../framework/local-s3";
import { StepContext, StepDefinition, StepError, StepResult } from "../../framework/step";
import { isAlive, ping, readState, endpointDir } from "../../../lib/serving/process";

type Cell = string | number | boolean | null | undefined;
type Row = Record<string, Cell>;

export interface ReplaySpec {
    /** Short name: used in schedule names, inference ids and file names (letters, digits, hyphens). */
    name: string;
    rows: readonly Row[];
    /** Traffic changed on purpose to demonstrate drift detection: its violations are expected (reported apart). */
    demo?: boolean;
}

export interface MonitorReplayInput {
    /** URL of the running endpoint (loopback). */
    url: string;
    endpointName: string;
    /** Local folder of the endpoint's capture tree: `<capture bucket>/<prefix>/<endpoint>/`. */
    captureRoot: string;
    /** Local folder playing the monitoring bucket. */
    monitoringRoot: string;
    /** Baseline rows (training data), keyed by column name. */
    baselineRows: readonly Row[];
    /** Input columns the endpoint takes, in order (Adult: 14 features, no label). */
    columns: readonly string[];
    /** Column with the 0/1 ground truth in the replay rows. */
    labelColumn: string;
    replays: ReplaySpec[];
    modelQualityConstraints?: ModelQualityConstraints;
    /** Concurrent requests (default 8). */
    concurrency?: number;
    /** EMF output file (lines appended). */
    metricsFile: string;
    /** HTML report file. */
    reportFile: string;
    /** Paragraphs for the report's "What this report shows". */
    about?: string[];
    /** Unique stamp of this execution (inference ids, file names). Default: epoch ms. */
    stamp?: string;
    log?: (line: string) => void;
}

export interface ReplayOutcome {
    name: string;
    sent: number;
    window: { from: string; to: string };
    capturedRows: number;
    dataQuality: {
        schedule: string;
        reportDir: string;
        violations: Violation[];
        /** The distance the check used (Robust: L∞ minus the KS margin, floored at 0). */
        drift: Record<string, number | undefined>;
        /** Plain L∞ distance between baseline and current distributions. */
        linf: Record<string, number | undefined>;
    };
    modelQuality: {
        schedule: string;
        reportDir: string;
        joinedRows: number;
        metrics: Record<string, number | string>;
        violations: { metric_name: string; constraint_check_type: string; description: string }[];
    };
}

export interface MonitorReplayResult {
    baselineDir: string;
    baselineRows: number;
    replays: ReplayOutcome[];
    reportFile: string;
    reportCharts: number;
    emfLines: number;
}

const pad = (n: number) => String(n).padStart(2, "0");
const hourPath = (t: Date) => [String(t.getUTCFullYear()), pad(t.getUTCMonth() + 1), pad(t.getUTCDate()), pad(t.getUTCHours())];

/** The data-quality baseline's records: the raw input columns of the training rows (one baseline for both targets). */
export function baselineRecords(rows: readonly Row[], columns: readonly string[]): { values: (string | number | null)[]; names: string[] }[] {
    return rows.map((r) => ({ values: columns.map((c) => (r[c] === undefined ? null : (r[c] as string | number | null))), names: [...columns] }));
}

/** Raw CSV line the endpoint takes (missing values empty). */
export function featureLine(row: Row, columns: readonly string[]): string {
    return columns.map((c) => csvField(row[c] as string | number | null)).join(",");
}

/** POST every line to /invocations with its inference id; resolves once all answered 200 with a probability. */
export async function replayLines(url: string, lines: readonly string[], ids: readonly string[], concurrency = 8): Promise<number[]> {
    const u = new URL(url);
    if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) throw new StepError(`endpoint url ${url} is not a loopback address`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const scores = new Array<number>(lines.length);
    let next = 0;
    const one = (i: number) =>
        new Promise<void>((resolve, reject) => {
            const body = lines[i];
            const req = http.request(
                {
                    host: u.hostname.replace(/^\[|\]$/g, ""),
                    port: Number(u.port),
                    path: "/invocations",
                    method: "POST",
                    agent,
                    timeout: 30_000,
                    headers: { "Content-Type": "text/csv", Accept: "text/csv", "Content-Length": Buffer.byteLength(body), "X-Amzn-SageMaker-Inference-Id": ids[i] },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        const s = Number(text.trim());
                        if (res.statusCode !== 200 || !(s >= 0 && s <= 1)) reject(new Error(`request ${ids[i]} answered ${res.statusCode}: ${text.slice(0, 200)}`));
                        else {
                            scores[i] = s;
                            resolve();
                        }
                    });
                    res.on("error", reject);
                },
            );
            req.on("timeout", () => req.destroy(new Error(`request ${ids[i]}: no answer within 30 s`)));
            req.on("error", reject);
            req.end(body);
        });
    const worker = async () => {
        while (next < lines.length) await one(next++);
    };
    try {
        await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, lines.length)) }, worker));
    } finally {
        agent.destroy();
    }
    return scores;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The core of the step: baseline, replays through the endpoint, ground truth, data-quality + model-quality monitors
 * per replay window, report and EMF lines. Reusable outside the pipeline (tests run it against an in-process endpoint).
 */
export async function runMonitorReplay(o: MonitorReplayInput): Promise<MonitorReplayResult> {
    const log = o.log ?? (() => undefined);
    const stamp = o.stamp ?? String(Date.now());
    const ep = o.endpointName;
    for (const r of o.replays) if (!/^[a-zA-Z0-9-]+$/.test(r.name)) throw new StepError(`replay name '${r.name}' must be letters, digits and hyphens`);

    // 1. data-quality baseline from the training data (features only, in the endpoint's column order)
    const baselineDir = path.join(o.monitoringRoot, "baselines", ep);
    const base = await suggestBaseline(
        baselineRecords(o.baselineRows, o.columns),
        { outputDir: baselineDir },
    );
    log(`baseline: ${base.statistics.dataset.item_count} training rows, ${base.statistics.features.length} features -> ${baselineDir}`);

    const outcomes: ReplayOutcome[] = [];
    let emfLines = 0;
    fs.mkdirSync(path.dirname(o.metricsFile), { recursive: true });
    for (const replay of o.replays) {
        const lines = replay.rows.map((r) => featureLine(r, o.columns));
        const ids = replay.rows.map((_, i) => `${ep}-${replay.name}-${stamp}-${i}`);
        // capture inference times have second precision: start on a fresh second so windows never overlap
        const startMs = Math.floor(Date.now() / 1000) * 1000 + 1000;
        await sleep(Math.max(0, startMs - Date.now()));
        const from = new Date(startMs);
        const t0 = Date.now();
        await replayLines(o.url, lines, ids, o.concurrency ?? 8);
        const to = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000);
        log(`replay ${replay.name}: ${lines.length} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s, window [${from.toISOString()}, ${to.toISOString()})`);
        await sleep(Math.max(0, to.getTime() - Date.now()));

        // ground truth, keyed by the inference id (the service's groundTruthData + eventMetadata.eventId layout)
        const gtFile = path.join(o.monitoringRoot, "ground-truth", ep, ...hourPath(from), `${replay.name}-${stamp}.jsonl`);
        const gt = replay.rows.map((r, i) => {
            const y = Number(r[o.labelColumn]);
            if (y !== 0 && y !== 1) throw new StepError(`replay ${replay.name} row ${i}: label column '${o.labelColumn}' is ${JSON.stringify(r[o.labelColumn])}, expected 0 or 1`);
            return JSON.stringify({ groundTruthData: { data: String(y), encoding: "CSV" }, eventMetadata: { eventId: ids[i] }, eventVersion: "0" });
        });
        await writeFileAtomic(gtFile, gt.join("\n") + "\n");

        // data-quality monitor over the replay's capture window
        const stats = new CaptureReadStats();
        const dqSchedule = `data-quality-${replay.name}`;
        const dq = await analyze({
            baselineStatistics: base.statistics,
            baselineConstraints: base.constraints,
            // sharded over worker threads (default: the machine's cores), partial profiles merged
            current: (await profileCaptureSharded(o.captureRoot, { from, to, keepUntimed: false, stats, profiler: { columnNames: [...o.columns] } })).profiler,
            outputRoot: o.monitoringRoot,
            endpoint: ep,
            schedule: dqSchedule,
            time: from,
        });
        if (dq.emfLines.length) fs.appendFileSync(o.metricsFile, dq.emfLines.join("\n") + "\n");
        emfLines += dq.emfLines.length;
        const capturedRows = dq.statistics.dataset.item_count;
        if (capturedRows === 0) throw new StepError(`replay ${replay.name}: no captured row in [${from.toISOString()}, ${to.toISOString()}) under ${o.captureRoot}; is data capture enabled on the endpoint?`);
        const drift: Record<string, number | undefined> = {};
        const linf: Record<string, number | undefined> = {};
        for (const d of dq.drift) {
            drift[d.feature_name] = d.baseline_drift;
            linf[d.feature_name] = d.numeric?.linf ?? d.categorical?.linf;
        }
        log(`data quality ${replay.name}: ${capturedRows} captured rows, ${dq.violations.violations.length} violation(s): ${dq.violations.violations.map((v) => `${v.feature_name}/${v.constraint_check_type}`).join(", ") || "none"}`);

        // model-quality monitor over the same window
        const mqSchedule = `model-quality-${replay.name}`;
        const mq = await runModelQualityMonitor({
            captureSource: o.captureRoot,
            groundTruthSource: path.join(o.monitoringRoot, "ground-truth", ep),
            from,
            to,
            constraints: o.modelQualityConstraints,
            dimensions: { endpoint: ep, schedule: mqSchedule },
            evaluationTime: from,
        });
        const mqDir = path.join(o.monitoringRoot, ...reportPrefix(ep, mqSchedule, from).split("/"));
        await writeFileAtomic(path.join(mqDir, "statistics.json"), formatServiceJson(mq.statistics));
        await writeFileAtomic(path.join(mqDir, "constraint_violations.json"), formatServiceJson({ violations: mq.violations?.violations ?? [] }));
        await writeFileAtomic(path.join(mqDir, "merge_report.json"), JSON.stringify(mq.mergeReport, null, 2));
        if (mq.emf?.lines.length) {
            await writeFileAtomic(path.join(mqDir, "cloudwatch_metrics.jsonl"), mq.emf.lines.join("\n") + "\n");
            fs.appendFileSync(o.metricsFile, mq.emf.lines.join("\n") + "\n");
            emfLines += mq.emf.lines.length;
        }
        const m = mq.statistics.binary_classification_metrics as unknown as Record<string, { value: number | string }>;
        const metrics: Record<string, number | string> = {};
        for (const k of ["auc", "accuracy", "f1", "precision", "recall"]) metrics[k] = m[k]?.value;
        log(`model quality ${replay.name}: ${mq.statistics.dataset.item_count} joined rows, auc ${fmt(metrics.auc)}, accuracy ${fmt(metrics.accuracy)}, ${mq.violations?.violations.length ?? 0} violation(s)`);
        outcomes.push({
            name: replay.name,
            sent: lines.length,
            window: { from: from.toISOString(), to: to.toISOString() },
            capturedRows,
            dataQuality: { schedule: dqSchedule, reportDir: dq.reportDir!, violations: dq.violations.violations, drift, linf },
            modelQuality: { schedule: mqSchedule, reportDir: mqDir, joinedRows: mq.statistics.dataset.item_count, metrics, violations: mq.violations?.violations ?? [] },
        });
    }

    const input = await collectMonitoringReports(path.join(o.monitoringRoot, "reports", ep), { baselineStatistics: base.statistics, title: `Model monitoring — ${ep}` });
    input.about = o.about;
    input.demoSchedules = o.replays.filter((r) => r.demo).flatMap((r) => [`data-quality-${r.name}`, `model-quality-${r.name}`]);
    const rep = await writeMonitoringReport(input, o.reportFile);
    log(`report: ${rep.charts} charts, ${rep.violations} violation(s) over ${input.dataQuality.length + input.modelQuality.length} run(s) -> ${o.reportFile}`);
    return { baselineDir, baselineRows: base.statistics.dataset.item_count, replays: outcomes, reportFile: o.reportFile, reportCharts: rep.charts, emfLines };
}

const fmt = (v: unknown) => (typeof v === "number" ? v.toFixed(4) : String(v));

/**
 * The demo's claim: drift violations on `features` for the shifted replay, none on them for the unshifted one.
 * Returns the problems (empty when the claim holds).
 */
export function checkShiftDetected(res: MonitorReplayResult, asIs: string, shifted: string, features: readonly string[]): string[] {
    const problems: string[] = [];
    const by = new Map(res.replays.map((r) => [r.name, r]));
    const a = by.get(asIs);
    const s = by.get(shifted);
    if (!a || !s) return [`replays '${asIs}' and '${shifted}' are both needed`];
    const driftOn = (r: ReplayOutcome, f: string) => r.dataQuality.violations.some((v) => v.feature_name === f && v.constraint_check_type === "baseline_drift_check");
    for (const f of features) {
        if (!driftOn(s, f)) problems.push(`shifted replay: no baseline_drift_check violation on ${f} (drift ${fmt(s.dataQuality.drift[f])})`);
        if (driftOn(a, f)) problems.push(`unshifted replay: unexpected baseline_drift_check violation on ${f} (drift ${fmt(a.dataQuality.drift[f])})`);
    }
    return problems;
}

export const SHIFT_ASSERTED_FEATURES = ["age", "hours_per_week"] as const;

function positiveInt(v: unknown, name: string, dflt: number | undefined): number | undefined {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new StepError(`--${name} ${String(v)}: expected an integer >= 1`);
    return n;
}

const step: StepDefinition = {
    name: "monitor",
    description: "data-quality baseline, replay the test set (as is + shifted) through the endpoint, data/model-quality monitors, drift assertion, report",
    dependsOn: ["deploy", "evaluate"],
    inputFiles: () => ["lib/monitoring", "scripts/steps/monitor/local.ts"],
    inputValues: (ctx) => ({
        rows: ctx.options["replay-rows"] ?? null,
        concurrency: ctx.options.concurrency ?? 8,
        seed: ctx.options.seed ?? DEFAULT_ADULT_SHIFT.seed,
        // replays are traffic: re-run whenever the endpoint was (re)deployed
        deployedAt: ctx.manifest.steps.deploy?.finishedAt ?? null,
    }),
    async run(ctx) {
        const out = ctx.outputs();
        if (!out.endpoint) throw new StepError(`stack '${ctx.stack}' has no endpoint (mlplatform:endpoint.enabled is false): nothing to monitor`);
        const ep = out.endpoint.name;
        const st = readState(path.join(endpointDir(ctx.workdir), `${ep}.json`));
        if (!st || !isAlive(st.pid) || (await ping(st.host, st.port)) !== 200) {
            throw new StepError(`endpoint ${ep} is not running (no live process answering /ping under ${ctx.rel(endpointDir(ctx.workdir))}): run the deploy step first (./build_ml_environment.sh --only deploy)`);
        }
        const url = st.url ?? `http://${st.host}:${st.port}`;
        const cap = parseS3Uri(out.endpoint.captureUri);
        const captureRoot = path.join(ctx.s3.pathOf(`s3://${cap.bucket}/`), ...cap.key.split("/").filter(Boolean), ep);
        const monitoringRoot = ctx.s3.pathOf(out.buckets.monitoring.uri);
        const mqFile = ctx.s3.pathOf(`${out.buckets.monitoring.uri}model-quality/baseline/constraints.json`);
        if (!fs.existsSync(mqFile)) throw new StepError(`model-quality baseline ${out.buckets.monitoring.uri}model-quality/baseline/constraints.json is missing: run the evaluate step first (./build_ml_environment.sh --only evaluate)`);
        const mqConstraints = await readServiceJson<ModelQualityConstraints>(mqFile);

        const transform = loadTransform(ctx.s3.pathOf(`${out.buckets.artifacts.uri}features/transform.json`));
        const columns = transform.state.inputColumns;
        const prepared = ctx.s3.pathOf(`${out.buckets.curated.uri}prepared/`);
        const train = (await loadPreparedSplit(prepared, "train")) as unknown as Row[];
        const n = positiveInt(ctx.options["replay-rows"], "replay-rows", undefined);
        const test = ((await loadPreparedSplit(prepared, "test")) as unknown as Row[]).slice(0, n);
        const seed = ctx.options.seed === undefined ? DEFAULT_ADULT_SHIFT.seed : Number(ctx.options.seed);
        if (!Number.isInteger(seed)) throw new StepError(`--seed ${String(ctx.options.seed)}: expected an integer`);
        const shift: AdultShiftOptions = { seed };
        ctx.log(`endpoint ${ep} at ${url}; replaying ${test.length} test rows twice (as is, shifted: age +10..15 y, hours x1.25, 30% of Private -> self-employed; seed ${seed})`);

        const res = await runMonitorReplay({
            url,
            endpointName: ep,
            captureRoot,
            monitoringRoot,
            baselineRows: train,
            columns,
            labelColumn: "label",
            replays: [
                { name: "asis", rows: test },
                { name: "shifted", rows: shiftAdultRows(test, shift), demo: true },
            ],
            about: [
                `The monitor step sent the ${test.length} rows of the test set (adult.test, never used for training) through the endpoint twice, with data capture on, and ran the data-quality monitor (against a baseline suggested from the ${train.length} training rows) and the model-quality monitor (captured predictions joined with the rows' true labels) over each replay's capture window.`,
                "Replay 'asis' sends the rows unchanged: it stands for real traffic, and its violations are real findings about the data.",
                `Replay 'shifted' is a deliberate drift demonstration: the same rows with age raised by 10 to 15 years, hours per week multiplied by 1.25 and 30% of the Private workclass moved to self-employment (seed ${seed}). Its drift violations are expected; the step fails if the monitor does not flag age and hours_per_week there, or flags them on the unshifted replay.`,
                "The files under monitoring/reports/ keep SageMaker Model Monitor's semantics (e.g. a completeness_check violation for any completeness below the baseline's); this page adds whether such a difference is beyond sampling noise.",
            ],
            modelQualityConstraints: mqConstraints,
            concurrency: positiveInt(ctx.options.concurrency, "concurrency", 8),
            metricsFile: ctx.file("monitoring/metrics.jsonl"),
            reportFile: ctx.file("reports/monitoring.html"),
            log: (l) => ctx.log(l),
        });
        return monitorStepResult(ctx, ep, res, ctx.rel(path.join(monitoringRoot, "reports", ep)), `report ${ctx.rel(res.reportFile)}`, {
            baseline: ctx.rel(res.baselineDir),
            reports: ctx.rel(path.join(monitoringRoot, "reports", ep)),
            groundTruth: ctx.rel(path.join(monitoringRoot, "ground-truth", ep)),
            html: ctx.rel(res.reportFile),
            metrics: ctx.rel(ctx.file("monitoring/metrics.jsonl")),
        });
    },
};

/**
 * The monitor step's logs, shift assertion and results (both targets): throws when drift is not flagged on the
 * shifted features of the shifted replay only. `reportsLocation` names where the reports are, for the error message.
 */
export function monitorStepResult(ctx: StepContext, ep: string, res: MonitorReplayResult, reportsLocation: string, summaryTail: string, artifacts: Record<string, string>): StepResult {
    for (const r of res.replays) {
        const d = SHIFT_ASSERTED_FEATURES.map((f) => `${f} ${fmt(r.dataQuality.drift[f])} (L∞ ${fmt(r.dataQuality.linf[f])})`).join(", ");
        ctx.log(`${r.name}: drift ${d}; ${r.dataQuality.violations.length} data-quality and ${r.modelQuality.violations.length} model-quality violation(s)`);
    }
    const problems = checkShiftDetected(res, "asis", "shifted", SHIFT_ASSERTED_FEATURES);
    if (problems.length) throw new StepError(`the monitor did not separate the shifted replay from the unshifted one: ${problems.join("; ")} (reports under ${reportsLocation})`);
    ctx.log(`assertion holds: drift flagged on ${SHIFT_ASSERTED_FEATURES.join(", ")} for the shifted replay only`);
    const [a, s] = res.replays;
    return {
        summary: `drift on ${SHIFT_ASSERTED_FEATURES.join(", ")} flagged for shifted traffic only (${a.dataQuality.violations.length} vs ${s.dataQuality.violations.length} data-quality violations); AUC ${fmt(a.modelQuality.metrics.auc)} as is, ${fmt(s.modelQuality.metrics.auc)} shifted; ${summaryTail}`,
        results: {
            endpointName: ep,
            baselineRows: res.baselineRows,
            replays: res.replays.map((r) => ({
                name: r.name,
                sent: r.sent,
                capturedRows: r.capturedRows,
                window: r.window,
                dataQualityViolations: r.dataQuality.violations.map((v) => `${v.feature_name}:${v.constraint_check_type}`),
                drift: r.dataQuality.drift,
                linf: r.dataQuality.linf,
                modelQuality: r.modelQuality.metrics,
                modelQualityViolations: r.modelQuality.violations.map((v) => v.metric_name),
            })),
            emfLines: res.emfLines,
        },
        artifacts,
    };
}

export default step;
