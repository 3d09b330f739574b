/**
 * tune — hyperparameter tuning configured exactly like a SageMaker HyperParameterTuningJob (Bayesian or Random,
 * objective validation:auc maximised, resource limits, median-rule early stopping), trials in parallel worker threads.
 * Writes the trial table, a chart, and the best model where SageMaker would
 * (`s3://<artifacts>/models/<tuning-job>/<best-training-job>/output/model.tar.gz`).
 * Options: --tuning-config FILE  a HyperParameterTuningJobConfig JSON (default: DEFAULT_TUNING_CONFIG in step.ts)
 *          --max-jobs N / --max-parallel N  override ResourceLimits
 */
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../../../lib/data/io";
import { loadModelData } from "../../framework/datasets";
import { StepError } from "../../framework/step";
import { HtmlReport, lineSpec } from "../../../lib/reports";
import { auc, writeModelTarGz } from "../../../lib/training";
import { TuningConfigError } from "../../../lib/tuning/config";
import { runTuningJob } from "../../../lib/tuning/tuner";
import type { StepDef } from "../index";
import { STATIC_HYPERPARAMETERS, TUNE, tuningConfigFiles, tuningConfigFromOptions } from "./step";

const step: StepDef<"tune"> = {
    ...TUNE,
    description: "hyperparameter tuning (SageMaker HyperParameterTuningJob semantics, parallel workers)",
    inputFiles: (ctx) => ["lib/tuning", "lib/training", ...tuningConfigFiles(ctx.options)],
    inputValues: (ctx) => ({ cfg: tuningConfigFromOptions(ctx.options), static: STATIC_HYPERPARAMETERS }),
    async run(ctx) {
        const out = ctx.outputs();
        const cfg = tuningConfigFromOptions(ctx.options);
        const data = await loadModelData(ctx.s3, out);
        const name = `${out.namePrefix}-hpo-${new Date()
            .toISOString()
            .replace(/[-:T.Z]/g, "")
            .slice(2, 12)}`.slice(0, 32);
        const total = cfg.ResourceLimits.MaxNumberOfTrainingJobs;
        let done = 0;
        let res;
        try {
            res = await runTuningJob({
                HyperParameterTuningJobName: name,
                HyperParameterTuningJobConfig: cfg,
                StaticHyperParameters: STATIC_HYPERPARAMETERS,
                train: data.train,
                validation: data.validation,
                seed: 42,
                onProgress: (p) => {
                    if (p.round === 0) ctx.progress(++done, total, `trial ${p.trial} started`);
                },
            });
        } catch (e) {
            if (e instanceof TuningConfigError) throw new StepError(e.message);
            throw e;
        }
        if (!res.best || !res.bestModel) {
            const reasons = res.trials.map((t) => `${t.TrainingJobName}: ${t.status}${t.failureReason ? ` (${t.failureReason})` : ""}`).join("; ");
            throw new StepError(`tuning job ${name} finished without a completed trial: ${reasons}`);
        }
        for (const line of res.table.split("\n")) ctx.log(line);
        const testAuc = auc(res.bestModel.predict(data.test), data.test.labels);
        const modelUri = `${out.buckets.artifacts.uri}models/${name}/${res.best.TrainingJobName}/output/model.tar.gz`;
        const modelFile = ctx.s3.pathOf(modelUri);
        fs.mkdirSync(path.dirname(modelFile), { recursive: true });
        writeModelTarGz(res.bestModel, modelFile);

        const summaryFile = ctx.s3.pathOf(`${out.buckets.artifacts.uri}models/${name}/tuning-job.json`);
        const description = {
            HyperParameterTuningJobName: name,
            HyperParameterTuningJobStatus: "Completed",
            HyperParameterTuningJobConfig: cfg,
            TrainingJobStatusCounters: {
                Completed: res.trials.filter((t) => t.status === "Completed").length,
                Stopped: res.trials.filter((t) => t.status === "Stopped").length,
                Failed: res.trials.filter((t) => t.status === "Failed").length,
            },
            BestTrainingJob: {
                TrainingJobName: res.best.TrainingJobName,
                TunedHyperParameters: res.best.hyperParameters,
                FinalHyperParameterTuningJobObjectiveMetric: { Type: "Maximize", MetricName: res.objectiveMetric, Value: res.best.objective },
                ModelArtifacts: { S3ModelArtifacts: modelUri },
            },
            Trials: res.trials,
        };
        writeFileAtomic(summaryFile, JSON.stringify(description, null, 2) + "\n");

        const report = new HtmlReport(`Tuning job ${name}`);
        report.paragraph(
            `${cfg.Strategy} search, ${res.trials.length} trials, objective ${res.objectiveMetric} (${res.objectiveType}). Best: ${res.best.TrainingJobName} = ${res.best.objective?.toFixed(4)}; test AUC of the best model ${testAuc.toFixed(4)}.`,
        );
        const points = res.trials.filter((t) => t.objective !== undefined).map((t) => ({ x: t.trial, y: t.objective as number, series: "objective" }));
        let best = -Infinity;
        for (const t of [...res.trials].sort((a, b) => a.trial - b.trial)) {
            if (t.objective !== undefined) best = Math.max(best, t.objective);
            if (Number.isFinite(best)) points.push({ x: t.trial, y: best, series: "best so far" });
        }
        await report.chart(lineSpec(points, { title: "validation:auc by trial", xTitle: "trial", yTitle: "validation:auc", fitY: true }));
        report.table(
            ["trial", "job", "status", "objective", ...Object.keys(res.best.hyperParameters)],
            res.trials.map((t) => [
                t.trial,
                t.TrainingJobName,
                t.status,
                t.objective ?? null,
                ...Object.keys(res.best!.hyperParameters).map((k) => t.hyperParameters[k] ?? null),
            ]),
        );
        const reportFile = ctx.file("reports/tuning.html");
        report.write(reportFile);
        return {
            summary: `${res.trials.length} trials (${description.TrainingJobStatusCounters.Completed} completed, ${description.TrainingJobStatusCounters.Stopped} stopped early); best validation AUC ${res.best.objective?.toFixed(4)}, test AUC ${testAuc.toFixed(4)}`,
            results: {
                job: name,
                bestTrainingJob: res.best.TrainingJobName,
                validationAuc: res.best.objective,
                testAuc,
                modelUri,
                hyperParameters: { ...STATIC_HYPERPARAMETERS, ...res.best.hyperParameters },
                trials: res.trials.length,
                counters: description.TrainingJobStatusCounters,
            },
            artifacts: { model: ctx.rel(modelFile), tuningJob: ctx.rel(summaryFile), report: ctx.rel(reportFile) },
        };
    },
};

export default step;
