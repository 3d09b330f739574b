import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackFile } from "../../infra/stack-config";
import { readManifest } from "../../scripts/framework/manifest";
import { RunOptions, runStep, StepDefinition, StepError } from "../../scripts/framework/step";

describe("pipeline step framework", () => {
    let workdir: string;
    let projectDir: string;
    let lines: string[];
    const config = loadStackFile("dev");
    const opts = (extra: Partial<RunOptions> = {}): RunOptions => ({
        stack: "dev",
        target: "local",
        workdir,
        projectDir,
        config,
        force: false,
        options: {},
        out: (l) => lines.push(l),
        ...extra,
    });

    beforeEach(() => {
        workdir = fs.mkdtempSync(path.join(os.tmpdir(), "steps-"));
        projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "proj-"));
        fs.writeFileSync(path.join(projectDir, "input.txt"), "v1");
        lines = [];
    });
    afterEach(() => {
        fs.rmSync(workdir, { recursive: true, force: true });
        fs.rmSync(projectDir, { recursive: true, force: true });
    });

    let runs = 0;
    const counting: StepDefinition = {
        name: "count",
        description: "counts its runs",
        dependsOn: [],
        inputFiles: () => ["input.txt"],
        inputValues: (ctx) => ({ n: ctx.options.n ?? 1 }),
        async run() {
            runs++;
            return { summary: `run ${runs}`, results: { runs }, artifacts: { a: "x" } };
        },
    };

    it("records a step in the manifest and skips it while its inputs are unchanged", async () => {
        runs = 0;
        await runStep(counting, opts());
        await runStep(counting, opts());
        assert.strictEqual(runs, 1);
        assert.ok(lines.some((l) => l.includes("count: up to date, skipped (run 1")));
        const rec = readManifest(workdir, "dev", "local").steps.count;
        assert.strictEqual(rec.status, "succeeded");
        assert.deepStrictEqual(rec.results, { runs: 1 });
        assert.ok(rec.durationMs! >= 0 && rec.finishedAt && rec.inputsHash.length === 64);
    });

    it("re-runs with --force, when an input file changes, and when an option changes", async () => {
        runs = 0;
        await runStep(counting, opts());
        await runStep(counting, opts({ force: true }));
        assert.strictEqual(runs, 2);
        fs.writeFileSync(path.join(projectDir, "input.txt"), "v2");
        await runStep(counting, opts());
        assert.strictEqual(runs, 3);
        await runStep(counting, opts({ options: { n: "2" } }));
        assert.strictEqual(runs, 4);
    });

    it("records a failure with its message and keeps earlier steps' results", async () => {
        runs = 0;
        await runStep(counting, opts());
        const failing: StepDefinition = {
            ...counting,
            name: "boom",
            dependsOn: ["count"],
            run: async () => Promise.reject(new StepError("quality gate: AUC 0.5 < 0.9")),
        };
        await assert.rejects(runStep(failing, opts()), /quality gate/);
        const m = readManifest(workdir, "dev", "local");
        assert.strictEqual(m.steps.boom.status, "failed");
        assert.strictEqual(m.steps.boom.error, "quality gate: AUC 0.5 < 0.9");
        assert.strictEqual(m.steps.count.status, "succeeded");
        assert.ok(lines.some((l) => l.startsWith("=== boom: FAILED after") && l.includes("quality gate")));
    });

    it("refuses to run a step whose dependency has not succeeded, naming the step to run", async () => {
        const dependent: StepDefinition = { ...counting, name: "later", dependsOn: ["count"] };
        await assert.rejects(runStep(dependent, opts()), /step 'count' has not succeeded .* run it first \(\.\/build_ml_environment\.sh --from count\)/);
        assert.ok(lines.some((l) => l.startsWith("=== later: cannot run")));
    });

    it("re-runs a dependent step after its dependency re-ran", async () => {
        runs = 0;
        let laterRuns = 0;
        const later: StepDefinition = { ...counting, name: "later", dependsOn: ["count"], run: async () => ({ summary: `later ${++laterRuns}` }) };
        await runStep(counting, opts());
        await runStep(later, opts());
        await runStep(later, opts());
        assert.strictEqual(laterRuns, 1);
        await runStep(counting, opts({ force: true }));
        await runStep(later, opts());
        assert.strictEqual(laterRuns, 2);
    });

    it("refuses a manifest that belongs to another stack or target", async () => {
        await runStep(counting, opts());
        await assert.rejects(runStep(counting, opts({ stack: "prod", config: loadStackFile("prod") })), /belongs to stack 'dev'/);
    });
});
