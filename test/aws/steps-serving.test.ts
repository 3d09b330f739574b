/** The AWS forms of deploy, batch-infer, evaluate and loadtest against mocked SageMaker, S3 and the runtime. */
import { strict as assert } from "assert";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import {
    CreateEndpointConfigCommand,
    CreateInferenceRecommendationsJobCommand,
    CreateModelCommand,
    CreateTransformJobCommand,
    DescribeEndpointCommand,
    DescribeInferenceRecommendationsJobCommand,
    DescribeTransformJobCommand,
    ListModelPackagesCommand,
    StopInferenceRecommendationsJobCommand,
    UpdateEndpointCommand,
    UpdateEndpointWeightsAndCapacitiesCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { StepError } from "../../scripts/framework/step";
import batchStep from "../../scripts/steps/batch-infer/aws";
import deployStep from "../../scripts/steps/deploy/aws";
import evaluateStep from "../../scripts/steps/evaluate/aws";
import loadtestStep from "../../scripts/steps/loadtest/aws";
import { awsError, body, useAwsMocks, useFakeWaiter } from "../helpers/aws-mocks";
import { GROUP_ARN, TestStep, approvedPackages, awsStepContext, devOutputs } from "./helpers";

const out = devOutputs();
// The raw batch input (record_id, label, raw record), as the features step writes it.
const RAW_RECORD = "39,State-gov,77516,Bachelors,13,Never-married,Adm-clerical,Not-in-family,White,Male,2174,0,40,United-States";
const BATCH_INPUT = `test-1,0,${RAW_RECORD}\ntest-2,1,50,Self-emp-not-inc,83311,Bachelors,13,Married-civ-spouse,Exec-managerial,Husband,White,Male,0,0,13,United-States\n`;

describe("aws steps: deploy, batch-infer, evaluate, loadtest", () => {
    const { sm, s3, rt } = useAwsMocks("sagemaker", "s3", "runtime");
    useFakeWaiter();
    let t: TestStep | undefined;
    afterEach(() => {
        t?.cleanup();
        t = undefined;
    });

    function mockDeploy(finalConfig?: string) {
        sm.on(ListModelPackagesCommand, { ModelApprovalStatus: "Approved" }).resolves(approvedPackages(2, 5));
        sm.on(CreateModelCommand).resolves({});
        sm.on(CreateEndpointConfigCommand).resolves({});
        sm.on(UpdateEndpointCommand).resolves({});
        let config = "mlp-dev-endpoint-config-stack";
        let updating = false;
        sm.on(UpdateEndpointCommand).callsFake((input) => {
            updating = true;
            config = finalConfig ?? input.EndpointConfigName;
            return {};
        });
        let polls = 0;
        sm.on(DescribeEndpointCommand).callsFake(() => {
            if (updating && polls++ < 2)
                return { EndpointName: out.endpoint!.name, EndpointStatus: "Updating", EndpointConfigName: "mlp-dev-endpoint-config-stack" };
            return {
                EndpointName: out.endpoint!.name,
                EndpointStatus: "InService",
                EndpointConfigName: config,
                EndpointArn: "arn:ep",
                FailureReason: finalConfig ? "ModelError: the model container failed the ping health check" : undefined,
            };
        });
        s3.on(GetObjectCommand).resolves({ Body: body(BATCH_INPUT) });
        rt.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode("0.1234\n") as never, InvokedProductionVariant: "champion" });
    }

    it("deploy: newest approved package -> champion, previous -> challenger (--variants), models with hosting role/VPC/isolation, capture + KMS, UpdateEndpoint, InService, smoke invoke", async () => {
        mockDeploy();
        t = awsStepContext({ register: { version: 5 } }, { variants: "champion=0.9,challenger=0.1" });
        const res = await deployStep.run(t.ctx);
        const models = sm.commandCalls(CreateModelCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            models.map((m) => (m.PrimaryContainer as { ModelPackageName: string }).ModelPackageName),
            [`${GROUP_ARN}/5`, `${GROUP_ARN}/2`],
        );
        for (const m of models) {
            assert.equal(m.ExecutionRoleArn, out.roleArns.hosting);
            assert.equal(m.EnableNetworkIsolation, true);
            assert.deepEqual(m.VpcConfig, { Subnets: out.network.subnetIds, SecurityGroupIds: [out.network.endpointSecurityGroupId] });
        }
        const [cfg] = sm.commandCalls(CreateEndpointConfigCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            cfg.ProductionVariants!.map((v) => [v.VariantName, v.ModelName, v.InitialVariantWeight, v.InstanceType, v.InitialInstanceCount]),
            [
                ["champion", models[0].ModelName, 0.9, "ml.m5.large", 1],
                ["challenger", models[1].ModelName, 0.1, "ml.m5.large", 1],
            ],
        );
        assert.equal(cfg.KmsKeyId, out.kmsKeyArns.artifacts);
        assert.equal(cfg.DataCaptureConfig!.DestinationS3Uri, out.endpoint!.captureUri);
        assert.equal(cfg.DataCaptureConfig!.InitialSamplingPercentage, out.endpoint!.samplingPercentage);
        assert.equal(cfg.DataCaptureConfig!.KmsKeyId, out.kmsKeyArns.data);
        const [upd] = sm.commandCalls(UpdateEndpointCommand).map((c) => c.args[0].input);
        assert.deepEqual(upd, { EndpointName: "mlp-dev-endpoint", EndpointConfigName: cfg.EndpointConfigName });
        const [inv] = rt.commandCalls(InvokeEndpointCommand).map((c) => c.args[0].input);
        assert.equal(Buffer.from(inv.Body as Uint8Array).toString(), RAW_RECORD, "the smoke request sends a raw record (the pipeline applies the transform)");
        assert.equal(s3.commandCalls(GetObjectCommand)[0].args[0].input.Key, "batch-transform/raw-input/test.csv");
        assert.equal(inv.ContentType, "text/csv");
        const r = res.results!;
        assert.equal(r.endpointName, "mlp-dev-endpoint");
        assert.equal(r.action, "updated");
        assert.equal(r.previousEndpointConfigName, "mlp-dev-endpoint-config-stack");
        assert.deepEqual(
            (r.variants as { name: string; modelPackageVersion: number }[]).map((v) => [v.name, v.modelPackageVersion]),
            [
                ["champion", 5],
                ["challenger", 2],
            ],
        );
        assert.deepEqual(r.smoke, { inferenceId: (r.smoke as { inferenceId: string }).inferenceId, score: 0.1234, variant: "champion" });
        assert.ok(
            t.lines.some((l) => /endpoint mlp-dev-endpoint: Updating/.test(l)),
            "progress is printed",
        );
    });

    it("deploy: an update SageMaker rolled back (InService on the old config) fails with the FailureReason", async () => {
        mockDeploy("mlp-dev-endpoint-config-stack");
        t = awsStepContext({ register: {} });
        await assert.rejects(deployStep.run(t.ctx), (e: Error) => {
            assert.ok(e instanceof StepError);
            assert.match(e.message, /endpoint mlp-dev-endpoint ended UpdateRolledBack: ModelError: the model container failed the ping health check/);
            return true;
        });
        assert.equal(rt.commandCalls(InvokeEndpointCommand).length, 0);
    });

    it("deploy: the old config still reported InService right after UpdateEndpoint is waited out, not mistaken for a rollback", async () => {
        mockDeploy();
        let calls = 0;
        sm.on(DescribeEndpointCommand).callsFake(() => {
            calls++;
            const cfg = sm.commandCalls(UpdateEndpointCommand)[0]?.args[0].input.EndpointConfigName;
            // 1: before the update; 2-3: stale InService on the old config; 4: Updating; 5: InService on the new config.
            if (calls <= 3) return { EndpointStatus: "InService", EndpointConfigName: "mlp-dev-endpoint-config-stack" };
            if (calls === 4) return { EndpointStatus: "Updating", EndpointConfigName: "mlp-dev-endpoint-config-stack" };
            return { EndpointStatus: "InService", EndpointConfigName: cfg };
        });
        t = awsStepContext({ register: {} });
        const res = await deployStep.run(t.ctx);
        assert.equal(calls, 5);
        assert.equal(res.results!.action, "updated");
    });

    it("deploy: without an approved package it names the pending version and the approve command", async () => {
        sm.on(ListModelPackagesCommand, { ModelApprovalStatus: "Approved" }).resolves({ ModelPackageSummaryList: [] });
        sm.on(ListModelPackagesCommand, { ModelApprovalStatus: "PendingManualApproval" }).resolves({
            ModelPackageSummaryList: [{ ModelPackageArn: `${GROUP_ARN}/7`, ModelPackageVersion: 7 } as never],
        });
        t = awsStepContext({ register: {} });
        await assert.rejects(
            deployStep.run(t.ctx),
            /no approved model package in mlp-dev-models; pending: 7 — approve one: aws sagemaker update-model-package --model-package-name .*\/7 --model-approval-status Approved/,
        );
        assert.equal(sm.commandCalls(CreateModelCommand).length, 0);
    });

    it("deploy: on a new stack that has not created its endpoint (endpoint.awaitingModel) it names the approved packages to put in the config and creates nothing (issue 9, defect 4)", async () => {
        mockDeploy();
        const awaiting = devOutputs();
        awaiting.endpoint = { ...awaiting.endpoint!, awaitingModel: true };
        t = awsStepContext({ register: {} }, { variants: "champion=0.9,challenger=0.1" }, awaiting);
        await assert.rejects(deployStep.run(t.ctx), (e: Error) => {
            assert.ok(e instanceof StepError);
            assert.match(e.message, /has not created its endpoint mlp-dev-endpoint yet/);
            assert.match(e.message, new RegExp(`- name: champion\\n\\s+modelPackageArn: ${GROUP_ARN.replace(/[/.]/g, "\\$&")}/5`));
            assert.match(e.message, /re-run --from provision/);
            return true;
        });
        assert.equal(
            sm.commandCalls(CreateModelCommand).length + sm.commandCalls(CreateEndpointConfigCommand).length + sm.commandCalls(UpdateEndpointCommand).length,
            0,
        );
    });

    it("deploy: a serverless variant is not deployed by this step (provisioned configs only): it names the variant and the way (pulumi up) and creates nothing", async () => {
        mockDeploy();
        t = awsStepContext({ register: {} });
        const v = t.ctx.config.endpoint.variants[0];
        t.ctx.config.endpoint.variants = [{ name: v.name, weight: 1, serverless: { memorySizeInMb: 2048, maxConcurrency: 5 } }];
        await assert.rejects(deployStep.run(t.ctx), /mlplatform:endpoint.variants: champion is serverless, which this step does not deploy: .*run pulumi up/);
        assert.equal(sm.commandCalls(CreateModelCommand).length + sm.commandCalls(CreateEndpointConfigCommand).length, 0);
    });

    it("deploy --weights: A/B shift with UpdateEndpointWeightsAndCapacities only, waits for InService", async () => {
        sm.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({});
        sm.on(DescribeEndpointCommand)
            .resolvesOnce({ EndpointStatus: "Updating" })
            .resolves({
                EndpointStatus: "InService",
                EndpointConfigName: "epc-1",
                ProductionVariants: [
                    { VariantName: "champion", CurrentWeight: 0.5 },
                    { VariantName: "challenger", CurrentWeight: 0.5 },
                ],
            });
        t = awsStepContext({ register: {} }, { weights: "champion=0.5,challenger=0.5" });
        const res = await deployStep.run(t.ctx);
        const [w] = sm.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand).map((c) => c.args[0].input);
        assert.deepEqual(w, {
            EndpointName: "mlp-dev-endpoint",
            DesiredWeightsAndCapacities: [
                { VariantName: "champion", DesiredWeight: 0.5 },
                { VariantName: "challenger", DesiredWeight: 0.5 },
            ],
        });
        assert.equal(sm.commandCalls(CreateEndpointConfigCommand).length, 0);
        assert.equal(sm.commandCalls(UpdateEndpointCommand).length, 0);
        assert.match(res.summary, /traffic shifted \(champion=0\.5, challenger=0\.5\)/);
    });

    it("batch-infer: model from the latest approved package, CreateTransformJob with DataProcessing/KMS/MultiRecord, results contract", async () => {
        sm.on(ListModelPackagesCommand).resolves(approvedPackages(3));
        sm.on(CreateModelCommand).resolves({});
        sm.on(CreateTransformJobCommand).resolves({});
        sm.on(DescribeTransformJobCommand)
            .resolvesOnce({ TransformJobStatus: "InProgress" })
            .resolves({ TransformJobStatus: "Completed", TransformStartTime: new Date(0), TransformEndTime: new Date(90_000) });
        s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: "batch-transform/output/test.csv.out" }] });
        s3.on(GetObjectCommand).resolves({ Body: body("test-1,0,0.2\ntest-2,1,0.8\ntest-3,0,0.4\n") });
        t = awsStepContext({ register: {} }, { "instance-type": "ml.m5.xlarge" });
        const res = await batchStep.run(t.ctx);
        const [m] = sm.commandCalls(CreateModelCommand).map((c) => c.args[0].input);
        assert.deepEqual(m.PrimaryContainer, { ModelPackageName: `${GROUP_ARN}/3` });
        assert.deepEqual(m.VpcConfig!.SecurityGroupIds, [out.network.jobSecurityGroupId]);
        const [tj] = sm.commandCalls(CreateTransformJobCommand).map((c) => c.args[0].input);
        assert.equal(tj.ModelName, m.ModelName);
        assert.deepEqual(tj.DataProcessing, { InputFilter: "$[2:]", JoinSource: "Input", OutputFilter: "$[0,1,-1]" });
        assert.equal(tj.BatchStrategy, "MultiRecord");
        assert.equal(tj.TransformInput!.SplitType, "Line");
        assert.equal(tj.TransformOutput!.AssembleWith, "Line");
        assert.equal(
            tj.TransformInput!.DataSource!.S3DataSource!.S3Uri,
            "s3://mlp-dev-curated-88dbbe98/batch-transform/raw-input/test.csv",
            "raw records through the package's inference pipeline",
        );
        assert.equal(tj.TransformOutput!.S3OutputPath, "s3://mlp-dev-curated-88dbbe98/batch-transform/output/");
        assert.equal(tj.TransformOutput!.KmsKeyId, out.kmsKeyArns.data);
        assert.equal(tj.TransformResources!.VolumeKmsKeyId, out.kmsKeyArns.artifacts);
        assert.equal(tj.TransformResources!.InstanceType, "ml.m5.xlarge");
        const r = res.results!;
        assert.equal(r.outputUri, "s3://mlp-dev-curated-88dbbe98/batch-transform/output/test.csv.out");
        assert.equal(r.records, 3);
        assert.equal(r.modelPackageVersion, 3);
        assert.equal(r.seconds, 90);
        assert.deepEqual(r.outputColumns, ["record_id", "label", "score"]);
    });

    it("batch-infer: a failed transform job surfaces its FailureReason", async () => {
        sm.on(ListModelPackagesCommand).resolves(approvedPackages(3));
        sm.on(CreateModelCommand).resolves({});
        sm.on(CreateTransformJobCommand).resolves({});
        sm.on(DescribeTransformJobCommand).resolves({ TransformJobStatus: "Failed", FailureReason: "ClientError: See job logs for more information" });
        t = awsStepContext({ register: {} });
        await assert.rejects(
            batchStep.run(t.ctx),
            (e: Error) => e instanceof StepError && /transform job mlp-dev-transform-\d{12} ended Failed: ClientError: See job logs/.test(e.message),
        );
    });

    const batchResults = {
        outputUri: "s3://mlp-dev-curated-88dbbe98/batch-transform/output/test.csv.out",
        transformJob: "mlp-dev-transform-1",
        modelPackageVersion: 3,
    };
    function scoredOutput(perfect: boolean): string {
        const lines: string[] = [];
        for (let i = 0; i < 300; i++) {
            const y = i % 3 === 0 ? 1 : 0;
            const s = perfect ? (y ? 0.6 + (i % 7) / 100 : 0.2 + (i % 5) / 100) : ((i * 37) % 100) / 100;
            lines.push(`test-${i},${y},${s}`);
        }
        return lines.join("\n") + "\n";
    }

    it("evaluate: statistics + constraints to the monitoring bucket with SSE-KMS (logs key), gate passed, results contract", async () => {
        s3.on(ListObjectsV2Command).resolves({
            Contents: [{ Key: "batch-transform/output/test.csv.out" }, { Key: "batch-transform/output/transform-job.json" }],
        });
        s3.on(GetObjectCommand).resolves({ Body: body(scoredOutput(true)) });
        s3.on(PutObjectCommand).resolves({});
        t = awsStepContext({ "batch-infer": batchResults });
        const res = await evaluateStep.run(t.ctx);
        assert.deepEqual(
            s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key),
            ["batch-transform/output/test.csv.out"],
        );
        const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            puts.map((p) => [p.Bucket, p.Key, p.ServerSideEncryption, p.SSEKMSKeyId]),
            [
                ["mlp-dev-monitoring-88dbbe98", "model-quality/baseline/statistics.json", "aws:kms", out.kmsKeyArns.logs],
                ["mlp-dev-monitoring-88dbbe98", "model-quality/baseline/constraints.json", "aws:kms", out.kmsKeyArns.logs],
            ],
        );
        const stats = JSON.parse(String(puts[0].Body));
        assert.equal(stats.dataset.item_count, 300);
        assert.equal(stats.binary_classification_metrics.auc.value, 1);
        const r = res.results!;
        assert.equal(r.testAuc, 1);
        assert.equal(r.records, 300);
        assert.equal(r.positives, 100);
        assert.equal(r.gate, "passed");
        assert.equal(r.statisticsUri, "s3://mlp-dev-monitoring-88dbbe98/model-quality/baseline/statistics.json");
    });

    it("evaluate: the AUC gate fails the step below pipeline.minAuc, naming the AUC, the threshold and the fix", async () => {
        s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: "batch-transform/output/test.csv.out" }] });
        s3.on(GetObjectCommand).resolves({ Body: body(scoredOutput(false)) });
        s3.on(PutObjectCommand).resolves({});
        t = awsStepContext({ "batch-infer": batchResults });
        await assert.rejects(evaluateStep.run(t.ctx), /quality gate failed: test AUC 0\.\d{4} < 0\.85 .*change pipeline\.minAuc in Pulumi\.dev\.yaml/);
    });

    it("evaluate: malformed transform output names the file and line", async () => {
        s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: "batch-transform/output/test.csv.out" }] });
        s3.on(GetObjectCommand).resolves({ Body: body("test-1,1,0.3\ntest-2,0.7\n") });
        t = awsStepContext({ "batch-infer": batchResults });
        await assert.rejects(evaluateStep.run(t.ctx), /test\.csv\.out line 2: 'test-2,0\.7' is not "record_id,label,score"/);
    });

    const deployed = { endpointName: "mlp-dev-endpoint", variants: [{ name: "champion", weight: 1, modelPackageArn: `${GROUP_ARN}/5` }] };

    it("loadtest: Default Inference Recommender job for the champion's package, recommendations printed cheapest first, best within the SLO", async () => {
        sm.on(CreateInferenceRecommendationsJobCommand).resolves({ JobArn: "arn:ir" });
        sm.on(DescribeInferenceRecommendationsJobCommand)
            .rejectsOnce(awsError("ThrottlingException"))
            .resolvesOnce({ Status: "IN_PROGRESS" } as never)
            .resolves({
                Status: "COMPLETED",
                InferenceRecommendations: [
                    {
                        EndpointConfiguration: { InstanceType: "ml.c5.xlarge", InitialInstanceCount: 1, EndpointName: "e1", VariantName: "v" },
                        Metrics: { CostPerHour: 0.204, CostPerInference: 2e-7, MaxInvocations: 17000, ModelLatency: 4 },
                        ModelConfiguration: {},
                    },
                    {
                        EndpointConfiguration: { InstanceType: "ml.m5.large", InitialInstanceCount: 1, EndpointName: "e2", VariantName: "v" },
                        Metrics: { CostPerHour: 0.115, CostPerInference: 1.5e-7, MaxInvocations: 12000, ModelLatency: 35 },
                        ModelConfiguration: {},
                    },
                ],
            } as never);
        t = awsStepContext({ deploy: deployed });
        const res = await loadtestStep.run(t.ctx);
        const [req] = sm.commandCalls(CreateInferenceRecommendationsJobCommand).map((c) => c.args[0].input);
        assert.equal(req.JobType, "Default");
        assert.equal(req.InputConfig!.ModelPackageVersionArn, `${GROUP_ARN}/5`);
        assert.equal(req.RoleArn, out.roleArns.pipeline);
        const r = res.results!;
        assert.ok("recommendations" in r, "the AWS form returns the Inference Recommender's results");
        assert.deepEqual(
            (r.recommendations as { instanceType: string }[]).map((x) => x.instanceType),
            ["ml.m5.large", "ml.c5.xlarge"],
        );
        assert.equal(r.bestInstanceType, "ml.c5.xlarge", "ml.m5.large is cheaper but misses the 20 ms SLO");
        assert.equal(r.sloP99Ms, 20);
        assert.ok(
            t.lines.some((l) => /ml\.m5\.large\s+1\s+0\.1150/.test(l)),
            t.lines.join("\n"),
        );
    });

    it("loadtest: a job still running at the timeout is stopped (StopInferenceRecommendationsJob) and the step names it", async () => {
        sm.on(CreateInferenceRecommendationsJobCommand).resolves({});
        sm.on(DescribeInferenceRecommendationsJobCommand).resolves({ Status: "IN_PROGRESS" } as never);
        sm.on(StopInferenceRecommendationsJobCommand).resolves({});
        t = awsStepContext({ deploy: deployed }, { "timeout-minutes": "20", "duration-minutes": "30" });
        await assert.rejects(
            loadtestStep.run(t.ctx),
            /inference recommendations job (mlp-dev-ir-\d{12}) did not finish within 1200 s .*StopInferenceRecommendationsJob was called/,
        );
        const stops = sm.commandCalls(StopInferenceRecommendationsJobCommand);
        assert.equal(stops.length, 1);
        assert.equal(stops[0].args[0].input.JobName, sm.commandCalls(CreateInferenceRecommendationsJobCommand)[0].args[0].input.JobName);
    });
});
