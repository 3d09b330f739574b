/**
 * Running the project's command lines as a user does, for the tests that spawn them: from the repository root, with
 * colours and Node warnings off, stdout/stderr collected and standard input closed (or fed).
 * Main decision: one wrapper for every way a test starts a CLI (`npm run -s <script> --`, `node scripts/run-ts.cjs`
 * on a script, or any executable), so the spawn options and the result shape are the same everywhere.
 */
import { spawn, spawnSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");

/** `node scripts/run-ts.cjs`: how the CLI tests start a TypeScript entry point without npm (as the package scripts do). */
export const TS_RUN = [process.execPath, path.join(ROOT, "scripts", "run-ts.cjs")];

export interface Proc {
    code: number | null;
    stdout: string;
    stderr: string;
}

export interface RunOptions {
    /** Written to standard input, which is then closed (closed at once when absent). */
    stdin?: string;
    /** Added to the environment. */
    env?: NodeJS.ProcessEnv;
    /** Working directory (default the repository root). */
    cwd?: string;
}

function envOf(o: RunOptions): NodeJS.ProcessEnv {
    return { ...process.env, FORCE_COLOR: "0", NODE_NO_WARNINGS: "1", ...o.env };
}

/** Spawns `cmd args` and resolves when it exits (rejects only when it cannot be started). */
export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<Proc> {
    return new Promise((resolve, reject) => {
        const p = spawn(cmd, args, { cwd: o.cwd ?? ROOT, env: envOf(o) });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        p.on("error", reject);
        p.on("close", (code) => resolve({ code, stdout, stderr }));
        p.stdin.on("error", () => undefined); // a command that exits without reading its input
        p.stdin.end(o.stdin ?? "");
    });
}

/** The same, synchronously. */
export function runSync(cmd: string, args: string[], o: RunOptions = {}): Proc {
    const r = spawnSync(cmd, args, { cwd: o.cwd ?? ROOT, env: envOf(o), input: o.stdin ?? "", encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `npm run -s <script> -- args`, as the docs tell users to run the CLIs. */
export function npmRun(script: string, args: string[], o: RunOptions = {}): Promise<Proc> {
    return run("npm", ["run", "-s", script, "--", ...args], o);
}

/** A TypeScript entry point (path relative to the repository root) through scripts/run-ts.cjs, without npm. */
export function tsRun(script: string, args: string[], o: RunOptions = {}): Promise<Proc> {
    return run(TS_RUN[0], [...TS_RUN.slice(1), script, ...args], o);
}

/** The same, synchronously. */
export function tsRunSync(script: string, args: string[], o: RunOptions = {}): Proc {
    return runSync(TS_RUN[0], [...TS_RUN.slice(1), script, ...args], o);
}

/** Runs `fn` over `items` with at most `n` at a time (each spawn costs a Node start); results in item order. */
export async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: n }, async () => {
            while (next < items.length) {
                const i = next++;
                out[i] = await fn(items[i]);
            }
        }),
    );
    return out;
}
