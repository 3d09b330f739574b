import * as assert from "assert";
import { ML_INSTANCE_TYPES, instanceTypeFacts, vcpusOf, isGpuInstanceType, instanceFamily, hasNvmeInstanceStore } from "../../components/instance-types";

describe("instance-types", () => {
    it("knows the CPU families in common sizes", () => {
        for (const fam of ["t2", "t3", "m5", "m6i", "c5", "c6i", "r5"]) {
            for (const size of fam.startsWith("t") ? ["medium", "large", "xlarge", "2xlarge"] : ["large", "xlarge", "2xlarge", "4xlarge"]) {
                const f = instanceTypeFacts(`ml.${fam}.${size}`);
                assert.ok(f, `ml.${fam}.${size}`);
                assert.equal(f!.gpus, 0);
            }
        }
    });

    it("vCPU counts follow the size", () => {
        assert.equal(vcpusOf("ml.m5.large"), 2);
        assert.equal(vcpusOf("ml.m5.xlarge"), 4);
        assert.equal(vcpusOf("ml.c5.9xlarge"), 36);
        assert.equal(vcpusOf("ml.m6i.32xlarge"), 128);
        assert.equal(vcpusOf("ml.g5.48xlarge"), 192);
        assert.equal(instanceTypeFacts("ml.r5.large")!.memoryGiB, 16);
        assert.equal(instanceTypeFacts("ml.t3.medium")!.burstable, true);
        assert.equal(instanceTypeFacts("ml.m5.large")!.burstable, false);
    });

    it("detects GPUs, including sizes missing from the table", () => {
        assert.equal(isGpuInstanceType("ml.g4dn.xlarge"), true);
        assert.equal(instanceTypeFacts("ml.g4dn.12xlarge")!.gpus, 4);
        assert.equal(instanceTypeFacts("ml.p3.16xlarge")!.gpus, 8);
        assert.equal(isGpuInstanceType("ml.p4d.24xlarge"), true);
        assert.equal(isGpuInstanceType("ml.m5.xlarge"), false);
        assert.equal(isGpuInstanceType("ml.unknown.xlarge"), false);
    });

    it("knows which types have NVMe instance storage (no volume KMS key allowed)", () => {
        assert.equal(hasNvmeInstanceStore("ml.g4dn.xlarge"), true);
        assert.equal(hasNvmeInstanceStore("ml.g5.2xlarge"), true);
        assert.equal(hasNvmeInstanceStore("ml.m5d.large"), true);
        assert.equal(hasNvmeInstanceStore("ml.p3.2xlarge"), false);
        assert.equal(hasNvmeInstanceStore("ml.m5.large"), false);
        assert.equal(hasNvmeInstanceStore("ml.c6i.xlarge"), false);
    });

    it("throws for unknown types instead of guessing", () => {
        assert.throws(() => vcpusOf("ml.m7i.large"), /Unknown SageMaker instance type/);
        assert.equal(instanceTypeFacts("constructor"), undefined);
        assert.equal(instanceFamily("ml.g4dn.xlarge"), "g4dn");
    });

    it("every entry is consistent", () => {
        for (const [t, f] of Object.entries(ML_INSTANCE_TYPES)) {
            assert.match(t, /^ml\.[a-z0-9]+\.[a-z0-9]+$/);
            assert.ok(f.vcpus > 0 && f.memoryGiB > 0, t);
            assert.equal(f.gpus > 0, f.gpuModel !== undefined, t);
        }
    });
});
