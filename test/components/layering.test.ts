/**
 * The component layer's imports (issue 13, the integrator's rule for the standalone pack): components/ and infra/ may
 * import the pack's leaf libraries (policies/lib/**, policies/data/**) but never its rules, policies/all.ts or
 * policies/index.ts (those are the pack, which judges the program and sits above it); contracts/ imports nothing.
 * Reads every import/require specifier of the tracked sources, so a new file is covered without a list.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(["'])([^"']+)\1/gm;

function sources(dir: string): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...sources(rel));
        else if (e.name.endsWith(".ts")) out.push(rel);
    }
    return out;
}

/** Project-relative targets of a file's relative imports. */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    return [...text.matchAll(SPEC)]
        .map((m) => m[2])
        .filter((s) => s.startsWith("."))
        .map((s) =>
            path
                .relative(ROOT, path.resolve(ROOT, path.dirname(file), s))
                .split(path.sep)
                .join("/"),
        );
}

const allowedFromPack = (target: string) => /^policies\/(lib|data)\//.test(target);

describe("component layer imports", () => {
    it("the parser finds the imports it must judge (components/tagging.ts reads policies/lib and policies/data)", () => {
        const t = importsOf("components/tagging.ts");
        assert.ok(t.includes("policies/lib/exemptions"), t.join(", "));
        assert.ok(t.includes("policies/data/taggable-types.json"), t.join(", "));
    });

    for (const dir of ["components", "infra"]) {
        it(`${dir}/ imports from policies/ only its leaf libraries (policies/lib, policies/data), never rules/, all.ts or index.ts`, () => {
            const bad = sources(dir).flatMap((f) =>
                importsOf(f)
                    .filter((t) => t.startsWith("policies/") && !allowedFromPack(t))
                    .map((t) => `${f} -> ${t}`),
            );
            assert.deepEqual(bad, []);
        });
    }

    it("contracts/ imports nothing of the project", () => {
        assert.deepEqual(
            sources("contracts").flatMap((f) => importsOf(f).map((t) => `${f} -> ${t}`)),
            [],
        );
    });
});
