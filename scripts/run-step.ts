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
import * as path from "path";
import { ConfigError } from "../infra/config";
import { loadStackFile } from "../infra/stack-config";
import { stopDescendants } from "../lib/pipeline/children";
import { markInterrupted, runStep, StepError } from "../lib/pipeline/step";
import { acquireWorkdirLock, checkWorkdir, DEFAULT_MIN_FREE_MB, errText, releaseWorkdirLock, WorkdirError } from "../lib/pipeline/workdir";
import { loadStep, STEP_NAMES, stepOptionProblems } from "./steps";

function parseArgs(argv: string[]): { step: string; flags: Record<string, string | boolean> } {
    const [step, ...rest] = argv;
    const flags: Record<string, string | boolean> = {};
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (!a.startsWith("--")) throw new ConfigError([`unexpected argument '${a}': options are --name value or --flag`]);
        const key = a.slice(2);
        const next = rest[i + 1];
        if (next !== undefined && !next.startsWith("--")) {
            flags[key] = next;
            i++;
        } else flags[key] = true;
    }
    return { step, flags };
}

class UsageError extends Error {}

let workdirForLock: string | undefined;
let lockOwner = process.pid;

async function main(): Promise<number> {
    const { step, flags } = parseArgs(process.argv.slice(2));
    if (!step || !STEP_NAMES.includes(step)) {
        process.stderr.write(`usage: run-step.ts <step> --stack <name> --target local|aws --workdir <dir>; steps: ${STEP_NAMES.join(", ")}\n`);
        return 2;
    }
    const stack = String(flags.stack ?? "dev");
    const target = String(flags.target ?? "local");
    if (target !== "local" && target !== "aws") throw new ConfigError([`--target ${target}: expected local or aws`]);
    const projectDir = path.resolve(__dirname, "..");
    const workdir = path.resolve(String(flags.workdir ?? path.join(projectDir, ".ml-env", stack)));
    const { stack: _s, target: _t, workdir: _w, force, ...options } = flags;
    const optionProblems = stepOptionProblems(options);
    if (optionProblems.length) throw new UsageError(optionProblems.join("\n"));
    const config = loadStackFile(stack, projectDir);
    const minFree = process.env.ML_ENV_MIN_FREE_MB !== undefined ? Number(process.env.ML_ENV_MIN_FREE_MB) : DEFAULT_MIN_FREE_MB;
    if (!Number.isFinite(minFree) || minFree < 0) throw new UsageError(`ML_ENV_MIN_FREE_MB=${process.env.ML_ENV_MIN_FREE_MB}: expected a number of MB >= 0`);
    checkWorkdir(workdir, minFree);
    const owner = Number(process.env.ML_ENV_RUN_PID);
    lockOwner = Number.isInteger(owner) && owner > 0 ? owner : process.pid;
    const { tookOver } = acquireWorkdirLock(workdir, lockOwner);
    workdirForLock = workdir;
    if (tookOver) process.stdout.write(`  (workdir lock: ${tookOver})\n`);
    await runStep(loadStep(step, target), { stack, target, workdir, projectDir, config, force: force === true, options });
    return 0;
}

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
    if (stopped.length) process.stderr.write(`stopped ${stopped.length} process(es) the step started: ${stopped.map((s) => `pid ${s.pid} ${s.outcome}`).join(", ")}\n`);
    releaseOwnLock();
    if (step && !process.env.ML_ENV_RUN_PID) {
        process.stderr.write(`step '${step}' interrupted; resume with: ./build_ml_environment.sh --workdir ${workdirForLock} --from ${step}\n`);
    }
    process.exit(signal === "SIGINT" ? 130 : 143);
}
process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));

main().then(
    (code) => {
        releaseOwnLock();
        process.exit(code);
    },
    (e: Error) => {
        releaseOwnLock();
        if (e instanceof ConfigError || e instanceof UsageError || e.name === "PackConfigError") {
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
            process.stderr.write(code && /^E[A-Z]+$/.test(code) ? `error: ${errText(e)}${(e as NodeJS.ErrnoException).path ? ` (${(e as NodeJS.ErrnoException).path})` : ""}\n` : `${e.stack ?? e.message}\n`);
        }
        process.exit(1);
    },
);
