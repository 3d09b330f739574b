import * as assert from "assert";
import { instanceTypesAndCapacity as policy } from "../../policies/rules/instance-types-and-capacity";
import { parseInstanceType, instanceTypeAllowed } from "../../policies/lib/instanceTypes";
import { exemptTags } from "./exempt";
import { UNKNOWN, envContext, messages, res, runR } from "./harness";

const EPC = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
const v = (instanceType: unknown, initialInstanceCount: unknown, variantName = "AllTraffic") => ({
    variantName,
    modelName: "m",
    instanceType,
    initialInstanceCount,
});

describe("policies/instance-types-and-capacity", () => {
    it("parses instance types", () => {
        assert.deepStrictEqual(parseInstanceType("ml.g5.2xlarge"), { raw: "ml.g5.2xlarge", family: "ml.g5", series: "g", size: "2xlarge", accelerated: true });
        assert.strictEqual(parseInstanceType("ml.c7g.large")!.family, "ml.c7g");
        assert.strictEqual(parseInstanceType("ml.inf2.xlarge")!.accelerated, true);
        assert.strictEqual(parseInstanceType("ml.m5d.large")!.accelerated, false);
        assert.strictEqual(parseInstanceType("m5.large"), undefined);
        assert.ok(instanceTypeAllowed("ml.t3.medium", { families: [], sizes: [], explicit: ["ml.t3.*"] }));
    });

    it("default allowlist: small CPU instances pass, GPU and big sizes fail", async () => {
        const ok = await runR(policy, res(EPC, "e", { productionVariants: [v("ml.m5.large", 1)] }));
        assert.deepStrictEqual(ok.violations, []);
        const bad = await runR(
            policy,
            res(EPC, "e", { productionVariants: [v("ml.g5.xlarge", 1, "gpu"), v("ml.m5.12xlarge", 1, "big"), v("ml.r5.large", 1, "mem")] }),
        );
        const m = messages(bad);
        assert.strictEqual(m.length, 3);
        assert.match(m[0], /accelerated .* ml.g5.xlarge is not allowed/);
        assert.match(m[1], /ml.m5.12xlarge is not in the endpoint allowlist/);
        assert.match(m[2], /ml.r5.large/);
    });

    it("serverless variants: judged on memory and concurrency (SageMaker's limits, the environment's caps); prod refuses them", async () => {
        const sl = (serverlessConfig: object) => res(EPC, "e", { productionVariants: [{ variantName: "champion", modelName: "m", serverlessConfig }] });
        assert.deepStrictEqual((await runR(policy, sl({ memorySizeInMb: 2048, maxConcurrency: 5 }), envContext("dev", policy.name))).violations, []);
        const bad = messages(await runR(policy, sl({ memorySizeInMb: 1500, maxConcurrency: 50, provisionedConcurrency: 60 }), envContext("dev", policy.name)));
        assert.ok(
            bad.some((m) => /memorySizeInMb 1500 is not one of 1024, 2048/.test(m)),
            bad.join("\n"),
        );
        assert.ok(
            bad.some((m) => /maxConcurrency 50 exceeds maxServerlessConcurrency 20/.test(m)),
            bad.join("\n"),
        );
        assert.ok(
            bad.some((m) => /provisionedConcurrency 60 must be 1 to maxConcurrency \(50\)/.test(m)),
            bad.join("\n"),
        );
        assert.ok(
            messages(await runR(policy, sl({ memorySizeInMb: 1024, maxConcurrency: 201 }))).some((m) =>
                /maxConcurrency 201 is outside SageMaker's 1-200/.test(m),
            ),
        );
        const prod = messages(await runR(policy, sl({ memorySizeInMb: 2048, maxConcurrency: 5 }), envContext("prod", policy.name)));
        assert.ok(
            prod.some((m) => /serverless variants are not allowed in this environment/.test(m)),
            prod.join("\n"),
        );
    });

    it("dev config: no GPU, max 2 instances", async () => {
        const ctx = envContext("dev", policy.name);
        const o = await runR(policy, res(EPC, "e", { productionVariants: [v("ml.g4dn.xlarge", 3)] }), ctx);
        assert.strictEqual(o.violations.length, 2);
        assert.match(messages(o)[1], /3 instances exceeds maxInstanceCount 2/);
    });

    it("prod config: explicit GPU types allowed, production variants need >= 2 instances", async () => {
        const ctx = envContext("prod", policy.name);
        const gpu = await runR(policy, res(EPC, "e", { productionVariants: [v("ml.g5.xlarge", 2)] }), ctx);
        assert.deepStrictEqual(gpu.violations, []);
        const single = await runR(policy, res(EPC, "e", { productionVariants: [v("ml.m5.xlarge", 1)] }), ctx);
        assert.match(messages(single)[0], /initialInstanceCount 1 is below the minimum 2/);
        assert.strictEqual(single.violations[0].enforcementLevel, "mandatory");
        const unset = await runR(policy, res(EPC, "e", { productionVariants: [{ variantName: "a", modelName: "m", instanceType: "ml.m5.xlarge" }] }), ctx);
        assert.match(messages(unset)[0], /initialInstanceCount is not set/);
        const shadow = await runR(
            policy,
            res(EPC, "e", { productionVariants: [v("ml.m5.xlarge", 2)], shadowProductionVariants: [v("ml.m5.large", 1, "shadow")] }),
            ctx,
        );
        assert.deepStrictEqual(shadow.violations, [], "shadow variants need not meet the production minimum");
    });

    it("prod monitoring workload allowlist narrows the top-level one", async () => {
        const ctx = envContext("prod", policy.name);
        const T = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition";
        const big = await runR(
            policy,
            res(T, "dq", { jobResources: { clusterConfig: { instanceType: "ml.m5.4xlarge", instanceCount: 1, volumeSizeInGb: 20 } } }),
            ctx,
        );
        assert.match(messages(big)[0], /not in the monitoring allowlist/);
        const ok = await runR(
            policy,
            res(T, "dq", { jobResources: { clusterConfig: { instanceType: "ml.m5.xlarge", instanceCount: 1, volumeSizeInGb: 20 } } }),
            ctx,
        );
        assert.deepStrictEqual(ok.violations, []);
    });

    it("training jobs, notebooks and autoscaling max capacity", async () => {
        const tj = await runR(
            policy,
            res("aws:sagemaker/trainingJob:TrainingJob", "tj", { resourceConfig: { instanceType: "ml.p3.2xlarge", instanceCount: 10 } }),
        );
        assert.strictEqual(tj.violations.length, 2);
        const nb = await runR(policy, res("aws:sagemaker/notebookInstance:NotebookInstance", "nb", { instanceType: "ml.t3.medium" }));
        assert.deepStrictEqual(nb.violations, []);
        const tgt = await runR(
            policy,
            res("aws:appautoscaling/target:Target", "t", {
                serviceNamespace: "sagemaker",
                maxCapacity: 10,
                minCapacity: 1,
                resourceId: "endpoint/x/variant/y",
                scalableDimension: "sagemaker:variant:DesiredInstanceCount",
            }),
        );
        assert.match(messages(tgt)[0], /maxCapacity 10 exceeds/);
        const ecs = await runR(
            policy,
            res("aws:appautoscaling/target:Target", "t", {
                serviceNamespace: "ecs",
                maxCapacity: 100,
                minCapacity: 1,
                resourceId: "service/c/s",
                scalableDimension: "ecs:service:DesiredCount",
            }),
        );
        assert.deepStrictEqual(ecs.violations, []);
    });

    it("serverless variants are skipped; an unknown instance type or variants list is not fully evaluated", async () => {
        const sl = await runR(
            policy,
            res(EPC, "e", { productionVariants: [{ variantName: "s", modelName: "m", serverlessConfig: { maxConcurrency: 5, memorySizeInMb: 2048 } }] }),
        );
        assert.deepStrictEqual(sl.violations, []);
        const uk = await runR(policy, res(EPC, "e", { productionVariants: [v(UNKNOWN.string, 1)] }));
        assert.strictEqual(uk.status, "not-evaluated");
        const ul = await runR(policy, res(EPC, "e", { productionVariants: UNKNOWN.array }));
        assert.strictEqual(ul.status, "not-evaluated");
    });

    it("exemption recorded", async () => {
        const o = await runR(
            policy,
            res(EPC, "e", {
                productionVariants: [v("ml.p4d.24xlarge", 1)],
                tags: exemptTags(policy.name, "approved LLM benchmark, FIN-42, expires 2026-12-31"),
            }),
        );
        assert.deepStrictEqual(o.violations, []);
        assert.strictEqual(o.exemptions.length, 1);
    });
});
