import * as assert from "assert";
import { awsManagedPolicyName, leastPrivilegeIam as policy } from "../../policies/rules/least-privilege-iam";
import { exemptTags } from "./exempt";
import { UNKNOWN, messages, res, runR, secret } from "./harness";

const RP = "aws:iam/rolePolicy:RolePolicy";
const ROLE = "aws:iam/role:Role";
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const sagemakerTrust = doc({ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" });

async function findings(type: string, props: Record<string, unknown>, config?: Record<string, unknown>) {
    const o = await runR(policy, res(type, "r", props), { config });
    assert.strictEqual(o.status, "evaluated", o.reason);
    return messages(o);
}

describe("policies/least-privilege-iam", () => {
    it("accepts a scoped identity policy (string or object, single statement or array)", async () => {
        const s = { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::data/*" };
        assert.deepStrictEqual(await findings(RP, { role: "r", policy: doc(s) }), []);
        assert.deepStrictEqual(await findings(RP, { role: "r", policy: { Version: "2012-10-17", Statement: s } }), []);
    });

    it("rejects * and service:* actions and Allow+NotAction", async () => {
        const f = await findings("aws:iam/policy:Policy", {
            policy: doc(
                { Effect: "Allow", Action: ["*"], Resource: "*" },
                { Effect: "Allow", Action: "sagemaker:*", Resource: "arn:aws:sagemaker:us-east-1:1:endpoint/x" },
                { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
            ),
        });
        assert.strictEqual(f.length, 3);
        assert.match(f[0], /statement 0 allows wildcard action\(s\) \*/);
        assert.match(f[1], /sagemaker:\*/);
        assert.match(f[2], /NotAction/);
    });

    it("rejects write actions on Resource * unless allowlisted; reads on * are fine", async () => {
        const f = await findings(RP, {
            policy: doc({
                Effect: "Allow",
                Action: [
                    "s3:PutObject",
                    "s3:GetObject",
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeSubnets",
                    "cloudwatch:PutMetricData",
                    "sagemaker:ListEndpoints",
                    "ecr:GetAuthorizationToken",
                ],
                Resource: "*",
            }),
        });
        assert.deepStrictEqual(f.length, 1);
        assert.match(f[0], /s3:PutObject on Resource "\*"/);
        assert.doesNotMatch(f[0], /CreateNetworkInterface|PutMetricData|GetObject/);
    });

    it("ec2:* is not covered by the ec2:Describe* allowlist entry; per-environment extra allowlist works", async () => {
        const f = await findings(RP, {
            policy: doc({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" }, { Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }),
        });
        assert.strictEqual(f.length, 1);
        assert.deepStrictEqual(
            await findings(
                RP,
                { policy: doc({ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }) },
                { extraWildcardResourceActions: ["logs:PutLogEvents"] },
            ),
            [],
        );
    });

    it("iam:PassRole needs named roles and iam:PassedToService", async () => {
        const bad = await findings(RP, { policy: doc({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::111122223333:role/*" }) });
        assert.strictEqual(bad.length, 2);
        const good = await findings(RP, {
            policy: doc({
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: "arn:aws:iam::111122223333:role/sm-exec",
                Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
            }),
        });
        assert.deepStrictEqual(good, []);
    });

    it("forbids broad AWS-managed policies via attachments and managedPolicyArns", async () => {
        assert.strictEqual(awsManagedPolicyName("arn:aws:iam::aws:policy/service-role/AmazonSageMakerFullAccess"), "AmazonSageMakerFullAccess");
        for (const name of ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AmazonS3FullAccess"]) {
            const f = await findings("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: `arn:aws:iam::aws:policy/${name}` });
            assert.strictEqual(f.length, 1, name);
        }
        assert.deepStrictEqual(
            await findings("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }),
            [],
        );
        assert.deepStrictEqual(await findings("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: UNKNOWN.string }), []);
        const f = await findings(ROLE, {
            assumeRolePolicy: sagemakerTrust,
            managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", UNKNOWN.string],
        });
        assert.strictEqual(f.length, 1);
        assert.match(f[0], /AmazonSageMakerFullAccess/);
    });

    it("role trust: expected services pass; unexpected service, * and foreign accounts fail", async () => {
        assert.deepStrictEqual(await findings(ROLE, { assumeRolePolicy: sagemakerTrust }), []);
        const f = await findings(ROLE, {
            assumeRolePolicy: doc(
                { Effect: "Allow", Principal: { Service: ["sagemaker.amazonaws.com", "ec2.amazonaws.com"] }, Action: "sts:AssumeRole" },
                { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" },
                { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" },
            ),
        });
        assert.strictEqual(f.length, 3);
        assert.match(f[0], /ec2.amazonaws.com/);
        assert.match(f[1], /principal "\*"/);
        assert.match(f[2], /999999999999/);
        assert.deepStrictEqual(
            await findings(
                ROLE,
                { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }) },
                { allowedServicePrincipals: ["ec2.amazonaws.com"] },
            ),
            [],
        );
    });

    it("role trust: GitHub OIDC needs aud and a non-wildcard sub", async () => {
        const fed = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        const good = doc({
            Effect: "Allow",
            Principal: { Federated: fed },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                StringLike: { "token.actions.githubusercontent.com:sub": "repo:org/ml-platform:ref:refs/heads/main" },
            },
        });
        assert.deepStrictEqual(await findings(ROLE, { assumeRolePolicy: good }), []);
        const noCond = await findings(ROLE, {
            assumeRolePolicy: doc({ Effect: "Allow", Principal: { Federated: fed }, Action: "sts:AssumeRoleWithWebIdentity" }),
        });
        assert.strictEqual(noCond.length, 2);
        const anyRepo = await findings(ROLE, {
            assumeRolePolicy: doc({
                Effect: "Allow",
                Principal: { Federated: fed },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                    StringLike: { "token.actions.githubusercontent.com:sub": "repo:*" },
                },
            }),
        });
        assert.match(anyRepo[0], /matches any repository/);
        const otherIdp = await findings(ROLE, {
            assumeRolePolicy: doc({
                Effect: "Allow",
                Principal: { Federated: "arn:aws:iam::1:oidc-provider/gitlab.com" },
                Action: "sts:AssumeRoleWithWebIdentity",
            }),
        });
        assert.match(otherIdp[0], /not an allowed OIDC provider/);
    });

    it("role inlinePolicies are checked; an unknown inline document is not fully evaluated", async () => {
        const f = await findings(ROLE, {
            assumeRolePolicy: sagemakerTrust,
            inlinePolicies: [{ name: "p", policy: doc({ Effect: "Allow", Action: "s3:*", Resource: "*" }) }],
        });
        assert.match(f[0], /inlinePolicies\[0\] \(p\)/);
        const o = await runR(policy, res(ROLE, "r", { assumeRolePolicy: sagemakerTrust, inlinePolicies: [{ name: "p", policy: UNKNOWN.string }] }));
        assert.strictEqual(o.status, "not-evaluated");
    });

    it("resource policies: Principal * needs a restricting condition; Deny statements are fine", async () => {
        const T = "aws:sns/topicPolicy:TopicPolicy";
        const open = await findings(T, {
            arn: "a",
            policy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:1:t" }),
        });
        assert.match(open[0], /Principal "\*" without a restricting condition/);
        const scoped = await findings(T, {
            arn: "a",
            policy: doc(
                { Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:1:t" },
                {
                    Effect: "Allow",
                    Principal: "*",
                    Action: "sns:Publish",
                    Resource: "arn:aws:sns:us-east-1:1:t",
                    Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
                },
                { Effect: "Deny", Principal: "*", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
            ),
        });
        assert.deepStrictEqual(scoped, []);
        const ifExists = await findings(T, {
            arn: "a",
            policy: doc({
                Effect: "Allow",
                Principal: "*",
                Action: "sns:Publish",
                Resource: "arn:aws:sns:us-east-1:1:t",
                Condition: { StringEqualsIfExists: { "aws:SourceAccount": "1" } },
            }),
        });
        assert.strictEqual(ifExists.length, 1);
    });

    it("VPC endpoint policies: write actions on * fail", async () => {
        const f = await findings("aws:ec2/vpcEndpoint:VpcEndpoint", {
            serviceName: "com.amazonaws.us-east-1.s3",
            policy: doc({
                Effect: "Allow",
                Principal: "*",
                Action: ["s3:PutObject"],
                Resource: "*",
                Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc" } },
            }),
        });
        assert.strictEqual(f.length, 1);
        assert.match(f[0], /s3:PutObject on Resource "\*"/);
    });

    it("KMS key policies: root admin statement allowed (configurable), wildcard principals never", async () => {
        const K = "aws:kms/key:Key";
        const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
        assert.deepStrictEqual(await findings(K, { enableKeyRotation: true, policy: doc(root) }), []);
        assert.strictEqual((await findings(K, { policy: doc(root) }, { allowKeyPolicyRootAdmin: false })).length, 1);
        const star = await findings("aws:kms/keyPolicy:KeyPolicy", {
            keyId: "k",
            policy: doc(root, {
                Effect: "Allow",
                Principal: "*",
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: { StringEquals: { "kms:CallerAccount": "111122223333" } },
            }),
        });
        assert.strictEqual(star.length, 1);
        assert.match(star[0], /wildcard principal on a KMS key/);
        const roleAdmin = await findings(K, {
            policy: doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/app" }, Action: "kms:*", Resource: "*" }),
        });
        assert.match(roleAdmin[0], /kms:\*/);
    });

    it("exemptions are recorded with the suppressed findings", async () => {
        const o = await runR(
            policy,
            res(ROLE, "break-glass", {
                assumeRolePolicy: sagemakerTrust,
                managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
                tags: exemptTags(policy.name, "break-glass role, MFA-gated, SEC-7"),
            }),
        );
        assert.deepStrictEqual(o.violations, []);
        assert.strictEqual(o.exemptions[0].reason, "break-glass role, MFA-gated, SEC-7");
        assert.match(o.exemptions[0].suppressed[0], /AdministratorAccess/);
    });

    it("invalid JSON is a finding; unknown document is not fully evaluated", async () => {
        assert.match((await findings(RP, { policy: "{" }))[0], /not valid JSON/);
        assert.strictEqual((await runR(policy, res(RP, "r", { policy: UNKNOWN.string }))).status, "not-evaluated");
    });

    it("secret documents are unwrapped by the runtime and checked like plain ones", async () => {
        const f = await findings(RP, { policy: secret(doc({ Effect: "Allow", Action: "s3:*", Resource: "*" })) });
        assert.strictEqual(f.length, 1);
        assert.match(f[0], /s3:\*/);
    });

    it("lambda permissions: wildcard or unscoped service principals fail", async () => {
        const L = "aws:lambda/permission:Permission";
        assert.match((await findings(L, { action: "lambda:InvokeFunction", function: "f", principal: "*" }))[0], /principal "\*"/);
        assert.match((await findings(L, { action: "lambda:InvokeFunction", function: "f", principal: "events.amazonaws.com" }))[0], /no sourceArn/);
        assert.deepStrictEqual(
            await findings(L, { action: "lambda:InvokeFunction", function: "f", principal: "events.amazonaws.com", sourceArn: UNKNOWN.string }),
            [],
        );
        assert.deepStrictEqual(await findings(L, { action: "lambda:InvokeFunction", function: "f", principal: "arn:aws:iam::111122223333:role/caller" }), []);
    });

    it("model package group and ECR repository policies are resource policies", async () => {
        const f = await findings("aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy", {
            modelPackageGroupName: "g",
            resourcePolicy: doc({
                Effect: "Allow",
                Principal: "*",
                Action: "sagemaker:DescribeModelPackage",
                Resource: "arn:aws:sagemaker:us-east-1:1:model-package/g/*",
            }),
        });
        assert.match(f[0], /Principal "\*" without a restricting condition/);
        const e = await findings("aws:ecr/repositoryPolicy:RepositoryPolicy", {
            repository: "r",
            policy: doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "ecr:*", Resource: "*" }),
        });
        assert.match(e[0], /ecr:\*/);
    });
});

import { corpusTests } from "./corpus-rule";
corpusTests("least-privilege-iam");
