/** Loading the prepared splits through the persisted feature transform: the same path for train, tune and evaluate. */
import { loadPreparedSplit } from "../../lib/data";
import { loadTransform } from "../../lib/features";
import { DMatrix } from "../../lib/training";
import { StackOutputs } from "../../contracts/stack-outputs";
import { LocalS3 } from "./local-s3";

export interface ModelData {
    train: DMatrix;
    validation: DMatrix;
    test: DMatrix;
    transformFile: string;
}

export async function loadModelData(s3: LocalS3, out: StackOutputs): Promise<ModelData> {
    const prepared = s3.pathOf(`${out.buckets.curated.uri}prepared/`);
    const transformFile = s3.pathOf(`${out.buckets.artifacts.uri}features/transform.json`);
    const t = loadTransform(transformFile);
    const [train, validation, test] = await Promise.all(
        (["train", "validation", "test"] as const).map(async (s) => t.toDMatrix(await loadPreparedSplit(prepared, s))),
    );
    return { train, validation, test, transformFile };
}

/** The default hyperparameters of the train step: one definition, in the engine (lib/training/params.ts). */
export { DEFAULT_HYPERPARAMETERS } from "../../lib/training";
