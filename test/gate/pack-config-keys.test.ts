/**
 * Unknown keys in a policy pack config file (`--policy-pack-config` / `--policy-config`) are errors with the nearest
 * valid name, through the real `npm run policy:check` CLI; the shipped dev/prod configs have none.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { all } from "../../policies/all";
import { packConfigProblems } from "../../policies/lib/config";
import { ROOT, tsRunSync } from "../helpers/cli";

const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", f), "utf8"));

describe("policy pack config: unknown keys", () => {
    it("the shipped configs are clean", () => {
        assert.deepEqual(packConfigProblems(read("dev.json"), all), []);
        assert.deepEqual(packConfigProblems(read("prod.json"), all), []);
    });

    it("names a misspelt policy, a misspelt setting and a bad enforcement level, with the nearest valid name", () => {
        const c = read("prod.json");
        c["requred-tags"] = "advisory";
        c["s3-encryption-and-tls"].requireCustomerManagedKeys = false;
        c["network-isolation"].enforcementLevel = "strict";
        assert.deepEqual(packConfigProblems(c, all), [
            `"s3-encryption-and-tls.requireCustomerManagedKeys": unknown setting of policy s3-encryption-and-tls; did you mean "s3-encryption-and-tls.requireCustomerManagedKey"?`,
            `"network-isolation.enforcementLevel" = "strict": expected one of advisory, mandatory, remediate, disabled`,
            `"requred-tags": unknown policy; did you mean "required-tags"?`,
        ]);
    });

    it("npm run policy:check refuses such a file with exit 2 before evaluating anything", function () {
        this.timeout(120_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "packcfg-"));
        const cfg = path.join(dir, "prod.json");
        const c = read("prod.json");
        c["monitoring-coverage"].requireCloudTrial = true;
        fs.writeFileSync(cfg, JSON.stringify(c));
        const r = tsRunSync(
            "scripts/cli/policy-check.ts",
            ["--export", "test/fixtures/gate/prod.stack-export.json", "--stack", "prod", "--policy-config", cfg],
            { env: { TS_NODE_TRANSPILE_ONLY: "true" } },
        );
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.equal(
            r.stderr.trim(),
            `policy pack config ${cfg}: 1 problem:\n  - "monitoring-coverage.requireCloudTrial": unknown setting of policy monitoring-coverage; did you mean "monitoring-coverage.requireCloudTrail"?`,
        );
        assert.equal(r.stdout, "");
    });
});
