/**
 * cost-within-budget (stack): the estimated monthly cost of the stack's SageMaker capacity
 * (`estimateMonthlyCost` in policies/lib/cost.ts) stays within the stack's monthly budget.
 *
 * Budget = config `monthlyBudgetUsd` if set, else the smallest `aws:budgets/budget:Budget`
 * `limitAmount` in the stack (normalised to a month). Over budget -> violation at the policy's
 * level; at or above `warnAtFraction` (default 0.8) -> an *advisory* violation whatever the
 * policy's level, so prod deployments are warned, not blocked, when close to the budget.
 * Instance types missing from the price table are reported (advisory) rather than priced at 0 silently.
 */
import { EnforcementLevel, ReportViolation } from "@pulumi/policy";
import { withDefaults } from "../lib/config";
import { CostEstimate, PricingModel, estimateMonthlyCost, monthlyBudgetFromStack } from "../lib/cost";
import { definePolicy, PlatformStackPolicy } from "../lib/types";

export interface CostConfig {
    /** Overrides the Budget resource. 0 = use the Budget resource. */
    monthlyBudgetUsd: number;
    warnAtFraction: number;
    region: string;
    pricing: PricingModel;
    /** Fail when the stack has SageMaker capacity but no budget to compare with. */
    requireBudget: boolean;
}

export const COST_DEFAULTS: CostConfig = {
    monthlyBudgetUsd: 0,
    warnAtFraction: 0.8,
    region: "us-east-1",
    pricing: "onDemand",
    requireBudget: true,
};

const NAME = "cost-within-budget";

export interface CostVerdict {
    estimate: CostEstimate;
    budgetUsd?: number;
    budgetSource?: string;
    status: "within" | "warning" | "over" | "no-budget";
}

/** Pure: estimate + budget comparison (the gate can print `verdict.estimate`). */
export function costVerdict(resources: Parameters<typeof estimateMonthlyCost>[0], cfg: CostConfig): CostVerdict {
    const estimate = estimateMonthlyCost(resources, { region: cfg.region, pricing: cfg.pricing });
    let budgetUsd: number | undefined;
    let budgetSource: string | undefined;
    if (cfg.monthlyBudgetUsd > 0) {
        budgetUsd = cfg.monthlyBudgetUsd;
        budgetSource = "policy config monthlyBudgetUsd";
    } else {
        const b = monthlyBudgetFromStack(resources);
        if (b) {
            budgetUsd = b.amountUsd;
            budgetSource = `budget ${b.name}`;
        }
    }
    let status: CostVerdict["status"];
    if (budgetUsd === undefined) {
        status = "no-budget";
    } else if (estimate.totalMonthlyUsd > budgetUsd) {
        status = "over";
    } else if (estimate.totalMonthlyUsd >= cfg.warnAtFraction * budgetUsd) {
        status = "warning";
    } else {
        status = "within";
    }
    return { estimate, budgetUsd, budgetSource, status };
}

function advisory(report: ReportViolation, message: string): void {
    // The runtime accepts a PolicyInfo-style object (server.js makeReportViolationFun) that carries
    // its own enforcement level; the published .d.ts only types the string form.
    (report as unknown as (info: { message: string; enforcementLevel: EnforcementLevel }) => void)({ message, enforcementLevel: "advisory" });
}

const usd = (n: number) => `$${n.toFixed(2)}`;

export const costWithinBudget: PlatformStackPolicy = definePolicy({
    kind: "stack",
    name: NAME,
    description: "Estimated monthly SageMaker capacity cost (endpoint variants and scheduled monitoring jobs) must not exceed the stack's budget; warns at 80%.",
    enforcementLevel: "advisory",
    exemptable: true,
    severity: "medium",
    frameworks: ["AWS Well-Architected COST01-BP05 (budgets)", "FinOps Framework: Budgeting"],
    tags: ["cost", "finops"],
    remediationSteps:
        "Lower instance counts or sizes, use autoscaling with a lower minCapacity outside prod, reduce monitoring frequency or max runtime, " +
        "or raise the budget deliberately (aws.budgets.Budget limitAmount / policy config monthlyBudgetUsd).",
    configSchema: {
        properties: {
            monthlyBudgetUsd: { type: "number", minimum: 0, default: 0 },
            warnAtFraction: { type: "number", minimum: 0, maximum: 1, default: 0.8 },
            region: { type: "string", default: "us-east-1" },
            pricing: { type: "string", enum: ["onDemand", "savingsPlan1yNoUpfront"], default: "onDemand" },
            requireBudget: { type: "boolean", default: true },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = withDefaults(args.getConfig, COST_DEFAULTS);
        const v = costVerdict(args.resources, cfg);
        const e = v.estimate;
        const summary = `estimated ${usd(e.totalMonthlyUsd)}/month (${e.pricing}, prices as of ${e.priceTableAsOf}; ${e.lines.length} priced line(s))`;
        for (const l of e.unpriced) {
            advisory(reportViolation, `no price for ${l.instanceType} in ${l.region} (${l.name}); it is counted as $0 - add it to policies/data/sagemaker-prices.json`);
        }
        switch (v.status) {
            case "over":
                reportViolation(`${summary} exceeds the monthly budget ${usd(v.budgetUsd!)} (${v.budgetSource})`);
                break;
            case "warning":
                advisory(reportViolation, `${summary} is ${Math.round((e.totalMonthlyUsd / v.budgetUsd!) * 100)}% of the monthly budget ${usd(v.budgetUsd!)} (${v.budgetSource})`);
                break;
            case "no-budget":
                if (cfg.requireBudget && e.lines.length > 0) {
                    reportViolation(`${summary} but the stack has no budget (add an aws.budgets.Budget or set monthlyBudgetUsd)`);
                }
                break;
            case "within":
                break;
        }
    },
});
