/**
 * worker_threads entry for tuning trials. The training/validation matrices arrive
 * once, in workerData, backed by SharedArrayBuffers (no copy per trial); each
 * message then names one trial's hyperparameters.
 */
import { parentPort, workerData } from "worker_threads";
import { train } from "../training/trainer";
import { DMatrix } from "../training/dmatrix";
import { TrialRequest, TrialResponse, WorkerInit } from "./protocol";

let data: Record<string, DMatrix> = {};
function setData(init: WorkerInit | undefined) {
    data = {};
    for (const [name, m] of Object.entries(init?.matrices ?? {})) data[name] = m;
}
setData(workerData as WorkerInit | undefined);

function runTrial(req: TrialRequest): TrialResponse {
    let stoppedAt = -1;
    try {
        const res = train(req.hyperParameters, data.train, {
            evals: req.evalNames.map((n) => ({ name: n, data: data[n] })),
            onIteration: (round, metrics) => {
                const v = metrics[req.objectiveKey];
                parentPort!.postMessage({ type: "progress", trial: req.trial, round, value: v });
                const ref = req.medianCurve?.[round];
                if (req.medianCurve && round >= req.minRoundsBeforeStopping && ref !== null && ref !== undefined) {
                    const worse = req.maximize ? v < ref : v > ref;
                    if (worse) {
                        stoppedAt = round;
                        return true;
                    }
                }
                return false;
            },
        });
        const h = res.history[req.objectiveKey] ?? [];
        const finalIdx = res.stopReason === "early_stopping" ? res.bestIteration : h.length - 1;
        return {
            type: "done",
            trial: req.trial,
            status: stoppedAt >= 0 ? "Stopped" : "Completed",
            objective: h[finalIdx],
            rounds: res.roundsTrained,
            history: h,
            modelJson: res.booster.toJSONString(),
        };
    } catch (e) {
        return { type: "done", trial: req.trial, status: "Failed", failureReason: (e as Error).message, history: [], rounds: 0 };
    }
}

parentPort!.on("message", (msg: TrialRequest | { type: "exit" } | ({ type: "init" } & WorkerInit)) => {
    if (msg.type === "exit") {
        process.exit(0);
    } else if (msg.type === "init") {
        // a reused worker gets the next job's (shared) matrices once, before its trials
        setData(msg);
    } else {
        parentPort!.postMessage(runTrial(msg));
    }
});
