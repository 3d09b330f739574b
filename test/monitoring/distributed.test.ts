/**
 * The distributed monitor's Lambda handlers (lib/monitoring/distributed), run in-process against an in-memory S3
 * (aws-sdk-client-mock; every request is also validated against the vendored S3 model): plan → every batch of the
 * manifest through the worker → reduce, as the state machine runs them. The merged report must equal a single pass
 * over the same capture for every exact statistic (and the whole statistics.json where no KLL compaction happens),
 * poisoned objects are counted and listed without failing the batch, and a batch that never wrote its partial is
 * reported as failed.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { recordRequests } from "../helpers/aws-request-recorder";
import { captureS3Key, DatasetProfiler, formatCaptureRecord, formatServiceJson, readCaptureRows, suggestBaseline, analyze } from "../../lib/monitoring";
import { createHandler } from "../../lib/monitoring/lambda/handler";
import { SERVERLESS_MONITOR_NAMESPACE, ENV } from "../../lib/monitoring/lambda/metrics";
import { createReduceHandler, createWorkerHandler } from "../../lib/monitoring/distributed/handler";
import { planBatches } from "../../lib/monitoring/distributed/worker";
import { DISTRIBUTED_ENV, type Batch, type BatchPartialFile, type PlanResult } from "../../lib/monitoring/distributed/types";
import { normal, rng } from "./helpers";

const FIXTURE = path.join(__dirname, "..", "fixtures", "model-monitor", "09_captured_data_csv_from_notebook.jsonl");
const EVENT = {
    endpointName: "mlp-dev-endpoint",
    scheduleName: "mlp-dev-data-quality",
    captureBucket: "mlp-dev-capture-0a1b2c3d",
    capturePrefix: "datacapture",
    monitoringBucket: "mlp-dev-monitoring-0a1b2c3d",
    baselinePrefix: "baselines/mlp-dev-endpoint",
    reportsPrefix: "reports/data-quality",
    time: "2024-05-01T11:00:07Z",
};
const HOUR10 = new Date("2024-05-01T10:00:00Z");
const KMS = "arn:aws:kms:us-east-1:123456789012:key/logs";

/** An in-memory S3 behind a mocked client: ListObjectsV2 (prefix, delimiter, pages of 3), GetObject (Range), PutObject. */
class FakeS3 {
    readonly objects = new Map<string, string | Buffer>();
    readonly failing = new Set<string>();
    readonly s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    readonly mock = recordRequests(mockClient(this.s3), "s3");
    constructor() {
        this.mock.onAnyCommand().rejects(new Error("unexpected S3 call"));
        this.mock.on(ListObjectsV2Command).callsFake(async (i: any) => {
            const all = [...this.objects.keys()]
                .filter((k) => k.startsWith(`${i.Bucket}/${i.Prefix}`))
                .map((k) => k.slice(i.Bucket.length + 1))
                .sort();
            if (i.Delimiter) {
                const prefixes = [
                    ...new Set(
                        all
                            .map((k) => k.slice(i.Prefix.length))
                            .filter((r) => r.includes(i.Delimiter))
                            .map((r) => i.Prefix + r.slice(0, r.indexOf(i.Delimiter) + 1)),
                    ),
                ];
                return { CommonPrefixes: prefixes.map((p) => ({ Prefix: p })), IsTruncated: false };
            }
            const start = i.ContinuationToken ? Number(i.ContinuationToken) : 0;
            const page = all.slice(start, start + 3);
            const more = start + 3 < all.length;
            return {
                Contents: page.map((k) => ({ Key: k, Size: Buffer.byteLength(this.objects.get(`${i.Bucket}/${k}`)!) })),
                IsTruncated: more,
                NextContinuationToken: more ? String(start + 3) : undefined,
            };
        });
        this.mock.on(GetObjectCommand).callsFake(async (i: any) => {
            const id = `${i.Bucket}/${i.Key}`;
            if (this.failing.has(id)) throw Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
            const v = this.objects.get(id);
            if (v === undefined) throw Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
            let b = Buffer.from(v);
            const m = /^bytes=(\d+)-(\d+)$/.exec(i.Range ?? "");
            if (m) b = b.subarray(Number(m[1]), Number(m[2]) + 1);
            return { Body: Readable.from([b]) };
        });
        this.mock.on(DeleteObjectCommand).callsFake(async (i: any) => {
            this.objects.delete(`${i.Bucket}/${i.Key}`);
            return {};
        });
        this.mock.on(PutObjectCommand).callsFake(async (i: any) => {
            this.objects.set(`${i.Bucket}/${i.Key}`, String(i.Body));
            return { ETag: '"e"' };
        });
    }
    put(bucket: string, key: string, body: string | Buffer): void {
        this.objects.set(`${bucket}/${key}`, body);
    }
    json(bucket: string, key: string): any {
        return JSON.parse(String(this.objects.get(`${bucket}/${key}`)));
    }
    puts(): any[] {
        return this.mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    }
}

/** Tabular traffic: age ~ N(40+shift, 8), hours ~ N(40, 5) with 1% blanks, job in 3 categories. */
function rows(n: number, seed: number, shift = 0): string[] {
    const r = rng(seed);
    const jobs = ["clerk", "engineer", "nurse"];
    return Array.from(
        { length: n },
        () => `${Math.round(normal(r, 40 + shift, 8))},${r() < 0.01 ? "" : normal(r, 40, 5).toFixed(2)},${jobs[Math.floor(r() * 3)]}`,
    );
}

function captureFile(csv: string[], start: Date, perRecord = 1): string {
    const lines: string[] = [];
    for (let i = 0; i < csv.length; i += perRecord) {
        lines.push(
            formatCaptureRecord({
                input: { data: csv.slice(i, i + perRecord).join("\n"), contentType: "text/csv" },
                output: { data: "0.5", contentType: "text/csv" },
                eventId: `e${start.getTime()}-${i}`,
                inferenceTime: new Date(start.getTime() + i * 100),
            }),
        );
    }
    return lines.join("\n") + "\n";
}

const key = (variant: string, t: Date, file: string) => captureS3Key({ prefix: EVENT.capturePrefix, endpoint: EVENT.endpointName, variant, time: t, file });

/** Runs the state machine's three steps in-process; returns the reduce summary, the plan and the output lines. */
async function runDistributed(f: FakeS3, tmp: string, env: Record<string, string> = {}, lose: string[] = []) {
    const out: string[] = [];
    const deps = { s3: f.s3, tmpDir: tmp, env: { [ENV.reportsKmsKeyId]: KMS, ...env }, write: (l: string) => out.push(l) };
    const worker = createWorkerHandler(deps);
    const plan = (await worker({ action: "plan", event: EVENT, executionName: "run-1" })) as PlanResult;
    const batches = f.json(plan.manifest.bucket, plan.manifest.key) as Batch[];
    for (const batch of batches) {
        if (lose.includes(batch.batchId)) continue; // a child execution that failed after its retries
        await worker({ action: "profile", run: plan.run, batch });
    }
    const summary = await createReduceHandler(deps)({ plan });
    return { plan, batches, summary, out };
}

/** One pass over the same objects (local copies in key order), as `monitor analyze` does without workers. */
async function singlePass(f: FakeS3, keys: string[], b: { constraints: any; statistics: any }, tmp: string) {
    const files = keys.map((k, i) => {
        const file = path.join(tmp, `single-${i}.jsonl`);
        fs.writeFileSync(file, f.objects.get(`${EVENT.captureBucket}/${k}`)!);
        return file;
    });
    const profiler = new DatasetProfiler({ columnNames: b.constraints.features.map((x: any) => x.name) });
    for await (const r of readCaptureRows(files)) profiler.addRow(r.values, r.names);
    return analyze({ baselineStatistics: b.statistics, baselineConstraints: b.constraints, current: profiler });
}

/**
 * statistics.json without the sketch-derived parts (KLL distribution, approximate distinct count) and with std_dev
 * to 12 significant digits (the merged second moment is numerically stable, not bit-identical to one pass).
 */
function exactPart(stats: any): any {
    const s = JSON.parse(JSON.stringify(stats));
    for (const f of s.features) {
        if (f.numerical_statistics) delete f.numerical_statistics.distribution;
        if (f.numerical_statistics?.std_dev !== undefined) f.numerical_statistics.std_dev = Number(f.numerical_statistics.std_dev.toPrecision(12));
        if (f.string_statistics) delete f.string_statistics.distinct_count;
    }
    return s;
}

describe("distributed monitor Lambda handlers (plan, worker, reduce)", function () {
    this.timeout(60000);
    let f: FakeS3;
    let tmp: string;
    let baseline: { constraints: any; statistics: any };
    before(async () => {
        baseline = await suggestBaseline(rows(3000, 1).map((l) => l.split(",")));
    });
    beforeEach(() => {
        f = new FakeS3();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "distributed-test-"));
        f.put(EVENT.monitoringBucket, `${EVENT.baselinePrefix}/constraints.json`, formatServiceJson(baseline.constraints));
        f.put(EVENT.monitoringBucket, `${EVENT.baselinePrefix}/statistics.json`, formatServiceJson(baseline.statistics));
    });
    afterEach(() => {
        f.mock.restore();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("plan → workers → reduce equals one pass over the hour: exact statistics exactly, the report where the single Lambda writes it", async () => {
        const keys: string[] = [];
        for (let i = 0; i < 12; i++) {
            const variant = i % 3 === 0 ? "Shadow" : "AllTraffic";
            const k = key(variant, HOUR10, `${String(i * 4).padStart(2, "0")}-00-000-${i}.jsonl`);
            // 12 objects x 2,500 rows: each KLL sketch compacts, so quantiles differ only within the sketch's error
            f.put(EVENT.captureBucket, k, captureFile(rows(2500, 10 + i, i === 5 ? 25 : 0), new Date(HOUR10.getTime() + i * 240_000), i % 2 ? 5 : 1));
            keys.push(k);
        }
        // the hours around the window are not part of it
        f.put(
            EVENT.captureBucket,
            key("AllTraffic", new Date("2024-05-01T09:00:00Z"), "old.jsonl"),
            captureFile(rows(50, 90), new Date("2024-05-01T09:59:00Z")),
        );
        f.put(
            EVENT.captureBucket,
            key("AllTraffic", new Date("2024-05-01T11:00:00Z"), "new.jsonl"),
            captureFile(rows(50, 91), new Date("2024-05-01T11:00:01Z")),
        );
        const oneBatch = Buffer.byteLength(String(f.objects.get(`${EVENT.captureBucket}/${keys[0]}`)));
        const { plan, batches, summary, out } = await runDistributed(f, tmp, { [DISTRIBUTED_ENV.maxBatchBytes]: String(oneBatch * 3) });

        // the plan: every variant's objects of the hour, in key order, in contiguous byte-bounded batches
        assert.strictEqual(plan.objects, 12);
        assert.strictEqual(plan.variants, 2);
        assert.ok(batches.length >= 3 && batches.length <= 6, `${batches.length} batches`);
        assert.strictEqual(plan.plannedBatches, batches.length);
        const sorted = [...keys].sort();
        assert.deepStrictEqual(
            batches.flatMap((b) => b.objects.map((o) => o.key)),
            [...sorted.filter((k) => k.includes("/AllTraffic/")), ...sorted.filter((k) => k.includes("/Shadow/"))],
        );
        for (const b of batches) assert.ok(b.objects.length === 1 || b.bytes <= oneBatch * 3 + 100, `batch ${b.batchId} ${b.bytes} bytes`);
        assert.strictEqual(plan.run.expectedColumns, 3);
        assert.deepStrictEqual(plan.run.columnNames, ["_c0", "_c1", "_c2"]);
        assert.strictEqual(plan.manifest.key, "partials/mlp-dev-endpoint/mlp-dev-data-quality/2024/05/01/11/run-1/manifest.json");

        // the merged report
        assert.strictEqual(summary.status, "ok");
        assert.strictEqual(summary.rowsAnalyzed, 30000);
        assert.strictEqual(summary.captureObjects, 12);
        assert.deepStrictEqual(summary.batches, { planned: batches.length, profiled: batches.length, failed: 0 });
        assert.strictEqual(summary.poisonedObjects, 0);
        const dir = "reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/2024/05/01/11";
        const stats = f.json(EVENT.monitoringBucket, `${dir}/statistics.json`);
        const single = await singlePass(
            f,
            [...sorted.filter((k) => k.includes("/AllTraffic/")), ...sorted.filter((k) => k.includes("/Shadow/"))],
            baseline,
            tmp,
        );
        assert.deepStrictEqual(
            exactPart(stats),
            exactPart(single.statistics),
            "counts, completeness, min/max, sums, means, categorical counts (std_dev to 12 digits)",
        );
        // KLL: every decile within the sketch's rank error of the single pass (a few percent of the range here)
        for (const [i, feat] of stats.features.entries()) {
            const a = feat.numerical_statistics?.distribution?.kll?.buckets;
            const b = single.statistics.features[i].numerical_statistics?.distribution?.kll?.buckets ?? [];
            if (!a) continue;
            assert.strictEqual(a.length, b.length);
            const range = feat.numerical_statistics.max - feat.numerical_statistics.min;
            for (let j = 0; j < a.length; j++)
                assert.ok(Math.abs(a[j].count - b[j].count) <= 0.02 * 30000, `${feat.name} bucket ${j}: ${a[j].count} vs ${b[j].count} (range ${range})`);
        }
        const violations = f.json(EVENT.monitoringBucket, `${dir}/constraint_violations.json`).violations;
        assert.deepStrictEqual(
            violations.map((v: any) => v.constraint_check_type).sort(),
            single.violations.violations.map((v: any) => v.constraint_check_type).sort(),
        );
        // every upload SSE-KMS with the monitoring key; partials only under the run's prefix
        for (const p of f.puts()) {
            assert.strictEqual(p.ServerSideEncryption, "aws:kms");
            assert.strictEqual(p.SSEKMSKeyId, KMS);
            assert.ok(p.Key.startsWith("partials/mlp-dev-endpoint/mlp-dev-data-quality/2024/05/01/11/run-1/") || p.Key.startsWith(`${dir}/`), p.Key);
        }
        // the same metrics as the single Lambda, plus the distributed counts
        const mon = out.filter((l) => l.includes(SERVERLESS_MONITOR_NAMESPACE)).map((l) => JSON.parse(l))[0];
        assert.deepStrictEqual(
            [mon.MonitorRun, mon.NoCaptureData, mon.RowsAnalyzed, mon.CaptureObjects, mon.PoisonedObjects, mon.FailedBatches],
            [1, 0, 30000, 12, 0, 0],
        );
        assert.ok(
            out.some((l) => l.includes("aws/sagemaker/Endpoints/data-metrics")),
            "data-quality EMF for the drift alarms",
        );
        assert.deepStrictEqual(
            fs.readdirSync(tmp).filter((x) => !x.startsWith("single-")),
            [],
            "work folders removed",
        );
        // the run's manifest and partials are deleted once the report is written; nothing else is
        const deleted = f.mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key as string);
        assert.strictEqual(deleted.length, batches.length + 1);
        assert.ok(
            deleted.every((k) => k.startsWith("partials/mlp-dev-endpoint/mlp-dev-data-quality/2024/05/01/11/run-1/")),
            deleted.join(", "),
        );
        assert.deepStrictEqual(
            [...f.objects.keys()].filter((k) => k.includes("/partials/") || k.includes("partials/")),
            [],
        );
    });

    it("the single Lambda (now profile → partial → merge) writes the same statistics.json as the distributed run", async () => {
        const text = fs.readFileSync(FIXTURE, "utf8");
        const fixtureRows: string[][] = [];
        for await (const r of readCaptureRows(FIXTURE)) fixtureRows.push(r.values.map(String));
        const b = await suggestBaseline(fixtureRows);
        f.put(EVENT.monitoringBucket, `${EVENT.baselinePrefix}/constraints.json`, formatServiceJson(b.constraints));
        f.put(EVENT.monitoringBucket, `${EVENT.baselinePrefix}/statistics.json`, formatServiceJson(b.statistics));
        // the real notebook capture (text/csv), in 5 objects over 2 variants
        for (let i = 0; i < 5; i++) f.put(EVENT.captureBucket, key(i < 3 ? "AllTraffic" : "Challenger", HOUR10, `0${i}-00-000-fixture.jsonl`), text);
        const { summary } = await runDistributed(f, tmp, { [DISTRIBUTED_ENV.maxBatchObjects]: "2" });
        assert.deepStrictEqual(summary.batches, { planned: 3, profiled: 3, failed: 0 });
        assert.strictEqual(summary.rowsAnalyzed, 15);
        assert.strictEqual(summary.violations, 0);
        const dir = "reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/2024/05/01/11";
        const distributed = String(f.objects.get(`${EVENT.monitoringBucket}/${dir}/statistics.json`));
        const single = await createHandler({ s3: f.s3, tmpDir: tmp, env: {}, write: () => undefined })(EVENT);
        assert.strictEqual(single.rowsAnalyzed, 15);
        // under 2,048 values per column no sketch compacts: the whole file is identical
        assert.strictEqual(String(f.objects.get(`${EVENT.monitoringBucket}/${dir}/statistics.json`)), distributed);
    });

    it("a poisoned object (not capture, or unreadable) is counted and listed; the batch and the hour still succeed", async () => {
        const good = key("AllTraffic", HOUR10, "01-00-000-good.jsonl");
        const garbage = key("AllTraffic", HOUR10, "02-00-000-garbage.jsonl");
        const denied = key("AllTraffic", HOUR10, "03-00-000-denied.jsonl");
        f.put(EVENT.captureBucket, good, captureFile(rows(200, 5), HOUR10));
        f.put(EVENT.captureBucket, garbage, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x0a, 0x00, 0x41, 0x0a]));
        f.put(EVENT.captureBucket, denied, captureFile(rows(10, 6), HOUR10));
        f.failing.add(`${EVENT.captureBucket}/${denied}`);
        const { summary, batches, plan } = await runDistributed(f, tmp, { [DISTRIBUTED_ENV.keepPartials]: "true" });
        assert.strictEqual(batches.length, 1);
        assert.strictEqual(f.mock.commandCalls(DeleteObjectCommand).length, 0, "MONITOR_KEEP_PARTIALS=true keeps them");
        const partial = f.json(EVENT.monitoringBucket, `${plan.run.runPrefix}/batches/b000001.json`) as BatchPartialFile;
        assert.strictEqual(partial.poisonedCount, 2);
        assert.deepStrictEqual(
            partial.poisoned.map((p) => [p.key, p.reason]),
            [
                [garbage, "unparseable"],
                [denied, "download_failed"],
            ],
        );
        assert.match(partial.poisoned[1].detail, /GetObject s3:\/\/mlp-dev-capture-0a1b2c3d\/.*denied\.jsonl failed: Access Denied/);
        assert.strictEqual(summary.status, "ok");
        assert.strictEqual(summary.rowsAnalyzed, 200);
        assert.strictEqual(summary.captureObjects, 2, "the garbage object was read, the denied one not");
        assert.strictEqual(summary.poisonedObjects, 2);
        assert.strictEqual(summary.skipped.poisoned_object, 2);
        assert.ok(summary.skipped.malformed_json >= 1, JSON.stringify(summary.skipped));
        const report = f.json(EVENT.monitoringBucket, "reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/2024/05/01/11/monitor_summary.json");
        assert.deepStrictEqual(
            report.poisoned.map((p: any) => p.key),
            [garbage, denied],
        );
    });

    it("a batch whose worker failed is reported as failed (summary, FailedBatches metric, WARN), the others are merged", async () => {
        for (let i = 0; i < 4; i++) f.put(EVENT.captureBucket, key("AllTraffic", HOUR10, `${i}0-00-000-x.jsonl`), captureFile(rows(100, 20 + i), HOUR10));
        const { summary, out } = await runDistributed(f, tmp, { [DISTRIBUTED_ENV.maxBatchObjects]: "1" }, ["b000002"]);
        assert.deepStrictEqual(summary.batches, { planned: 4, profiled: 3, failed: 1 });
        assert.strictEqual(summary.rowsAnalyzed, 300);
        assert.match(summary.message, /1 of 4 batches failed and are not in the report/);
        const mon = out.filter((l) => l.includes(SERVERLESS_MONITOR_NAMESPACE)).map((l) => JSON.parse(l))[0];
        assert.strictEqual(mon.FailedBatches, 1);
        assert.strictEqual(JSON.parse(out[out.length - 1]).level, "WARN");
    });

    it('an hour without capture: an empty manifest, no batches, a "no data" run from the reducer', async () => {
        const { plan, batches, summary, out } = await runDistributed(f, tmp);
        assert.deepStrictEqual([plan.plannedBatches, batches.length, plan.variants], [0, [].length, 0]);
        assert.strictEqual(summary.status, "no_data");
        assert.match(summary.message, /is data capture enabled on the endpoint\?/);
        const mon = out.filter((l) => l.includes(SERVERLESS_MONITOR_NAMESPACE)).map((l) => JSON.parse(l))[0];
        assert.deepStrictEqual([mon.MonitorRun, mon.NoCaptureData], [1, 1]);
    });

    it("rejects bad events naming the field and the fix", async () => {
        const worker = createWorkerHandler({ s3: f.s3, tmpDir: tmp, env: {} });
        await assert.rejects(worker({ action: "shard" }), /"action" must be "plan" or "profile" \(got "shard"\)/);
        await assert.rejects(worker({ action: "plan", event: EVENT, executionName: "a/b" }), /"executionName" "a\/b" must be 1-80 letters/);
        await assert.rejects(
            worker({ action: "plan", event: { ...EVENT, endpointName: "" }, executionName: "r" }),
            /distributed monitor \(plan\): invalid event: "endpointName" must be a non-empty string/,
        );
        await assert.rejects(
            worker({ action: "profile", run: {}, batch: { batchId: "x" } }),
            /"run.captureBucket" must be a non-empty string.*"batch.batchId" must look like b000001/,
        );
        await assert.rejects(createReduceHandler({ s3: f.s3 })({}), /"plan" must be the plan step's result/);
        f.objects.delete(`${EVENT.monitoringBucket}/${EVENT.baselinePrefix}/constraints.json`);
        await assert.rejects(
            worker({ action: "plan", event: EVENT, executionName: "r" }),
            /baseline s3:\/\/mlp-dev-monitoring-0a1b2c3d\/baselines\/mlp-dev-endpoint\/constraints\.json does not exist/,
        );
    });

    it("planBatches: contiguous, bounded by bytes and objects, an oversized object alone", () => {
        const o = (k: string, size: number) => ({ key: k, size });
        const b = planBatches([o("a", 40), o("b", 40), o("c", 40), o("d", 500), o("e", 10), o("f", 10), o("g", 10)], 100, 2);
        assert.deepStrictEqual(
            b.map((x) => [x.batchId, x.objects.map((y) => y.key).join(""), x.bytes]),
            [
                ["b000001", "ab", 80],
                ["b000002", "c", 40],
                ["b000003", "d", 500],
                ["b000004", "ef", 20],
                ["b000005", "g", 10],
            ],
        );
        assert.deepStrictEqual(planBatches([], 100, 2), []);
    });
});
