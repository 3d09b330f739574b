import { strict as assert } from "assert";
import { DescribeTrainingJobCommand, SageMakerClient, StopTrainingJobCommand, CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { backoffDelay, isThrottling, withThrottlingRetry } from "../../lib/aws/retry";
import { buildTrainingJob, runTrainingJob } from "../../lib/aws/training";
import { JobFailedError, JobTimeoutError, waitFor } from "../../lib/aws/waiter";
import { FakeClock, awsError, useAwsMocks } from "../helpers/aws-mocks";
import { devOutputs } from "./helpers";

describe("aws: shared waiter and throttling retry", () => {
    const { sm } = useAwsMocks("sagemaker");

    const req = () =>
        buildTrainingJob(devOutputs(), {
            name: "mlp-dev-xgb-1",
            hyperParameters: { num_round: 10 },
            trainUri: "s3://b/train/",
            validationUri: "s3://b/validation/",
        });

    it("polls until Completed, logging each status change once, and sleeps the poll interval on the injected clock", async () => {
        const clock = new FakeClock();
        sm.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: "arn" });
        sm.on(DescribeTrainingJobCommand)
            .resolvesOnce({ TrainingJobStatus: "InProgress", SecondaryStatus: "Starting" })
            .resolvesOnce({ TrainingJobStatus: "InProgress", SecondaryStatus: "Starting" })
            .resolvesOnce({ TrainingJobStatus: "InProgress", SecondaryStatus: "Training" })
            .resolves({ TrainingJobStatus: "Completed", SecondaryStatus: "Completed", ModelArtifacts: { S3ModelArtifacts: "s3://a/m.tar.gz" } });
        const lines: string[] = [];
        const d = await runTrainingJob(sm as unknown as SageMakerClient, req(), { timeoutMs: 3_600_000, pollMs: 15_000, clock, log: (l) => lines.push(l) });
        assert.equal(d.TrainingJobStatus, "Completed");
        assert.equal(sm.commandCalls(DescribeTrainingJobCommand).length, 4);
        assert.deepEqual(clock.sleeps, [15_000, 15_000, 15_000]);
        const progress = lines.filter((l) => l.startsWith("training job mlp-dev-xgb-1:"));
        assert.deepEqual(
            progress.map((l) => l.replace(/ \(.*\)$/, "")),
            [
                "training job mlp-dev-xgb-1: InProgress / Starting",
                "training job mlp-dev-xgb-1: InProgress / Training",
                "training job mlp-dev-xgb-1: Completed / Completed",
            ],
        );
        assert.equal(sm.commandCalls(StopTrainingJobCommand).length, 0);
    });

    it("a failed job raises JobFailedError carrying SageMaker's FailureReason and the job name", async () => {
        const clock = new FakeClock();
        sm.on(CreateTrainingJobCommand).resolves({});
        sm.on(DescribeTrainingJobCommand)
            .resolvesOnce({ TrainingJobStatus: "InProgress" })
            .resolves({ TrainingJobStatus: "Failed", FailureReason: "ClientError: Unable to parse CSV: row 3 has 7 columns" });
        await assert.rejects(runTrainingJob(sm as unknown as SageMakerClient, req(), { timeoutMs: 60_000, pollMs: 1000, clock }), (e: Error) => {
            assert.ok(e instanceof JobFailedError);
            assert.match(e.message, /training job mlp-dev-xgb-1 ended Failed: ClientError: Unable to parse CSV: row 3 has 7 columns/);
            assert.match(e.message, /\/aws\/sagemaker\/TrainingJobs/);
            return true;
        });
        assert.equal(sm.commandCalls(StopTrainingJobCommand).length, 0, "a failed job is not stopped");
    });

    it("retries a throttled Describe with exponential backoff + jitter, then succeeds", async () => {
        const clock = new FakeClock();
        sm.on(CreateTrainingJobCommand).rejectsOnce(awsError("ThrottlingException", "Rate exceeded")).resolves({});
        sm.on(DescribeTrainingJobCommand)
            .rejectsOnce(awsError("ThrottlingException", "Rate exceeded"))
            .rejectsOnce(awsError("ThrottlingException", "Rate exceeded"))
            .resolves({ TrainingJobStatus: "Completed" });
        const lines: string[] = [];
        const d = await runTrainingJob(sm as unknown as SageMakerClient, req(), {
            timeoutMs: 60_000,
            pollMs: 1000,
            clock,
            retry: { random: () => 0.5, baseDelayMs: 100 },
            log: (l) => lines.push(l),
        });
        assert.equal(d.TrainingJobStatus, "Completed");
        assert.equal(sm.commandCalls(CreateTrainingJobCommand).length, 2);
        assert.equal(sm.commandCalls(DescribeTrainingJobCommand).length, 3);
        // Describe backoffs: attempt 1 ceiling 100 ms, attempt 2 ceiling 200 ms, jitter 0.5 -> 50, 100.
        assert.deepEqual(clock.sleeps.slice(-2), [50, 100]);
        assert.equal(lines.filter((l) => /throttled \(ThrottlingException\), retry/.test(l)).length, 2);
    });

    it("on timeout calls Stop* and fails naming the job, the wait and the fix", async () => {
        const clock = new FakeClock();
        sm.on(CreateTrainingJobCommand).resolves({});
        sm.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: "InProgress", SecondaryStatus: "Downloading" });
        sm.on(StopTrainingJobCommand).resolves({});
        await assert.rejects(runTrainingJob(sm as unknown as SageMakerClient, req(), { timeoutMs: 10 * 60_000, pollMs: 60_000, clock }), (e: Error) => {
            assert.ok(e instanceof JobTimeoutError);
            assert.match(e.message, /training job mlp-dev-xgb-1 did not finish within 600 s \(last status InProgress\); StopTrainingJob was called/);
            assert.match(e.message, /--timeout-minutes/);
            return true;
        });
        const stops = sm.commandCalls(StopTrainingJobCommand);
        assert.equal(stops.length, 1);
        assert.deepEqual(stops[0].args[0].input, { TrainingJobName: "mlp-dev-xgb-1" });
        assert.equal(clock.now() - 1_700_000_000_000, 600_000, "waited exactly the timeout on the fake clock");
    });

    it("a timeout whose Stop* fails still fails clearly and says to stop it by hand", async () => {
        const clock = new FakeClock();
        await assert.rejects(
            waitFor(
                {
                    kind: "transform job",
                    name: "t-1",
                    describe: async () => ({ s: "InProgress" }),
                    status: (d) => d.s,
                    successStates: ["Completed"],
                    failureStates: ["Failed"],
                    stop: async () => {
                        throw awsError("ValidationException", "job is not stoppable");
                    },
                    stopApi: "StopTransformJob",
                },
                { timeoutMs: 5000, pollMs: 1000, clock },
            ),
            /transform job t-1 did not finish within 5 s .*StopTransformJob failed \(job is not stoppable\): stop it in the console/,
        );
    });

    it("gives up after maxAttempts throttled calls with an actionable message, and does not retry other errors", async () => {
        const clock = new FakeClock();
        let calls = 0;
        await assert.rejects(
            withThrottlingRetry(
                "DescribeEndpoint e",
                async () => {
                    calls++;
                    throw awsError("ThrottlingException");
                },
                { maxAttempts: 3, clock },
            ),
            /DescribeEndpoint e: still throttled by AWS after 3 attempts .*Service Quotas/,
        );
        assert.equal(calls, 3);
        assert.equal(clock.sleeps.length, 2);
        let other = 0;
        await assert.rejects(
            withThrottlingRetry(
                "x",
                async () => {
                    other++;
                    throw awsError("ValidationException", "bad input");
                },
                { clock },
            ),
            /bad input/,
        );
        assert.equal(other, 1);
    });

    it("recognises throttling by name, HTTP 429 and the SDK's throttling flag, and bounds the backoff", () => {
        assert.ok(isThrottling(awsError("ThrottlingException")));
        assert.ok(isThrottling(awsError("SlowDown", "s3", 503)));
        assert.ok(isThrottling(awsError("Whatever", "x", 429)));
        assert.ok(isThrottling(Object.assign(new Error("x"), { $retryable: { throttling: true } })));
        assert.ok(!isThrottling(awsError("ValidationException")));
        for (let a = 1; a <= 12; a++) {
            assert.ok(backoffDelay(a, { random: () => 0.999999, baseDelayMs: 500, maxDelayMs: 20_000 }) < 20_000);
            assert.equal(backoffDelay(a, { random: () => 0 }), 0);
        }
        assert.equal(backoffDelay(3, { random: () => 0.5, baseDelayMs: 500 }), 1000);
    });
});

describe("aws: step error translation (awsStep)", () => {
    it("turns job failures, missing credentials, access denied, quota and other service errors into StepErrors with the fix", async () => {
        const { awsStep } = await import("../../scripts/framework/aws-step");
        const { StepError } = await import("../../scripts/framework/step");
        const cases: [Error, RegExp][] = [
            [new JobFailedError("training job", "j1", "Failed", "AlgorithmError: boom"), /training job j1 ended Failed: AlgorithmError: boom/],
            [
                Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
                /train: no AWS credentials .*aws configure, AWS_PROFILE or aws sso login/,
            ],
            [awsError("AccessDeniedException", "not authorized to perform iam:PassRole", 400), /train: access denied .*iam:PassRole/],
            [
                awsError("ResourceLimitExceeded", "The account-level service limit 'ml.m5.large for spot training job usage' is 0"),
                /spot training job usage' is 0; request a higher SageMaker quota .*Service Quotas/,
            ],
            [
                awsError("ValidationException", "1 validation error detected: Value 'x' at 'trainingJobName'"),
                /train: ValidationException: 1 validation error detected: Value 'x' at 'trainingJobName'; fix the input named in the message/,
            ],
        ];
        for (const [err, re] of cases) {
            await assert.rejects(
                awsStep("train", async () => {
                    throw err;
                }),
                (e: Error) => e instanceof StepError && re.test(e.message),
                `${err.name} -> ${re}`,
            );
        }
        const plain = new TypeError("a bug");
        await assert.rejects(
            awsStep("train", async () => {
                throw plain;
            }),
            (e: Error) => e === plain,
            "programming errors keep their stack",
        );
    });
});
