/**
 * tune — the declaration both targets implement (local.ts: the local tuner in worker threads; aws.ts: a SageMaker
 * hyperparameter tuning job), the results they return, and the one tuning configuration both run: the default
 * HyperParameterTuningJobConfig, or --tuning-config FILE, with --max-jobs / --max-parallel applied, and the static
 * hyperparameters every trial gets.
 */
import * as fs from "fs";
import { StepError } from "../../framework/step";
import { HyperParameterTuningJobConfig } from "../../../lib/tuning/config";

export const TUNE = { name: "tune", dependsOn: ["features"] } as const;

export interface TuneResults {
    job: string;
    bestTrainingJob: string;
    /** The best trial's objective (validation:auc). */
    validationAuc: number | undefined;
    testAuc: number;
    modelUri: string;
    hyperParameters: Record<string, string>;
    trials: number;
    counters: { Completed: number; Stopped: number; Failed: number };
    /** AWS target only: the best model's test-set statistics in S3. */
    statisticsUri?: string;
}

export const DEFAULT_TUNING_CONFIG: HyperParameterTuningJobConfig = {
    Strategy: "Bayesian",
    HyperParameterTuningJobObjective: { Type: "Maximize", MetricName: "validation:auc" },
    ResourceLimits: { MaxNumberOfTrainingJobs: 12, MaxParallelTrainingJobs: 2 },
    ParameterRanges: {
        ContinuousParameterRanges: [
            { Name: "eta", MinValue: "0.05", MaxValue: "0.5", ScalingType: "Logarithmic" },
            { Name: "subsample", MinValue: "0.6", MaxValue: "1.0", ScalingType: "Linear" },
            { Name: "colsample_bytree", MinValue: "0.5", MaxValue: "1.0", ScalingType: "Linear" },
            { Name: "gamma", MinValue: "0", MaxValue: "5", ScalingType: "Linear" },
            { Name: "min_child_weight", MinValue: "1", MaxValue: "10", ScalingType: "Logarithmic" },
        ],
        IntegerParameterRanges: [{ Name: "max_depth", MinValue: "3", MaxValue: "8", ScalingType: "Linear" }],
        CategoricalParameterRanges: [],
    },
    TrainingJobEarlyStoppingType: "Auto",
} as HyperParameterTuningJobConfig;

export const STATIC_HYPERPARAMETERS: Record<string, string> = {
    objective: "binary:logistic",
    num_round: "100",
    eval_metric: "auc",
    early_stopping_rounds: "10",
};

/** The tuning config of a run: the default, or `--tuning-config FILE`, with `--max-jobs` / `--max-parallel` applied. */
export function tuningConfigFromOptions(options: Record<string, string | boolean>): HyperParameterTuningJobConfig {
    let cfg = JSON.parse(JSON.stringify(DEFAULT_TUNING_CONFIG)) as HyperParameterTuningJobConfig;
    if (typeof options["tuning-config"] === "string") {
        const f = options["tuning-config"];
        try {
            cfg = JSON.parse(fs.readFileSync(f, "utf8")) as HyperParameterTuningJobConfig;
        } catch (e) {
            throw new StepError(`--tuning-config ${f}: ${(e as Error).message} (expected a HyperParameterTuningJobConfig JSON file)`);
        }
    }
    if (options["max-jobs"] !== undefined) cfg.ResourceLimits.MaxNumberOfTrainingJobs = Number(options["max-jobs"]);
    if (options["max-parallel"] !== undefined) cfg.ResourceLimits.MaxParallelTrainingJobs = Number(options["max-parallel"]);
    return cfg;
}

/** The tuning config file given with --tuning-config (part of the step's input files). */
export function tuningConfigFiles(options: Record<string, string | boolean>): string[] {
    return typeof options["tuning-config"] === "string" ? [options["tuning-config"]] : [];
}
