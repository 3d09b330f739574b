import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CaptureReadStats,
    captureKeyHour,
    captureS3Key,
    decodePayload,
    formatCaptureRecord,
    parseCsvPayload,
    parseGroundTruthLine,
    readCaptureRecords,
    readCaptureRows,
    CapturedRow,
} from "../../lib/monitoring/capture";
import { DATA_METRICS_NAMESPACE, MODEL_METRICS_NAMESPACE, buildEmfLines, dataQualityEmfLines, modelQualityEmfLines } from "../../lib/monitoring/emf";

const FIX = path.join(__dirname, "..", "fixtures", "model-monitor");

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
}

describe("monitoring/capture", () => {
    it("reads the service JSON-encoded capture fixture (TF-serving instances → one row per instance)", async () => {
        const stats = new CaptureReadStats();
        const recs = await collect(readCaptureRecords(path.join(FIX, "06_captured_data_json.jsonl"), { stats }));
        assert.equal(recs.length, 2);
        assert.equal(recs[0].record.eventMetadata.eventId, "12b73486-e916-45de-9d82-7fa23d4a39a6");
        assert.equal(recs[0].record.captureData.endpointInput!.encoding, "JSON");
        const rows = await collect(readCaptureRows(path.join(FIX, "06_captured_data_json.jsonl"), { stats: new CaptureReadStats() }));
        assert.deepEqual(
            rows.map((r) => r.values),
            [[1], [2], [5], [1], [2], [5]],
        );
        const out = await collect(readCaptureRows(path.join(FIX, "06_captured_data_json.jsonl"), { mode: "OUTPUT" }));
        assert.deepEqual(
            out.slice(0, 3).map((r) => r.values[0]),
            [3.5, 4.0, 5.5],
        );
        assert.equal(stats.problemCount, 0);
    });

    it("reads the service CSV-encoded capture fixture: 69 input columns, 1 output column", async () => {
        const stats = new CaptureReadStats();
        const rows = await collect(readCaptureRows(path.join(FIX, "09_captured_data_csv_from_notebook.jsonl"), { stats }));
        assert.equal(rows.length, 3);
        for (const r of rows) assert.equal(r.values.length, 69);
        assert.deepEqual(rows[0].values.slice(0, 3), ["132", "10", "182.9"]);
        assert.equal(rows[2].inferenceTime, "2022-04-18T00:21:50Z");
        assert.equal(stats.problemCount, 0);
        assert.equal(stats.records, 3);
        const out = await collect(readCaptureRows(path.join(FIX, "09_captured_data_csv_from_notebook.jsonl"), { mode: "OUTPUT" }));
        assert.deepEqual(
            out.map((r) => r.values),
            [["0.036397725343704224"], ["0.3791300654411316"], ["0.017852725461125374"]],
        );
    });

    it("parses the ground-truth fixture and counts a malformed ground-truth line", () => {
        const text = fs.readFileSync(path.join(FIX, "11_ground_truth.jsonl"), "utf8").trim();
        const g = parseGroundTruthLine(text)!;
        assert.equal(g.groundTruthData.data, "0");
        assert.equal(g.eventMetadata.eventId, "01d3c1a8-aa99-4149-9d5e-78bea047a788");
        const stats = new CaptureReadStats();
        assert.equal(parseGroundTruthLine('{"eventMetadata":{}}', stats), undefined);
        assert.equal(stats.problems.not_a_capture_record, 1);
    });

    it("formatCaptureRecord writes the exact service line (round-trips the fixture byte for byte)", () => {
        const line = fs.readFileSync(path.join(FIX, "09_captured_data_csv_from_notebook.jsonl"), "utf8").split("\n")[0];
        const rec = JSON.parse(line);
        const ours = formatCaptureRecord({
            input: { data: rec.captureData.endpointInput.data, contentType: "text/csv" },
            output: { data: rec.captureData.endpointOutput.data, contentType: "text/csv; charset=utf-8" },
            eventId: rec.eventMetadata.eventId,
            inferenceTime: new Date("2022-04-18T00:21:48.123Z"),
        });
        assert.equal(ours, line);
        const b = JSON.parse(formatCaptureRecord({ input: { data: Buffer.from([0, 1, 2]), contentType: "application/x-npy" }, inferenceId: "abc" }));
        assert.equal(b.captureData.endpointInput.encoding, "BASE64");
        assert.equal(b.captureData.endpointInput.data, "AAEC");
        assert.equal(b.eventMetadata.inferenceId, "abc");
        assert.equal(b.captureData.endpointOutput, undefined);
        assert.throws(() => formatCaptureRecord({}), /neither input nor output/);
    });

    it("builds and parses the S3 key layout <prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>", () => {
        const t = new Date("2026-03-04T05:06:07.089Z");
        assert.equal(
            captureS3Key({ prefix: "/cap/", endpoint: "ep", variant: "AllTraffic", time: t, file: "x.jsonl" }),
            "cap/ep/AllTraffic/2026/03/04/05/x.jsonl",
        );
        const k = captureS3Key({ prefix: "", endpoint: "ep", variant: "v", time: t });
        assert.match(k, /^ep\/v\/2026\/03\/04\/05\/06-07-089-[0-9a-f-]{36}\.jsonl$/);
        assert.equal(captureKeyHour(k)!.toISOString(), "2026-03-04T05:00:00.000Z");
        assert.throws(() => captureS3Key({ prefix: "p", endpoint: "a/b", variant: "v", time: t }), /endpoint "a\/b"/);
    });

    it("decodes multi-row CSV with quotes, BASE64 CSV/JSON, jsonlines and object rows", () => {
        assert.deepEqual(parseCsvPayload('1,"a,b",3\r\n4,"x""y",\n\n7,"multi\nline",9'), [
            ["1", "a,b", "3"],
            ["4", 'x"y', ""],
            ["7", "multi\nline", "9"],
        ]);
        const b64 = Buffer.from("1,2\n3,4").toString("base64");
        assert.deepEqual(
            decodePayload({ observedContentType: "text/csv", mode: "INPUT", data: b64, encoding: "BASE64" }).map((r) => r.values),
            [
                ["1", "2"],
                ["3", "4"],
            ],
        );
        const j = decodePayload({
            observedContentType: "application/jsonlines",
            mode: "INPUT",
            data: '{"a":1,"b":{"c":"x"}}\n{"a":2,"b":{"c":null}}',
            encoding: "JSON",
        });
        assert.deepEqual(j, [
            { values: [1, "x"], names: ["a", "b.c"] },
            { values: [2, null], names: ["a", "b.c"] },
        ]);
        assert.deepEqual(
            decodePayload({
                observedContentType: "application/json",
                mode: "INPUT",
                data: '{"instances":[{"features":[1,2]},{"features":[3,4]}]}',
                encoding: "JSON",
            }).map((r) => r.values),
            [
                [1, 2],
                [3, 4],
            ],
        );
        assert.deepEqual(
            decodePayload({ observedContentType: "application/json", mode: "INPUT", data: "[1,2,3]", encoding: "JSON" }).map((r) => r.values),
            [[1, 2, 3]],
        );
    });

    it("counts every kind of bad input by reason and never throws", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cap-"));
        const hour = path.join(dir, "ep", "v", "2026", "01", "02", "03");
        fs.mkdirSync(hour, { recursive: true });
        const good = (data: string, encoding = "CSV", ct = "text/csv") =>
            JSON.stringify({
                captureData: { endpointInput: { observedContentType: ct, mode: "INPUT", data, encoding } },
                eventMetadata: { eventId: "e", inferenceTime: "2026-01-02T03:04:05Z" },
                eventVersion: "0",
            });
        const lines = [
            good("1,2,3\n4,5,6"), // 2 rows
            "", // blank_line
            '{"captureData": {', // malformed_json
            '{"foo": 1}', // not_a_capture_record
            JSON.stringify({
                captureData: { endpointOutput: { observedContentType: "text/csv", mode: "OUTPUT", data: "1", encoding: "CSV" } },
                eventMetadata: { eventId: "x", inferenceTime: "t" },
                eventVersion: "0",
            }), // missing_payload (no input)
            good("1,2,3", "XML"), // unknown_encoding
            good("!!!not base64!!!", "BASE64"), // bad_base64
            good("AAEC", "BASE64", "application/x-npy"), // unknown_encoding (binary content)
            good('{"a": [1,', "JSON", "application/json"), // payload_parse_error
            good("", "CSV"), // empty_payload
            good("1,2"), // schema_change (kept)
            good("7,8,9"),
        ];
        fs.writeFileSync(path.join(hour, "a.jsonl"), lines.join("\n") + "\n");
        fs.writeFileSync(path.join(hour, "b.jsonl"), good("1,1,1") + "\n" + good("2,2,2").slice(0, 40)); // truncated_file
        fs.writeFileSync(path.join(hour, "ignored.txt"), "not a capture file");
        const stats = new CaptureReadStats();
        const rows: CapturedRow[] = await collect(readCaptureRows(dir, { stats }));
        assert.deepEqual(
            rows.map((r) => r.values.join("|")),
            ["1|2|3", "4|5|6", "1|2", "7|8|9", "1|1|1"],
        );
        assert.deepEqual(stats.problems, {
            blank_line: 1,
            malformed_json: 1,
            not_a_capture_record: 1,
            missing_payload: 1,
            unknown_encoding: 2,
            bad_base64: 1,
            payload_parse_error: 1,
            empty_payload: 1,
            truncated_file: 1,
            schema_change: 1,
            unreadable_file: 0,
        });
        assert.equal(stats.files, 2);
        assert.equal(stats.lines, 14);
        assert.ok(stats.examples.some((e) => e.reason === "truncated_file" && e.file.endsWith("b.jsonl") && e.line === 2));
        // drop mode + missing path
        const s2 = new CaptureReadStats();
        const kept = await collect(readCaptureRows([dir, path.join(dir, "nope")], { stats: s2, dropSchemaChanges: true }));
        assert.equal(kept.length, 4);
        assert.equal(s2.problems.unreadable_file, 1);
        // time filter excludes the hour
        const none = await collect(readCaptureRows(dir, { from: new Date("2026-01-02T04:00:00Z") }));
        assert.equal(none.length, 0);
    });
});

describe("monitoring/emf", () => {
    it("builds service-compatible data-quality EMF lines", () => {
        const [line] = dataQualityEmfLines(
            { endpoint: "ep", schedule: "sch" },
            [
                { name: "age", baselineDrift: 0.25, nonNull: 1 },
                { name: "x", baselineDrift: NaN },
            ],
            new Date(1700000000000),
        );
        const doc = JSON.parse(line);
        assert.deepEqual(doc._aws, {
            Timestamp: 1700000000000,
            CloudWatchMetrics: [
                {
                    Namespace: DATA_METRICS_NAMESPACE,
                    Dimensions: [["Endpoint", "MonitoringSchedule"]],
                    Metrics: [
                        { Name: "feature_baseline_drift_age", Unit: "None" },
                        { Name: "feature_non_null_age", Unit: "None" },
                    ],
                },
            ],
        });
        assert.equal(doc.Endpoint, "ep");
        assert.equal(doc.MonitoringSchedule, "sch");
        assert.equal(doc.feature_baseline_drift_age, 0.25);
        assert.equal(doc.feature_baseline_drift_x, undefined, "NaN is not publishable and must be left out");
        const m = JSON.parse(modelQualityEmfLines({ endpoint: "ep", schedule: "s" }, { mae: 1.5 }, 5)[0]);
        assert.equal(m._aws.CloudWatchMetrics[0].Namespace, MODEL_METRICS_NAMESPACE);
        assert.equal(m.mae, 1.5);
    });
    it("splits >100 metrics and rejects bad input with a clear message", () => {
        const metrics = Array.from({ length: 250 }, (_, i) => ({ name: `m${i}`, value: i }));
        const lines = buildEmfLines({ namespace: "n", dimensions: { A: "a" }, metrics, timestamp: 1 });
        assert.equal(lines.length, 3);
        assert.equal(JSON.parse(lines[2])._aws.CloudWatchMetrics[0].Metrics.length, 50);
        assert.throws(() => buildEmfLines({ namespace: "n", dimensions: { A: "" }, metrics, timestamp: 1 }), /dimension "A" has an empty value/);
        assert.throws(() => buildEmfLines({ namespace: "n", dimensions: { A: "a" }, metrics: [{ name: "A", value: 1 }] }), /collides/);
    });
});
