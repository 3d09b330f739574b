/** Shared fixtures of the AWS-target tests: the dev stack outputs, a fake clock, step contexts and S3 bodies. */
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerFeatureStoreRuntimeClient } from "@aws-sdk/client-sagemaker-featurestore-runtime";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { mockClient } from "aws-sdk-client-mock";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StackOutputs } from "../../contracts/stack-outputs";
import { loadStackFile } from "../../infra/stack-config";
import { Clock } from "../../lib/aws/retry";
import { Manifest, writeManifest } from "../../scripts/framework/manifest";
import { makeContext, StepContext } from "../../scripts/framework/step";
import { recordRequests } from "../helpers/aws-request-recorder";

export const PROJECT = path.resolve(__dirname, "..", "..");

/** A fresh copy of test/fixtures/stack-outputs-dev.json (written by `npm run plan -- --stack dev --outputs`). */
export function devOutputs(): StackOutputs {
    return JSON.parse(fs.readFileSync(path.join(PROJECT, "test", "fixtures", "stack-outputs-dev.json"), "utf8")) as StackOutputs;
}

/** A clock whose sleep only advances time (and records the requested delays). */
export class FakeClock implements Clock {
    t = 1_700_000_000_000;
    sleeps: number[] = [];
    now(): number {
        return this.t;
    }
    async sleep(ms: number): Promise<void> {
        this.sleeps.push(ms);
        this.t += ms;
    }
}

/** A GetObject Body for aws-sdk-client-mock. */
export function body(content: string | Buffer): never {
    const buf = Buffer.isBuffer(content) ? content : Buffer.from(content);
    return { transformToByteArray: async () => new Uint8Array(buf), transformToString: async () => buf.toString("utf8") } as never;
}

/** An AWS SDK style service error. */
export function awsError(name: string, message = name, httpStatusCode = 400): Error {
    return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode } });
}

export interface TestStep {
    ctx: StepContext;
    lines: string[];
    workdir: string;
    cleanup(): void;
}

/** A step context (target aws) on a temp workdir with the fixture outputs and the given earlier results. */
export function awsStepContext(prior: Record<string, Record<string, unknown>> = {}, options: Record<string, string | boolean> = {}, outputs: StackOutputs = devOutputs()): TestStep {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-step-"));
    fs.writeFileSync(path.join(workdir, "stack-outputs.json"), JSON.stringify(outputs));
    const manifest: Manifest = { version: 1, stack: "dev", target: "aws", workdir, updatedAt: new Date().toISOString(), steps: {} };
    for (const [step, results] of Object.entries(prior)) {
        manifest.steps[step] = { step, status: "succeeded", startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:01:00.000Z", inputsHash: "x", results };
    }
    writeManifest(manifest);
    const lines: string[] = [];
    const ctx = makeContext({ stack: "dev", target: "aws", workdir, projectDir: PROJECT, config: loadStackFile("dev", PROJECT), force: true, options, out: (l) => lines.push(l) }, manifest);
    return { ctx, lines, workdir, cleanup: () => fs.rmSync(workdir, { recursive: true, force: true }) };
}

/**
 * Client mocks, created in a suite's `before` and restored in its `after` so suites do not share stubs. Every request
 * a mock receives is validated against the AWS service model after each test (test/helpers/aws-request-recorder.ts).
 */
export const mockSageMaker = () => recordRequests(mockClient(SageMakerClient), "sagemaker");
export const mockS3 = () => recordRequests(mockClient(S3Client), "s3");
export const mockFeatureStore = () => recordRequests(mockClient(SageMakerFeatureStoreRuntimeClient), "sagemaker-featurestore-runtime");
export const mockRuntime = () => recordRequests(mockClient(SageMakerRuntimeClient), "sagemaker-runtime");
export type SageMakerMock = ReturnType<typeof mockSageMaker>;
export type S3Mock = ReturnType<typeof mockS3>;
export type FeatureStoreMock = ReturnType<typeof mockFeatureStore>;
export type RuntimeMock = ReturnType<typeof mockRuntime>;
