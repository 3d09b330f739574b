/**
 * Step load test against a local endpoint (the local analogue of an Inference Recommender load test).
 *
 * For each concurrency step (default 1, 2, 4, 8, 16, 32) it keeps `concurrency` requests in flight over a
 * keep-alive agent until the step's duration or request budget is used up, then reports throughput,
 * p50/p90/p99/max latency and the error rate. It stops after the first step whose p99 exceeds the SLO
 * (or whose error rate exceeds `maxErrorRate`) and returns the best step under the SLO (highest throughput).
 * Only `http://127.0.0.1` URLs are accepted: this tool must never load a remote host.
 */
import * as http from "http";
import * as net from "net";

export interface LoadTestOptions {
    /** Endpoint base URL, e.g. http://127.0.0.1:8080 (loopback only). */
    url: string;
    /** Default /invocations. */
    path?: string;
    /** Request bodies; request k sends bodies[k % n]. */
    bodies: (string | Buffer)[];
    contentType?: string;
    accept?: string;
    headers?: Record<string, string>;
    /** Adds X-Amzn-SageMaker-Inference-Id `<prefix>-<step>-<k>` to every request when set. */
    inferenceIdPrefix?: string;
    steps?: number[];
    /** Per-step wall-clock bound (default 2000 ms). */
    stepDurationMs?: number;
    /** Per-step request budget (default 20 000). */
    stepMaxRequests?: number;
    /** Requests per step not measured (connection set-up, JIT). Default: concurrency. */
    warmupRequests?: number;
    /** p99 latency SLO in ms. */
    sloP99Ms: number;
    /** Stop when a step's error rate is above this (default 0.01). */
    maxErrorRate?: number;
    /** Per-request timeout (default 10 000 ms). */
    timeoutMs?: number;
    /**
     * HTTP client: `agent` (default) = Node `http.request` over a keep-alive `http.Agent`; `raw` = one persistent
     * HTTP/1.1 keep-alive socket per virtual user with pre-serialised requests and a minimal response parser
     * (Content-Length bodies only). `raw` costs the generator several times less CPU, which matters when it
     * shares the cores with the server under test.
     */
    client?: "agent" | "raw";
}

export interface StepResult {
    concurrency: number;
    requests: number;
    ok: number;
    errors: number;
    errorRate: number;
    statusCounts: Record<string, number>;
    seconds: number;
    throughput: number;
    p50Ms: number;
    p90Ms: number;
    p99Ms: number;
    maxMs: number;
    meetsSlo: boolean;
    /** Inference ids answered 200 (only with inferenceIdPrefix). */
    okInferenceIds?: string[];
}

export interface LoadTestResult {
    url: string;
    sloP99Ms: number;
    steps: StepResult[];
    best?: StepResult;
    stoppedReason: "completed" | "slo_exceeded" | "error_rate_exceeded";
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
    const n = sorted.length;
    if (n === 0) return NaN;
    const rank = Math.ceil((p / 100) * n) - 1; // nearest-rank
    return sorted[Math.min(n - 1, Math.max(0, rank))];
}

/** Throws unless `url` is http://127.0.0.1[:port]. */
export function checkLoopbackUrl(url: string): URL {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new Error(`load test url "${url}" is not a valid URL; use http://127.0.0.1:<port>`);
    }
    if (u.protocol !== "http:" || u.hostname !== "127.0.0.1") {
        throw new Error(`load test url "${url}" is not on loopback; the load tester only drives http://127.0.0.1:<port> endpoints`);
    }
    return u;
}

interface Shot {
    status: number;
    ms: number;
}

function once(agent: http.Agent, u: URL, path: string, body: Buffer, headers: http.OutgoingHttpHeaders, timeoutMs: number): Promise<Shot> {
    return new Promise((resolve) => {
        const t0 = process.hrtime.bigint();
        const req = http.request(
            { host: u.hostname, port: u.port || 80, path, method: "POST", agent, headers: { ...headers, "Content-Length": body.length }, timeout: timeoutMs },
            (res) => {
                res.on("data", () => undefined);
                res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
                res.on("error", () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
        req.end(body);
    });
}

/** One keep-alive connection with a minimal HTTP/1.1 response parser (status + Content-Length). */
class RawConnection {
    private sock?: net.Socket;
    private buf: Buffer = Buffer.alloc(0);
    private done?: (s: Shot) => void;
    private t0 = 0n;
    private timer?: NodeJS.Timeout;

    constructor(
        private readonly host: string,
        private readonly port: number,
        private readonly timeoutMs: number,
    ) {}

    private connect(): net.Socket {
        const s = net.connect({ host: this.host, port: this.port, noDelay: true });
        s.on("data", (d: Buffer) => this.onData(d));
        const drop = () => {
            if (this.sock === s) this.sock = undefined;
            this.finish(0);
        };
        s.on("error", drop);
        s.on("close", drop);
        this.sock = s;
        return s;
    }

    private finish(status: number): void {
        const d = this.done;
        if (!d) return;
        this.done = undefined;
        if (this.timer) clearTimeout(this.timer);
        this.buf = Buffer.alloc(0);
        d({ status, ms: Number(process.hrtime.bigint() - this.t0) / 1e6 });
    }

    private onData(d: Buffer): void {
        this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
        const he = this.buf.indexOf("\r\n\r\n");
        if (he < 0) return;
        const head = this.buf.toString("latin1", 0, he);
        const status = Number(head.slice(9, 12));
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!m) {
            // not produced by our endpoint (which always sends Content-Length): count it and reconnect
            this.sock?.destroy();
            return;
        }
        if (this.buf.length < he + 4 + Number(m[1])) return;
        const close = /\r\nconnection:\s*close/i.test(head);
        if (close) {
            const s = this.sock;
            this.sock = undefined;
            s?.removeAllListeners("close");
            s?.destroy();
        }
        this.finish(status);
    }

    send(req: Buffer): Promise<Shot> {
        return new Promise((resolve) => {
            this.done = resolve;
            this.t0 = process.hrtime.bigint();
            this.timer = setTimeout(() => {
                this.sock?.destroy();
                this.finish(0);
            }, this.timeoutMs);
            (this.sock ?? this.connect()).write(req);
        });
    }

    close(): void {
        const s = this.sock;
        this.sock = undefined;
        s?.removeAllListeners("close");
        s?.destroy();
    }
}

function rawRequest(u: URL, path: string, headers: http.OutgoingHttpHeaders, body: Buffer): Buffer {
    let h = `POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: keep-alive\r\n`;
    for (const [k, v] of Object.entries(headers)) h += `${k}: ${String(v)}\r\n`;
    h += `Content-Length: ${body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(h, "latin1"), body]);
}

/** Run one concurrency step. */
export async function runStep(o: LoadTestOptions, concurrency: number): Promise<StepResult> {
    const u = checkLoopbackUrl(o.url);
    if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 1024)) {
        throw new Error(`concurrency ${concurrency} must be an integer in [1, 1024]`);
    }
    if (!o.bodies.length) throw new Error("load test needs at least one request body");
    const bodies = o.bodies.map((b) => (Buffer.isBuffer(b) ? b : Buffer.from(b)));
    const path = o.path ?? "/invocations";
    const baseHeaders: http.OutgoingHttpHeaders = { "Content-Type": o.contentType ?? "text/csv", Accept: o.accept ?? "text/csv", ...(o.headers ?? {}) };
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
    const durationMs = o.stepDurationMs ?? 2000;
    const budget = o.stepMaxRequests ?? 20_000;
    const warm = o.warmupRequests ?? concurrency;
    const timeoutMs = o.timeoutMs ?? 10_000;
    let issued = 0;
    let warmLeft = warm;
    const lat: number[] = [];
    const statusCounts: Record<string, number> = {};
    const okIds: string[] = [];
    let ok = 0;
    let errors = 0;
    let tStart = 0n;
    let deadline = Infinity;
    const raw = o.client === "raw";
    const prebuilt = raw && !o.inferenceIdPrefix ? new Map(bodies.map((b) => [b, rawRequest(u, path, baseHeaders, b)])) : undefined;
    const conns: RawConnection[] = [];
    const worker = async () => {
        const conn = raw ? new RawConnection(u.hostname, Number(u.port || 80), timeoutMs) : undefined;
        if (conn) conns.push(conn);
        for (;;) {
            const measured = warmLeft <= 0;
            if (measured) {
                if (tStart === 0n) {
                    tStart = process.hrtime.bigint();
                    deadline = Date.now() + durationMs;
                }
                if (issued >= budget || Date.now() >= deadline) return;
                issued++;
            } else warmLeft--;
            const k = measured ? issued : -warmLeft;
            const headers = { ...baseHeaders };
            let id: string | undefined;
            if (o.inferenceIdPrefix) headers["X-Amzn-SageMaker-Inference-Id"] = id = `${o.inferenceIdPrefix}-${concurrency}-${measured ? "m" : "w"}${k}`;
            const body = bodies[((k % bodies.length) + bodies.length) % bodies.length];
            const r = raw
                ? await conn!.send(id || !prebuilt ? rawRequest(u, path, headers, body) : prebuilt.get(body)!)
                : await once(agent, u, path, body, headers, timeoutMs);
            if (!measured) continue;
            lat.push(r.ms);
            statusCounts[String(r.status)] = (statusCounts[String(r.status)] ?? 0) + 1;
            if (r.status >= 200 && r.status < 300) {
                ok++;
                if (id) okIds.push(id);
            } else errors++;
        }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = tStart === 0n ? 0 : Number(process.hrtime.bigint() - tStart) / 1e9;
    agent.destroy();
    for (const c of conns) c.close();
    const sorted = Float64Array.from(lat).sort();
    const requests = lat.length;
    const res: StepResult = {
        concurrency,
        requests,
        ok,
        errors,
        errorRate: requests ? errors / requests : 0,
        statusCounts,
        seconds,
        throughput: seconds > 0 ? ok / seconds : 0,
        p50Ms: percentile(sorted, 50),
        p90Ms: percentile(sorted, 90),
        p99Ms: percentile(sorted, 99),
        maxMs: requests ? sorted[requests - 1] : NaN,
        meetsSlo: false,
    };
    res.meetsSlo = requests > 0 && res.p99Ms <= o.sloP99Ms && res.errorRate <= (o.maxErrorRate ?? 0.01);
    if (o.inferenceIdPrefix) res.okInferenceIds = okIds;
    return res;
}

/** Run the concurrency steps in order; stop at the first step over the SLO. */
export async function runLoadTest(o: LoadTestOptions): Promise<LoadTestResult> {
    checkLoopbackUrl(o.url);
    if (!(typeof o.sloP99Ms === "number" && o.sloP99Ms > 0)) throw new Error(`sloP99Ms ${o.sloP99Ms} must be a positive number of milliseconds`);
    const steps = o.steps ?? [1, 2, 4, 8, 16, 32];
    const out: StepResult[] = [];
    let stoppedReason: LoadTestResult["stoppedReason"] = "completed";
    for (const c of steps) {
        const r = await runStep(o, c);
        out.push(r);
        if (r.errorRate > (o.maxErrorRate ?? 0.01)) {
            stoppedReason = "error_rate_exceeded";
            break;
        }
        if (!(r.p99Ms <= o.sloP99Ms)) {
            stoppedReason = "slo_exceeded";
            break;
        }
    }
    let best: StepResult | undefined;
    for (const r of out) if (r.meetsSlo && (!best || r.throughput > best.throughput)) best = r;
    return { url: o.url, sloP99Ms: o.sloP99Ms, steps: out, best, stoppedReason };
}
