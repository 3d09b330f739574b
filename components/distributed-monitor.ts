/**
 * DistributedMonitor: the serverless data-quality monitor scaled out (issue 14). An AWS Step Functions state machine
 * runs, every hour, for the previous hour of an endpoint's capture:
 *
 *   Plan (worker Lambda)  lists the hour's capture objects of every variant, cuts them into contiguous batches of at
 *                         most `maxBatchBytes` of capture and writes them as a JSON array (the manifest) to the
 *                         monitoring bucket under partials/ (contracts/s3-layout.ts);
 *   ProfileBatches        a Distributed Map whose ItemReader reads that manifest (S3 GetObject, JSON): one child
 *                         execution per batch, at most `maxConcurrency` at once, `toleratedFailurePercentage` of them
 *                         may fail; each invokes the worker Lambda, which profiles its objects into a partial profile
 *                         (poisoned objects counted, not fatal) written under partials/. A batch that still fails after
 *                         the retries goes to the dead-letter queue and counts as failed;
 *   Reduce (reduce Lambda) merges the partials and writes Model Monitor's files, the EMF metrics and the summary with
 *                         the single Lambda's code (lib/monitoring/lambda/run.ts), plus FailedBatches/PoisonedObjects.
 *
 * Why a manifest and not the ItemReader's own S3 listing (ListObjectsV2) or S3 Inventory: capture keys put the variant
 * before the hour (`<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/`), so no single ListObjectsV2 prefix selects one
 * hour of all variants (the prefix of the endpoint lists its whole history); S3 Inventory is produced daily or weekly,
 * too late for an hourly monitor. And batching by capture bytes needs the objects' sizes: the ItemBatcher's
 * MaxInputBytesPerBatch bounds the JSON of the items (~150 bytes per key), not the bytes a worker downloads.
 *
 * EventBridge Scheduler starts it (`<aws.scheduler.scheduled-time>` in the input: the window is the hour before the
 * scheduled time, even when the start is retried late). The Lambdas run in the VPC like the single monitor; the log
 * groups (Lambdas and the state machine's vended logs) and the dead-letter queue are encrypted with the logs key; the
 * state machine's own data (definition, execution inputs and outputs, execution history, the Distributed Map's child
 * executions) with the monitoring key, a customer-managed key instead of Step Functions' AWS-owned one.
 * All four roles are PlatformSecurity's (`distributedMonitor: true`): the key policies name them and they carry the
 * platform boundary. The dead-letter queue serves the state machine (a batch or run failing after its retries) and the
 * schedule (a start that failed); the Lambdas are only invoked synchronously by the state machine, so a Lambda
 * on-failure destination or DLQ (asynchronous invocations only) would never receive anything and is not set.
 *
 * The policy pack's monitoring-coverage rule recognises it by the component type
 * `mlplatform:monitoring:DistributedMonitor` with registered output `endpointName`, and by the reduce Lambda's tag
 * `mlplatform:monitor-endpoint` = endpoint name.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { baselinePrefix as layoutBaselinePrefix, partialsPrefix } from "../contracts/s3-layout";
import { ENV, FAILED_BATCHES_METRIC, SERVERLESS_MONITOR_NAMESPACE } from "../lib/monitoring/lambda/metrics";
import { DISTRIBUTED_ENTRY, DISTRIBUTED_ENV, DISTRIBUTED_REDUCE_HANDLER, DISTRIBUTED_WORKER_HANDLER } from "../lib/monitoring/distributed/types";
import { grant, Grantee, PolicyStatement } from "./grants";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { buildLambdaArchive } from "./lambda-bundle";
import { captureReadStatements, MONITOR_ENDPOINT_TAG, monitorAlarmFactory, monitorRunAlarms, ratePeriodSeconds } from "./serverless-monitor";
import { DISTRIBUTED_MONITOR_STATE_MACHINE_SUFFIX } from "./security";

export const DISTRIBUTED_MONITOR_TYPE = COMPONENT_TYPES.DistributedMonitor;

/** The resource types this component creates (for tools and tests). */
export const DISTRIBUTED_MONITOR_RESOURCE_TYPES: readonly string[] = [
    "aws:iam/rolePolicy:RolePolicy",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:lambda/function:Function",
    "aws:sqs/queue:Queue",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sfn/stateMachine:StateMachine",
    "aws:scheduler/schedule:Schedule",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
];

export interface DistributedMonitorRolesArg {
    worker: aws.iam.Role;
    reduce: aws.iam.Role;
    stateMachine: aws.iam.Role;
    scheduler: aws.iam.Role;
}

export interface DistributedMonitorArgs {
    namePrefix: string;
    endpointName: pulumi.Input<string>;
    /** Metric dimension `MonitoringSchedule` and report folder, as the single monitor's. */
    scheduleName: string;
    captureBucket: { name: pulumi.Input<string>; prefix: string };
    monitoringBucket: { name: pulumi.Input<string>; baselinePrefix?: string; reportsPrefix?: string };
    /**
     * `monitoring` encrypts the monitoring bucket's objects and the state machine's execution data; its key policy must
     * let the state machine's role and CloudWatch Logs' delivery service use it (PlatformSecurity does, for the logs key).
     */
    kmsKeys: { capture: pulumi.Input<string>; monitoring: pulumi.Input<string>; logs: pulumi.Input<string> };
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /** EventBridge Scheduler expression; default `cron(5 * * * ? *)` (five past every hour, UTC). */
    scheduleExpression?: string;
    alarmTopicArn: pulumi.Input<string>;
    logRetentionDays: number;
    /** PlatformSecurity's `distributedMonitorRoles` (required: the key policies must name the roles). */
    roles: DistributedMonitorRolesArg;
    /** Child executions at once (1..10000, default 8: a new account's Lambda concurrency quota is 10). */
    maxConcurrency?: number;
    /** Capture bytes per batch (1 MiB..4 GiB, default 256 MiB). */
    maxBatchBytes?: number;
    /** Capture objects per batch (1..1000, default 500; keeps a batch item far below the 256 KiB payload limit). */
    maxBatchObjects?: number;
    /** Percentage of batches that may fail before the run fails (0..100, default 5). */
    toleratedFailurePercentage?: number;
    /** Worker memory (1024..10240, default 2048) and timeout (60..900, default 900). */
    workerMemoryMb?: number;
    workerTimeoutSeconds?: number;
    /** Reduce memory (1024..10240, default 3008). */
    reduceMemoryMb?: number;
    /** X-Ray tracing of the state machine and the Lambdas (default false). */
    tracing?: boolean;
    tags?: Record<string, string>;
}

const VALID_RETENTION = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, "");

/**
 * Errors worth retrying on a Lambda task, with exponential backoff: the ones AWS's Step Functions guide recommends
 * ("Handle transient Lambda service exceptions", https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html),
 * plus throttling (TooManyRequestsException: the account's concurrency quota).
 */
export const LAMBDA_TRANSIENT_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

export interface DefinitionInput {
    workerArn: string;
    reduceArn: string;
    deadLetterQueueUrl: string;
    maxConcurrency: number;
    toleratedFailurePercentage: number;
    /** Whole-run timeout (an hour's run must end before the next starts). */
    timeoutSeconds: number;
}

/** The state machine's Amazon States Language definition (validated with asl-validator in the tests). */
export function distributedMonitorDefinition(d: DefinitionInput): Record<string, unknown> {
    const retry = [
        { ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
        // a worker error (S3 throttling, a crashed runtime): once more after a pause
        { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 15, MaxAttempts: 1, BackoffRate: 2 },
    ];
    const toDeadLetter = (next: string) => [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next }];
    return {
        Comment:
            "Distributed data-quality monitor: plan the hour's capture into batches, profile them in a Distributed Map, merge and report (components/distributed-monitor.ts)",
        StartAt: "Plan",
        TimeoutSeconds: d.timeoutSeconds,
        States: {
            Plan: {
                Type: "Task",
                Resource: "arn:aws:states:::lambda:invoke",
                Parameters: { FunctionName: d.workerArn, Payload: { action: "plan", "event.$": "$", "executionName.$": "$$.Execution.Name" } },
                ResultSelector: {
                    "run.$": "$.Payload.run",
                    "manifest.$": "$.Payload.manifest",
                    "plannedBatches.$": "$.Payload.plannedBatches",
                    "objects.$": "$.Payload.objects",
                    "bytes.$": "$.Payload.bytes",
                    "variants.$": "$.Payload.variants",
                    "endpointPrefix.$": "$.Payload.endpointPrefix",
                },
                ResultPath: "$.plan",
                Retry: retry,
                Catch: toDeadLetter("RunToDeadLetter"),
                Next: "AnyBatches",
            },
            AnyBatches: {
                Type: "Choice",
                Choices: [{ Variable: "$.plan.plannedBatches", NumericGreaterThan: 0, Next: "ProfileBatches" }],
                Default: "Reduce",
            },
            ProfileBatches: {
                Type: "Map",
                Label: "ProfileBatches",
                ItemReader: {
                    Resource: "arn:aws:states:::s3:getObject",
                    ReaderConfig: { InputType: "JSON" },
                    Parameters: { "Bucket.$": "$.plan.manifest.bucket", "Key.$": "$.plan.manifest.key" },
                },
                ItemSelector: { "run.$": "$.plan.run", "batch.$": "$$.Map.Item.Value" },
                // STANDARD child executions: a worker may run up to Lambda's 15 minutes (EXPRESS children end at 5).
                ItemProcessor: {
                    ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
                    StartAt: "ProfileBatch",
                    States: {
                        ProfileBatch: {
                            Type: "Task",
                            Resource: "arn:aws:states:::lambda:invoke",
                            Parameters: { FunctionName: d.workerArn, Payload: { action: "profile", "run.$": "$.run", "batch.$": "$.batch" } },
                            ResultSelector: { "batchId.$": "$.Payload.batchId", "rows.$": "$.Payload.rows", "poisonedObjects.$": "$.Payload.poisonedObjects" },
                            Retry: retry,
                            Catch: toDeadLetter("BatchToDeadLetter"),
                            End: true,
                        },
                        BatchToDeadLetter: {
                            Type: "Task",
                            Resource: "arn:aws:states:::sqs:sendMessage",
                            Parameters: {
                                QueueUrl: d.deadLetterQueueUrl,
                                MessageBody: {
                                    kind: "batch_failed",
                                    "execution.$": "$$.Execution.Id",
                                    "runPrefix.$": "$.run.runPrefix",
                                    "batch.$": "$.batch",
                                    "error.$": "$.error",
                                },
                            },
                            Next: "BatchFailed",
                        },
                        BatchFailed: {
                            Type: "Fail",
                            Error: "BatchFailed",
                            Cause: "The worker failed on this batch after its retries; the batch is in the dead-letter queue and counted as failed by the reducer.",
                        },
                    },
                },
                MaxConcurrency: d.maxConcurrency,
                ToleratedFailurePercentage: d.toleratedFailurePercentage,
                // the children's results are not needed: the reducer reads the partial files
                ResultPath: null,
                Catch: toDeadLetter("RunToDeadLetter"),
                Next: "Reduce",
            },
            Reduce: {
                Type: "Task",
                Resource: "arn:aws:states:::lambda:invoke",
                Parameters: { FunctionName: d.reduceArn, Payload: { "plan.$": "$.plan" } },
                ResultSelector: {
                    "status.$": "$.Payload.status",
                    "rowsAnalyzed.$": "$.Payload.rowsAnalyzed",
                    "violations.$": "$.Payload.violations",
                    "poisonedObjects.$": "$.Payload.poisonedObjects",
                    "batches.$": "$.Payload.batches",
                    "reportKeys.$": "$.Payload.reportKeys",
                },
                ResultPath: "$.summary",
                OutputPath: "$.summary",
                Retry: retry,
                Catch: toDeadLetter("RunToDeadLetter"),
                End: true,
            },
            RunToDeadLetter: {
                Type: "Task",
                Resource: "arn:aws:states:::sqs:sendMessage",
                Parameters: { QueueUrl: d.deadLetterQueueUrl, MessageBody: { kind: "run_failed", "execution.$": "$$.Execution.Id", "error.$": "$.error" } },
                Next: "RunFailed",
            },
            RunFailed: {
                Type: "Fail",
                Error: "MonitorRunFailed",
                Cause: "The hour's monitor run failed after its retries; see the dead-letter queue and the state machine's log group.",
            },
        },
    };
}

function validate(a: DistributedMonitorArgs): void {
    const p: string[] = [];
    const int = (k: string, v: number | undefined, lo: number, hi: number) => {
        if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi)) p.push(`${k} ${v} must be an integer ${lo}..${hi}`);
    };
    if (!/^[a-z0-9-]{3,30}$/.test(a.namePrefix)) p.push(`namePrefix ${JSON.stringify(a.namePrefix)} must be 3-30 lowercase letters, digits or hyphens`);
    if (!a.scheduleName || /[\s/*?]/.test(a.scheduleName))
        p.push(`scheduleName ${JSON.stringify(a.scheduleName)} must be non-empty, without spaces, "/" or wildcards`);
    if (a.scheduleExpression !== undefined && !/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/.test(a.scheduleExpression))
        p.push(`scheduleExpression ${JSON.stringify(a.scheduleExpression)} must be rate(N unit) or cron(...)`);
    int("maxConcurrency", a.maxConcurrency, 1, 10000);
    int("maxBatchBytes", a.maxBatchBytes, 1024 * 1024, 4 * 1024 ** 3);
    int("maxBatchObjects", a.maxBatchObjects, 1, 1000);
    int("toleratedFailurePercentage", a.toleratedFailurePercentage, 0, 100);
    int("workerMemoryMb", a.workerMemoryMb, 1024, 10240);
    int("workerTimeoutSeconds", a.workerTimeoutSeconds, 60, 900);
    int("reduceMemoryMb", a.reduceMemoryMb, 1024, 10240);
    if (!VALID_RETENTION.includes(a.logRetentionDays)) p.push(`logRetentionDays ${a.logRetentionDays} must be one of CloudWatch's values`);
    if (/[*?]/.test(a.captureBucket.prefix)) p.push(`captureBucket.prefix ${JSON.stringify(a.captureBucket.prefix)} must not contain wildcards`);
    if (!a.roles) p.push("roles must be PlatformSecurity's distributedMonitorRoles (PlatformSecurity({ distributedMonitor: true }))");
    if (p.length) throw new Error(`DistributedMonitor: ${p.join("; ")}`);
}

export class DistributedMonitor extends pulumi.ComponentResource {
    public readonly endpointName: pulumi.Output<string>;
    public readonly scheduleName: string;
    public readonly stateMachine: aws.sfn.StateMachine;
    public readonly workerFunction: aws.lambda.Function;
    public readonly reduceFunction: aws.lambda.Function;
    public readonly deadLetterQueue: aws.sqs.Queue;
    public readonly schedule: aws.scheduler.Schedule;
    public readonly alarms: aws.cloudwatch.MetricAlarm[];
    public readonly alarmNames: pulumi.Output<string[]>;
    public readonly scheduleInput: pulumi.Output<string>;
    public readonly reportsS3Uri: pulumi.Output<string>;
    /** The rendered state machine definition (JSON). */
    public readonly definition: pulumi.Output<string>;

    constructor(name: string, args: DistributedMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.DistributedMonitor, name, {}, withPreviousTypes("DistributedMonitor", opts));
        validate(args);
        const child: pulumi.CustomResourceOptions = { parent: this };
        const tags = args.tags ?? {};
        const p = args.namePrefix;
        this.endpointName = pulumi.output(args.endpointName);
        this.scheduleName = args.scheduleName;
        const scheduleExpression = args.scheduleExpression ?? "cron(5 * * * ? *)";
        const period = ratePeriodSeconds(scheduleExpression) ?? 3600;
        const workerTimeout = args.workerTimeoutSeconds ?? 900;
        const tracing = args.tracing ?? false;
        const capturePrefix = trimSlashes(args.captureBucket.prefix);
        const baselinePrefix = args.monitoringBucket.baselinePrefix
            ? pulumi.output(trimSlashes(args.monitoringBucket.baselinePrefix))
            : pulumi.output(args.endpointName).apply(layoutBaselinePrefix);
        const reportsPrefix = trimSlashes(args.monitoringBucket.reportsPrefix ?? "reports/data-quality");
        const partials = pulumi.output(args.endpointName).apply(partialsPrefix);

        const partition = aws.getPartitionOutput({}, child).partition;
        const accountId = aws.getCallerIdentityOutput({}, child).accountId;
        const region = aws.getRegionOutput({}, child).region;
        const s3Arn = (bucket: pulumi.Input<string>) => pulumi.interpolate`arn:${partition}:s3:::${bucket}`;
        const viaS3 = { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${region}.amazonaws.com` } };
        const workerName = `${p}-monitor-worker`;
        const reduceName = `${p}-monitor-reduce`;
        const smName = `${p}-${DISTRIBUTED_MONITOR_STATE_MACHINE_SUFFIX}`;
        const fnArn = (fn: string) => pulumi.interpolate`arn:${partition}:lambda:${region}:${accountId}:function:${fn}`;
        const smArn = pulumi.interpolate`arn:${partition}:states:${region}:${accountId}:stateMachine:${smName}`;
        const worker: Grantee = { activity: "monitor-worker", role: args.roles.worker };
        const reducer: Grantee = { activity: "monitor-reduce", role: args.roles.reduce };
        const states: Grantee = { activity: "monitor-states", role: args.roles.stateMachine };
        const scheduler: Grantee = { activity: "monitor-scheduler", role: args.roles.scheduler };

        // ---- data access: each role only its prefixes ----------------------------------------------------------------
        const capturePath = pulumi.interpolate`${capturePrefix ? `${capturePrefix}/` : ""}${args.endpointName}/`;
        const monitoringArn = s3Arn(args.monitoringBucket.name);
        const baselineRead: PolicyStatement[] = [
            {
                Sid: "ListBaseline",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: monitoringArn,
                Condition: { StringLike: { "s3:prefix": baselinePrefix.apply((b) => [`${b}/*`]) } },
            },
            { Sid: "ReadBaseline", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`${monitoringArn}/${baselinePrefix}/*` },
        ];
        const workerData = grant(this, name, "data", worker, [
            ...captureReadStatements(s3Arn(args.captureBucket.name), capturePath, args.kmsKeys.capture, viaS3),
            ...baselineRead,
            {
                Sid: "WritePartials",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                Resource: pulumi.interpolate`${monitoringArn}/${partials}/*`,
            },
            {
                Sid: "MonitoringBucketKeyViaS3",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: args.kmsKeys.monitoring,
                Condition: viaS3,
            },
        ]);
        const reportsPath = pulumi.interpolate`${reportsPrefix}/${args.endpointName}/${args.scheduleName}/`;
        this.reportsS3Uri = pulumi.interpolate`s3://${args.monitoringBucket.name}/${reportsPath}`;
        const reduceData = grant(this, name, "data", reducer, [
            ...baselineRead.map((s) => ({ ...s })),
            {
                Sid: "ListPartials",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: monitoringArn,
                Condition: { StringLike: { "s3:prefix": pulumi.interpolate`${partials}/*` } },
            },
            // read the run's partials, delete them once the report is written
            {
                Sid: "ReadAndDeletePartials",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:DeleteObject"],
                Resource: pulumi.interpolate`${monitoringArn}/${partials}/*`,
            },
            {
                Sid: "WriteReports",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                Resource: pulumi.interpolate`${monitoringArn}/${reportsPath}*`,
            },
            {
                Sid: "MonitoringBucketKeyViaS3",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: args.kmsKeys.monitoring,
                Condition: viaS3,
            },
        ]);

        // ---- network and logs of both functions (as the single monitor) ----------------------------------------------
        const eniResources = pulumi
            .all([pulumi.output(args.subnetIds), pulumi.output(args.securityGroupIds), partition, accountId, region])
            .apply(([subnets, sgs, part, acct, reg]) =>
                [...subnets.map((s) => `subnet/${s}`), ...sgs.map((g) => `security-group/${g}`), "network-interface/*"].map(
                    (r) => `arn:${part}:ec2:${reg}:${acct}:${r}`,
                ),
            );
        const fnPolicies: Record<string, aws.iam.RolePolicy[]> = {};
        const logGroups: Record<string, aws.cloudwatch.LogGroup> = {};
        for (const [g, fn, data] of [
            [worker, workerName, workerData],
            [reducer, reduceName, reduceData],
        ] as const) {
            const lg = new aws.cloudwatch.LogGroup(
                `${name}-${g.activity}-logs`,
                { name: `/aws/lambda/${fn}`, kmsKeyId: args.kmsKeys.logs, retentionInDays: args.logRetentionDays, tags },
                child,
            );
            logGroups[fn] = lg;
            const statements: PolicyStatement[] = [
                {
                    Sid: "OwnLogGroupOnly",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: pulumi.interpolate`${lg.arn}:log-stream:*`,
                },
                {
                    Sid: "DecryptOwnEnvironment",
                    Effect: "Allow",
                    Action: "kms:Decrypt",
                    Resource: args.kmsKeys.logs,
                    Condition: { StringEquals: { "kms:EncryptionContext:aws:lambda:FunctionArn": fnArn(fn) } },
                },
                {
                    Sid: "DescribeNetwork",
                    Effect: "Allow",
                    Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"],
                    Resource: "*",
                }, // Describe* support only "*".
                {
                    Sid: "NetworkInterfacesInMonitorSubnets",
                    Effect: "Allow",
                    Action: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
                    Resource: eniResources,
                },
                {
                    Sid: "OnlyInPlatformVpc",
                    Effect: "Deny",
                    Action: ["ec2:CreateNetworkInterface"],
                    Resource: pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:subnet/*`,
                    Condition: { StringNotEquals: { "ec2:Vpc": pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:vpc/${args.vpcId}` } },
                },
                ...(tracing
                    ? [{ Sid: "Tracing", Effect: "Allow" as const, Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" }]
                    : []), // X-Ray writes support only "*".
            ];
            fnPolicies[fn] = [data, grant(this, name, "runtime", g, statements)];
        }

        // ---- functions (one archive, two handlers) -------------------------------------------------------------------
        const code = buildLambdaArchive(DISTRIBUTED_ENTRY);
        const vpcConfig = { subnetIds: args.subnetIds, securityGroupIds: args.securityGroupIds };
        const batchBytes = args.maxBatchBytes ?? 256 * 1024 * 1024;
        this.workerFunction = new aws.lambda.Function(
            `${name}-worker`,
            {
                name: workerName,
                description: `Distributed data-quality monitor: plans the hour and profiles capture batches (schedule ${args.scheduleName})`,
                role: args.roles.worker.arn,
                runtime: "nodejs20.x",
                handler: DISTRIBUTED_WORKER_HANDLER,
                code,
                memorySize: args.workerMemoryMb ?? 2048,
                timeout: workerTimeout,
                // objects are downloaded and profiled one at a time: /tmp holds the largest capture object only
                ephemeralStorage: { size: 2048 },
                vpcConfig,
                kmsKeyArn: args.kmsKeys.logs,
                environment: {
                    variables: {
                        [ENV.reportsKmsKeyId]: args.kmsKeys.monitoring,
                        [DISTRIBUTED_ENV.maxBatchBytes]: String(batchBytes),
                        [DISTRIBUTED_ENV.maxBatchObjects]: String(args.maxBatchObjects ?? 500),
                    },
                },
                tracingConfig: { mode: tracing ? "Active" : "PassThrough" },
                loggingConfig: { logFormat: "Text", logGroup: logGroups[workerName].name },
                tags,
            },
            { parent: this, dependsOn: [logGroups[workerName], ...fnPolicies[workerName]] },
        );
        this.reduceFunction = new aws.lambda.Function(
            `${name}-reduce`,
            {
                name: reduceName,
                description: `Distributed data-quality monitor: merges the partial profiles and writes the report (schedule ${args.scheduleName})`,
                role: args.roles.reduce.arn,
                runtime: "nodejs20.x",
                handler: DISTRIBUTED_REDUCE_HANDLER,
                code,
                memorySize: args.reduceMemoryMb ?? 3008,
                timeout: 900,
                ephemeralStorage: { size: 1024 },
                vpcConfig,
                kmsKeyArn: args.kmsKeys.logs,
                environment: { variables: { [ENV.reportsKmsKeyId]: args.kmsKeys.monitoring } },
                tracingConfig: { mode: tracing ? "Active" : "PassThrough" },
                loggingConfig: { logFormat: "Text", logGroup: logGroups[reduceName].name },
                // the policy pack's monitoring-coverage rule: this function produces the endpoint's monitoring reports
                tags: pulumi.output(args.endpointName).apply((ep) => ({ ...tags, [MONITOR_ENDPOINT_TAG]: ep })),
            },
            { parent: this, dependsOn: [logGroups[reduceName], ...fnPolicies[reduceName]] },
        );

        // ---- dead-letter queue (SQS, logs key, TLS only) -------------------------------------------------------------
        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            { name: `${p}-monitor-dlq`, kmsMasterKeyId: args.kmsKeys.logs, kmsDataKeyReusePeriodSeconds: 300, messageRetentionSeconds: 14 * 86400, tags },
            child,
        );
        new aws.sqs.QueuePolicy(
            `${name}-dlq-policy`,
            {
                queueUrl: this.deadLetterQueue.url,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyNonTls",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "sqs:*",
                            Resource: this.deadLetterQueue.arn,
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            child,
        );

        // ---- state machine -------------------------------------------------------------------------------------------
        // The role as AWS's "IAM policies for using Distributed Map states" describes it
        // (https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html): states:StartExecution on
        // the state machine itself for the child workflow executions, Describe/StopExecution on its executions, the
        // ItemReader's s3:GetObject (here: the manifest under partials/), and lambda:InvokeFunction for the tasks.
        // Logging to CloudWatch Logs needs the log-delivery actions on "*"
        // (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
        const smLogs = new aws.cloudwatch.LogGroup(
            `${name}-states-logs`,
            { name: `/aws/vendedlogs/states/${smName}`, kmsKeyId: args.kmsKeys.logs, retentionInDays: args.logRetentionDays, tags },
            child,
        );
        // The state machine's data is encrypted with the monitoring key ("Data at rest encryption in Step Functions",
        // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html). The execution role calls KMS
        // itself: Decrypt and GenerateDataKey with the encryption context aws:states:stateMachineArn = this state
        // machine (the document's execution-role policy; the Distributed Map's child executions are executions of this
        // same state machine, started and described by this role), and, because CloudWatch Logs integration is on,
        // GenerateDataKey with the context SourceArn = this account's logs (Step 3). No ViaService condition: the
        // document warns it can keep an execution role's executions from starting. The key policy's side, and CloudWatch
        // Logs' delivery service decrypting under the same SourceArn context, are in PlatformSecurity (security.ts).
        // The scheduler needs no key permission: StartExecution requires none of its caller (the document's table).
        const stateMachineKeyStatements: PolicyStatement[] = [
            {
                Sid: "ExecutionDataKey",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: args.kmsKeys.monitoring,
                Condition: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": smArn } },
            },
            {
                Sid: "LogDeliveryDataKey",
                Effect: "Allow",
                Action: "kms:GenerateDataKey",
                Resource: args.kmsKeys.monitoring,
                Condition: { StringEquals: { "kms:EncryptionContext:SourceArn": pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:*` } },
            },
        ];
        const statesPolicy = grant(this, name, "run", states, [
            {
                Sid: "InvokeMonitorFunctions",
                Effect: "Allow",
                Action: "lambda:InvokeFunction",
                Resource: [fnArn(workerName), pulumi.interpolate`${fnArn(workerName)}:*`, fnArn(reduceName), pulumi.interpolate`${fnArn(reduceName)}:*`],
            },
            { Sid: "StartDistributedMapChildren", Effect: "Allow", Action: "states:StartExecution", Resource: smArn },
            {
                Sid: "ManageChildExecutions",
                Effect: "Allow",
                Action: ["states:DescribeExecution", "states:StopExecution"],
                Resource: pulumi.interpolate`arn:${partition}:states:${region}:${accountId}:execution:${smName}/*`,
            },
            { Sid: "ReadManifest", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`${monitoringArn}/${partials}/*` },
            { Sid: "DecryptManifestViaS3", Effect: "Allow", Action: "kms:Decrypt", Resource: args.kmsKeys.monitoring, Condition: viaS3 },
            { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
            {
                Sid: "DeadLetterKeyViaSqs",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: args.kmsKeys.logs,
                Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`sqs.${region}.amazonaws.com` } },
            },
            ...stateMachineKeyStatements,
            {
                Sid: "VendedLogDelivery",
                Effect: "Allow",
                Action: [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                Resource: "*", // these log-delivery actions support only "*"
            },
            ...(tracing
                ? [
                      {
                          Sid: "Tracing",
                          Effect: "Allow" as const,
                          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
                          Resource: "*",
                      },
                  ]
                : []),
        ]);
        this.definition = pulumi.all([this.workerFunction.arn, this.reduceFunction.arn, this.deadLetterQueue.url]).apply(([workerArn, reduceArn, dlq]) =>
            JSON.stringify(
                distributedMonitorDefinition({
                    workerArn,
                    reduceArn,
                    deadLetterQueueUrl: dlq,
                    maxConcurrency: args.maxConcurrency ?? 8,
                    toleratedFailurePercentage: args.toleratedFailurePercentage ?? 5,
                    timeoutSeconds: Math.max(600, period - 300),
                }),
            ),
        );
        this.stateMachine = new aws.sfn.StateMachine(
            `${name}-states`,
            {
                name: smName,
                type: "STANDARD",
                roleArn: args.roles.stateMachine.arn,
                definition: this.definition,
                loggingConfiguration: { logDestination: pulumi.interpolate`${smLogs.arn}:*`, includeExecutionData: false, level: "ERROR" },
                tracingConfiguration: { enabled: tracing },
                // A customer-managed key instead of the AWS-owned one; data keys reused up to 5 minutes (the documented
                // default, 60..900 s) - https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html.
                encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: args.kmsKeys.monitoring, kmsDataKeyReusePeriodSeconds: 300 },
                tags,
            },
            { parent: this, dependsOn: [statesPolicy, smLogs] },
        );

        // ---- hourly schedule: EventBridge Scheduler, the previous hour of the scheduled time -------------------------
        const schedulerPolicy = grant(this, name, "start", scheduler, [
            { Sid: "StartMonitor", Effect: "Allow", Action: "states:StartExecution", Resource: smArn },
            { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
            {
                Sid: "DeadLetterKeyViaSqs",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: args.kmsKeys.logs,
                Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`sqs.${region}.amazonaws.com` } },
            },
        ]);
        this.scheduleInput = pulumi
            .all([args.endpointName, args.captureBucket.name, args.monitoringBucket.name, baselinePrefix])
            .apply(([endpointName, captureBucket, monitoringBucket, base]) =>
                JSON.stringify({
                    endpointName,
                    scheduleName: args.scheduleName,
                    captureBucket,
                    capturePrefix,
                    monitoringBucket,
                    baselinePrefix: base,
                    reportsPrefix,
                    // Scheduler's context attribute: the window is the hour before the scheduled time
                    // (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html)
                    time: "<aws.scheduler.scheduled-time>",
                }),
            );
        this.schedule = new aws.scheduler.Schedule(
            `${name}-schedule`,
            {
                name: `${smName}-hourly`,
                description: `Runs ${smName} for the previous hour (${scheduleExpression})`,
                scheduleExpression,
                scheduleExpressionTimezone: "UTC",
                flexibleTimeWindow: { mode: "OFF" },
                state: "ENABLED",
                target: {
                    arn: this.stateMachine.arn,
                    roleArn: args.roles.scheduler.arn,
                    input: this.scheduleInput,
                    retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: Math.min(86400, Math.max(60, period)) },
                    deadLetterConfig: { arn: this.deadLetterQueue.arn },
                },
            },
            { parent: this, dependsOn: [schedulerPolicy] },
        );

        // ---- alarms --------------------------------------------------------------------------------------------------
        const alarm = monitorAlarmFactory(name, smName, args.alarmTopicArn, tags, child);
        const smDims = { StateMachineArn: this.stateMachine.arn };
        const monDims = { Endpoint: args.endpointName, MonitoringSchedule: args.scheduleName };
        this.alarms = [
            alarm("failed", {
                alarmDescription: `${smName} executions failed, timed out or were aborted: the endpoint's data quality was not checked for an hour (see the dead-letter queue ${p}-monitor-dlq).`,
                namespace: "AWS/States",
                metricName: "ExecutionsFailed",
                dimensions: smDims,
                statistic: "Sum",
                period: 3600,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
            }),
            alarm("dead-letters", {
                alarmDescription: `Messages in ${p}-monitor-dlq: batches or runs of the distributed monitor failed after their retries (or the schedule could not start it).`,
                namespace: "AWS/SQS",
                metricName: "ApproximateNumberOfMessagesVisible",
                dimensions: { QueueName: this.deadLetterQueue.name },
                statistic: "Maximum",
                period: 300,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
            }),
            alarm("failed-batches", {
                alarmDescription: `${smName} reported failed batches: that hour's report is missing those batches' capture.`,
                namespace: SERVERLESS_MONITOR_NAMESPACE,
                metricName: FAILED_BATCHES_METRIC,
                dimensions: monDims,
                statistic: "Maximum",
                period: 3600,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
            }),
            ...monitorRunAlarms(smName, monDims, period).map(([suffix, a]) => alarm(suffix, a)),
        ];
        this.alarmNames = pulumi.all(this.alarms.map((a) => a.name));

        this.registerOutputs({
            endpointName: this.endpointName,
            scheduleName: this.scheduleName,
            stateMachineArn: this.stateMachine.arn,
            workerFunctionName: this.workerFunction.name,
            reduceFunctionName: this.reduceFunction.name,
            deadLetterQueueUrl: this.deadLetterQueue.url,
            scheduleArn: this.schedule.arn,
            alarmNames: this.alarmNames,
            reportsS3Uri: this.reportsS3Uri,
        });
    }
}
