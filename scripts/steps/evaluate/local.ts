/**
 * evaluate — binary-classification metrics of the batch-transform output (scores vs labels of the test set) in
 * SageMaker Model Monitor's model-quality statistics format, the suggested constraints, an HTML evaluation report and
 * the quality gate.
 *
 * Writes `s3://<monitoring>/model-quality/baseline/statistics.json` and `constraints.json` (the model-quality
 * monitor's baseline: the monitor compares live metrics against these constraints), and
 * `<workdir>/reports/evaluation.html` (metric table, ROC and precision-recall curves, confusion-matrix heatmap,
 * reliability diagram). The gate fails the step when the test AUC is below the stack's `pipeline.minAuc`
 * (stack output); `--min-auc X` overrides the threshold for this run. Options: --threshold P (probability threshold
 * of the positive class, default 0.5).
 */
import * as fs from "fs";
import { writeFileAtomic } from "../../../lib/data/io";
import { rocAndPrPoints } from "../../../lib/monitoring/modelquality";
import { StepError } from "../../framework/step";
import { HtmlReport, heatmapSpec, lineSpec } from "../../../lib/reports";
import type { StepDef } from "../index";
import { EVALUATE, evaluateInputValues, evaluateScores, evaluationSettings, qualityGate } from "./step";

export interface ScoredRecords {
    ids: string[];
    labels: Uint8Array;
    scores: Float64Array;
}

/** Reads a joined transform output (`record_id,label,score` per line); every problem names the file and the line. */
export function readScoredRecords(file: string): ScoredRecords {
    if (!fs.existsSync(file)) throw new StepError(`batch output ${file} does not exist: re-run --from batch-infer`);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const ids: string[] = [];
    const labels: number[] = [];
    const scores: number[] = [];
    lines.forEach((l, i) => {
        if (l.trim() === "") return;
        const f = l.split(",");
        const where = `${file}:${i + 1}`;
        if (f.length !== 3)
            throw new StepError(`${where}: expected 3 fields record_id,label,score but found ${f.length} ('${l.slice(0, 80)}'); re-run --from batch-infer`);
        const y = f[1].trim();
        if (y !== "0" && y !== "1")
            throw new StepError(`${where}: label '${y}' is not 0 or 1; the batch input must carry the prepared label (re-run --from batch-infer)`);
        const s = Number(f[2]);
        if (!(Number.isFinite(s) && s >= 0 && s <= 1))
            throw new StepError(`${where}: score '${f[2]}' is not a probability in [0, 1]; check the model's objective (binary:logistic)`);
        ids.push(f[0]);
        labels.push(y === "1" ? 1 : 0);
        scores.push(s);
    });
    if (ids.length === 0) throw new StepError(`batch output ${file} has no records: re-run --from batch-infer`);
    return { ids, labels: Uint8Array.from(labels), scores: Float64Array.from(scores) };
}

/** Keeps at most `max` points of a curve (evenly spaced by index, first and last kept) for charts. */
export function thinPoints<T>(pts: T[], max: number): T[] {
    if (pts.length <= max) return pts;
    const out: T[] = [];
    const step = (pts.length - 1) / (max - 1);
    for (let i = 0; i < max; i++) out.push(pts[Math.round(i * step)]);
    return out;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "NaN");

const step: StepDef<"evaluate"> = {
    ...EVALUATE,
    description: "model-quality statistics + constraints (Model Monitor format), evaluation report, AUC quality gate",
    inputFiles: () => ["lib/monitoring/modelquality", "lib/reports"],
    inputValues: evaluateInputValues,
    async run(ctx) {
        const { out, minAuc, source, threshold, batch } = evaluationSettings(ctx);
        const outputFile = ctx.s3.pathOf(batch.outputUri);
        const recs = readScoredRecords(outputFile);
        const { n, positives, ev, constraints, skipped, cal } = evaluateScores(recs, threshold, batch.outputUri);
        const stats = ev.statistics;
        const baseUri = `${out.buckets.monitoring.uri}model-quality/baseline/`;
        const statsFile = ctx.s3.pathOf(`${baseUri}statistics.json`);
        const consFile = ctx.s3.pathOf(`${baseUri}constraints.json`);
        fs.mkdirSync(ctx.s3.pathOf(baseUri), { recursive: true });
        writeFileAtomic(statsFile, JSON.stringify(stats, null, 2) + "\n");
        writeFileAtomic(consFile, JSON.stringify(constraints, null, 2) + "\n");
        for (const s of skipped) ctx.log(`constraint not suggested for ${s.metric_name}: ${s.reason}`);

        const v = ev.values;
        const c = ev.counts;
        const auc = v.auc;
        const curves = rocAndPrPoints(recs.scores, recs.labels);
        const passed = auc >= minAuc;

        // Report.
        const rep = new HtmlReport(`Model evaluation — ${out.modelPackageGroupName} version ${batch.modelPackageVersion}`, {
            subtitle: `test split, ${n} records (${positives} positive), transform job ${batch.transformJob}, stack ${ctx.stack}, ${new Date().toISOString()}`,
        });
        rep.heading("Quality gate");
        rep.keyValues([
            ["test AUC", fmt(auc)],
            ["minimum AUC", `${minAuc} (${source})`],
            ["result", passed ? "PASSED" : "FAILED"],
        ]);
        rep.heading("Metrics");
        const stdOf = (k: keyof typeof v) => ev.standardDeviations[k];
        const rows = (
            [
                "auc",
                "accuracy",
                "precision",
                "recall",
                "f1",
                "f0_5",
                "f2",
                "true_positive_rate",
                "true_negative_rate",
                "false_positive_rate",
                "false_negative_rate",
                "accuracy_best_constant_classifier",
                "f1_best_constant_classifier",
            ] as const
        ).map((k) => [k, Number.isFinite(v[k]) ? v[k] : null, Number.isFinite(stdOf(k)) ? stdOf(k) : null] as [string, number | null, number | null]);
        rep.table(["metric", "value", "standard deviation"], rows, { caption: `threshold ${threshold}; ${ev.stdMethod}` });
        rep.keyValues([
            ["expected calibration error", fmt(cal.expectedCalibrationError)],
            ["maximum calibration error", fmt(cal.maxCalibrationError)],
            ["statistics.json", `${baseUri}statistics.json`],
            ["constraints.json", `${baseUri}constraints.json`],
        ]);
        rep.beginGrid();
        const roc = thinPoints(curves.roc, 400);
        await rep.chart(
            lineSpec(
                [
                    ...roc.map((p) => ({ x: p.fpr, y: p.tpr, series: `model (AUC ${fmt(auc)})` })),
                    { x: 0, y: 0, series: "random" },
                    { x: 1, y: 1, series: "random" },
                ],
                {
                    title: "ROC curve",
                    xTitle: "false positive rate",
                    yTitle: "true positive rate",
                },
            ),
            "Receiver operating characteristic on the test split",
        );
        const pr = thinPoints(curves.pr, 400);
        const prevalence = positives / n;
        await rep.chart(
            lineSpec(
                [
                    ...pr.map((p) => ({ x: p.recall, y: p.precision, series: "model" })),
                    { x: 0, y: prevalence, series: "constant classifier" },
                    { x: 1, y: prevalence, series: "constant classifier" },
                ],
                {
                    title: "Precision-recall curve",
                    xTitle: "recall",
                    yTitle: "precision",
                },
            ),
            `Precision vs recall; the constant classifier's precision is the prevalence ${prevalence.toFixed(3)}`,
        );
        await rep.chart(
            heatmapSpec(
                [
                    { x: "predicted 0", y: "actual 0", value: c.tn },
                    { x: "predicted 1", y: "actual 0", value: c.fp },
                    { x: "predicted 0", y: "actual 1", value: c.fn },
                    { x: "predicted 1", y: "actual 1", value: c.tp },
                ],
                {
                    title: `Confusion matrix (threshold ${threshold})`,
                    format: ",d",
                    scheme: "blues",
                    diverging: false,
                    xOrder: ["predicted 0", "predicted 1"],
                    yOrder: ["actual 0", "actual 1"],
                    width: 240,
                    height: 200,
                },
            ),
            `TN ${c.tn}, FP ${c.fp}, FN ${c.fn}, TP ${c.tp}; darker = more records`,
        );
        const bins = cal.bins.filter((b) => b.count > 0);
        await rep.chart(
            lineSpec(
                [
                    ...bins.map((b) => ({ x: b.meanScore, y: b.fractionPositive, series: "model" })),
                    { x: 0, y: 0, series: "perfectly calibrated" },
                    { x: 1, y: 1, series: "perfectly calibrated" },
                ],
                { title: "Reliability diagram (10 bins)", xTitle: "mean predicted probability", yTitle: "fraction positive" },
            ),
            `Calibration: expected calibration error ${fmt(cal.expectedCalibrationError)}`,
        );
        rep.endGrid();
        rep.table(
            ["bin", "rows", "mean score", "fraction positive"],
            cal.bins.map((b) => [`${b.lower.toFixed(1)}–${b.upper.toFixed(1)}`, b.count, b.count ? b.meanScore : null, b.count ? b.fractionPositive : null]),
            { caption: "Reliability bins" },
        );
        const reportFile = ctx.file("reports/evaluation.html");
        rep.write(reportFile);
        ctx.log(
            `test AUC ${fmt(auc)} (±${fmt(ev.standardDeviations.auc)}), accuracy ${fmt(v.accuracy)}, F1 ${fmt(v.f1)}, precision ${fmt(v.precision)}, recall ${fmt(v.recall)} on ${n} records`,
        );
        ctx.log(`statistics + constraints -> ${baseUri}; report ${ctx.rel(reportFile)}`);

        return qualityGate(
            {
                ctx,
                group: out.modelPackageGroupName,
                version: batch.modelPackageVersion,
                ev,
                cal,
                records: n,
                positives,
                threshold,
                minAuc,
                source,
                baseUri,
                reportFile,
            },
            {
                statistics: ctx.rel(statsFile),
                constraints: ctx.rel(consFile),
                report: ctx.rel(reportFile),
            },
        );
    },
};

export default step;
