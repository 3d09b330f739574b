/**
 * `npm run registry -- list|describe|approve|reject`: the local model registry of a run from the command line (the
 * local analogue of ListModelPackages / UpdateModelPackage; options and examples are SPEC below, the source of --help).
 * Main decision: it opens the same registry the steps use (lib/registry registryFor) and leaves the approval rules to
 * it: a refused transition exits 1 with the registry's reason. Exit codes: 0 ok, 1 refused, 2 bad usage.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StackOutputs } from "../../contracts/stack-outputs";
import { APPROVAL_STATUSES, ApprovalStatus, RegistryError, registryFor } from "../../lib/registry";
import { CliSpec, ParsedCli, runWorkdir, UsageError, withCli } from "../framework/cli";

const VERSION = { name: "version", value: "N", help: "model package version (see 'list')" };
const REASON = { name: "reason", value: "TEXT", help: "why (recorded as the ApprovalDescription; required)" };
const BY = { name: "by", value: "NAME", help: "who decides (default $USER)" };

export const SPEC: CliSpec = {
    program: "npm run registry --",
    summary: "The local model registry of a run (ModelPackageGroup / ModelPackage): list, inspect, approve or reject model versions.",
    commands: [
        {
            name: "list",
            summary: "the group's model packages with status and metrics",
            flags: [{ name: "status", value: "S", help: `only this status: ${APPROVAL_STATUSES.join(", ")}` }],
        },
        { name: "describe", summary: "one package as JSON (metrics, hyperparameters, lineage)", flags: [VERSION] },
        { name: "approve", summary: "PendingManualApproval -> Approved (the next deploy serves it)", flags: [VERSION, REASON, BY] },
        { name: "reject", summary: "-> Rejected (an Approved package is revoked; Rejected is final)", flags: [VERSION, REASON, BY] },
    ],
    flags: [
        { name: "stack", value: "NAME", help: "stack of the run (default dev)" },
        { name: "workdir", value: "DIR", help: "the run's workdir (default .ml-env/<stack>)" },
    ],
    examples: [
        "npm run registry -- list",
        "npm run registry -- describe --version 1",
        'npm run registry -- approve --stack prod --version 2 --reason "AUC 0.93 on the holdout, reviewed by ML lead"',
    ],
    notes: ["exit codes: 0 ok, 1 refused (an invalid approval transition), 2 bad usage"],
};

function main(p: ParsedCli): number {
    const cmd = p.command!;
    const flags = p.flags as Record<string, string>;
    const usage = (msg: string): never => {
        throw new UsageError(msg);
    };
    const stack = flags.stack ?? "dev";
    const workdir = runWorkdir(stack, flags.workdir);
    const outputsFile = path.join(workdir, "stack-outputs.json");
    if (!fs.existsSync(outputsFile)) usage(`no stack outputs in ${workdir}: run ./build_ml_environment.sh --stack ${stack} first (or pass --workdir)`);
    const out = JSON.parse(fs.readFileSync(outputsFile, "utf8")) as StackOutputs;
    const reg = registryFor(workdir, out.region, out.accountId);
    const group = out.modelPackageGroupName;
    const version = () => {
        const v = Number(flags.version);
        if (!Number.isInteger(v) || v < 1) usage(`--version ${flags.version ?? "<missing>"}: expected a version number (see 'list')`);
        return v;
    };
    switch (cmd) {
        case "list": {
            const status = flags.status as ApprovalStatus | undefined;
            if (status && !APPROVAL_STATUSES.includes(status)) usage(`--status ${status}: expected one of ${APPROVAL_STATUSES.join(", ")}`);
            const rows = reg.list(group, status);
            process.stdout.write(`${group}: ${rows.length} model package(s)\n`);
            for (const p of rows) {
                const m = Object.entries(p.Metrics)
                    .map(([k, v]) => `${k}=${v.toFixed(4)}`)
                    .join(" ");
                process.stdout.write(
                    `  v${p.ModelPackageVersion}  ${p.ModelApprovalStatus.padEnd(21)} ${p.CreationTime}  ${m}  ${p.ModelPackageDescription ?? ""}\n`,
                );
            }
            return 0;
        }
        case "describe":
            process.stdout.write(JSON.stringify(reg.describe(group, version()), null, 2) + "\n");
            return 0;
        case "approve":
        case "reject": {
            const by = flags.by ?? process.env.USER ?? os.userInfo().username;
            const pkg = reg.setApproval(group, version(), cmd === "approve" ? "Approved" : "Rejected", by, flags.reason ?? "");
            process.stdout.write(`${pkg.ModelPackageArn}: ${pkg.ModelApprovalStatus} by ${by} (${pkg.ApprovalDescription})\n`);
            return 0;
        }
        default:
            return usage(`command '${cmd}' is unknown`);
    }
}

if (require.main === module) {
    withCli(SPEC, process.argv.slice(2), main).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(e instanceof RegistryError ? `refused: ${e.message}\n` : `error: ${e.message}\n`);
            process.exit(e instanceof RegistryError ? 1 : 2);
        },
    );
}
