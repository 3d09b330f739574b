/**
 * prepare (--target aws) — upload the raw Adult files to the raw bucket (SSE-KMS, data key), then a SageMaker
 * processing job (SKLearn container, processing role, stack VPC, network isolation) runs
 * lib/aws/scripts/prepare_adult.py with the same schema and rules as the local step and writes the cleaned, split CSVs
 * and the data-quality report to `s3://<curated>/prepared/` (encrypted with the data key).
 * Options: --rows N (slice each file), --seed S, --instance-type T (default ml.m5.large), --timeout-minutes M (30).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ADULT_SCHEMA } from "../../../lib/data/schema";
import { jobName, s3Join } from "../../../lib/aws/common";

import { buildPrepareProcessingJob, PREPARE_SCRIPT, runProcessingJob } from "../../../lib/aws/processing";
import { getObjectText, putObject } from "../../../lib/aws/s3";
import { awsClients, awsStep, waitOptions } from "../../framework/aws-step";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { PREPARE } from "./step";
import { preparedUri } from "../../../contracts/s3-layout";

const SOURCES = ["adult.data", "adult.test"];
const SCRIPT = path.join(__dirname, "..", "..", "..", "lib", "aws", "scripts", PREPARE_SCRIPT);

/** The file's header plus its first `rows` non-blank data lines (all of it when rows is undefined). */
export function sliceRaw(buf: Buffer, rows: number | undefined): { body: Buffer; rows: number } {
    const lines = buf.toString("utf8").split("\n");
    const data = lines.slice(1).filter((l) => l.trim());
    if (rows === undefined) return { body: buf, rows: data.length };
    const kept = data.slice(0, rows);
    return { body: Buffer.from([lines[0], ...kept].join("\n") + "\n"), rows: kept.length };
}

const step: StepDef<"prepare"> = {
    ...PREPARE,
    description: "land raw data in S3, clean/validate/de-duplicate/split in a SageMaker processing job",
    inputFiles: () => ["data/adult", "lib/aws/scripts", "lib/data/schema.ts"],
    inputValues: (ctx) => ({ rows: ctx.options.rows ?? null, seed: ctx.options.seed ?? 42, instanceType: ctx.options["instance-type"] ?? null }),
    async run(ctx) {
        const out = ctx.outputs();
        const rows = ctx.options.rows !== undefined ? Number(ctx.options.rows) : undefined;
        if (rows !== undefined && (!Number.isInteger(rows) || rows < 100)) throw new StepError(`--rows ${ctx.options.rows}: expected an integer >= 100`);
        const seed = Number(ctx.options.seed ?? 42);
        if (!Number.isInteger(seed)) throw new StepError(`--seed ${ctx.options.seed}: expected an integer`);
        const wait = waitOptions(ctx, 30);
        const { sm, s3 } = awsClients(out);
        return awsStep("prepare", async () => {
            const rawPrefix = s3Join(out.buckets.raw.uri, "adult/");
            for (const f of SOURCES) {
                const src = path.join(ctx.projectDir, "data", "adult", f);
                if (!fs.existsSync(src))
                    throw new StepError(
                        `${src} is missing: the Adult files ship with the repository (data/adult); restore them with git checkout -- data/adult`,
                    );
                const { body, rows: n } = sliceRaw(fs.readFileSync(src), rows);
                await putObject(s3, out, `${rawPrefix}${f}`, body, { kmsKeyArn: out.kmsKeyArns.data, contentType: "text/csv" });
                ctx.log(`landed ${f}: ${n} rows -> ${rawPrefix}${f}`);
            }
            // The script and the schema it applies, in a content-addressed folder (a job always sees its own code).
            const script = fs.readFileSync(SCRIPT);
            const schema = JSON.stringify(ADULT_SCHEMA, null, 2) + "\n";
            const hash = crypto.createHash("sha256").update(script).update(schema).digest("hex").slice(0, 12);
            const codeUri = s3Join(out.buckets.artifacts.uri, "code/", `prepare-${hash}/`);
            await putObject(s3, out, `${codeUri}${PREPARE_SCRIPT}`, script, { kmsKeyArn: out.kmsKeyArns.artifacts, contentType: "text/x-python" });
            await putObject(s3, out, `${codeUri}schema.json`, schema, { kmsKeyArn: out.kmsKeyArns.artifacts, contentType: "application/json" });

            const name = jobName(out, "prepare");
            const req = buildPrepareProcessingJob(out, {
                name,
                codeUri,
                rawUri: rawPrefix,
                outputUri: preparedUri(out),
                seed,
                instanceType: typeof ctx.options["instance-type"] === "string" ? ctx.options["instance-type"] : undefined,
                imageUri: typeof ctx.options.image === "string" ? ctx.options.image : undefined,
            });
            const desc = await runProcessingJob(sm, req, wait);
            const report = JSON.parse(await getObjectText(s3, preparedUri(out, "data-quality-report.json"))) as {
                splits: Record<"train" | "validation" | "test", { rows: number; positiveRate: number }>;
                inputs: Record<string, { rowsKept: number; rowsDropped: number; dropped: Record<string, number> }>;
            };
            for (const [k, q] of Object.entries(report.inputs)) {
                const reasons = Object.entries(q.dropped)
                    .filter(([, n]) => n > 0)
                    .map(([r, n]) => `${r} ${n}`)
                    .join(", ");
                ctx.log(`${k}: kept ${q.rowsKept}, dropped ${q.rowsDropped}${reasons ? ` (${reasons})` : ""}`);
            }
            const split = { train: report.splits.train.rows, validation: report.splits.validation.rows, test: report.splits.test.rows };
            return {
                summary: `train ${split.train}, validation ${split.validation}, test ${split.test} rows (processing job ${name}) -> ${preparedUri(out)}`,
                results: { rows: split, seed, sliced: rows ?? null, processingJob: name, processingJobArn: desc.ProcessingJobArn ?? null },
                artifacts: {
                    prepared: preparedUri(out),
                    train: preparedUri(out, "train.csv"),
                    validation: preparedUri(out, "validation.csv"),
                    test: preparedUri(out, "test.csv"),
                    qualityReport: preparedUri(out, "data-quality-report.json"),
                },
            };
        });
    },
};

export default step;
