import * as assert from "assert";
import { isTaggable } from "../../components/tagging";
import { checkStackOutputs, StackOutputs } from "../../contracts/stack-outputs";
import { createPlatform } from "../../infra/program";
import { ProgramRun, runProgram } from "../../gate/runtime";
import { withRegisteredModel } from "../../test-support/registered-model";

const REQUIRED = ["Project", "Environment", "Owner", "CostCenter", "DataClassification"];

function ofType(run: ProgramRun, type: string) {
    return run.resources.filter((r) => r.type === type);
}

function parse(doc: unknown): { Statement: any[] } {
    return typeof doc === "string" ? JSON.parse(doc) : (doc as { Statement: any[] });
}

describe("the whole program, per stack (offline, under mocks)", function () {
    this.timeout(300000);
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        // The stacks once a model is registered (the endpoint exists); the new-stack default is covered by
        // test/infra/deploy-defects.test.ts (defect 4).
        runs.dev = await runProgram(() => createPlatform(), { stack: "dev", configure: withRegisteredModel });
        runs.prod = await runProgram(() => createPlatform(), { stack: "prod", configure: withRegisteredModel });
    });

    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            it("exports the documented outputs contract", () => {
                const out = runs[stack].outputs as unknown as StackOutputs;
                assert.deepStrictEqual(checkStackOutputs(out), []);
                assert.strictEqual(out.environment, stack);
                assert.match(out.buckets.raw.uri, new RegExp(`^s3://mlp-${stack}-raw-[0-9a-f]{8}/$`));
                assert.match(out.kmsKeyArns.data, /^arn:aws:kms:us-east-1:123456789012:key\//);
                assert.match(out.roleArns.training, new RegExp(`^arn:aws:iam::123456789012:role/mlp-${stack}-training$`));
                assert.ok(out.network.subnetIds.length >= 2);
                assert.strictEqual(out.featureGroupNames.length, 1);
                assert.ok(out.endpoint && out.endpoint.name === `mlp-${stack}-endpoint`);
            });

            it("tags every taggable AWS resource with the required tags, and sets them as provider default tags", () => {
                const run = runs[stack];
                const providers = ofType(run, "pulumi:providers:aws");
                assert.strictEqual(providers.length, 1);
                // Provider inputs reach the engine JSON-encoded (as the real CLI sends them).
                const dt = providers[0].inputs.defaultTags;
                const defaults = (typeof dt === "string" ? JSON.parse(dt) : dt).tags;
                for (const k of REQUIRED) assert.ok(defaults[k], `provider default tag ${k}`);
                assert.strictEqual(defaults.Environment, stack);
                const taggable = run.resources.filter((r) => r.custom && isTaggable(r.type));
                assert.ok(taggable.length > 30, `only ${taggable.length} taggable resources`);
                for (const r of taggable) {
                    const tags = r.inputs.tags as Record<string, string> | undefined;
                    for (const k of REQUIRED) assert.ok(tags && tags[k], `${r.type} ${r.name} lacks tag ${k}`);
                }
                // Every AWS resource uses the platform provider (so default tags and the region apply).
                for (const r of run.resources.filter((x) => x.custom && x.type.startsWith("aws:"))) {
                    assert.ok(r.provider?.startsWith(providers[0].urn), `${r.type} ${r.name} does not use the platform provider`);
                }
            });

            it("encrypts every bucket, log group, topic and key-rotates every key", () => {
                const run = runs[stack];
                const buckets = ofType(run, "aws:s3/bucket:Bucket");
                assert.strictEqual(buckets.length, 7);
                const sse = ofType(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
                assert.strictEqual(sse.length, 7);
                const kmsEncrypted = sse.filter((s) => (s.inputs.rules as any[])[0].applyServerSideEncryptionByDefault.sseAlgorithm === "aws:kms");
                assert.strictEqual(kmsEncrypted.length, 6, "all but the access-log bucket use SSE-KMS");
                for (const lg of ofType(run, "aws:cloudwatch/logGroup:LogGroup")) {
                    assert.ok(lg.inputs.kmsKeyId, `log group ${lg.name} without KMS`);
                    assert.ok(lg.inputs.retentionInDays, `log group ${lg.name} without retention`);
                }
                for (const t of ofType(run, "aws:sns/topic:Topic")) assert.ok(t.inputs.kmsMasterKeyId);
                for (const k of ofType(run, "aws:kms/key:Key")) assert.strictEqual(k.inputs.enableKeyRotation, true);
                for (const bp of ofType(run, "aws:s3/bucketPolicy:BucketPolicy")) {
                    const doc = parse(bp.inputs.policy);
                    assert.ok(
                        doc.Statement.some((s) => s.Effect === "Deny" && JSON.stringify(s.Condition ?? {}).includes("aws:SecureTransport")),
                        `${bp.name} lacks a TLS-only deny`,
                    );
                }
            });

            it("grants no wildcard actions in any IAM policy", () => {
                const run = runs[stack];
                const docs = [
                    ...ofType(run, "aws:iam/rolePolicy:RolePolicy").map((r) => [r.name, r.inputs.policy] as const),
                    ...ofType(run, "aws:iam/policy:Policy").map((r) => [r.name, r.inputs.policy] as const),
                ];
                assert.ok(docs.length > 20);
                for (const [name, d] of docs) {
                    for (const s of parse(d).Statement) {
                        const actions = ([] as string[]).concat(s.Action ?? []);
                        for (const a of actions) assert.ok(a !== "*" && !/^[a-z0-9-]+:\*$/.test(a), `${name}: ${a}`);
                    }
                }
                assert.strictEqual(
                    ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) =>
                        /FullAccess|AdministratorAccess/.test(String(a.inputs.policyArn)),
                    ).length,
                    0,
                );
            });

            it("creates no security-group ingress from anywhere", () => {
                const run = runs[stack];
                for (const r of ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
                    assert.notStrictEqual(r.inputs.cidrIpv4, "0.0.0.0/0");
                    assert.notStrictEqual(r.inputs.cidrIpv6, "::/0");
                }
                for (const sg of ofType(run, "aws:ec2/securityGroup:SecurityGroup")) {
                    for (const i of (sg.inputs.ingress as any[]) ?? []) assert.ok(!(i.cidrBlocks ?? []).includes("0.0.0.0/0"));
                }
            });
        });
    }

    it("prod is highly available and strict where dev is cheap", () => {
        const variants = (run: ProgramRun) => ofType(run, "aws:sagemaker/endpointConfiguration:EndpointConfiguration")[0].inputs.productionVariants as any[];
        assert.ok(variants(runs.prod).every((v) => v.initialInstanceCount >= 2));
        assert.strictEqual(variants(runs.prod).length, 2, "prod runs champion and challenger");
        assert.ok(variants(runs.dev).every((v) => v.initialInstanceCount === 1));
        const sampling = (run: ProgramRun) =>
            (ofType(run, "aws:sagemaker/endpointConfiguration:EndpointConfiguration")[0].inputs.dataCaptureConfig as any).initialSamplingPercentage;
        assert.strictEqual(sampling(runs.dev), 100);
        assert.strictEqual(sampling(runs.prod), 20);
        const vpceDeny = (run: ProgramRun) =>
            ofType(run, "aws:s3/bucketPolicy:BucketPolicy").filter((bp) => JSON.stringify(parse(bp.inputs.policy)).includes("aws:SourceVpce")).length;
        assert.strictEqual(vpceDeny(runs.dev), 0);
        assert.ok(vpceDeny(runs.prod) >= 5, "prod denies data access outside the VPC endpoint");
        assert.strictEqual(ofType(runs.dev, "aws:budgets/budgetAction:BudgetAction").length, 0);
        assert.strictEqual(ofType(runs.prod, "aws:budgets/budgetAction:BudgetAction").length, 1);
        const retention = (run: ProgramRun) => Math.min(...ofType(run, "aws:cloudwatch/logGroup:LogGroup").map((l) => Number(l.inputs.retentionInDays)));
        assert.ok(retention(runs.prod) > retention(runs.dev));
        const scaling = (run: ProgramRun) => ofType(run, "aws:appautoscaling/target:Target").map((t) => t.inputs.minCapacity as number);
        assert.ok(scaling(runs.prod).every((m) => m >= 2));
    });

    it("creates nothing endpoint-related when the stack disables the endpoint, and says so in the outputs", async () => {
        const run = await runProgram(() => createPlatform(), {
            stack: "dev",
            configure: (raw) => ({ ...raw, "mlplatform:endpoint": { ...(raw["mlplatform:endpoint"] as object), enabled: false } }),
        });
        assert.strictEqual(
            run.resources.filter(
                (r) => r.type.startsWith("aws:sagemaker/endpoint") || r.type.startsWith("aws:sagemaker/model:") || r.type.startsWith("aws:appautoscaling"),
            ).length,
            0,
        );
        assert.strictEqual((run.outputs as any).endpoint, null);
        assert.deepStrictEqual(checkStackOutputs(run.outputs), []);
    });

    it("refuses to declare anything with an invalid config, naming the key", async () => {
        await assert.rejects(
            runProgram(() => createPlatform(), { stack: "dev", configure: (raw) => ({ ...raw, "mlplatform:budget": { monthlyLimitUsd: 0 } }) }),
            /mlplatform:budget\.monthlyLimitUsd = 0: expected a number between 0\.01/,
        );
    });
});
