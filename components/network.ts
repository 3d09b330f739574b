/**
 * PlatformNetwork: the private network SageMaker jobs and endpoints run in.
 *
 * Main decision: no path to the internet. One *Isolated* subnet tier in every AZ (>= 2); the only way out is through
 * VPC endpoints, and the S3 gateway endpoint's policy is a data perimeter (only the platform's buckets and the
 * AWS-owned ones SageMaker needs). `allowInternetEgress` (dev only; the stack config refuses it in prod) adds a
 * *Private* tier behind a single NAT gateway so notebooks/jobs can `pip install`. VPC flow logs record ALL traffic.
 * What it creates per stack: docs/components.md.
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { exemption, PLATFORM_EXEMPTIONS_EXPIRE } from "./tagging";
import { policyDocument, PolicyStatement } from "./grants";

/** The resource types this component creates (tests; docs/components.md shows them per stack). */
export const NETWORK_RESOURCE_TYPES: readonly string[] = [
    "awsx:ec2:Vpc",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ec2/flowLog:FlowLog",
];

/** The interface endpoints SageMaker jobs, endpoints and the platform's tooling need from isolated subnets. */
export const SAGEMAKER_INTERFACE_ENDPOINT_SERVICES = [
    "sagemaker.api",
    "sagemaker.runtime",
    "sagemaker.featurestore-runtime",
    "sts",
    "logs",
    "monitoring",
    "kms",
    "ecr.api",
    "ecr.dkr",
    "events",
] as const;

export type InterfaceEndpointService = (typeof SAGEMAKER_INTERFACE_ENDPOINT_SERVICES)[number];

/** Opt-in AWS-owned buckets (beyond the ECR layer bucket, which is always allowed). */
export interface AwsServiceBucketOptions {
    /** `sagemaker-sample-files`, `sagemaker-sample-data-<region>`. Default false. */
    sampleData?: boolean;
    /** `jumpstart-cache-prod-<region>`. Default false. */
    jumpStart?: boolean;
    /** `repo.<region>.amazonaws.com`, `packages.<region>.amazonaws.com` (Amazon Linux yum). Default false. */
    amazonLinuxRepositories?: boolean;
}

/** ARNs (bucket level, without `/*`) of the AWS-owned buckets the S3 endpoint allows reads from. */
export function awsServiceBucketArns(region: string, opts: AwsServiceBucketOptions = {}, partition = "aws"): string[] {
    const arn = (b: string) => `arn:${partition}:s3:::${b}`;
    const out = [arn(`prod-${region}-starport-layer-bucket`)];
    if (opts.sampleData) out.push(arn("sagemaker-sample-files"), arn(`sagemaker-sample-data-${region}`));
    if (opts.jumpStart) out.push(arn(`jumpstart-cache-prod-${region}`));
    if (opts.amazonLinuxRepositories) out.push(arn(`repo.${region}.amazonaws.com`), arn(`packages.${region}.amazonaws.com`));
    return out;
}

/** Actions the S3 endpoint allows on the platform's buckets (data plane only: no bucket configuration changes). */
export const PLATFORM_BUCKET_ENDPOINT_ACTIONS = [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTagging",
    "s3:GetObjectAttributes",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:GetBucketLocation",
];

export interface PlatformNetworkArgs {
    /** AWS region the stack deploys to (service names are `com.amazonaws.<region>.<service>`). */
    region: string;
    /** Prefix of named resources (the flow-log group `/mlplatform/<namePrefix>/vpc-flow-logs`). Default: the stack name. */
    namePrefix?: string;
    /** VPC CIDR (/16 to /24). Default 10.20.0.0/16. */
    cidrBlock?: string;
    /** Number of AZs (>= 2). Default 2. */
    availabilityZones?: number;
    /**
     * Explicit AZ names (overrides `availabilityZones`). Interface endpoints for some services are not offered in every
     * AZ of every region and awsx picks the first N AZs of the region: if `pulumi up` fails with "The VPC endpoint
     * service ... does not support the availability zone", pin the AZs here.
     */
    availabilityZoneNames?: string[];
    /** Dev only: a public subnet + a single NAT so private subnets reach the internet (HTTPS). Default false. */
    allowInternetEgress?: boolean;
    /** ARNs of the platform's S3 buckets (bucket ARNs, `arn:aws:s3:::name`); the S3 endpoint allows only these + AWS ones. */
    platformBucketArns: pulumi.Input<pulumi.Input<string>[]>;
    /** Opt-in AWS-owned buckets for the S3 endpoint policy (ECR layers are always allowed). */
    awsServiceBuckets?: AwsServiceBucketOptions;
    /** Interface endpoints to create. Default: all of SAGEMAKER_INTERFACE_ENDPOINT_SERVICES. */
    interfaceEndpointServices?: readonly InterfaceEndpointService[];
    /**
     * In how many AZs (the first N private subnets) each interface endpoint gets a network interface. Each costs about
     * $0.01/hour per AZ (AWS PrivateLink pricing), so 10 endpoints in 2 AZs are ~$146/month; one AZ halves that (dev),
     * at the price of cross-AZ traffic and no endpoint redundancy. Default: every AZ.
     */
    interfaceEndpointAzs?: number;
    /** KMS key ARN encrypting the flow-log group (its key policy must allow the CloudWatch Logs service). */
    flowLogKmsKeyArn: pulumi.Input<string>;
    /** Flow-log retention in days. Default 365. */
    flowLogRetentionDays?: number;
    /** Account id; looked up with sts:GetCallerIdentity when absent. */
    accountId?: pulumi.Input<string>;
    /** Tags for every taggable resource. */
    tags?: Record<string, string>;
}

/** Netmask of each AZ's range: the VPC range split into the next power of two >= the AZ count. */
export function azCidrMask(cidrBlock: string, azs: number): number {
    const prefix = Number(cidrBlock.split("/")[1]);
    if (!Number.isInteger(prefix) || prefix < 16 || prefix > 24) throw new Error(`cidrBlock ${cidrBlock}: expected a /16 to /24 block`);
    const mask = prefix + Math.ceil(Math.log2(azs));
    return mask;
}

/** The awsx subnet specs for the requested mode (exported for tests and for the program's preview output). */
export function subnetSpecs(cidrBlock: string, azs: number, allowInternetEgress: boolean): awsx.types.input.ec2.SubnetSpecArgs[] {
    const az = azCidrMask(cidrBlock, azs);
    if (!allowInternetEgress) {
        if (az > 28) throw new Error(`cidrBlock ${cidrBlock} is too small for ${azs} AZs (subnets would be smaller than /28)`);
        return [{ type: "Isolated", name: "isolated", cidrMask: az }];
    }
    const privateMask = az + 1;
    const publicMask = az + 2;
    if (publicMask > 28) throw new Error(`cidrBlock ${cidrBlock} is too small for ${azs} AZs with public subnets (/${publicMask} < /28)`);
    return [
        { type: "Private", name: "private", cidrMask: privateMask },
        { type: "Public", name: "public", cidrMask: publicMask },
    ];
}

export class PlatformNetwork extends pulumi.ComponentResource {
    readonly vpc: awsx.ec2.Vpc;
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidrBlock: string;
    /** Subnets jobs and endpoints use: the isolated subnets (or the NAT-routed private ones in dev egress mode). */
    readonly privateSubnetIds: pulumi.Output<string[]>;
    /** Public subnets (dev egress mode only; empty otherwise). */
    readonly publicSubnetIds: pulumi.Output<string[]>;
    /**
     * Security group for every SageMaker workload in the VPC: processing, training, tuning, monitoring *and* hosting
     * (real-time endpoints' VpcConfig). Egress: HTTPS to the interface endpoints and S3, all traffic within the group.
     */
    readonly jobSecurityGroupId: pulumi.Output<string>;
    /**
     * Security group of the interface *VPC endpoints* (PrivateLink ENIs) — not for SageMaker endpoints. It has no egress
     * rules, so a SageMaker model endpoint or job given this group could not reach S3, ECR or CloudWatch; use
     * `jobSecurityGroupId` for those.
     */
    readonly vpcEndpointSecurityGroupId: pulumi.Output<string>;
    readonly s3GatewayEndpointId: pulumi.Output<string>;
    /** S3 managed prefix list id (from the gateway endpoint). */
    readonly s3PrefixListId: pulumi.Output<string>;
    /** Interface endpoint ids keyed by service short name (e.g. "sagemaker.api"). */
    readonly interfaceEndpointIds: pulumi.Output<Record<string, string>>;
    readonly flowLogGroupName: pulumi.Output<string>;
    readonly flowLogGroupArn: pulumi.Output<string>;
    readonly flowLogId: pulumi.Output<string>;

    constructor(name: string, args: PlatformNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.PlatformNetwork, name, {}, withPreviousTypes("PlatformNetwork", opts));

        const cidrBlock = args.cidrBlock ?? "10.20.0.0/16";
        const azNames = args.availabilityZoneNames;
        const azs = azNames?.length ?? args.availabilityZones ?? 2;
        if (azs < 2) throw new Error(`PlatformNetwork ${name}: at least 2 availability zones are required (got ${azs})`);
        const egress = args.allowInternetEgress ?? false;
        const region = args.region;
        const tags = args.tags ?? {};
        const named = (n: string) => ({ ...tags, Name: n });
        const accountId = args.accountId ?? aws.getCallerIdentityOutput({}, { parent: this }).accountId;

        this.vpcCidrBlock = cidrBlock;
        this.vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock,
                ...(azNames ? { availabilityZoneNames: azNames } : { numberOfAvailabilityZones: azs }),
                availabilityZoneCidrMask: azCidrMask(cidrBlock, azs),
                subnetStrategy: "Auto",
                subnetSpecs: subnetSpecs(cidrBlock, azs, egress),
                natGateways: { strategy: egress ? "Single" : "None" },
                // Private DNS of interface endpoints needs both.
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: named(`${name}-vpc`),
            },
            { parent: this },
        );
        this.vpcId = this.vpc.vpcId;
        this.privateSubnetIds = egress ? this.vpc.privateSubnetIds : this.vpc.isolatedSubnetIds;
        this.publicSubnetIds = this.vpc.publicSubnetIds;

        // ---- S3 gateway endpoint (on every route table of the VPC) ----
        // The endpoint is the only S3 path from the isolated subnets, so its policy is a data perimeter: it allows
        //   1. object and listing actions on the platform's own buckets (`platformBucketArns`, from the DataLake's
        //      computed names), only for principals of this account (`aws:PrincipalAccount`);
        //   2. `s3:GetObject` on the AWS-owned buckets SageMaker needs (awsServiceBucketArns):
        //      - `prod-<region>-starport-layer-bucket`: Amazon ECR stores image layers there; every SageMaker built-in
        //        algorithm, framework and Model Monitor image is pulled from ECR, so without it no job or endpoint
        //        starts (Amazon ECR user guide, "Minimum Amazon S3 bucket permissions for Amazon ECR"). Always included.
        //      - opt-in `sampleData`: `sagemaker-sample-files` and `sagemaker-sample-data-<region>` (public SageMaker
        //        example data sets used by AWS examples/notebooks).
        //      - opt-in `jumpStart`: `jumpstart-cache-prod-<region>` (SageMaker JumpStart model/script artifacts).
        //      - opt-in `amazonLinuxRepositories`: `repo.<region>.amazonaws.com` and `packages.<region>.amazonaws.com`
        //        (Amazon Linux yum repositories, for containers/notebooks that install OS packages).
        //   Those reads are not restricted by principal account because ECR hands out pre-signed URLs signed by AWS.
        // Anything else (other accounts' buckets, exfiltration to a personal bucket) is denied at the endpoint, including
        // the SageMaker Python SDK's default bucket `sagemaker-<region>-<account>`: pass the platform's buckets
        // explicitly. In dev egress mode the S3 prefix-list route of the gateway endpoint is more specific than the NAT
        // default route, so same-region S3 traffic still goes through (and is limited by) this policy.
        const routeTableIds = this.vpc.routeTables.apply((rts) => pulumi.all(rts.map((rt) => rt.id)));
        const platformBuckets = pulumi.output(args.platformBucketArns);
        const awsBuckets = awsServiceBucketArns(region, args.awsServiceBuckets);
        const s3Policy: pulumi.Output<PolicyStatement[]> = pulumi.all([platformBuckets, accountId]).apply(([arns, account]) => {
            if (arns.length === 0) throw new Error(`PlatformNetwork ${name}: platformBucketArns is empty`);
            return [
                {
                    Sid: "PlatformBuckets",
                    Effect: "Allow",
                    Principal: "*",
                    Action: PLATFORM_BUCKET_ENDPOINT_ACTIONS,
                    Resource: arns.flatMap((a) => [a, `${a}/*`]),
                    Condition: { StringEquals: { "aws:PrincipalAccount": account } },
                },
                {
                    Sid: "AwsServiceBuckets",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "s3:GetObject",
                    Resource: awsBuckets.map((a) => `${a}/*`),
                },
            ] as (PolicyStatement & { Principal: string })[];
        });
        const s3Endpoint = new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: this.vpcId,
                serviceName: `com.amazonaws.${region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds,
                policy: policyDocument(s3Policy),
                tags: {
                    ...named(`${name}-s3`),
                    // Gateway endpoint policies cannot name the caller of AWS-owned buckets (ECR layers are fetched
                    // through presigned URLs): the statement is scoped by Resource to those buckets instead.
                    ...exemption("least-privilege-iam", {
                        reason: "AWS-owned buckets for ECR layers and SageMaker allow any principal scoped by resource - platform buckets require aws:PrincipalAccount",
                        approver: "platform-security",
                        ticket: "MLP-102",
                        expires: PLATFORM_EXEMPTIONS_EXPIRE,
                    }),
                },
            },
            { parent: this },
        );
        this.s3GatewayEndpointId = s3Endpoint.id;
        this.s3PrefixListId = s3Endpoint.prefixListId;

        // ---- security groups ----
        // The provider removes the default allow-all egress rule of a new group, so only the rules below exist:
        //   jobs SG       ingress: all traffic from itself (distributed training, inter-container traffic)
        //                 egress:  all traffic to itself; TCP 443 to the endpoints SG; TCP 443 to the S3 prefix list
        //                          (dev egress mode only: TCP 443 to 0.0.0.0/0 through the NAT)
        //   endpoints SG  ingress: TCP 443 from the jobs SG and from the VPC CIDR (other in-VPC clients); no egress rules
        // No rule anywhere allows ingress from 0.0.0.0/0. DNS (the Amazon-provided resolver at VPC+2) is not filtered by
        // security groups, so no DNS rule is needed.
        const jobsSg = new aws.ec2.SecurityGroup(
            `${name}-jobs`,
            { vpcId: this.vpcId, description: "SageMaker jobs and endpoints: intra-group traffic, HTTPS to VPC endpoints and S3", tags: named(`${name}-jobs`) },
            { parent: this },
        );
        const endpointsSg = new aws.ec2.SecurityGroup(
            `${name}-endpoints`,
            { vpcId: this.vpcId, description: "Interface VPC endpoints: HTTPS from the platform's jobs and the VPC", tags: named(`${name}-endpoints`) },
            { parent: this },
        );
        this.jobSecurityGroupId = jobsSg.id;
        this.vpcEndpointSecurityGroupId = endpointsSg.id;

        const ingress = (n: string, a: aws.vpc.SecurityGroupIngressRuleArgs) =>
            new aws.vpc.SecurityGroupIngressRule(`${name}-${n}`, { ...a, tags: named(`${name}-${n}`) }, { parent: this });
        const egressRule = (n: string, a: aws.vpc.SecurityGroupEgressRuleArgs) =>
            new aws.vpc.SecurityGroupEgressRule(`${name}-${n}`, { ...a, tags: named(`${name}-${n}`) }, { parent: this });

        ingress("jobs-from-self", {
            securityGroupId: jobsSg.id,
            referencedSecurityGroupId: jobsSg.id,
            ipProtocol: "-1",
            description: "Distributed training / inter-container traffic",
        });
        egressRule("jobs-to-self", {
            securityGroupId: jobsSg.id,
            referencedSecurityGroupId: jobsSg.id,
            ipProtocol: "-1",
            description: "Distributed training / inter-container traffic",
        });
        egressRule("jobs-to-endpoints", {
            securityGroupId: jobsSg.id,
            referencedSecurityGroupId: endpointsSg.id,
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            description: "HTTPS to interface VPC endpoints",
        });
        egressRule("jobs-to-s3", {
            securityGroupId: jobsSg.id,
            prefixListId: s3Endpoint.prefixListId,
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            description: "HTTPS to S3 through the gateway endpoint",
        });
        if (egress) {
            egressRule("jobs-to-internet", {
                securityGroupId: jobsSg.id,
                cidrIpv4: "0.0.0.0/0",
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                description: "Dev only: HTTPS to the internet through the NAT gateway",
            });
        }
        ingress("endpoints-from-jobs", {
            securityGroupId: endpointsSg.id,
            referencedSecurityGroupId: jobsSg.id,
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            description: "HTTPS from SageMaker jobs",
        });
        ingress("endpoints-from-vpc", {
            securityGroupId: endpointsSg.id,
            cidrIpv4: cidrBlock,
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            description: "HTTPS from in-VPC clients",
        });

        // ---- interface endpoints ----
        const services = args.interfaceEndpointServices ?? SAGEMAKER_INTERFACE_ENDPOINT_SERVICES;
        if (
            args.interfaceEndpointAzs !== undefined &&
            (!Number.isInteger(args.interfaceEndpointAzs) || args.interfaceEndpointAzs < 1 || args.interfaceEndpointAzs > azs)
        ) {
            throw new Error(`PlatformNetwork ${name}: interfaceEndpointAzs ${args.interfaceEndpointAzs} must be 1..${azs} (the number of AZs)`);
        }
        const endpointSubnets =
            args.interfaceEndpointAzs === undefined
                ? this.privateSubnetIds
                : pulumi.output(this.privateSubnetIds).apply((ids) => ids.slice(0, args.interfaceEndpointAzs));
        const endpointIds: Record<string, pulumi.Output<string>> = {};
        for (const svc of services) {
            const ep = new aws.ec2.VpcEndpoint(
                `${name}-${svc.replace(/\./g, "-")}`,
                {
                    vpcId: this.vpcId,
                    serviceName: `com.amazonaws.${region}.${svc}`,
                    vpcEndpointType: "Interface",
                    privateDnsEnabled: true,
                    subnetIds: endpointSubnets,
                    securityGroupIds: [endpointsSg.id],
                    tags: named(`${name}-${svc}`),
                },
                { parent: this },
            );
            endpointIds[svc] = ep.id;
        }
        this.interfaceEndpointIds = pulumi.output(endpointIds) as pulumi.Output<Record<string, string>>;

        // ---- flow logs ----
        // ALL traffic of the VPC to a CloudWatch log group encrypted with `flowLogKmsKeyArn` (that key's policy must allow
        // `logs.<region>.amazonaws.com`: the security component owns it), delivered by a role that only
        // `vpc-flow-logs.amazonaws.com` of this account can assume and that can only write to that log group.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-flow-logs`,
            {
                name: `/mlplatform/${args.namePrefix ?? pulumi.getStack()}/vpc-flow-logs`,
                kmsKeyId: args.flowLogKmsKeyArn,
                retentionInDays: args.flowLogRetentionDays ?? 365,
                tags: named(`${name}-flow-logs`),
            },
            { parent: this },
        );
        this.flowLogGroupName = logGroup.name;
        this.flowLogGroupArn = logGroup.arn;

        const flowRole = new aws.iam.Role(
            `${name}-flow-logs`,
            {
                description: "VPC flow-log delivery to the platform's flow-log group",
                assumeRolePolicy: pulumi.output(accountId).apply((account) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                                Action: "sts:AssumeRole",
                                Condition: {
                                    StringEquals: { "aws:SourceAccount": account },
                                    ArnLike: { "aws:SourceArn": `arn:aws:ec2:${region}:${account}:vpc-flow-log/*` },
                                },
                            },
                        ],
                    }),
                ),
                tags: named(`${name}-flow-logs`),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-flow-logs`,
            {
                role: flowRole.id,
                policy: policyDocument(
                    logGroup.arn.apply((arn): PolicyStatement[] => [
                        {
                            Sid: "WriteFlowLogs",
                            Effect: "Allow",
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            Resource: [arn, `${arn}:*`],
                        },
                        // DescribeLogGroups has no resource type in the Service Authorization Reference: AWS authorizes it only on "*".
                        { Sid: "DescribeGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
                    ]),
                ),
            },
            { parent: this },
        );
        const flowLog = new aws.ec2.FlowLog(
            `${name}-flow-log`,
            {
                vpcId: this.vpcId,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: logGroup.arn,
                iamRoleArn: flowRole.arn,
                maxAggregationInterval: 60,
                tags: named(`${name}-flow-log`),
            },
            { parent: this },
        );
        this.flowLogId = flowLog.id;

        this.registerOutputs({
            vpcId: this.vpcId,
            privateSubnetIds: this.privateSubnetIds,
            publicSubnetIds: this.publicSubnetIds,
            jobSecurityGroupId: this.jobSecurityGroupId,
            vpcEndpointSecurityGroupId: this.vpcEndpointSecurityGroupId,
            s3GatewayEndpointId: this.s3GatewayEndpointId,
            s3PrefixListId: this.s3PrefixListId,
            interfaceEndpointIds: this.interfaceEndpointIds,
            flowLogGroupName: this.flowLogGroupName,
            flowLogGroupArn: this.flowLogGroupArn,
            flowLogId: this.flowLogId,
        });
    }
}
