import { ADULT_SCHEMA, DatasetSchema } from "../data/schema";
import { FeatureGroupDefinition } from "./types";

/**
 * Feature group definition for rows written by `prepare()`: record_id (String),
 * event_time (String, ISO-8601), integer → Integral, number → Fractional,
 * categorical → String, and the label (Integral).
 */
export function featureGroupFromSchema(name: string, schema: DatasetSchema = ADULT_SCHEMA, opts: { includeLabel?: boolean } = {}): FeatureGroupDefinition {
    return {
        FeatureGroupName: name,
        RecordIdentifierFeatureName: "record_id",
        EventTimeFeatureName: "event_time",
        FeatureDefinitions: [
            { FeatureName: "record_id", FeatureType: "String" },
            { FeatureName: "event_time", FeatureType: "String" },
            ...schema.columns.map((c) => ({
                FeatureName: c.name,
                FeatureType: c.type === "integer" ? ("Integral" as const) : c.type === "number" ? ("Fractional" as const) : ("String" as const),
            })),
            ...(opts.includeLabel === false ? [] : [{ FeatureName: schema.label.name, FeatureType: "Integral" as const }]),
        ],
        Description: `${schema.name} rows prepared by lib/data prepare()`,
    };
}
