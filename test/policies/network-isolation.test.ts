import * as assert from "assert";
import { networkIsolation as policy } from "../../policies/rules/network-isolation";
import { exemptTags } from "./exempt";
import { UNKNOWN, envContext, messages, res, runR } from "./harness";

async function f(type: string, props: Record<string, unknown>, config?: Record<string, unknown>) {
    const o = await runR(policy, res(type, "r", props), { config });
    assert.strictEqual(o.status, "evaluated", o.reason);
    return messages(o);
}

describe("policies/network-isolation", () => {
    const M = "aws:sagemaker/model:Model";
    it("models need a VPC and network isolation (each configurable)", async () => {
        assert.strictEqual((await f(M, { executionRoleArn: "r" })).length, 2);
        assert.deepStrictEqual(await f(M, { executionRoleArn: "r", enableNetworkIsolation: true, vpcConfig: { subnets: ["s"], securityGroupIds: ["g"] } }), []);
        assert.deepStrictEqual(
            await f(M, { executionRoleArn: "r", vpcConfig: { subnets: ["s"], securityGroupIds: ["g"] } }, { requireModelNetworkIsolation: false }),
            [],
        );
        const dev = await runR(
            policy,
            res(M, "m", { executionRoleArn: "r", vpcConfig: { subnets: ["s"], securityGroupIds: ["g"] } }),
            envContext("dev", policy.name),
        );
        assert.deepStrictEqual(dev.violations, []);
    });

    it("Studio domains must be VpcOnly", async () => {
        const D = "aws:sagemaker/domain:Domain";
        assert.match((await f(D, {}))[0], /PublicInternetOnly \(default\)/);
        assert.deepStrictEqual(await f(D, { appNetworkAccessType: "VpcOnly" }), []);
    });

    it("notebooks: no direct internet, no root (defaults are Enabled)", async () => {
        const N = "aws:sagemaker/notebookInstance:NotebookInstance";
        assert.strictEqual((await f(N, { instanceType: "ml.t3.medium" })).length, 2);
        assert.deepStrictEqual(await f(N, { directInternetAccess: "Disabled", rootAccess: "Disabled" }), []);
    });

    it("security groups: inline ingress from the world fails, egress and VPC CIDRs pass", async () => {
        const SG = "aws:ec2/securityGroup:SecurityGroup";
        const bad = await f(SG, {
            ingress: [
                { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] },
                { protocol: "tcp", fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] },
            ],
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        });
        assert.strictEqual(bad.length, 2);
        assert.deepStrictEqual(await f(SG, { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"] }] }), []);
        assert.deepStrictEqual(
            await f(SG, { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] }, { publicIngressAllowedPorts: [443] }),
            [],
        );
        assert.strictEqual(
            (await f(SG, { ingress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }] }, { publicIngressAllowedPorts: [443] }))
                .length,
            1,
        );
        assert.strictEqual(
            (await f(SG, { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }, { publicIngressAllowedPorts: [443] })).length,
            1,
        );
    });

    it("separate ingress rules (vpc and ec2 flavours)", async () => {
        assert.strictEqual(
            (
                await f("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
                    securityGroupId: "sg",
                    ipProtocol: "tcp",
                    fromPort: 22,
                    toPort: 22,
                    cidrIpv4: "0.0.0.0/0",
                })
            ).length,
            1,
        );
        assert.strictEqual(
            (await f("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { securityGroupId: "sg", ipProtocol: "-1", cidrIpv6: "::/0" })).length,
            1,
        );
        assert.deepStrictEqual(
            await f("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
                securityGroupId: "sg",
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                referencedSecurityGroupId: "sg-2",
            }),
            [],
        );
        assert.strictEqual(
            (
                await f("aws:ec2/securityGroupRule:SecurityGroupRule", {
                    type: "ingress",
                    protocol: "tcp",
                    fromPort: 80,
                    toPort: 80,
                    cidrBlocks: ["0.0.0.0/0"],
                    securityGroupId: "sg",
                })
            ).length,
            1,
        );
        assert.deepStrictEqual(
            await f("aws:ec2/securityGroupRule:SecurityGroupRule", {
                type: "egress",
                protocol: "-1",
                fromPort: 0,
                toPort: 0,
                cidrBlocks: ["0.0.0.0/0"],
                securityGroupId: "sg",
            }),
            [],
        );
    });

    it("monitoring job definitions and training jobs need network isolation", async () => {
        const DQ = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition";
        assert.match((await f(DQ, { networkConfig: { enableInterContainerTrafficEncryption: true } }))[0], /networkConfig.enableNetworkIsolation/);
        assert.deepStrictEqual(await f(DQ, { networkConfig: { enableNetworkIsolation: true } }), []);
        const MS = "aws:sagemaker/monitoringSchedule:MonitoringSchedule";
        assert.strictEqual(
            (await f(MS, { monitoringScheduleConfig: { monitoringType: "DataQuality", monitoringJobDefinition: { networkConfig: {} } } })).length,
            1,
        );
        assert.deepStrictEqual(await f(MS, { monitoringScheduleConfig: { monitoringType: "DataQuality", monitoringJobDefinitionName: "dq" } }), []);
        const TJ = "aws:sagemaker/trainingJob:TrainingJob";
        assert.strictEqual((await f(TJ, {})).length, 2);
    });

    it("unknown security-group CIDRs are skipped; an unknown ingress list is not fully evaluated", async () => {
        const SG = "aws:ec2/securityGroup:SecurityGroup";
        assert.deepStrictEqual(await f(SG, { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [UNKNOWN.string] }] }), []);
        assert.strictEqual((await runR(policy, res(SG, "sg", { ingress: UNKNOWN.array }))).status, "not-evaluated");
    });

    it("exemption recorded", async () => {
        const o = await runR(
            policy,
            res("aws:ec2/securityGroup:SecurityGroup", "alb", {
                ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
                tags: exemptTags(policy.name, "public ALB for the model demo UI"),
            }),
        );
        assert.deepStrictEqual(o.violations, []);
        assert.strictEqual(o.exemptions.length, 1);
    });
});

import { corpusTests } from "./corpus-rule";
corpusTests("network-isolation");
