/**
 * Mergeable model-quality and bias partials (issue 14): confusion counts and every count-derived metric
 * equal a single pass exactly; AUC is exact on the small-data path and within the bound computed from
 * the merged score histogram otherwise; bias counts (and CDD from group counts) equal a single pass.
 */
import { strict as assert } from "assert";
import { BinaryQualityPartial, BinaryQualityPartialJson, confusionCounts, evaluateBinaryClassification, rocAuc } from "../../lib/monitoring/modelquality";
import { BiasPartial, conditionalDemographicDisparity, facetCounts, type BiasPartialJson } from "../../lib/monitoring/bias";
import { rng } from "./helpers";

interface Row {
    score: number;
    label: number;
    sensitive: boolean;
    group: string;
    predicted: boolean;
}

function rows(n: number, seed: number): Row[] {
    const r = rng(seed);
    return Array.from({ length: n }, () => {
        const label = r() < 0.3 ? 1 : 0;
        // informative but overlapping scores, rounded so ties exist
        const score = Math.min(1, Math.max(0, Math.round((0.35 + (label ? 0.25 : 0) + (r() - 0.5) * 0.7) * 1e4) / 1e4));
        return { score, label, sensitive: r() < 0.4, group: ["g1", "g2", "g3"][Math.floor(r() * 3)], predicted: score >= 0.5 };
    });
}

const mq = (rs: Row[], o = {}) => {
    const p = new BinaryQualityPartial(o);
    for (const x of rs) p.add(x.score, x.label);
    return BinaryQualityPartial.fromJSON(JSON.parse(JSON.stringify(p.toJSON())) as BinaryQualityPartialJson);
};

describe("monitoring/partial model quality and bias", () => {
    const data = rows(20_000, 21);
    const sorted = [...data].sort((a, b) => a.score - b.score);
    const single = evaluateBinaryClassification({ scores: data.map((d) => d.score), labels: data.map((d) => d.label) });
    const exactAuc = rocAuc(
        data.map((d) => d.score),
        data.map((d) => d.label),
    );
    const splits: [string, Row[][]][] = [
        ["contiguous", [data.slice(0, 6000), data.slice(6000, 13000), data.slice(13000)]],
        ["sorted by score", [sorted.slice(0, 10000), sorted.slice(10000)]],
        ["reversed", [[...sorted].reverse().slice(0, 5000), [...sorted].reverse().slice(5000)]],
        ["one shard empty", [[], data]],
        ["one shard a single row", [data.slice(0, 1), data.slice(1)]],
    ];

    for (const [name, shards] of splits) {
        it(`${name}: confusion counts and metrics exact; AUC exact (small-data path) and within the histogram bound`, () => {
            for (const exactLimit of [1_000_000, 0]) {
                const parts = shards.map((s) => mq(s, { exactLimit }));
                const merged = parts.reduce((a, b) => a.merge(b));
                assert.deepEqual(merged.counts, single.counts, `${name}: confusion counts`);
                const m = merged.metrics();
                for (const k of Object.keys(single.values) as (keyof typeof single.values)[]) {
                    if (k === "auc") continue;
                    assert.ok(Object.is(m[k], single.values[k]), `${name}: ${k} ${m[k]} vs ${single.values[k]}`);
                }
                if (exactLimit > 0) {
                    assert.equal(m.auc_exact, true);
                    assert.equal(m.auc, exactAuc, `${name}: exact AUC`);
                } else {
                    assert.equal(m.auc_exact, false);
                    assert.ok(Math.abs(m.auc - exactAuc) <= m.auc_error_bound + 1e-15, `${name}: |${m.auc} - ${exactAuc}| > ${m.auc_error_bound}`);
                    assert.ok(m.auc_error_bound < 1e-3, `bound ${m.auc_error_bound} at 10,000 bins`);
                }
            }
        });
    }

    it("confusion counts at every grid threshold k/bins equal a direct count", () => {
        const p = mq(data, { bins: 100, exactLimit: 0 });
        const labels = data.map((d) => d.label);
        for (const k of [0, 1, 37, 50, 99, 100]) {
            const t = k / 100;
            const direct = confusionCounts(
                labels,
                data.map((d) => (d.score >= t ? 1 : 0)),
            );
            assert.deepEqual(p.confusionAtGrid(k), direct, `k=${k}`);
        }
    });

    it("adversarial: every score in one bin → the bound says so (0.5 of pairs unordered) and still holds", () => {
        const tight = data.map((d) => ({ ...d, score: 0.5 + d.score * 1e-6 }));
        const p = mq(tight, { exactLimit: 0, bins: 10 });
        const a = p.auc();
        const exact = rocAuc(
            tight.map((d) => d.score),
            tight.map((d) => d.label),
        );
        assert.ok(Math.abs(a.value - exact) <= a.errorBound);
        assert.ok(a.errorBound > 0.49);
    });

    it("bias: facet counts and CDD from merged shards equal one pass; partial files are validated", () => {
        const sens = data.map((d) => d.sensitive);
        const lab = data.map((d) => d.label === 1);
        const prd = data.map((d) => d.predicted);
        const grp = data.map((d) => d.group);
        const one = facetCounts({ sensitive: sens, label: lab, predicted: prd });
        for (const [name, shards] of splits) {
            const parts = shards.map((s) => {
                const b = new BiasPartial();
                for (const d of s) b.add(d.sensitive, d.label === 1, d.predicted, d.group);
                return BiasPartial.fromJSON(JSON.parse(JSON.stringify(b.toJSON())) as BiasPartialJson);
            });
            const merged = parts.reduce((a, b) => a.merge(b));
            assert.deepEqual(merged.counts, one, `${name}: facet counts`);
            const cddl = conditionalDemographicDisparity(sens, lab, grp, "labels");
            const cddpl = conditionalDemographicDisparity(sens, prd, grp, "predicted labels");
            assert.ok(Math.abs((merged.cdd("labels").value as number) - (cddl.value as number)) < 1e-12, `${name}: CDDL`);
            assert.ok(Math.abs((merged.cdd("predicted labels").value as number) - (cddpl.value as number)) < 1e-12, `${name}: CDDPL`);
        }
        assert.throws(
            () =>
                BiasPartial.fromJSON(
                    { format: "mlplatform/bias-partial", version: 1, counts: { a: { n: -1 } }, groups: {} } as unknown as BiasPartialJson,
                    "shard 2",
                ),
            /shard 2: counts\.a\.n=-1 is not a count/,
        );
        assert.throws(
            () => BinaryQualityPartial.fromJSON({ format: "nope" } as unknown as BinaryQualityPartialJson),
            /not a version-1 mlplatform\/model-quality-partial/,
        );
    });
});
