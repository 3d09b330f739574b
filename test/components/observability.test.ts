import * as assert from "assert";
import { setupMocks, promiseOf, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";

const mocks = setupMocks();
import { Observability, ObservabilityArgs, ERROR_RATE_EXPRESSION, OBSERVABILITY_RESOURCE_TYPES, costPerThousandQueries } from "../../components/observability";
import { assertValidMetricMath } from "../helpers/metric-math";

const KEY = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/logs`;
const TOPIC = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:mlp-dev-alerts`;

function args(over: Partial<ObservabilityArgs> = {}): ObservabilityArgs {
    return {
        namePrefix: "mlp-dev",
        environment: "dev",
        kmsKeyArn: KEY,
        retentionDays: 14,
        alarmTopicArn: TOPIC,
        endpoint: {
            name: "mlp-dev-endpoint",
            variants: [
                { name: "champion", instanceType: "ml.m5.xlarge" },
                { name: "challenger", instanceType: "ml.c5.2xlarge" },
            ],
        },
        alarms: { p99LatencyMs: 250, errorRatePercent: 2, cpuUtilizationPercent: 80, alarmOnZeroInvocations: false },
        drift: { monitoringScheduleName: "mlp-dev-mlp-dev-endpoint-data-quality", features: ["age", "hours_per_week"] },
        // The stack that owns the account's job log groups (issue 9 defect 5: the default is now false).
        createJobLogGroups: true,
        ...over,
    };
}

const alarm = (name: string) => mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.inputs.name === name)!;

describe("Observability", () => {
    beforeEach(() => mocks.reset());

    it("creates every log group with the KMS key and the retention", async () => {
        const o = new Observability("obs-lg", args());
        await mocks.settle();
        const groups = mocks.ofType("aws:cloudwatch/logGroup:LogGroup");
        assert.deepEqual(groups.map((g) => g.inputs.name).sort(), [
            "/aws/sagemaker/Endpoints/mlp-dev-endpoint",
            "/aws/sagemaker/ProcessingJobs",
            "/aws/sagemaker/TrainingJobs",
            "/aws/sagemaker/TransformJobs",
            "/mlplatform/mlp-dev/monitor",
        ]);
        for (const g of groups) {
            assert.equal(g.inputs.kmsKeyId, KEY, g.inputs.name);
            assert.equal(g.inputs.retentionInDays, 14, g.inputs.name);
        }
        const names = await promiseOf(o.logGroupNames);
        assert.equal(names.endpoint, "/aws/sagemaker/Endpoints/mlp-dev-endpoint");
    });

    it("rejects a retention CloudWatch does not accept", () => {
        assert.throws(() => new Observability("obs-ret", args({ retentionDays: 15 })), /retentionDays 15/);
    });

    it("5XX error-rate alarm is metric math 5XX / Invocations × 100 against the threshold", async () => {
        new Observability("obs-5xx", args());
        await mocks.settle();
        const a = alarm("mlp-dev-mlp-dev-endpoint-champion-5xx-rate");
        assert.equal(a.inputs.threshold, 2);
        assert.equal(a.inputs.comparisonOperator, "GreaterThanThreshold");
        assert.deepEqual(a.inputs.alarmActions, [TOPIC]);
        assert.equal(a.inputs.treatMissingData, "notBreaching");
        const q = a.inputs.metricQueries as any[];
        const errors = q.find((m) => m.id === "errors");
        const inv = q.find((m) => m.id === "invocations");
        assert.equal(errors.metric.metricName, "Invocation5XXErrors");
        assert.equal(inv.metric.metricName, "Invocations");
        assert.deepEqual(errors.metric.dimensions, { EndpointName: "mlp-dev-endpoint", VariantName: "champion" });
        const expr = q.find((m) => m.returnData === true);
        assert.equal(expr.expression, ERROR_RATE_EXPRESSION);
        assert.match(expr.expression, /100 \* .*errors.* \/ invocations/);
        assert.equal(q.filter((m) => m.returnData).length, 1);
    });

    it("p99 latency alarm converts milliseconds to microseconds", async () => {
        new Observability("obs-p99", args());
        await mocks.settle();
        const a = alarm("mlp-dev-mlp-dev-endpoint-challenger-p99-latency");
        assert.equal(a.inputs.metricName, "ModelLatency");
        assert.equal(a.inputs.extendedStatistic, "p99");
        assert.equal(a.inputs.threshold, 250_000);
        assert.equal(a.inputs.namespace, "AWS/SageMaker");
        assert.deepEqual(a.inputs.dimensions, { EndpointName: "mlp-dev-endpoint", VariantName: "challenger" });
    });

    it("CPU alarm normalises by the instance type's vCPUs", async () => {
        new Observability("obs-cpu", args());
        await mocks.settle();
        const champ = alarm("mlp-dev-mlp-dev-endpoint-champion-cpu");
        const chall = alarm("mlp-dev-mlp-dev-endpoint-challenger-cpu");
        const expr = (a: any) => (a.inputs.metricQueries as any[]).find((m) => m.returnData).expression;
        assert.equal(expr(champ), "cpu / (100 * 4)"); // ml.m5.xlarge
        assert.equal(expr(chall), "cpu / (100 * 8)"); // ml.c5.2xlarge
        assert.equal(champ.inputs.threshold, 0.8);
        const cpu = (champ.inputs.metricQueries as any[]).find((m) => m.id === "cpu");
        assert.equal(cpu.metric.namespace, "/aws/sagemaker/Endpoints");
        assert.equal(cpu.metric.metricName, "CPUUtilization");
    });

    it("an unknown instance type gets no CPU alarm (never a mis-scaled one) and the program goes on to the policies", async () => {
        const o = new Observability("obs-unk", args({ endpoint: { name: "e", variants: [{ name: "v", instanceType: "ml.zz9.large" }] } }));
        const names = await Promise.all(o.alarms.map((a) => new Promise<string>((r) => a.name.apply((n) => r(n)))));
        assert.ok(
            names.some((n) => n.endsWith("-5xx-rate") || /5xx/i.test(n)),
            `alarms: ${names.join(", ")}`,
        );
        assert.ok(!names.some((n) => n.endsWith("-cpu")), `no CPU alarm expected: ${names.join(", ")}`);
    });

    it("zero-invocation alarm only when enabled, breaching on missing data", async () => {
        new Observability("obs-zero-off", args());
        await mocks.settle();
        assert.equal(alarm("mlp-dev-mlp-dev-endpoint-zero-invocations"), undefined);
        mocks.reset();
        const o = new Observability(
            "obs-zero-on",
            args({ alarms: { p99LatencyMs: 200, errorRatePercent: 1, cpuUtilizationPercent: 80, alarmOnZeroInvocations: true } }),
        );
        await mocks.settle();
        const a = alarm("mlp-dev-mlp-dev-endpoint-zero-invocations");
        assert.equal(a.inputs.treatMissingData, "breaching");
        assert.equal(a.inputs.comparisonOperator, "LessThanOrEqualToThreshold");
        assert.equal(a.inputs.threshold, 0);
        const total = (a.inputs.metricQueries as any[]).find((m) => m.returnData);
        assert.equal(total.expression, "FILL(inv0, 0) + FILL(inv1, 0)");
        // not part of the deployment rollback set
        const rollback = await promiseOf(o.endpointAlarmNames);
        assert.ok(!rollback.includes("mlp-dev-mlp-dev-endpoint-zero-invocations"));
        assert.ok((await promiseOf(o.alarmNames)).includes("mlp-dev-mlp-dev-endpoint-zero-invocations"));
    });

    it("exposes the rollback alarm names (5XX rate + p99 per variant)", async () => {
        const o = new Observability("obs-names", args());
        await mocks.settle();
        assert.deepEqual((await promiseOf(o.endpointAlarmNames)).sort(), [
            "mlp-dev-mlp-dev-endpoint-challenger-5xx-rate",
            "mlp-dev-mlp-dev-endpoint-challenger-p99-latency",
            "mlp-dev-mlp-dev-endpoint-champion-5xx-rate",
            "mlp-dev-mlp-dev-endpoint-champion-p99-latency",
        ]);
    });

    it("cost per 1000 predictions: metric math per variant and per endpoint (provisioned: instance-minutes x $/h; serverless: GB-seconds x $/GB-s)", async () => {
        const { queries, unpriced } = costPerThousandQueries("e", [
            { name: "champion", instanceType: "ml.m5.xlarge", hourlyUsd: 0.23 },
            { name: "sl", serverless: { memorySizeInMb: 2048, perGbSecondUsd: 0.00002 } },
            { name: "nope", instanceType: "ml.zz.large" },
        ]);
        assertValidMetricMath(queries);
        assert.deepEqual(unpriced, ["nope"]);
        const q = (id: string) => queries.find((x) => x.id === id)!;
        assert.equal(q("cost_0").expression, "n_0 / 60 * 0.23");
        assert.deepEqual(q("n_0").metric, {
            namespace: "/aws/sagemaker/Endpoints",
            metricName: "CPUUtilization",
            dimensions: { EndpointName: "e", VariantName: "champion" },
            stat: "SampleCount",
        });
        assert.equal(q("cost_1").expression, "lat_1 / 1000000 * 2 * 0.00002");
        assert.equal(q("lat_1").metric!.metricName, "ModelLatency");
        assert.equal(q("k_0").expression, "1000 * cost_0 / inv_0");
        assert.equal(q("k_all").expression, "1000 * (FILL(cost_0, 0) + FILL(cost_1, 0)) / (FILL(inv_0, 0) + FILL(inv_1, 0))");
        assert.deepEqual(
            queries.filter((x) => x.returnData).map((x) => x.id),
            ["k_0", "k_1", "k_all"],
        );
        // evaluated on numbers: 2 instances for an hour (120 samples), 6000 invocations -> 0.46 $ / 6 = $0.0767 per 1000
        const cost0 = (120 / 60) * 0.23;
        assert.ok(Math.abs((1000 * cost0) / 6000 - 0.07667) < 1e-4);
        // the dashboard widget carries the same queries, with their ids
        new Observability("obs-cpt", args({ endpoint: { name: "e", variants: [{ name: "champion", instanceType: "ml.m5.xlarge", hourlyUsd: 0.23 }] } }));
        await mocks.settle();
        const body = JSON.parse(await promiseOf(mocks.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody as any));
        const w = body.widgets.find((x: any) => /Cost per 1000 predictions/.test(x.properties?.title ?? ""));
        assert.ok(w, "cost widget");
        const rows = w.properties.metrics as any[][];
        const ids = rows.map((r) => (r[0].expression ? r[0].id : r[r.length - 1].id));
        assert.deepEqual(ids, ["n_0", "cost_0", "inv_0", "k_0", "k_all"]);
        assertValidMetricMath(
            rows.map((r) => (r[0].expression ? { id: r[0].id, expression: r[0].expression } : { id: r[r.length - 1].id, metric: r.slice(0, -1) })),
        );
        assert.equal(w.properties.period, 3600);
    });

    it("dashboard contains the required widgets", async () => {
        new Observability("obs-dash", args());
        await mocks.settle();
        const d = mocks.one("aws:cloudwatch/dashboard:Dashboard");
        assert.equal(d.inputs.dashboardName, "mlp-dev");
        const body = JSON.parse(d.inputs.dashboardBody);
        const text = JSON.stringify(body);
        const titles = body.widgets.map((w: any) => w.properties.title);
        for (const t of [
            "Invocations",
            "Invocation errors (4XX / 5XX)",
            "ModelLatency p50 / p99 (µs)",
            "OverheadLatency p50 / p99 (µs)",
            "MemoryUtilization (%)",
            "DiskUtilization (%)",
            "Monitoring job status",
        ]) {
            assert.ok(titles.includes(t), t);
        }
        const metrics = body.widgets.filter((w: any) => w.type === "metric").flatMap((w: any) => w.properties.metrics);
        const has = (ns: string, m: string, v?: string, stat?: string) =>
            metrics.some(
                (row: any[]) =>
                    row[0] === ns && row[1] === m && (v === undefined || row.includes(v)) && (stat === undefined || row[row.length - 1].stat === stat),
            );
        for (const v of ["champion", "challenger"]) {
            assert.ok(has("AWS/SageMaker", "Invocations", v), `invocations ${v}`);
            assert.ok(has("AWS/SageMaker", "Invocation4XXErrors", v));
            assert.ok(has("AWS/SageMaker", "Invocation5XXErrors", v));
            assert.ok(has("AWS/SageMaker", "ModelLatency", v, "p50") && has("AWS/SageMaker", "ModelLatency", v, "p99"));
            assert.ok(has("AWS/SageMaker", "OverheadLatency", v, "p99"));
            for (const m of ["CPUUtilization", "MemoryUtilization", "DiskUtilization"]) assert.ok(has("/aws/sagemaker/Endpoints", m, v), m);
        }
        assert.ok(has("aws/sagemaker/Endpoints/data-metrics", "feature_baseline_drift_age"));
        assert.ok(text.includes("feature_baseline_drift_"));
        assert.ok(body.widgets.every((w: any) => w.type === "text" || w.type === "alarm" || w.properties.region === "us-east-1"));
        const alarmWidget = body.widgets.find((w: any) => w.type === "alarm");
        assert.equal(alarmWidget.properties.alarms.length, 6);
    });

    it("dashboard name carries the environment when the prefix does not", async () => {
        new Observability("obs-dname", args({ namePrefix: "acme-ml", environment: "prod" }));
        await mocks.settle();
        assert.equal(mocks.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardName, "acme-ml-prod");
    });

    it("Logs Insights queries for endpoint errors, slow invocations and failed jobs", async () => {
        new Observability("obs-q", args());
        await mocks.settle();
        const qs = mocks.ofType("aws:cloudwatch/queryDefinition:QueryDefinition");
        const by = (n: string) => qs.find((q) => q.inputs.name === `mlp-dev/${n}`)!;
        assert.deepEqual(by("endpoint-errors").inputs.logGroupNames, ["/aws/sagemaker/Endpoints/mlp-dev-endpoint"]);
        assert.match(by("slow-invocations").inputs.queryString, /ms > 250/);
        assert.deepEqual(by("failed-training-and-processing-jobs").inputs.logGroupNames, ["/aws/sagemaker/TrainingJobs", "/aws/sagemaker/ProcessingJobs"]);
    });

    it("without an endpoint: job log groups, dashboard and job query only, no alarms", async () => {
        const o = new Observability("obs-noep", args({ endpoint: undefined }));
        await mocks.settle();
        assert.equal(mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length, 0);
        assert.equal(mocks.ofType("aws:cloudwatch/logGroup:LogGroup").length, 4);
        assert.equal(mocks.ofType("aws:cloudwatch/queryDefinition:QueryDefinition").length, 1);
        assert.deepEqual(await promiseOf(o.endpointAlarmNames), []);
        const comp = mocks.one("mlplatform:monitoring:Observability");
        assert.equal(mocks.childrenOf(comp).filter((c) => c.custom).length, mocks.resources.filter((r) => r.custom).length);
    });

    it("by default leaves the account-wide job log groups to SageMaker (issue 9, defect 5)", async () => {
        new Observability("obs-default", { ...args(), createJobLogGroups: undefined });
        await mocks.settle();
        assert.deepEqual(
            mocks
                .ofType("aws:cloudwatch/logGroup:LogGroup")
                .map((g) => g.inputs.name)
                .filter((n: string) => /Jobs$/.test(n)),
            [],
        );
    });

    it("a second stack in the account can leave the shared job log groups to the first", async () => {
        new Observability("obs-nojob", args({ createJobLogGroups: false }));
        await mocks.settle();
        assert.deepEqual(
            mocks
                .ofType("aws:cloudwatch/logGroup:LogGroup")
                .map((g) => g.inputs.name)
                .sort(),
            ["/aws/sagemaker/Endpoints/mlp-dev-endpoint", "/mlplatform/mlp-dev/monitor"],
        );
        const q = mocks.ofType("aws:cloudwatch/queryDefinition:QueryDefinition").find((x) => x.inputs.name === "mlp-dev/failed-training-and-processing-jobs")!;
        assert.deepEqual(q.inputs.logGroupNames, ["/aws/sagemaker/TrainingJobs", "/aws/sagemaker/ProcessingJobs"]);
    });

    it("creates exactly the resource types it declares", async () => {
        new Observability("obs-types", args({ alarms: { p99LatencyMs: 200, errorRatePercent: 1, cpuUtilizationPercent: 80, alarmOnZeroInvocations: true } }));
        await mocks.settle();
        const types = new Set(mocks.resources.filter((r) => r.custom).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...OBSERVABILITY_RESOURCE_TYPES].sort());
    });
});
