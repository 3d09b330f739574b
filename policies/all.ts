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
import { ebsRdsEncryption } from "./rules/ebs-rds-encryption";
import { iamPrivilegeEscalation } from "./rules/iam-privilege-escalation";
import { iamUsersAndKeys } from "./rules/iam-users-and-keys";
import { internetPaths } from "./rules/internet-paths";
import { lambdaHardening } from "./rules/lambda-hardening";
import { queueAndSecretEncryption } from "./rules/queue-and-secret-encryption";
import { resourcePolicyExternalAccess } from "./rules/resource-policy-external-access";
import { s3PublicAccess } from "./rules/s3-public-access";
import { sagemakerHardening } from "./rules/sagemaker-hardening";
import { vpcDefaultDeny } from "./rules/vpc-default-deny";
import { vpcFlowLogs } from "./rules/vpc-flow-logs";

export const all: PlatformPolicy[] = [
    requiredTags,
    encryptionAtRestAndInTransit,
    s3EncryptionAndTls,
    leastPrivilegeIam,
    iamPrivilegeEscalation,
    resourcePolicyExternalAccess,
    s3PublicAccess,
    iamUsersAndKeys,
    queueAndSecretEncryption,
    lambdaHardening,
    networkIsolation,
    vpcDefaultDeny,
    internetPaths,
    vpcFlowLogs,
    sagemakerHardening,
    ebsRdsEncryption,
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
    ebsRdsEncryption,
    iamPrivilegeEscalation,
    iamUsersAndKeys,
    internetPaths,
    lambdaHardening,
    queueAndSecretEncryption,
    resourcePolicyExternalAccess,
    s3PublicAccess,
    sagemakerHardening,
    vpcDefaultDeny,
    vpcFlowLogs,
    encryptionAtRestAndInTransit,
    endpointAutoscaling,
    instanceTypesAndCapacity,
    leastPrivilegeIam,
    monitoringCoverage,
    networkIsolation,
    requiredTags,
    s3EncryptionAndTls,
};
