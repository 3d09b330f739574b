/**
 * Test-only IAM oracle over a mock run of the program: evaluates one request the way AWS does, with the principal's
 * inline policies and permissions boundary and the resource's policy (bucket, key or topic policy), using
 * `@cloud-copilot/iam-simulate` (AGPL-3.0, a devDependency used here as a test oracle only; nothing shipped imports it).
 *
 * Used by the deploy-defect tests (test/infra/deploy-defects.test.ts): they probe the accesses a fresh account needs
 * (CloudTrail delivery, the monitor reading capture through KMS...), which pattern checks cannot see.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { ProgramRun, RecordedResource } from "../../gate/runtime";

export const ORACLE_ACCOUNT = "123456789012";
export const ORACLE_REGION = "us-east-1";

export interface Probe {
    /** A role ARN, a service principal (`cloudtrail.amazonaws.com`) or an account root ARN. */
    principal: string;
    action: string;
    resource: string;
    context?: Record<string, string | string[]>;
}

export interface Decision {
    result: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error";
    detail: string;
}

function doc(v: unknown): any {
    return typeof v === "string" ? JSON.parse(v) : v;
}

/**
 * iam-simulate 0.1.173 ignores `kms:EncryptionContext:<key>` (it matches variable condition keys only in the
 * `prefix/<key>` form, e.g. aws:RequestTag/<key>): a condition on it always fails as "missing". The oracle renames the
 * key to `aws:RequestTag/kmsEncryptionContext:<key>` in the policies and in the request context alike; the condition
 * operators and values are untouched, so the decision is the one AWS makes on the real key.
 */
const EC = /^kms:EncryptionContext:/i;
const EC_ALIAS = "aws:RequestTag/kmsEncryptionContext:";
function aliasContextKey(k: string): string {
    return EC.test(k) ? EC_ALIAS + k.replace(EC, "") : k;
}
function aliasPolicy(policy: any): any {
    if (!policy?.Statement) return policy;
    const statements = (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]).map((s: any) => {
        if (!s.Condition) return s;
        const cond = Object.fromEntries(
            Object.entries(s.Condition as Record<string, Record<string, unknown>>).map(([op, kv]) => [
                op,
                Object.fromEntries(Object.entries(kv).map(([k, v]) => [aliasContextKey(k), v])),
            ]),
        );
        return { ...s, Condition: cond };
    });
    return { ...policy, Statement: statements };
}

export class IamOracle {
    constructor(readonly run: ProgramRun) {}

    private of(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    /** The role whose name is `name` (e.g. `mlp-dev-monitoring`). */
    role(name: string): RecordedResource {
        const r = this.of("aws:iam/role:Role").find((x) => x.outputs.name === name || x.inputs.name === name);
        if (!r)
            throw new Error(
                `no role named ${name}: ${this.of("aws:iam/role:Role")
                    .map((x) => x.outputs.name)
                    .join(", ")}`,
            );
        return r;
    }

    roleArn(name: string): string {
        return String(this.role(name).outputs.arn);
    }

    hasRole(name: string): boolean {
        return this.of("aws:iam/role:Role").some((x) => x.outputs.name === name || x.inputs.name === name);
    }

    /** Inline policies attached to the role (RolePolicy.role is the role's id = name); none for a role outside the stack. */
    identityPolicies(roleName: string): { name: string; policy: any }[] {
        if (!this.hasRole(roleName)) return [];
        const role = this.role(roleName);
        return this.of("aws:iam/rolePolicy:RolePolicy")
            .filter((p) => p.inputs.role === role.id || p.inputs.role === role.outputs.name)
            .map((p) => ({ name: p.name, policy: doc(p.inputs.policy) }));
    }

    boundary(roleName: string): { name: string; policy: any }[] | undefined {
        if (!this.hasRole(roleName)) return undefined;
        const arn = this.role(roleName).inputs.permissionsBoundary;
        if (!arn) return undefined;
        const p = this.of("aws:iam/policy:Policy").find((x) => x.outputs.arn === arn);
        if (!p) throw new Error(`boundary ${arn} not found`);
        return [{ name: p.name, policy: doc(p.inputs.policy) }];
    }

    keyArn(purpose: "data" | "artifacts" | "logs"): string {
        const k = this.of("aws:kms/key:Key").find((x) => x.name.endsWith(`-${purpose}`));
        if (!k) throw new Error(`no ${purpose} key`);
        return String(k.outputs.arn);
    }

    keyPolicy(arn: string): any {
        const k = this.of("aws:kms/key:Key").find((x) => x.outputs.arn === arn);
        if (!k) throw new Error(`no key ${arn}`);
        return doc(k.inputs.policy);
    }

    bucketName(purpose: string): string {
        const b = this.of("aws:s3/bucket:Bucket").find((x) => (x.inputs.tags as Record<string, string> | undefined)?.["mlplatform:bucket-purpose"] === purpose);
        if (!b) throw new Error(`no ${purpose} bucket`);
        return String(b.inputs.bucket);
    }

    bucketPolicy(bucket: string): any {
        const p = this.of("aws:s3/bucketPolicy:BucketPolicy").find((x) => x.inputs.bucket === bucket);
        return p ? doc(p.inputs.policy) : undefined;
    }

    resourcePolicy(resource: string): any {
        if (resource.startsWith("arn:aws:s3:::")) return this.bucketPolicy(resource.slice("arn:aws:s3:::".length).split("/")[0]);
        if (resource.startsWith("arn:aws:kms:")) return this.keyPolicy(resource);
        return undefined;
    }

    /** `overrides.identityPolicies`: the policies of a principal outside the stack (e.g. an account user given kms:*). */
    async decide(
        p: Probe,
        overrides: { resourcePolicy?: any; identityPolicies?: { name: string; policy: any }[]; vpcEndpointPolicy?: any } = {},
    ): Promise<Decision> {
        const isRole = /^arn:aws:iam::\d{12}:role\//.test(p.principal);
        const roleName = isRole ? p.principal.split("/").pop()! : undefined;
        const context: Record<string, string | string[]> = {
            "aws:SecureTransport": "true",
            "aws:RequestedRegion": ORACLE_REGION,
            ...(isRole ? { "aws:PrincipalArn": p.principal, "aws:PrincipalAccount": ORACLE_ACCOUNT } : {}),
            ...(p.context ?? {}),
        };
        const resourcePolicy = aliasPolicy(overrides.resourcePolicy ?? this.resourcePolicy(p.resource));
        const named = (ps: { name: string; policy: any }[] | undefined) => ps?.map((x) => ({ name: x.name, policy: aliasPolicy(x.policy) }));
        const aliased = Object.fromEntries(Object.entries(context).map(([k, v]) => [aliasContextKey(k), v]));
        const res = await runSimulation(
            {
                request: { principal: p.principal, action: p.action, resource: { resource: p.resource, accountId: ORACLE_ACCOUNT }, contextVariables: aliased },
                identityPolicies: named(overrides.identityPolicies) ?? (roleName ? named(this.identityPolicies(roleName))! : []),
                permissionBoundaryPolicies: roleName ? named(this.boundary(roleName)) : undefined,
                serviceControlPolicies: [],
                resourceControlPolicies: [],
                resourcePolicy,
                vpcEndpointPolicies: overrides.vpcEndpointPolicy ? [{ name: "vpc-endpoint", policy: aliasPolicy(overrides.vpcEndpointPolicy) }] : undefined,
            },
            {},
        );
        if (res.resultType === "error") return { result: "Error", detail: JSON.stringify(res.errors) };
        if (res.resultType === "single" && res.result.ignoredContextKeys?.length) {
            return { result: "Error", detail: `context keys not valid for ${p.action}: ${res.result.ignoredContextKeys.join(", ")}` };
        }
        return { result: res.overallResult as Decision["result"], detail: `${p.principal} ${p.action} ${p.resource} ${JSON.stringify(context)}` };
    }

    /** Asserts Allowed; the message names the principal, action, resource and context. */
    async allowed(p: Probe): Promise<void> {
        const d = await this.decide(p);
        if (d.result !== "Allowed") throw new Error(`expected Allowed, got ${d.result}: ${d.detail}`);
    }

    async denied(p: Probe): Promise<void> {
        const d = await this.decide(p);
        if (d.result === "Allowed" || d.result === "Error") throw new Error(`expected Denied, got ${d.result}: ${d.detail}`);
    }
}

/** Whether an IAM action pattern (with `*` / `?` wildcards, case-insensitive) matches an action. */
export function actionMatches(pattern: string, action: string): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        "i",
    );
    return re.test(action);
}
