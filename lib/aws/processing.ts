/**
 * Processing jobs (the prepare step): the SKLearn processing container runs `lib/aws/scripts/prepare_adult.py` on the
 * raw Adult files from the raw bucket and writes the cleaned, split CSVs and the data-quality report to the curated
 * bucket, encrypted with the stack's data key, inside the stack's VPC with network isolation.
 */
import {
    CreateProcessingJobCommand,
    CreateProcessingJobCommandInput,
    DescribeProcessingJobCommand,
    DescribeProcessingJobCommandOutput,
    SageMakerClient,
    StopProcessingJobCommand,
} from "@aws-sdk/client-sagemaker";
import { StackOutputs } from "../../contracts/stack-outputs";
import { platformTags, vpcConfig } from "./common";
import { frameworkImageUri } from "./images";
import { withThrottlingRetry } from "./retry";
import { waitFor, WaitOptions } from "./waiter";

export const PROCESSING_ROOT = "/opt/ml/processing";
export const PREPARE_SCRIPT = "prepare_adult.py";

export interface PrepareJobSpec {
    name: string;
    /** s3:// prefix holding the processing script (uploaded by the step). */
    codeUri: string;
    /** s3:// prefix of the raw Adult files (adult.data, adult.test). */
    rawUri: string;
    /** s3:// prefix the outputs go to (train/validation/test CSV + data-quality-report.json). */
    outputUri: string;
    seed: number;
    validationFraction?: number;
    instanceType?: string;
    volumeSizeGb?: number;
    maxRuntimeSeconds?: number;
    /** Override the SKLearn image URI (default: the region's sagemaker-scikit-learn 1.2-1). */
    imageUri?: string;
}

export function buildPrepareProcessingJob(out: StackOutputs, s: PrepareJobSpec): CreateProcessingJobCommandInput {
    return {
        ProcessingJobName: s.name,
        RoleArn: out.roleArns.processing,
        AppSpecification: {
            ImageUri: s.imageUri ?? frameworkImageUri("sklearn", out.region),
            ContainerEntrypoint: ["python3", `${PROCESSING_ROOT}/input/code/${PREPARE_SCRIPT}`],
            ContainerArguments: ["--seed", String(s.seed), "--validation-fraction", String(s.validationFraction ?? 0.2)],
        },
        ProcessingInputs: [
            {
                InputName: "raw",
                S3Input: {
                    S3Uri: s.rawUri,
                    LocalPath: `${PROCESSING_ROOT}/input/raw`,
                    S3DataType: "S3Prefix",
                    S3InputMode: "File",
                    S3DataDistributionType: "FullyReplicated",
                },
            },
            {
                InputName: "code",
                S3Input: {
                    S3Uri: s.codeUri,
                    LocalPath: `${PROCESSING_ROOT}/input/code`,
                    S3DataType: "S3Prefix",
                    S3InputMode: "File",
                    S3DataDistributionType: "FullyReplicated",
                },
            },
        ],
        ProcessingOutputConfig: {
            KmsKeyId: out.kmsKeyArns.data,
            Outputs: [{ OutputName: "prepared", S3Output: { S3Uri: s.outputUri, LocalPath: `${PROCESSING_ROOT}/output`, S3UploadMode: "EndOfJob" } }],
        },
        ProcessingResources: {
            ClusterConfig: {
                InstanceCount: 1,
                InstanceType: (s.instanceType ?? "ml.m5.large") as never,
                VolumeSizeInGB: s.volumeSizeGb ?? 10,
                VolumeKmsKeyId: out.kmsKeyArns.data,
            },
        },
        NetworkConfig: { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: vpcConfig(out, "job") },
        StoppingCondition: { MaxRuntimeInSeconds: s.maxRuntimeSeconds ?? 3600 },
        Tags: platformTags(out),
    };
}

export async function runProcessingJob(
    sm: SageMakerClient,
    req: CreateProcessingJobCommandInput,
    wait: WaitOptions,
): Promise<DescribeProcessingJobCommandOutput> {
    const name = req.ProcessingJobName!;
    await withThrottlingRetry(`CreateProcessingJob ${name}`, () => sm.send(new CreateProcessingJobCommand(req)), { clock: wait.clock });
    wait.log?.(`processing job ${name} created (image ${req.AppSpecification?.ImageUri})`);
    return waitFor(
        {
            kind: "processing job",
            name,
            describe: () => sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: name })),
            status: (d) => d.ProcessingJobStatus,
            successStates: ["Completed"],
            failureStates: ["Failed", "Stopped"],
            failureReason: (d) => d.FailureReason ?? d.ExitMessage,
            stop: () => sm.send(new StopProcessingJobCommand({ ProcessingJobName: name })),
            stopApi: "StopProcessingJob",
            logsHint: `CloudWatch log group /aws/sagemaker/ProcessingJobs, stream prefix ${name}`,
        },
        wait,
    );
}
