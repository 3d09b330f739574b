/**
 * An IAM policy evaluator (Apache-2.0, no dependencies outside `policies/`).
 *
 * It decides one request – principal, action, resource, request context – against the policies that apply to it,
 * the way AWS documents its enforcement logic:
 *
 * - Policy evaluation logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 *   and its parts "How AWS enforcement code logic evaluates requests to allow or deny access"
 *   (reference_policies_evaluation-logic_policy-eval-denyallow.html) and "Policy evaluation for requests within a
 *   single account" (reference_policies_evaluation-logic_policy-eval-basics.html):
 *   1. an explicit Deny in any applicable policy (identity, permissions boundary, resource) decides;
 *   2. within one account an Allow in the identity policies *or* in the resource policy suffices, with the documented
 *      exception that a resource policy naming an IAM *role* ARN (not the role session) is still limited by an implicit
 *      deny of the role's permissions boundary; a resource policy naming the role *session* ARN or an IAM user ARN is not;
 *   3. the permissions boundary limits what identity policies grant (both must allow):
 *      https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html – including "The NotPrincipal
 *      element with a Deny effect will always deny any IAM principal that has a permissions boundary policy attached".
 * - Cross-account: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 *   – the identity side (identity ∩ boundary) and the resource policy of the other account must both allow.
 * - A resource policy whose Principal is the account (`arn:aws:iam::<acct>:root` or the bare id) delegates to the
 *   account's IAM policies: it does not by itself grant to a principal of that account.
 * - KMS: "No AWS principal, including the account root user or key creator, has any permissions to a KMS key unless
 *   they are explicitly allowed, and never denied, in a key policy" – IAM policies count only when the key policy
 *   allows the account (the root principal): https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 *   and https://docs.aws.amazon.com/kms/latest/developerguide/control-access.html. Role trust policies behave the same
 *   for sts:AssumeRole*: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html (the trust policy
 *   must name the principal, or the account whose IAM policies must then also allow the call).
 * - AWS service principals (`cloudtrail.amazonaws.com`) and anonymous callers have no identity policies: only the
 *   resource policy can allow them (`"Principal": "*"` includes anonymous callers).
 * - Elements: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html (Action/NotAction,
 *   Resource/NotResource, Principal/NotPrincipal, wildcards `*` and `?`; actions are case-insensitive, resources are not).
 *
 * Every decision names the statements that decided it (policy id + Sid/index), so a failing probe explains itself.
 * Not modelled (none exist in this platform): SCPs, RCPs, session policies, VPC endpoint policies, ACLs.
 */
import { arnMatch, ContextValues, evaluateConditions, globMatch, RequestContext, unresolvedVariable } from "./conditions";

export { RequestContext } from "./conditions";
export type { ContextValues } from "./conditions";

// ---------- policies ----------

export interface Statement {
    sid?: string;
    index: number;
    effect: "Allow" | "Deny";
    actions?: string[];
    notActions?: string[];
    resources?: string[];
    notResources?: string[];
    principal?: "*" | Record<string, string[]>;
    notPrincipal?: "*" | Record<string, string[]>;
    condition: Record<string, Record<string, string[]>>;
}

export interface Policy {
    /** Names the policy in explanations: `role/ml-training inline "s3"`, `key policy of data key`... */
    id: string;
    version?: string;
    statements: Statement[];
}

function arr(v: unknown): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

function principalElement(p: unknown): Statement["principal"] {
    if (p === undefined || p === null) return undefined;
    if (p === "*") return "*";
    if (typeof p === "string") return { AWS: [p] };
    if (typeof p === "object" && !Array.isArray(p)) {
        const out: Record<string, string[]> = {};
        for (const [k, v] of Object.entries(p as Record<string, unknown>)) out[k] = arr(v) ?? [];
        return out;
    }
    return { AWS: arr(p) ?? [] };
}

/** Parses a policy document (JSON text or object) into a Policy. Throws with the id on malformed input. */
export function parsePolicy(id: string, doc: unknown): Policy {
    let obj: unknown = doc;
    if (typeof doc === "string") {
        try {
            obj = JSON.parse(doc);
        } catch (e) {
            throw new Error(`${id}: policy document is not valid JSON (${(e as Error).message})`);
        }
    }
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) throw new Error(`${id}: policy document is not a JSON object`);
    const o = obj as Record<string, unknown>;
    const raw = o.Statement;
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const statements: Statement[] = list.map((s, index) => {
        const st = (s ?? {}) as Record<string, unknown>;
        const cond: Statement["condition"] = {};
        if (st.Condition && typeof st.Condition === "object") {
            for (const [op, body] of Object.entries(st.Condition as Record<string, unknown>)) {
                cond[op] = {};
                for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) cond[op][k] = arr(v) ?? [];
            }
        }
        return {
            sid: st.Sid === undefined ? undefined : String(st.Sid),
            index,
            effect: st.Effect === "Deny" ? "Deny" : "Allow",
            actions: arr(st.Action),
            notActions: arr(st.NotAction),
            resources: arr(st.Resource),
            notResources: arr(st.NotResource),
            principal: principalElement(st.Principal),
            notPrincipal: principalElement(st.NotPrincipal),
            condition: cond,
        };
    });
    return { id, version: o.Version === undefined ? undefined : String(o.Version), statements };
}

// ---------- principals ----------

export type Principal =
    | { type: "anonymous" }
    | { type: "service"; service: string }
    | { type: "federated"; provider: string }
    /** An IAM role (acting through a session). `sessionArn` is `arn:aws:sts::<acct>:assumed-role/<name>/<session>`. */
    | { type: "role"; arn: string; account: string; sessionArn?: string }
    | { type: "user"; arn: string; account: string }
    | { type: "root"; account: string };

export function accountOf(p: Principal): string | undefined {
    return p.type === "role" || p.type === "user" || p.type === "root" ? p.account : undefined;
}

/** Principal from an ARN or name: role/user/root ARNs, assumed-role session ARNs, service principals, account ids. */
export function principalFromString(s: string): Principal {
    if (s === "anonymous" || s === "*") return { type: "anonymous" };
    if (/^\d{12}$/.test(s)) return { type: "root", account: s };
    let m = /^arn:([^:]+):iam::(\d{12}):root$/.exec(s);
    if (m) return { type: "root", account: m[2] };
    m = /^arn:([^:]+):iam::(\d{12}):role\/(.+)$/.exec(s);
    if (m) return { type: "role", arn: s, account: m[2] };
    m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(s);
    if (m) return { type: "role", arn: `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`, account: m[2], sessionArn: s };
    m = /^arn:([^:]+):iam::(\d{12}):user\/(.+)$/.exec(s);
    if (m) return { type: "user", arn: s, account: m[2] };
    if (
        /^arn:[^:]+:iam::\d{12}:(oidc|saml)-provider\//.test(s) ||
        /^(cognito-identity\.amazonaws\.com|accounts\.google\.com|graph\.facebook\.com|www\.amazon\.com)$/.test(s)
    ) {
        return { type: "federated", provider: s };
    }
    if (/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(s)) return { type: "service", service: s };
    throw new Error(
        `not a principal: '${s}' (expected a role/user/root ARN, an assumed-role ARN, a 12-digit account id, a service principal such as cloudtrail.amazonaws.com, an OIDC/SAML provider ARN, or 'anonymous')`,
    );
}

export function principalLabel(p: Principal): string {
    switch (p.type) {
        case "anonymous":
            return "anonymous";
        case "service":
            return p.service;
        case "federated":
            return `federated ${p.provider}`;
        case "root":
            return `account ${p.account}`;
        default:
            return p.type === "role" && p.sessionArn ? p.sessionArn : p.arn;
    }
}

/** How a Principal element matched: by name (or "*"), by the role session, or by the principal's account. */
type PrincipalMatch = "none" | "direct" | "session" | "account";

function matchPrincipalValues(el: Statement["principal"], p: Principal): PrincipalMatch {
    if (!el) return "none";
    // "*" names every principal, the role session included: like a session ARN it is not limited by a boundary.
    if (el === "*") return p.type === "role" ? "session" : "direct";
    let best: PrincipalMatch = "none";
    const rank = { none: 0, account: 1, session: 2, direct: 3 } as const;
    const take = (m: PrincipalMatch) => {
        if (rank[m] > rank[best]) best = m;
    };
    for (const [type, values] of Object.entries(el)) {
        const t = type.toLowerCase();
        for (const v of values) {
            if (t === "aws") {
                if (v === "*") take(p.type === "role" ? "session" : "direct");
                else if (p.type === "anonymous" || p.type === "service" || p.type === "federated") continue;
                else if (/^\d{12}$/.test(v) || /^arn:[^:]+:iam::\d{12}:root$/.test(v)) {
                    const acct = /^\d{12}$/.test(v) ? v : v.split(":")[4];
                    if (p.type === "root" && p.account === acct) take("direct");
                    else if (accountOf(p) === acct) take("account");
                } else if (p.type === "role" && v === p.arn) take("direct");
                else if (p.type === "role" && p.sessionArn && v === p.sessionArn) take("session");
                else if (p.type === "user" && v === p.arn) take("direct");
            } else if (t === "service") {
                if (p.type === "service" && (v === "*" || v.toLowerCase() === p.service.toLowerCase())) take("direct");
            } else if (t === "federated") {
                if (p.type === "federated" && (v === "*" || v === p.provider)) take("direct");
            }
        }
    }
    return best;
}

// ---------- requests and decisions ----------

export interface Request {
    principal: Principal;
    action: string;
    /** ARN of the resource ("*" for actions without a resource type). */
    resource: string;
    /** The account that owns the resource; needed for S3 ARNs, which carry none. */
    resourceAccount?: string;
    context?: ContextValues;
}

export interface StatementRef {
    policy: string;
    /** "identity" | "boundary" | "resource" */
    kind: PolicyKind;
    sid?: string;
    index: number;
    effect: "Allow" | "Deny";
}

export type PolicyKind = "identity" | "boundary" | "resource";

export type Verdict = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface Decision {
    verdict: Verdict;
    allowed: boolean;
    /** One sentence: why. */
    reason: string;
    /** The statements that decided: the Deny statements for an explicit deny, the Allow statements that made it an Allow. */
    deciding: StatementRef[];
    /** All matching statements by policy kind (for the explain tool). */
    matched: StatementRef[];
}

export interface EvaluationInput {
    request: Request;
    /** Identity-based policies of the principal (inline and attached). */
    identityPolicies?: Policy[];
    permissionsBoundary?: Policy;
    /** The resource's policy (bucket policy, key policy, topic policy, role trust policy, ...). */
    resourcePolicy?: Policy;
    /**
     * "required": the resource policy must allow the principal or its account before identity policies count
     * (KMS key policies; IAM role trust policies for sts:AssumeRole*). "optional": the general rule.
     */
    resourcePolicyMode?: "optional" | "required";
}

export function statementLabel(r: StatementRef): string {
    return `${r.policy} ${r.sid ? `Sid "${r.sid}"` : `statement #${r.index}`} (${r.effect})`;
}

function ref(policy: Policy, kind: PolicyKind, s: Statement): StatementRef {
    return { policy: policy.id, kind, sid: s.sid, index: s.index, effect: s.effect };
}

function actionMatches(s: Statement, action: string): boolean {
    if (s.actions) return s.actions.some((a) => globMatch(a, action, true));
    if (s.notActions) return !s.notActions.some((a) => globMatch(a, action, true));
    return false;
}

function resourceMatches(s: Statement, resource: string, ctx: RequestContext, vars: boolean, kind: PolicyKind): boolean {
    if (s.resources) return s.resources.some((r) => arnMatch(r, resource, ctx, vars));
    if (s.notResources) {
        // A variable AWS cannot resolve makes its value unable to match (reference_policies_variables.html, "If AWS
        // cannot resolve a variable, this might cause the entire statement to be invalid"): in Resource that entry never
        // matches; in NotResource the element cannot be shown not to match, so the statement does not apply.
        if (vars && s.notResources.some((r) => unresolvedVariable(r, ctx))) return false;
        return !s.notResources.some((r) => arnMatch(r, resource, ctx, vars));
    }
    // A resource policy may omit Resource (role trust policies): it applies to the resource it is attached to.
    return kind === "resource";
}

interface Matched {
    ref: StatementRef;
    principalMatch: PrincipalMatch;
}

function matchPolicy(
    policy: Policy | undefined,
    kind: PolicyKind,
    req: Request,
    ctx: RequestContext,
    hasBoundary: boolean,
): { allows: Matched[]; denies: Matched[] } {
    const out = { allows: [] as Matched[], denies: [] as Matched[] };
    if (!policy) return out;
    const vars = policy.version === "2012-10-17";
    for (const s of policy.statements) {
        if (!actionMatches(s, req.action)) continue;
        if (!resourceMatches(s, req.resource, ctx, vars, kind)) continue;
        let pm: PrincipalMatch = "direct";
        if (kind === "resource") {
            if (s.principal) pm = matchPrincipalValues(s.principal, req.principal);
            else if (s.notPrincipal) {
                const excluded = matchPrincipalValues(s.notPrincipal, req.principal) !== "none";
                // access_policies_boundaries.html: NotPrincipal with Deny always denies a principal with a boundary.
                const boundaryCaveat = s.effect === "Deny" && hasBoundary && (req.principal.type === "role" || req.principal.type === "user");
                pm = !excluded || boundaryCaveat ? (req.principal.type === "role" ? "session" : "direct") : "none";
            } else pm = "none";
            if (pm === "none") continue;
        }
        if (!evaluateConditions(s.condition, ctx, vars).ok) continue;
        const m = { ref: ref(policy, kind, s), principalMatch: pm };
        (s.effect === "Deny" ? out.denies : out.allows).push(m);
    }
    return out;
}

/** Resource account from the ARN when it carries one. */
export function resourceAccountOf(resource: string): string | undefined {
    const parts = resource.split(":");
    return parts.length >= 6 && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}

/** Evaluates one request. */
export function evaluate(input: EvaluationInput): Decision {
    const req = input.request;
    const ctx = new RequestContext(req.context ?? {});
    const p = req.principal;
    const iamPrincipal = p.type === "role" || p.type === "user" || p.type === "root";
    const hasBoundary = !!input.permissionsBoundary && iamPrincipal;
    const idPolicies = iamPrincipal ? (input.identityPolicies ?? []) : [];
    const id = { allows: [] as Matched[], denies: [] as Matched[] };
    for (const pol of idPolicies) {
        const m = matchPolicy(pol, "identity", req, ctx, hasBoundary);
        id.allows.push(...m.allows);
        id.denies.push(...m.denies);
    }
    const pb = hasBoundary ? matchPolicy(input.permissionsBoundary, "boundary", req, ctx, hasBoundary) : undefined;
    const rp = matchPolicy(input.resourcePolicy, "resource", req, ctx, hasBoundary);
    const matched = [...id.denies, ...id.allows, ...(pb ? [...pb.denies, ...pb.allows] : []), ...rp.denies, ...rp.allows].map((m) => m.ref);
    const decide = (verdict: Verdict, reason: string, deciding: Matched[]): Decision => ({
        verdict,
        allowed: verdict === "Allowed",
        reason,
        deciding: deciding.map((m) => m.ref),
        matched,
    });

    // 1. Explicit deny anywhere.
    const denies = [...id.denies, ...(pb?.denies ?? []), ...rp.denies];
    if (denies.length) return decide("ExplicitlyDenied", "an explicit Deny applies", denies);

    const required = input.resourcePolicyMode === "required";
    const rpKind = required ? "the resource policy (it must allow the principal or its account)" : "the resource policy";
    const rpDirect = rp.allows.filter((m) => m.principalMatch === "direct" || (!iamPrincipal && m.principalMatch === "session"));
    const rpSession = rp.allows.filter((m) => m.principalMatch === "session");
    const rpAccount = rp.allows.filter((m) => m.principalMatch === "account");

    // 2. Principals without identity policies: the resource policy alone decides.
    if (!iamPrincipal) {
        if (rpDirect.length) return decide("Allowed", `${rpKind} allows ${principalLabel(p)}`, rpDirect);
        return decide(
            "ImplicitlyDenied",
            input.resourcePolicy
                ? `no statement of ${rpKind} allows ${principalLabel(p)}`
                : `${principalLabel(p)} has no identity policies and the resource has no resource policy`,
            [],
        );
    }
    // The account root user: full access within its own account, unless a key policy / trust policy leaves it out.
    const idAllow = p.type === "root" ? true : id.allows.length > 0;
    const pbAllow = !pb || pb.allows.length > 0;
    const identitySide = idAllow && pbAllow;
    const principalAccount = accountOf(p)!;
    const resourceAccount = req.resourceAccount ?? resourceAccountOf(req.resource) ?? principalAccount;
    const sameAccount = resourceAccount === principalAccount;
    const identityStmts = [...id.allows, ...(pb?.allows ?? [])];
    const whyIdentityNot = !idAllow ? "no identity policy allows it" : "the permissions boundary does not allow it";

    if (sameAccount && !required) {
        if (identitySide && p.type !== "root")
            return decide("Allowed", "identity policy allows it" + (pb ? " and the permissions boundary allows it" : ""), identityStmts);
        if (p.type === "root") return decide("Allowed", "the account root user has full access in its account", []);
        if (rpSession.length) return decide("Allowed", `${rpKind} allows the role session itself`, rpSession);
        if (rpDirect.length) {
            if (p.type === "user" || pbAllow) return decide("Allowed", `${rpKind} allows ${principalLabel(p)}`, rpDirect);
            return decide(
                "ImplicitlyDenied",
                `${rpKind} allows the role, but its permissions boundary does not (a resource policy naming a role ARN is limited by the boundary)`,
                [],
            );
        }
        return decide("ImplicitlyDenied", `${whyIdentityNot}, and no resource policy statement allows ${principalLabel(p)}`, []);
    }
    if (sameAccount && required) {
        if (rpSession.length) return decide("Allowed", `${rpKind} allows the role session itself`, rpSession);
        if (rpDirect.length) {
            if (p.type !== "role" || pbAllow) return decide("Allowed", `${rpKind} allows ${principalLabel(p)}`, rpDirect);
            return decide("ImplicitlyDenied", `${rpKind} allows the role, but its permissions boundary does not`, []);
        }
        if (rpAccount.length) {
            if (identitySide)
                return decide("Allowed", `${rpKind} delegates to the account and the identity policy allows it` + (pb ? " within the boundary" : ""), [
                    ...rpAccount,
                    ...identityStmts,
                ]);
            return decide("ImplicitlyDenied", `${rpKind} delegates to the account, but ${whyIdentityNot}`, rpAccount);
        }
        return decide(
            "ImplicitlyDenied",
            input.resourcePolicy
                ? `${rpKind} neither allows ${principalLabel(p)} nor delegates to account ${principalAccount}`
                : "the resource has no resource policy",
            [],
        );
    }
    // Cross-account: both sides.
    const rpAny = [...rpDirect, ...rpSession, ...rpAccount];
    if (!rpAny.length)
        return decide(
            "ImplicitlyDenied",
            `cross-account request (${principalAccount} → ${resourceAccount}): no statement of the resource policy allows ${principalLabel(p)} or its account`,
            [],
        );
    if (!identitySide)
        return decide("ImplicitlyDenied", `cross-account request: the resource policy allows it, but ${whyIdentityNot} in account ${principalAccount}`, rpAny);
    return decide("Allowed", "cross-account request allowed by both the identity side and the resource policy", [...rpAny, ...identityStmts]);
}
