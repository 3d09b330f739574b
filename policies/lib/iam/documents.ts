/**
 * The policy documents a resource's inputs carry, by Pulumi AWS resource type: identity policies (inline, managed),
 * trust policies, and resource policies (bucket, key, topic, queue, function permission, log, event bus, model
 * package group, repository, secret) and VPC endpoint policies. Used by the policy-document validation (and by the
 * pack through the same function), so every place a document is written is looked at in one place.
 */
import { PolicyKind } from "./validate";

export interface CarriedDocument {
    kind: PolicyKind;
    /** Input property path the document came from (`policy`, `assumeRolePolicy`, `inlinePolicies[0].policy`). */
    property: string;
    /** What the document is, for reports: `trust policy`, `bucket policy`, `inline policy`... */
    role: string;
    document: unknown;
}

/** Resource type -> [property, kind, role] of its policy-document properties. */
const DOCUMENT_PROPERTIES: Record<string, [string, PolicyKind, string][]> = {
    "aws:iam/role:Role": [["assumeRolePolicy", "trust", "trust policy"]],
    "aws:iam/policy:Policy": [["policy", "identity", "managed policy"]],
    "aws:iam/rolePolicy:RolePolicy": [["policy", "identity", "inline policy"]],
    "aws:iam/userPolicy:UserPolicy": [["policy", "identity", "inline policy"]],
    "aws:iam/groupPolicy:GroupPolicy": [["policy", "identity", "inline policy"]],
    "aws:s3/bucketPolicy:BucketPolicy": [["policy", "resource", "bucket policy"]],
    "aws:kms/key:Key": [["policy", "resource", "key policy"]],
    "aws:kms/keyPolicy:KeyPolicy": [["policy", "resource", "key policy"]],
    "aws:sns/topic:Topic": [["policy", "resource", "topic policy"]],
    "aws:sns/topicPolicy:TopicPolicy": [["policy", "resource", "topic policy"]],
    "aws:sqs/queue:Queue": [["policy", "resource", "queue policy"]],
    "aws:sqs/queuePolicy:QueuePolicy": [["policy", "resource", "queue policy"]],
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": [["policyDocument", "resource", "log resource policy"]],
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": [["policy", "resource", "event bus policy"]],
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": [["resourcePolicy", "resource", "model package group policy"]],
    "aws:ecr/repositoryPolicy:RepositoryPolicy": [["policy", "resource", "repository policy"]],
    "aws:secretsmanager/secretPolicy:SecretPolicy": [["policy", "resource", "secret policy"]],
    "aws:ec2/vpcEndpoint:VpcEndpoint": [["policy", "endpoint", "VPC endpoint policy"]],
};

/** Resource types whose inputs carry policy documents (for reports of coverage). */
export const DOCUMENT_RESOURCE_TYPES = [...Object.keys(DOCUMENT_PROPERTIES), "aws:lambda/permission:Permission"];

/**
 * The statement an `aws.lambda.Permission` adds to its function's resource policy, as Lambda writes it
 * (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html): the principal (service
 * principal or account/ARN), the action, the function (an ARN, or a name in any region/account), and the source
 * conditions.
 */
function lambdaPermissionStatement(props: Record<string, unknown>): unknown {
    const principal = String(props.principal ?? "");
    const fn = String(props.function ?? "");
    const qualifier = props.qualifier ? `:${String(props.qualifier)}` : "";
    const condition: Record<string, Record<string, string>> = {};
    if (props.sourceArn) condition.ArnLike = { "AWS:SourceArn": String(props.sourceArn) };
    if (props.sourceAccount) condition.StringEquals = { "AWS:SourceAccount": String(props.sourceAccount) };
    if (props.principalOrgId) condition.StringEquals = { ...(condition.StringEquals ?? {}), "aws:PrincipalOrgID": String(props.principalOrgId) };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: String(props.statementId ?? "permission"),
                Effect: "Allow",
                Principal:
                    principal.endsWith(".amazonaws.com") || principal.endsWith(".amazonaws.com.cn")
                        ? { Service: principal }
                        : principal === "*"
                          ? "*"
                          : { AWS: principal },
                Action: String(props.action ?? ""),
                Resource: fn.startsWith("arn:") ? `${fn}${qualifier}` : `arn:*:lambda:*:*:function:${fn}${qualifier}`,
                ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
            },
        ],
    };
}

/** Every policy document in one resource's inputs. */
export function policyDocumentsOf(type: string, props: Record<string, unknown>): CarriedDocument[] {
    const out: CarriedDocument[] = [];
    for (const [property, kind, role] of DOCUMENT_PROPERTIES[type] ?? []) {
        const v = props[property];
        if (v !== undefined && v !== null && v !== "") out.push({ kind, property, role, document: v });
    }
    if (type === "aws:iam/role:Role" && Array.isArray(props.inlinePolicies)) {
        (props.inlinePolicies as Record<string, unknown>[]).forEach((p, i) => {
            if (p && p.policy) out.push({ kind: "identity", property: `inlinePolicies[${i}].policy`, role: "inline policy", document: p.policy });
        });
    }
    if (type === "aws:lambda/permission:Permission")
        out.push({
            kind: "resource",
            property: "(principal, action, function, sourceArn)",
            role: "function policy statement",
            document: lambdaPermissionStatement(props),
        });
    return out;
}
