/**
 * Pulumi type tokens of the platform's components, one scheme: `mlplatform:<module>:<Type>`, the module being the
 * platform area (network, security, datalake, featurestore, registry, serving, monitoring, cost). A token is part of
 * every URN of the component and of its children, so renaming one is a state migration: the old token stays listed in
 * PREVIOUS_COMPONENT_TYPES and the component registers it as a Pulumi alias (components/type-token.ts), so an existing
 * stack keeps its resources instead of replacing them. Never remove an entry from PREVIOUS_COMPONENT_TYPES while a
 * stack deployed before the rename may still exist.
 *
 * The policy pack cannot import this file (policies/ is standalone); the tokens it matches on are its own copies,
 * kept equal by test/components/type-tokens.test.ts.
 */

export const COMPONENT_TYPES = {
    PlatformNetwork: "mlplatform:network:PlatformNetwork",
    PlatformSecurity: "mlplatform:security:PlatformSecurity",
    AuditTrail: "mlplatform:security:AuditTrail",
    CiReadOnlyRole: "mlplatform:security:CiReadOnlyRole",
    DetectiveControls: "mlplatform:security:DetectiveControls",
    DataLake: "mlplatform:datalake:DataLake",
    DataBucket: "mlplatform:datalake:DataBucket",
    FeatureStore: "mlplatform:featurestore:FeatureStore",
    ModelRegistry: "mlplatform:registry:ModelRegistry",
    ModelEndpoint: "mlplatform:serving:ModelEndpoint",
    Observability: "mlplatform:monitoring:Observability",
    Alerts: "mlplatform:monitoring:Alerts",
    ModelMonitorSchedule: "mlplatform:monitoring:ModelMonitorSchedule",
    ServerlessMonitor: "mlplatform:monitoring:ServerlessMonitor",
    DistributedMonitor: "mlplatform:monitoring:DistributedMonitor",
    CostGuardrails: "mlplatform:cost:CostGuardrails",
} as const;

export type ComponentName = keyof typeof COMPONENT_TYPES;
export type ComponentType = (typeof COMPONENT_TYPES)[ComponentName];

/** Tokens a component was registered under before (oldest first); each is an alias of the current token. */
export const PREVIOUS_COMPONENT_TYPES: Readonly<Partial<Record<ComponentName, readonly string[]>>> = {
    AuditTrail: ["mlplatform:components:AuditTrail"],
    CiReadOnlyRole: ["mlplatform:components:CiReadOnlyRole"],
    DetectiveControls: ["mlplatform:components:DetectiveControls"],
    ModelEndpoint: ["mlplatform:components:ModelEndpoint"],
    Observability: ["mlplatform:components:Observability"],
    Alerts: ["mlplatform:components:Alerts"],
    ModelMonitorSchedule: ["mlplatform:components:ModelMonitorSchedule"],
    CostGuardrails: ["mlplatform:components:CostGuardrails"],
};
