/**
 * worker_threads entry point (see shard.ts): a pooled thread that profiles one shard of capture files per message
 * and replies with a packed partial profile whose value counts and KLL levels are views of a SharedArrayBuffer the
 * calling thread lent with the job (profileCaptureShardShared). They are neither transferred nor copied: a transfer
 * detaches buffers in this thread, and the first detach in a thread invalidates V8's array-buffer-detaching protector,
 * after which every typed-array access compiled here re-checks its buffer (callgrind, 60k capture records: 2.65 G
 * instructions per shard when copying, 3.00 G after a transfer); a copy (structured clone, ≈ 3 MB for 20 columns at the
 * 10,000-value cap) took 1-50 ms and fresh memory on both sides.
 */
import { parentPort } from "worker_threads";
import { profileCaptureShardShared, type ProfileShardOptions } from "./shard";

const now = (): number => performance.timeOrigin + performance.now();

/**
 * Fault injection for tests (test/monitoring/shard.test.ts), read when the thread starts: "throw" fails every job
 * (the thread stays up), "exit" ends the thread with code 3 when it gets a job.
 */
const fault = process.env.MLPLATFORM_SHARD_WORKER_FAULT;

parentPort!.on("message", (job: { id: number; files: string[]; options: ProfileShardOptions; arena?: SharedArrayBuffer }) => {
    const started = now();
    if (fault === "exit") process.exit(3);
    (fault === "throw"
        ? Promise.reject(new Error("injected fault (MLPLATFORM_SHARD_WORKER_FAULT=throw)"))
        : profileCaptureShardShared(job.files, job.options, job.arena)
    ).then(
        // the partial's arrays are views of the arena, which the calling thread owns until it lends it again
        (result) => parentPort!.postMessage({ id: job.id, ok: true, result, started, finished: now() }),
        (e) => parentPort!.postMessage({ id: job.id, ok: false, error: (e as Error).message }),
    );
});
