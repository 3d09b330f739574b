/**
 * What the pipeline role needs to run the `--target aws` lifecycle beyond job control and model deployment (the role a
 * SageMaker pipeline running the lifecycle and the Inference Recommender job run with; lib/aws/permissions.ts lists
 * every call; the access contract, test/access/, found these missing): Feature Store
 * ingestion (features step: PutRecord), model registration (register step: CreateModelPackage/DescribeModelPackage
 * with tags), endpoint invocation (deploy smoke request, monitor replays: InvokeEndpoint on the platform's endpoints),
 * and the load test (loadtest step: an Inference Recommender job that runs as the pipeline role, so the role may pass
 * itself to SageMaker).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { grant, Grantee } from "./grants";

export interface LifecycleOperatorArgs {
    owner: pulumi.ComponentResource;
    ownerName: string;
    partition: pulumi.Input<string>;
    region: pulumi.Input<string>;
    accountId: pulumi.Input<string>;
    namePrefix: string;
    featureGroupArns: pulumi.Output<string[]>;
    modelPackageGroupName: pulumi.Input<string>;
    /** The role Inference Recommender jobs run as (the grantee's own role). */
    recommenderRoleArn: pulumi.Input<string>;
}

export function grantLifecycleOperator(grantee: Grantee, a: LifecycleOperatorArgs): aws.iam.RolePolicy {
    const sm = (res: pulumi.Input<string>) => pulumi.interpolate`arn:${a.partition}:sagemaker:${a.region}:${a.accountId}:${res}`;
    return grant(a.owner, a.ownerName, "lifecycle-operator", grantee, [
        { Sid: "IngestFeatures", Effect: "Allow", Action: ["sagemaker:PutRecord"], Resource: a.featureGroupArns },
        {
            Sid: "RegisterModels",
            Effect: "Allow",
            Action: ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage", "sagemaker:AddTags"],
            Resource: [
                sm(pulumi.interpolate`model-package/${a.modelPackageGroupName}/*`),
                sm(pulumi.interpolate`model-package-group/${a.modelPackageGroupName}`),
            ],
        },
        { Sid: "InvokePlatformEndpoints", Effect: "Allow", Action: ["sagemaker:InvokeEndpoint"], Resource: sm(`endpoint/${a.namePrefix}-*`) },
        {
            Sid: "LoadTests",
            Effect: "Allow",
            Action: [
                "sagemaker:CreateInferenceRecommendationsJob",
                "sagemaker:DescribeInferenceRecommendationsJob",
                "sagemaker:StopInferenceRecommendationsJob",
                "sagemaker:AddTags",
            ],
            Resource: sm(`inference-recommendations-job/${a.namePrefix}-*`),
        },
        {
            Sid: "PassOwnRoleToRecommender",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: a.recommenderRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
    ]);
}
