import * as assert from "assert";
import { ConfigError, parsePlatformConfig, RawConfig } from "../../infra/config";
import { loadStackFile, readStackFile } from "../../infra/stack-config";

function withOverrides(stack: string, overrides: RawConfig): RawConfig {
    const raw = JSON.parse(JSON.stringify(readStackFile(stack))) as RawConfig;
    for (const [k, v] of Object.entries(overrides)) {
        const [top, ...rest] = k.split(".");
        if (rest.length === 0) {
            if (v === undefined) delete raw[top];
            else raw[top] = v;
            continue;
        }
        let o = raw[top] as Record<string, unknown>;
        for (const p of rest.slice(0, -1)) o = o[p] as Record<string, unknown>;
        if (v === undefined) delete o[rest[rest.length - 1]];
        else o[rest[rest.length - 1]] = v;
    }
    return raw;
}

function problems(stack: string, overrides: RawConfig): string[] {
    const raw = withOverrides(stack, overrides);
    try {
        parsePlatformConfig(raw, stack, raw["aws:region"] as string | undefined);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
        return e.problems;
    }
    return [];
}

describe("stack configuration", () => {
    it("dev and prod stack files validate", () => {
        const dev = loadStackFile("dev");
        const prod = loadStackFile("prod");
        assert.strictEqual(dev.environment, "dev");
        assert.strictEqual(prod.environment, "prod");
        assert.strictEqual(dev.tags.Environment, "dev");
        assert.strictEqual(prod.tags.Environment, "prod");
    });

    it("prod is highly available and strict, dev is cheap", () => {
        const dev = loadStackFile("dev");
        const prod = loadStackFile("prod");
        assert.ok(prod.endpoint.variants.every((v) => (v.initialInstanceCount ?? 0) >= 2));
        assert.ok(prod.endpoint.autoscaling.minCapacity >= 2);
        assert.ok(prod.network.availabilityZones >= 2);
        assert.strictEqual(prod.network.allowInternetEgress, false);
        assert.strictEqual(prod.dataLake.restrictToVpcEndpoint, true);
        assert.strictEqual(prod.dataLake.forceDestroy, false);
        assert.strictEqual(prod.pipeline.autoApprove, false);
        assert.ok(dev.endpoint.variants.every((v) => v.initialInstanceCount === 1));
        assert.ok(dev.budget.monthlyLimitUsd < prod.budget.monthlyLimitUsd);
        assert.ok(dev.logs.retentionDays < prod.logs.retentionDays);
        assert.ok(dev.endpoint.captureSamplingPercentage > prod.endpoint.captureSamplingPercentage);
    });

    it("endpoint input: raw records by default (inference pipeline), features on request; preprocessing image and archive validated", () => {
        assert.strictEqual(loadStackFile("dev").endpoint.input, "raw");
        assert.strictEqual(loadStackFile("prod").endpoint.input, "raw");
        assert.deepStrictEqual(problems("dev", { "mlplatform:endpoint.input": "features" }), []);
        assert.ok(problems("dev", { "mlplatform:endpoint.input": "encoded" }).some((p) => p.includes("endpoint.input") && p.includes("raw")));
        assert.ok(
            problems("dev", { "mlplatform:endpoint.preprocessImage": "sklearn:latest" }).some(
                (p) => p.includes("endpoint.preprocessImage") && p.includes("ECR image URI"),
            ),
        );
        assert.deepStrictEqual(problems("dev", { "mlplatform:endpoint.preprocessImage": "123456789012.dkr.ecr.ca-west-1.amazonaws.com/sklearn:1.2-1" }), []);
        const bad = withOverrides("dev", {});
        (bad["mlplatform:endpoint"] as any).variants[0].preprocessDataUrl = "features/sourcedir.tar.gz";
        assert.throws(
            () => parsePlatformConfig(bad, "dev", "us-east-1"),
            (e: Error) => e instanceof ConfigError && e.problems.some((p) => p.includes("endpoint.variants.0.preprocessDataUrl")),
        );
    });

    it("names key, value and expectation for a missing required key", () => {
        const p = problems("dev", { "mlplatform:environment": undefined });
        assert.ok(
            p.some((x) => x.startsWith("mlplatform:environment = <missing>: expected one of dev, prod")),
            p.join("\n"),
        );
    });

    it("rejects a non-ml instance type", () => {
        const p = problems("dev", { "mlplatform:monitoring.instanceType": "m5.large" });
        assert.deepStrictEqual(p, ['mlplatform:monitoring.instanceType = "m5.large": expected a SageMaker instance type such as ml.m5.large']);
        const q = problems("dev", { "mlplatform:endpoint.variants": [{ name: "a", instanceType: "t3.micro", initialInstanceCount: 1, weight: 1 }] });
        assert.ok(
            q.some((x) => x.includes("endpoint.variants.0.instanceType") && x.includes('"t3.micro"')),
            q.join("\n"),
        );
    });

    it("rejects a budget <= 0 and sampling outside 0-100", () => {
        const p = problems("dev", { "mlplatform:budget.monthlyLimitUsd": 0, "mlplatform:endpoint.captureSamplingPercentage": 150 });
        assert.strictEqual(p.length, 2, p.join("\n"));
        assert.ok(p[0].includes("budget.monthlyLimitUsd = 0") || p[1].includes("budget.monthlyLimitUsd = 0"));
        assert.ok(p.some((x) => x.includes("endpoint.captureSamplingPercentage = 150: expected an integer between 0 and 100")));
    });

    it("rejects wrong types with the offending value", () => {
        const p = problems("dev", { "mlplatform:endpoint.enabled": "yes", "mlplatform:logs.retentionDays": "two weeks" });
        assert.ok(
            p.some((x) => x === 'mlplatform:endpoint.enabled = "yes": expected true or false'),
            p.join("\n"),
        );
        assert.ok(
            p.some((x) => x.startsWith('mlplatform:logs.retentionDays = "two weeks": expected a number')),
            p.join("\n"),
        );
    });

    it("accepts numbers and booleans given as strings, as the Pulumi runtime passes them", () => {
        const raw = withOverrides("dev", { "mlplatform:endpoint.enabled": "false" });
        (raw["mlplatform:logs"] as Record<string, unknown>).retentionDays = "30";
        const cfg = parsePlatformConfig(raw, "dev", "us-east-1");
        assert.strictEqual(cfg.endpoint.enabled, false);
        assert.strictEqual(cfg.logs.retentionDays, 30);
    });

    it("refuses single-instance variants, internet egress and auto-approval in prod", () => {
        const p = problems("prod", {
            "mlplatform:endpoint.variants": [{ name: "champion", instanceType: "ml.m5.xlarge", initialInstanceCount: 1, weight: 1 }],
            "mlplatform:network.allowInternetEgress": true,
            "mlplatform:pipeline.autoApprove": true,
        });
        assert.ok(
            p.some((x) => x.includes("endpoint.variants.0.initialInstanceCount = 1: expected at least 2 in prod")),
            p.join("\n"),
        );
        assert.ok(p.some((x) => x.includes("network.allowInternetEgress")));
        assert.ok(p.some((x) => x.includes("pipeline.autoApprove")));
    });

    it("requires the required tags and allowed classification values", () => {
        const p = problems("dev", { "mlplatform:tags": { Project: "x", Owner: "y", CostCenter: "z", DataClassification: "secret" } });
        assert.deepStrictEqual(p, ['mlplatform:tags.DataClassification = "secret": expected one of public, internal, confidential, restricted']);
        const q = problems("dev", { "mlplatform:tags": { Project: "x" } });
        assert.strictEqual(q.length, 3, q.join("\n"));
    });

    it("requires a region and a valid CIDR", () => {
        const p = problems("dev", { "aws:region": undefined, "mlplatform:network.cidrBlock": "10.0.0.0/8" });
        assert.ok(
            p.some((x) => x.startsWith("aws:region = <missing>")),
            p.join("\n"),
        );
        assert.ok(p.some((x) => x.includes("network.cidrBlock")));
    });

    it("reports every problem at once in one error message", () => {
        const raw = withOverrides("dev", { "mlplatform:budget.monthlyLimitUsd": -5, "mlplatform:monitoring.instanceType": "big" });
        assert.throws(
            () => parsePlatformConfig(raw, "dev", "us-east-1"),
            (e: Error) => /Invalid stack configuration \(2 problems\)/.test(e.message) && e.message.includes("budget.monthlyLimitUsd = -5"),
        );
    });

    it("names the stack file and the known stacks for an unknown stack", () => {
        assert.throws(() => readStackFile("staging"), /Pulumi\.staging\.yaml does not exist; known stacks: .*dev.*prod/);
    });
});

describe("stack config: serverless variants, scheduled scale-down, cost-per-1000 alarm (issue 15)", () => {
    const serverlessDev = {
        "mlplatform:endpoint.variants": [{ name: "champion", serverless: { memorySizeInMb: 2048, maxConcurrency: 5 }, weight: 1 }],
        "mlplatform:endpoint.input": "features",
        "mlplatform:endpoint.captureSamplingPercentage": 0,
        "mlplatform:monitoring.serverlessMonitor": false,
    };
    const parse = (stack: string, o: RawConfig) => {
        const raw = withOverrides(stack, o);
        return parsePlatformConfig(raw, stack, raw["aws:region"] as string);
    };

    it("dev accepts a serverless variant with the exclusions switched off explicitly", () => {
        const c = parse("dev", serverlessDev);
        assert.deepEqual(c.endpoint.variants[0].serverless, { memorySizeInMb: 2048, maxConcurrency: 5 });
        assert.equal(c.endpoint.variants[0].instanceType, undefined);
    });

    it("each Serverless Inference exclusion is a problem naming the key and the fix", () => {
        const p = problems("dev", {
            ...serverlessDev,
            "mlplatform:endpoint.input": "raw",
            "mlplatform:endpoint.captureSamplingPercentage": 100,
            "mlplatform:monitoring.serverlessMonitor": true,
            "mlplatform:monitoring.modelMonitorSchedule": true,
        });
        assert.ok(
            p.some((x) => /^mlplatform:endpoint.input = "raw": expected features with mlplatform|endpoint.input = "raw": expected features/.test(x)),
            p.join("\n"),
        );
        assert.ok(
            p.some((x) =>
                /endpoint.captureSamplingPercentage = 100: expected 0 with endpoint.variants.0.serverless: Serverless Inference has no data capture/.test(x),
            ),
            p.join("\n"),
        );
        assert.ok(p.some((x) => /monitoring.serverlessMonitor = true: expected false/.test(x)));
        assert.ok(p.some((x) => /monitoring.modelMonitorSchedule = true: expected false .*Model Monitor/.test(x)));
        const two = problems("dev", {
            ...serverlessDev,
            "mlplatform:endpoint.variants": [
                serverlessDev["mlplatform:endpoint.variants"][0],
                { name: "b", instanceType: "ml.m5.large", initialInstanceCount: 1, weight: 1 },
            ],
        });
        assert.ok(
            two.some((x) => /one variant with endpoint.variants.0.serverless/.test(x)),
            two.join("\n"),
        );
    });

    it("limits follow SageMaker's ProductionVariantServerlessConfig; a serverless variant takes no instance type", () => {
        const bad = (s: object) => problems("dev", { ...serverlessDev, "mlplatform:endpoint.variants": [{ name: "champion", serverless: s, weight: 1 }] });
        assert.ok(bad({ memorySizeInMb: 1536, maxConcurrency: 5 }).some((x) => /serverless.memorySizeInMb = 1536: expected one of 1024, 2048/.test(x)));
        assert.ok(
            bad({ memorySizeInMb: 7168, maxConcurrency: 5 }).some((x) => /serverless.memorySizeInMb = 7168: expected an integer between 1024 and 6144/.test(x)),
        );
        assert.ok(bad({ memorySizeInMb: 1024, maxConcurrency: 201 }).some((x) => /maxConcurrency = 201/.test(x)));
        assert.ok(
            bad({ memorySizeInMb: 1024, maxConcurrency: 2, provisionedConcurrency: 3 }).some((x) =>
                /provisionedConcurrency = 3: expected an integer 1 to maxConcurrency \(2\)/.test(x),
            ),
        );
        assert.ok(bad({ memorySizeInMb: 1024, maxConcurency: 2 }).some((x) => /serverless.maxConcurency: unknown key.*maxConcurrency/.test(x)));
        const withType = problems("dev", {
            ...serverlessDev,
            "mlplatform:endpoint.variants": [
                { name: "champion", instanceType: "ml.m5.large", serverless: { memorySizeInMb: 1024, maxConcurrency: 1 }, weight: 1 },
            ],
        });
        assert.ok(
            withType.some((x) => /variants.0.instanceType = "ml.m5.large": expected no instanceType on a serverless variant/.test(x)),
            withType.join("\n"),
        );
    });

    it("prod refuses serverless variants (VPC, network isolation and capture are required there)", () => {
        const p = problems("prod", {
            "mlplatform:endpoint.variants": [{ name: "champion", serverless: { memorySizeInMb: 2048, maxConcurrency: 5 }, weight: 1 }],
        });
        assert.ok(
            p.some((x) => /endpoint.variants.0.serverless = .*expected no serverless variant in prod/.test(x)),
            p.join("\n"),
        );
    });

    it("endpoint.autoscaling.schedule: defaults, validation (cron, zone, >= 1 instance, within the autoscaling bounds), prod keeps 2", () => {
        const sch = { scaleDownCron: "cron(0 19 ? * MON-FRI *)", scaleUpCron: "cron(0 7 ? * MON-FRI *)" };
        const c = parse("dev", { "mlplatform:endpoint.autoscaling.schedule": sch });
        assert.deepEqual(c.endpoint.autoscaling.schedule, { ...sch, timezone: "UTC", minOutsideHours: 1, maxOutsideHours: 1 });
        const p = problems("dev", {
            "mlplatform:endpoint.autoscaling.schedule": {
                scaleDownCron: "0 19 * * *",
                scaleUpCron: "cron(0 7 ? * MON-FRI *)",
                timezone: "Mars/Olympus",
                minOutsideHours: 0,
                maxOutsideHours: 5,
            },
        });
        assert.ok(
            p.some((x) => /schedule.scaleDownCron = "0 19 \* \* \*": expected a six-field cron/.test(x)),
            p.join("\n"),
        );
        assert.ok(p.some((x) => /schedule.timezone = "Mars\/Olympus": expected an IANA time zone/.test(x)));
        assert.ok(p.some((x) => /schedule.minOutsideHours = 0/.test(x)));
        assert.ok(
            p.some((x) => /schedule.maxOutsideHours = 5: expected at most autoscaling.maxCapacity \(2\)/.test(x)),
            p.join("\n"),
        );
        assert.ok(
            problems("prod", { "mlplatform:endpoint.autoscaling.schedule": { ...sch, minOutsideHours: 1 } }).some((x) =>
                /minOutsideHours = 1: expected at least 2 in prod/.test(x),
            ),
        );
        assert.deepEqual(problems("prod", { "mlplatform:endpoint.autoscaling.schedule": sch }), []);
        assert.ok(
            problems("dev", { ...serverlessDev, "mlplatform:endpoint.autoscaling.schedule": sch }).some((x) =>
                /no schedule when every variant is serverless/.test(x),
            ),
        );
    });

    it("budget.costPerThousandAlarmUsd: optional, positive", () => {
        assert.equal(parse("dev", {}).budget.costPerThousandAlarmUsd, undefined);
        assert.equal(parse("dev", { "mlplatform:budget.costPerThousandAlarmUsd": 0.5 }).budget.costPerThousandAlarmUsd, 0.5);
        assert.ok(problems("dev", { "mlplatform:budget.costPerThousandAlarmUsd": -1 }).some((x) => /costPerThousandAlarmUsd = -1/.test(x)));
    });
});
