import { strict as assert } from "assert";
import {
    analyzeAbTest,
    deLongAuc,
    normalCdf,
    normalQuantile,
    percentileSorted,
    sampleSizeTwoProportions,
    twoProportionZTest,
    wilsonInterval,
    type AbRecord,
} from "../../lib/monitoring/ab";
import { rocAuc, seededRandom } from "../../lib/monitoring/modelquality";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

function gaussian(r: () => number): () => number {
    return () => {
        const u = 1 - r();
        const v = r();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    };
}

describe("ab: statistics", () => {
    it("normal CDF / quantile", () => {
        near(normalCdf(1.959963984540054), 0.975, 1e-12, "cdf");
        near(normalCdf(0), 0.5, 1e-15, "cdf0");
        near(normalCdf(-3.5), 0.00023262907903552502, 1e-15, "cdf(-3.5)");
        near(normalCdf(-1), 0.15865525393145707, 1e-15, "cdf(-1)");
        near(normalCdf(-8), 6.22096057427174e-16, 1e-28, "cdf(-8)");
        near(normalQuantile(0.975), 1.959963984540054, 1e-8, "q975");
        near(normalQuantile(0.001), -3.090232306167813, 1e-8, "q001");
        near(normalQuantile(0.8), 0.8416212335729143, 1e-8, "q80");
        assert.throws(() => normalQuantile(1), /must be in \(0, 1\)/);
    });

    it("Wilson interval 8/10 at 95% = (0.4902, 0.9433)", () => {
        // centre = (0.8 + z²/20)/(1 + z²/10) = 0.71674 ; half = z sqrt(0.016 + z²/400)/(1 + z²/10) = 0.22658
        const w = wilsonInterval(8, 10);
        near(w.lower, 0.49016, 1e-4, "lower");
        near(w.upper, 0.94332, 1e-4, "upper");
        const zero = wilsonInterval(0, 50);
        assert.equal(zero.lower, 0);
        assert.ok(zero.upper > 0.05 && zero.upper < 0.08, "Wilson upper bound for 0/50 is ~0.071, not 0");
    });

    it("two-proportion z-test 60/100 vs 40/100: z = 0.2/sqrt(0.25*0.02) = 2.8284, p = 0.004678", () => {
        const t = twoProportionZTest(60, 100, 40, 100);
        near(t.z, 2 * Math.SQRT2, 1e-12, "z");
        near(t.pValue, 0.004677735, 1e-6, "p");
        assert.equal(twoProportionZTest(5, 10, 5, 10).pValue, 1);
    });

    it("DeLong AUC and variance (hand computed)", () => {
        // positives 0.9 0.8 0.4 ; negatives 0.7 0.3 0.2 0.4
        // V10 = [1, 1, (2+0.5)/4=0.625] -> AUC 0.875 ; V01 = [2/3, 1, 1, (2+0.5)/3]
        // s²(V10) = 0.09375/2 = 0.046875 ; s²(V01) = 0.0763889/3 = 0.0254630
        // Var = 0.046875/3 + 0.0254630/4 = 0.0219907
        const d = deLongAuc([0.9, 0.8, 0.4, 0.7, 0.3, 0.2, 0.4], [1, 1, 1, 0, 0, 0, 0]);
        near(d.auc, 0.875, 1e-15, "auc");
        near(d.variance, 0.015625 + 0.0763888889 / 3 / 4, 1e-9, "var");
        assert.equal(d.positives, 3);
        // AUC agrees with the trapezoid AUC of modelquality on tie-heavy data
        const r = seededRandom(9);
        const s = Array.from({ length: 500 }, () => Math.round(r() * 10) / 10);
        const y = s.map((x) => (r() < x ? 1 : 0));
        near(deLongAuc(s, y).auc, rocAuc(s, y), 1e-12, "auc vs trapezoid");
    });

    it("DeLong 95% intervals cover the true binormal AUC about 95% of the time", () => {
        // positives ~ N(1,1), negatives ~ N(0,1): true AUC = Φ(1/√2) = 0.76025
        const g = gaussian(seededRandom(123));
        const truth = normalCdf(1 / Math.SQRT2);
        let cover = 0;
        const reps = 400;
        for (let k = 0; k < reps; k++) {
            const s: number[] = [];
            const y: number[] = [];
            for (let i = 0; i < 80; i++) {
                s.push(g() + 1);
                y.push(1);
                s.push(g());
                y.push(0);
            }
            const d = deLongAuc(s, y);
            const se = Math.sqrt(d.variance);
            if (Math.abs(d.auc - truth) <= 1.959964 * se) cover++;
        }
        const rate = cover / reps;
        assert.ok(rate > 0.91 && rate < 0.985, `coverage ${rate}`);
    });

    it("percentiles (type 7) and Fleiss sample size", () => {
        assert.equal(percentileSorted([1, 2, 3, 4], 0.5), 2.5);
        near(percentileSorted([1, 2, 3, 4], 0.99), 3.97, 1e-12, "p99");
        // 0.5 vs 0.6, alpha 0.05, power 0.8: (1.95996·sqrt(2·.55·.45) + 0.84162·sqrt(.25+.24))² / 0.01 = 387.3 -> 388
        assert.equal(sampleSizeTwoProportions(0.5, 0.6), 388);
        assert.equal(sampleSizeTwoProportions(0.5, 0.5), Infinity);
    });
});

/** Simulated traffic: scores from a binormal model with separation `sep`. */
function simulate(variant: string, n: number, opts: { sep: number; errorRate: number; latencyMeanUs: number; labeled?: number; seed: number }): AbRecord[] {
    const r = seededRandom(opts.seed);
    const g = gaussian(r);
    const out: AbRecord[] = [];
    for (let i = 0; i < n; i++) {
        const y = r() < 0.3 ? 1 : 0;
        const z = g() + (y ? opts.sep : 0);
        const score = 1 / (1 + Math.exp(-(z - opts.sep / 2) * 1.5));
        const err = r() < opts.errorRate;
        const rec: AbRecord = { variant, latencyUs: opts.latencyMeanUs * (0.5 + r()), status: err ? 500 : 200, score: err ? undefined : score };
        if (!err && i < (opts.labeled ?? n)) rec.label = y as 0 | 1;
        out.push(rec);
    }
    return out;
}

describe("ab: per-variant summary", () => {
    it("traffic share, latency percentiles, error rate (hand data)", () => {
        const recs: AbRecord[] = [
            { variant: "A", latencyUs: 100, status: "ok" },
            { variant: "A", latencyUs: 200, status: "ok" },
            { variant: "A", latencyUs: 300, status: "error" },
            { variant: "B", latencyUs: 1000, status: 503 },
            { variant: "", latencyUs: 1, status: "ok" },
            { variant: "B", latencyUs: NaN, status: 200, label: 1 },
        ];
        const a = analyzeAbTest(recs, { champion: "A" });
        const [A, B] = a.variants;
        assert.equal(A.variant, "A");
        near(A.trafficShare, 3 / 5, 1e-15, "share A");
        assert.equal(A.latency.p50Us, 200);
        near(A.latency.p99Us, 298, 1e-9, "p99 = 200 + 0.98*100");
        assert.equal(A.errors, 1);
        near(A.errorRate.value, 1 / 3, 1e-15, "err");
        assert.ok(A.errorRate.lower < 1 / 3 && A.errorRate.upper > 1 / 3);
        assert.equal(B.errors, 1);
        assert.deepEqual(a.skipped, { missing_variant: 1, invalid_latency: 1, label_without_score: 1 });
        assert.throws(() => analyzeAbTest(recs, { champion: "Z" }), /champion variant "Z" has no records \(variants seen: A, B\)/);
    });
});

describe("ab: recommendations", () => {
    it("promotes a clearly better challenger with enough data", () => {
        const recs = [
            ...simulate("champion", 20000, { sep: 1.0, errorRate: 0.01, latencyMeanUs: 20000, seed: 1 }),
            ...simulate("challenger", 20000, { sep: 1.6, errorRate: 0.01, latencyMeanUs: 20000, seed: 2 }),
        ];
        const a = analyzeAbTest(recs, { champion: "champion" });
        assert.equal(a.options.primaryMetric, "auc");
        const auc = a.challengers[0].comparisons.find((c) => c.metric === "auc")!;
        assert.ok(auc.significant && auc.powered && auc.difference > 0.05, JSON.stringify(auc));
        assert.equal(a.recommendation.action, "promote");
        assert.deepEqual(a.recommendation.weights, { champion: 0, challenger: 1 });
        assert.match(a.recommendation.reasons.join(" "), /auc significantly higher/);
        const ch = a.variants[1];
        assert.ok(ch.auc!.lower < ch.auc!.value && ch.auc!.value < ch.auc!.upper);
        console.log(
            `      AUC champion ${a.variants[0].auc!.value.toFixed(4)} [${a.variants[0].auc!.lower.toFixed(4)}, ${a.variants[0].auc!.upper.toFixed(4)}], challenger ${ch.auc!.value.toFixed(4)} [${ch.auc!.lower.toFixed(4)}, ${ch.auc!.upper.toFixed(4)}], z=${auc.z.toFixed(2)}, required/arm ${auc.requiredPerArm}`,
        );
    });

    it("never promotes when underpowered, even if p < alpha (accuracy 200/250 vs 220/250)", () => {
        // z-test: pooled 0.84, se = sqrt(.84·.16·2/250) = 0.03279, z = 0.08/0.03279 = 2.44, p = 0.0147 (significant)
        // Fleiss n for 0.80 vs 0.88 = 329 per arm > 250 available -> underpowered
        const mk = (variant: string, correct: number): AbRecord[] => {
            const out: AbRecord[] = [];
            for (let i = 0; i < 1200; i++) {
                const rec: AbRecord = { variant, latencyUs: 1000, status: "ok", score: 0.9 };
                if (i < 250) rec.label = i < correct ? 1 : 0; // score 0.9 -> predicted 1: correct when label 1
                out.push(rec);
            }
            return out;
        };
        const a = analyzeAbTest([...mk("champ", 200), ...mk("chall", 220)], {
            champion: "champ",
            primaryMetric: "accuracy",
            currentWeights: { champ: 0.9, chall: 0.1 },
        });
        const acc = a.challengers[0].comparisons.find((c) => c.metric === "accuracy")!;
        near(acc.pValue, 0.0147, 5e-4, "p");
        assert.ok(acc.significant);
        assert.equal(acc.requiredPerArm, 329);
        assert.equal(acc.powered, false);
        assert.notEqual(a.recommendation.action, "promote");
        assert.equal(a.recommendation.action, "shift-weights");
        near(a.recommendation.weights.chall, 0.5, 1e-12, "ramp challenger to the exploration weight");
        near(a.recommendation.weights.champ, 0.5, 1e-12, "champion gets the rest");
        assert.match(a.challengers[0].reasons.join(" "), /underpowered: 250 labelled rows per arm, 329 needed; not promoting/);
    });

    it("rolls back a challenger with a significantly higher error rate", () => {
        const recs = [
            ...simulate("prod", 5000, { sep: 1.0, errorRate: 0.01, latencyMeanUs: 20000, seed: 3 }),
            ...simulate("new", 5000, { sep: 1.2, errorRate: 0.05, latencyMeanUs: 20000, seed: 4 }),
        ];
        const a = analyzeAbTest(recs, { champion: "prod" });
        assert.equal(a.recommendation.action, "shift-weights");
        near(a.recommendation.weights.new, 0, 0, "challenger weight");
        near(a.recommendation.weights.prod, 1, 1e-12, "champion weight");
        assert.match(a.recommendation.reasons.join(" "), /error rate significantly higher/);
    });

    it("rolls back on a p99 latency regression beyond the guardrail", () => {
        const recs = [
            ...simulate("prod", 3000, { sep: 1.0, errorRate: 0.0, latencyMeanUs: 20000, seed: 5 }),
            ...simulate("slow", 3000, { sep: 1.0, errorRate: 0.0, latencyMeanUs: 40000, seed: 6 }),
        ];
        const a = analyzeAbTest(recs, { champion: "prod" });
        assert.equal(a.challengers[0].action, "shift-weights");
        assert.match(a.challengers[0].reasons.join(" "), /p99 latency .* exceeds champion/);
    });

    it("keeps the split when a well-powered test finds no difference", () => {
        const recs = [
            ...simulate("a", 30000, { sep: 1.0, errorRate: 0.01, latencyMeanUs: 20000, seed: 7 }),
            ...simulate("b", 30000, { sep: 1.0, errorRate: 0.01, latencyMeanUs: 20000, seed: 8 }),
        ];
        const a = analyzeAbTest(recs, { champion: "a", currentWeights: { a: 0.5, b: 0.5 } });
        const auc = a.challengers[0].comparisons.find((c) => c.metric === "auc")!;
        assert.equal(auc.significant, false, JSON.stringify(auc));
        assert.equal(a.recommendation.action, "keep");
        assert.deepEqual(a.recommendation.weights, { a: 0.5, b: 0.5 });
        assert.match(a.recommendation.reasons.join(" "), /no significant auc difference/);
    });

    it("without ground truth: compares errors/latency only and never promotes", () => {
        const recs = [
            ...simulate("a", 5000, { sep: 1.0, errorRate: 0.01, latencyMeanUs: 20000, labeled: 0, seed: 19 }),
            ...simulate("b", 5000, { sep: 3.0, errorRate: 0.01, latencyMeanUs: 20000, labeled: 0, seed: 20 }),
        ];
        const a = analyzeAbTest(recs, { champion: "a", currentWeights: { a: 0.5, b: 0.5 } });
        assert.equal(a.options.primaryMetric, "none");
        assert.equal(a.variants[0].auc, undefined);
        assert.equal(a.recommendation.action, "keep", JSON.stringify(a.recommendation));
        assert.match(a.recommendation.reasons.join(" "), /no ground truth/);
    });

    it("several challengers: rolls back the harmful one and ramps the under-sampled one", () => {
        const recs = [
            ...simulate("champ", 4000, { sep: 1.0, errorRate: 0.01, latencyMeanUs: 20000, seed: 21 }),
            ...simulate("bad", 4000, { sep: 1.0, errorRate: 0.06, latencyMeanUs: 20000, seed: 22 }),
            ...simulate("new", 1500, { sep: 1.1, errorRate: 0.01, latencyMeanUs: 20000, labeled: 100, seed: 23 }),
        ];
        const a = analyzeAbTest(recs, { champion: "champ", currentWeights: { champ: 0.8, bad: 0.1, new: 0.1 } });
        const byName = Object.fromEntries(a.challengers.map((c) => [c.challenger, c]));
        assert.equal(byName.bad.action, "shift-weights");
        assert.equal(byName.bad.weights.bad, 0);
        assert.equal(byName.new.action, "shift-weights");
        assert.match(byName.new.reasons.join(" "), /fewer than 200 labelled rows per variant \(champion \d+, challenger \d+\)/);
        // overall: bad -> 0 (its 0.1 goes to champ: 0.9), new ramped to min(0.5, 1/2) = 0.5, champ rescaled to 0.5
        assert.equal(a.recommendation.action, "shift-weights");
        near(a.recommendation.weights.bad, 0, 0, "bad");
        near(a.recommendation.weights.new, 0.5, 1e-12, "new");
        near(a.recommendation.weights.champ, 0.5, 1e-12, "champ");
    });

    it("with too little traffic, ramps the challenger instead of deciding", () => {
        const recs = [
            ...simulate("a", 900, { sep: 1.0, errorRate: 0.01, latencyMeanUs: 20000, seed: 11 }),
            ...simulate("b", 100, { sep: 1.5, errorRate: 0.01, latencyMeanUs: 20000, seed: 12 }),
        ];
        const a = analyzeAbTest(recs, { champion: "a" });
        assert.equal(a.recommendation.action, "shift-weights");
        near(a.recommendation.weights.b, 0.5, 1e-12, "b");
        assert.match(a.challengers[0].reasons.join(" "), /fewer than 1000 requests on b/);
    });
});
