/**
 * The AWS form of the monitor step against mocked SageMaker, S3 and the runtime: real Adult rows (prepared-split CSVs in
 * an in-memory S3), a real fitted transform, deterministic endpoint scores, capture files written with
 * formatCaptureRecord from the replayed requests that appear only after a few ListObjectsV2 polls, a fake clock.
 */
import { strict as assert } from "assert";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, PutObjectCommandInput } from "@aws-sdk/client-s3";
import { DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, InvokeEndpointCommandInput } from "@aws-sdk/client-sagemaker-runtime";
import * as fs from "fs";
import * as path from "path";
import { setWaitTiming, WaitTiming } from "../../lib/aws/waiter";
import { ADULT_SCHEMA, outputColumns, parseBuffer, toCsv } from "../../lib/data";
import { featureSpecFromSchema, fitTransform, Transform } from "../../lib/features";
import { captureS3Key, formatCaptureRecord } from "../../lib/monitoring/capture";
import { evaluateBinaryClassification, suggestModelQualityConstraints } from "../../lib/monitoring/modelquality";
import { StepError } from "../../scripts/framework/step";
import monitorStep, { captureTarget, endpointLines } from "../../scripts/steps/monitor/aws";
import { FakeClock, awsError, body, useAwsMocks } from "../helpers/aws-mocks";
import { TestStep, awsStepContext, devOutputs } from "./helpers";

const out = devOutputs();
const EP = out.endpoint!.name;
const MON = out.buckets.monitoring.name;
const CAP = new URL(out.endpoint!.captureUri);
const CAP_BUCKET = CAP.host;
const CAP_PREFIX = CAP.pathname.replace(/^\/+|\/+$/g, "");
const ADULT = path.resolve(__dirname, "..", "..", "data", "adult", "adult.data");
const N_TEST = 400;
const POLLS_BEFORE_CAPTURE = 3;
/** SageMaker writes the buffered records in files of at most this many (so a replay's capture arrives in parts). */
const RECORDS_PER_FILE = 250;

type Row = Record<string, string | number | null>;
function adultRows(from: number, to: number, tag: string): Row[] {
    const text = fs.readFileSync(ADULT, "utf8").split("\n");
    const rows = parseBuffer(Buffer.from([text[0], ...text.slice(1 + from, 1 + to)].join("\n")), "adult.data", ADULT_SCHEMA, { sourceTag: tag })
        .rows as unknown as Row[];
    for (const r of rows) r.event_time = "2026-01-01T00:00:00.000Z";
    return rows;
}
const train = adultRows(0, 2000, "data");
const test = adultRows(3400, 3400 + N_TEST, "test");
const transform: Transform = fitTransform(train as never, featureSpecFromSchema());
const columns = outputColumns(ADULT_SCHEMA).map((c) => c.name);
const AGE = transform.state.inputColumns.indexOf("age");

/** The fake model: a deterministic logistic score of the request's age feature. */
const scoreOf = (line: string) => 1 / (1 + Math.exp(-(Number(line.split(",")[AGE]) - 40) / 8));

const pad = (n: number) => String(n).padStart(2, "0");
const hour = (t: number) => {
    const d = new Date(t);
    return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
};

describe("aws step: monitor", function () {
    this.timeout(60_000);
    const { sm, s3, rt } = useAwsMocks("sagemaker", "s3", "runtime");

    let clock: FakeClock;
    let prev: WaitTiming;
    let t: TestStep | undefined;
    let store: Map<string, Buffer>;
    let puts: PutObjectCommandInput[];
    let invokes: InvokeEndpointCommandInput[];
    let pending: string[];
    let capturePolls: number;
    let inFlight: number;
    let maxInFlight: number;

    /** In-memory S3; the endpoint's capture of pending requests is flushed after POLLS_BEFORE_CAPTURE capture listings (never when `captureNever`). */
    function mockWorld(o: { status?: string; captureNever?: boolean; throttleFirst?: boolean } = {}) {
        store = new Map();
        puts = [];
        invokes = [];
        pending = [];
        capturePolls = 0;
        inFlight = 0;
        maxInFlight = 0;
        const cur = out.buckets.curated.name;
        store.set(`${cur}/prepared/train.csv`, Buffer.from(toCsv(columns, train)));
        store.set(`${cur}/prepared/test.csv`, Buffer.from(toCsv(columns, test)));
        store.set(`${out.buckets.artifacts.name}/features/transform.json`, Buffer.from(JSON.stringify(transform.toJSON())));
        const base = evaluateBinaryClassification({ scores: endpointLines(transform, test).map(scoreOf), labels: test.map((r) => Number(r.label)) });
        store.set(`${MON}/model-quality/baseline/constraints.json`, Buffer.from(JSON.stringify(suggestModelQualityConstraints(base.statistics).constraints)));

        sm.on(DescribeEndpointCommand).resolves({
            EndpointName: EP,
            EndpointStatus: (o.status ?? "InService") as never,
            ProductionVariants: [{ VariantName: "champion" }],
        } as never);
        s3.on(GetObjectCommand).callsFake((i) => {
            const b = store.get(`${i.Bucket}/${i.Key}`);
            if (!b) throw awsError("NoSuchKey", `no ${i.Key}`, 404);
            return { Body: body(b) };
        });
        s3.on(PutObjectCommand).callsFake((i: PutObjectCommandInput) => {
            puts.push(i);
            store.set(`${i.Bucket}/${i.Key}`, Buffer.isBuffer(i.Body) ? i.Body : Buffer.from(String(i.Body)));
            return {};
        });
        s3.on(ListObjectsV2Command).callsFake((i) => {
            if (i.Bucket === CAP_BUCKET && pending.length && !o.captureNever && ++capturePolls >= POLLS_BEFORE_CAPTURE) {
                // SageMaker writes the buffered records, plus a record of other traffic that is not part of the replay
                const key = captureS3Key({ prefix: CAP_PREFIX, endpoint: EP, variant: "champion", time: new Date(clock.now()) });
                const other = formatCaptureRecord({
                    input: { data: "1", contentType: "text/csv" },
                    output: { data: "0.5", contentType: "text/csv" },
                    inferenceId: "someone-else-1",
                });
                store.set(`${CAP_BUCKET}/${key}`, Buffer.from([other, ...pending.slice(0, RECORDS_PER_FILE)].join("\n") + "\n"));
                pending = pending.slice(RECORDS_PER_FILE);
                capturePolls = 0;
            }
            const keys = [...store.keys()].filter((k) => k.startsWith(`${i.Bucket}/${i.Prefix}`)).map((k) => k.slice(i.Bucket.length + 1));
            return { Contents: keys.map((Key) => ({ Key })), IsTruncated: false };
        });
        let first = !!o.throttleFirst;
        rt.on(InvokeEndpointCommand).callsFake(async (i: InvokeEndpointCommandInput) => {
            if (first) {
                first = false;
                throw awsError("ThrottlingException", "Rate exceeded", 400);
            }
            invokes.push(i);
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await new Promise((r) => setImmediate(r));
            inFlight--;
            const line = Buffer.from(i.Body as Uint8Array).toString("utf8");
            const score = scoreOf(line).toFixed(6);
            pending.push(
                formatCaptureRecord({
                    input: { data: line, contentType: "text/csv" },
                    output: { data: score, contentType: "text/csv" },
                    inferenceId: i.InferenceId,
                    inferenceTime: new Date(clock.now()),
                }),
            );
            return { Body: new TextEncoder().encode(`${score}\n`) as never, InvokedProductionVariant: "champion" };
        });
    }

    beforeEach(() => {
        clock = new FakeClock();
        prev = setWaitTiming({ clock, pollMs: 30_000 });
    });
    afterEach(() => {
        setWaitTiming(prev);
        t?.cleanup();
        t = undefined;
    });

    const putsUnder = (prefix: string) => puts.filter((p) => p.Key!.startsWith(prefix));
    const assertSse = (p: PutObjectCommandInput) => {
        assert.equal(p.Bucket, MON, p.Key);
        assert.equal(p.ServerSideEncryption, "aws:kms", p.Key);
        assert.equal(p.SSEKMSKeyId, out.kmsKeyArns.logs, `${p.Key}: the monitoring bucket's key (logs)`);
        assert.ok(p.Tagging && p.Tagging.length > 0, `${p.Key}: platform tags`);
    };

    describe("a full run: replays, capture, monitors, assertion", () => {
        let res: { results?: Record<string, unknown>; summary: string };
        let logLines: string[] = [];
        const startHour = hour(1_700_000_000_000);
        let saved: WaitTiming;
        before(async () => {
            clock = new FakeClock();
            saved = setWaitTiming({ clock, pollMs: 30_000 });
            mockWorld({ throttleFirst: true });
            t = awsStepContext({}, { concurrency: "4" });
            res = (await monitorStep.run(t.ctx)) as typeof res;
            logLines = t.lines.slice();
        });
        // the suite-level afterEach resets the mocks after the first test: keep the recorded calls in locals
        let recordedPuts: PutObjectCommandInput[];
        let recordedInvokes: InvokeEndpointCommandInput[];
        let sleeps: number[];
        before(() => {
            recordedPuts = puts.slice();
            recordedInvokes = invokes.slice();
            sleeps = clock.sleeps.slice();
        });
        beforeEach(() => {
            puts = recordedPuts;
            invokes = recordedInvokes;
        });
        after(() => setWaitTiming(saved));

        it("uploads the data-quality baseline of the train split's raw input features (one baseline for both targets) where the Lambda reads it, SSE-KMS", () => {
            const b = putsUnder(`baselines/${EP}/`);
            assert.deepEqual(b.map((p) => p.Key).sort(), [`baselines/${EP}/constraints.json`, `baselines/${EP}/statistics.json`]);
            b.forEach(assertSse);
            const stats = JSON.parse(String(b.find((p) => p.Key!.endsWith("statistics.json"))!.Body));
            assert.equal(stats.dataset.item_count, train.length);
            assert.deepEqual(
                stats.features.map((f: { name: string }) => f.name),
                transform.state.inputColumns,
            );
            const cons = JSON.parse(String(b.find((p) => p.Key!.endsWith("constraints.json"))!.Body));
            assert.deepEqual(
                cons.features.map((f: { name: string }) => f.name),
                transform.state.inputColumns,
            );
        });

        it("replays both test sets through InvokeEndpoint: text/csv raw records (as on the local endpoint), one InferenceId per row, bounded concurrency, throttling retried", () => {
            assert.equal(invokes.length, 2 * N_TEST);
            const ids = new Set(invokes.map((i) => i.InferenceId));
            assert.equal(ids.size, 2 * N_TEST, "unique inference ids");
            for (const i of invokes) {
                assert.equal(i.EndpointName, EP);
                assert.equal(i.ContentType, "text/csv");
                assert.match(i.InferenceId!, new RegExp(`^${EP}-(asis|shifted)-\\d+-\\d+$`));
                assert.equal(
                    Buffer.from(i.Body as Uint8Array)
                        .toString("utf8")
                        .split(",").length,
                    transform.state.inputColumns.length,
                    "a raw record: the 14 input columns",
                );
            }
            const asis0 = invokes.find((i) => /-asis-\d+-0$/.test(i.InferenceId!))!;
            const cells = Buffer.from(asis0.Body as Uint8Array)
                .toString("utf8")
                .split(",");
            assert.equal(Number(cells[AGE]), test[0].age, "the first as-is request carries the first test row's age");
            const shifted0 = invokes.find((i) => /-shifted-\d+-0$/.test(i.InferenceId!))!;
            assert.ok(
                Number(
                    Buffer.from(shifted0.Body as Uint8Array)
                        .toString("utf8")
                        .split(",")[AGE],
                ) >=
                    Number(test[0].age) + 10,
                "the shifted replay is older",
            );
            assert.ok(maxInFlight <= 4 && maxInFlight >= 2, `in flight at most --concurrency 4 (saw ${maxInFlight})`);
            assert.ok(
                sleeps.some((s) => s < 30_000),
                "the throttled call backed off before its retry",
            );
        });

        it("writes ground truth per replay under ground-truth/<endpoint>/yyyy/mm/dd/hh/, eventId = inference id, SSE-KMS", () => {
            const g = putsUnder(`ground-truth/${EP}/`);
            assert.equal(g.length, 2);
            g.forEach(assertSse);
            const byId = new Map(invokes.map((i) => [i.InferenceId!, i]));
            for (const [name, p] of [
                ["asis", g[0]],
                ["shifted", g[1]],
            ] as const) {
                assert.match(p.Key!, new RegExp(`^ground-truth/${EP}/${startHour.replace(/\//g, "\\/")}/${name}-\\d+\\.jsonl$`));
                // JSON Lines as SageMaker names it (https://docs.aws.amazon.com/sagemaker/latest/dg/cdf-inference.html)
                assert.equal(p.ContentType, "application/jsonlines");
                const lines = String(p.Body)
                    .trim()
                    .split("\n")
                    .map((l) => JSON.parse(l));
                assert.equal(lines.length, N_TEST);
                lines.forEach((l, i) => {
                    assert.deepEqual(l.groundTruthData, { data: String(test[i].label), encoding: "CSV" });
                    assert.equal(l.eventVersion, "0");
                    assert.match(l.eventMetadata.eventId, new RegExp(`-${name}-\\d+-${i}$`));
                    assert.ok(byId.has(l.eventMetadata.eventId), "the eventId is a replayed inference id");
                });
            }
        });

        it("waits for the capture (polls every --poll-seconds until the files appear) and analyses only the replay's records", () => {
            // each replay: 400 records in two capture files (250 + 150), each written after POLLS_BEFORE_CAPTURE listings:
            // 2 x 3 polls, 5 sleeps of --poll-seconds in between
            assert.equal(sleeps.filter((s) => s === 30_000).length, 2 * (2 * POLLS_BEFORE_CAPTURE - 1), `capture polls slept (${sleeps.join(",")})`);
            assert.equal(
                logLines.filter((l) => l.includes(`capture: ${N_TEST}/${N_TEST} inference ids in 2 file(s) after ${2 * POLLS_BEFORE_CAPTURE} poll(s)`)).length,
                2,
                logLines.join("\n"),
            );
            const r = res.results!.replays as { name: string; sent: number; capturedRows: number }[];
            assert.deepEqual(
                r.map((x) => [x.name, x.sent, x.capturedRows]),
                [
                    ["asis", N_TEST, N_TEST],
                    ["shifted", N_TEST, N_TEST],
                ],
            );
        });

        it("uploads the data- and model-quality reports of each replay under reports/<endpoint>/, SSE-KMS", () => {
            const r = putsUnder(`reports/${EP}/`);
            r.forEach(assertSse);
            const keys = new Set(r.map((p) => p.Key));
            for (const name of ["asis", "shifted"]) {
                for (const f of ["statistics.json", "constraint_violations.json", "drift_report.json", "drift_report.csv"])
                    assert.ok(keys.has(`reports/${EP}/data-quality-${name}/${startHour}/${f}`), `data-quality-${name}/${f}`);
                for (const f of ["statistics.json", "constraint_violations.json", "merge_report.json", "cloudwatch_metrics.jsonl"])
                    assert.ok(keys.has(`reports/${EP}/model-quality-${name}/${startHour}/${f}`), `model-quality-${name}/${f}`);
                const mq = JSON.parse(String(r.find((p) => p.Key === `reports/${EP}/model-quality-${name}/${startHour}/statistics.json`)!.Body));
                assert.equal(
                    r.find((p) => p.Key === `reports/${EP}/model-quality-${name}/${startHour}/cloudwatch_metrics.jsonl`)!.ContentType,
                    "application/jsonlines",
                );
                assert.equal(r.find((p) => p.Key === `reports/${EP}/data-quality-${name}/${startHour}/drift_report.csv`)!.ContentType, "text/csv");
                assert.equal(mq.dataset.item_count, N_TEST, `${name}: every capture joined with its ground truth`);
            }
        });

        it("flags drift on age and hours_per_week for the shifted replay only, with the local step's results keys", () => {
            const results = res.results!;
            assert.deepEqual(Object.keys(results).sort(), ["baselineRows", "emfLines", "endpointName", "replays"]);
            assert.equal(results.endpointName, EP);
            assert.equal(results.baselineRows, train.length);
            const [a, s] = results.replays as { dataQualityViolations: string[]; modelQuality: { auc: number } }[];
            for (const f of ["age", "hours_per_week"]) {
                assert.ok(s.dataQualityViolations.includes(`${f}:baseline_drift_check`), `shifted: ${s.dataQualityViolations.join(", ")}`);
                assert.ok(!a.dataQualityViolations.includes(`${f}:baseline_drift_check`), `as is: ${a.dataQualityViolations.join(", ")}`);
            }
            assert.ok(a.modelQuality.auc > 0.5 && a.modelQuality.auc < 1);
            assert.ok((results.emfLines as number) > 0);
            assert.match(res.summary, /flagged for shifted traffic only/);
        });
    });

    it("fails naming the stack and the fix when the stack has no endpoint", async () => {
        mockWorld();
        t = awsStepContext({}, {}, { ...devOutputs(), endpoint: null });
        await assert.rejects(
            monitorStep.run(t.ctx),
            (e: Error) => e instanceof StepError && /stack 'dev' has no endpoint/.test(e.message) && /enable it in Pulumi\.dev\.yaml/.test(e.message),
        );
        assert.equal(rt.commandCalls(InvokeEndpointCommand).length, 0);
    });

    it("fails without invoking when the endpoint is not InService", async () => {
        mockWorld({ status: "Updating" });
        t = awsStepContext();
        await assert.rejects(
            monitorStep.run(t.ctx),
            (e: Error) =>
                e instanceof StepError &&
                new RegExp(`endpoint ${EP} is Updating, not InService`).test(e.message) &&
                /wait until it is InService/.test(e.message),
        );
        assert.equal(rt.commandCalls(InvokeEndpointCommand).length, 0);
        assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
    });

    it("fails when the endpoint does not exist", async () => {
        mockWorld();
        sm.on(DescribeEndpointCommand).rejects(awsError("ValidationException", `Could not find endpoint "${EP}".`));
        t = awsStepContext();
        await assert.rejects(monitorStep.run(t.ctx), (e: Error) => e instanceof StepError && /does not exist/.test(e.message) && /deploy/.test(e.message));
    });

    it("times out, naming the capture prefix and the fixes, when the capture never appears", async () => {
        mockWorld({ captureNever: true });
        t = awsStepContext({}, { "replay-rows": "20", "timeout-minutes": "2", "poll-seconds": "30" });
        await assert.rejects(monitorStep.run(t.ctx), (e: Error) => {
            assert.ok(e instanceof StepError, e.message);
            assert.match(
                e.message,
                new RegExp(`0 of 20 replayed inference ids .* appeared under ${out.endpoint!.captureUri}${EP}/\\{champion\\}/yyyy/mm/dd/hh/ within 2 min`),
            );
            assert.match(e.message, /data capture enabled/);
            return true;
        });
        assert.equal(clock.sleeps.filter((s) => s === 30_000).length, 4, "polled every 30 s for 2 minutes");
        assert.equal(putsUnder(`ground-truth/${EP}/`).length, 1, "the as-is ground truth was written before the wait");
        assert.equal(putsUnder(`reports/`).length, 0);
    });

    it("needs every replayed row at 100 % sampling and about half the expected ones below", () => {
        assert.equal(captureTarget(400, 100), 400);
        assert.equal(captureTarget(400, 20), 40);
        assert.equal(captureTarget(3, 1), 1);
    });
});
