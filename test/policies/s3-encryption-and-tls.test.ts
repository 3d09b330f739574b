import * as assert from "assert";
import { s3EncryptionAndTls as policy } from "../../policies/rules/s3-encryption-and-tls";
import { exemptTags } from "./exempt";
import { UNKNOWN, makeUrn, messages, res, runS } from "./harness";

const B = "aws:s3/bucket:Bucket";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const SSE2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2";
const BP = "aws:s3/bucketPolicy:BucketPolicy";
const KEY = "arn:aws:kms:us-east-1:111122223333:key/abc";
const kmsRule = (key?: string) => ({ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", ...(key ? { kmsMasterKeyId: key } : {}) } }] });
const tlsPolicy = JSON.stringify({
    Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }],
});

describe("policies/s3-encryption-and-tls", () => {
    it("passes with SSE-KMS config and TLS policy matched by bucket name", async () => {
        const o = await runS(policy, [
            res(B, "data", { bucket: "data-123" }),
            res(SSE, "data-sse", { bucket: "data-123", ...kmsRule(KEY) }),
            res(BP, "data-policy", { bucket: "data-123", policy: tlsPolicy }),
        ]);
        assert.deepStrictEqual(o.violations, []);
    });

    it("reports a bucket with neither, naming the bucket's URN", async () => {
        const o = await runS(policy, [res(B, "data", { bucket: "data-123" })]);
        assert.strictEqual(o.violations.length, 2);
        assert.strictEqual(o.violations[0].urn, makeUrn(B, "data"));
        assert.match(messages(o)[0], /no server-side encryption/);
        assert.match(messages(o)[1], /no bucket policy/);
    });

    it("matches through property dependencies when the bucket id is unknown (preview)", async () => {
        const bucketUrn = makeUrn(B, "data");
        const o = await runS(policy, [
            res(B, "data", { bucket: "data-123" }),
            res(SSE2, "data-sse", { bucket: UNKNOWN.string, ...kmsRule(KEY) }, { propertyDependencies: { bucket: [bucketUrn] } }),
            res(BP, "data-policy", { bucket: UNKNOWN.string, policy: tlsPolicy }, { propertyDependencies: { bucket: [bucketUrn] } }),
        ]);
        assert.strictEqual(o.status, "evaluated");
        assert.deepStrictEqual(o.violations, []);
    });

    it("rejects AES256 and aws:kms without a customer-managed key (configurable)", async () => {
        const aes = await runS(policy, [
            res(B, "data", { bucket: "d" }),
            res(SSE, "s", { bucket: "d", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }),
            res(BP, "p", { bucket: "d", policy: tlsPolicy }),
        ]);
        assert.match(messages(aes)[0], /AES256/);
        const awsManaged = [res(B, "data", { bucket: "d" }), res(SSE, "s", { bucket: "d", ...kmsRule() }), res(BP, "p", { bucket: "d", policy: tlsPolicy })];
        assert.match(messages(await runS(policy, awsManaged))[0], /AWS-managed key/);
        assert.deepStrictEqual((await runS(policy, awsManaged, { config: { requireCustomerManagedKey: false } })).violations, []);
    });

    it("a policy without the TLS deny fails; an unrelated bucket's config does not count", async () => {
        const o = await runS(policy, [
            res(B, "a", { bucket: "a" }),
            res(B, "b", { bucket: "b" }),
            res(SSE, "s", { bucket: "b", ...kmsRule(KEY) }),
            res(BP, "p", {
                bucket: "a",
                policy: JSON.stringify({
                    Statement: [{ Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: "arn:aws:s3:::a/*" }],
                }),
            }),
        ]);
        const byUrn = (n: string) => o.violations.filter((v) => v.urn === makeUrn(B, n)).map((v) => v.message);
        assert.strictEqual(byUrn("a").length, 2);
        assert.match(byUrn("a")[1], /does not deny non-TLS/);
        assert.strictEqual(byUrn("b").length, 1);
        assert.match(byUrn("b")[0], /no bucket policy/);
    });

    it("exemption on the bucket is recorded", async () => {
        const o = await runS(policy, [res(B, "logs", { bucket: "l", tags: exemptTags(policy.name, "ALB access logs require SSE-S3") })]);
        assert.deepStrictEqual(o.violations, []);
        assert.strictEqual(o.exemptions.length, 1);
        assert.strictEqual(o.exemptions[0].suppressed.length, 2);
    });
});

import { corpusTests } from "./corpus-rule";
corpusTests("s3-encryption-and-tls");
