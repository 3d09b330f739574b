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
import { withDefaults } from "./config";
import { allowExemptionsSchema, declareExemptable } from "./exemptions";
import { reportFindings } from "./report";

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
    /** Whether resources may be exempted by default (config `allowExemptions` overrides it per environment). */
    exemptable: boolean;
    /**
     * The resource types the policy inspects, when it is a fixed list: the policy reports nothing (no violation, no
     * exemption, no unknown read) for any other type, so the offline gate does not call it for them.
     */
    types?: readonly string[];
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

/**
 * A resource policy from its metadata, the types it inspects and a pure findings function (config merged with the
 * policy's defaults). Findings go through reportFindings (exemption governance included).
 */
export function resourceRule<C extends object>(
    meta: Omit<PlatformResourcePolicy, "kind" | "validateResource" | "configSchema" | "enforcementLevel"> & {
        configSchema?: PolicyConfigSchema;
        enforcementLevel?: EnforcementLevel;
    },
    types: readonly string[],
    defaults: C,
    findings: (
        type: string,
        props: Record<string, any>,
        cfg: C,
        args: { urn: string; name: string; provider?: { type: string; props: Record<string, any> } },
    ) => string[],
): PlatformResourcePolicy & { types: readonly string[]; defaults: C } {
    const set = new Set(types);
    const p = definePolicy({
        ...meta,
        kind: "resource" as const,
        enforcementLevel: meta.enforcementLevel ?? "advisory",
        configSchema: meta.configSchema ?? { properties: {} },
        types,
        defaults,
        validateResource: (args, reportViolation) => {
            if (!set.has(args.type)) return;
            const cfg = withDefaults(args.getConfig, defaults);
            reportFindings(meta.name, reportViolation, args, findings(args.type, args.props, cfg, args), false, args.getConfig);
        },
    } as PlatformResourcePolicy & { types: readonly string[]; defaults: C });
    return p;
}

/**
 * The remediation for one violation: the policy's rule remediation whose `match` fits the message, else the policy's
 * whole `remediationSteps` (never another rule's advice).
 */
export function remediationFor(policy: Pick<PlatformPolicyMetadata, "remediationSteps" | "ruleRemediations">, message: string): string {
    return policy.ruleRemediations?.find((r) => r.match.test(message))?.steps ?? policy.remediationSteps;
}
