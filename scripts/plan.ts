/**
 * The offline policy gate:
 *   npm run plan -- --stack <name> [--json FILE] [--sarif FILE] [--outputs FILE] [--new-stack] [--policy-config FILE]
 * Runs the program for the stack on Pulumi's mock runtime (no credentials, no CLI), evaluates the policy pack, prints
 * a preview-like summary, the violations and the cost estimate. Exit 1 on any mandatory violation, 2 on bad input.
 */
import * as path from "path";
import { ConfigError } from "../infra/config";
import { writeFileAtomic } from "../lib/data/io";
import { exitCode, runGate } from "../lib/gate/gate";
import { formatReport, jsonReport, sarifReport } from "../lib/gate/format";

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
    if (typeof flags.json === "string") writeFileAtomic(flags.json, JSON.stringify(jsonReport(report), null, 2) + "\n");
    if (typeof flags.sarif === "string") writeFileAtomic(flags.sarif, JSON.stringify(sarifReport(report), null, 2) + "\n");
    if (typeof flags.outputs === "string") writeFileAtomic(flags.outputs, JSON.stringify(run.outputs, null, 2) + "\n");
    return exitCode(report);
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`${e instanceof ConfigError || e.name === "PackConfigError" ? e.message : e.stack ?? e.message}\n`);
            process.exit(2);
        },
    );
}
