/**
 * vpc-default-deny: the VPC's default security group allows nothing (FSBP EC2.2 / Checkov CKV2_AWS_12: resources
 * that land in it by accident must not get traffic), and no network ACL admits the internet to administration ports
 * or to every port (FSBP EC2.21; Checkov CKV_AWS_229-232). World ranges are judged by the addresses they cover
 * (`0.0.0.0/0`, `0.0.0.0/1` + `128.0.0.0/1`, every spelling of `::/0`).
 */
import { isWorldCidr } from "../lib/iam/analysis";
import { resourceRule } from "../lib/types";
import { isUnknown } from "../lib/unknowns";

const T = {
    defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    naclRule: "aws:ec2/networkAclRule:NetworkAclRule",
    nacl: "aws:ec2/networkAcl:NetworkAcl",
    defaultNacl: "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
};

export const ADMIN_PORTS = [22, 3389];

function opensAdmin(protocol: unknown, from: unknown, to: unknown): string | undefined {
    const p = String(protocol ?? "").toLowerCase();
    if (p === "-1" || p === "all") return "all traffic";
    const lo = Number(from);
    const hi = Number(to ?? from);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return undefined;
    if (lo === 0 && hi >= 65535) return "every port";
    const hit = ADMIN_PORTS.filter((x) => x >= lo && x <= hi);
    return hit.length ? `port(s) ${hit.join(", ")}` : undefined;
}

function ruleFinding(r: Record<string, any>, where: string): string | undefined {
    if (!r || isUnknown(r)) return undefined;
    const action = String(r.ruleAction ?? r.action ?? "").toLowerCase();
    if (action !== "allow") return undefined;
    const cidrs = [r.cidrBlock, r.ipv6CidrBlock].filter((c) => typeof c === "string") as string[];
    if (!isWorldCidr(cidrs)) return undefined;
    const what = opensAdmin(r.protocol, r.fromPort, r.toPort);
    return what ? `${where} allows ${cidrs.join(", ")} to ${what}` : undefined;
}

export const vpcDefaultDeny = resourceRule(
    {
        name: "vpc-default-deny",
        description: "The default security group has no rules, and no network ACL admits the internet to SSH/RDP or to every port.",
        severity: "high",
        exemptable: true,
        frameworks: [
            "AWS FSBP EC2.2",
            "AWS FSBP EC2.21",
            "Checkov CKV2_AWS_12",
            "Checkov CKV_AWS_229",
            "Checkov CKV_AWS_230",
            "Checkov CKV_AWS_231",
            "Checkov CKV_AWS_232",
            "CIS AWS Foundations 3.0.0 5.1",
            "CIS AWS Foundations 3.0.0 5.4",
        ],
        tags: ["security", "network"],
        remediationSteps:
            "Declare aws.ec2.DefaultSecurityGroup with no ingress and no egress; restrict NACL ingress allow rules to the VPC CIDR or to the ports a public load balancer serves (never 22/3389 or all ports from 0.0.0.0/0 or ::/0).",
    },
    Object.values(T),
    {},
    (type, props) => {
        const f: string[] = [];
        if (type === T.defaultSg) {
            for (const dir of ["ingress", "egress"]) {
                const rules = props[dir];
                if (Array.isArray(rules) && rules.length > 0) f.push(`the default security group has ${rules.length} ${dir} rule(s): it must allow nothing`);
            }
        } else if (type === T.naclRule) {
            if (props.egress !== true) {
                const x = ruleFinding(props, `ingress rule ${props.ruleNumber ?? ""}`.trim());
                if (x) f.push(x);
            }
        } else {
            const ingress = props.ingress;
            (Array.isArray(ingress) ? ingress : []).forEach((r: Record<string, any>, i: number) => {
                const x = ruleFinding(r, `ingress[${i}]`);
                if (x) f.push(x);
            });
        }
        return f;
    },
);
