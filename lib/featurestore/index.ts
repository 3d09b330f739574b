/**
 * # lib/featurestore — local feature store (SageMaker Feature Store semantics, no AWS)
 *
 * ```ts
 * import { LocalFeatureStore, featureGroupFromSchema } from '../lib/featurestore';
 * const fs = new LocalFeatureStore({ root: 'out/featurestore', accountId: '123456789012', region: 'eu-west-1' });
 * fs.createFeatureGroup(featureGroupFromSchema('adult-train'));
 * await fs.ingest('adult-train', preparedRows);                 // online + offline
 * fs.getRecord('adult-train', 'data-0123456789abcdef', ['age']);
 * await fs.query('SELECT sex, avg(label) FROM "adult-train" GROUP BY sex');
 * await fs.pointInTimeJoin('adult-train', [{ id, asOf: '2026-01-02T00:00:00Z' }]);
 * await fs.close();
 * ```
 *
 * - Definitions: `FeatureGroupDefinition` = CreateFeatureGroup's FeatureGroupName,
 *   RecordIdentifierFeatureName, EventTimeFeatureName, FeatureDefinitions
 *   (`{ FeatureName, FeatureType: 'Integral' | 'Fractional' | 'String' }`); validated with the
 *   service's naming rules (record id Integral/String, event time String ISO-8601 or
 *   Fractional epoch seconds, reserved write_time/api_invocation_time/is_deleted).
 *   `featureGroupFromSchema(name, schema?)` builds one for `prepare()` outputs.
 * - `new LocalFeatureStore({ root, accountId?, region?, now? })`; `createFeatureGroup(def)`,
 *   `describeFeatureGroup(name)`, `listFeatureGroups()`, `deleteFeatureGroup(name)`.
 * - `putRecord(name, record | [{FeatureName, ValueAsString}], { targetStores? })` →
 *   `{ online: 'written' | 'ignored-older' | 'skipped', offline }`; `ingest(name, rows)` (batch,
 *   collects per-row failures, flushes offline). `deleteRecord(name, id, eventTime, 'SoftDelete' | 'HardDelete')`.
 * - Online store (GetRecord semantics): latest record per id by event time — an equal or newer
 *   event time replaces, an older one is ignored; SoftDelete leaves a tombstone that also blocks
 *   older puts; HardDelete forgets the id. `getRecord(name, id, featureNames?)`,
 *   `batchGetRecord([{ FeatureGroupName, RecordIdentifiersValueAsString, FeatureNames? }])`.
 *   Persisted as an append-only NDJSON operation log `<root>/online/<name>.ndjson`, replayed on
 *   open; `compact(name)` rewrites it atomically.
 * - Offline store: every put and a delete marker per DeleteRecord (is_deleted = true), as Parquet in
 *   the S3 offline-store layout `<root>/offline/<account>/sagemaker/<region>/offline-store/<name>-<epoch>/data/year=YYYY/month=MM/day=DD/hour=HH/<stamp>_<rand>.parquet`
 *   (partitioned by event time, UTC) with extra columns write_time, api_invocation_time, is_deleted.
 *   Rows are buffered until `flush()` (called by ingest/query/point-in-time/close).
 * - `query(sql)` — DuckDB SQL; each feature group is a view named after it (plus an underscore alias).
 * - `pointInTimeJoin(name, [{ id, asOf }], { featureNames? })` — per entity, the latest record with
 *   event time ≤ asOf (deleted → nulls; `availableAt: true` also requires it to have been ingested by asOf); `snapshotAsOf(name, asOf)` — every live id as of a time.
 */
export * from "./types";
export * from "./store";
export * from "./schema";
