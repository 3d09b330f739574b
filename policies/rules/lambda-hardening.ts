/**
 * lambda-hardening: Lambda functions run in the VPC (config `requireVpc`, FSBP Lambda.3) and keep no plaintext
 * secrets in environment variables (Checkov CKV_AWS_45): environment values are readable by anyone with
 * lambda:GetFunctionConfiguration - pass a Secrets Manager/SSM ARN and read the secret at run time
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption).
 * A secret-looking variable whose value is an ARN, an unknown (preview) or a Pulumi secret in an export is fine to
 * the extent it is not a literal; literal values that look like credentials are findings whatever the name.
 */
import { resourceRule } from "../lib/types";
import { isUnknown, knownKeys, peek } from "../lib/unknowns";

const FUNCTION = "aws:lambda/function:Function";
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|PWD|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH)/i;
const CREDENTIAL_VALUE = [/^(AKIA|ASIA)[A-Z0-9]{16}$/, /^-----BEGIN [A-Z ]*PRIVATE KEY-----/, /^gh[pousr]_[A-Za-z0-9]{30,}$/, /^xox[abposr]-/, /^sk_live_/];
const REFERENCE = /^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:|\/aws\/reference\/secretsmanager\/|ssm:|secretsmanager:)/;

export interface LambdaConfig {
    requireVpc: boolean;
}

export const lambdaHardening = resourceRule(
    {
        name: "lambda-hardening",
        description: "Lambda functions run inside the VPC and keep no plaintext secrets in environment variables.",
        severity: "high",
        exemptable: true,
        frameworks: ["AWS FSBP Lambda.3", "Checkov CKV_AWS_117", "Checkov CKV_AWS_45", "NIST SP 800-53 SC-7"],
        tags: ["security", "lambda", "secrets", "network"],
        remediationSteps:
            "Give the function `vpcConfig` (private subnets, a security group); store secrets in Secrets Manager or SSM Parameter Store and pass only their ARN in the environment.",
        configSchema: { properties: { requireVpc: { type: "boolean", default: true } } },
    },
    [FUNCTION],
    { requireVpc: true } as LambdaConfig,
    (_type, props, cfg) => {
        const f: string[] = [];
        if (cfg.requireVpc) {
            const v = peek(props, "vpcConfig");
            const subnets = v.known ? peek(v.value, "subnetIds") : { known: false as const };
            const list = subnets.known ? subnets.value : undefined;
            if (v.known && !(subnets.known === false || (Array.isArray(list) && list.length > 0) || isUnknown(list)))
                f.push("vpcConfig has no subnetIds: the function runs outside the VPC with direct internet access");
        }
        const env = peek(props, "environment");
        const vars = env.known && env.value ? peek(env.value, "variables") : { known: true as const, value: undefined };
        if (vars.known && vars.value && typeof vars.value === "object") {
            for (const k of knownKeys(vars.value)) {
                const val = peek(vars.value, k);
                if (!val.known || typeof val.value !== "string" || val.value === "") continue;
                const s = val.value;
                if (CREDENTIAL_VALUE.some((re) => re.test(s))) f.push(`environment variable ${k} holds a literal credential: move it to Secrets Manager`);
                else if (SECRET_NAME.test(k) && !REFERENCE.test(s) && !/(_ARN|_ID|_NAME|_URL|_PATH|_FILE)$/i.test(k))
                    f.push(`environment variable ${k} holds a plaintext secret (${s.length} characters): store it in Secrets Manager and pass its ARN`);
            }
        }
        return f;
    },
);
