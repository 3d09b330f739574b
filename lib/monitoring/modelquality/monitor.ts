/**
 * One model-quality monitoring execution, the way the service runs it:
 * merge capture with ground truth for a window → statistics.json →
 * constraint_violations.json (when constraints are given) → CloudWatch EMF lines.
 */
import type { MonitoringDimensions } from "../emf";
import type { BinaryEvaluationOptions, BinaryScalarMetric, ModelQualityStatistics } from "./binary";
import { checkModelQualityConstraints, type CheckResult, type ModelQualityConstraints } from "./constraints";
import { modelMetricsEmf } from "./emf";
import { evaluateCaptureAgainstGroundTruth, type FolderMergeOptions, type MergeReport } from "./merge";

export interface ModelQualityMonitorInput extends FolderMergeOptions, BinaryEvaluationOptions {
    captureSource: string | string[];
    groundTruthSource: string | string[];
    /** Baseline constraints; when absent no violations are computed. */
    constraints?: ModelQualityConstraints;
    /** CloudWatch dimensions; when absent no EMF lines are produced. */
    dimensions?: MonitoringDimensions;
    /** Metrics to publish (default: all scalar metrics). */
    publishMetrics?: readonly BinaryScalarMetric[];
}

export interface ModelQualityMonitorResult {
    statistics: ModelQualityStatistics;
    violations?: CheckResult;
    emf?: { lines: string[]; skipped: string[] };
    mergeReport: MergeReport;
    stdMethod: string;
}

export async function runModelQualityMonitor(input: ModelQualityMonitorInput): Promise<ModelQualityMonitorResult> {
    const evaluationTime = input.evaluationTime ?? input.to ?? new Date();
    const { evaluation, report } = await evaluateCaptureAgainstGroundTruth(input.captureSource, input.groundTruthSource, { ...input, evaluationTime });
    const out: ModelQualityMonitorResult = { statistics: evaluation.statistics, mergeReport: report, stdMethod: evaluation.stdMethod };
    if (input.constraints) out.violations = checkModelQualityConstraints(evaluation.statistics, input.constraints);
    if (input.dimensions) {
        const ts = evaluationTime instanceof Date ? evaluationTime : new Date(evaluationTime);
        out.emf = modelMetricsEmf(input.dimensions, evaluation.statistics, { metrics: input.publishMetrics, timestamp: ts });
    }
    return out;
}
