/**
 * What the local forms of the steps share: the approved versions in the workdir's local model registry
 * (lib/registry `registryFor`), which are part of the inputs of every step that serves a model (deploy, batch-infer).
 */
import { registryFor } from "../../lib/registry";
import { StepContext } from "./step";

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
