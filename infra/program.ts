/**
 * The platform program: composes one component per concern, in dependency order, from the validated stack config,
 * and returns the stack outputs contract (contracts/stack-outputs.ts).
 *
 *   random suffix ─► PlatformSecurity (roles, keys) ─► PlatformNetwork (VPC, endpoints, flow logs)
 *        │                         │                        │
 *        └──────► DataLake (buckets, TLS/KMS/VPCE policies) ◄┘ ── grants to the activity roles
 *   Alerts (SNS) ─► FeatureStore, ModelRegistry, Observability (logs, dashboard, alarms) ─► ModelEndpoint
 *   ─► ModelMonitorSchedule (optional) ─► AuditTrail (CloudTrail, security rules, retraining route) ─► CostGuardrails
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Alerts } from "../components/alerts";
import { AuditTrail } from "../components/audit";
import { CiReadOnlyRole } from "../components/ci-access";
import { CostGuardrails } from "../components/budget";
import { DataLake, platformBucketArns } from "../components/datalake";
import { configRecorderRole, DetectiveControls } from "../components/detective";
import { ModelEndpoint } from "../components/endpoint";
import { ADULT_CENSUS_SCHEMA } from "../components/feature-schema";
import { FeatureStore } from "../components/featurestore";
import { grantLifecycleOperator } from "../components/lifecycle-grants";
import { ModelMonitorSchedule } from "../components/monitor-schedule";
import { InterfaceEndpointService, PlatformNetwork, SAGEMAKER_INTERFACE_ENDPOINT_SERVICES } from "../components/network";
import { Observability, ObservedVariant } from "../components/observability";
import { hostingHourlyPrice, serverlessRates } from "../policies/lib/cost";
import { ModelRegistry } from "../components/model-registry";
import { PlatformSecurity } from "../components/security";
import { ServerlessMonitor } from "../components/serverless-monitor";
import { DistributedMonitor } from "../components/distributed-monitor";
import { tagTransformation } from "../components/tagging";
import { ConfigError, endpointDeployable, PlatformConfig } from "./config";
import { BUCKET_PURPOSES, BucketPurpose } from "../contracts/stack-outputs";
import { loadPlatformConfig } from "./stack-config";

/** Features whose drift the Model Monitor schedule alarms on (numeric features of the Adult schema). */
const DRIFT_FEATURES = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"];

export function createPlatform(cfg: PlatformConfig = loadPlatformConfig()): Record<string, pulumi.Input<unknown>> {
    const p = cfg.namePrefix;

    // Tagging: provider default tags + a stack transformation that writes the tags into every taggable resource.
    pulumi.runtime.registerStackTransformation(tagTransformation(cfg.tags));
    const provider = new aws.Provider("platform", { region: cfg.region as aws.Region, defaultTags: { tags: cfg.tags } });
    const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };

    const suffix = new random.RandomId("bucket-suffix", { byteLength: 4, keepers: { prefix: p } }).hex;

    // AWS Config's recorder role exists before the logs key and the audit bucket, whose policies name it.
    const det = cfg.detective;
    const recorderRole = det.enabled && det.createRecorder ? configRecorderRole("config-recorder", p, cfg.tags, { provider }) : undefined;

    // The SageMaker endpoint exists only once every variant names its model (an approved package or an uploaded
    // artifact): a new account has none, and CreateModel fails on a model nobody has uploaded. Until then the stack
    // declares the endpoint (outputs, capture location) and creates no endpoint, alarms or monitors for it.
    const endpointOn = endpointDeployable(cfg);
    if (cfg.endpoint.enabled && !endpointOn) {
        pulumi.log.warn(
            `endpoint ${p}-endpoint: no model named yet, so the stack creates no SageMaker endpoint. After the lifecycle has registered ` +
                `and approved a model, set mlplatform:endpoint.variants[].modelPackageArn (arn:aws:sagemaker:${cfg.region}:<account>:model-package/${p}-models/<version>) ` +
                `or modelDataUrl (s3://<artifacts bucket>/models/.../model.tar.gz${cfg.endpoint.input === "raw" ? ", with preprocessDataUrl: the features step's models/preprocess-<sha>/sourcedir.tar.gz" : ""}) ` +
                `in Pulumi.${cfg.stack}.yaml and run pulumi up again (docs/deploy.md).`,
        );
    }
    // CI: pull-request previews and nightly drift checks run with a read-only role (.github/workflows, docs/ci.md).
    const ciReadOnly = new CiReadOnlyRole(
        "ci-readonly",
        {
            namePrefix: p,
            ciOidcSubject: cfg.security.ciOidcSubject,
            subjects: cfg.security.ciReadOnlyOidcSubjects,
            ciOidcProviderArn: cfg.security.ciOidcProviderArn,
            stateBucketName: cfg.security.ciStateBucket,
            secretsKmsKeyArn: cfg.security.ciSecretsKmsKeyArn,
            tags: cfg.tags,
        },
        opts,
    );

    // The serverless monitor's role is created with the keys, so that their policies can name it.
    // The distributed monitor, when enabled, replaces the single Lambda (one monitor writes an endpoint's reports).
    const distributedMonitorOn = cfg.monitoring.distributed.enabled && endpointOn;
    const serverlessMonitorOn = cfg.monitoring.serverlessMonitor && endpointOn && !distributedMonitorOn;
    const security = new PlatformSecurity(
        "security",
        {
            namePrefix: p,
            environment: cfg.environment,
            adminRoleArns: cfg.security.adminRoleArns,
            auditorRoleArns: cfg.security.auditorRoleArns,
            breakGlassRoleArns: cfg.security.breakGlassRoleArns,
            trailName: `${p}-trail`,
            keyDeletionWindowDays: cfg.security.keyDeletionWindowDays,
            ciOidcProviderArn: cfg.security.ciOidcProviderArn,
            ciOidcSubject: cfg.security.ciOidcSubject,
            serverlessMonitor: serverlessMonitorOn,
            distributedMonitor: distributedMonitorOn,
            extraKeyUsers: recorderRole ? { logs: [recorderRole.arn] } : undefined,
            keyConfigurationReaders: [ciReadOnly.arn],
        },
        opts,
    );

    const unknownEndpoints = cfg.network.interfaceEndpoints.filter((s) => !(SAGEMAKER_INTERFACE_ENDPOINT_SERVICES as readonly string[]).includes(s));
    if (unknownEndpoints.length > 0) {
        throw new ConfigError([
            `mlplatform:network.interfaceEndpoints = ${JSON.stringify(unknownEndpoints)}: expected names out of ${SAGEMAKER_INTERFACE_ENDPOINT_SERVICES.join(", ")}`,
        ]);
    }
    const network = new PlatformNetwork(
        "network",
        {
            region: cfg.region,
            cidrBlock: cfg.network.cidrBlock,
            availabilityZones: cfg.network.availabilityZones,
            allowInternetEgress: cfg.network.allowInternetEgress,
            interfaceEndpointServices: cfg.network.interfaceEndpoints.length > 0 ? (cfg.network.interfaceEndpoints as InterfaceEndpointService[]) : undefined,
            interfaceEndpointAzs: cfg.network.interfaceEndpointAzs,
            platformBucketArns: platformBucketArns(p, suffix),
            flowLogKmsKeyArn: security.keys.logs.arn,
            flowLogRetentionDays: cfg.network.flowLogRetentionDays,
            accountId: security.accountId,
            tags: cfg.tags,
        },
        opts,
    );
    const jobNet = { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, securityGroupIds: [network.jobSecurityGroupId] };
    security.grantVpcAccess(["processing", "training", "monitoring", "pipeline"], jobNet);
    // Model endpoints run with the jobs' security group (HTTPS to the VPC endpoints and S3 only); the network's
    // `vpcEndpointSecurityGroupId` belongs to the interface VPC endpoints themselves.
    security.grantVpcAccess(["hosting"], jobNet);
    security.grantJobControl(security.grantee("pipeline"), jobNet, ["processing", "training", "monitoring"]);

    const lake = new DataLake(
        "datalake",
        {
            namePrefix: p,
            suffix,
            region: cfg.region,
            accountId: security.accountId,
            kmsKeyArn: security.keys.data.arn,
            auditKmsKeyArn: security.keys.logs.arn,
            // Models are encrypted with the artifacts key and monitoring reports with the logs key, as the jobs write them.
            bucketKmsKeyArns: { artifacts: security.keys.artifacts.arn, monitoring: security.keys.logs.arn },
            captureExpirationDays: cfg.dataLake.captureExpirationDays,
            noncurrentVersionExpirationDays: cfg.dataLake.noncurrentVersionExpirationDays,
            rawTransitionToIaDays: cfg.dataLake.rawTransitionToIaDays,
            forceDestroy: cfg.dataLake.forceDestroy,
            retainOnDelete: cfg.dataLake.retainOnDelete,
            restrictToVpcEndpointId: cfg.dataLake.restrictToVpcEndpoint ? network.s3GatewayEndpointId : undefined,
            adminRoleArns: [...cfg.security.adminRoleArns, ...cfg.security.breakGlassRoleArns],
            // CI deploys from outside the VPC; Feature Store writes the offline store from the service's own network.
            // AWS Config delivers snapshots with its recorder role, from the service's network.
            // The distributed monitor's state machine reads its plan (the Distributed Map's ItemReader) from Step Functions'
            // network; its own policy allows only GetObject under partials/<endpoint>/.
            vpcEndpointExemptRoleArns: [
                security.roles.ciDeploy.arn,
                security.roles.featureStore.arn,
                ...(recorderRole ? [recorderRole.arn] : []),
                ...(security.distributedMonitorRoles ? [security.distributedMonitorRoles.stateMachine.arn] : []),
            ],
            trailName: `${p}-trail`,
            tags: cfg.tags,
        },
        opts,
    );
    // Who may touch which bucket, and where (grant-style: the bucket component writes the policy).
    const b = lake.buckets;
    const g = (a: Parameters<PlatformSecurity["grantee"]>[0]) => security.grantee(a);
    b.raw.grantRead(g("processing"));
    b.raw.grantReadWrite(g("pipeline"));
    b.curated.grantReadWrite(g("processing"));
    b.curated.grantRead(g("training"));
    b.curated.grantReadWrite(g("pipeline"));
    b.artifacts.grantReadWrite(g("training"), "models/");
    b.artifacts.grantRead(g("training"), "features/");
    b.artifacts.grantReadWrite(g("processing"), "features/");
    // The prepare processing job reads its script from artifacts/code/ (lib/aws/permissions.ts, access contract).
    b.artifacts.grantRead(g("processing"), "code/");
    // Model data only: model.tar.gz and the preprocessing archives (models/preprocess-<sha>/sourcedir.tar.gz) live under models/.
    b.artifacts.grantRead(g("hosting"), "models/");
    b.artifacts.grantReadWrite(g("pipeline"));
    b.artifacts.grantRead(g("ciDeploy"), "models/");
    b.capture.grantWrite(g("hosting"));
    // Batch transform jobs run as the model's execution role (hosting): test scoring and batch-infer read
    // curated/batch-transform/input/ and write curated/evaluation/ and curated/batch-transform/output/.
    b.curated.grantRead(g("hosting"), "batch-transform/input/");
    b.curated.grantWrite(g("hosting"), "batch-transform/output/");
    b.curated.grantWrite(g("hosting"), "evaluation/");
    b.capture.grantRead(g("monitoring"));
    b.monitoring.grantReadWrite(g("monitoring"));
    // The evaluate and monitor steps write baselines, ground truth and reports; monitor reads the capture.
    b.monitoring.grantReadWrite(g("pipeline"));
    b.capture.grantRead(g("pipeline"));

    const alerts = new Alerts("alerts", { namePrefix: p, kmsKeyArn: security.keys.logs.arn, emails: cfg.alarms.emails, tags: cfg.tags }, opts);

    const featureStore = new FeatureStore(
        "featurestore",
        {
            namePrefix: p,
            region: cfg.region,
            accountId: security.accountId,
            schemas: [ADULT_CENSUS_SCHEMA],
            curatedBucket: b.curated,
            offlineStoreKmsKeyArn: security.keys.data.arn,
            enableOnlineStore: cfg.featureStore.enableOnlineStore,
            onlineStoreKmsKeyArn: security.keys.data.arn,
            role: g("featureStore"),
            tags: cfg.tags,
        },
        opts,
    );

    const registry = new ModelRegistry(
        "registry",
        { namePrefix: p, notificationTopicArn: alerts.topicArn, accountId: security.accountId, tags: cfg.tags },
        opts,
    );
    security.grantModelDeployment(g("ciDeploy"), registry.modelPackageGroupName);
    security.grantModelDeployment(g("pipeline"), registry.modelPackageGroupName);
    grantLifecycleOperator(g("pipeline"), {
        owner: security,
        ownerName: p,
        partition: security.partition,
        region: security.region,
        accountId: security.accountId,
        namePrefix: p,
        featureGroupArns: featureStore.featureGroupArns.apply((m) => Object.values(m)),
        modelPackageGroupName: registry.modelPackageGroupName,
        recommenderRoleArn: security.roles.pipeline.arn,
    });

    const endpointName = `${p}-endpoint`;
    const monitorOn = endpointOn && cfg.monitoring.modelMonitorSchedule;
    const scheduleName = `${p}-data-quality`;
    // Prices for the cost-per-1000-predictions widget and alarm (the policy pack's tables: one source of prices).
    const observedVariants: ObservedVariant[] = cfg.endpoint.variants.map((v) =>
        v.serverless
            ? { name: v.name, serverless: { memorySizeInMb: v.serverless.memorySizeInMb, perGbSecondUsd: serverlessRates(cfg.region)?.perGbSecond } }
            : { name: v.name, instanceType: v.instanceType, hourlyUsd: hostingHourlyPrice(cfg.region, v.instanceType!) },
    );
    const observability = new Observability(
        "observability",
        {
            namePrefix: p,
            environment: cfg.environment,
            kmsKeyArn: security.keys.logs.arn,
            retentionDays: cfg.logs.retentionDays,
            createJobLogGroups: cfg.logs.createJobLogGroups,
            alarmTopicArn: alerts.topicArn,
            endpoint: endpointOn ? { name: endpointName, variants: observedVariants } : undefined,
            alarms: cfg.alarms,
            drift: monitorOn ? { monitoringScheduleName: scheduleName, features: DRIFT_FEATURES } : undefined,
            tags: cfg.tags,
        },
        opts,
    );

    let endpoint: ModelEndpoint | undefined;
    if (endpointOn) {
        endpoint = new ModelEndpoint(
            "endpoint",
            {
                namePrefix: p,
                endpointName,
                hostingRoleArn: security.roles.hosting.arn,
                subnetIds: network.privateSubnetIds,
                securityGroupIds: [network.jobSecurityGroupId],
                kmsKeyArn: security.keys.artifacts.arn,
                artifactsBucketName: b.artifacts.bucketName,
                input: cfg.endpoint.input,
                preprocessImage: cfg.endpoint.preprocessImage,
                region: cfg.region,
                variants: cfg.endpoint.variants,
                shadowVariant: cfg.endpoint.shadowVariant,
                captureS3Uri: pulumi.interpolate`s3://${b.capture.bucketName}/datacapture`,
                captureSamplingPercentage: cfg.endpoint.captureSamplingPercentage,
                captureKmsKeyArn: security.keys.data.arn,
                autoscaling: cfg.endpoint.autoscaling,
                deployment: cfg.endpoint.deployment,
                rollbackAlarmNames: observability.endpointAlarmNames,
                tags: cfg.tags,
            },
            { ...opts, dependsOn: [observability] },
        );
    }

    let monitor: ModelMonitorSchedule | undefined;
    if (endpoint) {
        monitor = new ModelMonitorSchedule(
            "model-monitor",
            {
                namePrefix: p,
                enabled: cfg.monitoring.modelMonitorSchedule,
                endpointName: endpoint.endpointName,
                scheduleName,
                monitoringRoleArn: security.roles.monitoring.arn,
                monitoringBucketName: b.monitoring.bucketName,
                kmsKeyArn: security.keys.logs.arn,
                subnetIds: network.privateSubnetIds,
                securityGroupIds: [network.jobSecurityGroupId],
                instanceType: cfg.monitoring.instanceType,
                maxRuntimeSeconds: cfg.monitoring.maxRuntimeSeconds,
                scheduleExpression: cfg.monitoring.scheduleExpression,
                driftFeatures: DRIFT_FEATURES,
                driftThreshold: cfg.monitoring.driftThreshold,
                alarmTopicArn: alerts.topicArn,
                tags: cfg.tags,
            },
            opts,
        );
    }

    // The platform's own monitor (lib/monitoring on Lambda): publishes the metrics the drift alarms above watch.
    let serverlessMonitor: ServerlessMonitor | undefined;
    if (serverlessMonitorOn && endpoint) {
        serverlessMonitor = new ServerlessMonitor(
            "serverless-monitor",
            {
                namePrefix: p,
                region: cfg.region,
                endpointName: endpoint.endpointName,
                scheduleName,
                captureBucket: { name: b.capture.bucketName, prefix: "datacapture" },
                monitoringBucket: { name: b.monitoring.bucketName },
                // The monitoring bucket is encrypted with the logs key (bucketKmsKeyArns above); capture with the data key.
                kmsKeys: { capture: security.keys.data.arn, monitoring: security.keys.logs.arn, logs: security.keys.logs.arn },
                vpcId: network.vpcId,
                subnetIds: network.privateSubnetIds,
                securityGroupIds: [network.jobSecurityGroupId],
                scheduleExpression: cfg.monitoring.serverlessScheduleExpression,
                alarmTopicArn: alerts.topicArn,
                logRetentionDays: cfg.logs.retentionDays,
                role: security.serverlessMonitorRole,
                reservedConcurrency: cfg.monitoring.serverlessReservedConcurrency,
                tags: cfg.tags,
            },
            { ...opts },
        );
    }

    // The distributed monitor (issue 14): the same metrics and reports, the profiling spread over a Distributed Map.
    if (distributedMonitorOn && endpoint && security.distributedMonitorRoles) {
        const d = cfg.monitoring.distributed;
        new DistributedMonitor(
            "distributed-monitor",
            {
                namePrefix: p,
                endpointName: endpoint.endpointName,
                scheduleName,
                captureBucket: { name: b.capture.bucketName, prefix: "datacapture" },
                monitoringBucket: { name: b.monitoring.bucketName },
                kmsKeys: { capture: security.keys.data.arn, monitoring: security.keys.logs.arn, logs: security.keys.logs.arn },
                vpcId: network.vpcId,
                subnetIds: network.privateSubnetIds,
                securityGroupIds: [network.jobSecurityGroupId],
                scheduleExpression: d.scheduleExpression,
                alarmTopicArn: alerts.topicArn,
                logRetentionDays: cfg.logs.retentionDays,
                roles: security.distributedMonitorRoles,
                maxConcurrency: d.maxConcurrency,
                maxBatchBytes: d.maxBatchBytes,
                maxBatchObjects: d.maxBatchObjects,
                toleratedFailurePercentage: d.toleratedFailurePercentage,
                workerMemoryMb: d.workerMemoryMb,
                tracing: d.tracing,
                tags: cfg.tags,
            },
            { ...opts },
        );
    }

    const audit = new AuditTrail(
        "audit",
        {
            namePrefix: p,
            createTrail: !cfg.audit.useExistingTrail,
            auditBucketName: b.audit.bucketName,
            kmsKeyArn: security.keys.logs.arn,
            logRetentionDays: cfg.logs.retentionDays,
            alarmTopicArn: alerts.topicArn,
            platformRoleNames: Object.values(security.roles).map((r) => r.name),
            platformKeyArns: Object.values(security.keys).map((k) => k.arn),
            breakGlassRoleArns: cfg.security.breakGlassRoleArns,
            retraining: { alarmNamePrefixes: [`${p}-drift-`, `${p}-model-quality-`], pipelineArn: cfg.audit.retrainingPipelineArn },
            trailDependsOn: [b.audit],
            tags: cfg.tags,
        },
        opts,
    );

    // Detect and respond: Config rules matching the pack, non-compliance and Security Hub findings to the alerts topic.
    if (det.enabled) {
        const keyList = Object.values(security.keys);
        new DetectiveControls(
            "detective",
            {
                namePrefix: p,
                environment: cfg.environment,
                alertTopicArn: alerts.topicArn,
                scopeTag: det.scopeTag,
                conformancePack: det.conformancePack,
                accountRules: det.accountRules,
                recorder: recorderRole ? { role: recorderRole, auditBucketName: b.audit.bucketName, kmsKeyArn: security.keys.logs.arn } : undefined,
                existingRecorderName: det.existingRecorderName,
                securityHub: det.securityHub,
                routeConfigCompliance: det.routeConfigCompliance,
                stackResourceIds: [network.vpcId, ...keyList.map((k) => k.keyId)],
                stackResourceArns: [
                    pulumi.interpolate`arn:${security.partition}:ec2:${cfg.region}:${security.accountId}:vpc/${network.vpcId}`,
                    ...keyList.map((k) => k.arn),
                ],
                remediation: { s3PublicAccessBlock: det.remediateS3PublicAccess },
                tags: cfg.tags,
            },
            { ...opts, dependsOn: [b.audit] },
        );
    }

    const cost = new CostGuardrails(
        "cost",
        {
            namePrefix: p,
            environment: cfg.environment,
            project: cfg.tags.Project,
            monthlyLimitUsd: cfg.budget.monthlyLimitUsd,
            thresholdsPercent: cfg.budget.thresholdsPercent,
            emails: cfg.budget.emails,
            alertTopicArn: alerts.topicArn,
            enforceAction: cfg.budget.enforceAction,
            enforcedRoleNames: [
                security.roles.training.name,
                security.roles.hosting.name,
                security.roles.processing.name,
                security.roles.pipeline.name,
                security.roles.ciDeploy.name,
            ],
            anomalyThresholdUsd: cfg.budget.anomalyThresholdUsd,
            activateCostAllocationTags: cfg.budget.activateCostAllocationTags,
            costAllocationTagsActive: cfg.budget.costAllocationTagsActive,
            anomalyMonitor: cfg.budget.anomalyMonitor,
            costPerThousandAlarm:
                cfg.budget.costPerThousandAlarmUsd !== undefined && endpointOn
                    ? { thresholdUsd: cfg.budget.costPerThousandAlarmUsd, endpointName, variants: observedVariants }
                    : undefined,
            tags: cfg.tags,
        },
        opts,
    );

    const buckets = pulumi
        .all(BUCKET_PURPOSES.map((purpose) => pulumi.all([b[purpose].bucketName, b[purpose].arn])))
        .apply(
            (pairs) =>
                Object.fromEntries(pairs.map(([name, arn], i) => [BUCKET_PURPOSES[i], { name, arn, uri: `s3://${name}/` }])) as Record<
                    BucketPurpose,
                    { name: string; arn: string; uri: string }
                >,
        );

    return {
        stack: cfg.stack,
        environment: cfg.environment,
        namePrefix: p,
        region: cfg.region,
        accountId: security.accountId,
        tags: cfg.tags,
        buckets,
        kmsKeyArns: security.keyArns,
        roleArns: security.roleArns,
        network: {
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
            jobSecurityGroupId: network.jobSecurityGroupId,
            endpointSecurityGroupId: network.jobSecurityGroupId,
            vpcEndpointSecurityGroupId: network.vpcEndpointSecurityGroupId,
            s3GatewayEndpointId: network.s3GatewayEndpointId,
        },
        featureGroupNames: featureStore.featureGroupNames.apply((m) => Object.values(m)),
        offlineStoreUri: featureStore.offlineStoreS3Uri,
        modelPackageGroupName: registry.modelPackageGroupName,
        // Declared whenever endpoint.enabled (the lifecycle's deploy and monitor steps read it); awaitingModel says the
        // stack has not created the SageMaker endpoint yet.
        endpoint: cfg.endpoint.enabled
            ? {
                  name: endpoint ? endpoint.endpointName : endpointName,
                  variantNames: cfg.endpoint.variants.map((v) => v.name),
                  shadowVariantName: cfg.endpoint.shadowVariant?.name ?? null,
                  captureUri: pulumi.interpolate`s3://${b.capture.bucketName}/datacapture/`,
                  samplingPercentage: cfg.endpoint.captureSamplingPercentage,
                  awaitingModel: !endpointOn,
              }
            : null,
        modelMonitorScheduleName: monitor?.enabled ? monitor.scheduleName : null,
        serverlessMonitorFunctionName: serverlessMonitor ? serverlessMonitor.functionName : null,
        alertsTopicArn: alerts.topicArn,
        dashboardName: observability.dashboardName,
        budgetName: cost.budgetName,
        trailArn: audit.trailArn.apply((a) => a ?? null),
        logGroupNames: observability.logGroupNames,
        pipeline: {
            minAuc: cfg.pipeline.minAuc,
            autoApprove: cfg.pipeline.autoApprove,
            latencySloMs: cfg.pipeline.latencySloMs,
            trainingInstanceType: cfg.training.instanceTypes[0],
            useSpot: cfg.training.useSpot,
            maxRuntimeSeconds: cfg.training.maxRuntimeSeconds,
            monitoringScheduleExpression: cfg.monitoring.scheduleExpression,
            driftThreshold: cfg.monitoring.driftThreshold,
        },
    };
}
