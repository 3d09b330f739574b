import * as assert from "assert";
import { conformancePackTemplate, selectRules } from "../../components/detective";
import { DETECTIVE_DEFAULTS, detectiveControls as policy, RECORDER_TAG } from "../../policies/rules/detective-controls";
import { runGate } from "../../gate/gate";
import { effectiveEnforcementLevel } from "../../gate/evaluate";
import { envContext, messages, res, runS, UNKNOWN } from "./harness";

const T = {
    rule: "aws:cfg/rule:Rule",
    pack: "aws:cfg/conformancePack:ConformancePack",
    recorder: "aws:cfg/recorder:Recorder",
    status: "aws:cfg/recorderStatus:RecorderStatus",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
};
const COMPLIANCE = JSON.stringify({
    source: ["aws.config"],
    "detail-type": ["Config Rules Compliance Change"],
    detail: { newEvaluationResult: { complianceType: ["NON_COMPLIANT"] } },
});

const rule = (id: string, tags: Record<string, string> = { [RECORDER_TAG]: "stack" }) =>
    res(T.rule, `r-${id.toLowerCase()}`, { name: `mlp-prod-${id.toLowerCase()}`, source: { owner: "AWS", sourceIdentifier: id }, tags });
const route = (pattern = COMPLIANCE, withTarget = true) => [
    res(T.eventRule, "route", { name: "mlp-prod-config-noncompliant", eventPattern: pattern }),
    ...(withTarget ? [res(T.target, "route-alert", { rule: "mlp-prod-config-noncompliant", arn: "arn:aws:sns:us-east-1:123456789012:mlp-prod-alerts" })] : []),
];
const recorder = (enabled: unknown = true) => [
    res(T.recorder, "rec", { name: "mlp-prod-recorder", roleArn: "arn:aws:iam::123456789012:role/mlp-prod-config-recorder" }),
    res(T.status, "rec-status", { name: "mlp-prod-recorder", isEnabled: enabled }),
];
const complete = () => [...DETECTIVE_DEFAULTS.requiredRules.map((id) => rule(id)), ...recorder(), ...route()];

describe("policies/detective-controls", () => {
    it("a stack with the required rules, a started recorder and a compliance route passes", async () => {
        const o = await runS(policy, complete());
        assert.strictEqual(o.status, "evaluated");
        assert.deepStrictEqual(o.violations, []);
    });

    it("no Config rules at all is a violation (nothing watches the deployment)", async () => {
        assert.match(messages(await runS(policy, [...recorder(), ...route()]))[0], /no AWS Config managed rules/);
    });

    it("names the required rules that are missing", async () => {
        const stack = complete().filter((r) => !/s3_bucket_ssl_requests_only|vpc_flow_logs_enabled/.test(r.name));
        const m = messages(await runS(policy, stack));
        assert.strictEqual(m.length, 1);
        assert.match(m[0], /no AWS Config rule for S3_BUCKET_SSL_REQUESTS_ONLY, VPC_FLOW_LOGS_ENABLED/);
    });

    it("custom-lambda rules do not stand in for managed ones", async () => {
        const stack = complete().filter((r) => r.name !== "r-cmk_backing_key_rotation_enabled");
        stack.push(res(T.rule, "custom", { source: { owner: "CUSTOM_LAMBDA", sourceIdentifier: "CMK_BACKING_KEY_ROTATION_ENABLED" } }));
        assert.match(messages(await runS(policy, stack))[0], /CMK_BACKING_KEY_ROTATION_ENABLED/);
    });

    it("rules inside a conformance pack count (the component's JSON template)", async () => {
        const body = conformancePackTemplate("mlp-prod", "prod", selectRules("prod", false), { key: "Environment", value: "prod" });
        const stack = [res(T.pack, "pack", { name: "mlp-prod-ml-platform", templateBody: body }), ...recorder(), ...route()];
        assert.deepStrictEqual((await runS(policy, stack)).violations, []);
    });

    it("unknown identifiers or a YAML pack template during preview: no missing-rule finding", async () => {
        const unknownRule = res(T.rule, "u", { source: { owner: "AWS", sourceIdentifier: UNKNOWN.string } });
        assert.deepStrictEqual((await runS(policy, [unknownRule, ...recorder(), ...route()])).violations, []);
        const yamlPack = res(T.pack, "p", { templateBody: "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n" });
        assert.deepStrictEqual((await runS(policy, [yamlPack, ...recorder(), ...route()])).violations, []);
    });

    it("rules without any recorder fail; a declared existing recorder passes", async () => {
        const noRecorder = [...DETECTIVE_DEFAULTS.requiredRules.map((id) => rule(id, {})), ...route()];
        assert.match(messages(await runS(policy, noRecorder)).join("\n"), /without a recorder/);
        const declared = [
            ...DETECTIVE_DEFAULTS.requiredRules.map((id) => rule(id, { [RECORDER_TAG]: "existing:aws-controltower-BaselineConfigRecorder" })),
            ...route(),
        ];
        assert.deepStrictEqual((await runS(policy, declared)).violations, []);
        // A conformance pack takes no tags: the declaration on the component's route counts.
        const body = conformancePackTemplate("mlp-prod", "prod", selectRules("prod", false));
        const packDeclared = [
            res(T.pack, "pack", { templateBody: body }),
            res(T.eventRule, "route", { name: "n", eventPattern: COMPLIANCE, tags: { [RECORDER_TAG]: "existing:default" } }),
            res(T.target, "t", { rule: "n", arn: "arn:aws:sns:us-east-1:123456789012:x" }),
        ];
        assert.deepStrictEqual((await runS(policy, packDeclared)).violations, []);
    });

    it("a recorder that is never started fails", async () => {
        const stack = [...DETECTIVE_DEFAULTS.requiredRules.map((id) => rule(id)), ...recorder(false), ...route()];
        assert.match(messages(await runS(policy, stack))[0], /never started/);
        const noStatus = [...DETECTIVE_DEFAULTS.requiredRules.map((id) => rule(id)), recorder()[0], ...route()];
        assert.match(messages(await runS(policy, noStatus))[0], /never started/);
    });

    it("non-compliance must be routed: no rule, a rule for other events, or a rule without target fail", async () => {
        const base = [...DETECTIVE_DEFAULTS.requiredRules.map((id) => rule(id)), ...recorder()];
        for (const extra of [[], route(JSON.stringify({ source: ["aws.securityhub"] })), route(COMPLIANCE, false)]) {
            assert.match(messages(await runS(policy, [...base, ...extra]))[0], /Config Rules Compliance Change/);
        }
    });

    it("a route whose pattern is unknown during a first preview (computed from new resources) counts when it has a target", async () => {
        const base = [...DETECTIVE_DEFAULTS.requiredRules.map((id) => rule(id)), ...recorder()];
        const unknownRoute = [
            res(T.eventRule, "route", { name: "mlp-prod-config-noncompliant", eventPattern: UNKNOWN.string }),
            res(T.target, "t", { rule: "mlp-prod-config-noncompliant", arn: "arn:aws:sns:us-east-1:123456789012:x" }),
        ];
        assert.deepStrictEqual((await runS(policy, [...base, ...unknownRoute])).violations, []);
        assert.match(messages(await runS(policy, [...base, unknownRoute[0]]))[0], /Config Rules Compliance Change/);
    });

    it("is mandatory in prod and advisory in dev", () => {
        assert.strictEqual(effectiveEnforcementLevel(policy, envContext("prod", policy.name)), "mandatory");
        assert.strictEqual(effectiveEnforcementLevel(policy, envContext("dev", policy.name)), "advisory");
    });

    it("the component deploys every required rule in both environments", () => {
        for (const env of ["dev", "prod"]) {
            const ids = new Set(selectRules(env, false).map((r) => r.identifier));
            for (const id of DETECTIVE_DEFAULTS.requiredRules) assert.ok(ids.has(id), `${env}: ${id}`);
        }
    });

    describe("on the whole program (offline gate)", function () {
        this.timeout(300_000);
        it("a brand-new prod stack (first preview, unknown ids) passes", async () => {
            const fresh = await runGate({ stack: "prod", mode: "new-stack" });
            assert.deepStrictEqual(
                fresh.report.violations.filter((v) => v.policy === policy.name),
                [],
            );
        });
        it("prod passes with the shipped config; with detective disabled the gate fails on this policy", async () => {
            const ok = await runGate({ stack: "prod" });
            assert.deepStrictEqual(
                ok.report.violations.filter((v) => v.policy === policy.name),
                [],
            );
            const off = await runGate({
                stack: "prod",
                configure: (raw) => ({ ...raw, "mlplatform:detective": { ...(raw["mlplatform:detective"] as object), enabled: false } }),
            });
            const v = off.report.violations.filter((x) => x.policy === policy.name);
            assert.strictEqual(v.length, 1);
            assert.strictEqual(v[0].enforcementLevel, "mandatory");
            assert.match(v[0].message, /no AWS Config managed rules/);
        });
        it("prod with an existing recorder declared: no recorder created, the policy passes", async () => {
            const run = await runGate({
                stack: "prod",
                configure: (raw) => ({
                    ...raw,
                    "mlplatform:detective": {
                        ...(raw["mlplatform:detective"] as object),
                        createRecorder: false,
                        existingRecorderName: "aws-controltower-BaselineConfigRecorder",
                    },
                }),
            });
            assert.strictEqual(run.run.resources.filter((r) => r.type === T.recorder).length, 0);
            assert.deepStrictEqual(
                run.report.violations.filter((v) => v.policy === policy.name),
                [],
            );
            assert.strictEqual(run.report.counts.mandatory, 0);
        });
    });
});
