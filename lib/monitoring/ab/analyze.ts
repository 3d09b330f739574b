/**
 * A/B (production variant) analysis: per-variant traffic, latency, errors
 * and — with ground truth — model quality with confidence intervals, a
 * significance test of each challenger against the champion, and a
 * recommendation (keep | shift-weights | promote).
 *
 * Methods (documented choices):
 * - Proportions (error rate, accuracy): Wilson score intervals; champion vs
 *   challenger: two-sided two-proportion z-test with pooled variance.
 * - AUC: DeLong variance, normal interval clipped to [0, 1]; the variants
 *   receive disjoint traffic, so the comparison is the unpaired z-test
 *   z = (AUC_c - AUC_0) / sqrt(Var_c + Var_0).
 * - Latency percentiles: linear interpolation between closest ranks (type 7).
 * - Power: a promotion also needs each arm to hold at least the per-arm
 *   sample size that detects the observed difference at `alpha` with `power`
 *   (for accuracy: Fleiss' two-proportion formula; for AUC: the DeLong
 *   standard error scaled to equal arms, n = (z_α/2 + z_β)² (v_0 n_0 + v_c n_c) / δ²),
 *   plus minimum labelled rows and minimum positives/negatives per arm. A
 *   "significant" result below those sizes is reported as underpowered and
 *   never turns into `promote`.
 */
import {
    deLongAuc,
    normalCdf,
    normalQuantile,
    percentileSorted,
    sampleSizeTwoProportions,
    twoProportionZTest,
    wilsonInterval,
    type Interval,
    type ZTest,
} from "./stats";

export interface AbRecord {
    variant: string;
    /** Model latency in microseconds (CloudWatch ModelLatency unit). */
    latencyUs: number;
    /** 'ok' / 'error', or an HTTP status code (>= 400 is an error). */
    status: "ok" | "error" | number;
    /** Predicted probability of the positive class. */
    score?: number;
    /** Ground truth, when known. */
    label?: 0 | 1 | boolean;
}

export interface AbOptions {
    champion: string;
    /** Significance level (two-sided). Default 0.05. */
    alpha?: number;
    /** Power required for a promotion. Default 0.8. */
    power?: number;
    /** Score >= threshold is a positive prediction (accuracy). Default 0.5. */
    probabilityThreshold?: number;
    /** Metric that decides promotion: 'auc' (default when labels exist) or 'accuracy'. */
    primaryMetric?: "auc" | "accuracy";
    /** Minimum requests per variant before any recommendation other than keep. Default 1000. */
    minRequestsPerVariant?: number;
    /** Minimum labelled rows per variant for quality comparisons. Default 200. */
    minLabeledPerVariant?: number;
    /** Minimum positives and negatives per variant for AUC. Default 30. */
    minClassCountPerVariant?: number;
    /** Challenger p99 latency may exceed the champion's by this fraction. Default 0.2. */
    maxP99LatencyIncrease?: number;
    /** Current production-variant weights (default: observed traffic shares). */
    currentWeights?: Record<string, number>;
    /** Challenger weight to ramp to while data is insufficient. Default 0.5. */
    explorationWeight?: number;
}

export interface LatencySummary {
    count: number;
    meanUs: number;
    p50Us: number;
    p90Us: number;
    p95Us: number;
    p99Us: number;
    maxUs: number;
}

export interface ProportionEstimate extends Interval {
    value: number;
    successes: number;
    n: number;
}

export interface AucEstimate extends Interval {
    value: number;
    standardError: number;
    positives: number;
    negatives: number;
}

export interface VariantSummary {
    variant: string;
    requests: number;
    trafficShare: number;
    errors: number;
    errorRate: ProportionEstimate;
    latency: LatencySummary;
    /** Rows with ground truth and a score (successful requests only). */
    labeled: number;
    accuracy?: ProportionEstimate;
    auc?: AucEstimate;
}

export interface Comparison {
    metric: "error_rate" | "accuracy" | "auc";
    champion: number;
    challenger: number;
    /** challenger - champion */
    difference: number;
    z: number;
    pValue: number;
    significant: boolean;
    /** Per-arm sample size needed to detect the observed difference with the requested power. */
    requiredPerArm: number;
    /** Smaller of the two arms' sample sizes for this metric. */
    availablePerArm: number;
    powered: boolean;
}

export type RecommendationAction = "keep" | "shift-weights" | "promote";

export interface ChallengerAssessment {
    challenger: string;
    comparisons: Comparison[];
    action: RecommendationAction;
    weights: Record<string, number>;
    reasons: string[];
}

export interface AbAnalysis {
    variants: VariantSummary[];
    challengers: ChallengerAssessment[];
    recommendation: { action: RecommendationAction; weights: Record<string, number>; reasons: string[] };
    /** Records not used, by reason. */
    skipped: Record<string, number>;
    options: Required<Omit<AbOptions, "currentWeights" | "primaryMetric">> & { primaryMetric: "auc" | "accuracy" | "none" };
}

const isError = (s: AbRecord["status"]): boolean => (typeof s === "number" ? s >= 400 : s === "error");

function proportion(successes: number, n: number, alpha: number): ProportionEstimate {
    const ci = wilsonInterval(successes, n, alpha);
    return { value: n ? successes / n : NaN, successes, n, lower: ci.lower, upper: ci.upper };
}

function latencySummary(xs: number[]): LatencySummary {
    const s = Float64Array.from(xs).sort();
    const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
    return {
        count: xs.length,
        meanUs: mean,
        p50Us: percentileSorted(s, 0.5),
        p90Us: percentileSorted(s, 0.9),
        p95Us: percentileSorted(s, 0.95),
        p99Us: percentileSorted(s, 0.99),
        maxUs: s.length ? s[s.length - 1] : NaN,
    };
}

interface Acc {
    requests: number;
    errors: number;
    latency: number[];
    scores: number[];
    labels: number[];
}

const fmt = (x: number, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)).toString() : String(x));

export function analyzeAbTest(records: Iterable<AbRecord>, options: AbOptions): AbAnalysis {
    const o = {
        champion: options.champion,
        alpha: options.alpha ?? 0.05,
        power: options.power ?? 0.8,
        probabilityThreshold: options.probabilityThreshold ?? 0.5,
        minRequestsPerVariant: options.minRequestsPerVariant ?? 1000,
        minLabeledPerVariant: options.minLabeledPerVariant ?? 200,
        minClassCountPerVariant: options.minClassCountPerVariant ?? 30,
        maxP99LatencyIncrease: options.maxP99LatencyIncrease ?? 0.2,
        explorationWeight: options.explorationWeight ?? 0.5,
    };
    if (!(o.alpha > 0 && o.alpha < 1)) throw new Error(`analyzeAbTest: alpha ${o.alpha} must be in (0, 1), e.g. 0.05.`);
    if (!(o.power > 0 && o.power < 1)) throw new Error(`analyzeAbTest: power ${o.power} must be in (0, 1), e.g. 0.8.`);
    if (!(o.explorationWeight > 0 && o.explorationWeight <= 1)) throw new Error(`analyzeAbTest: explorationWeight ${o.explorationWeight} must be in (0, 1].`);

    const skipped: Record<string, number> = {};
    const bump = (k: string) => (skipped[k] = (skipped[k] ?? 0) + 1);
    const by = new Map<string, Acc>();
    let total = 0;
    for (const r of records) {
        if (!r || typeof r.variant !== "string" || r.variant === "") {
            bump("missing_variant");
            continue;
        }
        let a = by.get(r.variant);
        if (!a) by.set(r.variant, (a = { requests: 0, errors: 0, latency: [], scores: [], labels: [] }));
        a.requests++;
        total++;
        const err = isError(r.status);
        if (err) a.errors++;
        if (typeof r.latencyUs === "number" && Number.isFinite(r.latencyUs) && r.latencyUs >= 0) a.latency.push(r.latencyUs);
        else bump("invalid_latency");
        if (r.label === undefined || r.label === null) continue;
        if (err) {
            bump("label_on_failed_request");
            continue;
        }
        const y = r.label === true || r.label === 1 ? 1 : r.label === false || r.label === 0 ? 0 : undefined;
        if (y === undefined) {
            bump("label_not_binary");
            continue;
        }
        if (typeof r.score !== "number" || !Number.isFinite(r.score)) {
            bump("label_without_score");
            continue;
        }
        a.scores.push(r.score);
        a.labels.push(y);
    }
    if (!by.has(o.champion)) {
        throw new Error(
            `analyzeAbTest: champion variant "${o.champion}" has no records (variants seen: ${[...by.keys()].join(", ") || "none"}); pass the production variant name of the current model.`,
        );
    }
    const anyLabels = [...by.values()].some((a) => a.labels.length > 0);
    const primary: "auc" | "accuracy" | "none" = anyLabels ? (options.primaryMetric ?? "auc") : "none";

    const variants: VariantSummary[] = [];
    const aucVar = new Map<string, number>();
    for (const [name, a] of by) {
        const v: VariantSummary = {
            variant: name,
            requests: a.requests,
            trafficShare: a.requests / total,
            errors: a.errors,
            errorRate: proportion(a.errors, a.requests, o.alpha),
            latency: latencySummary(a.latency),
            labeled: a.labels.length,
        };
        if (a.labels.length) {
            let correct = 0;
            for (let i = 0; i < a.labels.length; i++) if ((a.scores[i] >= o.probabilityThreshold ? 1 : 0) === a.labels[i]) correct++;
            v.accuracy = proportion(correct, a.labels.length, o.alpha);
            const d = deLongAuc(a.scores, a.labels);
            const se = Math.sqrt(d.variance);
            const z = normalQuantile(1 - o.alpha / 2);
            v.auc = {
                value: d.auc,
                standardError: se,
                lower: Math.max(0, d.auc - z * se),
                upper: Math.min(1, d.auc + z * se),
                positives: d.positives,
                negatives: d.negatives,
            };
            aucVar.set(name, d.variance);
        }
        variants.push(v);
    }
    variants.sort((x, y) => (x.variant === o.champion ? -1 : y.variant === o.champion ? 1 : x.variant < y.variant ? -1 : 1));

    const weights0: Record<string, number> = {};
    if (options.currentWeights) {
        const sum = Object.values(options.currentWeights).reduce((s, w) => s + w, 0);
        if (!(sum > 0)) throw new Error("analyzeAbTest: currentWeights must contain positive weights (e.g. {champion: 0.9, challenger: 0.1}).");
        for (const v of variants) weights0[v.variant] = (options.currentWeights[v.variant] ?? 0) / sum;
    } else for (const v of variants) weights0[v.variant] = v.trafficShare;

    const za = normalQuantile(1 - o.alpha / 2);
    const zb = normalQuantile(o.power);
    const champ = variants[0];
    const assessments: ChallengerAssessment[] = [];
    for (const ch of variants.slice(1)) {
        const comps: Comparison[] = [];
        const reasons: string[] = [];
        // error rate (lower is better)
        const et: ZTest = twoProportionZTest(ch.errors, ch.requests, champ.errors, champ.requests);
        const eReq = sampleSizeTwoProportions(ch.errorRate.value, champ.errorRate.value, o.alpha, o.power);
        const eAvail = Math.min(ch.requests, champ.requests);
        comps.push({
            metric: "error_rate",
            champion: champ.errorRate.value,
            challenger: ch.errorRate.value,
            difference: et.difference,
            z: et.z,
            pValue: et.pValue,
            significant: et.pValue < o.alpha,
            requiredPerArm: eReq,
            availablePerArm: eAvail,
            powered: eAvail >= eReq,
        });
        let quality: Comparison | undefined;
        const labeledOk = ch.labeled >= o.minLabeledPerVariant && champ.labeled >= o.minLabeledPerVariant;
        if (ch.accuracy && champ.accuracy) {
            const t = twoProportionZTest(ch.accuracy.successes, ch.accuracy.n, champ.accuracy.successes, champ.accuracy.n);
            const req = sampleSizeTwoProportions(ch.accuracy.value, champ.accuracy.value, o.alpha, o.power);
            const avail = Math.min(ch.labeled, champ.labeled);
            const c: Comparison = {
                metric: "accuracy",
                champion: champ.accuracy.value,
                challenger: ch.accuracy.value,
                difference: t.difference,
                z: t.z,
                pValue: t.pValue,
                significant: t.pValue < o.alpha,
                requiredPerArm: req,
                availablePerArm: avail,
                powered: avail >= req && labeledOk,
            };
            comps.push(c);
            if (primary === "accuracy") quality = c;
        }
        if (ch.auc && champ.auc) {
            const v1 = aucVar.get(ch.variant)!;
            const v0 = aucVar.get(champ.variant)!;
            const diff = ch.auc.value - champ.auc.value;
            const se = Math.sqrt(v1 + v0);
            const z = se > 0 ? diff / se : diff === 0 ? 0 : Math.sign(diff) * Infinity;
            const p = Number.isFinite(z) ? Math.min(1, 2 * normalCdf(-Math.abs(z))) : Number.isNaN(z) ? NaN : 0;
            const unit = v1 * ch.labeled + v0 * champ.labeled; // per-row variance units, summed over arms
            const req = diff === 0 ? Infinity : Number.isFinite(unit) ? Math.ceil(((za + zb) ** 2 * unit) / (diff * diff)) : Infinity;
            const classOk = Math.min(ch.auc.positives, ch.auc.negatives, champ.auc.positives, champ.auc.negatives) >= o.minClassCountPerVariant;
            const avail = Math.min(ch.labeled, champ.labeled);
            const c: Comparison = {
                metric: "auc",
                champion: champ.auc.value,
                challenger: ch.auc.value,
                difference: diff,
                z,
                pValue: p,
                significant: p < o.alpha,
                requiredPerArm: req,
                availablePerArm: avail,
                powered: avail >= req && labeledOk && classOk,
            };
            comps.push(c);
            if (primary === "auc") quality = c;
            if (!classOk) reasons.push(`AUC needs at least ${o.minClassCountPerVariant} positives and negatives per variant`);
        }

        // ---- decision
        const weights = { ...weights0 };
        const errCmp = comps[0];
        const requestsOk = ch.requests >= o.minRequestsPerVariant && champ.requests >= o.minRequestsPerVariant;
        const latencyWorse = requestsOk && Number.isFinite(champ.latency.p99Us) && ch.latency.p99Us > champ.latency.p99Us * (1 + o.maxP99LatencyIncrease);
        const errorsWorse = errCmp.significant && errCmp.difference > 0;
        const qualityWorse = !!quality && quality.significant && quality.difference < 0 && labeledOk;
        let action: RecommendationAction = "keep";
        if (!requestsOk)
            reasons.push(`fewer than ${o.minRequestsPerVariant} requests on ${ch.requests < o.minRequestsPerVariant ? ch.variant : champ.variant}`);
        if (primary !== "none" && !labeledOk)
            reasons.push(`fewer than ${o.minLabeledPerVariant} labelled rows per variant (champion ${champ.labeled}, challenger ${ch.labeled})`);
        if (errorsWorse) {
            action = "shift-weights";
            reasons.push(`error rate significantly higher: ${fmt(ch.errorRate.value)} vs ${fmt(champ.errorRate.value)} (p=${fmt(errCmp.pValue, 6)})`);
        }
        if (latencyWorse) {
            action = "shift-weights";
            reasons.push(
                `p99 latency ${fmt(ch.latency.p99Us, 0)}us exceeds champion ${fmt(champ.latency.p99Us, 0)}us by more than ${o.maxP99LatencyIncrease * 100}%`,
            );
        }
        if (qualityWorse) {
            action = "shift-weights";
            reasons.push(`${quality!.metric} significantly lower: ${fmt(quality!.challenger)} vs ${fmt(quality!.champion)} (p=${fmt(quality!.pValue, 6)})`);
        }
        if (action === "shift-weights") {
            // roll the challenger back
            const freed = weights[ch.variant];
            weights[ch.variant] = 0;
            weights[champ.variant] += freed;
        } else if (primary === "none") {
            reasons.push("no ground truth: quality cannot be compared, promotion is never recommended without it");
        } else if (quality && quality.significant && quality.difference > 0 && quality.powered && requestsOk) {
            action = "promote";
            for (const k of Object.keys(weights)) weights[k] = 0;
            weights[ch.variant] = 1;
            reasons.push(
                `${quality.metric} significantly higher: ${fmt(quality.challenger)} vs ${fmt(quality.champion)} (difference ${fmt(quality.difference)}, p=${fmt(quality.pValue, 6)}), ` +
                    `${quality.availablePerArm} labelled rows per arm >= ${quality.requiredPerArm} required for power ${o.power}; error rate and p99 latency within guardrails`,
            );
        } else if (quality && quality.significant && quality.difference > 0 && !quality.powered) {
            reasons.push(
                `${quality.metric} looks higher (p=${fmt(quality.pValue, 6)}) but the test is underpowered: ${quality.availablePerArm} labelled rows per arm, ${Number.isFinite(quality.requiredPerArm) ? quality.requiredPerArm : "more"} needed; not promoting`,
            );
        } else if (quality && !quality.significant) {
            reasons.push(`no significant ${quality.metric} difference: ${fmt(quality.challenger)} vs ${fmt(quality.champion)} (p=${fmt(quality.pValue, 6)})`);
        }
        const needMoreData = action === "keep" && (!requestsOk || (primary !== "none" && (!quality || !quality.powered)));
        if (needMoreData && weights[ch.variant] < o.explorationWeight) {
            action = "shift-weights";
            const target = o.explorationWeight;
            const others = 1 - weights[ch.variant];
            const scale = others > 0 ? (1 - target) / others : 0;
            for (const k of Object.keys(weights)) weights[k] = k === ch.variant ? target : weights[k] * scale;
            reasons.push(`no harm detected but data is insufficient: ramp challenger to ${target} to reach the required sample size sooner`);
        }
        assessments.push({ challenger: ch.variant, comparisons: comps, action, weights, reasons });
    }

    // ---- overall recommendation
    let recommendation: AbAnalysis["recommendation"];
    const promos = assessments.filter((a) => a.action === "promote");
    if (promos.length) {
        const best = promos.reduce((b, a) => {
            const q = (x: ChallengerAssessment) => x.comparisons.find((c) => c.metric === primary)?.challenger ?? -Infinity;
            return q(a) > q(b) ? a : b;
        });
        recommendation = { action: "promote", weights: best.weights, reasons: [`promote ${best.challenger}`, ...best.reasons] };
    } else if (assessments.some((a) => a.action === "shift-weights")) {
        const w = { ...weights0 };
        const rolledBack = assessments.filter((a) => a.action === "shift-weights" && a.weights[a.challenger] === 0);
        const ramp = assessments.filter((a) => a.action === "shift-weights" && a.weights[a.challenger] > 0);
        for (const a of rolledBack) {
            w[champ.variant] += w[a.challenger];
            w[a.challenger] = 0;
        }
        if (ramp.length) {
            const each = Math.min(o.explorationWeight, 1 / (ramp.length + 1));
            const fixed = ramp.reduce((s, a) => s + Math.max(w[a.challenger], each), 0);
            const rest = Object.keys(w).filter((k) => !ramp.some((a) => a.challenger === k));
            const restSum = rest.reduce((s, k) => s + w[k], 0);
            for (const a of ramp) w[a.challenger] = Math.max(w[a.challenger], each);
            for (const k of rest) w[k] = restSum > 0 ? (w[k] / restSum) * (1 - fixed) : 0;
        }
        recommendation = {
            action: "shift-weights",
            weights: w,
            reasons: assessments.flatMap((a) => (a.action === "shift-weights" ? a.reasons.map((r) => `${a.challenger}: ${r}`) : [])),
        };
    } else {
        recommendation = { action: "keep", weights: weights0, reasons: assessments.flatMap((a) => a.reasons.map((r) => `${a.challenger}: ${r}`)) };
        if (!assessments.length)
            recommendation.reasons.push(
                "only one variant has traffic; nothing to compare (an A/B test needs a second production variant: docs/lifecycle.md shows how on the dev stack)",
            );
    }
    return { variants, challengers: assessments, recommendation, skipped, options: { ...o, primaryMetric: primary } };
}
