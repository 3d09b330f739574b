import * as assert from "assert";
import { exemption, isTaggable, tagTransformation } from "../../components/tagging";

describe("tagging strategy", () => {
    it("knows taggable AWS types from the provider's schema", () => {
        assert.ok(isTaggable("aws:s3/bucket:Bucket"));
        assert.ok(isTaggable("aws:sagemaker/endpoint:Endpoint"));
        assert.ok(!isTaggable("aws:s3/bucketPolicy:BucketPolicy"), "bucket policies have no tags");
        assert.ok(!isTaggable("aws:iam/rolePolicy:RolePolicy"));
    });

    it("merges the required tags into taggable resources, the resource's own tags winning", () => {
        const t = tagTransformation({ Project: "p", Environment: "dev" });
        const out = t({ type: "aws:s3/bucket:Bucket", name: "b", props: { tags: { Environment: "override", Name: "x" } }, opts: {} } as never);
        assert.ok(out);
        return new Promise<void>((resolve) =>
            (out!.props.tags as { apply: (f: (v: Record<string, string>) => void) => void }).apply((v) => {
                assert.deepStrictEqual(v, { Project: "p", Environment: "override", Name: "x" });
                resolve();
            }),
        );
    });

    it("leaves untaggable resources alone", () => {
        const t = tagTransformation({ Project: "p" });
        assert.strictEqual(t({ type: "aws:iam/rolePolicy:RolePolicy", name: "rp", props: { policy: "{}" }, opts: {} } as never), undefined);
    });

    it("builds exemption tags only with a reason AWS accepts as a tag value", () => {
        assert.deepStrictEqual(
            exemption("least-privilege-iam", {
                reason: "AWS only accepts any resource for this action",
                approver: "sec@example.com",
                ticket: "SEC-9",
                expires: "2027-01-31",
            }),
            {
                "mlplatform:policy-exemption:least-privilege-iam": "AWS only accepts any resource for this action",
                "mlplatform:policy-exemption:least-privilege-iam:approver": "sec@example.com",
                "mlplatform:policy-exemption:least-privilege-iam:ticket": "SEC-9",
                "mlplatform:policy-exemption:least-privilege-iam:expires": "2027-01-31",
            },
        );
    });
});

describe("exemption reasons", () => {
    it("refuses reasons that are too short, too long or not a valid tag value", () => {
        const e = (reason: string) => exemption("p", { reason, ticket: "SEC-9", expires: "2027-01-31" });
        assert.throws(() => e("short"), /at least 10 characters/);
        assert.throws(() => e("n/a"), /does not explain anything/);
        assert.throws(() => e("y".repeat(257)), /at most 256/);
        assert.throws(() => e("because; reasons"), /';' .* is not allowed/);
        assert.throws(() => e("grants Principal * on purpose"), /'\*' .* is not allowed/);
    });
    it("refuses exemptions without an approver or ticket, or without a valid expiry date", () => {
        assert.throws(() => exemption("p", { reason: "a good reason here", expires: "2027-01-31" }), /no approver and no ticket/);
        assert.throws(() => exemption("p", { reason: "a good reason here", ticket: "SEC-9", expires: "2027-02-30" }), /is not a date/);
        assert.throws(() => exemption("p", { reason: "a good reason here", ticket: "later", expires: "2027-01-31" }), /not a ticket id/);
    });
});
