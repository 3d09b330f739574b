/**
 * The end-of-run summary (scripts/cli/summary.ts) over a run manifest: one line per step, the reports that exist as paths,
 * the next commands (finished run) or the resume commands (failed / interrupted run), the run's own options repeated.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Manifest } from "../../scripts/framework/manifest";
import { formatSummary } from "../../scripts/cli/summary";
import { STEP_NAMES } from "../../scripts/steps";

function workdirWith(steps: Manifest["steps"], files: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "summary-"));
    const m: Manifest = { version: 1, stack: "dev", target: "local", workdir: dir, updatedAt: new Date().toISOString(), steps };
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(m));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), "<html></html>");
    }
    return dir;
}

const ok = (step: string, summary: string, artifacts: Record<string, string> = {}) => ({
    step,
    status: "succeeded" as const,
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:00:02Z",
    durationMs: 2345,
    inputsHash: "h",
    summary,
    artifacts,
});

describe("end-of-run summary", () => {
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("a finished run: a line per step, the reports that exist, next commands with the run's workdir", () => {
        const steps: Manifest["steps"] = {};
        for (const s of STEP_NAMES) steps[s] = ok(s, `${s} result`);
        steps.features.artifacts = { eda: "reports/eda.html" };
        steps.evaluate.artifacts = { report: "reports/evaluation.html" };
        steps.monitor.artifacts = { html: "reports/monitoring.html" };
        steps.tune.artifacts = { report: "reports/tuning.html" }; // recorded but missing on disk: not listed
        const dir = workdirWith(steps, ["reports/eda.html", "reports/evaluation.html", "reports/monitoring.html"]);
        dirs.push(dir);
        const text = formatSummary({ workdir: dir, stack: "dev", target: "local", seconds: 81, cwd: "/" });
        const lines = text.split("\n");
        assert.match(lines[0], /^=== Summary: run finished — stack dev, target local, 81 s; workdir /);
        for (const s of STEP_NAMES)
            assert.ok(
                lines.some((l) => new RegExp(`^  ok  \\s+${s}\\s+2\\.3 s  ${s} result$`).test(l)),
                `${s}:\n${text}`,
            );
        assert.ok(text.includes(path.join(dir, "reports/evaluation.html").slice(1)), text);
        assert.ok(text.includes("monitoring") && text.includes("data (EDA)"));
        assert.ok(!text.includes("tuning.html"), "a report that is not on disk is not listed");
        assert.match(text, /Next:\n {2}npm run endpoint -- status --workdir \S+/);
        assert.match(text, /npm run plan -- --stack prod/);
        assert.ok(!/Endpoint .* is still running/.test(text), "no endpoint process: nothing to stop");
    });

    it("a failed run names the step, marks it, and gives the resume commands with the same options", () => {
        const steps: Manifest["steps"] = {
            provision: ok("provision", "gate passed"),
            prepare: { ...ok("prepare", ""), status: "failed", error: "adult.data: line 7: 3 columns, expected 15\nmore" },
        };
        const dir = workdirWith(steps, []);
        dirs.push(dir);
        const text = formatSummary({ workdir: dir, stack: "prod", target: "local", failed: "prepare", cwd: "/" });
        assert.match(text, /run FAILED at step 'prepare' — stack prod/);
        assert.match(text, /FAIL {2}prepare .*failed: adult\.data: line 7: 3 columns, expected 15$/m);
        assert.match(text, /^\s+features\s+not run$/m);
        assert.match(text, new RegExp(`\\./build_ml_environment\\.sh --stack prod --workdir ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} --from prepare`));
        assert.match(text, /--only prepare --force/);
        assert.ok(!text.includes("Next:"));
    });

    it("an interrupted run marks the running step as stopped", () => {
        const steps: Manifest["steps"] = {
            provision: ok("provision", "gate passed"),
            prepare: { ...ok("prepare", ""), status: "running", finishedAt: undefined, durationMs: undefined },
        };
        const dir = workdirWith(steps, []);
        dirs.push(dir);
        const text = formatSummary({ workdir: dir, stack: "dev", target: "local", interrupted: "prepare", cwd: "/" });
        assert.match(text, /run INTERRUPTED during step 'prepare'/);
        assert.match(text, /STOP {2}prepare\s+interrupted; nothing of this step is recorded as done/);
        assert.match(text, /--from prepare/);
    });

    it("a workdir without a manifest is an error naming the option", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "summary-empty-"));
        dirs.push(dir);
        assert.throws(() => formatSummary({ workdir: dir, stack: "dev", target: "local" }), /option --workdir .*no manifest\.json/);
    });
});
