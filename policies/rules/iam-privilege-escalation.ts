/**
 * iam-privilege-escalation (stack): no identity policy grants administrator access, privilege escalation, or data and
 * secret reads on every resource - judged by what the policy allows, not by how it is spelled.
 *
 * Identity policies: inline role/user/group policies, managed policies (aws.iam.Policy) that are attached or could be
 * (a managed policy used ONLY as a permissions boundary grants nothing and is skipped: a boundary is a ceiling -
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html), role `inlinePolicies`, and IAM
 * Identity Center permission-set inline policies. For each Allow statement, actions are expanded with the Service
 * Authorization Reference (`Get*` includes s3:GetObject and secretsmanager:GetSecretValue) and resources are judged by
 * coverage (`*`, `arn:aws:s3:::*`, `arn:*:*:*:*:*`, `arn:aws:iam::*:role/*` cover everything of their type):
 *   - every action (`*`, NotAction with Allow) on unscoped resources: administrator access;
 *   - privilege-escalation actions (iam:PassRole, CreatePolicyVersion, Attach/Put*Policy, UpdateAssumeRolePolicy,
 *     CreateAccessKey, sts:AssumeRole, kms:CreateGrant...) on unscoped resources;
 *   - data reads and secret reads (s3:GetObject, secretsmanager:GetSecretValue, kms:Decrypt, ssm:GetParameter...) on
 *     unscoped resources.
 * Managed-policy attachments (role/user/group/policy attachments, exclusive attachments, role managedPolicyArns,
 * Identity Center managed-policy attachments): AdministratorAccess, IAMFullAccess, PowerUserAccess never.
 *
 * Critical and not exemptable by default.
 */
import { PolicyResource } from "@pulumi/policy";
import { withDefaults } from "../lib/config";
import { isUnscopedResource, parseCached, summarizeActions } from "../lib/iam/analysis";
import { statementLabel } from "../lib/policyDocument";
import { reportFindings } from "../lib/report";
import { knownOrUndefined, StackResource, toPlain } from "../lib/stack";
import { definePolicy, PlatformStackPolicy } from "../lib/types";
import { isUnknown } from "../lib/unknowns";

const NAME = "iam-privilege-escalation";
export const ADMIN_MANAGED_POLICIES = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];

export const ESCALATION_TYPES = {
    docs: {
        "aws:iam/rolePolicy:RolePolicy": "policy",
        "aws:iam/userPolicy:UserPolicy": "policy",
        "aws:iam/groupPolicy:GroupPolicy": "policy",
        "aws:iam/policy:Policy": "policy",
        "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": "inlinePolicy",
    } as Record<string, string>,
    role: "aws:iam/role:Role",
    attachments: {
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
        "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
        "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment": "managedPolicyArn",
    } as Record<string, string>,
    exclusive: {
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
        "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
        "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
        "aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive": "managedPolicyArns",
    } as Record<string, string>,
};

const BOUNDARY_REFS = ["aws:iam/role:Role", "aws:iam/user:User"];

function adminPolicy(arn: unknown): string | undefined {
    if (typeof arn !== "string" || isUnknown(arn)) return undefined;
    const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
    return m && ADMIN_MANAGED_POLICIES.includes(m[1]) ? m[1] : undefined;
}

/** Findings for one identity policy document. */
export function escalationFindings(doc: unknown, where: string): string[] {
    if (doc === undefined || doc === null || doc === "") return [];
    const parsed = parseCached(typeof doc === "string" ? doc : toPlain(doc), [where]);
    const f: string[] = [];
    for (const s of parsed.statements) {
        if (s.effect !== "Allow") continue;
        const unscoped = s.notResources.length > 0 ? ["NotResource"] : s.resources.filter(isUnscopedResource);
        if (unscoped.length === 0) continue;
        const label = `${where} ${statementLabel(s)}`;
        const on = `on ${unscoped.join(", ")}`;
        const a = summarizeActions(s);
        if (a.all) {
            f.push(
                `${label} grants every action${s.notActions.length ? ` (NotAction ${s.notActions.join(", ")} with Allow)` : ""} ${on}: administrator access`,
            );
            continue;
        }
        const full = a.fullWildcards.filter((w) => /^(iam|sts|kms|organizations|sso|lambda):/i.test(w));
        if (full.length) f.push(`${label} grants ${full.join(", ")} ${on}: full control of an identity/key service`);
        const esc = [...new Set(a.bySensitivity["privilege-escalation"] ?? [])];
        if (esc.length)
            f.push(
                `${label} grants privilege escalation ${esc.slice(0, 6).join(", ")}${esc.length > 6 ? ` (+${esc.length - 6})` : ""} ${on} (written as ${[...s.actions].join(", ")})`,
            );
        const data = [...new Set([...(a.bySensitivity["data-read"] ?? []), ...(a.bySensitivity.secrets ?? [])])];
        if (data.length)
            f.push(
                `${label} grants data/secret reads ${data.slice(0, 6).join(", ")}${data.length > 6 ? ` (+${data.length - 6})` : ""} ${on} (written as ${[...s.actions].join(", ")})`,
            );
    }
    return f;
}

/**
 * For each referenced URN, how IAM/Identity Center resources reference it: [referencing resource type, property].
 * Built once per stack.
 */
function referencesByUrn(resources: StackResource[]): Map<string, [string, string][]> {
    const out = new Map<string, [string, string][]>();
    // Only IAM and Identity Center resources can attach a managed policy or use it as a boundary.
    for (const r of resources) {
        if (!r.type.startsWith("aws:iam/") && !r.type.startsWith("aws:ssoadmin/")) continue;
        for (const [prop, deps] of Object.entries(r.propertyDependencies ?? {})) {
            for (const d of deps as PolicyResource[]) {
                let l = out.get(d.urn);
                if (!l) out.set(d.urn, (l = []));
                l.push([r.type, prop]);
            }
        }
    }
    return out;
}

/** A managed policy referenced only as a role's/user's permissionsBoundary (never attached) grants nothing. */
function boundaryOnly(policy: StackResource, refs: Map<string, [string, string][]>): boolean {
    const l = refs.get(policy.urn) ?? [];
    return (
        l.some(([type, prop]) => BOUNDARY_REFS.includes(type) && prop === "permissionsBoundary") &&
        l.every(([type, prop]) => (BOUNDARY_REFS.includes(type) && prop === "permissionsBoundary") || prop === "tags")
    );
}

/** Findings per distinct (document, where): real stacks repeat policy documents. */
const findingsCache = new Map<string, string[]>();
function cachedEscalationFindings(doc: unknown, where: string): string[] {
    if (typeof doc !== "string") return escalationFindings(doc, where);
    const key = `${where}\u0000${doc}`;
    let f = findingsCache.get(key);
    if (!f) {
        f = escalationFindings(doc, where);
        if (findingsCache.size > 5000) findingsCache.clear();
        findingsCache.set(key, f);
    }
    return [...f];
}

export function privilegeEscalationFindings(resources: StackResource[]): Map<StackResource, string[]> {
    const out = new Map<StackResource, string[]>();
    let refs: Map<string, [string, string][]> | undefined;
    for (const r of resources) {
        const f: string[] = [];
        const docField = ESCALATION_TYPES.docs[r.type];
        if (docField) {
            if (r.type === "aws:iam/policy:Policy" && boundaryOnly(r, (refs ??= referencesByUrn(resources)))) continue;
            const doc = r.props[docField]; // unknown during preview: not evaluated (runtime semantics)
            f.push(...cachedEscalationFindings(doc, docField));
        } else if (r.type === ESCALATION_TYPES.role) {
            const inline = r.props.inlinePolicies;
            if (Array.isArray(inline))
                inline.forEach((p: Record<string, any>, i: number) => f.push(...cachedEscalationFindings(p.policy, `inlinePolicies[${i}]`)));
            const arns = toPlain(knownOrUndefined(r.props, "managedPolicyArns"));
            for (const arn of Array.isArray(arns) ? arns : []) {
                const admin = adminPolicy(arn);
                if (admin) f.push(`managedPolicyArns attaches ${admin}: administrator access`);
            }
        } else if (ESCALATION_TYPES.attachments[r.type]) {
            const admin = adminPolicy(knownOrUndefined(r.props, ESCALATION_TYPES.attachments[r.type]));
            if (admin) f.push(`attaches ${admin}: administrator access`);
        } else if (ESCALATION_TYPES.exclusive[r.type]) {
            const arns = toPlain(knownOrUndefined(r.props, ESCALATION_TYPES.exclusive[r.type]));
            for (const arn of Array.isArray(arns) ? arns : []) {
                const admin = adminPolicy(arn);
                if (admin) f.push(`attaches ${admin}: administrator access`);
            }
        } else continue;
        out.set(r, f);
    }
    return out;
}

export const iamPrivilegeEscalation: PlatformStackPolicy = definePolicy({
    kind: "stack",
    name: NAME,
    description:
        "No identity policy grants administrator access, privilege escalation (PassRole, policy changes, AssumeRole, CreateGrant...) or data/secret reads on every resource; AdministratorAccess, IAMFullAccess and PowerUserAccess are never attached.",
    enforcementLevel: "advisory",
    exemptable: false,
    severity: "critical",
    frameworks: [
        "AWS FSBP IAM.1",
        "AWS FSBP IAM.21",
        "Checkov CKV_AWS_1",
        "Checkov CKV_AWS_62",
        "Checkov CKV_AWS_107",
        "Checkov CKV_AWS_108",
        "Checkov CKV_AWS_110",
        "Checkov CKV_AWS_286",
        "Checkov CKV_AWS_287",
        "CIS AWS Foundations 3.0.0 1.16",
        "NIST SP 800-53 AC-6",
    ],
    tags: ["security", "iam", "least-privilege"],
    remediationSteps:
        "Scope every statement that grants iam:PassRole, policy or trust changes, sts:AssumeRole, kms:CreateGrant or data/secret reads to the ARNs it needs " +
        '(a bucket name, a role path, a secret name - not `*`, `arn:aws:s3:::*` or `arn:aws:iam::*:role/*`); replace `Action: "*"`/NotAction with the actions the workload calls; ' +
        "attach job-function policies instead of AdministratorAccess/PowerUserAccess/IAMFullAccess. A policy used only as a permissions boundary is not judged (it grants nothing).",
    configSchema: { properties: {} },
    validateStack: (args, reportViolation) => {
        withDefaults(args.getConfig, {});
        for (const [r, f] of privilegeEscalationFindings(args.resources)) reportFindings(NAME, reportViolation, r, f, true, args.getConfig);
    },
});
