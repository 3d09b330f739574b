/**
 * batch-infer — the declaration both targets implement (local.ts: the serving engine's batch transform; aws.ts: a
 * SageMaker transform job, same SplitType/BatchStrategy/DataProcessing) and the results the evaluate step reads.
 */
export const BATCH_INFER = { name: "batch-infer", dependsOn: ["register"] } as const;

export interface BatchInferResults {
    transformJob: string;
    /** The registered version that scored the records (optional in the AWS API's package summary). */
    modelPackageVersion?: number;
    inputUri: string;
    /** The joined output (record_id, label, score per line): what evaluate reads. */
    outputUri: string;
    records: number;
    seconds: number | null;
    outputColumns: string[];
    /** Local target only. */
    modelUri?: string;
    requests?: number;
    rowsPerSecond?: number;
    /** AWS target only. */
    modelName?: string;
    modelPackageArn?: string;
    outputFiles?: string[];
    dataProcessing?: { InputFilter: string; JoinSource: string; OutputFilter: string };
}
