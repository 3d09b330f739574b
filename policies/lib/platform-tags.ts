/**
 * Tags the platform's components write and the pack's rules read, defined once here: the pack's leaf libraries
 * (policies/lib, policies/data) are the one part of the standalone pack that lower layers (components/) may import.
 */

/** On AWS Config rules, packs and compliance routes: the recorder they rely on, "stack" or "existing:<name>" (detective-controls). */
export const RECORDER_TAG = "mlplatform:config-recorder";

/** On the serverless monitor's Lambda: the name of the endpoint it monitors (monitoring-coverage). */
export const MONITOR_ENDPOINT_TAG = "mlplatform:monitor-endpoint";
