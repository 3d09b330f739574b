/**
 * Runs one step of the ML lifecycle (called by build_ml_environment.sh, one process per step):
 *   run-step.ts <step> --stack <name> --target local|aws --workdir <dir> [--force] [--<option> <value>]...
 * Before the step: unknown step options are refused (with the nearest valid one), the workdir must be writable with
 * ML_ENV_MIN_FREE_MB (default 100) MB free, and the workdir lock is taken (owner: ML_ENV_RUN_PID, the script's pid, else
 * this process).
 * Exit codes: 0 done or skipped, 1 the step failed (its message printed), 2 bad usage or configuration,
 * 3 the workdir cannot be used (in use by another run, not writable, too little free space),
 * 130 / 143 interrupted by SIGINT / SIGTERM (the step is recorded `interrupted`, the processes it started are stopped).
 */
import { ConfigError } from "../../infra/config";
import { loadStackFile } from "../../infra/stack-config";
import { CliSpec, FlagSpec, PROJECT_DIR, runWorkdir, UsageError, withCli } from "../framework/cli";
import { stopDescendants } from "../framework/children";
import { markInterrupted, runStep, StepError } from "../framework/step";
import { acquireWorkdirLock, checkWorkdir, DEFAULT_MIN_FREE_MB, errText, releaseWorkdirLock, WorkdirError } from "../framework/workdir";
import { isStepName, loadStep, STEP_NAMES, STEP_OPTIONS as STEP_OPTION_NAMES } from "../steps";

/** Help for each step option; the names themselves are scripts/steps' STEP_OPTIONS (one list). */
const STEP_OPTION_HELP: Record<string, Omit<FlagSpec, "name">> = {
    rows: { value: "N", help: "use the first N rows of each data file (a quick slice)" },
    seed: { value: "N", help: "random seed (prepare split, tuning, monitor shift)" },
    encoding: { value: "one-hot|ordinal", help: "categorical encoding (features)" },
    "min-frequency": { value: "N", help: "categories rarer than N go to 'other' (features)" },
    "tuning-config": { value: "FILE", help: "HyperParameterTuningJobConfig JSON (tune)" },
    "max-jobs": { value: "N", help: "tuning trials (tune)" },
    "max-parallel": { value: "N", help: "parallel tuning trials (tune)" },
    variants: { value: "N=W,...", help: "variant weights, e.g. champion=0.9,challenger=0.1 (deploy)" },
    port: { value: "N", help: "endpoint port, 0 = any free port (deploy)" },
    "max-payload-mb": { value: "MB", help: "MaxPayloadInMB (batch-infer)" },
    "min-auc": { value: "X", help: "quality gate, overrides pipeline.minAuc (evaluate)" },
    threshold: { value: "P", help: "probability threshold (evaluate)" },
    levels: { value: "1,2,4", help: "concurrency levels (loadtest)" },
    "level-seconds": { value: "S", help: "seconds per level (loadtest)" },
    "slo-ms": { value: "MS", help: "latency SLO, overrides pipeline.latencySloMs (loadtest)" },
    "replay-rows": { value: "N", help: "rows replayed through the endpoint (monitor)" },
    concurrency: { value: "N", help: "parallel requests of the replays (monitor)" },
    "preview-only": { help: "aws provision: pulumi preview with the pack, no update" },
    "instance-type": { value: "ml.*", help: "aws: instance type of the step's job" },
    "instance-count": { value: "N", help: "aws: instance count of the step's job" },
    "transform-instance-type": { value: "ml.*", help: "aws batch-infer: transform instance type" },
    spot: { value: "true|false", help: "aws train/tune: managed spot training" },
    image: { value: "URI", help: "aws: container image of the step" },
    weights: { value: "N=W,...", help: "aws deploy: variant weights" },
    "duration-minutes": { value: "N", help: "aws loadtest: duration" },
    "timeout-minutes": { value: "N", help: "aws: how long to wait for the step's job" },
    "poll-seconds": { value: "N", help: "aws: how often to poll the job" },
    "preprocess-image": { value: "URI", help: "aws register: scikit-learn serving image of the preprocessing container (regions without AWS's image)" },
    "max-drop-rate": { value: "P", help: "largest share of malformed rows (percent) prepare accepts, overrides pipeline.maxDropRatePercent (prepare)" },
};

/**
 * The step options build_ml_environment.sh passes after `--` (to every step; a step ignores the ones it does not
 * read): scripts/steps' STEP_OPTIONS with their help.
 */
export const STEP_OPTIONS: FlagSpec[] = STEP_OPTION_NAMES.map((name) => ({ name, ...(STEP_OPTION_HELP[name] ?? { value: "VALUE", help: "step option" }) }));

export const SPEC: CliSpec = {
    program: "node scripts/run-ts.cjs scripts/cli/run-step.ts",
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
    examples: [
        "./build_ml_environment.sh --only train -- --hp.max_depth 6",
        "node scripts/run-ts.cjs scripts/cli/run-step.ts prepare --workdir /tmp/run --rows 2000",
    ],
    notes: [
        "exit codes: 0 done or skipped, 1 the step failed, 2 bad usage or configuration, 3 the workdir cannot be used (in use by another run, not writable, too little free space), 130/143 interrupted (SIGINT/SIGTERM)",
    ],
};

async function run(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, async (p) => {
        const step = p.positionals[0];
        if (!step) throw new UsageError(`a step is required: one of ${STEP_NAMES.join(", ")}`);
        if (!isStepName(step)) throw new UsageError(`step '${step}' is unknown: use one of ${STEP_NAMES.join(", ")}`);
        const stack = String(p.flags.stack ?? "dev");
        const target = String(p.flags.target ?? "local");
        if (target !== "local" && target !== "aws") throw new UsageError(`option --target ${target}: expected local or aws`);
        const projectDir = PROJECT_DIR;
        const workdir = runWorkdir(stack, p.flags.workdir === undefined ? undefined : String(p.flags.workdir));
        const { stack: _s, target: _t, workdir: _w, force, ...options } = p.flags;
        const config = loadStackFile(stack, projectDir);
        const minFree = process.env.ML_ENV_MIN_FREE_MB !== undefined ? Number(process.env.ML_ENV_MIN_FREE_MB) : DEFAULT_MIN_FREE_MB;
        if (!Number.isFinite(minFree) || minFree < 0)
            throw new UsageError(`ML_ENV_MIN_FREE_MB=${process.env.ML_ENV_MIN_FREE_MB}: expected a number of MB >= 0`);
        checkWorkdir(workdir, minFree);
        const owner = Number(process.env.ML_ENV_RUN_PID);
        lockOwner = Number.isInteger(owner) && owner > 0 ? owner : process.pid;
        const { tookOver } = acquireWorkdirLock(workdir, lockOwner);
        workdirForLock = workdir;
        if (tookOver) process.stdout.write(`  (workdir lock: ${tookOver})\n`);
        await runStep(loadStep(step, target), { stack, target, workdir, projectDir, config, force: force === true, options });
        return 0;
    });
}

let workdirForLock: string | undefined;
let lockOwner = process.pid;

function releaseOwnLock(): void {
    // a lock owned by the calling script is released by the script when the whole run ends
    if (workdirForLock && lockOwner === process.pid) releaseWorkdirLock(workdirForLock, lockOwner);
}

let interrupted = false;
function onSignal(signal: "SIGINT" | "SIGTERM"): void {
    if (interrupted) return; // a second Ctrl-C while stopping: keep stopping
    interrupted = true;
    const step = markInterrupted(signal);
    const stopped = stopDescendants(10_000);
    if (stopped.length)
        process.stderr.write(`stopped ${stopped.length} process(es) the step started: ${stopped.map((s) => `pid ${s.pid} ${s.outcome}`).join(", ")}\n`);
    releaseOwnLock();
    if (step && !process.env.ML_ENV_RUN_PID) {
        process.stderr.write(`step '${step}' interrupted; resume with: ./build_ml_environment.sh --workdir ${workdirForLock} --from ${step}\n`);
    }
    process.exit(signal === "SIGINT" ? 130 : 143);
}
if (require.main === module) process.on("SIGINT", () => onSignal("SIGINT"));
if (require.main === module) process.on("SIGTERM", () => onSignal("SIGTERM"));

if (require.main === module) {
    run(process.argv.slice(2)).then(
        (code) => {
            releaseOwnLock();
            process.exit(code);
        },
        (e: Error) => {
            releaseOwnLock();
            if (e instanceof ConfigError || e.name === "PackConfigError") {
                process.stderr.write(`${e.message}\n`);
                process.exit(2);
            }
            if (e instanceof WorkdirError) {
                process.stderr.write(`error: ${e.message}\n`);
                process.exit(3);
            }
            // The runner already printed the failure line. A filesystem error (EROFS, ENOSPC, EACCES ...) is the
            // environment, not a bug: one line. Anything else is a bug: the stack helps to report it.
            if (!(e instanceof StepError)) {
                const code = (e as NodeJS.ErrnoException).code;
                process.stderr.write(
                    code && /^E[A-Z]+$/.test(code)
                        ? `error: ${errText(e)}${(e as NodeJS.ErrnoException).path ? ` (${(e as NodeJS.ErrnoException).path})` : ""}\n`
                        : `${e.stack ?? e.message}\n`,
                );
            }
            process.exit(1);
        },
    );
}
