/**
 * The export path: `checkExport` over a `pulumi stack export` document (checkpoint v3) built from a gate run gives the
 * same violations as the gate itself; and the CLIs (`npm run plan`, `npm run policy:check`) end to end: exit codes,
 * the --json document, SARIF 2.1.0 structure, and --outputs in the shape of `pulumi stack output --json`.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkStackOutputs } from "../../contracts/stack-outputs";
import { all } from "../../policies/all";
import { checkExport, GateReport, inputsFromExport, runGate } from "../../gate/gate";
import { npmRun, Proc, ROOT } from "../helpers/cli";
import { withRegisteredModel } from "../../test-support/registered-model";
import { ProgramRun } from "../../gate/runtime";
import { buildExport, FIXTURE, StackExport } from "../../test-support/stack-export";
import { on } from "./variants";

const pairs = (r: GateReport) => r.violations.map((v) => `${v.enforcementLevel} ${v.policy} ${v.urn ?? "(stack)"} ${v.message}`).sort();
const exemptionPairs = (r: GateReport) => r.exemptions.map((e) => `${e.policyName} ${e.urn} ${e.reason}`).sort();

function writeTmp(dir: string, name: string, doc: unknown): string {
    const f = path.join(dir, name);
    fs.writeFileSync(f, JSON.stringify(doc));
    return f;
}

/** The `--json` document's documented shape. */
function assertJsonShape(j: any, stack: string): void {
    assert.equal(j.stack, stack);
    assert.ok(Array.isArray(j.resources) && j.resources.length > 100);
    for (const r of j.resources) {
        assert.equal(typeof r.urn, "string");
        assert.ok(r.urn.startsWith(`urn:pulumi:${stack}::ml-platform::`), r.urn);
        assert.equal(typeof r.type, "string");
        assert.equal(typeof r.name, "string");
        if (r.parent !== undefined) assert.equal(typeof r.parent, "string");
    }
    assert.ok(Array.isArray(j.violations));
    for (const v of j.violations) {
        assert.equal(typeof v.policy, "string");
        assert.ok(["mandatory", "advisory"].includes(v.enforcementLevel), v.enforcementLevel);
        assert.ok(v.urn === null || typeof v.urn === "string");
        assert.equal(typeof v.message, "string");
    }
    assert.ok(Array.isArray(j.exemptions));
    for (const e of j.exemptions) {
        assert.equal(typeof e.policy, "string");
        assert.equal(typeof e.reason, "string");
    }
    assert.equal(typeof j.cost.monthlyUsd, "number");
    assert.ok(j.cost.budgetUsd === null || typeof j.cost.budgetUsd === "number");
    assert.ok(Array.isArray(j.cost.items));
}

/** SARIF 2.1.0: the parts code-scanning consumers require. */
function assertSarif(s: any, violations: number): void {
    assert.equal(s.version, "2.1.0");
    assert.match(s.$schema, /sarif-2\.1\.0/);
    assert.equal(s.runs.length, 1);
    const driver = s.runs[0].tool.driver;
    assert.equal(typeof driver.name, "string");
    assert.ok(Array.isArray(driver.rules) && driver.rules.length === all.length);
    const ruleIds = driver.rules.map((r: any) => r.id);
    for (const r of driver.rules) {
        assert.equal(typeof r.id, "string");
        assert.equal(typeof r.shortDescription.text, "string");
    }
    const results = s.runs[0].results;
    // Violations are results without suppressions; exempted findings are results with an inSource suppression.
    assert.equal(results.filter((r: any) => !r.suppressions).length, violations);
    for (const r of results.filter((x: any) => x.suppressions)) {
        assert.equal(r.suppressions[0].kind, "inSource");
        assert.ok(r.suppressions[0].justification.length > 0);
    }
    for (const r of results) {
        assert.ok(ruleIds.includes(r.ruleId), r.ruleId);
        assert.equal(driver.rules[r.ruleIndex].id, r.ruleId);
        assert.ok(["error", "warning", "note", "none"].includes(r.level), r.level);
        assert.equal(typeof r.message.text, "string");
        assert.ok(r.message.text.length > 0);
        assert.ok(Array.isArray(r.locations) && r.locations.length >= 1);
        const loc = r.locations[0];
        assert.equal(typeof loc.physicalLocation.artifactLocation.uri, "string");
        assert.equal(typeof loc.logicalLocations[0].fullyQualifiedName, "string");
    }
}

describe("gate: stack export path", function () {
    this.timeout(300_000);
    let dir: string;
    let prod: { report: GateReport; run: ProgramRun };

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-export-"));
        prod = await runGate({ stack: "prod", configure: withRegisteredModel });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("builds a checkpoint-v3 document the reader accepts: stack, providers, parents, dependencies", () => {
        const doc = buildExport(prod.run);
        assert.equal(doc.version, 3);
        const rs = doc.deployment.resources;
        assert.equal(rs[0].type, "pulumi:pulumi:Stack");
        assert.deepEqual(rs[0].outputs, JSON.parse(JSON.stringify(prod.run.outputs)));
        const providers = new Set(rs.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => `${r.urn}::${r.id}`));
        for (const r of rs) {
            if (r.provider) assert.ok(providers.has(r.provider), `${r.urn} -> ${r.provider}`);
            if (r.parent)
                assert.ok(
                    rs.some((p) => p.urn === r.parent),
                    `${r.urn} parent ${r.parent}`,
                );
            if (r.custom) assert.equal(typeof r.id, "string");
        }
        const file = writeTmp(dir, "prod.json", doc);
        const { stack, inputs } = inputsFromExport(file);
        assert.equal(stack, "prod");
        assert.equal(inputs.length, prod.run.resources.length);
        const topic = inputs.find((i) => i.type === "aws:sns/topic:Topic")!;
        assert.equal(topic.provider?.name, "platform");
        assert.ok((topic.dependencies ?? []).some((u) => u.endsWith("aws:kms/key:Key::security-logs")));
    });

    it("checkExport reports the same violations and exemptions as the gate on the clean prod program", async () => {
        const file = writeTmp(dir, "clean.json", buildExport(prod.run));
        const fromExport = await checkExport(file, "prod");
        assert.equal(fromExport.source, "export");
        assert.deepEqual(pairs(fromExport), pairs(prod.report));
        assert.deepEqual(exemptionPairs(fromExport), exemptionPairs(prod.report));
        assert.equal(fromExport.cost.monthlyUsd, prod.report.cost.monthlyUsd);
        assert.equal(fromExport.cost.budgetUsd, prod.report.cost.budgetUsd);
    });

    it("checkExport reports the same violations as the gate on insecure variants (SNS without KMS, public ingress, KMS key without rotation)", async () => {
        const variant = await runGate({
            stack: "prod",
            configure: withRegisteredModel,
            transformations: [
                on("aws:sns/topic:Topic", "alerts-topic", (p) => ({ ...p, kmsMasterKeyId: undefined })),
                on("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "network-endpoints-from-vpc", (p) => ({ ...p, cidrIpv4: "0.0.0.0/0" })),
                on("aws:kms/key:Key", "security-data", (p) => ({ ...p, enableKeyRotation: false })),
            ],
        });
        const added = pairs(variant.report).filter((p) => !pairs(prod.report).includes(p));
        assert.equal(added.length, 2, added.join("\n"));
        const fromExport = await checkExport(writeTmp(dir, "variant.json", buildExport(variant.run)), "prod");
        assert.deepEqual(pairs(fromExport), pairs(variant.report));
        assert.deepEqual(fromExport.remediations, variant.report.remediations);
        assert.equal(fromExport.remediations.length, 1);
    });

    it("a stack whose budget was deleted (export without the Budget): monitoring-coverage and cost-within-budget fail", async () => {
        const doc: StackExport = buildExport(prod.run);
        doc.deployment.resources = doc.deployment.resources.filter((r) => r.type !== "aws:budgets/budget:Budget");
        const report = await checkExport(writeTmp(dir, "no-budget.json", doc), "prod");
        const added = report.violations.filter((v) => !prod.report.violations.some((b) => b.policy === v.policy && b.message === v.message));
        assert.deepEqual(added.map((v) => [v.policy, v.enforcementLevel, v.urn ?? null]).sort(), [
            ["cost-within-budget", "mandatory", null],
            ["monitoring-coverage", "mandatory", null],
        ]);
        assert.match(added.find((v) => v.policy === "monitoring-coverage")!.message, /no AWS Budget \(aws:budgets\/budget:Budget\) in the stack/);
        assert.match(added.find((v) => v.policy === "cost-within-budget")!.message, /no budget/);
    });

    it("the committed fixture is a readable checkpoint of the prod program (refresh: node scripts/run-ts.cjs test-support/stack-export.ts)", async () => {
        const doc = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as StackExport;
        assert.equal(doc.version, 3);
        const { stack, inputs } = inputsFromExport(FIXTURE);
        assert.equal(stack, "prod");
        const types = new Set(inputs.map((i) => i.type));
        for (const t of [
            "aws:sagemaker/endpoint:Endpoint",
            "aws:s3/bucket:Bucket",
            "aws:kms/key:Key",
            "aws:iam/role:Role",
            "aws:budgets/budget:Budget",
            "aws:cloudtrail/trail:Trail",
        ])
            assert.ok(types.has(t), t);
        const report = await checkExport(FIXTURE, "prod");
        assert.equal(report.resources.length, doc.deployment.resources.length);
        // A stack export records no inputs for component resources: the awsx Vpc component's own inputs (NAT strategy,
        // subnet layout) cannot be judged from it (its recorded children are), so internet-paths does not evaluate it.
        assert.deepEqual(
            report.notEvaluated.map((n) => `${n.policy} ${n.urn?.split("::").pop()}`),
            ["internet-paths network-vpc"],
        );
    });

    describe("CLIs end to end", () => {
        let procs: Record<string, Proc>;
        const f = (n: string) => path.join(dir, n);
        before(async () => {
            // A dev export (dev passes) and the prod fixture with one insecure change (a topic without KMS).
            const dev = await runGate({ stack: "dev" });
            writeTmp(dir, "dev-export.json", buildExport(dev.run));
            const bad = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as StackExport;
            const topic = bad.deployment.resources.find((r) => r.type === "aws:sns/topic:Topic")!;
            delete topic.inputs.kmsMasterKeyId;
            writeTmp(dir, "prod-insecure.json", bad);
            fs.writeFileSync(f("not-json.json"), "{ this is not json");
            const runs: [string, string, string[]][] = [
                ["plan-dev", "plan", ["--stack", "dev", "--json", f("plan.json"), "--sarif", f("plan.sarif"), "--outputs", f("outputs.json")]],
                ["plan-bad-flag", "plan", ["--stack", "dev", "--frobnicate"]],
                [
                    "check-dev",
                    "policy:check",
                    ["--export", f("dev-export.json"), "--stack", "dev", "--json", f("check-dev.json"), "--sarif", f("check-dev.sarif")],
                ],
                [
                    "check-insecure",
                    "policy:check",
                    ["--export", f("prod-insecure.json"), "--stack", "prod", "--json", f("check-bad.json"), "--sarif", f("check-bad.sarif")],
                ],
                ["check-unreadable", "policy:check", ["--export", f("not-json.json"), "--stack", "prod"]],
            ];
            // Two at a time: the machine has two cores.
            procs = {};
            for (let i = 0; i < runs.length; i += 2) {
                const batch = runs.slice(i, i + 2);
                const out = await Promise.all(batch.map(([, script, args]) => npmRun(script, args)));
                batch.forEach(([id], k) => (procs[id] = out[k]));
            }
        });

        it("plan --stack dev exits 0 and writes --json, --sarif and --outputs", () => {
            const p = procs["plan-dev"];
            assert.equal(p.code, 0, p.stderr + p.stdout.slice(-2000));
            assert.match(p.stdout, /PASSED: no mandatory violations/);
            const j = JSON.parse(fs.readFileSync(f("plan.json"), "utf8"));
            assertJsonShape(j, "dev");
            assert.ok(j.violations.every((v: any) => v.enforcementLevel !== "mandatory"));
            // The default dev config is a new stack: no model yet, so no endpoint capacity to estimate (issue 9, defect 4).
            assert.ok(j.cost.budgetUsd > 0 && Array.isArray(j.cost.items));
            assert.equal(j.cost.monthlyUsd, 0);
            const sarif = JSON.parse(fs.readFileSync(f("plan.sarif"), "utf8"));
            assertSarif(sarif, j.violations.length);
            // The exemptions are suppressions located at the component line that declared the resource.
            const suppressed = sarif.runs[0].results.filter((r: any) => r.suppressions);
            assert.ok(suppressed.length >= j.exemptions.length && j.exemptions.length > 0, `${suppressed.length} suppressed results`);
            for (const r of suppressed) {
                const loc = r.locations[0].physicalLocation;
                assert.match(loc.artifactLocation.uri, /^components\/[a-z-]+\.ts$/);
                assert.ok(loc.region.startLine > 0);
                const line = fs.readFileSync(path.join(ROOT, loc.artifactLocation.uri), "utf8").split("\n")[loc.region.startLine - 1];
                assert.match(line, /new [\w.]+\(/, `${loc.artifactLocation.uri}:${loc.region.startLine} declares a resource`);
            }
        });

        it("plan --outputs is the stack outputs in the shape of `pulumi stack output --json`", () => {
            const o = JSON.parse(fs.readFileSync(f("outputs.json"), "utf8"));
            assert.deepEqual(checkStackOutputs(o), []);
            assert.equal(o.stack, "dev");
            assert.equal(o.environment, "dev");
            assert.match(JSON.stringify(o.buckets), /s3:\/\//);
        });

        it("plan exits 2 on a bad argument, naming it", () => {
            const p = procs["plan-bad-flag"];
            assert.equal(p.code, 2);
            assert.match(p.stderr, /--frobnicate/);
        });

        it("policy:check exits 0 on a passing export, with the same JSON shape", () => {
            const p = procs["check-dev"];
            assert.equal(p.code, 0, p.stderr + p.stdout.slice(-2000));
            const j = JSON.parse(fs.readFileSync(f("check-dev.json"), "utf8"));
            assertJsonShape(j, "dev");
            assertSarif(JSON.parse(fs.readFileSync(f("check-dev.sarif"), "utf8")), j.violations.length);
        });

        it("policy:check exits 1 on an export with a mandatory violation, reported in JSON and SARIF", () => {
            const p = procs["check-insecure"];
            assert.equal(p.code, 1, p.stderr);
            assert.match(p.stdout, /FAILED: \d+ mandatory violation/);
            const j = JSON.parse(fs.readFileSync(f("check-bad.json"), "utf8"));
            assertJsonShape(j, "prod");
            const v = j.violations.find((x: any) => x.policy === "encryption-at-rest-and-in-transit" && /alerts-topic$/.test(x.urn));
            assert.ok(v, JSON.stringify(j.violations, null, 1));
            assert.equal(v.enforcementLevel, "mandatory");
            assert.match(v.message, /kmsMasterKeyId is not set/);
            const s = JSON.parse(fs.readFileSync(f("check-bad.sarif"), "utf8"));
            assertSarif(s, j.violations.length);
            const r = s.runs[0].results.find(
                (x: any) => x.ruleId === "encryption-at-rest-and-in-transit" && /alerts-topic$/.test(x.locations[0].logicalLocations[0].fullyQualifiedName),
            );
            assert.equal(r.level, "error");
        });

        it("the CLIs keep their transpiled modules in the transpile cache (scripts/run-ts.cjs), keyed by the current source", () => {
            const { cacheFile } = require(path.join(ROOT, "scripts", "run-ts.cjs")) as { cacheFile(file: string, src: string): string | undefined };
            for (const rel of ["infra/program.ts", "components/network.ts", "policies/rules/least-privilege-iam.ts", "gate/format.ts"]) {
                const file = path.join(ROOT, rel);
                const cached = cacheFile(file, fs.readFileSync(file, "utf8"));
                assert.ok(cached && fs.existsSync(cached), `${rel} -> ${cached}`);
                assert.match(fs.readFileSync(cached, "utf8"), /sourceMappingURL=data:application\/json/);
            }
            assert.notEqual(cacheFile("/x.ts", "a"), cacheFile("/x.ts", "b"));
            assert.notEqual(cacheFile("/x.ts", "a"), cacheFile("/y.ts", "a"));
        });

        it("policy:check exits 2 on an unreadable export, saying what is wrong", () => {
            const p = procs["check-unreadable"];
            assert.equal(p.code, 2);
            assert.match(p.stderr, /not a readable stack export/);
        });
    });
});
