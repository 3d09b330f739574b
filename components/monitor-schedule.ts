/**
 * ModelMonitorSchedule: SageMaker Model Monitor data-quality monitoring of the endpoint's captured traffic, and drift
 * alarms on the per-feature metrics it publishes.
 * What it creates per stack: docs/components.md.
 *
 * SageMaker Model Monitor is closed to new AWS customers, so the service wiring (job definition + schedule) is created
 * only when `enabled` (config `monitoring.modelMonitorSchedule`). The drift alarms are created either way: the
 * platform's own monitor (lib/monitoring) publishes the same `feature_baseline_drift_<feature>` metrics in the same
 * namespace with the same dimensions (Endpoint + MonitoringSchedule = `scheduleName`), so the alarms work with either.
 *
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { hasNvmeInstanceStore } from "./instance-types";
import { DATA_METRICS_NAMESPACE, featureBaselineDriftMetric } from "../contracts/metrics";
import { baselinePrefix as layoutBaselinePrefix, DATA_QUALITY_REPORTS_PREFIX } from "../contracts/s3-layout";

/** The resource types this component can create (tests; docs/components.md shows them per stack). */
export const MODEL_MONITOR_RESOURCE_TYPES: readonly string[] = [
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
];

export const MODEL_MONITOR_IMAGE = { repositoryName: "sagemaker-model-monitor-analyzer", imageTag: "latest" } as const;

/** Container paths of the monitoring job. */
export const MONITOR_INPUT_PATH = "/opt/ml/processing/input/endpoint";
export const MONITOR_OUTPUT_PATH = "/opt/ml/processing/output";

export interface ModelMonitorScheduleArgs {
    /** Resource name prefix (config `namePrefix`). */
    namePrefix: string;
    /** Create the Model Monitor job definition and schedule (config `monitoring.modelMonitorSchedule`). */
    enabled: boolean;
    /** The monitored endpoint's name; pass the endpoint's Output so the schedule waits for the endpoint. */
    endpointName: pulumi.Input<string>;
    /** Schedule name (metric dimension `MonitoringSchedule`); defaults to `<namePrefix>-data-quality`. */
    scheduleName?: string;
    /** Monitoring execution role (PlatformSecurity monitoring role). */
    monitoringRoleArn: pulumi.Input<string>;
    /** Bucket holding baselines and reports. */
    monitoringBucketName: pulumi.Input<string>;
    /** Key prefix of `constraints.json` / `statistics.json` in the monitoring bucket; default `baselines/<endpoint>` (contracts/s3-layout.ts). */
    baselinePrefix?: string;
    /** Key prefix of the reports; default `reports/data-quality`. */
    reportsPrefix?: string;
    /** KMS key for the reports and the job's storage volume. */
    kmsKeyArn: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Config `monitoring.instanceType`. */
    instanceType: string;
    instanceCount?: number;
    volumeSizeInGb?: number;
    /** Config `monitoring.maxRuntimeSeconds` (at most 3600 for an hourly schedule). */
    maxRuntimeSeconds: number;
    /** Config `monitoring.scheduleExpression`, e.g. `cron(0 * ? * * *)` (hourly). */
    scheduleExpression: string;
    /** Features with a drift alarm. */
    driftFeatures: string[];
    /** Config `monitoring.driftThreshold`: alarm when a feature's baseline drift distance exceeds it. */
    driftThreshold: number;
    /** Alerts topic ARN. */
    alarmTopicArn: pulumi.Input<string>;
    /** Analyzer image; defaults to the region's `sagemaker-model-monitor-analyzer` image. */
    image?: pulumi.Input<string>;
    tags?: Record<string, string>;
}

function validate(args: ModelMonitorScheduleArgs): void {
    const p: string[] = [];
    if (!/^cron\(.+\)$/.test(args.scheduleExpression)) p.push(`scheduleExpression ${JSON.stringify(args.scheduleExpression)} must be a cron() expression`);
    if (!Number.isInteger(args.maxRuntimeSeconds) || args.maxRuntimeSeconds < 1 || args.maxRuntimeSeconds > 3600) {
        p.push(`maxRuntimeSeconds ${args.maxRuntimeSeconds} must be 1-3600 (a monitoring job must end before the next hourly run)`);
    }
    if (!(args.driftThreshold > 0)) p.push(`driftThreshold ${args.driftThreshold} must be > 0`);
    if (new Set(args.driftFeatures).size !== args.driftFeatures.length) p.push("driftFeatures must be unique");
    for (const f of args.driftFeatures) if (!f || /\s/.test(f)) p.push(`drift feature ${JSON.stringify(f)} must be a non-empty name without spaces`);
    if (p.length) throw new Error(`ModelMonitorSchedule: ${p.join("; ")}`);
}

export class ModelMonitorSchedule extends pulumi.ComponentResource {
    public readonly enabled: boolean;
    /** Schedule name (known before deployment; the MonitoringSchedule metric dimension). */
    public readonly scheduleName: string;
    public readonly jobDefinition?: aws.sagemaker.DataQualityJobDefinition;
    public readonly schedule?: aws.sagemaker.MonitoringSchedule;
    /** The job definition's name, undefined when disabled. */
    public readonly jobDefinitionName: pulumi.Output<string | undefined>;
    public readonly scheduleArn: pulumi.Output<string | undefined>;
    public readonly constraintsS3Uri: pulumi.Output<string>;
    public readonly statisticsS3Uri: pulumi.Output<string>;
    public readonly reportsS3Uri: pulumi.Output<string>;
    /** Drift alarm names all start with this (route them to retraining: AuditTrail `retraining.alarmNamePrefix`). */
    public readonly driftAlarmNamePrefix: string;
    public readonly driftAlarms: aws.cloudwatch.MetricAlarm[];
    public readonly driftAlarmNames: pulumi.Output<string[]>;

    constructor(name: string, args: ModelMonitorScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.ModelMonitorSchedule, name, {}, withPreviousTypes("ModelMonitorSchedule", opts));
        validate(args);
        this.enabled = args.enabled;
        this.scheduleName = args.scheduleName ?? `${args.namePrefix}-data-quality`;
        // One layout for every monitor (contracts/s3-layout.ts): `baselines/<endpoint>`, where the monitor step uploads it.
        const baselinePrefix = args.baselinePrefix
            ? pulumi.output(args.baselinePrefix.replace(/^\/+|\/+$/g, ""))
            : pulumi.output(args.endpointName).apply(layoutBaselinePrefix);
        const reportsPrefix = (args.reportsPrefix ?? DATA_QUALITY_REPORTS_PREFIX).replace(/^\/+|\/+$/g, "");
        this.constraintsS3Uri = pulumi.interpolate`s3://${args.monitoringBucketName}/${baselinePrefix}/constraints.json`;
        this.statisticsS3Uri = pulumi.interpolate`s3://${args.monitoringBucketName}/${baselinePrefix}/statistics.json`;
        this.reportsS3Uri = pulumi.interpolate`s3://${args.monitoringBucketName}/${reportsPrefix}`;

        if (args.enabled) {
            const image = args.image ?? aws.sagemaker.getPrebuiltEcrImageOutput(MODEL_MONITOR_IMAGE, { parent: this }).registryPath;
            this.jobDefinition = new aws.sagemaker.DataQualityJobDefinition(
                `${name}-dq`,
                {
                    roleArn: args.monitoringRoleArn,
                    dataQualityAppSpecification: {
                        imageUri: image,
                        // The analyzer only publishes feature_baseline_drift_* metrics when asked to.
                        environment: { publish_cloudwatch_metrics: "Enabled" },
                    },
                    dataQualityBaselineConfig: {
                        constraintsResource: { s3Uri: this.constraintsS3Uri },
                        statisticsResource: { s3Uri: this.statisticsS3Uri },
                    },
                    dataQualityJobInput: {
                        endpointInput: {
                            endpointName: args.endpointName,
                            localPath: MONITOR_INPUT_PATH,
                            s3InputMode: "File",
                            s3DataDistributionType: "FullyReplicated",
                        },
                    },
                    dataQualityJobOutputConfig: {
                        kmsKeyId: args.kmsKeyArn,
                        monitoringOutputs: { s3Output: { s3Uri: this.reportsS3Uri, localPath: MONITOR_OUTPUT_PATH, s3UploadMode: "EndOfJob" } },
                    },
                    jobResources: {
                        clusterConfig: {
                            instanceType: args.instanceType,
                            instanceCount: args.instanceCount ?? 1,
                            volumeSizeInGb: args.volumeSizeInGb ?? 20,
                            // NVMe instance storage is hardware-encrypted and SageMaker rejects a volume key for it.
                            volumeKmsKeyId: hasNvmeInstanceStore(args.instanceType) ? undefined : args.kmsKeyArn,
                        },
                    },
                    networkConfig: {
                        enableNetworkIsolation: true,
                        enableInterContainerTrafficEncryption: true,
                        vpcConfig: { subnets: args.subnetIds, securityGroupIds: args.securityGroupIds },
                    },
                    stoppingCondition: { maxRuntimeInSeconds: args.maxRuntimeSeconds },
                    tags: args.tags,
                },
                { parent: this },
            );
            this.schedule = new aws.sagemaker.MonitoringSchedule(
                `${name}-schedule`,
                {
                    name: this.scheduleName,
                    monitoringScheduleConfig: {
                        monitoringType: "DataQuality",
                        monitoringJobDefinitionName: this.jobDefinition.name,
                        scheduleConfig: { scheduleExpression: args.scheduleExpression },
                    },
                    tags: args.tags,
                },
                { parent: this },
            );
        }
        this.jobDefinitionName = this.jobDefinition ? this.jobDefinition.name.apply((n): string | undefined => n) : pulumi.output(undefined);
        this.scheduleArn = this.schedule ? this.schedule.arn.apply((a): string | undefined => a) : pulumi.output(undefined);

        this.driftAlarmNamePrefix = `${args.namePrefix}-drift-`;
        this.driftAlarms = args.driftFeatures.map(
            (feature) =>
                new aws.cloudwatch.MetricAlarm(
                    `${name}-drift-${feature.replace(/[^A-Za-z0-9-]+/g, "-")}`,
                    {
                        name: `${this.driftAlarmNamePrefix}${feature}`,
                        alarmDescription: `Data drift of feature ${feature}: baseline distance above ${args.driftThreshold} (schedule ${this.scheduleName}).`,
                        namespace: DATA_METRICS_NAMESPACE,
                        metricName: featureBaselineDriftMetric(feature),
                        dimensions: { Endpoint: args.endpointName, MonitoringSchedule: this.scheduleName },
                        statistic: "Maximum",
                        period: 3600,
                        evaluationPeriods: 1,
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: args.driftThreshold,
                        // A metric exists only for monitoring runs that completed: a skipped run is no evidence of
                        // drift (failed runs show on the dashboard's monitoring job status widget).
                        treatMissingData: "notBreaching",
                        alarmActions: [args.alarmTopicArn],
                        okActions: [args.alarmTopicArn],
                        tags: args.tags,
                    },
                    { parent: this },
                ),
        );
        this.driftAlarmNames = pulumi.all(this.driftAlarms.map((a) => a.name));

        this.registerOutputs({
            enabled: this.enabled,
            scheduleName: this.scheduleName,
            jobDefinitionName: this.jobDefinitionName,
            scheduleArn: this.scheduleArn,
            driftAlarmNames: this.driftAlarmNames,
        });
    }
}
