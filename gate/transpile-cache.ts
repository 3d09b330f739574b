/**
 * A disk cache for ts-node's transpiled output, used by the gate CLIs (`npm run plan`, `npm run policy:check`).
 *
 * Transpiling the ~50 TypeScript modules the gate loads (program, components, policies) took ~3 s of CPU on every
 * run - about 40% of the gate's CPU time. With the cache, a module whose source, TypeScript version, ts-node version
 * and tsconfig.json are unchanged is loaded from `node_modules/.cache/ml-platform-gate/<sha256>.js` (ts-node's own
 * output, inline source map included); anything else goes through ts-node as before and is stored. Stack traces of
 * cached modules are still mapped to the TypeScript source (the cached code is handed to source-map-support).
 *
 * It only acts in a process whose main module is one of the gate CLIs and when ts-node's `.ts` loader is
 * installed; `MLP_GATE_TRANSPILE_CACHE=0` switches it off. Any error reading or writing the cache falls back to
 * ts-node. Modules loaded before this one (the CLI itself and its first imports) are transpiled as usual.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
export const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "ml-platform-gate");
const CLI_MAINS = [path.join(ROOT, "scripts", "cli", "plan.ts"), path.join(ROOT, "scripts", "cli", "policy-check.ts")];
const MAX_ENTRIES = 1000;

type Loader = (m: NodeJS.Module & { _compile(code: string, filename: string): unknown }, filename: string) => unknown;

function version(pkg: string): string {
    try {
        return (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
        return "?";
    }
}

let salt: string | undefined;
/** Everything besides the source that changes ts-node's output. */
function cacheSalt(): string {
    if (salt === undefined) {
        let tsconfig = "";
        try {
            tsconfig = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
        } catch {
            /* no tsconfig: ts-node defaults */
        }
        salt = [version("typescript"), version("ts-node"), process.env.TS_NODE_COMPILER_OPTIONS ?? "", tsconfig].join("\0");
    }
    return salt;
}

export function cacheKey(filename: string, source: string): string {
    return crypto.createHash("sha256").update(cacheSalt()).update("\0").update(filename).update("\0").update(source).digest("hex");
}

function store(file: string, code: string): void {
    try {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, code);
        fs.renameSync(tmp, file);
        const entries = fs.readdirSync(CACHE_DIR);
        if (entries.length > MAX_ENTRIES) {
            // Keep the most recently written half.
            const aged = entries.map((e) => ({ e, t: fs.statSync(path.join(CACHE_DIR, e)).mtimeMs })).sort((a, b) => a.t - b.t);
            for (const { e } of aged.slice(0, aged.length - MAX_ENTRIES / 2)) fs.rmSync(path.join(CACHE_DIR, e), { force: true });
        }
    } catch {
        /* read-only node_modules and the like: no cache */
    }
}

/** Installs the cache in front of ts-node's `.ts` loader. Returns false when it does not apply. */
export function installTranspileCache(): boolean {
    const exts = require.extensions as unknown as Record<string, Loader & { __gateTranspileCache?: boolean }>;
    const tsLoader = exts[".ts"];
    if (!tsLoader || tsLoader.__gateTranspileCache || process.env.MLP_GATE_TRANSPILE_CACHE === "0") return false;
    if (!require.main || !CLI_MAINS.includes(require.main.filename)) return false;

    const compiled = new Map<string, string>();
    try {
        // ts-node's retrieveFile only knows what ts-node compiled; hand source-map-support the cached code too.
        require("@cspotcode/source-map-support").install({ environment: "node", retrieveFile: (p: string) => compiled.get(p) ?? null });
    } catch {
        /* no source-map-support: stack traces of cached modules point into the transpiled code */
    }

    const cached: Loader & { __gateTranspileCache?: boolean } = (m, filename) => {
        if (filename.includes(`${path.sep}node_modules${path.sep}`)) return tsLoader(m, filename);
        let source: string;
        try {
            source = fs.readFileSync(filename, "utf8");
        } catch {
            return tsLoader(m, filename);
        }
        const file = path.join(CACHE_DIR, `${cacheKey(filename, source)}.js`);
        let code: string | undefined;
        try {
            code = fs.readFileSync(file, "utf8");
        } catch {
            code = undefined;
        }
        if (code !== undefined) {
            compiled.set(filename, code);
            return m._compile(code, filename);
        }
        // Not cached: ts-node wraps m._compile with its compiler and calls it with the source; the wrapped original
        // receives the transpiled code, which is stored on the way.
        const original = m._compile;
        m._compile = function (this: unknown, out: string, fn: string) {
            if (fn === filename) store(file, out);
            return original.call(this, out, fn);
        };
        return tsLoader(m, filename);
    };
    cached.__gateTranspileCache = true;
    exts[".ts"] = cached;
    return true;
}

installTranspileCache();
