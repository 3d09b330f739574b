/**
 * Data-quality monitoring benchmark.
 *  1. 1,000,000 rows x 20 numeric features (generated in 64k-row chunks, typed arrays): baseline
 *     (statistics + suggested constraints), then a monitoring run on a second, partly shifted 1M-row set
 *     (profile + all checks incl. KLL drift).
 *  2. UCI Adult (data/adult/adult.data, CSV parsed): baseline, then a run on data/adult/adult.test.
 * Reports wall time, rows/s and peak RSS. Run: npx ts-node --transpile-only -e "require('./bench/monitoring').run().then(r => console.log(r))"
 */
import * as path from 'path';
import { analyze, checkConstraints, DatasetProfiler, readCsvRows, suggestBaseline, suggestConstraints } from '../lib/monitoring';

const ROWS = 1_000_000;
const FEATURES = 20;
const CHUNK = 65_536;

/** xorshift-based generator filling typed columns; feature j: normal / uniform / integer-valued mixes. */
function fillChunk(cols: Float64Array[], n: number, seed: { s: number }, shift: number): void {
  let s = seed.s >>> 0;
  const u = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  for (let j = 0; j < cols.length; j++) {
    const c = cols[j];
    const kind = j % 4;
    const sh = j < 5 ? shift : 0; // only the first 5 features drift
    for (let i = 0; i < n; i++) {
      if (kind === 0) c[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(6.283185307179586 * u()) + sh;
      else if (kind === 1) c[i] = u() * 100 + sh * 10;
      else if (kind === 2) c[i] = Math.floor(u() * 50 + sh * 5);
      else c[i] = u() < 0.01 ? NaN : Math.exp(u() * 3 + sh);
    }
  }
  seed.s = s;
}

function profileGenerated(seed: number, shift: number, rows = ROWS): { profiler: DatasetProfiler; genMs: number; profMs: number; profCpuMs: number } {
  const names = Array.from({ length: FEATURES }, (_, j) => `f${j}`);
  const profiler = new DatasetProfiler({ columnNames: names });
  const cols = Array.from({ length: FEATURES }, () => new Float64Array(CHUNK));
  const st = { s: seed };
  let genMs = 0;
  let profMs = 0;
  let profCpuMs = 0;
  for (let done = 0; done < rows; done += CHUNK) {
    const n = Math.min(CHUNK, rows - done);
    let t = performance.now();
    fillChunk(cols, n, st, shift);
    genMs += performance.now() - t;
    t = performance.now();
    const c0 = cpuMs();
    profiler.addNumericColumns(cols, n);
    profCpuMs += cpuMs() - c0;
    profMs += performance.now() - t;
  }
  return { profiler, genMs, profMs, profCpuMs };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Machine-speed reference: CPU µs to sort 2,050 doubles (one KLL level-0 compaction), median of 200. */
function sortCalibrationUs(): number {
  const src = new Float64Array(2050 * 200);
  for (let i = 0; i < src.length; i++) src[i] = Math.sin(i * 12.9898) * 43758.5453;
  const t: number[] = [];
  for (let k = 0; k < 200; k++) {
    const b = src.slice(k * 2050, (k + 1) * 2050);
    const c0 = cpuMs();
    b.sort();
    t.push((cpuMs() - c0) * 1000);
  }
  return Math.round(t.sort((x, y) => x - y)[100]);
}

export async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { sort_2050_doubles_cpu_us: sortCalibrationUs() };
  // ---- 1M x 20 ----
  const b = profileGenerated(12345, 0);
  let t = performance.now();
  let c0 = cpuMs();
  const baseStats = b.profiler.toStatistics();
  const baseCons = suggestConstraints(baseStats);
  const baseFinishMs = performance.now() - t;
  const baseCpuMs = b.profCpuMs + cpuMs() - c0;
  const baselineMs = b.profMs + baseFinishMs;
  const c = profileGenerated(67890, 0.5);
  t = performance.now();
  c0 = cpuMs();
  const curStats = c.profiler.toStatistics();
  const res = checkConstraints({ baselineConstraints: baseCons, baselineStatistics: baseStats, currentStatistics: curStats });
  const checkMs = performance.now() - t;
  const runCpuMs = c.profCpuMs + cpuMs() - c0;
  const runMs = c.profMs + checkMs;
  out.synthetic = {
    rows: ROWS,
    features: FEATURES,
    baseline_ms: Math.round(baselineMs),
    baseline_rows_per_s: Math.round(ROWS / (baselineMs / 1000)),
    baseline_cpu_ms: Math.round(baseCpuMs),
    monitoring_run_cpu_ms: Math.round(runCpuMs),
    load_average_1m: Number(require('os').loadavg()[0].toFixed(2)),
    monitoring_run_ms: Math.round(runMs),
    monitoring_run_rows_per_s: Math.round(ROWS / (runMs / 1000)),
    checks_ms: Math.round(checkMs),
    generation_ms_excluded: Math.round(b.genMs + c.genMs),
    violations: res.violations.violations.map((v) => `${v.feature_name}:${v.constraint_check_type}`),
    peak_rss_mb: peakRssMb(),
  };
  // ---- memory while streaming 10M rows: the profiler keeps sketches, not rows, so peak RSS must stay flat ----
  const rssBefore = peakRssMb();
  const big = profileGenerated(424242, 0, 10 * ROWS);
  const bigStats = big.profiler.toStatistics();
  out.streaming_10m = {
    rows: 10 * ROWS,
    features: FEATURES,
    profile_ms: Math.round(big.profMs),
    profile_cpu_ms: Math.round(big.profCpuMs),
    rows_per_s: Math.round((10 * ROWS) / (big.profMs / 1000)),
    peak_rss_mb_after_1m_runs: rssBefore,
    peak_rss_mb_after_10m_run: peakRssMb(),
    item_count: bigStats.dataset.item_count,
  };
  // ---- Adult ----
  const root = path.join(__dirname, '..', 'data', 'adult');
  t = performance.now();
  const base = await suggestBaseline(readCsvRows(path.join(root, 'adult.data'), { header: true }));
  const adultBaseMs = performance.now() - t;
  t = performance.now();
  const ar = await analyze({ baselineStatistics: base.statistics, baselineConstraints: base.constraints, current: readCsvRows(path.join(root, 'adult.test'), { header: true }) });
  const adultRunMs = performance.now() - t;
  out.adult = {
    baseline_rows: base.statistics.dataset.item_count,
    baseline_ms: Math.round(adultBaseMs),
    baseline_rows_per_s: Math.round(base.statistics.dataset.item_count / (adultBaseMs / 1000)),
    run_rows: ar.statistics.dataset.item_count,
    run_ms: Math.round(adultRunMs),
    run_rows_per_s: Math.round(ar.statistics.dataset.item_count / (adultRunMs / 1000)),
    violations: ar.violations.violations.map((v) => `${v.feature_name}:${v.constraint_check_type}`),
  };
  out.peak_rss_mb = peakRssMb();
  // ---- capture JSONL end to end (one process vs worker threads) and the reference tools (issue 14) ----
  out.capture_end_to_end = await require('./monitoring-scale').run(Number(process.env.MONITORING_BENCH_RECORDS ?? 400_000), 2);
  return out;
}

if (require.main === module) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
