/**
 * Serving benchmark (local SageMaker-hosting-compatible endpoint).
 *  1. Model: lib/training hist GBT (60 rounds, depth 6) on 8,000 Adult rows with the lib/features transform,
 *     packed as model.tar.gz (xgboost-model + transform.json).
 *  2. Endpoint in a background process (startEndpoint), single-row raw-CSV requests, keep-alive load at
 *     concurrency 1 / 8 / 32 (fixed duration per step), with data capture OFF and then ON (100 % sampling).
 *     Throughput, p50/p90/p99 latency, error rate per step. The load generator runs in this process on the
 *     same cores as the server (2 vCPUs shared with other work), so numbers are a lower bound. Main numbers use
 *     the load tester's `raw` keep-alive client; the c=32 step is repeated with the `http.Agent` client for
 *     comparison (it costs the generator ~3-4x more CPU per request).
 *  3. Capture completeness: every inference id answered 200 must have a capture line; captured lines vs the
 *     server's count of 200 responses (after a graceful teardown, which flushes).
 *  4. Batch transform (in-process, MultiRecord 6 MB, JoinSource Input + OutputFilter) over all adult.data rows.
 * Run: node -r ./scripts/run-ts.cjs -e "require('./bench/serving').run().then(r => console.log(JSON.stringify(r, null, 2)))"
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { ADULT_SCHEMA, parseBuffer } from "../lib/data";
import { featureSpecFromSchema, fitTransform } from "../lib/features";
import { train } from "../lib/training/trainer";
import { writeTar } from "../lib/training/artifact";
import { readCaptureRecords, CaptureReadStats } from "../lib/monitoring/capture";
import { EndpointConfig, runBatchTransform, runStep, startEndpoint, teardown, StepResult } from "../lib/serving";

const ADULT = path.resolve(__dirname, "../data/adult/adult.data");
const STEPS = [1, 8, 32];
const STEP_MS = Number(process.env.SERVING_BENCH_STEP_MS ?? 4000);
const SLO_MS = 20;

function getJson(url: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
        http.get(url, (res) => {
            const c: Buffer[] = [];
            res.on("data", (d) => c.push(d));
            res.on("end", () => resolve(JSON.parse(Buffer.concat(c).toString())));
        }).on("error", reject);
    });
}

function summarize(s: StepResult) {
    return {
        concurrency: s.concurrency,
        requests: s.requests,
        throughputRps: Math.round(s.throughput),
        p50Ms: +s.p50Ms.toFixed(2),
        p90Ms: +s.p90Ms.toFixed(2),
        p99Ms: +s.p99Ms.toFixed(2),
        maxMs: +s.maxMs.toFixed(2),
        errorRate: s.errorRate,
    };
}

export async function run(): Promise<Record<string, unknown>> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-serving-"));
    const text = fs.readFileSync(ADULT, "utf8");
    const lines = text.split("\n");
    const rows = parseBuffer(Buffer.from(lines.slice(0, 8001).join("\n")), "adult.data", ADULT_SCHEMA, { sourceTag: "data" }).rows;
    const transformFile = path.join(work, "transform.json");
    const transform = fitTransform(rows, featureSpecFromSchema(), transformFile);
    const t0 = Date.now();
    const booster = train({ objective: "binary:logistic", num_round: 60, max_depth: 6, eta: 0.2, seed: 0 }, transform.toDMatrix(rows)).booster;
    const trainSeconds = (Date.now() - t0) / 1000;
    const modelPath = path.join(work, "model.tar.gz");
    fs.writeFileSync(
        modelPath,
        zlib.gzipSync(
            writeTar([
                { name: "xgboost-model", data: Buffer.from(booster.toJSONString()) },
                { name: "transform.json", data: fs.readFileSync(transformFile) },
            ]),
        ),
    );
    // single-row request bodies: raw Adult feature columns (label cut off)
    const raw = lines
        .slice(1)
        .filter((l) => l.trim() !== "")
        .map((l) => l.slice(0, l.lastIndexOf(",")));
    const bodies = raw.slice(10_000, 12_000);

    const results: Record<string, unknown> = {
        machine: { cpus: os.cpus().length, loadavg1mAtStart: +os.loadavg()[0].toFixed(2), node: process.version },
        model: { trees: booster.numTrees, features: booster.numFeature, trainSeconds },
        stepDurationMs: STEP_MS,
    };
    for (const capture of [false, true]) {
        const name = capture ? "bench-capture-on" : "bench-capture-off";
        const bucket = path.join(work, "bucket");
        const config: EndpointConfig = {
            endpointName: name,
            variants: [{ name: "AllTraffic", modelPath, weight: 1 }],
            capture: { enabled: capture, samplingPercentage: 100, destination: bucket, prefix: "datacapture" },
            port: 0,
            host: "127.0.0.1",
            metricsIntervalMs: 10_000,
        };
        const ep = await startEndpoint(config, work);
        const steps: StepResult[] = [];
        let agentStep: StepResult | undefined;
        let status: Record<string, unknown>;
        try {
            for (const c of STEPS) {
                steps.push(
                    await runStep(
                        {
                            url: ep.url,
                            client: "raw",
                            bodies,
                            contentType: "text/csv",
                            sloP99Ms: SLO_MS,
                            stepDurationMs: STEP_MS,
                            stepMaxRequests: 200_000,
                            warmupRequests: 200,
                            inferenceIdPrefix: capture ? "bench" : undefined,
                        },
                        c,
                    ),
                );
            }
            // same c=32 step with Node's http.Agent client, to show how much the generator itself costs
            agentStep = await runStep(
                {
                    url: ep.url,
                    client: "agent",
                    bodies,
                    contentType: "text/csv",
                    sloP99Ms: SLO_MS,
                    stepDurationMs: STEP_MS,
                    stepMaxRequests: 200_000,
                    warmupRequests: 200,
                    inferenceIdPrefix: capture ? "bench-agent" : undefined,
                },
                32,
            );
            steps.push(agentStep);
        } finally {
            status = await getJson(`${ep.url}/admin/status`).catch(() => ({}));
            await teardown(work, { endpointName: name });
        }
        const key = capture ? "captureOn" : "captureOff";
        results[key] = steps.filter((s) => s !== agentStep).map(summarize);
        results[`${key}HttpAgentClientC32`] = agentStep ? summarize(agentStep) : null;
        if (capture) {
            const stats = new CaptureReadStats();
            const ids = new Set<string>();
            let captured = 0;
            for await (const ev of readCaptureRecords(path.join(bucket, "datacapture", name), { stats })) {
                captured++;
                if (ev.record.eventMetadata.inferenceId) ids.add(ev.record.eventMetadata.inferenceId);
            }
            const okIds = steps.flatMap((s) => s.okInferenceIds ?? []);
            const missing = okIds.filter((id) => !ids.has(id)).length;
            const serverStats = (status as { stats?: { ok?: number; captured?: number } }).stats ?? {};
            results.captureCompleteness = {
                measuredOkResponses: okIds.length,
                measuredOkMissingFromCapture: missing,
                serverOkResponses: serverStats.ok,
                capturedLines: captured,
                capturedLinesOverOkResponses: serverStats.ok ? +(captured / serverStats.ok).toFixed(6) : null,
                unreadableLines: stats.problemCount,
            };
        }
    }
    const on32 = (results.captureOn as ReturnType<typeof summarize>[]).find((s) => s.concurrency === 32)!;
    results.target = {
        goal: ">= 2000 req/s at concurrency 32 with capture on, p99 <= 20 ms",
        throughputRps: on32.throughputRps,
        p99Ms: on32.p99Ms,
        met: on32.throughputRps >= 2000 && on32.p99Ms <= 20,
    };

    // batch transform over all adult.data rows with an id column
    const batchIn = path.join(work, "batch.csv");
    fs.writeFileSync(batchIn, raw.map((l, i) => `${i},${l}`).join("\n") + "\n");
    const rep = await runBatchTransform({
        modelPath,
        input: batchIn,
        splitType: "Line",
        batchStrategy: "MultiRecord",
        maxPayloadInMB: 6,
        assembleWith: "Line",
        dataProcessing: { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$[0,-1]" },
    });
    results.batchTransform = { rows: rep.records, requests: rep.requests, seconds: +rep.seconds.toFixed(3), rowsPerSecond: Math.round(rep.rowsPerSecond) };
    results.loadavg1mAtEnd = +os.loadavg()[0].toFixed(2);
    fs.rmSync(work, { recursive: true, force: true });
    return results;
}
