/** Builds a stack's access model from the same mock run of the program the offline gate uses. */
import * as pulumi from "@pulumi/pulumi";
import { createPlatform } from "../../infra/program";
import { RawConfig } from "../../infra/config";
import { runProgram } from "../runtime";
import { AccessModel } from "./model";

export async function accessModelOf(
    stack: string,
    opts: { projectDir?: string; configure?: (raw: RawConfig) => RawConfig; transformations?: pulumi.ResourceTransformation[] } = {},
): Promise<AccessModel> {
    const run = await runProgram(() => createPlatform(), {
        stack,
        projectDir: opts.projectDir,
        configure: opts.configure,
        transformations: opts.transformations,
    });
    return new AccessModel(run);
}
