/**
 * Lambda code archive from the repository's TypeScript sources, without a bundler or a build step.
 *
 * `buildLambdaArchive("lib/monitoring/lambda/handler.ts")` walks the import graph from the entry: every relative
 * import is transpiled to CommonJS with `typescript.transpileModule` (the same compiler options as tsconfig.json for
 * code generation) and placed at its repository path with a `.js` extension, e.g. `lib/monitoring/lambda/handler.js`.
 * The graph is read from the *transpiled* output's `require(...)` calls, so type-only imports (erased by the compiler)
 * do not drag modules into the archive.
 *
 *   - Node.js built-ins (`fs`, `node:path`, `stream/promises`, ...) stay external;
 *   - `@aws-sdk/*` stays external: the Lambda Node.js 20 runtime ships the AWS SDK for JavaScript v3;
 *   - any other npm import is an error naming the module and the file importing it (vendor it or remove it: the
 *     archive carries no node_modules).
 *
 * The output is deterministic: files sorted by path, content depends only on the sources.
 */
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";

/** Repository root (this file lives in components/). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** npm scopes the Lambda Node.js runtime provides. */
export const RUNTIME_PROVIDED_SCOPES = ["@aws-sdk/"] as const;

const COMPILER_OPTIONS: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    strict: true,
    sourceMap: false,
    inlineSourceMap: false,
    removeComments: false,
};

export interface LambdaSourceFile {
    /** Path in the archive, relative to the repository root, `/`-separated, `.js` extension. */
    archivePath: string;
    /** Absolute path of the TypeScript source. */
    source: string;
    /** CommonJS output. */
    code: string;
}

export interface LambdaBundle {
    /** Transpiled local modules, sorted by archive path. */
    files: LambdaSourceFile[];
    /** External modules required (built-ins and runtime-provided SDK packages), sorted. */
    externals: string[];
}

const BUILTINS = new Set(builtinModules);

function isBuiltin(spec: string): boolean {
    return spec.startsWith("node:") || BUILTINS.has(spec) || BUILTINS.has(spec.split("/")[0]);
}

function resolveLocal(fromFile: string, spec: string): string | undefined {
    const base = path.resolve(path.dirname(fromFile), spec);
    for (const c of [`${base}.ts`, path.join(base, "index.ts"), base.endsWith(".js") ? base.slice(0, -3) + ".ts" : undefined]) {
        if (c && fs.existsSync(c) && fs.statSync(c).isFile()) return c;
    }
    return undefined;
}

/** `require("x")` specifiers of a CommonJS module, in order of appearance. */
function requiredSpecifiers(code: string, fileName: string): string[] {
    const sf = ts.createSourceFile(fileName, code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
    const out: string[] = [];
    const visit = (n: ts.Node): void => {
        if (
            ts.isCallExpression(n) &&
            ts.isIdentifier(n.expression) &&
            n.expression.text === "require" &&
            n.arguments.length === 1 &&
            ts.isStringLiteralLike(n.arguments[0])
        ) {
            out.push(n.arguments[0].text);
        }
        ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
}

function toArchivePath(file: string, root: string): string {
    const rel = path.relative(root, file);
    if (rel.startsWith("..") || path.isAbsolute(rel)) {
        throw new Error(`buildLambdaArchive: ${file} is outside the repository root ${root}; Lambda sources must live in the repository.`);
    }
    return rel.split(path.sep).join("/").replace(/\.ts$/, ".js");
}

/** Bundles already built in this process, reused while none of their sources changed (size and mtime). */
const cache = new Map<string, { bundle: LambdaBundle; stamps: [string, number, number][] }>();

function stamp(file: string): [string, number, number] {
    const st = fs.statSync(file);
    return [file, st.size, st.mtimeMs];
}

/**
 * Transpiles the entry and every module it reaches through relative imports. `entry` is a `.ts` path, absolute or
 * relative to the repository root.
 */
export function collectLambdaSources(entry: string, root: string = REPO_ROOT): LambdaBundle {
    const start = path.resolve(root, entry);
    if (!start.endsWith(".ts") || !fs.existsSync(start)) {
        throw new Error(`buildLambdaArchive: entry ${entry} is not an existing .ts file (resolved to ${start}); pass e.g. "lib/monitoring/lambda/handler.ts".`);
    }
    const key = `${path.resolve(root)}\0${start}`;
    const hit = cache.get(key);
    if (hit && hit.stamps.every(([f, size, mtime]) => fs.existsSync(f) && stamp(f)[1] === size && stamp(f)[2] === mtime)) return hit.bundle;
    const bundle = transpileGraph(start, root);
    cache.set(key, { bundle, stamps: bundle.files.map((f) => stamp(f.source)) });
    return bundle;
}

function transpileGraph(start: string, root: string): LambdaBundle {
    const files = new Map<string, LambdaSourceFile>();
    const externals = new Set<string>();
    const queue = [start];
    while (queue.length) {
        const file = queue.shift()!;
        if (files.has(file)) continue;
        if (file.endsWith(".d.ts")) throw new Error(`buildLambdaArchive: ${file} is a declaration file and has no code to run.`);
        const source = fs.readFileSync(file, "utf8");
        const out = ts.transpileModule(source, { compilerOptions: COMPILER_OPTIONS, fileName: file, reportDiagnostics: true });
        const syntax = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
        if (syntax.length) {
            throw new Error(
                `buildLambdaArchive: ${path.relative(root, file)} does not compile: ${ts.flattenDiagnosticMessageText(syntax[0].messageText, "\n")}`,
            );
        }
        const code = out.outputText;
        files.set(file, { archivePath: toArchivePath(file, root), source: file, code });
        for (const spec of requiredSpecifiers(code, file)) {
            if (spec.startsWith("./") || spec.startsWith("../")) {
                const dep = resolveLocal(file, spec);
                if (!dep)
                    throw new Error(`buildLambdaArchive: ${path.relative(root, file)} imports "${spec}", which resolves to no .ts file; fix the import path.`);
                queue.push(dep);
            } else if (isBuiltin(spec)) {
                externals.add(spec);
            } else if (RUNTIME_PROVIDED_SCOPES.some((s) => spec.startsWith(s))) {
                externals.add(spec);
            } else if (spec.startsWith("/")) {
                throw new Error(`buildLambdaArchive: ${path.relative(root, file)} imports the absolute path "${spec}"; use a relative import.`);
            } else {
                throw new Error(
                    `buildLambdaArchive: ${path.relative(root, file)} imports the npm module "${spec}", which the Lambda Node.js 20 runtime does not provide ` +
                        `(only Node built-ins and ${RUNTIME_PROVIDED_SCOPES.join(", ")}* are). Remove the import from the Lambda's import graph or move the code into the repository.`,
                );
            }
        }
    }
    const sorted = [...files.values()].sort((a, b) => (a.archivePath < b.archivePath ? -1 : a.archivePath > b.archivePath ? 1 : 0));
    return { files: sorted, externals: [...externals].sort() };
}

/** The Lambda code archive: one StringAsset per transpiled module, at its repository path. */
export function buildLambdaArchive(entry: string, root: string = REPO_ROOT): pulumi.asset.AssetArchive {
    const bundle = collectLambdaSources(entry, root);
    const assets: Record<string, pulumi.asset.Asset> = {};
    for (const f of bundle.files) assets[f.archivePath] = new pulumi.asset.StringAsset(f.code);
    return new pulumi.asset.AssetArchive(assets);
}

/** Lambda `handler` setting for an entry and export name, e.g. `lib/monitoring/lambda/handler.handler`. */
export function lambdaHandlerPath(entry: string, exportName = "handler", root: string = REPO_ROOT): string {
    return `${toArchivePath(path.resolve(root, entry), root).replace(/\.js$/, "")}.${exportName}`;
}
