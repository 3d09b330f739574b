/**
 * network-isolation: SageMaker workloads run inside the VPC without internet access and no
 * security group is open to the internet.
 */
import { withDefaults } from "../lib/config";
import { reportFindings } from "../lib/report";
import { definePolicy, PlatformResourcePolicy } from "../lib/types";
import { isUnknown, rawTarget } from "../lib/unknowns";
import { isWorldCidr } from "../lib/iam/analysis";

export const NETWORK_TYPES = {
    model: "aws:sagemaker/model:Model",
    domain: "aws:sagemaker/domain:Domain",
    notebookInstance: "aws:sagemaker/notebookInstance:NotebookInstance",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    dataQualityJobDefinition: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    monitoringSchedule: "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    trainingJob: "aws:sagemaker/trainingJob:TrainingJob",
} as const;

export interface NetworkConfig {
    requireModelVpc: boolean;
    requireModelNetworkIsolation: boolean;
    requireJobNetworkIsolation: boolean;
    /** Ports that may be open to the world (e.g. 443 on a public ALB). Empty = none. */
    publicIngressAllowedPorts: number[];
}

export const NETWORK_DEFAULTS: NetworkConfig = {
    requireModelVpc: true,
    requireModelNetworkIsolation: true,
    requireJobNetworkIsolation: true,
    publicIngressAllowedPorts: [],
};

const NAME = "network-isolation";
/** The CIDRs of a rule that together open it to the world (split ranges and every `::/0` spelling count). */
function worldOpen(cidrs: string[]): string[] {
    const v6 = cidrs.filter((c) => c.includes(":") && isWorldCidr([c]));
    const v4 = cidrs.filter((c) => !c.includes(":"));
    return [...(isWorldCidr(v4) ? v4 : []), ...v6];
}

function strings(v: unknown): string[] {
    const raw = rawTarget(v);
    if (raw === undefined || raw === null || isUnknown(raw)) {
        return [];
    }
    return (Array.isArray(raw) ? raw : [raw]).filter((x) => typeof x === "string" && !isUnknown(x)) as string[];
}

function portOpen(from: unknown, to: unknown, protocol: unknown, cfg: NetworkConfig): boolean {
    if (cfg.publicIngressAllowedPorts.length === 0) {
        return true;
    }
    const proto = String(protocol ?? "");
    if (proto === "-1" || proto === "all") {
        return true;
    }
    const lo = Number(from);
    const hi = Number(to ?? from);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
        return true;
    }
    if (hi - lo + 1 > cfg.publicIngressAllowedPorts.length) {
        return true; // the range is wider than the allowlist, so it opens some other port
    }
    for (let p = lo; p <= hi; p++) {
        if (!cfg.publicIngressAllowedPorts.includes(p)) {
            return true;
        }
    }
    return false;
}

function jobNetworkFindings(prefix: string, net: Record<string, any> | undefined, cfg: NetworkConfig): string[] {
    if (!cfg.requireJobNetworkIsolation) {
        return [];
    }
    return net?.enableNetworkIsolation === true ? [] : [`${prefix}enableNetworkIsolation is not true`];
}

export function networkFindings(type: string, props: Record<string, any>, cfg: NetworkConfig): string[] {
    const T = NETWORK_TYPES;
    const f: string[] = [];
    switch (type) {
        case T.model:
            if (cfg.requireModelVpc && !props.vpcConfig) {
                f.push("vpcConfig is not set: the model's containers are not attached to the platform VPC");
            }
            if (cfg.requireModelNetworkIsolation && props.enableNetworkIsolation !== true) {
                f.push("enableNetworkIsolation is not true: the model container can make outbound network calls");
            }
            break;
        case T.domain:
            if (props.appNetworkAccessType !== "VpcOnly") {
                f.push(`appNetworkAccessType is ${props.appNetworkAccessType ?? "PublicInternetOnly (default)"}; must be VpcOnly`);
            }
            break;
        case T.notebookInstance:
            if (props.directInternetAccess !== "Disabled") {
                f.push(`directInternetAccess is ${props.directInternetAccess ?? "Enabled (default)"}; must be Disabled`);
            }
            if (props.rootAccess !== "Disabled") {
                f.push(`rootAccess is ${props.rootAccess ?? "Enabled (default)"}; must be Disabled`);
            }
            break;
        case T.securityGroup: {
            const ingress = props.ingress;
            (Array.isArray(ingress) ? ingress : []).forEach((r: Record<string, any>, i: number) => {
                const open = worldOpen([...strings(r.cidrBlocks), ...strings(r.ipv6CidrBlocks)]);
                if (open.length > 0 && portOpen(r.fromPort, r.toPort, r.protocol, cfg)) {
                    f.push(`ingress[${i}] allows ${open.join(", ")} on ${r.protocol} ${r.fromPort}-${r.toPort}`);
                }
            });
            break;
        }
        case T.ingressRule: {
            const open = worldOpen([props.cidrIpv4, props.cidrIpv6].filter((c): c is string => typeof c === "string"));
            if (open.length > 0 && portOpen(props.fromPort, props.toPort, props.ipProtocol, cfg)) {
                f.push(`ingress rule allows ${open.join(", ")} on ${props.ipProtocol} ${props.fromPort ?? "all"}-${props.toPort ?? "all"}`);
            }
            break;
        }
        case T.securityGroupRule: {
            if (props.type === "ingress") {
                const open = worldOpen([...strings(props.cidrBlocks), ...strings(props.ipv6CidrBlocks)]);
                if (open.length > 0 && portOpen(props.fromPort, props.toPort, props.protocol, cfg)) {
                    f.push(`ingress rule allows ${open.join(", ")} on ${props.protocol} ${props.fromPort}-${props.toPort}`);
                }
            }
            break;
        }
        case T.dataQualityJobDefinition:
            f.push(...jobNetworkFindings("networkConfig.", props.networkConfig, cfg));
            break;
        case T.monitoringSchedule: {
            const def = props.monitoringScheduleConfig?.monitoringJobDefinition;
            if (def) {
                f.push(...jobNetworkFindings("monitoringJobDefinition.networkConfig.", def.networkConfig, cfg));
            }
            break;
        }
        case T.trainingJob:
            if (cfg.requireJobNetworkIsolation && props.enableNetworkIsolation !== true) {
                f.push("enableNetworkIsolation is not true");
            }
            if (cfg.requireModelVpc && !props.vpcConfig) {
                f.push("vpcConfig is not set: the training job does not run in the platform VPC");
            }
            break;
    }
    return f;
}

export const networkIsolation: PlatformResourcePolicy = definePolicy({
    kind: "resource",
    name: NAME,
    description: "SageMaker models, jobs, Studio and notebooks are network-isolated inside the VPC; no security group ingress from 0.0.0.0/0 or ::/0.",
    enforcementLevel: "advisory",
    exemptable: true,
    types: Object.values(NETWORK_TYPES),
    severity: "high",
    frameworks: [
        "NIST SP 800-53 SC-7",
        "CIS AWS Foundations 3.0.0 5.2/5.3 (no 0.0.0.0/0 ingress)",
        "AWS FSBP SageMaker.1",
        "AWS FSBP SageMaker.3",
        "AWS FSBP SageMaker.5",
        "AWS FSBP EC2.18",
        "AWS FSBP EC2.19",
        "Checkov CKV_AWS_122",
        "Checkov CKV_AWS_307",
        "Checkov CKV_AWS_24",
        "Checkov CKV_AWS_25",
        "Checkov CKV_AWS_260",
    ],
    tags: ["security", "network"],
    remediationSteps:
        "Give models and training jobs `vpcConfig` (private subnets + platform security group) and `enableNetworkIsolation: true`; " +
        'set Studio domains to `appNetworkAccessType: "VpcOnly"`; set notebook instances to `directInternetAccess: "Disabled"` and `rootAccess: "Disabled"`; ' +
        "set `networkConfig.enableNetworkIsolation: true` on monitoring job definitions; replace 0.0.0.0/0 and ::/0 ingress with the VPC CIDR or a source security group.",
    configSchema: {
        properties: {
            requireModelVpc: { type: "boolean", default: true },
            requireModelNetworkIsolation: { type: "boolean", default: true },
            requireJobNetworkIsolation: { type: "boolean", default: true },
            publicIngressAllowedPorts: { type: "array", items: { type: "integer" }, default: [] },
        },
    },
    validateResource: (args, reportViolation) => {
        if (!Object.values(NETWORK_TYPES).includes(args.type as never)) {
            return;
        }
        const cfg = withDefaults(args.getConfig, NETWORK_DEFAULTS);
        reportFindings(NAME, reportViolation, args, networkFindings(args.type, args.props, cfg), false, args.getConfig);
    },
});
