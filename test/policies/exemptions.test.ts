/**
 * Exemption governance (policies/lib/exemptions.ts): an exemption needs a reason, an approver or a ticket and an expiry
 * date at most a year ahead; an expired or incomplete one is a violation reported with the findings it tried to
 * suppress; policies that may not be exempted (exemptable: false, or allowExemptions: false in the environment's
 * config) refuse every exemption; the reviewed exemptions file works like tags; active exemptions carry their expiry.
 */
import { strict as assert } from "assert";
import { all } from "../../policies/all";
import { exemptableByDefault, exemptionFileProblems, exemptionProblems, today } from "../../policies/lib/exemptions";
import { requiredTags } from "../../policies/rules/required-tags";
import { networkIsolation } from "../../policies/rules/network-isolation";
import { res, runR } from "./harness";
import { exemptTags, inDays } from "./exempt";

const BUCKET = "aws:s3/bucket:Bucket";
const KEY = "mlplatform:policy-exemption:required-tags";

describe("exemption governance", () => {
    it("judges an exemption's parts: reason, approver or ticket, expiry (format, past, more than a year ahead)", () => {
        const ok = { reason: "imported legacy bucket, owner team gone", ticket: "OPS-12", expires: inDays(30), source: "tags" as const };
        assert.deepEqual(exemptionProblems(ok), []);
        assert.deepEqual(exemptionProblems({ ...ok, ticket: undefined, approver: "jane@example.com" }), []);
        assert.match(exemptionProblems({ ...ok, reason: "n/a" }).join(), /does not explain anything/);
        assert.match(
            exemptionProblems({ ...ok, reason: "\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b" }).join(),
            /does not explain anything/,
        );
        assert.match(exemptionProblems({ ...ok, ticket: undefined }).join(), /no approver and no ticket/);
        assert.match(exemptionProblems({ ...ok, expires: undefined }).join(), /no expiry date/);
        assert.match(exemptionProblems({ ...ok, expires: "31/12/2027" }).join(), /is not a date/);
        assert.match(exemptionProblems({ ...ok, expires: inDays(-1) }).join(), new RegExp(`expired on ${inDays(-1)}`));
        assert.match(exemptionProblems({ ...ok, expires: inDays(400) }).join(), /more than 366 days away/);
        assert.equal(exemptionProblems({ ...ok, expires: today() }).length, 0, "valid through its expiry day");
    });

    it("an active exemption suppresses the findings and is recorded with reason, ticket/approver and expiry", async () => {
        const o = await runR(
            requiredTags,
            res(BUCKET, "legacy", { tags: exemptTags("required-tags", "imported legacy bucket, owner team gone", { approver: "jane@example.com" }) }),
        );
        assert.deepEqual(o.violations, []);
        assert.equal(o.exemptions.length, 1);
        const e = o.exemptions[0];
        assert.deepEqual(
            [e.reason, e.ticket, e.approver, e.expires, e.source],
            ["imported legacy bucket, owner team gone", "SEC-1", "jane@example.com", inDays(90), "tags"],
        );
    });

    it("an expired exemption is a violation, and the findings it would suppress are reported too", async () => {
        const tags = { ...exemptTags("required-tags", "imported legacy bucket, owner team gone"), [`${KEY}:expires`]: inDays(-3) };
        const o = await runR(requiredTags, res(BUCKET, "legacy", { tags }));
        assert.equal(o.exemptions.length, 0);
        assert.match(
            o.violations[0].message,
            new RegExp(`invalid exemption \\(tags mlplatform:policy-exemption:required-tags.*\\): it expired on ${inDays(-3)}`),
        );
        assert.ok(o.violations.slice(1).some((v) => /missing required tag/.test(v.message)));
    });

    it("an incomplete exemption (the old reason-only tag) is a violation", async () => {
        const o = await runR(requiredTags, res(BUCKET, "legacy", { tags: { [KEY]: "imported legacy bucket OPS-12" } }));
        assert.equal(o.exemptions.length, 0);
        assert.match(o.violations[0].message, /invalid exemption .*no approver and no ticket; it has no expiry date/);
    });

    it("allowExemptions: false in the environment's config refuses any exemption for that policy", async () => {
        const r = res("aws:sagemaker/notebookInstance:NotebookInstance", "nb", {
            directInternetAccess: "Enabled",
            rootAccess: "Disabled",
            tags: exemptTags("network-isolation", "vendor notebook needs pip install"),
        });
        const allowed = await runR(networkIsolation, r);
        assert.equal(allowed.exemptions.length, 1);
        const refused = await runR(networkIsolation, r, { config: { allowExemptions: false } });
        assert.equal(refused.exemptions.length, 0);
        assert.match(refused.violations[0].message, /policy network-isolation cannot be exempted/);
        assert.ok(refused.violations.some((v) => /directInternetAccess/.test(v.message)));
    });

    it("every policy declares whether it can be exempted, and carries allowExemptions in its config schema", () => {
        for (const p of all) {
            assert.equal(typeof p.exemptable, "boolean", p.name);
            assert.equal(exemptableByDefault(p.name), p.exemptable, p.name);
            assert.deepEqual((p.configSchema.properties as any).allowExemptions.default, p.exemptable, p.name);
        }
    });

    it("the reviewed exemptions file is valid (complete, current entries)", () => {
        assert.deepEqual(exemptionFileProblems(), []);
        assert.match(
            exemptionFileProblems([{ policy: "required-tags", urn: "urn:pulumi:prod::*", reason: "n/a" }]).join("\n"),
            /does not explain anything[^]*no approver and no ticket[^]*no expiry/,
        );
    });
});
