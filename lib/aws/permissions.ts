/**
 * What the `--target aws` engine asks of AWS, as data: for every SDK command a module of `lib/aws/` (or a step of
 * `scripts/steps/<step>/aws.ts`) sends, the IAM actions AWS authorizes it against (Service Authorization Reference,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html and
 * list_amazons3.html), and per step of the lifecycle the accesses that step needs, with the principal that makes each
 * one: the operator running the step, the SageMaker execution role a job runs as, or the CI deploy role. The operator
 * is written `pipeline`: the pipeline role's policy carries exactly the steps' needs (it is the role a SageMaker
 * pipeline running the lifecycle, and the Inference Recommender job, run with); the access contract also requires
 * every stack administrator (`security.adminRoleArns`, `breakGlassRoleArns`, who run the steps: docs/deploy.md) to be
 * allowed the same calls.
 *
 * The access contract (test/access/) turns `stepAccesses()` into probes that must be Allowed for dev and prod;
 * test/access/aws-permissions.test.ts checks that `MODULE_COMMANDS` lists exactly the commands each module sends, so a
 * new call cannot be added without saying what it needs.
 *
 * Notes on authorization that the commands' names do not show:
 * - PutObject with a `Tagging` header also needs s3:PutObjectTagging (S3 API reference, PutObject, "Permissions").
 * - ListObjectsV2 is authorized as s3:ListBucket on the bucket, with the prefix in `s3:prefix`.
 * - SageMaker Create* calls that carry `Tags` also need sagemaker:AddTags (SageMaker developer guide, "Grant permissions
 *   to tag SageMaker AI resources on creation"); a call that names an execution role needs iam:PassRole on it with
 *   iam:PassedToService = sagemaker.amazonaws.com.
 * - ListModelPackages supports only Resource "*" (Service Authorization Reference: no resource type).
 */
import {
    BATCH_OUTPUT_PREFIX,
    baselinePrefix,
    batchInputUri,
    batchOutputPrefix,
    EVALUATION_PREFIX,
    evaluationTransformPrefix,
    groundTruthPrefix,
    modelInputPrefix,
    modelInputUri,
    modelQualityBaselineUri,
    modelsUri,
    preparedUri,
    samplePayloadUri,
    statisticsUri,
    transformUri,
} from "../../contracts/s3-layout";
import { StackOutputs } from "../../contracts/stack-outputs";
import { buildModel, buildEndpointConfig } from "./hosting";
import { frameworkImageUri } from "./images";
import { buildPrepareProcessingJob } from "./processing";
import { buildInferenceRecommendationsJob } from "./recommender";
import { buildModelPackage } from "./registry";
import { sagemakerRequestContext } from "./request-context";
import { buildTrainingJob } from "./training";
import { buildTransformJob } from "./transform";
import { buildTuningJob } from "./tuning";

/** SDK commands (without the `Command` suffix) each module sends, checked against the source by a test. */
export const MODULE_COMMANDS: Record<string, string[]> = {
    "lib/aws/s3.ts": ["GetObject", "ListObjectsV2", "PutObject"],
    "lib/aws/featurestore.ts": ["PutRecord"],
    "lib/aws/hosting.ts": [
        "CreateEndpoint",
        "CreateEndpointConfig",
        "CreateModel",
        "DeleteModel",
        "DescribeEndpoint",
        "UpdateEndpoint",
        "UpdateEndpointWeightsAndCapacities",
    ],
    "lib/aws/processing.ts": ["CreateProcessingJob", "DescribeProcessingJob", "StopProcessingJob"],
    "lib/aws/recommender.ts": ["CreateInferenceRecommendationsJob", "DescribeInferenceRecommendationsJob", "StopInferenceRecommendationsJob"],
    "lib/aws/registry.ts": ["CreateModelPackage", "DescribeModelPackage"],
    "scripts/framework/aws-step.ts": ["ListModelPackages"],
    "lib/aws/training.ts": ["CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob"],
    "lib/aws/transform.ts": ["CreateTransformJob", "DescribeTransformJob", "StopTransformJob"],
    "lib/aws/tuning.ts": ["CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob", "StopHyperParameterTuningJob"],
    "scripts/steps/deploy/aws.ts": ["InvokeEndpoint"],
    "scripts/steps/monitor/aws.ts": ["InvokeEndpoint"],
    "lib/monitoring/lambda/run.ts": ["GetObject", "ListObjectsV2", "PutObject"],
    "lib/monitoring/distributed/worker.ts": ["PutObject"],
    "lib/monitoring/distributed/reduce.ts": ["DeleteObject", "GetObject"],
};

/** IAM actions per SDK command (beyond the obvious `<service>:<Command>`). */
export const COMMAND_ACTIONS: Record<string, string[]> = {
    GetObject: ["s3:GetObject"],
    PutObject: ["s3:PutObject", "s3:PutObjectTagging"],
    ListObjectsV2: ["s3:ListBucket"],
    DeleteObject: ["s3:DeleteObject"],
    PutRecord: ["sagemaker:PutRecord"],
    InvokeEndpoint: ["sagemaker:InvokeEndpoint"],
    CreateEndpoint: ["sagemaker:CreateEndpoint", "sagemaker:AddTags"],
    CreateEndpointConfig: ["sagemaker:CreateEndpointConfig", "sagemaker:AddTags"],
    CreateModel: ["sagemaker:CreateModel", "sagemaker:AddTags", "iam:PassRole"],
    CreateProcessingJob: ["sagemaker:CreateProcessingJob", "sagemaker:AddTags", "iam:PassRole"],
    CreateTrainingJob: ["sagemaker:CreateTrainingJob", "sagemaker:AddTags", "iam:PassRole"],
    CreateTransformJob: ["sagemaker:CreateTransformJob", "sagemaker:AddTags"],
    CreateHyperParameterTuningJob: ["sagemaker:CreateHyperParameterTuningJob", "sagemaker:AddTags", "iam:PassRole"],
    CreateInferenceRecommendationsJob: ["sagemaker:CreateInferenceRecommendationsJob", "sagemaker:AddTags", "iam:PassRole"],
    CreateModelPackage: ["sagemaker:CreateModelPackage", "sagemaker:AddTags"],
};

/** One access a step (or the engine behind it) needs. `resource` is an ARN or an s3:// URI. */
export interface NeededAccess {
    step: string;
    /** Role purpose (`pipeline`, `processing`, ...) or service principal. */
    principal: string;
    action: string;
    resource: string;
    /** Why: the call or job that makes the request. */
    why: string;
    /** Request context beyond what the model derives (e.g. iam:PassedToService, s3:prefix). */
    context?: Record<string, string | string[]>;
    /** Where the request comes from; default: inside the VPC (prod data is reachable only through the VPC endpoint). */
    origin?: "vpc" | "outside";
}

/** A job or resource name the engine generates: `<namePrefix>-<kind>-<yyMMddHHmmss>` (lib/aws/common.ts jobName). */
function named(o: StackOutputs, kind: string): string {
    return `${o.namePrefix}-${kind}-261202060000`;
}

/** Every access the lifecycle steps need, per step and principal (dev and prod alike; `o` is the stack's outputs). */
export function stepAccesses(o: StackOutputs): NeededAccess[] {
    const sm = (res: string) => `arn:aws:sagemaker:${o.region}:${o.accountId}:${res}`;
    const b = o.buckets;
    const ep = o.endpoint?.name;
    const out: NeededAccess[] = [];
    const add = (step: string, principal: string, actions: string[], resource: string, why: string, context?: NeededAccess["context"]) => {
        for (const action of actions) out.push({ step, principal, action, resource, why, ...(context ? { context } : {}) });
    };
    const put = COMMAND_ACTIONS.PutObject;
    const pass = (step: string, principal: string, role: keyof StackOutputs["roleArns"], why: string) =>
        add(step, principal, ["iam:PassRole"], o.roleArns[role], why, { "iam:PassedToService": "sagemaker.amazonaws.com" });
    const list = (step: string, principal: string, bucketUri: string, prefix: string, why: string) =>
        add(step, principal, ["s3:ListBucket"], bucketUri.replace(/\/$/, ""), why, { "s3:prefix": prefix, "s3:delimiter": "/" });
    /** A Create* call: its actions, with the condition context of the request the engine's builder produces. */
    const job = (step: string, principal: string, command: string, arn: string, why: string, req?: object) => {
        const ctx = req ? sagemakerRequestContext(req) : undefined;
        for (const a of COMMAND_ACTIONS[command] ?? [`sagemaker:${command}`]) if (a !== "iam:PassRole") add(step, principal, [a], arn, why, ctx);
    };
    const image = frameworkImageUri("xgboost", o.region);
    const trainSpec = {
        trainUri: modelInputPrefix(o, "train"),
        validationUri: modelInputPrefix(o, "validation"),
        hyperParameters: { num_round: 10 },
        useSpot: o.pipeline.useSpot,
        instanceType: o.pipeline.trainingInstanceType,
        maxRuntimeSeconds: o.pipeline.maxRuntimeSeconds,
    };
    const op = "pipeline";

    // prepare (scripts/steps/prepare/aws.ts, lib/aws/processing.ts)
    add("prepare", op, put, `${b.raw.uri}adult/adult.data`, "PutObject raw files");
    add("prepare", op, put, `${b.artifacts.uri}code/prepare-0123abcd/prepare_adult.py`, "PutObject prepare script");
    job(
        "prepare",
        op,
        "CreateProcessingJob",
        sm(`processing-job/${named(o, "prepare")}`),
        "CreateProcessingJob",
        buildPrepareProcessingJob(o, {
            name: named(o, "prepare"),
            codeUri: `${b.artifacts.uri}code/prepare-0123abcd/`,
            rawUri: `${b.raw.uri}adult/`,
            outputUri: preparedUri(o),
            seed: 42,
        }),
    );
    pass("prepare", op, "processing", "CreateProcessingJob RoleArn");
    add(
        "prepare",
        op,
        ["sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"],
        sm(`processing-job/${named(o, "prepare")}`),
        "wait / stop on timeout",
    );
    add("prepare", op, ["s3:GetObject"], preparedUri(o, "data-quality-report.json"), "GetObject data-quality report");
    add("prepare", "processing", ["s3:GetObject"], `${b.raw.uri}adult/adult.data`, "processing job input (raw)");
    add("prepare", "processing", ["s3:GetObject"], `${b.artifacts.uri}code/prepare-0123abcd/prepare_adult.py`, "processing job input (code)");
    add("prepare", "processing", ["s3:PutObject"], preparedUri(o, "train.csv"), "processing job output (KmsKeyId = data key)");

    // features (scripts/steps/features/aws.ts, lib/aws/featurestore.ts)
    add("features", op, ["s3:GetObject"], preparedUri(o, "train.csv"), "GetObject prepared splits");
    add("features", op, put, transformUri(o), "PutObject transform");
    add("features", op, put, modelInputUri(o, "train"), "PutObject model input");
    add("features", op, put, batchInputUri(o), "PutObject batch input");
    add("features", op, put, samplePayloadUri(o), "PutObject sample payloads");
    for (const fg of o.featureGroupNames) add("features", op, ["sagemaker:PutRecord"], sm(`feature-group/${fg}`), "PutRecord");

    // train (scripts/steps/train/aws.ts, lib/aws/training.ts, datasets.ts scoreTestSet)
    const trainJob = named(o, "train");
    job("train", op, "CreateTrainingJob", sm(`training-job/${trainJob}`), "CreateTrainingJob", buildTrainingJob(o, { name: trainJob, ...trainSpec }));
    pass("train", op, "training", "CreateTrainingJob RoleArn");
    add("train", op, ["sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"], sm(`training-job/${trainJob}`), "wait / stop on timeout");
    add("train", "training", ["s3:GetObject"], modelInputUri(o, "train"), "training channel");
    add("train", "training", ["s3:PutObject"], modelsUri(o, `${trainJob}/output/model.tar.gz`), "model artifact (KmsKeyId = artifacts key)");
    const evalModel = named(o, "eval-model");
    job(
        "train",
        op,
        "CreateModel",
        sm(`model/${evalModel}`),
        "CreateModel (temporary, test scoring)",
        buildModel(o, { name: evalModel, network: "job", source: { imageUri: image, modelDataUrl: modelsUri(o, `${trainJob}/output/model.tar.gz`) } }),
    );
    pass("train", op, "hosting", "CreateModel ExecutionRoleArn");
    job(
        "train",
        op,
        "CreateTransformJob",
        sm(`transform-job/${named(o, "eval")}`),
        "CreateTransformJob (test scoring)",
        buildTransformJob(o, { name: named(o, "eval"), modelName: evalModel, inputUri: batchInputUri(o), outputUri: evaluationTransformPrefix(o, trainJob) }),
    );
    add("train", op, ["sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"], sm(`transform-job/${named(o, "eval")}`), "wait / stop on timeout");
    add("train", op, ["sagemaker:DeleteModel"], sm(`model/${evalModel}`), "DeleteModel (temporary)");
    add("train", "hosting", ["s3:GetObject"], modelsUri(o, `${trainJob}/output/model.tar.gz`), "transform job: model artifact");
    add("train", "hosting", ["s3:GetObject"], batchInputUri(o), "transform job input");
    add("train", "hosting", ["s3:PutObject"], `${evaluationTransformPrefix(o, trainJob)}test.csv.out`, "transform job output (KmsKeyId = data key)");
    list("train", op, b.curated.uri, `${EVALUATION_PREFIX}${trainJob}/transform/`, "ListObjectsV2 transform output");
    add("train", op, ["s3:GetObject"], `${evaluationTransformPrefix(o, trainJob)}test.csv.out`, "GetObject transform output");
    add("train", op, put, statisticsUri(o, trainJob), "PutObject statistics");

    // tune (scripts/steps/tune/aws.ts, lib/aws/tuning.ts)
    const tuneJob = `${o.namePrefix}-tune-261202060000`.slice(0, 32);
    job(
        "tune",
        op,
        "CreateHyperParameterTuningJob",
        sm(`hyper-parameter-tuning-job/${tuneJob}`),
        "CreateHyperParameterTuningJob",
        buildTuningJob(o, {
            name: tuneJob,
            ...trainSpec,
            staticHyperParameters: { objective: "binary:logistic" },
            config: {
                Strategy: "Bayesian",
                HyperParameterTuningJobObjective: { Type: "Maximize", MetricName: "validation:auc" },
                ResourceLimits: { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 2 },
                ParameterRanges: { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "3", MaxValue: "8" }] },
            },
        }),
    );
    pass("tune", op, "training", "CreateHyperParameterTuningJob TrainingJobDefinition.RoleArn");
    add(
        "tune",
        op,
        ["sagemaker:DescribeHyperParameterTuningJob", "sagemaker:StopHyperParameterTuningJob"],
        sm(`hyper-parameter-tuning-job/${tuneJob}`),
        "wait / stop on timeout",
    );

    // register (scripts/steps/register/aws.ts, lib/aws/registry.ts)
    add("register", op, ["s3:GetObject"], transformUri(o), "GetObject transform (inference spec)");
    job(
        "register",
        op,
        "CreateModelPackage",
        sm(`model-package/${o.modelPackageGroupName}/1`),
        "CreateModelPackage",
        buildModelPackage(o, {
            modelDataUrl: modelsUri(o, `${trainJob}/output/model.tar.gz`),
            description: "probe",
            statisticsUri: statisticsUri(o, trainJob),
            approval: { status: "PendingManualApproval", reason: "probe" } as never,
        }),
    );
    add("register", op, ["sagemaker:CreateModelPackage"], sm(`model-package-group/${o.modelPackageGroupName}`), "CreateModelPackage into the group");
    add("register", op, ["sagemaker:DescribeModelPackage"], sm(`model-package/${o.modelPackageGroupName}/1`), "DescribeModelPackage");

    // deploy (scripts/steps/deploy/aws.ts, lib/aws/hosting.ts): the operator and the CI deploy role
    for (const who of [op, "ciDeploy"]) {
        add("deploy", who, ["sagemaker:ListModelPackages"], "*", 'ListModelPackages (Resource "*" only)');
        add("deploy", who, ["sagemaker:DescribeModelPackage"], sm(`model-package/${o.modelPackageGroupName}/1`), "DescribeModelPackage");
        job(
            "deploy",
            who,
            "CreateModel",
            sm(`model/${named(o, "champion")}`),
            "CreateModel per variant",
            buildModel(o, { name: named(o, "champion"), network: "endpoint", source: { modelPackageArn: sm(`model-package/${o.modelPackageGroupName}/1`) } }),
        );
        pass("deploy", who, "hosting", "CreateModel ExecutionRoleArn");
        job(
            "deploy",
            who,
            "CreateEndpointConfig",
            sm(`endpoint-config/${named(o, "config")}`),
            "CreateEndpointConfig",
            ep
                ? buildEndpointConfig(o, {
                      name: named(o, "config"),
                      capture: true,
                      variants: [{ variantName: "champion", modelName: named(o, "champion"), instanceType: "ml.m5.large", instanceCount: 1, weight: 1 }],
                  })
                : undefined,
        );
        if (ep) {
            add(
                "deploy",
                who,
                ["sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"],
                sm(`endpoint/${ep}`),
                "UpdateEndpoint / wait / --weights",
            );
            job("deploy", who, "CreateEndpoint", sm(`endpoint/${ep}`), "CreateEndpoint (first deploy)");
        }
    }
    if (ep) {
        add("deploy", op, ["s3:GetObject"], batchInputUri(o), "GetObject smoke-request row");
        add("deploy", op, ["sagemaker:InvokeEndpoint"], sm(`endpoint/${ep}`), "InvokeEndpoint smoke request");
        add("deploy", "hosting", ["s3:GetObject"], modelsUri(o, `${trainJob}/output/model.tar.gz`), "endpoint: model artifact");
        add(
            "deploy",
            "hosting",
            ["s3:PutObject"],
            `${o.endpoint!.captureUri}${ep}/champion/2026/12/02/06/capture.jsonl`,
            "endpoint data capture (KmsKeyId = data key)",
        );
    }

    // batch-infer (scripts/steps/batch-infer/aws.ts)
    add("batch-infer", op, ["sagemaker:ListModelPackages"], "*", "ListModelPackages");
    job(
        "batch-infer",
        op,
        "CreateModel",
        sm(`model/${named(o, "batch-model")}`),
        "CreateModel",
        buildModel(o, { name: named(o, "batch-model"), network: "job", source: { modelPackageArn: sm(`model-package/${o.modelPackageGroupName}/1`) } }),
    );
    pass("batch-infer", op, "hosting", "CreateModel ExecutionRoleArn");
    job(
        "batch-infer",
        op,
        "CreateTransformJob",
        sm(`transform-job/${named(o, "batch")}`),
        "CreateTransformJob",
        buildTransformJob(o, { name: named(o, "batch"), modelName: named(o, "batch-model"), inputUri: batchInputUri(o), outputUri: batchOutputPrefix(o) }),
    );
    add("batch-infer", "hosting", ["s3:GetObject"], batchInputUri(o), "transform job input");
    add("batch-infer", "hosting", ["s3:PutObject"], `${batchOutputPrefix(o)}test.csv.out`, "transform job output");

    // evaluate (scripts/steps/evaluate/aws.ts)
    list("evaluate", op, b.curated.uri, BATCH_OUTPUT_PREFIX, "ListObjectsV2 transform output");
    add("evaluate", op, ["s3:GetObject"], `${batchOutputPrefix(o)}test.csv.out`, "GetObject transform output");
    add("evaluate", op, put, modelQualityBaselineUri(o, "statistics.json"), "PutObject model-quality baseline");

    // loadtest (scripts/steps/loadtest/aws.ts, lib/aws/recommender.ts): the job runs as the pipeline role
    job(
        "loadtest",
        op,
        "CreateInferenceRecommendationsJob",
        sm(`inference-recommendations-job/${named(o, "loadtest")}`),
        "CreateInferenceRecommendationsJob",
        buildInferenceRecommendationsJob(o, { name: named(o, "loadtest"), modelPackageArn: sm(`model-package/${o.modelPackageGroupName}/1`) }),
    );
    pass("loadtest", op, "pipeline", "CreateInferenceRecommendationsJob RoleArn (the pipeline role itself)");
    add(
        "loadtest",
        op,
        ["sagemaker:DescribeInferenceRecommendationsJob", "sagemaker:StopInferenceRecommendationsJob"],
        sm(`inference-recommendations-job/${named(o, "loadtest")}`),
        "wait / stop",
    );
    add("loadtest", op, ["s3:GetObject"], samplePayloadUri(o), "recommender job: sample payloads");

    // monitor (scripts/steps/monitor/aws.ts)
    if (ep) {
        add("monitor", op, ["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"], sm(`endpoint/${ep}`), "DescribeEndpoint / replay");
        add("monitor", op, ["s3:GetObject"], modelQualityBaselineUri(o, "constraints.json"), "GetObject model-quality constraints");
        add("monitor", op, put, `${b.monitoring.uri}${baselinePrefix(ep)}/statistics.json`, "PutObject data-quality baseline");
        add("monitor", op, put, `${b.monitoring.uri}${groundTruthPrefix(ep)}/2026/12/02/06/gt.jsonl`, "PutObject ground truth");
        list("monitor", op, b.capture.uri, `datacapture/${ep}/champion/2026/12/02/06/`, "ListObjectsV2 capture");
        add("monitor", op, ["s3:GetObject"], `${o.endpoint!.captureUri}${ep}/champion/2026/12/02/06/capture.jsonl`, "GetObject capture");
        add("monitor", op, put, `${b.monitoring.uri}reports/${ep}/data-quality/report.json`, "PutObject reports");
    }
    return out;
}
