/**
 * The report's sampling-noise assessment of completeness_check violations (lib/monitoring/report completenessNoise):
 * a two-proportion z-test of baseline vs current presence, checked against hand-computed values and scipy-free
 * arithmetic. Model Monitor's own rule (any completeness below the baseline's is a violation) stays in the files.
 */
import { strict as assert } from "assert";
import type { FeatureStatistics } from "../../lib/monitoring/dataquality/types";
import { completenessNoise } from "../../lib/monitoring/report";

const feat = (present: number, missing: number): FeatureStatistics =>
    ({
        name: "workclass",
        inferred_type: "String",
        string_statistics: { common: { num_present: present, num_missing: missing }, distinct_count: 8 },
    }) as unknown as FeatureStatistics;

describe("completeness violations: within sampling noise or not", () => {
    it("the as-is replay of the run (94.34% baseline on 26029 rows, 94.08% on 16276) is within noise", () => {
        // baseline 24556/26029 present; current 15313/16276 present (the numbers of the default local run)
        const n = completenessNoise(feat(24556, 1473), feat(15313, 963))!;
        const p = (24556 + 15313) / (26029 + 16276);
        const z = (24556 / 26029 - 15313 / 16276) / Math.sqrt(p * (1 - p) * (1 / 26029 + 1 / 16276));
        assert.ok(Math.abs(n.z - z) < 1e-12);
        assert.ok(n.z > 1 && n.z < 1.2, `z ${n.z}`);
        assert.equal(n.withinNoise, true);
    });

    it("a real drop in completeness (94% -> 90% on 16k rows) is beyond noise", () => {
        const n = completenessNoise(feat(24467, 1562), feat(14648, 1628))!;
        assert.ok(n.z > 10, `z ${n.z}`);
        assert.equal(n.withinNoise, false);
    });

    it("no counts on either side: no assessment", () => {
        assert.equal(completenessNoise(undefined, feat(1, 0)), undefined);
        assert.equal(completenessNoise(feat(0, 0), feat(1, 0)), undefined);
    });
});
