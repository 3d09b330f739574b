/**
 * Model packages in the stack's ModelPackageGroup (the register step): the built-in XGBoost image with the model
 * artifact, model-quality statistics in S3 as ModelMetrics, and the approval rule of the stack — auto-approve when
 * `pipeline.autoApprove` (dev) and the metric reaches `pipeline.minAuc`, else PendingManualApproval.
 */
import {
    CreateModelPackageCommand,
    CreateModelPackageCommandInput,
    DescribeModelPackageCommand,
    DescribeModelPackageCommandOutput,
    SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { StackOutputs } from "../../contracts/stack-outputs";
import { platformTags } from "./common";
import { frameworkImageUri, SKLEARN_VERSION, XGBOOST_VERSION } from "./images";
import { preprocessContainerEnvironment } from "./preprocess";
import { withThrottlingRetry } from "./retry";
import { waitFor, WaitOptions } from "./waiter";

export type ApprovalStatus = "Approved" | "PendingManualApproval";

export interface ApprovalDecision {
    status: ApprovalStatus;
    reason: string;
}

/** The stack's approval rule, applied to the metric the gate uses (test AUC). */
export function approvalFor(out: StackOutputs, metricName: string, value: number): ApprovalDecision {
    const { autoApprove, minAuc } = out.pipeline;
    if (!Number.isFinite(value)) return { status: "PendingManualApproval", reason: `${metricName} is ${value}: not a number, needs a manual decision` };
    if (!autoApprove) return { status: "PendingManualApproval", reason: `manual approval required in stack ${out.stack} (pipeline.autoApprove false)` };
    if (value >= minAuc) return { status: "Approved", reason: `${metricName} ${value.toFixed(4)} >= pipeline.minAuc ${minAuc}` };
    return { status: "PendingManualApproval", reason: `${metricName} ${value.toFixed(4)} < pipeline.minAuc ${minAuc}: needs a manual decision` };
}

export const REALTIME_INSTANCE_TYPES = ["ml.m5.large", "ml.m5.xlarge", "ml.c5.large", "ml.c5.xlarge"];
export const TRANSFORM_INSTANCE_TYPES = ["ml.m5.large", "ml.m5.xlarge"];

export interface ModelPackageSpec {
    modelDataUrl: string;
    description: string;
    /** s3:// URI of the model-quality statistics JSON (evaluation on the test set). */
    statisticsUri: string;
    approval: ApprovalDecision;
    /** s3:// URI of a tar.gz of sample CSV payloads (needed by Inference Recommender). */
    samplePayloadUrl?: string;
    /** Free-form lineage and metrics (CustomerMetadataProperties: string values, at most 50). */
    metadata?: Record<string, string | number>;
    imageUri?: string;
    /**
     * The inference pipeline's preprocessing container (lib/aws/preprocess): the package then serves raw records —
     * `InferenceSpecification.Containers` = [scikit-learn serving image with the preprocessing archive, built-in
     * XGBoost with the model]. Without it the package serves the model features (the XGBoost container alone).
     */
    preprocess?: { modelDataUrl: string; imageUri?: string };
}

/** The preprocessing container of a model package (first of the pipeline). */
export function preprocessContainer(region: string, p: { modelDataUrl: string; imageUri?: string }) {
    let image = p.imageUri;
    if (!image) {
        try {
            image = frameworkImageUri("sklearn", region);
        } catch (e) {
            throw new Error(
                `${(e as Error).message.split(";")[0]}; give the preprocessing container an image you can pull there (register --preprocess-image <uri>, endpoint.preprocessImage in the stack config)`,
            );
        }
    }
    return {
        Image: image,
        ModelDataUrl: p.modelDataUrl,
        Environment: preprocessContainerEnvironment(),
        Framework: "SKLEARN",
        FrameworkVersion: SKLEARN_VERSION.split("-")[0],
    };
}

/**
 * A CustomerMetadataProperties value: the API accepts letters, digits, spaces and `_ . : / = + - @` only (1–256
 * characters), so comparison signs become words and anything else is dropped.
 */
export function metadataValue(v: string | number): string {
    const words = String(v).replace(/>=/g, " at least ").replace(/<=/g, " at most ").replace(/</g, " below ").replace(/>/g, " above ");
    const clean = words
        .replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, " ")
        .replace(/\s+/g, " ")
        .trim();
    return (clean || "-").slice(0, 256);
}

export function buildModelPackage(out: StackOutputs, s: ModelPackageSpec): CreateModelPackageCommandInput {
    const meta = Object.fromEntries(Object.entries(s.metadata ?? {}).map(([k, v]) => [k, metadataValue(v)]));
    if (Object.keys(meta).length > 50)
        throw new Error(`model package metadata has ${Object.keys(meta).length} entries; CustomerMetadataProperties allows 50 — drop some`);
    return {
        ModelPackageGroupName: out.modelPackageGroupName,
        ModelPackageDescription: s.description.slice(0, 1024),
        InferenceSpecification: {
            Containers: [
                ...(s.preprocess ? [preprocessContainer(out.region, s.preprocess)] : []),
                {
                    Image: s.imageUri ?? frameworkImageUri("xgboost", out.region),
                    ModelDataUrl: s.modelDataUrl,
                    Framework: "XGBOOST",
                    FrameworkVersion: XGBOOST_VERSION.split("-")[0],
                },
            ],
            // Raw records: CSV or JSON in, CSV / JSON / JSON lines out (docs/endpoint.md). Inference Recommender sends the
            // sample payloads with the first content type.
            SupportedContentTypes: s.preprocess ? ["text/csv", "application/json"] : ["text/csv"],
            SupportedResponseMIMETypes: s.preprocess ? ["text/csv", "application/json", "application/jsonlines"] : ["text/csv"],
            SupportedRealtimeInferenceInstanceTypes: REALTIME_INSTANCE_TYPES as never,
            SupportedTransformInstanceTypes: TRANSFORM_INSTANCE_TYPES as never,
        },
        ModelApprovalStatus: s.approval.status,
        ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: s.statisticsUri } } },
        Domain: "MACHINE_LEARNING",
        Task: "CLASSIFICATION",
        ...(s.samplePayloadUrl ? { SamplePayloadUrl: s.samplePayloadUrl } : {}),
        CustomerMetadataProperties: { ...meta, approvalReason: metadataValue(s.approval.reason) },
        Tags: platformTags(out),
    };
}

/** Creates the package and waits until its ModelPackageStatus is Completed; returns its description. */
export async function registerModelPackage(
    sm: SageMakerClient,
    req: CreateModelPackageCommandInput,
    wait: WaitOptions,
): Promise<DescribeModelPackageCommandOutput> {
    const res = await withThrottlingRetry(`CreateModelPackage in ${req.ModelPackageGroupName}`, () => sm.send(new CreateModelPackageCommand(req)), {
        clock: wait.clock,
    });
    const arn = res.ModelPackageArn;
    if (!arn) throw new Error(`CreateModelPackage in ${req.ModelPackageGroupName} returned no ModelPackageArn`);
    return waitFor(
        {
            kind: "model package",
            name: arn,
            describe: () => sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn })),
            status: (d) => d.ModelPackageStatus,
            successStates: ["Completed"],
            failureStates: ["Failed", "Deleting"],
            failureReason: (d) =>
                (d.ModelPackageStatusDetails?.ValidationStatuses ?? []).map((v) => `${v.Name}: ${v.Status} ${v.FailureReason ?? ""}`.trim()).join("; ") ||
                undefined,
        },
        wait,
    );
}

/** The version number from a versioned model package ARN (`.../<group>/<version>`). */
export function versionOfArn(arn: string): number {
    const m = /\/(\d+)$/.exec(arn);
    if (!m) throw new Error(`'${arn}' is not a versioned model package ARN (expected arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)`);
    return Number(m[1]);
}
