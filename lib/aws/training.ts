/**
 * Training jobs with SageMaker's built-in XGBoost 1.7-1: CSV channels (label first, no header) from the curated
 * bucket, model artifacts to `s3://<artifacts>/models/`, in the stack's VPC with network isolation and
 * inter-container encryption, volumes and outputs encrypted with the artifacts key, the training role, and managed spot
 * training (with checkpoints) when `pipeline.useSpot`. The same pieces make the tuning job's TrainingJobDefinition.
 */
import {
    Channel,
    CreateTrainingJobCommand,
    CreateTrainingJobCommandInput,
    DescribeTrainingJobCommand,
    DescribeTrainingJobCommandOutput,
    SageMakerClient,
    StopTrainingJobCommand,
} from "@aws-sdk/client-sagemaker";
import { modelsUri } from "../../contracts/s3-layout";
import { StackOutputs } from "../../contracts/stack-outputs";
import { platformTags, s3Join, vpcConfig } from "./common";
import { frameworkImageUri } from "./images";
import { withThrottlingRetry } from "./retry";
import { waitFor, WaitOptions } from "./waiter";

export interface TrainingResourcesSpec {
    /** Defaults to outputs.pipeline.trainingInstanceType. */
    instanceType?: string;
    instanceCount?: number;
    volumeSizeGb?: number;
    /** Defaults to outputs.pipeline.useSpot. */
    useSpot?: boolean;
    /** Defaults to outputs.pipeline.maxRuntimeSeconds. */
    maxRuntimeSeconds?: number;
    /** Spot only: total time including waiting for capacity (default 2 x maxRuntimeSeconds). */
    maxWaitSeconds?: number;
    /** Override the built-in XGBoost image (default: the region's sagemaker-xgboost:1.7-1). */
    imageUri?: string;
}

export interface TrainingJobSpec extends TrainingResourcesSpec {
    name: string;
    hyperParameters: Record<string, string | number>;
    /** s3:// URI (object or prefix) of the train CSV (label first, no header). */
    trainUri: string;
    validationUri: string;
}

/** The model output prefix every training job writes to: `s3://<artifacts>/models/`. */
export function modelsPrefix(out: StackOutputs): string {
    return modelsUri(out);
}

/** Hyperparameters as the API wants them: every value a string. */
export function hyperParametersAsStrings(hp: Record<string, string | number | boolean>): Record<string, string> {
    return Object.fromEntries(Object.entries(hp).map(([k, v]) => [k, String(v)]));
}

export function csvChannel(name: string, uri: string): Channel {
    return {
        ChannelName: name,
        ContentType: "text/csv",
        CompressionType: "None",
        InputMode: "File",
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri, S3DataDistributionType: "FullyReplicated" } },
    };
}

/** The parts shared by CreateTrainingJob and a tuning job's TrainingJobDefinition. */
export function trainingJobCommon(out: StackOutputs, r: TrainingResourcesSpec, channels: { train: string; validation: string }, checkpointKey: string) {
    const useSpot = r.useSpot ?? out.pipeline.useSpot;
    const maxRuntime = r.maxRuntimeSeconds ?? out.pipeline.maxRuntimeSeconds;
    const maxWait = r.maxWaitSeconds ?? 2 * maxRuntime;
    if (useSpot && maxWait < maxRuntime)
        throw new Error(
            `spot training: maxWaitSeconds ${maxWait} is below maxRuntimeSeconds ${maxRuntime}; SageMaker requires MaxWaitTimeInSeconds >= MaxRuntimeInSeconds — raise --max-wait-seconds`,
        );
    return {
        AlgorithmSpecification: { TrainingImage: r.imageUri ?? frameworkImageUri("xgboost", out.region), TrainingInputMode: "File" as const },
        RoleArn: out.roleArns.training,
        InputDataConfig: [csvChannel("train", channels.train), csvChannel("validation", channels.validation)],
        OutputDataConfig: { S3OutputPath: modelsPrefix(out), KmsKeyId: out.kmsKeyArns.artifacts },
        ResourceConfig: {
            InstanceType: (r.instanceType ?? out.pipeline.trainingInstanceType) as never,
            InstanceCount: r.instanceCount ?? 1,
            VolumeSizeInGB: r.volumeSizeGb ?? 10,
            VolumeKmsKeyId: out.kmsKeyArns.artifacts,
        },
        VpcConfig: vpcConfig(out, "job"),
        StoppingCondition: useSpot ? { MaxRuntimeInSeconds: maxRuntime, MaxWaitTimeInSeconds: maxWait } : { MaxRuntimeInSeconds: maxRuntime },
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
        EnableManagedSpotTraining: useSpot,
        ...(useSpot
            ? { CheckpointConfig: { S3Uri: s3Join(out.buckets.artifacts.uri, "checkpoints/", `${checkpointKey}/`), LocalPath: "/opt/ml/checkpoints" } }
            : {}),
    };
}

export function buildTrainingJob(out: StackOutputs, s: TrainingJobSpec): CreateTrainingJobCommandInput {
    return {
        TrainingJobName: s.name,
        HyperParameters: hyperParametersAsStrings(s.hyperParameters),
        ...trainingJobCommon(out, s, { train: s.trainUri, validation: s.validationUri }, s.name),
        Tags: platformTags(out),
    };
}

/** Model artifact URI of a completed training job (`.../models/<job>/output/model.tar.gz`). */
export function modelArtifactOf(d: DescribeTrainingJobCommandOutput): string {
    const uri = d.ModelArtifacts?.S3ModelArtifacts;
    if (!uri) throw new Error(`training job ${d.TrainingJobName} has no ModelArtifacts.S3ModelArtifacts (status ${d.TrainingJobStatus}); it did not complete`);
    return uri;
}

/** A final metric (e.g. "validation:auc") of a training job; throws naming the job and the metrics it has. */
export function finalMetric(d: DescribeTrainingJobCommandOutput, name: string): number {
    const m = d.FinalMetricDataList?.find((x) => x.MetricName === name);
    if (m?.Value === undefined) {
        const have = (d.FinalMetricDataList ?? []).map((x) => x.MetricName).join(", ") || "none";
        throw new Error(
            `training job ${d.TrainingJobName} reported no '${name}' metric (it has: ${have}); set eval_metric=auc and give it a validation channel`,
        );
    }
    return m.Value;
}

export function describeTrainingJob(sm: SageMakerClient, name: string, wait: Pick<WaitOptions, "clock"> = {}): Promise<DescribeTrainingJobCommandOutput> {
    return withThrottlingRetry(`DescribeTrainingJob ${name}`, () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })), { clock: wait.clock });
}

export async function runTrainingJob(sm: SageMakerClient, req: CreateTrainingJobCommandInput, wait: WaitOptions): Promise<DescribeTrainingJobCommandOutput> {
    const name = req.TrainingJobName!;
    await withThrottlingRetry(`CreateTrainingJob ${name}`, () => sm.send(new CreateTrainingJobCommand(req)), { clock: wait.clock });
    wait.log?.(`training job ${name} created (${req.ResourceConfig?.InstanceType}${req.EnableManagedSpotTraining ? ", managed spot" : ""})`);
    return waitFor(
        {
            kind: "training job",
            name,
            describe: () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })),
            status: (d) => d.TrainingJobStatus,
            detail: (d) => d.SecondaryStatus,
            successStates: ["Completed"],
            failureStates: ["Failed", "Stopped"],
            failureReason: (d) => d.FailureReason,
            stop: () => sm.send(new StopTrainingJobCommand({ TrainingJobName: name })),
            stopApi: "StopTrainingJob",
            logsHint: `CloudWatch log group /aws/sagemaker/TrainingJobs, stream prefix ${name}`,
        },
        wait,
    );
}
