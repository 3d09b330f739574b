/**
 * least-privilege-iam: IAM identity policies, role trust policies, managed-policy attachments and
 * resource policies (bucket, topic, queue, ECR repository, model package group, KMS key, VPC endpoint, Lambda permission) grant no more than needed.
 *
 * Identity policies (inline role/user/group policies, `aws:iam/policy`, role `inlinePolicies`):
 *   - no `*` / `service:*` actions (NotAction in an Allow counts as a wildcard);
 *   - no `Resource: "*"` (or NotResource) on actions that are not read-only, unless every such action
 *     is in `policies/data/wildcard-resource-actions.json` (actions AWS only authorises on `*`);
 *   - `iam:PassRole` only on named role ARNs (no `*` in the ARN) and with an `iam:PassedToService` condition.
 * Managed policies: no AdministratorAccess, PowerUserAccess, IAMFullAccess or any AWS-managed `*FullAccess`.
 * Trust policies: service principals from the configured list; federated (OIDC) principals only from
 * configured providers, only via sts:AssumeRoleWithWebIdentity, with `:aud` and `:sub` conditions;
 * AWS principals only from configured account ARNs; never `*`.
 * Lambda permissions: no `*` principal and no service principal without sourceArn/sourceAccount/principalOrgId.
 * Resource policies: Allow statements with a `*` principal need a restricting condition (source
 * ARN/account, org id, VPC endpoint...); KMS key policies allow no wildcard principal at all. The
 * `Resource: "*"` rule does not apply to KMS key policies (there `*` means "this key").
 */
import { withDefaults } from "../lib/config";
import {
    NormalizedStatement,
    conditionValues,
    hasRestrictingCondition,
    hasWildcardPrincipal,
    iamGlobMatch,
    isFullWildcardAction,
    isReadOnlyAction,
    principalValues,
    statementLabel,
} from "../lib/policyDocument";
import { reportFindings } from "../lib/report";
import { documentAccounts, isUnscopedAcrossAccounts, parseCached } from "../lib/iam/analysis";
import { accessLevel, expandAction } from "../lib/iam/reference";
import { definePolicy, PlatformResourcePolicy } from "../lib/types";
import { isUnknown, peek, rawTarget } from "../lib/unknowns";
const allowlistFile: { actions: { action: string; reason: string }[] } = require("../data/wildcard-resource-actions.json");

export const WILDCARD_RESOURCE_ALLOWLIST: ReadonlyArray<{ action: string; reason: string }> = allowlistFile.actions;

export const IAM_TYPES = {
    identityPolicies: ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"],
    role: "aws:iam/role:Role",
    attachments: [
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
    ],
    exclusiveAttachments: [
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
        "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
    ],
    resourcePolicies: [
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topic:Topic",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
    ],
    /** Resource policies whose document is in `resourcePolicy` instead of `policy`. */
    resourcePolicyField: { "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "resourcePolicy" } as Record<string, string>,
    lambdaPermission: "aws:lambda/permission:Permission",
    keyPolicies: ["aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"],
} as const;

export interface LeastPrivilegeConfig {
    allowedServicePrincipals: string[];
    /** OIDC provider hosts/ARN suffixes allowed as Federated principals (e.g. token.actions.githubusercontent.com). */
    allowedOidcProviders: string[];
    /** AWS principals (account root or role ARNs) allowed in trust policies. */
    allowedAwsPrincipals: string[];
    /** Extra managed policy names to forbid. */
    forbiddenManagedPolicies: string[];
    /** Allow the account-root `kms:*` administration statement in KMS key policies. */
    allowKeyPolicyRootAdmin: boolean;
    /** Extra actions allowed on Resource "*" for this environment (in addition to the data file). */
    extraWildcardResourceActions: string[];
}

export const LEAST_PRIVILEGE_DEFAULTS: LeastPrivilegeConfig = {
    allowedServicePrincipals: [
        "sagemaker.amazonaws.com",
        "lambda.amazonaws.com",
        "states.amazonaws.com",
        "events.amazonaws.com",
        "scheduler.amazonaws.com",
        "application-autoscaling.amazonaws.com",
        // Platform plumbing: VPC flow logs, CloudTrail -> CloudWatch Logs, Budgets actions.
        "vpc-flow-logs.amazonaws.com",
        "cloudtrail.amazonaws.com",
        "budgets.amazonaws.com",
        // Detective controls (components/detective.ts): the AWS Config recorder, SSM Automation remediation.
        "config.amazonaws.com",
        "ssm.amazonaws.com",
    ],
    allowedOidcProviders: ["token.actions.githubusercontent.com"],
    allowedAwsPrincipals: [],
    forbiddenManagedPolicies: [],
    allowKeyPolicyRootAdmin: true,
    extraWildcardResourceActions: [],
};

const NAME = "least-privilege-iam";
const ALWAYS_FORBIDDEN = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];

/** Name of an AWS-managed policy ARN (`arn:<partition>:iam::aws:policy[/path]/<Name>`), else undefined. */
export function awsManagedPolicyName(arn: string): string | undefined {
    const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
    return m ? m[1] : undefined;
}

export function forbiddenManagedPolicy(arn: string, cfg: LeastPrivilegeConfig): string | undefined {
    const name = awsManagedPolicyName(arn);
    if (name && (ALWAYS_FORBIDDEN.includes(name) || /FullAccess$/.test(name) || cfg.forbiddenManagedPolicies.includes(name))) {
        return `attaches AWS-managed policy ${name} (${arn})`;
    }
    if (!name) {
        const last = arn.split("/").pop() ?? "";
        if (cfg.forbiddenManagedPolicies.includes(last)) {
            return `attaches forbidden policy ${last} (${arn})`;
        }
    }
    return undefined;
}

function allowlisted(action: string, cfg: LeastPrivilegeConfig): boolean {
    return [...WILDCARD_RESOURCE_ALLOWLIST.map((a) => a.action), ...cfg.extraWildcardResourceActions].some((p) => iamGlobMatch(p, action));
}

/** Resource "*" or any pattern that covers every resource of its type (`arn:aws:s3:::*`, `arn:*:*:*:*:*`...), or NotResource. */
function hasStarResource(s: NormalizedStatement): boolean {
    return s.resources.some(isUnscopedAcrossAccounts) || s.notResources.length > 0;
}

/**
 * True when an action pattern can only list/read, decided by the Service Authorization Reference's access levels of
 * the actions it expands to (`s3:Get*` is Read; `s3:*Object` includes Write); unknown actions fall back to the verb.
 */
function readOnly(action: string): boolean {
    const expanded = /[*?]/.test(action) ? expandAction(action) : accessLevel(action) ? [action] : [];
    if (expanded.length === 0) return isReadOnlyAction(action);
    return expanded.every((a) => {
        const l = accessLevel(a);
        return l === "List" || l === "Read";
    });
}

/** A condition that really restricts: a positive operator with at least one value and no wildcard-only value. */
function positiveCondition(s: NormalizedStatement, key: string): boolean {
    return conditionValues(s, key).some(
        (c) =>
            /^(StringEquals|StringEqualsIgnoreCase|StringLike|ForAnyValue:StringEquals|ForAnyValue:StringLike|ArnEquals|ArnLike)$/i.test(c.operator) &&
            c.values.length > 0 &&
            c.values.every((v) => !/^[*?]+$/.test(v) && v !== ""),
    );
}

/** Findings for an identity-based policy document. */
export function identityPolicyFindings(doc: unknown, where: string, cfg: LeastPrivilegeConfig): string[] {
    const parsed = parseCached(doc, [where]);
    const f = parsed.errors.map((e) => `${where}: ${e}`);
    for (const s of parsed.statements) {
        if (s.effect !== "Allow") {
            continue;
        }
        const label = `${where} ${statementLabel(s)}`;
        const wild = s.actions.filter(isFullWildcardAction);
        if (wild.length > 0) {
            f.push(`${label} allows wildcard action(s) ${wild.join(", ")}`);
        }
        if (s.notActions.length > 0) {
            f.push(`${label} uses NotAction with Allow (grants every other action)`);
        }
        if (hasStarResource(s)) {
            const writes = s.actions.filter((a) => !isFullWildcardAction(a) && !readOnly(a) && !allowlisted(a, cfg));
            if (writes.length > 0) {
                f.push(
                    `${label} allows write/permission-management action(s) ${writes.join(", ")} on Resource "${s.notResources.length ? "NotResource" : s.resources.filter(isUnscopedAcrossAccounts).join(", ")}" (scope to ARNs; only allowlisted actions may use "*")`,
                );
            }
        }
        const passRole = s.actions.some((a) => !isFullWildcardAction(a) && iamGlobMatch(a, "iam:PassRole")); // full wildcards are already reported
        if (passRole) {
            const unscoped = s.resources.filter((r) => r.includes("*") || r.includes("?"));
            if (unscoped.length > 0 || s.resources.length === 0) {
                f.push(`${label} allows iam:PassRole on ${unscoped.join(", ") || "no named resource"} (name the role ARNs)`);
            }
            if (conditionValues(s, "iam:PassedToService").length === 0) {
                f.push(`${label} allows iam:PassRole without an iam:PassedToService condition`);
            } else if (!positiveCondition(s, "iam:PassedToService")) {
                f.push(`${label} allows iam:PassRole with an iam:PassedToService condition that matches any service (wildcard, negated or IfExists)`);
            }
        }
    }
    return f;
}

function oidcProviderAllowed(arn: string, cfg: LeastPrivilegeConfig): string | undefined {
    return cfg.allowedOidcProviders.find((p) => arn === p || arn.endsWith(`:oidc-provider/${p}`) || arn.endsWith(`/${p}`));
}

/** Findings for a role's trust (assume-role) policy. */
export function trustPolicyFindings(doc: unknown, cfg: LeastPrivilegeConfig): string[] {
    const parsed = parseCached(doc, ["assumeRolePolicy"]);
    const f = parsed.errors.map((e) => `assumeRolePolicy: ${e}`);
    for (const s of parsed.statements) {
        if (s.effect !== "Allow") {
            continue;
        }
        const label = `assumeRolePolicy ${statementLabel(s)}`;
        if (hasWildcardPrincipal(s)) {
            f.push(`${label} trusts principal "*"`);
            continue;
        }
        for (const svc of principalValues(s.principal, "Service")) {
            if (!cfg.allowedServicePrincipals.includes(svc)) {
                f.push(`${label} trusts service ${svc}, which is not in allowedServicePrincipals`);
            }
        }
        for (const fed of principalValues(s.principal, "Federated")) {
            const provider = oidcProviderAllowed(fed, cfg);
            if (!provider) {
                f.push(`${label} trusts federated principal ${fed}, which is not an allowed OIDC provider`);
                continue;
            }
            if (!s.actions.every((a) => a === "sts:AssumeRoleWithWebIdentity" || a === "sts:TagSession")) {
                f.push(`${label} trusts ${provider} with actions other than sts:AssumeRoleWithWebIdentity`);
            }
            const aud = conditionValues(s, `${provider}:aud`);
            const sub = conditionValues(s, `${provider}:sub`);
            if (aud.length === 0) {
                f.push(`${label} trusts ${provider} without a ${provider}:aud condition`);
            }
            if (sub.length === 0) {
                f.push(`${label} trusts ${provider} without a ${provider}:sub condition (any repository/workflow could assume the role)`);
            } else if (sub.some((c) => /Not|IfExists/i.test(c.operator) || c.values.some((v) => !/^repo:[^*?/:]+\/[^*?/:]+(:|$)/.test(v)))) {
                // GitHub's sub is repo:<owner>/<repo>:<context>; a wildcard in owner or repo (or no repo: prefix,
                // e.g. "*:ref:refs/heads/main") lets any repository's workflow assume the role.
                f.push(
                    `${label} has a ${provider}:sub condition that matches any repository (${sub.flatMap((c) => c.values).join(", ")}): pin repo:<owner>/<repo>:...`,
                );
            }
        }
        for (const aws of principalValues(s.principal, "AWS")) {
            if (!cfg.allowedAwsPrincipals.includes(aws)) {
                f.push(`${label} trusts AWS principal ${aws}, which is not in allowedAwsPrincipals`);
            }
        }
        for (const other of ["CanonicalUser"]) {
            if (principalValues(s.principal, other).length > 0) {
                f.push(`${label} trusts a ${other} principal`);
            }
        }
    }
    return f;
}

function isAccountRoot(p: string): boolean {
    return /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(p) || /^\d{12}$/.test(p);
}

/** Findings for a resource-based policy (bucket/topic/queue/VPC endpoint, or KMS key when `isKeyPolicy`). */
export function resourcePolicyFindings(doc: unknown, isKeyPolicy: boolean, cfg: LeastPrivilegeConfig): string[] {
    const parsed = parseCached(doc, ["policy"]);
    const f = parsed.errors.map((e) => `policy: ${e}`);
    for (const s of parsed.statements) {
        if (s.effect !== "Allow") {
            continue;
        }
        const label = `policy ${statementLabel(s)}`;
        if (hasWildcardPrincipal(s)) {
            if (isKeyPolicy) {
                f.push(`${label} grants a wildcard principal on a KMS key`);
            } else if (!hasRestrictingCondition(s)) {
                f.push(
                    `${label} grants Principal "*" without a restricting condition (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce...)`,
                );
            }
        }
        const wild = s.actions.filter(isFullWildcardAction);
        if (wild.length > 0) {
            const own = documentAccounts(parsed);
            const rootAdmin =
                isKeyPolicy &&
                cfg.allowKeyPolicyRootAdmin &&
                wild.every((a) => a.toLowerCase() === "kms:*") &&
                principalValues(s.principal, "AWS").length > 0 &&
                // Only this account's root: a foreign account's root with kms:* administers our key.
                principalValues(s.principal, "AWS").every((p) => isAccountRoot(p) && own.includes(/(\d{12})/.exec(p)![1])) &&
                Object.keys(s.principal === "*" || !s.principal ? {} : s.principal).every((k) => k === "AWS");
            if (!rootAdmin) {
                f.push(`${label} allows wildcard action(s) ${wild.join(", ")}`);
            }
        }
        if (s.notActions.length > 0) {
            f.push(`${label} uses NotAction with Allow`);
        }
        if (!isKeyPolicy && hasStarResource(s)) {
            const writes = s.actions.filter((a) => !isFullWildcardAction(a) && !readOnly(a) && !allowlisted(a, cfg));
            if (writes.length > 0) {
                f.push(`${label} allows write action(s) ${writes.join(", ")} on Resource "*"`);
            }
        }
    }
    return f;
}

function knownProp(props: Record<string, any>, key: string): unknown {
    const p = peek(props, key);
    return p.known ? p.value : undefined;
}

function arnList(v: unknown): string[] {
    if (isUnknown(v) || v === undefined || v === null) {
        return [];
    }
    const raw = rawTarget(v);
    return (Array.isArray(raw) ? raw : [raw]).filter((x) => typeof x === "string" && !isUnknown(x)) as string[];
}

/**
 * `aws.lambda.Permission` is a one-statement resource policy: a `*` principal, or a service
 * principal without `sourceArn`/`sourceAccount` (confused deputy), may invoke the function from
 * any account. Function URLs with auth type NONE are public by design and flagged too.
 */
export function lambdaPermissionFindings(props: Record<string, any>): string[] {
    const f: string[] = [];
    const principal = props.principal;
    const restricted = ["sourceArn", "sourceAccount", "principalOrgId"].some((k) => {
        const p = peek(props, k);
        return !p.known || (typeof p.value === "string" && p.value !== "");
    });
    if (principal === "*" && !restricted) {
        f.push('lambda permission grants principal "*" without sourceArn, sourceAccount or principalOrgId');
    } else if (typeof principal === "string" && principal.endsWith(".amazonaws.com") && !restricted) {
        f.push(`lambda permission for ${principal} has no sourceArn/sourceAccount (any account's ${principal} resource could invoke it)`);
    }
    if (props.functionUrlAuthType === "NONE") {
        f.push("lambda permission allows unauthenticated function URL access (functionUrlAuthType NONE)");
    }
    return f;
}

export function leastPrivilegeFindings(type: string, props: Record<string, any>, cfg: LeastPrivilegeConfig): string[] {
    const f: string[] = [];
    if ((IAM_TYPES.identityPolicies as readonly string[]).includes(type)) {
        f.push(...identityPolicyFindings(props.policy, "policy", cfg));
    } else if (type === IAM_TYPES.role) {
        f.push(...trustPolicyFindings(props.assumeRolePolicy, cfg));
        const inline = props.inlinePolicies;
        if (Array.isArray(inline)) {
            inline.forEach((p: Record<string, any>, i: number) => {
                const doc = p.policy; // unknown during preview -> not fully evaluated (runtime semantics)
                if (doc !== undefined && doc !== null && doc !== "") {
                    f.push(...identityPolicyFindings(doc, `inlinePolicies[${i}]${p.name ? ` (${p.name})` : ""}`, cfg));
                }
            });
        }
        // AWS-managed policy ARNs are literals, so an unknown ARN is one of our own policies: skip it.
        for (const arn of arnList(knownProp(props, "managedPolicyArns"))) {
            const why = forbiddenManagedPolicy(arn, cfg);
            if (why) {
                f.push(`managedPolicyArns ${why}`);
            }
        }
    } else if ((IAM_TYPES.attachments as readonly string[]).includes(type)) {
        const arn = knownProp(props, "policyArn");
        if (typeof arn === "string") {
            const why = forbiddenManagedPolicy(arn, cfg);
            if (why) {
                f.push(why);
            }
        }
    } else if ((IAM_TYPES.exclusiveAttachments as readonly string[]).includes(type)) {
        for (const arn of arnList(knownProp(props, "policyArns"))) {
            const why = forbiddenManagedPolicy(arn, cfg);
            if (why) {
                f.push(why);
            }
        }
    } else if ((IAM_TYPES.resourcePolicies as readonly string[]).includes(type)) {
        const doc = props.policy;
        if (doc !== undefined && doc !== null && doc !== "") {
            f.push(...resourcePolicyFindings(doc, false, cfg));
        }
    } else if (type in IAM_TYPES.resourcePolicyField) {
        const doc = props[IAM_TYPES.resourcePolicyField[type]];
        if (doc !== undefined && doc !== null && doc !== "") {
            f.push(...resourcePolicyFindings(doc, false, cfg));
        }
    } else if (type === IAM_TYPES.lambdaPermission) {
        f.push(...lambdaPermissionFindings(props));
    } else if ((IAM_TYPES.keyPolicies as readonly string[]).includes(type)) {
        const doc = props.policy;
        if (doc !== undefined && doc !== null && doc !== "") {
            f.push(...resourcePolicyFindings(doc, true, cfg));
        }
    }
    return f;
}

export const ALL_IAM_TYPES: readonly string[] = [
    ...IAM_TYPES.identityPolicies,
    IAM_TYPES.role,
    ...IAM_TYPES.attachments,
    ...IAM_TYPES.exclusiveAttachments,
    ...IAM_TYPES.resourcePolicies,
    ...IAM_TYPES.keyPolicies,
    ...Object.keys(IAM_TYPES.resourcePolicyField),
    IAM_TYPES.lambdaPermission,
];

export const leastPrivilegeIam: PlatformResourcePolicy = definePolicy({
    kind: "resource",
    name: NAME,
    description:
        "IAM and resource policies grant least privilege: no wildcard actions or principals, scoped resources and PassRole, no broad AWS-managed policies, trusted principals only.",
    enforcementLevel: "advisory",
    exemptable: true,
    types: ALL_IAM_TYPES,
    severity: "critical",
    frameworks: [
        "AWS FSBP IAM.21",
        "AWS FSBP KMS.1",
        "Checkov CKV_AWS_111",
        "Checkov CKV_AWS_109",
        "Checkov CKV_AWS_60",
        "Checkov CKV_AWS_61",
        "NIST SP 800-53 AC-6",
    ],
    tags: ["security", "iam", "least-privilege"],
    remediationSteps:
        "Replace wildcard actions with the specific API actions the workload calls; scope `Resource` to ARNs (use aws.iam.getPolicyDocument with the resources' ARNs); " +
        'for iam:PassRole list the role ARNs and add `Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } }`; ' +
        "replace AWS-managed *FullAccess policies with a custom policy; restrict trust policies to the platform's service principals or to the CI OIDC provider with `aud` and `sub` conditions; " +
        'add an aws:SourceArn/aws:SourceAccount/aws:PrincipalOrgID condition to any Principal "*" grant. ' +
        'Actions AWS only authorises on "*" belong in policies/data/wildcard-resource-actions.json with a reason.',
    configSchema: {
        properties: {
            allowedServicePrincipals: { type: "array", items: { type: "string" }, default: LEAST_PRIVILEGE_DEFAULTS.allowedServicePrincipals },
            allowedOidcProviders: { type: "array", items: { type: "string" }, default: LEAST_PRIVILEGE_DEFAULTS.allowedOidcProviders },
            allowedAwsPrincipals: { type: "array", items: { type: "string" }, default: [] },
            forbiddenManagedPolicies: { type: "array", items: { type: "string" }, default: [] },
            allowKeyPolicyRootAdmin: { type: "boolean", default: true },
            extraWildcardResourceActions: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    validateResource: (args, reportViolation) => {
        if (!ALL_IAM_TYPES.includes(args.type)) {
            return;
        }
        const cfg = withDefaults(args.getConfig, LEAST_PRIVILEGE_DEFAULTS);
        reportFindings(NAME, reportViolation, args, leastPrivilegeFindings(args.type, args.props, cfg), false, args.getConfig);
    },
});
