/**
 * Shared fixtures of the AWS-target tests: the dev stack outputs and step contexts on a temp workdir. The SDK doubles
 * (client mocks, errors, bodies, the fake clock) are test/helpers/aws-mocks.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StackOutputs } from "../../contracts/stack-outputs";
import { loadStackFile } from "../../infra/stack-config";
import { Manifest, writeManifest } from "../../scripts/framework/manifest";
import { makeContext, StepContext } from "../../scripts/framework/step";

export const PROJECT = path.resolve(__dirname, "..", "..");

/** A fresh copy of test/fixtures/stack-outputs-dev.json (written by `npm run plan -- --stack dev --outputs`). */
export function devOutputs(): StackOutputs {
    return JSON.parse(fs.readFileSync(path.join(PROJECT, "test", "fixtures", "stack-outputs-dev.json"), "utf8")) as StackOutputs;
}

export interface TestStep {
    ctx: StepContext;
    lines: string[];
    workdir: string;
    cleanup(): void;
}

/** A step context (target aws) on a temp workdir with the fixture outputs and the given earlier results. */
export function awsStepContext(
    prior: Record<string, Record<string, unknown>> = {},
    options: Record<string, string | boolean> = {},
    outputs: StackOutputs = devOutputs(),
): TestStep {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-step-"));
    fs.writeFileSync(path.join(workdir, "stack-outputs.json"), JSON.stringify(outputs));
    const manifest: Manifest = { version: 1, stack: "dev", target: "aws", workdir, updatedAt: new Date().toISOString(), steps: {} };
    for (const [step, results] of Object.entries(prior)) {
        manifest.steps[step] = {
            step,
            status: "succeeded",
            startedAt: "2026-01-01T00:00:00.000Z",
            finishedAt: "2026-01-01T00:01:00.000Z",
            inputsHash: "x",
            results,
        };
    }
    writeManifest(manifest);
    const lines: string[] = [];
    const ctx = makeContext(
        { stack: "dev", target: "aws", workdir, projectDir: PROJECT, config: loadStackFile("dev", PROJECT), force: true, options, out: (l) => lines.push(l) },
        manifest,
    );
    return { ctx, lines, workdir, cleanup: () => fs.rmSync(workdir, { recursive: true, force: true }) };
}

/** The dev stack's model package group, as ListModelPackages names it. */
export const GROUP_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlp-dev-models";

/** A ListModelPackages answer listing these versions of the group as Approved. */
export function approvedPackages(...versions: number[]) {
    return {
        ModelPackageSummaryList: versions.map((v) => ({
            ModelPackageArn: `${GROUP_ARN}/${v}`,
            ModelPackageVersion: v,
            ModelPackageGroupName: "mlp-dev-models",
            ModelPackageStatus: "Completed" as const,
            ModelApprovalStatus: "Approved" as const,
            CreationTime: new Date(),
        })),
    };
}
