/**
 * deploy — the declaration both targets implement (local.ts: a background endpoint process; aws.ts: CreateModel +
 * CreateEndpointConfig + UpdateEndpoint), the results they return, and the one parser of `--variants` /
 * `--weights` (variant names + relative weights) both use.
 */
import { StepError } from "../../framework/step";

export const DEPLOY = { name: "deploy", dependsOn: ["register"] } as const;

export interface VariantWeight {
    name: string;
    weight: number;
}

/** A deployed production variant; the fields after `weight` depend on the target. */
export interface DeployedVariant extends VariantWeight {
    modelPackageVersion?: number;
    modelPackageArn?: string;
    /** Local target: the model artifact and its registered test AUC. */
    modelUri?: string;
    testAuc?: number | null;
    /** AWS target: the SageMaker model and the variant's instances. */
    modelName?: string;
    instanceType?: string;
    instanceCount?: number;
}

export interface DeployResults {
    endpointName: string;
    variants?: DeployedVariant[];
    variantSource?: string;
    capture?: { uri: string; samplingPercentage: number };
    smoke?: { inferenceId: string; score: number; variant: string | null };
    /** Local target: the endpoint process. */
    url?: string;
    port?: number;
    pid?: number;
    reused?: boolean;
    /** AWS target. */
    endpointConfigName?: string | null;
    previousEndpointConfigName?: string | null;
    action?: string;
    /** AWS target, `--weights`: the traffic shift applied to the running endpoint. */
    weights?: Record<string, number>;
    /** Set by `--teardown` (scripts/cli/endpoint.ts) when the local endpoint was stopped. */
    tornDownAt?: string;
}

const VARIANT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Parses `--variants champion=0.9,challenger=0.1` (names + relative weights). */
export function parseVariantWeights(spec: string, where = "--variants"): VariantWeight[] {
    const out: VariantWeight[] = [];
    for (const part of spec
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        const m = /^([^=]+)=(.+)$/.exec(part);
        const w = m ? Number(m[2]) : NaN;
        if (!m || !VARIANT_NAME.test(m[1]) || !Number.isFinite(w) || w < 0) {
            throw new StepError(
                `${where} '${part}': expected <variant>=<weight> with a variant name of letters, digits and hyphens and a weight >= 0, e.g. champion=0.9,challenger=0.1`,
            );
        }
        if (out.some((v) => v.name === m[1])) throw new StepError(`${where}: variant '${m[1]}' is given twice`);
        out.push({ name: m[1], weight: w });
    }
    if (out.length === 0) throw new StepError(`${where} is empty: give <variant>=<weight>[,...], e.g. champion=1`);
    if (out.every((v) => v.weight === 0)) throw new StepError(`${where}: every weight is 0; give at least one variant a weight > 0`);
    return out;
}
