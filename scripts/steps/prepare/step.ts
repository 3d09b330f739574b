/**
 * prepare — the declaration both targets implement (local.ts: the data engine on this machine; aws.ts: a SageMaker
 * processing job) and the results they return.
 */
export const PREPARE = { name: "prepare", dependsOn: ["provision"] } as const;

export interface PrepareResults {
    rows: { train: number; validation: number; test: number };
    seed: number;
    /** --rows N when the run used a slice of the data, else null. */
    sliced: number | null;
    /** AWS target only. */
    processingJob?: string;
    processingJobArn?: string | null;
}
