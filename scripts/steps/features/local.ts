/**
 * features — fit the feature transform on train only and persist it (inference applies exactly the same JSON);
 * ingest every prepared row into the local feature store (offline Parquet store in the service's S3 layout + online
 * GetRecord store); write the EDA report.
 */
import * as fs from "fs";
import * as path from "path";
import { loadPreparedSplit } from "../../../lib/data";
import { featureSpecFromSchema, fitTransform } from "../../../lib/features";
import { featureGroupFromSchema, LocalFeatureStore } from "../../../lib/featurestore";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { FEATURES } from "./step";
import { writeEdaReport } from "../../../lib/reports";
import { preparedUri, transformUri } from "../../../contracts/s3-layout";

const step: StepDef<"features"> = {
    ...FEATURES,
    description: "fit the feature transform on train, ingest into the feature store, EDA report",
    inputFiles: () => ["lib/features", "lib/featurestore", "lib/reports"],
    inputValues: (ctx) => ({ minFrequency: ctx.options["min-frequency"] ?? 10, encoding: ctx.options.encoding ?? "one-hot" }),
    async run(ctx) {
        const out = ctx.outputs();
        const prepared = ctx.s3.pathOf(preparedUri(out));
        const [train, validation, test] = await Promise.all([
            loadPreparedSplit(prepared, "train"),
            loadPreparedSplit(prepared, "validation"),
            loadPreparedSplit(prepared, "test"),
        ]);
        const encoding = String(ctx.options.encoding ?? "one-hot");
        if (encoding !== "one-hot" && encoding !== "ordinal") throw new StepError(`--encoding ${encoding}: expected one-hot or ordinal`);
        const spec = featureSpecFromSchema(undefined, { encoding, minFrequency: Number(ctx.options["min-frequency"] ?? 10) });
        const transformFile = ctx.s3.pathOf(transformUri(out));
        const transform = fitTransform(train, spec, transformFile);
        const nFeatures = transform.apply(train.slice(0, 1)).nCols;
        ctx.log(`transform fitted on ${train.length} train rows: ${nFeatures} model features -> ${ctx.rel(transformFile)}`);

        // Feature store: one feature group (named by the stack) holding all splits; GetRecord serves the latest row per id.
        const groupName = out.featureGroupNames[0];
        const storeRoot = ctx.file("featurestore/.keep");
        const store = new LocalFeatureStore({ root: path.dirname(storeRoot), accountId: out.accountId, region: out.region });
        try {
            if (store.listFeatureGroups().includes(groupName)) store.deleteFeatureGroup(groupName);
            store.createFeatureGroup(featureGroupFromSchema(groupName));
            const all = [...train, ...validation, ...test];
            let ingested = 0;
            let failed = 0;
            const chunk = 5000;
            for (let i = 0; i < all.length; i += chunk) {
                const r = await store.ingest(groupName, all.slice(i, i + chunk) as never);
                ingested += r.ingested;
                failed += r.failed.length;
                for (const f of r.failed.slice(0, 3)) ctx.log(`ingest failure at row ${i + f.index}: ${f.error}`);
                ctx.progress(Math.min(i + chunk, all.length), all.length, "feature store ingestion");
            }
            if (failed > 0) throw new StepError(`${failed} of ${all.length} rows failed feature-store ingestion (first failures above)`);
            const [{ n }] = (await store.query(`SELECT count(*)::INTEGER AS n FROM "${groupName}"`)) as { n: number }[];
            const sample = store.getRecord(groupName, String(train[0].record_id));
            if (!sample) throw new StepError(`online store has no record for ${String(train[0].record_id)} right after ingestion`);
            ctx.log(`feature group ${groupName}: ${ingested} records ingested; offline store rows (SQL): ${n}`);

            const edaFile = ctx.file("reports/eda.html");
            const eda = await writeEdaReport({ rows: train, outFile: edaFile, title: `EDA — Adult census (train split, stack ${ctx.stack})` });
            return {
                summary: `${nFeatures} features; ${ingested} records in feature group ${groupName}; EDA ${ctx.rel(edaFile)}`,
                results: { features: nFeatures, featureGroup: groupName, ingested, offlineRows: n, edaCharts: eda.charts },
                artifacts: {
                    transform: ctx.rel(transformFile),
                    offlineStore: ctx.rel(store.describeFeatureGroup(groupName).OfflineStoreUri),
                    onlineStore: ctx.rel(store.describeFeatureGroup(groupName).OnlineStorePath!),
                    eda: ctx.rel(edaFile),
                },
            };
        } finally {
            await store.close();
            fs.rmSync(storeRoot, { force: true });
        }
    },
};

export default step;
