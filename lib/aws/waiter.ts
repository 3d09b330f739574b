/**
 * The shared waiter of the `--target aws` steps: polls a `Describe*` call until the resource reaches a terminal state,
 * printing progress when the status changes (and a heartbeat every few polls). A failed job raises `JobFailedError`
 * with the service's `FailureReason`; throttled `Describe*` calls are retried with backoff + jitter; when the timeout
 * passes the job is stopped (`Stop*`) and `JobTimeoutError` names it. Timing (clock, poll interval) is injectable so
 * tests never sleep.
 */
import { Clock, realClock, RetryOptions, withThrottlingRetry } from "./retry";

export interface WaitTiming {
    clock: Clock;
    /** Poll interval (default 30 s). */
    pollMs: number;
    /** Heartbeat log line every N polls without a status change (default 10). */
    heartbeatEvery: number;
    /** Backoff settings for throttled Describe/Stop calls (clock defaults to the waiter's). */
    retry: RetryOptions;
}

/** Process-wide defaults; tests replace the clock (see `setWaitTiming`) so the steps' waits run instantly. */
const defaults: WaitTiming = { clock: realClock, pollMs: 30_000, heartbeatEvery: 10, retry: {} };

export function waitTiming(): WaitTiming {
    return { ...defaults };
}

/** Overrides the defaults; returns the previous ones so a test can restore them. */
export function setWaitTiming(t: Partial<WaitTiming>): WaitTiming {
    const prev = { ...defaults };
    Object.assign(defaults, t);
    return prev;
}

export interface WaitSpec<D> {
    /** Human name of the resource kind, e.g. "training job". */
    kind: string;
    name: string;
    describe: () => Promise<D>;
    status: (d: D) => string | undefined;
    successStates: readonly string[];
    failureStates: readonly string[];
    failureReason?: (d: D) => string | undefined;
    /** Extra progress detail, e.g. SecondaryStatus. */
    detail?: (d: D) => string | undefined;
    /** Stops the resource when the wait times out (StopTrainingJob, ...). Omit for resources that cannot be stopped. */
    stop?: () => Promise<unknown>;
    /** The `Stop*` API name, for the messages. */
    stopApi?: string;
    /** Where the logs are, added to failure messages. */
    logsHint?: string;
}

export interface WaitOptions extends Partial<WaitTiming> {
    timeoutMs: number;
    log?: (line: string) => void;
}

export class JobFailedError extends Error {
    constructor(
        readonly kind: string,
        readonly jobName: string,
        readonly status: string,
        readonly failureReason: string | undefined,
        hint?: string,
    ) {
        super(
            `${kind} ${jobName} ended ${status}: ${failureReason ?? "no FailureReason given by SageMaker"}` +
                (hint ? ` (logs: ${hint})` : "") +
                `; fix the cause above and re-run the step`,
        );
        this.name = "JobFailedError";
    }
}

export class JobTimeoutError extends Error {
    constructor(
        readonly kind: string,
        readonly jobName: string,
        readonly waitedMs: number,
        readonly lastStatus: string | undefined,
        stopped: string,
    ) {
        super(
            `${kind} ${jobName} did not finish within ${Math.round(waitedMs / 1000)} s (last status ${lastStatus ?? "unknown"}); ${stopped}. ` +
                `Raise the step's --timeout-minutes, or check the job's progress in the SageMaker console`,
        );
        this.name = "JobTimeoutError";
    }
}

function fmt(ms: number): string {
    const s = Math.round(ms / 1000);
    return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Polls until a success state (returns the last description), a failure state (throws), or the timeout (stops, throws). */
export async function waitFor<D>(spec: WaitSpec<D>, o: WaitOptions): Promise<D> {
    const t: WaitTiming = { ...defaults, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as WaitTiming;
    const log = o.log ?? (() => undefined);
    const retry: RetryOptions = {
        clock: t.clock,
        ...t.retry,
        onRetry: (n, d, e) => log(`${spec.kind} ${spec.name}: throttled (${e.name}), retry ${n} in ${d} ms`),
    };
    const start = t.clock.now();
    let last = "";
    let lastStatus: string | undefined;
    let polls = 0;
    for (;;) {
        const d = await withThrottlingRetry(`describe ${spec.kind} ${spec.name}`, spec.describe, retry);
        const status = spec.status(d);
        lastStatus = status;
        const detail = spec.detail?.(d);
        const line = `${status ?? "unknown"}${detail ? ` / ${detail}` : ""}`;
        const elapsed = t.clock.now() - start;
        polls++;
        if (line !== last || polls % t.heartbeatEvery === 0) log(`${spec.kind} ${spec.name}: ${line} (${fmt(elapsed)})`);
        last = line;
        if (status && spec.successStates.includes(status)) return d;
        if (status && spec.failureStates.includes(status)) throw new JobFailedError(spec.kind, spec.name, status, spec.failureReason?.(d), spec.logsHint);
        if (elapsed >= o.timeoutMs) {
            let stopped = "it cannot be stopped through the API; delete it if it keeps running";
            if (spec.stop) {
                try {
                    await withThrottlingRetry(`stop ${spec.kind} ${spec.name}`, spec.stop, retry);
                    stopped = `${spec.stopApi ?? "Stop"} was called so it stops incurring cost`;
                } catch (e) {
                    stopped = `${spec.stopApi ?? "Stop"} failed (${(e as Error).message}): stop it in the console`;
                }
            }
            throw new JobTimeoutError(spec.kind, spec.name, elapsed, lastStatus, stopped);
        }
        await t.clock.sleep(Math.min(t.pollMs, Math.max(0, o.timeoutMs - elapsed)) || t.pollMs);
    }
}
