/**
 * The offline policy gate:
 *   npm run plan -- --stack <name> [--json FILE] [--sarif FILE] [--outputs FILE] [--new-stack] [--policy-config FILE] [--verbose]
 * Runs the program for the stack on Pulumi's mock runtime (no credentials, no CLI), evaluates the policy pack, prints
 * the verdict, a per-policy table, the violations and the cost estimate, then the stack's access contract
 * (gate/access/contract.ts: every needed access Allowed, every forbidden access Denied; docs/access.md).
 * Exit 1 on any mandatory violation or failed access probe, 2 on bad input.
 */
import * as path from "path";
import { ConfigError } from "../../infra/config";
import * as fs from "fs";
import { CliSpec, need, PROJECT_DIR, str, UsageError, withCli } from "../framework/cli";
import { writeFileAtomic } from "../../lib/data/io";
import { exitCode, runGate } from "../../gate/gate";
import { formatReport, jsonReport, sarifReport } from "../../gate/format";
import { createPlatform } from "../../infra/program";
import { formatFailure, runContract, summarize } from "../../gate/access/contract";
import { AccessModel } from "../../gate/access/model";
import { runProgram } from "../../gate/runtime";

export const REPORT_FLAGS = [
    { name: "json", value: "FILE", help: "also write the report as JSON" },
    { name: "sarif", value: "FILE", help: "also write SARIF 2.1.0 (code-scanning upload: violations with source lines, exemptions as suppressions)" },
    { name: "policy-config", value: "FILE", help: "policy pack config (default policies/config/<environment>.json)" },
    { name: "verbose", help: "also print the resource inventory (component tree, counts per type)" },
];

export const SPEC: CliSpec = {
    program: "npm run plan --",
    summary:
        "The offline policy gate: runs the Pulumi program for a stack on Pulumi's mock runtime (no AWS credentials, no Pulumi CLI)\n" +
        "and evaluates the CrossGuard policy pack the way `pulumi preview --policy-pack policies` does.",
    flags: [
        { name: "stack", value: "NAME", help: "stack to check: reads Pulumi.<NAME>.yaml (required; dev or prod here)" },
        ...REPORT_FLAGS,
        { name: "outputs", value: "FILE", help: "write the stack outputs (placeholder ids) as build_ml_environment.sh reads them" },
        { name: "new-stack", help: "treat computed values as unknown, like the first preview of a new stack" },
    ],
    examples: [
        "npm run plan -- --stack dev",
        "npm run plan -- --stack prod --sarif gate.sarif --json gate.json",
        "npm run plan -- --stack dev --verbose --new-stack",
    ],
    notes: [
        "exit codes: 0 no mandatory violation and the access contract holds, 1 mandatory violation(s) or failed access probe(s), 2 bad arguments or configuration",
    ],
};

const ROOT = PROJECT_DIR;

/** Argument errors before the program runs: they name the option (never "Invalid stack configuration"). */
export function checkArgs(stack: string | undefined, policyConfig: string | undefined, exportFile?: string): void {
    if (stack !== undefined && !fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))) {
        const known = fs
            .readdirSync(ROOT)
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .map((f) => f.slice(7, -5));
        throw new UsageError(
            `option --stack ${stack}: there is no Pulumi.${stack}.yaml (stacks: ${known.join(", ")}; a new stack starts with 'pulumi stack init ${stack}' and its own Pulumi.${stack}.yaml)`,
        );
    }
    if (policyConfig !== undefined && !fs.existsSync(policyConfig))
        throw new UsageError(`option --policy-config ${policyConfig}: file not found (the pack configs are policies/config/<environment>.json)`);
    if (exportFile !== undefined && !fs.existsSync(exportFile))
        throw new UsageError(`option --export ${exportFile}: file not found (create it with 'pulumi stack export --stack <name> --file ${exportFile}')`);
}

export function main(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, async (p) => {
        const stack = need(p, "stack", "dev");
        checkArgs(stack, str(p, "policy-config"));
        const { report, run } = await runGate({
            stack,
            mode: p.flags["new-stack"] ? "new-stack" : "update",
            packConfigFile: str(p, "policy-config") !== undefined ? path.resolve(str(p, "policy-config")!) : undefined,
        });
        process.stdout.write(formatReport(report, { verbose: p.flags.verbose === true }) + "\n");
        // The access contract needs known ARNs: a first preview (--new-stack) has them unknown, so the contract is decided
        // on the settled stack (the same program and config in update mode): the policies are the same documents.
        const settled = run.mode === "update" ? run : await runProgram(() => createPlatform(), { stack, mode: "update" });
        const contract = runContract(new AccessModel(settled));
        process.stdout.write(`\n${summarize(contract)}${run.mode === "new-stack" ? " (decided on the settled stack: ARNs known)" : ""}\n`);
        for (const f of contract.failures) process.stdout.write("\n" + formatFailure(f) + "\n");
        if (contract.failures.length)
            process.stdout.write(`\nFAILED: ${contract.failures.length} access probe(s) of the contract fail (how to read them: docs/access.md)\n`);
        const accessContract = {
            needed: contract.needed,
            forbidden: contract.forbidden,
            failures: contract.failures.map((f) => ({ probe: f.probe, result: f.result })),
        };
        const json = str(p, "json");
        const sarif = str(p, "sarif");
        const outputs = str(p, "outputs");
        if (json) writeFileAtomic(json, JSON.stringify({ ...jsonReport(report), accessContract }, null, 2) + "\n");
        if (sarif) writeFileAtomic(sarif, JSON.stringify(sarifReport(report), null, 2) + "\n");
        if (outputs) writeFileAtomic(outputs, JSON.stringify(run.outputs, null, 2) + "\n");
        return Math.max(exitCode(report), contract.failures.length ? 1 : 0);
    });
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(
                `${e instanceof ConfigError || e.name === "PackConfigError" ? e.message : `error: ${process.env.MLP_DEBUG ? (e.stack ?? e.message) : e.message}`}\n`,
            );
            process.exit(2);
        },
    );
}
