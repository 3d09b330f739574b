/**
 * The endpoint's configuration shape shared by the stack config (infra/config.ts) and the component
 * (components/endpoint.ts): serverless capacity with SageMaker's limits, autoscaling with its scheduled scale-down, and
 * the blue/green deployment, defined once with their validation. Imports nothing (contracts layer).
 */

/** SageMaker's limits of ProductionVariantServerlessConfig (botocore sagemaker 2017-07-24 model: ServerlessMemorySizeInMB, ServerlessMaxConcurrency, ServerlessProvisionedConcurrency). */
export const SERVERLESS_LIMITS = { memoryMb: [1024, 6144], memoryStepMb: 1024, maxConcurrency: [1, 200], provisionedConcurrency: [1, 200] } as const;

/** A serverless variant's capacity (ProductionVariantServerlessConfig; names as Pulumi's `serverlessConfig`). */
export interface ServerlessVariantConfig {
    /** 1024 to 6144 in 1024 MB steps. */
    memorySizeInMb: number;
    /** Concurrent invocations, 1 to 200. */
    maxConcurrency: number;
    /** Always-warm concurrency (no cold starts, billed while provisioned), 1 to maxConcurrency. */
    provisionedConcurrency?: number;
}

/**
 * Target-tracking autoscaling of every provisioned production variant (config `endpoint.autoscaling`); the one
 * definition of its shape, read by infra/config.ts and components/endpoint.ts.
 */
export interface EndpointAutoscaling {
    /** Default true. Set false for one deployment before changing a variant's instance type (the autoscaling caveat in components/endpoint.ts). */
    enabled?: boolean;
    minCapacity: number;
    maxCapacity: number;
    targetInvocationsPerInstance: number;
    scaleInCooldownSeconds: number;
    scaleOutCooldownSeconds: number;
    /** Scheduled scale-down (dev): outside working hours the variant's capacity is held at `minOutsideHours`. */
    schedule?: ScaleSchedule;
}

/**
 * Application Auto Scaling scheduled actions on each provisioned variant's scalable target ("Scheduled scaling for
 * Application Auto Scaling", https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scheduled-scaling.html):
 * at `scaleDownCron` min and max capacity become `minOutsideHours` / `maxOutsideHours`, at `scaleUpCron` they return to
 * the autoscaling min/max. A real-time variant's DesiredInstanceCount cannot go below 1 (scale to zero exists only for
 * inference components, https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html).
 */
export interface ScaleSchedule {
    /** cron(minutes hours day-of-month month day-of-week year), evaluated in `timezone`. */
    scaleDownCron: string;
    scaleUpCron: string;
    /** IANA time zone, e.g. Europe/Berlin. Default UTC. */
    timezone: string;
    /** Instances per variant outside working hours (>= 1). */
    minOutsideHours: number;
    /** Upper bound outside working hours (>= minOutsideHours); default minOutsideHours: traffic then cannot scale it out. */
    maxOutsideHours: number;
}

/** Blue/green deployment of an endpoint update (config `endpoint.deployment`); the one definition of its shape. */
export interface EndpointDeployment {
    strategy: "canary" | "linear" | "all-at-once";
    /** Percentage of capacity shifted in the canary step / each linear step. */
    stepPercent: number;
    waitIntervalSeconds: number;
    terminationWaitSeconds: number;
}

/** One problem of a config object: the field, its value and what is expected instead. */
export interface FieldProblem {
    field: string;
    value: unknown;
    expected: string;
}

/** What is wrong with a serverless config against SageMaker's limits; empty when valid. */
export function serverlessConfigProblems(c: ServerlessVariantConfig): FieldProblem[] {
    const L = SERVERLESS_LIMITS;
    const out: FieldProblem[] = [];
    const m = c.memorySizeInMb;
    if (!Number.isInteger(m) || m < L.memoryMb[0] || m > L.memoryMb[1] || m % L.memoryStepMb !== 0)
        out.push({ field: "memorySizeInMb", value: m, expected: "one of 1024, 2048, 3072, 4096, 5120, 6144 (1 GB steps)" });
    const mc = c.maxConcurrency;
    if (!Number.isInteger(mc) || mc < L.maxConcurrency[0] || mc > L.maxConcurrency[1])
        out.push({ field: "maxConcurrency", value: mc, expected: `an integer ${L.maxConcurrency[0]} to ${L.maxConcurrency[1]}` });
    const pc = c.provisionedConcurrency;
    if (pc !== undefined && (!Number.isInteger(pc) || pc < L.provisionedConcurrency[0] || pc > Math.min(L.provisionedConcurrency[1], mc))) {
        out.push({ field: "provisionedConcurrency", value: pc, expected: `an integer ${L.provisionedConcurrency[0]} to maxConcurrency (${mc}), or absent` });
    }
    return out;
}

/** cron(minutes hours day-of-month month day-of-week year) as Application Auto Scaling takes it (six fields). */
const AAS_CRON = /^cron\((\S+\s+){5}\S+\)$/;

/** What is wrong with a scale schedule; empty when valid. */
export function scheduleProblems(s: ScaleSchedule, a: Pick<EndpointAutoscaling, "minCapacity" | "maxCapacity">): FieldProblem[] {
    const out: FieldProblem[] = [];
    for (const k of ["scaleDownCron", "scaleUpCron"] as const) {
        if (!AAS_CRON.test(s[k]))
            out.push({ field: k, value: s[k], expected: "a six-field cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 19 ? * MON-FRI *)" });
    }
    if (s.scaleDownCron === s.scaleUpCron) out.push({ field: "scaleUpCron", value: s.scaleUpCron, expected: "a different time than scaleDownCron" });
    if (!validTimeZone(s.timezone)) out.push({ field: "timezone", value: s.timezone, expected: "an IANA time zone such as UTC or Europe/Berlin" });
    if (!Number.isInteger(s.minOutsideHours) || s.minOutsideHours < 1) {
        out.push({
            field: "minOutsideHours",
            value: s.minOutsideHours,
            expected: "an integer >= 1 (a real-time variant cannot scale to zero instances; only inference components can)",
        });
    }
    if (!Number.isInteger(s.maxOutsideHours) || s.maxOutsideHours < s.minOutsideHours)
        out.push({ field: "maxOutsideHours", value: s.maxOutsideHours, expected: `an integer >= minOutsideHours (${s.minOutsideHours})` });
    if (s.minOutsideHours > a.minCapacity)
        out.push({
            field: "minOutsideHours",
            value: s.minOutsideHours,
            expected: `at most autoscaling.minCapacity (${a.minCapacity}): a scale-down that raises the minimum saves nothing`,
        });
    if (s.maxOutsideHours > a.maxCapacity)
        out.push({ field: "maxOutsideHours", value: s.maxOutsideHours, expected: `at most autoscaling.maxCapacity (${a.maxCapacity})` });
    return out;
}

/** True for a time zone name the runtime's ICU database knows (IANA names, as Application Auto Scaling takes). */
export function validTimeZone(tz: string): boolean {
    if (!tz || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(tz)) return false;
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}
