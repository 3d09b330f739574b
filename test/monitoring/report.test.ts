/**
 * HTML monitoring report: chart data comes from the statistics files' KLL / categorical buckets, the page is
 * self-contained, and every section (violations, drift over time, model quality, bias, A/B) shows its data.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { analyze, parseServiceJson, suggestBaseline, type StatisticsFile } from "../../lib/monitoring";
import { analyzeAbTest, type AbRecord } from "../../lib/monitoring/ab";
import { computeBiasReport } from "../../lib/monitoring/bias";
import type { ModelQualityStatistics } from "../../lib/monitoring/modelquality";
import {
    bucketOverlaySpec,
    buildMonitoringReport,
    categoricalOverlaySpec,
    collectMonitoringReports,
    runIdFromDir,
    writeMonitoringReport,
} from "../../lib/monitoring/report";
import { shiftAdultCsvLines } from "../../lib/monitoring/shift";
import { ADULT_DATA } from "../../test-support/serving-fixture";

const FIX = path.resolve(__dirname, "../fixtures/model-monitor");
const HEADER = fs.readFileSync(ADULT_DATA, "utf8").split("\n")[0];
const COLUMNS = HEADER.split(",").slice(0, 14);

function features(from: number, to: number): string[] {
    return fs
        .readFileSync(ADULT_DATA, "utf8")
        .split("\n")
        .slice(1 + from, 1 + to)
        .filter((l) => l.trim())
        .map((l) => l.slice(0, l.lastIndexOf(",")));
}
const rowsOf = (lines: string[]) => lines.map((l) => ({ values: l.split(",").map((c) => c.trim()), names: COLUMNS }));

describe("monitoring HTML report", function () {
    this.timeout(90_000);
    let work: string;
    let baseline: StatisticsFile;

    before(async () => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "monitor-report-"));
        const b = await suggestBaseline(rowsOf(features(0, 1200)), { outputDir: path.join(work, "baselines", "adult-ep") });
        baseline = b.statistics;
        const cur = features(1200, 1500);
        // three hourly runs of one schedule: as is, shifted, as is
        const runs: [number, string[]][] = [
            [8, cur],
            [9, shiftAdultCsvLines(cur, COLUMNS, { seed: 1 })],
            [10, cur],
        ];
        for (const [h, lines] of runs) {
            await analyze({
                baselineStatistics: b.statistics,
                baselineConstraints: b.constraints,
                current: rowsOf(lines),
                outputRoot: work,
                endpoint: "adult-ep",
                schedule: "hourly",
                time: new Date(Date.UTC(2024, 5, 1, h)),
            });
        }
        // model-quality runs (service example statistics), one with a violation
        const mq = fs.readFileSync(path.join(FIX, "10_model_quality_binary_classification_metrics.json"), "utf8");
        for (const [h, v] of [
            [8, []],
            [9, [{ metric_name: "auc", constraint_check_type: "LessThanThreshold", description: "Metric auc with 0.61 +/- NaN was LessThanThreshold 0.8" }]],
        ] as const) {
            const dir = path.join(work, "reports", "adult-ep", "mq-hourly", "2024", "06", "01", String(h).padStart(2, "0"));
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(path.join(dir, "statistics.json"), mq);
            fs.writeFileSync(path.join(dir, "constraint_violations.json"), JSON.stringify({ violations: v }));
        }
    });

    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("numeric distribution chart data are the KLL buckets of both statistics files (density integrates to 1)", () => {
        const svc = parseServiceJson<StatisticsFile>(fs.readFileSync(path.join(FIX, "01_data_quality_statistics.json"), "utf8"));
        const f = svc.features[0];
        const spec = bucketOverlaySpec(f.name, f, f)!;
        const rows = (spec.data as { values: { series: string; lower: number; upper: number; density: number; share: number }[] }).values;
        const b = rows.filter((r) => r.series === "baseline");
        const kll = f.numerical_statistics!.distribution.kll.buckets;
        assert.deepEqual(
            b.map((r) => r.lower),
            kll.map((k) => k.lower_bound),
        );
        const total = kll.reduce((s, k) => s + k.count, 0);
        b.forEach((r, i) => assert.ok(Math.abs(r.share - kll[i].count / total) < 1e-12));
        const integral = b.reduce((s, r) => s + r.density * (r.upper - r.lower), 0);
        assert.ok(Math.abs(integral - 1) < 1e-9, `integral ${integral}`);
        assert.equal(bucketOverlaySpec("x", f, { ...f, numerical_statistics: undefined }), undefined, "no current buckets: no chart");
    });

    it("categorical chart data are the category shares of both files", () => {
        const sex = baseline.features.find((f) => f.name === "sex")!;
        const spec = categoricalOverlaySpec("sex", sex, sex)!;
        const rows = (spec.data as { values: { category: string; series: string; share: number }[] }).values;
        const buckets = sex.string_statistics!.distribution!.categorical.buckets;
        const n = buckets.reduce((s, x) => s + x.count, 0);
        for (const bk of buckets) assert.ok(Math.abs(rows.find((r) => r.category === bk.value && r.series === "baseline")!.share - bk.count / n) < 1e-12);
        assert.ok(Math.abs(rows.filter((r) => r.series === "current").reduce((s, r) => s + r.share, 0) - 1) < 1e-12);
    });

    it("collects runs from the reports tree (baseline folder recognised, time from the hour partition)", async () => {
        const input = await collectMonitoringReports(work);
        assert.equal(input.dataQuality.length, 3);
        assert.deepEqual(
            input.dataQuality.map((r) => r.time.toISOString()),
            ["2024-06-01T08:00:00.000Z", "2024-06-01T09:00:00.000Z", "2024-06-01T10:00:00.000Z"],
        );
        assert.equal(input.dataQuality[0].schedule, "hourly");
        assert.equal(input.dataQuality[0].endpoint, "adult-ep");
        assert.equal(input.modelQuality.length, 2);
        assert.ok(input.baselineStatistics, "baselines/adult-ep is the baseline, not a run");
        assert.equal(input.baselineStatistics!.dataset.item_count, 1200);
        const dir = input.dataQuality[1].dir!;
        fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ label: "shifted <b>replay</b>" }));
        assert.equal(runIdFromDir(dir, work).label, "shifted <b>replay</b>");
        await assert.rejects(collectMonitoringReports(path.join(work, "nope")), /is not a folder/);
        await assert.rejects(collectMonitoringReports(path.join(work, "baselines")), /no monitoring run found/);
    });

    it("renders a self-contained page with distributions, violations, drift over time and model quality", async () => {
        const input = await collectMonitoringReports(work);
        const file = path.join(work, "out", "monitoring.html");
        const res = await writeMonitoringReport(input, file);
        const html = fs.readFileSync(file, "utf8");
        assert.equal(res.bytes, Buffer.byteLength(html));
        assert.deepEqual(res.sections, ["overview", "violations", "distributions", "drift-over-time", "model-quality"]);
        assert.ok(!/<script|<link|<img|<iframe|@import/i.test(html), "no scripts or external resources");
        assert.ok(!/(?:href|src)\s*=\s*["']https?:/i.test(html));
        // one latest run per schedule: 14 feature charts + drift over time + model quality
        assert.equal(res.charts, 14 + 1 + 1);
        assert.equal((html.match(/<svg/g) ?? []).length, res.charts);
        const shifted = JSON.parse(fs.readFileSync(path.join(input.dataQuality[1].dir!, "constraint_violations.json"), "utf8")).violations;
        assert.ok(shifted.length > 0);
        assert.equal(
            res.violations,
            shifted.length +
                1 +
                JSON.parse(fs.readFileSync(path.join(input.dataQuality[0].dir!, "constraint_violations.json"), "utf8")).violations.length +
                JSON.parse(fs.readFileSync(path.join(input.dataQuality[2].dir!, "constraint_violations.json"), "utf8")).violations.length,
        );
        for (const v of shifted) assert.ok(html.includes(v.description.replace(/</g, "&lt;")), v.description);
        assert.ok(html.includes("Metric auc with 0.61 +/- NaN was LessThanThreshold 0.8"));
        assert.ok(html.includes("shifted &lt;b&gt;replay&lt;/b&gt;"), "labels are escaped");
        assert.ok(html.indexOf("hourly 2024-06-01 08h") < html.indexOf("hourly 2024-06-01 10h"));
        assert.match(html, /Drift over time/);
        assert.match(html, /Model quality over time/);
    });

    it("adds bias and A/B sections when their results exist", async () => {
        const lines = fs
            .readFileSync(ADULT_DATA, "utf8")
            .split("\n")
            .slice(1, 801)
            .filter((l) => l.trim());
        const rows = lines.map((l) => {
            const c = l.split(",").map((x) => x.trim());
            return { sex: c[9], age: Number(c[0]), label: c[14] };
        });
        const bias = computeBiasReport(rows, { labelColumn: "label", label: { values: [">50K"] }, facets: [{ column: "sex", values: ["Female"] }] }).report;
        const recs: AbRecord[] = [];
        let s = 42;
        const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let i = 0; i < 1200; i++) {
            const variant = i % 3 === 0 ? "challenger" : "champion";
            const label = rnd() < 0.3 ? 1 : 0;
            const score = Math.min(1, Math.max(0, label * 0.35 + rnd() * 0.65));
            recs.push({ variant, status: "ok", latencyUs: 1000 + rnd() * 500, score, label: label as 0 | 1 });
        }
        const ab = analyzeAbTest(recs, { champion: "champion" });
        const mq = parseServiceJson<ModelQualityStatistics>(fs.readFileSync(path.join(FIX, "10_model_quality_binary_classification_metrics.json"), "utf8"));
        const res = await buildMonitoringReport({
            dataQuality: [],
            modelQuality: [{ schedule: "mq", time: new Date(0), statistics: mq }],
            bias: [{ schedule: "bias", time: new Date(0), analysis: bias }],
            ab,
        });
        assert.deepEqual(res.sections, ["overview", "violations", "model-quality", "bias", "ab"]);
        const ci = bias.pre_training_bias_metrics!.facets.sex[0].metrics.find((m) => m.name === "CI")!;
        assert.ok(res.html.includes("Class Imbalance"));
        assert.ok(res.html.includes(ci.value!.toPrecision(3)) || res.html.includes(ci.value!.toFixed(3)));
        assert.ok(res.html.includes(`>${ab.recommendation.action}<`));
        assert.ok(res.html.includes("challenger") && res.html.includes("AUC 95% CI"));
        assert.equal(res.charts, 3, "model quality, bias and AUC charts");
        assert.match(res.html, /No constraint violations in any run/);
    });
});
