/**
 * Pipeline step 11 (monitor), core function: replay real Adult rows through a real local endpoint on loopback (as is
 * and shifted), then the data-quality and model-quality monitors per capture window. Drift must be flagged on the
 * shifted features for the shifted replay only.
 */
import { chromiumMissing, loadReports } from "../helpers/browser";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADULT_SCHEMA, parseBuffer } from "../../lib/data";
import { evaluateBinaryClassification, suggestModelQualityConstraints } from "../../lib/monitoring/modelquality";
import { shiftAdultRows } from "../../lib/monitoring/shift";
import { serveEndpoint, type EndpointServer } from "../../lib/serving";
import monitorStep, { runMonitorReplay } from "../../scripts/steps/monitor/local";
import { type MonitorReplayResult } from "../../scripts/steps/monitor/replay";
import { checkShiftDetected, SHIFT_ASSERTED_FEATURES } from "../../scripts/steps/monitor/step";
import { StepError, type StepContext } from "../../scripts/framework/step";
import { ADULT_DATA, expectedProb, servingFixture } from "../../test-support/serving-fixture";

const COLUMNS = ADULT_SCHEMA.columns.map((c) => c.name);

function adultRows(from: number, to: number): Record<string, string | number | null>[] {
    const text = fs.readFileSync(ADULT_DATA, "utf8").split("\n");
    const body = [text[0], ...text.slice(1 + from, 1 + to)].join("\n");
    return parseBuffer(Buffer.from(body), "adult.data", ADULT_SCHEMA, { sourceTag: "data" }).rows as unknown as Record<string, string | number | null>[];
}

describe("pipeline monitor step: replay through a local endpoint, drift only for the shifted traffic", function () {
    this.timeout(120_000);
    let server: EndpointServer | undefined;
    let work: string;
    let res: MonitorReplayResult;
    const replayRows = adultRows(3400, 3900);

    before(async () => {
        const f = servingFixture();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "monitor-step-"));
        server = await serveEndpoint({
            endpointName: "mon-test",
            variants: [{ name: "champion", modelPath: f.modelJson, transformPath: f.transformJson, weight: 1 }],
            capture: { enabled: true, samplingPercentage: 100, destination: path.join(work, "capture-bucket"), prefix: "datacapture" },
            port: 0,
            host: "127.0.0.1",
            seed: 7,
        });
        // model-quality baseline: the model's metrics on held-out rows (what the evaluate step writes)
        const scores = f.rawLines.map((l) => expectedProb(f.booster, f.transform, l));
        const ev = evaluateBinaryClassification({ scores, labels: f.labels });
        const { constraints } = suggestModelQualityConstraints(ev.statistics);
        res = await runMonitorReplay({
            url: server.url,
            endpointName: "mon-test",
            captureRoot: path.join(work, "capture-bucket", "datacapture", "mon-test"),
            monitoringRoot: path.join(work, "monitoring-bucket"),
            baselineRows: adultRows(0, 2000),
            columns: COLUMNS,
            labelColumn: "label",
            replays: [
                { name: "asis", rows: replayRows },
                { name: "shifted", rows: shiftAdultRows(replayRows, { seed: 11 }), demo: true },
            ],
            about: ["Replay asis is real traffic; replay shifted is a deliberate drift demonstration."],
            modelQualityConstraints: constraints,
            concurrency: 8,
            metricsFile: path.join(work, "monitoring", "metrics.jsonl"),
            reportFile: path.join(work, "reports", "monitoring.html"),
        });
    });

    after(async () => {
        if (server) await server.stop(2000);
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("captures every replayed request and joins every one with its ground truth", () => {
        for (const r of res.replays) {
            assert.equal(r.sent, replayRows.length);
            assert.equal(r.capturedRows, replayRows.length, `${r.name}: captured rows in its window`);
            assert.equal(r.modelQuality.joinedRows, replayRows.length, `${r.name}: joined rows`);
            assert.ok(r.window.from < r.window.to);
        }
        assert.ok(res.replays[0].window.to <= res.replays[1].window.from, "the two capture windows do not overlap");
        const gt = path.join(work, "monitoring-bucket", "ground-truth", "mon-test");
        const files: string[] = [];
        const walk = (d: string) =>
            fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
        walk(gt);
        assert.equal(files.length, 2);
        assert.match(path.relative(gt, files[0]), /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/(asis|shifted)-\d+\.jsonl$/);
        const first = JSON.parse(fs.readFileSync(files[0], "utf8").split("\n")[0]);
        assert.ok(first.groundTruthData && first.eventMetadata.eventId.startsWith("mon-test-"));
    });

    it("flags baseline drift on age and hours_per_week for the shifted replay only", () => {
        assert.deepEqual(checkShiftDetected(res, "asis", "shifted", SHIFT_ASSERTED_FEATURES), []);
        const [asis, shifted] = res.replays;
        const drifted = (r: typeof asis) =>
            r.dataQuality.violations.filter((v) => v.constraint_check_type === "baseline_drift_check").map((v) => v.feature_name);
        assert.deepEqual(drifted(asis), [], `unshifted traffic: no drift violation at all (got ${drifted(asis).join(", ")})`);
        for (const f of SHIFT_ASSERTED_FEATURES) assert.ok(drifted(shifted).includes(f), `shifted: ${f} flagged`);
        // the untouched features do not drift
        for (const f of ["education", "sex", "race", "fnlwgt", "capital_gain"]) assert.ok(!drifted(shifted).includes(f), `${f} not flagged`);
        assert.ok(shifted.dataQuality.drift.age! > 3 * asis.dataQuality.drift.age!, "age distance grows");
    });

    it("the checker reports a missed detection (it can fail)", () => {
        const swapped = { ...res, replays: [res.replays[1], res.replays[0]].map((r, i) => ({ ...r, name: i === 0 ? "asis" : "shifted" })) };
        const problems = checkShiftDetected(swapped, "asis", "shifted", SHIFT_ASSERTED_FEATURES);
        assert.equal(problems.length, 4);
    });

    it("writes Model Monitor files, EMF lines and the HTML report", () => {
        const shifted = res.replays[1];
        const viol = JSON.parse(fs.readFileSync(path.join(shifted.dataQuality.reportDir, "constraint_violations.json"), "utf8"));
        assert.ok(viol.violations.some((v: { feature_name: string }) => v.feature_name === "age"));
        assert.match(
            shifted.dataQuality.reportDir.split(path.sep).join("/"),
            /monitoring-bucket\/reports\/mon-test\/data-quality-shifted\/\d{4}\/\d{2}\/\d{2}\/\d{2}$/,
        );
        const mqStats = JSON.parse(fs.readFileSync(path.join(shifted.modelQuality.reportDir, "statistics.json"), "utf8"));
        assert.equal(mqStats.dataset.item_count, replayRows.length);
        const auc = mqStats.binary_classification_metrics.auc.value;
        assert.ok(auc > 0.6 && auc <= 1, `auc ${auc}`);
        const lines = fs
            .readFileSync(path.join(work, "monitoring", "metrics.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.equal(lines.length, res.emfLines);
        const dq = lines.find(
            (l) => l._aws.CloudWatchMetrics[0].Namespace === "aws/sagemaker/Endpoints/data-metrics" && l.MonitoringSchedule === "data-quality-shifted",
        );
        assert.ok(dq && dq.Endpoint === "mon-test" && dq.feature_baseline_drift_age > 0.19);
        assert.ok(lines.some((l) => l._aws.CloudWatchMetrics[0].Namespace === "aws/sagemaker/Endpoints/model-metrics" && typeof l.auc === "number"));
        const html = fs.readFileSync(res.reportFile, "utf8");
        assert.ok(!/<script|https?:\/\/(?!www\.w3\.org)/i.test(html.replace(/xmlns(:xlink)?="[^"]*"/g, "")), "self-contained");
        assert.ok(html.includes("data-quality-shifted") && html.includes("model-quality-asis"));
        assert.ok(res.reportCharts >= 2 * COLUMNS.length, `charts ${res.reportCharts}`);
    });

    it("the report separates real findings from the drift demonstration and loads in headless Chromium without errors", async function () {
        const html = fs.readFileSync(res.reportFile, "utf8");
        assert.match(html, /id="headline">Real traffic: [^<]*Demonstration \(deliberately shifted traffic\): \d+ expected violation/);
        assert.ok(
            html.includes("Findings on real traffic") && html.includes("Drift demonstration (expected violations)") && html.includes("What this report shows"),
        );
        const missing = chromiumMissing();
        if (missing) {
            console.log(`      ${missing}`);
            return this.skip();
        }
        const [page] = await loadReports([res.reportFile]);
        assert.deepEqual([...page.consoleErrors, ...page.pageErrors], []);
        const shifted = res.replays[1];
        assert.ok(
            page.text.includes(
                `Demonstration (deliberately shifted traffic): ${shifted.dataQuality.violations.length + shifted.modelQuality.violations.length} expected violation(s)`,
            ),
            page.text.slice(0, 600),
        );
        assert.ok(page.text.includes(`Real traffic: `));
        assert.ok(page.visibleCharts >= 2 * COLUMNS.length, `charts on screen: ${page.visibleCharts}`);
    });

    it("the step fails naming the deploy step when the endpoint is not running", async () => {
        const wd = fs.mkdtempSync(path.join(os.tmpdir(), "monitor-step-nodeploy-"));
        try {
            const ctx = {
                workdir: wd,
                stack: "dev",
                options: {},
                outputs: () => ({ endpoint: { name: "adult-ep", captureUri: "s3://cap-bucket/datacapture/" }, buckets: {} }),
                rel: (p: string) => path.relative(wd, p),
                log: () => undefined,
            } as unknown as StepContext;
            await assert.rejects(
                monitorStep.run(ctx),
                (e: Error) =>
                    e instanceof StepError &&
                    /endpoint adult-ep is not running .*run the deploy step first \(\.\/build_ml_environment\.sh --only deploy\)/.test(e.message),
            );
            assert.equal(monitorStep.name, "monitor");
            assert.deepEqual(monitorStep.dependsOn, ["deploy", "evaluate"]);
        } finally {
            fs.rmSync(wd, { recursive: true, force: true });
        }
    });
});
