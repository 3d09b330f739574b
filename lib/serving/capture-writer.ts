/**
 * Durable data-capture writer.
 *
 * Layout: `<destination>/<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm>-<ss>-<mmm>-<uuid>.jsonl`
 * (key from lib/monitoring/capture `captureS3Key`, UTC hour partitions). A file is rotated when the
 * UTC hour changes, when it would exceed `maxFileBytes`, or when it is older than `maxFileAgeMs`.
 *
 * Reliability guarantee (what the server relies on before it answers 200):
 *  - `append()` resolves only after the line's bytes were handed to the kernel by a completed
 *    `write(2)` on a file descriptor opened with O_APPEND (`fs.writeSync`). After that point the line
 *    survives a SIGKILL of the server (it is in the page cache; it does NOT survive a power loss /
 *    kernel crash — there is no fsync per request, as with SageMaker's own asynchronous capture).
 *  - Concurrent appends are batched: all lines queued during one event-loop turn are joined and written
 *    with ONE `write(2)` per variant file, so throughput does not depend on the request rate.
 *  - Each write holds only complete lines (`<json>\n` ...), so a file never contains a partial line unless
 *    the process dies inside the write system call itself. Linux may shorten a buffered write when a fatal
 *    signal arrives between pages, so as defence in depth `repairTornTails()` (run at server start) trims a
 *    trailing incomplete line left by such a crash. A trimmed line was never acknowledged (its request had
 *    not been answered), so the guarantee "every 200 has its line" is unaffected.
 *  - A failed or short write (ENOSPC on a full disk, EIO, EDQUOT, ...) never leaves a partial line: the writer
 *    remembers the file size before each batch write; on an error it truncates the file back to the end of the
 *    last complete line that did reach the file, resolves exactly the lines that were written in full, rejects
 *    the others (the server answers those 500 and never 200), and rotates to a new file for the next write.
 *    A file left empty by the failure is removed. So: every line in a capture file is a complete record of a
 *    request answered 200, and every request answered 200 has its line.
 */
import * as fs from "fs";
import * as path from "path";
import { captureS3Key } from "../monitoring/capture";

export interface CaptureWriterOptions {
    destination: string;
    prefix: string;
    endpoint: string;
    maxFileBytes?: number;
    maxFileAgeMs?: number;
    /** Clock (tests). */
    now?: () => Date;
    /** `fs.writeSync` replacement (fault injection in tests: short writes, ENOSPC, EIO). */
    writeSync?: (fd: number, buf: Buffer, offset: number, length: number) => number;
}

export interface CaptureWriterStats {
    lines: number;
    bytes: number;
    /** write(2) calls issued (lines / writes = batching factor). */
    writes: number;
    filesOpened: number;
    /** Lines rejected because their write failed. */
    errors: number;
    /** Failed batch writes (each truncated back to its last complete line, then rotated). */
    failedWrites: number;
    /** Bytes of partially written lines cut off again after a failed write. */
    bytesTruncated: number;
}

interface OpenFile {
    fd: number;
    file: string;
    bytes: number;
    openedAt: number;
    hour: number;
}

interface Pending {
    variant: string;
    line: string;
    resolve: () => void;
    reject: (e: Error) => void;
}

export const DEFAULT_CAPTURE_MAX_FILE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_CAPTURE_MAX_FILE_AGE_MS = 10 * 60 * 1000;

export class CaptureWriter {
    readonly stats: CaptureWriterStats = { lines: 0, bytes: 0, writes: 0, filesOpened: 0, errors: 0, failedWrites: 0, bytesTruncated: 0 };
    private readonly open = new Map<string, OpenFile>();
    private queue: Pending[] = [];
    private scheduled = false;
    private closed = false;
    private readonly maxBytes: number;
    private readonly maxAge: number;
    private readonly now: () => Date;
    private readonly write: (fd: number, buf: Buffer, offset: number, length: number) => number;

    constructor(private readonly o: CaptureWriterOptions) {
        this.maxBytes = o.maxFileBytes ?? DEFAULT_CAPTURE_MAX_FILE_BYTES;
        this.maxAge = o.maxFileAgeMs ?? DEFAULT_CAPTURE_MAX_FILE_AGE_MS;
        this.now = o.now ?? (() => new Date());
        this.write = o.writeSync ?? ((fd, buf, off, len) => fs.writeSync(fd, buf, off, len));
    }

    /** Root of this endpoint's capture tree. */
    get endpointRoot(): string {
        return path.join(this.o.destination, ...this.o.prefix.split("/").filter(Boolean), this.o.endpoint);
    }

    /** Files written so far (current and rotated), in open order. */
    readonly files: string[] = [];

    /** Queue one complete JSON line (no newline); resolves once it has been written to the file. */
    append(variant: string, line: string): Promise<void> {
        if (this.closed) return Promise.reject(new Error("capture writer is closed (server shutting down); retry against a running endpoint"));
        if (line.includes("\n"))
            return Promise.reject(new Error("capture line contains a newline; JSON.stringify output never does — pass one record per line"));
        return new Promise<void>((resolve, reject) => {
            this.queue.push({ variant, line, resolve, reject });
            if (!this.scheduled) {
                this.scheduled = true;
                setImmediate(() => this.drain());
            }
        });
    }

    /** Write everything queued now (synchronously). */
    drain(): void {
        this.scheduled = false;
        const q = this.queue;
        if (q.length === 0) return;
        this.queue = [];
        const byVariant = new Map<string, Pending[]>();
        for (const p of q) {
            let a = byVariant.get(p.variant);
            if (!a) byVariant.set(p.variant, (a = []));
            a.push(p);
        }
        for (const [variant, items] of byVariant) this.writeBatch(variant, items);
    }

    /**
     * One write(2) (plus continuations after a short write) for a variant's queued lines. On failure the file is
     * truncated back to the end of the last line written in full; exactly the lines that are in the file resolve.
     */
    private writeBatch(variant: string, items: Pending[]): void {
        const ends: number[] = []; // byte offset (in buf) just after each line's newline
        let text = "";
        for (const it of items) {
            text += it.line + "\n";
            ends.push(Buffer.byteLength(text, "utf8"));
        }
        const buf = Buffer.from(text, "utf8");
        let f: OpenFile | undefined;
        let written = 0;
        try {
            f = this.fileFor(variant, buf.length);
            while (written < buf.length) {
                const n = this.write(f.fd, buf, written, buf.length - written);
                if (!(n > 0)) throw Object.assign(new Error(`write returned ${n} bytes`), { code: "EIO" });
                written += n;
            }
            f.bytes += buf.length;
            this.stats.writes++;
            this.stats.lines += items.length;
            this.stats.bytes += buf.length;
            for (const it of items) it.resolve();
            return;
        } catch (e) {
            // lines written in full stay (they are complete records); the partial tail is cut off again
            let okLines = 0;
            while (okLines < ends.length && ends[okLines] <= written) okLines++;
            const keepBytes = okLines > 0 ? ends[okLines - 1] : 0;
            let cause = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
            if (f) {
                try {
                    fs.ftruncateSync(f.fd, f.bytes + keepBytes);
                } catch (te) {
                    cause += `; truncating the partial line failed too (${(te as Error).message}): the next server start repairs the file`;
                }
                this.stats.bytesTruncated += written - keepBytes;
                f.bytes += keepBytes;
                this.rotate(variant, f);
            }
            this.stats.failedWrites++;
            if (okLines > 0) {
                this.stats.writes++;
                this.stats.lines += okLines;
                this.stats.bytes += keepBytes;
            }
            const failed = items.length - okLines;
            this.stats.errors += failed;
            const err = new Error(
                `data capture write for variant "${variant}" failed (${cause}); the request was not captured and not answered 200: check that ${this.endpointRoot} is writable and the disk is not full`,
            );
            for (let i = 0; i < items.length; i++) i < okLines ? items[i].resolve() : items[i].reject(err);
        }
    }

    /** Close a variant's current file (the next write opens a new one); an empty file is removed. */
    private rotate(variant: string, f: OpenFile): void {
        try {
            fs.closeSync(f.fd);
        } catch {
            /* already closed */
        }
        this.open.delete(variant);
        if (f.bytes === 0) {
            try {
                fs.unlinkSync(f.file);
                const i = this.files.lastIndexOf(f.file);
                if (i >= 0) this.files.splice(i, 1);
            } catch {
                /* keep it: an empty capture file is valid */
            }
        }
    }

    private fileFor(variant: string, incoming: number): OpenFile {
        const t = this.now();
        const hour = Math.floor(t.getTime() / 3600_000);
        let f = this.open.get(variant);
        if (f && (f.hour !== hour || (f.bytes > 0 && f.bytes + incoming > this.maxBytes) || t.getTime() - f.openedAt >= this.maxAge)) {
            fs.closeSync(f.fd);
            this.open.delete(variant);
            f = undefined;
        }
        if (!f) {
            const key = captureS3Key({ prefix: this.o.prefix, endpoint: this.o.endpoint, variant, time: t });
            const file = path.join(this.o.destination, ...key.split("/"));
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const fd = fs.openSync(file, "a"); // O_WRONLY | O_CREAT | O_APPEND
            let size: number;
            try {
                size = fs.fstatSync(fd).size;
            } catch (e) {
                fs.closeSync(fd);
                throw e;
            }
            f = { fd, file, bytes: size, openedAt: t.getTime(), hour };
            this.open.set(variant, f);
            this.files.push(file);
            this.stats.filesOpened++;
        }
        return f;
    }

    /** Write what is queued and close all files. Further appends are rejected. */
    close(): void {
        this.drain();
        this.closed = true;
        for (const f of this.open.values()) {
            try {
                fs.closeSync(f.fd);
            } catch {
                /* already closed */
            }
        }
        this.open.clear();
    }
}

/**
 * Trim a trailing incomplete line (no final newline) from every `.jsonl` file below `root`.
 * Returns the repaired files and how many bytes were cut. Missing root → nothing to do.
 */
export function repairTornTails(root: string): { file: string; bytesRemoved: number }[] {
    const out: { file: string; bytesRemoved: number }[] = [];
    if (!fs.existsSync(root)) return out;
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile() && e.name.endsWith(".jsonl")) {
                const size = fs.statSync(p).size;
                if (size === 0) continue;
                const fd = fs.openSync(p, "r+");
                try {
                    const last = Buffer.alloc(1);
                    fs.readSync(fd, last, 0, 1, size - 1);
                    if (last[0] === 0x0a) continue;
                    // scan backwards for the last newline
                    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
                    let keep = 0;
                    for (let end = size; end > 0 && keep === 0;) {
                        const start = Math.max(0, end - chunk.length);
                        fs.readSync(fd, chunk, 0, end - start, start);
                        const nl = chunk.subarray(0, end - start).lastIndexOf(0x0a);
                        if (nl >= 0) keep = start + nl + 1;
                        else if (start === 0) break;
                        end = start;
                    }
                    fs.ftruncateSync(fd, keep);
                    out.push({ file: p, bytesRemoved: size - keep });
                } finally {
                    fs.closeSync(fd);
                }
            }
        }
    };
    walk(root);
    return out;
}
