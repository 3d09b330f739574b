import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { setupMocks, promiseOf, policyOf, asArray, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";

const mocks = setupMocks();
import { AuditTrail, AuditTrailArgs, noVpcJobPattern, ROLE_POLICY_EVENTS, AUDIT_RESOURCE_TYPES } from "../../components/audit";

const KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const KEY2 = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/9999abcd-12ab-34cd-56ef-1234567890ab`;
const TOPIC = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-dev-alerts`;
const PIPELINE = `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT}:pipeline/mlp-dev-retrain`;

function args(over: Partial<AuditTrailArgs> = {}): AuditTrailArgs {
    return {
        namePrefix: "mlp-dev",
        auditBucketName: "mlp-dev-audit",
        kmsKeyArn: KEY,
        logRetentionDays: 14,
        alarmTopicArn: TOPIC,
        platformRoleNames: ["mlp-dev-training", "mlp-dev-hosting"],
        platformKeyArns: [KEY, KEY2],
        retraining: { alarmNamePrefixes: ["mlp-dev-drift-", "mlp-dev-model-quality-"] },
        ...over,
    };
}

const ruleByName = (n: string) => mocks.ofType("aws:cloudwatch/eventRule:EventRule").find((r) => r.inputs.name === n)!;
const pattern = (n: string) => JSON.parse(ruleByName(n).inputs.eventPattern);
const targetsOf = (ruleName: string) => mocks.ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.rule === ruleName);

/** Minimal EventBridge matcher for the pattern features used here (values, prefix, exists, $or, nested objects). */
function matches(p: any, e: any): boolean {
    for (const [k, v] of Object.entries(p)) {
        if (k === "$or") {
            if (!(v as any[]).some((alt) => matches(alt, e))) return false;
            continue;
        }
        const ev = e?.[k];
        if (Array.isArray(v)) {
            const values = Array.isArray(ev) ? ev : [ev];
            const ok = (v as any[]).some((m) => {
                if (m && typeof m === "object") {
                    if ("exists" in m) return m.exists === (ev !== undefined);
                    if ("prefix" in m) return values.some((x) => typeof x === "string" && x.startsWith(m.prefix));
                    return false;
                }
                return ev !== undefined && values.includes(m);
            });
            if (!ok) return false;
        } else if (Array.isArray(ev)) {
            if (!ev.some((item) => matches(v, item))) return false;
        } else if (!matches(v, ev ?? {})) {
            return false;
        }
    }
    return true;
}

const apiCall = (source: string, eventSource: string, eventName: string, requestParameters: any, resources?: any[]) => ({
    source,
    "detail-type": "AWS API Call via CloudTrail",
    detail: { eventSource, eventName, requestParameters, ...(resources ? { resources } : {}) },
});

describe("AuditTrail", () => {
    beforeEach(() => mocks.reset());

    it("trail: multi-region, log-file validation, KMS, S3 + CloudWatch Logs delivery", async () => {
        const a = new AuditTrail("audit-trail", args());
        await mocks.settle();
        const t = mocks.one("aws:cloudtrail/trail:Trail");
        assert.equal(t.inputs.name, "mlp-dev-trail");
        assert.equal(t.inputs.isMultiRegionTrail, true);
        assert.equal(t.inputs.includeGlobalServiceEvents, true);
        assert.equal(t.inputs.enableLogFileValidation, true);
        assert.equal(t.inputs.kmsKeyId, KEY);
        assert.equal(t.inputs.s3BucketName, "mlp-dev-audit");
        const lg = mocks.one("aws:cloudwatch/logGroup:LogGroup");
        assert.equal(lg.inputs.kmsKeyId, KEY);
        assert.equal(lg.inputs.retentionInDays, 14);
        assert.equal(t.inputs.cloudWatchLogsGroupArn, `${lg.state.arn}:*`);
        assert.ok(await promiseOf(a.trailArn));
    });

    it("trail: data events for endpoint invocations and feature groups, plus management events", async () => {
        new AuditTrail("audit-sel", args());
        await mocks.settle();
        const sels = mocks.one("aws:cloudtrail/trail:Trail").inputs.advancedEventSelectors as any[];
        const field = (s: any, f: string) => s.fieldSelectors.find((x: any) => x.field === f)?.equals;
        assert.ok(sels.some((s) => field(s, "eventCategory")?.[0] === "Management" && s.fieldSelectors.length === 1));
        const ep = sels.find((s) => field(s, "resources.type")?.[0] === "AWS::SageMaker::Endpoint");
        assert.deepEqual(field(ep, "eventCategory"), ["Data"]);
        assert.deepEqual(field(ep, "eventName"), ["InvokeEndpoint"]);
        const fg = sels.find((s) => field(s, "resources.type")?.[0] === "AWS::SageMaker::FeatureGroup");
        assert.deepEqual(field(fg, "eventCategory"), ["Data"]);
    });

    it("CloudTrail → Logs role: trusted by cloudtrail for this trail only, writes only to its log group", async () => {
        new AuditTrail("audit-role", args());
        await mocks.settle();
        const t = mocks.one("aws:cloudtrail/trail:Trail");
        const role = mocks.ofType("aws:iam/role:Role").find((r) => r.state.arn === t.inputs.cloudWatchLogsRoleArn)!;
        const trust = await policyOf(role.inputs.assumeRolePolicy);
        assert.equal(trust.Statement[0].Principal.Service, "cloudtrail.amazonaws.com");
        assert.equal(trust.Statement[0].Condition.StringEquals["aws:SourceArn"], `arn:aws:cloudtrail:us-east-1:${MOCK_ACCOUNT}:trail/mlp-dev-trail`);
        const rp = mocks.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role.id)!;
        const doc = await policyOf(rp.inputs.policy);
        const lg = mocks.one("aws:cloudwatch/logGroup:LogGroup");
        assert.equal(doc.Statement.length, 1);
        assert.deepEqual(asArray(doc.Statement[0].Action).sort(), ["logs:CreateLogStream", "logs:PutLogEvents"]);
        assert.equal(doc.Statement[0].Resource, `${lg.state.arn}:log-stream:*`);
    });

    it("existing organisation trail: no trail, log group or role; rules still created", async () => {
        const a = new AuditTrail("audit-existing", args({ createTrail: false }));
        await mocks.settle();
        assert.equal(mocks.ofType("aws:cloudtrail/trail:Trail").length, 0);
        assert.equal(mocks.ofType("aws:cloudwatch/logGroup:LogGroup").length, 0);
        assert.equal(mocks.ofType("aws:cloudwatch/eventRule:EventRule").length, 4);
        assert.equal(await promiseOf(a.trailArn), undefined);
    });

    it("no-VPC job rule matches jobs/models without VPC config only, and alerts the topic", async () => {
        new AuditTrail("audit-novpc", args());
        await mocks.settle();
        const p = pattern("mlp-dev-job-without-vpc");
        assert.deepEqual(p, noVpcJobPattern());
        const sm = (n: string, rp: any) => apiCall("aws.sagemaker", "sagemaker.amazonaws.com", n, rp);
        assert.equal(matches(p, sm("CreateTrainingJob", { trainingJobName: "t" })), true);
        assert.equal(matches(p, sm("CreateTrainingJob", { trainingJobName: "t", vpcConfig: { subnets: ["s"] } })), false);
        assert.equal(matches(p, sm("CreateProcessingJob", { processingJobName: "p" })), true);
        assert.equal(matches(p, sm("CreateProcessingJob", { networkConfig: { enableNetworkIsolation: true } })), true);
        assert.equal(matches(p, sm("CreateProcessingJob", { networkConfig: { vpcConfig: { subnets: ["s"] } } })), false);
        assert.equal(matches(p, sm("CreateModel", { modelName: "m" })), true);
        assert.equal(matches(p, sm("CreateModel", { modelName: "m", vpcConfig: { subnets: ["s"] } })), false);
        assert.equal(matches(p, sm("DescribeTrainingJob", {})), false);
        assert.deepEqual(
            targetsOf("mlp-dev-job-without-vpc").map((t) => t.inputs.arn),
            [TOPIC],
        );
    });

    it("role-policy rule: the five IAM calls on platform roles only", async () => {
        new AuditTrail("audit-iam", args());
        await mocks.settle();
        const p = pattern("mlp-dev-role-policy-change");
        assert.deepEqual(p.detail.eventName.sort(), [...ROLE_POLICY_EVENTS].sort());
        assert.deepEqual(p.detail.requestParameters.roleName, ["mlp-dev-training", "mlp-dev-hosting"]);
        const iam = (n: string, role: string) =>
            apiCall("aws.iam", "iam.amazonaws.com", n, { roleName: role, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });
        assert.equal(matches(p, iam("AttachRolePolicy", "mlp-dev-training")), true);
        assert.equal(matches(p, iam("UpdateAssumeRolePolicy", "mlp-dev-hosting")), true);
        assert.equal(matches(p, iam("AttachRolePolicy", "someone-else")), false);
        assert.equal(matches(p, iam("CreateRole", "mlp-dev-training")), false);
        assert.deepEqual(
            targetsOf("mlp-dev-role-policy-change").map((t) => t.inputs.arn),
            [TOPIC],
        );
    });

    it("key rule: DisableKey / ScheduleKeyDeletion on platform keys by ARN or id", async () => {
        new AuditTrail("audit-kms", args());
        await mocks.settle();
        const p = pattern("mlp-dev-key-disable-or-delete");
        const kms = (n: string, keyId: string, resources?: any[]) => apiCall("aws.kms", "kms.amazonaws.com", n, { keyId }, resources);
        assert.equal(matches(p, kms("ScheduleKeyDeletion", KEY)), true);
        assert.equal(matches(p, kms("DisableKey", "9999abcd-12ab-34cd-56ef-1234567890ab")), true);
        assert.equal(matches(p, kms("DisableKey", "alias/x", [{ ARN: KEY2, type: "AWS::KMS::Key" }])), true);
        assert.equal(matches(p, kms("DisableKey", "alias/x", [{ ARN: "arn:aws:kms:us-east-1:1:key/other", type: "AWS::KMS::Key" }])), false);
        assert.equal(matches(p, kms("EnableKey", KEY)), false);
    });

    it("alarm → retraining goes to the topic by default", async () => {
        const a = new AuditTrail("audit-retrain-sns", args());
        await mocks.settle();
        const p = pattern("mlp-dev-alarm-to-retraining");
        const alarm = (name: string, state: string) => ({
            source: "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change",
            detail: { alarmName: name, state: { value: state } },
        });
        assert.equal(matches(p, alarm("mlp-dev-drift-age", "ALARM")), true);
        assert.equal(matches(p, alarm("mlp-dev-model-quality-auc", "ALARM")), true);
        assert.equal(matches(p, alarm("mlp-dev-drift-age", "OK")), false);
        assert.equal(matches(p, alarm("mlp-dev-e-champion-cpu", "ALARM")), false);
        assert.equal(a.retrainingTarget, "sns");
        assert.deepEqual(
            targetsOf("mlp-dev-alarm-to-retraining").map((t) => t.inputs.arn),
            [TOPIC],
        );
    });

    it("alarm → retraining starts the pipeline with a role allowed only StartPipelineExecution on it", async () => {
        const a = new AuditTrail(
            "audit-retrain-pl",
            args({ retraining: { alarmNamePrefixes: ["mlp-dev-drift-"], pipelineArn: PIPELINE, pipelineParameters: { Reason: "drift" } } }),
        );
        await mocks.settle();
        assert.equal(a.retrainingTarget, "pipeline");
        const [t] = targetsOf("mlp-dev-alarm-to-retraining");
        assert.equal(t.inputs.arn, PIPELINE);
        assert.deepEqual(t.inputs.sagemakerPipelineTarget.pipelineParameterLists, [{ name: "Reason", value: "drift" }]);
        const role = mocks.ofType("aws:iam/role:Role").find((r) => r.state.arn === t.inputs.roleArn)!;
        const trust = await policyOf(role.inputs.assumeRolePolicy);
        assert.equal(trust.Statement[0].Principal.Service, "events.amazonaws.com");
        assert.equal(trust.Statement[0].Condition.StringEquals["aws:SourceArn"], ruleByName("mlp-dev-alarm-to-retraining").state.arn);
        const rp = mocks.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role.id)!;
        const doc = await policyOf(rp.inputs.policy);
        assert.deepEqual(
            doc.Statement.map((s) => [s.Effect, s.Action, s.Resource]),
            [["Allow", "sagemaker:StartPipelineExecution", PIPELINE]],
        );
    });

    it("no wildcard actions; the only wildcard resources are log streams of the trail's own log group", async () => {
        const prov = new aws.Provider("use1", { region: "us-east-1" });
        new AuditTrail("audit-lp", args({ retraining: { alarmNamePrefixes: ["mlp-dev-drift-"], pipelineArn: PIPELINE }, usEast1Provider: prov }));
        await mocks.settle();
        for (const rp of mocks.ofType("aws:iam/rolePolicy:RolePolicy")) {
            for (const s of (await policyOf(rp.inputs.policy)).Statement) {
                for (const act of asArray<string>(s.Action)) assert.ok(!act.includes("*"), `${rp.name}: ${act}`);
                for (const res of asArray<string>(s.Resource)) {
                    assert.notEqual(res, "*", rp.name);
                    if (res.includes("*")) assert.match(res, /^arn:aws:logs:us-east-1:\d{12}:log-group:\/mlplatform\/mlp-dev\/cloudtrail:log-stream:\*$/);
                }
            }
        }
    });

    it("IAM events forwarded from us-east-1 to the stack region's bus when a provider is given", async () => {
        const prov = new aws.Provider("use1-fwd", { region: "us-east-1" });
        new AuditTrail("audit-fwd", args({ usEast1Provider: prov }));
        await mocks.settle();
        const fwd = ruleByName("mlp-dev-role-policy-change-forward");
        assert.deepEqual(JSON.parse(fwd.inputs.eventPattern), pattern("mlp-dev-role-policy-change"));
        const [t] = targetsOf("mlp-dev-role-policy-change-forward");
        assert.equal(t.inputs.arn, `arn:aws:events:us-east-1:${MOCK_ACCOUNT}:event-bus/default`);
        const role = mocks.ofType("aws:iam/role:Role").find((r) => r.state.arn === t.inputs.roleArn)!;
        const rp = mocks.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role.id)!;
        const doc = await policyOf(rp.inputs.policy);
        assert.deepEqual(
            doc.Statement.map((s) => [s.Action, s.Resource]),
            [["events:PutEvents", t.inputs.arn]],
        );
    });

    it("requires prefixes, roles and keys", () => {
        assert.throws(() => new AuditTrail("audit-v1", args({ retraining: { alarmNamePrefixes: [] } })), /alarmNamePrefixes/);
        assert.throws(() => new AuditTrail("audit-v2", args({ platformRoleNames: [] })), /platformRoleNames/);
        assert.throws(() => new AuditTrail("audit-v3", args({ platformKeyArns: [] })), /platformKeyArns/);
    });

    it("creates exactly the resource types it declares", async () => {
        new AuditTrail("audit-types", args({ retraining: { alarmNamePrefixes: ["mlp-dev-drift-"], pipelineArn: PIPELINE } }));
        await mocks.settle();
        const types = new Set(mocks.resources.filter((r) => r.custom).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...AUDIT_RESOURCE_TYPES].sort());
    });
});
