/**
 * The local model registry's command line (the local analogue of UpdateModelPackage / ListModelPackages):
 *   npm run registry -- list     [--stack dev] [--workdir DIR] [--status Approved|Rejected|PendingManualApproval]
 *   npm run registry -- describe --version N
 *   npm run registry -- approve  --version N --reason "why" [--by NAME]
 *   npm run registry -- reject   --version N --reason "why" [--by NAME]
 * Exit codes: 0 ok, 1 refused (e.g. an invalid transition), 2 bad usage.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StackOutputs } from "../infra/outputs";
import { APPROVAL_STATUSES, ApprovalStatus, RegistryError } from "../lib/registry";
import { registryFor } from "./steps/register";

function usage(msg: string): never {
    process.stderr.write(`${msg}\nusage: npm run registry -- list|describe|approve|reject [--stack dev] [--workdir DIR] [--version N] [--reason TEXT] [--by NAME] [--status S]\n`);
    process.exit(2);
}

function main(): void {
    const [cmd, ...rest] = process.argv.slice(2);
    const flags: Record<string, string> = {};
    for (let i = 0; i < rest.length; i += 2) {
        if (!rest[i].startsWith("--") || rest[i + 1] === undefined) usage(`bad argument '${rest[i]}'`);
        flags[rest[i].slice(2)] = rest[i + 1];
    }
    const stack = flags.stack ?? "dev";
    const workdir = path.resolve(flags.workdir ?? path.join(__dirname, "..", ".ml-env", stack));
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
                const m = Object.entries(p.Metrics).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(" ");
                process.stdout.write(`  v${p.ModelPackageVersion}  ${p.ModelApprovalStatus.padEnd(21)} ${p.CreationTime}  ${m}  ${p.ModelPackageDescription ?? ""}\n`);
            }
            return;
        }
        case "describe":
            process.stdout.write(JSON.stringify(reg.describe(group, version()), null, 2) + "\n");
            return;
        case "approve":
        case "reject": {
            const by = flags.by ?? process.env.USER ?? os.userInfo().username;
            const p = reg.setApproval(group, version(), cmd === "approve" ? "Approved" : "Rejected", by, flags.reason ?? "");
            process.stdout.write(`${p.ModelPackageArn}: ${p.ModelApprovalStatus} by ${by} (${p.ApprovalDescription})\n`);
            return;
        }
        default:
            usage(`unknown command '${cmd ?? ""}'`);
    }
}

try {
    main();
} catch (e) {
    if (e instanceof RegistryError) {
        process.stderr.write(`refused: ${e.message}\n`);
        process.exit(1);
    }
    throw e;
}
