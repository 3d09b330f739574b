import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    calibrationBins,
    checkModelQualityConstraints,
    evaluateBinaryClassification,
    evaluateCaptureAgainstGroundTruth,
    mergeCaptureWithGroundTruth,
    mergeCaptureWithGroundTruthFolders,
    modelMetricsEmf,
    rocAndPrPoints,
    rocAuc,
    runModelQualityMonitor,
    seededRandom,
    suggestModelQualityConstraints,
    toViolationsFile,
    BINARY_SCALAR_METRICS,
    type ModelQualityStatistics,
} from "../../lib/monitoring/modelquality";
import { buildCaptureRecord, type CaptureRecord, type GroundTruthRecord } from "../../lib/monitoring/capture";

const FIX = path.join(__dirname, "..", "fixtures", "model-monitor");
const readJson = (f: string) => JSON.parse(fs.readFileSync(path.join(FIX, f), "utf8"));

function close(a: number | string, b: number | string, tol: number, what: string) {
    if (typeof a === "string" || typeof b === "string") {
        assert.equal(a, b, what);
        return;
    }
    assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}

describe("modelquality: binary classification statistics", () => {
    // The AWS example (fixture 10): 4 rows, 1 positive. Confusion matrix
    // {"0":{"0":1,"1":2},"1":{"0":0,"1":1}} => TN=1, FP=2, FN=0, TP=1.
    // Scores chosen so the positive outranks every negative (AUC = 1 as in the example):
    //   positive 0.9 (TP); negatives 0.7, 0.6 (FP at threshold 0.5), 0.2 (TN).
    const scores = [0.9, 0.7, 0.6, 0.2];
    const labels = [1, 0, 0, 0];

    it("reproduces every scalar value and the confusion matrix of the AWS example (fixture 10)", () => {
        const fx = readJson("10_model_quality_binary_classification_metrics.json").binary_classification_metrics;
        const { statistics } = evaluateBinaryClassification({ scores, labels }, { evaluationTime: "2026-11-27T00:00:00Z" });
        const ours = statistics.binary_classification_metrics as unknown as Record<string, any>;
        assert.deepEqual(ours.confusion_matrix, fx.confusion_matrix);
        // Key sets identical (same metrics, nothing extra or missing).
        assert.deepEqual(Object.keys(ours).sort(), Object.keys(fx).sort());
        for (const m of BINARY_SCALAR_METRICS) {
            // fixture values are rounded to 14 significant digits
            close(ours[m].value, fx[m].value, 1e-13, m);
            // < 200 rows: the service writes "NaN" (fixture 03, and the docs) — the AWS example's 0.2/0.1 are illustrative.
            assert.equal(ours[m].standard_deviation, "NaN", `${m} std`);
        }
        assert.equal(statistics.dataset.item_count, 4);
        assert.equal(statistics.dataset.evaluation_time, "2026-11-27T00:00:00Z");
        // Curves have the service/Spark shape: ROC = (0,0) + one point per distinct score + (1,1); PR = (0,p1) + points.
        const roc = ours.receiver_operating_characteristic_curve;
        assert.deepEqual(roc.false_positive_rates, [0, 0, 1 / 3, 2 / 3, 1, 1]);
        assert.deepEqual(roc.true_positive_rates, [0, 1, 1, 1, 1, 1]);
        assert.equal(roc.false_positive_rates.length, fx.receiver_operating_characteristic_curve.false_positive_rates.length);
        const pr = ours.precision_recall_curve;
        // thresholds 0.9: P=1/1 R=1; 0.7: P=1/2; 0.6: P=1/3; 0.2: P=1/4 ; prefixed by (R=0, P=first precision)
        assert.deepEqual(pr.recalls, [0, 1, 1, 1, 1]);
        assert.deepEqual(pr.precisions, [1, 1, 1 / 2, 1 / 3, 1 / 4]);
        assert.equal(pr.recalls.length, fx.precision_recall_curve.recalls.length);
    });

    it("computes exact AUC with ties (Mann-Whitney, ties count 1/2)", () => {
        // positives {0.5, 0.8}, negatives {0.5, 0.5}: pairs (0.5,0.5)x2 ties -> 0.5+0.5, (0.8,0.5)x2 wins -> 2 ; 3/4
        assert.equal(rocAuc([0.5, 0.5, 0.5, 0.8], [1, 0, 0, 1]), 0.75);
        // all scores tied -> 0.5
        assert.equal(rocAuc([0.3, 0.3, 0.3], [1, 0, 1]), 0.5);
        // perfectly inverted -> 0
        assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]), 0);
        // one class only -> undefined
        assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])));
        // brute force pair count on random data with many ties
        const r = seededRandom(7);
        const s: number[] = [];
        const y: number[] = [];
        for (let i = 0; i < 300; i++) {
            s.push(Math.round(r() * 20) / 20);
            y.push(r() < 0.3 ? 1 : 0);
        }
        let num = 0;
        let den = 0;
        for (let i = 0; i < s.length; i++)
            for (let j = 0; j < s.length; j++)
                if (y[i] === 1 && y[j] === 0) {
                    den++;
                    num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
                }
        assert.ok(Math.abs(rocAuc(s, y) - num / den) < 1e-12);
    });

    it('writes "NaN" for undefined metrics (no predicted positives) instead of 0', () => {
        const { statistics, values } = evaluateBinaryClassification({ scores: [0.1, 0.2, 0.3], labels: [1, 0, 0] });
        const b = statistics.binary_classification_metrics;
        assert.equal(b.precision.value, "NaN");
        assert.equal(b.f1.value, "NaN");
        assert.equal(b.recall.value, 0);
        assert.equal(values.accuracy, 2 / 3);
    });

    it("uses predictedLabels when given and validates inputs with actionable errors", () => {
        const r = evaluateBinaryClassification({ scores: [0.9, 0.1], labels: [1, 0], predictedLabels: [0, 1] });
        assert.deepEqual(r.counts, { tp: 0, fp: 1, tn: 0, fn: 1 });
        assert.throws(() => evaluateBinaryClassification({ scores: [0.1], labels: [1, 0] }), /scores has 1 entries but labels has 2/);
        assert.throws(() => evaluateBinaryClassification({ scores: [0.1], labels: [2] }), /labels\[0\] is 2; expected 0\/1/);
        assert.throws(() => evaluateBinaryClassification({ scores: [NaN], labels: [1] }), /scores\[0\] .* finite/);
        assert.throws(() => evaluateBinaryClassification({ scores: [], labels: [] }), /0 rows/);
    });

    it("standard deviations: NaN below 200 rows, reproducible per seed at >= 200, and of the size an 80% subsample implies", () => {
        const r = seededRandom(11);
        const mk = (n: number) => {
            const s: number[] = [];
            const y: number[] = [];
            for (let i = 0; i < n; i++) {
                const yi = r() < 0.4 ? 1 : 0;
                y.push(yi);
                s.push(Math.min(1, Math.max(0, 0.5 + (yi ? 0.15 : -0.15) + (r() - 0.5) * 0.8)));
            }
            return { scores: s, labels: y };
        };
        const small = evaluateBinaryClassification(mk(199));
        assert.equal(small.statistics.binary_classification_metrics.auc.standard_deviation, "NaN");
        const data = mk(1000);
        const a = evaluateBinaryClassification(data, { seed: 1 });
        const b = evaluateBinaryClassification(data, { seed: 1 });
        const c = evaluateBinaryClassification(data, { seed: 2 });
        assert.equal(a.standardDeviations.accuracy, b.standardDeviations.accuracy);
        assert.notEqual(a.standardDeviations.accuracy, c.standardDeviations.accuracy);
        assert.equal(typeof a.statistics.binary_classification_metrics.f1.standard_deviation, "number");
        // Subsample of k=800 of N=1000 without replacement: Var(acc_k) = p(1-p)/k * (N-k)/(N-1).
        // Averaging the variance estimate over 40 seeds must land near it (a with-replacement
        // bootstrap of all N rows would be ~4x larger, a population std of 5 values ~0.8x).
        const p = a.values.accuracy;
        const expected = ((p * (1 - p)) / 800) * (200 / 999);
        let mean = 0;
        for (let sd = 100; sd < 140; sd++) mean += evaluateBinaryClassification(data, { seed: sd }).standardDeviations.accuracy ** 2 / 40;
        assert.ok(mean > expected * 0.7 && mean < expected * 1.35, `mean var ${mean} vs expected ${expected}`);
    });

    it("down-samples curves only when asked to and keeps AUC exact", () => {
        const r = seededRandom(3);
        const s = Array.from({ length: 5000 }, () => r());
        const y = s.map((x) => (r() < x ? 1 : 0));
        const full = evaluateBinaryClassification({ scores: s, labels: y }, { maxCurvePoints: 0 });
        const small = evaluateBinaryClassification({ scores: s, labels: y }, { maxCurvePoints: 100 });
        assert.equal(full.statistics.binary_classification_metrics.receiver_operating_characteristic_curve.false_positive_rates.length, 5002);
        const n = small.statistics.binary_classification_metrics.receiver_operating_characteristic_curve.false_positive_rates.length;
        assert.ok(n <= 103 && n >= 50, `points ${n}`);
        assert.equal(full.values.auc, small.values.auc);
    });

    it("calibration bins (hand computed)", () => {
        // bin [0,0.5): scores 0.1, 0.3 labels 0,1 -> mean 0.2, frac 0.5 ; bin [0.5,1]: 0.8, 1.0 labels 1,1 -> mean 0.9, frac 1
        const c = calibrationBins([0.1, 0.3, 0.8, 1.0], [0, 1, 1, 1], 2);
        assert.equal(c.bins.length, 2);
        assert.equal(c.bins[0].count, 2);
        close(c.bins[0].meanScore, 0.2, 1e-15, "mean0");
        assert.equal(c.bins[0].fractionPositive, 0.5);
        close(c.bins[1].meanScore, 0.9, 1e-15, "mean1");
        // ECE = 0.5*|0.5-0.2| + 0.5*|1-0.9| = 0.15 + 0.05 = 0.2
        close(c.expectedCalibrationError, 0.2, 1e-15, "ece");
        close(c.maxCalibrationError, 0.3, 1e-15, "mce");
        assert.throws(() => calibrationBins([0.1], [1], 0), /binCount 0 is invalid/);
    });

    it("ROC/PR points for charts", () => {
        const { roc, pr } = rocAndPrPoints([0.9, 0.7, 0.6, 0.2], [1, 0, 0, 0]);
        assert.deepEqual(
            roc.map((p) => [p.fpr, p.tpr]),
            [
                [0, 0],
                [0, 1],
                [1 / 3, 1],
                [2 / 3, 1],
                [1, 1],
            ],
        );
        assert.deepEqual(
            pr.map((p) => p.threshold),
            [0.9, 0.7, 0.6, 0.2],
        );
    });
});

describe("modelquality: constraints and violations", () => {
    const mkStats = (acc: number, auc: number, fpr: number): ModelQualityStatistics => {
        const base = evaluateBinaryClassification({ scores: [0.9, 0.7, 0.6, 0.2], labels: [1, 0, 0, 0] }).statistics;
        const b = base.binary_classification_metrics as any;
        b.accuracy = { value: acc, standard_deviation: 0.01 };
        b.auc = { value: auc, standard_deviation: 0.02 };
        b.false_positive_rate = { value: fpr, standard_deviation: "NaN" };
        return base;
    };

    it("suggests thresholds with the same shape as the service file (fixture 04) and right directions", () => {
        const fx4 = readJson("04_model_quality_regression_constraints.json");
        const { constraints, skipped } = suggestModelQualityConstraints(mkStats(0.8, 0.9, 0.1));
        const c = constraints.binary_classification_constraints;
        assert.deepEqual(Object.keys(c.auc!).sort(), Object.keys(fx4.regression_constraints.mae).sort());
        assert.deepEqual(c.auc, { threshold: 0.9, comparison_operator: "LessThanThreshold" });
        assert.deepEqual(c.false_positive_rate, { threshold: 0.1, comparison_operator: "GreaterThanThreshold" });
        assert.equal(c.accuracy_best_constant_classifier, undefined);
        // precision on the example data is 1/3 - defined; recall 1 - defined: nothing skipped
        assert.deepEqual(skipped, []);
        const loose = suggestModelQualityConstraints(mkStats(0.8, 0.9, 0.1), { stdMultiplier: 2 }).constraints.binary_classification_constraints;
        close(loose.auc!.threshold, 0.86, 1e-12, "auc loosened by 2 std");
        assert.equal(loose.false_positive_rate!.threshold, 0.1, "std NaN -> not loosened");
    });

    it("flags degradations in constraint_violations.json format and nothing when metrics hold", () => {
        const { constraints } = suggestModelQualityConstraints(mkStats(0.8, 0.9, 0.1));
        const ok = checkModelQualityConstraints(mkStats(0.85, 0.95, 0.05), constraints);
        assert.deepEqual(ok.violations, []);
        assert.ok(ok.checked >= 10);
        const bad = checkModelQualityConstraints(mkStats(0.7, 0.8, 0.2), constraints);
        const byName = Object.fromEntries(bad.violations.map((v) => [v.metric_name, v]));
        assert.equal(byName.auc.constraint_check_type, "LessThanThreshold");
        assert.equal(byName.auc.description, "Metric auc with 0.8 +/- 0.02 was LessThanThreshold '0.9'");
        assert.equal(byName.accuracy.constraint_check_type, "LessThanThreshold");
        assert.equal(byName.false_positive_rate.constraint_check_type, "GreaterThanThreshold");
        // same key set as the service's violation objects (fixture 05 has feature_name for data quality; model quality uses metric_name)
        const fx5 = readJson("05_constraint_violations.json");
        const svcKeys = Object.keys(fx5.violations[0]).filter((k) => k !== "feature_name");
        assert.deepEqual(
            Object.keys(byName.auc)
                .filter((k) => k !== "metric_name")
                .sort(),
            svcKeys.sort(),
        );
        assert.deepEqual(Object.keys(toViolationsFile(bad)), ["violations"]);
    });

    it("reports constraints it could not evaluate and rejects bad constraint files", () => {
        const { constraints } = suggestModelQualityConstraints(mkStats(0.8, 0.9, 0.1));
        const cur = mkStats(0.8, 0.9, 0.1);
        (cur.binary_classification_metrics as any).auc = { value: "NaN", standard_deviation: "NaN" };
        const r = checkModelQualityConstraints(cur, constraints);
        assert.deepEqual(r.skipped, [{ metric_name: "auc", reason: "current value is NaN (undefined on this data, e.g. no positive labels)" }]);
        assert.throws(
            () =>
                checkModelQualityConstraints(cur, {
                    version: 0,
                    binary_classification_constraints: { auc: { threshold: 1, comparison_operator: "Bigger" as any } },
                }),
            /comparison_operator "Bigger"; use one of LessThanThreshold/,
        );
    });
});

describe("modelquality: merging capture with ground truth", () => {
    const fx9: CaptureRecord[] = fs
        .readFileSync(path.join(FIX, "09_captured_data_csv_from_notebook.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
    const gt = (eventId: string, data: string): GroundTruthRecord => ({
        groundTruthData: { data, encoding: "CSV" },
        eventMetadata: { eventId },
        eventVersion: "0",
    });

    it("ground-truth fixture 11 parses as a label", () => {
        const g: GroundTruthRecord = JSON.parse(fs.readFileSync(path.join(FIX, "11_ground_truth.jsonl"), "utf8").trim());
        const cap = buildCaptureRecord({
            output: { data: "0.25", contentType: "text/csv" },
            eventId: "x",
            inferenceId: g.eventMetadata.eventId,
            inferenceTime: "2026-01-01T00:00:00Z",
        });
        const { rows, report } = mergeCaptureWithGroundTruth([cap], [g]);
        assert.deepEqual(
            rows.map((r) => [r.key, r.score, r.label]),
            [["01d3c1a8-aa99-4149-9d5e-78bea047a788", 0.25, 0]],
        );
        assert.equal(report.matchedBy.inferenceId, 1);
    });

    it("joins on inferenceId, falls back to eventId, and counts every unmatched record by reason", () => {
        const withInf = buildCaptureRecord({
            output: { data: "0.8", contentType: "text/csv" },
            eventId: "e-1",
            inferenceId: "inf-1",
            inferenceTime: "2022-04-18T00:30:00Z",
        });
        const fallback = buildCaptureRecord({
            output: { data: "0.6", contentType: "text/csv" },
            eventId: "e-2",
            inferenceId: "inf-2",
            inferenceTime: "2022-04-18T00:31:00Z",
        });
        const late = buildCaptureRecord({ output: { data: "0.4", contentType: "text/csv" }, eventId: "e-late", inferenceTime: "2022-04-18T02:00:00Z" });
        const badScore = buildCaptureRecord({ output: { data: "oops", contentType: "text/csv" }, eventId: "e-bad", inferenceTime: "2022-04-18T00:32:00Z" });
        const captures = [...fx9, withInf, fallback, late, badScore, fx9[0]];
        const truth = [
            gt(fx9[0].eventMetadata.eventId, "1"),
            gt(fx9[1].eventMetadata.eventId, "0"),
            // fx9[2] has no ground truth
            gt("inf-1", "1"),
            gt("e-2", "0"), // matched through the capture's eventId
            gt("e-late", "1"), // capture outside the window
            gt("e-bad", "0"), // capture unusable
            gt("nobody", "1"), // no capture at all
            gt("inf-1", "0"), // duplicate
            gt("weird", "maybe"), // unknown label
        ];
        const { rows, report } = mergeCaptureWithGroundTruth(captures, truth, {
            from: new Date("2022-04-18T00:00:00Z"),
            to: new Date("2022-04-18T01:00:00Z"),
        });
        assert.deepEqual(
            rows.map((r) => [r.key, r.score, r.label]).sort(),
            [
                ["4f301857-49c9-44d1-b275-ba0ab7767033", 0.3791300654411316, 0],
                ["e-2", 0.6, 0],
                ["f04a8538-696c-4648-8064-8b680b2e3318", 0.036397725343704224, 1],
                ["inf-1", 0.8, 1],
            ].sort(),
        );
        assert.equal(report.captures, 8);
        assert.equal(report.captureSkipped.outside_window, 1);
        assert.equal(report.captureSkipped.score_missing_or_not_numeric, 1);
        assert.equal(report.captureSkipped.duplicate_capture, 1);
        assert.equal(report.captureSkipped.no_ground_truth, 1);
        assert.equal(report.groundTruthSkipped.capture_outside_window, 1);
        assert.equal(report.groundTruthSkipped.capture_unusable, 1);
        assert.equal(report.groundTruthSkipped.no_capture, 1);
        assert.equal(report.groundTruthSkipped.duplicate_ground_truth, 1);
        assert.equal(report.groundTruthSkipped.label_missing_or_unknown, 1);
        assert.deepEqual(report.matchedBy, { inferenceId: 1, eventId: 3 });
        // every capture is accounted for: merged records + skips = captures
        const cSkips = Object.values(report.captureSkipped).reduce((a, b) => a + b, 0);
        assert.equal(report.matchedRecords + cSkips, report.captures);
        const gSkips = Object.values(report.groundTruthSkipped).reduce((a, b) => a + b, 0);
        assert.equal(report.matchedRecords + gSkips, report.groundTruthRecords);
    });

    it("JSON outputs with a named probability attribute and custom positive label", () => {
        const cap = buildCaptureRecord({
            output: { data: JSON.stringify({ label: ">50K", score: 0.7 }), contentType: "application/json" },
            eventId: "j1",
            inferenceTime: "2026-01-01T00:00:00Z",
        });
        const { rows } = mergeCaptureWithGroundTruth([cap], [gt("j1", ">50K")], {
            probabilityAttribute: "score",
            inferenceAttribute: "label",
            positiveLabels: [">50K"],
        });
        assert.deepEqual(
            rows.map((r) => [r.score, r.label, r.predictedLabel]),
            [[0.7, 1, 1]],
        );
    });

    it("reads capture and ground-truth folders and evaluates (monitor path), counting malformed lines", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mq-merge-"));
        try {
            const capDir = path.join(dir, "capture", "ep", "AllTraffic", "2026", "01", "01", "10");
            const gtDir = path.join(dir, "gt", "2026", "01", "01", "12");
            fs.mkdirSync(capDir, { recursive: true });
            fs.mkdirSync(gtDir, { recursive: true });
            const r = seededRandom(5);
            const capLines: string[] = [];
            const gtLines: string[] = [];
            for (let i = 0; i < 250; i++) {
                const y = r() < 0.5 ? 1 : 0;
                const s = Math.min(1, Math.max(0, 0.5 + (y ? 0.2 : -0.2) + (r() - 0.5) * 0.6));
                capLines.push(
                    JSON.stringify(
                        buildCaptureRecord({
                            output: { data: String(s), contentType: "text/csv" },
                            eventId: `ev-${i}`,
                            inferenceId: `id-${i}`,
                            inferenceTime: `2026-01-01T10:${String(i % 60).padStart(2, "0")}:00Z`,
                        }),
                    ),
                );
                if (i % 10 !== 0) gtLines.push(JSON.stringify(gt(`id-${i}`, String(y))));
            }
            capLines.push("{not json");
            fs.writeFileSync(path.join(capDir, "a.jsonl"), capLines.join("\n") + "\n");
            fs.writeFileSync(path.join(gtDir, "g.jsonl"), gtLines.join("\n") + '\n{"broken": true}\n');
            const { rows, report } = await mergeCaptureWithGroundTruthFolders(path.join(dir, "capture"), path.join(dir, "gt"));
            assert.equal(rows.length, 225);
            assert.equal(report.captureSkipped.no_ground_truth, 25);
            assert.equal(report.groundTruthSkipped.malformed, 1);
            assert.equal((report.captureReadStats as any).problems.malformed_json, 1);
            const { evaluation } = await evaluateCaptureAgainstGroundTruth(path.join(dir, "capture"), path.join(dir, "gt"), {
                evaluationTime: "2026-01-01T11:00:00Z",
            });
            assert.equal(evaluation.statistics.dataset.item_count, 225);
            assert.equal(typeof evaluation.statistics.binary_classification_metrics.auc.standard_deviation, "number");
            // Same numbers as the pipeline path (arrays in).
            const direct = evaluateBinaryClassification({ scores: rows.map((x) => x.score), labels: rows.map((x) => x.label) });
            assert.equal(direct.values.auc, evaluation.values.auc);
            await assert.rejects(
                evaluateCaptureAgainstGroundTruth(path.join(dir, "capture"), path.join(dir, "gt"), { from: new Date("2027-01-01T00:00:00Z") }),
                /No prediction could be joined with ground truth/,
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("modelquality: one monitoring execution", () => {
    it("capture + ground truth + baseline constraints -> statistics, violations and EMF lines", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mq-run-"));
        try {
            const r = seededRandom(77);
            const caps: string[] = [];
            const gts: string[] = [];
            // a weak model in production: scores barely separate the classes
            for (let i = 0; i < 400; i++) {
                const y = r() < 0.4 ? 1 : 0;
                const s = Math.min(1, Math.max(0, 0.5 + (y ? 0.03 : -0.03) + (r() - 0.5) * 0.9));
                caps.push(
                    JSON.stringify(
                        buildCaptureRecord({ output: { data: String(s), contentType: "text/csv" }, eventId: `e${i}`, inferenceTime: "2026-02-01T05:10:00Z" }),
                    ),
                );
                gts.push(JSON.stringify({ groundTruthData: { data: String(y), encoding: "CSV" }, eventMetadata: { eventId: `e${i}` }, eventVersion: "0" }));
            }
            fs.mkdirSync(path.join(dir, "cap"));
            fs.mkdirSync(path.join(dir, "gt"));
            fs.writeFileSync(path.join(dir, "cap", "c.jsonl"), caps.join("\n") + "\n");
            fs.writeFileSync(path.join(dir, "gt", "g.jsonl"), gts.join("\n") + "\n");
            // baseline: a good model on validation data
            const bs: number[] = [];
            const by: number[] = [];
            for (let i = 0; i < 1000; i++) {
                const y = r() < 0.4 ? 1 : 0;
                by.push(y);
                bs.push(Math.min(1, Math.max(0, 0.5 + (y ? 0.25 : -0.25) + (r() - 0.5) * 0.6)));
            }
            const baseline = evaluateBinaryClassification({ scores: bs, labels: by }).statistics;
            const { constraints } = suggestModelQualityConstraints(baseline);
            const res = await runModelQualityMonitor({
                captureSource: path.join(dir, "cap"),
                groundTruthSource: path.join(dir, "gt"),
                from: new Date("2026-02-01T05:00:00Z"),
                to: new Date("2026-02-01T06:00:00Z"),
                constraints,
                dimensions: { endpoint: "ep", schedule: "mq" },
                publishMetrics: ["auc", "f1", "accuracy"],
            });
            assert.equal(res.statistics.dataset.item_count, 400);
            assert.equal(res.statistics.dataset.evaluation_time, "2026-02-01T06:00:00.000Z");
            const names = res.violations!.violations.map((v) => v.metric_name);
            assert.ok(names.includes("auc") && names.includes("accuracy"), names.join(","));
            assert.equal(res.emf!.lines.length, 1);
            const doc = JSON.parse(res.emf!.lines[0]);
            assert.deepEqual(
                doc._aws.CloudWatchMetrics[0].Metrics.map((m: any) => m.Name),
                ["auc", "f1", "accuracy"],
            );
            assert.equal(doc._aws.Timestamp, Date.parse("2026-02-01T06:00:00Z"));
            assert.match(res.stdMethod, /5 random subsamples of 320 rows/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("modelquality: EMF model metrics", () => {
    it("emits auc/f1/accuracy under aws/sagemaker/Endpoints/model-metrics with Endpoint + MonitoringSchedule, skipping NaN", () => {
        const { statistics } = evaluateBinaryClassification({ scores: [0.1, 0.2, 0.3], labels: [1, 0, 0] });
        const { lines, skipped } = modelMetricsEmf({ endpoint: "ep", schedule: "sched" }, statistics, { timestamp: 1_700_000_000_000 });
        assert.equal(lines.length, 1);
        const doc = JSON.parse(lines[0]);
        assert.equal(doc._aws.CloudWatchMetrics[0].Namespace, "aws/sagemaker/Endpoints/model-metrics");
        assert.deepEqual(doc._aws.CloudWatchMetrics[0].Dimensions, [["Endpoint", "MonitoringSchedule"]]);
        assert.equal(doc.Endpoint, "ep");
        assert.equal(doc.MonitoringSchedule, "sched");
        assert.equal(doc.accuracy, 2 / 3);
        assert.equal(doc.auc, 0);
        assert.ok(skipped.includes("precision") && skipped.includes("f1"));
        assert.equal(doc.f1, undefined);
        const batch = modelMetricsEmf({ schedule: "s" }, statistics, { metrics: ["auc"] });
        assert.equal(JSON.parse(batch.lines[0])._aws.CloudWatchMetrics[0].Namespace, "aws/sagemaker/ModelMonitoring/model-metrics");
    });
});
