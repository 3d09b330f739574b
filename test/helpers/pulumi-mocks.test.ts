import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, MOCK_ACCOUNT } from "./pulumi-mocks";

const mocks = setupMocks();

class Parent extends pulumi.ComponentResource {
    readonly bucketArn: pulumi.Output<string>;
    constructor(name: string) {
        super("test:index:Parent", name, {}, {});
        const b = new aws.s3.Bucket(`${name}-b`, { bucket: "my-bucket-1" }, { parent: this });
        new aws.s3.BucketVersioning(`${name}-v`, { bucket: b.id, versioningConfiguration: { status: "Enabled" } }, { parent: this });
        this.bucketArn = b.arn;
        this.registerOutputs({ bucketArn: b.arn });
    }
}

describe("pulumi mock harness", () => {
    beforeEach(() => mocks.reset());

    it("records type, name, inputs and exact parent URNs, and returns realistic ARNs", async () => {
        const p = new Parent("p");
        await mocks.settle();
        assert.equal(await promiseOf(p.bucketArn), "arn:aws:s3:::my-bucket-1");
        const parent = mocks.one("test:index:Parent");
        const bucket = mocks.one("aws:s3/bucket:Bucket");
        const versioning = mocks.one("aws:s3/bucketVersioning:BucketVersioning");
        assert.equal(parent.parent, undefined);
        assert.equal(bucket.parent, parent.urn);
        assert.equal(versioning.parent, parent.urn);
        assert.equal(versioning.inputs.bucket, "my-bucket-1");
        assert.equal(await promiseOf(p.urn), parent.urn);
        assert.deepEqual(
            mocks
                .childrenOf(parent)
                .map((r) => r.name)
                .sort(),
            ["p-b", "p-v"],
        );
    });

    it("answers invokes with the mock account", async () => {
        const id = aws.getCallerIdentityOutput();
        assert.equal(await promiseOf(id.accountId), MOCK_ACCOUNT);
        assert.equal(mocks.calls[0].token, "aws:index/getCallerIdentity:getCallerIdentity");
    });
});
