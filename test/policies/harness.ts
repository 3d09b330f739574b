/**
 * Test harness for the policy pack. Builds validation args the way @pulumi/policy 1.21's server
 * does (see gate/evaluate.ts, which the offline gate uses too) and adds small builders.
 */
import * as fs from "fs";
import * as path from "path";
import {
    EvaluationContext,
    PolicyOutcome,
    ResourceInput,
    contextFromPackConfig,
    makeUrn,
    runRemediation,
    runResourcePolicy,
    runStackPolicy,
    secret,
} from "../../gate/evaluate";
import { PlatformResourcePolicy, PlatformStackPolicy } from "../../policies/lib/types";
import { UNKNOWN } from "../../policies/lib/unknowns";

export { UNKNOWN, secret, makeUrn, runRemediation };
export type { EvaluationContext, PolicyOutcome, ResourceInput };

export const REQUIRED_TAGS = {
    Project: "ml-platform",
    Environment: "dev",
    Owner: "ml-team",
    CostCenter: "cc-1234",
    DataClassification: "internal",
};

export function res(type: string, name: string, props: Record<string, unknown> = {}, extra: Partial<ResourceInput> = {}): ResourceInput {
    return { type, name, props, urn: makeUrn(type, name), ...extra };
}

export function awsProvider(defaultTags?: Record<string, unknown>, asJsonString = true, extraProps: Record<string, unknown> = {}) {
    const props: Record<string, unknown> = { region: "us-east-1", ...extraProps };
    if (defaultTags) {
        props.defaultTags = asJsonString ? JSON.stringify({ tags: defaultTags }) : { tags: defaultTags };
    }
    return { type: "pulumi:providers:aws", name: "default_7_48_0", props };
}

export function runR(policy: PlatformResourcePolicy, input: ResourceInput, ctx: EvaluationContext = {}): Promise<PolicyOutcome> {
    return runResourcePolicy(policy, input, ctx);
}

export function runS(policy: PlatformStackPolicy, inputs: ResourceInput[], ctx: EvaluationContext = {}): Promise<PolicyOutcome> {
    return runStackPolicy(policy, inputs, ctx);
}

/** The violation messages without the policy description prefix. */
export function messages(o: PolicyOutcome): string[] {
    return o.violations.map((v) => v.message.split("\n").slice(1).join("\n") || v.message);
}

export function packConfig(env: "dev" | "prod"): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "policies", "config", `${env}.json`), "utf8"));
}

export function envContext(env: "dev" | "prod", policyName: string): EvaluationContext {
    return contextFromPackConfig(packConfig(env), policyName);
}
