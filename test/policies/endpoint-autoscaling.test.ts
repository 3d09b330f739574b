import * as assert from "assert";
import { endpointAutoscaling as policy } from "../../policies/rules/endpoint-autoscaling";
import { exemptTags } from "./exempt";
import { UNKNOWN, envContext, messages, res, runS } from "./harness";
import { T, endpointStack, urnOf } from "./stack-fixtures";

describe("policies/endpoint-autoscaling", () => {
    it("passes when every variant has a target", async () => {
        const o = await runS(policy, endpointStack({ variants: ["a", "b"] }));
        assert.deepStrictEqual(o.violations, []);
    });

    it("reports each variant without a target against the endpoint", async () => {
        const stack = endpointStack({ variants: ["a", "b"] }).filter((r) => r.name !== "churn-b-scaling");
        const o = await runS(policy, stack);
        assert.strictEqual(o.violations.length, 1);
        assert.strictEqual(o.violations[0].urn, urnOf(T.endpoint, "churn"));
        assert.match(messages(o)[0], /variant b has no autoscaling target .*endpoint\/churn\/variant\/b/);
    });

    it("a target for another endpoint or namespace does not count", async () => {
        const stack = endpointStack({ autoscaling: false });
        stack.push(
            res(T.target, "other", {
                serviceNamespace: "sagemaker",
                scalableDimension: "sagemaker:variant:DesiredInstanceCount",
                resourceId: "endpoint/other/variant/AllTraffic",
                minCapacity: 2,
                maxCapacity: 4,
            }),
        );
        stack.push(
            res(T.target, "ecs", {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: "endpoint/churn/variant/AllTraffic",
                minCapacity: 2,
                maxCapacity: 4,
            }),
        );
        assert.strictEqual((await runS(policy, stack)).violations.length, 1);
    });

    it("minCapacity below the configured minimum fails", async () => {
        const stack = endpointStack();
        const t = stack.find((r) => r.type === T.target)!;
        t.props.minCapacity = 1;
        const o = await runS(policy, stack, envContext("prod", policy.name));
        assert.match(messages(o)[0], /minCapacity 1 is below 2/);
        assert.deepStrictEqual((await runS(policy, stack, { config: { minCapacity: 1 } })).violations, []);
    });

    it("unknown resourceId matched through property dependencies (preview)", async () => {
        const stack = endpointStack();
        const t = stack.find((r) => r.type === T.target)!;
        t.props.resourceId = UNKNOWN.string;
        assert.strictEqual((await runS(policy, stack)).violations.length, 1, "no dependency recorded: not matched");
        t.propertyDependencies = { resourceId: [urnOf(T.endpoint, "churn")] };
        const o = await runS(policy, stack);
        assert.strictEqual(o.status, "evaluated");
        assert.deepStrictEqual(o.violations, []);
    });

    it("endpoint config matched through property dependencies when its name is unknown", async () => {
        const stack = endpointStack({ autoscaling: false });
        const ep = stack.find((r) => r.type === T.endpoint)!;
        ep.props.endpointConfigName = UNKNOWN.string;
        assert.deepStrictEqual((await runS(policy, stack)).violations, [], "config not resolvable -> no variants known");
        ep.propertyDependencies = { endpointConfigName: [urnOf(T.epc, "churn-config")] };
        assert.strictEqual((await runS(policy, stack)).violations.length, 1);
    });

    it("dev disables it; exemption on the endpoint is recorded", async () => {
        assert.strictEqual((await runS(policy, endpointStack({ autoscaling: false }), envContext("dev", policy.name))).status, "disabled");
        const stack = endpointStack({ autoscaling: false });
        stack.find((r) => r.type === T.endpoint)!.props.tags = exemptTags(policy.name, "batch-only shadow endpoint");
        const o = await runS(policy, stack);
        assert.deepStrictEqual(o.violations, []);
        assert.strictEqual(o.exemptions[0].urn, urnOf(T.endpoint, "churn"));
    });
});
