/**
 * The AWS forms of prepare and features against mocked S3, SageMaker and the Feature Store runtime, and the processing
 * script itself (run with the local python3 on a slice: byte-identical splits to lib/data's prepare).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateProcessingJobCommand, DescribeProcessingJobCommand } from "@aws-sdk/client-sagemaker";
import { PutRecordCommand } from "@aws-sdk/client-sagemaker-featurestore-runtime";
import { prepare } from "../../lib/data";
import { ADULT_SCHEMA } from "../../lib/data/schema";
import { StepError } from "../../scripts/framework/step";
import { readTar } from "../../lib/training";
import { ADULT_CENSUS_SCHEMA } from "../../components/feature-schema";
import featuresStep from "../../scripts/steps/features/aws";
import prepareStep from "../../scripts/steps/prepare/aws";
import { awsError, body, useAwsMocks, useFakeWaiter } from "../helpers/aws-mocks";
import { PROJECT, TestStep, awsStepContext, devOutputs } from "./helpers";

const out = devOutputs();

function sliceFile(src: string, dest: string, rows: number): void {
    const lines = fs.readFileSync(src, "utf8").split("\n");
    fs.writeFileSync(
        dest,
        [
            lines[0],
            ...lines
                .slice(1)
                .filter((l) => l.trim())
                .slice(0, rows),
        ].join("\n") + "\n",
    );
}

describe("aws steps: prepare and features", () => {
    const { sm, s3, fsr } = useAwsMocks("sagemaker", "s3", "featurestore");
    useFakeWaiter();
    let t: TestStep | undefined;
    let tmp: string;
    before(async () => {
        // A small prepared data set in lib/data's CSV layout, served by the S3 mock as s3://<curated>/prepared/*.
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "aws-data-"));
        sliceFile(path.join(PROJECT, "data", "adult", "adult.data"), path.join(tmp, "adult.data"), 400);
        sliceFile(path.join(PROJECT, "data", "adult", "adult.test"), path.join(tmp, "adult.test"), 200);
        await prepare({
            outDir: path.join(tmp, "prepared"),
            trainFile: path.join(tmp, "adult.data"),
            testFile: path.join(tmp, "adult.test"),
            formats: ["csv"],
            log: () => undefined,
        });
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    afterEach(() => {
        t?.cleanup();
        t = undefined;
    });

    it("the processing script produces byte-identical splits to lib/data's prepare for the same seed", function () {
        const py = spawnSync("python3", ["--version"]);
        if (py.status !== 0) this.skip();
        const root = path.join(tmp, "processing");
        fs.mkdirSync(path.join(root, "input", "raw"), { recursive: true });
        fs.mkdirSync(path.join(root, "input", "code"), { recursive: true });
        fs.copyFileSync(path.join(tmp, "adult.data"), path.join(root, "input", "raw", "adult.data"));
        fs.copyFileSync(path.join(tmp, "adult.test"), path.join(root, "input", "raw", "adult.test"));
        fs.writeFileSync(path.join(root, "input", "code", "schema.json"), JSON.stringify(ADULT_SCHEMA));
        const r = spawnSync("python3", [path.join(PROJECT, "lib", "aws", "scripts", "prepare_adult.py"), "--root", root, "--seed", "42"], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        for (const split of ["train", "validation", "test"]) {
            assert.equal(
                fs.readFileSync(path.join(root, "output", `${split}.csv`), "utf8"),
                fs.readFileSync(path.join(tmp, "prepared", `${split}.csv`), "utf8"),
                `${split}.csv differs`,
            );
        }
        const rep = JSON.parse(fs.readFileSync(path.join(root, "output", "data-quality-report.json"), "utf8"));
        const ts = JSON.parse(fs.readFileSync(path.join(tmp, "prepared", "data-quality-report.json"), "utf8"));
        assert.deepEqual(rep.inputs.train.dropped, ts.inputs.train.dropped);
        assert.equal(rep.splits.train.rows, ts.splits.train.rows);
    });

    it("prepare: lands the (sliced) raw files with SSE-KMS, uploads script + schema, runs the processing job, reads the split sizes", async () => {
        s3.on(PutObjectCommand).resolves({});
        s3.on(GetObjectCommand, { Bucket: "mlp-dev-curated-88dbbe98", Key: "prepared/data-quality-report.json" }).resolves({
            Body: body(
                JSON.stringify({
                    splits: { train: { rows: 120, positiveRate: 0.2 }, validation: { rows: 30, positiveRate: 0.2 }, test: { rows: 150, positiveRate: 0.2 } },
                    inputs: { train: { rowsKept: 150, rowsDropped: 0, dropped: { duplicate: 0 } }, test: { rowsKept: 150, rowsDropped: 0, dropped: {} } },
                }),
            ),
        });
        sm.on(CreateProcessingJobCommand).resolves({});
        sm.on(DescribeProcessingJobCommand)
            .resolvesOnce({ ProcessingJobStatus: "InProgress" })
            .resolves({ ProcessingJobStatus: "Completed", ProcessingJobArn: "arn:pj" });
        t = awsStepContext({ provision: {} }, { rows: "150", seed: "7" });
        const res = await prepareStep.run(t.ctx);
        const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
        const raw = puts.filter((p) => p.Bucket === "mlp-dev-raw-88dbbe98");
        assert.deepEqual(
            raw.map((p) => p.Key),
            ["adult/adult.data", "adult/adult.test"],
        );
        for (const p of raw) {
            assert.equal(p.SSEKMSKeyId, out.kmsKeyArns.data);
            assert.equal(p.ServerSideEncryption, "aws:kms");
            assert.equal(String(p.Body).trim().split("\n").length, 151, "header + --rows data lines");
        }
        const code = puts.filter((p) => p.Bucket === "mlp-dev-artifacts-88dbbe98");
        assert.deepEqual(
            code.map((p) => p.Key!.replace(/prepare-[0-9a-f]{12}/, "prepare-H")),
            ["code/prepare-H/prepare_adult.py", "code/prepare-H/schema.json"],
        );
        assert.deepEqual(JSON.parse(String(code[1].Body)), JSON.parse(JSON.stringify(ADULT_SCHEMA)));
        const [pj] = sm.commandCalls(CreateProcessingJobCommand).map((c) => c.args[0].input);
        assert.equal(pj.ProcessingInputs![1].S3Input!.S3Uri, `s3://mlp-dev-artifacts-88dbbe98/${code[0].Key!.replace("prepare_adult.py", "")}`);
        assert.deepEqual(pj.AppSpecification!.ContainerArguments, ["--seed", "7", "--validation-fraction", "0.2"]);
        assert.equal(pj.RoleArn, out.roleArns.processing);
        assert.deepEqual(res.results, {
            rows: { train: 120, validation: 30, test: 150 },
            seed: 7,
            sliced: 150,
            processingJob: pj.ProcessingJobName,
            processingJobArn: "arn:pj",
        });
    });

    it("prepare: a failed processing job surfaces FailureReason/ExitMessage; bad --rows fails before any call", async () => {
        s3.on(PutObjectCommand).resolves({});
        sm.on(CreateProcessingJobCommand).resolves({});
        sm.on(DescribeProcessingJobCommand).resolves({ ProcessingJobStatus: "Failed", ExitMessage: "adult.data: header ['a'] is not the expected [...]" });
        t = awsStepContext({ provision: {} });
        await assert.rejects(
            prepareStep.run(t.ctx),
            (e: Error) => e instanceof StepError && /processing job mlp-dev-prepare-\d{12} ended Failed: adult\.data: header/.test(e.message),
        );
        t.cleanup();
        sm.reset();
        t = awsStepContext({ provision: {} }, { rows: "5" });
        await assert.rejects(prepareStep.run(t.ctx), /--rows 5: expected an integer >= 100/);
        assert.equal(sm.calls().length, 0);
    });

    function servePrepared() {
        for (const f of ["train.csv", "validation.csv", "test.csv", "data-quality-report.json"]) {
            s3.on(GetObjectCommand, { Bucket: "mlp-dev-curated-88dbbe98", Key: `prepared/${f}` }).resolves({
                Body: body(fs.readFileSync(path.join(tmp, "prepared", f))),
            });
        }
        s3.on(PutObjectCommand).resolves({});
    }

    it("features: transform + model inputs + batch input + raw batch input + preprocessing archive + raw sample payloads to S3 (KMS per bucket), every row via PutRecord, results contract", async () => {
        servePrepared();
        fsr.on(PutRecordCommand).resolves({});
        t = awsStepContext({ prepare: {} });
        const res = await featuresStep.run(t.ctx);
        const puts = new Map(s3.commandCalls(PutObjectCommand).map((c) => [`s3://${c.args[0].input.Bucket}/${c.args[0].input.Key}`, c.args[0].input]));
        const transform = puts.get("s3://mlp-dev-artifacts-88dbbe98/features/transform.json")!;
        assert.equal(transform.SSEKMSKeyId, out.kmsKeyArns.artifacts);
        const nFeatures = JSON.parse(String(transform.Body)).featureNames.length;
        assert.equal(res.results!.features, nFeatures);
        const train = puts.get("s3://mlp-dev-curated-88dbbe98/model-input/train/train.csv")!;
        assert.equal(train.SSEKMSKeyId, out.kmsKeyArns.data);
        const trainLines = String(train.Body).trim().split("\n");
        const preparedTrain =
            fs
                .readFileSync(path.join(tmp, "prepared", "train.csv"), "utf8")
                .trim()
                .split("\n").length - 1;
        assert.equal(trainLines.length, preparedTrain, "one line per prepared row, no header");
        for (const l of trainLines) {
            const cells = l.split(",");
            assert.equal(cells.length, 1 + nFeatures);
            assert.ok(cells[0] === "0" || cells[0] === "1", `label first: ${l.slice(0, 30)}`);
            assert.ok(
                cells.slice(1).every((c) => c === "" || Number.isFinite(Number(c))),
                "numeric features",
            );
        }
        const batch = String(puts.get("s3://mlp-dev-curated-88dbbe98/batch-transform/input/test.csv")!.Body).trim().split("\n");
        assert.match(batch[0], /^test-[0-9a-f]{16},[01],/);
        assert.equal(batch[0].split(",").length, 2 + nFeatures);
        // The endpoint contract: raw records in the raw batch input and in Inference Recommender's sample payloads, and
        // the preprocessing container's archive (script + this transform) under its content address.
        const raw = puts.get("s3://mlp-dev-curated-88dbbe98/batch-transform/raw-input/test.csv")!;
        assert.equal(raw.SSEKMSKeyId, out.kmsKeyArns.data);
        const rawLines = String(raw.Body).trim().split("\n");
        assert.equal(rawLines.length, batch.length);
        assert.equal(rawLines[0].split(",").slice(0, 2).join(","), batch[0].split(",").slice(0, 2).join(","), "same record_id and label");
        const inputColumns = JSON.parse(String(transform.Body)).inputColumns as string[];
        assert.equal(rawLines[0].split(",").length, 2 + inputColumns.length, "record_id, label, the 14 raw columns");
        assert.ok(
            rawLines.some((l) => /,(Private|Self-emp-not-inc|Local-gov),/.test(l)),
            "raw categories, not one-hot features",
        );
        const payload = puts.get("s3://mlp-dev-artifacts-88dbbe98/features/sample-payload.tar.gz")!;
        const entries = readTar(zlib.gunzipSync(payload.Body as Buffer));
        assert.equal(entries.length, 20);
        assert.equal(entries[0].data.toString().trim(), rawLines[0].split(",").slice(2).join(","), "a raw record");
        const archiveUri = String(res.results && (res as { artifacts?: Record<string, string> }).artifacts!.preprocessArchive);
        assert.match(archiveUri, /^s3:\/\/mlp-dev-artifacts-88dbbe98\/models\/preprocess-[0-9a-f]{16}\/sourcedir\.tar\.gz$/);
        const archive = puts.get(archiveUri)!;
        assert.equal(archive.SSEKMSKeyId, out.kmsKeyArns.artifacts);
        const members = readTar(zlib.gunzipSync(archive.Body as Buffer));
        assert.deepEqual(
            members.map((m) => m.name),
            ["code/preprocess.py", "transform.json"],
        );
        assert.equal(members[1].data.toString(), String(transform.Body));

        const records = fsr.commandCalls(PutRecordCommand).map((c) => c.args[0].input);
        const total = ["train", "validation", "test"].reduce(
            (s, f) =>
                s +
                fs
                    .readFileSync(path.join(tmp, "prepared", `${f}.csv`), "utf8")
                    .trim()
                    .split("\n").length -
                1,
            0,
        );
        assert.equal(records.length, total);
        assert.ok(records.every((r) => r.FeatureGroupName === "mlp-dev-adult-census"));
        const names = records[0].Record!.map((f) => f.FeatureName);
        assert.deepEqual(names.slice(0, 3), ["record_id", "event_time", "age"]);
        assert.equal(names[names.length - 1], "label");
        // Every record fits the stack's feature group definition (components/feature-schema.ts).
        const types = new Map(ADULT_CENSUS_SCHEMA.features.map((f) => [f.name, f.type]));
        for (const r of records.slice(0, 200)) {
            assert.ok(r.Record!.some((f) => f.FeatureName === ADULT_CENSUS_SCHEMA.recordIdentifierFeatureName));
            assert.ok(r.Record!.some((f) => f.FeatureName === ADULT_CENSUS_SCHEMA.eventTimeFeatureName));
            for (const f of r.Record!) {
                assert.ok(types.has(f.FeatureName!), `feature ${f.FeatureName} is not in the stack's feature group`);
                if (types.get(f.FeatureName!) === "Integral") assert.match(f.ValueAsString!, /^-?\d+$/, `${f.FeatureName}=${f.ValueAsString}`);
            }
        }
        assert.equal(res.results!.ingested, total);
        assert.equal(res.results!.featureGroup, "mlp-dev-adult-census");
        assert.equal(res.results!.failed, 0);
    });

    it("features: per-record PutRecord failures fail the step with the count and the first failures logged", async () => {
        servePrepared();
        let n = 0;
        fsr.on(PutRecordCommand).callsFake(() => {
            if (n++ % 100 === 7) throw awsError("ValidationException", "Feature label is not Integral");
            return {};
        });
        t = awsStepContext({ prepare: {} });
        await assert.rejects(
            featuresStep.run(t.ctx),
            (e: Error) => e instanceof StepError && /^\d+ of \d+ rows failed PutRecord into feature group mlp-dev-adult-census/.test(e.message),
        );
        assert.ok(t.lines.some((l) => /ingest failure at row \d+ \(.+\): ValidationException: Feature label is not Integral/.test(l)));
    });
});
