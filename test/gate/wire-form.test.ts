/**
 * The gate's fast wire form (gate/evaluate.ts `wireForm`, used inside `withPropsCache`) must be exactly what
 * the runtime's protobuf round trip gives (`Struct.fromJavaScript(props).toJavaScript()`): same values, same key
 * order, same types - on every resource of the real program (dev and prod) and on edge cases.
 */
import { strict as assert } from "assert";
import { createPlatform } from "../../infra/program";
import { inputsFromRun } from "../../gate/gate";
import { runProgram } from "../../gate/runtime";
import { runtimeProps, secret, structRoundTrip, wireForm, withPropsCache } from "../../gate/evaluate";
import { UNKNOWN } from "../../policies/lib/unknowns";

/** Serialisation that keeps key order, -0, NaN and the difference between null and a missing key. */
function exact(v: unknown): string {
    if (v === null) return "null";
    if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "boolean") return String(v);
    if (Array.isArray(v)) return `[${v.map(exact).join(",")}]`;
    if (typeof v === "object")
        return `{${Object.keys(v as object)
            .map((k) => `${JSON.stringify(k)}:${exact((v as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    return `<${typeof v}:${String(v)}>`;
}

describe("gate: wire form of resource props", function () {
    this.timeout(120_000);

    it("equals the protobuf round trip on every resource of the dev and prod programs (props and provider props)", async () => {
        let n = 0;
        for (const stack of ["dev", "prod"]) {
            const run = await runProgram(() => createPlatform(), { stack });
            for (const input of inputsFromRun(run)) {
                for (const props of [input.props, input.provider?.props].filter((p): p is Record<string, unknown> => !!p)) {
                    assert.equal(exact(wireForm(props)), exact(structRoundTrip(props)), `${input.urn}`);
                    n++;
                }
            }
        }
        assert.ok(n > 400, `${n} props compared`);
    });

    it("equals the protobuf round trip on edge cases: key order, -0, NaN, nulls, undefined in arrays, secrets, unknowns, non-plain objects", () => {
        const cases: Record<string, unknown>[] = [
            { z: 1, a: { y: [3, { q: 1, b: 2 }], c: null }, m: "s" },
            { neg: -0, nan: NaN, big: 1e300, small: -5e-324 },
            { arr: [undefined, 1, [undefined, { u: undefined, k: "v" }]], gone: undefined },
            { s: secret({ password: "p", list: [1, 2] }) },
            { u: UNKNOWN.string, nested: { o: UNKNOWN.object, a: [UNKNOWN.array] } },
            { "": "empty key", ä: 1, B: 2, a: 3, "10": 4, "9": 5 },
            {},
            { d: new Date(0), m: new Map([["k", 1]]) },
        ];
        for (const c of cases) assert.equal(exact(wireForm(c)), exact(structRoundTrip(c)), exact(c));
        // Not JSON at all: the real Struct is used, and it fails the same way.
        assert.throws(() => wireForm({ n: BigInt(1) }), /Unexpected struct type/);
        assert.throws(() => structRoundTrip({ n: BigInt(1) }), /Unexpected struct type/);
    });

    it("inside withPropsCache every call still gets a fresh, independent copy (as the runtime deserialises per policy)", async () => {
        const props = { tags: { A: "1" }, list: [{ x: 1 }], s: secret("hidden") };
        await withPropsCache(async () => {
            const a = runtimeProps(props);
            const b = runtimeProps(props);
            assert.notEqual(a, b);
            assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
            (a.tags as Record<string, string>).A = "changed";
            (a.list as { x: number }[]).push({ x: 2 });
            assert.equal(b.tags.A, "1");
            assert.equal(b.list.length, 1);
            assert.equal(runtimeProps(props).tags.A, "1");
            assert.equal(runtimeProps(props).s, "hidden");
        });
        assert.equal(runtimeProps(props).tags.A, "1");
    });
});
