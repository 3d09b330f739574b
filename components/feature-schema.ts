/**
 * Feature-group schemas defined in code, and their validation against SageMaker Feature Store's rules.
 *
 * Creates no resources (pure data + validation); `components/featurestore.ts` turns a schema into an
 * `aws.sagemaker.FeatureGroup`.
 */

/** Feature Store feature types. */
export type FeatureType = "String" | "Integral" | "Fractional";

export interface FeatureSpec {
    name: string;
    type: FeatureType;
    description?: string;
}

export interface FeatureGroupSchema {
    /** Short name; the feature group is named `<namePrefix>-<name>`. */
    name: string;
    description: string;
    recordIdentifierFeatureName: string;
    /** Event-time feature: String (ISO-8601, e.g. 2026-11-27T20:00:00Z) or Fractional (Unix epoch seconds). */
    eventTimeFeatureName: string;
    features: FeatureSpec[];
}

/**
 * UCI Adult (census income) as a feature group. Column names follow the data set with underscores (Feature Store and
 * Athena/Glue friendly); the label `label` is 1 when income > 50K (the same column name the local pipeline writes, so prepared rows ingest as they are).
 */
export const ADULT_CENSUS_SCHEMA: FeatureGroupSchema = {
    name: "adult-census",
    description: "UCI Adult census income features (CC BY 4.0) with the >50K label",
    recordIdentifierFeatureName: "record_id",
    eventTimeFeatureName: "event_time",
    features: [
        { name: "record_id", type: "String", description: "Stable record identifier" },
        { name: "event_time", type: "String", description: "ISO-8601 UTC timestamp of the record version" },
        { name: "age", type: "Integral" },
        { name: "workclass", type: "String" },
        { name: "fnlwgt", type: "Integral", description: "Census final weight" },
        { name: "education", type: "String" },
        { name: "education_num", type: "Integral" },
        { name: "marital_status", type: "String" },
        { name: "occupation", type: "String" },
        { name: "relationship", type: "String" },
        { name: "race", type: "String" },
        { name: "sex", type: "String" },
        { name: "capital_gain", type: "Integral" },
        { name: "capital_loss", type: "Integral" },
        { name: "hours_per_week", type: "Integral" },
        { name: "native_country", type: "String" },
        { name: "label", type: "Integral", description: "Label: 1 if income > 50K, else 0" },
    ],
};

/** Feature group names: letters/digits/hyphens, starting and ending alphanumerically, at most 64 characters. */
export const FEATURE_GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$/;
/** Feature names: letters/digits/hyphens/underscores, starting and ending alphanumerically, at most 64 characters. */
export const FEATURE_NAME = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;
/** Names Feature Store reserves for the offline store's own columns. */
export const RESERVED_FEATURE_NAMES = ["is_deleted", "write_time", "api_invocation_time"];
export const MAX_FEATURES = 2500;

/** Every problem with a schema (empty when valid). */
export function validateFeatureGroupSchema(schema: FeatureGroupSchema): string[] {
    const problems: string[] = [];
    const where = `feature group schema ${JSON.stringify(schema.name)}`;
    if (!FEATURE_GROUP_NAME.test(schema.name)) problems.push(`${where}: name must match ${FEATURE_GROUP_NAME}`);
    if (schema.features.length === 0 || schema.features.length > MAX_FEATURES) problems.push(`${where}: needs 1 to ${MAX_FEATURES} features`);
    const seen = new Set<string>();
    for (const f of schema.features) {
        if (!FEATURE_NAME.test(f.name)) problems.push(`${where}: feature ${JSON.stringify(f.name)} must match ${FEATURE_NAME}`);
        if (RESERVED_FEATURE_NAMES.includes(f.name.toLowerCase())) problems.push(`${where}: feature name ${f.name} is reserved by Feature Store`);
        const key = f.name.toLowerCase();
        if (seen.has(key)) problems.push(`${where}: duplicate feature ${f.name} (names are case-insensitive)`);
        seen.add(key);
        if (!["String", "Integral", "Fractional"].includes(f.type)) problems.push(`${where}: feature ${f.name} has unknown type ${f.type}`);
    }
    const id = schema.features.find((f) => f.name === schema.recordIdentifierFeatureName);
    if (!id) problems.push(`${where}: record identifier ${schema.recordIdentifierFeatureName} is not a feature`);
    else if (id.type === "Fractional") problems.push(`${where}: record identifier ${id.name} must be String or Integral`);
    const time = schema.features.find((f) => f.name === schema.eventTimeFeatureName);
    if (!time) problems.push(`${where}: event time ${schema.eventTimeFeatureName} is not a feature`);
    else if (time.type === "Integral") problems.push(`${where}: event time ${time.name} must be String (ISO-8601) or Fractional (epoch seconds)`);
    if (schema.recordIdentifierFeatureName === schema.eventTimeFeatureName) problems.push(`${where}: record identifier and event time must differ`);
    return problems;
}

/** Feature Store's Glue/Athena table name for a feature group name (lowercase, hyphens to underscores). */
export function glueTableName(featureGroupName: string): string {
    return featureGroupName.toLowerCase().replace(/-/g, "_");
}
