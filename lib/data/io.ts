/** File helpers: atomic writes, content hashes, CSV encoding. */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** A temp path next to `target` (same directory, so rename is atomic on one filesystem). */
export function tmpPathFor(target: string): string {
    const rnd = crypto.randomBytes(6).toString("hex");
    return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${rnd}.tmp`);
}

/** Write `data` to `target` atomically: write a temp file in the same folder, fsync, rename; on any error the temp file is removed. */
export function writeFileAtomic(target: string, data: string | Buffer): void {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = tmpPathFor(target);
    const fd = fs.openSync(tmp, "w");
    try {
        try {
            const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
            let off = 0;
            while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
            fs.fsyncSync(fd);
        } finally {
            fs.closeSync(fd);
        }
        fs.renameSync(tmp, target);
    } catch (e) {
        // a full disk or a failed rename never leaves the temporary file behind, and the target is untouched
        fs.rmSync(tmp, { force: true });
        throw e;
    }
}

export function sha256File(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

export function sha256(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** RFC 4180 field encoding; null/undefined → empty field. */
export function csvField(v: string | number | boolean | null | undefined): string {
    if (v === null || v === undefined) return "";
    const s = String(v);
    return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
    const out: string[] = [columns.map(csvField).join(",")];
    for (const r of rows) out.push(columns.map((c) => csvField(r[c] as string | number | null)).join(","));
    return out.join("\n") + "\n";
}

/**
 * Split one delimited line into fields. Fast path: plain split when there is no
 * double quote; otherwise RFC 4180 quoting ("" inside quotes is a literal quote).
 */
export function splitDelimited(line: string, delimiter = ","): string[] {
    if (line.indexOf('"') < 0) return line.split(delimiter);
    const fields: string[] = [];
    let cur = "";
    let inQuotes = false;
    for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (inQuotes) {
            if (ch === '"') {
                if (line[i + 1] === '"') {
                    cur += '"';
                    i++;
                } else inQuotes = false;
            } else cur += ch;
        } else if (ch === '"' && cur.trim() === "") {
            inQuotes = true;
            cur = "";
        } else if (line.startsWith(delimiter, i)) {
            fields.push(cur);
            cur = "";
            i += delimiter.length - 1;
        } else cur += ch;
    }
    fields.push(cur);
    return fields;
}
