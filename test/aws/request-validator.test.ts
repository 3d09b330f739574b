/** The AWS request validator catches each kind of model violation, on the vendored models and on a synthetic one. */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildTrainingJob } from "../../lib/aws/training";
import { MODELS_DIR, ServiceModel, translateJavaPattern, v3Structure, validateRequest, wholeValuePattern } from "../helpers/aws-request-validator";
import { SageMakerClient, StopTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { requestTotals, validateRecordedRequests } from "../helpers/aws-request-recorder";
import { mockSageMaker } from "../helpers/aws-mocks";
import { devOutputs } from "./helpers";

const rules = (c: ReturnType<typeof validateRequest>) => c.violations.map((v) => `${v.rule} ${v.path}`);

describe("aws: request validation against the vendored service models", () => {
    it("the vendored models carry their provenance and the constraints the v2 SDK models lack", () => {
        const prov = fs.readFileSync(path.join(MODELS_DIR, "PROVENANCE.md"), "utf8");
        assert.match(prov, /botocore 1\.43\.\d+/);
        assert.match(prov, /Apache License 2\.0/);
        const sm = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, "sagemaker.json"), "utf8")) as ServiceModel;
        assert.deepEqual(sm.shapes.TrainingJobName, { type: "string", min: 1, max: 63, pattern: "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}" });
        assert.ok(sm.shapes.TrainingInstanceType.enum!.includes("ml.m5.large"));
        for (const op of ["CreateEndpoint", "StopHyperParameterTuningJob", "StopProcessingJob", "StopTransformJob", "CreateTrainingJob"])
            assert.ok(sm.operations[op], op);
    });

    it("a request built by the project passes; each rule kind is caught with command, member path and rule", () => {
        const good = buildTrainingJob(devOutputs(), {
            name: "mlp-dev-xgb-1",
            hyperParameters: { max_depth: 5 },
            trainUri: "s3://b/train/",
            validationUri: "s3://b/validation/",
        });
        assert.deepEqual(validateRequest("sagemaker", "CreateTrainingJob", good).violations, []);
        const bad = JSON.parse(JSON.stringify(good));
        delete bad.RoleArn; // required
        bad.TrainingJobName = "x".repeat(64); // length
        bad.ResourceConfig.InstanceCount = -1; // range
        bad.ResourceConfig.InstanceType = "ml.m5.huge"; // enum
        bad.ResourceConfig.VolumeSizeInGB = "30"; // type
        bad.StoppingCondition.MaxRuntimeInSeconds = 1.5; // integer
        bad.Tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })); // size
        bad.OutputDataConfig.S3OutputPath = "models/s3://b/"; // pattern (matches only as a substring)
        bad.Surprise = true; // unknown member
        bad.HyperParameters = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, "1"])); // map size
        const c = validateRequest("sagemaker", "CreateTrainingJob", bad);
        assert.deepEqual(rules(c).sort(), [
            "enum ResourceConfig.InstanceType",
            "length TrainingJobName",
            "pattern OutputDataConfig.S3OutputPath",
            "pattern TrainingJobName",
            "range ResourceConfig.InstanceCount",
            "required RoleArn",
            "size HyperParameters",
            "size Tags",
            "type ResourceConfig.VolumeSizeInGB",
            "type StoppingCondition.MaxRuntimeInSeconds",
            "unknown-member Surprise",
        ]);
        assert.match(c.violations.find((v) => v.rule === "pattern" && v.path === "TrainingJobName")!.message, /does not match the whole pattern/);
    });

    it("patterns match the whole value: a valid prefix is not enough", () => {
        assert.deepEqual(validateRequest("sagemaker", "StopTrainingJob", { TrainingJobName: "job-1" }).violations, []);
        assert.deepEqual(rules(validateRequest("sagemaker", "StopTrainingJob", { TrainingJobName: "job-1 bad" })), ["pattern TrainingJobName"]);
        assert.deepEqual(rules(validateRequest("sagemaker", "StopTrainingJob", { TrainingJobName: "job--" })), ["pattern TrainingJobName"]);
        assert.deepEqual(rules(validateRequest("sagemaker", "CreateEndpoint", { EndpointName: "ep" })), ["required EndpointConfigName"]);
        assert.deepEqual(
            rules(validateRequest("sagemaker", "CreateEndpoint", { EndpointName: "ep", EndpointConfigName: "c", Tags: [{ Key: "a\u0000", Value: "v" }] })),
            ["pattern Tags[0].Key"],
        );
        assert.deepEqual(rules(validateRequest("sagemaker", "NoSuchOperation", {})), ["unknown-operation (input)"]);
    });

    it("Java patterns are translated (POSIX classes, \\A/\\z, quantified anchors, needless escapes); untranslatable ones are reported skips", () => {
        assert.deepEqual(translateJavaPattern("arn:[\\p{Alnum}\\-]+:lambda"), { source: "arn:[a-zA-Z0-9\\-]+:lambda" });
        assert.deepEqual(translateJavaPattern("\\A\\S[\\p{Print}]*\\z"), { source: "^\\S[ -~]*$" });
        assert.deepEqual(translateJavaPattern("([\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*)${1,128}"), { source: "([\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*)$" });
        assert.deepEqual(translateJavaPattern("a\\_b\\-c"), { source: "a_b-c" });
        assert.deepEqual(translateJavaPattern("\\Qa.b\\E+"), { source: "a\\.b+" });
        assert.deepEqual(translateJavaPattern("[a-z]++x"), { source: "[a-z]+x" });
        assert.ok("error" in translateJavaPattern("[a-z&&[^aeiou]]+"));
        const re = wholeValuePattern("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*");
        assert.ok(re instanceof RegExp && re.test("emoji \u{1F600} ok") && !re.test("nul \u0000"));
        const model: ServiceModel = {
            service: "t",
            client: "none",
            botocore: "test",
            operations: { Op: { input: "In" } },
            shapes: {
                In: { type: "structure", members: { Consonants: { shape: "C" }, Choice: { shape: "U" } } },
                C: { type: "string", pattern: "[a-z&&[^aeiou]]+" },
                U: { type: "structure", union: true, members: { A: { shape: "S" }, B: { shape: "S" } } },
                S: { type: "string" },
            },
        };
        const c = validateRequest("t", "Op", { Consonants: "aeiou", Choice: { A: "x", B: "y" } }, model);
        assert.deepEqual(rules(c), ["union Choice"]);
        assert.equal(c.patternSkips.length, 1, "the untranslatable pattern is a reported skip, not a silent pass");
        assert.equal(c.patternSkips[0].path, "Consonants");
        assert.deepEqual(rules(validateRequest("t", "Op", { Choice: {} }, model)), ["union Choice"]);
    });

    it("members the botocore model lacks are accepted only when the v3 client schema knows them (and reported); required members are the union of both", () => {
        const v3 = v3Structure("sagemaker", "ResourceConfig");
        assert.ok(v3 && v3.members.has("InstanceType"));
        const botocore = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, "sagemaker.json"), "utf8")) as ServiceModel;
        const v3Only = [...v3!.members].filter((m) => !botocore.shapes.ResourceConfig.members![m]);
        if (v3Only.length > 0) {
            const c = validateRequest("sagemaker", "StopTrainingJob", { TrainingJobName: "j" });
            assert.deepEqual(c.v3OnlyMembers, []);
            const good = buildTrainingJob(devOutputs(), { name: "j", hyperParameters: {}, trainUri: "s3://b/t/", validationUri: "s3://b/v/" });
            const req = { ...good, ResourceConfig: { ...good.ResourceConfig, [v3Only[0]]: "x" } };
            const r = validateRequest("sagemaker", "CreateTrainingJob", req);
            assert.deepEqual(r.violations, []);
            assert.deepEqual(r.v3OnlyMembers, [`CreateTrainingJob:ResourceConfig.${v3Only[0]}`]);
        }
        assert.deepEqual(rules(validateRequest("sagemaker", "CreateEndpoint", { EndpointName: "e", EndpointConfigName: "c", NotAMember: 1 })), [
            "unknown-member NotAMember",
        ]);
        // The v3 schema's required members apply even where the vendored model does not list them.
        const model: ServiceModel = {
            service: "sagemaker",
            client: "x",
            botocore: "t",
            operations: { Op: { input: "CreateEndpointInput" } },
            shapes: {
                CreateEndpointInput: { type: "structure", members: { EndpointName: { shape: "S" }, EndpointConfigName: { shape: "S" } } },
                S: { type: "string" },
            },
        };
        assert.deepEqual(rules(validateRequest("sagemaker", "Op", { EndpointName: "e" }, model)), ["required EndpointConfigName"]);
        // A member the service model knows but the installed client's schema does not would never be sent.
        const newer: ServiceModel = {
            ...model,
            operations: { Op: { input: "CreateEndpointInput" } },
            shapes: {
                CreateEndpointInput: {
                    type: "structure",
                    members: { EndpointName: { shape: "S" }, EndpointConfigName: { shape: "S" }, FutureMember: { shape: "S" } },
                },
                S: { type: "string" },
            },
        };
        const r = validateRequest("sagemaker", "Op", { EndpointName: "e", EndpointConfigName: "c", FutureMember: "x" }, newer);
        assert.deepEqual(rules(r), ["unknown-member FutureMember"]);
        assert.match(r.violations[0].message, /would not send it/);
    });

    it("the recorder validates what a mocked client was sent, across reset(), naming command, member path and rule", async () => {
        validateRecordedRequests(); // start clean
        const sm = mockSageMaker();
        try {
            sm.on(StopTrainingJobCommand).resolves({});
            const client = new SageMakerClient({ region: "us-east-1" });
            const before = requestTotals.requests;
            await client.send(new StopTrainingJobCommand({ TrainingJobName: "ok-1" }));
            await client.send(new StopTrainingJobCommand({ TrainingJobName: "not ok" }));
            sm.reset(); // a suite's afterEach resets before the root hook runs: nothing may be lost
            await client.send(new StopTrainingJobCommand({ TrainingJobName: "" }));
            const problems = validateRecordedRequests();
            assert.equal(requestTotals.requests - before, 3);
            assert.equal(problems.length, 2);
            assert.match(problems[0], /^sagemaker:StopTrainingJob TrainingJobName: \[pattern\] .*'not ok'/);
            assert.match(problems[1], /sagemaker:StopTrainingJob TrainingJobName: \[length\] TrainingJobName: length 0 < min 1/);
        } finally {
            sm.restore();
        }
    });

    const ROOT = path.resolve(__dirname, "..", "..");
    const CLIENT_SERVICE: Record<string, string> = {
        sagemaker: "sagemaker",
        "sagemaker-runtime": "sagemaker-runtime",
        "sagemaker-featurestore-runtime": "sagemaker-featurestore-runtime",
        s3: "s3",
        cloudwatch: "cloudwatch",
    };

    it("every AWS command the project imports (lib, scripts, components, infra) has its vendored model", () => {
        const found: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                if (e.name === "node_modules") continue;
                const p = path.join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else if (e.name.endsWith(".ts")) {
                    const text = fs.readFileSync(p, "utf8");
                    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*["']@aws-sdk\/client-([a-z0-9-]+)["']/g)) {
                        for (const n of m[1].split(",").map((x) => x.trim().split(/\s+as\s+/)[0])) {
                            if (!n.endsWith("Command") || n === "Command") continue;
                            const service = CLIENT_SERVICE[m[2]];
                            assert.ok(
                                service,
                                `${path.relative(ROOT, p)} imports @aws-sdk/client-${m[2]}: add it to scripts/tools/vendor-botocore-models.py CLIENTS and re-vendor`,
                            );
                            found.push(`${service}:${n.replace(/Command$/, "")}`);
                        }
                    }
                }
            }
        };
        for (const d of ["lib", "scripts", "components", "infra"]) walk(path.join(ROOT, d));
        const missing = [...new Set(found)].filter((k) => {
            const [service, op] = k.split(":");
            return (
                !fs.existsSync(path.join(MODELS_DIR, `${service}.json`)) ||
                !(op in (JSON.parse(fs.readFileSync(path.join(MODELS_DIR, `${service}.json`), "utf8")) as ServiceModel).operations)
            );
        });
        assert.ok(found.length >= 30, `found ${found.length} command imports`);
        assert.deepEqual(missing, [], "run python3 scripts/tools/vendor-botocore-models.py to vendor these operations");
    });

    it("the vendored models are what the vendoring script produces (when the same botocore is installed)", function () {
        const prov = fs.readFileSync(path.join(MODELS_DIR, "PROVENANCE.md"), "utf8");
        const vendored = /botocore (\d+\.\d+\.\d+)/.exec(prov)![1];
        const probe = spawnSync("python3", ["-c", "import botocore; print(botocore.__version__)"], { encoding: "utf8" });
        const installed = probe.status === 0 ? probe.stdout.trim() : undefined;
        if (installed !== vendored) {
            console.log(
                `      skipped: the models were vendored from botocore ${vendored}; this machine has ${installed ? `botocore ${installed}` : "no botocore for python3"}`,
            );
            this.skip();
        }
        const r = spawnSync("python3", [path.join(ROOT, "scripts", "tools", "vendor-botocore-models.py"), "--check"], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr + r.stdout);
    });
});
