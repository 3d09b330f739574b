/**
 * One model-bias monitoring execution: capture + ground truth for a window →
 * analysis.json (pre- and post-training metrics) → constraint_violations.json
 * against a baseline analysis → CloudWatch EMF lines.
 */
import type { MonitoringDimensions } from "../emf";
import { biasRowsFromCapture, type BiasCaptureOptions } from "./capture";
import { checkBiasDrift, type BiasDriftOptions, type BiasDriftResult } from "./drift";
import { biasMetricsEmf } from "./emf";
import { computeBiasReport, type BiasConfig, type BiasReport } from "./report";
import type { MergeReport } from "../modelquality/merge";

export interface ModelBiasMonitorInput extends BiasCaptureOptions {
    captureSource: string | string[];
    groundTruthSource: string | string[];
    /** Facets, label and metric choices. labelColumn/label/predictedColumn default to the joined columns ("label" = 1, "score" > probabilityThreshold). */
    config: Omit<BiasConfig, "labelColumn" | "label" | "predictedColumn"> & Partial<Pick<BiasConfig, "labelColumn" | "label" | "predictedColumn">>;
    /** Baseline analysis (e.g. from computeBiasReport on the training/validation set). */
    baseline?: BiasReport;
    drift?: BiasDriftOptions;
    dimensions?: MonitoringDimensions;
    timestamp?: Date | number;
}

export interface ModelBiasMonitorResult {
    analysis: BiasReport;
    skippedRows: Record<string, number>;
    rowsUsed: number;
    mergeReport: MergeReport;
    widthMismatch: number;
    violations?: BiasDriftResult;
    emf?: { lines: string[]; skipped: string[] };
}

export async function runModelBiasMonitor(input: ModelBiasMonitorInput): Promise<ModelBiasMonitorResult> {
    const { rows, report: mergeReport, widthMismatch } = await biasRowsFromCapture(input.captureSource, input.groundTruthSource, input);
    if (!rows.length) {
        throw new Error(
            `runModelBiasMonitor: no captured request could be joined with ground truth (${mergeReport.captures} captures, ${mergeReport.groundTruthRecords} ground-truth records, ${widthMismatch} rows with the wrong number of features); see mergeReport skip counts.`,
        );
    }
    const config: BiasConfig = {
        labelColumn: input.labelColumn ?? "label",
        label: { values: [1] },
        predictedColumn: input.scoreColumn ?? "score",
        probabilityThreshold: input.config.probabilityThreshold ?? 0.5,
        ...input.config,
    } as BiasConfig;
    const { report, skippedRows, rowsUsed } = computeBiasReport(rows, config);
    const out: ModelBiasMonitorResult = { analysis: report, skippedRows, rowsUsed, mergeReport, widthMismatch };
    if (input.baseline) out.violations = checkBiasDrift(input.baseline, report, input.drift);
    if (input.dimensions) out.emf = biasMetricsEmf(input.dimensions, report, { timestamp: input.timestamp });
    return out;
}
