/**
 * Shared Pulumi mock harness for component tests.
 *
 * `useMocks()` (inside a describe) / `setupMocks()` install `pulumi.runtime.setMocks(...)` for project "ml-platform",
 * stack "dev" (or the given stack) and return a `PulumiMocks` that records every registered resource (type, name, inputs, parent URN, own URN) and every
 * provider function call, and answers with realistic ids, ARNs and outputs (account 123456789012, region us-east-1 by
 * default). Resource-type specific state comes from `defaultState` below; tests may add or override per type with
 * `mocks.onResource(type, fn)` / `mocks.onCall(token, fn)`.
 *
 *     describe("MyComponent", () => {
 *         const mocks = useMocks();                 // installs in before(), resets in beforeEach()
 *         it("...", async () => {
 *             const c = new MyComponent("x", {...});
 *             await mocks.settle();               // wait until every registration has completed
 *             const buckets = mocks.ofType("aws:s3/bucket:Bucket");
 *             assert.equal(await promiseOf(c.bucketArn), "arn:aws:s3:::...");
 *             assert.equal(buckets[0].options.retainOnDelete, true);
 *     ...
 *
 * Notes:
 * - Pulumi's mock monitor does not pass the parent to `newResource`; the harness wraps the monitor's
 *   `registerResource` to read the parent URN from the request, so `parent` is exact.
 * - Remote components (awsx) are registered as a single resource under mocks (their children are created by the awsx
 *   provider, which does not run here). `defaultState` returns the outputs downstream code reads (for `awsx:ec2:Vpc`:
 *   vpcId, subnet id lists, route tables as `{id}` objects...). Real runs return resource references instead of plain
 *   objects for the resource-typed outputs; code should only read `.id`/ids from them.
 */
import * as pulumi from "@pulumi/pulumi";
import { defaultCall, defaultState, hexOf, MockContext } from "../../gate/placeholders";

export type { MockContext };

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "us-east-1";

export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** Parent URN (undefined for stack-level resources). */
    parent?: string;
    urn: string;
    id?: string;
    state: Record<string, any>;
    custom: boolean;
    /** Resource options as sent to the engine (registrations only; reads have none). */
    options: RecordedOptions;
}

export interface RecordedOptions {
    protect?: boolean;
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
    /** URNs of explicit and input dependencies. */
    dependencies: string[];
    ignoreChanges: string[];
    provider?: string;
}

export interface RecordedCall {
    token: string;
    inputs: Record<string, any>;
}

type StateFn = (args: pulumi.runtime.MockResourceArgs, ctx: MockContext) => Record<string, any>;
type CallFn = (args: pulumi.runtime.MockCallArgs, ctx: MockContext) => Record<string, any>;

export class PulumiMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    readonly calls: RecordedCall[] = [];
    private readonly stateOverrides = new Map<string, StateFn>();
    private readonly callOverrides = new Map<string, CallFn>();
    /** Parent URN and options of the registration currently being handed to `newResource` (set synchronously by the monitor wrapper). */
    pendingParent: string | undefined;
    pendingOptions: RecordedOptions | undefined;
    readonly ctx: MockContext;

    constructor(
        account = MOCK_ACCOUNT,
        region = MOCK_REGION,
        private readonly project = "ml-platform",
        private readonly stack = "dev",
        private readonly preview = false,
    ) {
        this.ctx = { account, region, hex: hexOf };
    }

    /**
     * Forget everything recorded and make this recorder the active mock monitor again (call before each test).
     * Test files share one process under `npm test`: every file installs its own mocks at load time, so the last
     * file loaded would otherwise own the monitor. Re-installing here makes each suite record into its own recorder.
     * Overrides stay.
     */
    reset(): void {
        install(this, this.project, this.stack, this.preview);
        this.resources.length = 0;
        this.calls.length = 0;
    }

    /** Adds/overrides outputs for one resource type; the result is merged over the default state. */
    onResource(type: string, fn: StateFn): this {
        this.stateOverrides.set(type, fn);
        return this;
    }

    /** Adds/overrides the result of one provider function (invoke) token. */
    onCall(token: string, fn: CallFn): this {
        this.callOverrides.set(token, fn);
        return this;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        const parent = this.pendingParent;
        const options = this.pendingOptions ?? { dependencies: [], ignoreChanges: [] };
        this.pendingParent = undefined;
        this.pendingOptions = undefined;
        const d = defaultState(args, this.ctx);
        const extra = this.stateOverrides.get(args.type)?.(args, this.ctx) ?? {};
        const state = { ...d.state, ...extra };
        const id = (extra.id as string | undefined) ?? d.id;
        this.resources.push({
            type: args.type,
            name: args.name,
            inputs: args.inputs,
            parent,
            urn: urnOf(this.project, this.stack, parent, args.type, args.name),
            id,
            state,
            custom: args.custom !== false,
            options,
        });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        this.calls.push({ token: args.token, inputs: args.inputs });
        const fn = this.callOverrides.get(args.token);
        return fn ? fn(args, this.ctx) : defaultCall(args, this.ctx);
    }

    // ---- queries ----

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The single resource of `type` (optionally whose name matches); throws when there is not exactly one. */
    one(type: string, name?: string | RegExp): RecordedResource {
        const found = this.ofType(type).filter((r) => name === undefined || (typeof name === "string" ? r.name === name : name.test(r.name)));
        if (found.length !== 1) {
            throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((f) => f.name).join(", ")}`);
        }
        return found[0];
    }

    byName(name: string): RecordedResource {
        const found = this.resources.filter((r) => r.name === name);
        if (found.length !== 1) throw new Error(`expected exactly one resource named ${name}, found ${found.length}`);
        return found[0];
    }

    /** Direct children of a resource (by URN). */
    childrenOf(parent: RecordedResource | string): RecordedResource[] {
        const urn = typeof parent === "string" ? parent : parent.urn;
        return this.resources.filter((r) => r.parent === urn);
    }

    /** All descendants of a resource (by URN). */
    descendantsOf(parent: RecordedResource | string): RecordedResource[] {
        const out: RecordedResource[] = [];
        const walk = (urn: string) => {
            for (const c of this.resources.filter((r) => r.parent === urn)) {
                out.push(c);
                walk(c.urn);
            }
        };
        walk(typeof parent === "string" ? parent : parent.urn);
        return out;
    }

    /** Waits until every resource registration and invoke started so far (and any they start) has completed. */
    async settle(): Promise<void> {
        await settle();
    }
}

/** Same URN scheme as Pulumi's MockMonitor (parent's own type only, not the whole chain), so URNs match the SDK's. */
function urnOf(project: string, stack: string, parent: string | undefined, type: string, name: string): string {
    let t = type;
    if (parent) {
        const parentType = parent.split("::")[2].split("$").pop();
        t = `${parentType}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${t}::${name}`;
}

/**
 * Creates a recorder and installs it as the Pulumi mock monitor.
 *
 * mocha loads every test file before running any test, so whichever file is loaded last would own the monitor; each
 * recorder therefore re-installs itself in `reset()` (call it in `beforeEach`), or use `useMocks()` inside a describe.
 */
export function setupMocks(opts: MockOptions = {}): PulumiMocks {
    const mocks = new PulumiMocks(opts.account, opts.region, opts.project ?? "ml-platform", opts.stack ?? "dev", opts.preview ?? false);
    install(mocks, opts.project ?? "ml-platform", opts.stack ?? "dev", opts.preview ?? false);
    return mocks;
}

export interface MockOptions {
    project?: string;
    stack?: string;
    account?: string;
    region?: string;
    preview?: boolean;
}

/**
 * For use inside a `describe`: returns a recorder that is installed before the describe's tests run (`before`) and
 * reset (and so re-installed) before each test (`beforeEach`).
 */
export function useMocks(opts: MockOptions = {}): PulumiMocks {
    const mocks = new PulumiMocks(opts.account, opts.region, opts.project ?? "ml-platform", opts.stack ?? "dev", opts.preview ?? false);
    before(() => install(mocks, opts.project ?? "ml-platform", opts.stack ?? "dev", opts.preview ?? false));
    beforeEach(() => mocks.reset());
    return mocks;
}

/**
 * Installs `mocks` as the Pulumi mock monitor (replacing any previous one) and wraps the monitor so the recorder sees
 * each registration's parent URN and resource options.
 */
function install(mocks: PulumiMocks, project: string, stack: string, preview: boolean): void {
    // setMocks returns a promise in recent SDKs but sets the monitor synchronously.
    void pulumi.runtime.setMocks(mocks, project, stack, preview);
    const monitor = pulumi.runtime.getMonitor() as any;
    if (!monitor || typeof monitor.registerResource !== "function") throw new Error("mock monitor not installed");
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        // MockMonitor.registerResource calls mocks.newResource synchronously before its first await.
        mocks.pendingParent = req.getParent() || undefined;
        mocks.pendingOptions = {
            protect: req.getProtect?.(),
            retainOnDelete: req.getRetainondelete?.(),
            deleteBeforeReplace: req.getDeletebeforereplace?.(),
            dependencies: req.getDependenciesList?.() ?? [],
            ignoreChanges: req.getIgnorechangesList?.() ?? [],
            provider: req.getProvider?.() || undefined,
        };
        return register(req, callback);
    };
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, callback: any) => {
        mocks.pendingParent = req.getParent() || undefined;
        mocks.pendingOptions = { dependencies: req.getDependenciesList?.() ?? [], ignoreChanges: [], provider: req.getProvider?.() || undefined };
        return read(req, callback);
    };
}

/** Waits for all outstanding Pulumi RPCs (resource registrations, invokes) to finish. */
export async function settle(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings");
    for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        if (typeof settings.waitForRPCs === "function") await settings.waitForRPCs();
    }
}

/** Resolves an Output (or plain value) to its value. Unknown values (preview) resolve to undefined. */
export function promiseOf<T>(o: pulumi.Input<T> | pulumi.Output<T>): Promise<T> {
    return new Promise<T>((resolve) =>
        pulumi.output(o).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

/** Parses an IAM policy document given as a JSON string, an Output of one, or an object. */
export async function policyOf(doc: unknown): Promise<{ Version?: string; Statement: any[] }> {
    const v = await promiseOf(doc as pulumi.Input<unknown>);
    const parsed = typeof v === "string" ? JSON.parse(v) : v;
    if (!parsed || !Array.isArray((parsed as any).Statement)) throw new Error(`not a policy document: ${JSON.stringify(v)}`);
    return parsed as { Version?: string; Statement: any[] };
}

/** Array of a string-or-array IAM field. */
export function asArray<T>(v: T | T[] | undefined): T[] {
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
