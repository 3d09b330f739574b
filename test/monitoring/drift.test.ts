import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import {
    chiSquareContingency,
    chiSquareGoodness,
    equalWidthEdges,
    histogram,
    jensenShannon,
    ksStatistic,
    ksTwoSample,
    numericDriftFromSketches,
    categoricalDrift,
    psi,
    wasserstein1,
    wassersteinCdf,
    chi2Sf,
    kolmogorovSf,
} from "../../lib/monitoring/drift";
import { KllSketch } from "../../lib/monitoring/sketch/kll";
import { normal, rng } from "./helpers";

const PY = "/usr/bin/python3";

function scipyAvailable(): string | undefined {
    const r = spawnSync(PY, ["-c", "import scipy, numpy"], { encoding: "utf8", timeout: 60000 });
    if (r.error) return `${PY} not runnable: ${r.error.message}`;
    if (r.status !== 0) return `import scipy failed: ${(r.stderr || "").trim().split("\n").pop()}`;
    return undefined;
}

const SCRIPT = `
import json, sys
import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon
cases = json.load(sys.stdin)
out = []
for c in cases:
    a = np.array(c['a'], dtype=float); b = np.array(c['b'], dtype=float)
    edges = np.array(c['edges'], dtype=float)
    ha, _ = np.histogram(a, bins=edges); hb, _ = np.histogram(b, bins=edges)
    ks = stats.ks_2samp(a, b, method='exact')
    ksa = stats.ks_2samp(a, b, method='asymp')
    mask = ha > 0
    cs = stats.chisquare(hb[mask], ha[mask] / ha[mask].sum() * hb[mask].sum())
    tab = np.array([ha, hb]); tab = tab[:, tab.sum(axis=0) > 0]
    ct = stats.chi2_contingency(tab)
    t22 = np.array(c['t22'], dtype=float)
    ct22 = stats.chi2_contingency(t22)
    pa = np.maximum(ha / ha.sum(), 1e-4); pb = np.maximum(hb / hb.sum(), 1e-4)
    out.append(dict(
        ks_stat=float(ks.statistic), ks_p=float(ks.pvalue), ks_p_asymp_stat=float(ksa.statistic),
        wasserstein=float(stats.wasserstein_distance(a, b)),
        js=float(jensenshannon(ha, hb)),
        chisq_stat=float(cs.statistic), chisq_p=float(cs.pvalue),
        ct_stat=float(ct[0]), ct_p=float(ct[1]), ct_dof=int(ct[2]),
        ct22_stat=float(ct22[0]), ct22_p=float(ct22[1]),
        psi=float(np.sum((pb - pa) * np.log(pb / pa))),
        chi2sf=float(stats.chi2.sf(c['x'], c['dof'])), kolm=float(stats.kstwobign.sf(c['x'] / 10)),
        ha=ha.tolist(), hb=hb.tolist()))
print(json.dumps(out))
`;

function makeCases() {
    const r = rng(2024);
    const cases = [];
    for (const [n, m, shift, scale, round] of [
        [40, 55, 0.3, 1, 0],
        [120, 80, 0, 1.5, 1],
        [200, 200, 0.1, 1, 0],
        [300, 170, 1.0, 0.7, 2],
    ] as const) {
        const a = Array.from({ length: n }, () => normal(r));
        const b = Array.from({ length: m }, () => normal(r, shift, scale));
        const rd = (x: number) => (round ? Math.round(x * 10 ** round) / 10 ** round : x);
        const A = a.map(rd),
            B = b.map(rd);
        const lo = Math.min(...A, ...B),
            hi = Math.max(...A, ...B);
        cases.push({
            a: A,
            b: B,
            edges: Array.from(equalWidthEdges(lo, hi, 8)),
            t22: [
                [12 + (n % 7), 30],
                [25, 18 + (m % 5)],
            ],
            x: 3 + n / 50,
            dof: 1 + (m % 6),
        });
    }
    return cases;
}

describe("monitoring/drift vs scipy (spawns /usr/bin/python3)", function () {
    let py: Record<string, number | number[]>[] = [];
    const cases = makeCases();
    before(function () {
        const why = scipyAvailable();
        if (why) {
            console.log(`      skipping scipy cross-checks: ${why} (install python3-scipy)`);
            this.skip();
        }
        const r = spawnSync(PY, ["-c", SCRIPT], { input: JSON.stringify(cases), encoding: "utf8", timeout: 120000, maxBuffer: 1 << 26 });
        assert.equal(r.status, 0, `python failed: ${r.stderr}`);
        py = JSON.parse(r.stdout);
    });
    const close = (ours: number, ref: number, what: string) => assert.ok(Math.abs(ours - ref) <= 1e-9, `${what}: ours ${ours} vs scipy ${ref}`);

    it('KS statistic and exact two-sample p-value match scipy.stats.ks_2samp(method="exact")', () => {
        cases.forEach((c, i) => {
            const k = ksTwoSample(c.a, c.b, "exact");
            close(k.statistic, py[i].ks_stat as number, `case ${i} D`);
            close(ksStatistic(c.a, c.b), py[i].ks_p_asymp_stat as number, `case ${i} D (asymp call)`);
            close(k.pvalue, py[i].ks_p as number, `case ${i} p`);
        });
    });
    it("Wasserstein-1 of two step CDFs (linear merge) equals the exact sample distance when the sketches hold every value (ties, -0 and +0, one side constant)", () => {
        const r = rng(77);
        const draws: [string, () => number][] = [
            ["continuous", () => normal(r, 0, 1)],
            ["few integers with ties", () => Math.floor(r() * 5)],
            ["zeros of both signs", () => (r() < 0.5 ? -0 : 0) + (r() < 0.2 ? 1 : 0)],
        ];
        for (const [name, draw] of draws) {
            for (const [n, m] of [
                [1, 1],
                [1, 700],
                [900, 3],
                [1500, 1800],
            ]) {
                const a = Float64Array.from({ length: n }, draw);
                const b = Float64Array.from({ length: m }, () => draw() + 0.25);
                const sa = new KllSketch();
                const sb = new KllSketch();
                sa.updateAll(a);
                sb.updateAll(b);
                assert.equal(sa.numLevels + sb.numLevels, 2, "level 0 only: the sketch CDF is the exact empirical CDF");
                const exact = wasserstein1(a, b);
                const got = wassersteinCdf(sa.cdf(), sb.cdf());
                assert.ok(Math.abs(got - exact) <= 1e-12 * Math.max(1, exact), `${name} n=${n} m=${m}: ${got} vs ${exact}`);
            }
        }
    });

    it("Wasserstein-1 matches scipy.stats.wasserstein_distance", () => {
        cases.forEach((c, i) => close(wasserstein1(c.a, c.b), py[i].wasserstein as number, `case ${i}`));
    });
    it("histogram matches numpy.histogram; Jensen-Shannon matches scipy jensenshannon; PSI matches numpy formula", () => {
        cases.forEach((c, i) => {
            const ha = histogram(c.a, c.edges);
            const hb = histogram(c.b, c.edges);
            assert.deepEqual(Array.from(ha), py[i].ha);
            assert.deepEqual(Array.from(hb), py[i].hb);
            close(jensenShannon(ha, hb), py[i].js as number, `case ${i} js`);
            close(psi(ha, hb), py[i].psi as number, `case ${i} psi`);
        });
    });
    it("chi-square goodness of fit and contingency (with Yates on 2x2) match scipy", () => {
        cases.forEach((c, i) => {
            const ha = Array.from(histogram(c.a, c.edges));
            const hb = Array.from(histogram(c.b, c.edges));
            const keep = ha.map((v) => v > 0);
            const sa = ha.filter((_, j) => keep[j]).reduce((s, v) => s + v, 0);
            const sb = hb.filter((_, j) => keep[j]).reduce((s, v) => s + v, 0);
            const g = chiSquareGoodness(
                hb.filter((_, j) => keep[j]),
                ha.filter((_, j) => keep[j]).map((v) => (v / sa) * sb),
            );
            close(g.statistic, py[i].chisq_stat as number, `case ${i} chisq stat`);
            close(g.pvalue, py[i].chisq_p as number, `case ${i} chisq p`);
            const cols = ha.map((v, j) => v + hb[j] > 0);
            const t = chiSquareContingency([ha.filter((_, j) => cols[j]), hb.filter((_, j) => cols[j])]);
            close(t.statistic, py[i].ct_stat as number, `case ${i} contingency stat`);
            close(t.pvalue, py[i].ct_p as number, `case ${i} contingency p`);
            assert.equal(t.dof, py[i].ct_dof);
            const t22 = chiSquareContingency(c.t22);
            close(t22.statistic, py[i].ct22_stat as number, `case ${i} 2x2 stat`);
            close(t22.pvalue, py[i].ct22_p as number, `case ${i} 2x2 p`);
            close(chi2Sf(c.x, c.dof), py[i].chi2sf as number, `case ${i} chi2.sf`);
            close(kolmogorovSf(c.x / 10), py[i].kolm as number, `case ${i} kstwobign.sf`);
        });
    });
});

describe("monitoring/drift from sketches", () => {
    it("sketch L-infinity / KS equals the exact statistic within the sketches' rank-error bound", () => {
        const r = rng(99);
        const a = new Float64Array(250000),
            b = new Float64Array(180000);
        for (let i = 0; i < a.length; i++) a[i] = normal(r, 0, 1);
        for (let i = 0; i < b.length; i++) b[i] = normal(r, 0.15, 1.1);
        const sa = new KllSketch(),
            sb = new KllSketch();
        sa.updateAll(a);
        sb.updateAll(b);
        assert.ok(sa.numLevels > 3 && sb.numLevels > 3, "sketches must actually compact for this test to mean anything");
        const d = numericDriftFromSketches(sa, sb);
        const exact = ksStatistic(a, b);
        const bound = sa.rankErrorBound() + sb.rankErrorBound();
        assert.ok(Math.abs(d.linf - exact) <= bound, `sketch ${d.linf} vs exact ${exact}, bound ${bound}`);
        assert.ok(d.rank_error_bound >= bound * 0.5);
        assert.ok(Math.abs(d.wasserstein - wasserstein1(a, b)) < 0.02, `wasserstein ${d.wasserstein} vs ${wasserstein1(a, b)}`);
        assert.ok(d.linf_robust < d.linf && d.linf_robust > 0);
        assert.ok(d.ks_pvalue < 1e-6, "a 0.15 sd shift on 200k points is significant");
        // identical data → zero distance
        const same = numericDriftFromSketches(sa, sa.clone());
        assert.equal(same.linf, 0);
        assert.equal(same.psi, 0);
    });

    it("categorical drift: L-infinity, robust margin, chi-square with Deequ regrouping", () => {
        const base = new Map([
            ["a", 500],
            ["b", 300],
            ["c", 195],
            ["d", 5],
        ]);
        const same = categoricalDrift(
            base,
            new Map([
                ["a", 250],
                ["b", 150],
                ["c", 97],
                ["d", 3],
            ]),
        );
        assert.ok(same.linf < 0.002);
        assert.equal(same.linf_robust, 0);
        assert.ok(same.chi_square_pvalue > 0.9);
        const shifted = categoricalDrift(
            base,
            new Map([
                ["a", 100],
                ["b", 300],
                ["c", 100],
                ["e", 500],
            ]),
        );
        assert.equal(shifted.linf, 0.5); // 'e' is new: 0.5 vs 0
        assert.ok(shifted.chi_square_pvalue < 1e-10);
        // 'd' (expected 5 * 500/1000 = 2.5) is below 5 and 1 of 4 categories > 20% → merged: dof 2
        assert.equal(shifted.chi_square_dof, 2);
    });
});
