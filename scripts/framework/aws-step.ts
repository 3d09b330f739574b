/**
 * What the `scripts/steps/<step>/aws.ts` steps share: the AWS clients for the stack's region, wait options from the step's
 * options (`--timeout-minutes`, `--poll-seconds`), and the translation of job failures and missing credentials into
 * StepErrors (printed as is, with the fix).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { ListModelPackagesCommand, ModelPackageSummary, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerFeatureStoreRuntimeClient } from "@aws-sdk/client-sagemaker-featurestore-runtime";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { StackOutputs } from "../../contracts/stack-outputs";
import { StepContext, StepError } from "./step";
import { withThrottlingRetry } from "../../lib/aws/retry";
import { JobFailedError, JobTimeoutError, waitTiming, WaitOptions } from "../../lib/aws/waiter";

export interface AwsClients {
    sm: SageMakerClient;
    s3: S3Client;
    featureStore: SageMakerFeatureStoreRuntimeClient;
    runtime: SageMakerRuntimeClient;
}

export function awsClients(out: StackOutputs): AwsClients {
    const region = out.region;
    return {
        sm: new SageMakerClient({ region }),
        s3: new S3Client({ region }),
        featureStore: new SageMakerFeatureStoreRuntimeClient({ region }),
        runtime: new SageMakerRuntimeClient({ region }),
    };
}

function positive(ctx: StepContext, name: string, dflt: number): number {
    const v = ctx.options[name];
    if (v === undefined) return dflt;
    const n = Number(v);
    if (v === true || !(n > 0)) throw new StepError(`--${name} ${String(v)}: expected a positive number`);
    return n;
}

/** Wait options of a step: `--timeout-minutes` (default per step) and `--poll-seconds` (default the waiter's 30 s). */
export function waitOptions(ctx: StepContext, defaultTimeoutMinutes: number): WaitOptions {
    const t = waitTiming();
    return {
        timeoutMs: positive(ctx, "timeout-minutes", defaultTimeoutMinutes) * 60_000,
        pollMs: ctx.options["poll-seconds"] !== undefined ? positive(ctx, "poll-seconds", 30) * 1000 : t.pollMs,
        clock: t.clock,
        log: (l) => ctx.log(l),
    };
}

/** Runs the AWS part of a step, turning job failures/timeouts and credential problems into StepErrors. */
export async function awsStep<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
        return await fn();
    } catch (e) {
        if (e instanceof StepError) throw e;
        if (e instanceof JobFailedError || e instanceof JobTimeoutError) throw new StepError(e.message);
        const err = e as Error & { $metadata?: { httpStatusCode?: number } };
        if (err.name === "CredentialsProviderError" || /Could not load credentials/i.test(err.message ?? "")) {
            throw new StepError(
                `${what}: no AWS credentials (${err.message}); configure them (aws configure, AWS_PROFILE or aws sso login) for the account of the stack and re-run`,
            );
        }
        if (err.name === "AccessDeniedException" || err.name === "AccessDenied" || err.$metadata?.httpStatusCode === 403) {
            throw new StepError(
                `${what}: access denied (${err.message}); run with credentials that may use the stack's roles (iam:PassRole on the role named above), or check the stack's IAM policies`,
            );
        }
        if (err.name === "ResourceLimitExceeded") {
            throw new StepError(
                `${what}: ${err.message}; request a higher SageMaker quota for that instance type in Service Quotas, or pick another instance type (see docs/aws-target.md)`,
            );
        }
        if (err.$metadata && err.name) {
            // Any other service error: the API's own message says what is wrong with the request.
            throw new StepError(
                `${what}: ${err.name}: ${err.message}${(err.$metadata as { requestId?: string }).requestId ? ` (request id ${(err.$metadata as { requestId?: string }).requestId})` : ""}; fix the input named in the message and re-run the step`,
            );
        }
        throw e;
    }
}

/** Model packages of the stack's group with the given status, newest first. */
export async function listPackages(
    sm: SageMakerClient,
    out: StackOutputs,
    status: "Approved" | "PendingManualApproval" | "Rejected",
    wait: Pick<WaitOptions, "clock"> = {},
): Promise<ModelPackageSummary[]> {
    const all: ModelPackageSummary[] = [];
    let token: string | undefined;
    do {
        const res = await withThrottlingRetry(
            `ListModelPackages ${out.modelPackageGroupName}`,
            () =>
                sm.send(
                    new ListModelPackagesCommand({
                        ModelPackageGroupName: out.modelPackageGroupName,
                        ModelApprovalStatus: status,
                        SortBy: "CreationTime",
                        SortOrder: "Descending",
                        NextToken: token,
                    }),
                ),
            { clock: wait.clock },
        );
        all.push(...(res.ModelPackageSummaryList ?? []));
        token = res.NextToken;
    } while (token);
    return all.sort((a, b) => (b.ModelPackageVersion ?? 0) - (a.ModelPackageVersion ?? 0));
}
