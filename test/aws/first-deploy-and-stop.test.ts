/**
 * The AWS calls no other test sends: CreateEndpoint (the first deploy, when the endpoint does not exist yet) and the
 * Stop* calls of tuning, processing and transform jobs still running at the step's --timeout-minutes. Every request
 * is also validated against the AWS service model (test/helpers/aws-request-recorder.ts via ./helpers).
 */
import { strict as assert } from "assert";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateHyperParameterTuningJobCommand,
    CreateModelCommand,
    CreateProcessingJobCommand,
    CreateTransformJobCommand,
    DescribeEndpointCommand,
    DescribeHyperParameterTuningJobCommand,
    DescribeProcessingJobCommand,
    DescribeTransformJobCommand,
    ListModelPackagesCommand,
    StopHyperParameterTuningJobCommand,
    StopProcessingJobCommand,
    StopTransformJobCommand,
    UpdateEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { platformTags } from "../../lib/aws/common";
import { StepError } from "../../scripts/framework/step";
import batchStep from "../../scripts/steps/batch-infer/aws";
import deployStep from "../../scripts/steps/deploy/aws";
import prepareStep from "../../scripts/steps/prepare/aws";
import tuneStep from "../../scripts/steps/tune/aws";
import { awsError, body, useAwsMocks, useFakeWaiter } from "../helpers/aws-mocks";
import { TestStep, approvedPackages, awsStepContext, devOutputs } from "./helpers";

const out = devOutputs();

describe("aws steps: first deploy (CreateEndpoint) and Stop* on timeout", () => {
    const { sm, s3, rt } = useAwsMocks("sagemaker", "s3", "runtime");
    useFakeWaiter();
    let t: TestStep | undefined;
    afterEach(() => {
        t?.cleanup();
        t = undefined;
    });

    it("deploy on a stack without the endpoint: CreateEndpoint (name, new config, platform tags), waits Creating -> InService, no UpdateEndpoint", async () => {
        sm.on(ListModelPackagesCommand).resolves(approvedPackages(4));
        sm.on(CreateModelCommand).resolves({});
        sm.on(CreateEndpointConfigCommand).resolves({});
        let created: string | undefined;
        let polls = 0;
        sm.on(CreateEndpointCommand).callsFake((input) => {
            created = input.EndpointConfigName;
            return { EndpointArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${input.EndpointName}` };
        });
        // SageMaker's answer for an endpoint that does not exist (DescribeEndpoint, ValidationException).
        sm.on(DescribeEndpointCommand).callsFake(() => {
            if (!created) throw awsError("ValidationException", `Could not find endpoint "${out.endpoint!.name}".`);
            return polls++ < 2
                ? { EndpointName: out.endpoint!.name, EndpointStatus: "Creating", EndpointConfigName: created }
                : { EndpointName: out.endpoint!.name, EndpointStatus: "InService", EndpointConfigName: created };
        });
        s3.on(GetObjectCommand).resolves({ Body: body("record_id,label,age,education_num,hours\ntest-0,0,39,0,1\n") });
        rt.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode("0.42\n") as never, InvokedProductionVariant: "champion" });
        t = awsStepContext({ register: { version: 4 } });
        const res = await deployStep.run(t.ctx);
        const creates = sm.commandCalls(CreateEndpointCommand).map((c) => c.args[0].input);
        assert.equal(creates.length, 1);
        const [cfg] = sm.commandCalls(CreateEndpointConfigCommand).map((c) => c.args[0].input);
        assert.deepEqual(creates[0], { EndpointName: "mlp-dev-endpoint", EndpointConfigName: cfg.EndpointConfigName, Tags: platformTags(out) });
        assert.equal(sm.commandCalls(UpdateEndpointCommand).length, 0, "a missing endpoint is created, not updated");
        assert.ok(polls >= 3, "the step waited through Creating");
        const r = res.results!;
        assert.equal(r.action, "created");
        assert.equal(r.previousEndpointConfigName, null);
        assert.equal(rt.commandCalls(InvokeEndpointCommand).length, 1, "the new endpoint gets the smoke request");
    });

    it("tune: a tuning job still running at --timeout-minutes is stopped (StopHyperParameterTuningJob) and the step names it", async () => {
        sm.on(CreateHyperParameterTuningJobCommand).resolves({});
        sm.on(DescribeHyperParameterTuningJobCommand).resolves({
            HyperParameterTuningJobStatus: "InProgress",
            TrainingJobStatusCounters: { Completed: 1, InProgress: 2 },
        });
        sm.on(StopHyperParameterTuningJobCommand).resolves({});
        t = awsStepContext({ features: {} }, { "timeout-minutes": "5" });
        await assert.rejects(tuneStep.run(t.ctx), (e: Error) => {
            assert.ok(e instanceof StepError, String(e));
            assert.match(e.message, /did not finish within 300 s .*StopHyperParameterTuningJob was called/);
            return true;
        });
        const name = sm.commandCalls(CreateHyperParameterTuningJobCommand)[0].args[0].input.HyperParameterTuningJobName;
        assert.deepEqual(
            sm.commandCalls(StopHyperParameterTuningJobCommand).map((c) => c.args[0].input),
            [{ HyperParameterTuningJobName: name }],
        );
    });

    it("prepare: a processing job still running at --timeout-minutes is stopped (StopProcessingJob) and the step names it", async () => {
        s3.on(PutObjectCommand).resolves({});
        sm.on(CreateProcessingJobCommand).resolves({});
        sm.on(DescribeProcessingJobCommand).resolves({ ProcessingJobStatus: "InProgress" });
        sm.on(StopProcessingJobCommand).resolves({});
        t = awsStepContext({ provision: {} }, { rows: "100", "timeout-minutes": "5" });
        await assert.rejects(prepareStep.run(t.ctx), (e: Error) => {
            assert.ok(e instanceof StepError, String(e));
            assert.match(e.message, /processing job mlp-dev-prepare-\d{12} did not finish within 300 s .*StopProcessingJob was called/);
            return true;
        });
        const name = sm.commandCalls(CreateProcessingJobCommand)[0].args[0].input.ProcessingJobName;
        assert.deepEqual(
            sm.commandCalls(StopProcessingJobCommand).map((c) => c.args[0].input),
            [{ ProcessingJobName: name }],
        );
    });

    it("batch-infer: a transform job still running at --timeout-minutes is stopped (StopTransformJob) and the step names it", async () => {
        sm.on(ListModelPackagesCommand).resolves(approvedPackages(3));
        sm.on(CreateModelCommand).resolves({});
        sm.on(CreateTransformJobCommand).resolves({});
        sm.on(DescribeTransformJobCommand).resolves({ TransformJobStatus: "InProgress" });
        sm.on(StopTransformJobCommand).resolves({});
        t = awsStepContext({ register: {} }, { "timeout-minutes": "5" });
        await assert.rejects(batchStep.run(t.ctx), (e: Error) => {
            assert.ok(e instanceof StepError, String(e));
            assert.match(e.message, /transform job mlp-dev-transform-\d{12} did not finish within 300 s .*StopTransformJob was called/);
            return true;
        });
        const name = sm.commandCalls(CreateTransformJobCommand)[0].args[0].input.TransformJobName;
        assert.deepEqual(
            sm.commandCalls(StopTransformJobCommand).map((c) => c.args[0].input),
            [{ TransformJobName: name }],
        );
    });
});
