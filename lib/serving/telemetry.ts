/**
 * Structured JSON logs and per-variant endpoint metrics (CloudWatch Embedded Metric Format via
 * lib/monitoring/emf).
 *
 * Metrics per flush interval and variant (dimensions EndpointName + VariantName, like the
 * `AWS/SageMaker` endpoint invocation metrics): Invocations, Invocation4XXErrors, Invocation5XXErrors
 * (Count; Invocations counts every request, errors included), ModelLatency and OverheadLatency (Microseconds, average over the interval's successful
 * invocations) plus ModelLatencyMax / OverheadLatencyMax. Requests rejected before a variant was chosen
 * (e.g. an unknown target variant) are counted with the EndpointName dimension only.
 * Intervals without traffic emit nothing.
 */
import * as fs from "fs";
import * as path from "path";
import { EmfMetric, buildEmfLines } from "../monitoring/emf";
import { INVOCATION_METRICS } from "../../contracts/metrics";

type Level = "debug" | "info" | "warn" | "error";

/** One JSON object per line: {time, level, event, ...fields}. Writes are synchronous appends. */
export class JsonLogger {
    private fd: number | undefined;
    constructor(readonly file?: string) {
        if (file) {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            this.fd = fs.openSync(file, "a");
        }
    }
    log(level: Level, event: string, fields: Record<string, unknown> = {}): void {
        if (this.fd === undefined) return;
        let line: string;
        try {
            line = JSON.stringify({ time: new Date().toISOString(), level, event, ...fields });
        } catch {
            line = JSON.stringify({ time: new Date().toISOString(), level, event, note: "fields not serialisable" });
        }
        try {
            fs.writeSync(this.fd, line + "\n");
        } catch {
            /* logging must never take the server down */
        }
    }
    info(event: string, fields?: Record<string, unknown>): void {
        this.log("info", event, fields);
    }
    warn(event: string, fields?: Record<string, unknown>): void {
        this.log("warn", event, fields);
    }
    error(event: string, fields?: Record<string, unknown>): void {
        this.log("error", event, fields);
    }
    close(): void {
        if (this.fd !== undefined) fs.closeSync(this.fd);
        this.fd = undefined;
    }
}

interface Counters {
    invocations: number;
    e4xx: number;
    e5xx: number;
    latN: number;
    modelSum: number;
    modelMax: number;
    overSum: number;
    overMax: number;
}

const zero = (): Counters => ({ invocations: 0, e4xx: 0, e5xx: 0, latN: 0, modelSum: 0, modelMax: 0, overSum: 0, overMax: 0 });

/** Key for requests not attributed to a variant. */
export const ENDPOINT_LEVEL = "";

export interface MetricsTotals {
    invocations: number;
    invocation4XXErrors: number;
    invocation5XXErrors: number;
}

export class EndpointMetrics {
    private cur = new Map<string, Counters>();
    private readonly totals = new Map<string, MetricsTotals>();
    private timer: NodeJS.Timeout | undefined;
    private fd: number | undefined;
    /** EMF lines written so far. */
    linesWritten = 0;

    constructor(
        readonly endpointName: string,
        readonly namespace: string,
        readonly file?: string,
        readonly intervalMs = 60_000,
    ) {
        if (file) {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            this.fd = fs.openSync(file, "a");
        }
    }

    /** Record one request. `variant` = ENDPOINT_LEVEL when no variant was chosen. Latencies in µs (success only). */
    record(variant: string, status: number, modelUs?: number, overheadUs?: number): void {
        let c = this.cur.get(variant);
        if (!c) this.cur.set(variant, (c = zero()));
        let t = this.totals.get(variant);
        if (!t) this.totals.set(variant, (t = { invocations: 0, invocation4XXErrors: 0, invocation5XXErrors: 0 }));
        c.invocations++;
        t.invocations++;
        if (status >= 400 && status < 500) {
            c.e4xx++;
            t.invocation4XXErrors++;
        } else if (status >= 500) {
            c.e5xx++;
            t.invocation5XXErrors++;
        } else if (modelUs !== undefined && overheadUs !== undefined) {
            c.latN++;
            c.modelSum += modelUs;
            c.overSum += overheadUs;
            if (modelUs > c.modelMax) c.modelMax = modelUs;
            if (overheadUs > c.overMax) c.overMax = overheadUs;
        }
    }

    /** Cumulative counters per variant since start (ENDPOINT_LEVEL key = unattributed). */
    snapshot(): Record<string, MetricsTotals> {
        return Object.fromEntries([...this.totals].map(([k, v]) => [k === ENDPOINT_LEVEL ? "(endpoint)" : k, { ...v }]));
    }

    /** Build (and write, when a file is configured) the EMF lines of the current interval; resets it. */
    flush(timestamp: Date = new Date()): string[] {
        const cur = this.cur;
        this.cur = new Map();
        const lines: string[] = [];
        for (const [variant, c] of cur) {
            const metrics: EmfMetric[] = [
                { name: INVOCATION_METRICS.invocations, value: c.invocations, unit: "Count" },
                { name: INVOCATION_METRICS.errors4xx, value: c.e4xx, unit: "Count" },
                { name: INVOCATION_METRICS.errors5xx, value: c.e5xx, unit: "Count" },
            ];
            if (c.latN > 0) {
                metrics.push(
                    { name: INVOCATION_METRICS.modelLatency, value: Math.round(c.modelSum / c.latN), unit: "Microseconds" },
                    { name: INVOCATION_METRICS.overheadLatency, value: Math.round(c.overSum / c.latN), unit: "Microseconds" },
                    { name: "ModelLatencyMax", value: Math.round(c.modelMax), unit: "Microseconds" },
                    { name: "OverheadLatencyMax", value: Math.round(c.overMax), unit: "Microseconds" },
                );
            }
            const dimensions: Record<string, string> = { EndpointName: this.endpointName };
            if (variant !== ENDPOINT_LEVEL) dimensions.VariantName = variant;
            lines.push(...buildEmfLines({ namespace: this.namespace, dimensions, metrics, timestamp }));
        }
        if (this.fd !== undefined && lines.length) {
            try {
                fs.writeSync(this.fd, lines.join("\n") + "\n");
                this.linesWritten += lines.length;
            } catch {
                /* metrics must never take the server down */
            }
        }
        return lines;
    }

    start(): void {
        if (this.timer) return;
        this.timer = setInterval(() => this.flush(), this.intervalMs);
        this.timer.unref();
    }

    /** Stop the timer, flush the last interval and close the file. */
    close(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        this.flush();
        if (this.fd !== undefined) fs.closeSync(this.fd);
        this.fd = undefined;
    }
}
