/**
 * What README and package.json claim about Node.js is what the project and its dependencies support: every package
 * the lockfile installs accepts the oldest Node version we claim (its "engines.node"), build_ml_environment.sh refuses
 * older Node, and the running Node satisfies the claim.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
const semver = require("semver") as {
    satisfies(v: string, range: string, o?: { includePrerelease?: boolean }): boolean;
    validRange(r: string): string | null;
    minVersion(r: string): { version: string } | null;
};

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean }>;
};

describe("supported Node.js versions", () => {
    const claimed = pkg.engines.node;
    const oldest = semver.minVersion(claimed)!.version;

    it(`package.json engines (${claimed}) starts at 20.19 and includes 22`, () => {
        assert.equal(oldest, "20.19.0");
        assert.ok(semver.satisfies("22.0.0", claimed) && semver.satisfies("24.1.0", claimed));
        assert.ok(!semver.satisfies("21.7.0", claimed), "odd-numbered releases are not supported");
    });

    it("every runtime dependency in the lockfile accepts the oldest claimed Node and Node 22", () => {
        const refused: string[] = [];
        for (const [name, p] of Object.entries(lock.packages)) {
            if (!name || p.dev || p.optional) continue;
            const range = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined;
            if (!range || !semver.validRange(range)) continue;
            for (const v of [oldest, "22.12.0"])
                if (!semver.satisfies(v, range, { includePrerelease: true })) refused.push(`${name.replace(/^node_modules\//, "")} (${range}) refuses ${v}`);
        }
        assert.deepEqual(refused, []);
    });

    it("the AWS SDK packages installed declare support for the oldest claimed Node", () => {
        const sdk = Object.entries(lock.packages).filter(([n]) => /node_modules\/@aws-sdk\/(client-s3|client-sagemaker|core)$/.test(n));
        assert.ok(sdk.length >= 3);
        for (const [n, p] of sdk) assert.ok(semver.satisfies(oldest, (p.engines as { node: string }).node), `${n}: ${JSON.stringify(p.engines)}`);
    });

    it("the running Node satisfies the claim, and build_ml_environment.sh checks the same minimum", () => {
        assert.ok(semver.satisfies(process.versions.node, claimed), `running ${process.version}, claimed ${claimed}`);
        const sh = fs.readFileSync(path.join(ROOT, "build_ml_environment.sh"), "utf8");
        assert.match(sh, /20\.19/, "the script names the minimum version");
    });
});
