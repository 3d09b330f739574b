import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { EndpointConfig, isAlive, readState, startEndpoint, teardown, runStep } from "../../lib/serving";
import { expectedProb, servingFixture, tmpDir, ServingFixture } from "../../test-support/serving-fixture";

function post(port: number, body: string, headers: Record<string, string>, agent: http.Agent): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: "/invocations", method: "POST", headers, agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
            res.on("error", reject);
        });
        req.on("error", reject);
        req.end(body);
    });
}

function listJsonl(root: string): string[] {
    const out: string[] = [];
    if (!fs.existsSync(root)) return out;
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".jsonl")) out.push(p);
        }
    };
    walk(root);
    return out;
}

describe("serving: background endpoint process", function () {
    this.timeout(120_000);
    let f: ServingFixture;
    let work: string;
    const pids: number[] = [];
    const config = (over: Partial<EndpointConfig> = {}): EndpointConfig => ({
        endpointName: "bg-ep",
        variants: [{ name: "A", modelPath: f.modelTarGz, weight: 1 }],
        capture: { enabled: true, samplingPercentage: 100, destination: path.join(work, "bucket"), prefix: "dc" },
        port: 0,
        host: "127.0.0.1",
        ...over,
    });

    before(() => {
        f = servingFixture();
        work = tmpDir("proc");
    });
    after(async () => {
        await teardown(work, { graceMs: 3000 });
        for (const pid of pids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    });

    it("startEndpoint runs detached, writes pid + port, reuses on re-run, restarts on config change; teardown leaves nothing", async () => {
        // relative paths are resolved against the caller's cwd (the background process runs elsewhere)
        const cwd = process.cwd();
        process.chdir(work);
        let h;
        try {
            const rel = config({
                variants: [{ name: "A", modelPath: path.relative(work, f.modelTarGz), weight: 1 }],
                capture: { enabled: true, samplingPercentage: 100, destination: "bucket", prefix: "dc" },
            });
            h = await startEndpoint(rel, ".");
        } finally {
            process.chdir(cwd);
        }
        pids.push(h.pid);
        assert.equal(h.reused, false);
        assert.ok(h.port > 0 && isAlive(h.pid));
        const st = readState(path.join(work, "endpoint", "bg-ep.json"))!;
        assert.equal(st.pid, h.pid);
        assert.equal(st.port, h.port);
        const agent = new http.Agent({ keepAlive: false });
        const r = await post(h.port, f.rawLines[0], { "Content-Type": "text/csv" }, agent);
        assert.equal(r.status, 200);
        assert.equal(Number(r.body), expectedProb(f.booster, f.transform, f.rawLines[0]));

        const again = await startEndpoint(config(), work);
        assert.equal(again.reused, true, "same effective (absolute) config → reused");
        assert.equal(again.pid, h.pid);

        const changed = await startEndpoint(config({ variants: [{ name: "A", modelPath: f.modelJsonB, transformPath: f.transformJson, weight: 1 }] }), work);
        pids.push(changed.pid);
        assert.equal(changed.reused, false);
        assert.equal(changed.replaced, "config_changed");
        assert.notEqual(changed.pid, h.pid);
        assert.equal(isAlive(h.pid), false, "old process gone");
        const r2 = await post(changed.port, f.rawLines[0], { "Content-Type": "text/csv" }, agent);
        assert.equal(Number(r2.body), expectedProb(f.boosterB, f.transform, f.rawLines[0]), "new config is served");

        // retrained model written over the same path: same config text, new artifact → restart
        const modelCopy = path.join(work, "retrained.json");
        fs.copyFileSync(f.modelJsonB, modelCopy);
        const cfgR = config({ variants: [{ name: "A", modelPath: modelCopy, transformPath: f.transformJson, weight: 1 }] });
        const re1 = await startEndpoint(cfgR, work);
        pids.push(re1.pid);
        assert.equal(re1.replaced, "config_changed");
        fs.writeFileSync(modelCopy, fs.readFileSync(f.modelJson)); // "retrain": A's model under the same path
        const re2 = await startEndpoint(cfgR, work);
        pids.push(re2.pid);
        assert.equal(re2.replaced, "config_changed");
        assert.notEqual(re2.pid, re1.pid);
        const r3 = await post(re2.port, f.rawLines[0], { "Content-Type": "text/csv" }, agent);
        assert.equal(Number(r3.body), expectedProb(f.booster, f.transform, f.rawLines[0]), "the retrained model is served");

        const down = await teardown(work);
        assert.deepEqual(
            down.map((d) => [d.endpointName, d.pid, d.outcome]),
            [["bg-ep", re2.pid, "stopped"]],
        );
        assert.equal(isAlive(re2.pid), false);
        assert.equal(isAlive(changed.pid), false);
        assert.equal(isAlive(re1.pid), false);
        assert.equal(fs.existsSync(path.join(work, "endpoint", "bg-ep.json")), false);
        // graceful shutdown flushed the capture and the log says so
        const logs = fs
            .readFileSync(path.join(work, "endpoint", "bg-ep.log.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.ok(logs.some((l) => l.event === "shutdown" && l.reason === "SIGTERM"));
        assert.ok(logs.some((l) => l.event === "endpoint_stopped"));
        assert.ok(listJsonl(path.join(work, "bucket")).length >= 2);
        assert.deepEqual(await teardown(work), [], "teardown is idempotent");
    });

    it("a bad model is rejected before any process starts; a process that dies at start-up is reported with its output", async () => {
        const badModel = path.join(work, "bad.json");
        fs.writeFileSync(badModel, '{"learner": {}}');
        const t0 = Date.now();
        await assert.rejects(
            startEndpoint(config({ endpointName: "bad-ep", variants: [{ name: "A", modelPath: badModel, weight: 1 }] }), work),
            /variant "A": model .*bad.json cannot be loaded: .*objective is undefined/,
        );
        await assert.rejects(
            startEndpoint(config({ endpointName: "bad-ep", variants: [{ name: "A", modelPath: path.join(work, "missing.tar.gz"), weight: 1 }] }), work),
            /missing.tar.gz cannot be read \(ENOENT\)/,
        );
        assert.ok(Date.now() - t0 < 3000, "pre-flight, no process start");
        assert.equal(fs.existsSync(path.join(work, "endpoint", "bad-ep.json")), false);
        // port already taken: the background process exits before it is ready
        const blocker = http.createServer();
        await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
        const port = (blocker.address() as { port: number }).port;
        try {
            await assert.rejects(
                startEndpoint(config({ endpointName: "port-ep", port }), work),
                new RegExp(`exited with code 1 before it was ready[\\s\\S]*cannot listen on 127.0.0.1:${port}`),
            );
        } finally {
            blocker.close();
        }
        assert.equal(fs.existsSync(path.join(work, "endpoint", "port-ep.json")), false);
    });

    it("SIGKILL mid-load: every 200-answered request has its capture line and every line is complete JSON", async () => {
        const killConfig = config({
            endpointName: "kill-ep",
            capture: { enabled: true, samplingPercentage: 100, destination: path.join(work, "killbucket"), prefix: "dc", maxFileBytes: 64 * 1024 },
        });
        const h = await startEndpoint(killConfig, work);
        pids.push(h.pid);
        const agent = new http.Agent({ keepAlive: true, maxSockets: 24 });
        const okIds = new Set<string>();
        let failures = 0;
        let n = 0;
        let stop = false;
        const client = async (c: number) => {
            while (!stop) {
                const id = `kill-${c}-${n++}`;
                const rows = f.rawLines.slice(n % 50, (n % 50) + 1 + (n % 3)).join("\n");
                try {
                    const r = await post(h.port, rows, { "Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": id }, agent);
                    if (r.status === 200) okIds.add(id);
                    else failures++;
                } catch {
                    failures++;
                    if (stop) return;
                    await new Promise((res) => setTimeout(res, 5));
                    if (!isAlive(h.pid)) return;
                }
            }
        };
        const clients = Array.from({ length: 24 }, (_, c) => client(c));
        // kill once a good number of requests were answered (bounded by time)
        const t0 = Date.now();
        while (okIds.size < 800 && Date.now() - t0 < 10_000) await new Promise((res) => setTimeout(res, 10));
        process.kill(h.pid, "SIGKILL");
        const killedAt = okIds.size;
        setTimeout(() => (stop = true), 300);
        await Promise.all(clients);
        agent.destroy();
        assert.ok(killedAt >= 200, `only ${killedAt} requests answered before the kill (${failures} failed)`);
        const files = listJsonl(path.join(work, "killbucket", "dc", "kill-ep"));
        assert.ok(files.length >= 2, "size-based rotation produced several files");
        const seen = new Set<string>();
        let lines = 0;
        for (const file of files) {
            const text = fs.readFileSync(file, "utf8");
            assert.ok(text === "" || text.endsWith("\n"), `${file} ends with a complete line`);
            for (const line of text.split("\n")) {
                if (line === "") continue;
                lines++;
                const rec = JSON.parse(line); // throws on a torn line
                assert.ok(rec.captureData.endpointInput.data && rec.captureData.endpointOutput.data);
                seen.add(rec.eventMetadata.inferenceId);
            }
        }
        const missing = [...okIds].filter((id) => !seen.has(id));
        assert.deepEqual(missing, [], `${missing.length} of ${okIds.size} answered requests have no capture line`);
        assert.ok(lines >= okIds.size);
        // the pid file is now stale: startEndpoint replaces it with a fresh process (which repairs nothing:
        // every file already ends with a complete line), a bounded load step runs, teardown stops it
        const restarted = await startEndpoint(killConfig, work);
        pids.push(restarted.pid);
        assert.equal(restarted.replaced, "stale_pid_file");
        assert.notEqual(restarted.pid, h.pid);
        const r = await runStep({ url: restarted.url, bodies: f.rawLines.slice(0, 20), sloP99Ms: 1000, stepDurationMs: 500, stepMaxRequests: 300 }, 4);
        assert.ok(r.requests > 0 && r.requests <= 300);
        assert.equal(r.errors, 0);
        assert.ok(r.p50Ms <= r.p90Ms && r.p90Ms <= r.p99Ms && r.p99Ms <= r.maxMs);
        const down = await teardown(work, { endpointName: "kill-ep" });
        assert.deepEqual(
            down.map((d) => d.outcome),
            ["stopped"],
        );
        assert.equal(isAlive(restarted.pid), false);
        assert.equal(fs.existsSync(path.join(work, "endpoint", "kill-ep.json")), false);
    });

    it("teardown of a stale pid file (dead or unrelated pid) signals nothing and removes the file", async () => {
        const dir = path.join(work, "endpoint");
        fs.mkdirSync(dir, { recursive: true });
        const stale = (name: string, pid: number) =>
            fs.writeFileSync(
                path.join(dir, `${name}.json`),
                JSON.stringify({ endpointName: name, pid, port: 1, host: "127.0.0.1", url: "http://127.0.0.1:1", configHash: "x", startedAt: "" }),
            );
        stale("dead-ep", 999_999);
        stale("mine-ep", process.pid); // a live pid that is not an endpoint server (pid reuse)
        const down = await teardown(work);
        assert.deepEqual(down.map((d) => [d.endpointName, d.outcome]).sort(), [
            ["dead-ep", "not_running"],
            ["mine-ep", "not_running"],
        ]);
        assert.ok(isAlive(process.pid));
        assert.deepEqual(
            fs.readdirSync(dir).filter((x) => /-ep\.json$/.test(x) && !x.endsWith(".config.json")),
            [],
        );
    });
});
