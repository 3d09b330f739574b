/**
 * Records every request sent to an aws-sdk-client-mock mock and validates it against the vendored AWS service model
 * (./aws-request-validator.ts) after each test: a request AWS would reject fails the test's `afterEach` hook with the
 * command, the member path and the rule. At the end of the run the counts are printed (requests, commands, pattern
 * skips, members known only to the v3 client schema).
 */
import * as fs from "fs";
import * as path from "path";
import { formatViolations, MODELS_DIR, PatternSkip, validateRequest } from "./aws-request-validator";

interface Stub {
    getCalls(): { args: unknown[] }[];
}
interface Tracked {
    mock: { send: Stub };
    service: string;
    stub: Stub;
    seen: number;
}

const tracked: Tracked[] = [];
/** Invalid requests found since the last afterEach. */
let pending: string[] = [];

export const requestTotals = {
    requests: 0,
    commands: new Map<string, number>(),
    patternSkips: new Map<string, PatternSkip & { command: string }>(),
    v3OnlyMembers: new Set<string>(),
};

/** Validates the calls `t`'s current stub received since the last harvest. */
function harvest(t: Tracked): void {
    if (t.mock.send !== t.stub) {
        // reset() replaced the stub (aws-sdk-client-mock recreates it): the old one was harvested before.
        t.stub = t.mock.send;
        t.seen = 0;
    }
    const calls = t.stub.getCalls();
    if (calls.length < t.seen) t.seen = 0; // resetHistory()
    for (const call of calls.slice(t.seen)) {
        const command = call.args[0] as { constructor: { name: string }; input?: unknown };
        const operation = command.constructor.name.replace(/Command$/, "");
        const key = `${t.service}:${operation}`;
        const check = validateRequest(t.service, operation, command.input);
        requestTotals.requests++;
        requestTotals.commands.set(key, (requestTotals.commands.get(key) ?? 0) + 1);
        for (const s of check.patternSkips) requestTotals.patternSkips.set(`${key} ${s.pattern}`, { ...s, command: key });
        for (const m of check.v3OnlyMembers) requestTotals.v3OnlyMembers.add(`${t.service}:${m}`);
        if (check.violations.length > 0) pending.push(formatViolations(check));
    }
    t.seen = calls.length;
}

/**
 * Validates the requests `mock` receives (service: the botocore service name, e.g. `sagemaker`). The mock's
 * reset/resetHistory/restore first validate what it has received, so suites that reset their mocks in their own
 * afterEach (which runs before the root hook below) lose nothing.
 */
export function recordRequests<T>(mock: T, service: string): T {
    const m = mock as unknown as { send: Stub; reset(): unknown; resetHistory(): unknown; restore(): unknown };
    const t: Tracked = { mock: m, service, stub: m.send, seen: 0 };
    tracked.push(t);
    for (const method of ["reset", "resetHistory", "restore"] as const) {
        const original = m[method].bind(m);
        m[method] = () => {
            harvest(t);
            const r = original();
            return r === m ? m : r;
        };
    }
    return mock;
}

/** Validates the requests sent since the last call; returns one message per invalid request (and clears them). */
export function validateRecordedRequests(): string[] {
    for (const t of tracked) harvest(t);
    const out = pending;
    pending = [];
    return out;
}

/** One line of counts for the end of the run. */
export function requestSummary(): string {
    const skips = [...requestTotals.patternSkips.values()];
    const services = new Set([...requestTotals.commands.keys()].map((k) => k.split(":")[0]));
    const unsent: string[] = [];
    for (const service of services) {
        const model = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, `${service}.json`), "utf8")) as { operations: Record<string, unknown> };
        for (const op of Object.keys(model.operations)) if (!requestTotals.commands.has(`${service}:${op}`)) unsent.push(`${service}:${op}`);
    }
    return (
        `AWS request validation: ${requestTotals.requests} requests over ${requestTotals.commands.size} commands checked against the vendored botocore models` +
        (requestTotals.v3OnlyMembers.size > 0
            ? `; members known only to the v3 client schema (no constraints known): ${[...requestTotals.v3OnlyMembers].join(", ")}`
            : "") +
        (skips.length > 0
            ? `; ${skips.length} pattern(s) SKIPPED (no JavaScript translation): ${skips.map((s) => `${s.command} ${s.path} ${s.pattern} (${s.reason})`).join("; ")}`
            : "; 0 pattern skips") +
        (unsent.length > 0 ? `; operations the project calls that no test in this run sent: ${unsent.join(", ")}` : "")
    );
}

// Root hooks (this module is loaded by the test files, under mocha).
if (typeof afterEach === "function" && typeof after === "function") {
    afterEach(function () {
        const problems = validateRecordedRequests();
        if (problems.length > 0) {
            throw new Error(`${problems.length} request(s) sent by "${this.currentTest?.fullTitle()}" violate the AWS service model:\n${problems.join("\n")}`);
        }
    });
    after(function () {
        validateRecordedRequests();
        if (requestTotals.requests > 0) console.log(`\n  ${requestSummary()}`);
    });
}
