/**
 * SageMaker-style hyperparameter tuning job for the local GBT trainer.
 *
 * Trials run in `MaxParallelTrainingJobs` worker threads that receive the data once
 * (SharedArrayBuffer). Scheduling is deterministic for a given seed: trial k starts
 * only after trials 0..k-P have finished (P = MaxParallelTrainingJobs); its suggestion
 * uses exactly those trials as observations and trials k-P+1..k-1 as pending points,
 * and its median-rule reference is the same set. So results do not depend on thread timing.
 *
 * Early stopping (TrainingJobEarlyStoppingType=Auto) applies SageMaker's median rule:
 * at round t, a trial stops when its objective is worse than the median, over the
 * reference trials that reached round t, of their running averages of the objective up
 * to t. It needs at least 3 reference trials at that round and is not applied before
 * round `minRoundsBeforeStopping` (default 3).
 */
import * as path from "path";
import { Worker } from "worker_threads";
import { tsWorkerSource } from "../common/run-ts";
import { DMatrix, validateDMatrix } from "../training/dmatrix";
import { Booster } from "../training/model";
import { resolveHyperParameters, HyperParameterError } from "../training/params";
import { HyperParameterTuningJobConfig, TuningConfigError, validateTuningConfig, Dimension } from "./config";
import { decodePoint, snapPoint } from "./scaling";
import { BayesianSearch, Observation, RandomSearch, SearchStrategy } from "./search";
import { ProgressMessage, TrialRequest, TrialResponse, WorkerInit } from "./protocol";

export interface TuningJobDefinition {
    HyperParameterTuningJobName?: string;
    HyperParameterTuningJobConfig: HyperParameterTuningJobConfig;
    /** fixed hyperparameters for every trial, as in TrainingJobDefinition.StaticHyperParameters (num_round required here or tuned) */
    StaticHyperParameters?: Record<string, string>;
    train: DMatrix;
    validation?: DMatrix;
    seed?: number;
    /** rounds before the median rule may stop a trial (default 3) */
    minRoundsBeforeStopping?: number;
    /** called on every worker progress report */
    onProgress?: (p: { trial: number; round: number; value: number }) => void;
}

export type TrialStatus = "Completed" | "Stopped" | "Failed";

export interface TrialResult {
    trial: number;
    TrainingJobName: string;
    hyperParameters: Record<string, string>;
    objective?: number;
    status: TrialStatus;
    rounds: number;
    history: number[];
    failureReason?: string;
}

export interface TuningJobResult {
    HyperParameterTuningJobName: string;
    objectiveMetric: string;
    objectiveType: "Maximize" | "Minimize";
    trials: TrialResult[];
    best?: TrialResult;
    bestModel?: Booster;
    /** fixed-width text table: trial, hyperparameters, objective, status */
    table: string;
}

function shareMatrix(m: DMatrix): DMatrix {
    const share = (a: Float32Array) => {
        const sab = new SharedArrayBuffer(a.byteLength);
        const out = new Float32Array(sab);
        out.set(a);
        return out;
    };
    const out: DMatrix = { nRows: m.nRows, nCols: m.nCols, values: share(m.values), labels: share(m.labels), featureNames: m.featureNames.slice() };
    if (m.weights) out.weights = share(m.weights);
    return out;
}

function spawnWorker(init: WorkerInit): Worker {
    const ts = __filename.endsWith(".ts");
    const entry = path.join(__dirname, ts ? "worker.ts" : "worker.js");
    if (!ts) return new Worker(entry, { workerData: init });
    // from the sources: the project's .ts loader and its transpile cache (scripts/run-ts.cjs) in the thread
    return new Worker(tsWorkerSource(entry), { eval: true, workerData: init });
}

/**
 * Idle workers kept (unref'd) between tuning jobs so later jobs skip thread start-up
 * (which includes TypeScript compilation when running from sources).
 */
const workerPool: Worker[] = [];

function acquireWorker(init: WorkerInit): Worker {
    const w = workerPool.pop();
    if (w) {
        w.ref();
        w.postMessage({ type: "init", ...init });
        return w;
    }
    return spawnWorker(init);
}

function releaseWorker(w: Worker): void {
    w.removeAllListeners("message");
    w.removeAllListeners("error");
    w.unref();
    workerPool.push(w);
}

/** Terminate the idle worker threads kept for reuse (they never block process exit). */
export async function shutdownTuningWorkers(): Promise<void> {
    const ws = workerPool.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
}

function median(xs: number[]): number {
    const s = xs.slice().sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median over reference trials of their running averages up to each round (null with < 3 references). */
export function medianRuleCurve(histories: number[][], minReferences = 3): (number | null)[] {
    const len = Math.max(0, ...histories.map((h) => h.length));
    const running = histories.map((h) => {
        const out: number[] = [];
        let s = 0;
        h.forEach((v, i) => {
            s += v;
            out.push(s / (i + 1));
        });
        return out;
    });
    const curve: (number | null)[] = [];
    for (let t = 0; t < len; t++) {
        const vals = running.filter((r) => r.length > t).map((r) => r[t]);
        curve.push(vals.length >= minReferences ? median(vals) : null);
    }
    return curve;
}

export function formatTrialTable(trials: TrialResult[], dims: string[]): string {
    const header = ["trial", ...dims, "objective", "status", "rounds"];
    const rows = trials.map((t) => [
        String(t.trial),
        ...dims.map((d) => t.hyperParameters[d] ?? ""),
        t.objective === undefined || !Number.isFinite(t.objective) ? "-" : t.objective.toFixed(6),
        t.status,
        String(t.rounds),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Run a tuning job; resolves when all MaxNumberOfTrainingJobs trials have finished. */
export async function runTuningJob(def: TuningJobDefinition): Promise<TuningJobResult> {
    const cfg = def.HyperParameterTuningJobConfig;
    const statics: Record<string, string> = { ...(def.StaticHyperParameters ?? {}) };
    const { dimensions, objective } = validateTuningConfig(cfg, statics);
    validateDMatrix(def.train, "runTuningJob: train");
    if (objective.channel === "validation" && !def.validation) {
        throw new TuningConfigError(
            "validation",
            `The objective metric ${objective.metricName} needs a validation channel; pass "validation" data or use a "train:" metric.`,
        );
    }
    if (def.validation) validateDMatrix(def.validation, "runTuningJob: validation");
    if (!("num_round" in statics) && !dimensions.some((d) => d.name === "num_round")) {
        throw new TuningConfigError("StaticHyperParameters", "num_round is required: set it in StaticHyperParameters or give it an IntegerParameterRange.");
    }
    // eval_metric: keep user metrics, objective metric last (early stopping uses the last one)
    const userMetrics = (statics.eval_metric ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s && s !== objective.metric);
    statics.eval_metric = [...userMetrics, objective.metric].join(",");
    // validate statics early, with a representative point, so errors name the parameter
    try {
        resolveHyperParameters({
            ...statics,
            ...decodePoint(
                dimensions,
                dimensions.map(() => 0.5),
            ),
        });
    } catch (e) {
        if (e instanceof HyperParameterError) throw new TuningConfigError(e.parameter, `Invalid tuning setup: ${e.message}`);
        throw e;
    }
    const seed = def.seed ?? 0;
    const name = def.HyperParameterTuningJobName ?? `tuning-${seed}`;
    const P = Math.min(cfg.ResourceLimits.MaxParallelTrainingJobs, cfg.ResourceLimits.MaxNumberOfTrainingJobs);
    const N = cfg.ResourceLimits.MaxNumberOfTrainingJobs;
    const maximize = objective.maximize;
    const snap = (x: number[]) => snapPoint(dimensions, x);
    const strategy: SearchStrategy =
        cfg.Strategy === "Bayesian" ? new BayesianSearch(dimensions.length, seed, { snap }) : new RandomSearch(dimensions.length, seed);
    const evalNames = objective.channel === "validation" ? ["validation"] : ["train"];
    const earlyStop = (cfg.TrainingJobEarlyStoppingType ?? "Off") === "Auto";
    const minRounds = def.minRoundsBeforeStopping ?? 3;

    const matrices: Record<string, DMatrix> = { train: shareMatrix(def.train) };
    if (def.validation) matrices.validation = shareMatrix(def.validation);
    const init: WorkerInit = { matrices };

    const results: (TrialResult | undefined)[] = new Array(N);
    const points: number[][] = new Array(N);
    const models = new Map<number, string>();
    const workers: Worker[] = [];
    const idle: Worker[] = [];
    let next = 0;
    let finished = 0;

    const toObs = (k: number): Observation | null => {
        const r = results[k];
        if (!r || r.status === "Failed" || r.objective === undefined || !Number.isFinite(r.objective)) return null;
        return { x: points[k], y: maximize ? r.objective : -r.objective };
    };

    return new Promise<TuningJobResult>((resolve, reject) => {
        let failed = false;
        const fail = (e: Error) => {
            if (failed) return;
            failed = true;
            for (const w of workers) void w.terminate();
            reject(e);
        };
        const finish = () => {
            for (const w of workers) releaseWorker(w);
            const trials = results as TrialResult[];
            const ok = trials.filter((t) => t.status !== "Failed" && t.objective !== undefined && Number.isFinite(t.objective));
            let best: TrialResult | undefined;
            for (const t of ok) if (!best || (maximize ? t.objective! > best.objective! : t.objective! < best.objective!)) best = t;
            resolve({
                HyperParameterTuningJobName: name,
                objectiveMetric: objective.metricName,
                objectiveType: cfg.HyperParameterTuningJobObjective.Type,
                trials,
                best,
                bestModel: best ? Booster.fromJSON(JSON.parse(models.get(best.trial)!)) : undefined,
                table: formatTrialTable(
                    trials,
                    dimensions.map((d: Dimension) => d.name),
                ),
            });
        };
        const canStart = (k: number) => {
            for (let j = 0; j <= k - P; j++) if (!results[j]) return false;
            return true;
        };
        const pump = () => {
            while (!failed && idle.length > 0 && next < N && canStart(next)) {
                const k = next++;
                const refIdx = Array.from({ length: Math.max(0, k - P + 1) }, (_, j) => j);
                const obs = refIdx.map(toObs).filter((o): o is Observation => o !== null);
                const pending = Array.from({ length: k - refIdx.length }, (_, j) => points[refIdx.length + j]);
                let x: number[];
                try {
                    x = snap(strategy.suggest(obs, pending));
                } catch (e) {
                    fail(e as Error);
                    return;
                }
                points[k] = x;
                const hp = decodePoint(dimensions, x);
                const refHist = refIdx
                    .map((j) => results[j]!)
                    .filter((r) => r.status !== "Failed")
                    .map((r) => r.history);
                const req: TrialRequest = {
                    type: "trial",
                    trial: k,
                    hyperParameters: { ...statics, ...hp },
                    evalNames,
                    objectiveKey: `${evalNames[0]}:${objective.metric}`,
                    maximize,
                    medianCurve: earlyStop ? medianRuleCurve(refHist) : null,
                    minRoundsBeforeStopping: minRounds,
                };
                const w = idle.pop()!;
                (w as Worker & { trial?: number }).trial = k;
                results[k] = undefined;
                (w as Worker & { hp?: Record<string, string> }).hp = hp;
                w.postMessage(req);
            }
            if (finished === N) finish();
        };
        for (let i = 0; i < P; i++) {
            const w = acquireWorker(init);
            workers.push(w);
            w.on("message", (msg: TrialResponse | ProgressMessage) => {
                if (msg.type === "progress") {
                    def.onProgress?.({ trial: msg.trial, round: msg.round, value: msg.value });
                    return;
                }
                const hp = (w as Worker & { hp?: Record<string, string> }).hp ?? {};
                results[msg.trial] = {
                    trial: msg.trial,
                    TrainingJobName: `${name}-${String(msg.trial + 1).padStart(3, "0")}`,
                    hyperParameters: hp,
                    objective: msg.objective,
                    status: msg.status,
                    rounds: msg.rounds,
                    history: msg.history,
                    failureReason: msg.failureReason,
                };
                if (msg.modelJson) models.set(msg.trial, msg.modelJson);
                finished++;
                idle.push(w);
                pump();
            });
            w.on("error", (e) => fail(new Error(`Tuning worker crashed: ${e.message}`)));
            idle.push(w);
        }
        pump();
    });
}
