import { strict as assert } from "assert";
import { PutRecordCommand, SageMakerFeatureStoreRuntimeClient } from "@aws-sdk/client-sagemaker-featurestore-runtime";
import { ingestRecords, toFeatureRecord } from "../../lib/aws/featurestore";
import { FakeClock, awsError, useAwsMocks } from "../helpers/aws-mocks";

describe("aws: feature group ingestion (PutRecord)", () => {
    const { fsr: fs } = useAwsMocks("featurestore");
    const client = () => fs as unknown as SageMakerFeatureStoreRuntimeClient;

    const rows = Array.from({ length: 23 }, (_, i) => ({
        record_id: `data-${i}`,
        event_time: "2026-01-01T00:00:00.000Z",
        age: 20 + i,
        workclass: i % 5 === 0 ? null : "Private",
        label: i % 2,
    }));

    it("writes every row as string feature values, leaving NULLs out, in batches with progress", async () => {
        fs.on(PutRecordCommand).resolves({});
        const progress: [number, number][] = [];
        const r = await ingestRecords(client(), "mlp-dev-adult-census", rows, { batchSize: 10, concurrency: 3, onProgress: (d, t) => progress.push([d, t]) });
        assert.deepEqual(r, { ingested: 23, failed: [], retries: 0 });
        assert.deepEqual(progress, [
            [10, 23],
            [20, 23],
            [23, 23],
        ]);
        const calls = fs.commandCalls(PutRecordCommand);
        assert.equal(calls.length, 23);
        const first = calls.find((c) => c.args[0].input.Record!.some((f) => f.ValueAsString === "data-0"))!.args[0].input;
        assert.equal(first.FeatureGroupName, "mlp-dev-adult-census");
        assert.deepEqual(first.Record, [
            { FeatureName: "record_id", ValueAsString: "data-0" },
            { FeatureName: "event_time", ValueAsString: "2026-01-01T00:00:00.000Z" },
            { FeatureName: "age", ValueAsString: "20" },
            { FeatureName: "label", ValueAsString: "0" },
        ]);
        assert.deepEqual(toFeatureRecord({ a: NaN, b: undefined, c: 1.5 }), [{ FeatureName: "c", ValueAsString: "1.5" }]);
    });

    it("retries throttled records with backoff and counts them; they end up ingested", async () => {
        const clock = new FakeClock();
        const throttled: Record<string, number> = { "data-3": 0, "data-7": 0 };
        fs.on(PutRecordCommand).callsFake((input) => {
            const id = input.Record.find((f: { FeatureName: string }) => f.FeatureName === "record_id").ValueAsString;
            if (id in throttled && throttled[id] < 2) {
                throttled[id]++;
                throw awsError("ThrottlingException", "Rate exceeded", 400);
            }
            return {};
        });
        const r = await ingestRecords(client(), "g", rows, { clock, random: () => 0.5, baseDelayMs: 100, concurrency: 2 });
        assert.equal(r.ingested, 23);
        assert.equal(r.failed.length, 0);
        assert.equal(r.retries, 4);
        assert.equal(clock.sleeps.length, 4);
        // Per record: attempt 1 ceiling 100 ms, attempt 2 ceiling 200 ms, jitter 0.5.
        assert.deepEqual(
            [...clock.sleeps].sort((a, b) => a - b),
            [50, 50, 100, 100],
        );
    });

    it("counts per-record failures (index, record id, error) and keeps going; gives up on endless throttling", async () => {
        const clock = new FakeClock();
        fs.on(PutRecordCommand).callsFake((input) => {
            const id = input.Record.find((f: { FeatureName: string }) => f.FeatureName === "record_id").ValueAsString;
            if (id === "data-5") throw awsError("ValidationException", "Feature age has a value that is not Integral");
            if (id === "data-9") throw awsError("ThrottlingException", "Rate exceeded");
            return {};
        });
        const r = await ingestRecords(client(), "g", rows, { clock, maxAttempts: 3, random: () => 0 });
        assert.equal(r.ingested, 21);
        assert.deepEqual(
            r.failed.map((f) => [f.index, f.recordId]),
            [
                [5, "data-5"],
                [9, "data-9"],
            ],
        );
        assert.match(r.failed[0].error, /ValidationException: Feature age has a value that is not Integral/);
        assert.match(r.failed[1].error, /ThrottlingException.*gave up after 3 attempts/);
        assert.equal(
            fs.commandCalls(PutRecordCommand).filter((c) => c.args[0].input.Record![0].ValueAsString === "data-5").length,
            1,
            "validation errors are not retried",
        );
    });
});
