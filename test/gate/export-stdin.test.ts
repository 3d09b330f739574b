/**
 * `policy:check --export -` reads the stack export from standard input, so the drift workflow can pipe
 * `pulumi stack export | npm run policy:check -- --export - --stack <env>` without a temporary file.
 * The result must be identical to reading the same document from a file; empty or non-JSON input exits 2 with a
 * message naming standard input and the fix.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { npmRun } from "../helpers/cli";
import { FIXTURE } from "../../test-support/stack-export";

const policyCheck = (args: string[], stdin?: string) => npmRun("policy:check", args, { stdin });

describe("policy:check --export - (standard input)", function () {
    this.timeout(180_000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlp-stdin-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("gives the same report and exit code as the same export read from a file", async () => {
        const fromFile = await policyCheck(["--export", FIXTURE, "--stack", "prod", "--json", path.join(dir, "file.json")]);
        const fromStdin = await policyCheck(["--export", "-", "--stack", "prod", "--json", path.join(dir, "stdin.json")], fs.readFileSync(FIXTURE, "utf8"));
        assert.equal(fromStdin.code, fromFile.code, fromStdin.stderr);
        assert.ok(fromFile.code === 0 || fromFile.code === 1, fromFile.stderr);
        const a = JSON.parse(fs.readFileSync(path.join(dir, "file.json"), "utf8"));
        const b = JSON.parse(fs.readFileSync(path.join(dir, "stdin.json"), "utf8"));
        const strip = (r: Record<string, unknown>) => {
            const { durationMs, timings, generatedAt, ...rest } = r as Record<string, unknown>;
            return JSON.parse(JSON.stringify(rest, (k, v) => (/^(durationMs|elapsedMs|ms|timingMs|generatedAt)$/.test(k) ? undefined : v)));
        };
        assert.deepEqual(strip(b), strip(a));
        assert.ok(Array.isArray(b.violations) && b.resources !== 0);
    });

    it("empty standard input exits 2 and says what to pipe", async () => {
        const r = await policyCheck(["--export", "-", "--stack", "prod"], "");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /<stdin>: empty input; pipe a stack export into it: pulumi stack export/);
    });

    it("non-JSON standard input exits 2 naming <stdin>", async () => {
        const r = await policyCheck(["--export", "-", "--stack", "prod"], "not json {");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /<stdin>: not a readable stack export/);
    });
});
