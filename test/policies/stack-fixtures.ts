/** A small, complete, compliant SageMaker stack used by the stack-policy tests. */
import { ResourceInput, makeUrn, res } from "./harness";

export const T = {
    endpoint: "aws:sagemaker/endpoint:Endpoint",
    epc: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    target: "aws:appautoscaling/target:Target",
    schedule: "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    dq: "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    lambda: "aws:lambda/function:Function",
    monitor: "mlplatform:monitoring:ServerlessMonitor",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    trail: "aws:cloudtrail/trail:Trail",
    budget: "aws:budgets/budget:Budget",
};

export interface StackOptions {
    endpointName?: string;
    instanceType?: string;
    count?: number;
    variants?: string[];
    dataCapture?: boolean;
    monitor?: "schedule" | "lambda" | "component" | "none";
    alarms?: string[];
    autoscaling?: boolean;
    budget?: number | null;
    trail?: boolean;
    schedule?: string;
}

export function endpointStack(o: StackOptions = {}): ResourceInput[] {
    const name = o.endpointName ?? "churn";
    const variants = o.variants ?? ["AllTraffic"];
    const out: ResourceInput[] = [
        res(T.epc, `${name}-config`, {
            name: `${name}-config-1a2b`,
            kmsKeyArn: "arn:aws:kms:us-east-1:1:key/k",
            productionVariants: variants.map((v) => ({
                variantName: v,
                modelName: "m",
                instanceType: o.instanceType ?? "ml.m5.large",
                initialInstanceCount: o.count ?? 2,
            })),
            ...(o.dataCapture === false
                ? {}
                : {
                      dataCaptureConfig: {
                          enableCapture: true,
                          initialSamplingPercentage: 20,
                          destinationS3Uri: "s3://capture/churn",
                          captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
                      },
                  }),
        }),
        res(T.endpoint, name, { name, endpointConfigName: `${name}-config-1a2b` }),
    ];
    if (o.autoscaling !== false) {
        for (const v of variants) {
            out.push(
                res(T.target, `${name}-${v}-scaling`, {
                    serviceNamespace: "sagemaker",
                    scalableDimension: "sagemaker:variant:DesiredInstanceCount",
                    resourceId: `endpoint/${name}/variant/${v}`,
                    minCapacity: 2,
                    maxCapacity: 4,
                }),
            );
        }
    }
    switch (o.monitor ?? "schedule") {
        case "schedule":
            out.push(
                res(T.dq, `${name}-dq`, {
                    name: `${name}-dq`,
                    dataQualityJobInput: { endpointInput: { endpointName: name, localPath: "/opt/ml/processing/input" } },
                    jobResources: { clusterConfig: { instanceType: "ml.m5.xlarge", instanceCount: 1, volumeSizeInGb: 20 } },
                    stoppingCondition: { maxRuntimeInSeconds: 1800 },
                }),
            );
            out.push(
                res(T.schedule, `${name}-schedule`, {
                    monitoringScheduleConfig: {
                        monitoringJobDefinitionName: `${name}-dq`,
                        monitoringType: "DataQuality",
                        scheduleConfig: { scheduleExpression: o.schedule ?? "cron(0 * ? * * *)" },
                    },
                }),
            );
            break;
        case "lambda":
            out.push(res(T.lambda, `${name}-monitor`, { runtime: "nodejs20.x", tags: { "mlplatform:monitor-endpoint": name } }));
            break;
        case "component":
            out.push(res(T.monitor, `${name}-monitor`, { endpointName: name }));
            break;
        case "none":
            break;
    }
    for (const metric of o.alarms ?? ["Invocation5XXErrors", "ModelLatency"]) {
        out.push(
            res(T.alarm, `${name}-${metric}`, {
                namespace: "AWS/SageMaker",
                metricName: metric,
                comparisonOperator: "GreaterThanThreshold",
                evaluationPeriods: 1,
                threshold: 1,
                dimensions: { EndpointName: name, VariantName: variants[0] },
            }),
        );
    }
    out.push(res(T.logGroup, `${name}-logs`, { name: `/aws/sagemaker/Endpoints/${name}`, retentionInDays: 30 }));
    if (o.trail !== false) {
        out.push(res(T.trail, "trail", { s3BucketName: "audit", enableLogFileValidation: true, isMultiRegionTrail: true, kmsKeyId: "k" }));
    }
    if (o.budget !== null) {
        out.push(
            res(T.budget, "budget", {
                budgetType: "COST",
                timeUnit: "MONTHLY",
                limitAmount: String(o.budget ?? 2000),
                limitUnit: "USD",
                notifications: [
                    {
                        comparisonOperator: "GREATER_THAN",
                        notificationType: "FORECASTED",
                        threshold: 80,
                        thresholdType: "PERCENTAGE",
                        subscriberEmailAddresses: ["ml-team@example.com"],
                    },
                ],
            }),
        );
    }
    return out;
}

export function urnOf(type: string, name: string): string {
    return makeUrn(type, name);
}
