/**
 * monitor (--target aws) — the monitor step on the stack's real endpoint: the replay loop of ./replay.ts with the AWS
 * adapters. DescribeEndpoint first (InService; its variants name the capture folders); requests are InvokeEndpoint
 * calls (text/csv, one InferenceId per row, bounded concurrency, throttling retried); the capture is awaited in S3
 * (ListObjectsV2 of <captureUri><endpoint>/<variant>/yyyy/mm/dd/hh/ every --poll-seconds until the replay's ids are
 * there, all of them at 100 % sampling, half below; --timeout-minutes, default 15); every file is written under
 * `<workdir>/aws/monitor/monitoring/` and uploaded to the same key of the monitoring bucket with SSE-KMS.
 * Decision: a replay's window is its set of inference ids, not a time range (AWS stamps inferenceTime with its own
 * clock). Cost: 2 x test-set InvokeEndpoint calls (the endpoint runs anyway) and a few S3 requests.
 */
import * as fs from "fs";
import * as path from "path";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { baselinePrefix, groundTruthPrefix, hourPartition, MONITORING_CONTENT_TYPES, preparedUri, transformUri } from "../../../contracts/s3-layout";
import { StackOutputs } from "../../../contracts/stack-outputs";
import { kmsKeyForUri, s3Join } from "../../../lib/aws/common";

import { describeEndpoint } from "../../../lib/aws/hosting";
import { Clock, withThrottlingRetry } from "../../../lib/aws/retry";
import { getObjectBuffer, getObjectText, listObjects, putObject } from "../../../lib/aws/s3";
import { loadPreparedSplit } from "../../../lib/data";
import { Transform, type TransformJSON } from "../../../lib/features";
import { parseServiceJson, writeFileAtomic, type CaptureRecord } from "../../../lib/monitoring";
import { profileCaptureSharded } from "../../../lib/monitoring/shard";
import { type ModelQualityConstraints } from "../../../lib/monitoring/modelquality";
import { shiftAdultRows } from "../../../lib/monitoring/shift";
import { awsClients, awsStep, waitOptions } from "../../framework/aws-step";
import { featureLine } from "../../framework/datasets";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { replayAndMonitor, type MonitorReplayResult, type ReplayTarget, type Row } from "./replay";
import { MONITOR, monitorInputFiles, monitorInputValues, monitorStepResult, positiveInt, seedOption } from "./step";

const HOUR = 3_600_000;

/** The endpoint's request lines: the raw records of `rows` (the transform's input columns), as on the local target. */
export function endpointLines(t: Transform, rows: readonly Row[]): string[] {
    return rows.map((r) => featureLine(r, t.state.inputColumns));
}

export interface InvokeAllOptions {
    endpointName: string;
    lines: readonly string[];
    ids: readonly string[];
    concurrency: number;
    clock?: Clock;
}

/** InvokeEndpoint for every line (text/csv, its InferenceId), `concurrency` at a time; throttling retried. Returns the scores. */
export async function invokeAll(runtime: SageMakerRuntimeClient, o: InvokeAllOptions): Promise<number[]> {
    const scores = new Array<number>(o.lines.length);
    let next = 0;
    const one = async (i: number) => {
        const ans = await withThrottlingRetry(
            `InvokeEndpoint ${o.endpointName} (inference id ${o.ids[i]})`,
            () =>
                runtime.send(
                    new InvokeEndpointCommand({
                        EndpointName: o.endpointName,
                        ContentType: "text/csv",
                        Accept: "text/csv",
                        Body: Buffer.from(o.lines[i]),
                        InferenceId: o.ids[i],
                    }),
                ),
            { clock: o.clock },
        );
        const text = Buffer.from(ans.Body ?? new Uint8Array())
            .toString("utf8")
            .trim();
        const s = Number(text);
        if (text === "" || !(s >= 0 && s <= 1)) {
            throw new StepError(
                `endpoint ${o.endpointName} answered request ${o.ids[i]} with '${text.slice(0, 200)}' instead of a probability; see CloudWatch log group /aws/sagemaker/Endpoints/${o.endpointName} and re-run the deploy step`,
            );
        }
        scores[i] = s;
    };
    const worker = async () => {
        while (next < o.lines.length) await one(next++);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, o.lines.length)) }, worker));
    return scores;
}

export interface CaptureWaitOptions {
    /** `s3://<capture bucket>/<prefix>/` (the stack's endpoint.captureUri). */
    captureUri: string;
    endpointName: string;
    variants: readonly string[];
    /** Start of the replay: the first hour partition listed. */
    from: Date;
    /** Inference ids of the replay. */
    ids: readonly string[];
    samplingPercentage: number;
    clock: Clock;
    pollMs: number;
    timeoutMs: number;
    log?: (line: string) => void;
}

export interface CaptureWaitResult {
    /** Capture lines (JSON) whose inferenceId is one of the replay's ids. */
    lines: string[];
    capturedIds: number;
    files: string[];
    polls: number;
}

/** Number of the replay's rows the wait needs: all at 100 % sampling, else half the expected count (at least 1). */
export function captureTarget(n: number, samplingPercentage: number): number {
    if (samplingPercentage >= 100) return n;
    return Math.max(1, Math.floor((n * samplingPercentage) / 100 / 2));
}

/**
 * Polls the capture folders of every variant, hour partitions from `from` to now, downloading each new capture file
 * once and keeping the records of the replay's inference ids, until enough are there (see captureTarget; below 100 %
 * sampling also one poll without a new file) or the timeout passes (StepError naming the prefixes and the fixes).
 */
export async function waitForCapture(s3: S3Client, o: CaptureWaitOptions): Promise<CaptureWaitResult> {
    const wanted = new Set(o.ids);
    const found = new Set<string>();
    const seen = new Set<string>();
    const lines: string[] = [];
    const files: string[] = [];
    const target = captureTarget(o.ids.length, o.samplingPercentage);
    const start = o.clock.now();
    const base = s3Join(o.captureUri, `${o.endpointName}/`);
    let polls = 0;
    for (;;) {
        polls++;
        let newFiles = 0;
        const firstHour = Math.floor(o.from.getTime() / HOUR) * HOUR;
        const lastHour = Math.floor(o.clock.now() / HOUR) * HOUR;
        for (const v of o.variants) {
            for (let h = firstHour; h <= lastHour; h += HOUR) {
                const prefix = s3Join(base, `${v}/`, hourPartition(new Date(h)) + "/");
                for (const uri of (await listObjects(s3, prefix)).sort()) {
                    if (seen.has(uri) || !uri.endsWith(".jsonl")) continue;
                    seen.add(uri);
                    newFiles++;
                    let kept = 0;
                    for (const text of (await getObjectText(s3, uri)).split("\n")) {
                        if (!text.trim()) continue;
                        let rec: CaptureRecord;
                        try {
                            rec = JSON.parse(text) as CaptureRecord;
                        } catch {
                            continue; // another writer's line; the engine's readers count malformed lines of the replay's own records
                        }
                        const id = rec?.eventMetadata?.inferenceId;
                        if (id && wanted.has(id) && !found.has(id)) {
                            found.add(id);
                            lines.push(text);
                            kept++;
                        }
                    }
                    if (kept) files.push(uri);
                }
            }
        }
        const enough = found.size >= target && (o.samplingPercentage >= 100 || newFiles === 0);
        if (enough) {
            o.log?.(`capture: ${found.size}/${o.ids.length} inference ids in ${files.length} file(s) after ${polls} poll(s)`);
            return { lines, capturedIds: found.size, files, polls };
        }
        const waited = o.clock.now() - start;
        if (waited >= o.timeoutMs) {
            throw new StepError(
                `capture of endpoint ${o.endpointName}: ${found.size} of ${o.ids.length} replayed inference ids (${target} needed at ${o.samplingPercentage}% sampling) appeared under ${base}{${o.variants.join(",")}}/yyyy/mm/dd/hh/ within ${Math.round(o.timeoutMs / 60_000)} min; ` +
                    `check that the endpoint config has data capture enabled (DescribeEndpoint DataCaptureConfig, re-run the deploy step) and that the capture bucket is writable by SageMaker, or wait longer (--timeout-minutes)`,
            );
        }
        if (polls === 1 || polls % 5 === 0)
            o.log?.(`capture: ${found.size}/${o.ids.length} inference ids so far; polling ${base} every ${Math.round(o.pollMs / 1000)} s`);
        await o.clock.sleep(Math.min(o.pollMs, Math.max(1, o.timeoutMs - waited)));
    }
}

export interface AwsMonitorInput {
    out: StackOutputs;
    sm: SageMakerClient;
    s3: S3Client;
    runtime: SageMakerRuntimeClient;
    /** Local working folder (downloads, the local mirror of the uploaded reports). */
    workdir: string;
    metricsFile: string;
    reportFile: string;
    replayRows?: number;
    concurrency: number;
    seed: number;
    clock: Clock;
    pollMs: number;
    timeoutMs: number;
    /** Unique stamp of this execution (inference ids, file names). Default: the clock's epoch ms. */
    stamp?: string;
    log: (line: string) => void;
}

export interface AwsMonitorResult extends MonitorReplayResult {
    endpointName: string;
    baselineUris: { statistics: string; constraints: string };
    groundTruthUris: string[];
    reportUris: string[];
}

/**
 * The AWS target's adapters: InvokeEndpoint with bounded concurrency, the capture awaited in S3 and selected by the
 * replay's inference ids (AWS stamps inferenceTime with its own clock), every written file uploaded to the same key of
 * the monitoring bucket with SSE-KMS; files are written first under `mirror` (a local copy).
 */
export function awsReplayTarget(
    o: AwsMonitorInput & { stamp: string; columns: readonly string[] },
    ep: NonNullable<StackOutputs["endpoint"]>,
    variants: readonly string[],
    mirror: string,
): ReplayTarget {
    const { out, s3, log } = o;
    const mon = out.buckets.monitoring.uri;
    const uriOf = (file: string) => s3Join(mon, path.relative(mirror, file).split(path.sep).join("/"));
    return {
        monitoringRoot: mirror,
        locationOf: (dir) => uriOf(dir) + "/",
        async store(files) {
            const uris: string[] = [];
            for (const file of files) {
                const uri = uriOf(file);
                await putObject(s3, out, uri, fs.readFileSync(file), {
                    kmsKeyArn: kmsKeyForUri(out, uri),
                    contentType: MONITORING_CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
                });
                uris.push(uri);
            }
            return uris;
        },
        async invoke(replay, lines, ids) {
            const from = new Date(o.clock.now());
            await invokeAll(o.runtime, { endpointName: ep.name, lines, ids, concurrency: o.concurrency, clock: o.clock });
            const to = new Date(Math.max(o.clock.now(), from.getTime() + 1000));
            log(`replay ${replay}: ${lines.length} InvokeEndpoint requests to ${ep.name}, [${from.toISOString()}, ${to.toISOString()})`);
            return { from, to };
        },
        async capture({ replay, ids, from, groundTruthFile, stats }) {
            const cap = await waitForCapture(s3, {
                captureUri: ep.captureUri,
                endpointName: ep.name,
                variants,
                from,
                ids,
                samplingPercentage: ep.samplingPercentage,
                clock: o.clock,
                pollMs: o.pollMs,
                timeoutMs: o.timeoutMs,
                log,
            });
            const capFile = path.join(o.workdir, "capture", `${replay}-${o.stamp}.jsonl`);
            await writeFileAtomic(capFile, cap.lines.join("\n") + "\n");
            return {
                // the same sharded engine as the local form and the monitor Lambdas (partial profiles, merged)
                current: (await profileCaptureSharded(capFile, { stats, profiler: { columnNames: [...o.columns] } })).profiler,
                // the replay's capture joined with its ground truth: the ids are the window
                modelQuality: { captureSource: capFile, groundTruthSource: groundTruthFile },
                noRows: (st) =>
                    `replay ${replay}: the ${cap.lines.length} captured record(s) of ${cap.files.join(", ")} decoded to no row (${JSON.stringify(st.toJSON())}); is the capture's input text/csv?`,
            };
        },
    };
}

/** The step's work (the step adds the option parsing and the assertion). */
export async function runAwsMonitor(o: AwsMonitorInput): Promise<AwsMonitorResult> {
    const { out, s3, log } = o;
    if (!out.endpoint)
        throw new StepError(
            `stack '${out.stack}' has no endpoint (stack output endpoint is null; mlplatform:endpoint.enabled is false): enable it in Pulumi.${out.stack}.yaml, re-run --from provision and deploy, then monitor`,
        );
    const ep = out.endpoint.name;
    const d = await describeEndpoint(o.sm, ep, { clock: o.clock });
    if (!d)
        throw new StepError(`endpoint ${ep} does not exist in ${out.region}: run the deploy step first (./build_ml_environment.sh --target aws --only deploy)`);
    if (d.EndpointStatus !== "InService") {
        throw new StepError(
            `endpoint ${ep} is ${d.EndpointStatus ?? "in an unknown state"}, not InService${d.FailureReason ? ` (${d.FailureReason})` : ""}: ` +
                (d.EndpointStatus === "Failed" || d.EndpointStatus === "OutOfService"
                    ? "re-run the deploy step (--target aws --only deploy --force)"
                    : "wait until it is InService (aws sagemaker wait endpoint-in-service) and re-run the monitor step"),
        );
    }
    const variants = [...(d.ProductionVariants ?? []).map((v) => v.VariantName), ...(d.ShadowProductionVariants ?? []).map((v) => v.VariantName)].filter(
        (v): v is string => !!v,
    );
    if (!variants.length) variants.push(...out.endpoint.variantNames, ...(out.endpoint.shadowVariantName ? [out.endpoint.shadowVariantName] : []));
    const stamp = o.stamp ?? String(o.clock.now());
    const mon = out.buckets.monitoring.uri;
    const mirror = path.join(o.workdir, "monitoring");
    fs.mkdirSync(mirror, { recursive: true });

    // inputs: model-quality baseline (evaluate), the transform (features), the prepared splits (prepare)
    const mqUri = s3Join(mon, "model-quality/", "baseline/", "constraints.json");
    const mqConstraints = parseServiceJson<ModelQualityConstraints>(
        await getObjectText(s3, mqUri).catch((e: Error) => {
            throw new StepError(
                `model-quality baseline ${mqUri}: ${e.message} (run the evaluate step: ./build_ml_environment.sh --target aws --only evaluate)`,
            );
        }),
    );
    let transform: Transform;
    try {
        transform = Transform.fromJSON(JSON.parse(await getObjectText(s3, transformUri(out))) as TransformJSON);
    } catch (e) {
        throw new StepError(`feature transform ${transformUri(out)}: ${(e as Error).message} (re-run the features step: --target aws --only features)`);
    }
    const featureNames = transform.state.inputColumns;
    const preparedDir = path.join(o.workdir, "prepared");
    fs.mkdirSync(preparedDir, { recursive: true });
    for (const split of ["train", "test"]) {
        fs.writeFileSync(path.join(preparedDir, `${split}.csv`), await getObjectBuffer(s3, preparedUri(out, `${split}.csv`)));
        fs.rmSync(path.join(preparedDir, `${split}.parquet`), { force: true });
    }
    const train = (await loadPreparedSplit(preparedDir, "train")) as unknown as Row[];
    const test = ((await loadPreparedSplit(preparedDir, "test")) as unknown as Row[]).slice(0, o.replayRows);
    if (!test.length) throw new StepError(`${preparedUri(out, "test.csv")} has no rows: re-run the prepare step`);

    const res = await replayAndMonitor(awsReplayTarget({ ...o, stamp, columns: featureNames }, out.endpoint, variants, mirror), {
        endpointName: ep,
        baselineRows: train,
        columns: featureNames,
        labelColumn: "label",
        replays: [
            { name: "asis", rows: test },
            { name: "shifted", rows: shiftAdultRows(test, { seed: o.seed }) },
        ],
        modelQualityConstraints: mqConstraints,
        metricsFile: o.metricsFile,
        reportFile: o.reportFile,
        title: `Model monitoring — ${ep} (AWS)`,
        stamp,
        log,
    });
    const [statistics, constraints] = res.stored.baseline;
    return { ...res, endpointName: ep, baselineUris: { statistics, constraints }, groundTruthUris: res.stored.groundTruth, reportUris: res.stored.reports };
}

const step: StepDef<"monitor"> = {
    ...MONITOR,
    description:
        "data-quality baseline to S3, replay the test set (as is + shifted) through InvokeEndpoint, wait for capture, data/model-quality monitors, drift assertion",
    inputFiles: () => monitorInputFiles("aws"),
    inputValues: monitorInputValues,
    async run(ctx) {
        const out = ctx.outputs();
        if (!out.endpoint)
            throw new StepError(
                `stack '${ctx.stack}' has no endpoint (stack output endpoint is null; mlplatform:endpoint.enabled is false): nothing to monitor — enable it in Pulumi.${ctx.stack}.yaml and re-run --from provision`,
            );
        const seed = seedOption(ctx);
        const replayRows = positiveInt(ctx.options["replay-rows"], "replay-rows", undefined);
        const concurrency = positiveInt(ctx.options.concurrency, "concurrency", 8)!;
        const wait = waitOptions(ctx, 15);
        const { sm, s3, runtime } = awsClients(out);
        return awsStep("monitor", async () => {
            const res = await runAwsMonitor({
                out,
                sm,
                s3,
                runtime,
                workdir: ctx.file("aws/monitor"),
                metricsFile: ctx.file("monitoring/metrics.jsonl"),
                reportFile: ctx.file("reports/monitoring.html"),
                replayRows,
                concurrency,
                seed,
                clock: wait.clock!,
                pollMs: wait.pollMs!,
                timeoutMs: wait.timeoutMs,
                log: (l) => ctx.log(l),
            });
            const ep = res.endpointName;
            const reports = s3Join(out.buckets.monitoring.uri, "reports/", `${ep}/`);
            return monitorStepResult(ctx, ep, res, reports, `reports ${reports}`, {
                baseline: s3Join(out.buckets.monitoring.uri, `${baselinePrefix(ep)}/`),
                reports,
                groundTruth: s3Join(out.buckets.monitoring.uri, `${groundTruthPrefix(ep)}/`),
                html: ctx.rel(res.reportFile),
                metrics: ctx.rel(ctx.file("monitoring/metrics.jsonl")),
            });
        });
    },
};

export default step;
