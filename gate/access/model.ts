/**
 * The access model of a stack: who may do what to which resource, built from the resources the program registers in
 * the same mock run the offline gate uses (gate/runtime.ts `runProgram`), and decided with the IAM evaluator of
 * the policy pack (policies/lib/iam/evaluator.ts).
 *
 * Principals: every IAM role of the stack (inline policies, attached customer-managed policies, permissions boundary,
 * trust policy), `security.adminRoleArns` / `security.auditorRoleArns` (outside the stack: assumed to hold
 * AdministratorAccess / ReadOnlyAccess, so only the stack's resource policies decide), AWS service principals,
 * anonymous callers and a foreign account (assumed to allow itself everything: only the stack's resource policies
 * stand in its way).
 * Resources: buckets (bucket policy, default encryption), KMS keys (key policy), SNS topics (topic policy, key),
 * CloudWatch log groups (key), Lambda functions (permissions as a resource policy, environment key), and the roles
 * themselves (trust policy for sts:AssumeRole*).
 *
 * An S3 object read or write on an SSE-KMS bucket is two decisions, as AWS makes them: S3 authorizes the request
 * against the caller's policies and the bucket policy, then calls KMS on the caller's behalf (kms:Decrypt for reads,
 * kms:GenerateDataKey for writes; with an S3 Bucket Key the encryption context is the bucket ARN), which KMS
 * authorizes against the key policy and the caller's policies
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html).
 */
import { StackOutputs } from "../../contracts/stack-outputs";
import { ProgramRun, RecordedResource } from "../runtime";
import {
    ContextValues,
    Decision,
    evaluate,
    parsePolicy,
    Policy,
    Principal,
    principalFromString,
    principalLabel,
    Request,
    statementLabel,
} from "../../policies/lib/iam/evaluator";

export const FOREIGN_ACCOUNT = "999988887777";

/**
 * AWS managed policies the platform attaches on purpose. They are not modelled (their documents are AWS's and change),
 * so probes see the role without them: needed accesses must come from the stack's own policies, and what these grant
 * is stated here. AWS_ConfigRole: read-only configuration access AWS Config needs to record supported resources
 * (https://docs.aws.amazon.com/config/latest/developerguide/security-iam-awsmanpol.html#security-iam-awsmanpol-AWS_ConfigRole).
 */
export const AWS_MANAGED_NOT_MODELLED: Record<string, string> = {
    "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole": "AWS Config's read-only configuration access (Describe/Get/List) for recording",
};

export interface RoleModel {
    /** Purpose (`processing`, `serverlessMonitor`, `admin:<n>`) or the role name. */
    key: string;
    name: string;
    arn: string;
    identity: Policy[];
    boundary?: Policy;
    trust?: Policy;
    /** Defined outside the stack (admins, auditors): identity policies assumed, see `assumption`. */
    external?: string;
}

export interface BucketModel {
    purpose: string;
    name: string;
    arn: string;
    policy?: Policy;
    sseAlgorithm?: string;
    kmsKeyArn?: string;
    bucketKey: boolean;
}

export interface KeyModel {
    purpose: string;
    arn: string;
    policy: Policy;
}

export interface TopicModel {
    name: string;
    arn: string;
    policy?: Policy;
    kmsKeyArn?: string;
}

export interface LogGroupModel {
    name: string;
    arn: string;
    kmsKeyArn?: string;
}

export interface FunctionModel {
    name: string;
    arn: string;
    roleArn: string;
    kmsKeyArn?: string;
    policy?: Policy;
}

/** Where a request comes from: inside the VPC through the S3 gateway endpoint, or from outside the VPC. */
export type Origin = "vpc" | "outside";

export interface ProbeInput {
    /** Role purpose, role ARN, service principal, `anonymous`, `foreign` or a 12-digit account id. */
    principal: string;
    action: string;
    /** An ARN, or `s3://bucket/key`. */
    resource: string;
    /** Extra or overriding request-context values. */
    context?: ContextValues;
    origin?: Origin;
    /** Skip the KMS half of an S3 object request (e.g. a service principal that calls KMS itself). */
    s3Only?: boolean;
}

export interface DecisionStep {
    /** What was decided: `s3:GetObject on arn:...` or `kms:Decrypt on key data (via S3)`. */
    what: string;
    request: Request;
    resourcePolicy?: string;
    decision: Decision;
}

export interface ProbeResult {
    principal: string;
    action: string;
    resource: string;
    allowed: boolean;
    steps: DecisionStep[];
}

function docOf(v: unknown): unknown {
    return typeof v === "string" ? JSON.parse(v) : v;
}

/** ReadOnlyAccess-like identity for auditors (AWS managed policies are not part of the program). */
const AUDITOR_IDENTITY = {
    Version: "2012-10-17",
    Statement: [
        {
            Effect: "Allow",
            Action: ["s3:Get*", "s3:List*", "kms:Decrypt", "kms:DescribeKey", "logs:Get*", "logs:FilterLogEvents", "cloudtrail:LookupEvents"],
            Resource: "*",
        },
    ],
};
const ADMIN_IDENTITY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

export class AccessModel {
    readonly stack: string;
    readonly account: string;
    readonly region: string;
    readonly partition = "aws";
    readonly outputs: StackOutputs;
    readonly roles: RoleModel[] = [];
    readonly buckets: BucketModel[] = [];
    readonly keys: KeyModel[] = [];
    readonly topics: TopicModel[] = [];
    readonly logGroups: LogGroupModel[] = [];
    readonly functions: FunctionModel[] = [];
    /** CloudWatch Logs resource policies (account-wide; each applies to the log groups its statements name). */
    readonly logResourcePolicies: Policy[] = [];
    /** Things the model could not resolve (e.g. AWS managed policies attached to a role), reported, never dropped. */
    readonly notes: string[] = [];
    /** AWS managed policies attached on purpose and not modelled (listed with what they grant; see AWS_MANAGED_NOT_MODELLED). */
    readonly awsManaged: string[] = [];

    constructor(readonly run: ProgramRun) {
        if (run.mode !== "update") throw new Error("the access model needs a run in 'update' mode (known ARNs); got a new-stack run");
        this.stack = run.stack;
        this.outputs = run.outputs as unknown as StackOutputs;
        this.account = this.outputs.accountId;
        this.region = this.outputs.region;
        this.build();
    }

    private of(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    private build(): void {
        const managed = new Map<string, Policy>();
        for (const p of this.of("aws:iam/policy:Policy")) {
            const arn = String(p.outputs.arn);
            managed.set(arn, parsePolicy(`managed policy ${p.inputs.name ?? p.name}`, docOf(p.inputs.policy)));
        }
        const purposeOf = new Map<string, string>();
        for (const [purpose, arn] of Object.entries(this.outputs.roleArns ?? {})) purposeOf.set(arn, purpose);
        const LOGICAL: Record<string, string> = {
            "serverless-monitor-role": "serverlessMonitor",
            "network-flow-logs": "flowLogs",
            "cost-budget-action": "budgetAction",
            "audit-trail-to-logs": "trailToLogs",
            "ci-readonly-role": "ciReadOnly",
            "config-recorder": "configRecorder",
            "detective-remediation": "configRemediation",
            "security-monitor-worker": "monitorWorker",
            "security-monitor-reduce": "monitorReduce",
            "security-monitor-states": "monitorStates",
            "security-monitor-scheduler": "monitorScheduler",
        };
        for (const r of this.of("aws:iam/role:Role")) {
            const name = String(r.outputs.name ?? r.inputs.name);
            const arn = String(r.outputs.arn);
            const key = purposeOf.get(arn) ?? LOGICAL[r.name] ?? (/serverless-monitor/.test(name) ? "serverlessMonitor" : name);
            const identity: Policy[] = [];
            for (const rp of this.of("aws:iam/rolePolicy:RolePolicy")) {
                if (rp.inputs.role === name || rp.inputs.role === r.id)
                    identity.push(parsePolicy(`${key} inline ${rp.inputs.name ?? rp.name}`, docOf(rp.inputs.policy)));
            }
            const attached = [
                ...((r.inputs.managedPolicyArns as string[] | undefined) ?? []),
                ...this.of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                    .filter((a) => a.inputs.role === name || a.inputs.role === r.id)
                    .map((a) => String(a.inputs.policyArn)),
            ];
            for (const a of attached) {
                const m = managed.get(a);
                if (m) identity.push(m);
                else if (AWS_MANAGED_NOT_MODELLED[a.replace(/^arn:aws[a-z-]*:/, "arn:aws:")])
                    this.awsManaged.push(`role ${name}: ${a} - ${AWS_MANAGED_NOT_MODELLED[a.replace(/^arn:aws[a-z-]*:/, "arn:aws:")]}`);
                else this.notes.push(`role ${name}: attached policy ${a} is not defined by the stack (AWS managed?) and is not modelled`);
            }
            const pb = r.inputs.permissionsBoundary ? managed.get(String(r.inputs.permissionsBoundary)) : undefined;
            if (r.inputs.permissionsBoundary && !pb)
                this.notes.push(`role ${name}: boundary ${String(r.inputs.permissionsBoundary)} is not defined by the stack`);
            this.roles.push({
                key,
                name,
                arn,
                identity,
                boundary: pb,
                trust: r.inputs.assumeRolePolicy ? parsePolicy(`trust policy of ${key}`, docOf(r.inputs.assumeRolePolicy)) : undefined,
            });
        }
        const security = (this.run.config["mlplatform:security"] ?? {}) as {
            adminRoleArns?: string[];
            auditorRoleArns?: string[];
            breakGlassRoleArns?: string[];
        };
        (security.adminRoleArns ?? []).forEach((arn, i) =>
            this.roles.push({
                key: `admin:${i + 1}`,
                name: arn.split("/").pop()!,
                arn,
                identity: [parsePolicy(`assumed AdministratorAccess of ${arn}`, ADMIN_IDENTITY)],
                external: "security.adminRoleArns (assumed AdministratorAccess)",
            }),
        );
        (security.breakGlassRoleArns ?? []).forEach((arn, i) => {
            if ((security.adminRoleArns ?? []).includes(arn)) return;
            this.roles.push({
                key: `breakGlass:${i + 1}`,
                name: arn.split("/").pop()!,
                arn,
                identity: [parsePolicy(`assumed AdministratorAccess of ${arn}`, ADMIN_IDENTITY)],
                external: "security.breakGlassRoleArns (assumed AdministratorAccess)",
            });
        });
        (security.auditorRoleArns ?? []).forEach((arn, i) => {
            if ((security.adminRoleArns ?? []).includes(arn)) return;
            this.roles.push({
                key: `auditor:${i + 1}`,
                name: arn.split("/").pop()!,
                arn,
                identity: [parsePolicy(`assumed read-only policy of ${arn}`, AUDITOR_IDENTITY)],
                external: "security.auditorRoleArns (assumed ReadOnlyAccess)",
            });
        });

        for (const [purpose, arn] of Object.entries(this.outputs.kmsKeyArns ?? {})) {
            const k = this.of("aws:kms/key:Key").find((x) => x.outputs.arn === arn);
            if (!k) continue;
            this.keys.push({ purpose, arn, policy: parsePolicy(`key policy of the ${purpose} key`, docOf(k.inputs.policy)) });
        }
        for (const [purpose, b] of Object.entries(this.outputs.buckets ?? {})) {
            const bp = this.of("aws:s3/bucketPolicy:BucketPolicy").find((x) => x.inputs.bucket === b.name);
            const sse = this.of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find(
                (x) => x.inputs.bucket === b.name,
            );
            const rule = ((sse?.inputs.rules as any[]) ?? [])[0] ?? {};
            this.buckets.push({
                purpose,
                name: b.name,
                arn: b.arn,
                policy: bp ? parsePolicy(`bucket policy of ${purpose} (${b.name})`, docOf(bp.inputs.policy)) : undefined,
                sseAlgorithm: rule.applyServerSideEncryptionByDefault?.sseAlgorithm,
                kmsKeyArn: rule.applyServerSideEncryptionByDefault?.kmsMasterKeyId,
                bucketKey: !!rule.bucketKeyEnabled,
            });
        }
        for (const t of this.of("aws:sns/topic:Topic")) {
            const arn = String(t.outputs.arn);
            const tp = this.of("aws:sns/topicPolicy:TopicPolicy").find((x) => x.inputs.arn === arn);
            this.topics.push({
                name: String(t.outputs.name ?? t.inputs.name),
                arn,
                kmsKeyArn: t.inputs.kmsMasterKeyId as string | undefined,
                policy: tp ? parsePolicy(`topic policy of ${arn.split(":").pop()}`, docOf(tp.inputs.policy)) : undefined,
            });
        }
        for (const g of this.of("aws:cloudwatch/logGroup:LogGroup")) {
            const name = String(g.inputs.name ?? g.outputs.name);
            this.logGroups.push({
                name,
                arn: `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:${name}`,
                kmsKeyArn: g.inputs.kmsKeyId as string | undefined,
            });
        }
        for (const lp of this.of("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")) {
            this.logResourcePolicies.push(parsePolicy(`log resource policy ${lp.inputs.policyName ?? lp.name}`, docOf(lp.inputs.policyDocument)));
        }
        for (const f of this.of("aws:lambda/function:Function")) {
            const name = String(f.inputs.name ?? f.outputs.name);
            // Lambda function ARNs are arn:<partition>:lambda:<region>:<account>:function:<name> (the mock's placeholder differs).
            const arn = `arn:${this.partition}:lambda:${this.region}:${this.account}:function:${name}`;
            const statements = this.of("aws:lambda/permission:Permission")
                .filter((p) => p.inputs.function === name || p.inputs.function === arn || p.inputs.functionName === name || p.inputs.functionName === arn)
                .map((p, i) => {
                    const principal = String(p.inputs.principal);
                    const cond: Record<string, Record<string, string>> = {};
                    if (p.inputs.sourceArn) cond.ArnLike = { "aws:SourceArn": String(p.inputs.sourceArn) };
                    if (p.inputs.sourceAccount) cond.StringEquals = { "aws:SourceAccount": String(p.inputs.sourceAccount) };
                    return {
                        Sid: String(p.inputs.statementId ?? p.name ?? `permission-${i}`),
                        Effect: "Allow",
                        Principal: /^\d{12}$|^arn:/.test(principal) ? { AWS: principal } : { Service: principal },
                        Action: String(p.inputs.action),
                        Resource: arn,
                        ...(Object.keys(cond).length ? { Condition: cond } : {}),
                    };
                });
            this.functions.push({
                name,
                arn,
                roleArn: String(f.inputs.role),
                kmsKeyArn: f.inputs.kmsKeyArn as string | undefined,
                policy: statements.length ? parsePolicy(`function policy of ${name}`, { Version: "2012-10-17", Statement: statements }) : undefined,
            });
        }
    }

    // ---------- lookups ----------

    role(key: string): RoleModel {
        const r = this.roles.find((x) => x.key === key || x.arn === key || x.name === key);
        if (!r) throw new Error(`no role '${key}' in stack ${this.stack}; roles: ${this.roles.map((x) => x.key).join(", ")}`);
        return r;
    }

    bucket(purpose: string): BucketModel {
        const b = this.buckets.find((x) => x.purpose === purpose || x.name === purpose);
        if (!b) throw new Error(`no bucket '${purpose}' in stack ${this.stack}; buckets: ${this.buckets.map((x) => x.purpose).join(", ")}`);
        return b;
    }

    key(purpose: string): KeyModel {
        const k = this.keys.find((x) => x.purpose === purpose || x.arn === purpose);
        if (!k) throw new Error(`no KMS key '${purpose}' in stack ${this.stack}; keys: ${this.keys.map((x) => x.purpose).join(", ")}`);
        return k;
    }

    keyLabel(arn: string): string {
        const k = this.keys.find((x) => x.arn === arn);
        return k ? `${k.purpose} key` : arn;
    }

    /** `s3://bucket/key` → object ARN; ARNs pass through. */
    resourceArn(resource: string): string {
        const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(resource);
        if (m) return m[2] ? `arn:${this.partition}:s3:::${m[1]}/${m[2]}` : `arn:${this.partition}:s3:::${m[1]}`;
        return resource;
    }

    /** Resolves a principal spec: role purpose/name/ARN, service principal, `anonymous`, `foreign` or an account id. */
    principal(spec: string): { principal: Principal; role?: RoleModel; label: string } {
        if (spec === "anonymous") return { principal: { type: "anonymous" }, label: "anonymous" };
        if (spec === "foreign") spec = FOREIGN_ACCOUNT;
        if (/^\d{12}$/.test(spec)) {
            if (spec === this.account) throw new Error(`principal '${spec}' is the stack's own account: name a role (purpose, name or ARN) instead`);
            // A role in another account that allows itself everything: only the stack's resource policies can stop it.
            const arn = `arn:${this.partition}:iam::${spec}:role/any-role`;
            return {
                principal: { type: "role", arn, account: spec, sessionArn: `arn:${this.partition}:sts::${spec}:assumed-role/any-role/probe` },
                role: {
                    key: `account ${spec}`,
                    name: "any-role",
                    arn,
                    identity: [parsePolicy(`identity policies of account ${spec} (assumed: allow everything)`, ADMIN_IDENTITY)],
                    external: "foreign account",
                },
                label: `a role of account ${spec}`,
            };
        }
        if (/\.amazonaws\.com(\.cn)?$/.test(spec)) return { principal: principalFromString(spec), label: spec };
        if (/^arn:[^:]+:iam::\d{12}:oidc-provider\//.test(spec))
            return { principal: principalFromString(spec), label: `web identity of ${spec.split("/").slice(1).join("/")}` };
        const known = this.roles.find((x) => x.key === spec || x.arn === spec || x.name === spec);
        if (known) {
            const acct = known.arn.split(":")[4];
            return {
                principal: { type: "role", arn: known.arn, account: acct, sessionArn: `arn:${this.partition}:sts::${acct}:assumed-role/${known.name}/probe` },
                role: known,
                label: `role ${known.key}`,
            };
        }
        if (/^arn:/.test(spec))
            throw new Error(
                `principal '${spec}' is not a role of stack ${this.stack} nor of security.adminRoleArns/auditorRoleArns; roles: ${this.roles.map((x) => x.arn).join(", ")}`,
            );
        throw new Error(
            `unknown principal '${spec}': use a role purpose (${this.roles.map((x) => x.key).join(", ")}), a role ARN, a service principal (e.g. cloudtrail.amazonaws.com), 'anonymous', 'foreign' or a 12-digit account id`,
        );
    }

    /** The resource policy that governs an ARN, and whether it must allow (KMS keys, role trust). */
    resourcePolicyOf(arn: string, action: string): { policy?: Policy; mode: "optional" | "required"; owner: string } {
        const key = this.keys.find((k) => k.arn === arn);
        if (key) return { policy: key.policy, mode: "required", owner: this.account };
        const s3 = /^arn:[^:]+:s3:::([^/]+)/.exec(arn);
        if (s3) {
            const b = this.buckets.find((x) => x.name === s3[1]);
            return { policy: b?.policy, mode: "optional", owner: this.account };
        }
        const topic = this.topics.find((t) => t.arn === arn);
        if (topic) return { policy: topic.policy, mode: "optional", owner: this.account };
        const fn = this.functions.find((f) => f.arn === arn);
        if (fn) return { policy: fn.policy, mode: "optional", owner: this.account };
        const role = this.roles.find((r) => r.arn === arn);
        if (role && /^sts:AssumeRole/i.test(action)) return { policy: role.trust, mode: "required", owner: role.arn.split(":")[4] };
        if (/^arn:[^:]+:logs:/.test(arn) && this.logResourcePolicies.length) {
            // Several account-level log resource policies act as one resource policy.
            const merged: Policy = {
                id: this.logResourcePolicies.map((p) => p.id).join(" + "),
                version: "2012-10-17",
                statements: this.logResourcePolicies.flatMap((p) => p.statements),
            };
            return { policy: merged, mode: "optional", owner: this.account };
        }
        return { mode: "optional", owner: arn.split(":")[4] || this.account };
    }

    /** The request context AWS would carry for this principal, action and resource (overridable per probe). */
    contextFor(p: Principal, role: RoleModel | undefined, action: string, arn: string, origin: Origin): ContextValues {
        const ctx: ContextValues = {
            "aws:SecureTransport": "true",
            "aws:CurrentTime": "2026-12-02T06:00:00Z",
            "aws:EpochTime": "1796191200",
            "aws:RequestedRegion": this.region,
        };
        if (p.type === "role" || p.type === "user") {
            ctx["aws:PrincipalArn"] = p.arn;
            ctx["aws:PrincipalAccount"] = p.account;
            ctx["aws:PrincipalType"] = "AssumedRole";
            ctx["aws:PrincipalIsAWSService"] = "false";
            ctx["aws:ViaAWSService"] = "false";
            if (role?.key) ctx["aws:userid"] = `AROAEXAMPLE:${role.name}`;
        } else if (p.type === "service") {
            ctx["aws:PrincipalIsAWSService"] = "true";
            ctx["aws:PrincipalServiceName"] = p.service;
            ctx["aws:SourceAccount"] = this.account;
        } else if (p.type === "anonymous") {
            ctx["aws:PrincipalIsAWSService"] = "false";
            ctx["aws:ViaAWSService"] = "false";
        }
        if (p.type !== "service") {
            if (origin === "vpc") {
                ctx["aws:SourceVpce"] = this.outputs.network.s3GatewayEndpointId;
                ctx["aws:SourceVpc"] = this.outputs.network.vpcId;
            } else {
                ctx["aws:SourceIp"] = "203.0.113.10";
            }
        }
        if (/^s3:/i.test(action)) {
            ctx["s3:TlsVersion"] = "1.3";
            ctx["s3:signatureversion"] = "AWS4-HMAC-SHA256";
            ctx["s3:authType"] = "REST-HEADER";
            const b = this.buckets.find((x) => arn.startsWith(`${x.arn}/`) || arn === x.arn);
            if (/^s3:PutObject$/i.test(action) && b?.sseAlgorithm === "aws:kms" && p.type !== "service") {
                // lib/aws/s3.ts putObject always sends SSE-KMS with the bucket's key.
                ctx["s3:x-amz-server-side-encryption"] = "aws:kms";
                ctx["s3:x-amz-server-side-encryption-aws-kms-key-id"] = b.kmsKeyArn!;
            }
        }
        if (/^kms:/i.test(action)) ctx["kms:CallerAccount"] = p.type === "role" || p.type === "user" ? p.account : this.account;
        return ctx;
    }

    private decideOne(what: string, p: Principal, role: RoleModel | undefined, action: string, arn: string, context: ContextValues): DecisionStep {
        const rp = this.resourcePolicyOf(arn, action);
        const request: Request = { principal: p, action, resource: arn, resourceAccount: rp.owner, context };
        const decision = evaluate({
            request,
            identityPolicies: role?.identity ?? [],
            permissionsBoundary: role?.boundary,
            resourcePolicy: rp.policy,
            resourcePolicyMode: rp.mode,
        });
        return { what, request, resourcePolicy: rp.policy?.id, decision };
    }

    /** Decides a probe. S3 object reads/writes on SSE-KMS buckets also decide the KMS call S3 makes for the caller. */
    check(input: ProbeInput): ProbeResult {
        const { principal: p, role, label } = this.principal(input.principal);
        const arn = this.resourceArn(input.resource);
        const origin = input.origin ?? "vpc";
        const ctx = { ...this.contextFor(p, role, input.action, arn, origin), ...(input.context ?? {}) };
        for (const [k, v] of Object.entries(ctx)) if (v === undefined) delete ctx[k];
        const steps = [this.decideOne(`${input.action} on ${arn}`, p, role, input.action, arn, ctx)];
        const bucket = this.buckets.find((b) => arn.startsWith(`${b.arn}/`));
        const kmsAction = /^s3:(GetObject|GetObjectVersion)$/i.test(input.action)
            ? "kms:Decrypt"
            : /^s3:PutObject$/i.test(input.action)
              ? "kms:GenerateDataKey"
              : undefined;
        if (bucket && kmsAction && !input.s3Only && p.type !== "service" && p.type !== "anonymous") {
            const keyArn = /^s3:PutObject$/i.test(input.action)
                ? String(ctx["s3:x-amz-server-side-encryption-aws-kms-key-id"] ?? bucket.kmsKeyArn ?? "")
                : bucket.kmsKeyArn;
            if (keyArn && (bucket.sseAlgorithm === "aws:kms" || ctx["s3:x-amz-server-side-encryption"] === "aws:kms")) {
                const kctx: ContextValues = {
                    ...this.contextFor(p, role, kmsAction, keyArn, origin),
                    "kms:ViaService": `s3.${this.region}.amazonaws.com`,
                    "aws:ViaAWSService": "true",
                    "aws:CalledVia": ["s3.amazonaws.com"],
                    "kms:EncryptionContext:aws:s3:arn": bucket.bucketKey ? bucket.arn : arn,
                    "kms:EncryptionContextKeys": ["aws:s3:arn"],
                };
                // The KMS call is made by S3 from AWS's network: no VPC endpoint or source IP of the caller.
                delete kctx["aws:SourceVpce"];
                delete kctx["aws:SourceVpc"];
                delete kctx["aws:SourceIp"];
                steps.push(this.decideOne(`${kmsAction} on the ${this.keyLabel(keyArn)} (S3 calls KMS for the caller)`, p, role, kmsAction, keyArn, kctx));
            }
        }
        return { principal: label, action: input.action, resource: arn, allowed: steps.every((s) => s.decision.allowed), steps };
    }
}

/** A multi-line explanation of a probe result: each decision, its context and the deciding statements. */
export function explainResult(r: ProbeResult, opts: { context?: boolean } = {}): string {
    const lines = [`${r.allowed ? "ALLOWED" : "DENIED"}: ${r.principal} → ${r.action} on ${r.resource}`];
    for (const s of r.steps) {
        lines.push(`  ${s.decision.verdict.padEnd(16)} ${s.what}`);
        lines.push(`    why: ${s.decision.reason}`);
        lines.push(`    resource policy: ${s.resourcePolicy ?? "(none)"}`);
        if (s.decision.deciding.length) lines.push(`    deciding: ${s.decision.deciding.map(statementLabel).join("; ")}`);
        if (opts.context !== false)
            lines.push(
                `    context: ${Object.entries(s.request.context ?? {})
                    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(",")}]` : v}`)
                    .join(" ")}`,
            );
    }
    return lines.join("\n");
}

export { principalLabel };
