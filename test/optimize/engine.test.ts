import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import YAML from "yaml";
import { loadStackFile } from "../../infra/stack-config";
import { applyConfig } from "../../scripts/cli/optimize-apply";
import { capacityFromRecommender, Capacity } from "../../lib/optimize/capacity";
import { trafficFromCloudWatch, trafficQueries } from "../../lib/optimize/cloudwatch";
import { HOURS_PER_MONTH, instancesFor, optimize, serverlessBlockers, sizingOptions } from "../../lib/optimize/engine";
import { loadHostingPrices, loadInfraPrices } from "../../lib/optimize/sources";
import { MINUTE, summariseTraffic, trafficFromEmf } from "../../lib/optimize/traffic";
import { mulberry32 } from "../../lib/common/random";

const dev = loadStackFile("dev");
const prod = loadStackFile("prod");
const hosting = loadHostingPrices("us-east-1");
const infra = loadInfraPrices("us-east-1");
const T0 = Date.parse("2026-11-02T00:00:00Z"); // a Monday

function traffic(variant: string, perMinute: (minute: number) => number, minutes: number) {
    const pts = new Map<number, { n: number; latSum: number; latN: number }>();
    for (let m = 0; m < minutes; m++) {
        const n = perMinute(m);
        if (n > 0) pts.set(T0 + m * MINUTE, { n, latSum: 4 * n, latN: n });
    }
    return summariseTraffic(variant, pts, T0, T0 + minutes * MINUTE);
}

const cap = (instanceType: string, rps: number, p99 = 10): Capacity => ({
    instanceType,
    rpsPerInstance: rps,
    latencyMs: p99,
    p50Ms: 3,
    sloMs: 20,
    source: "test",
});

describe("optimize: traffic", () => {
    it("fills idle minutes with zeros and computes nearest-rank percentiles, shape and idle days", () => {
        // 3 days; traffic 100/min during 09:00-17:00 UTC on the first day only
        const t = traffic("champion", (m) => (m < 1440 && m % 1440 >= 540 && m % 1440 < 1020 ? 100 : 0), 3 * 1440);
        assert.equal(t.minutes, 4320);
        assert.equal(t.total, 480 * 100);
        assert.equal(t.perMinute.peak, 100);
        assert.equal(t.perMinute.p50, 0);
        assert.equal(t.perMinute.p95, 100); // 480/4320 = 11% of minutes are busy
        assert.equal(t.trailingIdleDays, 2);
        assert.ok(Math.abs(t.hourly[10] - 100 / 3) < 1e-9 && t.hourly[3] === 0);
        assert.equal(t.meanLatencyMs, 4);
    });

    it("reads EMF lines of the local endpoint: per-variant, per-minute sums; counts skipped lines", () => {
        const emf = (ts: number, variant: string | undefined, n: number) =>
            JSON.stringify({
                _aws: {
                    Timestamp: ts,
                    CloudWatchMetrics: [
                        { Namespace: "Local/SageMaker", Dimensions: [["EndpointName", "VariantName"]], Metrics: [{ Name: "Invocations", Unit: "Count" }] },
                    ],
                },
                EndpointName: "ep",
                ...(variant ? { VariantName: variant } : {}),
                Invocations: n,
                Invocation4XXErrors: 0,
                Invocation5XXErrors: 0,
                ModelLatency: 2000,
                OverheadLatency: 500,
            });
        const text = [
            emf(T0 + 5_000, "a", 3),
            emf(T0 + 15_000, "a", 4),
            emf(T0 + 65_000, "a", 1),
            emf(T0 + 5_000, undefined, 2),
            "not json",
            emf(T0, "b", 9).replace('"ep"', '"other"'),
        ].join("\n");
        const { traffic: tr, parse } = trafficFromEmf(text, { endpointName: "ep" });
        assert.equal(parse.skipped, 2);
        assert.equal(parse.unattributed, 2);
        const a = tr.find((x) => x.variant === "a")!;
        assert.deepEqual(
            a.series.map((p) => p.invocations),
            [7, 1],
        );
        assert.equal(a.meanLatencyMs, 2.5);
    });
});

describe("optimize: CloudWatch GetMetricData (aws-sdk-client-mock)", () => {
    it("pages through NextToken and maps Sum of Invocations / Average latencies per variant", async () => {
        const cw = mockClient(CloudWatchClient);
        const pages = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/optimize/getmetricdata-pages.json"), "utf8"));
        cw.on(GetMetricDataCommand).callsFake((input) => (input.NextToken ? pages[1] : pages[0]));
        const res = await trafficFromCloudWatch(
            new CloudWatchClient({ region: "us-east-1" }),
            "mlp-prod-endpoint",
            ["champion", "challenger"],
            Date.parse("2026-11-30T10:00:00Z"),
            Date.parse("2026-11-30T10:05:00Z"),
        );
        assert.equal(res.requests, 2);
        const calls = cw.commandCalls(GetMetricDataCommand);
        assert.equal(calls[1].args[0].input.NextToken, "page-2");
        const q = calls[0].args[0].input.MetricDataQueries!;
        assert.equal(q.length, 6);
        // Ids must match the CloudWatch model's pattern ^[a-z][a-zA-Z0-9_]*$ (service-2.json, MetricId)
        for (const x of q) assert.match(x.Id!, /^[a-z][a-zA-Z0-9_]*$/);
        assert.deepEqual(q[0].MetricStat!.Metric!.Dimensions, [
            { Name: "EndpointName", Value: "mlp-prod-endpoint" },
            { Name: "VariantName", Value: "champion" },
        ]);
        const ch = res.traffic.find((t) => t.variant === "champion")!;
        assert.deepEqual(
            ch.series.map((p) => p.invocations),
            [1200, 1500, 0, 900, 1100],
        );
        assert.equal(ch.perMinute.peak, 1500);
        assert.equal(ch.meanLatencyMs!.toFixed(3), ((3000 * 1200 + 3200 * 1500 + 2800 * 900 + 3000 * 1100) / 4700 / 1000 + 0.4).toFixed(3));
        const cl = res.traffic.find((t) => t.variant === "challenger")!;
        assert.equal(cl.total, 100 + 120 + 90 + 110);
        assert.deepEqual(res.partial, []);
        cw.restore();
    });

    it("query shape: Sum for Invocations, Average for latencies, 60 s period", () => {
        const q = trafficQueries("e", ["v"]);
        assert.deepEqual(
            q.map((x) => [x.MetricStat!.Metric!.MetricName, x.MetricStat!.Stat, x.MetricStat!.Period]),
            [
                ["Invocations", "Sum", 60],
                ["ModelLatency", "Average", 60],
                ["OverheadLatency", "Average", 60],
            ],
        );
    });
});

describe("optimize: recommendations", () => {
    it("right-sizes with the arithmetic: count x capacity covers peak x (1 + headroom)", () => {
        const t = traffic("champion", (m) => 600 + (m % 60), 1440); // peak 659/min
        const r = optimize({
            config: dev,
            capacity: [cap("ml.m5.large", 50), cap("ml.c5.large", 40), cap("ml.t3.medium", 10)],
            traffic: [t],
            hosting,
            infra,
            now: new Date(T0),
        });
        const rs = r.recommendations.find((x) => x.id === "right-size:champion")!;
        // t3.medium: ceil(659*1.3/600) = 2 x 0.05 = 0.10/h < c5.large 1 x 0.102 < m5.large 0.115
        assert.equal(rs.changes.find((c) => c.key === "endpoint.variants.0.instanceType")!.value, "ml.t3.medium");
        assert.equal(rs.changes.find((c) => c.key === "endpoint.variants.0.initialInstanceCount")!.value, 2);
        assert.equal(rs.monthlyAfterUsd, Math.round(2 * 0.05 * HOURS_PER_MONTH * 100) / 100);
        assert.ok(rs.arithmetic[0].includes("659"));
        const as = r.recommendations.find((x) => x.id === "autoscaling")!;
        assert.equal(as.changes.find((c) => c.key === "endpoint.autoscaling.targetInvocationsPerInstance")!.value, Math.floor((10 * 60) / 1.3));
        assert.ok(r.fixed.some((f) => f.item.startsWith("VPC interface endpoints (10 x 1 AZ)") && f.monthlyUsd === 73));
    });

    it("serverless: rejected on the platform's endpoint (feature exclusions); recommended for sparse traffic when allowed, cheaper and cold starts fit p99", () => {
        const sparse = traffic("champion", (m) => (m % 120 === 0 ? 30 : 0), 7 * 1440); // a burst every 2 h
        const strict = optimize({ config: dev, capacity: [cap("ml.m5.large", 50)], traffic: [sparse], hosting, infra });
        const s1 = strict.recommendations.find((x) => x.id === "serverless:champion")!;
        assert.ok(s1.monthlyAfterUsd! < s1.monthlyBeforeUsd!, "cheaper");
        assert.equal(s1.recommended, false, "1 in 30 requests hits a cold start: p99 over the 20 ms SLO");
        const loose = optimize({
            config: { ...dev, pipeline: { ...dev.pipeline, latencySloMs: 3000 } },
            capacity: [cap("ml.m5.large", 50)],
            traffic: [sparse],
            hosting,
            infra,
        });
        const s2 = loose.recommendations.find((x) => x.id === "serverless:champion")!;
        assert.equal(s2.recommended, false, "the platform's endpoint needs VPC config, capture and a pipeline: serverless excludes them");
        assert.match(s2.risk, /VPC configuration.*data capture.*inference pipeline/);
        // the cost/latency logic itself, with the feature exclusions out of the way
        assert.ok(serverlessBlockers(dev).length >= 3);
        const plain = {
            ...dev,
            pipeline: { ...dev.pipeline, latencySloMs: 3000 },
            endpoint: { ...dev.endpoint, input: "features" as const, captureSamplingPercentage: 0 },
        };
        assert.deepEqual(serverlessBlockers(plain, true), []);
        const ok = optimize({
            config: plain,
            capacity: [cap("ml.m5.large", 50)],
            traffic: [sparse],
            hosting,
            infra,
            options: { allowServerlessOutsideVpc: true },
        });
        const s3 = ok.recommendations.find((x) => x.id === "serverless:champion")!;
        assert.equal(s3.recommended, true);
        assert.ok(s3.arithmetic.some((a) => /cold start 2000 ms \+ 4\.00 ms <= SLO 3000 ms/.test(a)));
        // 1/120 of minutes active, 30 req each: 30 x 84 bursts/week x 730/168 weeks = monthly invocations; 4 ms x 2 GB
        const inv = ((30 * ((7 * 1440) / 120)) / (7 * 1440)) * 43800;
        assert.equal(s3.monthlyAfterUsd, Math.round((inv * 0.004 * 2 * 0.00002 + ((inv * 2048) / 1e9) * 0.016) * 100) / 100);
        assert.equal(ok.totals.afterMonthlyUsd, Math.round((s3.monthlyAfterUsd! + ok.totals.fixedMonthlyUsd) * 100) / 100);
        // prod: never serverless, and no config change listed (the stack config refuses it)
        const sp = optimize({
            config: { ...prod, pipeline: { ...prod.pipeline, latencySloMs: 3000 } },
            capacity: [cap("ml.m5.xlarge", 50)],
            traffic: [sparse],
            hosting,
            infra,
            options: { allowServerlessOutsideVpc: true },
        }).recommendations.find((x) => x.id === "serverless:champion")!;
        assert.equal(sp.recommended, false);
        assert.match(sp.risk, /prod \(its endpoint must run in the VPC/);
        assert.deepEqual(sp.changes, []);
        // dev: the changes make the variant serverless (instance keys removed, the monitor off)
        assert.deepEqual(
            s3.changes.map((c) => [c.key, c.value]),
            [
                ["endpoint.variants.0.serverless", { memorySizeInMb: 2048, maxConcurrency: 1 }],
                ["endpoint.variants.0.instanceType", null],
                ["endpoint.variants.0.initialInstanceCount", null],
                ["monitoring.serverlessMonitor", false],
            ],
        );
        // with a strict SLO the same plain config still rejects it: 1 request in 30 follows an idle minute
        const strictPlain = optimize({
            config: { ...plain, pipeline: dev.pipeline },
            capacity: [cap("ml.m5.large", 50)],
            traffic: [sparse],
            hosting,
            infra,
            options: { allowServerlessOutsideVpc: true },
        });
        assert.equal(strictPlain.recommendations.find((x) => x.id === "serverless:champion")!.recommended, false);
    });

    it("dev scheduled scale-down: emits endpoint.autoscaling.schedule, saving = instances above 1 x the weekly share scaled down; a serverless variant is priced, not sized", () => {
        const two = { ...dev, endpoint: { ...dev.endpoint, variants: [{ ...dev.endpoint.variants[0], initialInstanceCount: 2 }] } };
        const t = traffic("champion", (m) => (m % 1440 >= 540 && m % 1440 < 1020 ? 20 : 0), 7 * 1440);
        const r = optimize({ config: two, capacity: [cap("ml.m5.large", 50)], traffic: [t], hosting, infra });
        const s = r.recommendations.find((x) => x.id === "scheduled-scale-down")!;
        assert.equal(s.recommended, true);
        assert.deepEqual(s.changes, [
            {
                key: "endpoint.autoscaling.schedule",
                value: { scaleDownCron: "cron(0 19 ? * * *)", scaleUpCron: "cron(0 7 ? * MON-FRI *)", timezone: "UTC", minOutsideHours: 1 },
            },
        ]);
        // Mon-Thu 12 h nights + Fri 19:00 .. Mon 07:00 = 108 of 168 hours
        assert.equal(s.monthlySavingUsd, Math.round(hosting.onDemand["ml.m5.large"] * (108 / 168) * HOURS_PER_MONTH * 100) / 100);
        assert.equal(
            optimize({ config: dev, capacity: [cap("ml.m5.large", 50)], traffic: [t], hosting, infra }).recommendations.find(
                (x) => x.id === "scheduled-scale-down",
            )!.recommended,
            false,
            "1 instance: nothing to scale down",
        );
        // an endpoint that is already serverless: priced from its traffic (GB-seconds), no sizing, no schedule
        const sl = {
            ...dev,
            endpoint: {
                ...dev.endpoint,
                input: "features" as const,
                captureSamplingPercentage: 0,
                variants: [{ name: "champion", weight: 1, serverless: { memorySizeInMb: 2048, maxConcurrency: 5 } }],
            },
        };
        const rs = optimize({ config: sl, capacity: [cap("ml.m5.large", 50)], traffic: [t], hosting, infra });
        assert.equal(rs.variants[0].instanceType, "serverless 2048 MB");
        const inv = ((480 * 20 * 7) / (7 * 1440)) * 43800;
        assert.equal(rs.variants[0].monthlyUsd, Math.round((inv * 0.004 * 2 * 0.00002 + ((inv * 2048) / 1e9) * 0.016) * 100) / 100);
        assert.ok(!rs.recommendations.some((x) => x.id === "scheduled-scale-down" || x.id === "right-size:champion"));
    });

    it("idle endpoint, spot training and unknown Savings Plan rates are reported honestly", () => {
        const idle = traffic("champion", (m) => (m < 60 ? 5 : 0), 10 * 1440);
        const r = optimize({
            config: prod,
            capacity: [cap("ml.m5.xlarge", 100)],
            traffic: [idle, traffic("challenger", () => 0, 10 * 1440)],
            hosting,
            infra,
            tuning: { trials: 12, wallSeconds: 240, instanceType: "ml.m5.xlarge" },
        });
        const i = r.recommendations.find((x) => x.id === "idle-endpoint")!;
        assert.equal(i.recommended, true);
        assert.deepEqual(i.changes, [{ key: "endpoint.enabled", value: false }]);
        assert.equal(i.monthlySavingUsd, Math.round(4 * 0.23 * HOURS_PER_MONTH * 100) / 100);
        const sp = r.recommendations.find((x) => x.id === "savings-plan")!;
        assert.equal(sp.monthlySavingUsd, null);
        assert.match(sp.risk, /unknown/);
        const spot = r.recommendations.find((x) => x.id === "spot-training")!;
        assert.deepEqual(spot.changes, [{ key: "training.useSpot", value: true }]);
        assert.match(spot.arithmetic[0], /12 trials/);
    });

    it("capacity from Inference Recommender rows: MaxInvocations per minute per instance, rows over the SLO skipped", () => {
        const { capacity, skipped } = capacityFromRecommender(
            [
                {
                    instanceType: "ml.c5.xlarge",
                    instanceCount: 1,
                    costPerHour: 0.204,
                    costPerInference: 1e-6,
                    maxInvocations: 6000,
                    modelLatencyMs: 8,
                    endpointConfigName: null,
                },
                {
                    instanceType: "ml.m5.large",
                    instanceCount: 2,
                    costPerHour: 0.23,
                    costPerInference: 1e-6,
                    maxInvocations: 6000,
                    modelLatencyMs: 30,
                    endpointConfigName: null,
                },
                {
                    instanceType: "serverless",
                    instanceCount: 1,
                    costPerHour: null,
                    costPerInference: 1e-6,
                    maxInvocations: 100,
                    modelLatencyMs: 5,
                    endpointConfigName: null,
                },
            ],
            20,
            "job",
        );
        assert.deepEqual(
            capacity.map((c) => [c.instanceType, c.rpsPerInstance]),
            [["ml.c5.xlarge", 100]],
        );
        assert.equal(skipped.length, 2);
    });
});

describe("optimize: properties", () => {
    it("never violates the SLO at the observed peak by measured capacity; never picks a dearer option, so never over budget when a cheaper one fits", () => {
        const rnd = mulberry32(42);
        const types = Object.keys(hosting.onDemand);
        for (let trial = 0; trial < 300; trial++) {
            const capacity = types.filter(() => rnd() < 0.5).map((t) => cap(t, 1 + rnd() * 200, rnd() * 30));
            const peakBase = Math.floor(rnd() * 20000);
            const tr = traffic("champion", () => Math.floor(rnd() * peakBase), 120);
            const headroom = rnd();
            const budget = 10 + rnd() * 3000;
            const cfg = rnd() < 0.5 ? dev : prod;
            const r = optimize({
                config: { ...cfg, budget: { ...cfg.budget, monthlyLimitUsd: budget } },
                capacity,
                traffic: [tr],
                hosting,
                infra,
                options: { headroom },
            });
            const rs = r.recommendations.find((x) => x.id === "right-size:champion")!;
            const opts = sizingOptions(tr.perMinute.peak, capacity, hosting.onDemand, headroom, cfg.environment === "prod" ? 2 : 1, cfg.pipeline.latencySloMs);
            const type =
                (rs.changes.find((c) => c.key.endsWith("instanceType"))?.value as string | undefined) ??
                (rs.recommended ? undefined : cfg.endpoint.variants[0].instanceType);
            if (!rs.recommended) {
                // kept: either nothing measured fits, or the current size is already the cheapest fitting one
                if (opts.length) assert.ok(rs.monthlyBeforeUsd! <= opts[0].monthlyUsd + 0.01, `trial ${trial}: a cheaper fitting option was not recommended`);
                continue;
            }
            const count = rs.changes.find((c) => c.key.endsWith("initialInstanceCount"))!.value as number;
            const c = capacity.find((x) => x.instanceType === type)!;
            assert.ok(c.latencyMs <= cfg.pipeline.latencySloMs, `trial ${trial}: chose a type whose p99 breaks the SLO`);
            assert.ok(
                count * c.rpsPerInstance * 60 >= tr.perMinute.peak * (1 + headroom) - 1e-6,
                `trial ${trial}: ${count} x ${c.rpsPerInstance} < peak ${tr.perMinute.peak} x ${1 + headroom}`,
            );
            assert.ok(count >= (cfg.environment === "prod" ? 2 : 1));
            for (const o of opts)
                assert.ok(rs.monthlyAfterUsd! <= Math.round(o.monthlyUsd * 100) / 100 + 0.01, `trial ${trial}: ${o.instanceType} x ${o.count} is cheaper`);
            if (opts.some((o) => o.monthlyUsd <= budget))
                assert.ok(rs.monthlyAfterUsd! <= budget + 0.01, `trial ${trial}: over budget although a cheaper option fits`);
            // autoscaling max covers the peak too
            const as = r.recommendations.find((x) => x.id === "autoscaling")!;
            const max = (as.changes.find((x) => x.key.endsWith("maxCapacity"))?.value as number | undefined) ?? cfg.endpoint.autoscaling.maxCapacity;
            const target =
                (as.changes.find((x) => x.key.endsWith("targetInvocationsPerInstance"))?.value as number | undefined) ??
                cfg.endpoint.autoscaling.targetInvocationsPerInstance;
            assert.ok(target <= c.rpsPerInstance * 60, `trial ${trial}: target ${target} above measured capacity`);
            assert.ok(max * c.rpsPerInstance * 60 >= tr.perMinute.peak, `trial ${trial}: max ${max} cannot carry the peak`);
        }
        assert.equal(instancesFor(100, 0.3, 1, 1), Math.ceil(130 / 60));
    });
});

describe("optimize: --apply-config", () => {
    it("writes the keys atomically keeping comments (null removes a key), refuses a key set twice, and writes nothing when the result is invalid", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opt-apply-"));
        const file = path.join(dir, "Pulumi.dev.yaml");
        fs.copyFileSync(path.resolve(__dirname, "../../Pulumi.dev.yaml"), file);
        const rec = (changes: { key: string; value: unknown }[], id = "x") => ({
            id,
            kind: "right-size" as const,
            title: "",
            recommended: true,
            monthlyBeforeUsd: 1,
            monthlyAfterUsd: 1,
            monthlySavingUsd: 0,
            risk: "",
            arithmetic: [],
            changes,
        });
        const schedule = { scaleDownCron: "cron(0 19 ? * * *)", scaleUpCron: "cron(0 7 ? * MON-FRI *)", timezone: "UTC", minOutsideHours: 1 };
        const res = applyConfig(file, "dev", [
            rec([
                { key: "endpoint.variants.0.instanceType", value: "ml.c5.large" },
                { key: "endpoint.autoscaling.targetInvocationsPerInstance", value: 1234 },
                { key: "endpoint.autoscaling.schedule", value: schedule },
            ]),
            rec([{ key: "endpoint.variants.0.instanceType", value: "ml.m5.xlarge" }], "y"),
        ]);
        assert.deepEqual(
            res.applied.map((a) => [a.key, a.from, a.to]),
            [
                ["endpoint.variants.0.instanceType", "ml.m5.large", "ml.c5.large"],
                ["endpoint.autoscaling.targetInvocationsPerInstance", 200, 1234],
                ["endpoint.autoscaling.schedule", undefined, schedule],
            ],
        );
        assert.deepEqual(res.refused, [{ key: "endpoint.variants.0.instanceType", recommendation: "y", reason: "already set by x" }]);
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /# dev: cheap, single-instance/);
        const doc = YAML.parse(text).config;
        assert.equal(doc["mlplatform:endpoint"].variants[0].instanceType, "ml.c5.large");
        assert.equal(doc["mlplatform:endpoint"].autoscaling.targetInvocationsPerInstance, 1234);
        assert.deepEqual(loadStackFile("dev", dir).endpoint.autoscaling.schedule, { ...schedule, maxOutsideHours: 1 });
        const before = fs.readFileSync(file, "utf8");
        assert.throws(() => applyConfig(file, "dev", [rec([{ key: "endpoint.autoscaling.maxCapacity", value: 0 }])]), /maxCapacity/);
        // serverless without turning capture off: the config parser names the key; nothing written
        const toServerless = [
            { key: "endpoint.variants.0.serverless", value: { memorySizeInMb: 2048, maxConcurrency: 4 } },
            { key: "endpoint.variants.0.instanceType", value: null },
            { key: "endpoint.variants.0.initialInstanceCount", value: null },
            { key: "endpoint.input", value: "features" },
            { key: "monitoring.serverlessMonitor", value: false },
            { key: "endpoint.autoscaling.schedule", value: null },
        ];
        assert.throws(
            () => applyConfig(file, "dev", [rec(toServerless)]),
            /captureSamplingPercentage = 100: expected 0 with mlplatform:endpoint.variants.0.serverless|endpoint.captureSamplingPercentage/,
        );
        assert.equal(fs.readFileSync(file, "utf8"), before, "nothing written when the config parser rejects the result");
        const ok = applyConfig(file, "dev", [rec([...toServerless, { key: "endpoint.captureSamplingPercentage", value: 0 }])]);
        assert.equal(ok.applied.length, 7);
        const cfg = loadStackFile("dev", dir);
        assert.deepEqual(cfg.endpoint.variants[0].serverless, { memorySizeInMb: 2048, maxConcurrency: 4 });
        assert.equal(cfg.endpoint.variants[0].instanceType, undefined);
        assert.equal(cfg.endpoint.autoscaling.schedule, undefined);
        assert.doesNotMatch(fs.readFileSync(file, "utf8"), /instanceType: ml\.c5\.large/);
        assert.deepEqual(fs.readdirSync(dir), ["Pulumi.dev.yaml"], "no temp file left");
    });
});

describe("optimize: --target aws inputs (aws-sdk-client-mock)", () => {
    it("joins Inference Recommender capacity and CloudWatch traffic into a prod right-sizing", async () => {
        const { SageMakerClient, DescribeInferenceRecommendationsJobCommand } = await import("@aws-sdk/client-sagemaker");
        const { awsInputs } = await import("../../lib/optimize/sources");
        const cw = mockClient(CloudWatchClient);
        const sm = mockClient(SageMakerClient);
        const pages = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/optimize/getmetricdata-pages.json"), "utf8"));
        cw.on(GetMetricDataCommand).callsFake((input) => (input.NextToken ? pages[1] : pages[0]));
        sm.on(DescribeInferenceRecommendationsJobCommand).resolves({
            JobName: "mlp-prod-ir",
            Status: "COMPLETED",
            JobType: "Default",
            RoleArn: "arn:aws:iam::123456789012:role/x",
            CreationTime: new Date(),
            LastModifiedTime: new Date(),
            InputConfig: {},
            InferenceRecommendations: [
                {
                    Metrics: { CostPerHour: 0.204, CostPerInference: 0.0000005, MaxInvocations: 9000, ModelLatency: 6 },
                    EndpointConfiguration: { EndpointName: "ir-1", VariantName: "v", InstanceType: "ml.c5.xlarge", InitialInstanceCount: 1 },
                    ModelConfiguration: {},
                },
                {
                    Metrics: { CostPerHour: 0.115, CostPerInference: 0.0000004, MaxInvocations: 4000, ModelLatency: 9 },
                    EndpointConfiguration: { EndpointName: "ir-2", VariantName: "v", InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
                    ModelConfiguration: {},
                },
            ],
        } as never);
        const ai = await awsInputs(prod, {
            cw: new CloudWatchClient({ region: "us-east-1" }),
            sm: new SageMakerClient({ region: "us-east-1" }),
            fromMs: Date.parse("2026-11-30T10:00:00Z"),
            toMs: Date.parse("2026-11-30T10:05:00Z"),
            recommenderJob: "mlp-prod-ir",
        });
        assert.equal(sm.commandCalls(DescribeInferenceRecommendationsJobCommand)[0].args[0].input.JobName, "mlp-prod-ir");
        assert.equal(
            cw.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries![0].MetricStat!.Metric!.Dimensions![0].Value,
            "mlp-prod-endpoint",
        );
        const r = optimize({ config: prod, capacity: ai.capacity, traffic: ai.traffic, hosting, infra });
        const rs = r.recommendations.find((x) => x.id === "right-size:champion")!;
        // peak 1500/min x 1.3 = 1950/min = 32.5 req/s; m5.large 66.7 req/s -> max(2, 1) = 2 x 0.115 < 2 x 0.204 (c5.xlarge) < 2 x 0.23 now
        assert.equal(rs.recommended, true);
        assert.deepEqual(
            rs.changes.map((c) => c.value),
            ["ml.m5.large", 2],
        );
        assert.equal(rs.monthlySavingUsd, Math.round((2 * 0.23 - 2 * 0.115) * HOURS_PER_MONTH * 100) / 100);
        const as = r.recommendations.find((x) => x.id === "autoscaling")!;
        assert.equal(as.changes.find((c) => c.key.endsWith("targetInvocationsPerInstance"))!.value, Math.floor(4000 / 1.3));
        sm.on(DescribeInferenceRecommendationsJobCommand).resolves({ Status: "FAILED", FailureReason: "model failed to load" } as never);
        await assert.rejects(
            awsInputs(prod, { cw: new CloudWatchClient({}), sm: new SageMakerClient({}), fromMs: 0, toMs: 600_000, recommenderJob: "j" }),
            /j is FAILED \(model failed to load\)/,
        );
        cw.restore();
        sm.restore();
    });
});
