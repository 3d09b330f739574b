/**
 * instance-types-and-capacity: SageMaker capacity stays within the environment's allowlist of
 * instance families and sizes, under a maximum instance count, and production variants have the
 * minimum number of instances for availability (2 in prod: one per AZ). Serverless variants are judged on
 * memory and concurrency instead (SageMaker's limits, the environment's caps, `allowServerless`).
 *
 * The allowlist is per environment because each environment's `--policy-pack-config` file sets it
 * (`policies/config/dev.json`, `prod.json`); `workloads` can narrow or widen it per workload kind.
 */
import { withDefaults } from "../lib/config";
import { instanceTypeAllowed, parseInstanceType } from "../lib/instanceTypes";
import { reportFindings } from "../lib/report";
import { definePolicy, PlatformResourcePolicy } from "../lib/types";
import { isUnknown } from "../lib/unknowns";

export type Workload = "endpoint" | "training" | "monitoring" | "notebook";

export interface Allowlist {
    families: string[];
    sizes: string[];
    /** Exact types or `ml.t3.*` globs allowed in addition to families x sizes. */
    types?: string[];
    allowAccelerated?: boolean;
}

export interface CapacityConfig {
    allowedInstanceFamilies: string[];
    allowedInstanceSizes: string[];
    allowedInstanceTypes: string[];
    /** GPU/accelerator instances (p, g, inf, trn, dl series). */
    allowAccelerated: boolean;
    /** Max instances per variant / job / autoscaling target. */
    maxInstanceCount: number;
    /** Min `initialInstanceCount` of every production variant. */
    minProductionVariantInstances: number;
    /** Per-workload allowlists that replace the top-level one for that workload. */
    workloads: Partial<Record<Workload, Allowlist>>;
    /** Serverless endpoint variants (serverlessConfig) are allowed in this environment. */
    allowServerless: boolean;
    /** Largest serverless memory size (MB) allowed; SageMaker's own range is 1024-6144 in 1024 MB steps. */
    maxServerlessMemoryMb: number;
    /** Largest serverless MaxConcurrency allowed; SageMaker's own limit is 200. */
    maxServerlessConcurrency: number;
}

/** ProductionVariantServerlessConfig limits (botocore sagemaker 2017-07-24: ServerlessMemorySizeInMB 1024-6144 "in 1 GB increments", ServerlessMaxConcurrency 1-200, ProvisionedConcurrency <= MaxConcurrency). */
export const SERVERLESS_API_LIMITS = { memoryMb: [1024, 6144], memoryStepMb: 1024, maxConcurrency: [1, 200] } as const;

/** Findings for a serverless variant: memory and concurrency instead of instance type and count. */
export function serverlessFindings(where: string, sc: Record<string, unknown>, cfg: CapacityConfig): string[] {
    const f: string[] = [];
    if (!cfg.allowServerless) {
        f.push(
            `${where}: serverless variants are not allowed in this environment (its endpoints need the VPC, network isolation and data capture, which Serverless Inference excludes)`,
        );
    }
    const L = SERVERLESS_API_LIMITS;
    const mem = sc.memorySizeInMb;
    const mc = sc.maxConcurrency;
    const pc = sc.provisionedConcurrency;
    if (typeof mem === "number") {
        if (mem < L.memoryMb[0] || mem > L.memoryMb[1] || mem % L.memoryStepMb !== 0)
            f.push(`${where}: memorySizeInMb ${mem} is not one of 1024, 2048, 3072, 4096, 5120, 6144`);
        else if (mem > cfg.maxServerlessMemoryMb) f.push(`${where}: memorySizeInMb ${mem} exceeds maxServerlessMemoryMb ${cfg.maxServerlessMemoryMb}`);
    }
    if (typeof mc === "number") {
        if (!Number.isInteger(mc) || mc < L.maxConcurrency[0] || mc > L.maxConcurrency[1])
            f.push(`${where}: maxConcurrency ${mc} is outside SageMaker's 1-200`);
        else if (mc > cfg.maxServerlessConcurrency) f.push(`${where}: maxConcurrency ${mc} exceeds maxServerlessConcurrency ${cfg.maxServerlessConcurrency}`);
    }
    if (typeof pc === "number" && typeof mc === "number" && (pc < 1 || pc > mc))
        f.push(`${where}: provisionedConcurrency ${pc} must be 1 to maxConcurrency (${mc})`);
    return f;
}

export const CAPACITY_DEFAULTS: CapacityConfig = {
    allowedInstanceFamilies: ["ml.t3", "ml.m5", "ml.c5"],
    allowedInstanceSizes: ["medium", "large", "xlarge", "2xlarge"],
    allowedInstanceTypes: [],
    allowAccelerated: false,
    maxInstanceCount: 4,
    minProductionVariantInstances: 1,
    workloads: {},
    allowServerless: true,
    maxServerlessMemoryMb: 6144,
    maxServerlessConcurrency: 200,
};

export const CAPACITY_TYPES = {
    endpointConfiguration: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    trainingJob: "aws:sagemaker/trainingJob:TrainingJob",
    dataQualityJobDefinition: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    monitoringSchedule: "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    notebookInstance: "aws:sagemaker/notebookInstance:NotebookInstance",
    autoscalingTarget: "aws:appautoscaling/target:Target",
} as const;

const NAME = "instance-types-and-capacity";

function allowlistFor(cfg: CapacityConfig, w: Workload): Allowlist {
    return (
        cfg.workloads[w] ?? {
            families: cfg.allowedInstanceFamilies,
            sizes: cfg.allowedInstanceSizes,
            types: cfg.allowedInstanceTypes,
            allowAccelerated: cfg.allowAccelerated,
        }
    );
}

/** Findings for one (instance type, count) use. Unknown values are skipped by the caller. */
export function instanceFindings(where: string, type: unknown, count: unknown, workload: Workload, cfg: CapacityConfig): string[] {
    const f: string[] = [];
    if (typeof type === "string" && !isUnknown(type)) {
        const a = allowlistFor(cfg, workload);
        const parsed = parseInstanceType(type);
        if (!parsed) {
            f.push(`${where}: "${type}" is not a SageMaker instance type (ml.<family>.<size>)`);
        } else if (parsed.accelerated && !(a.allowAccelerated ?? false) && !(a.types ?? []).includes(type)) {
            f.push(`${where}: accelerated (GPU/ML chip) instance ${type} is not allowed in this environment`);
        } else if (!instanceTypeAllowed(type, { families: a.families, sizes: a.sizes, explicit: a.types })) {
            f.push(`${where}: ${type} is not in the ${workload} allowlist (families ${a.families.join(", ")}; sizes ${a.sizes.join(", ")})`);
        }
    }
    if (typeof count === "number" && count > cfg.maxInstanceCount) {
        f.push(`${where}: ${count} instances exceeds maxInstanceCount ${cfg.maxInstanceCount}`);
    }
    return f;
}

export function capacityFindings(type: string, props: Record<string, any>, cfg: CapacityConfig): string[] {
    const T = CAPACITY_TYPES;
    const f: string[] = [];
    switch (type) {
        case T.endpointConfiguration: {
            for (const listName of ["productionVariants", "shadowProductionVariants"]) {
                const variants = props[listName];
                (Array.isArray(variants) ? variants : []).forEach((v: Record<string, any>, i: number) => {
                    const where = `${listName}[${i}]${v.variantName ? ` (${v.variantName})` : ""}`;
                    if (v.serverlessConfig && v.instanceType === undefined) {
                        // memory and concurrency instead of an instance type and count
                        f.push(...serverlessFindings(where, v.serverlessConfig as Record<string, unknown>, cfg));
                        return;
                    }
                    f.push(...instanceFindings(where, v.instanceType, v.initialInstanceCount, "endpoint", cfg));
                    if (listName === "productionVariants") {
                        const n = v.initialInstanceCount;
                        if (typeof n === "number" && n < cfg.minProductionVariantInstances) {
                            f.push(`${where}: initialInstanceCount ${n} is below the minimum ${cfg.minProductionVariantInstances} for this environment`);
                        } else if (n === undefined && cfg.minProductionVariantInstances > 1) {
                            f.push(`${where}: initialInstanceCount is not set (minimum ${cfg.minProductionVariantInstances})`);
                        }
                    }
                });
            }
            break;
        }
        case T.trainingJob: {
            const rc = props.resourceConfig ?? {};
            if (rc.instanceType !== undefined || rc.instanceCount !== undefined) {
                f.push(...instanceFindings("resourceConfig", rc.instanceType, rc.instanceCount, "training", cfg));
            }
            (Array.isArray(rc.instanceGroups) ? rc.instanceGroups : []).forEach((g: Record<string, any>, i: number) => {
                f.push(...instanceFindings(`resourceConfig.instanceGroups[${i}]`, g.instanceType, g.instanceCount, "training", cfg));
            });
            break;
        }
        case T.dataQualityJobDefinition: {
            const c = props.jobResources?.clusterConfig;
            if (c) {
                f.push(...instanceFindings("jobResources.clusterConfig", c.instanceType, c.instanceCount, "monitoring", cfg));
            }
            break;
        }
        case T.monitoringSchedule: {
            const c = props.monitoringScheduleConfig?.monitoringJobDefinition?.monitoringResources?.clusterConfig;
            if (c) {
                f.push(...instanceFindings("monitoringJobDefinition.monitoringResources.clusterConfig", c.instanceType, c.instanceCount, "monitoring", cfg));
            }
            break;
        }
        case T.notebookInstance:
            f.push(...instanceFindings("instanceType", props.instanceType, undefined, "notebook", cfg));
            break;
        case T.autoscalingTarget:
            if (props.serviceNamespace === "sagemaker" && typeof props.maxCapacity === "number" && props.maxCapacity > cfg.maxInstanceCount) {
                f.push(`maxCapacity ${props.maxCapacity} exceeds maxInstanceCount ${cfg.maxInstanceCount}`);
            }
            break;
    }
    return f;
}

const allowlistSchema = {
    type: "object" as const,
    properties: {
        families: { type: "array" as const, items: { type: "string" as const } },
        sizes: { type: "array" as const, items: { type: "string" as const } },
        types: { type: "array" as const, items: { type: "string" as const } },
        allowAccelerated: { type: "boolean" as const },
    },
    required: ["families", "sizes"],
};

export const instanceTypesAndCapacity: PlatformResourcePolicy = definePolicy({
    kind: "resource",
    name: NAME,
    description:
        "SageMaker instance types are in the environment's allowlist, instance counts stay under the maximum, and production variants meet the minimum instance count.",
    enforcementLevel: "advisory",
    exemptable: true,
    types: Object.values(CAPACITY_TYPES),
    severity: "medium",
    frameworks: ["AWS FSBP SageMaker.4", "AWS Well-Architected COST06 (right-size)", "AWS Well-Architected REL10 (multi-AZ)"],
    tags: ["cost", "capacity", "availability"],
    remediationSteps:
        "Pick an instance type from the environment's allowlist (see the policy config for the stack), lower the instance count or autoscaling maxCapacity, " +
        "and in prod run every production variant with initialInstanceCount >= 2 so SageMaker can spread it across Availability Zones. " +
        "Serverless variants: memorySizeInMb 1024-6144 in 1024 MB steps and maxConcurrency within the environment's caps; keep prod provisioned.",
    configSchema: {
        properties: {
            allowedInstanceFamilies: { type: "array", items: { type: "string" }, default: CAPACITY_DEFAULTS.allowedInstanceFamilies },
            allowedInstanceSizes: { type: "array", items: { type: "string" }, default: CAPACITY_DEFAULTS.allowedInstanceSizes },
            allowedInstanceTypes: { type: "array", items: { type: "string" }, default: [] },
            allowAccelerated: { type: "boolean", default: false },
            maxInstanceCount: { type: "integer", minimum: 1, default: CAPACITY_DEFAULTS.maxInstanceCount },
            minProductionVariantInstances: { type: "integer", minimum: 1, default: 1 },
            allowServerless: { type: "boolean", default: true },
            maxServerlessMemoryMb: { type: "integer", minimum: 1024, maximum: 6144, default: 6144 },
            maxServerlessConcurrency: { type: "integer", minimum: 1, maximum: 200, default: 200 },
            workloads: {
                type: "object",
                properties: { endpoint: allowlistSchema, training: allowlistSchema, monitoring: allowlistSchema, notebook: allowlistSchema },
                additionalProperties: false,
                default: {},
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (!Object.values(CAPACITY_TYPES).includes(args.type as never)) {
            return;
        }
        const cfg = withDefaults(args.getConfig, CAPACITY_DEFAULTS);
        reportFindings(NAME, reportViolation, args, capacityFindings(args.type, args.props, cfg), false, args.getConfig);
    },
});
