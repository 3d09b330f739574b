import * as assert from "assert";
import { ACTIVITIES, KEY_USERS, PlatformSecurity } from "../../components/security";
import { asArray, policyOf, promiseOf, setupMocks } from "../helpers/pulumi-mocks";

const mocks = setupMocks();

/** Actions AWS accepts only with Resource "*"; anything else on "*" is a finding. */
const STAR_ONLY = new Set([
    "cloudwatch:PutMetricData",
    "ecr:GetAuthorizationToken",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
]);

describe("PlatformSecurity", () => {
    let sec: PlatformSecurity;
    before(async () => {
        mocks.reset();
        sec = new PlatformSecurity("sec", {
            namePrefix: "mlp-dev",
            environment: "dev",
            adminRoleArns: ["arn:aws:iam::123456789012:role/platform-admin"],
            ciOidcSubject: "repo:acme/ml:environment:dev",
        });
        sec.grantVpcAccess(["training", "processing"], { vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-jobs"] });
        sec.grantJobControl(sec.grantee("pipeline"), { vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-jobs"] }, [
            "processing",
            "training",
        ]);
        await mocks.settle();
    });

    it("creates one role per activity, each with the permissions boundary and a SageMaker trust scoped to the account", async () => {
        const roles = mocks.ofType("aws:iam/role:Role");
        assert.strictEqual(roles.length, ACTIVITIES.length);
        const boundaryArn = await promiseOf(sec.boundary.arn);
        for (const r of roles) {
            assert.strictEqual(r.inputs.permissionsBoundary, boundaryArn, `${r.name} has no boundary`);
            const trust = await policyOf(r.inputs.assumeRolePolicy);
            for (const s of trust.Statement) {
                assert.notStrictEqual(s.Principal, "*");
                if (s.Principal.Service) {
                    assert.strictEqual(s.Principal.Service, "sagemaker.amazonaws.com");
                    assert.strictEqual(s.Condition.StringEquals["aws:SourceAccount"], "123456789012");
                } else {
                    assert.ok(s.Condition, `${r.name}: trust without condition`);
                }
            }
        }
        assert.ok(!mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, "no managed policy attachments");
    });

    it("creates rotating KMS keys whose policies name their users and have no wildcard principal", async () => {
        const keys = mocks.ofType("aws:kms/key:Key");
        assert.deepStrictEqual(keys.map((k) => k.name).sort(), ["sec-artifacts", "sec-data", "sec-logs"]);
        const roleArns = await promiseOf(sec.roleArns);
        for (const k of keys) {
            assert.strictEqual(k.inputs.enableKeyRotation, true);
            const doc = JSON.parse(k.inputs.policy);
            for (const s of doc.Statement) {
                assert.notStrictEqual(s.Principal, "*");
                for (const p of asArray(s.Principal.AWS)) assert.notStrictEqual(p, "*");
                assert.ok(!asArray(s.Action).includes("kms:*"), "no kms:*");
            }
            const use = doc.Statement.find((s: any) => s.Sid === "KeyUseByPlatformRoles");
            const purpose = k.name.replace("sec-", "") as keyof typeof KEY_USERS;
            assert.deepStrictEqual(asArray(use.Principal.AWS).sort(), KEY_USERS[purpose].map((a) => roleArns[a]).sort());
            const admin = doc.Statement.find((s: any) => s.Sid === "KeyAdministration");
            assert.deepStrictEqual(admin.Principal.AWS, ["arn:aws:iam::123456789012:role/platform-admin"]);
            assert.ok(!asArray(admin.Action).some((a: string) => /Encrypt|Decrypt|GenerateDataKey/.test(a)), "administrators cannot use the key");
        }
        const logs = JSON.parse(keys.find((k) => k.name === "sec-logs")!.inputs.policy);
        assert.ok(logs.Statement.some((s: any) => s.Principal.Service === "logs.us-east-1.amazonaws.com" && s.Condition.ArnLike));
    });

    it("grants no wildcard actions and uses Resource '*' only for actions AWS supports only on '*'", async () => {
        for (const rp of mocks.ofType("aws:iam/rolePolicy:RolePolicy")) {
            const doc = await policyOf(rp.inputs.policy);
            for (const s of doc.Statement) {
                for (const a of asArray<string>(s.Action)) {
                    assert.ok(a !== "*" && !/^[a-z0-9-]+:\*$/.test(a), `${rp.name}: wildcard action ${a}`);
                }
                if (s.Effect === "Allow" && asArray(s.Resource).includes("*")) {
                    for (const a of asArray<string>(s.Action)) assert.ok(STAR_ONLY.has(a) || /^sagemaker:List/.test(a), `${rp.name}: ${a} on "*"`);
                }
            }
        }
    });

    it("lets the pipeline create jobs only in the platform subnets with the platform keys and pass only platform roles to SageMaker", async () => {
        const rp = mocks.ofType("aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "mlp-dev-job-control-pipeline")!;
        assert.ok(rp, "job-control grant exists");
        const doc = await policyOf(rp.inputs.policy);
        const create = doc.Statement.find((s: any) => s.Sid === "CreateTrainingAndTuningInVpcWithPlatformKeys");
        assert.deepStrictEqual(create.Condition["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"], ["subnet-a", "subnet-b"]);
        assert.deepStrictEqual(create.Condition["ForAllValues:StringEquals"]["sagemaker:VpcSecurityGroupIds"], ["sg-jobs"]);
        const keys = await promiseOf(sec.keyArns);
        assert.strictEqual(create.Condition.StringEquals["sagemaker:VolumeKmsKeyArn"], keys.artifacts);
        assert.strictEqual(create.Condition.StringEquals["sagemaker:OutputKmsKeyArn"], keys.artifacts);
        assert.ok(asArray<string>(create.Resource).every((r) => r.includes(":training-job/mlp-dev-") || r.includes(":hyper-parameter-tuning-job/mlp-dev-")));
        const pass = doc.Statement.find((s: any) => s.Action === "iam:PassRole");
        const roles = await promiseOf(sec.roleArns);
        assert.deepStrictEqual(pass.Resource, [roles.processing, roles.training]);
        assert.strictEqual(pass.Condition.StringEquals["iam:PassedToService"], "sagemaker.amazonaws.com");
    });

    it("scopes network-interface creation to the platform subnets and security groups", async () => {
        const rp = mocks.ofType("aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "mlp-dev-vpc-training")!;
        const doc = await policyOf(rp.inputs.policy);
        const eni = doc.Statement.find((s: any) => s.Sid === "NetworkInterfacesInPlatformSubnets");
        assert.deepStrictEqual(eni.Resource, [
            "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-a",
            "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-b",
            "arn:aws:ec2:us-east-1:123456789012:security-group/sg-jobs",
            "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
        ]);
    });

    it("the boundary denies removing itself and SageMaker jobs without a VPC", async () => {
        const b = mocks.one("aws:iam/policy:Policy");
        const doc = await policyOf(b.inputs.policy);
        const deny = doc.Statement.filter((s: any) => s.Effect === "Deny");
        assert.ok(deny.some((s: any) => asArray(s.Action).includes("iam:DeleteRolePermissionsBoundary")));
        const noVpc = deny.find((s: any) => s.Sid === "NoSageMakerJobsOutsideVpc");
        assert.strictEqual(noVpc.Condition.Null["sagemaker:VpcSubnets"], "true");
        assert.ok(!doc.Statement.some((s: any) => asArray(s.Action).some((a: any) => a === "*" || /^[a-z0-9-]+:\*$/.test(a))));
    });

    it("refuses a CI subject that does not name the repository", () => {
        for (const bad of ["repo:*:environment:dev", "repo:acme/*:ref:refs/heads/main", ""]) {
            assert.throws(
                () => new PlatformSecurity(`bad${bad.length}`, { namePrefix: "mlp-x", environment: "dev", ciOidcSubject: bad }),
                /must name the repository/,
            );
        }
    });

    it("trusts CI only through OIDC with audience and subject conditions", async () => {
        mocks.reset();
        new PlatformSecurity("ci", {
            namePrefix: "mlp-ci",
            environment: "prod",
            ciOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            ciOidcSubject: "repo:acme/ml:ref:refs/heads/main",
        });
        await mocks.settle();
        const ci = mocks.one("aws:iam/role:Role", "ci-ciDeploy");
        const trust = await policyOf(ci.inputs.assumeRolePolicy);
        const s = trust.Statement[0];
        assert.strictEqual(s.Action, "sts:AssumeRoleWithWebIdentity");
        assert.strictEqual(s.Condition.StringEquals["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
        assert.strictEqual(s.Condition.StringLike["token.actions.githubusercontent.com:sub"], "repo:acme/ml:ref:refs/heads/main");
        // Without administrator roles, keys are administered by the account (IAM delegation).
        const key = JSON.parse(mocks.one("aws:kms/key:Key", "ci-data").inputs.policy);
        assert.deepStrictEqual(key.Statement[0].Principal.AWS, ["arn:aws:iam::123456789012:root"]);
        assert.strictEqual(mocks.one("aws:kms/key:Key", "ci-data").inputs.deletionWindowInDays, 30);
    });
});
