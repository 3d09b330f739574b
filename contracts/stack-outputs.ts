/**
 * The stack outputs contract: what `pulumi stack output --json` returns for every stack, and what
 * `build_ml_environment.sh` (both targets) and the monitors read. Documented in docs/outputs.md (generated from this file: npm run docs).
 * Changing a field here is a breaking change for every consumer.
 */

export const BUCKET_PURPOSES = ["raw", "curated", "artifacts", "capture", "monitoring", "audit", "accessLogs"] as const;
export type BucketPurpose = (typeof BUCKET_PURPOSES)[number];

export interface BucketOutput {
    name: string;
    arn: string;
    /** `s3://<name>/` */
    uri: string;
}

export interface EndpointOutput {
    name: string;
    variantNames: string[];
    shadowVariantName: string | null;
    captureUri: string;
    samplingPercentage: number;
    /**
     * true while the stack declares the endpoint but creates no SageMaker endpoint yet, because no variant names its
     * model (`mlplatform:endpoint.variants[].modelPackageArn` / `modelDataUrl`; a new account has no approved model).
     * Absent or false: the stack manages the endpoint. See docs/deploy.md.
     */
    awaitingModel?: boolean;
}

export interface StackOutputs {
    stack: string;
    environment: "dev" | "prod";
    namePrefix: string;
    region: string;
    accountId: string;
    tags: Record<string, string>;
    buckets: Record<BucketPurpose, BucketOutput>;
    kmsKeyArns: { data: string; artifacts: string; logs: string };
    roleArns: {
        processing: string;
        training: string;
        hosting: string;
        monitoring: string;
        featureStore: string;
        pipeline: string;
        ciDeploy: string;
    };
    network: {
        vpcId: string;
        subnetIds: string[];
        /** Security group of SageMaker jobs (processing, training, transform, monitoring). */
        jobSecurityGroupId: string;
        /** Security group of SageMaker model endpoints (CreateModel VpcConfig). */
        endpointSecurityGroupId: string;
        /** Security group of the interface VPC endpoints (HTTPS from the platform's workloads). */
        vpcEndpointSecurityGroupId: string;
        s3GatewayEndpointId: string;
    };
    featureGroupNames: string[];
    offlineStoreUri: string;
    modelPackageGroupName: string;
    /** null when the stack does not deploy an endpoint (mlplatform:endpoint.enabled false). */
    endpoint: EndpointOutput | null;
    /** null when the Model Monitor schedule is switched off. */
    modelMonitorScheduleName: string | null;
    /** The serverless monitor's Lambda function; null when `monitoring.serverlessMonitor` is off or there is no endpoint. */
    serverlessMonitorFunctionName: string | null;
    alertsTopicArn: string;
    dashboardName: string;
    budgetName: string;
    trailArn: string | null;
    logGroupNames: Record<string, string>;
    /** Settings the pipeline needs (not secrets): quality gate, capture sampling, training limits. */
    pipeline: {
        minAuc: number;
        autoApprove: boolean;
        latencySloMs: number;
        trainingInstanceType: string;
        useSpot: boolean;
        maxRuntimeSeconds: number;
        monitoringScheduleExpression: string;
        driftThreshold: number;
    };
}

/** Checks that a parsed `pulumi stack output --json` document has the contract's shape; returns the problems. */
export function checkStackOutputs(o: unknown): string[] {
    const problems: string[] = [];
    if (!o || typeof o !== "object") return ["stack outputs: expected a JSON object"];
    const v = o as Record<string, unknown>;
    const need = (k: string, t: string) => {
        const x = v[k];
        const actual = x === null ? "null" : Array.isArray(x) ? "array" : typeof x;
        if (!t.split("|").includes(actual)) problems.push(`stack outputs: '${k}' is ${actual}, expected ${t}`);
    };
    need("stack", "string");
    need("environment", "string");
    need("region", "string");
    need("accountId", "string");
    need("buckets", "object");
    need("kmsKeyArns", "object");
    need("roleArns", "object");
    need("network", "object");
    need("featureGroupNames", "array");
    need("modelPackageGroupName", "string");
    need("endpoint", "object|null");
    need("alertsTopicArn", "string");
    need("dashboardName", "string");
    need("budgetName", "string");
    need("pipeline", "object");
    const ep = v.endpoint as EndpointOutput | null | undefined;
    if (ep && ep.awaitingModel !== undefined && typeof ep.awaitingModel !== "boolean")
        problems.push(`stack outputs: endpoint.awaitingModel must be a boolean, got ${JSON.stringify(ep.awaitingModel)}`);
    const buckets = v.buckets as Record<string, BucketOutput> | undefined;
    if (buckets && typeof buckets === "object") {
        for (const p of BUCKET_PURPOSES) {
            const b = buckets[p];
            if (!b || typeof b.name !== "string" || !String(b.uri).startsWith("s3://"))
                problems.push(`stack outputs: buckets.${p} needs name, arn and an s3:// uri`);
        }
    }
    return problems;
}
