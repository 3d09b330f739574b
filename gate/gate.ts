/**
 * The offline policy gate: runs the platform program for a stack on the mock runtime (gate/runtime.ts) and
 * evaluates the CrossGuard pack (policies/) on every registered resource and on the whole stack the way the Pulumi
 * engine's analyzer does — the pack's config file for the stack's environment, schema defaults, enforcement levels,
 * `notApplicable`, stack tags, provider default tags, unknown values — then reports violations, exemptions and the
 * cost estimate. `checkExport` evaluates the same pack over a `pulumi stack export` file.
 */
import * as fs from "fs";
import * as path from "path";
import { RawConfig } from "../infra/config";
import { createPlatform } from "../infra/program";
import { all, resourcePolicies, stackPolicies } from "../policies/all";
import { estimateMonthlyCost, monthlyBudgetFromStack, CostEstimate } from "../policies/lib/cost";
import {
    contextFromPackConfig,
    EvaluationContext,
    makeStackArgs,
    ResourceInput,
    runRemediation,
    runResourcePolicy,
    runStackPolicy,
    withPropsCache,
} from "./evaluate";
import { packConfigProblems } from "../policies/lib/config";
import { ExemptionRecord } from "../policies/lib/report";
import { isUnknownValueError } from "../policies/lib/unknowns";
import { PlatformPolicy, remediationFor } from "../policies/lib/types";
import { readExportFile } from "./export-reader";
import { ProgramRun, PROJECT, runProgram, sourceLocation } from "./runtime";

export interface GateViolation {
    policy: string;
    enforcementLevel: string;
    severity?: string;
    urn?: string;
    type?: string;
    name?: string;
    message: string;
    remediation: string;
}

/** One row of the per-policy table: the level in force for this stack and what the policy found. */
export interface GatePolicyResult {
    policy: string;
    enforcementLevel: string;
    severity: string;
    violations: number;
    exempted: number;
    notEvaluated: number;
}

export interface GateReport {
    stack: string;
    source: "program" | "export";
    mode: string;
    packConfigFile: string;
    resources: { urn: string; type: string; name: string; parent?: string }[];
    violations: GateViolation[];
    exemptions: ExemptionRecord[];
    notEvaluated: { policy: string; urn?: string; reason?: string }[];
    remediations: { policy: string; urn: string; changed: string[] }[];
    cost: {
        monthlyUsd: number;
        budgetUsd: number | null;
        pricing: string;
        priceTableAsOf: string;
        items: CostEstimate["lines"];
        unpriced: number;
        unknowns: string[];
    };
    counts: { resources: number; policies: number; mandatory: number; advisory: number; exempted: number; notEvaluated: number };
    policies: GatePolicyResult[];
    /** Where the program declared a resource (project file, line), for the resources of violations and exemptions. */
    sources: Record<string, { file: string; line: number }>;
    /** Export runs only: the checkpoint version and how many secret values were read as unknown (never their values). */
    export?: { version: number; secrets: number };
}

export interface GateOptions {
    stack: string;
    projectDir?: string;
    mode?: "update" | "new-stack";
    configure?: (raw: RawConfig) => RawConfig;
    /** Extra stack transformations: a deliberately changed program (see runProgram). */
    transformations?: import("@pulumi/pulumi").ResourceTransformation[];
    /** `--policy-pack-config` file; default `policies/config/<environment>.json`. */
    packConfigFile?: string;
}

const ROOT = path.resolve(__dirname, "..");

/** A policy pack config file that is missing, not JSON, or has unknown policies / settings (exit 2 in the CLIs). */
export class PackConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PackConfigError";
    }
}

function readPackConfig(file: string): Record<string, unknown> {
    if (!fs.existsSync(file)) throw new Error(`policy pack config ${file} does not exist; pass --policy-config FILE or create it (see policies/config/)`);
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`policy pack config ${file}: not valid JSON (${(e as Error).message})`);
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc))
        throw new PackConfigError(`policy pack config ${file}: expected a JSON object {"<policy>": {...}}`);
    const problems = packConfigProblems(doc as Record<string, unknown>, all);
    if (problems.length)
        throw new PackConfigError(
            `policy pack config ${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    return doc as Record<string, unknown>;
}

/** Resource inputs as the analyzer receives them, with the provider each resource uses. */
export function inputsFromRun(run: ProgramRun): ResourceInput[] {
    const providers = new Map<string, ProgramRun["resources"][number]>();
    for (const r of run.resources) if (r.type.startsWith("pulumi:providers:")) providers.set(`${r.urn}::${r.id}`, r);
    return run.resources.map((r) => {
        const p = r.provider ? providers.get(r.provider) : undefined;
        return {
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: r.inputs,
            parent: r.parent,
            dependencies: r.dependencies,
            propertyDependencies: r.propertyDependencies,
            ...(p ? { provider: { type: p.type, name: p.name, urn: p.urn, props: p.inputs } } : {}),
        };
    });
}

function stackTags(stack: string): Record<string, string> {
    return { "pulumi:project": PROJECT, "pulumi:runtime": "nodejs", "pulumi:template": "ml-platform", "pulumi:stack": stack };
}

/** Evaluates every policy of the pack over resource inputs. */
export interface EvaluateOptions {
    stack: string;
    packConfig: Record<string, unknown>;
    packConfigFile: string;
    source: GateReport["source"];
    mode: string;
    /** Call every resource policy on every resource, as the engine does (default: skip types a policy does not inspect). */
    everyPolicyOnEveryResource?: boolean;
}

export function evaluatePack(inputs: ResourceInput[], opts: EvaluateOptions): Promise<GateReport> {
    // Each resource's props are serialised to the wire form once for all policies (see withPropsCache).
    return withPropsCache(() => evaluate(inputs, opts));
}

async function evaluate(inputs: ResourceInput[], opts: EvaluateOptions): Promise<GateReport> {
    const base: EvaluationContext = { stack: opts.stack, project: PROJECT, stackTags: stackTags(opts.stack) };
    const ctxFor = (p: PlatformPolicy) => contextFromPackConfig(opts.packConfig, p.name, base);
    const byUrn = new Map(inputs.map((i) => [i.urn!, i]));
    const violations: GateViolation[] = [];
    const exemptions: ExemptionRecord[] = [];
    const notEvaluated: GateReport["notEvaluated"] = [];
    const remediations: GateReport["remediations"] = [];
    const collect = (policy: PlatformPolicy, outcome: Awaited<ReturnType<typeof runResourcePolicy>>, urn?: string) => {
        if (outcome.status === "not-evaluated") notEvaluated.push({ policy: policy.name, urn, reason: outcome.reason });
        exemptions.push(...outcome.exemptions);
        for (const v of outcome.violations) {
            const target = v.urn ?? urn;
            const r = target ? byUrn.get(target) : undefined;
            violations.push({
                policy: v.policyName,
                enforcementLevel: v.enforcementLevel,
                severity: v.severity,
                urn: target,
                type: r?.type,
                name: r?.name,
                message: v.message.replace(`${policy.description}\n`, ""),
                remediation: remediationFor(policy, v.message.replace(`${policy.description}\n`, "")),
            });
        }
    };
    // As the engine does: per resource, the remediations of `remediate`-level policies first (in pack order, each one
    // seeing the previous one's result), then every resource policy validates the remediated inputs (a remediated
    // finding is no longer a violation; one a remediation does not fix is reported as mandatory), and the stack
    // policies see the remediated resources too.
    const ctxs = new Map(all.map((p) => [p.name, ctxFor(p)]));
    const evaluated: ResourceInput[] = [];
    for (const original of inputs) {
        let input = original;
        for (const policy of resourcePolicies) {
            if (!opts.everyPolicyOnEveryResource && policy.types && !policy.types.includes(input.type)) continue;
            let fixed: Record<string, unknown> | undefined;
            try {
                fixed = await runRemediation(policy, input, ctxs.get(policy.name)!);
            } catch (e) {
                // An input the remediation needs is unknown during preview: the engine skips it.
                if (!isUnknownValueError(e)) throw e;
            }
            if (fixed) {
                const changed = Object.keys({ ...input.props, ...fixed }).filter((k) => JSON.stringify(fixed[k]) !== JSON.stringify(input.props[k]));
                if (changed.length > 0) {
                    remediations.push({ policy: policy.name, urn: input.urn!, changed });
                    input = { ...input, props: fixed };
                }
            }
        }
        evaluated.push(input);
    }
    for (const policy of resourcePolicies) {
        const ctx = ctxs.get(policy.name)!;
        // A policy with a fixed list of inspected types reports nothing for other types (test/gate/semantic-corpus.test.ts
        // checks the verdicts are identical either way), so it is not called for them.
        const types = opts.everyPolicyOnEveryResource || !policy.types ? undefined : new Set(policy.types);
        for (const input of evaluated) if (!types || types.has(input.type)) collect(policy, await runResourcePolicy(policy, input, ctx), input.urn);
    }
    for (const policy of stackPolicies) collect(policy, await runStackPolicy(policy, evaluated, ctxs.get(policy.name)!));

    const costPolicy = stackPolicies.find((p) => p.name === "cost-within-budget") ?? stackPolicies[0];
    const stackResources = makeStackArgs(costPolicy, evaluated, ctxs.get(costPolicy.name)!).resources;
    const est = estimateMonthlyCost(stackResources);
    const budget = monthlyBudgetFromStack(stackResources);
    return {
        stack: opts.stack,
        source: opts.source,
        mode: opts.mode,
        packConfigFile: opts.packConfigFile,
        resources: inputs.map((i) => ({ urn: i.urn!, type: i.type, name: i.name, ...(i.parent ? { parent: i.parent } : {}) })),
        violations,
        exemptions,
        notEvaluated,
        remediations,
        cost: {
            monthlyUsd: Math.round(est.totalMonthlyUsd * 100) / 100,
            budgetUsd: budget?.amountUsd ?? null,
            pricing: est.pricing,
            priceTableAsOf: est.priceTableAsOf,
            items: est.lines,
            unpriced: est.unpriced.length,
            unknowns: est.unknowns,
        },
        policies: all.map((p) => {
            const lvl = (ctxs.get(p.name)?.config?.enforcementLevel as string | undefined) ?? p.enforcementLevel;
            return {
                policy: p.name,
                enforcementLevel: lvl,
                severity: p.severity,
                violations: violations.filter((v) => v.policy === p.name).length,
                exempted: exemptions.filter((e) => e.policyName === p.name).length,
                notEvaluated: notEvaluated.filter((n) => n.policy === p.name).length,
            };
        }),
        sources: {},
        counts: {
            resources: inputs.length,
            policies: all.length,
            mandatory: violations.filter((v) => v.enforcementLevel === "mandatory").length,
            advisory: violations.filter((v) => v.enforcementLevel === "advisory").length,
            exempted: exemptions.length,
            notEvaluated: notEvaluated.length,
        },
    };
}

/** Runs the program for a stack and evaluates the pack: the offline gate. */
export async function runGate(opts: GateOptions): Promise<{ report: GateReport; run: ProgramRun }> {
    const run = await runProgram(() => createPlatform(), {
        stack: opts.stack,
        projectDir: opts.projectDir,
        mode: opts.mode,
        configure: opts.configure,
        transformations: opts.transformations,
    });
    const env = String(run.config["mlplatform:environment"] ?? opts.stack);
    const packConfigFile = opts.packConfigFile ?? path.join(ROOT, "policies", "config", `${env}.json`);
    const report = await evaluatePack(inputsFromRun(run), {
        stack: opts.stack,
        packConfig: readPackConfig(packConfigFile),
        packConfigFile: path.relative(process.cwd(), packConfigFile) || packConfigFile,
        source: "program",
        mode: run.mode,
    });
    // Source locations for the resources a reader has to act on: the innermost frame in the program's own code.
    const wanted = new Set([...report.violations.map((v) => v.urn), ...report.exemptions.map((e) => e.urn)]);
    for (const r of run.resources) {
        if (!wanted.has(r.urn)) continue;
        const frame = r.source?.find((f) => !f.uri.includes("/gate/"));
        if (frame) report.sources[r.urn] = sourceLocation(frame);
    }
    return { report, run };
}

/**
 * Reads a `pulumi stack export` file (deployment checkpoint, versions 3 and 4) into analyzer inputs: each resource's
 * recorded inputs (outputs only where inputs are missing), its provider's inputs, parent and dependencies; secrets read
 * as unknown values. Malformed, unsupported and empty exports throw an ExportError (see gate/export-reader.ts).
 */
export function inputsFromExport(file: string, content?: string): { stack?: string; inputs: ResourceInput[]; secrets: number; version: number } {
    return readExportFile(file, content);
}

/** The whole of standard input as text (a pipe, a file redirect or a terminal; never a partial read). */
export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
    return Buffer.concat(chunks).toString("utf8");
}

/** Evaluates the pack over an exported stack (no program run); `file` "-" reads the export from standard input. */
export async function checkExport(file: string, stack: string, packConfigFile?: string): Promise<GateReport> {
    const { inputs, secrets, version } = inputsFromExport(file, file === "-" ? await readStdin() : undefined);
    const envFromFile = (() => {
        try {
            return String((require("../infra/stack-config") as typeof import("../infra/stack-config")).readStackFile(stack)["mlplatform:environment"] ?? stack);
        } catch {
            return stack;
        }
    })();
    const cfgFile = packConfigFile ?? path.join(ROOT, "policies", "config", `${envFromFile}.json`);
    const report = await evaluatePack(inputs, {
        stack,
        packConfig: readPackConfig(cfgFile),
        packConfigFile: path.relative(process.cwd(), cfgFile) || cfgFile,
        source: "export",
        mode: "export",
    });
    report.export = { version, secrets };
    return report;
}

export function exitCode(report: GateReport): number {
    return report.counts.mandatory > 0 ? 1 : 0;
}
