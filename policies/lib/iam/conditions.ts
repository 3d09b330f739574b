/**
 * IAM condition operators, policy variables and wildcard matching, implemented from AWS's documentation:
 *
 * - Condition operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 *   (String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress/NotIpAddress, Arn*, `...IfExists`, Null). "If the key that
 *   you specify in a policy condition is not present in the request context, the values do not match and the condition
 *   is false. If the policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and the
 *   right key is not present, the condition is true."
 * - Multiple keys and values: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
 *   (operators and keys are ANDed, values of one key ORed; a negated operator with several values is a NOR).
 * - Set operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 *   (`ForAllValues:` is true when every request value matches or the key is absent/empty; `ForAnyValue:` is true when at
 *   least one request value matches, false when the key is absent or empty).
 * - Policy variables: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 *   (`${key}`, `${key, 'default'}`, the escapes `${*}` `${?}` `${$}`; only in policies with Version 2012-10-17; a
 *   variable whose key is absent and has no default makes that value match nothing).
 */

/** Request context: condition key (case-insensitive) → value(s). A string[] is a multivalued key. */
export type ContextValues = Record<string, string | string[] | undefined>;

/** A case-insensitive view of the request context. */
export class RequestContext {
    private readonly map = new Map<string, string[]>();
    constructor(values: ContextValues = {}) {
        for (const [k, v] of Object.entries(values)) {
            if (v === undefined) continue;
            this.map.set(k.toLowerCase(), Array.isArray(v) ? v.map(String) : [String(v)]);
        }
    }
    /** The values of a key, or undefined when the key is absent. */
    get(key: string): string[] | undefined {
        return this.map.get(key.toLowerCase());
    }
    has(key: string): boolean {
        return this.map.has(key.toLowerCase());
    }
    /** True when the key was given as a list (multivalued). */
    entries(): [string, string[]][] {
        return [...this.map.entries()];
    }
}

// ---------- wildcard patterns with policy variables ----------

/** One piece of a compiled pattern: a literal run, or a wildcard. */
type Piece = { lit: string } | { any: true } | { one: true };

/**
 * Substitutes policy variables in `value` and splits it into literal and wildcard pieces. Returns undefined when a
 * variable names a key that is absent (or multivalued) and carries no default: per the policy-variables page such a
 * value cannot match. With `allowVariables` false (policy Version 2008-10-17 or none) `${...}` is literal text.
 */
export function compilePattern(value: string, ctx: RequestContext, allowVariables: boolean, wildcards: boolean): Piece[] | undefined {
    const pieces: Piece[] = [];
    let lit = "";
    const flush = () => {
        if (lit) pieces.push({ lit });
        lit = "";
    };
    for (let i = 0; i < value.length; i++) {
        const c = value[i];
        if (allowVariables && c === "$" && value[i + 1] === "{") {
            const end = value.indexOf("}", i + 2);
            if (end > 0) {
                const body = value.slice(i + 2, end);
                i = end;
                if (body === "*" || body === "?" || body === "$") {
                    lit += body;
                    continue;
                }
                const m = /^\s*([^,]+?)\s*(?:,\s*'([^']*)'\s*)?$/.exec(body);
                if (!m) return undefined;
                const vals = ctx.get(m[1]);
                if (vals && vals.length === 1) {
                    lit += vals[0];
                } else if (m[2] !== undefined) {
                    lit += m[2];
                } else {
                    return undefined;
                }
                continue;
            }
        }
        if (wildcards && c === "*") {
            flush();
            pieces.push({ any: true });
        } else if (wildcards && c === "?") {
            flush();
            pieces.push({ one: true });
        } else {
            lit += c;
        }
    }
    flush();
    return pieces;
}

/**
 * The first policy variable in `value` that cannot be resolved (key absent or multivalued, no default), or undefined.
 * The policy-variables page: "If AWS cannot resolve a variable, this might cause the entire statement to be invalid."
 */
export function unresolvedVariable(value: string, ctx: RequestContext): string | undefined {
    const re = /\$\{([^}]*)\}/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(value))) {
        const body = m[1];
        if (body === "*" || body === "?" || body === "$") continue;
        const mm = /^\s*([^,]+?)\s*(?:,\s*'([^']*)'\s*)?$/.exec(body);
        if (!mm) return body;
        const vals = ctx.get(mm[1]);
        if (!(vals && vals.length === 1) && mm[2] === undefined) return mm[1];
    }
    return undefined;
}

/** Operators whose values may hold policy variables (String and ARN families, per the policy-variables page). */
export function operatorTakesVariables(op: string): boolean {
    const base = parseOperator(op).base;
    return base.startsWith("string") || base.startsWith("arn");
}

/** Matches compiled pieces against a whole value (iterative, linear-ish backtracking on `*`). */
export function matchPieces(pieces: Piece[], value: string, ignoreCase: boolean): boolean {
    const v = ignoreCase ? value.toLowerCase() : value;
    const ps = ignoreCase ? pieces.map((p) => ("lit" in p ? { lit: p.lit.toLowerCase() } : p)) : pieces;
    return matchFrom(ps, 0, v, 0);
}

function matchFrom(ps: Piece[], pi: number, v: string, vi: number): boolean {
    while (pi < ps.length) {
        const p = ps[pi];
        if ("lit" in p) {
            if (!v.startsWith(p.lit, vi)) return false;
            vi += p.lit.length;
            pi++;
        } else if ("one" in p) {
            if (vi >= v.length) return false;
            vi++;
            pi++;
        } else {
            if (pi === ps.length - 1) return true;
            for (let k = vi; k <= v.length; k++) {
                if (matchFrom(ps, pi + 1, v, k)) return true;
            }
            return false;
        }
    }
    return vi === v.length;
}

const plainCache = new Map<string, Piece[]>();
/** Wildcard match without variables (actions: case-insensitive). */
export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
    let p = plainCache.get(pattern);
    if (!p) {
        p = compilePattern(pattern, new RequestContext(), false, true)!;
        if (plainCache.size > 20000) plainCache.clear();
        plainCache.set(pattern, p);
    }
    return matchPieces(p, value, ignoreCase);
}

/**
 * ARN matching as the Resource element and the Arn* operators do it: the six colon-separated parts
 * (arn:partition:service:region:account:resource) are compared part by part, wildcards inside a part; the resource
 * part keeps its own colons. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
 */
export function arnMatch(pattern: string, value: string, ctx: RequestContext, allowVariables: boolean): boolean {
    if (pattern === "*") return true;
    const pp = splitArn(pattern);
    const vp = splitArn(value);
    if (!pp || !vp) {
        // Not ARN-shaped (e.g. a bare "*"-prefixed pattern): whole-value match.
        const pieces = compilePattern(pattern, ctx, allowVariables, true);
        return !!pieces && matchPieces(pieces, value, false);
    }
    for (let i = 0; i < 6; i++) {
        const pieces = compilePattern(pp[i], ctx, allowVariables, true);
        if (!pieces || !matchPieces(pieces, vp[i], false)) return false;
    }
    return true;
}

function splitArn(s: string): string[] | undefined {
    const parts = s.split(":");
    if (parts.length < 6) return undefined;
    return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

// ---------- typed comparisons ----------

function toNumber(s: string): number | undefined {
    if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)) return undefined;
    return Number(s);
}

/** ISO 8601 date/time or epoch seconds (both accepted by the Date operators). */
export function toDate(s: string): number | undefined {
    if (/^\s*-?\d+\s*$/.test(s)) return Number(s) * 1000;
    if (!/^\d{4}-\d{2}-\d{2}/.test(s.trim())) return undefined;
    const t = Date.parse(s.trim());
    return Number.isNaN(t) ? undefined : t;
}

function parseIp(s: string): { v6: boolean; n: bigint } | undefined {
    s = s.trim();
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
        const parts = s.split(".").map(Number);
        if (parts.some((p) => p > 255)) return undefined;
        return { v6: false, n: parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
    }
    if (s.includes(":")) {
        let head = s;
        let tailV4: number[] | undefined;
        const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
        if (v4) {
            tailV4 = v4[1].split(".").map(Number);
            head = s.slice(0, s.length - v4[1].length) + "0:0";
        }
        const dbl = head.split("::");
        if (dbl.length > 2) return undefined;
        const left = dbl[0] ? dbl[0].split(":") : [];
        const right = dbl.length === 2 && dbl[1] ? dbl[1].split(":") : [];
        const missing = 8 - left.length - right.length;
        if (missing < 0 || (dbl.length === 1 && missing !== 0)) return undefined;
        const groups = [...left, ...Array(missing).fill("0"), ...right];
        let n = 0n;
        for (const g of groups) {
            if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
            n = (n << 16n) | BigInt(parseInt(g, 16));
        }
        if (tailV4) n = (n & ~0xffffffffn) | tailV4.reduce((a, p) => (a << 8n) | BigInt(p), 0n);
        return { v6: true, n };
    }
    return undefined;
}

/** CIDR match for IpAddress/NotIpAddress (IPv4 and IPv6; a bare address is a /32 or /128). */
export function ipInCidr(ip: string, cidr: string): boolean {
    const [base, bitsS] = cidr.split("/");
    const a = parseIp(ip);
    const b = parseIp(base);
    if (!a || !b || a.v6 !== b.v6) return false;
    const width = a.v6 ? 128 : 32;
    const bits = bitsS === undefined ? width : Number(bitsS);
    if (!Number.isInteger(bits) || bits < 0 || bits > width) return false;
    const shift = BigInt(width - bits);
    return a.n >> shift === b.n >> shift;
}

// ---------- operators ----------

interface OperatorSpec {
    /** Compares one request value with one policy value (already variable-substituted where allowed). */
    test(requestValue: string, policyValue: string, ctx: RequestContext, vars: boolean): boolean;
    /** Negated operators (StringNotEquals, NotIpAddress, ...) are true when no value matches. */
    negated: boolean;
}

/** String comparison: exact (`*`/`?` literal) or Like (wildcards), case-sensitive unless IgnoreCase. */
function str(wild: boolean, ignoreCase: boolean): OperatorSpec["test"] {
    return (r, p, ctx, vars) => {
        const pieces = compilePattern(p, ctx, vars, wild);
        return !!pieces && matchPieces(pieces, r, ignoreCase);
    };
}
const num =
    (cmp: (a: number, b: number) => boolean): OperatorSpec["test"] =>
    (r, p) => {
        const a = toNumber(r);
        const b = toNumber(p);
        return a !== undefined && b !== undefined && cmp(a, b);
    };
const date =
    (cmp: (a: number, b: number) => boolean): OperatorSpec["test"] =>
    (r, p) => {
        const a = toDate(r);
        const b = toDate(p);
        return a !== undefined && b !== undefined && cmp(a, b);
    };
const arn: OperatorSpec["test"] = (r, p, ctx, vars) => splitArn(r) !== undefined && arnMatch(p, r, ctx, vars);

const OPERATORS: Record<string, OperatorSpec> = {
    stringequals: { test: str(false, false), negated: false },
    stringnotequals: { test: str(false, false), negated: true },
    stringequalsignorecase: { test: str(false, true), negated: false },
    stringnotequalsignorecase: { test: str(false, true), negated: true },
    stringlike: { test: str(true, false), negated: false },
    stringnotlike: { test: str(true, false), negated: true },
    numericequals: { test: num((a, b) => a === b), negated: false },
    numericnotequals: { test: num((a, b) => a === b), negated: true },
    numericlessthan: { test: num((a, b) => a < b), negated: false },
    numericlessthanequals: { test: num((a, b) => a <= b), negated: false },
    numericgreaterthan: { test: num((a, b) => a > b), negated: false },
    numericgreaterthanequals: { test: num((a, b) => a >= b), negated: false },
    dateequals: { test: date((a, b) => a === b), negated: false },
    datenotequals: { test: date((a, b) => a === b), negated: true },
    datelessthan: { test: date((a, b) => a < b), negated: false },
    datelessthanequals: { test: date((a, b) => a <= b), negated: false },
    dategreaterthan: { test: date((a, b) => a > b), negated: false },
    dategreaterthanequals: { test: date((a, b) => a >= b), negated: false },
    bool: { test: (r, p) => r.toLowerCase() === p.toLowerCase(), negated: false },
    binaryequals: { test: (r, p) => r === p, negated: false },
    ipaddress: { test: (r, p) => ipInCidr(r, p), negated: false },
    notipaddress: { test: (r, p) => ipInCidr(r, p), negated: true },
    arnequals: { test: arn, negated: false },
    arnlike: { test: arn, negated: false },
    arnnotequals: { test: arn, negated: true },
    arnnotlike: { test: arn, negated: true },
};

/** Operators whose values may hold policy variables (String and ARN families, per the policy-variables page). */
function takesVariables(base: string): boolean {
    return base.startsWith("string") || base.startsWith("arn");
}

export interface ParsedOperator {
    set?: "ForAllValues" | "ForAnyValue";
    base: string;
    ifExists: boolean;
    known: boolean;
}

export function parseOperator(op: string): ParsedOperator {
    let rest = op;
    let set: ParsedOperator["set"];
    const m = /^(ForAllValues|ForAnyValue):(.*)$/i.exec(rest);
    if (m) {
        set = m[1].toLowerCase() === "forallvalues" ? "ForAllValues" : "ForAnyValue";
        rest = m[2];
    }
    let ifExists = false;
    if (/IfExists$/i.test(rest) && rest.toLowerCase() !== "null") {
        ifExists = true;
        rest = rest.slice(0, -"IfExists".length);
    }
    const base = rest.toLowerCase();
    const known = base === "null" ? !ifExists && !set : base in OPERATORS;
    return { set, base, ifExists, known };
}

/**
 * Evaluates one condition block entry (operator, key, policy values) against the request context.
 * Returns true when the entry is satisfied.
 */
export function evaluateCondition(op: string, key: string, policyValues: string[], ctx: RequestContext, allowVariables: boolean): boolean {
    const parsed = parseOperator(op);
    if (!parsed.known) return false;
    const requestValues = ctx.get(key);
    const absent = requestValues === undefined;
    if (parsed.base === "null") {
        // Null: "true" means the key must be absent, "false" that it must be present (values ORed).
        // A multivalued key given as an empty list is present (with no values): Null tests presence only.
        const isNull = absent;
        return policyValues.some((v) => (v.toLowerCase() === "true" ? isNull : v.toLowerCase() === "false" ? !isNull : false));
    }
    const spec = OPERATORS[parsed.base];
    const vars = allowVariables && takesVariables(parsed.base);
    const matchesAny = (rv: string) => policyValues.some((pv) => spec.test(rv, pv, ctx, vars));
    if (parsed.set === "ForAllValues") {
        // True when the key is absent/empty or every request value satisfies the (possibly negated) operator.
        if (absent || requestValues!.length === 0) return true;
        if (spec.negated && vars && policyValues.some((pv) => unresolvedVariable(pv, ctx))) return false;
        return requestValues!.every((rv) => (spec.negated ? !matchesAny(rv) : matchesAny(rv)));
    }
    if (parsed.set === "ForAnyValue") {
        if (absent || requestValues!.length === 0) return parsed.ifExists;
        if (spec.negated && vars && policyValues.some((pv) => unresolvedVariable(pv, ctx))) return false;
        return requestValues!.some((rv) => (spec.negated ? !matchesAny(rv) : matchesAny(rv)));
    }
    if (absent) {
        // ...IfExists: true when absent. Otherwise negated operators are true, positive ones false.
        return parsed.ifExists || spec.negated;
    }
    if (spec.negated) {
        // Negated operator over one or more request values: true when no request value matches any policy value.
        // A policy value whose variable cannot be resolved cannot be shown not to match: the condition is false.
        if (vars && policyValues.some((pv) => unresolvedVariable(pv, ctx))) return false;
        return !requestValues!.some(matchesAny);
    }
    return requestValues!.some(matchesAny);
}

/** All entries of a Condition element, ANDed. Returns the first failing entry for explanations. */
export function evaluateConditions(
    condition: Record<string, Record<string, string[]>>,
    ctx: RequestContext,
    allowVariables: boolean,
): { ok: boolean; failed?: string } {
    for (const [op, body] of Object.entries(condition)) {
        for (const [key, values] of Object.entries(body)) {
            if (!evaluateCondition(op, key, values, ctx, allowVariables)) {
                const rv = ctx.get(key);
                return { ok: false, failed: `${op} ${key} ${JSON.stringify(values)} (request: ${rv === undefined ? "absent" : JSON.stringify(rv)})` };
            }
        }
    }
    return { ok: true };
}

export function isKnownOperator(op: string): boolean {
    return parseOperator(op).known;
}
