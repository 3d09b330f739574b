import * as assert from "assert";
import { setupMocks, policyOf, asArray, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";

const mocks = setupMocks();
import { CostGuardrails, CostGuardrailsArgs, DENIED_ON_BUDGET_EXHAUSTION, costAllocationTagValues, BUDGET_RESOURCE_TYPES } from "../../components/budget";

const TOPIC = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-prod-alerts`;

import { assertValidMetricMath } from "../helpers/metric-math";

function args(over: Partial<CostGuardrailsArgs> = {}): CostGuardrailsArgs {
    return {
        namePrefix: "mlp-prod",
        environment: "prod",
        project: "churn",
        monthlyLimitUsd: 1500,
        thresholdsPercent: [80, 100, 120],
        emails: ["finops@example.com"],
        alertTopicArn: TOPIC,
        enforceAction: true,
        enforcedRoleNames: ["mlp-prod-training", "mlp-prod-ciDeploy"],
        anomalyThresholdUsd: 100,
        activateCostAllocationTags: false,
        ...over,
    };
}

describe("CostGuardrails", () => {
    beforeEach(() => mocks.reset());

    it("without active cost-allocation tags the budget covers the account (a tag filter would see no spend; issue 9, defect 8)", async () => {
        new CostGuardrails("cg-account", args());
        await mocks.settle();
        const b = mocks.one("aws:budgets/budget:Budget");
        assert.equal(b.inputs.filterExpression, undefined);
        assert.equal(b.inputs.tags?.["mlplatform:cost-allocation-tags-active"], undefined);
    });

    it("monthly COST budget with the limit, scoped to Project AND Environment (tags declared active)", async () => {
        new CostGuardrails("cg-budget", args({ costAllocationTagsActive: true }));
        await mocks.settle();
        const b = mocks.one("aws:budgets/budget:Budget");
        assert.equal(b.inputs.name, "mlp-prod-monthly");
        assert.equal(b.inputs.budgetType, "COST");
        assert.equal(b.inputs.timeUnit, "MONTHLY");
        assert.equal(b.inputs.limitAmount, "1500.00");
        assert.equal(b.inputs.limitUnit, "USD");
        assert.deepEqual(
            b.inputs.filterExpression.ands.map((x: any) => [x.tags.key, x.tags.values]),
            [
                ["Project", ["churn"]],
                ["Environment", ["prod"]],
            ],
        );
        assert.equal(b.inputs.costFilters, undefined, "legacy filters would OR the two tags");
        assert.deepEqual(costAllocationTagValues("churn", "prod"), ["user:Project$churn", "user:Environment$prod"]);
    });

    it("one ACTUAL and one FORECASTED notification per threshold, to the topic and the emails", async () => {
        new CostGuardrails("cg-notif", args());
        await mocks.settle();
        const ns = mocks.one("aws:budgets/budget:Budget").inputs.notifications as any[];
        assert.equal(ns.length, 6);
        const pairs = ns.map((n) => `${n.notificationType}@${n.threshold}`).sort();
        assert.deepEqual(pairs, ["ACTUAL@100", "ACTUAL@120", "ACTUAL@80", "FORECASTED@100", "FORECASTED@120", "FORECASTED@80"]);
        for (const n of ns) {
            assert.equal(n.thresholdType, "PERCENTAGE");
            assert.equal(n.comparisonOperator, "GREATER_THAN");
            assert.deepEqual(n.subscriberSnsTopicArns, [TOPIC]);
            assert.deepEqual(n.subscriberEmailAddresses, ["finops@example.com"]);
        }
    });

    it("enforced: budget action applies the deny policy at 100% actual, automatically, to the given roles", async () => {
        new CostGuardrails("cg-action", args());
        await mocks.settle();
        const act = mocks.one("aws:budgets/budgetAction:BudgetAction");
        const policy = mocks.one("aws:iam/policy:Policy");
        assert.equal(act.inputs.actionType, "APPLY_IAM_POLICY");
        assert.equal(act.inputs.approvalModel, "AUTOMATIC");
        assert.equal(act.inputs.notificationType, "ACTUAL");
        assert.deepEqual(act.inputs.actionThreshold, { actionThresholdType: "PERCENTAGE", actionThresholdValue: 100 });
        assert.equal(act.inputs.budgetName, "mlp-prod-monthly");
        assert.deepEqual(act.inputs.definition.iamActionDefinition, { policyArn: policy.state.arn, roles: ["mlp-prod-training", "mlp-prod-ciDeploy"] });
        assert.ok(act.inputs.subscribers.some((s: any) => s.subscriptionType === "SNS" && s.address === TOPIC));
        const deny = await policyOf(policy.inputs.policy);
        assert.equal(deny.Statement.length, 1);
        assert.equal(deny.Statement[0].Effect, "Deny");
        assert.deepEqual(asArray(deny.Statement[0].Action).sort(), [...DENIED_ON_BUDGET_EXHAUSTION].sort());
        for (const a of [
            "CreateTrainingJob",
            "CreateEndpoint",
            "CreateEndpointConfig",
            "CreateHyperParameterTuningJob",
            "CreateProcessingJob",
            "CreateTransformJob",
        ]) {
            assert.ok(asArray(deny.Statement[0].Action).includes(`sagemaker:${a}`), a);
        }
    });

    it("enforced: execution role trusted by budgets, may only attach/detach that policy on those roles", async () => {
        new CostGuardrails("cg-role", args());
        await mocks.settle();
        const act = mocks.one("aws:budgets/budgetAction:BudgetAction");
        const role = mocks.ofType("aws:iam/role:Role").find((r) => r.state.arn === act.inputs.executionRoleArn)!;
        const trust = await policyOf(role.inputs.assumeRolePolicy);
        assert.equal(trust.Statement[0].Principal.Service, "budgets.amazonaws.com");
        assert.equal(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"], MOCK_ACCOUNT);
        const rp = mocks.one("aws:iam/rolePolicy:RolePolicy");
        assert.equal(rp.inputs.role, role.id);
        const doc = await policyOf(rp.inputs.policy);
        assert.equal(doc.Statement.length, 1);
        const s = doc.Statement[0];
        assert.deepEqual(asArray(s.Action).sort(), ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]);
        assert.deepEqual(s.Resource, [`arn:aws:iam::${MOCK_ACCOUNT}:role/mlp-prod-training`, `arn:aws:iam::${MOCK_ACCOUNT}:role/mlp-prod-ciDeploy`]);
        assert.equal(s.Condition.ArnEquals["iam:PolicyARN"], mocks.one("aws:iam/policy:Policy").state.arn);
        for (const r of asArray<string>(s.Resource)) assert.ok(!r.includes("*"));
    });

    it("not enforced (dev): no action, no deny policy, no role", async () => {
        const c = new CostGuardrails("cg-dev", args({ namePrefix: "mlp-dev", environment: "dev", enforceAction: false, enforcedRoleNames: undefined }));
        await mocks.settle();
        assert.equal(mocks.ofType("aws:budgets/budgetAction:BudgetAction").length, 0);
        assert.equal(mocks.ofType("aws:iam/policy:Policy").length, 0);
        assert.equal(mocks.ofType("aws:iam/role:Role").length, 0);
        assert.equal(c.enforced, false);
        assert.equal(mocks.one("aws:budgets/budget:Budget").inputs.name, "mlp-dev-monthly");
    });

    it("anomaly detection: custom Project-tag monitor by default, immediate SNS with the USD threshold", async () => {
        new CostGuardrails("cg-anom", args());
        await mocks.settle();
        const m = mocks.one("aws:costexplorer/anomalyMonitor:AnomalyMonitor");
        assert.equal(m.inputs.monitorType, "CUSTOM");
        assert.deepEqual(JSON.parse(m.inputs.monitorSpecification), { Tags: { Key: "Project", Values: ["churn"], MatchOptions: ["EQUALS"] } });
        const s = mocks.one("aws:costexplorer/anomalySubscription:AnomalySubscription");
        assert.equal(s.inputs.frequency, "IMMEDIATE");
        assert.deepEqual(s.inputs.subscribers, [{ type: "SNS", address: TOPIC }]);
        assert.deepEqual(s.inputs.monitorArnLists, [m.state.arn]);
        assert.deepEqual(s.inputs.thresholdExpression.dimension, {
            key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
            matchOptions: ["GREATER_THAN_OR_EQUAL"],
            values: ["100"],
        });
    });

    it("anomaly detection: SERVICE monitor and daily email digest when asked", async () => {
        new CostGuardrails("cg-anom2", args({ anomalyMonitor: "service", anomalySubscriber: "email", anomalyThresholdUsd: 20 }));
        await mocks.settle();
        const m = mocks.one("aws:costexplorer/anomalyMonitor:AnomalyMonitor");
        assert.deepEqual([m.inputs.monitorType, m.inputs.monitorDimension], ["DIMENSIONAL", "SERVICE"]);
        const s = mocks.one("aws:costexplorer/anomalySubscription:AnomalySubscription");
        assert.equal(s.inputs.frequency, "DAILY");
        assert.deepEqual(s.inputs.subscribers, [{ type: "EMAIL", address: "finops@example.com" }]);
        assert.deepEqual(s.inputs.thresholdExpression.dimension.values, ["20"]);
    });

    it("cost-allocation tags activated only when asked", async () => {
        new CostGuardrails("cg-tags-off", args());
        await mocks.settle();
        assert.equal(mocks.ofType("aws:costexplorer/costAllocationTag:CostAllocationTag").length, 0);
        mocks.reset();
        new CostGuardrails("cg-tags-on", args({ activateCostAllocationTags: true }));
        await mocks.settle();
        const tags = mocks.ofType("aws:costexplorer/costAllocationTag:CostAllocationTag");
        assert.deepEqual(tags.map((t) => t.inputs.tagKey).sort(), ["CostCenter", "Environment", "Project"]);
        assert.ok(tags.every((t) => t.inputs.status === "Active"));
    });

    it("validates inputs", () => {
        assert.throws(() => new CostGuardrails("cg-v1", args({ enforcedRoleNames: [] })), /enforcedRoleNames/);
        assert.throws(() => new CostGuardrails("cg-v2", args({ thresholdsPercent: [] })), /thresholdsPercent/);
        assert.throws(() => new CostGuardrails("cg-v3", args({ monthlyLimitUsd: 0 })), /monthlyLimitUsd/);
        assert.throws(() => new CostGuardrails("cg-v4", args({ anomalySubscriber: "email", emails: [] })), /email/);
    });

    it("every resource is a child of the component", async () => {
        new CostGuardrails("cg-parent", args({ activateCostAllocationTags: true }));
        await mocks.settle();
        const comp = mocks.one("mlplatform:cost:CostGuardrails");
        assert.equal(mocks.childrenOf(comp).filter((r) => r.custom).length, mocks.resources.filter((r) => r.custom).length);
    });

    it("cost per 1000 predictions alarm: valid metric math, one returned series, hourly, to the alerts topic", async () => {
        new CostGuardrails(
            "cg-cpt",
            args({
                costPerThousandAlarm: {
                    thresholdUsd: 0.05,
                    endpointName: "mlp-prod-endpoint",
                    variants: [
                        { name: "champion", instanceType: "ml.m5.xlarge", hourlyUsd: 0.23 },
                        { name: "challenger", instanceType: "ml.m5.xlarge", hourlyUsd: 0.23 },
                    ],
                },
            }),
        );
        await mocks.settle();
        const a = mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")[0];
        assert.equal(a.inputs.threshold, 0.05);
        assert.equal(a.inputs.comparisonOperator, "GreaterThanThreshold");
        assert.deepEqual(a.inputs.alarmActions, [TOPIC]);
        const qs = a.inputs.metricQueries as {
            id: string;
            expression?: string;
            returnData: boolean;
            metric?: { period: number; stat: string; namespace: string };
        }[];
        assertValidMetricMath(qs);
        assert.deepEqual(
            qs.filter((q) => q.returnData).map((q) => q.id),
            ["k_all"],
            "an alarm takes exactly one returned series",
        );
        assert.ok(qs.filter((q) => q.metric).every((q) => q.metric!.period === 3600));
        assert.equal(qs.find((q) => q.id === "cost_0")!.expression, "n_0 / 60 * 0.23");
        assert.equal(qs.find((q) => q.id === "n_0")!.metric!.stat, "SampleCount");
        assert.throws(
            () =>
                new CostGuardrails(
                    "cg-cpt2",
                    args({ costPerThousandAlarm: { thresholdUsd: 1, endpointName: "e", variants: [{ name: "a", instanceType: "ml.zz.large" }] } }),
                ),
            /no variant of e has a price/,
        );
        assert.throws(
            () =>
                new CostGuardrails("cg-cpt3", args({ costPerThousandAlarm: { thresholdUsd: 0, endpointName: "e", variants: [{ name: "a", hourlyUsd: 1 }] } })),
            /thresholdUsd 0 must be > 0/,
        );
    });

    it("creates exactly the resource types it declares", async () => {
        new CostGuardrails(
            "cg-types",
            args({
                activateCostAllocationTags: true,
                costPerThousandAlarm: { thresholdUsd: 1, endpointName: "e", variants: [{ name: "a", instanceType: "ml.m5.large", hourlyUsd: 0.115 }] },
            }),
        );
        await mocks.settle();
        const types = new Set(mocks.resources.filter((r) => r.custom).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...BUDGET_RESOURCE_TYPES].sort());
    });
});
