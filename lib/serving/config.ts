/**
 * Endpoint configuration for the local SageMaker-hosting-compatible server.
 *
 * ```json
 * {
 *   "endpointName": "adult-ep",
 *   "variants": [
 *     {"name": "A", "modelPath": "/models/a/model.tar.gz", "weight": 0.9},
 *     {"name": "B", "modelPath": "/models/b/model.json", "transformPath": "/models/b/transform.json", "weight": 0.1}
 *   ],
 *   "shadowVariant": {"name": "C", "modelPath": "/models/c/model.json", "samplingPercentage": 100},
 *   "capture": {"enabled": true, "samplingPercentage": 100, "destination": "/tmp/capture-bucket", "prefix": "datacapture"},
 *   "port": 0,
 *   "host": "127.0.0.1"
 * }
 * ```
 *
 * `port: 0` binds an ephemeral port (the bound port is reported by the server / state file).
 * `host` must be a loopback address: this is a local analogue of a hosted endpoint and its admin
 * routes have no authentication.
 */

export interface VariantConfig {
    /** Production variant name (letters, digits, `-`, max 63 chars like SageMaker). */
    name: string;
    /** XGBoost JSON model file, or a SageMaker `model.tar.gz` holding one (`xgboost-model` or `*.json`). */
    modelPath: string;
    /**
     * Inference pipeline instead of an in-process model: the base URLs (loopback `http://`) of the containers, in
     * order, each serving `/invocations` (see ./pipeline.ts; `startPipelineEmulation` starts the platform's two). The
     * endpoint forwards the body, Content-Type and Accept and returns the last container's answer; `modelPath` and
     * `transformPath` are then not loaded. Production variants only.
     */
    pipeline?: string[];
    /**
     * Persisted feature transform (`transform.json` from lib/features). When set, CSV rows are raw input
     * columns (Adult: the 14 original feature columns). When absent, a `transform.json` inside the
     * model.tar.gz is used; with neither, rows must be already-transformed numeric feature vectors.
     */
    transformPath?: string;
    /** Relative routing weight (>= 0). Traffic share = weight / sum of weights. */
    weight: number;
}

export interface ShadowVariantConfig {
    name: string;
    modelPath: string;
    transformPath?: string;
    /** Share of production requests copied to the shadow variant (0..100, default 100). */
    samplingPercentage?: number;
}

export interface CaptureConfig {
    enabled: boolean;
    /** 0..100: share of requests whose input/output is captured. */
    samplingPercentage: number;
    /** Folder playing the role of the capture S3 bucket root. */
    destination: string;
    /** Key prefix below the bucket (may be empty). */
    prefix: string;
    /** Rotate the current file once it reaches this size (default 64 MiB). */
    maxFileBytes?: number;
    /** Rotate the current file once it is this old (default 10 minutes). Hour changes always rotate. */
    maxFileAgeMs?: number;
}

export interface EndpointConfig {
    endpointName: string;
    variants: VariantConfig[];
    shadowVariant?: ShadowVariantConfig;
    capture: CaptureConfig;
    /** TCP port; 0 = ephemeral. */
    port: number;
    /** Loopback address only (`127.0.0.1`, `::1` or `localhost`). */
    host: string;
    /** Seed of the routing / sampling RNG (default: random). Same seed + same requests = same routing. */
    seed?: number;
    /** Structured JSON log file (one object per line). Default: no log file. */
    logFile?: string;
    /** CloudWatch EMF metrics file (one EMF document per line). Default: no metrics file. */
    metricsFile?: string;
    /** Metric flush period (default 60 000 ms, CloudWatch's 1-minute resolution). */
    metricsIntervalMs?: number;
    /** EMF namespace (default `Local/SageMaker`, the local stand-in for `AWS/SageMaker`). */
    metricsNamespace?: string;
    /**
     * CSV response layout for multi-row requests: `lines` (default) = one probability per line, which is what
     * the built-in XGBoost container returns under batch transform; `comma` = all probabilities comma-separated
     * on one line, which is what the container returns for real-time `/invocations`. One row is identical in both.
     */
    csvOutput?: "lines" | "comma";
    /** Request body limit in bytes (default 6 MiB = 6291456, SageMaker's InvokeEndpoint payload limit). */
    maxPayloadBytes?: number;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const DEFAULT_METRICS_NAMESPACE = "Local/SageMaker";
export const LOOPBACK_HOSTS = ["127.0.0.1", "::1", "localhost"];

export class EndpointConfigError extends Error {
    constructor(
        readonly problems: string[],
        where = "endpoint config",
    ) {
        super(`${where} is invalid:\n  - ${problems.join("\n  - ")}`);
        this.name = "EndpointConfigError";
    }
}

const NAME_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

function isObj(v: unknown): v is Record<string, unknown> {
    return !!v && typeof v === "object" && !Array.isArray(v);
}

function pct(v: unknown): boolean {
    return typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 100;
}

/**
 * Validate a parsed endpoint config and fill defaults. Reports every problem at once
 * (field, what is wrong, how to fix it) in an {@link EndpointConfigError}.
 */
export function validateEndpointConfig(raw: unknown, where = "endpoint config"): EndpointConfig {
    const p: string[] = [];
    if (!isObj(raw)) throw new EndpointConfigError(["expected a JSON object {endpointName, variants, capture, port, host}"], where);
    const c = raw;
    if (typeof c.endpointName !== "string" || !NAME_RE.test(c.endpointName)) {
        p.push(`endpointName ${JSON.stringify(c.endpointName)} must be 1-63 letters, digits or hyphens (SageMaker endpoint naming)`);
    }
    const names = new Set<string>();
    const checkModel = (v: Record<string, unknown>, label: string) => {
        if (typeof v.name !== "string" || !NAME_RE.test(v.name)) {
            p.push(`${label}.name ${JSON.stringify(v.name)} must be 1-63 letters, digits or hyphens`);
        } else if (names.has(v.name)) p.push(`${label}.name "${v.name}" is used twice; variant names must be unique`);
        else names.add(v.name);
        if (v.pipeline !== undefined) {
            const urls = v.pipeline;
            if (label === "shadowVariant") p.push("shadowVariant.pipeline is not supported; give the shadow variant a modelPath");
            else if (
                !Array.isArray(urls) ||
                urls.length < 2 ||
                urls.length > 15 ||
                !urls.every((u) => typeof u === "string" && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(u))
            ) {
                p.push(`${label}.pipeline must list 2-15 container base URLs on loopback, e.g. ["http://127.0.0.1:8080", "http://127.0.0.1:8081"]`);
            }
            return;
        }
        if (typeof v.modelPath !== "string" || v.modelPath === "") p.push(`${label}.modelPath is missing; give the model.tar.gz or XGBoost JSON model file`);
        if (v.transformPath !== undefined && (typeof v.transformPath !== "string" || v.transformPath === "")) {
            p.push(`${label}.transformPath must be a non-empty path to transform.json, or be left out`);
        }
    };
    if (!Array.isArray(c.variants) || c.variants.length === 0) {
        p.push("variants must be a non-empty array of {name, modelPath, transformPath?, weight}");
    } else {
        let sum = 0;
        c.variants.forEach((v, i) => {
            if (!isObj(v)) {
                p.push(`variants[${i}] must be an object {name, modelPath, transformPath?, weight}`);
                return;
            }
            checkModel(v, `variants[${i}]`);
            if (typeof v.weight !== "number" || !Number.isFinite(v.weight) || v.weight < 0) {
                p.push(`variants[${i}].weight ${JSON.stringify(v.weight)} must be a finite number >= 0`);
            } else sum += v.weight;
        });
        if (sum <= 0 && p.length === 0) p.push("the variant weights sum to 0; give at least one variant a positive weight");
    }
    if (c.shadowVariant !== undefined) {
        if (!isObj(c.shadowVariant)) p.push("shadowVariant must be an object {name, modelPath, transformPath?, samplingPercentage?}");
        else {
            checkModel(c.shadowVariant, "shadowVariant");
            if (c.shadowVariant.samplingPercentage !== undefined && !pct(c.shadowVariant.samplingPercentage)) {
                p.push("shadowVariant.samplingPercentage must be a number in [0, 100]");
            }
        }
    }
    if (!isObj(c.capture)) p.push("capture must be an object {enabled, samplingPercentage, destination, prefix}");
    else {
        const cap = c.capture;
        if (typeof cap.enabled !== "boolean") p.push("capture.enabled must be true or false");
        if (!pct(cap.samplingPercentage)) p.push(`capture.samplingPercentage ${JSON.stringify(cap.samplingPercentage)} must be a number in [0, 100]`);
        if (cap.enabled === true && (typeof cap.destination !== "string" || cap.destination === "")) {
            p.push("capture.destination must be the folder used as the capture bucket root");
        }
        if (cap.prefix !== undefined && typeof cap.prefix !== "string") p.push("capture.prefix must be a string (may be empty)");
        for (const k of ["maxFileBytes", "maxFileAgeMs"] as const) {
            if (cap[k] !== undefined && !(typeof cap[k] === "number" && (cap[k] as number) > 0)) p.push(`capture.${k} must be a positive number`);
        }
    }
    if (typeof c.port !== "number" || !Number.isInteger(c.port) || c.port < 0 || c.port > 65535) {
        p.push(`port ${JSON.stringify(c.port)} must be an integer in [0, 65535] (0 = pick a free port)`);
    }
    if (typeof c.host !== "string" || !LOOPBACK_HOSTS.includes(c.host)) {
        p.push(`host ${JSON.stringify(c.host)} is not a loopback address; use "127.0.0.1" (the local endpoint and its admin routes are unauthenticated)`);
    }
    if (c.seed !== undefined && !(typeof c.seed === "number" && Number.isInteger(c.seed))) p.push("seed must be an integer");
    for (const k of ["logFile", "metricsFile", "metricsNamespace"] as const) {
        if (c[k] !== undefined && (typeof c[k] !== "string" || c[k] === "")) p.push(`${k} must be a non-empty string`);
    }
    if (c.metricsIntervalMs !== undefined && !(typeof c.metricsIntervalMs === "number" && c.metricsIntervalMs >= 10)) {
        p.push("metricsIntervalMs must be a number >= 10");
    }
    if (c.csvOutput !== undefined && c.csvOutput !== "lines" && c.csvOutput !== "comma") p.push('csvOutput must be "lines" or "comma"');
    if (c.maxPayloadBytes !== undefined && !(typeof c.maxPayloadBytes === "number" && Number.isInteger(c.maxPayloadBytes) && c.maxPayloadBytes > 0)) {
        p.push("maxPayloadBytes must be a positive integer");
    }
    if (p.length) throw new EndpointConfigError(p, where);
    const cfg = JSON.parse(JSON.stringify(raw)) as EndpointConfig;
    cfg.capture.prefix = cfg.capture.prefix ?? "";
    return cfg;
}
