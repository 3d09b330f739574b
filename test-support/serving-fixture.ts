/**
 * Shared fixture for the serving tests and bench: a small binary:logistic model trained with
 * lib/training on the first rows of data/adult/adult.data, with its lib/features transform, saved as
 * model.json + transform.json and packed as a SageMaker-style model.tar.gz (made with the system `tar`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { ADULT_SCHEMA, parseBuffer } from "../lib/data";
import { Transform, featureSpecFromSchema, fitTransform } from "../lib/features";
import { train } from "../lib/training/trainer";
import { Booster } from "../lib/training/model";

export const ADULT_DATA = path.resolve(__dirname, "../data/adult/adult.data");

export interface ServingFixture {
    dir: string;
    modelJson: string;
    transformJson: string;
    modelTarGz: string;
    /** Second model (different hyperparameters) for A/B and shadow tests. */
    modelJsonB: string;
    booster: Booster;
    boosterB: Booster;
    transform: Transform;
    /** Raw Adult feature lines (14 columns, original ", " separators, no label). */
    rawLines: string[];
    labels: number[];
}

let cached: ServingFixture | undefined;
const created: string[] = [];
// temp folders of this test process are removed when it exits (set SERVING_KEEP_TMP=1 to keep them)
process.on("exit", () => {
    if (process.env.SERVING_KEEP_TMP) return;
    for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

export function adultRawLines(limit: number, skip = 0): { lines: string[]; labels: number[] } {
    const text = fs.readFileSync(ADULT_DATA, "utf8").split("\n");
    const lines: string[] = [];
    const labels: number[] = [];
    for (let i = 1 + skip; i < text.length && lines.length < limit; i++) {
        const l = text[i].trim();
        if (!l) continue;
        const cut = l.lastIndexOf(",");
        lines.push(l.slice(0, cut));
        labels.push(
            l
                .slice(cut + 1)
                .trim()
                .startsWith(">50K")
                ? 1
                : 0,
        );
    }
    return { lines, labels };
}

export function servingFixture(): ServingFixture {
    if (cached) return cached;
    const dir = tmpDir("fixture");
    const text = fs.readFileSync(ADULT_DATA, "utf8").split("\n");
    const head = text.slice(0, 3001).join("\n");
    const rows = parseBuffer(Buffer.from(head), "adult.data", ADULT_SCHEMA, { sourceTag: "data" }).rows;
    const transformJson = path.join(dir, "transform.json");
    const transform = fitTransform(rows, featureSpecFromSchema(), transformJson);
    const dm = transform.toDMatrix(rows);
    const booster = train({ objective: "binary:logistic", num_round: 12, max_depth: 4, eta: 0.3, seed: 1 }, dm).booster;
    const boosterB = train({ objective: "binary:logistic", num_round: 6, max_depth: 2, eta: 0.5, seed: 2 }, dm).booster;
    const modelJson = path.join(dir, "model.json");
    const modelJsonB = path.join(dir, "model-b.json");
    booster.saveModel(modelJson);
    boosterB.saveModel(modelJsonB);
    const pkg = path.join(dir, "pkg");
    fs.mkdirSync(pkg);
    fs.copyFileSync(modelJson, path.join(pkg, "xgboost-model"));
    fs.copyFileSync(transformJson, path.join(pkg, "transform.json"));
    const modelTarGz = path.join(dir, "model.tar.gz");
    execFileSync("tar", ["-czf", modelTarGz, "-C", pkg, "xgboost-model", "transform.json"]);
    const { lines, labels } = adultRawLines(400, 3000);
    cached = { dir, modelJson, transformJson, modelTarGz, modelJsonB, booster, boosterB, transform, rawLines: lines, labels };
    return cached;
}

/** Expected probability for one raw line, straight through lib/features + lib/training. */
export function expectedProb(b: Booster, t: Transform, line: string): number {
    const v = t.applyCsvLine(line);
    return b.predict({ nRows: 1, nCols: v.length, values: v })[0];
}

export function tmpDir(tag: string): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `serving-${tag}-`));
    created.push(d);
    return d;
}
