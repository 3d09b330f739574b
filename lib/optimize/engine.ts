/**
 * The optimiser: joins measured capacity, observed traffic and prices into recommendations with the arithmetic shown.
 * Pure (no I/O): lib/optimize/sources.ts (prices, AWS) and scripts/cli/optimize-local.ts (a local run's workdir) gather
 * the inputs, scripts/cli/optimize.ts is the CLI. The stack config comes in as the narrow OptimizerConfig (./config.ts).
 *
 * Month = 730 h (policies/lib/schedule HOURS_PER_MONTH, the cost policy's convention); traffic of the window is scaled
 * to a month by its per-minute mean.
 */
import type { OptimizerConfig } from "./config";
import type { Capacity } from "./capacity";
import type { VariantTraffic } from "./traffic";
import { scaledDownShareOfWeek } from "../../policies/lib/schedule";

export const HOURS_PER_MONTH = 730;
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
/** SageMaker's limit on a serverless endpoint's MaxConcurrency (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html). */
export const SERVERLESS_MAX_CONCURRENCY = 200;
/** The stack config's bound on endpoint.autoscaling.targetInvocationsPerInstance (infra/config.ts). */
export const MAX_TARGET_INVOCATIONS = 100_000;

export interface HostingPrices {
    /** On-demand $/h per hosting instance type (region of the stack). */
    onDemand: Record<string, number>;
    /** Savings Plan $/h where known (null/absent = unknown). */
    savingsPlan: Record<string, number | null>;
    asOf: string;
    source: string;
}

export interface InfraPrices {
    interfaceEndpointPerAzHour: number;
    natGatewayHour: number;
    cloudTrailDataEventsPer100k: number;
    logsIngestionPerGb: number;
    logsStoragePerGbMonth: number;
    serverlessPerGbSecond: number;
    serverlessPerGbProcessed: number;
    /** Provisioned concurrency $/GB-second (null: unknown). */
    serverlessProvisionedConcurrencyPerGbSecond?: number | null;
    asOf: string;
    source: string;
}

export interface OptimizeOptions {
    /** Spare capacity above the observed peak (0.3 = 30 %). */
    headroom: number;
    /** Days without invocations that make an endpoint idle. */
    idleDays: number;
    serverlessMemoryMb: number;
    /** Cold-start latency assumed for serverless (ms); measure yours. */
    coldStartMs: number;
    /** Mean request + response payload, bytes (serverless data processing, log estimate). */
    payloadBytes: number;
    /** Bytes of CloudWatch Logs ingested per invocation (CloudTrail data event delivered to the trail's log group + container log). */
    logBytesPerInvocation: number;
    /** UTC hours [start, end) counted as working hours for dev's scheduled scale-down. */
    workingHours: [number, number];
    /** Accept a serverless endpoint outside the VPC (no network isolation): drops that blocker. Default false. */
    allowServerlessOutsideVpc: boolean;
}

export const DEFAULT_OPTIONS: OptimizeOptions = {
    headroom: 0.3,
    idleDays: 7,
    serverlessMemoryMb: 2048,
    coldStartMs: 2000,
    payloadBytes: 2048,
    logBytesPerInvocation: 1500,
    workingHours: [7, 19],
    allowServerlessOutsideVpc: false,
};

export interface ConfigChange {
    /** Dotted key under `mlplatform:` in Pulumi.<env>.yaml, e.g. endpoint.variants.0.instanceType. */
    key: string;
    /** The new value; null removes the key (e.g. instanceType when a variant becomes serverless). */
    value: unknown;
}

export interface Recommendation {
    id: string;
    kind: "right-size" | "autoscaling" | "serverless" | "scheduled-scale-down" | "idle-endpoint" | "spot-training" | "savings-plan" | "async-inference";
    variant?: string;
    title: string;
    /** true: do it; false: evaluated and rejected (reason in `arithmetic`/`risk`). */
    recommended: boolean;
    monthlyBeforeUsd: number | null;
    monthlyAfterUsd: number | null;
    monthlySavingUsd: number | null;
    risk: string;
    arithmetic: string[];
    changes: ConfigChange[];
}

export interface VariantCost {
    variant: string;
    instanceType: string;
    instanceCount: number;
    hourlyUsd: number | null;
    monthlyUsd: number | null;
    monthlyInvocations: number;
    costPer1000Usd: number | null;
}

export interface FixedCost {
    item: string;
    monthlyUsd: number | null;
    arithmetic: string;
    source: string;
}

export interface OptimizeReport {
    stack: string;
    environment: string;
    region: string;
    generatedAt: string;
    window: { from: string; to: string; minutes: number };
    sloP99Ms: number;
    headroom: number;
    budgetUsd: number;
    capacity: Capacity[];
    traffic: Omit<VariantTraffic, "series">[];
    variants: VariantCost[];
    fixed: FixedCost[];
    totals: {
        inferenceMonthlyUsd: number;
        fixedMonthlyUsd: number;
        monthlyUsd: number;
        monthlyInvocations: number;
        costPer1000Usd: number | null;
        afterMonthlyUsd: number;
        savingMonthlyUsd: number;
        autoscalingSavingMonthlyUsd: number;
    };
    recommendations: Recommendation[];
    notes: string[];
    sources: Record<string, string>;
}

export interface OptimizeInput {
    config: OptimizerConfig;
    capacity: Capacity[];
    traffic: VariantTraffic[];
    hosting: HostingPrices;
    infra: InfraPrices;
    options?: Partial<OptimizeOptions>;
    /** The tune step's trial history (local run), when there is one. */
    tuning?: { trials: number; wallSeconds: number; instanceType: string };
    /** AWS Config rules the stack deploys and whether it creates the recorder (the CLI counts them from the program). */
    detective?: { rules: number; recorder: boolean };
    notes?: string[];
    now?: Date;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const usd = (x: number | null) => (x === null ? "unknown" : `$${x.toFixed(2)}`);

/** Instances needed so that count x capacity covers peak x (1 + headroom), never below `minCount`. */
export function instancesFor(peakPerMinute: number, headroom: number, rpsPerInstance: number, minCount: number): number {
    if (!(rpsPerInstance > 0)) return Infinity;
    return Math.max(minCount, Math.ceil((peakPerMinute * (1 + headroom)) / (rpsPerInstance * 60) - 1e-9));
}

export interface SizingOption {
    instanceType: string;
    count: number;
    hourlyUsd: number;
    monthlyUsd: number;
    capacity: Capacity;
}

/** Every priced, measured instance type that keeps p99 within the SLO at peak x (1 + headroom), cheapest first. */
export function sizingOptions(
    peakPerMinute: number,
    capacity: Capacity[],
    prices: Record<string, number>,
    headroom: number,
    minCount: number,
    sloMs: number,
): SizingOption[] {
    const out: SizingOption[] = [];
    for (const c of capacity) {
        const p = prices[c.instanceType];
        if (p === undefined || c.latencyMs > sloMs || !(c.rpsPerInstance > 0)) continue;
        const count = instancesFor(peakPerMinute, headroom, c.rpsPerInstance, minCount);
        out.push({ instanceType: c.instanceType, count, hourlyUsd: p, monthlyUsd: p * count * HOURS_PER_MONTH, capacity: c });
    }
    return out.sort((a, b) => a.monthlyUsd - b.monthlyUsd || a.count - b.count);
}

/**
 * Stack features that SageMaker Serverless Inference excludes ("Feature exclusions" in
 * https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html: VPC configuration, network isolation,
 * data capture, multiple production variants, inference pipelines, among others). The platform's endpoint always runs
 * in the VPC with network isolation (components/endpoint.ts), so serverless would be a separate, non-VPC endpoint.
 */
export function serverlessBlockers(cfg: OptimizerConfig, allowOutsideVpc = false): string[] {
    if (cfg.environment === "prod")
        return ["prod (its endpoint must run in the VPC with network isolation and data capture; the stack config allows serverless variants in dev only)"];
    const b = allowOutsideVpc
        ? []
        : [
              "VPC configuration and network isolation (a serverless variant runs outside the VPC without network isolation; --allow-serverless-outside-vpc accepts that)",
          ];
    if (cfg.endpoint.captureSamplingPercentage > 0)
        b.push(`data capture (endpoint.captureSamplingPercentage ${cfg.endpoint.captureSamplingPercentage}; monitoring reads it)`);
    if (cfg.endpoint.variants.length + (cfg.endpoint.shadowVariant ? 1 : 0) > 1)
        b.push(`multiple production variants (${cfg.endpoint.variants.length + (cfg.endpoint.shadowVariant ? 1 : 0)})`);
    if (cfg.endpoint.input === "raw") b.push("an inference pipeline (endpoint.input: raw puts preprocessing and model in one pipeline model)");
    return b;
}

/**
 * Monthly cost of a serverless variant: compute = invocations x duration (s) x memory (GB) x $/GB-s, plus data processed
 * (request + response bytes x $/GB), plus provisioned concurrency x memory (GB) x seconds per month x its $/GB-s (null
 * when that rate is unknown). Duration is the model latency; SageMaker bills the processing time per request, rounded
 * up to the millisecond, and cold starts are not billed (https://aws.amazon.com/sagemaker/pricing/).
 */
export function serverlessMonthlyCost(
    monthlyInvocations: number,
    durationMs: number,
    memoryMb: number,
    provisionedConcurrency: number,
    payloadBytes: number,
    infra: InfraPrices,
): { monthlyUsd: number | null; arithmetic: string[] } {
    const gb = memoryMb / 1024;
    const compute = monthlyInvocations * (durationMs / 1000) * gb * infra.serverlessPerGbSecond;
    const data = ((monthlyInvocations * payloadBytes) / 1e9) * infra.serverlessPerGbProcessed;
    const arithmetic = [
        `compute ${Math.round(monthlyInvocations)} x ${(durationMs / 1000).toFixed(5)} s x ${gb} GB x $${infra.serverlessPerGbSecond}/GB-s = $${compute.toFixed(2)}`,
        `data ${Math.round(monthlyInvocations)} x ${payloadBytes} B / 1e9 x $${infra.serverlessPerGbProcessed}/GB = $${data.toFixed(2)}`,
    ];
    if (provisionedConcurrency > 0) {
        const rate = infra.serverlessProvisionedConcurrencyPerGbSecond;
        if (rate === null || rate === undefined)
            return {
                monthlyUsd: null,
                arithmetic: [...arithmetic, `provisioned concurrency ${provisionedConcurrency} x ${gb} GB: rate unknown in the price table`],
            };
        const pc = provisionedConcurrency * gb * HOURS_PER_MONTH * 3600 * rate;
        arithmetic.push(`provisioned ${provisionedConcurrency} x ${gb} GB x ${HOURS_PER_MONTH * 3600} s x $${rate}/GB-s = $${pc.toFixed(2)}`);
        return { monthlyUsd: compute + data + pc, arithmetic };
    }
    return { monthlyUsd: compute + data, arithmetic };
}

export function optimize(input: OptimizeInput): OptimizeReport {
    const o: OptimizeOptions = { ...DEFAULT_OPTIONS, ...(input.options ?? {}) };
    const cfg = input.config;
    const slo = cfg.pipeline.latencySloMs;
    const prod = cfg.environment === "prod";
    const haMin = prod ? 2 : 1;
    const notes = [...(input.notes ?? [])];
    const recs: Recommendation[] = [];
    const tmap = new Map(input.traffic.map((t) => [t.variant, t]));
    const windowMinutes = Math.max(1, ...input.traffic.map((t) => t.minutes));
    const variants: VariantCost[] = [];
    let after = 0;

    const hourly = (type: string): number | null => input.hosting.onDemand[type] ?? null;
    const capOf = (type: string) => input.capacity.find((c) => c.instanceType === type);

    const allVariants = [
        ...cfg.endpoint.variants.map((v, i) => ({ v, i, shadow: false })),
        ...(cfg.endpoint.shadowVariant ? [{ v: cfg.endpoint.shadowVariant, i: -1, shadow: true }] : []),
    ];
    const plans: {
        variant: string;
        target: number;
        min: number;
        max: number;
        instanceHoursPerMonth: number;
        hourlyUsd: number;
        minHourly: number;
        currentInstanceHoursPerMonth: number;
        currentHourlyUsd: number;
    }[] = [];

    for (const { v, i, shadow } of allVariants) {
        const t = tmap.get(v.name);
        const prefix = shadow ? "endpoint.shadowVariant" : `endpoint.variants.${i}`;
        const monthlyInv = t ? t.perMinute.mean * MINUTES_PER_MONTH : 0;
        if (v.serverless || !v.instanceType) {
            // Already serverless: priced from the observed traffic (no instances to size).
            const sc = v.serverless!;
            const durMs = t?.meanLatencyMs ?? input.capacity[0]?.p50Ms ?? input.capacity[0]?.latencyMs ?? 0;
            const cost = serverlessMonthlyCost(monthlyInv, durMs, sc.memorySizeInMb, sc.provisionedConcurrency ?? 0, o.payloadBytes, input.infra);
            variants.push({
                variant: v.name,
                instanceType: `serverless ${sc.memorySizeInMb} MB`,
                instanceCount: 0,
                hourlyUsd: null,
                monthlyUsd: cost.monthlyUsd === null ? null : r2(cost.monthlyUsd),
                monthlyInvocations: Math.round(monthlyInv),
                costPer1000Usd: cost.monthlyUsd !== null && monthlyInv > 0 ? cost.monthlyUsd / (monthlyInv / 1000) : null,
            });
            notes.push(
                `variant ${v.name} is serverless (${sc.memorySizeInMb} MB, max concurrency ${sc.maxConcurrency}${sc.provisionedConcurrency ? `, provisioned ${sc.provisionedConcurrency}` : ""}): ${cost.arithmetic.join("; ")}; instance sizing skipped`,
            );
            after += cost.monthlyUsd ?? 0;
            continue;
        }
        const price = hourly(v.instanceType);
        const count = v.initialInstanceCount ?? 1;
        const before = price === null ? null : price * count * HOURS_PER_MONTH;
        variants.push({
            variant: v.name,
            instanceType: v.instanceType,
            instanceCount: count,
            hourlyUsd: price,
            monthlyUsd: before === null ? null : r2(before),
            monthlyInvocations: Math.round(monthlyInv),
            costPer1000Usd: before !== null && monthlyInv > 0 ? before / (monthlyInv / 1000) : null,
        });
        if (price === null)
            notes.push(`${prefix}.instanceType ${v.instanceType} has no on-demand price in ${input.hosting.source} for ${cfg.region}: its cost is unknown`);
        if (!t) {
            notes.push(`variant ${v.name}: no traffic observed in the window: sizing skipped`);
            after += before ?? 0;
            continue;
        }
        const peak = t.perMinute.peak;
        const need = peak * (1 + o.headroom);
        // 1. right-size
        const opts = sizingOptions(peak, input.capacity, input.hosting.onDemand, o.headroom, haMin, slo);
        const chosen = opts[0];
        let variantAfter = before ?? 0;
        if (!chosen) {
            recs.push({
                id: `right-size:${v.name}`,
                kind: "right-size",
                variant: v.name,
                title: `Right-size ${v.name}: no measured capacity`,
                recommended: false,
                monthlyBeforeUsd: before === null ? null : r2(before),
                monthlyAfterUsd: null,
                monthlySavingUsd: null,
                risk: "Without a capacity measurement within the SLO the current size is kept.",
                arithmetic: [
                    `no instance type has a measured throughput with p99 <= ${slo} ms and a price (measured: ${input.capacity.map((c) => `${c.instanceType} p99 ${c.latencyMs.toFixed(1)} ms`).join(", ") || "none"}); run the loadtest step (local) or an Inference Recommender job (aws)`,
                ],
                changes: [],
            });
        } else {
            const same = chosen.instanceType === v.instanceType && chosen.count === count;
            const arithmetic = [
                `observed peak ${peak} invocations/min (p50 ${t.perMinute.p50}, p95 ${t.perMinute.p95}, p99 ${t.perMinute.p99}) x (1 + headroom ${o.headroom}) = ${need.toFixed(1)}/min = ${(need / 60).toFixed(2)} req/s`,
                ...opts
                    .slice(0, 5)
                    .map(
                        (s) =>
                            `${s.instanceType}: capacity ${s.capacity.rpsPerInstance.toFixed(1)} req/s per instance (p99 ${s.capacity.latencyMs.toFixed(2)} ms <= ${slo} ms) -> max(${haMin} ${prod ? "(prod HA minimum)" : "(minimum)"}, ceil(${(need / 60).toFixed(2)} / ${s.capacity.rpsPerInstance.toFixed(1)})) = ${s.count} x $${s.hourlyUsd}/h x ${HOURS_PER_MONTH} h = $${s.monthlyUsd.toFixed(2)}/month`,
                    ),
                `current: ${count} x ${v.instanceType} = ${usd(before)}/month${capOf(v.instanceType) ? "" : " (not measured)"}`,
            ];
            const saving = before === null ? null : before - chosen.monthlyUsd;
            const recommended = !same && (saving === null || saving > 0.005);
            if (recommended) variantAfter = chosen.monthlyUsd;
            recs.push({
                id: `right-size:${v.name}`,
                kind: "right-size",
                variant: v.name,
                title: same
                    ? `${v.name}: ${count} x ${v.instanceType} is already the cheapest size that meets the SLO at peak + ${Math.round(o.headroom * 100)}%`
                    : `${v.name}: ${count} x ${v.instanceType} -> ${chosen.count} x ${chosen.instanceType}`,
                recommended,
                monthlyBeforeUsd: before === null ? null : r2(before),
                monthlyAfterUsd: r2(chosen.monthlyUsd),
                monthlySavingUsd: saving === null ? null : r2(saving),
                risk: `Sized on ${t.minutes} min of observed traffic; a peak above ${need.toFixed(0)}/min (observed x ${1 + o.headroom}) relies on autoscaling. Capacity: ${chosen.capacity.source}.`,
                arithmetic,
                changes: same
                    ? []
                    : [
                          { key: `${prefix}.instanceType`, value: chosen.instanceType },
                          { key: `${prefix}.initialInstanceCount`, value: chosen.count },
                      ],
            });
            // autoscaling plan for this variant at the chosen size
            const capRpm = chosen.capacity.rpsPerInstance * 60;
            const target = Math.max(1, Math.min(MAX_TARGET_INVOCATIONS, Math.floor(capRpm / (1 + o.headroom))));
            const min = Math.max(haMin, Math.ceil(t.perMinute.p50 / target - 1e-9));
            const max = Math.max(min, chosen.count, Math.ceil(peak / target - 1e-9));
            let inst = 0;
            let minHourlyInst = Infinity;
            const byHour = new Map<number, number>();
            for (const p of t.series) {
                const n = Math.min(max, Math.max(min, Math.ceil(p.invocations / target - 1e-9)));
                inst += n;
                const h = Math.floor(p.t / 3_600_000);
                byHour.set(h, Math.max(byHour.get(h) ?? 0, n));
            }
            for (const n of byHour.values()) minHourlyInst = Math.min(minHourlyInst, n);
            const meanInst = inst / t.series.length;
            // the same replay under the current policy, at the current type's price
            const a0 = cfg.endpoint.autoscaling;
            let inst0 = 0;
            for (const p of t.series)
                inst0 += Math.min(a0.maxCapacity, Math.max(a0.minCapacity, count, Math.ceil(p.invocations / a0.targetInvocationsPerInstance - 1e-9)));
            plans.push({
                variant: v.name,
                target,
                min,
                max,
                instanceHoursPerMonth: meanInst * HOURS_PER_MONTH,
                hourlyUsd: chosen.hourlyUsd,
                minHourly: Number.isFinite(minHourlyInst) ? minHourlyInst : min,
                currentInstanceHoursPerMonth: (inst0 / t.series.length) * HOURS_PER_MONTH,
                currentHourlyUsd: price ?? chosen.hourlyUsd,
            });
            if (target === MAX_TARGET_INVOCATIONS)
                notes.push(
                    `variant ${v.name}: the measured capacity (${capRpm.toFixed(0)}/min per instance) exceeds the config's maximum target ${MAX_TARGET_INVOCATIONS}; target clamped`,
                );

            // 2. serverless
            const durMs = t.meanLatencyMs ?? chosen.capacity.p50Ms ?? chosen.capacity.latencyMs;
            const gb = o.serverlessMemoryMb / 1024;
            const compute = monthlyInv * (durMs / 1000) * gb * input.infra.serverlessPerGbSecond;
            const data = ((monthlyInv * o.payloadBytes) / 1e9) * input.infra.serverlessPerGbProcessed;
            const sless = serverlessMonthlyCost(monthlyInv, durMs, o.serverlessMemoryMb, 0, o.payloadBytes, input.infra).monthlyUsd!;
            const maxConc = Math.min(SERVERLESS_MAX_CONCURRENCY, Math.max(1, Math.ceil((need / 60) * (durMs / 1000))));
            const coldShare = t.total > 0 ? (t.activeAfterIdleShare * t.series.filter((p) => p.invocations > 0).length) / t.total : 0;
            const coldFits = o.coldStartMs + durMs <= slo || coldShare < 0.01;
            const cheaper = sless < (recommended ? chosen.monthlyUsd : (before ?? Infinity));
            const blockers = serverlessBlockers(cfg, o.allowServerlessOutsideVpc);
            recs.push({
                id: `serverless:${v.name}`,
                kind: "serverless",
                variant: v.name,
                title: `${v.name}: SageMaker Serverless Inference (${o.serverlessMemoryMb} MB, max concurrency ${maxConc})`,
                recommended: cheaper && coldFits && blockers.length === 0,
                monthlyBeforeUsd: r2(variantAfter),
                monthlyAfterUsd: r2(sless),
                monthlySavingUsd: r2(variantAfter - sless),
                risk: `${blockers.length ? `REJECTED: the stack uses features Serverless Inference does not support: ${blockers.join("; ")}. ` : ""}${coldFits ? "" : "REJECTED: cold starts break the SLO. "}Cold start assumed ${o.coldStartMs} ms (measure it); about ${(100 * coldShare).toFixed(2)}% of requests arrive after an idle minute (a cold start is likely), ${coldShare < 0.01 ? "below" : "not below"} the 1% that p99 tolerates. Provisioned concurrency would remove cold starts but its rate is not in the price table (unknown).${cheaper ? "" : " Not cheaper at the observed volume."}`,
                arithmetic: [
                    `monthly invocations = mean ${t.perMinute.mean.toFixed(2)}/min x ${MINUTES_PER_MONTH} = ${Math.round(monthlyInv)}`,
                    `compute = ${Math.round(monthlyInv)} x ${(durMs / 1000).toFixed(5)} s x ${gb} GB x $${input.infra.serverlessPerGbSecond}/GB-s = $${compute.toFixed(2)}`,
                    `data = ${Math.round(monthlyInv)} x ${o.payloadBytes} B / 1e9 x $${input.infra.serverlessPerGbProcessed}/GB = $${data.toFixed(2)}`,
                    `max concurrency = ceil(${(need / 60).toFixed(2)} req/s x ${(durMs / 1000).toFixed(4)} s) = ${maxConc} (limit ${SERVERLESS_MAX_CONCURRENCY})`,
                    `p99 check: cold start ${o.coldStartMs} ms + ${durMs.toFixed(2)} ms ${o.coldStartMs + durMs <= slo ? "<=" : ">"} SLO ${slo} ms; cold-start share ${(100 * coldShare).toFixed(2)}%`,
                ],
                // prod: no config change would be accepted (the stack config refuses serverless there), so none is listed
                changes: prod
                    ? []
                    : [
                          { key: `${prefix}.serverless`, value: { memorySizeInMb: o.serverlessMemoryMb, maxConcurrency: maxConc } },
                          { key: `${prefix}.instanceType`, value: null },
                          { key: `${prefix}.initialInstanceCount`, value: null },
                          // no data capture on serverless (a blocker above until captureSamplingPercentage is 0): the monitors have nothing to read
                          ...(cfg.monitoring.serverlessMonitor ? [{ key: "monitoring.serverlessMonitor", value: false }] : []),
                          ...(cfg.monitoring.modelMonitorSchedule ? [{ key: "monitoring.modelMonitorSchedule", value: false }] : []),
                          // a schedule scales instances: with the only variant serverless there are none
                          ...(cfg.endpoint.autoscaling.schedule ? [{ key: "endpoint.autoscaling.schedule", value: null }] : []),
                      ],
            });
            if (cheaper && coldFits && !blockers.length) variantAfter = Math.min(variantAfter, sless);
            if (durMs > 60_000 || o.payloadBytes > 4 * 1024 * 1024) {
                recs.push({
                    id: `async:${v.name}`,
                    kind: "async-inference",
                    variant: v.name,
                    title: `${v.name}: asynchronous inference`,
                    recommended: true,
                    monthlyBeforeUsd: null,
                    monthlyAfterUsd: null,
                    monthlySavingUsd: null,
                    risk: "Callers must poll or subscribe to results.",
                    arithmetic: [`latency ${durMs.toFixed(0)} ms / payload ${o.payloadBytes} B exceed real-time (60 s) / serverless (4 MB) limits`],
                    changes: [],
                });
            }
        }
        after += variantAfter;
    }

    // autoscaling (one policy for every variant in the stack config)
    if (plans.length) {
        const a = cfg.endpoint.autoscaling;
        const target = Math.min(...plans.map((p) => p.target));
        const min = Math.max(...plans.map((p) => p.min));
        // never lower maxCapacity: it costs nothing until traffic needs it and is the room for unobserved peaks
        const max = Math.max(a.maxCapacity, min, ...plans.map((p) => p.max));
        const changes: ConfigChange[] = [];
        if (target !== a.targetInvocationsPerInstance) changes.push({ key: "endpoint.autoscaling.targetInvocationsPerInstance", value: target });
        if (min !== a.minCapacity) changes.push({ key: "endpoint.autoscaling.minCapacity", value: min });
        if (max !== a.maxCapacity) changes.push({ key: "endpoint.autoscaling.maxCapacity", value: max });
        const peakCost = plans.reduce((s, p) => s + p.currentInstanceHoursPerMonth * p.currentHourlyUsd, 0);
        const planCost = plans.reduce((s, p) => s + p.instanceHoursPerMonth * p.hourlyUsd, 0);
        recs.push({
            id: "autoscaling",
            kind: "autoscaling",
            title: `Autoscaling: SageMakerVariantInvocationsPerInstance target ${target}, min ${min}, max ${max}`,
            recommended: changes.length > 0,
            monthlyBeforeUsd: r2(peakCost),
            monthlyAfterUsd: r2(planCost),
            monthlySavingUsd: r2(peakCost - planCost),
            risk: `Target = measured capacity / (1 + headroom): an instance reaches its SLO-bound throughput at ${Math.round((1 + o.headroom) * 100)}% of the target. Scale-out takes minutes (cooldown ${a.scaleOutCooldownSeconds} s + instance start), so bursts faster than that are absorbed by the headroom only. 'before' = the same minute-by-minute replay under the current policy; maxCapacity is never lowered (room for peaks not in the window).`,
            arithmetic: [
                ...plans.map(
                    (p) =>
                        `${p.variant}: target = floor(capacity/min / ${1 + o.headroom}) = ${p.target}; min = max(${haMin}, ceil(p50 / target)) = ${p.min}; max = ceil(peak / target) = ${p.max}; replaying the window minute by minute: ${(p.instanceHoursPerMonth / HOURS_PER_MONTH).toFixed(2)} instances on average = ${p.instanceHoursPerMonth.toFixed(0)} instance-h/month x $${p.hourlyUsd}/h`,
                ),
                ...plans.map(
                    (p) =>
                        `${p.variant} under the current policy (target ${a.targetInvocationsPerInstance}, min ${a.minCapacity}, max ${a.maxCapacity}): ${(p.currentInstanceHoursPerMonth / HOURS_PER_MONTH).toFixed(2)} instances on average = ${p.currentInstanceHoursPerMonth.toFixed(0)} instance-h/month x $${p.currentHourlyUsd}/h`,
                ),
            ],
            changes,
        });

        // Savings Plans: the steady baseline = the lowest hourly instance count of the window
        const baselineHourly = plans.reduce((s, p) => s + p.minHourly * p.hourlyUsd, 0);
        const spKnown = plans.every((p) => {
            const type =
                recs.find((r) => r.id === `right-size:${p.variant}`)?.changes.find((c) => c.key.endsWith("instanceType"))?.value ??
                cfg.endpoint.variants.find((v) => v.name === p.variant)?.instanceType;
            return typeof type === "string" && typeof input.hosting.savingsPlan[type] === "number";
        });
        recs.push({
            id: "savings-plan",
            kind: "savings-plan",
            title: `SageMaker Savings Plan commitment of $${baselineHourly.toFixed(3)}/h (the steady baseline)`,
            recommended: baselineHourly > 0 && prod,
            monthlyBeforeUsd: r2(baselineHourly * HOURS_PER_MONTH),
            monthlyAfterUsd: null,
            monthlySavingUsd: null,
            risk: `${spKnown ? "" : "Savings Plan rates are unknown (null in the price table): the saving is not computed rather than guessed. "}A commitment is paid whether used or not for 1 or 3 years; ${prod ? "" : "not recommended for a non-prod stack that may be torn down; "}committing only the lowest hourly usage of the window keeps it fully used.`,
            arithmetic: plans.map(
                (p) =>
                    `${p.variant}: lowest hourly instance count under the autoscaling plan ${p.minHourly} x $${p.hourlyUsd}/h on-demand = $${(p.minHourly * p.hourlyUsd).toFixed(3)}/h`,
            ),
            changes: [],
        });
    }

    // idle endpoint
    const idle = input.traffic.length > 0 && input.traffic.every((t) => t.trailingIdleDays >= o.idleDays);
    const inferenceBefore = variants.reduce((s, v) => s + (v.monthlyUsd ?? 0), 0);
    recs.push({
        id: "idle-endpoint",
        kind: "idle-endpoint",
        title: idle
            ? `Endpoint idle for ${Math.min(...input.traffic.map((t) => t.trailingIdleDays))} days: disable it`
            : `Endpoint not idle (threshold ${o.idleDays} days without invocations)`,
        recommended: idle,
        monthlyBeforeUsd: r2(inferenceBefore),
        monthlyAfterUsd: idle ? 0 : r2(inferenceBefore),
        monthlySavingUsd: idle ? r2(inferenceBefore) : 0,
        risk: "Disabling deletes the endpoint; callers get errors until it is enabled again (a redeploy takes minutes).",
        arithmetic: input.traffic.map(
            (t) => `${t.variant}: ${t.trailingIdleDays} whole days without invocations at the end of the window (${t.total} invocations in ${t.minutes} min)`,
        ),
        changes: idle ? [{ key: "endpoint.enabled", value: false }] : [],
    });
    if (idle) after = 0;

    // dev: scheduled scale-down outside working hours (endpoint.autoscaling.schedule: Application Auto Scaling scheduled
    // actions; a provisioned variant keeps >= 1 instance, components/endpoint.ts ScaleSchedule)
    if (!prod && cfg.endpoint.variants.some((v) => !v.serverless)) {
        const [h0, h1] = o.workingHours;
        const offHours = Array.from({ length: 24 }, (_, h) => h).filter((h) => h < h0 || h >= h1);
        const offTraffic = input.traffic.reduce((s, t) => s + offHours.reduce((a, h) => a + t.hourly[h], 0), 0);
        const schedule = { scaleDownCron: `cron(0 ${h1} ? * * *)`, scaleUpCron: `cron(0 ${h0} ? * MON-FRI *)`, timezone: "UTC", minOutsideHours: 1 };
        // the same weekly share the policy pack's estimate uses (nights, and weekends from Friday evening)
        const share = scaledDownShareOfWeek(schedule.scaleDownCron, schedule.scaleUpCron);
        const extra = cfg.endpoint.variants.reduce(
            (s, v) => s + (v.instanceType ? Math.max(0, (v.initialInstanceCount ?? 1) - 1) * (hourly(v.instanceType) ?? 0) : 0),
            0,
        );
        const saving = extra * share * HOURS_PER_MONTH;
        const same =
            cfg.endpoint.autoscaling.schedule?.scaleDownCron === schedule.scaleDownCron &&
            cfg.endpoint.autoscaling.schedule?.scaleUpCron === schedule.scaleUpCron;
        recs.push({
            id: "scheduled-scale-down",
            kind: "scheduled-scale-down",
            title: `Dev: scale to the minimum outside ${h0}:00-${h1}:00 UTC on weekdays and over the weekend`,
            recommended: saving > 0 && !same,
            monthlyBeforeUsd: r2(inferenceBefore),
            monthlyAfterUsd: r2(inferenceBefore - saving),
            monthlySavingUsd: r2(saving),
            risk: `Real-time variants cannot scale below 1 instance (scale to zero needs inference components), so the saving is the instances above 1 while scaled down${saving > 0 ? "" : " (none: every variant already runs 1 instance; a serverless variant or endpoint.enabled: false would remove the rest)"}; off-hours traffic is then served by 1 instance per variant. Observed off-hours traffic: ${offTraffic.toFixed(2)} invocations/min summed over those hours.${same ? " Already configured." : ""}`,
            arithmetic: [
                `${schedule.scaleDownCron} .. ${schedule.scaleUpCron}: scaled down ${(share * 168).toFixed(0)} of 168 hours a week (${(share * 100).toFixed(1)}%)`,
                `sum over variants of (count - 1) x $/h = $${extra.toFixed(3)}/h x ${(share * 100).toFixed(1)}% x ${HOURS_PER_MONTH} h = $${saving.toFixed(2)}/month`,
            ],
            changes: same ? [] : [{ key: "endpoint.autoscaling.schedule", value: schedule }],
        });
    }

    // managed spot training
    if (!cfg.training.useSpot) {
        recs.push({
            id: "spot-training",
            kind: "spot-training",
            title: "Managed spot training with checkpointing",
            recommended: true,
            monthlyBeforeUsd: null,
            monthlyAfterUsd: null,
            monthlySavingUsd: null,
            risk: "Spot capacity can be reclaimed: the training step already checkpoints to S3 with spot (CheckpointConfig, MaxWaitTimeInSeconds >= MaxRuntimeInSeconds; lib/aws/training.ts), but a run can wait for capacity and take longer. Training rates (on-demand and spot) are not in the price table, so the saving is not computed; SageMaker reports the realised saving per job (BillableTimeInSeconds vs TrainingTimeInSeconds).",
            arithmetic: [
                input.tuning
                    ? `tune step: ${input.tuning.trials} trials in ${input.tuning.wallSeconds.toFixed(0)} s of local wall time (${(input.tuning.wallSeconds / Math.max(1, input.tuning.trials)).toFixed(1)} s/trial); on AWS each trial is a training job on ${input.tuning.instanceType} billed per second, so spot's saving = trials x billable hours x (on-demand - spot training rate), with both rates unknown in the price table`
                    : "no tune step history in the workdir",
                `training.maxRuntimeSeconds ${cfg.training.maxRuntimeSeconds}: with spot, MaxWaitTimeInSeconds must be >= it`,
            ],
            changes: [{ key: "training.useSpot", value: true }],
        });
    }

    // fixed monthly costs
    const fixed: FixedCost[] = [];
    const nEp = cfg.network.interfaceEndpoints.length || 10;
    fixed.push({
        item: `VPC interface endpoints (${nEp} x ${cfg.network.interfaceEndpointAzs} AZ)`,
        monthlyUsd: r2(nEp * cfg.network.interfaceEndpointAzs * input.infra.interfaceEndpointPerAzHour * HOURS_PER_MONTH),
        arithmetic: `${nEp} endpoints x ${cfg.network.interfaceEndpointAzs} AZs x $${input.infra.interfaceEndpointPerAzHour}/h x ${HOURS_PER_MONTH} h (network.interfaceEndpoints / interfaceEndpointAzs; data processed extra)`,
        source: input.infra.source,
    });
    fixed.push({
        item: "NAT gateway",
        monthlyUsd: cfg.network.allowInternetEgress ? r2(input.infra.natGatewayHour * HOURS_PER_MONTH) : 0,
        arithmetic: cfg.network.allowInternetEgress
            ? `1 x $${input.infra.natGatewayHour}/h x ${HOURS_PER_MONTH} h (network.allowInternetEgress: true; data processed extra)`
            : "none (network.allowInternetEgress: false)",
        source: input.infra.source,
    });
    const monthlyInvTotal = variants.reduce((s, v) => s + v.monthlyInvocations, 0);
    if (cfg.audit.useExistingTrail) {
        fixed.push({
            item: "CloudTrail",
            monthlyUsd: 0,
            arithmetic: "audit.useExistingTrail: the organisation trail is billed elsewhere",
            source: input.infra.source,
        });
    } else {
        fixed.push({
            item: "CloudTrail (management events: first copy free; InvokeEndpoint data events)",
            monthlyUsd: r2((monthlyInvTotal / 100_000) * input.infra.cloudTrailDataEventsPer100k),
            arithmetic: `${monthlyInvTotal} data events/month / 100k x $${input.infra.cloudTrailDataEventsPer100k}`,
            source: input.infra.source,
        });
    }
    const det = input.detective;
    if (!det || det.rules === 0) {
        fixed.push({
            item: "AWS Config rules",
            monthlyUsd: 0,
            arithmetic: "none: the stack deploys no AWS Config rules (detective.enabled: false)",
            source: input.infra.source,
        });
    } else {
        // AWS Config bills per rule evaluation and, for the recorder, per configuration item recorded: both scale with
        // resource changes and the periodic rules' 24 h evaluations, which no input here measures; so no figure.
        fixed.push({
            item: `AWS Config (${det.rules} managed rules${det.recorder ? " + the recorder" : ""})`,
            monthlyUsd: null,
            arithmetic: `${det.rules} rules x evaluations/month x the per-evaluation price${det.recorder ? " + configuration items recorded x the per-item price" : ""}: unknown here (evaluations follow resource changes and the periodic rules' daily runs; see the account's Config usage)`,
            source: input.infra.source,
        });
    }
    const gb = (monthlyInvTotal * o.logBytesPerInvocation) / 1e9;
    const stored = gb * (cfg.logs.retentionDays / (HOURS_PER_MONTH / 24));
    fixed.push({
        item: `Log ingestion + storage at ${cfg.logs.retentionDays} d retention`,
        monthlyUsd: r2(gb * input.infra.logsIngestionPerGb + stored * input.infra.logsStoragePerGbMonth),
        arithmetic: `${monthlyInvTotal} invocations x ${o.logBytesPerInvocation} B = ${gb.toFixed(3)} GB x $${input.infra.logsIngestionPerGb}/GB + ${stored.toFixed(3)} GB retained x $${input.infra.logsStoragePerGbMonth}/GB-month (estimate: per-invocation log bytes ${o.logBytesPerInvocation}; flow logs not included)`,
        source: input.infra.source,
    });
    const fixedTotal = fixed.reduce((s, f) => s + (f.monthlyUsd ?? 0), 0);

    const window = input.traffic[0]
        ? { from: new Date(input.traffic[0].fromMs).toISOString(), to: new Date(input.traffic[0].toMs).toISOString(), minutes: windowMinutes }
        : { from: "", to: "", minutes: 0 };
    if (windowMinutes < 7 * 1440)
        notes.push(
            `the traffic window is ${windowMinutes} min: monthly figures extrapolate it (mean per minute x ${MINUTES_PER_MONTH}); base decisions on at least a week of traffic so the daily and weekly shape is in it`,
        );
    const total = inferenceBefore + fixedTotal;
    const afterTotal = after + fixedTotal;
    if (afterTotal > cfg.budget.monthlyLimitUsd)
        notes.push(
            `after the recommendations the stack still costs $${afterTotal.toFixed(2)}/month, over budget.monthlyLimitUsd $${cfg.budget.monthlyLimitUsd}`,
        );
    return {
        stack: cfg.stack,
        environment: cfg.environment,
        region: cfg.region,
        generatedAt: (input.now ?? new Date()).toISOString(),
        window,
        sloP99Ms: slo,
        headroom: o.headroom,
        budgetUsd: cfg.budget.monthlyLimitUsd,
        capacity: input.capacity,
        traffic: input.traffic.map(({ series, ...rest }) => rest),
        variants,
        fixed,
        totals: {
            inferenceMonthlyUsd: r2(inferenceBefore),
            fixedMonthlyUsd: r2(fixedTotal),
            monthlyUsd: r2(total),
            monthlyInvocations: monthlyInvTotal,
            costPer1000Usd: monthlyInvTotal > 0 ? total / (monthlyInvTotal / 1000) : null,
            afterMonthlyUsd: r2(afterTotal),
            savingMonthlyUsd: r2(total - afterTotal),
            autoscalingSavingMonthlyUsd: r2(recs.find((x) => x.id === "autoscaling" && x.recommended)?.monthlySavingUsd ?? 0),
        },
        recommendations: recs,
        notes,
        sources: { hosting: `${input.hosting.source} (as of ${input.hosting.asOf})`, infrastructure: `${input.infra.source} (as of ${input.infra.asOf})` },
    };
}
