/**
 * Reading SageMaker model artifacts: `model.tar.gz` (gzip'ed tar, as a training job writes to
 * `ModelArtifacts.S3ModelArtifacts`) or a bare XGBoost JSON model file.
 *
 * lib/training has no model.tar.gz reader at the time of writing (it loads JSON model files only),
 * so the tar part lives here: a small POSIX ustar / GNU / PAX reader (regular files only).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export interface TarEntry {
  name: string;
  data: Buffer;
}

function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const z = s.indexOf(0);
  return (z < 0 ? s : s.subarray(0, z)).toString('utf8');
}

function octal(b: Buffer, start: number, len: number, where: string): number {
  // GNU base-256 encoding for large sizes: high bit of the first byte set.
  if (b[start] & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i];
    return v;
  }
  const s = cstr(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`${where}: tar header field "${s}" is not octal; the archive is corrupt or not a tar file.`);
  return parseInt(s, 8);
}

/** Regular files of an (uncompressed) tar archive. */
export function readTar(buf: Buffer, where = 'tar'): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = octal(h, 148, 8, where);
    if (stored !== sum) throw new Error(`${where}: tar header checksum mismatch at offset ${off}; the archive is corrupt or not a tar file.`);
    const size = octal(h, 124, 12, where);
    const type = String.fromCharCode(h[156] || 0x30);
    const magic = cstr(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? cstr(h, 345, 155) : '';
    let name = cstr(h, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const dataStart = off + 512;
    if (dataStart + size > buf.length) throw new Error(`${where}: entry "${name}" needs ${size} bytes but the archive is truncated.`);
    const data = buf.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = cstr(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) paxPath = m[1];
      continue;
    }
    if (type === 'g') continue;
    const finalName = paxPath ?? longName ?? name;
    longName = paxPath = undefined;
    if (type === '0' || type === '\0' || type === '7') out.push({ name: finalName.replace(/^\.\//, ''), data: Buffer.from(data) });
  }
  return out;
}

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
 * Load a model file. `.tar.gz`/`.tgz` (or any gzip file): the model member is `xgboost-model` (what the
 * SageMaker XGBoost container writes), else the only `*.json` member other than `transform.json`.
 * A `transform.json` member is returned as `transformJson`.
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
    const text = raw.toString('utf8');
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
  const entries = readTar(tar, `model archive ${file}`);
  const base = (n: string) => path.posix.basename(n);
  let member = entries.find((e) => base(e.name) === 'xgboost-model');
  if (!member) {
    const jsons = entries.filter((e) => e.name.endsWith('.json') && base(e.name) !== 'transform.json');
    if (jsons.length === 1) member = jsons[0];
    else {
      throw new Error(
        `model archive ${file}: expected a member named "xgboost-model" or exactly one *.json model, found [${entries
          .map((e) => e.name)
          .join(', ')}]; package the XGBoost JSON model as "xgboost-model".`,
      );
    }
  }
  const modelJson = parseJson(
    member.data.toString('utf8'),
    `model archive ${file} member ${member.name}`,
    'only XGBoost JSON models are supported; re-save with save_model("xgboost-model.json") and re-pack.',
  );
  const tj = entries.find((e) => base(e.name) === 'transform.json');
  const out: ModelArtifact = { modelJson, source: `${file}!${member.name}` };
  if (tj) out.transformJson = parseJson(tj.data.toString('utf8'), `model archive ${file} member ${tj.name}`, 're-save the transform.');
  return out;
}
