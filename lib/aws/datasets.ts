/**
 * The AWS target's dataset helpers the steps share: the model-input and raw-record CSV encodings, downloads of the
 * prepared splits, reading a transform job's output and scoring a model on the test split. The keys and URIs these
 * use are the S3 layout of contracts/s3-layout.ts (one definition for both targets).
 */
import * as fs from "fs";
import * as path from "path";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { batchInputUri, evaluationTransformPrefix, preparedUri, statisticsUri } from "../../contracts/s3-layout";
import { StackOutputs } from "../../contracts/stack-outputs";
import { evaluateBinaryClassification, ModelQualityStatistics } from "../monitoring/modelquality";
import { csvField } from "../data/io";
import { featureCsvLine, Transform } from "../features";
import { jobName, kmsKeyForUri } from "./common";
import { buildModel, createModel, deleteModel } from "./hosting";
import { frameworkImageUri } from "./images";
import { getObjectBuffer, getObjectText, listObjects, putObject } from "./s3";
import { buildTransformJob, parseScoredCsv, runTransformJob, ScoredRecords } from "./transform";
import { WaitOptions } from "./waiter";

export const SPLITS = ["train", "validation", "test"] as const;
export type Split = (typeof SPLITS)[number];

/** Downloads the prepared split CSVs (and the data-quality report) into `dir`, where lib/data's loadPreparedSplit reads them. */
export async function downloadPrepared(s3: S3Client, out: StackOutputs, dir: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of [...SPLITS.map((s) => `${s}.csv`), "data-quality-report.json"]) {
        fs.writeFileSync(path.join(dir, f), await getObjectBuffer(s3, preparedUri(out, f)));
    }
}

/** The built-in XGBoost CSV: label, then the transformed features (NaN written empty = missing), no header. */
export function modelInputCsv(
    t: Transform,
    rows: readonly Record<string, string | number | null>[],
    o: { withRecordId?: boolean; labelName?: string } = {},
): string {
    const labelName = o.labelName ?? "label";
    const m = t.apply(rows);
    const lines: string[] = new Array(m.nRows);
    for (let r = 0; r < m.nRows; r++) {
        const y = rows[r][labelName];
        if (y !== 0 && y !== 1)
            throw new Error(`row ${r} (${String(rows[r].record_id ?? "?")}): label is ${JSON.stringify(y)}, expected 0 or 1; re-run the prepare step`);
        const head = o.withRecordId ? `${String(rows[r].record_id)},${String(y)}` : String(y);
        lines[r] = `${head},${featureCsvLine(m.values, r * m.nCols, m.nCols)}`;
    }
    return lines.join("\n") + "\n";
}

/**
 * Raw records as a client sends them to the endpoint (the transform's input columns in order, missing values empty,
 * lib/data csvField quoting), optionally after record_id and label (the raw batch input).
 */
export function rawInputCsv(
    t: Transform,
    rows: readonly Record<string, string | number | null>[],
    o: { withRecordId?: boolean; labelName?: string } = {},
): string {
    const labelName = o.labelName ?? "label";
    const cols = t.state.inputColumns;
    return (
        rows
            .map((r, i) => {
                const rec = cols.map((c) => csvField(r[c] ?? null)).join(",");
                if (!o.withRecordId) return rec;
                const y = r[labelName];
                if (y !== 0 && y !== 1)
                    throw new Error(`row ${i} (${String(r.record_id ?? "?")}): label is ${JSON.stringify(y)}, expected 0 or 1; re-run the prepare step`);
                return `${String(r.record_id)},${String(y)},${rec}`;
            })
            .join("\n") + "\n"
    );
}

/** Reads every `.out` file of a transform job's output prefix as "record_id,label,score" lines. */
export async function readTransformOutput(s3: S3Client, outputPrefix: string): Promise<ScoredRecords & { files: string[] }> {
    const files = (await listObjects(s3, outputPrefix)).filter((u) => u.endsWith(".out"));
    if (files.length === 0) throw new Error(`no transform output (*.out) under ${outputPrefix}; run the transform job (batch-infer step) first`);
    const rec: ScoredRecords = { ids: [], labels: [], scores: [] };
    for (const f of files) parseScoredCsv(await getObjectText(s3, f), f, rec);
    return { ...rec, files };
}

/** Model-quality statistics (Model Monitor format) of scores against labels, written to S3 with the artifacts key. */
export async function writeStatistics(
    s3: S3Client,
    out: StackOutputs,
    uri: string,
    labels: number[],
    scores: number[],
): Promise<{ statistics: ModelQualityStatistics; auc: number }> {
    const ev = evaluateBinaryClassification({ scores, labels });
    await putObject(s3, out, uri, JSON.stringify(ev.statistics, null, 2) + "\n", { kmsKeyArn: kmsKeyForUri(out, uri), contentType: "application/json" });
    return { statistics: ev.statistics, auc: ev.values.auc };
}

export interface TestScore {
    auc: number;
    rows: number;
    statisticsUri: string;
    transformJob: string;
}

/**
 * Scores the test split with a model artifact the way it will be served: a temporary model (built-in XGBoost image,
 * job security group), a batch transform of batch-transform/input/test.csv (id and label dropped, joined back), then
 * the statistics.
 * SageMaker's built-in XGBoost reports metrics only for its train/validation channels, so this is how train and tune
 * obtain a test AUC. The temporary model is deleted afterwards.
 */
export async function scoreTestSet(
    sm: SageMakerClient,
    s3: S3Client,
    out: StackOutputs,
    o: { modelDataUrl: string; key: string; instanceType?: string; wait: WaitOptions; now?: Date },
): Promise<TestScore> {
    const now = o.now ?? new Date();
    const modelName = jobName(out, "eval-model", now);
    const transformJob = jobName(out, "eval", now);
    await createModel(
        sm,
        buildModel(out, { name: modelName, network: "job", source: { imageUri: frameworkImageUri("xgboost", out.region), modelDataUrl: o.modelDataUrl } }),
        o.wait,
    );
    try {
        // Predictions are data: they go to the curated bucket under the data key (the stack's pipeline-role policy requires
        // OutputKmsKeyArn = data key for transform jobs); only the statistics go to the artifacts bucket.
        const outputUri = evaluationTransformPrefix(out, o.key);
        await runTransformJob(
            sm,
            buildTransformJob(out, { name: transformJob, modelName, inputUri: batchInputUri(out), outputUri, instanceType: o.instanceType }),
            o.wait,
        );
        const { labels, scores } = await readTransformOutput(s3, outputUri);
        const uri = statisticsUri(out, o.key);
        const { auc } = await writeStatistics(s3, out, uri, labels, scores);
        return { auc, rows: labels.length, statisticsUri: uri, transformJob };
    } finally {
        await deleteModel(sm, modelName, o.wait).catch((e) => o.wait.log?.(`could not delete temporary model ${modelName}: ${(e as Error).message}`));
    }
}
