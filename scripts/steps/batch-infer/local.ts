/**
 * batch-infer — a batch transform job over the test split (the local analogue of CreateTransformJob), scored by the
 * serving engine's model code (the persisted feature transform + the XGBoost scorer, as the endpoint does) with the
 * latest approved model package (the champion).
 *
 * Input  `s3://<curated>/batch-transform/input/test.csv`: one record per line, no header:
 *        record_id, label, <the transform's 14 raw input columns>.
 * Job    SplitType Line, BatchStrategy MultiRecord (MaxPayloadInMB 6), AssembleWith Line, ContentType text/csv,
 *        DataProcessing: InputFilter `$[2:]` (the model sees the features only), JoinSource Input (the score is
 *        appended to the original record), OutputFilter `$[0,1,-1]` (record_id, label, score).
 * Output `s3://<curated>/batch-transform/output/test.csv.out` (SageMaker names a transform output `<input file>.out`),
 *        plus `transform-job.json` (DescribeTransformJob shape with our timing: records, requests, rows/s).
 * The evaluate step reads the output.
 */
import * as fs from "fs";
import * as path from "path";
import { loadPreparedSplit } from "../../../lib/data";
import { sha256File, writeFileAtomic } from "../../../lib/data/io";
import { loadTransform } from "../../../lib/features";
import { StepError } from "../../framework/step";
import { featureLine } from "../../framework/datasets";
import { approvedVersions } from "../../framework/local-target";
import { registryFor } from "../../../lib/registry";
import type { StepDef } from "../index";
import { BATCH_INFER } from "./step";
import { runBatchTransform } from "../../../lib/serving";
import { preparedUri, transformUri } from "../../../contracts/s3-layout";

export const BATCH_DATA_PROCESSING = { InputFilter: "$[2:]", JoinSource: "Input", OutputFilter: "$[0,1,-1]" } as const;

const step: StepDef<"batch-infer"> = {
    ...BATCH_INFER,
    description: "batch transform over the test set (SplitType Line, MultiRecord, joined record_id + label + score)",
    inputFiles: () => ["lib/serving/batch.ts", "lib/serving/model.ts", "lib/serving/artifact.ts"],
    inputValues: (ctx) => ({ maxPayloadInMB: ctx.options["max-payload-mb"] ?? 6, approved: approvedVersions(ctx) }),
    async run(ctx) {
        const out = ctx.outputs();
        const mb = Number(ctx.options["max-payload-mb"] ?? 6);
        if (!(mb > 0 && mb <= 100))
            throw new StepError(`--max-payload-mb ${String(ctx.options["max-payload-mb"])}: expected a number in (0, 100] (SageMaker's MaxPayloadInMB)`);
        const registry = registryFor(ctx.workdir, out.region, out.accountId);
        const group = out.modelPackageGroupName;
        const pkg = registry.latestApproved(group);
        if (!pkg)
            throw new StepError(
                `no approved model package in ${group}: approve one (npm run registry -- approve --stack ${ctx.stack} --version N --reason "...") or re-run --from train`,
            );
        const modelUri = pkg.InferenceSpecification.Containers[0].ModelDataUrl;
        const modelFile = ctx.s3.pathOf(modelUri);
        if (!fs.existsSync(modelFile))
            throw new StepError(`model package ${group}/${pkg.ModelPackageVersion}: artifact ${modelUri} is missing; re-run --from train`);
        const transformFile = ctx.s3.pathOf(transformUri(out));
        if (!fs.existsSync(transformFile)) throw new StepError(`feature transform ${transformFile} is missing: re-run --from features`);
        const transformHash = `sha256:${sha256File(transformFile)}`;
        if (pkg.Lineage?.featuresHash && pkg.Lineage.featuresHash !== transformHash) {
            throw new StepError(
                `model package ${group}/${pkg.ModelPackageVersion} was trained with feature transform ${pkg.Lineage.featuresHash} but the persisted one is ${transformHash}: re-run --from train so the approved model matches the transform`,
            );
        }
        const transform = loadTransform(transformFile);

        // The transform job's input: record_id, label, raw features — one record per line, no header.
        const prepared = ctx.s3.pathOf(preparedUri(out));
        const test = await loadPreparedSplit(prepared, "test");
        if (test.length === 0) throw new StepError(`the prepared test split in ${prepared} is empty: re-run --from prepare`);
        const inputUri = `${out.buckets.curated.uri}batch-transform/input/test.csv`;
        const outputUri = `${out.buckets.curated.uri}batch-transform/output/test.csv.out`;
        const inputFile = ctx.s3.pathOf(inputUri);
        const outputFile = ctx.s3.pathOf(outputUri);
        const lines = test.map((r) => `${String(r.record_id)},${String(r.label)},${featureLine(r, transform.state.inputColumns)}`);
        fs.mkdirSync(path.dirname(inputFile), { recursive: true });
        writeFileAtomic(inputFile, lines.join("\n") + "\n");
        fs.mkdirSync(path.dirname(outputFile), { recursive: true });

        const job = `${out.namePrefix}-transform-${new Date()
            .toISOString()
            .replace(/[-:T.Z]/g, "")
            .slice(0, 14)}`;
        ctx.log(`${job}: ${test.length} records of ${inputUri} through ${group} version ${pkg.ModelPackageVersion} (${modelUri})`);
        let rep;
        try {
            rep = await runBatchTransform({
                modelPath: modelFile,
                transformPath: transformFile,
                input: inputFile,
                output: outputFile,
                contentType: "text/csv",
                splitType: "Line",
                batchStrategy: "MultiRecord",
                maxPayloadInMB: mb,
                assembleWith: "Line",
                dataProcessing: { ...BATCH_DATA_PROCESSING },
            });
        } catch (e) {
            throw new StepError(`transform job ${job} failed: ${(e as Error).message}`);
        }
        const outLines = fs
            .readFileSync(outputFile, "utf8")
            .split("\n")
            .filter((l) => l !== "").length;
        if (outLines !== rep.records)
            throw new StepError(
                `transform job ${job}: ${outputUri} has ${outLines} lines for ${rep.records} input records; the output is incomplete, re-run with --force`,
            );

        const description = {
            TransformJobName: job,
            TransformJobStatus: "Completed",
            ModelName: `${group}-v${pkg.ModelPackageVersion}`,
            ModelPackageArn: pkg.ModelPackageArn,
            ModelDataUrl: modelUri,
            BatchStrategy: "MultiRecord",
            MaxPayloadInMB: mb,
            TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: inputUri } }, ContentType: "text/csv", SplitType: "Line" },
            TransformOutput: { S3OutputPath: outputUri.slice(0, outputUri.lastIndexOf("/") + 1), AssembleWith: "Line", Accept: "text/csv" },
            DataProcessing: BATCH_DATA_PROCESSING,
            OutputColumns: ["record_id", "label", "score"],
            Records: rep.records,
            Requests: rep.requests,
            MaxRequestBytes: rep.maxRequestBytes,
            Seconds: rep.seconds,
            RowsPerSecond: rep.rowsPerSecond,
        };
        const descUri = `${out.buckets.curated.uri}batch-transform/output/transform-job.json`;
        writeFileAtomic(ctx.s3.pathOf(descUri), JSON.stringify(description, null, 2) + "\n");
        ctx.log(
            `${rep.records} records in ${rep.requests} request(s) of <= ${mb} MiB, ${rep.seconds.toFixed(2)} s: ${Math.round(rep.rowsPerSecond)} rows/s -> ${outputUri}`,
        );
        return {
            summary: `${job}: ${rep.records} records scored by version ${pkg.ModelPackageVersion} at ${Math.round(rep.rowsPerSecond)} rows/s -> ${outputUri}`,
            results: {
                transformJob: job,
                modelPackageVersion: pkg.ModelPackageVersion,
                modelUri,
                inputUri,
                outputUri,
                records: rep.records,
                requests: rep.requests,
                seconds: rep.seconds,
                rowsPerSecond: rep.rowsPerSecond,
                outputColumns: ["record_id", "label", "score"],
            },
            artifacts: { input: ctx.rel(inputFile), output: ctx.rel(outputFile), transformJob: ctx.rel(ctx.s3.pathOf(descUri)) },
        };
    },
};

export default step;
