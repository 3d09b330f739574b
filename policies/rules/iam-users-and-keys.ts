/**
 * iam-users-and-keys: people and workloads get roles (SSO permission sets, OIDC, instance/execution roles), not IAM
 * users with long-lived credentials (https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-users-federation-idp).
 *   - no access keys (aws.iam.AccessKey) and no console passwords (aws.iam.UserLoginProfile);
 *   - no policies attached directly to users (inline user policies, user policy attachments, PolicyAttachment with
 *     `users`) - FSBP IAM.2 / Checkov CKV_AWS_40: grant through groups or roles;
 *   - an SSO permission set's session lasts at most `maxSessionHours` (default 8).
 */
import { resourceRule } from "../lib/types";
import { isUnknown, peek } from "../lib/unknowns";

const T = {
    accessKey: "aws:iam/accessKey:AccessKey",
    loginProfile: "aws:iam/userLoginProfile:UserLoginProfile",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    userAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    userExclusive: "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
    policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
    permissionSet: "aws:ssoadmin/permissionSet:PermissionSet",
};

/** ISO 8601 duration (PT8H, PT30M, P1D...) in hours. */
function hours(d: string): number | undefined {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(d);
    if (!m) return undefined;
    return Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 60;
}

export const iamUsersAndKeys = resourceRule(
    {
        name: "iam-users-and-keys",
        description: "No IAM access keys or console passwords, no policies attached directly to IAM users, and SSO permission sets with bounded sessions.",
        severity: "high",
        exemptable: true,
        frameworks: ["AWS FSBP IAM.2", "AWS FSBP IAM.3", "Checkov CKV_AWS_40", "Checkov CKV_AWS_273", "CIS AWS Foundations 3.0.0 1.15", "NIST SP 800-53 IA-2"],
        tags: ["security", "iam", "identity"],
        remediationSteps:
            "Use IAM Identity Center permission sets for people and roles (OIDC for CI, execution roles for workloads) instead of IAM users and access keys; attach policies to groups or roles; keep permission-set sessions at 8 hours or less.",
        configSchema: { properties: { maxSessionHours: { type: "number", default: 8 } } },
    },
    Object.values(T),
    { maxSessionHours: 8 },
    (type, props, cfg) => {
        switch (type) {
            case T.accessKey:
                return [
                    `long-lived access key for IAM user ${typeof props.user === "string" ? props.user : "(computed)"}: use roles (OIDC, instance/execution roles) instead`,
                ];
            case T.loginProfile:
                return ["console password for an IAM user: use IAM Identity Center"];
            case T.userPolicy:
                return ["inline policy on an IAM user: grant through a group or role"];
            case T.userAttachment:
            case T.userExclusive:
                return ["managed policy attached directly to an IAM user: attach it to a group or role"];
            case T.policyAttachment: {
                const u = peek(props, "users");
                const users = u.known ? u.value : undefined;
                return Array.isArray(users) && users.length > 0
                    ? [`policy attached directly to IAM user(s) ${users.filter((x) => !isUnknown(x)).join(", ")}: attach it to a group or role`]
                    : [];
            }
            case T.permissionSet: {
                const d = peek(props, "sessionDuration");
                if (!d.known || typeof d.value !== "string") return [];
                const h = hours(d.value);
                return h !== undefined && h > cfg.maxSessionHours ? [`sessionDuration ${d.value} is longer than ${cfg.maxSessionHours} hours`] : [];
            }
        }
        return [];
    },
);
