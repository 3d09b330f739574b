import * as assert from "assert";
import { setupMocks, promiseOf, policyOf, asArray, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";

const mocks = setupMocks();
import { Alerts, ALERTS_KEY_SERVICE_PRINCIPALS, ALERTS_RESOURCE_TYPES } from "../../components/alerts";

const KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

describe("Alerts", () => {
    beforeEach(() => mocks.reset());

    it("creates a KMS-encrypted topic named after the prefix", async () => {
        const a = new Alerts("alerts-enc", { namePrefix: "mlp-dev", kmsKeyArn: KEY });
        await mocks.settle();
        const topic = mocks.one("aws:sns/topic:Topic");
        assert.equal(topic.inputs.kmsMasterKeyId, KEY);
        assert.equal(topic.inputs.name, "mlp-dev-alerts");
        assert.equal(await promiseOf(a.topicArn), `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-dev-alerts`);
        // every child is parented to the component
        const comp = mocks.one("mlplatform:monitoring:Alerts");
        assert.ok(mocks.childrenOf(comp).length >= 2);
    });

    it("subscribes each email once", async () => {
        new Alerts("alerts-mail", { namePrefix: "mlp-dev", kmsKeyArn: KEY, emails: ["a@example.com", "b@example.com", "a@example.com"] });
        await mocks.settle();
        const subs = mocks.ofType("aws:sns/topicSubscription:TopicSubscription");
        assert.deepEqual(subs.map((s) => s.inputs.endpoint).sort(), ["a@example.com", "b@example.com"]);
        assert.ok(subs.every((s) => s.inputs.protocol === "email"));
    });

    it("rejects a malformed email", () => {
        assert.throws(() => new Alerts("alerts-bad", { namePrefix: "mlp-dev", kmsKeyArn: KEY, emails: ["not-an-email"] }), /not an email/);
    });

    it("topic policy: service publishers limited to this account and source ARN, TLS enforced", async () => {
        new Alerts("alerts-pol", { namePrefix: "mlp-dev", kmsKeyArn: KEY, alarmNamePrefix: "mlp-dev-" });
        await mocks.settle();
        const pol = mocks.one("aws:sns/topicPolicy:TopicPolicy");
        const doc = await policyOf(pol.inputs.policy);
        const topicArn = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-dev-alerts`;
        const allows = doc.Statement.filter((s) => s.Effect === "Allow");
        const services = allows.map((s) => s.Principal.Service).sort();
        assert.deepEqual(services, [...ALERTS_KEY_SERVICE_PRINCIPALS].sort());
        for (const s of allows) {
            assert.deepEqual(asArray(s.Action), ["sns:Publish"]);
            assert.equal(s.Resource, topicArn);
            assert.equal(s.Condition.StringEquals["aws:SourceAccount"], MOCK_ACCOUNT);
            assert.ok(String(s.Condition.ArnLike["aws:SourceArn"]).includes(MOCK_ACCOUNT));
        }
        const cw = allows.find((s) => s.Principal.Service === "cloudwatch.amazonaws.com");
        assert.equal(cw.Condition.ArnLike["aws:SourceArn"], `arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT}:alarm:mlp-dev-*`);
        const budgets = allows.find((s) => s.Principal.Service === "budgets.amazonaws.com");
        assert.equal(budgets.Condition.ArnLike["aws:SourceArn"], `arn:aws:budgets::${MOCK_ACCOUNT}:*`);
        const deny = doc.Statement.find((s) => s.Effect === "Deny");
        assert.equal(deny.Principal, "*");
        assert.ok(asArray(deny.Action).includes("sns:Publish"));
        assert.equal(deny.Condition.Bool["aws:SecureTransport"], "false");
        assert.equal(await promiseOf(pol.inputs.arn), topicArn);
    });

    it("creates exactly the resource types it declares", async () => {
        new Alerts("alerts-types", { namePrefix: "mlp-dev", kmsKeyArn: KEY, emails: ["a@example.com"] });
        await mocks.settle();
        const types = new Set(mocks.resources.filter((r) => r.custom).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...ALERTS_RESOURCE_TYPES].sort());
    });
});
