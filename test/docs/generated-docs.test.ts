/**
 * The reference pages generated from the code stay true: docs/configuration.md (config parser + stack files) and
 * docs/outputs.md (StackOutputs) equal what `npm run docs` writes, every key the parser reads has a meaning (and no
 * meaning is left for a key that is gone), and every output the dev stack really produces is documented.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_MEANINGS, configKeys, outputRows, PAGES } from "../../scripts/tools/gen-docs";
import { COMPONENT_TYPES } from "../../contracts/type-tokens";

const ROOT = path.resolve(__dirname, "..", "..");

describe("generated reference docs", () => {
    for (const [rel, gen] of Object.entries(PAGES)) {
        it(`${rel} is what npm run docs writes (run it after changing the config parser, the stack files, the outputs or the components)`, async function () {
            this.timeout(300000);
            assert.equal(fs.readFileSync(path.join(ROOT, rel), "utf8"), await gen());
        });
    }

    it("every config key the parser reads has a meaning, and every meaning belongs to a key", () => {
        const keys = configKeys().keys.map((k) => k.key);
        assert.deepEqual(
            keys.filter((k) => !CONFIG_MEANINGS[k]),
            [],
        );
        assert.deepEqual(
            Object.keys(CONFIG_MEANINGS).filter((k) => !keys.includes(k)),
            [],
        );
        for (const k of ["budget.monthlyLimitUsd", "security.ciOidcSubject", "environment"])
            assert.ok(configKeys().keys.find((x) => x.key === k)!.required, `${k} is required`);
    });

    it("docs/components.md has a section for every component, with its token", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "components.md"), "utf8");
        for (const [name, token] of Object.entries(COMPONENT_TYPES)) {
            const section = doc.split(`\n## ${name}\n`)[1]?.split("\n## ")[0];
            assert.ok(section, `no section for ${name}`);
            assert.ok(section.includes(`\`${token}\``), `${name}: token ${token}`);
        }
        // The default stacks create nearly every component: the table is not empty by accident.
        assert.ok((doc.match(/^\| `[a-z]+:[^`]+` \| \d+ \| \d+ \|$/gm) ?? []).length > 50);
    });

    it("every output of a real dev stack is documented, with a meaning", () => {
        const rows = outputRows();
        const documented = new Set(rows.map((r) => r.key));
        const real = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "stack-outputs-dev.json"), "utf8")) as Record<string, unknown>;
        assert.deepEqual(
            Object.keys(real).filter((k) => !documented.has(k)),
            [],
        );
        assert.deepEqual(
            rows.filter((r) => !r.meaning).map((r) => r.key),
            [],
        );
    });
});
