import * as assert from "assert";
import { runGate } from "../../gate/gate";
import { UNKNOWN } from "../../gate/runtime";

describe("offline gate, first preview of a new stack (--new-stack)", function () {
    this.timeout(300000);

    it("passes unknown computed values to the policies as unknowns: policies that read them are 'not evaluated', not failed", async () => {
        const { report, run } = await runGate({ stack: "dev", mode: "new-stack" });
        // Bucket policies are computed from bucket ARNs, unknown before the first apply.
        const policy = run.resources.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!;
        assert.strictEqual(policy.inputs.policy, UNKNOWN);
        // Values written in the program are known, e.g. the KMS key's rotation flag.
        const key = run.resources.find((r) => r.type === "aws:kms/key:Key")!;
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        assert.strictEqual(report.counts.mandatory, 0, JSON.stringify(report.violations.slice(0, 3)));
        assert.ok(report.notEvaluated.length > 0);
        assert.ok(report.notEvaluated.some((n) => n.policy === "least-privilege-iam"));
    });
});
