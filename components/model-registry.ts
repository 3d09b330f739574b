/**
 * ModelRegistry: a SageMaker model package group, approval notifications and (optionally) deployment automation.
 * What it creates per stack: docs/components.md.
 *
 * Approval rule: `aws.sagemaker` / `SageMaker Model Package State Change` events of *this* group whose
 * `ModelApprovalStatus` is Approved or Rejected → the notification SNS topic, with a readable message. EventBridge
 * cannot compare old and new values, so this also fires when another field of an already-approved package changes;
 * the message carries the status and version so a reader can tell.
 *
 * SNS delivery needs the topic's resource policy to allow `events.amazonaws.com` sns:Publish for this rule. The topic
 * belongs to whoever created it (the alerts component), so this component does not write the topic policy: it exposes
 * `topicPolicyStatement` (Principal events.amazonaws.com, Resource topic, Condition aws:SourceArn = rule ARN) and calls
 * Args `onTopicPolicyStatement` with it, for the topic's owner to merge into its policy. If the topic is KMS-encrypted,
 * its key policy must also let events.amazonaws.com use the key (kms:GenerateDataKey*, kms:Decrypt).
 *
 * Deployment rule (optional, `deploymentTarget`): Approved only → a CodePipeline pipeline, a Step Functions state
 * machine or a SageMaker pipeline. EventBridge assumes a role that only events.amazonaws.com of this account can
 * assume for this rule (aws:SourceAccount, aws:SourceArn) and that can only start that one target.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { policyDocument, PolicyStatement } from "./grants";

/** The resource types this component creates (tests; docs/components.md shows them per stack). */
export const REGISTRY_RESOURCE_TYPES: readonly string[] = [
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
];

export const MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change";

export type DeploymentTargetKind = "codepipeline" | "stepfunctions" | "sagemaker-pipeline";

/** The IAM action that starts a deployment target of each kind. */
export const DEPLOYMENT_START_ACTION: Record<DeploymentTargetKind, string> = {
    codepipeline: "codepipeline:StartPipelineExecution",
    stepfunctions: "states:StartExecution",
    "sagemaker-pipeline": "sagemaker:StartPipelineExecution",
};

/** The kind of a deployment target from its ARN; throws for anything else. */
export function deploymentTargetKind(arn: string): DeploymentTargetKind {
    if (/^arn:aws[a-z-]*:codepipeline:[a-z0-9-]+:\d{12}:[^:/]+$/.test(arn)) return "codepipeline";
    if (/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:.+$/.test(arn)) return "stepfunctions";
    if (/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/.+$/.test(arn)) return "sagemaker-pipeline";
    throw new Error(`deployment target ${JSON.stringify(arn)} is not a CodePipeline pipeline, Step Functions state machine or SageMaker pipeline ARN`);
}

/** The event pattern matching approval-status changes of one model package group. */
export function approvalEventPattern(groupName: string, statuses: string[]): Record<string, unknown> {
    return {
        source: ["aws.sagemaker"],
        "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
        detail: { ModelPackageGroupName: [groupName], ModelApprovalStatus: statuses },
    };
}

/** A resource-policy statement (for the SNS topic's owner). */
export interface TopicPolicyStatement {
    Sid: string;
    Effect: "Allow";
    Principal: { Service: string };
    Action: string;
    Resource: string;
    Condition: { ArnEquals: { "aws:SourceArn": string } };
}

export interface DeploymentTarget {
    arn: pulumi.Input<string>;
    /** Required when `arn` is not a plain string (then it cannot be inspected). */
    kind?: DeploymentTargetKind;
    /** Static parameters for a SageMaker pipeline target. */
    pipelineParameters?: Record<string, string>;
}

export interface ModelRegistryArgs {
    namePrefix: string;
    /** Model package group name. Default `<namePrefix>-models`. */
    groupName?: string;
    description?: string;
    /** SNS topic notified of approvals and rejections. */
    notificationTopicArn: pulumi.Input<string>;
    /** Receives the statement the topic's policy must contain for EventBridge to publish. */
    onTopicPolicyStatement?: (statement: pulumi.Output<TopicPolicyStatement>) => void;
    /** Optional deployment automation started on approval. */
    deploymentTarget?: DeploymentTarget;
    /** Account id; looked up with sts:GetCallerIdentity when absent (deployment role trust only). */
    accountId?: pulumi.Input<string>;
    tags?: Record<string, string>;
}

const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export class ModelRegistry extends pulumi.ComponentResource {
    readonly modelPackageGroup: aws.sagemaker.ModelPackageGroup;
    readonly modelPackageGroupName: pulumi.Output<string>;
    readonly modelPackageGroupArn: pulumi.Output<string>;
    /** The approval (Approved/Rejected → SNS) rule. */
    readonly ruleArn: pulumi.Output<string>;
    readonly ruleName: pulumi.Output<string>;
    /** The deployment (Approved → target) rule, when configured. */
    readonly deploymentRuleArn?: pulumi.Output<string>;
    readonly deploymentRoleArn?: pulumi.Output<string>;
    /** Statement the notification topic's policy must contain. */
    readonly topicPolicyStatement: pulumi.Output<TopicPolicyStatement>;

    constructor(name: string, args: ModelRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.ModelRegistry, name, {}, withPreviousTypes("ModelRegistry", opts));
        const groupName = args.groupName ?? `${args.namePrefix}-models`;
        if (!GROUP_NAME.test(groupName)) throw new Error(`ModelRegistry ${name}: model package group name ${groupName} must match ${GROUP_NAME}`);
        const target = args.deploymentTarget;
        let kind: DeploymentTargetKind | undefined;
        if (target) {
            kind = target.kind ?? (typeof target.arn === "string" ? deploymentTargetKind(target.arn) : undefined);
            if (!kind) throw new Error(`ModelRegistry ${name}: deploymentTarget.kind is required when the ARN is not a plain string`);
            if (typeof target.arn === "string" && deploymentTargetKind(target.arn) !== kind) {
                throw new Error(`ModelRegistry ${name}: deploymentTarget ${target.arn} is not a ${kind} ARN`);
            }
            if (target.pipelineParameters && kind !== "sagemaker-pipeline")
                throw new Error(`ModelRegistry ${name}: pipelineParameters only apply to SageMaker pipeline targets`);
        }
        const tags = args.tags ?? {};

        this.modelPackageGroup = new aws.sagemaker.ModelPackageGroup(
            `${name}-group`,
            { modelPackageGroupName: groupName, modelPackageGroupDescription: args.description ?? `Models of the ${args.namePrefix} ML platform`, tags },
            { parent: this },
        );
        this.modelPackageGroupName = this.modelPackageGroup.modelPackageGroupName;
        this.modelPackageGroupArn = this.modelPackageGroup.arn;

        const rule = new aws.cloudwatch.EventRule(
            `${name}-approval`,
            {
                description: `Approval status changes (Approved/Rejected) of model package group ${groupName}`,
                eventPattern: this.modelPackageGroupName.apply((g) => JSON.stringify(approvalEventPattern(g, ["Approved", "Rejected"]))),
                tags,
            },
            { parent: this },
        );
        this.ruleArn = rule.arn;
        this.ruleName = rule.name;

        new aws.cloudwatch.EventTarget(
            `${name}-approval-sns`,
            {
                rule: rule.name,
                arn: args.notificationTopicArn,
                inputTransformer: {
                    inputPaths: {
                        group: "$.detail.ModelPackageGroupName",
                        version: "$.detail.ModelPackageVersion",
                        status: "$.detail.ModelApprovalStatus",
                        arn: "$.detail.ModelPackageArn",
                        time: "$.time",
                    },
                    inputTemplate: '"Model package <group> version <version> is <status> (<arn>) at <time>."',
                },
                retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
            },
            { parent: this },
        );

        this.topicPolicyStatement = pulumi.all([pulumi.output(args.notificationTopicArn), rule.arn]).apply(([topic, ruleArn]) => ({
            Sid: `AllowEventBridge${name.replace(/[^A-Za-z0-9]/g, "")}`,
            Effect: "Allow" as const,
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topic,
            Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
        }));
        args.onTopicPolicyStatement?.(this.topicPolicyStatement);

        if (target && kind) {
            const accountId = pulumi.output(args.accountId ?? aws.getCallerIdentityOutput({}, { parent: this }).accountId);
            const deployRule = new aws.cloudwatch.EventRule(
                `${name}-deploy`,
                {
                    description: `Start deployment when a model package of ${groupName} is approved`,
                    eventPattern: this.modelPackageGroupName.apply((g) => JSON.stringify(approvalEventPattern(g, ["Approved"]))),
                    tags,
                },
                { parent: this },
            );
            const role = new aws.iam.Role(
                `${name}-deploy`,
                {
                    description: `EventBridge: start the deployment ${kind} of ${groupName}`,
                    assumeRolePolicy: pulumi.all([accountId, deployRule.arn]).apply(([account, ruleArn]) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    Effect: "Allow",
                                    Principal: { Service: "events.amazonaws.com" },
                                    Action: "sts:AssumeRole",
                                    Condition: { StringEquals: { "aws:SourceAccount": account, "aws:SourceArn": ruleArn } },
                                },
                            ],
                        }),
                    ),
                    tags,
                },
                { parent: this },
            );
            const policy = new aws.iam.RolePolicy(
                `${name}-deploy`,
                {
                    role: role.id,
                    policy: policyDocument(
                        pulumi
                            .output(target.arn)
                            .apply((arn): PolicyStatement[] => [
                                { Sid: "StartDeployment", Effect: "Allow", Action: DEPLOYMENT_START_ACTION[kind!], Resource: arn },
                            ]),
                    ),
                },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-deploy`,
                {
                    rule: deployRule.name,
                    arn: target.arn,
                    roleArn: role.arn,
                    retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
                    ...(kind === "sagemaker-pipeline" && target.pipelineParameters
                        ? {
                              sagemakerPipelineTarget: {
                                  pipelineParameterLists: Object.entries(target.pipelineParameters).map(([n, value]) => ({ name: n, value })),
                              },
                          }
                        : {}),
                },
                { parent: this, dependsOn: [policy] },
            );
            this.deploymentRuleArn = deployRule.arn;
            this.deploymentRoleArn = role.arn;
        }

        this.registerOutputs({
            modelPackageGroupName: this.modelPackageGroupName,
            modelPackageGroupArn: this.modelPackageGroupArn,
            ruleArn: this.ruleArn,
            deploymentRuleArn: this.deploymentRuleArn,
            deploymentRoleArn: this.deploymentRoleArn,
            topicPolicyStatement: this.topicPolicyStatement,
        });
    }
}
