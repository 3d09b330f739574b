/**
 * FeatureStore: SageMaker Feature Store feature groups defined in code (`components/feature-schema.ts`), with the
 * offline store in the curated bucket and its Glue table in a database the platform owns.
 * What it creates per stack: docs/components.md.
 *
 * Offline store: `s3StorageConfig.s3Uri` = `s3://<curated bucket>/<offlineStorePrefix>` encrypted with
 * `offlineStoreKmsKeyArn` (Feature Store writes Parquet under `<s3Uri>/<account>/sagemaker/<region>/offline-store/...`).
 * Glue: `disableGlueTableCreation: false` with an explicit `dataCatalogConfig` {catalog "AwsDataCatalog", our database,
 * table name}: Feature Store then creates the table itself, in our database, with the schema it derives from the
 * feature definitions (a table we created ourselves would have to repeat that schema and Feature Store's partitioning
 * exactly). The database must exist first, and the feature-store role needs glue:CreateTable/GetTable/UpdateTable on
 * it — which this component grants. Without `dataCatalogConfig` the table would land in the shared
 * `sagemaker_featurestore` database instead.
 *
 * Online store: enabled by `enableOnlineStore` (default true), encrypted with `onlineStoreKmsKeyArn` (falls back to the
 * offline key). The principal running `pulumi up` must be allowed kms:CreateGrant on that key (Feature Store creates a
 * grant at creation time).
 *
 * The feature-store role (Args `role`, created by the security component, trusted by sagemaker.amazonaws.com) receives:
 * read/write on the curated bucket under the offline-store prefix (+ the bucket key), s3:GetBucketAcl on the bucket
 * (Feature Store checks it), KMS use of the offline key, and Glue table management in our database only. The feature
 * groups depend on those grants, so creation never races the permissions it needs.
 *
 * With the data lake's VPC-endpoint restriction on (prod), the role must be in `vpcEndpointExemptRoleArns`: Feature
 * Store writes the offline store from the service's network, not through the platform VPC.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { DataBucket } from "./datalake";
import { ADULT_CENSUS_SCHEMA, FEATURE_GROUP_NAME, FeatureGroupSchema, glueTableName, validateFeatureGroupSchema } from "./feature-schema";
import { grant, Grantee, kmsStatement, PolicyStatement } from "./grants";

/** The resource types this component creates (tests; docs/components.md shows them per stack). */
export const FEATURE_STORE_RESOURCE_TYPES: readonly string[] = [
    "aws:glue/catalogDatabase:CatalogDatabase",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:sagemaker/featureGroup:FeatureGroup",
];

export interface FeatureStoreArgs {
    /** Prefix of feature group and Glue database names. */
    namePrefix: string;
    region: string;
    /** Account id; looked up with sts:GetCallerIdentity when absent. */
    accountId?: pulumi.Input<string>;
    /** Schemas to create feature groups for. Default: [ADULT_CENSUS_SCHEMA]. */
    schemas?: FeatureGroupSchema[];
    /** The curated bucket (offline store). */
    curatedBucket: DataBucket;
    /** Key prefix for the offline store inside the curated bucket. Default "feature-store/". */
    offlineStorePrefix?: string;
    /** KMS key for the offline store objects (normally the curated bucket's key). */
    offlineStoreKmsKeyArn: pulumi.Input<string>;
    /** Enable the online store. Default true. */
    enableOnlineStore?: boolean;
    /** KMS key for the online store. Default: offlineStoreKmsKeyArn. */
    onlineStoreKmsKeyArn?: pulumi.Input<string>;
    /** Feature-store role (trusted by sagemaker.amazonaws.com); receives the grants it needs. */
    role: Grantee;
    /** Glue database name (letters, digits, underscores). Default `<namePrefix>_feature_store` with hyphens as underscores. */
    glueDatabaseName?: string;
    tags?: Record<string, string>;
}

export class FeatureStore extends pulumi.ComponentResource {
    readonly featureGroups: Record<string, aws.sagemaker.FeatureGroup>;
    /** Feature group names keyed by schema name. */
    readonly featureGroupNames: pulumi.Output<Record<string, string>>;
    /** Feature group ARNs keyed by schema name. */
    readonly featureGroupArns: pulumi.Output<Record<string, string>>;
    /** `s3://<curated>/<prefix>` given to every feature group. */
    readonly offlineStoreS3Uri: pulumi.Output<string>;
    readonly glueDatabaseName: pulumi.Output<string>;
    /** Glue table names keyed by schema name. */
    readonly glueTableNames: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: FeatureStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.FeatureStore, name, {}, withPreviousTypes("FeatureStore", opts));
        const schemas = args.schemas ?? [ADULT_CENSUS_SCHEMA];
        if (schemas.length === 0) throw new Error(`FeatureStore ${name}: at least one schema is required`);
        const problems = schemas.flatMap(validateFeatureGroupSchema);
        const groupNames = schemas.map((s) => `${args.namePrefix}-${s.name}`);
        for (const g of groupNames) if (!FEATURE_GROUP_NAME.test(g)) problems.push(`feature group name ${g} must match ${FEATURE_GROUP_NAME}`);
        if (new Set(groupNames).size !== groupNames.length) problems.push(`feature group names must be unique: ${groupNames.join(", ")}`);
        if (problems.length > 0) throw new Error(`FeatureStore ${name}: invalid schemas:\n  - ${problems.join("\n  - ")}`);

        const prefix = (args.offlineStorePrefix ?? "feature-store/").replace(/^\/+/, "");
        if (!prefix.endsWith("/") || /[*?]/.test(prefix))
            throw new Error(`FeatureStore ${name}: offlineStorePrefix must end with "/" and contain no wildcards`);
        const dbName = args.glueDatabaseName ?? `${args.namePrefix}_feature_store`.replace(/-/g, "_");
        if (!/^[a-z0-9_]{1,255}$/.test(dbName))
            throw new Error(`FeatureStore ${name}: Glue database name ${dbName} must be lowercase letters, digits, underscores`);
        const accountId = pulumi.output(args.accountId ?? aws.getCallerIdentityOutput({}, { parent: this }).accountId);
        const tags = args.tags ?? {};

        const database = new aws.glue.CatalogDatabase(
            `${name}-db`,
            { name: dbName, description: "SageMaker Feature Store offline-store tables of the ML platform", tags },
            { parent: this },
        );

        // Grants: S3 (owned by the bucket) and Glue + KMS (owned here).
        const s3Grant = args.curatedBucket.grantObjectActions(
            args.role,
            "featurestore",
            [
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
                "s3:DeleteObject",
            ],
            "encrypt-decrypt",
            prefix,
            ["s3:GetBucketAcl"],
        );
        const tableNames = groupNames.map(glueTableName);
        const glueStatements = pulumi
            .all([accountId, database.name, pulumi.output(args.offlineStoreKmsKeyArn)])
            .apply(([account, db, key]): PolicyStatement[] => {
                const base = `arn:aws:glue:${args.region}:${account}`;
                return [
                    {
                        Sid: "GlueOfflineStoreTables",
                        Effect: "Allow",
                        Action: ["glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
                        Resource: [`${base}:catalog`, `${base}:database/${db}`, ...tableNames.map((t) => `${base}:table/${db}/${t}`)],
                    },
                    ...kmsStatement(key, "encrypt-decrypt").map((s) => ({ ...s, Sid: `OfflineKey${s.Sid}` })),
                ];
            });
        const glueGrant = grant(this, name, "glue", args.role, glueStatements);

        this.offlineStoreS3Uri = pulumi.interpolate`${args.curatedBucket.uri}/${prefix}`;
        const onlineEnabled = args.enableOnlineStore ?? true;
        const onlineKey = args.onlineStoreKmsKeyArn ?? args.offlineStoreKmsKeyArn;

        this.featureGroups = {};
        schemas.forEach((schema, i) => {
            const fgName = groupNames[i];
            this.featureGroups[schema.name] = new aws.sagemaker.FeatureGroup(
                `${name}-${schema.name}`,
                {
                    featureGroupName: fgName,
                    description: schema.description,
                    recordIdentifierFeatureName: schema.recordIdentifierFeatureName,
                    eventTimeFeatureName: schema.eventTimeFeatureName,
                    roleArn: args.role.role.arn,
                    featureDefinitions: schema.features.map((f) => ({ featureName: f.name, featureType: f.type })),
                    offlineStoreConfig: {
                        s3StorageConfig: { s3Uri: this.offlineStoreS3Uri, kmsKeyId: args.offlineStoreKmsKeyArn },
                        disableGlueTableCreation: false,
                        dataCatalogConfig: { catalog: "AwsDataCatalog", database: database.name, tableName: tableNames[i] },
                    },
                    onlineStoreConfig: onlineEnabled ? { enableOnlineStore: true, securityConfig: { kmsKeyId: onlineKey } } : undefined,
                    tags: { ...tags, "mlplatform:schema": schema.name },
                },
                { parent: this, dependsOn: [s3Grant, glueGrant, database] },
            );
        });

        const byName = (f: (fg: aws.sagemaker.FeatureGroup, i: number) => pulumi.Input<string>) =>
            pulumi.output(Object.fromEntries(schemas.map((s, i) => [s.name, f(this.featureGroups[s.name], i)]))) as pulumi.Output<Record<string, string>>;
        this.featureGroupNames = byName((fg) => fg.featureGroupName);
        this.featureGroupArns = byName((fg) => fg.arn);
        this.glueDatabaseName = database.name;
        this.glueTableNames = byName((_, i) => tableNames[i]);

        this.registerOutputs({
            featureGroupNames: this.featureGroupNames,
            featureGroupArns: this.featureGroupArns,
            offlineStoreS3Uri: this.offlineStoreS3Uri,
            glueDatabaseName: this.glueDatabaseName,
            glueTableNames: this.glueTableNames,
        });
    }
}
