/**
 * train — XGBoost-compatible gradient-boosted trees (binary:logistic, hist) with SageMaker built-in XGBoost
 * hyperparameter names; writes `model.tar.gz` where a SageMaker training job would
 * (`s3://<artifacts>/models/<job>/output/model.tar.gz`), so the SageMaker XGBoost container can host it.
 * Options: --hp.<name> <value> overrides one hyperparameter (e.g. --hp.max_depth 6).
 */
import * as fs from "fs";
import { writeFileAtomic } from "../../../lib/data/io";
import { loadModelData } from "../../framework/datasets";
import { StepError } from "../../framework/step";
import { auc, HyperParameterError, train, writeModelTarGz } from "../../../lib/training";
import type { StepDef } from "../index";
import { hyperParametersFromOptions, TRAIN } from "./step";

const step: StepDef<"train"> = {
    ...TRAIN,
    description: "train gradient-boosted trees (XGBoost binary:logistic, hist) and package model.tar.gz",
    inputFiles: () => ["lib/training"],
    inputValues: (ctx) => hyperParametersFromOptions(ctx.options),
    async run(ctx) {
        const out = ctx.outputs();
        const data = await loadModelData(ctx.s3, out);
        const hp = hyperParametersFromOptions(ctx.options);
        const job = `${out.namePrefix}-xgb-${new Date()
            .toISOString()
            .replace(/[-:T.Z]/g, "")
            .slice(0, 14)}`;
        const t0 = process.hrtime.bigint();
        let res;
        try {
            res = train(hp, data.train, {
                evals: [{ name: "validation", data: data.validation }],
                onIteration: (round) => void ctx.progress(round + 1, Number(hp.num_round), "boosting rounds"),
            });
        } catch (e) {
            if (e instanceof HyperParameterError) throw new StepError(e.message);
            throw e;
        }
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const testAuc = auc(res.booster.predict(data.test), data.test.labels);
        const validationAuc = res.bestScore ?? res.history["validation:auc"]?.at(-1) ?? NaN;
        const modelUri = `${out.buckets.artifacts.uri}models/${job}/output/model.tar.gz`;
        const modelFile = ctx.s3.pathOf(modelUri);
        fs.mkdirSync(require("path").dirname(modelFile), { recursive: true });
        writeModelTarGz(res.booster, modelFile);
        const description = {
            TrainingJobName: job,
            TrainingJobStatus: "Completed",
            AlgorithmSpecification: { TrainingImage: "sagemaker-xgboost:1.7-1 (local trainer)", TrainingInputMode: "File" },
            HyperParameters: Object.fromEntries(Object.entries(hp).map(([k, v]) => [k, String(v)])),
            ModelArtifacts: { S3ModelArtifacts: modelUri },
            FinalMetricDataList: [
                { MetricName: "validation:auc", Value: validationAuc },
                { MetricName: "test:auc", Value: testAuc },
            ],
            TrainingTimeInSeconds: seconds,
            RoundsTrained: res.roundsTrained,
            BestIteration: res.bestIteration,
            StopReason: res.stopReason,
        };
        const descFile = ctx.s3.pathOf(`${out.buckets.artifacts.uri}models/${job}/training-job.json`);
        writeFileAtomic(descFile, JSON.stringify(description, null, 2) + "\n");
        return {
            summary: `${job}: validation AUC ${validationAuc.toFixed(4)}, test AUC ${testAuc.toFixed(4)}, ${res.roundsTrained} rounds in ${seconds.toFixed(1)} s`,
            results: { job, modelUri, validationAuc, testAuc, rounds: res.roundsTrained, trainSeconds: seconds, hyperParameters: description.HyperParameters },
            artifacts: { model: ctx.rel(modelFile), trainingJob: ctx.rel(descFile) },
        };
    },
};

export default step;
