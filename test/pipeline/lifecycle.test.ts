/**
 * The local ML lifecycle end to end on a 2000-row slice: provision → … → register → deploy → batch-infer → evaluate →
 * loadtest driven step by step through the step runner (in this process: one start-up instead of one per
 * step), then build_ml_environment.sh itself for skip / --force / a failing quality gate / --teardown, and the
 * endpoint CLI for an A/B weight shift. The endpoint is a real background process on 127.0.0.1; `after` always stops it.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { loadStackFile } from "../../infra/stack-config";
import { StackOutputs } from "../../contracts/stack-outputs";
import { LocalS3 } from "../../scripts/framework/local-s3";
import { Manifest } from "../../scripts/framework/manifest";
import { runStep } from "../../scripts/framework/step";
import { LocalModelRegistry } from "../../lib/registry";
import { isAlive, readState, teardown } from "../../lib/serving";
import { main as endpointCli } from "../../scripts/cli/endpoint";
import { loadStep } from "../../scripts/steps";
import { chromiumMissing, loadReports } from "../helpers/browser";

const PROJECT = path.resolve(__dirname, "..", "..");
const SLICE = { rows: "2000", "max-jobs": "3", levels: "1,2", "level-seconds": "1" };
const SLICE_ARGS = Object.entries(SLICE).flatMap(([k, v]) => [`--${k}`, v]);
const UNTIL_LOADTEST = ["provision", "prepare", "features", "train", "tune", "register", "deploy", "batch-infer", "evaluate", "loadtest"];
const ROW = "25,Private,226802,11th,7,Never-married,Machine-op-inspct,Own-child,Black,Male,0,0,40,United-States";

function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string; variant: string }> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const req = http.request({ host: u.hostname, port: Number(u.port), path: "/invocations", method: "POST", headers, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({
                    status: res.statusCode ?? 0,
                    body: Buffer.concat(chunks).toString(),
                    variant: String(res.headers["x-amzn-invoked-production-variant"]),
                }),
            );
        });
        req.on("error", reject);
        req.end(body);
    });
}

function walk(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Pids of live processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
    return fs
        .readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
        .filter((d) => {
            try {
                return fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes(needle) && isAlive(Number(d));
            } catch {
                return false;
            }
        })
        .map(Number);
}

/** Mann-Whitney AUC (ties count 1/2), independent of lib/monitoring. */
function mannWhitneyAuc(scores: number[], labels: number[]): number {
    const idx = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
    const ranks = new Array<number>(scores.length);
    for (let i = 0; i < idx.length;) {
        let j = i;
        while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
        for (let k = i; k <= j; k++) ranks[idx[k]] = (i + j) / 2 + 1;
        i = j + 1;
    }
    const pos = labels.filter((y) => y === 1).length;
    const neg = labels.length - pos;
    const rankSum = labels.reduce((s, y, i) => s + (y === 1 ? ranks[i] : 0), 0);
    return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

describe("ML lifecycle, local target, end to end on a 2000-row slice", function () {
    this.timeout(300_000);
    let workdir: string;
    let out: StackOutputs;
    let s3: LocalS3;
    const config = loadStackFile("dev", PROJECT);
    const log: string[] = [];
    const manifest = (): Manifest => JSON.parse(fs.readFileSync(path.join(workdir, "manifest.json"), "utf8")) as Manifest;
    const step = (name: string, options: Record<string, string | boolean> = {}, force = false) =>
        runStep(loadStep(name), {
            stack: "dev",
            target: "local",
            workdir,
            projectDir: PROJECT,
            config,
            force,
            options: { ...SLICE, ...options },
            out: (l) => log.push(l),
        });
    const script = (args: string[]) => {
        const r = spawnSync(path.join(PROJECT, "build_ml_environment.sh"), ["--workdir", workdir, ...args], {
            cwd: PROJECT,
            encoding: "utf8",
            timeout: 120_000,
        });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
    };
    const endpointUrl = () => String(manifest().steps.deploy.results!.url);

    before(async function () {
        workdir = fs.mkdtempSync(path.join(os.tmpdir(), "lifecycle-"));
        for (const s of UNTIL_LOADTEST) {
            try {
                await step(s);
            } catch (e) {
                throw new Error(`step ${s} failed: ${(e as Error).message}\n${log.slice(-30).join("\n")}`);
            }
        }
        out = JSON.parse(fs.readFileSync(path.join(workdir, "stack-outputs.json"), "utf8")) as StackOutputs;
        s3 = new LocalS3(path.join(workdir, "s3"));
    });

    after(async function () {
        if (!workdir) return;
        await teardown(workdir, { graceMs: 5000 });
        const left = processesMentioning(workdir);
        for (const pid of left) process.kill(pid, "SIGKILL");
        fs.rmSync(workdir, { recursive: true, force: true });
        assert.deepEqual(left, [], `processes left behind by the test: ${left.join(", ")}`);
    });

    it("records every step as succeeded with its summary, results and artifacts", function () {
        const m = manifest();
        for (const s of UNTIL_LOADTEST) {
            assert.equal(m.steps[s]?.status, "succeeded", `${s}: ${m.steps[s]?.error ?? "no record"}`);
            assert.ok(m.steps[s].summary && !m.steps[s].summary!.includes("\n"), `${s} has a one-line summary`);
        }
        const testRows = (m.steps.prepare.results!.rows as { test: number }).test;
        const batch = m.steps["batch-infer"].results!;
        assert.equal(batch.records, testRows, "the transform job scored every test record");
        assert.ok(Number(batch.rowsPerSecond) > 0);
        const ev = m.steps.evaluate.results!;
        assert.ok(typeof ev.testAuc === "number" && ev.testAuc > 0.5 && ev.testAuc <= 1, `test AUC in the manifest: ${String(ev.testAuc)}`);
        assert.equal(ev.gate, "passed");
        assert.equal(ev.minAuc, out.pipeline.minAuc);
        const lt = JSON.parse(fs.readFileSync(path.join(workdir, m.steps.loadtest.artifacts!.report), "utf8")) as {
            sloP99Ms: number;
            steps: { concurrency: number; requests: number; throughput: number; p50Ms: number; p90Ms: number; p99Ms: number; errorRate: number }[];
        };
        assert.equal(lt.sloP99Ms, out.pipeline.latencySloMs);
        assert.ok(lt.steps.length >= 1 && lt.steps.length <= 2);
        assert.deepEqual(
            lt.steps.map((s) => s.concurrency),
            [1, 2].slice(0, lt.steps.length),
        );
        for (const s of lt.steps) {
            assert.ok(s.requests > 0 && s.throughput > 0, `level ${s.concurrency} measured requests`);
            assert.ok(s.p50Ms <= s.p90Ms && s.p90Ms <= s.p99Ms, `level ${s.concurrency} percentiles are ordered`);
            assert.equal(s.errorRate, 0, `level ${s.concurrency} had errors`);
        }
        assert.ok(
            log.some((l) => /concurrency\s+requests\s+req\/s\s+p50 ms\s+p90 ms\s+p99 ms/.test(l)),
            "the load-test table is in the log",
        );
        assert.ok(
            log.some((l) => l.includes("curl -s -X POST http://127.0.0.1:")),
            "deploy prints a curl example",
        );
    });

    it("the registry holds an approved model and the endpoint serves it as the first variant", function () {
        const reg = new LocalModelRegistry(path.join(workdir, "registry"));
        const approved = reg.list(out.modelPackageGroupName, "Approved");
        assert.ok(approved.length >= 1, "an approved package");
        const dep = manifest().steps.deploy.results!;
        const variants = dep.variants as { name: string; modelPackageVersion: number; weight: number }[];
        assert.equal(variants[0].name, config.endpoint.variants[0].name);
        assert.equal(variants[0].modelPackageVersion, approved[approved.length - 1].ModelPackageVersion);
        const st = readState(path.join(workdir, "endpoint", `${out.endpoint!.name}.json`));
        assert.ok(st && st.pid === dep.pid && isAlive(st.pid), "the pid file names a live process");
    });

    it("the endpoint answers /invocations with a probability and captures the request under its inference id", async function () {
        const id = `lifecycle-test-${Date.now()}`;
        const r = await post(endpointUrl(), ROW, { "Content-Type": "text/csv", Accept: "text/csv", "X-Amzn-SageMaker-Inference-Id": id });
        assert.equal(r.status, 200, r.body);
        const p = Number(r.body);
        assert.ok(p >= 0 && p <= 1, `a probability, got ${r.body}`);
        assert.equal(r.variant, config.endpoint.variants[0].name);
        const root = s3.pathOf(`${out.endpoint!.captureUri}${out.endpoint!.name}/`);
        const files = walk(root).filter((f) => f.endsWith(".jsonl"));
        const hits = files.flatMap((f) =>
            fs
                .readFileSync(f, "utf8")
                .split("\n")
                .filter((l) => l.includes(id))
                .map((l) => ({ f, rec: JSON.parse(l) })),
        );
        assert.equal(hits.length, 1, `one capture line for ${id} under ${root}`);
        const { f, rec } = hits[0];
        assert.match(
            path.relative(s3.pathOf(`s3://${out.buckets.capture.name}/`), f),
            new RegExp(`^datacapture/${out.endpoint!.name}/${r.variant}/\\d{4}/\\d{2}/\\d{2}/\\d{2}/[^/]+\\.jsonl$`),
        );
        assert.equal(rec.eventMetadata.inferenceId, id);
        assert.equal(rec.captureData.endpointInput.data, ROW);
        assert.equal(rec.captureData.endpointOutput.data, r.body);
    });

    it("evaluation statistics parse, carry the AUC of the batch output, and the report has its charts", async function () {
        const ev = manifest().steps.evaluate.results!;
        const stats = JSON.parse(fs.readFileSync(s3.pathOf(String(ev.statisticsUri)), "utf8"));
        const cons = JSON.parse(fs.readFileSync(s3.pathOf(String(ev.constraintsUri)), "utf8"));
        assert.ok(String(ev.statisticsUri).startsWith(`${out.buckets.monitoring.uri}model-quality/baseline/`));
        const auc = Number(stats.binary_classification_metrics.auc.value);
        assert.equal(auc, ev.testAuc);
        assert.equal(cons.binary_classification_constraints.auc.threshold, auc);
        // Recompute the AUC from the transform output independently.
        const outFile = s3.pathOf(String(manifest().steps["batch-infer"].results!.outputUri));
        assert.ok(outFile.endsWith("test.csv.out"));
        const lines = fs
            .readFileSync(outFile, "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split(","));
        assert.ok(
            lines.every((f) => f.length === 3 && /^test-/.test(f[0])),
            "record_id,label,score per line",
        );
        assert.equal(stats.dataset.item_count, lines.length);
        const mw = mannWhitneyAuc(
            lines.map((f) => Number(f[2])),
            lines.map((f) => Number(f[1])),
        );
        assert.ok(Math.abs(mw - auc) < 1e-9, `AUC ${auc} vs Mann-Whitney ${mw}`);
        // The batch transform and the endpoint run the same model code: same score for the same record.
        const input = fs.readFileSync(s3.pathOf(String(manifest().steps["batch-infer"].results!.inputUri)), "utf8").split("\n")[0];
        const [rid, , ...features] = input.split(",");
        const r = await post(endpointUrl(), features.join(","), { "Content-Type": "text/csv" });
        const batchScore = lines.find((f) => f[0] === rid)![2];
        assert.equal(r.body, batchScore);
        const html = fs.readFileSync(path.join(workdir, "reports", "evaluation.html"), "utf8");
        assert.equal((html.match(/<svg/g) ?? []).length, 4, "ROC, PR, confusion matrix, reliability");
        for (const t of ["ROC curve", "Precision-recall curve", "Confusion matrix", "Reliability diagram"]) assert.ok(html.includes(t), t);
    });

    it("the EDA, tuning and evaluation reports load in headless Chromium with their headline numbers and no console errors", async function () {
        const missing = chromiumMissing();
        if (missing) {
            console.log(`      ${missing}`);
            return this.skip();
        }
        const m = manifest();
        const pages = await loadReports(["eda", "tuning", "evaluation"].map((n) => path.join(workdir, "reports", `${n}.html`)));
        for (const p of pages) {
            assert.deepEqual([...p.consoleErrors, ...p.pageErrors], [], `${p.file}: errors in the browser`);
            assert.ok(p.visibleCharts >= 1, `${p.file}: no chart on screen`);
        }
        const [eda, tuning, evaluation] = pages;
        assert.match(eda.text, /rows\s+\d+/);
        // tuning: the best objective is printed, and the chart's y axis fits the scores (no 0 tick, ticks within the data's range)
        const best = Number(m.steps.tune.results!.validationAuc);
        assert.ok(tuning.text.includes(best.toFixed(4)), `tuning report shows the best objective ${best.toFixed(4)}`);
        const tuningHtml = fs.readFileSync(path.join(workdir, "reports", "tuning.html"), "utf8");
        // Vega's own description of the y axis: "Y-axis titled 'validation:auc' for a linear scale with values from A to B".
        const yAxis = /aria-label="Y-axis titled 'validation:auc' for a linear scale with values from ([\d.]+) to ([\d.]+)"/.exec(tuningHtml);
        assert.ok(yAxis, "the tuning chart has a y axis");
        const [lo, hi] = [Number(yAxis[1]), Number(yAxis[2])];
        assert.ok(lo > 0.5 && lo <= best && best <= hi, `y axis ${lo}..${hi} should fit the scores (best ${best}), not run from 0`);
        // evaluation: the gate verdict and the AUC; every confusion-matrix cell has its count on it
        const auc = Number(m.steps.evaluate.results!.testAuc);
        assert.ok(evaluation.text.includes(auc.toFixed(4)), `AUC ${auc.toFixed(4)} on the page`);
        assert.match(evaluation.text, /PASSED/);
    });

    it("re-running deploy on the running endpoint reuses it", async function () {
        const before = manifest().steps.deploy.results!;
        const rec = await step("deploy", {}, true);
        assert.equal(rec.results!.reused, true);
        assert.equal(rec.results!.pid, before.pid);
    });

    it("build_ml_environment.sh skips a completed step and re-runs it with --force", function () {
        const before = manifest().steps["batch-infer"];
        const skipped = script(["--only", "batch-infer", "--", ...SLICE_ARGS]);
        assert.equal(skipped.code, 0, skipped.all);
        assert.match(skipped.stdout, /=== batch-infer: up to date, skipped/);
        // The end-of-run summary (scripts/cli/summary.ts): every step, the reports, the running endpoint and how to stop it.
        assert.match(skipped.stdout, /=== Summary: run finished — stack dev, target local/);
        assert.match(skipped.stdout, /evaluation\s+\S+reports\/evaluation\.html/);
        assert.match(skipped.stdout, /Stop it: \.\/build_ml_environment\.sh --workdir \S+ --teardown/);
        assert.equal(manifest().steps["batch-infer"].finishedAt, before.finishedAt);
        const forced = script(["--only", "batch-infer", "--force", "--", ...SLICE_ARGS]);
        assert.equal(forced.code, 0, forced.all);
        assert.match(forced.stdout, /=== batch-infer: done in .* records scored by version 1/);
        assert.notEqual(manifest().steps["batch-infer"].finishedAt, before.finishedAt);
    });

    it("champion/challenger: a second approved version becomes the challenger, and the endpoint CLI shifts the weights", async function () {
        await step("register", {}, true); // a second approved version (same data, dev auto-approval)
        const rec = await step("deploy", { variants: "champion=9,challenger=1" });
        const vs = rec.results!.variants as { name: string; modelPackageVersion: number }[];
        assert.deepEqual(
            vs.map((v) => [v.name, v.modelPackageVersion]),
            [
                ["champion", 2],
                ["challenger", 1],
            ],
        );
        assert.equal(rec.results!.reused, false, "a new variant set replaces the process");
        const url = endpointUrl();
        const pinned = await post(url, ROW, { "Content-Type": "text/csv", "X-Amzn-SageMaker-Target-Variant": "challenger" });
        assert.equal(pinned.variant, "challenger");
        const lines: string[] = [];
        const origLog = console.log;
        console.log = (...a: unknown[]) => void lines.push(a.join(" "));
        try {
            assert.equal(await endpointCli(["weights", "--workdir", workdir, "--variant", "champion=0", "--variant", "challenger=1"]), 0);
            assert.equal(await endpointCli(["status", "--workdir", workdir]), 0);
        } finally {
            console.log = origLog;
        }
        assert.ok(
            lines.some((l) => l.includes("challenger 1 (100.0%)")),
            lines.join("\n"),
        );
        assert.ok(
            lines.some((l) => /variant champion: weight 0 \(0\.0% of traffic\)/.test(l)),
            lines.join("\n"),
        );
        const routed = await Promise.all(Array.from({ length: 20 }, () => post(url, ROW, { "Content-Type": "text/csv" })));
        assert.deepEqual([...new Set(routed.map((r) => r.variant))], ["challenger"]);
        await assert.rejects(endpointCli(["weights", "--workdir", workdir, "--variant", "nosuch=1"]), /unknown variant "nosuch"/);
    });

    it("a failing quality gate (--min-auc 0.999) stops the run with the step's message and keeps earlier results", function () {
        const m0 = manifest();
        const r = script(["--from", "evaluate", "--", ...SLICE_ARGS, "--min-auc", "0.999"]);
        assert.equal(r.code, 1, r.all);
        const gate = /quality gate failed: test AUC (0\.\d{4}) < 0\.999 \(--min-auc\)/.exec(r.stdout);
        assert.ok(gate, r.all);
        assert.match(r.stderr, /stopped at step 'evaluate'/);
        assert.match(r.stderr, /=== Summary: run FAILED at step 'evaluate'/);
        assert.match(r.stderr, /--from evaluate\s+# completed steps are not repeated/);
        const m = manifest();
        assert.equal(m.steps.evaluate.status, "failed");
        assert.ok(m.steps.evaluate.error!.includes(`test AUC ${gate![1]}`), m.steps.evaluate.error);
        assert.equal(Number(gate![1]).toFixed(4), Number(m0.steps.evaluate.results!.testAuc).toFixed(4));
        for (const s of UNTIL_LOADTEST.filter((x) => x !== "evaluate")) assert.equal(m.steps[s].status, "succeeded", s);
        assert.equal(m.steps.loadtest.finishedAt, m0.steps.loadtest.finishedAt, "the run stopped before loadtest");
        assert.ok(fs.existsSync(s3.pathOf(String(m0.steps.evaluate.results!.statisticsUri))), "statistics are kept for inspection");
        assert.ok(fs.existsSync(s3.pathOf(String(m.steps["batch-infer"].results!.outputUri))), "the batch output is kept");
    });

    it("--teardown stops the endpoint and leaves no process behind", function () {
        const stateFile = path.join(workdir, "endpoint", `${out.endpoint!.name}.json`);
        const st = readState(stateFile);
        assert.ok(st && isAlive(st.pid), "the endpoint runs before teardown");
        const r = script(["--teardown"]);
        assert.equal(r.code, 0, r.all);
        assert.match(r.stdout, new RegExp(`pid ${st!.pid} (stopped|killed)`));
        assert.equal(isAlive(st!.pid), false, `pid ${st!.pid} is gone`);
        assert.deepEqual(processesMentioning(workdir), []);
        assert.equal(fs.existsSync(stateFile), false, "pid file removed");
        const dep = manifest().steps.deploy;
        assert.notEqual(dep.status, "succeeded", "the manifest no longer claims a deployed endpoint");
        return step("loadtest")
            .then(
                () => assert.fail("loadtest ran without an endpoint"),
                (e: Error) =>
                    assert.match(e.message, /the endpoint was torn down at .* \(--teardown\): deploy it again with \.\/build_ml_environment\.sh --only deploy/),
            )
            .then(() => {
                const again = script(["--teardown"]);
                assert.equal(again.code, 0, again.all);
                assert.match(again.stdout, /nothing to stop/);
            });
    });
});
