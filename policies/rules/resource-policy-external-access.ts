/**
 * resource-policy-external-access: no resource policy lets anyone outside the account in (the question IAM Access
 * Analyzer answers: https://docs.aws.amazon.com/IAM/latest/UserGuide/what-is-access-analyzer.html).
 *
 * For each resource policy (S3 bucket policies incl. aws.s3.Bucket's inline `policy`, SNS topic and SQS queue
 * policies, Secrets Manager secret policies, ECR repository policies, KMS key policies, CloudWatch Logs resource
 * policies, model package group policies) the semantic analysis (lib/iam/analysis.ts) decides who outside the trusted
 * accounts may do what: `*`, NotPrincipal with Allow, foreign accounts, wildcard ARNs - unless the statement's
 * conditions really pin the caller (positive operators on account/org/network keys with non-wildcard values).
 * Lambda: permissions for principal "*" or a foreign account without a pinning source condition, and function URLs
 * with authorization type NONE. VPC endpoint policies are filters on traffic from inside the VPC, not grants, and are
 * not judged here (least-privilege-iam reads them).
 *
 * Critical and not exemptable by default: a public resource is a data exposure.
 */
import { externalAccess, parseCached } from "../lib/iam/analysis";
import { toPlain } from "../lib/stack";
import { resourceRule } from "../lib/types";
import { isUnknown, needKnown, peek } from "../lib/unknowns";

export const EXTERNAL_ACCESS_TYPES: Record<string, string> = {
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:s3/bucket:Bucket": "policy",
    "aws:s3/bucketV2:BucketV2": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "resourcePolicy",
};
const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";
const FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl";

export interface ExternalAccessConfig {
    /** Accounts that count as inside (e.g. the organisation's other accounts). */
    trustedAccounts: string[];
}

function knownString(props: Record<string, any>, key: string): string | undefined {
    const p = peek(props, key);
    return p.known && typeof p.value === "string" && p.value !== "" ? p.value : undefined;
}

function accountsOfProvider(provider: { type: string; props: Record<string, any> } | undefined): string[] {
    if (!provider) return [];
    const p = peek(provider.props, "allowedAccountIds");
    if (!p.known) return [];
    let v: unknown = p.value;
    if (typeof v === "string") {
        try {
            v = JSON.parse(v);
        } catch {
            v = [v];
        }
    }
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/**
 * The resource's own account as its other inputs reveal it: 12-digit accounts in ARNs and SQS queue URLs of the
 * resource's props other than the policy itself (secretArn, topic arn, queueUrl, kmsKeyId, role ARNs...).
 */
function ownAccountsFromProps(props: Record<string, any>, policyField: string): string[] {
    const out = new Set<string>();
    const walk = (v: unknown, depth: number) => {
        if (depth > 4 || v === null || v === undefined) return;
        if (typeof v === "string") {
            if (isUnknown(v)) return;
            const m = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(v) ?? /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com\/(\d{12})\//.exec(v);
            if (m) out.add(m[1]);
            return;
        }
        if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
        else if (typeof v === "object")
            for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (k !== policyField && k !== "tags" && k !== "tagsAll") walk(x, depth + 1);
    };
    walk(toPlain(props), 0);
    return [...out];
}

export const resourcePolicyExternalAccess = resourceRule(
    {
        name: "resource-policy-external-access",
        description:
            "No resource policy (S3, SNS, SQS, Secrets Manager, ECR, KMS, CloudWatch Logs, model registry, Lambda) grants access to anyone outside the account: judged by principals and conditions together, as IAM Access Analyzer does.",
        severity: "critical",
        exemptable: false,
        frameworks: [
            "AWS FSBP S3.2",
            "AWS FSBP S3.3",
            "AWS FSBP SQS.3",
            "AWS FSBP Lambda.1",
            "AWS FSBP KMS.5",
            "AWS FSBP SNS.4",
            "Checkov CKV_AWS_70",
            "Checkov CKV_AWS_168",
            "Checkov CKV_AWS_258",
            "Checkov CKV_AWS_301",
            "NIST SP 800-53 AC-3",
        ],
        tags: ["security", "public-access", "iam"],
        remediationSteps:
            'Name the principals (role ARNs of this account or trusted accounts) instead of "*"; where a service or a wildcard principal is needed, add a positive condition that pins the caller: ' +
            "`StringEquals` on aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount or aws:SourceVpce (not StringNotEquals, not ...IfExists, not ForAllValues, no wildcard values). " +
            "Never use NotPrincipal with Allow. Give Lambda function URLs authorizationType AWS_IAM and Lambda permissions a sourceAccount/sourceArn.",
        configSchema: { properties: { trustedAccounts: { type: "array", items: { type: "string" }, default: [] } } },
    },
    [...Object.keys(EXTERNAL_ACCESS_TYPES), LAMBDA_PERMISSION, FUNCTION_URL],
    { trustedAccounts: [] } as ExternalAccessConfig,
    (type, props, cfg, args) => {
        const f: string[] = [];
        if (type === FUNCTION_URL) {
            if (props.authorizationType === "NONE") f.push("function URL with authorizationType NONE: anyone on the internet can invoke the function");
            return f;
        }
        if (type === LAMBDA_PERMISSION) {
            const principal = props.principal;
            const pinned =
                ["sourceAccount", "principalOrgId"].some((k) => !peek(props, k).known || knownString(props, k) !== undefined) ||
                (() => {
                    const arn = knownString(props, "sourceArn");
                    const p = peek(props, "sourceArn");
                    if (!p.known) return true;
                    return arn !== undefined && /^arn:[^:]+:[^:]+:[^:]*:\d{12}:/.test(arn);
                })();
            if (principal === "*" && !pinned)
                f.push(
                    'lambda permission grants principal "*" without sourceAccount, a sourceArn in an account, or principalOrgId: anyone can invoke the function',
                );
            else if (
                typeof principal === "string" &&
                /^\d{12}$|^arn:[^:]+:iam::\d{12}:/.test(principal) &&
                !cfg.trustedAccounts.some((a) => principal.includes(a))
            ) {
                const acct = /(\d{12})/.exec(principal)![1];
                const own = knownString(props, "function") ?? knownString(props, "functionName");
                if (!own || !own.includes(acct)) f.push(`lambda permission grants account ${acct}, which is not a trusted account`);
            }
            if (props.functionUrlAuthType === "NONE") f.push("lambda permission allows unauthenticated function URL access (functionUrlAuthType NONE)");
            return f;
        }
        const field = EXTERNAL_ACCESS_TYPES[type];
        const p = peek(props, field);
        if (!p.known) needKnown("string", [field]); // not evaluated (preview unknown or a secret in an export)
        const doc = p.value;
        if (doc === undefined || doc === null || doc === "" || isUnknown(doc)) return f;
        const parsed = parseCached(typeof doc === "string" ? doc : JSON.parse(JSON.stringify(doc)), [field]);
        const trusted = [...cfg.trustedAccounts, ...accountsOfProvider(args.provider), ...ownAccountsFromProps(props, field)];
        for (const e of externalAccess(parsed, { trustedAccounts: trusted, isKeyPolicy: type.startsWith("aws:kms/") })) {
            f.push(`${field} ${e.statement} lets ${e.who} outside the account do ${e.what}`);
        }
        return f;
    },
);
