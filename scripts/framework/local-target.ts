/**
 * What the local forms of the steps share: the local model registry of a workdir (the stack's ModelPackageGroup under
 * `<workdir>/registry`, with the stack's region and account in its ARNs) and the approved versions in it, which are
 * part of the inputs of every step that serves a model (deploy, batch-infer). Also used by scripts/cli/registry.ts.
 */
import { LocalModelRegistry } from "../../lib/registry";
import { StepContext } from "./step";

export function registryFor(workdir: string, region: string, accountId: string): LocalModelRegistry {
    return new LocalModelRegistry(`${workdir}/registry`, `arn:aws:sagemaker:${region}:${accountId}`);
}

/** Approved versions of the stack's model package group (part of deploy's and batch-infer's inputs); none before provision. */
export function approvedVersions(ctx: Pick<StepContext, "outputs" | "workdir">): number[] {
    try {
        const out = ctx.outputs();
        return registryFor(ctx.workdir, out.region, out.accountId)
            .list(out.modelPackageGroupName, "Approved")
            .map((p) => p.ModelPackageVersion);
    } catch {
        return [];
    }
}
