/**
 * The semantic corpus: insecure resources written in the many shapes Pulumi and AWS accept, each with the control it
 * stands for (AWS Security Hub FSBP / Checkov / IAM Access Analyzer), and secure look-alikes that must NOT be flagged.
 * test/gate/semantic-corpus.test.ts adds them to the real prod stack (the committed export) and runs the whole pack
 * with prod's pack config; test/policies/<rule>.test.ts run each rule alone over its entries.
 */
import taggable from "../../policies/data/taggable-types.json";

export interface CorpusResource {
    type: string;
    name: string;
    props: Record<string, any>;
    /** prop -> names of other corpus resources of the same entry (become propertyDependencies). */
    deps?: Record<string, string[]>;
}

export interface CorpusEntry {
    id: string;
    /** The rule that must catch it (insecure) or that it resembles (look-alike). */
    rule: string;
    /** The control it stands for. */
    control: string;
    resources: CorpusResource[];
    /** Insecure: the resource that must carry the violation (default: the first). */
    target?: string;
    message?: RegExp;
}

export const ACCOUNT = "123456789012";
export const FOREIGN = "210987654321";
const TAGGABLE = new Set<string>((taggable as { types: string[] }).types);
export const PROD_TAGS = { Project: "ml-platform", Environment: "prod", Owner: "ml-platform-team", CostCenter: "CC-1001", DataClassification: "restricted" };

const T = {
    bucket: "aws:s3/bucket:Bucket",
    bucketV2: "aws:s3/bucketV2:BucketV2",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    accountPab: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    aclV2: "aws:s3/bucketAclV2:BucketAclV2",
    topic: "aws:sns/topic:Topic",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    secret: "aws:secretsmanager/secret:Secret",
    secretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
    ecrPolicy: "aws:ecr/repositoryPolicy:RepositoryPolicy",
    logPolicy: "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
    mpgPolicy: "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
    key: "aws:kms/key:Key",
    lambdaPermission: "aws:lambda/permission:Permission",
    functionUrl: "aws:lambda/functionUrl:FunctionUrl",
    fn: "aws:lambda/function:Function",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    groupAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    userAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
    user: "aws:iam/user:User",
    accessKey: "aws:iam/accessKey:AccessKey",
    loginProfile: "aws:iam/userLoginProfile:UserLoginProfile",
    permissionSet: "aws:ssoadmin/permissionSet:PermissionSet",
    psInline: "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy",
    psManaged: "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment",
    notebook: "aws:sagemaker/notebookInstance:NotebookInstance",
    tuning: "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob",
    flow: "aws:sagemaker/flowDefinition:FlowDefinition",
    userProfile: "aws:sagemaker/userProfile:UserProfile",
    app: "aws:sagemaker/app:App",
    endpointConfig: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    naclRule: "aws:ec2/networkAclRule:NetworkAclRule",
    nacl: "aws:ec2/networkAcl:NetworkAcl",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    igw: "aws:ec2/internetGateway:InternetGateway",
    nat: "aws:ec2/natGateway:NatGateway",
    eigw: "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    route: "aws:ec2/route:Route",
    routeTable: "aws:ec2/routeTable:RouteTable",
    subnet: "aws:ec2/subnet:Subnet",
    eip: "aws:ec2/eip:Eip",
    vpc: "aws:ec2/vpc:Vpc",
    awsxVpc: "awsx:ec2:Vpc",
    flowLog: "aws:ec2/flowLog:FlowLog",
    volume: "aws:ebs/volume:Volume",
    ebsDefault: "aws:ebs/encryptionByDefault:EncryptionByDefault",
    rds: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    trail: "aws:cloudtrail/trail:Trail",
};
export { T as CORPUS_TYPES };

const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0f0e0d0c-1111-2222-3333-444455556666`;
const doc = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const r = (type: string, name: string, props: Record<string, any>, deps?: Record<string, string[]>): CorpusResource => ({
    type,
    name,
    props,
    ...(deps ? { deps } : {}),
});

const TLS_DENY = (bucket: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});

// ---- resource policies: who outside the account can do what ---------------------------------------------------

/** A resource-policy holder for each type, built around a statement list. */
const holders: {
    label: string;
    control: string;
    make: (name: string, stmts: Record<string, unknown>[], resource: string) => CorpusResource[];
    resource: string;
    action: string;
}[] = [
    {
        label: "bucket policy",
        control: "FSBP S3.2/S3.3 (Access Analyzer: public bucket)",
        resource: "arn:aws:s3:::corpus-shared/*",
        action: "s3:GetObject",
        make: (name, stmts) => [r(T.bucketPolicy, name, { bucket: "mlp-prod-curated-88dbbe98", policy: doc(TLS_DENY("mlp-prod-curated-88dbbe98"), ...stmts) })],
    },
    {
        label: "SNS topic policy",
        control: "FSBP SNS.4 / Access Analyzer",
        resource: `arn:aws:sns:us-east-1:${ACCOUNT}:corpus-topic`,
        action: "sns:Publish",
        make: (name, stmts) => [r(T.topicPolicy, name, { arn: `arn:aws:sns:us-east-1:${ACCOUNT}:corpus-topic`, policy: doc(...stmts) })],
    },
    {
        label: "SQS queue policy",
        control: "FSBP SQS.3 / Checkov CKV_AWS_168",
        resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:corpus-queue`,
        action: "sqs:SendMessage",
        make: (name, stmts) => [r(T.queuePolicy, name, { queueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/corpus-queue`, policy: doc(...stmts) })],
    },
    {
        label: "Secrets Manager secret policy",
        control: "Access Analyzer (secret) / Checkov CKV_AWS_301-like",
        resource: "*",
        action: "secretsmanager:GetSecretValue",
        make: (name, stmts) => [
            r(T.secretPolicy, name, { secretArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:corpus-AbCdEf`, policy: doc(...stmts) }),
        ],
    },
    {
        label: "ECR repository policy",
        control: "Access Analyzer (ECR) / FSBP ECR public",
        resource: "*",
        action: "ecr:BatchGetImage",
        make: (name, stmts) => [r(T.ecrPolicy, name, { repository: "corpus-repo", policy: doc(...stmts) })],
    },
    {
        label: "CloudWatch Logs resource policy",
        control: "Access Analyzer (logs) / cross-account log delivery",
        resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/corpus/*`,
        action: "logs:PutLogEvents",
        make: (name, stmts) => [r(T.logPolicy, name, { policyName: name, policyDocument: doc(...stmts) })],
    },
    {
        label: "model package group policy",
        control: "Access Analyzer (SageMaker model registry)",
        resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/corpus/*`,
        action: "sagemaker:DescribeModelPackage",
        make: (name, stmts) => [r(T.mpgPolicy, name, { modelPackageGroupName: "corpus", resourcePolicy: doc(...stmts) })],
    },
];

/** Principal/condition shapes that let someone outside the account in. */
const openShapes: { label: string; stmt: (action: string, resource: string) => Record<string, unknown>; message: RegExp }[] = [
    { label: 'Principal "*"', stmt: (a, res) => ({ Effect: "Allow", Principal: "*", Action: a, Resource: res }), message: /lets anyone/ },
    {
        label: '{"AWS": "*"} with a negated StringNotEquals aws:PrincipalAccount',
        stmt: (a, res) => ({
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: a,
            Resource: res,
            Condition: { StringNotEquals: { "aws:PrincipalAccount": FOREIGN } },
        }),
        message: /lets anyone/,
    },
    {
        label: "NotPrincipal with Allow",
        stmt: (a, res) => ({ Effect: "Allow", NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/blocked` }, Action: a, Resource: res }),
        message: /everyone except/,
    },
    {
        label: "a foreign account root",
        stmt: (a, res) => ({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` }, Action: a, Resource: res }),
        message: new RegExp(`account ${FOREIGN}`),
    },
    {
        label: "a wildcard-account role ARN arn:aws:iam::*:role/x",
        stmt: (a, res) => ({
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: a,
            Resource: res,
            Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/ci" } },
        }),
        message: /lets anyone/,
    },
    {
        label: "ForAllValues on an absent key (vacuously true)",
        stmt: (a, res) => ({
            Effect: "Allow",
            Principal: "*",
            Action: a,
            Resource: res,
            Condition: { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": ["o-abc123"] } },
        }),
        message: /lets anyone/,
    },
    {
        label: 'StringLike aws:PrincipalOrgID "*"',
        stmt: (a, res) => ({ Effect: "Allow", Principal: "*", Action: a, Resource: res, Condition: { StringLike: { "aws:PrincipalOrgID": "*" } } }),
        message: /lets anyone/,
    },
    {
        label: "StringEqualsIfExists aws:SourceAccount",
        stmt: (a, res) => ({
            Effect: "Allow",
            Principal: "*",
            Action: a,
            Resource: res,
            Condition: { StringEqualsIfExists: { "aws:SourceAccount": ACCOUNT } },
        }),
        message: /lets anyone/,
    },
];

/** Look-alike shapes: a wildcard principal pinned by a real positive condition, or own-account principals. */
const pinnedShapes: { label: string; stmt: (action: string, resource: string) => Record<string, unknown> }[] = [
    {
        label: "Principal * pinned by StringEquals aws:PrincipalOrgID",
        stmt: (a, res) => ({
            Effect: "Allow",
            Principal: "*",
            Action: a,
            Resource: res,
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123def4" } },
        }),
    },
    {
        label: "own-account role",
        stmt: (a, res) => ({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training` }, Action: a, Resource: res }),
    },
    {
        label: "Principal * pinned by aws:ResourceAccount = ${aws:PrincipalAccount}",
        stmt: (a, res) => ({
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: a,
            Resource: res,
            Condition: { StringEquals: { "aws:ResourceAccount": "${aws:PrincipalAccount}", "aws:PrincipalAccount": ACCOUNT } },
        }),
    },
];

const externalInsecure: CorpusEntry[] = holders.flatMap((h, i) =>
    openShapes
        .filter((_, j) => (i + j) % 2 === 0 || j < 2) // every holder gets Principal "*" and a negated condition, plus half of the rest
        .map((s, j) => ({
            id: `${h.label} with ${s.label}`,
            rule: "resource-policy-external-access",
            control: h.control,
            resources: h.make(`corpus-ext-${i}-${j}`, [s.stmt(h.action, h.resource)], h.resource),
            message: s.message,
        })),
);

const externalLookalikes: CorpusEntry[] = holders.flatMap((h, i) =>
    pinnedShapes
        .filter((_, j) => (i + j) % 2 === 0)
        .map((s, j) => ({
            id: `${h.label} with ${s.label}`,
            rule: "resource-policy-external-access",
            control: h.control,
            resources: h.make(`corpus-extok-${i}-${j}`, [s.stmt(h.action, h.resource)], h.resource),
        })),
);

// ---- identity policies: admin, escalation, data reads on everything ------------------------------------------

const identityHolders: { label: string; make: (name: string, d: string) => CorpusResource[] }[] = [
    { label: "role policy", make: (n, d) => [r(T.rolePolicy, n, { role: "mlp-prod-training", policy: d })] },
    {
        label: "managed policy (attached)",
        make: (n, d) => [
            r(T.policy, n, { policy: d }),
            r(T.attachment, `${n}-att`, { role: "mlp-prod-training", policyArn: `arn:aws:iam::${ACCOUNT}:policy/${n}` }, { policyArn: [n] }),
        ],
    },
    { label: "group policy", make: (n, d) => [r(T.groupPolicy, n, { group: "ml-engineers", policy: d })] },
    {
        label: "role inlinePolicies",
        make: (n, d) => [
            r(T.role, n, {
                assumeRolePolicy: doc({
                    Effect: "Allow",
                    Principal: { Service: "sagemaker.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
                }),
                inlinePolicies: [{ name: "inline", policy: d }],
            }),
        ],
    },
    {
        label: "SSO permission-set inline policy",
        make: (n, d) => [
            r(T.psInline, n, {
                instanceArn: "arn:aws:sso:::instance/ssoins-1",
                permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
                inlinePolicy: d,
            }),
        ],
    },
];

const escalationShapes: { label: string; stmt: Record<string, unknown>; message: RegExp }[] = [
    { label: 'Action "*" on Resource "*"', stmt: { Effect: "Allow", Action: "*", Resource: "*" }, message: /every action/ },
    { label: "NotAction with Allow on *", stmt: { Effect: "Allow", NotAction: "iam:*", Resource: "*" }, message: /every action/ },
    {
        label: "iam:PassRole on arn:aws:iam::*:role/*",
        stmt: {
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: "arn:aws:iam::*:role/*",
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
        message: /privilege escalation iam:PassRole/,
    },
    {
        label: "iam:*Policy* wildcard (CreatePolicyVersion, AttachRolePolicy...) on arn:*:*:*:*:*",
        stmt: { Effect: "Allow", Action: ["iam:*Policy*"], Resource: "arn:*:*:*:*:*" },
        message: /privilege escalation/,
    },
    {
        label: "s3:Get* on arn:aws:s3:::* (object reads counted as read-only)",
        stmt: { Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::*" },
        message: /data\/secret reads s3:GetObject/,
    },
    { label: "secretsmanager:Get* on *", stmt: { Effect: "Allow", Action: "secretsmanager:Get*", Resource: "*" }, message: /secretsmanager:GetSecretValue/ },
    { label: "sts:AssumeRole on *", stmt: { Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }, message: /sts:AssumeRole/ },
    {
        label: "kms:CreateGrant + kms:Decrypt on *",
        stmt: { Effect: "Allow", Action: ["kms:CreateGrant", "kms:Decrypt"], Resource: "*" },
        message: /kms:CreateGrant/,
    },
    {
        label: "iam:UpdateAssumeRolePolicy on arn:aws:iam::123456789012:role/*",
        stmt: { Effect: "Allow", Action: "iam:UpdateAssumeRolePolicy", Resource: `arn:aws:iam::${ACCOUNT}:role/*` },
        message: /iam:UpdateAssumeRolePolicy/,
    },
    {
        label: "ssm:GetParameter* on arn:aws:ssm:*:*:parameter/*",
        stmt: { Effect: "Allow", Action: "ssm:GetParameter*", Resource: "arn:aws:ssm:*:*:parameter/*" },
        message: /ssm:GetParameter/,
    },
];

const escalationInsecure: CorpusEntry[] = escalationShapes.flatMap((s, i) =>
    identityHolders
        .filter((_, j) => (i + j) % 3 === 0 || j === 0)
        .map((h, j) => ({
            id: `${h.label}: ${s.label}`,
            rule: "iam-privilege-escalation",
            control: "FSBP IAM.1/IAM.21, Checkov CKV_AWS_1/CKV_AWS_107/CKV_AWS_108/CKV_AWS_110",
            resources: h.make(`corpus-esc-${i}-${j}`, doc(s.stmt)),
            message: s.message,
        })),
);

const escalationLookalikes: CorpusEntry[] = [
    { label: "s3:GetObject on one bucket's objects", stmt: { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::mlp-prod-curated-88dbbe98/*" } },
    {
        label: "iam:PassRole on one named role with PassedToService",
        stmt: {
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-hosting`,
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
    },
    {
        label: "secretsmanager:GetSecretValue on one secret",
        stmt: { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:mlp-prod-db-AbCdEf` },
    },
    { label: "kms:Decrypt on one key ARN", stmt: { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN } },
    {
        label: "sagemaker:Describe* and List* on * (read-only metadata)",
        stmt: { Effect: "Allow", Action: ["sagemaker:Describe*", "sagemaker:List*"], Resource: "*" },
    },
    {
        label: "Deny * on * (a guard, not a grant)",
        stmt: { Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
    },
].map((s, i) => ({
    id: `role policy: ${s.label}`,
    rule: "iam-privilege-escalation",
    control: "FSBP IAM.21",
    resources: identityHolders[0].make(`corpus-escok-${i}`, doc(s.stmt)),
}));

const adminAttachments: CorpusEntry[] = [
    [T.attachment, "policyArn", { role: "mlp-prod-training" }],
    [T.groupAttachment, "policyArn", { group: "ml-engineers" }],
    [T.psManaged, "managedPolicyArn", { instanceArn: "arn:aws:sso:::instance/ssoins-1", permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1" }],
].flatMap(([type, field, extra], i) =>
    ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"]
        .filter((_, j) => (i + j) % 2 === 0)
        .map((p, j) => ({
            id: `${(type as string).split(":").pop()} attaching ${p}`,
            rule: "iam-privilege-escalation",
            control: "FSBP IAM.1, Checkov CKV_AWS_274",
            resources: [r(type as string, `corpus-admin-${i}-${j}`, { ...(extra as object), [field as string]: `arn:aws:iam::aws:policy/${p}` })],
            message: new RegExp(p),
        })),
);

// ---- everything else, one entry per shape -------------------------------------------------------------------

const KMS_RULE = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }, bucketKeyEnabled: true }];
const PAB_ALL = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

/** A compliant bucket (SSE-KMS, TLS-only policy, public access block), with `change` applied to its parts. */
function bucketSet(
    n: string,
    change: { bucket?: Record<string, any>; pab?: Record<string, any> | null; policyDoc?: string; extra?: CorpusResource[]; type?: string } = {},
): CorpusResource[] {
    const name = `corpus-${n}`;
    const out: CorpusResource[] = [
        r(change.type ?? T.bucket, name, { bucket: name, ...(change.bucket ?? {}) }),
        r(T.sse, `${name}-sse`, { bucket: name, rules: KMS_RULE }),
        r(T.bucketPolicy, `${name}-policy`, { bucket: name, policy: change.policyDoc ?? doc(TLS_DENY(name)) }),
    ];
    if (change.pab !== null) out.push(r(T.pab, `${name}-pab`, { bucket: name, ...PAB_ALL, ...(change.pab ?? {}) }));
    return [...out, ...(change.extra ?? [])];
}

const notebookOk = {
    instanceType: "ml.m5.large",
    roleArn: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training`,
    kmsKeyId: KEY_ARN,
    directInternetAccess: "Disabled",
    rootAccess: "Disabled",
    subnetId: "subnet-0abc",
    securityGroups: ["sg-0abc"],
    platformIdentifier: "notebook-al2-v3",
    instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: "2" },
};
const tuningDef = {
    enableNetworkIsolation: true,
    enableInterContainerTrafficEncryption: true,
    vpcConfig: { securityGroupIds: ["sg-0abc"], subnets: ["subnet-0abc"] },
    resourceConfig: { instanceType: "ml.m5.xlarge", instanceCount: 1, volumeSizeInGb: 30, volumeKmsKeyId: KEY_ARN },
    outputDataConfig: { s3OutputPath: "s3://mlp-prod-artifacts-88dbbe98/tuning", kmsKeyId: KEY_ARN },
    roleArn: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training`,
};
const fnOk = {
    role: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-monitoring`,
    runtime: "nodejs20.x",
    handler: "index.handler",
    vpcConfig: { subnetIds: ["subnet-0abc"], securityGroupIds: ["sg-0abc"] },
    kmsKeyArn: KEY_ARN,
};
const variantBase = { variantName: "champion", modelName: "corpus-model", instanceType: "ml.m5.xlarge", initialInstanceCount: 2 };

const single: CorpusEntry[] = [
    // S3 public access (stack rule s3-public-access)
    {
        id: "BucketAclV2 canned public-read",
        rule: "s3-public-access",
        control: "FSBP S3.2, Checkov CKV_AWS_20",
        resources: [r(T.aclV2, "corpus-acl-1", { bucket: "mlp-prod-curated-88dbbe98", acl: "public-read" })],
        message: /public-read/,
    },
    {
        id: "BucketAclV2 canned public-read-write",
        rule: "s3-public-access",
        control: "FSBP S3.3, Checkov CKV_AWS_57",
        resources: [r(T.aclV2, "corpus-acl-2", { bucket: "mlp-prod-curated-88dbbe98", acl: "public-read-write" })],
        message: /writable/,
    },
    {
        id: "BucketAclV2 canned authenticated-read",
        rule: "s3-public-access",
        control: "FSBP S3.2",
        resources: [r(T.aclV2, "corpus-acl-3", { bucket: "mlp-prod-curated-88dbbe98", acl: "authenticated-read" })],
        message: /every AWS account/,
    },
    {
        id: "BucketAclV2 grant READ to AllUsers",
        rule: "s3-public-access",
        control: "FSBP S3.2",
        resources: [
            r(T.aclV2, "corpus-acl-4", {
                bucket: "mlp-prod-curated-88dbbe98",
                accessControlPolicy: {
                    owner: { id: "abc" },
                    grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }],
                },
            }),
        ],
        message: /AllUsers/,
    },
    {
        id: "BucketAclV2 grant WRITE to AuthenticatedUsers",
        rule: "s3-public-access",
        control: "FSBP S3.3",
        resources: [
            r(T.aclV2, "corpus-acl-5", {
                bucket: "mlp-prod-curated-88dbbe98",
                accessControlPolicy: {
                    owner: { id: "abc" },
                    grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" }, permission: "WRITE" }],
                },
            }),
        ],
        message: /AuthenticatedUsers/,
    },
    {
        id: "inline acl public-read on aws.s3.Bucket",
        rule: "s3-public-access",
        control: "FSBP S3.2, Checkov CKV_AWS_20",
        resources: bucketSet("inline-acl", { bucket: { acl: "public-read" } }),
        message: /public-read/,
    },
    {
        id: "bucket without a public access block",
        rule: "s3-public-access",
        control: "FSBP S3.8, Checkov CKV2_AWS_6",
        resources: bucketSet("no-pab", { pab: null }),
        message: /no BucketPublicAccessBlock/,
    },
    {
        id: "public access block with blockPublicPolicy false",
        rule: "s3-public-access",
        control: "FSBP S3.8, Checkov CKV_AWS_54",
        resources: bucketSet("pab-policy", { pab: { blockPublicPolicy: false } }),
        target: "corpus-pab-policy-pab",
        message: /blockPublicPolicy/,
    },
    {
        id: "public access block with restrictPublicBuckets false",
        rule: "s3-public-access",
        control: "FSBP S3.8, Checkov CKV_AWS_56",
        resources: bucketSet("pab-restrict", { pab: { restrictPublicBuckets: false } }),
        target: "corpus-pab-restrict-pab",
        message: /restrictPublicBuckets/,
    },
    {
        id: "account public access block with ignorePublicAcls false",
        rule: "s3-public-access",
        control: "FSBP S3.1, Checkov CKV_AWS_55",
        resources: [r(T.accountPab, "corpus-account-pab", { ...PAB_ALL, ignorePublicAcls: false })],
        message: /ignorePublicAcls/,
    },
    // S3 encryption/TLS consistency (deprecated inline forms, deny scope)
    {
        id: "BucketV2 inline serverSideEncryptionConfigurations with AES256",
        rule: "s3-encryption-and-tls",
        control: "FSBP S3.17",
        resources: [
            r(T.bucketV2, "corpus-v2-aes", {
                bucket: "corpus-v2-aes",
                serverSideEncryptionConfigurations: [{ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }],
            }),
            r(T.bucketPolicy, "corpus-v2-aes-policy", { bucket: "corpus-v2-aes", policy: doc(TLS_DENY("corpus-v2-aes")) }),
            r(T.pab, "corpus-v2-aes-pab", { bucket: "corpus-v2-aes", ...PAB_ALL }),
        ],
        message: /AES256/,
    },
    {
        id: "TLS deny that covers another bucket",
        rule: "s3-encryption-and-tls",
        control: "FSBP S3.5 (deny HTTP)",
        resources: bucketSet("tls-other", { policyDoc: doc(TLS_DENY("some-other-bucket")) }),
        message: /does not deny non-TLS/,
    },
    {
        id: "TLS deny for one principal only",
        rule: "s3-encryption-and-tls",
        control: "FSBP S3.5",
        resources: bucketSet("tls-one", {
            policyDoc: doc({ ...TLS_DENY("corpus-tls-one"), Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training` } }),
        }),
        message: /does not deny non-TLS/,
    },
    // queues and secrets
    {
        id: "SQS queue without encryption",
        rule: "queue-and-secret-encryption",
        control: "FSBP SQS.1, Checkov CKV_AWS_27",
        resources: [r(T.queue, "corpus-queue-1", { name: "corpus-queue-1" })],
        message: /kmsMasterKeyId is not set/,
    },
    {
        id: "SQS queue with SSE-SQS only",
        rule: "queue-and-secret-encryption",
        control: "FSBP SQS.1",
        resources: [r(T.queue, "corpus-queue-2", { sqsManagedSseEnabled: true })],
        message: /SSE-SQS/,
    },
    {
        id: "SQS queue with alias/aws/sqs",
        rule: "queue-and-secret-encryption",
        control: "FSBP SQS.1 (customer-managed key, as S3)",
        resources: [r(T.queue, "corpus-queue-3", { kmsMasterKeyId: "alias/aws/sqs" })],
        message: /AWS-managed key/,
    },
    {
        id: "secret without a customer-managed key",
        rule: "queue-and-secret-encryption",
        control: "Checkov CKV_AWS_149",
        resources: [r(T.secret, "corpus-secret-1", { name: "corpus-secret-1" })],
        message: /kmsKeyId is not set/,
    },
    {
        id: "secret with the AWS-managed key ARN form",
        rule: "queue-and-secret-encryption",
        control: "Checkov CKV_AWS_149",
        resources: [r(T.secret, "corpus-secret-2", { kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/aws/secretsmanager` })],
        message: /AWS-managed key/,
    },
    {
        id: "SQS queue inline policy with Principal *",
        rule: "resource-policy-external-access",
        control: "FSBP SQS.3",
        resources: [
            r(T.queue, "corpus-queue-4", { kmsMasterKeyId: KEY_ARN, policy: doc({ Effect: "Allow", Principal: "*", Action: "sqs:*", Resource: "*" }) }),
        ],
        message: /lets anyone/,
    },
    {
        id: "secret inline policy for a foreign account",
        rule: "resource-policy-external-access",
        control: "Access Analyzer (secret)",
        resources: [
            r(T.secret, "corpus-secret-3", {
                kmsKeyId: KEY_ARN,
                policy: doc({ Effect: "Allow", Principal: { AWS: FOREIGN }, Action: "secretsmanager:GetSecretValue", Resource: "*" }),
            }),
        ],
        message: new RegExp(FOREIGN),
    },
    {
        id: "SNS topic with alias/aws/sns",
        rule: "encryption-at-rest-and-in-transit",
        control: "FSBP SNS.1 (customer-managed key, as S3)",
        resources: [r(T.topic, "corpus-topic-awskey", { kmsMasterKeyId: "alias/aws/sns" })],
        message: /AWS-managed key/,
    },
    {
        id: "KMS key policy giving a foreign account's root kms:*",
        rule: "least-privilege-iam",
        control: "Access Analyzer (KMS key), CIS 3.x key policies",
        resources: [
            r(T.key, "corpus-key-foreign", {
                enableKeyRotation: true,
                policy: doc(
                    { Sid: "Admin", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
                    { Sid: "Use", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training` }, Action: "kms:Decrypt", Resource: "*" },
                    { Sid: "Partner", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` }, Action: "kms:*", Resource: "*" },
                ),
            }),
        ],
        message: /kms:\*/,
    },
    // Lambda
    {
        id: "function URL with authorizationType NONE",
        rule: "resource-policy-external-access",
        control: "Checkov CKV_AWS_258",
        resources: [r(T.functionUrl, "corpus-url-1", { functionName: "mlp-prod-serverless-monitor", authorizationType: "NONE" })],
        message: /authorizationType NONE/,
    },
    {
        id: "lambda permission for principal * without source",
        rule: "resource-policy-external-access",
        control: "FSBP Lambda.1",
        resources: [r(T.lambdaPermission, "corpus-perm-1", { action: "lambda:InvokeFunction", function: "mlp-prod-serverless-monitor", principal: "*" })],
        message: /principal "\*"/,
    },
    {
        id: "lambda permission for a foreign account",
        rule: "resource-policy-external-access",
        control: "FSBP Lambda.1",
        resources: [r(T.lambdaPermission, "corpus-perm-2", { action: "lambda:InvokeFunction", function: "mlp-prod-serverless-monitor", principal: FOREIGN })],
        message: new RegExp(FOREIGN),
    },
    {
        id: "lambda permission with functionUrlAuthType NONE",
        rule: "resource-policy-external-access",
        control: "Checkov CKV_AWS_258",
        resources: [
            r(T.lambdaPermission, "corpus-perm-3", {
                action: "lambda:InvokeFunctionUrl",
                function: "mlp-prod-serverless-monitor",
                principal: "*",
                functionUrlAuthType: "NONE",
            }),
        ],
        message: /functionUrlAuthType NONE/,
    },
    {
        id: "lambda function outside the VPC",
        rule: "lambda-hardening",
        control: "FSBP Lambda.3, Checkov CKV_AWS_117",
        resources: [r(T.fn, "corpus-fn-1", { ...fnOk, vpcConfig: undefined })],
        message: /outside the VPC/,
    },
    {
        id: "lambda env with a plaintext DB_PASSWORD",
        rule: "lambda-hardening",
        control: "Checkov CKV_AWS_45",
        resources: [r(T.fn, "corpus-fn-2", { ...fnOk, environment: { variables: { DB_PASSWORD: "s3cr3t-passw0rd" } } })],
        message: /DB_PASSWORD/,
    },
    {
        id: "lambda env with a literal AWS access key id",
        rule: "lambda-hardening",
        control: "Checkov CKV_AWS_45",
        resources: [r(T.fn, "corpus-fn-3", { ...fnOk, environment: { variables: { UPSTREAM: "AKIAABCDEFGHIJKLMNOP" } } })],
        message: /literal credential/,
    },
    // IAM users and keys
    {
        id: "IAM access key",
        rule: "iam-users-and-keys",
        control: "FSBP IAM.3, Checkov CKV_AWS_273",
        resources: [r(T.accessKey, "corpus-key-1", { user: "ci-bot" })],
        message: /long-lived access key/,
    },
    {
        id: "IAM user console password",
        rule: "iam-users-and-keys",
        control: "Checkov CKV_AWS_273",
        resources: [r(T.loginProfile, "corpus-login-1", { user: "alice" })],
        message: /console password/,
    },
    {
        id: "inline policy on an IAM user",
        rule: "iam-users-and-keys",
        control: "FSBP IAM.2, Checkov CKV_AWS_40",
        resources: [
            r(T.userPolicy, "corpus-userpol-1", {
                user: "alice",
                policy: doc({ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::mlp-prod-curated-88dbbe98" }),
            }),
        ],
        message: /IAM user/,
    },
    {
        id: "managed policy attached to an IAM user",
        rule: "iam-users-and-keys",
        control: "FSBP IAM.2, Checkov CKV_AWS_40",
        resources: [r(T.userAttachment, "corpus-useratt-1", { user: "alice", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })],
        message: /IAM user/,
    },
    {
        id: "PolicyAttachment with users",
        rule: "iam-users-and-keys",
        control: "FSBP IAM.2",
        resources: [r(T.policyAttachment, "corpus-polatt-1", { users: ["alice"], policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })],
        message: /alice/,
    },
    {
        id: "SSO permission set with a 12-hour session",
        rule: "iam-users-and-keys",
        control: "CIS 1.x session duration",
        resources: [r(T.permissionSet, "corpus-ps-1", { instanceArn: "arn:aws:sso:::instance/ssoins-1", name: "ml-admin", sessionDuration: "PT12H" })],
        message: /PT12H/,
    },
    // trust policies and PassRole (least-privilege-iam)
    {
        id: "GitHub OIDC trust with sub *:ref:refs/heads/main (any repository)",
        rule: "least-privilege-iam",
        control: "Checkov CKV_AWS_358",
        resources: [
            r(T.role, "corpus-oidc-1", {
                assumeRolePolicy: doc({
                    Effect: "Allow",
                    Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                        StringLike: { "token.actions.githubusercontent.com:sub": "*:ref:refs/heads/main" },
                    },
                }),
            }),
        ],
        message: /any repository/,
    },
    {
        id: "GitHub OIDC trust with sub repo:my-org/*",
        rule: "least-privilege-iam",
        control: "Checkov CKV_AWS_358",
        resources: [
            r(T.role, "corpus-oidc-2", {
                assumeRolePolicy: doc({
                    Effect: "Allow",
                    Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                        StringLike: { "token.actions.githubusercontent.com:sub": "repo:my-org/*" },
                    },
                }),
            }),
        ],
        message: /any repository/,
    },
    {
        id: "iam:PassRole with iam:PassedToService StringLike *",
        rule: "least-privilege-iam",
        control: "Checkov CKV_AWS_110",
        resources: [
            r(T.rolePolicy, "corpus-pass-1", {
                role: "mlp-prod-pipeline",
                policy: doc({
                    Effect: "Allow",
                    Action: "iam:PassRole",
                    Resource: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-hosting`,
                    Condition: { StringLike: { "iam:PassedToService": "*" } },
                }),
            }),
        ],
        message: /matches any service/,
    },
    {
        id: "write actions on arn:aws:s3:::* (not the literal *)",
        rule: "least-privilege-iam",
        control: "FSBP IAM.21, Checkov CKV_AWS_111",
        resources: [
            r(T.rolePolicy, "corpus-write-1", {
                role: "mlp-prod-pipeline",
                policy: doc({ Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::*" }),
            }),
        ],
        message: /s3:PutObject/,
    },
    // SageMaker
    {
        id: "notebook on notebook-al1-v1",
        rule: "sagemaker-hardening",
        control: "FSBP SageMaker.8",
        resources: [r(T.notebook, "corpus-nb-1", { ...notebookOk, platformIdentifier: "notebook-al1-v1" })],
        message: /notebook-al1-v1/,
    },
    {
        id: "notebook without platformIdentifier",
        rule: "sagemaker-hardening",
        control: "FSBP SageMaker.8",
        resources: [r(T.notebook, "corpus-nb-2", { ...notebookOk, platformIdentifier: undefined })],
        message: /platformIdentifier is not set/,
    },
    {
        id: "notebook allowing IMDSv1 (no IMDS config)",
        rule: "sagemaker-hardening",
        control: "IMDSv2 (FSBP EC2.8 analogue)",
        resources: [r(T.notebook, "corpus-nb-3", { ...notebookOk, instanceMetadataServiceConfiguration: undefined })],
        message: /IMDSv1/,
    },
    {
        id: "notebook with minimumInstanceMetadataServiceVersion 1",
        rule: "sagemaker-hardening",
        control: "IMDSv2",
        resources: [r(T.notebook, "corpus-nb-4", { ...notebookOk, instanceMetadataServiceConfiguration: { minimumInstanceMetadataServiceVersion: "1" } })],
        message: /is 1/,
    },
    {
        id: "notebook without a subnet",
        rule: "sagemaker-hardening",
        control: "FSBP SageMaker.2",
        resources: [r(T.notebook, "corpus-nb-5", { ...notebookOk, subnetId: undefined })],
        message: /subnetId/,
    },
    {
        id: "tuning job without network isolation",
        rule: "sagemaker-hardening",
        control: "FSBP SageMaker (network isolation)",
        resources: [
            r(T.tuning, "corpus-tune-1", { hyperParameterTuningJobConfig: {}, trainingJobDefinition: { ...tuningDef, enableNetworkIsolation: false } }),
        ],
        message: /enableNetworkIsolation/,
    },
    {
        id: "tuning job without volume KMS",
        rule: "sagemaker-hardening",
        control: "NIST SC-28",
        resources: [
            r(T.tuning, "corpus-tune-2", { trainingJobDefinition: { ...tuningDef, resourceConfig: { instanceType: "ml.m5.xlarge", instanceCount: 1 } } }),
        ],
        message: /volumeKmsKeyId/,
    },
    {
        id: "tuning job (plural definitions) without VPC",
        rule: "sagemaker-hardening",
        control: "FSBP SageMaker (VPC)",
        resources: [r(T.tuning, "corpus-tune-3", { trainingJobDefinitions: [tuningDef, { ...tuningDef, vpcConfig: undefined }] })],
        message: /trainingJobDefinitions\[1\]\.vpcConfig/,
    },
    {
        id: "flow definition without output KMS",
        rule: "sagemaker-hardening",
        control: "NIST SC-28",
        resources: [
            r(T.flow, "corpus-flow-1", {
                flowDefinitionName: "review",
                roleArn: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-processing`,
                humanLoopConfig: {},
                outputConfig: { s3OutputPath: "s3://mlp-prod-artifacts-88dbbe98/a2i" },
            }),
        ],
        message: /outputConfig\.kmsKeyId/,
    },
    {
        id: "Studio user profile without security groups",
        rule: "sagemaker-hardening",
        control: "SageMaker Studio VPC-only",
        resources: [
            r(T.userProfile, "corpus-up-1", {
                domainId: "d-abc",
                userProfileName: "alice",
                userSettings: { executionRole: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training` },
            }),
        ],
        message: /securityGroups/,
    },
    {
        id: "Studio user profile sharing notebooks without KMS",
        rule: "sagemaker-hardening",
        control: "NIST SC-28",
        resources: [
            r(T.userProfile, "corpus-up-2", {
                domainId: "d-abc",
                userProfileName: "bob",
                userSettings: {
                    executionRole: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training`,
                    securityGroups: ["sg-0abc"],
                    sharingSettings: { notebookOutputOption: "Allowed", s3OutputPath: "s3://mlp-prod-artifacts-88dbbe98/share" },
                },
            }),
        ],
        message: /s3KmsKeyId/,
    },
    {
        id: "Studio app on a GPU instance",
        rule: "sagemaker-hardening",
        control: "cost/capacity guardrail",
        resources: [
            r(T.app, "corpus-app-1", {
                domainId: "d-abc",
                userProfileName: "alice",
                appName: "default",
                appType: "JupyterServer",
                resourceSpec: { instanceType: "ml.g5.12xlarge" },
            }),
        ],
        message: /accelerated/,
    },
    {
        id: "managed instance scaling to 0 instances in prod",
        rule: "sagemaker-hardening",
        control: "FSBP SageMaker.4 (>1 instance)",
        resources: [
            r(T.endpointConfig, "corpus-epc-1", {
                kmsKeyArn: KEY_ARN,
                productionVariants: [{ ...variantBase, managedInstanceScaling: { status: "ENABLED", minInstanceCount: 0, maxInstanceCount: 4 } }],
                dataCaptureConfig: {
                    enableCapture: true,
                    initialSamplingPercentage: 100,
                    destinationS3Uri: "s3://x",
                    kmsKeyId: KEY_ARN,
                    captureOptions: [{ captureMode: "Input" }],
                },
            }),
        ],
        message: /minInstanceCount 0/,
    },
    {
        id: "managed instance scaling beyond the capacity ceiling",
        rule: "sagemaker-hardening",
        control: "capacity guardrail",
        resources: [
            r(T.endpointConfig, "corpus-epc-2", {
                kmsKeyArn: KEY_ARN,
                productionVariants: [{ ...variantBase, managedInstanceScaling: { status: "ENABLED", minInstanceCount: 2, maxInstanceCount: 40 } }],
                dataCaptureConfig: {
                    enableCapture: true,
                    initialSamplingPercentage: 100,
                    destinationS3Uri: "s3://x",
                    kmsKeyId: KEY_ARN,
                    captureOptions: [{ captureMode: "Input" }],
                },
            }),
        ],
        message: /maxInstanceCount 40/,
    },
    // network
    {
        id: "default security group with an allow-all ingress rule",
        rule: "vpc-default-deny",
        control: "FSBP EC2.2, Checkov CKV2_AWS_12",
        resources: [r(T.defaultSg, "corpus-dsg-1", { vpcId: "vpc-0abc", ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }] })],
        message: /default security group/,
    },
    {
        id: "default security group with default egress",
        rule: "vpc-default-deny",
        control: "FSBP EC2.2",
        resources: [r(T.defaultSg, "corpus-dsg-2", { vpcId: "vpc-0abc", egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] })],
        message: /egress/,
    },
    {
        id: "NACL rule allowing SSH from 0.0.0.0/0",
        rule: "vpc-default-deny",
        control: "FSBP EC2.21, Checkov CKV_AWS_232",
        resources: [
            r(T.naclRule, "corpus-nacl-1", {
                networkAclId: "acl-0abc",
                ruleNumber: 100,
                egress: false,
                protocol: "tcp",
                ruleAction: "allow",
                cidrBlock: "0.0.0.0/0",
                fromPort: 22,
                toPort: 22,
            }),
        ],
        message: /22/,
    },
    {
        id: "NACL rule allowing all protocols from ::/0 spelled 0::/0",
        rule: "vpc-default-deny",
        control: "FSBP EC2.21",
        resources: [
            r(T.naclRule, "corpus-nacl-2", {
                networkAclId: "acl-0abc",
                ruleNumber: 110,
                egress: false,
                protocol: "-1",
                ruleAction: "allow",
                ipv6CidrBlock: "0::/0",
            }),
        ],
        message: /all traffic/,
    },
    {
        id: "NetworkAcl inline ingress RDP from the world",
        rule: "vpc-default-deny",
        control: "FSBP EC2.21, Checkov CKV_AWS_231",
        resources: [
            r(T.nacl, "corpus-nacl-3", {
                vpcId: "vpc-0abc",
                ingress: [{ protocol: "tcp", ruleNo: 100, action: "allow", cidrBlock: "0.0.0.0/0", fromPort: 3380, toPort: 3390 }],
            }),
        ],
        message: /3389/,
    },
    {
        id: "security group ingress split world 0.0.0.0/1 + 128.0.0.0/1",
        rule: "network-isolation",
        control: "FSBP EC2.18/EC2.19, Checkov CKV_AWS_24",
        resources: [
            r(T.sg, "corpus-sg-1", {
                vpcId: "vpc-0abc",
                description: "x",
                ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] }],
            }),
        ],
        message: /0\.0\.0\.0\/1/,
    },
    {
        id: "ingress rule with ::0/0",
        rule: "network-isolation",
        control: "FSBP EC2.18",
        resources: [r(T.ingress, "corpus-sgr-1", { securityGroupId: "sg-0abc", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv6: "::0/0" })],
        message: /::0\/0/,
    },
    {
        id: "internet gateway in prod",
        rule: "internet-paths",
        control: "NIST SC-7 (no internet path)",
        resources: [r(T.igw, "corpus-igw-1", { vpcId: "vpc-0abc" })],
        message: /internet gateway/,
    },
    {
        id: "public NAT gateway",
        rule: "internet-paths",
        control: "NIST SC-7",
        resources: [r(T.nat, "corpus-nat-1", { subnetId: "subnet-0abc", allocationId: "eipalloc-1" })],
        message: /NAT gateway/,
    },
    {
        id: "egress-only internet gateway",
        rule: "internet-paths",
        control: "NIST SC-7",
        resources: [r(T.eigw, "corpus-eigw-1", { vpcId: "vpc-0abc" })],
        message: /egress-only/,
    },
    {
        id: "route 0.0.0.0/0 to an internet gateway",
        rule: "internet-paths",
        control: "NIST SC-7",
        resources: [r(T.route, "corpus-route-1", { routeTableId: "rtb-0abc", destinationCidrBlock: "0.0.0.0/0", gatewayId: "igw-0abc" })],
        message: /internet gateway igw-0abc/,
    },
    {
        id: "route to a NAT gateway",
        rule: "internet-paths",
        control: "NIST SC-7",
        resources: [r(T.route, "corpus-route-2", { routeTableId: "rtb-0abc", destinationCidrBlock: "0.0.0.0/0", natGatewayId: "nat-0abc" })],
        message: /NAT gateway/,
    },
    {
        id: "route table with an inline ::/0 route to an egress-only gateway",
        rule: "internet-paths",
        control: "NIST SC-7",
        resources: [r(T.routeTable, "corpus-rt-1", { vpcId: "vpc-0abc", routes: [{ ipv6CidrBlock: "::/0", egressOnlyGatewayId: "eigw-0abc" }] })],
        message: /egress-only/,
    },
    {
        id: "subnet mapping public IPs on launch",
        rule: "internet-paths",
        control: "FSBP EC2.15, Checkov CKV_AWS_130",
        resources: [r(T.subnet, "corpus-subnet-1", { vpcId: "vpc-0abc", cidrBlock: "10.30.200.0/24", mapPublicIpOnLaunch: true })],
        message: /mapPublicIpOnLaunch/,
    },
    {
        id: "Elastic IP",
        rule: "internet-paths",
        control: "FSBP EC2.9 analogue",
        resources: [r(T.eip, "corpus-eip-1", { domain: "vpc" })],
        message: /Elastic IP/,
    },
    {
        id: "awsx Vpc with natGateways OnePerAz",
        rule: "internet-paths",
        control: "NIST SC-7 (awsx component inputs)",
        resources: [
            r(T.awsxVpc, "corpus-awsx-1", {
                cidrBlock: "10.40.0.0/16",
                natGateways: { strategy: "OnePerAz" },
                subnetSpecs: [{ type: "Private", name: "private" }],
            }),
            r(T.flowLog, "corpus-awsx-1-flow", { vpcId: "vpc-x", trafficType: "ALL" }, { vpcId: ["corpus-awsx-1"] }),
        ],
        message: /OnePerAz/,
    },
    {
        id: "awsx Vpc with default layout (no subnetSpecs, no natGateways)",
        rule: "internet-paths",
        control: "NIST SC-7 (awsx defaults)",
        resources: [
            r(T.awsxVpc, "corpus-awsx-2", { cidrBlock: "10.41.0.0/16" }),
            r(T.flowLog, "corpus-awsx-2-flow", { vpcId: "vpc-y", trafficType: "ALL" }, { vpcId: ["corpus-awsx-2"] }),
        ],
        message: /subnetSpecs is unset/,
    },
    {
        id: "awsx Vpc with a Public subnet spec",
        rule: "internet-paths",
        control: "NIST SC-7",
        resources: [
            r(T.awsxVpc, "corpus-awsx-3", {
                cidrBlock: "10.42.0.0/16",
                natGateways: { strategy: "None" },
                subnetSpecs: [
                    { type: "Public", name: "dmz" },
                    { type: "Isolated", name: "isolated" },
                ],
            }),
            r(T.flowLog, "corpus-awsx-3-flow", { vpcId: "vpc-z", trafficType: "ALL" }, { vpcId: ["corpus-awsx-3"] }),
        ],
        message: /Public subnet/,
    },
    {
        id: "VPC without a flow log",
        rule: "vpc-flow-logs",
        control: "FSBP EC2.6, Checkov CKV2_AWS_11",
        resources: [r(T.vpc, "corpus-vpc-1", { cidrBlock: "10.50.0.0/16" })],
        message: /no VPC flow log/,
    },
    {
        id: "awsx Vpc without a flow log",
        rule: "vpc-flow-logs",
        control: "FSBP EC2.6",
        resources: [
            r(T.awsxVpc, "corpus-awsx-4", {
                cidrBlock: "10.43.0.0/16",
                natGateways: { strategy: "None" },
                subnetSpecs: [{ type: "Isolated", name: "isolated" }],
            }),
        ],
        message: /no VPC flow log/,
    },
    // EBS / RDS
    {
        id: "unencrypted EBS volume",
        rule: "ebs-rds-encryption",
        control: "FSBP EC2.3, Checkov CKV_AWS_3",
        resources: [r(T.volume, "corpus-vol-1", { availabilityZone: "us-east-1a", size: 100 })],
        message: /encrypted is not true/,
    },
    {
        id: "EBS encryption by default turned off",
        rule: "ebs-rds-encryption",
        control: "FSBP EC2.7, Checkov CKV_AWS_106",
        resources: [r(T.ebsDefault, "corpus-ebsdef-1", { enabled: false })],
        message: /turned off/,
    },
    {
        id: "unencrypted RDS instance",
        rule: "ebs-rds-encryption",
        control: "FSBP RDS.3, Checkov CKV_AWS_16",
        resources: [r(T.rds, "corpus-rds-1", { engine: "postgres", instanceClass: "db.t3.micro", allocatedStorage: 20 })],
        message: /storageEncrypted/,
    },
    {
        id: "publicly accessible RDS instance",
        rule: "ebs-rds-encryption",
        control: "FSBP RDS.2, Checkov CKV_AWS_17",
        resources: [
            r(T.rds, "corpus-rds-2", {
                engine: "postgres",
                instanceClass: "db.t3.micro",
                allocatedStorage: 20,
                storageEncrypted: true,
                kmsKeyId: KEY_ARN,
                publiclyAccessible: true,
            }),
        ],
        message: /publiclyAccessible/,
    },
    {
        id: "unencrypted Aurora cluster",
        rule: "ebs-rds-encryption",
        control: "FSBP RDS.4, Checkov CKV_AWS_96",
        resources: [r(T.rdsCluster, "corpus-rdsc-1", { engine: "aurora-postgresql", masterUsername: "admin" })],
        message: /storageEncrypted/,
    },
    // required tags: invisible values
    {
        id: "required tag value of a zero-width space",
        rule: "required-tags",
        control: "tag policy",
        resources: [r(T.queue, "corpus-zw-1", { kmsMasterKeyId: KEY_ARN, tags: { ...PROD_TAGS, Owner: "\u200b" } })],
        message: /Owner/,
    },
];

const singleLookalikes: CorpusEntry[] = [
    {
        id: "bucket with BucketOwnerEnforced, private ACL and a full public access block",
        rule: "s3-public-access",
        control: "FSBP S3.2/S3.8",
        resources: bucketSet("private-acl", { extra: [r(T.aclV2, "corpus-private-acl-acl", { bucket: "corpus-private-acl", acl: "private" })] }),
    },
    {
        id: "account public access block with all four settings",
        rule: "s3-public-access",
        control: "FSBP S3.1",
        resources: [r(T.accountPab, "corpus-account-pab-ok", PAB_ALL)],
    },
    {
        id: "BucketV2 with inline SSE-KMS (deprecated plural form) and a TLS policy",
        rule: "s3-encryption-and-tls",
        control: "FSBP S3.17",
        resources: bucketSet("v2-kms", { type: T.bucketV2, bucket: { serverSideEncryptionConfigurations: [{ rules: KMS_RULE }] } }).filter(
            (x) => x.type !== T.sse,
        ),
    },
    {
        id: "aws.s3.Bucket whose inline policy denies non-TLS (deprecated inline policy)",
        rule: "s3-encryption-and-tls",
        control: "FSBP S3.5",
        resources: bucketSet("inline-policy", { bucket: { policy: doc(TLS_DENY("corpus-inline-policy")) } }).filter((x) => x.type !== T.bucketPolicy),
    },
    {
        id: "SQS queue with a customer-managed key",
        rule: "queue-and-secret-encryption",
        control: "FSBP SQS.1",
        resources: [r(T.queue, "corpus-queue-ok", { kmsMasterKeyId: KEY_ARN })],
    },
    {
        id: "secret with a customer-managed key and an own-account policy",
        rule: "queue-and-secret-encryption",
        control: "Checkov CKV_AWS_149",
        resources: [
            r(T.secret, "corpus-secret-ok", {
                kmsKeyId: KEY_ARN,
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training` },
                    Action: "secretsmanager:GetSecretValue",
                    Resource: "*",
                }),
            }),
        ],
    },
    {
        id: "SNS topic with a customer-managed key",
        rule: "encryption-at-rest-and-in-transit",
        control: "FSBP SNS.1",
        resources: [r(T.topic, "corpus-topic-ok", { kmsMasterKeyId: KEY_ARN })],
    },
    {
        id: "function URL with AWS_IAM auth",
        rule: "resource-policy-external-access",
        control: "Checkov CKV_AWS_258",
        resources: [r(T.functionUrl, "corpus-url-ok", { functionName: "mlp-prod-serverless-monitor", authorizationType: "AWS_IAM" })],
    },
    {
        id: "lambda permission for events.amazonaws.com with sourceArn in the account",
        rule: "resource-policy-external-access",
        control: "FSBP Lambda.1",
        resources: [
            r(T.lambdaPermission, "corpus-perm-ok", {
                action: "lambda:InvokeFunction",
                function: "mlp-prod-serverless-monitor",
                principal: "events.amazonaws.com",
                sourceArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/x`,
            }),
        ],
    },
    {
        id: "lambda in the VPC with a secret ARN in DB_PASSWORD_SECRET_ARN",
        rule: "lambda-hardening",
        control: "Checkov CKV_AWS_45",
        resources: [
            r(T.fn, "corpus-fn-ok", {
                ...fnOk,
                environment: {
                    variables: {
                        DB_PASSWORD_SECRET_ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`,
                        API_TOKEN_PARAM: "arn:aws:ssm:us-east-1:123456789012:parameter/x",
                        LOG_LEVEL: "info",
                    },
                },
            }),
        ],
    },
    {
        id: "SSO permission set with a 4-hour session",
        rule: "iam-users-and-keys",
        control: "session duration",
        resources: [r(T.permissionSet, "corpus-ps-ok", { instanceArn: "arn:aws:sso:::instance/ssoins-1", name: "ml-readonly", sessionDuration: "PT4H" })],
    },
    {
        id: "GitHub OIDC trust pinned to repo:my-org/ml-platform:ref:refs/heads/main",
        rule: "least-privilege-iam",
        control: "Checkov CKV_AWS_358",
        resources: [
            r(T.role, "corpus-oidc-ok", {
                assumeRolePolicy: doc({
                    Effect: "Allow",
                    Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": "repo:my-org/ml-platform:ref:refs/heads/main",
                        },
                    },
                }),
            }),
        ],
    },
    {
        id: "KMS key policy: own root kms:* (root admin) and own roles",
        rule: "least-privilege-iam",
        control: "FSBP KMS",
        resources: [
            r(T.key, "corpus-key-ok", {
                enableKeyRotation: true,
                policy: doc(
                    { Sid: "Admin", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
                    { Sid: "Use", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training` }, Action: "kms:Decrypt", Resource: "*" },
                ),
            }),
        ],
    },
    {
        id: "notebook on notebook-al2-v3 with IMDSv2 in a subnet",
        rule: "sagemaker-hardening",
        control: "FSBP SageMaker.8",
        resources: [r(T.notebook, "corpus-nb-ok", notebookOk)],
    },
    {
        id: "tuning job with isolation, encryption and VPC",
        rule: "sagemaker-hardening",
        control: "SageMaker tuning",
        resources: [r(T.tuning, "corpus-tune-ok", { trainingJobDefinition: tuningDef })],
    },
    {
        id: "flow definition with output KMS",
        rule: "sagemaker-hardening",
        control: "NIST SC-28",
        resources: [
            r(T.flow, "corpus-flow-ok", {
                flowDefinitionName: "review",
                roleArn: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-processing`,
                humanLoopConfig: {},
                outputConfig: { s3OutputPath: "s3://mlp-prod-artifacts-88dbbe98/a2i", kmsKeyId: KEY_ARN },
            }),
        ],
    },
    {
        id: "user profile with security groups and encrypted sharing",
        rule: "sagemaker-hardening",
        control: "Studio",
        resources: [
            r(T.userProfile, "corpus-up-ok", {
                domainId: "d-abc",
                userProfileName: "carol",
                userSettings: {
                    executionRole: `arn:aws:iam::${ACCOUNT}:role/mlp-prod-training`,
                    securityGroups: ["sg-0abc"],
                    sharingSettings: { notebookOutputOption: "Allowed", s3OutputPath: "s3://x/y", s3KmsKeyId: KEY_ARN },
                },
            }),
        ],
    },
    {
        id: "managed instance scaling within limits",
        rule: "sagemaker-hardening",
        control: "FSBP SageMaker.4",
        resources: [
            r(T.endpointConfig, "corpus-epc-ok", {
                kmsKeyArn: KEY_ARN,
                productionVariants: [{ ...variantBase, managedInstanceScaling: { status: "ENABLED", minInstanceCount: 2, maxInstanceCount: 6 } }],
                dataCaptureConfig: {
                    enableCapture: true,
                    initialSamplingPercentage: 100,
                    destinationS3Uri: "s3://x",
                    kmsKeyId: KEY_ARN,
                    captureOptions: [{ captureMode: "Input" }],
                },
            }),
        ],
    },
    {
        id: "default security group with no rules",
        rule: "vpc-default-deny",
        control: "FSBP EC2.2",
        resources: [r(T.defaultSg, "corpus-dsg-ok", { vpcId: "vpc-0abc" })],
    },
    {
        id: "NACL rule allowing 443 from the VPC CIDR",
        rule: "vpc-default-deny",
        control: "FSBP EC2.21",
        resources: [
            r(T.naclRule, "corpus-nacl-ok", {
                networkAclId: "acl-0abc",
                ruleNumber: 100,
                egress: false,
                protocol: "tcp",
                ruleAction: "allow",
                cidrBlock: "10.30.0.0/16",
                fromPort: 443,
                toPort: 443,
            }),
        ],
    },
    {
        id: "NACL deny rule for SSH from the world",
        rule: "vpc-default-deny",
        control: "FSBP EC2.21",
        resources: [
            r(T.naclRule, "corpus-nacl-deny", {
                networkAclId: "acl-0abc",
                ruleNumber: 90,
                egress: false,
                protocol: "tcp",
                ruleAction: "deny",
                cidrBlock: "0.0.0.0/0",
                fromPort: 22,
                toPort: 22,
            }),
        ],
    },
    {
        id: "security group ingress from 10.0.0.0/8 (private range, not the world)",
        rule: "network-isolation",
        control: "FSBP EC2.18",
        resources: [
            r(T.sg, "corpus-sg-half", {
                vpcId: "vpc-0abc",
                description: "x",
                ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] }],
            }),
        ],
    },
    {
        id: "private NAT gateway (connectivityType private)",
        rule: "internet-paths",
        control: "NIST SC-7",
        resources: [r(T.nat, "corpus-nat-private", { subnetId: "subnet-0abc", connectivityType: "private" })],
    },
    {
        id: "route to a VPC peering connection",
        rule: "internet-paths",
        control: "NIST SC-7",
        resources: [r(T.route, "corpus-route-peer", { routeTableId: "rtb-0abc", destinationCidrBlock: "10.60.0.0/16", vpcPeeringConnectionId: "pcx-0abc" })],
    },
    {
        id: "subnet that does not map public IPs",
        rule: "internet-paths",
        control: "FSBP EC2.15",
        resources: [r(T.subnet, "corpus-subnet-ok", { vpcId: "vpc-0abc", cidrBlock: "10.30.201.0/24", mapPublicIpOnLaunch: false })],
    },
    {
        id: "isolated awsx Vpc with a flow log",
        rule: "vpc-flow-logs",
        control: "FSBP EC2.6",
        resources: [
            r(T.awsxVpc, "corpus-awsx-ok", {
                cidrBlock: "10.44.0.0/16",
                natGateways: { strategy: "None" },
                subnetSpecs: [{ type: "Isolated", name: "isolated" }],
            }),
            r(T.flowLog, "corpus-awsx-ok-flow", { vpcId: "vpc-ok", trafficType: "ALL" }, { vpcId: ["corpus-awsx-ok"] }),
        ],
    },
    {
        id: "encrypted EBS volume",
        rule: "ebs-rds-encryption",
        control: "FSBP EC2.3",
        resources: [r(T.volume, "corpus-vol-ok", { availabilityZone: "us-east-1a", size: 100, encrypted: true, kmsKeyId: KEY_ARN })],
    },
    {
        id: "encrypted private RDS instance",
        rule: "ebs-rds-encryption",
        control: "FSBP RDS.2/RDS.3",
        resources: [
            r(T.rds, "corpus-rds-ok", {
                engine: "postgres",
                instanceClass: "db.t3.micro",
                allocatedStorage: 20,
                storageEncrypted: true,
                kmsKeyId: KEY_ARN,
                publiclyAccessible: false,
            }),
        ],
    },
];

/** Adds prod's required tags to taggable resources that declare none. */
function tagged(e: CorpusEntry): CorpusEntry {
    return {
        ...e,
        resources: e.resources.map((x) =>
            TAGGABLE.has(x.type) && x.props.tags === undefined ? { ...x, props: { ...x.props, tags: { ...PROD_TAGS, Name: x.name } } } : x,
        ),
    };
}

export const INSECURE: CorpusEntry[] = [...externalInsecure, ...escalationInsecure, ...adminAttachments, ...single].map(tagged);
export const LOOKALIKES: CorpusEntry[] = [...externalLookalikes, ...escalationLookalikes, ...singleLookalikes].map(tagged);
