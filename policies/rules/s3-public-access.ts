/**
 * s3-public-access (stack): no S3 bucket can become public through ACLs or a missing public access block.
 *   - ACL resources (aws.s3.BucketAclV2 / BucketAcl) and the inline `acl` of aws.s3.Bucket/BucketV2: no canned ACL
 *     `public-read`, `public-read-write`, `authenticated-read`, and no grant to the AllUsers or AuthenticatedUsers
 *     groups (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee-predefined-groups);
 *   - every bucket has a BucketPublicAccessBlock with all four settings true (FSBP S3.8), and no public access block
 *     in the stack (bucket or account level, FSBP S3.1) sets one of them to false.
 * Critical and not exemptable by default.
 */
import { reportFindings } from "../lib/report";
import { knownOrUndefined, ofType, resolveRefs, StackResource, toPlain } from "../lib/stack";
import { definePolicy, PlatformStackPolicy } from "../lib/types";
import { isUnknown } from "../lib/unknowns";

const NAME = "s3-public-access";
const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const ACLS = ["aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl"];
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
const PAB_KEYS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
const PUBLIC_CANNED = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;

function aclFindings(acl: unknown, policy: unknown, where: string): string[] {
    const f: string[] = [];
    if (typeof acl === "string" && PUBLIC_CANNED.includes(acl))
        f.push(
            `${where} canned ACL ${acl} makes the bucket readable${acl === "public-read-write" ? " and writable" : ""} by ${acl === "authenticated-read" ? "every AWS account" : "anyone"}`,
        );
    const p = toPlain(policy) as Record<string, any> | undefined;
    const grants = [...(Array.isArray(p?.grants) ? p!.grants : []), ...(Array.isArray(p?.grant) ? p!.grant : [])];
    for (const g of grants) {
        const uri = g?.grantee?.uri ?? g?.uri;
        if (typeof uri === "string" && PUBLIC_GROUPS.test(uri))
            f.push(`${where} grants ${g.permission ?? (g.permissions ?? []).join("/")} to ${uri.split("/").pop()}`);
    }
    return f;
}

function pabFindings(r: StackResource, what: string): string[] {
    const off = PAB_KEYS.filter((k) => {
        const v = knownOrUndefined(r.props, k);
        return !isUnknown(v) && v !== true;
    });
    return off.length ? [`${what}: ${off.join(", ")} ${off.length === 1 ? "is" : "are"} not true`] : [];
}

export function s3PublicAccessFindings(resources: StackResource[]): Map<StackResource, string[]> {
    const out = new Map<StackResource, string[]>();
    const add = (r: StackResource, f: string[]) => out.set(r, [...(out.get(r) ?? []), ...f]);
    const buckets = ofType(resources, ...BUCKETS);
    const pabs = ofType(resources, PAB);
    const blocked = new Set<StackResource>();
    for (const p of pabs) for (const b of resolveRefs(p, "bucket", buckets, ["bucket", "id"])) blocked.add(b);
    for (const b of buckets) {
        add(b, aclFindings(knownOrUndefined(b.props, "acl"), { grants: toPlain(knownOrUndefined(b.props, "grants")) }, "inline"));
        if (!blocked.has(b)) add(b, ["no BucketPublicAccessBlock: ACLs or a future policy could make the bucket public (block all four settings)"]);
    }
    for (const a of ofType(resources, ...ACLS)) add(a, aclFindings(knownOrUndefined(a.props, "acl"), knownOrUndefined(a.props, "accessControlPolicy"), "ACL"));
    for (const p of pabs) add(p, pabFindings(p, "public access block"));
    for (const p of ofType(resources, ACCOUNT_PAB)) add(p, pabFindings(p, "account public access block"));
    return out;
}

export const s3PublicAccess: PlatformStackPolicy = definePolicy({
    kind: "stack",
    name: NAME,
    description:
        "No S3 bucket is public through ACLs (canned or AllUsers/AuthenticatedUsers grants); every bucket has a public access block with all four settings, and no bucket or account block relaxes one.",
    enforcementLevel: "advisory",
    exemptable: false,
    severity: "critical",
    frameworks: [
        "AWS FSBP S3.1",
        "AWS FSBP S3.2",
        "AWS FSBP S3.3",
        "AWS FSBP S3.8",
        "Checkov CKV_AWS_20",
        "Checkov CKV_AWS_57",
        "Checkov CKV_AWS_53",
        "Checkov CKV_AWS_54",
        "Checkov CKV_AWS_55",
        "Checkov CKV_AWS_56",
        "Checkov CKV2_AWS_6",
    ],
    tags: ["security", "public-access", "s3"],
    remediationSteps:
        "Remove public canned ACLs and AllUsers/AuthenticatedUsers grants (use BucketOwnershipControls BucketOwnerEnforced; grant access with a bucket policy naming principals); " +
        "give every bucket an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    configSchema: { properties: {} },
    validateStack: (args, reportViolation) => {
        for (const [r, f] of s3PublicAccessFindings(args.resources)) reportFindings(NAME, reportViolation, r, f, true, args.getConfig);
    },
});
