/**
 * deploy — serve the approved model package(s) of the local registry as the production variants of the stack's
 * endpoint (the local analogue of CreateModel + CreateEndpointConfig + CreateEndpoint/UpdateEndpoint), in a background
 * process with data capture, JSON logs and EMF metrics.
 *
 * Variant mapping (champion/challenger): the stack's variants (`mlplatform:endpoint.variants`, names + weights, in
 * order) are filled with the approved packages of the model package group, newest first:
 *   variants[0] (e.g. "champion")   <- the latest approved version,
 *   variants[1] (e.g. "challenger") <- the previous approved version, and so on.
 * A variant with no approved version left is not deployed (logged), so a fresh stack with one approved model serves
 * it alone; a package trained with a different feature transform than the persisted one is not deployed either (its
 * transform is gone). The stack's shadow variant, if any, is not deployed locally.
 * `--variants champion=0.9,challenger=0.1` overrides names + weights locally (e.g. to try an A/B split on a stack that
 * configures one variant). Shift traffic later without redeploying:
 * `npm run endpoint -- weights --variant champion=9 --variant challenger=1`.
 *
 * Every variant applies the persisted feature transform (`<artifacts>/features/transform.json`), so callers send raw
 * Adult rows (14 feature columns, no label). Data capture goes to the capture bucket folder with the service's key
 * layout `<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/` (prefix from the stack output endpoint.captureUri) at the
 * stack's samplingPercentage. Files: `<workdir>/endpoint/<name>.json` (pid file: pid, port, url),
 * `<name>.config.json`, `<name>.log.jsonl` (JSON logs), `<name>.metrics.jsonl` (EMF).
 * Re-running deploy on a running endpoint is safe: same models and settings reuse the process, a change replaces it.
 * Stop it with `./build_ml_environment.sh --teardown` (or `npm run endpoint -- teardown`).
 * Options: --variants name=weight,...   --port N (default: a free port)
 */
import * as fs from "fs";
import * as path from "path";
import { loadPreparedSplit } from "../../../lib/data";
import { sha256File } from "../../../lib/data/io";
import { loadTransform } from "../../../lib/features";
import { featureLine } from "../../framework/datasets";
import { parseS3Uri } from "../../framework/local-s3";
import { approvedVersions } from "../../framework/local-target";
import { StepContext, StepError } from "../../framework/step";
import { ModelPackage, registryFor } from "../../../lib/registry";
import { EndpointConfig, endpointDir, isServerPid, loopbackRequest, startEndpoint } from "../../../lib/serving";
import type { StepDef } from "../index";
import { DEPLOY, parseVariantWeights, VariantWeight } from "./step";
import { preparedUri, transformUri } from "../../../contracts/s3-layout";

export interface PlannedVariant extends VariantWeight {
    modelPackageVersion: number;
    modelPackageArn: string;
    modelUri: string;
    testAuc: number | null;
}

/**
 * Maps approved packages (any order) onto the configured variants: newest approved -> first variant, the previous
 * one -> second, ... A package whose feature transform differs from `transformHash` leaves its variant empty.
 */
export function planVariants(approved: ModelPackage[], configured: VariantWeight[], transformHash: string): { planned: PlannedVariant[]; notes: string[] } {
    const newestFirst = [...approved].sort((a, b) => b.ModelPackageVersion - a.ModelPackageVersion);
    const planned: PlannedVariant[] = [];
    const notes: string[] = [];
    configured.forEach((v, i) => {
        const pkg = newestFirst[i];
        if (!pkg) {
            notes.push(
                `variant '${v.name}' not deployed: only ${newestFirst.length} approved version(s) for ${configured.length} variants (approve another version to fill it)`,
            );
            return;
        }
        if (pkg.Lineage?.featuresHash && pkg.Lineage.featuresHash !== transformHash) {
            notes.push(
                `variant '${v.name}' not deployed: version ${pkg.ModelPackageVersion} was trained with feature transform ${pkg.Lineage.featuresHash.slice(0, 19)}… but the persisted transform is ${transformHash.slice(0, 19)}… (re-train and register to serve it)`,
            );
            return;
        }
        const testAuc = pkg.Metrics?.["test:auc"];
        planned.push({
            name: v.name,
            weight: v.weight,
            modelPackageVersion: pkg.ModelPackageVersion,
            modelPackageArn: pkg.ModelPackageArn,
            modelUri: pkg.InferenceSpecification.Containers[0].ModelDataUrl,
            testAuc: typeof testAuc === "number" ? testAuc : null,
        });
    });
    return { planned, notes };
}

function configuredVariants(ctx: StepContext): { variants: VariantWeight[]; source: string } {
    if (typeof ctx.options.variants === "string") return { variants: parseVariantWeights(ctx.options.variants), source: "--variants" };
    if (ctx.options.variants !== undefined) throw new StepError("--variants needs a value: <variant>=<weight>[,...], e.g. champion=0.9,challenger=0.1");
    const vs = ctx.config.endpoint.variants.map((v) => ({ name: v.name, weight: v.weight }));
    if (vs.length === 0)
        throw new StepError(`stack '${ctx.stack}' configures no endpoint variants: set mlplatform:endpoint.variants in Pulumi.${ctx.stack}.yaml`);
    return { variants: vs, source: `mlplatform:endpoint.variants of Pulumi.${ctx.stack}.yaml` };
}

function portOption(ctx: StepContext): number {
    const p = ctx.options.port === undefined ? 0 : Number(ctx.options.port);
    if (!Number.isInteger(p) || p < 0 || p > 65535)
        throw new StepError(`--port ${String(ctx.options.port)}: expected an integer port in [0, 65535] (0 = any free port)`);
    return p;
}

const step: StepDef<"deploy"> = {
    ...DEPLOY,
    description: "serve the approved model package(s) as production variants (weights, data capture, logs, EMF metrics) in the background",
    inputFiles: () => ["lib/serving"],
    inputValues: (ctx) => {
        // The endpoint recorded by the last deploy must still be running, else deploy runs again (a crash or a kill;
        // --teardown marks the step as not deployed itself). No record yet counts as "up" so the value is stable
        // across the first run.
        const rec = ctx.manifest.steps.deploy?.results as { pid?: number } | undefined;
        const recordedUp = rec?.pid === undefined || isServerPid(rec.pid);
        return {
            variants: ctx.options.variants ?? ctx.config.endpoint.variants.map((v) => [v.name, v.weight]),
            port: ctx.options.port ?? 0,
            recordedUp,
            // A newly approved (or revoked) package changes what is served.
            approved: approvedVersions(ctx),
        };
    },
    async run(ctx) {
        const out = ctx.outputs();
        if (!out.endpoint)
            throw new StepError(
                `stack '${ctx.stack}' has no endpoint (mlplatform:endpoint.enabled is false): enable it in Pulumi.${ctx.stack}.yaml and re-run --from provision`,
            );
        const ep = out.endpoint;
        const { variants: configured, source } = configuredVariants(ctx);
        const registry = registryFor(ctx.workdir, out.region, out.accountId);
        const group = out.modelPackageGroupName;
        const all = registry.list(group);
        const approved = all.filter((p) => p.ModelApprovalStatus === "Approved");
        if (approved.length === 0) {
            const pending = all.filter((p) => p.ModelApprovalStatus === "PendingManualApproval").map((p) => p.ModelPackageVersion);
            throw new StepError(
                `no approved model package in ${group} (${all.length} version(s): ${pending.length ? `pending ${pending.join(", ")}` : "none pending"}): ` +
                    (pending.length
                        ? `approve one with npm run registry -- approve --stack ${ctx.stack} --version ${pending[pending.length - 1]} --reason "..."`
                        : "re-run --from train to register a model that passes pipeline.minAuc"),
            );
        }
        const transformFile = ctx.s3.pathOf(transformUri(out));
        if (!fs.existsSync(transformFile)) throw new StepError(`feature transform ${transformFile} is missing: re-run --from features`);
        const transformHash = `sha256:${sha256File(transformFile)}`;
        const { planned, notes } = planVariants(approved, configured, transformHash);
        for (const n of notes) ctx.log(n);
        if (ctx.config.endpoint.shadowVariant) {
            ctx.log(`shadow variant '${ctx.config.endpoint.shadowVariant.name}' of the stack is not deployed locally (production variants only)`);
        }
        if (planned.length === 0) throw new StepError(`no variant can be served: ${notes.join("; ")}`);
        if (planned.every((v) => v.weight === 0)) {
            throw new StepError(`every deployed variant has weight 0 (${planned.map((v) => v.name).join(", ")}): give one a weight > 0 in ${source}`);
        }
        const total = planned.reduce((s, v) => s + v.weight, 0);
        for (const v of planned) {
            const file = ctx.s3.pathOf(v.modelUri);
            if (!fs.existsSync(file))
                throw new StepError(`model package ${group}/${v.modelPackageVersion}: artifact ${v.modelUri} is missing (${file}); re-run --from train`);
            ctx.log(
                `variant ${v.name}: ${group} version ${v.modelPackageVersion}${v.testAuc !== null ? ` (test AUC ${v.testAuc.toFixed(4)})` : ""}, weight ${v.weight} (${((100 * v.weight) / total).toFixed(0)}% of traffic)`,
            );
        }

        const cap = parseS3Uri(ep.captureUri);
        const captureRoot = ctx.s3.pathOf(`s3://${cap.bucket}/`);
        const prefix = cap.key.replace(/\/+$/, "");
        const config: EndpointConfig = {
            endpointName: ep.name,
            variants: planned.map((v) => ({ name: v.name, modelPath: ctx.s3.pathOf(v.modelUri), transformPath: transformFile, weight: v.weight })),
            capture: { enabled: ep.samplingPercentage > 0, samplingPercentage: ep.samplingPercentage, destination: captureRoot, prefix },
            port: portOption(ctx),
            host: "127.0.0.1",
            // The built-in XGBoost container answers a multi-row real-time request with comma-separated scores.
            csvOutput: "comma",
            metricsIntervalMs: 10_000,
        };
        let handle;
        try {
            handle = await startEndpoint(config, ctx.workdir);
        } catch (e) {
            throw new StepError(`endpoint ${ep.name} did not start: ${(e as Error).message}`);
        }
        const how = handle.reused
            ? "already running with this configuration: reused"
            : handle.replaced
              ? `started (replaced the previous process: ${handle.replaced.replace(/_/g, " ")})`
              : "started";
        ctx.log(`endpoint ${ep.name} ${how}: pid ${handle.pid}, ${handle.url}`);

        // Smoke test: a real test row through /invocations (captured like any request, with a recognisable inference id).
        const transform = loadTransform(transformFile);
        const prepared = ctx.s3.pathOf(preparedUri(out));
        const [row] = (await loadPreparedSplit(prepared, "test")).slice(0, 1);
        const line = featureLine(row, transform.state.inputColumns);
        const inferenceId = `deploy-smoke-${Date.now()}`;
        const ans = await loopbackRequest(handle.url, "POST", "/invocations", line, {
            "Content-Type": "text/csv",
            Accept: "text/csv",
            "X-Amzn-SageMaker-Inference-Id": inferenceId,
        });
        const score = Number(ans.body);
        if (ans.status !== 200 || !(score >= 0 && score <= 1)) {
            throw new StepError(
                `endpoint ${ep.name} answered the smoke request with ${ans.status} '${ans.body.slice(0, 200)}' instead of a probability; see ${handle.logFile}`,
            );
        }
        const invoked = String(ans.headers["x-amzn-invoked-production-variant"] ?? "?");
        ctx.log(`smoke test: record ${String(row.record_id)} -> ${score.toFixed(4)} from variant ${invoked} (inference id ${inferenceId})`);
        const captureUri = `${ep.captureUri.replace(/\/+$/, "")}/${ep.name}/`;
        ctx.log(
            `data capture: ${ep.samplingPercentage}% of requests -> ${captureUri}<variant>/yyyy/mm/dd/hh/ (${ctx.rel(path.join(captureRoot, prefix, ep.name))})`,
        );
        ctx.log(`logs ${ctx.rel(handle.logFile!)}; EMF metrics ${ctx.rel(handle.metricsFile!)}`);
        ctx.log("try it:");
        ctx.log(
            `  curl -s -X POST ${handle.url}/invocations -H 'Content-Type: text/csv' -H 'X-Amzn-SageMaker-Inference-Id: my-request-1' --data-binary '${line.replace(/'/g, "'\\''")}'`,
        );
        ctx.log(`  npm run endpoint -- status${ctx.stack !== "dev" ? ` --stack ${ctx.stack}` : ""} --workdir ${ctx.workdir}`);
        ctx.log(`stop it: ./build_ml_environment.sh --teardown --workdir ${ctx.workdir}${ctx.stack !== "dev" ? ` --stack ${ctx.stack}` : ""}`);
        return {
            summary: `${ep.name} at ${handle.url} (pid ${handle.pid}): ${planned.map((v) => `${v.name}=v${v.modelPackageVersion} weight ${v.weight}`).join(", ")}; capture ${ep.samplingPercentage}%${handle.reused ? " (reused)" : ""}`,
            results: {
                endpointName: ep.name,
                url: handle.url,
                port: handle.port,
                pid: handle.pid,
                reused: handle.reused,
                variants: planned,
                variantSource: source,
                capture: { uri: captureUri, samplingPercentage: ep.samplingPercentage },
                smoke: { inferenceId, score, variant: invoked },
            },
            artifacts: {
                pidFile: ctx.rel(handle.stateFile),
                config: ctx.rel(handle.configFile ?? path.join(endpointDir(ctx.workdir), `${ep.name}.config.json`)),
                log: ctx.rel(handle.logFile!),
                metrics: ctx.rel(handle.metricsFile!),
                capture: ctx.rel(path.join(captureRoot, prefix, ep.name)),
            },
        };
    },
};

export default step;
