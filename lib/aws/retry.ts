/**
 * Retries of AWS calls on throttling, with exponential backoff and full jitter, and the injectable clock the waiters
 * use (tests pass a fake clock: nothing sleeps for real).
 */

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
    now: () => Date.now(),
    sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RetryOptions {
    /** Total attempts including the first (default 8). */
    maxAttempts?: number;
    /** First backoff ceiling in ms (default 500); doubles per attempt. */
    baseDelayMs?: number;
    /** Backoff ceiling (default 20 000 ms). */
    maxDelayMs?: number;
    clock?: Clock;
    /** Random source in [0, 1) for the jitter (default Math.random). */
    random?: () => number;
    /** Called before each backoff sleep. */
    onRetry?: (attempt: number, delayMs: number, error: Error) => void;
}

const THROTTLING = new Set([
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "SlowDown",
    "RequestThrottled",
    "RequestThrottledException",
]);

/** True for the throttling errors of SageMaker, S3 and the Feature Store runtime (by name, code or HTTP 429). */
export function isThrottling(e: unknown): boolean {
    if (!e || typeof e !== "object") return false;
    const err = e as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
    if (err.name && THROTTLING.has(err.name)) return true;
    if (err.Code && THROTTLING.has(err.Code)) return true;
    if (err.code && THROTTLING.has(err.code)) return true;
    if (err.$retryable?.throttling) return true;
    return err.$metadata?.httpStatusCode === 429;
}

/** Backoff before retry `attempt` (1-based): uniform in [0, min(max, base * 2^(attempt-1))] ("full jitter"). */
export function backoffDelay(attempt: number, o: RetryOptions = {}): number {
    const base = o.baseDelayMs ?? 500;
    const cap = o.maxDelayMs ?? 20_000;
    const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
    return Math.floor((o.random ?? Math.random)() * ceiling);
}

/** Runs `fn`, retrying throttling errors with backoff; any other error, or the last throttling error, is thrown. */
export async function withThrottlingRetry<T>(what: string, fn: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
    const max = o.maxAttempts ?? 8;
    const clock = o.clock ?? realClock;
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn();
        } catch (e) {
            if (!isThrottling(e)) throw e;
            if (attempt >= max) {
                throw new Error(
                    `${what}: still throttled by AWS after ${max} attempts (${(e as Error).name}: ${(e as Error).message}); retry later, or ask for a higher API rate quota (Service Quotas) if this keeps happening`,
                );
            }
            const delay = backoffDelay(attempt, o);
            o.onRetry?.(attempt, delay, e as Error);
            await clock.sleep(delay);
        }
    }
}
