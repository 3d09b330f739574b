/**
 * batch-infer (--target aws) — a SageMaker batch transform job over the test split with the latest approved model
 * package (the champion): a model from the package (hosting role, job security group, network isolation), then
 * CreateTransformJob on `s3://<curated>/batch-transform/raw-input/test.csv` (record_id, label, the raw record; written
 * by the features step: the package's inference pipeline applies the feature transform, as the local batch transform does) with SplitType Line, BatchStrategy MultiRecord, AssembleWith Line, DataProcessing InputFilter
 * `$[2:]` / JoinSource Input / OutputFilter `$[0,1,-1]`, output and volume encrypted with the stack's keys.
 * Output: `s3://<curated>/batch-transform/output/test.csv.out` (record_id, label, score), read by evaluate.
 * Options: --instance-type T (default ml.m5.large), --instance-count N, --max-payload-mb N, --timeout-minutes M (60).
 */
import * as fs from "fs";
import { jobName } from "../../../lib/aws/common";
import { readTransformOutput } from "../../../lib/aws/datasets";
import { buildModel, createModel } from "../../../lib/aws/hosting";
import { awsClients, awsStep, listPackages, waitOptions } from "../../framework/aws-step";
import { BATCH_DATA_PROCESSING, buildTransformJob, runTransformJob } from "../../../lib/aws/transform";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { BATCH_INFER } from "./step";
import { batchOutputPrefix, rawBatchInputUri } from "../../../contracts/s3-layout";

const step: StepDef<"batch-infer"> = {
    ...BATCH_INFER,
    description: "SageMaker batch transform over the test set (SplitType Line, MultiRecord, joined record_id + label + score)",
    inputFiles: () => ["lib/aws/transform.ts"],
    inputValues: (ctx) => ({
        maxPayloadInMB: ctx.options["max-payload-mb"] ?? 6,
        instanceType: ctx.options["instance-type"] ?? null,
        instanceCount: ctx.options["instance-count"] ?? 1,
        register: ctx.manifest.steps.register?.finishedAt ?? null,
    }),
    async run(ctx) {
        const out = ctx.outputs();
        const mb = Number(ctx.options["max-payload-mb"] ?? 6);
        if (!(mb > 0 && mb <= 100))
            throw new StepError(`--max-payload-mb ${String(ctx.options["max-payload-mb"])}: expected a number in (0, 100] (SageMaker's MaxPayloadInMB)`);
        const count = Number(ctx.options["instance-count"] ?? 1);
        if (!Number.isInteger(count) || count < 1) throw new StepError(`--instance-count ${String(ctx.options["instance-count"])}: expected an integer >= 1`);
        const wait = waitOptions(ctx, 60);
        const { sm, s3 } = awsClients(out);
        return awsStep("batch-infer", async () => {
            const [pkg] = await listPackages(sm, out, "Approved", wait);
            if (!pkg?.ModelPackageArn) {
                throw new StepError(
                    `no approved model package in ${out.modelPackageGroupName}: approve one (aws sagemaker update-model-package --model-approval-status Approved ...) or re-run --from train`,
                );
            }
            const now = new Date();
            const modelName = jobName(out, `batch-v${pkg.ModelPackageVersion}`, now);
            await createModel(sm, buildModel(out, { name: modelName, network: "job", source: { modelPackageArn: pkg.ModelPackageArn } }), wait);
            const job = jobName(out, "transform", now);
            const outputPrefix = batchOutputPrefix(out);
            const req = buildTransformJob(out, {
                name: job,
                modelName,
                inputUri: rawBatchInputUri(out),
                outputUri: outputPrefix,
                instanceType: typeof ctx.options["instance-type"] === "string" ? ctx.options["instance-type"] : undefined,
                instanceCount: count,
                maxPayloadMb: mb,
            });
            ctx.log(`${job}: ${rawBatchInputUri(out)} through ${out.modelPackageGroupName} version ${pkg.ModelPackageVersion} (model ${modelName})`);
            const desc = await runTransformJob(sm, req, wait);
            const outputUri = `${outputPrefix}test.csv.out`;
            const scored = await readTransformOutput(s3, outputPrefix);
            const seconds =
                desc.TransformStartTime && desc.TransformEndTime ? (desc.TransformEndTime.getTime() - desc.TransformStartTime.getTime()) / 1000 : null;
            const descFile = ctx.file(`aws/batch-transform/${job}.json`);
            fs.writeFileSync(descFile, JSON.stringify(desc, null, 2) + "\n");
            return {
                summary: `${job}: ${scored.ids.length} records scored by version ${pkg.ModelPackageVersion}${seconds !== null ? ` in ${seconds.toFixed(0)} s` : ""} -> ${outputUri}`,
                results: {
                    transformJob: job,
                    modelName,
                    modelPackageVersion: pkg.ModelPackageVersion,
                    modelPackageArn: pkg.ModelPackageArn,
                    inputUri: rawBatchInputUri(out),
                    outputUri,
                    outputFiles: scored.files,
                    records: scored.ids.length,
                    seconds,
                    outputColumns: ["record_id", "label", "score"],
                    dataProcessing: BATCH_DATA_PROCESSING,
                },
                artifacts: { input: rawBatchInputUri(out), output: outputUri, transformJob: ctx.rel(descFile) },
            };
        });
    },
};

export default step;
