/**
 * The whole program under the gate's mocks (dev and prod): the stack's endpoint serves raw records through a
 * two-container inference pipeline per variant, with the hosting role; `endpoint.input: features` keeps the bare model;
 * a region without the scikit-learn image fails at preview with the remedy.
 */
import * as assert from "assert";
import { createPlatform } from "../../infra/program";
import { ProgramRun, runProgram } from "../../lib/gate/runtime";

function models(run: ProgramRun) {
    return run.resources.filter((r) => r.type === "aws:sagemaker/model:Model");
}

describe("stack endpoint: one contract with the local endpoint (inference pipeline models)", function () {
    this.timeout(300_000);
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) runs[stack] = await runProgram(() => createPlatform(), { stack });
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every variant's model is scikit-learn serving (preprocessing archive, SAGEMAKER_PROGRAM) then XGBoost, run by the hosting role`, () => {
            const run = runs[stack];
            const ms = models(run);
            assert.ok(ms.length >= 1);
            const hosting = run.resources.find((r) => r.type === "aws:iam/role:Role" && String(r.outputs.name ?? r.inputs.name).endsWith("-hosting"))!;
            for (const m of ms) {
                assert.strictEqual(m.inputs.primaryContainer, undefined, `${m.name}: no PrimaryContainer`);
                const cs = m.inputs.containers as any[];
                assert.strictEqual(cs.length, 2, `${m.name}: two containers`);
                // images come from getPrebuiltEcrImage, unknown under the gate's mocks (the component test checks them)
                if (cs[0].image !== undefined) assert.match(cs[0].image, /\/sagemaker-scikit-learn:1\.2-1-cpu-py3$/);
                assert.match(cs[0].modelDataUrl, /^s3:\/\/[^/]+\/models\/[^/]+\/sourcedir\.tar\.gz$/);
                assert.strictEqual(cs[0].environment.SAGEMAKER_PROGRAM, "preprocess.py");
                assert.strictEqual(cs[0].environment.SAGEMAKER_SUBMIT_DIRECTORY, "/opt/ml/model/code");
                if (cs[1].image !== undefined) assert.match(cs[1].image, /\/sagemaker-xgboost:1\.7-1$/);
                assert.match(cs[1].modelDataUrl, /^s3:\/\/[^/]+\/models\/[^/]+\/model\.tar\.gz$/);
                assert.strictEqual(m.inputs.enableNetworkIsolation, true);
                assert.strictEqual(m.inputs.executionRoleArn, hosting.outputs.arn);
                assert.match(cs[0].modelDataUrl, new RegExp(`^s3://mlp-${stack}-artifacts-[0-9a-f]+/`), "the archive lives in the artifacts bucket");
            }
        });
    }

    it("endpoint.input: features deploys the XGBoost container alone", async () => {
        const run = await runProgram(() => createPlatform(), {
            stack: "dev",
            configure: (raw) => {
                (raw["mlplatform:endpoint"] as Record<string, unknown>).input = "features";
                return raw;
            },
        });
        for (const m of models(run)) {
            assert.strictEqual(m.inputs.containers, undefined);
            assert.match((m.inputs.primaryContainer as { modelDataUrl: string }).modelDataUrl, /\/models\/[^/]+\/model\.tar\.gz$/);
        }
    });

    it("a region without the scikit-learn image fails at preview, naming endpoint.preprocessImage", async () => {
        await assert.rejects(
            runProgram(() => createPlatform(), {
                stack: "dev",
                configure: (raw) => ({ ...raw, "aws:region": "il-central-1" }),
            }),
            /does not publish the scikit-learn serving image.*il-central-1.*endpoint\.preprocessImage/,
        );
    });
});
