/**
 * The lifecycle's steps, in order. Modules load lazily so a step only pays for the engines it uses.
 * `--target aws` uses `scripts/steps/<step>/aws.ts` where it exists (the AWS form of the step, same name, inputs and
 * results contract); a step without an AWS module handles both targets itself (provision).
 */
import * as fs from "fs";
import * as path from "path";
import { StepDefinition } from "../framework/step";

export const STEP_NAMES = ["provision", "prepare", "features", "train", "tune", "register", "deploy", "batch-infer", "evaluate", "loadtest", "monitor"];

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

export function loadStep(name: string, target: "local" | "aws" = "local"): StepDefinition {
    if (!STEP_NAMES.includes(name)) throw new Error(`unknown step '${name}': steps are ${STEP_NAMES.join(", ")}`);
    const aws = path.join(__dirname, name, "aws.ts");
    const file = target === "aws" && (fs.existsSync(aws) || fs.existsSync(aws.replace(/\.ts$/, ".js"))) ? `./${name}/aws` : `./${name}/local`;
    const mod = require(file) as { default: StepDefinition };
    return mod.default;
}
