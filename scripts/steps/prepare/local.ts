/**
 * prepare — the Adult census data: land the raw files in the raw bucket, then parse, clean, validate, de-duplicate and
 * split them (train/validation stratified from adult.data; test = adult.test) into the curated bucket, with a
 * data-quality report that counts every dropped or repaired row by reason.
 * Options: --rows N  use only the first N data rows of each file (a quick slice for tests and smoke runs).
 *          --max-drop-rate P  fail when more than P % of a file's rows are dropped (default mlplatform:pipeline.maxDropRatePercent, 1).
 * Messages name the input files (data/adult/...), not their copies in the local raw bucket.
 */
import * as fs from "fs";
import * as path from "path";
import { DataPrepError, formatQualitySummary, prepare } from "../../../lib/data";
import { writeFileAtomic } from "../../../lib/data/io";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { PREPARE } from "./step";
import { preparedUri } from "../../../contracts/s3-layout";

const SOURCES = ["adult.data", "adult.test"];

function landRaw(src: string, dest: string, rows: number | undefined, name: string): number {
    const buf = fs.readFileSync(src);
    if (buf.toString("latin1").trim() === "")
        throw new StepError(`${name}: the file is empty; restore it (git checkout -- ${name}) or supply the header line followed by data rows`);
    if (rows === undefined) {
        writeFileAtomic(dest, buf);
        return (
            buf
                .toString("utf8")
                .split("\n")
                .filter((l) => l.trim()).length - 1
        );
    }
    const lines = buf.toString("utf8").split("\n");
    const kept = [
        lines[0],
        ...lines
            .slice(1)
            .filter((l) => l.trim())
            .slice(0, rows),
    ];
    writeFileAtomic(dest, kept.join("\n") + "\n");
    return kept.length - 1;
}

function maxDropRatePercent(ctx: { options: Record<string, string | boolean>; config: { pipeline: { maxDropRatePercent: number } } }): number {
    const o = ctx.options["max-drop-rate"];
    if (o === undefined) return ctx.config.pipeline.maxDropRatePercent;
    const v = Number(o);
    if (o === true || !Number.isFinite(v) || v < 0 || v > 100) throw new StepError(`--max-drop-rate ${o}: expected a percentage between 0 and 100`);
    return v;
}

const step: StepDef<"prepare"> = {
    ...PREPARE,
    description: "land raw data, clean, validate, de-duplicate, stratified split",
    inputFiles: () => ["data/adult", "lib/data"],
    inputValues: (ctx) => ({ rows: ctx.options.rows ?? null, seed: ctx.options.seed ?? 42, maxDropRate: maxDropRatePercent(ctx) }),
    async run(ctx) {
        const out = ctx.outputs();
        const rows = ctx.options.rows !== undefined ? Number(ctx.options.rows) : undefined;
        if (rows !== undefined && (!Number.isInteger(rows) || rows < 100)) throw new StepError(`--rows ${ctx.options.rows}: expected an integer >= 100`);
        const seed = Number(ctx.options.seed ?? 42);
        const maxDrop = maxDropRatePercent(ctx);
        const raw: Record<string, string> = {};
        const names: Record<string, string> = {};
        for (const f of SOURCES) {
            const src = path.join(ctx.projectDir, "data", "adult", f);
            names[f] = path.relative(process.cwd(), src) || src;
            const dest = ctx.s3.pathOf(`${out.buckets.raw.uri}adult/${f}`);
            const n = landRaw(src, dest, rows, names[f]);
            raw[f] = dest;
            ctx.log(`landed ${f}: ${n} rows -> ${out.buckets.raw.uri}adult/${f}`);
        }
        const outDir = ctx.s3.pathOf(preparedUri(out));
        let res: Awaited<ReturnType<typeof prepare>>;
        try {
            res = await prepare({
                outDir,
                trainFile: raw["adult.data"],
                testFile: raw["adult.test"],
                seed,
                log: () => undefined,
                maxDropRate: maxDrop / 100,
                displayNames: { train: names["adult.data"], test: names["adult.test"] },
            });
        } catch (e) {
            if (e instanceof DataPrepError) throw new StepError(e.message);
            throw e;
        }
        for (const line of formatQualitySummary(res.report).split("\n")) ctx.log(line);
        for (const q of [res.report.inputs.train, res.report.inputs.test]) {
            const ex = q.examples.filter((e) => e.reason !== "unknown_category").slice(0, 3);
            if (q.rowsDropped > 0)
                ctx.log(
                    `  first dropped rows of ${q.file}: ${ex.map((e) => `${e.file}:${e.line} ${e.reason}${e.column ? ` (${e.column})` : ""}`).join("; ")} (all in the data-quality report)`,
                );
        }
        const split = { train: res.train.length, validation: res.validation.length, test: res.test.length };
        return {
            summary: `train ${split.train}, validation ${split.validation}, test ${split.test} rows; report ${ctx.rel(res.reportPath)}`,
            results: { rows: split, seed, sliced: rows ?? null },
            artifacts: {
                prepared: ctx.rel(outDir),
                train: ctx.rel(path.join(outDir, "train.parquet")),
                validation: ctx.rel(path.join(outDir, "validation.parquet")),
                test: ctx.rel(path.join(outDir, "test.parquet")),
                qualityReport: ctx.rel(res.reportPath),
            },
        };
    },
};

export default step;
