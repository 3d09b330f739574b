/**
 * lib/monitoring/ab/capture.ts: A/B records from a capture tree in the service layout — the variant of each request
 * from its folder, scores from the captured answers (no ground truth) or labels from the joined ground truth, and
 * the capture files outside a variant folder counted, not read as traffic.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { captureS3Key, formatCaptureRecord } from "../../lib/monitoring";
import { abRecordsOf, readCaptureVariants, variantOfCaptureFile } from "../../lib/monitoring/ab/capture";

describe("monitoring/ab/capture: A/B records from the capture tree", () => {
    let root: string;
    const t0 = new Date(Date.UTC(2026, 0, 2, 10));
    function write(variant: string, ids: string[], scores: string[]): void {
        const file = path.join(root, ...captureS3Key({ prefix: "", endpoint: "ep", variant, time: t0, file: `${variant}.jsonl` }).split("/"));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const recs = ids.map((id, i) =>
            formatCaptureRecord({
                input: { data: "1,2", contentType: "text/csv" },
                output: { data: scores[i], contentType: "text/csv" },
                inferenceTime: new Date(t0.getTime() + i * 1000),
                eventId: id,
                inferenceId: `inf-${id}`,
            }),
        );
        fs.writeFileSync(file, recs.join("\n") + "\n");
    }
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "ab-capture-"));
        write("champion", ["a1", "a2", "a3"], ["0.9", "0.2", "nan"]);
        write("challenger", ["b1"], ["0.7"]);
        // a capture file outside any <variant>/yyyy/mm/dd/hh folder
        fs.writeFileSync(
            path.join(root, "ep", "stray.jsonl"),
            formatCaptureRecord({ input: { data: "1,2", contentType: "text/csv" }, inferenceTime: t0, inferenceId: "x" }) + "\n",
        );
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("names the variant folder above the yyyy/mm/dd/hh partition, and none outside it", () => {
        assert.equal(variantOfCaptureFile(path.join(root, "ep", "champion", "2026", "01", "02", "10", "x.jsonl")), "champion");
        assert.equal(variantOfCaptureFile(path.join(root, "ep", "stray.jsonl")), undefined);
    });

    it("without ground truth: one record per answer row, scored when the answer is a number", async () => {
        const c = await readCaptureVariants(path.join(root, "ep"), { scores: true });
        assert.deepEqual([...c.variantByEvent.entries()].sort(), [
            ["a1", "champion"],
            ["a2", "champion"],
            ["a3", "champion"],
            ["b1", "challenger"],
        ]);
        assert.equal(c.noVariant, 1, "the stray file is counted, not read as traffic");
        const { records } = abRecordsOf(c);
        assert.equal(records.length, 4);
        assert.ok(records.every((r) => r.status === "ok" && Number.isNaN(r.latencyUs) && r.label === undefined));
        assert.deepEqual(
            records.filter((r) => r.variant === "champion").map((r) => r.score),
            [0.9, 0.2, undefined],
        );
    });

    it("with ground truth: labelled records for joined events, unlabelled ones for the rest, joined rows of unknown events ignored", async () => {
        const c = await readCaptureVariants(path.join(root, "ep"), { scores: false });
        assert.deepEqual(c.scored, []);
        const { records, unlabelled } = abRecordsOf(c, [
            { eventId: "a1", score: 0.9, label: 1 },
            { eventId: "b1", score: 0.7, label: 0 },
            { eventId: "zz", score: 0.5, label: 1 },
        ]);
        assert.equal(unlabelled, 2);
        assert.deepEqual(
            records.map((r) => [r.variant, r.score, r.label]),
            [
                ["champion", 0.9, 1],
                ["challenger", 0.7, 0],
                ["champion", undefined, undefined],
                ["champion", undefined, undefined],
            ],
        );
    });
});
