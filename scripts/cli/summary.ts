/**
 * The end-of-run summary of build_ml_environment.sh, read from the run manifest (<workdir>/manifest.json):
 * one line per step, the reports as paths, the endpoint (URL, how to call it, how to stop it) and what to try next.
 * After a failed or interrupted run it names the step and the command that resumes the run.
 *
 *   node scripts/run-ts.cjs scripts/cli/summary.ts --workdir DIR [--stack dev] [--target local]
 *        [--failed STEP | --interrupted STEP] [--seconds N]
 */
import * as fs from "fs";
import * as path from "path";
import { CliSpec, need, str, UsageError, withCli } from "../framework/cli";
import { Manifest, manifestPath, StepRecord } from "../framework/manifest";
import { isServerPid, readState } from "../../lib/serving/process";
import { isStepName, STEP_NAMES } from "../steps";

export interface SummaryOptions {
    workdir: string;
    stack: string;
    target: "local" | "aws";
    /** The step that failed (non-zero exit) or was interrupted (Ctrl-C), if the run did not finish. */
    failed?: string;
    interrupted?: string;
    /** Wall time of this run. */
    seconds?: number;
    /** Project directory (paths are shown relative to the current directory when inside it). */
    cwd?: string;
}

/** The reports a person opens, by manifest artifact: label, step, artifact key. */
const REPORTS: { label: string; step: string; key: string }[] = [
    { label: "policy gate", step: "provision", key: "policyReport" },
    { label: "data (EDA)", step: "features", key: "eda" },
    { label: "tuning", step: "tune", key: "report" },
    { label: "evaluation", step: "evaluate", key: "report" },
    { label: "load test (JSON)", step: "loadtest", key: "report" },
    { label: "monitoring", step: "monitor", key: "html" },
];

const MARK: Record<string, string> = { succeeded: "ok  ", skipped: "skip", failed: "FAIL", running: "STOP" };

function seconds(ms: number | undefined): string {
    if (ms === undefined) return "";
    return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** The options that repeat this run's stack/target/workdir in a suggested command (defaults left out). */
function runArgs(o: SummaryOptions): string {
    const a: string[] = [];
    if (o.target !== "local") a.push(`--target ${o.target}`);
    if (o.stack !== "dev") a.push(`--stack ${o.stack}`);
    const dflt = path.resolve(o.cwd ?? process.cwd(), ".ml-env", o.stack);
    if (path.resolve(o.workdir) !== dflt) a.push(`--workdir ${o.workdir}`);
    return a.length ? " " + a.join(" ") : "";
}

/** The same, for the npm CLIs that take --stack/--workdir. */
function cliArgs(o: SummaryOptions): string {
    const a: string[] = [];
    if (o.stack !== "dev") a.push(`--stack ${o.stack}`);
    const dflt = path.resolve(o.cwd ?? process.cwd(), ".ml-env", o.stack);
    if (path.resolve(o.workdir) !== dflt) a.push(`--workdir ${o.workdir}`);
    return a.length ? " " + a.join(" ") : "";
}

function shown(workdir: string, rel: string, cwd: string): string {
    const abs = path.resolve(workdir, rel);
    const r = path.relative(cwd, abs);
    return r && !r.startsWith("..") && !path.isAbsolute(r) ? r : abs;
}

/** The summary text (no trailing newline). */
export function formatSummary(o: SummaryOptions): string {
    const cwd = o.cwd ?? process.cwd();
    const file = manifestPath(o.workdir);
    if (!fs.existsSync(file)) throw new UsageError(`option --workdir ${o.workdir}: no manifest.json there (the run has not started a step)`);
    const m = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
    const lines: string[] = [];
    const stopped = o.failed ?? o.interrupted;
    const head = o.failed ? `run FAILED at step '${o.failed}'` : o.interrupted ? `run INTERRUPTED during step '${o.interrupted}'` : "run finished";
    lines.push(
        `=== Summary: ${head} — stack ${o.stack}, target ${o.target}${o.seconds !== undefined ? `, ${o.seconds} s` : ""}; workdir ${shown(o.workdir, ".", cwd) || "."}`,
    );
    const w = Math.max(...STEP_NAMES.map((s) => s.length));
    for (const s of STEP_NAMES) {
        const r: StepRecord | undefined = m.steps[s];
        let mark = r ? (MARK[r.status] ?? r.status) : "    ";
        let text = r ? (r.status === "failed" ? `failed: ${(r.error ?? r.summary ?? "").split("\n")[0]}` : (r.summary ?? "")) : "not run";
        if (r?.status === "running" || (stopped === s && r?.status !== "failed")) {
            mark = o.failed === s ? "FAIL" : "STOP";
            text = o.failed === s ? "failed (message above)" : "interrupted; nothing of this step is recorded as done";
        }
        if (r?.status === "skipped" && !/torn down/.test(text)) text = `unchanged since ${r.finishedAt ?? r.startedAt} — ${text}`;
        lines.push(`  ${mark}  ${s.padEnd(w)}  ${(r && r.status !== "running" && stopped !== s ? seconds(r.durationMs) : "").padStart(6)}  ${text}`);
    }
    const reports = REPORTS.map((rp) => ({ ...rp, rel: m.steps[rp.step]?.artifacts?.[rp.key] })).filter(
        (rp) => rp.rel && fs.existsSync(path.resolve(o.workdir, rp.rel)),
    );
    if (reports.length) {
        lines.push("", "Reports (open the .html files in a browser):");
        const lw = Math.max(...reports.map((r) => r.label.length));
        for (const r of reports) lines.push(`  ${r.label.padEnd(lw)}  ${shown(o.workdir, r.rel!, cwd)}`);
    }
    const run = `./build_ml_environment.sh${runArgs(o)}`;
    if (o.target === "local") {
        const epDir = path.join(o.workdir, "endpoint");
        const states = fs.existsSync(epDir)
            ? fs
                  .readdirSync(epDir)
                  .filter((f) => f.endsWith(".json") && !f.endsWith(".config.json"))
                  .map((f) => readState(path.join(epDir, f)))
                  .filter((s): s is NonNullable<typeof s> => !!s && isServerPid(s.pid))
            : [];
        for (const st of states) {
            lines.push(
                "",
                `Endpoint ${st.endpointName} is still running at ${st.url} (pid ${st.pid}, loopback only). Try it:`,
                `  curl -s ${st.url}/invocations -H 'Content-Type: text/csv' \\`,
                `    --data '39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States'`,
                `Stop it: ${run} --teardown`,
            );
            const cap = m.steps.deploy?.artifacts?.capture;
            if (cap) lines.push(`Its data capture (SageMaker's JSON Lines layout): ${shown(o.workdir, cap, cwd)}/<variant>/yyyy/mm/dd/hh/`);
        }
    } else if (m.steps.deploy?.status === "succeeded" || m.steps.deploy?.status === "skipped") {
        const ep = m.steps.deploy.results?.endpointName ?? "the stack's endpoint";
        lines.push(
            "",
            `Endpoint ${String(ep)} runs in your AWS account and is billed per instance-hour: delete it with 'pulumi destroy --stack ${o.stack}' or set mlplatform:endpoint.enabled to false and 'pulumi up'.`,
        );
    }
    lines.push("");
    if (stopped) {
        lines.push(
            "Resume:",
            `  ${run} --from ${stopped}        # completed steps are not repeated`,
            `  ${run} --only ${stopped} --force  # just this step again`,
        );
    } else {
        lines.push(
            "Next:",
            `  npm run endpoint -- status${cliArgs(o)}        # the endpoint's variants, weights, counters`,
            `  npm run registry -- list${cliArgs(o)}          # the registered model versions`,
            `  npm run plan -- --stack prod            # the policy gate for the prod stack`,
            `  ${run} --from train --force -- --hp.max_depth 8   # retrain with another hyperparameter and redo the later steps`,
            `  npm run monitor -- --help               # baselines, drift and model-quality checks on the capture`,
        );
    }
    lines.push(`Manifest: ${shown(o.workdir, "manifest.json", cwd)}`);
    return lines.join("\n");
}

export const SPEC: CliSpec = {
    program: "node scripts/run-ts.cjs scripts/cli/summary.ts",
    summary: "Prints the end-of-run summary of build_ml_environment.sh from <workdir>/manifest.json (the script calls it at the end of a run).",
    flags: [
        { name: "workdir", value: "DIR", help: "the run's workdir (required)" },
        { name: "stack", value: "NAME", help: "stack of the run (default dev)" },
        { name: "target", value: "local|aws", help: "target of the run (default local)" },
        { name: "failed", value: "STEP", help: "the run stopped because this step failed" },
        { name: "interrupted", value: "STEP", help: "the run was interrupted (Ctrl-C) during this step" },
        { name: "seconds", value: "N", help: "wall time of the run" },
    ],
    examples: ["node scripts/run-ts.cjs scripts/cli/summary.ts --workdir .ml-env/dev"],
};

export function main(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, (p) => {
        const target = str(p, "target") ?? "local";
        if (target !== "local" && target !== "aws") throw new UsageError(`option --target ${target}: expected local or aws`);
        for (const k of ["failed", "interrupted"]) {
            const s = str(p, k);
            if (s !== undefined && !isStepName(s)) throw new UsageError(`option --${k} ${s}: not a step (steps: ${STEP_NAMES.join(", ")})`);
        }
        const secs = str(p, "seconds");
        if (secs !== undefined && !(Number(secs) >= 0)) throw new UsageError(`option --seconds ${secs}: expected a number of seconds`);
        const text = formatSummary({
            workdir: need(p, "workdir", ".ml-env/dev"),
            stack: str(p, "stack") ?? "dev",
            target,
            failed: str(p, "failed"),
            interrupted: str(p, "interrupted"),
            seconds: secs !== undefined ? Number(secs) : undefined,
        });
        process.stdout.write(text + "\n");
        return 0;
    });
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`error: summary: ${e.message}\n`);
            process.exit(1);
        },
    );
}
