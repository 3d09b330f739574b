/**
 * Policy checks over existing state:
 *   npm run policy:check -- --export FILE --stack <name> [--json FILE] [--sarif FILE] [--policy-config FILE]
 *   pulumi stack export --stack prod | npm run --silent policy:check -- --export - --stack prod --sarif deployed.sarif
 * Evaluates the same pack over a `pulumi stack export` document (a file, or standard input with `--export -`).
 * Same output and exit codes as the gate.
 */
import * as path from "path";
import { ConfigError } from "../infra/config";
import { writeFileAtomic } from "../lib/data/io";
import { checkExport, exitCode } from "../lib/gate/gate";
import { formatReport, jsonReport, sarifReport } from "../lib/gate/format";
import { parseFlags } from "./plan";

async function main(): Promise<number> {
    const flags = parseFlags(process.argv.slice(2), ["export", "stack", "json", "sarif", "policy-config"]);
    if (typeof flags.export !== "string") throw new ConfigError(["--export FILE is required (create it with 'pulumi stack export --file FILE', or pass --export - and pipe 'pulumi stack export' into it)"]);
    if (typeof flags.stack !== "string") throw new ConfigError(["--stack <name> is required: it selects the policy config (policies/config/<environment>.json)"]);
    const report = await checkExport(flags.export === "-" ? "-" : path.resolve(flags.export), flags.stack, typeof flags["policy-config"] === "string" ? path.resolve(flags["policy-config"]) : undefined);
    process.stdout.write(formatReport(report) + "\n");
    if (typeof flags.json === "string") writeFileAtomic(flags.json, JSON.stringify(jsonReport(report), null, 2) + "\n");
    if (typeof flags.sarif === "string") writeFileAtomic(flags.sarif, JSON.stringify(sarifReport(report), null, 2) + "\n");
    return exitCode(report);
}

main().then(
    (code) => process.exit(code),
    (e: Error) => {
        process.stderr.write(`${e instanceof ConfigError ? e.message : e.message}\n`);
        process.exit(2);
    },
);
