import * as assert from "assert";
import { iamGlobMatch, isDenyInsecureTransport, isReadOnlyAction, parsePolicyDocument } from "../../policies/lib/policyDocument";
import { runsPerMonth } from "../../policies/lib/schedule";
import { effectiveTags, providerDefaultTags } from "../../policies/lib/tags";
import { UNKNOWN, isUnknown, isUnknownValueError, peek, unknownCheckingProxy } from "../../policies/lib/unknowns";
import { withDefaults, schemaDefaults } from "../../policies/lib/config";
import { EXEMPTION_LOG_MARKER, reportFindings, setExemptionSink, takeExemptions, ExemptionRecord } from "../../policies/lib/report";
import { argsInterfacesWithTags, generate, pulumiTypeOf } from "../../policies/tools/gen-taggable";
import * as fs from "fs";
import { exemptTags } from "./exempt";
import * as path from "path";

describe("policies/lib", () => {
    it("policy documents: strings/objects, single/array statements, normalised fields", () => {
        const a = parsePolicyDocument('{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Principal":"*"}}');
        assert.strictEqual(a.statements.length, 1);
        assert.deepStrictEqual(a.statements[0].actions, ["s3:GetObject"]);
        assert.strictEqual(a.statements[0].principal, "*");
        const b = parsePolicyDocument({
            Statement: [{ Effect: "Deny", Action: ["s3:*"], Principal: { AWS: ["arn:a", "arn:b"] }, Condition: { Bool: { "aws:SecureTransport": false } } }],
        });
        assert.deepStrictEqual(b.statements[0].principal, { AWS: ["arn:a", "arn:b"] });
        assert.ok(!isDenyInsecureTransport(b.statements[0]), "a TLS deny for two principals does not make the bucket TLS-only");
        const c = parsePolicyDocument({
            Statement: [{ Effect: "Deny", Action: ["s3:*"], Principal: "*", Condition: { Bool: { "aws:SecureTransport": false } } }],
        });
        assert.ok(isDenyInsecureTransport(c.statements[0]), "boolean false in the condition is accepted too");
        const d = parsePolicyDocument({
            Statement: [
                {
                    Effect: "Deny",
                    Action: ["s3:*"],
                    Principal: "*",
                    Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:PrincipalAccount": "111122223333" } },
                },
            ],
        });
        assert.ok(!isDenyInsecureTransport(d.statements[0]), "a TLS deny narrowed by another condition does not count");
        assert.deepStrictEqual(parsePolicyDocument("[]").errors, ["policy document is not an object"]);
        assert.throws(
            () => parsePolicyDocument(UNKNOWN.string),
            (e: unknown) => isUnknownValueError(e),
        );
    });

    it("action classification and IAM globbing", () => {
        for (const a of ["s3:GetObject", "s3:Get*", "ec2:DescribeSubnets", "sagemaker:ListEndpoints", "logs:FilterLogEvents".replace("Filter", "Get")]) {
            assert.ok(isReadOnlyAction(a), a);
        }
        for (const a of ["s3:PutObject", "s3:*Object", "iam:PassRole", "kms:*", "s3:Getaway".replace("Getaway", "getobject")]) {
            assert.ok(!isReadOnlyAction(a), a);
        }
        assert.ok(iamGlobMatch("ec2:Describe*", "ec2:describeVpcs"));
        assert.ok(!iamGlobMatch("ec2:Describe*", "ec2:*"));
        assert.ok(iamGlobMatch("iam:Pass*", "iam:PassRole"));
    });

    it("schedules: runs per month", () => {
        assert.strictEqual(runsPerMonth("cron(0 * ? * * *)"), 730);
        assert.ok(Math.abs(runsPerMonth("cron(0 0 ? * * *)") - 730 / 24) < 1e-9);
        assert.ok(Math.abs(runsPerMonth("cron(0 */6 ? * * *)") - (4 * 730) / 24) < 1e-9);
        assert.ok(Math.abs(runsPerMonth("cron(0 8 ? * MON-FRI *)") - (5 * 730) / 24 / 7) < 1e-9);
        assert.strictEqual(runsPerMonth("cron(30 2 1 * ? *)"), 1);
        assert.strictEqual(runsPerMonth("rate(2 hours)"), 365);
        assert.throws(() => runsPerMonth("every hour"));
    });

    it("tags: provider defaults merged under resource tags; unknown handling", () => {
        const provider = { type: "pulumi:providers:aws", props: unknownCheckingProxy({ defaultTags: JSON.stringify({ tags: { A: "1", B: "2" } }) }) };
        const t = effectiveTags(unknownCheckingProxy({ tags: { B: "3", C: UNKNOWN.string } }), provider);
        assert.deepStrictEqual([...t.keys].sort(), ["A", "B", "C"]);
        assert.strictEqual(t.value("B"), "3");
        assert.strictEqual(t.value("A"), "1");
        assert.ok(t.isUnknownValue("C"));
        assert.throws(
            () => t.value("C"),
            (e: unknown) => isUnknownValueError(e),
        );
        assert.deepStrictEqual(providerDefaultTags({ type: "pulumi:providers:random", props: {} }), {});
        assert.throws(
            () => providerDefaultTags({ type: "pulumi:providers:aws", props: unknownCheckingProxy({ defaultTags: UNKNOWN.object }) }),
            (e: unknown) => isUnknownValueError(e),
        );
    });

    it("unknowns: peek never throws; proxy reads do", () => {
        const p = unknownCheckingProxy({ a: UNKNOWN.number, b: { c: 1 } }) as Record<string, any>;
        assert.deepStrictEqual(peek(p, "a"), { known: false });
        assert.strictEqual(peek(p, "b").known, true);
        assert.ok(isUnknown(UNKNOWN.archive));
        assert.throws(
            () => p.a,
            (e: unknown) => isUnknownValueError(e),
        );
    });

    it("config: schema defaults and withDefaults", () => {
        assert.deepStrictEqual(schemaDefaults({ properties: { a: { type: "number", default: 1 }, b: { type: "string" } } }), { a: 1 });
        assert.deepStrictEqual(
            withDefaults(() => ({ a: 2, enforcementLevel: "mandatory", c: undefined }), { a: 1, c: 3 }),
            { a: 2, c: 3 },
        );
    });

    it("exemptions go to the sink (stdout marker by default) and the in-memory log", () => {
        const lines: string[] = [];
        const orig = console.log;
        console.log = (s: string) => lines.push(s);
        takeExemptions();
        try {
            const out = reportFindings(
                "p",
                () => assert.fail("no violation expected"),
                { urn: "u", name: "n", type: "t", props: unknownCheckingProxy({ tags: exemptTags("p", "why this is accepted") }) },
                ["f1"],
                true,
            );
            assert.strictEqual(out, "exempt");
        } finally {
            console.log = orig;
        }
        assert.strictEqual(lines.length, 1);
        assert.ok(lines[0].startsWith(EXEMPTION_LOG_MARKER));
        assert.deepStrictEqual(JSON.parse(lines[0].slice(EXEMPTION_LOG_MARKER.length)).suppressed, ["f1"]);
        assert.strictEqual(takeExemptions().length, 1);
        const got: ExemptionRecord[] = [];
        const prev = setExemptionSink((r) => got.push(r));
        try {
            const v: string[] = [];
            assert.strictEqual(
                reportFindings("p", (m: string) => v.push(m), { urn: "u", name: "n", type: "t", props: unknownCheckingProxy({}) }, ["f1", "f2"], false),
                "violation",
            );
            assert.deepStrictEqual(v, ["f1", "f2"]);
        } finally {
            setExemptionSink(prev);
        }
        assert.strictEqual(got.length, 0);
        takeExemptions();
    });

    it("taggable generator: finds top-level tags members and type tokens", () => {
        const dts =
            "export interface FooArgs {\n    name?: string;\n    tags?: {\n        [key: string]: string;\n    };\n}\nexport interface BarArgs {\n    nested?: {\n        tags?: string;\n    };\n}\n";
        assert.deepStrictEqual(argsInterfacesWithTags(dts), ["Foo"]);
        const list =
            "export interface GroupArgs {\n    tags?: pulumi.Input<pulumi.Input<inputs.autoscaling.GroupTag>[] | undefined>;\n}\nexport interface BazArgs {\n    tags?: pulumi.Input<{\n        [key: string]: pulumi.Input<string>;\n    } | undefined>;\n}\n";
        assert.deepStrictEqual(argsInterfacesWithTags(list), ["Baz"]);
        assert.strictEqual(pulumiTypeOf("class Foo extends pulumi.CustomResource {\n static __pulumiType = 'aws:x/foo:Foo';", "Foo"), "aws:x/foo:Foo");
    });

    it("the committed taggable-types.json matches the installed @pulumi/aws", function () {
        this.timeout(20000);
        const root = path.join(__dirname, "..", "..");
        const committed = JSON.parse(fs.readFileSync(path.join(root, "policies", "data", "taggable-types.json"), "utf8"));
        const fresh = generate(path.join(root, "node_modules", "@pulumi", "aws"));
        assert.strictEqual(committed.providerVersion, fresh.providerVersion);
        assert.deepStrictEqual(committed.types, fresh.types);
        assert.ok(fresh.count > 500);
    });
});
