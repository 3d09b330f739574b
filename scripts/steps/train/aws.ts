/**
 * train (--target aws) — a SageMaker training job with the built-in XGBoost 1.7-1 algorithm on the model inputs of the
 * features step (label-first CSV channels train/validation), in the stack's VPC with network isolation, inter-container
 * encryption, KMS-encrypted volume and output, the training role and (pipeline.useSpot) managed spot training with
 * checkpoints. validation:auc comes from the job's final metrics; the test AUC from a batch transform of the test split
 * with the trained model (the built-in algorithm evaluates no test channel), whose model-quality statistics land in
 * `s3://<artifacts>/evaluation/<job>/statistics.json` for the register step.
 * Options: --hp.<name> <value>, --instance-type T, --spot true|false, --timeout-minutes M (default: the stack's
 * maxRuntimeSeconds x 2 when spot, + 15 min), --transform-instance-type T.
 */
import * as fs from "fs";
import { scoreTestSet } from "../../../lib/aws/datasets";
import { jobName } from "../../../lib/aws/common";
import { awsClients, awsStep, waitOptions } from "../../framework/aws-step";
import { buildTrainingJob, finalMetric, modelArtifactOf, runTrainingJob } from "../../../lib/aws/training";
import { StepContext } from "../../framework/step";
import type { StepDef } from "../index";
import { hyperParametersFromOptions, spotOption, TRAIN } from "./step";
import { modelInputPrefix, statisticsUri } from "../../../contracts/s3-layout";

export function defaultTimeoutMinutes(ctx: Pick<StepContext, "outputs">, useSpot: boolean): number {
    const out = ctx.outputs();
    return Math.ceil(((useSpot ? 2 : 1) * out.pipeline.maxRuntimeSeconds) / 60) + 15;
}

const step: StepDef<"train"> = {
    ...TRAIN,
    description: "SageMaker training job (built-in XGBoost 1.7-1, VPC, isolation, KMS, spot) and test-set scoring",
    inputFiles: () => ["lib/aws/training.ts"],
    inputValues: (ctx) => ({ hp: hyperParametersFromOptions(ctx.options), instanceType: ctx.options["instance-type"] ?? null, spot: ctx.options.spot ?? null }),
    async run(ctx) {
        const out = ctx.outputs();
        const hp = hyperParametersFromOptions(ctx.options);
        const useSpot = spotOption(ctx) ?? out.pipeline.useSpot;
        const wait = waitOptions(ctx, defaultTimeoutMinutes(ctx, useSpot));
        const { sm, s3 } = awsClients(out);
        return awsStep("train", async () => {
            const name = jobName(out, "xgb");
            const req = buildTrainingJob(out, {
                name,
                hyperParameters: hp,
                trainUri: modelInputPrefix(out, "train"),
                validationUri: modelInputPrefix(out, "validation"),
                instanceType: typeof ctx.options["instance-type"] === "string" ? ctx.options["instance-type"] : undefined,
                useSpot,
                imageUri: typeof ctx.options.image === "string" ? ctx.options.image : undefined,
            });
            const desc = await runTrainingJob(sm, req, wait);
            const validationAuc = finalMetric(desc, "validation:auc");
            const modelUri = modelArtifactOf(desc);
            ctx.log(
                `${name}: validation AUC ${validationAuc.toFixed(4)}, model ${modelUri}; billable ${desc.BillableTimeInSeconds ?? "?"} s of ${desc.TrainingTimeInSeconds ?? "?"} s`,
            );
            const score = await scoreTestSet(sm, s3, out, {
                modelDataUrl: modelUri,
                key: name,
                instanceType: typeof ctx.options["transform-instance-type"] === "string" ? ctx.options["transform-instance-type"] : undefined,
                wait,
            });
            ctx.log(`test AUC ${score.auc.toFixed(4)} on ${score.rows} records (transform job ${score.transformJob}) -> ${score.statisticsUri}`);
            const descFile = ctx.file(`aws/models/${name}/training-job.json`);
            fs.writeFileSync(descFile, JSON.stringify(desc, null, 2) + "\n");
            const savings =
                useSpot && desc.TrainingTimeInSeconds && desc.BillableTimeInSeconds ? 1 - desc.BillableTimeInSeconds / desc.TrainingTimeInSeconds : null;
            return {
                summary: `${name}: validation AUC ${validationAuc.toFixed(4)}, test AUC ${score.auc.toFixed(4)}, ${desc.TrainingTimeInSeconds ?? "?"} s${useSpot ? ` (spot, billable ${desc.BillableTimeInSeconds ?? "?"} s)` : ""}`,
                results: {
                    job: name,
                    modelUri,
                    validationAuc,
                    testAuc: score.auc,
                    rounds: null,
                    trainSeconds: desc.TrainingTimeInSeconds ?? null,
                    billableSeconds: desc.BillableTimeInSeconds ?? null,
                    spot: useSpot,
                    spotSavings: savings,
                    // buildTrainingJob always sets them (the run's hyperparameters)
                    hyperParameters: req.HyperParameters ?? {},
                    statisticsUri: score.statisticsUri,
                    evaluationTransformJob: score.transformJob,
                },
                artifacts: { model: modelUri, statistics: statisticsUri(out, name), trainingJob: ctx.rel(descFile) },
            };
        });
    },
};

export default step;
