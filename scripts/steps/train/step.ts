/**
 * train — the declaration both targets implement (local.ts: the local trainer; aws.ts: a SageMaker training job), the
 * results they return, and the options both read: --hp.<name> on top of the default hyperparameters, and --spot
 * (AWS; also read by the AWS tune step, which trains with the same settings).
 */
import { DEFAULT_HYPERPARAMETERS } from "../../../lib/training";
import { StepContext, StepError } from "../../framework/step";

export const TRAIN = { name: "train", dependsOn: ["features"] } as const;

export interface TrainResults {
    job: string;
    modelUri: string;
    validationAuc: number;
    testAuc: number;
    /** Boosting rounds trained (null on AWS: the job does not report them). */
    rounds: number | null;
    trainSeconds: number | null;
    hyperParameters: Record<string, string>;
    /** AWS target only. */
    billableSeconds?: number | null;
    spot?: boolean;
    spotSavings?: number | null;
    /** AWS target only: the test set's model-quality statistics in S3 (the register step's ModelMetrics). */
    statisticsUri?: string;
    evaluationTransformJob?: string;
}

/** The run's hyperparameters: the defaults with every `--hp.<name> <value>` applied. */
export function hyperParametersFromOptions(options: Record<string, string | boolean>): Record<string, string | number> {
    const hp: Record<string, string | number> = { ...DEFAULT_HYPERPARAMETERS };
    for (const [k, v] of Object.entries(options)) if (k.startsWith("hp.")) hp[k.slice(3)] = String(v);
    return hp;
}

/** Spot override from --spot (true/false); undefined = the stack's pipeline.useSpot. */
export function spotOption(ctx: Pick<StepContext, "options">): boolean | undefined {
    const v = ctx.options.spot;
    if (v === undefined) return undefined;
    if (v === true || v === "true") return true;
    if (v === "false") return false;
    throw new StepError(`--spot ${String(v)}: expected true or false`);
}
