/**
 * The optimiser's inputs from a local run: reads a build_ml_environment.sh workdir (manifest.json, the loadtest step's
 * reports/loadtest.json, the deployed endpoint's EMF metrics file, the tune step's trial history) and turns it into
 * capacity, traffic and tuning for lib/optimize. It sits beside the CLI because the workdir layout and the run
 * manifest belong to the step framework (scripts/framework), which the engine must not import.
 */
import * as fs from "fs";
import * as path from "path";
import type { PlatformConfig } from "../../infra/config";
import { Capacity, capacityFromLoadTest, LoadTestReport } from "../../lib/optimize/capacity";
import { readJson } from "../../lib/optimize/sources";
import { trafficFromEmf, VariantTraffic } from "../../lib/optimize/traffic";
import type { Manifest } from "../framework/manifest";

export interface LocalInputs {
    endpointName: string;
    capacity: Capacity[];
    traffic: VariantTraffic[];
    tuning?: { trials: number; wallSeconds: number; instanceType: string };
    notes: string[];
    files: string[];
}

/** The local run's own numbers: loadtest report, EMF metrics of the deployed endpoint, tune trial history. */
/** EMF flush interval of the deploy step's endpoint (scripts/steps/deploy/local.ts metricsIntervalMs). */
export const LOCAL_METRICS_INTERVAL_MS = 10_000;

export function localInputs(
    workdir: string,
    cfg: PlatformConfig,
    window: { fromMs?: number; toMs?: number; includeLoadTest?: boolean; metricsIntervalMs?: number },
): LocalInputs {
    const mf = path.join(workdir, "manifest.json");
    if (!fs.existsSync(mf))
        throw new Error(`${mf} does not exist: run ./build_ml_environment.sh --stack ${cfg.stack} (through the loadtest step) first, or pass --workdir`);
    const m = readJson(mf, "run manifest") as Manifest;
    const dep = m.steps?.deploy;
    const endpointName = String((dep?.results as { endpointName?: string } | undefined)?.endpointName ?? "");
    if (!endpointName)
        throw new Error(`${mf}: the deploy step has not run: run ./build_ml_environment.sh --stack ${cfg.stack} --to loadtest --workdir ${workdir}`);
    const notes: string[] = [];
    const files: string[] = [];
    const lt = path.join(workdir, "reports", "loadtest.json");
    let capacity: Capacity[] = [];
    const exclude: { fromMs: number; toMs: number }[] = [];
    if (fs.existsSync(lt)) {
        const rep = readJson(lt, "load-test report") as LoadTestReport & { wallSeconds?: number };
        const end = Date.parse(rep.at);
        if (!window.includeLoadTest && Number.isFinite(end) && typeof rep.wallSeconds === "number") {
            exclude.push({ fromMs: end - rep.wallSeconds * 1000, toMs: end + (window.metricsIntervalMs ?? LOCAL_METRICS_INTERVAL_MS) });
        }
        // The local process serves every variant; it stands in for one instance of the first variant's type.
        capacity = capacityFromLoadTest(rep, cfg.endpoint.variants[0].instanceType ?? "ml.m5.large", path.relative(process.cwd(), lt) || lt);
        if (!capacity.length) notes.push(`${lt}: no load level met the p99 SLO ${rep.sloP99Ms} ms: no measured capacity`);
        files.push(lt);
    } else {
        notes.push(`${lt} does not exist: run the loadtest step (./build_ml_environment.sh --only loadtest --workdir ${workdir}) for a measured capacity`);
    }
    const metrics = dep?.artifacts?.metrics ? path.resolve(workdir, dep.artifacts.metrics) : path.join(workdir, "endpoint", `${endpointName}.metrics.jsonl`);
    if (!fs.existsSync(metrics))
        throw new Error(`${metrics} does not exist: the local endpoint writes its EMF metrics there; deploy it and send traffic first`);
    files.push(metrics);
    const { traffic, parse } = trafficFromEmf(fs.readFileSync(metrics, "utf8"), {
        endpointName,
        fromMs: window.fromMs,
        toMs: window.toMs,
        variants: cfg.endpoint.variants.map((v) => v.name),
        exclude,
    });
    if (parse.excluded)
        notes.push(
            `${parse.excluded} invocations of the load test (${new Date(exclude[0].fromMs).toISOString()} .. ${new Date(exclude[0].toMs).toISOString()}) are not counted as traffic (--include-loadtest-traffic counts them)`,
        );
    if (parse.skipped) notes.push(`${metrics}: ${parse.skipped} of ${parse.lines} lines skipped (not Invocations EMF documents of ${endpointName})`);
    if (parse.unattributed) notes.push(`${metrics}: ${parse.unattributed} invocations not attributed to a variant (rejected before routing) are not counted`);
    const tune = m.steps?.tune;
    let tuning: LocalInputs["tuning"];
    if (tune?.status === "succeeded" || (tune?.results && typeof (tune.results as any).trials === "number")) {
        const trials = Number((tune.results as any)?.trials ?? 0);
        const wall = (tune.durationMs ?? (tune.finishedAt ? Date.parse(tune.finishedAt) - Date.parse(tune.startedAt) : 0)) / 1000;
        if (trials > 0) tuning = { trials, wallSeconds: wall, instanceType: cfg.training.instanceTypes[0] };
    }
    return { endpointName, capacity, traffic, tuning, notes, files };
}
