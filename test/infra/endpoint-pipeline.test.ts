/**
 * The whole program under the gate's mocks (dev and prod): once its model is named, the stack's endpoint serves raw
 * records through a two-container inference pipeline per variant (scikit-learn serving + the preprocessing archive,
 * then XGBoost + the model), run by the hosting role, which can fetch and decrypt the archive (IAM oracle: identity
 * policies + boundary + bucket policy + gateway endpoint policy + key policy); `endpoint.input: features` keeps the
 * bare model; a region without the scikit-learn image fails at preview with the remedy.
 */
import * as assert from "assert";
import { RawConfig } from "../../infra/config";
import { createPlatform } from "../../infra/program";
import { GateReport, runGate } from "../../gate/gate";
import { ProgramRun, runProgram } from "../../gate/runtime";
import { IamOracle, ORACLE_ACCOUNT } from "../helpers/iam-oracle";

const REGION = "us-east-1";

function ofType(run: ProgramRun, type: string) {
    return run.resources.filter((r) => r.type === type);
}

/** Every variant names an uploaded model and the features step's preprocessing archive (both under models/). */
function withUploadedModel(bucket: string) {
    return (raw: RawConfig): RawConfig => {
        const ep = JSON.parse(JSON.stringify(raw["mlplatform:endpoint"]));
        ep.variants = ep.variants.map((v: Record<string, unknown>) => ({
            ...v,
            modelDataUrl: `s3://${bucket}/models/${String(v.name)}/model.tar.gz`,
            preprocessDataUrl: `s3://${bucket}/models/preprocess-0123456789abcdef/sourcedir.tar.gz`,
        }));
        return { ...raw, "mlplatform:endpoint": ep };
    };
}

describe("stack endpoint: one contract with the local endpoint (inference pipeline models)", function () {
    this.timeout(300_000);
    const runs: Record<string, ProgramRun> = {};
    const reports: Record<string, GateReport> = {};
    const buckets: Record<string, string> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const fresh = await runProgram(() => createPlatform(), { stack });
            buckets[stack] = new IamOracle(fresh).bucketName("artifacts");
            const gate = await runGate({ stack, configure: withUploadedModel(buckets[stack]) });
            runs[stack] = gate.run;
            reports[stack] = gate.report;
        }
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every variant's model is scikit-learn serving (preprocessing archive, SAGEMAKER_PROGRAM) then XGBoost, run by the hosting role`, () => {
            const run = runs[stack];
            const ms = ofType(run, "aws:sagemaker/model:Model");
            assert.ok(ms.length >= 1);
            const hosting = new IamOracle(run).roleArn(`mlp-${stack}-hosting`);
            for (const m of ms) {
                assert.strictEqual(m.inputs.primaryContainer, undefined, `${m.name}: no PrimaryContainer`);
                assert.deepStrictEqual(m.inputs.inferenceExecutionConfig, { mode: "Serial" });
                const cs = m.inputs.containers as any[];
                assert.strictEqual(cs.length, 2, `${m.name}: two containers`);
                // images come from getPrebuiltEcrImage, unknown under the gate's mocks (the component test checks them)
                if (cs[0].image !== undefined) assert.match(cs[0].image, /\/sagemaker-scikit-learn:1\.2-1-cpu-py3$/);
                if (cs[1].image !== undefined) assert.match(cs[1].image, /\/sagemaker-xgboost:1\.7-1$/);
                assert.strictEqual(cs[0].modelDataUrl, `s3://${buckets[stack]}/models/preprocess-0123456789abcdef/sourcedir.tar.gz`);
                assert.strictEqual(cs[0].environment.SAGEMAKER_PROGRAM, "preprocess.py");
                assert.strictEqual(cs[0].environment.SAGEMAKER_SUBMIT_DIRECTORY, "/opt/ml/model/code");
                assert.match(cs[1].modelDataUrl, new RegExp(`^s3://${buckets[stack]}/models/[^/]+/model\\.tar\\.gz$`));
                assert.strictEqual(m.inputs.enableNetworkIsolation, true);
                assert.strictEqual(m.inputs.executionRoleArn, hosting);
            }
        });

        it(`${stack}: the policy gate passes with the pipeline models (no mandatory violation)`, () => {
            const r = reports[stack];
            assert.ok(r.resources.some((x) => x.type === "aws:sagemaker/model:Model"));
            assert.strictEqual(
                r.counts.mandatory,
                0,
                JSON.stringify(
                    r.violations.filter((v) => (v as { enforcementLevel?: string }).enforcementLevel === "mandatory"),
                    null,
                    1,
                ),
            );
        });

        it(`${stack}: the hosting role can fetch the preprocessing archive (in prod only through the S3 gateway endpoint) and decrypt it`, async () => {
            const run = runs[stack];
            const o = new IamOracle(run);
            const hosting = o.roleArn(`mlp-${stack}-hosting`);
            const archive = `arn:aws:s3:::${buckets[stack]}/models/preprocess-0123456789abcdef/sourcedir.tar.gz`;
            const vpce = ofType(run, "aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => e.name === "network-s3")!;
            const inVpc = { "aws:SourceVpce": vpce.id!, "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false" };
            const d = await o.decide({ principal: hosting, action: "s3:GetObject", resource: archive, context: inVpc }, {
                vpcEndpointPolicy: JSON.parse(String(vpce.inputs.policy)),
            } as never);
            assert.strictEqual(d.result, "Allowed", d.detail);
            await o.allowed({
                principal: hosting,
                action: "kms:Decrypt",
                resource: o.keyArn("artifacts"),
                context: {
                    "kms:ViaService": `s3.${REGION}.amazonaws.com`,
                    "kms:CallerAccount": ORACLE_ACCOUNT,
                    "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${buckets[stack]}`,
                },
            });
            // ...but not the transform or the data outside models/.
            const transform = await o.decide({
                principal: hosting,
                action: "s3:GetObject",
                resource: `arn:aws:s3:::${buckets[stack]}/features/transform.json`,
                context: inVpc,
            });
            assert.notStrictEqual(transform.result, "Allowed", "the hosting role reads model data (models/) only");
        });
    }

    it("a raw-record endpoint from an uploaded model without the preprocessing archive is a config error naming the key", async () => {
        await assert.rejects(
            runProgram(() => createPlatform(), {
                stack: "dev",
                configure: (raw) => {
                    const r = withUploadedModel(buckets.dev)(raw);
                    for (const v of (r["mlplatform:endpoint"] as any).variants) delete v.preprocessDataUrl;
                    return r;
                },
            }),
            /endpoint\.variants\.0\.preprocessDataUrl.*preprocessing archive/,
        );
    });

    it("endpoint.input: features deploys the XGBoost container alone", async () => {
        const run = await runProgram(() => createPlatform(), {
            stack: "dev",
            configure: (raw) => {
                const r = withUploadedModel(buckets.dev)(raw);
                const ep = r["mlplatform:endpoint"] as any;
                ep.input = "features";
                for (const v of ep.variants) delete v.preprocessDataUrl;
                return r;
            },
        });
        const ms = ofType(run, "aws:sagemaker/model:Model");
        assert.ok(ms.length >= 1);
        for (const m of ms) {
            assert.strictEqual(m.inputs.containers, undefined);
            assert.match((m.inputs.primaryContainer as { modelDataUrl: string }).modelDataUrl, /\/models\/[^/]+\/model\.tar\.gz$/);
        }
    });

    it("a region without the scikit-learn image fails at preview, naming endpoint.preprocessImage", async () => {
        await assert.rejects(
            runProgram(() => createPlatform(), {
                stack: "dev",
                configure: (raw) => {
                    const r = withUploadedModel(buckets.dev.replace("us-east-1", "il-central-1"))(raw);
                    return { ...r, "aws:region": "il-central-1" };
                },
            }),
            /does not publish the scikit-learn serving image.*il-central-1.*endpoint\.preprocessImage/,
        );
    });
});
