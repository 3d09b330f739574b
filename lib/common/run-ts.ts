/**
 * Starting code from the TypeScript sources in another thread or process: through scripts/run-ts.cjs, the project's
 * `.ts` loader (transpiled modules come from its disk cache; see there). One place for its path, used by the tuning worker
 * threads and the local endpoint process (lib/monitoring/shard.ts writes the same two lines itself, to keep this module
 * out of the Lambda archive).
 */
import * as path from "path";

/** Absolute path of scripts/run-ts.cjs. */
export const RUN_TS = path.resolve(__dirname, "..", "..", "scripts", "run-ts.cjs");

/** Source of an `eval: true` worker thread that installs the `.ts` loader, then loads `entry` (a `.ts` file). */
export function tsWorkerSource(entry: string): string {
    return `require(${JSON.stringify(RUN_TS)}); require(${JSON.stringify(entry)});`;
}
