/**
 * Shared Pulumi mock harness for component tests.
 *
 * `setupMocks()` installs `pulumi.runtime.setMocks(...)` for project "ml-platform", stack "dev" (or the given stack) and
 * returns a `PulumiMocks` that records every registered resource (type, name, inputs, parent URN, own URN) and every
 * provider function call, and answers with realistic ids, ARNs and outputs (account 123456789012, region us-east-1 by
 * default). Resource-type specific state comes from `defaultState` below; tests may add or override per type with
 * `mocks.onResource(type, fn)` / `mocks.onCall(token, fn)`.
 *
 *     const mocks = setupMocks();
 *     beforeEach(() => mocks.reset());
 *     const c = new MyComponent("x", {...});
 *     await mocks.settle();                       // wait until every registration has completed
 *     const buckets = mocks.ofType("aws:s3/bucket:Bucket");
 *     assert.equal(await promiseOf(c.bucketArn), "arn:aws:s3:::...");
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
}

export interface RecordedCall {
    token: string;
    inputs: Record<string, any>;
}

type StateFn = (args: pulumi.runtime.MockResourceArgs, ctx: MockContext) => Record<string, any>;
type CallFn = (args: pulumi.runtime.MockCallArgs, ctx: MockContext) => Record<string, any>;

export interface MockContext {
    account: string;
    region: string;
    /** A short deterministic hex suffix for a name (stable across runs). */
    hex(name: string, len?: number): string;
}

function hash(s: string): number {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 16777619);
    }
    return h >>> 0;
}

function hexOf(name: string, len = 17): string {
    let out = "";
    let seed = name;
    while (out.length < len) {
        seed = `${seed}#`;
        out += hash(seed).toString(16).padStart(8, "0");
    }
    return out.slice(0, len);
}

/** Mock state per resource type: the outputs a real provider would return (id and ARN formats as in AWS). */
function defaultState(args: pulumi.runtime.MockResourceArgs, ctx: MockContext): { id: string; state: Record<string, any> } {
    const { type, name, inputs } = args;
    const a = ctx.account;
    const r = (inputs.region as string) ?? ctx.region;
    const h = ctx.hex(`${type}/${name}`);
    const base = { ...inputs };
    switch (type) {
        case "aws:s3/bucket:Bucket":
        case "aws:s3/bucketV2:BucketV2": {
            const bucket = inputs.bucket ?? `${name}-${h.slice(0, 7)}`;
            return {
                id: bucket,
                state: { ...base, bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`, bucketRegionalDomainName: `${bucket}.s3.${r}.amazonaws.com`, region: r },
            };
        }
        case "aws:kms/key:Key": {
            const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-8${h.slice(15, 17)}0-${ctx.hex(name, 12)}`;
            return { id: keyId, state: { ...base, keyId, arn: `arn:aws:kms:${r}:${a}:key/${keyId}` } };
        }
        case "aws:kms/alias:Alias":
            return { id: inputs.name ?? `alias/${name}`, state: { ...base, arn: `arn:aws:kms:${r}:${a}:${inputs.name ?? `alias/${name}`}` } };
        case "aws:iam/role:Role": {
            const roleName = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            return { id: roleName, state: { ...base, name: roleName, arn: `arn:aws:iam::${a}:role/${inputs.path ?? "/"}${roleName}`.replace("role//", "role/"), uniqueId: `AROA${h.toUpperCase()}` } };
        }
        case "aws:iam/policy:Policy": {
            const n = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            const arn = `arn:aws:iam::${a}:policy/${n}`;
            return { id: arn, state: { ...base, name: n, arn } };
        }
        case "aws:iam/rolePolicy:RolePolicy": {
            const n = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            return { id: `${inputs.role}:${n}`, state: { ...base, name: n } };
        }
        case "aws:sns/topic:Topic": {
            const n = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            const arn = `arn:aws:sns:${r}:${a}:${n}`;
            return { id: arn, state: { ...base, name: n, arn } };
        }
        case "aws:sqs/queue:Queue": {
            const n = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            return { id: `https://sqs.${r}.amazonaws.com/${a}/${n}`, state: { ...base, name: n, arn: `arn:aws:sqs:${r}:${a}:${n}`, url: `https://sqs.${r}.amazonaws.com/${a}/${n}` } };
        }
        case "aws:cloudwatch/logGroup:LogGroup": {
            const n = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            return { id: n, state: { ...base, name: n, arn: `arn:aws:logs:${r}:${a}:log-group:${n}` } };
        }
        case "aws:cloudwatch/eventRule:EventRule": {
            const n = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            const bus = inputs.eventBusName && inputs.eventBusName !== "default" ? `${inputs.eventBusName}/` : "";
            return { id: n, state: { ...base, name: n, arn: `arn:aws:events:${r}:${a}:rule/${bus}${n}` } };
        }
        case "aws:cloudwatch/eventTarget:EventTarget":
            return { id: `${inputs.rule}-${inputs.targetId ?? h.slice(0, 8)}`, state: { ...base, targetId: inputs.targetId ?? h.slice(0, 8) } };
        case "aws:cloudwatch/metricAlarm:MetricAlarm": {
            const n = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            return { id: n, state: { ...base, name: n, arn: `arn:aws:cloudwatch:${r}:${a}:alarm:${n}` } };
        }
        case "aws:ec2/vpc:Vpc":
            return { id: `vpc-${h}`, state: { ...base, arn: `arn:aws:ec2:${r}:${a}:vpc/vpc-${h}`, defaultSecurityGroupId: `sg-${ctx.hex(`${name}/default`)}` } };
        case "aws:ec2/securityGroup:SecurityGroup":
            return { id: `sg-${h}`, state: { ...base, name: inputs.name ?? `${name}-${h.slice(0, 7)}`, arn: `arn:aws:ec2:${r}:${a}:security-group/sg-${h}`, ownerId: a } };
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
            return { id: `sgr-${h}`, state: { ...base, arn: `arn:aws:ec2:${r}:${a}:security-group-rule/sgr-${h}`, securityGroupRuleId: `sgr-${h}` } };
        case "aws:ec2/vpcEndpoint:VpcEndpoint": {
            const id = `vpce-${h}`;
            const gateway = inputs.vpcEndpointType === "Gateway";
            return {
                id,
                state: {
                    ...base,
                    arn: `arn:aws:ec2:${r}:${a}:vpc-endpoint/${id}`,
                    ownerId: a,
                    state: "available",
                    prefixListId: gateway ? `pl-${ctx.hex(`${inputs.serviceName}`, 8)}` : undefined,
                    dnsEntries: gateway ? [] : [{ dnsName: `${id}.${String(inputs.serviceName).split(".").slice(3).join(".")}.${r}.vpce.amazonaws.com`, hostedZoneId: "Z7HUB22UULQXV" }],
                    networkInterfaceIds: gateway ? [] : [`eni-${ctx.hex(`${name}/eni0`)}`, `eni-${ctx.hex(`${name}/eni1`)}`],
                },
            };
        }
        case "aws:ec2/flowLog:FlowLog":
            return { id: `fl-${h}`, state: { ...base, arn: `arn:aws:ec2:${r}:${a}:vpc-flow-log/fl-${h}` } };
        case "aws:sagemaker/featureGroup:FeatureGroup":
            return { id: inputs.featureGroupName, state: { ...base, arn: `arn:aws:sagemaker:${r}:${a}:feature-group/${String(inputs.featureGroupName).toLowerCase()}` } };
        case "aws:sagemaker/modelPackageGroup:ModelPackageGroup":
            return { id: inputs.modelPackageGroupName, state: { ...base, arn: `arn:aws:sagemaker:${r}:${a}:model-package-group/${String(inputs.modelPackageGroupName).toLowerCase()}` } };
        case "aws:glue/catalogDatabase:CatalogDatabase":
            return { id: `${inputs.catalogId ?? a}:${inputs.name}`, state: { ...base, catalogId: inputs.catalogId ?? a, arn: `arn:aws:glue:${r}:${a}:database/${inputs.name}` } };
        case "aws:glue/catalogTable:CatalogTable":
            return { id: `${inputs.catalogId ?? a}:${inputs.databaseName}:${inputs.name}`, state: { ...base, catalogId: inputs.catalogId ?? a, arn: `arn:aws:glue:${r}:${a}:table/${inputs.databaseName}/${inputs.name}` } };
        case "random:index/randomId:RandomId": {
            const bytes = Number(inputs.byteLength ?? 4);
            const hex = ctx.hex(name, bytes * 2);
            return { id: Buffer.from(hex, "hex").toString("base64url"), state: { ...base, hex, dec: BigInt(`0x${hex}`).toString(), b64Url: Buffer.from(hex, "hex").toString("base64url"), b64Std: Buffer.from(hex, "hex").toString("base64") } };
        }
        case "awsx:ec2:Vpc": {
            const n = Number(inputs.numberOfAvailabilityZones ?? (inputs.availabilityZoneNames as string[] | undefined)?.length ?? 3);
            const specs: { type: string }[] = inputs.subnetSpecs ?? [{ type: "Private" }, { type: "Public" }];
            const ids = (t: string) => specs.some((s) => s.type === t) ? Array.from({ length: n }, (_, i) => `subnet-${ctx.hex(`${name}/${t}/${i}`)}`) : [];
            const privateSubnetIds = ids("Private");
            const publicSubnetIds = ids("Public");
            const isolatedSubnetIds = ids("Isolated");
            const all = [...privateSubnetIds, ...publicSubnetIds, ...isolatedSubnetIds];
            const vpcId = `vpc-${h}`;
            const nats = publicSubnetIds.length > 0 && inputs.natGateways?.strategy !== "None"
                ? (inputs.natGateways?.strategy === "Single" ? 1 : n)
                : 0;
            return {
                id: "",
                state: {
                    vpcId,
                    privateSubnetIds,
                    publicSubnetIds,
                    isolatedSubnetIds,
                    subnets: all.map((id) => ({ id, vpcId })),
                    privateSubnets: privateSubnetIds.map((id) => ({ id, vpcId })),
                    publicSubnets: publicSubnetIds.map((id) => ({ id, vpcId })),
                    isolatedSubnets: isolatedSubnetIds.map((id) => ({ id, vpcId })),
                    routeTables: all.map((id) => ({ id: `rtb-${ctx.hex(`${id}/rt`)}`, vpcId })),
                    routeTableAssociations: all.map((id) => ({ id: `rtbassoc-${ctx.hex(`${id}/rta`)}`, subnetId: id })),
                    natGateways: Array.from({ length: nats }, (_, i) => ({ id: `nat-${ctx.hex(`${name}/nat/${i}`)}` })),
                    eips: Array.from({ length: nats }, (_, i) => ({ id: `eipalloc-${ctx.hex(`${name}/eip/${i}`)}` })),
                    internetGateway: publicSubnetIds.length > 0 ? { id: `igw-${ctx.hex(`${name}/igw`)}` } : undefined,
                    vpc: { id: vpcId, cidrBlock: inputs.cidrBlock ?? "10.0.0.0/16", arn: `arn:aws:ec2:${r}:${a}:vpc/${vpcId}` },
                    vpcEndpoints: [],
                    subnetLayout: specs,
                },
            };
        }
        default: {
            // Generic: name-like id and an ARN in the type's service namespace.
            const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
            const kind = type.split(":")[2] ?? "resource";
            const n = inputs.name ?? `${name}-${h.slice(0, 7)}`;
            return { id: args.custom === false ? "" : `${n}`, state: { ...base, arn: `arn:aws:${service}:${r}:${a}:${kind.toLowerCase()}/${n}` } };
        }
    }
}

function defaultCall(args: pulumi.runtime.MockCallArgs, ctx: MockContext): Record<string, any> {
    switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: ctx.account, arn: `arn:aws:iam::${ctx.account}:user/test`, userId: "AIDATEST", id: ctx.account };
        case "aws:index/getRegion:getRegion":
            return { name: ctx.region, region: ctx.region, id: ctx.region, endpoint: `ec2.${ctx.region}.amazonaws.com`, description: ctx.region };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: ["a", "b", "c", "d"].map((s) => `${ctx.region}${s}`), zoneIds: [1, 2, 3, 4].map((i) => `use1-az${i}`), id: ctx.region };
        case "aws:ec2/getPrefixList:getPrefixList":
            return { id: `pl-${ctx.hex(String(args.inputs.name), 8)}`, name: args.inputs.name, cidrBlocks: ["52.216.0.0/15"] };
        default:
            return { ...args.inputs };
    }
}

export class PulumiMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    readonly calls: RecordedCall[] = [];
    private readonly stateOverrides = new Map<string, StateFn>();
    private readonly callOverrides = new Map<string, CallFn>();
    /** Parent URN of the registration currently being handed to `newResource` (set synchronously by the monitor wrapper). */
    pendingParent: string | undefined;
    readonly ctx: MockContext;

    constructor(account = MOCK_ACCOUNT, region = MOCK_REGION, private readonly project = "ml-platform", private readonly stack = "dev") {
        this.ctx = { account, region, hex: hexOf };
    }

    /** Forget everything recorded (call between tests). Overrides stay. */
    reset(): void {
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
        this.pendingParent = undefined;
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

function urnOf(project: string, stack: string, parent: string | undefined, type: string, name: string): string {
    let t = type;
    if (parent) {
        const qualified = parent.split("::")[2];
        t = `${qualified}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${t}::${name}`;
}

/**
 * Installs the mocks. Call once per test file (at module level or in `before`). Returns the recorder.
 */
export function setupMocks(opts: { project?: string; stack?: string; account?: string; region?: string; preview?: boolean } = {}): PulumiMocks {
    const project = opts.project ?? "ml-platform";
    const stack = opts.stack ?? "dev";
    const mocks = new PulumiMocks(opts.account, opts.region, project, stack);
    // setMocks returns a promise in recent SDKs but sets the monitor synchronously.
    void pulumi.runtime.setMocks(mocks, project, stack, opts.preview ?? false);
    const monitor = pulumi.runtime.getMonitor() as any;
    if (!monitor || typeof monitor.registerResource !== "function") throw new Error("mock monitor not installed");
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        // MockMonitor.registerResource calls mocks.newResource synchronously before its first await.
        mocks.pendingParent = req.getParent() || undefined;
        return register(req, callback);
    };
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, callback: any) => {
        mocks.pendingParent = req.getParent() || undefined;
        return read(req, callback);
    };
    return mocks;
}

/** Waits for all outstanding Pulumi RPCs (resource registrations, invokes) to finish. */
export async function settle(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const settings = require("@pulumi/pulumi/runtime/settings");
    for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        if (typeof settings.waitForRPCs === "function") await settings.waitForRPCs();
    }
}

/** Resolves an Output (or plain value) to its value. Unknown values (preview) resolve to undefined. */
export function promiseOf<T>(o: pulumi.Input<T> | pulumi.Output<T>): Promise<T> {
    return new Promise<T>((resolve) => pulumi.output(o).apply((v) => {
        resolve(v as T);
        return v;
    }));
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
