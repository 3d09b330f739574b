/**
 * The KLL sketch's radix sort (lib/monitoring/sketch/sort.ts, radix-sort.wat) must order exactly as
 * Float64Array.prototype.sort() — the KLL compactions keep every second item of the sorted buffer, so any
 * difference would change the sketch item for item against Deequ — and its embedded bytes must be its source.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { RADIX_MIN_LENGTH, sortedValues, sortFloat64 } from "../../lib/monitoring/sketch/sort";
import { assemble, moduleText, WASM_SOURCES } from "../../scripts/tools/build-wasm";
import { rng } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");

/** Same values, same order, bit for bit (Object.is tells -0 from +0). */
function assertSameOrder(actual: Float64Array, expected: Float64Array, what: string): void {
    assert.equal(actual.length, expected.length, `${what}: length`);
    for (let i = 0; i < expected.length; i++) {
        if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: index ${i} is ${actual[i]}, the native sort has ${expected[i]}`);
    }
}

describe("monitoring/sketch radix sort (WebAssembly)", () => {
    const u = rng(42);
    const special = [0, -0, 1, -1, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308];
    const distributions: Record<string, () => number> = {
        "standard normal": () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
        "uniform [0, 100)": () => u() * 100,
        "integers 0..49 (constant low bytes: skipped passes)": () => Math.floor(u() * 50),
        "log-normal": () => Math.exp(u() * 3),
        "signed, every magnitude": () => (u() < 0.5 ? -1 : 1) * Math.pow(10, u() * 600 - 300),
        "zeros of both signs, infinities, subnormals, extremes": () => special[Math.floor(u() * special.length)],
        "one value repeated": () => 3.25,
        "raw bit patterns (any finite double)": () => {
            const b = new Float64Array(1);
            const w = new Uint32Array(b.buffer);
            do {
                w[0] = Math.floor(u() * 4294967296);
                w[1] = Math.floor(u() * 4294967296);
            } while (b[0] !== b[0]);
            return b[0];
        },
    };
    const lengths = [0, 1, 2, RADIX_MIN_LENGTH - 1, RADIX_MIN_LENGTH, 1000, 2050, 2051, 40_000];

    for (const [name, draw] of Object.entries(distributions)) {
        it(`orders ${name} exactly as Float64Array.prototype.sort, for lengths ${lengths.join(", ")}`, () => {
            for (const n of lengths) {
                const a = new Float64Array(n);
                for (let i = 0; i < n; i++) a[i] = draw();
                const expected = a.slice().sort();
                assertSameOrder(sortFloat64(a.slice()), expected, `${name}, n=${n}`);
            }
        });
    }

    it("sorts presorted, reversed and organ-pipe inputs, and only the first n values of a longer buffer", () => {
        const n = 5000;
        const asc = Float64Array.from({ length: n }, (_, i) => i - 2500.5);
        const cases: [string, Float64Array][] = [
            ["ascending", asc.slice()],
            ["descending", asc.slice().reverse()],
            ["organ pipe", Float64Array.from({ length: n }, (_, i) => Math.min(i, n - i))],
        ];
        for (const [name, a] of cases) assertSameOrder(sortFloat64(a.slice()), a.slice().sort(), name);
        const buf = Float64Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001);
        const tail = buf.slice(2000);
        sortFloat64(buf, 2000);
        assertSameOrder(
            buf.subarray(0, 2000),
            Float64Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001)
                .subarray(0, 2000)
                .sort(),
            "prefix",
        );
        assertSameOrder(buf.subarray(2000), tail, "values past n are untouched");
    });

    it("sortedValues leaves its input unchanged on the WebAssembly path and stays correct after its memory grows", () => {
        const a = Float64Array.from({ length: 3000 }, () => u() - 0.5);
        const copy = a.slice();
        const { values, offset } = sortedValues(a, a.length);
        assert.notEqual(values, a, "3,000 values take the radix path");
        assertSameOrder(values.subarray(offset, offset + a.length), copy.slice().sort(), "sorted view");
        assertSameOrder(a, copy, "input untouched");
        const big = Float64Array.from({ length: 300_000 }, () => u() * 1e6 - 5e5); // needs more than the initial page
        assertSameOrder(sortFloat64(big.slice()), big.slice().sort(), "after growing");
        assertSameOrder(sortFloat64(copy.slice()), copy.slice().sort(), "small again after growing");
    });

    it("the embedded WebAssembly is exactly its .wat source assembled (run `npm run wasm` after editing the .wat)", async function () {
        this.timeout(30_000);
        for (const src of WASM_SOURCES) {
            const expected = moduleText(src, await assemble(path.join(ROOT, src.wat)));
            assert.equal(fs.readFileSync(path.join(ROOT, src.module), "utf8"), expected, `${src.module} is stale`);
        }
    });
});
