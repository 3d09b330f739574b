import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { recordRequests } from "../helpers/aws-request-recorder";
import { Readable } from "stream";
import { buildLambdaArchive, collectLambdaSources, lambdaHandlerPath, REPO_ROOT } from "../../components/lambda-bundle";
import { captureS3Key, formatCaptureRecord, formatServiceJson, suggestBaseline } from "../../lib/monitoring";

const ENTRY = "lib/monitoring/lambda/handler.ts";

/** The handler's runtime import graph, read off the sources by hand (type-only imports excluded). */
const EXPECTED = [
    "contracts/metrics.js",
    "contracts/s3-layout.js",
    "lib/data/io.js",
    "lib/monitoring/capture-scan.js",
    "lib/monitoring/capture.js",
    "lib/monitoring/dataquality/checks.js",
    "lib/monitoring/dataquality/json.js",
    "lib/monitoring/dataquality/profile.js",
    "lib/monitoring/dataquality/suggest.js",
    "lib/monitoring/dataquality/types.js",
    "lib/monitoring/drift/index.js",
    "lib/monitoring/emf.js",
    "lib/monitoring/index.js",
    "lib/monitoring/lambda/handler.js",
    "lib/monitoring/lambda/metrics.js",
    "lib/monitoring/lambda/run.js",
    "lib/monitoring/shard.js",
    "lib/monitoring/sketch/f64-pool.js",
    "lib/monitoring/sketch/kll.js",
    "lib/monitoring/sketch/radix-sort-wasm.js",
    "lib/monitoring/sketch/sort.js",
];

async function archiveFiles(a: pulumi.asset.AssetArchive): Promise<Record<string, string>> {
    const assets = await a.assets;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(assets)) {
        assert.ok(v instanceof pulumi.asset.StringAsset, `${k} is a StringAsset`);
        out[k] = await (v as pulumi.asset.StringAsset).text;
    }
    return out;
}

/** Files written to a new temp folder (a source tree, or an archive as the Lambda runtime unpacks it). */
function tmpRepo(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-src-"));
    for (const [p, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), c);
    }
    return dir;
}

describe("components/lambda-bundle", function () {
    this.timeout(60000);

    it("holds the handler and every transitive local module, at repository paths, and nothing else", async () => {
        const files = await archiveFiles(buildLambdaArchive(ENTRY));
        assert.deepStrictEqual(Object.keys(files).sort(), EXPECTED);
        // every module the archive's code requires is either in the archive or external (built-in / runtime SDK)
        const bundle = collectLambdaSources(ENTRY);
        assert.deepStrictEqual(bundle.externals, [
            "@aws-sdk/client-s3",
            "crypto",
            "fs",
            "os",
            "path",
            "readline",
            "stream",
            "stream/promises",
            "worker_threads",
        ]);
        for (const [p, code] of Object.entries(files)) {
            assert.ok(
                !/require\("[^".][^"]*"\)/.test(
                    code.replace(/require\("(@aws-sdk\/client-s3|crypto|fs|os|path|readline|stream|stream\/promises|worker_threads)"\)/g, ""),
                ),
                `${p} requires nothing else from npm`,
            );
            assert.ok(!code.includes("import "), `${p} is CommonJS`);
            assert.ok(code.includes('"use strict"'), `${p} is transpiled output`);
        }
        // modules the handler does not use are not carried (other monitors, the Pulumi components)
        assert.ok(!Object.keys(files).some((p) => /\/(ab|bias|modelquality)\//.test(p) || p.startsWith("components/")));
        assert.match(files["lib/monitoring/lambda/handler.js"], /exports\.handler = handler/);
    });

    it("the archive's KLL sort runs its embedded WebAssembly from the archive's own files (no .wasm file, no build step)", async () => {
        const dir = tmpRepo(await archiveFiles(buildLambdaArchive(ENTRY)));
        try {
            const { sortedValues } = require(path.join(dir, "lib/monitoring/sketch/sort.js"));
            const a = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453);
            const { values, offset } = sortedValues(a, a.length);
            assert.notEqual(values, a, "3,000 values take the WebAssembly path");
            assert.deepEqual(Array.from(values.subarray(offset, offset + a.length)), Array.from(a.slice().sort()));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the distributed monitor's archive: its handlers, the shared run code and the S3 layout contract, no other monitor", async () => {
        const files = await archiveFiles(buildLambdaArchive("lib/monitoring/distributed/handler.ts"));
        assert.deepStrictEqual(
            Object.keys(files)
                .filter((p) => !EXPECTED.includes(p))
                .sort(),
            [
                "lib/monitoring/distributed/handler.js",
                "lib/monitoring/distributed/reduce.js",
                "lib/monitoring/distributed/types.js",
                "lib/monitoring/distributed/worker.js",
            ],
        );
        assert.ok(!Object.keys(files).some((p) => /\/(ab|bias|modelquality)\//.test(p) || p.startsWith("components/")));
        assert.match(files["lib/monitoring/distributed/handler.js"], /exports\.worker = worker/);
        assert.match(files["lib/monitoring/distributed/handler.js"], /exports\.reduce = reduce/);
    });

    it("is deterministic", async () => {
        const a = await archiveFiles(buildLambdaArchive(ENTRY));
        const b = await archiveFiles(buildLambdaArchive(path.join(REPO_ROOT, ENTRY)));
        assert.deepStrictEqual(a, b);
        assert.deepStrictEqual(Object.keys(a), [...Object.keys(a)].sort(), "paths in sorted order");
    });

    it("handler path", () => {
        assert.strictEqual(lambdaHandlerPath(ENTRY), "lib/monitoring/lambda/handler.handler");
    });

    it("the transpiled handler loads from a plain folder and runs against (mocked) S3", async () => {
        const dir = tmpRepo(await archiveFiles(buildLambdaArchive(ENTRY)));
        try {
            // The runtime provides @aws-sdk/*; here the repository's node_modules stands in for it.
            fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
            const mod = require(path.join(dir, "lib/monitoring/lambda/handler.js"));
            assert.strictEqual(typeof mod.handler, "function");
            assert.ok(require.resolve(path.join(dir, "lib/monitoring/index.js")).startsWith(dir), "engine loaded from the archive copy");

            const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
            const m = recordRequests(mockClient(s3), "s3");
            const train = Array.from({ length: 200 }, (_, i) => [String(20 + (i % 40)), i % 2 ? "a" : "b"]);
            const base = await suggestBaseline(train);
            const hour = new Date("2024-05-01T10:00:00Z");
            const k = captureS3Key({ prefix: "datacapture", endpoint: "ep", variant: "AllTraffic", time: hour, file: "a.jsonl" });
            const capture = Array.from({ length: 50 }, (_, i) =>
                formatCaptureRecord({
                    input: { data: `${25 + (i % 30)},${i % 3 ? "a" : "b"}`, contentType: "text/csv" },
                    inferenceTime: new Date(hour.getTime() + i * 1000),
                    eventId: `e${i}`,
                }),
            ).join("\n");
            const body = (s: string): any => Readable.from([Buffer.from(s)]);
            m.on(ListObjectsV2Command).callsFake(async (i: any) =>
                i.Delimiter
                    ? { CommonPrefixes: [{ Prefix: "datacapture/ep/AllTraffic/" }] }
                    : { Contents: i.Prefix === "datacapture/ep/AllTraffic/2024/05/01/10/" ? [{ Key: k, Size: capture.length }] : [] },
            );
            m.on(GetObjectCommand).callsFake(async (i: any) => ({
                Body: body(
                    i.Key === k ? capture : i.Key.endsWith("constraints.json") ? formatServiceJson(base.constraints) : formatServiceJson(base.statistics),
                ),
            }));
            m.on(PutObjectCommand).resolves({});
            const lines: string[] = [];
            const run = mod.createHandler({ s3, write: (l: string) => lines.push(l), tmpDir: dir });
            const res = await run({
                endpointName: "ep",
                scheduleName: "hourly",
                captureBucket: "cap",
                capturePrefix: "datacapture",
                monitoringBucket: "mon",
                baselinePrefix: "baselines",
                reportsPrefix: "reports",
                time: "2024-05-01T11:00:10Z",
            });
            assert.strictEqual(res.status, "ok");
            assert.strictEqual(res.rowsAnalyzed, 50);
            const keys = m.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
            assert.ok(keys.includes("reports/ep/hourly/2024/05/01/11/constraint_violations.json"), keys.join(","));
            assert.ok(lines.some((l) => l.includes('"feature_baseline_drift__c0"')));
            m.restore();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("npm imports other than @aws-sdk/* are an error naming the module and the importing file", () => {
        const root = tmpRepo({
            "src/main.ts": 'import { x } from "./util";\nexport const handler = async () => x;\n',
            "src/util.ts": 'import * as _ from "lodash";\nimport type { Foo } from "./types";\nexport const x: Foo = _.identity(1);\n',
            "src/types.ts": "export type Foo = number;\n",
        });
        try {
            assert.throws(
                () => buildLambdaArchive("src/main.ts", root),
                /src\/util\.ts imports the npm module "lodash", which the Lambda Node\.js 20 runtime does not provide/,
            );
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("type-only imports are not carried; builtins with node: prefix, @aws-sdk and index folders resolve", async () => {
        const root = tmpRepo({
            "src/main.ts":
                'import * as fs from "node:fs";\nimport { S3Client } from "@aws-sdk/client-s3";\nimport type { Foo } from "./types";\nimport { y } from "./lib";\nexport const handler = async (): Promise<Foo> => (fs && S3Client ? y : 0);\n',
            "src/types.ts": "export type Foo = number;\n",
            "src/lib/index.ts": "export const y = 2;\n",
        });
        try {
            const b = collectLambdaSources("src/main.ts", root);
            assert.deepStrictEqual(
                b.files.map((f) => f.archivePath),
                ["src/lib/index.js", "src/main.js"],
            );
            assert.deepStrictEqual(b.externals, ["@aws-sdk/client-s3", "node:fs"]);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("a missing entry or unresolvable relative import is an error naming it", () => {
        assert.throws(() => buildLambdaArchive("lib/monitoring/lambda/nope.ts"), /entry lib\/monitoring\/lambda\/nope\.ts is not an existing \.ts file/);
        const root = tmpRepo({ "main.ts": 'import { z } from "./missing";\nexport const h = z;\n' });
        try {
            assert.throws(() => buildLambdaArchive("main.ts", root), /main\.ts imports "\.\/missing", which resolves to no \.ts file/);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
