/**
 * worker_threads entry point (see shard.ts): a pooled thread that profiles one shard of capture files per message
 * and replies with a packed partial profile (value counts as Float64Arrays). The buffers are copied, not transferred:
 * a transfer detaches them in this thread, and the first detach in a thread invalidates V8's array-buffer-detaching
 * protector, after which every typed-array access compiled here re-checks its buffer (callgrind, 60k capture records:
 * 2.65 G instructions per shard when copying, 3.00 G after a transfer; the copy is ≈ 3 MB for 20 columns at the
 * 10,000-value cap, and the whole hand-over took 5-20 ms in the benchmark).
 */
import { parentPort } from "worker_threads";
import { DatasetProfiler } from "./dataquality/profile";
import { profileCaptureShard, type ProfileShardOptions } from "./shard";

const now = (): number => performance.timeOrigin + performance.now();

/**
 * Fault injection for tests (test/monitoring/shard.test.ts), read when the thread starts: "throw" fails every job
 * (the thread stays up), "exit" ends the thread with code 3 when it gets a job.
 */
const fault = process.env.MLPLATFORM_SHARD_WORKER_FAULT;

parentPort!.on("message", (job: { id: number; files: string[]; options: ProfileShardOptions }) => {
    const started = now();
    if (fault === "exit") process.exit(3);
    (fault === "throw"
        ? Promise.reject(new Error("injected fault (MLPLATFORM_SHARD_WORKER_FAULT=throw)"))
        : profileCaptureShard(job.files, job.options, true)
    ).then(
        (result) => {
            parentPort!.postMessage({ id: job.id, ok: true, result, started, finished: now() });
            // postMessage has copied the partial's arrays: they go back to this thread's pool for its next shard
            DatasetProfiler.releasePartial(result.partial);
        },
        (e) => parentPort!.postMessage({ id: job.id, ok: false, error: (e as Error).message }),
    );
});
