/**
 * The layer rules cannot rot silently: dependency-cruiser runs with the repository's own .dependency-cruiser.cjs on a
 * small tree written to a temp dir that has one forbidden import per rule (and allowed imports beside them), and must
 * report exactly the forbidden ones and exit non-zero; ESLint's `layers/imports` (eslint.config.mjs, same table) must
 * flag an upward import at a path inside the repository and pass an allowed one. The real tree is checked by
 * `npm run lint:deps` / `npm run lint:code` (docs/code-style.md).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");

/** The fixture: file → its imports (written as `import "<spec>";` lines, or `import type` for `type:` specs). */
const TREE: Record<string, string[]> = {
    "contracts/names.ts": ["fs"],
    "contracts/outputs.ts": ["./names", "yaml"], // npm package in contracts/ → contracts-node-only
    "contracts/upward.ts": ["../lib/ok"], // → layer-contracts
    "lib/ok.ts": ["../contracts/outputs", "../policies/lib/tags", "../policies/data/prices.json", "yaml"],
    "lib/upward.ts": ["../infra/config"], // → layer-lib
    "lib/cycle-a.ts": ["./cycle-b"],
    "lib/cycle-b.ts": ["type:./cycle-a"], // a cycle through a type-only import → no-circular
    "components/ok.ts": ["../lib/ok", "../policies/lib/tags", "../contracts/names"],
    "components/pack.ts": ["../policies/rules/tags"], // the pack's rules → layer-components
    "infra/config.ts": ["../components/ok", "../lib/ok"],
    "infra/gate.ts": ["../gate/run"], // → layer-infra
    "policies/lib/tags.ts": ["@pulumi/policy"],
    "policies/lib/reach.ts": ["../../lib/ok"], // outside policies/ → layer-policies-lib
    "policies/rules/tags.ts": ["../lib/tags", "../exemptions.json", "csv-parse"], // undeclared npm package → policies-own-packages
    "policies/rules/outside.ts": ["../../components/ok"], // → layer-policies
    "policies/all.ts": ["./rules/tags"],
    "gate/run.ts": ["../infra/config", "../policies/all"],
    "gate/cli.ts": ["../scripts/cli/plan"], // → layer-gate
    "scripts/framework/step.ts": ["../../gate/run"],
    "scripts/framework/up.ts": ["../cli/plan"], // → layer-scripts-framework
    "scripts/steps/train/local.ts": ["../../framework/step"],
    "scripts/steps/train/aws.ts": ["../../cli/plan"], // → layer-scripts-steps
    "scripts/cli/plan.ts": ["../steps/train/local", "../framework/step", "../../policies/all"],
    "scripts/cli/bench.ts": ["../../bench/ok"], // → layer-scripts-cli
    "scripts/tools/gen.ts": ["../cli/plan"],
    "scripts/tools/test-helper.ts": ["../../test/helper"], // → layer-scripts
    "test-support/fixture.ts": ["../lib/ok", "../gate/run"],
    "test-support/reach.ts": ["../test/helper"], // → layer-test-support
    "bench/ok.ts": ["../scripts/cli/plan", "../test-support/fixture"],
    "bench/helper.ts": ["../test/helper"], // → layer-bench
    "test/helper.ts": ["../scripts/cli/plan", "../bench/ok", "../lib/upward"],
    "newfolder/x.ts": ["../lib/ok"], // a folder of no layer → layer-unknown
};

const EXPECTED = [
    "contracts-node-only contracts/outputs.ts → node_modules/yaml/index.js",
    "layer-contracts contracts/upward.ts → lib/ok.ts",
    "layer-policies policies/rules/outside.ts → components/ok.ts",
    "layer-scripts-cli scripts/cli/bench.ts → bench/ok.ts",
    "layer-lib lib/upward.ts → infra/config.ts",
    "layer-components components/pack.ts → policies/rules/tags.ts",
    "layer-infra infra/gate.ts → gate/run.ts",
    "layer-policies-lib policies/lib/reach.ts → lib/ok.ts",
    "policies-own-packages policies/rules/tags.ts → node_modules/csv-parse/index.js",
    "layer-gate gate/cli.ts → scripts/cli/plan.ts",
    "layer-scripts-framework scripts/framework/up.ts → scripts/cli/plan.ts",
    "layer-scripts-steps scripts/steps/train/aws.ts → scripts/cli/plan.ts",
    "layer-scripts scripts/tools/test-helper.ts → test/helper.ts",
    "layer-bench bench/helper.ts → test/helper.ts",
    "layer-test-support test-support/reach.ts → test/helper.ts",
    "layer-unknown newfolder/x.ts → lib/ok.ts",
    "no-circular lib/cycle-a.ts → lib/cycle-b.ts",
].sort();

function writeTree(dir: string): void {
    for (const [file, specs] of Object.entries(TREE)) {
        const lines = specs.map((s) => (s.startsWith("type:") ? `import type {} from "${s.slice(5)}";` : `import "${s}";`));
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), `${lines.join("\n")}\nexport const x = 1;\n`);
    }
    fs.mkdirSync(path.join(dir, "policies", "data"), { recursive: true });
    fs.writeFileSync(path.join(dir, "policies", "data", "prices.json"), "{}\n");
    fs.writeFileSync(path.join(dir, "policies", "exemptions.json"), "{}\n");
    fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node", resolveJsonModule: true, strict: true } }),
    );
    fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: "layers-fixture", private: true, dependencies: { yaml: "1.0.0", "csv-parse": "1.0.0", "@pulumi/policy": "1.0.0" } }),
    );
    for (const pkg of ["yaml", "csv-parse", "@pulumi/policy"]) {
        fs.mkdirSync(path.join(dir, "node_modules", pkg), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", pkg, "package.json"), JSON.stringify({ name: pkg, version: "1.0.0", main: "index.js" }));
        fs.writeFileSync(path.join(dir, "node_modules", pkg, "index.js"), "exports.x = 1;\n");
    }
}

interface Violation {
    from: string;
    to: string;
    rule: { name: string; severity: string };
    cycle?: { name: string }[];
}

describe("layer rules (.dependency-cruiser.cjs, eslint.config.mjs)", function () {
    this.timeout(120_000);
    let dir = "";
    before(() => {
        // realpath: on macOS os.tmpdir() is behind a symlink, and dependency-cruiser reports real paths.
        dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "layers-")));
        writeTree(dir);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("dependency-cruiser reports exactly the forbidden imports of the fixture tree and exits non-zero", () => {
        const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", ".bin", "depcruise"), "--config", CONFIG, "--output-type", "json", "."], {
            cwd: dir,
            encoding: "utf8",
        });
        assert.ok(r.stdout, `depcruise printed nothing: ${r.stderr}`);
        const out = JSON.parse(r.stdout) as { summary: { violations: Violation[]; error: number; totalCruised: number } };
        const got = out.summary.violations.map((v) => `${v.rule.name} ${v.from} → ${v.to}`).sort();
        assert.deepEqual(got, EXPECTED);
        assert.ok(out.summary.violations.every((v) => v.rule.severity === "error"));
        assert.equal(out.summary.totalCruised >= Object.keys(TREE).length, true, `cruised ${out.summary.totalCruised} modules`);
        // The output type of npm run lint:deps exits with the number of errors.
        const err = spawnSync(process.execPath, [path.join(ROOT, "node_modules", ".bin", "depcruise"), "--config", CONFIG, "--output-type", "err", "."], {
            cwd: dir,
            encoding: "utf8",
        });
        assert.equal(err.status, EXPECTED.length, err.stdout + err.stderr);
        assert.match(err.stdout, /layer-lib: lib\/upward\.ts → infra\/config\.ts/);
    });

    it("every rule of the configuration is exercised by the fixture (a new rule needs a case here)", () => {
        const config = require(CONFIG) as { forbidden: { name: string }[] };
        const covered = new Set(EXPECTED.map((e) => e.split(" ")[0]));
        const untested = config.forbidden.map((r) => r.name).filter((n) => !covered.has(n) && n !== "not-to-unresolvable");
        assert.deepEqual(untested, []);
    });

    it("the npm scripts run this configuration and fail on a violation", () => {
        const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        assert.match(scripts["lint:deps"], /depcruise --config \.dependency-cruiser\.cjs --output-type err \.$/);
        assert.match(scripts.lint, /lint:format/);
        assert.match(scripts.lint, /lint:code/);
        assert.match(scripts.lint, /lint:deps/);
    });

    it("ESLint's layers/imports flags an upward import where it is written and passes an allowed one", async () => {
        const { ESLint } = (await import("eslint")) as typeof import("eslint");
        const eslint = new ESLint({ cwd: ROOT });
        const lint = async (file: string, code: string) => {
            const [res] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
            return res.messages.filter((m) => m.ruleId === "layers/imports").map((m) => m.message);
        };
        const upward = await lint("lib/layers-fixture.ts", 'import type { PlatformConfig } from "../infra/config";\nexport type X = PlatformConfig;\n');
        assert.equal(upward.length, 1, upward.join("\n"));
        assert.match(upward[0], /lib must not import infra/);
        assert.deepEqual(
            await lint("lib/layers-fixture.ts", 'import { checkStackOutputs } from "../contracts/stack-outputs";\nexport const f = checkStackOutputs;\n'),
            [],
        );
        assert.match(
            (await lint("scripts/steps/train/layers-fixture.ts", 'export * from "../../cli/plan";\n'))[0] ?? "",
            /scripts-steps must not import scripts-cli/,
        );
        assert.match((await lint("contracts/layers-fixture.ts", 'const y = require("yaml");\nexport { y };\n'))[0] ?? "", /npm package yaml/);
        assert.match((await lint("policies/rules/layers-fixture.ts", 'import "../../lib/common/random";\n'))[0] ?? "", /policies must not import lib/);
    });
});
