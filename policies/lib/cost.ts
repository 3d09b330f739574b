/**
 * Monthly cost estimate of a stack's SageMaker capacity - a pure function of the stack's resources
 * and a price table (default: `policies/data/sagemaker-prices.json`).
 *
 *   endpoint variants:     hourly price x instance count x 730 h (a scheduled scale-down on the variant's scalable
 *                          target caps the count for its share of the week: scaledDownShareOfWeek)
 *                          (every production and shadow variant of every endpoint configuration that
 *                           an `aws:sagemaker/endpoint:Endpoint` uses)
 *   serverless variants:   provisioned concurrency x memory (GB) x 3600 s x 730 h x $/GB-second (priced when the rate
 *                          is in policies/data/aws-infra-prices.json, else an unpriced line); invocations are billed
 *                          per use (GB-seconds of processing + data), listed in `usageBased` with their rate
 *   monitoring schedules:  hourly price x instance count x runs per month x max runtime (h)
 *                          (job resources from the referenced `DataQualityJobDefinition` or the
 *                           schedule's inline `monitoringJobDefinition`; max runtime from
 *                           `stoppingCondition(s).maxRuntimeInSeconds`, SageMaker's default 3600 s
 *                           when absent)
 *
 * Values that are unknown during preview or not in the price table never crash the estimate; they
 * are listed in `unknowns` / `unpriced` so the caller decides what that means.
 */
import { DAYS_PER_MONTH, HOURS_PER_MONTH, runsPerMonth, scaledDownShareOfWeek } from "./schedule";
import { StackResource, knownOrUndefined, ofType, resolveRefs, toPlain } from "./stack";
import { isUnknown } from "./unknowns";
const defaultPrices: PriceTable = require("../data/sagemaker-prices.json");

const infraPrices: {
    asOf: string;
    regions: Record<string, Record<string, { usd: number | null; verified: boolean }>>;
} = require("../data/aws-infra-prices.json");

/**
 * SageMaker Serverless Inference rates of a region (policies/data/aws-infra-prices.json, from
 * https://aws.amazon.com/sagemaker/pricing/): compute $/GB-second (billed per millisecond of processing, linear in
 * memory), data processed $/GB, provisioned concurrency $/GB-second (null: not verified, unknown). Undefined for a
 * region without prices.
 */
export function serverlessRates(
    region: string,
): { perGbSecond: number; perGbProcessed: number; provisionedPerGbSecond: number | null; asOf: string } | undefined {
    const r = infraPrices.regions[region];
    const perGbSecond = r?.serverlessPerGbSecond?.usd;
    const perGbProcessed = r?.serverlessPerGbProcessed?.usd;
    if (typeof perGbSecond !== "number" || typeof perGbProcessed !== "number") return undefined;
    const pc = r.serverlessProvisionedConcurrencyPerGbSecond?.usd;
    return { perGbSecond, perGbProcessed, provisionedPerGbSecond: typeof pc === "number" ? pc : null, asOf: infraPrices.asOf };
}

/** On-demand hourly price of a hosting instance type in a region (sagemaker-prices.json), undefined when not listed. */
export function hostingHourlyPrice(region: string, instanceType: string, table: PriceTable = defaultPrices): number | undefined {
    return lookup(table, region, "hosting", instanceType, "onDemand");
}

export const T = {
    endpoint: "aws:sagemaker/endpoint:Endpoint",
    endpointConfiguration: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    monitoringSchedule: "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    dataQualityJobDefinition: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    budget: "aws:budgets/budget:Budget",
    scheduledAction: "aws:appautoscaling/scheduledAction:ScheduledAction",
} as const;

/**
 * A variant's scheduled scale-down (two Application Auto Scaling scheduled actions on its scalable target, resource id
 * `endpoint/<endpoint>/variant/<variant>`): the share of the week it holds and the instance bound outside hours. The
 * action whose maxCapacity is lower is the scale-down. Undefined when there is no such pair.
 */
function scaleDown(resources: StackResource[], endpointName: unknown, variant: string, unknowns: string[]): { share: number; maxOutside: number } | undefined {
    if (typeof endpointName !== "string" || isUnknown(endpointName)) return undefined;
    const acts = ofType(resources, T.scheduledAction)
        .map((a) => toPlain(a.props) as Record<string, any>)
        .filter((a) => a.resourceId === `endpoint/${endpointName}/variant/${variant}` && a.scalableTargetAction && typeof a.schedule === "string");
    if (acts.length !== 2) return undefined;
    const [down, up] = [...acts].sort((a, b) => (num(a.scalableTargetAction.maxCapacity) ?? Infinity) - (num(b.scalableTargetAction.maxCapacity) ?? Infinity));
    const maxOutside = num(down.scalableTargetAction.maxCapacity);
    if (maxOutside === undefined) return undefined;
    try {
        return { share: scaledDownShareOfWeek(down.schedule, up.schedule), maxOutside };
    } catch (e) {
        unknowns.push(`endpoint ${endpointName} variant ${variant}: scheduled scale-down not priced (${(e as Error).message})`);
        return undefined;
    }
}

export type PricingModel = "onDemand" | "savingsPlan1yNoUpfront";

export interface PriceEntry {
    onDemand: number;
    /** SageMaker ML Savings Plan, 1 year, no upfront; `null` when not verified. */
    savingsPlan1yNoUpfront: number | null;
    verified: boolean;
    notes?: string;
}

export interface PriceTable {
    asOf: string;
    currency: string;
    notes: string;
    sources: Record<string, string>;
    regions: Record<string, { hosting: Record<string, PriceEntry>; processing: Record<string, PriceEntry> }>;
}

export interface CostLine {
    kind: "endpoint-variant" | "serverless-variant" | "monitoring-schedule";
    urn: string;
    name: string;
    detail: string;
    instanceType: string;
    instanceCount: number;
    hoursPerMonth: number;
    hourlyPrice?: number;
    monthlyUsd: number;
    region: string;
    priced: boolean;
}

export interface CostEstimate {
    region: string;
    pricing: PricingModel;
    currency: string;
    priceTableAsOf: string;
    totalMonthlyUsd: number;
    lines: CostLine[];
    /** Lines whose instance type has no price in the table (counted as 0). */
    unpriced: CostLine[];
    /** Things that could not be estimated (unknown during preview, unreadable schedule...). */
    unknowns: string[];
    /**
     * Costs billed per use that a capacity estimate cannot know (serverless invocations: GB-seconds and data processed),
     * with their rate, so a reader can multiply by the expected traffic.
     */
    usageBased: string[];
}

export interface EstimateOptions {
    /** Region used when a resource's provider/`region` input does not say. Default us-east-1. */
    region?: string;
    pricing?: PricingModel;
    prices?: PriceTable;
    /** Max runtime assumed for monitoring jobs without a stopping condition. Default 3600 s. */
    defaultMonitoringMaxRuntimeSeconds?: number;
}

function regionOf(r: StackResource, fallback: string): string {
    const own = knownOrUndefined(r.props, "region");
    if (typeof own === "string" && own !== "" && !isUnknown(own)) {
        return own;
    }
    const pr = r.provider ? knownOrUndefined(r.provider.props, "region") : undefined;
    if (typeof pr === "string" && pr !== "" && !isUnknown(pr)) {
        return pr;
    }
    return fallback;
}

function lookup(table: PriceTable, region: string, use: "hosting" | "processing", type: string, pricing: PricingModel): number | undefined {
    const e = table.regions[region]?.[use]?.[type];
    if (!e) {
        return undefined;
    }
    if (pricing === "savingsPlan1yNoUpfront") {
        return e.savingsPlan1yNoUpfront ?? e.onDemand;
    }
    return e.onDemand;
}

function num(v: unknown): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) {
        return v;
    }
    if (typeof v === "string" && !isUnknown(v) && v.trim() !== "" && Number.isFinite(Number(v))) {
        return Number(v);
    }
    return undefined;
}

/** Estimated monthly SageMaker capacity cost of a stack (pure). */
export function estimateMonthlyCost(resources: StackResource[], options: EstimateOptions = {}): CostEstimate {
    const table = options.prices ?? defaultPrices;
    const pricing = options.pricing ?? "onDemand";
    const fallbackRegion = options.region ?? "us-east-1";
    const lines: CostLine[] = [];
    const unknowns: string[] = [];
    const usageBased: string[] = [];

    const configs = ofType(resources, T.endpointConfiguration);
    const usedConfigs = new Set<StackResource>();
    const endpointOf = new Map<StackResource, unknown>();
    for (const ep of ofType(resources, T.endpoint)) {
        const refs = resolveRefs(ep, "endpointConfigName", configs, ["name"]);
        if (refs.length === 0) {
            unknowns.push(`endpoint ${ep.name}: endpoint configuration not resolvable (endpointConfigName unknown or not in this stack)`);
        }
        refs.forEach((c) => {
            usedConfigs.add(c);
            endpointOf.set(c, knownOrUndefined(ep.props, "name"));
        });
    }
    for (const cfg of usedConfigs) {
        const region = regionOf(cfg, fallbackRegion);
        const plain = toPlain(cfg.props) as Record<string, any>;
        for (const listName of ["productionVariants", "shadowProductionVariants"]) {
            const variants = plain[listName];
            if (isUnknown(variants)) {
                unknowns.push(`${cfg.name}: ${listName} unknown during preview`);
                continue;
            }
            for (const v of Array.isArray(variants) ? variants : []) {
                if (!v || typeof v !== "object") {
                    continue;
                }
                if (v.serverlessConfig && !v.instanceType) {
                    // Serverless: invocations are billed per use (GB-seconds + data), which a capacity estimate cannot
                    // know (listed in usageBased); provisioned concurrency is capacity, billed per GB-second provisioned.
                    const sc = v.serverlessConfig as Record<string, unknown>;
                    const mem = num(sc.memorySizeInMb);
                    const pc = num(sc.provisionedConcurrency) ?? 0;
                    const detail = `${listName === "shadowProductionVariants" ? "shadow " : ""}serverless variant ${v.variantName ?? "?"}`;
                    const rates = serverlessRates(region);
                    if (mem === undefined) {
                        unknowns.push(`${cfg.name}: ${detail} memory size unknown`);
                        continue;
                    }
                    const gb = mem / 1024;
                    usageBased.push(
                        rates
                            ? `${cfg.name}: ${detail} (${mem} MB): $${(gb * rates.perGbSecond).toExponential(2)} per second of inference + $${rates.perGbProcessed}/GB processed, per use`
                            : `${cfg.name}: ${detail} (${mem} MB): no serverless rates for ${region} in policies/data/aws-infra-prices.json`,
                    );
                    if (pc > 0) {
                        const rate = rates?.provisionedPerGbSecond ?? undefined;
                        lines.push({
                            kind: "serverless-variant",
                            urn: cfg.urn,
                            name: cfg.name,
                            detail: `${detail}: provisioned concurrency ${pc} x ${gb} GB`,
                            instanceType: `serverless-${mem}mb-provisioned`,
                            instanceCount: pc,
                            hoursPerMonth: HOURS_PER_MONTH,
                            hourlyPrice: rate === undefined ? undefined : rate * gb * 3600,
                            monthlyUsd: rate === undefined ? 0 : rate * gb * 3600 * pc * HOURS_PER_MONTH,
                            region,
                            priced: rate !== undefined,
                        });
                    }
                    continue;
                }
                const type = v.instanceType;
                const count = num(v.initialInstanceCount);
                if (typeof type !== "string" || isUnknown(type) || count === undefined) {
                    unknowns.push(`${cfg.name}: variant ${v.variantName ?? "?"} instance type/count unknown`);
                    continue;
                }
                const price = lookup(table, region, "hosting", type, pricing);
                // a scheduled scale-down caps the count outside hours: instance-hours = count x (1 - share) + min(count, max outside) x share
                const sd = listName === "productionVariants" ? scaleDown(resources, endpointOf.get(cfg), String(v.variantName), unknowns) : undefined;
                const instanceHours = sd ? (count * (1 - sd.share) + Math.min(count, sd.maxOutside) * sd.share) * HOURS_PER_MONTH : count * HOURS_PER_MONTH;
                lines.push({
                    kind: "endpoint-variant",
                    urn: cfg.urn,
                    name: cfg.name,
                    detail: `${listName === "shadowProductionVariants" ? "shadow " : ""}variant ${v.variantName ?? "?"}${sd && sd.maxOutside < count ? `, scaled down to ${sd.maxOutside} for ${(sd.share * 100).toFixed(1)}% of the week` : ""}`,
                    instanceType: type,
                    instanceCount: count,
                    hoursPerMonth: instanceHours / count,
                    hourlyPrice: price,
                    monthlyUsd: (price ?? 0) * instanceHours,
                    region,
                    priced: price !== undefined,
                });
            }
        }
    }

    const jobDefs = ofType(resources, T.dataQualityJobDefinition);
    const defaultRuntime = options.defaultMonitoringMaxRuntimeSeconds ?? 3600;
    for (const s of ofType(resources, T.monitoringSchedule)) {
        const region = regionOf(s, fallbackRegion);
        const cfg = toPlain(knownOrUndefined(s.props, "monitoringScheduleConfig")) as Record<string, any> | undefined;
        if (!cfg || isUnknown(cfg)) {
            unknowns.push(`${s.name}: monitoringScheduleConfig unknown`);
            continue;
        }
        const expr = cfg.scheduleConfig?.scheduleExpression;
        let runs: number;
        if (typeof expr !== "string" || isUnknown(expr)) {
            unknowns.push(`${s.name}: schedule expression unknown or missing`);
            continue;
        }
        try {
            runs = runsPerMonth(expr);
        } catch (e) {
            unknowns.push(`${s.name}: ${(e as Error).message}`);
            continue;
        }
        let cluster: Record<string, any> | undefined;
        let maxRuntime: unknown;
        if (cfg.monitoringJobDefinition && typeof cfg.monitoringJobDefinition === "object") {
            cluster = cfg.monitoringJobDefinition.monitoringResources?.clusterConfig;
            maxRuntime = cfg.monitoringJobDefinition.stoppingConditions?.maxRuntimeInSeconds;
        } else {
            const defs = resolveRefs(s, "monitoringScheduleConfig", jobDefs, ["name"], cfg.monitoringJobDefinitionName);
            if (defs.length === 0) {
                unknowns.push(`${s.name}: job definition "${cfg.monitoringJobDefinitionName}" not resolvable`);
                continue;
            }
            const def = toPlain(defs[0].props) as Record<string, any>;
            cluster = def.jobResources?.clusterConfig;
            maxRuntime = def.stoppingCondition?.maxRuntimeInSeconds;
        }
        const type = cluster?.instanceType;
        const count = num(cluster?.instanceCount);
        if (typeof type !== "string" || isUnknown(type) || count === undefined) {
            unknowns.push(`${s.name}: monitoring instance type/count unknown`);
            continue;
        }
        const runtimeH = (num(maxRuntime) ?? defaultRuntime) / 3600;
        const price = lookup(table, region, "processing", type, pricing);
        const hours = runs * runtimeH;
        lines.push({
            kind: "monitoring-schedule",
            urn: s.urn,
            name: s.name,
            detail: `${expr}: ${runs.toFixed(1)} runs/month x ${runtimeH.toFixed(2)} h`,
            instanceType: type,
            instanceCount: count,
            hoursPerMonth: hours,
            hourlyPrice: price,
            monthlyUsd: (price ?? 0) * count * hours,
            region,
            priced: price !== undefined,
        });
    }

    const total = lines.reduce((a, l) => a + l.monthlyUsd, 0);
    return {
        region: fallbackRegion,
        pricing,
        currency: table.currency,
        priceTableAsOf: table.asOf,
        totalMonthlyUsd: Math.round(total * 100) / 100,
        lines,
        unpriced: lines.filter((l) => !l.priced),
        unknowns,
        usageBased,
    };
}

/** Monthly budget from `aws:budgets/budget:Budget` resources (the smallest one, normalised to a month). */
export function monthlyBudgetFromStack(resources: StackResource[]): { amountUsd: number; urn: string; name: string } | undefined {
    let best: { amountUsd: number; urn: string; name: string } | undefined;
    for (const b of ofType(resources, T.budget)) {
        const amount = num(knownOrUndefined(b.props, "limitAmount"));
        const unit = knownOrUndefined(b.props, "limitUnit");
        if (amount === undefined || (unit !== undefined && unit !== "USD")) {
            continue;
        }
        const timeUnit = String(knownOrUndefined(b.props, "timeUnit") ?? "MONTHLY").toUpperCase();
        const perMonth =
            timeUnit === "ANNUALLY" ? amount / 12 : timeUnit === "QUARTERLY" ? amount / 3 : timeUnit === "DAILY" ? amount * DAYS_PER_MONTH : amount;
        if (!best || perMonth < best.amountUsd) {
            best = { amountUsd: perMonth, urn: b.urn, name: b.name };
        }
    }
    return best;
}

export function defaultPriceTable(): PriceTable {
    return defaultPrices;
}
