/**
 * A probe of the access contract (one request with the answer it must get) and the builders every part of the contract
 * uses: `need` (must be Allowed), `deny` (must be Denied), and the GitHub OIDC facts of a role's trust policy.
 */
import type { AccessModel, ProbeInput } from "./model";

export interface Probe extends ProbeInput {
    expect: "Allowed" | "Denied";
    /** Grouping for reports: `step:train`, `delivery:cloudtrail`, `forbidden:anonymous`, ... */
    group: string;
    why: string;
}

const probe =
    (expect: Probe["expect"]) =>
    (group: string, principal: string, action: string, resource: string, why: string, extra: Partial<Probe> = {}): Probe => ({
        expect,
        group,
        principal,
        action,
        resource,
        why,
        ...extra,
    });

/** A needed access: the probe must be Allowed. */
export const need = probe("Allowed");
/** A forbidden access: the probe must be Denied. */
export const deny = probe("Denied");

/** The GitHub OIDC provider a role trusts, the repository of its subject and the provider's host (condition-key prefix). */
export function githubOidcOf(m: AccessModel, key: string): { provider: string; repo: string; host: string } | undefined {
    const r = m.roles.find((x) => x.key === key);
    const provider = r?.trust?.statements.flatMap((s) => (s.principal && s.principal !== "*" ? (s.principal.Federated ?? []) : []))[0];
    const subject = r?.trust?.statements.flatMap((s) => Object.values(s.condition.StringLike ?? {}).flat())[0];
    const repo = subject ? /^repo:([^:]+):/.exec(String(subject))?.[1] : undefined;
    if (!provider || !repo) return undefined;
    return { provider, repo, host: provider.replace(/^.*:oidc-provider\//, "") };
}

/** The web-identity token claims a GitHub job presents (audience and subject). */
export const webIdentity = (host: string, sub: string, aud = "sts.amazonaws.com") => ({ [`${host}:aud`]: aud, [`${host}:sub`]: sub });
