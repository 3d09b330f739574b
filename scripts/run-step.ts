/**
 * Runs one step of the ML lifecycle (called by build_ml_environment.sh, one process per step):
 *   run-step.ts <step> --stack <name> --target local|aws --workdir <dir> [--force] [--<option> <value>]...
 * Exit codes: 0 done or skipped, 1 the step failed (its message printed), 2 bad usage or configuration.
 */
import * as path from "path";
import { ConfigError } from "../infra/config";
import { loadStackFile } from "../infra/stack-config";
import { runStep, StepError } from "../lib/pipeline/step";
import { loadStep, STEP_NAMES } from "./steps";

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
    const config = loadStackFile(stack, projectDir);
    const { stack: _s, target: _t, workdir: _w, force, ...options } = flags;
    await runStep(loadStep(step, target), { stack, target, workdir, projectDir, config, force: force === true, options });
    return 0;
}

main().then(
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
