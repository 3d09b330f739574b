/**
 * Who can do what, per bucket (and prefix), key and topic: the offline counterpart of IAM Access Analyzer's resource
 * view, computed by probing the access model. Buckets are probed per prefix that any policy of the stack names (plus
 * the bucket root), so "training writes artifacts/models/ only" is visible.
 */
import { AccessModel, Origin } from "./model";

export interface MatrixCell {
    principal: string;
    /** e.g. ["read", "write"] */
    allowed: string[];
}

export interface MatrixRow {
    kind: "bucket" | "key" | "topic" | "function";
    resource: string;
    /** Bucket prefix ("" = any other key), key purpose, topic or function name. */
    scope: string;
    cells: MatrixCell[];
}

export interface AccessMatrix {
    stack: string;
    origin: Origin;
    principals: string[];
    rows: MatrixRow[];
    probes: number;
}

/** Service principals that deliver into or call the platform, with the context their requests carry. */
function services(m: AccessModel): { name: string; context: Record<string, string> }[] {
    const acct = m.account;
    const r = m.region;
    const o = m.outputs;
    const list: { name: string; context: Record<string, string> }[] = [
        {
            name: "cloudtrail.amazonaws.com",
            context: {
                "aws:SourceArn": o.trailArn ?? `arn:aws:cloudtrail:${r}:${acct}:trail/x`,
                "s3:x-amz-acl": "bucket-owner-full-control",
                "kms:EncryptionContext:aws:cloudtrail:arn": o.trailArn ?? "",
            },
        },
        { name: `logs.${r}.amazonaws.com`, context: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${r}:${acct}:log-group:/x` } },
        { name: "logging.s3.amazonaws.com", context: { "aws:SourceArn": m.buckets.find((b) => b.purpose === "raw")?.arn ?? "" } },
        { name: "cloudwatch.amazonaws.com", context: { "aws:SourceArn": `arn:aws:cloudwatch:${r}:${acct}:alarm:x` } },
        { name: "events.amazonaws.com", context: { "aws:SourceArn": `arn:aws:events:${r}:${acct}:rule/${m.functions[0]?.name ?? "x"}-schedule` } },
        { name: "budgets.amazonaws.com", context: { "aws:SourceArn": `arn:aws:budgets::${acct}:budget/${o.budgetName}` } },
        { name: "costalerts.amazonaws.com", context: { "aws:SourceArn": `arn:aws:ce::${acct}:anomalysubscription/x` } },
        { name: "sagemaker.amazonaws.com", context: {} },
    ];
    return list.map((s) => ({ ...s, context: { ...s.context, "aws:SourceAccount": acct } }));
}

/** Prefixes of a bucket that some policy of the stack names (`arn:aws:s3:::bucket/<prefix>*`). */
function prefixesOf(m: AccessModel, bucketArn: string): string[] {
    const found = new Set<string>([""]);
    const policies = [...m.roles.flatMap((r) => r.identity), ...m.buckets.flatMap((b) => (b.policy ? [b.policy] : []))];
    for (const p of policies) {
        for (const s of p.statements) {
            for (const res of s.resources ?? []) {
                if (!res.startsWith(`${bucketArn}/`)) continue;
                const rest = res.slice(bucketArn.length + 1);
                const cut = rest.search(/[*?$]/);
                const prefix = (cut < 0 ? rest : rest.slice(0, cut)).replace(/[^/]*$/, "");
                if (prefix) found.add(prefix);
            }
        }
    }
    return [...found].sort();
}

export function accessMatrix(m: AccessModel, origin: Origin = m.outputs.environment === "prod" ? "vpc" : "outside"): AccessMatrix {
    const svc = services(m);
    const principals = [...m.roles.map((r) => r.key), ...svc.map((s) => s.name), "anonymous", "foreign"];
    const ctxOf = (p: string) => svc.find((s) => s.name === p)?.context ?? {};
    const rows: MatrixRow[] = [];
    let probes = 0;
    const can = (principal: string, action: string, resource: string, extra: Record<string, string> = {}, s3Only = false) => {
        probes++;
        return m.check({
            principal,
            action,
            resource,
            context: { ...ctxOf(principal), ...extra },
            origin: principal === "anonymous" || principal === "foreign" ? "outside" : origin,
            s3Only,
        }).allowed;
    };
    for (const b of m.buckets) {
        for (const prefix of prefixesOf(m, b.arn)) {
            const obj = `${b.arn}/${prefix}matrix-probe`;
            const cells = principals.map((p) => {
                const allowed: string[] = [];
                if (can(p, "s3:GetObject", obj)) allowed.push("read");
                if (can(p, "s3:PutObject", obj)) allowed.push("write");
                if (can(p, "s3:DeleteObject", obj)) allowed.push("delete");
                if (prefix === "" && can(p, "s3:ListBucket", b.arn)) allowed.push("list");
                if (prefix === "" && can(p, "s3:PutBucketPolicy", b.arn)) allowed.push("admin");
                return { principal: p, allowed };
            });
            rows.push({ kind: "bucket", resource: b.name, scope: prefix || "(any key)", cells });
        }
    }
    for (const k of m.keys) {
        const viaS3 = { "kms:ViaService": `s3.${m.region}.amazonaws.com`, "kms:CallerAccount": m.account };
        const cells = principals.map((p) => {
            const allowed: string[] = [];
            if (can(p, "kms:Decrypt", k.arn)) allowed.push("decrypt");
            else if (can(p, "kms:Decrypt", k.arn, viaS3)) allowed.push("decrypt via S3");
            if (can(p, "kms:GenerateDataKey", k.arn)) allowed.push("encrypt");
            else if (can(p, "kms:GenerateDataKey", k.arn, viaS3)) allowed.push("encrypt via S3");
            if (
                can(p, "kms:CreateGrant", k.arn, {
                    "kms:GrantIsForAWSResource": "true",
                    "kms:ViaService": `sagemaker.${m.region}.amazonaws.com`,
                    "kms:CallerAccount": m.account,
                })
            )
                allowed.push("grant (AWS resources)");
            if (can(p, "kms:PutKeyPolicy", k.arn)) allowed.push("admin");
            return { principal: p, allowed };
        });
        rows.push({ kind: "key", resource: k.arn, scope: `${k.purpose} key`, cells });
    }
    for (const t of m.topics) {
        const cells = principals.map((p) => {
            const allowed: string[] = [];
            if (can(p, "sns:Publish", t.arn)) allowed.push("publish");
            if (can(p, "sns:Subscribe", t.arn)) allowed.push("subscribe");
            if (can(p, "sns:SetTopicAttributes", t.arn)) allowed.push("admin");
            return { principal: p, allowed };
        });
        rows.push({ kind: "topic", resource: t.arn, scope: t.name, cells });
    }
    for (const f of m.functions) {
        const cells = principals.map((p) => ({ principal: p, allowed: can(p, "lambda:InvokeFunction", f.arn) ? ["invoke"] : [] }));
        rows.push({ kind: "function", resource: f.arn, scope: f.name, cells });
    }
    return { stack: m.stack, origin, principals, rows, probes };
}

export function matrixText(x: AccessMatrix): string {
    const lines = [
        `Access matrix — stack ${x.stack} (workload requests from ${x.origin === "vpc" ? "inside the VPC (S3 gateway endpoint)" : "outside the VPC"}; ${x.probes} decisions)`,
    ];
    for (const r of x.rows) {
        const who = r.cells.filter((c) => c.allowed.length).map((c) => `${c.principal}: ${c.allowed.join("+")}`);
        lines.push(`${r.kind.padEnd(8)} ${r.kind === "bucket" ? `${r.resource}/${r.scope === "(any key)" ? "*" : `${r.scope}*`}` : r.scope}`);
        lines.push(`         ${who.length ? who.join("; ") : "(nobody)"}`);
    }
    return lines.join("\n");
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** A self-contained HTML page (no external assets). */
export function matrixHtml(x: AccessMatrix): string {
    const active = x.principals.filter((p) => x.rows.some((r) => r.cells.some((c) => c.principal === p && c.allowed.length)));
    const head = `<tr><th>resource</th><th>scope</th>${active.map((p) => `<th>${esc(p)}</th>`).join("")}</tr>`;
    const body = x.rows
        .map((r) => {
            const cells = active.map((p) => {
                const c = r.cells.find((y) => y.principal === p)!;
                return `<td class="${c.allowed.length ? "yes" : "no"}">${esc(c.allowed.join(", "))}</td>`;
            });
            return `<tr class="${r.kind}"><td>${esc(r.kind === "bucket" ? r.resource : r.kind)}</td><td>${esc(r.scope)}</td>${cells.join("")}</tr>`;
        })
        .join("\n");
    const never = x.principals.filter((p) => !active.includes(p));
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Access matrix — ${esc(x.stack)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;font-size:12px}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
th{background:#f3f3f3;position:sticky;top:0}
td.yes{background:#e8f4ea}
td.no{color:#bbb}
tr.key td:first-child,tr.topic td:first-child,tr.function td:first-child{font-weight:bold}
</style></head><body>
<h1>Access matrix — stack ${esc(x.stack)}</h1>
<p>Who can do what to each bucket prefix, KMS key, SNS topic and Lambda function, decided by the platform's IAM evaluator over the
stack's resources (${x.probes} decisions). Workload requests come from ${x.origin === "vpc" ? "inside the VPC (through the S3 gateway endpoint)" : "outside the VPC"};
anonymous and foreign-account requests from outside. S3 object reads and writes include the KMS decision for the bucket's key.</p>
<table><thead>${head}</thead><tbody>
${body}
</tbody></table>
<p>No access anywhere: ${esc(never.join(", ") || "(none)")}.</p>
</body></html>
`;
}
