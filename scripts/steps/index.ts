/**
 * The step registry: the lifecycle's steps in order (STEP_NAMES, which build_ml_environment.sh lists through
 * `scripts/cli/run-step.ts --list`), their options, and the map of each step's declared results type (StepResults).
 * Each step is a folder: `step.ts` declares its name, dependsOn and results (and what both forms share), `local.ts`
 * and `aws.ts` implement that declaration for each target. Modules load lazily so a step only pays for the engines it
 * uses; `--target aws` uses `<step>/aws.ts` where it exists, else `<step>/local.ts` handles both targets (provision).
 */
import * as fs from "fs";
import * as path from "path";
import type { StepContext, StepDefinition } from "../framework/step";
import type { BatchInferResults } from "./batch-infer/step";
import type { DeployResults } from "./deploy/step";
import type { EvaluateResults } from "./evaluate/step";
import type { FeaturesResults } from "./features/step";
import type { LoadtestResults } from "./loadtest/step";
import type { MonitorResults } from "./monitor/step";
import type { PrepareResults } from "./prepare/step";
import type { ProvisionResults } from "./provision/step";
import type { RegisterResults } from "./register/step";
import type { TrainResults } from "./train/step";
import type { TuneResults } from "./tune/step";

export const STEP_NAMES = [
    "provision",
    "prepare",
    "features",
    "train",
    "tune",
    "register",
    "deploy",
    "batch-infer",
    "evaluate",
    "loadtest",
    "monitor",
] as const;

export type StepName = (typeof STEP_NAMES)[number];

/** The results each step returns (and `ctx.resultsOf(step)` gives a later step), keyed by step name. */
export interface StepResults {
    provision: ProvisionResults;
    prepare: PrepareResults;
    features: FeaturesResults;
    train: TrainResults;
    tune: TuneResults;
    register: RegisterResults;
    deploy: DeployResults;
    "batch-infer": BatchInferResults;
    evaluate: EvaluateResults;
    loadtest: LoadtestResults;
    monitor: MonitorResults;
}

// STEP_NAMES and StepResults name the same steps (a compile error here names the one missing on either side).
const sameSteps: [Exclude<StepName, keyof StepResults>, Exclude<keyof StepResults, StepName>] extends [never, never] ? true : never = true;
void sameSteps;

/** A step's context with typed results of the earlier steps. */
export type Ctx = StepContext<StepResults>;
/** One form (local or aws) of step N. */
export type StepDef<N extends StepName> = StepDefinition<StepResults, N>;

/**
 * Every step option (`./build_ml_environment.sh -- --<option> <value>`; the same options go to every step, each step
 * reads its own). An option not listed here is refused with the nearest valid one by scripts/cli/run-step.ts's parser (test/pipeline/reliability.test.ts
 * checks this list against the options the step modules read). `hp.<name>` passes a hyperparameter to train.
 */
export const STEP_OPTIONS = [
    "concurrency",
    "duration-minutes",
    "encoding",
    "image",
    "instance-count",
    "instance-type",
    "level-seconds",
    "levels",
    "max-drop-rate",
    "max-jobs",
    "max-parallel",
    "max-payload-mb",
    "min-auc",
    "min-frequency",
    "poll-seconds",
    "port",
    "preprocess-image",
    "preview-only",
    "replay-rows",
    "rows",
    "seed",
    "slo-ms",
    "spot",
    "threshold",
    "transform-instance-type",
    "timeout-minutes",
    "tuning-config",
    "variants",
    "weights",
];

export function isStepName(name: string): name is StepName {
    return (STEP_NAMES as readonly string[]).includes(name);
}

export function loadStep(name: string, target: "local" | "aws" = "local"): StepDefinition<StepResults> {
    if (!isStepName(name)) throw new Error(`unknown step '${name}': steps are ${STEP_NAMES.join(", ")}`);
    const aws = path.join(__dirname, name, "aws.ts");
    const file = target === "aws" && (fs.existsSync(aws) || fs.existsSync(aws.replace(/\.ts$/, ".js"))) ? `./${name}/aws` : `./${name}/local`;
    const mod = require(file) as { default: StepDefinition<StepResults> };
    return mod.default;
}
