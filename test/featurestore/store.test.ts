import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADULT_SCHEMA, parseBuffer } from "../../lib/data";
import { FeatureGroupDefinition, FeatureStoreError, LocalFeatureStore, featureGroupFromSchema } from "../../lib/featurestore";

const DEF: FeatureGroupDefinition = {
    FeatureGroupName: "customers-v1",
    RecordIdentifierFeatureName: "customer_id",
    EventTimeFeatureName: "event_time",
    FeatureDefinitions: [
        { FeatureName: "customer_id", FeatureType: "String" },
        { FeatureName: "event_time", FeatureType: "String" },
        { FeatureName: "age", FeatureType: "Integral" },
        { FeatureName: "score", FeatureType: "Fractional" },
        { FeatureName: "segment", FeatureType: "String" },
    ],
};

const roots: string[] = [];
function tmpRoot(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "fstore-test-"));
    roots.push(d);
    return d;
}
after(() => {
    for (const d of roots) fs.rmSync(d, { recursive: true, force: true });
});

/** A controllable clock so write/invocation times are deterministic. */
function clock(start = "2026-03-01T12:00:00.000Z") {
    let t = Date.parse(start);
    return { now: () => new Date((t += 1000)) };
}

describe("featurestore: definitions", () => {
    it("validates names and types like CreateFeatureGroup", () => {
        const s = new LocalFeatureStore({ root: tmpRoot() });
        const bad = (patch: Partial<FeatureGroupDefinition>, re: RegExp) =>
            assert.throws(
                () => s.createFeatureGroup({ ...DEF, ...patch }),
                (e: unknown) => e instanceof FeatureStoreError && e.code === "ValidationError" && re.test(e.message),
            );
        bad({ FeatureGroupName: "bad_name" }, /FeatureGroupName must be/);
        bad({ RecordIdentifierFeatureName: "nope" }, /RecordIdentifierFeatureName "nope" is not in FeatureDefinitions/);
        bad({ EventTimeFeatureName: "age" }, /event time feature must be String .* or Fractional/);
        bad({ FeatureDefinitions: [...DEF.FeatureDefinitions, { FeatureName: "is_deleted", FeatureType: "String" }] }, /reserved/);
        bad(
            { FeatureDefinitions: [...DEF.FeatureDefinitions, { FeatureName: "x", FeatureType: "Text" as never }] },
            /FeatureType must be Integral, Fractional or String/,
        );
        s.createFeatureGroup(DEF);
        assert.throws(() => s.createFeatureGroup(DEF), /already exists/);
        assert.throws(
            () => s.getRecord("missing-group", "a"),
            (e: unknown) => e instanceof FeatureStoreError && e.code === "ResourceNotFound",
        );
    });
});

describe("featurestore: online store (GetRecord semantics)", () => {
    it("newer event time wins, older does not overwrite, types are enforced", () => {
        const root = tmpRoot();
        const s = new LocalFeatureStore({ root, ...clock() });
        s.createFeatureGroup(DEF);
        assert.equal(
            s.putRecord("customers-v1", { customer_id: "c1", event_time: "2026-01-01T10:00:00Z", age: 30, score: 0.5, segment: "a" }).online,
            "written",
        );
        assert.equal(
            s.putRecord("customers-v1", { customer_id: "c1", event_time: "2026-01-01T09:00:00Z", age: 29, score: 0.1, segment: "old" }).online,
            "ignored-older",
        );
        assert.deepEqual(s.getRecord("customers-v1", "c1"), { customer_id: "c1", event_time: "2026-01-01T10:00:00Z", age: 30, score: 0.5, segment: "a" });
        // wire form (ValueAsString) with a newer event time and an offset time zone
        s.putRecord("customers-v1", [
            { FeatureName: "customer_id", ValueAsString: "c1" },
            { FeatureName: "event_time", ValueAsString: "2026-01-01T12:30:00+02:00" }, // 10:30Z: newer
            { FeatureName: "age", ValueAsString: "31" },
        ]);
        assert.deepEqual(s.getRecord("customers-v1", "c1"), { customer_id: "c1", event_time: "2026-01-01T12:30:00+02:00", age: 31 });
        assert.deepEqual(s.getRecord("customers-v1", "c1", ["age", "score"]), { age: 31 });
        assert.equal(s.getRecord("customers-v1", "nobody"), undefined);
        assert.throws(() => s.getRecord("customers-v1", "c1", ["nope"]), /unknown feature name/);
        assert.throws(
            () => s.putRecord("customers-v1", { customer_id: "c2", event_time: "2026-01-01T00:00:00Z", age: 1.5 }),
            /"age" \(Integral\).*not an integer/,
        );
        assert.throws(() => s.putRecord("customers-v1", { customer_id: "c2", event_time: "yesterday" }), /not ISO-8601/);
        assert.throws(
            () => s.putRecord("customers-v1", { customer_id: "c2", event_time: "2026-01-01T00:00:00Z", colour: "red" }),
            /feature "colour" is not defined/,
        );
        assert.throws(() => s.putRecord("customers-v1", { event_time: "2026-01-01T00:00:00Z" }), /record identifier "customer_id" is missing/);

        // persisted: a new store instance on the same root replays the log
        const s2 = new LocalFeatureStore({ root });
        assert.equal(s2.getRecord("customers-v1", "c1")!.age, 31);
    });

    it("soft delete blocks older puts; hard delete forgets; both survive a reopen", async () => {
        const root = tmpRoot();
        const s = new LocalFeatureStore({ root, ...clock() });
        s.createFeatureGroup(DEF);
        const put = (id: string, et: string, age: number) => s.putRecord("customers-v1", { customer_id: id, event_time: et, age });
        put("soft", "2026-01-01T10:00:00Z", 1);
        put("hard", "2026-01-01T10:00:00Z", 1);
        assert.equal(s.deleteRecord("customers-v1", "soft", "2026-01-01T09:00:00Z"), false, "an older delete is ignored");
        assert.ok(s.getRecord("customers-v1", "soft"));
        assert.equal(s.deleteRecord("customers-v1", "soft", "2026-01-01T11:00:00Z", "SoftDelete"), true);
        assert.equal(s.deleteRecord("customers-v1", "hard", "2026-01-01T11:00:00Z", "HardDelete"), true);
        assert.equal(s.getRecord("customers-v1", "soft"), undefined);
        assert.equal(s.getRecord("customers-v1", "hard"), undefined);
        assert.equal(put("soft", "2026-01-01T10:30:00Z", 2).online, "ignored-older", "tombstone blocks an older put");
        assert.equal(put("hard", "2026-01-01T10:30:00Z", 2).online, "written", "hard delete leaves nothing to block");
        const s2 = new LocalFeatureStore({ root });
        assert.equal(s2.getRecord("customers-v1", "soft"), undefined);
        assert.equal(s2.getRecord("customers-v1", "hard")!.age, 2);
        assert.equal(s2.putRecord("customers-v1", { customer_id: "soft", event_time: "2026-01-01T12:00:00Z", age: 3 }).online, "written");
        s2.compact("customers-v1");
        const lines = fs.readFileSync(s2.describeFeatureGroup("customers-v1").OnlineStorePath, "utf8").trim().split("\n");
        assert.equal(lines.length, 2);
        const s3 = new LocalFeatureStore({ root });
        assert.equal(s3.getRecord("customers-v1", "soft")!.age, 3);
        assert.equal(s3.getRecord("customers-v1", "hard")!.age, 2);
        // the store folder is relocatable
        const moved = root + "-moved";
        fs.cpSync(root, moved, { recursive: true });
        roots.push(moved);
        const s4 = new LocalFeatureStore({ root: moved });
        assert.equal(s4.getRecord("customers-v1", "soft")!.age, 3);
        assert.ok(s4.describeFeatureGroup("customers-v1").OnlineStorePath.startsWith(moved));
        // offline store has every put plus delete markers
        await s.flush();
        const rows = await s.query(`SELECT customer_id, is_deleted, count(*)::INT AS n FROM "customers-v1" GROUP BY ALL ORDER BY ALL`);
        assert.deepEqual(rows, [
            { customer_id: "hard", is_deleted: false, n: 2 },
            { customer_id: "hard", is_deleted: true, n: 1 },
            { customer_id: "soft", is_deleted: false, n: 2 },
            { customer_id: "soft", is_deleted: true, n: 2 },
        ]);
        await s.close();
        await s2.close();
    });

    it("survives a torn final log line and rejects corruption in the middle", () => {
        const root = tmpRoot();
        const s = new LocalFeatureStore({ root });
        s.createFeatureGroup(DEF);
        s.putRecord("customers-v1", { customer_id: "a", event_time: "2026-01-01T00:00:00Z", age: 1 });
        s.putRecord("customers-v1", { customer_id: "b", event_time: "2026-01-01T00:00:00Z", age: 2 });
        const log = s.describeFeatureGroup("customers-v1").OnlineStorePath;
        fs.appendFileSync(log, '{"op":"put","record":{"customer_id":"c"'); // crash mid-append
        const s2 = new LocalFeatureStore({ root });
        assert.equal(s2.getRecord("customers-v1", "b")!.age, 2);
        assert.equal(s2.getRecord("customers-v1", "c"), undefined);
        s2.putRecord("customers-v1", { customer_id: "d", event_time: "2026-01-01T00:00:00Z", age: 4 });
        assert.equal(new LocalFeatureStore({ root }).getRecord("customers-v1", "d")!.age, 4, "appends after the repaired tail stay readable");
        const lines = fs.readFileSync(log, "utf8").split("\n");
        lines[0] = "garbage";
        fs.writeFileSync(log, lines.join("\n"));
        assert.throws(() => new LocalFeatureStore({ root }), /customers-v1\.ndjson:1: corrupt online-store log line/);
    });

    it("batchGetRecord returns found records and per-identifier errors", () => {
        const s = new LocalFeatureStore({ root: tmpRoot() });
        s.createFeatureGroup(DEF);
        s.putRecord("customers-v1", { customer_id: "a", event_time: "2026-01-01T00:00:00Z", age: 1 });
        s.putRecord("customers-v1", { customer_id: "b", event_time: "2026-01-01T00:00:00Z", age: 2 });
        const r = s.batchGetRecord([
            { FeatureGroupName: "customers-v1", RecordIdentifiersValueAsString: ["a", "zz", "b"], FeatureNames: ["age"] },
            { FeatureGroupName: "ghost", RecordIdentifiersValueAsString: ["a"] },
        ]);
        assert.deepEqual(
            r.Records.map((x) => [x.RecordIdentifierValueAsString, x.Record.age]),
            [
                ["a", 1],
                ["b", 2],
            ],
        );
        assert.equal(r.Errors.length, 1);
        assert.equal(r.Errors[0].ErrorCode, "ResourceNotFound");
    });
});

describe("featurestore: offline store", () => {
    it("lays files out like the S3 offline store and answers SQL", async () => {
        const root = tmpRoot();
        const s = new LocalFeatureStore({ root, accountId: "123456789012", region: "eu-west-1", now: () => new Date("2026-03-01T12:00:00Z") });
        const desc = s.createFeatureGroup(DEF);
        const res = await s.ingest("customers-v1", [
            { customer_id: "a", event_time: "2026-01-05T03:15:00Z", age: 40, score: 1.5, segment: "x" },
            { customer_id: "b", event_time: "2026-01-05T03:45:00Z", age: 50, score: 2.5, segment: "y" },
            { customer_id: "a", event_time: "2026-02-10T23:59:59.500Z", age: 41, score: 3.5, segment: "x" },
            { customer_id: "c", event_time: "not a time" },
        ]);
        assert.equal(res.ingested, 3);
        assert.equal(res.failed.length, 1);
        assert.equal(res.failed[0].index, 3);
        const rel = s.offlineFiles("customers-v1").map((f) => path.relative(path.join(root, "offline"), f));
        assert.equal(rel.length, 2, "one file per event-time hour partition");
        const prefix = `123456789012/sagemaker/eu-west-1/offline-store/customers-v1-${Math.floor(Date.parse("2026-03-01T12:00:00Z") / 1000)}/data/`;
        assert.equal(desc.OfflineStoreUri, path.join(root, "offline", prefix.replace(/\/data\/$/, "")));
        assert.match(rel[0], new RegExp(`^${prefix}year=2026/month=01/day=05/hour=03/20260301T120000Z_[0-9a-f]{12}\\.parquet$`));
        assert.match(rel[1], new RegExp(`^${prefix}year=2026/month=02/day=10/hour=23/`));
        const cols = await s.query(`SELECT column_name, column_type AS data_type FROM (DESCRIBE SELECT * FROM "customers-v1")`);
        assert.deepEqual(
            cols.map((c) => `${c.column_name}:${c.data_type}`),
            [
                "customer_id:VARCHAR",
                "event_time:VARCHAR",
                "age:BIGINT",
                "score:DOUBLE",
                "segment:VARCHAR",
                "write_time:TIMESTAMP WITH TIME ZONE",
                "api_invocation_time:TIMESTAMP WITH TIME ZONE",
                "is_deleted:BOOLEAN",
            ],
        );
        const agg = await s.query(`SELECT segment, count(*) AS n, sum(score) AS total FROM customers_v1 GROUP BY segment ORDER BY segment`);
        assert.deepEqual(agg, [
            { segment: "x", n: 2, total: 5 },
            { segment: "y", n: 1, total: 2.5 },
        ]);
        const [w] = await s.query(`SELECT write_time, is_deleted FROM "customers-v1" LIMIT 1`);
        assert.equal(w.write_time, "2026-03-01T12:00:00.000Z");
        assert.equal(w.is_deleted, false);
        await s.close();
    });

    it("point-in-time join never leaks future values", async () => {
        const s = new LocalFeatureStore({ root: tmpRoot(), ...clock() });
        s.createFeatureGroup(DEF);
        const puts: [string, string, number][] = [
            ["a", "2026-01-01T00:00:00Z", 1],
            ["a", "2026-01-10T00:00:00Z", 2],
            ["a", "2026-01-20T00:00:00Z", 3],
            ["b", "2026-01-05T00:00:00Z", 10],
        ];
        for (const [id, et, age] of puts) s.putRecord("customers-v1", { customer_id: id, event_time: et, age });
        // a late-arriving correction for 2026-01-10 written after the original: the later write wins the tie
        s.putRecord("customers-v1", { customer_id: "a", event_time: "2026-01-10T00:00:00Z", age: 22 });
        s.deleteRecord("customers-v1", "b", "2026-01-15T00:00:00Z");
        const out = await s.pointInTimeJoin(
            "customers-v1",
            [
                { id: "a", asOf: "2025-12-31T00:00:00Z" },
                { id: "a", asOf: "2026-01-09T23:59:59Z" },
                { id: "a", asOf: "2026-01-10T00:00:00Z" },
                { id: "a", asOf: new Date("2026-02-01T00:00:00Z") },
                { id: "b", asOf: "2026-01-10T00:00:00Z" },
                { id: "b", asOf: "2026-01-16T00:00:00Z" },
                { id: "zzz", asOf: "2026-01-16T00:00:00Z" },
            ],
            { featureNames: ["age", "event_time"] },
        );
        assert.deepEqual(
            out.map((r) => [r.customer_id, r.age]),
            [
                ["a", null],
                ["a", 1],
                ["a", 22],
                ["a", 3],
                ["b", 10],
                ["b", null],
                ["zzz", null],
            ],
        );
        assert.equal(out[2].event_time, "2026-01-10T00:00:00Z");
        assert.equal(out[1].as_of, "2026-01-09T23:59:59.000Z");
        // all writes happened on 2026-03-01 (the test clock): nothing was available in January
        const avail = await s.pointInTimeJoin(
            "customers-v1",
            [
                { id: "a", asOf: "2026-02-01T00:00:00Z" },
                { id: "a", asOf: "2026-03-02T00:00:00Z" },
            ],
            { featureNames: ["age"], availableAt: true },
        );
        assert.deepEqual(
            avail.map((r) => r.age),
            [null, 3],
        );
        await assert.rejects(s.pointInTimeJoin("customers-v1", [{ id: "a", asOf: "last tuesday" }]), /entity 0: as-of time "last tuesday" is not a valid/);
        const snap = await s.snapshotAsOf("customers-v1", "2026-01-12T00:00:00Z", { featureNames: ["age"] });
        assert.deepEqual(snap, [
            { customer_id: "a", age: 22 },
            { customer_id: "b", age: 10 },
        ]);
        const snapLater = await s.snapshotAsOf("customers-v1", "2026-01-16T00:00:00Z", { featureNames: ["age"] });
        assert.deepEqual(snapLater, [{ customer_id: "a", age: 22 }], "b is deleted by then");
        await s.close();
    });

    it("ingests prepared Adult rows and agrees between online and offline", async () => {
        const text = fs.readFileSync(path.join(__dirname, "../../data/adult/adult.data"), "utf8").split("\n").slice(0, 2001).join("\n");
        const { rows } = parseBuffer(Buffer.from(text), "adult.data", ADULT_SCHEMA, { sourceTag: "data" });
        for (const r of rows) r.event_time = "2026-01-01T00:00:00.000Z";
        const s = new LocalFeatureStore({ root: tmpRoot() });
        s.createFeatureGroup(featureGroupFromSchema("adult-train"));
        const res = await s.ingest("adult-train", rows);
        assert.equal(res.ingested, rows.length);
        assert.equal(res.failed.length, 0);
        const [{ n, pos }] = await s.query(`SELECT count(*) AS n, sum(label) AS pos FROM "adult-train"`);
        assert.equal(n, rows.length);
        assert.equal(pos, rows.filter((r) => r.label === 1).length);
        const r0 = rows[7];
        const online = s.getRecord("adult-train", String(r0.record_id))!;
        for (const [k, v] of Object.entries(r0)) assert.equal(online[k] ?? null, v, k);
        const [offline] = await s.query(`SELECT * EXCLUDE (write_time, api_invocation_time, is_deleted) FROM adult_train WHERE record_id = '${r0.record_id}'`);
        assert.deepEqual(offline, r0);
        await s.close();
    });

    it("supports several feature groups, Integral ids and Fractional (epoch seconds) event times", async () => {
        const s = new LocalFeatureStore({ root: tmpRoot(), ...clock() });
        s.createFeatureGroup({
            FeatureGroupName: "orders",
            RecordIdentifierFeatureName: "order_id",
            EventTimeFeatureName: "ts",
            FeatureDefinitions: [
                { FeatureName: "order_id", FeatureType: "Integral" },
                { FeatureName: "ts", FeatureType: "Fractional" },
                { FeatureName: "customer_id", FeatureType: "String" },
                { FeatureName: "amount", FeatureType: "Fractional" },
            ],
        });
        s.createFeatureGroup(DEF);
        const jan = (d: number) => Date.parse(`2026-01-${String(d).padStart(2, "0")}T00:00:00Z`) / 1000;
        await s.ingest("orders", [
            { order_id: 1, ts: jan(2), customer_id: "a", amount: 10 },
            { order_id: 2, ts: jan(3), customer_id: "a", amount: 5 },
            { order_id: 3, ts: jan(3), customer_id: "b", amount: 7 },
            { order_id: 1, ts: jan(4), customer_id: "a", amount: 12 },
        ]);
        await s.ingest("customers-v1", [
            { customer_id: "a", event_time: "2026-01-01T00:00:00Z", segment: "gold" },
            { customer_id: "b", event_time: "2026-01-01T00:00:00Z", segment: "silver" },
        ]);
        assert.equal(s.getRecord("orders", 1)!.amount, 12);
        assert.equal(s.getRecord("orders", "1")!.amount, 12, "ids are compared as strings, like RecordIdentifierValueAsString");
        const joined = await s.query(`
      WITH latest AS (SELECT * FROM orders QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ts DESC) = 1)
      SELECT c.segment, sum(o.amount) AS total FROM latest o JOIN "customers-v1" c USING (customer_id) GROUP BY c.segment ORDER BY c.segment`);
        assert.deepEqual(joined, [
            { segment: "gold", total: 17 },
            { segment: "silver", total: 7 },
        ]);
        const pit = await s.pointInTimeJoin(
            "orders",
            [
                { id: 1, asOf: jan(3) },
                { id: 1, asOf: "2026-01-05T00:00:00Z" },
            ],
            { featureNames: ["amount"] },
        );
        assert.deepEqual(
            pit.map((r) => [r.order_id, r.amount]),
            [
                [1, 10],
                [1, 12],
            ],
        );
        assert.equal(s.offlineFiles("orders").length, 3, "three event-time hours");
        assert.deepEqual(s.listFeatureGroups(), ["customers-v1", "orders"]);
        s.deleteFeatureGroup("orders");
        assert.deepEqual(s.listFeatureGroups(), ["customers-v1"]);
        assert.deepEqual(new LocalFeatureStore({ root: s.root }).listFeatureGroups(), ["customers-v1"]);
        await s.close();
    });
});
