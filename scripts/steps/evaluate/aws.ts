/**
 * evaluate (--target aws) — read the batch-transform output from S3 (record_id, label, score), compute the
 * binary-classification metrics locally with lib/monitoring/modelquality (Model Monitor's statistics format), suggest
 * constraints, write both to `s3://<monitoring>/model-quality/baseline/` with SSE-KMS (the monitoring bucket's key) and
 * apply the quality gate (test AUC >= pipeline.minAuc, or --min-auc X). Options: --threshold P (default 0.5).
 */
import * as fs from "fs";
import { kmsKeyForUri, s3Join } from "../../../lib/aws/common";
import { readTransformOutput } from "../../../lib/aws/datasets";
import { putObject } from "../../../lib/aws/s3";
import { awsClients, awsStep } from "../../framework/aws-step";
import { StepError } from "../../framework/step";
import { HtmlReport } from "../../../lib/reports";
import type { StepDef } from "../index";
import { EVALUATE, evaluateInputValues, evaluateScores, evaluationSettings, qualityGate } from "./step";

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "n/a");

const step: StepDef<"evaluate"> = {
    ...EVALUATE,
    description: "metrics of the batch-transform output (Model Monitor statistics + constraints to S3, SSE-KMS) and the AUC gate",
    inputFiles: () => ["lib/monitoring/modelquality"],
    inputValues: evaluateInputValues,
    async run(ctx) {
        const { out, minAuc, source, threshold, batch } = evaluationSettings(ctx);
        if (!String(batch.outputUri).startsWith("s3://") || !ctx.manifest.steps["batch-infer"])
            throw new StepError("batch-infer has no S3 output: re-run --from batch-infer --target aws");
        const { s3 } = awsClients(out);
        return awsStep("evaluate", async () => {
            const prefix = batch.outputUri.slice(0, batch.outputUri.lastIndexOf("/") + 1);
            const recs = await readTransformOutput(s3, prefix);
            const { n, positives, ev, constraints, skipped, cal } = evaluateScores(recs, threshold, batch.outputUri);
            for (const s of skipped) ctx.log(`constraint not suggested for ${s.metric_name}: ${s.reason}`);
            const baseUri = s3Join(out.buckets.monitoring.uri, "model-quality/", "baseline/");
            const key = kmsKeyForUri(out, baseUri);
            await putObject(s3, out, `${baseUri}statistics.json`, JSON.stringify(ev.statistics, null, 2) + "\n", {
                kmsKeyArn: key,
                contentType: "application/json",
            });
            await putObject(s3, out, `${baseUri}constraints.json`, JSON.stringify(constraints, null, 2) + "\n", {
                kmsKeyArn: key,
                contentType: "application/json",
            });
            const statsFile = ctx.file("aws/evaluation/statistics.json");
            const consFile = ctx.file("aws/evaluation/constraints.json");
            fs.writeFileSync(statsFile, JSON.stringify(ev.statistics, null, 2) + "\n");
            fs.writeFileSync(consFile, JSON.stringify(constraints, null, 2) + "\n");

            const v = ev.values;
            const c = ev.counts;
            const auc = v.auc;
            const passed = auc >= minAuc;
            const rep = new HtmlReport(`Model evaluation — ${out.modelPackageGroupName} version ${batch.modelPackageVersion} (AWS)`, {
                subtitle: `test split, ${n} records (${positives} positive), transform job ${batch.transformJob}, stack ${ctx.stack}`,
            });
            rep.keyValues([
                ["test AUC", fmt(auc)],
                ["minimum AUC", `${minAuc} (${source})`],
                ["result", passed ? "PASSED" : "FAILED"],
                ["statistics.json", `${baseUri}statistics.json`],
                ["constraints.json", `${baseUri}constraints.json`],
            ]);
            rep.table(
                ["metric", "value"],
                (["auc", "accuracy", "precision", "recall", "f1", "true_positive_rate", "false_positive_rate"] as const).map((k) => [
                    k,
                    Number.isFinite(v[k]) ? v[k] : null,
                ]),
                { caption: `threshold ${threshold}; confusion TN ${c.tn}, FP ${c.fp}, FN ${c.fn}, TP ${c.tp}` },
            );
            const reportFile = ctx.file("reports/evaluation.html");
            rep.write(reportFile);
            ctx.log(`test AUC ${fmt(auc)}, accuracy ${fmt(v.accuracy)}, F1 ${fmt(v.f1)} on ${n} records; statistics + constraints -> ${baseUri}`);
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
                { statistics: `${baseUri}statistics.json`, constraints: `${baseUri}constraints.json`, report: ctx.rel(reportFile) },
            );
        });
    },
};

export default step;
