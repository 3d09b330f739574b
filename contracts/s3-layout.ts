/**
 * The monitoring bucket's layout, defined once: the AWS `monitor` step writes the data-quality baseline here, and
 * the serverless monitor (components/serverless-monitor.ts, lib/monitoring/lambda) and the Model Monitor schedule
 * (components/modelmonitor.ts) read it from here.
 *
 *   baselines/<endpoint>/{statistics.json, constraints.json}     data-quality baseline of an endpoint's model
 */

/** Key prefix (no leading or trailing slash) of an endpoint's data-quality baseline in the monitoring bucket. */
export function baselinePrefix(endpointName: string): string {
    if (!endpointName || /[\s/*?]/.test(endpointName)) throw new Error(`baselinePrefix: endpoint name ${JSON.stringify(endpointName)} must be non-empty, without spaces, "/" or wildcards`);
    return `baselines/${endpointName}`;
}

/**
 * The distributed monitor's working files (components/distributed-monitor.ts, lib/monitoring/distributed):
 *
 *   partials/<endpoint>/<schedule>/yyyy/mm/dd/hh/<run>/manifest.json          the plan: batches of capture objects
 *   partials/<endpoint>/<schedule>/yyyy/mm/dd/hh/<run>/batches/<batch>.json   one worker's partial profile
 *
 * `hh` is the hour of the window's end (the report's folder), `<run>` the Step Functions execution name, so a rerun
 * of an hour never mixes its partials with an earlier run's. The worker role may write only under PARTIALS_ROOT,
 * the reducer reads only there; neither reaches the other's prefixes (gate/access/contract.ts).
 */
export const PARTIALS_ROOT = "partials";

/** Key prefix (no leading or trailing slash) of an endpoint's partials in the monitoring bucket. */
export function partialsPrefix(endpointName: string): string {
    if (!endpointName || /[\s/*?]/.test(endpointName)) throw new Error(`partialsPrefix: endpoint name ${JSON.stringify(endpointName)} must be non-empty, without spaces, "/" or wildcards`);
    return `${PARTIALS_ROOT}/${endpointName}`;
}

/** Prefix of one run's files: `partials/<endpoint>/<schedule>/<yyyy/mm/dd/hh>/<run>`. */
export function partialsRunPrefix(endpointName: string, scheduleName: string, hourPath: string, runId: string): string {
    if (!/^\d{4}\/\d{2}\/\d{2}\/\d{2}$/.test(hourPath)) throw new Error(`partialsRunPrefix: hour ${JSON.stringify(hourPath)} must be yyyy/mm/dd/hh`);
    for (const [k, v] of [["scheduleName", scheduleName], ["runId", runId]]) {
        if (!v || /[\s/*?]/.test(v)) throw new Error(`partialsRunPrefix: ${k} ${JSON.stringify(v)} must be non-empty, without spaces, "/" or wildcards`);
    }
    return `${partialsPrefix(endpointName)}/${scheduleName}/${hourPath}/${runId}`;
}

/** Key of a run's plan (the Distributed Map's ItemReader reads it). */
export const partialsManifestKey = (runPrefix: string): string => `${runPrefix}/manifest.json`;
/** Key of a batch's partial profile; batch ids are zero-padded so key order is batch order. */
export const partialBatchKey = (runPrefix: string, batchId: string): string => `${runPrefix}/batches/${batchId}.json`;
