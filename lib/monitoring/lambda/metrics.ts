/**
 * Names shared by the serverless monitor's Lambda handler (which emits them as EMF) and the Pulumi component
 * (which alarms on them). No AWS SDK imports here: the Pulumi program loads this module too.
 *
 * The data-quality metrics themselves (`feature_baseline_drift_<f>`, `feature_non_null_<f>`) use the service's
 * namespace and names (see ../emf.ts); these are the monitor's own health metrics.
 */

/** Namespace of the monitor's run metrics. */
export const SERVERLESS_MONITOR_NAMESPACE = "mlplatform/ServerlessMonitor";

/** 1 for every run that reached the end (data or no data); its absence means the monitor did not run. */
export const MONITOR_RUN_METRIC = "MonitorRun";
/** 1 when the analysis window held no capture rows, else 0. */
export const NO_CAPTURE_DATA_METRIC = "NoCaptureData";
/** Rows profiled in the window. */
export const ROWS_ANALYZED_METRIC = "RowsAnalyzed";
/** Constraint violations found. */
export const VIOLATIONS_METRIC = "ConstraintViolations";
/** Capture lines/rows/objects left out (malformed, outside the window, over the download budget). */
export const SKIPPED_METRIC = "SkippedRecords";
/** Capture objects downloaded. */
export const CAPTURE_OBJECTS_METRIC = "CaptureObjects";
/** Capture objects that could not be profiled at all (download failed, or no capture record in them). */
export const POISONED_OBJECTS_METRIC = "PoisonedObjects";
/** The distributed monitor only: batches whose worker failed after its retries (their objects are not in the report). */
export const FAILED_BATCHES_METRIC = "FailedBatches";

/** Dimension names (the same as the service's data-quality metrics). */
export const MONITOR_DIMENSIONS = { endpoint: "Endpoint", schedule: "MonitoringSchedule" } as const;

/** Handler path inside the Lambda archive (file `lib/monitoring/lambda/handler.js`, export `handler`). */
export const LAMBDA_HANDLER = "lib/monitoring/lambda/handler.handler";

/** Environment variables the handler reads (set by the component). */
export const ENV = {
    /** KMS key ARN to name in `SSEKMSKeyId` of report uploads (the monitoring bucket's default key). */
    reportsKmsKeyId: "MONITOR_REPORTS_KMS_KEY_ID",
    /** Download budget: at most this many bytes of capture per run (default 1 GiB). */
    maxCaptureBytes: "MONITOR_MAX_CAPTURE_BYTES",
    /** Download budget: at most this many capture objects per run (default 5000). */
    maxCaptureObjects: "MONITOR_MAX_CAPTURE_OBJECTS",
} as const;
