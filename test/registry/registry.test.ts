import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalModelRegistry, RegisterInput, RegistryError } from "../../lib/registry";

const input = (auc: number): RegisterInput => ({
    image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    modelDataUrl: "s3://mlp-dev-artifacts-abc/models/train-1/output/model.tar.gz",
    metrics: { "validation:auc": auc, "test:auc": auc - 0.001 },
    hyperParameters: { max_depth: 5, eta: 0.2 },
    lineage: { dataHash: "d".repeat(64), featuresHash: "f".repeat(64), codeVersion: "abc123", trainingJob: "train-1" },
});

describe("local model registry", () => {
    let dir: string;
    let reg: LocalModelRegistry;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-"));
        let t = Date.parse("2026-01-01T00:00:00Z");
        reg = new LocalModelRegistry(dir, "arn:aws:sagemaker:us-east-1:123456789012", () => new Date((t += 1000)));
        reg.createGroup("mlp-dev-models", "Adult income models");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("registers versions 1, 2, ... with SageMaker's ARN format, metrics, hyperparameters and lineage", () => {
        const a = reg.register("mlp-dev-models", input(0.92));
        const b = reg.register("mlp-dev-models", input(0.93));
        assert.strictEqual(a.ModelPackageVersion, 1);
        assert.strictEqual(b.ModelPackageVersion, 2);
        assert.strictEqual(b.ModelPackageArn, "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlp-dev-models/2");
        assert.strictEqual(b.ModelApprovalStatus, "PendingManualApproval");
        assert.strictEqual(b.HyperParameters.max_depth, "5");
        assert.strictEqual(b.CustomerMetadataProperties["metric:validation:auc"], "0.93");
        assert.deepStrictEqual(
            reg.list("mlp-dev-models").map((p) => p.ModelPackageVersion),
            [1, 2],
        );
        assert.strictEqual(reg.describe("mlp-dev-models", 1).Lineage.codeVersion, "abc123");
    });

    it("approves and revokes with a recorded history; the latest approved wins", () => {
        reg.register("mlp-dev-models", input(0.92));
        reg.register("mlp-dev-models", input(0.93));
        assert.strictEqual(reg.latestApproved("mlp-dev-models"), undefined);
        reg.setApproval("mlp-dev-models", 1, "Approved", "alice", "passed review");
        reg.setApproval("mlp-dev-models", 2, "Approved", "alice", "better AUC");
        assert.strictEqual(reg.latestApproved("mlp-dev-models")!.ModelPackageVersion, 2);
        const revoked = reg.setApproval("mlp-dev-models", 2, "Rejected", "bob", "latency regression in canary");
        assert.deepStrictEqual(
            revoked.ApprovalHistory.map((h) => h.status),
            ["PendingManualApproval", "Approved", "Rejected"],
        );
        assert.strictEqual(reg.latestApproved("mlp-dev-models")!.ModelPackageVersion, 1);
    });

    it("refuses invalid transitions with the allowed ones named", () => {
        reg.register("mlp-dev-models", input(0.92));
        reg.setApproval("mlp-dev-models", 1, "Rejected", "alice", "bias too high");
        assert.throws(
            () => reg.setApproval("mlp-dev-models", 1, "Approved", "alice", "changed my mind"),
            /is Rejected; it cannot become Approved \(Rejected is final/,
        );
        reg.register("mlp-dev-models", input(0.93));
        assert.throws(() => reg.setApproval("mlp-dev-models", 2, "PendingManualApproval", "x", "reset"), /allowed: Approved, Rejected/);
        reg.setApproval("mlp-dev-models", 2, "Approved", "x", "ok ok");
        assert.throws(() => reg.setApproval("mlp-dev-models", 2, "Approved", "x", "again"), /is Approved; it cannot become Approved \(allowed: Rejected\)/);
        assert.throws(() => reg.setApproval("mlp-dev-models", 2, "Bogus" as never, "x", "why not"), RegistryError);
        assert.throws(() => reg.setApproval("mlp-dev-models", 2, "Rejected", "x", ""), /give a reason/);
    });

    it("validates inputs and names missing groups and versions", () => {
        assert.throws(() => reg.register("mlp-dev-models", { ...input(0.9), metrics: { auc: NaN } }), /metric 'auc' = NaN/);
        assert.throws(() => reg.register("mlp-dev-models", { ...input(0.9), modelDataUrl: "/tmp/model.tar.gz" }), /expected an s3:\/\/ URI/);
        assert.throws(() => reg.list("nope"), /model package group 'nope' does not exist/);
        assert.throws(() => reg.describe("mlp-dev-models", 7), /versions: none/);
        assert.throws(() => reg.createGroup("bad_name!"), /1-63 letters/);
    });

    it("never hands out the same version twice, even when a version file appears concurrently", () => {
        reg.register("mlp-dev-models", input(0.9));
        // Simulate another process that claimed version 2 but has not written it yet.
        fs.closeSync(fs.openSync(path.join(dir, "mlp-dev-models", "packages", "2.json"), "wx"));
        const p = reg.register("mlp-dev-models", input(0.91));
        assert.strictEqual(p.ModelPackageVersion, 3);
    });
});
