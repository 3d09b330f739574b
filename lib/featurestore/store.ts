/**
 * Local feature store mirroring SageMaker Feature Store semantics.
 *
 * On-disk layout under `root`:
 *   feature-groups/<name>.json                      feature group description (paths relative to root)
 *   online/<name>.ndjson                            online store: append-only operation log
 *   offline/<account>/sagemaker/<region>/offline-store/<name>-<creation-epoch>/data/
 *       year=YYYY/month=MM/day=DD/hour=HH/<yyyyMMddTHHmmssZ>_<random>.parquet
 *                                                   offline store (partitioned by event time, UTC)
 *
 * Online store persistence: each accepted PutRecord / DeleteRecord is appended
 * as one JSON line to `online/<name>.ndjson`; opening the store replays the log
 * through the same precedence rules, so the in-memory state always equals the
 * replayed log. `compact(name)` rewrites the log to one line per live record
 * (atomic tmp + rename). One writer process per root.
 *
 * Offline store: records are buffered in memory and written as Parquet by
 * `flush()` (called by `ingest`, `query`, `pointInTime*`, `close`) — like the
 * service, the offline store is eventually consistent with PutRecord.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { runQuery, sqlIdent, sqlString, SqlRow } from "../data/duck";
import { writeFileAtomic } from "../data/io";
import {
    BatchGetRecordIdentifier,
    BatchGetRecordResult,
    DeletionMode,
    FeatureGroupDefinition,
    FeatureGroupDescription,
    FeatureRecord,
    FeatureType,
    FeatureValue,
    FeatureValueAsString,
    OFFLINE_EXTRA_COLUMNS,
    PutRecordResult,
    TargetStore,
} from "./types";

export interface LocalFeatureStoreOptions {
    /** Root folder of the store (created if missing). */
    root: string;
    /** Account id used in the offline-store path (default 000000000000). */
    accountId?: string;
    /** Region used in the offline-store path (default us-east-1). */
    region?: string;
    /** Clock (tests); default `() => new Date()`. */
    now?: () => Date;
}

export class FeatureStoreError extends Error {
    constructor(
        readonly code: "ValidationError" | "ResourceNotFound" | "ResourceInUse",
        message: string,
    ) {
        super(message);
        this.name = "FeatureStoreError";
    }
}

interface OnlineEntry {
    record: FeatureRecord | null;
    eventMs: number;
    deleted: boolean;
}

type LogLine =
    { op: "put"; record: FeatureRecord; eventMs: number; at: string } | { op: "delete"; id: string; eventMs: number; mode: DeletionMode; at: string };

interface OfflineRow {
    record: FeatureRecord;
    eventMs: number;
    apiInvocationTime: string;
    deleted: boolean;
    written?: boolean;
}

interface GroupState {
    desc: FeatureGroupDescription;
    types: Map<string, FeatureType>;
    online: Map<string, OnlineEntry>;
    buffer: OfflineRow[];
    /** While ingesting a batch, log lines are collected and appended with one write. */
    pendingLog?: string[];
}

const GROUP_NAME_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$/;
const FEATURE_NAME_RE = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;
const RESERVED = new Set<string>([...OFFLINE_EXTRA_COLUMNS, "year", "month", "day", "hour"]);
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function duckType(t: FeatureType): string {
    return t === "Integral" ? "BIGINT" : t === "Fractional" ? "DOUBLE" : "VARCHAR";
}

/** Parse an event time value (ISO-8601 string, or epoch seconds for Fractional) to epoch ms. */
export function eventTimeToMs(v: FeatureValue | Date, type: FeatureType, featureName = "event time"): number {
    if (v instanceof Date) return v.getTime();
    if (type === "Fractional") {
        const n = typeof v === "number" ? v : Number(v);
        if (v === null || v === "" || !Number.isFinite(n))
            throw new FeatureStoreError("ValidationError", `${featureName} ${JSON.stringify(v)} is not a Fractional epoch-seconds value`);
        return n * 1000;
    }
    if (typeof v !== "string" || !ISO_RE.test(v)) {
        throw new FeatureStoreError("ValidationError", `${featureName} ${JSON.stringify(v)} is not ISO-8601 with a time zone (e.g. 2026-01-01T00:00:00Z)`);
    }
    const ms = Date.parse(v);
    if (!Number.isFinite(ms)) throw new FeatureStoreError("ValidationError", `${featureName} ${JSON.stringify(v)} is not a valid date`);
    return ms;
}

export class LocalFeatureStore {
    readonly root: string;
    readonly accountId: string;
    readonly region: string;
    private readonly now: () => Date;
    private readonly groups = new Map<string, GroupState>();
    private duck?: { inst: DuckDBInstance; con: DuckDBConnection };

    constructor(opts: LocalFeatureStoreOptions) {
        if (!opts?.root) throw new FeatureStoreError("ValidationError", "LocalFeatureStore: options.root (the store folder) is required");
        this.root = path.resolve(opts.root);
        this.accountId = opts.accountId ?? "000000000000";
        this.region = opts.region ?? "us-east-1";
        this.now = opts.now ?? (() => new Date());
        fs.mkdirSync(path.join(this.root, "feature-groups"), { recursive: true });
        fs.mkdirSync(path.join(this.root, "online"), { recursive: true });
        for (const f of fs.readdirSync(path.join(this.root, "feature-groups")).sort()) {
            if (!f.endsWith(".json")) continue;
            const stored = JSON.parse(fs.readFileSync(path.join(this.root, "feature-groups", f), "utf8")) as FeatureGroupDescription;
            // Paths are stored relative to the root so a store folder can be moved or copied.
            const desc = {
                ...stored,
                OfflineStoreUri: path.resolve(this.root, stored.OfflineStoreUri),
                OnlineStorePath: path.resolve(this.root, stored.OnlineStorePath),
            };
            this.groups.set(desc.FeatureGroupName, this.loadGroup(desc));
        }
    }

    /** Root of the offline store, `<root>/offline`; feature group data lives below it as on S3. */
    get offlineRoot(): string {
        return path.join(this.root, "offline");
    }

    // ---------------------------------------------------------------- groups

    createFeatureGroup(def: FeatureGroupDefinition): FeatureGroupDescription {
        validateDefinition(def);
        if (this.groups.has(def.FeatureGroupName)) {
            throw new FeatureStoreError(
                "ResourceInUse",
                `feature group "${def.FeatureGroupName}" already exists in ${this.root}; delete it first or choose another name`,
            );
        }
        const created = this.now();
        const epoch = Math.floor(created.getTime() / 1000);
        const desc: FeatureGroupDescription = {
            FeatureGroupName: def.FeatureGroupName,
            RecordIdentifierFeatureName: def.RecordIdentifierFeatureName,
            EventTimeFeatureName: def.EventTimeFeatureName,
            FeatureDefinitions: def.FeatureDefinitions.map((d) => ({ FeatureName: d.FeatureName, FeatureType: d.FeatureType })),
            ...(def.Description ? { Description: def.Description } : {}),
            CreationTime: created.toISOString(),
            OfflineStoreUri: path.join(this.offlineRoot, this.accountId, "sagemaker", this.region, "offline-store", `${def.FeatureGroupName}-${epoch}`),
            OnlineStorePath: path.join(this.root, "online", `${def.FeatureGroupName}.ndjson`),
        };
        fs.mkdirSync(path.join(desc.OfflineStoreUri, "data"), { recursive: true });
        const stored = {
            ...desc,
            OfflineStoreUri: path.relative(this.root, desc.OfflineStoreUri),
            OnlineStorePath: path.relative(this.root, desc.OnlineStorePath),
        };
        writeFileAtomic(path.join(this.root, "feature-groups", `${def.FeatureGroupName}.json`), JSON.stringify(stored, null, 2) + "\n");
        this.groups.set(desc.FeatureGroupName, this.loadGroup(desc));
        return desc;
    }

    describeFeatureGroup(name: string): FeatureGroupDescription {
        return this.group(name).desc;
    }

    listFeatureGroups(): string[] {
        return [...this.groups.keys()].sort();
    }

    /** Delete a feature group: definition, online log and offline files. */
    deleteFeatureGroup(name: string): void {
        const g = this.group(name);
        fs.rmSync(g.desc.OfflineStoreUri, { recursive: true, force: true });
        fs.rmSync(g.desc.OnlineStorePath, { force: true });
        fs.rmSync(path.join(this.root, "feature-groups", `${name}.json`), { force: true });
        this.groups.delete(name);
    }

    private group(name: string): GroupState {
        const g = this.groups.get(name);
        if (!g)
            throw new FeatureStoreError(
                "ResourceNotFound",
                `feature group "${name}" not found in ${this.root} (have: ${this.listFeatureGroups().join(", ") || "none"}); create it with createFeatureGroup`,
            );
        return g;
    }

    private loadGroup(desc: FeatureGroupDescription): GroupState {
        const g: GroupState = { desc, types: new Map(desc.FeatureDefinitions.map((d) => [d.FeatureName, d.FeatureType])), online: new Map(), buffer: [] };
        if (fs.existsSync(desc.OnlineStorePath)) {
            let text = fs.readFileSync(desc.OnlineStorePath, "utf8");
            if (text.length && !text.endsWith("\n")) {
                // A torn final line (crash mid-append): cut it off so later appends start on a fresh line.
                const keep = text.lastIndexOf("\n") + 1;
                fs.truncateSync(desc.OnlineStorePath, Buffer.byteLength(text.slice(0, keep)));
                text = text.slice(0, keep);
            }
            const lines = text.split("\n");
            lines.forEach((l, i) => {
                if (!l.trim()) return;
                let entry: LogLine;
                try {
                    entry = JSON.parse(l) as LogLine;
                } catch {
                    throw new FeatureStoreError(
                        "ValidationError",
                        `${desc.OnlineStorePath}:${i + 1}: corrupt online-store log line; restore the file or delete it and re-ingest`,
                    );
                }
                if (entry.op === "put") applyPut(g, entry.record, entry.eventMs);
                else applyDelete(g, entry.id, entry.eventMs, entry.mode);
            });
        }
        return g;
    }

    // ---------------------------------------------------------------- records

    /** Validate and normalise a record to the declared types. Absent/null features are omitted. */
    private normalise(g: GroupState, input: FeatureRecord | FeatureValueAsString[]): { record: FeatureRecord; id: string; eventMs: number } {
        const name = g.desc.FeatureGroupName;
        const obj: FeatureRecord = Array.isArray(input) ? Object.fromEntries(input.map((f) => [f.FeatureName, f.ValueAsString])) : input;
        const record: FeatureRecord = {};
        for (const [k, v] of Object.entries(obj)) {
            const t = g.types.get(k);
            if (!t)
                throw new FeatureStoreError(
                    "ValidationError",
                    `${name}: feature "${k}" is not defined in the feature group (defined: ${[...g.types.keys()].join(", ")}); remove it or add it to FeatureDefinitions`,
                );
            if (v === null || v === undefined) continue;
            if (t === "String") {
                record[k] = typeof v === "string" ? v : String(v);
            } else {
                const n = typeof v === "number" ? v : v.trim() === "" ? NaN : Number(v);
                if (!Number.isFinite(n))
                    throw new FeatureStoreError(
                        "ValidationError",
                        `${name}: feature "${k}" (${t}) has value ${JSON.stringify(v)}, which is not a finite number`,
                    );
                if (t === "Integral" && !Number.isSafeInteger(n))
                    throw new FeatureStoreError(
                        "ValidationError",
                        `${name}: feature "${k}" (Integral) has value ${JSON.stringify(v)}, which is not an integer`,
                    );
                record[k] = n;
            }
        }
        const idName = g.desc.RecordIdentifierFeatureName;
        const etName = g.desc.EventTimeFeatureName;
        if (record[idName] === undefined || record[idName] === "")
            throw new FeatureStoreError("ValidationError", `${name}: record identifier "${idName}" is missing; every record needs one`);
        if (record[etName] === undefined) throw new FeatureStoreError("ValidationError", `${name}: event time "${etName}" is missing; every record needs one`);
        const eventMs = eventTimeToMs(record[etName], g.types.get(etName)!, `${name}: event time "${etName}"`);
        return { record, id: String(record[idName]), eventMs };
    }

    /** PutRecord: newer-or-equal event time replaces the online record; the offline store keeps every version. */
    putRecord(name: string, record: FeatureRecord | FeatureValueAsString[], opts: { targetStores?: TargetStore[] } = {}): PutRecordResult {
        const g = this.group(name);
        const { record: rec, eventMs } = this.normalise(g, record);
        const targets = opts.targetStores ?? ["OnlineStore", "OfflineStore"];
        const at = this.now().toISOString();
        const res: PutRecordResult = { online: "skipped", offline: "skipped" };
        if (targets.includes("OnlineStore")) {
            res.online = applyPut(g, rec, eventMs) ? "written" : "ignored-older";
            if (res.online === "written") appendLog(g, { op: "put", record: rec, eventMs, at });
        }
        if (targets.includes("OfflineStore")) {
            g.buffer.push({ record: rec, eventMs, apiInvocationTime: at, deleted: false });
            res.offline = "buffered";
        }
        return res;
    }

    /**
     * DeleteRecord. Applies when `eventTime` is ≥ the online record's event time.
     * SoftDelete keeps a tombstone (GetRecord returns nothing; puts with an older
     * event time stay ignored); HardDelete forgets the record entirely (any later
     * put is accepted). Both append an `is_deleted = true` row to the offline store.
     * Returns whether the online store changed.
     */
    deleteRecord(name: string, recordId: string | number, eventTime: string | number | Date, mode: DeletionMode = "SoftDelete"): boolean {
        const g = this.group(name);
        const etName = g.desc.EventTimeFeatureName;
        const etType = g.types.get(etName)!;
        const eventMs = eventTimeToMs(eventTime, etType, `${name}: DeleteRecord EventTime`);
        if (mode !== "SoftDelete" && mode !== "HardDelete")
            throw new FeatureStoreError("ValidationError", `DeletionMode must be SoftDelete or HardDelete, got ${JSON.stringify(mode)}`);
        const id = String(recordId);
        const at = this.now().toISOString();
        const changed = applyDelete(g, id, eventMs, mode);
        if (changed) appendLog(g, { op: "delete", id, eventMs, mode, at });
        const idType = g.types.get(g.desc.RecordIdentifierFeatureName)!;
        const etValue: FeatureValue = eventTime instanceof Date ? eventTime.toISOString() : etType === "Fractional" ? Number(eventTime) : String(eventTime);
        g.buffer.push({
            record: { [g.desc.RecordIdentifierFeatureName]: idType === "Integral" ? Number(id) : id, [etName]: etValue },
            eventMs,
            apiInvocationTime: at,
            deleted: true,
        });
        return changed;
    }

    /** GetRecord: the latest (by event time) non-deleted record, optionally projected to `featureNames`. */
    getRecord(name: string, recordId: string | number, featureNames?: string[]): FeatureRecord | undefined {
        const g = this.group(name);
        if (featureNames) {
            const unknown = featureNames.filter((f) => !g.types.has(f));
            if (unknown.length) throw new FeatureStoreError("ValidationError", `${name}: unknown feature name(s) ${unknown.join(", ")}`);
        }
        const e = g.online.get(String(recordId));
        if (!e || e.deleted || !e.record) return undefined;
        if (!featureNames) return { ...e.record };
        const out: FeatureRecord = {};
        for (const f of featureNames) if (e.record[f] !== undefined) out[f] = e.record[f];
        return out;
    }

    /** BatchGetRecord across feature groups; missing ids are absent from Records, unknown groups/features are Errors. */
    batchGetRecord(identifiers: BatchGetRecordIdentifier[]): BatchGetRecordResult {
        const res: BatchGetRecordResult = { Records: [], Errors: [], UnprocessedIdentifiers: [] };
        for (const ident of identifiers) {
            for (const id of ident.RecordIdentifiersValueAsString) {
                try {
                    const r = this.getRecord(ident.FeatureGroupName, id, ident.FeatureNames);
                    if (r) res.Records.push({ FeatureGroupName: ident.FeatureGroupName, RecordIdentifierValueAsString: id, Record: r });
                } catch (e) {
                    const code = e instanceof FeatureStoreError ? e.code : "InternalFailure";
                    res.Errors.push({
                        FeatureGroupName: ident.FeatureGroupName,
                        RecordIdentifierValueAsString: id,
                        ErrorCode: code,
                        ErrorMessage: (e as Error).message,
                    });
                }
            }
        }
        return res;
    }

    /**
     * Batch ingestion (like the SDK's FeatureGroup.ingest): validates every row,
     * collects failures instead of throwing, then flushes the offline store.
     */
    async ingest(
        name: string,
        rows: readonly FeatureRecord[],
        opts: { targetStores?: TargetStore[] } = {},
    ): Promise<{ ingested: number; ignoredOlder: number; failed: { index: number; error: string }[] }> {
        const g = this.group(name);
        let ingested = 0;
        let ignoredOlder = 0;
        const failed: { index: number; error: string }[] = [];
        g.pendingLog = [];
        try {
            rows.forEach((r, index) => {
                try {
                    const res = this.putRecord(name, r, opts);
                    ingested++;
                    if (res.online === "ignored-older") ignoredOlder++;
                } catch (e) {
                    failed.push({ index, error: (e as Error).message });
                }
            });
        } finally {
            const lines = g.pendingLog;
            g.pendingLog = undefined;
            if (lines.length) fs.appendFileSync(g.desc.OnlineStorePath, lines.join("\n") + "\n");
        }
        await this.flush(name);
        return { ingested, ignoredOlder, failed };
    }

    /** Rewrite the online log to one line per live record / soft-delete tombstone (atomic). */
    compact(name: string): void {
        const g = this.group(name);
        const at = this.now().toISOString();
        const lines: string[] = [];
        for (const [id, e] of g.online) {
            if (e.deleted) lines.push(JSON.stringify({ op: "delete", id, eventMs: e.eventMs, mode: "SoftDelete", at }));
            else if (e.record) lines.push(JSON.stringify({ op: "put", record: e.record, eventMs: e.eventMs, at }));
        }
        writeFileAtomic(g.desc.OnlineStorePath, lines.length ? lines.join("\n") + "\n" : "");
    }

    // ---------------------------------------------------------------- offline

    /** Write buffered offline rows as Parquet, one file per event-time hour partition. */
    async flush(name?: string): Promise<string[]> {
        const names = name ? [name] : this.listFeatureGroups();
        const written: string[] = [];
        const pending = names.map((n) => this.group(n)).filter((g) => g.buffer.length);
        if (!pending.length) return written;
        const con = await this.connection();
        for (const g of pending) {
            const rows = g.buffer;
            g.buffer = [];
            const writeTime = this.now().toISOString();
            const byHour = new Map<string, OfflineRow[]>();
            for (const r of rows) {
                const d = new Date(r.eventMs);
                const key = `year=${d.getUTCFullYear()}/month=${pad(d.getUTCMonth() + 1)}/day=${pad(d.getUTCDate())}/hour=${pad(d.getUTCHours())}`;
                let a = byHour.get(key);
                if (!a) byHour.set(key, (a = []));
                a.push(r);
            }
            const defs = g.desc.FeatureDefinitions;
            // Stage rows in a temp table through the appender (fast, no text round trip), then COPY per partition.
            const stage = `__stage_${crypto.randomBytes(6).toString("hex")}`;
            const cols = defs.map((d) => `${sqlIdent(d.FeatureName)} ${duckType(d.FeatureType)}`);
            await con.run(
                `CREATE TEMP TABLE ${stage} (${cols.join(", ")}, write_time VARCHAR, api_invocation_time VARCHAR, is_deleted BOOLEAN, __part VARCHAR)`,
            );
            try {
                const app = await con.createAppender(stage);
                try {
                    for (const [part, partRows] of byHour) {
                        for (const r of partRows) {
                            for (const d of defs) {
                                const v = r.record[d.FeatureName];
                                if (v === null || v === undefined) app.appendNull();
                                else if (d.FeatureType === "Integral") app.appendBigInt(BigInt(v as number));
                                else if (d.FeatureType === "Fractional") app.appendDouble(v as number);
                                else app.appendVarchar(v as string);
                            }
                            app.appendVarchar(writeTime);
                            app.appendVarchar(r.apiInvocationTime);
                            app.appendBoolean(r.deleted);
                            app.appendVarchar(part);
                            app.endRow();
                        }
                    }
                    app.flushSync();
                } finally {
                    app.closeSync();
                }
                const select = [
                    ...defs.map((d) => sqlIdent(d.FeatureName)),
                    "CAST(write_time AS TIMESTAMPTZ) AS write_time",
                    "CAST(api_invocation_time AS TIMESTAMPTZ) AS api_invocation_time",
                    "is_deleted",
                ].join(", ");
                const stamp = writeTime.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
                for (const part of [...byHour.keys()].sort()) {
                    const dir = path.join(g.desc.OfflineStoreUri, "data", part);
                    fs.mkdirSync(dir, { recursive: true });
                    const file = path.join(dir, `${stamp}_${crypto.randomBytes(6).toString("hex")}.parquet`);
                    const tmpPq = path.join(dir, `.${path.basename(file)}.tmp`);
                    try {
                        await con.run(`COPY (SELECT ${select} FROM ${stage} WHERE __part = ${sqlString(part)}) TO ${sqlString(tmpPq)} (FORMAT parquet)`);
                        fs.renameSync(tmpPq, file);
                        written.push(file);
                        for (const r of byHour.get(part)!) r.written = true;
                    } finally {
                        fs.rmSync(tmpPq, { force: true });
                    }
                }
            } catch (e) {
                g.buffer.push(...rows.filter((r) => !r.written)); // keep unwritten rows for a retry
                throw e;
            } finally {
                await con.run(`DROP TABLE IF EXISTS ${stage}`);
            }
        }
        return written;
    }

    /** Parquet files of a feature group's offline store (sorted). */
    offlineFiles(name: string): string[] {
        const root = path.join(this.group(name).desc.OfflineStoreUri, "data");
        const out: string[] = [];
        const walk = (d: string) => {
            if (!fs.existsSync(d)) return;
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                if (e.isDirectory()) walk(path.join(d, e.name));
                else if (e.name.endsWith(".parquet") && !e.name.startsWith(".")) out.push(path.join(d, e.name));
            }
        };
        walk(root);
        return out.sort();
    }

    private async connection(): Promise<DuckDBConnection> {
        if (!this.duck) {
            const inst = await DuckDBInstance.create(":memory:", { threads: "2" });
            this.duck = { inst, con: await inst.connect() };
        }
        return this.duck.con;
    }

    /** (Re)create one view per feature group over its offline Parquet files. Underscore aliases for names with '-'. */
    private async registerViews(con: DuckDBConnection): Promise<void> {
        for (const name of this.listFeatureGroups()) {
            const g = this.group(name);
            const files = this.offlineFiles(name);
            const cols = [...g.desc.FeatureDefinitions.map((d) => `${sqlIdent(d.FeatureName)}`), "write_time", "api_invocation_time", "is_deleted"];
            const select = files.length
                ? `SELECT ${cols.join(", ")} FROM read_parquet([${files.map(sqlString).join(", ")}], union_by_name=true, hive_partitioning=false)`
                : `SELECT ${[...g.desc.FeatureDefinitions.map((d) => `CAST(NULL AS ${duckType(d.FeatureType)}) AS ${sqlIdent(d.FeatureName)}`), "CAST(NULL AS TIMESTAMPTZ) AS write_time", "CAST(NULL AS TIMESTAMPTZ) AS api_invocation_time", "CAST(NULL AS BOOLEAN) AS is_deleted"].join(", ")} WHERE false`;
            await con.run(`CREATE OR REPLACE VIEW ${sqlIdent(name)} AS ${select}`);
            const alias = name.replace(/-/g, "_");
            if (alias !== name && !this.groups.has(alias)) await con.run(`CREATE OR REPLACE VIEW ${sqlIdent(alias)} AS SELECT * FROM ${sqlIdent(name)}`);
        }
    }

    /**
     * Run SQL over the offline store. Every feature group is a view named after it
     * (quote names with '-', or use the underscore alias), with the feature columns
     * plus write_time, api_invocation_time (TIMESTAMPTZ) and is_deleted (BOOLEAN).
     * Timestamps come back as ISO-8601 strings, BIGINT as number.
     */
    async query(sql: string): Promise<SqlRow[]> {
        await this.flush();
        const con = await this.connection();
        await this.registerViews(con);
        return runQuery(con, sql);
    }

    private eventTimeExpr(g: GroupState, alias: string): string {
        const et = `${alias}.${sqlIdent(g.desc.EventTimeFeatureName)}`;
        return g.types.get(g.desc.EventTimeFeatureName) === "Fractional" ? `to_timestamp(${et})` : `CAST(${et} AS TIMESTAMPTZ)`;
    }

    /**
     * Point-in-time lookup for building training sets: for each entity
     * `{ id, asOf }`, the latest offline record of that id with event time ≤ asOf
     * (ties → latest api_invocation_time). If that record is a delete marker, or
     * none exists, the features are null. No record from after `asOf` can leak in.
     * Output rows keep the input order: `{ <record id name>: id, as_of, ...features }`.
     * `asOf` is an ISO-8601 string, a Date, or epoch seconds. With `availableAt: true`
     * a record also needs api_invocation_time ≤ asOf, i.e. it must have been ingested
     * by then (excludes late-arriving backfills that a live model could not have seen).
     */
    async pointInTimeJoin(
        name: string,
        entities: readonly { id: string | number; asOf: string | number | Date }[],
        opts: { featureNames?: string[]; availableAt?: boolean } = {},
    ): Promise<SqlRow[]> {
        const g = this.group(name);
        const idName = g.desc.RecordIdentifierFeatureName;
        const features = opts.featureNames ?? g.desc.FeatureDefinitions.map((d) => d.FeatureName).filter((f) => f !== idName);
        const unknown = features.filter((f) => !g.types.has(f));
        if (unknown.length) throw new FeatureStoreError("ValidationError", `${name}: unknown feature name(s) ${unknown.join(", ")}`);
        if (!entities.length) return [];
        await this.flush();
        const con = await this.connection();
        await this.registerViews(con);
        const tmp = path.join(os.tmpdir(), `fs-pit-${process.pid}-${crypto.randomBytes(6).toString("hex")}.ndjson`);
        fs.writeFileSync(
            tmp,
            entities.map((e, i) => JSON.stringify({ row: i, id: String(e.id), as_of: asOfIso(e.asOf, `${name}: pointInTimeJoin entity ${i}`) })).join("\n") +
                "\n",
        );
        try {
            const sel = features.map((f) => `CASE WHEN m.is_deleted THEN NULL ELSE m.${sqlIdent(f)} END AS ${sqlIdent(f)}`).join(", ");
            const sql = `
        WITH ent AS (SELECT * FROM read_json(${sqlString(tmp)}, format='newline_delimited', columns={'row': 'BIGINT', 'id': 'VARCHAR', 'as_of': 'TIMESTAMPTZ'})),
        hist AS (SELECT h.*, ${this.eventTimeExpr(g, "h")} AS __et FROM ${sqlIdent(name)} h),
        m AS (
          SELECT e.row AS __row, h.*
          FROM ent e JOIN hist h ON CAST(h.${sqlIdent(idName)} AS VARCHAR) = e.id AND h.__et <= e.as_of${opts.availableAt ? " AND h.api_invocation_time <= e.as_of" : ""}
          QUALIFY row_number() OVER (PARTITION BY e.row ORDER BY h.__et DESC, h.api_invocation_time DESC, h.write_time DESC) = 1
        )
        SELECT e.row AS __row, e.id AS ${sqlIdent(idName)}, e.as_of AS as_of${features.length ? ", " + sel : ""}
        FROM ent e LEFT JOIN m ON m.__row = e.row
        ORDER BY e.row`;
            const rows = await runQuery(con, sql);
            const idType = g.types.get(idName);
            return rows.map((r) => {
                delete r.__row;
                if (idType === "Integral") r[idName] = Number(r[idName]);
                return r;
            });
        } finally {
            fs.rmSync(tmp, { force: true });
        }
    }

    /** All records as of `asOf`: the latest version per id with event time ≤ asOf, deleted ids excluded. */
    async snapshotAsOf(name: string, asOf: string | Date, opts: { featureNames?: string[] } = {}): Promise<SqlRow[]> {
        const g = this.group(name);
        const idName = g.desc.RecordIdentifierFeatureName;
        const features = opts.featureNames ?? g.desc.FeatureDefinitions.map((d) => d.FeatureName);
        const unknown = features.filter((f) => !g.types.has(f));
        if (unknown.length) throw new FeatureStoreError("ValidationError", `${name}: unknown feature name(s) ${unknown.join(", ")}`);
        const ts = asOfIso(asOf, `${name}: snapshotAsOf`);
        const cols = [idName, ...features.filter((f) => f !== idName)].map(sqlIdent).join(", ");
        return this.query(`
      SELECT ${cols} FROM (
        SELECT h.*, ${this.eventTimeExpr(g, "h")} AS __et FROM ${sqlIdent(name)} h
        WHERE ${this.eventTimeExpr(g, "h")} <= CAST(${sqlString(ts)} AS TIMESTAMPTZ)
        QUALIFY row_number() OVER (PARTITION BY h.${sqlIdent(idName)} ORDER BY __et DESC, h.api_invocation_time DESC, h.write_time DESC) = 1
      ) WHERE NOT is_deleted ORDER BY ${sqlIdent(idName)}`);
    }

    /** Flush the offline buffer and release DuckDB. */
    async close(): Promise<void> {
        try {
            await this.flush();
        } finally {
            if (this.duck) {
                this.duck.con.closeSync();
                this.duck.inst.closeSync();
                this.duck = undefined;
            }
        }
    }
}

/** Normalise an as-of time (ISO-8601 string, Date, or epoch seconds) to ISO-8601 UTC. */
function asOfIso(v: string | number | Date, where: string): string {
    const ms = v instanceof Date ? v.getTime() : typeof v === "number" ? v * 1000 : Date.parse(v);
    if (!Number.isFinite(ms))
        throw new FeatureStoreError("ValidationError", `${where}: as-of time ${JSON.stringify(v)} is not a valid ISO-8601 time, Date or epoch seconds`);
    return new Date(ms).toISOString();
}

function applyPut(g: GroupState, record: FeatureRecord, eventMs: number): boolean {
    const id = String(record[g.desc.RecordIdentifierFeatureName]);
    const cur = g.online.get(id);
    if (cur && eventMs < cur.eventMs) return false;
    if (cur && cur.deleted && eventMs <= cur.eventMs) return false;
    g.online.set(id, { record, eventMs, deleted: false });
    return true;
}

function applyDelete(g: GroupState, id: string, eventMs: number, mode: DeletionMode): boolean {
    const cur = g.online.get(id);
    if (cur && eventMs < cur.eventMs) return false;
    if (mode === "HardDelete") {
        if (!cur) return false;
        g.online.delete(id);
        return true;
    }
    g.online.set(id, { record: null, eventMs, deleted: true });
    return true;
}

function appendLog(g: GroupState, line: LogLine): void {
    if (g.pendingLog) g.pendingLog.push(JSON.stringify(line));
    else fs.appendFileSync(g.desc.OnlineStorePath, JSON.stringify(line) + "\n");
}

/** Validate a feature group definition with SageMaker's naming and typing rules. */
export function validateDefinition(def: FeatureGroupDefinition): void {
    const fail = (m: string): never => {
        throw new FeatureStoreError("ValidationError", `feature group "${def?.FeatureGroupName}": ${m}`);
    };
    if (!def || typeof def.FeatureGroupName !== "string" || !GROUP_NAME_RE.test(def.FeatureGroupName)) {
        fail('FeatureGroupName must be 1-64 characters of [a-zA-Z0-9] and "-", starting and ending with an alphanumeric');
    }
    if (!Array.isArray(def.FeatureDefinitions) || !def.FeatureDefinitions.length) fail("FeatureDefinitions must list at least one feature");
    if (def.FeatureDefinitions.length > 2500) fail("at most 2500 FeatureDefinitions are allowed");
    const seen = new Set<string>();
    for (const d of def.FeatureDefinitions) {
        if (!FEATURE_NAME_RE.test(d.FeatureName ?? ""))
            fail(`FeatureName ${JSON.stringify(d.FeatureName)} must be 1-64 characters of [a-zA-Z0-9], "-" and "_", starting and ending with an alphanumeric`);
        if (RESERVED.has(d.FeatureName.toLowerCase())) fail(`FeatureName "${d.FeatureName}" is reserved by the offline store; rename it`);
        if (seen.has(d.FeatureName.toLowerCase())) fail(`FeatureName "${d.FeatureName}" is defined twice (names are case-insensitive)`);
        seen.add(d.FeatureName.toLowerCase());
        if (!["Integral", "Fractional", "String"].includes(d.FeatureType))
            fail(`feature "${d.FeatureName}": FeatureType must be Integral, Fractional or String, got ${JSON.stringify(d.FeatureType)}`);
    }
    const typeOf = (n: string) => def.FeatureDefinitions.find((d) => d.FeatureName === n)?.FeatureType;
    const idT = typeOf(def.RecordIdentifierFeatureName);
    if (!idT) fail(`RecordIdentifierFeatureName "${def.RecordIdentifierFeatureName}" is not in FeatureDefinitions`);
    if (idT === "Fractional") fail("the record identifier must be Integral or String");
    const etT = typeOf(def.EventTimeFeatureName);
    if (!etT) fail(`EventTimeFeatureName "${def.EventTimeFeatureName}" is not in FeatureDefinitions`);
    if (etT === "Integral") fail("the event time feature must be String (ISO-8601) or Fractional (epoch seconds)");
}
