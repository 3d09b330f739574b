import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, promiseOf, policyOf, asArray, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";
import {
    REGISTRY_RESOURCE_TYPES,
    ModelRegistry,
    ModelRegistryArgs,
    TopicPolicyStatement,
    deploymentTargetKind,
    MODEL_PACKAGE_STATE_CHANGE,
} from "../../components/model-registry";

const mocks = setupMocks();

const TOPIC = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-dev-alerts`;
const SFN = `arn:aws:states:us-east-1:${MOCK_ACCOUNT}:stateMachine:mlp-dev-deploy`;
const SM_PIPELINE = `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT}:pipeline/mlp-dev-deploy`;
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";

describe("ModelRegistry", () => {
    beforeEach(() => mocks.reset());

    async function build(over: Partial<ModelRegistryArgs> = {}) {
        const r = new ModelRegistry("registry", { namePrefix: "mlp-dev", notificationTopicArn: TOPIC, ...over });
        await mocks.settle();
        return r;
    }

    it("creates the model package group and exposes its name and ARN", async () => {
        const r = await build();
        const g = mocks.one("aws:sagemaker/modelPackageGroup:ModelPackageGroup");
        assert.equal(g.inputs.modelPackageGroupName, "mlp-dev-models");
        assert.equal(await promiseOf(r.modelPackageGroupName), "mlp-dev-models");
        assert.equal(await promiseOf(r.modelPackageGroupArn), g.state.arn);
        assert.match(g.state.arn, /^arn:aws:sagemaker:us-east-1:123456789012:model-package-group\/mlp-dev-models$/);
    });

    it("routes Approved/Rejected state changes of this group only to the SNS topic", async () => {
        const r = await build();
        const rules = mocks.ofType(RULE);
        assert.equal(rules.length, 1, "no deployment rule without a target");
        const pattern = JSON.parse(rules[0].inputs.eventPattern);
        assert.deepEqual(pattern, {
            source: ["aws.sagemaker"],
            "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
            detail: { ModelPackageGroupName: ["mlp-dev-models"], ModelApprovalStatus: ["Approved", "Rejected"] },
        });
        assert.equal(await promiseOf(r.ruleArn), rules[0].state.arn);
        const targets = mocks.ofType(TARGET);
        assert.equal(targets.length, 1);
        assert.equal(targets[0].inputs.arn, TOPIC);
        assert.equal(targets[0].inputs.rule, rules[0].state.name);
        assert.equal(targets[0].inputs.inputTransformer.inputPaths.status, "$.detail.ModelApprovalStatus");
        assert.equal(mocks.ofType("aws:iam/role:Role").length, 0);
    });

    it("hands the topic owner a publish statement scoped to the rule", async () => {
        let received: pulumi.Output<TopicPolicyStatement> | undefined;
        const r = await build({ onTopicPolicyStatement: (s) => (received = s) });
        assert.ok(received);
        const s = await promiseOf(received!);
        assert.deepEqual(s.Principal, { Service: "events.amazonaws.com" });
        assert.equal(s.Action, "sns:Publish");
        assert.equal(s.Resource, TOPIC);
        assert.equal(s.Condition.ArnEquals["aws:SourceArn"], await promiseOf(r.ruleArn));
    });

    it("starts a Step Functions deployment on approval only, through a role scoped to that state machine", async () => {
        const r = await build({ deploymentTarget: { arn: SFN } });
        const rules = mocks.ofType(RULE);
        assert.equal(rules.length, 2);
        const deploy = rules.find((x) => x.name === "registry-deploy")!;
        assert.deepEqual(JSON.parse(deploy.inputs.eventPattern).detail.ModelApprovalStatus, ["Approved"]);
        assert.equal(await promiseOf(r.deploymentRuleArn!), deploy.state.arn);
        const target = mocks.ofType(TARGET).find((t) => t.inputs.arn === SFN)!;
        assert.equal(target.inputs.rule, deploy.state.name);
        const role = mocks.one("aws:iam/role:Role");
        assert.equal(target.inputs.roleArn, role.state.arn);
        const trust = await policyOf(role.inputs.assumeRolePolicy);
        assert.deepEqual(trust.Statement[0].Principal, { Service: "events.amazonaws.com" });
        assert.deepEqual(trust.Statement[0].Condition.StringEquals, { "aws:SourceAccount": MOCK_ACCOUNT, "aws:SourceArn": deploy.state.arn });
        const perms = await policyOf(mocks.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
        assert.equal(perms.Statement.length, 1);
        assert.deepEqual(asArray(perms.Statement[0].Action), ["states:StartExecution"]);
        assert.deepEqual(asArray(perms.Statement[0].Resource), [SFN]);
    });

    it("creates exactly the resource types it declares (with a deployment target)", async () => {
        await build({ deploymentTarget: { arn: SFN } });
        const root = mocks.one("mlplatform:registry:ModelRegistry");
        const types = new Set(mocks.descendantsOf(root).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...REGISTRY_RESOURCE_TYPES].sort());
    });

    it("passes static parameters to a SageMaker pipeline target and checks target kinds", async () => {
        await build({ deploymentTarget: { arn: SM_PIPELINE, pipelineParameters: { Stage: "prod" } } });
        const target = mocks.ofType(TARGET).find((t) => t.inputs.arn === SM_PIPELINE)!;
        assert.deepEqual(target.inputs.sagemakerPipelineTarget, { pipelineParameterLists: [{ name: "Stage", value: "prod" }] });
        const perms = await policyOf(mocks.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
        assert.deepEqual(asArray(perms.Statement[0].Action), ["sagemaker:StartPipelineExecution"]);

        assert.equal(deploymentTargetKind(`arn:aws:codepipeline:us-east-1:${MOCK_ACCOUNT}:deploy-model`), "codepipeline");
        assert.throws(() => deploymentTargetKind(`arn:aws:lambda:us-east-1:${MOCK_ACCOUNT}:function:x`), /not a CodePipeline/);
        assert.throws(
            () => new ModelRegistry("bad1", { namePrefix: "p", notificationTopicArn: TOPIC, deploymentTarget: { arn: pulumi.output(SFN) } }),
            /kind is required/,
        );
        assert.throws(
            () => new ModelRegistry("bad2", { namePrefix: "p", notificationTopicArn: TOPIC, deploymentTarget: { arn: SFN, kind: "codepipeline" } }),
            /not a codepipeline ARN/,
        );
        assert.throws(() => new ModelRegistry("bad3", { namePrefix: "p", notificationTopicArn: TOPIC, groupName: "bad_name" }), /must match/);
    });
});
