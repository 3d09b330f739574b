/**
 * Reading SageMaker model artifacts: `model.tar.gz` (gzip'ed tar, as a training job writes to
 * `ModelArtifacts.S3ModelArtifacts`) or a bare XGBoost JSON model file. The tar format itself is
 * lib/training/artifact's `readTar`; this module adds the serving-side choice of members (an optional
 * `transform.json` next to the model, which `loadModelTarGz` would otherwise pick as the model because it
 * sorts first).
 */
import * as fs from "fs";
import * as zlib from "zlib";
import { readTar, SAGEMAKER_MODEL_FILE } from "../training/artifact";

export interface ModelArtifact {
    /** Parsed XGBoost JSON model. */
    modelJson: unknown;
    /** Parsed transform.json when the archive carries one. */
    transformJson?: unknown;
    /** Where the model came from: `file` or `archive!member`. */
    source: string;
}

function parseJson(text: string, where: string, fix: string): unknown {
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new Error(`${where}: not valid JSON (${(e as Error).message}); ${fix}`);
    }
}

/**
 * Load a model file. A gzip file is read as model.tar.gz: the model is the first root member by name
 * other than `transform.json` (normally `xgboost-model`, the name the SageMaker XGBoost container writes);
 * a root `transform.json` member is returned as `transformJson`. Anything else is read as XGBoost JSON.
 */
export function loadModelArtifact(file: string): ModelArtifact {
    let raw: Buffer;
    try {
        raw = fs.readFileSync(file);
    } catch (e) {
        throw new Error(`model file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check modelPath.`);
    }
    const isGzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
    if (!isGzip) {
        const text = raw.toString("utf8");
        return {
            modelJson: parseJson(text, `model file ${file}`, 'give an XGBoost JSON model (save_model("model.json")) or a model.tar.gz holding one.'),
            source: file,
        };
    }
    let tar: Buffer;
    try {
        tar = zlib.gunzipSync(raw);
    } catch (e) {
        throw new Error(`model archive ${file}: gzip data is corrupt (${(e as Error).message}); re-create the model.tar.gz.`);
    }
    let entries;
    try {
        entries = readTar(tar);
    } catch (e) {
        throw new Error(`model archive ${file}: ${(e as Error).message}`);
    }
    // Like the XGBoost container: regular files at the archive root, sorted by name, first one is the model —
    // except transform.json, which is the persisted feature transform.
    const root = entries
        .map((e) => ({ ...e, name: e.name.replace(/^\.\//, "") }))
        .filter((e) => !e.name.includes("/"))
        .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    const models = root.filter((e) => e.name !== "transform.json");
    if (models.length === 0) {
        throw new Error(
            `model archive ${file}: no model file at the archive root (found [${entries.map((e) => e.name).join(", ")}]); put the XGBoost JSON model at the top level as "${SAGEMAKER_MODEL_FILE}".`,
        );
    }
    const member = models[0];
    const modelJson = parseJson(
        member.data.toString("utf8"),
        `model archive ${file} member ${member.name}`,
        'only XGBoost JSON models are supported; re-save with save_model("xgboost-model.json") and re-pack.',
    );
    const tj = root.find((e) => e.name === "transform.json");
    const out: ModelArtifact = { modelJson, source: `${file}!${member.name}` };
    if (tj) out.transformJson = parseJson(tj.data.toString("utf8"), `model archive ${file} member ${tj.name}`, "re-save the transform.");
    return out;
}
