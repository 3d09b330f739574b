/**
 * Sharded profiling with worker_threads (issue 14): the same capture window profiled in one pass and with
 * 2 or 3 workers gives the same statistics (exactly for exact statistics), the same problem counts and
 * the same report from `monitor analyze --workers N`.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CaptureReadStats, formatCaptureRecord, listCaptureFiles, readCaptureRows, DatasetProfiler } from "../../lib/monitoring";
import {
    arenaBytes,
    autoWorkers,
    BYTES_PER_EXTRA_SHARD,
    closeShardWorkers,
    planShards,
    prestartShardWorkers,
    profileCaptureShard,
    profileCaptureShardShared,
    profileCaptureSharded,
    withoutTsNode,
} from "../../lib/monitoring/shard";
import { runCli } from "../../scripts/cli/monitor";
import { assertExactStatisticsEqual, normal, rng } from "./helpers";

const NAMES = ["a", "b", "c", "d"];

function writeCapture(root: string): void {
    const r = rng(9);
    let id = 0;
    for (let h = 10; h < 13; h++) {
        for (let part = 0; part < 3; part++) {
            const dir = path.join(root, "ep", "AllTraffic", "2026", "03", "04", String(h));
            fs.mkdirSync(dir, { recursive: true });
            const lines: string[] = [];
            for (let i = 0; i < 700 + part * 150; i++) {
                const rows = 1 + (i % 3); // multi-row CSV payloads
                const payload = Array.from({ length: rows }, () =>
                    [
                        normal(r, 5, 2).toFixed(3),
                        String(Math.floor(r() * 9)),
                        ["x", "y", "z"][Math.floor(r() * 3)],
                        r() < 0.05 ? "" : (r() * 1000).toFixed(1),
                    ].join(","),
                ).join("\n");
                lines.push(
                    formatCaptureRecord({
                        input: { data: payload, contentType: "text/csv" },
                        output: { data: "0.5", contentType: "text/csv" },
                        eventId: `e-${id++}`,
                        inferenceTime: new Date(Date.UTC(2026, 2, 4, h, part * 20, i % 60)),
                    }),
                );
                if (i === 17 && part === 1) lines.push("{not json");
                if (i === 33 && h === 11)
                    lines.push(
                        formatCaptureRecord({
                            input: { data: "1,2,3", contentType: "text/csv" },
                            eventId: `short-${h}`,
                            inferenceTime: new Date(Date.UTC(2026, 2, 4, h, 5)),
                        }),
                    );
            }
            fs.writeFileSync(path.join(dir, `cap-${part}.jsonl`), lines.join("\n") + "\n");
        }
    }
}

describe("monitoring/shard: worker_threads sharding equals one pass", function () {
    this.timeout(180_000);
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "shard-"));
        writeCapture(root);
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("1, 2 and 3 workers: identical exact statistics and problem counts; window filtering identical", async () => {
        const from = new Date(Date.UTC(2026, 2, 4, 10, 30));
        const to = new Date(Date.UTC(2026, 2, 4, 12, 10));
        // reference: the plain streaming reader in one pass
        const refStats = new CaptureReadStats();
        const ref = new DatasetProfiler({ columnNames: NAMES });
        for await (const r of readCaptureRows(path.join(root, "ep"), { stats: refStats, from, to })) {
            const t = Date.parse(r.inferenceTime);
            if (t < from.getTime() || t >= to.getTime()) continue;
            ref.addRow(r.values, r.names);
        }
        assert.ok(ref.rows > 3000, `reference has ${ref.rows} rows`);
        for (const workers of [1, 2, 3]) {
            const res = await profileCaptureSharded(path.join(root, "ep"), { workers, from, to, profiler: { columnNames: NAMES } });
            assert.equal(res.shards.length, workers, `${workers} shards planned`);
            assertExactStatisticsEqual(res.profiler.toStatistics(), ref.toStatistics(), `${workers} workers`);
            assert.deepEqual(res.stats.problems, refStats.problems, `${workers} workers: problem counts`);
            assert.equal(res.stats.problems.malformed_json, 3, "one bad line per hour");
            assert.equal(res.stats.problems.schema_change, 3, "one short row in each file of hour 11");
            assert.deepEqual(
                res.stats.examples.map((e) => `${e.reason}@${path.basename(e.file)}:${e.line}`),
                refStats.examples.map((e) => `${e.reason}@${path.basename(e.file)}:${e.line}`),
            );
            assert.equal(res.stats.files, refStats.files);
        }
    });

    it("a worker's partial travels in a lent SharedArrayBuffer: views of it, the same buffer back when it fits, and a merged profile keeps none of it", async () => {
        const ep = path.join(root, "ep");
        const files = (await listCaptureFiles(ep)).slice(0, 2);
        const o = { profiler: { columnNames: NAMES } };
        const plain = await profileCaptureShard(files, o);
        const a = await profileCaptureShardShared(files, o);
        const arrays = a.partial.columns.flatMap((c) => [c.numbers as Float64Array, ...c.kll.levels.map((l) => l as Float64Array)]);
        assert.ok(
            arrays.every((x) => x instanceof Float64Array && x.buffer === a.arena),
            "value counts and KLL levels are views of the arena",
        );
        // the same profile as the JSON form: statistics, and value counts (in table order, which rebuilding changes)
        const numbers = (x: typeof plain.partial) =>
            x.columns.map((c) => {
                const n = c.numbers;
                const pairs: [number, number][] = n instanceof Float64Array ? Array.from({ length: n.length / 2 }, (_, i) => [n[2 * i], n[2 * i + 1]]) : n;
                return [...pairs].sort((p, q) => p[0] - q[0]);
            });
        assert.deepEqual(numbers(a.partial), numbers(plain.partial), "value counts");
        assert.deepEqual(DatasetProfiler.fromPartial(a.partial).toStatistics(), DatasetProfiler.fromPartial(plain.partial).toStatistics(), "statistics");
        assert.equal(
            a.arena.byteLength,
            arenaBytes(DatasetProfiler.fromPartial(plain.partial).packedLength() * 8),
            "a new arena: a quarter more, in 64 KiB steps",
        );
        const again = await profileCaptureShardShared(files, o, a.arena);
        assert.equal(again.arena, a.arena, "a lent arena that fits comes back");
        const small = new SharedArrayBuffer(64);
        assert.notEqual((await profileCaptureShardShared(files, o, small)).arena, small, "one too small is replaced");

        // threads: the next calls' worker writes another (smaller) window into the arena the first call's merge read;
        // the first call's profile, not read until then (reading may copy an adopted table), must not change
        await closeShardWorkers();
        const first = await profileCaptureSharded(ep, { workers: 2, ...o });
        const other = fs.mkdtempSync(path.join(os.tmpdir(), "shard-other-"));
        try {
            for (let f = 0; f < 2; f++) {
                const dir = path.join(other, "AllTraffic", "2026", "03", "05", String(10 + f));
                fs.mkdirSync(dir, { recursive: true });
                const lines = Array.from({ length: 1000 }, (_, i) =>
                    formatCaptureRecord({ input: { data: `${-i},${i * 7},q,${i % 5}`, contentType: "text/csv" }, eventId: `o-${f}-${i}` }),
                );
                fs.writeFileSync(path.join(dir, "o.jsonl"), lines.join("\n") + "\n");
            }
            for (let i = 0; i < 3; i++) await profileCaptureSharded(other, { workers: 2, ...o });
        } finally {
            fs.rmSync(other, { recursive: true, force: true });
            await closeShardWorkers();
        }
        const reference = (await profileCaptureSharded(ep, { workers: 2, ...o })).profiler;
        await closeShardWorkers();
        // the partial too: numeric columns' value counts are not in statistics.json
        assert.deepEqual(first.profiler.toPartial(), reference.toPartial(), "the merged profile is unchanged after its arena was written again");
        assert.deepEqual(first.profiler.toStatistics(), reference.toStatistics());
    });

    it("planShards: contiguous, byte-balanced, never more shards than files, empty input → no shard", () => {
        const f = (b: number[]) => b.map((bytes, i) => ({ file: `f${i}`, bytes }));
        assert.deepEqual(
            planShards(f([5, 5, 5, 5, 5, 5, 5, 5.1]), 2).map((s) => s.files.length),
            [4, 4],
        );
        assert.deepEqual(
            planShards(f([100, 1, 1, 1]), 2).map((s) => s.files),
            [["f0"], ["f1", "f2", "f3"]],
        );
        assert.equal(planShards(f([1, 1, 1]), 8).length, 3);
        assert.deepEqual(planShards([], 4), []);
    });

    it("default shard count: one thread per BYTES_PER_EXTRA_SHARD of capture, at least 1, at most the cores; a small window runs in one pass", async () => {
        const mib = 1024 * 1024;
        assert.equal(BYTES_PER_EXTRA_SHARD, 96 * mib);
        assert.equal(autoWorkers(0, 2), 1);
        assert.equal(autoWorkers(188 * mib, 2), 1, "the benchmark's 188 MB: a second thread does not pay for itself");
        assert.equal(autoWorkers(564 * mib, 2), 2);
        assert.equal(autoWorkers(1024 * mib, 8), 8);
        assert.equal(autoWorkers(300 * mib, 8), 3);
        const r = await profileCaptureSharded(path.join(root, "ep"), { profiler: { columnNames: NAMES } });
        assert.equal(r.shards.length, 1, "a few hundred kB of capture is profiled in one pass by default");
        assert.ok(r.profiler.rows > 0);
    });

    it("the window's row width comes from its first decodable row whatever the first line is (bad, split by a lone CR, CRLF, empty file)", async () => {
        // with several shards the width is read before they start (firstWidth); one pass takes it from the first row it decodes
        const rec = (cols: number, i: number) =>
            formatCaptureRecord({
                input: { data: Array.from({ length: cols }, (_, j) => String(i + j)).join(","), contentType: "text/csv" },
                eventId: `w-${i}`,
                inferenceTime: new Date(Date.UTC(2026, 2, 4, 10, 0, i % 60)),
            });
        const body = (n: number, eol = "\n") => Array.from({ length: n }, (_, i) => rec(i % 50 === 7 ? 3 : 4, i)).join(eol) + eol;
        const variants: Record<string, string[]> = {
            "undecodable first line": ["{not json\n" + rec(3, 1) + "\n" + body(300), body(300)],
            "first row narrower than the rest": [rec(3, 0) + "\n" + body(300), body(300)],
            // JSON whitespace to JSON.parse, a line break to the line reader: the first line is two broken halves
            "lone CR inside the first record": [rec(3, 0).replace("{", "{\r") + "\n" + body(300), body(300)],
            "CRLF line ends": [body(300, "\r\n"), body(300, "\r\n")],
            "first file empty": ["", rec(3, 1) + "\n" + body(300), body(300)],
        };
        for (const [name, files] of Object.entries(variants)) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shard-width-"));
            try {
                files.forEach((text, i) => fs.writeFileSync(path.join(dir, `part-${i}.jsonl`), text));
                const refStats = new CaptureReadStats();
                let refRows = 0;
                for await (const r of readCaptureRows(dir, { stats: refStats })) refRows += r.values.length > 0 ? 1 : 0;
                assert.ok((refStats.problems.schema_change ?? 0) > 5, `${name}: the window has rows of another width`);
                for (const workers of [1, 2]) {
                    const res = await profileCaptureSharded(dir, { workers, profiler: { columnNames: ["a", "b", "c", "d"] } });
                    assert.equal(res.shards.filter((x) => x.files > 0).length, workers, `${name}: ${workers} shards`);
                    assert.deepEqual(res.stats.problems, refStats.problems, `${name}, ${workers} workers: problem counts`);
                    assert.equal(res.profiler.rows, refRows, `${name}, ${workers} workers: rows`);
                }
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
    });

    it("monitor analyze --workers 2 writes the same statistics.json and violations as --workers 1", async () => {
        const base = path.join(root, "baseline");
        const train = path.join(root, "train.csv");
        const r = rng(4);
        fs.writeFileSync(
            train,
            Array.from({ length: 3000 }, () =>
                [normal(r, 5, 2).toFixed(3), String(Math.floor(r() * 9)), ["x", "y"][Math.floor(r() * 2)], (r() * 1000).toFixed(1)].join(","),
            ).join("\n") + "\n",
        );
        const io = { out: () => undefined, err: () => undefined };
        assert.equal(await runCli(["baseline", "--dataset", train, "--out", base, "--columns", NAMES.join(",")], io), 0);
        const outs: string[] = [];
        for (const w of ["1", "2"]) {
            const out = path.join(root, `out-${w}`);
            const lines: string[] = [];
            const code = await runCli(
                [
                    "analyze",
                    "--baseline",
                    base,
                    "--capture",
                    path.join(root, "ep"),
                    "--out",
                    out,
                    "--endpoint",
                    "ep",
                    "--schedule",
                    "dq",
                    "--run-time",
                    "2026-03-04T12:00:00Z",
                    "--workers",
                    w,
                ],
                { out: (l) => lines.push(l), err: (l) => lines.push(l) },
            );
            assert.equal(code, 0, lines.join("\n"));
            assert.match(lines.join("\n"), new RegExp(`${w} worker`));
            outs.push(path.join(out, "reports", "ep", "dq", "2026", "03", "04", "12"));
        }
        const read = (d: string, f: string) => JSON.parse(fs.readFileSync(path.join(d, f), "utf8"));
        assertExactStatisticsEqual(read(outs[1], "statistics.json"), read(outs[0], "statistics.json"), "cli");
        assert.deepEqual(
            read(outs[1], "constraint_violations.json").violations.map(
                (v: { feature_name: string; constraint_check_type: string }) => `${v.feature_name}:${v.constraint_check_type}`,
            ),
            read(outs[0], "constraint_violations.json").violations.map(
                (v: { feature_name: string; constraint_check_type: string }) => `${v.feature_name}:${v.constraint_check_type}`,
            ),
        );
    });

    it("worker threads are reused warm by the next call, results unchanged; closeShardWorkers ends them and a later call starts new ones", async () => {
        await closeShardWorkers();
        const ep = path.join(root, "ep");
        const run = () => profileCaptureSharded(ep, { workers: 3, profiler: { columnNames: NAMES } });
        const a = await run();
        const b = await run();
        const workerThreads = (r: typeof a) => r.shards.slice(1).map((s) => s.thread);
        assert.equal(a.shards[0].thread, b.shards[0].thread, "the first shard runs on the calling thread");
        assert.ok(
            workerThreads(a).every((t) => t > 0 && t !== a.shards[0].thread),
            `the other shards run on worker threads: ${workerThreads(a)}`,
        );
        assert.deepEqual(new Set(workerThreads(b)), new Set(workerThreads(a)), "the second call reuses the same two threads");
        assertExactStatisticsEqual(b.profiler.toStatistics(), a.profiler.toStatistics(), "reused threads");
        assert.deepEqual(b.profiler.toPartial(), a.profiler.toPartial(), "a reused thread holds no state from its previous shard");
        await closeShardWorkers();
        const c = await run();
        assert.ok(
            workerThreads(c).every((t) => !workerThreads(a).includes(t)),
            `after closeShardWorkers new threads run (${workerThreads(c)} vs ${workerThreads(a)})`,
        );
        assertExactStatisticsEqual(c.profiler.toStatistics(), a.profiler.toStatistics(), "new threads");
        await closeShardWorkers();
    });

    it("prestartShardWorkers starts the missing threads once, and the next call profiles on them", async () => {
        await closeShardWorkers();
        const ep = path.join(root, "ep");
        const started = prestartShardWorkers(2);
        assert.equal(started.length, 2, "two new threads");
        assert.deepEqual(prestartShardWorkers(2), [], "they are in the pool: none started again");
        assert.deepEqual(prestartShardWorkers(1), [], "fewer asked for than waiting: none started");
        const r = await profileCaptureSharded(ep, { workers: 3, profiler: { columnNames: NAMES } });
        assert.deepEqual(new Set(r.shards.slice(1).map((s) => s.thread)), new Set(started), "the shards ran on the pre-started threads");
        assert.equal(r.profiler.rows, (await profileCaptureSharded(ep, { workers: 1, profiler: { columnNames: NAMES } })).profiler.rows);
        await closeShardWorkers();
        // a call with more workers than the pool holds starts the rest (before listing the window)
        const s = await profileCaptureSharded(ep, { workers: 2, profiler: { columnNames: NAMES } });
        assert.equal(s.shards.length, 2);
        assert.ok(!started.includes(s.shards[1].thread), "closeShardWorkers ended the pre-started threads");
        await closeShardWorkers();
    });

    it("a worker whose shard fails rejects the call naming the worker and stays in the pool; a worker that exits is replaced", async () => {
        const ep = path.join(root, "ep");
        const run = () => profileCaptureSharded(ep, { workers: 2, profiler: { columnNames: NAMES } });
        try {
            for (const fault of ["throw", "exit"]) {
                await closeShardWorkers();
                process.env.MLPLATFORM_SHARD_WORKER_FAULT = fault; // read by threads started from now on
                await assert.rejects(
                    run(),
                    fault === "throw"
                        ? /profiling worker failed on \d+ file\(s\) from .*injected fault/
                        : /profiling worker exited with code 3 before reporting .*rerun with --workers 1/,
                );
                delete process.env.MLPLATFORM_SHARD_WORKER_FAULT;
                if (fault === "throw") {
                    // the same (faulty) thread is reused: it fails again, it did not hang or leak the first job
                    await assert.rejects(run(), /injected fault/);
                    await closeShardWorkers();
                }
                const ok = await run();
                assert.equal(ok.shards.length, 2, `after "${fault}" a healthy thread profiles the second shard`);
                assert.ok(ok.profiler.rows > 3000);
            }
        } finally {
            delete process.env.MLPLATFORM_SHARD_WORKER_FAULT;
            await closeShardWorkers();
        }
    });

    it("worker threads leave out the parent's ts-node hooks (they load the project's .ts loader themselves) and keep the other node options", () => {
        assert.deepEqual(withoutTsNode(["-r", "ts-node/register/transpile-only", "--enable-source-maps"]), ["--enable-source-maps"]);
        assert.deepEqual(withoutTsNode(["--require=ts-node/register", "--loader", "ts-node/esm", "-r", "./other.js"]), ["-r", "./other.js"]);
        assert.deepEqual(withoutTsNode(["--require", "./test/helpers/node-support.ts"]), ["--require", "./test/helpers/node-support.ts"]);
        assert.deepEqual(withoutTsNode([]), []);
    });

    it("no thread detaches an ArrayBuffer (it would slow every typed-array access V8 compiles afterwards in that thread)", () => {
        // V8 prints each protector it invalidates with --trace-protector-invalidation, from every isolate of the
        // process; the first detach of an ArrayBuffer in a thread (a transfer, a WebAssembly memory grow) invalidates
        // ArrayBufferDetaching there (see shard-worker.ts and sketch/sort.ts for what it cost)
        const repo = path.resolve(__dirname, "..", "..");
        const run = (extra: string): string => {
            const script = `
                const { profileCaptureSharded, closeShardWorkers } = require(${JSON.stringify(path.join(repo, "lib/monitoring/shard.ts"))});
                const { sortFloat64 } = require(${JSON.stringify(path.join(repo, "lib/monitoring/sketch/sort.ts"))});
                (async () => {
                    for (const workers of [2, 2, 1]) await profileCaptureSharded(${JSON.stringify(path.join(root, "ep"))}, { workers, profiler: { columnNames: ${JSON.stringify(NAMES)} } });
                    // larger than the radix sorter's first memory: it needs a bigger one
                    const big = new Float64Array(200000).map((_, i) => Math.sin(i));
                    sortFloat64(big);
                    ${extra}
                    await closeShardWorkers();
                    console.log("finished");
                })().catch((e) => { console.error(e); process.exit(1); });`;
            const r = spawnSync(process.execPath, ["--trace-protector-invalidation", "-r", path.join(repo, "scripts", "run-ts.cjs"), "-e", script], {
                cwd: repo,
                encoding: "utf8",
            });
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /finished/);
            return r.stdout;
        };
        assert.doesNotMatch(run(""), /ArrayBufferDetaching/, "a thread detached an ArrayBuffer during profiling, the merge or a sort");
        // the check can fail: one explicit detach is reported
        assert.match(run("const ab = new ArrayBuffer(8); structuredClone(ab, { transfer: [ab] });"), /ArrayBufferDetaching/);
    });

    it("--workers 0 is refused naming the flag and the fix", async () => {
        const lines: string[] = [];
        const code = await runCli(
            ["analyze", "--baseline", path.join(root, "baseline"), "--capture", path.join(root, "ep"), "--out", path.join(root, "o"), "--workers", "0"],
            { out: (l) => lines.push(l), err: (l) => lines.push(l) },
        );
        assert.notEqual(code, 0);
        assert.match(lines.join("\n"), /--workers/);
    });
});
