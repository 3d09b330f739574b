/**
 * loadtest (--target aws) — an Inference Recommender Default job for the deployed champion's model package: SageMaker
 * benchmarks it on the instance types the package supports (registered by the register step) and reports cost,
 * throughput and model latency per configuration; the step prints them cheapest first and marks which meet the stack's
 * latency SLO (pipeline.latencySloMs, or --slo-ms N). Options: --duration-minutes N (job limit, default 120),
 * --timeout-minutes M (default 150).
 */
import * as fs from "fs";
import { jobName } from "../../../lib/aws/common";
import { buildInferenceRecommendationsJob, formatRecommendations, recommendationRows, runInferenceRecommendationsJob } from "../../../lib/aws/recommender";
import { awsClients, awsStep, waitOptions } from "../../framework/aws-step";
import { StepError } from "../../framework/step";
import type { StepDef } from "../index";
import { LOADTEST } from "./step";

const step: StepDef<"loadtest"> = {
    ...LOADTEST,
    description: "Inference Recommender Default job for the deployed model package (cost, throughput, latency per instance type)",
    inputFiles: () => ["lib/aws/recommender.ts"],
    inputValues: (ctx) => ({
        sloMs: ctx.options["slo-ms"] ?? null,
        duration: ctx.options["duration-minutes"] ?? 120,
        deployed: ctx.manifest.steps.deploy?.finishedAt ?? null,
    }),
    async run(ctx) {
        const out = ctx.outputs();
        const slo = ctx.options["slo-ms"] !== undefined ? Number(ctx.options["slo-ms"]) : out.pipeline.latencySloMs;
        if (!(slo > 0)) throw new StepError(`--slo-ms ${String(ctx.options["slo-ms"])}: expected a positive number of milliseconds`);
        const duration = Number(ctx.options["duration-minutes"] ?? 120);
        if (!(duration >= 30 && duration <= 480))
            throw new StepError(
                `--duration-minutes ${String(ctx.options["duration-minutes"])}: expected 30..480 (Inference Recommender needs time to benchmark each instance type)`,
            );
        const dep = ctx.resultsOf("deploy");
        const champion = (dep.variants ?? []).find((v) => v.modelPackageArn);
        const modelPackageArn = champion?.modelPackageArn;
        if (!modelPackageArn) throw new StepError("the deploy step's results name no model package (a local deploy?): re-run --from deploy --target aws");
        const wait = waitOptions(ctx, duration + 30);
        const { sm } = awsClients(out);
        return awsStep("loadtest", async () => {
            const name = jobName(out, "ir");
            const req = buildInferenceRecommendationsJob(out, { name, modelPackageArn, durationSeconds: duration * 60 });
            const desc = await runInferenceRecommendationsJob(sm, req, wait);
            const rows = recommendationRows(desc);
            if (rows.length === 0)
                throw new StepError(
                    `inference recommendations job ${name} completed without recommendations; check its details in the SageMaker console (Inference Recommender)`,
                );
            for (const l of formatRecommendations(rows).split("\n")) ctx.log(l);
            const within = rows.filter((r) => r.modelLatencyMs !== null && r.modelLatencyMs <= slo);
            const best = within[0] ?? null;
            const file = ctx.file("reports/loadtest-aws.json");
            fs.writeFileSync(file, JSON.stringify({ job: name, modelPackageArn, sloMs: slo, recommendations: rows, best }, null, 2) + "\n");
            const summary = best
                ? `cheapest within ${slo} ms model latency: ${best.instanceCount} x ${best.instanceType} (${best.costPerHour?.toFixed(4) ?? "?"} $/h, ${best.maxInvocations ?? "?"} invocations/min, ${best.modelLatencyMs} ms); ${rows.length} configurations; ${ctx.rel(file)}`
                : `no configuration met ${slo} ms model latency (best ${rows[0].instanceType}: ${rows[0].modelLatencyMs ?? "?"} ms); ${ctx.rel(file)}`;
            return {
                summary,
                results: {
                    job: name,
                    modelPackageArn,
                    sloP99Ms: slo,
                    recommendations: rows,
                    bestInstanceType: best?.instanceType ?? null,
                    bestInstanceCount: best?.instanceCount ?? null,
                    bestCostPerHour: best?.costPerHour ?? null,
                    bestMaxInvocationsPerMinute: best?.maxInvocations ?? null,
                    bestModelLatencyMs: best?.modelLatencyMs ?? null,
                },
                artifacts: { report: ctx.rel(file) },
            };
        });
    },
};

export default step;
