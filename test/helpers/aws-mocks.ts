/**
 * The AWS SDK doubles of the tests: client mocks (aws-sdk-client-mock) whose every request is validated against the
 * AWS service model (./aws-request-recorder), SDK-shaped errors and bodies, and a fake clock for the waiters.
 * Main decision: a suite declares what it mocks once (`useAwsMocks("sagemaker", "s3")`, `useFakeWaiter()`) and the
 * helper owns the hooks: a mock stubs its client class only between the suite's before() and after() (suites never
 * share stubs), is reset after each test, and the returned handles forward to the live mock, so a test body writes
 * `sm.on(...)` as with aws-sdk-client-mock itself.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerFeatureStoreRuntimeClient } from "@aws-sdk/client-sagemaker-featurestore-runtime";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { Clock } from "../../lib/aws/retry";
import { setWaitTiming, WaitTiming } from "../../lib/aws/waiter";
import { recordRequests } from "./aws-request-recorder";

/**
 * Client mocks for a suite that manages them itself (created in its `before`, restored in its `after`). Every request
 * a mock receives is validated against the AWS service model after each test.
 */
export const mockSageMaker = () => recordRequests(mockClient(SageMakerClient), "sagemaker");
export const mockS3 = () => recordRequests(mockClient(S3Client), "s3");
export const mockFeatureStore = () => recordRequests(mockClient(SageMakerFeatureStoreRuntimeClient), "sagemaker-featurestore-runtime");
export const mockRuntime = () => recordRequests(mockClient(SageMakerRuntimeClient), "sagemaker-runtime");
export type SageMakerMock = ReturnType<typeof mockSageMaker>;
export type S3Mock = ReturnType<typeof mockS3>;
export type FeatureStoreMock = ReturnType<typeof mockFeatureStore>;
export type RuntimeMock = ReturnType<typeof mockRuntime>;

const FACTORIES = { sagemaker: mockSageMaker, s3: mockS3, featurestore: mockFeatureStore, runtime: mockRuntime };
type Service = keyof typeof FACTORIES;

export interface AwsMocks {
    sm: SageMakerMock;
    s3: S3Mock;
    fsr: FeatureStoreMock;
    rt: RuntimeMock;
}
const HANDLE: Record<Service, keyof AwsMocks> = { sagemaker: "sm", s3: "s3", featurestore: "fsr", runtime: "rt" };

/** A handle that forwards to the mock of the running suite (created in before()). */
function forward<T extends object>(live: () => T | undefined, what: string): T {
    return new Proxy({} as T, {
        get(_, prop) {
            const target = live();
            if (!target) throw new Error(`the ${what} mock is used outside the tests of its suite (it exists between the suite's before() and after())`);
            const v = Reflect.get(target, prop, target) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
    });
}

/**
 * Mocks the given clients for the calling suite (call it in a `describe` body): created before its first test,
 * reset after each test, restored after its last. Handles of services not asked for throw when used.
 */
export function useAwsMocks(...services: Service[]): AwsMocks {
    const live: Partial<Record<Service, unknown>> = {};
    before(() => {
        for (const s of services) live[s] = FACTORIES[s]();
    });
    afterEach(() => {
        for (const s of services) (live[s] as { reset(): unknown }).reset();
    });
    after(() => {
        for (const s of services) (live[s] as { restore(): unknown }).restore();
        for (const s of services) delete live[s];
    });
    const out = {} as Record<keyof AwsMocks, object>;
    for (const s of Object.keys(FACTORIES) as Service[]) out[HANDLE[s]] = forward(() => live[s] as object | undefined, s);
    return out as unknown as AwsMocks;
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

/**
 * The waiters on a fresh fake clock for each test of the calling suite (30 s polls, as the steps use), restored after
 * it; `clock` is the current test's clock.
 */
export function useFakeWaiter(): { readonly clock: FakeClock } {
    let clock = new FakeClock();
    let prev: WaitTiming;
    beforeEach(() => {
        clock = new FakeClock();
        prev = setWaitTiming({ clock, pollMs: 30_000 });
    });
    afterEach(() => setWaitTiming(prev));
    return {
        get clock() {
            return clock;
        },
    };
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
