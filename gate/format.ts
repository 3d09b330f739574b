/** Human and machine renderings of a gate report: preview-like text, JSON, SARIF 2.1.0. */
import { all } from "../policies/all";
import { GatePolicyResult, GateReport } from "./gate";

/** A column table; cells are never cut (the last column may run past `width`: wrap long text outside tables). */
function table(headers: string[], rows: string[][], _width = 100): string {
    const cells = rows.map((r) => r.map((c) => c.replace(/\s+/g, " ")));
    const w = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
    const line = (r: string[]) =>
        r
            .map((c, i) => c.padEnd(w[i]))
            .join("  ")
            .trimEnd();
    return [line(headers), line(w.map((n) => "-".repeat(n))), ...cells.map(line)].join("\n");
}

/** The component tree (URN parent links) with resource counts per component. */
function tree(report: GateReport): string[] {
    const children = new Map<string, GateReport["resources"]>();
    for (const r of report.resources) {
        const k = r.parent ?? "";
        if (!children.has(k)) children.set(k, []);
        children.get(k)!.push(r);
    }
    const count = (urn: string): number => (children.get(urn) ?? []).reduce((n, c) => n + 1 + count(c.urn), 0);
    const out: string[] = [];
    const walk = (urn: string, depth: number) => {
        for (const c of children.get(urn) ?? []) {
            if (!c.type.includes(":") || c.type.startsWith("aws:") || c.type.startsWith("random:") || c.type.startsWith("pulumi:providers:")) continue;
            out.push(`${"  ".repeat(depth)}${c.type} ${c.name} (${count(c.urn)} resources)`);
            walk(c.urn, depth + 1);
        }
    };
    walk("", 0);
    return out;
}

/**
 * Words of `text` in lines of at most `width` columns (a longer word stands alone); the first line is prefixed by
 * `indent`, the following ones by `hang` (default: the same indent).
 */
export function wrap(text: string, width: number, indent = "", hang = indent): string[] {
    const out: string[] = [];
    for (const para of text.split("\n")) {
        let line = "";
        const pre = () => (out.length === 0 ? indent : hang);
        for (const word of para.split(/\s+/).filter(Boolean)) {
            if (line && pre().length + line.length + 1 + word.length > width) {
                out.push(pre() + line);
                line = word;
            } else line = line ? `${line} ${word}` : word;
        }
        out.push(pre() + line);
    }
    return out;
}

export interface FormatOptions {
    /** Also print the resource inventory (component tree, counts per type). */
    verbose?: boolean;
    /** Terminal width for wrapping (default: the terminal's, else 100; at least 60). */
    width?: number;
}

/** What the enforcement levels and the severity column mean (printed under the per-policy table). */
export const LEVELS_EXPLAINED =
    "Enforcement decides what happens: mandatory = blocks the deployment (exit 1); advisory = reported, does not block; " +
    "remediate = the engine fixes the input itself before validating; disabled = not evaluated. Levels come from the " +
    "pack config. Severity is the policy author's rating of the risk (low, medium, high, critical); it orders the " +
    "findings for a reviewer and never changes what blocks.";

function location(report: GateReport, urn: string | undefined): string {
    const s = urn ? report.sources?.[urn] : undefined;
    return s ? ` (${s.file}:${s.line})` : "";
}

/** The gate's report for people: verdict, per-policy table, violations in full, then details. */
export function formatReport(report: GateReport, opts: FormatOptions = {}): string {
    const width = Math.max(60, opts.width ?? (process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100));
    const lines: string[] = [];
    const c = report.cost;
    const failed = report.counts.mandatory > 0;
    const where = report.source === "export" ? "stack export" : `program, ${report.mode} preview`;
    lines.push(
        failed
            ? `FAILED: ${report.counts.mandatory} mandatory violation(s) — stack ${report.stack} (${where})`
            : `PASSED: no mandatory violations — stack ${report.stack} (${where})`,
    );
    const unpriced = c.items.filter((i) => i.hourlyPrice === undefined).length;
    const costText = `estimated SageMaker capacity ${unpriced ? "at least " : ""}$${c.monthlyUsd.toFixed(2)}/month${c.budgetUsd !== null ? ` of a $${c.budgetUsd.toFixed(2)} budget (${((100 * c.monthlyUsd) / c.budgetUsd).toFixed(0)}%)` : ", no budget found"}${unpriced ? `; ${unpriced} item(s) have no price` : ""}`;
    lines.push(
        ...wrap(
            `${report.counts.resources} resources, ${report.counts.policies} policies: ${report.counts.mandatory} mandatory and ${report.counts.advisory} advisory violation(s), ${report.counts.exempted} exemption(s), ${report.counts.notEvaluated} check(s) not evaluated; ${costText}. Pack config ${report.packConfigFile}.`,
            width,
        ),
    );
    lines.push("");
    const pol = report.policies ?? [];
    if (pol.length) {
        const result = (p: GatePolicyResult) =>
            [
                p.violations ? `${p.violations} violation(s)` : p.enforcementLevel === "disabled" ? "not run" : "pass",
                p.exempted ? `${p.exempted} exempted` : "",
                p.notEvaluated ? `${p.notEvaluated} not evaluated` : "",
            ]
                .filter(Boolean)
                .join(", ");
        lines.push(
            table(
                ["policy", "enforcement", "severity", "result"],
                pol.map((p) => [p.policy, p.enforcementLevel, p.severity, result(p)]),
                width,
            ),
        );
        lines.push(...wrap(LEVELS_EXPLAINED, width, "  "));
        lines.push("");
    }
    if (report.violations.length === 0) lines.push("Violations: none");
    else {
        lines.push(`Violations: ${report.counts.mandatory} mandatory, ${report.counts.advisory} advisory`);
        const levelRank = (l: string) => (l === "mandatory" ? 0 : l === "remediate" ? 1 : 2);
        const sevRank: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
        const sorted = [...report.violations].sort(
            (a, b) =>
                levelRank(a.enforcementLevel) - levelRank(b.enforcementLevel) ||
                (sevRank[a.severity ?? ""] ?? 4) - (sevRank[b.severity ?? ""] ?? 4) ||
                a.policy.localeCompare(b.policy),
        );
        sorted.forEach((v, i) => {
            lines.push("");
            lines.push(
                ...wrap(
                    `${i + 1}. [${v.enforcementLevel}, ${v.severity ?? "?"}] ${v.policy} — ${v.name ? `${v.type} ${v.name}${location(report, v.urn)}` : "(whole stack)"}`,
                    width,
                    "",
                    "     ",
                ),
            );
            lines.push(...wrap(v.message, width, "     "));
            lines.push(...wrap(`Fix: ${v.remediation}`, width, "     "));
        });
    }
    if (report.exemptions.length) {
        lines.push("");
        lines.push(`Exemptions in force (declared with reason, approver or ticket, expiry): ${report.exemptions.length}`);
        for (const e of [...report.exemptions].sort((a, b) => a.expires.localeCompare(b.expires))) {
            lines.push(...wrap(`- ${e.policyName} — ${e.type} ${e.name}${location(report, e.urn)}`, width, "  ", "    "));
            lines.push(
                ...wrap(
                    `expires ${e.expires}; approved: ${[e.approver, e.ticket].filter(Boolean).join(" ") || "-"}; declared in ${e.source === "file" ? "policies/exemptions.json" : "the resource's tags"}`,
                    width,
                    "    ",
                ),
            );
            lines.push(...wrap(`reason: ${e.reason}`, width, "    "));
            lines.push(...wrap(`suppressed: ${e.suppressed.join("; ")}`, width, "    "));
        }
    }
    if (report.remediations.length) {
        lines.push("");
        lines.push(`Remediations the engine would apply: ${report.remediations.length}`);
        lines.push(
            table(
                ["policy", "resource", "properties"],
                report.remediations.map((r) => [r.policy, r.urn.slice(r.urn.lastIndexOf("::") + 2), r.changed.join(", ")]),
                width,
            ),
        );
    }
    if (report.export && report.export.secrets > 0) {
        lines.push("");
        lines.push(
            `Secrets: ${report.export.secrets} secret value(s) in the export were read as unknown (never decrypted or printed); policies that need one are listed under "Not evaluated".`,
        );
    }
    if (report.notEvaluated.length) {
        lines.push("");
        lines.push(`Not evaluated (values unknown until apply, as in a real preview): ${report.notEvaluated.length}`);
        const per = new Map<string, number>();
        for (const n of report.notEvaluated) per.set(n.policy, (per.get(n.policy) ?? 0) + 1);
        lines.push(...[...per.entries()].map(([p, n]) => `  ${p}: ${n} resource(s)`));
    }
    lines.push("");
    lines.push(
        ...wrap(
            `Estimated SageMaker capacity cost: ${unpriced ? "at least " : ""}$${c.monthlyUsd.toFixed(2)}/month (${c.pricing}, prices as of ${c.priceTableAsOf})${c.budgetUsd !== null ? ` — budget $${c.budgetUsd.toFixed(2)}` : " — no budget found"}. Only SageMaker capacity is priced here (README, 'Deploy to your account', has the whole stack's monthly cost).`,
            width,
        ),
    );
    if (c.items.length)
        lines.push(
            table(
                ["item", "instance", "count", "hours", "$/h", "$/month"],
                c.items.map((i) => [
                    i.detail || i.name,
                    i.instanceType,
                    String(i.instanceCount),
                    String(i.hoursPerMonth),
                    i.hourlyPrice !== undefined ? i.hourlyPrice.toFixed(4) : "NO PRICE",
                    i.hourlyPrice !== undefined ? i.monthlyUsd.toFixed(2) : "unknown",
                ]),
                width,
            ),
        );
    if (opts.verbose) {
        lines.push("");
        const byType = new Map<string, number>();
        for (const r of report.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
        lines.push(`Resources: ${report.resources.length}`);
        lines.push(...tree(report).map((l) => `  ${l}`));
        lines.push("");
        lines.push(
            table(
                ["count", "type"],
                [...byType.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => [String(n), t]),
                width,
            ),
        );
    } else lines.push("", "(--verbose adds the resource inventory: component tree and counts per type)");
    lines.push("");
    lines.push(
        failed
            ? `FAILED: ${report.counts.mandatory} mandatory violation(s)`
            : `PASSED: no mandatory violations (${report.counts.advisory} advisory, ${report.counts.exempted} exempted)`,
    );
    return lines.join("\n");
}

/** The `--json` document. */
export function jsonReport(report: GateReport): Record<string, unknown> {
    return {
        stack: report.stack,
        resources: report.resources,
        policies: report.policies,
        violations: report.violations.map((v) => ({
            policy: v.policy,
            enforcementLevel: v.enforcementLevel,
            urn: v.urn ?? null,
            message: v.message,
            severity: v.severity ?? null,
            remediation: v.remediation,
            source: (v.urn && report.sources?.[v.urn]) || null,
        })),
        exemptions: report.exemptions.map((e) => ({
            policy: e.policyName,
            urn: e.urn,
            reason: e.reason,
            approver: e.approver ?? null,
            ticket: e.ticket ?? null,
            expires: e.expires,
            declaredIn: e.source,
            suppressed: e.suppressed,
            source: report.sources?.[e.urn] ?? null,
        })),
        notEvaluated: report.notEvaluated,
        remediations: report.remediations,
        cost: { monthlyUsd: report.cost.monthlyUsd, budgetUsd: report.cost.budgetUsd, items: report.cost.items },
        counts: report.counts,
        ...(report.export ? { export: report.export } : {}),
    };
}

const SARIF_LEVEL: Record<string, string> = { mandatory: "error", advisory: "warning", remediate: "error", disabled: "none" };

/**
 * SARIF 2.1.0 for code-scanning UIs: one rule per policy, one result per violation located at the program line that
 * declared the resource (from its registration stack; the program file when unknown) plus its URN as a logical
 * location, and one result per exempted finding carrying an `inSource` suppression with the exemption's reason.
 */
export function sarifReport(report: GateReport, programFile = "infra/program.ts"): Record<string, unknown> {
    const rules = all.map((p) => ({
        id: p.name,
        name: p.name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
        shortDescription: { text: p.description },
        fullDescription: { text: p.description },
        help: { text: p.remediationSteps, markdown: p.remediationSteps },
        properties: { severity: p.severity, tags: p.tags, frameworks: p.frameworks },
    }));
    const index = new Map(rules.map((r, i) => [r.id, i]));
    const levelOf = new Map((report.policies ?? []).map((p) => [p.policy, p.enforcementLevel]));
    const locations = (urn: string | undefined) => {
        const src = urn ? report.sources?.[urn] : undefined;
        return [
            {
                physicalLocation: src
                    ? { artifactLocation: { uri: src.file, uriBaseId: "%SRCROOT%" }, region: { startLine: src.line } }
                    : { artifactLocation: { uri: programFile, uriBaseId: "%SRCROOT%" } },
                logicalLocations: [{ fullyQualifiedName: urn ?? `stack:${report.stack}`, kind: "resource" }],
            },
        ];
    };
    const results: Record<string, unknown>[] = report.violations.map((v) => ({
        ruleId: v.policy,
        ruleIndex: index.get(v.policy) ?? 0,
        level: SARIF_LEVEL[v.enforcementLevel] ?? "warning",
        message: { text: `${v.name ? `${v.type} ${v.name}: ` : ""}${v.message}\nFix: ${v.remediation}` },
        locations: locations(v.urn),
        properties: { enforcementLevel: v.enforcementLevel, severity: v.severity },
    }));
    for (const e of report.exemptions) {
        for (const finding of e.suppressed.length ? e.suppressed : ["(exempted)"]) {
            const lvl = levelOf.get(e.policyName) ?? "advisory";
            results.push({
                ruleId: e.policyName,
                ruleIndex: index.get(e.policyName) ?? 0,
                level: SARIF_LEVEL[lvl] ?? "warning",
                message: { text: `${e.type} ${e.name}: ${finding}` },
                locations: locations(e.urn),
                suppressions: [{ kind: "inSource", status: "accepted", justification: e.reason }],
                properties: { enforcementLevel: lvl, exemptionTag: `mlplatform:policy-exemption:${e.policyName}` },
            });
        }
    }
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: "ml-platform-policy-gate", informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/", rules } },
                automationDetails: { id: `policy-gate/${report.stack}` },
                originalUriBaseIds: { "%SRCROOT%": { description: { text: "the repository root" } } },
                results,
            },
        ],
    };
}
