/**
 * Running policies outside the Pulumi CLI - for tests and for an offline gate.
 *
 * `makeResourceArgs` / `makeStackArgs` build `ResourceValidationArgs` / `StackValidationArgs` the way
 * `@pulumi/policy` 1.21's server does (`server.js`: `makeAnalyzeRpcFun`, `makeAnalyzeStackRpcFun`):
 *   - props go through protobuf `Struct` -> `deserializeProperties(struct, false)` -> `unknownCheckingProxy`
 *     (secrets are unwrapped to plain values, unknown sentinels throw on read);
 *   - the provider is a `{ type, name, urn, props }` with proxied props;
 *   - stack resources get `parent`, `dependencies`, `propertyDependencies` resolved to resource objects;
 *   - `getConfig()` returns the policy's config entry without `enforcementLevel`, with `configSchema`
 *     defaults applied (the CLI applies them before the pack sees the config);
 *   - `isType`/`asType` compare the class's `__pulumiType` (or call `isInstance`);
 *   - `notApplicable(reason)` throws, and the runner reports "not-applicable".
 * `runResourcePolicy` / `runStackPolicy` mirror the server's error handling: an `UnknownValueError`
 * makes the outcome "not-evaluated" (the CLI prints an advisory "can't run policy ... during
 * preview"), `notApplicable` makes it "not-applicable", anything else is rethrown. Violations are
 * captured with the effective enforcement level (`remediate` is reported as `mandatory`, as the
 * server does), and exemptions recorded during the run are returned with the outcome.
 */
import {
    EnforcementLevel,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";
import { schemaDefaults } from "../policies/lib/config";
import { ExemptionRecord, ExemptionSink, setExemptionSink, takeExemptions } from "../policies/lib/report";
import { PlatformPolicy, PlatformResourcePolicy, PlatformStackPolicy } from "../policies/lib/types";
import { isUnknownValueError, unknownCheckingProxy } from "../policies/lib/unknowns";

const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { deserializeProperties } = require("@pulumi/policy/deserialize");
const rpc = require("@pulumi/pulumi/runtime/rpc");

/** Marks a value as secret, the way the engine sends secrets (the runtime unwraps it). */
export function secret<T>(value: T): Record<string, unknown> {
    return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

export interface ProviderInput {
    type?: string;
    name?: string;
    urn?: string;
    props: Record<string, unknown>;
}

export interface ResourceInput {
    type: string;
    name: string;
    /** Defaults to `urn:pulumi:<stack>::<project>::<type>::<name>`. */
    urn?: string;
    props: Record<string, unknown>;
    provider?: ProviderInput;
    /** URN of the parent resource (stack policies). */
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    opts?: Partial<PolicyResourceOptions>;
}

export interface EvaluationContext {
    /** The policy's entry from the policy-pack config (may include `enforcementLevel`). */
    config?: Record<string, unknown>;
    /** Pack-wide default level (PolicyPack `enforcementLevel`, or the config's `all`). */
    packEnforcementLevel?: EnforcementLevel;
    stackTags?: Record<string, string>;
    stack?: string;
    project?: string;
}

export interface CapturedViolation {
    policyName: string;
    message: string;
    urn?: string;
    enforcementLevel: EnforcementLevel;
    severity?: string;
}

export interface PolicyOutcome {
    policyName: string;
    status: "evaluated" | "not-applicable" | "not-evaluated" | "disabled";
    violations: CapturedViolation[];
    exemptions: ExemptionRecord[];
    /** Why not applicable / not evaluated. */
    reason?: string;
}

export function makeUrn(type: string, name: string, stack = "test", project = "ml-platform"): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

function stripUndefined(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map((x) => (x === undefined ? null : stripUndefined(x)));
    }
    if (v && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            if (x !== undefined) {
                out[k] = stripUndefined(x);
            }
        }
        return out;
    }
    return v;
}

/**
 * The wire form of each resource's props while a `withPropsCache` scope is active. The engine sends a resource's
 * properties as one protobuf `Struct` per analyzer request and the runtime deserialises it again for every policy
 * (server.js: `deserializeProperties(req.getProperties())`, which calls `struct.toJavaScript()` and then copies the
 * result into fresh objects). In the scope, each props object is converted to that plain `toJavaScript()` form once
 * and every policy still gets its own fresh copy from `deserializeProperties`. Keyed by object identity: only for
 * callers that do not mutate props while the scope is open.
 */
let wireCache: WeakMap<object, unknown> | undefined;

/**
 * Runs `fn` with the per-props wire-form cache on (nested scopes share the outer cache). The offline gate evaluates a
 * whole pack this way: each resource is converted once instead of once per policy and per stack policy.
 */
export async function withPropsCache<T>(fn: () => Promise<T>): Promise<T> {
    if (wireCache) return fn();
    wireCache = new WeakMap();
    try {
        return await fn();
    } finally {
        wireCache = undefined;
    }
}

const NOT_PLAIN = Symbol("not plain JSON");

/**
 * `Struct.fromJavaScript(v).toJavaScript()` for plain JSON-like values without protobuf: strings, numbers (including
 * -0, NaN), booleans, null, arrays, and plain objects whose keys come back sorted (jspb maps sort string keys).
 * Anything else (Date, Buffer, class instances, bigint...) returns NOT_PLAIN so the caller uses the real Struct.
 * test/gate/wire-form.test.ts checks it against the protobuf round trip on every resource of the platform.
 */
function plainWireForm(v: unknown): unknown {
    if (v === null) return null;
    switch (typeof v) {
        case "string":
        case "number":
        case "boolean":
            return v;
        case "object": {
            if (Array.isArray(v)) {
                const out: unknown[] = new Array(v.length);
                for (let i = 0; i < v.length; i++) {
                    const x = plainWireForm(v[i]);
                    if (x === NOT_PLAIN) return NOT_PLAIN;
                    out[i] = x;
                }
                return out;
            }
            const proto = Object.getPrototypeOf(v);
            if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
            const out: Record<string, unknown> = {};
            for (const k of Object.keys(v as object).sort()) {
                const x = plainWireForm((v as Record<string, unknown>)[k]);
                if (x === NOT_PLAIN) return NOT_PLAIN;
                out[k] = x;
            }
            return out;
        }
        default:
            return NOT_PLAIN;
    }
}

/** The protobuf round trip the runtime's props go through: `Struct.fromJavaScript(...).toJavaScript()`. */
export function structRoundTrip(props: Record<string, unknown>): unknown {
    return Struct.fromJavaScript(stripUndefined(props)).toJavaScript();
}

/** What `toJavaScript()` of the props' Struct returns; cached per props object in a withPropsCache scope. */
export function wireForm(props: Record<string, unknown>): unknown {
    let wire = wireCache?.get(props);
    if (wire === undefined) {
        const stripped = stripUndefined(props);
        wire = plainWireForm(stripped);
        if (wire === NOT_PLAIN) wire = Struct.fromJavaScript(stripped).toJavaScript();
        wireCache?.set(props, wire);
    }
    return wire;
}

function toStruct(props: Record<string, unknown>): unknown {
    if (!wireCache) return Struct.fromJavaScript(stripUndefined(props));
    // deserializeProperties only calls toJavaScript() and copies the result (it never mutates it).
    const wire = wireForm(props);
    return { toJavaScript: () => wire };
}

/** Props exactly as the runtime hands them to a policy. */
export function runtimeProps(props: Record<string, unknown>): Record<string, any> {
    return unknownCheckingProxy(deserializeProperties(toStruct(props), false));
}

function defaultOpts(o?: Partial<PolicyResourceOptions>): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(o ?? {}),
    };
}

function makeProvider(p: ProviderInput | undefined, ctx: EvaluationContext): PolicyProviderResource | undefined {
    if (!p) {
        return undefined;
    }
    const type = p.type ?? "pulumi:providers:aws";
    const name = p.name ?? "default";
    return { type, name, urn: p.urn ?? makeUrn(type, name, ctx.stack, ctx.project), props: runtimeProps(p.props) };
}

function isTypeOf(type: string, resourceClass: any): boolean {
    const t = resourceClass?.__pulumiType;
    if (typeof t === "string") {
        return t === type;
    }
    const isInstance = resourceClass?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

class NotApplicableError extends Error {
    constructor(public readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

function stackTagsMap(tags: Record<string, string> | undefined): ReadonlyMap<string, string> {
    return new Map(Object.entries(tags ?? {}));
}

/** The config `getConfig()` returns: schema defaults, overridden by the given entry, minus `enforcementLevel`. */
export function effectiveConfig(policy: PlatformPolicy, config: Record<string, unknown> | undefined): Record<string, unknown> {
    const { enforcementLevel: _ignored, ...rest } = config ?? {};
    return { ...defaultsOf(policy), ...rest };
}

/**
 * Schema defaults, computed once per schema: the CLI applies them to the pack config once, and the runtime's
 * `getConfig()` returns a shallow copy of that config per call (nested values shared), which is what this gives too.
 */
const defaultsCache = new WeakMap<object, Record<string, unknown>>();
function defaultsOf(policy: PlatformPolicy): Record<string, unknown> {
    const schema = policy.configSchema;
    if (!schema) return {};
    let d = defaultsCache.get(schema);
    if (!d) {
        d = schemaDefaults(schema);
        defaultsCache.set(schema, d);
    }
    return d;
}

export function makeResourceArgs(policy: PlatformPolicy, input: ResourceInput, ctx: EvaluationContext = {}): ResourceValidationArgs {
    const props = runtimeProps(input.props);
    const type = input.type;
    const args: ResourceValidationArgs = {
        type,
        props,
        urn: input.urn ?? makeUrn(type, input.name, ctx.stack, ctx.project),
        name: input.name,
        opts: defaultOpts(input.opts),
        stackTags: stackTagsMap(ctx.stackTags),
        isType: (cls: any) => isTypeOf(type, cls),
        asType: ((cls: any) => (isTypeOf(type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: (<T extends object>() => effectiveConfig(policy, ctx.config) as T) as ResourceValidationArgs["getConfig"],
        notApplicable: throwNotApplicable,
    };
    const provider = makeProvider(input.provider, ctx);
    if (provider) {
        args.provider = provider;
    }
    return args;
}

/** A stack policy's view of one resource whose props/provider are deserialised on first read (gate only). */
class LazyStackResource {
    type: string;
    urn: string;
    name: string;
    /** URN -> resource of the same args (set by makeStackArgs); parent and dependencies are resolved on first read. */
    links?: Map<string, PolicyResource>;
    private _deps?: PolicyResource[];
    private _propDeps?: Record<string, PolicyResource[]>;
    private _parent?: PolicyResource | null;
    private _props?: Record<string, any>;
    private _provider?: PolicyProviderResource | null;
    private _opts?: PolicyResourceOptions;
    constructor(
        private readonly input: ResourceInput,
        private readonly ctx: EvaluationContext,
        urn: string,
    ) {
        this.type = input.type;
        this.urn = urn;
        this.name = input.name;
    }
    get props(): Record<string, any> {
        return (this._props ??= runtimeProps(this.input.props));
    }
    get dependencies(): PolicyResource[] {
        return (this._deps ??= (this.input.dependencies ?? []).map((u) => this.links?.get(u)).filter((x): x is PolicyResource => !!x));
    }
    set dependencies(v: PolicyResource[]) {
        this._deps = v;
    }
    get propertyDependencies(): Record<string, PolicyResource[]> {
        if (!this._propDeps) {
            this._propDeps = {};
            for (const [k, urns] of Object.entries(this.input.propertyDependencies ?? {})) {
                this._propDeps[k] = urns.map((u) => this.links?.get(u)).filter((x): x is PolicyResource => !!x);
            }
        }
        return this._propDeps;
    }
    set propertyDependencies(v: Record<string, PolicyResource[]>) {
        this._propDeps = v;
    }
    get parent(): PolicyResource | undefined {
        if (this._parent === undefined) this._parent = (this.input.parent ? this.links?.get(this.input.parent) : undefined) ?? null;
        return this._parent ?? undefined;
    }
    set parent(v: PolicyResource | undefined) {
        this._parent = v ?? null;
    }
    set props(v: Record<string, any>) {
        this._props = v;
    }
    get provider(): PolicyProviderResource | undefined {
        if (this._provider === undefined) this._provider = makeProvider(this.input.provider, this.ctx) ?? null;
        return this._provider ?? undefined;
    }
    set provider(v: PolicyProviderResource | undefined) {
        this._provider = v ?? null;
    }
    get opts(): PolicyResourceOptions {
        return (this._opts ??= defaultOpts(this.input.opts));
    }
    set opts(v: PolicyResourceOptions) {
        this._opts = v;
    }
    isType(cls: any): boolean {
        return isTypeOf(this.type, cls);
    }
    asType(cls: any): Record<string, any> | undefined {
        return isTypeOf(this.type, cls) ? this.props : undefined;
    }
}

export function makeStackArgs(policy: PlatformPolicy, inputs: ResourceInput[], ctx: EvaluationContext = {}): StackValidationArgs {
    // In a withPropsCache scope (the gate), each resource's props and provider are deserialised on first read (a
    // prototype getter, see LazyStackResource): a stack policy typically reads `type` of every resource and `props` of
    // a few, and the copy it reads is still its own.
    const resources: PolicyResource[] = inputs.map((input) => {
        const type = input.type;
        const urn = input.urn ?? makeUrn(type, input.name, ctx.stack, ctx.project);
        if (wireCache !== undefined) return new LazyStackResource(input, ctx, urn) as unknown as PolicyResource;
        const props = runtimeProps(input.props);
        const r: PolicyResource = {
            type,
            props,
            urn,
            name: input.name,
            opts: defaultOpts(input.opts),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: any) => isTypeOf(type, cls),
            asType: ((cls: any) => (isTypeOf(type, cls) ? props : undefined)) as PolicyResource["asType"],
        };
        const provider = makeProvider(input.provider, ctx);
        if (provider) {
            r.provider = provider;
        }
        return r;
    });
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    inputs.forEach((input, i) => {
        const r = resources[i];
        if (r instanceof LazyStackResource) {
            r.links = byUrn;
            return;
        }
        if (input.parent && byUrn.has(input.parent)) {
            r.parent = byUrn.get(input.parent);
        }
        r.dependencies = (input.dependencies ?? []).map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
        for (const [k, urns] of Object.entries(input.propertyDependencies ?? {})) {
            r.propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
        }
    });
    return {
        resources,
        getConfig: (<T extends object>() => effectiveConfig(policy, ctx.config) as T) as StackValidationArgs["getConfig"],
        stackTags: stackTagsMap(ctx.stackTags),
        notApplicable: throwNotApplicable,
    };
}

/** The level the runtime would use for this policy (config > policy default > pack default). */
export function effectiveEnforcementLevel(policy: PlatformPolicy, ctx: EvaluationContext): EnforcementLevel {
    return ((ctx.config?.enforcementLevel as EnforcementLevel | undefined) ||
        policy.enforcementLevel ||
        ctx.packEnforcementLevel ||
        "advisory") as EnforcementLevel;
}

function makeReporter(policy: PlatformPolicy, level: EnforcementLevel, out: CapturedViolation[]): ReportViolation {
    return ((message: unknown, urn?: string) => {
        if (message && typeof message === "object") {
            const m = message as Record<string, any>;
            out.push({
                policyName: m.name || policy.name,
                message: m.message || m.description || policy.description,
                urn: m.urn,
                enforcementLevel: m.enforcementLevel || level,
                severity: m.severity || policy.severity,
            });
        } else {
            out.push({
                policyName: policy.name,
                message: message ? `${policy.description}\n${message}` : policy.description,
                urn,
                enforcementLevel: level,
                severity: policy.severity,
            });
        }
    }) as ReportViolation;
}

async function run(policy: PlatformPolicy, ctx: EvaluationContext, call: (report: ReportViolation) => unknown): Promise<PolicyOutcome> {
    let level = effectiveEnforcementLevel(policy, ctx);
    const outcome: PolicyOutcome = { policyName: policy.name, status: "evaluated", violations: [], exemptions: [] };
    if (level === "disabled") {
        outcome.status = "disabled";
        return outcome;
    }
    if (level === "remediate") {
        level = "mandatory";
    }
    takeExemptions(); // start from a clean log
    const quiet: ExemptionSink = () => undefined;
    const prevSink = setExemptionSink(quiet);
    try {
        await Promise.resolve(call(makeReporter(policy, level, outcome.violations)));
    } catch (e) {
        if (isUnknownValueError(e)) {
            outcome.status = "not-evaluated";
            outcome.reason = (e as Error).message;
        } else if (e instanceof NotApplicableError) {
            outcome.status = "not-applicable";
            outcome.reason = e.reason;
        } else {
            throw e;
        }
    } finally {
        setExemptionSink(prevSink);
        outcome.exemptions = takeExemptions();
    }
    return outcome;
}

export function runResourcePolicy(policy: PlatformResourcePolicy, input: ResourceInput, ctx: EvaluationContext = {}): Promise<PolicyOutcome> {
    return run(policy, ctx, (report) => policy.validateResource(makeResourceArgs(policy, input, ctx), report));
}

export function runStackPolicy(policy: PlatformStackPolicy, inputs: ResourceInput[], ctx: EvaluationContext = {}): Promise<PolicyOutcome> {
    return run(policy, ctx, (report) => policy.validateStack(makeStackArgs(policy, inputs, ctx), report));
}

/**
 * Runs a policy's `remediateResource` and returns the new props (plain), or `undefined` when it
 * changed nothing. Mirrors the server: only policies whose effective level is `remediate` run.
 */
export async function runRemediation(
    policy: PlatformResourcePolicy,
    input: ResourceInput,
    ctx: EvaluationContext = {},
): Promise<Record<string, unknown> | undefined> {
    if (effectiveEnforcementLevel(policy, ctx) !== "remediate" || !policy.remediateResource) {
        return undefined;
    }
    const result = await Promise.resolve(policy.remediateResource(makeResourceArgs(policy, input, ctx)));
    return result ? JSON.parse(JSON.stringify(result)) : undefined;
}

/** Pack config file (`--policy-pack-config` format) -> per-policy context. */
export function contextFromPackConfig(packConfig: Record<string, unknown>, policyName: string, base: EvaluationContext = {}): EvaluationContext {
    const all = packConfig["all"];
    const allLevel = (typeof all === "string" ? all : (all as { enforcementLevel?: string } | undefined)?.enforcementLevel) as EnforcementLevel | undefined;
    const entry = packConfig[policyName];
    const config: Record<string, unknown> = typeof entry === "string" ? { enforcementLevel: entry } : { ...((entry as Record<string, unknown>) ?? {}) };
    if (config.enforcementLevel === undefined && allLevel) {
        config.enforcementLevel = allLevel;
    }
    return { ...base, config };
}

export interface AppliedRemediation {
    policyName: string;
    urn: string;
    /** Top-level properties whose value changed. */
    changed: string[];
}

export interface PackReport {
    /** One entry per (resource policy x resource) and per stack policy. */
    outcomes: (PolicyOutcome & { urn?: string })[];
    /** All violations; resource-policy violations carry the resource's URN (as the CLI shows them). */
    violations: CapturedViolation[];
    exemptions: ExemptionRecord[];
    remediations: AppliedRemediation[];
    notEvaluated: { policyName: string; urn?: string; reason?: string }[];
    /** Violations at level `mandatory` - what would fail `pulumi preview`/`up`. */
    mandatoryViolations: CapturedViolation[];
}

/**
 * Runs a whole pack the way the CLI would: for every resource, remediations of policies at level
 * `remediate` first (in policy order, each seeing the previous one's result), then every resource
 * policy on the (remediated) props; then every stack policy on all resources (also remediated).
 * `packConfig` is a `--policy-pack-config` object (e.g. the parsed `policies/config/prod.json`).
 */
export async function evaluatePack(
    policies: PlatformPolicy[],
    resources: ResourceInput[],
    packConfig: Record<string, unknown> = {},
    base: EvaluationContext = {},
): Promise<PackReport> {
    const report: PackReport = { outcomes: [], violations: [], exemptions: [], remediations: [], notEvaluated: [], mandatoryViolations: [] };
    const ctxFor = (name: string) => contextFromPackConfig(packConfig, name, base);
    const resourcePols = policies.filter((p): p is PlatformResourcePolicy => p.kind === "resource");
    const stackPols = policies.filter((p): p is PlatformStackPolicy => p.kind === "stack");
    const remediated: ResourceInput[] = [];
    for (const r0 of resources) {
        let r: ResourceInput = { ...r0, urn: r0.urn ?? makeUrn(r0.type, r0.name, base.stack, base.project) };
        for (const p of resourcePols) {
            try {
                const out = await runRemediation(p, r, ctxFor(p.name));
                if (out) {
                    const changed = Object.keys({ ...r.props, ...out }).filter((k) => JSON.stringify(r.props[k]) !== JSON.stringify(out[k]));
                    report.remediations.push({ policyName: p.name, urn: r.urn!, changed });
                    r = { ...r, props: out };
                }
            } catch (e) {
                if (!isUnknownValueError(e) && !(e instanceof NotApplicableError)) {
                    throw e;
                }
            }
        }
        remediated.push(r);
        for (const p of resourcePols) {
            const o = await runResourcePolicy(p, r, ctxFor(p.name));
            o.violations.forEach((v) => (v.urn = v.urn ?? r.urn));
            report.outcomes.push({ ...o, urn: r.urn });
        }
    }
    for (const p of stackPols) {
        report.outcomes.push(await runStackPolicy(p, remediated, ctxFor(p.name)));
    }
    for (const o of report.outcomes) {
        report.violations.push(...o.violations);
        report.exemptions.push(...o.exemptions);
        if (o.status === "not-evaluated") {
            report.notEvaluated.push({ policyName: o.policyName, urn: o.urn, reason: o.reason });
        }
    }
    report.mandatoryViolations = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    return report;
}
