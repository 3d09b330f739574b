/**
 * loadtest — drive the running local endpoint (deploy) at increasing concurrency with the serving engine's load
 * tester (the local analogue of an Inference Recommender load test): each level keeps N requests in flight for a few
 * seconds, reports throughput, p50/p90/p99 latency and the error rate, and the test stops at the first level whose
 * p99 exceeds the stack's latency SLO (`pipeline.latencySloMs`) or whose error rate exceeds 1%.
 * Loopback only (http://127.0.0.1). Requests are real test rows (raw CSV, one per request) sent with inference ids
 * `loadtest-<run>-<concurrency>-<n>`, so their capture records can be told apart from real traffic.
 * Each level starts with 200 unmeasured warm-up requests. Writes `<workdir>/reports/loadtest.json` and prints a table.
 * Options: --levels 1,2,4,8,16,32   --level-seconds 3   --slo-ms N (overrides pipeline.latencySloMs)
 */
import { loadPreparedSplit } from "../../../lib/data";
import { writeFileAtomic } from "../../../lib/data/io";
import { loadTransform } from "../../../lib/features";
import { StepContext, StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { LOADTEST } from "./step";
import { LoadTestResult, ping, runLoadTest, runningEndpoint } from "../../../lib/serving";
import { featureLine } from "../../framework/datasets";
import { preparedUri, transformUri } from "../../../contracts/s3-layout";

const MAX_LEVEL_SECONDS = 30;
const WARMUP_REQUESTS = 200;

export function loadTestSettings(ctx: StepContext): { levels: number[]; levelSeconds: number; sloMs: number; sloSource: string } {
    const levelsOpt = ctx.options.levels;
    const levels =
        levelsOpt === undefined
            ? [1, 2, 4, 8, 16, 32]
            : String(levelsOpt)
                  .split(",")
                  .map((s) => Number(s.trim()));
    if (levelsOpt === true || levels.length === 0 || levels.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) {
        throw new StepError(`--levels ${String(levelsOpt)}: expected increasing concurrencies between 1 and 256, e.g. --levels 1,2,4,8`);
    }
    for (let i = 1; i < levels.length; i++)
        if (levels[i] <= levels[i - 1]) throw new StepError(`--levels ${String(levelsOpt)}: concurrencies must increase, e.g. 1,2,4,8`);
    const levelSeconds = ctx.options["level-seconds"] === undefined ? 3 : Number(ctx.options["level-seconds"]);
    if (!(levelSeconds > 0 && levelSeconds <= MAX_LEVEL_SECONDS))
        throw new StepError(`--level-seconds ${String(ctx.options["level-seconds"])}: expected a duration in (0, ${MAX_LEVEL_SECONDS}] seconds per level`);
    if (ctx.options["slo-ms"] !== undefined) {
        const s = Number(ctx.options["slo-ms"]);
        if (!(s > 0)) throw new StepError(`--slo-ms ${String(ctx.options["slo-ms"])}: expected a positive number of milliseconds`);
        return { levels, levelSeconds, sloMs: s, sloSource: "--slo-ms" };
    }
    let slo: number | undefined;
    try {
        slo = ctx.outputs().pipeline?.latencySloMs;
    } catch {
        slo = undefined;
    }
    return typeof slo === "number"
        ? { levels, levelSeconds, sloMs: slo, sloSource: `pipeline.latencySloMs of stack ${ctx.stack}` }
        : { levels, levelSeconds, sloMs: ctx.config.pipeline.latencySloMs, sloSource: `pipeline.latencySloMs of Pulumi.${ctx.stack}.yaml` };
}

/** The per-level table printed in the log. */
export function formatLoadTestTable(r: LoadTestResult): string[] {
    const head = ["concurrency", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "SLO"];
    const rows = r.steps.map((s) => [
        String(s.concurrency),
        String(s.requests),
        s.throughput.toFixed(0),
        s.p50Ms.toFixed(2),
        s.p90Ms.toFixed(2),
        s.p99Ms.toFixed(2),
        s.maxMs.toFixed(2),
        `${(100 * s.errorRate).toFixed(2)}%`,
        s.meetsSlo ? "ok" : "OVER",
    ]);
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(w[i])).join("  ");
    return [line(head), ...rows.map(line)];
}

const step: StepDef<"loadtest"> = {
    ...LOADTEST,
    description: "load test the running endpoint at increasing concurrency up to the latency SLO (loopback only)",
    inputFiles: () => ["lib/serving/loadtest.ts"],
    inputValues: (ctx) => {
        const s = loadTestSettings(ctx);
        const dep = ctx.manifest.steps.deploy;
        return { levels: s.levels, levelSeconds: s.levelSeconds, sloMs: s.sloMs, deploy: `${dep?.status}:${dep?.finishedAt}:${dep?.inputsHash}` };
    },
    async run(ctx) {
        const settings = loadTestSettings(ctx);
        const rec = ctx.manifest.steps.deploy;
        if (rec?.results?.tornDownAt) {
            throw new StepError(
                `the endpoint was torn down at ${String(rec.results.tornDownAt)} (--teardown): deploy it again with ./build_ml_environment.sh --only deploy --workdir ${ctx.workdir}`,
            );
        }
        const dep = ctx.resultsOf("deploy");
        const st = runningEndpoint(ctx.workdir, dep.endpointName);
        if (!st || (await ping(st.host, st.port)) !== 200) {
            throw new StepError(
                `endpoint ${dep.endpointName} is not running in ${ctx.workdir} (no live pid file or /ping failed): start it with ./build_ml_environment.sh --only deploy --workdir ${ctx.workdir}`,
            );
        }
        const out = ctx.outputs();
        const transform = loadTransform(ctx.s3.pathOf(transformUri(out)));
        const test = await loadPreparedSplit(ctx.s3.pathOf(preparedUri(out)), "test");
        const bodies = test.slice(0, 500).map((r) => featureLine(r, transform.state.inputColumns));
        if (bodies.length === 0) throw new StepError("the prepared test split is empty: re-run --from prepare");
        const run = new Date()
            .toISOString()
            .replace(/[-:T.Z]/g, "")
            .slice(0, 14);
        ctx.log(
            `${st.url}/invocations: levels ${settings.levels.join(", ")} x ${settings.levelSeconds} s, p99 SLO ${settings.sloMs} ms (${settings.sloSource}), ${bodies.length} distinct test rows`,
        );
        const t0 = Date.now();
        let res: LoadTestResult;
        try {
            res = await runLoadTest({
                url: st.url,
                bodies,
                contentType: "text/csv",
                accept: "text/csv",
                steps: settings.levels,
                stepDurationMs: settings.levelSeconds * 1000,
                // Unmeasured requests per level: connection set-up, and at the first level the process's JIT warm-up.
                warmupRequests: WARMUP_REQUESTS,
                sloP99Ms: settings.sloMs,
                inferenceIdPrefix: `loadtest-${run}`,
                client: "raw",
            });
        } catch (e) {
            throw new StepError(`load test of ${st.url} failed: ${(e as Error).message}`);
        }
        const wallSeconds = (Date.now() - t0) / 1000;
        for (const l of formatLoadTestTable(res)) ctx.log(l);
        const steps = res.steps.map(({ okInferenceIds, ...s }) => ({ ...s, inferenceIds: okInferenceIds?.length ?? 0 }));
        const report = {
            endpointName: dep.endpointName,
            url: st.url,
            pid: st.pid,
            at: new Date().toISOString(),
            sloP99Ms: settings.sloMs,
            sloSource: settings.sloSource,
            levelSeconds: settings.levelSeconds,
            inferenceIdPrefix: `loadtest-${run}`,
            stoppedReason: res.stoppedReason,
            best: res.best ? steps.find((s) => s.concurrency === res.best!.concurrency) : null,
            steps,
            wallSeconds,
        };
        const file = ctx.file("reports/loadtest.json");
        writeFileAtomic(file, JSON.stringify(report, null, 2) + "\n");
        const first = res.steps[0];
        if (first && first.errorRate > 0.01) {
            throw new StepError(
                `the endpoint failed ${(100 * first.errorRate).toFixed(1)}% of requests already at concurrency ${first.concurrency} (status counts ${JSON.stringify(first.statusCounts)}): see the endpoint log (${ctx.rel(st.logFile ?? "endpoint/")}) and ${ctx.rel(file)}`,
            );
        }
        const stop =
            res.stoppedReason === "slo_exceeded"
                ? `stopped at concurrency ${res.steps[res.steps.length - 1].concurrency} (p99 over ${settings.sloMs} ms)`
                : res.stoppedReason === "error_rate_exceeded"
                  ? `stopped at concurrency ${res.steps[res.steps.length - 1].concurrency} (error rate over 1%)`
                  : "all levels within the SLO";
        const best = res.best;
        const summary = best
            ? `best within p99 <= ${settings.sloMs} ms: ${best.throughput.toFixed(0)} req/s at concurrency ${best.concurrency} (p50 ${best.p50Ms.toFixed(1)} ms, p99 ${best.p99Ms.toFixed(1)} ms); ${stop}; ${ctx.rel(file)}`
            : `no level met p99 <= ${settings.sloMs} ms (concurrency 1: p99 ${first.p99Ms.toFixed(1)} ms, ${first.throughput.toFixed(0)} req/s); ${ctx.rel(file)}`;
        if (!best)
            ctx.log(
                `WARNING: the endpoint misses the latency SLO even at concurrency ${first.concurrency}; on a shared or busy machine re-run later, or check the endpoint log`,
            );
        return {
            summary,
            results: {
                sloP99Ms: settings.sloMs,
                stoppedReason: res.stoppedReason,
                bestConcurrency: best?.concurrency ?? null,
                bestThroughput: best?.throughput ?? null,
                bestP50Ms: best?.p50Ms ?? null,
                bestP90Ms: best?.p90Ms ?? null,
                bestP99Ms: best?.p99Ms ?? null,
                levels: steps.map((s) => ({
                    concurrency: s.concurrency,
                    throughput: s.throughput,
                    p50Ms: s.p50Ms,
                    p90Ms: s.p90Ms,
                    p99Ms: s.p99Ms,
                    errorRate: s.errorRate,
                    meetsSlo: s.meetsSlo,
                })),
                wallSeconds,
            },
            artifacts: { report: ctx.rel(file) },
        };
    },
};

export default step;
