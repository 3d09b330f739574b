/**
 * The semantic corpus (test/gate/semantic-corpus.ts) through the whole pack on the real prod stack: the committed
 * prod export plus the corpus resources, evaluated with prod's pack config as the gate does. Every insecure entry is
 * caught by its intended rule on its intended resource at prod's level; no look-alike draws any violation; nothing
 * else changes.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { readExportFile } from "../../gate/export-reader";
import { evaluatePack, GateReport } from "../../gate/gate";
import { all } from "../../policies/all";
import { ResourceInput } from "../../gate/evaluate";
import { FIXTURE } from "../../test-support/stack-export";
import { CorpusEntry, INSECURE, LOOKALIKES } from "./semantic-corpus";

const ROOT = path.resolve(__dirname, "..", "..");
const prodConfig = () => JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", "prod.json"), "utf8"));
const urnOf = (type: string, name: string) => `urn:pulumi:prod::ml-platform::${type}::${name}`;

export function corpusInputs(entries: CorpusEntry[], base: ResourceInput[]): ResourceInput[] {
    const provider = base.find((i) => i.provider)?.provider;
    const out: ResourceInput[] = [];
    for (const e of entries) {
        const byName = new Map(e.resources.map((x) => [x.name, urnOf(x.type, x.name)]));
        for (const x of e.resources) {
            const propertyDependencies: Record<string, string[]> = {};
            for (const [k, names] of Object.entries(x.deps ?? {})) propertyDependencies[k] = names.map((n) => byName.get(n)!);
            out.push({
                type: x.type,
                name: x.name,
                urn: urnOf(x.type, x.name),
                props: JSON.parse(JSON.stringify(x.props)),
                propertyDependencies,
                dependencies: Object.values(propertyDependencies).flat(),
                ...(provider ? { provider } : {}),
            });
        }
    }
    return out;
}

const describeV = (v: GateReport["violations"][number]) => `${v.enforcementLevel} ${v.policy} ${v.name ?? "(stack)"}: ${v.message}`;
const key = (v: GateReport["violations"][number]) => `${v.policy}|${v.urn}|${v.message}`;

describe("gate: semantic corpus on the prod stack", function () {
    this.timeout(120_000);
    let base: ResourceInput[];
    let baseline: GateReport;
    let insecure: GateReport;
    let lookalikes: GateReport;
    const run = (inputs: ResourceInput[]) =>
        evaluatePack(inputs, { stack: "prod", packConfig: prodConfig(), packConfigFile: "policies/config/prod.json", source: "export", mode: "export" });

    before(async () => {
        base = readExportFile(FIXTURE).inputs;
        baseline = await run(base);
        insecure = await run([...base, ...corpusInputs(INSECURE, base)]);
        lookalikes = await run([...base, ...corpusInputs(LOOKALIKES, base)]);
    });

    it("has at least 90 insecure variants and 35 secure look-alikes, each with its control, names unique", () => {
        assert.ok(INSECURE.length >= 90, `${INSECURE.length} insecure variants`);
        assert.ok(LOOKALIKES.length >= 35, `${LOOKALIKES.length} look-alikes`);
        for (const e of [...INSECURE, ...LOOKALIKES]) {
            assert.ok(e.control.length > 3, e.id);
            assert.ok(
                all.some((p) => p.name === e.rule),
                `${e.id}: rule ${e.rule}`,
            );
        }
        const names = [...INSECURE, ...LOOKALIKES].flatMap((e) => e.resources.map((r) => `${r.type}::${r.name}`));
        assert.equal(new Set(names).size, names.length);
        assert.equal(baseline.counts.mandatory, 0, baseline.violations.map(describeV).join("\n"));
    });

    describe("insecure variants: each caught by the intended rule at prod's level", () => {
        for (const e of INSECURE) {
            it(`${e.id} -> ${e.rule} [${e.control}]`, () => {
                const target = e.target ?? e.resources[0].name;
                const hits = insecure.violations.filter((v) => v.policy === e.rule && v.name === target);
                assert.ok(
                    hits.length > 0,
                    `no ${e.rule} violation on ${target}; on this entry: ${insecure.violations
                        .filter((v) => e.resources.some((r) => r.name === v.name))
                        .map(describeV)
                        .join("\n")}`,
                );
                if (e.message)
                    assert.ok(
                        hits.some((v) => e.message!.test(v.message)),
                        `${hits.map(describeV).join("\n")} !~ ${e.message}`,
                    );
                assert.ok(
                    hits.every((v) => v.enforcementLevel === "mandatory"),
                    hits.map(describeV).join("\n"),
                );
            });
        }
    });

    it("every violation the corpus adds is on a corpus resource (nothing of the real stack changes)", () => {
        const before = new Set(baseline.violations.map(key));
        const names = new Set(INSECURE.flatMap((e) => e.resources.map((r) => r.name)));
        const stray = insecure.violations.filter((v) => !before.has(key(v)) && !(v.name && names.has(v.name)));
        assert.deepEqual(stray.map(describeV), []);
    });

    it("no secure look-alike draws any violation, from any rule", () => {
        const before = new Set(baseline.violations.map(key));
        assert.deepEqual(lookalikes.violations.filter((v) => !before.has(key(v))).map(describeV), []);
        assert.equal(lookalikes.notEvaluated.length, baseline.notEvaluated.length);
    });

    it("the gate's type filter changes nothing: every policy on every resource (as the engine calls them) gives the same report", async () => {
        const inputs = [...base, ...corpusInputs(INSECURE, base), ...corpusInputs(LOOKALIKES, base)];
        const fast = await run(inputs);
        const full = await evaluatePack(inputs, {
            stack: "prod",
            packConfig: prodConfig(),
            packConfigFile: "policies/config/prod.json",
            source: "export",
            mode: "export",
            everyPolicyOnEveryResource: true,
        });
        assert.deepEqual(fast.violations.map(key).sort(), full.violations.map(key).sort());
        assert.deepEqual(fast.exemptions, full.exemptions);
        assert.deepEqual(fast.notEvaluated, full.notEvaluated);
        assert.deepEqual(fast.remediations, full.remediations);
    });

    it("every rule of the pack names its Security Hub FSBP control or Checkov check", () => {
        for (const p of all.filter((x) => !["cost-within-budget", "endpoint-autoscaling", "instance-types-and-capacity", "required-tags"].includes(x.name))) {
            assert.ok(
                p.frameworks.some((f) => /^AWS FSBP |^Checkov /.test(f)),
                p.name,
            );
        }
    });
});
