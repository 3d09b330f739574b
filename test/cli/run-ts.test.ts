/**
 * scripts/run-ts.cjs, the `.ts` loader every entry point starts through: the output of a cached run without loading
 * TypeScript, the compiler options kept equal to tsconfig.json's, stack traces and syntax errors that point at the
 * TypeScript source, `require.main` and argv as under `node file.js`, the cache switched off, and concurrent first runs.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, runSync, type Proc } from "../helpers/cli";

const RUNNER = path.join(ROOT, "scripts", "run-ts.cjs");
const runner = require(RUNNER) as {
    COMPILER_OPTIONS: Record<string, unknown>;
    cacheFile(file: string, src: string): string | undefined;
    mapPosition(file: string, line: number, column: number): { file: string; line: number; column: number };
};

/** An entry that reports whether TypeScript was loaded and how many modules this run transpiled. */
const REPORT = `
interface Shape { a: number }
type Alias = Shape;
import * as helper from "./helper";
const loaded = Object.keys(require.cache).some((k) => k.includes(\`\${require("path").sep}typescript\${require("path").sep}\`));
const { stats } = require(${JSON.stringify(RUNNER)});
const s: Alias = { a: helper.answer() };
console.log(JSON.stringify({ loaded, transpiled: stats().transpiled, a: s.a, main: require.main === module, argv: process.argv.slice(1) }));
`;
const HELPER = `export function answer(): number {\n    return 42;\n}\n`;

function runTs(dir: string, entry: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Proc {
    return runSync(process.execPath, [RUNNER, path.join(dir, entry), ...args], { env });
}

describe("scripts/run-ts.cjs: the .ts loader of every entry point", function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => {
        // a new folder per test: its modules' cache keys (path + source) are new, so a first run is a cache miss
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "run-ts-"));
        fs.writeFileSync(path.join(dir, "helper.ts"), HELPER);
        fs.writeFileSync(path.join(dir, "main.ts"), REPORT);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("transpiles on the first run, then runs from the cache without loading TypeScript; the entry is require.main with its argv", () => {
        const first = runTs(dir, "main.ts", ["--flag", "x"]);
        assert.equal(first.code, 0, first.stderr);
        const a = JSON.parse(first.stdout);
        assert.deepEqual(a, { loaded: true, transpiled: 2, a: 42, main: true, argv: [path.join(dir, "main.ts"), "--flag", "x"] });
        const second = runTs(dir, "main.ts");
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(JSON.parse(second.stdout), { loaded: false, transpiled: 0, a: 42, main: true, argv: [path.join(dir, "main.ts")] });
        // a changed source is a new entry: only that module is transpiled again
        fs.writeFileSync(path.join(dir, "helper.ts"), HELPER.replace("42", "43"));
        const third = JSON.parse(runTs(dir, "main.ts").stdout);
        assert.equal(third.transpiled, 1);
        assert.equal(third.a, 43);
    });

    it("MLPLATFORM_TS_CACHE=0 transpiles every module again and writes nothing", () => {
        const entry = path.join(dir, "main.ts");
        const r = runTs(dir, "main.ts", [], { MLPLATFORM_TS_CACHE: "0" });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).transpiled, 2);
        assert.ok(!fs.existsSync(runner.cacheFile(entry, fs.readFileSync(entry, "utf8"))!), "the cache was written with MLPLATFORM_TS_CACHE=0");
    });

    it("compiles with tsconfig.json's target, module and esModuleInterop", () => {
        const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")).compilerOptions;
        for (const k of ["target", "module", "esModuleInterop"]) {
            assert.equal(String(runner.COMPILER_OPTIONS[k]).toLowerCase(), String(tsconfig[k]).toLowerCase(), k);
        }
    });

    it("a thrown error's stack points at the TypeScript line, and the run exits 1", () => {
        // type-only lines and a multi-line signature shift the transpiled lines against the source's
        const src = [
            "interface A {",
            "    x: number;",
            "}",
            "type B = A;",
            "export function boom(",
            "    a: B,",
            "): number {",
            "    throw new Error(`boom ${a.x}`); // line 8",
            "}",
            "boom({ x: 1 });",
        ].join("\n");
        fs.writeFileSync(path.join(dir, "boom.ts"), src);
        for (const attempt of ["transpiled", "cached"]) {
            const r = runTs(dir, "boom.ts");
            assert.equal(r.code, 1, attempt);
            assert.match(r.stderr, /Error: boom 1/);
            assert.ok(r.stderr.includes(`at boom (${path.join(dir, "boom.ts")}:8:11)`), `${attempt}:\n${r.stderr}`);
        }
    });

    it("a syntax error names the file, line and column, and the run exits 1", () => {
        fs.writeFileSync(path.join(dir, "bad.ts"), "const ok = 1;\nconst x: number = ;\n");
        const r = runTs(dir, "bad.ts");
        assert.equal(r.code, 1);
        assert.ok(r.stderr.includes(`${path.join(dir, "bad.ts")}:2:19: Expression expected.`), r.stderr);
        assert.match(r.stderr, /could not be transpiled/);
    });

    it("no entry: usage on stderr, exit 2", () => {
        const r = runSync(process.execPath, [RUNNER]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /usage: node scripts\/run-ts\.cjs <entry\.ts>/);
    });

    it("maps a transpiled position of a module loaded in this process (the gate's source lines use it)", () => {
        // this mocha process loads its .ts files through the same loader (.mocharc.json)
        const self = path.join(ROOT, "test", "helpers", "cli.ts");
        const src = fs.readFileSync(self, "utf8").split("\n");
        const line = src.findIndex((l) => l.startsWith("export function runSync(")) + 1;
        assert.ok(line > 0);
        const cached = fs.readFileSync(runner.cacheFile(self, fs.readFileSync(self, "utf8"))!, "utf8").split("\n");
        const jsLine = cached.findIndex((l) => l.startsWith("function runSync(")) + 1;
        assert.ok(jsLine > 0 && jsLine !== line, `the transpiled line (${jsLine}) should differ from the source's (${line}) for this check`);
        const p = runner.mapPosition(self, jsLine, 1);
        assert.equal(p.line, line);
        // a file the loader did not load is left as it is
        assert.deepEqual(runner.mapPosition("/nowhere.ts", 3, 4), { file: "/nowhere.ts", line: 3, column: 4 });
    });

    it("concurrent first runs of the same new modules all succeed and leave complete cache entries", async () => {
        const runs = await Promise.all(
            Array.from(
                { length: 4 },
                () =>
                    new Promise<Proc>((resolve) => {
                        const p = spawn(process.execPath, [RUNNER, path.join(dir, "main.ts")], { cwd: ROOT });
                        let stdout = "";
                        let stderr = "";
                        p.stdout.on("data", (d) => (stdout += d));
                        p.stderr.on("data", (d) => (stderr += d));
                        p.on("close", (code) => resolve({ code, stdout, stderr }));
                    }),
            ),
        );
        for (const r of runs) {
            assert.equal(r.code, 0, r.stderr);
            assert.equal(JSON.parse(r.stdout).a, 42);
        }
        for (const f of ["main.ts", "helper.ts"]) {
            const file = path.join(dir, f);
            const js = fs.readFileSync(runner.cacheFile(file, fs.readFileSync(file, "utf8"))!, "utf8");
            assert.match(js, /\/\/# sourceMappingURL=data:application\/json;base64,[A-Za-z0-9+/=]+\s*$/, f);
        }
        for (const f of ["main.ts", "helper.ts"]) {
            const file = path.join(dir, f);
            const entry = runner.cacheFile(file, fs.readFileSync(file, "utf8"))!;
            const left = fs.readdirSync(path.dirname(entry)).filter((n) => n.startsWith(`${path.basename(entry)}.`));
            assert.deepEqual(left, [], `temporary files left next to ${entry}`);
        }
    });
});
