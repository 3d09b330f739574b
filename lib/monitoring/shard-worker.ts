/** worker_threads entry point: profile one shard of capture files (see shard.ts). */
import { parentPort, workerData } from "worker_threads";
import { profileCaptureShard } from "./shard";

const { files, options } = workerData as { files: string[]; options: Parameters<typeof profileCaptureShard>[1] };
profileCaptureShard(files, options).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (e) => parentPort!.postMessage({ ok: false, error: (e as Error).message }),
);
