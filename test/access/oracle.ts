/** Runs one generated scenario through our evaluator and through @cloud-copilot/iam-simulate (AGPL, dev-only oracle). */
import { anonymousPrincipal, runSimulation } from "@cloud-copilot/iam-simulate";
import { evaluate, parsePolicy, principalFromString, Verdict } from "../../policies/lib/iam/evaluator";
import { Scenario } from "./generate";

export function resourcePolicyMode(action: string): "optional" | "required" {
    return /^kms:/i.test(action) || /^sts:AssumeRole/i.test(action) ? "required" : "optional";
}

export function ours(s: Scenario): Verdict {
    return evaluate({
        request: {
            principal: principalFromString(s.principal),
            action: s.action,
            resource: s.resource,
            resourceAccount: s.resourceAccount,
            context: s.context,
        },
        identityPolicies: s.identityPolicies.map((p) => parsePolicy(p.name, p.policy)),
        permissionsBoundary: s.boundary ? parsePolicy("boundary", s.boundary) : undefined,
        resourcePolicy: s.resourcePolicy ? parsePolicy("resource", s.resourcePolicy) : undefined,
        resourcePolicyMode: resourcePolicyMode(s.action),
    }).verdict;
}

export interface OracleAnswer {
    verdict: Verdict | "error";
    /** Context keys the oracle dropped as not applicable to the action (our side must then not see them either). */
    ignoredContextKeys: string[];
    error?: string;
}

/** The oracle validates the request (actions, resource types, context keys) and drops context keys the action does not support. */
export async function oracle(s: Scenario): Promise<OracleAnswer> {
    const anon = s.principal === "anonymous";
    const res = await runSimulation(
        {
            request: {
                principal: anon ? anonymousPrincipal : s.principal,
                action: s.action,
                resource: { resource: s.resource, accountId: s.resourceAccount },
                contextVariables: s.context,
            },
            identityPolicies: s.identityPolicies,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: s.resourcePolicy,
            permissionBoundaryPolicies: s.boundary ? [{ name: "boundary", policy: s.boundary }] : undefined,
        },
        {},
    );
    if (res.resultType === "error")
        return { verdict: "error", ignoredContextKeys: [], error: res.errors.message + " " + JSON.stringify(res.errors).slice(0, 400) };
    if (res.resultType === "single") return { verdict: res.overallResult as Verdict, ignoredContextKeys: res.result.ignoredContextKeys ?? [] };
    return { verdict: res.overallResult as Verdict, ignoredContextKeys: res.results[0]?.ignoredContextKeys ?? [] };
}
