/**
 * Monthly cost estimate of a stack's SageMaker capacity - a pure function of the stack's resources
 * and a price table (default: `policies/data/sagemaker-prices.json`).
 *
 *   endpoint variants:     hourly price x instance count x 730 h
 *                          (every production and shadow variant of every endpoint configuration that
 *                           an `aws:sagemaker/endpoint:Endpoint` uses; serverless variants are skipped)
 *   monitoring schedules:  hourly price x instance count x runs per month x max runtime (h)
 *                          (job resources from the referenced `DataQualityJobDefinition` or the
 *                           schedule's inline `monitoringJobDefinition`; max runtime from
 *                           `stoppingCondition(s).maxRuntimeInSeconds`, SageMaker's default 3600 s
 *                           when absent)
 *
 * Values that are unknown during preview or not in the price table never crash the estimate; they
 * are listed in `unknowns` / `unpriced` so the caller decides what that means.
 */
import { DAYS_PER_MONTH, HOURS_PER_MONTH, runsPerMonth } from "./schedule";
import { StackResource, knownOrUndefined, ofType, resolveRefs, toPlain } from "./stack";
import { isUnknown } from "./unknowns";
const defaultPrices: PriceTable = require("../data/sagemaker-prices.json");

export const T = {
    endpoint: "aws:sagemaker/endpoint:Endpoint",
    endpointConfiguration: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    monitoringSchedule: "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    dataQualityJobDefinition: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    budget: "aws:budgets/budget:Budget",
} as const;

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
    kind: "endpoint-variant" | "monitoring-schedule";
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

    const configs = ofType(resources, T.endpointConfiguration);
    const usedConfigs = new Set<StackResource>();
    for (const ep of ofType(resources, T.endpoint)) {
        const refs = resolveRefs(ep, "endpointConfigName", configs, ["name"]);
        if (refs.length === 0) {
            unknowns.push(`endpoint ${ep.name}: endpoint configuration not resolvable (endpointConfigName unknown or not in this stack)`);
        }
        refs.forEach((c) => usedConfigs.add(c));
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
                    continue; // billed per request, outside this estimate
                }
                const type = v.instanceType;
                const count = num(v.initialInstanceCount);
                if (typeof type !== "string" || isUnknown(type) || count === undefined) {
                    unknowns.push(`${cfg.name}: variant ${v.variantName ?? "?"} instance type/count unknown`);
                    continue;
                }
                const price = lookup(table, region, "hosting", type, pricing);
                lines.push({
                    kind: "endpoint-variant",
                    urn: cfg.urn,
                    name: cfg.name,
                    detail: `${listName === "shadowProductionVariants" ? "shadow " : ""}variant ${v.variantName ?? "?"}`,
                    instanceType: type,
                    instanceCount: count,
                    hoursPerMonth: HOURS_PER_MONTH,
                    hourlyPrice: price,
                    monthlyUsd: (price ?? 0) * count * HOURS_PER_MONTH,
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
        const perMonth = timeUnit === "ANNUALLY" ? amount / 12 : timeUnit === "QUARTERLY" ? amount / 3 : timeUnit === "DAILY" ? amount * DAYS_PER_MONTH : amount;
        if (!best || perMonth < best.amountUsd) {
            best = { amountUsd: perMonth, urn: b.urn, name: b.name };
        }
    }
    return best;
}

export function defaultPriceTable(): PriceTable {
    return defaultPrices;
}
