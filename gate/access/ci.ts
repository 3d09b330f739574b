/**
 * The access contract's CI and detective-control part (issue 11): what the platform team's GitHub Actions jobs and
 * AWS Config need, and nothing more.
 *
 *   pull-request preview and nightly drift (`<prefix>-ci-readonly`, components/ci-access.ts): GitHub OIDC for the
 *     repository's pull requests and main branch; read the configuration of every resource the stack manages (what
 *     `pulumi refresh --preview-only` reads); never data (bucket objects, key use, log events, endpoint invocations),
 *     never a write, never assumed from a deployment environment or another repository.
 *   deploy (`pulumi up`): the stack administrators (`security.adminRoleArns`; in CI the bootstrap deployer role, see
 *     docs/ci.md) - their key use is in the deployer probes of contract.ts; the stack's own CI deploy role
 *     (`<prefix>-ci-deploy`, model roll-outs) is assumable only from a GitHub deployment environment, never from a
 *     pull request or a branch.
 *   AWS Config (`<prefix>-config-recorder`, components/detective.ts): assumed by config.amazonaws.com of this account,
 *     delivers snapshots under `<audit bucket>/config/AWSLogs/<account>/Config/` with SSE-KMS (the logs key), from the
 *     service's network (prod's VPC-endpoint restriction exempts it); reads no data.
 * AWS documents: GitHub OIDC subject claims (docs.github.com, "About security hardening with OpenID Connect"),
 * AWS Config delivery with a custom role (https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html).
 */
import type { AccessModel } from "./model";
import { deny, githubOidcOf, need, Probe, webIdentity } from "./probe";

/** A CI role of the stack with the GitHub OIDC provider and repository its trust policy names; undefined without one. */
function ciRole(m: AccessModel, key: "ciReadOnly" | "ciDeploy"): { provider: string; repo: string; host: string; arn: string } | undefined {
    const oidc = m.roles.some((r) => r.key === key) ? githubOidcOf(m, key) : undefined;
    return oidc && { ...oidc, arn: m.role(key).arn };
}

const hasRole = (m: AccessModel, key: string) => m.roles.some((r) => r.key === key);
/** One of the stack's EventBridge rules (`<prefix>-<name>`). */
const ruleArn = (m: AccessModel, name: string) => `arn:aws:events:${m.region}:${m.account}:rule/${m.outputs.namePrefix}-${name}`;
const sagemakerArn = (m: AccessModel, type: string, name: string) => `arn:aws:sagemaker:${m.region}:${m.account}:${type}/${name}`;

/** Needed accesses of the CI jobs and of AWS Config. */
export function ciNeededProbes(m: AccessModel): Probe[] {
    const probes: Probe[] = [];
    const o = m.outputs;
    const ro = ciRole(m, "ciReadOnly");
    if (ro) {
        probes.push(
            need("ci:preview", ro.provider, "sts:AssumeRoleWithWebIdentity", ro.arn, "a pull request's preview job assumes the read-only role", {
                context: webIdentity(ro.host, `repo:${ro.repo}:pull_request`),
            }),
        );
        probes.push(
            need("ci:drift", ro.provider, "sts:AssumeRoleWithWebIdentity", ro.arn, "the nightly drift job on main assumes the read-only role", {
                context: webIdentity(ro.host, `repo:${ro.repo}:ref:refs/heads/main`),
            }),
        );
        const read = (action: string, resource: string, what: string) =>
            probes.push(need("ci:refresh", "ciReadOnly", action, resource, `refresh reads ${what}`, { origin: "outside" }));
        for (const b of m.buckets)
            for (const a of [
                "s3:GetBucketPolicy",
                "s3:GetEncryptionConfiguration",
                "s3:GetBucketTagging",
                "s3:GetBucketPublicAccessBlock",
                "s3:GetLifecycleConfiguration",
            ])
                read(a, b.arn, `the ${b.purpose} bucket's configuration`);
        for (const k of m.keys)
            for (const a of ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"])
                read(a, k.arn, `the ${k.purpose} key's configuration`);
        for (const r of m.roles.filter((x) => !x.external))
            for (const a of ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"]) read(a, r.arn, `role ${r.key}`);
        for (const t of m.topics) read("sns:GetTopicAttributes", t.arn, "the alerts topic");
        for (const g of m.logGroups) read("logs:DescribeLogGroups", g.arn, `log group ${g.name}`);
        for (const f of m.functions) read("lambda:GetFunction", f.arn, `function ${f.name}`);
        read("ec2:DescribeVpcs", "*", "the VPC");
        read("ec2:DescribeAvailabilityZones", "*", "the availability zones the program asks for");
        read("config:DescribeConfigRules", "*", "the detective Config rules");
        read("events:DescribeRule", ruleArn(m, "config-noncompliant"), "the detective routes");
        // the opt-in Step Functions monitor: its state machine (definition encrypted with the logs key) and dead-letter queue
        if (m.roles.some((r) => r.key === "monitorStates")) {
            const sm = `arn:aws:states:${m.region}:${m.account}:stateMachine:${o.namePrefix}-monitor`;
            for (const a of ["states:DescribeStateMachine", "states:ListTagsForResource"]) read(a, sm, "the monitor's state machine");
            for (const a of ["sqs:GetQueueAttributes", "sqs:ListQueueTags"])
                read(a, `arn:aws:sqs:${m.region}:${m.account}:${o.namePrefix}-monitor-dlq`, "the monitor's dead-letter queue");
            probes.push(
                need("ci:refresh", "ciReadOnly", "kms:Decrypt", o.kmsKeyArns.logs, "refresh decrypts the state machine's definition through Step Functions", {
                    context: {
                        "kms:ViaService": `states.${m.region}.amazonaws.com`,
                        "kms:CallerAccount": m.account,
                        "kms:EncryptionContext:aws:states:stateMachineArn": sm,
                    },
                    origin: "outside",
                }),
            );
        }
        if (o.endpoint) {
            read("sagemaker:DescribeEndpoint", sagemakerArn(m, "endpoint", o.endpoint.name), "the endpoint");
            read("sagemaker:DescribeEndpointConfig", sagemakerArn(m, "endpoint-config", `${o.endpoint.name}-config`), "the endpoint configuration");
        }
    }
    if (hasRole(m, "configRecorder")) {
        const audit = m.bucket("audit");
        const acct = m.account;
        probes.push(
            need("detective:config", "config.amazonaws.com", "sts:AssumeRole", m.role("configRecorder").arn, "AWS Config assumes the recorder role", {
                context: { "aws:SourceAccount": acct },
            }),
        );
        probes.push(
            need("detective:config", "configRecorder", "s3:GetBucketAcl", audit.arn, "Config checks the audit bucket's ACL before delivery", {
                origin: "outside",
            }),
        );
        const snapshot = `${audit.arn}/config/AWSLogs/${acct}/Config/${m.region}/2026/12/2/ConfigSnapshot/${acct}_Config_${m.region}_ConfigSnapshot_x.json.gz`;
        const sse = {
            "s3:x-amz-acl": "bucket-owner-full-control",
            "s3:x-amz-server-side-encryption": "aws:kms",
            ...(audit.kmsKeyArn ? { "s3:x-amz-server-side-encryption-aws-kms-key-id": audit.kmsKeyArn } : {}),
        };
        probes.push(
            need(
                "detective:config",
                "configRecorder",
                "s3:PutObject",
                snapshot,
                "Config delivers snapshots and history (SSE-KMS with the audit key) from the service's network",
                { origin: "outside", context: sse },
            ),
        );
    }
    for (const t of m.topics) {
        for (const key of ["config-noncompliant", "securityhub-finding"]) {
            probes.push(
                need("detective:respond", "events.amazonaws.com", "sns:Publish", t.arn, `EventBridge rule ${key} publishes to the alerts topic`, {
                    context: { "aws:SourceAccount": m.account, "aws:SourceArn": ruleArn(m, key) },
                }),
            );
        }
    }
    return probes;
}

/** Forbidden accesses of the CI roles and AWS Config. */
export function ciForbiddenProbes(m: AccessModel): Probe[] {
    const probes: Probe[] = [];
    const o = m.outputs;
    const ro = ciRole(m, "ciReadOnly");
    if (ro) {
        for (const sub of [
            `repo:${ro.repo}:environment:${o.environment}`,
            `repo:${ro.repo}:ref:refs/heads/feature`,
            "repo:someone-else/ml-platform:pull_request",
        ]) {
            probes.push(
                deny("forbidden:ci-readonly", ro.provider, "sts:AssumeRoleWithWebIdentity", ro.arn, `the read-only role is not for ${sub}`, {
                    context: webIdentity(ro.host, sub),
                }),
            );
        }
        probes.push(
            deny("forbidden:ci-readonly", ro.provider, "sts:AssumeRoleWithWebIdentity", ro.arn, "a token for another audience", {
                context: webIdentity(ro.host, `repo:${ro.repo}:pull_request`, "https://example.com"),
            }),
        );
        /** The read-only role, from outside the VPC (where the CI runners are), must not do `action`. */
        const forbid = (action: string, resource: string, why: string, extra: Partial<Probe> = {}) =>
            probes.push(deny("forbidden:ci-readonly", "ciReadOnly", action, resource, why, { origin: "outside", ...extra }));
        for (const b of m.buckets) {
            for (const a of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                forbid(a, `${b.arn}/any/object`, `preview and drift read configuration, never ${b.purpose} data`, { s3Only: true });
            for (const a of ["s3:PutBucketPolicy", "s3:PutEncryptionConfiguration", "s3:DeleteBucket"]) forbid(a, b.arn, "the read-only role changes nothing");
        }
        for (const k of m.keys)
            for (const a of ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:PutKeyPolicy", "kms:DisableKey"])
                forbid(a, k.arn, `no use or change of the ${k.purpose} key`);
        for (const g of m.logGroups) forbid("logs:GetLogEvents", `${g.arn}:log-stream:x`, `no reading of ${g.name}'s events`);
        for (const r of m.roles.filter((x) => !x.external)) {
            for (const a of ["iam:PassRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole"]) forbid(a, r.arn, `no change to ${r.key}`);
        }
        if (o.endpoint) {
            const ep = sagemakerArn(m, "endpoint", o.endpoint.name);
            for (const a of ["sagemaker:InvokeEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DeleteEndpoint", "sagemaker:CreateEndpoint"])
                forbid(a, ep, "no endpoint invocation or change");
        }
        for (const a of ["config:DeleteConfigRule", "config:StopConfigurationRecorder", "config:PutConfigRule"])
            forbid(a, "*", "no change to the detective controls");
        for (const a of ["events:DisableRule", "events:DeleteRule", "events:PutRule", "events:RemoveTargets"])
            forbid(a, ruleArn(m, "config-noncompliant"), "no change to the detective routes");
        for (const t of m.topics) forbid("sns:Publish", t.arn, "no publishing to the alerts topic");
        if (m.roles.some((r) => r.key === "monitorStates")) {
            const sm = `arn:aws:states:${m.region}:${m.account}:stateMachine:${o.namePrefix}-monitor`;
            const smCtx = { "kms:CallerAccount": m.account, "kms:EncryptionContext:aws:states:stateMachineArn": sm };
            forbid("kms:Decrypt", o.kmsKeyArns.logs, "the state machine's data only through Step Functions, not with KMS directly", { context: smCtx });
            for (const a of ["kms:Decrypt", "kms:GenerateDataKey"])
                forbid(a, o.kmsKeyArns.logs, "through Step Functions only under this state machine's context", {
                    context: {
                        ...smCtx,
                        "kms:ViaService": `states.${m.region}.amazonaws.com`,
                        "kms:EncryptionContext:aws:states:stateMachineArn": `${sm}-other`,
                    },
                });
            forbid("kms:GenerateDataKey", o.kmsKeyArns.logs, "no encrypting under the state machine's context", {
                context: { ...smCtx, "kms:ViaService": `states.${m.region}.amazonaws.com` },
            });
            const execution = `arn:aws:states:${m.region}:${m.account}:execution:${o.namePrefix}-monitor:run-1`;
            for (const a of ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"])
                forbid(a, execution, "no reading or stopping the monitor's executions (execution data)");
            for (const a of ["states:StartExecution", "states:UpdateStateMachine", "states:DeleteStateMachine"])
                forbid(a, sm, "no starting or changing the state machine");
            for (const a of ["sqs:ReceiveMessage", "sqs:SendMessage", "sqs:SetQueueAttributes"])
                forbid(a, `arn:aws:sqs:${m.region}:${m.account}:${o.namePrefix}-monitor-dlq`, "no dead letters read, written or reconfigured");
        }
    }
    const deploy = ciRole(m, "ciDeploy");
    if (deploy) {
        for (const sub of [
            `repo:${deploy.repo}:pull_request`,
            `repo:${deploy.repo}:ref:refs/heads/main`,
            `repo:${deploy.repo}:environment:${o.environment === "prod" ? "dev" : "prod"}`,
        ]) {
            probes.push(
                deny(
                    "forbidden:ci-deploy",
                    deploy.provider,
                    "sts:AssumeRoleWithWebIdentity",
                    deploy.arn,
                    `the ${o.environment} deploy role is only for its GitHub environment, not ${sub}`,
                    { context: webIdentity(deploy.host, sub) },
                ),
            );
        }
    }
    if (hasRole(m, "configRecorder")) {
        const audit = m.bucket("audit").arn;
        const acl = { "s3:x-amz-acl": "bucket-owner-full-control" };
        probes.push(
            deny(
                "forbidden:detective",
                "config.amazonaws.com",
                "sts:AssumeRole",
                m.role("configRecorder").arn,
                "another account's Config must not assume the recorder role",
                { context: { "aws:SourceAccount": "999988887777" } },
            ),
        );
        for (const b of m.buckets.filter((x) => x.purpose !== "audit"))
            probes.push(
                deny(
                    "forbidden:detective",
                    "configRecorder",
                    "s3:GetObject",
                    `${b.arn}/any/object`,
                    `the recorder reads configuration, not ${b.purpose} data`,
                    { s3Only: true },
                ),
            );
        probes.push(
            deny("forbidden:detective", "configRecorder", "s3:PutObject", `${audit}/elsewhere/x`, "Config writes only under config/AWSLogs/<account>/Config/", {
                s3Only: true,
                context: acl,
            }),
        );
        probes.push(
            deny(
                "forbidden:detective",
                "configRecorder",
                "s3:PutObject",
                `${audit}/config/AWSLogs/999988887777/Config/x`,
                "not under another account's prefix",
                { s3Only: true, context: acl },
            ),
        );
    }
    return probes;
}
