/**
 * encryption-at-rest-and-in-transit: KMS encryption for SageMaker data at rest, inter-container
 * traffic encryption for jobs, KMS on logs/topics/trails, key rotation, TLS-only bucket policies.
 * (Whether every bucket *has* SSE-KMS and a TLS policy is a stack question: see s3-encryption-and-tls.)
 */
import { withDefaults } from "../lib/config";
import { isDenyInsecureTransport, parsePolicyDocument } from "../lib/policyDocument";
import { reportFindings } from "../lib/report";
import { definePolicy, PlatformResourcePolicy } from "../lib/types";
import { hasNvmeInstanceStore } from "../lib/instanceTypes";
import { peek } from "../lib/unknowns";

function peekKnown(obj: unknown, key: string): unknown {
    const p = peek(obj, key);
    return p.known ? p.value : undefined;
}

function asList(v: unknown): Record<string, any>[] {
    return Array.isArray(v) ? (v as Record<string, any>[]) : [];
}

export const ENCRYPTION_TYPES = {
    endpointConfiguration: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    featureGroup: "aws:sagemaker/featureGroup:FeatureGroup",
    dataQualityJobDefinition: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    monitoringSchedule: "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    trainingJob: "aws:sagemaker/trainingJob:TrainingJob",
    notebookInstance: "aws:sagemaker/notebookInstance:NotebookInstance",
    domain: "aws:sagemaker/domain:Domain",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    topic: "aws:sns/topic:Topic",
    trail: "aws:cloudtrail/trail:Trail",
    kmsKey: "aws:kms/key:Key",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
} as const;

export interface EncryptionConfig {
    /** Require data capture (when configured) to use a KMS key. */
    requireDataCaptureKms: boolean;
    /** Require KMS on CloudWatch log groups. */
    requireLogGroupKms: boolean;
    /** Require every bucket policy to deny non-TLS requests. */
    requireTlsBucketPolicies: boolean;
}

export const ENCRYPTION_DEFAULTS: EncryptionConfig = {
    requireDataCaptureKms: true,
    requireLogGroupKms: true,
    requireTlsBucketPolicies: true,
};

const NAME = "encryption-at-rest-and-in-transit";

function present(v: unknown): boolean {
    return typeof v === "string" ? v.trim() !== "" : v !== undefined && v !== null;
}

/**
 * A KMS key input counts as set when it is a non-empty string OR unknown during preview (a key ARN
 * from a key created in the same deployment is always unknown at preview; presence is what we
 * check, and a computed value is present).
 */
function keySet(obj: unknown, key: string): boolean {
    const p = peek(obj, key);
    return !p.known || present(p.value);
}

/**
 * An AWS-managed key (`alias/aws/<service>` or its ARN form): encrypts, but its key policy cannot be restricted and
 * it cannot be shared or audited like a customer-managed key - the same standard s3-encryption-and-tls applies to
 * buckets (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key).
 */
export function isAwsManagedKey(v: unknown): boolean {
    return typeof v === "string" && /(^|:)alias\/aws\//.test(v);
}

/** A customer-managed KMS key is set (unknown during preview counts as set; `alias/aws/...` does not). */
function cmkSet(obj: unknown, key: string): boolean {
    const p = peek(obj, key);
    return !p.known || (present(p.value) && !isAwsManagedKey(p.value));
}

function isSymmetricKey(props: Record<string, any>): boolean {
    const spec = props.customerMasterKeySpec ?? props.keySpec;
    const usage = props.keyUsage;
    return (spec === undefined || spec === "SYMMETRIC_DEFAULT") && (usage === undefined || usage === "ENCRYPT_DECRYPT");
}

export function encryptionFindings(type: string, props: Record<string, any>, cfg: EncryptionConfig): string[] {
    const f: string[] = [];
    const T = ENCRYPTION_TYPES;
    switch (type) {
        case T.endpointConfiguration: {
            // SageMaker rejects kmsKeyArn when a variant runs on an instance type with NVMe instance storage (hardware-
            // encrypted), so the key is only required when every variant's type has an EBS volume.
            const variants = [...asList(peekKnown(props, "productionVariants")), ...asList(peekKnown(props, "shadowProductionVariants"))];
            const nvme = variants.some((v) => typeof v?.instanceType === "string" && hasNvmeInstanceStore(v.instanceType));
            // Serverless variants (serverlessConfig, no instance type) have no ML compute instance and so no storage
            // volume for KmsKeyId ("the storage volume attached to the ML compute instance that hosts the endpoint",
            // CreateEndpointConfig); an all-serverless configuration needs no key.
            const serverlessOnly =
                variants.length > 0 && variants.every((v) => v && typeof v === "object" && v.serverlessConfig && v.instanceType === undefined);
            if (!nvme && !serverlessOnly && !keySet(props, "kmsKeyArn")) {
                f.push("kmsKeyArn is not set: endpoint storage volumes are not encrypted with a customer-managed KMS key");
            }
            const dc = props.dataCaptureConfig;
            if (dc && cfg.requireDataCaptureKms && !keySet(dc, "kmsKeyId")) {
                f.push("dataCaptureConfig.kmsKeyId is not set: captured requests/responses are not KMS-encrypted");
            }
            const async = props.asyncInferenceConfig;
            if (async && async.outputConfig && !keySet(async.outputConfig, "kmsKeyId")) {
                f.push("asyncInferenceConfig.outputConfig.kmsKeyId is not set");
            }
            break;
        }
        case T.featureGroup: {
            const off = props.offlineStoreConfig;
            if (off && !keySet(off.s3StorageConfig, "kmsKeyId")) {
                f.push("offlineStoreConfig.s3StorageConfig.kmsKeyId is not set: offline store is not KMS-encrypted");
            }
            const on = props.onlineStoreConfig;
            if (on && !(on.securityConfig && keySet(on.securityConfig, "kmsKeyId"))) {
                f.push("onlineStoreConfig.securityConfig.kmsKeyId is not set: online store is not KMS-encrypted");
            }
            break;
        }
        case T.dataQualityJobDefinition: {
            if (!keySet(props.dataQualityJobOutputConfig, "kmsKeyId")) {
                f.push("dataQualityJobOutputConfig.kmsKeyId is not set: monitoring output is not KMS-encrypted");
            }
            if (!keySet(props.jobResources?.clusterConfig, "volumeKmsKeyId")) {
                f.push("jobResources.clusterConfig.volumeKmsKeyId is not set: processing volumes are not KMS-encrypted");
            }
            if (props.networkConfig?.enableInterContainerTrafficEncryption !== true) {
                f.push("networkConfig.enableInterContainerTrafficEncryption is not true");
            }
            break;
        }
        case T.monitoringSchedule: {
            const def = props.monitoringScheduleConfig?.monitoringJobDefinition;
            if (def) {
                if (!keySet(def.monitoringOutputConfig, "kmsKeyId")) {
                    f.push("monitoringJobDefinition.monitoringOutputConfig.kmsKeyId is not set");
                }
                if (!keySet(def.monitoringResources?.clusterConfig, "volumeKmsKeyId")) {
                    f.push("monitoringJobDefinition.monitoringResources.clusterConfig.volumeKmsKeyId is not set");
                }
                if (def.networkConfig?.enableInterContainerTrafficEncryption !== true) {
                    f.push("monitoringJobDefinition.networkConfig.enableInterContainerTrafficEncryption is not true");
                }
            }
            break;
        }
        case T.trainingJob: {
            if (!keySet(props.outputDataConfig, "kmsKeyId")) {
                f.push("outputDataConfig.kmsKeyId is not set: model artifacts are not KMS-encrypted");
            }
            if (!keySet(props.resourceConfig, "volumeKmsKeyId")) {
                f.push("resourceConfig.volumeKmsKeyId is not set: training volumes are not KMS-encrypted");
            }
            if (props.enableInterContainerTrafficEncryption !== true) {
                f.push("enableInterContainerTrafficEncryption is not true");
            }
            break;
        }
        case T.notebookInstance: {
            if (!keySet(props, "kmsKeyId")) {
                f.push("kmsKeyId is not set: notebook storage volume is not KMS-encrypted");
            }
            break;
        }
        case T.domain: {
            if (!keySet(props, "kmsKeyId")) {
                f.push("kmsKeyId is not set: the Studio domain's EFS home directories are not encrypted with a customer-managed key");
            }
            break;
        }
        case T.logGroup: {
            if (cfg.requireLogGroupKms && !cmkSet(props, "kmsKeyId")) {
                f.push("kmsKeyId is not set: log data is not encrypted with a customer-managed KMS key");
            }
            break;
        }
        case T.topic: {
            if (!keySet(props, "kmsMasterKeyId")) {
                f.push("kmsMasterKeyId is not set: SNS messages are not KMS-encrypted at rest");
            } else if (!cmkSet(props, "kmsMasterKeyId")) {
                f.push(`kmsMasterKeyId is the AWS-managed key ${props.kmsMasterKeyId}: use a customer-managed KMS key (as for S3)`);
            }
            break;
        }
        case T.trail: {
            if (!cmkSet(props, "kmsKeyId")) {
                f.push("kmsKeyId is not set: CloudTrail log files are not SSE-KMS encrypted");
            }
            break;
        }
        case T.kmsKey: {
            if (isSymmetricKey(props) && props.enableKeyRotation !== true) {
                f.push("enableKeyRotation is not true: symmetric customer-managed keys must rotate");
            }
            break;
        }
        case T.bucketPolicy: {
            if (cfg.requireTlsBucketPolicies) {
                const doc = parsePolicyDocument(props.policy, ["policy"]);
                f.push(...doc.errors);
                if (doc.errors.length === 0 && !doc.statements.some(isDenyInsecureTransport)) {
                    f.push('no statement denies non-TLS access (Effect "Deny", Action "s3:*", Condition Bool aws:SecureTransport = "false")');
                }
            }
            break;
        }
    }
    return f;
}

export const encryptionAtRestAndInTransit: PlatformResourcePolicy = definePolicy({
    kind: "resource",
    name: NAME,
    description:
        "SageMaker data, logs, topics and trails are KMS-encrypted at rest; jobs encrypt inter-container traffic; KMS keys rotate; bucket policies require TLS.",
    enforcementLevel: "advisory",
    exemptable: true,
    types: Object.values(ENCRYPTION_TYPES),
    severity: "high",
    frameworks: [
        "NIST SP 800-53 SC-28",
        "NIST SP 800-53 SC-8",
        "CIS AWS Foundations 3.0.0 3.5 (CloudTrail SSE-KMS)",
        "CIS AWS Foundations 3.0.0 3.6 (KMS rotation)",
        "AWS FSBP CloudTrail.2",
        "AWS FSBP KMS.4",
        "AWS FSBP SNS.1",
        "Checkov CKV_AWS_98",
        "Checkov CKV_AWS_22",
        "Checkov CKV_AWS_35",
        "Checkov CKV_AWS_7",
        "Checkov CKV_AWS_26",
        "Checkov CKV_AWS_158",
    ],
    tags: ["security", "encryption"],
    remediationSteps:
        "Pass the platform KMS key ARN to every encryption input named in the message (`kmsKeyArn`, `kmsKeyId`, `volumeKmsKeyId`, `kmsMasterKeyId`), " +
        "set `enableInterContainerTrafficEncryption: true` on jobs, `enableKeyRotation: true` on keys (the policy remediates this automatically at level `remediate`), " +
        "and add a Deny statement on `aws:SecureTransport = false` to bucket policies.",
    configSchema: {
        properties: {
            requireDataCaptureKms: { type: "boolean", default: true },
            requireLogGroupKms: { type: "boolean", default: true },
            requireTlsBucketPolicies: { type: "boolean", default: true },
        },
    },
    validateResource: (args, reportViolation) => {
        if (!Object.values(ENCRYPTION_TYPES).includes(args.type as never)) {
            return;
        }
        const cfg = withDefaults(args.getConfig, ENCRYPTION_DEFAULTS);
        reportFindings(NAME, reportViolation, args, encryptionFindings(args.type, args.props, cfg), false, args.getConfig);
    },
    // Safe automatic fix: turning on rotation never breaks decryption of existing data.
    remediateResource: (args) => {
        if (args.type !== ENCRYPTION_TYPES.kmsKey || !isSymmetricKey(args.props) || args.props.enableKeyRotation === true) {
            return undefined;
        }
        return { ...args.props, enableKeyRotation: true };
    },
});
