import { strict as assert } from "assert";
import * as http from "http";
import { checkLoopbackUrl, percentile, runLoadTest, serveEndpoint, EndpointServer } from "../../lib/serving";
import { servingFixture } from "../../test-support/serving-fixture";

describe("serving: load tester", function () {
    this.timeout(30_000);

    it("refuses anything but http://127.0.0.1", async () => {
        for (const u of ["http://localhost:8080", "http://10.0.0.1:80", "https://127.0.0.1:443", "http://example.com", "not a url"]) {
            assert.throws(() => checkLoopbackUrl(u), /loopback|not a valid URL/, u);
            await assert.rejects(runLoadTest({ url: u, bodies: ["x"], sloP99Ms: 10 }), /loopback|not a valid URL/);
        }
        assert.equal(checkLoopbackUrl("http://127.0.0.1:1234").port, "1234");
    });

    it("nearest-rank percentiles", () => {
        const s = Float64Array.from({ length: 100 }, (_, i) => i + 1);
        assert.equal(percentile(s, 50), 50);
        assert.equal(percentile(s, 90), 90);
        assert.equal(percentile(s, 99), 99);
        assert.equal(percentile([7], 99), 7);
        assert.ok(Number.isNaN(percentile([], 50)));
    });

    it("steps up concurrency, stops at the first step over the p99 SLO and returns the best step under it", async () => {
        // latency grows with the number of requests in flight: 20 ms * sqrt(inFlight)
        let inFlight = 0;
        let served = 0;
        const srv = http.createServer((req, res) => {
            req.resume();
            inFlight++;
            served++;
            setTimeout(
                () => {
                    inFlight--;
                    res.end("0.5");
                },
                20 * Math.sqrt(inFlight),
            );
        });
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
        const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
        try {
            const res = await runLoadTest({
                url,
                client: "raw",
                bodies: ["1,2,3"],
                steps: [1, 2, 4, 8, 16, 32],
                stepDurationMs: 400,
                stepMaxRequests: 300,
                sloP99Ms: 50,
            });
            assert.equal(res.stoppedReason, "slo_exceeded");
            const last = res.steps[res.steps.length - 1];
            assert.ok(last.p99Ms > 50);
            assert.ok(res.steps.length <= 5, "at 16 in flight the nominal latency (80 ms) is over the SLO");
            for (const s of res.steps.slice(0, -1)) assert.ok(s.meetsSlo && s.p99Ms <= 50);
            for (const s of res.steps) {
                assert.ok(s.requests > 0 && s.requests <= 300, `bounded by the request budget: ${s.requests}`);
                assert.ok(s.seconds < 2, `bounded by the duration: ${s.seconds}`);
                assert.equal(s.errors, 0);
                assert.ok(s.p50Ms >= 19, `p50 ${s.p50Ms}`);
            }
            const under = res.steps.filter((s) => s.meetsSlo);
            if (under.length) assert.equal(res.best!.throughput, Math.max(...under.map((s) => s.throughput)));
            else assert.equal(res.best, undefined);
            assert.ok(served >= res.steps.reduce((a, s) => a + s.requests, 0));
        } finally {
            srv.close();
        }
    });

    it("counts non-2XX answers as errors and stops on the error rate", async () => {
        const f = servingFixture();
        const ep: EndpointServer = await serveEndpoint({
            endpointName: "lt",
            variants: [{ name: "A", modelPath: f.modelTarGz, weight: 1 }],
            capture: { enabled: false, samplingPercentage: 0, destination: "", prefix: "" },
            port: 0,
            host: "127.0.0.1",
        });
        try {
            for (const client of ["agent", "raw"] as const) {
                const before = ep.stats.ok;
                const good = await runLoadTest({
                    url: ep.url,
                    client,
                    bodies: f.rawLines.slice(0, 10),
                    steps: [1, 4],
                    stepDurationMs: 300,
                    stepMaxRequests: 200,
                    sloP99Ms: 5000,
                    inferenceIdPrefix: client,
                });
                assert.equal(good.stoppedReason, "completed", client);
                assert.equal(good.steps.length, 2);
                assert.ok(good.best && good.best.ok > 0 && good.best.throughput > 0);
                const okCount = good.steps.reduce((a, s) => a + s.ok, 0);
                assert.equal(
                    good.steps.reduce((a, s) => a + s.okInferenceIds!.length, 0),
                    okCount,
                );
                assert.ok(ep.stats.ok - before >= okCount, "the server really answered them");
                const bad = await runLoadTest({
                    url: ep.url,
                    client,
                    bodies: ["1,2,3"],
                    steps: [1, 2],
                    stepDurationMs: 200,
                    stepMaxRequests: 50,
                    sloP99Ms: 5000,
                });
                assert.equal(bad.stoppedReason, "error_rate_exceeded");
                assert.equal(bad.steps.length, 1);
                assert.equal(bad.steps[0].errorRate, 1);
                assert.deepEqual(Object.keys(bad.steps[0].statusCounts), ["400"]);
                assert.equal(bad.best, undefined);
            }
            // a dead port: every request fails (status 0) instead of hanging
            const dead = await runLoadTest({
                url: "http://127.0.0.1:1",
                client: "raw",
                bodies: ["x"],
                steps: [2],
                stepDurationMs: 100,
                stepMaxRequests: 20,
                sloP99Ms: 5000,
                timeoutMs: 500,
            });
            assert.equal(dead.steps[0].errorRate, 1);
            assert.deepEqual(Object.keys(dead.steps[0].statusCounts), ["0"]);
        } finally {
            await ep.stop();
        }
    });
});
