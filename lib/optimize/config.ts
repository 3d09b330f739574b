/**
 * The part of a stack's configuration the optimiser reads, as a narrow structural type: the engine never imports the
 * stack config parser (infra/config.ts sits above lib/), and infra's `PlatformConfig` satisfies this type as it is,
 * so the CLI passes the parsed stack config unchanged. A field the optimiser starts to read is added here.
 */

/** A production variant as the optimiser prices it (infra/config.ts VariantConfig). */
export interface OptimizerVariant {
    name: string;
    /** Provisioned variants: instance type and count (absent for a serverless variant). */
    instanceType?: string;
    initialInstanceCount?: number;
    /** Serverless variants (components/endpoint.ts ServerlessVariantConfig). */
    serverless?: { memorySizeInMb: number; maxConcurrency: number; provisionedConcurrency?: number };
}

export interface OptimizerConfig {
    stack: string;
    environment: "dev" | "prod";
    region: string;
    namePrefix: string;
    network: {
        allowInternetEgress: boolean;
        interfaceEndpoints: string[];
        interfaceEndpointAzs: number;
    };
    logs: { retentionDays: number };
    training: {
        instanceTypes: string[];
        useSpot: boolean;
        maxRuntimeSeconds: number;
    };
    endpoint: {
        input: "raw" | "features";
        variants: OptimizerVariant[];
        shadowVariant?: OptimizerVariant;
        captureSamplingPercentage: number;
        autoscaling: {
            minCapacity: number;
            maxCapacity: number;
            targetInvocationsPerInstance: number;
            scaleOutCooldownSeconds: number;
            /** Dev's scheduled scale-down (components/endpoint.ts ScaleSchedule). */
            schedule?: { scaleDownCron: string; scaleUpCron: string; timezone: string; minOutsideHours: number; maxOutsideHours: number };
        };
    };
    monitoring: { serverlessMonitor: boolean; modelMonitorSchedule: boolean };
    audit: { useExistingTrail: boolean };
    budget: { monthlyLimitUsd: number };
    pipeline: { latencySloMs: number };
}
