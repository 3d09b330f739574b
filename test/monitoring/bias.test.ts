import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildCaptureRecord } from "../../lib/monitoring/capture";
import {
    biasRowsFromCapture,
    biasMetricsEmf,
    checkBiasDrift,
    computeBiasReport,
    runModelBiasMonitor,
    toBiasViolationsFile,
    facetCounts,
    flipTest,
    kl,
    type BiasConfig,
    type BiasReport,
    type Scalar,
} from "../../lib/monitoring/bias";

/*
 * Hand-worked data set (10 rows). Facet d = sex "F", label/pred 1 = positive.
 *
 *  row sex y p grp x      facet a (M): n=6, n(1)=3, n̂(1)=4, TP=2 FN=1 FP=2 TN=1
 *   1   M  1 1  A  1      facet d (F): n=4, n(1)=1, n̂(1)=2, TP=1 FN=0 FP=1 TN=2
 *   2   M  1 1  A  2
 *   3   M  1 0  B  3
 *   4   M  0 1  B  4
 *   5   M  0 0  A  5
 *   6   M  0 1  B  6
 *   7   F  1 1  A  1.1
 *   8   F  0 0  A  2.1
 *   9   F  0 1  B  5.1
 *  10   F  0 0  B  6.1
 */
const RAW: [string, number, number, string, number][] = [
    ["M", 1, 1, "A", 1],
    ["M", 1, 1, "A", 2],
    ["M", 1, 0, "B", 3],
    ["M", 0, 1, "B", 4],
    ["M", 0, 0, "A", 5],
    ["M", 0, 1, "B", 6],
    ["F", 1, 1, "A", 1.1],
    ["F", 0, 0, "A", 2.1],
    ["F", 0, 1, "B", 5.1],
    ["F", 0, 0, "B", 6.1],
];
const ROWS = RAW.map(([sex, y, p, grp, x]) => ({ sex, y, p, grp, x }));
const CONFIG: BiasConfig = {
    labelColumn: "y",
    label: { values: [1] },
    facets: [{ column: "sex", values: ["F"] }],
    groupColumn: "grp",
    predictedColumn: "p",
    featureColumns: ["x"],
};

function metricsOf(report: BiasReport, stage: "pre" | "post", facet = "sex", idx = 0) {
    const sec = stage === "pre" ? report.pre_training_bias_metrics! : report.post_training_bias_metrics!;
    return Object.fromEntries(sec.facets[facet][idx].metrics.map((m) => [m.name, m]));
}

const near = (a: number | null, b: number, what: string) => {
    assert.ok(a !== null, `${what} is null`);
    assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
};

describe("bias: pre-training metrics (hand computed)", () => {
    const { report, rowsUsed, skippedRows } = computeBiasReport(ROWS, CONFIG);
    const m = metricsOf(report, "pre");

    it("counts", () => {
        const c = facetCounts({
            sensitive: RAW.map((r) => r[0] === "F"),
            label: RAW.map((r) => r[1] === 1),
            predicted: RAW.map((r) => r[2] === 1),
        });
        assert.deepEqual(c.a, { n: 6, pos: 3, predPos: 4, tp: 2, fp: 2, tn: 1, fn: 1 });
        assert.deepEqual(c.d, { n: 4, pos: 1, predPos: 2, tp: 1, fp: 1, tn: 2, fn: 0 });
        assert.equal(rowsUsed, 10);
        assert.deepEqual(skippedRows, {});
    });

    it("CI = (6-4)/10 = 0.2", () => near(m.CI.value, 0.2, "CI"));
    it("DPL = 3/6 - 1/4 = 0.25", () => near(m.DPL.value, 0.25, "DPL"));
    // Pa = [P(1), P(0)] = [0.5, 0.5], Pd = [0.25, 0.75]
    it("KL = 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75) = 0.5 ln(4/3)", () => near(m.KL.value, 0.5 * Math.log(4 / 3), "KL"));
    it("JS with P = [0.375, 0.625]: 0.5[0.5 ln(16/15) + 0.25 ln(2/3) + 0.75 ln(1.2)]", () =>
        near(m.JS.value, 0.5 * (0.5 * Math.log(16 / 15) + 0.25 * Math.log(2 / 3) + 0.75 * Math.log(1.2)), "JS"));
    it("LP (p=2) = sqrt(0.25^2 + 0.25^2)", () => near(m.LP.value, Math.SQRT2 * 0.25, "LP"));
    it("TVD = 0.5 (0.25 + 0.25) = 0.25", () => near(m.TVD.value, 0.25, "TVD"));
    it("KS = max(0.25, 0.25) = 0.25", () => near(m.KS.value, 0.25, "KS"));
    // group A: 5 rows, accepted {1,2,7} (d: 7) rejected {5,8} (d: 8) -> DD = 1/2 - 1/3 = 1/6
    // group B: 5 rows, accepted {3} (d: none) rejected {4,6,9,10} (d: 9,10) -> DD = 2/4 - 0 = 1/2
    // CDDL = (5*1/6 + 5*1/2) / 10 = 1/3
    it("CDDL = (5·1/6 + 5·1/2)/10 = 1/3", () => near(m.CDDL.value, 1 / 3, "CDDL"));

    it("has the analysis.json shape with descriptions", () => {
        const sec = report.pre_training_bias_metrics!;
        assert.equal(sec.label, "y");
        assert.equal(sec.label_value_or_threshold, "1");
        assert.equal(sec.facets.sex[0].value_or_threshold, "F");
        assert.deepEqual(Object.keys(sec.facets.sex[0].metrics[0]), ["name", "description", "value"]);
        assert.equal(m.CI.description, "Class Imbalance (CI)");
        assert.deepEqual(
            sec.facets.sex[0].metrics.map((x) => x.name),
            ["CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD"], // Clarify sorts by short name
        );
        const post = report.post_training_bias_metrics!.facets.sex[0].metrics.map((x) => x.name);
        assert.deepEqual(post, ["AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "FT", "RD", "TE"]);
        const sel = computeBiasReport(ROWS, { ...CONFIG, preTrainingMethods: ["CI"], postTrainingMethods: ["DCAcc", "DI"] }).report;
        assert.deepEqual(
            sel.post_training_bias_metrics!.facets.sex[0].metrics.map((x) => x.name),
            ["DCA", "DI"],
        );
        assert.throws(() => computeBiasReport(ROWS, { ...CONFIG, postTrainingMethods: ["XYZ" as any] }), /unknown post-training metric "XYZ"/);
        // round-trips through JSON without loss (no NaN/Infinity)
        assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
    });
});

describe("bias: post-training metrics (hand computed)", () => {
    const { report } = computeBiasReport(ROWS, CONFIG);
    const m = metricsOf(report, "post");
    it("DPPL = 4/6 - 2/4 = 1/6", () => near(m.DPPL.value, 1 / 6, "DPPL"));
    it("DI = (2/4)/(4/6) = 0.75", () => near(m.DI.value, 0.75, "DI"));
    it("DCA (docs: DCAcc) = n_a(1)/n̂_a(1) - n_d(1)/n̂_d(1) = 3/4 - 1/2 = 0.25", () => near(m.DCA.value, 0.25, "DCA"));
    it("DCR = n_d(0)/n̂_d(0) - n_a(0)/n̂_a(0) = 3/2 - 3/2 = 0", () => near(m.DCR.value, 0, "DCR"));
    it("RD = 2/3 - 1/1 = -1/3", () => near(m.RD.value, -1 / 3, "RD"));
    it("DAR = TP_a/n̂_a(1) - TP_d/n̂_d(1) = 2/4 - 1/2 = 0", () => near(m.DAR.value, 0, "DAR"));
    it("DRR = TN_d/n̂_d(0) - TN_a/n̂_a(0) = 2/2 - 1/2 = 0.5", () => near(m.DRR.value, 0.5, "DRR"));
    it("AD = 3/6 - 3/4 = -0.25", () => near(m.AD.value, -0.25, "AD"));
    it("TE = FN_d/FP_d - FN_a/FP_a = 0/1 - 1/2 = -0.5", () => near(m.TE.value, -0.5, "TE"));
    // group A preds: accepted {1,2,7} (d: 7), rejected {5,8} (d: 8) -> 1/2 - 1/3 = 1/6
    // group B preds: accepted {4,6,9} (d: 9), rejected {3,10} (d: 10) -> 1/2 - 1/3 = 1/6 ; CDDPL = 1/6
    it("CDDPL = 1/6", () => near(m.CDDPL.value, 1 / 6, "CDDPL"));
    // n_a = 6 <= 9 -> k = 1. d rows: x=1.1 -> a x=1 (p=1), own 1: no flip; x=2.1 -> x=2 (p=1), own 0: F+;
    // x=5.1 -> x=5 (p=0), own 1: F-; x=6.1 -> x=6 (p=1), own 0: F+.  FT = (2 - 1)/4 = 0.25
    it("FT = (F+ - F-)/n_d = (2-1)/4 = 0.25 with k=1", () => {
        near(m.FT.value, 0.25, "FT");
        const ft = flipTest(
            RAW.map((r) => r[0] === "F"),
            RAW.map((r) => r[2] === 1),
            RAW.map((r) => [r[4]]),
        );
        assert.equal(ft.k, 1);
        assert.equal(ft.fPlus, 2);
        assert.equal(ft.fMinus, 1);
    });
    it("FT uses k=5 (majority vote) when facet a has more than 9 rows", () => {
        // a: 10 rows at x=0..9, predicted positive for x in {0,1,2} and negative otherwise.
        // d row at x=1.2 -> 5 nearest a: 1,2,0,3,4 -> votes 3 positive of 5 -> positive; own prediction negative -> F+
        const sens = [...Array(10).fill(false), true];
        const pred = [true, true, true, false, false, false, false, false, false, false, false];
        const feats = [...Array.from({ length: 10 }, (_, i) => [i]), [1.2]];
        const ft = flipTest(sens, pred, feats);
        assert.equal(ft.k, 5);
        assert.equal(ft.value, 1);
        // k matters: a predicted positive only at x=2; d row at x=2.1 predicted negative.
        // k=1 -> nearest a (x=2) positive -> F+ -> FT = 1 ; k=5 -> 1 of 5 positive -> negative -> no flip -> FT = 0
        const predK = [false, false, true, false, false, false, false, false, false, false, false];
        const featsK = [...Array.from({ length: 10 }, (_, i) => [i]), [2.1]];
        assert.equal(flipTest(sens, predK, featsK).value, 0);
        assert.equal(flipTest(sens, predK, featsK, { k: 1 }).value, 1);
    });
});

describe("bias: facets, labels and edge cases", () => {
    it("numeric facet threshold with comparison (age < 40) and numeric label threshold", () => {
        const rows = [
            { age: 25, income: 30, score: 0.2 },
            { age: 35, income: 60, score: 0.7 },
            { age: 45, income: 70, score: 0.9 },
            { age: 55, income: 40, score: 0.6 },
            { age: 65, income: 80, score: 0.4 },
        ];
        const { report } = computeBiasReport(rows, {
            labelColumn: "income",
            label: { threshold: 50 },
            facets: [{ column: "age", threshold: 40, comparison: "<" }],
            predictedColumn: "score",
            probabilityThreshold: 0.5,
        });
        const pre = metricsOf(report, "pre", "age");
        // d = age<40: rows 1,2 (positives: row 2) -> q_d = 1/2; a: rows 3,4,5 positives 3,5 -> q_a = 2/3
        near(pre.CI.value, (3 - 2) / 5, "CI");
        near(pre.DPL.value, 2 / 3 - 1 / 2, "DPL");
        assert.equal(report.pre_training_bias_metrics!.facets.age[0].value_or_threshold, "[25, 40)");
        assert.equal(report.pre_training_bias_metrics!.label_value_or_threshold, "(50, +inf)");
        const post = metricsOf(report, "post", "age");
        // predicted (score > 0.5): d rows 1,2 -> 0,1 ; a rows 3,4,5 -> 1,1,0 ; q̂_a = 2/3, q̂_d = 1/2
        near(post.DPPL.value, 2 / 3 - 1 / 2, "DPPL");
        assert.equal(post.CDDPL.value, null);
        assert.match(post.CDDPL.error!, /group variable not configured/);
        assert.equal(post.FT.value, null);
        assert.match(post.FT.error!, /no feature columns configured/);
        // default comparison is Clarify's "> threshold"
        const def = computeBiasReport(rows, { labelColumn: "income", label: { threshold: 50 }, facets: [{ column: "age", threshold: 40 }] });
        assert.equal(def.report.pre_training_bias_metrics!.facets.age[0].value_or_threshold, "(40, 65]");
        near(metricsOf(def.report, "pre", "age").CI.value, (2 - 3) / 5, "CI >40");
    });

    it("empty facet group gives null values with a reason, not a number", () => {
        const { report } = computeBiasReport(ROWS, { ...CONFIG, facets: [{ column: "sex", values: ["X"] }] });
        for (const stage of ["pre", "post"] as const) {
            for (const e of Object.values(metricsOf(report, stage))) {
                assert.equal(e.value, null, `${stage} ${e.name}`);
                assert.match(e.error!, /facet d .* has no rows/, `${stage} ${e.name}`);
            }
        }
        const all = computeBiasReport(ROWS, { ...CONFIG, facets: [{ column: "sex", values: ["F", "M"] }] });
        assert.match(metricsOf(all.report, "pre").CI.error!, /facet a .* has no rows/);
    });

    it("unbounded/undefined ratios are null with the zero count named", () => {
        // facet d has no positive labels and no positive predictions.
        const rows = [
            { s: "d", y: 0, p: 0 },
            { s: "d", y: 0, p: 0 },
            { s: "a", y: 1, p: 1 },
            { s: "a", y: 0, p: 1 },
        ];
        const { report } = computeBiasReport(rows, {
            labelColumn: "y",
            label: { values: [1] },
            facets: [{ column: "s", values: ["d"] }],
            predictedColumn: "p",
        });
        const pre = metricsOf(report, "pre", "s");
        assert.equal(pre.KL.value, null);
        assert.match(pre.KL.error!, /unbounded: facet d has no positive labels/);
        // JS stays finite: Pa=[.5,.5], Pd=[0,1], M=[.25,.75] -> 0.5[0.5 ln2 + 0.5 ln(2/3) + ln(4/3)]
        near(pre.JS.value, 0.5 * (0.5 * Math.log(2) + 0.5 * Math.log(2 / 3) + Math.log(4 / 3)), "JS");
        near(pre.TVD.value, 0.5, "TVD");
        const post = metricsOf(report, "post", "s");
        near(post.DI.value, 0, "DI = 0/1");
        assert.equal(post.DCA.value, null);
        assert.match(post.DCA.error!, /predicted positives in facet d n̂_d\(1\) is 0/);
        assert.equal(post.TE.value, null);
        assert.match(post.TE.error!, /false positives in facet d FP_d is 0/);
    });

    it("direct metric call on empty input and bad configs fail with clear errors", () => {
        assert.match(
            kl({ a: { n: 0, pos: 0, predPos: 0, tp: 0, fp: 0, tn: 0, fn: 0 }, d: { n: 1, pos: 1, predPos: 0, tp: 0, fp: 0, tn: 0, fn: 1 } }).error!,
            /facet a/,
        );
        assert.throws(() => computeBiasReport([], CONFIG), /0 rows/);
        assert.throws(() => computeBiasReport(ROWS, { ...CONFIG, labelColumn: "nope" }), /label column "nope" is not in the rows/);
        assert.throws(() => computeBiasReport(ROWS, { ...CONFIG, facets: [] }), /facets is empty/);
        assert.throws(() => computeBiasReport(ROWS, { ...CONFIG, facets: [{ column: "sex", values: [] }] }), /values is empty/);
    });

    it("counts rows skipped for missing labels / facet values / non-numeric features", () => {
        const rows: Record<string, Scalar>[] = [
            ...ROWS,
            { sex: null, y: 1, p: 1, grp: "A", x: 1 },
            { sex: "F", y: null, p: 0, grp: "A", x: 1 },
            { sex: "M", y: 0, p: 0, grp: "B", x: "n/a" },
        ];
        const r = computeBiasReport(rows, CONFIG);
        assert.deepEqual(r.skippedRows, { "missing_or_non_numeric_label:y": 1, "missing_or_non_numeric_facet:sex": 1 });
        assert.equal(r.rowsUsed, 12);
        assert.match(metricsOf(r.report, "post").FT.error!, /1 rows have a missing or non-numeric feature value/);
    });
});

describe("bias: every value of a categorical facet, and the capture path", () => {
    it("eachValue computes one entry per distinct value vs the rest (like race)", () => {
        const rows = [
            { race: "W", y: 1 },
            { race: "W", y: 0 },
            { race: "B", y: 0 },
            { race: "A", y: 1 },
            { race: "B", y: 1 },
            { race: "B", y: 0 },
        ];
        const { report } = computeBiasReport(rows, { labelColumn: "y", label: { values: [1] }, facets: [{ column: "race", eachValue: true }] });
        const entries = report.pre_training_bias_metrics!.facets.race;
        assert.deepEqual(
            entries.map((e) => e.value_or_threshold),
            ["A", "B", "W"],
        );
        // B vs rest: n_d = 3 (1 positive), n_a = 3 (A:1 pos, W:1 pos of 2) -> CI 0, DPL = 2/3 - 1/3
        const b = Object.fromEntries(entries[1].metrics.map((m) => [m.name, m.value]));
        near(b.CI, 0, "CI");
        near(b.DPL, 1 / 3, "DPL");
        assert.throws(
            () => computeBiasReport(rows, { labelColumn: "y", label: { values: [1] }, facets: [{ column: "race", eachValue: true, maxValues: 2 }] }),
            /3 distinct values \(> maxValues 2\)/,
        );
    });

    it("joins captured CSV inputs + scores with ground truth into rows and gives the same report as direct rows", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bias-cap-"));
        try {
            const capLines: string[] = [];
            const gtLines: string[] = [];
            ROWS.forEach((r, i) => {
                const score = r.p ? 0.8 : 0.3;
                capLines.push(
                    JSON.stringify(
                        buildCaptureRecord({
                            input: { data: `${r.sex},${r.grp},${r.x}`, contentType: "text/csv" },
                            output: { data: String(score), contentType: "text/csv" },
                            eventId: `e${i}`,
                            inferenceTime: "2026-01-01T00:00:00Z",
                        }),
                    ),
                );
                gtLines.push(
                    JSON.stringify({ groundTruthData: { data: String(r.y), encoding: "CSV" }, eventMetadata: { eventId: `e${i}` }, eventVersion: "0" }),
                );
            });
            fs.writeFileSync(path.join(dir, "cap.jsonl"), capLines.join("\n") + "\n");
            fs.mkdirSync(path.join(dir, "gt"));
            fs.writeFileSync(path.join(dir, "gt", "gt.jsonl"), gtLines.join("\n") + "\n");
            await assert.rejects(biasRowsFromCapture(path.join(dir, "cap.jsonl"), path.join(dir, "gt")), /pass featureNames \(3 columns\)/);
            const { rows, report, widthMismatch } = await biasRowsFromCapture(path.join(dir, "cap.jsonl"), path.join(dir, "gt"), {
                featureNames: ["sex", "grp", "x"],
            });
            assert.equal(rows.length, 10);
            assert.equal(widthMismatch, 0);
            assert.equal(report.mergedRows, 10);
            const fromCapture = computeBiasReport(rows, {
                labelColumn: "label",
                label: { values: [1] },
                facets: [{ column: "sex", values: ["F"] }],
                groupColumn: "grp",
                predictedColumn: "score",
                probabilityThreshold: 0.5,
                featureColumns: ["x"],
            }).report;
            const direct = computeBiasReport(ROWS, CONFIG).report;
            assert.deepEqual(fromCapture.post_training_bias_metrics!.facets, direct.post_training_bias_metrics!.facets);
            assert.deepEqual(fromCapture.pre_training_bias_metrics!.facets, direct.pre_training_bias_metrics!.facets);
            // the whole monitoring execution: same data as the baseline -> no drift violations, EMF lines for both stages
            const run = await runModelBiasMonitor({
                captureSource: path.join(dir, "cap.jsonl"),
                groundTruthSource: path.join(dir, "gt"),
                featureNames: ["sex", "grp", "x"],
                config: { facets: [{ column: "sex", values: ["F"] }], groupColumn: "grp", featureColumns: ["x"] },
                baseline: direct,
                dimensions: { endpoint: "ep", schedule: "bias" },
            });
            assert.deepEqual(run.analysis.post_training_bias_metrics!.facets, direct.post_training_bias_metrics!.facets);
            assert.deepEqual(run.violations!.violations, []);
            assert.equal(run.emf!.lines.length, 2);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("bias: drift between baseline and current", () => {
    const base = computeBiasReport(ROWS, CONFIG).report;
    // current: facet d gets one more negative prediction (row 9 predicted 0) -> q̂_d = 1/4
    const curRows = ROWS.map((r, i) => (i === 8 ? { ...r, p: 0 } : r));
    const cur = computeBiasReport(curRows, CONFIG).report;

    it("explicit thresholds: reports changes and violations in bias_drift_check form", () => {
        const res = checkBiasDrift(base, cur, {
            baselineRule: false,
            thresholds: {
                DPPL: { maxAbsChange: 0.2 }, // 4/6 - 1/4 = 5/12 vs 1/6: change 0.25 > 0.2 -> violation
                DI: { range: [0.8, 1.25] }, // (1/4)/(4/6) = 0.375 -> violation
                CI: { maxAbs: 0.5 }, // 0.2 -> ok
                TE: { maxAbsChange: 1 }, // current FP_d = 0 -> null -> skipped, not silently passed
            },
        });
        const v = Object.fromEntries(res.violations.map((x) => [x.metric_name, x]));
        assert.deepEqual(Object.keys(v).sort(), ["DI", "DPPL"]);
        assert.deepEqual(Object.keys(v.DPPL), ["facet", "facet_value", "metric_name", "constraint_check_type", "description"]);
        assert.equal(v.DPPL.facet, "sex");
        assert.equal(v.DPPL.facet_value, "F");
        assert.equal(v.DPPL.constraint_check_type, "bias_drift_check");
        assert.match(v.DPPL.description, /changed by 0.25 from baseline 0.166667/);
        assert.match(v.DI.description, /Value 0.375 .* outside \[0.8, 1.25\]/);
        const dppl = res.changes.find((c) => c.metric_name === "DPPL")!;
        near(dppl.delta, 0.25, "delta");
        assert.equal(res.skipped.length, 1);
        assert.equal(res.skipped[0].metric_name, "TE");
        assert.throws(() => checkBiasDrift(base, cur, { thresholds: { DI: { range: [2, 1] } } }), /min > max/);
    });

    it("service rule: violation when the current value is farther from balance than the baseline", () => {
        // current (row 9 now predicted 0): facet d TP=1 FP=0 TN=3 FN=0, n̂_d(1)=1 ; facet a unchanged.
        //   DPPL 1/6 -> 5/12 (farther: violation)      DI 0.75 -> 0.375 (|.375-1| > |.75-1|: violation)
        //   DCA 0.25 -> 3/4 - 1/1 = -0.25 (equal distance: ok)   DCR 0 -> 1 - 1.5 = -0.5 (violation)
        //   RD -1/3 -> -1/3 (ok)   DAR 0 -> 2/4 - 1/1 = -0.5 (violation)   DRR 0.5 -> 3/3 - 1/2 = 0.5 (ok)
        //   AD -0.25 -> 0.5 - 1 = -0.5 (violation)   TE -> FP_d = 0 -> null (skipped)
        //   CDDPL 1/6 -> group B accepted {4,6} (no d), rejected {3,9,10} (d: 9,10): 2/3 ; (5/6 + 10/3)/10 = 5/12 (violation)
        //   FT 0.25 -> d preds 1,0,0,0 vs neighbours 1,1,0,1 -> F+ = 2, F- = 0 -> 0.5 (violation)
        //   pre-training metrics are unchanged (labels did not move).
        const res = checkBiasDrift(base, cur);
        assert.deepEqual(res.violations.map((v) => v.metric_name).sort(), ["AD", "CDDPL", "DAR", "DCR", "DI", "DPPL", "FT"]);
        assert.deepEqual(
            res.skipped.map((x) => x.metric_name),
            ["TE"],
        );
        assert.match(res.violations.find((v) => v.metric_name === "DI")!.description, /farther from 1 than the baseline value 0.75/);
        assert.deepEqual(Object.keys(toBiasViolationsFile(res)), ["version", "violations"]);
        assert.equal(toBiasViolationsFile(res).version, "1.0");
    });

    it("no violations when nothing moved", () => {
        const res = checkBiasDrift(base, base, { thresholds: { DPPL: { maxAbsChange: 0 }, CI: { maxAbs: 0.2 } } });
        assert.deepEqual(res.violations, []);
    });

    it("EMF bias metrics: bias_metric_<name> with BiasStage/Label/Facet dimensions, nulls not published", () => {
        const { lines, skipped } = biasMetricsEmf({ endpoint: "ep", schedule: "bias-sched" }, cur, { timestamp: 1_700_000_000_000 });
        assert.equal(lines.length, 2);
        const [pre, post] = lines.map((l) => JSON.parse(l));
        assert.equal(pre._aws.CloudWatchMetrics[0].Namespace, "aws/sagemaker/Endpoints/bias-metrics");
        assert.deepEqual(pre._aws.CloudWatchMetrics[0].Dimensions, [
            ["Endpoint", "MonitoringSchedule", "BiasStage", "Label", "LabelValue", "Facet", "FacetValue"],
        ]);
        assert.equal(pre.BiasStage, "Pre-training");
        assert.equal(post.BiasStage, "Post-Training");
        assert.equal(pre.Facet, "sex");
        assert.equal(pre.FacetValue, "F");
        assert.equal(pre.bias_metric_CI, 0.2);
        assert.equal(post.bias_metric_TE, undefined);
        assert.deepEqual(skipped, ["Post-Training/sex=F/TE"]);
    });
});

describe("bias: UCI Adult (data/adult/adult.data)", () => {
    it("sex = Female: CI and DPL match the published class counts", function () {
        const file = path.join(__dirname, "..", "..", "data", "adult", "adult.data");
        if (!fs.existsSync(file)) this.skip();
        const lines = fs
            .readFileSync(file, "utf8")
            .split("\n")
            .filter((l) => l.trim());
        const header = lines[0].split(",").map((s) => s.trim());
        const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v.trim()])));
        const t0 = Date.now();
        const { report, rowsUsed } = computeBiasReport(rows, {
            labelColumn: "ltgt50k",
            label: { values: [">50K"] },
            facets: [
                { column: "sex", values: ["Female"] },
                { column: "age", threshold: 40, comparison: "<" },
            ],
            groupColumn: "education",
        });
        const ms = Date.now() - t0;
        // Adult training file: 32561 rows; 21790 Male (6662 >50K), 10771 Female (1179 >50K).
        assert.equal(rowsUsed, 32561);
        const m = metricsOf(report, "pre");
        near(m.CI.value, (21790 - 10771) / 32561, "CI");
        near(m.DPL.value, 6662 / 21790 - 1179 / 10771, "DPL");
        assert.equal(typeof m.CDDL.value, "number");
        console.log(
            `      Adult sex=Female: CI=${m.CI.value!.toFixed(4)} DPL=${m.DPL.value!.toFixed(4)} KL=${m.KL.value!.toFixed(4)} JS=${m.JS.value!.toFixed(4)} CDDL(education)=${m.CDDL.value!.toFixed(4)}; age<40 DPL=${metricsOf(report, "pre", "age").DPL.value!.toFixed(4)} (${ms} ms)`,
        );
    });
});
