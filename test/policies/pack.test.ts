import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { all, policyByName, resourcePolicies, stackPolicies } from "../../policies/all";
import { contextFromPackConfig, effectiveConfig, effectiveEnforcementLevel } from "../../gate/evaluate";
import { packConfig } from "./harness";

const root = path.join(__dirname, "..", "..", "policies");

// A tiny structural validator for the JSON-schema subset our configSchemas use.
function validate(schema: any, value: unknown, where: string): string[] {
    const errs: string[] = [];
    if (schema.type === "array") {
        if (!Array.isArray(value)) return [`${where}: expected array`];
        value.forEach((v, i) => errs.push(...(schema.items ? validate(schema.items, v, `${where}[${i}]`) : [])));
    } else if (schema.type === "object") {
        if (!value || typeof value !== "object" || Array.isArray(value)) return [`${where}: expected object`];
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            const ps = schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
            if (!ps) {
                if (schema.additionalProperties === false) errs.push(`${where}.${k}: not allowed`);
                continue;
            }
            errs.push(...validate(ps, v, `${where}.${k}`));
        }
        for (const r of schema.required ?? []) if (!(r in (value as object))) errs.push(`${where}.${r}: required`);
    } else if (schema.type === "integer") {
        if (!Number.isInteger(value)) errs.push(`${where}: expected integer`);
    } else if (schema.type === "number") {
        if (typeof value !== "number") errs.push(`${where}: expected number`);
    } else if (schema.type === "string" || schema.type === "boolean") {
        if (typeof value !== schema.type) errs.push(`${where}: expected ${schema.type}`);
        if (schema.enum && !schema.enum.includes(value)) errs.push(`${where}: not in enum`);
    }
    if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum) errs.push(`${where}: below minimum`);
    return errs;
}

describe("policies: pack assembly and environment configs", () => {
    it("exports every policy once, with our metadata", () => {
        assert.strictEqual(all.length, 21);
        assert.strictEqual(new Set(all.map((p) => p.name)).size, all.length);
        assert.strictEqual(resourcePolicies.length + stackPolicies.length, all.length);
        for (const p of all) {
            assert.match(p.name, /^[a-z0-9-]+$/);
            assert.notStrictEqual(p.name, "all");
            assert.ok(["low", "medium", "high", "critical"].includes(p.severity), p.name);
            assert.ok(p.remediationSteps.length > 40 && p.frameworks.length > 0 && p.tags.length > 0, p.name);
            assert.ok(p.description.length > 20, p.name);
            assert.ok(!("enforcementLevel" in p.configSchema.properties), `${p.name}: enforcementLevel may not be in the schema`);
            assert.ok(fs.existsSync(path.join(root, "rules", `${p.name}.ts`)), `rules/${p.name}.ts`);
            assert.ok(fs.existsSync(path.join(__dirname, `${p.name}.test.ts`)), `test for ${p.name}`);
            assert.strictEqual(p.kind === "resource" ? typeof (p as any).validateResource : typeof (p as any).validateStack, "function");
            // schema defaults must satisfy the schema
            assert.deepStrictEqual(validate({ type: "object", properties: p.configSchema.properties }, effectiveConfig(p, {}), p.name), []);
        }
    });

    it("index.ts constructs the pack from all.ts only", () => {
        const src = fs.readFileSync(path.join(root, "index.ts"), "utf8");
        assert.match(src, /new PolicyPack\("ml-platform", \{\s*policies: all,/);
        for (const f of fs.readdirSync(path.join(root, "rules"))) {
            assert.doesNotMatch(fs.readFileSync(path.join(root, "rules", f), "utf8"), /new PolicyPack/, f);
        }
    });

    it("pack metadata files", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        assert.ok(pkg.name && pkg.version);
        assert.strictEqual(pkg.dependencies["@pulumi/policy"], "1.21.0");
        assert.strictEqual(pkg.dependencies["@pulumi/pulumi"], "3.248.0");
        assert.strictEqual(pkg.dependencies["@pulumi/aws"], undefined, "@pulumi/aws is not needed at run time");
        const yaml = fs.readFileSync(path.join(root, "PulumiPolicy.yaml"), "utf8");
        assert.match(yaml, /^runtime: nodejs$/m);
        assert.match(yaml, /^description:/m);
    });

    for (const env of ["dev", "prod"] as const) {
        it(`config/${env}.json is valid --policy-pack-config for this pack`, () => {
            const cfg = packConfig(env);
            assert.ok(["advisory", "mandatory", "remediate", "disabled"].includes(cfg.all as string));
            for (const [name, entry] of Object.entries(cfg)) {
                if (name === "all") continue;
                const p = policyByName(name);
                assert.ok(p, `${env}: unknown policy ${name}`);
                const { enforcementLevel, ...rest } = entry as Record<string, unknown>;
                assert.ok(["advisory", "mandatory", "remediate", "disabled"].includes(enforcementLevel as string), `${env}/${name}`);
                if (enforcementLevel === "remediate") {
                    assert.strictEqual(typeof (p as any).remediateResource, "function", `${env}/${name}: remediate needs remediateResource`);
                }
                assert.deepStrictEqual(
                    validate({ type: "object", properties: p!.configSchema.properties, additionalProperties: false }, rest, `${env}/${name}`),
                    [],
                );
            }
            for (const p of all) {
                assert.ok(p.name in cfg, `${env}: ${p.name} has an explicit entry`);
            }
        });
    }

    it("prod is mandatory (or remediate) everywhere; dev is mostly advisory", () => {
        const prod = packConfig("prod");
        const dev = packConfig("dev");
        for (const p of all) {
            assert.ok(["mandatory", "remediate"].includes(effectiveEnforcementLevel(p, contextFromPackConfig(prod, p.name))), p.name);
        }
        const devAdvisory = all.filter((p) => ["advisory", "disabled"].includes(effectiveEnforcementLevel(p, contextFromPackConfig(dev, p.name)))).length;
        assert.ok(devAdvisory > all.length / 2);
    });

    it("`all` applies when a policy has no level of its own in the config", () => {
        const ctx = contextFromPackConfig({ all: "mandatory", "required-tags": { requiredTags: ["A"] } }, "required-tags");
        assert.strictEqual(effectiveEnforcementLevel(policyByName("required-tags")!, ctx), "mandatory");
        const ctx2 = contextFromPackConfig({ all: { enforcementLevel: "disabled" } }, "network-isolation");
        assert.strictEqual(effectiveEnforcementLevel(policyByName("network-isolation")!, ctx2), "disabled");
    });
});
