/**
 * Batch transform jobs (batch-infer, and the test-set scoring of train/tune): CSV in, one line per record
 * (MultiRecord batches split on lines), the input joined to the prediction and filtered (DataProcessing), volumes and
 * output encrypted with the artifacts key. Runs in the VPC of its model (CreateModel's VpcConfig, job security group).
 */
import {
    CreateTransformJobCommand,
    CreateTransformJobCommandInput,
    DescribeTransformJobCommand,
    DescribeTransformJobCommandOutput,
    SageMakerClient,
    StopTransformJobCommand,
} from "@aws-sdk/client-sagemaker";
import { StackOutputs } from "../../infra/outputs";
import { platformTags } from "./common";
import { withThrottlingRetry } from "./retry";
import { waitFor, WaitOptions } from "./waiter";

export interface TransformJobSpec {
    name: string;
    modelName: string;
    /** s3:// object or prefix of CSV input, one record per line, no header. */
    inputUri: string;
    /** s3:// prefix the `.out` files go to. */
    outputUri: string;
    instanceType?: string;
    instanceCount?: number;
    /** JSONPath on each input record before it is sent (default "$[1:]": drop the label in column 0). */
    inputFilter?: string;
    /** "Input" joins the input record with the prediction (default), "None" returns the prediction only. */
    joinSource?: "Input" | "None";
    /** JSONPath on the joined record (default "$[0,-1]": label and score). */
    outputFilter?: string;
    maxPayloadMb?: number;
}

export function buildTransformJob(out: StackOutputs, s: TransformJobSpec): CreateTransformJobCommandInput {
    return {
        TransformJobName: s.name,
        ModelName: s.modelName,
        BatchStrategy: "MultiRecord",
        MaxPayloadInMB: s.maxPayloadMb ?? 6,
        TransformInput: {
            DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: s.inputUri } },
            ContentType: "text/csv",
            SplitType: "Line",
            CompressionType: "None",
        },
        TransformOutput: { S3OutputPath: s.outputUri, Accept: "text/csv", AssembleWith: "Line", KmsKeyId: out.kmsKeyArns.artifacts },
        TransformResources: { InstanceType: (s.instanceType ?? "ml.m5.large") as never, InstanceCount: s.instanceCount ?? 1, VolumeKmsKeyId: out.kmsKeyArns.artifacts },
        DataProcessing: { InputFilter: s.inputFilter ?? "$[1:]", JoinSource: s.joinSource ?? "Input", OutputFilter: s.outputFilter ?? "$[0,-1]" },
        Tags: platformTags(out),
    };
}

export async function runTransformJob(sm: SageMakerClient, req: CreateTransformJobCommandInput, wait: WaitOptions): Promise<DescribeTransformJobCommandOutput> {
    const name = req.TransformJobName!;
    await withThrottlingRetry(`CreateTransformJob ${name}`, () => sm.send(new CreateTransformJobCommand(req)), { clock: wait.clock });
    wait.log?.(`transform job ${name} created (model ${req.ModelName}, ${req.TransformResources?.InstanceType})`);
    return waitFor(
        {
            kind: "transform job",
            name,
            describe: () => sm.send(new DescribeTransformJobCommand({ TransformJobName: name })),
            status: (d) => d.TransformJobStatus,
            successStates: ["Completed"],
            failureStates: ["Failed", "Stopped"],
            failureReason: (d) => d.FailureReason,
            stop: () => sm.send(new StopTransformJobCommand({ TransformJobName: name })),
            stopApi: "StopTransformJob",
            logsHint: `CloudWatch log group /aws/sagemaker/TransformJobs, stream prefix ${name}`,
        },
        wait,
    );
}

/** Parses transform output lines "label,score" (the default OutputFilter) into arrays; throws naming the bad line. */
export function parseLabelScoreCsv(text: string, source: string): { labels: number[]; scores: number[] } {
    const labels: number[] = [];
    const scores: number[] = [];
    const lines = text.split("\n");
    lines.forEach((raw, i) => {
        const line = raw.trim();
        if (!line) return;
        const parts = line.split(",");
        const y = Number(parts[0]);
        const s = Number(parts[parts.length - 1]);
        if (parts.length < 2 || (y !== 0 && y !== 1) || !Number.isFinite(s)) {
            throw new Error(`${source} line ${i + 1}: '${line.slice(0, 60)}' is not "label,score" with label 0/1 and a numeric score; the transform job must use OutputFilter "$[0,-1]" on label-first input`);
        }
        labels.push(y);
        scores.push(s);
    });
    if (labels.length === 0) throw new Error(`${source} has no prediction lines; check the transform job's input`);
    return { labels, scores };
}
