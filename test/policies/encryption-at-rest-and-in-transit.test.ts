import * as assert from "assert";
import { encryptionAtRestAndInTransit as policy } from "../../policies/rules/encryption-at-rest-and-in-transit";
import { exemptTags } from "./exempt";
import { UNKNOWN, envContext, messages, res, runR, runRemediation } from "./harness";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const EPC = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
const variant = { variantName: "AllTraffic", modelName: "m", instanceType: "ml.m5.large", initialInstanceCount: 1 };

describe("policies/encryption-at-rest-and-in-transit", () => {
    it("endpoint configuration on NVMe instance storage (ml.g5, ml.m5d): no kmsKeyArn demanded, as SageMaker rejects one", async () => {
        for (const instanceType of ["ml.g5.xlarge", "ml.m5d.large"]) {
            const r = await runR(
                policy,
                res(EPC, "epc", {
                    productionVariants: [{ ...variant, instanceType }],
                    dataCaptureConfig: {
                        kmsKeyId: KEY,
                        initialSamplingPercentage: 100,
                        destinationS3Uri: "s3://b/c",
                        captureOptions: [{ captureMode: "Input" }],
                    },
                }),
            );
            assert.deepStrictEqual(messages(r), [], instanceType);
        }
        // One EBS-backed variant alone still needs the key.
        const ebs = await runR(
            policy,
            res(EPC, "epc", {
                productionVariants: [variant],
                dataCaptureConfig: { kmsKeyId: KEY, initialSamplingPercentage: 100, destinationS3Uri: "s3://b/c", captureOptions: [{ captureMode: "Input" }] },
            }),
        );
        assert.match(messages(ebs)[0], /kmsKeyArn is not set/);
    });

    it("endpoint configuration: needs kmsKeyArn and a data-capture KMS key", async () => {
        const bad = await runR(
            policy,
            res(EPC, "epc", {
                productionVariants: [variant],
                dataCaptureConfig: { initialSamplingPercentage: 100, destinationS3Uri: "s3://b/c", captureOptions: [{ captureMode: "Input" }] },
            }),
        );
        assert.strictEqual(bad.violations.length, 2);
        assert.match(messages(bad)[0], /kmsKeyArn is not set/);
        assert.match(messages(bad)[1], /dataCaptureConfig.kmsKeyId/);
        const good = await runR(
            policy,
            res(EPC, "epc", {
                productionVariants: [variant],
                kmsKeyArn: KEY,
                dataCaptureConfig: { kmsKeyId: KEY, initialSamplingPercentage: 100, destinationS3Uri: "s3://b/c", captureOptions: [] },
            }),
        );
        assert.deepStrictEqual(good.violations, []);
    });

    it("a KMS key ARN that is unknown during preview counts as set", async () => {
        const o = await runR(policy, res(EPC, "epc", { productionVariants: [variant], kmsKeyArn: UNKNOWN.string }));
        assert.strictEqual(o.status, "evaluated");
        assert.deepStrictEqual(o.violations, []);
    });

    it("an unknown block that must be inspected makes the policy not fully evaluated", async () => {
        const o = await runR(policy, res(EPC, "epc", { productionVariants: [variant], kmsKeyArn: KEY, dataCaptureConfig: UNKNOWN.object }));
        assert.strictEqual(o.status, "not-evaluated");
    });

    it("feature group: offline and online stores", async () => {
        const T = "aws:sagemaker/featureGroup:FeatureGroup";
        const bad = await runR(
            policy,
            res(T, "fg", { offlineStoreConfig: { s3StorageConfig: { s3Uri: "s3://x" } }, onlineStoreConfig: { enableOnlineStore: true } }),
        );
        assert.strictEqual(bad.violations.length, 2);
        const good = await runR(
            policy,
            res(T, "fg", {
                offlineStoreConfig: { s3StorageConfig: { s3Uri: "s3://x", kmsKeyId: KEY } },
                onlineStoreConfig: { securityConfig: { kmsKeyId: KEY } },
            }),
        );
        assert.deepStrictEqual(good.violations, []);
        const offlineOnly = await runR(policy, res(T, "fg", { offlineStoreConfig: { s3StorageConfig: { s3Uri: "s3://x", kmsKeyId: KEY } } }));
        assert.deepStrictEqual(offlineOnly.violations, []);
    });

    it("data quality job definition: output, volume, inter-container traffic", async () => {
        const T = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition";
        const bad = await runR(
            policy,
            res(T, "dq", {
                jobResources: { clusterConfig: { instanceType: "ml.m5.large", instanceCount: 1, volumeSizeInGb: 20 } },
                dataQualityJobOutputConfig: { monitoringOutputs: {} },
            }),
        );
        assert.deepStrictEqual(
            messages(bad).map((m) => m.split(":")[0]),
            [
                "dataQualityJobOutputConfig.kmsKeyId is not set",
                "jobResources.clusterConfig.volumeKmsKeyId is not set",
                "networkConfig.enableInterContainerTrafficEncryption is not true",
            ],
        );
        const good = await runR(
            policy,
            res(T, "dq", {
                jobResources: { clusterConfig: { instanceType: "ml.m5.large", instanceCount: 1, volumeSizeInGb: 20, volumeKmsKeyId: KEY } },
                dataQualityJobOutputConfig: { kmsKeyId: KEY, monitoringOutputs: {} },
                networkConfig: { enableInterContainerTrafficEncryption: true },
            }),
        );
        assert.deepStrictEqual(good.violations, []);
    });

    it("training job", async () => {
        const T = "aws:sagemaker/trainingJob:TrainingJob";
        const bad = await runR(policy, res(T, "tj", { outputDataConfig: { s3OutputPath: "s3://o" }, resourceConfig: { instanceType: "ml.m5.xlarge" } }));
        assert.strictEqual(bad.violations.length, 3);
        const good = await runR(
            policy,
            res(T, "tj", {
                outputDataConfig: { s3OutputPath: "s3://o", kmsKeyId: KEY },
                resourceConfig: { volumeKmsKeyId: KEY },
                enableInterContainerTrafficEncryption: true,
            }),
        );
        assert.deepStrictEqual(good.violations, []);
    });

    it("Studio domains and notebooks need a KMS key", async () => {
        assert.match(messages(await runR(policy, res("aws:sagemaker/domain:Domain", "d", { appNetworkAccessType: "VpcOnly" })))[0], /EFS/);
        assert.deepStrictEqual((await runR(policy, res("aws:sagemaker/domain:Domain", "d", { kmsKeyId: KEY }))).violations, []);
        assert.strictEqual((await runR(policy, res("aws:sagemaker/notebookInstance:NotebookInstance", "n", {}))).violations.length, 1);
    });

    it("log groups, topics, trails", async () => {
        assert.strictEqual((await runR(policy, res("aws:cloudwatch/logGroup:LogGroup", "lg", { retentionInDays: 30 }))).violations.length, 1);
        assert.strictEqual(
            (await runR(policy, res("aws:cloudwatch/logGroup:LogGroup", "lg", {}), { config: { requireLogGroupKms: false } })).violations.length,
            0,
        );
        assert.strictEqual((await runR(policy, res("aws:sns/topic:Topic", "t", {}))).violations.length, 1);
        assert.strictEqual((await runR(policy, res("aws:sns/topic:Topic", "t", { kmsMasterKeyId: "alias/platform" }))).violations.length, 0);
        assert.strictEqual((await runR(policy, res("aws:cloudtrail/trail:Trail", "ct", { s3BucketName: "b" }))).violations.length, 1);
        assert.strictEqual((await runR(policy, res("aws:cloudtrail/trail:Trail", "ct", { s3BucketName: "b", kmsKeyId: KEY }))).violations.length, 0);
    });

    it("KMS keys rotate (symmetric only) and remediation turns rotation on", async () => {
        const K = "aws:kms/key:Key";
        assert.match(messages(await runR(policy, res(K, "k", {})))[0], /enableKeyRotation/);
        assert.strictEqual((await runR(policy, res(K, "k", { enableKeyRotation: true }))).violations.length, 0);
        assert.strictEqual((await runR(policy, res(K, "k", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }))).violations.length, 0);
        const fixed = await runRemediation(policy, res(K, "k", { description: "d" }), { config: { enforcementLevel: "remediate" } });
        assert.deepStrictEqual(fixed, { description: "d", enableKeyRotation: true });
        assert.strictEqual(await runRemediation(policy, res(K, "k", { keySpec: "HMAC_256" }), { config: { enforcementLevel: "remediate" } }), undefined);
        assert.strictEqual(await runRemediation(policy, res(K, "k", {}), { config: { enforcementLevel: "advisory" } }), undefined);
    });

    it("remediate level is reported as mandatory (dev config)", async () => {
        const o = await runR(policy, res("aws:kms/key:Key", "k", {}), envContext("dev", policy.name));
        assert.strictEqual(o.violations[0].enforcementLevel, "mandatory");
    });

    it("bucket policies must deny non-TLS access (string or object documents)", async () => {
        const T = "aws:s3/bucketPolicy:BucketPolicy";
        const tls = {
            Version: "2012-10-17",
            Statement: {
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        };
        assert.strictEqual((await runR(policy, res(T, "p", { bucket: "b", policy: JSON.stringify(tls) }))).violations.length, 0);
        assert.strictEqual((await runR(policy, res(T, "p", { bucket: "b", policy: tls }))).violations.length, 0);
        const noTls = {
            Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
        };
        assert.match(messages(await runR(policy, res(T, "p", { bucket: "b", policy: JSON.stringify(noTls) })))[0], /non-TLS/);
        assert.match(messages(await runR(policy, res(T, "p", { bucket: "b", policy: "{not json" })))[0], /not valid JSON/);
        assert.strictEqual((await runR(policy, res(T, "p", { bucket: "b", policy: UNKNOWN.string }))).status, "not-evaluated");
    });

    it("exemption tag suppresses and records", async () => {
        const o = await runR(policy, res("aws:sns/topic:Topic", "t", { tags: exemptTags(policy.name, "public status topic, no data") }));
        assert.deepStrictEqual(o.violations, []);
        assert.strictEqual(o.exemptions.length, 1);
    });

    it("ignores unrelated types", async () => {
        assert.strictEqual((await runR(policy, res("aws:s3/bucket:Bucket", "b", {}))).violations.length, 0);
    });
});

import { corpusTests } from "./corpus-rule";
corpusTests("encryption-at-rest-and-in-transit");
