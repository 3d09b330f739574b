/** Text and self-contained HTML renderings of an OptimizeReport (HTML written atomically by HtmlReport.write). */
import { barSpec, HtmlReport } from "../reports";
import type { OptimizeReport } from "./engine";

const money = (x: number | null | undefined) => (x === null || x === undefined ? "unknown" : `$${x.toFixed(2)}`);
const per1000 = (x: number | null | undefined) => (x === null || x === undefined ? "n/a (no traffic)" : `$${x.toFixed(4)}`);

export function formatText(r: OptimizeReport): string {
    const L: string[] = [];
    L.push(
        `optimize ${r.stack} (${r.environment}, ${r.region}): window ${r.window.from} .. ${r.window.to} (${r.window.minutes} min), p99 SLO ${r.sloP99Ms} ms, headroom ${Math.round(r.headroom * 100)}%`,
    );
    L.push("");
    L.push("capacity (per instance, p99 within the SLO):");
    for (const c of r.capacity) L.push(`  ${c.instanceType}: ${c.rpsPerInstance.toFixed(1)} req/s, ${c.latencyMs.toFixed(2)} ms - ${c.source}`);
    if (!r.capacity.length) L.push("  none measured");
    L.push("traffic (invocations/min):");
    for (const t of r.traffic)
        L.push(
            `  ${t.variant}: total ${t.total}, p50 ${t.perMinute.p50}, p95 ${t.perMinute.p95}, p99 ${t.perMinute.p99}, peak ${t.perMinute.peak}, mean ${t.perMinute.mean.toFixed(2)}; idle for the last ${t.trailingIdleDays} d`,
        );
    L.push("");
    L.push("cost now (monthly, on-demand):");
    for (const v of r.variants)
        L.push(
            `  variant ${v.variant}: ${v.instanceCount} x ${v.instanceType} @ ${v.hourlyUsd === null ? "unknown" : `$${v.hourlyUsd}`}/h = ${money(v.monthlyUsd)}; ${v.monthlyInvocations} invocations/month; per 1000 predictions ${per1000(v.costPer1000Usd)}`,
        );
    for (const f of r.fixed) L.push(`  fixed: ${f.item}: ${money(f.monthlyUsd)} (${f.arithmetic})`);
    const unpriced = r.fixed.filter((f) => f.monthlyUsd === null).map((f) => f.item);
    L.push(
        `  total ${unpriced.length ? "at least " : ""}${money(r.totals.monthlyUsd)} (inference ${money(r.totals.inferenceMonthlyUsd)} + fixed ${money(r.totals.fixedMonthlyUsd)}${unpriced.length ? `; not priced: ${unpriced.join(", ")}` : ""}); per 1000 predictions ${per1000(r.totals.costPer1000Usd)}; budget ${money(r.budgetUsd)}`,
    );
    L.push(`  after the sizing / serverless / idle recommendations: ${money(r.totals.afterMonthlyUsd)} (saving ${money(r.totals.savingMonthlyUsd)}/month)`);
    L.push(`  autoscaling policy change: ${money(r.totals.autoscalingSavingMonthlyUsd)}/month less than the current policy, replaying the window`);
    L.push("");
    L.push("recommendations:");
    for (const x of r.recommendations) {
        L.push(`  [${x.recommended ? "DO" : "no"}] ${x.title}`);
        L.push(`      before ${money(x.monthlyBeforeUsd)} -> after ${money(x.monthlyAfterUsd)} (saving ${money(x.monthlySavingUsd)}/month)`);
        for (const a of x.arithmetic) L.push(`      = ${a}`);
        L.push(`      risk: ${x.risk}`);
        for (const c of x.changes) L.push(`      Pulumi.${r.stack}.yaml mlplatform:${c.key}: ${c.value === null ? "(remove)" : JSON.stringify(c.value)}`);
    }
    for (const n of r.notes) L.push(`note: ${n}`);
    L.push(`prices: ${Object.values(r.sources).join("; ")}`);
    return L.join("\n");
}

export async function writeHtml(r: OptimizeReport, file: string): Promise<number> {
    const h = new HtmlReport(`Cost optimisation: stack ${r.stack}`, {
        subtitle: `${r.environment}, ${r.region}; window ${r.window.from} .. ${r.window.to}; generated ${r.generatedAt}`,
    });
    h.heading("Summary");
    h.keyValues([
        ["monthly cost now", money(r.totals.monthlyUsd)],
        ["inference (variable)", money(r.totals.inferenceMonthlyUsd)],
        ["fixed", money(r.totals.fixedMonthlyUsd)],
        ["after recommendations", money(r.totals.afterMonthlyUsd)],
        ["monthly saving (sizing, serverless, idle)", money(r.totals.savingMonthlyUsd)],
        ["monthly saving (autoscaling policy, window replay)", money(r.totals.autoscalingSavingMonthlyUsd)],
        ["cost per 1000 predictions", per1000(r.totals.costPer1000Usd)],
        ["budget", money(r.budgetUsd)],
        ["p99 SLO (ms)", r.sloP99Ms],
    ]);
    h.heading("Variants");
    h.table(
        ["variant", "instance", "count", "$/h", "$/month", "invocations/month", "$ per 1000"],
        r.variants.map((v) => [v.variant, v.instanceType, v.instanceCount, v.hourlyUsd, money(v.monthlyUsd), v.monthlyInvocations, per1000(v.costPer1000Usd)]),
    );
    h.heading("Traffic (invocations per minute)");
    h.table(
        ["variant", "total", "p50", "p95", "p99", "peak", "mean", "idle days"],
        r.traffic.map((t) => [t.variant, t.total, t.perMinute.p50, t.perMinute.p95, t.perMinute.p99, t.perMinute.peak, t.perMinute.mean, t.trailingIdleDays]),
    );
    for (const t of r.traffic) {
        await h.chart(
            barSpec(
                t.hourly.map((v, i) => ({ category: String(i).padStart(2, "0"), value: v })),
                { title: `${t.variant}: mean invocations/min by UTC hour`, horizontal: false, sort: null },
            ),
        );
    }
    h.heading("Capacity");
    h.table(
        ["instance", "req/s per instance", "latency ms", "source"],
        r.capacity.map((c) => [c.instanceType, c.rpsPerInstance, c.latencyMs, c.source]),
    );
    h.heading("Fixed monthly costs");
    h.table(
        ["item", "$/month", "arithmetic"],
        r.fixed.map((f) => [f.item, money(f.monthlyUsd), f.arithmetic]),
    );
    h.heading("Recommendations");
    for (const x of r.recommendations) {
        h.heading(`${x.recommended ? "Recommended" : "Not recommended"}: ${x.title}`, 3);
        h.keyValues([
            ["before", money(x.monthlyBeforeUsd)],
            ["after", money(x.monthlyAfterUsd)],
            ["saving / month", money(x.monthlySavingUsd)],
            ["risk", x.risk],
        ]);
        h.table(
            ["arithmetic"],
            x.arithmetic.map((a) => [a]),
        );
        if (x.changes.length)
            h.table(
                [`Pulumi.${r.stack}.yaml key`, "value (--apply-config writes it)"],
                x.changes.map((c) => [`mlplatform:${c.key}`, c.value === null ? "(remove)" : JSON.stringify(c.value)]),
            );
    }
    if (r.notes.length) {
        h.heading("Notes");
        for (const n of r.notes) h.paragraph(n);
    }
    h.heading("Price sources");
    h.keyValues(Object.entries(r.sources));
    return h.write(file);
}
