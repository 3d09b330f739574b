/**
 * cost-within-budget (stack): the estimated monthly cost of the stack's SageMaker capacity
 * (`estimateMonthlyCost` in policies/lib/cost.ts) stays within the stack's monthly budget.
 *
 * Budget = config `monthlyBudgetUsd` if set, else the smallest `aws:budgets/budget:Budget`
 * `limitAmount` in the stack (normalised to a month). Over budget -> violation at the policy's
 * level; at or above `warnAtFraction` (default 0.8) -> an *advisory* violation whatever the
 * policy's level, so prod deployments are warned, not blocked, when close to the budget.
 * Instance types missing from the price table are reported (advisory) rather than priced at 0 silently.
 * A budget that filters on tags which are not active cost-allocation tags sees no spend: reported at the policy's level.
 */
import { EnforcementLevel, ReportViolation } from "@pulumi/policy";
import { withDefaults } from "../lib/config";
import { CostEstimate, PricingModel, estimateMonthlyCost, monthlyBudgetFromStack } from "../lib/cost";
import { StackResource, ofType } from "../lib/stack";
import { definePolicy, PlatformStackPolicy } from "../lib/types";

/** Budget tag listing tag keys declared active as cost-allocation tags outside the stack (components/budget.ts writes it). */
export const COST_ALLOCATION_TAGS_ACTIVE_TAG = "mlplatform:cost-allocation-tags-active";

/** Tag keys a budget filters on (filterExpression tags, anywhere in ands/ors/not; legacy costFilters TagKeyValue). */
export function budgetTagKeys(props: Record<string, unknown>): string[] {
    const out = new Set<string>();
    const walk = (e: unknown): void => {
        if (!e || typeof e !== "object") return;
        const x = e as Record<string, unknown>;
        const tags = x.tags as { key?: string } | undefined;
        if (tags && typeof tags.key === "string") out.add(tags.key);
        for (const k of ["ands", "ors"]) if (Array.isArray(x[k])) (x[k] as unknown[]).forEach(walk);
        walk(x.not);
    };
    walk(props.filterExpression);
    for (const f of (props.costFilters as { name?: string; values?: string[] }[] | undefined) ?? []) {
        if (f?.name === "TagKeyValue")
            for (const v of f.values ?? [])
                out.add(
                    String(v)
                        .replace(/^user:/, "")
                        .split("$")[0],
                );
    }
    return [...out];
}

/**
 * Budgets that can never see spend: they filter on tags that are not active cost-allocation tags (tags appear in
 * billing data only once activated, https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html).
 * A key counts as active when the stack activates it (aws:costexplorer/costAllocationTag:CostAllocationTag, status
 * Active) or the budget declares it active elsewhere (tag COST_ALLOCATION_TAGS_ACTIVE_TAG, keys separated by spaces).
 */
export function blindBudgets(resources: StackResource[]): { name: string; keys: string[] }[] {
    const active = new Set(
        ofType(resources, "aws:costexplorer/costAllocationTag:CostAllocationTag")
            .filter((t) => (t.props.status ?? "Active") === "Active")
            .map((t) => String(t.props.tagKey)),
    );
    const out: { name: string; keys: string[] }[] = [];
    for (const b of ofType(resources, "aws:budgets/budget:Budget")) {
        const tags = (b.props.tags ?? {}) as Record<string, unknown>;
        const declared = String(tags[COST_ALLOCATION_TAGS_ACTIVE_TAG] ?? "")
            .split(/\s+/)
            .filter(Boolean);
        const keys = budgetTagKeys(b.props).filter((k) => !active.has(k) && !declared.includes(k));
        if (keys.length) out.push({ name: String(b.props.name ?? b.name), keys });
    }
    return out;
}

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
    description:
        "Estimated monthly SageMaker capacity cost (endpoint variants and scheduled monitoring jobs) must not exceed the stack's budget; warns at 80%.",
    enforcementLevel: "advisory",
    exemptable: true,
    severity: "medium",
    frameworks: ["AWS Well-Architected COST01-BP05 (budgets)", "FinOps Framework: Budgeting"],
    tags: ["cost", "finops"],
    remediationSteps:
        "Lower instance counts or sizes, use autoscaling with a lower minCapacity outside prod, reduce monitoring frequency or max runtime, " +
        "or raise the budget deliberately (aws.budgets.Budget limitAmount / policy config monthlyBudgetUsd).",
    ruleRemediations: [
        {
            match: /no price for ml\./,
            steps: "Add the instance type's on-demand hourly price for the region to policies/data/sagemaker-prices.json (from https://aws.amazon.com/sagemaker/pricing/, with the date), or choose an instance type that has a price there.",
        },
    ],
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
            // At the policy's own level: with a capacity line of unknown price the estimate cannot vouch for the budget.
            reportViolation(
                l.kind === "serverless-variant"
                    ? `no provisioned-concurrency price in ${l.region} (${l.name}, ${l.detail}): its cost is unknown, so the estimate ${usd(e.totalMonthlyUsd)}/month is a lower bound - add serverlessProvisionedConcurrencyPerGbSecond to policies/data/aws-infra-prices.json`
                    : `no price for ${l.instanceType} in ${l.region} (${l.name}): its cost is unknown, so the estimate ${usd(e.totalMonthlyUsd)}/month is a lower bound - add the price to policies/data/sagemaker-prices.json`,
            );
        }
        for (const b of blindBudgets(args.resources)) {
            reportViolation(
                `budget ${b.name} filters on ${b.keys.join(", ")}, which are not active cost-allocation tags (the stack does not activate them and ` +
                    `its tag ${COST_ALLOCATION_TAGS_ACTIVE_TAG} does not declare them): it sees no spend, so its notifications and actions never fire. ` +
                    `Activate them (mlplatform:budget.activateCostAllocationTags in one stack per account) or declare them active (budget.costAllocationTagsActive).`,
            );
        }
        switch (v.status) {
            case "over":
                reportViolation(`${summary} exceeds the monthly budget ${usd(v.budgetUsd!)} (${v.budgetSource})`);
                break;
            case "warning":
                advisory(
                    reportViolation,
                    `${summary} is ${Math.round((e.totalMonthlyUsd / v.budgetUsd!) * 100)}% of the monthly budget ${usd(v.budgetUsd!)} (${v.budgetSource})`,
                );
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
