/** Human and machine renderings of a gate report: preview-like text, JSON, SARIF 2.1.0. */
import { all } from "../../policies/all";
import { GateReport } from "./gate";

function table(headers: string[], rows: string[][], maxWidth = 70): string {
    const cut = (s: string) => (s.length > maxWidth ? s.slice(0, maxWidth - 1) + "…" : s);
    const cells = rows.map((r) => r.map((c) => cut(c.replace(/\s+/g, " "))));
    const w = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join("  ").trimEnd();
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

export function formatReport(report: GateReport): string {
    const lines: string[] = [];
    lines.push(`Policy gate — stack ${report.stack} (${report.source === "export" ? "stack export" : `program, ${report.mode} preview`}), pack config ${report.packConfigFile}`);
    lines.push("");
    const byType = new Map<string, number>();
    for (const r of report.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    lines.push(`Resources: ${report.resources.length}`);
    lines.push(...tree(report).map((l) => `  ${l}`));
    lines.push("");
    lines.push(table(["count", "type"], [...byType.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => [String(n), t])));
    lines.push("");
    if (report.violations.length === 0) lines.push("Violations: none");
    else {
        lines.push(`Violations: ${report.counts.mandatory} mandatory, ${report.counts.advisory} advisory`);
        const levelRank = (l: string) => (l === "mandatory" ? 0 : 1);
        const sorted = [...report.violations].sort((a, b) => levelRank(a.enforcementLevel) - levelRank(b.enforcementLevel) || a.policy.localeCompare(b.policy));
        lines.push(table(["level", "policy", "resource", "message", "remediation"], sorted.map((v) => [v.enforcementLevel, v.policy, v.name ? `${v.type} ${v.name}` : "(stack)", v.message, v.remediation.split("\n")[0]])));
    }
    if (report.exemptions.length) {
        lines.push("");
        lines.push(`Active exemptions (reason, approver/ticket and expiry declared; not silently passed): ${report.exemptions.length}`);
        lines.push(
            table(
                ["policy", "resource", "expires", "approved", "reason", "suppressed"],
                [...report.exemptions].sort((a, b) => a.expires.localeCompare(b.expires)).map((e) => [e.policyName, `${e.type} ${e.name}`, e.expires, [e.approver, e.ticket].filter(Boolean).join(" "), e.reason, e.suppressed.join("; ")]),
            ),
        );
    }
    if (report.remediations.length) {
        lines.push("");
        lines.push(`Remediations the engine would apply: ${report.remediations.length}`);
        lines.push(table(["policy", "resource", "properties"], report.remediations.map((r) => [r.policy, r.urn.slice(r.urn.lastIndexOf("::") + 2), r.changed.join(", ")])));
    }
    if (report.export && report.export.secrets > 0) {
        lines.push("");
        lines.push(`Secrets: ${report.export.secrets} secret value(s) in the export were read as unknown (never decrypted or printed); policies that need one are listed under "Not evaluated".`);
    }
    if (report.notEvaluated.length) {
        lines.push("");
        lines.push(`Not evaluated (values unknown until apply, as in a real preview): ${report.notEvaluated.length}`);
        const per = new Map<string, number>();
        for (const n of report.notEvaluated) per.set(n.policy, (per.get(n.policy) ?? 0) + 1);
        lines.push(...[...per.entries()].map(([p, n]) => `  ${p}: ${n} resource(s)`));
    }
    lines.push("");
    const c = report.cost;
    lines.push(`Estimated SageMaker capacity cost: $${c.monthlyUsd.toFixed(2)}/month (${c.pricing}, prices as of ${c.priceTableAsOf})${c.budgetUsd !== null ? ` — budget $${c.budgetUsd.toFixed(2)} (${((100 * c.monthlyUsd) / c.budgetUsd).toFixed(0)}%)` : " — no budget found"}`);
    if (c.items.length) lines.push(table(["item", "instance", "count", "hours", "$/h", "$/month"], c.items.map((i) => [i.detail || i.name, i.instanceType, String(i.instanceCount), String(i.hoursPerMonth), i.hourlyPrice !== undefined ? i.hourlyPrice.toFixed(4) : "n/a", i.monthlyUsd.toFixed(2)])));
    lines.push("");
    lines.push(report.counts.mandatory > 0 ? `FAILED: ${report.counts.mandatory} mandatory violation(s)` : `PASSED: no mandatory violations (${report.counts.advisory} advisory, ${report.counts.exempted} exempted)`);
    return lines.join("\n");
}

/** The `--json` document. */
export function jsonReport(report: GateReport): Record<string, unknown> {
    return {
        stack: report.stack,
        resources: report.resources,
        violations: report.violations.map((v) => ({ policy: v.policy, enforcementLevel: v.enforcementLevel, urn: v.urn ?? null, message: v.message, severity: v.severity ?? null })),
        exemptions: report.exemptions.map((e) => ({ policy: e.policyName, urn: e.urn, reason: e.reason, approver: e.approver ?? null, ticket: e.ticket ?? null, expires: e.expires, source: e.source, suppressed: e.suppressed })),
        notEvaluated: report.notEvaluated,
        remediations: report.remediations,
        cost: { monthlyUsd: report.cost.monthlyUsd, budgetUsd: report.cost.budgetUsd, items: report.cost.items },
        counts: report.counts,
        ...(report.export ? { export: report.export } : {}),
    };
}

const SARIF_LEVEL: Record<string, string> = { mandatory: "error", advisory: "warning", remediate: "error", disabled: "none" };

/** SARIF 2.1.0 for code-scanning UIs: one rule per policy, one result per violation, logical locations by URN. */
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
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: "ml-platform-policy-gate", informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/", rules } },
                automationDetails: { id: `policy-gate/${report.stack}` },
                results: report.violations.map((v) => ({
                    ruleId: v.policy,
                    ruleIndex: index.get(v.policy) ?? 0,
                    level: SARIF_LEVEL[v.enforcementLevel] ?? "warning",
                    message: { text: `${v.name ? `${v.type} ${v.name}: ` : ""}${v.message}` },
                    locations: [
                        {
                            physicalLocation: { artifactLocation: { uri: programFile } },
                            logicalLocations: [{ fullyQualifiedName: v.urn ?? `stack:${report.stack}`, kind: "resource" }],
                        },
                    ],
                    properties: { enforcementLevel: v.enforcementLevel, severity: v.severity },
                })),
            },
        ],
    };
}
