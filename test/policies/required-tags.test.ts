import * as assert from "assert";
import { requiredTags, TAGGABLE_TYPES, REQUIRED_TAGS_DEFAULTS } from "../../policies/rules/required-tags";
import { exemptTags } from "./exempt";
import { REQUIRED_TAGS, UNKNOWN, awsProvider, envContext, messages, res, runR, runRemediation } from "./harness";

const BUCKET = "aws:s3/bucket:Bucket";

describe("policies/required-tags", () => {
    it("taggable types come from the generated data file", () => {
        assert.ok(TAGGABLE_TYPES.has(BUCKET));
        assert.ok(TAGGABLE_TYPES.has("aws:sagemaker/endpoint:Endpoint"));
        assert.ok(!TAGGABLE_TYPES.has("aws:s3/bucketPolicy:BucketPolicy"));
    });

    it("passes when all required tags are on the resource", async () => {
        const o = await runR(requiredTags, res(BUCKET, "b", { tags: REQUIRED_TAGS }));
        assert.strictEqual(o.status, "evaluated");
        assert.deepStrictEqual(o.violations, []);
    });

    it("reports each missing tag", async () => {
        const o = await runR(requiredTags, res(BUCKET, "b", { tags: { Project: "x", Environment: "dev" } }));
        assert.strictEqual(o.violations.length, 1);
        assert.match(messages(o)[0], /missing required tag\(s\): Owner, CostCenter, DataClassification/);
        assert.strictEqual(o.violations[0].enforcementLevel, "advisory");
    });

    it("counts provider default tags (JSON-string and object forms)", async () => {
        const { Owner, CostCenter, ...rest } = REQUIRED_TAGS;
        for (const asJson of [true, false]) {
            const o = await runR(requiredTags, res(BUCKET, "b", { tags: rest }, { provider: awsProvider({ Owner, CostCenter }, asJson) }));
            assert.deepStrictEqual(o.violations, [], `asJson=${asJson}`);
        }
        const o = await runR(requiredTags, res(BUCKET, "b", { tags: rest }, { provider: awsProvider({ Owner }) }));
        assert.match(messages(o)[0], /CostCenter/);
        assert.doesNotMatch(messages(o)[0], /Owner/);
    });

    it("checks allowed values, resource tags overriding default tags", async () => {
        const o = await runR(
            requiredTags,
            res(BUCKET, "b", { tags: { ...REQUIRED_TAGS, Environment: "qa" } }, { provider: awsProvider({ Environment: "dev" }) }),
        );
        assert.deepStrictEqual(messages(o), ['tag Environment="qa" is not one of: dev, staging, prod']);
        const ok = await runR(
            requiredTags,
            res(BUCKET, "b", { tags: { ...REQUIRED_TAGS, Environment: undefined } }, { provider: awsProvider({ Environment: "prod" }) }),
        );
        assert.deepStrictEqual(ok.violations, []);
    });

    it("uses the environment config (prod allows only Environment=prod)", async () => {
        const o = await runR(requiredTags, res(BUCKET, "b", { tags: REQUIRED_TAGS }), envContext("prod", "required-tags"));
        assert.deepStrictEqual(messages(o), ['tag Environment="dev" is not one of: prod']);
        assert.strictEqual(o.violations[0].enforcementLevel, "mandatory");
    });

    it("config overrides the schema defaults; defaults apply when config is empty", async () => {
        const input = res(BUCKET, "b", { tags: { Team: "a" } });
        const custom = await runR(requiredTags, input, { config: { requiredTags: ["Team"] } });
        assert.deepStrictEqual(custom.violations, []);
        const dflt = await runR(requiredTags, input);
        assert.match(messages(dflt)[0], new RegExp(REQUIRED_TAGS_DEFAULTS.requiredTags.join(", ")));
    });

    it("ignores non-taggable types and ignoreTypes", async () => {
        const o = await runR(requiredTags, res("aws:s3/bucketPolicy:BucketPolicy", "p", { policy: "{}" }));
        assert.deepStrictEqual(o.violations, []);
        const i = await runR(requiredTags, res(BUCKET, "b", {}), { config: { ignoreTypes: [BUCKET] } });
        assert.deepStrictEqual(i.violations, []);
    });

    it("honours and records a per-resource exemption tag", async () => {
        const o = await runR(requiredTags, res(BUCKET, "legacy", { tags: exemptTags("required-tags", "imported legacy bucket, ticket OPS-12") }));
        assert.deepStrictEqual(o.violations, []);
        assert.strictEqual(o.exemptions.length, 1);
        assert.strictEqual(o.exemptions[0].reason, "imported legacy bucket, ticket OPS-12");
        assert.strictEqual(o.exemptions[0].policyName, "required-tags");
        assert.match(o.exemptions[0].suppressed[0], /missing required tag/);
    });

    it("accepts the exemption from tagsAll, ignores an empty reason and other policies' exemptions", async () => {
        const viaAll = await runR(requiredTags, res(BUCKET, "b", { tagsAll: exemptTags("required-tags", "imported bucket, owner unknown") }));
        assert.strictEqual(viaAll.exemptions[0].source, "tagsAll");
        const empty = await runR(
            requiredTags,
            res(BUCKET, "b", { tags: { ...exemptTags("required-tags", "imported bucket, owner unknown"), "mlplatform:policy-exemption:required-tags": " " } }),
        );
        assert.strictEqual(empty.violations.length, 2, "the invalid exemption and the finding");
        assert.match(empty.violations[0].message, /invalid exemption .* does not explain anything/);
        const other = await runR(requiredTags, res(BUCKET, "b", { tags: exemptTags("network-isolation", "public ALB demo UI") }));
        assert.strictEqual(other.violations.length, 1);
        assert.strictEqual(other.exemptions.length, 0);
    });

    it("unknown tag map => not fully evaluated; unknown value of a present key still checks presence", async () => {
        const o = await runR(requiredTags, res(BUCKET, "b", { tags: UNKNOWN.object }));
        assert.strictEqual(o.status, "not-evaluated");
        assert.match(o.reason!, /tags can't be known during preview/);
        const partial = await runR(requiredTags, res(BUCKET, "b", { tags: { ...REQUIRED_TAGS, Owner: UNKNOWN.string } }));
        assert.strictEqual(partial.status, "evaluated");
        const missingAndUnknown = await runR(requiredTags, res(BUCKET, "b", { tags: { Project: "x", Environment: UNKNOWN.string } }));
        assert.strictEqual(missingAndUnknown.status, "not-evaluated");
    });

    it("disabled level skips the policy", async () => {
        const o = await runR(requiredTags, res(BUCKET, "b", {}), { config: { enforcementLevel: "disabled" } });
        assert.strictEqual(o.status, "disabled");
    });

    it("remediation adds only configured default values for missing tags", async () => {
        const input = res(BUCKET, "b", { tags: { Project: "x" } }, { provider: awsProvider({ Owner: "team" }) });
        assert.strictEqual(await runRemediation(requiredTags, input, { config: { enforcementLevel: "remediate" } }), undefined);
        const out = await runRemediation(requiredTags, input, {
            config: { enforcementLevel: "remediate", remediationDefaults: { Owner: "other", CostCenter: "cc-1", Environment: "bogus" } },
        });
        assert.deepStrictEqual(out!.tags, { Project: "x", CostCenter: "cc-1" });
    });
});

import { corpusTests } from "./corpus-rule";
corpusTests("required-tags");
