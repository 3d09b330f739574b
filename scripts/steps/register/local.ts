/**
 * register — put the best model of train/tune into the local model registry (the stack's ModelPackageGroup) with its
 * metrics, hyperparameters and lineage (data and feature hashes, code version). In dev (pipeline.autoApprove) a model
 * whose test AUC reaches pipeline.minAuc is approved automatically; in prod it waits for
 * `npm run registry -- approve --stack prod --version N --reason "..."`.
 */
import * as fs from "fs";
import { sha256File } from "../../../lib/data/io";
import { registryFor } from "../../../lib/registry";
import type { StepDef } from "../index";
import { bestCandidate, candidates, codeVersion, REGISTER } from "./step";
import { preparedUri, transformUri } from "../../../contracts/s3-layout";

const step: StepDef<"register"> = {
    ...REGISTER,
    description: "register the best model (metrics, hyperparameters, lineage) and apply the approval rule",
    inputFiles: () => ["lib/registry"],
    inputValues: (ctx) => ({
        minAuc: ctx.config.pipeline.minAuc,
        autoApprove: ctx.config.pipeline.autoApprove,
        tune: ctx.manifest.steps.tune?.finishedAt ?? null,
    }),
    async run(ctx) {
        const out = ctx.outputs();
        // Choose on validation AUC only: the test set stays an unbiased estimate.
        const best = bestCandidate(
            candidates(ctx.resultsOf("train"), ctx.manifest.steps.tune?.status === "succeeded" ? ctx.resultsOf("tune") : undefined),
            (l) => ctx.log(l),
        );

        const prepared = ctx.s3.pathOf(preparedUri(out));
        const dataHash = ["train", "validation", "test"].map((s) => sha256File(`${prepared}/${s}.parquet`)).join(":");
        const transformFile = ctx.s3.pathOf(transformUri(out));
        if (!fs.existsSync(ctx.s3.pathOf(best.modelUri))) throw new Error(`model artifact ${best.modelUri} is missing; re-run --from ${best.source}`);

        const registry = registryFor(ctx.workdir, out.region, out.accountId);
        const group = out.modelPackageGroupName;
        registry.createGroup(group, `Adult income classifier (${ctx.stack})`);
        const qualifies = best.testAuc >= ctx.config.pipeline.minAuc;
        const auto = ctx.config.pipeline.autoApprove && qualifies;
        const pkg = registry.register(group, {
            description: `${best.source} ${best.job}`,
            image: `sagemaker-xgboost:1.7-1`,
            modelDataUrl: best.modelUri,
            metrics: { "validation:auc": best.validationAuc, "test:auc": best.testAuc },
            hyperParameters: best.hyperParameters,
            lineage: {
                dataHash: `sha256:${dataHash}`,
                featuresHash: `sha256:${sha256File(transformFile)}`,
                codeVersion: codeVersion(ctx.projectDir),
                trainingJob: best.job,
            },
            status: auto ? "Approved" : "PendingManualApproval",
            approvedBy: auto ? "auto-approval (pipeline.autoApprove)" : undefined,
            approvalReason: auto
                ? `test AUC ${best.testAuc.toFixed(4)} >= pipeline.minAuc ${ctx.config.pipeline.minAuc}`
                : ctx.config.pipeline.autoApprove
                  ? `test AUC ${best.testAuc.toFixed(4)} < pipeline.minAuc ${ctx.config.pipeline.minAuc}: needs a manual decision`
                  : "manual approval required in this stack",
        });
        const next = auto
            ? "approved automatically"
            : `pending: npm run registry -- approve --stack ${ctx.stack} --version ${pkg.ModelPackageVersion} --reason "..."`;
        return {
            summary: `${group} version ${pkg.ModelPackageVersion} (${best.source}, test AUC ${best.testAuc.toFixed(4)}) ${next}`,
            results: {
                modelPackageGroup: group,
                version: pkg.ModelPackageVersion,
                modelPackageArn: pkg.ModelPackageArn,
                approvalStatus: pkg.ModelApprovalStatus,
                source: best.source,
                modelUri: best.modelUri,
                testAuc: best.testAuc,
                validationAuc: best.validationAuc,
            },
            artifacts: { registry: "registry", package: `registry/${group}/packages/${pkg.ModelPackageVersion}.json` },
        };
    },
};

export default step;
