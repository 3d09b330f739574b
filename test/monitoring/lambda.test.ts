import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { recordRequests } from "../helpers/aws-request-recorder";
import { captureS3Key, formatCaptureRecord, readCaptureRows, suggestBaseline, formatServiceJson, type BaselineResult } from "../../lib/monitoring";
import { analysisWindow, createHandler, parseEvent, type MonitorEvent } from "../../lib/monitoring/lambda/handler";
import { ENV, SERVERLESS_MONITOR_NAMESPACE } from "../../lib/monitoring/lambda/metrics";
import { normal, rng } from "./helpers";

const FIXTURE = path.join(__dirname, "..", "fixtures", "model-monitor", "09_captured_data_csv_from_notebook.jsonl");

const EVENT: MonitorEvent = {
    endpointName: "mlp-dev-endpoint",
    scheduleName: "mlp-dev-data-quality",
    captureBucket: "mlp-dev-capture-0a1b2c3d",
    capturePrefix: "datacapture",
    monitoringBucket: "mlp-dev-monitoring-0a1b2c3d",
    baselinePrefix: "baselines/data-quality",
    reportsPrefix: "reports/data-quality",
};
const RUN = new Date("2024-05-01T11:05:00Z");
const HOUR10 = new Date("2024-05-01T10:00:00Z");

const body = (text: string): any => Readable.from([Buffer.from(text, "utf8")]);

/** Synthetic tabular traffic: age ~ N(40+shift, 8), hours ~ N(40, 5), job in 3 categories; CSV without header. */
function rows(n: number, seed: number, ageShift = 0): string[] {
    const r = rng(seed);
    const jobs = ["clerk", "engineer", "nurse"];
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(`${Math.round(normal(r, 40 + ageShift, 8))},${normal(r, 40, 5).toFixed(2)},${jobs[Math.floor(r() * 3)]}`);
    return out;
}

function captureFile(csvRows: string[], start: Date, perRecord = 1): string {
    const lines: string[] = [];
    for (let i = 0; i < csvRows.length; i += perRecord) {
        lines.push(
            formatCaptureRecord({
                input: { data: csvRows.slice(i, i + perRecord).join("\n"), contentType: "text/csv" },
                output: { data: "0.5", contentType: "text/csv" },
                eventId: `ev-${start.getTime()}-${i}`,
                inferenceTime: new Date(start.getTime() + i * 1000),
            }),
        );
    }
    return lines.join("\n") + "\n";
}

async function baselineOf(csvRows: string[]): Promise<BaselineResult> {
    return suggestBaseline(csvRows.map((l) => l.split(",")));
}

interface Harness {
    s3: S3Client;
    mock: ReturnType<typeof mockClient>;
    out: string[];
    tmp: string;
}

function harness(): Harness {
    const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    const mock = recordRequests(mockClient(s3), "s3");
    mock.onAnyCommand().rejects(new Error("unexpected S3 call"));
    return { s3, mock, out: [], tmp: fs.mkdtempSync(path.join(os.tmpdir(), "lambda-test-")) };
}

function stubBaseline(h: Harness, b: BaselineResult, prefix = EVENT.baselinePrefix): void {
    h.mock
        .on(GetObjectCommand, { Bucket: EVENT.monitoringBucket, Key: `${prefix}/constraints.json` })
        .callsFake(async () => ({ Body: body(formatServiceJson(b.constraints)) }));
    h.mock
        .on(GetObjectCommand, { Bucket: EVENT.monitoringBucket, Key: `${prefix}/statistics.json` })
        .callsFake(async () => ({ Body: body(formatServiceJson(b.statistics)) }));
}

/** Capture objects: key -> content. Listing answers per (variant, hour) prefix, with the variant folders at the top. */
function stubCapture(h: Harness, objects: Record<string, string>, variants: string[], pageSize = 1000): void {
    const top = `${EVENT.capturePrefix}/${EVENT.endpointName}/`;
    h.mock.on(ListObjectsV2Command, { Bucket: EVENT.captureBucket }).callsFake(async (input: any) => {
        if (input.Delimiter !== undefined) {
            if (input.Prefix !== top || input.Delimiter !== "/") throw new Error(`unexpected delimiter listing ${input.Prefix}`);
            return { CommonPrefixes: variants.map((v) => ({ Prefix: `${top}${v}/` })), IsTruncated: false };
        }
        const keys = Object.keys(objects)
            .filter((k) => k.startsWith(input.Prefix))
            .sort();
        const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
        const page = keys.slice(start, start + pageSize);
        const more = start + pageSize < keys.length;
        return {
            Contents: page.map((k) => ({ Key: k, Size: Buffer.byteLength(objects[k]) })),
            IsTruncated: more,
            NextContinuationToken: more ? String(start + pageSize) : undefined,
        };
    });
    for (const [k, v] of Object.entries(objects))
        h.mock.on(GetObjectCommand, { Bucket: EVENT.captureBucket, Key: k }).callsFake(async () => ({ Body: body(v) }));
    h.mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
}

const key = (variant: string, t: Date, file: string) => captureS3Key({ prefix: EVENT.capturePrefix, endpoint: EVENT.endpointName, variant, time: t, file });

function run(h: Harness, event: Partial<MonitorEvent> = {}, env: Record<string, string> = {}) {
    const fn = createHandler({ s3: h.s3, write: (l) => h.out.push(l), now: () => RUN, tmpDir: h.tmp, env });
    return fn({ ...EVENT, ...event });
}

function puts(h: Harness): Record<string, any> {
    return Object.fromEntries(h.mock.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key as string, c.args[0].input]));
}

describe("serverless monitor Lambda handler", function () {
    this.timeout(30000);
    let h: Harness;
    beforeEach(() => (h = harness()));
    afterEach(() => {
        h.mock.restore();
        fs.rmSync(h.tmp, { recursive: true, force: true });
    });

    it("analyses the last full hour of every variant, uploads the report with SSE-KMS and writes the EMF lines", async () => {
        const train = rows(600, 1);
        const b = await baselineOf(train);
        const a1 = key("AllTraffic", HOUR10, "05-00-000-a.jsonl");
        const a2 = key("AllTraffic", HOUR10, "35-00-000-b.jsonl");
        const s1 = key("Shadow", HOUR10, "10-00-000-c.jsonl");
        const objects = {
            [a1]: captureFile(rows(150, 2, 30), new Date("2024-05-01T10:05:00Z")),
            [a2]: captureFile(rows(150, 3, 30), new Date("2024-05-01T10:35:00Z"), 5),
            [s1]: captureFile(rows(100, 4, 30), new Date("2024-05-01T10:10:00Z")),
            // the hour before and the running hour are not part of the window
            [key("AllTraffic", new Date("2024-05-01T09:00:00Z"), "59-00-000-old.jsonl")]: captureFile(rows(10, 5), new Date("2024-05-01T09:59:00Z")),
            [key("AllTraffic", new Date("2024-05-01T11:00:00Z"), "01-00-000-new.jsonl")]: captureFile(rows(10, 6), new Date("2024-05-01T11:01:00Z")),
        };
        stubBaseline(h, b);
        stubCapture(h, objects, ["AllTraffic", "Shadow"]);
        const res = await run(h, {}, { [ENV.reportsKmsKeyId]: "arn:aws:kms:us-east-1:123456789012:key/data" });

        assert.strictEqual(res.status, "ok");
        assert.strictEqual(res.rowsAnalyzed, 400);
        assert.strictEqual(res.captureObjects, 3);
        assert.deepStrictEqual(res.window, { start: "2024-05-01T10:00:00.000Z", end: "2024-05-01T11:00:00.000Z" });
        assert.deepStrictEqual(res.skipped, {});

        // exact listings: the endpoint's variant folders, then one hour partition per variant
        const lists = h.mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
        assert.deepStrictEqual(
            lists.map((l) => [l.Bucket, l.Prefix, l.Delimiter ?? null]),
            [
                [EVENT.captureBucket, "datacapture/mlp-dev-endpoint/", "/"],
                [EVENT.captureBucket, "datacapture/mlp-dev-endpoint/AllTraffic/2024/05/01/10/", null],
                [EVENT.captureBucket, "datacapture/mlp-dev-endpoint/Shadow/2024/05/01/10/", null],
            ],
        );
        const gets = h.mock.commandCalls(GetObjectCommand).map((c) => `${c.args[0].input.Bucket}/${c.args[0].input.Key}`);
        assert.deepStrictEqual(gets, [
            `${EVENT.monitoringBucket}/baselines/data-quality/constraints.json`,
            `${EVENT.monitoringBucket}/baselines/data-quality/statistics.json`,
            `${EVENT.captureBucket}/${a1}`,
            `${EVENT.captureBucket}/${a2}`,
            `${EVENT.captureBucket}/${s1}`,
        ]);

        // report files: every PUT to the reports prefix of the window's end hour, SSE-KMS with the bucket key
        const p = puts(h);
        const dir = "reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/2024/05/01/11";
        assert.deepStrictEqual(
            Object.keys(p).sort(),
            ["cloudwatch_metrics.jsonl", "constraint_violations.json", "drift_report.csv", "drift_report.json", "monitor_summary.json", "statistics.json"].map(
                (f) => `${dir}/${f}`,
            ),
        );
        for (const put of Object.values(p)) {
            assert.strictEqual(put.Bucket, EVENT.monitoringBucket);
            assert.strictEqual(put.ServerSideEncryption, "aws:kms");
            assert.strictEqual(put.SSEKMSKeyId, "arn:aws:kms:us-east-1:123456789012:key/data");
        }
        assert.strictEqual(res.reportS3Uri, `s3://${EVENT.monitoringBucket}/${dir}/`);
        assert.deepStrictEqual([...res.reportKeys].sort(), Object.keys(p).sort());
        const stats = JSON.parse(p[`${dir}/statistics.json`].Body);
        assert.strictEqual(stats.dataset.item_count, 400);
        assert.deepStrictEqual(
            stats.features.map((f: any) => f.name),
            ["_c0", "_c1", "_c2"],
        );
        const violations = JSON.parse(p[`${dir}/constraint_violations.json`].Body).violations;
        // the age column moved by 30 years: drift on _c0 only
        assert.deepStrictEqual(
            violations.map((v: any) => [v.feature_name, v.constraint_check_type]),
            [["_c0", "baseline_drift_check"]],
        );
        assert.strictEqual(res.violations, 1);
        assert.deepStrictEqual(res.violationsByCheck, { baseline_drift_check: 1 });
        assert.strictEqual(JSON.parse(p[`${dir}/monitor_summary.json`].Body).rowsAnalyzed, 400);
        assert.match(p[`${dir}/drift_report.csv`].Body, /^feature_name,inferred_type,/);

        // EMF: the service's data-quality metrics (drift alarms use these), then the monitor's run metrics
        const docs = h.out.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
        const dq = docs.find((d) => d._aws.CloudWatchMetrics[0].Namespace === "aws/sagemaker/Endpoints/data-metrics");
        assert.ok(dq, "data-metrics EMF line");
        assert.deepStrictEqual(dq._aws.CloudWatchMetrics[0].Dimensions, [["Endpoint", "MonitoringSchedule"]]);
        assert.strictEqual(dq.Endpoint, "mlp-dev-endpoint");
        assert.strictEqual(dq.MonitoringSchedule, "mlp-dev-data-quality");
        assert.strictEqual(dq._aws.Timestamp, Date.parse("2024-05-01T11:00:00Z"));
        assert.ok(dq.feature_baseline_drift__c0 > 0.5, `drift of _c0 ${dq.feature_baseline_drift__c0}`);
        assert.ok(dq.feature_baseline_drift__c1 < 0.2, `drift of _c1 ${dq.feature_baseline_drift__c1}`);
        assert.strictEqual(dq.feature_non_null__c0, 1);
        // the uploaded cloudwatch_metrics.jsonl holds exactly the data-quality lines written to stdout
        assert.deepStrictEqual(
            p[`${dir}/cloudwatch_metrics.jsonl`].Body.trim().split("\n"),
            h.out.filter((l) => l.includes("data-metrics")),
        );
        const mon = docs.find((d) => d._aws.CloudWatchMetrics[0].Namespace === SERVERLESS_MONITOR_NAMESPACE);
        assert.deepStrictEqual(
            [mon.MonitorRun, mon.NoCaptureData, mon.RowsAnalyzed, mon.ConstraintViolations, mon.SkippedRecords, mon.CaptureObjects, mon.status],
            [1, 0, 400, 1, 0, 3, "ok"],
        );
        // the work folder in /tmp is removed
        assert.deepStrictEqual(fs.readdirSync(h.tmp), []);
    });

    it("runs on the real capture fixture (text/csv from the SageMaker notebook) against its own baseline: no violations", async () => {
        const fixtureRows: string[][] = [];
        for await (const r of readCaptureRows(FIXTURE)) fixtureRows.push(r.values.map(String));
        assert.strictEqual(fixtureRows.length, 3);
        const b = await suggestBaseline(fixtureRows);
        const hour = new Date("2022-04-18T00:00:00Z");
        const k = key("AllTraffic", hour, "21-48-000-fixture.jsonl");
        stubBaseline(h, b, "baselines/churn");
        stubCapture(h, { [k]: fs.readFileSync(FIXTURE, "utf8") }, ["AllTraffic"]);
        const res = await run(h, { baselinePrefix: "/baselines/churn/", time: "2022-04-18T01:00:30Z" });
        assert.strictEqual(res.status, "ok");
        assert.strictEqual(res.rowsAnalyzed, 3);
        assert.strictEqual(res.violations, 0);
        const p = puts(h);
        const stats = JSON.parse(p["reports/data-quality/mlp-dev-endpoint/mlp-dev-data-quality/2022/04/18/01/statistics.json"].Body);
        assert.strictEqual(stats.features.length, fixtureRows[0].length);
        assert.strictEqual(stats.features[0].numerical_statistics.max, 132);
        // no SSEKMSKeyId without the environment variable: the bucket's default key applies, SSE header still explicit
        for (const put of Object.values(p)) {
            assert.strictEqual(put.ServerSideEncryption, "aws:kms");
            assert.ok(!("SSEKMSKeyId" in put));
        }
    });

    it('no capture in the window: a "no data" result and metric, no report, no error', async () => {
        stubBaseline(h, await baselineOf(rows(50, 1)));
        stubCapture(h, { [key("AllTraffic", new Date("2024-05-01T08:00:00Z"), "x.jsonl")]: captureFile(rows(5, 2), new Date("2024-05-01T08:00:00Z")) }, [
            "AllTraffic",
        ]);
        const res = await run(h);
        assert.strictEqual(res.status, "no_data");
        assert.strictEqual(res.rowsAnalyzed, 0);
        assert.strictEqual(res.captureObjects, 0);
        assert.match(
            res.message,
            /no data: no capture objects under s3:\/\/mlp-dev-capture-0a1b2c3d\/datacapture\/mlp-dev-endpoint\/<variant>\/ for \[2024-05-01T10:00:00.000Z, 2024-05-01T11:00:00.000Z\)/,
        );
        assert.strictEqual(h.mock.commandCalls(PutObjectCommand).length, 0);
        const docs = h.out.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
        assert.strictEqual(docs.length, 1, "only the monitor metrics, no data-quality metrics");
        assert.deepStrictEqual([docs[0].MonitorRun, docs[0].NoCaptureData, docs[0].RowsAnalyzed, docs[0].status], [1, 1, 0, "no_data"]);
    });

    it("endpoint without any capture folder: no data, with a hint about data capture", async () => {
        stubBaseline(h, await baselineOf(rows(50, 1)));
        stubCapture(h, {}, []);
        const res = await run(h);
        assert.strictEqual(res.status, "no_data");
        assert.match(res.message, /is data capture enabled on the endpoint\?/);
    });

    it("missing baseline: an error naming the S3 key and how to create it", async () => {
        h.mock
            .on(GetObjectCommand, { Key: "baselines/data-quality/constraints.json" })
            .rejects(new NoSuchKey({ message: "The specified key does not exist.", $metadata: { httpStatusCode: 404 } }));
        await assert.rejects(run(h), (e: Error) => {
            assert.match(e.message, /baseline s3:\/\/mlp-dev-monitoring-0a1b2c3d\/baselines\/data-quality\/constraints\.json does not exist/);
            assert.match(e.message, /npm run monitor -- baseline/);
            assert.match(e.message, /s3:\/\/mlp-dev-monitoring-0a1b2c3d\/baselines\/data-quality\//);
            return true;
        });
        assert.strictEqual(h.mock.commandCalls(ListObjectsV2Command).length, 0, "fails before touching the capture bucket");
    });

    it('other S3 errors on the baseline are reported with the key, not as "missing"', async () => {
        h.mock.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
        await assert.rejects(run(h), /reading baseline s3:\/\/mlp-dev-monitoring-0a1b2c3d\/baselines\/data-quality\/constraints\.json failed: Access Denied/);
    });

    it("hour window: a record of the partition stamped just before the hour is analysed (partitions decide, as the service)", async () => {
        stubBaseline(h, await baselineOf(rows(300, 1)));
        // written at 10:00:02 into the 10 partition, inference at 09:59:58..10:00:07
        stubCapture(h, { [key("AllTraffic", HOUR10, "00-02-000-a.jsonl")]: captureFile(rows(10, 2), new Date("2024-05-01T09:59:58Z")) }, ["AllTraffic"]);
        const res = await run(h);
        assert.strictEqual(res.rowsAnalyzed, 10);
        assert.deepStrictEqual(res.skipped, {});
    });

    it("lookback: lists every hour partition overlapping the window and drops rows outside it", async () => {
        stubBaseline(h, await baselineOf(rows(300, 1)));
        const k9 = key("AllTraffic", new Date("2024-05-01T09:00:00Z"), "00-00-000-a.jsonl");
        const k10 = key("AllTraffic", HOUR10, "00-00-000-b.jsonl");
        const k11 = key("AllTraffic", new Date("2024-05-01T11:00:00Z"), "00-00-000-c.jsonl");
        stubCapture(
            h,
            {
                // 09:00:00..09:00:59 — the window starts at 09:35, so these 60 rows are outside it
                [k9]: captureFile(rows(60, 2), new Date("2024-05-01T09:00:00Z")),
                [k10]: captureFile(rows(60, 3), HOUR10),
                [k11]: captureFile(rows(60, 4), new Date("2024-05-01T11:00:00Z")),
            },
            ["AllTraffic"],
        );
        const res = await run(h, { lookbackMinutes: 90 });
        assert.deepStrictEqual(res.window, { start: "2024-05-01T09:35:00.000Z", end: "2024-05-01T11:05:00.000Z" });
        assert.deepStrictEqual(
            h.mock
                .commandCalls(ListObjectsV2Command)
                .slice(1)
                .map((c) => c.args[0].input.Prefix),
            ["09", "10", "11"].map((hh) => `datacapture/mlp-dev-endpoint/AllTraffic/2024/05/01/${hh}/`),
        );
        assert.strictEqual(res.captureObjects, 3);
        assert.strictEqual(res.rowsAnalyzed, 120);
        assert.deepStrictEqual(res.skipped, { outside_window: 60 });
    });

    it("counts malformed capture lines by reason, follows list pagination and enforces the download budget", async () => {
        stubBaseline(h, await baselineOf(rows(300, 1)));
        const good = captureFile(rows(20, 2), HOUR10);
        const objects: Record<string, string> = {};
        for (let i = 0; i < 5; i++) objects[key("AllTraffic", HOUR10, `0${i}-00-000-x.jsonl`)] = i === 0 ? good + '{"not json\n\n{"other":1}\n' : good;
        stubCapture(h, objects, ["AllTraffic"], 2);
        const res = await run(h, {}, { [ENV.maxCaptureObjects]: "4" });
        assert.strictEqual(h.mock.commandCalls(ListObjectsV2Command).length, 1 + 3, "three pages of two keys");
        assert.strictEqual(res.captureObjects, 4);
        assert.strictEqual(res.rowsAnalyzed, 80);
        assert.deepStrictEqual(res.skipped, { over_download_budget: 1, malformed_json: 1, blank_line: 1, not_a_capture_record: 1 });
        const mon = h.out.map((l) => (l.includes(SERVERLESS_MONITOR_NAMESPACE) ? JSON.parse(l) : undefined)).find(Boolean);
        assert.strictEqual(mon.SkippedRecords, 4);
    });

    it("byte budget: objects that would exceed it are skipped, not downloaded", async () => {
        stubBaseline(h, await baselineOf(rows(300, 1)));
        const f = captureFile(rows(20, 2), HOUR10);
        stubCapture(h, { [key("AllTraffic", HOUR10, "a.jsonl")]: f, [key("AllTraffic", HOUR10, "b.jsonl")]: f }, ["AllTraffic"]);
        const res = await run(h, {}, { [ENV.maxCaptureBytes]: String(Buffer.byteLength(f) + 10) });
        assert.strictEqual(res.captureObjects, 1);
        assert.strictEqual(res.captureBytes, Buffer.byteLength(f));
        assert.deepStrictEqual(res.skipped, { over_download_budget: 1 });
        assert.strictEqual(h.mock.commandCalls(GetObjectCommand).filter((c) => c.args[0].input.Bucket === EVENT.captureBucket).length, 1);
    });

    it("rejects a bad event or environment naming each field", async () => {
        assert.throws(
            () => parseEvent({ ...EVENT, endpointName: "", lookbackMinutes: 0, time: "yesterday" }),
            (e: Error) => {
                assert.match(e.message, /"endpointName" must be a non-empty string/);
                assert.match(e.message, /"lookbackMinutes" must be an integer 1\.\.10080 \(got 0\)/);
                assert.match(e.message, /"time" must be an ISO 8601 timestamp/);
                return true;
            },
        );
        assert.throws(() => parseEvent({ ...EVENT, scheduleName: "a/b" }), /"scheduleName" "a\/b" must not contain "\/"/);
        assert.throws(() => parseEvent("x"), /must be a JSON object/);
        await assert.rejects(run(h, {}, { [ENV.maxCaptureBytes]: "lots" }), /MONITOR_MAX_CAPTURE_BYTES="lots" must be a positive integer/);
    });

    it("window: last full hour by default", () => {
        const w = analysisWindow(new Date("2024-05-01T00:00:00Z"));
        assert.deepStrictEqual(
            [w.start.toISOString(), w.end.toISOString(), w.hours.map((d) => d.toISOString())],
            ["2024-04-30T23:00:00.000Z", "2024-05-01T00:00:00.000Z", ["2024-04-30T23:00:00.000Z"]],
        );
    });
});
