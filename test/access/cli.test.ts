/** `npm run access` end to end: the real CLI on the real stacks (explain, matrix, check, help, bad arguments). */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { npmRun, Proc } from "../helpers/cli";

// Bucket names under the mock runtime: <namePrefix>-<purpose>-<deterministic suffix of the program's RandomId>.

describe("npm run access (CLI)", function () {
    this.timeout(300000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "access-cli-"));
    const f = (n: string) => path.join(dir, n);
    const procs: Record<string, Proc> = {};
    before(async () => {
        const runs: [string, string[]][] = [
            [
                "denied",
                [
                    "explain",
                    "--stack",
                    "prod",
                    "--principal",
                    "training",
                    "--action",
                    "s3:PutObject",
                    "--resource",
                    "s3://mlp-prod-curated-88dbbe98/prepared/x.csv",
                ],
            ],
            [
                "allowed",
                [
                    "explain",
                    "--stack",
                    "prod",
                    "--principal",
                    "processing",
                    "--action",
                    "s3:GetObject",
                    "--resource",
                    "s3://mlp-prod-raw-88dbbe98/adult/adult.data",
                    "--json",
                ],
            ],
            [
                "plaintext",
                [
                    "explain",
                    "--stack",
                    "dev",
                    "--principal",
                    "pipeline",
                    "--action",
                    "s3:GetObject",
                    "--resource",
                    "s3://mlp-dev-raw-88dbbe98/adult/adult.data",
                    "--context",
                    "aws:SecureTransport=false",
                ],
            ],
            ["matrix", ["matrix", "--stack", "prod", "--html", f("m.html"), "--json", f("m.json")]],
            ["check", ["check", "--stack", "dev", "--json", f("check.json")]],
            ["help", ["--help"]],
            ["bad-flag", ["explain", "--stack", "prod", "--frobnicate", "x"]],
            ["bad-principal", ["explain", "--stack", "prod", "--principal", "nobody", "--action", "s3:GetObject", "--resource", "s3://b/k"]],
            ["bad-stack", ["check", "--stack", "nope"]],
            ["plan", ["--stack", "prod", "--new-stack", "--json", f("plan.json")]],
        ];
        for (let i = 0; i < runs.length; i += 2) {
            const batch = runs.slice(i, i + 2);
            const out = await Promise.all(batch.map(([id, args]) => npmRun(id === "plan" ? "plan" : "access", args)));
            batch.forEach(([id], k) => (procs[id] = out[k]));
        }
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("explain: a denied request prints DENIED with the decisions, the context and exits 0", () => {
        const p = procs.denied;
        assert.equal(p.code, 0, p.stderr);
        assert.match(p.stdout, /^DENIED: role training → s3:PutObject on arn:aws:s3:::mlp-prod-curated-88dbbe98\/prepared\/x\.csv/m);
        assert.match(p.stdout, /ImplicitlyDenied +s3:PutObject/);
        assert.match(p.stdout, /context: .*aws:SourceVpce=vpce-/);
    });
    it("explain --json: an allowed request with its S3 and KMS decisions and deciding statements", () => {
        const p = procs.allowed;
        assert.equal(p.code, 0, p.stderr);
        const r = JSON.parse(p.stdout);
        assert.equal(r.action, "s3:GetObject");
        assert.equal(r.allowed, true);
        assert.equal(r.steps.length, 2, "an S3 read of an SSE-KMS object is two decisions");
        assert.equal(r.steps[0].decision.verdict, "Allowed");
        assert.ok(r.steps[0].decision.deciding.some((d: any) => d.sid === "Objects" && /datalake-raw-read-processing/.test(d.policy)));
        assert.equal(r.steps[1].request.action, "kms:Decrypt");
        assert.equal(r.steps[1].request.context["kms:ViaService"], "s3.us-east-1.amazonaws.com");
    });
    it("explain --context: plaintext access is explicitly denied by the bucket policy's TLS statement", () => {
        const p = procs.plaintext;
        assert.equal(p.code, 0, p.stderr);
        assert.match(p.stdout, /^DENIED: role pipeline → s3:GetObject/m);
        assert.match(p.stdout, /ExplicitlyDenied .*\n.*\n.*\n +deciding: bucket policy of raw \(mlp-dev-raw-88dbbe98\) Sid "DenyInsecureTransport" \(Deny\)/);
    });
    it("matrix: text, a self-contained HTML page and JSON", () => {
        const p = procs.matrix;
        assert.equal(p.code, 0, p.stderr);
        assert.match(p.stdout, /^Access matrix — stack prod/m);
        assert.match(p.stdout, /cloudtrail\.amazonaws\.com: write/);
        const html = fs.readFileSync(f("m.html"), "utf8");
        assert.match(html, /^<!doctype html>/);
        assert.doesNotMatch(html, /<script|<link|src=/, "self-contained: no scripts, stylesheets or external assets");
        const j = JSON.parse(fs.readFileSync(f("m.json"), "utf8"));
        assert.equal(j.stack, "prod");
        assert.ok(j.rows.some((r: any) => r.kind === "key") && j.rows.some((r: any) => r.kind === "topic"));
        assert.deepEqual(
            fs.readdirSync(dir).filter((n) => n.includes(".tmp")),
            [],
            "no temp files left behind",
        );
    });
    it("check: the contract holds for dev, exit 0, JSON written", () => {
        const p = procs.check;
        assert.equal(p.code, 0, p.stdout + p.stderr);
        assert.match(p.stdout, /access contract dev: \d+ needed \(\d+ allowed\), \d+ forbidden \(\d+ denied\) — holds/);
        const j = JSON.parse(fs.readFileSync(f("check.json"), "utf8"));
        assert.deepEqual(j.failures, []);
    });
    it("npm run plan reports the access contract beside the policy results (first preview of prod passes)", () => {
        const p = procs.plan;
        assert.equal(p.code, 0, p.stdout.slice(-3000) + p.stderr);
        assert.match(p.stdout, /PASSED: no mandatory violations/);
        assert.match(
            p.stdout,
            /access contract prod: \d+ needed \(\d+ allowed\), \d+ forbidden \(\d+ denied\) — holds \(decided on the settled stack: ARNs known\)/,
        );
        const j = JSON.parse(fs.readFileSync(f("plan.json"), "utf8"));
        assert.ok(j.accessContract.needed > 150 && j.accessContract.forbidden > 1000);
        assert.deepEqual(j.accessContract.failures, []);
    });
    it("--help prints the usage and exits 0", () => {
        assert.equal(procs.help.code, 0);
        assert.match(procs.help.stdout, /npm run access -- explain --stack/);
    });
    it("bad arguments: a message naming the argument, exit 2", () => {
        assert.equal(procs["bad-flag"].code, 2);
        assert.match(procs["bad-flag"].stderr, /option --frobnicate is unknown of 'explain'.*: valid options are --stack, --principal/);
        assert.equal(procs["bad-principal"].code, 2);
        assert.match(procs["bad-principal"].stderr, /unknown principal 'nobody'.*'anonymous'/s);
        assert.equal(procs["bad-stack"].code, 2);
        assert.match(procs["bad-stack"].stderr, /Pulumi\.nope\.yaml does not exist/);
    });
});
