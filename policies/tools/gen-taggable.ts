/**
 * Generates `policies/data/taggable-types.json`: the Pulumi type tokens of every `@pulumi/aws`
 * resource whose `<Name>Args` interface has a `tags` property.
 *
 * How: walk `node_modules/@pulumi/aws/**\/*.d.ts`; in each file find `export interface <X>Args {`
 * and look for a top-level `tags?:` member that is a key/value map inside that interface body; then read the sibling `.js`
 * for the class's `__pulumiType = '<token>'`. Run from the repo root after upgrading @pulumi/aws:
 *
 *     node scripts/run-ts.cjs policies/tools/gen-taggable.ts
 *
 * The output is deterministic (sorted) so diffs show exactly what a provider upgrade changed.
 */
import * as fs from "fs";
import * as path from "path";

export interface TaggableTypes {
    generatedBy: string;
    provider: string;
    providerVersion: string;
    count: number;
    types: string[];
}

function walk(dir: string, out: string[]): void {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (e.name !== "node_modules") {
                walk(p, out);
            }
        } else if (e.name.endsWith(".d.ts")) {
            out.push(p);
        }
    }
}

/** Names of `<X>Args` interfaces in `src` that declare a top-level `tags` member. */
export function argsInterfacesWithTags(src: string): string[] {
    const out: string[] = [];
    const re = /^export interface (\w+)Args \{$/gm;
    let m: RegExpExecArray | null;
    while ((m = re.exec(src)) !== null) {
        const start = m.index + m[0].length;
        const end = src.indexOf("\n}", start);
        const body = src.slice(start, end < 0 ? undefined : end);
        // Members of the interface are indented by exactly four spaces. Only key/value maps count:
        // a few resources (autoscaling Group, devopsguru ResourceCollection) use `tags` for
        // something else (a list of tag specs, a filter) and the tag policy cannot read those.
        if (/^ {4}tags\??: (?:pulumi\.Input<)?\{\s*\n\s*\[key: string\]/m.test(body)) {
            out.push(m[1]);
        }
    }
    return out;
}

/** The `__pulumiType` token of class `className` in compiled JS `js`. */
export function pulumiTypeOf(js: string, className: string): string | undefined {
    const cls = js.indexOf(`class ${className} extends`);
    if (cls < 0) {
        return undefined;
    }
    const m = /__pulumiType = ['"]([^'"]+)['"]/.exec(js.slice(cls));
    return m ? m[1] : undefined;
}

export function generate(awsDir: string): TaggableTypes {
    const files: string[] = [];
    walk(awsDir, files);
    const types = new Set<string>();
    for (const f of files) {
        const src = fs.readFileSync(f, "utf8");
        const names = argsInterfacesWithTags(src);
        if (names.length === 0) {
            continue;
        }
        const jsFile = f.replace(/\.d\.ts$/, ".js");
        if (!fs.existsSync(jsFile)) {
            continue;
        }
        const js = fs.readFileSync(jsFile, "utf8");
        for (const n of names) {
            const t = pulumiTypeOf(js, n);
            if (t) {
                types.add(t);
            }
        }
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(awsDir, "package.json"), "utf8"));
    const sorted = [...types].sort();
    return {
        generatedBy: "policies/tools/gen-taggable.ts",
        provider: "@pulumi/aws",
        providerVersion: String(pkg.version),
        count: sorted.length,
        types: sorted,
    };
}

if (require.main === module) {
    const root = process.cwd();
    const awsDir = path.join(root, "node_modules", "@pulumi", "aws");
    const out = path.join(root, "policies", "data", "taggable-types.json");
    const result = generate(awsDir);
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(`wrote ${result.count} taggable types (${result.provider} ${result.providerVersion}) to ${path.relative(root, out)}`);
}
