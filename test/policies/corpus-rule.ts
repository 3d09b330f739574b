/**
 * Runs one rule alone (prod's config entry) over its entries of the semantic corpus (test/gate/semantic-corpus.ts):
 * each insecure entry draws a violation of the rule on its target, each look-alike none. The same entries also run
 * through the whole pack on the prod stack (test/gate/semantic-corpus.test.ts).
 */
import { strict as assert } from "assert";
import { all } from "../../policies/all";
import { makeUrn, ResourceInput, runResourcePolicy, runStackPolicy } from "../../gate/evaluate";
import { PlatformResourcePolicy, PlatformStackPolicy } from "../../policies/lib/types";
import { CorpusEntry, INSECURE, LOOKALIKES } from "../gate/semantic-corpus";
import { envContext } from "./harness";

function inputs(e: CorpusEntry): ResourceInput[] {
    const urns = new Map(e.resources.map((r) => [r.name, makeUrn(r.type, r.name)]));
    return e.resources.map((r) => {
        const propertyDependencies: Record<string, string[]> = {};
        for (const [k, names] of Object.entries(r.deps ?? {})) propertyDependencies[k] = names.map((n) => urns.get(n)!);
        return { type: r.type, name: r.name, urn: urns.get(r.name)!, props: JSON.parse(JSON.stringify(r.props)), propertyDependencies };
    });
}

async function violationsOn(policyName: string, e: CorpusEntry): Promise<{ name: string; message: string }[]> {
    const policy = all.find((p) => p.name === policyName)!;
    const ctx = envContext("prod", policyName);
    const ins = inputs(e);
    const out: { name: string; message: string }[] = [];
    if (policy.kind === "stack") {
        const o = await runStackPolicy(policy as PlatformStackPolicy, ins, ctx);
        for (const v of o.violations) out.push({ name: (v.urn ?? "").slice((v.urn ?? "").lastIndexOf("::") + 2), message: v.message });
    } else {
        for (const i of ins) {
            const o = await runResourcePolicy(policy as PlatformResourcePolicy, i, ctx);
            for (const v of o.violations) out.push({ name: i.name, message: v.message });
        }
    }
    return out;
}

export function corpusTests(policyName: string): void {
    const bad = INSECURE.filter((e) => e.rule === policyName);
    const good = LOOKALIKES.filter((e) => e.rule === policyName);
    describe(`${policyName}: semantic corpus (rule alone, prod config)`, () => {
        for (const e of bad) {
            it(`catches: ${e.id} [${e.control}]`, async () => {
                const target = e.target ?? e.resources[0].name;
                const v = (await violationsOn(policyName, e)).filter((x) => x.name === target);
                assert.ok(v.length > 0, `no violation on ${target}`);
                if (e.message)
                    assert.ok(
                        v.some((x) => e.message!.test(x.message)),
                        v.map((x) => x.message).join("\n"),
                    );
            });
        }
        for (const e of good) {
            it(`passes the look-alike: ${e.id}`, async () => {
                assert.deepEqual(
                    (await violationsOn(policyName, e)).map((x) => `${x.name}: ${x.message}`),
                    [],
                );
            });
        }
    });
}
