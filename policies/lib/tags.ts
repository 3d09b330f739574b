/**
 * Tags as AWS will see them: provider default tags merged under the resource's own tags.
 *
 * The provider is available to policies as `args.provider` (a `PolicyProviderResource` whose
 * `props` are the provider's *inputs*). For `pulumi:providers:aws` the default tags live in
 * `defaultTags.tags`; the engine passes provider inputs that are objects as JSON strings (that is
 * how provider configuration is stored), so both forms are accepted. Default (implicit) providers
 * get the same treatment - their inputs come from the `aws:defaultTags` stack config.
 */
import { knownKeys, peek, needKnown } from "./unknowns";

export interface ProviderLike {
    type: string;
    props: Record<string, any>;
}

function parseMaybeJson(v: unknown): unknown {
    if (typeof v === "string") {
        try {
            return JSON.parse(v);
        } catch {
            return undefined;
        }
    }
    return v;
}

/** The provider's default tags (empty when the provider is not AWS or sets none). Unknown values stay unknown. */
export function providerDefaultTags(provider: ProviderLike | undefined): Record<string, any> {
    if (!provider || !provider.type.startsWith("pulumi:providers:aws")) {
        return {};
    }
    const dt = peek(provider.props, "defaultTags");
    if (!dt.known) {
        needKnown("object", ["provider", "defaultTags"]);
    }
    const defaultTags = parseMaybeJson(dt.value) as Record<string, any> | undefined;
    if (!defaultTags || typeof defaultTags !== "object") {
        return {};
    }
    const t = peek(defaultTags, "tags");
    if (!t.known) {
        needKnown("object", ["provider", "defaultTags", "tags"]);
    }
    const tags = parseMaybeJson(t.value);
    return tags && typeof tags === "object" ? (tags as Record<string, any>) : {};
}

export interface EffectiveTags {
    /** Every tag key that will be on the resource. */
    keys: Set<string>;
    /**
     * The value of `key` (resource tags win over default tags, as in AWS). Throws the runtime's
     * unknown error if the winning value is unknown; `undefined` when the key is absent.
     */
    value(key: string): string | undefined;
    /** True when the winning value of `key` is unknown during preview (never throws). */
    isUnknownValue(key: string): boolean;
}

/** Merges provider default tags, `tagsAll` and `tags` of a resource. */
export function effectiveTags(props: Record<string, any>, provider: ProviderLike | undefined): EffectiveTags {
    const layers: { name: string; tags: Record<string, any> }[] = [];
    layers.push({ name: "provider.defaultTags.tags", tags: providerDefaultTags(provider) });
    for (const source of ["tagsAll", "tags"]) {
        const t = peek(props, source);
        if (!t.known) {
            // The whole map is unknown: we can't tell which keys it has.
            needKnown("object", [source]);
        }
        if (t.value && typeof t.value === "object") {
            layers.push({ name: source, tags: t.value });
        }
    }
    const keys = new Set<string>();
    for (const l of layers) {
        for (const k of knownKeys(l.tags)) {
            keys.add(k);
        }
    }
    const winner = (key: string) => {
        for (let i = layers.length - 1; i >= 0; i--) {
            if (knownKeys(layers[i].tags).includes(key)) {
                return layers[i];
            }
        }
        return undefined;
    };
    return {
        keys,
        isUnknownValue(key: string): boolean {
            const w = winner(key);
            return w !== undefined && !peek(w.tags, key).known;
        },
        value(key: string): string | undefined {
            for (let i = layers.length - 1; i >= 0; i--) {
                if (knownKeys(layers[i].tags).includes(key)) {
                    const v = peek(layers[i].tags, key);
                    if (!v.known) {
                        needKnown("string", [layers[i].name, key]);
                    }
                    return v.value === undefined || v.value === null ? undefined : String(v.value);
                }
            }
            return undefined;
        },
    };
}
