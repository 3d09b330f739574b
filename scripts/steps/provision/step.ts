/**
 * provision — the declaration both targets implement (one module, local.ts, handles both: the offline policy gate
 * locally, `pulumi up` with the policy pack on AWS) and the results later steps and people read.
 */
export const PROVISION = { name: "provision", dependsOn: [] } as const;

export interface ProvisionResults {
    /** Local target only: the offline gate's counts and cost estimate. */
    resources?: number;
    advisory?: number;
    exempted?: number;
    monthlyCostUsd?: number;
    budgetUsd?: number | null;
    region: string;
    /** The stack's endpoint name (null: the stack has no endpoint). */
    endpoint: string | null;
    modelPackageGroup: string;
}
