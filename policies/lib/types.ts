/**
 * Policy object shapes used by this pack.
 *
 * Every policy is a plain `@pulumi/policy` policy object (so `new PolicyPack({ policies })` takes
 * it unchanged) plus our metadata. `@pulumi/policy` 1.21 already knows `severity`, `tags` and
 * `remediationSteps` (sent to the CLI/Cloud); `frameworks` is ours (the runtime ignores unknown
 * fields) and lists the control references a finding maps to.
 */
import {
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceRemediation,
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationPolicy,
} from "@pulumi/policy";

export type Severity = "low" | "medium" | "high" | "critical";

/** Our metadata; every field is required on our policies (the runtime's `Policy` has them optional). */
export interface PlatformPolicyMetadata {
    name: string;
    description: string;
    /** Default level; environments override it in `policies/config/<env>.json`. */
    enforcementLevel: EnforcementLevel;
    configSchema: PolicyConfigSchema;
    severity: Severity;
    /** What to change in the program to fix a violation (Markdown). */
    remediationSteps: string;
    /** Per-rule remediation for a policy that checks several things: the first whose `match` fits a message. */
    ruleRemediations?: RuleRemediation[];
    /** Control references, e.g. "CIS AWS Foundations 3.0.0 3.5", "NIST SP 800-53 SC-28". */
    frameworks: string[];
    /** Free-form categories, e.g. "security", "encryption", "cost". */
    tags: string[];
}

/** The remediation of one rule of a policy, chosen by the violation's message. */
export interface RuleRemediation {
    match: RegExp;
    steps: string;
}

export interface PlatformResourcePolicy extends ResourceValidationPolicy {
    kind: "resource";
    enforcementLevel: EnforcementLevel;
    configSchema: PolicyConfigSchema;
    severity: Severity;
    remediationSteps: string;
    ruleRemediations?: RuleRemediation[];
    frameworks: string[];
    tags: string[];
    validateResource: ResourceValidation;
    remediateResource?: ResourceRemediation;
}

export interface PlatformStackPolicy extends StackValidationPolicy {
    kind: "stack";
    enforcementLevel: EnforcementLevel;
    configSchema: PolicyConfigSchema;
    severity: Severity;
    remediationSteps: string;
    ruleRemediations?: RuleRemediation[];
    frameworks: string[];
    tags: string[];
    validateStack: StackValidation;
}

export type PlatformPolicy = PlatformResourcePolicy | PlatformStackPolicy;

/** The Pulumi types a resource policy inspects; listed for documentation and tests. */
export type TypeToken = string;

/**
 * The remediation for one violation: the policy's rule remediation whose `match` fits the message, else the policy's
 * whole `remediationSteps` (never another rule's advice).
 */
export function remediationFor(policy: Pick<PlatformPolicyMetadata, "remediationSteps" | "ruleRemediations">, message: string): string {
    return policy.ruleRemediations?.find((r) => r.match.test(message))?.steps ?? policy.remediationSteps;
}
