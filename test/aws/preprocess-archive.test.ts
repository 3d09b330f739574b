/** lib/aws/preprocess: the inference pipeline's preprocessing archive (sourcedir.tar.gz) is deterministic and complete. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as zlib from "zlib";
import { buildPreprocessArchive, preprocessArchiveUri, preprocessContainerEnvironment, PREPROCESS_SCRIPT_FILE } from "../../lib/aws/preprocess";
import { readTar } from "../../lib/training";

const TRANSFORM = JSON.stringify({ format: "ml-platform/feature-transform", version: 1, featureNames: [] });

describe("preprocessing archive (sourcedir.tar.gz)", () => {
    it("is byte-identical for the same script and transform, whenever it is built", async () => {
        const a = buildPreprocessArchive(TRANSFORM);
        await new Promise((r) => setTimeout(r, 1100)); // a clock-dependent mtime would change now
        const b = buildPreprocessArchive(Buffer.from(TRANSFORM));
        assert.equal(Buffer.compare(a.tarGz, b.tarGz), 0);
        assert.equal(a.sha256, b.sha256);
        assert.notEqual(buildPreprocessArchive(TRANSFORM.replace("[]", '["x"]')).sha256, a.sha256);
    });

    it("holds code/preprocess.py and transform.json, as the container's SAGEMAKER_SUBMIT_DIRECTORY and model_fn expect", () => {
        const members = readTar(zlib.gunzipSync(buildPreprocessArchive(TRANSFORM).tarGz));
        assert.deepEqual(
            members.map((m) => m.name),
            ["code/preprocess.py", "transform.json"],
        );
        assert.equal(members[0].data.toString(), fs.readFileSync(PREPROCESS_SCRIPT_FILE, "utf8"));
        assert.equal(members[1].data.toString(), TRANSFORM);
        const env = preprocessContainerEnvironment();
        assert.equal(env.SAGEMAKER_PROGRAM, "preprocess.py");
        assert.equal(env.SAGEMAKER_SUBMIT_DIRECTORY, "/opt/ml/model/code");
    });

    it("refuses something that is not a feature transform, naming the fix", () => {
        assert.throws(() => buildPreprocessArchive("{"), /not JSON.*features step/);
        assert.throws(() => buildPreprocessArchive('{"format":"x"}'), /format is "x".*features step/);
    });

    it("is stored content-addressed under the artifacts bucket", () => {
        const { sha256 } = buildPreprocessArchive(TRANSFORM);
        assert.equal(preprocessArchiveUri("s3://bucket", sha256), `s3://bucket/models/preprocess-${sha256.slice(0, 16)}/sourcedir.tar.gz`);
    });
});
