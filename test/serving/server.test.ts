import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { readCaptureRecords, CaptureReadStats, CaptureRecord } from "../../lib/monitoring/capture";
import { EndpointConfig, EndpointServer, serveEndpoint, EndpointConfigError, validateEndpointConfig, VariantRouter } from "../../lib/serving";
import { expectedProb, servingFixture, tmpDir, ServingFixture } from "../../test-support/serving-fixture";
import { until } from "../helpers/wait";

interface Resp {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(url: string, method: string, p: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Resp> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const req = http.request({ host: u.hostname, port: u.port, path: p, method, headers, agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        });
        req.on("error", reject);
        req.end(body);
    });
}

const invoke = (url: string, body: string | Buffer, headers: Record<string, string> = { "Content-Type": "text/csv" }) =>
    request(url, "POST", "/invocations", body, headers);

async function captured(root: string, variant?: string): Promise<CaptureRecord[]> {
    const out: CaptureRecord[] = [];
    if (!fs.existsSync(root)) return out;
    const stats = new CaptureReadStats();
    for await (const ev of readCaptureRecords(root, { stats })) {
        if (!variant || ev.file.split(path.sep).includes(variant)) out.push(ev.record);
    }
    assert.equal(stats.problemCount, 0, JSON.stringify(stats.toJSON()));
    return out;
}

describe("serving: endpoint config validation", () => {
    const good = (): EndpointConfig => ({
        endpointName: "ep",
        variants: [{ name: "A", modelPath: "/x/model.json", weight: 1 }],
        capture: { enabled: false, samplingPercentage: 100, destination: "/tmp/x", prefix: "" },
        port: 0,
        host: "127.0.0.1",
    });
    it("accepts a valid config and reports every problem of a bad one at once", () => {
        assert.equal(validateEndpointConfig(good()).endpointName, "ep");
        const bad = {
            ...good(),
            endpointName: "bad name",
            host: "0.0.0.0",
            variants: [
                { name: "A", modelPath: "", weight: -1 },
                { name: "A", modelPath: "m", weight: 1 },
            ],
        };
        try {
            validateEndpointConfig(bad);
            assert.fail("expected an error");
        } catch (e) {
            assert.ok(e instanceof EndpointConfigError);
            const msg = (e as Error).message;
            assert.match(msg, /endpointName "bad name"/);
            assert.match(msg, /not a loopback address/);
            assert.match(msg, /variants\[0\]\.modelPath is missing/);
            assert.match(msg, /variants\[0\]\.weight -1/);
            assert.match(msg, /"A" is used twice/);
        }
        assert.throws(() => validateEndpointConfig({ ...good(), variants: [{ name: "A", modelPath: "m", weight: 0 }] }), /sum to 0/);
    });

    it("weighted router: seeded, follows weights, rejects bad updates atomically", () => {
        const r = new VariantRouter(
            [
                { name: "A", weight: 3 },
                { name: "B", weight: 1 },
            ],
            42,
        );
        const r2 = new VariantRouter(
            [
                { name: "A", weight: 3 },
                { name: "B", weight: 1 },
            ],
            42,
        );
        const seq = Array.from({ length: 4000 }, () => r.pick());
        assert.deepEqual(
            seq.slice(0, 50),
            Array.from({ length: 50 }, () => r2.pick()),
            "same seed, same routing",
        );
        const shareA = seq.filter((x) => x === "A").length / seq.length;
        assert.ok(Math.abs(shareA - 0.75) < 0.03, `A share ${shareA}`);
        assert.throws(() => r.setWeights({ C: 1 }), /unknown variant "C"/);
        assert.throws(() => r.setWeights({ A: 0, B: 0 }), /all variant weights would be 0/);
        assert.throws(() => r.setWeights({ A: -1 }), /finite number >= 0/);
        assert.deepEqual(r.weights(), { A: 3, B: 1 }, "unchanged after rejected updates");
        r.setWeights({ A: 0 });
        assert.ok(Array.from({ length: 200 }, () => r.pick()).every((x) => x === "B"));
    });
});

describe("serving: in-process endpoint", function () {
    this.timeout(30_000);
    let f: ServingFixture;
    let server: EndpointServer;
    let capRoot: string;
    let work: string;

    before(async () => {
        f = servingFixture();
        work = tmpDir("srv");
        capRoot = path.join(work, "bucket");
        server = await serveEndpoint({
            endpointName: "adult-ep",
            variants: [
                { name: "A", modelPath: f.modelTarGz, weight: 1 },
                { name: "B", modelPath: f.modelJsonB, transformPath: f.transformJson, weight: 1 },
                { name: "Raw", modelPath: f.modelJson, weight: 0 },
            ],
            shadowVariant: { name: "S", modelPath: f.modelJsonB, transformPath: f.transformJson },
            capture: { enabled: true, samplingPercentage: 100, destination: capRoot, prefix: "datacapture/run1" },
            port: 0,
            host: "127.0.0.1",
            seed: 7,
            logFile: path.join(work, "log.jsonl"),
            metricsFile: path.join(work, "metrics.jsonl"),
            metricsIntervalMs: 60_000,
        });
    });
    after(async () => {
        await server?.stop();
        agent.destroy();
    });

    it("GET /ping is 200; unknown routes 404, wrong methods 405", async () => {
        assert.equal((await request(server.url, "GET", "/ping")).status, 200);
        assert.equal((await request(server.url, "GET", "/nope")).status, 404);
        assert.equal((await request(server.url, "GET", "/invocations")).status, 405);
    });

    it("raw Adult CSV rows are transformed and scored exactly like lib/features + lib/training", async () => {
        for (const variant of ["A", "B"]) {
            const b = variant === "A" ? f.booster : f.boosterB;
            const one = await invoke(server.url, f.rawLines[0], { "Content-Type": "text/csv", "X-Amzn-SageMaker-Target-Variant": variant });
            assert.equal(one.status, 200, one.body);
            assert.equal(one.headers["x-amzn-invoked-production-variant"], variant);
            assert.equal(one.headers["content-type"], "text/csv");
            assert.equal(Number(one.body), expectedProb(b, f.transform, f.rawLines[0]));
            const many = await invoke(server.url, f.rawLines.slice(0, 20).join("\r\n") + "\n", {
                "Content-Type": "text/csv; charset=utf-8",
                "X-Amzn-SageMaker-Target-Variant": variant,
            });
            assert.equal(many.status, 200, many.body);
            const got = many.body.split("\n").map(Number);
            assert.deepEqual(
                got,
                f.rawLines.slice(0, 20).map((l) => expectedProb(b, f.transform, l)),
            );
        }
        assert.notEqual(expectedProb(f.booster, f.transform, f.rawLines[0]), expectedProb(f.boosterB, f.transform, f.rawLines[0]), "A and B really differ");
    });

    it("already-transformed numeric rows work on a variant without a transform", async () => {
        const v = Array.from(f.transform.applyCsvLine(f.rawLines[1]));
        const csv = v.map((x) => (Number.isNaN(x) ? "" : String(x))).join(",");
        const r = await invoke(server.url, csv, { "Content-Type": "text/csv", "X-Amzn-SageMaker-Target-Variant": "Raw" });
        assert.equal(r.status, 200, r.body);
        assert.equal(Number(r.body), expectedProb(f.booster, f.transform, f.rawLines[1]));
        const bad = await invoke(server.url, f.rawLines[1], { "Content-Type": "text/csv", "X-Amzn-SageMaker-Target-Variant": "Raw" });
        assert.equal(bad.status, 400);
        assert.match(bad.body, /expects 83 numeric features|not a number/);
    });

    it('JSON input ({"instances"}, {"features"}, records) and JSON / JSON Lines output', async () => {
        const cols = f.transform.state.inputColumns;
        const raw = f.rawLines.slice(0, 3).map((l) => l.split(",").map((s) => s.trim()));
        const exp = f.rawLines.slice(0, 3).map((l) => expectedProb(f.booster, f.transform, l));
        const h = { "Content-Type": "application/json", Accept: "application/json", "X-Amzn-SageMaker-Target-Variant": "A" };
        const r1 = await invoke(server.url, JSON.stringify({ instances: raw }), h);
        assert.equal(r1.status, 200, r1.body);
        assert.equal(r1.headers["content-type"], "application/json");
        assert.deepEqual(JSON.parse(r1.body), { predictions: exp.map((score) => ({ score })) });
        const rec = Object.fromEntries(cols.map((c, j) => [c, raw[0][j]]));
        const r2 = await invoke(server.url, JSON.stringify({ instances: [rec, { features: raw[1] }] }), h);
        assert.deepEqual(
            JSON.parse(r2.body).predictions.map((p: { score: number }) => p.score),
            exp.slice(0, 2),
        );
        const r3 = await invoke(server.url, JSON.stringify({ features: raw[2] }), { ...h, Accept: "application/jsonlines" });
        assert.equal(r3.body, `{"score":${exp[2]}}\n`);
        const v = Array.from(f.transform.applyCsvLine(f.rawLines[0])).map((x) => (Number.isNaN(x) ? null : x));
        const r4 = await invoke(server.url, JSON.stringify({ instances: [v] }), { ...h, "X-Amzn-SageMaker-Target-Variant": "Raw", Accept: "text/csv" });
        assert.equal(Number(r4.body), exp[0]);
    });

    it("target variant: unknown → 400 listing the variants; weights route traffic and /admin/weights changes them", async () => {
        const bad = await invoke(server.url, f.rawLines[0], { "Content-Type": "text/csv", "X-Amzn-SageMaker-Target-Variant": "Zed" });
        assert.equal(bad.status, 400);
        assert.match(JSON.parse(bad.body).message, /"Zed" is not a production variant .* A, B, Raw/);
        const seen: Record<string, number> = {};
        for (let i = 0; i < 60; i++) {
            const r = await invoke(server.url, f.rawLines[i]);
            seen[r.headers["x-amzn-invoked-production-variant"] as string] = (seen[r.headers["x-amzn-invoked-production-variant"] as string] ?? 0) + 1;
        }
        assert.ok(seen.A > 10 && seen.B > 10 && !seen.Raw, JSON.stringify(seen));
        const up = await request(
            server.url,
            "POST",
            "/admin/weights",
            JSON.stringify({ DesiredWeightsAndCapacities: [{ VariantName: "A", DesiredWeight: 0 }] }),
        );
        assert.equal(up.status, 200, up.body);
        assert.deepEqual(JSON.parse(up.body).weights, { A: 0, B: 1, Raw: 0 });
        for (let i = 0; i < 20; i++) assert.equal((await invoke(server.url, f.rawLines[i])).headers["x-amzn-invoked-production-variant"], "B");
        const rej = await request(server.url, "POST", "/admin/weights", JSON.stringify({ weights: { B: 0 } }));
        assert.equal(rej.status, 400);
        assert.match(rej.body, /all variant weights would be 0/);
        assert.equal((await request(server.url, "POST", "/admin/weights", "{oops")).status, 400);
        assert.equal((await request(server.url, "POST", "/admin/weights", JSON.stringify({ weights: { A: 1, B: 1 } }))).status, 200);
    });

    it("capture: SageMaker JSON Lines records with inference id, under <prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/", async () => {
        const id = "inf-capture-test-1";
        const r = await invoke(server.url, f.rawLines[5], {
            "Content-Type": "text/csv",
            "X-Amzn-SageMaker-Target-Variant": "B",
            "X-Amzn-SageMaker-Inference-Id": id,
        });
        assert.equal(r.status, 200);
        const recs = await captured(capRoot, "B");
        const mine = recs.filter((x) => x.eventMetadata.inferenceId === id);
        assert.equal(mine.length, 1, "exactly one production record under B");
        const rec = mine[0];
        assert.deepEqual(rec.captureData.endpointInput, { observedContentType: "text/csv", mode: "INPUT", data: f.rawLines[5], encoding: "CSV" });
        assert.deepEqual(rec.captureData.endpointOutput, { observedContentType: "text/csv", mode: "OUTPUT", data: r.body, encoding: "CSV" });
        assert.equal(rec.eventVersion, "0");
        assert.match(rec.eventMetadata.eventId, /^[0-9a-f-]{36}$/);
        assert.match(rec.eventMetadata.inferenceTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        const files = server.capture!.files.map((p) => path.relative(capRoot, p).split(path.sep).join("/"));
        assert.ok(
            files.some((p) => /^datacapture\/run1\/adult-ep\/B\/\d{4}\/\d\d\/\d\d\/\d\d\/\d\d-\d\d-\d{3}-[0-9a-f-]{36}\.jsonl$/.test(p)),
            files.join("\n"),
        );
        // the shadow variant got a copy under its own name, never returned to the caller
        // (scored and captured after the response, in a setImmediate: wait for it, with a deadline, rather than a fixed 1 s)
        await until(async () => (await captured(capRoot, "S")).some((x) => x.eventMetadata.inferenceId === id));
        const sh = (await captured(capRoot, "S")).filter((x) => x.eventMetadata.inferenceId === id);
        assert.equal(sh.length, 1, "shadow copy captured under S with the same inference id");
        assert.equal(Number(sh[0].captureData.endpointOutput!.data), expectedProb(f.boosterB, f.transform, f.rawLines[5]));
        assert.equal((await captured(capRoot)).filter((x) => x.eventMetadata.inferenceId === id).length, 2);
        assert.equal(r.headers["x-amzn-invoked-production-variant"], "B");
    });

    it("bad requests get 4XX with clear messages, are counted, and never crash the server (fuzz set)", async () => {
        const before = { ...server.stats.clientErrors };
        const cases: { body: string | Buffer; headers: Record<string, string>; status: number; re: RegExp }[] = [
            { body: "", headers: { "Content-Type": "text/csv" }, status: 400, re: /body is empty/ },
            { body: "\n\n  \n", headers: { "Content-Type": "text/csv" }, status: 400, re: /body is empty/ },
            { body: "1,2,3", headers: { "Content-Type": "text/csv" }, status: 400, re: /3 fields but the transform expects 14/ },
            {
                body: f.rawLines[0].replace(/^\d+/, "forty"),
                headers: { "Content-Type": "text/csv" },
                status: 400,
                re: /column "age": value "forty" is not a number/,
            },
            {
                body: f.rawLines[0] + "\n" + f.rawLines[1] + ", extra",
                headers: { "Content-Type": "text/csv" },
                status: 400,
                re: /CSV row 2: CSV line has 15 fields/,
            },
            { body: "x", headers: { "Content-Type": "application/x-protobuf" }, status: 415, re: /Content-Type "application\/x-protobuf" is not supported/ },
            { body: f.rawLines[0], headers: { "Content-Type": "text/csv", Accept: "image/png" }, status: 406, re: /Accept "image\/png"/ },
            { body: '{"instances": [', headers: { "Content-Type": "application/json" }, status: 400, re: /body is not valid JSON/ },
            { body: "[1,2,3]", headers: { "Content-Type": "application/json" }, status: 400, re: /must be \{"instances"/ },
            { body: '{"instances": []}', headers: { "Content-Type": "application/json" }, status: 400, re: /empty/ },
            { body: '{"instances": [[1, 2]]}', headers: { "Content-Type": "application/json" }, status: 400, re: /2 values but the transform expects 14/ },
            { body: '{"instances": [{"nope": 1}]}', headers: { "Content-Type": "application/json" }, status: 400, re: /unknown column\(s\) nope/ },
            {
                body: '{"instances": [[{"a":1},1,1,1,1,1,1,1,1,1,1,1,1,1]]}',
                headers: { "Content-Type": "application/json" },
                status: 400,
                re: /send a string, number or null/,
            },
            { body: '{"instances": [7]}', headers: { "Content-Type": "application/json" }, status: 400, re: /must be an array/ },
            { body: "null", headers: { "Content-Type": "application/json" }, status: 400, re: /must be \{"instances"/ },
            {
                body: Buffer.from([0xff, 0xfe, 0x00, 0x41]),
                headers: { "Content-Type": "text/csv" },
                status: 400,
                re: /^the text\/csv request body is not valid UTF-8 \(first invalid byte at offset 0\)/,
            },
            { body: '"unterminated, quote', headers: { "Content-Type": "text/csv" }, status: 400, re: /fields/ },
            { body: f.rawLines[0], headers: { "Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": "id-\u00e9" }, status: 400, re: /Inference-Id/ },
            {
                body: f.rawLines[0],
                headers: { "Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": "x".repeat(65) },
                status: 400,
                re: /1-64 printable/,
            },
            {
                body: ",,,,,,,,,,,,,",
                headers: { "Content-Type": "text/csv", "X-Amzn-SageMaker-Target-Variant": "Raw" },
                status: 400,
                re: /14 values but variant "Raw" expects 83/,
            },
            {
                body: Array(83).fill("1e999").join(","),
                headers: { "Content-Type": "text/csv", "X-Amzn-SageMaker-Target-Variant": "Raw" },
                status: 400,
                re: /"1e999" is not a number/,
            },
        ];
        for (const c of cases) {
            const r = await invoke(server.url, c.body, c.headers);
            assert.equal(r.status, c.status, `${JSON.stringify(String(c.body).slice(0, 40))} → ${r.status} ${r.body}`);
            const msg = JSON.parse(r.body).message as string;
            assert.match(msg, c.re);
        }
        // random garbage bodies: always a 4XX, never a 5XX or a dropped connection
        let seed = 12345;
        const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
        for (let i = 0; i < 60; i++) {
            const n = Math.floor(rnd() * 300);
            const bytes = Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
            const ct = rnd() < 0.5 ? "text/csv" : "application/json";
            const r = await invoke(server.url, bytes, { "Content-Type": ct });
            assert.ok(r.status >= 400 && r.status < 500, `garbage #${i} (${ct}) → ${r.status} ${r.body}`);
        }
        assert.equal((await request(server.url, "GET", "/ping")).status, 200);
        const after = server.stats.clientErrors;
        const bad = (x: Record<string, number>) => (x.invalid_input ?? 0) + (x.invalid_encoding ?? 0);
        assert.ok(bad(after) - bad(before) >= 60 + 10);
        assert.ok((after.invalid_encoding ?? 0) - (before.invalid_encoding ?? 0) >= 1, "random bytes include non-UTF-8 bodies");
        assert.ok((after.empty_body ?? 0) - (before.empty_body ?? 0) >= 2);
        assert.equal(server.stats.serverErrors, 0);
    });

    it("payloads over 6 MB are rejected with 413 (declared or streamed) and the server keeps serving", async () => {
        const big = Buffer.alloc(6 * 1024 * 1024 + 10, 0x31);
        const r = await invoke(server.url, big, { "Content-Type": "text/csv" });
        assert.equal(r.status, 413);
        assert.match(JSON.parse(r.body).message, /limit is 6291456 bytes/);
        // chunked upload without Content-Length
        const u = new URL(server.url);
        const status = await new Promise<number>((resolve, reject) => {
            const req = http.request(
                {
                    host: u.hostname,
                    port: u.port,
                    path: "/invocations",
                    method: "POST",
                    headers: { "Content-Type": "text/csv", "Transfer-Encoding": "chunked" },
                    agent: false,
                },
                (res) => {
                    res.resume();
                    resolve(res.statusCode!);
                },
            );
            req.on("error", reject);
            const chunk = Buffer.alloc(1024 * 1024, 0x32);
            for (let i = 0; i < 7; i++) req.write(chunk);
            req.end();
        });
        assert.equal(status, 413);
        assert.equal((await invoke(server.url, f.rawLines[0])).status, 200);
    });

    it("per-variant EMF metrics and structured JSON logs", async () => {
        const lines = server.metrics.flush();
        const docs = lines.map((l) => JSON.parse(l));
        const a = docs.find((d) => d.VariantName === "A");
        assert.ok(a, lines.join("\n"));
        assert.equal(a.EndpointName, "adult-ep");
        assert.equal(a._aws.CloudWatchMetrics[0].Namespace, "Local/SageMaker");
        assert.deepEqual(a._aws.CloudWatchMetrics[0].Dimensions, [["EndpointName", "VariantName"]]);
        const units = Object.fromEntries(a._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit]));
        assert.equal(units.Invocations, "Count");
        assert.equal(units.ModelLatency, "Microseconds");
        assert.equal(units.OverheadLatency, "Microseconds");
        assert.ok(a.Invocations > 0 && a.Invocation4XXErrors > 0 && a.ModelLatency > 0 && a.OverheadLatency >= 0);
        const ep = docs.find((d) => d.VariantName === undefined);
        assert.ok(ep && ep.Invocation4XXErrors >= 1, "unknown-variant 400 counted at endpoint level");
        const s = docs.find((d) => d.VariantName === "S");
        assert.ok(s && s.Invocations > 0, "shadow variant has its own metrics");
        const fileLines = fs.readFileSync(path.join(work, "metrics.jsonl"), "utf8").trim().split("\n");
        assert.deepEqual(fileLines.slice(-lines.length), lines);
        const logs = fs
            .readFileSync(path.join(work, "log.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.ok(logs.every((l) => typeof l.time === "string" && typeof l.level === "string" && typeof l.event === "string"));
        assert.ok(logs.some((l) => l.event === "endpoint_started"));
        assert.ok(logs.some((l) => l.event === "invocation_error" && l.status === 415));
        assert.ok(logs.some((l) => l.event === "weights_updated"));
        const st = await request(server.url, "GET", "/admin/status");
        assert.equal(JSON.parse(st.body).metrics.A.invocations, server.metrics.snapshot().A.invocations);
    });

    it("sampling 0% captures nothing; comma CSV output reproduces the container real-time layout", async () => {
        const w = tmpDir("nocap");
        const s2 = await serveEndpoint({
            endpointName: "ep2",
            variants: [{ name: "A", modelPath: f.modelTarGz, weight: 1 }],
            capture: { enabled: true, samplingPercentage: 0, destination: w, prefix: "" },
            port: 0,
            host: "127.0.0.1",
            csvOutput: "comma",
        });
        try {
            const r = await invoke(s2.url, f.rawLines.slice(0, 3).join("\n"));
            assert.equal(
                r.body,
                f.rawLines
                    .slice(0, 3)
                    .map((l) => String(expectedProb(f.booster, f.transform, l)))
                    .join(","),
            );
        } finally {
            await s2.stop();
        }
        assert.equal((await captured(w)).length, 0);
        assert.equal(s2.stats.captured, 0);
        // 30 %: a seeded share of the requests is captured, exactly those the server counted
        const w3 = tmpDir("halfcap");
        const s3 = await serveEndpoint({
            endpointName: "ep3",
            variants: [{ name: "A", modelPath: f.modelTarGz, weight: 1 }],
            capture: { enabled: true, samplingPercentage: 30, destination: w3, prefix: "" },
            port: 0,
            host: "127.0.0.1",
            seed: 3,
        });
        try {
            for (let i = 0; i < 300; i++)
                assert.equal((await invoke(s3.url, f.rawLines[i], { "Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": `s-${i}` })).status, 200);
        } finally {
            await s3.stop();
        }
        const recs = await captured(w3);
        assert.equal(recs.length, s3.stats.captured);
        assert.ok(recs.length > 60 && recs.length < 120, `captured ${recs.length} of 300 at 30 %`);
        assert.equal(new Set(recs.map((r) => r.eventMetadata.inferenceId)).size, recs.length);
    });
});

describe("serving: graceful shutdown", function () {
    this.timeout(30_000);

    it("stop() drains in-flight requests (all answered and captured), then refuses new ones; metrics flush periodically", async () => {
        const f = servingFixture();
        const work = tmpDir("drain");
        const bucket = path.join(work, "bucket");
        const s = await serveEndpoint({
            endpointName: "drain-ep",
            variants: [{ name: "A", modelPath: f.modelTarGz, weight: 1 }],
            capture: { enabled: true, samplingPercentage: 100, destination: bucket, prefix: "" },
            port: 0,
            host: "127.0.0.1",
            metricsFile: path.join(work, "metrics.jsonl"),
            metricsIntervalMs: 50,
        });
        const url = s.url;
        const a = new http.Agent({ keepAlive: true, maxSockets: 40 });
        const start = (i: number) => {
            let endBody = () => undefined as void;
            const done = new Promise<Resp>((resolve, reject) => {
                const u = new URL(url);
                const body = JSON.stringify({ instances: [f.rawLines[i % 50].split(",").map((x) => x.trim())] });
                const req = http.request(
                    {
                        host: u.hostname,
                        port: u.port,
                        path: "/invocations",
                        method: "POST",
                        agent: a,
                        headers: { "Content-Type": "application/json", Accept: "application/json", "X-Amzn-SageMaker-Inference-Id": `drain-${i}` },
                    },
                    (res) => {
                        const c: Buffer[] = [];
                        res.on("data", (d) => c.push(d));
                        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(c).toString() }));
                    },
                );
                req.on("error", reject);
                req.flushHeaders(); // the head now, the body when the test says so
                endBody = () => req.end(body);
            });
            return { done, endBody };
        };
        const first = start(0);
        first.endBody();
        assert.equal((await first.done).status, 200);
        await new Promise((r) => setTimeout(r, 120)); // > 2 metric intervals
        const metricLines = fs.readFileSync(path.join(work, "metrics.jsonl"), "utf8").trim().split("\n");
        assert.ok(metricLines.length >= 1 && JSON.parse(metricLines[0]).Invocations === 1, "periodic flush wrote the first interval");
        const inflight = Array.from({ length: 30 }, (_, i) => start(i + 1));
        // wait until the server has every request head (a connection without a request is idle and is closed)
        await until(() => s.stats.requests >= 31);
        assert.equal(s.stats.requests, 31);
        const stopped = s.stop(5000);
        for (const r of inflight) r.endBody(); // bodies arrive while the server is draining
        const results = await Promise.all(inflight.map((r) => r.done));
        await stopped;
        assert.deepEqual(
            results.map((r) => r.status),
            Array(30).fill(200),
        );
        assert.ok(
            results.every((r) => r.headers.connection === "close"),
            "keep-alive connections are closed while draining",
        );
        await assert.rejects(invoke(url, f.rawLines[0]), /ECONNREFUSED/);
        a.destroy();
        const recs = await captured(bucket);
        const ids = new Set(recs.map((r) => r.eventMetadata.inferenceId));
        for (let i = 0; i <= 30; i++) assert.ok(ids.has(`drain-${i}`), `drain-${i} captured`);
        const j = recs.find((r) => r.eventMetadata.inferenceId === "drain-1")!;
        assert.equal(j.captureData.endpointInput!.encoding, "JSON");
        assert.equal(j.captureData.endpointInput!.observedContentType, "application/json");
        assert.equal(j.captureData.endpointOutput!.encoding, "JSON");
        assert.equal(JSON.parse(j.captureData.endpointOutput!.data).predictions.length, 1);
        const total = fs
            .readFileSync(path.join(work, "metrics.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l))
            .reduce((acc, d) => acc + d.Invocations, 0);
        assert.equal(total, 31, "the last interval was flushed on stop");
    });
});
