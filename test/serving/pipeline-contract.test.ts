/**
 * One endpoint contract on both targets. The same requests go to
 *   (a) the local endpoint (lib/serving: in-process transform + scorer), and
 *   (b) the same endpoint front whose variants are inference pipelines (lib/serving/pipeline.ts) of the two emulated
 *       containers: AWS's scikit-learn serving contract running lib/aws/scripts/preprocess.py from sourcedir.tar.gz
 *       with Debian's python3, then our scorer in the XGBoost container's protocol — the shape of the AWS endpoint,
 * and the answers must be identical: status, Content-Type, body (scores included), invoked variant; and the data
 * capture holds the same raw records and answers. Skips with a message when /usr/bin/python3 is absent.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { serveEndpoint, EndpointServer } from "../../lib/serving/server";
import { DEBIAN_PYTHON, startPipelineEmulation, PipelineEmulation } from "../../lib/serving/pipeline-emulation";
import { servingFixture, tmpDir } from "../../test-support/serving-fixture";

interface Req {
    name: string;
    body: string | Buffer;
    headers?: Record<string, string>;
}

interface Answer {
    status: number;
    contentType: string;
    body: string;
    variant: string | undefined;
}

function call(url: string, r: Req): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, "utf8");
        const req = http.request(`${url}/invocations`, { method: "POST", headers: { "Content-Length": body.length, ...(r.headers ?? {}) } }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({
                    status: res.statusCode ?? 0,
                    contentType: String(res.headers["content-type"]),
                    body: Buffer.concat(chunks).toString("utf8"),
                    variant: res.headers["x-amzn-invoked-production-variant"] as string | undefined,
                }),
            );
        });
        req.on("error", reject);
        req.end(body);
    });
}

const CSV = { "Content-Type": "text/csv" };
const JSONCT = { "Content-Type": "application/json" };

function captureLines(root: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".jsonl")) {
                const variant = path.relative(root, p).split(path.sep)[1]; // <endpoint>/<variant>/yyyy/mm/dd/hh/file
                for (const l of fs.readFileSync(p, "utf8").split("\n").filter(Boolean)) {
                    const rec = JSON.parse(l);
                    // eventId (uuid) and inferenceTime (clock) differ by nature; everything else must not.
                    (out[variant] ??= []).push(JSON.stringify({ captureData: rec.captureData, inferenceId: rec.eventMetadata.inferenceId }));
                }
            }
        }
    };
    walk(root);
    return out;
}

describe("one endpoint contract: local endpoint vs inference-pipeline emulation", function () {
    this.timeout(120_000);
    const fx = servingFixture();
    let local: EndpointServer;
    let piped: EndpointServer;
    const emulations: PipelineEmulation[] = [];
    let dir = "";

    before(async function () {
        if (!fs.existsSync(DEBIAN_PYTHON)) {
            console.log(`      skipped: ${DEBIAN_PYTHON} not found (the preprocessing container's emulation runs the script with it)`);
            this.skip();
        }
        dir = tmpDir("contract");
        const models = { A: fx.modelJson, B: fx.modelJsonB };
        for (const [name, modelPath] of Object.entries(models)) {
            fs.mkdirSync(path.join(dir, name));
            emulations.push(await startPipelineEmulation({ modelPath, transformPath: fx.transformJson, workdir: path.join(dir, name) }));
        }
        // A shadow variant (in-process on both) gets a copy of every answered request on both fronts.
        const common = {
            endpointName: "adult",
            port: 0,
            host: "127.0.0.1",
            seed: 7,
            shadowVariant: { name: "S", modelPath: fx.modelJsonB, transformPath: fx.transformJson },
        };
        local = await serveEndpoint({
            ...common,
            variants: Object.entries(models).map(([name, modelPath]) => ({ name, modelPath, transformPath: fx.transformJson, weight: 1 })),
            capture: { enabled: true, samplingPercentage: 100, destination: path.join(dir, "capture-local"), prefix: "dc" },
        });
        piped = await serveEndpoint({
            ...common,
            variants: Object.entries(models).map(([name, modelPath], i) => ({ name, modelPath, pipeline: emulations[i].urls, weight: 1 })),
            capture: { enabled: true, samplingPercentage: 100, destination: path.join(dir, "capture-pipeline"), prefix: "dc" },
        });
    });

    after(async () => {
        await local?.stop(1000);
        await piped?.stop(1000);
        for (const e of emulations) await e.stop();
    });

    const rows = () => fx.rawLines;
    const cols = () => fx.transform.state.inputColumns;
    const asValues = (line: string) => line.split(",").map((v) => (v.trim() === "?" ? null : /^\s*-?\d+\s*$/.test(v) ? Number(v) : v.trim()));
    const asObject = (line: string) => Object.fromEntries(asValues(line).map((v, i) => [cols()[i], v]));
    const longEmoji = "1234567890123456789012345678901234567890".slice(0, 39) + "\u{1F600}tail";

    const requests = (): Req[] => [
        { name: "one raw CSV row, no Accept", body: rows()[0], headers: CSV },
        {
            name: "one raw CSV row, Accept text/csv, inference id",
            body: rows()[1] + "\n",
            headers: { ...CSV, Accept: "text/csv", "X-Amzn-SageMaker-Inference-Id": "req-0001" },
        },
        { name: "multi-row CSV (50 rows)", body: rows().slice(0, 50).join("\n"), headers: { ...CSV, Accept: "text/csv" } },
        {
            name: "multi-row CSV, CRLF and blank lines",
            body: "\r\n" + rows().slice(50, 60).join("\r\n") + "\r\n\r\n",
            headers: { "Content-Type": "text/csv; charset=utf-8" },
        },
        { name: "CSV -> application/json", body: rows().slice(60, 70).join("\n"), headers: { ...CSV, Accept: "application/json" } },
        { name: "CSV -> application/jsonlines", body: rows().slice(70, 80).join("\n"), headers: { ...CSV, Accept: "application/jsonlines" } },
        { name: "Accept */*", body: rows()[80], headers: { ...CSV, Accept: "*/*" } },
        { name: "Accept application/*", body: rows()[81], headers: { ...CSV, Accept: "application/*" } },
        { name: "Accept list", body: rows()[82], headers: { ...CSV, Accept: "image/png, application/jsonlines;q=0.9" } },
        {
            name: "JSON instances as arrays",
            body: JSON.stringify({ instances: rows().slice(90, 100).map(asValues) }),
            headers: { ...JSONCT, Accept: "application/json" },
        },
        {
            name: "JSON instances as objects",
            body: JSON.stringify({ instances: rows().slice(100, 110).map(asObject) }),
            headers: { ...JSONCT, Accept: "application/jsonlines" },
        },
        {
            name: "JSON instances as {features}",
            body: JSON.stringify({
                instances: rows()
                    .slice(110, 112)
                    .map((l) => ({ features: asValues(l) })),
            }),
            headers: JSONCT,
        },
        { name: "JSON single {features}", body: JSON.stringify({ features: asValues(rows()[112]) }), headers: { ...JSONCT, Accept: "text/csv" } },
        {
            name: "JSON numbers in categorical columns, floats, missing keys",
            body: '{"instances":[{"age":39.0,"workclass":13,"education_num":1e1},{"age":-0.5e1}]}',
            headers: JSONCT,
        },
        { name: "target variant B", body: rows()[120], headers: { ...CSV, "X-Amzn-SageMaker-Target-Variant": "B" } },
        {
            name: "target variant A with jsonlines",
            body: rows().slice(121, 125).join("\n"),
            headers: { ...CSV, Accept: "application/jsonlines", "X-Amzn-SageMaker-Target-Variant": "A" },
        },
        // error answers
        { name: "CSV row with 13 fields", body: rows()[0].split(",").slice(0, 13).join(","), headers: CSV },
        {
            name: "CSV row 3 of 5 non-numeric age",
            body: [rows()[0], rows()[1], "abc" + rows()[2].slice(rows()[2].indexOf(",")), rows()[3], rows()[4]].join("\n"),
            headers: CSV,
        },
        { name: 'CSV value "Infinity" in a numeric column', body: "Infinity" + rows()[0].slice(rows()[0].indexOf(",")), headers: CSV },
        { name: "CSV value beyond float32", body: "1e39" + rows()[0].slice(rows()[0].indexOf(",")), headers: CSV },
        { name: "CSV numeric value with an astral character at the 40-unit cut", body: longEmoji + rows()[0].slice(rows()[0].indexOf(",")), headers: CSV },
        {
            name: "CSV hex, binary and unicode spaces",
            body: "0x1F,\u00a0Private\u3000,0b1010,Bachelors,1e1,Never-married,Adm-clerical,Not-in-family,White,Male,-5,.5,40.,México",
            headers: CSV,
        },
        { name: "JSON unknown column", body: '{"instances":[{"age":39,"salary":1}]}', headers: JSONCT },
        { name: "JSON boolean value in an array row", body: JSON.stringify({ instances: [[true, ...asValues(rows()[0]).slice(1)]] }), headers: JSONCT },
        { name: "JSON nested value in an object row", body: '{"instances":[{"age":{"v":[1,2.50,"x\\u0001"]}}]}', headers: JSONCT },
        { name: "JSON row of the wrong length", body: '{"instances":[[1,2,3]]}', headers: JSONCT },
        { name: "JSON row that is a string", body: '{"instances":["39, State-gov"]}', headers: JSONCT },
        { name: "JSON number 1e400", body: JSON.stringify({ instances: [asObject(rows()[0])] }).replace(/"age":\d+/, '"age":1e400'), headers: JSONCT },
        { name: "invalid JSON", body: '{"instances": [', headers: JSONCT },
        { name: "JSON NaN literal", body: '{"instances": [[NaN]]}', headers: JSONCT },
        { name: "JSON empty instances", body: '{"instances": []}', headers: JSONCT },
        { name: "JSON of another shape", body: "[1,2,3]", headers: JSONCT },
        { name: "empty CSV body", body: "", headers: CSV },
        { name: "whitespace-only CSV body", body: " \n\r\n ", headers: CSV },
        { name: "empty JSON body", body: "", headers: JSONCT },
        { name: "unsupported Content-Type", body: rows()[0], headers: { "Content-Type": "application/x-recordio-protobuf" } },
        { name: "unsupported Accept", body: rows()[0], headers: { ...CSV, Accept: "image/png" } },
        { name: "unsupported Content-Type and Accept", body: rows()[0], headers: { "Content-Type": "text/libsvm", Accept: "image/png" } },
        {
            name: "invalid UTF-8 bytes",
            body: Buffer.concat([Buffer.from("39,Priv"), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(rows()[0].slice(rows()[0].indexOf(",", 3)))]),
            headers: CSV,
        },
        { name: "invalid inference id", body: rows()[0], headers: { ...CSV, "X-Amzn-SageMaker-Inference-Id": " starts-with-space" } },
        { name: "unknown target variant", body: rows()[0], headers: { ...CSV, "X-Amzn-SageMaker-Target-Variant": "C" } },
    ];

    it("gives identical answers (status, Content-Type, body, variant) to every request", async () => {
        const diffs: string[] = [];
        let errors = 0;
        for (const r of requests()) {
            const a = await call(local.url, r);
            const b = await call(piped.url, r);
            if (a.status !== 200) errors++;
            if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(`${r.name}:\n    local    ${JSON.stringify(a)}\n    pipeline ${JSON.stringify(b)}`);
        }
        assert.deepEqual(diffs, [], diffs.join("\n"));
        assert.ok(errors >= 20, `${errors} error cases exercised`);
    });

    it("answers docs/endpoint.md's example request identically, with a probability", async () => {
        const doc = fs.readFileSync(path.resolve(__dirname, "../../docs/endpoint.md"), "utf8");
        const m = /<!-- example-request -->\s*```http\n([\s\S]*?)\n```/.exec(doc);
        assert.ok(m, "docs/endpoint.md has the example request block");
        const [head, body] = m[1].split("\n\n");
        const headers = Object.fromEntries(
            head
                .split("\n")
                .slice(1)
                .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
        );
        const a = await call(local.url, { name: "docs", body, headers });
        const b = await call(piped.url, { name: "docs", body, headers });
        assert.deepEqual(b, a);
        assert.equal(a.status, 200, a.body);
        assert.ok(Number(a.body) > 0 && Number(a.body) < 1, a.body);
    });

    it("error answers name the row, column and fix", async () => {
        const r = await call(piped.url, { name: "", body: [rows()[0], "abc" + rows()[2].slice(rows()[2].indexOf(","))].join("\n"), headers: CSV });
        assert.equal(r.status, 400);
        assert.deepEqual(JSON.parse(r.body), {
            error: "invalid_input",
            message: 'CSV row 2: column "age": value "abc" is not a number; send a number, or "?"/empty for missing',
        });
    });

    it("scores every fixture record identically (single-row requests, largest difference within 1e-6)", async () => {
        let maxDiff = 0;
        for (const line of rows()) {
            const headers = { ...CSV, "X-Amzn-SageMaker-Target-Variant": "A" };
            const a = await call(local.url, { name: "", body: line, headers });
            const b = await call(piped.url, { name: "", body: line, headers });
            assert.equal(a.status, 200, a.body);
            assert.equal(b.status, 200, b.body);
            maxDiff = Math.max(maxDiff, Math.abs(Number(a.body) - Number(b.body)));
        }
        console.log(`      ${rows().length} raw records one by one: largest score difference ${maxDiff}`);
        assert.ok(maxDiff <= 1e-6);
    });

    it("captures the same raw records and answers on both", async () => {
        // stop() returns as soon as the in-flight requests and shadow copies are done; the drain deadline only matters on a
        // stalled machine, where a 1 s one would drop pending shadow captures and make the two trees differ
        await local.stop(10_000);
        await piped.stop(10_000);
        const a = captureLines(path.join(dir, "capture-local", "dc"));
        const b = captureLines(path.join(dir, "capture-pipeline", "dc"));
        assert.deepEqual(Object.keys(b).sort(), ["A", "B", "S"]);
        assert.deepEqual(b, a);
        const first = JSON.parse(b.A[0]);
        assert.equal(first.captureData.endpointInput.observedContentType, "text/csv");
        assert.equal(first.captureData.endpointInput.data.split(",").length, 14, "the raw record, not the model features");
    });
});
