/**
 * policies/ installs and loads on its own, the way `pulumi preview --policy-pack policies` and `pulumi policy publish`
 * use it: its own package.json/package-lock.json (TypeScript and @types/node pinned, so the CLI's bundled TypeScript is
 * not what compiles it), its own tsconfig.json, no @pulumi/aws, nothing imported from outside policies/ except
 * declared dependencies, and no internal module of @pulumi/policy or @pulumi/pulumi.
 *
 * The install test copies policies/ alone to a temp directory, runs `npm ci --prefer-offline` (from the npm cache
 * when it has the packages, else from the registry; skipped with a message when neither is reachable), and starts the
 * pack with @pulumi/pulumi's own policy-pack runner (cmd/run-policy-pack: ts-node with type checking, the pack's
 * tsconfig and TypeScript) - the analyzer's first stdout line must be its gRPC port.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROXY_KEYS, UNKNOWN } from "../../policies/lib/unknowns";

const PACK = path.resolve(__dirname, "..", "..", "policies");

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" || e.name === "tools" ? [] : sources(p);
        return e.name.endsWith(".ts") ? [p] : [];
    });
}

describe("standalone policy pack (policies/)", function () {
    this.timeout(600_000);
    const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));

    it("declares its own pinned toolchain, a tsconfig.json and a lockfile that matches package.json; no @pulumi/aws", () => {
        assert.equal(pkg.main, "index.ts");
        assert.match(pkg.devDependencies.typescript, /^5\.9\.\d+$/, "typescript pinned exactly");
        assert.match(pkg.devDependencies["@types/node"], /^20\.\d+\.\d+$/, "@types/node pinned exactly");
        assert.equal(pkg.dependencies["@pulumi/aws"], undefined);
        assert.ok(fs.existsSync(path.join(PACK, "tsconfig.json")));
        const lock = JSON.parse(fs.readFileSync(path.join(PACK, "package-lock.json"), "utf8"));
        assert.deepEqual(lock.packages[""].dependencies, pkg.dependencies);
        assert.deepEqual(lock.packages[""].devDependencies, pkg.devDependencies);
        for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
            assert.equal(lock.packages[`node_modules/${name}`]?.version, pkg.dependencies[name] ?? pkg.devDependencies[name], name);
        }
    });

    it("imports nothing from outside policies/ except declared dependencies, and no internal runtime module", () => {
        const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
        const builtins = new Set(["fs", "path", "os", "crypto", "util"]);
        const problems: string[] = [];
        for (const file of sources(PACK)) {
            const text = fs.readFileSync(file, "utf8");
            for (const m of text.matchAll(/(?:from\s+|require\()\s*"([^"]+)"/g)) {
                const spec = m[1];
                const rel = path.relative(PACK, file);
                if (spec.startsWith(".")) {
                    const target = path.resolve(path.dirname(file), spec);
                    if (!target.startsWith(PACK + path.sep)) problems.push(`${rel}: ${spec} leaves policies/`);
                    continue;
                }
                if (builtins.has(spec)) continue;
                const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
                if (!declared.has(name)) problems.push(`${rel}: ${spec} is not a declared dependency`);
                if (/^@pulumi\/(policy|pulumi)\/./.test(spec)) problems.push(`${rel}: ${spec} is an internal module`);
            }
        }
        assert.deepEqual(problems, []);
    });

    it("the sentinels and proxy keys written out in lib/unknowns.ts are the installed runtime's", () => {
        const proxy = require("@pulumi/policy/proxy");
        assert.deepEqual(UNKNOWN, {
            string: proxy.unknownStringValue,
            number: proxy.unknownNumberValue,
            boolean: proxy.unknownBooleanValue,
            array: proxy.unknownArrayValue,
            object: proxy.unknownObjectValue,
            asset: proxy.unknownAssetValue,
            archive: proxy.unknownArchiveValue,
        });
        assert.deepEqual(PROXY_KEYS, { isSpecialProxy: proxy.isSpecialProxy, getSpecialProxyTarget: proxy.getSpecialProxyTarget });
    });

    it("installs alone (npm ci) and loads under @pulumi/pulumi's policy-pack runner: the analyzer prints its port", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-"));
        try {
            fs.cpSync(PACK, dir, { recursive: true, filter: (src) => !src.split(path.sep).includes("node_modules") });
            const install = spawnSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
                cwd: dir,
                encoding: "utf8",
                timeout: 300_000,
            });
            if (install.status !== 0) {
                if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network|offline/i.test(install.stderr ?? "")) {
                    console.log(`      (skipped: npm ci could not reach the registry or a cache: ${(install.stderr ?? "").split("\n")[0]})`);
                    this.skip();
                }
                assert.fail(`npm ci failed in the copied pack:\n${install.stderr}`);
            }
            assert.ok(!fs.existsSync(path.join(dir, "node_modules", "@pulumi", "aws")), "@pulumi/aws is not installed with the pack");
            const runner = path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
            const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
            let out = "";
            let err = "";
            const port = await new Promise<string>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error(`no port within 120 s; stderr:\n${err}`)), 120_000);
                child.stdout.on("data", (d) => {
                    out += d;
                    const line = out.split("\n")[0];
                    if (out.includes("\n")) {
                        clearTimeout(timer);
                        resolve(line.trim());
                    }
                });
                child.stderr.on("data", (d) => (err += d));
                child.on("exit", (code) => {
                    clearTimeout(timer);
                    reject(new Error(`the pack exited ${code} before serving:\n${err}\n${out}`));
                });
            });
            child.removeAllListeners("exit");
            child.kill("SIGTERM");
            assert.match(port, /^\d+$/, `first stdout line is the analyzer's port (got ${JSON.stringify(port)}); stderr: ${err}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
