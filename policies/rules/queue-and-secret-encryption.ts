/**
 * queue-and-secret-encryption: SQS queues and Secrets Manager secrets are encrypted with a customer-managed KMS key,
 * the same standard as S3 buckets and SNS topics (an AWS-managed key - `alias/aws/sqs`, `alias/aws/secretsmanager`,
 * SSE-SQS - cannot be restricted by a key policy or shared deliberately).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
 */
import { resourceRule } from "../lib/types";
import { peek } from "../lib/unknowns";

const QUEUE = "aws:sqs/queue:Queue";
const SECRET = "aws:secretsmanager/secret:Secret";

function cmk(props: Record<string, any>, key: string): "cmk" | "aws-managed" | "none" {
    const p = peek(props, key);
    if (!p.known) return "cmk"; // a key created in the same deployment is unknown at preview
    const v = p.value;
    if (typeof v !== "string" || v.trim() === "") return "none";
    return /(^|:)alias\/aws\//.test(v) ? "aws-managed" : "cmk";
}

export const queueAndSecretEncryption = resourceRule(
    {
        name: "queue-and-secret-encryption",
        description: "SQS queues and Secrets Manager secrets are encrypted with a customer-managed KMS key (not SSE-SQS, not alias/aws/...).",
        severity: "high",
        exemptable: true,
        frameworks: ["AWS FSBP SQS.1", "Checkov CKV_AWS_27", "Checkov CKV_AWS_149", "NIST SP 800-53 SC-28"],
        tags: ["security", "encryption"],
        remediationSteps:
            "Set `kmsMasterKeyId` on aws.sqs.Queue and `kmsKeyId` on aws.secretsmanager.Secret to a customer-managed key of the platform (security component).",
    },
    [QUEUE, SECRET],
    {},
    (type, props) => {
        const field = type === QUEUE ? "kmsMasterKeyId" : "kmsKeyId";
        const k = cmk(props, field);
        if (k === "cmk") return [];
        if (k === "aws-managed") return [`${field} is the AWS-managed key ${props[field]}: use a customer-managed KMS key`];
        if (type === QUEUE && props.sqsManagedSseEnabled === true)
            return ["encrypted with SSE-SQS (sqsManagedSseEnabled) only: set kmsMasterKeyId to a customer-managed KMS key"];
        return [`${field} is not set: ${type === QUEUE ? "messages are" : "the secret is"} not encrypted with a customer-managed KMS key`];
    },
);
