/**
 * The S3 layout of both targets, defined once: the keys and prefixes every step, engine and component reads or writes
 * in the stack's buckets, and the content types objects are stored with. The local target keeps the same keys under
 * `<workdir>/s3/<bucket>/`, so one function serves both. Keys are relative to their bucket (no leading slash;
 * prefixes end with "/"); the URI helpers take the stack outputs' bucket URIs (`s3://<name>/`).
 *
 *   curated     prepared/{train,validation,test}.csv, data-quality-report.json      prepare
 *               model-input/<split>/<split>.csv                                      features (built-in XGBoost CSV)
 *               batch-transform/{input,raw-input}/test.csv, batch-transform/output/ features, batch-infer
 *               evaluation/<key>/transform/                                          train/tune test-set scoring
 *   artifacts   features/transform.json, features/sample-payload.tar.gz             features
 *               models/...                                                           train, tune, features (preprocess)
 *               evaluation/<key>/statistics.json                                     train/tune model quality
 *   monitoring  baselines/<endpoint>/{statistics,constraints}.json                   monitor (data-quality baseline)
 *               model-quality/baseline/{statistics,constraints}.json                 evaluate
 *               ground-truth/<endpoint>/yyyy/mm/dd/hh/                               monitor
 *               reports/<endpoint>/<schedule>/yyyy/mm/dd/hh/                         monitor (the steps' replay)
 *               reports/data-quality/<endpoint>/<schedule>/yyyy/mm/dd/hh/           serverless monitor, Model Monitor
 *
 * The hour partition yyyy/mm/dd/hh (UTC) is SageMaker's data-capture layout ("Capture data from real-time endpoint",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html); ground truth must use the
 * same path format ("Ingest Ground Truth labels and merge them with predictions",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-merge.html).
 *
 * This module imports nothing: the URI helpers take any object with the stack outputs' `buckets` shape.
 */

/** The bucket URIs the layout needs, as `StackOutputs.buckets` holds them (contracts/stack-outputs.ts). */
export interface LayoutBuckets {
    buckets: Record<"curated" | "artifacts" | "monitoring", { uri: string }>;
}

/** `s3://bucket/` + key, whether or not the bucket URI ends with "/". */
function under(bucketUri: string, key: string): string {
    return `${bucketUri.endsWith("/") ? bucketUri : `${bucketUri}/`}${key}`;
}

// ---- S3 URIs --------------------------------------------------------------------------------------------------------

/**
 * `s3://bucket/a/b` -> { bucket, key: "a/b" } (key "" for the bucket itself); throws naming the input when it is not an
 * s3:// URI. With `bucketNamingRules` the bucket must also have the characters of S3's general-purpose bucket naming
 * rules (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit: "Bucket naming
 * rules", https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): the local target maps a bucket
 * to a folder, so a name such as ".." must never pass there.
 */
export function parseS3Uri(uri: string, o: { bucketNamingRules?: boolean } = {}): { bucket: string; key: string } {
    const m = o.bucketNamingRules ? /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri) : /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!m) throw new Error(`'${uri}' is not an S3 URI: expected s3://<bucket>/<key>`);
    return { bucket: m[1], key: m[2] ?? "" };
}

// ---- curated bucket -------------------------------------------------------------------------------------------------

/** Cleaned splits with header, and the prepare step's data-quality report. */
export const PREPARED_PREFIX = "prepared/";
/** Model input of a split: label first, transformed features, no header (the built-in XGBoost CSV format). */
export const MODEL_INPUT_PREFIX = "model-input/";
/** record_id, label, transformed features of the test split (InputFilter $[2:] leaves the features for the model). */
export const BATCH_INPUT_KEY = "batch-transform/input/test.csv";
/** record_id, label, the raw record of the test split: what the inference pipeline reads (batch-infer). */
export const RAW_BATCH_INPUT_KEY = "batch-transform/raw-input/test.csv";
/** The batch transform's output folder (`test.csv.out`: record_id, label, score). */
export const BATCH_OUTPUT_PREFIX = "batch-transform/output/";

// ---- artifacts bucket -----------------------------------------------------------------------------------------------

/** The fitted feature transform (lib/features), written by the features step and read by every later step. */
export const TRANSFORM_KEY = "features/transform.json";
/** Sample requests for Inference Recommender (features step). */
export const SAMPLE_PAYLOAD_KEY = "features/sample-payload.tar.gz";
/** Models, training and tuning jobs' outputs, preprocessing archives: the only prefix the hosting role may read. */
export const MODELS_PREFIX = "models/";
/** Test-set predictions (curated) and model-quality statistics (artifacts) of a train/tune run, per data key. */
export const EVALUATION_PREFIX = "evaluation/";

// ---- monitoring bucket ----------------------------------------------------------------------------------------------

/** The evaluate step's model-quality baseline (statistics.json, constraints.json). */
export const MODEL_QUALITY_BASELINE_PREFIX = "model-quality/baseline/";
/** Default reports prefix of the serverless monitor and the Model Monitor schedule (components). */
export const DATA_QUALITY_REPORTS_PREFIX = "reports/data-quality";

/** Key prefix (no leading or trailing slash) of an endpoint's data-quality baseline in the monitoring bucket. */
export function baselinePrefix(endpointName: string): string {
    if (!endpointName || /[\s/*?]/.test(endpointName))
        throw new Error(`baselinePrefix: endpoint name ${JSON.stringify(endpointName)} must be non-empty, without spaces, "/" or wildcards`);
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

/** Report folder of a monitoring execution (the steps' replay): `reports/<endpoint>/<schedule>/yyyy/mm/dd/hh`. */
export function reportPrefix(endpoint: string, schedule: string, t: Date): string {
    return `reports/${endpoint}/${schedule}/${hourPartition(t)}`;
}

// ---- URIs in the stack's buckets ------------------------------------------------------------------------------------

export function preparedUri(out: LayoutBuckets, file = ""): string {
    return under(out.buckets.curated.uri, `${PREPARED_PREFIX}${file}`);
}

/** Folder (channel prefix) of a model-input split. */
export function modelInputPrefix(out: LayoutBuckets, split: "train" | "validation" | "test"): string {
    return under(out.buckets.curated.uri, `${MODEL_INPUT_PREFIX}${split}/`);
}

export function modelInputUri(out: LayoutBuckets, split: "train" | "validation" | "test"): string {
    return `${modelInputPrefix(out, split)}${split}.csv`;
}

export function batchInputUri(out: LayoutBuckets): string {
    return under(out.buckets.curated.uri, BATCH_INPUT_KEY);
}

/** The raw records of the test split (record_id, label, raw input columns): what the inference pipeline reads. */
export function rawBatchInputUri(out: LayoutBuckets): string {
    return under(out.buckets.curated.uri, RAW_BATCH_INPUT_KEY);
}

export function batchOutputPrefix(out: LayoutBuckets): string {
    return under(out.buckets.curated.uri, BATCH_OUTPUT_PREFIX);
}

export function transformUri(out: LayoutBuckets): string {
    return under(out.buckets.artifacts.uri, TRANSFORM_KEY);
}

export function samplePayloadUri(out: LayoutBuckets): string {
    return under(out.buckets.artifacts.uri, SAMPLE_PAYLOAD_KEY);
}

/** Under the artifacts bucket's models/ prefix, e.g. `<job>/output/model.tar.gz` (a training job's S3OutputPath layout). */
export function modelsUri(out: LayoutBuckets, rel = ""): string {
    return under(out.buckets.artifacts.uri, `${MODELS_PREFIX}${rel}`);
}

/** Model-quality statistics of a train/tune run (artifacts bucket). */
export function statisticsUri(out: LayoutBuckets, key: string): string {
    return under(out.buckets.artifacts.uri, `${EVALUATION_PREFIX}${key}/statistics.json`);
}

/** Test-set predictions of a train/tune run (curated bucket, the transform job's output folder). */
export function evaluationTransformPrefix(out: LayoutBuckets, key: string): string {
    return under(out.buckets.curated.uri, `${EVALUATION_PREFIX}${key}/transform/`);
}

export function modelQualityBaselineUri(out: LayoutBuckets, file = ""): string {
    return under(out.buckets.monitoring.uri, `${MODEL_QUALITY_BASELINE_PREFIX}${file}`);
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
    if (!endpointName || /[\s/*?]/.test(endpointName))
        throw new Error(`partialsPrefix: endpoint name ${JSON.stringify(endpointName)} must be non-empty, without spaces, "/" or wildcards`);
    return `${PARTIALS_ROOT}/${endpointName}`;
}

/** Prefix of one run's files: `partials/<endpoint>/<schedule>/<yyyy/mm/dd/hh>/<run>`. */
export function partialsRunPrefix(endpointName: string, scheduleName: string, hourPath: string, runId: string): string {
    if (!/^\d{4}\/\d{2}\/\d{2}\/\d{2}$/.test(hourPath)) throw new Error(`partialsRunPrefix: hour ${JSON.stringify(hourPath)} must be yyyy/mm/dd/hh`);
    for (const [k, v] of [
        ["scheduleName", scheduleName],
        ["runId", runId],
    ]) {
        if (!v || /[\s/*?]/.test(v)) throw new Error(`partialsRunPrefix: ${k} ${JSON.stringify(v)} must be non-empty, without spaces, "/" or wildcards`);
    }
    return `${partialsPrefix(endpointName)}/${scheduleName}/${hourPath}/${runId}`;
}

/** Key of a run's plan (the Distributed Map's ItemReader reads it). */
export const partialsManifestKey = (runPrefix: string): string => `${runPrefix}/manifest.json`;
/** Key of a batch's partial profile; batch ids are zero-padded so key order is batch order. */
export const partialBatchKey = (runPrefix: string, batchId: string): string => `${runPrefix}/batches/${batchId}.json`;
