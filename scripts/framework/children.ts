/**
 * The processes a step started (its descendants, found through /proc: children keep their parent pid even when
 * detached, like the endpoint the deploy step starts), so an interrupted step can stop them.
 */
import * as fs from "fs";

function parentOf(pid: number): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
        return undefined;
    }
}

/** Every live descendant of `root` (children first-level first). Empty without /proc. */
export function descendants(root = process.pid): number[] {
    let pids: number[];
    try {
        pids = fs
            .readdirSync("/proc")
            .filter((d) => /^\d+$/.test(d))
            .map(Number);
    } catch {
        return [];
    }
    const kids = new Map<number, number[]>();
    for (const p of pids) {
        const pp = parentOf(p);
        if (pp === undefined) continue;
        const a = kids.get(pp);
        if (a) a.push(p);
        else kids.set(pp, [p]);
    }
    const out: number[] = [];
    const queue = [...(kids.get(root) ?? [])];
    while (queue.length) {
        const p = queue.shift()!;
        out.push(p);
        queue.push(...(kids.get(p) ?? []));
    }
    return out;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const s = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
        return s !== "Z" && s !== "X";
    } catch {
        return true;
    }
}

/**
 * SIGTERM to every descendant (an endpoint drains and removes its state file), SIGKILL to those still alive after
 * `graceMs`. Synchronous (busy-waits in small sleeps) so it can run in a signal handler right before exit.
 */
export function stopDescendants(graceMs = 10_000, root = process.pid): { pid: number; outcome: "stopped" | "killed" }[] {
    const pids = descendants(root);
    for (const p of pids) {
        try {
            process.kill(p, "SIGTERM");
        } catch {
            /* gone */
        }
    }
    const deadline = Date.now() + graceMs;
    const sab = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < deadline && pids.some(alive)) Atomics.wait(sab, 0, 0, 25);
    return pids.map((p) => {
        if (!alive(p)) return { pid: p, outcome: "stopped" as const };
        try {
            process.kill(p, "SIGKILL");
        } catch {
            /* gone */
        }
        return { pid: p, outcome: "killed" as const };
    });
}
