/**
 * The monitoring bucket's layout, defined once: the `monitor` step (both targets) writes the data-quality baseline and
 * the ground truth here, and the serverless monitor (components/serverless-monitor.ts, lib/monitoring/lambda) and the
 * Model Monitor schedule (components/monitor-schedule.ts) read them from here.
 *
 *   baselines/<endpoint>/{statistics.json, constraints.json}     data-quality baseline of an endpoint's model
 *   ground-truth/<endpoint>/yyyy/mm/dd/hh/<file>.jsonl           ground truth, eventId = the request's inference id
 * with the content type of each file by its extension (MONITORING_CONTENT_TYPES).
 */

/** Key prefix (no leading or trailing slash) of an endpoint's data-quality baseline in the monitoring bucket. */
export function baselinePrefix(endpointName: string): string {
    if (!endpointName || /[\s/*?]/.test(endpointName)) throw new Error(`baselinePrefix: endpoint name ${JSON.stringify(endpointName)} must be non-empty, without spaces, "/" or wildcards`);
    return `baselines/${endpointName}`;
}

/**
 * The hour partition `yyyy/mm/dd/hh` (UTC) of a time: the key layout of data-capture files
 * (`<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/`), ground truth and monitoring reports.
 */
export function hourPartition(t: Date): string {
    const pad = (n: number) => String(n).padStart(2, "0");
    return [String(t.getUTCFullYear()), pad(t.getUTCMonth() + 1), pad(t.getUTCDate()), pad(t.getUTCHours())].join("/");
}

/**
 * Key prefix (no trailing slash) of an endpoint's ground truth in the monitoring bucket: files go under
 * `<prefix>/yyyy/mm/dd/hh/` with one `{groundTruthData, eventMetadata.eventId, eventVersion}` record a line, the
 * layout Model Monitor's model-quality jobs merge with the capture.
 */
export function groundTruthPrefix(endpointName: string): string {
    return `ground-truth/${endpointName}`;
}

/** Content-Type of the monitoring files by file extension (JSON Lines: `application/jsonlines`, SageMaker's JSON Lines type, https://docs.aws.amazon.com/sagemaker/latest/dg/cdf-inference.html). */
export const MONITORING_CONTENT_TYPES: Readonly<Record<string, string>> = {
    ".json": "application/json",
    ".jsonl": "application/jsonlines",
    ".csv": "text/csv",
    ".html": "text/html; charset=utf-8",
};
