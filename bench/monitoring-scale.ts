/**
 * Scale benchmark for the data-quality engine (issue 14): end to end from capture JSONL files
 * (CSV payloads, 20 numeric features) through the profiler, single process vs sharded workers.
 * CPU time (process.cpuUsage, including worker threads) is reported next to wall time and the load
 * average, because the benchmark machine is shared.
 *
 *   npx ts-node --transpile-only bench/monitoring-scale.ts [records=200000] [workers=2]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatCaptureRecord } from '../lib/monitoring/capture';

export function writeCaptureFiles(dir: string, records: number, files = 8, features = 20, seed = 7): { bytes: number } {
  let s = seed >>> 0 || 1;
  const u = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  let bytes = 0;
  const per = Math.ceil(records / files);
  for (let f = 0; f < files; f++) {
    const hourDir = path.join(dir, 'AllTraffic', '2026', '01', '01', String(f % 24).padStart(2, '0'));
    fs.mkdirSync(hourDir, { recursive: true });
    const lines: string[] = [];
    for (let r = f * per; r < Math.min(records, (f + 1) * per); r++) {
      const cells: string[] = [];
      for (let j = 0; j < features; j++) {
        const k = j % 4;
        if (k === 0) cells.push((Math.sqrt(-2 * Math.log(u())) * Math.cos(6.283185307179586 * u())).toFixed(6));
        else if (k === 1) cells.push((u() * 100).toFixed(3));
        else if (k === 2) cells.push(String(Math.floor(u() * 50)));
        else cells.push(u() < 0.01 ? '' : Math.exp(u() * 3).toFixed(4));
      }
      lines.push(
        formatCaptureRecord({
          input: { data: cells.join(','), contentType: 'text/csv' },
          output: { data: u().toFixed(6), contentType: 'text/csv' },
          eventId: `00000000-0000-4000-8000-${String(r).padStart(12, '0')}`,
          inferenceTime: new Date(Date.UTC(2026, 0, 1, f % 24, 0, r % 3600)),
        }),
      );
    }
    const text = lines.join('\n') + '\n';
    bytes += Buffer.byteLength(text);
    fs.writeFileSync(path.join(hourDir, `part-${f}.jsonl`), text);
  }
  return { bytes };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function run(records = 200_000, workers = 2): Promise<Record<string, unknown>> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mon = require('../lib/monitoring');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mon-scale-'));
  try {
    const { bytes } = writeCaptureFiles(dir, records);
    const out: Record<string, unknown> = { records, features: 20, capture_mb: +(bytes / 1e6).toFixed(1), load_average_1m: +os.loadavg()[0].toFixed(2) };
    const names = Array.from({ length: 20 }, (_, j) => `f${j}`);
    let t = performance.now();
    let c = cpuMs();
    const p = await mon.profileRows(mon.readCaptureRows(dir), { columnNames: names });
    const singleCpu = cpuMs() - c;
    const singleWall = performance.now() - t;
    out.single = { rows: p.rows, cpu_ms: Math.round(singleCpu), wall_ms: Math.round(singleWall), records_per_cpu_s: Math.round(records / (singleCpu / 1000)) };
    if (typeof mon.profileCaptureSharded === 'function' && workers > 1) {
      t = performance.now();
      c = cpuMs();
      const r = await mon.profileCaptureSharded(dir, { workers, profiler: { columnNames: names } });
      const wall = performance.now() - t;
      out.sharded = { workers, rows: r.profiler.rows, cpu_ms_incl_workers: Math.round(cpuMs() - c), wall_ms: Math.round(wall), speedup_wall: +(singleWall / wall).toFixed(2) };
    }
    out.load_average_1m_after = +os.loadavg()[0].toFixed(2);
    out.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 2)).then((r) => console.log(JSON.stringify(r, null, 2)));
}
