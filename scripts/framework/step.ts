/**
 * Step framework of build_ml_environment.sh: each step is a module with a name, the inputs that decide whether it must
 * run again, and a `run` that returns a one-line summary, key results and artifact paths. The runner records all of it
 * in the manifest, prints the banner, and skips a step whose inputs are unchanged since it last succeeded.
 * Decision: the framework knows no step. Its types take the map of step name -> results type as a parameter (the steps
 * layer supplies it: StepResults in scripts/steps/index.ts), so `ctx.resultsOf("batch-infer")` is typed without the
 * framework importing upward; the one cast from the manifest's JSON to that type is in makeContext.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PlatformConfig } from "../../infra/config";
import { StackOutputs } from "../../contracts/stack-outputs";
import { LocalS3 } from "./local-s3";
import { Manifest, manifestPath, readManifest, StepRecord, writeManifest } from "./manifest";
import { errText } from "./workdir";

export type Target = "local" | "aws";

/** Results type of each step, keyed by step name; the default knows no step (any name, untyped results). */
export type ResultsMap = object;
/** A map that knows no step: the context of code that runs any step (the runner, tests). */

type AnyResults = any;
/** The step names of a results map. */
export type NameOf<M extends ResultsMap> = keyof M & string;

export interface StepContext<M extends ResultsMap = AnyResults> {
    stack: string;
    target: Target;
    /** Absolute workdir. */
    workdir: string;
    projectDir: string;
    config: PlatformConfig;
    manifest: Manifest;
    /** Extra `--key value` options given to the script (e.g. `--rows 2000`, `--preview-only`). */
    options: Record<string, string | boolean>;
    /** Local S3 (local target). */
    s3: LocalS3;
    /** Stack outputs written by the provision step. Throws with a fix when provision has not run. */
    outputs(): StackOutputs;
    /** Absolute path of a workdir-relative path (parent folders created). */
    file(rel: string): string;
    /** Workdir-relative form of an absolute path (for the manifest). */
    rel(abs: string): string;
    /** Results of an earlier step (its declared type); throws naming the step to run when it has not succeeded. */
    resultsOf<K extends NameOf<M>>(step: K): M[K];
    log(msg: string): void;
    progress(done: number, total: number, label?: string): void;
}

export interface StepResult<R extends object = Record<string, unknown>> {
    summary: string;
    results?: R;
    artifacts?: Record<string, string>;
}

/** What a step declares once for both targets (scripts/steps/<step>/step.ts): its name and the steps it reads. */
export interface StepDeclaration<N extends string = string, D extends string = string> {
    readonly name: N;
    /** Steps whose results this one reads; their completion time is part of this step's inputs. */
    readonly dependsOn: readonly D[];
}

/** One form of a step (local or aws): the declaration plus inputs and `run`, which returns the declared results. */
export interface StepDefinition<M extends ResultsMap = AnyResults, N extends NameOf<M> = NameOf<M>> extends StepDeclaration<N, NameOf<M>> {
    description: string;
    /** Files or folders (project-relative) whose content is part of the inputs: data and code. */
    inputFiles(ctx: StepContext<M>): string[];
    /** Config values and options that change the result. */
    inputValues(ctx: StepContext<M>): unknown;
    run(ctx: StepContext<M>): Promise<StepResult<M[N] & object>>;
}

/** A failure the user can act on: its message is printed as is, without a stack trace. */
export class StepError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StepError";
    }
}

function hashPath(h: crypto.Hash, p: string): void {
    if (!fs.existsSync(p)) {
        h.update(`missing:${p}\n`);
        return;
    }
    const st = fs.statSync(p);
    if (st.isDirectory()) {
        for (const e of fs.readdirSync(p).sort()) {
            if (e === "node_modules" || e.startsWith(".")) continue;
            hashPath(h, path.join(p, e));
        }
    } else {
        h.update(`file:${p}:${st.size}\n`);
        h.update(fs.readFileSync(p));
    }
}

export function inputsHash(def: StepDefinition, ctx: StepContext): string {
    const h = crypto.createHash("sha256");
    h.update(JSON.stringify({ step: def.name, target: ctx.target, values: def.inputValues(ctx) }));
    for (const dep of def.dependsOn) {
        const r = ctx.manifest.steps[dep];
        h.update(`dep:${dep}:${r?.status}:${r?.finishedAt}:${r?.inputsHash}\n`);
    }
    for (const f of def.inputFiles(ctx)) hashPath(h, path.resolve(ctx.projectDir, f));
    return h.digest("hex");
}

export interface RunOptions {
    stack: string;
    target: Target;
    workdir: string;
    projectDir: string;
    config: PlatformConfig;
    force: boolean;
    options: Record<string, string | boolean>;
    out?: (line: string) => void;
}

function fmtDuration(ms: number): string {
    return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function makeContext<M extends ResultsMap = AnyResults>(o: RunOptions, manifest: Manifest): StepContext<M> {
    const out = o.out ?? ((l: string) => process.stdout.write(l + "\n"));
    const workdir = path.resolve(o.workdir);
    let lastProgress = 0;
    const ctx: StepContext<M> = {
        stack: o.stack,
        target: o.target,
        workdir,
        projectDir: o.projectDir,
        config: o.config,
        manifest,
        options: o.options,
        s3: new LocalS3(path.join(workdir, "s3")),
        outputs() {
            const f = path.join(workdir, "stack-outputs.json");
            if (!fs.existsSync(f)) throw new StepError(`no stack outputs at ${f}: run the provision step first (./build_ml_environment.sh --only provision)`);
            return JSON.parse(fs.readFileSync(f, "utf8")) as StackOutputs;
        },
        file(rel: string) {
            const p = path.resolve(workdir, rel);
            fs.mkdirSync(path.dirname(p), { recursive: true });
            return p;
        },
        rel(abs: string) {
            return path.relative(workdir, abs) || ".";
        },
        resultsOf<K extends NameOf<M>>(step: K): M[K] {
            const r = manifest.steps[step];
            if (!r || r.status !== "succeeded")
                throw new StepError(`step '${step}' has not succeeded in ${workdir}: run it first (./build_ml_environment.sh --from ${step})`);
            // the manifest is JSON written by the step's own run(), which returns the declared results type
            return (r.results ?? {}) as M[K];
        },
        log(msg: string) {
            out(`  ${msg}`);
        },
        progress(done: number, total: number, label = "") {
            const now = Date.now();
            if (done < total && now - lastProgress < 500) return;
            lastProgress = now;
            const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
            out(`  [${"#".repeat(Math.floor(pct / 5)).padEnd(20, ".")}] ${pct}% ${label}`.trimEnd());
        },
    };
    return ctx;
}

/**
 * Runs one step: skip when its inputs are unchanged since it last succeeded (unless forced), else run it and record
 * the outcome. Returns the record; throws the step's error after recording it as failed.
 */
export async function runStep(def: StepDefinition, o: RunOptions): Promise<StepRecord> {
    const out = o.out ?? ((l: string) => process.stdout.write(l + "\n"));
    const manifest = readManifest(path.resolve(o.workdir), o.stack, o.target);
    const ctx = makeContext(o, manifest);
    try {
        for (const dep of def.dependsOn) ctx.resultsOf(dep);
    } catch (e) {
        out(`=== ${def.name}: cannot run — ${(e as Error).message}`);
        throw e;
    }
    const hash = inputsHash(def, ctx);
    const prev = manifest.steps[def.name];
    if (!o.force && prev && prev.status === "succeeded" && prev.inputsHash === hash) {
        out(`=== ${def.name}: up to date, skipped (${prev.summary ?? "no summary"}; --force to re-run)`);
        return prev;
    }
    const started = new Date();
    out(`=== ${def.name}: ${def.description}`);
    const rec: StepRecord = { step: def.name, status: "running", startedAt: started.toISOString(), inputsHash: hash };
    manifest.steps[def.name] = rec;
    try {
        writeManifest(manifest);
    } catch (e) {
        out(`=== ${def.name}: FAILED — cannot record it as running in ${manifestPath(manifest.workdir)} (${errText(e)})`);
        throw new StepError(
            `cannot record step '${def.name}' as running in ${manifestPath(manifest.workdir)} (${errText(e)}); the step was not started: check that the workdir is writable and the disk is not full`,
        );
    }
    current = { manifest, rec, started, out };
    try {
        const res = await def.run(ctx);
        const finished = new Date();
        Object.assign(rec, {
            status: "succeeded",
            finishedAt: finished.toISOString(),
            durationMs: finished.getTime() - started.getTime(),
            summary: res.summary,
            results: res.results ?? {},
            artifacts: res.artifacts ?? {},
        });
        delete rec.error;
        current = undefined;
        try {
            writeManifest(manifest);
        } catch (e) {
            throw new StepError(
                `step '${def.name}' finished (${res.summary}) but its result could not be recorded in ${manifestPath(manifest.workdir)} (${errText(e)}); free space or fix the workdir and re-run: the step runs again`,
            );
        }
        out(`=== ${def.name}: done in ${fmtDuration(rec.durationMs!)} — ${res.summary}`);
        return rec;
    } catch (e) {
        current = undefined;
        const finished = new Date();
        const message = (e as Error).message ?? String(e);
        Object.assign(rec, {
            status: "failed",
            finishedAt: finished.toISOString(),
            durationMs: finished.getTime() - started.getTime(),
            error: message,
        });
        // the step's own error first: recording it may fail too (e.g. the same full disk)
        out(`=== ${def.name}: FAILED after ${fmtDuration(rec.durationMs!)} — ${message}`);
        try {
            writeManifest(manifest);
        } catch (we) {
            out(
                `  (the failure could not be recorded in ${manifestPath(manifest.workdir)}: ${errText(we)}; the step shows as 'running' there and runs again next time)`,
            );
        }
        throw e;
    }
}

let current: { manifest: Manifest; rec: StepRecord; started: Date; out: (line: string) => void } | undefined;

/**
 * Records the running step (if any) as `interrupted` by `signal` (synchronously: called from a signal handler).
 * Returns the step's name, or undefined when no step was running.
 */
export function markInterrupted(signal: string): string | undefined {
    const c = current;
    if (!c) return undefined;
    current = undefined;
    const finished = new Date();
    Object.assign(c.rec, {
        status: "interrupted",
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - c.started.getTime(),
        error: `interrupted by ${signal}`,
    });
    c.out(`=== ${c.rec.step}: INTERRUPTED by ${signal} after ${fmtDuration(c.rec.durationMs!)}`);
    try {
        writeManifest(c.manifest);
    } catch (e) {
        c.out(`  (could not record the interruption in ${manifestPath(c.manifest.workdir)}: ${errText(e)})`);
    }
    return c.rec.step;
}
