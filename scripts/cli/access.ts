/**
 * `npm run access -- explain|matrix|check`: the offline access tool (IAM Policy Simulator / Access Analyzer without an
 * account) over the stack the program would deploy (gate/access). See docs/access.md.
 * explain: Allowed/Denied with the deciding statements (exit 0 either way). matrix: who can do what per bucket prefix,
 * key, topic and function. check: the access contract (exit 1 when a probe fails). Bad arguments: message, exit 2.
 * Main decision: argument handling is the shared CLI layer (scripts/framework/cli.ts); this file checks the values
 * (stack, origin, action, context) and prints.
 */
import { ConfigError } from "../../infra/config";
import { writeFileAtomic } from "../../lib/data/io";
import { formatFailure, runContract, summarize } from "../../gate/access/contract";
import { accessMatrix, matrixHtml, matrixText } from "../../gate/access/matrix";
import { explainResult, Origin } from "../../gate/access/model";
import { accessModelOf } from "../../gate/access/stack";
import { CliSpec, formatHelp, need, ParsedCli, str, UsageError, withCli } from "../framework/cli";

const STACK = { name: "stack", value: "dev|prod", help: "the stack (required)" };
const ORIGIN = {
    name: "origin",
    value: "vpc|outside",
    help: "vpc: through the stack's S3 gateway endpoint (default for workloads); outside: from anywhere else",
};

export const SPEC: CliSpec = {
    program: "npm run access --",
    summary: "The offline access tool: IAM decisions, the access matrix and the access contract of a stack, without an AWS account.",
    commands: [
        {
            name: "explain",
            summary: "Allowed/Denied for one request, with each decision, the context assumed and the deciding statements",
            args: "--stack <dev|prod> --principal <p> --action <service:Action> --resource <ARN | s3://bucket/key>",
            flags: [
                STACK,
                {
                    name: "principal",
                    value: "P",
                    help: "a role purpose (pipeline, training, serverlessMonitor, ...), a role ARN, a service principal (cloudtrail.amazonaws.com), 'anonymous', 'foreign', or a 12-digit account id (required)",
                },
                { name: "action", value: "SERVICE:ACTION", help: "e.g. s3:GetObject (required)" },
                { name: "resource", value: "ARN|s3://URI", help: "the resource (required)" },
                {
                    name: "context",
                    value: "KEY=VALUE",
                    help: "request-context value: aws:SecureTransport=false, s3:prefix=models/, a list as key=[a,b]",
                    repeatable: true,
                },
                ORIGIN,
                { name: "json", help: "print the result as JSON" },
            ],
        },
        {
            name: "matrix",
            summary: "who can do what per bucket prefix, key, topic and function",
            flags: [
                STACK,
                { name: "html", value: "FILE", help: "also write a self-contained HTML page" },
                { name: "json", value: "FILE", help: "also write JSON" },
                ORIGIN,
            ],
        },
        {
            name: "check",
            summary: "the access contract (exit 1 when it fails)",
            flags: [STACK, { name: "json", value: "FILE", help: "also write the result as JSON" }],
        },
    ],
    flags: [],
    examples: [
        "npm run access -- explain --stack prod --principal serverlessMonitor --action s3:GetObject --resource s3://<capture bucket>/datacapture/x.jsonl",
        "npm run access -- explain --stack prod --principal anonymous --action s3:GetObject --resource s3://<audit bucket>/cloudtrail/x",
        "npm run access -- matrix --stack prod --html access.html",
        "npm run access -- check --stack dev",
    ],
    notes: [
        "explain prints Allowed/Denied with each decision (an S3 object request on an SSE-KMS bucket is two: S3 and KMS),",
        "the context assumed and the deciding statements; it exits 0 either way. check exits 1 when the contract fails.",
        "exit codes: 0 ok, 1 the contract fails (check), 2 bad usage or configuration",
    ],
};

interface Parsed {
    command: "explain" | "matrix" | "check";
    flags: Record<string, string | boolean>;
    context: Record<string, string | string[]>;
}

/** The values of a parsed command line, checked: stack, origin, and for explain the request. Throws UsageError. */
export function checkArgs(p: ParsedCli): Parsed {
    const command = p.command as Parsed["command"];
    need(p, "stack", "prod");
    const context: Record<string, string | string[]> = {};
    for (const v of p.lists.context ?? []) {
        const m = /^([^=]+)=(.*)$/.exec(v);
        if (!m) throw new UsageError(`--context ${v}: expected key=value (e.g. aws:SecureTransport=false), a list as key=[a,b]`);
        const list = /^\[(.*)\]$/.exec(m[2]);
        context[m[1]] = list
            ? list[1]
                  .split(",")
                  .map((x) => x.trim())
                  .filter(Boolean)
            : m[2];
    }
    const origin = str(p, "origin");
    if (origin !== undefined && origin !== "vpc" && origin !== "outside") throw new UsageError(`--origin ${origin}: expected vpc or outside`);
    if (command === "explain") {
        for (const k of ["principal", "action", "resource"])
            need(p, k, k === "action" ? "s3:GetObject" : k === "principal" ? "pipeline" : "s3://<bucket>/<key>");
        const action = str(p, "action")!;
        if (!/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) throw new UsageError(`--action ${action}: expected service:Action (e.g. s3:GetObject)`);
    }
    const flags: Record<string, string | boolean> = { ...p.flags };
    delete flags.context;
    return { command, flags, context };
}

async function run(parsed: ParsedCli): Promise<number> {
    const p = checkArgs(parsed);
    const stack = String(p.flags.stack);
    const m = await accessModelOf(stack);
    const origin = p.flags.origin as Origin | undefined;
    if (p.command === "explain") {
        let r;
        try {
            r = m.check({
                principal: String(p.flags.principal),
                action: String(p.flags.action),
                resource: String(p.flags.resource),
                context: p.context,
                origin,
            });
        } catch (e) {
            throw new UsageError((e as Error).message);
        }
        if (p.flags.json === true) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
        else process.stdout.write(explainResult(r) + "\n");
        return 0;
    }
    if (p.command === "matrix") {
        const x = accessMatrix(m, origin);
        process.stdout.write(matrixText(x) + "\n");
        if (typeof p.flags.html === "string") writeFileAtomic(p.flags.html, matrixHtml(x));
        if (typeof p.flags.json === "string") writeFileAtomic(p.flags.json, JSON.stringify(x, null, 2) + "\n");
        return 0;
    }
    const r = runContract(m);
    process.stdout.write(summarize(r) + "\n");
    for (const f of r.failures) process.stdout.write("\n" + formatFailure(f) + "\n");
    if (typeof p.flags.json === "string") {
        writeFileAtomic(
            p.flags.json,
            JSON.stringify(
                { stack: r.stack, needed: r.needed, forbidden: r.forbidden, failures: r.failures.map((f) => ({ probe: f.probe, result: f.result })) },
                null,
                2,
            ) + "\n",
        );
    }
    return r.failures.length ? 1 : 0;
}

/** Runs the CLI; resolves to the exit code. Without arguments it prints the help (exit 0). */
export function main(argv: string[]): Promise<number> {
    if (argv.length === 0) {
        process.stdout.write(formatHelp(SPEC) + "\n");
        return Promise.resolve(0);
    }
    return withCli(SPEC, argv, run);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`${e instanceof ConfigError ? e.message : (e.stack ?? e.message)}\n`);
            process.exit(2);
        },
    );
}
