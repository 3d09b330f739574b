import { strict as assert } from "assert";
import { buildTrainingJob, hyperParametersAsStrings } from "../../lib/aws/training";
import { buildTuningJob } from "../../lib/aws/tuning";
import { buildPrepareProcessingJob } from "../../lib/aws/processing";
import { buildEndpointConfig, buildModel } from "../../lib/aws/hosting";
import { buildTransformJob } from "../../lib/aws/transform";
import { approvalFor, buildModelPackage, versionOfArn } from "../../lib/aws/registry";
import { buildInferenceRecommendationsJob } from "../../lib/aws/recommender";
import { FRAMEWORK_IMAGE_ACCOUNTS, frameworkImageUri } from "../../lib/aws/images";
import { jobName, kmsKeyForUri, platformTags, s3Join } from "../../lib/aws/common";
import { HyperParameterTuningJobConfig } from "../../lib/tuning/config";
import { DEFAULT_TUNING_CONFIG } from "../../scripts/steps/tune/step";
import { devOutputs } from "./helpers";
import { parseS3Uri } from "../../contracts/s3-layout";

const out = devOutputs();
const TAGS = [
    { Key: "CostCenter", Value: "CC-1001" },
    { Key: "DataClassification", Value: "confidential" },
    { Key: "Environment", Value: "dev" },
    { Key: "Owner", Value: "ml-platform-team" },
    { Key: "Project", Value: "ml-platform" },
];
const XGB = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const JOB_VPC = { Subnets: ["subnet-d2b3ed11e33e65b65", "subnet-f2b65e0840163db17"], SecurityGroupIds: ["sg-9c8c675eee06e9c79"] };

describe("aws: request builders use only the stack outputs", () => {
    it("the fixture is the dev stack's outputs", () => {
        assert.equal(out.region, "us-east-1");
        assert.deepEqual(platformTags(out), TAGS);
    });

    it("image URIs come from the per-region table (China partition domain included) and unknown regions fail with the fix", () => {
        assert.equal(frameworkImageUri("xgboost", "us-east-1"), XGB);
        assert.equal(frameworkImageUri("sklearn", "eu-west-1"), "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3");
        assert.equal(frameworkImageUri("xgboost", "cn-north-1"), "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1");
        assert.ok(Object.values(FRAMEWORK_IMAGE_ACCOUNTS).every((a) => /^\d{12}$/.test(a)));
        assert.throws(() => frameworkImageUri("xgboost", "xx-nowhere-1"), /region 'xx-nowhere-1'.*FRAMEWORK_IMAGE_ACCOUNTS, or pass --image/);
        assert.equal(frameworkImageUri("xgboost", "il-central-1"), "898809789911.dkr.ecr.il-central-1.amazonaws.com/sagemaker-xgboost:1.7-1");
        assert.throws(() => frameworkImageUri("sklearn", "il-central-1"), /sagemaker-scikit-learn is not published in region 'il-central-1'.*--image/);
    });

    it("processing job: SKLearn image, processing role, raw in, curated out with the data key, VPC + isolation + encryption, tags", () => {
        const r = buildPrepareProcessingJob(out, {
            name: "p-1",
            codeUri: "s3://mlp-dev-artifacts-88dbbe98/code/prepare-abc/",
            rawUri: "s3://mlp-dev-raw-88dbbe98/adult/",
            outputUri: "s3://mlp-dev-curated-88dbbe98/prepared/",
            seed: 7,
        });
        assert.equal(r.RoleArn, "arn:aws:iam::123456789012:role/mlp-dev-processing");
        assert.equal(r.AppSpecification!.ImageUri, "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3");
        assert.deepEqual(r.AppSpecification!.ContainerEntrypoint, ["python3", "/opt/ml/processing/input/code/prepare_adult.py"]);
        assert.deepEqual(r.AppSpecification!.ContainerArguments, ["--seed", "7", "--validation-fraction", "0.2"]);
        assert.equal(r.ProcessingInputs![0].S3Input!.S3Uri, "s3://mlp-dev-raw-88dbbe98/adult/");
        assert.equal(r.ProcessingInputs![1].S3Input!.LocalPath, "/opt/ml/processing/input/code");
        assert.equal(r.ProcessingOutputConfig!.KmsKeyId, out.kmsKeyArns.data);
        assert.equal(r.ProcessingOutputConfig!.Outputs![0].S3Output!.S3Uri, "s3://mlp-dev-curated-88dbbe98/prepared/");
        assert.equal(r.ProcessingResources!.ClusterConfig!.VolumeKmsKeyId, out.kmsKeyArns.data);
        assert.deepEqual(r.NetworkConfig, { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: JOB_VPC });
        assert.deepEqual(r.Tags, TAGS);
    });

    it("training job with spot (dev): every security and spot setting, string hyperparameters, CSV channels, models/ output", () => {
        const r = buildTrainingJob(out, {
            name: "mlp-dev-xgb-1",
            hyperParameters: { max_depth: 5, eta: 0.2, objective: "binary:logistic" },
            trainUri: "s3://mlp-dev-curated-88dbbe98/model-input/train/",
            validationUri: "s3://mlp-dev-curated-88dbbe98/model-input/validation/",
        });
        assert.deepEqual(r.HyperParameters, { max_depth: "5", eta: "0.2", objective: "binary:logistic" });
        assert.deepEqual(r.AlgorithmSpecification, { TrainingImage: XGB, TrainingInputMode: "File" });
        assert.equal(r.RoleArn, "arn:aws:iam::123456789012:role/mlp-dev-training");
        assert.deepEqual(r.VpcConfig, JOB_VPC);
        assert.equal(r.EnableNetworkIsolation, true);
        assert.equal(r.EnableInterContainerTrafficEncryption, true);
        assert.equal(r.ResourceConfig!.VolumeKmsKeyId, out.kmsKeyArns.artifacts);
        assert.equal(r.ResourceConfig!.InstanceType, "ml.m5.large");
        assert.deepEqual(r.OutputDataConfig, { S3OutputPath: "s3://mlp-dev-artifacts-88dbbe98/models/", KmsKeyId: out.kmsKeyArns.artifacts });
        assert.equal(r.EnableManagedSpotTraining, true);
        assert.deepEqual(r.StoppingCondition, { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 });
        assert.deepEqual(r.CheckpointConfig, { S3Uri: "s3://mlp-dev-artifacts-88dbbe98/checkpoints/mlp-dev-xgb-1/", LocalPath: "/opt/ml/checkpoints" });
        assert.deepEqual(
            r.InputDataConfig!.map((c) => [c.ChannelName, c.ContentType, c.DataSource!.S3DataSource!.S3Uri]),
            [
                ["train", "text/csv", "s3://mlp-dev-curated-88dbbe98/model-input/train/"],
                ["validation", "text/csv", "s3://mlp-dev-curated-88dbbe98/model-input/validation/"],
            ],
        );
        assert.deepEqual(r.Tags, TAGS);
    });

    it("training job without spot: no spot flag, wait time or checkpoints; stack limits honoured", () => {
        const noSpot = { ...out, pipeline: { ...out.pipeline, useSpot: false, maxRuntimeSeconds: 1800, trainingInstanceType: "ml.m5.xlarge" } };
        const r = buildTrainingJob(noSpot, { name: "j", hyperParameters: {}, trainUri: "s3://b/t/", validationUri: "s3://b/v/" });
        assert.equal(r.EnableManagedSpotTraining, false);
        assert.deepEqual(r.StoppingCondition, { MaxRuntimeInSeconds: 1800 });
        assert.equal(r.CheckpointConfig, undefined);
        assert.equal(r.ResourceConfig!.InstanceType, "ml.m5.xlarge");
        assert.throws(
            () => buildTrainingJob(out, { name: "j", hyperParameters: {}, trainUri: "s3://b/t/", validationUri: "s3://b/v/", maxWaitSeconds: 60 }),
            /MaxWaitTimeInSeconds >= MaxRuntimeInSeconds/,
        );
    });

    it("tuning job: the local tuner's config verbatim, TrainingJobDefinition with the same VPC/KMS/isolation/spot; invalid configs rejected before sending", () => {
        const cfg = JSON.parse(JSON.stringify(DEFAULT_TUNING_CONFIG)) as HyperParameterTuningJobConfig;
        const r = buildTuningJob(out, {
            name: "mlp-dev-hpo-2601010000",
            config: cfg,
            staticHyperParameters: { objective: "binary:logistic", num_round: 100 },
            trainUri: "s3://b/train/",
            validationUri: "s3://b/validation/",
        });
        const c = r.HyperParameterTuningJobConfig!;
        assert.equal(c.Strategy, "Bayesian");
        assert.deepEqual(c.HyperParameterTuningJobObjective, { Type: "Maximize", MetricName: "validation:auc" });
        assert.deepEqual(c.ResourceLimits, { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 2 });
        assert.deepEqual(c.ParameterRanges!.ContinuousParameterRanges, cfg.ParameterRanges.ContinuousParameterRanges);
        assert.deepEqual(c.ParameterRanges!.IntegerParameterRanges, cfg.ParameterRanges.IntegerParameterRanges);
        assert.equal(c.TrainingJobEarlyStoppingType, "Auto");
        const d = r.TrainingJobDefinition!;
        assert.deepEqual(d.StaticHyperParameters, { objective: "binary:logistic", num_round: "100" });
        assert.deepEqual(d.VpcConfig, JOB_VPC);
        assert.equal(d.EnableNetworkIsolation, true);
        assert.equal(d.EnableInterContainerTrafficEncryption, true);
        assert.equal(d.RoleArn, out.roleArns.training);
        assert.equal(d.ResourceConfig!.VolumeKmsKeyId, out.kmsKeyArns.artifacts);
        assert.equal(d.OutputDataConfig!.KmsKeyId, out.kmsKeyArns.artifacts);
        assert.equal(d.EnableManagedSpotTraining, true);
        assert.equal(d.CheckpointConfig!.S3Uri, "s3://mlp-dev-artifacts-88dbbe98/checkpoints/mlp-dev-hpo-2601010000/");
        assert.deepEqual(r.Tags, TAGS);
        const bad = { ...cfg, HyperParameterTuningJobObjective: { Type: "Maximize" as const, MetricName: "validation:rmse" } };
        assert.throws(
            () => buildTuningJob(out, { name: "x", config: bad, staticHyperParameters: {}, trainUri: "s3://b/t/", validationUri: "s3://b/v/" }),
            /MetricName.*validation:auc/,
        );
        assert.throws(
            () => buildTuningJob(out, { name: "x".repeat(33), config: cfg, staticHyperParameters: {}, trainUri: "s3://b/t/", validationUri: "s3://b/v/" }),
            /33 characters; the API allows 32/,
        );
    });

    it("models: hosting role, isolation, endpoint or job security group, package or image source", () => {
        const m = buildModel(out, {
            name: "m1",
            network: "endpoint",
            source: { modelPackageArn: "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlp-dev-models/3" },
        });
        assert.equal(m.ExecutionRoleArn, "arn:aws:iam::123456789012:role/mlp-dev-hosting");
        assert.deepEqual(m.PrimaryContainer, { ModelPackageName: "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlp-dev-models/3" });
        assert.deepEqual(m.VpcConfig, { Subnets: JOB_VPC.Subnets, SecurityGroupIds: [out.network.endpointSecurityGroupId] });
        assert.equal(m.EnableNetworkIsolation, true);
        assert.deepEqual(m.Tags, TAGS);
        const j = buildModel(out, { name: "m2", network: "job", source: { imageUri: XGB, modelDataUrl: "s3://a/m.tar.gz" } });
        assert.deepEqual(j.PrimaryContainer, { Image: XGB, ModelDataUrl: "s3://a/m.tar.gz", Mode: "SingleModel" });
        assert.deepEqual(j.VpcConfig!.SecurityGroupIds, [out.network.jobSecurityGroupId]);
    });

    it("endpoint config: artifacts key on volumes, capture to the stack's URI at its sampling with the data key; capture off without an endpoint", () => {
        const variants = [
            { variantName: "champion", modelName: "m1", instanceType: "ml.m5.large", instanceCount: 1, weight: 0.9 },
            { variantName: "challenger", modelName: "m2", instanceType: "ml.m5.large", instanceCount: 1, weight: 0.1 },
        ];
        const c = buildEndpointConfig(out, { name: "epc-1", variants });
        assert.equal(c.KmsKeyId, out.kmsKeyArns.artifacts);
        assert.deepEqual(
            c.ProductionVariants!.map((v) => [v.VariantName, v.ModelName, v.InitialVariantWeight]),
            [
                ["champion", "m1", 0.9],
                ["challenger", "m2", 0.1],
            ],
        );
        assert.deepEqual(c.DataCaptureConfig, {
            EnableCapture: true,
            InitialSamplingPercentage: 100,
            DestinationS3Uri: "s3://mlp-dev-capture-88dbbe98/datacapture/",
            KmsKeyId: out.kmsKeyArns.data,
            CaptureOptions: [{ CaptureMode: "Input" }, { CaptureMode: "Output" }],
            CaptureContentTypeHeader: { CsvContentTypes: ["text/csv"], JsonContentTypes: ["application/json", "application/jsonlines"] },
        });
        assert.deepEqual(c.Tags, TAGS);
        assert.equal(buildEndpointConfig({ ...out, endpoint: null }, { name: "e", variants }).DataCaptureConfig, undefined);
        assert.throws(() => buildEndpointConfig(out, { name: "e", variants: variants.map((v) => ({ ...v, weight: 0 })) }), /every variant has weight 0/);
    });

    it("transform job: MultiRecord/Line/Line, DataProcessing filters, output key by bucket, volume key", () => {
        const t = buildTransformJob(out, {
            name: "t1",
            modelName: "m",
            inputUri: "s3://mlp-dev-curated-88dbbe98/batch-transform/input/test.csv",
            outputUri: "s3://mlp-dev-curated-88dbbe98/batch-transform/output/",
        });
        assert.equal(t.BatchStrategy, "MultiRecord");
        assert.equal(t.TransformInput!.SplitType, "Line");
        assert.equal(t.TransformInput!.ContentType, "text/csv");
        assert.equal(t.TransformOutput!.AssembleWith, "Line");
        assert.deepEqual(t.DataProcessing, { InputFilter: "$[2:]", JoinSource: "Input", OutputFilter: "$[0,1,-1]" });
        assert.equal(t.TransformOutput!.KmsKeyId, out.kmsKeyArns.data, "curated bucket objects use the data key");
        assert.equal(t.TransformResources!.VolumeKmsKeyId, out.kmsKeyArns.artifacts);
        assert.deepEqual(t.Tags, TAGS);
        const a = buildTransformJob(out, {
            name: "t2",
            modelName: "m",
            inputUri: "s3://x/in/",
            outputUri: "s3://mlp-dev-artifacts-88dbbe98/evaluation/j/transform/",
        });
        assert.equal(a.TransformOutput!.KmsKeyId, out.kmsKeyArns.artifacts);
        assert.throws(
            () => buildTransformJob(out, { name: "t3", modelName: "m", inputUri: "s3://x/in/", outputUri: "s3://someone-elses-bucket/out/" }),
            /not in one of the stack's buckets/,
        );
    });

    it("model package: group, image + artifact, statistics as ModelMetrics, approval per the stack rule, tags", () => {
        assert.deepEqual(approvalFor(out, "test:auc", 0.91), { status: "Approved", reason: "test:auc 0.9100 >= pipeline.minAuc 0.85" });
        assert.equal(approvalFor(out, "test:auc", 0.84).status, "PendingManualApproval");
        assert.equal(approvalFor(out, "test:auc", 0.85).status, "Approved", "the threshold itself passes (>=)");
        assert.equal(approvalFor(out, "test:auc", NaN).status, "PendingManualApproval");
        const prod = { ...out, stack: "prod", pipeline: { ...out.pipeline, autoApprove: false } };
        assert.match(approvalFor(prod, "test:auc", 0.99).reason, /manual approval required in stack prod/);
        assert.equal(approvalFor(prod, "test:auc", 0.99).status, "PendingManualApproval");

        const p = buildModelPackage(out, {
            modelDataUrl: "s3://mlp-dev-artifacts-88dbbe98/models/j/output/model.tar.gz",
            description: "train j",
            statisticsUri: "s3://mlp-dev-artifacts-88dbbe98/evaluation/j/statistics.json",
            approval: approvalFor(out, "test:auc", 0.9),
            samplePayloadUrl: "s3://p.tar.gz",
            metadata: { testAuc: 0.9 },
        });
        assert.equal(p.ModelPackageGroupName, "mlp-dev-models");
        assert.equal(p.ModelApprovalStatus, "Approved");
        assert.deepEqual(p.InferenceSpecification!.Containers, [
            { Image: XGB, ModelDataUrl: "s3://mlp-dev-artifacts-88dbbe98/models/j/output/model.tar.gz", Framework: "XGBOOST", FrameworkVersion: "1.7" },
        ]);
        assert.deepEqual(p.ModelMetrics, {
            ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: "s3://mlp-dev-artifacts-88dbbe98/evaluation/j/statistics.json" } },
        });
        assert.equal(p.CustomerMetadataProperties!.testAuc, "0.9");
        assert.equal(p.SamplePayloadUrl, "s3://p.tar.gz");
        assert.deepEqual(p.Tags, TAGS);
        assert.equal(versionOfArn("arn:aws:sagemaker:us-east-1:1:model-package/mlp-dev-models/12"), 12);
        assert.throws(() => versionOfArn("arn:aws:sagemaker:us-east-1:1:model-package/x"), /not a versioned model package ARN/);
    });

    it("inference recommendations job: Default type for the package version, pipeline role, KMS, VPC; rejects unversioned ARNs", () => {
        const arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlp-dev-models/4";
        const r = buildInferenceRecommendationsJob(out, { name: "ir-1", modelPackageArn: arn });
        assert.equal(r.JobType, "Default");
        assert.equal(r.RoleArn, out.roleArns.pipeline);
        assert.equal(r.InputConfig!.ModelPackageVersionArn, arn);
        assert.equal(r.InputConfig!.VolumeKmsKeyId, out.kmsKeyArns.artifacts);
        assert.deepEqual(r.InputConfig!.VpcConfig, { Subnets: JOB_VPC.Subnets, SecurityGroupIds: [out.network.endpointSecurityGroupId] });
        assert.deepEqual(r.OutputConfig, { KmsKeyId: out.kmsKeyArns.artifacts });
        assert.deepEqual(r.Tags, TAGS);
        assert.throws(
            () => buildInferenceRecommendationsJob(out, { name: "ir", modelPackageArn: "arn:aws:sagemaker:us-east-1:1:model-package-group/mlp-dev-models" }),
            /not a versioned model package ARN/,
        );
    });

    it("helpers: job names fit the API limits and pattern, S3 URIs parse and join, keys by bucket", () => {
        const now = new Date("2026-03-04T05:06:07.000Z");
        assert.equal(jobName(out, "xgb", now), "mlp-dev-xgb-260304050607");
        const short = jobName({ ...out, namePrefix: "a-very-long-name-prefix-for-tests" }, "hpo", now, 32);
        assert.ok(short.length <= 32 && /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(short), short);
        assert.deepEqual(parseS3Uri("s3://b/k/x.csv"), { bucket: "b", key: "k/x.csv" });
        assert.throws(() => parseS3Uri("/tmp/x"), /'\/tmp\/x' is not an S3 URI/);
        assert.equal(s3Join("s3://b/", "models/", "j/", "x.json"), "s3://b/models/j/x.json");
        assert.equal(s3Join("s3://b", "a", "b"), "s3://b/a/b");
        assert.equal(kmsKeyForUri(out, "s3://mlp-dev-monitoring-88dbbe98/x"), out.kmsKeyArns.logs);
        assert.equal(kmsKeyForUri(out, "s3://mlp-dev-raw-88dbbe98/x"), out.kmsKeyArns.data);
        assert.deepEqual(hyperParametersAsStrings({ a: 1, b: true, c: "x" }), { a: "1", b: "true", c: "x" });
    });
});
