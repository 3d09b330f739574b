import * as assert from "assert";
import { ConfigError, parsePlatformConfig, RawConfig } from "../../infra/config";
import { readStackFile, toRuntimeConfig } from "../../infra/stack-config";
import { editDistance, nearest } from "../../lib/common/suggest";

function problemsOf(mutate: (raw: Record<string, any>) => void, stack = "dev"): string[] {
    const raw = JSON.parse(JSON.stringify(readStackFile(stack))) as Record<string, any>;
    mutate(raw);
    try {
        parsePlatformConfig(raw as RawConfig, stack, raw["aws:region"]);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems;
    }
    return [];
}

describe("stack configuration: unknown keys", () => {
    it("the shipped stack files have no unknown key", () => {
        assert.deepEqual(
            problemsOf(() => undefined, "dev"),
            [],
        );
        assert.deepEqual(
            problemsOf(() => undefined, "prod"),
            [],
        );
    });

    it("a typo in a nested key is an error naming the nearest valid key (the typo'd setting would keep its default)", () => {
        assert.deepEqual(
            problemsOf((r) => (r["mlplatform:training"].useSpott = false)),
            ["mlplatform:training.useSpott: unknown key; did you mean mlplatform:training.useSpot?"],
        );
        assert.deepEqual(
            problemsOf((r) => (r["mlplatform:endpoint"].autoscaling.maxCapcity = 3)),
            ["mlplatform:endpoint.autoscaling.maxCapcity: unknown key; did you mean mlplatform:endpoint.autoscaling.maxCapacity?"],
        );
        assert.deepEqual(
            problemsOf((r) => (r["mlplatform:endpoint"].variants[0].wieght = 2)),
            ["mlplatform:endpoint.variants.0.wieght: unknown key; did you mean mlplatform:endpoint.variants.<i>.weight?"],
        );
    });

    it("a key with no near match lists the valid keys at its level; unknown top-level keys too", () => {
        assert.deepEqual(
            problemsOf((r) => (r["mlplatform:training"].spotty = true)),
            [
                "mlplatform:training.spotty: unknown key; valid keys here: mlplatform:training.instanceTypes, mlplatform:training.maxInstanceCount, mlplatform:training.maxRuntimeSeconds, mlplatform:training.useSpot",
            ],
        );
        const p = problemsOf((r) => (r["mlplatform:bogusKey"] = "x"));
        assert.equal(p.length, 1);
        assert.match(p[0], /^mlplatform:bogusKey: unknown key; valid keys here: mlplatform:alarms, .*mlplatform:training$/);
        assert.deepEqual(
            problemsOf((r) => (r["mlplatform:budgett"] = { monthlyLimitUsd: 1 })),
            ["mlplatform:budgett: unknown key; did you mean mlplatform:budget?"],
        );
    });

    it("free-form maps (tags) and other namespaces (aws:) are not checked; a shadow variant's keys are", () => {
        assert.deepEqual(
            problemsOf((r) => ((r["mlplatform:tags"].Team = "ml"), (r["aws:profile"] = "x"))),
            [],
        );
        assert.deepEqual(
            problemsOf((r) => (r["mlplatform:endpoint"].shadowVariant = { name: "shadow", instanceType: "ml.m5.large", initalInstanceCount: 1 })),
            ["mlplatform:endpoint.shadowVariant.initalInstanceCount: unknown key; did you mean mlplatform:endpoint.shadowVariant.initialInstanceCount?"],
        );
    });

    it("works on the runtime form (values as JSON strings, as pulumi preview passes them)", () => {
        const raw = JSON.parse(JSON.stringify(readStackFile("dev")));
        raw["mlplatform:training"].useSpott = false;
        const rt = toRuntimeConfig(raw);
        const decoded: RawConfig = {};
        for (const [k, v] of Object.entries(rt)) decoded[k] = v.startsWith("{") || v.startsWith("[") ? JSON.parse(v) : v;
        assert.throws(
            () => parsePlatformConfig(decoded, "dev", "us-east-1"),
            /mlplatform:training\.useSpott: unknown key; did you mean mlplatform:training\.useSpot\?/,
        );
    });

    it("suggest: edit distance with transpositions; only plausible typos are suggested", () => {
        assert.equal(editDistance("useSpott", "useSpot"), 1);
        assert.equal(editDistance("wieght", "weight"), 1);
        assert.equal(nearest("bogusKey", ["budget", "tags"]), undefined);
        assert.equal(nearest("MAXCAPACITY", ["maxCapacity", "minCapacity"]), "maxCapacity");
    });
});
