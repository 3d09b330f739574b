/**
 * DataLake: the platform's S3 buckets, one `DataBucket` per purpose.
 * What it creates per stack: docs/components.md.
 *
 * Main decisions: every bucket is private (ACLs disabled, public access blocked), versioned, encrypted (SSE-KMS with
 * its purpose's key; the access-log bucket SSE-S3, which log delivery requires) and logged, and its policy refuses
 * requests without TLS 1.2 or with another encryption (DataBucket below). Names are computed (`bucketName()`), not auto-named, so components created before the buckets (the network's
 * S3 endpoint policy) can name them: `<namePrefix>-<purpose>-<suffix>`, the suffix coming from a `random.RandomId` the
 * program creates once per stack.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { BUCKET_PURPOSES, BucketPurpose } from "../contracts/stack-outputs";
import { CLOUDTRAIL_S3_KEY_PREFIX } from "./audit";
import { grant, Grantee, KeyUse, kmsStatement, PolicyStatement, policyDocument } from "./grants";
import { exemption, Exemption, PLATFORM_EXEMPTIONS_EXPIRE } from "./tagging";

/**
 * The resource types DataLake and its DataBuckets create (tests; docs/components.md shows them per stack).
 * `aws:iam/rolePolicy:RolePolicy` only appears when a grant*() method is called.
 */
export const DATALAKE_RESOURCE_TYPES: readonly string[] = [
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:iam/rolePolicy:RolePolicy",
];

/** Tag the policy pack reads to exempt the access-log bucket from the "S3 buckets use SSE-KMS" rule. */
/** Exemption tag read by the policy pack's `s3-encryption-and-tls` policy (the tag key names the policy). */
export const KMS_EXEMPTION_TAG = "mlplatform:policy-exemption:s3-encryption-and-tls";
export const ACCESS_LOGS_KMS_EXEMPTION_REASON = "S3 server access logging cannot deliver to SSE-KMS target buckets - SSE-S3 AES256 used instead";
/** The access-log bucket's exemption: reason, approver, ticket, expiry (see policies/lib/exemptions.ts). */
export const ACCESS_LOGS_KMS_EXEMPTION: Exemption = {
    reason: ACCESS_LOGS_KMS_EXEMPTION_REASON,
    approver: "platform-security",
    ticket: "MLP-103",
    expires: PLATFORM_EXEMPTIONS_EXPIRE,
};

/** S3 accepts only these characters in tag keys and values (PutBucketTagging fails with InvalidTag otherwise). */
export const S3_TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Throws when a tag would be rejected by S3 (characters, key/value length), naming the offending tag. */
export function assertValidS3Tags(tags: Record<string, string>, where: string): void {
    for (const [k, v] of Object.entries(tags)) {
        if (k.length < 1 || k.length > 128 || !S3_TAG_PATTERN.test(k)) throw new Error(`${where}: tag key ${JSON.stringify(k)} is not a valid S3 tag key`);
        if (v.length > 256 || !S3_TAG_PATTERN.test(v))
            throw new Error(
                `${where}: tag ${k} = ${JSON.stringify(v)} is not a valid S3 tag value (letters, digits, spaces and _ . : / = + - @ only, at most 256)`,
            );
    }
}

/** The DNS-safe purpose segment of a bucket name ("accessLogs" -> "access-logs"). */
export function purposeSlug(purpose: BucketPurpose): string {
    return purpose.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * The bucket name for a purpose: `<namePrefix>-<purpose>-<suffix>`. Pure and deterministic, so other components can
 * name the buckets before they exist. Throws if the result is not a valid S3 bucket name.
 */
export function bucketName(namePrefix: string, purpose: BucketPurpose, suffix: string): string {
    if (!BUCKET_PURPOSES.includes(purpose)) throw new Error(`unknown bucket purpose ${JSON.stringify(purpose)}`);
    const name = `${namePrefix}-${purposeSlug(purpose)}-${suffix}`.toLowerCase();
    if (!BUCKET_NAME.test(name) || name.includes("--")) {
        throw new Error(`bucket name ${JSON.stringify(name)} is not a valid S3 bucket name (3-63 lowercase letters, digits, single hyphens)`);
    }
    return name;
}

/** `bucketName` for a suffix known only at deployment time. */
export function bucketNameOutput(namePrefix: string, purpose: BucketPurpose, suffix: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(suffix).apply((s) => bucketName(namePrefix, purpose, s));
}

/** Bucket ARNs (`arn:aws:s3:::name`) of every platform bucket — feed this to the network's S3 endpoint policy. */
export function platformBucketArns(namePrefix: string, suffix: pulumi.Input<string>, partition = "aws"): pulumi.Output<string[]> {
    return pulumi.output(suffix).apply((s) => BUCKET_PURPOSES.map((p) => `arn:${partition}:s3:::${bucketName(namePrefix, p, s)}`));
}

/** A bucket-policy statement (has a Principal, unlike identity policy statements). */
export interface BucketPolicyStatement extends PolicyStatement {
    Principal: "*" | { AWS?: pulumi.Input<string> | pulumi.Input<string>[]; Service?: string | string[] };
}

/** Object-level actions the VPC-endpoint restriction denies outside the endpoint. */
export const VPCE_RESTRICTED_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:RestoreObject"];

export type BucketEncryption =
    | { kind: "kms"; kmsKeyArn: pulumi.Input<string> }
    | { kind: "s3"; /** Why SSE-KMS is not used, who approved it, until when (written to the policy-exemption tags). */ exemption: Exemption };

export interface DataBucketArgs {
    /** Full bucket name (use `bucketName()`). */
    bucketName: pulumi.Input<string>;
    purpose: BucketPurpose;
    encryption: BucketEncryption;
    /** Server access logging target (the accessLogs bucket). Omit only for the accessLogs bucket itself. */
    accessLogs?: { targetBucket: pulumi.Input<string>; targetPrefix?: string };
    lifecycleRules: pulumi.Input<aws.types.input.s3.BucketLifecycleConfigurationRule>[];
    /** Deny object access not coming through this VPC endpoint (except admins and AWS services). */
    restrictToVpcEndpointId?: pulumi.Input<string>;
    /** Principals exempt from the VPC-endpoint restriction (role ARNs). */
    exemptRoleArns?: pulumi.Input<string>[];
    /**
     * Other KMS keys (ARNs) a PutObject may explicitly name besides the bucket's own key — e.g. the key SageMaker jobs
     * must use for their outputs (`OutputDataConfig.KmsKeyId`), which S3 receives as the key-id header.
     */
    allowedKmsKeyArns?: pulumi.Input<string>[];
    /** Extra statements for the bucket policy (service access such as CloudTrail or S3 log delivery). */
    extraPolicyStatements?: pulumi.Input<BucketPolicyStatement[]>;
    forceDestroy?: boolean;
    retainOnDelete?: boolean;
    tags?: Record<string, string>;
}

/**
 * Lists objects under a prefix: `s3:ListBucket` is conditioned on `s3:prefix` when a prefix is given. (Bucket-level
 * actions without that key, such as GetBucketLocation, go in a separate statement: a StringLike on an absent key is
 * false and would deny them.)
 */
function listStatement(bucketArn: string, prefix: string): PolicyStatement {
    const s: PolicyStatement = { Sid: "List", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn };
    if (prefix) s.Condition = { StringLike: { "s3:prefix": [`${prefix}*`] } };
    return s;
}

export const READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"];
export const WRITE_ACTIONS = ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject"];

/** Normalises a grant prefix: no leading slash, no wildcards; a non-empty prefix is used as-is (callers add "/"). */
export function normalisePrefix(prefix: string | undefined): string {
    const p = (prefix ?? "").replace(/^\/+/, "");
    if (/[*?]/.test(p)) throw new Error(`grant prefix ${JSON.stringify(prefix)} must not contain wildcards`);
    return p;
}

function slug(prefix: string): string {
    return prefix
        .replace(/[^a-zA-Z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .toLowerCase();
}

/**
 * One purpose-specific, locked-down S3 bucket with CDK-style grants.
 *
 * Every bucket: SSE-KMS with S3 Bucket Keys (except accessLogs, see below), versioning, all four public-access-block
 * settings, BucketOwnerEnforced (ACLs disabled), lifecycle rules, server access logging to the accessLogs bucket, and a
 * bucket policy that
 *   - denies any request not made over TLS (`aws:SecureTransport` = false) or made with TLS older than 1.2
 *     (`s3:TlsVersion`);
 *   - denies PutObject requests that *explicitly* ask for another encryption (`s3:x-amz-server-side-encryption` present
 *     and not `aws:kms`) or another KMS key (`s3:x-amz-server-side-encryption-aws-kms-key-id` present and neither this
 *     bucket's key ARN nor one of `allowedKmsKeyArns` — the platform keys SageMaker jobs must name for their outputs). Requests without the headers are allowed: default encryption encrypts them with the bucket's
 *     key, so requiring the header would only break clients (this is what AWS recommends since default encryption).
 *     The `Null: false` guard matters: negated string operators match when the key is absent, so without it every
 *     header-less upload would be denied. Clients that do send the key id must send the key *ARN* (a key id or an alias
 *     is compared as a different string and denied);
 *   - optionally (prod, `restrictToVpcEndpointId`) denies object reads/writes/deletes that do not arrive through the
 *     platform's S3 gateway endpoint (`aws:SourceVpce`), except for `adminRoleArns` (+ `vpcEndpointExemptRoleArns`, roles
 *     that AWS services assume and use from their own network, e.g. the Feature Store offline-store role), AWS service
 *     principals (`aws:PrincipalIsAWSService`, e.g. CloudTrail, S3 log delivery) and requests AWS services make on a
 *     principal's behalf (`aws:ViaAWSService`).
 *
 * `retainOnDelete` applies to the bucket *and* its configuration resources: deleting only the configuration (policy,
 * encryption, public access block) of a retained bucket would silently weaken it.
 */
export class DataBucket extends pulumi.ComponentResource {
    readonly purpose: BucketPurpose;
    readonly bucket: aws.s3.Bucket;
    readonly bucketName: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** `s3://<bucket>` */
    readonly uri: pulumi.Output<string>;
    /** KMS key encrypting the bucket (undefined for SSE-S3 buckets). */
    readonly kmsKeyArn?: pulumi.Output<string>;
    readonly policy: aws.s3.BucketPolicy;
    private readonly resourceName: string;

    constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.DataBucket, name, {}, withPreviousTypes("DataBucket", opts));
        this.resourceName = name;
        this.purpose = args.purpose;
        const child: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: args.retainOnDelete ?? true };
        const tags: Record<string, string> = { ...(args.tags ?? {}), "mlplatform:bucket-purpose": args.purpose };
        if (args.encryption.kind === "s3") Object.assign(tags, exemption("s3-encryption-and-tls", args.encryption.exemption));
        assertValidS3Tags(tags, `DataBucket ${name}`);

        this.bucket = new aws.s3.Bucket(name, { bucket: args.bucketName, forceDestroy: args.forceDestroy ?? false, tags }, child);
        this.bucketName = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.uri = pulumi.interpolate`s3://${this.bucket.bucket}`;
        const kmsKeyArn = args.encryption.kind === "kms" ? pulumi.output(args.encryption.kmsKeyArn) : undefined;
        this.kmsKeyArn = kmsKeyArn;

        const pab = new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        );
        new aws.s3.BucketOwnershipControls(name, { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                bucket: this.bucket.id,
                rules: [
                    kmsKeyArn
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                ],
            },
            child,
        );
        const versioning = new aws.s3.BucketVersioning(name, { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
        new aws.s3.BucketLifecycleConfiguration(name, { bucket: this.bucket.id, rules: args.lifecycleRules }, { ...child, dependsOn: [versioning] });
        if (args.accessLogs) {
            new aws.s3.BucketLogging(
                name,
                {
                    bucket: this.bucket.id,
                    targetBucket: args.accessLogs.targetBucket,
                    targetPrefix: args.accessLogs.targetPrefix ?? `${purposeSlug(args.purpose)}/`,
                    targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
                },
                child,
            );
        }

        const statements = pulumi
            .all([
                this.bucket.arn,
                kmsKeyArn,
                args.restrictToVpcEndpointId,
                pulumi.output(args.exemptRoleArns ?? []),
                pulumi.output(args.extraPolicyStatements ?? []),
                pulumi.output(args.allowedKmsKeyArns ?? []),
            ])
            .apply(([arn, key, vpce, exempt, extra, allowedKeys]) => {
                const objects = `${arn}/*`;
                const out: BucketPolicyStatement[] = [
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [arn, objects],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                    {
                        Sid: "DenyOutdatedTls",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [arn, objects],
                        Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
                    },
                    {
                        Sid: "DenyOtherEncryptionHeader",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:PutObject",
                        Resource: objects,
                        Condition: {
                            StringNotEquals: { "s3:x-amz-server-side-encryption": key ? "aws:kms" : "AES256" },
                            Null: { "s3:x-amz-server-side-encryption": "false" },
                        },
                    },
                ];
                if (key) {
                    out.push({
                        Sid: "DenyOtherKmsKey",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:PutObject",
                        Resource: objects,
                        Condition: {
                            StringNotEquals: {
                                "s3:x-amz-server-side-encryption-aws-kms-key-id": allowedKeys.length > 0 ? [key, ...allowedKeys.filter((k) => k !== key)] : key,
                            },
                            Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
                        },
                    });
                }
                if (vpce) {
                    const condition: Record<string, Record<string, string | string[]>> = {
                        StringNotEquals: { "aws:SourceVpce": vpce },
                        Bool: { "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" },
                    };
                    if (exempt.length > 0) condition.ArnNotLike = { "aws:PrincipalArn": exempt };
                    out.push({
                        Sid: "DenyObjectAccessOutsideVpcEndpoint",
                        Effect: "Deny",
                        Principal: "*",
                        Action: VPCE_RESTRICTED_ACTIONS,
                        Resource: objects,
                        Condition: condition,
                    });
                }
                return [...out, ...(extra as BucketPolicyStatement[])];
            });
        this.policy = new aws.s3.BucketPolicy(name, { bucket: this.bucket.id, policy: policyDocument(statements) }, { ...child, dependsOn: [pab] });

        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn, uri: this.uri, kmsKeyArn: this.kmsKeyArn });
    }

    /**
     * Grants `grantee` the given object actions under `prefix` (all objects when absent), listing under that prefix,
     * and the KMS use needed for the bucket's key. Building block of grantRead/grantWrite/grantReadWrite.
     */
    grantObjectActions(
        grantee: Grantee,
        what: string,
        objectActions: string[],
        keyUse: KeyUse | undefined,
        prefix?: string,
        bucketActions: string[] = [],
    ): aws.iam.RolePolicy {
        const p = normalisePrefix(prefix);
        const grantName = p ? `${what}-${slug(p)}` : what;
        const statements = pulumi.all([this.bucket.arn, this.kmsKeyArn]).apply(([arn, key]) => {
            const out: PolicyStatement[] = [
                listStatement(arn, p),
                { Sid: "Bucket", Effect: "Allow", Action: ["s3:GetBucketLocation", ...bucketActions], Resource: arn },
                { Sid: "Objects", Effect: "Allow", Action: objectActions, Resource: `${arn}/${p}*` },
            ];
            if (key && keyUse) out.push(...kmsStatement(key, keyUse));
            return out;
        });
        return grant(this, this.resourceName, grantName, grantee, statements);
    }

    grantRead(grantee: Grantee, prefix?: string): aws.iam.RolePolicy {
        return this.grantObjectActions(grantee, "read", READ_ACTIONS, "decrypt", prefix);
    }

    grantWrite(grantee: Grantee, prefix?: string): aws.iam.RolePolicy {
        return this.grantObjectActions(grantee, "write", WRITE_ACTIONS, "encrypt-decrypt", prefix);
    }

    grantReadWrite(grantee: Grantee, prefix?: string): aws.iam.RolePolicy {
        return this.grantObjectActions(grantee, "readwrite", [...READ_ACTIONS, ...WRITE_ACTIONS], "encrypt-decrypt", prefix);
    }
}

export interface DataLakeArgs {
    /** Stack name prefix (3-20 lowercase letters, digits, hyphens). */
    namePrefix: string;
    /** Bucket-name suffix, e.g. `new random.RandomId(..., {byteLength: 4}).hex`. */
    suffix: pulumi.Input<string>;
    region: string;
    /** Account id; looked up with sts:GetCallerIdentity when absent. */
    accountId?: pulumi.Input<string>;
    /** KMS key (ARN) for SSE-KMS of every bucket except accessLogs. */
    kmsKeyArn: pulumi.Input<string>;
    /** KMS key (ARN) for the audit bucket (CloudTrail's key). Default: kmsKeyArn. */
    auditKmsKeyArn?: pulumi.Input<string>;
    /**
     * Per-purpose default keys overriding `kmsKeyArn` (e.g. artifacts: the key training jobs write model artifacts
     * with). `audit` here wins over `auditKmsKeyArn`. accessLogs is always SSE-S3.
     */
    bucketKmsKeyArns?: Partial<Record<Exclude<BucketPurpose, "accessLogs">, pulumi.Input<string>>>;
    /**
     * Further platform keys every bucket accepts in an explicit `x-amz-server-side-encryption-aws-kms-key-id` header
     * (writers such as SageMaker jobs that must name their own output key). Keys outside this list and the bucket's own
     * key are denied.
     */
    allowedKmsKeyArns?: pulumi.Input<string>[];
    /** Days after which captured inference data expires. */
    captureExpirationDays: number;
    /** Days after which non-current object versions expire. Default 90. */
    noncurrentVersionExpirationDays?: number;
    /** Days after which raw objects move to STANDARD_IA (>= 30). Default 90. */
    rawTransitionToIaDays?: number;
    /** Days after which server access logs expire. Default 365. */
    accessLogExpirationDays?: number;
    /** Days after which incomplete multipart uploads are aborted. Default 7. */
    abortIncompleteMultipartUploadDays?: number;
    /** Let `pulumi destroy` delete non-empty buckets. Default false. */
    forceDestroy?: boolean;
    /** Keep buckets (and their configuration) when the stack is destroyed. Default true. */
    retainOnDelete?: boolean;
    /** Prod: deny object access that does not come through this S3 gateway endpoint. */
    restrictToVpcEndpointId?: pulumi.Input<string>;
    /** Role ARNs exempt from the VPC-endpoint restriction (stack administrators). */
    adminRoleArns?: pulumi.Input<string>[];
    /** Other role ARNs exempt from it: roles AWS services assume and use from outside the VPC (Feature Store). */
    vpcEndpointExemptRoleArns?: pulumi.Input<string>[];
    /** CloudTrail trail ARN allowed to write to the audit bucket. Default: built from `trailName`. */
    trailArn?: pulumi.Input<string>;
    /** CloudTrail trail name, used when trailArn is absent. Default `<namePrefix>-trail`. */
    trailName?: string;
    /** The trail's `s3KeyPrefix` (AuditTrail's); default CLOUDTRAIL_S3_KEY_PREFIX. "" for no prefix. */
    trailS3KeyPrefix?: string;
    tags?: Record<string, string>;
}

export class DataLake extends pulumi.ComponentResource {
    readonly buckets: Record<BucketPurpose, DataBucket>;
    readonly bucketNames: pulumi.Output<Record<BucketPurpose, string>>;
    readonly bucketArns: pulumi.Output<Record<BucketPurpose, string>>;
    readonly bucketUris: pulumi.Output<Record<BucketPurpose, string>>;
    /** Trail ARN the audit bucket admits. */
    readonly trailArn: pulumi.Output<string>;

    constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.DataLake, name, {}, withPreviousTypes("DataLake", opts));
        if (!Number.isInteger(args.captureExpirationDays) || args.captureExpirationDays < 1) {
            throw new Error(`DataLake ${name}: captureExpirationDays must be a positive integer (got ${args.captureExpirationDays})`);
        }
        const rawIa = args.rawTransitionToIaDays ?? 90;
        if (rawIa < 30) throw new Error(`DataLake ${name}: rawTransitionToIaDays must be >= 30 (S3 minimum for STANDARD_IA), got ${rawIa}`);
        const noncurrent = args.noncurrentVersionExpirationDays ?? 90;
        const abortDays = args.abortIncompleteMultipartUploadDays ?? 7;
        const accountId = pulumi.output(args.accountId ?? aws.getCallerIdentityOutput({}, { parent: this }).accountId);
        const names = Object.fromEntries(BUCKET_PURPOSES.map((p) => [p, bucketNameOutput(args.namePrefix, p, args.suffix)])) as Record<
            BucketPurpose,
            pulumi.Output<string>
        >;
        this.trailArn = args.trailArn
            ? pulumi.output(args.trailArn)
            : pulumi.interpolate`arn:aws:cloudtrail:${args.region}:${accountId}:trail/${args.trailName ?? `${args.namePrefix}-trail`}`;

        const baseRules = (purpose: BucketPurpose): aws.types.input.s3.BucketLifecycleConfigurationRule[] => [
            {
                id: "abort-incomplete-multipart-uploads",
                status: "Enabled",
                filter: { prefix: "" },
                abortIncompleteMultipartUpload: { daysAfterInitiation: abortDays },
            },
            { id: "expire-noncurrent-versions", status: "Enabled", filter: { prefix: "" }, noncurrentVersionExpiration: { noncurrentDays: noncurrent } },
            ...(purpose === "raw"
                ? [{ id: "raw-to-infrequent-access", status: "Enabled", filter: { prefix: "" }, transitions: [{ days: rawIa, storageClass: "STANDARD_IA" }] }]
                : []),
            ...(purpose === "capture"
                ? [{ id: "expire-captured-data", status: "Enabled", filter: { prefix: "" }, expiration: { days: args.captureExpirationDays } }]
                : []),
            ...(purpose === "accessLogs"
                ? [{ id: "expire-access-logs", status: "Enabled", filter: { prefix: "" }, expiration: { days: args.accessLogExpirationDays ?? 365 } }]
                : []),
        ];

        const exempt = [...(args.adminRoleArns ?? []), ...(args.vpcEndpointExemptRoleArns ?? [])];
        const common = (purpose: BucketPurpose) => ({
            bucketName: names[purpose],
            purpose,
            lifecycleRules: baseRules(purpose),
            restrictToVpcEndpointId: args.restrictToVpcEndpointId,
            exemptRoleArns: exempt,
            allowedKmsKeyArns: args.allowedKmsKeyArns,
            forceDestroy: args.forceDestroy ?? false,
            retainOnDelete: args.retainOnDelete ?? true,
            tags: args.tags,
        });

        // accessLogs first: every other bucket logs to it. Log delivery is admitted only for the platform's buckets.
        // The accessLogs bucket uses SSE-S3 (AES256): S3 server access logging cannot deliver to a bucket whose default
        // encryption is SSE-KMS. It carries the governed exemption tags `mlplatform:policy-exemption:s3-encryption-and-tls[:approver|:ticket|:expires]`, which the
        // CrossGuard policy pack reads as an exemption. Its policy lets only `logging.s3.amazonaws.com` write, only for the
        // platform's buckets of this account (`aws:SourceArn`, `aws:SourceAccount`); ACL grants are unusable with
        // BucketOwnerEnforced, so the bucket policy is the way to authorise log delivery.
        const sourceBucketArns = BUCKET_PURPOSES.filter((p) => p !== "accessLogs").map((p) => pulumi.interpolate`arn:aws:s3:::${names[p]}`);
        const accessLogs = new DataBucket(
            `${name}-access-logs`,
            {
                ...common("accessLogs"),
                encryption: { kind: "s3", exemption: ACCESS_LOGS_KMS_EXEMPTION },
                extraPolicyStatements: pulumi
                    .all([names.accessLogs, accountId, pulumi.all(sourceBucketArns)])
                    .apply(([bucket, account, sources]): BucketPolicyStatement[] => [
                        {
                            Sid: "S3ServerAccessLogDelivery",
                            Effect: "Allow",
                            Principal: { Service: "logging.s3.amazonaws.com" },
                            Action: "s3:PutObject",
                            Resource: `arn:aws:s3:::${bucket}/*`,
                            Condition: { ArnLike: { "aws:SourceArn": sources }, StringEquals: { "aws:SourceAccount": account } },
                        },
                    ]),
            },
            { parent: this },
        );
        const logging = { targetBucket: accessLogs.bucketName };

        const kms = (key: pulumi.Input<string>): BucketEncryption => ({ kind: "kms", kmsKeyArn: key });
        const make = (purpose: Exclude<BucketPurpose, "accessLogs">, extra?: Partial<DataBucketArgs>) =>
            new DataBucket(
                `${name}-${purposeSlug(purpose)}`,
                { ...common(purpose), encryption: kms(keyFor(purpose)), accessLogs: logging, ...extra },
                { parent: this },
            );
        const keyFor = (purpose: Exclude<BucketPurpose, "accessLogs">): pulumi.Input<string> =>
            args.bucketKmsKeyArns?.[purpose] ?? (purpose === "audit" ? args.auditKmsKeyArn : undefined) ?? args.kmsKeyArn;

        // CloudTrail's bucket policy as AWS documents it ("Amazon S3 bucket policy for CloudTrail",
        // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html):
        // GetBucketAcl on the bucket and PutObject on `<bucket>/<prefix>/AWSLogs/<account>/*` with
        // s3:x-amz-acl = bucket-owner-full-control, both only for this trail (aws:SourceArn). With a key prefix the
        // resource must include it, or CreateTrail fails with InsufficientS3BucketPolicyException. When CloudTrail writes
        // with SSE-KMS, the trail's key must be this bucket's key (`auditKmsKeyArn`), and that key's policy must allow
        // CloudTrail (security component).
        const trailPrefix = (args.trailS3KeyPrefix ?? CLOUDTRAIL_S3_KEY_PREFIX).replace(/^\/+|\/+$/g, "");
        const audit = make("audit", {
            extraPolicyStatements: pulumi.all([names.audit, accountId, this.trailArn]).apply(([bucket, account, trail]): BucketPolicyStatement[] => [
                {
                    Sid: "AWSCloudTrailAclCheck",
                    Effect: "Allow",
                    Principal: { Service: "cloudtrail.amazonaws.com" },
                    Action: "s3:GetBucketAcl",
                    Resource: `arn:aws:s3:::${bucket}`,
                    Condition: { StringEquals: { "aws:SourceArn": trail, "aws:SourceAccount": account } },
                },
                {
                    Sid: "AWSCloudTrailWrite",
                    Effect: "Allow",
                    Principal: { Service: "cloudtrail.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: `arn:aws:s3:::${bucket}/${trailPrefix ? `${trailPrefix}/` : ""}AWSLogs/${account}/*`,
                    Condition: { StringEquals: { "aws:SourceArn": trail, "aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control" } },
                },
            ]),
        });

        this.buckets = {
            raw: make("raw"),
            curated: make("curated"),
            artifacts: make("artifacts"),
            capture: make("capture"),
            monitoring: make("monitoring"),
            audit,
            accessLogs,
        };

        const collect = (f: (b: DataBucket) => pulumi.Output<string>) =>
            pulumi.output(Object.fromEntries(BUCKET_PURPOSES.map((p) => [p, f(this.buckets[p])]))) as unknown as pulumi.Output<Record<BucketPurpose, string>>;
        this.bucketNames = collect((b) => b.bucketName);
        this.bucketArns = collect((b) => b.arn);
        this.bucketUris = collect((b) => b.uri);

        this.registerOutputs({ bucketNames: this.bucketNames, bucketArns: this.bucketArns, bucketUris: this.bucketUris, trailArn: this.trailArn });
    }
}
