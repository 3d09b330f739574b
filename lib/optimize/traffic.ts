/**
 * Observed traffic per variant: invocations per minute over a window (idle minutes count as 0), its p50/p95/p99 and
 * peak, the daily (hour-of-day, UTC) and weekly (day-of-week) shape, trailing idle days and mean latencies.
 *
 * Sources: the local endpoint's EMF metric lines (lib/serving/telemetry: Invocations, ModelLatency, OverheadLatency
 * per EndpointName + VariantName) or CloudWatch `GetMetricData` results of the `AWS/SageMaker` metrics of the same
 * names (period 60 s, stat Sum / Average; see
 * https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html, "Endpoint invocation metrics").
 */

export interface MinutePoint {
    /** Start of the minute, ms since epoch (UTC). */
    t: number;
    invocations: number;
    /** Mean model + overhead latency of the minute's successful invocations, ms (undefined when unknown). */
    latencyMs?: number;
}

export interface VariantTraffic {
    variant: string;
    fromMs: number;
    toMs: number;
    minutes: number;
    total: number;
    perMinute: { p50: number; p95: number; p99: number; peak: number; mean: number };
    /** Mean invocations per minute for each UTC hour 0..23 (minutes observed in that hour). */
    hourly: number[];
    /** Mean invocations per minute for each UTC day of week 0 (Sunday)..6. */
    weekly: number[];
    /** Whole days at the end of the window without a single invocation. */
    trailingIdleDays: number;
    /** Invocation-weighted mean latency (model + overhead), ms; undefined without latency data. */
    meanLatencyMs?: number;
    /** Share of minutes with traffic that follow an idle minute (serverless cold-start exposure). */
    activeAfterIdleShare: number;
    /** Per-minute series, idle minutes included. */
    series: MinutePoint[];
}

export const MINUTE = 60_000;

/** Nearest-rank percentile of an ascending array (same convention as the load tester). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
    const n = sorted.length;
    if (n === 0) return 0;
    const rank = Math.ceil((p / 100) * n) - 1;
    return sorted[Math.min(n - 1, Math.max(0, rank))];
}

/** Fills idle minutes with 0 and computes the statistics of one variant's per-minute counts in [fromMs, toMs). */
export function summariseTraffic(
    variant: string,
    points: Map<number, { n: number; latSum: number; latN: number }>,
    fromMs: number,
    toMs: number,
): VariantTraffic {
    const start = Math.floor(fromMs / MINUTE) * MINUTE;
    const end = Math.ceil(toMs / MINUTE) * MINUTE;
    if (!(end > start)) throw new Error(`traffic window ${new Date(fromMs).toISOString()}..${new Date(toMs).toISOString()} is empty: give --from before --to`);
    const series: MinutePoint[] = [];
    const hourSum = new Array(24).fill(0),
        hourN = new Array(24).fill(0);
    const daySum = new Array(7).fill(0),
        dayN = new Array(7).fill(0);
    let total = 0,
        latW = 0,
        latTotal = 0,
        lastActive = -1,
        activeAfterIdle = 0,
        active = 0;
    let prevIdle = true;
    for (let t = start; t < end; t += MINUTE) {
        const p = points.get(t);
        const n = p?.n ?? 0;
        const lat = p && p.latN > 0 ? p.latSum / p.latN : undefined;
        series.push({ t, invocations: n, latencyMs: lat });
        const d = new Date(t);
        hourSum[d.getUTCHours()] += n;
        hourN[d.getUTCHours()]++;
        daySum[d.getUTCDay()] += n;
        dayN[d.getUTCDay()]++;
        total += n;
        if (lat !== undefined && n > 0) {
            latW += n;
            latTotal += lat * n;
        }
        if (n > 0) {
            active++;
            if (prevIdle) activeAfterIdle++;
            lastActive = t;
        }
        prevIdle = n === 0;
    }
    const sorted = series.map((s) => s.invocations).sort((a, b) => a - b);
    const idleMs = lastActive < 0 ? end - start : end - (lastActive + MINUTE);
    return {
        variant,
        fromMs: start,
        toMs: end,
        minutes: series.length,
        total,
        perMinute: {
            p50: percentile(sorted, 50),
            p95: percentile(sorted, 95),
            p99: percentile(sorted, 99),
            peak: sorted[sorted.length - 1] ?? 0,
            mean: total / series.length,
        },
        hourly: hourSum.map((s, i) => (hourN[i] ? s / hourN[i] : 0)),
        weekly: daySum.map((s, i) => (dayN[i] ? s / dayN[i] : 0)),
        trailingIdleDays: Math.floor(idleMs / 86_400_000),
        meanLatencyMs: latW > 0 ? latTotal / latW : undefined,
        activeAfterIdleShare: active ? activeAfterIdle / active : 0,
        series,
    };
}

export interface EmfParse {
    byVariant: Map<string, Map<number, { n: number; latSum: number; latN: number }>>;
    firstMs?: number;
    lastMs?: number;
    lines: number;
    /** Lines that are not EMF documents with Invocations (counted, never silently dropped). */
    skipped: number;
    /** Invocations not attributed to a variant (no VariantName dimension). */
    unattributed: number;
    /** Invocations in excluded windows (the load test's own requests), per variant. */
    excluded: number;
}

/** Parses the local endpoint's EMF metric file (one JSON document per line) of one endpoint. */
export function parseEmf(text: string, endpointName?: string, exclude: { fromMs: number; toMs: number }[] = []): EmfParse {
    const out: EmfParse = { byVariant: new Map(), lines: 0, skipped: 0, unattributed: 0, excluded: 0 };
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (!line) continue;
        out.lines++;
        let doc: Record<string, any>;
        try {
            doc = JSON.parse(line);
        } catch {
            out.skipped++;
            continue;
        }
        const ts = doc?._aws?.Timestamp;
        if (typeof ts !== "number" || typeof doc.Invocations !== "number") {
            out.skipped++;
            continue;
        }
        if (endpointName !== undefined && doc.EndpointName !== endpointName) {
            out.skipped++;
            continue;
        }
        if (exclude.some((w) => ts >= w.fromMs && ts <= w.toMs)) {
            out.excluded += doc.Invocations;
            continue;
        }
        if (typeof doc.VariantName !== "string") {
            out.unattributed += doc.Invocations;
            continue;
        }
        const minute = Math.floor(ts / MINUTE) * MINUTE;
        let m = out.byVariant.get(doc.VariantName);
        if (!m) out.byVariant.set(doc.VariantName, (m = new Map()));
        const cur = m.get(minute) ?? { n: 0, latSum: 0, latN: 0 };
        cur.n += doc.Invocations;
        if (typeof doc.ModelLatency === "number") {
            // EMF latencies are per-interval means in µs; weight them by the interval's successful invocations.
            const ok = doc.Invocations - (doc.Invocation4XXErrors ?? 0) - (doc.Invocation5XXErrors ?? 0);
            if (ok > 0) {
                cur.latSum += ((doc.ModelLatency + (doc.OverheadLatency ?? 0)) / 1000) * ok;
                cur.latN += ok;
            }
        }
        m.set(minute, cur);
        out.firstMs = Math.min(out.firstMs ?? ts, ts);
        out.lastMs = Math.max(out.lastMs ?? ts, ts);
    }
    return out;
}

/**
 * `exclude`: windows whose EMF documents are not traffic (the load test's own requests: an EMF document is stamped at
 * the end of its flush interval, so a window should end one interval after the load test).
 */
export function trafficFromEmf(
    text: string,
    opts: { endpointName?: string; fromMs?: number; toMs?: number; variants?: string[]; exclude?: { fromMs: number; toMs: number }[] },
): { traffic: VariantTraffic[]; parse: EmfParse } {
    const parse = parseEmf(text, opts.endpointName, opts.exclude);
    const fromMs = opts.fromMs ?? parse.firstMs;
    const toMs = opts.toMs ?? (parse.lastMs !== undefined ? Math.floor(parse.lastMs / MINUTE) * MINUTE + MINUTE : undefined);
    if (fromMs === undefined || toMs === undefined) {
        throw new Error(
            `the EMF metrics hold no Invocations${opts.endpointName ? ` of endpoint ${opts.endpointName}` : ""} (${parse.lines} lines, ${parse.skipped} skipped): send traffic to the endpoint (or run the loadtest step) first, or give --from/--to`,
        );
    }
    const names = new Set([...(opts.variants ?? []), ...parse.byVariant.keys()]);
    const traffic = [...names].map((v) => {
        const all = parse.byVariant.get(v) ?? new Map();
        const inWindow = new Map([...all].filter(([t]) => t >= Math.floor(fromMs / MINUTE) * MINUTE && t < toMs));
        return summariseTraffic(v, inWindow, fromMs, toMs);
    });
    return { traffic, parse };
}
