/**
 * `policy:check` input validation (issue 10 "Exports", issue 12 item 8): secrets in an export are read as unknown values
 * (never printed, "not evaluated" where their value matters), only checkpoint versions 3 and 4 are read, each resource's
 * urn/type is validated and named by its index, and an empty export is an error that says so.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExportError, readExportDocument, SECRET_SIG, SECRET_SIG_KEY } from "../../gate/export-reader";
import { checkExport } from "../../gate/gate";
import { formatReport, jsonReport, sarifReport } from "../../gate/format";
import { npmRun } from "../helpers/cli";
import { FIXTURE, StackExport } from "../../test-support/stack-export";

const fixture = (): StackExport => JSON.parse(fs.readFileSync(FIXTURE, "utf8"));
const PLAINTEXT = "hunter2-do-not-print-0xC0FFEE";
const CIPHERTEXT = "v1:AAAAsecretciphertextBBBB==";
const secretPlain = (v: unknown) => ({ [SECRET_SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(v) });
const secretCipher = () => ({ [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: CIPHERTEXT });

function thrown(fn: () => unknown): string {
    try {
        fn();
    } catch (e) {
        assert.ok(e instanceof ExportError, `ExportError expected, got ${(e as Error).stack}`);
        return (e as Error).message;
    }
    assert.fail("expected an ExportError");
}

describe("gate: export validation (versions, urn/type, empty, secrets)", function () {
    this.timeout(120_000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-export-validation-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads checkpoint versions 3 and 4", () => {
        for (const version of [3, 4]) {
            const doc = { ...fixture(), version };
            const r = readExportDocument(doc, "x.json");
            assert.equal(r.version, version);
            assert.equal(r.stack, "prod");
            assert.equal(r.inputs.length, doc.deployment.resources.length);
        }
    });

    it("refuses v2, v99 and versionless documents with a message that says what to do", () => {
        assert.match(
            thrown(() => readExportDocument({ ...fixture(), version: 2 }, "old.json")),
            /old\.json: checkpoint version 2 is not supported \(only 3 and 4\); it was written by an old Pulumi CLI: run 'pulumi stack export'/,
        );
        assert.match(
            thrown(() => readExportDocument({ ...fixture(), version: 99 }, "new.json")),
            /new\.json: checkpoint version 99 is not supported \(only 3 and 4\); it is newer than this gate understands/,
        );
        const { version: _v, ...noVersion } = fixture();
        assert.match(
            thrown(() => readExportDocument(noVersion, "bare.json")),
            /bare\.json: no "version" field, so this is not a 'pulumi stack export' document/,
        );
        assert.match(
            thrown(() => readExportDocument([], "arr.json")),
            /arr\.json: not a stack export/,
        );
        assert.match(
            thrown(() => readExportDocument({ version: 3 }, "nodeploy.json")),
            /no "deployment" object/,
        );
    });

    it("names each malformed resource by its index: missing type, missing urn, bad urn, type that disagrees with the urn", () => {
        const doc = fixture();
        const rs = doc.deployment.resources as any[];
        delete rs[5].type;
        delete rs[7].urn;
        rs[9].urn = "not-a-urn";
        rs[11].type = "aws:s3/bucket:Bucket";
        const msg = thrown(() => readExportDocument(doc, "bad.json"));
        assert.match(msg, /bad\.json: 4 malformed resource\(s\)/);
        assert.match(msg, /deployment\.resources\[5\] \(urn:pulumi:prod::ml-platform::[^)]+\) has no "type"/);
        assert.match(msg, /deployment\.resources\[7\] has no "urn"/);
        assert.match(msg, /deployment\.resources\[9\] urn "not-a-urn" is not of the form urn:pulumi:<stack>::<project>::<type>::<name>/);
        assert.match(msg, /deployment\.resources\[11\] \([^)]+\) has type "aws:s3\/bucket:Bucket" but its URN says/);
        assert.match(msg, /Re-export the stack with 'pulumi stack export'/);
    });

    it("an empty export (no resources, or only the stack) is an error that says the stack was never deployed or was destroyed", () => {
        const doc = fixture();
        const empty = { ...doc, deployment: { ...doc.deployment, resources: [] } };
        assert.match(
            thrown(() => readExportDocument(empty, "empty.json")),
            /empty\.json: the export has no resources \(deployment\.resources is empty\): the stack was never deployed or has been destroyed/,
        );
        const { resources: _r, ...noResources } = doc.deployment;
        assert.match(
            thrown(() => readExportDocument({ ...doc, deployment: noResources }, "none.json")),
            /the export has no resources/,
        );
        const onlyStack = { ...doc, deployment: { ...doc.deployment, resources: doc.deployment.resources.filter((r) => r.type === "pulumi:pulumi:Stack") } };
        assert.match(
            thrown(() => readExportDocument(onlyStack, "stackonly.json")),
            /the export has no resources \(only the stack itself\)/,
        );
    });

    describe("secrets", () => {
        let report: Awaited<ReturnType<typeof checkExport>>;
        let clean: Awaited<ReturnType<typeof checkExport>>;
        let modelUrn: string;
        before(async () => {
            const doc = fixture();
            const rs = doc.deployment.resources;
            const model = rs.find((r) => r.type === "aws:sagemaker/model:Model")!;
            modelUrn = model.urn;
            // Where the value matters: network-isolation needs enableNetworkIsolation.
            model.inputs.enableNetworkIsolation = secretPlain(true);
            // Where it does not: a container environment variable (no policy reads it) and a topic's KMS key (presence is checked).
            const c = (model.inputs.primaryContainer ?? (model.inputs.containers as any[])?.[0]) as Record<string, any>;
            c.environment = { ...(c.environment ?? {}), API_TOKEN: secretPlain(PLAINTEXT) };
            const topic = rs.find((r) => r.type === "aws:sns/topic:Topic")!;
            topic.inputs.kmsMasterKeyId = secretCipher();
            const f = path.join(dir, "secrets.json");
            fs.writeFileSync(f, JSON.stringify(doc));
            report = await checkExport(f, "prod");
            clean = await checkExport(FIXTURE, "prod");
        });

        it("counts the secrets and never prints or keeps their values (text, JSON, SARIF)", () => {
            assert.deepEqual(report.export, { version: 3, secrets: 3 });
            for (const out of [formatReport(report), JSON.stringify(jsonReport(report)), JSON.stringify(sarifReport(report)), JSON.stringify(report)]) {
                assert.ok(!out.includes(PLAINTEXT), "plaintext leaked");
                assert.ok(!out.includes(CIPHERTEXT), "ciphertext leaked");
            }
            assert.match(formatReport(report), /Secrets: 3 secret value\(s\) in the export were read as unknown/);
        });

        it("a policy that needs the secret's value is 'not evaluated' for that resource (neither passed nor failed)", () => {
            const ne = report.notEvaluated.filter((n) => n.urn === modelUrn);
            assert.deepEqual(
                ne.map((n) => n.policy),
                ["network-isolation"],
            );
            assert.equal(report.violations.filter((v) => v.urn === modelUrn && v.policy === "network-isolation").length, 0);
        });

        it("policies that do not need a secret's value give the same verdicts as without secrets", () => {
            const key = (v: { policy: string; urn?: string; message: string }) => `${v.policy} ${v.urn} ${v.message}`;
            assert.deepEqual(report.violations.map(key).sort(), clean.violations.map(key).sort());
            assert.equal(report.notEvaluated.length, clean.notEvaluated.length + 1);
        });
    });

    describe("policy:check CLI", () => {
        const run = (args: string[]) => npmRun("policy:check", args);

        it("exits 0 on an export holding secrets (ciphertext and --show-secrets plaintext) without printing them, and 2 on a v2 export", async () => {
            const doc = fixture();
            const model = doc.deployment.resources.find((r) => r.type === "aws:sagemaker/model:Model")!;
            const c = (model.inputs.primaryContainer ?? (model.inputs.containers as any[])?.[0]) as Record<string, any>;
            c.environment = { ...(c.environment ?? {}), API_TOKEN: secretPlain(PLAINTEXT), OTHER: secretCipher() };
            const f = path.join(dir, "cli-secrets.json");
            fs.writeFileSync(f, JSON.stringify(doc));
            const v2 = path.join(dir, "cli-v2.json");
            fs.writeFileSync(v2, JSON.stringify({ ...fixture(), version: 2 }));
            const [ok, old] = await Promise.all([run(["--export", f, "--stack", "prod"]), run(["--export", v2, "--stack", "prod"])]);
            assert.equal(ok.code, 0, ok.stderr + ok.stdout.slice(-1500));
            assert.match(ok.stdout, /Secrets: 2 secret value\(s\)/);
            assert.ok(!(ok.stdout + ok.stderr).includes(PLAINTEXT) && !(ok.stdout + ok.stderr).includes(CIPHERTEXT));
            assert.equal(old.code, 2);
            assert.match(old.stderr, /checkpoint version 2 is not supported/);
        });
    });
});
