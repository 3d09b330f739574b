/**
 * The monitor step's replay loop, once for both targets: the data-quality baseline of the training rows, then per
 * replay the requests (one inference id per row), the ground truth keyed by those ids, the data-quality monitor over
 * the replay's capture, the model-quality monitor (capture joined with ground truth: the four files statistics.json,
 * constraint_violations.json, merge_report.json, cloudwatch_metrics.jsonl) and the EMF lines; last the HTML report.
 * Decision: every file is written first under a local folder laid out as the monitoring bucket (contracts/s3-layout);
 * the target supplies thin adapters only: `invoke` (send the requests, give the window), `capture` (where the
 * replay's capture is read) and `store` (publish the written files: nothing locally, SSE-KMS uploads on AWS).
 */
import * as fs from "fs";
import * as path from "path";
import { baselinePrefix, groundTruthPrefix, hourPartition } from "../../../contracts/s3-layout";
import {
    analyze,
    CaptureReadStats,
    formatServiceJson,
    reportPrefix,
    suggestBaseline,
    writeFileAtomic,
    type AnalyzeOptions,
    type Violation,
} from "../../../lib/monitoring";
import { runModelQualityMonitor, type ModelQualityConstraints } from "../../../lib/monitoring/modelquality";
import { collectMonitoringReports, writeMonitoringReport } from "../../../lib/monitoring/report";
import { featureLine } from "../../framework/datasets";
import { StepError } from "../../framework/step";

/** Four decimals for numbers in log lines and summaries (both targets). */
export const fmt = (v: unknown) => (typeof v === "number" ? v.toFixed(4) : String(v));

type Cell = string | number | boolean | null | undefined;
export type Row = Record<string, Cell>;

export interface ReplaySpec {
    /** Short name: used in schedule names, inference ids and file names (letters, digits, hyphens). */
    name: string;
    rows: readonly Row[];
    /** Traffic changed on purpose to demonstrate drift detection: its violations are expected (reported apart). */
    demo?: boolean;
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

/** Where the model-quality monitor reads a replay's capture and ground truth (and its window, where it has one). */
export type ModelQualitySources = Pick<Parameters<typeof runModelQualityMonitor>[0], "captureSource" | "groundTruthSource" | "from" | "to">;

export interface ReplayCapture {
    /** What the data-quality profile reads: capture rows, or a profiler already fed. */
    current: AnalyzeOptions["current"];
    profiler?: AnalyzeOptions["profiler"];
    modelQuality: ModelQualitySources;
    /** The error message when the capture decoded to no row. */
    noRows(stats: CaptureReadStats): string;
}

/** The adapters of a target. */
export interface ReplayTarget {
    /** Local folder laid out as the monitoring bucket: every file is written here first. */
    monitoringRoot: string;
    /** Where a folder under monitoringRoot is, for a person (a path, or its S3 URI). */
    locationOf(dir: string): string;
    /** Publishes files written under monitoringRoot (in order); returns where they are now. */
    store(files: string[]): Promise<string[]>;
    /** Sends the replay's request lines with their inference ids (and logs it); returns the replay's window. */
    invoke(replay: string, lines: readonly string[], ids: readonly string[]): Promise<{ from: Date; to: Date }>;
    /** The replay's capture, once it is there. */
    capture(c: { replay: string; ids: readonly string[]; from: Date; to: Date; groundTruthFile: string; stats: CaptureReadStats }): Promise<ReplayCapture>;
}

export interface ReplayInput {
    endpointName: string;
    /** Baseline rows (training data), keyed by column name. */
    baselineRows: readonly Row[];
    /** Input columns the endpoint takes, in order (Adult: 14 features, no label). */
    columns: readonly string[];
    /** Column with the 0/1 ground truth in the replay rows. */
    labelColumn: string;
    replays: ReplaySpec[];
    modelQualityConstraints?: ModelQualityConstraints;
    /** EMF output file (lines appended). */
    metricsFile: string;
    /** HTML report file and its title. */
    reportFile: string;
    title: string;
    /** Paragraphs for the report's "What this report shows". */
    about?: string[];
    /** Unique stamp of this execution (inference ids, file names). */
    stamp: string;
    log: (line: string) => void;
}

export interface ReplayRun extends MonitorReplayResult {
    /** What `store` returned for the baseline (statistics, constraints), the ground truth and the report files. */
    stored: { baseline: string[]; groundTruth: string[]; reports: string[] };
}

/** The data-quality baseline's records: the raw input columns of the training rows (one baseline for both targets). */
export function baselineRecords(rows: readonly Row[], columns: readonly string[]): { values: (string | number | null)[]; names: string[] }[] {
    return rows.map((r) => ({ values: columns.map((c) => (r[c] === undefined ? null : (r[c] as string | number | null))), names: [...columns] }));
}

/** The files of a folder (not its subfolders), sorted. */
function filesOf(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .sort()
        .map((f) => path.join(dir, f))
        .filter((f) => fs.statSync(f).isFile());
}

export async function replayAndMonitor(target: ReplayTarget, o: ReplayInput): Promise<ReplayRun> {
    const { log, stamp } = o;
    const ep = o.endpointName;
    const root = target.monitoringRoot;
    for (const r of o.replays) if (!/^[a-zA-Z0-9-]+$/.test(r.name)) throw new StepError(`replay name '${r.name}' must be letters, digits and hyphens`);
    const stored: ReplayRun["stored"] = { baseline: [], groundTruth: [], reports: [] };

    // 1. data-quality baseline from the training data (features only, in the endpoint's column order)
    const baselineDir = path.join(root, ...baselinePrefix(ep).split("/"));
    const base = await suggestBaseline(baselineRecords(o.baselineRows, o.columns), { outputDir: baselineDir });
    stored.baseline = await target.store(["statistics.json", "constraints.json"].map((f) => path.join(baselineDir, f)));
    log(`baseline: ${base.statistics.dataset.item_count} training rows, ${base.statistics.features.length} features -> ${target.locationOf(baselineDir)}`);

    const outcomes: ReplayOutcome[] = [];
    let emfLines = 0;
    fs.mkdirSync(path.dirname(o.metricsFile), { recursive: true });
    for (const replay of o.replays) {
        const lines = replay.rows.map((r) => featureLine(r, o.columns));
        const ids = replay.rows.map((_, i) => `${ep}-${replay.name}-${stamp}-${i}`);
        const { from, to } = await target.invoke(replay.name, lines, ids);

        // ground truth, keyed by the inference id (the service's groundTruthData + eventMetadata.eventId layout)
        const gtFile = path.join(root, ...groundTruthPrefix(ep).split("/"), ...hourPartition(from).split("/"), `${replay.name}-${stamp}.jsonl`);
        const gt = replay.rows.map((r, i) => {
            const y = Number(r[o.labelColumn]);
            if (y !== 0 && y !== 1)
                throw new StepError(`replay ${replay.name} row ${i}: label column '${o.labelColumn}' is ${JSON.stringify(r[o.labelColumn])}, expected 0 or 1`);
            return JSON.stringify({ groundTruthData: { data: String(y), encoding: "CSV" }, eventMetadata: { eventId: ids[i] }, eventVersion: "0" });
        });
        await writeFileAtomic(gtFile, gt.join("\n") + "\n");
        stored.groundTruth.push(...(await target.store([gtFile])));

        // data-quality monitor over the replay's capture
        const stats = new CaptureReadStats();
        const cap = await target.capture({ replay: replay.name, ids, from, to, groundTruthFile: gtFile, stats });
        const dqSchedule = `data-quality-${replay.name}`;
        const dq = await analyze({
            baselineStatistics: base.statistics,
            baselineConstraints: base.constraints,
            current: cap.current,
            ...(cap.profiler ? { profiler: cap.profiler } : {}),
            outputRoot: root,
            endpoint: ep,
            schedule: dqSchedule,
            time: from,
        });
        if (dq.emfLines.length) fs.appendFileSync(o.metricsFile, dq.emfLines.join("\n") + "\n");
        emfLines += dq.emfLines.length;
        const capturedRows = dq.statistics.dataset.item_count;
        if (capturedRows === 0) throw new StepError(cap.noRows(stats));
        const drift: Record<string, number | undefined> = {};
        const linf: Record<string, number | undefined> = {};
        for (const d of dq.drift) {
            drift[d.feature_name] = d.baseline_drift;
            linf[d.feature_name] = d.numeric?.linf ?? d.categorical?.linf;
        }
        stored.reports.push(...(await target.store(filesOf(dq.reportDir!))));
        log(
            `data quality ${replay.name}: ${capturedRows} captured rows, ${dq.violations.violations.length} violation(s): ${dq.violations.violations.map((v) => `${v.feature_name}/${v.constraint_check_type}`).join(", ") || "none"}`,
        );

        // model-quality monitor: the replay's capture joined with its ground truth
        const mqSchedule = `model-quality-${replay.name}`;
        const mq = await runModelQualityMonitor({
            ...cap.modelQuality,
            constraints: o.modelQualityConstraints,
            dimensions: { endpoint: ep, schedule: mqSchedule },
            evaluationTime: from,
        });
        const mqDir = path.join(root, ...reportPrefix(ep, mqSchedule, from).split("/"));
        await writeFileAtomic(path.join(mqDir, "statistics.json"), formatServiceJson(mq.statistics));
        await writeFileAtomic(path.join(mqDir, "constraint_violations.json"), formatServiceJson({ violations: mq.violations?.violations ?? [] }));
        await writeFileAtomic(path.join(mqDir, "merge_report.json"), JSON.stringify(mq.mergeReport, null, 2));
        if (mq.emf?.lines.length) {
            await writeFileAtomic(path.join(mqDir, "cloudwatch_metrics.jsonl"), mq.emf.lines.join("\n") + "\n");
            fs.appendFileSync(o.metricsFile, mq.emf.lines.join("\n") + "\n");
            emfLines += mq.emf.lines.length;
        }
        stored.reports.push(...(await target.store(filesOf(mqDir))));
        const m = mq.statistics.binary_classification_metrics as unknown as Record<string, { value: number | string }>;
        const metrics: Record<string, number | string> = {};
        for (const k of ["auc", "accuracy", "f1", "precision", "recall"]) metrics[k] = m[k]?.value;
        log(
            `model quality ${replay.name}: ${mq.statistics.dataset.item_count} joined rows, auc ${fmt(metrics.auc)}, accuracy ${fmt(metrics.accuracy)}, ${mq.violations?.violations.length ?? 0} violation(s)`,
        );
        outcomes.push({
            name: replay.name,
            sent: lines.length,
            window: { from: from.toISOString(), to: to.toISOString() },
            capturedRows,
            dataQuality: { schedule: dqSchedule, reportDir: dq.reportDir!, violations: dq.violations.violations, drift, linf },
            modelQuality: {
                schedule: mqSchedule,
                reportDir: mqDir,
                joinedRows: mq.statistics.dataset.item_count,
                metrics,
                violations: mq.violations?.violations ?? [],
            },
        });
    }

    const input = await collectMonitoringReports(path.join(root, "reports", ep), { baselineStatistics: base.statistics, title: o.title });
    input.about = o.about;
    input.demoSchedules = o.replays.filter((r) => r.demo).flatMap((r) => [`data-quality-${r.name}`, `model-quality-${r.name}`]);
    const rep = await writeMonitoringReport(input, o.reportFile);
    log(`report: ${rep.charts} charts, ${rep.violations} violation(s) over ${input.dataQuality.length + input.modelQuality.length} run(s) -> ${o.reportFile}`);
    return {
        baselineDir,
        baselineRows: base.statistics.dataset.item_count,
        replays: outcomes,
        reportFile: o.reportFile,
        reportCharts: rep.charts,
        emfLines,
        stored,
    };
}
