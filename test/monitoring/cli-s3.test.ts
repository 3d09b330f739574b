/**
 * monitor CLI with s3:// inputs and outputs against a mocked S3 client (aws-sdk-client-mock): downloads keep the key
 * layout, capture partitions outside --from/--to are not fetched, every upload is SSE-KMS, S3 errors exit 2 with a fix.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { Readable } from "stream";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { recordRequests } from "../helpers/aws-request-recorder";
import { captureS3Key, formatCaptureRecord, formatServiceJson, suggestBaseline, readCsvRows } from "../../lib/monitoring";
import { shiftAdultCsvLines } from "../../lib/monitoring/shift";
import { runCli } from "../../scripts/cli/monitor";
import { ADULT_DATA } from "../../test-support/serving-fixture";
import { parseS3Uri } from "../../contracts/s3-layout";

const HEADER = fs.readFileSync(ADULT_DATA, "utf8").split("\n")[0];
const COLUMNS = HEADER.split(",").slice(0, 14);

function featureLines(from: number, to: number): string[] {
    return fs
        .readFileSync(ADULT_DATA, "utf8")
        .split("\n")
        .slice(1 + from, 1 + to)
        .filter((l) => l.trim())
        .map((l) => l.slice(0, l.lastIndexOf(",")));
}

const body = (text: string | Buffer): any => Readable.from([Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8")]);

describe("monitor CLI with s3:// paths (mocked S3)", function () {
    this.timeout(60_000);
    const client = new S3Client({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    const mock = recordRequests(mockClient(client), "s3");
    const objects = new Map<string, Buffer>();
    const KMS = "arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-0000-4000-8000-000000000001";

    async function cli(...argv: string[]) {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), s3: () => client });
        return { code, out: out.join("\n"), err: err.join("\n") };
    }

    before(async () => {
        // baseline in the monitoring bucket, capture (three hours) in the capture bucket
        const tmp = fs.mkdtempSync("/tmp/monitor-s3-");
        const train = [HEADER, ...fs.readFileSync(ADULT_DATA, "utf8").split("\n").slice(1, 1201)].join("\n");
        fs.writeFileSync(`${tmp}/train.csv`, train + "\n");
        async function* features() {
            for await (const r of readCsvRows(`${tmp}/train.csv`, { header: true })) yield { values: r.values.slice(0, 14), names: r.names!.slice(0, 14) };
        }
        const b = await suggestBaseline(features());
        fs.rmSync(tmp, { recursive: true, force: true });
        objects.set("mon-bucket/baselines/adult-ep/statistics.json", Buffer.from(formatServiceJson(b.statistics)));
        objects.set("mon-bucket/baselines/adult-ep/constraints.json", Buffer.from(formatServiceJson(b.constraints)));
        const cur = featureLines(1300, 1600);
        const hours: [Date, string[]][] = [
            [new Date(Date.UTC(2024, 5, 1, 9)), cur],
            [new Date(Date.UTC(2024, 5, 1, 10)), shiftAdultCsvLines(cur, COLUMNS, { seed: 9 })],
            [new Date(Date.UTC(2024, 5, 1, 11)), cur],
        ];
        for (const [t, lines] of hours) {
            const key = captureS3Key({ prefix: "datacapture", endpoint: "adult-ep", variant: "champion", time: t, file: "part-0.jsonl" });
            objects.set(
                `cap-bucket/${key}`,
                Buffer.from(
                    lines
                        .map((l, i) => formatCaptureRecord({ input: { data: l, contentType: "text/csv" }, inferenceTime: new Date(t.getTime() + i * 1000) }))
                        .join("\n") + "\n",
                ),
            );
        }
    });

    beforeEach(() => {
        mock.reset();
        mock.on(ListObjectsV2Command).callsFake(async (input: { Bucket: string; Prefix?: string }) => ({
            Contents: [...objects.keys()]
                .filter((k) => k.startsWith(`${input.Bucket}/${input.Prefix ?? ""}`))
                .map((k) => ({ Key: k.slice(input.Bucket.length + 1) })),
            IsTruncated: false,
        }));
        mock.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
            const o = objects.get(`${input.Bucket}/${input.Key}`);
            if (!o) throw Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
            return { Body: body(o) };
        });
        mock.on(PutObjectCommand).resolves({});
    });

    it("analyze: downloads the baseline and only the capture hour in the window, uploads the report with SSE-KMS", async () => {
        const r = await cli(
            "analyze",
            "--baseline",
            "s3://mon-bucket/baselines/adult-ep/",
            "--capture",
            "s3://cap-bucket/datacapture/adult-ep",
            "--out",
            "s3://mon-bucket/",
            "--endpoint",
            "adult-ep",
            "--schedule",
            "hourly",
            "--from",
            "2024-06-01T10:00:00Z",
            "--to",
            "2024-06-01T11:00:00Z",
            "--run-time",
            "2024-06-01T10:00:00Z",
            "--kms-key-id",
            KMS,
            "--fail-on-violations",
        );
        assert.equal(r.code, 1, r.err + r.out);
        const gets = mock.commandCalls(GetObjectCommand).map((c) => `${c.args[0].input.Bucket}/${c.args[0].input.Key}`);
        assert.deepEqual(
            gets.filter((g) => g.startsWith("cap-bucket")),
            ["cap-bucket/datacapture/adult-ep/champion/2024/06/01/10/part-0.jsonl"],
            "hours 09 and 11 are not downloaded",
        );
        const puts = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            puts.map((p) => p.Key).sort(),
            ["cloudwatch_metrics.jsonl", "constraint_violations.json", "drift_report.csv", "drift_report.json", "statistics.json"].map(
                (f) => `reports/adult-ep/hourly/2024/06/01/10/${f}`,
            ),
        );
        for (const p of puts) {
            assert.equal(p.Bucket, "mon-bucket");
            assert.equal(p.ServerSideEncryption, "aws:kms");
            assert.equal(p.SSEKMSKeyId, KMS);
        }
        const viol = JSON.parse(String(puts.find((p) => p.Key!.endsWith("constraint_violations.json"))!.Body));
        assert.ok(
            viol.violations.some(
                (v: { feature_name: string; constraint_check_type: string }) => v.feature_name === "age" && v.constraint_check_type === "baseline_drift_check",
            ),
        );
        const stats = JSON.parse(String(puts.find((p) => p.Key!.endsWith("statistics.json"))!.Body));
        assert.equal(stats.dataset.item_count, 300, "only the rows of hour 10");
    });

    it("the unshifted hour from S3 raises no drift on age / hours_per_week", async () => {
        const r = await cli(
            "analyze",
            "--baseline",
            "s3://mon-bucket/baselines/adult-ep/constraints.json",
            "--capture",
            "s3://cap-bucket/datacapture/adult-ep/",
            "--out",
            "s3://mon-bucket/",
            "--endpoint",
            "adult-ep",
            "--schedule",
            "hourly",
            "--from",
            "2024-06-01T11:00:00Z",
            "--to",
            "2024-06-01T12:00:00Z",
        );
        assert.ok(r.code === 0, r.err);
        const put = mock
            .commandCalls(PutObjectCommand)
            .map((c) => c.args[0].input)
            .find((p) => p.Key!.endsWith("constraint_violations.json"))!;
        assert.equal(put.ServerSideEncryption, "aws:kms");
        assert.equal(put.SSEKMSKeyId, undefined, "no key named: the bucket default key");
        const v = JSON.parse(String(put.Body)).violations.map((x: { feature_name: string }) => x.feature_name);
        assert.ok(!v.includes("age") && !v.includes("hours_per_week"), v.join(","));
    });

    it("baseline from an S3 CSV object to an S3 prefix", async () => {
        objects.set("cur-bucket/prepared/train.csv", Buffer.from([HEADER, ...fs.readFileSync(ADULT_DATA, "utf8").split("\n").slice(1, 301)].join("\n") + "\n"));
        const r = await cli(
            "baseline",
            "--dataset",
            "s3://cur-bucket/prepared/train.csv",
            "--out",
            "s3://mon-bucket/baselines/other/",
            "--drop-columns",
            "ltgt50k",
        );
        assert.equal(r.code, 0, r.err);
        const puts = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
        assert.deepEqual(puts.map((p) => p.Key).sort(), ["baselines/other/constraints.json", "baselines/other/statistics.json"]);
        assert.ok(puts.every((p) => p.ServerSideEncryption === "aws:kms" && p.ContentType === "application/json"));
        assert.equal(JSON.parse(String(puts[0].Body)).features.length, 14);
    });

    it("S3 errors exit 2 naming the URI and a fix", async () => {
        mock.on(ListObjectsV2Command).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
        const r = await cli(
            "analyze",
            "--baseline",
            "s3://mon-bucket/baselines/adult-ep/",
            "--capture",
            "s3://cap-bucket/datacapture/adult-ep/",
            "--out",
            "/tmp/unused-monitor-out",
        );
        assert.equal(r.code, 2);
        assert.match(r.err, /s3:\/\/mon-bucket\/baselines\/adult-ep\/: S3 request failed \(AccessDenied 403: Access Denied\)\. Fix: check the credentials/);
        mock.reset();
        mock.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
        const e = await cli("report", "--reports", "s3://mon-bucket/reports/none/", "--out", "/tmp/unused.html");
        assert.equal(e.code, 2);
        assert.match(e.err, /s3:\/\/mon-bucket\/reports\/none\/: holds no object/);
        assert.deepEqual(parseS3Uri("s3://b/k/x"), { bucket: "b", key: "k/x" });
    });
});
