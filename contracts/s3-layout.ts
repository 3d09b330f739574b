/**
 * The monitoring bucket's layout, defined once: the AWS `monitor` step writes the data-quality baseline here, and
 * the serverless monitor (components/serverless-monitor.ts, lib/monitoring/lambda) and the Model Monitor schedule
 * (components/monitor-schedule.ts) read it from here.
 *
 *   baselines/<endpoint>/{statistics.json, constraints.json}     data-quality baseline of an endpoint's model
 */

/** Key prefix (no leading or trailing slash) of an endpoint's data-quality baseline in the monitoring bucket. */
export function baselinePrefix(endpointName: string): string {
    if (!endpointName || /[\s/*?]/.test(endpointName)) throw new Error(`baselinePrefix: endpoint name ${JSON.stringify(endpointName)} must be non-empty, without spaces, "/" or wildcards`);
    return `baselines/${endpointName}`;
}
