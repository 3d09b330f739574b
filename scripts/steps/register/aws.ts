/**
 * register (--target aws) — CreateModelPackage into the stack's ModelPackageGroup for the best of train/tune (chosen on
 * validation AUC, as locally): the inference pipeline that serves raw records (AWS's scikit-learn serving image with
 * the preprocessing archive — script + transform, lib/aws/preprocess — then the built-in XGBoost image with the model
 * artifact; --preprocess-image <uri> where the scikit-learn image is not published), ModelMetrics.ModelQuality.Statistics pointing at
 * the test-set statistics in S3, lineage as CustomerMetadataProperties, the sample payload for Inference Recommender,
 * and the stack's approval rule (pipeline.autoApprove and test AUC >= pipeline.minAuc -> Approved, else
 * PendingManualApproval).
 */
import * as crypto from "crypto";

import { buildPreprocessArchive, preprocessArchiveUri } from "../../../lib/aws/preprocess";
import { approvalFor, buildModelPackage, registerModelPackage, versionOfArn } from "../../../lib/aws/registry";
import { getObjectBuffer, putObject } from "../../../lib/aws/s3";
import { awsClients, awsStep, waitOptions } from "../../framework/aws-step";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { bestCandidate, candidates, codeVersion, REGISTER } from "./step";
import { samplePayloadUri, transformUri } from "../../../contracts/s3-layout";

const step: StepDef<"register"> = {
    ...REGISTER,
    description: "CreateModelPackage (metrics in S3, lineage) and the stack's approval rule",
    inputFiles: () => ["lib/aws/registry.ts", "lib/aws/preprocess.ts", "lib/aws/scripts/preprocess.py"],
    inputValues: (ctx) => ({ tune: ctx.manifest.steps.tune?.finishedAt ?? null }),
    async run(ctx) {
        const out = ctx.outputs();
        const all = candidates(ctx.resultsOf("train"), ctx.manifest.steps.tune?.status === "succeeded" ? ctx.resultsOf("tune") : undefined);
        for (const c of all) {
            if (!(c.statisticsUri ?? "").startsWith("s3://") || !c.modelUri.startsWith("s3://")) {
                throw new StepError(
                    `the ${c.source} step's results have no S3 model/statistics (modelUri ${c.modelUri}): they come from a local run; re-run --from ${c.source} --target aws`,
                );
            }
        }
        const best = bestCandidate(all, (l) => ctx.log(l));
        const statisticsUri = best.statisticsUri!;
        const approval = approvalFor(out, "test:auc", best.testAuc);
        const { sm, s3 } = awsClients(out);
        const wait = waitOptions(ctx, 10);
        return awsStep("register", async () => {
            const transform = await getObjectBuffer(s3, transformUri(out));
            // The preprocessing archive is content-addressed: the features step uploaded these bytes to this key already;
            // putting them again makes the package independent of that step's version and changes nothing when present.
            const archive = buildPreprocessArchive(transform);
            const archiveUri = preprocessArchiveUri(out.buckets.artifacts.uri, archive.sha256);
            await putObject(s3, out, archiveUri, archive.tarGz, { kmsKeyArn: out.kmsKeyArns.artifacts, contentType: "application/gzip" });
            const preprocessImage = typeof ctx.options["preprocess-image"] === "string" ? ctx.options["preprocess-image"] : undefined;
            const req = buildModelPackage(out, {
                preprocess: { modelDataUrl: archiveUri, imageUri: preprocessImage },
                modelDataUrl: best.modelUri,
                description: `${best.source} ${best.job} (stack ${ctx.stack})`,
                statisticsUri,
                approval,
                samplePayloadUrl: samplePayloadUri(out),
                metadata: {
                    source: best.source,
                    trainingJob: best.job,
                    validationAuc: best.validationAuc.toFixed(6),
                    testAuc: best.testAuc.toFixed(6),
                    featuresHash: `sha256:${crypto.createHash("sha256").update(transform).digest("hex")}`,
                    codeVersion: codeVersion(ctx.projectDir),
                    hyperParameters: Object.entries(best.hyperParameters ?? {})
                        .map(([k, v]) => `${k}=${v}`)
                        .join(" "),
                },
            });
            const pkg = await registerModelPackage(sm, req, wait);
            const arn = pkg.ModelPackageArn!;
            const version = pkg.ModelPackageVersion ?? versionOfArn(arn);
            const status = pkg.ModelApprovalStatus ?? approval.status;
            const next =
                status === "Approved"
                    ? `approved automatically (${approval.reason})`
                    : `pending (${approval.reason}): aws sagemaker update-model-package --model-package-name ${arn} --model-approval-status Approved --approval-description "<reason>" --region ${out.region}`;
            ctx.log(`${out.modelPackageGroupName} version ${version}: ${next}`);
            return {
                summary: `${out.modelPackageGroupName} version ${version} (${best.source}, test AUC ${best.testAuc.toFixed(4)}) ${status === "Approved" ? "approved automatically" : "pending manual approval"}`,
                results: {
                    modelPackageGroup: out.modelPackageGroupName,
                    version,
                    modelPackageArn: arn,
                    approvalStatus: status,
                    source: best.source,
                    modelUri: best.modelUri,
                    testAuc: best.testAuc,
                    validationAuc: best.validationAuc,
                    statisticsUri,
                },
                artifacts: { modelPackage: arn, statistics: statisticsUri },
            };
        });
    },
};

export default step;
