/**
 * Unknown values, the way `@pulumi/policy` represents them.
 *
 * During `pulumi preview` an input that depends on a not-yet-created resource is *unknown*. The
 * policy runtime (`@pulumi/policy/server.js`) deserializes the resource's properties and then wraps
 * them in `unknownCheckingProxy` (`@pulumi/policy/proxy.js`): unknown values are kept as sentinel
 * strings (one per kind: string, number, boolean, array, object, asset, archive) and any property
 * *read* that lands on a sentinel throws `UnknownValueError`. The runtime catches that error and
 * reports the policy as "can't run ... during preview" (an advisory diagnostic) instead of a
 * violation or a crash.
 *
 * Our policies follow the same semantics: by default they simply read properties and let the
 * error propagate (the policy is then "not fully evaluated"). The helpers below exist for the few
 * places where a policy can still decide without the unknown value - for example, the presence of
 * a tag key can be checked even if the tag's value is unknown - and for the tests/gate, which need
 * to recognise the error.
 */

// The runtime's proxy module is internal (its .d.ts is empty), so type what we use.
interface ProxyModule {
    unknownCheckingProxy<T>(o: T): T;
    UnknownValueError: new (sentinel: string, props: (string | number | symbol)[]) => Error;
    isSpecialProxy: string;
    getSpecialProxyTarget: string;
    unknownBooleanValue: string;
    unknownNumberValue: string;
    unknownStringValue: string;
    unknownArrayValue: string;
    unknownAssetValue: string;
    unknownArchiveValue: string;
    unknownObjectValue: string;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const runtimeProxy: ProxyModule = require("@pulumi/policy/proxy");

/** The runtime's sentinels, by kind (used by the test harness and gate to build unknown inputs). */
export const UNKNOWN = Object.freeze({
    string: runtimeProxy.unknownStringValue,
    number: runtimeProxy.unknownNumberValue,
    boolean: runtimeProxy.unknownBooleanValue,
    array: runtimeProxy.unknownArrayValue,
    object: runtimeProxy.unknownObjectValue,
    asset: runtimeProxy.unknownAssetValue,
    archive: runtimeProxy.unknownArchiveValue,
});

const SENTINELS = new Set<unknown>(Object.values(UNKNOWN));

/** True when `v` is one of the runtime's unknown sentinels. */
export function isUnknown(v: unknown): boolean {
    return typeof v === "string" && SENTINELS.has(v);
}

/** The runtime's error class for unknown reads (`instanceof` works across our code and the runtime). */
export const UnknownValueError = runtimeProxy.UnknownValueError;

export function isUnknownValueError(e: unknown): boolean {
    return e instanceof runtimeProxy.UnknownValueError;
}

/** Wraps plain inputs exactly like the runtime does before handing them to a policy. */
export function unknownCheckingProxy<T>(o: T): T {
    return runtimeProxy.unknownCheckingProxy(o);
}

/** The object underneath a runtime proxy (or `o` itself when it is not proxied). Never throws. */
export function rawTarget<T>(o: T): T {
    if (o !== null && typeof o === "object") {
        const anyO = o as unknown as Record<string, unknown>;
        if (anyO[runtimeProxy.isSpecialProxy] === true) {
            return anyO[runtimeProxy.getSpecialProxyTarget] as T;
        }
    }
    return o;
}

/**
 * Reads `obj[key]` without tripping the unknown check: returns `{ known: false }` when the value is
 * an unknown sentinel, otherwise `{ known: true, value }` (the value stays proxied, so deeper reads
 * keep the runtime semantics).
 */
export function peek(obj: unknown, key: string | number): { known: true; value: any } | { known: false } {
    if (obj === null || obj === undefined || typeof obj !== "object") {
        return { known: true, value: undefined };
    }
    const raw = rawTarget(obj) as Record<string | number, unknown>;
    if (isUnknown(raw[key])) {
        return { known: false };
    }
    return { known: true, value: (obj as Record<string | number, unknown>)[key] };
}

/** Own keys of a (possibly proxied) object; keys whose values are unknown are still listed. */
export function knownKeys(obj: unknown): string[] {
    if (obj === null || obj === undefined || typeof obj !== "object") {
        return [];
    }
    return Object.keys(rawTarget(obj) as object);
}

/**
 * Signals "this policy needs a value that is unknown during preview" with the runtime's own error,
 * so the runtime (and our harness/gate) report the policy as not fully evaluated.
 */
export function needKnown(kind: keyof typeof UNKNOWN, path: (string | number)[]): never {
    throw new runtimeProxy.UnknownValueError(UNKNOWN[kind], path);
}
