/**
 * Local SageMaker-hosting-compatible inference server (Node `http`, no framework).
 *
 * Routes
 *  - `GET /ping` → 200 once every variant's model is loaded (503 while shutting down).
 *  - `POST /invocations` → predictions (formats: see ./model.ts). Headers:
 *      `Content-Type` text/csv (default when absent, like the XGBoost container) | application/json;
 *      `Accept` text/csv (default, also `*` / absent) | application/json | application/jsonlines;
 *      `X-Amzn-SageMaker-Target-Variant` pins a production variant (unknown → 400 listing the variants);
 *      `X-Amzn-SageMaker-Inference-Id` (1-64 printable chars) is written into the capture record.
 *    The response carries `X-Amzn-Invoked-Production-Variant` like the SageMaker runtime.
 *  - `POST /admin/weights` (loopback clients only) → the local `UpdateEndpointWeightsAndCapacities`:
 *      `{"weights": {"A": 0.5, "B": 0.5}}` or `{"DesiredWeightsAndCapacities": [{"VariantName": "A", "DesiredWeight": 0.5}]}`.
 *  - `GET /admin/status` (loopback only) → variants, weights, counters, capture stats.
 *
 * Status codes: 400 bad body / headers, 404 unknown route, 405 wrong method, 406 unsupported Accept,
 * 413 body > maxPayloadBytes (6 MiB), 415 unsupported Content-Type, 500 internal (incl. a failed capture
 * write: with capture on, 200 means "answered AND captured"), 503 shutting down. Error bodies are JSON
 * `{"error": <code>, "message": <what is wrong and how to fix it>}`; every error is counted per variant
 * (Invocation4XXErrors / Invocation5XXErrors) and per reason (`/admin/status`).
 * Differences from the built-in XGBoost container: an empty body is 400 (the container answers 204), and
 * JSON input is accepted (the container answers 415). A body that is not valid UTF-8 is 400 `invalid_encoding` (never
 * scored on replacement characters, never captured altered).
 *
 * Shadow variant: after the production response is sent, a copy of the request is scored by the shadow
 * model (sampled by its samplingPercentage) and captured under the shadow variant's name with the same
 * inference id; its result is never returned and its failures never affect the caller.
 */
import * as http from "http";
import { isUtf8 } from "buffer";
import { randomUUID } from "crypto";
import { formatCaptureRecord, formatInferenceTime, encodingForContentType } from "../monitoring/capture";
import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_METRICS_NAMESPACE, EndpointConfig, validateEndpointConfig } from "./config";
import { CaptureWriter, repairTornTails } from "./capture-writer";
import { InvocationError, ResponseType, ServingModel, encodePredictions } from "./model";
import { VariantRouter, seededRandom } from "./router";
import { PipelineChain } from "./pipeline";
import { ENDPOINT_LEVEL, EndpointMetrics, JsonLogger } from "./telemetry";

const LOOPBACK_PEERS = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const INFERENCE_ID_RE = /^[\x21-\x7e][\x20-\x7e]{0,63}$/;
const SUPPORTED_ACCEPT: ResponseType[] = ["text/csv", "application/json", "application/jsonlines"];

export interface ServerStats {
    requests: number;
    ok: number;
    clientErrors: Record<string, number>;
    serverErrors: number;
    shadowRequests: number;
    shadowErrors: number;
    captured: number;
}

export interface ServingRequest {
    body: Buffer;
    contentType: string;
    accept: string;
    targetVariant?: string;
    inferenceId?: string;
}

function mediaType(h: string | undefined): string {
    if (!h) return "";
    const i = h.indexOf(";");
    return (i < 0 ? h : h.slice(0, i)).trim().toLowerCase();
}

let timeSec = -1;
let timeStr = "";
/** Capture inferenceTime (second precision, like the service), formatted once per second. */
function inferenceTimeNow(): string {
    const now = Date.now();
    const sec = Math.floor(now / 1000);
    if (sec !== timeSec) {
        timeSec = sec;
        timeStr = formatInferenceTime(new Date(sec * 1000));
    }
    return timeStr;
}

/** Byte offset where the first invalid UTF-8 sequence of `b` starts (b.length when it is valid). */
export function firstInvalidUtf8(b: Buffer): number {
    let i = 0;
    while (i < b.length) {
        const c = b[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
        if (need < 0) return i;
        // second-byte ranges exclude overlong forms, surrogates and code points above U+10FFFF
        const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
        const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
        if (i + need >= b.length || b[i + 1] < lo || b[i + 1] > hi) return i;
        for (let k = 2; k <= need; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return i;
        i += need + 1;
    }
    return b.length;
}

function hrUs(start: bigint): number {
    return Number(process.hrtime.bigint() - start) / 1000;
}

export class EndpointServer {
    readonly config: EndpointConfig;
    readonly models = new Map<string, ServingModel>();
    /** Variants served by an inference pipeline (containers over HTTP) instead of an in-process model. */
    readonly pipelines = new Map<string, PipelineChain>();
    readonly shadow?: ServingModel;
    readonly router: VariantRouter;
    readonly capture?: CaptureWriter;
    readonly metrics: EndpointMetrics;
    readonly log: JsonLogger;
    readonly stats: ServerStats = { requests: 0, ok: 0, clientErrors: {}, serverErrors: 0, shadowRequests: 0, shadowErrors: 0, captured: 0 };
    private server?: http.Server;
    private draining = false;
    private inFlight = 0;
    private pendingShadow = 0;
    private idleWaiters: (() => void)[] = [];
    private readonly sampleRng: () => number;
    private readonly maxPayload: number;
    private boundPort = 0;

    /** Load every model (throws a clear error naming the variant and file on failure). */
    constructor(config: EndpointConfig | unknown) {
        this.config = validateEndpointConfig(config);
        const c = this.config;
        this.log = new JsonLogger(c.logFile);
        for (const v of c.variants) {
            if (v.pipeline) this.pipelines.set(v.name, new PipelineChain(v.pipeline));
            else this.models.set(v.name, ServingModel.load(v));
        }
        if (c.shadowVariant) this.shadow = ServingModel.load(c.shadowVariant);
        this.router = new VariantRouter(c.variants, c.seed);
        this.sampleRng = seededRandom((c.seed ?? Math.floor(Math.random() * 2 ** 31)) ^ 0x5bd1e995);
        this.maxPayload = c.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
        this.metrics = new EndpointMetrics(c.endpointName, c.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE, c.metricsFile, c.metricsIntervalMs);
        if (c.capture.enabled) {
            this.capture = new CaptureWriter({
                destination: c.capture.destination,
                prefix: c.capture.prefix,
                endpoint: c.endpointName,
                maxFileBytes: c.capture.maxFileBytes,
                maxFileAgeMs: c.capture.maxFileAgeMs,
            });
            const repaired = repairTornTails(this.capture.endpointRoot);
            for (const r of repaired) this.log.warn("capture_tail_repaired", r);
        }
    }

    get port(): number {
        return this.boundPort;
    }

    get url(): string {
        const h = this.config.host.includes(":") ? `[${this.config.host}]` : this.config.host;
        return `http://${h}:${this.boundPort}`;
    }

    /** Listen on config.host:config.port; resolves with the bound port. */
    start(): Promise<number> {
        const server = http.createServer((req, res) => this.handle(req, res));
        server.keepAliveTimeout = 60_000; // the XGBoost container's gunicorn keepalive
        server.headersTimeout = 65_000;
        this.server = server;
        return new Promise((resolve, reject) => {
            server.once("error", (e) =>
                reject(new Error(`cannot listen on ${this.config.host}:${this.config.port}: ${(e as Error).message}; pick another port (0 = any free port)`)),
            );
            server.listen(this.config.port, this.config.host, () => {
                this.boundPort = (server.address() as { port: number }).port;
                this.metrics.start();
                this.log.info("endpoint_started", {
                    endpointName: this.config.endpointName,
                    port: this.boundPort,
                    variants: this.config.variants.map((v) => ({
                        name: v.name,
                        weight: v.weight,
                        model: this.models.get(v.name)?.source ?? { pipeline: this.pipelines.get(v.name)!.urls },
                    })),
                    shadowVariant: this.shadow?.name,
                    capture: this.config.capture.enabled
                        ? { samplingPercentage: this.config.capture.samplingPercentage, root: this.capture!.endpointRoot }
                        : false,
                });
                resolve(this.boundPort);
            });
        });
    }

    /** Weighted routing update (the local UpdateEndpointWeightsAndCapacities). */
    updateWeights(weights: Record<string, number>): Record<string, number> {
        const w = this.router.setWeights(weights);
        this.log.info("weights_updated", { weights: w });
        return w;
    }

    /**
     * Graceful shutdown: stop accepting, close idle keep-alive sockets, wait for in-flight requests and
     * shadow work (up to `drainMs`), then flush capture and metrics and close the log.
     */
    async stop(drainMs = 10_000): Promise<void> {
        if (this.draining) return;
        this.draining = true;
        const server = this.server;
        const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
        server?.closeIdleConnections();
        const idle = new Promise<void>((r) => {
            if (this.inFlight === 0 && this.pendingShadow === 0) r();
            else this.idleWaiters.push(r);
        });
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), drainMs)));
        const outcome = await Promise.race([idle.then(() => "idle" as const), timeout]);
        clearTimeout(timer);
        if (outcome === "timeout") {
            this.log.warn("drain_timeout", { inFlight: this.inFlight, pendingShadow: this.pendingShadow, drainMs });
            server?.closeAllConnections();
        }
        server?.closeAllConnections();
        await closed;
        for (const p of this.pipelines.values()) p.close();
        this.capture?.close();
        this.metrics.close();
        this.log.info("endpoint_stopped", { stats: this.stats, capture: this.capture?.stats, outcome });
        this.log.close();
    }

    private settle(): void {
        if (this.inFlight === 0 && this.pendingShadow === 0) {
            const w = this.idleWaiters;
            this.idleWaiters = [];
            for (const r of w) r();
        }
    }

    private send(res: http.ServerResponse, status: number, body: string | Buffer, contentType: string, headers?: Record<string, string>): void {
        const h: http.OutgoingHttpHeaders = { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) };
        if (headers) Object.assign(h, headers);
        if (this.draining) h.Connection = "close";
        res.writeHead(status, h);
        res.end(body);
    }

    private fail(res: http.ServerResponse, status: number, code: string, message: string, variant: string, extra?: Record<string, unknown>): void {
        if (status >= 500) this.stats.serverErrors++;
        else this.stats.clientErrors[code] = (this.stats.clientErrors[code] ?? 0) + 1;
        this.metrics.record(variant, status);
        this.log.log(status >= 500 ? "error" : "warn", "invocation_error", { status, code, message, variant: variant || undefined, ...extra });
        this.send(
            res,
            status,
            JSON.stringify({ error: code, message }),
            "application/json",
            variant ? { "X-Amzn-Invoked-Production-Variant": variant } : undefined,
        );
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const url = req.url ?? "/";
        const q = url.indexOf("?");
        const route = q < 0 ? url : url.slice(0, q);
        try {
            if (route === "/invocations") {
                if (req.method !== "POST") return this.reject(req, res, 405, "method_not_allowed", "use POST /invocations");
                this.invoke(req, res);
                return;
            }
            if (route === "/ping") {
                if (req.method !== "GET" && req.method !== "HEAD") return this.reject(req, res, 405, "method_not_allowed", "use GET /ping");
                req.resume();
                if (this.draining) return this.send(res, 503, JSON.stringify({ status: "shutting down" }), "application/json");
                return this.send(res, 200, "", "text/plain");
            }
            if (route.startsWith("/admin/")) return this.admin(req, res, route);
            return this.reject(
                req,
                res,
                404,
                "not_found",
                `no route ${req.method} ${route}; the endpoint serves GET /ping, POST /invocations, POST /admin/weights, GET /admin/status`,
            );
        } catch (e) {
            this.log.error("handler_crash", { route, error: (e as Error).stack });
            if (!res.headersSent) this.fail(res, 500, "internal_error", `internal error: ${(e as Error).message}`, ENDPOINT_LEVEL);
        }
    }

    private reject(req: http.IncomingMessage, res: http.ServerResponse, status: number, code: string, message: string): void {
        req.resume();
        this.stats.clientErrors[code] = (this.stats.clientErrors[code] ?? 0) + 1;
        this.log.warn("request_rejected", { status, code, method: req.method, url: req.url });
        this.send(res, status, JSON.stringify({ error: code, message }), "application/json");
    }

    // ---- /invocations ------------------------------------------------------------------------

    private invoke(req: http.IncomingMessage, res: http.ServerResponse): void {
        const t0 = process.hrtime.bigint();
        this.stats.requests++;
        if (this.draining) {
            req.resume();
            return this.fail(res, 503, "shutting_down", "the endpoint is shutting down; retry against a running endpoint", ENDPOINT_LEVEL);
        }
        const target = req.headers["x-amzn-sagemaker-target-variant"];
        let variant: string;
        if (target !== undefined) {
            const t = Array.isArray(target) ? target[0] : target;
            if (!this.router.has(t)) {
                req.resume();
                return this.fail(
                    res,
                    400,
                    "unknown_target_variant",
                    `target variant "${t}" is not a production variant of endpoint "${this.config.endpointName}"; use one of: ${this.router.variantNames.join(", ")}`,
                    ENDPOINT_LEVEL,
                    { variants: this.router.variantNames },
                );
            }
            variant = t;
        } else variant = this.router.pick();

        const idH = req.headers["x-amzn-sagemaker-inference-id"];
        const inferenceId = Array.isArray(idH) ? idH[0] : idH;
        if (inferenceId !== undefined && !INFERENCE_ID_RE.test(inferenceId)) {
            req.resume();
            return this.fail(
                res,
                400,
                "invalid_inference_id",
                "X-Amzn-SageMaker-Inference-Id must be 1-64 printable ASCII characters not starting with a space",
                variant,
            );
        }
        const len = Number(req.headers["content-length"]);
        if (Number.isFinite(len) && len > this.maxPayload) {
            req.resume();
            return this.fail(
                res,
                413,
                "payload_too_large",
                `request body is ${len} bytes; the limit is ${this.maxPayload} bytes (SageMaker's 6 MB InvokeEndpoint limit): split the rows over several requests or use batch transform`,
                variant,
            );
        }
        const ctRaw = req.headers["content-type"] ?? "text/csv";
        const ct = mediaType(ctRaw);
        const chain = this.pipelines.get(variant);
        // A pipeline's first container checks Content-Type, Accept and the body itself (as on AWS).
        if (!chain && ct !== "text/csv" && ct !== "application/json") {
            req.resume();
            return this.fail(res, 415, "unsupported_content_type", `Content-Type "${ctRaw}" is not supported; send text/csv or application/json`, variant);
        }
        const accept = this.pickAccept(req.headers.accept);
        if (!chain && !accept) {
            req.resume();
            return this.fail(
                res,
                406,
                "unsupported_accept",
                `Accept "${req.headers.accept}" is not supported; use text/csv, application/json or application/jsonlines`,
                variant,
            );
        }

        this.inFlight++;
        const chunks: Buffer[] = [];
        let size = 0;
        let tooBig = false;
        let done = false;
        const finish = () => {
            if (done) return;
            done = true;
            this.inFlight--;
            this.settle();
        };
        res.once("close", finish);
        req.on("data", (c: Buffer) => {
            if (tooBig) return;
            size += c.length;
            if (size > this.maxPayload) {
                tooBig = true;
                chunks.length = 0;
                this.fail(
                    res,
                    413,
                    "payload_too_large",
                    `request body exceeds ${this.maxPayload} bytes (SageMaker's 6 MB InvokeEndpoint limit); split the rows over several requests or use batch transform`,
                    variant,
                );
                return;
            }
            chunks.push(c);
        });
        req.on("error", () => finish());
        req.on("end", () => {
            if (tooBig) return;
            const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
            const work = chain
                ? this.processPipeline(
                      res,
                      chain,
                      { body, contentType: String(ctRaw), accept: req.headers.accept ?? "", inferenceId },
                      req.headers["content-type"],
                      req.headers.accept,
                      variant,
                      t0,
                  )
                : this.process(res, { body, contentType: String(ctRaw), accept: accept!, inferenceId }, ct, variant, t0);
            work.catch((e) => {
                this.log.error("invocation_crash", { error: (e as Error).stack, variant });
                if (!res.headersSent) this.fail(res, 500, "internal_error", `internal error: ${(e as Error).message}`, variant);
            });
        });
    }

    private pickAccept(h: string | undefined): ResponseType | undefined {
        if (!h || h.trim() === "") return "text/csv";
        for (const part of h.split(",")) {
            const m = mediaType(part);
            if (m === "*/*" || m === "text/*") return "text/csv";
            if ((SUPPORTED_ACCEPT as string[]).includes(m)) return m as ResponseType;
            if (m === "application/*") return "application/json";
        }
        return undefined;
    }

    /**
     * Captures an answered request (sampled). Resolves false after answering 500 capture_failed when its line could not
     * be written (the writer has truncated it away): a 200 is only sent for a request whose line is in the file.
     */
    private async captureAnswered(
        res: http.ServerResponse,
        r: ServingRequest,
        variant: string,
        input: string,
        output: string,
        outputType: string,
    ): Promise<boolean> {
        const cap = this.config.capture;
        if (!this.capture || cap.samplingPercentage <= 0) return true;
        if (cap.samplingPercentage < 100 && this.sampleRng() * 100 >= cap.samplingPercentage) return true;
        const line = formatCaptureRecord({
            input: { data: input, contentType: r.contentType, encoding: encodingForContentType(r.contentType) },
            output: { data: output, contentType: outputType },
            eventId: randomUUID(),
            inferenceTime: inferenceTimeNow(),
            inferenceId: r.inferenceId,
        });
        try {
            await this.capture.append(variant, line);
            this.stats.captured++;
            return true;
        } catch (e) {
            this.fail(res, 500, "capture_failed", (e as Error).message, variant);
            return false;
        }
    }

    private async process(res: http.ServerResponse, r: ServingRequest, ct: string, variant: string, t0: bigint): Promise<void> {
        // Non-UTF-8 bodies are refused (400), not scored on U+FFFD replacements nor captured altered. Why not capture
        // them BASE64: the service captures the content types listed in CaptureContentTypeHeader.CsvContentTypes /
        // JsonContentTypes as text (encoding CSV / JSON) and base64-encodes only other types (SageMaker API Reference,
        // "CaptureContentTypeHeader"); the deploy step lists text/csv and application/json, so a faithful record of these
        // bytes has no form the monitor reads as CSV/JSON. JSON must be UTF-8 (RFC 8259 section 8.1) and the model's
        // categorical values are UTF-8 text, so the prediction would be made on input other than what was sent.
        if (!isUtf8(r.body)) {
            return this.fail(
                res,
                400,
                "invalid_encoding",
                `the ${ct} request body is not valid UTF-8 (first invalid byte at offset ${firstInvalidUtf8(r.body)}); re-encode it as UTF-8 (e.g. iconv -f latin1 -t utf-8)`,
                variant,
                { inferenceId: r.inferenceId },
            );
        }
        const text = r.body.toString("utf8");
        if (text.length === 0 || (ct === "text/csv" && text.trim() === "")) {
            return this.fail(res, 400, "empty_body", "the request body is empty; send one or more CSV rows or a JSON document", variant);
        }
        const model = this.models.get(variant)!;
        const tm = process.hrtime.bigint();
        let out: string;
        try {
            const feats = ct === "text/csv" ? model.featuresFromCsv(text) : model.featuresFromJson(text);
            out = encodePredictions(model.predict(feats), r.accept as ResponseType, this.config.csvOutput);
        } catch (e) {
            if (e instanceof InvocationError) return this.fail(res, e.status, "invalid_input", e.message, variant, { inferenceId: r.inferenceId });
            throw e;
        }
        const modelUs = hrUs(tm);
        if (!(await this.captureAnswered(res, r, variant, text, out, r.accept))) return;
        this.stats.ok++;
        this.send(res, 200, out, r.accept, { "X-Amzn-Invoked-Production-Variant": variant });
        const totalUs = hrUs(t0);
        this.metrics.record(variant, 200, modelUs, Math.max(0, totalUs - modelUs));
        if (this.shadow) this.shadowCopy(r, ct, text);
    }

    /**
     * A pipeline variant: the body, Content-Type and Accept go to the containers in order (./pipeline.ts); a container's
     * error answer is returned as it is (on AWS: InvokeEndpoint's ModelError with OriginalStatusCode / OriginalMessage),
     * the last container's answer is captured and returned.
     */
    private async processPipeline(
        res: http.ServerResponse,
        chain: PipelineChain,
        r: ServingRequest,
        contentTypeHeader: string | undefined,
        acceptHeader: string | undefined,
        variant: string,
        t0: bigint,
    ): Promise<void> {
        const tm = process.hrtime.bigint();
        let ans;
        try {
            ans = await chain.invoke(r.body, contentTypeHeader, acceptHeader);
        } catch (e) {
            return this.fail(
                res,
                500,
                "pipeline_unavailable",
                `inference pipeline of variant "${variant}": ${(e as Error).message}; start its containers (startPipelineEmulation)`,
                variant,
            );
        }
        const modelUs = hrUs(tm);
        if (ans.status !== 200) {
            let code = "container_error";
            try {
                const doc = JSON.parse(ans.body.toString("utf8")) as { error?: unknown };
                if (typeof doc.error === "string") code = doc.error;
            } catch {
                // not JSON: counted as container_error
            }
            if (ans.status >= 500) this.stats.serverErrors++;
            else this.stats.clientErrors[code] = (this.stats.clientErrors[code] ?? 0) + 1;
            this.metrics.record(variant, ans.status);
            this.log.log(ans.status >= 500 ? "error" : "warn", "invocation_error", {
                status: ans.status,
                code,
                container: ans.container,
                variant,
                inferenceId: r.inferenceId,
            });
            return this.send(res, ans.status, ans.body, ans.contentType || "application/octet-stream", { "X-Amzn-Invoked-Production-Variant": variant });
        }
        const outType = mediaType(ans.contentType) || "application/octet-stream";
        if (!(await this.captureAnswered(res, r, variant, r.body.toString("utf8"), ans.body.toString("utf8"), outType))) return;
        this.stats.ok++;
        this.send(res, 200, ans.body, ans.contentType, { "X-Amzn-Invoked-Production-Variant": variant });
        this.metrics.record(variant, 200, modelUs, Math.max(0, hrUs(t0) - modelUs));
        const ct = mediaType(r.contentType);
        if (this.shadow && (ct === "text/csv" || ct === "application/json")) {
            this.shadowCopy({ ...r, accept: this.pickAccept(acceptHeader) ?? "text/csv" }, ct, r.body.toString("utf8"));
        }
    }

    private shadowCopy(r: ServingRequest, ct: string, text: string): void {
        const s = this.shadow!;
        const pctS = this.config.shadowVariant!.samplingPercentage ?? 100;
        if (pctS <= 0 || (pctS < 100 && this.sampleRng() * 100 >= pctS)) return;
        this.pendingShadow++;
        this.stats.shadowRequests++;
        setImmediate(async () => {
            const t0 = process.hrtime.bigint();
            let status: number;
            try {
                const feats = ct === "text/csv" ? s.featuresFromCsv(text) : s.featuresFromJson(text);
                const out = encodePredictions(s.predict(feats), r.accept as ResponseType, this.config.csvOutput);
                const modelUs = hrUs(t0);
                if (this.capture) {
                    await this.capture.append(
                        s.name,
                        formatCaptureRecord({
                            input: { data: text, contentType: r.contentType, encoding: encodingForContentType(r.contentType) },
                            output: { data: out, contentType: r.accept },
                            eventId: randomUUID(),
                            inferenceTime: inferenceTimeNow(),
                            inferenceId: r.inferenceId,
                        }),
                    );
                }
                this.metrics.record(s.name, 200, modelUs, Math.max(0, hrUs(t0) - modelUs));
            } catch (e) {
                status = e instanceof InvocationError ? e.status : 500;
                this.stats.shadowErrors++;
                this.metrics.record(s.name, status);
                this.log.warn("shadow_error", { variant: s.name, status, message: (e as Error).message });
            } finally {
                this.pendingShadow--;
                this.settle();
            }
        });
    }

    // ---- admin -------------------------------------------------------------------------------

    private admin(req: http.IncomingMessage, res: http.ServerResponse, route: string): void {
        const peer = req.socket.remoteAddress ?? "";
        if (!LOOPBACK_PEERS.has(peer)) {
            return this.reject(req, res, 403, "forbidden", `admin routes are only served to loopback clients, not ${peer}`);
        }
        if (route === "/admin/status" && req.method === "GET") {
            req.resume();
            const body = {
                endpointName: this.config.endpointName,
                port: this.boundPort,
                pid: process.pid,
                weights: this.router.weights(),
                variants: [
                    ...[...this.models.values()].map((m) => ({ name: m.name, model: m.source, nFeatures: m.nFeatures, transform: !!m.transform })),
                    ...[...this.pipelines.entries()].map(([name, p]) => ({ name, pipeline: p.urls })),
                ],
                shadowVariant: this.shadow ? { name: this.shadow.name, model: this.shadow.source } : null,
                stats: this.stats,
                metrics: this.metrics.snapshot(),
                capture: this.capture ? { root: this.capture.endpointRoot, ...this.capture.stats } : null,
            };
            return this.send(res, 200, JSON.stringify(body), "application/json");
        }
        if (route === "/admin/weights" && req.method === "POST") {
            const chunks: Buffer[] = [];
            let size = 0;
            req.on("data", (c: Buffer) => {
                size += c.length;
                if (size <= 65536) chunks.push(c);
            });
            req.on("end", () => {
                if (size > 65536) return this.reject(req, res, 413, "payload_too_large", "weights body is larger than 64 KiB");
                let doc: unknown;
                try {
                    doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
                } catch (e) {
                    return this.reject(req, res, 400, "invalid_json", `weights body is not JSON (${(e as Error).message}); send {"weights": {"A": 0.5}}`);
                }
                let update: Record<string, number> | undefined;
                const d = doc as { weights?: unknown; DesiredWeightsAndCapacities?: unknown };
                if (d && typeof d === "object" && d.weights && typeof d.weights === "object" && !Array.isArray(d.weights))
                    update = d.weights as Record<string, number>;
                else if (d && Array.isArray(d.DesiredWeightsAndCapacities)) {
                    update = {};
                    for (const x of d.DesiredWeightsAndCapacities as { VariantName?: unknown; DesiredWeight?: unknown }[]) {
                        if (x && typeof x.VariantName === "string") update[x.VariantName] = x.DesiredWeight as number;
                    }
                }
                if (!update) {
                    return this.reject(
                        req,
                        res,
                        400,
                        "invalid_weights",
                        'send {"weights": {"<variant>": <weight>}} or {"DesiredWeightsAndCapacities": [{"VariantName": "A", "DesiredWeight": 1}]}',
                    );
                }
                try {
                    const w = this.updateWeights(update);
                    this.send(res, 200, JSON.stringify({ endpointName: this.config.endpointName, weights: w }), "application/json");
                } catch (e) {
                    this.reject(req, res, 400, "invalid_weights", (e as Error).message);
                }
            });
            return;
        }
        return this.reject(req, res, 404, "not_found", `no admin route ${req.method} ${route}; use POST /admin/weights or GET /admin/status`);
    }
}

/** Load models, listen, and return the running server. */
export async function serveEndpoint(config: EndpointConfig | unknown): Promise<EndpointServer> {
    const s = new EndpointServer(config);
    await s.start();
    return s;
}
