/** Unit tests of the part-2 steps' pure pieces: variant mapping, option parsing, batch-output reading, load-test table. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StepContext, StepError } from "../../scripts/framework/step";
import { ModelPackage, registryFor } from "../../lib/registry";
import { parseCliArgs, parseWeights } from "../../scripts/cli/endpoint";
import deployStep, { planVariants } from "../../scripts/steps/deploy/local";
import { parseVariantWeights } from "../../scripts/steps/deploy/step";
import { readScoredRecords, thinPoints } from "../../scripts/steps/evaluate/local";
import { minAucFor } from "../../scripts/steps/evaluate/step";
import { formatLoadTestTable, loadTestSettings } from "../../scripts/steps/loadtest/local";

function pkg(version: number, featuresHash = "sha256:aaa", testAuc = 0.9): ModelPackage {
    return {
        ModelPackageVersion: version,
        ModelPackageArn: `arn:aws:sagemaker:us-east-1:1:model-package/g/${version}`,
        ModelApprovalStatus: "Approved",
        InferenceSpecification: { Containers: [{ Image: "x", ModelDataUrl: `s3://b/models/v${version}/model.tar.gz` }] },
        Lineage: { dataHash: "d", featuresHash, codeVersion: "c" },
        Metrics: { "test:auc": testAuc },
    } as unknown as ModelPackage;
}

function fakeCtx(options: Record<string, string | boolean>, outputs?: { pipeline: { minAuc: number; latencySloMs: number } }): StepContext {
    return {
        stack: "dev",
        options,
        config: { pipeline: { minAuc: 0.8, latencySloMs: 50 } },
        outputs: () => {
            if (!outputs) throw new StepError("no outputs");
            return outputs;
        },
    } as unknown as StepContext;
}

describe("part-2 steps: pure pieces", () => {
    describe("deploy: planVariants (champion/challenger mapping)", () => {
        const cfg = [
            { name: "champion", weight: 9 },
            { name: "challenger", weight: 1 },
        ];
        it("maps the newest approved version to the first variant and the previous one to the second, whatever the input order", () => {
            const { planned, notes } = planVariants([pkg(2), pkg(3), pkg(1)], cfg, "sha256:aaa");
            assert.deepEqual(
                planned.map((v) => [v.name, v.modelPackageVersion, v.weight, v.modelUri]),
                [
                    ["champion", 3, 9, "s3://b/models/v3/model.tar.gz"],
                    ["challenger", 2, 1, "s3://b/models/v2/model.tar.gz"],
                ],
            );
            assert.deepEqual(notes, []);
        });
        it("leaves the second variant out when only one version is approved, saying why", () => {
            const { planned, notes } = planVariants([pkg(1)], cfg, "sha256:aaa");
            assert.deepEqual(
                planned.map((v) => v.name),
                ["champion"],
            );
            assert.equal(notes.length, 1);
            assert.match(notes[0], /variant 'challenger' not deployed: only 1 approved version\(s\) for 2 variants/);
        });
        it("does not serve a version trained with another feature transform", () => {
            const { planned, notes } = planVariants([pkg(1, "sha256:old"), pkg(2)], cfg, "sha256:aaa");
            assert.deepEqual(
                planned.map((v) => [v.name, v.modelPackageVersion]),
                [["champion", 2]],
            );
            assert.match(notes[0], /variant 'challenger' not deployed: version 1 was trained with feature transform sha256:old/);
        });
    });

    describe("deploy: parseVariantWeights", () => {
        it("parses names and weights in order", () => {
            assert.deepEqual(parseVariantWeights("champion=0.9, challenger=0.1"), [
                { name: "champion", weight: 0.9 },
                { name: "challenger", weight: 0.1 },
            ]);
        });
        for (const [spec, msg] of [
            ["champion", /'champion': expected <variant>=<weight>/],
            ["champion=-1", /'champion=-1'/],
            ["bad_name=1", /'bad_name=1'/],
            ["a=1,a=2", /variant 'a' is given twice/],
            ["a=0,b=0", /every weight is 0/],
            ["", /is empty/],
        ] as const) {
            it(`rejects '${spec}'`, () =>
                assert.throws(
                    () => parseVariantWeights(spec),
                    (e: Error) => e instanceof StepError && msg.test(e.message),
                ));
        }
    });

    describe("endpoint CLI: argument parsing", () => {
        it("collects repeated --variant options", () => {
            const a = parseCliArgs(["weights", "--variant", "champion=9", "--variant", "challenger=1", "--workdir", "/x"]);
            assert.equal(a.command, "weights");
            assert.deepEqual(parseWeights(a.variants), { champion: 9, challenger: 1 });
            assert.equal(a.flags.workdir, "/x");
        });
        it("rejects a weight that is not a number, a repeated variant, and no variant at all", () => {
            assert.throws(() => parseWeights(["champion=x"]), /expected NAME=WEIGHT/);
            assert.throws(() => parseWeights(["a=1", "a=2"]), /given twice/);
            assert.throws(() => parseWeights([]), /at least one --variant/);
            assert.throws(() => parseCliArgs(["status", "--workdir"]), /--workdir needs a value/);
        });
    });

    describe("evaluate: readScoredRecords", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "scored-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const write = (text: string) => {
            const f = path.join(dir, `out-${Math.random().toString(36).slice(2)}.csv.out`);
            fs.writeFileSync(f, text);
            return f;
        };
        it("reads record_id,label,score lines", () => {
            const r = readScoredRecords(write("a,0,0.25\nb,1,0.75\n\n"));
            assert.deepEqual(r.ids, ["a", "b"]);
            assert.deepEqual([...r.labels], [0, 1]);
            assert.deepEqual([...r.scores], [0.25, 0.75]);
        });
        it("names the file and line of a bad record", () => {
            const f1 = write("a,0,0.2\nb,0.2\n");
            assert.throws(
                () => readScoredRecords(f1),
                (e: Error) => e.message.startsWith(`${f1}:2: expected 3 fields`),
            );
            const f2 = write("a,yes,0.2\n");
            assert.throws(
                () => readScoredRecords(f2),
                (e: Error) => e.message.startsWith(`${f2}:1: label 'yes' is not 0 or 1`),
            );
            const f3 = write("a,1,1.5\n");
            assert.throws(
                () => readScoredRecords(f3),
                (e: Error) => e.message.startsWith(`${f3}:1: score '1.5' is not a probability`),
            );
            assert.throws(() => readScoredRecords(write("\n")), /has no records/);
            assert.throws(() => readScoredRecords(path.join(dir, "missing.out")), /does not exist: re-run --from batch-infer/);
        });
    });

    describe("evaluate: thinPoints and minAucFor", () => {
        it("keeps at most max points including both ends", () => {
            const pts = Array.from({ length: 1001 }, (_, i) => i);
            const t = thinPoints(pts, 100);
            assert.equal(t.length, 100);
            assert.equal(t[0], 0);
            assert.equal(t[99], 1000);
            assert.deepEqual(thinPoints([1, 2, 3], 100), [1, 2, 3]);
        });
        it("uses the stack output's pipeline.minAuc, --min-auc overrides it, and a bad value is refused", () => {
            assert.deepEqual(minAucFor(fakeCtx({}, { pipeline: { minAuc: 0.85, latencySloMs: 20 } })), {
                minAuc: 0.85,
                source: "pipeline.minAuc of stack dev",
            });
            assert.equal(minAucFor(fakeCtx({ "min-auc": "0.999" }, { pipeline: { minAuc: 0.85, latencySloMs: 20 } })).minAuc, 0.999);
            assert.equal(minAucFor(fakeCtx({})).minAuc, 0.8, "falls back to the stack config without outputs");
            assert.throws(() => minAucFor(fakeCtx({ "min-auc": "1.5" })), /--min-auc 1.5: expected a number in \[0, 1\]/);
            assert.throws(() => minAucFor(fakeCtx({ "min-auc": true })), /--min-auc true/);
        });
    });

    describe("loadtest: settings and table", () => {
        it("defaults to 1..32 at 3 s per level with the stack's SLO; options override", () => {
            const s = loadTestSettings(fakeCtx({}, { pipeline: { minAuc: 0.85, latencySloMs: 20 } }));
            assert.deepEqual([s.levels, s.levelSeconds, s.sloMs], [[1, 2, 4, 8, 16, 32], 3, 20]);
            const o = loadTestSettings(fakeCtx({ levels: "1,4", "level-seconds": "0.5", "slo-ms": "7" }));
            assert.deepEqual([o.levels, o.levelSeconds, o.sloMs, o.sloSource], [[1, 4], 0.5, 7, "--slo-ms"]);
        });
        it("refuses decreasing levels, unbounded durations and a zero SLO", () => {
            assert.throws(() => loadTestSettings(fakeCtx({ levels: "4,2" })), /must increase/);
            assert.throws(() => loadTestSettings(fakeCtx({ levels: "0" })), /between 1 and 256/);
            assert.throws(() => loadTestSettings(fakeCtx({ "level-seconds": "600" })), /expected a duration in \(0, 30\]/);
            assert.throws(() => loadTestSettings(fakeCtx({ "slo-ms": "0" })), /--slo-ms 0/);
        });
        it("prints one aligned row per level with the SLO verdict", () => {
            const step = (c: number, p99: number, ok: boolean) => ({
                concurrency: c,
                requests: 100 * c,
                ok: 100 * c,
                errors: 0,
                errorRate: 0,
                statusCounts: { 200: 100 * c },
                seconds: 1,
                throughput: 100 * c,
                p50Ms: 1,
                p90Ms: 2,
                p99Ms: p99,
                maxMs: p99 + 1,
                meetsSlo: ok,
            });
            const lines = formatLoadTestTable({
                url: "http://127.0.0.1:1",
                sloP99Ms: 20,
                steps: [step(1, 5, true), step(16, 25.5, false)],
                stoppedReason: "slo_exceeded",
            });
            assert.equal(lines.length, 3);
            assert.ok(
                lines.every((l) => l.length === lines[0].length),
                "aligned",
            );
            assert.match(lines[1], /^\s+1\s+100\s+100\s+1\.00\s+2\.00\s+5\.00\s+6\.00\s+0\.00%\s+ok$/);
            assert.match(lines[2], /^\s+16\s+1600\s+1600\s+1\.00\s+2\.00\s+25\.50\s+26\.50\s+0\.00%\s+OVER$/);
        });
    });

    describe("deploy: refuses to start without something to serve", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const outputs = (endpoint: unknown) => ({
            region: "us-east-1",
            accountId: "123456789012",
            modelPackageGroupName: "g-models",
            endpoint,
            buckets: { artifacts: { uri: "s3://art-bucket/" }, capture: { uri: "s3://cap-bucket/" }, curated: { uri: "s3://cur-bucket/" } },
        });
        const ctx = (endpoint: unknown) =>
            ({
                stack: "dev",
                workdir: dir,
                options: {},
                config: { endpoint: { variants: [{ name: "champion", weight: 1 }] }, pipeline: { minAuc: 0.85 } },
                outputs: () => outputs(endpoint),
                log: () => undefined,
            }) as unknown as StepContext;
        it("a stack without an endpoint", async () => {
            await assert.rejects(
                deployStep.run(ctx(null)),
                (e: Error) =>
                    e instanceof StepError &&
                    /stack 'dev' has no endpoint \(mlplatform:endpoint.enabled is false\): enable it in Pulumi.dev.yaml/.test(e.message),
            );
        });
        it("a registry whose only version waits for approval names the approve command", async () => {
            const reg = registryFor(dir, "us-east-1", "123456789012");
            reg.createGroup("g-models");
            reg.register("g-models", {
                image: "x",
                modelDataUrl: "s3://art-bucket/m/model.tar.gz",
                metrics: { "test:auc": 0.8 },
                hyperParameters: {},
                lineage: { dataHash: "d", featuresHash: "f", codeVersion: "c" },
            });
            const ep = {
                name: "g-endpoint",
                variantNames: ["champion"],
                shadowVariantName: null,
                captureUri: "s3://cap-bucket/datacapture/",
                samplingPercentage: 100,
            };
            await assert.rejects(
                deployStep.run(ctx(ep)),
                (e: Error) =>
                    e instanceof StepError &&
                    e.message ===
                        'no approved model package in g-models (1 version(s): pending 1): approve one with npm run registry -- approve --stack dev --version 1 --reason "..."',
            );
        });
    });
});
