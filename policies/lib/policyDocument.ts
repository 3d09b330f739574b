/**
 * IAM / resource policy documents.
 *
 * Documents arrive as JSON strings (`aws.iam.getPolicyDocument(...).json`, `JSON.stringify(...)`)
 * or as objects (`aws.iam.PolicyDocument` passed directly). `Statement` may be an array or a
 * single object; `Action`, `Resource`, `Principal` values may be strings or arrays. Everything is
 * normalised to arrays here so the checks never branch on shape.
 */
import { isUnknown, needKnown } from "./unknowns";

export interface NormalizedStatement {
    sid?: string;
    effect: "Allow" | "Deny";
    actions: string[];
    notActions: string[];
    resources: string[];
    notResources: string[];
    /** `"*"` when the principal is the bare wildcard; otherwise a map of principal type -> values. */
    principal?: "*" | Record<string, string[]>;
    notPrincipal?: "*" | Record<string, string[]>;
    /** operator -> condition key -> values */
    condition: Record<string, Record<string, string[]>>;
    index: number;
}

export interface ParsedDocument {
    statements: NormalizedStatement[];
    /** Problems with the document itself (not JSON, no statements...). */
    errors: string[];
}

function toArray(v: unknown): string[] {
    if (v === undefined || v === null) {
        return [];
    }
    const arr = Array.isArray(v) ? v : [v];
    return arr.map((x) => String(x));
}

function pick(o: Record<string, unknown>, key: string): unknown {
    // Policy grammar keys are case-sensitive in AWS, but generated docs sometimes use lower-case.
    if (key in o) {
        return o[key];
    }
    const lower = key.toLowerCase();
    for (const k of Object.keys(o)) {
        if (k.toLowerCase() === lower) {
            return o[k];
        }
    }
    return undefined;
}

function normPrincipal(p: unknown): "*" | Record<string, string[]> | undefined {
    if (p === undefined || p === null) {
        return undefined;
    }
    if (typeof p === "string") {
        return p === "*" ? "*" : { AWS: [p] };
    }
    if (typeof p === "object" && !Array.isArray(p)) {
        const out: Record<string, string[]> = {};
        for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
            out[k] = toArray(v);
        }
        return out;
    }
    return { AWS: toArray(p) };
}

function normCondition(c: unknown): Record<string, Record<string, string[]>> {
    const out: Record<string, Record<string, string[]>> = {};
    if (!c || typeof c !== "object") {
        return out;
    }
    for (const [op, body] of Object.entries(c as Record<string, unknown>)) {
        out[op] = {};
        if (body && typeof body === "object") {
            for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
                out[op][k] = toArray(v);
            }
        }
    }
    return out;
}

/**
 * Parses a policy document. `path` names the property for unknown-value errors: a document that
 * is unknown during preview (e.g. built from other resources' ARNs with `pulumi.interpolate`)
 * raises the runtime's unknown error, so the policy is reported as not fully evaluated.
 */
export function parsePolicyDocument(doc: unknown, path: (string | number)[] = ["policy"]): ParsedDocument {
    if (isUnknown(doc)) {
        needKnown("string", path);
    }
    let obj: unknown = doc;
    if (typeof doc === "string") {
        if (doc.trim() === "") {
            return { statements: [], errors: ["policy document is empty"] };
        }
        try {
            obj = JSON.parse(doc);
        } catch (e) {
            // A JSON string containing an unknown sentinel is not valid JSON; the sentinel inside the
            // text means the string is still being computed.
            return { statements: [], errors: [`policy document is not valid JSON (${(e as Error).message})`] };
        }
    }
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) {
        return { statements: [], errors: ["policy document is not an object"] };
    }
    const rawStatements = pick(obj as Record<string, unknown>, "Statement");
    const list = rawStatements === undefined ? [] : Array.isArray(rawStatements) ? rawStatements : [rawStatements];
    const statements: NormalizedStatement[] = [];
    list.forEach((s, index) => {
        if (!s || typeof s !== "object") {
            return;
        }
        const st = s as Record<string, unknown>;
        const effect = String(pick(st, "Effect") ?? "Allow") === "Deny" ? "Deny" : "Allow";
        statements.push({
            sid: pick(st, "Sid") === undefined ? undefined : String(pick(st, "Sid")),
            effect,
            actions: toArray(pick(st, "Action")),
            notActions: toArray(pick(st, "NotAction")),
            resources: toArray(pick(st, "Resource")),
            notResources: toArray(pick(st, "NotResource")),
            principal: normPrincipal(pick(st, "Principal")),
            notPrincipal: normPrincipal(pick(st, "NotPrincipal")),
            condition: normCondition(pick(st, "Condition")),
            index,
        });
    });
    return { statements, errors: [] };
}

export function statementLabel(s: NormalizedStatement): string {
    return s.sid ? `statement ${s.index} (Sid "${s.sid}")` : `statement ${s.index}`;
}

/** Compiled patterns (a pattern is matched against many actions; compiling dominated the least-privilege policy). */
const globCache = new Map<string, RegExp>();

/** Case-insensitive IAM wildcard match (`*` any run, `?` one character). */
export function iamGlobMatch(pattern: string, value: string): boolean {
    let re = globCache.get(pattern);
    if (!re) {
        re = new RegExp(
            "^" +
                pattern
                    .split("")
                    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
                    .join("") +
                "$",
            "i",
        );
        if (globCache.size >= 10_000) globCache.clear();
        globCache.set(pattern, re);
    }
    return re.test(value);
}

/** `*` or `service:*`. */
export function isFullWildcardAction(action: string): boolean {
    return action === "*" || /^[a-z0-9-]+:\*$/i.test(action);
}

// Verbs of actions that only read or list. Anything else is treated as write or permissions
// management (the conservative side for a least-privilege check).
const READ_VERBS = [
    "Get",
    "List",
    "Describe",
    "Head",
    "Search",
    "Query",
    "Select",
    "BatchGet",
    "View",
    "Lookup",
    "Scan",
    "Read",
    "Download",
    "Check",
    "Validate",
    "Preview",
    "Test",
];

/**
 * True when an action (possibly with wildcards) can only grant read/list access. `s3:Get*` is read;
 * `s3:*Object`, `s3:Put*`, `kms:*` are not.
 */
export function isReadOnlyAction(action: string): boolean {
    const idx = action.indexOf(":");
    if (idx < 0) {
        return false;
    }
    const op = action.slice(idx + 1);
    if (op === "" || op.startsWith("*") || op.startsWith("?")) {
        return false;
    }
    return READ_VERBS.some((v) => {
        if (op.length >= v.length) {
            return op.slice(0, v.length).toLowerCase() === v.toLowerCase() && (op.length === v.length || /[A-Z*]/.test(op[v.length]));
        }
        return false;
    });
}

/** The principal values of a given type (`AWS`, `Service`, `Federated`, `CanonicalUser`). */
export function principalValues(p: NormalizedStatement["principal"], type: string): string[] {
    if (!p || p === "*") {
        return [];
    }
    return p[type] ?? [];
}

/** True when the statement's principal is `*` or contains `{"AWS": "*"}`. */
export function hasWildcardPrincipal(s: NormalizedStatement): boolean {
    if (s.principal === "*") {
        return true;
    }
    if (s.principal && typeof s.principal === "object") {
        return Object.values(s.principal).some((vals) => vals.includes("*"));
    }
    return false;
}

/**
 * Condition keys that pin a wildcard-principal grant to our organisation, account, network or a
 * specific source resource.
 */
export const RESTRICTING_CONDITION_KEYS = [
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:userid",
    "kms:calleraccount",
];

export function hasRestrictingCondition(s: NormalizedStatement): boolean {
    for (const [op, body] of Object.entries(s.condition)) {
        // `...IfExists` operators do not restrict when the key is absent.
        if (/IfExists$/i.test(op) || /^Null$/i.test(op)) {
            continue;
        }
        for (const [key, values] of Object.entries(body)) {
            if (RESTRICTING_CONDITION_KEYS.includes(key.toLowerCase()) && values.length > 0 && !values.includes("*")) {
                return true;
            }
        }
    }
    return false;
}

/** Condition value(s) for a key under any operator (case-insensitive key match). */
export function conditionValues(s: NormalizedStatement, key: string): { operator: string; values: string[] }[] {
    const out: { operator: string; values: string[] }[] = [];
    for (const [op, body] of Object.entries(s.condition)) {
        for (const [k, v] of Object.entries(body)) {
            if (k.toLowerCase() === key.toLowerCase()) {
                out.push({ operator: op, values: v });
            }
        }
    }
    return out;
}

/**
 * True when the statement denies every principal's requests made without TLS (`aws:SecureTransport` = false): a Deny
 * for Principal "*" (or `{AWS: "*"}`) whose only condition is the SecureTransport one. A deny scoped to one principal,
 * or narrowed by further conditions, does not make the resource TLS-only.
 */
export function isDenyInsecureTransport(s: NormalizedStatement): boolean {
    if (s.effect !== "Deny" || !hasWildcardPrincipal(s)) {
        return false;
    }
    const keys = Object.values(s.condition).flatMap((body) => Object.keys(body));
    if (keys.some((k) => k.toLowerCase() !== "aws:securetransport")) {
        return false;
    }
    const coversAll = s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*");
    if (!coversAll) {
        return false;
    }
    return conditionValues(s, "aws:SecureTransport").some((c) => /^Bool$/i.test(c.operator) && c.values.map((v) => v.toLowerCase()).includes("false"));
}
