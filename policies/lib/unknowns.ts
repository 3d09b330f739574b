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

/**
 * What the policy runtime exports publicly (`@pulumi/policy` index: `unknownCheckingProxy`, `UnknownValueError`; its
 * .d.ts omits them, so they are typed here). The sentinels and the proxy's marker keys are wire constants of the
 * runtime (proxy.js in @pulumi/policy 1.21: one sentinel per kind; the first is the engine's UnknownStringValue); they
 * are written out here so the pack needs no internal module, and test/policies/standalone-pack.test.ts checks them
 * against the installed runtime's proxy module.
 */
interface PublicRuntime {
    unknownCheckingProxy<T>(o: T): T;
    UnknownValueError: new (sentinel: string, props: (string | number | symbol)[]) => Error;
}

const runtime: PublicRuntime = require("@pulumi/policy");

/** The proxy's marker keys (`isSpecialProxy`, `getSpecialProxyTarget` in proxy.js). */
export const PROXY_KEYS = Object.freeze({ isSpecialProxy: "__isSpecialProxy", getSpecialProxyTarget: "__getSpecialProxyTarget" });

/** The runtime's sentinels, by kind (used by the test harness and gate to build unknown inputs). */
export const UNKNOWN = Object.freeze({
    string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    boolean: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    asset: "030794c1-ac77-496b-92df-f27374a8bd58",
    archive: "e48ece36-62e2-4504-bad9-02848725956a",
});

const SENTINELS = new Set<unknown>(Object.values(UNKNOWN));

/** True when `v` is one of the runtime's unknown sentinels. */
export function isUnknown(v: unknown): boolean {
    return typeof v === "string" && SENTINELS.has(v);
}

/** The runtime's error class for unknown reads (`instanceof` works across our code and the runtime). */
export const UnknownValueError = runtime.UnknownValueError;

export function isUnknownValueError(e: unknown): boolean {
    return e instanceof runtime.UnknownValueError;
}

/** Wraps plain inputs exactly like the runtime does before handing them to a policy. */
export function unknownCheckingProxy<T>(o: T): T {
    return runtime.unknownCheckingProxy(o);
}

/** The object underneath a runtime proxy (or `o` itself when it is not proxied). Never throws. */
export function rawTarget<T>(o: T): T {
    if (o !== null && typeof o === "object") {
        const anyO = o as unknown as Record<string, unknown>;
        if (anyO[PROXY_KEYS.isSpecialProxy] === true) {
            return anyO[PROXY_KEYS.getSpecialProxyTarget] as T;
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
    throw new runtime.UnknownValueError(UNKNOWN[kind], path);
}
