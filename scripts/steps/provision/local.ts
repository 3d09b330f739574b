/**
 * provision — local: run the offline policy gate for the stack (violations shown; mandatory ones stop the run) and
 * take its stack outputs; each bucket becomes a folder under <workdir>/s3/ with S3's key layout.
 * aws: `pulumi up --stack <stack> --policy-pack policies --policy-pack-config policies/config/<env>.json --yes`
 * (or `pulumi preview` with --preview-only), then `pulumi stack output --json`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { checkStackOutputs, StackOutputs } from "../../../contracts/stack-outputs";
import { writeFileAtomic } from "../../../lib/data/io";
import { formatReport, jsonReport } from "../../../gate/format";
import { runGate } from "../../../gate/gate";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { PROVISION } from "./step";

function pulumi(args: string[], cwd: string): string {
    const r = spawnSync("pulumi", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw new StepError(`pulumi ${args[0]}: ${r.error.message} (is the Pulumi CLI installed and on PATH?)`);
    if (r.status !== 0) throw new StepError(`pulumi ${args.join(" ")} exited with ${r.status}; see its output above`);
    return r.stdout;
}

const step: StepDef<"provision"> = {
    ...PROVISION,
    description: "policy gate + stack outputs (local) / pulumi up with the policy pack (aws)",
    inputFiles: (ctx) => ["infra", "components", "policies", `Pulumi.${ctx.stack}.yaml`],
    inputValues: (ctx) => ({ previewOnly: ctx.options["preview-only"] === true }),
    async run(ctx) {
        let outputs: StackOutputs;
        let summary: string;
        const results: Record<string, unknown> = {};
        if (ctx.target === "local") {
            const { report, run } = await runGate({ stack: ctx.stack, projectDir: ctx.projectDir });
            // A file, not a terminal: a fixed width, and the inventory included.
            const text = formatReport(report, { width: 100, verbose: true });
            writeFileAtomic(ctx.file("provision/policy-report.txt"), text + "\n");
            writeFileAtomic(ctx.file("provision/policy-report.json"), JSON.stringify(jsonReport(report), null, 2) + "\n");
            for (const v of report.violations) ctx.log(`${v.enforcementLevel.toUpperCase()} ${v.policy}: ${v.name ?? "(stack)"} — ${v.message.split("\n")[0]}`);
            if (report.counts.mandatory > 0) {
                throw new StepError(
                    `policy gate: ${report.counts.mandatory} mandatory violation(s) for stack ${ctx.stack}; full report in ${ctx.rel(ctx.file("provision/policy-report.txt"))}`,
                );
            }
            outputs = run.outputs as unknown as StackOutputs;
            Object.assign(results, {
                resources: report.counts.resources,
                advisory: report.counts.advisory,
                exempted: report.counts.exempted,
                monthlyCostUsd: report.cost.monthlyUsd,
                budgetUsd: report.cost.budgetUsd,
            });
            summary = `${report.counts.resources} resources, 0 mandatory / ${report.counts.advisory} advisory violations, ${report.counts.exempted} exemptions; est. $${report.cost.monthlyUsd.toFixed(0)}/month of $${report.cost.budgetUsd ?? "?"} budget`;
        } else {
            const env = ctx.config.environment;
            const pack = ["--policy-pack", "policies", "--policy-pack-config", path.join("policies", "config", `${env}.json`)];
            if (ctx.options["preview-only"] === true) {
                pulumi(["preview", "--stack", ctx.stack, ...pack, "--diff"], ctx.projectDir);
            } else {
                pulumi(["up", "--stack", ctx.stack, ...pack, "--yes", "--skip-preview"], ctx.projectDir);
            }
            outputs = JSON.parse(pulumi(["stack", "output", "--json", "--stack", ctx.stack], ctx.projectDir)) as StackOutputs;
            summary = `stack ${ctx.stack} ${ctx.options["preview-only"] === true ? "previewed" : "updated"}; outputs read`;
        }
        const problems = checkStackOutputs(outputs);
        if (problems.length) throw new StepError(`stack outputs do not match the contract:\n  ${problems.join("\n  ")}`);
        writeFileAtomic(ctx.file("stack-outputs.json"), JSON.stringify(outputs, null, 2) + "\n");
        if (ctx.target === "local") {
            for (const b of Object.values(outputs.buckets)) fs.mkdirSync(path.join(ctx.s3.root, b.name), { recursive: true });
        }
        return {
            summary,
            results: { ...results, region: outputs.region, endpoint: outputs.endpoint?.name ?? null, modelPackageGroup: outputs.modelPackageGroupName },
            artifacts: { stackOutputs: "stack-outputs.json", ...(ctx.target === "local" ? { s3: "s3", policyReport: "provision/policy-report.txt" } : {}) },
        };
    },
};

export default step;
