/**
 * The preprocessing container of the inference pipeline (one endpoint contract on both targets): AWS's prebuilt
 * scikit-learn serving image runs `lib/aws/scripts/preprocess.py`, which applies the persisted feature transform to
 * raw records and hands the model features (text/csv) to the built-in XGBoost container behind it.
 *
 * The script and the transform travel in one deterministic archive (`sourcedir.tar.gz`):
 *
 *   code/preprocess.py   the user module (SAGEMAKER_PROGRAM=preprocess.py, SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code)
 *   transform.json       the fitted transform; model_fn(model_dir) reads <model_dir>/transform.json
 *
 * The archive is the preprocessing container's ModelDataUrl, so SageMaker downloads it with the model's execution role
 * and extracts it to /opt/ml/model before the container starts. It is not fetched by the container itself (an S3
 * SAGEMAKER_SUBMIT_DIRECTORY would be): the platform's models run with network isolation, which blocks every outbound
 * call of the container, S3 included (SageMaker Developer Guide, "Run training and inference containers in
 * internet-free mode"). This is the layout the SageMaker Python SDK produces when it repacks an entry point into the
 * model archive (`code/` + SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code).
 *
 * Deterministic: fixed member order, mode 0644, mtime 0, uid/gid 0, gzip without a timestamp — the same script and
 * transform always give the same bytes, so the archive is stored content-addressed
 * (`s3://<artifacts>/models/preprocess-<sha256 prefix>/sourcedir.tar.gz`, under models/ where the hosting role reads
 * model data) and a model package keeps pointing at exactly what it was registered with.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { writeTar } from "../training/artifact";

export const PREPROCESS_SCRIPT_FILE = path.join(__dirname, "scripts", "preprocess.py");
export const PREPROCESS_PROGRAM = "preprocess.py";
export const PREPROCESS_SUBMIT_DIRECTORY = "/opt/ml/model/code";

/**
 * Environment of the preprocessing container. SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: the scikit-learn serving stack
 * substitutes it for an absent or `*\/*` Accept header (sagemaker_containers Request.accept); text/csv matches the
 * local endpoint's default answer type. Log level 20 = INFO.
 */
export function preprocessContainerEnvironment(): Record<string, string> {
    return {
        SAGEMAKER_PROGRAM: PREPROCESS_PROGRAM,
        SAGEMAKER_SUBMIT_DIRECTORY: PREPROCESS_SUBMIT_DIRECTORY,
        SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "text/csv",
        SAGEMAKER_CONTAINER_LOG_LEVEL: "20",
    };
}

export interface PreprocessArchive {
    /** gzip-compressed ustar archive. */
    tarGz: Buffer;
    /** sha256 (hex) of `tarGz`. */
    sha256: string;
    members: string[];
}

/** Builds `sourcedir.tar.gz` from the transform (JSON text or file contents) and the preprocessing script. */
export function buildPreprocessArchive(transformJson: Buffer | string, script: Buffer | string = fs.readFileSync(PREPROCESS_SCRIPT_FILE)): PreprocessArchive {
    const transform = Buffer.isBuffer(transformJson) ? transformJson : Buffer.from(transformJson, "utf8");
    let doc: { format?: unknown };
    try {
        doc = JSON.parse(transform.toString("utf8"));
    } catch (e) {
        throw new Error(`preprocessing archive: the transform is not JSON (${(e as Error).message}); pass the transform.json written by the features step`);
    }
    if (!doc || doc.format !== "ml-platform/feature-transform") {
        throw new Error(
            `preprocessing archive: the transform's format is ${JSON.stringify(doc?.format)}, expected "ml-platform/feature-transform"; pass the transform.json written by the features step`,
        );
    }
    const entries = [
        { name: `code/${PREPROCESS_PROGRAM}`, data: Buffer.isBuffer(script) ? script : Buffer.from(script, "utf8"), mode: 0o644, mtime: 0 },
        { name: "transform.json", data: transform, mode: 0o644, mtime: 0 },
    ];
    const tarGz = zlib.gzipSync(writeTar(entries), { level: 9 });
    return { tarGz, sha256: crypto.createHash("sha256").update(tarGz).digest("hex"), members: entries.map((e) => e.name) };
}

/** Content-addressed S3 key of the archive under the artifacts bucket URI (`s3://bucket/`). */
export function preprocessArchiveUri(artifactsBucketUri: string, sha256: string): string {
    const base = artifactsBucketUri.endsWith("/") ? artifactsBucketUri : `${artifactsBucketUri}/`;
    return `${base}models/preprocess-${sha256.slice(0, 16)}/sourcedir.tar.gz`;
}
