/**
 * features (--target aws) — download the prepared splits, fit the feature transform on train (same code and options as
 * the local step) and upload it; write the model inputs the built-in XGBoost reads (label-first CSV, no header) and the
 * batch-transform input (record_id, label, features) to the curated bucket; the endpoint contract's inputs: the raw
 * batch input (record_id, label, raw record), the inference pipeline's preprocessing archive (script + transform,
 * lib/aws/preprocess, content-addressed) and a sample-payload archive of raw records for Inference Recommender; ingest every prepared row into the stack's feature group with PutRecord (batched, throttling retried,
 * per-record failures counted); the EDA report.
 * Options: --min-frequency N, --encoding one-hot|ordinal, --concurrency N (PutRecord in flight, default 8).
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { downloadPrepared, modelInputCsv, rawInputCsv } from "../../../lib/aws/datasets";
import { buildPreprocessArchive, preprocessArchiveUri } from "../../../lib/aws/preprocess";
import { ingestRecords } from "../../../lib/aws/featurestore";
import { putObject } from "../../../lib/aws/s3";
import { awsClients, awsStep } from "../../framework/aws-step";
import { loadPreparedSplit } from "../../../lib/data";
import { featureSpecFromSchema, fitTransform } from "../../../lib/features";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { FEATURES } from "./step";
import { writeEdaReport } from "../../../lib/reports";
import { writeTar } from "../../../lib/training";
import { batchInputUri, modelInputUri, rawBatchInputUri, samplePayloadUri, transformUri } from "../../../contracts/s3-layout";

const step: StepDef<"features"> = {
    ...FEATURES,
    description: "fit the feature transform on train, write model inputs to S3, ingest into the feature group (PutRecord), EDA report",
    inputFiles: () => [
        "lib/features",
        "lib/aws/featurestore.ts",
        "lib/aws/datasets.ts",
        "lib/aws/preprocess.ts",
        "lib/aws/scripts/preprocess.py",
        "lib/reports",
    ],
    inputValues: (ctx) => ({ minFrequency: ctx.options["min-frequency"] ?? 10, encoding: ctx.options.encoding ?? "one-hot" }),
    async run(ctx) {
        const out = ctx.outputs();
        const encoding = String(ctx.options.encoding ?? "one-hot");
        if (encoding !== "one-hot" && encoding !== "ordinal") throw new StepError(`--encoding ${encoding}: expected one-hot or ordinal`);
        const concurrency = Number(ctx.options.concurrency ?? 8);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
            throw new StepError(`--concurrency ${String(ctx.options.concurrency)}: expected an integer in [1, 64]`);
        const groupName = out.featureGroupNames[0];
        if (!groupName)
            throw new StepError(
                `stack '${ctx.stack}' outputs no feature group (featureGroupNames is empty): enable the feature store in Pulumi.${ctx.stack}.yaml and re-run --from provision`,
            );
        const { s3, featureStore } = awsClients(out);
        return awsStep("features", async () => {
            const local = path.dirname(ctx.file("aws/prepared/.keep"));
            await downloadPrepared(s3, out, local);
            const [train, validation, test] = await Promise.all([
                loadPreparedSplit(local, "train"),
                loadPreparedSplit(local, "validation"),
                loadPreparedSplit(local, "test"),
            ]);
            if (!train.length || !validation.length || !test.length)
                throw new StepError(
                    `a prepared split is empty (train ${train.length}, validation ${validation.length}, test ${test.length}): re-run --from prepare without a tiny --rows`,
                );
            const spec = featureSpecFromSchema(undefined, { encoding, minFrequency: Number(ctx.options["min-frequency"] ?? 10) });
            const transformFile = ctx.file("aws/features/transform.json");
            const transform = fitTransform(train, spec, transformFile);
            await putObject(s3, out, transformUri(out), fs.readFileSync(transformFile), {
                kmsKeyArn: out.kmsKeyArns.artifacts,
                contentType: "application/json",
            });
            ctx.log(`transform fitted on ${train.length} train rows: ${transform.nCols} model features -> ${transformUri(out)}`);

            await putObject(s3, out, modelInputUri(out, "train"), modelInputCsv(transform, train), { kmsKeyArn: out.kmsKeyArns.data, contentType: "text/csv" });
            await putObject(s3, out, modelInputUri(out, "validation"), modelInputCsv(transform, validation), {
                kmsKeyArn: out.kmsKeyArns.data,
                contentType: "text/csv",
            });
            const batch = modelInputCsv(transform, test, { withRecordId: true });
            await putObject(s3, out, batchInputUri(out), batch, { kmsKeyArn: out.kmsKeyArns.data, contentType: "text/csv" });
            ctx.log(
                `model inputs -> ${modelInputUri(out, "train")}, ${modelInputUri(out, "validation")}; batch input (record_id,label,features) -> ${batchInputUri(out)}`,
            );

            // The endpoint contract (raw records through the inference pipeline): raw batch input, the preprocessing
            // container's archive, and Inference Recommender's sample payloads as single raw-record CSV requests.
            await putObject(s3, out, rawBatchInputUri(out), rawInputCsv(transform, test, { withRecordId: true }), {
                kmsKeyArn: out.kmsKeyArns.data,
                contentType: "text/csv",
            });
            const archive = buildPreprocessArchive(fs.readFileSync(transformFile));
            const archiveUri = preprocessArchiveUri(out.buckets.artifacts.uri, archive.sha256);
            await putObject(s3, out, archiveUri, archive.tarGz, { kmsKeyArn: out.kmsKeyArns.artifacts, contentType: "application/gzip" });
            ctx.log(`raw batch input (record_id,label,raw record) -> ${rawBatchInputUri(out)}; preprocessing container archive -> ${archiveUri}`);
            const samples = rawInputCsv(transform, test.slice(0, 20))
                .split("\n")
                .filter(Boolean)
                .map((l, i) => ({ name: `sample-${String(i).padStart(2, "0")}.csv`, data: Buffer.from(l + "\n"), mtime: 0 }));
            await putObject(s3, out, samplePayloadUri(out), zlib.gzipSync(writeTar(samples)), {
                kmsKeyArn: out.kmsKeyArns.artifacts,
                contentType: "application/gzip",
            });

            const all = [...train, ...validation, ...test];
            const res = await ingestRecords(featureStore, groupName, all, { concurrency, onProgress: (d, t) => ctx.progress(d, t, "PutRecord") });
            for (const f of res.failed.slice(0, 3)) ctx.log(`ingest failure at row ${f.index} (${f.recordId}): ${f.error}`);
            if (res.failed.length > 0)
                throw new StepError(
                    `${res.failed.length} of ${all.length} rows failed PutRecord into feature group ${groupName} (first failures above); fix the cause and re-run the step (PutRecord overwrites by record_id)`,
                );
            ctx.log(
                `feature group ${groupName}: ${res.ingested} records written (${res.retries} throttled calls retried); the offline store replicates them to ${out.offlineStoreUri} within minutes`,
            );

            const edaFile = ctx.file("reports/eda.html");
            const eda = await writeEdaReport({ rows: train, outFile: edaFile, title: `EDA — Adult census (train split, stack ${ctx.stack})` });
            return {
                summary: `${transform.nCols} features; ${res.ingested} records in feature group ${groupName}; EDA ${ctx.rel(edaFile)}`,
                results: {
                    features: transform.nCols,
                    featureGroup: groupName,
                    ingested: res.ingested,
                    failed: res.failed.length,
                    throttledRetries: res.retries,
                    offlineRows: null,
                    edaCharts: eda.charts,
                },
                artifacts: {
                    transform: transformUri(out),
                    trainInput: modelInputUri(out, "train"),
                    validationInput: modelInputUri(out, "validation"),
                    batchInput: batchInputUri(out),
                    rawBatchInput: rawBatchInputUri(out),
                    preprocessArchive: archiveUri,
                    samplePayload: samplePayloadUri(out),
                    offlineStore: out.offlineStoreUri,
                    eda: ctx.rel(edaFile),
                },
            };
        });
    },
};

export default step;
