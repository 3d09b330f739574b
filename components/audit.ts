/**
 * AuditTrail: a multi-region CloudTrail trail (log-file validation, KMS, S3 + CloudWatch Logs delivery, data events
 * for SageMaker endpoint invocations and Feature Store records) and EventBridge rules that alert on security-relevant
 * API calls and route drift / model-quality alarms to retraining.
 * What it creates per stack: docs/components.md.
 *
 * The KMS key (`kmsKeyArn`) must let cloudtrail.amazonaws.com generate data keys for this trail and
 * logs.<region>.amazonaws.com use it for the log group (the full list is in components/alerts.ts).
 *
 * The audit bucket and its bucket policy (allowing cloudtrail.amazonaws.com to write under the prefix, conditioned on
 * this trail's ARN) are owned by the data lake; pass that policy in `trailDependsOn` so the trail is created after it.
 *
 * IAM is a global service: its CloudTrail events reach EventBridge in us-east-1 only. When the stack runs in another
 * region, pass a us-east-1 provider as `usEast1Provider`: a forwarding rule there sends the matching IAM events to this
 * region's default event bus, where the alerting rule (same pattern) picks them up. Do not pass it when the stack runs in
 * us-east-1 (the rule would forward to its own bus).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { policyDocument } from "./grants";

/** The resource types this component can create (tests; docs/components.md shows them per stack). */
export const AUDIT_RESOURCE_TYPES: readonly string[] = [
    "aws:cloudtrail/trail:Trail",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
];

export interface AuditTrailArgs {
    /** Resource name prefix (config `namePrefix`). The trail is `<namePrefix>-trail`. */
    namePrefix: string;
    /** Create the trail (config `audit.useExistingTrail` = false). The EventBridge rules are created either way. */
    createTrail?: boolean;
    /** Audit bucket name (data lake). */
    auditBucketName: pulumi.Input<string>;
    /** Key prefix in the audit bucket; default CLOUDTRAIL_S3_KEY_PREFIX ("cloudtrail"), which DataLake's audit bucket policy admits. */
    s3KeyPrefix?: string;
    /** KMS key for trail log files and the trail's log group. */
    kmsKeyArn: pulumi.Input<string>;
    /** Retention (days) of the trail's CloudWatch log group (config `logs.retentionDays`). */
    logRetentionDays: number;
    /** Alerts topic ARN. */
    alarmTopicArn: pulumi.Input<string>;
    /** Names of the platform's IAM roles: policy changes on them raise an alert. */
    platformRoleNames: pulumi.Input<string>[];
    /** ARNs of the platform's KMS keys: disabling or scheduling their deletion raises an alert. */
    platformKeyArns: pulumi.Input<string>[];
    /** Alarm → retraining routing. */
    retraining: {
        /** Alarm name prefixes that start retraining (e.g. ModelMonitorSchedule `driftAlarmNamePrefix`). */
        alarmNamePrefixes: string[];
        /** SageMaker pipeline ARN (config `audit.retrainingPipelineArn`); the alerts topic when absent. */
        pipelineArn?: pulumi.Input<string>;
        /** Pipeline parameters passed to the execution. */
        pipelineParameters?: Record<string, pulumi.Input<string>>;
    };
    /** Break-glass role ARNs (config `security.breakGlassRoleArns`): every AssumeRole of them raises an alert. */
    breakGlassRoleArns?: pulumi.Input<string>[];
    /** Resources the trail must wait for (the audit bucket policy). */
    trailDependsOn?: pulumi.Input<pulumi.Resource>[];
    /** A provider for us-east-1, needed when the stack region is not us-east-1 (IAM events). */
    usEast1Provider?: aws.Provider;
    tags?: Record<string, string>;
}

const API_CALL = "AWS API Call via CloudTrail";

/**
 * Key prefix of the trail's log files in the audit bucket. The audit bucket's policy (components/datalake.ts) must
 * admit CloudTrail under `<prefix>/AWSLogs/<account>/*`, so both read this one constant.
 */
export const CLOUDTRAIL_S3_KEY_PREFIX = "cloudtrail";

/** SageMaker calls that create compute outside the VPC. */
export function noVpcJobPattern(): Record<string, unknown> {
    return {
        source: ["aws.sagemaker"],
        "detail-type": [API_CALL],
        detail: {
            eventSource: ["sagemaker.amazonaws.com"],
            $or: [
                { eventName: ["CreateTrainingJob"], requestParameters: { vpcConfig: [{ exists: false }] } },
                { eventName: ["CreateProcessingJob"], requestParameters: { networkConfig: { vpcConfig: [{ exists: false }] } } },
                // CreateTransformJob has no VPC parameter: a transform job (like an endpoint) runs in the network of
                // its model, so a model created without vpcConfig is what puts transform jobs outside the VPC.
                { eventName: ["CreateModel"], requestParameters: { vpcConfig: [{ exists: false }] } },
            ],
        },
    };
}

export const ROLE_POLICY_EVENTS = ["PutRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "DeleteRolePolicy", "UpdateAssumeRolePolicy"];

export function rolePolicyChangePattern(roleNames: string[]): Record<string, unknown> {
    return {
        source: ["aws.iam"],
        "detail-type": [API_CALL],
        detail: { eventSource: ["iam.amazonaws.com"], eventName: ROLE_POLICY_EVENTS, requestParameters: { roleName: roleNames } },
    };
}

export const KEY_EVENTS = ["DisableKey", "ScheduleKeyDeletion"];

/** The caller may name a key by ARN or by key id; CloudTrail records the ARN in `resources` either way. */
export function keyTamperingPattern(keyArns: string[]): Record<string, unknown> {
    const ids = keyArns.map((a) => a.split("/").pop()!);
    return {
        source: ["aws.kms"],
        "detail-type": [API_CALL],
        detail: {
            eventSource: ["kms.amazonaws.com"],
            eventName: KEY_EVENTS,
            $or: [{ requestParameters: { keyId: [...keyArns, ...ids] } }, { resources: { ARN: keyArns } }],
        },
    };
}

/** An STS AssumeRole of one of the break-glass roles (CloudTrail management event, delivered to EventBridge). */
export function breakGlassPattern(roleArns: string[]): Record<string, unknown> {
    return {
        source: ["aws.sts"],
        "detail-type": [API_CALL],
        detail: { eventSource: ["sts.amazonaws.com"], eventName: ["AssumeRole"], requestParameters: { roleArn: roleArns } },
    };
}

export function alarmToRetrainingPattern(prefixes: string[]): Record<string, unknown> {
    return {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        detail: { alarmName: prefixes.map((prefix) => ({ prefix })), state: { value: ["ALARM"] } },
    };
}

const trustPolicy = (service: string, account: pulumi.Input<string>, sourceArn: pulumi.Input<string>) =>
    pulumi.all([account, sourceArn]).apply(([a, s]) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: service },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": a, "aws:SourceArn": s } },
                },
            ],
        }),
    );

export class AuditTrail extends pulumi.ComponentResource {
    public readonly trail?: aws.cloudtrail.Trail;
    public readonly trailArn: pulumi.Output<string | undefined>;
    public readonly trailName?: string;
    public readonly logGroup?: aws.cloudwatch.LogGroup;
    public readonly cloudTrailRole?: aws.iam.Role;
    public readonly rules: Record<"noVpcJobs" | "rolePolicyChanges" | "keyTampering" | "retraining", aws.cloudwatch.EventRule>;
    public readonly ruleNames: pulumi.Output<Record<string, string>>;
    /** "pipeline" when alarms start the retraining pipeline, "sns" when they only notify. */
    public readonly retrainingTarget: "pipeline" | "sns";
    public readonly retrainingRole?: aws.iam.Role;
    public readonly iamForwarder?: aws.cloudwatch.EventRule;
    /** Alerts on every use of a break-glass role (only when `breakGlassRoleArns` is non-empty). */
    public readonly breakGlassRule?: aws.cloudwatch.EventRule;

    constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.AuditTrail, name, {}, withPreviousTypes("AuditTrail", opts));
        if (args.retraining.alarmNamePrefixes.length === 0 || args.retraining.alarmNamePrefixes.some((p) => p.length === 0)) {
            throw new Error("AuditTrail: retraining.alarmNamePrefixes needs at least one non-empty prefix");
        }
        if (args.platformRoleNames.length === 0) throw new Error("AuditTrail: platformRoleNames is empty");
        if (args.platformKeyArns.length === 0) throw new Error("AuditTrail: platformKeyArns is empty");

        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const region = aws.getRegionOutput({}, { parent: this }).region;

        // ---- trail ----
        if (args.createTrail ?? true) {
            const trailName = `${args.namePrefix}-trail`;
            this.trailName = trailName;
            const trailArn = pulumi.interpolate`arn:${partition}:cloudtrail:${region}:${account}:trail/${trailName}`;
            this.logGroup = new aws.cloudwatch.LogGroup(
                `${name}-trail-logs`,
                { name: `/mlplatform/${args.namePrefix}/cloudtrail`, kmsKeyId: args.kmsKeyArn, retentionInDays: args.logRetentionDays, tags: args.tags },
                { parent: this },
            );
            this.cloudTrailRole = new aws.iam.Role(
                `${name}-trail-to-logs`,
                {
                    assumeRolePolicy: trustPolicy("cloudtrail.amazonaws.com", account, trailArn),
                    description: `CloudTrail ${trailName} delivery to its log group`,
                    tags: args.tags,
                },
                { parent: this },
            );
            const deliver = new aws.iam.RolePolicy(
                `${name}-trail-to-logs`,
                {
                    role: this.cloudTrailRole.id,
                    policy: policyDocument([
                        {
                            Sid: "DeliverTrailEvents",
                            Effect: "Allow",
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                            Resource: pulumi.interpolate`${this.logGroup.arn}:log-stream:*`,
                        },
                    ]),
                },
                { parent: this },
            );
            this.trail = new aws.cloudtrail.Trail(
                `${name}-trail`,
                {
                    name: trailName,
                    isMultiRegionTrail: true,
                    includeGlobalServiceEvents: true,
                    enableLogFileValidation: true,
                    enableLogging: true,
                    kmsKeyId: args.kmsKeyArn,
                    s3BucketName: args.auditBucketName,
                    s3KeyPrefix: args.s3KeyPrefix ?? CLOUDTRAIL_S3_KEY_PREFIX,
                    cloudWatchLogsGroupArn: pulumi.interpolate`${this.logGroup.arn}:*`,
                    cloudWatchLogsRoleArn: this.cloudTrailRole.arn,
                    advancedEventSelectors: [
                        { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
                        // Data events of this stack's resources only (resources.ARN StartsWith the stack's prefix): an
                        // account-wide selector would log, and bill, every other stack's invocations as well
                        // (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html).
                        {
                            name: "SageMaker endpoint invocations",
                            fieldSelectors: [
                                { field: "eventCategory", equals: ["Data"] },
                                { field: "resources.type", equals: ["AWS::SageMaker::Endpoint"] },
                                { field: "eventName", equals: ["InvokeEndpoint"] },
                                {
                                    field: "resources.ARN",
                                    startsWiths: [pulumi.interpolate`arn:${partition}:sagemaker:${region}:${account}:endpoint/${args.namePrefix}-`],
                                },
                            ],
                        },
                        {
                            name: "SageMaker Feature Store record access",
                            fieldSelectors: [
                                { field: "eventCategory", equals: ["Data"] },
                                { field: "resources.type", equals: ["AWS::SageMaker::FeatureGroup"] },
                                {
                                    field: "resources.ARN",
                                    startsWiths: [pulumi.interpolate`arn:${partition}:sagemaker:${region}:${account}:feature-group/${args.namePrefix}-`],
                                },
                            ],
                        },
                    ],
                    tags: args.tags,
                },
                { parent: this, dependsOn: pulumi.output(args.trailDependsOn ?? []).apply((d) => [deliver, ...d]) },
            );
        }
        this.trailArn = this.trail ? this.trail.arn.apply((a): string | undefined => a) : pulumi.output(undefined);

        // ---- EventBridge rules ----
        const rule = (key: string, description: string, pattern: pulumi.Input<Record<string, unknown>>, provider?: aws.Provider) =>
            new aws.cloudwatch.EventRule(
                `${name}-${key}`,
                { name: `${args.namePrefix}-${key}`, description, eventPattern: pulumi.output(pattern).apply((p) => JSON.stringify(p)), tags: args.tags },
                { parent: this, provider },
            );
        const toTopic = (key: string, r: aws.cloudwatch.EventRule) =>
            new aws.cloudwatch.EventTarget(`${name}-${key}-alert`, { rule: r.name, targetId: "alerts-topic", arn: args.alarmTopicArn }, { parent: this });

        const roleNames = pulumi.all(args.platformRoleNames);
        const keyArns = pulumi.all(args.platformKeyArns);
        this.rules = {
            noVpcJobs: rule("job-without-vpc", "SageMaker training/processing job or model created without a VPC configuration", noVpcJobPattern()),
            rolePolicyChanges: rule("role-policy-change", "Policy change on a platform IAM role", roleNames.apply(rolePolicyChangePattern)),
            keyTampering: rule("key-disable-or-delete", "A platform KMS key disabled or scheduled for deletion", keyArns.apply(keyTamperingPattern)),
            retraining: rule(
                "alarm-to-retraining",
                "Drift / model-quality alarm starts retraining",
                alarmToRetrainingPattern(args.retraining.alarmNamePrefixes),
            ),
        };
        toTopic("job-without-vpc", this.rules.noVpcJobs);
        toTopic("role-policy-change", this.rules.rolePolicyChanges);
        toTopic("key-disable-or-delete", this.rules.keyTampering);
        if ((args.breakGlassRoleArns ?? []).length > 0) {
            this.breakGlassRule = rule(
                "break-glass-used",
                "A break-glass role was assumed (docs/deploy.md)",
                pulumi.all(args.breakGlassRoleArns!).apply(breakGlassPattern),
            );
            toTopic("break-glass-used", this.breakGlassRule);
        }

        if (args.retraining.pipelineArn) {
            this.retrainingTarget = "pipeline";
            const pipelineArn = args.retraining.pipelineArn;
            this.retrainingRole = new aws.iam.Role(
                `${name}-retraining`,
                {
                    assumeRolePolicy: trustPolicy("events.amazonaws.com", account, this.rules.retraining.arn),
                    description: "EventBridge starts the retraining pipeline",
                    tags: args.tags,
                },
                { parent: this },
            );
            const start = new aws.iam.RolePolicy(
                `${name}-retraining`,
                {
                    role: this.retrainingRole.id,
                    policy: policyDocument([{ Sid: "StartRetraining", Effect: "Allow", Action: "sagemaker:StartPipelineExecution", Resource: pipelineArn }]),
                },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-alarm-to-retraining-pipeline`,
                {
                    rule: this.rules.retraining.name,
                    targetId: "retraining-pipeline",
                    arn: pipelineArn,
                    roleArn: this.retrainingRole.arn,
                    sagemakerPipelineTarget: {
                        pipelineParameterLists: Object.entries(args.retraining.pipelineParameters ?? {}).map(([n, value]) => ({ name: n, value })),
                    },
                },
                { parent: this, dependsOn: [start] },
            );
        } else {
            this.retrainingTarget = "sns";
            toTopic("alarm-to-retraining", this.rules.retraining);
        }

        // ---- IAM events live in us-east-1: forward them to this region ----
        if (args.usEast1Provider) {
            const bus = pulumi.interpolate`arn:${partition}:events:${region}:${account}:event-bus/default`;
            this.iamForwarder = rule(
                "role-policy-change-forward",
                "Forward platform-role policy changes (IAM, us-east-1) to the stack region",
                roleNames.apply(rolePolicyChangePattern),
                args.usEast1Provider,
            );
            const fwdRole = new aws.iam.Role(
                `${name}-iam-forwarder`,
                {
                    assumeRolePolicy: trustPolicy("events.amazonaws.com", account, this.iamForwarder.arn),
                    description: "Forward IAM events to the stack region's event bus",
                    tags: args.tags,
                },
                { parent: this },
            );
            const put = new aws.iam.RolePolicy(
                `${name}-iam-forwarder`,
                { role: fwdRole.id, policy: policyDocument([{ Sid: "PutToStackRegionBus", Effect: "Allow", Action: "events:PutEvents", Resource: bus }]) },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-role-policy-change-forward`,
                { rule: this.iamForwarder.name, targetId: "stack-region-bus", arn: bus, roleArn: fwdRole.arn },
                { parent: this, provider: args.usEast1Provider, dependsOn: [put] },
            );
        } else {
            region.apply((r) => {
                if (r !== "us-east-1") {
                    pulumi.log.warn(
                        `AuditTrail: IAM events are only delivered in us-east-1; pass usEast1Provider so platform-role policy changes in ${r} raise alerts`,
                        this,
                    );
                }
            });
        }

        const keys = ["noVpcJobs", "rolePolicyChanges", "keyTampering", "retraining"] as const;
        this.ruleNames = pulumi.all(keys.map((k) => this.rules[k].name)).apply((ns) => Object.fromEntries(keys.map((k, i) => [k, ns[i]])));
        this.registerOutputs({ trailArn: this.trailArn, ruleNames: this.ruleNames, retrainingTarget: this.retrainingTarget });
    }
}
