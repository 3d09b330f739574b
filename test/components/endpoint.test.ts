import * as assert from "assert";
import { setupMocks, promiseOf, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";

const mocks = setupMocks();
const XGB = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const SKL = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
mocks.onCall("aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage", (a) => ({
    registryId: "683313688378",
    registryPath: `683313688378.dkr.ecr.us-east-1.amazonaws.com/${a.inputs.repositoryName}:${a.inputs.imageTag}`,
    id: "x",
}));
// The real provider auto-names resources without an explicit name (`<logical name>-<random suffix>`); mirror that.
const autoName = (a: { name: string; inputs: Record<string, any> }) => ({ name: a.inputs.name ?? `${a.name}-1a2b3c4` });
mocks.onResource("aws:sagemaker/model:Model", autoName);
mocks.onResource("aws:sagemaker/endpointConfiguration:EndpointConfiguration", autoName);
import { ModelEndpoint, ModelEndpointArgs, disabledEndpointOutputs, endpointStackOutputs, ENDPOINT_RESOURCE_TYPES } from "../../components/endpoint";

const KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/data`;
const ROLE = `arn:aws:iam::${MOCK_ACCOUNT}:role/mlp-dev-hosting`;

function args(over: Partial<ModelEndpointArgs> = {}): ModelEndpointArgs {
    return {
        namePrefix: "mlp-dev",
        hostingRoleArn: ROLE,
        subnetIds: ["subnet-a", "subnet-b"],
        securityGroupIds: ["sg-endpoint"],
        kmsKeyArn: KEY,
        artifactsBucketName: "mlp-dev-artifacts",
        variants: [{ name: "champion", instanceType: "ml.m5.large", initialInstanceCount: 2, weight: 1 }],
        captureS3Uri: "s3://mlp-dev-capture/datacapture",
        captureSamplingPercentage: 20,
        autoscaling: { minCapacity: 2, maxCapacity: 6, targetInvocationsPerInstance: 200, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 },
        deployment: { strategy: "canary", stepPercent: 10, waitIntervalSeconds: 600, terminationWaitSeconds: 300 },
        rollbackAlarmNames: ["mlp-dev-e-champion-5xx-rate", "mlp-dev-e-champion-p99-latency"],
        ...over,
    };
}

const config = () => mocks.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration");

describe("ModelEndpoint", () => {
    beforeEach(() => mocks.reset());

    it("models (raw input, the default): a two-container inference pipeline — scikit-learn serving with the preprocessing archive, then XGBoost — network isolation, VPC config, hosting role", async () => {
        new ModelEndpoint("ep-model", args());
        await mocks.settle();
        const m = mocks.one("aws:sagemaker/model:Model");
        assert.equal(m.inputs.enableNetworkIsolation, true);
        assert.deepEqual(m.inputs.vpcConfig, { subnets: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-endpoint"] });
        assert.equal(m.inputs.executionRoleArn, ROLE);
        assert.equal(m.inputs.primaryContainer, undefined, "a pipeline model has Containers, not a PrimaryContainer");
        assert.deepEqual(m.inputs.inferenceExecutionConfig, { mode: "Serial" });
        const [pre, xgb] = m.inputs.containers;
        assert.equal(m.inputs.containers.length, 2);
        assert.equal(pre.image, SKL);
        assert.equal(pre.modelDataUrl, "s3://mlp-dev-artifacts/models/champion/sourcedir.tar.gz");
        assert.deepEqual(pre.environment, {
            SAGEMAKER_PROGRAM: "preprocess.py",
            SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
            SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "text/csv",
            SAGEMAKER_CONTAINER_LOG_LEVEL: "20",
        });
        assert.equal(xgb.image, XGB);
        assert.equal(xgb.modelDataUrl, "s3://mlp-dev-artifacts/models/champion/model.tar.gz");
        const lookups = mocks.calls
            .filter((c) => c.token === "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage")
            .map((c) => `${c.inputs.repositoryName}:${c.inputs.imageTag}`);
        assert.deepEqual(lookups.sort(), ["sagemaker-scikit-learn:1.2-1-cpu-py3", "sagemaker-xgboost:1.7-1"]);
    });

    it("models (input: features): the XGBoost container alone, default image and model data URL", async () => {
        new ModelEndpoint("ep-feat", args({ input: "features" }));
        await mocks.settle();
        const m = mocks.one("aws:sagemaker/model:Model");
        assert.equal(m.inputs.containers, undefined);
        assert.equal(m.inputs.primaryContainer.image, XGB);
        assert.equal(m.inputs.primaryContainer.modelDataUrl, "s3://mlp-dev-artifacts/models/champion/model.tar.gz");
        const call = mocks.calls.find((c) => c.token === "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage")!;
        assert.deepEqual({ r: call.inputs.repositoryName, t: call.inputs.imageTag }, { r: "sagemaker-xgboost", t: "1.7-1" });
        assert.equal(mocks.calls.filter((c) => c.token.includes("getPrebuiltEcrImage")).length, 1);
    });

    it("configured images, model URL and preprocessing archive win; no image lookup then", async () => {
        const img = `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/custom:1`;
        const pre = `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sklearn-serving:1.2-1`;
        const archive = "s3://mlp-dev-artifacts/models/preprocess-0123456789abcdef/sourcedir.tar.gz";
        new ModelEndpoint(
            "ep-img",
            args({
                preprocessImage: pre,
                variants: [
                    {
                        name: "champion",
                        instanceType: "ml.m5.large",
                        initialInstanceCount: 1,
                        weight: 1,
                        image: img,
                        modelDataUrl: "s3://b/k/model.tar.gz",
                        preprocessDataUrl: archive,
                    },
                ],
            }),
        );
        await mocks.settle();
        const m = mocks.one("aws:sagemaker/model:Model");
        assert.deepEqual(
            m.inputs.containers.map((c: any) => [c.image, c.modelDataUrl]),
            [
                [pre, archive],
                [img, "s3://b/k/model.tar.gz"],
            ],
        );
        assert.equal(mocks.calls.filter((c) => c.token.includes("getPrebuiltEcrImage")).length, 0);
    });

    it("where AWS publishes no scikit-learn image, a raw-record endpoint fails at preview naming the remedy", () => {
        for (const region of ["ca-west-1", "il-central-1"]) {
            assert.throws(
                () => new ModelEndpoint(`ep-${region}`, args({ region })),
                /does not publish the scikit-learn serving image.*in (ca-west-1|il-central-1).*endpoint\.preprocessImage.*endpoint\.input: features/,
            );
        }
        assert.doesNotThrow(
            () => new ModelEndpoint("ep-ok-1", args({ region: "ca-west-1", preprocessImage: `${MOCK_ACCOUNT}.dkr.ecr.ca-west-1.amazonaws.com/sklearn:1` })),
        );
        assert.doesNotThrow(() => new ModelEndpoint("ep-ok-2", args({ region: "ca-west-1", input: "features" })));
        assert.doesNotThrow(() => new ModelEndpoint("ep-ok-3", args({ region: "us-east-1" })));
    });

    it("endpoint config: auto-named, KMS, capture of Input+Output with KMS at the sampling percentage", async () => {
        new ModelEndpoint("ep-cfg", args());
        await mocks.settle();
        const c = config();
        assert.equal(c.inputs.name, undefined, "no explicit name: Pulumi auto-names (immutable config replaced on change)");
        assert.equal(c.inputs.namePrefix, undefined);
        assert.equal(mocks.one("aws:sagemaker/endpoint:Endpoint").inputs.endpointConfigName, "ep-cfg-config-1a2b3c4");
        assert.equal(c.inputs.kmsKeyArn, KEY);
        const dc = c.inputs.dataCaptureConfig;
        assert.equal(dc.enableCapture, true);
        assert.equal(dc.initialSamplingPercentage, 20);
        assert.equal(dc.destinationS3Uri, "s3://mlp-dev-capture/datacapture");
        assert.equal(dc.kmsKeyId, KEY);
        assert.deepEqual(dc.captureOptions.map((o: any) => o.captureMode).sort(), ["Input", "Output"]);
        assert.ok(dc.captureContentTypeHeader.csvContentTypes.includes("text/csv"));
        assert.ok(dc.captureContentTypeHeader.jsonContentTypes.includes("application/json"));
    });

    it("GPU variants on NVMe instance storage get no volume key (SageMaker rejects it); capture stays encrypted", async () => {
        const ep = new ModelEndpoint("ep-gpu", args({ shadowVariant: { name: "gpu", instanceType: "ml.g4dn.xlarge", initialInstanceCount: 1, weight: 1 } }));
        await mocks.settle();
        assert.equal(config().inputs.kmsKeyArn, undefined);
        assert.equal(config().inputs.dataCaptureConfig.kmsKeyId, KEY);
        assert.equal(ep.storageKmsKeyApplied, false);
    });

    it("sampling percentage follows Args; 0 disables capture", async () => {
        new ModelEndpoint("ep-samp", args({ captureSamplingPercentage: 100 }));
        await mocks.settle();
        assert.equal(config().inputs.dataCaptureConfig.initialSamplingPercentage, 100);
        mocks.reset();
        new ModelEndpoint("ep-samp0", args({ captureSamplingPercentage: 0 }));
        await mocks.settle();
        assert.equal(config().inputs.dataCaptureConfig.enableCapture, false);
        assert.throws(() => new ModelEndpoint("ep-samp-bad", args({ captureSamplingPercentage: 101 })), /captureSamplingPercentage/);
    });

    it("A/B: one production variant per config entry with its weight and model; optional shadow variant", async () => {
        const ep = new ModelEndpoint(
            "ep-ab",
            args({
                variants: [
                    { name: "champion", instanceType: "ml.m5.large", initialInstanceCount: 2, weight: 9 },
                    { name: "challenger", instanceType: "ml.c5.xlarge", initialInstanceCount: 1, weight: 1 },
                ],
                shadowVariant: { name: "shadow", instanceType: "ml.m5.large", initialInstanceCount: 1, weight: 1 },
            }),
        );
        await mocks.settle();
        const c = config();
        const pv = c.inputs.productionVariants as any[];
        assert.deepEqual(
            pv.map((v) => [v.variantName, v.initialVariantWeight, v.instanceType, v.initialInstanceCount]),
            [
                ["champion", 9, "ml.m5.large", 2],
                ["challenger", 1, "ml.c5.xlarge", 1],
            ],
        );
        const models = mocks.ofType("aws:sagemaker/model:Model");
        assert.equal(models.length, 3);
        const modelNames = new Set(models.map((m) => m.state.name));
        for (const v of pv) assert.ok(modelNames.has(v.modelName), `model of ${v.variantName}`);
        assert.equal(pv[0].modelName === pv[1].modelName, false);
        const shadow = c.inputs.shadowProductionVariants as any[];
        assert.equal(shadow.length, 1);
        assert.equal(shadow[0].variantName, "shadow");
        assert.ok(modelNames.has(shadow[0].modelName));
        assert.deepEqual(ep.variantNames, ["champion", "challenger"]);
        assert.equal(ep.shadowVariantName, "shadow");
        // shadow gets no autoscaling
        assert.equal(mocks.ofType("aws:appautoscaling/target:Target").length, 2);
        for (const m of models) assert.equal(m.inputs.enableNetworkIsolation, true);
    });

    it("no shadow variant by default", async () => {
        new ModelEndpoint("ep-noshadow", args());
        await mocks.settle();
        assert.equal(config().inputs.shadowProductionVariants, undefined);
    });

    it("endpoint: explicit stable name, blue/green canary with rollback alarms", async () => {
        const ep = new ModelEndpoint("ep-bg", args({ endpointName: "mlp-dev-churn" }));
        await mocks.settle();
        const e = mocks.one("aws:sagemaker/endpoint:Endpoint");
        assert.equal(e.inputs.name, "mlp-dev-churn");
        assert.equal(await promiseOf(ep.endpointName), "mlp-dev-churn");
        assert.equal(e.inputs.endpointConfigName, config().state.name);
        const bg = e.inputs.deploymentConfig.blueGreenUpdatePolicy;
        assert.deepEqual(bg.trafficRoutingConfiguration, { type: "CANARY", canarySize: { type: "CAPACITY_PERCENT", value: 10 }, waitIntervalInSeconds: 600 });
        assert.equal(bg.terminationWaitInSeconds, 300);
        assert.deepEqual(e.inputs.deploymentConfig.autoRollbackConfiguration.alarms, [
            { alarmName: "mlp-dev-e-champion-5xx-rate" },
            { alarmName: "mlp-dev-e-champion-p99-latency" },
        ]);
    });

    it("linear and all-at-once traffic routing", async () => {
        new ModelEndpoint("ep-lin", args({ deployment: { strategy: "linear", stepPercent: 25, waitIntervalSeconds: 120, terminationWaitSeconds: 0 } }));
        await mocks.settle();
        let t = mocks.one("aws:sagemaker/endpoint:Endpoint").inputs.deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration;
        assert.deepEqual(t, { type: "LINEAR", linearStepSize: { type: "CAPACITY_PERCENT", value: 25 }, waitIntervalInSeconds: 120 });
        mocks.reset();
        new ModelEndpoint(
            "ep-all",
            args({ deployment: { strategy: "all-at-once", stepPercent: 10, waitIntervalSeconds: 0, terminationWaitSeconds: 0 }, rollbackAlarmNames: [] }),
        );
        await mocks.settle();
        const e = mocks.one("aws:sagemaker/endpoint:Endpoint");
        t = e.inputs.deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration;
        assert.equal(t.type, "ALL_AT_ONCE");
        assert.equal(e.inputs.deploymentConfig.autoRollbackConfiguration, undefined);
    });

    it("autoscaling: target per variant on DesiredInstanceCount, target tracking on invocations per instance", async () => {
        new ModelEndpoint("ep-as", args({ endpointName: "mlp-dev-churn" }));
        await mocks.settle();
        const t = mocks.one("aws:appautoscaling/target:Target");
        assert.equal(t.inputs.resourceId, "endpoint/mlp-dev-churn/variant/champion");
        assert.equal(t.inputs.scalableDimension, "sagemaker:variant:DesiredInstanceCount");
        assert.equal(t.inputs.serviceNamespace, "sagemaker");
        assert.deepEqual([t.inputs.minCapacity, t.inputs.maxCapacity], [2, 6]);
        const p = mocks.one("aws:appautoscaling/policy:Policy");
        assert.equal(p.inputs.policyType, "TargetTrackingScaling");
        const tt = p.inputs.targetTrackingScalingPolicyConfiguration;
        assert.equal(tt.predefinedMetricSpecification.predefinedMetricType, "SageMakerVariantInvocationsPerInstance");
        assert.equal(tt.targetValue, 200);
        assert.deepEqual([tt.scaleInCooldown, tt.scaleOutCooldown], [300, 60]);
        assert.equal(p.inputs.resourceId, "endpoint/mlp-dev-churn/variant/champion");
    });

    it("autoscaling can be switched off for an instance-type change", async () => {
        const a = args();
        new ModelEndpoint("ep-as-off", { ...a, autoscaling: { ...a.autoscaling, enabled: false } });
        await mocks.settle();
        assert.equal(mocks.ofType("aws:appautoscaling/target:Target").length, 0);
        assert.equal(mocks.ofType("aws:appautoscaling/policy:Policy").length, 0);
        assert.equal(mocks.ofType("aws:sagemaker/endpoint:Endpoint").length, 1);
    });

    it("validates variants", () => {
        assert.throws(() => new ModelEndpoint("ep-v1", args({ variants: [] })), /at least one production variant/);
        assert.throws(
            () => new ModelEndpoint("ep-v2", args({ variants: [{ name: "a", instanceType: "ml.m5.large", initialInstanceCount: 1, weight: 0 }] })),
            /weight > 0/,
        );
        assert.throws(
            () => new ModelEndpoint("ep-v3", args({ shadowVariant: { name: "champion", instanceType: "ml.m5.large", initialInstanceCount: 1, weight: 1 } })),
            /unique/,
        );
    });

    it("every resource is a child of the component", async () => {
        new ModelEndpoint("ep-parent", args());
        await mocks.settle();
        const comp = mocks.one("mlplatform:serving:ModelEndpoint");
        const custom = mocks.resources.filter((r) => r.custom);
        assert.equal(mocks.descendantsOf(comp).filter((r) => r.custom).length, custom.length);
        assert.equal(custom.length, 5); // model, config, endpoint, target, policy
    });

    it("disabled outputs are null; enabled outputs carry the names", async () => {
        assert.deepEqual(disabledEndpointOutputs(), {
            endpointName: null,
            endpointArn: null,
            endpointConfigName: null,
            variantNames: null,
            shadowVariantName: null,
        });
        assert.deepEqual(endpointStackOutputs(undefined), disabledEndpointOutputs());
        const ep = new ModelEndpoint("ep-out", args());
        await mocks.settle();
        const o = endpointStackOutputs(ep);
        assert.equal(await promiseOf(o.endpointName!), "mlp-dev-endpoint");
        assert.deepEqual(o.variantNames, ["champion"]);
        assert.equal(o.shadowVariantName, null);
    });

    it("serverless variant: serverlessConfig instead of instances, model outside the VPC without isolation, no capture, no storage key, no autoscaling (AWS feature exclusions)", async () => {
        const a = args({
            input: "features",
            captureSamplingPercentage: 0,
            variants: [{ name: "champion", serverless: { memorySizeInMb: 2048, maxConcurrency: 5, provisionedConcurrency: 1 }, weight: 1 }],
        });
        const ep = new ModelEndpoint("ep-sl", { ...a, autoscaling: { ...a.autoscaling, schedule: undefined } });
        await mocks.settle();
        const pv = config().inputs.productionVariants[0];
        assert.deepEqual(pv.serverlessConfig, { memorySizeInMb: 2048, maxConcurrency: 5, provisionedConcurrency: 1 });
        assert.equal(pv.instanceType, undefined);
        assert.equal(pv.initialInstanceCount, undefined);
        assert.equal(config().inputs.dataCaptureConfig, undefined);
        assert.equal(config().inputs.kmsKeyArn, undefined);
        const m = mocks.one("aws:sagemaker/model:Model");
        assert.equal(m.inputs.vpcConfig, undefined);
        assert.equal(m.inputs.enableNetworkIsolation, undefined);
        assert.equal(mocks.ofType("aws:appautoscaling/target:Target").length, 0);
        assert.deepEqual(ep.serverlessVariantNames, ["champion"]);
        assert.equal(ep.storageKmsKeyApplied, false);
    });

    it("serverless: rejects what Serverless Inference excludes and values outside SageMaker's limits, naming the fix", () => {
        const sl = { name: "champion", serverless: { memorySizeInMb: 2048, maxConcurrency: 5 }, weight: 1 };
        const ok = { input: "features" as const, captureSamplingPercentage: 0 };
        assert.throws(
            () => new ModelEndpoint("ep-s1", args({ ...ok, variants: [sl, { name: "b", instanceType: "ml.m5.large", initialInstanceCount: 1, weight: 1 }] })),
            /one production variant per endpoint/,
        );
        assert.throws(() => new ModelEndpoint("ep-s2", args({ captureSamplingPercentage: 0, variants: [sl] })), /no inference pipeline.*set input features/);
        assert.throws(() => new ModelEndpoint("ep-s3", args({ input: "features", variants: [sl] })), /no data capture: set captureSamplingPercentage 0/);
        assert.throws(
            () => new ModelEndpoint("ep-s4", args({ ...ok, variants: [{ ...sl, serverless: { memorySizeInMb: 1500, maxConcurrency: 5 } }] })),
            /memorySizeInMb 1500: expected one of 1024, 2048/,
        );
        assert.throws(
            () => new ModelEndpoint("ep-s5", args({ ...ok, variants: [{ ...sl, serverless: { memorySizeInMb: 1024, maxConcurrency: 201 } }] })),
            /maxConcurrency 201/,
        );
        assert.throws(
            () =>
                new ModelEndpoint(
                    "ep-s6",
                    args({ ...ok, variants: [{ ...sl, serverless: { memorySizeInMb: 1024, maxConcurrency: 2, provisionedConcurrency: 3 } }] }),
                ),
            /provisionedConcurrency 3: expected an integer 1 to maxConcurrency \(2\)/,
        );
        assert.throws(() => new ModelEndpoint("ep-s7", args({ ...ok, variants: [{ ...sl, instanceType: "ml.m5.large" }] })), /no instanceType/);
    });

    it("scheduled scale-down: two scheduled actions per provisioned variant on its scalable target (off-hours bounds, then the autoscaling bounds)", async () => {
        const a = args({ endpointName: "mlp-dev-churn" });
        new ModelEndpoint("ep-sch", {
            ...a,
            autoscaling: {
                ...a.autoscaling,
                schedule: {
                    scaleDownCron: "cron(0 19 ? * MON-FRI *)",
                    scaleUpCron: "cron(0 7 ? * MON-FRI *)",
                    timezone: "Europe/Berlin",
                    minOutsideHours: 1,
                    maxOutsideHours: 1,
                },
            },
        });
        await mocks.settle();
        const acts = mocks.ofType("aws:appautoscaling/scheduledAction:ScheduledAction");
        assert.equal(acts.length, 2);
        const down = acts.find((x) => x.inputs.schedule === "cron(0 19 ? * MON-FRI *)")!;
        const up = acts.find((x) => x.inputs.schedule === "cron(0 7 ? * MON-FRI *)")!;
        for (const x of [down, up]) {
            assert.equal(x.inputs.resourceId, "endpoint/mlp-dev-churn/variant/champion");
            assert.equal(x.inputs.scalableDimension, "sagemaker:variant:DesiredInstanceCount");
            assert.equal(x.inputs.serviceNamespace, "sagemaker");
            assert.equal(x.inputs.timezone, "Europe/Berlin");
        }
        assert.deepEqual(down.inputs.scalableTargetAction, { minCapacity: 1, maxCapacity: 1 });
        assert.deepEqual(up.inputs.scalableTargetAction, { minCapacity: 2, maxCapacity: 6 });
    });

    it("scheduled scale-down: validated (six-field cron, IANA zone, >= 1 instance: a variant cannot scale to zero)", () => {
        const a = args();
        const sch = {
            scaleDownCron: "cron(0 19 ? * MON-FRI *)",
            scaleUpCron: "cron(0 7 ? * MON-FRI *)",
            timezone: "UTC",
            minOutsideHours: 1,
            maxOutsideHours: 1,
        };
        const mk = (over: object) => () =>
            new ModelEndpoint(`ep-sv-${Math.random()}`, { ...a, autoscaling: { ...a.autoscaling, schedule: { ...sch, ...over } } });
        assert.throws(mk({ scaleDownCron: "0 19 * * *" }), /scaleDownCron "0 19 \* \* \*": expected a six-field cron/);
        assert.throws(mk({ timezone: "Mars/Olympus" }), /timezone "Mars\/Olympus"/);
        assert.throws(mk({ minOutsideHours: 0, maxOutsideHours: 0 }), /cannot scale to zero instances/);
        assert.throws(mk({ minOutsideHours: 3, maxOutsideHours: 3 }), /at most autoscaling.minCapacity \(2\)/);
    });

    it("creates exactly the resource types it declares", async () => {
        const a = args({ shadowVariant: { name: "shadow", instanceType: "ml.m5.large", initialInstanceCount: 1, weight: 1 } });
        a.autoscaling = {
            ...a.autoscaling,
            schedule: { scaleDownCron: "cron(0 19 ? * * *)", scaleUpCron: "cron(0 7 ? * MON-FRI *)", timezone: "UTC", minOutsideHours: 1, maxOutsideHours: 2 },
        };
        new ModelEndpoint("ep-types", a);
        await mocks.settle();
        const types = new Set(mocks.resources.filter((r) => r.custom).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...ENDPOINT_RESOURCE_TYPES].sort());
    });
});
