/**
 * Hyperparameter tuning jobs: the same HyperParameterTuningJobConfig the local tuner takes (lib/tuning/config.ts,
 * validated by the same code before anything is sent) plus a TrainingJobDefinition with the training jobs' VPC, KMS,
 * isolation, encryption and spot settings (lib/aws/training.ts).
 */
import {
    CreateHyperParameterTuningJobCommand,
    CreateHyperParameterTuningJobCommandInput,
    DescribeHyperParameterTuningJobCommand,
    DescribeHyperParameterTuningJobCommandOutput,
    SageMakerClient,
    StopHyperParameterTuningJobCommand,
} from "@aws-sdk/client-sagemaker";
import { StackOutputs } from "../../contracts/stack-outputs";
import { HyperParameterTuningJobConfig, validateTuningConfig } from "../tuning/config";
import { platformTags } from "./common";
import { withThrottlingRetry } from "./retry";
import { hyperParametersAsStrings, trainingJobCommon, TrainingResourcesSpec } from "./training";
import { waitFor, WaitOptions } from "./waiter";

export interface TuningJobSpec extends TrainingResourcesSpec {
    /** At most 32 characters (API limit). */
    name: string;
    config: HyperParameterTuningJobConfig;
    staticHyperParameters: Record<string, string | number>;
    trainUri: string;
    validationUri: string;
}

export function buildTuningJob(out: StackOutputs, s: TuningJobSpec): CreateHyperParameterTuningJobCommandInput {
    if (s.name.length > 32) throw new Error(`tuning job name '${s.name}' has ${s.name.length} characters; the API allows 32 — use a shorter prefix`);
    validateTuningConfig(s.config, s.staticHyperParameters);
    const c = s.config;
    return {
        HyperParameterTuningJobName: s.name,
        HyperParameterTuningJobConfig: {
            Strategy: c.Strategy,
            HyperParameterTuningJobObjective: { ...c.HyperParameterTuningJobObjective },
            ResourceLimits: { ...c.ResourceLimits },
            ParameterRanges: {
                ContinuousParameterRanges: (c.ParameterRanges.ContinuousParameterRanges ?? []).map((r) => ({ ...r })),
                IntegerParameterRanges: (c.ParameterRanges.IntegerParameterRanges ?? []).map((r) => ({ ...r })),
                CategoricalParameterRanges: (c.ParameterRanges.CategoricalParameterRanges ?? []).map((r) => ({ ...r, Values: [...r.Values] })),
            },
            TrainingJobEarlyStoppingType: c.TrainingJobEarlyStoppingType ?? "Off",
        },
        TrainingJobDefinition: {
            StaticHyperParameters: hyperParametersAsStrings(s.staticHyperParameters),
            ...trainingJobCommon(out, s, { train: s.trainUri, validation: s.validationUri }, s.name),
        },
        Tags: platformTags(out),
    };
}

export async function runTuningJob(
    sm: SageMakerClient,
    req: CreateHyperParameterTuningJobCommandInput,
    wait: WaitOptions,
): Promise<DescribeHyperParameterTuningJobCommandOutput> {
    const name = req.HyperParameterTuningJobName!;
    await withThrottlingRetry(`CreateHyperParameterTuningJob ${name}`, () => sm.send(new CreateHyperParameterTuningJobCommand(req)), { clock: wait.clock });
    const limits = req.HyperParameterTuningJobConfig?.ResourceLimits;
    wait.log?.(`tuning job ${name} created (${limits?.MaxNumberOfTrainingJobs} trials, ${limits?.MaxParallelTrainingJobs} in parallel)`);
    return waitFor(
        {
            kind: "tuning job",
            name,
            describe: () => sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name })),
            status: (d) => d.HyperParameterTuningJobStatus,
            detail: (d) => {
                const c = d.TrainingJobStatusCounters;
                return c
                    ? `trials completed ${c.Completed ?? 0}, running ${c.InProgress ?? 0}, stopped ${c.Stopped ?? 0}, failed ${(c.RetryableError ?? 0) + (c.NonRetryableError ?? 0)}`
                    : undefined;
            },
            successStates: ["Completed"],
            failureStates: ["Failed", "Stopped"],
            failureReason: (d) => d.FailureReason,
            stop: () => sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name })),
            stopApi: "StopHyperParameterTuningJob",
            logsHint: `CloudWatch log group /aws/sagemaker/TrainingJobs, stream prefix ${name}`,
        },
        wait,
    );
}
