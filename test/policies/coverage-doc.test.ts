/** docs/policy-gate.md's coverage table is the one generated from the policies' metadata (policies/tools/gen-coverage.ts). */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { BEGIN, coverageTable, END } from "../../policies/tools/gen-coverage";

describe("docs/policy-gate.md coverage table", () => {
    it("is generated from the metadata (refresh: node scripts/run-ts.cjs policies/tools/gen-coverage.ts)", () => {
        const doc = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "policy-gate.md"), "utf8");
        const i = doc.indexOf(BEGIN);
        const j = doc.indexOf(END);
        assert.ok(i >= 0 && j > i, "coverage markers present");
        assert.equal(doc.slice(i, j + END.length), coverageTable());
    });
});
