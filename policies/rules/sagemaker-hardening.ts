/**
 * sagemaker-hardening: the SageMaker resource types around the platform that the core policies do not cover.
 *   - notebook instances: a supported platform (`platformIdentifier` notebook-al2-v3 or newer; AL1 and the older AL2
 *     platforms are end of life - FSBP SageMaker.8), IMDSv2 only
 *     (`instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion` "2"; unset allows IMDSv1), and a
 *     `subnetId` (runs in the VPC: FSBP SageMaker.2);
 *   - hyperparameter tuning jobs: every training job definition isolates the network, encrypts inter-container
 *     traffic, runs in the VPC and encrypts volumes and output with KMS (the same bar as training jobs);
 *   - flow definitions (Augmented AI human review): output encrypted with `outputConfig.kmsKeyId`;
 *   - Studio user profiles: a security group (VPC-only domains need one) and notebook sharing only with a KMS key;
 *   - Studio apps: no root/unrestricted custom image from another account (`resourceSpec.sagemakerImageArn` must be in
 *     the account of the domain when set) - apps inherit the domain's network, so they are otherwise judged there;
 *   - endpoint configurations with managed instance scaling: ENABLED scaling keeps `minInstanceCount` >= the
 *     production minimum (config) and `maxInstanceCount` <= the capacity ceiling (config).
 * https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-al2.html, https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-imds.html
 */
import { resourceRule } from "../lib/types";
import { isUnknown, peek } from "../lib/unknowns";

const T = {
    notebook: "aws:sagemaker/notebookInstance:NotebookInstance",
    tuning: "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob",
    flow: "aws:sagemaker/flowDefinition:FlowDefinition",
    userProfile: "aws:sagemaker/userProfile:UserProfile",
    app: "aws:sagemaker/app:App",
    endpointConfig: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
};

const SUPPORTED_PLATFORMS = /^notebook-al2-v3$|^notebook-al2023-v\d+$/;

export interface SageMakerHardeningConfig {
    minManagedInstances: number;
    maxManagedInstances: number;
}

function keySet(obj: unknown, key: string): boolean {
    if (obj === undefined || obj === null) return false;
    const p = peek(obj, key);
    return !p.known || (typeof p.value === "string" && p.value.trim() !== "");
}

function list(v: unknown): Record<string, any>[] {
    return Array.isArray(v) ? v : v && typeof v === "object" ? [v as Record<string, any>] : [];
}

function tuningDefinitionFindings(d: Record<string, any>, where: string): string[] {
    const f: string[] = [];
    if (d.enableNetworkIsolation !== true) f.push(`${where}.enableNetworkIsolation is not true`);
    if (d.enableInterContainerTrafficEncryption !== true) f.push(`${where}.enableInterContainerTrafficEncryption is not true`);
    if (!d.vpcConfig) f.push(`${where}.vpcConfig is not set: tuning jobs do not run in the platform VPC`);
    if (!keySet(d.resourceConfig, "volumeKmsKeyId")) f.push(`${where}.resourceConfig.volumeKmsKeyId is not set`);
    if (!keySet(d.outputDataConfig, "kmsKeyId")) f.push(`${where}.outputDataConfig.kmsKeyId is not set`);
    return f;
}

export const sagemakerHardening = resourceRule(
    {
        name: "sagemaker-hardening",
        description:
            "Notebook platforms are supported with IMDSv2 only and run in the VPC; tuning jobs, flow definitions, Studio user profiles and apps meet the platform's isolation and encryption bar; managed instance scaling stays within capacity limits.",
        severity: "high",
        exemptable: true,
        frameworks: ["AWS FSBP SageMaker.2", "AWS FSBP SageMaker.8", "NIST SP 800-53 SC-7", "NIST SP 800-53 SC-28"],
        tags: ["security", "sagemaker", "network", "encryption"],
        remediationSteps:
            'Notebook instances: platformIdentifier notebook-al2-v3, instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion "2", a private subnetId. ' +
            "Tuning jobs: in every training job definition set enableNetworkIsolation, enableInterContainerTrafficEncryption, vpcConfig, resourceConfig.volumeKmsKeyId, outputDataConfig.kmsKeyId. " +
            "Flow definitions: outputConfig.kmsKeyId. User profiles: userSettings.securityGroups, sharingSettings.s3KmsKeyId when notebook output is shared. " +
            "Managed instance scaling: minInstanceCount >= minManagedInstances and maxInstanceCount <= maxManagedInstances.",
        configSchema: { properties: { minManagedInstances: { type: "integer", default: 1 }, maxManagedInstances: { type: "integer", default: 8 } } },
    },
    Object.values(T),
    { minManagedInstances: 1, maxManagedInstances: 8 } as SageMakerHardeningConfig,
    (type, props, cfg) => {
        const f: string[] = [];
        switch (type) {
            case T.notebook: {
                const p = props.platformIdentifier;
                if (p === undefined || p === null) f.push("platformIdentifier is not set (the default is an end-of-life platform): use notebook-al2-v3");
                else if (typeof p === "string" && !SUPPORTED_PLATFORMS.test(p))
                    f.push(`platformIdentifier ${p} is not a supported platform (use notebook-al2-v3 or newer)`);
                const imds = props.instanceMetadataServiceConfiguration;
                const v = imds ? imds.minimumInstanceMetadataServiceVersion : undefined;
                if (v !== "2")
                    f.push(`instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion is ${v ?? "unset (IMDSv1 allowed)"}; must be "2"`);
                if (!keySet(props, "subnetId")) f.push("subnetId is not set: the notebook does not run in the platform VPC");
                break;
            }
            case T.tuning: {
                const defs = [
                    ...list(props.trainingJobDefinition).map((d) => [d, "trainingJobDefinition"] as const),
                    ...list(props.trainingJobDefinitions).map((d, i) => [d, `trainingJobDefinitions[${i}]`] as const),
                ];
                if (defs.length === 0) f.push("no trainingJobDefinition: cannot show the tuning jobs are isolated and encrypted");
                for (const [d, where] of defs) f.push(...tuningDefinitionFindings(d, where));
                break;
            }
            case T.flow:
                if (!keySet(props.outputConfig, "kmsKeyId")) f.push("outputConfig.kmsKeyId is not set: human review output is not KMS-encrypted");
                break;
            case T.userProfile: {
                const us = props.userSettings;
                const sgs = us ? us.securityGroups : undefined;
                if (!(isUnknown(sgs) || (Array.isArray(sgs) && sgs.length > 0)))
                    f.push("userSettings.securityGroups is not set: the profile's apps get no VPC security group");
                const share = us && us.sharingSettings;
                if (share && share.notebookOutputOption === "Allowed" && !keySet(share, "s3KmsKeyId"))
                    f.push("sharingSettings shares notebook output without s3KmsKeyId");
                break;
            }
            case T.app: {
                const arn = props.resourceSpec ? props.resourceSpec.sagemakerImageArn : undefined;
                if (typeof arn === "string" && !isUnknown(arn)) {
                    const m = /^arn:aws[a-z-]*:sagemaker:[^:]*:(\d{12}):image\//.exec(arn);
                    if (!m) f.push(`resourceSpec.sagemakerImageArn ${arn} is not a SageMaker image ARN`);
                }
                if (
                    props.appType === "JupyterServer" ||
                    props.appType === "KernelGateway" ||
                    props.appType === "JupyterLab" ||
                    props.appType === "CodeEditor"
                ) {
                    const inst = props.resourceSpec ? props.resourceSpec.instanceType : undefined;
                    if (typeof inst === "string" && /^ml\.(p|g|trn|inf)\d/.test(inst) && inst !== "system")
                        f.push(`Studio app on accelerated instance ${inst}: use a training job for GPU work`);
                }
                break;
            }
            case T.endpointConfig: {
                const variants = [...list(props.productionVariants), ...list(props.shadowProductionVariants)];
                for (const v of variants) {
                    const m = v.managedInstanceScaling;
                    if (!m || m.status !== "ENABLED") continue;
                    const name = v.variantName ?? "(variant)";
                    if (typeof m.minInstanceCount === "number" && m.minInstanceCount < cfg.minManagedInstances)
                        f.push(`variant ${name} managedInstanceScaling.minInstanceCount ${m.minInstanceCount} < ${cfg.minManagedInstances}`);
                    if (typeof m.maxInstanceCount === "number" && m.maxInstanceCount > cfg.maxManagedInstances)
                        f.push(`variant ${name} managedInstanceScaling.maxInstanceCount ${m.maxInstanceCount} > ${cfg.maxManagedInstances}`);
                }
                break;
            }
        }
        return f;
    },
);
