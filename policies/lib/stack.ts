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

/**
 * Per resources array: type -> its resources (stack policies ask for the same types many times). The returned array
 * is shared: callers must not mutate it.
 */
const typeIndex = new WeakMap<StackResource[], Map<string, StackResource[]>>();

export function ofType(resources: StackResource[], ...types: string[]): StackResource[] {
    let idx = typeIndex.get(resources);
    if (!idx) {
        idx = new Map();
        for (const r of resources) {
            let l = idx.get(r.type);
            if (!l) idx.set(r.type, (l = []));
            l.push(r);
        }
        typeIndex.set(resources, idx);
    }
    if (types.length === 1) return idx.get(types[0]) ?? [];
    const want = new Set(types);
    return resources.filter((r) => want.has(r.type));
}

/** Per candidates array and id-property list: URN -> candidate, identifier value -> candidates. */
interface RefIndex {
    byUrn: Map<string, StackResource>;
    byId: Map<string, StackResource[]>;
    position: Map<StackResource, number>;
}
const refIndexes = new WeakMap<StackResource[], Map<string, RefIndex>>();

function refIndex(candidates: StackResource[], idProps: string[]): RefIndex {
    let perProps = refIndexes.get(candidates);
    if (!perProps) refIndexes.set(candidates, (perProps = new Map()));
    const key = idProps.join("\u0000");
    let idx = perProps.get(key);
    if (!idx) {
        idx = { byUrn: new Map(candidates.map((c) => [c.urn, c])), byId: new Map(), position: new Map(candidates.map((c, i) => [c, i])) };
        for (const c of candidates) {
            for (const id of identifiers(c, idProps)) {
                let l = idx.byId.get(id);
                if (!l) idx.byId.set(id, (l = []));
                if (!l.includes(c)) l.push(c);
            }
        }
        perProps.set(key, idx);
    }
    return idx;
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
export function resolveRefs(from: StackResource, prop: string, candidates: StackResource[], idProps: string[], value?: unknown): StackResource[] {
    const deps = from.propertyDependencies?.[prop];
    const out = new Set<StackResource>();
    const idx = refIndex(candidates, idProps);
    if (deps && deps.length > 0) {
        for (const d of deps) {
            const c = idx.byUrn.get(d.urn);
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
    // id === v, or v ends with ":<id>" or "/<id>": look up v and every suffix that follows a ':' or '/'.
    const add = (k: string) => idx.byId.get(k)?.forEach((c) => out.add(c));
    add(v);
    for (let i = 0; i < v.length; i++) {
        if (v[i] === ":" || v[i] === "/") add(v.slice(i + 1));
    }
    // In the candidates' order, as a scan would find them.
    return [...out].sort((a, b) => idx.position.get(a)! - idx.position.get(b)!);
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
