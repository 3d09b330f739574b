#!/usr/bin/env node
/**
 * Runs a TypeScript entry point with plain `node`: `node scripts/run-ts.cjs <entry.ts> [args...]`. Requiring this file
 * (`node -r ./scripts/run-ts.cjs`, mocha's `require`, a worker thread's first line) installs the same `.ts` loader in
 * that thread. Every package script, `build_ml_environment.sh`, the tests and the child processes and worker threads
 * the project starts from its sources load their `.ts` modules through it.
 *
 * Each `.ts` module is transpiled as `ts-node --transpile-only` did (TypeScript's transpileModule with tsconfig.json's
 * target, module and esModuleInterop; type checking is `npm test`'s tsc), and kept in a disk cache keyed by a hash of the
 * source, the TypeScript version and those options. A run whose modules are all cached never loads TypeScript. Measured
 * on the benchmark VM (docs/monitoring.md): `npm run monitor -- --help` starts in 0.26 s with 68 MB RSS instead of 2.2 s
 * with 195 MB under ts-node, whose compiler objects (≈ 20 MB) also stayed in the heap and were marked again by every full
 * garbage collection of a long run.
 *
 * - Modules keep their own paths: `__dirname`, relative `require`s and data files work as before.
 * - Stack traces: frames in `.ts` files show the TypeScript position (each transpiled module carries an inline source
 *   map, read only when a stack is formatted). `mapPosition` gives the same mapping to code that records positions.
 * - Cache: `node_modules/.cache/mlplatform-ts/` (the system temp folder when that is not writable). An entry is written
 *   to a temporary file and renamed, so a concurrent run never reads half of one. `MLPLATFORM_TS_CACHE=0` transpiles
 *   every module again without reading or writing the cache (what a first run costs).
 * - A syntax error names the file and the position, and the run exits with code 1 as for any uncaught error.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const Module = require("module");

const ROOT = path.resolve(__dirname, "..");
/** The compiler options that change one file's output (tsconfig.json's; the test "run-ts.test.ts" keeps them equal). */
const COMPILER_OPTIONS = { module: "commonjs", target: "ES2022", esModuleInterop: true, inlineSourceMap: true };
const MARK = Symbol.for("mlplatform.run-ts");

function typescriptVersion() {
    try {
        return JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [ROOT] }), "utf8")).version;
    } catch {
        return "missing";
    }
}

function writableDir(candidates) {
    for (const dir of candidates) {
        try {
            fs.mkdirSync(dir, { recursive: true });
            fs.accessSync(dir, fs.constants.W_OK);
            return dir;
        } catch {
            // the next candidate
        }
    }
    return undefined;
}

let state;
function init() {
    if (state) return state;
    const enabled = process.env.MLPLATFORM_TS_CACHE !== "0";
    state = {
        salt: `${typescriptVersion()}\n${JSON.stringify(COMPILER_OPTIONS)}\n`,
        dir: enabled ? writableDir([path.join(ROOT, "node_modules", ".cache", "mlplatform-ts"), path.join(os.tmpdir(), "mlplatform-ts")]) : undefined,
        ts: undefined,
        options: undefined,
        /** transpiled code of the modules loaded in this thread, for source positions */
        code: new Map(),
        maps: new Map(),
        transpiled: 0,
        pruned: false,
    };
    return state;
}

function transpile(src, file) {
    const s = init();
    if (!s.ts) {
        s.ts = require(require.resolve("typescript", { paths: [ROOT] }));
        s.options = s.ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, ROOT).options;
    }
    const ts = s.ts;
    const out = ts.transpileModule(src, { compilerOptions: s.options, fileName: file, reportDiagnostics: true });
    const errors = (out.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        const where = (d) => {
            if (!d.file || d.start === undefined) return file;
            const p = d.file.getLineAndCharacterOfPosition(d.start);
            return `${file}:${p.line + 1}:${p.character + 1}`;
        };
        const msg = errors.map((d) => `${where(d)}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`).join("\n");
        throw new SyntaxError(`${msg}\n(the TypeScript source could not be transpiled; fix the syntax error above)`);
    }
    s.transpiled++;
    return out.outputText;
}

/** Entries kept: past MAX_ENTRIES, the first store of a process removes the oldest until MAX_ENTRIES / 2 are left. */
const MAX_ENTRIES = 4000;

/** The cache file for the source `src` of `file` (undefined when there is no cache). */
function cacheFile(file, src) {
    const s = init();
    if (!s.dir) return undefined;
    const key = crypto.createHash("sha256").update(s.salt).update(file).update("\n").update(src).digest("hex").slice(0, 40);
    return path.join(s.dir, `${key}.js`);
}

function prune(dir) {
    const names = fs.readdirSync(dir).filter((n) => n.endsWith(".js"));
    if (names.length <= MAX_ENTRIES) return;
    const aged = names.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
    for (const { n } of aged.slice(0, aged.length - MAX_ENTRIES / 2)) fs.rmSync(path.join(dir, n), { force: true });
}

/** The JavaScript for `src` (the source of `file`): from the cache, or transpiled and stored. */
function compile(src, file) {
    const s = init();
    const cached = cacheFile(file, src);
    if (cached) {
        try {
            return fs.readFileSync(cached, "utf8");
        } catch {
            // not cached yet
        }
    }
    const js = transpile(src, file);
    if (cached) {
        const tmp = `${cached}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
        try {
            fs.writeFileSync(tmp, js);
            fs.renameSync(tmp, cached);
            if (!s.pruned) {
                s.pruned = true;
                prune(s.dir);
            }
        } catch {
            // a read-only or full disk: the run goes on, uncached
            fs.rmSync(tmp, { force: true });
        }
    }
    return js;
}

/** The source map of a loaded `.ts` module (parsed on first use), or undefined. */
function sourceMapOf(file) {
    const s = init();
    if (s.maps.has(file)) return s.maps.get(file);
    const js = s.code.get(file);
    if (js === undefined) return undefined;
    let map;
    const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
    if (m) {
        try {
            map = new Module.SourceMap(JSON.parse(Buffer.from(m[1], "base64").toString("utf8")));
        } catch {
            map = undefined;
        }
    }
    s.maps.set(file, map);
    return map;
}

/**
 * The TypeScript position of a position in a loaded module's transpiled code (1-based line and column, as stack
 * traces give them), or the position itself when the module is not one of this loader's.
 */
function mapPosition(file, line, column) {
    const map = sourceMapOf(file);
    const e = map && map.findEntry(line - 1, Math.max(0, column - 1));
    if (!e || e.originalLine === undefined) return { file, line, column };
    return { file, line: e.originalLine + 1, column: e.originalColumn + 1 };
}

const FRAME = /(\(|at )((?:[A-Za-z]:)?[^():]+\.ts):(\d+):(\d+)(\)?)$/;
function mapFrame(text) {
    return text.replace(FRAME, (all, pre, file, line, col, post) => {
        const p = mapPosition(file, Number(line), Number(col));
        return `${pre}${p.file}:${p.line}:${p.column}${post}`;
    });
}

/** V8's stack format (or the formatter installed before this one), with positions in `.ts` modules mapped. */
function mappingPrepareStackTrace(previous) {
    return function prepareStackTrace(error, frames) {
        if (typeof previous === "function") {
            const text = previous(error, frames);
            return typeof text === "string" ? text.split("\n").map(mapFrame).join("\n") : text;
        }
        let head;
        try {
            head = Error.prototype.toString.call(error);
        } catch {
            head = "Error";
        }
        return head + frames.map((f) => `\n    at ${mapFrame(String(f))}`).join("");
    };
}

/** Installs the `.ts` loader in this thread (idempotent). */
function register() {
    if (process[MARK]) return;
    const s = init();
    Module._extensions[".ts"] = function (module, filename) {
        const js = compile(fs.readFileSync(filename, "utf8"), filename);
        s.code.set(filename, js);
        s.maps.delete(filename);
        module._compile(js, filename);
    };
    // Node's --enable-source-maps maps the frames itself (from the inline maps)
    if (!process.execArgv.includes("--enable-source-maps") && !/--enable-source-maps/.test(process.env.NODE_OPTIONS || "")) {
        Error.prepareStackTrace = mappingPrepareStackTrace(Error.prepareStackTrace);
    }
    process[MARK] = __filename;
}

module.exports = { register, mapPosition, cacheFile, COMPILER_OPTIONS, MAX_ENTRIES, stats: () => ({ transpiled: init().transpiled, cacheDir: init().dir }) };
register();

if (require.main === module) {
    const [entry, ...args] = process.argv.slice(2);
    if (!entry) {
        process.stderr.write("usage: node scripts/run-ts.cjs <entry.ts> [args...]\n");
        process.exit(2);
    }
    const file = path.resolve(entry);
    process.argv = [process.argv[0], file, ...args];
    Module.runMain(file);
}
