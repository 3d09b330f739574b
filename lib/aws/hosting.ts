/**
 * Models, endpoint configs and endpoints through the API (the deploy step): a model from an approved model package
 * with the hosting role, the endpoint security group and network isolation; an endpoint config with KMS-encrypted
 * volumes and data capture to the stack's capture bucket; CreateEndpoint/UpdateEndpoint and the wait for InService;
 * A/B weight shifts with UpdateEndpointWeightsAndCapacities.
 */
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateEndpointConfigCommandInput,
    CreateModelCommand,
    CreateModelCommandInput,
    DeleteModelCommand,
    DescribeEndpointCommand,
    DescribeEndpointCommandOutput,
    SageMakerClient,
    UpdateEndpointCommand,
    UpdateEndpointWeightsAndCapacitiesCommand,
} from "@aws-sdk/client-sagemaker";
import { StackOutputs } from "../../contracts/stack-outputs";
import { platformTags, vpcConfig } from "./common";
import { withThrottlingRetry } from "./retry";
import { waitFor, WaitOptions } from "./waiter";

export type ModelSource = { modelPackageArn: string } | { imageUri: string; modelDataUrl: string };

export interface ModelSpec {
    name: string;
    source: ModelSource;
    /** Endpoint models use the endpoint security group; batch-transform models the job security group. */
    network: "endpoint" | "job";
}

export function buildModel(out: StackOutputs, s: ModelSpec): CreateModelCommandInput {
    const container =
        "modelPackageArn" in s.source
            ? { ModelPackageName: s.source.modelPackageArn }
            : { Image: s.source.imageUri, ModelDataUrl: s.source.modelDataUrl, Mode: "SingleModel" as const };
    return {
        ModelName: s.name,
        ExecutionRoleArn: out.roleArns.hosting,
        PrimaryContainer: container,
        VpcConfig: vpcConfig(out, s.network),
        EnableNetworkIsolation: true,
        Tags: platformTags(out),
    };
}

export async function createModel(sm: SageMakerClient, req: CreateModelCommandInput, wait: Pick<WaitOptions, "clock"> = {}): Promise<string> {
    const res = await withThrottlingRetry(`CreateModel ${req.ModelName}`, () => sm.send(new CreateModelCommand(req)), { clock: wait.clock });
    return res.ModelArn ?? req.ModelName!;
}

export async function deleteModel(sm: SageMakerClient, name: string, wait: Pick<WaitOptions, "clock"> = {}): Promise<void> {
    await withThrottlingRetry(`DeleteModel ${name}`, () => sm.send(new DeleteModelCommand({ ModelName: name })), { clock: wait.clock });
}

export interface VariantSpec {
    variantName: string;
    modelName: string;
    instanceType: string;
    instanceCount: number;
    weight: number;
}

export interface EndpointConfigSpec {
    name: string;
    variants: VariantSpec[];
    /** Data capture: on when the stack's endpoint output has a capture URI (default), off with `capture: false`. */
    capture?: boolean;
}

export function buildEndpointConfig(out: StackOutputs, s: EndpointConfigSpec): CreateEndpointConfigCommandInput {
    if (s.variants.length === 0) throw new Error(`endpoint config ${s.name}: no variants; give at least one`);
    if (s.variants.every((v) => v.weight <= 0)) throw new Error(`endpoint config ${s.name}: every variant has weight 0; at least one must receive traffic`);
    const ep = out.endpoint;
    const capture = (s.capture ?? true) && !!ep;
    return {
        EndpointConfigName: s.name,
        ProductionVariants: s.variants.map((v) => ({
            VariantName: v.variantName,
            ModelName: v.modelName,
            InstanceType: v.instanceType as never,
            InitialInstanceCount: v.instanceCount,
            InitialVariantWeight: v.weight,
        })),
        KmsKeyId: out.kmsKeyArns.artifacts,
        ...(capture && ep
            ? {
                  DataCaptureConfig: {
                      EnableCapture: true,
                      InitialSamplingPercentage: ep.samplingPercentage,
                      DestinationS3Uri: ep.captureUri,
                      KmsKeyId: out.kmsKeyArns.data,
                      CaptureOptions: [{ CaptureMode: "Input" }, { CaptureMode: "Output" }],
                      // Raw records arrive as CSV or JSON (docs/endpoint.md): both are captured as text, as the stack's own config does.
                      CaptureContentTypeHeader: { CsvContentTypes: ["text/csv"], JsonContentTypes: ["application/json", "application/jsonlines"] },
                  },
              }
            : {}),
        Tags: platformTags(out),
    };
}

export async function createEndpointConfig(sm: SageMakerClient, req: CreateEndpointConfigCommandInput, wait: Pick<WaitOptions, "clock"> = {}): Promise<void> {
    await withThrottlingRetry(`CreateEndpointConfig ${req.EndpointConfigName}`, () => sm.send(new CreateEndpointConfigCommand(req)), { clock: wait.clock });
}

/** The endpoint's description, or null when it does not exist. */
export async function describeEndpoint(
    sm: SageMakerClient,
    name: string,
    wait: Pick<WaitOptions, "clock"> = {},
): Promise<DescribeEndpointCommandOutput | null> {
    try {
        return await withThrottlingRetry(`DescribeEndpoint ${name}`, () => sm.send(new DescribeEndpointCommand({ EndpointName: name })), { clock: wait.clock });
    } catch (e) {
        const msg = (e as Error).message ?? "";
        if ((e as Error).name === "ValidationException" && /could not find|does not exist/i.test(msg)) return null;
        throw e;
    }
}

function waitInService(sm: SageMakerClient, name: string, wait: WaitOptions, expectConfig?: string): Promise<DescribeEndpointCommandOutput> {
    let sawTransition = false;
    return waitFor(
        {
            kind: "endpoint",
            name,
            describe: async () => {
                const d = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
                if (d.EndpointStatus !== "InService") sawTransition = true;
                if (expectConfig && d.EndpointStatus === "InService" && d.EndpointConfigName !== expectConfig) {
                    // A failed update rolls back to the previous config and reports InService: the failure it is. Right
                    // after UpdateEndpoint the old state can still be reported: that is "not started yet", not a rollback.
                    if (sawTransition || d.FailureReason) return { ...d, EndpointStatus: "UpdateRolledBack" as never };
                    return { ...d, EndpointStatus: "Updating" as never };
                }
                return d;
            },
            status: (d) => d.EndpointStatus,
            successStates: ["InService"],
            failureStates: ["Failed", "UpdateRollbackFailed", "UpdateRolledBack", "OutOfService", "Deleting"],
            failureReason: (d) =>
                d.FailureReason ??
                (d.EndpointStatus === ("UpdateRolledBack" as never)
                    ? `the update was rolled back; the endpoint still serves ${d.EndpointConfigName}`
                    : undefined),
            logsHint: `CloudWatch log group /aws/sagemaker/Endpoints/${name}`,
        },
        wait,
    );
}

/**
 * Points the endpoint at `configName` (UpdateEndpoint when it exists, CreateEndpoint otherwise) and waits for
 * InService. Endpoints cannot be stopped: on timeout the error says so (the update keeps going in the background).
 */
export async function deployEndpoint(
    sm: SageMakerClient,
    out: StackOutputs,
    endpointName: string,
    configName: string,
    wait: WaitOptions,
): Promise<{ action: "created" | "updated"; description: DescribeEndpointCommandOutput; previousConfig: string | null }> {
    const existing = await describeEndpoint(sm, endpointName, wait);
    if (existing && !["InService", "Failed"].includes(existing.EndpointStatus ?? "")) {
        throw new Error(`endpoint ${endpointName} is ${existing.EndpointStatus}; wait until it is InService (or Failed) before deploying again`);
    }
    if (existing && existing.EndpointStatus !== "Failed") {
        await withThrottlingRetry(
            `UpdateEndpoint ${endpointName}`,
            () => sm.send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: configName })),
            { clock: wait.clock },
        );
        wait.log?.(`UpdateEndpoint ${endpointName} -> ${configName} (previous ${existing.EndpointConfigName})`);
    } else {
        await withThrottlingRetry(
            `CreateEndpoint ${endpointName}`,
            () => sm.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: configName, Tags: platformTags(out) })),
            {
                clock: wait.clock,
            },
        );
        wait.log?.(`CreateEndpoint ${endpointName} with ${configName}`);
    }
    const description = await waitInService(sm, endpointName, wait, configName);
    return {
        action: existing && existing.EndpointStatus !== "Failed" ? "updated" : "created",
        description,
        previousConfig: existing?.EndpointConfigName ?? null,
    };
}

/** A/B traffic shift: sets each named variant's weight, then waits for InService. */
export async function shiftWeights(
    sm: SageMakerClient,
    endpointName: string,
    weights: Record<string, number>,
    wait: WaitOptions,
): Promise<DescribeEndpointCommandOutput> {
    const entries = Object.entries(weights);
    if (entries.length === 0) throw new Error(`shiftWeights ${endpointName}: no variant weights given`);
    for (const [v, w] of entries)
        if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`shiftWeights ${endpointName}: weight of variant ${v} is ${w}; weights are numbers >= 0`);
    if (entries.every(([, w]) => w === 0)) throw new Error(`shiftWeights ${endpointName}: all weights are 0; at least one variant must receive traffic`);
    await withThrottlingRetry(
        `UpdateEndpointWeightsAndCapacities ${endpointName}`,
        () =>
            sm.send(
                new UpdateEndpointWeightsAndCapacitiesCommand({
                    EndpointName: endpointName,
                    DesiredWeightsAndCapacities: entries.map(([VariantName, DesiredWeight]) => ({ VariantName, DesiredWeight })),
                }),
            ),
        { clock: wait.clock },
    );
    wait.log?.(`traffic on ${endpointName}: ${entries.map(([v, w]) => `${v}=${w}`).join(", ")}`);
    return waitInService(sm, endpointName, wait);
}
