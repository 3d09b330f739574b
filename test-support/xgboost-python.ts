/**
 * Bridge to Debian's python3-xgboost (1.7.x) through /usr/bin/python3, used by the
 * interoperability tests and bench/training.ts as the reference implementation.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DMatrix } from "../lib/training/dmatrix";

export const PYTHON = "/usr/bin/python3";
const BRIDGE = path.join(__dirname, "xgb_bridge.py");

let cached: { ok: boolean; version?: string; reason?: string } | undefined;

export function xgboostAvailable(): { ok: boolean; version?: string; reason?: string } {
    if (cached) return cached;
    const r = spawnSync(PYTHON, ["-c", "import xgboost, numpy; print(xgboost.__version__)"], { encoding: "utf8" });
    if (r.status === 0) cached = { ok: true, version: r.stdout.trim() };
    else {
        cached = {
            ok: false,
            reason: `python3-xgboost is not importable via ${PYTHON} (${(r.stderr || String(r.error)).trim().split("\n").pop()}); install it with "apt-get install python3-xgboost"`,
        };
    }
    return cached;
}

function writeMatrix(dir: string, name: string, m: DMatrix) {
    const values = path.join(dir, `${name}.values.f32`);
    const labels = path.join(dir, `${name}.labels.f32`);
    fs.writeFileSync(values, Buffer.from(m.values.buffer, m.values.byteOffset, m.values.byteLength));
    fs.writeFileSync(labels, Buffer.from(m.labels.buffer, m.labels.byteOffset, m.labels.byteLength));
    return { values, labels, nRows: m.nRows, nCols: m.nCols };
}

function run(dir: string, cmd: object): Record<string, unknown> {
    const f = path.join(dir, "cmd.json");
    fs.writeFileSync(f, JSON.stringify(cmd));
    const r = spawnSync(PYTHON, [BRIDGE, f], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`xgb_bridge.py failed (status ${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

function readF32(file: string): Float32Array {
    const b = fs.readFileSync(file);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function tmpDir(prefix = "gbt-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Predict probabilities with xgboost from a model file (JSON with .json extension, or any file XGBoost loads). */
export function xgbPredict(modelPath: string, data: DMatrix): { pred: Float32Array; numTrees: number } {
    const dir = tmpDir();
    try {
        const out = path.join(dir, "pred.f32");
        const res = run(dir, { op: "predict", model: modelPath, data: writeMatrix(dir, "x", data), out });
        return { pred: readF32(out), numTrees: Number(res.num_trees) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Train with xgboost (params passed verbatim; num_round popped), save JSON to modelPath, predict on test. */
export function xgbTrain(
    params: Record<string, unknown>,
    train: DMatrix,
    test: DMatrix,
    modelPath: string,
): { pred: Float32Array; trainSeconds: number; version: string } {
    const dir = tmpDir();
    try {
        const out = path.join(dir, "pred.f32");
        const res = run(dir, {
            op: "train",
            params,
            train: writeMatrix(dir, "train", train),
            test: writeMatrix(dir, "test", test),
            model: modelPath,
            out,
        });
        return { pred: readF32(out), trainSeconds: Number(res.train_seconds), version: String(res.version) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
