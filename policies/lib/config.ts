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
