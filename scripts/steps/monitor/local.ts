/**
 * monitor — Model Monitor on the local endpoint: the replay loop of ./replay.ts with the local adapters. Requests go
 * over loopback HTTP to the running endpoint (deploy), each replay in a window aligned to whole seconds (capture
 * times have second precision); the capture is read from the local capture tree by that window (profiled in worker
 * threads); files stay where they are written, in the local monitoring bucket (`<workdir>/s3/<monitoring bucket>/`:
 * baselines/, ground-truth/, reports/), plus `<workdir>/reports/monitoring.html` and `<workdir>/monitoring/metrics.jsonl`.
 * The model-quality baseline is the evaluate step's `model-quality/baseline/constraints.json`.
 * Options: --replay-rows N (first N test rows per replay; default all), --concurrency N (default 8), --seed S (shift seed).
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { loadPreparedSplit } from "../../../lib/data";
import { loadTransform } from "../../../lib/features";
import { readServiceJson } from "../../../lib/monitoring";
import { type ModelQualityConstraints } from "../../../lib/monitoring/modelquality";
import { profileCaptureSharded } from "../../../lib/monitoring/shard";
import { shiftAdultRows, type AdultShiftOptions } from "../../../lib/monitoring/shift";
import { isAlive, ping, readState, endpointDir } from "../../../lib/serving/process";
import { parseS3Uri } from "../../framework/local-s3";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { replayAndMonitor, type MonitorReplayResult, type ReplaySpec, type ReplayTarget, type Row } from "./replay";
import { MONITOR, monitorInputFiles, monitorInputValues, monitorStepResult, positiveInt, seedOption } from "./step";
import { preparedUri, transformUri } from "../../../contracts/s3-layout";

export interface MonitorReplayInput {
    /** URL of the running endpoint (loopback). */
    url: string;
    endpointName: string;
    /** Local folder of the endpoint's capture tree: `<capture bucket>/<prefix>/<endpoint>/`. */
    captureRoot: string;
    /** Local folder playing the monitoring bucket. */
    monitoringRoot: string;
    /** Baseline rows (training data), keyed by column name. */
    baselineRows: readonly Row[];
    /** Input columns the endpoint takes, in order (Adult: 14 features, no label). */
    columns: readonly string[];
    /** Column with the 0/1 ground truth in the replay rows. */
    labelColumn: string;
    replays: ReplaySpec[];
    modelQualityConstraints?: ModelQualityConstraints;
    /** Concurrent requests (default 8). */
    concurrency?: number;
    /** EMF output file (lines appended). */
    metricsFile: string;
    /** HTML report file. */
    reportFile: string;
    /** Paragraphs for the report's "What this report shows". */
    about?: string[];
    /** Unique stamp of this execution (inference ids, file names). Default: epoch ms. */
    stamp?: string;
    log?: (line: string) => void;
}

/** POST every line to /invocations with its inference id; resolves once all answered 200 with a probability. */
export async function replayLines(url: string, lines: readonly string[], ids: readonly string[], concurrency = 8): Promise<number[]> {
    const u = new URL(url);
    if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) throw new StepError(`endpoint url ${url} is not a loopback address`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const scores = new Array<number>(lines.length);
    let next = 0;
    const one = (i: number) =>
        new Promise<void>((resolve, reject) => {
            const body = lines[i];
            const req = http.request(
                {
                    host: u.hostname.replace(/^\[|\]$/g, ""),
                    port: Number(u.port),
                    path: "/invocations",
                    method: "POST",
                    agent,
                    timeout: 30_000,
                    headers: {
                        "Content-Type": "text/csv",
                        Accept: "text/csv",
                        "Content-Length": Buffer.byteLength(body),
                        "X-Amzn-SageMaker-Inference-Id": ids[i],
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        const s = Number(text.trim());
                        if (res.statusCode !== 200 || !(s >= 0 && s <= 1))
                            reject(new Error(`request ${ids[i]} answered ${res.statusCode}: ${text.slice(0, 200)}`));
                        else {
                            scores[i] = s;
                            resolve();
                        }
                    });
                    res.on("error", reject);
                },
            );
            req.on("timeout", () => req.destroy(new Error(`request ${ids[i]}: no answer within 30 s`)));
            req.on("error", reject);
            req.end(body);
        });
    const worker = async () => {
        while (next < lines.length) await one(next++);
    };
    try {
        await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, lines.length)) }, worker));
    } finally {
        agent.destroy();
    }
    return scores;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until the wall clock reads `ms` or later. A timer can fire up to a millisecond before its delay by Date.now()
 * (timers run on a monotonic clock, rounded), and a request sent then would be captured in the previous second, outside
 * the window.
 */
async function sleepUntil(ms: number): Promise<void> {
    for (let now = Date.now(); now < ms; now = Date.now()) await sleep(ms - now);
}

/**
 * The local target's adapters: requests over loopback HTTP in windows aligned to whole seconds, the capture read from
 * the local capture tree by time window, files left where they were written (the local monitoring bucket).
 */
export function localReplayTarget(
    o: Pick<MonitorReplayInput, "url" | "endpointName" | "captureRoot" | "monitoringRoot" | "columns" | "concurrency" | "log">,
): ReplayTarget {
    const log = o.log ?? (() => undefined);
    return {
        monitoringRoot: o.monitoringRoot,
        locationOf: (dir) => dir,
        store: async (files) => files,
        async invoke(replay, lines, ids) {
            // capture inference times have second precision: start on a fresh second so windows never overlap
            const startMs = Math.floor(Date.now() / 1000) * 1000 + 1000;
            await sleepUntil(startMs);
            const from = new Date(startMs);
            const t0 = Date.now();
            await replayLines(o.url, lines, ids, o.concurrency ?? 8);
            const to = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000);
            log(
                `replay ${replay}: ${lines.length} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s, window [${from.toISOString()}, ${to.toISOString()})`,
            );
            await sleepUntil(to.getTime());
            return { from, to };
        },
        async capture({ replay, from, to, stats }) {
            return {
                // sharded over threads by the window's bytes (autoWorkers), partial profiles merged
                current: (await profileCaptureSharded(o.captureRoot, { from, to, keepUntimed: false, stats, profiler: { columnNames: [...o.columns] } }))
                    .profiler,
                modelQuality: { captureSource: o.captureRoot, groundTruthSource: path.join(o.monitoringRoot, "ground-truth", o.endpointName), from, to },
                noRows: () =>
                    `replay ${replay}: no captured row in [${from.toISOString()}, ${to.toISOString()}) under ${o.captureRoot}; is data capture enabled on the endpoint?`,
            };
        },
    };
}

/**
 * The core of the step on the local target: baseline, replays through the endpoint, ground truth, data-quality +
 * model-quality monitors per replay window, report and EMF lines. Reusable outside the pipeline (tests run it against
 * an in-process endpoint).
 */
export async function runMonitorReplay(o: MonitorReplayInput): Promise<MonitorReplayResult> {
    return replayAndMonitor(localReplayTarget(o), {
        endpointName: o.endpointName,
        baselineRows: o.baselineRows,
        columns: o.columns,
        labelColumn: o.labelColumn,
        replays: o.replays,
        modelQualityConstraints: o.modelQualityConstraints,
        metricsFile: o.metricsFile,
        reportFile: o.reportFile,
        title: `Model monitoring — ${o.endpointName}`,
        about: o.about,
        stamp: o.stamp ?? String(Date.now()),
        log: o.log ?? (() => undefined),
    });
}

const step: StepDef<"monitor"> = {
    ...MONITOR,
    description: "data-quality baseline, replay the test set (as is + shifted) through the endpoint, data/model-quality monitors, drift assertion, report",
    inputFiles: () => monitorInputFiles("local"),
    inputValues: monitorInputValues,
    async run(ctx) {
        const out = ctx.outputs();
        if (!out.endpoint) throw new StepError(`stack '${ctx.stack}' has no endpoint (mlplatform:endpoint.enabled is false): nothing to monitor`);
        const ep = out.endpoint.name;
        const st = readState(path.join(endpointDir(ctx.workdir), `${ep}.json`));
        if (!st || !isAlive(st.pid) || (await ping(st.host, st.port)) !== 200) {
            throw new StepError(
                `endpoint ${ep} is not running (no live process answering /ping under ${ctx.rel(endpointDir(ctx.workdir))}): run the deploy step first (./build_ml_environment.sh --only deploy)`,
            );
        }
        const url = st.url ?? `http://${st.host}:${st.port}`;
        const cap = parseS3Uri(out.endpoint.captureUri);
        const captureRoot = path.join(ctx.s3.pathOf(`s3://${cap.bucket}/`), ...cap.key.split("/").filter(Boolean), ep);
        const monitoringRoot = ctx.s3.pathOf(out.buckets.monitoring.uri);
        const mqFile = ctx.s3.pathOf(`${out.buckets.monitoring.uri}model-quality/baseline/constraints.json`);
        if (!fs.existsSync(mqFile))
            throw new StepError(
                `model-quality baseline ${out.buckets.monitoring.uri}model-quality/baseline/constraints.json is missing: run the evaluate step first (./build_ml_environment.sh --only evaluate)`,
            );
        const mqConstraints = await readServiceJson<ModelQualityConstraints>(mqFile);

        const transform = loadTransform(ctx.s3.pathOf(transformUri(out)));
        const columns = transform.state.inputColumns;
        const prepared = ctx.s3.pathOf(preparedUri(out));
        const train = (await loadPreparedSplit(prepared, "train")) as unknown as Row[];
        const n = positiveInt(ctx.options["replay-rows"], "replay-rows", undefined);
        const test = ((await loadPreparedSplit(prepared, "test")) as unknown as Row[]).slice(0, n);
        const seed = seedOption(ctx);
        const shift: AdultShiftOptions = { seed };
        ctx.log(
            `endpoint ${ep} at ${url}; replaying ${test.length} test rows twice (as is, shifted: age +10..15 y, hours x1.25, 30% of Private -> self-employed; seed ${seed})`,
        );

        const res = await runMonitorReplay({
            url,
            endpointName: ep,
            captureRoot,
            monitoringRoot,
            baselineRows: train,
            columns,
            labelColumn: "label",
            replays: [
                { name: "asis", rows: test },
                { name: "shifted", rows: shiftAdultRows(test, shift), demo: true },
            ],
            about: [
                `The monitor step sent the ${test.length} rows of the test set (adult.test, never used for training) through the endpoint twice, with data capture on, and ran the data-quality monitor (against a baseline suggested from the ${train.length} training rows) and the model-quality monitor (captured predictions joined with the rows' true labels) over each replay's capture window.`,
                "Replay 'asis' sends the rows unchanged: it stands for real traffic, and its violations are real findings about the data.",
                `Replay 'shifted' is a deliberate drift demonstration: the same rows with age raised by 10 to 15 years, hours per week multiplied by 1.25 and 30% of the Private workclass moved to self-employment (seed ${seed}). Its drift violations are expected; the step fails if the monitor does not flag age and hours_per_week there, or flags them on the unshifted replay.`,
                "The files under monitoring/reports/ keep SageMaker Model Monitor's semantics (e.g. a completeness_check violation for any completeness below the baseline's); this page adds whether such a difference is beyond sampling noise.",
            ],
            modelQualityConstraints: mqConstraints,
            concurrency: positiveInt(ctx.options.concurrency, "concurrency", 8),
            metricsFile: ctx.file("monitoring/metrics.jsonl"),
            reportFile: ctx.file("reports/monitoring.html"),
            log: (l) => ctx.log(l),
        });
        return monitorStepResult(ctx, ep, res, ctx.rel(path.join(monitoringRoot, "reports", ep)), `report ${ctx.rel(res.reportFile)}`, {
            baseline: ctx.rel(res.baselineDir),
            reports: ctx.rel(path.join(monitoringRoot, "reports", ep)),
            groundTruth: ctx.rel(path.join(monitoringRoot, "ground-truth", ep)),
            html: ctx.rel(res.reportFile),
            metrics: ctx.rel(ctx.file("monitoring/metrics.jsonl")),
        });
    },
};

export default step;
