/**
 * s3-encryption-and-tls (stack): every S3 bucket has
 *   - a server-side-encryption configuration using SSE-KMS (`aws:kms` or `aws:kms:dsse`) with a
 *     KMS key - from a separate `BucketServerSideEncryptionConfiguration(V2)` resource matched by its
 *     `bucket` input, or the bucket's legacy inline `serverSideEncryptionConfiguration`; and
 *   - a bucket policy (`aws:s3/bucketPolicy:BucketPolicy`, matched by `bucket`) that denies non-TLS requests.
 * Matching uses the engine's property dependencies first (works while the bucket id is unknown
 * during preview), then the literal bucket name/id/ARN.
 */
import { withDefaults } from "../lib/config";
import { parseCached } from "../lib/iam/analysis";
import { iamGlobMatch, isDenyInsecureTransport } from "../lib/policyDocument";
import { reportFindings } from "../lib/report";
import { StackResource, knownOrUndefined, ofType, resolveRefs, toPlain } from "../lib/stack";
import { definePolicy, PlatformStackPolicy } from "../lib/types";
import { isUnknown } from "../lib/unknowns";

export const S3_TYPES = {
    buckets: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    sse: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    policy: ["aws:s3/bucketPolicy:BucketPolicy"],
};

export interface S3Config {
    /** Require a KMS key id in the SSE rule (otherwise `aws:kms` with the AWS-managed key passes). */
    requireCustomerManagedKey: boolean;
    requireTlsPolicy: boolean;
}

export const S3_DEFAULTS: S3Config = { requireCustomerManagedKey: true, requireTlsPolicy: true };

const NAME = "s3-encryption-and-tls";
const BUCKET_ID_PROPS = ["bucket", "id", "arn", "bucketPrefix"];

function rulesAreKms(rules: unknown, cfg: S3Config): { ok: boolean; why?: string } {
    if (isUnknown(rules)) {
        return { ok: true }; // computed during preview; re-checked on update
    }
    const list = Array.isArray(rules) ? rules : rules ? [rules] : [];
    if (list.length === 0) {
        return { ok: false, why: "has no rules" };
    }
    for (const r of list as Record<string, any>[]) {
        const d = r?.applyServerSideEncryptionByDefault;
        const alg = d?.sseAlgorithm;
        if (isUnknown(alg)) {
            continue;
        }
        if (alg !== "aws:kms" && alg !== "aws:kms:dsse") {
            return { ok: false, why: `uses sseAlgorithm "${alg ?? "(none)"}" instead of aws:kms` };
        }
        const key = d?.kmsMasterKeyId;
        if (cfg.requireCustomerManagedKey && !(isUnknown(key) || (typeof key === "string" && key !== ""))) {
            return { ok: false, why: "uses aws:kms without kmsMasterKeyId (AWS-managed key)" };
        }
    }
    return { ok: true };
}

/** The bucket's ARNs when its name is known (undefined name: any resource pattern is accepted). */
function bucketArnsOf(b: StackResource): string[] | undefined {
    const name = knownOrUndefined(b.props, "bucket");
    return typeof name === "string" && !isUnknown(name) ? [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`] : undefined;
}

/**
 * True when a TLS-deny statement's Resource covers the bucket and its objects: a deny that names another bucket does
 * not protect this one. Patterns with unknown parts (computed ARNs during preview) count as covering.
 */
function coversBucket(resources: string[], arns: string[] | undefined): boolean {
    if (!arns) return true;
    if (resources.length === 0) return false;
    const hit = (arn: string) => resources.some((r) => isUnknown(r) || iamGlobMatch(r, arn) || /^arn:aws[a-z-]*:s3:::\$\{/.test(r));
    return arns.every(hit);
}

export function s3Findings(resources: StackResource[], cfg: S3Config): Map<StackResource, string[]> {
    const buckets = ofType(resources, ...S3_TYPES.buckets);
    const sse = ofType(resources, ...S3_TYPES.sse);
    const policies = ofType(resources, ...S3_TYPES.policy);
    const sseFor = new Map<StackResource, StackResource[]>();
    const policyFor = new Map<StackResource, StackResource[]>();
    for (const s of sse) {
        for (const b of resolveRefs(s, "bucket", buckets, BUCKET_ID_PROPS)) {
            sseFor.set(b, [...(sseFor.get(b) ?? []), s]);
        }
    }
    for (const p of policies) {
        for (const b of resolveRefs(p, "bucket", buckets, BUCKET_ID_PROPS)) {
            policyFor.set(b, [...(policyFor.get(b) ?? []), p]);
        }
    }
    const out = new Map<StackResource, string[]>();
    for (const b of buckets) {
        const f: string[] = [];
        const configs = sseFor.get(b) ?? [];
        // Inline (deprecated, still valid in @pulumi/aws 7): aws.s3.Bucket `serverSideEncryptionConfiguration: { rule }`,
        // aws.s3.BucketV2 `serverSideEncryptionConfigurations: [{ rules: [...] }]`.
        const single = toPlain(knownOrUndefined(b.props, "serverSideEncryptionConfiguration")) as Record<string, any> | undefined;
        const plural = toPlain(knownOrUndefined(b.props, "serverSideEncryptionConfigurations")) as Record<string, any>[] | undefined;
        const inline =
            single ??
            (isUnknown(plural)
                ? (plural as unknown as Record<string, any>)
                : Array.isArray(plural) && plural.length > 0
                  ? { rules: plural.flatMap((c) => (isUnknown(c?.rules) ? [c.rules] : Array.isArray(c?.rules) ? c.rules : c?.rule ? [c.rule] : [])) }
                  : undefined);
        if (configs.length === 0 && !inline) {
            f.push("no server-side encryption configuration (add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms)");
        }
        for (const c of configs) {
            const r = rulesAreKms(toPlain(knownOrUndefined(c.props, "rules")), cfg);
            if (!r.ok) {
                f.push(`encryption configuration ${c.name} ${r.why}`);
            }
        }
        if (configs.length === 0 && inline) {
            const r = isUnknown(inline) ? { ok: true } : rulesAreKms(inline.rule ?? inline.rules, cfg);
            if (!r.ok) {
                f.push(`inline serverSideEncryptionConfiguration ${r.why}`);
            }
        }
        if (cfg.requireTlsPolicy) {
            // The bucket's own inline `policy` (aws.s3.Bucket, deprecated but valid) counts like a BucketPolicy resource.
            const pols = [
                ...(policyFor.get(b) ?? []),
                ...(knownOrUndefined(b.props, "policy") !== undefined || isUnknown((toPlain(b.props) as Record<string, unknown>).policy) ? [b] : []),
            ];
            const bucketArns = bucketArnsOf(b);
            const tls = pols.some((p) => {
                const doc = knownOrUndefined(p.props, "policy");
                if (doc === undefined || doc === null || doc === "") {
                    return false;
                }
                return parseCached(typeof doc === "string" ? doc : toPlain(doc), ["policy"]).statements.some(
                    (st) => isDenyInsecureTransport(st) && coversBucket(st.resources, bucketArns),
                );
            });
            const docUnknown = pols.some((p) => isUnknown((toPlain(p.props) as Record<string, unknown>).policy));
            if (!tls && !docUnknown) {
                f.push(
                    pols.length === 0
                        ? "no bucket policy (a policy denying aws:SecureTransport=false is required)"
                        : "bucket policy does not deny non-TLS requests to this bucket and its objects",
                );
            }
        }
        out.set(b, f);
    }
    return out;
}

export const s3EncryptionAndTls: PlatformStackPolicy = definePolicy({
    kind: "stack",
    name: NAME,
    description: "Every S3 bucket has SSE-KMS default encryption and a bucket policy that denies non-TLS requests.",
    enforcementLevel: "advisory",
    exemptable: true,
    severity: "high",
    frameworks: ["CIS AWS Foundations 3.0.0 2.1.1 (deny HTTP requests)", "NIST SP 800-53 SC-28", "AWS FSBP S3.5", "AWS FSBP S3.17", "Checkov CKV_AWS_145"],
    tags: ["security", "encryption", "s3"],
    remediationSteps:
        'Create `aws.s3.BucketServerSideEncryptionConfiguration` for the bucket with `applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }` ' +
        "and an `aws.s3.BucketPolicy` with a Deny statement for `s3:*` on the bucket and its objects when `aws:SecureTransport` is `false`.",
    configSchema: {
        properties: {
            requireCustomerManagedKey: { type: "boolean", default: true },
            requireTlsPolicy: { type: "boolean", default: true },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = withDefaults(args.getConfig, S3_DEFAULTS);
        for (const [bucket, findings] of s3Findings(args.resources, cfg)) {
            reportFindings(NAME, reportViolation, bucket, findings, true, args.getConfig);
        }
    },
});
