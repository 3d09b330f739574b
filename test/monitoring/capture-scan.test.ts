/**
 * The byte-level capture reader (lib/monitoring/capture-scan.ts) must give exactly the profile, the counts
 * and the problem examples of the JSON path (readCaptureRows + DatasetProfiler.addRow): on the repository's
 * real capture fixtures, on generated edge cases (escaped quotes, negative/exponent numbers, empty fields,
 * CRLF and lone CR line ends, unicode, BASE64/JSON encodings, duplicate keys, truncated tails, tiny read
 * chunks) and on random numeric cells.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CaptureReadStats, DatasetProfiler, formatCaptureRecord, readCaptureRows } from "../../lib/monitoring";
import { addCellBytes, profileCaptureBytes, type ScanCaptureOptions } from "../../lib/monitoring/capture-scan";
import { profileCaptureShard } from "../../lib/monitoring/shard";
import { rng } from "./helpers";

const FIXTURES = path.join(__dirname, "..", "fixtures", "model-monitor");

async function jsonPath(files: string[], o: ScanCaptureOptions = {}, names?: string[]) {
    const stats = new CaptureReadStats();
    const p = new DatasetProfiler({ columnNames: names });
    let outside = 0;
    for await (const r of readCaptureRows(files, { stats, mode: o.mode, expectedColumns: o.expectedColumns })) {
        if (o.accept && !o.accept(r.inferenceTime)) {
            outside++;
            continue;
        }
        p.addRow(r.values, r.names);
    }
    return { partial: p.toPartial(), statistics: p.toStatistics(), stats: stats.toJSON(), outside };
}

async function bytePath(files: string[], o: ScanCaptureOptions = {}, names?: string[]) {
    const stats = new CaptureReadStats();
    const p = new DatasetProfiler({ columnNames: names });
    const counters = { fast: 0, json: 0, layout: 0 };
    const { outside } = await profileCaptureBytes(files, p, stats, { ...o, counters });
    return { partial: p.toPartial(), statistics: p.toStatistics(), stats: stats.toJSON(), outside, counters };
}

async function assertSame(files: string[], o: ScanCaptureOptions = {}, names?: string[]): Promise<{ fast: number; json: number; layout: number }> {
    const a = await jsonPath(files, o, names);
    const b = await bytePath(files, o, names);
    assert.deepEqual(b.stats, a.stats, "read statistics and problem examples");
    assert.equal(b.outside, a.outside, "rows outside the window");
    assert.deepEqual(b.partial, a.partial, "partial profile");
    assert.equal(JSON.stringify(b.statistics), JSON.stringify(a.statistics), "statistics.json bytes");
    return b.counters;
}

const rec = (data: string, extra: Record<string, unknown> = {}, encoding = "CSV"): string =>
    JSON.stringify({
        captureData: {
            endpointInput: { observedContentType: "text/csv", mode: "INPUT", data, encoding },
            endpointOutput: { observedContentType: "text/csv", mode: "OUTPUT", data: "0.5", encoding: "CSV" },
        },
        eventMetadata: { eventId: "e", inferenceTime: "2026-03-04T10:00:00Z" },
        eventVersion: "0",
        ...extra,
    });

describe("monitoring/capture-scan: byte-level reader equals the JSON path", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "capscan-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string | Buffer): string => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, text);
        return f;
    };

    it("the real capture fixtures (CSV notebook capture, JSON capture), input and output sides", async () => {
        const csv = path.join(FIXTURES, "09_captured_data_csv_from_notebook.jsonl");
        const json = path.join(FIXTURES, "06_captured_data_json.jsonl");
        const c = await assertSame([csv]);
        assert.ok(c.fast > 0 && c.json === 0, `the CSV fixture takes the fast path (${JSON.stringify(c)})`);
        assert.equal(c.layout, c.fast - 1, "after the first line, the service's records are recognised by their layout");
        await assertSame([csv], { mode: "OUTPUT" });
        const j = await assertSame([json]);
        assert.ok(j.fast === 0 && j.json > 0, "JSON-encoded payloads take the JSON path");
        await assertSame([json], { mode: "OUTPUT" });
        await assertSame([csv, json]);
    });

    it("edge cases: escapes, numbers, empty fields, CRLF / CR, unicode, encodings, duplicates, odd shapes", async () => {
        const lines = [
            rec("1,2.5,-3,x"),
            rec("-1.5e3,+2,1E-7,-0,0.000001,1e21"),
            rec("123456789012345678,.5,5.,1.e5"),
            rec(",,,"),
            rec("  7 , true,FALSE, 0.10"),
            rec('1,"a,b",3,4'), // escaped quotes: JSON path
            rec("1,é,3,ü"), // non-ASCII: JSON path
            rec("1,2,3,4\n5,6,7,8"), // escaped newline: two rows, JSON path
            rec(Buffer.from("9,8,7,6").toString("base64"), {}, "BASE64"),
            rec("[1,2,3,4]", {}, "JSON"),
            rec("1,2,3,4", {}, "csv"), // unknown encoding
            rec("   "), // blank payload: empty_payload
            rec("1,2,3"), // schema change
            rec("1,2,3,4,5"),
            "",
            "   ",
            "{not json",
            "[1,2]",
            '{"captureData":"x"}',
            '{"captureData":{}}',
            '{"captureData":{"endpointInput":{"data":"5,6,7,8","encoding":"CSV"},"endpointInput":{"data":"1,1,1,1","encoding":"CSV"}}}', // last duplicate wins
            '{"captureData":{"endpointInput":{"data":"5,6,7,8","encoding":"CSV","data":"2,2,2,2"}}}',
            '{"captureData":{"endpointInput":{"data":"5,6,7,8","encoding":"CSV"}},"captureData":{"endpointInput":{"data":"3,3,3,3","encoding":"CSV"}}}',
            '{"captureD\\u0061ta":{"endpointInput":{"data":"4,4,4,4","encoding":"CSV"}}}', // escaped key
            ' { "captureData" : { "endpointInput" : { "data" : "6,6,6,6" , "encoding" : "CSV" } } , "eventMetadata" : null } ',
            '{"captureData":{"endpointInput":{"data":"7,7,7,7","encoding":"CSV"}},"eventMetadata":{"inferenceTime":12}}',
            '{"captureData":{"endpointInput":{"data":"7,7,7,7","encoding":"CSV"}},"eventMetadata":"x"}',
            '{"captureData":{"endpointInput":{"data":"8,8,8,8","encoding":"CSV"}},"x":[1,{"a":[true,false,null,-0.5e-3,"\\u00e9\\n"]}]}',
            '{"captureData":{"endpointInput":{"data":"9,9,9,9","encoding":"CSV"}},"x":01}', // invalid JSON (leading zero)
            '{"captureData":{"endpointInput":{"data":"9,9,9,9","encoding":"CSV"}}} trailing',
            '{"captureData":{"endpointInput":{"data":"9,9\t,9,9","encoding":"CSV"}}}', // raw tab: invalid JSON
            "\ufeff" + rec("1,1,1,1"), // BOM
            rec("1,2,3,4").replace('"data"', '"data" '),
        ];
        // LF, CRLF and lone-CR line ends, with and without a final newline (a truncated tail)
        for (const [name, sep, tail] of [
            ["lf.jsonl", "\n", "\n"],
            ["crlf.jsonl", "\r\n", "\r\n"],
            ["cr.jsonl", "\r", ""],
            ["mixed.jsonl", "\n", ""],
        ] as const) {
            const f = write(name, lines.join(sep) + tail + (tail === "" ? '{"captureData":{"endpointInput":{"data":"1,2' : ""));
            const c = await assertSame([f]);
            assert.ok(c.fast >= 8 && c.json >= 20, `${name}: both paths taken (${JSON.stringify(c)})`);
            // tiny read chunks: lines cross chunk boundaries (and \r\n pairs split between reads)
            for (const chunk of [7, 64, 333]) {
                const a = await jsonPath([f]);
                const b = await bytePath([f], { chunkBytes: chunk });
                assert.deepEqual(b.stats, a.stats, `${name} chunk ${chunk}: stats`);
                assert.deepEqual(b.partial, a.partial, `${name} chunk ${chunk}: profile`);
            }
        }
        // an empty file, a missing file, a folder
        write("empty.jsonl", "");
        await assertSame([path.join(dir, "empty.jsonl"), path.join(dir, "nope.jsonl"), dir]);
        // fixed width and named columns
        await assertSame([path.join(dir, "lf.jsonl")], { expectedColumns: 3 }, ["a", "b", "c", "d"]);
    });

    it("records laid out like the one before but for a value the layout does not cover are scanned strictly, with the JSON path's result", async () => {
        const base = rec("1,2,3,4");
        const lines = [
            base,
            rec("5,6,7,8"), // same layout: recognised
            rec("1,2\t,3,4").replace("\\t", "\t"), // a raw tab in the payload: invalid JSON
            base.replace('"eventId":"e"', '"eventId":"\\u0041"'), // an escape in another value: still the fast path
            base.replace("2026-03-04T10:00:00Z", "2026-03-04T10:00:00Z\\n"), // an escaped inferenceTime: JSON path
            base.replace("2026-03-04T10:00:00Z", "2026-03-04T10:00:00Zé"), // a non-ASCII inferenceTime: fast path
            rec("1,2,3,\u007f"), // DEL in the payload: JSON path
            rec("1,2,3,4", {}, "CSV "), // another encoding value: JSON path
            rec("   "), // blank payload: empty_payload
            base.replace('"mode":"INPUT"', '"mode": "INPUT"'), // other whitespace: strict scan, then its layout is remembered
            base.replace('"mode":"INPUT"', '"mode": "INPUT"').replace("1,2,3,4", "9,9,9,9"),
            base.replace('"eventVersion":"0"', '"eventVersion":0'), // a number where a string was: strict
            base.replace('"eventVersion":"0"', '"eventVersion":1'), // another constant: strict
            base.replace("1,2,3,4", "2,3,4,5"),
            base.replace("1,2,3,4", "3,4,5"), // schema change in the same layout
        ];
        const f = write("layout.jsonl", lines.join("\n") + "\n");
        const c = await assertSame([f]);
        assert.ok(c.layout >= 3 && c.json >= 4 && c.fast > c.layout, `layout, strict and JSON paths all taken (${JSON.stringify(c)})`);
        await assertSame([f], { mode: "OUTPUT" });
        for (const chunk of [7, 100]) {
            const a = await jsonPath([f]);
            const b = await bytePath([f], { chunkBytes: chunk });
            assert.deepEqual(b.partial, a.partial, `chunk ${chunk}`);
            assert.deepEqual(b.stats, a.stats, `chunk ${chunk}`);
        }
    });

    it("time window: the same rows are kept and counted outside", async () => {
        const lines: string[] = [];
        for (let i = 0; i < 200; i++) {
            lines.push(
                formatCaptureRecord({
                    input: { data: `${i},${i % 7},${(i * 0.37).toFixed(2)}`, contentType: "text/csv" },
                    eventId: `e${i}`,
                    inferenceTime: new Date(Date.UTC(2026, 0, 1, 10, i % 60, i % 60)),
                }),
            );
            if (i % 50 === 0) lines.push('{"captureData":{"endpointInput":{"data":"1,2,3","encoding":"CSV"}}}'); // untimed
        }
        const f = write("window.jsonl", lines.join("\n") + "\n");
        for (const keepUntimed of [true, false]) {
            const o = { from: new Date(Date.UTC(2026, 0, 1, 10, 15)), to: new Date(Date.UTC(2026, 0, 1, 10, 45)), keepUntimed };
            const a = await profileCaptureShard([f], { ...o, scanner: "json" });
            const b = await profileCaptureShard([f], { ...o, scanner: "bytes" });
            assert.ok(a.outsideWindow > 0);
            assert.equal(b.outsideWindow, a.outsideWindow);
            assert.deepEqual(b.stats, a.stats);
            assert.deepEqual(b.partial, a.partial);
        }
    });

    it("random numeric cells: same value, type vote and value count as addCell", () => {
        const r = rng(1414);
        const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join("");
        const cells: string[] = [];
        for (let i = 0; i < 20_000; i++) {
            const sign = ["", "-", "+"][Math.floor(r() * 3)];
            const int = digits(Math.floor(r() * 20));
            const frac = r() < 0.6 ? "." + digits(Math.floor(r() * 20)) : "";
            const exp = r() < 0.3 ? ["e", "E"][Math.floor(r() * 2)] + ["", "-", "+"][Math.floor(r() * 3)] + digits(1 + Math.floor(r() * 3)) : "";
            cells.push(sign + int + frac + exp);
        }
        cells.push(
            "0",
            "-0",
            "0.0",
            "1e400",
            "-1e-400",
            "9007199254740993",
            "0.1",
            "1e22",
            "1e23",
            "123456789012345",
            "1234567890123456",
            "4.35",
            "0.000001",
            "0.0000001",
            // padded decimals (counted by value and fraction digits) and their near misses
            "25.0",
            "-3.1400",
            "0.00",
            "-0.0",
            "100.000",
            "0.0000010",
            "0.00000010",
            "123456789012345.0",
            "1234567890123456.0",
            "123456789012345678900.0",
            "+1.0",
            "01.0",
            "5.",
            "1.0e3",
        );
        for (let i = 0; i < 2000; i++) {
            const x = (r() - 0.5) * 10 ** Math.floor(r() * 12 - 4);
            cells.push(x.toFixed(Math.floor(r() * 7)), `${Math.round(x)}.0`, String(x) + "00");
        }
        const a = new DatasetProfiler({ columnNames: ["x"], maxTrackedValues: 100_000 });
        const b = new DatasetProfiler({ columnNames: ["x"], maxTrackedValues: 100_000 });
        for (const c of cells) {
            a.addRow([c]);
            const buf = Buffer.from(` ${c} `, "latin1");
            addCellBytes(b.cellColumn(0), buf, 0, buf.length);
            b.endPositionalRow(1);
        }
        assert.deepEqual(b.toPartial(), a.toPartial());
    });
});
