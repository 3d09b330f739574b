/**
 * Cross-check against scikit-learn (python3-sklearn from apt in CI): AUC,
 * precision / recall / F-beta, accuracy and the confusion matrix must agree
 * within 1e-9 on random data with many tied scores.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import { evaluateBinaryClassification, seededRandom } from '../../lib/monitoring/modelquality';

const PY = '/usr/bin/python3';

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

function sklearnAvailable(): string | undefined {
  const r = spawnSync(PY, ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (r.error) return `${PY} not runnable (${r.error.message})`;
  if (r.status !== 0) return `import sklearn failed: ${(r.stderr || '').trim().split('\n').pop()}`;
  return undefined;
}

describe('modelquality: cross-check with scikit-learn', function () {
  before(function () {
    const why = sklearnAvailable();
    if (why) {
      // eslint-disable-next-line no-console
      console.log(`      skipped: ${why} (install python3-sklearn: apt-get install -y python3-sklearn)`);
      this.skip();
    }
  });

  it('AUC, precision/recall/F0.5/F1/F2, accuracy and confusion matrix agree within 1e-9', function () {
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
    const py = spawnSync(PY, ['-c', SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(py.status, 0, py.stderr);
    const expected = JSON.parse(py.stdout);
    let worst = 0;
    cases.forEach((c, i) => {
      const ours = evaluateBinaryClassification({ scores: c.scores, labels: c.labels });
      const e = expected[i];
      const pairs: [string, number, number][] = [
        ['auc', ours.values.auc, e.auc],
        ['precision', ours.values.precision, e.precision],
        ['recall', ours.values.recall, e.recall],
        ['f1', ours.values.f1, e.f1],
        ['f0_5', ours.values.f0_5, e.f0_5],
        ['f2', ours.values.f2, e.f2],
        ['accuracy', ours.values.accuracy, e.accuracy],
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
          [cm['0']['0'], cm['0']['1']],
          [cm['1']['0'], cm['1']['1']],
        ],
        e.cm,
        `case ${i} confusion matrix`,
      );
    });
    // eslint-disable-next-line no-console
    console.log(`      max |ours - sklearn| over ${cases.length} cases x 7 metrics: ${worst.toExponential(2)}`);
  });
});
