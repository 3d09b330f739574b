import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import { setupMocks, promiseOf, policyOf, asArray, MOCK_ACCOUNT } from "../helpers/pulumi-mocks";
import { DataBucket, bucketName } from "../../components/datalake";
import { FEATURE_STORE_RESOURCE_TYPES, FeatureStore, FeatureStoreArgs } from "../../components/featurestore";
import { ADULT_CENSUS_SCHEMA, FeatureGroupSchema, validateFeatureGroupSchema, glueTableName } from "../../components/feature-schema";

const mocks = setupMocks();

const REGION = "us-east-1";
const KEY = `arn:aws:kms:${REGION}:${MOCK_ACCOUNT}:key/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee`;
const ONLINE_KEY = `arn:aws:kms:${REGION}:${MOCK_ACCOUNT}:key/99999999-bbbb-4ccc-8ddd-eeeeeeeeeeee`;
const FG = "aws:sagemaker/featureGroup:FeatureGroup";

describe("feature schema", () => {
    it("defines the Adult census schema with the expected types", () => {
        const s = ADULT_CENSUS_SCHEMA;
        assert.deepEqual(validateFeatureGroupSchema(s), []);
        const t = Object.fromEntries(s.features.map((f) => [f.name, f.type]));
        assert.equal(s.recordIdentifierFeatureName, "record_id");
        assert.equal(s.eventTimeFeatureName, "event_time");
        assert.equal(t.record_id, "String");
        assert.ok(t.event_time === "String" || t.event_time === "Fractional");
        for (const n of ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week", "label"]) assert.equal(t[n], "Integral", n);
        for (const n of ["workclass", "education", "marital_status", "occupation", "relationship", "race", "sex", "native_country"])
            assert.equal(t[n], "String", n);
        assert.equal(s.features.length, 17);
    });

    it("reports every problem with a bad schema", () => {
        const bad: FeatureGroupSchema = {
            name: "bad_name",
            description: "",
            recordIdentifierFeatureName: "id",
            eventTimeFeatureName: "ts",
            features: [
                { name: "ts", type: "Integral" },
                { name: "Dup", type: "String" },
                { name: "dup", type: "String" },
                { name: "write_time", type: "String" },
                { name: "-x", type: "String" },
            ],
        };
        const p = validateFeatureGroupSchema(bad);
        for (const re of [
            /name must match/,
            /record identifier id is not a feature/,
            /event time ts must be String/,
            /duplicate feature dup/,
            /reserved/,
            /"-x" must match/,
        ]) {
            assert.ok(
                p.some((x) => re.test(x)),
                `${re} in ${p.join("; ")}`,
            );
        }
    });

    it("derives Athena-friendly table names", () => {
        assert.equal(glueTableName("mlp-dev-Adult-census"), "mlp_dev_adult_census");
    });
});

describe("FeatureStore", () => {
    beforeEach(() => mocks.reset());

    function curatedBucket(resourceName: string): DataBucket {
        return new DataBucket(resourceName, {
            bucketName: bucketName("mlp-dev", "curated", "1a2b3c4d"),
            purpose: "curated",
            encryption: { kind: "kms", kmsKeyArn: KEY },
            lifecycleRules: [],
        });
    }

    async function build(over: Partial<FeatureStoreArgs> = {}) {
        const curated = curatedBucket("lake-curated");
        const role = new aws.iam.Role("fs-role", { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) });
        const fs = new FeatureStore("fs", {
            namePrefix: "mlp-dev",
            region: REGION,
            curatedBucket: curated,
            offlineStoreKmsKeyArn: KEY,
            role: { activity: "featurestore", role },
            ...over,
        });
        await mocks.settle();
        return { fs, role };
    }

    it("creates the Adult feature group from the schema with the role, encrypted offline store in the curated bucket and a Glue catalog entry", async () => {
        const { fs, role } = await build();
        const fg = mocks.one(FG);
        const i = fg.inputs;
        assert.equal(i.featureGroupName, "mlp-dev-adult-census");
        assert.equal(i.recordIdentifierFeatureName, "record_id");
        assert.equal(i.eventTimeFeatureName, "event_time");
        assert.equal(i.roleArn, await promiseOf(role.arn));
        assert.deepEqual(
            i.featureDefinitions,
            ADULT_CENSUS_SCHEMA.features.map((f) => ({ featureName: f.name, featureType: f.type })),
        );
        assert.equal(i.offlineStoreConfig.s3StorageConfig.s3Uri, "s3://mlp-dev-curated-1a2b3c4d/feature-store/");
        assert.equal(i.offlineStoreConfig.s3StorageConfig.kmsKeyId, KEY);
        assert.equal(i.offlineStoreConfig.disableGlueTableCreation, false);
        const db = mocks.one("aws:glue/catalogDatabase:CatalogDatabase");
        assert.equal(db.inputs.name, "mlp_dev_feature_store");
        assert.deepEqual(i.offlineStoreConfig.dataCatalogConfig, {
            catalog: "AwsDataCatalog",
            database: "mlp_dev_feature_store",
            tableName: "mlp_dev_adult_census",
        });
        assert.deepEqual(await promiseOf(fs.featureGroupNames), { "adult-census": "mlp-dev-adult-census" });
        assert.deepEqual(await promiseOf(fs.featureGroupArns), { "adult-census": fg.state.arn });
        assert.equal(await promiseOf(fs.offlineStoreS3Uri), "s3://mlp-dev-curated-1a2b3c4d/feature-store/");
        assert.equal(await promiseOf(fs.glueDatabaseName), "mlp_dev_feature_store");
        assert.deepEqual(await promiseOf(fs.glueTableNames), { "adult-census": "mlp_dev_adult_census" });
    });

    it("encrypts the online store with its own key when given, and can switch it off", async () => {
        await build({ onlineStoreKmsKeyArn: ONLINE_KEY });
        assert.deepEqual(mocks.one(FG).inputs.onlineStoreConfig, { enableOnlineStore: true, securityConfig: { kmsKeyId: ONLINE_KEY } });
        mocks.reset();
        await build();
        assert.equal(mocks.one(FG).inputs.onlineStoreConfig.securityConfig.kmsKeyId, KEY, "falls back to the offline key");
        mocks.reset();
        await build({ enableOnlineStore: false });
        assert.equal(mocks.one(FG).inputs.onlineStoreConfig, undefined);
    });

    it("grants the feature-store role write access to the curated prefix and Glue in our database only, before creating the group", async () => {
        const { role } = await build();
        const roleId = await promiseOf(role.id);
        const grants = mocks.ofType("aws:iam/rolePolicy:RolePolicy").filter((r) => r.inputs.role === roleId);
        assert.equal(grants.length, 2);
        const s3 = await policyOf(mocks.byName("lake-curated-featurestore-feature-store-featurestore").inputs.policy);
        const objects = s3.Statement.find((s) => s.Sid === "Objects")!;
        assert.equal(objects.Resource, "arn:aws:s3:::mlp-dev-curated-1a2b3c4d/feature-store/*");
        assert.ok(asArray(objects.Action).includes("s3:PutObject"));
        const list = s3.Statement.find((s) => asArray(s.Action).includes("s3:ListBucket"))!;
        assert.deepEqual(list.Condition, { StringLike: { "s3:prefix": ["feature-store/*"] } });
        assert.ok(s3.Statement.some((s) => asArray(s.Action).includes("kms:GenerateDataKey") && s.Resource === KEY));
        const glue = await policyOf(mocks.byName("fs-glue-featurestore").inputs.policy);
        const g = glue.Statement.find((s) => s.Sid === "GlueOfflineStoreTables")!;
        assert.deepEqual(
            asArray(g.Resource).sort(),
            [
                `arn:aws:glue:${REGION}:${MOCK_ACCOUNT}:catalog`,
                `arn:aws:glue:${REGION}:${MOCK_ACCOUNT}:database/mlp_dev_feature_store`,
                `arn:aws:glue:${REGION}:${MOCK_ACCOUNT}:table/mlp_dev_feature_store/mlp_dev_adult_census`,
            ].sort(),
        );
        assert.ok(!asArray<string>(g.Action).some((a) => a.endsWith("*")));
        for (const doc of [s3, glue]) for (const s of doc.Statement) assert.ok(!asArray(s.Resource).includes("*"));
        // creation waits for the grants
        const fg = mocks.one(FG);
        for (const n of ["lake-curated-featurestore-feature-store-featurestore", "fs-glue-featurestore"]) {
            assert.ok(fg.options.dependencies.includes(mocks.byName(n).urn), n);
        }
    });

    it("creates exactly the resource types it declares", async () => {
        await build();
        const root = mocks.one("mlplatform:featurestore:FeatureStore");
        const types = new Set(mocks.descendantsOf(root).map((r) => r.type));
        assert.deepEqual([...types].sort(), [...FEATURE_STORE_RESOURCE_TYPES].sort());
    });

    it("refuses invalid schemas and prefixes", () => {
        const curated = curatedBucket("lake2-curated");
        const role = new aws.iam.Role("fs-role2", { assumeRolePolicy: "{}" });
        const base = { namePrefix: "mlp-dev", region: REGION, curatedBucket: curated, offlineStoreKmsKeyArn: KEY, role: { activity: "fs", role } };
        assert.throws(
            () => new FeatureStore("x1", { ...base, schemas: [{ ...ADULT_CENSUS_SCHEMA, eventTimeFeatureName: "age" }] }),
            /event time age must be String/,
        );
        assert.throws(() => new FeatureStore("x2", { ...base, offlineStorePrefix: "fs" }), /must end with/);
        assert.throws(() => new FeatureStore("x3", { ...base, schemas: [ADULT_CENSUS_SCHEMA, ADULT_CENSUS_SCHEMA] }), /unique/);
    });
});
