/**
 * Helpers for stack policies: finding resources by type and resolving references between them.
 *
 * References are matched in two ways, in order:
 *   1. `propertyDependencies[prop]` - the engine records which resources an input was computed
 *      from, so `bucket: bucket.id` links the two even when the id is unknown during preview;
 *   2. value equality - the referencing input equals one of the candidate's identifying properties
 *      (name, bucket, arn, id...), for references written as literals or config values.
 */
import { PolicyResource } from "@pulumi/policy";
import { isUnknown, peek, rawTarget } from "./unknowns";

export type StackResource = Pick<PolicyResource, "type" | "urn" | "name" | "props"> &
    Partial<Pick<PolicyResource, "propertyDependencies" | "dependencies" | "parent" | "provider">>;

export function ofType(resources: StackResource[], ...types: string[]): StackResource[] {
    return resources.filter((r) => types.includes(r.type));
}

/** A property read that returns `undefined` instead of throwing when the value is unknown. */
export function knownOrUndefined(obj: unknown, key: string): any {
    const p = peek(obj, key);
    return p.known ? p.value : undefined;
}

/** The last URN component - the resource's logical name. */
export function urnName(urn: string): string {
    const i = urn.lastIndexOf("::");
    return i >= 0 ? urn.slice(i + 2) : urn;
}

/** Candidate identifiers of a resource: its identifying props that are known strings. */
export function identifiers(r: StackResource, props: string[]): string[] {
    const out: string[] = [];
    for (const p of props) {
        const v = knownOrUndefined(r.props, p);
        if (typeof v === "string" && v !== "" && !isUnknown(v)) {
            out.push(v);
        }
    }
    return out;
}

/**
 * The candidates `from.props[prop]` refers to. `idProps` are the candidate properties a literal
 * reference may equal (ARNs are matched by suffix `:<name>` / `/<name>` too).
 */
export function resolveRefs(
    from: StackResource,
    prop: string,
    candidates: StackResource[],
    idProps: string[],
    value?: unknown,
): StackResource[] {
    const deps = from.propertyDependencies?.[prop];
    const out = new Set<StackResource>();
    if (deps && deps.length > 0) {
        for (const d of deps) {
            const c = candidates.find((x) => x.urn === d.urn);
            if (c) {
                out.add(c);
            }
        }
        if (out.size > 0) {
            return [...out];
        }
    }
    const v = value !== undefined ? value : knownOrUndefined(from.props, prop);
    if (typeof v !== "string" || isUnknown(v)) {
        return [];
    }
    for (const c of candidates) {
        for (const id of identifiers(c, idProps)) {
            if (id === v || v.endsWith(`:${id}`) || v.endsWith(`/${id}`)) {
                out.add(c);
            }
        }
    }
    return [...out];
}

/** Plain-JS copy of a (possibly proxied) value, for messages and the cost estimator. Unknown sentinels are kept as-is. */
export function toPlain<T>(v: T): T {
    const raw = rawTarget(v);
    if (Array.isArray(raw)) {
        return raw.map((x) => toPlain(x)) as unknown as T;
    }
    if (raw && typeof raw === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(raw as Record<string, unknown>)) {
            out[k] = toPlain(x);
        }
        return out as T;
    }
    return raw;
}
