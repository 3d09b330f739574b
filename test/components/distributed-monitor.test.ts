/**
 * DistributedMonitor under Pulumi mocks: the resources, the least-privilege policies of its four roles, the Amazon
 * States Language definition validated with asl-validator (a Distributed Map over the plan's manifest, retries with
 * backoff on Lambda service errors, a dead-letter path), the Scheduler input and the alarms.
 */
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { setupMocks, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";
import {
    DistributedMonitor,
    DistributedMonitorArgs,
    distributedMonitorDefinition,
    DISTRIBUTED_MONITOR_RESOURCE_TYPES,
    DISTRIBUTED_MONITOR_TYPE,
    LAMBDA_TRANSIENT_ERRORS,
} from "../../components/distributed-monitor";
import { MONITOR_ENDPOINT_TAG } from "../../components/serverless-monitor";
import { SM } from "../../policies/lib/sagemaker";
import { DISTRIBUTED_REDUCE_HANDLER, DISTRIBUTED_WORKER_HANDLER } from "../../lib/monitoring/distributed/types";
import { formatFinding, validatePolicyDocument } from "../../policies/lib/iam/validate";

const aslValidator = require("asl-validator") as (d: unknown, o?: unknown) => { isValid: boolean; errors: unknown[] };

const mocks = setupMocks();
const DATA_KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/data`;
const LOGS_KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/logs`;
const TOPIC = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-dev-alerts`;

function roles(): DistributedMonitorArgs["roles"] {
    const trust = (svc: string) =>
        JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: svc }, Action: "sts:AssumeRole" }] });
    return {
        worker: new aws.iam.Role("w", { name: "mlp-dev-monitor-worker", assumeRolePolicy: trust("lambda.amazonaws.com") }),
        reduce: new aws.iam.Role("r", { name: "mlp-dev-monitor-reduce", assumeRolePolicy: trust("lambda.amazonaws.com") }),
        stateMachine: new aws.iam.Role("s", { name: "mlp-dev-monitor-states", assumeRolePolicy: trust("states.amazonaws.com") }),
        scheduler: new aws.iam.Role("c", { name: "mlp-dev-monitor-scheduler", assumeRolePolicy: trust("scheduler.amazonaws.com") }),
    };
}

function args(over: Partial<DistributedMonitorArgs> = {}): DistributedMonitorArgs {
    return {
        namePrefix: "mlp-dev",
        endpointName: "mlp-dev-endpoint",
        scheduleName: "mlp-dev-data-quality",
        captureBucket: { name: "mlp-dev-capture-0a1b", prefix: "datacapture" },
        monitoringBucket: { name: "mlp-dev-monitoring-0a1b" },
        kmsKeys: { capture: DATA_KEY, monitoring: LOGS_KEY, logs: LOGS_KEY },
        vpcId: "vpc-123",
        subnetIds: ["subnet-a", "subnet-b"],
        securityGroupIds: ["sg-jobs"],
        alarmTopicArn: TOPIC,
        logRetentionDays: 14,
        roles: roles(),
        tags: { Project: "ml-platform" },
        ...over,
    };
}

const doc = (p: unknown) => (typeof p === "string" ? JSON.parse(p) : p) as { Statement: any[] };
const arr = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
/** Statements of each role's inline policies, by role name. */
function byRole(): Record<string, any[]> {
    const out: Record<string, any[]> = {};
    for (const p of mocks.ofType("aws:iam/rolePolicy:RolePolicy")) (out[String(p.inputs.role)] ??= []).push(...doc(p.inputs.policy).Statement);
    return out;
}
const allowed = (sts: any[], action: string) => sts.filter((s) => s.Effect === "Allow" && arr(s.Action).includes(action)).flatMap((s) => arr(s.Resource));

describe("DistributedMonitor", function () {
    this.timeout(60000);
    beforeEach(() => mocks.reset());

    it("creates exactly the documented resource types, all children of the component (type token mlplatform:monitoring:DistributedMonitor, known to the policy pack)", async () => {
        new DistributedMonitor("dm", args());
        await mocks.settle();
        const comp = mocks.one(DISTRIBUTED_MONITOR_TYPE);
        const types = new Set(
            mocks
                .descendantsOf(comp)
                .filter((r) => r.custom)
                .map((r) => r.type),
        );
        assert.deepStrictEqual([...types].sort(), [...DISTRIBUTED_MONITOR_RESOURCE_TYPES].sort());
        assert.strictEqual(SM.distributedMonitor, DISTRIBUTED_MONITOR_TYPE);
    });

    it("the state machine definition is valid Amazon States Language (asl-validator) with a Distributed Map over the manifest, retries with backoff and a dead-letter path", async () => {
        const c = new DistributedMonitor("dm", args({ maxConcurrency: 50, toleratedFailurePercentage: 10 }));
        await mocks.settle();
        const sm = mocks.one("aws:sfn/stateMachine:StateMachine");
        const def = JSON.parse(String(sm.inputs.definition));
        const v = aslValidator(def);
        assert.ok(v.isValid, JSON.stringify(v.errors, null, 2));
        assert.strictEqual(await new Promise<string>((r) => c.definition.apply(r)), sm.inputs.definition);
        const map = def.States.ProfileBatches;
        assert.strictEqual(map.Type, "Map");
        assert.deepStrictEqual(map.ItemProcessor.ProcessorConfig, { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
        assert.deepStrictEqual(map.ItemReader, {
            Resource: "arn:aws:states:::s3:getObject",
            ReaderConfig: { InputType: "JSON" },
            Parameters: { "Bucket.$": "$.plan.manifest.bucket", "Key.$": "$.plan.manifest.key" },
        });
        assert.deepStrictEqual([map.MaxConcurrency, map.ToleratedFailurePercentage, map.ResultPath], [50, 10, null]);
        const worker = mocks.one("aws:lambda/function:Function", "dm-worker").state.arn;
        const reduce = mocks.one("aws:lambda/function:Function", "dm-reduce").state.arn;
        assert.strictEqual(def.States.Plan.Parameters.FunctionName, worker);
        assert.strictEqual(map.ItemProcessor.States.ProfileBatch.Parameters.FunctionName, worker);
        assert.strictEqual(def.States.Reduce.Parameters.FunctionName, reduce);
        // every Lambda task retries the transient Lambda errors with exponential backoff and catches everything else
        for (const t of [def.States.Plan, map.ItemProcessor.States.ProfileBatch, def.States.Reduce]) {
            assert.deepStrictEqual(t.Retry[0], { ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 });
            assert.deepStrictEqual(t.Catch[0].ErrorEquals, ["States.ALL"]);
        }
        const dlq = mocks.one("aws:sqs/queue:Queue").state.url;
        assert.strictEqual(map.ItemProcessor.States.BatchToDeadLetter.Parameters.QueueUrl, dlq);
        assert.strictEqual(map.ItemProcessor.States.BatchToDeadLetter.Next, "BatchFailed");
        assert.strictEqual(
            map.ItemProcessor.States.BatchFailed.Type,
            "Fail",
            "a dead-lettered batch fails its child execution: it counts against ToleratedFailurePercentage",
        );
        assert.strictEqual(def.States.RunToDeadLetter.Parameters.QueueUrl, dlq);
        // no batches: straight to the reducer ("no data" metrics)
        assert.deepStrictEqual(def.States.AnyBatches.Choices, [{ Variable: "$.plan.plannedBatches", NumericGreaterThan: 0, Next: "ProfileBatches" }]);
        assert.strictEqual(def.States.AnyBatches.Default, "Reduce");
        assert.ok(def.TimeoutSeconds <= 3600, "an hour's run ends before the next");
        // logging (KMS-encrypted vended log group) and optional X-Ray
        const lg = mocks.ofType("aws:cloudwatch/logGroup:LogGroup").find((g) => g.inputs.name === "/aws/vendedlogs/states/mlp-dev-monitor")!;
        assert.strictEqual(lg.inputs.kmsKeyId, LOGS_KEY);
        assert.deepStrictEqual(sm.inputs.loggingConfiguration, { logDestination: `${lg.state.arn}:*`, includeExecutionData: false, level: "ERROR" });
        assert.deepStrictEqual([sm.inputs.type, sm.inputs.tracingConfiguration.enabled], ["STANDARD", false]);
    });

    it("asl-validator rejects a broken definition (the check can fail)", () => {
        const def = distributedMonitorDefinition({
            workerArn: "w",
            reduceArn: "r",
            deadLetterQueueUrl: "q",
            maxConcurrency: 1,
            toleratedFailurePercentage: 0,
            timeoutSeconds: 600,
        }) as any;
        assert.ok(aslValidator(def).isValid);
        def.States.AnyBatches.Default = "NoSuchState";
        assert.ok(!aslValidator(def).isValid);
        const def2 = distributedMonitorDefinition({
            workerArn: "w",
            reduceArn: "r",
            deadLetterQueueUrl: "q",
            maxConcurrency: 1,
            toleratedFailurePercentage: 0,
            timeoutSeconds: 600,
        }) as any;
        def2.States.ProfileBatches.ToleratedFailurePercentage = 150;
        assert.ok(!aslValidator(def2).isValid);
    });

    it("least privilege: the worker reads only the endpoint's capture and baseline and writes only partials; the reducer never reads capture and writes only reports", async () => {
        new DistributedMonitor("dm", args());
        await mocks.settle();
        const r = byRole();
        const w = r["mlp-dev-monitor-worker"];
        const red = r["mlp-dev-monitor-reduce"];
        for (const sts of [w, red, r["mlp-dev-monitor-states"], r["mlp-dev-monitor-scheduler"]])
            for (const s of sts) for (const a of arr(s.Action)) assert.ok(!String(a).includes("*"), `no wildcard action: ${a}`);
        assert.deepStrictEqual(allowed(w, "s3:GetObject").sort(), [
            "arn:aws:s3:::mlp-dev-capture-0a1b/datacapture/mlp-dev-endpoint/*",
            "arn:aws:s3:::mlp-dev-monitoring-0a1b/baselines/mlp-dev-endpoint/*",
        ]);
        assert.deepStrictEqual(allowed(w, "s3:PutObject"), ["arn:aws:s3:::mlp-dev-monitoring-0a1b/partials/mlp-dev-endpoint/*"]);
        assert.deepStrictEqual(allowed(red, "s3:GetObject").sort(), [
            "arn:aws:s3:::mlp-dev-monitoring-0a1b/baselines/mlp-dev-endpoint/*",
            "arn:aws:s3:::mlp-dev-monitoring-0a1b/partials/mlp-dev-endpoint/*",
        ]);
        assert.deepStrictEqual(allowed(red, "s3:PutObject"), [
            "arn:aws:s3:::mlp-dev-monitoring-0a1b/reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/*",
        ]);
        assert.ok(!allowed(red, "s3:ListBucket").some((x) => x.includes("capture")), "the reducer cannot list capture");
        assert.ok(!allowed(red, "kms:Decrypt").includes(DATA_KEY), "the reducer cannot decrypt capture");
        // KMS through S3 only (capture key: decrypt only)
        for (const s of w.filter((x) => arr(x.Action).some((a: string) => a.startsWith("kms:")) && x.Sid !== "DecryptOwnEnvironment"))
            assert.deepStrictEqual(s.Condition, { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
        assert.deepStrictEqual(
            w.filter((x) => arr(x.Resource).includes(DATA_KEY)).flatMap((x) => arr(x.Action)),
            ["kms:Decrypt"],
        );
        // the state machine: invoke its two functions, start its own child executions, read the manifest, dead-letter, deliver logs
        const s = r["mlp-dev-monitor-states"];
        assert.deepStrictEqual(
            allowed(s, "lambda:InvokeFunction").sort(),
            ["mlp-dev-monitor-reduce", "mlp-dev-monitor-reduce:*", "mlp-dev-monitor-worker", "mlp-dev-monitor-worker:*"]
                .map((f) => `arn:aws:lambda:us-east-1:${MOCK_ACCOUNT}:function:${f}`)
                .sort(),
        );
        assert.deepStrictEqual(allowed(s, "states:StartExecution"), [`arn:aws:states:us-east-1:${MOCK_ACCOUNT}:stateMachine:mlp-dev-monitor`]);
        assert.deepStrictEqual(allowed(s, "states:DescribeExecution"), [`arn:aws:states:us-east-1:${MOCK_ACCOUNT}:execution:mlp-dev-monitor/*`]);
        assert.deepStrictEqual(allowed(s, "s3:GetObject"), ["arn:aws:s3:::mlp-dev-monitoring-0a1b/partials/mlp-dev-endpoint/*"]);
        assert.deepStrictEqual(allowed(s, "sqs:SendMessage"), [mocks.one("aws:sqs/queue:Queue").state.arn]);
        assert.deepStrictEqual(allowed(s, "logs:CreateLogDelivery"), ["*"]);
        // the scheduler: start this state machine, dead-letter
        const c = r["mlp-dev-monitor-scheduler"];
        assert.deepStrictEqual(allowed(c, "states:StartExecution"), [`arn:aws:states:us-east-1:${MOCK_ACCOUNT}:stateMachine:mlp-dev-monitor`]);
        assert.deepStrictEqual(
            c
                .filter((x) => x.Effect === "Allow")
                .flatMap((x) => arr(x.Action))
                .sort(),
            ["kms:Decrypt", "kms:GenerateDataKey", "sqs:SendMessage", "states:StartExecution"],
        );
    });

    it("the state machine's data is encrypted with the monitoring key (customer-managed, not AWS-owned); only its execution role may use the key under the state machine's encryption context, the scheduler and the Lambdas may not", async () => {
        // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html: the execution role needs Decrypt and
        // GenerateDataKey with aws:states:stateMachineArn, and GenerateDataKey with SourceArn = the account's logs when
        // CloudWatch Logs integration is on; StartExecution needs no KMS permission of its caller (the scheduler).
        // A monitoring key distinct from the logs key, so that the test sees which key each statement names.
        const MONITORING_KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/monitoring`;
        new DistributedMonitor("dm", args({ kmsKeys: { capture: DATA_KEY, monitoring: MONITORING_KEY, logs: LOGS_KEY } }));
        await mocks.settle();
        const sm = mocks.one("aws:sfn/stateMachine:StateMachine").inputs;
        assert.deepStrictEqual(sm.encryptionConfiguration, { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: MONITORING_KEY, kmsDataKeyReusePeriodSeconds: 300 });
        assert.deepStrictEqual(sm.loggingConfiguration.level, "ERROR", "logging is on: the log-delivery data key is needed");
        const smArn = `arn:aws:states:us-east-1:${MOCK_ACCOUNT}:stateMachine:mlp-dev-monitor`;
        const logsContext = `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:*`;
        const r = byRole();
        const onKey = (sts: any[], key: string) => sts.filter((x) => x.Effect === "Allow" && arr(x.Resource).includes(key));
        // the execution role: exactly the documented statements on the monitoring key, besides reading the manifest through S3
        assert.deepStrictEqual(
            onKey(r["mlp-dev-monitor-states"], MONITORING_KEY)
                .map((x) => ({ Action: x.Action, Condition: x.Condition }))
                .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
            [
                { Action: "kms:Decrypt", Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } },
                { Action: "kms:GenerateDataKey", Condition: { StringEquals: { "kms:EncryptionContext:SourceArn": logsContext } } },
                { Action: ["kms:Decrypt", "kms:GenerateDataKey"], Condition: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": smArn } } },
            ],
        );
        // nobody else holds the state machine's encryption context, and the scheduler has no statement on the monitoring key
        const ecHolders = Object.entries(r)
            .filter(([, sts]) => sts.some((x) => JSON.stringify(x.Condition ?? {}).includes("aws:states:stateMachineArn")))
            .map(([role]) => role);
        assert.deepStrictEqual(ecHolders, ["mlp-dev-monitor-states"]);
        assert.deepStrictEqual(onKey(r["mlp-dev-monitor-scheduler"], MONITORING_KEY), []);
        for (const fn of ["mlp-dev-monitor-worker", "mlp-dev-monitor-reduce"])
            for (const x of onKey(r[fn], MONITORING_KEY))
                assert.deepStrictEqual(
                    x.Condition,
                    { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
                    `${fn} uses the monitoring key only through S3`,
                );
        // every KMS statement of the four roles: actions, condition keys (and that they apply to the actions) and
        // resources checked against the Service Authorization Reference by the policy pack's validator
        let checked = 0;
        for (const [role, sts] of Object.entries(r)) {
            const kmsStatements = sts.filter((x) => arr(x.Action).some((a: string) => a.startsWith("kms:")));
            checked += kmsStatements.length;
            const v = validatePolicyDocument({ Version: "2012-10-17", Statement: kmsStatements }, "identity");
            assert.deepStrictEqual(
                v.findings.map((f) => `${role}: ${formatFinding(f)}`),
                [],
            );
        }
        assert.ok(checked >= 10, `${checked} KMS statements checked`);
    });

    it("the Service Authorization Reference check can fail: an unknown KMS action or encryption-context operator is reported", () => {
        const bad = validatePolicyDocument(
            {
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Action: "kms:GenerateExecutionKey",
                        Resource: LOGS_KEY,
                        Condition: { StringEqualz: { "kms:EncryptionContext:aws:states:stateMachineArn": "x" } },
                    },
                ],
            },
            "identity",
        );
        assert.deepStrictEqual(bad.findings.map((f) => f.code).sort(), ["unknown-action", "unknown-condition-operator"]);
    });

    it("functions: Node.js 20 in the VPC, environment under the logs key, one archive with two handlers, batch limits, the monitor tag on the reducer", async () => {
        new DistributedMonitor("dm", args({ maxBatchBytes: 64 * 1024 * 1024, workerMemoryMb: 4096, tracing: true }));
        await mocks.settle();
        const w = mocks.one("aws:lambda/function:Function", "dm-worker").inputs;
        const r = mocks.one("aws:lambda/function:Function", "dm-reduce").inputs;
        assert.deepStrictEqual(
            [w.name, w.handler, w.runtime, w.memorySize, w.timeout],
            ["mlp-dev-monitor-worker", DISTRIBUTED_WORKER_HANDLER, "nodejs20.x", 4096, 900],
        );
        assert.deepStrictEqual([r.name, r.handler, r.runtime], ["mlp-dev-monitor-reduce", DISTRIBUTED_REDUCE_HANDLER, "nodejs20.x"]);
        for (const f of [w, r]) {
            assert.deepStrictEqual(f.vpcConfig, { subnetIds: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-jobs"] });
            assert.strictEqual(f.kmsKeyArn, LOGS_KEY);
            assert.strictEqual(f.environment.variables.MONITOR_REPORTS_KMS_KEY_ID, LOGS_KEY);
            assert.strictEqual(f.tracingConfig.mode, "Active");
        }
        assert.strictEqual(w.environment.variables.MONITOR_MAX_BATCH_BYTES, String(64 * 1024 * 1024));
        assert.strictEqual(r.tags[MONITOR_ENDPOINT_TAG], "mlp-dev-endpoint");
        assert.strictEqual(w.tags[MONITOR_ENDPOINT_TAG], undefined);
        assert.strictEqual(mocks.one("aws:sfn/stateMachine:StateMachine").inputs.tracingConfiguration.enabled, true);
        // X-Ray on: the state machine role may write segments and read sampling rules
        assert.ok(allowed(byRole()["mlp-dev-monitor-states"], "xray:GetSamplingRules").length === 1);
        for (const g of mocks.ofType("aws:cloudwatch/logGroup:LogGroup")) assert.deepStrictEqual([g.inputs.kmsKeyId, g.inputs.retentionInDays], [LOGS_KEY, 14]);
    });

    it("dead-letter queue: SQS with the logs key, TLS only; schedule: Scheduler passes the scheduled time so the window is the previous hour", async () => {
        new DistributedMonitor("dm", args());
        await mocks.settle();
        const q = mocks.one("aws:sqs/queue:Queue").inputs;
        assert.deepStrictEqual([q.name, q.kmsMasterKeyId, q.messageRetentionSeconds], ["mlp-dev-monitor-dlq", LOGS_KEY, 1209600]);
        const qp = doc(mocks.one("aws:sqs/queuePolicy:QueuePolicy").inputs.policy).Statement[0];
        assert.deepStrictEqual([qp.Effect, qp.Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
        const s = mocks.one("aws:scheduler/schedule:Schedule").inputs;
        assert.deepStrictEqual([s.scheduleExpression, s.scheduleExpressionTimezone, s.flexibleTimeWindow.mode], ["cron(5 * * * ? *)", "UTC", "OFF"]);
        assert.strictEqual(s.target.arn, mocks.one("aws:sfn/stateMachine:StateMachine").state.arn);
        assert.strictEqual(s.target.deadLetterConfig.arn, mocks.one("aws:sqs/queue:Queue").state.arn);
        assert.deepStrictEqual(JSON.parse(s.target.input), {
            endpointName: "mlp-dev-endpoint",
            scheduleName: "mlp-dev-data-quality",
            captureBucket: "mlp-dev-capture-0a1b",
            capturePrefix: "datacapture",
            monitoringBucket: "mlp-dev-monitoring-0a1b",
            baselinePrefix: "baselines/mlp-dev-endpoint",
            reportsPrefix: "reports/data-quality",
            time: "<aws.scheduler.scheduled-time>",
        });
    });

    it("alarms: failed executions, dead letters, failed batches, monitor not running, no capture data — into the topic", async () => {
        new DistributedMonitor("dm", args());
        await mocks.settle();
        const alarms: Record<string, any> = Object.fromEntries(mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.inputs.name, a.inputs]));
        assert.deepStrictEqual(
            Object.keys(alarms).sort(),
            ["dead-letters", "failed", "failed-batches", "no-capture-data", "not-running"].map((x) => `mlp-dev-monitor-${x}`),
        );
        for (const a of Object.values(alarms)) assert.deepStrictEqual(a.alarmActions, [TOPIC]);
        assert.deepStrictEqual([alarms["mlp-dev-monitor-failed"].namespace, alarms["mlp-dev-monitor-failed"].metricName], ["AWS/States", "ExecutionsFailed"]);
        assert.deepStrictEqual(alarms["mlp-dev-monitor-not-running"].dimensions, { Endpoint: "mlp-dev-endpoint", MonitoringSchedule: "mlp-dev-data-quality" });
        assert.strictEqual(alarms["mlp-dev-monitor-failed-batches"].metricName, "FailedBatches");
    });

    it("rejects bad arguments naming each problem", () => {
        assert.throws(
            () =>
                new DistributedMonitor(
                    "bad",
                    args({
                        maxConcurrency: 0,
                        maxBatchBytes: 10,
                        toleratedFailurePercentage: 101,
                        workerTimeoutSeconds: 1000,
                        logRetentionDays: 2,
                        scheduleExpression: "hourly",
                    }),
                ),
            (e: Error) => {
                for (const m of [
                    /maxConcurrency 0 must be an integer 1\.\.10000/,
                    /maxBatchBytes 10 must be an integer 1048576\.\./,
                    /toleratedFailurePercentage 101/,
                    /workerTimeoutSeconds 1000 must be an integer 60\.\.900/,
                    /logRetentionDays 2/,
                    /scheduleExpression "hourly"/,
                ])
                    assert.match(e.message, m);
                return true;
            },
        );
    });
});
