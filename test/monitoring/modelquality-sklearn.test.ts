/**
 * Cross-check against scikit-learn (python3-sklearn from apt in CI): AUC,
 * precision / recall / F-beta, accuracy and the confusion matrix must agree
 * within 1e-9 on random data with many tied scores.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { calibrationBins, evaluateBinaryClassification, seededRandom } from "../../lib/monitoring/modelquality";
import { deLongAuc, normalCdf, normalQuantile, twoProportionZTest } from "../../lib/monitoring/ab";

const PY = "/usr/bin/python3";

const SCRIPT = `
import json, sys
from sklearn.metrics import roc_auc_score, precision_recall_fscore_support, fbeta_score, accuracy_score, confusion_matrix
cases = json.load(sys.stdin)
out = []
for c in cases:
    y, s, p = c["labels"], c["scores"], c["pred"]
    pr, rc, f1, _ = precision_recall_fscore_support(y, p, average="binary", zero_division=0)
    cm = confusion_matrix(y, p, labels=[0, 1]).tolist()
    out.append({
        "auc": roc_auc_score(y, s),
        "precision": pr, "recall": rc, "f1": f1,
        "f0_5": fbeta_score(y, p, beta=0.5), "f2": fbeta_score(y, p, beta=2),
        "accuracy": accuracy_score(y, p), "cm": cm,
    })
json.dump(out, sys.stdout)
`;

const SCRIPT2 = `
import json, sys
import numpy as np
from sklearn.metrics import roc_curve
from sklearn.calibration import calibration_curve
from scipy.stats import norm, mannwhitneyu
c = json.load(sys.stdin)
y, s = np.array(c["labels"]), np.array(c["scores"])
fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
pt, pp = calibration_curve(y, s, n_bins=10, strategy="uniform")
pos, neg = s[y == 1], s[y == 0]
u = mannwhitneyu(pos, neg, alternative="two-sided").statistic
zs = [-6, -3.2, -1.5, -0.3, 0.0, 0.7, 1.96, 4.0]
ps = [1e-6, 0.001, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999]
x1, n1, x2, n2 = c["ztest"]
p1, p2, p = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
z = (p1 - p2) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
json.dump({
  "fpr": fpr[1:].tolist(), "tpr": tpr[1:].tolist(), "thr": thr[1:].tolist(),
  "cal_true": pt.tolist(), "cal_pred": pp.tolist(),
  "auc_u": float(u) / (len(pos) * len(neg)),
  "cdf": [float(norm.cdf(v)) for v in zs], "zs": zs,
  "ppf": [float(norm.ppf(v)) for v in ps], "ps": ps,
  "z": float(z), "zp": float(2 * norm.sf(abs(z))),
}, sys.stdout)
`;

function sklearnAvailable(): string | undefined {
    const r = spawnSync(PY, ["-c", "import sklearn"], { encoding: "utf8" });
    if (r.error) return `${PY} not runnable (${r.error.message})`;
    if (r.status !== 0) return `import sklearn failed: ${(r.stderr || "").trim().split("\n").pop()}`;
    return undefined;
}

describe("modelquality: cross-check with scikit-learn", function () {
    before(function () {
        const why = sklearnAvailable();
        if (why) {
            console.log(`      skipped: ${why} (install python3-sklearn: apt-get install -y python3-sklearn)`);
            this.skip();
        }
    });

    it("AUC, precision/recall/F0.5/F1/F2, accuracy and confusion matrix agree within 1e-9", function () {
        const r = seededRandom(2026);
        const cases: { labels: number[]; scores: number[]; pred: number[] }[] = [];
        for (const [n, prevalence, rounding] of [
            [50, 0.5, 10],
            [500, 0.2, 100],
            [3000, 0.05, 20],
            [1000, 0.7, 1e6],
            [200, 0.4, 3],
        ] as const) {
            const labels: number[] = [];
            const scores: number[] = [];
            for (let i = 0; i < n; i++) {
                const y = r() < prevalence ? 1 : 0;
                labels.push(y);
                const raw = Math.min(1, Math.max(0, 0.5 + (y ? 0.12 : -0.12) + (r() - 0.5) * 0.9));
                scores.push(Math.round(raw * rounding) / rounding); // many ties when rounding is coarse
            }
            cases.push({ labels, scores, pred: scores.map((s) => (s >= 0.5 ? 1 : 0)) });
        }
        const py = spawnSync(PY, ["-c", SCRIPT], { input: JSON.stringify(cases), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        assert.equal(py.status, 0, py.stderr);
        const expected = JSON.parse(py.stdout);
        let worst = 0;
        cases.forEach((c, i) => {
            const ours = evaluateBinaryClassification({ scores: c.scores, labels: c.labels });
            const e = expected[i];
            const pairs: [string, number, number][] = [
                ["auc", ours.values.auc, e.auc],
                ["precision", ours.values.precision, e.precision],
                ["recall", ours.values.recall, e.recall],
                ["f1", ours.values.f1, e.f1],
                ["f0_5", ours.values.f0_5, e.f0_5],
                ["f2", ours.values.f2, e.f2],
                ["accuracy", ours.values.accuracy, e.accuracy],
            ];
            for (const [name, a, b] of pairs) {
                const d = Math.abs(a - b);
                worst = Math.max(worst, d);
                assert.ok(d <= 1e-9, `case ${i} ${name}: ours ${a} sklearn ${b}`);
            }
            // sklearn confusion_matrix is [actual][predicted], same as the service's confusion_matrix
            const cm = ours.statistics.binary_classification_metrics.confusion_matrix;
            assert.deepEqual(
                [
                    [cm["0"]["0"], cm["0"]["1"]],
                    [cm["1"]["0"], cm["1"]["1"]],
                ],
                e.cm,
                `case ${i} confusion matrix`,
            );
        });
        console.log(`      max |ours - sklearn| over ${cases.length} cases x 7 metrics: ${worst.toExponential(2)}`);
    });

    it("ROC points (sklearn roc_curve), calibration bins (calibration_curve), and the A/B statistics (scipy) agree", function () {
        const r = seededRandom(99);
        const labels: number[] = [];
        const scores: number[] = [];
        for (let i = 0; i < 2000; i++) {
            const y = r() < 0.35 ? 1 : 0;
            labels.push(y);
            scores.push(Math.min(0.999999, Math.max(1e-6, 0.5 + (y ? 0.15 : -0.1) + (r() - 0.5) * 0.8)));
        }
        // coarse copy with ties for the ROC / Mann-Whitney checks
        const tied = scores.map((x) => Math.round(x * 50) / 50);
        const input = { labels, scores: tied, ztest: [530, 1000, 480, 1000] };
        const py = spawnSync(PY, ["-c", SCRIPT2], { input: JSON.stringify(input), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        assert.equal(py.status, 0, py.stderr);
        const e = JSON.parse(py.stdout);
        const ours = evaluateBinaryClassification({ scores: tied, labels }, { maxCurvePoints: 0 });
        assert.deepEqual(ours.curves.thresholds, e.thr);
        assert.equal(ours.curves.fpr.length, e.fpr.length);
        for (let i = 0; i < e.fpr.length; i++) {
            assert.ok(Math.abs(ours.curves.fpr[i] - e.fpr[i]) <= 1e-12 && Math.abs(ours.curves.tpr[i] - e.tpr[i]) <= 1e-12, `ROC point ${i}`);
        }
        const d = deLongAuc(tied, labels);
        assert.ok(Math.abs(d.auc - e.auc_u) <= 1e-12, `DeLong AUC ${d.auc} vs Mann-Whitney U/(mn) ${e.auc_u}`);
        for (let i = 0; i < e.zs.length; i++) {
            assert.ok(Math.abs(normalCdf(e.zs[i]) - e.cdf[i]) <= 1e-10 * e.cdf[i] + 1e-16, `cdf(${e.zs[i]}): ${normalCdf(e.zs[i])} vs ${e.cdf[i]}`);
            assert.ok(Math.abs(normalQuantile(e.ps[i]) - e.ppf[i]) <= 1e-8, `quantile(${e.ps[i]}): ${normalQuantile(e.ps[i])} vs ${e.ppf[i]}`);
        }
        const zt = twoProportionZTest(530, 1000, 480, 1000);
        assert.ok(Math.abs(zt.z - e.z) <= 1e-12 && Math.abs(zt.pValue - e.zp) <= 1e-12, `z ${zt.z}/${e.z} p ${zt.pValue}/${e.zp}`);
        // calibration on continuous scores (no score sits exactly on a bin edge)
        const py2 = spawnSync(PY, ["-c", SCRIPT2], { input: JSON.stringify({ ...input, scores }), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        assert.equal(py2.status, 0, py2.stderr);
        const e2 = JSON.parse(py2.stdout);
        const cal = calibrationBins(scores, labels, 10).bins.filter((b) => b.count > 0);
        assert.equal(cal.length, e2.cal_true.length);
        cal.forEach((b, i) => {
            assert.ok(Math.abs(b.fractionPositive - e2.cal_true[i]) <= 1e-12, `bin ${i} fraction ${b.fractionPositive} vs ${e2.cal_true[i]}`);
            assert.ok(Math.abs(b.meanScore - e2.cal_pred[i]) <= 1e-12, `bin ${i} mean ${b.meanScore} vs ${e2.cal_pred[i]}`);
        });
    });
});
