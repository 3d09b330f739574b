/**
 * DetectiveControls: what watches the account after `pulumi up` (the policy pack only judges previews).
 * What it creates per stack: docs/components.md.
 *
 *   detect   AWS Config managed rules matching the pack's preventive rules (MANAGED_RULES below), scoped to this
 *            stack's resources by tag where the rule is triggered by configuration changes; optionally as one
 *            conformance pack; optionally an AWS Config recorder + delivery channel to the audit bucket (only when
 *            the account has none: Control Tower and most landing zones already record).
 *            Security Hub: optional subscription to AWS Foundational Security Best Practices (FSBP).
 *   respond  EventBridge rules routing Config non-compliance of this stack's rules and failed Security Hub findings
 *            for this stack's resources to the platform's alerts topic (its policy admits events.amazonaws.com for
 *            rules of this account: components/alerts.ts); optional safe, reversible remediation
 *            (SSM AWS-DisableS3BucketPublicReadWrite turns on the bucket's Block Public Access), off by default.
 *
 * Account-wide things are off by default: the recorder (one per account and region), enabling Security Hub, the FSBP
 * subscription, and the rules that judge the account rather than the stack (CloudTrail enabled, root access key,
 * IAM users with policies). Everything else is named `<namePrefix>-...`, so dev and prod in one account never clash.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { RECORDER_TAG } from "../policies/lib/platform-tags";
import { policyDocument } from "./grants";

export { RECORDER_TAG };

/** The platform controls a rule serves (the compliance map's rows: docs/compliance.md). */
export type Control = "tagging" | "encryption" | "least-privilege" | "network-isolation" | "capacity" | "monitoring" | "cost" | "audit";

export interface ManagedRule {
    /** AWS managed rule identifier (Source.SourceIdentifier). */
    identifier: string;
    /** The rule's name in AWS's list (kebab case); deployed as `<namePrefix>-<name>`. */
    name: string;
    /** "change": configuration-change triggered (tag scope applies); "periodic": evaluates every resource of its types. */
    trigger: "change" | "periodic" | "both";
    /** Resource types the rule evaluates. */
    resourceTypes: string[];
    /** Judges the account rather than this stack's resources: deployed only with `accountRules`. */
    accountWide: boolean;
    /** Only in prod stacks (e.g. "more than one instance per variant" is a prod requirement). */
    prodOnly?: boolean;
    /** Policy-pack rules (policies/rules/*.ts names) this rule detects drift from. */
    preventive: string[];
    control: Control;
    /** Security Hub control ids that report the same check. */
    securityHubControls: string[];
    /** InputParameters (names exactly as AWS documents them); values are strings. */
    params?: Record<string, string>;
    /** Stack-specific parameters filled at deploy time. */
    dynamicParams?: (ctx: { environment: string }) => Record<string, string>;
}

/*
 * AWS documents relied on:
 *   - managed rule identifiers, parameters, trigger types: AWS Config Developer Guide, "List of AWS Config Managed
 *     Rules" (https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html); identifiers
 *     and parameter names are checked in tests against AWS's published conformance-pack templates
 *     (test/fixtures/detective/aws-config-managed-rules.json);
 *   - rule scope by tag applies to change-triggered evaluations: "Components of an AWS Config rule" / ConfigRule.Scope
 *     (https://docs.aws.amazon.com/config/latest/APIReference/API_Scope.html);
 *   - the recorder's role and its S3/KMS permissions for delivery to a bucket of the same account:
 *     https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html;
 *   - Config compliance change events ("Config Rules Compliance Change"):
 *     https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html;
 *   - Security Hub findings to EventBridge ("Security Hub Findings - Imported"):
 *     https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-integration-types.html;
 *   - remediation runbook AWS-DisableS3BucketPublicReadWrite (parameters AutomationAssumeRole, S3BucketName):
 *     https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-disables3bucketpublicreadwrite.html.
 */

/**
 * The detective counterparts of the pack's preventive rules. Identifiers and parameter names are AWS's (tests check
 * them against AWS's published conformance packs); trigger types are those of the rule's page in the Config guide.
 * Not here, with the reason (the compliance map prints them too): IAM_NO_INLINE_POLICY_CHECK - the platform grants
 * per-role inline policies on purpose (components/grants.ts) and the pack judges what they allow; SageMaker data
 * capture - AWS publishes no managed rule for it (the pack's monitoring-coverage policy and the serverless monitor's
 * capture check cover it).
 */
export const MANAGED_RULES: readonly ManagedRule[] = [
    // ---- SageMaker ----
    {
        identifier: "SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED",
        name: "sagemaker-endpoint-configuration-kms-key-configured",
        trigger: "periodic",
        resourceTypes: ["AWS::SageMaker::EndpointConfig"],
        accountWide: false,
        preventive: ["encryption-at-rest-and-in-transit"],
        control: "encryption",
        securityHubControls: [],
    },
    {
        identifier: "SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED",
        name: "sagemaker-notebook-instance-kms-key-configured",
        trigger: "periodic",
        resourceTypes: ["AWS::SageMaker::NotebookInstance"],
        accountWide: false,
        preventive: ["encryption-at-rest-and-in-transit"],
        control: "encryption",
        securityHubControls: [],
    },
    {
        identifier: "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS",
        name: "sagemaker-notebook-no-direct-internet-access",
        trigger: "periodic",
        resourceTypes: ["AWS::SageMaker::NotebookInstance"],
        accountWide: false,
        preventive: ["network-isolation"],
        control: "network-isolation",
        securityHubControls: ["SageMaker.1"],
    },
    {
        identifier: "SAGEMAKER_MODEL_ISOLATION_ENABLED",
        name: "sagemaker-model-isolation-enabled",
        trigger: "change",
        resourceTypes: ["AWS::SageMaker::Model"],
        accountWide: false,
        preventive: ["network-isolation"],
        control: "network-isolation",
        securityHubControls: ["SageMaker.5"],
    },
    {
        identifier: "SAGEMAKER_MODEL_IN_VPC",
        name: "sagemaker-model-in-vpc",
        trigger: "change",
        resourceTypes: ["AWS::SageMaker::Model"],
        accountWide: false,
        preventive: ["network-isolation"],
        control: "network-isolation",
        securityHubControls: [],
    },
    {
        identifier: "SAGEMAKER_ENDPOINT_CONFIG_PROD_INSTANCE_COUNT",
        name: "sagemaker-endpoint-config-prod-instance-count",
        trigger: "periodic",
        resourceTypes: ["AWS::SageMaker::EndpointConfig"],
        accountWide: false,
        prodOnly: true,
        preventive: ["instance-types-and-capacity", "endpoint-autoscaling"],
        control: "capacity",
        securityHubControls: ["SageMaker.4"],
    },
    {
        identifier: "SAGEMAKER_FEATURE_GROUP_TAGGED",
        name: "sagemaker-feature-group-tagged",
        trigger: "change",
        resourceTypes: ["AWS::SageMaker::FeatureGroup"],
        accountWide: false,
        preventive: ["required-tags"],
        control: "tagging",
        securityHubControls: [],
    },
    // ---- S3 ----
    {
        identifier: "S3_BUCKET_SSL_REQUESTS_ONLY",
        name: "s3-bucket-ssl-requests-only",
        trigger: "change",
        resourceTypes: ["AWS::S3::Bucket"],
        accountWide: false,
        preventive: ["s3-encryption-and-tls"],
        control: "encryption",
        securityHubControls: ["S3.5"],
    },
    {
        identifier: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
        name: "s3-bucket-server-side-encryption-enabled",
        trigger: "change",
        resourceTypes: ["AWS::S3::Bucket"],
        accountWide: false,
        preventive: ["s3-encryption-and-tls"],
        control: "encryption",
        securityHubControls: [],
    },
    {
        identifier: "S3_DEFAULT_ENCRYPTION_KMS",
        name: "s3-default-encryption-kms",
        trigger: "change",
        resourceTypes: ["AWS::S3::Bucket"],
        accountWide: false,
        preventive: ["s3-encryption-and-tls"],
        control: "encryption",
        securityHubControls: [],
    },
    {
        identifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED",
        name: "s3-bucket-public-read-prohibited",
        trigger: "both",
        resourceTypes: ["AWS::S3::Bucket"],
        accountWide: false,
        preventive: ["least-privilege-iam"],
        control: "least-privilege",
        securityHubControls: ["S3.2"],
    },
    {
        identifier: "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
        name: "s3-bucket-public-write-prohibited",
        trigger: "both",
        resourceTypes: ["AWS::S3::Bucket"],
        accountWide: false,
        preventive: ["least-privilege-iam"],
        control: "least-privilege",
        securityHubControls: ["S3.3"],
    },
    {
        identifier: "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        name: "s3-bucket-level-public-access-prohibited",
        trigger: "change",
        resourceTypes: ["AWS::S3::Bucket"],
        accountWide: false,
        preventive: ["least-privilege-iam", "s3-encryption-and-tls"],
        control: "least-privilege",
        securityHubControls: ["S3.8"],
    },
    // ---- KMS ----
    {
        identifier: "CMK_BACKING_KEY_ROTATION_ENABLED",
        name: "cmk-backing-key-rotation-enabled",
        trigger: "periodic",
        resourceTypes: ["AWS::KMS::Key"],
        accountWide: false,
        preventive: ["encryption-at-rest-and-in-transit"],
        control: "encryption",
        securityHubControls: ["KMS.4"],
    },
    {
        identifier: "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
        name: "kms-cmk-not-scheduled-for-deletion",
        trigger: "periodic",
        resourceTypes: ["AWS::KMS::Key"],
        accountWide: false,
        preventive: ["encryption-at-rest-and-in-transit"],
        control: "encryption",
        securityHubControls: ["KMS.3"],
    },
    // ---- SNS / logs ----
    {
        identifier: "SNS_ENCRYPTED_KMS",
        name: "sns-encrypted-kms",
        trigger: "change",
        resourceTypes: ["AWS::SNS::Topic"],
        accountWide: false,
        preventive: ["encryption-at-rest-and-in-transit"],
        control: "encryption",
        securityHubControls: ["SNS.1"],
    },
    {
        identifier: "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
        name: "cloudwatch-log-group-encrypted",
        trigger: "periodic",
        resourceTypes: ["AWS::Logs::LogGroup"],
        accountWide: false,
        preventive: ["encryption-at-rest-and-in-transit"],
        control: "encryption",
        securityHubControls: [],
    },
    {
        identifier: "CW_LOGGROUP_RETENTION_PERIOD_CHECK",
        name: "cw-loggroup-retention-period-check",
        trigger: "periodic",
        resourceTypes: ["AWS::Logs::LogGroup"],
        accountWide: false,
        preventive: ["monitoring-coverage"],
        control: "monitoring",
        securityHubControls: [],
        dynamicParams: ({ environment }) => ({ MinRetentionTime: environment === "prod" ? "90" : "7" }),
    }, // MinRetentionTime: the pack's monitoring-coverage minLogRetentionDays per environment
    // ---- network ----
    {
        identifier: "VPC_FLOW_LOGS_ENABLED",
        name: "vpc-flow-logs-enabled",
        trigger: "periodic",
        resourceTypes: ["AWS::EC2::VPC"],
        accountWide: false,
        preventive: ["network-isolation", "monitoring-coverage"],
        control: "network-isolation",
        securityHubControls: ["EC2.6"],
        params: { trafficType: "ALL" },
    },
    // ---- IAM ----
    {
        identifier: "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
        name: "iam-policy-no-statements-with-admin-access",
        trigger: "change",
        resourceTypes: ["AWS::IAM::Policy"],
        accountWide: false,
        preventive: ["least-privilege-iam"],
        control: "least-privilege",
        securityHubControls: ["IAM.1"],
    },
    {
        identifier: "IAM_USER_NO_POLICIES_CHECK",
        name: "iam-user-no-policies-check",
        trigger: "change",
        resourceTypes: ["AWS::IAM::User"],
        accountWide: true,
        preventive: ["least-privilege-iam"],
        control: "least-privilege",
        securityHubControls: ["IAM.2"],
    },
    {
        identifier: "IAM_ROOT_ACCESS_KEY_CHECK",
        name: "iam-root-access-key-check",
        trigger: "periodic",
        resourceTypes: ["AWS::::Account"],
        accountWide: true,
        preventive: ["least-privilege-iam"],
        control: "least-privilege",
        securityHubControls: ["IAM.4"],
    },
    // ---- CloudTrail ----
    {
        identifier: "CLOUD_TRAIL_ENABLED",
        name: "cloudtrail-enabled",
        trigger: "periodic",
        resourceTypes: ["AWS::::Account"],
        accountWide: true,
        preventive: ["monitoring-coverage"],
        control: "audit",
        securityHubControls: ["CloudTrail.1"],
    },
    {
        identifier: "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
        name: "cloud-trail-log-file-validation-enabled",
        trigger: "periodic",
        resourceTypes: ["AWS::CloudTrail::Trail"],
        accountWide: false,
        preventive: ["monitoring-coverage"],
        control: "audit",
        securityHubControls: ["CloudTrail.4"],
    },
    {
        identifier: "CLOUD_TRAIL_ENCRYPTION_ENABLED",
        name: "cloud-trail-encryption-enabled",
        trigger: "periodic",
        resourceTypes: ["AWS::CloudTrail::Trail"],
        accountWide: false,
        preventive: ["monitoring-coverage", "encryption-at-rest-and-in-transit"],
        control: "audit",
        securityHubControls: ["CloudTrail.2"],
    },
    {
        identifier: "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED",
        name: "cloud-trail-cloud-watch-logs-enabled",
        trigger: "periodic",
        resourceTypes: ["AWS::CloudTrail::Trail"],
        accountWide: false,
        preventive: ["monitoring-coverage"],
        control: "audit",
        securityHubControls: ["CloudTrail.5"],
    },
];

/** Managed rules AWS offers that the platform deliberately does not deploy, with the reason (shown in the compliance map). */
export const NOT_DEPLOYED: readonly { identifier: string; reason: string }[] = [
    {
        identifier: "IAM_NO_INLINE_POLICY_CHECK",
        reason: "the platform grants each role its own inline policies on purpose (components/grants.ts); the pack's least-privilege-iam policy judges what they allow",
    },
    {
        identifier: "SageMaker endpoint data capture",
        reason: "AWS publishes no managed Config rule for endpoint data capture; the pack's monitoring-coverage policy requires it before deployment",
    },
];

/** Security Hub FSBP standard ARN (region-specific, no account). */
export function fsbpStandardsArn(partition: string, region: string): string {
    return `arn:${partition}:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`;
}

/** The rules a stack deploys for its environment and switches. */
export function selectRules(environment: string, accountRules: boolean): ManagedRule[] {
    return MANAGED_RULES.filter((r) => (accountRules || !r.accountWide) && (!r.prodOnly || environment === "prod"));
}

/** `<namePrefix>-<rule name>`, within Config's 128-character limit. */
export function ruleName(namePrefix: string, r: ManagedRule): string {
    const n = `${namePrefix}-${r.name}`;
    if (n.length > 128) throw new Error(`DetectiveControls: Config rule name '${n}' is longer than 128 characters; shorten namePrefix`);
    return n;
}

export interface ScopeTag {
    key: string;
    value: string;
}

/** The Config rule arguments (name, source, scope, parameters) for one managed rule: shared by rules and the conformance pack. */
export function ruleSpec(namePrefix: string, environment: string, r: ManagedRule, scopeTag?: ScopeTag) {
    const params = { ...(r.params ?? {}), ...(r.dynamicParams ? r.dynamicParams({ environment }) : {}) };
    // Tag scope only constrains change-triggered evaluations; periodic rules evaluate every resource of their types.
    const scope = scopeTag && r.trigger !== "periodic" && !r.accountWide ? { tagKey: scopeTag.key, tagValue: scopeTag.value } : undefined;
    return {
        name: ruleName(namePrefix, r),
        identifier: r.identifier,
        description: `${namePrefix}: detective counterpart of the policy pack's ${r.preventive.join(", ")} (${r.control})`,
        inputParameters: Object.keys(params).length > 0 ? params : undefined,
        scope,
    };
}

/**
 * A conformance pack template (CloudFormation JSON, which Config accepts as TemplateBody) with the given rules.
 * https://docs.aws.amazon.com/config/latest/developerguide/conformance-pack-organization-apis.html
 */
export function conformancePackTemplate(namePrefix: string, environment: string, rules: ManagedRule[], scopeTag?: ScopeTag): string {
    const resources: Record<string, unknown> = {};
    for (const r of rules) {
        const s = ruleSpec(namePrefix, environment, r, scopeTag);
        const logical = r.name
            .split("-")
            .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
            .join("");
        resources[logical] = {
            Type: "AWS::Config::ConfigRule",
            Properties: {
                ConfigRuleName: s.name,
                Description: s.description,
                Source: { Owner: "AWS", SourceIdentifier: s.identifier },
                ...(s.inputParameters ? { InputParameters: s.inputParameters } : {}),
                ...(s.scope ? { Scope: { TagKey: s.scope.tagKey, TagValue: s.scope.tagValue } } : {}),
            },
        };
    }
    return JSON.stringify({ Resources: resources });
}

/** EventBridge pattern: non-compliance of this stack's rules (rule names start with `<namePrefix>-`) for its resources. */
export function configComplianceEventPattern(namePrefix: string, resourceIds: string[]): Record<string, unknown> {
    return {
        source: ["aws.config"],
        "detail-type": ["Config Rules Compliance Change"],
        detail: {
            messageType: ["ComplianceChangeNotification"],
            configRuleName: [{ prefix: `${namePrefix}-` }],
            newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
            // Periodic rules evaluate the whole account: keep only this stack's resources (named with the prefix, or
            // by id: VPC, KMS keys) and account-level findings.
            resourceId: [{ wildcard: `*${namePrefix}-*` }, ...resourceIds],
        },
    };
}

/** EventBridge pattern: active, failed Security Hub findings whose resource is one of this stack's. */
export function securityHubFindingsEventPattern(namePrefix: string, resourceArns: string[]): Record<string, unknown> {
    return {
        source: ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
        detail: {
            findings: {
                RecordState: ["ACTIVE"],
                Compliance: { Status: ["FAILED"] },
                Workflow: { Status: ["NEW", "NOTIFIED"] },
                Resources: { Id: [{ wildcard: `*${namePrefix}-*` }, ...resourceArns] },
            },
        },
    };
}

export interface DetectiveControlsArgs {
    namePrefix: string;
    environment: "dev" | "prod";
    /** Platform alerts topic (SNS); its policy must admit events.amazonaws.com for this account's rules. */
    alertTopicArn: pulumi.Input<string>;
    /** Tag every stack resource carries, used to scope change-triggered rules. */
    scopeTag?: ScopeTag;
    /** Deploy the rules as one conformance pack instead of individual rules. Default false. */
    conformancePack?: boolean;
    /** Also deploy the account-wide rules (CloudTrail enabled, root access key, IAM users). Default false. */
    accountRules?: boolean;
    /**
     * Create a Config recorder + delivery channel (one per account and region: only when the account has none).
     * `role` comes from `configRecorderRole()` (created before the audit bucket and key, which must admit it).
     */
    recorder?: {
        role: aws.iam.Role;
        auditBucketName: pulumi.Input<string>;
        /** The audit bucket's KMS key (the delivery channel writes SSE-KMS with it). */
        kmsKeyArn: pulumi.Input<string>;
        s3KeyPrefix?: string;
        includeGlobalResourceTypes?: boolean;
    };
    /** Name of the recorder the account already has (declared, e.g. Control Tower's); recorded in the rules' tags. */
    existingRecorderName?: string;
    securityHub?: {
        /** Enable Security Hub in the account and region (account-wide). Default false. */
        enableAccount?: boolean;
        /** Subscribe to AWS Foundational Security Best Practices (account-wide). Default false. */
        subscribeFsbp?: boolean;
        /** Route failed findings for this stack's resources to the alerts topic. Default true. */
        routeFindings?: boolean;
    };
    /** Route Config non-compliance of this stack's rules to the alerts topic. Default true. */
    routeConfigCompliance?: boolean;
    /** Stack resource ids/ARNs without the name prefix (VPC id, KMS key ids/ARNs) that the routes must still match. */
    stackResourceIds?: pulumi.Input<pulumi.Input<string>[]>;
    stackResourceArns?: pulumi.Input<pulumi.Input<string>[]>;
    /** Automatic, reversible remediation: re-enable Block Public Access on the stack's buckets. Default false. */
    remediation?: { s3PublicAccessBlock?: boolean };
    tags?: Record<string, string>;
}

/**
 * The Config recorder's role (`<namePrefix>-config-recorder`), created early: the audit bucket policy and the logs
 * key policy must name it before the recorder exists. Trusts config.amazonaws.com for this account only; carries the
 * AWS managed policy AWS_ConfigRole (read configuration of supported resources).
 */
export function configRecorderRole(name: string, namePrefix: string, tags?: Record<string, string>, opts?: pulumi.CustomResourceOptions): aws.iam.Role {
    const account = aws.getCallerIdentityOutput({}, opts).accountId;
    const partition = aws.getPartitionOutput({}, opts).partition;
    const role = new aws.iam.Role(
        name,
        {
            name: `${namePrefix}-config-recorder`,
            description: `${namePrefix}: AWS Config recorder (reads resource configuration, delivers to the audit bucket)`,
            assumeRolePolicy: account.apply((a) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { Service: "config.amazonaws.com" },
                            Action: "sts:AssumeRole",
                            Condition: { StringEquals: { "aws:SourceAccount": a } },
                        },
                    ],
                }),
            ),
            tags,
        },
        opts,
    );
    new aws.iam.RolePolicyAttachment(
        `${name}-aws-config-role`,
        { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/AWS_ConfigRole` },
        { ...opts, parent: role },
    );
    return role;
}

export class DetectiveControls extends pulumi.ComponentResource {
    public readonly rules: aws.cfg.Rule[] = [];
    public readonly conformancePack?: aws.cfg.ConformancePack;
    public readonly recorder?: aws.cfg.Recorder;
    public readonly deliveryChannel?: aws.cfg.DeliveryChannel;
    public readonly recorderStatus?: aws.cfg.RecorderStatus;
    public readonly securityHubAccount?: aws.securityhub.Account;
    public readonly fsbp?: aws.securityhub.StandardsSubscription;
    public readonly complianceRoute?: aws.cloudwatch.EventRule;
    public readonly findingsRoute?: aws.cloudwatch.EventRule;
    public readonly remediation?: aws.cfg.RemediationConfiguration;
    /** Names of the deployed Config rules (or of the rules inside the conformance pack). */
    public readonly ruleNames: string[];
    /** "stack" when this stack records, else the declared existing recorder's name. */
    public readonly recorderSource: string;

    constructor(name: string, args: DetectiveControlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.DetectiveControls, name, {}, withPreviousTypes("DetectiveControls", opts));
        const p = args.namePrefix;
        if (!args.recorder && !args.existingRecorderName) {
            throw new Error(
                `DetectiveControls: Config rules need a recorder in the account and region; set mlplatform:detective.createRecorder: true, or declare the existing one with mlplatform:detective.existingRecorderName (e.g. "default")`,
            );
        }
        if (args.scopeTag && (!args.scopeTag.key || !args.scopeTag.value)) throw new Error("DetectiveControls: scopeTag needs a key and a value");
        const opt = { parent: this };
        const account = aws.getCallerIdentityOutput({}, opt).accountId;
        const partition = aws.getPartitionOutput({}, opt).partition;
        const region = aws.getRegionOutput({}, opt).region;
        this.recorderSource = args.recorder ? "stack" : args.existingRecorderName!;
        const tags = { ...(args.tags ?? {}), [RECORDER_TAG]: args.recorder ? "stack" : `existing:${args.existingRecorderName}` };

        // ---- recorder + delivery channel (account-wide: only when asked) ----
        let ready: pulumi.Resource[] = [];
        if (args.recorder) {
            const rec = args.recorder;
            const prefix = rec.s3KeyPrefix ?? "config";
            const delivery = new aws.iam.RolePolicy(
                `${name}-delivery`,
                {
                    role: rec.role.id,
                    policy: policyDocument(
                        pulumi.all([rec.auditBucketName, account, partition, rec.kmsKeyArn]).apply(([bucket, acct, part, key]) => [
                            { Sid: "BucketAcl", Effect: "Allow" as const, Action: "s3:GetBucketAcl", Resource: `arn:${part}:s3:::${bucket}` },
                            {
                                Sid: "DeliverSnapshots",
                                Effect: "Allow" as const,
                                Action: "s3:PutObject",
                                Resource: `arn:${part}:s3:::${bucket}/${prefix}/AWSLogs/${acct}/Config/*`,
                                Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } },
                            },
                            { Sid: "EncryptDeliveries", Effect: "Allow" as const, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key },
                        ]),
                    ),
                },
                opt,
            );
            this.recorder = new aws.cfg.Recorder(
                `${name}-recorder`,
                {
                    name: `${p}-recorder`,
                    roleArn: rec.role.arn,
                    recordingGroup: { allSupported: true, includeGlobalResourceTypes: rec.includeGlobalResourceTypes ?? true },
                },
                opt,
            );
            this.deliveryChannel = new aws.cfg.DeliveryChannel(
                `${name}-delivery-channel`,
                {
                    name: `${p}-delivery`,
                    s3BucketName: rec.auditBucketName,
                    s3KeyPrefix: prefix,
                    s3KmsKeyArn: rec.kmsKeyArn,
                    snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
                },
                { ...opt, dependsOn: [this.recorder, delivery] },
            );
            this.recorderStatus = new aws.cfg.RecorderStatus(
                `${name}-recorder-status`,
                { name: this.recorder.name, isEnabled: true },
                { ...opt, dependsOn: [this.deliveryChannel] },
            );
            ready = [this.recorderStatus];
        }

        // ---- rules ----
        const selected = selectRules(args.environment, args.accountRules ?? false);
        this.ruleNames = selected.map((r) => ruleName(p, r));
        if (args.conformancePack) {
            this.conformancePack = new aws.cfg.ConformancePack(
                `${name}-conformance-pack`,
                { name: `${p}-ml-platform`, templateBody: conformancePackTemplate(p, args.environment, selected, args.scopeTag) },
                { ...opt, dependsOn: ready },
            );
        } else {
            for (const r of selected) {
                const s = ruleSpec(p, args.environment, r, args.scopeTag);
                this.rules.push(
                    new aws.cfg.Rule(
                        `${name}-${r.name}`,
                        {
                            name: s.name,
                            description: s.description,
                            source: { owner: "AWS", sourceIdentifier: s.identifier },
                            inputParameters: s.inputParameters ? JSON.stringify(s.inputParameters) : undefined,
                            scope: s.scope,
                            tags,
                        },
                        { ...opt, dependsOn: ready },
                    ),
                );
            }
        }

        // ---- Security Hub (account-wide parts off by default) ----
        const sh = args.securityHub ?? {};
        if (sh.enableAccount) {
            this.securityHubAccount = new aws.securityhub.Account(`${name}-securityhub`, { enableDefaultStandards: false, autoEnableControls: true }, opt);
        }
        if (sh.subscribeFsbp) {
            this.fsbp = new aws.securityhub.StandardsSubscription(
                `${name}-fsbp`,
                { standardsArn: pulumi.all([partition, region]).apply(([part, r]) => fsbpStandardsArn(part, r)) },
                { ...opt, dependsOn: this.securityHubAccount ? [this.securityHubAccount] : [] },
            );
        }

        // ---- respond: EventBridge -> alerts topic ----
        const route = (key: string, description: string, pattern: pulumi.Input<Record<string, unknown>>) => {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${key}`,
                { name: `${p}-${key}`, description, eventPattern: pulumi.output(pattern).apply((x) => JSON.stringify(x)), tags },
                opt,
            );
            new aws.cloudwatch.EventTarget(`${name}-${key}-alert`, { rule: rule.name, targetId: "alerts-topic", arn: args.alertTopicArn }, opt);
            return rule;
        };
        if (args.routeConfigCompliance ?? true) {
            this.complianceRoute = route(
                "config-noncompliant",
                "AWS Config: a rule of this stack found a resource NON_COMPLIANT",
                pulumi.output(args.stackResourceIds ?? []).apply((ids) => configComplianceEventPattern(p, [...new Set(ids as string[])])),
            );
        }
        if (sh.routeFindings ?? true) {
            this.findingsRoute = route(
                "securityhub-finding",
                "Security Hub: an active, failed finding on a resource of this stack",
                pulumi.output(args.stackResourceArns ?? []).apply((arns) => securityHubFindingsEventPattern(p, [...new Set(arns as string[])])),
            );
        }

        // ---- optional, reversible remediation ----
        if (args.remediation?.s3PublicAccessBlock) {
            const target = this.rules.find((r, i) => selected[i].identifier === "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED");
            if (!target)
                throw new Error(
                    "DetectiveControls: remediation.s3PublicAccessBlock needs the s3-bucket-level-public-access-prohibited rule deployed as a rule (not inside a conformance pack)",
                );
            const role = new aws.iam.Role(
                `${name}-remediation`,
                {
                    name: `${p}-config-remediation`,
                    description: `${p}: SSM Automation re-enables S3 Block Public Access on the stack's buckets`,
                    assumeRolePolicy: account.apply((a) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    Effect: "Allow",
                                    Principal: { Service: "ssm.amazonaws.com" },
                                    Action: "sts:AssumeRole",
                                    Condition: { StringEquals: { "aws:SourceAccount": a } },
                                },
                            ],
                        }),
                    ),
                    tags: args.tags,
                },
                opt,
            );
            const rp = new aws.iam.RolePolicy(
                `${name}-remediation`,
                {
                    role: role.id,
                    policy: policyDocument(
                        partition.apply((part) => [
                            {
                                Sid: "BlockPublicAccessOnStackBuckets",
                                Effect: "Allow" as const,
                                Action: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
                                Resource: `arn:${part}:s3:::${p}-*`,
                            },
                        ]),
                    ),
                },
                opt,
            );
            this.remediation = new aws.cfg.RemediationConfiguration(
                `${name}-s3-public-access-block`,
                {
                    configRuleName: target.name,
                    resourceType: "AWS::S3::Bucket",
                    targetType: "SSM_DOCUMENT",
                    targetId: "AWS-DisableS3BucketPublicReadWrite",
                    parameters: [
                        { name: "AutomationAssumeRole", staticValue: role.arn },
                        { name: "S3BucketName", resourceValue: "RESOURCE_ID" },
                    ],
                    automatic: true,
                    maximumAutomaticAttempts: 3,
                    retryAttemptSeconds: 60,
                },
                { ...opt, dependsOn: [rp] },
            );
        }

        this.registerOutputs({ ruleNames: this.ruleNames, recorderSource: this.recorderSource });
    }
}
