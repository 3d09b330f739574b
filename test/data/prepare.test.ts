import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADULT_SCHEMA, DataPrepError, headerOf, loadPreparedSplit, parseBuffer, prepare, sha256File, stratifiedSplit, DataRow } from "../../lib/data";

const HEADER = headerOf(ADULT_SCHEMA).join(",");
const GOOD1 = "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K";
const GOOD2 = "50, ?, 83311, Bachelors, 13, Married-civ-spouse, ?, Husband, White, Male, 0, 0, 13, ?, >50K.";
const GOOD3 = "38, Private, 215646, HS-grad, 9, Divorced, Handlers-cleaners, Not-in-family, Black, Female, 0, 0, 40, Atlantis, <=50K";

function parse(text: string | Buffer) {
    return parseBuffer(typeof text === "string" ? Buffer.from(text, "utf8") : text, "fixture.csv", ADULT_SCHEMA, { sourceTag: "t" });
}

const dirs: string[] = [];
function tmpDir(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "data-prep-test-"));
    dirs.push(d);
    return d;
}
after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("data: parse and clean", () => {
    it("trims, maps ? to NULL, normalises labels and coerces types", () => {
        const { rows, quality } = parse([HEADER, GOOD1, GOOD2, ""].join("\n"));
        assert.equal(rows.length, 2);
        assert.equal(rows[0].age, 39);
        assert.equal(rows[0].workclass, "State-gov");
        assert.equal(rows[0].label, 0);
        assert.equal(rows[1].workclass, null);
        assert.equal(rows[1].occupation, null);
        assert.equal(rows[1].native_country, null);
        assert.equal(rows[1].label, 1);
        assert.equal(quality.repaired.missingToNull.workclass, 1);
        assert.equal(quality.repaired.missingToNull.native_country, 1);
        assert.equal(quality.repaired.rowsWithMissing, 1);
        assert.equal(quality.repaired.labelSuffixStripped, 1);
        assert.equal(quality.blankLines, 0, "a final newline is not a blank line");
        assert.match(String(rows[0].record_id), /^t-[0-9a-f]{16}$/);
    });

    it("counts every dropped row by reason", () => {
        const lines = [
            HEADER,
            GOOD1,
            GOOD1, // duplicate
            "39, State-gov, 77516, Bachelors", // malformed: 4 fields
            GOOD1 + ", extra", // malformed: 16 fields
            GOOD1.replace("77516", "seventy"), // type coercion
            GOOD1.replace(/^39/, "-5"), // out of range
            GOOD1.replace(/^39/, "39.5"), // type coercion (integer column)
            GOOD1.replace("<=50K", "maybe"), // unknown label
            GOOD1.replace("Bachelors", "?"), // missing required (education is not nullable)
            "", // blank line: skipped, not dropped
            GOOD3,
        ];
        const bad = Buffer.concat([
            Buffer.from(lines.join("\n") + "\n", "utf8"),
            Buffer.from("40, Private, 1234, HS-grad, 9, Divorced, Sales, Unmarried, White, Female, 0, 0, 40, Espa", "latin1"),
            Buffer.from([0xf1]), // latin-1 ñ: invalid UTF-8
            Buffer.from("a, <=50K\n", "latin1"),
        ]);
        const { rows, quality } = parse(bad);
        assert.equal(rows.length, 2);
        assert.deepEqual(quality.dropped, {
            malformed_row: 2,
            non_utf8: 1,
            type_coercion: 2,
            out_of_range: 1,
            missing_required: 1,
            unknown_label: 1,
            duplicate: 1,
        });
        assert.equal(quality.rowsDropped, 9);
        assert.equal(quality.blankLines, 1);
        assert.equal(quality.dataLines, 11);
        assert.equal(quality.unknownCategory.native_country, 1, "Atlantis is outside the documented domain but kept");
        assert.equal(rows[1].native_country, "Atlantis");
        assert.equal(quality.examples.find((e) => e.reason === "duplicate")?.detail, "exact duplicate (after cleaning) of line 2");
        const malformed = quality.examples.find((e) => e.reason === "malformed_row");
        assert.equal(malformed?.line, 4);
        assert.match(malformed!.detail, /expected 15 fields, found 4/);
    });

    it("handles CRLF line endings and a UTF-8 BOM", () => {
        const text = "\ufeff" + [HEADER, GOOD1, GOOD3].join("\r\n") + "\r\n";
        const { rows } = parse(text);
        assert.equal(rows.length, 2);
        assert.equal(rows[1].label, 0);
    });

    const expectPrepError = (fn: () => unknown, re: RegExp) => {
        assert.throws(fn, (e: unknown) => {
            assert.ok(e instanceof DataPrepError, `expected DataPrepError, got ${e}`);
            assert.match(e.message, /fixture\.csv/, "names the file");
            assert.match(e.message, /Fix: /, "gives the fix");
            assert.match(e.message, re);
            return true;
        });
    };

    it("rejects unusable input with clear errors", () => {
        expectPrepError(() => parse(""), /empty/);
        expectPrepError(() => parse("\n\n  \n"), /empty/);
        expectPrepError(() => parse(HEADER + "\n"), /header but no data rows/);
        expectPrepError(() => parse([GOOD1, GOOD3].join("\n")), /no header line/);
        expectPrepError(
            () => parse([HEADER.replace("fnlwgt", "weight"), GOOD1].join("\n")),
            /wrong header.*missing column\(s\) fnlwgt.*unexpected column\(s\) weight/,
        );
        expectPrepError(() => parse([HEADER.replace("age,workclass", "workclass,age"), GOOD1].join("\n")), /wrong order/);
        expectPrepError(() => parse(Buffer.concat([Buffer.from([0xff, 0xfe, 0x41]), Buffer.from("\n" + GOOD1)])), /header line.*not valid UTF-8/);
        expectPrepError(() => parse([HEADER, GOOD1.replace("<=50K", "x"), "a,b"].join("\n")), /no usable rows/);
    });
});

describe("data: stratified split", () => {
    const rows: DataRow[] = [];
    for (let i = 0; i < 1000; i++) rows.push({ id: i, label: i % 4 === 0 ? 1 : 0 });

    it("keeps label proportions and is deterministic per seed", () => {
        const a = stratifiedSplit(rows, "label", 0.2, 7);
        assert.equal(a.validation.length, 200);
        assert.equal(a.train.length, 800);
        assert.equal(a.validation.filter((r) => r.label === 1).length, 50);
        assert.equal(a.train.filter((r) => r.label === 1).length, 200);
        const ids = new Set([...a.train, ...a.validation].map((r) => r.id));
        assert.equal(ids.size, 1000, "a partition: no row lost or repeated");
        const b = stratifiedSplit(rows, "label", 0.2, 7);
        assert.deepEqual(
            b.validation.map((r) => r.id),
            a.validation.map((r) => r.id),
        );
        const c = stratifiedSplit(rows, "label", 0.2, 8);
        assert.notDeepEqual(
            c.validation.map((r) => r.id),
            a.validation.map((r) => r.id),
        );
        // file order preserved within a split
        const vIds = a.validation.map((r) => r.id as number);
        assert.deepEqual(
            vIds,
            [...vIds].sort((x, y) => x - y),
        );
    });

    it("rejects an invalid fraction", () => {
        assert.throws(() => stratifiedSplit(rows, "label", 1, 1), /validationFraction/);
    });
});

describe("data: prepare end to end", () => {
    it("writes Parquet + CSV atomically with sha256 lineage on a small slice", async () => {
        const dir = tmpDir();
        const trainFile = path.join(dir, "small.data");
        const testFile = path.join(dir, "small.test");
        const src = fs.readFileSync(path.join(__dirname, "../../data/adult/adult.data"), "utf8").split("\n");
        const tst = fs.readFileSync(path.join(__dirname, "../../data/adult/adult.test"), "utf8").split("\n");
        fs.writeFileSync(trainFile, src.slice(0, 401).join("\n") + "\n" + src[1] + "\nbroken,row\n");
        fs.writeFileSync(testFile, tst.slice(0, 101).join("\n") + "\n");
        const out = path.join(dir, "out");
        const logs: string[] = [];
        const res = await prepare({ outDir: out, trainFile, testFile, seed: 3, log: (l) => logs.push(l) });
        assert.equal(res.report.inputs.train.dropped.duplicate, 1);
        assert.equal(res.report.inputs.train.dropped.malformed_row, 1);
        assert.equal(res.train.length + res.validation.length, 400);
        assert.equal(res.test.length, 100);
        assert.equal(res.report.splits.validation.rows, res.validation.length);
        assert.ok(
            logs.some((l) => /dropped \(malformed_row=1, duplicate=1\)/.test(l)),
            logs.join("\n"),
        );
        const files = fs.readdirSync(out).sort();
        assert.deepEqual(files, ["data-quality-report.json", "test.csv", "test.parquet", "train.csv", "train.parquet", "validation.csv", "validation.parquet"]);
        const report = JSON.parse(fs.readFileSync(res.reportPath, "utf8"));
        assert.equal(report.outputs.length, 6);
        for (const o of report.outputs) assert.equal(o.sha256, sha256File(path.join(out, o.path)), o.path);
        assert.equal(report.inputs.train.sha256, sha256File(trainFile));
        const header = fs.readFileSync(path.join(out, "train.csv"), "utf8").split("\n")[0];
        assert.equal(header, ["record_id", "event_time", ...ADULT_SCHEMA.columns.map((c) => c.name), "label"].join(","));
        const loaded = await loadPreparedSplit(out, "validation");
        assert.deepEqual(loaded, res.validation);
        assert.equal(loaded[0].event_time, "2026-01-01T00:00:00.000Z");

        // determinism: same input + seed → identical bytes; record ids independent of the seed
        const out2 = path.join(dir, "out2");
        const res2 = await prepare({ outDir: out2, trainFile, testFile, seed: 3, log: () => {} });
        assert.deepEqual(
            res2.report.outputs.map((o) => o.sha256),
            res.report.outputs.map((o) => o.sha256),
        );
        fs.mkdirSync(path.join(dir, "out3"));
        fs.writeFileSync(path.join(dir, "out3", "train.parquet"), "stale output of an earlier run");
        const res3 = await prepare({ outDir: path.join(dir, "out3"), trainFile, testFile, seed: 4, log: () => {}, formats: ["csv"] });
        const ids = (r: DataRow[]) => r.map((x) => x.record_id).sort();
        assert.deepEqual(ids([...res3.train, ...res3.validation]), ids([...res.train, ...res.validation]));
        assert.notDeepEqual(ids(res3.validation), ids(res.validation));
        assert.ok(!fs.existsSync(path.join(dir, "out3", "train.parquet")));
        assert.deepEqual(await loadPreparedSplit(path.join(dir, "out3"), "validation"), res3.validation, "CSV round trip");
        assert.deepEqual(
            fs.readdirSync(out).filter((f) => f.endsWith(".tmp")),
            [],
            "no temp files left behind",
        );
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("names the missing input file", async () => {
        await assert.rejects(prepare({ outDir: tmpDir(), trainFile: "/nonexistent/adult.data", log: () => {} }), /\/nonexistent\/adult\.data: file not found/);
    });

    it("prepares the full Adult data set", async function () {
        this.timeout(60000);
        const dir = tmpDir();
        const t0 = Date.now();
        const res = await prepare({ outDir: dir, log: () => {} });
        const ms = Date.now() - t0;
        const r = res.report;
        assert.equal(r.inputs.train.dataLines, 32561);
        assert.equal(r.inputs.test.dataLines, 16281);
        assert.equal(r.inputs.train.blankLines, 1);
        assert.equal(r.inputs.train.rowsKept + r.inputs.train.rowsDropped, 32561);
        assert.equal(r.inputs.test.rowsKept + r.inputs.test.rowsDropped, 16281);
        assert.equal(r.totals.dropped.duplicate, r.totals.rowsDropped, "the shipped files only contain duplicates as defects");
        assert.ok(r.totals.dropped.duplicate > 0);
        assert.ok(r.totals.missingToNull.workclass > 0 && r.totals.missingToNull.occupation >= r.totals.missingToNull.workclass);
        assert.equal(r.splits.train.rows + r.splits.validation.rows, r.inputs.train.rowsKept);
        assert.ok(Math.abs(r.splits.validation.rows / r.inputs.train.rowsKept - 0.2) < 0.001);
        assert.ok(Math.abs(r.splits.train.positiveRate - r.splits.validation.positiveRate) < 0.001);
        assert.equal(new Set([...res.train, ...res.validation, ...res.test].map((x) => x.record_id)).size, r.totals.rowsKept);
        console.log(`      full Adult prepare: ${ms} ms, kept ${r.totals.rowsKept}, dropped ${JSON.stringify(r.totals.dropped)}`);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
