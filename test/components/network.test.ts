import { strict as assert } from "assert";
import { setupMocks, promiseOf, policyOf, asArray, MOCK_ACCOUNT, RecordedResource } from "../helpers/pulumi-mocks";
import { DataLake, platformBucketArns } from "../../components/datalake";
import {
    NETWORK_RESOURCE_TYPES,
    PlatformNetwork,
    PlatformNetworkArgs,
    SAGEMAKER_INTERFACE_ENDPOINT_SERVICES,
    awsServiceBucketArns,
    subnetSpecs,
} from "../../components/network";

const mocks = setupMocks();

const REGION = "eu-west-1";
const KEY = `arn:aws:kms:${REGION}:${MOCK_ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
const BUCKETS = ["arn:aws:s3:::mlp-dev-raw-ab12cd34", "arn:aws:s3:::mlp-dev-curated-ab12cd34"];

function args(over: Partial<PlatformNetworkArgs> = {}): PlatformNetworkArgs {
    return { region: REGION, platformBucketArns: BUCKETS, flowLogKmsKeyArn: KEY, flowLogRetentionDays: 30, ...over };
}

async function build(over: Partial<PlatformNetworkArgs> = {}): Promise<PlatformNetwork> {
    const n = new PlatformNetwork("net", args(over));
    await mocks.settle();
    return n;
}

const SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

describe("PlatformNetwork", () => {
    beforeEach(() => mocks.reset());

    it("builds an isolated-only VPC in >= 2 AZs with no NAT", async () => {
        const n = await build();
        const vpc = mocks.one("awsx:ec2:Vpc");
        assert.equal(vpc.inputs.subnetStrategy, "Auto");
        assert.deepEqual(vpc.inputs.natGateways, { strategy: "None" });
        assert.ok(vpc.inputs.numberOfAvailabilityZones >= 2);
        assert.deepEqual(
            vpc.inputs.subnetSpecs.map((s: any) => s.type),
            ["Isolated"],
        );
        assert.equal(vpc.inputs.enableDnsHostnames, true);
        assert.equal(vpc.inputs.enableDnsSupport, true);
        const subnets = await promiseOf(n.privateSubnetIds);
        assert.equal(subnets.length, 2);
        assert.deepEqual(subnets, vpc.state.isolatedSubnetIds);
        assert.equal(vpc.parent, mocks.one("mlplatform:network:PlatformNetwork").urn);
    });

    it("refuses fewer than 2 AZs", () => {
        assert.throws(() => new PlatformNetwork("bad", args({ availabilityZones: 1 })), /at least 2 availability zones/);
    });

    it("adds a public subnet and a single NAT only when internet egress is allowed", async () => {
        const n = await build({ allowInternetEgress: true, availabilityZones: 3 });
        const vpc = mocks.one("awsx:ec2:Vpc");
        assert.deepEqual(vpc.inputs.natGateways, { strategy: "Single" });
        assert.deepEqual(vpc.inputs.subnetSpecs.map((s: any) => s.type).sort(), ["Private", "Public"]);
        assert.deepEqual(await promiseOf(n.privateSubnetIds), vpc.state.privateSubnetIds);
        const internet = mocks.ofType(SG_EGRESS).filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0");
        assert.equal(internet.length, 1);
        assert.equal(internet[0].inputs.fromPort, 443);
        assert.equal(internet[0].inputs.toPort, 443);
    });

    it("sizes subnets inside each AZ range and rejects VPCs too small", () => {
        assert.deepEqual(subnetSpecs("10.20.0.0/16", 3, false), [{ type: "Isolated", name: "isolated", cidrMask: 18 }]);
        assert.deepEqual(
            subnetSpecs("10.20.0.0/16", 2, true).map((s) => s.cidrMask),
            [18, 19],
        );
        assert.throws(() => subnetSpecs("10.20.0.0/24", 6, true), /too small/);
    });

    it("never allows ingress from 0.0.0.0/0 and keeps egress to HTTPS/self/prefix list", async () => {
        const n = await build();
        const jobs = await promiseOf(n.jobSecurityGroupId);
        const eps = await promiseOf(n.vpcEndpointSecurityGroupId);
        const ingress = mocks.ofType(SG_INGRESS);
        assert.ok(ingress.length > 0);
        for (const r of ingress) {
            assert.notEqual(r.inputs.cidrIpv4, "0.0.0.0/0", r.name);
            assert.equal(r.inputs.cidrIpv6, undefined, r.name);
        }
        // jobs SG allows all traffic from itself (distributed training)
        const self = ingress.filter((r) => r.inputs.securityGroupId === jobs && r.inputs.referencedSecurityGroupId === jobs);
        assert.equal(self.length, 1);
        assert.equal(self[0].inputs.ipProtocol, "-1");
        // endpoints SG: only 443
        for (const r of ingress.filter((x) => x.inputs.securityGroupId === eps)) {
            assert.equal(r.inputs.ipProtocol, "tcp");
            assert.equal(r.inputs.fromPort, 443);
            assert.equal(r.inputs.toPort, 443);
        }
        assert.ok(ingress.some((r) => r.inputs.securityGroupId === eps && r.inputs.referencedSecurityGroupId === jobs));
        const egress = mocks.ofType(SG_EGRESS);
        assert.equal(egress.filter((r) => r.inputs.securityGroupId === eps).length, 0, "endpoints SG has no egress");
        const s3PrefixList = await promiseOf(n.s3PrefixListId);
        assert.match(s3PrefixList, /^pl-/);
        for (const r of egress) {
            assert.equal(r.inputs.securityGroupId, jobs);
            assert.equal(r.inputs.cidrIpv4, undefined, `${r.name} has no CIDR egress outside dev egress mode`);
            if (r.inputs.referencedSecurityGroupId !== jobs) {
                assert.equal(r.inputs.fromPort, 443, r.name);
                assert.equal(r.inputs.toPort, 443, r.name);
            }
        }
        assert.ok(egress.some((r) => r.inputs.prefixListId === s3PrefixList));
        assert.ok(egress.some((r) => r.inputs.referencedSecurityGroupId === eps));
    });

    it("creates the 10 interface endpoints with private DNS in the private subnets behind the endpoints SG", async () => {
        const n = await build();
        const eps = mocks.ofType(ENDPOINT).filter((r) => r.inputs.vpcEndpointType === "Interface");
        const names = eps.map((r) => r.inputs.serviceName).sort();
        assert.equal(SAGEMAKER_INTERFACE_ENDPOINT_SERVICES.length, 10);
        assert.deepEqual(names, [...SAGEMAKER_INTERFACE_ENDPOINT_SERVICES].map((s) => `com.amazonaws.${REGION}.${s}`).sort());
        const subnets = await promiseOf(n.privateSubnetIds);
        const sg = await promiseOf(n.vpcEndpointSecurityGroupId);
        const vpcId = await promiseOf(n.vpcId);
        for (const e of eps) {
            assert.equal(e.inputs.privateDnsEnabled, true);
            assert.deepEqual(e.inputs.subnetIds, subnets);
            assert.deepEqual(e.inputs.securityGroupIds, [sg]);
            assert.equal(e.inputs.vpcId, vpcId);
        }
        const ids = await promiseOf(n.interfaceEndpointIds);
        assert.deepEqual(Object.keys(ids).sort(), [...SAGEMAKER_INTERFACE_ENDPOINT_SERVICES].sort());
        assert.equal(ids["sagemaker.runtime"], eps.find((e) => e.inputs.serviceName.endsWith(".sagemaker.runtime"))!.id);
    });

    it("puts the S3 gateway endpoint on every route table with a policy listing exactly the platform + documented AWS buckets", async () => {
        const n = await build();
        const gw = mocks.ofType(ENDPOINT).filter((r) => r.inputs.vpcEndpointType === "Gateway");
        assert.equal(gw.length, 1);
        assert.equal(gw[0].inputs.serviceName, `com.amazonaws.${REGION}.s3`);
        const vpc = mocks.one("awsx:ec2:Vpc");
        assert.deepEqual(
            gw[0].inputs.routeTableIds,
            vpc.state.routeTables.map((r: any) => r.id),
        );
        assert.equal(await promiseOf(n.s3GatewayEndpointId), gw[0].id);

        const policy = await policyOf(gw[0].inputs.policy);
        assert.ok(policy.Statement.every((s) => s.Effect === "Allow"));
        const resources = policy.Statement.flatMap((s) => asArray<string>(s.Resource)).sort();
        const expected = [...BUCKETS.flatMap((b) => [b, `${b}/*`]), `arn:aws:s3:::prod-${REGION}-starport-layer-bucket/*`].sort();
        assert.deepEqual(resources, expected);
        assert.ok(!resources.includes("*"));
        const platform = policy.Statement.find((s) => asArray<string>(s.Resource).includes(BUCKETS[0]))!;
        assert.deepEqual(platform.Condition, { StringEquals: { "aws:PrincipalAccount": MOCK_ACCOUNT } });
        assert.ok(!asArray<string>(platform.Action).some((a) => a === "s3:*" || a.startsWith("s3:PutBucket")));
        const awsStmt = policy.Statement.find((s) => asArray<string>(s.Resource).some((r) => r.includes("starport")))!;
        assert.deepEqual(asArray(awsStmt.Action), ["s3:GetObject"]);
    });

    it("admits exactly the DataLake's buckets, named before they exist, and the lake restricts itself to this endpoint", async () => {
        const suffix = "0badcafe";
        const n = new PlatformNetwork("net", args({ platformBucketArns: platformBucketArns("mlp-prod", suffix) }));
        const lake = new DataLake("lake", {
            namePrefix: "mlp-prod",
            suffix,
            region: REGION,
            kmsKeyArn: KEY,
            captureExpirationDays: 30,
            restrictToVpcEndpointId: n.s3GatewayEndpointId,
        });
        await mocks.settle();
        const gw = mocks.ofType(ENDPOINT).find((r) => r.inputs.vpcEndpointType === "Gateway")!;
        const platform = (await policyOf(gw.inputs.policy)).Statement.find((s) => s.Sid === "PlatformBuckets")!;
        const lakeArns = Object.values(await promiseOf(lake.bucketArns)).sort();
        assert.equal(lakeArns.length, 7);
        assert.deepEqual(
            asArray<string>(platform.Resource)
                .filter((r) => !r.endsWith("/*"))
                .sort(),
            lakeArns,
        );
        const rawPolicy = mocks.ofType("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.inputs.bucket === "mlp-prod-raw-0badcafe")!;
        const deny = (await policyOf(rawPolicy.inputs.policy)).Statement.find((s) => s.Sid === "DenyObjectAccessOutsideVpcEndpoint")!;
        assert.equal(deny.Condition.StringNotEquals["aws:SourceVpce"], gw.id);
    });

    it("adds only the opted-in AWS buckets", async () => {
        assert.deepEqual(awsServiceBucketArns("us-west-2", { sampleData: true, jumpStart: true, amazonLinuxRepositories: true }), [
            "arn:aws:s3:::prod-us-west-2-starport-layer-bucket",
            "arn:aws:s3:::sagemaker-sample-files",
            "arn:aws:s3:::sagemaker-sample-data-us-west-2",
            "arn:aws:s3:::jumpstart-cache-prod-us-west-2",
            "arn:aws:s3:::repo.us-west-2.amazonaws.com",
            "arn:aws:s3:::packages.us-west-2.amazonaws.com",
        ]);
        await build({ awsServiceBuckets: { jumpStart: true } });
        const gw = mocks.ofType(ENDPOINT).find((r) => r.inputs.vpcEndpointType === "Gateway")!;
        const resources = (await policyOf(gw.inputs.policy)).Statement.flatMap((s) => asArray<string>(s.Resource));
        assert.ok(resources.includes(`arn:aws:s3:::jumpstart-cache-prod-${REGION}/*`));
        assert.ok(!resources.some((r) => r.includes("sample")));
    });

    it("logs ALL VPC traffic to a KMS-encrypted log group through a role scoped to it", async () => {
        const n = await build();
        const lg = mocks.one("aws:cloudwatch/logGroup:LogGroup");
        assert.equal(lg.inputs.kmsKeyId, KEY);
        assert.equal(lg.inputs.retentionInDays, 30);
        assert.equal(await promiseOf(n.flowLogGroupName), lg.inputs.name);
        assert.equal(lg.inputs.name, "/mlplatform/dev/vpc-flow-logs", "stack-unique name by default");
        const fl = mocks.one("aws:ec2/flowLog:FlowLog");
        assert.equal(fl.inputs.trafficType, "ALL");
        assert.equal(fl.inputs.vpcId, await promiseOf(n.vpcId));
        assert.equal(fl.inputs.logDestinationType, "cloud-watch-logs");
        assert.equal(fl.inputs.logDestination, lg.state.arn);
        const role = mocks.one("aws:iam/role:Role");
        assert.equal(fl.inputs.iamRoleArn, role.state.arn);
        const trust = await policyOf(role.inputs.assumeRolePolicy);
        assert.equal(trust.Statement.length, 1);
        assert.deepEqual(trust.Statement[0].Principal, { Service: "vpc-flow-logs.amazonaws.com" });
        assert.equal(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"], MOCK_ACCOUNT);
        const rp = mocks.one("aws:iam/rolePolicy:RolePolicy");
        assert.equal(rp.inputs.role, role.id);
        const perms = await policyOf(rp.inputs.policy);
        for (const s of perms.Statement) {
            // issue 9: logs:DescribeLogGroups has no resource type (Service Authorization Reference): only "*" works
            if (asArray(s.Action).join() === "logs:DescribeLogGroups") {
                assert.deepEqual(asArray(s.Resource), ["*"]);
                continue;
            }
            for (const r of asArray<string>(s.Resource)) {
                assert.notEqual(r, "*");
                assert.ok(r.startsWith(`arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:`), r);
            }
        }
        const write = perms.Statement.find((s) => asArray(s.Action).includes("logs:PutLogEvents"))!;
        assert.deepEqual(asArray(write.Resource), [lg.state.arn, `${lg.state.arn}:*`]);
    });

    it("creates exactly the resource types it declares", async () => {
        await build();
        const comp = mocks.one("mlplatform:network:PlatformNetwork");
        const types = new Set(mocks.descendantsOf(comp).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...NETWORK_RESOURCE_TYPES].sort());
    });

    it("parents every resource to the component", async () => {
        await build();
        const comp = mocks.one("mlplatform:network:PlatformNetwork");
        const others = mocks.resources.filter((r: RecordedResource) => r !== comp);
        assert.ok(others.length > 20);
        for (const r of others) assert.equal(r.parent, comp.urn, `${r.type} ${r.name}`);
    });
});
