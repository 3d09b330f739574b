/**
 * The offline policy gate:
 *   npm run plan -- --stack <name> [--json FILE] [--sarif FILE] [--outputs FILE] [--new-stack] [--policy-config FILE]
 * Runs the program for the stack on Pulumi's mock runtime (no credentials, no CLI), evaluates the policy pack, prints
 * a preview-like summary, the violations and the cost estimate, then the stack's access contract (lib/access/contract.ts:
 * every needed access Allowed, every forbidden access Denied; docs/access.md). Exit 1 on any mandatory violation or
 * failed access probe, 2 on bad input.
 */
import * as path from "path";
import { ConfigError } from "../infra/config";
import { writeFileAtomic } from "../lib/data/io";
import { exitCode, runGate } from "../lib/gate/gate";
import { formatReport, jsonReport, sarifReport } from "../lib/gate/format";
import { createPlatform } from "../infra/program";
import { formatFailure, runContract, summarize } from "../lib/access/contract";
import { AccessModel } from "../lib/access/model";
import { runProgram } from "../lib/gate/runtime";

export function parseFlags(argv: string[], allowed: string[], booleans: string[] = []): Record<string, string | boolean> {
    const flags: Record<string, string | boolean> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const key = a.replace(/^--/, "");
        if (!a.startsWith("--") || (!allowed.includes(key) && !booleans.includes(key))) throw new ConfigError([`unknown argument '${a}' (allowed: ${[...allowed, ...booleans].map((k) => `--${k}`).join(", ")})`]);
        if (booleans.includes(key)) flags[key] = true;
        else {
            if (argv[i + 1] === undefined || argv[i + 1].startsWith("--")) throw new ConfigError([`${a} needs a value`]);
            flags[key] = argv[++i];
        }
    }
    return flags;
}

async function main(): Promise<number> {
    const flags = parseFlags(process.argv.slice(2), ["stack", "json", "sarif", "outputs", "policy-config"], ["new-stack"]);
    if (typeof flags.stack !== "string") throw new ConfigError(["--stack <name> is required (e.g. --stack dev)"]);
    const { report, run } = await runGate({
        stack: flags.stack,
        mode: flags["new-stack"] ? "new-stack" : "update",
        packConfigFile: typeof flags["policy-config"] === "string" ? path.resolve(flags["policy-config"]) : undefined,
    });
    process.stdout.write(formatReport(report) + "\n");
    // The access contract needs known ARNs: a first preview (--new-stack) has them unknown, so the contract is decided
    // on the settled stack (the same program and config in update mode): the policies are the same documents.
    const settled = run.mode === "update" ? run : await runProgram(() => createPlatform(), { stack: flags.stack, mode: "update" });
    const contract = runContract(new AccessModel(settled));
    process.stdout.write(`\n${summarize(contract)}${run.mode === "new-stack" ? " (decided on the settled stack: ARNs known)" : ""}\n`);
    for (const f of contract.failures) process.stdout.write("\n" + formatFailure(f) + "\n");
    if (contract.failures.length) process.stdout.write(`\nFAILED: ${contract.failures.length} access probe(s) of the contract fail (how to read them: docs/access.md)\n`);
    const accessContract = { needed: contract.needed, forbidden: contract.forbidden, failures: contract.failures.map((f) => ({ probe: f.probe, result: f.result })) };
    if (typeof flags.json === "string") writeFileAtomic(flags.json, JSON.stringify({ ...jsonReport(report), accessContract }, null, 2) + "\n");
    if (typeof flags.sarif === "string") writeFileAtomic(flags.sarif, JSON.stringify(sarifReport(report), null, 2) + "\n");
    if (typeof flags.outputs === "string") writeFileAtomic(flags.outputs, JSON.stringify(run.outputs, null, 2) + "\n");
    return Math.max(exitCode(report), contract.failures.length ? 1 : 0);
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`${e instanceof ConfigError ? e.message : e.stack ?? e.message}\n`);
            process.exit(2);
        },
    );
}
