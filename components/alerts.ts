/**
 * Alerts: the platform's SNS topic. CloudWatch alarms, EventBridge rules, AWS Budgets and Cost Anomaly Detection
 * publish here; people subscribe by email.
 * What it creates per stack: docs/components.md.
 *
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { PolicyStatement, policyDocument } from "./grants";

/** A resource-policy statement: an IAM statement with a Principal. */
export type ResourcePolicyStatement = PolicyStatement & {
    Principal: "*" | { Service: string | string[] } | { AWS: pulumi.Input<string> | pulumi.Input<string>[] };
};

/** The resource types this component can create (tests; docs/components.md shows them per stack). */
export const ALERTS_RESOURCE_TYPES: readonly string[] = [
    "aws:sns/topic:Topic",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
];

/**
 * Service principals that publish to the alerts topic (and so must be able to use its KMS key).
 *
 * KMS key policy (owned by components/security.ts): an encrypted topic only receives messages from an AWS service if
 * the topic's key lets that service generate data keys. The logs/alerts key must allow, with
 * `kms:GenerateDataKey*` + `kms:Decrypt` (conditioned on `aws:SourceAccount` = this account):
 *   - cloudwatch.amazonaws.com        CloudWatch alarm actions
 *   - events.amazonaws.com            EventBridge rule targets (audit rules, retraining route)
 *   - budgets.amazonaws.com           AWS Budgets notifications and budget-action notifications
 *   - costalerts.amazonaws.com        Cost Anomaly Detection subscriptions
 * and, because the same key encrypts the platform's log groups and trail (components/observability.ts, audit.ts):
 *   - logs.<region>.amazonaws.com     kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*
 *                                     with `kms:EncryptionContext:aws:logs:arn` ArnLike arn:<p>:logs:<region>:<account>:log-group:*
 *   - cloudtrail.amazonaws.com        kms:GenerateDataKey* (condition `kms:EncryptionContext:aws:cloudtrail:arn`
 *                                     StringLike arn:<p>:cloudtrail:*:<account>:trail/*, and aws:SourceArn = the trail ARN)
 *                                     and kms:DescribeKey
 */
export const ALERTS_KEY_SERVICE_PRINCIPALS = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com"] as const;

export interface AlertsArgs {
    /** Resource name prefix (config `namePrefix`), e.g. "mlp-dev". The topic is named `<namePrefix>-alerts`. */
    namePrefix: string;
    /** ARN of the KMS key that encrypts the topic (the logs/alerts key). Required: the topic is never unencrypted. */
    kmsKeyArn: pulumi.Input<string>;
    /** Email addresses subscribed to the topic (config `alarms.emails`). Each must confirm by email. */
    emails?: string[];
    /**
     * Prefix of the CloudWatch alarm names allowed to publish (SourceArn `...:alarm:<prefix>*`). Defaults to "" = any alarm
     * of this account in this region; set it to `<namePrefix>-` when every alarm that targets the topic uses that prefix.
     */
    alarmNamePrefix?: string;
    tags?: Record<string, string>;
}

export class Alerts extends pulumi.ComponentResource {
    public readonly topic: aws.sns.Topic;
    public readonly topicArn: pulumi.Output<string>;
    public readonly topicName: pulumi.Output<string>;
    public readonly topicPolicy: aws.sns.TopicPolicy;
    public readonly subscriptions: aws.sns.TopicSubscription[];
    /** The email addresses subscribed (as given). */
    public readonly emails: string[];

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.Alerts, name, {}, withPreviousTypes("Alerts", opts));
        const emails = [...new Set(args.emails ?? [])];
        for (const e of emails) {
            if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) throw new Error(`Alerts: ${JSON.stringify(e)} is not an email address`);
        }
        this.emails = emails;

        const caller = aws.getCallerIdentityOutput({}, { parent: this });
        const partition = aws.getPartitionOutput({}, { parent: this });
        const region = aws.getRegionOutput({}, { parent: this });

        this.topic = new aws.sns.Topic(
            `${name}-topic`,
            { name: `${args.namePrefix}-alerts`, kmsMasterKeyId: args.kmsKeyArn, tags: args.tags },
            { parent: this },
        );
        this.topicArn = this.topic.arn;
        this.topicName = this.topic.name;

        const alarmPrefix = args.alarmNamePrefix ?? "";
        const statements = pulumi
            .all([this.topic.arn, caller.accountId, partition.partition, region.region])
            .apply(([topicArn, account, p, r]): ResourcePolicyStatement[] => {
                const publisher = (sid: string, service: string, sourceArn: string): ResourcePolicyStatement => ({
                    Sid: sid,
                    Effect: "Allow",
                    Principal: { Service: service },
                    Action: "sns:Publish",
                    Resource: topicArn,
                    Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": sourceArn } },
                });
                return [
                    publisher("CloudWatchAlarms", "cloudwatch.amazonaws.com", `arn:${p}:cloudwatch:${r}:${account}:alarm:${alarmPrefix}*`),
                    publisher("EventBridgeRules", "events.amazonaws.com", `arn:${p}:events:${r}:${account}:rule/*`),
                    // Budgets are global: their ARNs have no region (arn:aws:budgets::<account>:budget/<name>).
                    publisher("Budgets", "budgets.amazonaws.com", `arn:${p}:budgets::${account}:*`),
                    publisher("CostAnomalyDetection", "costalerts.amazonaws.com", `arn:${p}:ce::${account}:anomalysubscription/*`),
                    {
                        // Only actions SNS topic policies support ("Valid Amazon SNS policy actions",
                        // https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html;
                        // there is no sns:Receive).
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: ["sns:Publish", "sns:Subscribe"],
                        Resource: topicArn,
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ];
            });

        this.topicPolicy = new aws.sns.TopicPolicy(`${name}-policy`, { arn: this.topic.arn, policy: policyDocument(statements) }, { parent: this });

        this.subscriptions = emails.map(
            (email) =>
                new aws.sns.TopicSubscription(
                    `${name}-email-${email.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
                    { topic: this.topic.arn, protocol: "email", endpoint: email },
                    { parent: this },
                ),
        );

        this.registerOutputs({ topicArn: this.topicArn, topicName: this.topicName, emails: this.emails });
    }
}
