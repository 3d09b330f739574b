/**
 * The run manifest (`<workdir>/manifest.json`): one record per step with its status, timing, the hash of its inputs
 * (so a completed step is skipped until its inputs change), key results and artifact paths.
 */
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../../lib/data/io";

/** `interrupted`: stopped by SIGINT/SIGTERM (Ctrl-C); the next run starts the step again. */
export type StepStatus = "running" | "succeeded" | "failed" | "skipped" | "interrupted";

export interface StepRecord {
    step: string;
    status: StepStatus;
    startedAt: string;
    finishedAt?: string;
    durationMs?: number;
    /** sha256 over everything the step read (config, upstream artifacts, code). */
    inputsHash: string;
    /** One line a person reads in the banner. */
    summary?: string;
    /** Key results (metrics, counts) other steps and people read. */
    results?: Record<string, unknown>;
    /** Artifact paths, relative to the workdir. */
    artifacts?: Record<string, string>;
    error?: string;
}

export interface Manifest {
    version: 1;
    stack: string;
    target: "local" | "aws";
    workdir: string;
    updatedAt: string;
    steps: Record<string, StepRecord>;
}

export function manifestPath(workdir: string): string {
    return path.join(workdir, "manifest.json");
}

export function readManifest(workdir: string, stack: string, target: "local" | "aws"): Manifest {
    const file = manifestPath(workdir);
    if (!fs.existsSync(file)) return { version: 1, stack, target, workdir: path.resolve(workdir), updatedAt: new Date().toISOString(), steps: {} };
    let m: Manifest;
    try {
        m = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
    } catch (e) {
        throw new Error(`${file}: not valid JSON (${(e as Error).message}); delete it to start the run afresh or restore it`);
    }
    if (m.stack !== stack || m.target !== target) {
        throw new Error(`${file} belongs to stack '${m.stack}' (target ${m.target}), not '${stack}' (target ${target}); use another --workdir`);
    }
    return m;
}

export function writeManifest(m: Manifest): void {
    m.updatedAt = new Date().toISOString();
    writeFileAtomic(manifestPath(m.workdir), JSON.stringify(m, null, 2) + "\n");
}
