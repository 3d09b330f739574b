/**
 * Seeded generator of IAM evaluation scenarios (policies × requests × contexts) for the oracle comparison.
 * Covers: identity policies, permissions boundaries, resource policies (S3, SNS, SQS, KMS key policies, role trust
 * policies), same- and cross-account requests, anonymous and service principals, Action/NotAction,
 * Resource/NotResource, Principal/NotPrincipal, wildcards `*`/`?`, policy variables (with defaults and escapes), and
 * every condition operator family with `...IfExists`, `ForAllValues:`/`ForAnyValue:` and `Null`.
 */

import { mulberry32 } from "../../lib/common/random";

/** The project's one seeded PRNG (lib/common/random.ts). */
export const rng = mulberry32;

export const ACCT = "111111111111";
export const OTHER = "222222222222";

export interface Scenario {
    principal: string; // "anonymous", a service principal, or a role-session/user ARN
    action: string;
    resource: string;
    resourceAccount: string;
    context: Record<string, string | string[]>;
    identityPolicies: { name: string; policy: any }[];
    boundary?: any;
    resourcePolicy?: any;
}

const SERVICES: { actions: string[]; resources: (acct: string) => string[]; patterns: (acct: string) => string[] }[] = [
    {
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging"],
        resources: () => [
            "arn:aws:s3:::data-bkt/raw/alice/a.csv",
            "arn:aws:s3:::data-bkt/curated/x.parquet",
            "arn:aws:s3:::logs-bkt/AWSLogs/111111111111/f.gz",
            "arn:aws:s3:::data-bkt/a$b/file",
        ],
        patterns: () => [
            "arn:aws:s3:::data-bkt/*",
            "arn:aws:s3:::data-bkt/raw/*",
            "arn:aws:s3:::data-bkt/raw/${aws:username}/*",
            "arn:aws:s3:::*-bkt/*",
            "arn:aws:s3:::data-bkt/curated/?.parquet",
            "arn:aws:s3:::logs-bkt/AWSLogs/${aws:PrincipalAccount}/*",
            "arn:aws:s3:::data-bkt/a${$}b/*",
            "arn:aws:s3:::data-bkt/raw/${aws:PrincipalTag/team, 'alice'}/*",
            "*",
        ],
    },
    {
        actions: ["s3:ListBucket", "s3:GetBucketPolicy"],
        resources: () => ["arn:aws:s3:::data-bkt", "arn:aws:s3:::logs-bkt"],
        patterns: () => ["arn:aws:s3:::data-bkt", "arn:aws:s3:::*", "arn:aws:s3:::logs-*", "*"],
    },
    {
        actions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:Encrypt"],
        resources: (a) => [`arn:aws:kms:us-east-1:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
        patterns: (a) => [
            "*",
            `arn:aws:kms:us-east-1:${a}:key/*`,
            `arn:aws:kms:*:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
            "arn:aws:kms:*:*:key/*",
            `arn:aws:kms:eu-west-1:${a}:key/*`,
        ],
    },
    {
        actions: ["sns:Publish", "sns:Subscribe"],
        resources: (a) => [`arn:aws:sns:us-east-1:${a}:alerts`, `arn:aws:sns:us-east-1:${a}:ops-alerts`],
        patterns: (a) => [`arn:aws:sns:us-east-1:${a}:alerts`, `arn:aws:sns:*:${a}:*alerts`, `arn:aws:sns:us-east-1:${a}:ops-?lerts`, "*"],
    },
    {
        actions: ["sts:AssumeRole"],
        resources: (a) => [`arn:aws:iam::${a}:role/target`, `arn:aws:iam::${a}:role/ml/pipeline`],
        patterns: (a) => [`arn:aws:iam::${a}:role/target`, `arn:aws:iam::${a}:role/*`, `arn:aws:iam::${a}:role/ml/*`, "*"],
    },
    {
        actions: ["iam:PassRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"],
        resources: (a) => [`arn:aws:iam::${a}:role/ml/pipeline`, `arn:aws:iam::${a}:role/admin`],
        patterns: (a) => [`arn:aws:iam::${a}:role/ml/*`, `arn:aws:iam::${a}:role/*`, "*"],
    },
    {
        actions: ["sqs:SendMessage", "sqs:ReceiveMessage"],
        resources: (a) => [`arn:aws:sqs:us-east-1:${a}:jobs`],
        patterns: (a) => [`arn:aws:sqs:us-east-1:${a}:jobs`, `arn:aws:sqs:*:*:*`, "*"],
    },
];

const ACTION_PATTERNS = [
    "*",
    "s3:*",
    "s3:Get*",
    "s3:*Object",
    "s3:?etObject",
    "kms:*",
    "kms:Decrypt",
    "kms:GenerateDataKey*",
    "kms:Create*",
    "sns:Publish",
    "sns:*",
    "sts:AssumeRole",
    "sts:*",
    "iam:PassRole",
    "iam:*",
    "sqs:*",
    "S3:getobject",
    "kms:Describe*",
    "s3:List*",
    "s3:PutObject",
    "iam:Create*",
];

interface KeySpec {
    key: string;
    kind: "string" | "multi" | "numeric" | "date" | "bool" | "ip" | "arn";
    requestValues: (string | string[])[];
    policyValues: string[];
}

const KEYS: KeySpec[] = [
    {
        key: "aws:PrincipalTag/team",
        kind: "string",
        requestValues: ["red", "blue", "Red", "alice"],
        policyValues: ["red", "blue", "RED", "r*", "?lue", "${aws:username}", "${*}"],
    },
    { key: "aws:username", kind: "string", requestValues: ["alice", "bob"], policyValues: ["alice", "bob", "a*", "${aws:PrincipalTag/team}"] },
    { key: "aws:SourceVpce", kind: "string", requestValues: ["vpce-111", "vpce-222"], policyValues: ["vpce-111", "vpce-*", "vpce-222"] },
    { key: "aws:ResourceTag/env", kind: "string", requestValues: ["dev", "prod"], policyValues: ["dev", "prod", "pr*", "${aws:PrincipalTag/env}"] },
    { key: "aws:PrincipalTag/env", kind: "string", requestValues: ["dev", "prod"], policyValues: ["dev", "prod"] },
    { key: "aws:TagKeys", kind: "multi", requestValues: [["team"], ["team", "env"], ["Owner", "env"], []], policyValues: ["team", "env", "own*", "Owner"] },
    {
        key: "aws:CalledVia",
        kind: "multi",
        requestValues: [["athena.amazonaws.com"], ["cloudformation.amazonaws.com", "athena.amazonaws.com"]],
        policyValues: ["athena.amazonaws.com", "*.amazonaws.com", "glue.amazonaws.com"],
    },
    { key: "s3:max-keys", kind: "numeric", requestValues: ["10", "100", "1000"], policyValues: ["10", "100", "500"] },
    { key: "aws:MultiFactorAuthAge", kind: "numeric", requestValues: ["30", "3600", "86400"], policyValues: ["3600", "60"] },
    {
        key: "aws:CurrentTime",
        kind: "date",
        requestValues: ["2024-01-01T00:00:00Z", "2025-06-15T12:00:00Z", "2026-12-02T05:00:00Z"],
        policyValues: ["2025-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "1735689600", "2026-12-02T05:00:00Z"],
    },
    { key: "aws:SecureTransport", kind: "bool", requestValues: ["true", "false"], policyValues: ["true", "false"] },
    { key: "aws:MultiFactorAuthPresent", kind: "bool", requestValues: ["true", "false"], policyValues: ["true", "false"] },
    {
        key: "aws:SourceIp",
        kind: "ip",
        requestValues: ["10.0.0.5", "192.168.1.10", "203.0.113.7", "2001:db8::1"],
        policyValues: ["10.0.0.0/8", "192.168.1.0/24", "203.0.113.7/32", "2001:db8::/32", "0.0.0.0/0"],
    },
    {
        key: "aws:SourceArn",
        kind: "arn",
        requestValues: [
            "arn:aws:cloudtrail:us-east-1:111111111111:trail/main",
            "arn:aws:sns:us-east-1:222222222222:other",
            "arn:aws:logs:us-east-1:111111111111:log-group:/aws/x:*",
        ],
        policyValues: [
            "arn:aws:cloudtrail:us-east-1:111111111111:trail/main",
            "arn:aws:cloudtrail:*:111111111111:trail/*",
            "arn:aws:*:*:111111111111:*",
            "arn:aws:logs:us-east-1:111111111111:log-group:/aws/*",
        ],
    },
    {
        key: "aws:PrincipalArn",
        kind: "arn",
        requestValues: [],
        policyValues: ["arn:aws:iam::111111111111:role/app", "arn:aws:iam::*:role/*", "arn:aws:iam::111111111111:role/a??"],
    },
    { key: "aws:PrincipalAccount", kind: "string", requestValues: [], policyValues: ["111111111111", "222222222222"] },
];

const OPS: Record<KeySpec["kind"], string[]> = {
    string: ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"],
    multi: ["StringEquals", "StringLike", "StringNotEquals", "StringNotLike", "StringEqualsIgnoreCase"],
    numeric: ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"],
    date: ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"],
    bool: ["Bool"],
    ip: ["IpAddress", "NotIpAddress"],
    arn: ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
};

export function generate(seed: number, n: number): Scenario[] {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const some = <T>(xs: readonly T[], max: number): T[] => {
        const k = 1 + Math.floor(r() * max);
        const out: T[] = [];
        for (let i = 0; i < k; i++) {
            const x = pick(xs);
            if (!out.includes(x)) out.push(x);
        }
        return out;
    };
    const principals = [
        `arn:aws:sts::${ACCT}:assumed-role/app/s1`,
        `arn:aws:sts::${ACCT}:assumed-role/app/s1`,
        `arn:aws:iam::${ACCT}:user/alice`,
        `arn:aws:sts::${OTHER}:assumed-role/app/s1`,
        `arn:aws:iam::${OTHER}:user/bob`,
        "cloudtrail.amazonaws.com",
        "anonymous",
    ];
    const principalValues = (): any => {
        const v = pick([
            "*",
            { AWS: "*" },
            { AWS: `arn:aws:iam::${ACCT}:root` },
            { AWS: ACCT },
            { AWS: `arn:aws:iam::${OTHER}:root` },
            { AWS: `arn:aws:iam::${ACCT}:role/app` },
            { AWS: `arn:aws:sts::${ACCT}:assumed-role/app/s1` },
            { AWS: `arn:aws:iam::${ACCT}:user/alice` },
            { AWS: [`arn:aws:iam::${OTHER}:role/app`, `arn:aws:iam::${ACCT}:user/alice`] },
            { Service: "cloudtrail.amazonaws.com" },
            { Service: ["sns.amazonaws.com", "cloudtrail.amazonaws.com"] },
            { AWS: `arn:aws:iam::${OTHER}:user/bob` },
        ]);
        return v;
    };
    const condition = (): any => {
        const out: Record<string, Record<string, string[] | string>> = {};
        const k = Math.floor(r() * 3);
        for (let i = 0; i < k; i++) {
            const spec = pick(KEYS);
            let op: string;
            if (r() < 0.1) {
                op = "Null";
                out[op] = { ...(out[op] ?? {}), [spec.key]: pick(["true", "false"]) };
                continue;
            }
            op = pick(OPS[spec.kind]);
            if (spec.kind === "multi") op = `${pick(["ForAllValues", "ForAnyValue"])}:${op}`;
            else if (r() < 0.08 && spec.kind === "string") op = `${pick(["ForAllValues", "ForAnyValue"])}:${op}`;
            if (r() < 0.25) op += "IfExists";
            const vals = some(spec.policyValues, 2);
            out[op] = { ...(out[op] ?? {}), [spec.key]: vals.length === 1 && r() < 0.5 ? vals[0] : vals };
        }
        return k ? out : undefined;
    };
    const statement = (svc: (typeof SERVICES)[number], acct: string, resourcePolicy: boolean, trust: boolean): any => {
        const s: any = { Effect: r() < 0.75 ? "Allow" : "Deny" };
        if (r() < 0.3) s.Sid = `S${Math.floor(r() * 1000)}`;
        const actions = r() < 0.5 ? some(svc.actions, 2) : some(ACTION_PATTERNS, 2);
        if (r() < 0.12) s.NotAction = actions;
        else s.Action = actions.length === 1 ? actions[0] : actions;
        if (!trust) {
            const res = some(svc.patterns(acct), 2);
            if (r() < 0.1) s.NotResource = res;
            else s.Resource = res.length === 1 ? res[0] : res;
        }
        if (resourcePolicy) {
            if (r() < 0.08) s.NotPrincipal = principalValues() === "*" ? { AWS: `arn:aws:iam::${ACCT}:user/alice` } : principalValues();
            else s.Principal = principalValues();
            if (s.NotPrincipal === "*") s.NotPrincipal = { AWS: `arn:aws:iam::${ACCT}:user/alice` };
        }
        const c = condition();
        if (c) s.Condition = c;
        return s;
    };
    const policy = (svc: (typeof SERVICES)[number], acct: string, rp: boolean, trust: boolean, k: number): any => {
        const st = [];
        for (let i = 0; i < k; i++) st.push(statement(svc, acct, rp, trust));
        return { Version: r() < 0.93 ? "2012-10-17" : "2008-10-17", Statement: st };
    };
    const out: Scenario[] = [];
    for (let i = 0; i < n; i++) {
        const svc = pick(SERVICES);
        const resourceAccount = r() < 0.75 ? ACCT : OTHER;
        const action = pick(svc.actions);
        const resource = pick(svc.resources(resourceAccount));
        const principal = pick(principals);
        const trust = action.startsWith("sts:");
        const context: Record<string, string | string[]> = {};
        for (const spec of KEYS) {
            if (!spec.requestValues.length || r() < 0.45) continue;
            context[spec.key] = pick(spec.requestValues);
        }
        const iam = principal.startsWith("arn:");
        if (iam) {
            const acct = principal.split(":")[4];
            context["aws:PrincipalAccount"] = acct;
            context["aws:PrincipalArn"] = principal.includes("assumed-role") ? `arn:aws:iam::${acct}:role/app` : principal;
            if (principal.includes(":user/") && r() < 0.7) context["aws:username"] = principal.split("/").pop()!;
            else delete context["aws:username"];
        } else {
            delete context["aws:username"];
            delete context["aws:PrincipalTag/team"];
            delete context["aws:PrincipalTag/env"];
        }
        const idCount = iam ? Math.floor(r() * 3) : 0;
        const identityPolicies = [];
        for (let j = 0; j < idCount; j++)
            identityPolicies.push({
                name: `identity${j}`,
                policy: policy(r() < 0.8 ? svc : pick(SERVICES), resourceAccount, false, false, 1 + Math.floor(r() * 3)),
            });
        const boundary = iam && r() < 0.3 ? policy(svc, resourceAccount, false, false, 1 + Math.floor(r() * 2)) : undefined;
        const resourcePolicy =
            svc.actions[0].startsWith("kms:") || trust || r() < 0.7 ? policy(svc, resourceAccount, true, false, 1 + Math.floor(r() * 3)) : undefined;
        out.push({ principal, action, resource, resourceAccount, context, identityPolicies, boundary, resourcePolicy });
    }
    return out;
}
