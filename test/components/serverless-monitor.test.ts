import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { setupMocks, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";
import {
    insightsLayerArn,
    LAMBDA_INSIGHTS_LAYERS_X86_64,
    MONITOR_ENDPOINT_TAG,
    ratePeriodSeconds,
    ServerlessMonitor,
    ServerlessMonitorArgs,
    SERVERLESS_MONITOR_RESOURCE_TYPES,
    SERVERLESS_MONITOR_TYPE,
} from "../../components/serverless-monitor";
import { MONITOR_ENDPOINT_TAG as POLICY_TAG, monitoringCoverage } from "../../policies/rules/monitoring-coverage";
import { resourcePolicies } from "../../policies/all";
import { runResourcePolicy, runStackPolicy } from "../../gate/evaluate";
import { inputsFromRun } from "../../gate/gate";
import { runProgram } from "../../gate/runtime";
import { SM } from "../../policies/lib/sagemaker";
import { REQUIRED_TAGS } from "../policies/harness";

const mocks = setupMocks();

const DATA_KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/data`;
const LOGS_KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/logs`;
const TOPIC = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-dev-alerts`;

function args(over: Partial<ServerlessMonitorArgs> = {}): ServerlessMonitorArgs {
    return {
        namePrefix: "mlp-dev",
        region: "us-east-1",
        endpointName: "mlp-dev-endpoint",
        scheduleName: "mlp-dev-data-quality",
        captureBucket: { name: "mlp-dev-capture-0a1b", prefix: "datacapture" },
        monitoringBucket: { name: "mlp-dev-monitoring-0a1b" },
        kmsKeys: { capture: DATA_KEY, monitoring: DATA_KEY, logs: LOGS_KEY },
        vpcId: "vpc-123",
        subnetIds: ["subnet-a", "subnet-b"],
        securityGroupIds: ["sg-jobs"],
        scheduleExpression: "rate(1 hour)",
        alarmTopicArn: TOPIC,
        logRetentionDays: 14,
        tags: { Project: "ml-platform" },
        ...over,
    };
}

const doc = (p: unknown) => (typeof p === "string" ? JSON.parse(p) : p) as { Statement: any[] };
const arr = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

function policies(): Record<string, any[]> {
    return Object.fromEntries(mocks.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => [p.name, doc(p.inputs.policy).Statement]));
}

describe("ServerlessMonitor", function () {
    this.timeout(60000);
    beforeEach(() => mocks.reset());

    it("creates exactly the documented resource types, all children of the component", async () => {
        const c = new ServerlessMonitor("sm", args());
        await mocks.settle();
        const comp = mocks.one(SERVERLESS_MONITOR_TYPE);
        const types = new Set(
            mocks
                .descendantsOf(comp)
                .filter((r) => r.custom)
                .map((r) => r.type),
        );
        assert.deepStrictEqual([...types].sort(), [...SERVERLESS_MONITOR_RESOURCE_TYPES].sort());
        assert.ok(c.functionName);
    });

    it("role: trusted by Lambda in this account only; its own, with one inline policy per concern and no managed policy", async () => {
        new ServerlessMonitor("sm", args());
        await mocks.settle();
        const role = mocks.one("aws:iam/role:Role");
        assert.strictEqual(role.inputs.name, "mlp-dev-serverless-monitor");
        const trust = doc(role.inputs.assumeRolePolicy).Statement;
        assert.deepStrictEqual(trust, [
            {
                Effect: "Allow",
                Principal: { Service: "lambda.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT } },
            },
        ]);
        assert.strictEqual(mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
        assert.deepStrictEqual(
            Object.keys(policies()).sort(),
            ["baseline-read", "capture-read", "insights", "logs", "reports-write", "vpc", "xray"].map((w) => `sm-${w}-monitor`).sort(),
        );
        for (const p of mocks.ofType("aws:iam/rolePolicy:RolePolicy")) assert.strictEqual(p.inputs.role, "mlp-dev-serverless-monitor");
        assert.strictEqual(role.inputs.permissionsBoundary, undefined);
        mocks.reset();
        const boundary = `arn:aws:iam::${MOCK_ACCOUNT}:policy/mlp-dev-boundary`;
        new ServerlessMonitor("smb", args({ permissionsBoundaryArn: boundary }));
        await mocks.settle();
        assert.strictEqual(mocks.one("aws:iam/role:Role").inputs.permissionsBoundary, boundary);
    });

    it("least privilege: no wildcard actions; S3 to the endpoint's capture prefix, the baseline prefix and the report prefix; KMS on exactly the keys", async () => {
        new ServerlessMonitor("sm", args());
        await mocks.settle();
        const p = policies();
        const all = Object.values(p).flat();
        for (const s of all) for (const a of arr(s.Action)) assert.ok(!a.includes("*"), `wildcard action ${a}`);
        // Resource "*" only where AWS supports nothing else
        for (const s of all.filter((s) => arr(s.Resource).includes("*"))) {
            assert.strictEqual(s.Effect, "Allow");
            for (const a of arr(s.Action)) assert.match(a, /^(ec2:Describe[A-Za-z]+|xray:PutTraceSegments|xray:PutTelemetryRecords)$/);
        }
        const cap = p["sm-capture-read-monitor"];
        assert.deepStrictEqual(cap, [
            {
                Sid: "ListCaptureOfEndpoint",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: "arn:aws:s3:::mlp-dev-capture-0a1b",
                Condition: { StringLike: { "s3:prefix": "datacapture/mlp-dev-endpoint/*" } },
            },
            {
                Sid: "ReadCaptureOfEndpoint",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: "arn:aws:s3:::mlp-dev-capture-0a1b/datacapture/mlp-dev-endpoint/*",
            },
            {
                Sid: "DecryptCapture",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: DATA_KEY,
                Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
            },
        ]);
        const base = p["sm-baseline-read-monitor"];
        assert.deepStrictEqual(
            base.map((s) => [s.Action, s.Resource]),
            [
                ["s3:ListBucket", "arn:aws:s3:::mlp-dev-monitoring-0a1b"],
                ["s3:GetObject", "arn:aws:s3:::mlp-dev-monitoring-0a1b/baselines/mlp-dev-endpoint/*"],
                ["kms:Decrypt", DATA_KEY],
            ],
        );
        assert.deepStrictEqual(base[0].Condition, { StringLike: { "s3:prefix": ["baselines/mlp-dev-endpoint/*"] } });
        const rep = p["sm-reports-write-monitor"];
        assert.deepStrictEqual(
            rep.map((s) => [s.Action, s.Resource]),
            [
                [
                    ["s3:PutObject", "s3:AbortMultipartUpload"],
                    "arn:aws:s3:::mlp-dev-monitoring-0a1b/reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/*",
                ],
                [["kms:GenerateDataKey", "kms:Decrypt"], DATA_KEY],
            ],
        );
        // no write anywhere but the reports prefix; no read of the monitoring bucket outside the baseline
        const writes = all.filter((s) => arr(s.Action).some((a: string) => /^s3:(Put|Delete)/.test(a)));
        assert.deepStrictEqual(
            writes.map((s) => s.Resource),
            ["arn:aws:s3:::mlp-dev-monitoring-0a1b/reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/*"],
        );
        // KMS: only the capture/monitoring key through S3 and the logs key for this function's environment
        const kms = all.filter((s) => arr(s.Action).some((a: string) => a.startsWith("kms:")));
        assert.deepStrictEqual([...new Set(kms.flatMap((s) => arr(s.Resource)))].sort(), [DATA_KEY, LOGS_KEY].sort());
        const envKey = kms.find((s) => s.Resource === LOGS_KEY);
        assert.deepStrictEqual(envKey.Condition, {
            StringEquals: { "kms:EncryptionContext:aws:lambda:FunctionArn": `arn:aws:lambda:us-east-1:${MOCK_ACCOUNT}:function:mlp-dev-serverless-monitor` },
        });
        // logs: its own log group only, and the Lambda Insights group (scoped CloudWatchLambdaInsightsExecutionRolePolicy)
        assert.deepStrictEqual(
            p["sm-logs-monitor"][0].Resource,
            `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:/aws/lambda/mlp-dev-serverless-monitor:log-stream:*`,
        );
        assert.deepStrictEqual(p["sm-insights-monitor"], [
            {
                Sid: "InsightsLogGroup",
                Effect: "Allow",
                Action: "logs:CreateLogGroup",
                Resource: `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:/aws/lambda-insights`,
            },
            {
                Sid: "InsightsLogStreams",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:/aws/lambda-insights:log-stream:*`,
            },
        ]);
    });

    it("ENI permissions scoped to the subnets, security groups and VPC (as grantVpcAccess)", async () => {
        new ServerlessMonitor("sm", args());
        await mocks.settle();
        const vpc = policies()["sm-vpc-monitor"];
        const eni = vpc.find((s) => s.Sid === "NetworkInterfacesInMonitorSubnets");
        assert.deepStrictEqual(eni.Resource, [
            `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:subnet/subnet-a`,
            `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:subnet/subnet-b`,
            `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:security-group/sg-jobs`,
            `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:network-interface/*`,
        ]);
        const deny = vpc.find((s) => s.Effect === "Deny");
        assert.deepStrictEqual(deny.Condition, { StringNotEquals: { "ec2:Vpc": `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:vpc/vpc-123` } });
    });

    it("function: Node.js 20, VPC, KMS, no reserved concurrency by default (issue 9 defect 9), tracing, Insights layer, monitor tag, archive code", async () => {
        const c = new ServerlessMonitor("sm", args());
        await mocks.settle();
        const fn = mocks.one("aws:lambda/function:Function");
        const i = fn.inputs;
        assert.strictEqual(i.name, "mlp-dev-serverless-monitor");
        assert.strictEqual(i.runtime, "nodejs20.x");
        assert.deepStrictEqual(i.architectures, ["x86_64"]);
        assert.strictEqual(i.handler, "lib/monitoring/lambda/handler.handler");
        assert.ok(i.memorySize >= 1024);
        assert.ok(i.timeout <= 900 && i.timeout >= 60);
        // New accounts have a concurrency quota of 10 that must stay unreserved: reserving is opt-in (reservedConcurrency).
        assert.strictEqual(i.reservedConcurrentExecutions, undefined);
        assert.deepStrictEqual(i.vpcConfig, { subnetIds: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-jobs"] });
        assert.strictEqual(i.kmsKeyArn, LOGS_KEY);
        assert.deepStrictEqual(i.tracingConfig, { mode: "Active" });
        assert.deepStrictEqual(i.layers, ["arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38"]);
        assert.strictEqual(i.tags[MONITOR_ENDPOINT_TAG], "mlp-dev-endpoint");
        assert.strictEqual(i.tags.Project, "ml-platform");
        assert.strictEqual(i.environment.variables.MONITOR_REPORTS_KMS_KEY_ID, DATA_KEY);
        assert.strictEqual(i.environment.variables.MONITOR_MAX_CAPTURE_BYTES, String(1536 * 1024 * 1024));
        assert.deepStrictEqual(i.ephemeralStorage, { size: 2048 });
        assert.strictEqual(i.loggingConfig.logGroup, "/aws/lambda/mlp-dev-serverless-monitor");
        // code is an archive (mocks serialize it without contents) holding the handler at its repository path
        assert.strictEqual(i.code.__pulumiArchive, true);
        const files = Object.keys(await c.code.assets);
        assert.ok(files.includes("lib/monitoring/lambda/handler.js") && files.includes("lib/monitoring/index.js"), files.join(","));
        // the role's ENI and log permissions exist before Lambda validates the function
        const deps = fn.options.dependencies;
        for (const w of ["vpc", "logs"])
            assert.ok(
                deps.some((u) => u.endsWith(`::sm-${w}-monitor`)),
                `depends on ${w} policy`,
            );
        assert.strictEqual(MONITOR_ENDPOINT_TAG, POLICY_TAG);
    });

    it("log group: /aws/lambda/<function>, KMS logs key, retention", async () => {
        new ServerlessMonitor("sm", args({ logRetentionDays: 30 }));
        await mocks.settle();
        const lg = mocks.one("aws:cloudwatch/logGroup:LogGroup");
        assert.deepStrictEqual([lg.inputs.name, lg.inputs.kmsKeyId, lg.inputs.retentionInDays], ["/aws/lambda/mlp-dev-serverless-monitor", LOGS_KEY, 30]);
    });

    it("schedule: the rule's target passes the handler's event; invocation allowed only from that rule; retries bounded", async () => {
        new ServerlessMonitor("sm", args());
        await mocks.settle();
        const rule = mocks.one("aws:cloudwatch/eventRule:EventRule");
        assert.strictEqual(rule.inputs.scheduleExpression, "rate(1 hour)");
        const target = mocks.one("aws:cloudwatch/eventTarget:EventTarget");
        assert.deepStrictEqual(JSON.parse(target.inputs.input), {
            endpointName: "mlp-dev-endpoint",
            scheduleName: "mlp-dev-data-quality",
            captureBucket: "mlp-dev-capture-0a1b",
            capturePrefix: "datacapture",
            monitoringBucket: "mlp-dev-monitoring-0a1b",
            // issue 9 defect 2: one layout (contracts/s3-layout.ts), where the monitor step uploads the baseline
            baselinePrefix: "baselines/mlp-dev-endpoint",
            reportsPrefix: "reports/data-quality",
        });
        assert.strictEqual(target.inputs.rule, rule.state.name);
        assert.strictEqual(
            target.inputs.arn,
            `arn:aws:lambda:us-east-1:${MOCK_ACCOUNT}:function:mlp-dev-serverless-monitor`.replace(/.*/, mocks.one("aws:lambda/function:Function").state.arn),
        );
        assert.deepStrictEqual(target.inputs.retryPolicy, { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 });
        const perm = mocks.one("aws:lambda/permission:Permission");
        assert.deepStrictEqual(
            [perm.inputs.principal, perm.inputs.sourceArn, perm.inputs.sourceAccount, perm.inputs.action],
            ["events.amazonaws.com", rule.state.arn, MOCK_ACCOUNT, "lambda:InvokeFunction"],
        );
        const eic = mocks.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
        assert.strictEqual(eic.inputs.maximumRetryAttempts, 1);
        // a schedule longer than an hour analyses its whole period
        mocks.reset();
        new ServerlessMonitor("sm6", args({ scheduleExpression: "rate(6 hours)" }));
        await mocks.settle();
        assert.strictEqual(JSON.parse(mocks.one("aws:cloudwatch/eventTarget:EventTarget").inputs.input).lookbackMinutes, 360);
        assert.strictEqual(mocks.one("aws:cloudwatch/metricAlarm:MetricAlarm", "sm6-not-running").inputs.period, 21600);
    });

    it("alarms: errors, duration near the timeout, monitor not running, no capture data — into the topic; no drift alarms", async () => {
        new ServerlessMonitor("sm", args({ timeoutSeconds: 600 }));
        await mocks.settle();
        const alarms: Record<string, any> = Object.fromEntries(mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.inputs.name, a.inputs]));
        assert.deepStrictEqual(
            Object.keys(alarms).sort(),
            ["duration", "errors", "no-capture-data", "not-running"].map((s) => `mlp-dev-serverless-monitor-${s}`),
        );
        for (const a of Object.values(alarms)) {
            assert.deepStrictEqual(a.alarmActions, [TOPIC]);
            assert.ok(!String(a.metricName).startsWith("feature_baseline_drift_"), "drift alarms stay in ModelMonitorSchedule");
        }
        const fn = "mlp-dev-serverless-monitor";
        const errors = alarms[`${fn}-errors`];
        assert.deepStrictEqual([errors.namespace, errors.metricName, errors.dimensions.FunctionName, errors.threshold], ["AWS/Lambda", "Errors", fn, 0]);
        const dur = alarms[`${fn}-duration`];
        assert.deepStrictEqual([dur.metricName, dur.statistic, dur.threshold], ["Duration", "Maximum", 480000]);
        const run = alarms[`${fn}-not-running`];
        assert.deepStrictEqual(
            [run.namespace, run.metricName, run.dimensions, run.period, run.evaluationPeriods, run.comparisonOperator, run.threshold, run.treatMissingData],
            [
                "mlplatform/ServerlessMonitor",
                "MonitorRun",
                { Endpoint: "mlp-dev-endpoint", MonitoringSchedule: "mlp-dev-data-quality" },
                3600,
                2,
                "LessThanThreshold",
                1,
                "breaching",
            ],
        );
        const nodata = alarms[`${fn}-no-capture-data`];
        assert.deepStrictEqual(
            [nodata.metricName, nodata.evaluationPeriods, nodata.comparisonOperator, nodata.threshold],
            ["NoCaptureData", 2, "GreaterThanOrEqualToThreshold", 1],
        );
    });

    it("registers endpointName (what monitoring-coverage reads) and other outputs", async () => {
        const c = new ServerlessMonitor("sm", args());
        await mocks.settle();
        const out = await new Promise<string>((r) => c.endpointName.apply(r));
        assert.strictEqual(out, "mlp-dev-endpoint");
        assert.strictEqual(
            await new Promise<string>((r) => c.reportsS3Uri.apply(r)),
            "s3://mlp-dev-monitoring-0a1b/reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/",
        );
    });

    it("rejects bad arguments naming each problem", () => {
        assert.throws(
            () => new ServerlessMonitor("bad", args({ timeoutSeconds: 1200, memoryMb: 512, logRetentionDays: 0, scheduleExpression: "every hour" })),
            (e: Error) => {
                for (const m of [
                    /timeoutSeconds 1200 must be 60\.\.900/,
                    /memoryMb 512 must be 1024\.\.10240/,
                    /logRetentionDays 0 must be one of/,
                    /scheduleExpression "every hour" must be rate/,
                ])
                    assert.match(e.message, m);
                return true;
            },
        );
        assert.throws(
            () => new ServerlessMonitor("bad2", args({ region: "xx-east-9" })),
            /no built-in Lambda Insights layer for region xx-east-9; pass insightsLayerArn/,
        );
        assert.throws(
            () => new ServerlessMonitor("bad3", args({ captureBucket: { name: "b", prefix: "data*" } })),
            /captureBucket\.prefix "data\*" must not contain wildcards/,
        );
    });

    it("Insights layer table and overrides; schedule periods", () => {
        for (const [region, arn] of Object.entries(LAMBDA_INSIGHTS_LAYERS_X86_64))
            assert.match(arn, new RegExp(`^arn:aws:lambda:${region}:\\d{12}:layer:LambdaInsightsExtension:\\d+$`));
        const eu = "arn:aws:lambda:eu-west-1:580247275435:layer:LambdaInsightsExtension-Arm64:5";
        assert.strictEqual(insightsLayerArn("eu-west-1", "arm64", eu), eu);
        assert.throws(() => insightsLayerArn("us-east-1", "arm64", eu), /region eu-west-1, the function in us-east-1/);
        assert.throws(() => insightsLayerArn("eu-west-1", "x86_64", eu), /does not match architecture x86_64/);
        assert.throws(() => insightsLayerArn("us-east-1", "arm64"), /no built-in Lambda Insights layer for arm64/);
        assert.deepStrictEqual(["rate(1 hour)", "rate(15 minutes)", "rate(1 day)", "cron(0 * * * ? *)"].map(ratePeriodSeconds), [3600, 900, 86400, undefined]);
    });
});

describe("ServerlessMonitor under the policy pack", function () {
    this.timeout(120000);
    let monitor: ServerlessMonitor | undefined;
    const program = (withMonitor: boolean) => () => {
        const ep = new aws.sagemaker.Endpoint("ep", { name: "mlp-dev-endpoint", endpointConfigName: "mlp-dev-config" });
        monitor = withMonitor ? new ServerlessMonitor("sm", args({ endpointName: ep.name, tags: REQUIRED_TAGS })) : undefined;
        return {};
    };
    const coverageConfig = { config: { requiredAlarmMetrics: [], requireCloudTrail: false, requireBudget: false, requireDataCapture: false } };

    it("monitoring-coverage accepts it as the endpoint's monitor (and flags the endpoint without it)", async () => {
        const without = inputsFromRun(await runProgram(program(false), { stack: "dev" }));
        const o1 = await runStackPolicy(monitoringCoverage, without, coverageConfig);
        assert.ok(
            o1.violations.some((v) => /no monitor/.test(v.message)),
            "control: unmonitored endpoint is flagged",
        );

        const inputs = inputsFromRun(await runProgram(program(true), { stack: "dev" }));
        const o2 = await runStackPolicy(monitoringCoverage, inputs, coverageConfig);
        assert.strictEqual(o2.status, "evaluated");
        assert.deepStrictEqual(
            o2.violations.map((v) => v.message),
            [],
        );
        // Both recognitions hold on their own. The Lambda tag:
        const fn = inputs.find((i) => i.type === SM.lambda)!;
        assert.strictEqual((fn.props.tags as Record<string, string>)[POLICY_TAG], "mlp-dev-endpoint");
        const tagOnly = inputs.filter((i) => i.type !== SM.serverlessMonitor);
        assert.deepStrictEqual((await runStackPolicy(monitoringCoverage, tagOnly, coverageConfig)).violations, []);
        // The component: the engine shows a local component's registered outputs as its properties (the offline
        // runtime records none), so give the component input the value the component registers, without the Lambda.
        const comp = inputs.find((i) => i.type === SM.serverlessMonitor)!;
        assert.ok(comp, "component registered with the policy's type");
        const registered = await new Promise<string>((r) => monitor!.endpointName.apply(r));
        const componentOnly = inputs.filter((i) => i.type !== SM.lambda).map((i) => (i === comp ? { ...i, props: { endpointName: registered } } : i));
        assert.deepStrictEqual((await runStackPolicy(monitoringCoverage, componentOnly, coverageConfig)).violations, []);

        // and no resource policy of the pack flags any of its resources
        const mine = inputs.filter((i) => i.type !== "aws:sagemaker/endpoint:Endpoint" && !i.type.startsWith("pulumi:"));
        const found: string[] = [];
        for (const policy of resourcePolicies) {
            for (const input of mine) {
                const o = await runResourcePolicy(policy, input, {});
                for (const v of o.violations) found.push(`${policy.name} ${input.type} ${input.name}: ${v.message}`);
            }
        }
        assert.deepStrictEqual(found, []);
    });
});
