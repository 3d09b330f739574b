import * as assert from "assert";
import { all } from "../../policies/all";
import { evaluatePack } from "../../gate/evaluate";
import { exemptTags } from "./exempt";
import { REQUIRED_TAGS, UNKNOWN, awsProvider, packConfig, res } from "./harness";
import { endpointStack } from "./stack-fixtures";

describe("gate/evaluate evaluatePack (gate entry point)", () => {
    it("remediates first, then validates; URNs on resource violations; prod levels", async () => {
        const prov = awsProvider({ ...REQUIRED_TAGS, Environment: "prod" });
        const key = res("aws:kms/key:Key", "platform-key", { description: "k" }, { provider: prov });
        const sg = res(
            "aws:ec2/securityGroup:SecurityGroup",
            "open",
            { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] },
            { provider: prov },
        );
        const r = await evaluatePack(all, [key, sg], packConfig("prod"));
        assert.deepStrictEqual(r.remediations, [{ policyName: "encryption-at-rest-and-in-transit", urn: key.urn, changed: ["enableKeyRotation"] }]);
        assert.ok(!r.violations.some((v) => /enableKeyRotation/.test(v.message)), "rotation fixed by remediation");
        const sgV = r.violations.filter((v) => v.urn === sg.urn);
        assert.strictEqual(sgV.length, 1);
        assert.strictEqual(sgV[0].policyName, "network-isolation");
        assert.strictEqual(sgV[0].enforcementLevel, "mandatory");
        assert.ok(r.mandatoryViolations.length >= 1);
        // stack-wide: no trail/budget in this tiny stack
        assert.ok(r.violations.some((v) => v.policyName === "monitoring-coverage" && /CloudTrail/.test(v.message)));
    });

    it("collects exemptions and not-evaluated outcomes", async () => {
        const stack = endpointStack();
        stack.push(
            res("aws:s3/bucket:Bucket", "legacy", {
                bucket: "legacy",
                tags: { ...REQUIRED_TAGS, ...exemptTags("s3-encryption-and-tls", "third-party writer cannot use KMS") },
            }),
        );
        stack.push(res("aws:iam/rolePolicy:RolePolicy", "p", { policy: UNKNOWN.string }));
        const r = await evaluatePack(all, stack, packConfig("dev"));
        assert.ok(r.exemptions.some((e) => e.policyName === "s3-encryption-and-tls" && e.urn.endsWith("::legacy")));
        assert.ok(r.notEvaluated.some((n) => n.policyName === "least-privilege-iam" && n.urn!.endsWith("::p")));
        assert.ok(!r.outcomes.some((o) => o.policyName === "endpoint-autoscaling" && o.status !== "disabled"), "dev disables autoscaling");
        assert.ok(r.outcomes.filter((o) => o.policyName === "required-tags").length === stack.length);
    });
});
