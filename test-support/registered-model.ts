/**
 * Config for a stack whose model is registered: every endpoint variant names an approved version of the stack's model
 * package group, so the program creates the SageMaker endpoint (a new stack's default config does not: issue 9,
 * defect 4). Use it as `runProgram(..., { configure: withRegisteredModel })` / `runGate({ configure })`.
 */
import { RawConfig } from "../infra/config";

export const MODEL_ACCOUNT = "123456789012";

export function modelPackageArn(namePrefix: string, version: number, region = "us-east-1"): string {
    return `arn:aws:sagemaker:${region}:${MODEL_ACCOUNT}:model-package/${namePrefix}-models/${version}`;
}

export function withRegisteredModel(raw: RawConfig): RawConfig {
    const prefix = String(raw["mlplatform:namePrefix"]);
    const ep = { ...((raw["mlplatform:endpoint"] as Record<string, unknown>) ?? {}) };
    const variants = (ep.variants as Record<string, unknown>[] | undefined) ?? [
        { name: "champion", instanceType: "ml.m5.large", initialInstanceCount: 1, weight: 1 },
    ];
    ep.variants = variants.map((v, i) => ({ ...v, modelPackageArn: modelPackageArn(prefix, variants.length - i) }));
    if (ep.shadowVariant) ep.shadowVariant = { ...(ep.shadowVariant as object), modelPackageArn: modelPackageArn(prefix, variants.length + 1) };
    return { ...raw, "mlplatform:endpoint": ep };
}

/** A registered model with the distributed monitor (issue 14) enabled: it replaces the single serverless Lambda. */
export function withDistributedMonitor(raw: RawConfig): RawConfig {
    const r = withRegisteredModel(raw);
    const mon = { ...((r["mlplatform:monitoring"] as Record<string, unknown>) ?? {}) };
    mon.distributed = { ...((mon.distributed as Record<string, unknown>) ?? {}), enabled: true };
    return { ...r, "mlplatform:monitoring": mon };
}
