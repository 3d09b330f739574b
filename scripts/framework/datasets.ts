/**
 * The data the steps share: the prepared splits loaded through the persisted feature transform (the same path for train,
 * tune and evaluate), the default hyperparameters, and the endpoint's request line of a raw record.
 */
import { loadPreparedSplit } from "../../lib/data";
import { csvField } from "../../lib/data/io";
import { loadTransform } from "../../lib/features";
import { DMatrix } from "../../lib/training";
import { StackOutputs } from "../../contracts/stack-outputs";
import { LocalS3 } from "./local-s3";
import { preparedUri, transformUri } from "../../contracts/s3-layout";

export interface ModelData {
    train: DMatrix;
    validation: DMatrix;
    test: DMatrix;
    transformFile: string;
}

export async function loadModelData(s3: LocalS3, out: StackOutputs): Promise<ModelData> {
    const prepared = s3.pathOf(preparedUri(out));
    const transformFile = s3.pathOf(transformUri(out));
    const t = loadTransform(transformFile);
    const [train, validation, test] = await Promise.all(
        (["train", "validation", "test"] as const).map(async (s) => t.toDMatrix(await loadPreparedSplit(prepared, s))),
    );
    return { train, validation, test, transformFile };
}

/**
 * One request line of the endpoint (both targets, every step that calls it): the raw record's input columns in the
 * transform's order as CSV, missing values empty, no label.
 */
export function featureLine(row: Record<string, unknown>, columns: readonly string[]): string {
    return columns.map((c) => csvField(row[c] as string | number | null)).join(",");
}
