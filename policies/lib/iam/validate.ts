/**
 * Validates IAM policy documents against the policy grammar and the Service Authorization Reference
 * (./reference.ts): what `pulumi up` cannot see until AWS rejects a document (MalformedPolicyDocument) or, worse,
 * accepts it and the grant or guard silently never applies.
 *
 * Checks, per statement:
 *  - grammar: Effect `Allow`/`Deny`; exactly one of Action/NotAction; Resource/NotResource present in identity and
 *    resource policies and absent in trust policies; Principal/NotPrincipal present in resource, trust and VPC
 *    endpoint policies and absent in identity policies; known statement elements and condition operators
 *    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html);
 *  - actions: every action exists; every wildcard matches at least one action;
 *  - condition keys: every key is global or known for its service, applies to every action of the statement
 *    (the action's own keys or its resource types' keys; `...IfExists` operators excepted: they are written for
 *    requests without the key), and is not marked deprecated;
 *  - resources: ARNs are well formed; every resource can name a resource type of some action of the statement; every
 *    action can act on some resource of the statement; actions without resource-level permissions (only `"*"`) are
 *    not given specific ARNs;
 *  - principals of resource, trust and endpoint policies have one of the documented forms
 *    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
 */
import {
    actionExists,
    actionInfo,
    arnProblems,
    conditionKeyApplies,
    conditionKeyInfo,
    expandAction,
    globalConditionKey,
    matchingResourceTypes,
    resourceMatchesArnFormat,
    serviceExists,
} from "./reference";
import { isUnknown, needKnown, rawTarget } from "../unknowns";

/**
 * identity: attached to a user/role/group (inline, managed, permissions boundary); resource: bucket, key, topic,
 * function, log, event-bus... policies; trust: a role's assume-role policy; endpoint: a VPC endpoint policy.
 */
export type PolicyKind = "identity" | "resource" | "trust" | "endpoint";

export type FindingCode =
    | "document"
    | "statement"
    | "unknown-action"
    | "unknown-condition-operator"
    | "condition-type-mismatch"
    | "unknown-condition-key"
    | "inapplicable-condition-key"
    | "deprecated-condition-key"
    | "malformed-arn"
    | "resource-type-mismatch"
    | "action-without-resource"
    | "wildcard-only-action"
    | "principal";

export interface PolicyFinding {
    code: FindingCode;
    /** Statement index (0-based) and Sid, when the finding is about a statement. */
    statement?: number;
    sid?: string;
    message: string;
}

export interface ValidationResult {
    findings: PolicyFinding[];
    statements: number;
    /** Distinct concrete actions checked (wildcards expanded). */
    actions: number;
}

const STATEMENT_KEYS = new Set(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"]);
const BASE_OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
];

/** A condition operator of the grammar (`StringEquals`, `ForAnyValue:StringLike`, `ArnLikeIfExists`, `Null`). */
export function parseConditionOperator(op: string): { base: string; ifExists: boolean; set?: "ForAllValues" | "ForAnyValue" } | undefined {
    let rest = op;
    let set: "ForAllValues" | "ForAnyValue" | undefined;
    const m = /^(ForAllValues|ForAnyValue):(.+)$/.exec(rest);
    if (m) {
        set = m[1] as "ForAllValues" | "ForAnyValue";
        rest = m[2];
    }
    if (rest === "Null") return set ? undefined : { base: "Null", ifExists: false };
    const ifExists = rest.endsWith("IfExists");
    const base = ifExists ? rest.slice(0, -"IfExists".length) : rest;
    return BASE_OPERATORS.includes(base) ? { base, ifExists, set } : undefined;
}

/**
 * The key types an operator family compares (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html);
 * string and ARN operators are not listed: string operators apply to every key type.
 */
const OPERATOR_KEY_TYPES: Record<string, string[]> = {
    Numeric: ["Numeric"],
    Date: ["Date"],
    Bool: ["Bool"],
    IpAddress: ["IPAddress"],
    NotIpAddress: ["IPAddress"],
    Arn: ["ARN", "String"],
};
function operatorFamily(base: string): string | undefined {
    if (base === "IpAddress" || base === "NotIpAddress" || base === "Bool") return base;
    return ["Numeric", "Date", "Arn"].find((f) => base.startsWith(f));
}

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const PRINCIPAL_ARN =
    /^arn:(aws|aws-cn|aws-us-gov|aws-iso(-[a-z])?|aws-eusc):(iam::(\d{12}):(root|(role|user|federated-user)\/[\w+=,.@/-]+)|sts::(\d{12}):assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+)$/;
const FEDERATED =
    /^(cognito-identity\.amazonaws\.com|www\.amazon\.com|graph\.facebook\.com|accounts\.google\.com|arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(saml-provider\/[\w.-]+|oidc-provider\/[\w./-]+))$/;
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;

function principalFindings(p: unknown, element: string): string[] {
    if (p === "*") return [];
    if (typeof p === "string") return [`${element} '${p}' must be "*" or an object such as {"AWS": ...} or {"Service": ...}`];
    if (!p || typeof p !== "object" || Array.isArray(p)) return [`${element} must be "*" or an object of principal types`];
    const out: string[] = [];
    for (const [type, values] of Object.entries(p as Record<string, unknown>)) {
        for (const v of asList(values)) {
            if (typeof v !== "string") {
                out.push(`${element}.${type}: value ${JSON.stringify(v)} is not a string`);
                continue;
            }
            if (type === "AWS") {
                if (v !== "*" && !/^\d{12}$/.test(v) && !PRINCIPAL_ARN.test(v))
                    out.push(`${element}.AWS '${v}' is not "*", an account id or an IAM root/role/user/assumed-role ARN`);
            } else if (type === "Service") {
                if (!SERVICE_PRINCIPAL.test(v)) out.push(`${element}.Service '${v}' is not a service principal (<service>.amazonaws.com)`);
            } else if (type === "Federated") {
                if (!FEDERATED.test(v)) out.push(`${element}.Federated '${v}' is not an identity provider (SAML/OIDC provider ARN or a web identity provider)`);
            } else if (type === "CanonicalUser") {
                if (!/^[0-9a-f]{64}$/.test(v)) out.push(`${element}.CanonicalUser '${v}' is not a 64-hex canonical user id`);
            } else {
                out.push(`${element}: unknown principal type '${type}' (AWS, Service, Federated, CanonicalUser)`);
                break;
            }
        }
    }
    return out;
}

function findUnknown(v: unknown, p: (string | number)[]): (string | number)[] | undefined {
    if (isUnknown(v)) return p;
    if (v && typeof v === "object") {
        const target = rawTarget(v) as Record<string, unknown>;
        for (const [k, x] of Object.entries(target)) {
            const hit = findUnknown(x, [...p, Array.isArray(target) ? Number(k) : k]);
            if (hit) return hit;
        }
    }
    return undefined;
}

const hasWildcard = (a: string) => /[*?]/.test(a);

/**
 * Validates one policy document (JSON text or object) of the given kind. Every problem is a finding; an empty list
 * means the document is valid against the grammar and the reference.
 */
export function validatePolicyDocument(doc: unknown, kind: PolicyKind, property: (string | number)[] = ["policy"]): ValidationResult {
    // A document not known until apply (preview of a new stack) cannot be judged: raise the policy runtime's unknown
    // error, so the pack reports the policy as not evaluated (see ../unknowns.ts), as for every other unknown input.
    const unknownPath = findUnknown(doc, property);
    if (unknownPath) needKnown("string", unknownPath);
    const findings: PolicyFinding[] = [];
    const actionsSeen = new Set<string>();
    let obj: unknown = doc;
    if (typeof doc === "string") {
        try {
            obj = JSON.parse(doc);
        } catch (e) {
            return { findings: [{ code: "document", message: `not valid JSON (${(e as Error).message})` }], statements: 0, actions: 0 };
        }
    }
    if (!obj || typeof obj !== "object" || Array.isArray(obj))
        return { findings: [{ code: "document", message: "a policy document must be a JSON object" }], statements: 0, actions: 0 };
    const d = obj as Record<string, unknown>;
    for (const k of Object.keys(d))
        if (!["Version", "Id", "Statement"].includes(k))
            findings.push({ code: "document", message: `unknown top-level element '${k}' (Version, Id, Statement)` });
    if (d.Version !== undefined && d.Version !== "2012-10-17" && d.Version !== "2008-10-17")
        findings.push({ code: "document", message: `Version '${String(d.Version)}' is not 2012-10-17` });
    if (d.Version !== "2012-10-17" && JSON.stringify(d.Statement ?? "").includes("${"))
        findings.push({ code: "document", message: 'policy variables (${...}) need "Version": "2012-10-17"; without it they are literal text' });
    const statements = asList(d.Statement);
    if (statements.length === 0) findings.push({ code: "document", message: "no Statement" });
    const sids = new Set<string>();

    statements.forEach((raw, index) => {
        const sid =
            raw && typeof raw === "object" && typeof (raw as Record<string, unknown>).Sid === "string"
                ? ((raw as Record<string, unknown>).Sid as string)
                : undefined;
        const add = (code: FindingCode, message: string) => findings.push({ code, statement: index, ...(sid !== undefined ? { sid } : {}), message });
        if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
            add("statement", "a statement must be an object");
            return;
        }
        const s = raw as Record<string, unknown>;
        for (const k of Object.keys(s)) if (!STATEMENT_KEYS.has(k)) add("statement", `unknown element '${k}'`);
        if (sid !== undefined) {
            if (sids.has(sid)) add("statement", `duplicate Sid '${sid}'`);
            sids.add(sid);
            if (kind === "identity" && !/^[A-Za-z0-9]*$/.test(sid)) add("statement", `Sid '${sid}': identity policies allow only A-Z, a-z, 0-9 in a Sid`);
        }
        if (s.Effect !== "Allow" && s.Effect !== "Deny") add("statement", `Effect ${JSON.stringify(s.Effect)} must be "Allow" or "Deny"`);
        const hasA = s.Action !== undefined;
        const hasNA = s.NotAction !== undefined;
        if (hasA === hasNA) add("statement", "exactly one of Action and NotAction is required");
        const hasR = s.Resource !== undefined || s.NotResource !== undefined;
        if (s.Resource !== undefined && s.NotResource !== undefined) add("statement", "Resource and NotResource are mutually exclusive");
        if (kind === "trust" && hasR) add("statement", "a trust policy has no Resource: the role itself is the resource");
        if ((kind === "identity" || kind === "resource") && !hasR) add("statement", "Resource or NotResource is required");
        const hasP = s.Principal !== undefined || s.NotPrincipal !== undefined;
        if (kind === "identity" && hasP) add("principal", "an identity policy has no Principal: the identity it is attached to is the principal");
        if (kind !== "identity" && !hasP) add("principal", `a ${kind} policy statement needs a Principal`);
        if (s.Principal !== undefined && s.NotPrincipal !== undefined) add("principal", "Principal and NotPrincipal are mutually exclusive");
        if (kind !== "identity") {
            if (s.Principal !== undefined) for (const m of principalFindings(s.Principal, "Principal")) add("principal", m);
            if (s.NotPrincipal !== undefined) for (const m of principalFindings(s.NotPrincipal, "NotPrincipal")) add("principal", m);
        }

        // Actions.
        const actionItems = asList(hasA ? s.Action : s.NotAction);
        const concrete: string[] = []; // exact actions that exist
        const expansions: { pattern: string; actions: string[] }[] = [];
        for (const a of actionItems) {
            if (typeof a !== "string") {
                add("unknown-action", `action ${JSON.stringify(a)} is not a string`);
                continue;
            }
            if (a === "*") continue;
            if (kind === "trust" && hasA && !/^sts:/i.test(a))
                add(
                    "statement",
                    `'${a}': a trust policy grants only sts: actions (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML, TagSession, SetSourceIdentity, SetContext)`,
                );
            const i = a.indexOf(":");
            if (i <= 0) {
                add("unknown-action", `'${a}' is not service:action`);
                continue;
            }
            const service = a.slice(0, i);
            if (!hasWildcard(service) && !serviceExists(service)) {
                add("unknown-action", `'${a}': unknown service prefix '${service}' in the Service Authorization Reference`);
                continue;
            }
            if (hasWildcard(a)) {
                const ex = expandAction(a);
                if (ex.length === 0) add("unknown-action", `'${a}' matches no action of '${service}'`);
                else expansions.push({ pattern: a, actions: ex });
                ex.forEach((x) => actionsSeen.add(x.toLowerCase()));
            } else if (!actionExists(a)) {
                add("unknown-action", `'${a}' is not an action of '${service}' in the Service Authorization Reference`);
            } else {
                concrete.push(actionInfo(a)!.action);
                actionsSeen.add(a.toLowerCase());
            }
        }
        const wholeWildcard = actionItems.includes("*");

        // Condition operators and keys.
        const cond = s.Condition;
        if (cond !== undefined && (!cond || typeof cond !== "object" || Array.isArray(cond)))
            add("statement", "Condition must be an object of operator -> {key: values}");
        const condEntries = cond && typeof cond === "object" && !Array.isArray(cond) ? Object.entries(cond as Record<string, unknown>) : [];
        const reportedUnknown = new Set<string>();
        for (const [op, body] of condEntries) {
            const parsed = parseConditionOperator(op);
            if (!parsed) add("unknown-condition-operator", `unknown condition operator '${op}'`);
            if (!body || typeof body !== "object" || Array.isArray(body)) {
                add("statement", `Condition '${op}' must be an object of key -> values`);
                continue;
            }
            for (const key of Object.keys(body as Record<string, unknown>)) {
                const global = globalConditionKey(key);
                const info = conditionKeyInfo(key);
                const allActions = [...concrete, ...expansions.flatMap((e) => e.actions)];
                const appliesSomewhere = allActions.some((a) => conditionKeyApplies(a, key));
                if (!global && !info && !appliesSomewhere) {
                    if (!reportedUnknown.has(key.toLowerCase()))
                        add(
                            "unknown-condition-key",
                            `condition key '${key}' is neither a global key nor a key of ${key.includes(":") ? `'${key.split(":")[0]}'` : "any service"} in the Service Authorization Reference`,
                        );
                    reportedUnknown.add(key.toLowerCase());
                    continue;
                }
                const family = parsed ? operatorFamily(parsed.base) : undefined;
                const keyType = info?.type.replace(/^ArrayOf/, "");
                if (family && keyType && !OPERATOR_KEY_TYPES[family].includes(keyType)) {
                    add(
                        "condition-type-mismatch",
                        `operator '${op}' compares ${OPERATOR_KEY_TYPES[family].join("/")} values, but '${key}' is of type ${info!.type}`,
                    );
                }
                if (info?.deprecated && !reportedUnknown.has(`dep:${key.toLowerCase()}`)) {
                    reportedUnknown.add(`dep:${key.toLowerCase()}`);
                    add(
                        "deprecated-condition-key",
                        `condition key '${key}' is deprecated in the Service Authorization Reference${info.replacedBy ? `; use '${info.replacedBy}'` : ""}`,
                    );
                }
                if (global || !hasA || wholeWildcard || parsed?.ifExists) continue;
                // A service key must apply to each action of the statement: otherwise the request for that action
                // never carries the key and the condition (except Null/IfExists forms) never matches.
                for (const a of concrete) {
                    if (!conditionKeyApplies(a, key))
                        add(
                            "inapplicable-condition-key",
                            `condition key '${key}' (${op}) does not apply to '${a}': the reference lists it for neither the action nor its resource types, so requests for '${a}' never carry it`,
                        );
                }
                for (const e of expansions) {
                    if (!e.actions.some((a) => conditionKeyApplies(a, key)))
                        add("inapplicable-condition-key", `condition key '${key}' (${op}) applies to none of the actions '${e.pattern}' matches`);
                }
            }
        }

        // Resources.
        const resourceItems = asList(s.Resource !== undefined ? s.Resource : s.NotResource).filter((r): r is string => {
            if (typeof r !== "string") add("malformed-arn", `resource ${JSON.stringify(r)} is not a string`);
            return typeof r === "string";
        });
        for (const r of resourceItems) for (const m of arnProblems(r)) add("malformed-arn", m);
        if (!hasA || s.Resource === undefined || kind === "trust") return;
        const specific = resourceItems.filter((r) => r !== "*" && r.startsWith("arn:") && arnProblems(r).length === 0);
        const hasStar = resourceItems.includes("*");
        if (wholeWildcard) return;
        for (const a of concrete) {
            const info = actionInfo(a)!;
            if (info.wildcardOnly) {
                if (!hasStar && specific.length > 0)
                    add(
                        "wildcard-only-action",
                        `'${a}' (${info.accessLevel}) supports no resource-level permissions and needs "Resource": "*"; it is scoped to ${specific.join(", ")} and is therefore never allowed`,
                    );
                continue;
            }
            if (hasStar || specific.length === 0) continue;
            if (!specific.some((r) => matchingResourceTypes(a, r).length > 0)) {
                add(
                    "action-without-resource",
                    `'${a}' acts on ${info.resourceTypes.map((t) => `${t.name} (${t.arn})`).join(", ")}; none of the statement's resources (${specific.join(", ")}) is of those types`,
                );
            }
        }
        const everyAction = [...concrete, ...expansions.flatMap((e) => e.actions)];
        if (everyAction.length === 0) return;
        for (const r of specific) {
            const ok = everyAction.some((a) => {
                const info = actionInfo(a)!;
                return info.resourceTypes.some((t) => t.arn !== "" && resourceMatchesArnFormat(r, t.arn));
            });
            if (!ok)
                add(
                    "resource-type-mismatch",
                    `resource '${r}' matches no resource type of ${everyAction.length === 1 ? `'${everyAction[0]}'` : `any of the statement's ${everyAction.length} actions`}`,
                );
        }
    });
    return { findings, statements: statements.length, actions: actionsSeen.size };
}

export function formatFinding(f: PolicyFinding): string {
    const where = f.statement === undefined ? "" : `statement ${f.statement}${f.sid ? ` (Sid "${f.sid}")` : ""}: `;
    return `[${f.code}] ${where}${f.message}`;
}
