/**
 * Shared pieces of the `--target aws` request builders: platform tags in the API's shape, VPC configs, job names and
 * S3 URI helpers. Everything here derives from the stack outputs contract (contracts/stack-outputs.ts) and nothing else.
 */
import { parseS3Uri } from "../../contracts/s3-layout";
import { StackOutputs } from "../../contracts/stack-outputs";

export interface ApiTag {
    Key: string;
    Value: string;
}

/** The stack's platform tags (`outputs.tags`) as a SageMaker/S3 `Tags` list, sorted by key for stable requests. */
export function platformTags(out: StackOutputs, extra: Record<string, string> = {}): ApiTag[] {
    const all = { ...out.tags, ...extra };
    return Object.keys(all)
        .sort()
        .map((Key) => ({ Key, Value: all[Key] }));
}

/** S3 object tagging header value (`Tagging` of PutObject): URL-encoded key=value pairs. */
export function s3Tagging(out: StackOutputs): string {
    return platformTags(out)
        .map((t) => `${encodeURIComponent(t.Key)}=${encodeURIComponent(t.Value)}`)
        .join("&");
}

/** VpcConfig for jobs (processing, training, transform) or hosting (endpoint security group). */
export function vpcConfig(out: StackOutputs, kind: "job" | "endpoint"): { Subnets: string[]; SecurityGroupIds: string[] } {
    const sg = kind === "job" ? out.network.jobSecurityGroupId : out.network.endpointSecurityGroupId;
    if (!out.network.subnetIds?.length)
        throw new Error(
            `stack outputs: network.subnetIds is empty; SageMaker ${kind}s run in the stack's private subnets — redeploy the stack (pulumi up) so the outputs list them`,
        );
    if (!sg)
        throw new Error(`stack outputs: network.${kind === "job" ? "jobSecurityGroupId" : "endpointSecurityGroupId"} is empty; redeploy the stack (pulumi up)`);
    return { Subnets: [...out.network.subnetIds], SecurityGroupIds: [sg] };
}

/**
 * A SageMaker resource name: `<namePrefix>-<kind>-<yyMMddHHmmss>`, cut to `max` characters (training/processing/
 * transform jobs allow 63, tuning jobs 32) and to the API's pattern `[a-zA-Z0-9](-*[a-zA-Z0-9])*`.
 */
export function jobName(out: StackOutputs, kind: string, now: Date = new Date(), max = 63): string {
    const stamp = now
        .toISOString()
        .replace(/[-:T.Z]/g, "")
        .slice(2, 14);
    const base = `${out.namePrefix}-${kind}`.replace(/[^a-zA-Z0-9-]/g, "-");
    const room = max - stamp.length - 1;
    return `${base.slice(0, room).replace(/-+$/, "")}-${stamp}`;
}

/** `s3://bucket/a/b` -> { bucket, key: "a/b" }: one parser for every layer (contracts/s3-layout.ts), re-exported here. */

/** Joins an `s3://bucket/` prefix and a relative key without doubling or dropping slashes. */
export function s3Join(prefix: string, ...parts: string[]): string {
    let u = prefix.endsWith("/") ? prefix : `${prefix}/`;
    parts.forEach((p, i) => {
        const clean = p.replace(/^\/+/, "");
        u += i < parts.length - 1 && !clean.endsWith("/") ? `${clean}/` : clean;
    });
    return u;
}

/**
 * The stack KMS key objects in a bucket are encrypted with (the bucket policies expect it): raw, curated and capture
 * hold data (data key); artifacts holds models and evaluations (artifacts key); monitoring, audit and access logs hold
 * reports and logs (logs key).
 */
export function kmsKeyForUri(out: StackOutputs, uri: string): string {
    const { bucket } = parseS3Uri(uri);
    const purpose = (Object.keys(out.buckets) as (keyof StackOutputs["buckets"])[]).find((p) => out.buckets[p].name === bucket);
    if (!purpose)
        throw new Error(
            `${uri} is not in one of the stack's buckets (${Object.values(out.buckets)
                .map((b) => b.name)
                .join(", ")}); write to a stack bucket`,
        );
    if (purpose === "artifacts") return out.kmsKeyArns.artifacts;
    if (purpose === "monitoring" || purpose === "audit" || purpose === "accessLogs") return out.kmsKeyArns.logs;
    return out.kmsKeyArns.data;
}
