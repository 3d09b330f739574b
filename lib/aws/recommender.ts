/**
 * Inference Recommender (the loadtest step): a Default job benchmarks the model package on the instance types it
 * supports and returns cost/latency/throughput per configuration.
 */
import {
    CreateInferenceRecommendationsJobCommand,
    CreateInferenceRecommendationsJobCommandInput,
    DescribeInferenceRecommendationsJobCommand,
    DescribeInferenceRecommendationsJobCommandOutput,
    SageMakerClient,
    StopInferenceRecommendationsJobCommand,
} from "@aws-sdk/client-sagemaker";
import { StackOutputs } from "../../contracts/stack-outputs";
import { platformTags, vpcConfig } from "./common";
import { withThrottlingRetry } from "./retry";
import { waitFor, WaitOptions } from "./waiter";

export interface RecommendationsJobSpec {
    name: string;
    modelPackageArn: string;
    /** Upper bound of the job's run time (default 7200 s). */
    durationSeconds?: number;
}

export function buildInferenceRecommendationsJob(out: StackOutputs, s: RecommendationsJobSpec): CreateInferenceRecommendationsJobCommandInput {
    if (!/:model-package\/.+\/\d+$/.test(s.modelPackageArn)) {
        throw new Error(`'${s.modelPackageArn}' is not a versioned model package ARN; Inference Recommender needs one — run the register step first`);
    }
    return {
        JobName: s.name,
        JobType: "Default",
        RoleArn: out.roleArns.pipeline,
        InputConfig: {
            ModelPackageVersionArn: s.modelPackageArn,
            JobDurationInSeconds: s.durationSeconds ?? 7200,
            VolumeKmsKeyId: out.kmsKeyArns.artifacts,
            VpcConfig: vpcConfig(out, "endpoint"),
        },
        OutputConfig: { KmsKeyId: out.kmsKeyArns.artifacts },
        Tags: platformTags(out),
    };
}

export async function runInferenceRecommendationsJob(
    sm: SageMakerClient,
    req: CreateInferenceRecommendationsJobCommandInput,
    wait: WaitOptions,
): Promise<DescribeInferenceRecommendationsJobCommandOutput> {
    const name = req.JobName!;
    await withThrottlingRetry(`CreateInferenceRecommendationsJob ${name}`, () => sm.send(new CreateInferenceRecommendationsJobCommand(req)), {
        clock: wait.clock,
    });
    wait.log?.(`inference recommendations job ${name} created (${req.JobType})`);
    return waitFor(
        {
            kind: "inference recommendations job",
            name,
            describe: () => sm.send(new DescribeInferenceRecommendationsJobCommand({ JobName: name })),
            status: (d) => d.Status,
            successStates: ["COMPLETED"],
            failureStates: ["FAILED", "STOPPED", "DELETED"],
            failureReason: (d) => d.FailureReason,
            stop: () => sm.send(new StopInferenceRecommendationsJobCommand({ JobName: name })),
            stopApi: "StopInferenceRecommendationsJob",
            logsHint: `CloudWatch log group /aws/sagemaker/InferenceRecommendationsJobs, stream prefix ${name}`,
        },
        wait,
    );
}

export interface RecommendationRow {
    instanceType: string;
    instanceCount: number;
    costPerHour: number | null;
    costPerInference: number | null;
    maxInvocations: number | null;
    modelLatencyMs: number | null;
    endpointConfigName: string | null;
}

/** The recommendations as rows, cheapest per inference first. */
export function recommendationRows(d: DescribeInferenceRecommendationsJobCommandOutput): RecommendationRow[] {
    const rows = (d.InferenceRecommendations ?? []).map((r) => ({
        instanceType: String(r.EndpointConfiguration?.InstanceType ?? "serverless"),
        instanceCount: r.EndpointConfiguration?.InitialInstanceCount ?? 1,
        costPerHour: r.Metrics?.CostPerHour ?? null,
        costPerInference: r.Metrics?.CostPerInference ?? null,
        maxInvocations: r.Metrics?.MaxInvocations ?? null,
        modelLatencyMs: r.Metrics?.ModelLatency ?? null,
        endpointConfigName: r.EndpointConfiguration?.EndpointName ?? null,
    }));
    return rows.sort((a, b) => (a.costPerInference ?? Infinity) - (b.costPerInference ?? Infinity));
}

export function formatRecommendations(rows: RecommendationRow[]): string {
    const head = ["instance", "count", "$/hour", "$/inference", "max inv/min", "latency ms"];
    const body = rows.map((r) => [
        r.instanceType,
        String(r.instanceCount),
        r.costPerHour?.toFixed(4) ?? "-",
        r.costPerInference?.toExponential(3) ?? "-",
        String(r.maxInvocations ?? "-"),
        String(r.modelLatencyMs ?? "-"),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    return [head, ...body]
        .map((row) =>
            row
                .map((c, i) => c.padEnd(widths[i]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}
