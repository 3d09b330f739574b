/**
 * The compliance map, generated from code:
 *   npm run compliance:map            writes docs/compliance.md
 *   npm run compliance:map -- --check exits 1 when docs/compliance.md is not what the code says
 *
 * Each platform control (tagging, encryption, least privilege, network isolation, capacity, monitoring, cost, audit)
 * with its three layers:
 *   prevent  the CrossGuard policies (policies/all.ts) and their level per environment (policies/config/<env>.json);
 *   detect   the AWS Config managed rules (components/detective.ts MANAGED_RULES, by their `control`) and the
 *            Security Hub controls that report the same checks;
 *   respond  the EventBridge routes and alarms that reach the alerts topic (components/audit.ts, detective.ts,
 *            observability.ts, budget.ts);
 * and the AWS Well-Architected Machine Learning Lens best practices it serves
 * (https://docs.aws.amazon.com/wellarchitected/latest/machine-learning-lens/).
 * test/compliance/map.test.ts fails when a policy, a Config rule or an EventBridge route of the program has no entry.
 */
import { CliSpec, withCli } from "../framework/cli";
import * as fs from "fs";
import * as path from "path";
import { Control, MANAGED_RULES, NOT_DEPLOYED, ruleName } from "../../components/detective";
import { writeFileAtomic } from "../../lib/data/io";
import { all } from "../../policies/all";
import { PlatformPolicy } from "../../policies/lib/types";

const ROOT = path.resolve(__dirname, "..", "..");
export const MAP_FILE = path.join(ROOT, "docs", "compliance.md");

export interface Route {
    /** EventBridge rule name without `<namePrefix>-`, or a description of a non-EventBridge response. */
    key: string;
    kind: "eventbridge" | "alarm" | "budget" | "remediation";
    what: string;
    source: string;
}

/** Every response the program wires to the alerts topic (or beyond), by where it is created. */
export const ROUTES: Route[] = [
    {
        key: "config-noncompliant",
        kind: "eventbridge",
        what: "AWS Config NON_COMPLIANT on a rule of this stack, for this stack's resources -> alerts topic",
        source: "components/detective.ts",
    },
    {
        key: "securityhub-finding",
        kind: "eventbridge",
        what: "Security Hub active FAILED finding on a resource of this stack -> alerts topic",
        source: "components/detective.ts",
    },
    {
        key: "job-without-vpc",
        kind: "eventbridge",
        what: "SageMaker training/processing job or model created without a VPC -> alerts topic",
        source: "components/audit.ts",
    },
    { key: "role-policy-change", kind: "eventbridge", what: "policy change on a platform IAM role -> alerts topic", source: "components/audit.ts" },
    {
        key: "role-policy-change-forward",
        kind: "eventbridge",
        what: "the same IAM events forwarded from us-east-1 to the stack region (stacks outside us-east-1)",
        source: "components/audit.ts",
    },
    {
        key: "key-disable-or-delete",
        kind: "eventbridge",
        what: "a platform KMS key disabled or scheduled for deletion -> alerts topic",
        source: "components/audit.ts",
    },
    {
        key: "alarm-to-retraining",
        kind: "eventbridge",
        what: "drift / model-quality alarm -> retraining pipeline (or alerts topic)",
        source: "components/audit.ts",
    },
    {
        key: "break-glass-used",
        kind: "eventbridge",
        what: "a break-glass role was assumed (security.breakGlassRoleArns) -> alerts topic",
        source: "components/audit.ts",
    },
    {
        key: "registry-deploy",
        kind: "eventbridge",
        what: "an approved model package starts the deployment target (when the registry has one)",
        source: "components/model-registry.ts",
    },
    {
        key: "registry-approval",
        kind: "eventbridge",
        what: "a model package of the registry approved or rejected -> alerts topic (who approved what is on record)",
        source: "components/model-registry.ts",
    },
    {
        key: "serverless-monitor-schedule",
        kind: "eventbridge",
        what: "schedule of the platform's serverless monitor (publishes the drift metrics the alarms watch)",
        source: "components/serverless-monitor.ts",
    },
    {
        key: "distributed-monitor-schedule",
        kind: "eventbridge",
        what: "optional (monitoring.distributed.enabled): hourly Scheduler start of the distributed monitor's state machine, in place of the serverless monitor; failed batches and runs -> dead-letter queue and alarms",
        source: "components/distributed-monitor.ts",
    },
    {
        key: "endpoint alarms",
        kind: "alarm",
        what: "CloudWatch alarms on endpoint latency, errors, CPU, invocations -> alerts topic; also roll a deployment back",
        source: "components/observability.ts",
    },
    {
        key: "drift alarms",
        kind: "alarm",
        what: "CloudWatch alarms on feature drift / model quality -> alerts topic and retraining",
        source: "components/observability.ts",
    },
    {
        key: "budget notifications",
        kind: "budget",
        what: "AWS Budgets thresholds and Cost Anomaly Detection -> alerts topic / email; prod: deny-new-capacity budget action",
        source: "components/budget.ts",
    },
    {
        key: "s3 block public access remediation",
        kind: "remediation",
        what: "optional: SSM AWS-DisableS3BucketPublicReadWrite re-enables the bucket's Block Public Access (detective.remediateS3PublicAccess)",
        source: "components/detective.ts",
    },
];

export interface ControlDef {
    id: Control;
    title: string;
    /** Policy names (policies/rules/<name>.ts). */
    policies: string[];
    /** Policy `tags` that place a policy in this control too (so a new policy with known tags is mapped without edits). */
    policyTags: string[];
    /** Route keys (ROUTES). */
    respond: string[];
    /** Security Hub controls beyond those of the control's Config rules. */
    extraSecurityHub: string[];
    /** Detective controls that are not Config rules (e.g. AWS Budgets). */
    otherDetective: string[];
    /** AWS Well-Architected Machine Learning Lens best practices ("id title"). */
    mlLens: string[];
}

export const CONTROLS: ControlDef[] = [
    {
        id: "tagging",
        policyTags: ["tagging"],
        title: "Tagging",
        policies: ["required-tags"],
        respond: ["config-noncompliant"],
        extraSecurityHub: [],
        otherDetective: ["cost-allocation tags and per-tag budgets (components/budget.ts)"],
        mlLens: ["MLSEC03-BP01 Provide least privilege access (tags identify data sensitivity and ownership)"],
    },
    {
        id: "encryption",
        policyTags: ["encryption"],
        title: "Encryption at rest and in transit",
        policies: ["encryption-at-rest-and-in-transit", "s3-encryption-and-tls"],
        respond: ["config-noncompliant", "securityhub-finding", "key-disable-or-delete"],
        extraSecurityHub: [],
        otherDetective: [],
        mlLens: ["MLSEC02-BP01 Design data encryption and obfuscation", "MLSEC03-BP02 Secure data and modeling environment"],
    },
    {
        id: "least-privilege",
        policyTags: ["least-privilege", "iam", "identity", "public-access"],
        title: "Least privilege",
        policies: ["least-privilege-iam"],
        respond: [
            "role-policy-change",
            "role-policy-change-forward",
            "break-glass-used",
            "config-noncompliant",
            "securityhub-finding",
            "s3 block public access remediation",
        ],
        extraSecurityHub: [],
        otherDetective: [],
        mlLens: ["MLSEC03-BP01 Provide least privilege access", "MLSEC06-BP01 Restrict access to intended legitimate consumers"],
    },
    {
        id: "network-isolation",
        policyTags: ["network"],
        title: "Network isolation",
        policies: ["network-isolation"],
        respond: ["job-without-vpc", "config-noncompliant", "securityhub-finding"],
        extraSecurityHub: [],
        otherDetective: [],
        mlLens: [
            "MLSEC03-BP02 Secure data and modeling environment",
            "MLSEC04-BP01 Secure governed ML environment",
            "MLSEC04-BP02 Secure inter-node cluster communications",
        ],
    },
    {
        id: "capacity",
        policyTags: ["capacity", "availability"],
        title: "Capacity and availability",
        policies: ["instance-types-and-capacity", "endpoint-autoscaling"],
        respond: ["endpoint alarms", "config-noncompliant", "securityhub-finding"],
        extraSecurityHub: [],
        otherDetective: [],
        mlLens: ["MLREL05-BP01 Allow automatic scaling of the model endpoint", "MLCOST04-BP01 Select optimal computing instance size"],
    },
    {
        id: "monitoring",
        policyTags: ["monitoring", "observability"],
        title: "Model and platform monitoring",
        policies: ["monitoring-coverage"],
        respond: [
            "endpoint alarms",
            "drift alarms",
            "alarm-to-retraining",
            "serverless-monitor-schedule",
            "distributed-monitor-schedule",
            "registry-deploy",
            "config-noncompliant",
        ],
        extraSecurityHub: [],
        otherDetective: [
            "the platform's serverless monitor (data-quality drift on captured traffic, components/serverless-monitor.ts; scaled out by components/distributed-monitor.ts)",
        ],
        mlLens: ["MLOPS01-BP03 Monitor model adherence to business requirements", "MLREL04-BP01 Automate endpoint changes through a pipeline"],
    },
    {
        id: "cost",
        policyTags: ["cost", "finops"],
        title: "Cost",
        policies: ["cost-within-budget"],
        respond: ["budget notifications"],
        extraSecurityHub: [],
        otherDetective: ["AWS Budgets and Cost Anomaly Detection (components/budget.ts)"],
        mlLens: ["MLCOST04-BP01 Select optimal computing instance size"],
    },
    {
        id: "audit",
        policyTags: ["audit"],
        title: "Audit and detective coverage",
        policies: ["monitoring-coverage", "detective-controls"],
        respond: ["config-noncompliant", "securityhub-finding", "role-policy-change", "key-disable-or-delete", "break-glass-used", "registry-approval"],
        extraSecurityHub: ["Config.1"],
        otherDetective: [
            "CloudTrail trail with log file validation, to CloudWatch Logs (components/audit.ts)",
            "nightly `policy:check` of the deployed state (.github/workflows/drift.yml)",
        ],
        mlLens: ["MLSEC06-BP02 Monitor human interactions with data for anomalous activity", "MLSEC03-BP04 Enforce data lineage"],
    },
];

export interface ComplianceMap {
    controls: {
        def: ControlDef;
        policies: PlatformPolicy[];
        rules: (typeof MANAGED_RULES)[number][];
        routes: Route[];
        securityHub: string[];
    }[];
    /** Problems: a policy, rule or route referenced nowhere or referencing something unknown. */
    problems: string[];
}

export function buildComplianceMap(
    controls: ControlDef[] = CONTROLS,
    policies: readonly PlatformPolicy[] = all,
    rules = MANAGED_RULES,
    routes = ROUTES,
): ComplianceMap {
    const problems: string[] = [];
    const out: ComplianceMap["controls"] = [];
    for (const def of controls) {
        const named = def.policies
            .map((n) => {
                const p = policies.find((x) => x.name === n);
                if (!p) problems.push(`control ${def.id}: no policy named ${n} in policies/all.ts`);
                return p;
            })
            .filter((p): p is PlatformPolicy => !!p);
        const tagged = policies.filter((p) => !named.includes(p) && p.tags.some((t) => def.policyTags.includes(t)));
        const ps = [...named, ...tagged];
        const rs = rules.filter((r) => r.control === def.id);
        const rts = def.respond
            .map((k) => {
                const r = routes.find((x) => x.key === k);
                if (!r) problems.push(`control ${def.id}: no route ${k} in ROUTES`);
                return r;
            })
            .filter((r): r is Route => !!r);
        const sh = [...new Set([...rs.flatMap((r) => r.securityHubControls), ...def.extraSecurityHub])].sort();
        if (ps.length === 0) problems.push(`control ${def.id}: no preventive policy`);
        if (rs.length === 0 && def.otherDetective.length === 0) problems.push(`control ${def.id}: no detective control`);
        if (rts.length === 0) problems.push(`control ${def.id}: no response`);
        if (def.mlLens.length === 0) problems.push(`control ${def.id}: no Well-Architected ML Lens best practice`);
        for (const bp of def.mlLens)
            if (!/^ML(SEC|OPS|REL|PERF|COST|SUS)\d{2}-BP\d{2} /.test(bp)) problems.push(`control ${def.id}: '${bp}' is not an ML Lens best practice id`);
        out.push({ def, policies: ps, rules: rs, routes: rts, securityHub: sh });
    }
    for (const p of policies) {
        if (!controls.some((c) => c.policies.includes(p.name) || p.tags.some((t) => c.policyTags.includes(t)))) {
            problems.push(
                `policy ${p.name} has no entry in the compliance map: name it in a control of scripts/tools/compliance-map.ts CONTROLS or give it a tag one of them maps (tags: ${p.tags.join(", ")})`,
            );
        }
    }
    for (const r of rules)
        if (!controls.some((c) => c.id === r.control))
            problems.push(`Config rule ${r.identifier} has control '${r.control}', which has no entry in the compliance map`);
    for (const r of routes) if (!controls.some((c) => c.respond.includes(r.key))) problems.push(`route ${r.key} is in no control of the compliance map`);
    return { controls: out, problems };
}

function levels(policy: string): string {
    const level = (env: string) => {
        const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${env}.json`), "utf8")) as Record<string, unknown>;
        const entry = cfg[policy];
        const allLevel = typeof cfg.all === "string" ? cfg.all : undefined;
        const own = typeof entry === "string" ? entry : (entry as { enforcementLevel?: string } | undefined)?.enforcementLevel;
        return own ?? allLevel ?? all.find((p) => p.name === policy)?.enforcementLevel ?? "advisory";
    };
    return `${level("dev")} / ${level("prod")}`;
}

const esc = (s: string) => s.replace(/\|/g, "\\|");

export function renderMarkdown(map: ComplianceMap): string {
    const L: string[] = [];
    const nPolicies = new Set(map.controls.flatMap((c) => c.policies.map((p) => p.name))).size;
    const nRules = new Set(map.controls.flatMap((c) => c.rules.map((r) => r.identifier))).size;
    const nRoutes = new Set(map.controls.flatMap((c) => c.routes.map((r) => r.key))).size;
    const nSh = new Set(map.controls.flatMap((c) => c.securityHub)).size;
    L.push("# Compliance map: prevent, detect, respond");
    L.push("");
    L.push(
        "<!-- GENERATED by scripts/tools/compliance-map.ts from policies/all.ts, components/detective.ts and the routes the program creates. Do not edit: run `npm run compliance:map`. -->",
    );
    L.push("");
    L.push("Three layers per control:");
    L.push("");
    L.push(
        "- **prevent**: the CrossGuard policy pack judges every preview (`npm run plan`, `pulumi preview --policy-pack policies`); level shown as dev / prod (`policies/config/<env>.json`);",
    );
    L.push(
        "- **detect**: AWS Config managed rules deployed by `components/detective.ts` (named `<namePrefix>-<rule>`; change-triggered rules scoped to the stack by the `detective.scopeTag` tag, periodic rules evaluate every resource of their type) and the Security Hub controls (AWS Foundational Security Best Practices and others) that report the same checks;",
    );
    L.push("- **respond**: EventBridge routes and alarms to the platform's alerts topic, and the optional remediation.");
    L.push("");
    L.push(
        `Coverage: ${map.controls.length} controls; ${nPolicies}/${all.length} policies, ${nRules}/${MANAGED_RULES.length} Config rules and ${nRoutes}/${ROUTES.length} responses mapped; ${nSh} Security Hub control ids.`,
    );
    L.push("");
    L.push("| Control | Preventive policies | Detective Config rules | Security Hub controls | Responses | ML Lens best practices |");
    L.push("|---|---|---|---|---|---|");
    for (const c of map.controls) {
        L.push(
            `| [${c.def.title}](#${c.def.id}) | ${c.policies.map((p) => `\`${p.name}\``).join(", ")} | ${c.rules.length}${c.def.otherDetective.length ? ` + ${c.def.otherDetective.length} other` : ""} | ${c.securityHub.join(", ") || "-"} | ${c.routes.length} | ${c.def.mlLens.map((b) => b.split(" ")[0]).join(", ")} |`,
        );
    }
    for (const c of map.controls) {
        L.push("");
        L.push(`<a id="${c.def.id}"></a>`);
        L.push(`## ${c.def.title}`);
        L.push("");
        L.push("**Prevent**");
        L.push("");
        L.push("| Policy | Severity | Level (dev / prod) | What it requires |");
        L.push("|---|---|---|---|");
        for (const p of c.policies) L.push(`| \`${p.name}\` | ${p.severity} | ${levels(p.name)} | ${esc(p.description)} |`);
        L.push("");
        L.push("**Detect**");
        L.push("");
        if (c.rules.length > 0) {
            L.push("| Config rule (deployed as `<namePrefix>-<name>`) | Identifier | Trigger | Scope | Deployed | Security Hub |");
            L.push("|---|---|---|---|---|---|");
            for (const r of c.rules) {
                const scope = r.accountWide ? "account" : r.trigger === "periodic" ? "all resources of the type" : "stack tag";
                const deployed = r.accountWide ? "with `detective.accountRules`" : r.prodOnly ? "prod" : "dev, prod";
                L.push(`| ${r.name} | \`${r.identifier}\` | ${r.trigger} | ${scope} | ${deployed} | ${r.securityHubControls.join(", ") || "-"} |`);
            }
            L.push("");
        }
        for (const o of c.def.otherDetective) L.push(`- ${o}`);
        if (c.def.extraSecurityHub.length) L.push(`- Security Hub: ${c.def.extraSecurityHub.join(", ")}`);
        if (c.def.otherDetective.length || c.def.extraSecurityHub.length) L.push("");
        L.push("**Respond**");
        L.push("");
        for (const r of c.routes) L.push(`- ${r.kind === "eventbridge" ? `EventBridge \`<namePrefix>-${r.key}\`` : r.key}: ${r.what} (${r.source})`);
        L.push("");
        L.push("**AWS Well-Architected Machine Learning Lens**");
        L.push("");
        for (const b of c.def.mlLens) L.push(`- ${b}`);
    }
    L.push("");
    L.push("## Not deployed, and why");
    L.push("");
    for (const n of NOT_DEPLOYED) L.push(`- \`${n.identifier}\`: ${n.reason}`);
    L.push("");
    L.push(`Example rule name in the prod stack: \`${ruleName("mlp-prod", MANAGED_RULES[0])}\`.`);
    L.push("");
    return L.join("\n");
}

export const SPEC: CliSpec = {
    program: "npm run compliance:map --",
    summary: "Writes docs/compliance.md from the code: each control with its preventive policies, detective Config rules, responses and framework ids.",
    flags: [{ name: "check", help: "write nothing; exit 1 when docs/compliance.md is not what the code says" }],
    examples: ["npm run compliance:map", "npm run compliance:map -- --check"],
    notes: ["exit codes: 0 written (or up to date), 1 out of date or an unmapped policy/rule, 2 bad arguments"],
};

function main(argv: string[]): Promise<number> {
    return withCli(SPEC, argv, (p) => writeMap(p.flags.check === true));
}

function writeMap(check: boolean): number {
    const map = buildComplianceMap();
    if (map.problems.length > 0) {
        process.stderr.write(`compliance map: ${map.problems.length} problem(s):\n${map.problems.map((p) => `  - ${p}`).join("\n")}\n`);
        return 1;
    }
    const md = renderMarkdown(map);
    if (check) {
        const current = fs.existsSync(MAP_FILE) ? fs.readFileSync(MAP_FILE, "utf8") : "";
        if (current !== md) {
            process.stderr.write(`${path.relative(ROOT, MAP_FILE)} is out of date: run npm run compliance:map\n`);
            return 1;
        }
        process.stdout.write(`${path.relative(ROOT, MAP_FILE)} is up to date\n`);
        return 0;
    }
    writeFileAtomic(MAP_FILE, md);
    process.stdout.write(`wrote ${path.relative(ROOT, MAP_FILE)}\n`);
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`error: ${e.message}\n`);
            process.exit(2);
        },
    );
}
