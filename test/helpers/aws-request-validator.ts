/**
 * Validates AWS API requests against AWS's service models, as the service's request validation would
 * (https://smithy.io/2.0/spec/constraint-traits.html): required members, string length (in Unicode code points),
 * patterns (matched against the WHOLE value, as AWS services validate them), enums, numeric ranges, list/map sizes,
 * unions (exactly one member), nested structures, and members the model does not know.
 *
 * Models: botocore's, vendored into test/fixtures/aws-models/ (scripts/tools/vendor-botocore-models.py, see
 * PROVENANCE.md there). The AWS SDK v3 clients the project uses sometimes know members the vendored model lacks
 * (newer features); such a member is accepted when the v3 client's own schema knows it (counted and reported as
 * "known only to the v3 schema": no constraints are known for it), and required members are the union of both
 * sources: the strictest source that knows a member decides.
 *
 * Patterns are Java regular expressions; they are translated to JavaScript (`u` flag). A pattern that cannot be
 * translated is never a silent pass: it is recorded as a skip and reported with the counts.
 */
import * as fs from "fs";
import * as path from "path";

export interface Violation {
    path: string;
    rule: "required" | "type" | "length" | "pattern" | "enum" | "range" | "size" | "union" | "unknown-member" | "unknown-operation";
    message: string;
}

export interface PatternSkip {
    path: string;
    pattern: string;
    reason: string;
}

export interface RequestCheck {
    service: string;
    operation: string;
    violations: Violation[];
    patternSkips: PatternSkip[];
    /** Member paths the vendored model lacks and the v3 client schema knows. */
    v3OnlyMembers: string[];
}

interface Member {
    shape: string;
    location?: string;
    idempotencyToken?: boolean;
}
interface Shape {
    type: string;
    required?: string[];
    min?: number;
    max?: number;
    pattern?: string;
    enum?: string[];
    union?: boolean;
    members?: Record<string, Member>;
    member?: { shape: string };
    key?: { shape: string };
    value?: { shape: string };
    streaming?: boolean;
}
export interface ServiceModel {
    service: string;
    client: string;
    botocore: string;
    operations: Record<string, { input?: string }>;
    shapes: Record<string, Shape>;
}

export const MODELS_DIR = path.resolve(__dirname, "..", "fixtures", "aws-models");
const models = new Map<string, ServiceModel>();

export function loadServiceModel(service: string): ServiceModel {
    let m = models.get(service);
    if (!m) {
        const file = path.join(MODELS_DIR, `${service}.json`);
        if (!fs.existsSync(file)) throw new Error(`no vendored model for '${service}' (${file}); run python3 scripts/tools/vendor-botocore-models.py`);
        m = JSON.parse(fs.readFileSync(file, "utf8")) as ServiceModel;
        models.set(service, m);
    }
    return m;
}

// ---- Java -> JavaScript regular expressions ------------------------------------------------------------------------

const POSIX: Record<string, string> = {
    Alnum: "a-zA-Z0-9",
    Alpha: "a-zA-Z",
    Digit: "0-9",
    Lower: "a-z",
    Upper: "A-Z",
    XDigit: "0-9a-fA-F",
    Punct: "!-\\/:-@\\[-`{-~",
    Space: " \\t\\n\\x0B\\f\\r",
    ASCII: "\\x00-\\x7F",
    Graph: "!-~",
    Print: " -~",
    Cntrl: "\\x00-\\x1F\\x7F",
    Blank: " \\t",
};

/**
 * A Java pattern as a JavaScript source for `new RegExp(src, "u")`, or a reason it cannot be translated. Handles the
 * POSIX classes (`\p{Alnum}`...), `\Q...\E`, `\A`/`\z`/`\Z`, possessive quantifiers and atomic groups (same matches
 * for the whole-value test, without the backtracking guarantee), and quantified anchors (`${1,128}`, a no-op in Java).
 */
export function translateJavaPattern(java: string): { source: string } | { error: string } {
    let s = java;
    if (/&&\[|&&\\/.test(s) || /\[[^\]]*&&/.test(s)) return { error: "character class intersection (&&) has no JavaScript equivalent" };
    if (/\\[GRXK]|\(\?[imsux-]+[:)]/.test(s)) return { error: "Java-only construct (\\G, \\R, \\X, \\K or inline flags)" };
    s = s.replace(/\\Q([\s\S]*?)(\\E|$)/g, (_, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"));
    // POSIX classes inside a character class contribute their ranges; outside they become a class.
    let out = "";
    let inClass = false;
    for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if (c === "\\") {
            const m = /^\\p\{(?:Is)?([A-Za-z]+)\}/.exec(s.slice(i));
            if (m && POSIX[m[1]]) {
                out += inClass ? POSIX[m[1]] : `[${POSIX[m[1]]}]`;
                i += m[0].length - 1;
                continue;
            }
            if (s[i + 1] === "A" && !inClass) {
                out += "^";
                i++;
                continue;
            }
            if ((s[i + 1] === "z" || s[i + 1] === "Z") && !inClass) {
                out += "$";
                i++;
                continue;
            }
            // In `u` mode only syntax characters may be escaped: `\_`, `\ `, `\"`... are literal characters in Java.
            const next = s[i + 1];
            if (next !== undefined && !/[\\^$.*+?()[\]{}|/dDwWsSbBpPuxtnrfv0-9ck-]/.test(next)) {
                out += next;
                i++;
                continue;
            }
            if (next === "-" && !inClass) {
                out += "-";
                i++;
                continue;
            }
            out += c + (next ?? "");
            i++;
            continue;
        }
        if (c === "[" && !inClass) inClass = true;
        else if (c === "]" && inClass) inClass = false;
        out += c;
    }
    s = out;
    s = s.replace(/\(\?>/g, "(?:");
    s = s.replace(/([*+?}])\+/g, "$1");
    s = s.replace(/(^|[^\\])\$\{\d+(,\d*)?\}/g, "$1$");
    try {
        new RegExp(`^(?:${s})$`, "u");
        return { source: s };
    } catch (e) {
        return { error: (e as Error).message };
    }
}

const compiled = new Map<string, RegExp | string>();
/** The whole-value matcher of a model pattern, or the reason it could not be built. */
export function wholeValuePattern(java: string): RegExp | string {
    let c = compiled.get(java);
    if (c === undefined) {
        const t = translateJavaPattern(java);
        c = "source" in t ? new RegExp(`^(?:${t.source})$`, "u") : t.error;
        compiled.set(java, c);
    }
    return c;
}

// ---- v3 client schemas ---------------------------------------------------------------------------------------------

const CLIENT_MODULES: Record<string, string> = {
    sagemaker: "@aws-sdk/client-sagemaker",
    "sagemaker-runtime": "@aws-sdk/client-sagemaker-runtime",
    "sagemaker-featurestore-runtime": "@aws-sdk/client-sagemaker-featurestore-runtime",
    s3: "@aws-sdk/client-s3",
    cloudwatch: "@aws-sdk/client-cloudwatch",
};

/** Members and required members of a structure in the v3 client's schema (`[3, ns, name, traits, members, schemas, requiredCount]`). */
export function v3Structure(service: string, shapeName: string): { members: Set<string>; required: string[] } | undefined {
    const mod = CLIENT_MODULES[service];
    if (!mod) return undefined;
    const exported = (require(mod) as Record<string, unknown>)[`${shapeName}$`];
    if (!Array.isArray(exported) || exported[0] !== 3 || !Array.isArray(exported[4])) return undefined;
    const names = exported[4] as string[];
    const requiredCount = typeof exported[6] === "number" ? (exported[6] as number) : 0;
    return { members: new Set(names), required: names.slice(0, requiredCount) };
}

// ---- validation ----------------------------------------------------------------------------------------------------

const codePoints = (s: string) => [...s].length;
const isBlob = (v: unknown) =>
    typeof v === "string" ||
    v instanceof Uint8Array ||
    (typeof v === "object" && v !== null && typeof (v as { pipe?: unknown }).pipe === "function") ||
    (typeof Blob !== "undefined" && v instanceof Blob);

/** Validates one request's input (`model`: a model object instead of the vendored one, for tests). */
export function validateRequest(service: string, operation: string, input: unknown, model: ServiceModel = loadServiceModel(service)): RequestCheck {
    const check: RequestCheck = { service, operation, violations: [], patternSkips: [], v3OnlyMembers: [] };
    const op = model.operations[operation];
    if (!op) {
        check.violations.push({
            path: "(input)",
            rule: "unknown-operation",
            message: `${service} has no vendored operation '${operation}'; add the command's import and re-run scripts/tools/vendor-botocore-models.py`,
        });
        return check;
    }
    if (!op.input) return check;
    const v = (p: string, rule: Violation["rule"], message: string) => check.violations.push({ path: p || "(input)", rule, message });

    const visit = (shapeName: string, value: unknown, p: string) => {
        const shape = model.shapes[shapeName];
        if (value === undefined || value === null) return;
        switch (shape.type) {
            case "structure": {
                if (typeof value !== "object" || Array.isArray(value))
                    return v(p, "type", `expected a structure (${shapeName}), got ${Array.isArray(value) ? "an array" : typeof value}`);
                const obj = value as Record<string, unknown>;
                const members = shape.members ?? {};
                const v3 = v3Structure(service, shapeName);
                const required = new Set([...(shape.required ?? []), ...(v3?.required ?? [])]);
                for (const r of required) {
                    if (members[r]?.idempotencyToken) continue; // the SDK fills it in
                    if (obj[r] === undefined || obj[r] === null) v(p ? `${p}.${r}` : r, "required", `required member ${r} of ${shapeName} is missing`);
                }
                const set = Object.keys(obj).filter((k) => obj[k] !== undefined && obj[k] !== null);
                if (shape.union && set.length !== 1)
                    v(p, "union", `${shapeName} is a union: exactly one member must be set, got ${set.length} (${set.join(", ") || "none"})`);
                for (const k of set) {
                    const mp = p ? `${p}.${k}` : k;
                    const spec = members[k];
                    if (!spec) {
                        if (v3?.members.has(k)) check.v3OnlyMembers.push(`${operation}:${mp}`);
                        else v(mp, "unknown-member", `${shapeName} has no member '${k}' (known: ${Object.keys(members).join(", ")})`);
                        continue;
                    }
                    if (v3 && !v3.members.has(k)) {
                        // The client's serializer only writes members its schema knows: this one would never be sent.
                        v(
                            mp,
                            "unknown-member",
                            `${shapeName}.${k} is in the service model but not in the ${CLIENT_MODULES[service]} schema installed here, so the SDK would not send it; upgrade the client`,
                        );
                        continue;
                    }
                    visit(spec.shape, obj[k], mp);
                }
                return;
            }
            case "list": {
                if (!Array.isArray(value)) return v(p, "type", `expected a list (${shapeName}), got ${typeof value}`);
                if (shape.min !== undefined && value.length < shape.min)
                    v(p, "size", `list ${shapeName} has ${value.length} item(s); at least ${shape.min} required`);
                if (shape.max !== undefined && value.length > shape.max)
                    v(p, "size", `list ${shapeName} has ${value.length} item(s); at most ${shape.max} allowed`);
                value.forEach((item, i) => visit(shape.member!.shape, item, `${p}[${i}]`));
                return;
            }
            case "map": {
                if (typeof value !== "object" || Array.isArray(value)) return v(p, "type", `expected a map (${shapeName}), got ${typeof value}`);
                const entries = Object.entries(value as Record<string, unknown>);
                if (shape.min !== undefined && entries.length < shape.min)
                    v(p, "size", `map ${shapeName} has ${entries.length} entr(ies); at least ${shape.min} required`);
                if (shape.max !== undefined && entries.length > shape.max)
                    v(p, "size", `map ${shapeName} has ${entries.length} entries; at most ${shape.max} allowed`);
                for (const [k, x] of entries) {
                    visit(shape.key!.shape, k, `${p}{key ${JSON.stringify(k)}}`);
                    visit(shape.value!.shape, x, `${p}.${k}`);
                }
                return;
            }
            case "string": {
                if (typeof value !== "string") return v(p, "type", `expected a string (${shapeName}), got ${typeof value}`);
                const n = codePoints(value);
                if (shape.min !== undefined && n < shape.min) v(p, "length", `${shapeName}: length ${n} < min ${shape.min}`);
                if (shape.max !== undefined && n > shape.max) v(p, "length", `${shapeName}: length ${n} > max ${shape.max}`);
                if (shape.enum && !shape.enum.includes(value))
                    v(
                        p,
                        "enum",
                        `${shapeName}: '${value}' is not one of ${shape.enum.length <= 12 ? shape.enum.join(", ") : `${shape.enum.length} values (${shape.enum.slice(0, 8).join(", ")}, ...)`}`,
                    );
                if (shape.pattern !== undefined) {
                    const re = wholeValuePattern(shape.pattern);
                    if (typeof re === "string") check.patternSkips.push({ path: p, pattern: shape.pattern, reason: re });
                    else if (!re.test(value))
                        v(
                            p,
                            "pattern",
                            `${shapeName}: '${value.length > 120 ? value.slice(0, 120) + "..." : value}' does not match the whole pattern ${shape.pattern}`,
                        );
                }
                return;
            }
            case "integer":
            case "long":
            case "float":
            case "double": {
                const num = typeof value === "bigint" ? Number(value) : value;
                if (typeof num !== "number" || Number.isNaN(num)) return v(p, "type", `expected a number (${shapeName}), got ${typeof value}`);
                if ((shape.type === "integer" || shape.type === "long") && !Number.isInteger(num)) v(p, "type", `${shapeName}: ${num} is not an integer`);
                if (shape.min !== undefined && num < shape.min) v(p, "range", `${shapeName}: ${num} < min ${shape.min}`);
                if (shape.max !== undefined && num > shape.max) v(p, "range", `${shapeName}: ${num} > max ${shape.max}`);
                return;
            }
            case "boolean":
                if (typeof value !== "boolean") v(p, "type", `expected a boolean (${shapeName}), got ${typeof value}`);
                return;
            case "timestamp":
                if (!(value instanceof Date) && typeof value !== "number" && typeof value !== "string")
                    v(p, "type", `expected a timestamp (${shapeName}), got ${typeof value}`);
                return;
            case "blob": {
                if (!isBlob(value)) return v(p, "type", `expected a blob (${shapeName}: string, bytes or stream), got ${typeof value}`);
                const len = typeof value === "string" ? Buffer.byteLength(value) : value instanceof Uint8Array ? value.byteLength : undefined;
                if (len !== undefined && shape.min !== undefined && len < shape.min) v(p, "length", `${shapeName}: ${len} bytes < min ${shape.min}`);
                if (len !== undefined && shape.max !== undefined && len > shape.max) v(p, "length", `${shapeName}: ${len} bytes > max ${shape.max}`);
                return;
            }
            default:
                return; // document: any JSON value
        }
    };
    visit(op.input, input ?? {}, "");
    return check;
}

export function formatViolations(c: RequestCheck): string {
    return c.violations.map((x) => `${c.service}:${c.operation} ${x.path}: [${x.rule}] ${x.message}`).join("\n");
}
