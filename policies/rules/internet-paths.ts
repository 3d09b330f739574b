/**
 * internet-paths: in environments that forbid it (prod), nothing gives the VPC a path to or from the internet -
 * internet gateways (and their attachments), NAT gateways (public connectivity), egress-only internet gateways,
 * routes or route-table entries that target them, subnets that map public IPs on launch (FSBP EC2.15), and Elastic IPs.
 *
 * The offline gate sees an awsx.ec2.Vpc as one remote component without children ("network-vpc (0 resources)"), so
 * its own inputs are judged too: `natGateways.strategy` other than "None" (awsx's default is one NAT per AZ), and
 * `subnetSpecs` that are absent (awsx's default layout has public subnets) or contain a "Public" subnet
 * (https://www.pulumi.com/registry/packages/awsx/api-docs/ec2/vpc/). Under `pulumi preview` the children are visible
 * and are judged by the same rule, so the verdict holds both ways.
 */
import { resourceRule } from "../lib/types";
import { isUnknown, knownKeys, needKnown, peek } from "../lib/unknowns";

const T = {
    igw: "aws:ec2/internetGateway:InternetGateway",
    igwAttachment: "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
    nat: "aws:ec2/natGateway:NatGateway",
    eigw: "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    route: "aws:ec2/route:Route",
    routeTable: "aws:ec2/routeTable:RouteTable",
    defaultRouteTable: "aws:ec2/defaultRouteTable:DefaultRouteTable",
    subnet: "aws:ec2/subnet:Subnet",
    eip: "aws:ec2/eip:Eip",
    awsxVpc: "awsx:ec2:Vpc",
};

function routeTarget(r: Record<string, any>): string | undefined {
    const gw = peek(r, "gatewayId");
    if (gw.known && typeof gw.value === "string" && /^igw-/.test(gw.value)) return `internet gateway ${gw.value}`;
    for (const [k, what] of [
        ["natGatewayId", "NAT gateway"],
        ["egressOnlyGatewayId", "egress-only internet gateway"],
    ] as const) {
        const p = peek(r, k);
        if (!p.known || (typeof p.value === "string" && p.value !== "")) return `${what}${p.known ? ` ${p.value}` : ""}`;
    }
    return undefined;
}

export const internetPaths = resourceRule(
    {
        name: "internet-paths",
        description:
            "No internet path in environments that forbid one: no internet, NAT or egress-only gateways, no routes to them, no subnets mapping public IPs, no Elastic IPs; the awsx Vpc's NAT strategy and subnet layout are judged as inputs.",
        severity: "high",
        exemptable: true,
        frameworks: ["AWS FSBP EC2.15", "AWS FSBP EC2.9", "Checkov CKV_AWS_130", "NIST SP 800-53 SC-7"],
        tags: ["security", "network"],
        remediationSteps:
            'Use isolated subnets and VPC endpoints (awsx.ec2.Vpc with `natGateways: { strategy: "None" }` and `subnetSpecs: [{ type: "Isolated" }]`); ' +
            "remove internet/NAT/egress-only gateways, routes to them, Elastic IPs and `mapPublicIpOnLaunch`. Reach AWS services through interface/gateway endpoints.",
    },
    Object.values(T),
    {},
    (type, props) => {
        const f: string[] = [];
        switch (type) {
            case T.igw:
                f.push("internet gateway: the VPC gets a path to and from the internet");
                break;
            case T.igwAttachment:
                f.push("internet gateway attached to the VPC");
                break;
            case T.nat:
                if (props.connectivityType !== "private") f.push("public NAT gateway: private subnets get outbound internet access");
                break;
            case T.eigw:
                f.push("egress-only internet gateway: IPv6 outbound internet access");
                break;
            case T.route: {
                const t = routeTarget(props);
                if (t) f.push(`route ${props.destinationCidrBlock ?? props.destinationIpv6CidrBlock ?? ""} to ${t}`.replace("  ", " "));
                break;
            }
            case T.routeTable:
            case T.defaultRouteTable: {
                const routes = props.routes ?? props.route;
                (Array.isArray(routes) ? routes : []).forEach((r: Record<string, any>, i: number) => {
                    const t = routeTarget(r);
                    if (t) f.push(`routes[${i}] sends ${r.cidrBlock ?? r.ipv6CidrBlock ?? "traffic"} to ${t}`);
                });
                break;
            }
            case T.subnet:
                if (props.mapPublicIpOnLaunch === true) f.push("mapPublicIpOnLaunch is true: instances launched here get public IPv4 addresses");
                break;
            case T.eip:
                f.push("Elastic IP: a public IPv4 address in the account");
                break;
            case T.awsxVpc: {
                // A stack export records no inputs for component resources; the awsx children (recorded in the
                // export) are judged instead, and the component itself is "not evaluated".
                if (knownKeys(props).length === 0) needKnown("object", ["natGateways"]);
                const nat = props.natGateways;
                const strategy = nat ? nat.strategy : undefined;
                if (strategy !== "None") f.push(`natGateways.strategy is ${strategy ?? "unset (awsx default: one NAT gateway per AZ)"}; must be "None"`);
                const specs = props.subnetSpecs;
                if (specs === undefined || specs === null)
                    f.push("subnetSpecs is unset: awsx's default layout creates public subnets with an internet gateway");
                else if (Array.isArray(specs)) {
                    specs.forEach((s: Record<string, any>, i: number) => {
                        if (s && !isUnknown(s) && s.type === "Public")
                            f.push(`subnetSpecs[${i}] (${s.name ?? "public"}) is a Public subnet: internet gateway and public IPs`);
                    });
                }
                break;
            }
        }
        return f;
    },
);
