import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import { setupMocks, promiseOf, policyOf, asArray, MOCK_ACCOUNT, RecordedResource } from "../helpers/pulumi-mocks";
import {
    ACCESS_LOGS_KMS_EXEMPTION_REASON,
    DATALAKE_RESOURCE_TYPES,
    S3_TAG_PATTERN,
    assertValidS3Tags,
    DataBucket,
    DataLake,
    DataLakeArgs,
    KMS_EXEMPTION_TAG,
    bucketName,
    platformBucketArns,
} from "../../components/datalake";
import { BUCKET_PURPOSES, BucketPurpose } from "../../contracts/stack-outputs";

const mocks = setupMocks();

const REGION = "us-east-1";
const KEY = `arn:aws:kms:${REGION}:${MOCK_ACCOUNT}:key/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee`;
const ADMIN = `arn:aws:iam::${MOCK_ACCOUNT}:role/platform-admin`;
const SUFFIX = "1a2b3c4d";

function args(over: Partial<DataLakeArgs> = {}): DataLakeArgs {
    return {
        namePrefix: "mlp-dev",
        suffix: SUFFIX,
        region: REGION,
        kmsKeyArn: KEY,
        captureExpirationDays: 21,
        noncurrentVersionExpirationDays: 5,
        rawTransitionToIaDays: 45,
        ...over,
    };
}

async function build(over: Partial<DataLakeArgs> = {}): Promise<DataLake> {
    const dl = new DataLake("lake", args(over));
    await mocks.settle();
    return dl;
}

/**
 * The default-configuration lake, built once: later calls put its recorded resources back into the (reset) recorder,
 * so read-only tests share one build (a lake registers ~60 resources).
 */
let defaultLake: { lake: DataLake; records: RecordedResource[] } | undefined;
async function buildDefault(): Promise<DataLake> {
    if (!defaultLake) {
        const lake = await build();
        defaultLake = { lake, records: [...mocks.resources] };
    } else {
        mocks.resources.push(...defaultLake.records);
    }
    return defaultLake.lake;
}

const T = {
    bucket: "aws:s3/bucket:Bucket",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    logging: "aws:s3/bucketLogging:BucketLogging",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

/** The resource of `type` configuring the bucket named `bucket`. */
function configOf(type: string, bucket: string): RecordedResource {
    const found = mocks.ofType(type).filter((r) => r.inputs.bucket === bucket);
    assert.equal(found.length, 1, `${type} for ${bucket}`);
    return found[0];
}

function name(p: BucketPurpose): string {
    return bucketName("mlp-dev", p, SUFFIX);
}

describe("DataLake naming", () => {
    it("computes deterministic, valid bucket names", () => {
        assert.equal(bucketName("mlp-dev", "raw", "1a2b3c4d"), "mlp-dev-raw-1a2b3c4d");
        assert.equal(bucketName("mlp-dev", "accessLogs", "1a2b3c4d"), "mlp-dev-access-logs-1a2b3c4d");
        assert.throws(() => bucketName("mlp-dev", "raw", "x".repeat(60)), /not a valid S3 bucket name/);
        assert.throws(() => bucketName("Mlp_Dev", "raw", "ab"), /not a valid S3 bucket name/);
    });

    it("platformBucketArns lists all seven buckets", async () => {
        const arns = await promiseOf(platformBucketArns("mlp-dev", SUFFIX));
        assert.equal(arns.length, 7);
        assert.deepEqual(
            arns,
            BUCKET_PURPOSES.map((p) => `arn:aws:s3:::${name(p)}`),
        );
    });
});

describe("DataLake", () => {
    beforeEach(() => mocks.reset());

    it("creates the seven named buckets and exposes name, ARN and s3:// URI per purpose", async () => {
        const dl = await buildDefault();
        const buckets = mocks.ofType(T.bucket);
        assert.deepEqual(buckets.map((b) => b.inputs.bucket).sort(), BUCKET_PURPOSES.map(name).sort());
        const names = await promiseOf(dl.bucketNames);
        const arns = await promiseOf(dl.bucketArns);
        const uris = await promiseOf(dl.bucketUris);
        for (const p of BUCKET_PURPOSES) {
            assert.equal(names[p], name(p));
            assert.equal(arns[p], `arn:aws:s3:::${name(p)}`);
            assert.equal(uris[p], `s3://${name(p)}`);
        }
        assert.equal(await promiseOf(dl.buckets.curated.uri), `s3://${name("curated")}`);
    });

    it("encrypts every bucket with the KMS key + bucket keys, except accessLogs (SSE-S3 with an exemption tag)", async () => {
        await buildDefault();
        for (const p of BUCKET_PURPOSES) {
            const sse = configOf(T.sse, name(p));
            const rule = sse.inputs.rules[0];
            const bucket = mocks.ofType(T.bucket).find((b) => b.inputs.bucket === name(p))!;
            if (p === "accessLogs") {
                assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
                assert.equal(bucket.inputs.tags[KMS_EXEMPTION_TAG], ACCESS_LOGS_KMS_EXEMPTION_REASON);
            } else {
                assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms", p);
                assert.equal(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, KEY, p);
                assert.equal(rule.bucketKeyEnabled, true, p);
                assert.equal(bucket.inputs.tags[KMS_EXEMPTION_TAG], undefined, p);
            }
        }
    });

    it("only sets tags S3 accepts (the exemption reason included) and rejects invalid ones early", () => {
        assert.ok(S3_TAG_PATTERN.test(ACCESS_LOGS_KMS_EXEMPTION_REASON));
        assert.ok(S3_TAG_PATTERN.test(KMS_EXEMPTION_TAG));
        assert.throws(() => assertValidS3Tags({ Owner: "a;b" }, "x"), /not a valid S3 tag value/);
        assert.throws(() => new DataLake("badtags", args({ tags: { Team: "ml (core)" } })), /Team = "ml \(core\)" is not a valid S3 tag value/);
    });

    it("uses the audit key for the audit bucket when given", async () => {
        const auditKey = KEY.replace("aaaaaaaa", "bbbbbbbb");
        await build({ auditKmsKeyArn: auditKey });
        assert.equal(configOf(T.sse, name("audit")).inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, auditKey);
        assert.equal(configOf(T.sse, name("raw")).inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, KEY);
    });

    it("takes per-purpose keys and accepts the allowed platform keys in explicit key headers", async () => {
        const artifactsKey = KEY.replace("aaaaaaaa", "cccccccc");
        const logsKey = KEY.replace("aaaaaaaa", "dddddddd");
        const lake = await build({ bucketKmsKeyArns: { artifacts: artifactsKey, monitoring: logsKey }, allowedKmsKeyArns: [KEY, artifactsKey, logsKey] });
        const keyOf = (p: BucketPurpose) => configOf(T.sse, name(p)).inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId;
        assert.equal(keyOf("artifacts"), artifactsKey);
        assert.equal(keyOf("monitoring"), logsKey);
        assert.equal(keyOf("raw"), KEY);
        assert.equal(await promiseOf(lake.buckets.artifacts.kmsKeyArn!), artifactsKey, "grants use the bucket's own key");
        const policy = await policyOf(configOf(T.policy, name("artifacts")).inputs.policy);
        const deny = policy.Statement.find((s) => s.Sid === "DenyOtherKmsKey")!;
        assert.deepEqual(deny.Condition.StringNotEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"], [artifactsKey, KEY, logsKey]);
    });

    it("versions, blocks all public access and enforces bucket-owner ownership on every bucket", async () => {
        await buildDefault();
        for (const p of BUCKET_PURPOSES) {
            assert.equal(configOf(T.versioning, name(p)).inputs.versioningConfiguration.status, "Enabled");
            const pab = configOf(T.pab, name(p)).inputs;
            assert.deepEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true], p);
            assert.equal(configOf(T.ownership, name(p)).inputs.rule.objectOwnership, "BucketOwnerEnforced");
        }
    });

    it("logs server access of every bucket (but the log bucket) to the accessLogs bucket, which admits only S3 log delivery for platform buckets", async () => {
        await buildDefault();
        const logs = mocks.ofType(T.logging);
        assert.equal(logs.length, 6);
        for (const l of logs) assert.equal(l.inputs.targetBucket, name("accessLogs"));
        assert.deepEqual(
            logs.map((l) => l.inputs.bucket).sort(),
            BUCKET_PURPOSES.filter((p) => p !== "accessLogs")
                .map(name)
                .sort(),
        );
        const policy = await policyOf(configOf(T.policy, name("accessLogs")).inputs.policy);
        const delivery = policy.Statement.find((s) => s.Sid === "S3ServerAccessLogDelivery")!;
        assert.deepEqual(delivery.Principal, { Service: "logging.s3.amazonaws.com" });
        assert.equal(delivery.Condition.StringEquals["aws:SourceAccount"], MOCK_ACCOUNT);
        assert.equal(delivery.Condition.ArnLike["aws:SourceArn"].length, 6);
        assert.ok(!delivery.Condition.ArnLike["aws:SourceArn"].includes(`arn:aws:s3:::${name("accessLogs")}`));
    });

    it("denies non-TLS access and explicit wrong encryption headers (only when present) on every bucket", async () => {
        await buildDefault();
        for (const p of BUCKET_PURPOSES) {
            const policy = await policyOf(configOf(T.policy, name(p)).inputs.policy);
            const arn = `arn:aws:s3:::${name(p)}`;
            const tls = policy.Statement.filter((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false");
            assert.equal(tls.length, 1, p);
            assert.equal(tls[0].Principal, "*");
            assert.deepEqual(asArray(tls[0].Resource).sort(), [arn, `${arn}/*`].sort());
            assert.equal(tls[0].Action, "s3:*");
            const old = policy.Statement.find((s) => s.Sid === "DenyOutdatedTls")!;
            assert.deepEqual(old.Condition, { NumericLessThan: { "s3:TlsVersion": "1.2" } });
            assert.equal(old.Effect, "Deny");

            const hdr = policy.Statement.find((s) => s.Sid === "DenyOtherEncryptionHeader")!;
            assert.equal(hdr.Effect, "Deny");
            assert.equal(hdr.Condition.StringNotEquals["s3:x-amz-server-side-encryption"], p === "accessLogs" ? "AES256" : "aws:kms");
            assert.equal(hdr.Condition.Null["s3:x-amz-server-side-encryption"], "false", "header-less uploads stay allowed");
            const key = policy.Statement.find((s) => s.Sid === "DenyOtherKmsKey");
            if (p === "accessLogs") assert.equal(key, undefined);
            else {
                assert.equal(key!.Condition.StringNotEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"], KEY);
                assert.equal(key!.Condition.Null["s3:x-amz-server-side-encryption-aws-kms-key-id"], "false");
            }
            assert.ok(!policy.Statement.some((s) => s.Effect === "Allow" && s.Principal === "*"), `${p}: no public allow`);
        }
    });

    it("has no VPC-endpoint deny unless restrictToVpcEndpointId is set", async () => {
        await build({ adminRoleArns: [ADMIN] });
        for (const p of BUCKET_PURPOSES) {
            const policy = await policyOf(configOf(T.policy, name(p)).inputs.policy);
            assert.ok(!policy.Statement.some((s) => JSON.stringify(s.Condition ?? {}).includes("aws:SourceVpce")), p);
        }
    });

    it("denies object access outside the VPC endpoint in prod, exempting admins and AWS services", async () => {
        const fsRole = `arn:aws:iam::${MOCK_ACCOUNT}:role/feature-store`;
        await build({ restrictToVpcEndpointId: "vpce-0123456789abcdef0", adminRoleArns: [ADMIN], vpcEndpointExemptRoleArns: [fsRole] });
        for (const p of BUCKET_PURPOSES) {
            const policy = await policyOf(configOf(T.policy, name(p)).inputs.policy);
            const s = policy.Statement.find((x) => x.Sid === "DenyObjectAccessOutsideVpcEndpoint")!;
            assert.ok(s, p);
            assert.equal(s.Effect, "Deny");
            assert.equal(s.Principal, "*");
            assert.deepEqual(asArray(s.Resource), [`arn:aws:s3:::${name(p)}/*`]);
            for (const a of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) assert.ok(asArray(s.Action).includes(a), a);
            assert.deepEqual(s.Condition.StringNotEquals, { "aws:SourceVpce": "vpce-0123456789abcdef0" });
            assert.deepEqual(s.Condition.ArnNotLike, { "aws:PrincipalArn": [ADMIN, fsRole] });
            assert.deepEqual(s.Condition.Bool, { "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" });
        }
    });

    it("lets only the platform trail write CloudTrail logs to the audit bucket", async () => {
        const dl = await build({ trailName: "org-trail" });
        const trail = `arn:aws:cloudtrail:${REGION}:${MOCK_ACCOUNT}:trail/org-trail`;
        assert.equal(await promiseOf(dl.trailArn), trail);
        const policy = await policyOf(configOf(T.policy, name("audit")).inputs.policy);
        const ct = policy.Statement.filter((s) => s.Principal?.Service === "cloudtrail.amazonaws.com");
        assert.deepEqual(ct.map((s) => s.Action).sort(), ["s3:GetBucketAcl", "s3:PutObject"]);
        for (const s of ct) {
            assert.equal(s.Condition.StringEquals["aws:SourceArn"], trail);
            assert.equal(s.Condition.StringEquals["aws:SourceAccount"], MOCK_ACCOUNT);
        }
        // issue 9 defect 1: under the trail's key prefix (AuditTrail writes with s3KeyPrefix "cloudtrail"), as AWS documents it
        assert.equal(ct.find((s) => s.Action === "s3:PutObject")!.Resource, `arn:aws:s3:::${name("audit")}/cloudtrail/AWSLogs/${MOCK_ACCOUNT}/*`);
        // no other bucket admits CloudTrail
        const raw = await policyOf(configOf(T.policy, name("raw")).inputs.policy);
        assert.ok(!JSON.stringify(raw).includes("cloudtrail"));
    });

    it("sets lifecycle rules: capture expiry, raw -> STANDARD_IA, noncurrent expiry and multipart abort everywhere", async () => {
        await buildDefault();
        for (const p of BUCKET_PURPOSES) {
            const rules: any[] = configOf(T.lifecycle, name(p)).inputs.rules;
            assert.ok(rules.every((r) => r.status === "Enabled"));
            assert.equal(
                rules.find((r) => r.noncurrentVersionExpiration)!.noncurrentVersionExpiration.noncurrentDays,
                args().noncurrentVersionExpirationDays,
                p,
            );
            assert.equal(rules.find((r) => r.abortIncompleteMultipartUpload)!.abortIncompleteMultipartUpload.daysAfterInitiation, 7, p);
            const expiry = rules.find((r) => r.expiration);
            if (p === "capture") assert.equal(expiry.expiration.days, args().captureExpirationDays);
            else if (p === "accessLogs") assert.equal(expiry.expiration.days, 365);
            else assert.equal(expiry, undefined, `${p} objects must not expire`);
            const transition = rules.find((r) => r.transitions);
            if (p === "raw") assert.deepEqual(transition.transitions, [{ days: args().rawTransitionToIaDays, storageClass: "STANDARD_IA" }]);
            else assert.equal(transition, undefined, p);
        }
    });

    it("rejects invalid lifecycle settings", () => {
        assert.throws(() => new DataLake("bad1", args({ captureExpirationDays: 0 })), /captureExpirationDays/);
        assert.throws(() => new DataLake("bad2", args({ rawTransitionToIaDays: 10 })), /rawTransitionToIaDays/);
    });

    it("passes forceDestroy to the buckets and retains buckets by default", async () => {
        await build({ forceDestroy: true });
        assert.ok(mocks.ofType(T.bucket).every((b) => b.inputs.forceDestroy === true));
        mocks.reset();
        await buildDefault();
        assert.ok(mocks.ofType(T.bucket).every((b) => b.inputs.forceDestroy === false));
    });

    it("retains buckets and their configuration resources on delete unless told otherwise", async () => {
        await buildDefault();
        const children = mocks.resources.filter((r) => r.type.startsWith("aws:s3/"));
        assert.equal(children.length, 7 * 7 + 6);
        for (const r of children) assert.equal(r.options.retainOnDelete, true, `${r.type} ${r.name}`);
        mocks.reset();
        await build({ retainOnDelete: false });
        for (const r of mocks.resources.filter((x) => x.type.startsWith("aws:s3/"))) assert.notEqual(r.options.retainOnDelete, true, r.name);
    });

    it("creates exactly the resource types it declares (grants add role policies)", async () => {
        const lake = await buildDefault();
        const role = new aws.iam.Role("types-role", { assumeRolePolicy: "{}" });
        lake.buckets.raw.grantRead({ activity: "types", role });
        await mocks.settle();
        const root = mocks.one("mlplatform:datalake:DataLake");
        const types = new Set(
            mocks
                .descendantsOf(root)
                .filter((r) => !r.type.startsWith("mlplatform:"))
                .map((r) => r.type),
        );
        assert.deepEqual([...types].sort(), [...DATALAKE_RESOURCE_TYPES].sort());
    });

    it("applies the bucket policy after the public access block", async () => {
        await buildDefault();
        const policy = configOf(T.policy, name("raw"));
        const pab = configOf(T.pab, name("raw"));
        assert.ok(policy.options.dependencies.includes(pab.urn));
    });
});

describe("DataBucket grants", () => {
    beforeEach(() => mocks.reset());

    /** One bucket as the DataLake would build it (grants only depend on the bucket). */
    function bucket(purpose: BucketPurpose): DataBucket {
        return new DataBucket(`lake-${purpose === "accessLogs" ? "access-logs" : purpose}`, {
            bucketName: name(purpose),
            purpose,
            encryption:
                purpose === "accessLogs"
                    ? { kind: "s3", exemption: { reason: ACCESS_LOGS_KMS_EXEMPTION_REASON, ticket: "MLP-103", expires: "2027-11-30" } }
                    : { kind: "kms", kmsKeyArn: KEY },
            lifecycleRules: [],
        });
    }

    function grantee(activity: string) {
        const role = new aws.iam.Role(`${activity}-role`, { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) });
        return { activity, role };
    }

    it("grantRead scopes objects and listing to the prefix and adds decrypt on the bucket key", async () => {
        const g = grantee("training");
        bucket("curated").grantRead(g, "features/adult/");
        await mocks.settle();
        const rp = mocks.ofType(T.rolePolicy);
        assert.equal(rp.length, 1);
        assert.equal(rp[0].name, "lake-curated-read-features-adult-training");
        assert.equal(rp[0].inputs.role, mocks.one("aws:iam/role:Role").id);
        const doc = await policyOf(rp[0].inputs.policy);
        const arn = `arn:aws:s3:::${name("curated")}`;
        const objects = doc.Statement.find((s) => s.Sid === "Objects")!;
        assert.deepEqual(objects.Resource, `${arn}/features/adult/*`);
        assert.ok(asArray<string>(objects.Action).includes("s3:GetObject"));
        assert.ok(!asArray<string>(objects.Action).some((a) => a.startsWith("s3:Put") || a.startsWith("s3:Delete")));
        const list = doc.Statement.find((s) => asArray(s.Action).includes("s3:ListBucket"))!;
        assert.equal(list.Resource, arn);
        assert.deepEqual(list.Condition, { StringLike: { "s3:prefix": ["features/adult/*"] } });
        assert.deepEqual(asArray(list.Action), ["s3:ListBucket"]);
        const bucketLevel = doc.Statement.find((s) => s.Sid === "Bucket")!;
        assert.deepEqual(
            bucketLevel,
            { Sid: "Bucket", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: arn },
            "no s3:prefix condition on GetBucketLocation",
        );
        const kms = doc.Statement.filter((s) => asArray<string>(s.Action).some((a) => a.startsWith("kms:")));
        assert.deepEqual(
            kms.map((s) => s.Resource),
            [KEY],
        );
        assert.deepEqual(asArray(kms[0].Action).sort(), ["kms:Decrypt", "kms:DescribeKey"]);
        for (const s of doc.Statement) {
            assert.ok(!asArray(s.Resource).includes("*"), "no Resource *");
            assert.ok(!asArray<string>(s.Action).some((a) => a === "s3:*" || a === "*"), "no s3:*");
        }
    });

    it("grantWrite / grantReadWrite add put/delete under the prefix and encrypt permissions, never s3:*", async () => {
        const g = grantee("pipeline");
        bucket("artifacts").grantWrite(g, "models/");
        bucket("raw").grantReadWrite(g);
        await mocks.settle();
        const [w, rw] = ["lake-artifacts-write-models-pipeline", "lake-raw-readwrite-pipeline"].map((n) => mocks.byName(n));
        const wd = await policyOf(w.inputs.policy);
        const wObjects = wd.Statement.find((s) => s.Sid === "Objects")!;
        assert.equal(wObjects.Resource, `arn:aws:s3:::${name("artifacts")}/models/*`);
        assert.ok(asArray(wObjects.Action).includes("s3:PutObject"));
        assert.ok(!asArray(wObjects.Action).includes("s3:GetObject"));
        assert.ok(wd.Statement.some((s) => asArray(s.Action).includes("kms:GenerateDataKey") && s.Resource === KEY));
        const rwd = await policyOf(rw.inputs.policy);
        const rwObjects = rwd.Statement.find((s) => s.Sid === "Objects")!;
        assert.equal(rwObjects.Resource, `arn:aws:s3:::${name("raw")}/*`);
        assert.ok(asArray(rwObjects.Action).includes("s3:GetObject") && asArray(rwObjects.Action).includes("s3:PutObject"));
        const list = rwd.Statement.find((s) => asArray(s.Action).includes("s3:ListBucket"))!;
        assert.equal(list.Condition, undefined, "whole-bucket grant lists the whole bucket");
        for (const doc of [wd, rwd]) {
            for (const s of doc.Statement) {
                assert.ok(!asArray(s.Resource).includes("*"));
                assert.ok(!asArray<string>(s.Action).includes("s3:*"));
            }
        }
    });

    it("grants on the SSE-S3 access-log bucket carry no KMS statement; wildcards in prefixes are refused", async () => {
        const g = grantee("security");
        bucket("accessLogs").grantRead(g);
        assert.throws(() => bucket("raw").grantRead(g, "a/*"), /wildcards/);
        await mocks.settle();
        const doc = await policyOf(mocks.byName("lake-access-logs-read-security").inputs.policy);
        assert.ok(!JSON.stringify(doc).includes("kms:"));
    });
});
