/**
 * DetectiveControls under mocks, for a dev and a prod stack: the AWS Config rules (AWS's identifiers and parameter
 * names, checked against AWS's published conformance-pack templates), their tag scope, the recorder only when asked,
 * the routes to the alerts topic (patterns matched against sample AWS events), account-wide switches off by default,
 * conformance-pack mode and the optional remediation.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { MOCK_ACCOUNT, policyOf, useMocks } from "../helpers/pulumi-mocks";
import {
    configComplianceEventPattern,
    configRecorderRole,
    DetectiveControls,
    DetectiveControlsArgs,
    fsbpStandardsArn,
    MANAGED_RULES,
    NOT_DEPLOYED,
    RECORDER_TAG,
    securityHubFindingsEventPattern,
    selectRules,
} from "../../components/detective";

const AWS_RULES: Record<string, { params: string[]; resourceTypes: string[] }> = JSON.parse(
    fs.readFileSync(path.join(__dirname, "..", "fixtures", "detective", "aws-config-managed-rules.json"), "utf8"),
).rules;
const TOPIC = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-prod-alerts`;
const KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** EventBridge content filtering for the features used here: exact values, prefix, wildcard, nested objects, arrays. */
function matches(pattern: any, event: any): boolean {
    for (const [k, v] of Object.entries(pattern)) {
        const ev = event?.[k];
        if (Array.isArray(v)) {
            const values = (Array.isArray(ev) ? ev : [ev]).filter((x) => x !== undefined);
            const ok = (v as any[]).some((m) => {
                if (m && typeof m === "object") {
                    if ("prefix" in m) return values.some((x) => typeof x === "string" && x.startsWith(m.prefix));
                    if ("wildcard" in m) {
                        const re = new RegExp(
                            `^${(m.wildcard as string)
                                .split("*")
                                .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
                                .join(".*")}$`,
                        );
                        return values.some((x) => typeof x === "string" && re.test(x));
                    }
                    return false;
                }
                return values.includes(m);
            });
            if (!ok) return false;
        } else if (Array.isArray(ev)) {
            if (!ev.some((item) => matches(v, item))) return false;
        } else if (!matches(v, ev ?? {})) return false;
    }
    return true;
}

const configEvent = (rule: string, resourceId: string, compliance = "NON_COMPLIANT") => ({
    source: "aws.config",
    "detail-type": "Config Rules Compliance Change",
    detail: {
        messageType: "ComplianceChangeNotification",
        configRuleName: rule,
        resourceId,
        resourceType: "AWS::S3::Bucket",
        newEvaluationResult: { complianceType: compliance },
    },
});
const finding = (resourceId: string, status = "FAILED") => ({
    source: "aws.securityhub",
    "detail-type": "Security Hub Findings - Imported",
    detail: {
        findings: [
            { RecordState: "ACTIVE", Compliance: { Status: status }, Workflow: { Status: "NEW" }, Resources: [{ Type: "AwsS3Bucket", Id: resourceId }] },
        ],
    },
});

describe("DetectiveControls: the rule catalogue", () => {
    it("every identifier is an AWS managed rule, every parameter name one AWS uses for it", () => {
        for (const r of MANAGED_RULES) {
            const aws = AWS_RULES[r.identifier];
            assert.ok(aws, `${r.identifier} is not an AWS managed rule identifier (test/fixtures/detective/aws-config-managed-rules.json)`);
            const params = { ...(r.params ?? {}), ...(r.dynamicParams ? r.dynamicParams({ environment: "prod" }) : {}) };
            for (const k of Object.keys(params))
                assert.ok(aws.params.includes(k), `${r.identifier}: parameter ${k} (AWS uses: ${aws.params.join(", ") || "none"})`);
            for (const t of aws.resourceTypes) assert.ok(r.resourceTypes.includes(t), `${r.identifier}: AWS scopes it to ${t}`);
            assert.strictEqual(r.name, r.name.toLowerCase());
        }
        assert.strictEqual(new Set(MANAGED_RULES.map((r) => r.identifier)).size, MANAGED_RULES.length);
    });

    it("covers the rules the issue asks for (SageMaker, S3, KMS, CloudTrail, IAM, VPC flow logs, log groups)", () => {
        const ids = new Set(MANAGED_RULES.map((r) => r.identifier));
        for (const id of [
            "SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED",
            "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS",
            "SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED",
            "SAGEMAKER_ENDPOINT_CONFIG_PROD_INSTANCE_COUNT",
            "SAGEMAKER_MODEL_ISOLATION_ENABLED",
            "SAGEMAKER_MODEL_IN_VPC",
            "S3_BUCKET_SSL_REQUESTS_ONLY",
            "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
            "S3_BUCKET_PUBLIC_READ_PROHIBITED",
            "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
            "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
            "CMK_BACKING_KEY_ROTATION_ENABLED",
            "CLOUD_TRAIL_ENABLED",
            "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
            "CLOUD_TRAIL_ENCRYPTION_ENABLED",
            "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
            "IAM_USER_NO_POLICIES_CHECK",
            "IAM_ROOT_ACCESS_KEY_CHECK",
            "VPC_FLOW_LOGS_ENABLED",
            "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
        ])
            assert.ok(ids.has(id), id);
        assert.ok(
            NOT_DEPLOYED.some((n) => n.identifier === "IAM_NO_INLINE_POLICY_CHECK"),
            "the inline-policy rule is listed as not deployed, with a reason",
        );
    });

    it("account-wide rules and the prod-only instance-count rule are selected only where they belong", () => {
        const dev = selectRules("dev", false).map((r) => r.identifier);
        const prod = selectRules("prod", false).map((r) => r.identifier);
        assert.ok(!dev.includes("SAGEMAKER_ENDPOINT_CONFIG_PROD_INSTANCE_COUNT") && prod.includes("SAGEMAKER_ENDPOINT_CONFIG_PROD_INSTANCE_COUNT"));
        for (const id of ["CLOUD_TRAIL_ENABLED", "IAM_ROOT_ACCESS_KEY_CHECK", "IAM_USER_NO_POLICIES_CHECK"]) {
            assert.ok(!prod.includes(id), `${id} off by default`);
            assert.ok(
                selectRules("prod", true).some((r) => r.identifier === id),
                `${id} with accountRules`,
            );
        }
    });

    it("FSBP standards ARN has no account", () => {
        assert.strictEqual(fsbpStandardsArn("aws", "eu-west-1"), "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0");
    });
});

for (const env of ["dev", "prod"] as const) {
    describe(`DetectiveControls (${env} stack, under mocks)`, () => {
        const mocks = useMocks({ stack: env });
        const p = `mlp-${env}`;
        const base = (over: Partial<DetectiveControlsArgs> = {}): DetectiveControlsArgs => ({
            namePrefix: p,
            environment: env,
            alertTopicArn: TOPIC,
            scopeTag: { key: "Environment", value: env },
            existingRecorderName: "default",
            stackResourceIds: ["vpc-0abc", "1234abcd-12ab-34cd-56ef-1234567890ab"],
            stackResourceArns: [KEY],
            tags: { Environment: env, Project: "ml-platform" },
            ...over,
        });
        const rules = () => mocks.ofType("aws:cfg/rule:Rule");

        it("deploys one prefixed rule per selected managed rule; change-triggered ones scoped by the stack's tag", async () => {
            new DetectiveControls("detective", base());
            await mocks.settle();
            const expected = selectRules(env, false);
            assert.strictEqual(rules().length, expected.length);
            for (const r of expected) {
                const got = rules().find((x) => x.inputs.source.sourceIdentifier === r.identifier)!;
                assert.ok(got, r.identifier);
                assert.strictEqual(got.inputs.name, `${p}-${r.name}`);
                assert.strictEqual(got.inputs.source.owner, "AWS");
                if (r.trigger === "periodic") assert.strictEqual(got.inputs.scope, undefined, `${r.identifier}: periodic rules take no tag scope`);
                else assert.deepStrictEqual(got.inputs.scope, { tagKey: "Environment", tagValue: env }, r.identifier);
                assert.strictEqual(got.inputs.tags[RECORDER_TAG], "existing:default");
            }
            const vpc = rules().find((x) => x.inputs.source.sourceIdentifier === "VPC_FLOW_LOGS_ENABLED")!;
            assert.deepStrictEqual(JSON.parse(vpc.inputs.inputParameters), { trafficType: "ALL" });
        });

        it("account-wide things are off by default: no recorder, no Security Hub, no FSBP, no remediation", async () => {
            new DetectiveControls("detective", base());
            await mocks.settle();
            for (const t of [
                "aws:cfg/recorder:Recorder",
                "aws:cfg/deliveryChannel:DeliveryChannel",
                "aws:securityhub/account:Account",
                "aws:securityhub/standardsSubscription:StandardsSubscription",
                "aws:cfg/remediationConfiguration:RemediationConfiguration",
                "aws:cfg/conformancePack:ConformancePack",
            ]) {
                assert.strictEqual(mocks.ofType(t).length, 0, t);
            }
            assert.ok(!rules().some((r) => ["CLOUD_TRAIL_ENABLED", "IAM_ROOT_ACCESS_KEY_CHECK"].includes(r.inputs.source.sourceIdentifier)));
        });

        it("routes this stack's Config non-compliance and failed Security Hub findings to the alerts topic, not other stacks'", async () => {
            new DetectiveControls("detective", base());
            await mocks.settle();
            const routes = mocks.ofType("aws:cloudwatch/eventRule:EventRule");
            assert.deepStrictEqual(routes.map((r) => r.inputs.name).sort(), [`${p}-config-noncompliant`, `${p}-securityhub-finding`]);
            for (const r of routes) {
                const t = mocks.ofType("aws:cloudwatch/eventTarget:EventTarget").filter((x) => x.inputs.rule === r.inputs.name);
                assert.deepStrictEqual(
                    t.map((x) => x.inputs.arn),
                    [TOPIC],
                );
            }
            const cfgPattern = JSON.parse(routes.find((r) => r.inputs.name.endsWith("config-noncompliant"))!.inputs.eventPattern);
            assert.ok(matches(cfgPattern, configEvent(`${p}-s3-bucket-ssl-requests-only`, `${p}-raw-1a2b3c4d`)));
            assert.ok(matches(cfgPattern, configEvent(`${p}-vpc-flow-logs-enabled`, "vpc-0abc")));
            assert.ok(!matches(cfgPattern, configEvent(`${p}-s3-bucket-ssl-requests-only`, `${p}-raw-1a2b3c4d`, "COMPLIANT")));
            assert.ok(!matches(cfgPattern, configEvent("mlp-other-s3-bucket-ssl-requests-only", `${p}-raw-1a2b3c4d`)), "another stack's rule");
            assert.ok(!matches(cfgPattern, configEvent(`${p}-vpc-flow-logs-enabled`, "vpc-0other")), "another team's VPC seen by a periodic rule");
            const shPattern = JSON.parse(routes.find((r) => r.inputs.name.endsWith("securityhub-finding"))!.inputs.eventPattern);
            assert.ok(matches(shPattern, finding(`arn:aws:s3:::${p}-raw-1a2b3c4d`)));
            assert.ok(matches(shPattern, finding(KEY)));
            assert.ok(!matches(shPattern, finding(`arn:aws:s3:::${p}-raw-1a2b3c4d`, "PASSED")));
            assert.ok(!matches(shPattern, finding("arn:aws:s3:::someone-elses-bucket")));
        });

        it("the patterns are what the component exports for tools (same functions)", () => {
            assert.deepStrictEqual(configComplianceEventPattern(p, []).source, ["aws.config"]);
            assert.deepStrictEqual(securityHubFindingsEventPattern(p, [])["detail-type"], ["Security Hub Findings - Imported"]);
        });

        it("creates the recorder, delivery channel to the audit bucket (SSE-KMS) and starts it only when asked", async () => {
            const role = configRecorderRole("config-recorder", p);
            new DetectiveControls(
                "detective",
                base({ existingRecorderName: undefined, recorder: { role, auditBucketName: `${p}-audit-1a2b3c4d`, kmsKeyArn: KEY } }),
            );
            await mocks.settle();
            const rec = mocks.one("aws:cfg/recorder:Recorder");
            assert.deepStrictEqual(rec.inputs.recordingGroup, { allSupported: true, includeGlobalResourceTypes: true });
            const ch = mocks.one("aws:cfg/deliveryChannel:DeliveryChannel");
            assert.strictEqual(ch.inputs.s3BucketName, `${p}-audit-1a2b3c4d`);
            assert.strictEqual(ch.inputs.s3KmsKeyArn, KEY);
            assert.strictEqual(mocks.one("aws:cfg/recorderStatus:RecorderStatus").inputs.isEnabled, true);
            const trust = await policyOf(mocks.one("aws:iam/role:Role", "config-recorder").inputs.assumeRolePolicy);
            assert.deepStrictEqual(trust.Statement[0].Principal, { Service: "config.amazonaws.com" });
            assert.deepStrictEqual(trust.Statement[0].Condition, { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT } });
            assert.match(
                mocks.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn,
                /^arn:aws:iam::aws:policy\/service-role\/AWS_ConfigRole$/,
            );
            const delivery = await policyOf(mocks.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
            const put = delivery.Statement.find((s) => s.Action === "s3:PutObject");
            assert.strictEqual(put.Resource, `arn:aws:s3:::${p}-audit-1a2b3c4d/config/AWSLogs/${MOCK_ACCOUNT}/Config/*`);
            assert.ok(delivery.Statement.some((s) => JSON.stringify(s.Action).includes("kms:GenerateDataKey") && s.Resource === KEY));
            for (const r of rules()) assert.strictEqual(r.inputs.tags[RECORDER_TAG], "stack");
        });

        it("refuses to deploy rules with neither a recorder nor a declared one", () => {
            assert.throws(() => new DetectiveControls("detective", base({ existingRecorderName: undefined })), /existingRecorderName/);
        });

        it("conformance pack mode: one pack with every rule, no individual rules", async () => {
            new DetectiveControls("detective", base({ conformancePack: true }));
            await mocks.settle();
            assert.strictEqual(rules().length, 0);
            const pack = mocks.one("aws:cfg/conformancePack:ConformancePack");
            assert.strictEqual(pack.inputs.name, `${p}-ml-platform`);
            const tpl = JSON.parse(pack.inputs.templateBody);
            const ids = Object.values(tpl.Resources as Record<string, any>)
                .map((r) => r.Properties.Source.SourceIdentifier)
                .sort();
            assert.deepStrictEqual(
                ids,
                selectRules(env, false)
                    .map((r) => r.identifier)
                    .sort(),
            );
            const ssl = Object.values(tpl.Resources as Record<string, any>).find((r) => r.Properties.Source.SourceIdentifier === "S3_BUCKET_SSL_REQUESTS_ONLY");
            assert.deepStrictEqual(ssl.Properties.Scope, { TagKey: "Environment", TagValue: env });
            assert.ok(Buffer.byteLength(pack.inputs.templateBody) < 51_200, "Config's TemplateBody limit");
        });

        it("Security Hub account and FSBP subscription when switched on", async () => {
            new DetectiveControls("detective", base({ securityHub: { enableAccount: true, subscribeFsbp: true } }));
            await mocks.settle();
            assert.strictEqual(mocks.ofType("aws:securityhub/account:Account").length, 1);
            const sub = mocks.one("aws:securityhub/standardsSubscription:StandardsSubscription");
            assert.strictEqual(sub.inputs.standardsArn, fsbpStandardsArn("aws", "us-east-1"));
        });

        it("optional remediation: SSM re-enables Block Public Access on the stack's buckets only", async () => {
            new DetectiveControls("detective", base({ remediation: { s3PublicAccessBlock: true } }));
            await mocks.settle();
            const rc = mocks.one("aws:cfg/remediationConfiguration:RemediationConfiguration");
            assert.strictEqual(rc.inputs.configRuleName, `${p}-s3-bucket-level-public-access-prohibited`);
            assert.strictEqual(rc.inputs.targetType, "SSM_DOCUMENT");
            assert.strictEqual(rc.inputs.targetId, "AWS-DisableS3BucketPublicReadWrite");
            assert.deepStrictEqual(rc.inputs.parameters.map((x: any) => x.name).sort(), ["AutomationAssumeRole", "S3BucketName"]);
            assert.strictEqual(rc.inputs.parameters.find((x: any) => x.name === "S3BucketName").resourceValue, "RESOURCE_ID");
            const role = mocks.one("aws:iam/role:Role", "detective-remediation");
            assert.deepStrictEqual((await policyOf(role.inputs.assumeRolePolicy)).Statement[0].Principal, { Service: "ssm.amazonaws.com" });
            const pol = await policyOf(mocks.one("aws:iam/rolePolicy:RolePolicy", "detective-remediation").inputs.policy);
            assert.deepStrictEqual(
                pol.Statement.map((s) => s.Resource),
                [`arn:aws:s3:::${p}-*`],
            );
            assert.throws(() => new DetectiveControls("d2", base({ conformancePack: true, remediation: { s3PublicAccessBlock: true } })), /conformance pack/);
        });
    });
}

describe("DetectiveControls in the whole program", function () {
    this.timeout(300_000);
    it("both stacks deploy it with the recorder from the shipped config; the recorder role may use the logs key and write the audit bucket outside the VPC endpoint", async () => {
        const { runProgram } = await import("../../gate/runtime");
        const { createPlatform } = await import("../../infra/program");
        for (const stack of ["dev", "prod"]) {
            const run = await runProgram(() => createPlatform(), { stack });
            const of = (t: string) => run.resources.filter((r) => r.type === t) as { type: string; inputs: any }[];
            assert.strictEqual(of("aws:cfg/recorder:Recorder").length, 1, stack);
            assert.ok(of("aws:cfg/rule:Rule").length >= 20, stack);
            const logsKey = of("aws:kms/key:Key").find((k) => /logs key/.test(k.inputs.description))!;
            const kp = JSON.parse(logsKey.inputs.policy);
            const use = kp.Statement.find((s: any) => s.Sid === "KeyUseByPlatformRoles");
            assert.ok(JSON.stringify(use.Principal).includes(`role/mlp-${stack}-config-recorder`), `${stack}: key policy admits the recorder role`);
            if (stack === "prod") {
                const auditPolicy = of("aws:s3/bucketPolicy:BucketPolicy")
                    .map((b) => JSON.parse(b.inputs.policy))
                    .find((d) => JSON.stringify(d).includes("CloudTrailWrite"))!;
                const deny = auditPolicy.Statement.find((s: any) => s.Sid === "DenyObjectAccessOutsideVpcEndpoint");
                assert.ok(
                    JSON.stringify(deny.Condition.ArnNotLike).includes(`role/mlp-${stack}-config-recorder`),
                    "recorder exempt from the VPC-endpoint restriction",
                );
            }
        }
    });
});
