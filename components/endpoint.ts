/**
 * ModelEndpoint: a real-time SageMaker endpoint with network-isolated models in the VPC — by default each an inference
 * pipeline that takes raw records (AWS's scikit-learn serving image running the preprocessing script, then the built-in
 * XGBoost image; docs/endpoint.md) — KMS-encrypted storage and
 * data capture, production variants with traffic weights (an A/B test is a change of weights), an optional shadow
 * variant, blue/green deployments (canary / linear / all-at-once) that roll back on alarms, and target-tracking
 * autoscaling per variant.
 * What it creates per stack: docs/components.md.
 *
 * Serverless variants (`serverless`, SageMaker Serverless Inference: ProductionVariant.ServerlessConfig) replace the
 * instance type and count by memory and concurrency. AWS excludes, for serverless endpoints, among others: VPC
 * configuration, network isolation, data capture, multiple production variants, inference pipelines, GPUs, Model Monitor
 * ("Feature exclusions", https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html). So a serverless
 * variant must be the endpoint's only variant (no shadow), serve the XGBoost container alone (`input: features`; a
 * `modelPackageArn` must then be a package registered without the preprocessing container, one container), with
 * capture off (`captureSamplingPercentage: 0`); its model has no VPC config and no network isolation, the endpoint
 * configuration no storage-volume KMS key (there is no instance volume) and no data capture, and it gets no Application
 * Auto Scaling target (SageMaker scales it, up to `maxConcurrency`). The stack config allows it in dev only.
 *
 * Updates: a change to any model or variant produces a new endpoint configuration (new auto-name); Pulumi creates it,
 * points the endpoint at it (SageMaker runs the blue/green deployment with the configured traffic routing and rolls back
 * if a rollback alarm fires), then deletes the old configuration. Variant names must stay the same across updates:
 * blue/green deployments, autoscaling targets and the alarms all key off them.
 *
 * Autoscaling caveat (AWS): UpdateEndpoint fails if it changes the instance type of, or removes, a variant that is an
 * Application Auto Scaling target (a model change is allowed). Do such a change in two deployments: first with
 * `autoscaling.enabled: false` (deregisters the targets and policies), then with the new instance type and autoscaling
 * enabled again. Pulumi cannot order this itself: the targets depend on the endpoint, so they are always updated after it.
 *
 * The program creates this component only when `endpoint.enabled` and every variant names its model (an approved
 * `modelPackageArn` or an uploaded `modelDataUrl`, infra/config.ts `endpointDeployable`): a new account has no model,
 * and CreateModel fails on a model data URL nobody has uploaded ("Could not find model data").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { preprocessContainerEnvironment } from "../lib/aws/preprocess";
import { SKLEARN_UNAVAILABLE, SKLEARN_VERSION } from "../lib/aws/images";
import { hasNvmeInstanceStore } from "./instance-types";
import {
    EndpointAutoscaling,
    EndpointDeployment,
    FieldProblem,
    scheduleProblems,
    serverlessConfigProblems,
    ServerlessVariantConfig,
} from "../contracts/endpoint-config";

// The shape is the contract's (contracts/endpoint-config.ts); re-exported for the component's users.
export * from "../contracts/endpoint-config";

/** The resource types this component can create (tests; docs/components.md shows them per stack). */
export const ENDPOINT_RESOURCE_TYPES: readonly string[] = [
    "aws:sagemaker/model:Model",
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    "aws:sagemaker/endpoint:Endpoint",
    "aws:appautoscaling/target:Target",
    "aws:appautoscaling/policy:Policy",
    "aws:appautoscaling/scheduledAction:ScheduledAction",
];

/** Built-in image used when a variant configures none. */
export const DEFAULT_IMAGE = { repositoryName: "sagemaker-xgboost", imageTag: "1.7-1" } as const;
/** AWS's prebuilt scikit-learn serving image: the preprocessing container of a raw-record endpoint. */
export const PREPROCESS_IMAGE = { repositoryName: "sagemaker-scikit-learn", imageTag: `${SKLEARN_VERSION}-cpu-py3` } as const;

/**
 * What the endpoint takes: `raw` (default) = the raw business record, through a two-container inference pipeline
 * that applies the persisted feature transform (the local endpoint's contract, docs/endpoint.md); `features` = the
 * encoded model features, the XGBoost container alone.
 */
export type EndpointInput = "raw" | "features";

/** Content types recorded as CSV / JSON by data capture (so captured payloads are stored as text, not base64). */
export const CAPTURE_CSV_CONTENT_TYPES = ["text/csv"];
export const CAPTURE_JSON_CONTENT_TYPES = ["application/json", "application/jsonlines"];

export interface EndpointVariantArgs {
    /** Variant name (letters, digits, hyphens). Keep it stable across model updates. */
    name: string;
    /** Provisioned variants: the instance type and count. Absent for a serverless variant. */
    instanceType?: string;
    initialInstanceCount?: number;
    /** Serverless Inference instead of instances (see the header: one variant, features input, no capture). */
    serverless?: ServerlessVariantConfig;
    /** Relative traffic weight (production variants); ignored for the shadow variant's share, see `shadowWeight`. */
    weight: number;
    /** S3 URI of model.tar.gz; defaults to `s3://<artifactsBucketName>/models/<variant>/model.tar.gz`. */
    modelDataUrl?: string;
    /**
     * A versioned, approved model package (the registry's): the model is created from the package (its image and model
     * data), instead of `image` / `modelDataUrl`. CreateModel fails unless the package is Approved.
     */
    modelPackageArn?: string;
    /** Container image URI; defaults to the region's built-in XGBoost 1.7-1 image. */
    image?: string;
    /**
     * Raw-record endpoints: S3 URI of the preprocessing archive (`sourcedir.tar.gz`: code/preprocess.py + transform.json,
     * lib/aws/preprocess.ts; the features and register steps store it at
     * `s3://<artifacts>/models/preprocess-<sha>/sourcedir.tar.gz`); defaults to
     * `s3://<artifactsBucketName>/models/<variant>/sourcedir.tar.gz`, next to the default model.
     */
    preprocessDataUrl?: string;
}

export interface ModelEndpointArgs {
    /** Resource name prefix (config `namePrefix`). */
    namePrefix: string;
    /** The endpoint's explicit name; defaults to `<namePrefix>-endpoint`. Alarms reference it before it exists. */
    endpointName?: string;
    /** Execution role of the hosted models (PlatformSecurity hosting role). */
    hostingRoleArn: pulumi.Input<string>;
    /** Private subnets the model containers attach to. */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The endpoint security group(s). */
    securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * KMS key for the ML storage volumes of the endpoint instances (endpoint config `kmsKeyArn`). Not applied when a
     * variant runs on NVMe instance storage (ml.g4dn, ml.g5, ml.*d...): SageMaker rejects the key there.
     */
    kmsKeyArn: pulumi.Input<string>;
    /** Bucket holding model artifacts (default model data URLs). */
    artifactsBucketName: pulumi.Input<string>;
    /** `raw` (default): every model is the two-container inference pipeline; `features`: the XGBoost container alone. */
    input?: EndpointInput;
    /**
     * Image of the preprocessing container (raw input); defaults to the region's `sagemaker-scikit-learn:1.2-1-cpu-py3`.
     * Required where AWS does not publish that image (`region` in lib/aws/images SKLEARN_UNAVAILABLE).
     */
    preprocessImage?: string;
    /** The stack's region: checked against the regions without the scikit-learn image (raw input, no preprocessImage). */
    region?: string;
    /** Production variants (config `endpoint.variants`). At least one with weight > 0. */
    variants: EndpointVariantArgs[];
    /** Optional shadow variant (config `endpoint.shadowVariant`): receives a copy of traffic, its responses are discarded. */
    shadowVariant?: EndpointVariantArgs;
    /** Data capture destination, e.g. `s3://<capture bucket>/datacapture`. */
    captureS3Uri: pulumi.Input<string>;
    /** Percentage (0-100) of requests captured (config `endpoint.captureSamplingPercentage`); 0 disables capture. */
    captureSamplingPercentage: number;
    /** KMS key for captured data; defaults to `kmsKeyArn`. */
    captureKmsKeyArn?: pulumi.Input<string>;
    /** Config `endpoint.autoscaling` (applied to provisioned variants only). */
    autoscaling: EndpointAutoscaling;
    /** Config `endpoint.deployment`. */
    deployment: EndpointDeployment;
    /** Alarm names that roll a deployment back (Observability `endpointAlarmNames`). Empty = no auto-rollback. */
    rollbackAlarmNames?: pulumi.Input<pulumi.Input<string>[]>;
    tags?: Record<string, string>;
}

/** The stack outputs describing the endpoint; all null when the stack disables it. */
export interface EndpointStackOutputs {
    endpointName: pulumi.Output<string> | null;
    endpointArn: pulumi.Output<string> | null;
    endpointConfigName: pulumi.Output<string> | null;
    variantNames: string[] | null;
    shadowVariantName: string | null;
}

/** Outputs to export when `endpoint.enabled` is false. */
export function disabledEndpointOutputs(): EndpointStackOutputs {
    return { endpointName: null, endpointArn: null, endpointConfigName: null, variantNames: null, shadowVariantName: null };
}

/** Outputs to export for an endpoint, or the disabled outputs when there is none. */
export function endpointStackOutputs(endpoint: ModelEndpoint | undefined): EndpointStackOutputs {
    if (!endpoint) return disabledEndpointOutputs();
    return {
        endpointName: endpoint.endpointName,
        endpointArn: endpoint.endpointArn,
        endpointConfigName: endpoint.endpointConfigName,
        variantNames: endpoint.variantNames,
        shadowVariantName: endpoint.shadowVariantName ?? null,
    };
}

const VARIANT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Traffic routing of the blue/green update policy for a deployment strategy. */
export function trafficRouting(d: EndpointDeployment): aws.types.input.sagemaker.EndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfiguration {
    switch (d.strategy) {
        case "canary":
            return { type: "CANARY", canarySize: { type: "CAPACITY_PERCENT", value: d.stepPercent }, waitIntervalInSeconds: d.waitIntervalSeconds };
        case "linear":
            return { type: "LINEAR", linearStepSize: { type: "CAPACITY_PERCENT", value: d.stepPercent }, waitIntervalInSeconds: d.waitIntervalSeconds };
        case "all-at-once":
            return { type: "ALL_AT_ONCE", waitIntervalInSeconds: d.waitIntervalSeconds };
    }
}

const fmtProblem = (p: FieldProblem) => `${p.field} ${JSON.stringify(p.value)}: expected ${p.expected}`;

/**
 * The endpoint features Serverless Inference excludes that this endpoint would use with a serverless variant ("Feature
 * exclusions", https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html); empty when none is serverless.
 */
export function serverlessExclusionProblems(args: Pick<ModelEndpointArgs, "variants" | "shadowVariant" | "input" | "captureSamplingPercentage">): string[] {
    const all = [...args.variants, ...(args.shadowVariant ? [args.shadowVariant] : [])];
    const sl = all.filter((v) => v.serverless);
    if (sl.length === 0) return [];
    const names = sl.map((v) => v.name).join(", ");
    const out: string[] = [];
    if (all.length > 1)
        out.push(
            `serverless variant ${names}: Serverless Inference supports one production variant per endpoint (this endpoint has ${all.length}, shadow included): remove the others or make the variant provisioned`,
        );
    if ((args.input ?? "raw") === "raw")
        out.push(
            `serverless variant ${names}: Serverless Inference runs no inference pipeline, and input raw is the two-container preprocessing pipeline: set input features (callers send encoded features) or make the variant provisioned`,
        );
    if (args.captureSamplingPercentage > 0)
        out.push(
            `serverless variant ${names}: Serverless Inference has no data capture: set captureSamplingPercentage 0 (drift monitoring then has no captured data) or make the variant provisioned`,
        );
    return out;
}

function validate(args: ModelEndpointArgs): void {
    const problems: string[] = [];
    if (args.variants.length === 0) problems.push("at least one production variant is required");
    const names = [...args.variants.map((v) => v.name), ...(args.shadowVariant ? [args.shadowVariant.name] : [])];
    for (const n of names) if (!VARIANT_NAME.test(n)) problems.push(`variant name ${JSON.stringify(n)} must be letters, digits and hyphens (max 63)`);
    if (new Set(names).size !== names.length) problems.push(`variant names must be unique (shadow included): ${names.join(", ")}`);
    if (args.variants.length > 0 && !args.variants.some((v) => v.weight > 0)) problems.push("at least one production variant needs a weight > 0");
    for (const v of [...args.variants, ...(args.shadowVariant ? [args.shadowVariant] : [])]) {
        if (v.weight < 0) problems.push(`variant ${v.name}: weight must be >= 0`);
        if (v.serverless) {
            problems.push(...serverlessConfigProblems(v.serverless).map((p) => `variant ${v.name}: serverless.${fmtProblem(p)}`));
            if (v.instanceType !== undefined || v.initialInstanceCount !== undefined)
                problems.push(`variant ${v.name}: serverless variants take no instanceType / initialInstanceCount (remove them, or remove serverless)`);
        } else {
            if (!v.instanceType) problems.push(`variant ${v.name}: instanceType is required for a provisioned variant (or give it a serverless config)`);
            if (!Number.isInteger(v.initialInstanceCount) || (v.initialInstanceCount ?? 0) < 1)
                problems.push(`variant ${v.name}: initialInstanceCount must be an integer >= 1`);
        }
    }
    problems.push(...serverlessExclusionProblems(args));
    if (args.autoscaling.schedule)
        problems.push(...scheduleProblems(args.autoscaling.schedule, args.autoscaling).map((p) => `autoscaling.schedule.${fmtProblem(p)}`));
    const s = args.captureSamplingPercentage;
    if (!Number.isInteger(s) || s < 0 || s > 100) problems.push(`captureSamplingPercentage ${s} must be an integer 0-100`);
    const a = args.autoscaling;
    if (a.minCapacity < 1 || a.maxCapacity < a.minCapacity)
        problems.push(`autoscaling capacity must satisfy 1 <= min (${a.minCapacity}) <= max (${a.maxCapacity})`);
    if (a.targetInvocationsPerInstance <= 0) problems.push("autoscaling.targetInvocationsPerInstance must be > 0");
    if (args.deployment.strategy !== "all-at-once" && (args.deployment.stepPercent < 1 || args.deployment.stepPercent > 100)) {
        problems.push(`deployment.stepPercent ${args.deployment.stepPercent} must be 1-100`);
    }
    const input = args.input ?? "raw";
    if (input !== "raw" && input !== "features") problems.push(`input ${JSON.stringify(input)} must be "raw" or "features"`);
    const ownModels = [...args.variants, ...(args.shadowVariant ? [args.shadowVariant] : [])].some((v) => !v.modelPackageArn);
    if (input === "raw" && ownModels && !args.preprocessImage && args.region && SKLEARN_UNAVAILABLE.has(args.region)) {
        problems.push(
            `AWS does not publish the scikit-learn serving image (${PREPROCESS_IMAGE.repositoryName}) in ${args.region}, which a raw-record endpoint's preprocessing container runs: ` +
                `set mlplatform:endpoint.preprocessImage to a scikit-learn serving image URI you can pull there (built from aws/sagemaker-scikit-learn-container, in your ECR), ` +
                `or mlplatform:endpoint.input: features (callers then send the encoded model features)`,
        );
    }
    if (problems.length > 0) throw new Error(`ModelEndpoint: ${problems.join("; ")}`);
}

export class ModelEndpoint extends pulumi.ComponentResource {
    public readonly models: Record<string, aws.sagemaker.Model>;
    public readonly endpointConfiguration: aws.sagemaker.EndpointConfiguration;
    public readonly endpoint: aws.sagemaker.Endpoint;
    public readonly endpointName: pulumi.Output<string>;
    public readonly endpointArn: pulumi.Output<string>;
    public readonly endpointConfigName: pulumi.Output<string>;
    /** Production variant names, in order. */
    public readonly variantNames: string[];
    public readonly shadowVariantName?: string;
    /** What the endpoint's models take: raw records (inference pipeline) or encoded features. */
    public readonly input: EndpointInput;
    /** False when a variant uses NVMe instance storage, for which SageMaker accepts no storage-volume KMS key. */
    public readonly storageKmsKeyApplied: boolean;
    public readonly scalableTargets: aws.appautoscaling.Target[];
    public readonly scalingPolicies: aws.appautoscaling.Policy[];
    /** Scheduled scale-down / scale-up actions (config `endpoint.autoscaling.schedule`), two per provisioned variant. */
    public readonly scheduledActions: aws.appautoscaling.ScheduledAction[];
    /** Names of the serverless variants (no instances, no autoscaling target). */
    public readonly serverlessVariantNames: string[];

    constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.ModelEndpoint, name, {}, withPreviousTypes("ModelEndpoint", opts));
        validate(args);
        const endpointName = args.endpointName ?? `${args.namePrefix}-endpoint`;
        this.variantNames = args.variants.map((v) => v.name);
        this.shadowVariantName = args.shadowVariant?.name;

        const needsDefaultImage = [...args.variants, ...(args.shadowVariant ? [args.shadowVariant] : [])].some((v) => !v.image && !v.modelPackageArn);
        const defaultImage = needsDefaultImage
            ? aws.sagemaker.getPrebuiltEcrImageOutput({ repositoryName: DEFAULT_IMAGE.repositoryName, imageTag: DEFAULT_IMAGE.imageTag }, { parent: this })
                  .registryPath
            : undefined;

        const raw = (args.input ?? "raw") === "raw";
        const allVariants = [...args.variants, ...(args.shadowVariant ? [args.shadowVariant] : [])];
        const needsPreprocessImage = raw && !args.preprocessImage && allVariants.some((v) => !v.modelPackageArn);
        const preprocessImage = needsPreprocessImage
            ? aws.sagemaker.getPrebuiltEcrImageOutput({ ...PREPROCESS_IMAGE }, { parent: this }).registryPath
            : args.preprocessImage;
        this.input = raw ? "raw" : "features";

        const model = (v: EndpointVariantArgs, role: "variant" | "shadow") => {
            const xgboost = {
                image: v.image ?? defaultImage!,
                modelDataUrl: v.modelDataUrl ?? pulumi.interpolate`s3://${args.artifactsBucketName}/models/${v.name}/model.tar.gz`,
                mode: "SingleModel",
            };
            // Inference pipeline ("Inference pipelines in Amazon SageMaker AI"): the first container gets the request, its
            // answer (the model features, text/csv) is the second's request. The archive is the first container's model
            // data, so SageMaker fetches it with the hosting role: network isolation leaves the container no way to S3.
            // A registered model package carries its own containers (the register step stores the same two-container
            // pipeline in InferenceSpecification.Containers), so a model from a package is created from the package alone
            // (CreateModel PrimaryContainer.ModelPackageName, as the SageMaker Python SDK's ModelPackage does).
            const pipeline = v.modelPackageArn
                ? { primaryContainer: { modelPackageName: v.modelPackageArn, mode: "SingleModel" } }
                : raw
                  ? {
                        containers: [
                            {
                                image: preprocessImage!,
                                modelDataUrl: v.preprocessDataUrl ?? pulumi.interpolate`s3://${args.artifactsBucketName}/models/${v.name}/sourcedir.tar.gz`,
                                environment: preprocessContainerEnvironment(),
                                mode: "SingleModel",
                            },
                            xgboost,
                        ],
                        inferenceExecutionConfig: { mode: "Serial" },
                    }
                  : { primaryContainer: xgboost };
            return new aws.sagemaker.Model(
                `${name}-${role}-${v.name}`,
                {
                    executionRoleArn: args.hostingRoleArn,
                    ...pipeline,
                    // No outbound network from the container; it reaches nothing but what SageMaker mounts for it.
                    // Serverless Inference supports neither network isolation nor a VPC config (header).
                    ...(v.serverless ? {} : { enableNetworkIsolation: true, vpcConfig: { subnets: args.subnetIds, securityGroupIds: args.securityGroupIds } }),
                    tags: args.tags,
                },
                { parent: this },
            );
        };
        this.models = Object.fromEntries(args.variants.map((v) => [v.name, model(v, "variant")]));
        const shadowModel = args.shadowVariant ? model(args.shadowVariant, "shadow") : undefined;
        if (args.shadowVariant && shadowModel) this.models[args.shadowVariant.name] = shadowModel;

        const variant = (v: EndpointVariantArgs, m: aws.sagemaker.Model) => ({
            variantName: v.name,
            modelName: m.name,
            ...(v.serverless
                ? {
                      serverlessConfig: {
                          memorySizeInMb: v.serverless.memorySizeInMb,
                          maxConcurrency: v.serverless.maxConcurrency,
                          provisionedConcurrency: v.serverless.provisionedConcurrency,
                      },
                  }
                : { instanceType: v.instanceType, initialInstanceCount: v.initialInstanceCount }),
            initialVariantWeight: v.weight,
        });
        const serverless = allVariants.some((v) => v.serverless);
        this.serverlessVariantNames = allVariants.filter((v) => v.serverless).map((v) => v.name);
        if (serverless) {
            pulumi.log.warn(
                `ModelEndpoint ${name}: serverless variant ${this.serverlessVariantNames.join(", ")} runs outside the VPC without network isolation and without data capture ` +
                    `(Serverless Inference excludes them): drift monitoring has no captured data, and the first request after an idle period waits for a cold start`,
                this,
            );
        }

        // SageMaker rejects a storage-volume KMS key when any variant runs on NVMe instance storage (those volumes are
        // hardware-encrypted by the instance); captured data stays KMS-encrypted either way.
        const nvme = allVariants.filter((v) => v.instanceType && hasNvmeInstanceStore(v.instanceType));
        // A serverless endpoint has no instance storage volume for the key to encrypt (KmsKeyId: "the storage volume
        // attached to the ML compute instance"), so none is set.
        this.storageKmsKeyApplied = nvme.length === 0 && !serverless;
        if (nvme.length > 0) {
            pulumi.log.info(
                `ModelEndpoint ${name}: no storage-volume KMS key (variants ${nvme.map((v) => `${v.name}=${v.instanceType}`).join(", ")} use NVMe instance storage, encrypted by the hardware)`,
                this,
            );
        }

        // No explicit name: Pulumi auto-names it, so any change creates a new configuration (they are immutable in
        // SageMaker) and the endpoint is updated to it.
        this.endpointConfiguration = new aws.sagemaker.EndpointConfiguration(
            `${name}-config`,
            {
                kmsKeyArn: this.storageKmsKeyApplied ? args.kmsKeyArn : undefined,
                productionVariants: args.variants.map((v) => variant(v, this.models[v.name])),
                shadowProductionVariants: args.shadowVariant && shadowModel ? [variant(args.shadowVariant, shadowModel)] : undefined,
                // Serverless Inference has no data capture: no config at all (validate() requires sampling 0 there).
                dataCaptureConfig: serverless
                    ? undefined
                    : {
                          enableCapture: args.captureSamplingPercentage > 0,
                          initialSamplingPercentage: args.captureSamplingPercentage,
                          destinationS3Uri: args.captureS3Uri,
                          kmsKeyId: args.captureKmsKeyArn ?? args.kmsKeyArn,
                          captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
                          captureContentTypeHeader: { csvContentTypes: CAPTURE_CSV_CONTENT_TYPES, jsonContentTypes: CAPTURE_JSON_CONTENT_TYPES },
                      },
                tags: args.tags,
            },
            { parent: this },
        );

        const rollbackAlarms = pulumi.output(args.rollbackAlarmNames ?? []).apply((ns) => ns.map((alarmName) => ({ alarmName })));
        this.endpoint = new aws.sagemaker.Endpoint(
            `${name}-endpoint`,
            {
                name: endpointName,
                endpointConfigName: this.endpointConfiguration.name,
                deploymentConfig: {
                    blueGreenUpdatePolicy: {
                        trafficRoutingConfiguration: trafficRouting(args.deployment),
                        terminationWaitInSeconds: args.deployment.terminationWaitSeconds,
                    },
                    autoRollbackConfiguration: rollbackAlarms.apply((alarms) => (alarms.length > 0 ? { alarms } : undefined)) as pulumi.Output<
                        aws.types.input.sagemaker.EndpointDeploymentConfigAutoRollbackConfiguration | undefined
                    >,
                },
                tags: args.tags,
            },
            { parent: this },
        );
        this.endpointName = this.endpoint.name;
        this.endpointArn = this.endpoint.arn;
        this.endpointConfigName = this.endpointConfiguration.name;

        // Autoscaling of each provisioned production variant on invocations per instance (the shadow variant is sized by
        // its initial instance count; SageMaker scales a serverless variant itself, up to its maxConcurrency).
        this.scalableTargets = [];
        this.scalingPolicies = [];
        this.scheduledActions = [];
        for (const v of args.autoscaling.enabled === false ? [] : args.variants.filter((x) => !x.serverless)) {
            const target = new aws.appautoscaling.Target(
                `${name}-scaling-${v.name}`,
                {
                    serviceNamespace: "sagemaker",
                    scalableDimension: "sagemaker:variant:DesiredInstanceCount",
                    resourceId: pulumi.interpolate`endpoint/${this.endpoint.name}/variant/${v.name}`,
                    minCapacity: args.autoscaling.minCapacity,
                    maxCapacity: Math.max(args.autoscaling.maxCapacity, args.autoscaling.minCapacity),
                    tags: args.tags,
                },
                { parent: this },
            );
            const policy = new aws.appautoscaling.Policy(
                `${name}-scaling-policy-${v.name}`,
                {
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
                        targetValue: args.autoscaling.targetInvocationsPerInstance,
                        scaleInCooldown: args.autoscaling.scaleInCooldownSeconds,
                        scaleOutCooldown: args.autoscaling.scaleOutCooldownSeconds,
                    },
                },
                { parent: this },
            );
            this.scalableTargets.push(target);
            this.scalingPolicies.push(policy);
            const sch = args.autoscaling.schedule;
            if (sch) {
                // Scheduled scaling changes the target's min/max at the given times; target tracking keeps working inside
                // the new bounds. Both actions are needed: a scale-down alone would hold the off-hours bounds forever.
                const actions: [string, string, number, number][] = [
                    ["scale-down", sch.scaleDownCron, sch.minOutsideHours, sch.maxOutsideHours],
                    ["scale-up", sch.scaleUpCron, args.autoscaling.minCapacity, Math.max(args.autoscaling.maxCapacity, args.autoscaling.minCapacity)],
                ];
                for (const [what, cron, min, max] of actions) {
                    this.scheduledActions.push(
                        new aws.appautoscaling.ScheduledAction(
                            `${name}-${what}-${v.name}`,
                            {
                                name: `${endpointName}-${v.name}-${what}`,
                                serviceNamespace: target.serviceNamespace,
                                scalableDimension: target.scalableDimension,
                                resourceId: target.resourceId,
                                schedule: cron,
                                timezone: sch.timezone,
                                scalableTargetAction: { minCapacity: min, maxCapacity: max },
                            },
                            { parent: this },
                        ),
                    );
                }
            }
        }

        this.registerOutputs({
            endpointName: this.endpointName,
            endpointArn: this.endpointArn,
            endpointConfigName: this.endpointConfigName,
            variantNames: this.variantNames,
            shadowVariantName: this.shadowVariantName,
        });
    }
}
