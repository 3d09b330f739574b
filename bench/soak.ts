/**
 * Soak benchmark (`npm run bench -- soak`; not part of the default suite): the local endpoint as the deploy step runs
 * it (a background process, startEndpoint) under mixed valid and invalid traffic at concurrency 64, with data capture
 * on (100 %) and small capture files so rotation happens often (`maxFileBytes` 512 KiB, `maxFileAgeMs` 30 s).
 *
 * Traffic mix per request (seeded): 60 % one raw Adult CSV row, 15 % a JSON {"instances"} document with 1-3 rows,
 * 25 % invalid: too few fields, a non-number, an empty body, a body that is not UTF-8 (Latin-1), an unsupported
 * Content-Type, random bytes. Every request carries a unique inference id.
 *
 * Checked at the end (after a graceful teardown, which flushes capture):
 *  - every capture line is a valid SageMaker capture record (readCaptureRecords reports no problem);
 *  - the set of captured inference ids equals the set of ids answered 200 (no 200 without its line, no line for a
 *    non-200), with no duplicate;
 *  - RSS of the server process (VmRSS, sampled every second): after a 30 s warm-up, the maximum may exceed the
 *    warm-up level by at most RSS_GROWTH_BOUND_MB (64 MB): a leak of a few hundred bytes per request would cross it.
 * Duration: SOAK_SECONDS (default 600 = the 10 minutes).
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { readCaptureRecords, CaptureReadStats } from "../lib/monitoring/capture";
import { startEndpoint, teardown } from "../lib/serving/process";
import { mulberry32 } from "../lib/common/random";
import { servingFixture } from "../test-support/serving-fixture";

const CONCURRENCY = 64;
const RSS_GROWTH_BOUND_MB = 64;
const WARMUP_S = 30;

function rssMb(pid: number): number | undefined {
    try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return m ? Number(m[1]) / 1024 : undefined;
    } catch {
        return undefined;
    }
}

function walk(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

export async function run(): Promise<Record<string, unknown>> {
    const seconds = Number(process.env.SOAK_SECONDS ?? 600);
    const f = servingFixture();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-soak-"));
    const capRoot = path.join(work, "capture");
    const ep = await startEndpoint(
        {
            endpointName: "soak",
            variants: [{ name: "A", modelPath: f.modelTarGz, weight: 1 }],
            capture: { enabled: true, samplingPercentage: 100, destination: capRoot, prefix: "datacapture", maxFileBytes: 512 * 1024, maxFileAgeMs: 30_000 },
            port: 0,
            host: "127.0.0.1",
            metricsIntervalMs: 60_000,
        },
        work,
    );
    const rng = mulberry32(12);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const statuses = new Map<string, number>();
    const byStatus: Record<string, number> = {};
    const rss: { t: number; mb: number }[] = [];
    const t0 = Date.now();
    const sampler = setInterval(() => {
        const mb = rssMb(ep.pid);
        if (mb !== undefined) rss.push({ t: (Date.now() - t0) / 1000, mb });
    }, 1000);

    const make = (): { body: Buffer; ct: string } => {
        const x = rng();
        const row = f.rawLines[Math.floor(rng() * f.rawLines.length)];
        if (x < 0.6) return { body: Buffer.from(row), ct: "text/csv" };
        if (x < 0.75) {
            const n = 1 + Math.floor(rng() * 3);
            const inst = Array.from({ length: n }, () => f.rawLines[Math.floor(rng() * f.rawLines.length)].split(",").map((s) => s.trim()));
            return { body: Buffer.from(JSON.stringify({ instances: inst })), ct: "application/json" };
        }
        const k = Math.floor(rng() * 6);
        if (k === 0) return { body: Buffer.from("1,2,3"), ct: "text/csv" };
        if (k === 1) return { body: Buffer.from(row.replace(/^\d+/, "forty")), ct: "text/csv" };
        if (k === 2) return { body: Buffer.alloc(0), ct: "text/csv" };
        if (k === 3) return { body: Buffer.from(row.replace("United-States", "España"), "latin1"), ct: "text/csv" };
        if (k === 4) return { body: Buffer.from(row), ct: "application/x-protobuf" };
        return {
            body: Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 200) }, () => Math.floor(rng() * 256))),
            ct: rng() < 0.5 ? "text/csv" : "application/json",
        };
    };

    let seq = 0;
    let transportErrors = 0;
    const deadline = t0 + seconds * 1000;
    const u = new URL(ep.url);
    const worker = async () => {
        while (Date.now() < deadline) {
            const id = `soak-${seq++}`;
            const { body, ct } = make();
            const status = await new Promise<number>((resolve) => {
                const req = http.request(
                    {
                        host: u.hostname,
                        port: Number(u.port),
                        path: "/invocations",
                        method: "POST",
                        agent,
                        headers: { "Content-Type": ct, "Content-Length": body.length, "X-Amzn-SageMaker-Inference-Id": id },
                    },
                    (res) => {
                        res.resume();
                        res.on("end", () => resolve(res.statusCode ?? 0));
                    },
                );
                req.on("error", () => resolve(0));
                req.end(body);
            });
            if (status === 0) transportErrors++;
            statuses.set(id, status);
            byStatus[status] = (byStatus[status] ?? 0) + 1;
        }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(sampler);
    agent.destroy();
    const elapsed = (Date.now() - t0) / 1000;
    await teardown(work, { graceMs: 15_000 });

    const stats = new CaptureReadStats();
    const captured: string[] = [];
    for await (const ev of readCaptureRecords(capRoot, { stats })) captured.push(String(ev.record.eventMetadata.inferenceId));
    const ok = [...statuses].filter(([, s]) => s === 200).map(([k]) => k);
    const okSet = new Set(ok);
    const capSet = new Set(captured);
    const missing = ok.filter((k) => !capSet.has(k)).length;
    const extra = captured.filter((k) => !okSet.has(k)).length;
    const files = walk(capRoot).filter((p) => p.endsWith(".jsonl"));
    const warm = rss.filter((r) => r.t <= WARMUP_S);
    const base = warm.length ? Math.max(...warm.map((r) => r.mb)) : (rss[0]?.mb ?? 0);
    const after = rss.filter((r) => r.t > WARMUP_S);
    const maxAfter = after.length ? Math.max(...after.map((r) => r.mb)) : base;
    const lastMin = rss.filter((r) => r.t > elapsed - 60).map((r) => r.mb);
    const result = {
        durationSeconds: +elapsed.toFixed(1),
        concurrency: CONCURRENCY,
        requests: statuses.size,
        throughputRps: Math.round(statuses.size / elapsed),
        byStatus,
        transportErrors,
        capture: {
            linesCaptured: captured.length,
            answered200: ok.length,
            missingFor200: missing,
            linesForNon200: extra,
            duplicates: captured.length - capSet.size,
            invalidLines: stats.problemCount,
            files: files.length,
        },
        rssMb: {
            warmupMax: +base.toFixed(1),
            maxAfterWarmup: +maxAfter.toFixed(1),
            lastMinuteMean: lastMin.length ? +(lastMin.reduce((a, b) => a + b, 0) / lastMin.length).toFixed(1) : null,
            growthMb: +(maxAfter - base).toFixed(1),
            boundMb: RSS_GROWTH_BOUND_MB,
        },
        pass:
            missing === 0 &&
            extra === 0 &&
            stats.problemCount === 0 &&
            captured.length === capSet.size &&
            maxAfter - base <= RSS_GROWTH_BOUND_MB &&
            files.length > 1,
    };
    fs.rmSync(work, { recursive: true, force: true });
    return result;
}

if (require.main === module) {
    run().then(
        (r) => {
            console.log(JSON.stringify(r, null, 2));
            process.exit(r.pass ? 0 : 1);
        },
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
