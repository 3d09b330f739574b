/**
 * monitor (--target aws) — Model Monitor on the stack's real endpoint, with the platform's engine (lib/monitoring):
 *
 *   1. DescribeEndpoint: the endpoint must exist and be InService (its variants name the capture folders);
 *   2. data-quality baseline of the prepared train split (s3://<curated>/prepared/train.csv), profiled as the endpoint
 *      receives it — the raw records (the business view: the transform's input columns, s3://<artifacts>/features/
 *      transform.json), the same baseline records as the local step (baselineRecords) — uploaded to s3://<monitoring>/baselines/<endpoint>/{statistics,constraints}.json
 *      (SSE-KMS, the monitoring bucket's key): exactly what the serverless monitor Lambda reads;
 *   3. two replays of the test split through InvokeEndpoint (as is, then with lib/monitoring/shift's covariate shift,
 *      applied to the raw rows), raw records as text/csv (the local step's featureLine), one InferenceId per row, bounded concurrency, throttling
 *      retried with backoff;
 *   4. ground truth per replay: s3://<monitoring>/ground-truth/<endpoint>/yyyy/mm/dd/hh/<replay>-<stamp>.jsonl
 *      (groundTruthData CSV, eventMetadata.eventId = inference id, eventVersion "0"; SSE-KMS);
 *   5. the wait for the replay's capture: ListObjectsV2 of <captureUri><endpoint>/<variant>/yyyy/mm/dd/hh/ every poll
 *      (--poll-seconds, default 30) until the replay's inference ids are captured (all of them at 100 % sampling; at
 *      p % sampling at least half the expected count and no new file in the last poll), or --timeout-minutes
 *      (default 15) passes. The window of a replay is its set of inference ids (AWS stamps inferenceTime with its own
 *      clock, so ids, not times, separate the replays);
 *   6. data-quality `analyze` and the model-quality monitor over each replay's capture (the local step's engine), the
 *      reports uploaded to s3://<monitoring>/reports/<endpoint>/{data,model}-quality-<replay>/yyyy/mm/dd/hh/ (SSE-KMS),
 *      a local copy under `<workdir>/aws/monitoring/`, EMF lines in `<workdir>/monitoring/metrics.jsonl` and the HTML
 *      report `<workdir>/reports/monitoring.html`;
 *   7. the local step's assertion: baseline_drift_check flagged on age and hours_per_week for the shifted replay only.
 *
 * Options as the local step (--replay-rows N, --concurrency N, --seed S) plus --timeout-minutes / --poll-seconds for
 * the capture wait. Cost: 2 x test-set InvokeEndpoint calls (the endpoint runs anyway) and a few S3 requests.
 */
import * as fs from "fs";
import * as path from "path";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { StackOutputs } from "../../../contracts/stack-outputs";
import { kmsKeyForUri, s3Join } from "../../../lib/aws/common";
import { baselinePrefix } from "../../../contracts/s3-layout";
import { preparedUri, transformUri } from "../../../lib/aws/datasets";
import { describeEndpoint } from "../../../lib/aws/hosting";
import { Clock, withThrottlingRetry } from "../../../lib/aws/retry";
import { getObjectBuffer, getObjectText, listObjects, putObject } from "../../../lib/aws/s3";
import { awsClients, awsStep, waitOptions } from "../../framework/aws-step";
import { loadPreparedSplit } from "../../../lib/data";
import { Transform, type TransformJSON } from "../../../lib/features";
import { analyze, CaptureReadStats, formatServiceJson, parseServiceJson, readCaptureRows, reportPrefix, suggestBaseline, writeFileAtomic, type CaptureRecord } from "../../../lib/monitoring";
import { runModelQualityMonitor, type ModelQualityConstraints } from "../../../lib/monitoring/modelquality";
import { collectMonitoringReports, writeMonitoringReport } from "../../../lib/monitoring/report";
import { DEFAULT_ADULT_SHIFT, shiftAdultRows } from "../../../lib/monitoring/shift";
import { StepDefinition, StepError } from "../../framework/step";
import { baselineRecords, featureLine, monitorStepResult, type MonitorReplayResult, type ReplayOutcome } from "./local";

type Row = Record<string, string | number | null>;

const pad = (n: number) => String(n).padStart(2, "0");
const hourPath = (t: Date) => [String(t.getUTCFullYear()), pad(t.getUTCMonth() + 1), pad(t.getUTCDate()), pad(t.getUTCHours())];
const HOUR = 3_600_000;
const fmt = (v: unknown) => (typeof v === "number" ? v.toFixed(4) : String(v));

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
            () => runtime.send(new InvokeEndpointCommand({ EndpointName: o.endpointName, ContentType: "text/csv", Accept: "text/csv", Body: Buffer.from(o.lines[i]), InferenceId: o.ids[i] })),
            { clock: o.clock },
        );
        const text = Buffer.from(ans.Body ?? new Uint8Array()).toString("utf8").trim();
        const s = Number(text);
        if (text === "" || !(s >= 0 && s <= 1)) {
            throw new StepError(`endpoint ${o.endpointName} answered request ${o.ids[i]} with '${text.slice(0, 200)}' instead of a probability; see CloudWatch log group /aws/sagemaker/Endpoints/${o.endpointName} and re-run the deploy step`);
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
                const prefix = s3Join(base, `${v}/`, hourPath(new Date(h)).join("/") + "/");
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
        if (polls === 1 || polls % 5 === 0) o.log?.(`capture: ${found.size}/${o.ids.length} inference ids so far; polling ${base} every ${Math.round(o.pollMs / 1000)} s`);
        await o.clock.sleep(Math.min(o.pollMs, Math.max(1, o.timeoutMs - waited)));
    }
}

function positiveInt(v: unknown, name: string, dflt: number | undefined): number | undefined {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new StepError(`--${name} ${String(v)}: expected an integer >= 1`);
    return n;
}

const CONTENT_TYPES: Record<string, string> = { ".json": "application/json", ".csv": "text/csv", ".jsonl": "application/jsonl" };

/** Uploads every file of a local report folder to the same relative key under the monitoring bucket (SSE-KMS). */
async function uploadDir(s3: S3Client, out: StackOutputs, localRoot: string, dir: string): Promise<string[]> {
    const uris: string[] = [];
    for (const f of fs.readdirSync(dir).sort()) {
        const file = path.join(dir, f);
        if (!fs.statSync(file).isFile()) continue;
        const key = path.relative(localRoot, file).split(path.sep).join("/");
        const uri = s3Join(out.buckets.monitoring.uri, key);
        await putObject(s3, out, uri, fs.readFileSync(file), { kmsKeyArn: kmsKeyForUri(out, uri), contentType: CONTENT_TYPES[path.extname(f)] ?? "application/octet-stream" });
        uris.push(uri);
    }
    return uris;
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

/** The step's work (the step adds the option parsing and the assertion). */
export async function runAwsMonitor(o: AwsMonitorInput): Promise<AwsMonitorResult> {
    const { out, s3, log } = o;
    if (!out.endpoint) throw new StepError(`stack '${out.stack}' has no endpoint (stack output endpoint is null; mlplatform:endpoint.enabled is false): enable it in Pulumi.${out.stack}.yaml, re-run --from provision and deploy, then monitor`);
    const ep = out.endpoint.name;
    const d = await describeEndpoint(o.sm, ep, { clock: o.clock });
    if (!d) throw new StepError(`endpoint ${ep} does not exist in ${out.region}: run the deploy step first (./build_ml_environment.sh --target aws --only deploy)`);
    if (d.EndpointStatus !== "InService") {
        throw new StepError(
            `endpoint ${ep} is ${d.EndpointStatus ?? "in an unknown state"}, not InService${d.FailureReason ? ` (${d.FailureReason})` : ""}: ` +
                (d.EndpointStatus === "Failed" || d.EndpointStatus === "OutOfService" ? "re-run the deploy step (--target aws --only deploy --force)" : "wait until it is InService (aws sagemaker wait endpoint-in-service) and re-run the monitor step"),
        );
    }
    const variants = [...(d.ProductionVariants ?? []).map((v) => v.VariantName), ...(d.ShadowProductionVariants ?? []).map((v) => v.VariantName)].filter((v): v is string => !!v);
    if (!variants.length) variants.push(...out.endpoint.variantNames, ...(out.endpoint.shadowVariantName ? [out.endpoint.shadowVariantName] : []));
    const stamp = o.stamp ?? String(o.clock.now());
    const mon = out.buckets.monitoring.uri;
    const mirror = path.join(o.workdir, "monitoring");
    fs.mkdirSync(mirror, { recursive: true });

    // inputs: model-quality baseline (evaluate), the transform (features), the prepared splits (prepare)
    const mqUri = s3Join(mon, "model-quality/", "baseline/", "constraints.json");
    const mqConstraints = parseServiceJson<ModelQualityConstraints>(await getObjectText(s3, mqUri).catch((e: Error) => {
        throw new StepError(`model-quality baseline ${mqUri}: ${e.message} (run the evaluate step: ./build_ml_environment.sh --target aws --only evaluate)`);
    }));
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

    // 1. data-quality baseline: the train split as the endpoint's input features
    const baselineDir = path.join(mirror, "baselines", ep);
    const base = await suggestBaseline(baselineRecords(train, featureNames), { outputDir: baselineDir });
    const baselineUris = { statistics: s3Join(mon, `${baselinePrefix(ep)}/`, "statistics.json"), constraints: s3Join(mon, `${baselinePrefix(ep)}/`, "constraints.json") };
    for (const [k, uri] of Object.entries(baselineUris)) {
        await putObject(s3, out, uri, fs.readFileSync(path.join(baselineDir, `${k}.json`)), { kmsKeyArn: kmsKeyForUri(out, uri), contentType: "application/json" });
    }
    log(`baseline: ${base.statistics.dataset.item_count} training rows, ${base.statistics.features.length} raw input features -> ${s3Join(mon, `${baselinePrefix(ep)}/`)}`);

    const replays = [
        { name: "asis", rows: test },
        { name: "shifted", rows: shiftAdultRows(test, { seed: o.seed }) },
    ];
    const outcomes: ReplayOutcome[] = [];
    const groundTruthUris: string[] = [];
    const reportUris: string[] = [];
    let emfLines = 0;
    fs.mkdirSync(path.dirname(o.metricsFile), { recursive: true });
    for (const replay of replays) {
        const lines = endpointLines(transform, replay.rows);
        const ids = replay.rows.map((_, i) => `${ep}-${replay.name}-${stamp}-${i}`);
        const from = new Date(o.clock.now());
        await invokeAll(o.runtime, { endpointName: ep, lines, ids, concurrency: o.concurrency, clock: o.clock });
        const to = new Date(Math.max(o.clock.now(), from.getTime() + 1000));
        log(`replay ${replay.name}: ${lines.length} InvokeEndpoint requests to ${ep}, [${from.toISOString()}, ${to.toISOString()})`);

        // ground truth, keyed by the inference id
        const gt = replay.rows.map((r, i) => {
            const y = Number(r.label);
            if (y !== 0 && y !== 1) throw new StepError(`replay ${replay.name} row ${i}: label is ${JSON.stringify(r.label)}, expected 0 or 1; re-run the prepare step`);
            return JSON.stringify({ groundTruthData: { data: String(y), encoding: "CSV" }, eventMetadata: { eventId: ids[i] }, eventVersion: "0" });
        });
        const gtRel = ["ground-truth", ep, ...hourPath(from), `${replay.name}-${stamp}.jsonl`];
        const gtFile = path.join(mirror, ...gtRel);
        await writeFileAtomic(gtFile, gt.join("\n") + "\n");
        const gtUri = s3Join(mon, gtRel.join("/"));
        await putObject(s3, out, gtUri, fs.readFileSync(gtFile), { kmsKeyArn: kmsKeyForUri(out, gtUri), contentType: "application/jsonl" });
        groundTruthUris.push(gtUri);

        // the replay's capture
        const cap = await waitForCapture(s3, { captureUri: out.endpoint.captureUri, endpointName: ep, variants, from, ids, samplingPercentage: out.endpoint.samplingPercentage, clock: o.clock, pollMs: o.pollMs, timeoutMs: o.timeoutMs, log });
        const capFile = path.join(o.workdir, "capture", `${replay.name}-${stamp}.jsonl`);
        await writeFileAtomic(capFile, cap.lines.join("\n") + "\n");

        // data-quality monitor
        const stats = new CaptureReadStats();
        const dqSchedule = `data-quality-${replay.name}`;
        const dq = await analyze({
            baselineStatistics: base.statistics,
            baselineConstraints: base.constraints,
            current: readCaptureRows(capFile, { stats }),
            profiler: { columnNames: [...featureNames] },
            outputRoot: mirror,
            endpoint: ep,
            schedule: dqSchedule,
            time: from,
        });
        if (dq.emfLines.length) fs.appendFileSync(o.metricsFile, dq.emfLines.join("\n") + "\n");
        emfLines += dq.emfLines.length;
        const capturedRows = dq.statistics.dataset.item_count;
        if (capturedRows === 0) throw new StepError(`replay ${replay.name}: the ${cap.lines.length} captured record(s) of ${cap.files.join(", ")} decoded to no row (${JSON.stringify(stats.toJSON())}); is the capture's input text/csv?`);
        const drift: Record<string, number | undefined> = {};
        const linf: Record<string, number | undefined> = {};
        for (const f of dq.drift) {
            drift[f.feature_name] = f.baseline_drift;
            linf[f.feature_name] = f.numeric?.linf ?? f.categorical?.linf;
        }
        reportUris.push(...(await uploadDir(s3, out, mirror, dq.reportDir!)));
        log(`data quality ${replay.name}: ${capturedRows} captured rows, ${dq.violations.violations.length} violation(s): ${dq.violations.violations.map((v) => `${v.feature_name}/${v.constraint_check_type}`).join(", ") || "none"}`);

        // model-quality monitor: the replay's capture joined with its ground truth (the ids are the window)
        const mqSchedule = `model-quality-${replay.name}`;
        const mq = await runModelQualityMonitor({ captureSource: capFile, groundTruthSource: gtFile, constraints: mqConstraints, dimensions: { endpoint: ep, schedule: mqSchedule }, evaluationTime: from });
        const mqDir = path.join(mirror, ...reportPrefix(ep, mqSchedule, from).split("/"));
        await writeFileAtomic(path.join(mqDir, "statistics.json"), formatServiceJson(mq.statistics));
        await writeFileAtomic(path.join(mqDir, "constraint_violations.json"), formatServiceJson({ violations: mq.violations?.violations ?? [] }));
        await writeFileAtomic(path.join(mqDir, "merge_report.json"), JSON.stringify(mq.mergeReport, null, 2));
        if (mq.emf?.lines.length) {
            await writeFileAtomic(path.join(mqDir, "cloudwatch_metrics.jsonl"), mq.emf.lines.join("\n") + "\n");
            fs.appendFileSync(o.metricsFile, mq.emf.lines.join("\n") + "\n");
            emfLines += mq.emf.lines.length;
        }
        reportUris.push(...(await uploadDir(s3, out, mirror, mqDir)));
        const m = mq.statistics.binary_classification_metrics as unknown as Record<string, { value: number | string }>;
        const metrics: Record<string, number | string> = {};
        for (const k of ["auc", "accuracy", "f1", "precision", "recall"]) metrics[k] = m[k]?.value;
        log(`model quality ${replay.name}: ${mq.statistics.dataset.item_count} joined rows, auc ${fmt(metrics.auc)}, ${mq.violations?.violations.length ?? 0} violation(s)`);
        outcomes.push({
            name: replay.name,
            sent: lines.length,
            window: { from: from.toISOString(), to: to.toISOString() },
            capturedRows,
            dataQuality: { schedule: dqSchedule, reportDir: dq.reportDir!, violations: dq.violations.violations, drift, linf },
            modelQuality: { schedule: mqSchedule, reportDir: mqDir, joinedRows: mq.statistics.dataset.item_count, metrics, violations: mq.violations?.violations ?? [] },
        });
    }

    const input = await collectMonitoringReports(path.join(mirror, "reports", ep), { baselineStatistics: base.statistics, title: `Model monitoring — ${ep} (AWS)` });
    const rep = await writeMonitoringReport(input, o.reportFile);
    log(`report: ${rep.charts} charts over ${input.dataQuality.length + input.modelQuality.length} run(s) -> ${o.reportFile}`);
    return {
        endpointName: ep,
        baselineDir,
        baselineRows: base.statistics.dataset.item_count,
        replays: outcomes,
        reportFile: o.reportFile,
        reportCharts: rep.charts,
        emfLines,
        baselineUris,
        groundTruthUris,
        reportUris,
    };
}

const step: StepDefinition = {
    name: "monitor",
    description: "data-quality baseline to S3, replay the test set (as is + shifted) through InvokeEndpoint, wait for capture, data/model-quality monitors, drift assertion",
    dependsOn: ["deploy", "evaluate"],
    inputFiles: () => ["lib/monitoring", "scripts/steps/monitor/local.ts", "scripts/steps/monitor/aws.ts"],
    inputValues: (ctx) => ({
        rows: ctx.options["replay-rows"] ?? null,
        concurrency: ctx.options.concurrency ?? 8,
        seed: ctx.options.seed ?? DEFAULT_ADULT_SHIFT.seed,
        deployedAt: ctx.manifest.steps.deploy?.finishedAt ?? null,
    }),
    async run(ctx) {
        const out = ctx.outputs();
        if (!out.endpoint) throw new StepError(`stack '${ctx.stack}' has no endpoint (stack output endpoint is null; mlplatform:endpoint.enabled is false): nothing to monitor — enable it in Pulumi.${ctx.stack}.yaml and re-run --from provision`);
        const seed = ctx.options.seed === undefined ? DEFAULT_ADULT_SHIFT.seed : Number(ctx.options.seed);
        if (!Number.isInteger(seed)) throw new StepError(`--seed ${String(ctx.options.seed)}: expected an integer`);
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
                groundTruth: s3Join(out.buckets.monitoring.uri, "ground-truth/", `${ep}/`),
                html: ctx.rel(res.reportFile),
                metrics: ctx.rel(ctx.file("monitoring/metrics.jsonl")),
            });
        });
    },
};

export default step;
