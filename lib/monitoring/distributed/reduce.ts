/**
 * The distributed monitor's reduce Lambda (issue 14): reads the partial files of one run
 * (`partials/.../<run>/batches/*.json`, in batch order), merges them (lambda/run.ts `ProfileAccumulator`, the engine's
 * exact merge) and hands the merged profile to `publishReport` — the single Lambda's code path — which writes Model
 * Monitor's files, the EMF metrics and the summary. Batches the plan listed but no worker wrote (failed after their
 * retries, within the Map's tolerated failure percentage) are counted in the summary and the FailedBatches metric.
 * Once the report is written the run's manifest and partial files are deleted (MONITOR_KEEP_PARTIALS=true keeps them);
 * a run that fails keeps them for inspection. Its role reads the baseline and the partials, deletes the partials and
 * writes the reports; it cannot read capture.
 */
import * as fs from "fs";
import { DeleteObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import {
    bodyToString,
    listAll,
    newWorkDir,
    ProfileAccumulator,
    publishReport,
    readBaseline,
    type HandlerDeps,
    type MonitorSummary,
    type S3Like,
} from "../lambda/run";
import { ENV } from "../lambda/metrics";
import { BATCH_PARTIAL_FORMAT, DISTRIBUTED_ENV, type BatchPartialFile, type PlanResult } from "./types";

const WHO = "distributed monitor (reduce)";

function checkPlan(plan: PlanResult): void {
    const ok =
        plan &&
        typeof plan === "object" &&
        plan.run &&
        typeof plan.run.runPrefix === "string" &&
        typeof plan.run.monitoringBucket === "string" &&
        Number.isInteger(plan.plannedBatches) &&
        plan.plannedBatches >= 0 &&
        plan.run.window &&
        !Number.isNaN(Date.parse(plan.run.window.end));
    if (!ok)
        throw new Error(
            `${WHO}: invalid event: "plan" must be the plan step's result ({run, manifest, plannedBatches, ...}); got ${JSON.stringify(plan)?.slice(0, 200)}.`,
        );
}

export async function reduceRun(s3: S3Like, plan: PlanResult, deps: HandlerDeps = {}): Promise<MonitorSummary> {
    checkPlan(plan);
    const env = deps.env ?? process.env;
    const write = deps.write ?? ((line: string) => void process.stdout.write(line + "\n"));
    const run = plan.run;
    const { constraints, statistics } = await readBaseline(s3, run);
    const prefix = `${run.runPrefix}/batches/`;
    const keys = (await listAll(s3, run.monitoringBucket, prefix)).keys
        .map((k) => k.key)
        .filter((k) => /\/b\d{6,}\.json$/.test(k))
        .sort();
    const acc = new ProfileAccumulator();
    for (const key of keys) {
        const out = await s3.send(new GetObjectCommand({ Bucket: run.monitoringBucket, Key: key }));
        const where = `s3://${run.monitoringBucket}/${key}`;
        let file: BatchPartialFile;
        try {
            file = JSON.parse(await bodyToString(out.Body));
        } catch (e) {
            throw new Error(`${WHO}: ${where} is not JSON (${(e as Error).message}); it is written only by the worker: rerun the hour.`);
        }
        if (file?.format !== BATCH_PARTIAL_FORMAT || file.version !== 1 || file.runPrefix !== run.runPrefix) {
            throw new Error(`${WHO}: ${where} is not a version-1 ${BATCH_PARTIAL_FORMAT} file of run ${run.runPrefix}; rerun the hour.`);
        }
        acc.add(file, where);
    }
    const work = await newWorkDir(deps.tmpDir, "distributed-reduce");
    let summary: MonitorSummary;
    try {
        summary = await publishReport(s3, {
            ev: run,
            window: { start: new Date(run.window.start), end: new Date(run.window.end) },
            baseline: { constraints: constraints!, statistics: statistics! },
            profile: acc,
            skipped: {},
            listed: { objects: plan.objects, variants: plan.variants, endpointPrefix: plan.endpointPrefix },
            batches: { planned: plan.plannedBatches, profiled: keys.length, failed: Math.max(0, plan.plannedBatches - keys.length) },
            reportsKmsKeyId: env[ENV.reportsKmsKeyId] || undefined,
            work,
            write,
        });
    } finally {
        await fs.promises.rm(work, { recursive: true, force: true });
    }
    if (env[DISTRIBUTED_ENV.keepPartials] !== "true") {
        const failed: string[] = [];
        for (const key of [...keys, plan.manifest?.key].filter((k): k is string => typeof k === "string" && k.startsWith(`${run.runPrefix}/`))) {
            try {
                await s3.send(new DeleteObjectCommand({ Bucket: run.monitoringBucket, Key: key }));
            } catch (e) {
                failed.push(`${key}: ${(e as Error).message}`);
            }
        }
        // the report is written: a leftover partial is only clutter, reported, not a failed run
        if (failed.length)
            write(
                JSON.stringify({
                    level: "WARN",
                    message: `${WHO}: ${failed.length} partial file(s) of s3://${run.monitoringBucket}/${run.runPrefix}/ were not deleted`,
                    failed: failed.slice(0, 10),
                }),
            );
    }
    return summary;
}
