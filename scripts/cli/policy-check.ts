/**
 * Policy checks over existing state:
 *   npm run policy:check -- --export FILE --stack <name> [--json FILE] [--sarif FILE] [--policy-config FILE] [--verbose]
 *   pulumi stack export --stack prod | npm run --silent policy:check -- --export - --stack prod --sarif deployed.sarif
 * Evaluates the same pack over a `pulumi stack export` document (a file, or standard input with `--export -`).
 * Same output and exit codes as the gate.
 */
import * as path from "path";
import { ConfigError } from "../../infra/config";
import { CliSpec, need, str, withCli } from "../framework/cli";
import { writeFileAtomic } from "../../lib/data/io";
import { checkExport, exitCode } from "../../gate/gate";
import { formatReport, jsonReport, sarifReport } from "../../gate/format";
import { checkArgs, REPORT_FLAGS } from "./plan";

export const SPEC: CliSpec = {
    program: "npm run policy:check --",
    summary: "Evaluates the policy pack over an existing stack's state (a `pulumi stack export` file): an audit of what is deployed.",
    flags: [
        { name: "export", value: "FILE|-", help: "the state: pulumi stack export --stack <name> --file FILE, or - to read it from standard input (required)" },
        { name: "stack", value: "NAME", help: "selects the policy config of the stack's environment (required)" },
        ...REPORT_FLAGS,
    ],
    examples: [
        "pulumi stack export --stack prod --file state.json",
        "npm run policy:check -- --export state.json --stack prod --sarif audit.sarif",
        "pulumi stack export --stack prod | npm run --silent policy:check -- --export - --stack prod",
    ],
    notes: ["exit codes: 0 no mandatory violation, 1 mandatory violation(s), 2 bad arguments or unreadable input"],
};

export function main(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, async (p) => {
        const file = need(p, "export", "state.json");
        const stack = need(p, "stack", "prod");
        const cfg = str(p, "policy-config");
        checkArgs(undefined, cfg, file === "-" ? undefined : file); // the stack may come from elsewhere: it only selects the policy config
        const report = await checkExport(file === "-" ? "-" : path.resolve(file), stack, cfg !== undefined ? path.resolve(cfg) : undefined);
        process.stdout.write(formatReport(report, { verbose: p.flags.verbose === true }) + "\n");
        const json = str(p, "json");
        const sarif = str(p, "sarif");
        if (json) writeFileAtomic(json, JSON.stringify(jsonReport(report), null, 2) + "\n");
        if (sarif) writeFileAtomic(sarif, JSON.stringify(sarifReport(report), null, 2) + "\n");
        return exitCode(report);
    });
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`${e instanceof ConfigError || e.name === "PackConfigError" ? e.message : `error: ${e.message}`}\n`);
            process.exit(2);
        },
    );
}
