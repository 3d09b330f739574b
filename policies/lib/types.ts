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
import { allowExemptionsSchema, declareExemptable } from "./exemptions";

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
    /** Control references, e.g. "CIS AWS Foundations 3.0.0 3.5", "NIST SP 800-53 SC-28". */
    frameworks: string[];
    /** Free-form categories, e.g. "security", "encryption", "cost". */
    tags: string[];
}

export interface PlatformResourcePolicy extends ResourceValidationPolicy {
    kind: "resource";
    enforcementLevel: EnforcementLevel;
    configSchema: PolicyConfigSchema;
    severity: Severity;
    remediationSteps: string;
    frameworks: string[];
    tags: string[];
    /** Whether resources may be exempted by default (config `allowExemptions` overrides it per environment). */
    exemptable: boolean;
    validateResource: ResourceValidation;
    remediateResource?: ResourceRemediation;
}

export interface PlatformStackPolicy extends StackValidationPolicy {
    kind: "stack";
    enforcementLevel: EnforcementLevel;
    configSchema: PolicyConfigSchema;
    severity: Severity;
    remediationSteps: string;
    frameworks: string[];
    tags: string[];
    /** Whether resources may be exempted by default (config `allowExemptions` overrides it per environment). */
    exemptable: boolean;
    validateStack: StackValidation;
}

export type PlatformPolicy = PlatformResourcePolicy | PlatformStackPolicy;

/** The Pulumi types a resource policy inspects; listed for documentation and tests. */
export type TypeToken = string;

/**
 * Registers a policy's exemptability and adds the `allowExemptions` config property (default: `exemptable`) to its
 * schema. Every policy of the pack is defined through this.
 */
export function definePolicy<T extends PlatformPolicy>(p: T): T {
    declareExemptable(p.name, p.exemptable);
    p.configSchema = { ...p.configSchema, properties: { ...(p.configSchema.properties ?? {}), allowExemptions: allowExemptionsSchema(p.exemptable) } };
    return p;
}
