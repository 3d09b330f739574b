/**
 * Insecure-variant corpus: deliberately insecure variations of the real platform program (stack transformations that
 * change one named resource) and of its stack config, each run through the whole offline gate (program on the mock
 * runtime + the CrossGuard pack with the environment's pack config). Every variant asserts that the intended policy
 * reports a violation at the intended level on the intended resource; every group asserts that nothing else changed
 * (each violation the clean program does not have is claimed by one of the group's variants).
 *
 * Variants that touch different resources share one program run (a group); each variant keeps its own assertion.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { RawConfig } from "../../infra/config";
import { evaluatePack, exitCode, GateReport, GateViolation, inputsFromRun, runGate } from "../../gate/gate";
import { withRegisteredModel } from "../../test-support/registered-model";
import { ProgramRun } from "../../gate/runtime";
import { alsoDeclare, CountingTransformation, doc, fresh, nested, on, Props, roleAttachment, withTags } from "./variants";

const ROOT = path.resolve(__dirname, "..", "..");
const packConfig = (env: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${env}.json`), "utf8")) as Record<string, any>;

const T = {
    bucket: "aws:s3/bucket:Bucket",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    key: "aws:kms/key:Key",
    endpointConfig: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    endpoint: "aws:sagemaker/endpoint:Endpoint",
    model: "aws:sagemaker/model:Model",
    featureGroup: "aws:sagemaker/featureGroup:FeatureGroup",
    dqJob: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    trail: "aws:cloudtrail/trail:Trail",
    topic: "aws:sns/topic:Topic",
    budget: "aws:budgets/budget:Budget",
    target: "aws:appautoscaling/target:Target",
    provider: "pulumi:providers:aws",
};

interface Expectation {
    /** What is insecure, as a test title. */
    id: string;
    policy: string;
    /** The resource the violation must name; omitted = a stack-level finding (no URN). */
    type?: string;
    name?: string;
    message: RegExp;
    /** Default: mandatory. */
    level?: string;
}

interface Group {
    title: string;
    stack: "dev" | "prod";
    configure?: (raw: RawConfig) => RawConfig;
    /** A factory: the transformations count their hits (fresh ones per run). */
    transformations?: () => CountingTransformation[];
    expect: Expectation[];
    /**
     * Violations a variant causes beyond the intended one, each with the reason it is expected (asserted present, so a
     * stale entry fails too).
     */
    sideEffects?: { policy: string; type?: string; name?: string; message: RegExp; level: string; why: string }[];
    /** Further checks on the same run (variants whose result is not a violation). */
    extra?: { id: string; check: (ctx: { report: GateReport; run: ProgramRun; added: GateViolation[]; baseline: GateReport }) => void | Promise<void> }[];
}

const setIn = (raw: RawConfig, key: string, change: (v: Props) => Props): RawConfig => ({
    ...raw,
    [`mlplatform:${key}`]: change({ ...((raw[`mlplatform:${key}`] as Props) ?? {}) }),
});

/** Replaces the statement with this Sid. */
const statement = (sid: string, change: (s: Props) => Props) => (d: { Statement: Props[] }) => {
    assert.ok(
        d.Statement.some((s) => s.Sid === sid),
        `statement ${sid} exists in the program's policy`,
    );
    return { ...d, Statement: d.Statement.map((s) => (s.Sid === sid ? change({ ...s }) : s)) };
};

const EXEMPTION_REASON = "vendor container needs outbound calls until the vendor ships an offline image";

const GROUPS: Group[] = [
    {
        title: "prod program, group 1",
        stack: "prod",
        transformations: () => [
            on(T.sse, "datalake-raw", (p) => ({ ...p, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] })),
            on(T.rolePolicy, "datalake-curated-read-training", (p) => ({
                ...p,
                policy: doc(p.policy, (d) => ({
                    ...d,
                    Statement: [...d.Statement, { Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::mlp-prod-curated-*" }],
                })),
            })),
            on(T.rolePolicy, "mlp-prod-model-deployment-ciDeploy", (p) => ({
                ...p,
                policy: doc(
                    p.policy,
                    statement("PassOnlyTheHostingRole", (s) => ({ ...s, Resource: "*" })),
                ),
            })),
            on(T.role, "security-monitoring", (p) => ({
                ...p,
                assumeRolePolicy: doc(p.assumeRolePolicy, (d) => ({ ...d, Statement: d.Statement.map((s) => ({ ...s, Principal: "*" })) })),
            })),
            on(T.key, "security-logs", (p) => ({
                ...p,
                policy: doc(p.policy, (d) => ({
                    ...d,
                    Statement: [...d.Statement, { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" }],
                })),
            })),
            on(T.endpointConfig, "endpoint-config", (p) => ({ ...p, kmsKeyArn: undefined })),
            on(T.ingress, "network-endpoints-from-vpc", (p) => ({ ...p, cidrIpv4: "0.0.0.0/0" })),
            on(T.logGroup, "observability-monitor-logs", (p) => ({ ...p, tags: withTags(p.tags, { Environment: "dev" }) })),
            on(T.logGroup, "observability-endpoint-logs", (p) => ({ ...p, retentionInDays: undefined })),
            on(T.trail, "audit-trail", (p) => ({ ...p, enableLogFileValidation: false })),
            on(T.model, "endpoint-variant-champion", (p) => ({ ...p, enableNetworkIsolation: false })),
            on(T.featureGroup, "featurestore-adult-census", (p) => ({
                ...p,
                onlineStoreConfig: nested<Props>(p.onlineStoreConfig, (o) => ({ ...o, securityConfig: undefined })),
            })),
            // Required tags gone twice over: the topic's own tags (written by the program's tag transformation) AND
            // the provider's default tags.
            on(T.topic, "alerts-topic", (p) => ({ ...p, tags: undefined })),
            on(T.provider, "platform", (p) => ({ ...p, defaultTags: undefined })),
        ],
        expect: [
            {
                id: "bucket with SSE-S3 (AES256) instead of SSE-KMS",
                policy: "s3-encryption-and-tls",
                type: T.bucket,
                name: "datalake-raw",
                message: /AES256|aws:kms|KMS/,
            },
            { id: "role policy granting s3:*", policy: "least-privilege-iam", type: T.rolePolicy, name: "datalake-curated-read-training", message: /s3:\*/ },
            {
                id: 'iam:PassRole on Resource "*"',
                policy: "least-privilege-iam",
                type: T.rolePolicy,
                name: "mlp-prod-model-deployment-ciDeploy",
                message: /iam:PassRole on \*/,
            },
            { id: 'role trust policy with Principal "*"', policy: "least-privilege-iam", type: T.role, name: "security-monitoring", message: /\*/ },
            { id: "KMS key policy with a wildcard principal", policy: "least-privilege-iam", type: T.key, name: "security-logs", message: /principal|\*/i },
            {
                id: "endpoint config without a KMS key",
                policy: "encryption-at-rest-and-in-transit",
                type: T.endpointConfig,
                name: "endpoint-config",
                message: /kmsKeyArn is not set/,
            },
            {
                id: "security-group ingress from 0.0.0.0/0",
                policy: "network-isolation",
                type: T.ingress,
                name: "network-endpoints-from-vpc",
                message: /0\.0\.0\.0\/0/,
            },
            {
                id: "wrong Environment tag value (dev in prod)",
                policy: "required-tags",
                type: T.logGroup,
                name: "observability-monitor-logs",
                message: /Environment/,
            },
            {
                id: "log group without retention",
                policy: "monitoring-coverage",
                type: T.logGroup,
                name: "observability-endpoint-logs",
                message: /retentionInDays is not set/,
            },
            { id: "trail without log-file validation", policy: "monitoring-coverage", message: /no CloudTrail trail has enableLogFileValidation: true/ },
            {
                id: "model without network isolation",
                policy: "network-isolation",
                type: T.model,
                name: "endpoint-variant-champion",
                message: /enableNetworkIsolation/,
            },
            {
                id: "feature group online store without KMS",
                policy: "encryption-at-rest-and-in-transit",
                type: T.featureGroup,
                name: "featurestore-adult-census",
                message: /onlineStoreConfig\.securityConfig\.kmsKeyId is not set/,
            },
            {
                id: "missing required tags (resource tags and provider default tags removed)",
                policy: "required-tags",
                type: T.topic,
                name: "alerts-topic",
                message: /Project|Environment|Owner|CostCenter|DataClassification/,
            },
        ],
        sideEffects: [
            {
                policy: "resource-policy-external-access",
                type: T.key,
                name: "security-logs",
                message: /lets anyone outside the account do kms:Decrypt/,
                level: "mandatory",
                why: "a wildcard principal on a key policy is also external access (Access Analyzer view)",
            },
            {
                policy: "iam-privilege-escalation",
                type: T.rolePolicy,
                name: "mlp-prod-model-deployment-ciDeploy",
                message: /privilege escalation iam:PassRole on \*/,
                level: "mandatory",
                why: "iam:PassRole on every role is also privilege escalation",
            },
        ],
    },
    {
        title: "prod program, group 2",
        stack: "prod",
        transformations: () => [
            on(T.sse, "datalake-curated", (p) => ({
                ...p,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
            })),
            on(T.rolePolicy, "mlp-prod-model-deployment-pipeline", (p) => ({
                ...p,
                policy: doc(p.policy, (d) => ({
                    ...d,
                    Statement: d.Statement.map((s) => (JSON.stringify(s.Action).includes("iam:PassRole") ? { ...s, Condition: undefined } : s)),
                })),
            })),
            alsoDeclare(T.role, "security-hosting", (p) =>
                roleAttachment("variant-hosting-admin", p.name ?? "mlp-prod-hosting", "arn:aws:iam::aws:policy/AdministratorAccess"),
            ),
            on(T.role, "security-processing", (p) => ({ ...p, managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"] })),
            on(T.endpointConfig, "endpoint-config", (p) => ({
                ...p,
                dataCaptureConfig: nested<Props>(p.dataCaptureConfig, (c) => ({ ...c, kmsKeyId: undefined })),
                productionVariants: nested<Props[]>(p.productionVariants, (vs) =>
                    vs.map((v) => (v.variantName === "challenger" ? { ...v, initialInstanceCount: 1 } : v)),
                ),
            })),
            on(T.ingress, "network-jobs-from-self", (p) => ({ ...p, referencedSecurityGroupId: undefined, cidrIpv6: "::/0" })),
            on(T.logGroup, "serverless-monitor-logs", (p) => ({ ...p, kmsKeyId: undefined })),
            on(T.topic, "alerts-topic", (p) => ({ ...p, kmsMasterKeyId: undefined })),
            on(T.model, "endpoint-variant-challenger", (p) => ({ ...p, vpcConfig: undefined })),
            on(T.budget, "cost-budget", (p) => ({ ...p, notifications: [] })),
            // Not insecure: a resource without its own tags is still covered by the provider's default tags.
            on(T.logGroup, "observability-monitor-logs", (p) => ({ ...p, tags: undefined })),
            on(T.key, "security-artifacts", (p) => ({ ...p, enableKeyRotation: false })),
        ],
        expect: [
            {
                id: "bucket with SSE-KMS but the AWS-managed key (no customer-managed key)",
                policy: "s3-encryption-and-tls",
                type: T.bucket,
                name: "datalake-curated",
                message: /kms|KMS/,
            },
            {
                id: "iam:PassRole without iam:PassedToService",
                policy: "least-privilege-iam",
                type: T.rolePolicy,
                name: "mlp-prod-model-deployment-pipeline",
                message: /without an iam:PassedToService condition/,
            },
            {
                id: "AdministratorAccess attached to a role",
                policy: "least-privilege-iam",
                type: T.attachment,
                name: "variant-hosting-admin",
                message: /AdministratorAccess/,
            },
            {
                id: "AWS-managed *FullAccess policy on a role",
                policy: "least-privilege-iam",
                type: T.role,
                name: "security-processing",
                message: /AmazonSageMakerFullAccess/,
            },
            {
                id: "data capture without kmsKeyId",
                policy: "encryption-at-rest-and-in-transit",
                type: T.endpointConfig,
                name: "endpoint-config",
                message: /dataCaptureConfig\.kmsKeyId is not set/,
            },
            {
                id: "single-instance production variant in prod",
                policy: "instance-types-and-capacity",
                type: T.endpointConfig,
                name: "endpoint-config",
                message: /challenger|instance/,
            },
            { id: "security-group ingress from ::/0", policy: "network-isolation", type: T.ingress, name: "network-jobs-from-self", message: /::\/0/ },
            {
                id: "log group without KMS",
                policy: "encryption-at-rest-and-in-transit",
                type: T.logGroup,
                name: "serverless-monitor-logs",
                message: /kmsKeyId is not set/,
            },
            {
                id: "SNS topic without KMS",
                policy: "encryption-at-rest-and-in-transit",
                type: T.topic,
                name: "alerts-topic",
                message: /kmsMasterKeyId is not set/,
            },
            { id: "model without VPC", policy: "network-isolation", type: T.model, name: "endpoint-variant-challenger", message: /vpcConfig/ },
            { id: "budget without notifications", policy: "monitoring-coverage", message: /no AWS Budget has a notification with subscribers/ },
        ],
        sideEffects: [
            {
                policy: "iam-privilege-escalation",
                type: T.attachment,
                name: "variant-hosting-admin",
                message: /attaches AdministratorAccess/,
                level: "mandatory",
                why: "AdministratorAccess is administrator access (the non-exemptable rule)",
            },
        ],
        extra: [
            {
                id: "a resource without its own tags but with the provider's default tags is compliant (no required-tags finding)",
                check: ({ run, added }) => {
                    const lg = run.resources.find((r) => r.type === T.logGroup && r.name === "observability-monitor-logs")!;
                    assert.equal(lg.inputs.tags, undefined, "the variant really dropped the log group's own tags");
                    const provider = run.resources.find((r) => r.type === T.provider && r.name === "platform")!;
                    assert.match(JSON.stringify(provider.inputs.defaultTags), /Environment/);
                    assert.deepEqual(added.filter((v) => v.name === "observability-monitor-logs").map(describeV), []);
                },
            },
            {
                id: "KMS key without rotation, prod ('remediate'): the gate reports the remediation the engine applies, no violation remains",
                check: ({ run, report, added }) => {
                    const key = run.resources.find((r) => r.type === T.key && r.name === "security-artifacts")!;
                    assert.equal(key.inputs.enableKeyRotation, false, "the variant really disabled rotation");
                    assert.deepEqual(
                        report.remediations.map((r) => ({ policy: r.policy, urn: r.urn, changed: r.changed })),
                        [{ policy: "encryption-at-rest-and-in-transit", urn: key.urn, changed: ["enableKeyRotation"] }],
                    );
                    assert.deepEqual(added.filter((v) => v.name === "security-artifacts").map(describeV), []);
                },
            },
            {
                id: "KMS key without rotation with encryption at 'mandatory' (no remediation): a mandatory violation on the key",
                check: async ({ run }) => {
                    const cfg = packConfig("prod");
                    cfg["encryption-at-rest-and-in-transit"].enforcementLevel = "mandatory";
                    const r = await evaluatePack(inputsFromRun(run), {
                        stack: "prod",
                        packConfig: cfg,
                        packConfigFile: "prod.json with encryption mandatory",
                        source: "program",
                        mode: "update",
                    });
                    assert.deepEqual(r.remediations, []);
                    const hit = r.violations.filter(
                        (v) => v.policy === "encryption-at-rest-and-in-transit" && v.type === T.key && v.name === "security-artifacts",
                    );
                    assert.deepEqual(
                        hit.map((v) => [v.enforcementLevel, /enableKeyRotation is not true/.test(v.message)]),
                        [["mandatory", true]],
                    );
                },
            },
        ],
    },
    {
        title: "prod program with the Model Monitor schedule switched on, group 3",
        stack: "prod",
        configure: (raw) => setIn(raw, "monitoring", (m) => ({ ...m, modelMonitorSchedule: true })),
        transformations: () => [
            on(T.dqJob, "model-monitor-dq", (p) => ({
                ...p,
                networkConfig: nested<Props>(p.networkConfig, (n) => ({ ...n, enableInterContainerTrafficEncryption: false })),
            })),
            on(T.endpointConfig, "endpoint-config", (p) => ({ ...p, dataCaptureConfig: undefined })),
            on(T.target, "endpoint-scaling-challenger", (p) => ({ ...p, resourceId: "endpoint/mlp-prod-endpoint/variant/champion" })),
            on(T.model, "endpoint-variant-champion", (p) => ({
                ...p,
                enableNetworkIsolation: false,
                tags: withTags(p.tags, {
                    "mlplatform:policy-exemption:network-isolation": EXEMPTION_REASON,
                    "mlplatform:policy-exemption:network-isolation:ticket": "SEC-481",
                    "mlplatform:policy-exemption:network-isolation:expires": "2027-03-31",
                }),
            })),
        ],
        expect: [
            {
                id: "monitoring job definition without inter-container encryption",
                policy: "encryption-at-rest-and-in-transit",
                type: T.dqJob,
                name: "model-monitor-dq",
                message: /enableInterContainerTrafficEncryption is not true/,
            },
            { id: "endpoint config without data capture", policy: "monitoring-coverage", type: T.endpointConfig, name: "endpoint-config", message: /capture/i },
            {
                id: "prod variant without an autoscaling target",
                policy: "endpoint-autoscaling",
                type: T.endpoint,
                name: "endpoint-endpoint",
                message: /variant challenger has no autoscaling target/,
            },
        ],
        extra: [
            {
                id: "an exemption tag with a reason turns a violation (model without network isolation) into a reported exemption, not a silent pass",
                check: ({ run, report, added, baseline }) => {
                    const model = run.resources.find((r) => r.type === T.model && r.name === "endpoint-variant-champion")!;
                    assert.equal(model.inputs.enableNetworkIsolation, false, "the variant really turned isolation off");
                    assert.deepEqual(added.filter((v) => v.name === "endpoint-variant-champion").map(describeV), []);
                    const ex = report.exemptions.filter((e) => e.name === "endpoint-variant-champion");
                    assert.equal(ex.length, 1);
                    assert.equal(ex[0].policyName, "network-isolation");
                    assert.equal(ex[0].reason, EXEMPTION_REASON);
                    assert.ok(
                        ex[0].suppressed.some((x) => /enableNetworkIsolation/.test(x)),
                        ex[0].suppressed.join("; "),
                    );
                    assert.equal(report.counts.exempted, baseline.counts.exempted + 1);
                },
            },
        ],
    },
    {
        title: "prod config: no trail, tiny budget",
        stack: "prod",
        configure: (raw) =>
            setIn(
                setIn(raw, "audit", (a) => ({ ...a, useExistingTrail: true })),
                "budget",
                (b) => ({ ...b, monthlyLimitUsd: 50 }),
            ),
        expect: [
            { id: "no CloudTrail trail", policy: "monitoring-coverage", message: /no CloudTrail trail in the stack/ },
            { id: "estimated cost over the budget", policy: "cost-within-budget", message: /exceeds the monthly budget \$50/ },
        ],
    },
    {
        title: "dev: GPU endpoint variant, bucket without KMS",
        stack: "dev",
        configure: (raw) => setIn(raw, "endpoint", (e) => ({ ...e, variants: (e.variants as Props[]).map((v) => ({ ...v, instanceType: "ml.g5.xlarge" })) })),
        transformations: () => [on(T.sse, "datalake-raw", (p) => ({ ...p, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }))],
        expect: [
            // dev's enforcement: instance types are advisory in dev (policies/config/dev.json), S3 encryption blocks.
            {
                id: "GPU instance in dev (dev enforcement level)",
                policy: "instance-types-and-capacity",
                type: T.endpointConfig,
                name: "endpoint-config",
                message: /ml\.g5\.xlarge/,
                level: packConfig("dev")["instance-types-and-capacity"].enforcementLevel,
            },
            {
                id: "bucket without KMS in dev is still blocking",
                policy: "s3-encryption-and-tls",
                type: T.bucket,
                name: "datalake-raw",
                message: /AES256|aws:kms|KMS/,
            },
        ],
        sideEffects: [
            {
                policy: "cost-within-budget",
                message: /exceeds the monthly budget \$300/,
                level: "advisory",
                why: "a GPU variant costs more than dev's $300 budget (advisory in dev)",
            },
        ],
    },
];

const describeV = (v: GateViolation) => `${v.enforcementLevel} ${v.policy} ${v.type ?? "(stack)"} ${v.name ?? ""}: ${v.message}`;
const sameResource = (v: GateViolation, e: Pick<Expectation, "type" | "name">) =>
    e.type === undefined ? v.urn === undefined : v.type === e.type && v.name === e.name;

describe("gate: insecure-variant corpus", function () {
    this.timeout(300_000);
    const baseline: Record<string, GateReport> = {};

    before(async () => {
        for (const stack of ["dev", "prod"] as const) {
            // The stacks as they run once a model is registered (the endpoint exists), as every group below.
            baseline[stack] = (await runGate({ stack, configure: withRegisteredModel })).report;
        }
    });

    describe("the real stacks", () => {
        it("dev passes with zero mandatory violations", () => {
            assert.deepEqual(baseline.dev.violations.filter((v) => v.enforcementLevel === "mandatory").map(describeV), []);
            assert.equal(exitCode(baseline.dev), 0);
        });
        it("prod passes with zero mandatory violations", () => {
            assert.deepEqual(baseline.prod.violations.filter((v) => v.enforcementLevel === "mandatory").map(describeV), []);
            assert.equal(exitCode(baseline.prod), 0);
        });
        it("the clean prod program applies no remediation and exempts only with declared reasons", () => {
            assert.deepEqual(baseline.prod.remediations, []);
            for (const e of baseline.prod.exemptions) assert.ok(e.reason.trim().length >= 10, `${e.policyName} ${e.urn}: reason '${e.reason}'`);
        });
    });

    for (const group of GROUPS) {
        describe(group.title, () => {
            let report: GateReport;
            let run: ProgramRun;
            let added: GateViolation[];
            let mutations: CountingTransformation[];
            before(async () => {
                mutations = group.transformations?.() ?? [];
                ({ report, run } = await runGate({
                    stack: group.stack,
                    configure: (raw) => (group.configure ?? ((r) => r))(withRegisteredModel(raw)),
                    transformations: mutations,
                }));
                added = fresh(report, baseline[group.stack]);
                if (process.env.DEBUG_VARIANTS) console.log(`${group.title}:\n  ${added.map(describeV).join("\n  ")}`);
            });

            for (const e of group.expect) {
                it(`${e.id} -> ${e.policy}${e.type ? ` on ${e.name}` : " (stack)"}`, () => {
                    const level = e.level ?? "mandatory";
                    const hit = added.filter((v) => v.policy === e.policy && sameResource(v, e) && e.message.test(v.message));
                    assert.ok(
                        hit.length > 0,
                        `expected a new ${e.policy} violation on ${e.type ?? "the stack"} ${e.name ?? ""} matching ${e.message}; new violations:\n${added.map(describeV).join("\n")}`,
                    );
                    assert.ok(
                        hit.every((v) => v.enforcementLevel === level),
                        `level ${level} expected: ${hit.map(describeV).join("; ")}`,
                    );
                    // The gate fails on mandatory findings, as pulumi preview --policy-pack does.
                    if (level === "mandatory") assert.equal(exitCode(report), 1);
                });
            }

            if (group.transformations) {
                it("every program mutation hit exactly one resource of the program", () => {
                    assert.deepEqual(
                        mutations.filter((m) => m.hits !== 1).map((m) => `${m.label}: ${m.hits} hit(s)`),
                        [],
                    );
                });
            }

            for (const x of group.extra ?? []) it(x.id, () => x.check({ report, run, added, baseline: baseline[group.stack] }));

            it("no unrelated policy fires (every new violation belongs to one of the group's variants)", () => {
                const side = group.sideEffects ?? [];
                const unclaimed = added.filter(
                    (v) =>
                        !group.expect.some((e) => v.policy === e.policy && sameResource(v, e)) &&
                        !side.some((e) => v.policy === e.policy && sameResource(v, e) && e.message.test(v.message)),
                );
                assert.deepEqual(unclaimed.map(describeV), []);
                for (const e of side) {
                    assert.ok(
                        added.some((v) => v.policy === e.policy && sameResource(v, e) && e.message.test(v.message) && v.enforcementLevel === e.level),
                        `declared side effect did not occur: ${e.policy} ${e.name ?? "(stack)"} ${e.message} (${e.why})`,
                    );
                }
                // Nothing that was compliant became "not evaluated" either.
                assert.equal(report.notEvaluated.length, baseline[group.stack].notEvaluated.length);
            });
        });
    }
});
