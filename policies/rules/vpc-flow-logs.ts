/**
 * vpc-flow-logs (stack): every VPC has a flow log (FSBP EC2.6, Checkov CKV2_AWS_11) - an aws.ec2.Vpc, and the
 * awsx.ec2.Vpc component the offline gate sees instead of its children. A flow log covers a VPC when its `vpcId`
 * depends on the VPC (or on the awsx component that is the VPC's parent, as under `pulumi preview`) or names its id.
 */
import { reportFindings } from "../lib/report";
import { knownOrUndefined, ofType, StackResource } from "../lib/stack";
import { definePolicy, PlatformStackPolicy } from "../lib/types";
import { isUnknown } from "../lib/unknowns";

const NAME = "vpc-flow-logs";
const VPC = "aws:ec2/vpc:Vpc";
const AWSX_VPC = "awsx:ec2:Vpc";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";

export function flowLogFindings(resources: StackResource[]): Map<StackResource, string[]> {
    const out = new Map<StackResource, string[]>();
    const logs = ofType(resources, FLOW_LOG);
    const covered = (v: StackResource) =>
        logs.some((l) => {
            const deps = l.propertyDependencies?.vpcId ?? [];
            if (deps.some((d) => d.urn === v.urn || (v.parent && v.parent.type === AWSX_VPC && d.urn === v.parent.urn))) return true;
            const id = knownOrUndefined(l.props, "vpcId");
            if (isUnknown(id) && deps.length === 0) return true; // computed reference we cannot attribute: not a finding
            const vid = knownOrUndefined(v.props, "id");
            return typeof id === "string" && typeof vid === "string" && id === vid;
        });
    for (const v of ofType(resources, VPC, AWSX_VPC)) {
        // A VPC child of an awsx component is judged through the component (one finding, not two).
        if (v.type === VPC && v.parent?.type === AWSX_VPC) continue;
        out.set(v, covered(v) ? [] : ["no VPC flow log (aws.ec2.FlowLog with vpcId = this VPC, trafficType ALL)"]);
    }
    return out;
}

export const vpcFlowLogs: PlatformStackPolicy = definePolicy({
    kind: "stack",
    name: NAME,
    description: "Every VPC (including the awsx Vpc component) has a VPC flow log.",
    enforcementLevel: "advisory",
    exemptable: true,
    severity: "medium",
    frameworks: ["AWS FSBP EC2.6", "Checkov CKV2_AWS_11", "CIS AWS Foundations 3.0.0 3.7", "NIST SP 800-53 AU-12"],
    tags: ["network", "audit", "monitoring"],
    remediationSteps: 'Add an aws.ec2.FlowLog with `vpcId: vpc.vpcId`, `trafficType: "ALL"` and a CloudWatch Logs or S3 destination for every VPC.',
    configSchema: { properties: {} },
    validateStack: (args, reportViolation) => {
        for (const [r, f] of flowLogFindings(args.resources)) reportFindings(NAME, reportViolation, r, f, true, args.getConfig);
    },
});
