/** AccessModel on a small synthetic run: resource policies of every kind are found and consulted. */
import assert from "assert";
import { AccessModel } from "../../gate/access/model";
import { ProgramRun, RecordedResource } from "../../gate/runtime";

const A = "123456789012";
function res(type: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}): RecordedResource {
    return { urn: `urn:pulumi:t::p::${type}::${name}`, type, name, custom: true, dependencies: [], propertyDependencies: {}, inputs, outputs, id: name };
}
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

function run(): ProgramRun {
    const bucket = { name: "b1", arn: "arn:aws:s3:::b1", uri: "s3://b1/" };
    return {
        stack: "t",
        project: "p",
        mode: "update",
        config: {},
        outputs: {
            accountId: A,
            region: "us-east-1",
            environment: "dev",
            namePrefix: "t",
            roleArns: { pipeline: `arn:aws:iam::${A}:role/t-pipeline` },
            kmsKeyArns: { data: `arn:aws:kms:us-east-1:${A}:key/k1` },
            buckets: { raw: bucket },
            network: { s3GatewayEndpointId: "vpce-1", vpcId: "vpc-1" },
        },
        resources: [
            res(
                "aws:iam/role:Role",
                "r",
                { name: "t-pipeline", assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }) },
                { name: "t-pipeline", arn: `arn:aws:iam::${A}:role/t-pipeline` },
            ),
            res("aws:iam/rolePolicy:RolePolicy", "rp", {
                role: "t-pipeline",
                name: "s3",
                policy: doc({ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b1/*" }),
            }),
            res(
                "aws:kms/key:Key",
                "k",
                { policy: doc({ Sid: "Use", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:role/t-pipeline` }, Action: "kms:Decrypt", Resource: "*" }) },
                { arn: `arn:aws:kms:us-east-1:${A}:key/k1` },
            ),
            res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", {
                bucket: "b1",
                rules: [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: `arn:aws:kms:us-east-1:${A}:key/k1` },
                        bucketKeyEnabled: true,
                    },
                ],
            }),
            res("aws:s3/bucketPolicy:BucketPolicy", "bp", {
                bucket: "b1",
                policy: doc({
                    Sid: "Tls",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: "arn:aws:s3:::b1/*",
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                }),
            }),
            res("aws:lambda/function:Function", "f", { name: "fn", role: `arn:aws:iam::${A}:role/t-pipeline` }, { arn: "placeholder" }),
            res("aws:lambda/permission:Permission", "perm", {
                function: "fn",
                action: "lambda:InvokeFunction",
                principal: "events.amazonaws.com",
                sourceArn: `arn:aws:events:us-east-1:${A}:rule/x`,
            }),
            res("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "lrp", {
                policyName: "route53",
                policyDocument: doc({
                    Sid: "R53",
                    Effect: "Allow",
                    Principal: { Service: "route53.amazonaws.com" },
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: `arn:aws:logs:us-east-1:${A}:log-group:/aws/route53/*`,
                }),
            }),
        ],
    };
}

describe("AccessModel (synthetic run)", () => {
    const m = new AccessModel(run());
    it("an S3 read of an SSE-KMS object is an S3 and a KMS decision", () => {
        const r = m.check({ principal: "pipeline", action: "s3:GetObject", resource: "s3://b1/x" });
        assert.strictEqual(r.allowed, true);
        assert.deepStrictEqual(
            r.steps.map((s) => s.request.action),
            ["s3:GetObject", "kms:Decrypt"],
        );
        assert.strictEqual(r.steps[1].request.context!["kms:EncryptionContext:aws:s3:arn"], "arn:aws:s3:::b1");
        const plain = m.check({ principal: "pipeline", action: "s3:GetObject", resource: "s3://b1/x", context: { "aws:SecureTransport": "false" } });
        assert.strictEqual(plain.steps[0].decision.verdict, "ExplicitlyDenied");
    });
    it("Lambda permissions are the function's resource policy (function:name ARN)", () => {
        const arn = `arn:aws:lambda:us-east-1:${A}:function:fn`;
        assert.strictEqual(
            m.check({
                principal: "events.amazonaws.com",
                action: "lambda:InvokeFunction",
                resource: arn,
                context: { "aws:SourceArn": `arn:aws:events:us-east-1:${A}:rule/x` },
            }).allowed,
            true,
        );
        assert.strictEqual(
            m.check({
                principal: "events.amazonaws.com",
                action: "lambda:InvokeFunction",
                resource: arn,
                context: { "aws:SourceArn": `arn:aws:events:us-east-1:${A}:rule/other` },
            }).allowed,
            false,
        );
    });
    it("log resource policies govern log groups; trust policies govern AssumeRole", () => {
        assert.strictEqual(
            m.check({
                principal: "route53.amazonaws.com",
                action: "logs:PutLogEvents",
                resource: `arn:aws:logs:us-east-1:${A}:log-group:/aws/route53/zone:log-stream:s`,
            }).allowed,
            true,
        );
        assert.strictEqual(
            m.check({ principal: "route53.amazonaws.com", action: "logs:PutLogEvents", resource: `arn:aws:logs:us-east-1:${A}:log-group:/other:log-stream:s` })
                .allowed,
            false,
        );
        assert.strictEqual(
            m.check({ principal: "sagemaker.amazonaws.com", action: "sts:AssumeRole", resource: `arn:aws:iam::${A}:role/t-pipeline` }).allowed,
            true,
        );
        assert.strictEqual(
            m.check({ principal: "lambda.amazonaws.com", action: "sts:AssumeRole", resource: `arn:aws:iam::${A}:role/t-pipeline` }).allowed,
            false,
        );
    });
    it("anonymous, foreign and unknown principals", () => {
        assert.strictEqual(m.check({ principal: "anonymous", action: "s3:GetObject", resource: "s3://b1/x", origin: "outside" }).allowed, false);
        assert.strictEqual(m.check({ principal: "foreign", action: "kms:Decrypt", resource: `arn:aws:kms:us-east-1:${A}:key/k1` }).allowed, false);
        assert.throws(() => m.check({ principal: "nobody", action: "s3:GetObject", resource: "s3://b1/x" }), /unknown principal 'nobody'/);
        assert.throws(() => m.check({ principal: A, action: "s3:GetObject", resource: "s3://b1/x" }), /stack's own account/);
    });
});
