/**
 * Test/bench helper: loads UCI Adult (data/adult) and one-hot encodes the
 * categorical columns. This is NOT the project's feature transform (that lives in
 * lib/features/, owned by someone else) — just enough to exercise the trainer.
 * Categories are learned from the training file (sorted); "?" and unseen
 * categories encode as all-zero indicator columns.
 */
import * as fs from "fs";
import * as path from "path";
import { DMatrix } from "../lib/training/dmatrix";

export const ADULT_DIR = path.resolve(__dirname, "../data/adult");

const CATEGORICAL = new Set(["workclass", "education", "marital_status", "occupation", "relationship", "race", "sex", "native_country"]);

interface Raw {
    header: string[];
    rows: string[][];
    labels: number[];
}

function readRaw(file: string, limit = Infinity): Raw {
    const text = fs.readFileSync(file, "utf8");
    const lines = text.split("\n");
    const header = lines[0].split(",").map((s) => s.trim());
    const rows: string[][] = [];
    const labels: number[] = [];
    for (let i = 1; i < lines.length && rows.length < limit; i++) {
        const line = lines[i].trim();
        if (line === "" || line.startsWith("|")) continue;
        const f = line.split(", ").map((s) => s.trim());
        if (f.length !== header.length) throw new Error(`${file}:${i + 1}: expected ${header.length} fields, got ${f.length}`);
        const lab = f[f.length - 1];
        labels.push(lab === ">50K" || lab === ">50K." ? 1 : 0);
        rows.push(f.slice(0, -1));
    }
    return { header: header.slice(0, -1), rows, labels };
}

export interface AdultEncoder {
    featureNames: string[];
    encode(raw: Raw): DMatrix;
}

function fitEncoder(train: Raw): AdultEncoder {
    const cols = train.header;
    const levels: (string[] | null)[] = cols.map((c, j) => {
        if (!CATEGORICAL.has(c)) return null;
        const s = new Set<string>();
        for (const r of train.rows) if (r[j] !== "?") s.add(r[j]);
        return [...s].sort();
    });
    const featureNames: string[] = [];
    cols.forEach((c, j) => {
        const lv = levels[j];
        if (lv) for (const l of lv) featureNames.push(`${c}=${l}`);
        else featureNames.push(c);
    });
    const encode = (raw: Raw): DMatrix => {
        const nCols = featureNames.length;
        const values = new Float32Array(raw.rows.length * nCols);
        raw.rows.forEach((r, i) => {
            let k = i * nCols;
            cols.forEach((_, j) => {
                const lv = levels[j];
                if (lv) {
                    const idx = lv.indexOf(r[j]);
                    if (idx >= 0) values[k + idx] = 1;
                    k += lv.length;
                } else {
                    values[k++] = r[j] === "?" ? NaN : Number(r[j]);
                }
            });
        });
        return { nRows: raw.rows.length, nCols, values, labels: Float32Array.from(raw.labels), featureNames: featureNames.slice() };
    };
    return { featureNames, encode };
}

/** Train and test matrices with the same one-hot layout; `limit` keeps the first rows of each file. */
export function loadAdult(opts: { trainLimit?: number; testLimit?: number } = {}): { train: DMatrix; test: DMatrix } {
    const tr = readRaw(path.join(ADULT_DIR, "adult.data"), opts.trainLimit);
    const te = readRaw(path.join(ADULT_DIR, "adult.test"), opts.testLimit);
    const enc = fitEncoder(tr);
    return { train: enc.encode(tr), test: enc.encode(te) };
}
