/**
 * monitor — the declaration both targets implement (local.ts: the local endpoint and local S3; aws.ts: InvokeEndpoint,
 * the capture in S3 and uploads), the results they return, the options both read (--replay-rows, --concurrency,
 * --seed), and the demo's claim both assert: baseline_drift_check flagged on the shifted features (age,
 * hours_per_week) for the shifted replay only. The replay loop itself is ./replay.ts.
 */
import { DEFAULT_ADULT_SHIFT } from "../../../lib/monitoring/shift";
import { StepContext, StepError, StepResult } from "../../framework/step";
import { fmt, MonitorReplayResult, ReplayOutcome } from "./replay";

export const MONITOR = { name: "monitor", dependsOn: ["deploy", "evaluate"] } as const;

export interface MonitorResults {
    endpointName: string;
    baselineRows: number;
    replays: {
        name: string;
        sent: number;
        capturedRows: number;
        window: { from: string; to: string };
        /** `<feature>:<constraint_check_type>` per data-quality violation. */
        dataQualityViolations: string[];
        drift: Record<string, number | undefined>;
        linf: Record<string, number | undefined>;
        modelQuality: Record<string, number | string>;
        modelQualityViolations: string[];
    }[];
    emfLines: number;
}

export const SHIFT_ASSERTED_FEATURES = ["age", "hours_per_week"] as const;

export function positiveInt(v: unknown, name: string, dflt: number | undefined): number | undefined {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new StepError(`--${name} ${String(v)}: expected an integer >= 1`);
    return n;
}

/** The shift seed: --seed S (an integer), default lib/monitoring/shift's. */
export function seedOption(ctx: Pick<StepContext, "options">): number {
    const seed = ctx.options.seed === undefined ? DEFAULT_ADULT_SHIFT.seed : Number(ctx.options.seed);
    if (!Number.isInteger(seed)) throw new StepError(`--seed ${String(ctx.options.seed)}: expected an integer`);
    return seed;
}

/** The step's code and engine (part of its inputs): the form that runs, the shared loop and this declaration. */
export function monitorInputFiles(form: "local" | "aws"): string[] {
    return ["lib/monitoring", `scripts/steps/monitor/${form}.ts`, "scripts/steps/monitor/replay.ts", "scripts/steps/monitor/step.ts"];
}

/** The step's input values (both targets). */
export function monitorInputValues(ctx: Pick<StepContext, "options" | "manifest">): unknown {
    return {
        rows: ctx.options["replay-rows"] ?? null,
        concurrency: ctx.options.concurrency ?? 8,
        seed: ctx.options.seed ?? DEFAULT_ADULT_SHIFT.seed,
        // replays are traffic: re-run whenever the endpoint was (re)deployed
        deployedAt: ctx.manifest.steps.deploy?.finishedAt ?? null,
    };
}

/**
 * The demo's claim: drift violations on `features` for the shifted replay, none on them for the unshifted one.
 * Returns the problems (empty when the claim holds).
 */
export function checkShiftDetected(res: MonitorReplayResult, asIs: string, shifted: string, features: readonly string[]): string[] {
    const problems: string[] = [];
    const by = new Map(res.replays.map((r) => [r.name, r]));
    const a = by.get(asIs);
    const s = by.get(shifted);
    if (!a || !s) return [`replays '${asIs}' and '${shifted}' are both needed`];
    const driftOn = (r: ReplayOutcome, f: string) =>
        r.dataQuality.violations.some((v) => v.feature_name === f && v.constraint_check_type === "baseline_drift_check");
    for (const f of features) {
        if (!driftOn(s, f)) problems.push(`shifted replay: no baseline_drift_check violation on ${f} (drift ${fmt(s.dataQuality.drift[f])})`);
        if (driftOn(a, f)) problems.push(`unshifted replay: unexpected baseline_drift_check violation on ${f} (drift ${fmt(a.dataQuality.drift[f])})`);
    }
    return problems;
}

/**
 * The monitor step's logs, shift assertion and results (both targets): throws when drift is not flagged on the
 * shifted features of the shifted replay only. `reportsLocation` names where the reports are, for the error message.
 */
export function monitorStepResult(
    ctx: Pick<StepContext, "log">,
    ep: string,
    res: MonitorReplayResult,
    reportsLocation: string,
    summaryTail: string,
    artifacts: Record<string, string>,
): StepResult<MonitorResults> {
    for (const r of res.replays) {
        const d = SHIFT_ASSERTED_FEATURES.map((f) => `${f} ${fmt(r.dataQuality.drift[f])} (L∞ ${fmt(r.dataQuality.linf[f])})`).join(", ");
        ctx.log(`${r.name}: drift ${d}; ${r.dataQuality.violations.length} data-quality and ${r.modelQuality.violations.length} model-quality violation(s)`);
    }
    const problems = checkShiftDetected(res, "asis", "shifted", SHIFT_ASSERTED_FEATURES);
    if (problems.length)
        throw new StepError(
            `the monitor did not separate the shifted replay from the unshifted one: ${problems.join("; ")} (reports under ${reportsLocation})`,
        );
    ctx.log(`assertion holds: drift flagged on ${SHIFT_ASSERTED_FEATURES.join(", ")} for the shifted replay only`);
    const [a, s] = res.replays;
    return {
        summary: `drift on ${SHIFT_ASSERTED_FEATURES.join(", ")} flagged for shifted traffic only (${a.dataQuality.violations.length} vs ${s.dataQuality.violations.length} data-quality violations); AUC ${fmt(a.modelQuality.metrics.auc)} as is, ${fmt(s.modelQuality.metrics.auc)} shifted; ${summaryTail}`,
        results: {
            endpointName: ep,
            baselineRows: res.baselineRows,
            replays: res.replays.map((r) => ({
                name: r.name,
                sent: r.sent,
                capturedRows: r.capturedRows,
                window: r.window,
                dataQualityViolations: r.dataQuality.violations.map((v) => `${v.feature_name}:${v.constraint_check_type}`),
                drift: r.dataQuality.drift,
                linf: r.dataQuality.linf,
                modelQuality: r.modelQuality.metrics,
                modelQualityViolations: r.modelQuality.violations.map((v) => v.metric_name),
            })),
            emfLines: res.emfLines,
        },
        artifacts,
    };
}
