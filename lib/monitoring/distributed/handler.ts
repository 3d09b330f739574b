/**
 * Lambda entry points of the distributed monitor (components/distributed-monitor.ts): `worker` (plan and profile,
 * ./worker.ts) and `reduce` (./reduce.ts). One archive, two functions with their own roles.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { HandlerDeps, MonitorSummary, S3Like } from "../lambda/run";
import { planRun, profileBatch } from "./worker";
import { reduceRun } from "./reduce";
import type { BatchResult, PlanResult, ReduceEvent, WorkerEvent } from "./types";

export function createWorkerHandler(deps: HandlerDeps = {}): (event: unknown) => Promise<PlanResult | BatchResult> {
    let s3: S3Like | undefined = deps.s3;
    return async (event: unknown) => {
        s3 ??= new S3Client({});
        const e = event as WorkerEvent;
        if (e?.action === "plan") return planRun(s3, e, deps);
        if (e?.action === "profile") return profileBatch(s3, e.run, e.batch, deps);
        throw new Error(
            `distributed monitor (worker): "action" must be "plan" or "profile" (got ${JSON.stringify((e as { action?: unknown })?.action)}); the state machine sets it.`,
        );
    };
}

export function createReduceHandler(deps: HandlerDeps = {}): (event: unknown) => Promise<MonitorSummary> {
    let s3: S3Like | undefined = deps.s3;
    return async (event: unknown) => {
        s3 ??= new S3Client({});
        return reduceRun(s3, (event as ReduceEvent)?.plan, deps);
    };
}

let workerFn: ReturnType<typeof createWorkerHandler> | undefined;
let reduceFn: ReturnType<typeof createReduceHandler> | undefined;

/** `lib/monitoring/distributed/handler.worker` */
export async function worker(event: unknown): Promise<PlanResult | BatchResult> {
    workerFn ??= createWorkerHandler();
    return workerFn(event);
}

/** `lib/monitoring/distributed/handler.reduce` */
export async function reduce(event: unknown): Promise<MonitorSummary> {
    reduceFn ??= createReduceHandler();
    return reduceFn(event);
}
