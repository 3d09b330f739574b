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
 */
import * as fs from 'fs';
import * as path from 'path';
import { captureS3Key } from '../monitoring/capture';

export interface CaptureWriterOptions {
  destination: string;
  prefix: string;
  endpoint: string;
  maxFileBytes?: number;
  maxFileAgeMs?: number;
  /** Clock (tests). */
  now?: () => Date;
}

export interface CaptureWriterStats {
  lines: number;
  bytes: number;
  /** write(2) calls issued (lines / writes = batching factor). */
  writes: number;
  filesOpened: number;
  errors: number;
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
  readonly stats: CaptureWriterStats = { lines: 0, bytes: 0, writes: 0, filesOpened: 0, errors: 0 };
  private readonly open = new Map<string, OpenFile>();
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly maxBytes: number;
  private readonly maxAge: number;
  private readonly now: () => Date;

  constructor(private readonly o: CaptureWriterOptions) {
    this.maxBytes = o.maxFileBytes ?? DEFAULT_CAPTURE_MAX_FILE_BYTES;
    this.maxAge = o.maxFileAgeMs ?? DEFAULT_CAPTURE_MAX_FILE_AGE_MS;
    this.now = o.now ?? (() => new Date());
  }

  /** Root of this endpoint's capture tree. */
  get endpointRoot(): string {
    return path.join(this.o.destination, ...this.o.prefix.split('/').filter(Boolean), this.o.endpoint);
  }

  /** Files written so far (current and rotated), in open order. */
  readonly files: string[] = [];

  /** Queue one complete JSON line (no newline); resolves once it has been written to the file. */
  append(variant: string, line: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('capture writer is closed (server shutting down); retry against a running endpoint'));
    if (line.includes('\n')) return Promise.reject(new Error('capture line contains a newline; JSON.stringify output never does — pass one record per line'));
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
    for (const [variant, items] of byVariant) {
      let text = '';
      for (const it of items) text += it.line + '\n';
      const buf = Buffer.from(text, 'utf8');
      try {
        const f = this.fileFor(variant, buf.length);
        writeAll(f.fd, buf);
        f.bytes += buf.length;
        this.stats.writes++;
        this.stats.lines += items.length;
        this.stats.bytes += buf.length;
      } catch (e) {
        this.stats.errors += items.length;
        const err = new Error(`data capture write for variant "${variant}" failed: ${(e as Error).message}; check that ${this.endpointRoot} is writable and the disk is not full`);
        for (const it of items) it.reject(err);
        continue;
      }
      for (const it of items) it.resolve();
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
      const file = path.join(this.o.destination, ...key.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const fd = fs.openSync(file, 'a'); // O_WRONLY | O_CREAT | O_APPEND
      f = { fd, file, bytes: 0, openedAt: t.getTime(), hour };
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

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
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
      else if (e.isFile() && e.name.endsWith('.jsonl')) {
        const size = fs.statSync(p).size;
        if (size === 0) continue;
        const fd = fs.openSync(p, 'r+');
        try {
          const last = Buffer.alloc(1);
          fs.readSync(fd, last, 0, 1, size - 1);
          if (last[0] === 0x0a) continue;
          // scan backwards for the last newline
          const chunk = Buffer.alloc(Math.min(size, 1 << 20));
          let keep = 0;
          for (let end = size; end > 0 && keep === 0; ) {
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
