/**
 * Policy configuration with defaults.
 *
 * Under the Pulumi CLI, `args.getConfig()` returns the policy's entry from `--policy-pack-config`
 * (minus `enforcementLevel`); the CLI validates it against `configSchema` and fills in schema
 * `default`s. A gate calling `validateResource` directly may pass a `getConfig` that returns `{}`,
 * so every policy merges its own defaults (which are the same objects the schema's defaults are
 * built from) - the result is identical either way.
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { suggestion } from "./suggest";

export function withDefaults<T extends object>(getConfig: () => object, defaults: T): T {
    const given = (getConfig() ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
    for (const [k, v] of Object.entries(given)) {
        if (k === "enforcementLevel" || v === undefined || v === null) {
            continue;
        }
        out[k] = v;
    }
    return out as T;
}

/** The `default` of every top-level property of a config schema (what the CLI applies). */
export function schemaDefaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(schema?.properties ?? {})) {
        if (p && typeof p === "object" && "default" in p && (p as { default?: unknown }).default !== undefined) {
            out[k] = structuredClone((p as { default: unknown }).default);
        }
    }
    return out;
}

/**
 * Unknown keys of a `--policy-pack-config` document: policy names the pack does not have and properties a policy's
 * `configSchema` does not declare (besides `enforcementLevel`), each with the nearest valid name. The Pulumi engine
 * validates each policy's entry against its JSON schema, which does not forbid extra properties, so a typo such as
 * `requireCustomerManagedKeys` would silently keep the default; the offline gate and `policy:check` call this first.
 */
export function packConfigProblems(config: Record<string, unknown>, policies: readonly { name: string; configSchema?: PolicyConfigSchema }[]): string[] {
    const problems: string[] = [];
    const names = policies.map((p) => p.name);
    const levels = ["advisory", "mandatory", "remediate", "disabled"];
    for (const [key, value] of Object.entries(config)) {
        if (key === "all") {
            if (typeof value !== "string" || !levels.includes(value)) problems.push(`"all" = ${JSON.stringify(value)}: expected one of ${levels.join(", ")}`);
            continue;
        }
        const policy = policies.find((p) => p.name === key);
        if (!policy) {
            problems.push(`"${key}": unknown policy; ${suggestion(key, [...names, "all"], (n) => `"${n}"`)}`);
            continue;
        }
        if (typeof value === "string") {
            if (!levels.includes(value))
                problems.push(`"${key}" = ${JSON.stringify(value)}: expected an enforcement level (${levels.join(", ")}) or an object`);
            continue;
        }
        if (!value || typeof value !== "object" || Array.isArray(value)) {
            problems.push(`"${key}" = ${JSON.stringify(value)}: expected an enforcement level or an object {"enforcementLevel": ..., <settings>}`);
            continue;
        }
        const props = ["enforcementLevel", ...Object.keys(policy.configSchema?.properties ?? {})];
        for (const k of Object.keys(value)) {
            if (!props.includes(k)) problems.push(`"${key}.${k}": unknown setting of policy ${key}; ${suggestion(k, props, (n) => `"${key}.${n}"`)}`);
        }
        const lvl = (value as Record<string, unknown>).enforcementLevel;
        if (lvl !== undefined && (typeof lvl !== "string" || !levels.includes(lvl)))
            problems.push(`"${key}.enforcementLevel" = ${JSON.stringify(lvl)}: expected one of ${levels.join(", ")}`);
    }
    return problems;
}
