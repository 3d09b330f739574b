/**
 * tune (--target aws) — a SageMaker hyperparameter tuning job with the same HyperParameterTuningJobConfig as the local
 * tuner (default: DEFAULT_TUNING_CONFIG of tune/step.ts; validated by lib/tuning/config before anything is sent) and
 * a TrainingJobDefinition with the training step's VPC, KMS, isolation, encryption and spot settings. The best
 * training job's model is scored on the test split like the train step.
 * Options: --tuning-config FILE, --max-jobs N, --max-parallel N, --instance-type T, --spot true|false,
 * --timeout-minutes M (default from MaxNumberOfTrainingJobs / MaxParallelTrainingJobs x the stack's maxRuntimeSeconds).
 */
import * as fs from "fs";
import { jobName } from "../../../lib/aws/common";
import { scoreTestSet } from "../../../lib/aws/datasets";
import { awsClients, awsStep, waitOptions } from "../../framework/aws-step";
import { describeTrainingJob, modelArtifactOf } from "../../../lib/aws/training";
import { buildTuningJob, runTuningJob } from "../../../lib/aws/tuning";
import { StepError } from "../../framework/step";
import { TuningConfigError } from "../../../lib/tuning/config";
import type { StepDef } from "../index";
import { spotOption } from "../train/step";
import { STATIC_HYPERPARAMETERS, TUNE, tuningConfigFiles, tuningConfigFromOptions } from "./step";
import { modelInputPrefix } from "../../../contracts/s3-layout";

const step: StepDef<"tune"> = {
    ...TUNE,
    description: "SageMaker hyperparameter tuning job (same config as the local tuner; VPC, isolation, KMS, spot)",
    inputFiles: (ctx) => ["lib/aws/tuning.ts", "lib/aws/training.ts", ...tuningConfigFiles(ctx.options)],
    inputValues: (ctx) => ({
        cfg: tuningConfigFromOptions(ctx.options),
        static: STATIC_HYPERPARAMETERS,
        instanceType: ctx.options["instance-type"] ?? null,
        spot: ctx.options.spot ?? null,
    }),
    async run(ctx) {
        const out = ctx.outputs();
        const cfg = tuningConfigFromOptions(ctx.options);
        const useSpot = spotOption(ctx) ?? out.pipeline.useSpot;
        const rounds = Math.ceil(cfg.ResourceLimits.MaxNumberOfTrainingJobs / Math.max(1, cfg.ResourceLimits.MaxParallelTrainingJobs));
        const wait = waitOptions(ctx, Math.ceil((rounds * (useSpot ? 2 : 1) * out.pipeline.maxRuntimeSeconds) / 60) + 30);
        const { sm, s3 } = awsClients(out);
        const name = jobName(out, "hpo", new Date(), 32);
        let req;
        try {
            req = buildTuningJob(out, {
                name,
                config: cfg,
                staticHyperParameters: STATIC_HYPERPARAMETERS,
                trainUri: modelInputPrefix(out, "train"),
                validationUri: modelInputPrefix(out, "validation"),
                instanceType: typeof ctx.options["instance-type"] === "string" ? ctx.options["instance-type"] : undefined,
                useSpot,
            });
        } catch (e) {
            if (e instanceof TuningConfigError) throw new StepError(e.message);
            throw e;
        }
        return awsStep("tune", async () => {
            const desc = await runTuningJob(sm, req, wait);
            const best = desc.BestTrainingJob;
            const c = desc.TrainingJobStatusCounters ?? {};
            const counters = { Completed: c.Completed ?? 0, Stopped: c.Stopped ?? 0, Failed: (c.RetryableError ?? 0) + (c.NonRetryableError ?? 0) };
            if (!best?.TrainingJobName)
                throw new StepError(
                    `tuning job ${name} finished without a completed trial (${JSON.stringify(counters)}); see the failed trials' FailureReason in the SageMaker console`,
                );
            const objective = best.FinalHyperParameterTuningJobObjectiveMetric;
            if (objective?.Value === undefined) throw new StepError(`tuning job ${name}: best training job ${best.TrainingJobName} has no objective value`);
            const trial = await describeTrainingJob(sm, best.TrainingJobName, wait);
            const modelUri = modelArtifactOf(trial);
            ctx.log(
                `best trial ${best.TrainingJobName}: ${objective.MetricName} ${objective.Value.toFixed(4)}, ${JSON.stringify(best.TunedHyperParameters ?? {})}`,
            );
            const score = await scoreTestSet(sm, s3, out, { modelDataUrl: modelUri, key: `${name}/${best.TrainingJobName}`, wait });
            ctx.log(`test AUC of the best model ${score.auc.toFixed(4)} on ${score.rows} records -> ${score.statisticsUri}`);
            const descFile = ctx.file(`aws/models/${name}/tuning-job.json`);
            fs.writeFileSync(descFile, JSON.stringify(desc, null, 2) + "\n");
            const trials = counters.Completed + counters.Stopped + counters.Failed;
            return {
                summary: `${trials} trials (${counters.Completed} completed, ${counters.Stopped} stopped early); best validation AUC ${objective.Value.toFixed(4)}, test AUC ${score.auc.toFixed(4)}`,
                results: {
                    job: name,
                    bestTrainingJob: best.TrainingJobName,
                    validationAuc: objective.Value,
                    testAuc: score.auc,
                    modelUri,
                    hyperParameters: { ...STATIC_HYPERPARAMETERS, ...(best.TunedHyperParameters ?? {}) },
                    trials,
                    counters,
                    statisticsUri: score.statisticsUri,
                },
                artifacts: { model: modelUri, statistics: score.statisticsUri, tuningJob: ctx.rel(descFile) },
            };
        });
    },
};

export default step;
