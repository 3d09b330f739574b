/**
 * evaluate — the declaration both targets implement (local.ts reads the local batch output, aws.ts the one in S3), the
 * results they return, and the logic both run: the settings (--min-auc over the stack's pipeline.minAuc, --threshold),
 * the metrics of the scored test records (Model Monitor's model-quality statistics, suggested constraints, calibration)
 * and the quality gate. Each target only reads the records and stores the statistics and the report its own way.
 */
import { calibrationBins, evaluateBinaryClassification, suggestModelQualityConstraints } from "../../../lib/monitoring/modelquality";
import { StepContext, StepError, StepResult } from "../../framework/step";
import type { BatchInferResults } from "../batch-infer/step";

export const EVALUATE = { name: "evaluate", dependsOn: ["batch-infer"] } as const;

export interface EvaluateResults {
    testAuc: number;
    aucStd: number | null;
    accuracy: number;
    f1: number;
    precision: number;
    recall: number;
    records: number;
    positives: number;
    threshold: number;
    confusionMatrix: { tn: number; fp: number; fn: number; tp: number };
    expectedCalibrationError: number;
    minAuc: number;
    minAucSource: string;
    gate: "passed";
    modelPackageVersion: number | undefined;
    statisticsUri: string;
    constraintsUri: string;
}

/** The gate's threshold: --min-auc, else the stack output pipeline.minAuc, else the stack config's. */
export function minAucFor(ctx: Pick<StepContext, "options" | "outputs" | "stack" | "config">): { minAuc: number; source: string } {
    if (ctx.options["min-auc"] !== undefined) {
        const v = Number(ctx.options["min-auc"]);
        if (ctx.options["min-auc"] === true || !(v >= 0 && v <= 1))
            throw new StepError(`--min-auc ${String(ctx.options["min-auc"])}: expected a number in [0, 1], e.g. --min-auc 0.85`);
        return { minAuc: v, source: "--min-auc" };
    }
    let fromOutputs: number | undefined;
    try {
        fromOutputs = ctx.outputs().pipeline?.minAuc;
    } catch {
        fromOutputs = undefined;
    }
    return typeof fromOutputs === "number"
        ? { minAuc: fromOutputs, source: `pipeline.minAuc of stack ${ctx.stack}` }
        : { minAuc: ctx.config.pipeline.minAuc, source: `pipeline.minAuc of Pulumi.${ctx.stack}.yaml` };
}

/** The probability threshold of the positive class: --threshold P, default 0.5. */
export function thresholdOption(ctx: Pick<StepContext, "options">): number {
    const threshold = ctx.options.threshold === undefined ? 0.5 : Number(ctx.options.threshold);
    if (!(threshold > 0 && threshold < 1)) throw new StepError(`--threshold ${String(ctx.options.threshold)}: expected a probability in (0, 1), e.g. 0.5`);
    return threshold;
}

/** What a run of the step starts from (both targets): the stack outputs, the gate's threshold, --threshold, the batch results. */
export function evaluationSettings(ctx: StepContext<{ "batch-infer": BatchInferResults }>) {
    const out = ctx.outputs();
    const { minAuc, source } = minAucFor(ctx);
    const threshold = thresholdOption(ctx);
    const batch = ctx.resultsOf("batch-infer");
    return { out, minAuc, source, threshold, batch };
}

/** The step's input values (both targets): the gate's threshold and the probability threshold. */
export function evaluateInputValues(ctx: Pick<StepContext, "options" | "outputs" | "stack" | "config">): unknown {
    return { minAuc: minAucFor(ctx).minAuc, threshold: ctx.options.threshold ?? 0.5 };
}

/** Scored test records: 0/1 labels and probabilities, aligned. */
export interface Scored {
    labels: ArrayLike<number>;
    scores: ArrayLike<number>;
}

/** Metrics, suggested constraints and calibration of the scored test records; `where` names them in errors. */
export function evaluateScores(recs: Scored, threshold: number, where: string) {
    const n = recs.labels.length;
    let positives = 0;
    for (let i = 0; i < n; i++) positives += recs.labels[i];
    if (positives === 0 || positives === n)
        throw new StepError(`${where}: all ${n} test labels are ${positives ? 1 : 0}; AUC needs both classes — use a larger slice (--rows) or the full data`);
    const ev = evaluateBinaryClassification({ scores: recs.scores, labels: recs.labels }, { probabilityThreshold: threshold });
    const { constraints, skipped } = suggestModelQualityConstraints(ev.statistics);
    const cal = calibrationBins(recs.scores, recs.labels, 10);
    return { n, positives, ev, constraints, skipped, cal };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "NaN");

export interface GateInput {
    ctx: Pick<StepContext, "rel" | "stack">;
    group: string;
    version: number | undefined;
    ev: ReturnType<typeof evaluateBinaryClassification>;
    cal: ReturnType<typeof calibrationBins>;
    records: number;
    positives: number;
    threshold: number;
    minAuc: number;
    source: string;
    /** Where statistics.json and constraints.json were written (s3://.../model-quality/baseline/). */
    baseUri: string;
    reportFile: string;
}

/** The evaluate step's quality gate and results (both targets): throws with the numbers below the threshold. */
export function qualityGate(g: GateInput, artifacts: Record<string, string>): StepResult<EvaluateResults> {
    const v = g.ev.values;
    const c = g.ev.counts;
    const auc = v.auc;
    const n = g.records;
    if (!(auc >= g.minAuc)) {
        throw new StepError(
            `quality gate failed: test AUC ${fmt(auc)} < ${g.minAuc} (${g.source}) on ${n} test records (model package ${g.group}/${g.version}); ` +
                `see ${g.ctx.rel(g.reportFile)}. Improve the model (re-run --from train with other --hp.* or more data) or, if the threshold is wrong, change pipeline.minAuc in Pulumi.${g.ctx.stack}.yaml`,
        );
    }
    return {
        summary: `test AUC ${fmt(auc)} >= ${g.minAuc} (gate passed), accuracy ${fmt(v.accuracy)}, F1 ${fmt(v.f1)} on ${n} records; report ${g.ctx.rel(g.reportFile)}`,
        results: {
            testAuc: auc,
            aucStd: Number.isFinite(g.ev.standardDeviations.auc) ? g.ev.standardDeviations.auc : null,
            accuracy: v.accuracy,
            f1: v.f1,
            precision: v.precision,
            recall: v.recall,
            records: n,
            positives: g.positives,
            threshold: g.threshold,
            confusionMatrix: { tn: c.tn, fp: c.fp, fn: c.fn, tp: c.tp },
            expectedCalibrationError: g.cal.expectedCalibrationError,
            minAuc: g.minAuc,
            minAucSource: g.source,
            gate: "passed",
            modelPackageVersion: g.version,
            statisticsUri: `${g.baseUri}statistics.json`,
            constraintsUri: `${g.baseUri}constraints.json`,
        },
        artifacts,
    };
}
