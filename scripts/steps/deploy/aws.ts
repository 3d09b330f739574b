/**
 * deploy (--target aws) — serve the approved model packages as the production variants of the stack's endpoint through
 * the API: per variant a CreateModel from the package (hosting role, the stack's endpoint security group, network
 * isolation), one CreateEndpointConfig (volumes encrypted with the artifacts key, data capture to the stack's capture
 * URI at its sampling percentage, encrypted with the data key), UpdateEndpoint (CreateEndpoint when the stack has not
 * created it yet), the wait for InService, and a smoke InvokeEndpoint with one test record.
 *
 * Variant mapping as the local step: the stack's variants (`mlplatform:endpoint.variants`, or --variants
 * champion=0.9,challenger=0.1) get the approved versions newest first. A/B traffic shift without a redeploy:
 * `--weights champion=0.5,challenger=0.5` only calls UpdateEndpointWeightsAndCapacities on the running endpoint.
 *
 * The endpoint is stack-managed: a later `pulumi up` restores the stack's endpoint config; see docs/aws-target.md.
 * Requests are raw records, as on the local endpoint: the packages' inference pipeline (preprocessing container, then
 * the built-in XGBoost container) applies the feature transform (docs/endpoint.md). Options: --instance-type T / --instance-count N override the stack's variant sizes,
 * --timeout-minutes M (default 45).
 */
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { jobName } from "../../../lib/aws/common";

import { buildEndpointConfig, buildModel, createEndpointConfig, createModel, deployEndpoint, shiftWeights, VariantSpec } from "../../../lib/aws/hosting";
import { withThrottlingRetry } from "../../../lib/aws/retry";
import { getObjectText } from "../../../lib/aws/s3";
import { awsClients, awsStep, listPackages, waitOptions } from "../../framework/aws-step";
import { StepContext, StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { DEPLOY, DeployResults, parseVariantWeights, VariantWeight } from "./step";
import { rawBatchInputUri } from "../../../contracts/s3-layout";

function configuredVariants(ctx: StepContext): { variants: (VariantWeight & { instanceType: string; instanceCount: number })[]; source: string } {
    const cfg = ctx.config.endpoint.variants;
    const serverless = cfg.filter((v) => v.serverless).map((v) => v.name);
    if (serverless.length > 0) {
        // This step builds provisioned endpoint configurations in the VPC with capture; a serverless variant has none of
        // them (components/endpoint.ts), so it is deployed by the stack itself.
        throw new StepError(
            `mlplatform:endpoint.variants: ${serverless.join(", ")} ${serverless.length === 1 ? "is" : "are"} serverless, which this step does not deploy: ` +
                `name the approved package in the variant's modelPackageArn and run pulumi up (the stack's ModelEndpoint creates the serverless endpoint), or make the variant provisioned (instanceType, initialInstanceCount)`,
        );
    }
    const size = (name: string, i: number) => {
        const c = cfg.find((v) => v.name === name) ?? cfg[Math.min(i, cfg.length - 1)];
        const instanceType = typeof ctx.options["instance-type"] === "string" ? ctx.options["instance-type"] : (c?.instanceType ?? "ml.m5.large");
        const instanceCount = ctx.options["instance-count"] !== undefined ? Number(ctx.options["instance-count"]) : (c?.initialInstanceCount ?? 1);
        if (!Number.isInteger(instanceCount) || instanceCount < 1)
            throw new StepError(`--instance-count ${String(ctx.options["instance-count"])}: expected an integer >= 1`);
        return { instanceType, instanceCount };
    };
    if (typeof ctx.options.variants === "string")
        return { variants: parseVariantWeights(ctx.options.variants).map((v, i) => ({ ...v, ...size(v.name, i) })), source: "--variants" };
    if (ctx.options.variants !== undefined) throw new StepError("--variants needs a value: <variant>=<weight>[,...], e.g. champion=0.9,challenger=0.1");
    return {
        variants: cfg.map((v, i) => ({ name: v.name, weight: v.weight, ...size(v.name, i) })),
        source: `mlplatform:endpoint.variants in Pulumi.${ctx.stack}.yaml`,
    };
}

const step: StepDef<"deploy"> = {
    ...DEPLOY,
    description: "CreateModel + CreateEndpointConfig (capture, KMS) + UpdateEndpoint for the approved packages; wait InService",
    inputFiles: () => ["lib/aws/hosting.ts"],
    inputValues: (ctx) => ({
        variants: ctx.options.variants ?? ctx.config.endpoint.variants.map((v) => [v.name, v.weight, v.instanceType, v.initialInstanceCount]),
        weights: ctx.options.weights ?? null,
        instanceType: ctx.options["instance-type"] ?? null,
        register: ctx.manifest.steps.register?.finishedAt ?? null,
    }),
    async run(ctx) {
        const out = ctx.outputs();
        if (!out.endpoint)
            throw new StepError(
                `stack '${ctx.stack}' has no endpoint (mlplatform:endpoint.enabled is false): enable it in Pulumi.${ctx.stack}.yaml and re-run --from provision`,
            );
        const ep = out.endpoint;
        const wait = waitOptions(ctx, 45);
        const { sm, s3, runtime } = awsClients(out);

        if (ctx.options.weights !== undefined) {
            if (typeof ctx.options.weights !== "string")
                throw new StepError("--weights needs a value: <variant>=<weight>[,...], e.g. champion=0.5,challenger=0.5");
            const weights = parseVariantWeights(ctx.options.weights, "--weights");
            return awsStep("deploy", async () => {
                const d = await shiftWeights(sm, ep.name, Object.fromEntries(weights.map((w) => [w.name, w.weight])), wait);
                const now = (d.ProductionVariants ?? []).map((v) => `${v.VariantName}=${v.CurrentWeight ?? "?"}`).join(", ");
                // the previous deploy's results (this step's own record in the manifest), kept with the new weights
                const prev = (ctx.manifest.steps.deploy?.results ?? {}) as Partial<DeployResults>;
                return {
                    summary: `${ep.name}: traffic shifted (${now})`,
                    results: {
                        ...prev,
                        endpointName: ep.name,
                        weights: Object.fromEntries(weights.map((w) => [w.name, w.weight])),
                        endpointConfigName: d.EndpointConfigName ?? prev.endpointConfigName ?? null,
                    },
                };
            });
        }

        const { variants: configured, source } = configuredVariants(ctx);
        return awsStep("deploy", async () => {
            const approved = await listPackages(sm, out, "Approved", wait);
            if (approved.length === 0) {
                const pending = await listPackages(sm, out, "PendingManualApproval", wait);
                throw new StepError(
                    `no approved model package in ${out.modelPackageGroupName}` +
                        (pending.length
                            ? `; pending: ${pending.map((p) => p.ModelPackageVersion).join(", ")} — approve one: aws sagemaker update-model-package --model-package-name ${pending[0].ModelPackageArn} --model-approval-status Approved --region ${out.region}`
                            : "; re-run --from train to register a model that passes pipeline.minAuc"),
                );
            }
            const planned = configured.slice(0, approved.length).map((v, i) => ({ ...v, pkg: approved[i] }));
            for (const v of configured.slice(approved.length)) ctx.log(`variant ${v.name}: no further approved version, not deployed`);
            if (ep.awaitingModel) {
                // The stack declares the endpoint but has not created it (no model named in its config): creating it
                // through the API here would collide with the endpoint the next `pulumi up` creates under the same name.
                const lines = planned.map((v) => `      - name: ${v.name}\n        modelPackageArn: ${v.pkg.ModelPackageArn}`).join("\n");
                throw new StepError(
                    `stack '${ctx.stack}' has not created its endpoint ${ep.name} yet (stack output endpoint.awaitingModel: no model named in its config). ` +
                        `Name the approved package(s) in Pulumi.${ctx.stack}.yaml under mlplatform:endpoint.variants (keep the other variant settings):\n${lines}\n` +
                        `then re-run --from provision: pulumi up creates the endpoint serving them, and later deploys roll out newer versions (docs/deploy.md).`,
                );
            }
            if (planned.every((v) => v.weight === 0))
                throw new StepError(`every deployed variant has weight 0 (${planned.map((v) => v.name).join(", ")}): give one a weight > 0 in ${source}`);

            const now = new Date();
            const specs: VariantSpec[] = [];
            for (const v of planned) {
                const modelName = jobName(out, `${v.name}-v${v.pkg.ModelPackageVersion}`, now);
                await createModel(sm, buildModel(out, { name: modelName, network: "endpoint", source: { modelPackageArn: v.pkg.ModelPackageArn! } }), wait);
                ctx.log(
                    `variant ${v.name}: ${out.modelPackageGroupName} version ${v.pkg.ModelPackageVersion} as model ${modelName}, ${v.instanceCount} x ${v.instanceType}, weight ${v.weight}`,
                );
                specs.push({ variantName: v.name, modelName, instanceType: v.instanceType, instanceCount: v.instanceCount, weight: v.weight });
            }
            const configName = jobName(out, "epc", now);
            await createEndpointConfig(sm, buildEndpointConfig(out, { name: configName, variants: specs }), wait);
            const res = await deployEndpoint(sm, out, ep.name, configName, wait);

            // Smoke test: one raw test record (the raw batch input minus record_id and label).
            const first = (await getObjectText(s3, rawBatchInputUri(out))).split("\n").find((l) => l.trim());
            if (!first) throw new StepError(`${rawBatchInputUri(out)} is empty: re-run --from features`);
            const body = first.slice(first.indexOf(",", first.indexOf(",") + 1) + 1);
            const inferenceId = `deploy-smoke-${Date.now()}`;
            const ans = await withThrottlingRetry(`InvokeEndpoint ${ep.name}`, () =>
                runtime.send(
                    new InvokeEndpointCommand({
                        EndpointName: ep.name,
                        ContentType: "text/csv",
                        Accept: "text/csv",
                        Body: Buffer.from(body),
                        InferenceId: inferenceId,
                    }),
                ),
            );
            const text = Buffer.from(ans.Body ?? new Uint8Array())
                .toString("utf8")
                .trim();
            const score = Number(text);
            if (!(score >= 0 && score <= 1))
                throw new StepError(
                    `endpoint ${ep.name} answered the smoke request with '${text.slice(0, 200)}' instead of a probability; see CloudWatch log group /aws/sagemaker/Endpoints/${ep.name}`,
                );
            ctx.log(`smoke test: ${score.toFixed(4)} from variant ${ans.InvokedProductionVariant ?? "?"} (inference id ${inferenceId})`);
            ctx.log(`data capture: ${ep.samplingPercentage}% -> ${ep.captureUri}`);
            ctx.log(
                `the endpoint config is now ${configName}, set through the API; 'pulumi up --stack ${ctx.stack}' restores the stack's own config (see docs/aws-target.md)`,
            );
            ctx.log(
                `shift traffic: ./build_ml_environment.sh --target aws --only deploy --force -- --weights ${specs.map((s) => `${s.variantName}=${s.weight}`).join(",")}`,
            );
            return {
                summary: `${ep.name} ${res.action} with ${configName}: ${specs.map((s) => `${s.variantName}=v${planned.find((p) => p.name === s.variantName)!.pkg.ModelPackageVersion} weight ${s.weight}`).join(", ")}; capture ${ep.samplingPercentage}%`,
                results: {
                    endpointName: ep.name,
                    endpointConfigName: configName,
                    previousEndpointConfigName: res.previousConfig,
                    action: res.action,
                    variants: planned.map((v, i) => ({
                        name: v.name,
                        weight: v.weight,
                        modelPackageVersion: v.pkg.ModelPackageVersion,
                        modelPackageArn: v.pkg.ModelPackageArn,
                        modelName: specs[i].modelName,
                        instanceType: v.instanceType,
                        instanceCount: v.instanceCount,
                    })),
                    variantSource: source,
                    capture: { uri: ep.captureUri, samplingPercentage: ep.samplingPercentage },
                    smoke: { inferenceId, score, variant: ans.InvokedProductionVariant ?? null },
                },
                artifacts: { endpoint: res.description.EndpointArn ?? ep.name, capture: ep.captureUri },
            };
        });
    },
};

export default step;
