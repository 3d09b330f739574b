/**
 * Component type tokens: one scheme (`mlplatform:<module>:<Type>`, contracts/type-tokens.ts), and every component
 * renamed from its old token registers that token as an alias, so a stack deployed before the rename keeps its
 * resources (the engine matches the old URN through the alias instead of planning a replace). Checked on what the
 * program really sends to the engine: the whole prod stack (every component) under mocks, the register requests'
 * alias specs recorded as the engine receives them.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, ComponentName, PREVIOUS_COMPONENT_TYPES } from "../../contracts/type-tokens";
import { withPreviousTypes } from "../../components/type-token";
import { createPlatform } from "../../infra/program";
import { runProgram } from "../../gate/runtime";
import { withRegisteredModel } from "../../test-support/registered-model";
import { SM } from "../../policies/lib/sagemaker";

const SCHEME = /^mlplatform:[a-z]+:[A-Z][A-Za-z]+$/;

interface Registered {
    type: string;
    name: string;
    custom: boolean;
    aliasTypes: string[];
    aliasCount: number;
}

/** Runs the program and records, for every registration, the alias specs of the request (as the engine gets them). */
async function registrations(stack: string): Promise<Registered[]> {
    const out: Registered[] = [];
    await runProgram(
        () => {
            const monitor = pulumi.runtime.getMonitor() as any;
            const register = monitor.registerResource.bind(monitor);
            monitor.registerResource = (req: any, callback: any) => {
                const aliases = (req.getAliasesList() as any[]).map((a) => a.toObject() as { urn?: string; spec?: { type?: string } });
                out.push({
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    aliasTypes: aliases.map((a) => a.spec?.type ?? "").filter((t) => t !== ""),
                    aliasCount: aliases.length,
                });
                return register(req, callback);
            };
            return createPlatform();
        },
        { stack, configure: withRegisteredModel },
    );
    return out;
}

describe("component type tokens", function () {
    this.timeout(300000);

    it("every token follows mlplatform:<module>:<Type>, is unique, and its Type is the component's name", () => {
        const tokens = Object.values(COMPONENT_TYPES);
        assert.equal(new Set(tokens).size, tokens.length);
        for (const [name, token] of Object.entries(COMPONENT_TYPES)) {
            assert.match(token, SCHEME);
            assert.equal(token.split(":")[2], name);
        }
    });

    it("an old token is never a current one, and keeps the component's Type (only the module moved)", () => {
        const current = new Set<string>(Object.values(COMPONENT_TYPES));
        for (const [name, olds] of Object.entries(PREVIOUS_COMPONENT_TYPES)) {
            for (const old of olds ?? []) {
                assert.ok(!current.has(old), `${old} is still a current token`);
                assert.equal(old.split(":")[2], name);
            }
        }
        // The eight renamed from the old `mlplatform:components:*` scheme.
        assert.deepEqual(Object.keys(PREVIOUS_COMPONENT_TYPES).sort(), [
            "Alerts",
            "AuditTrail",
            "CiReadOnlyRole",
            "CostGuardrails",
            "DetectiveControls",
            "ModelEndpoint",
            "ModelMonitorSchedule",
            "Observability",
        ]);
    });

    it("withPreviousTypes keeps the caller's options and aliases, and adds one type alias per old token", () => {
        const parent = { urn: "urn:pulumi:dev::ml-platform::x:y:Z::p" } as unknown as pulumi.Resource;
        const opts: pulumi.ComponentResourceOptions = { protect: true, parent, aliases: [{ name: "old-name" }] };
        const got = withPreviousTypes("Alerts", opts)!;
        assert.equal(got.protect, true);
        assert.equal(got.parent, parent);
        assert.deepEqual(got.aliases, [{ name: "old-name" }, { type: "mlplatform:components:Alerts" }]);
        assert.deepEqual(opts.aliases, [{ name: "old-name" }], "the caller's options are not changed");
        assert.deepEqual(withPreviousTypes("Alerts", undefined), { aliases: [{ type: "mlplatform:components:Alerts" }] });
        // Not renamed: the options pass through untouched.
        assert.equal(withPreviousTypes("DataLake", opts), opts);
        assert.equal(withPreviousTypes("DataLake", undefined), undefined);
    });

    it("every ComponentResource in components/ registers its COMPONENT_TYPES token through withPreviousTypes (opt-in ones included)", () => {
        const dir = path.join(__dirname, "..", "..", "components");
        const found: string[] = [];
        for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".ts"))) {
            const text = fs.readFileSync(path.join(dir, f), "utf8");
            for (const m of text.matchAll(/class (\w+) extends pulumi\.ComponentResource\b[\s\S]*?\bsuper\(([^;]*)\);/g)) {
                const [, cls, call] = m;
                found.push(cls);
                assert.equal(
                    call.replace(/\s+/g, " ").trim(),
                    `COMPONENT_TYPES.${cls}, name, {}, withPreviousTypes("${cls}", opts)`,
                    `components/${f} ${cls}: register as super(COMPONENT_TYPES.${cls}, name, {}, withPreviousTypes("${cls}", opts)) with the token in contracts/type-tokens.ts (a renamed token keeps its old one in PREVIOUS_COMPONENT_TYPES)`,
                );
            }
        }
        assert.deepEqual(found.sort(), Object.keys(COMPONENT_TYPES).sort(), "every component class has a token, every token a class");
    });

    describe("the prod stack as the engine receives it", () => {
        let regs: Registered[] = [];
        before(async () => {
            regs = await registrations("prod");
        });

        it("registers every component under a current token, and creates every renamed component (so the alias checks below run)", () => {
            const components = regs.filter((r) => !r.custom && r.type.startsWith("mlplatform:"));
            const known = new Set<string>(Object.values(COMPONENT_TYPES));
            assert.deepEqual(
                [...new Set(components.map((r) => r.type))].filter((t) => !known.has(t)),
                [],
                "add the token to COMPONENT_TYPES (contracts/type-tokens.ts)",
            );
            const renamed = Object.keys(PREVIOUS_COMPONENT_TYPES) as ComponentName[];
            assert.deepEqual(
                renamed.filter((n) => !components.some((r) => r.type === COMPONENT_TYPES[n])),
                [],
            );
        });

        for (const name of Object.keys(COMPONENT_TYPES) as ComponentName[]) {
            const olds = PREVIOUS_COMPONENT_TYPES[name] ?? [];
            it(
                olds.length
                    ? `${name}: registered as ${COMPONENT_TYPES[name]} with an alias of its old type ${olds.join(", ")}`
                    : `${name}: registered as ${COMPONENT_TYPES[name]}, no type alias (never renamed)`,
                function () {
                    const mine = regs.filter((r) => r.type === COMPONENT_TYPES[name]);
                    if (mine.length === 0 && olds.length === 0) return this.skip(); // opt-in, not in the prod stack: see the source check
                    assert.ok(mine.length > 0);
                    for (const r of mine) assert.deepEqual(r.aliasTypes, [...olds], `${r.type} ${r.name}`);
                },
            );
        }

        it("only components carry a platform type alias: children inherit theirs from the parent (the engine derives them)", () => {
            // (Resources of the AWS provider may carry the provider SDK's own aliases, e.g. aws.s3.Bucket <- BucketV2.)
            assert.deepEqual(
                regs.filter((r) => r.custom && r.aliasTypes.some((t) => t.startsWith("mlplatform:"))).map((r) => `${r.type} ${r.name}`),
                [],
            );
        });
    });

    it("the policy pack's copy of the ServerlessMonitor token (monitoring-coverage) is the component's", () => {
        assert.equal(SM.serverlessMonitor, COMPONENT_TYPES.ServerlessMonitor);
    });
});
