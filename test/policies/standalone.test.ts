/** policies/ is installed and run on its own (`pulumi preview --policy-pack policies`): it may import only its own files, Node built-ins and the dependencies policies/package.json declares. */
import { strict as assert } from "assert";
import { builtinModules } from "module";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..", "policies");

describe("policies: the pack stays installable on its own", () => {
    it("every import of policies/**/*.ts is inside policies/, a Node built-in or a declared dependency", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        const declared = new Set(Object.keys(pkg.dependencies));
        const problems: string[] = [];
        let files = 0;
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) {
                    if (e.name !== "node_modules") walk(p);
                    continue;
                }
                if (!e.name.endsWith(".ts")) continue;
                files++;
                const src = fs.readFileSync(p, "utf8");
                for (const m of src.matchAll(/(?:from\s+|require\(|import\()\s*["']([^"']+)["']/g)) {
                    const spec = m[1];
                    const rel = path.relative(ROOT, p);
                    if (spec.startsWith(".")) {
                        const target = path.resolve(path.dirname(p), spec);
                        if (path.relative(ROOT, target).startsWith("..")) problems.push(`${rel}: '${spec}' leaves policies/`);
                        continue;
                    }
                    const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
                    if (builtinModules.includes(name.replace(/^node:/, ""))) continue;
                    if (!declared.has(name)) problems.push(`${rel}: '${spec}' is not declared in policies/package.json`);
                }
            }
        };
        walk(ROOT);
        assert.ok(files > 20, `${files} files`);
        assert.deepEqual(problems, []);
    });
});
