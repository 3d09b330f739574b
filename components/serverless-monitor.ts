/**
 * ServerlessMonitor: the platform's own data-quality monitor for an endpoint, for accounts where SageMaker Model
 * Monitor is not available. A Lambda (lib/monitoring/lambda/handler.ts, packaged by ./lambda-bundle) runs the
 * Model-Monitor-compatible engine on an EventBridge schedule over the endpoint's captured traffic, writes the report
 * files next to where Model Monitor would, and publishes the service's metrics (`feature_baseline_drift_<f>` ...,
 * dimensions Endpoint + MonitoringSchedule = `scheduleName`) as EMF, so the drift alarms that
 * ModelMonitorSchedule (./monitor-schedule.ts) always creates work unchanged. This component adds no drift alarms.
 * What it creates per stack: docs/components.md.
 *
 * The policy pack's monitoring-coverage rule recognises it two ways: the component type
 * `mlplatform:monitoring:ServerlessMonitor` with registered output `endpointName`, and the Lambda tag
 * `mlplatform:monitor-endpoint` = endpoint name.
 *
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { LAMBDA_HANDLER, MONITOR_RUN_METRIC, NO_CAPTURE_DATA_METRIC, SERVERLESS_MONITOR_NAMESPACE, ENV } from "../lib/monitoring/lambda/metrics";
import { baselinePrefix as layoutBaselinePrefix, DATA_QUALITY_REPORTS_PREFIX } from "../contracts/s3-layout";
import { grant, Grantee, PolicyStatement } from "./grants";
import { MONITOR_ENDPOINT_TAG } from "../policies/lib/platform-tags";
import { buildLambdaArchive } from "./lambda-bundle";

/** Tag the policy pack's monitoring-coverage rule reads on Lambda functions (value: the monitored endpoint's name). */
export { MONITOR_ENDPOINT_TAG };
export const SERVERLESS_MONITOR_TYPE = COMPONENT_TYPES.ServerlessMonitor;
export const SERVERLESS_MONITOR_ENTRY = "lib/monitoring/lambda/handler.ts";

/** The resource types this component creates (tests; docs/components.md shows them per stack). */
export const SERVERLESS_MONITOR_RESOURCE_TYPES: readonly string[] = [
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:lambda/function:Function",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:lambda/permission:Permission",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
];

/**
 * AWS-published Lambda Insights extension layers (x86_64), extension version 1.0.229.0, from the CloudWatch user
 * guide's "Available versions of the Lambda Insights extension" table
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Lambda-Insights-extension-versions.html).
 * The layer number differs per region. For another region or a newer version pass `insightsLayerArn`.
 */
export const LAMBDA_INSIGHTS_VERSION = "1.0.229.0";
export const LAMBDA_INSIGHTS_LAYERS_X86_64: Readonly<Record<string, string>> = {
    "us-east-1": "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38",
    "us-east-2": "arn:aws:lambda:us-east-2:580247275435:layer:LambdaInsightsExtension:38",
    "us-west-1": "arn:aws:lambda:us-west-1:580247275435:layer:LambdaInsightsExtension:38",
    "us-west-2": "arn:aws:lambda:us-west-2:580247275435:layer:LambdaInsightsExtension:38",
    "ca-central-1": "arn:aws:lambda:ca-central-1:580247275435:layer:LambdaInsightsExtension:37",
    "sa-east-1": "arn:aws:lambda:sa-east-1:580247275435:layer:LambdaInsightsExtension:37",
    "eu-central-1": "arn:aws:lambda:eu-central-1:580247275435:layer:LambdaInsightsExtension:38",
    "eu-west-1": "arn:aws:lambda:eu-west-1:580247275435:layer:LambdaInsightsExtension:38",
    "eu-west-2": "arn:aws:lambda:eu-west-2:580247275435:layer:LambdaInsightsExtension:38",
    "eu-west-3": "arn:aws:lambda:eu-west-3:580247275435:layer:LambdaInsightsExtension:37",
    "eu-north-1": "arn:aws:lambda:eu-north-1:580247275435:layer:LambdaInsightsExtension:35",
    "ap-south-1": "arn:aws:lambda:ap-south-1:580247275435:layer:LambdaInsightsExtension:36",
    "ap-northeast-1": "arn:aws:lambda:ap-northeast-1:580247275435:layer:LambdaInsightsExtension:60",
    "ap-northeast-2": "arn:aws:lambda:ap-northeast-2:580247275435:layer:LambdaInsightsExtension:37",
    "ap-southeast-1": "arn:aws:lambda:ap-southeast-1:580247275435:layer:LambdaInsightsExtension:38",
    "ap-southeast-2": "arn:aws:lambda:ap-southeast-2:580247275435:layer:LambdaInsightsExtension:38",
};

export interface ServerlessMonitorArgs {
    /** Resource name prefix (config `namePrefix`). */
    namePrefix: string;
    /** AWS region of the stack (selects the Lambda Insights layer; must match the provider's region). */
    region: string;
    /** The monitored endpoint; pass the endpoint's Output so the monitor depends on it. */
    endpointName: pulumi.Input<string>;
    /** Metric dimension `MonitoringSchedule` (the drift alarms' dimension) and report folder, e.g. `<prefix>-data-quality`. */
    scheduleName: string;
    /** Where the endpoint captures: `s3://<name>/<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/`. */
    captureBucket: { name: pulumi.Input<string>; prefix: string };
    /**
     * Baselines and reports. The baseline prefix defaults to the platform's one layout (contracts/s3-layout.ts:
     * `baselines/<endpoint>`, where the `monitor` step uploads it); reports default to `reports/data-quality`.
     */
    monitoringBucket: { name: pulumi.Input<string>; baselinePrefix?: string; reportsPrefix?: string };
    kmsKeys: {
        /** Key of the capture bucket (decrypt only). */
        capture: pulumi.Input<string>;
        /** Default key of the monitoring bucket: decrypts the baseline, encrypts the reports (named in SSEKMSKeyId). */
        monitoring: pulumi.Input<string>;
        /** Logs key: the function's log group and its environment variables. */
        logs: pulumi.Input<string>;
    };
    /** VPC of the subnets (ENIs are denied anywhere else). */
    vpcId: pulumi.Input<string>;
    /** Isolated subnets: S3 via the stack's S3 gateway endpoint, CloudWatch Logs/monitoring via interface endpoints. */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /** EventBridge schedule, `rate(...)` or `cron(...)` (config `monitoring.serverlessScheduleExpression`). */
    scheduleExpression: string;
    /**
     * Seconds between runs, for the "monitor did not run" alarm. Derived from a `rate()` expression; required for
     * `cron()` (default 3600).
     */
    schedulePeriodSeconds?: number;
    /** Analyse the last N minutes instead of the last full hour; default: the schedule period when it is over an hour. */
    lookbackMinutes?: number;
    alarmTopicArn: pulumi.Input<string>;
    /** Log retention (config `logs.retentionDays`). */
    logRetentionDays: number;
    /** Default 2048 (1024..10240). */
    memoryMb?: number;
    /** Default 900 (60..900). */
    timeoutSeconds?: number;
    /** /tmp size for the capture download, default 2048 MB (512..10240). */
    ephemeralStorageMb?: number;
    /** Default x86_64. */
    architecture?: "x86_64" | "arm64";
    /**
     * Reserved concurrency (e.g. 1: never two runs at once, and the monitor always has capacity). Default none:
     * reserving needs an account concurrency quota above 10 (new accounts have 10, all of which must stay unreserved).
     */
    reservedConcurrency?: number;
    /** Lambda Insights layer; default the AWS-published x86_64 layer of `region` (LAMBDA_INSIGHTS_LAYERS_X86_64). */
    insightsLayerArn?: string;
    /**
     * The execution role, created by PlatformSecurity (`serverlessMonitor: true`) so that the platform's key policies
     * can name it and it carries the platform's permissions boundary. Without it the component creates its own role
     * (then the keys' policies must allow it some other way).
     */
    role?: aws.iam.Role;
    /**
     * Permissions boundary for the role the component creates when `role` is absent (none by default). PlatformSecurity's boundary does not allow
     * xray:PutTraceSegments/PutTelemetryRecords or ec2:Assign/UnassignPrivateIpAddresses; a boundary passed here must.
     */
    permissionsBoundaryArn?: pulumi.Input<string>;
    tags?: Record<string, string>;
}

const VALID_RETENTION = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Seconds between runs of a `rate(N unit)` expression; undefined for cron(). */
export function ratePeriodSeconds(expr: string): number | undefined {
    const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
    if (!m) return undefined;
    const unit = m[2].startsWith("minute") ? 60 : m[2].startsWith("hour") ? 3600 : 86400;
    return Number(m[1]) * unit;
}

export function insightsLayerArn(region: string, architecture: "x86_64" | "arm64", override?: string): string {
    if (override) {
        if (!/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:LambdaInsightsExtension(-Arm64)?:\d+$/.test(override)) {
            throw new Error(
                `ServerlessMonitor: insightsLayerArn ${JSON.stringify(override)} is not a LambdaInsightsExtension layer version ARN (arn:aws:lambda:<region>:<account>:layer:LambdaInsightsExtension[-Arm64]:<n>)`,
            );
        }
        if (override.split(":")[3] !== region)
            throw new Error(
                `ServerlessMonitor: insightsLayerArn is in region ${override.split(":")[3]}, the function in ${region}; Lambda layers must be in the function's region`,
            );
        if (override.includes("-Arm64:") !== (architecture === "arm64"))
            throw new Error(`ServerlessMonitor: insightsLayerArn ${override} does not match architecture ${architecture}`);
        return override;
    }
    if (architecture !== "x86_64") {
        throw new Error(
            `ServerlessMonitor: no built-in Lambda Insights layer for ${architecture}; pass insightsLayerArn (LambdaInsightsExtension-Arm64 for ${region}, see the CloudWatch "Lambda Insights extension versions" page) or use x86_64`,
        );
    }
    const arn = LAMBDA_INSIGHTS_LAYERS_X86_64[region];
    if (!arn) {
        throw new Error(
            `ServerlessMonitor: no built-in Lambda Insights layer for region ${region}; pass insightsLayerArn (see the CloudWatch "Lambda Insights extension versions" page) — known regions: ${Object.keys(LAMBDA_INSIGHTS_LAYERS_X86_64).join(", ")}`,
        );
    }
    return arn;
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, "");

function validate(args: ServerlessMonitorArgs, period: number): void {
    const p: string[] = [];
    if (!/^[a-z0-9-]{3,30}$/.test(args.namePrefix)) p.push(`namePrefix ${JSON.stringify(args.namePrefix)} must be 3-30 lowercase letters, digits or hyphens`);
    if (!args.scheduleName || /[\s/]/.test(args.scheduleName))
        p.push(`scheduleName ${JSON.stringify(args.scheduleName)} must be non-empty, without spaces or "/"`);
    if (!/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/.test(args.scheduleExpression))
        p.push(`scheduleExpression ${JSON.stringify(args.scheduleExpression)} must be rate(N unit) or cron(...)`);
    if (!Number.isInteger(period) || period < 60 || period % 60 !== 0 || period > 86400)
        p.push(`schedule period ${period}s must be a whole number of minutes between 60 and 86400 (alarm periods)`);
    const mem = args.memoryMb ?? 2048;
    if (!Number.isInteger(mem) || mem < 1024 || mem > 10240) p.push(`memoryMb ${mem} must be 1024..10240`);
    const to = args.timeoutSeconds ?? 900;
    if (!Number.isInteger(to) || to < 60 || to > 900) p.push(`timeoutSeconds ${to} must be 60..900 (the Lambda maximum)`);
    const eph = args.ephemeralStorageMb ?? 2048;
    if (!Number.isInteger(eph) || eph < 512 || eph > 10240) p.push(`ephemeralStorageMb ${eph} must be 512..10240`);
    if (!VALID_RETENTION.includes(args.logRetentionDays))
        p.push(`logRetentionDays ${args.logRetentionDays} must be one of CloudWatch's values (${VALID_RETENTION.join(", ")})`);
    if (
        args.reservedConcurrency !== undefined &&
        (!Number.isInteger(args.reservedConcurrency) || args.reservedConcurrency < 1 || args.reservedConcurrency > 1000)
    )
        p.push(`reservedConcurrency ${args.reservedConcurrency} must be 1..1000`);
    if (args.lookbackMinutes !== undefined && (!Number.isInteger(args.lookbackMinutes) || args.lookbackMinutes < 1 || args.lookbackMinutes > 10080))
        p.push(`lookbackMinutes ${args.lookbackMinutes} must be 1..10080`);
    if (/[*?]/.test(args.captureBucket.prefix)) p.push(`captureBucket.prefix ${JSON.stringify(args.captureBucket.prefix)} must not contain wildcards`);
    for (const [k, v] of [
        ["baselinePrefix", args.monitoringBucket.baselinePrefix],
        ["reportsPrefix", args.monitoringBucket.reportsPrefix],
    ] as const) {
        if (v !== undefined && (trimSlashes(v) === "" || /[*?]/.test(v)))
            p.push(`monitoringBucket.${k} ${JSON.stringify(v)} must be a non-empty prefix without wildcards`);
    }
    if (p.length) throw new Error(`ServerlessMonitor: ${p.join("; ")}`);
}

/**
 * Read one endpoint's capture and nothing else (both forms of the monitor): list only under its capture path, get only
 * the objects below it, decrypt with the capture key only through S3 (`kms:ViaService`).
 */
export function captureReadStatements(
    captureBucketArn: pulumi.Input<string>,
    capturePath: pulumi.Input<string>,
    captureKeyArn: pulumi.Input<string>,
    viaS3: PolicyStatement["Condition"],
): PolicyStatement[] {
    return [
        {
            Sid: "ListCaptureOfEndpoint",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: captureBucketArn,
            Condition: { StringLike: { "s3:prefix": pulumi.interpolate`${capturePath}*` } },
        },
        {
            Sid: "ReadCaptureOfEndpoint",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: pulumi.interpolate`${captureBucketArn}/${capturePath}*`,
        },
        { Sid: "DecryptCapture", Effect: "Allow", Action: "kms:Decrypt", Resource: captureKeyArn, Condition: viaS3 },
    ];
}

/** Alarm args without what every monitor alarm shares (name, actions, tags). */
export type MonitorAlarmArgs = Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "alarmActions" | "okActions" | "tags">;

/** A factory of the monitor's alarms: named `<alarmPrefix>-<suffix>`, notifying the alerts topic on alarm and on OK. */
export function monitorAlarmFactory(
    resourcePrefix: string,
    alarmPrefix: string,
    topicArn: pulumi.Input<string>,
    tags: pulumi.Input<Record<string, pulumi.Input<string>>>,
    opts: pulumi.CustomResourceOptions,
): (suffix: string, a: MonitorAlarmArgs) => aws.cloudwatch.MetricAlarm {
    return (suffix, a) =>
        new aws.cloudwatch.MetricAlarm(
            `${resourcePrefix}-${suffix}`,
            { ...a, name: `${alarmPrefix}-${suffix}`, alarmActions: [topicArn], okActions: [topicArn], tags },
            opts,
        );
}

/**
 * The two run alarms of every form of the platform's monitor (this single Lambda and the Step Functions one,
 * components/distributed-monitor.ts), on the run metrics both publish (lib/monitoring/lambda/metrics): the monitor
 * published no run for 2 schedule periods, or it found no captured traffic for 2 periods.
 */
export function monitorRunAlarms(who: string, dimensions: Record<string, pulumi.Input<string>>, period: number): [string, MonitorAlarmArgs][] {
    return [
        [
            "not-running",
            {
                alarmDescription: `${who} published no ${MONITOR_RUN_METRIC} metric for 2 schedule periods: the monitor is not running (schedule, permissions, or failures).`,
                namespace: SERVERLESS_MONITOR_NAMESPACE,
                metricName: MONITOR_RUN_METRIC,
                dimensions,
                statistic: "SampleCount",
                period,
                evaluationPeriods: 2,
                comparisonOperator: "LessThanThreshold",
                threshold: 1,
                treatMissingData: "breaching",
            },
        ],
        [
            "no-capture-data",
            {
                alarmDescription: `${who} found no captured traffic for 2 schedule periods: the endpoint has no traffic or data capture stopped.`,
                namespace: SERVERLESS_MONITOR_NAMESPACE,
                metricName: NO_CAPTURE_DATA_METRIC,
                dimensions,
                statistic: "Minimum",
                period,
                evaluationPeriods: 2,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 1,
                treatMissingData: "notBreaching",
            },
        ],
    ];
}

export class ServerlessMonitor extends pulumi.ComponentResource {
    public readonly endpointName: pulumi.Output<string>;
    public readonly scheduleName: string;
    public readonly functionName: pulumi.Output<string>;
    public readonly functionArn: pulumi.Output<string>;
    public readonly role: aws.iam.Role;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly function: aws.lambda.Function;
    public readonly rule: aws.cloudwatch.EventRule;
    public readonly alarms: aws.cloudwatch.MetricAlarm[];
    public readonly alarmNames: pulumi.Output<string[]>;
    /** The EventBridge input (the handler's event). */
    public readonly scheduleInput: pulumi.Output<string>;
    public readonly reportsS3Uri: pulumi.Output<string>;
    /** The function's code archive (lib/monitoring/lambda/handler.ts and its local imports, transpiled). */
    public readonly code: pulumi.asset.AssetArchive;

    constructor(name: string, args: ServerlessMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.ServerlessMonitor, name, {}, withPreviousTypes("ServerlessMonitor", opts));
        const period = ratePeriodSeconds(args.scheduleExpression) ?? args.schedulePeriodSeconds ?? 3600;
        validate(args, period);
        const arch = args.architecture ?? "x86_64";
        const layer = insightsLayerArn(args.region, arch, args.insightsLayerArn);
        const timeout = args.timeoutSeconds ?? 900;
        const child: pulumi.CustomResourceOptions = { parent: this };
        const tags = args.tags ?? {};

        this.endpointName = pulumi.output(args.endpointName);
        this.scheduleName = args.scheduleName;
        const fnName = `${args.namePrefix}-serverless-monitor`;
        const capturePrefix = trimSlashes(args.captureBucket.prefix);
        const baselinePrefix: pulumi.Output<string> = args.monitoringBucket.baselinePrefix
            ? pulumi.output(trimSlashes(args.monitoringBucket.baselinePrefix))
            : pulumi.output(args.endpointName).apply(layoutBaselinePrefix);
        const reportsPrefix = trimSlashes(args.monitoringBucket.reportsPrefix ?? DATA_QUALITY_REPORTS_PREFIX);
        const lookback = args.lookbackMinutes ?? (period > 3600 ? period / 60 : undefined);

        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const region = args.region;
        const s3Arn = (bucket: pulumi.Input<string>) => pulumi.interpolate`arn:${partition}:s3:::${bucket}`;
        const viaS3 = { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } };

        // ---- role ----------------------------------------------------------------------------------------------
        this.role =
            args.role ??
            new aws.iam.Role(
                `${name}-role`,
                {
                    name: fnName,
                    description: `${args.namePrefix} serverless data-quality monitor (Lambda ${fnName})`,
                    assumeRolePolicy: accountId.apply((acct) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    Effect: "Allow",
                                    Principal: { Service: "lambda.amazonaws.com" },
                                    Action: "sts:AssumeRole",
                                    Condition: { StringEquals: { "aws:SourceAccount": acct } },
                                },
                            ],
                        }),
                    ),
                    maxSessionDuration: 3600,
                    forceDetachPolicies: true,
                    permissionsBoundary: args.permissionsBoundaryArn,
                    tags,
                },
                child,
            );
        const grantee: Grantee = { activity: "monitor", role: this.role };

        // Least privilege, one role policy per concern (grants.ts `grant`):
        //   capture-read   list/get only `<capturePrefix>/<endpoint>/` of the capture bucket; decrypt with its key via S3
        //   baseline-read  list/get only `<baselinePrefix>/` (default `baselines/<endpoint>`, contracts/s3-layout.ts) of
        //                  the monitoring bucket; decrypt via S3
        //   reports-write  put only under `<reportsPrefix>/<endpoint>/<schedule>/`; GenerateDataKey/Decrypt via S3
        //   logs           write only to its own log group; decrypt its environment (logs key, this function only)
        //   vpc            ENIs only in the given subnets / security groups / VPC (as PlatformSecurity.grantVpcAccess)
        //   insights       CloudWatchLambdaInsightsExecutionRolePolicy, scoped to /aws/lambda-insights of this account/region
        //   xray           PutTraceSegments / PutTelemetryRecords (X-Ray supports only Resource "*")
        const capturePath = pulumi.interpolate`${capturePrefix ? `${capturePrefix}/` : ""}${args.endpointName}/`;
        grant(this, name, "capture-read", grantee, captureReadStatements(s3Arn(args.captureBucket.name), capturePath, args.kmsKeys.capture, viaS3));
        grant(this, name, "baseline-read", grantee, [
            {
                Sid: "ListBaseline",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: s3Arn(args.monitoringBucket.name),
                Condition: { StringLike: { "s3:prefix": baselinePrefix.apply((b) => [`${b}/*`]) } },
            },
            {
                Sid: "ReadBaseline",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: pulumi.interpolate`${s3Arn(args.monitoringBucket.name)}/${baselinePrefix}/*`,
            },
            { Sid: "DecryptBaseline", Effect: "Allow", Action: "kms:Decrypt", Resource: args.kmsKeys.monitoring, Condition: viaS3 },
        ]);
        const reportsPath = pulumi.interpolate`${reportsPrefix}/${args.endpointName}/${args.scheduleName}/`;
        this.reportsS3Uri = pulumi.interpolate`s3://${args.monitoringBucket.name}/${reportsPath}`;
        grant(this, name, "reports-write", grantee, [
            {
                Sid: "WriteReports",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                Resource: pulumi.interpolate`${s3Arn(args.monitoringBucket.name)}/${reportsPath}*`,
            },
            // SSE-KMS PutObject: a data key from the bucket's key (Decrypt for multipart uploads).
            { Sid: "EncryptReports", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: args.kmsKeys.monitoring, Condition: viaS3 },
        ]);

        // ---- network (ENIs only in the given subnets / security groups / VPC) -----------------------------------
        const ec2 = (res: pulumi.Input<string>) => pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:${res}`;
        const eniResources = pulumi
            .all([pulumi.output(args.subnetIds), pulumi.output(args.securityGroupIds), partition, accountId])
            .apply(([subnets, sgs, part, acct]) =>
                [...subnets.map((s) => `subnet/${s}`), ...sgs.map((g) => `security-group/${g}`), "network-interface/*"].map(
                    (r) => `arn:${part}:ec2:${region}:${acct}:${r}`,
                ),
            );
        const vpcPolicy = grant(this, name, "vpc", grantee, [
            {
                Sid: "DescribeNetwork",
                Effect: "Allow",
                Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"],
                Resource: "*", // EC2 Describe* actions do not support resource-level permissions.
            },
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
                Resource: ec2("subnet/*"),
                Condition: { StringNotEquals: { "ec2:Vpc": ec2(pulumi.interpolate`vpc/${args.vpcId}`) } },
            },
        ]);

        // ---- logs ----------------------------------------------------------------------------------------------
        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { name: `/aws/lambda/${fnName}`, kmsKeyId: args.kmsKeys.logs, retentionInDays: args.logRetentionDays, tags },
            child,
        );
        const functionArn = pulumi.interpolate`arn:${partition}:lambda:${region}:${accountId}:function:${fnName}`;
        const logsPolicy = grant(this, name, "logs", grantee, [
            {
                Sid: "OwnLogGroupOnly",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: pulumi.interpolate`${this.logGroup.arn}:log-stream:*`,
            },
            {
                Sid: "DecryptOwnEnvironment",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: args.kmsKeys.logs,
                Condition: { StringEquals: { "kms:EncryptionContext:aws:lambda:FunctionArn": functionArn } },
            },
        ]);
        // CloudWatchLambdaInsightsExecutionRolePolicy, scoped: the extension writes to /aws/lambda-insights only.
        const insightsGroup = pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:/aws/lambda-insights`;
        const insightsPolicy = grant(this, name, "insights", grantee, [
            { Sid: "InsightsLogGroup", Effect: "Allow", Action: "logs:CreateLogGroup", Resource: insightsGroup },
            {
                Sid: "InsightsLogStreams",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: pulumi.interpolate`${insightsGroup}:log-stream:*`,
            },
        ]);
        const xrayPolicy = grant(this, name, "xray", grantee, [
            { Sid: "Tracing", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" }, // X-Ray writes support only "*".
        ] as PolicyStatement[]);

        // ---- function --------------------------------------------------------------------------------------------
        this.code = buildLambdaArchive(SERVERLESS_MONITOR_ENTRY);
        const fnTags = pulumi.output(args.endpointName).apply((ep) => ({ ...tags, [MONITOR_ENDPOINT_TAG]: ep }));
        this.function = new aws.lambda.Function(
            `${name}-fn`,
            {
                name: fnName,
                description: `Data-quality monitor of endpoint traffic (lib/monitoring), schedule ${args.scheduleName}`,
                role: this.role.arn,
                runtime: "nodejs20.x",
                architectures: [arch],
                handler: LAMBDA_HANDLER,
                code: this.code,
                memorySize: args.memoryMb ?? 2048,
                timeout,
                ephemeralStorage: { size: args.ephemeralStorageMb ?? 2048 },
                // Unreserved by default: a new account's concurrency quota is 10 and Lambda keeps 10 unreserved, so any
                // reservation fails there (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
                reservedConcurrentExecutions: args.reservedConcurrency,
                vpcConfig: { subnetIds: args.subnetIds, securityGroupIds: args.securityGroupIds },
                kmsKeyArn: args.kmsKeys.logs,
                environment: {
                    variables: {
                        [ENV.reportsKmsKeyId]: args.kmsKeys.monitoring,
                        // keep one GiB of headroom in /tmp for the report and the runtime
                        [ENV.maxCaptureBytes]: String(Math.max(256, (args.ephemeralStorageMb ?? 2048) - 512) * 1024 * 1024),
                    },
                },
                tracingConfig: { mode: "Active" },
                layers: [layer],
                loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
                tags: fnTags,
            },
            // The role must be able to create ENIs and write logs before Lambda validates and first runs the function.
            { parent: this, dependsOn: [this.logGroup, vpcPolicy, logsPolicy, insightsPolicy, xrayPolicy] },
        );
        this.functionName = this.function.name;
        this.functionArn = this.function.arn;

        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-async`,
            // A failed run is retried once (transient S3/KMS errors); older events are dropped: the next run comes.
            { functionName: this.function.name, maximumRetryAttempts: 1, maximumEventAgeInSeconds: Math.min(21600, Math.max(60, period)) },
            child,
        );

        // ---- schedule ----------------------------------------------------------------------------------------------
        this.scheduleInput = pulumi
            .all([args.endpointName, args.captureBucket.name, args.monitoringBucket.name, baselinePrefix])
            .apply(([endpointName, captureBucket, monitoringBucket, baselinePrefix]) =>
                JSON.stringify({
                    endpointName,
                    scheduleName: args.scheduleName,
                    captureBucket,
                    capturePrefix,
                    monitoringBucket,
                    baselinePrefix,
                    reportsPrefix,
                    ...(lookback !== undefined ? { lookbackMinutes: lookback } : {}),
                }),
            );
        this.rule = new aws.cloudwatch.EventRule(
            `${name}-schedule`,
            {
                name: `${fnName}-schedule`,
                description: `Runs ${fnName} (${args.scheduleExpression})`,
                scheduleExpression: args.scheduleExpression,
                state: "ENABLED",
                tags,
            },
            child,
        );
        const permission = new aws.lambda.Permission(
            `${name}-invoke`,
            {
                action: "lambda:InvokeFunction",
                function: this.function.name,
                principal: "events.amazonaws.com",
                sourceArn: this.rule.arn,
                sourceAccount: accountId,
            },
            child,
        );
        new aws.cloudwatch.EventTarget(
            `${name}-target`,
            {
                rule: this.rule.name,
                targetId: "serverless-monitor",
                arn: this.function.arn,
                input: this.scheduleInput,
                retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: Math.min(86400, Math.max(60, period)) },
            },
            { parent: this, dependsOn: [permission] },
        );

        // ---- alarms (the drift alarms live in ModelMonitorSchedule) ------------------------------------------------
        const alarm = monitorAlarmFactory(name, fnName, args.alarmTopicArn, tags, child);
        const fnDims = { FunctionName: this.function.name };
        const monDims = { Endpoint: args.endpointName, MonitoringSchedule: args.scheduleName };
        const fastPeriod = Math.min(period, 3600);
        this.alarms = [
            alarm("errors", {
                alarmDescription: `${fnName} failed (see its log group ${this.logGroupNameOf(fnName)}): the endpoint's data quality was not checked.`,
                namespace: "AWS/Lambda",
                metricName: "Errors",
                dimensions: fnDims,
                statistic: "Sum",
                period: fastPeriod,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
            }),
            alarm("duration", {
                alarmDescription: `${fnName} ran longer than 80% of its ${timeout}s timeout: raise the memory or lower the lookback before runs time out.`,
                namespace: "AWS/Lambda",
                metricName: "Duration",
                dimensions: fnDims,
                statistic: "Maximum",
                period: fastPeriod,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold",
                threshold: Math.round(timeout * 1000 * 0.8),
                treatMissingData: "notBreaching",
            }),
            ...monitorRunAlarms(fnName, monDims, period).map(([suffix, a]) => alarm(suffix, a)),
        ];
        this.alarmNames = pulumi.all(this.alarms.map((a) => a.name));

        this.registerOutputs({
            endpointName: this.endpointName,
            scheduleName: this.scheduleName,
            functionName: this.functionName,
            functionArn: this.functionArn,
            roleArn: this.role.arn,
            logGroupName: this.logGroup.name,
            ruleName: this.rule.name,
            alarmNames: this.alarmNames,
            reportsS3Uri: this.reportsS3Uri,
        });
    }

    private logGroupNameOf(fn: string): string {
        return `/aws/lambda/${fn}`;
    }
}
