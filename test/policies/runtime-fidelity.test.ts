/**
 * Checks that gate/evaluate.ts (the harness and the gate's runner) behaves like the real
 * @pulumi/policy analyzer: the same requests go through the runtime's own analyze/analyzeStack RPC
 * handlers (server.js) and must produce the same diagnostics.
 */
import * as assert from "assert";
import { all } from "../../policies/all";
import { ResourceInput, runResourcePolicy, runStackPolicy } from "../../gate/evaluate";
import { setExemptionSink } from "../../policies/lib/report";
import { PlatformPolicy, PlatformResourcePolicy, PlatformStackPolicy } from "../../policies/lib/types";
import { REQUIRED_TAGS, UNKNOWN, awsProvider, makeUrn, res } from "./harness";
import { endpointStack } from "./stack-fixtures";

const server = require("@pulumi/policy/server");
const pb = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

function options() {
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(false);
    return o;
}

function provider(p: ResourceInput["provider"]) {
    if (!p) {
        return undefined;
    }
    const r = new pb.AnalyzerProviderResource();
    r.setType(p.type ?? "pulumi:providers:aws");
    r.setName(p.name ?? "default");
    r.setUrn(p.urn ?? makeUrn(p.type ?? "pulumi:providers:aws", p.name ?? "default"));
    r.setProperties(Struct.fromJavaScript(p.props));
    return r;
}

interface Diag {
    policyName: string;
    message: string;
    urn: string;
    level: number;
}

function diags(resp: any): Diag[] {
    return resp
        .getDiagnosticsList()
        .map((d: any) => ({ policyName: d.getPolicyname(), message: d.getMessage(), urn: d.getUrn(), level: d.getEnforcementlevel() }));
}

function callRpc(fn: any, req: any): Promise<Diag[]> {
    return new Promise((resolve, reject) => fn({ request: req }, (err: unknown, resp: any) => (err ? reject(err) : resolve(diags(resp)))));
}

function analyze(policy: PlatformPolicy, input: ResourceInput): Promise<Diag[]> {
    const req = new pb.AnalyzeRequest();
    req.setType(input.type);
    req.setName(input.name);
    req.setUrn(input.urn!);
    req.setProperties(Struct.fromJavaScript(input.props));
    req.setOptions(options());
    const p = provider(input.provider);
    if (p) {
        req.setProvider(p);
    }
    return callRpc(server.makeAnalyzeRpcFun("ml-platform", "0.1.0", "advisory", [policy]), req);
}

function analyzeStack(policy: PlatformPolicy, inputs: ResourceInput[]): Promise<Diag[]> {
    const req = new pb.AnalyzeStackRequest();
    req.setResourcesList(
        inputs.map((input) => {
            const r = new pb.AnalyzerResource();
            r.setType(input.type);
            r.setName(input.name);
            r.setUrn(input.urn!);
            r.setProperties(Struct.fromJavaScript(input.props));
            r.setOptions(options());
            return r;
        }),
    );
    return callRpc(server.makeAnalyzeStackRpcFun("ml-platform", "0.1.0", "advisory", [policy]), req);
}

const LEVEL = { advisory: 0, mandatory: 1, remediate: 2, disabled: 3 } as Record<string, number>;

describe("policies: harness fidelity against the @pulumi/policy runtime", () => {
    let prev: ReturnType<typeof setExemptionSink>;
    before(() => {
        prev = setExemptionSink(() => undefined);
    });
    after(() => {
        setExemptionSink(prev);
    });

    const resourceCases: [string, ResourceInput][] = [
        ["missing tags", res("aws:s3/bucket:Bucket", "b", { tags: { Project: "x" } })],
        ["default tags via provider", res("aws:s3/bucket:Bucket", "b", { tags: { Project: "x" } }, { provider: awsProvider(REQUIRED_TAGS) })],
        ["unknown tags", res("aws:s3/bucket:Bucket", "b", { tags: UNKNOWN.object })],
        [
            "wildcard IAM",
            res("aws:iam/rolePolicy:RolePolicy", "p", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }),
        ],
        ["unknown policy doc", res("aws:iam/rolePolicy:RolePolicy", "p", { policy: UNKNOWN.string })],
        [
            "open security group",
            res("aws:ec2/securityGroup:SecurityGroup", "sg", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] }),
        ],
        [
            "GPU endpoint",
            res("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "e", {
                productionVariants: [{ variantName: "v", modelName: "m", instanceType: "ml.p3.2xlarge", initialInstanceCount: 9 }],
            }),
        ],
        ["rotation off", res("aws:kms/key:Key", "k", {})],
    ];

    let resourceDiagnostics = 0;
    let notEvaluated = 0;
    for (const [label, input] of resourceCases) {
        it(`resource case: ${label}`, async () => {
            for (const policy of all.filter((p) => p.kind === "resource") as PlatformResourcePolicy[]) {
                const runtime = await analyze(policy, input);
                const ours = await runResourcePolicy(policy, input);
                resourceDiagnostics += runtime.length;
                if (ours.status === "not-evaluated") {
                    notEvaluated++;
                    assert.strictEqual(runtime.length, 1, `${policy.name}: runtime reports one advisory diagnostic`);
                    assert.match(runtime[0].message, /can't run policy .* during preview/);
                    assert.ok(runtime[0].message.includes(ours.reason!), `${policy.name}: same unknown-value message`);
                    continue;
                }
                assert.deepStrictEqual(
                    runtime.map((d) => [d.policyName, d.message, d.level]),
                    ours.violations.map((v) => [v.policyName, v.message, LEVEL[v.enforcementLevel]]),
                    `${policy.name} on ${label}`,
                );
            }
        });
    }

    it("the resource cases exercised real diagnostics", () => {
        assert.ok(resourceDiagnostics >= 8, `${resourceDiagnostics} diagnostics`);
        assert.ok(notEvaluated >= 2, `${notEvaluated} not-evaluated outcomes`);
    });

    it("stack policies: same diagnostics (including URNs and advisory overrides)", async () => {
        const stacks = [
            endpointStack(),
            endpointStack({ monitor: "none", dataCapture: false, autoscaling: false, trail: false, budget: 100 }),
            [res("aws:s3/bucket:Bucket", "b", { bucket: "b" })],
        ];
        let compared = 0;
        for (const stack of stacks) {
            for (const policy of all.filter((p) => p.kind === "stack") as PlatformStackPolicy[]) {
                const runtime = await analyzeStack(policy, stack);
                const ours = await runStackPolicy(policy, stack);
                assert.deepStrictEqual(
                    runtime.map((d) => [d.policyName, d.message, d.urn, d.level]),
                    ours.violations.map((v) => [v.policyName, v.message, v.urn ?? "", LEVEL[v.enforcementLevel]]),
                    policy.name,
                );
                compared += runtime.length;
            }
        }
        assert.ok(compared >= 5, `compared ${compared} diagnostics`);
    });
});
