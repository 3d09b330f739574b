/**
 * Typed, validated stack configuration.
 *
 * Every environment difference lives in `Pulumi.<stack>.yaml` under the `mlplatform:` namespace. The raw values are
 * read once, validated as a whole and turned into a `PlatformConfig` before any resource is declared; every problem is
 * reported with the key, the value and what is expected (all problems at once, not just the first).
 * Unknown `mlplatform:` keys (at any depth, e.g. a typo `training.useSpott`) are errors naming the nearest valid key:
 * the valid keys are exactly the paths the reader looks up, so a key added below is known without a second list.
 */
import { suggestion } from "../lib/common/suggest";
import type { EndpointVariantArgs } from "../components/endpoint";
import {
    EndpointAutoscaling,
    EndpointDeployment,
    ScaleSchedule,
    scheduleProblems,
    serverlessConfigProblems,
    SERVERLESS_LIMITS,
    ServerlessVariantConfig,
} from "../contracts/endpoint-config";

export type Environment = "dev" | "prod";

export interface RequiredTags {
    Project: string;
    Environment: string;
    Owner: string;
    CostCenter: string;
    DataClassification: string;
    [key: string]: string;
}

/**
 * A production variant in the stack config: the component's own argument type (components/endpoint.ts
 * EndpointVariantArgs), so the two cannot drift. The model it serves is one of `modelPackageArn`, an approved package
 * version of the stack's model package group (`<namePrefix>-models`), or `modelDataUrl`, an uploaded model.tar.gz under
 * `s3://<artifacts bucket>/models/` (the only place the hosting role may read); until every variant names one, the
 * stack creates no SageMaker endpoint (a new account has no model yet; see docs/deploy.md). With `modelDataUrl` and
 * `endpoint.input: raw`, `preprocessDataUrl` is required. `serverless` is dev only (AWS's exclusions: components/endpoint.ts).
 */
export type VariantConfig = EndpointVariantArgs;

export interface PlatformConfig {
    stack: string;
    environment: Environment;
    region: string;
    namePrefix: string;
    tags: RequiredTags;
    network: {
        cidrBlock: string;
        availabilityZones: number;
        /** Dev may allow a NAT path for package installs; prod never. */
        allowInternetEgress: boolean;
        /** Interface VPC endpoints to create (names from SAGEMAKER_INTERFACE_ENDPOINT_SERVICES). Empty (default): all of them. */
        interfaceEndpoints: string[];
        /** AZs each interface endpoint spans (1..availabilityZones). Default: dev 1 (half the cost), prod every AZ. */
        interfaceEndpointAzs: number;
        flowLogRetentionDays: number;
    };
    dataLake: {
        /** Days after which captured inference data expires. */
        captureExpirationDays: number;
        /** Days after which non-current object versions expire. */
        noncurrentVersionExpirationDays: number;
        /** Days after which raw objects move to infrequent access. */
        rawTransitionToIaDays: number;
        /** Allow `pulumi destroy` to delete non-empty buckets (dev only). */
        forceDestroy: boolean;
        /** Keep buckets and keys in the account when the stack is destroyed. */
        retainOnDelete: boolean;
        /** In prod: deny data access that does not come through the VPC endpoint (except stack administrators). */
        restrictToVpcEndpoint: boolean;
    };
    security: {
        /** IAM principals (role ARNs) that administer the stack: key administrators and VPC-endpoint exemption. */
        adminRoleArns: string[];
        /** Emergency roles (prod break-glass, docs/deploy.md): key administrators and deployers, every use alerts. */
        breakGlassRoleArns: string[];
        /** IAM role ARNs of security auditors: they (and the administrators) may decrypt the CloudTrail log files. */
        auditorRoleArns: string[];
        keyDeletionWindowDays: number;
        /** GitHub OIDC subject allowed to assume the CI deploy role, naming the repository: `repo:org/repo:environment:prod`. */
        ciOidcSubject: string;
        /** OIDC provider ARN for CI (GitHub Actions); default: the account's token.actions.githubusercontent.com provider. */
        ciOidcProviderArn?: string;
        /** Subjects the read-only CI role (preview, drift) trusts; default the repository's pull_request and ref:refs/heads/main. */
        ciReadOnlyOidcSubjects: string[];
        /** S3 bucket of the Pulumi state backend: the read-only CI role may read the state (and write lock files). */
        ciStateBucket?: string;
        /** KMS key of the stack's secrets provider (awskms://): the read-only CI role may decrypt stack secrets. */
        ciSecretsKmsKeyArn?: string;
    };
    logs: {
        retentionDays: number;
        /**
         * Create /aws/sagemaker/{Training,Processing,Transform}Jobs (KMS, retention) in this stack. Account/region-wide
         * names that SageMaker also creates itself: default false; true in at most one stack per account and region, and
         * only before any job has run there (else `pulumi import` them). See docs/deploy.md.
         */
        createJobLogGroups: boolean;
    };
    featureStore: {
        enableOnlineStore: boolean;
    };
    training: {
        instanceTypes: string[];
        maxInstanceCount: number;
        useSpot: boolean;
        maxRuntimeSeconds: number;
    };
    endpoint: {
        enabled: boolean;
        /** `raw` (default): the endpoint takes raw records through an inference pipeline; `features`: encoded features. */
        input: "raw" | "features";
        /** Preprocessing container image (raw input); defaults to the region's scikit-learn serving image. */
        preprocessImage?: string;
        variants: VariantConfig[];
        shadowVariant?: VariantConfig;
        captureSamplingPercentage: number;
        /** The shape is contracts/endpoint-config.ts's (one definition, shared with the component); `enabled` is not a config key. */
        autoscaling: Omit<EndpointAutoscaling, "enabled">;
        deployment: EndpointDeployment;
    };
    monitoring: {
        /** The platform's own serverless monitor (a Lambda running lib/monitoring on a schedule): works without Model Monitor. */
        serverlessMonitor: boolean;
        /** Reserved concurrency of the monitor Lambda; absent by default (new accounts have a quota of 10, none reservable). */
        serverlessReservedConcurrency?: number;
        /** EventBridge schedule of the serverless monitor, e.g. rate(1 hour). */
        serverlessScheduleExpression: string;
        /**
         * The distributed monitor (components/distributed-monitor.ts: Step Functions Distributed Map over Lambda workers).
         * When enabled it replaces the single serverless Lambda for the endpoint (docs/monitoring.md "Distributed monitor").
         */
        distributed: {
            enabled: boolean;
            /** Worker Lambdas at once (Distributed Map MaxConcurrency). */
            maxConcurrency: number;
            /** Capture bytes per batch (one worker invocation). */
            maxBatchBytes: number;
            /** Capture objects per batch. */
            maxBatchObjects: number;
            /** Percentage of batches that may fail (reported) before the hour's run fails. */
            toleratedFailurePercentage: number;
            workerMemoryMb: number;
            /** EventBridge Scheduler expression (UTC). */
            scheduleExpression: string;
            /** X-Ray tracing of the state machine and its Lambdas. */
            tracing: boolean;
        };
        /** SageMaker Model Monitor data-quality schedule (closed to new AWS customers: off unless your account has it). */
        modelMonitorSchedule: boolean;
        instanceType: string;
        scheduleExpression: string;
        driftThreshold: number;
        maxRuntimeSeconds: number;
    };
    alarms: {
        p99LatencyMs: number;
        errorRatePercent: number;
        cpuUtilizationPercent: number;
        alarmOnZeroInvocations: boolean;
        emails: string[];
    };
    audit: {
        /** Existing organisation trail: when true, no trail is created here. */
        useExistingTrail: boolean;
        /** SageMaker pipeline ARN that retraining alarms start; SNS only when absent. */
        retrainingPipelineArn?: string;
    };
    budget: {
        monthlyLimitUsd: number;
        thresholdsPercent: number[];
        emails: string[];
        /** Apply a deny policy for new SageMaker capacity when the budget is exceeded. */
        enforceAction: boolean;
        /** Alarm (to the alerts topic) when the endpoint's cost per 1000 predictions stays above this many USD; absent: none. */
        costPerThousandAlarmUsd?: number;
        anomalyThresholdUsd: number;
        /**
         * Activate Project, Environment and CostCenter as cost-allocation tags (account-wide: one stack per account; needs
         * the management account or a standalone account).
         */
        activateCostAllocationTags: boolean;
        /** The tags are already active cost-allocation tags (activated by another stack or in the Billing console). */
        costAllocationTagsActive: boolean;
        /**
         * Cost anomaly monitor: "tag" (CUSTOM monitor on the Project tag; needs the tags active), "service" (the account's
         * DIMENSIONAL SERVICE monitor: one per account), "none". Default "tag" when the tags are active, else "none".
         */
        anomalyMonitor: "tag" | "service" | "none";
    };
    detective: {
        /** Deploy the detective controls (components/detective.ts): Config rules, compliance/finding routes. */
        enabled: boolean;
        /** Create a Config recorder + delivery channel to the audit bucket (one per account and region). Default: when no existing recorder is declared. */
        createRecorder: boolean;
        /** The recorder the account already has (e.g. "default", Control Tower's "aws-controltower-BaselineConfigRecorder"). */
        existingRecorderName?: string;
        /** Deploy the rules as one conformance pack. */
        conformancePack: boolean;
        /** Also deploy the account-wide rules (CloudTrail enabled, root access key, IAM users with policies). */
        accountRules: boolean;
        /** Tag that scopes change-triggered rules to this stack's resources. Default Environment=<environment>. */
        scopeTag: { key: string; value: string };
        securityHub: {
            /** Enable Security Hub in the account and region (account-wide). */
            enableAccount: boolean;
            /** Subscribe to AWS Foundational Security Best Practices (account-wide). */
            subscribeFsbp: boolean;
            /** Route failed findings for this stack's resources to the alerts topic. */
            routeFindings: boolean;
        };
        /** Route Config non-compliance of this stack's rules to the alerts topic. */
        routeConfigCompliance: boolean;
        /** SSM automation re-enabling S3 Block Public Access on the stack's buckets when Config finds one open. */
        remediateS3PublicAccess: boolean;
    };
    pipeline: {
        /** Minimum validation/test AUC for automatic approval (dev) and the evaluation quality gate. */
        minAuc: number;
        /** Dev auto-approves a model above minAuc; prod always needs a manual approval. */
        autoApprove: boolean;
        latencySloMs: number;
        /** Largest share (percent) of a data file's rows a step may drop before it fails (prepare; default 1). */
        maxDropRatePercent: number;
    };
}

/** A raw, unvalidated configuration: `key` → value (objects as parsed from YAML/JSON). */
export type RawConfig = Record<string, unknown>;

export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}

const NS = "mlplatform";
const INSTANCE_TYPE = /^ml\.[a-z][a-z0-9-]*\.(\d*x?large|medium|small|micro|metal|\d+xlarge)$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** One configuration key as the parser reads it (for docs/configuration.md, generated by scripts/tools/gen-docs.ts). */
export interface ConfigKeyDoc {
    /** Key under `mlplatform:`, list indexes as `[]` (e.g. `endpoint.variants[].weight`). */
    key: string;
    kind: "string" | "number" | "integer" | "boolean" | "string list" | "number list" | "one of" | "object";
    /** The default the parser applies when the key is absent (undefined: none / required). */
    default?: unknown;
    required: boolean;
    /** What a valid value is (range, pattern description, allowed values). */
    expected?: string;
}

let keyLog: ConfigKeyDoc[] | undefined;

/** Runs `fn` and returns, with its result, every key the parser read (first read per key wins). */
export function recordConfigKeys<T>(fn: () => T): { result: T; keys: ConfigKeyDoc[] } {
    const prev = keyLog;
    keyLog = [];
    try {
        const result = fn();
        const seen = new Map<string, ConfigKeyDoc>();
        for (const k of keyLog) if (!seen.has(k.key)) seen.set(k.key, k);
        return { result, keys: [...seen.values()] };
    } finally {
        keyLog = prev;
    }
}

/** Reads values with type checks, recording every problem instead of throwing at the first. */
class Reader {
    readonly problems: string[] = [];
    /** Every path looked up (the valid keys). */
    readonly seen = new Set<string>();
    constructor(private readonly raw: RawConfig) {}

    private note(path: string, kind: ConfigKeyDoc["kind"], def: unknown, expected?: string): void {
        keyLog?.push({ key: path.replace(/\.\d+(\.|$)/g, "[]$1"), kind, default: def, required: def === undefined && kind !== "object", expected });
    }

    private fmt(v: unknown): string {
        return v === undefined ? "<missing>" : JSON.stringify(v);
    }

    private lookup(path: string): unknown {
        this.seen.add(path);
        const [top, ...rest] = path.split(".");
        let v: unknown = this.raw[`${NS}:${top}`];
        for (const k of rest) {
            if (v === undefined || v === null || typeof v !== "object") return undefined;
            v = (v as Record<string, unknown>)[k];
        }
        return v;
    }

    problem(path: string, value: unknown, expected: string): void {
        this.problems.push(`${NS}:${path} = ${this.fmt(value)}: expected ${expected}`);
    }

    str(path: string, def?: string, pattern?: RegExp, what?: string, optional = false): string {
        if (!optional) this.note(path, "string", def, what);
        const v = this.lookup(path);
        if (v === undefined || v === null || v === "") {
            if (def !== undefined) return def;
            this.problem(path, v, `${what ?? "a non-empty string"} (required)`);
            return "";
        }
        if (typeof v !== "string") {
            this.problem(path, v, what ?? "a string");
            return "";
        }
        if (pattern && !pattern.test(v)) this.problem(path, v, what ?? `a string matching ${pattern}`);
        return v;
    }

    optStr(path: string, pattern?: RegExp, what?: string): string | undefined {
        keyLog?.push({ key: path.replace(/\.\d+(\.|$)/g, "[]$1"), kind: "string", required: false, expected: what });
        const v = this.lookup(path);
        if (v === undefined || v === null || v === "") return undefined;
        return this.str(path, undefined, pattern, what, true);
    }

    num(path: string, def: number | undefined, min: number, max: number, integer = false): number {
        this.note(path, integer ? "integer" : "number", def, `${min} to ${max}`);
        let v = this.lookup(path);
        if (v === undefined || v === null) {
            if (def !== undefined) return def;
            this.problem(path, v, `a number between ${min} and ${max} (required)`);
            return min;
        }
        if (typeof v === "string" && v.trim() !== "" && !isNaN(Number(v))) v = Number(v);
        if (typeof v !== "number" || !isFinite(v)) {
            this.problem(path, v, `a number between ${min} and ${max}`);
            return def ?? min;
        }
        if (integer && !Number.isInteger(v)) this.problem(path, v, `an integer between ${min} and ${max}`);
        else if (v < min || v > max) this.problem(path, v, `${integer ? "an integer" : "a number"} between ${min} and ${max}`);
        return v;
    }

    bool(path: string, def: boolean | undefined): boolean {
        this.note(path, "boolean", def);
        const v = this.lookup(path);
        if (v === undefined || v === null) {
            if (def !== undefined) return def;
            this.problem(path, v, "true or false (required)");
            return false;
        }
        if (v === "true" || v === true) return true;
        if (v === "false" || v === false) return false;
        this.problem(path, v, "true or false");
        return def ?? false;
    }

    strList(path: string, def: string[], pattern?: RegExp, what?: string): string[] {
        this.note(path, "string list", def, what);
        const v = this.lookup(path);
        if (v === undefined || v === null) return def;
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
            this.problem(path, v, `a list of strings${what ? ` (${what})` : ""}`);
            return def;
        }
        if (pattern) for (const x of v) if (!pattern.test(x)) this.problem(path, x, what ?? `entries matching ${pattern}`);
        return v as string[];
    }

    numList(path: string, def: number[], min: number, max: number): number[] {
        this.note(path, "number list", def, `numbers ${min} to ${max}`);
        const v = this.lookup(path);
        if (v === undefined || v === null) return def;
        if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || x < min || x > max)) {
            this.problem(path, v, `a list of numbers between ${min} and ${max}`);
            return def;
        }
        return v as number[];
    }

    oneOf<T extends string>(path: string, def: T | undefined, allowed: readonly T[]): T {
        this.note(path, "one of", def, allowed.join(" | "));
        const v = this.str(path, def, undefined, `one of ${allowed.join(", ")}`, true);
        if (v !== "" && !allowed.includes(v as T)) this.problem(path, v, `one of ${allowed.join(", ")}`);
        return v as T;
    }

    raw_(path: string): unknown {
        this.note(path, "object", undefined);
        return this.lookup(path);
    }

    /** Records an optional key for the docs without reading it (its parent object is absent). */
    noteOptional(path: string, kind: ConfigKeyDoc["kind"], expected?: string, def?: unknown): void {
        keyLog?.push({ key: path.replace(/\.\d+(\.|$)/g, "[]$1"), kind, default: def, required: false, expected });
    }
}

function validCidr(c: string): boolean {
    const m = CIDR.exec(c);
    if (!m) return false;
    const octets = m.slice(1, 5).map(Number);
    const bits = Number(m[5]);
    return octets.every((o) => o >= 0 && o <= 255) && bits >= 16 && bits <= 24;
}

function readVariant(r: Reader, path: string, required: boolean): VariantConfig | undefined {
    const v = r.raw_(path);
    if (v === undefined || v === null) {
        if (required) r.problem(path, v, "a variant {name, instanceType, initialInstanceCount, weight}");
        return undefined;
    }
    if (typeof v !== "object" || Array.isArray(v)) {
        r.problem(path, v, "an object {name, instanceType, initialInstanceCount, weight}");
        return undefined;
    }
    const serverless = readServerless(r, `${path}.serverless`);
    if (serverless) {
        for (const k of ["instanceType", "initialInstanceCount"]) {
            const x = r.raw_(`${path}.${k}`);
            if (x !== undefined && x !== null)
                r.problem(
                    `${path}.${k}`,
                    x,
                    `no ${k} on a serverless variant (it has memory and concurrency instead): remove it, or remove ${path}.serverless`,
                );
        }
    }
    return {
        name: r.str(`${path}.name`, undefined, /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, "a variant name of letters, digits and hyphens (max 63)"),
        ...(serverless
            ? { serverless }
            : {
                  instanceType: r.str(`${path}.instanceType`, undefined, INSTANCE_TYPE, "a SageMaker instance type such as ml.m5.large"),
                  initialInstanceCount: r.num(`${path}.initialInstanceCount`, 1, 1, 100, true),
              }),
        weight: r.num(`${path}.weight`, 1, 0, 1000),
        modelDataUrl: r.optStr(`${path}.modelDataUrl`, /^s3:\/\/[a-z0-9.-]{3,63}\/.+/, "an s3://bucket/key URI of model.tar.gz"),
        modelPackageArn: r.optStr(
            `${path}.modelPackageArn`,
            /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9-]+\/\d+$/,
            "a versioned model package ARN, arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>",
        ),
        image: r.optStr(`${path}.image`, /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/.+/, "an ECR image URI"),
        preprocessDataUrl: r.optStr(
            `${path}.preprocessDataUrl`,
            /^s3:\/\/[a-z0-9.-]{3,63}\/.+/,
            "an s3://bucket/key URI of the preprocessing archive (sourcedir.tar.gz)",
        ),
    };
}

/** `<variant>.serverless` (ProductionVariantServerlessConfig: limits in contracts/endpoint-config.ts SERVERLESS_LIMITS). */
function readServerless(r: Reader, path: string): ServerlessVariantConfig | undefined {
    const v = r.raw_(path);
    if (v === undefined || v === null) {
        r.noteOptional(`${path}.memorySizeInMb`, "integer", "1024 to 6144 in steps of 1024");
        r.noteOptional(`${path}.maxConcurrency`, "integer", "1 to 200");
        r.noteOptional(`${path}.provisionedConcurrency`, "integer", "1 to maxConcurrency");
        return undefined;
    }
    if (typeof v !== "object" || Array.isArray(v)) {
        r.problem(path, v, "an object {memorySizeInMb, maxConcurrency, provisionedConcurrency?}");
        return undefined;
    }
    const c: ServerlessVariantConfig = {
        memorySizeInMb: r.num(`${path}.memorySizeInMb`, undefined, SERVERLESS_LIMITS.memoryMb[0], SERVERLESS_LIMITS.memoryMb[1], true),
        maxConcurrency: r.num(`${path}.maxConcurrency`, undefined, SERVERLESS_LIMITS.maxConcurrency[0], SERVERLESS_LIMITS.maxConcurrency[1], true),
    };
    if (r.raw_(`${path}.provisionedConcurrency`) !== undefined)
        c.provisionedConcurrency = r.num(`${path}.provisionedConcurrency`, undefined, 1, SERVERLESS_LIMITS.provisionedConcurrency[1], true);
    const seenProblems = new Set(r.problems);
    for (const p of serverlessConfigProblems(c)) {
        const msg = `${NS}:${path}.${p.field} = ${JSON.stringify(p.value)}: expected ${p.expected}`;
        // the range checks above already reported out-of-range numbers; add the step / provisioned <= max checks
        if (![...seenProblems].some((x) => x.startsWith(`${NS}:${path}.${p.field} =`))) r.problems.push(msg);
    }
    return c;
}

/** `endpoint.autoscaling.schedule`: scheduled scale-down outside working hours (contracts/endpoint-config.ts ScaleSchedule). */
function readSchedule(r: Reader, prod: boolean): ScaleSchedule | undefined {
    const path = "endpoint.autoscaling.schedule";
    const v = r.raw_(path);
    const minDefault = prod ? 2 : 1;
    if (v === undefined || v === null) {
        r.noteOptional(`${path}.scaleDownCron`, "string", "cron(minutes hours day-of-month month day-of-week year)");
        r.noteOptional(`${path}.scaleUpCron`, "string", "cron(minutes hours day-of-month month day-of-week year)");
        r.noteOptional(`${path}.timezone`, "string", "an IANA time zone", "UTC");
        r.noteOptional(`${path}.minOutsideHours`, "integer", "1 to endpoint.autoscaling.minCapacity", minDefault);
        r.noteOptional(`${path}.maxOutsideHours`, "integer", "minOutsideHours to endpoint.autoscaling.maxCapacity");
        return undefined;
    }
    if (typeof v !== "object" || Array.isArray(v)) {
        r.problem(path, v, "an object {scaleDownCron, scaleUpCron, timezone?, minOutsideHours?, maxOutsideHours?}");
        return undefined;
    }
    const cron = "a six-field cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 19 ? * MON-FRI *)";
    const minOutsideHours = r.num(`${path}.minOutsideHours`, minDefault, 1, 100, true);
    return {
        scaleDownCron: r.str(`${path}.scaleDownCron`, undefined, undefined, cron),
        scaleUpCron: r.str(`${path}.scaleUpCron`, undefined, undefined, cron),
        timezone: r.str(`${path}.timezone`, "UTC", undefined, "an IANA time zone such as UTC or Europe/Berlin"),
        minOutsideHours,
        maxOutsideHours: r.num(`${path}.maxOutsideHours`, minOutsideHours, 1, 100, true),
    };
}

/** Reads a variant list at `endpoint.variants`, which YAML gives as an array. */
function readVariants(r: Reader): VariantConfig[] {
    const v = r.raw_("endpoint.variants");
    if (v === undefined || v === null) {
        return [{ name: "champion", instanceType: "ml.m5.large", initialInstanceCount: 1, weight: 1 }];
    }
    if (!Array.isArray(v) || v.length === 0) {
        r.problem("endpoint.variants", v, "a non-empty list of variants {name, instanceType, initialInstanceCount, weight}");
        return [];
    }
    return v.map((_, i) => readVariant(r, `endpoint.variants.${i}`, true)!).filter(Boolean);
}

/** Every variant of the endpoint (production variants, then the shadow variant) with its config path. */
function endpointVariants(cfg: PlatformConfig): { path: string; v: VariantConfig }[] {
    return [
        ...cfg.endpoint.variants.map((v, i) => ({ path: `endpoint.variants.${i}`, v })),
        ...(cfg.endpoint.shadowVariant ? [{ path: "endpoint.shadowVariant", v: cfg.endpoint.shadowVariant }] : []),
    ];
}

/**
 * Whether the endpoint's model is named: "all" (every variant names an approved package or an uploaded artifact: the
 * stack creates the SageMaker endpoint), "none" (a new stack: the endpoint is declared, its resources wait for a model),
 * or "some" (inconsistent: a config error).
 */
export function endpointModelState(cfg: PlatformConfig): "all" | "none" | "some" {
    const named = endpointVariants(cfg).filter(({ v }) => v.modelPackageArn || v.modelDataUrl).length;
    return named === 0 ? "none" : named === endpointVariants(cfg).length ? "all" : "some";
}

/** True when the stack creates the SageMaker endpoint (enabled, and every variant names its model). */
export function endpointDeployable(cfg: PlatformConfig): boolean {
    return cfg.endpoint.enabled && endpointModelState(cfg) === "all";
}

/**
 * Serverless variants against the stack: Serverless Inference excludes VPC configuration, network isolation, data
 * capture, multiple production variants, inference pipelines and Model Monitor ("Feature exclusions",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html). Prod's endpoint needs the VPC, network
 * isolation and capture (and two variants), so serverless is a dev option; in dev each exclusion is a problem naming the
 * key to change, so nothing is dropped silently.
 */
function checkServerless(r: Reader, cfg: PlatformConfig): void {
    const sl = endpointVariants(cfg).filter(({ v }) => v.serverless);
    if (sl.length === 0) return;
    const paths = sl.map(({ path }) => `${path}.serverless`).join(", ");
    if (cfg.environment === "prod") {
        for (const { path, v } of sl) {
            r.problem(
                `${path}.serverless`,
                v.serverless,
                "no serverless variant in prod: Serverless Inference runs outside the VPC, without network isolation and data capture, which prod requires; keep prod provisioned (instanceType, initialInstanceCount)",
            );
        }
        return;
    }
    const n = endpointVariants(cfg).length;
    if (n > 1)
        r.problem(
            cfg.endpoint.shadowVariant ? "endpoint.shadowVariant" : "endpoint.variants",
            endpointVariants(cfg).map(({ v }) => v.name),
            `one variant with ${paths} (Serverless Inference supports one production variant and no shadow): remove the others, or make the variant provisioned`,
        );
    if (cfg.endpoint.input === "raw")
        r.problem(
            "endpoint.input",
            "raw",
            `features with ${paths}: Serverless Inference runs no inference pipeline, and raw input is the two-container preprocessing pipeline (callers then send encoded features)`,
        );
    if (cfg.endpoint.captureSamplingPercentage > 0)
        r.problem(
            "endpoint.captureSamplingPercentage",
            cfg.endpoint.captureSamplingPercentage,
            `0 with ${paths}: Serverless Inference has no data capture (drift monitoring then has no data)`,
        );
    if (cfg.monitoring.modelMonitorSchedule)
        r.problem("monitoring.modelMonitorSchedule", true, `false with ${paths}: Model Monitor does not support serverless endpoints`);
    if (cfg.monitoring.serverlessMonitor)
        r.problem("monitoring.serverlessMonitor", true, `false with ${paths}: without data capture the monitor has nothing to read`);
    if (cfg.endpoint.shadowVariant?.serverless)
        r.problem(
            "endpoint.shadowVariant.serverless",
            cfg.endpoint.shadowVariant.serverless,
            "no serverless shadow variant (Serverless Inference supports one production variant)",
        );
}

function checkEndpointModels(r: Reader, cfg: PlatformConfig): void {
    const all = endpointVariants(cfg);
    const group = `${cfg.namePrefix}-models`;
    const artifacts = new RegExp(`^s3://${cfg.namePrefix}-artifacts-[0-9a-f]{8}/models/.+`);
    for (const { path, v } of all) {
        if (v.modelPackageArn && v.modelDataUrl)
            r.problem(
                `${path}.modelDataUrl`,
                v.modelDataUrl,
                `either modelPackageArn or modelDataUrl, not both (variant ${v.name} names ${v.modelPackageArn})`,
            );
        if (v.modelPackageArn) {
            const [, , , region, , res] = v.modelPackageArn.split(":");
            if (region !== cfg.region) r.problem(`${path}.modelPackageArn`, v.modelPackageArn, `a model package in the stack's region ${cfg.region}`);
            if (res.split("/")[1] !== group)
                r.problem(
                    `${path}.modelPackageArn`,
                    v.modelPackageArn,
                    `a version of the stack's model package group ${group} (the deploy grants and the hosting role cover only that group), e.g. arn:aws:sagemaker:${cfg.region}:<account>:model-package/${group}/1`,
                );
        }
        // The hosting role reads only the artifacts bucket under models/ (and in prod only through the VPC endpoint).
        if (v.modelDataUrl && !artifacts.test(v.modelDataUrl)) {
            r.problem(
                `${path}.modelDataUrl`,
                v.modelDataUrl,
                `an artifact the hosting role can read: s3://${cfg.namePrefix}-artifacts-<suffix>/models/.../model.tar.gz (the stack's artifacts bucket, output buckets.artifacts)`,
            );
        }
        // A raw-record endpoint built from an uploaded artifact also needs the preprocessing archive (a model package
        // carries its own containers); it is read by the hosting role too.
        if (v.preprocessDataUrl && !artifacts.test(v.preprocessDataUrl)) {
            r.problem(
                `${path}.preprocessDataUrl`,
                v.preprocessDataUrl,
                `an archive the hosting role can read: s3://${cfg.namePrefix}-artifacts-<suffix>/models/preprocess-<sha>/sourcedir.tar.gz (written by the features step: its artifacts.preprocessArchive)`,
            );
        }
        if (v.preprocessDataUrl && (v.modelPackageArn || cfg.endpoint.input === "features")) {
            r.problem(
                `${path}.preprocessDataUrl`,
                v.preprocessDataUrl,
                v.modelPackageArn
                    ? "no preprocessDataUrl with a modelPackageArn (the package names its containers)"
                    : "no preprocessDataUrl with endpoint.input: features (no preprocessing container)",
            );
        }
        if (v.modelDataUrl && !v.preprocessDataUrl && cfg.endpoint.input === "raw") {
            r.problem(
                `${path}.preprocessDataUrl`,
                undefined,
                `the preprocessing archive next to modelDataUrl (endpoint.input raw: the endpoint takes raw records through an inference pipeline): the features step's artifacts.preprocessArchive, s3://${cfg.namePrefix}-artifacts-<suffix>/models/preprocess-<sha>/sourcedir.tar.gz; or endpoint.input: features, or a modelPackageArn`,
            );
        }
    }
    if (cfg.endpoint.enabled && endpointModelState(cfg) === "some") {
        const missing = all.filter(({ v }) => !v.modelPackageArn && !v.modelDataUrl).map(({ path }) => path);
        r.problem(
            missing[0],
            undefined,
            `a model for every variant or for none (${missing.join(", ")} name${missing.length === 1 ? "s" : ""} no modelPackageArn / modelDataUrl while others do): ` +
                "name an approved package of the stack's group for each variant, or remove them all to deploy the stack without its SageMaker endpoint until a model is registered",
        );
    }
}

/**
 * Validates a raw configuration map (keys `mlplatform:<name>`, values already parsed from YAML) and returns the typed
 * configuration. Throws `ConfigError` listing every problem.
 */
export function parsePlatformConfig(raw: RawConfig, stack: string, region: string | undefined): PlatformConfig {
    const r = new Reader(raw);
    const environment = r.oneOf<Environment>("environment", undefined, ["dev", "prod"]);
    const prod = environment === "prod";
    if (!region || !REGION.test(region)) {
        r.problems.push(
            `aws:region = ${region === undefined ? "<missing>" : JSON.stringify(region)}: expected an AWS region such as us-east-1 (required; set it with 'pulumi config set aws:region us-east-1')`,
        );
    }

    const tagsRaw = r.raw_("tags");
    const tags: Record<string, string> = {};
    if (tagsRaw !== undefined && (typeof tagsRaw !== "object" || tagsRaw === null || Array.isArray(tagsRaw))) {
        r.problem("tags", tagsRaw, "a map of tag names to values");
    } else if (tagsRaw) {
        for (const [k, v] of Object.entries(tagsRaw as Record<string, unknown>)) {
            if (typeof v !== "string" || v.length === 0 || v.length > 256) r.problem(`tags.${k}`, v, "a non-empty string of at most 256 characters");
            else tags[k] = v;
        }
    }
    for (const k of ["Project", "Owner", "CostCenter", "DataClassification"]) {
        if (!tags[k]) r.problem(`tags.${k}`, tags[k], "a non-empty tag value (required tag)");
    }
    const classification = ["public", "internal", "confidential", "restricted"];
    if (tags.DataClassification && !classification.includes(tags.DataClassification)) {
        r.problem("tags.DataClassification", tags.DataClassification, `one of ${classification.join(", ")}`);
    }
    if (tags.Environment && tags.Environment !== environment) {
        r.problem("tags.Environment", tags.Environment, `to equal mlplatform:environment (${environment}) or be left out`);
    }
    tags.Environment = environment;

    const variants = readVariants(r);
    const names = variants.map((v) => v.name);
    if (new Set(names).size !== names.length) r.problem("endpoint.variants", names, "unique variant names");
    if (variants.length > 0 && variants.every((v) => v.weight === 0))
        r.problem(
            "endpoint.variants",
            variants.map((v) => v.weight),
            "at least one variant with a weight > 0",
        );

    const cfg: PlatformConfig = {
        stack,
        environment,
        region: region ?? "",
        namePrefix: r.str("namePrefix", `mlp-${stack}`, /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/, "3-20 lowercase letters, digits or hyphens, starting with a letter"),
        tags: tags as RequiredTags,
        network: {
            cidrBlock: r.str("network.cidrBlock", "10.20.0.0/16"),
            availabilityZones: r.num("network.availabilityZones", prod ? 3 : 2, 2, 6, true),
            allowInternetEgress: r.bool("network.allowInternetEgress", false),
            // The known names are checked by the program against components/network.ts SAGEMAKER_INTERFACE_ENDPOINT_SERVICES.
            interfaceEndpoints: r.strList(
                "network.interfaceEndpoints",
                [],
                /^[a-z0-9-]+(\.[a-z0-9-]+)*$/,
                "VPC endpoint service names such as sts, logs, sagemaker.api",
            ),
            interfaceEndpointAzs: r.num("network.interfaceEndpointAzs", prod ? r.num("network.availabilityZones", 3, 2, 6, true) : 1, 1, 6, true),
            flowLogRetentionDays: r.num("network.flowLogRetentionDays", prod ? 365 : 14, 1, 3653, true),
        },
        dataLake: {
            captureExpirationDays: r.num("dataLake.captureExpirationDays", prod ? 365 : 30, 1, 3650, true),
            noncurrentVersionExpirationDays: r.num("dataLake.noncurrentVersionExpirationDays", prod ? 90 : 7, 1, 3650, true),
            rawTransitionToIaDays: r.num("dataLake.rawTransitionToIaDays", prod ? 90 : 30, 30, 3650, true),
            forceDestroy: r.bool("dataLake.forceDestroy", !prod),
            retainOnDelete: r.bool("dataLake.retainOnDelete", prod),
            restrictToVpcEndpoint: r.bool("dataLake.restrictToVpcEndpoint", prod),
        },
        security: {
            adminRoleArns: r.strList("security.adminRoleArns", [], ROLE_ARN, "IAM role ARNs"),
            auditorRoleArns: r.strList("security.auditorRoleArns", [], ROLE_ARN, "IAM role ARNs"),
            breakGlassRoleArns: r.strList("security.breakGlassRoleArns", [], ROLE_ARN, "IAM role ARNs"),
            keyDeletionWindowDays: r.num("security.keyDeletionWindowDays", 30, 7, 30, true),
            ciOidcSubject: r.str(
                "security.ciOidcSubject",
                undefined,
                /^repo:[^*/:]+\/[^*/:]+:.+$/,
                "a GitHub OIDC subject naming the repository, e.g. repo:my-org/ml-platform:environment:dev (no wildcard owner or repository)",
            ),
            ciOidcProviderArn: r.optStr("security.ciOidcProviderArn", /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, "an IAM OIDC provider ARN"),
            ciReadOnlyOidcSubjects: r.strList(
                "security.ciReadOnlyOidcSubjects",
                [],
                /^repo:[^*/:]+\/[^*/:]+:(pull_request|ref:.+)$/,
                "GitHub OIDC subjects of pull requests or branches of the repository, e.g. repo:my-org/ml-platform:pull_request (never an environment: deploys use the deploy role)",
            ),
            ciStateBucket: r.optStr(
                "security.ciStateBucket",
                /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
                "the S3 bucket name of the Pulumi state backend (s3://<bucket>)",
            ),
            ciSecretsKmsKeyArn: r.optStr(
                "security.ciSecretsKmsKeyArn",
                /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/,
                "the ARN of the stack secrets provider's KMS key",
            ),
        },
        logs: { retentionDays: r.num("logs.retentionDays", prod ? 365 : 14, 1, 3653, true), createJobLogGroups: r.bool("logs.createJobLogGroups", false) },
        featureStore: { enableOnlineStore: r.bool("featureStore.enableOnlineStore", true) },
        training: {
            instanceTypes: r.strList("training.instanceTypes", ["ml.m5.xlarge"], INSTANCE_TYPE, "SageMaker instance types such as ml.m5.xlarge"),
            maxInstanceCount: r.num("training.maxInstanceCount", prod ? 4 : 1, 1, 100, true),
            useSpot: r.bool("training.useSpot", !prod),
            maxRuntimeSeconds: r.num("training.maxRuntimeSeconds", 3600, 60, 432000, true),
        },
        endpoint: {
            enabled: r.bool("endpoint.enabled", false),
            input: r.oneOf("endpoint.input", "raw", ["raw", "features"] as const),
            preprocessImage: r.optStr(
                "endpoint.preprocessImage",
                /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/.+/,
                "an ECR image URI of a scikit-learn serving image",
            ),
            variants,
            shadowVariant: readVariant(r, "endpoint.shadowVariant", false),
            captureSamplingPercentage: r.num("endpoint.captureSamplingPercentage", prod ? 20 : 100, 0, 100, true),
            autoscaling: {
                minCapacity: r.num("endpoint.autoscaling.minCapacity", prod ? 2 : 1, 1, 100, true),
                maxCapacity: r.num("endpoint.autoscaling.maxCapacity", prod ? 6 : 2, 1, 100, true),
                targetInvocationsPerInstance: r.num("endpoint.autoscaling.targetInvocationsPerInstance", 200, 1, 100000),
                scaleInCooldownSeconds: r.num("endpoint.autoscaling.scaleInCooldownSeconds", 300, 0, 3600, true),
                scaleOutCooldownSeconds: r.num("endpoint.autoscaling.scaleOutCooldownSeconds", 60, 0, 3600, true),
                schedule: readSchedule(r, prod),
            },
            deployment: {
                strategy: r.oneOf("endpoint.deployment.strategy", prod ? "canary" : "all-at-once", ["canary", "linear", "all-at-once"] as const),
                stepPercent: r.num("endpoint.deployment.stepPercent", 10, 1, 100, true),
                waitIntervalSeconds: r.num("endpoint.deployment.waitIntervalSeconds", 600, 0, 3600, true),
                terminationWaitSeconds: r.num("endpoint.deployment.terminationWaitSeconds", 300, 0, 3600, true),
            },
        },
        monitoring: {
            serverlessMonitor: r.bool("monitoring.serverlessMonitor", true),
            serverlessReservedConcurrency:
                r.raw_("monitoring.serverlessReservedConcurrency") === undefined
                    ? undefined
                    : r.num("monitoring.serverlessReservedConcurrency", undefined, 1, 1000, true),
            serverlessScheduleExpression: r.str(
                "monitoring.serverlessScheduleExpression",
                "rate(1 hour)",
                /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/,
                "an EventBridge schedule such as rate(1 hour) or cron(0 * * * ? *)",
            ),
            distributed: {
                enabled: r.bool("monitoring.distributed.enabled", false),
                maxConcurrency: r.num("monitoring.distributed.maxConcurrency", 8, 1, 10000, true),
                maxBatchBytes: r.num("monitoring.distributed.maxBatchBytes", 256 * 1024 * 1024, 1024 * 1024, 4 * 1024 ** 3, true),
                maxBatchObjects: r.num("monitoring.distributed.maxBatchObjects", 500, 1, 1000, true),
                toleratedFailurePercentage: r.num("monitoring.distributed.toleratedFailurePercentage", 5, 0, 100, true),
                workerMemoryMb: r.num("monitoring.distributed.workerMemoryMb", 2048, 1024, 10240, true),
                scheduleExpression: r.str(
                    "monitoring.distributed.scheduleExpression",
                    "cron(5 * * * ? *)",
                    /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/,
                    "an EventBridge Scheduler expression such as cron(5 * * * ? *)",
                ),
                tracing: r.bool("monitoring.distributed.tracing", false),
            },
            modelMonitorSchedule: r.bool("monitoring.modelMonitorSchedule", false),
            instanceType: r.str("monitoring.instanceType", "ml.m5.large", INSTANCE_TYPE, "a SageMaker instance type such as ml.m5.large"),
            scheduleExpression: r.str("monitoring.scheduleExpression", "cron(0 * ? * * *)", /^cron\(.+\)$/, "a cron() expression such as cron(0 * ? * * *)"),
            driftThreshold: r.num("monitoring.driftThreshold", 0.1, 0.0001, 1),
            maxRuntimeSeconds: r.num("monitoring.maxRuntimeSeconds", 1800, 60, 3600, true),
        },
        alarms: {
            p99LatencyMs: r.num("alarms.p99LatencyMs", prod ? 200 : 500, 1, 600000),
            errorRatePercent: r.num("alarms.errorRatePercent", prod ? 1 : 5, 0.01, 100),
            cpuUtilizationPercent: r.num("alarms.cpuUtilizationPercent", 80, 1, 100),
            alarmOnZeroInvocations: r.bool("alarms.alarmOnZeroInvocations", prod),
            emails: r.strList("alarms.emails", [], EMAIL, "email addresses"),
        },
        audit: {
            useExistingTrail: r.bool("audit.useExistingTrail", false),
            retrainingPipelineArn: r.optStr(
                "audit.retrainingPipelineArn",
                /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/.+$/,
                "a SageMaker pipeline ARN",
            ),
        },
        budget: {
            monthlyLimitUsd: r.num("budget.monthlyLimitUsd", undefined, 0.01, 10_000_000),
            thresholdsPercent: r.numList("budget.thresholdsPercent", [80, 100], 1, 1000),
            emails: r.strList("budget.emails", [], EMAIL, "email addresses"),
            enforceAction: r.bool("budget.enforceAction", prod),
            costPerThousandAlarmUsd: (() => {
                r.noteOptional("budget.costPerThousandAlarmUsd", "number", "0.000001 to 1000000 (USD per 1000 predictions)");
                return r.raw_("budget.costPerThousandAlarmUsd") === undefined
                    ? undefined
                    : r.num("budget.costPerThousandAlarmUsd", undefined, 0.000001, 1_000_000);
            })(),
            anomalyThresholdUsd: r.num("budget.anomalyThresholdUsd", prod ? 100 : 20, 1, 1_000_000),
            activateCostAllocationTags: r.bool("budget.activateCostAllocationTags", false),
            costAllocationTagsActive: r.bool("budget.costAllocationTagsActive", false),
            anomalyMonitor: r.oneOf(
                "budget.anomalyMonitor",
                r.bool("budget.activateCostAllocationTags", false) || r.bool("budget.costAllocationTagsActive", false) ? "tag" : "none",
                ["tag", "service", "none"] as const,
            ),
        },
        detective: (() => {
            const existingRecorderName = r.optStr(
                "detective.existingRecorderName",
                /^[A-Za-z0-9_.-]{1,256}$/,
                "the name of the account's AWS Config recorder, e.g. default",
            );
            return {
                enabled: r.bool("detective.enabled", true),
                createRecorder: r.bool("detective.createRecorder", existingRecorderName === undefined),
                existingRecorderName,
                conformancePack: r.bool("detective.conformancePack", false),
                accountRules: r.bool("detective.accountRules", false),
                scopeTag: {
                    key: r.str("detective.scopeTag.key", "Environment", /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, "a tag key"),
                    value: r.str("detective.scopeTag.value", environment || "dev", /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u, "a tag value"),
                },
                securityHub: {
                    enableAccount: r.bool("detective.securityHub.enableAccount", false),
                    subscribeFsbp: r.bool("detective.securityHub.subscribeFsbp", false),
                    routeFindings: r.bool("detective.securityHub.routeFindings", true),
                },
                routeConfigCompliance: r.bool("detective.routeConfigCompliance", true),
                remediateS3PublicAccess: r.bool("detective.remediateS3PublicAccess", false),
            };
        })(),
        pipeline: {
            minAuc: r.num("pipeline.minAuc", 0.85, 0.5, 1),
            autoApprove: r.bool("pipeline.autoApprove", !prod),
            latencySloMs: r.num("pipeline.latencySloMs", 20, 1, 60000),
            maxDropRatePercent: r.num("pipeline.maxDropRatePercent", 1, 0, 100),
        },
    };

    if (!validCidr(cfg.network.cidrBlock))
        r.problem("network.cidrBlock", cfg.network.cidrBlock, "an IPv4 CIDR block with a /16 to /24 prefix, e.g. 10.20.0.0/16");
    if (cfg.network.interfaceEndpointAzs > cfg.network.availabilityZones)
        r.problem("network.interfaceEndpointAzs", cfg.network.interfaceEndpointAzs, `at most network.availabilityZones (${cfg.network.availabilityZones})`);
    if (prod && cfg.network.allowInternetEgress) r.problem("network.allowInternetEgress", true, "false in prod (prod has no internet path)");
    if (cfg.endpoint.autoscaling.maxCapacity < cfg.endpoint.autoscaling.minCapacity) {
        r.problem(
            "endpoint.autoscaling.maxCapacity",
            cfg.endpoint.autoscaling.maxCapacity,
            `a value >= endpoint.autoscaling.minCapacity (${cfg.endpoint.autoscaling.minCapacity})`,
        );
    }
    checkServerless(r, cfg);
    const sch = cfg.endpoint.autoscaling.schedule;
    if (sch) {
        for (const p of scheduleProblems(sch, cfg.endpoint.autoscaling)) r.problem(`endpoint.autoscaling.schedule.${p.field}`, p.value, p.expected);
        if (prod && sch.minOutsideHours < 2)
            r.problem("endpoint.autoscaling.schedule.minOutsideHours", sch.minOutsideHours, "at least 2 in prod (instances spread across AZs)");
        if (cfg.endpoint.variants.every((v) => v.serverless))
            r.problem(
                "endpoint.autoscaling.schedule",
                sch,
                "no schedule when every variant is serverless (SageMaker scales serverless capacity itself; there is no instance count to schedule): remove it",
            );
    }
    if (prod) {
        for (const [i, v] of cfg.endpoint.variants.entries()) {
            if (!v.serverless && (v.initialInstanceCount ?? 0) < 2)
                r.problem(`endpoint.variants.${i}.initialInstanceCount`, v.initialInstanceCount, "at least 2 in prod (instances spread across AZs)");
        }
        if (cfg.endpoint.autoscaling.minCapacity < 2) r.problem("endpoint.autoscaling.minCapacity", cfg.endpoint.autoscaling.minCapacity, "at least 2 in prod");
        if (cfg.pipeline.autoApprove) r.problem("pipeline.autoApprove", true, "false in prod (prod models need a manual approval)");
    }
    checkEndpointModels(r, cfg);
    if (cfg.budget.anomalyMonitor === "tag" && !cfg.budget.activateCostAllocationTags && !cfg.budget.costAllocationTagsActive) {
        r.problem(
            "budget.anomalyMonitor",
            "tag",
            `"service" or "none", or activate the cost-allocation tags (budget.activateCostAllocationTags / budget.costAllocationTagsActive): a monitor on the Project tag sees no cost while the tag is not an active cost-allocation tag`,
        );
    }
    if (cfg.budget.emails.length === 0 && cfg.alarms.emails.length === 0 && prod) {
        r.problem("budget.emails", cfg.budget.emails, "at least one address in prod (budget and alarm notifications need a recipient)");
    }

    const d = cfg.detective;
    if (d.enabled && d.createRecorder && d.existingRecorderName) {
        r.problem(
            "detective.createRecorder",
            true,
            `false when detective.existingRecorderName is set (${d.existingRecorderName}): an account and region hold one recorder`,
        );
    }
    if (d.enabled && !d.createRecorder && !d.existingRecorderName) {
        r.problem(
            "detective.existingRecorderName",
            undefined,
            "the name of the account's existing AWS Config recorder when detective.createRecorder is false (Config rules need a recorder); or set detective.createRecorder: true",
        );
    }
    if (d.remediateS3PublicAccess && d.conformancePack) {
        r.problem("detective.remediateS3PublicAccess", true, "false with detective.conformancePack: remediation attaches to an individual rule");
    }
    const scopedByTags = { ...cfg.tags };
    if (d.enabled && scopedByTags[d.scopeTag.key] !== d.scopeTag.value) {
        r.problem(
            "detective.scopeTag",
            d.scopeTag,
            `a tag every stack resource carries (from mlplatform:tags, e.g. {key: Environment, value: ${environment}}); rules scoped by it would find nothing`,
        );
    }

    r.problems.push(...unknownKeyProblems(raw, r.seen));
    if (r.problems.length > 0) throw new ConfigError(r.problems);
    return cfg;
}

/**
 * `mlplatform:` keys nobody reads. A path is valid when it was looked up or is a parent of one that was; a path that
 * was looked up and has no looked-up children (a free-form map such as `tags`) is not descended into.
 */
export function unknownKeyProblems(raw: RawConfig, seen: ReadonlySet<string>): string[] {
    const out: string[] = [];
    const children = (p: string): string[] => {
        const pre = p === "" ? "" : `${p}.`;
        const names = new Set<string>();
        for (const k of seen) if (k.startsWith(pre) && k.length > pre.length) names.add(k.slice(pre.length).split(".")[0]);
        return [...names].filter((n) => !/^\d+$/.test(n));
    };
    const known = (p: string) => seen.has(p) || [...seen].some((k) => k.startsWith(`${p}.`));
    const walk = (p: string, v: unknown) => {
        if (!v || typeof v !== "object") return;
        const hasChildren = [...seen].some((k) => k.startsWith(`${p}.`));
        if (!hasChildren) return; // a leaf or free-form map
        const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v as Record<string, unknown>);
        for (const [k, x] of entries) {
            const cp = `${p}.${k}`;
            if (Array.isArray(v) || known(cp)) walk(cp, x);
            else out.push(unknownKey(cp, p, children(p.replace(/\.\d+$/, ".0")).length ? children(p.replace(/\.\d+$/, ".0")) : children(p)));
        }
    };
    for (const [key, v] of Object.entries(raw)) {
        if (!key.startsWith(`${NS}:`)) continue;
        const top = key.slice(NS.length + 1);
        if (!known(top)) out.push(unknownKey(top, "", children("")));
        else walk(top, v);
    }
    return out;
}

function unknownKey(p: string, parent: string, valid: string[]): string {
    const name = p.slice(parent ? parent.length + 1 : 0);
    const render = (n: string) => `${NS}:${parent ? `${parent.replace(/\.\d+$/, ".<i>")}.` : ""}${n}`;
    return `${NS}:${p}: unknown key; ${suggestion(name, valid, render)}`;
}
