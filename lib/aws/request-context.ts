/**
 * The IAM condition context a SageMaker API request carries, derived from the request itself (what IAM evaluates the
 * caller's policies against). Keys and their sources per the Service Authorization Reference, "Condition keys for
 * Amazon SageMaker AI" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemakerai.html):
 * sagemaker:VpcSubnets / VpcSecurityGroupIds (VpcConfig or NetworkConfig.VpcConfig), sagemaker:VolumeKmsKey(+Arn)
 * (ResourceConfig / ClusterConfig / TransformResources VolumeKmsKeyId, endpoint config KmsKeyId),
 * sagemaker:OutputKmsKey(+Arn) (OutputDataConfig / ProcessingOutputConfig / TransformOutput KmsKeyId),
 * sagemaker:InterContainerTrafficEncryption, sagemaker:NetworkIsolation, sagemaker:InstanceTypes,
 * sagemaker:MaxRuntimeInSeconds, aws:RequestTag/<key> and aws:TagKeys (Tags).
 */
type Json = Record<string, unknown>;

function find(o: unknown, key: string): unknown[] {
    const out: unknown[] = [];
    const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") {
            for (const [k, x] of Object.entries(v as Json)) {
                if (k === key) out.push(x);
                walk(x);
            }
        }
    };
    walk(o);
    return out;
}

export function sagemakerRequestContext(req: object): Record<string, string | string[]> {
    const ctx: Record<string, string | string[]> = {};
    const vpc = find(req, "VpcConfig")[0] as { Subnets?: string[]; SecurityGroupIds?: string[] } | undefined;
    if (vpc?.Subnets) ctx["sagemaker:VpcSubnets"] = [...vpc.Subnets];
    if (vpc?.SecurityGroupIds) ctx["sagemaker:VpcSecurityGroupIds"] = [...vpc.SecurityGroupIds];
    const volume = find(req, "VolumeKmsKeyId")[0] ?? (find(req, "ProductionVariants").length ? find(req, "KmsKeyId")[0] : undefined);
    if (typeof volume === "string") {
        ctx["sagemaker:VolumeKmsKey"] = volume;
        ctx["sagemaker:VolumeKmsKeyArn"] = volume;
    }
    const r = req as Json;
    const outputCfg = (r.OutputDataConfig ??
        r.ProcessingOutputConfig ??
        r.TransformOutput ??
        (r.TrainingJobDefinition as Json | undefined)?.OutputDataConfig ??
        r.OutputConfig) as Json | undefined;
    if (outputCfg && typeof outputCfg.KmsKeyId === "string") {
        ctx["sagemaker:OutputKmsKey"] = outputCfg.KmsKeyId;
        ctx["sagemaker:OutputKmsKeyArn"] = outputCfg.KmsKeyId;
    }
    const ice = find(req, "EnableInterContainerTrafficEncryption")[0];
    if (typeof ice === "boolean") ctx["sagemaker:InterContainerTrafficEncryption"] = String(ice);
    const iso = find(req, "EnableNetworkIsolation")[0];
    if (typeof iso === "boolean") ctx["sagemaker:NetworkIsolation"] = String(iso);
    const types = find(req, "InstanceType").filter((x): x is string => typeof x === "string");
    if (types.length) ctx["sagemaker:InstanceTypes"] = [...new Set(types)];
    const maxRuntime = find(req, "MaxRuntimeInSeconds")[0];
    if (typeof maxRuntime === "number") ctx["sagemaker:MaxRuntimeInSeconds"] = String(maxRuntime);
    const tags = (r.Tags as { Key: string; Value: string }[] | undefined) ?? [];
    if (tags.length) {
        for (const t of tags) ctx[`aws:RequestTag/${t.Key}`] = t.Value;
        ctx["aws:TagKeys"] = tags.map((t) => t.Key);
    }
    return ctx;
}
