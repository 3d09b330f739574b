/** The AWS forms of train, tune and register against mocked SageMaker and S3: exact requests, results contract, failures. */
import { strict as assert } from "assert";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import {
    CreateHyperParameterTuningJobCommand,
    CreateModelCommand,
    CreateModelPackageCommand,
    CreateTrainingJobCommand,
    CreateTransformJobCommand,
    DeleteModelCommand,
    DescribeHyperParameterTuningJobCommand,
    DescribeModelPackageCommand,
    DescribeTrainingJobCommand,
    DescribeTransformJobCommand,
    StopTrainingJobCommand,
} from "@aws-sdk/client-sagemaker";
import { StepError } from "../../scripts/framework/step";
import registerStep from "../../scripts/steps/register/aws";
import trainStep from "../../scripts/steps/train/aws";
import tuneStep from "../../scripts/steps/tune/aws";
import localRegister from "../../scripts/steps/register/local";
import localTrain from "../../scripts/steps/train/local";
import localTune from "../../scripts/steps/tune/local";
import { loadStep } from "../../scripts/steps";
import { body, useAwsMocks, useFakeWaiter } from "../helpers/aws-mocks";
import { TestStep, awsStepContext, devOutputs } from "./helpers";

const out = devOutputs();
const ART = "s3://mlp-dev-artifacts-88dbbe98/";

/** Transform output lines record_id,label,score: scores rank the positives above the negatives except one pair. */
function scored(n = 40): string {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
        const y = i % 4 === 0 ? 1 : 0;
        lines.push(`test-${i},${y},${(y ? 0.7 : 0.3) + (i === 1 ? 0.5 : 0) + i / 1000}`);
    }
    return lines.join("\n") + "\n";
}

describe("aws steps: train, tune, register", () => {
    const { sm, s3 } = useAwsMocks("sagemaker", "s3");
    useFakeWaiter();
    let t: TestStep | undefined;
    afterEach(() => {
        t?.cleanup();
        t = undefined;
    });

    it("the AWS modules replace the local ones under --target aws with the same name and dependsOn", () => {
        for (const [aws, local] of [
            [trainStep, localTrain],
            [tuneStep, localTune],
            [registerStep, localRegister],
        ]) {
            assert.equal(aws.name, local.name);
            assert.deepEqual(aws.dependsOn, local.dependsOn);
        }
        for (const name of ["prepare", "features", "train", "tune", "register", "deploy", "batch-infer", "evaluate", "loadtest"]) {
            const aws = loadStep(name, "aws");
            const local = loadStep(name, "local");
            assert.notEqual(aws, local, `${name}: --target aws loads scripts/steps/${name}/aws.ts`);
            assert.equal(aws.name, name);
            assert.deepEqual(aws.dependsOn, local.dependsOn, `${name}: dependsOn matches the local step`);
        }
    });

    function mockTrainingAndScoring(jobStatus: "Completed" | "Failed" = "Completed") {
        sm.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: "arn:aws:sagemaker:us-east-1:123456789012:training-job/x" });
        sm.on(DescribeTrainingJobCommand)
            .resolvesOnce({ TrainingJobStatus: "InProgress", SecondaryStatus: "Starting" })
            .resolves(
                jobStatus === "Completed"
                    ? {
                          TrainingJobStatus: "Completed",
                          SecondaryStatus: "Completed",
                          ModelArtifacts: { S3ModelArtifacts: `${ART}models/mlp-dev-xgb-1/output/model.tar.gz` },
                          FinalMetricDataList: [
                              { MetricName: "train:auc", Value: 0.95 },
                              { MetricName: "validation:auc", Value: 0.9213 },
                          ],
                          TrainingTimeInSeconds: 200,
                          BillableTimeInSeconds: 60,
                      }
                    : { TrainingJobStatus: "Failed", FailureReason: "AlgorithmError: num_round must be positive" },
            );
        mockScoring();
    }

    function mockScoring() {
        sm.on(CreateModelCommand).resolves({ ModelArn: "arn:model" });
        sm.on(CreateTransformJobCommand).resolves({});
        sm.on(DescribeTransformJobCommand).resolves({ TransformJobStatus: "Completed" });
        sm.on(DeleteModelCommand).resolves({});
        s3.on(ListObjectsV2Command).callsFake((input) => ({ Contents: [{ Key: `${input.Prefix}test.csv.out` }], IsTruncated: false }));
        s3.on(GetObjectCommand).resolves({ Body: body(scored()) });
        s3.on(PutObjectCommand).resolves({});
    }

    it("train: training job with the stack's VPC/KMS/isolation/spot, test AUC from a transform, statistics to S3 (SSE-KMS), results contract", async () => {
        mockTrainingAndScoring();
        t = awsStepContext({ features: { features: 108 } }, { "hp.max_depth": "6" });
        const res = await trainStep.run(t.ctx);

        const [tj] = sm.commandCalls(CreateTrainingJobCommand).map((c) => c.args[0].input);
        assert.match(tj.TrainingJobName!, /^mlp-dev-xgb-\d{12}$/);
        assert.equal(tj.HyperParameters!.max_depth, "6");
        assert.equal(tj.HyperParameters!.num_round, "100");
        assert.ok(Object.values(tj.HyperParameters!).every((v) => typeof v === "string"));
        assert.deepEqual(tj.VpcConfig, { Subnets: out.network.subnetIds, SecurityGroupIds: [out.network.jobSecurityGroupId] });
        assert.equal(tj.EnableNetworkIsolation, true);
        assert.equal(tj.EnableInterContainerTrafficEncryption, true);
        assert.equal(tj.ResourceConfig!.VolumeKmsKeyId, out.kmsKeyArns.artifacts);
        assert.equal(tj.OutputDataConfig!.KmsKeyId, out.kmsKeyArns.artifacts);
        assert.equal(tj.RoleArn, out.roleArns.training);
        assert.equal(tj.EnableManagedSpotTraining, true);
        assert.equal(tj.StoppingCondition!.MaxWaitTimeInSeconds, 7200);
        assert.equal(tj.InputDataConfig![0].DataSource!.S3DataSource!.S3Uri, "s3://mlp-dev-curated-88dbbe98/model-input/train/");

        const [model] = sm.commandCalls(CreateModelCommand).map((c) => c.args[0].input);
        assert.equal(model.PrimaryContainer!.ModelDataUrl, `${ART}models/mlp-dev-xgb-1/output/model.tar.gz`);
        assert.equal(model.ExecutionRoleArn, out.roleArns.hosting);
        const [tr] = sm.commandCalls(CreateTransformJobCommand).map((c) => c.args[0].input);
        assert.equal(tr.ModelName, model.ModelName);
        assert.equal(tr.TransformInput!.DataSource!.S3DataSource!.S3Uri, "s3://mlp-dev-curated-88dbbe98/batch-transform/input/test.csv");
        assert.match(tr.TransformOutput!.S3OutputPath!, /^s3:\/\/mlp-dev-curated-88dbbe98\/evaluation\/mlp-dev-xgb-\d{12}\/transform\/$/);
        // The stack's pipeline-role policy: transform VolumeKmsKeyArn = artifacts key, OutputKmsKeyArn = data key.
        assert.equal(tr.TransformOutput!.KmsKeyId, out.kmsKeyArns.data);
        assert.equal(tr.TransformResources!.VolumeKmsKeyId, out.kmsKeyArns.artifacts);
        assert.deepEqual(
            sm.commandCalls(DeleteModelCommand).map((c) => c.args[0].input.ModelName),
            [model.ModelName],
            "the temporary model is deleted",
        );

        const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
        assert.equal(puts.length, 1);
        assert.equal(puts[0].Bucket, "mlp-dev-artifacts-88dbbe98");
        assert.match(puts[0].Key!, /^evaluation\/mlp-dev-xgb-\d{12}\/statistics\.json$/);
        assert.equal(puts[0].ServerSideEncryption, "aws:kms");
        assert.equal(puts[0].SSEKMSKeyId, out.kmsKeyArns.artifacts);
        assert.match(puts[0].Tagging!, /Project=ml-platform/);
        const stats = JSON.parse(String(puts[0].Body));
        assert.equal(stats.dataset.item_count, 40);

        const r = res.results!;
        assert.equal(r.modelUri, `${ART}models/mlp-dev-xgb-1/output/model.tar.gz`);
        assert.equal(r.validationAuc, 0.9213);
        // 10 positives, 30 negatives; only negative test-1 (score 0.801) outranks the positives below it.
        const expectedAuc = stats.binary_classification_metrics.auc.value;
        assert.equal(r.testAuc, expectedAuc);
        assert.ok((r.testAuc as number) > 0.9 && (r.testAuc as number) < 1, String(r.testAuc));
        assert.equal(r.statisticsUri, `s3://mlp-dev-artifacts-88dbbe98/${puts[0].Key}`);
        assert.equal(r.spot, true);
        assert.ok(Math.abs((r.spotSavings as number) - 0.7) < 1e-9);
        assert.match(res.summary, /validation AUC 0\.9213, test AUC 0\.9\d{3}/);
    });

    it("train: a failed training job surfaces FailureReason as a StepError and scores nothing", async () => {
        mockTrainingAndScoring("Failed");
        t = awsStepContext({ features: {} });
        await assert.rejects(trainStep.run(t.ctx), (e: Error) => {
            assert.ok(e instanceof StepError, e.constructor.name);
            assert.match(e.message, /training job mlp-dev-xgb-\d{12} ended Failed: AlgorithmError: num_round must be positive/);
            return true;
        });
        assert.equal(sm.commandCalls(CreateTransformJobCommand).length, 0);
        assert.equal(sm.commandCalls(CreateModelCommand).length, 0);
    });

    it("train: a training job still running at --timeout-minutes is stopped and the step fails naming it", async () => {
        sm.on(CreateTrainingJobCommand).resolves({});
        sm.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: "InProgress", SecondaryStatus: "Training" });
        sm.on(StopTrainingJobCommand).resolves({});
        t = awsStepContext({ features: {} }, { "timeout-minutes": "5", spot: "false" });
        await assert.rejects(trainStep.run(t.ctx), (e: Error) => {
            assert.ok(e instanceof StepError);
            assert.match(e.message, /training job (mlp-dev-xgb-\d{12}) did not finish within 300 s .*StopTrainingJob was called/);
            return true;
        });
        const stop = sm.commandCalls(StopTrainingJobCommand);
        assert.equal(stop.length, 1);
        assert.equal(stop[0].args[0].input.TrainingJobName, sm.commandCalls(CreateTrainingJobCommand)[0].args[0].input.TrainingJobName);
        assert.equal(sm.commandCalls(CreateTrainingJobCommand)[0].args[0].input.EnableManagedSpotTraining, false, "--spot false overrides the stack");
    });

    it("tune: CreateHyperParameterTuningJob with the local config + overrides, best trial scored, results contract", async () => {
        mockScoring();
        sm.on(DescribeTrainingJobCommand).resolves({
            TrainingJobName: "mlp-dev-hpo-x-004-abc",
            TrainingJobStatus: "Completed",
            ModelArtifacts: { S3ModelArtifacts: `${ART}models/hpo/mlp-dev-hpo-x-004-abc/output/model.tar.gz` },
        });
        sm.on(CreateHyperParameterTuningJobCommand).resolves({});
        sm.on(DescribeHyperParameterTuningJobCommand)
            .resolvesOnce({ HyperParameterTuningJobStatus: "InProgress", TrainingJobStatusCounters: { Completed: 1, InProgress: 2 } })
            .resolves({
                HyperParameterTuningJobStatus: "Completed",
                TrainingJobStatusCounters: { Completed: 4, Stopped: 1, NonRetryableError: 1 },
                BestTrainingJob: {
                    TrainingJobName: "mlp-dev-hpo-x-004-abc",
                    TunedHyperParameters: { max_depth: "7", eta: "0.11" },
                    FinalHyperParameterTuningJobObjectiveMetric: { Type: "Maximize", MetricName: "validation:auc", Value: 0.9301 },
                } as never,
            });
        t = awsStepContext({ features: {} }, { "max-jobs": "6", "max-parallel": "3" });
        const res = await tuneStep.run(t.ctx);
        const [req] = sm.commandCalls(CreateHyperParameterTuningJobCommand).map((c) => c.args[0].input);
        assert.ok(req.HyperParameterTuningJobName!.length <= 32);
        assert.deepEqual(req.HyperParameterTuningJobConfig!.ResourceLimits, { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 3 });
        assert.equal(req.HyperParameterTuningJobConfig!.Strategy, "Bayesian");
        assert.equal(req.TrainingJobDefinition!.EnableNetworkIsolation, true);
        assert.deepEqual(req.TrainingJobDefinition!.VpcConfig!.SecurityGroupIds, [out.network.jobSecurityGroupId]);
        assert.deepEqual(
            sm.commandCalls(DescribeTrainingJobCommand).map((c) => c.args[0].input.TrainingJobName),
            ["mlp-dev-hpo-x-004-abc"],
        );
        const r = res.results!;
        assert.equal(r.bestTrainingJob, "mlp-dev-hpo-x-004-abc");
        assert.equal(r.validationAuc, 0.9301);
        assert.equal(r.modelUri, `${ART}models/hpo/mlp-dev-hpo-x-004-abc/output/model.tar.gz`);
        assert.equal(sm.commandCalls(CreateModelCommand)[0].args[0].input.PrimaryContainer!.ModelDataUrl, r.modelUri, "the best trial's model is scored");
        assert.deepEqual(r.counters, { Completed: 4, Stopped: 1, Failed: 1 });
        assert.equal(r.trials, 6);
        assert.deepEqual(r.hyperParameters, {
            objective: "binary:logistic",
            num_round: "100",
            eval_metric: "auc",
            early_stopping_rounds: "10",
            max_depth: "7",
            eta: "0.11",
        });
        assert.equal(typeof r.testAuc, "number");
    });

    it("tune: an invalid tuning config fails before any AWS call with the config's message", async () => {
        t = awsStepContext({ features: {} }, { "max-parallel": "0" });
        await assert.rejects(tuneStep.run(t.ctx), (e: Error) => e instanceof StepError && /ResourceLimits\.MaxParallelTrainingJobs is 0/.test(e.message));
        assert.equal(sm.calls().length, 0);
    });

    function mockRegistry(version: number, approval: string) {
        const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/mlp-dev-models/${version}`;
        s3.on(GetObjectCommand).resolves({ Body: body('{"format":"ml-platform/feature-transform"}') });
        sm.on(CreateModelPackageCommand).resolves({ ModelPackageArn: arn });
        sm.on(DescribeModelPackageCommand)
            .resolvesOnce({ ModelPackageStatus: "InProgress" })
            .resolves({ ModelPackageStatus: "Completed", ModelPackageArn: arn, ModelPackageVersion: version, ModelApprovalStatus: approval as never });
        return arn;
    }

    const trained = (testAuc: number, validationAuc = 0.9) => ({
        job: "mlp-dev-xgb-1",
        modelUri: `${ART}models/mlp-dev-xgb-1/output/model.tar.gz`,
        validationAuc,
        testAuc,
        statisticsUri: `${ART}evaluation/mlp-dev-xgb-1/statistics.json`,
        hyperParameters: { max_depth: "5" },
    });

    it("register: CreateModelPackage with ModelMetrics and auto-approval in dev when test AUC >= minAuc; results contract", async () => {
        const arn = mockRegistry(3, "Approved");
        t = awsStepContext({ train: trained(0.91) });
        const res = await registerStep.run(t.ctx);
        const [req] = sm.commandCalls(CreateModelPackageCommand).map((c) => c.args[0].input);
        assert.equal(req.ModelPackageGroupName, "mlp-dev-models");
        assert.equal(req.ModelApprovalStatus, "Approved");
        assert.equal(req.ModelMetrics!.ModelQuality!.Statistics!.S3Uri, `${ART}evaluation/mlp-dev-xgb-1/statistics.json`);
        // The inference pipeline: scikit-learn serving image with the preprocessing archive, then XGBoost with the model.
        const [pre, xgb] = req.InferenceSpecification!.Containers!;
        assert.equal(req.InferenceSpecification!.Containers!.length, 2);
        assert.equal(pre.Image, "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3");
        assert.match(pre.ModelDataUrl!, new RegExp(`^${ART}models/preprocess-[0-9a-f]{16}/sourcedir\\.tar\\.gz$`));
        assert.deepEqual(pre.Environment, {
            SAGEMAKER_PROGRAM: "preprocess.py",
            SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
            SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "text/csv",
            SAGEMAKER_CONTAINER_LOG_LEVEL: "20",
        });
        const archivePut = s3.commandCalls(PutObjectCommand).find((c) => `${ART}${c.args[0].input.Key}` === pre.ModelDataUrl);
        assert.ok(archivePut, "register puts the archive it names (content-addressed, idempotent)");
        assert.equal(archivePut.args[0].input.SSEKMSKeyId, out.kmsKeyArns.artifacts);
        assert.equal(xgb.Image, "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1");
        assert.equal(xgb.ModelDataUrl, `${ART}models/mlp-dev-xgb-1/output/model.tar.gz`);
        assert.deepEqual(req.InferenceSpecification!.SupportedContentTypes, ["text/csv", "application/json"], "raw records, as on the local endpoint");
        assert.equal(req.SamplePayloadUrl, `${ART}features/sample-payload.tar.gz`);
        assert.match(req.CustomerMetadataProperties!.featuresHash, /^sha256:[0-9a-f]{64}$/);
        assert.equal(req.CustomerMetadataProperties!.testAuc, "0.910000");
        assert.equal(req.CustomerMetadataProperties!.hyperParameters, "max_depth=5");
        assert.equal(req.CustomerMetadataProperties!.approvalReason, "test:auc 0.9100 at least pipeline.minAuc 0.85");
        assert.deepEqual(
            req.Tags!.map((x) => x.Key),
            ["CostCenter", "DataClassification", "Environment", "Owner", "Project"],
        );
        assert.deepEqual(
            { version: res.results!.version, modelPackageArn: res.results!.modelPackageArn, approvalStatus: res.results!.approvalStatus },
            { version: 3, modelPackageArn: arn, approvalStatus: "Approved" },
        );
    });

    it("register: below minAuc the package waits for manual approval and the summary says so; the better candidate of train/tune wins", async () => {
        mockRegistry(4, "PendingManualApproval");
        const tuned = {
            job: "hpo",
            bestTrainingJob: "hpo-007",
            modelUri: `${ART}models/hpo/hpo-007/output/model.tar.gz`,
            validationAuc: 0.95,
            testAuc: 0.8,
            statisticsUri: `${ART}evaluation/hpo/hpo-007/statistics.json`,
            hyperParameters: {},
        };
        t = awsStepContext({ train: trained(0.9, 0.9), tune: tuned });
        const res = await registerStep.run(t.ctx);
        const [req] = sm.commandCalls(CreateModelPackageCommand).map((c) => c.args[0].input);
        assert.equal(req.ModelApprovalStatus, "PendingManualApproval");
        assert.equal(req.InferenceSpecification!.Containers![1].ModelDataUrl, tuned.modelUri, "chosen on validation AUC");
        assert.equal(req.CustomerMetadataProperties!.approvalReason, "test:auc 0.8000 below pipeline.minAuc 0.85: needs a manual decision");
        const allowed = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;
        for (const [k, v] of Object.entries(req.CustomerMetadataProperties!)) assert.match(v, allowed, `metadata ${k}='${v}' uses characters the API rejects`);
        assert.equal(res.results!.approvalStatus, "PendingManualApproval");
        assert.match(res.summary, /version 4 \(tune, test AUC 0\.8000\) pending manual approval/);
        assert.ok(t.lines.some((l) => /aws sagemaker update-model-package --model-package-name .*\/4 --model-approval-status Approved/.test(l)));
    });

    it("register: local train results (no S3 statistics) are refused with the fix", async () => {
        t = awsStepContext({ train: { job: "j", modelUri: "s3://x/m.tar.gz", validationAuc: 0.9, testAuc: 0.9, hyperParameters: {} } });
        await assert.rejects(registerStep.run(t.ctx), /come from a local run; re-run --from train --target aws/);
        assert.equal(sm.calls().length, 0);
    });
});
