/**
 * PlatformSecurity: customer-managed KMS keys and one IAM role per ML activity.
 *
 * What it creates per stack: docs/components.md (more role policies are added by the components that own buckets,
 * feature groups and model packages, through `grant*`).
 *
 * Roles follow SageMaker Role Manager's activity templates: each activity gets only the actions it needs, on the
 * platform's own resources (log groups, ECR repositories of the built-in images, network interfaces in the platform's
 * subnets), and every role carries the same permissions boundary. Keys are created after the roles so that key
 * policies can name their users explicitly (no account-wide delegation unless no administrator role is configured).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { githubOidcTrustPolicy, grant, Grantee, kmsActions, PolicyStatement, policyDocument } from "./grants";
import { exemption, PLATFORM_EXEMPTIONS_EXPIRE } from "./tagging";

export const ACTIVITIES = ["processing", "training", "hosting", "monitoring", "featureStore", "pipeline", "ciDeploy"] as const;
export type Activity = (typeof ACTIVITIES)[number];
export type KeyPurpose = "data" | "artifacts" | "logs";

/** Which activities encrypt/decrypt with which key: the key policies and the IAM grants are both derived from this. */
export const KEY_USERS: Record<KeyPurpose, readonly Activity[]> = {
    data: ["processing", "training", "hosting", "monitoring", "featureStore", "pipeline"],
    artifacts: ["processing", "training", "hosting", "pipeline", "ciDeploy"],
    logs: ["monitoring", "pipeline", "processing"],
};

/** ECR repositories of the AWS built-in images the platform runs (XGBoost, Model Monitor analyzer, scikit-learn processing). */
export const BUILT_IN_IMAGE_REPOSITORIES = ["sagemaker-xgboost", "sagemaker-model-monitor-analyzer", "sagemaker-scikit-learn"];

/** Log-group name prefixes each activity writes to (SageMaker's own naming). */
const LOG_GROUPS: Record<Activity, string[]> = {
    processing: ["/aws/sagemaker/ProcessingJobs"],
    training: ["/aws/sagemaker/TrainingJobs"],
    hosting: ["/aws/sagemaker/Endpoints"],
    monitoring: ["/aws/sagemaker/ProcessingJobs", "/aws/lambda"],
    featureStore: [],
    pipeline: ["/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TrainingJobs", "/aws/sagemaker/TransformJobs"],
    ciDeploy: [],
};

export interface PlatformSecurityArgs {
    /** Prefix of every name, e.g. `mlp-dev`. */
    namePrefix: string;
    environment: "dev" | "prod";
    /** Role ARNs that administer keys and the stack. Empty: the account root administers keys (IAM delegation). */
    adminRoleArns?: string[];
    /**
     * Break-glass role ARNs (prod): key administrators and deployers like `adminRoleArns`, meant to be assumed only in
     * an emergency (their trust policy, with MFA, lives outside the stack); every AssumeRole of them raises an alert
     * (AuditTrail). See docs/deploy.md.
     */
    breakGlassRoleArns?: string[];
    /** Role ARNs that may decrypt the CloudTrail log files (with the administrators). Empty with no administrators: the account. */
    auditorRoleArns?: string[];
    /** Name of the stack's CloudTrail trail (AuditTrail's), which alone may use the logs key. Default `<namePrefix>-trail`. */
    trailName?: string;
    /** Waiting period before a scheduled key deletion happens (7–30 days). Default 30. */
    keyDeletionWindowDays?: number;
    /** GitHub Actions OIDC provider ARN for the CI deploy role; default the account's token.actions.githubusercontent.com provider. */
    ciOidcProviderArn?: string;
    /** Subject the CI deploy role trusts, naming the repository: `repo:<owner>/<repo>:environment:<env>` (or `:ref:refs/heads/main`). */
    ciOidcSubject: string;
    /**
     * Create the serverless monitor's Lambda execution role here (`<prefix>-serverless-monitor`), before the keys, so
     * that the data and logs key policies can name it and it carries the platform's boundary. Default false.
     */
    serverlessMonitor?: boolean;
    /**
     * Create the distributed monitor's roles here (components/distributed-monitor.ts: `<prefix>-monitor-worker`,
     * `-monitor-reduce` (Lambda), `-monitor-states` (Step Functions), `-monitor-scheduler` (EventBridge Scheduler)),
     * before the keys, so that the data and logs key policies can name them and they carry the platform boundary.
     */
    distributedMonitor?: boolean;
    /** Services allowed to use the logs key (CloudWatch Logs, CloudTrail, SNS publishers); defaults cover the platform. */
    logsKeyServicePrincipals?: string[];
    /**
     * Further roles (ARNs, created before this component) that encrypt/decrypt with a key, e.g. the AWS Config
     * recorder role delivering to the audit bucket (logs key). Added to the key policy's KeyUseByPlatformRoles.
     */
    extraKeyUsers?: Partial<Record<KeyPurpose, pulumi.Input<string>[]>>;
    /**
     * Roles (ARNs, created before this component) that read the keys' configuration - DescribeKey, GetKeyPolicy,
     * GetKeyRotationStatus, ListResourceTags - without any key use: the read-only CI role refreshing the stack.
     * Needed in the key policy because with adminRoleArns set the policy does not delegate to the account.
     */
    keyConfigurationReaders?: pulumi.Input<string>[];
}

export interface NetworkAccess {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** The distributed monitor's roles and their name suffixes (`<prefix>-<suffix>`; the worker and reduce functions share their role's name). */
export interface DistributedMonitorRoles {
    worker: aws.iam.Role;
    reduce: aws.iam.Role;
    stateMachine: aws.iam.Role;
    scheduler: aws.iam.Role;
}
export const DISTRIBUTED_MONITOR_ROLE_SUFFIX: Readonly<Record<keyof DistributedMonitorRoles, string>> = {
    worker: "monitor-worker",
    reduce: "monitor-reduce",
    stateMachine: "monitor-states",
    scheduler: "monitor-scheduler",
};
/** The distributed monitor's state machine is `<prefix>-<suffix>`: the logs key policy names its ARN (encryption context). */
export const DISTRIBUTED_MONITOR_STATE_MACHINE_SUFFIX = "monitor";

export class PlatformSecurity extends pulumi.ComponentResource {
    public readonly roles: Record<Activity, aws.iam.Role>;
    public readonly keys: Record<KeyPurpose, aws.kms.Key>;
    public readonly boundary: aws.iam.Policy;
    /** The serverless monitor's execution role (`serverlessMonitor: true`), for components/serverless-monitor.ts. */
    public readonly serverlessMonitorRole?: aws.iam.Role;
    /** The distributed monitor's roles (`distributedMonitor: true`), for components/distributed-monitor.ts. */
    public readonly distributedMonitorRoles?: DistributedMonitorRoles;
    public readonly accountId: pulumi.Output<string>;
    public readonly partition: pulumi.Output<string>;
    public readonly region: pulumi.Output<string>;
    public readonly roleArns: pulumi.Output<Record<Activity, string>>;
    public readonly keyArns: pulumi.Output<Record<KeyPurpose, string>>;
    private readonly prefix: string;

    constructor(name: string, args: PlatformSecurityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.PlatformSecurity, name, {}, withPreviousTypes("PlatformSecurity", opts));
        const p = args.namePrefix;
        this.prefix = p;
        const opt = { parent: this };
        const identity = aws.getCallerIdentityOutput({}, opt);
        const partition = aws.getPartitionOutput({}, opt);
        const region = aws.getRegionOutput({}, opt);
        this.accountId = identity.accountId;
        this.partition = partition.partition;
        this.region = region.region;
        const arn = (svc: string, res: string, withRegion = true) =>
            pulumi.interpolate`arn:${this.partition}:${svc}:${withRegion ? this.region : ""}:${this.accountId}:${res}`;

        // Permissions boundary: the ceiling for every platform role. Grants can only narrow it.
        this.boundary = new aws.iam.Policy(
            `${name}-boundary`,
            {
                name: `${p}-permissions-boundary`,
                description: `Permissions boundary for every ${p} ML platform role`,
                policy: policyDocument(boundaryStatements(p, this.region, this.partition, this.accountId)),
                tags: exemption("least-privilege-iam", {
                    reason: "Permissions boundary: a ceiling that grants nothing by itself - each role policy scopes actions to resources",
                    approver: "platform-security",
                    ticket: "MLP-101",
                    expires: PLATFORM_EXEMPTIONS_EXPIRE,
                }),
            },
            opt,
        );

        const sourceAccount = { StringEquals: { "aws:SourceAccount": this.accountId } };
        const roles = {} as Record<Activity, aws.iam.Role>;
        for (const activity of ACTIVITIES) {
            const trust =
                activity === "ciDeploy"
                    ? this.ciTrust(args)
                    : pulumi.output(sourceAccount).apply((cond) =>
                          JSON.stringify({
                              Version: "2012-10-17",
                              Statement: [{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole", Condition: cond }],
                          }),
                      );
            roles[activity] = new aws.iam.Role(
                `${name}-${activity}`,
                {
                    name: `${p}-${kebab(activity)}`,
                    description: `${p} ML platform: ${activity} activity`,
                    assumeRolePolicy: trust,
                    permissionsBoundary: this.boundary.arn,
                    maxSessionDuration: 3600,
                    forceDetachPolicies: true,
                },
                opt,
            );
        }
        this.roles = roles;
        const monitorFunctionName = `${p}-serverless-monitor`;
        if (args.serverlessMonitor) {
            this.serverlessMonitorRole = new aws.iam.Role(
                `${name}-serverless-monitor`,
                {
                    name: monitorFunctionName,
                    description: `${p} serverless data-quality monitor (Lambda ${monitorFunctionName})`,
                    assumeRolePolicy: pulumi.output(sourceAccount).apply((cond) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole", Condition: cond }],
                        }),
                    ),
                    permissionsBoundary: this.boundary.arn,
                    maxSessionDuration: 3600,
                    forceDetachPolicies: true,
                },
                opt,
            );
        }
        if (args.distributedMonitor) {
            const service: Record<keyof DistributedMonitorRoles, string> = {
                worker: "lambda.amazonaws.com",
                reduce: "lambda.amazonaws.com",
                stateMachine: "states.amazonaws.com",
                scheduler: "scheduler.amazonaws.com",
            };
            const made = {} as DistributedMonitorRoles;
            for (const key of Object.keys(DISTRIBUTED_MONITOR_ROLE_SUFFIX) as (keyof DistributedMonitorRoles)[]) {
                const roleName = `${p}-${DISTRIBUTED_MONITOR_ROLE_SUFFIX[key]}`;
                made[key] = new aws.iam.Role(
                    `${name}-${DISTRIBUTED_MONITOR_ROLE_SUFFIX[key]}`,
                    {
                        name: roleName,
                        description: `${p} distributed data-quality monitor: ${key} (${service[key]})`,
                        // Confused-deputy guard: only this account's Lambda / Step Functions / Scheduler may assume it.
                        assumeRolePolicy: pulumi.output(sourceAccount).apply((cond) =>
                            JSON.stringify({
                                Version: "2012-10-17",
                                Statement: [{ Effect: "Allow", Principal: { Service: service[key] }, Action: "sts:AssumeRole", Condition: cond }],
                            }),
                        ),
                        permissionsBoundary: this.boundary.arn,
                        maxSessionDuration: 3600,
                        forceDetachPolicies: true,
                    },
                    opt,
                );
            }
            this.distributedMonitorRoles = made;
        }
        const viaS3 = pulumi.interpolate`s3.${this.region}.amazonaws.com`;

        const admins = args.adminRoleArns ?? [];
        const breakGlass = (args.breakGlassRoleArns ?? []).filter((a) => !admins.includes(a));
        const root = pulumi.interpolate`arn:${this.partition}:iam::${this.accountId}:root`;
        // Key administrators: the named administrators (the account, i.e. IAM, when none is named) and the break-glass
        // roles. Whoever runs `pulumi up` must be one of them: CreateKey/PutKeyPolicy refuse a policy that would not let
        // the caller change it again (the policy lockout safety check).
        const adminPrincipals: pulumi.Input<string>[] = [...(admins.length > 0 ? admins : [root]), ...breakGlass];
        const deployers: pulumi.Input<string>[] = [roles.ciDeploy.arn, ...(admins.length > 0 ? admins : [root]), ...breakGlass];
        const trailArn = arn("cloudtrail", `trail/${args.trailName ?? `${p}-trail`}`);
        // Who reads the audit trail's log files: the named auditors and administrators; the account (IAM delegation)
        // only when neither is configured, like key administration.
        const auditors = [...(args.auditorRoleArns ?? []), ...admins.filter((a) => !(args.auditorRoleArns ?? []).includes(a))];
        const auditorPrincipals: pulumi.Input<string>[] =
            auditors.length > 0 ? auditors : [pulumi.interpolate`arn:${this.partition}:iam::${this.accountId}:root`];
        const logServices = args.logsKeyServicePrincipals ?? [
            "cloudwatch.amazonaws.com",
            "events.amazonaws.com",
            "budgets.amazonaws.com",
            "costalerts.amazonaws.com",
        ];
        const keys = {} as Record<KeyPurpose, aws.kms.Key>;
        for (const purpose of ["data", "artifacts", "logs"] as KeyPurpose[]) {
            const users = KEY_USERS[purpose].map((a) => roles[a].arn);
            const keyUsers: pulumi.Input<string>[] = [...users, ...(args.extraKeyUsers?.[purpose] ?? [])];
            const statements: pulumi.Input<PolicyStatement & { Principal: unknown }>[] = [
                {
                    Sid: "KeyAdministration",
                    Effect: "Allow",
                    Principal: { AWS: adminPrincipals },
                    Action: KEY_ADMIN_ACTIONS,
                    Resource: "*", // In a key policy, "*" means "this key".
                },
                {
                    Sid: "KeyUseByPlatformRoles",
                    Effect: "Allow",
                    Principal: { AWS: keyUsers },
                    Action: kmsActions("encrypt-decrypt").filter((a) => a !== "kms:CreateGrant"),
                    Resource: "*",
                },
                {
                    Sid: "GrantsForAwsServicesOnly",
                    Effect: "Allow",
                    Principal: { AWS: users },
                    Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    Resource: "*",
                    Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
                },
            ];
            // The deployers: the CI deploy role (model roll-outs) and the stack administrators (`pulumi up`), or the
            // account (IAM decides) when no administrator is named. Creating resources encrypted with a key needs key use
            // by the caller: CreateFeatureGroup with OnlineStoreSecurityConfig/OfflineStoreConfig KmsKeyId
            // (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OnlineStoreSecurityConfig.html lists
            // Encrypt, Decrypt, DescribeKey, CreateGrant, RetireGrant, ReEncryptFrom/To, GenerateDataKey*), endpoint
            // configurations with KmsKeyId and capture KmsKeyId, Lambda functions with KMSKeyArn. Only through those
            // services (kms:ViaService) and in this account (kms:CallerAccount); grants only for AWS resources.
            const deployerServices = this.region.apply((r) => ["sagemaker", "s3", "lambda"].map((svc) => `${svc}.${r}.amazonaws.com`));
            statements.push(
                {
                    Sid: "DeployersUseKeyThroughAwsServices",
                    Effect: "Allow",
                    Principal: { AWS: deployers },
                    Action: DEPLOYER_KEY_ACTIONS,
                    Resource: "*",
                    Condition: { StringEquals: { "kms:CallerAccount": this.accountId, "kms:ViaService": deployerServices } },
                },
                {
                    Sid: "DeployersCreateGrantsForAwsResources",
                    Effect: "Allow",
                    Principal: { AWS: deployers },
                    Action: "kms:CreateGrant",
                    Resource: "*",
                    Condition: {
                        StringEquals: { "kms:CallerAccount": this.accountId, "kms:ViaService": deployerServices },
                        Bool: { "kms:GrantIsForAWSResource": true },
                    },
                },
            );
            const monitorRole = this.serverlessMonitorRole;
            if (monitorRole && purpose === "data") {
                // The serverless monitor reads the endpoint's capture (capture bucket, data key) through S3.
                statements.push({
                    Sid: "ServerlessMonitorReadsCaptureViaS3",
                    Effect: "Allow",
                    Principal: { AWS: [monitorRole.arn] },
                    Action: ["kms:Decrypt", "kms:DescribeKey"],
                    Resource: "*",
                    Condition: { StringEquals: { "kms:ViaService": viaS3, "kms:CallerAccount": this.accountId } },
                });
            }
            if (monitorRole && purpose === "logs") {
                // The monitoring bucket is encrypted with the logs key: the monitor reads its baseline and writes reports
                // through S3, and Lambda decrypts the function's environment (encryption context: the function ARN).
                statements.push(
                    {
                        Sid: "ServerlessMonitorBaselinesAndReportsViaS3",
                        Effect: "Allow",
                        Principal: { AWS: [monitorRole.arn] },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                        Resource: "*",
                        Condition: { StringEquals: { "kms:ViaService": viaS3, "kms:CallerAccount": this.accountId } },
                    },
                    {
                        Sid: "ServerlessMonitorDecryptsItsEnvironment",
                        Effect: "Allow",
                        Principal: { AWS: [monitorRole.arn] },
                        Action: "kms:Decrypt",
                        Resource: "*",
                        Condition: { StringEquals: { "kms:EncryptionContext:aws:lambda:FunctionArn": arn("lambda", `function:${monitorFunctionName}`) } },
                    },
                );
            }
            const dm = this.distributedMonitorRoles;
            if (dm && purpose === "data") {
                // The distributed monitor's worker reads the endpoint's capture (capture bucket, data key) through S3.
                statements.push({
                    Sid: "DistributedMonitorWorkerReadsCaptureViaS3",
                    Effect: "Allow",
                    Principal: { AWS: [dm.worker.arn] },
                    Action: ["kms:Decrypt", "kms:DescribeKey"],
                    Resource: "*",
                    Condition: { StringEquals: { "kms:ViaService": viaS3, "kms:CallerAccount": this.accountId } },
                });
            }
            if (dm && purpose === "logs") {
                const stateMachineArn = arn("states", `stateMachine:${p}-${DISTRIBUTED_MONITOR_STATE_MACHINE_SUFFIX}`);
                const logDeliveryContext = arn("logs", "*");
                const viaStates = pulumi.interpolate`states.${this.region}.amazonaws.com`;
                // use through Step Functions, in this account, for this state machine only
                const viaThisStateMachine = {
                    StringEquals: {
                        "kms:ViaService": viaStates,
                        "kms:CallerAccount": this.accountId,
                        "kms:EncryptionContext:aws:states:stateMachineArn": stateMachineArn,
                    },
                };
                // The monitoring bucket (logs key): the worker reads the baseline and writes partials, the reducer reads
                // both and writes reports, the state machine's ItemReader reads the plan; all through S3. The dead-letter
                // queue (logs key): the state machine and the scheduler send to it through SQS. Lambda decrypts each
                // function's environment (encryption context: its function ARN).
                statements.push(
                    {
                        Sid: "DistributedMonitorUsesMonitoringBucketViaS3",
                        Effect: "Allow",
                        Principal: { AWS: [dm.worker.arn, dm.reduce.arn, dm.stateMachine.arn] },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                        Resource: "*",
                        Condition: { StringEquals: { "kms:ViaService": viaS3, "kms:CallerAccount": this.accountId } },
                    },
                    {
                        Sid: "DistributedMonitorDeadLettersViaSqs",
                        Effect: "Allow",
                        Principal: { AWS: [dm.stateMachine.arn, dm.scheduler.arn] },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                        Resource: "*",
                        Condition: {
                            StringEquals: { "kms:ViaService": pulumi.interpolate`sqs.${this.region}.amazonaws.com`, "kms:CallerAccount": this.accountId },
                        },
                    },
                    // The state machine's execution data (definition, inputs, outputs, execution history, the
                    // Distributed Map's child executions) is encrypted with this key ("Data at rest encryption in Step
                    // Functions", https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html): its
                    // execution role calls KMS itself, Decrypt and GenerateDataKey with the encryption context
                    // aws:states:stateMachineArn = the state machine's ARN (the document's execution-role policy); with
                    // CloudWatch Logs integration on, it also generates the data key of the log delivery (encryption
                    // context SourceArn = this account's logs, Step 3 of the document) and CloudWatch Logs' delivery
                    // service decrypts it (same context: KMS decrypts only under the context the data was encrypted with).
                    // The scheduler needs nothing: StartExecution requires no KMS permission of its caller (the
                    // document's "Required permissions for API callers"); no workload role reads execution history (the
                    // administrators can, through the deployer statement below).
                    {
                        Sid: "DistributedMonitorStateMachineExecutionData",
                        Effect: "Allow",
                        Principal: { AWS: [dm.stateMachine.arn] },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                        Resource: "*",
                        Condition: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": stateMachineArn } },
                    },
                    {
                        Sid: "DistributedMonitorStateMachineLogDelivery",
                        Effect: "Allow",
                        Principal: { AWS: [dm.stateMachine.arn] },
                        Action: "kms:GenerateDataKey",
                        Resource: "*",
                        Condition: { StringEquals: { "kms:EncryptionContext:SourceArn": logDeliveryContext } },
                    },
                    {
                        Sid: "LogDeliveryDecryptsStateMachineLogs",
                        Effect: "Allow",
                        Principal: { Service: "delivery.logs.amazonaws.com" } as unknown as never,
                        Action: "kms:Decrypt",
                        Resource: "*",
                        Condition: { StringEquals: { "kms:EncryptionContext:SourceArn": logDeliveryContext } },
                    },
                    // Whoever runs `pulumi up` creates and updates the state machine (CreateStateMachine/UpdateStateMachine:
                    // kms:DescribeKey and kms:GenerateDataKey by the caller, the document's prerequisite and API table)
                    // and reads it back (DescribeStateMachine: kms:Decrypt), through Step Functions: the stack
                    // administrators and break-glass roles (the account when none is named), not the CI deploy role,
                    // which rolls models out and never touches the state machine.
                    {
                        Sid: "AdministratorsDescribeKeyForStateMachine",
                        Effect: "Allow",
                        Principal: { AWS: adminPrincipals },
                        Action: "kms:DescribeKey",
                        Resource: "*",
                        Condition: { StringEquals: { "kms:ViaService": viaStates, "kms:CallerAccount": this.accountId } },
                    },
                    {
                        Sid: "AdministratorsDeployStateMachine",
                        Effect: "Allow",
                        Principal: { AWS: adminPrincipals },
                        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                        Resource: "*",
                        Condition: viaThisStateMachine,
                    },
                    // The read-only CI role refreshes the stack: DescribeStateMachine returns the definition, which
                    // needs kms:Decrypt of the caller (the document's API table; the Pulumi provider does not ask for
                    // METADATA_ONLY). Only through Step Functions and only for this state machine, so it cannot read
                    // execution data (its identity policy has no DescribeExecution / GetExecutionHistory either).
                    ...((args.keyConfigurationReaders ?? []).length > 0
                        ? [
                              {
                                  Sid: "CiReadOnlyReadsStateMachineDefinition",
                                  Effect: "Allow" as const,
                                  Principal: { AWS: args.keyConfigurationReaders! },
                                  Action: "kms:Decrypt",
                                  Resource: "*",
                                  Condition: viaThisStateMachine,
                              },
                          ]
                        : []),
                    {
                        Sid: "DistributedMonitorDecryptsItsEnvironment",
                        Effect: "Allow",
                        Principal: { AWS: [dm.worker.arn, dm.reduce.arn] },
                        Action: "kms:Decrypt",
                        Resource: "*",
                        Condition: {
                            StringEquals: {
                                "kms:EncryptionContext:aws:lambda:FunctionArn": pulumi.all([
                                    arn("lambda", `function:${p}-${DISTRIBUTED_MONITOR_ROLE_SUFFIX.worker}`),
                                    arn("lambda", `function:${p}-${DISTRIBUTED_MONITOR_ROLE_SUFFIX.reduce}`),
                                ]) as unknown as string,
                            },
                        },
                    },
                );
            }
            if ((args.keyConfigurationReaders ?? []).length > 0) {
                statements.push({
                    Sid: "ReadKeyConfiguration",
                    Effect: "Allow",
                    Principal: { AWS: args.keyConfigurationReaders! },
                    Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
                    Resource: "*",
                });
            }
            if (purpose === "logs") {
                statements.push(
                    {
                        Sid: "CloudWatchLogsEncryption",
                        Effect: "Allow",
                        Principal: { Service: pulumi.interpolate`logs.${this.region}.amazonaws.com` } as unknown as never,
                        // No kms:DescribeKey here: DescribeKey requests carry no encryption context (the Service
                        // Authorization Reference lists no kms:EncryptionContext keys for it), so under this condition
                        // it could never be allowed.
                        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey"],
                        Resource: "*",
                        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": arn("logs", "log-group:*") } },
                    },
                    // CloudTrail's key-policy sections as AWS documents them ("Configure AWS KMS key policies for
                    // CloudTrail", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html):
                    // GenerateDataKey* with the trail's encryption context, DescribeKey in its own statement (CreateTrail
                    // calls it without an encryption context), Decrypt because the audit bucket uses an S3 Bucket Key,
                    // each only for this stack's trail (aws:SourceArn, the documented best practice).
                    {
                        Sid: "AllowCloudTrailToEncryptLogs",
                        Effect: "Allow",
                        Principal: { Service: "cloudtrail.amazonaws.com" } as unknown as never,
                        Action: "kms:GenerateDataKey*",
                        Resource: "*",
                        Condition: {
                            StringEquals: { "aws:SourceArn": trailArn },
                            StringLike: {
                                "kms:EncryptionContext:aws:cloudtrail:arn": pulumi.interpolate`arn:${this.partition}:cloudtrail:*:${this.accountId}:trail/*`,
                            },
                        },
                    },
                    {
                        Sid: "AllowCloudTrailToDescribeKey",
                        Effect: "Allow",
                        Principal: { Service: "cloudtrail.amazonaws.com" } as unknown as never,
                        Action: "kms:DescribeKey",
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceArn": trailArn } },
                    },
                    {
                        Sid: "AllowCloudTrailToDecryptWithS3BucketKey",
                        Effect: "Allow",
                        Principal: { Service: "cloudtrail.amazonaws.com" } as unknown as never,
                        Action: "kms:Decrypt",
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceArn": trailArn } },
                    },
                    {
                        // The documented "decrypt log files" section, limited to named principals (auditors and
                        // administrators) instead of every principal of the account.
                        Sid: "AllowNamedAuditorsToDecryptLogFiles",
                        Effect: "Allow",
                        Principal: { AWS: auditorPrincipals },
                        Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
                        Resource: "*",
                        Condition: {
                            StringEquals: { "kms:CallerAccount": this.accountId },
                            StringLike: {
                                "kms:EncryptionContext:aws:cloudtrail:arn": pulumi.interpolate`arn:${this.partition}:cloudtrail:*:${this.accountId}:trail/*`,
                            },
                        },
                    },
                    {
                        Sid: "AlertPublishersEncryptToTopic",
                        Effect: "Allow",
                        Principal: { Service: logServices } as unknown as never,
                        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": this.accountId } },
                    },
                );
            }
            keys[purpose] = new aws.kms.Key(
                `${name}-${purpose}`,
                {
                    description: `${p} ML platform ${purpose} key`,
                    enableKeyRotation: true,
                    rotationPeriodInDays: 365,
                    deletionWindowInDays: args.keyDeletionWindowDays ?? 30,
                    keyUsage: "ENCRYPT_DECRYPT",
                    customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                    policy: pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Id: `${p}-${purpose}`, Statement: s })),
                },
                {
                    ...opt,
                    dependsOn: [
                        ...Object.values(roles),
                        ...(this.serverlessMonitorRole ? [this.serverlessMonitorRole] : []),
                        ...Object.values(this.distributedMonitorRoles ?? {}),
                    ],
                },
            );
            new aws.kms.Alias(`${name}-${purpose}-alias`, { name: `alias/${p}-${purpose}`, targetKeyId: keys[purpose].keyId }, opt);
        }
        this.keys = keys;

        // Baseline activity policies (Role Manager style): logs, metrics, built-in images.
        for (const activity of ACTIVITIES) {
            const statements: pulumi.Input<PolicyStatement>[] = [];
            const groups = LOG_GROUPS[activity];
            if (groups.length > 0) {
                statements.push({
                    Sid: "WriteOwnLogs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    Resource: groups.flatMap((g) => [arn("logs", `log-group:${g}*`), arn("logs", `log-group:${g}*:log-stream:*`)]),
                });
            }
            if (["processing", "training", "hosting", "monitoring"].includes(activity)) {
                statements.push(
                    {
                        Sid: "PublishSageMakerMetrics",
                        Effect: "Allow",
                        Action: "cloudwatch:PutMetricData",
                        Resource: "*", // PutMetricData supports no resource-level permissions; the namespace condition scopes it.
                        Condition: { StringLike: { "cloudwatch:namespace": ["aws/sagemaker/*", "/aws/sagemaker/*", "mlplatform/*"] } },
                    },
                    {
                        Sid: "PullBuiltInImages",
                        Effect: "Allow",
                        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                        Resource: BUILT_IN_IMAGE_REPOSITORIES.map((r) => pulumi.interpolate`arn:${this.partition}:ecr:${this.region}:*:repository/${r}`),
                    },
                    {
                        Sid: "EcrLogin",
                        Effect: "Allow",
                        Action: "ecr:GetAuthorizationToken",
                        Resource: "*", // GetAuthorizationToken is account-level; AWS only accepts "*".
                    },
                );
            }
            if (statements.length > 0) grant(this, name, "baseline", this.grantee(activity), statements);
        }

        // Every role may use the keys its activity needs (the key policies already name them; the IAM side mirrors it
        // so IAM Access Analyzer and the policy pack see one consistent picture).
        for (const purpose of Object.keys(KEY_USERS) as KeyPurpose[]) {
            for (const activity of KEY_USERS[purpose]) this.grantKeyUse(purpose, this.grantee(activity), `${purpose}-key`);
        }

        // The CI deploy role rolls models out: CreateEndpointConfig names the artifacts key (volumes) and the data key
        // (capture), so SageMaker needs the caller's key use on both. IAM side of the key policies' deployer statements.
        const viaSageMaker = pulumi.interpolate`sagemaker.${this.region}.amazonaws.com`;
        grant(this, name, "deploy-keys", this.grantee("ciDeploy"), [
            {
                Sid: "UseKeysThroughSageMaker",
                Effect: "Allow",
                Action: DEPLOYER_KEY_ACTIONS,
                Resource: [keys.data.arn, keys.artifacts.arn],
                Condition: { StringEquals: { "kms:ViaService": viaSageMaker, "kms:CallerAccount": this.accountId } },
            },
            {
                Sid: "GrantsForSageMakerResources",
                Effect: "Allow",
                Action: "kms:CreateGrant",
                Resource: [keys.data.arn, keys.artifacts.arn],
                Condition: {
                    StringEquals: { "kms:ViaService": viaSageMaker, "kms:CallerAccount": this.accountId },
                    Bool: { "kms:GrantIsForAWSResource": true },
                },
            },
        ]);

        this.roleArns = pulumi.output(Object.fromEntries(ACTIVITIES.map((a) => [a, roles[a].arn]))) as unknown as pulumi.Output<Record<Activity, string>>;
        this.keyArns = pulumi.output({ data: keys.data.arn, artifacts: keys.artifacts.arn, logs: keys.logs.arn });
        this.registerOutputs({ roleArns: this.roleArns, keyArns: this.keyArns, boundaryArn: this.boundary.arn });
    }

    /** The grantee handle of an activity's role, for `grant*` methods of other components. */
    grantee(activity: Activity): Grantee {
        return { activity, role: this.roles[activity] };
    }

    /** Allows `grantee` to encrypt and decrypt with one of the platform keys. */
    grantKeyUse(purpose: KeyPurpose, grantee: Grantee, what = `${purpose}-key`): aws.iam.RolePolicy {
        const actions = kmsActions("encrypt-decrypt");
        return grant(this, this.prefixName(), what, grantee, [
            { Sid: "UseKey", Effect: "Allow", Action: actions.filter((a) => a !== "kms:CreateGrant"), Resource: this.keys[purpose].arn },
            {
                Sid: "GrantsForAwsServices",
                Effect: "Allow",
                Action: "kms:CreateGrant",
                Resource: this.keys[purpose].arn,
                Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
            },
        ]);
    }

    /**
     * Lets SageMaker jobs and endpoints of the given activities attach network interfaces in the platform's subnets
     * and security groups only (VPC mode). The Describe actions have no resource-level permissions in EC2.
     */
    grantVpcAccess(activities: Activity[], net: NetworkAccess): void {
        const ec2 = (res: string) => pulumi.interpolate`arn:${this.partition}:ec2:${this.region}:${this.accountId}:${res}`;
        const subnetArns = pulumi.output(net.subnetIds).apply((ids) => ids.map((id) => `subnet/${id}`));
        const sgArns = pulumi.output(net.securityGroupIds).apply((ids) => ids.map((id) => `security-group/${id}`));
        const resources = pulumi
            .all([subnetArns, sgArns, this.partition, this.region, this.accountId])
            .apply(([s, g, part, reg, acct]) => [...s, ...g, "network-interface/*"].map((r) => `arn:${part}:ec2:${reg}:${acct}:${r}`));
        for (const activity of activities) {
            grant(this, this.prefixName(), "vpc", this.grantee(activity), [
                {
                    Sid: "DescribeNetwork",
                    Effect: "Allow",
                    Action: [
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeVpcs",
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeSecurityGroups",
                    ],
                    Resource: "*", // EC2 Describe* actions do not support resource-level permissions.
                },
                {
                    Sid: "NetworkInterfacesInPlatformSubnets",
                    Effect: "Allow",
                    Action: [
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateNetworkInterfacePermission",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission",
                    ],
                    Resource: resources,
                },
                {
                    Sid: "OnlyInPlatformVpc",
                    Effect: "Deny",
                    Action: ["ec2:CreateNetworkInterface"],
                    Resource: ec2("subnet/*"),
                    Condition: {
                        StringNotEquals: { "ec2:Vpc": pulumi.interpolate`arn:${this.partition}:ec2:${this.region}:${this.accountId}:vpc/${net.vpcId}` },
                    },
                },
            ]);
        }
    }

    /**
     * Lets the pipeline role create SageMaker jobs only inside the platform's VPC and with the platform's keys
     * (conditions on sagemaker:VpcSubnets, sagemaker:VpcSecurityGroupIds, sagemaker:VolumeKmsKeyArn, sagemaker:OutputKmsKeyArn: the keys the Service Authorization Reference lists for CreateTrainingJob and its siblings today; the key-less names are deprecated),
     * and pass only the platform's job roles, only to SageMaker.
     */
    grantJobControl(grantee: Grantee, net: NetworkAccess, passRoles: Activity[]): aws.iam.RolePolicy {
        const sm = (res: string) => pulumi.interpolate`arn:${this.partition}:sagemaker:${this.region}:${this.accountId}:${res}`;
        const jobs = ["processing-job", "training-job", "transform-job", "hyper-parameter-tuning-job"].map((j) => sm(`${j}/${this.prefix}-*`));
        const vpcConditions = {
            "ForAllValues:StringEquals": { "sagemaker:VpcSubnets": net.subnetIds, "sagemaker:VpcSecurityGroupIds": net.securityGroupIds },
            Null: { "sagemaker:VpcSubnets": "false", "sagemaker:VpcSecurityGroupIds": "false" },
            Bool: { "sagemaker:InterContainerTrafficEncryption": "true" },
            StringEquals: { "sagemaker:VolumeKmsKeyArn": this.keys.artifacts.arn, "sagemaker:OutputKmsKeyArn": this.keys.artifacts.arn },
        } as unknown as Record<string, Record<string, pulumi.Input<string>>>;
        const dataVpcConditions = {
            ...vpcConditions,
            StringEquals: { "sagemaker:VolumeKmsKeyArn": this.keys.data.arn, "sagemaker:OutputKmsKeyArn": this.keys.data.arn },
        };
        const transformConditions = {
            StringEquals: { "sagemaker:VolumeKmsKeyArn": this.keys.artifacts.arn, "sagemaker:OutputKmsKeyArn": this.keys.data.arn },
        } as unknown as Record<string, Record<string, pulumi.Input<string>>>;
        return grant(this, this.prefixName(), "job-control", grantee, [
            {
                Sid: "CreateTrainingAndTuningInVpcWithPlatformKeys",
                Effect: "Allow",
                Action: ["sagemaker:CreateTrainingJob", "sagemaker:CreateHyperParameterTuningJob"],
                Resource: [sm(`training-job/${this.prefix}-*`), sm(`hyper-parameter-tuning-job/${this.prefix}-*`)],
                Condition: vpcConditions,
            },
            {
                // Transform jobs run in the VPC of their model (CreateModel carries the VpcConfig); only KMS keys are checkable here.
                Sid: "CreateTransformWithPlatformKeys",
                Effect: "Allow",
                Action: ["sagemaker:CreateTransformJob"],
                Resource: sm(`transform-job/${this.prefix}-*`),
                Condition: transformConditions,
            },
            {
                Sid: "CreateProcessingInVpcWithDataKey",
                Effect: "Allow",
                Action: ["sagemaker:CreateProcessingJob"],
                Resource: sm(`processing-job/${this.prefix}-*`),
                Condition: dataVpcConditions,
            },
            {
                Sid: "ObserveAndStopOwnJobs",
                Effect: "Allow",
                Action: [
                    "sagemaker:DescribeTrainingJob",
                    "sagemaker:DescribeProcessingJob",
                    "sagemaker:DescribeTransformJob",
                    "sagemaker:DescribeHyperParameterTuningJob",
                    "sagemaker:StopTrainingJob",
                    "sagemaker:StopProcessingJob",
                    "sagemaker:StopTransformJob",
                    "sagemaker:StopHyperParameterTuningJob",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                Resource: jobs,
            },
            {
                Sid: "ListJobs",
                Effect: "Allow",
                Action: [
                    "sagemaker:ListTrainingJobs",
                    "sagemaker:ListProcessingJobs",
                    "sagemaker:ListTransformJobs",
                    "sagemaker:ListHyperParameterTuningJobs",
                    "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
                ],
                Resource: "*", // SageMaker List* actions do not support resource-level permissions.
            },
            {
                Sid: "PassOnlyPlatformRolesToSageMaker",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: passRoles.map((a) => this.roles[a].arn),
                Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
            },
        ]);
    }

    /**
     * Lets a deployer (the CI deploy role, deployment automation) roll approved model packages of one group out to the
     * platform's endpoints: create models and endpoint configurations named with the platform prefix, update endpoints
     * and their variant weights, and pass only the hosting role.
     */
    grantModelDeployment(grantee: Grantee, modelPackageGroupName: pulumi.Input<string>): aws.iam.RolePolicy {
        const sm = (res: pulumi.Input<string>) => pulumi.interpolate`arn:${this.partition}:sagemaker:${this.region}:${this.accountId}:${res}`;
        return grant(this, this.prefixName(), "model-deployment", grantee, [
            {
                // ListModelPackages takes the group *name*: SageMaker authorizes it on "*" (like every List call), so a
                // grant scoped to package ARNs is denied and the deploy step fails.
                Sid: "ListPackages",
                Effect: "Allow",
                Action: "sagemaker:ListModelPackages",
                Resource: "*",
            },
            {
                Sid: "ReadApprovedPackages",
                Effect: "Allow",
                Action: ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:UpdateModelPackage"],
                Resource: [
                    sm(pulumi.interpolate`model-package/${modelPackageGroupName}/*`),
                    sm(pulumi.interpolate`model-package-group/${modelPackageGroupName}`),
                ],
            },
            {
                Sid: "RollOutToPlatformEndpoints",
                Effect: "Allow",
                Action: [
                    "sagemaker:CreateModel",
                    "sagemaker:DescribeModel",
                    "sagemaker:DeleteModel",
                    "sagemaker:CreateEndpointConfig",
                    "sagemaker:DescribeEndpointConfig",
                    "sagemaker:DeleteEndpointConfig",
                    "sagemaker:CreateEndpoint",
                    "sagemaker:UpdateEndpoint",
                    "sagemaker:DescribeEndpoint",
                    "sagemaker:UpdateEndpointWeightsAndCapacities",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                Resource: ["model", "endpoint-config", "endpoint"].map((t) => sm(`${t}/${this.prefix}-*`)),
            },
            {
                Sid: "PassOnlyTheHostingRole",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: this.roles.hosting.arn,
                Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
            },
        ]);
    }

    private prefixName(): string {
        return this.prefix;
    }

    /**
     * The CI deploy role trusts only a federated CI identity (GitHub Actions OIDC by default): audience sts.amazonaws.com
     * and a subject pattern naming the repository and environment. The account's OIDC provider for
     * token.actions.githubusercontent.com is created once per account, outside the stacks (see README, 'Deploy to your account').
     */
    private ciTrust(args: PlatformSecurityArgs): pulumi.Output<string> {
        const providerArn: pulumi.Input<string> =
            args.ciOidcProviderArn ?? pulumi.interpolate`arn:${this.partition}:iam::${this.accountId}:oidc-provider/token.actions.githubusercontent.com`;
        const subject = args.ciOidcSubject;
        if (!subject || !/^repo:[^*/:]+\/[^*/:]+:.+$/.test(subject)) {
            // A wildcard owner/repository would let any GitHub repository's workflow assume the role.
            throw new Error(
                `PlatformSecurity: ciOidcSubject '${subject ?? ""}' must name the repository, e.g. repo:my-org/ml-platform:environment:${args.environment}`,
            );
        }
        return pulumi.output(providerArn).apply((arn) => githubOidcTrustPolicy(arn, subject));
    }
}

/** Key use a deployer needs while AWS services create encrypted resources on its behalf (OnlineStoreSecurityConfig's list). */
export const DEPLOYER_KEY_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
    "kms:RetireGrant",
];

/**
 * Key administration, listed action by action (the Service Authorization Reference's KMS actions on a `key`): no
 * wildcard, because AWS's default `kms:Create*` includes kms:CreateGrant, with which any principal the account lets
 * call it could hand itself Decrypt through a grant. Grants are created only through the GrantIsForAWSResource
 * statements. No Encrypt/Decrypt/GenerateDataKey: administrators cannot read data with this statement.
 */
export const KEY_ADMIN_ACTIONS = [
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:UpdateKeyDescription",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
];

function kebab(s: string): string {
    return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The permissions boundary: the services the platform's roles may ever use, and hard denies that no grant can lift
 * (removing the boundary, creating IAM users or keys, SageMaker jobs outside a VPC).
 */
function boundaryStatements(
    prefix: string,
    region: pulumi.Output<string>,
    partition: pulumi.Output<string>,
    account: pulumi.Output<string>,
): pulumi.Input<PolicyStatement[]> {
    return [
        {
            Sid: "PlatformServicesCeiling",
            Effect: "Allow",
            Action: [
                "s3:Get*",
                "s3:List*",
                "s3:PutObject",
                "s3:PutObjectTagging",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload",
                // The Feature Store offline-store writer sets the object ACL (AWS managed policy
                // AmazonSageMakerFeatureStoreAccess grants s3:PutObjectAcl); with BucketOwnerEnforced only
                // bucket-owner-full-control is accepted, so this cannot share objects.
                "s3:PutObjectAcl",
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
                "kms:CreateGrant",
                "kms:ListGrants",
                "kms:RevokeGrant",
                "kms:RetireGrant",
                "sagemaker:Create*",
                "sagemaker:Describe*",
                "sagemaker:List*",
                "sagemaker:Update*",
                "sagemaker:Stop*",
                "sagemaker:Delete*",
                "sagemaker:AddTags",
                "sagemaker:InvokeEndpoint",
                "sagemaker:BatchPutMetrics",
                "sagemaker:PutRecord",
                "sagemaker:GetRecord",
                "sagemaker:BatchGetRecord",
                "sagemaker:DeleteRecord",
                "sagemaker:StartPipelineExecution",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "cloudwatch:PutMetricData",
                "cloudwatch:GetMetricData",
                "ecr:GetAuthorizationToken",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchCheckLayerAvailability",
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "glue:GetDatabase",
                "glue:GetTable",
                "glue:GetTables",
                "glue:CreateTable",
                "glue:UpdateTable",
                "glue:GetPartitions",
                "glue:BatchCreatePartition",
                "athena:StartQueryExecution",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "sns:Publish",
                "events:PutEvents",
                "iam:PassRole",
                "sts:GetCallerIdentity",
                // The serverless monitor (Lambda in the VPC, active tracing): ENI addresses and X-Ray segments.
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                // The distributed monitor (components/distributed-monitor.ts): the state machine invokes its Lambdas,
                // starts its Distributed Map child executions, dead-letters to SQS and delivers its logs; the scheduler
                // starts it; X-Ray sampling when tracing is on.
                "lambda:InvokeFunction",
                "states:StartExecution",
                "states:DescribeExecution",
                "states:StopExecution",
                "sqs:SendMessage",
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:Describe*",
                "application-autoscaling:PutScalingPolicy",
            ],
            Resource: "*", // A boundary is a ceiling: it grants nothing by itself; the roles' own policies scope resources.
        },
        {
            Sid: "NeverRemoveTheBoundary",
            Effect: "Deny",
            Action: ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"],
            Resource: "*",
        },
        {
            Sid: "NoSageMakerJobsOutsideVpc",
            Effect: "Deny",
            Action: ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateHyperParameterTuningJob", "sagemaker:CreateModel"],
            Resource: "*",
            Condition: { Null: { "sagemaker:VpcSubnets": "true" } },
        },
        {
            Sid: "PassOnlyPlatformRoles",
            Effect: "Deny",
            Action: "iam:PassRole",
            NotResource: pulumi.interpolate`arn:${partition}:iam::${account}:role/${prefix}-*`,
        } as unknown as PolicyStatement,
        {
            Sid: "StayInPlatformRegion",
            Effect: "Deny",
            NotAction: ["iam:*", "sts:*", "cloudfront:*", "route53:*", "budgets:*", "ce:*", "support:*"],
            Resource: "*",
            Condition: { StringNotEquals: { "aws:RequestedRegion": region } },
        } as unknown as PolicyStatement,
    ];
}
