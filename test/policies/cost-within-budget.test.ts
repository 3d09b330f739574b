import { remediationFor } from "../../policies/lib/types";
import * as assert from "assert";
import { blindBudgets, budgetTagKeys, costVerdict, costWithinBudget as policy, COST_DEFAULTS } from "../../policies/rules/cost-within-budget";
import { PriceTable, defaultPriceTable, estimateMonthlyCost, monthlyBudgetFromStack, serverlessRates } from "../../policies/lib/cost";
import { makeStackArgs } from "../../gate/evaluate";
import { UNKNOWN, envContext, messages, res, runS } from "./harness";
import { T, endpointStack } from "./stack-fixtures";
import { scaledDownShareOfWeek } from "../../policies/lib/schedule";

const prices: PriceTable = {
    asOf: "2026-01-01",
    currency: "USD",
    notes: "test",
    sources: {},
    regions: {
        "us-east-1": {
            hosting: { "ml.m5.large": { onDemand: 0.1, savingsPlan1yNoUpfront: 0.07, verified: true } },
            processing: { "ml.m5.xlarge": { onDemand: 0.2, savingsPlan1yNoUpfront: null, verified: false } },
        },
        "eu-west-1": { hosting: { "ml.m5.large": { onDemand: 0.2, savingsPlan1yNoUpfront: null, verified: false } }, processing: {} },
    },
};

function resources(stack: ReturnType<typeof endpointStack>) {
    return makeStackArgs(policy, stack).resources;
}

describe("policies/lib/cost estimateMonthlyCost", () => {
    it("prices endpoint variants (price x count x 730) and monitoring (price x count x runs x runtime)", () => {
        const e = estimateMonthlyCost(resources(endpointStack({ count: 2 })), { prices });
        assert.strictEqual(e.lines.length, 2);
        const variant = e.lines.find((l) => l.kind === "endpoint-variant")!;
        assert.strictEqual(variant.monthlyUsd, 0.1 * 2 * 730);
        const mon = e.lines.find((l) => l.kind === "monitoring-schedule")!;
        // hourly schedule: 730 runs x 0.5 h (1800 s) x 1 instance x $0.2
        assert.ok(Math.abs(mon.monthlyUsd - 730 * 0.5 * 0.2) < 1e-9);
        assert.strictEqual(e.totalMonthlyUsd, Math.round((146 + 73) * 100) / 100);
        assert.deepStrictEqual(e.unknowns, []);
    });

    it("serverless variants: per-use compute listed with its rate, provisioned concurrency a line (unpriced while its rate is unknown)", () => {
        const stack = endpointStack({ monitor: "none" });
        (stack[0].props as any).productionVariants = [
            { variantName: "sl", modelName: "m", serverlessConfig: { memorySizeInMb: 2048, maxConcurrency: 5, provisionedConcurrency: 2 } },
        ];
        const e = estimateMonthlyCost(resources(stack), { prices });
        assert.strictEqual(e.lines.length, 1);
        const l = e.lines[0];
        assert.strictEqual(l.kind, "serverless-variant");
        assert.strictEqual(l.instanceCount, 2);
        const rates = serverlessRates("us-east-1")!;
        assert.strictEqual(rates.perGbSecond, 0.00002);
        if (rates.provisionedPerGbSecond === null) {
            assert.strictEqual(l.priced, false);
            assert.strictEqual(e.unpriced.length, 1);
        } else {
            assert.ok(Math.abs(l.monthlyUsd - 2 * 2 * 3600 * 730 * rates.provisionedPerGbSecond) < 1e-6);
        }
        assert.strictEqual(e.usageBased.length, 1);
        assert.match(e.usageBased[0], /serverless variant sl \(2048 MB\): \$4\.00e-5 per second of inference \+ \$0\.016\/GB processed, per use/);
        // without provisioned concurrency: nothing fixed to price
        (stack[0].props as any).productionVariants = [{ variantName: "sl", modelName: "m", serverlessConfig: { memorySizeInMb: 1024, maxConcurrency: 5 } }];
        const e2 = estimateMonthlyCost(resources(stack), { prices });
        assert.deepStrictEqual([e2.lines.length, e2.usageBased.length, e2.totalMonthlyUsd], [0, 1, 0]);
    });

    it("a scheduled scale-down caps the variant's instance-hours for its share of the week", () => {
        assert.strictEqual(scaledDownShareOfWeek("cron(0 19 ? * * *)", "cron(0 7 ? * * *)"), 0.5);
        // Mon-Thu nights 12 h each + Fri 19:00 to Mon 07:00 (60 h) = 108 h of 168
        assert.strictEqual(scaledDownShareOfWeek("cron(0 19 ? * MON-FRI *)", "cron(0 7 ? * MON-FRI *)"), 108 / 168);
        assert.throws(() => scaledDownShareOfWeek("cron(0 19 1 * ? *)", "cron(0 7 ? * * *)"), /only weekly schedules/);
        const stack = endpointStack({ count: 3, monitor: "none" });
        const act = (what: string, schedule: string, min: number, max: number) =>
            res("aws:appautoscaling/scheduledAction:ScheduledAction", `churn-${what}`, {
                resourceId: "endpoint/churn/variant/AllTraffic",
                scalableDimension: "sagemaker:variant:DesiredInstanceCount",
                serviceNamespace: "sagemaker",
                schedule,
                scalableTargetAction: { minCapacity: min, maxCapacity: max },
            });
        stack.push(act("down", "cron(0 19 ? * * *)", 1, 1), act("up", "cron(0 7 ? * * *)", 2, 4));
        const e = estimateMonthlyCost(resources(stack), { prices });
        const l = e.lines[0];
        assert.ok(Math.abs(l.monthlyUsd - 0.1 * (3 * 0.5 + 1 * 0.5) * 730) < 1e-9, String(l.monthlyUsd));
        assert.match(l.detail, /scaled down to 1 for 50.0% of the week/);
    });

    it("savings plan rates are used when present, on-demand otherwise", () => {
        const e = estimateMonthlyCost(resources(endpointStack({ count: 1 })), { prices, pricing: "savingsPlan1yNoUpfront" });
        assert.strictEqual(e.lines[0].hourlyPrice, 0.07);
        assert.strictEqual(e.lines[1].hourlyPrice, 0.2);
    });

    it("region from the resource's provider, then the option", () => {
        const stack = endpointStack({ count: 1, monitor: "none" });
        stack[0].provider = { type: "pulumi:providers:aws", name: "eu", props: { region: "eu-west-1" } };
        const e = estimateMonthlyCost(resources(stack), { prices });
        assert.strictEqual(e.lines[0].region, "eu-west-1");
        assert.strictEqual(e.lines[0].hourlyPrice, 0.2);
    });

    it("unpriced types and unused endpoint configs", () => {
        const stack = endpointStack({ instanceType: "ml.c5.large", monitor: "none" });
        stack.push(
            res(T.epc, "unused", {
                name: "unused",
                productionVariants: [{ variantName: "x", modelName: "m", instanceType: "ml.m5.large", initialInstanceCount: 8 }],
            }),
        );
        const e = estimateMonthlyCost(resources(stack), { prices });
        assert.strictEqual(e.lines.length, 1);
        assert.strictEqual(e.unpriced.length, 1);
        assert.strictEqual(e.totalMonthlyUsd, 0);
    });

    it("unknown values are listed, not fatal", () => {
        const stack = endpointStack({ monitor: "none" });
        (stack[0].props.productionVariants as Record<string, unknown>[])[0].instanceType = UNKNOWN.string;
        stack[1].props.endpointConfigName = UNKNOWN.string;
        stack[1].propertyDependencies = { endpointConfigName: [stack[0].urn!] };
        const e = estimateMonthlyCost(resources(stack), { prices });
        assert.strictEqual(e.lines.length, 0);
        assert.match(e.unknowns[0], /instance type\/count unknown/);
    });

    it("the shipped price table covers every instance type the shipped allowlists permit, in three regions", () => {
        const table = defaultPriceTable();
        const types = [
            "ml.t3.medium",
            "ml.t3.large",
            "ml.t3.xlarge",
            "ml.m5.large",
            "ml.m5.xlarge",
            "ml.m5.2xlarge",
            "ml.m5.4xlarge",
            "ml.c5.large",
            "ml.c5.xlarge",
            "ml.c5.2xlarge",
            "ml.c5.4xlarge",
            "ml.g5.xlarge",
            "ml.g5.2xlarge",
        ];
        for (const region of ["us-east-1", "us-west-2", "eu-west-1"]) {
            for (const t of types) {
                const e = table.regions[region].hosting[t];
                assert.ok(e && e.onDemand > 0, `${region} ${t}`);
                assert.ok(typeof e.notes === "string" && e.notes.length > 0, `${region} ${t} notes`);
            }
        }
        assert.match(table.asOf, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(Object.values(table.sources).every((u) => u.startsWith("https://")));
    });

    it("budget normalised to a month; smallest wins", () => {
        const rs = resources([
            res(T.budget, "a", { budgetType: "COST", timeUnit: "ANNUALLY", limitAmount: "12000", limitUnit: "USD" }),
            res(T.budget, "b", { budgetType: "COST", timeUnit: "MONTHLY", limitAmount: "1500.0", limitUnit: "USD" }),
        ]);
        assert.deepStrictEqual(monthlyBudgetFromStack(rs)!.amountUsd, 1000);
    });
});

describe("policies/cost-within-budget", () => {
    it("within budget: no violations", async () => {
        const o = await runS(policy, endpointStack({ count: 2, budget: 5000 }));
        assert.deepStrictEqual(o.violations, []);
    });

    it("over budget: violation at the policy's level (prod mandatory)", async () => {
        // 2 x ml.m5.large list price x 730 h alone is > $100
        const o = await runS(policy, endpointStack({ count: 2, budget: 100 }), envContext("prod", policy.name));
        assert.strictEqual(o.violations.length, 1);
        assert.strictEqual(o.violations[0].enforcementLevel, "mandatory");
        assert.match(messages(o)[0], /exceeds the monthly budget \$100.00 \(budget budget\)/);
    });

    it(">= 80% of budget: advisory warning even when the policy is mandatory", async () => {
        const rs = makeStackArgs(policy, endpointStack({ count: 2, budget: 1 })).resources;
        const total = costVerdict(rs, COST_DEFAULTS).estimate.totalMonthlyUsd;
        const o = await runS(policy, endpointStack({ count: 2, budget: Math.ceil(total / 0.9) }), envContext("prod", policy.name));
        assert.strictEqual(o.violations.length, 1);
        assert.strictEqual(o.violations[0].enforcementLevel, "advisory");
        assert.match(o.violations[0].message, /% of the monthly budget/);
    });

    it("config monthlyBudgetUsd overrides the Budget resource", async () => {
        const o = await runS(policy, endpointStack({ count: 2, budget: 100000 }), { config: { monthlyBudgetUsd: 50 } });
        assert.match(messages(o)[0], /policy config monthlyBudgetUsd/);
    });

    it("no budget anywhere: violation when there is priced capacity", async () => {
        const o = await runS(policy, endpointStack({ budget: null }));
        assert.match(messages(o)[0], /no budget/);
        assert.deepStrictEqual((await runS(policy, endpointStack({ budget: null }), { config: { requireBudget: false } })).violations, []);
    });

    it("unpriced instance types are findings at the policy's level (the estimate is then only a lower bound)", async () => {
        const o = await runS(policy, endpointStack({ instanceType: "ml.r5.large", budget: 100000 }));
        assert.strictEqual(o.violations.length, 1);
        assert.strictEqual(o.violations[0].enforcementLevel, "advisory");
        assert.match(o.violations[0].message, /no price for ml.r5.large in us-east-1 .*cost is unknown.*lower bound/);
        assert.match(remediationFor(policy, o.violations[0].message), /sagemaker-prices\.json/);
    });
});

describe("cost-within-budget: budgets that cannot see spend (issue 9, defect 8)", () => {
    const budget = (props: Record<string, unknown>) => ({ type: "aws:budgets/budget:Budget", urn: "urn:b", name: "b", props: { name: "b", ...props } });
    const tag = (tagKey: string, status = "Active") => ({
        type: "aws:costexplorer/costAllocationTag:CostAllocationTag",
        urn: `urn:${tagKey}`,
        name: tagKey,
        props: { tagKey, status },
    });
    const byTags = { filterExpression: { ands: [{ tags: { key: "Project", values: ["p"] } }, { ors: [{ tags: { key: "Environment", values: ["dev"] } }] }] } };

    it("reads tag keys from filterExpression (ands/ors/not) and legacy TagKeyValue costFilters", () => {
        assert.deepStrictEqual(budgetTagKeys(byTags).sort(), ["Environment", "Project"]);
        assert.deepStrictEqual(budgetTagKeys({ costFilters: [{ name: "TagKeyValue", values: ["user:CostCenter$CC-1"] }] }), ["CostCenter"]);
        assert.deepStrictEqual(budgetTagKeys({ filterExpression: { not: { tags: { key: "Owner" } } } }), ["Owner"]);
        assert.deepStrictEqual(budgetTagKeys({}), []);
    });

    it("flags tag keys neither activated in the stack (Active) nor declared active on the budget", () => {
        assert.deepStrictEqual(blindBudgets([budget(byTags)] as never), [{ name: "b", keys: ["Project", "Environment"] }]);
        assert.deepStrictEqual(blindBudgets([budget(byTags), tag("Project"), tag("Environment")] as never), []);
        assert.deepStrictEqual(blindBudgets([budget(byTags), tag("Project"), tag("Environment", "Inactive")] as never), [{ name: "b", keys: ["Environment"] }]);
        assert.deepStrictEqual(blindBudgets([budget({ ...byTags, tags: { "mlplatform:cost-allocation-tags-active": "Project Environment" } })] as never), []);
        assert.deepStrictEqual(blindBudgets([budget({})] as never), [], "an account-wide budget sees all spend");
    });
});
