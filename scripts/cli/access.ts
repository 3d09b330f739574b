/**
 * The offline access tool (IAM Policy Simulator / Access Analyzer without an account):
 *
 *   npm run access -- explain --stack <s> --principal <p> --action <a> --resource <arn|s3://uri> [--context k=v ...] [--origin vpc|outside] [--json]
 *   npm run access -- matrix  --stack <s> [--html FILE] [--json FILE] [--origin vpc|outside]
 *   npm run access -- check   --stack <s> [--json FILE]
 *
 * explain: Allowed/Denied with the deciding statements (exit 0 either way). matrix: who can do what per bucket prefix,
 * key, topic and function. check: the access contract (exit 1 when a probe fails). Bad arguments: message, exit 2.
 * See docs/access.md.
 */
import { ConfigError } from "../../infra/config";
import { writeFileAtomic } from "../../lib/data/io";
import { formatFailure, runContract, summarize } from "../../gate/access/contract";
import { accessMatrix, matrixHtml, matrixText } from "../../gate/access/matrix";
import { explainResult, Origin } from "../../gate/access/model";
import { accessModelOf } from "../../gate/access/stack";

export const USAGE = `usage:
  npm run access -- explain --stack <dev|prod> --principal <p> --action <service:Action> --resource <ARN | s3://bucket/key>
                            [--context key=value ...] [--origin vpc|outside] [--json]
  npm run access -- matrix  --stack <dev|prod> [--html FILE] [--json FILE] [--origin vpc|outside]
  npm run access -- check   --stack <dev|prod> [--json FILE]

  --principal  a role purpose (pipeline, training, serverlessMonitor, ...), a role ARN, a service principal
               (cloudtrail.amazonaws.com), 'anonymous', 'foreign', or a 12-digit account id (another account)
  --context    request-context values, repeatable: aws:SecureTransport=false, s3:prefix=models/,
               a list as key=[a,b]
  --origin     vpc: through the stack's S3 gateway endpoint (default for workloads); outside: from anywhere else

explain prints Allowed/Denied with each decision (an S3 object request on an SSE-KMS bucket is two: S3 and KMS),
the context assumed and the deciding statements; it exits 0 either way. check exits 1 when the contract fails.

examples:
  npm run access -- explain --stack prod --principal serverlessMonitor --action s3:GetObject --resource s3://<capture bucket>/datacapture/x.jsonl
  npm run access -- explain --stack prod --principal anonymous --action s3:GetObject --resource s3://<audit bucket>/cloudtrail/x
  npm run access -- matrix --stack prod --html access.html
  npm run access -- check --stack dev`;

/** A bad command line: the message names the argument, the problem and the fix; exit 2. */
export class UsageError extends Error {}

interface Parsed {
    command: "explain" | "matrix" | "check" | "help";
    flags: Record<string, string | boolean>;
    context: Record<string, string | string[]>;
}

export function parseArgs(argv: string[]): Parsed {
    if (!argv.length || argv.includes("--help") || argv.includes("-h") || argv[0] === "help") return { command: "help", flags: {}, context: {} };
    const command = argv[0];
    const allowed: Record<string, string[]> = {
        explain: ["stack", "principal", "action", "resource", "context", "origin", "json"],
        matrix: ["stack", "html", "json", "origin"],
        check: ["stack", "json"],
    };
    if (!allowed[command]) throw new UsageError(`unknown command '${command}': use explain, matrix or check (npm run access -- --help)`);
    const flags: Record<string, string | boolean> = {};
    const context: Record<string, string | string[]> = {};
    for (let i = 1; i < argv.length; i++) {
        const a = argv[i];
        const key = a.replace(/^--/, "");
        if (!a.startsWith("--") || !allowed[command].includes(key)) throw new UsageError(`${command}: unknown argument '${a}' (allowed: ${allowed[command].map((k) => `--${k}`).join(", ")})`);
        if (command === "explain" && key === "json" && (argv[i + 1] === undefined || argv[i + 1].startsWith("--"))) {
            flags.json = true;
            continue;
        }
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
        i++;
        if (key === "context") {
            const m = /^([^=]+)=(.*)$/.exec(v);
            if (!m) throw new UsageError(`--context ${v}: expected key=value (e.g. aws:SecureTransport=false), a list as key=[a,b]`);
            const list = /^\[(.*)\]$/.exec(m[2]);
            context[m[1]] = list ? list[1].split(",").map((x) => x.trim()).filter(Boolean) : m[2];
        } else flags[key] = v;
    }
    if (typeof flags.stack !== "string") throw new UsageError(`${command}: --stack <name> is required (e.g. --stack prod)`);
    if (flags.origin !== undefined && flags.origin !== "vpc" && flags.origin !== "outside") throw new UsageError(`--origin ${String(flags.origin)}: expected vpc or outside`);
    if (command === "explain") for (const k of ["principal", "action", "resource"]) if (typeof flags[k] !== "string") throw new UsageError(`explain: --${k} is required`);
    if (command === "explain" && !/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(String(flags.action))) throw new UsageError(`--action ${String(flags.action)}: expected service:Action (e.g. s3:GetObject)`);
    return { command: command as Parsed["command"], flags, context };
}

async function main(argv: string[]): Promise<number> {
    const p = parseArgs(argv);
    if (p.command === "help") {
        process.stdout.write(USAGE + "\n");
        return 0;
    }
    const stack = String(p.flags.stack);
    const m = await accessModelOf(stack);
    const origin = p.flags.origin as Origin | undefined;
    if (p.command === "explain") {
        let r;
        try {
            r = m.check({ principal: String(p.flags.principal), action: String(p.flags.action), resource: String(p.flags.resource), context: p.context, origin });
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
            JSON.stringify({ stack: r.stack, needed: r.needed, forbidden: r.forbidden, failures: r.failures.map((f) => ({ probe: f.probe, result: f.result })) }, null, 2) + "\n",
        );
    }
    return r.failures.length ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`${e instanceof UsageError ? `${e.message}\n(npm run access -- --help)` : e instanceof ConfigError ? e.message : e.stack ?? e.message}\n`);
            process.exit(2);
        },
    );
}
