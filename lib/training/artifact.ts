/**
 * model.tar.gz packaging as the SageMaker XGBoost container expects it: a gzip'ed
 * tar archive holding a single model file at its root, named `xgboost-model`.
 * The container's serve_utils.get_loaded_booster lists the regular files of the
 * extracted model directory (older releases take the first one, newer ones load
 * every file as an ensemble member — hence exactly one file), tries `pickle.load`
 * and falls back to `xgb.Booster().load_model(path)`. We store XGBoost's JSON model
 * there; XGBoost recognises JSON by its leading `{"` even without a .json suffix
 * (the interop test loads the extracted extension-less file with xgboost 1.7).
 *
 * Minimal POSIX ustar writer/reader (regular files only) on top of Node's zlib.
 */
import * as fs from "fs";
import * as zlib from "zlib";
import { Booster } from "./model";

export const SAGEMAKER_MODEL_FILE = "xgboost-model";

export interface TarEntry {
    name: string;
    data: Buffer;
    mode?: number;
    mtime?: number;
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
    const s = Math.floor(value)
        .toString(8)
        .padStart(length - 1, "0");
    if (s.length > length - 1) throw new Error(`tar: value ${value} does not fit in a ${length}-byte octal field.`);
    buf.write(s, offset, length - 1, "ascii");
    buf[offset + length - 1] = 0;
}

function header(e: TarEntry): Buffer {
    const h = Buffer.alloc(512);
    let name = e.name;
    let prefix = "";
    if (Buffer.byteLength(name) > 100) {
        const cut = name.lastIndexOf("/", 155);
        if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) {
            throw new Error(`tar: file name "${e.name}" is too long for ustar (max 100 bytes, or 155-byte directory + 100-byte name); shorten it.`);
        }
        prefix = name.slice(0, cut);
        name = name.slice(cut + 1);
    }
    h.write(name, 0, 100, "utf8");
    writeOctal(h, 100, 8, e.mode ?? 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, e.data.length);
    writeOctal(h, 136, 12, e.mtime ?? Math.floor(Date.now() / 1000));
    h.fill(0x20, 148, 156); // checksum placeholder: spaces
    h[156] = 0x30; // '0' regular file
    h.write("ustar\0", 257, 6, "ascii");
    h.write("00", 263, 2, "ascii");
    h.write("root", 265, 32, "ascii");
    h.write("root", 297, 32, "ascii");
    if (prefix) h.write(prefix, 345, 155, "utf8");
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += h[i];
    h.write(sum.toString(8).padStart(6, "0"), 148, 6, "ascii");
    h[154] = 0;
    h[155] = 0x20;
    return h;
}

/** Uncompressed ustar archive of regular files. */
export function writeTar(entries: TarEntry[]): Buffer {
    const parts: Buffer[] = [];
    for (const e of entries) {
        parts.push(header(e), e.data);
        const pad = (512 - (e.data.length % 512)) % 512;
        if (pad) parts.push(Buffer.alloc(pad));
    }
    parts.push(Buffer.alloc(1024));
    return Buffer.concat(parts);
}

function readString(buf: Buffer, offset: number, length: number): string {
    const end = buf.indexOf(0, offset);
    return buf.toString("utf8", offset, end >= 0 && end < offset + length ? end : offset + length);
}

function readOctal(buf: Buffer, offset: number, length: number): number {
    const s = readString(buf, offset, length).trim();
    return s === "" ? 0 : parseInt(s, 8);
}

/** Regular files of a tar archive (ustar / GNU / pax headers tolerated; links and directories skipped). */
export function readTar(tar: Buffer): TarEntry[] {
    const out: TarEntry[] = [];
    let off = 0;
    let longName: string | undefined;
    while (off + 512 <= tar.length) {
        const h = tar.subarray(off, off + 512);
        if (h.every((b) => b === 0)) break;
        let sum = 0;
        for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
        const stored = readOctal(h, 148, 8);
        if (stored !== sum) {
            throw new Error(`tar: header checksum mismatch at byte ${off} (stored ${stored}, computed ${sum}); the archive is corrupt or not a tar file.`);
        }
        const size = readOctal(h, 124, 12);
        const type = String.fromCharCode(h[156] || 0x30);
        const dataStart = off + 512;
        if (dataStart + size > tar.length) throw new Error(`tar: entry at byte ${off} declares ${size} bytes but the archive ends early; it is truncated.`);
        const data = tar.subarray(dataStart, dataStart + size);
        if (type === "L") {
            longName = readString(data, 0, data.length);
        } else if (type === "0" || type === "\0") {
            let name = readString(h, 0, 100);
            const prefix = readString(h, 345, 155);
            if (h.toString("ascii", 257, 262) === "ustar" && prefix) name = `${prefix}/${name}`;
            if (longName) name = longName;
            longName = undefined;
            out.push({ name, data: Buffer.from(data), mode: readOctal(h, 100, 8), mtime: readOctal(h, 136, 12) });
        } else {
            longName = undefined;
        }
        off = dataStart + Math.ceil(size / 512) * 512;
    }
    return out;
}

/** model.tar.gz bytes holding `xgboost-model` (XGBoost JSON) at the archive root. */
export function packageModel(booster: Booster, fileName = SAGEMAKER_MODEL_FILE): Buffer {
    const data = Buffer.from(booster.toJSONString(), "utf8");
    return zlib.gzipSync(writeTar([{ name: fileName, data }]));
}

export function writeModelTarGz(booster: Booster, path: string): void {
    fs.writeFileSync(path, packageModel(booster));
}

/**
 * Load a model.tar.gz the way the SageMaker XGBoost container does: take the
 * regular files at the archive root, sorted by name, and load the first one.
 */
export function loadModelTarGz(input: string | Buffer): Booster {
    const gz = typeof input === "string" ? fs.readFileSync(input) : input;
    let tar: Buffer;
    try {
        tar = zlib.gunzipSync(gz);
    } catch (e) {
        throw new Error(
            `loadModelTarGz: input is not gzip data (${(e as Error).message}); pass a model.tar.gz produced by packageModel or a SageMaker training job.`,
        );
    }
    const files = readTar(tar)
        .filter((e) => !e.name.replace(/^\.\//, "").includes("/"))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (files.length === 0) {
        throw new Error("loadModelTarGz: the archive has no file at its root; SageMaker expects the model file (e.g. xgboost-model) at the top level.");
    }
    const first = files[0];
    const text = first.data.toString("utf8");
    if (!text.startsWith("{")) {
        throw new Error(
            `loadModelTarGz: ${first.name} is not an XGBoost JSON model (pickled or legacy binary models are not supported); re-save it with booster.save_model("model.json") and package that file as xgboost-model.`,
        );
    }
    return Booster.fromJSON(JSON.parse(text));
}
