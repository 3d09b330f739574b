/**
 * docs/compliance.md is generated from code (scripts/tools/compliance-map.ts). It fails when
 *   - a policy of the pack, an AWS Config rule of components/detective.ts or an EventBridge rule the program creates
 *     (dev and prod, under mocks) has no entry in the map;
 *   - a control misses a layer (prevent, detect, respond) or an ML Lens best practice;
 *   - docs/compliance.md differs from what the generator writes now.
 */
import * as assert from "assert";
import * as fs from "fs";
import { MANAGED_RULES } from "../../components/detective";
import { createPlatform } from "../../infra/program";
import { ProgramRun, runProgram } from "../../gate/runtime";
import { all } from "../../policies/all";
import { buildComplianceMap, CONTROLS, MAP_FILE, renderMarkdown, ROUTES } from "../../scripts/tools/compliance-map";

describe("compliance map (docs/compliance.md)", function () {
    this.timeout(300_000);

    it("has no problems: every policy, Config rule and route is mapped, every control has all layers", () => {
        assert.deepStrictEqual(buildComplianceMap().problems, []);
    });

    it("a new policy tagged like a control is mapped to it without an edit", () => {
        const tagged = { ...all[0], name: "new-encryption-policy", tags: ["security", "encryption"] };
        const map = buildComplianceMap(CONTROLS, [...all, tagged]);
        assert.deepStrictEqual(map.problems, []);
        assert.ok(map.controls.find((c) => c.def.id === "encryption")!.policies.some((p) => p.name === "new-encryption-policy"));
    });

    it("covers the eight controls the platform names", () => {
        assert.deepStrictEqual(
            CONTROLS.map((c) => c.id),
            ["tagging", "encryption", "least-privilege", "network-isolation", "capacity", "monitoring", "cost", "audit"],
        );
    });

    it("fails when a policy, a rule or a route has no entry (the check can fail)", () => {
        const fakePolicy = { ...all[0], name: "brand-new-policy", tags: ["quantum"] };
        assert.match(buildComplianceMap(CONTROLS, [...all, fakePolicy]).problems.join("\n"), /policy brand-new-policy has no entry/);
        const fakeRule = { ...MANAGED_RULES[0], identifier: "X", control: "quantum" as never };
        assert.match(buildComplianceMap(CONTROLS, all, [...MANAGED_RULES, fakeRule]).problems.join("\n"), /Config rule X has control 'quantum'/);
        const fakeRoute = { key: "new-route", kind: "eventbridge" as const, what: "x", source: "y" };
        assert.match(buildComplianceMap(CONTROLS, all, MANAGED_RULES, [...ROUTES, fakeRoute]).problems.join("\n"), /route new-route is in no control/);
        const noLens = CONTROLS.map((c) => (c.id === "cost" ? { ...c, mlLens: [] } : c));
        assert.match(buildComplianceMap(noLens).problems.join("\n"), /control cost: no Well-Architected ML Lens/);
    });

    it("every EventBridge rule the program creates (dev and prod) is a mapped response", async () => {
        const variants: { stack: string; configure?: (raw: Record<string, unknown>) => Record<string, unknown> }[] = [
            { stack: "dev" },
            { stack: "prod" },
            // prod with the optional routes on: break-glass roles, remediation
            {
                stack: "prod",
                configure: (raw) => ({
                    ...raw,
                    "mlplatform:security": {
                        ...(raw["mlplatform:security"] as object),
                        breakGlassRoleArns: ["arn:aws:iam::123456789012:role/ml-platform-break-glass"],
                    },
                    "mlplatform:detective": { ...(raw["mlplatform:detective"] as object), remediateS3PublicAccess: true },
                }),
            },
        ];
        for (const { stack, configure } of variants) {
            const run: ProgramRun = await runProgram(() => createPlatform(), { stack, configure });
            const keys = run.resources
                .filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule")
                // Named rules by their name without the stack prefix; auto-named ones (registry) by their logical name.
                .map((r) => {
                    const name = typeof r.inputs.name === "string" ? (r.inputs.name as string) : "";
                    return name.startsWith(`mlp-${stack}-`) ? name.slice(`mlp-${stack}-`.length) : r.urn.slice(r.urn.lastIndexOf("::") + 2);
                });
            assert.ok(keys.length >= 6, `${stack}: ${keys.join(", ")}`);
            if (configure) {
                assert.ok(keys.includes("break-glass-used"), keys.join(", "));
                assert.strictEqual(run.resources.filter((r) => r.type === "aws:cfg/remediationConfiguration:RemediationConfiguration").length, 1);
            }
            for (const k of keys)
                assert.ok(
                    ROUTES.some((r) => r.kind === "eventbridge" && r.key === k),
                    `${stack}: EventBridge rule ${k} has no entry in ROUTES`,
                );
            const ruleIds = run.resources
                .filter((r) => r.type === "aws:cfg/rule:Rule")
                .map((r) => (r.inputs.source as { sourceIdentifier: string }).sourceIdentifier);
            for (const id of ruleIds)
                assert.ok(
                    MANAGED_RULES.some((m) => m.identifier === id),
                    id,
                );
        }
    });

    it("docs/compliance.md is what the generator writes (run npm run compliance:map)", () => {
        assert.strictEqual(fs.readFileSync(MAP_FILE, "utf8"), renderMarkdown(buildComplianceMap()));
    });

    it("the document lists every policy, every rule identifier and the Security Hub ids", () => {
        const md = fs.readFileSync(MAP_FILE, "utf8");
        for (const p of all) assert.ok(md.includes(`\`${p.name}\``), p.name);
        for (const r of MANAGED_RULES) assert.ok(md.includes(`\`${r.identifier}\``), r.identifier);
        for (const id of ["S3.5", "SageMaker.4", "IAM.1", "EC2.6", "CloudTrail.2", "KMS.4", "Config.1"]) assert.ok(md.includes(id), id);
    });
});
