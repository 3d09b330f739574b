/**
 * `npm run monitor` CLI on real Adult rows (data/adult/adult.data), run in-process through runCli:
 * baseline, analyze (as is / shifted), model-quality, bias, ab (with --apply on a loopback endpoint), report,
 * and the usage errors / exit codes.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { captureS3Key, formatCaptureRecord } from "../../lib/monitoring";
import { shiftAdultCsvLines } from "../../lib/monitoring/shift";
import { serveEndpoint, type EndpointServer } from "../../lib/serving";
import { runCli, parseFacet } from "../../scripts/cli/monitor";
import { ADULT_DATA, expectedProb, servingFixture } from "../../test-support/serving-fixture";

const HEADER = fs.readFileSync(ADULT_DATA, "utf8").split("\n")[0];
const COLUMNS = HEADER.split(",").slice(0, 14);

/** Raw adult.data lines [from, to) (header excluded), with features and label split. */
function slice(from: number, to: number): { full: string[]; features: string[]; labels: number[] } {
    const lines = fs
        .readFileSync(ADULT_DATA, "utf8")
        .split("\n")
        .slice(1 + from, 1 + to)
        .filter((l) => l.trim());
    const features = lines.map((l) => l.slice(0, l.lastIndexOf(",")));
    const labels = lines.map((l) =>
        l
            .slice(l.lastIndexOf(",") + 1)
            .trim()
            .startsWith(">50K")
            ? 1
            : 0,
    );
    return { full: lines, features, labels };
}

interface Run {
    code: number;
    out: string;
    err: string;
}

async function cli(...argv: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Capture files in the service layout `<root>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl`, one request per row. */
function writeCapture(root: string, endpoint: string, variant: string, time: Date, lines: string[], scores?: number[], idPrefix = "req"): string[] {
    const key = captureS3Key({ prefix: "", endpoint, variant, time, file: `${idPrefix}.jsonl` });
    const file = path.join(root, ...key.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const ids = lines.map((_, i) => `${idPrefix}-${i}`);
    const recs = lines.map((l, i) =>
        formatCaptureRecord({
            input: { data: l, contentType: "text/csv" },
            output: scores ? { data: String(scores[i]), contentType: "text/csv" } : undefined,
            inferenceTime: new Date(time.getTime() + i * 1000),
            inferenceId: ids[i],
        }),
    );
    fs.appendFileSync(file, recs.join("\n") + "\n");
    return ids;
}

function writeGroundTruth(root: string, endpoint: string, time: Date, ids: string[], labels: number[], name: string): void {
    const key = captureS3Key({ prefix: "", endpoint, variant: "gt", time, file: `${name}.jsonl` }).replace(`/${endpoint}/gt/`, `/${endpoint}/`);
    const file = path.join(root, ...key.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
        file,
        ids
            .map((id, i) =>
                JSON.stringify({ groundTruthData: { data: String(labels[i]), encoding: "CSV" }, eventMetadata: { eventId: id }, eventVersion: "0" }),
            )
            .join("\n") + "\n",
    );
}

describe("monitor CLI", function () {
    this.timeout(90_000);
    let work: string;
    const T1 = new Date(Date.UTC(2024, 5, 1, 10, 0, 0));
    const T2 = new Date(Date.UTC(2024, 5, 1, 11, 0, 0));
    const train = slice(0, 1500);
    const current = slice(1500, 1900);

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "monitor-cli-"));
        fs.writeFileSync(path.join(work, "train.csv"), [HEADER, ...train.full].join("\n") + "\n");
        // hour 10: traffic as is; hour 11: the same rows shifted (older, longer hours, more self-employment)
        writeCapture(path.join(work, "capture"), "adult-ep", "champion", T1, current.features, undefined, "asis");
        writeCapture(path.join(work, "capture"), "adult-ep", "champion", T2, shiftAdultCsvLines(current.features, COLUMNS, { seed: 3 }), undefined, "shifted");
    });

    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("baseline: statistics.json + constraints.json from a CSV with a header, label dropped", async () => {
        const r = await cli("baseline", "--dataset", path.join(work, "train.csv"), "--out", path.join(work, "baseline"), "--drop-columns", "ltgt50k");
        assert.equal(r.code, 0, r.err);
        const stats = JSON.parse(fs.readFileSync(path.join(work, "baseline", "statistics.json"), "utf8"));
        const cons = JSON.parse(fs.readFileSync(path.join(work, "baseline", "constraints.json"), "utf8"));
        assert.equal(stats.dataset.item_count, train.full.length);
        assert.deepEqual(
            stats.features.map((f: { name: string }) => f.name),
            COLUMNS,
        );
        const age = stats.features.find((f: { name: string }) => f.name === "age");
        assert.equal(age.inferred_type, "Integral");
        const ages = train.features.map((l) => Number(l.split(",")[0]));
        assert.equal(age.numerical_statistics.min, Math.min(...ages));
        assert.equal(age.numerical_statistics.max, Math.max(...ages));
        assert.equal(cons.monitoring_config.distribution_constraints.comparison_threshold, 0.1);
        assert.ok(cons.features.find((f: { name: string }) => f.name === "sex").string_constraints.domains.includes("Female"));
    });

    it("analyze: the as-is hour has no drift on age / hours_per_week, the shifted hour does (exit 1 with --fail-on-violations)", async () => {
        const metrics = path.join(work, "metrics.jsonl");
        const common = [
            "--baseline",
            path.join(work, "baseline"),
            "--capture",
            path.join(work, "capture", "adult-ep"),
            "--out",
            path.join(work, "out"),
            "--endpoint",
            "adult-ep",
            "--schedule",
            "hourly",
            "--metrics-file",
            metrics,
        ];
        const a = await cli(
            "analyze",
            ...common,
            "--from",
            "2024-06-01T10:00:00Z",
            "--to",
            "2024-06-01T11:00:00Z",
            "--run-time",
            "2024-06-01T10:00:00Z",
            "--fail-on-violations",
        );
        const viol1 = JSON.parse(
            fs.readFileSync(path.join(work, "out", "reports", "adult-ep", "hourly", "2024", "06", "01", "10", "constraint_violations.json"), "utf8"),
        );
        const drifted1 = viol1.violations
            .filter((v: { constraint_check_type: string }) => v.constraint_check_type === "baseline_drift_check")
            .map((v: { feature_name: string }) => v.feature_name);
        assert.ok(!drifted1.includes("age") && !drifted1.includes("hours_per_week"), `as is: ${drifted1}`);
        assert.equal(a.code, viol1.violations.length ? 1 : 0, a.out + a.err);
        assert.match(a.out, /analyze: 400 rows from 1 capture file\(s\)/);

        const s = await cli(
            "analyze",
            ...common,
            "--from",
            "2024-06-01T11:00:00Z",
            "--to",
            "2024-06-01T12:00:00Z",
            "--run-time",
            "2024-06-01T11:00:00Z",
            "--fail-on-violations",
        );
        assert.equal(s.code, 1, s.err);
        const dir = path.join(work, "out", "reports", "adult-ep", "hourly", "2024", "06", "01", "11");
        for (const f of ["statistics.json", "constraint_violations.json", "drift_report.json", "drift_report.csv", "cloudwatch_metrics.jsonl"])
            assert.ok(fs.existsSync(path.join(dir, f)), f);
        const viol = JSON.parse(fs.readFileSync(path.join(dir, "constraint_violations.json"), "utf8")).violations;
        for (const f of ["age", "hours_per_week"])
            assert.ok(
                viol.some(
                    (v: { feature_name: string; constraint_check_type: string }) => v.feature_name === f && v.constraint_check_type === "baseline_drift_check",
                ),
                f,
            );
        assert.match(s.out, /VIOLATION baseline_drift_check age: Baseline drift distance: [\d.]+ exceeds threshold: 0.1/);
        const emf = fs
            .readFileSync(metrics, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.equal(emf.length, 2);
        assert.equal(emf[1]._aws.CloudWatchMetrics[0].Namespace, "aws/sagemaker/Endpoints/data-metrics");
        assert.deepEqual(emf[1]._aws.CloudWatchMetrics[0].Dimensions, [["Endpoint", "MonitoringSchedule"]]);
        assert.ok(emf[1].feature_baseline_drift_age > emf[0].feature_baseline_drift_age);
        // the window is exact: records at T1 + i s, i < 200, are the only ones in [10:00:00, 10:03:20)
        const part = await cli(
            "analyze",
            "--baseline",
            path.join(work, "baseline"),
            "--capture",
            path.join(work, "capture", "adult-ep"),
            "--out",
            path.join(work, "partial"),
            "--from",
            "2024-06-01T10:00:00Z",
            "--to",
            "2024-06-01T10:03:20Z",
        );
        assert.match(part.out, /analyze: 200 rows from 1 capture file/);
        // without --fail-on-violations violations do not change the exit code
        const again = await cli("analyze", ...common, "--from", "2024-06-01T11:00:00Z", "--to", "2024-06-01T12:00:00Z", "--run-time", "2024-06-01T11:00:00Z");
        assert.equal(again.code, 0);
    });

    it("model-quality: merges capture with ground truth, writes statistics + violations, exit 1 on violations", async () => {
        const f = servingFixture();
        const rows = slice(2000, 2400);
        const scores = rows.features.map((l) => expectedProb(f.booster, f.transform, l));
        const cap = path.join(work, "mq-capture");
        const ids = writeCapture(cap, "adult-ep", "champion", T1, rows.features, scores, "mq");
        writeGroundTruth(path.join(work, "gt"), "adult-ep", T1, ids, rows.labels, "labels");
        const cons = path.join(work, "mq-constraints.json");
        fs.writeFileSync(
            cons,
            JSON.stringify({
                version: 0,
                binary_classification_constraints: {
                    auc: { threshold: 0.999, comparison_operator: "LessThanThreshold" },
                    accuracy: { threshold: 0.2, comparison_operator: "LessThanThreshold" },
                },
            }),
        );
        const r = await cli(
            "model-quality",
            "--capture",
            path.join(cap, "adult-ep"),
            "--ground-truth",
            path.join(work, "gt", "adult-ep"),
            "--baseline",
            cons,
            "--out",
            path.join(work, "out"),
            "--endpoint",
            "adult-ep",
            "--schedule",
            "mq-hourly",
            "--run-time",
            "2024-06-01T10:00:00Z",
            "--fail-on-violations",
        );
        assert.equal(r.code, 1, r.err);
        const dir = path.join(work, "out", "reports", "adult-ep", "mq-hourly", "2024", "06", "01", "10");
        const st = JSON.parse(fs.readFileSync(path.join(dir, "statistics.json"), "utf8"));
        assert.equal(st.dataset.item_count, 400);
        // accuracy recomputed independently from the same scores and labels
        const acc = scores.filter((s, i) => (s >= 0.5 ? 1 : 0) === rows.labels[i]).length / scores.length;
        assert.ok(Math.abs(st.binary_classification_metrics.accuracy.value - acc) < 1e-12);
        const v = JSON.parse(fs.readFileSync(path.join(dir, "constraint_violations.json"), "utf8")).violations;
        assert.deepEqual(
            v.map((x: { metric_name: string }) => x.metric_name),
            ["auc"],
        );
        const emf = fs
            .readFileSync(path.join(dir, "cloudwatch_metrics.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.equal(emf[0]._aws.CloudWatchMetrics[0].Namespace, "aws/sagemaker/Endpoints/model-metrics");
        // a data-quality constraints file is refused with a fix
        const bad = await cli(
            "model-quality",
            "--capture",
            path.join(cap, "adult-ep"),
            "--ground-truth",
            path.join(work, "gt", "adult-ep"),
            "--baseline",
            path.join(work, "baseline", "constraints.json"),
            "--out",
            path.join(work, "out"),
        );
        assert.equal(bad.code, 2);
        assert.match(bad.err, /not a model-quality constraints file.*Fix: pass the model-quality baseline/);
    });

    it("bias: Clarify analysis.json with CI / DPL matching counts taken from the CSV", async () => {
        const r = await cli(
            "bias",
            "--dataset",
            path.join(work, "train.csv"),
            "--label",
            "ltgt50k",
            "--facet",
            "sex=Female",
            "--facet",
            "age<40",
            "--out",
            path.join(work, "bias"),
        );
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /positive label ltgt50k=>50K \(the less frequent value/);
        const a = JSON.parse(fs.readFileSync(path.join(work, "bias", "analysis.json"), "utf8"));
        const cells = train.full.map((l) => l.split(",").map((c) => c.trim()));
        const female = cells.filter((c) => c[9] === "Female");
        const male = cells.filter((c) => c[9] !== "Female");
        const ci = (male.length - female.length) / cells.length;
        const pos = (g: string[][]) => g.filter((c) => c[14] === ">50K").length / g.length;
        const metric = (facet: string, name: string) =>
            a.pre_training_bias_metrics.facets[facet][0].metrics.find((m: { name: string }) => m.name === name).value;
        assert.ok(Math.abs(metric("sex", "CI") - ci) < 1e-12);
        assert.ok(Math.abs(metric("sex", "DPL") - (pos(male) - pos(female))) < 1e-12);
        const young = cells.filter((c) => Number(c[0]) < 40).length;
        assert.ok(Math.abs(metric("age", "CI") - (cells.length - 2 * young) / cells.length) < 1e-12);
        assert.match(a.pre_training_bias_metrics.facets.age[0].value_or_threshold, /^\[\d+, 40\)$/);
        assert.deepEqual(parseFacet("age>=65"), { column: "age", threshold: 65, comparison: ">=" });
        // with endpoint + schedule: the service's report placement and bias EMF lines
        const r2 = await cli(
            "bias",
            "--dataset",
            path.join(work, "train.csv"),
            "--label",
            "ltgt50k",
            "--label-value",
            ">50K",
            "--facet",
            "sex=Female",
            "--out",
            path.join(work, "bias2"),
            "--endpoint",
            "adult-ep",
            "--schedule",
            "bias-daily",
        );
        assert.equal(r2.code, 0, r2.err);
        const runs = fs.readdirSync(path.join(work, "bias2", "reports", "adult-ep", "bias-daily"));
        assert.equal(runs.length, 1);
        const find = (d: string): string => (fs.statSync(d).isDirectory() ? find(path.join(d, fs.readdirSync(d)[0])) : path.dirname(d));
        const runDir = find(path.join(work, "bias2", "reports", "adult-ep", "bias-daily"));
        const emf = fs
            .readFileSync(path.join(runDir, "cloudwatch_metrics.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.equal(emf[0]._aws.CloudWatchMetrics[0].Namespace, "aws/sagemaker/Endpoints/bias-metrics");
        assert.equal(emf[0].Facet, "sex");
        assert.ok(Math.abs(emf[0].bias_metric_CI - ci) < 1e-12);
    });

    it("usage errors: exit 2 with input, problem and fix", async () => {
        const cases: [string[], RegExp][] = [
            [[], /usage: npm run monitor/],
            [["frobnicate"], /command 'frobnicate' is unknown: use one of baseline, analyze/],
            [["baseline", "--dataset", path.join(work, "train.csv")], /--out: is required\. Fix: pass --out/],
            [["baseline", "--dataset", path.join(work, "nope.csv"), "--out", path.join(work, "x")], /--dataset .*nope\.csv: does not exist/],
            [
                [
                    "analyze",
                    "--baseline",
                    path.join(work, "baseline"),
                    "--capture",
                    path.join(work, "capture"),
                    "--out",
                    path.join(work, "x"),
                    "--from",
                    "yesterday",
                ],
                /--from yesterday: is not a date\. Fix: use ISO-8601/,
            ],
            [["analyze", "--bogus", "1"], /option --bogus is unknown of 'analyze'.*: valid options are --baseline, --capture/],
            [["analyze", "--workers"], /option --workers needs a value: --workers N/],
            [["ab", "--apply=yes"], /option --apply takes no value/],
            [
                ["analyze", "--baseline", path.join(work, "capture"), "--capture", path.join(work, "capture"), "--out", path.join(work, "x")],
                /has no constraints\.json/,
            ],
            [
                ["bias", "--dataset", path.join(work, "train.csv"), "--label", "ltgt50k", "--facet", "sex", "--out", path.join(work, "x")],
                /--facet sex: is not column=value/,
            ],
            [
                [
                    "analyze",
                    "--baseline",
                    path.join(work, "baseline"),
                    "--capture",
                    path.join(work, "capture", "adult-ep"),
                    "--out",
                    path.join(work, "x"),
                    "--from",
                    "2030-01-01T00:00:00Z",
                ],
                /no captured row in the window/,
            ],
        ];
        for (const [argv, re] of cases) {
            const r = await cli(...argv);
            assert.equal(r.code, 2, `${argv.join(" ")} -> ${r.code}`);
            assert.match(r.err, re, argv.join(" "));
        }
    });

    it("report: one self-contained HTML file with distributions, violations and drift over time", async () => {
        const file = path.join(work, "monitoring.html");
        const r = await cli("report", "--reports", path.join(work, "out"), "--baseline", path.join(work, "baseline"), "--out", file);
        assert.equal(r.code, 0, r.err);
        const html = fs.readFileSync(file, "utf8");
        assert.ok(!/<script|<link|<img|@import/i.test(html), "no external resources");
        assert.ok((html.match(/<svg/g) ?? []).length >= 14 + 2, "feature charts + drift + model quality");
        assert.match(html, /Baseline drift distance: [\d.]+ exceeds threshold: 0\.1/);
        assert.match(html, /hourly 2024-06-01 10h/);
        assert.match(html, /hourly 2024-06-01 11h/);
        assert.match(html, /Model quality over time/);
        assert.match(html, /age: Integral, drift [\d.]+ \(Robust; L∞ [\d.]+\) — VIOLATION/);
        const empty = fs.mkdtempSync(path.join(work, "empty-"));
        const e = await cli("report", "--reports", empty, "--out", path.join(work, "x.html"));
        assert.equal(e.code, 2);
        assert.match(e.err, /no monitoring run found/);
    });

    describe("ab with --apply on a loopback endpoint", () => {
        let server: EndpointServer;
        before(async () => {
            const f = servingFixture();
            server = await serveEndpoint({
                endpointName: "ab-ep",
                variants: [
                    { name: "champion", modelPath: f.modelJson, transformPath: f.transformJson, weight: 3 },
                    { name: "challenger", modelPath: f.modelJsonB, transformPath: f.transformJson, weight: 1 },
                ],
                capture: { enabled: true, samplingPercentage: 100, destination: path.join(work, "ab-capture"), prefix: "" },
                port: 0,
                host: "127.0.0.1",
                seed: 5,
            });
            const rows = slice(2400, 2800);
            const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
            const ids: string[] = [];
            for (let i = 0; i < rows.features.length; i++) {
                const id = `ab-${i}`;
                ids.push(id);
                await new Promise<void>((resolve, reject) => {
                    const u = new URL(server.url);
                    const req = http.request(
                        {
                            host: u.hostname,
                            port: u.port,
                            path: "/invocations",
                            method: "POST",
                            agent,
                            headers: { "Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": id },
                        },
                        (res) => {
                            res.resume();
                            res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
                        },
                    );
                    req.on("error", reject);
                    req.end(rows.features[i]);
                });
            }
            agent.destroy();
            writeGroundTruth(path.join(work, "ab-gt"), "ab-ep", new Date(), ids, rows.labels, "labels");
        });
        after(async () => {
            if (server) await server.stop(2000);
        });

        it("recommends from the captured variants and shifts the weights through /admin/weights", async () => {
            assert.deepEqual(server.router.weights(), { champion: 3, challenger: 1 });
            const r = await cli(
                "ab",
                "--capture",
                path.join(work, "ab-capture", "ab-ep"),
                "--ground-truth",
                path.join(work, "ab-gt", "ab-ep"),
                "--champion",
                "champion",
                "--out",
                path.join(work, "ab-out"),
                "--apply",
                "--endpoint-url",
                server.url,
            );
            assert.equal(r.code, 0, r.err);
            const a = JSON.parse(fs.readFileSync(path.join(work, "ab-out", "ab_analysis.json"), "utf8"));
            const byName = Object.fromEntries(a.variants.map((v: { variant: string }) => [v.variant, v]));
            assert.equal(byName.champion.requests + byName.challenger.requests, 400);
            assert.equal(byName.champion.labeled + byName.challenger.labeled, 400);
            // 400 requests < 1000 per variant: not enough data, the challenger is ramped to 0.5
            assert.equal(a.recommendation.action, "shift-weights");
            assert.match(r.out, /recommendation: shift-weights/);
            const w = server.router.weights();
            assert.ok(Math.abs(w.challenger - 0.5) < 1e-9 && Math.abs(w.champion - 0.5) < 1e-9, JSON.stringify(w));
            const bad = await cli("ab", "--capture", path.join(work, "ab-capture", "ab-ep"), "--champion", "nobody");
            assert.equal(bad.code, 2);
            assert.match(bad.err, /champion variant "nobody" has no records/);
        });
    });
});
