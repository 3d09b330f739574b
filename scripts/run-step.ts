/**
 * Runs one step of the ML lifecycle (called by build_ml_environment.sh, one process per step):
 *   run-step.ts <step> --stack <name> --target local|aws --workdir <dir> [--force] [--<option> <value>]...
 * Exit codes: 0 done or skipped, 1 the step failed (its message printed), 2 bad usage or configuration.
 */
import * as path from "path";
import { ConfigError } from "../infra/config";
import { loadStackFile } from "../infra/stack-config";
import { CliSpec, FlagSpec, UsageError, withCli } from "../lib/common/cli";
import { runStep, StepError } from "../lib/pipeline/step";
import { loadStep, STEP_NAMES } from "./steps";

/**
 * The step options build_ml_environment.sh passes after `--` (to every step; a step ignores the ones it does not
 * read). The list is what the steps in scripts/steps read from `ctx.options`.
 */
export const STEP_OPTIONS: FlagSpec[] = [
    { name: "rows", value: "N", help: "use the first N rows of each data file (a quick slice)" },
    { name: "seed", value: "N", help: "random seed (prepare split, tuning, monitor shift)" },
    { name: "encoding", value: "one-hot|ordinal", help: "categorical encoding (features)" },
    { name: "min-frequency", value: "N", help: "categories rarer than N go to 'other' (features)" },
    { name: "tuning-config", value: "FILE", help: "HyperParameterTuningJobConfig JSON (tune)" },
    { name: "max-jobs", value: "N", help: "tuning trials (tune)" },
    { name: "max-parallel", value: "N", help: "parallel tuning trials (tune)" },
    { name: "variants", value: "N=W,...", help: "variant weights, e.g. champion=0.9,challenger=0.1 (deploy)" },
    { name: "port", value: "N", help: "endpoint port, 0 = any free port (deploy)" },
    { name: "max-payload-mb", value: "MB", help: "MaxPayloadInMB (batch-infer)" },
    { name: "min-auc", value: "X", help: "quality gate, overrides pipeline.minAuc (evaluate)" },
    { name: "threshold", value: "P", help: "probability threshold (evaluate)" },
    { name: "levels", value: "1,2,4", help: "concurrency levels (loadtest)" },
    { name: "level-seconds", value: "S", help: "seconds per level (loadtest)" },
    { name: "slo-ms", value: "MS", help: "latency SLO, overrides pipeline.latencySloMs (loadtest)" },
    { name: "replay-rows", value: "N", help: "rows replayed through the endpoint (monitor)" },
    { name: "concurrency", value: "N", help: "parallel requests of the replays (monitor)" },
    { name: "preview-only", help: "aws provision: pulumi preview with the pack, no update" },
    { name: "instance-type", value: "ml.*", help: "aws: instance type of the step's job" },
    { name: "instance-count", value: "N", help: "aws: instance count of the step's job" },
    { name: "transform-instance-type", value: "ml.*", help: "aws batch-infer: transform instance type" },
    { name: "spot", value: "true|false", help: "aws train/tune: managed spot training" },
    { name: "image", value: "URI", help: "aws: container image of the step" },
    { name: "weights", value: "N=W,...", help: "aws deploy: variant weights" },
    { name: "duration-minutes", value: "N", help: "aws loadtest: duration" },
    { name: "timeout-minutes", value: "N", help: "aws: how long to wait for the step's job" },
    { name: "poll-seconds", value: "N", help: "aws: how often to poll the job" },
];

export const SPEC: CliSpec = {
    program: "node -r ts-node/register/transpile-only scripts/run-step.ts",
    summary: `Runs one step of the ML lifecycle and records it in <workdir>/manifest.json (build_ml_environment.sh calls it once per step).\nsteps: ${STEP_NAMES.join(", ")}`,
    positionals: { name: "STEP", help: "the step to run", max: 1 },
    flags: [
        { name: "stack", value: "NAME", help: "stack (default dev)" },
        { name: "target", value: "local|aws", help: "where the step runs (default local)" },
        { name: "workdir", value: "DIR", help: "results folder (default .ml-env/<stack>)" },
        { name: "force", help: "run even when the step's inputs are unchanged" },
        ...STEP_OPTIONS,
    ],
    prefixFlags: [{ prefix: "hp.", value: "VALUE", help: "one training hyperparameter, e.g. --hp.max_depth 6 (train)" }],
    examples: ["./build_ml_environment.sh --only train -- --hp.max_depth 6", "node -r ts-node/register/transpile-only scripts/run-step.ts prepare --workdir /tmp/run --rows 2000"],
    notes: ["exit codes: 0 done or skipped, 1 the step failed, 2 bad usage or configuration"],
};

async function run(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, async (p) => {
        const step = p.positionals[0];
        if (!step) throw new UsageError(`a step is required: one of ${STEP_NAMES.join(", ")}`);
        if (!STEP_NAMES.includes(step)) throw new UsageError(`step '${step}' is unknown: use one of ${STEP_NAMES.join(", ")}`);
        const stack = String(p.flags.stack ?? "dev");
        const target = String(p.flags.target ?? "local");
        if (target !== "local" && target !== "aws") throw new UsageError(`option --target ${target}: expected local or aws`);
        const projectDir = path.resolve(__dirname, "..");
        const workdir = path.resolve(String(p.flags.workdir ?? path.join(projectDir, ".ml-env", stack)));
        const config = loadStackFile(stack, projectDir);
        const { stack: _s, target: _t, workdir: _w, force, ...options } = p.flags;
        await runStep(loadStep(step, target), { stack, target, workdir, projectDir, config, force: force === true, options });
        return 0;
    });
}

if (require.main === module) {
    run(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            if (e instanceof ConfigError) {
                process.stderr.write(`${e.message}\n`);
                process.exit(2);
            }
            // The runner already printed the failure line; add the detail a user needs.
            if (!(e instanceof StepError)) process.stderr.write(`${e.stack ?? e.message}\n`);
            process.exit(1);
        },
    );
}
