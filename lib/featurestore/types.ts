/** Shapes mirroring SageMaker Feature Store (CreateFeatureGroup / PutRecord / GetRecord). */

export type FeatureType = "Integral" | "Fractional" | "String";

export interface FeatureDefinition {
    FeatureName: string;
    FeatureType: FeatureType;
}

/** Same fields as CreateFeatureGroupRequest's core (no AWS-only settings). */
export interface FeatureGroupDefinition {
    FeatureGroupName: string;
    RecordIdentifierFeatureName: string;
    EventTimeFeatureName: string;
    FeatureDefinitions: FeatureDefinition[];
    Description?: string;
}

export interface FeatureGroupDescription extends FeatureGroupDefinition {
    /** ISO-8601 creation time. */
    CreationTime: string;
    /** Absolute folder `<offline-root>/<account>/sagemaker/<region>/offline-store/<name>-<epoch>` (data under `data/`). */
    OfflineStoreUri: string;
    /** Absolute path of the online store's NDJSON log. */
    OnlineStorePath: string;
}

export type FeatureValue = string | number | null;
export type FeatureRecord = Record<string, FeatureValue>;

/** PutRecord's wire form. */
export interface FeatureValueAsString {
    FeatureName: string;
    ValueAsString: string;
}

export type DeletionMode = "SoftDelete" | "HardDelete";
export type TargetStore = "OnlineStore" | "OfflineStore";

export interface PutRecordResult {
    /** 'written': became the online record; 'ignored-older': an equal-or-newer record (or delete) exists; 'skipped': online not targeted. */
    online: "written" | "ignored-older" | "skipped";
    offline: "buffered" | "skipped";
}

export interface BatchGetRecordIdentifier {
    FeatureGroupName: string;
    RecordIdentifiersValueAsString: string[];
    FeatureNames?: string[];
}

export interface BatchGetRecordResult {
    Records: { FeatureGroupName: string; RecordIdentifierValueAsString: string; Record: FeatureRecord }[];
    Errors: { FeatureGroupName: string; RecordIdentifierValueAsString: string; ErrorCode: string; ErrorMessage: string }[];
    UnprocessedIdentifiers: BatchGetRecordIdentifier[];
}

/** Extra columns the offline store adds to every row. */
export const OFFLINE_EXTRA_COLUMNS = ["write_time", "api_invocation_time", "is_deleted"] as const;
