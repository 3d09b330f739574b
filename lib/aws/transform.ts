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
import { StackOutputs } from "../../contracts/stack-outputs";
import { kmsKeyForUri, platformTags } from "./common";
import { withThrottlingRetry } from "./retry";
import { waitFor, WaitOptions } from "./waiter";

/** Input records are `record_id,label,<features>`: the model sees the features, the output keeps id, label and score. */
export const BATCH_DATA_PROCESSING = { InputFilter: "$[2:]", JoinSource: "Input" as const, OutputFilter: "$[0,1,-1]" };

export interface TransformJobSpec {
    name: string;
    modelName: string;
    /** s3:// object or prefix of CSV input, one record per line, no header. */
    inputUri: string;
    /** s3:// prefix the `.out` files go to. */
    outputUri: string;
    instanceType?: string;
    instanceCount?: number;
    /** JSONPath on each input record before it is sent (default "$[2:]": drop record_id and label). */
    inputFilter?: string;
    /** "Input" joins the input record with the prediction (default), "None" returns the prediction only. */
    joinSource?: "Input" | "None";
    /** JSONPath on the joined record (default "$[0,1,-1]": record_id, label and score). */
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
        TransformOutput: { S3OutputPath: s.outputUri, Accept: "text/csv", AssembleWith: "Line", KmsKeyId: kmsKeyForUri(out, s.outputUri) },
        TransformResources: {
            InstanceType: (s.instanceType ?? "ml.m5.large") as never,
            InstanceCount: s.instanceCount ?? 1,
            VolumeKmsKeyId: out.kmsKeyArns.artifacts,
        },
        DataProcessing: {
            ...BATCH_DATA_PROCESSING,
            ...(s.inputFilter ? { InputFilter: s.inputFilter } : {}),
            ...(s.joinSource ? { JoinSource: s.joinSource } : {}),
            ...(s.outputFilter ? { OutputFilter: s.outputFilter } : {}),
        },
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

export interface ScoredRecords {
    ids: string[];
    labels: number[];
    scores: number[];
}

/** Parses transform output lines "record_id,label,score" (the default OutputFilter); throws naming the bad line. */
export function parseScoredCsv(text: string, source: string, into: ScoredRecords = { ids: [], labels: [], scores: [] }): ScoredRecords {
    const before = into.ids.length;
    text.split("\n").forEach((raw, i) => {
        const line = raw.trim();
        if (!line) return;
        const parts = line.split(",");
        const y = Number(parts[1]);
        const s = Number(parts[2]);
        if (parts.length !== 3 || (y !== 0 && y !== 1) || parts[2].trim() === "" || !Number.isFinite(s)) {
            throw new Error(
                `${source} line ${i + 1}: '${line.slice(0, 80)}' is not "record_id,label,score" (label 0/1, numeric score); the transform job must read record_id,label,<features> input with OutputFilter "$[0,1,-1]"`,
            );
        }
        into.ids.push(parts[0]);
        into.labels.push(y);
        into.scores.push(s);
    });
    if (into.ids.length === before) throw new Error(`${source} has no prediction lines; check the transform job's input`);
    return into;
}
