/**
 * The access contract (gate/access/contract.ts) for dev and prod: every needed access Allowed, every forbidden access
 * Denied, decided by the policy pack's IAM evaluator over the stack's mock run. Variants show the contract fails when a
 * policy breaks it.
 */
import assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ContractReport, formatFailure, runContract, summarize } from "../../gate/access/contract";
import { AccessModel } from "../../gate/access/model";
import { accessModelOf } from "../../gate/access/stack";
import { withDistributedMonitor, withRegisteredModel } from "../../test-support/registered-model";

function check(r: ContractReport): void {
    console.log(`      ${summarize(r)}`);
    assert.strictEqual(
        r.failures.length,
        0,
        `${r.failures.length} probe(s) of ${r.stack} failed:\n\n${r.failures.slice(0, 8).map(formatFailure).join("\n\n")}`,
    );
}

describe("access contract", function () {
    this.timeout(180000);
    const models: Record<string, AccessModel> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            models[stack] = await accessModelOf(stack);
            // With a registered model the stack also has the endpoint and the serverless monitor (issue 9, defect 4).
            models[`${stack}+model`] = await accessModelOf(stack, { configure: withRegisteredModel });
            // The distributed monitor (issue 14) in place of the single Lambda.
            models[`${stack}+distributed`] = await accessModelOf(stack, { configure: withDistributedMonitor });
        }
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack} (a fresh stack, no model yet): every needed access is allowed and every forbidden access denied`, () => {
            const r = runContract(models[stack]);
            assert.ok(r.needed > 150 && r.forbidden > 1000, `too few probes: ${summarize(r)}`);
            check(r);
        });
        it(`${stack} with the distributed monitor: its four roles do what the run needs and nothing else (worker: capture and partials; reducer: partials and reports; state machine; scheduler)`, () => {
            const r = runContract(models[`${stack}+distributed`]);
            const groups = new Set(r.outcomes.map((x) => x.probe.group));
            for (const g of ["runtime:distributed-monitor", "forbidden:distributed-monitor"]) assert.ok(groups.has(g), `${g} probes are part of the contract`);
            assert.ok(!groups.has("runtime:monitor"), "the single Lambda is replaced");
            const denied = (who: string, action: string, re: RegExp) =>
                r.outcomes.some(
                    (x) => x.probe.expect === "Denied" && x.ok && x.probe.principal === who && x.probe.action === action && re.test(x.probe.resource),
                );
            assert.ok(denied("monitorReduce", "s3:GetObject", /capture.*\/datacapture\//), "the reducer cannot read capture");
            assert.ok(denied("monitorWorker", "s3:PutObject", /\/reports\/data-quality\//), "the worker cannot write reports");
            assert.ok(denied("monitorWorker", "s3:GetObject", /\/raw\/|adult/), "the worker cannot read other prefixes");
            // the state machine's data under the monitoring (logs) key: only its execution role, under its own ARN; the
            // read-only CI role decrypts (the definition, for refresh) through Step Functions only
            const smKey = (x: (typeof r.outcomes)[number]) =>
                x.probe.resource === models[`${stack}+distributed`].key("logs").arn &&
                JSON.stringify(x.probe.context ?? {}).includes("aws:states:stateMachineArn");
            const allowedOnSmKey = r.outcomes.filter((x) => smKey(x) && x.probe.expect === "Allowed").map((x) => `${x.probe.principal} ${x.probe.action}`);
            assert.deepStrictEqual(allowedOnSmKey.sort(), ["ciReadOnly kms:Decrypt", "monitorStates kms:Decrypt", "monitorStates kms:GenerateDataKey"]);
            assert.ok(
                r.outcomes
                    .filter((x) => smKey(x) && x.probe.expect === "Allowed" && x.probe.principal === "ciReadOnly")
                    .every((x) => (x.probe.context as Record<string, string>)["kms:ViaService"]?.startsWith("states.")),
                "the read-only role's decrypt is probed through Step Functions",
            );
            for (const who of ["monitorScheduler", "monitorWorker", "monitorReduce", "ciDeploy"])
                assert.ok(
                    r.outcomes.some((x) => smKey(x) && x.probe.expect === "Denied" && x.probe.principal === who),
                    `${who} is probed (and must be denied) on the state machine's data`,
                );
            assert.ok(
                r.outcomes.some((x) => x.probe.principal === "delivery.logs.amazonaws.com" && x.probe.expect === "Allowed"),
                "CloudWatch Logs' delivery decrypts the state machine's log deliveries",
            );
            check(r);
        });
        it(`${stack} with a registered model (endpoint and serverless monitor): the contract holds`, () => {
            const r = runContract(models[`${stack}+model`]);
            assert.ok(
                r.outcomes.some((x) => x.probe.group === "runtime:monitor"),
                "the monitor's probes are part of the contract",
            );
            assert.ok(r.needed > runContract(models[stack]).needed, "the endpoint adds needed accesses");
            check(r);
        });
    }

    it("prod with administrators, break-glass and auditors configured: the contract holds for them too", async () => {
        const m = await accessModelOf("prod", {
            configure: (raw) => ({
                ...withRegisteredModel(raw),
                "mlplatform:security": {
                    ...(raw["mlplatform:security"] as object),
                    adminRoleArns: ["arn:aws:iam::123456789012:role/platform-admin"],
                    auditorRoleArns: ["arn:aws:iam::123456789012:role/security-auditor"],
                    breakGlassRoleArns: ["arn:aws:iam::123456789012:role/break-glass"],
                },
            }),
        });
        assert.ok(m.roles.some((r) => r.key === "admin:1") && m.roles.some((r) => r.key === "auditor:1") && m.roles.some((r) => r.key === "breakGlass:1"));
        const r = runContract(m);
        assert.ok(r.outcomes.some((x) => x.probe.principal === "admin:1" && x.probe.group === "step:train"));
        assert.ok(r.outcomes.some((x) => x.probe.principal === "auditor:1" && x.probe.group === "auditor"));
        check(r);
    });

    it("prod with administrators and the distributed monitor: they deploy the encrypted state machine through Step Functions; the contract fails when the logs key policy drops the execution role's statement (variant)", async () => {
        const admins = (raw: Record<string, unknown>) => ({
            ...withDistributedMonitor(raw as never),
            "mlplatform:security": { ...(raw["mlplatform:security"] as object), adminRoleArns: ["arn:aws:iam::123456789012:role/platform-admin"] },
        });
        const r = runContract(await accessModelOf("prod", { configure: admins }));
        for (const a of ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"])
            assert.ok(
                r.outcomes.some(
                    (x) => x.probe.principal === "admin:1" && x.probe.action === a && x.probe.context?.["kms:ViaService"] === "states.us-east-1.amazonaws.com",
                ),
                `admin:1 ${a} through Step Functions is probed`,
            );
        check(r);
        const broken = runContract(
            await accessModelOf("prod", {
                configure: admins,
                transformations: [
                    editPolicy(
                        "aws:kms/key:Key",
                        (n) => n === "security-logs",
                        "policy",
                        (doc) => ({ ...doc, Statement: doc.Statement.filter((s: any) => s.Sid !== "DistributedMonitorStateMachineExecutionData") }),
                    ),
                ],
            }),
        );
        assert.deepStrictEqual(
            broken.failures.map((x) => `${x.probe.principal} ${x.probe.action}`).sort(),
            ["monitorStates kms:Decrypt", "monitorStates kms:GenerateDataKey"],
            "only the execution role loses its execution data",
        );
    });

    it("the model sees every role, key, bucket, topic and function of prod", () => {
        const m = models["prod+model"];
        assert.deepStrictEqual(m.keys.map((k) => k.purpose).sort(), ["artifacts", "data", "logs"]);
        assert.deepStrictEqual(m.buckets.map((b) => b.purpose).sort(), ["accessLogs", "artifacts", "audit", "capture", "curated", "monitoring", "raw"]);
        for (const r of [
            "processing",
            "training",
            "hosting",
            "monitoring",
            "featureStore",
            "pipeline",
            "ciDeploy",
            "serverlessMonitor",
            "flowLogs",
            "budgetAction",
            "trailToLogs",
        ])
            assert.ok(m.role(r).identity.length > 0, r);
        assert.ok(m.role("training").boundary, "training has a permissions boundary");
        assert.strictEqual(m.topics.length, 1);
        assert.ok(m.topics[0].policy && m.topics[0].kmsKeyArn);
        assert.strictEqual(m.functions.length, 1);
        assert.ok(m.functions[0].policy, "the monitor's Lambda permission is its resource policy");
        assert.deepStrictEqual(m.notes, []);
        assert.strictEqual(m.bucket("raw").kmsKeyArn, m.key("data").arn);
        assert.strictEqual(m.bucket("audit").kmsKeyArn, m.key("logs").arn);
    });

    /** A stack transformation that rewrites one resource's JSON policy input. */
    function editPolicy(type: string, match: (name: string) => boolean, prop: string, edit: (doc: any) => any): pulumi.ResourceTransformation {
        return (args) => {
            if (args.type !== type || !match(args.name)) return undefined;
            const props = { ...args.props };
            props[prop] = pulumi.output(props[prop]).apply((p: string) => JSON.stringify(edit(JSON.parse(p))));
            return { props, opts: args.opts };
        };
    }

    it("fails when the data key policy no longer covers the monitor role (variant)", async () => {
        // Remove the monitor's own statement and the account delegation of key use (the root principal in the use
        // statements; KeyAdministration stays): the monitor's IAM grant for kms:Decrypt then has no effect.
        const m = await accessModelOf("prod", {
            configure: withRegisteredModel,
            transformations: [
                editPolicy(
                    "aws:kms/key:Key",
                    (n) => n === "security-data",
                    "policy",
                    (doc) => ({
                        ...doc,
                        Statement: doc.Statement.filter((s: any) => !JSON.stringify(s.Principal ?? {}).includes("serverless-monitor")).map((s: any) =>
                            s.Sid === "KeyAdministration" || !s.Principal?.AWS
                                ? s
                                : { ...s, Principal: { AWS: [].concat(s.Principal.AWS).filter((p: string) => !p.endsWith(":root")) } },
                        ),
                    }),
                ),
            ],
        });
        const r = runContract(m);
        const f = r.failures.find((x) => x.probe.group === "runtime:monitor" && x.probe.action === "s3:GetObject" && /capture/.test(x.probe.resource));
        assert.ok(f, `the monitor's capture read must fail; failures: ${r.failures.map((x) => x.probe.why).join("; ")}`);
        const text = formatFailure(f!);
        // The failure explains itself: principal, action, resource, context and the deciding policy.
        assert.match(text, /DENIED: role serverlessMonitor → s3:GetObject on arn:aws:s3:::mlp-prod-capture-/);
        assert.match(text, /ImplicitlyDenied +kms:Decrypt on the data key \(S3 calls KMS for the caller\)/);
        assert.match(text, /resource policy: key policy of the data key/);
        assert.match(text, /kms:ViaService=s3\.us-east-1\.amazonaws\.com/);
    });

    it("fails when a bucket policy admits anonymous reads (variant)", async () => {
        const m = await accessModelOf("dev", {
            transformations: [
                editPolicy(
                    "aws:s3/bucketPolicy:BucketPolicy",
                    (n) => /curated/.test(n),
                    "policy",
                    (doc) => ({
                        ...doc,
                        Statement: [
                            ...doc.Statement,
                            { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${doc.Statement[0].Resource[0]}/*` },
                        ],
                    }),
                ),
            ],
        });
        const r = runContract(m);
        const f = r.failures.filter((x) => x.probe.group === "forbidden:anonymous" && x.probe.action === "s3:GetObject");
        assert.strictEqual(f.length, 1, r.failures.map((x) => x.probe.why).join("; "));
        assert.match(formatFailure(f[0]), /deciding: bucket policy of curated \(mlp-dev-curated-[0-9a-f]+\) Sid "PublicRead" \(Allow\)/);
    });

    it("fails when the pipeline may pass any role (variant)", async () => {
        const m = await accessModelOf("dev", {
            transformations: [
                editPolicy(
                    "aws:iam/rolePolicy:RolePolicy",
                    (n) => /job-control-pipeline/.test(n),
                    "policy",
                    (doc) => ({
                        ...doc,
                        Statement: [...doc.Statement, { Sid: "PassAnything", Effect: "Allow", Action: "iam:PassRole", Resource: "*" }],
                    }),
                ),
            ],
        });
        const r = runContract(m);
        const passes = r.failures.filter((x) => x.probe.group === "forbidden:iam-escalation" && x.probe.action === "iam:PassRole");
        assert.ok(
            passes.some((x) => x.probe.resource.endsWith("mlp-dev-ci-deploy")),
            r.failures.map((x) => x.probe.why).join("; "),
        );
    });
});
