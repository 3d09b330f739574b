import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { captureKeyHour, formatCaptureRecord } from "../../lib/monitoring/capture";
import { CaptureWriter, repairTornTails } from "../../lib/serving";
import { tmpDir } from "../../test-support/serving-fixture";

const rec = (i: number) =>
    formatCaptureRecord({ input: { data: `${i},1,2`, contentType: "text/csv" }, output: { data: "0.5", contentType: "text/csv" }, inferenceId: `id-${i}` });

describe("serving: capture writer", () => {
    it("batches concurrent appends into one write(2) per variant and resolves only after the bytes are in the file", async () => {
        const dir = tmpDir("cw");
        const w = new CaptureWriter({ destination: dir, prefix: "p/q", endpoint: "ep" });
        const done = Array.from({ length: 100 }, (_, i) =>
            w.append(i % 2 ? "A" : "B", rec(i)).then(() => {
                // at resolution time the line is already readable from the file
                const file = w.files.find((f) => f.includes(`${path.sep}${i % 2 ? "A" : "B"}${path.sep}`))!;
                assert.ok(fs.readFileSync(file, "utf8").includes(`"id-${i}"`));
            }),
        );
        await Promise.all(done);
        assert.equal(w.stats.lines, 100);
        assert.equal(w.stats.writes, 2, "one write per variant for 100 appends in the same tick");
        w.close();
        await assert.rejects(w.append("A", rec(1)), /closed/);
        await assert.rejects(new CaptureWriter({ destination: dir, prefix: "", endpoint: "ep" }).append("A", "a\nb"), /newline/);
        for (const f of w.files) {
            const rel = path.relative(dir, f).split(path.sep);
            assert.deepEqual(rel.slice(0, 3), ["p", "q", "ep"]);
            assert.ok(captureKeyHour(f), `hour partition in ${f}`);
            for (const l of fs.readFileSync(f, "utf8").trim().split("\n")) JSON.parse(l);
        }
    });

    it("rotates on hour change, size and age", async () => {
        const dir = tmpDir("cwrot");
        let now = Date.UTC(2026, 0, 1, 10, 59, 59, 500);
        const w = new CaptureWriter({ destination: dir, prefix: "", endpoint: "ep", maxFileBytes: 1000, maxFileAgeMs: 60_000, now: () => new Date(now) });
        await w.append("A", rec(1));
        now += 1000; // 11:00:00.500 → new hour
        await w.append("A", rec(2));
        assert.equal(w.files.length, 2);
        assert.match(w.files[0], /2026\/01\/01\/10\//);
        assert.match(w.files[1], /2026\/01\/01\/11\//);
        for (let i = 0; i < 10; i++) await w.append("A", rec(10 + i)); // ~200 bytes each → size rotation
        assert.ok(w.files.length >= 3);
        const before = w.files.length;
        now += 61_000;
        await w.append("A", rec(99));
        assert.equal(w.files.length, before + 1, "age rotation");
        w.close();
        for (const f of w.files) assert.ok(fs.statSync(f).size <= 1000);
        const total = w.files.reduce((a, f) => a + fs.readFileSync(f, "utf8").trim().split("\n").length, 0);
        assert.equal(total, 13);
    });

    it("repairTornTails trims an incomplete last line and leaves complete files alone", () => {
        const dir = tmpDir("torn");
        const sub = path.join(dir, "ep", "A", "2026", "01", "01", "00");
        fs.mkdirSync(sub, { recursive: true });
        const torn = path.join(sub, "a.jsonl");
        const good = path.join(sub, "b.jsonl");
        const [r1, r2, r3, r4, r5] = [1, 2, 3, 4, 5].map(rec);
        fs.writeFileSync(torn, `${r1}\n${r2}\n${r3.slice(0, 40)}`);
        fs.writeFileSync(good, `${r4}\n`);
        const only = path.join(sub, "c.jsonl");
        fs.writeFileSync(only, r5.slice(0, 10));
        const fixed = repairTornTails(dir)
            .map((r) => [path.basename(r.file), r.bytesRemoved])
            .sort();
        assert.deepEqual(fixed, [
            ["a.jsonl", 40],
            ["c.jsonl", 10],
        ]);
        assert.equal(fs.readFileSync(torn, "utf8"), `${r1}\n${r2}\n`);
        assert.equal(fs.readFileSync(good, "utf8"), `${r4}\n`);
        assert.equal(fs.readFileSync(only, "utf8"), "");
        assert.deepEqual(repairTornTails(path.join(dir, "missing")), []);
    });
});
