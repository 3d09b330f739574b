/** SageMaker-specific lookups shared by the stack policies. */
import { StackResource, knownOrUndefined, ofType, resolveRefs, toPlain } from "./stack";
import { isUnknown } from "./unknowns";

export const SM = {
    endpoint: "aws:sagemaker/endpoint:Endpoint",
    endpointConfiguration: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    monitoringSchedule: "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    dataQualityJobDefinition: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    autoscalingTarget: "aws:appautoscaling/target:Target",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    lambda: "aws:lambda/function:Function",
    serverlessMonitor: "mlplatform:monitoring:ServerlessMonitor",
    distributedMonitor: "mlplatform:monitoring:DistributedMonitor",
} as const;

/** The endpoint's name when known (the `name` input; autonamed endpoints have it after `check`). */
export function endpointName(ep: StackResource): string | undefined {
    const n = knownOrUndefined(ep.props, "name");
    return typeof n === "string" && n !== "" && !isUnknown(n) ? n : undefined;
}

export function configsOfEndpoint(ep: StackResource, resources: StackResource[]): StackResource[] {
    return resolveRefs(ep, "endpointConfigName", ofType(resources, SM.endpointConfiguration), ["name"]);
}

export interface Variant {
    variantName?: string;
    instanceType?: string;
    initialInstanceCount?: number;
    serverless: boolean;
}

export function productionVariants(cfg: StackResource): Variant[] {
    const raw = toPlain(knownOrUndefined(cfg.props, "productionVariants"));
    if (!Array.isArray(raw)) {
        return [];
    }
    return raw
        .filter((v) => v && typeof v === "object")
        .map((v: Record<string, any>) => ({
            variantName: typeof v.variantName === "string" && !isUnknown(v.variantName) ? v.variantName : undefined,
            instanceType: typeof v.instanceType === "string" && !isUnknown(v.instanceType) ? v.instanceType : undefined,
            initialInstanceCount: typeof v.initialInstanceCount === "number" ? v.initialInstanceCount : undefined,
            serverless: !!v.serverlessConfig && v.instanceType === undefined,
        }));
}

/**
 * True when `referrer` points at endpoint `ep` through `prop`: either the engine recorded `ep` as a
 * dependency of that property, or `value` (a name found inside the property) equals the endpoint's name.
 */
export function refersToEndpoint(referrer: StackResource, prop: string, value: unknown, ep: StackResource): boolean {
    const deps = referrer.propertyDependencies?.[prop];
    if (deps && deps.some((d) => d.urn === ep.urn)) {
        return true;
    }
    const name = endpointName(ep);
    return name !== undefined && typeof value === "string" && value === name;
}

/** Dependencies-based fallback: `referrer` depends on `ep` at all (any property or explicit dependsOn). */
export function dependsOn(referrer: StackResource, ep: StackResource): boolean {
    if (referrer.dependencies?.some((d) => d.urn === ep.urn)) {
        return true;
    }
    return Object.values(referrer.propertyDependencies ?? {}).some((ds) => ds.some((d) => d.urn === ep.urn));
}
