/**
 * Realistic placeholder outputs for resources and provider functions when a Pulumi program runs under mocks: ids, ARNs
 * and computed properties in the formats AWS returns (account and region from the context). Used by the offline policy
 * gate (its `--outputs` file is what the local pipeline consumes) and by the unit tests' mock harness.
 */
import * as pulumi from "@pulumi/pulumi";

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

export function hexOf(name: string, len = 17): string {
    let out = "";
    let seed = name;
    while (out.length < len) {
        seed = `${seed}#`;
        out += hash(seed).toString(16).padStart(8, "0");
    }
    return out.slice(0, len);
}

/** Mock state per resource type: the outputs a real provider would return (id and ARN formats as in AWS). */
export function defaultState(args: pulumi.runtime.MockResourceArgs, ctx: MockContext): { id: string; state: Record<string, any> } {
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
                state: {
                    ...base,
                    bucket,
                    arn: `arn:aws:s3:::${bucket}`,
                    bucketDomainName: `${bucket}.s3.amazonaws.com`,
                    bucketRegionalDomainName: `${bucket}.s3.${r}.amazonaws.com`,
                    region: r,
                },
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
            return {
                id: roleName,
                state: {
                    ...base,
                    name: roleName,
                    arn: `arn:aws:iam::${a}:role/${inputs.path ?? "/"}${roleName}`.replace("role//", "role/"),
                    uniqueId: `AROA${h.toUpperCase()}`,
                },
            };
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
            return {
                id: `https://sqs.${r}.amazonaws.com/${a}/${n}`,
                state: { ...base, name: n, arn: `arn:aws:sqs:${r}:${a}:${n}`, url: `https://sqs.${r}.amazonaws.com/${a}/${n}` },
            };
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
            return {
                id: `vpc-${h}`,
                state: { ...base, arn: `arn:aws:ec2:${r}:${a}:vpc/vpc-${h}`, defaultSecurityGroupId: `sg-${ctx.hex(`${name}/default`)}` },
            };
        case "aws:ec2/securityGroup:SecurityGroup":
            return {
                id: `sg-${h}`,
                state: { ...base, name: inputs.name ?? `${name}-${h.slice(0, 7)}`, arn: `arn:aws:ec2:${r}:${a}:security-group/sg-${h}`, ownerId: a },
            };
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
                    dnsEntries: gateway
                        ? []
                        : [
                              {
                                  dnsName: `${id}.${String(inputs.serviceName).split(".").slice(3).join(".")}.${r}.vpce.amazonaws.com`,
                                  hostedZoneId: "Z7HUB22UULQXV",
                              },
                          ],
                    networkInterfaceIds: gateway ? [] : [`eni-${ctx.hex(`${name}/eni0`)}`, `eni-${ctx.hex(`${name}/eni1`)}`],
                },
            };
        }
        case "aws:ec2/flowLog:FlowLog":
            return { id: `fl-${h}`, state: { ...base, arn: `arn:aws:ec2:${r}:${a}:vpc-flow-log/fl-${h}` } };
        case "aws:sagemaker/featureGroup:FeatureGroup":
            return {
                id: inputs.featureGroupName,
                state: { ...base, arn: `arn:aws:sagemaker:${r}:${a}:feature-group/${String(inputs.featureGroupName).toLowerCase()}` },
            };
        case "aws:sagemaker/modelPackageGroup:ModelPackageGroup":
            return {
                id: inputs.modelPackageGroupName,
                state: { ...base, arn: `arn:aws:sagemaker:${r}:${a}:model-package-group/${String(inputs.modelPackageGroupName).toLowerCase()}` },
            };
        case "aws:glue/catalogDatabase:CatalogDatabase":
            return {
                id: `${inputs.catalogId ?? a}:${inputs.name}`,
                state: { ...base, catalogId: inputs.catalogId ?? a, arn: `arn:aws:glue:${r}:${a}:database/${inputs.name}` },
            };
        case "aws:glue/catalogTable:CatalogTable":
            return {
                id: `${inputs.catalogId ?? a}:${inputs.databaseName}:${inputs.name}`,
                state: { ...base, catalogId: inputs.catalogId ?? a, arn: `arn:aws:glue:${r}:${a}:table/${inputs.databaseName}/${inputs.name}` },
            };
        case "random:index/randomId:RandomId": {
            const bytes = Number(inputs.byteLength ?? 4);
            const hex = ctx.hex(name, bytes * 2);
            return {
                id: Buffer.from(hex, "hex").toString("base64url"),
                state: {
                    ...base,
                    hex,
                    dec: BigInt(`0x${hex}`).toString(),
                    b64Url: Buffer.from(hex, "hex").toString("base64url"),
                    b64Std: Buffer.from(hex, "hex").toString("base64"),
                },
            };
        }
        case "awsx:ec2:Vpc": {
            const n = Number(inputs.numberOfAvailabilityZones ?? (inputs.availabilityZoneNames as string[] | undefined)?.length ?? 3);
            const specs: { type: string }[] = inputs.subnetSpecs ?? [{ type: "Private" }, { type: "Public" }];
            const ids = (t: string) => (specs.some((s) => s.type === t) ? Array.from({ length: n }, (_, i) => `subnet-${ctx.hex(`${name}/${t}/${i}`)}`) : []);
            const privateSubnetIds = ids("Private");
            const publicSubnetIds = ids("Public");
            const isolatedSubnetIds = ids("Isolated");
            const all = [...privateSubnetIds, ...publicSubnetIds, ...isolatedSubnetIds];
            const vpcId = `vpc-${h}`;
            const nats = publicSubnetIds.length > 0 && inputs.natGateways?.strategy !== "None" ? (inputs.natGateways?.strategy === "Single" ? 1 : n) : 0;
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
            // SageMaker resources with a `name` input are auto-named by the provider when the program leaves it out.
            const autoNamed = type.startsWith("aws:sagemaker/") && ["Model", "EndpointConfiguration", "Endpoint"].includes(kind) ? { name: n } : {};
            return {
                id: args.custom === false ? "" : `${n}`,
                state: { ...base, ...autoNamed, arn: `arn:aws:${service}:${r}:${a}:${kind.toLowerCase()}/${n}` },
            };
        }
    }
}

export function defaultCall(args: pulumi.runtime.MockCallArgs, ctx: MockContext): Record<string, any> {
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
