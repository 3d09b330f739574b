/**
 * Every policy of the pack, in report order. Importing this module has no side effects (no
 * PolicyPack, no gRPC server), so tests and the offline gate can use it directly.
 */
import { PlatformPolicy, PlatformResourcePolicy, PlatformStackPolicy } from "./lib/types";
import { costWithinBudget } from "./rules/cost-within-budget";
import { detectiveControls } from "./rules/detective-controls";
import { encryptionAtRestAndInTransit } from "./rules/encryption-at-rest-and-in-transit";
import { endpointAutoscaling } from "./rules/endpoint-autoscaling";
import { instanceTypesAndCapacity } from "./rules/instance-types-and-capacity";
import { leastPrivilegeIam } from "./rules/least-privilege-iam";
import { monitoringCoverage } from "./rules/monitoring-coverage";
import { networkIsolation } from "./rules/network-isolation";
import { requiredTags } from "./rules/required-tags";
import { s3EncryptionAndTls } from "./rules/s3-encryption-and-tls";

export const all: PlatformPolicy[] = [
    requiredTags,
    encryptionAtRestAndInTransit,
    s3EncryptionAndTls,
    leastPrivilegeIam,
    networkIsolation,
    instanceTypesAndCapacity,
    endpointAutoscaling,
    monitoringCoverage,
    costWithinBudget,
    detectiveControls,
];

export const resourcePolicies: PlatformResourcePolicy[] = all.filter((p): p is PlatformResourcePolicy => p.kind === "resource");
export const stackPolicies: PlatformStackPolicy[] = all.filter((p): p is PlatformStackPolicy => p.kind === "stack");

export function policyByName(name: string): PlatformPolicy | undefined {
    return all.find((p) => p.name === name);
}

export {
    costWithinBudget,
    detectiveControls,
    encryptionAtRestAndInTransit,
    endpointAutoscaling,
    instanceTypesAndCapacity,
    leastPrivilegeIam,
    monitoringCoverage,
    networkIsolation,
    requiredTags,
    s3EncryptionAndTls,
};
