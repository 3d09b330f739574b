/**
 * The access contract of a stack: every access the platform needs must be Allowed, every access it must not have must
 * be Denied. "Needed" comes from the code: the lifecycle steps' calls (lib/aws/permissions.ts `stepAccesses`), the AWS
 * services that deliver into the platform (each from the AWS document that describes its delivery), the serverless
 * monitor and the endpoint at run time, and the deployer. "Forbidden" is the platform's security promise: no anonymous
 * or foreign-account access to any bucket, key, topic or function; no plaintext (non-TLS) S3 access; in prod no data
 * access outside the S3 VPC endpoint; no role reaching another role's prefixes or the audit trail; no IAM escalation.
 */
import { stepAccesses } from "../../lib/aws/permissions";
import { ciForbiddenProbes, ciNeededProbes } from "./ci";
import { AccessModel, explainResult, Origin, ProbeResult } from "./model";
import { deny, need, Probe } from "./probe";

export type { Probe } from "./probe";

export interface ProbeOutcome {
    probe: Probe;
    result: ProbeResult;
    ok: boolean;
}

export interface ContractReport {
    stack: string;
    needed: number;
    forbidden: number;
    failures: ProbeOutcome[];
    outcomes: ProbeOutcome[];
}

/** Needed accesses of a stack. */
export function neededProbes(m: AccessModel): Probe[] {
    const o = m.outputs;
    const probes: Probe[] = [];
    const acct = m.account;
    const region = m.region;
    const has = (key: string) => m.roles.some((r) => r.key === key);
    const prod = o.environment === "prod";
    // Lifecycle steps. In prod the operator runs inside the VPC (the buckets admit data access only through the S3
    // gateway endpoint); in dev from anywhere.
    // The stack administrators (security.adminRoleArns, docs/deploy.md) run the same steps from outside the VPC (the
    // prod bucket policies exempt them).
    const admins = m.roles.filter((r) => r.key.startsWith("admin:") || r.key.startsWith("breakGlass:")).map((r) => r.key);
    for (const a of stepAccesses(o)) {
        const origin: Origin = a.origin ?? (a.principal === "pipeline" || a.principal === "ciDeploy" ? (prod ? "vpc" : "outside") : "vpc");
        probes.push(need(`step:${a.step}`, a.principal, a.action, a.resource, `${a.step}: ${a.why}`, { context: a.context, origin }));
        if (a.principal === "pipeline")
            for (const admin of admins)
                probes.push(
                    need(`step:${a.step}`, admin, a.action, a.resource, `${a.step} run by an administrator: ${a.why}`, {
                        context: a.context,
                        origin: "outside",
                    }),
                );
    }
    // Auditors (security.auditorRoleArns) and administrators read CloudTrail's log files: S3, then KMS with the trail's
    // encryption context (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail-decrypt.html).
    const audit = m.buckets.find((b) => b.purpose === "audit");
    if (o.trailArn && audit?.kmsKeyArn) {
        for (const r of m.roles.filter((x) => x.key.startsWith("auditor:") || x.key.startsWith("admin:") || x.key.startsWith("breakGlass:"))) {
            const file = `${audit.arn}/cloudtrail/AWSLogs/${acct}/CloudTrail/${region}/2026/12/02/log.json.gz`;
            const origin: Origin = r.key.startsWith("auditor:") && prod ? "vpc" : "outside";
            probes.push(need("auditor", r.key, "s3:GetObject", file, "read a CloudTrail log file", { s3Only: true, origin }));
            probes.push(
                need("auditor", r.key, "kms:Decrypt", audit.kmsKeyArn, "decrypt a CloudTrail log file", {
                    origin,
                    context: {
                        "kms:ViaService": `s3.${region}.amazonaws.com`,
                        "kms:EncryptionContext:aws:cloudtrail:arn": o.trailArn,
                        "kms:CallerAccount": acct,
                    },
                }),
            );
        }
    }

    // Role assumption: SageMaker execution roles, the monitor Lambda, the delivery roles, the CI deploy role (GitHub OIDC).
    const src = { "aws:SourceAccount": acct };
    for (const r of ["processing", "training", "hosting", "monitoring", "featureStore", "pipeline"]) {
        if (has(r))
            probes.push(
                need("assume", "sagemaker.amazonaws.com", "sts:AssumeRole", m.role(r).arn, `SageMaker assumes the ${r} execution role`, { context: src }),
            );
    }
    if (has("serverlessMonitor"))
        probes.push(
            need("assume", "lambda.amazonaws.com", "sts:AssumeRole", m.role("serverlessMonitor").arn, "Lambda assumes the monitor's role", { context: src }),
        );
    if (has("flowLogs"))
        probes.push(
            need("assume", "vpc-flow-logs.amazonaws.com", "sts:AssumeRole", m.role("flowLogs").arn, "VPC Flow Logs assumes its delivery role", {
                context: { ...src, "aws:SourceArn": `arn:aws:ec2:${region}:${acct}:vpc-flow-log/fl-0123456789abcdef0` },
            }),
        );
    if (has("budgetAction"))
        probes.push(
            need("assume", "budgets.amazonaws.com", "sts:AssumeRole", m.role("budgetAction").arn, "Budgets assumes the budget-action role", {
                context: { ...src, "aws:SourceArn": `arn:aws:budgets::${acct}:budget/${o.budgetName}/action/a1` },
            }),
        );
    if (has("trailToLogs") && o.trailArn)
        probes.push(
            need("assume", "cloudtrail.amazonaws.com", "sts:AssumeRole", m.role("trailToLogs").arn, "CloudTrail assumes its CloudWatch Logs role", {
                context: { ...src, "aws:SourceArn": o.trailArn },
            }),
        );
    const ci = m.roles.find((r) => r.key === "ciDeploy");
    const oidc = ci?.trust?.statements.flatMap((s) => (s.principal && s.principal !== "*" ? (s.principal.Federated ?? []) : []))[0];
    const subject = ci?.trust?.statements.flatMap((s) => Object.values(s.condition.StringLike ?? {}).flat())[0];
    if (ci && oidc && subject) {
        probes.push(
            need("deployer", oidc, "sts:AssumeRoleWithWebIdentity", ci.arn, "GitHub Actions (OIDC) assumes the CI deploy role", {
                context: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": subject.replace(/\*/g, "x"),
                },
            }),
        );
    }

    // The deployer (the CI deploy role and security.adminRoleArns) creates the feature group, whose online and offline
    // stores use the data key: CreateFeatureGroup needs the caller to hold key use (SageMaker API reference,
    // OnlineStoreSecurityConfig.KmsKeyId; issue 9 defect 3), through SageMaker.
    for (const r of m.roles.filter((x) => x.key === "ciDeploy" || x.key.startsWith("admin:") || x.key.startsWith("breakGlass:"))) {
        const via = { "kms:ViaService": `sagemaker.${region}.amazonaws.com`, "kms:CallerAccount": acct };
        for (const a of ["kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"])
            probes.push(need("deployer", r.key, a, o.kmsKeyArns.data, "CreateFeatureGroup with the data key", { context: via, origin: "outside" }));
        probes.push(
            need("deployer", r.key, "kms:CreateGrant", o.kmsKeyArns.data, "CreateFeatureGroup: grant for the online store", {
                context: { ...via, "kms:GrantIsForAWSResource": "true" },
                origin: "outside",
            }),
        );
    }

    // CloudTrail delivery (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html,
    // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
    if (o.trailArn) {
        const audit = m.bucket("audit");
        const trailCtx = { "aws:SourceArn": o.trailArn, "aws:SourceAccount": acct };
        probes.push(
            need("delivery:cloudtrail", "cloudtrail.amazonaws.com", "s3:GetBucketAcl", audit.arn, "CloudTrail checks the bucket ACL", { context: trailCtx }),
        );
        probes.push(
            need(
                "delivery:cloudtrail",
                "cloudtrail.amazonaws.com",
                "s3:PutObject",
                `${audit.arn}/cloudtrail/AWSLogs/${acct}/CloudTrail/${region}/2026/12/02/log.json.gz`,
                "CloudTrail writes log files",
                { context: { ...trailCtx, "s3:x-amz-acl": "bucket-owner-full-control" }, s3Only: true },
            ),
        );
        if (audit.kmsKeyArn) {
            const ec = { ...trailCtx, "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:${region}:${acct}:trail/${o.trailArn.split("/").pop()}` };
            probes.push(
                need("delivery:cloudtrail", "cloudtrail.amazonaws.com", "kms:GenerateDataKey", audit.kmsKeyArn, "CloudTrail encrypts log files (SSE-KMS)", {
                    context: ec,
                }),
            );
            probes.push(
                need(
                    "delivery:cloudtrail",
                    "cloudtrail.amazonaws.com",
                    "kms:DescribeKey",
                    audit.kmsKeyArn,
                    "CloudTrail describes the key at CreateTrail/UpdateTrail",
                    { context: trailCtx },
                ),
            );
        }
        const trailGroup = m.logGroups.find((g) => /cloudtrail/.test(g.name));
        if (trailGroup && has("trailToLogs")) {
            probes.push(
                need(
                    "delivery:cloudtrail",
                    "trailToLogs",
                    "logs:CreateLogStream",
                    `${trailGroup.arn}:log-stream:${acct}_CloudTrail_${region}`,
                    "CloudTrail → CloudWatch Logs",
                    { origin: "outside" },
                ),
            );
            probes.push(
                need(
                    "delivery:cloudtrail",
                    "trailToLogs",
                    "logs:PutLogEvents",
                    `${trailGroup.arn}:log-stream:${acct}_CloudTrail_${region}`,
                    "CloudTrail → CloudWatch Logs",
                    { origin: "outside" },
                ),
            );
        }
    }
    // CloudWatch Logs with KMS: the key policy must allow logs.<region>.amazonaws.com with the log group's encryption
    // context (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    for (const g of m.logGroups.filter((x) => x.kmsKeyArn)) {
        const ctx = { "kms:EncryptionContext:aws:logs:arn": g.arn, "aws:SourceAccount": acct };
        for (const a of ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"])
            probes.push(need("delivery:logs", `logs.${region}.amazonaws.com`, a, g.kmsKeyArn!, `CloudWatch Logs encrypts ${g.name}`, { context: ctx }));
    }
    // S3 server access logging (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general).
    const logs = m.buckets.find((b) => b.purpose === "accessLogs");
    if (logs) {
        for (const b of m.buckets.filter((x) => x !== logs)) {
            probes.push(
                need(
                    "delivery:s3-access-logs",
                    "logging.s3.amazonaws.com",
                    "s3:PutObject",
                    `${logs.arn}/${b.purpose}/${acct}/${region}/${b.name}/2026/12/02/log`,
                    `access logs of ${b.purpose}`,
                    { context: { "aws:SourceArn": b.arn, "aws:SourceAccount": acct } },
                ),
            );
        }
    }
    // SNS publishers (topic policy + the topic's KMS key: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    const publishers: [string, string][] = [
        ["cloudwatch.amazonaws.com", `arn:aws:cloudwatch:${region}:${acct}:alarm:${o.namePrefix}-p99-latency`],
        ["events.amazonaws.com", `arn:aws:events:${region}:${acct}:rule/${o.namePrefix}-sagemaker-job-failed`],
        ["budgets.amazonaws.com", `arn:aws:budgets::${acct}:budget/${o.budgetName}`],
        ["costalerts.amazonaws.com", `arn:aws:ce::${acct}:anomalysubscription/0123`],
    ];
    for (const t of m.topics) {
        for (const [svc, source] of publishers) {
            const ctx = { "aws:SourceArn": source, "aws:SourceAccount": acct };
            probes.push(need("delivery:sns", svc, "sns:Publish", t.arn, `${svc} publishes alerts`, { context: ctx }));
            if (t.kmsKeyArn) {
                for (const a of ["kms:GenerateDataKey", "kms:Decrypt"])
                    probes.push(need("delivery:sns", svc, a, t.kmsKeyArn, `${svc} publishes to the encrypted topic`, { context: ctx }));
            }
        }
    }
    // VPC flow logs to CloudWatch Logs (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html).
    const flowGroup = m.logGroups.find((g) => /flow-logs/.test(g.name));
    if (flowGroup && has("flowLogs")) {
        for (const a of ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"])
            probes.push(need("delivery:flow-logs", "flowLogs", a, `${flowGroup.arn}:log-stream:eni-0123`, "VPC Flow Logs delivery", { origin: "outside" }));
    }
    // Budgets action: attach the deny policy to the platform roles (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-controls.html).
    if (has("budgetAction")) {
        const denyPolicy = m.run.resources.find((r) => r.type === "aws:iam/policy:Policy" && /budget-deny/.test(String(r.outputs.name)));
        if (denyPolicy)
            for (const r of ["training", "processing"])
                if (has(r))
                    probes.push(
                        need("delivery:budgets", "budgetAction", "iam:AttachRolePolicy", m.role(r).arn, "budget action attaches the deny policy", {
                            context: { "iam:PolicyARN": String(denyPolicy.outputs.arn) },
                            origin: "outside",
                        }),
                    );
    }
    // The serverless monitor at run time (components/serverless-monitor.ts, lib/monitoring/lambda/handler.ts).
    const fn = m.functions.find((f) => /serverless-monitor/.test(f.name));
    if (fn && o.endpoint && has("serverlessMonitor")) {
        const ep = o.endpoint.name;
        probes.push(
            need("runtime:monitor", "events.amazonaws.com", "lambda:InvokeFunction", fn.arn, "the schedule invokes the monitor", {
                context: { "aws:SourceArn": `arn:aws:events:${region}:${acct}:rule/${fn.name}-schedule`, "aws:SourceAccount": acct },
            }),
        );
        probes.push(
            need("runtime:monitor", "serverlessMonitor", "s3:ListBucket", m.bucket("capture").arn, "list capture", {
                context: { "s3:prefix": `datacapture/${ep}/champion/2026/12/02/06/` },
            }),
        );
        probes.push(
            need(
                "runtime:monitor",
                "serverlessMonitor",
                "s3:GetObject",
                `${o.endpoint.captureUri}${ep}/champion/2026/12/02/06/c.jsonl`,
                "read capture (data key via S3)",
            ),
        );
        probes.push(
            need("runtime:monitor", "serverlessMonitor", "s3:GetObject", `${o.buckets.monitoring.uri}baselines/${ep}/statistics.json`, "read the baseline"),
        );
        probes.push(
            need(
                "runtime:monitor",
                "serverlessMonitor",
                "s3:PutObject",
                `${o.buckets.monitoring.uri}reports/data-quality/${ep}/${o.namePrefix}-data-quality/2026/12/02/06/report.json`,
                "write reports (logs key via S3)",
                { context: { "s3:x-amz-server-side-encryption-aws-kms-key-id": o.kmsKeyArns.logs } },
            ),
        );
        if (fn.kmsKeyArn)
            probes.push(
                need("runtime:monitor", "serverlessMonitor", "kms:Decrypt", fn.kmsKeyArn, "decrypt its own environment", {
                    context: { "kms:EncryptionContext:aws:lambda:FunctionArn": fn.arn, "kms:ViaService": `lambda.${region}.amazonaws.com` },
                }),
            );
        const lg = m.logGroups.find((g) => g.name === `/aws/lambda/${fn.name}`);
        if (lg)
            probes.push(need("runtime:monitor", "serverlessMonitor", "logs:PutLogEvents", `${lg.arn}:log-stream:2026/12/02/[$LATEST]abc`, "write its logs"));
    }
    // The distributed monitor at run time (components/distributed-monitor.ts, lib/monitoring/distributed): the scheduler
    // starts the state machine; it invokes the worker (plan, profile) and reducer, starts its Distributed Map child
    // executions and reads the plan (ItemReader, from Step Functions' network: exempt from the VPC-endpoint rule) -
    // https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html.
    const worker = m.functions.find((f) => f.name === `${o.namePrefix}-monitor-worker`);
    const reducer = m.functions.find((f) => f.name === `${o.namePrefix}-monitor-reduce`);
    if (o.endpoint && worker && reducer && has("monitorWorker") && has("monitorReduce") && has("monitorStates") && has("monitorScheduler")) {
        const ep = o.endpoint.name;
        const g = "runtime:distributed-monitor";
        const sm = `arn:aws:states:${region}:${acct}:stateMachine:${o.namePrefix}-monitor`;
        const run = `${o.buckets.monitoring.uri}partials/${ep}/${o.namePrefix}-data-quality/2026/12/02/07/exec-1`;
        const sse = { "s3:x-amz-server-side-encryption-aws-kms-key-id": o.kmsKeyArns.logs };
        probes.push(
            need("assume", "lambda.amazonaws.com", "sts:AssumeRole", m.role("monitorWorker").arn, "Lambda assumes the worker's role", { context: src }),
        );
        probes.push(
            need("assume", "lambda.amazonaws.com", "sts:AssumeRole", m.role("monitorReduce").arn, "Lambda assumes the reducer's role", { context: src }),
        );
        probes.push(
            need("assume", "states.amazonaws.com", "sts:AssumeRole", m.role("monitorStates").arn, "Step Functions assumes the state machine's role", {
                context: src,
            }),
        );
        probes.push(
            need("assume", "scheduler.amazonaws.com", "sts:AssumeRole", m.role("monitorScheduler").arn, "EventBridge Scheduler assumes its role", {
                context: src,
            }),
        );
        probes.push(need(g, "monitorScheduler", "states:StartExecution", sm, "the hourly schedule starts the state machine", { origin: "outside" }));
        probes.push(need(g, "monitorStates", "lambda:InvokeFunction", worker.arn, "plan and profile batches", { origin: "outside" }));
        probes.push(need(g, "monitorStates", "lambda:InvokeFunction", reducer.arn, "reduce", { origin: "outside" }));
        probes.push(need(g, "monitorStates", "states:StartExecution", sm, "Distributed Map child executions", { origin: "outside" }));
        probes.push(need(g, "monitorStates", "s3:GetObject", `${run}/manifest.json`, "the ItemReader reads the plan", { origin: "outside" }));
        probes.push(
            need(g, "monitorStates", "sqs:SendMessage", `arn:aws:sqs:${region}:${acct}:${o.namePrefix}-monitor-dlq`, "dead-letter a failed batch or run", {
                origin: "outside",
            }),
        );
        probes.push(
            need(g, "monitorWorker", "s3:ListBucket", m.bucket("capture").arn, "plan: list the hour's capture", {
                context: { "s3:prefix": `datacapture/${ep}/champion/2026/12/02/06/` },
            }),
        );
        probes.push(
            need(g, "monitorWorker", "s3:GetObject", `${o.endpoint.captureUri}${ep}/champion/2026/12/02/06/c.jsonl`, "profile capture (data key via S3)"),
        );
        probes.push(need(g, "monitorWorker", "s3:GetObject", `${o.buckets.monitoring.uri}baselines/${ep}/constraints.json`, "plan: the baseline's columns"));
        probes.push(need(g, "monitorWorker", "s3:PutObject", `${run}/manifest.json`, "plan: write the manifest", { context: sse }));
        probes.push(need(g, "monitorWorker", "s3:PutObject", `${run}/batches/b000001.json`, "write a batch's partial profile", { context: sse }));
        probes.push(need(g, "monitorReduce", "s3:GetObject", `${o.buckets.monitoring.uri}baselines/${ep}/statistics.json`, "read the baseline"));
        probes.push(
            need(g, "monitorReduce", "s3:ListBucket", m.bucket("monitoring").arn, "list the run's partials", {
                context: { "s3:prefix": `partials/${ep}/${o.namePrefix}-data-quality/2026/12/02/07/exec-1/batches/` },
            }),
        );
        probes.push(need(g, "monitorReduce", "s3:GetObject", `${run}/batches/b000001.json`, "read a partial profile"));
        probes.push(need(g, "monitorReduce", "s3:DeleteObject", `${run}/batches/b000001.json`, "delete the run's partials after the report"));
        probes.push(
            need(
                g,
                "monitorReduce",
                "s3:PutObject",
                `${o.buckets.monitoring.uri}reports/data-quality/${ep}/${o.namePrefix}-data-quality/2026/12/02/07/statistics.json`,
                "write the report",
                { context: sse },
            ),
        );
        // The state machine's data is encrypted with the monitoring key (the logs key), "Data at rest encryption in Step
        // Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html): the execution role
        // calls KMS itself under the state machine's encryption context, and generates the log delivery's data key
        // (CloudWatch Logs integration) that CloudWatch Logs' delivery service decrypts.
        const smCtx = { "kms:EncryptionContext:aws:states:stateMachineArn": sm, "kms:CallerAccount": acct };
        const logDelivery = { "kms:EncryptionContext:SourceArn": `arn:aws:logs:${region}:${acct}:*` };
        for (const a of ["kms:GenerateDataKey", "kms:Decrypt"])
            probes.push(need(g, "monitorStates", a, o.kmsKeyArns.logs, "execution data under the state machine's key", { context: smCtx, origin: "outside" }));
        probes.push(
            need(g, "monitorStates", "kms:GenerateDataKey", o.kmsKeyArns.logs, "the data key of its log delivery", {
                context: { ...logDelivery, "kms:CallerAccount": acct },
                origin: "outside",
            }),
        );
        probes.push(
            need("delivery:logs", "delivery.logs.amazonaws.com", "kms:Decrypt", o.kmsKeyArns.logs, "CloudWatch Logs delivers the state machine's logs", {
                context: logDelivery,
            }),
        );
        // Whoever runs `pulumi up` creates, updates and reads the state machine: the key through Step Functions.
        for (const r of m.roles.filter((x) => x.key.startsWith("admin:") || x.key.startsWith("breakGlass:"))) {
            const via = { "kms:ViaService": `states.${region}.amazonaws.com`, "kms:CallerAccount": acct };
            probes.push(
                need("deployer", r.key, "kms:DescribeKey", o.kmsKeyArns.logs, "CreateStateMachine with a customer-managed key", {
                    context: via,
                    origin: "outside",
                }),
            );
            for (const a of ["kms:GenerateDataKey", "kms:Decrypt"])
                probes.push(
                    need("deployer", r.key, a, o.kmsKeyArns.logs, "Create/Update/DescribeStateMachine of the encrypted state machine", {
                        context: { ...via, ...smCtx },
                        origin: "outside",
                    }),
                );
        }
        for (const [key, fnm] of [
            ["monitorWorker", worker],
            ["monitorReduce", reducer],
        ] as const) {
            if (fnm.kmsKeyArn)
                probes.push(
                    need(g, key, "kms:Decrypt", fnm.kmsKeyArn, "decrypt its own environment", {
                        context: { "kms:EncryptionContext:aws:lambda:FunctionArn": fnm.arn, "kms:ViaService": `lambda.${region}.amazonaws.com` },
                    }),
                );
            const lg = m.logGroups.find((x) => x.name === `/aws/lambda/${fnm.name}`);
            if (lg) probes.push(need(g, key, "logs:PutLogEvents", `${lg.arn}:log-stream:2026/12/02/[$LATEST]abc`, "write its logs"));
        }
    }
    // Feature Store: the offline store writer (https://docs.aws.amazon.com/sagemaker/latest/dg/feature-store-adding-policies.html).
    if (has("featureStore")) {
        const offline = `${o.offlineStoreUri}${acct}/sagemaker/${region}/offline-store/${o.featureGroupNames[0]}/data/part.parquet`;
        probes.push(
            need("runtime:feature-store", "featureStore", "s3:PutObject", offline, "offline store writes", {
                origin: "outside",
                context: { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": o.kmsKeyArns.data },
            }),
        );
        probes.push(
            need("runtime:feature-store", "featureStore", "s3:PutObjectAcl", offline, "offline store sets bucket-owner-full-control", { origin: "outside" }),
        );
        probes.push(
            need("runtime:feature-store", "featureStore", "s3:GetBucketAcl", m.bucket("curated").arn, "offline store checks the bucket", { origin: "outside" }),
        );
    }
    // CI jobs (preview, drift) and AWS Config (issue 11): gate/access/ci.ts.
    probes.push(...ciNeededProbes(m));
    return probes;
}

const AUDIT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
const ESCALATION = [
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:CreateRole",
    "iam:CreateAccessKey",
    "iam:CreateUser",
];

/** Which bucket prefixes each role may touch; anything else in the data buckets is forbidden to it. */
function ownPrefixes(m: AccessModel): Record<string, { read: string[]; write: string[] }> {
    const ep = m.outputs.endpoint?.name ?? "endpoint";
    return {
        processing: { read: ["raw/", "curated/", "artifacts/features/", "artifacts/code/"], write: ["curated/", "artifacts/features/"] },
        training: { read: ["curated/", "artifacts/models/", "artifacts/features/"], write: ["artifacts/models/", "artifacts/checkpoints/"] },
        hosting: {
            read: ["artifacts/", "curated/batch-transform/input/", "curated/model-input/"],
            write: ["capture/", "curated/evaluation/", "curated/batch-transform/output/"],
        },
        monitoring: { read: ["capture/", "monitoring/"], write: ["monitoring/"] },
        serverlessMonitor: { read: [`capture/datacapture/${ep}/`, `monitoring/baselines/${ep}/`], write: [`monitoring/reports/data-quality/${ep}/`] },
        // the distributed monitor: the worker never writes reports, the reducer never reads capture
        monitorWorker: { read: [`capture/datacapture/${ep}/`, `monitoring/baselines/${ep}/`], write: [`monitoring/partials/${ep}/`] },
        monitorReduce: { read: [`monitoring/baselines/${ep}/`, `monitoring/partials/${ep}/`], write: [`monitoring/reports/data-quality/${ep}/`] },
        monitorStates: { read: [`monitoring/partials/${ep}/`], write: [] },
        monitorScheduler: { read: [], write: [] },
        featureStore: { read: ["curated/feature-store/"], write: ["curated/feature-store/"] },
        ciDeploy: { read: ["artifacts/models/"], write: [] },
    };
}

/** Forbidden accesses of a stack. */
export function forbiddenProbes(m: AccessModel): Probe[] {
    const o = m.outputs;
    const probes: Probe[] = [];
    const prod = o.environment === "prod";
    // Anonymous and foreign-account access to every bucket, key, topic and function.
    for (const who of ["anonymous", "foreign"]) {
        for (const b of m.buckets) {
            for (const a of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                probes.push(
                    deny(`forbidden:${who}`, who, a, `${b.arn}/any/object`, `${who} must not touch ${b.purpose} objects`, { origin: "outside", s3Only: true }),
                );
            for (const a of ["s3:ListBucket", "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketAcl"])
                probes.push(deny(`forbidden:${who}`, who, a, b.arn, `${who} must not list or administer ${b.purpose}`, { origin: "outside" }));
        }
        for (const k of m.keys)
            for (const a of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"])
                probes.push(deny(`forbidden:${who}`, who, a, k.arn, `${who} must not use or administer the ${k.purpose} key`, { origin: "outside" }));
        for (const t of m.topics)
            for (const a of ["sns:Publish", "sns:Subscribe", "sns:SetTopicAttributes"])
                probes.push(deny(`forbidden:${who}`, who, a, t.arn, `${who} must not use the alerts topic`, { origin: "outside" }));
        for (const f of m.functions)
            probes.push(deny(`forbidden:${who}`, who, "lambda:InvokeFunction", f.arn, `${who} must not invoke ${f.name}`, { origin: "outside" }));
        for (const r of m.roles.filter((x) => !x.external))
            probes.push(deny(`forbidden:${who}`, who, "sts:AssumeRole", r.arn, `${who} must not assume ${r.key}`, { origin: "outside" }));
    }
    // A service principal from another account (confused deputy): SourceAccount/SourceArn conditions must hold.
    for (const t of m.topics)
        probes.push(
            deny("forbidden:confused-deputy", "events.amazonaws.com", "sns:Publish", t.arn, "another account's EventBridge rule must not publish", {
                context: { "aws:SourceAccount": "999988887777", "aws:SourceArn": "arn:aws:events:us-east-1:999988887777:rule/x" },
            }),
        );
    if (o.trailArn)
        probes.push(
            deny(
                "forbidden:confused-deputy",
                "cloudtrail.amazonaws.com",
                "s3:PutObject",
                `${m.bucket("audit").arn}/cloudtrail/AWSLogs/999988887777/x.json.gz`,
                "another account's trail must not write to the audit bucket",
                {
                    context: {
                        "aws:SourceAccount": "999988887777",
                        "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:999988887777:trail/x",
                        "s3:x-amz-acl": "bucket-owner-full-control",
                    },
                    s3Only: true,
                },
            ),
        );

    const workloads = m.roles.filter(
        (r) =>
            !r.external &&
            [
                "processing",
                "training",
                "hosting",
                "monitoring",
                "featureStore",
                "pipeline",
                "ciDeploy",
                "serverlessMonitor",
                "monitorWorker",
                "monitorReduce",
                "monitorStates",
                "monitorScheduler",
            ].includes(r.key),
    );
    // Plaintext: every workload role, every bucket it can otherwise reach.
    for (const r of workloads) {
        for (const b of m.buckets)
            probes.push(
                deny("forbidden:non-tls", r.key, "s3:GetObject", `${b.arn}/any/object`, "no S3 access without TLS", {
                    context: { "aws:SecureTransport": "false" },
                    s3Only: true,
                }),
            );
    }
    // Prod: data access outside the VPC endpoint (the CI deploy and Feature Store roles are the documented exceptions).
    if (prod) {
        // (and the distributed monitor's state machine role, which reads its plan from Step Functions' network)
        for (const r of workloads.filter((x) => x.key !== "ciDeploy" && x.key !== "featureStore" && x.key !== "monitorStates")) {
            for (const b of m.buckets.filter((x) => x.purpose !== "accessLogs")) {
                probes.push(
                    deny("forbidden:outside-vpc-endpoint", r.key, "s3:GetObject", `${b.arn}/any/object`, "prod data only through the S3 VPC endpoint", {
                        origin: "outside",
                        s3Only: true,
                    }),
                );
                probes.push(
                    deny("forbidden:outside-vpc-endpoint", r.key, "s3:PutObject", `${b.arn}/any/object`, "prod data only through the S3 VPC endpoint", {
                        origin: "outside",
                        s3Only: true,
                    }),
                );
            }
        }
    }
    // Other roles' prefixes: each role's reads/writes outside its own prefixes of the data buckets.
    const probesFor = ownPrefixes(m);
    const areas: Record<string, string> = { raw: "raw/", curated: "curated/", artifacts: "artifacts/", capture: "capture/", monitoring: "monitoring/" };
    const samples = [
        "raw/adult/adult.data",
        "curated/prepared/train.csv",
        "curated/feature-store/x.parquet",
        "curated/evaluation/k/transform/x.out",
        "artifacts/models/j/output/model.tar.gz",
        "artifacts/features/transform.json",
        "artifacts/code/prepare-x/p.py",
        `capture/datacapture/${o.endpoint?.name ?? "endpoint"}/v/x.jsonl`,
        "monitoring/baselines/x/statistics.json",
        "monitoring/reports/x/report.json",
        "monitoring/partials/x/s/2026/12/02/07/r/manifest.json",
        `monitoring/reports/data-quality/${o.endpoint?.name ?? "endpoint"}/s/2026/12/02/07/statistics.json`,
        `monitoring/partials/${o.endpoint?.name ?? "endpoint"}/s/2026/12/02/07/r/batches/b000001.json`,
    ];
    for (const r of workloads) {
        const own = probesFor[r.key];
        if (!own) continue;
        for (const s of samples) {
            const purpose = Object.keys(areas).find((p) => s.startsWith(areas[p]))!;
            const arn = `${m.bucket(purpose).arn}/${s.slice(areas[purpose].length)}`;
            if (!own.read.some((p) => s.startsWith(p)))
                probes.push(
                    deny("forbidden:other-prefixes", r.key, "s3:GetObject", arn, `${r.key} must not read ${s.split("/").slice(0, 2).join("/")}/`, {
                        s3Only: true,
                    }),
                );
            if (!own.write.some((p) => s.startsWith(p)))
                probes.push(
                    deny("forbidden:other-prefixes", r.key, "s3:PutObject", arn, `${r.key} must not write ${s.split("/").slice(0, 2).join("/")}/`, {
                        s3Only: true,
                    }),
                );
        }
    }
    // The distributed monitor's roles do one job each (besides the prefixes above): the scheduler only starts its state
    // machine, the state machine only runs its own functions and children, no Lambda role starts executions.
    const has = (key: string) => m.roles.some((r) => r.key === key);
    if (has("monitorStates") && has("monitorScheduler")) {
        const g = "forbidden:distributed-monitor";
        const sm = (n: string) => `arn:aws:states:${m.region}:${m.account}:stateMachine:${n}`;
        probes.push(
            deny(g, "monitorScheduler", "states:StartExecution", sm("another-state-machine"), "the scheduler starts only the monitor", { origin: "outside" }),
        );
        probes.push(
            deny(g, "monitorStates", "states:StartExecution", sm("another-state-machine"), "the state machine starts only its own children", {
                origin: "outside",
            }),
        );
        for (const f of m.functions.filter((x) => !/-monitor-(worker|reduce)$/.test(x.name)))
            probes.push(
                deny(g, "monitorStates", "lambda:InvokeFunction", f.arn, `the state machine invokes only its worker and reducer, not ${f.name}`, {
                    origin: "outside",
                }),
            );
        for (const f of m.functions)
            probes.push(deny(g, "monitorScheduler", "lambda:InvokeFunction", f.arn, `the scheduler invokes no function (${f.name})`, { origin: "outside" }));
        for (const r of ["monitorWorker", "monitorReduce"])
            if (has(r)) probes.push(deny(g, r, "states:StartExecution", sm(`${o.namePrefix}-monitor`), "a Lambda of the monitor cannot start runs"));
        // The state machine's data (execution inputs, outputs, history): only its execution role, under its own ARN's
        // encryption context; the scheduler starts executions without any key permission (StartExecution needs none,
        // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html); no other role reads it.
        const logsKey = m.keys.find((x) => x.purpose === "logs");
        if (logsKey) {
            const smCtx = { "kms:EncryptionContext:aws:states:stateMachineArn": sm(`${o.namePrefix}-monitor`), "kms:CallerAccount": m.account };
            for (const a of ["kms:Decrypt", "kms:GenerateDataKey"]) {
                for (const r of ["monitorScheduler", "monitorWorker", "monitorReduce", "ciDeploy", "training", "hosting"])
                    if (has(r))
                        probes.push(
                            deny(g, r, a, logsKey.arn, `${r} must not read or write the state machine's execution data`, { context: smCtx, origin: "outside" }),
                        );
                probes.push(
                    deny(g, "monitorStates", a, logsKey.arn, "the execution role uses the key for its own state machine only", {
                        context: { ...smCtx, "kms:EncryptionContext:aws:states:stateMachineArn": sm("another-state-machine") },
                        origin: "outside",
                    }),
                );
            }
            probes.push(
                deny(
                    g,
                    "delivery.logs.amazonaws.com",
                    "kms:Decrypt",
                    logsKey.arn,
                    "CloudWatch Logs' delivery decrypts only log deliveries (SourceArn context)",
                    {
                        context: smCtx,
                    },
                ),
            );
        }
        for (const k of m.keys.filter((x) => x.purpose === "artifacts"))
            for (const r of ["monitorWorker", "monitorReduce", "monitorStates"])
                if (has(r))
                    probes.push(
                        deny(g, r, "kms:Decrypt", k.arn, `${r} must not use the artifacts key`, {
                            context: { "kms:ViaService": `s3.${m.region}.amazonaws.com` },
                        }),
                    );
    }
    // The audit trail: no workload or delivery role may read, write or delete it, stop the trail or delete its logs.
    const audit = m.buckets.find((b) => b.purpose === "audit");
    const trailGroup = m.logGroups.find((g) => /cloudtrail/.test(g.name));
    for (const r of m.roles.filter((x) => !x.external)) {
        if (audit)
            for (const a of AUDIT_ACTIONS)
                probes.push(
                    deny(
                        "forbidden:audit-trail",
                        r.key,
                        a,
                        `${audit.arn}/cloudtrail/AWSLogs/${m.account}/CloudTrail/x.json.gz`,
                        "the audit trail is append-only for CloudTrail",
                        { s3Only: true },
                    ),
                );
        if (o.trailArn)
            for (const a of ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"])
                probes.push(deny("forbidden:audit-trail", r.key, a, o.trailArn, "no role may switch the trail off"));
        if (trailGroup) probes.push(deny("forbidden:audit-trail", r.key, "logs:DeleteLogGroup", trailGroup.arn, "no role may delete the trail's log group"));
    }
    // IAM escalation: no role passes roles it must not pass, edits policies, or administers keys.
    const mayPass: Record<string, string[]> = { pipeline: ["processing", "training", "hosting", "pipeline", "monitoring"], ciDeploy: ["hosting"] };
    const boundary = m.run.resources.find((r) => r.type === "aws:iam/policy:Policy" && /permissions-boundary/.test(String(r.outputs.name)));
    for (const r of m.roles.filter((x) => !x.external)) {
        for (const target of m.roles.filter((x) => !x.external)) {
            if (!(mayPass[r.key] ?? []).includes(target.key))
                probes.push(
                    deny("forbidden:iam-escalation", r.key, "iam:PassRole", target.arn, `${r.key} must not pass ${target.key}`, {
                        context: { "iam:PassedToService": "sagemaker.amazonaws.com" },
                    }),
                );
            for (const a of ESCALATION) {
                if (a === "iam:AttachRolePolicy" && r.key === "budgetAction") continue; // its one job, checked below
                probes.push(deny("forbidden:iam-escalation", r.key, a, target.arn, `${r.key} must not change ${target.key}'s permissions`));
            }
            if (r.key !== target.key)
                probes.push(deny("forbidden:iam-escalation", r.key, "sts:AssumeRole", target.arn, `${r.key} must not assume ${target.key}`));
        }
        if (boundary)
            probes.push(
                deny(
                    "forbidden:iam-escalation",
                    r.key,
                    "iam:CreatePolicyVersion",
                    String(boundary.outputs.arn),
                    `${r.key} must not rewrite the permissions boundary`,
                ),
            );
        for (const k of m.keys) {
            for (const a of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"])
                probes.push(deny("forbidden:iam-escalation", r.key, a, k.arn, `${r.key} must not administer the ${k.purpose} key`));
            probes.push(
                deny("forbidden:iam-escalation", r.key, "kms:CreateGrant", k.arn, `${r.key} must not grant itself key use (grants only for AWS resources)`, {
                    context: { "kms:GrantIsForAWSResource": "false" },
                }),
            );
        }
        for (const b of m.buckets)
            probes.push(deny("forbidden:iam-escalation", r.key, "s3:PutBucketPolicy", b.arn, `${r.key} must not rewrite bucket policies`));
    }
    if (boundary && m.roles.some((r) => r.key === "budgetAction")) {
        for (const target of m.roles.filter((x) => !x.external))
            probes.push(
                deny("forbidden:iam-escalation", "budgetAction", "iam:AttachRolePolicy", target.arn, "the budget action may attach only the deny policy", {
                    context: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" },
                }),
            );
    }
    probes.push(...ciForbiddenProbes(m));
    return probes;
}

/** Evaluates the whole contract of a stack. */
export function runContract(m: AccessModel): ContractReport {
    const needed = neededProbes(m);
    const forbidden = forbiddenProbes(m);
    const outcomes = [...needed, ...forbidden].map((probe) => {
        const result = m.check(probe);
        return { probe, result, ok: (probe.expect === "Allowed") === result.allowed };
    });
    return { stack: m.stack, needed: needed.length, forbidden: forbidden.length, failures: outcomes.filter((x) => !x.ok), outcomes };
}

/** A failed probe, the way a reviewer needs it: principal, action, resource, context, deciding statements. */
export function formatFailure(f: ProbeOutcome): string {
    return `[${f.probe.group}] expected ${f.probe.expect}: ${f.probe.why}\n${explainResult(f.result)}`;
}

export function summarize(r: ContractReport): string {
    const failedNeeded = r.failures.filter((f) => f.probe.expect === "Allowed").length;
    const failedForbidden = r.failures.length - failedNeeded;
    return `access contract ${r.stack}: ${r.needed} needed (${r.needed - failedNeeded} allowed), ${r.forbidden} forbidden (${r.forbidden - failedForbidden} denied)${r.failures.length ? ` — ${r.failures.length} FAILED` : " — holds"}`;
}
