/**
 * The workdir of build_ml_environment.sh: a start-up check (exists or can be created, writable, some free space) and
 * a lock so that one run owns a workdir at a time.
 *
 * Lock file `<workdir>/.lock` (JSON): the owner's pid, host, start time and the pid's kernel start time
 * (`/proc/<pid>/stat` field 22), created with O_EXCL. A lock is stale, and is taken over with a note, when it was taken
 * on this host and its pid is gone or now belongs to another process (different kernel start time). A lock from
 * another host (a shared filesystem) cannot be checked from here and always counts as held: the message says which
 * file to delete once that run is known to be gone.
 * The owner is the run (build_ml_environment.sh exports its pid as ML_ENV_RUN_PID) so consecutive step processes of
 * one run share the lock; a step process started by hand owns it for its own lifetime.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export class WorkdirError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "WorkdirError";
    }
}

export interface WorkdirLock {
    pid: number;
    host: string;
    startedAt: string;
    /** Kernel start time of pid (clock ticks since boot), when /proc is there. */
    pidStartTicks?: number;
    command?: string;
}

export const DEFAULT_MIN_FREE_MB = 100;

const fmtMb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

/** Creates the workdir if needed and checks it is writable with at least `minFreeMb` MB free; throws a one-line WorkdirError. */
export function checkWorkdir(workdir: string, minFreeMb = DEFAULT_MIN_FREE_MB): void {
    try {
        fs.mkdirSync(workdir, { recursive: true });
    } catch (e) {
        throw new WorkdirError(`workdir ${workdir} cannot be created (${errText(e)}); choose another --workdir`);
    }
    const probe = path.join(workdir, `.write-probe.${process.pid}`);
    try {
        fs.writeFileSync(probe, "ok");
    } catch (e) {
        throw new WorkdirError(
            `workdir ${workdir} is not writable (${errText(e)}); choose another --workdir${(e as NodeJS.ErrnoException).code === "EROFS" ? " (this filesystem is mounted read-only)" : ""}`,
        );
    } finally {
        fs.rmSync(probe, { force: true });
    }
    let free: number | undefined;
    try {
        const st = fs.statfsSync(workdir);
        free = st.bavail * st.bsize;
    } catch {
        /* statfs not supported: skip the space check */
    }
    if (free !== undefined && free < minFreeMb * 1024 * 1024) {
        throw new WorkdirError(
            `workdir ${workdir} has only ${fmtMb(free)} free, at least ${minFreeMb} MB are needed; free some space or choose another --workdir (ML_ENV_MIN_FREE_MB sets the minimum)`,
        );
    }
}

/** "EROFS: read-only file system" from a Node fs error, without the call/path noise. */
export function errText(e: unknown): string {
    const err = e as NodeJS.ErrnoException;
    if (err && err.code) {
        const m = /^[A-Z]+: ([^,]+)/.exec(err.message);
        return `${err.code}: ${m ? m[1] : err.message}`;
    }
    return (e as Error)?.message ?? String(e);
}

export function lockPath(workdir: string): string {
    return path.join(workdir, ".lock");
}

/** Kernel start time of a pid in clock ticks since boot; undefined without /proc or when the pid is gone. */
export function pidStartTicks(pid: number): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields[0] === "Z" || fields[0] === "X") return undefined;
        return Number(fields[19]); // field 22 overall; fields[0] is field 3
    } catch {
        return undefined;
    }
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Why a lock is stale, or undefined when its owner may still be running. */
export function staleReason(l: WorkdirLock): string | undefined {
    if (l.host !== os.hostname()) return undefined;
    if (!alive(l.pid) || (fs.existsSync("/proc/self/stat") && pidStartTicks(l.pid) === undefined)) return `pid ${l.pid} is not running`;
    const ticks = pidStartTicks(l.pid);
    if (l.pidStartTicks !== undefined && ticks !== undefined && ticks !== l.pidStartTicks) return `pid ${l.pid} now belongs to another process`;
    return undefined;
}

export function readLock(workdir: string): WorkdirLock | undefined {
    try {
        const l = JSON.parse(fs.readFileSync(lockPath(workdir), "utf8")) as WorkdirLock;
        return typeof l.pid === "number" && typeof l.host === "string" ? l : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Create `file` holding `text` unless it exists; false when it does. The content is written to a temp file first and
 * hard-linked into place (link(2) fails with EEXIST atomically), so another run never reads a lock that exists but is
 * still empty, which it would judge unreadable, hence stale, and remove. Where hard links are not supported the file is
 * created with O_EXCL and written (the brief empty window is then possible).
 */
function createExclusive(file: string, text: string): boolean {
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
        fs.writeFileSync(tmp, text, { flag: "wx" });
    } catch (e) {
        throw new WorkdirError(`cannot create the workdir lock ${file} (${errText(e)})`);
    }
    try {
        fs.linkSync(tmp, file);
        return true;
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST") return false;
        if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EXDEV")
            throw new WorkdirError(`cannot create the workdir lock ${file} (${errText(e)})`);
    } finally {
        fs.rmSync(tmp, { force: true });
    }
    try {
        fs.writeFileSync(file, text, { flag: "wx" });
        return true;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw new WorkdirError(`cannot create the workdir lock ${file} (${errText(e)})`);
    }
}

/**
 * Takes the workdir lock for `ownerPid` (re-entrant for the same owner on this host). Throws
 * "workdir W in use by pid N ..." when another live run holds it; a stale lock is replaced (returned in `tookOver`).
 */
export function acquireWorkdirLock(
    workdir: string,
    ownerPid = process.pid,
    command = process.argv.slice(1).join(" "),
): { lock: WorkdirLock; tookOver?: string } {
    const file = lockPath(workdir);
    const mine: WorkdirLock = { pid: ownerPid, host: os.hostname(), startedAt: new Date().toISOString(), pidStartTicks: pidStartTicks(ownerPid), command };
    for (let attempt = 0; attempt < 3; attempt++) {
        if (createExclusive(file, JSON.stringify(mine, null, 2) + "\n")) return { lock: mine };
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        const held = readLock(workdir);
        if (held && held.host === mine.host && held.pid === ownerPid && (held.pidStartTicks === undefined || held.pidStartTicks === mine.pidStartTicks))
            return { lock: held };
        const stale = held ? staleReason(held) : "the lock file is unreadable";
        if (held && !stale) {
            throw new WorkdirError(
                `workdir ${workdir} in use by pid ${held.pid}${held.host !== mine.host ? ` on host ${held.host}` : ""} (started ${held.startedAt}${held.command ? `: ${held.command}` : ""}); ` +
                    (held.host !== mine.host
                        ? `wait for it to finish, or delete ${file} once that run is known to be gone`
                        : `wait for it to finish, stop it (kill ${held.pid}), or use another --workdir`),
            );
        }
        // stale: remove it only if it is still the same file content we judged (another run may have taken over)
        try {
            if (fs.readFileSync(file, "utf8") === text) fs.rmSync(file, { force: true });
        } catch {
            /* gone meanwhile */
        }
        if (createExclusive(file, JSON.stringify(mine, null, 2) + "\n"))
            return { lock: mine, tookOver: `stale lock of pid ${held?.pid ?? "?"} removed (${stale})` };
    }
    throw new WorkdirError(`workdir ${workdir}: could not take the lock ${file} (another run keeps taking it); retry`);
}

/** Removes the lock when `ownerPid` holds it. */
export function releaseWorkdirLock(workdir: string, ownerPid = process.pid): void {
    const held = readLock(workdir);
    if (held && held.pid === ownerPid && held.host === os.hostname()) fs.rmSync(lockPath(workdir), { force: true });
}
