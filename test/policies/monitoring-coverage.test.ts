import * as assert from "assert";
import { monitoringCoverage as policy } from "../../policies/rules/monitoring-coverage";
import { exemptTags } from "./exempt";
import { UNKNOWN, envContext, messages, res, runS } from "./harness";
import { T, endpointStack, urnOf } from "./stack-fixtures";

describe("policies/monitoring-coverage", () => {
    it("a complete stack passes (monitoring schedule variant)", async () => {
        const o = await runS(policy, endpointStack());
        assert.strictEqual(o.status, "evaluated");
        assert.deepStrictEqual(o.violations, []);
    });

    it("recognises the serverless monitor by Lambda tag or by component", async () => {
        assert.deepStrictEqual((await runS(policy, endpointStack({ monitor: "lambda" }))).violations, []);
        assert.deepStrictEqual((await runS(policy, endpointStack({ monitor: "component" }))).violations, []);
        const wrongTag = endpointStack({ monitor: "none" });
        wrongTag.push(res(T.lambda, "m", { tags: { "mlplatform:monitor-endpoint": "other-endpoint" } }));
        assert.match(messages(await runS(policy, wrongTag))[0], /no monitor/);
    });

    it("recognises the distributed monitor component (Step Functions scale-out, issue 14); another type does not count", async () => {
        const distributed = endpointStack({ monitor: "none" });
        distributed.push(res("mlplatform:monitoring:DistributedMonitor", "dm", { endpointName: distributed.find((r) => r.type === T.endpoint)!.props.name }));
        assert.deepStrictEqual((await runS(policy, distributed)).violations, []);
        const other = endpointStack({ monitor: "none" });
        other.push(res("mlplatform:monitoring:SomethingElse", "x", { endpointName: other.find((r) => r.type === T.endpoint)!.props.name }));
        assert.match(messages(await runS(policy, other))[0], /no monitor/);
    });

    it("monitor matched through dependencies when names are unknown", async () => {
        const stack = endpointStack({ monitor: "none" });
        stack.push(
            res(T.lambda, "m", { tags: { "mlplatform:monitor-endpoint": UNKNOWN.string } }, { propertyDependencies: { tags: [urnOf(T.endpoint, "churn")] } }),
        );
        assert.deepStrictEqual((await runS(policy, stack)).violations, []);
    });

    it("inline monitoring job definition referencing the endpoint counts", async () => {
        const stack = endpointStack({ monitor: "none" });
        stack.push(
            res(T.schedule, "inline", {
                monitoringScheduleConfig: {
                    monitoringType: "DataQuality",
                    monitoringJobDefinition: {
                        monitoringInputs: [{ endpointInput: { endpointName: "churn", localPath: "/x" } }],
                        monitoringResources: { clusterConfig: { instanceType: "ml.m5.large", instanceCount: 1, volumeSizeInGb: 10 } },
                    },
                    scheduleConfig: { scheduleExpression: "cron(0 0 ? * * *)" },
                },
            }),
        );
        assert.deepStrictEqual((await runS(policy, stack)).violations, []);
    });

    it("reports missing data capture, monitor and alarms against the right resources", async () => {
        const o = await runS(policy, endpointStack({ dataCapture: false, monitor: "none", alarms: ["ModelLatency"] }));
        const epc = o.violations.filter((v) => v.urn === urnOf(T.epc, "churn-config"));
        const ep = o.violations.filter((v) => v.urn === urnOf(T.endpoint, "churn"));
        assert.strictEqual(epc.length, 1);
        assert.match(epc[0].message, /no dataCaptureConfig/);
        assert.strictEqual(ep.length, 2);
        assert.match(ep[0].message, /no monitor/);
        assert.match(ep[1].message, /Invocation5XXErrors with dimension EndpointName=churn/);
    });

    it("data capture disabled or 0% sampling fails", async () => {
        for (const dc of [{ enableCapture: false, initialSamplingPercentage: 10 }, { initialSamplingPercentage: 0 }]) {
            const stack = endpointStack();
            stack[0].props.dataCaptureConfig = { ...dc, destinationS3Uri: "s3://x", captureOptions: [] };
            assert.strictEqual((await runS(policy, stack)).violations.length, 1);
        }
    });

    it("alarms via metric math queries count; alarms on another endpoint do not", async () => {
        const stack = endpointStack({ alarms: ["ModelLatency"] });
        stack.push(
            res(T.alarm, "math", {
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 1,
                metricQueries: [
                    {
                        id: "e",
                        metric: {
                            namespace: "AWS/SageMaker",
                            metricName: "Invocation5XXErrors",
                            dimensions: { EndpointName: "churn" },
                            period: 60,
                            stat: "Sum",
                        },
                    },
                ],
            }),
        );
        assert.deepStrictEqual((await runS(policy, stack)).violations, []);
        const other = endpointStack({ alarms: ["ModelLatency"] });
        other.push(res(T.alarm, "o", { namespace: "AWS/SageMaker", metricName: "Invocation5XXErrors", dimensions: { EndpointName: "other" } }));
        assert.strictEqual((await runS(policy, other)).violations.length, 1);
    });

    it("log groups need retention; stack-wide trail and budget checks", async () => {
        const stack = endpointStack({ trail: false, budget: null });
        stack.push(res(T.logGroup, "forever", { retentionInDays: 0 }), res(T.logGroup, "unset", {}));
        const o = await runS(policy, stack);
        const m = messages(o);
        assert.ok(m.some((x) => /forever.*retentionInDays is 0/.test(x)));
        assert.ok(m.some((x) => /unset.*retentionInDays is not set/.test(x)));
        assert.ok(m.includes("no CloudTrail trail in the stack"));
        assert.ok(m.includes("no AWS Budget (aws:budgets/budget:Budget) in the stack"));
        assert.strictEqual(o.violations.find((v) => /CloudTrail/.test(v.message))!.urn, undefined);
        const dev = await runS(policy, endpointStack({ trail: false }), envContext("dev", policy.name));
        assert.deepStrictEqual(dev.violations, [], "dev does not require a trail");
    });

    it("prod requires 90 days of log retention; trail without validation fails", async () => {
        const stack = endpointStack();
        stack.find((r) => r.type === T.trail)!.props.enableLogFileValidation = false;
        const o = await runS(policy, stack, envContext("prod", policy.name));
        const m = messages(o);
        assert.strictEqual(m.length, 2);
        assert.match(m[0], /retentionInDays is 30; minimum is 90/);
        assert.match(m[1], /enableLogFileValidation/);
    });

    it("budget without subscribers fails", async () => {
        const stack = endpointStack();
        stack.find((r) => r.type === T.budget)!.props.notifications = [];
        assert.match(messages(await runS(policy, stack))[0], /no AWS Budget has a notification/);
    });

    it("exemptions per resource", async () => {
        const stack = endpointStack({ monitor: "none" });
        stack.find((r) => r.type === T.endpoint)!.props.tags = exemptTags(policy.name, "canary endpoint, deleted after test");
        const o = await runS(policy, stack);
        assert.deepStrictEqual(o.violations, []);
        assert.strictEqual(o.exemptions.length, 1);
    });
});
