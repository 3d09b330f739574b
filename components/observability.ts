/**
 * Observability: encrypted log groups with retention, one CloudWatch dashboard per environment, endpoint alarms into the
 * alerts topic, and saved CloudWatch Logs Insights queries.
 * What it creates per stack: docs/components.md.
 *
 * Ordering between alarms and the endpoint: the endpoint has an explicit, stable name, so the alarms reference it by
 * that plain string (no dependency on the endpoint resource) and can exist before the endpoint. The endpoint's
 * blue/green `autoRollbackConfiguration` consumes `endpointAlarmNames` (Outputs of the alarms), so Pulumi creates the
 * alarms first and the endpoint second — no cycle.
 *
 * The SageMaker log groups are the names SageMaker itself writes to; creating them here first is what makes them
 * encrypted and retained (SageMaker would otherwise create them unencrypted, never expiring). The job log groups are
 * account/region-wide: if one already exists, import it (`pulumi import aws:cloudwatch/logGroup:LogGroup ...`) rather
 * than letting creation fail. The KMS key must allow `logs.<region>.amazonaws.com` (see components/alerts.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import {
    DATA_METRICS_NAMESPACE,
    ENDPOINT_INSTANCE_NAMESPACE,
    FEATURE_BASELINE_DRIFT_PREFIX,
    featureBaselineDriftMetric,
    SAGEMAKER_NAMESPACE,
} from "../contracts/metrics";
import { instanceTypeFacts } from "./instance-types";

/** The resource types this component can create (tests; docs/components.md shows them per stack). */
export const OBSERVABILITY_RESOURCE_TYPES: readonly string[] = [
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/queryDefinition:QueryDefinition",
];

export const JOB_LOG_GROUPS = {
    training: "/aws/sagemaker/TrainingJobs",
    processing: "/aws/sagemaker/ProcessingJobs",
    transform: "/aws/sagemaker/TransformJobs",
} as const;

export const endpointLogGroupName = (endpointName: string): string => `/aws/sagemaker/Endpoints/${endpointName}`;
export const monitorLogGroupName = (namePrefix: string): string => `/mlplatform/${namePrefix}/monitor`;

/** Metric-math expression for the 5XX error rate in percent (ids `errors`, `invocations`). */
export const ERROR_RATE_EXPRESSION = "100 * FILL(errors, 0) / invocations";

/**
 * CPU normalisation: SageMaker's CPUUtilization is the sum over cores (0-100 × vCPUs). Dividing by 100 × vCPUs gives
 * the fraction (0-1) of the whole instance in use; the alarm threshold is `cpuUtilizationPercent / 100`.
 */
export const cpuNormalisationExpression = (vcpus: number): string => `cpu / (100 * ${vcpus})`;

/** Alarm timing (periods in seconds). */
export const ALARM_TIMING = {
    errorRate: { period: 60, evaluationPeriods: 5, datapointsToAlarm: 3 },
    latency: { period: 60, evaluationPeriods: 5, datapointsToAlarm: 3 },
    cpu: { period: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
    zeroInvocations: { period: 900, evaluationPeriods: 4, datapointsToAlarm: 4 },
} as const;

export interface ObservedVariant {
    /** Production variant name. */
    name: string;
    /** ml.* instance type (CPU normalisation needs its vCPU count: see components/instance-types.ts); absent when serverless. */
    instanceType?: string;
    /** On-demand $/hour of the instance type (cost per 1000 predictions); absent when not priced. */
    hourlyUsd?: number;
    /** Serverless variant: memory and the compute rate $/GB-second (cost per 1000 predictions). */
    serverless?: { memorySizeInMb: number; perGbSecondUsd?: number };
}

/** One CloudWatch metric-math query (GetMetricData / dashboard / alarm): a metric or an expression over other ids. */
export interface CostQuery {
    /** Lowercase start, letters/digits/underscore (CloudWatch metric math ids). */
    id: string;
    label: string;
    /** Expression over other ids, or a metric. */
    expression?: string;
    metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string };
    returnData: boolean;
}

/**
 * Cost per 1000 predictions as CloudWatch metric math, per variant (`k_<i>`) and for the whole endpoint (`k_all`), over
 * any period:
 *   provisioned: cost = instance-minutes / 60 x $/h, where instance-minutes = SampleCount of CPUUtilization in
 *                /aws/sagemaker/Endpoints (every instance publishes it once a minute), so autoscaling is followed;
 *   serverless:  cost = Sum(ModelLatency) µs / 1e6 x memory GB x $/GB-second (the billed processing time);
 *   cost per 1000 = 1000 x cost / Sum(Invocations); the endpoint's = 1000 x sum of costs / sum of invocations.
 * Limits: list prices (no Savings Plans), provisioned concurrency, data processed, capture storage and the stack's fixed
 * costs (VPC endpoints, logs, trails) are not in it; a period without invocations has no value (no division by zero);
 * the CPU sample count assumes one-minute instance metrics. Variants without a price are left out (returned in `unpriced`).
 */
export function costPerThousandQueries(endpointName: string, variants: ObservedVariant[]): { queries: CostQuery[]; unpriced: string[] } {
    const q: CostQuery[] = [];
    const unpriced: string[] = [];
    const costIds: string[] = [];
    const invIds: string[] = [];
    variants.forEach((v, i) => {
        const dims = { EndpointName: endpointName, VariantName: v.name };
        const inv = `inv_${i}`;
        const cost = `cost_${i}`;
        if (v.serverless && v.serverless.perGbSecondUsd !== undefined) {
            q.push({
                id: `lat_${i}`,
                label: `${v.name} ModelLatency sum (µs)`,
                metric: { namespace: SAGEMAKER_NAMESPACE, metricName: "ModelLatency", dimensions: dims, stat: "Sum" },
                returnData: false,
            });
            q.push({
                id: cost,
                label: `${v.name} cost ($)`,
                expression: `lat_${i} / 1000000 * ${v.serverless.memorySizeInMb / 1024} * ${v.serverless.perGbSecondUsd}`,
                returnData: false,
            });
        } else if (!v.serverless && v.hourlyUsd !== undefined) {
            q.push({
                id: `n_${i}`,
                label: `${v.name} instance-minutes`,
                metric: { namespace: ENDPOINT_INSTANCE_NAMESPACE, metricName: "CPUUtilization", dimensions: dims, stat: "SampleCount" },
                returnData: false,
            });
            q.push({ id: cost, label: `${v.name} cost ($)`, expression: `n_${i} / 60 * ${v.hourlyUsd}`, returnData: false });
        } else {
            unpriced.push(v.name);
            return;
        }
        q.push({
            id: inv,
            label: `${v.name} Invocations`,
            metric: { namespace: SAGEMAKER_NAMESPACE, metricName: "Invocations", dimensions: dims, stat: "Sum" },
            returnData: false,
        });
        q.push({ id: `k_${i}`, label: `${v.name} $ per 1000 predictions`, expression: `1000 * ${cost} / ${inv}`, returnData: true });
        costIds.push(cost);
        invIds.push(inv);
    });
    if (costIds.length > 0) {
        const sum = (ids: string[]) => ids.map((id) => `FILL(${id}, 0)`).join(" + ");
        q.push({ id: "k_all", label: "endpoint $ per 1000 predictions", expression: `1000 * (${sum(costIds)}) / (${sum(invIds)})`, returnData: true });
    }
    return { queries: q, unpriced };
}

export interface ObservedEndpoint {
    /** The endpoint's explicit name (known before the endpoint exists). */
    name: string;
    variants: ObservedVariant[];
}

export interface ObservabilityArgs {
    /** Resource name prefix (config `namePrefix`). Alarm names start with `<namePrefix>-`. */
    namePrefix: string;
    /** Environment (config `environment`); the dashboard is `<namePrefix>-<environment>` (once if the prefix ends with it). */
    environment: string;
    /** KMS key ARN for every log group (the logs key). */
    kmsKeyArn: pulumi.Input<string>;
    /** Log retention in days (config `logs.retentionDays`); must be a value CloudWatch Logs accepts. */
    retentionDays: number;
    /** Alerts topic ARN (components/alerts.ts) for alarm and OK actions. */
    alarmTopicArn: pulumi.Input<string>;
    /** The endpoint to observe; omit when the stack disables the endpoint (no endpoint log group, widgets or alarms). */
    endpoint?: ObservedEndpoint;
    /** Thresholds (config `alarms`). */
    alarms: {
        p99LatencyMs: number;
        errorRatePercent: number;
        cpuUtilizationPercent: number;
        alarmOnZeroInvocations: boolean;
    };
    /**
     * Create the account/region-wide job log groups (/aws/sagemaker/TrainingJobs, ProcessingJobs, TransformJobs).
     * SageMaker creates them itself on the first job, so a stack that creates them fails with
     * ResourceAlreadyExistsException in any account that has run a job, or in a second stack. Default false; the program
     * passes config `logs.createJobLogGroups` (at most one stack per account and region).
     */
    createJobLogGroups?: boolean;
    /** Drift widgets: Model Monitor / platform monitor schedule name and features to chart (others via SEARCH). */
    drift?: { monitoringScheduleName: string; features: string[] };
    tags?: Record<string, string>;
}

/** Retention values CloudWatch Logs accepts. */
export const VALID_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export class Observability extends pulumi.ComponentResource {
    /** Log groups by role: training, processing, transform (when created here), monitor and (when observed) endpoint. */
    public readonly logGroups: Record<string, aws.cloudwatch.LogGroup>;
    public readonly logGroupNames: pulumi.Output<Record<string, string>>;
    public readonly logGroupArns: pulumi.Output<string[]>;
    public readonly dashboard: aws.cloudwatch.Dashboard;
    public readonly dashboardName: pulumi.Output<string>;
    /** Alarms the endpoint's blue/green deployment rolls back on (5XX rate and p99 latency per variant). */
    public readonly endpointAlarmNames: pulumi.Output<string[]>;
    /** Every alarm created here. */
    public readonly alarmNames: pulumi.Output<string[]>;
    public readonly alarms: aws.cloudwatch.MetricAlarm[];
    public readonly queryDefinitions: aws.cloudwatch.QueryDefinition[];

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.Observability, name, {}, withPreviousTypes("Observability", opts));
        if (!VALID_RETENTION_DAYS.includes(args.retentionDays)) {
            throw new Error(
                `Observability: retentionDays ${args.retentionDays} is not accepted by CloudWatch Logs (one of ${VALID_RETENTION_DAYS.join(", ")})`,
            );
        }
        const ep = args.endpoint;
        if (ep && ep.variants.length === 0) throw new Error("Observability: the observed endpoint has no variants");
        // The CPU alarm needs the core count: a type missing from the instance table gets no CPU alarm (never a
        // mis-scaled one) and a warning, so the program still reaches the policy pack, which judges the type itself.
        const vcpus = new Map<string, number | undefined>(
            (ep?.variants ?? []).filter((v) => v.instanceType).map((v) => [v.name, instanceTypeFacts(v.instanceType!)?.vcpus]),
        );
        for (const v of ep?.variants ?? []) {
            // a serverless variant has no instances: no CPU metric, no CPU alarm
            if (v.instanceType && vcpus.get(v.name) === undefined) {
                void pulumi.log.warn(
                    `Observability: instance type ${v.instanceType} of variant ${v.name} is not in components/instance-types.ts: no CPU alarm for it (add the type's vCPUs there)`,
                    this,
                );
            }
        }

        const region = aws.getRegionOutput({}, { parent: this }).region;
        const lg = (key: string, logGroupName: string) =>
            new aws.cloudwatch.LogGroup(
                `${name}-${key}`,
                { name: logGroupName, kmsKeyId: args.kmsKeyArn, retentionInDays: args.retentionDays, tags: args.tags },
                { parent: this },
            );
        this.logGroups = {};
        if (args.createJobLogGroups ?? false) {
            this.logGroups.training = lg("training-logs", JOB_LOG_GROUPS.training);
            this.logGroups.processing = lg("processing-logs", JOB_LOG_GROUPS.processing);
            this.logGroups.transform = lg("transform-logs", JOB_LOG_GROUPS.transform);
        }
        this.logGroups.monitor = lg("monitor-logs", monitorLogGroupName(args.namePrefix));
        if (ep) this.logGroups.endpoint = lg("endpoint-logs", endpointLogGroupName(ep.name));
        // Query definitions name log groups; use the resources' outputs when created here (ordering), else the names.
        const groupName = (key: keyof typeof JOB_LOG_GROUPS): pulumi.Input<string> => this.logGroups[key]?.name ?? JOB_LOG_GROUPS[key];
        const keys = Object.keys(this.logGroups);
        this.logGroupNames = pulumi.all(keys.map((k) => this.logGroups[k].name)).apply((ns) => Object.fromEntries(keys.map((k, i) => [k, ns[i]])));
        this.logGroupArns = pulumi.all(keys.map((k) => this.logGroups[k].arn));

        // ---- alarms ----
        const alarmActions = [args.alarmTopicArn];
        const rollback: aws.cloudwatch.MetricAlarm[] = [];
        const all: aws.cloudwatch.MetricAlarm[] = [];
        if (ep) {
            for (const v of ep.variants) {
                const dims = { EndpointName: ep.name, VariantName: v.name };
                const base = `${args.namePrefix}-${ep.name}-${v.name}`;

                const errorRate = new aws.cloudwatch.MetricAlarm(
                    `${name}-${v.name}-5xx-rate`,
                    {
                        name: `${base}-5xx-rate`,
                        alarmDescription: `5XX error rate of ${ep.name}/${v.name} above ${args.alarms.errorRatePercent}% (Invocation5XXErrors / Invocations × 100). Rolls back a blue/green deployment.`,
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: args.alarms.errorRatePercent,
                        evaluationPeriods: ALARM_TIMING.errorRate.evaluationPeriods,
                        datapointsToAlarm: ALARM_TIMING.errorRate.datapointsToAlarm,
                        metricQueries: [
                            {
                                id: "errors",
                                metric: {
                                    namespace: SAGEMAKER_NAMESPACE,
                                    metricName: "Invocation5XXErrors",
                                    dimensions: dims,
                                    stat: "Sum",
                                    period: ALARM_TIMING.errorRate.period,
                                },
                                returnData: false,
                            },
                            {
                                id: "invocations",
                                metric: {
                                    namespace: SAGEMAKER_NAMESPACE,
                                    metricName: "Invocations",
                                    dimensions: dims,
                                    stat: "Sum",
                                    period: ALARM_TIMING.errorRate.period,
                                },
                                returnData: false,
                            },
                            { id: "rate", expression: ERROR_RATE_EXPRESSION, label: "5XX error rate (%)", returnData: true },
                        ],
                        // No invocations → no rate. Not a failure of this alarm's signal; an idle prod endpoint is the
                        // zero-invocations alarm's job.
                        treatMissingData: "notBreaching",
                        alarmActions,
                        okActions: alarmActions,
                        tags: args.tags,
                    },
                    { parent: this },
                );

                const latency = new aws.cloudwatch.MetricAlarm(
                    `${name}-${v.name}-p99-latency`,
                    {
                        name: `${base}-p99-latency`,
                        alarmDescription: `p99 ModelLatency of ${ep.name}/${v.name} above ${args.alarms.p99LatencyMs} ms (${args.alarms.p99LatencyMs * 1000} µs: the metric is in microseconds). Rolls back a blue/green deployment.`,
                        namespace: SAGEMAKER_NAMESPACE,
                        metricName: "ModelLatency",
                        dimensions: dims,
                        extendedStatistic: "p99",
                        unit: "Microseconds",
                        period: ALARM_TIMING.latency.period,
                        comparisonOperator: "GreaterThanThreshold",
                        threshold: args.alarms.p99LatencyMs * 1000,
                        evaluationPeriods: ALARM_TIMING.latency.evaluationPeriods,
                        datapointsToAlarm: ALARM_TIMING.latency.datapointsToAlarm,
                        // Latency only exists when there is traffic; silence is not slowness.
                        treatMissingData: "notBreaching",
                        alarmActions,
                        okActions: alarmActions,
                        tags: args.tags,
                    },
                    { parent: this },
                );

                const n = vcpus.get(v.name);
                const cpu =
                    n === undefined
                        ? undefined
                        : new aws.cloudwatch.MetricAlarm(
                              `${name}-${v.name}-cpu`,
                              {
                                  name: `${base}-cpu`,
                                  alarmDescription: `CPU of ${ep.name}/${v.name} above ${args.alarms.cpuUtilizationPercent}% of the instance: CPUUtilization / (100 × ${n} vCPUs of ${v.instanceType}).`,
                                  comparisonOperator: "GreaterThanThreshold",
                                  threshold: args.alarms.cpuUtilizationPercent / 100,
                                  evaluationPeriods: ALARM_TIMING.cpu.evaluationPeriods,
                                  datapointsToAlarm: ALARM_TIMING.cpu.datapointsToAlarm,
                                  metricQueries: [
                                      {
                                          id: "cpu",
                                          metric: {
                                              namespace: ENDPOINT_INSTANCE_NAMESPACE,
                                              metricName: "CPUUtilization",
                                              dimensions: dims,
                                              stat: "Average",
                                              period: ALARM_TIMING.cpu.period,
                                          },
                                          returnData: false,
                                      },
                                      { id: "normalised", expression: cpuNormalisationExpression(n), label: "CPU (fraction of all vCPUs)", returnData: true },
                                  ],
                                  // Instance metrics stop only when the instances are gone (endpoint being created/deleted):
                                  // keep the previous state instead of guessing either way.
                                  treatMissingData: "missing",
                                  alarmActions,
                                  okActions: alarmActions,
                                  tags: args.tags,
                              },
                              { parent: this },
                          );
                rollback.push(errorRate, latency);
                all.push(errorRate, latency, ...(cpu ? [cpu] : []));
            }

            if (args.alarms.alarmOnZeroInvocations) {
                const t = ALARM_TIMING.zeroInvocations;
                const ids = ep.variants.map((_, i) => `inv${i}`);
                const zero = new aws.cloudwatch.MetricAlarm(
                    `${name}-zero-invocations`,
                    {
                        name: `${args.namePrefix}-${ep.name}-zero-invocations`,
                        alarmDescription: `No invocations of ${ep.name} for ${(t.period * t.evaluationPeriods) / 60} minutes.`,
                        comparisonOperator: "LessThanOrEqualToThreshold",
                        threshold: 0,
                        evaluationPeriods: t.evaluationPeriods,
                        datapointsToAlarm: t.datapointsToAlarm,
                        metricQueries: [
                            ...ep.variants.map((v, i) => ({
                                id: ids[i],
                                metric: {
                                    namespace: SAGEMAKER_NAMESPACE,
                                    metricName: "Invocations",
                                    dimensions: { EndpointName: ep.name, VariantName: v.name },
                                    stat: "Sum",
                                    period: t.period,
                                },
                                returnData: false,
                            })),
                            { id: "total", expression: ids.map((id) => `FILL(${id}, 0)`).join(" + "), label: "Invocations (all variants)", returnData: true },
                        ],
                        // SageMaker publishes no Invocations datapoint when nothing is invoked: missing data IS the
                        // condition this alarm looks for.
                        treatMissingData: "breaching",
                        alarmActions,
                        okActions: alarmActions,
                        tags: args.tags,
                    },
                    { parent: this },
                );
                all.push(zero);
            }
        }
        this.alarms = all;
        this.endpointAlarmNames = pulumi.all(rollback.map((a) => a.name));
        this.alarmNames = pulumi.all(all.map((a) => a.name));

        // ---- dashboard ----
        const dashboardName =
            args.namePrefix.endsWith(`-${args.environment}`) || args.namePrefix === args.environment
                ? args.namePrefix
                : `${args.namePrefix}-${args.environment}`;
        const body = pulumi
            .all([region, pulumi.all(all.map((a) => a.arn))])
            .apply(([r, alarmArns]) => JSON.stringify(dashboardBody({ region: r, args, alarmArns })));
        this.dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, { dashboardName, dashboardBody: body }, { parent: this });
        this.dashboardName = this.dashboard.dashboardName;

        // ---- Logs Insights queries ----
        const q = (key: string, queryName: string, groups: pulumi.Input<string>[], queryString: string) =>
            new aws.cloudwatch.QueryDefinition(
                `${name}-${key}`,
                { name: `${args.namePrefix}/${queryName}`, logGroupNames: groups, queryString },
                { parent: this },
            );
        this.queryDefinitions = [
            q(
                "q-failed-jobs",
                "failed-training-and-processing-jobs",
                [groupName("training"), groupName("processing")],
                [
                    "fields @timestamp, @log, @logStream, @message",
                    "| filter @message like /(?i)(error|exception|traceback|failed|failure reason)/",
                    "| stats count(*) as errorLines, latest(@message) as lastError, latest(@timestamp) as lastSeen by @log, @logStream",
                    "| sort lastSeen desc",
                    "| limit 100",
                ].join("\n"),
            ),
        ];
        if (ep) {
            const epGroup = this.logGroups.endpoint.name;
            this.queryDefinitions.push(
                q(
                    "q-endpoint-errors",
                    "endpoint-errors",
                    [epGroup],
                    [
                        "fields @timestamp, @logStream, @message",
                        "| filter @message like /(?i)(error|exception|traceback|\\s5\\d\\d\\s)/",
                        "| sort @timestamp desc",
                        "| limit 200",
                    ].join("\n"),
                ),
                q(
                    "q-slow-invocations",
                    "slow-invocations",
                    // Container access logs of the endpoint and the platform monitor's request records, where either
                    // logs a request duration in milliseconds.
                    [epGroup, this.logGroups.monitor.name],
                    [
                        "fields @timestamp, @logStream, @message",
                        "| parse @message /(?i)(latency|duration|request_time)[^0-9]{0,16}(?<ms>[0-9]+(\\.[0-9]+)?)\\s*ms/",
                        `| filter ispresent(ms) and ms > ${args.alarms.p99LatencyMs}`,
                        "| sort ms desc",
                        "| limit 100",
                    ].join("\n"),
                ),
            );
        }

        this.registerOutputs({
            logGroupNames: this.logGroupNames,
            logGroupArns: this.logGroupArns,
            dashboardName: this.dashboardName,
            endpointAlarmNames: this.endpointAlarmNames,
            alarmNames: this.alarmNames,
        });
    }
}

interface DashboardContext {
    region: string;
    args: ObservabilityArgs;
    alarmArns: string[];
}

type Widget = Record<string, unknown>;

/** A CostQuery as a dashboard widget metric row ([namespace, name, dim, value, ..., options] or [{ expression }]). */
export function costQueryToWidgetMetric(q: CostQuery): unknown[] {
    if (q.expression !== undefined) return [{ expression: q.expression, id: q.id, label: q.label, visible: q.returnData }];
    const m = q.metric!;
    return [m.namespace, m.metricName, ...Object.entries(m.dimensions).flat(), { id: q.id, stat: m.stat, label: q.label, visible: q.returnData }];
}

/** Builds the dashboard body (exported for tests and for documentation generators). */
export function dashboardBody(ctx: DashboardContext): { widgets: Widget[] } {
    const { region, args } = ctx;
    const ep = args.endpoint;
    const widgets: Widget[] = [];
    let y = 0;
    const row = (ws: Widget[], height = 6) => {
        const width = Math.floor(24 / ws.length);
        ws.forEach((w, i) => widgets.push({ ...w, x: i * width, y, width, height }));
        y += height;
    };
    const metricWidget = (title: string, metrics: unknown[][], extra: Record<string, unknown> = {}): Widget => ({
        type: "metric",
        properties: { title, region, view: "timeSeries", stacked: false, period: 60, metrics, ...extra },
    });

    widgets.push({
        type: "text",
        x: 0,
        y,
        width: 24,
        height: 2,
        properties: { markdown: `# ML platform — ${args.environment}\nEndpoint: ${ep ? `\`${ep.name}\`` : "disabled"}. Latencies are in microseconds (µs).` },
    });
    y += 2;

    if (ep) {
        const sm = (metricName: string, v: string, stat: string, label?: string) => [
            SAGEMAKER_NAMESPACE,
            metricName,
            "EndpointName",
            ep.name,
            "VariantName",
            v,
            { stat, label: label ?? `${v} ${metricName}` },
        ];
        row([
            metricWidget(
                "Invocations",
                ep.variants.map((v) => sm("Invocations", v.name, "Sum")),
                { stat: "Sum" },
            ),
            metricWidget(
                "Invocation errors (4XX / 5XX)",
                ep.variants.flatMap((v) => [sm("Invocation4XXErrors", v.name, "Sum"), sm("Invocation5XXErrors", v.name, "Sum")]),
            ),
        ]);
        row([
            metricWidget(
                "ModelLatency p50 / p99 (µs)",
                ep.variants.flatMap((v) => [sm("ModelLatency", v.name, "p50", `${v.name} p50`), sm("ModelLatency", v.name, "p99", `${v.name} p99`)]),
                { yAxis: { left: { label: "µs", showUnits: false } } },
            ),
            metricWidget(
                "OverheadLatency p50 / p99 (µs)",
                ep.variants.flatMap((v) => [sm("OverheadLatency", v.name, "p50", `${v.name} p50`), sm("OverheadLatency", v.name, "p99", `${v.name} p99`)]),
                { yAxis: { left: { label: "µs", showUnits: false } } },
            ),
        ]);
        const inst = (metricName: string) =>
            ep.variants.map((v) => [
                ENDPOINT_INSTANCE_NAMESPACE,
                metricName,
                "EndpointName",
                ep.name,
                "VariantName",
                v.name,
                { stat: "Average", label: `${v.name} ${metricName}` },
            ]);
        // Cost per 1000 predictions (costPerThousandQueries: formula and limits there), hourly.
        const cpt = costPerThousandQueries(ep.name, ep.variants);
        if (cpt.queries.length > 0) {
            row([
                metricWidget(
                    `Cost per 1000 predictions ($, list prices; instances or serverless GB-seconds only)${cpt.unpriced.length ? ` (not priced: ${cpt.unpriced.join(", ")})` : ""}`,
                    cpt.queries.map(costQueryToWidgetMetric),
                    { period: 3600, yAxis: { left: { label: "$ / 1000", showUnits: false } } },
                ),
            ]);
        }
        row([
            metricWidget("CPUUtilization (% summed over vCPUs)", inst("CPUUtilization"), { period: 300 }),
            metricWidget("MemoryUtilization (%)", inst("MemoryUtilization"), { period: 300 }),
            metricWidget("DiskUtilization (%)", inst("DiskUtilization"), { period: 300 }),
        ]);

        const driftMetrics: unknown[][] = [
            [
                {
                    expression: `SEARCH('{${DATA_METRICS_NAMESPACE},Endpoint,MonitoringSchedule} MetricName="${FEATURE_BASELINE_DRIFT_PREFIX}" Endpoint="${ep.name}"', 'Maximum', 3600)`,
                    id: "alldrift",
                    label: "",
                },
            ],
        ];
        if (args.drift) {
            for (const f of args.drift.features) {
                driftMetrics.push([
                    DATA_METRICS_NAMESPACE,
                    featureBaselineDriftMetric(f),
                    "Endpoint",
                    ep.name,
                    "MonitoringSchedule",
                    args.drift.monitoringScheduleName,
                    { stat: "Maximum", label: f },
                ]);
            }
        }
        row([
            metricWidget("Feature drift (feature_baseline_drift_*)", driftMetrics, { period: 3600 }),
            {
                type: "log",
                properties: {
                    title: "Monitoring job status",
                    region,
                    view: "table",
                    query: [
                        `SOURCE '${JOB_LOG_GROUPS.processing}' | fields @timestamp, @logStream, @message`,
                        `| filter @logStream like /${args.drift?.monitoringScheduleName ?? "monitoring"}/ or @message like /(?i)(monitoring|violation)/`,
                        "| filter @message like /(?i)(completed|failed|error|violation|stopped)/",
                        "| sort @timestamp desc",
                        "| limit 50",
                    ].join(" "),
                },
            },
        ]);
    }

    row([
        {
            type: "log",
            properties: {
                title: "Training / processing job errors",
                region,
                view: "table",
                query: [
                    `SOURCE '${JOB_LOG_GROUPS.training}' | SOURCE '${JOB_LOG_GROUPS.processing}'`,
                    "| fields @timestamp, @log, @logStream, @message",
                    "| filter @message like /(?i)(error|exception|traceback|failed)/",
                    "| sort @timestamp desc",
                    "| limit 50",
                ].join(" "),
            },
        },
        ...(ctx.alarmArns.length > 0 ? [{ type: "alarm", properties: { title: "Alarms", alarms: ctx.alarmArns } }] : []),
    ]);
    return { widgets };
}
