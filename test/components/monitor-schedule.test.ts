import * as assert from "assert";
import { setupMocks, promiseOf, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";

const mocks = setupMocks();
mocks.onCall("aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage", (a) => ({
    registryId: "156813124566",
    registryPath: `156813124566.dkr.ecr.us-east-1.amazonaws.com/${a.inputs.repositoryName}:${a.inputs.imageTag}`,
    id: "x",
}));
mocks.onResource("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition", (a) => ({ name: a.inputs.name ?? `${a.name}-9f8e7d6` }));
import { ModelMonitorSchedule, ModelMonitorScheduleArgs, MODEL_MONITOR_RESOURCE_TYPES } from "../../components/monitor-schedule";

const KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/data`;
const TOPIC = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-dev-alerts`;
const ROLE = `arn:aws:iam::${MOCK_ACCOUNT}:role/mlp-dev-monitoring`;

function args(over: Partial<ModelMonitorScheduleArgs> = {}): ModelMonitorScheduleArgs {
    return {
        namePrefix: "mlp-dev",
        enabled: true,
        endpointName: "mlp-dev-endpoint",
        monitoringRoleArn: ROLE,
        monitoringBucketName: "mlp-dev-monitoring",
        kmsKeyArn: KEY,
        subnetIds: ["subnet-a"],
        securityGroupIds: ["sg-jobs"],
        instanceType: "ml.m5.large",
        maxRuntimeSeconds: 1800,
        scheduleExpression: "cron(0 * ? * * *)",
        driftFeatures: ["age", "capital_gain"],
        driftThreshold: 0.1,
        alarmTopicArn: TOPIC,
        ...over,
    };
}

describe("ModelMonitorSchedule", () => {
    beforeEach(() => mocks.reset());

    it("job definition: analyzer image, baselines, endpoint input, encrypted output and volume", async () => {
        new ModelMonitorSchedule("mm-jd", args());
        await mocks.settle();
        const jd = mocks.one("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition");
        assert.equal(jd.inputs.dataQualityAppSpecification.imageUri, "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest");
        assert.equal(jd.inputs.dataQualityAppSpecification.environment.publish_cloudwatch_metrics, "Enabled");
        assert.equal(jd.inputs.dataQualityBaselineConfig.constraintsResource.s3Uri, "s3://mlp-dev-monitoring/baselines/mlp-dev-endpoint/constraints.json");
        assert.equal(jd.inputs.dataQualityBaselineConfig.statisticsResource.s3Uri, "s3://mlp-dev-monitoring/baselines/mlp-dev-endpoint/statistics.json");
        const input = jd.inputs.dataQualityJobInput.endpointInput;
        assert.equal(input.endpointName, "mlp-dev-endpoint");
        assert.equal(input.localPath, "/opt/ml/processing/input/endpoint");
        const out = jd.inputs.dataQualityJobOutputConfig;
        assert.equal(out.kmsKeyId, KEY);
        assert.match(out.monitoringOutputs.s3Output.s3Uri, /^s3:\/\/mlp-dev-monitoring\//);
        assert.equal(jd.inputs.jobResources.clusterConfig.volumeKmsKeyId, KEY);
        assert.equal(jd.inputs.jobResources.clusterConfig.instanceType, "ml.m5.large");
        assert.equal(jd.inputs.roleArn, ROLE);
        assert.equal(jd.inputs.stoppingCondition.maxRuntimeInSeconds, 1800);
    });

    it("no volume key on NVMe instance storage types (rejected by SageMaker); output still encrypted", async () => {
        new ModelMonitorSchedule("mm-nvme", args({ instanceType: "ml.m5d.large" }));
        await mocks.settle();
        const jd = mocks.one("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition");
        assert.equal(jd.inputs.jobResources.clusterConfig.volumeKmsKeyId, undefined);
        assert.equal(jd.inputs.dataQualityJobOutputConfig.kmsKeyId, KEY);
    });

    it("job definition: network isolation, inter-container encryption, VPC", async () => {
        new ModelMonitorSchedule("mm-net", args());
        await mocks.settle();
        const nc = mocks.one("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition").inputs.networkConfig;
        assert.equal(nc.enableNetworkIsolation, true);
        assert.equal(nc.enableInterContainerTrafficEncryption, true);
        assert.deepEqual(nc.vpcConfig, { subnets: ["subnet-a"], securityGroupIds: ["sg-jobs"] });
    });

    it("schedule: DataQuality, the job definition, the cron from Args, stable name", async () => {
        const m = new ModelMonitorSchedule("mm-sched", args({ scheduleExpression: "cron(30 * ? * * *)" }));
        await mocks.settle();
        const s = mocks.one("aws:sagemaker/monitoringSchedule:MonitoringSchedule");
        assert.equal(s.inputs.name, "mlp-dev-data-quality");
        assert.equal(m.scheduleName, "mlp-dev-data-quality");
        const c = s.inputs.monitoringScheduleConfig;
        assert.equal(c.monitoringType, "DataQuality");
        assert.equal(c.scheduleConfig.scheduleExpression, "cron(30 * ? * * *)");
        assert.equal(c.monitoringJobDefinitionName, "mm-sched-dq-9f8e7d6");
        assert.equal(await promiseOf(m.jobDefinitionName), "mm-sched-dq-9f8e7d6");
    });

    it("drift alarms per feature on the data-metrics namespace with Endpoint + MonitoringSchedule", async () => {
        const m = new ModelMonitorSchedule("mm-alarm", args());
        await mocks.settle();
        const alarms = mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
        assert.deepEqual(alarms.map((a) => a.inputs.metricName).sort(), ["feature_baseline_drift_age", "feature_baseline_drift_capital_gain"]);
        for (const a of alarms) {
            assert.equal(a.inputs.namespace, "aws/sagemaker/Endpoints/data-metrics");
            assert.deepEqual(a.inputs.dimensions, { Endpoint: "mlp-dev-endpoint", MonitoringSchedule: "mlp-dev-data-quality" });
            assert.equal(a.inputs.threshold, 0.1);
            assert.equal(a.inputs.comparisonOperator, "GreaterThanThreshold");
            assert.deepEqual(a.inputs.alarmActions, [TOPIC]);
            assert.ok(a.inputs.name.startsWith(m.driftAlarmNamePrefix));
        }
        assert.deepEqual((await promiseOf(m.driftAlarmNames)).sort(), ["mlp-dev-drift-age", "mlp-dev-drift-capital_gain"]);
    });

    it("switched off: no job definition, no schedule, no image lookup; drift alarms stay for the platform monitor", async () => {
        const m = new ModelMonitorSchedule("mm-off", args({ enabled: false }));
        await mocks.settle();
        assert.equal(mocks.ofType("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition").length, 0);
        assert.equal(mocks.ofType("aws:sagemaker/monitoringSchedule:MonitoringSchedule").length, 0);
        assert.equal(mocks.calls.filter((c) => c.token.includes("getPrebuiltEcrImage")).length, 0);
        assert.equal(mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length, 2);
        assert.equal(await promiseOf(m.jobDefinitionName), undefined);
    });

    it("validates schedule, runtime and threshold", () => {
        assert.throws(() => new ModelMonitorSchedule("mm-v1", args({ scheduleExpression: "rate(1 hour)" })), /cron/);
        assert.throws(() => new ModelMonitorSchedule("mm-v2", args({ maxRuntimeSeconds: 7200 })), /maxRuntimeSeconds/);
        assert.throws(() => new ModelMonitorSchedule("mm-v3", args({ driftThreshold: 0 })), /driftThreshold/);
    });

    it("all resources are children of the component", async () => {
        new ModelMonitorSchedule("mm-parent", args());
        await mocks.settle();
        const comp = mocks.one("mlplatform:monitoring:ModelMonitorSchedule");
        assert.equal(mocks.childrenOf(comp).filter((r) => r.custom).length, mocks.resources.filter((r) => r.custom).length);
    });

    it("creates exactly the resource types it declares", async () => {
        new ModelMonitorSchedule("mm-types", args());
        await mocks.settle();
        const types = new Set(mocks.resources.filter((r) => r.custom).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...MODEL_MONITOR_RESOURCE_TYPES].sort());
    });
});
