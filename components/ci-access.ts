/**
 * CiReadOnlyRole: the role the platform team's CI uses for everything that must not change the account -
 * `pulumi preview` on pull requests and the nightly drift job (`pulumi refresh --preview-only`, `pulumi stack export`)
 * (.github/workflows/pull-request.yml, drift.yml; docs/ci.md).
 * What it creates per stack: docs/components.md.
 *
 *   - `<namePrefix>-ci-readonly`, trusted only by GitHub Actions OIDC (audience sts.amazonaws.com) for the repository's
 *     pull requests and its main branch outside any environment (`repo:<owner>/<repo>:pull_request`,
 *     `repo:<owner>/<repo>:ref:refs/heads/main`); deploys run in GitHub environments (subject `...:environment:<env>`),
 *     which this role never trusts. GitHub documents the subject formats in "About security hardening with OpenID
 *     Connect" (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims).
 *   - Read-only configuration access (Describe/Get/List of the resource types the stack manages: what refresh reads),
 *     CI_READ_ACTIONS below; tests check every action against the Service Authorization Reference and that none is a
 *     Write or Permissions-management action.
 *   - The Pulumi state: read the stack's checkpoint, write only lock files (`.pulumi/locks/`), decrypt with the
 *     secrets-provider key - when `stateBucketName` / `secretsKmsKeyArn` are given (docs/ci.md step 4; without them
 *     the role has no state access and the preview/drift jobs fail at login, naming the bucket).
 *   - An explicit deny of object reads and writes in the platform's buckets (`<namePrefix>-*`): configuration yes, data no.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { githubOidcTrustPolicy, policyDocument, PolicyStatement } from "./grants";

/** Read-only actions refresh needs over the stack's resource types (no data-plane reads: no s3:GetObject, no logs:GetLogEvents). */
export const CI_READ_ACTIONS: readonly string[] = [
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "budgets:ViewBudget",
    "budgets:DescribeBudgetAction",
    "budgets:DescribeBudgetActionsForBudget",
    "ce:GetAnomalyMonitors",
    "ce:GetAnomalySubscriptions",
    "ce:ListTagsForResource",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrail",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetInsightSelectors",
    "cloudtrail:ListTags",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetDashboard",
    "cloudwatch:ListTagsForResource",
    "config:DescribeConfigRules",
    "config:DescribeConfigurationRecorders",
    "config:DescribeConfigurationRecorderStatus",
    "config:DescribeDeliveryChannels",
    "config:DescribeConformancePacks",
    "config:DescribeRemediationConfigurations",
    "config:ListTagsForResource",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeNatGateways",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeAddresses",
    "ec2:DescribePrefixLists",
    "ec2:DescribeTags",
    "events:DescribeRule",
    "events:ListTargetsByRule",
    "events:ListTagsForResource",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListRoleTags",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:ListPolicyTags",
    "iam:GetOpenIDConnectProvider",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:ListAliases",
    "lambda:GetPolicy",
    "lambda:ListTags",
    "lambda:GetFunctionCodeSigningConfig",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicy",
    "s3:GetBucketAcl",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketLogging",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketNotification",
    "s3:GetBucketCORS",
    "s3:GetBucketWebsite",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketRequestPayment",
    "sagemaker:DescribeEndpoint",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DescribeModel",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:DescribeFeatureGroup",
    "sagemaker:DescribeMonitoringSchedule",
    "sagemaker:DescribeDataQualityJobDefinition",
    "sagemaker:ListTags",
    "securityhub:DescribeHub",
    "securityhub:GetEnabledStandards",
    "sns:GetTopicAttributes",
    "sns:GetSubscriptionAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "scheduler:GetSchedule",
    "sqs:GetQueueAttributes",
    "sqs:ListQueueTags",
];

export interface CiReadOnlyRoleArgs {
    namePrefix: string;
    /** The deploy subject (security.ciOidcSubject, `repo:<owner>/<repo>:...`): the repository is taken from it. */
    ciOidcSubject: string;
    /** Subjects trusted instead of the defaults (pull requests and main of that repository). */
    subjects?: string[];
    ciOidcProviderArn?: pulumi.Input<string>;
    /** S3 bucket of the Pulumi state backend (`s3://<bucket>`); no state access is granted without it. */
    stateBucketName?: string;
    /** KMS key of the stack's secrets provider (`awskms://...`). */
    secretsKmsKeyArn?: string;
    tags?: Record<string, string>;
}

/** The OIDC subjects the read-only role trusts by default: the repository's pull requests and main branch. */
export function readOnlySubjects(ciOidcSubject: string): string[] {
    const m = /^repo:([^*/:]+\/[^*/:]+):/.exec(ciOidcSubject);
    if (!m) throw new Error(`CiReadOnlyRole: ciOidcSubject '${ciOidcSubject}' must name the repository, e.g. repo:my-org/ml-platform:environment:prod`);
    return [`repo:${m[1]}:pull_request`, `repo:${m[1]}:ref:refs/heads/main`];
}

/**
 * Reads of a state machine return its definition (the opt-in distributed monitor's, encrypted with the platform's
 * logs key, which lets this role decrypt it only through Step Functions): granted on the platform's state machines only.
 */
export const CI_STATE_MACHINE_READ_ACTIONS = ["states:DescribeStateMachine", "states:ListTagsForResource"] as const;

/** Reads that expose a function's environment: granted on the platform's functions only (never on "*"). */
export const CI_FUNCTION_READ_ACTIONS = ["lambda:GetFunction", "lambda:GetFunctionConfiguration"] as const;

export class CiReadOnlyRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly arn: pulumi.Output<string>;
    public readonly subjects: string[];

    constructor(name: string, args: CiReadOnlyRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.CiReadOnlyRole, name, {}, withPreviousTypes("CiReadOnlyRole", opts));
        const opt = { parent: this };
        const subjects = args.subjects && args.subjects.length > 0 ? args.subjects : readOnlySubjects(args.ciOidcSubject);
        for (const s of subjects) {
            if (!/^repo:[^*/:]+\/[^*/:]+:.+$/.test(s))
                throw new Error(`CiReadOnlyRole: subject '${s}' must name the repository (no wildcard owner or repository)`);
            if (/:environment:/.test(s))
                throw new Error(`CiReadOnlyRole: subject '${s}' is a deployment environment; the read-only role is for pull requests and the main branch`);
        }
        this.subjects = subjects;
        const account = aws.getCallerIdentityOutput({}, opt).accountId;
        const partition = aws.getPartitionOutput({}, opt).partition;
        const providerArn = pulumi.output(
            args.ciOidcProviderArn ?? pulumi.interpolate`arn:${partition}:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
        );
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: `${args.namePrefix}-ci-readonly`,
                description: `${args.namePrefix}: CI preview and drift checks (read-only; GitHub Actions OIDC)`,
                maxSessionDuration: 3600,
                assumeRolePolicy: providerArn.apply((arn) => githubOidcTrustPolicy(arn, subjects)),
                tags: args.tags,
            },
            opt,
        );
        this.arn = this.role.arn;

        const statements = partition.apply((part): PolicyStatement[] => {
            const out: PolicyStatement[] = [
                { Sid: "ReadConfiguration", Effect: "Allow", Action: [...CI_READ_ACTIONS], Resource: "*" },
                // A function's configuration includes its environment variables: only the platform's own functions.
                {
                    Sid: "ReadPlatformFunctions",
                    Effect: "Allow",
                    Action: [...CI_FUNCTION_READ_ACTIONS],
                    Resource: `arn:${part}:lambda:*:*:function:${args.namePrefix}-*`,
                },
                {
                    Sid: "ReadPlatformStateMachines",
                    Effect: "Allow",
                    Action: [...CI_STATE_MACHINE_READ_ACTIONS],
                    Resource: `arn:${part}:states:*:*:stateMachine:${args.namePrefix}-*`,
                },
                {
                    Sid: "NoPlatformData",
                    Effect: "Deny",
                    Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                    Resource: `arn:${part}:s3:::${args.namePrefix}-*/*`,
                },
            ];
            if (args.stateBucketName) {
                const bucket = `arn:${part}:s3:::${args.stateBucketName}`;
                out.push(
                    { Sid: "StateList", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
                    { Sid: "StateRead", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${bucket}/.pulumi/*` },
                    { Sid: "StateLocks", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${bucket}/.pulumi/locks/*` },
                );
            }
            if (args.secretsKmsKeyArn) out.push({ Sid: "StackSecrets", Effect: "Allow", Action: "kms:Decrypt", Resource: args.secretsKmsKeyArn });
            return out;
        });
        new aws.iam.RolePolicy(`${name}-read`, { role: this.role.id, name: `${args.namePrefix}-ci-readonly`, policy: policyDocument(statements) }, opt);
        this.registerOutputs({ arn: this.arn, subjects: this.subjects });
    }
}
