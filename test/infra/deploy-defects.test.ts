/**
 * The deploy-time defects of issue 9, each as a probe of the whole program (dev and prod, under the gate's mocks)
 * evaluated as AWS evaluates policies (test/helpers/iam-oracle.ts: identity policies + permissions boundary + the
 * resource's bucket/key policy). Every test here failed on the code before its fix.
 */
import * as assert from "assert";
import { createPlatform } from "../../infra/program";
import { ProgramRun, runProgram } from "../../lib/gate/runtime";
import { IamOracle, ORACLE_ACCOUNT } from "../helpers/iam-oracle";

const REGION = "us-east-1";
const VIA_S3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com`, "kms:CallerAccount": ORACLE_ACCOUNT };

function ofType(run: ProgramRun, type: string) {
    return run.resources.filter((r) => r.type === type);
}

describe("deploy-time defects (issue 9), probed as AWS evaluates the policies", function () {
    this.timeout(300000);
    const runs: Record<string, ProgramRun> = {};
    const oracle: Record<string, IamOracle> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            runs[stack] = await runProgram(() => createPlatform(), { stack });
            oracle[stack] = new IamOracle(runs[stack]);
        }
    });

    const AUDITOR = `arn:aws:iam::${ORACLE_ACCOUNT}:role/security-auditor`;
    const ADMIN = `arn:aws:iam::${ORACLE_ACCOUNT}:role/platform-admin`;
    const withPrincipals = (raw: Record<string, unknown>) => ({
        ...raw,
        "mlplatform:security": { ...(raw["mlplatform:security"] as object), adminRoleArns: [ADMIN], auditorRoleArns: [AUDITOR] },
    });

    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            it("defect 1: CloudTrail can check the bucket ACL, write under <prefix>/AWSLogs/<account>/, describe the key and encrypt with it (AWS's documented statements); named auditors decrypt log files", async () => {
                const o = oracle[stack];
                const p = `mlp-${stack}`;
                const trail = ofType(runs[stack], "aws:cloudtrail/trail:Trail")[0];
                const prefix = String(trail.inputs.s3KeyPrefix);
                assert.ok(prefix.length > 0);
                const audit = o.bucketName("audit");
                assert.strictEqual(trail.inputs.s3BucketName, audit);
                const trailArn = `arn:aws:cloudtrail:${REGION}:${ORACLE_ACCOUNT}:trail/${p}-trail`;
                const svc = { "aws:SourceArn": trailArn, "aws:SourceAccount": ORACLE_ACCOUNT, "aws:PrincipalIsAWSService": "true", "aws:ViaAWSService": "false" };
                const ct = "cloudtrail.amazonaws.com";
                await o.allowed({ principal: ct, action: "s3:GetBucketAcl", resource: `arn:aws:s3:::${audit}`, context: svc });
                await o.allowed({
                    principal: ct,
                    action: "s3:PutObject",
                    resource: `arn:aws:s3:::${audit}/${prefix}/AWSLogs/${ORACLE_ACCOUNT}/CloudTrail/${REGION}/2026/12/01/${ORACLE_ACCOUNT}_CloudTrail_${REGION}_x.json.gz`,
                    context: { ...svc, "s3:x-amz-acl": "bucket-owner-full-control" },
                });
                const key = String(trail.inputs.kmsKeyId);
                assert.strictEqual(key, o.keyArn("logs"));
                const ec = { "kms:EncryptionContext:aws:cloudtrail:arn": trailArn };
                await o.allowed({ principal: ct, action: "kms:GenerateDataKey", resource: key, context: { ...svc, ...ec } });
                // CreateTrail calls DescribeKey without an encryption context.
                await o.allowed({ principal: ct, action: "kms:DescribeKey", resource: key, context: svc });
                // The audit bucket uses an S3 Bucket Key: CloudTrail also needs Decrypt.
                await o.allowed({ principal: ct, action: "kms:Decrypt", resource: key, context: { ...svc, ...ec } });
                // Another account's trail cannot use the key.
                await o.denied({ principal: ct, action: "kms:GenerateDataKey", resource: key, context: { ...svc, "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/x", "aws:SourceAccount": "999999999999", "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/x" } });

                // Named auditors (security.auditorRoleArns) decrypt log files; a platform role does not.
                const run = await runProgram(() => createPlatform(), { stack, configure: withPrincipals });
                const named = new IamOracle(run);
                const caller = { "kms:CallerAccount": ORACLE_ACCOUNT, "kms:ViaService": `s3.${REGION}.amazonaws.com`, ...ec };
                await named.allowed({ principal: AUDITOR, action: "kms:Decrypt", resource: named.keyArn("logs"), context: caller });
                await named.denied({ principal: named.roleArn(`${p}-training`), action: "kms:Decrypt", resource: named.keyArn("logs"), context: caller });
            });


            it("defect 2: the serverless monitor can read capture and its baseline, write reports and decrypt its environment (key policies name its role; one baseline layout; platform boundary)", async () => {
                const o = oracle[stack];
                const p = `mlp-${stack}`;
                const role = o.roleArn(`${p}-serverless-monitor`);
                const capture = o.bucketName("capture");
                const monitoring = o.bucketName("monitoring");
                const vpce = ofType(runs[stack], "aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => e.name === "network-s3")!.id!;
                const net = { "aws:SourceVpce": vpce, "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" };
                const endpoint = `${p}-endpoint`;
                // One layout: the serverless monitor reads the baseline where the monitor step writes it.
                const { baselinePrefix } = await import("../../lib/monitoring/layout");
                const input = JSON.parse(String(ofType(runs[stack], "aws:cloudwatch/eventTarget:EventTarget").find((t) => t.name === "serverless-monitor-target")!.inputs.input));
                assert.strictEqual(input.baselinePrefix, baselinePrefix(endpoint));
                assert.strictEqual(baselinePrefix(endpoint), `baselines/${endpoint}`);

                await o.allowed({ principal: role, action: "s3:GetObject", resource: `arn:aws:s3:::${capture}/datacapture/${endpoint}/champion/2026/12/01/10/x.jsonl`, context: net });
                await o.allowed({ principal: role, action: "kms:Decrypt", resource: o.keyArn("data"), context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${capture}` } });
                await o.allowed({ principal: role, action: "s3:GetObject", resource: `arn:aws:s3:::${monitoring}/${baselinePrefix(endpoint)}/statistics.json`, context: net });
                await o.allowed({ principal: role, action: "kms:Decrypt", resource: o.keyArn("logs"), context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${monitoring}` } });
                await o.allowed({ principal: role, action: "s3:PutObject", resource: `arn:aws:s3:::${monitoring}/reports/data-quality/${endpoint}/${p}-data-quality/2026/12/01/10/statistics.json`, context: net });
                await o.allowed({ principal: role, action: "kms:GenerateDataKey", resource: o.keyArn("logs"), context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${monitoring}` } });
                const fn = `arn:aws:lambda:${REGION}:${ORACLE_ACCOUNT}:function:${p}-serverless-monitor`;
                await o.allowed({ principal: role, action: "kms:Decrypt", resource: o.keyArn("logs"), context: { "kms:CallerAccount": ORACLE_ACCOUNT, "kms:EncryptionContext:aws:lambda:FunctionArn": fn } });
                // ...and nothing else: no other bucket's data, no use of the artifacts key.
                await o.denied({ principal: role, action: "s3:GetObject", resource: `arn:aws:s3:::${o.bucketName("raw")}/x.csv`, context: net });
                await o.denied({ principal: role, action: "kms:Decrypt", resource: o.keyArn("artifacts"), context: VIA_S3 });
                const boundary = ofType(runs[stack], "aws:iam/policy:Policy").find((x) => String(x.inputs.name).endsWith("-permissions-boundary"))!;
                assert.strictEqual(o.role(`${p}-serverless-monitor`).inputs.permissionsBoundary, boundary.outputs.arn, "the monitor role carries the platform boundary");
            });
        });
    }
});
