/**
 * Grant-style least privilege (after AWS CDK's `grant*` methods): the code that owns a resource decides which actions
 * a role gets on it, scoped to that resource's ARNs. Each grant is one inline `aws.iam.RolePolicy` created as a child of
 * the owning component, so a reader of the resource's component sees every principal that can touch it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource: pulumi.Input<string> | pulumi.Input<string>[] | pulumi.Output<string[]>;
    Condition?: pulumi.Input<Record<string, Record<string, pulumi.Input<string | string[] | boolean>>>>;
}

/** An IAM role that can receive grants. */
export interface Grantee {
    /** Short, stable name used in the grant's resource name, e.g. "training". */
    readonly activity: string;
    readonly role: aws.iam.Role;
}

/** The IAM policy document JSON for a list of statements (inputs resolved). */
export function policyDocument(statements: pulumi.Input<pulumi.Input<PolicyStatement>[]>): pulumi.Output<string> {
    return pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s }));
}

/**
 * Attaches `statements` to `grantee`'s role as an inline policy owned by `owner`. `what` names the grant
 * (e.g. "raw-read"); the resource is named `<owner name>-<what>-<activity>`.
 */
export function grant(
    owner: pulumi.ComponentResource,
    ownerName: string,
    what: string,
    grantee: Grantee,
    statements: pulumi.Input<pulumi.Input<PolicyStatement>[]>,
): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(`${ownerName}-${what}-${grantee.activity}`, { role: grantee.role.id, policy: policyDocument(statements) }, { parent: owner });
}

export type KeyUse = "decrypt" | "encrypt-decrypt";

/** KMS actions for a key use. Key policies and IAM grants both use this, so they never disagree. */
export function kmsActions(use: KeyUse): string[] {
    return use === "decrypt"
        ? ["kms:Decrypt", "kms:DescribeKey"]
        : [
              "kms:Encrypt",
              "kms:Decrypt",
              "kms:ReEncryptFrom",
              "kms:ReEncryptTo",
              "kms:GenerateDataKey",
              "kms:GenerateDataKeyWithoutPlaintext",
              "kms:DescribeKey",
              "kms:CreateGrant",
          ];
}

/** Statement allowing use of one KMS key (CreateGrant only for AWS services acting on the caller's behalf). */
export function kmsStatement(keyArn: pulumi.Input<string>, use: KeyUse): PolicyStatement[] {
    const actions = kmsActions(use);
    const direct = actions.filter((a) => a !== "kms:CreateGrant");
    const out: PolicyStatement[] = [{ Sid: "UseKey", Effect: "Allow", Action: direct, Resource: keyArn }];
    if (actions.includes("kms:CreateGrant")) {
        out.push({
            Sid: "GrantForAwsServices",
            Effect: "Allow",
            Action: "kms:CreateGrant",
            Resource: keyArn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
        });
    }
    return out;
}

/**
 * Trust policy of a role assumed by GitHub Actions through the account's OIDC provider: audience sts.amazonaws.com and
 * a subject that names the repository (StringLike, so a list of subjects or one with a `*` in its ref part works).
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 */
export function githubOidcTrustPolicy(providerArn: string, subjects: string | string[]): string {
    const host = providerArn.replace(/^.*:oidc-provider\//, "");
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: { [`${host}:aud`]: "sts.amazonaws.com" },
                    StringLike: { [`${host}:sub`]: subjects },
                },
            },
        ],
    });
}
