/**
 * Model-bias monitoring input: join captured requests (features + model
 * output) with ground truth and turn them into the row records that
 * computeBiasReport takes.
 */
import type { CellValue } from "../capture";
import { mergeCaptureWithGroundTruthFolders, type FolderMergeOptions, type MergeReport } from "../modelquality/merge";
import type { Scalar } from "./report";

export interface BiasCaptureOptions extends Omit<FolderMergeOptions, "keepInput"> {
    /**
     * Names of the input columns, in order, for CSV captures (which carry no
     * header). JSON object inputs use their own flattened key names.
     */
    featureNames?: string[];
    /** Name given to the model score column. Default "score". */
    scoreColumn?: string;
    /** Name given to the 0/1 ground-truth column. Default "label". */
    labelColumn?: string;
    /** Name given to the 0/1 predicted-label column (with inferenceAttribute). Default "predicted_label". */
    predictedLabelColumn?: string;
}

/**
 * Rows ready for computeBiasReport, e.g. with
 * `{labelColumn: 'label', label: {values: [1]}, predictedColumn: 'score', probabilityThreshold: 0.5, facets: [...]}`.
 * Rows whose input width differs from featureNames are counted and left out.
 */
export async function biasRowsFromCapture(
    captureSource: string | string[],
    groundTruthSource: string | string[],
    opts: BiasCaptureOptions = {},
): Promise<{ rows: Record<string, Scalar>[]; report: MergeReport; widthMismatch: number }> {
    const scoreCol = opts.scoreColumn ?? "score";
    const labelCol = opts.labelColumn ?? "label";
    const predCol = opts.predictedLabelColumn ?? "predicted_label";
    const { rows: merged, report } = await mergeCaptureWithGroundTruthFolders(captureSource, groundTruthSource, { ...opts, keepInput: true });
    const rows: Record<string, Scalar>[] = [];
    let widthMismatch = 0;
    for (const m of merged) {
        const names = m.inputNames ?? opts.featureNames;
        const values = m.input ?? [];
        if (!names) {
            throw new Error(
                `biasRowsFromCapture: capture input for ${m.key} has no column names (CSV); pass featureNames (${values.length} columns) in the order the model receives them.`,
            );
        }
        if (names.length !== values.length) {
            widthMismatch++;
            continue;
        }
        const r: Record<string, Scalar> = {};
        names.forEach((n, i) => (r[n] = values[i] as CellValue));
        for (const c of [scoreCol, labelCol, predCol]) {
            if (c in r)
                throw new Error(
                    `biasRowsFromCapture: input column "${c}" collides with an output column name; set scoreColumn/labelColumn/predictedLabelColumn to another name.`,
                );
        }
        r[scoreCol] = m.score;
        r[labelCol] = m.label;
        if (m.predictedLabel !== undefined) r[predCol] = m.predictedLabel;
        rows.push(r);
    }
    return { rows, report, widthMismatch };
}
