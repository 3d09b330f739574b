/**
 * Generates the reference pages that must stay true to the code:
 *   docs/configuration.md  from the config parser (infra/config.ts: every key it reads, type, valid values, defaults
 *                          per environment) and the values in Pulumi.dev.yaml / Pulumi.prod.yaml;
 *   docs/outputs.md        from the stack outputs contract (the StackOutputs interface in contracts/stack-outputs.ts);
 *   docs/components.md     from the program run under mocks (./components-doc.ts: each component's token and resources).
 *   npm run docs            (rewrite)      npm run docs -- --check   (exit 1 when a page is out of date)
 * test/docs/generated-docs.test.ts fails when a committed page differs from what this script writes.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ConfigKeyDoc, parsePlatformConfig, recordConfigKeys, RawConfig } from "../../infra/config";
import { BUCKET_PURPOSES } from "../../contracts/stack-outputs";
import { readStackFile } from "../../infra/stack-config";
import { CliSpec, withCli } from "../framework/cli";
import { componentsDoc } from "./components-doc";

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = ["dev", "prod"] as const;

/** What each key means; test/docs keeps this list and the parser's keys equal. */
export const CONFIG_MEANINGS: Record<string, string> = {
    environment: "dev or prod: selects the environment's defaults below and the policy config policies/config/<environment>.json",
    namePrefix: "prefix of every resource name",
    tags: "the platform tags on every taggable resource: Project, Owner, CostCenter and DataClassification (public, internal, confidential, restricted) are required; Environment is set from `environment`; extra tags are allowed",
    "network.cidrBlock": "VPC address range (/16 to /24)",
    "network.availabilityZones": "Availability Zones with isolated private subnets",
    "network.allowInternetEgress": "a public subnet and NAT gateway for package installs; refused in prod",
    "network.flowLogRetentionDays": "retention of the VPC flow-log group",
    "security.ciReadOnlyOidcSubjects":
        "GitHub OIDC subjects (pull requests, branches) that may assume the read-only CI role for preview and drift; default: the repository's pull requests and main",
    "security.ciStateBucket": "S3 bucket of the Pulumi state backend: the read-only CI role may read the state and write lock files",
    "security.ciSecretsKmsKeyArn": "KMS key of the stack secrets provider: the read-only CI role may decrypt stack secrets",
    "detective.enabled": "deploy the detective controls (AWS Config managed rules matching the pack, compliance routes to the alerts topic)",
    "detective.existingRecorderName": "the account's existing AWS Config recorder (Control Tower's, or another stack's), used instead of creating one",
    "detective.createRecorder": "create the AWS Config recorder and delivery channel (to the audit bucket); one per account and region (docs/deploy.md)",
    "detective.conformancePack": "deploy the rules as one AWS Config conformance pack instead of individual rules",
    "detective.accountRules": "also deploy the account-wide rules (root access key, IAM users, CloudTrail enabled): one stack per account",
    "detective.scopeTag.key": "tag key that scopes change-triggered rules to this stack's resources",
    "detective.scopeTag.value": "tag value that scopes change-triggered rules to this stack's resources (default: the environment)",
    "detective.securityHub.enableAccount": "enable Security Hub in the account (account-wide: one stack per account)",
    "detective.securityHub.subscribeFsbp": "subscribe to AWS Foundational Security Best Practices (account-wide)",
    "detective.securityHub.routeFindings": "route Security Hub FAILED findings on this stack's resources to the alerts topic",
    "detective.routeConfigCompliance": "route AWS Config NON_COMPLIANT results on this stack's resources to the alerts topic",
    "detective.remediateS3PublicAccess": "automatic SSM remediation re-enabling S3 Block Public Access (off by default; not with the conformance pack)",
    "endpoint.variants[].modelPackageArn":
        "approved model package the variant serves (its containers come from the package); the endpoint is created once every variant names a package or an uploaded artifact",
    "endpoint.variants[].preprocessDataUrl":
        "the preprocessing archive (sourcedir.tar.gz) of a raw-record variant built from an uploaded model (see docs/endpoint.md)",
    "network.interfaceEndpoints": "interface VPC endpoints to create (empty = all 10 the platform uses); each costs about $7.3 a month per AZ",
    "network.interfaceEndpointAzs": "Availability Zones each interface endpoint spans (dev: 1 to halve the fixed cost; prod: every AZ)",
    "security.auditorRoleArns": "roles that may decrypt the CloudTrail log files (with the administrators)",
    "security.breakGlassRoleArns": "emergency key administrators and deployers; every use raises an alert (docs/deploy.md)",
    "logs.createJobLogGroups": "own the account-wide /aws/sagemaker/{Training,Processing,Transform}Jobs log groups (only one stack per account may)",
    "endpoint.input":
        "raw: each variant is a two-container inference pipeline that takes raw records (as the local endpoint); features: the XGBoost container alone, taking the encoded features",
    "endpoint.preprocessImage": "scikit-learn serving image of the preprocessing container, for regions where AWS publishes none",
    "monitoring.serverlessReservedConcurrency":
        "reserved concurrency of the monitor Lambda (unset by default: accounts with the default quota of 10 cannot reserve)",
    "budget.costAllocationTagsActive":
        "the Project/Environment tags are already active cost-allocation tags; without this or activateCostAllocationTags the budget covers the whole account",
    "budget.anomalyMonitor": "Cost Anomaly Detection monitor: tag (needs active cost-allocation tags), service (one per account) or none",
    "pipeline.maxDropRatePercent": "largest share of malformed rows (percent of a file) the prepare step drops before it fails",
    "dataLake.captureExpirationDays": "captured inference data expires after this many days",
    "dataLake.noncurrentVersionExpirationDays": "old object versions expire after this many days",
    "dataLake.rawTransitionToIaDays": "raw data moves to S3 Standard-IA after this many days",
    "dataLake.forceDestroy": "let `pulumi destroy` delete non-empty buckets",
    "dataLake.retainOnDelete": "keep the buckets in the account when the stack is destroyed",
    "dataLake.restrictToVpcEndpoint": "deny data access that does not come through the S3 VPC endpoint (administrators, CI and AWS services excepted)",
    "security.adminRoleArns": "roles that administer the KMS keys and may bypass the VPC-endpoint restriction; empty = the account root (IAM delegation)",
    "security.keyDeletionWindowDays": "KMS key deletion waiting period",
    "security.ciOidcSubject": "GitHub Actions OIDC subject allowed to assume the CI deploy role; must name YOUR repository (change the example)",
    "security.ciOidcProviderArn": "the account's GitHub OIDC provider, when it is not token.actions.githubusercontent.com in this account",
    "logs.retentionDays": "retention of the platform's CloudWatch log groups (a CloudWatch Logs retention value)",
    "featureStore.enableOnlineStore": "create the feature group's online store (KMS-encrypted)",
    "training.instanceTypes": "allowed training instance types; the first is used by `--target aws`",
    "training.maxInstanceCount": "maximum training instances per job",
    "training.useSpot": "managed spot training",
    "training.maxRuntimeSeconds": "training stopping condition",
    "endpoint.enabled": "deploy a SageMaker endpoint (off: nothing endpoint-related, the `endpoint` output is null)",
    "endpoint.variants": "the production variants (A/B: several variants with weights)",
    "endpoint.variants[].name": "variant name (champion, challenger, ...)",
    "endpoint.variants[].instanceType": "variant instance type (provisioned variants; absent for a serverless one)",
    "endpoint.variants[].initialInstanceCount": "instances of the variant (at least 2 in prod; absent for a serverless one)",
    "endpoint.variants[].serverless":
        "Serverless Inference instead of instances (dev only: the only variant, input features, capture 0, monitors off; docs/cost.md)",
    "endpoint.variants[].serverless.memorySizeInMb": "serverless memory size (1024-6144 MB in 1024 MB steps)",
    "endpoint.variants[].serverless.maxConcurrency": "serverless concurrent invocations (1-200)",
    "endpoint.variants[].serverless.provisionedConcurrency": "serverless warm concurrency without cold starts, billed while provisioned (<= maxConcurrency)",
    "endpoint.autoscaling.schedule": "scheduled scale-down: Application Auto Scaling scheduled actions on each provisioned variant (docs/cost.md)",
    "endpoint.autoscaling.schedule.scaleDownCron":
        "when min/max capacity drop to the off-hours bounds: cron(minutes hours day-of-month month day-of-week year)",
    "endpoint.autoscaling.schedule.scaleUpCron": "when min/max capacity return to endpoint.autoscaling.minCapacity/maxCapacity",
    "endpoint.autoscaling.schedule.timezone": "IANA time zone of both crons",
    "endpoint.autoscaling.schedule.minOutsideHours":
        "instances per variant outside working hours (>= 1: a real-time variant cannot scale to zero; >= 2 in prod)",
    "endpoint.autoscaling.schedule.maxOutsideHours": "upper bound outside working hours (default minOutsideHours)",
    "endpoint.variants[].weight": "relative traffic weight",
    "endpoint.variants[].modelDataUrl": "model.tar.gz of the variant (default: the artifacts bucket's models/<variant>/model.tar.gz)",
    "endpoint.variants[].image": "container image (default: the region's built-in XGBoost image)",
    "endpoint.shadowVariant": "an optional shadow variant (same keys as a variant) that receives a copy of the traffic",
    "endpoint.captureSamplingPercentage": "share of requests captured for monitoring",
    "endpoint.autoscaling.minCapacity": "autoscaling minimum instances per variant",
    "endpoint.autoscaling.maxCapacity": "autoscaling maximum instances per variant",
    "endpoint.autoscaling.targetInvocationsPerInstance": "target of SageMakerVariantInvocationsPerInstance (per minute)",
    "endpoint.autoscaling.scaleInCooldownSeconds": "scale-in cooldown",
    "endpoint.autoscaling.scaleOutCooldownSeconds": "scale-out cooldown",
    "endpoint.deployment.strategy": "blue/green traffic shifting on updates",
    "endpoint.deployment.stepPercent": "capacity shifted in the canary step or each linear step",
    "endpoint.deployment.waitIntervalSeconds": "wait between shifting steps (alarms can roll back)",
    "endpoint.deployment.terminationWaitSeconds": "wait before the old fleet is terminated",
    "monitoring.serverlessMonitor": "the platform's own monitor (a Lambda running lib/monitoring on a schedule); works without Model Monitor",
    "monitoring.serverlessScheduleExpression": "EventBridge schedule of the serverless monitor",
    "monitoring.distributed.enabled":
        "the distributed monitor (Step Functions Distributed Map over Lambda workers, docs/monitoring.md); replaces the single monitor Lambda when on: turn it on when an hour's capture exceeds about 1 GiB or the single Lambda's duration alarm fires",
    "monitoring.distributed.maxConcurrency":
        "worker Lambdas running at once (Distributed Map MaxConcurrency; 8 fits a new account's Lambda concurrency quota of 10)",
    "monitoring.distributed.maxBatchBytes": "capture bytes one worker profiles (one Distributed Map item)",
    "monitoring.distributed.maxBatchObjects": "capture objects one worker profiles at most (keeps an item far below the 256 KiB state payload limit)",
    "monitoring.distributed.toleratedFailurePercentage": "batches that may fail (dead-lettered and reported as FailedBatches) before the hour's run fails",
    "monitoring.distributed.workerMemoryMb": "memory of the worker Lambda (CPU scales with it)",
    "monitoring.distributed.scheduleExpression": "EventBridge Scheduler expression (UTC); each run analyses the hour before its scheduled time",
    "monitoring.distributed.tracing": "X-Ray tracing of the state machine and its Lambdas",
    "monitoring.modelMonitorSchedule":
        "a SageMaker Model Monitor data-quality schedule; only for accounts that already use Model Monitor (see docs/glossary.md)",
    "monitoring.instanceType": "instance type of the Model Monitor job",
    "monitoring.scheduleExpression": "Model Monitor schedule (cron)",
    "monitoring.driftThreshold": "distance to the baseline above which a feature counts as drifted",
    "monitoring.maxRuntimeSeconds": "Model Monitor job stopping condition",
    "alarms.p99LatencyMs": "p99 ModelLatency alarm threshold",
    "alarms.errorRatePercent": "5XX error-rate alarm threshold",
    "alarms.cpuUtilizationPercent": "CPU alarm threshold (share of all vCPUs)",
    "alarms.alarmOnZeroInvocations": "alarm when the endpoint receives no traffic",
    "alarms.emails": "alarm recipients (SNS email subscriptions; each must confirm)",
    "audit.useExistingTrail": "skip the CloudTrail trail when an organisation trail exists",
    "audit.retrainingPipelineArn": "SageMaker pipeline that drift/quality alarms start (SNS only when absent)",
    "budget.monthlyLimitUsd": "the stack's monthly AWS Budget (filtered by the Project and Environment tags)",
    "budget.thresholdsPercent": "FORECASTED and ACTUAL notification thresholds",
    "budget.emails": "budget recipients (prod needs one here or in alarms.emails)",
    "budget.enforceAction": "a BudgetAction that denies new SageMaker capacity at 100%",
    "budget.anomalyThresholdUsd": "Cost Anomaly Detection alert threshold",
    "budget.costPerThousandAlarmUsd":
        "CloudWatch alarm when the endpoint's cost per 1000 predictions (dashboard metric math) stays above this for 3 hours; absent: none",
    "budget.activateCostAllocationTags": "activate Project/Environment/CostCenter as cost-allocation tags (management or standalone account only)",
    "pipeline.minAuc": "the evaluation quality gate and the dev auto-approval threshold",
    "pipeline.autoApprove": "approve models above minAuc automatically; refused in prod",
    "pipeline.latencySloMs": "load-test latency SLO (p99)",
};

/** The keys the parser reads, with the defaults of each environment. */
export function configKeys(): { keys: ConfigKeyDoc[]; defaults: Record<string, Record<string, unknown>>; raw: Record<string, RawConfig> } {
    const defaults: Record<string, Record<string, unknown>> = {};
    const raw: Record<string, RawConfig> = {};
    let keys: ConfigKeyDoc[] = [];
    for (const stack of STACKS) {
        raw[stack] = readStackFile(stack, ROOT);
        const r = recordConfigKeys(() => parsePlatformConfig(raw[stack], stack, String(raw[stack]["aws:region"] ?? "")));
        for (const k of r.keys) (defaults[k.key] ??= {})[stack] = k.default;
        if (keys.length === 0) keys = r.keys;
        else for (const k of r.keys) if (!keys.some((x) => x.key === k.key)) keys.push(k);
    }
    return { keys: keys.filter((k) => k.key !== "endpoint.variants[]"), defaults, raw };
}

function lookup(raw: RawConfig, key: string): unknown {
    const [top, ...rest] = key.split(".");
    let vals: unknown[] = [raw[`mlplatform:${top}`]];
    for (const part of rest) {
        const list = part.endsWith("[]");
        const name = list ? part.slice(0, -2) : part;
        vals = vals.flatMap((v) => (v && typeof v === "object" ? [(v as Record<string, unknown>)[name]] : [undefined]));
        if (list) vals = vals.flatMap((v) => (Array.isArray(v) ? v : [undefined]));
    }
    if (top.endsWith("[]")) return undefined;
    const defined = vals.filter((v) => v !== undefined);
    return defined.length === 0 ? undefined : defined.length === 1 && !key.includes("[]") ? defined[0] : defined;
}

const cell = (v: unknown): string => {
    if (v === undefined) return "–";
    if (Array.isArray(v)) return v.length === 0 ? "[]" : v.map((x) => (typeof x === "object" ? "{…}" : String(x))).join(", ");
    if (v && typeof v === "object") return Object.keys(v).length ? `{${Object.keys(v).join(", ")}}` : "{}";
    return String(v).replace(/\|/g, "\\|");
};

export function configurationDoc(): string {
    const { keys, defaults, raw } = configKeys();
    const lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `npm run docs` from infra/config.ts and Pulumi.<stack>.yaml; test/docs/generated-docs.test.ts keeps it true. Do not edit by hand. -->",
        "",
        "Every environment difference lives in `Pulumi.<stack>.yaml` under the `mlplatform:` namespace (plus `aws:region`).",
        "The values are read once and validated as a whole before any resource is declared; every problem is listed with",
        "the key, the value and what is expected, e.g.",
        "`mlplatform:budget.monthlyLimitUsd = 0: expected a number between 0.01 and 10000000`.",
        "A key that is absent takes the default of the stack's `environment` (columns *default dev* / *default prod*);",
        "*required* keys have no default. `[]` marks the entries of a list.",
        "",
        "| key | type | valid values | default dev | default prod | Pulumi.dev.yaml | Pulumi.prod.yaml | meaning |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        `| \`aws:region\` | string | an AWS region | – | – | ${cell(raw.dev["aws:region"])} | ${cell(raw.prod["aws:region"])} | region of every resource (required) |`,
    ];
    for (const k of keys) {
        const d = defaults[k.key] ?? {};
        const req = k.required ? "**required**" : undefined;
        const kind = k.key === "tags" ? "map" : k.key === "endpoint.variants" ? "list of variants" : k.key === "endpoint.shadowVariant" ? "variant" : k.kind;
        lines.push(
            `| \`${k.key}\` | ${kind} | ${cell(k.expected ?? (k.kind === "boolean" ? "true, false" : ""))} | ${req ?? cell(d.dev)} | ${req ?? cell(d.prod)} | ${cell(lookup(raw.dev, k.key))} | ${cell(lookup(raw.prod, k.key))} | ${CONFIG_MEANINGS[k.key] ?? "**(undocumented)**"} |`,
        );
    }
    lines.push(
        "",
        "Tags: see also `components/tagging.ts`; exemptions from a policy are tags too (`mlplatform:policy-exemption:<policy>` = reason, see [policy gate](policy-gate.md)).",
        "",
    );
    return lines.join("\n");
}

// ---- outputs ----------------------------------------------------------------------------------

/** Meaning of the outputs whose declaration has no doc comment. */
export const OUTPUT_MEANINGS: Record<string, string> = {
    stack: "stack name",
    environment: "dev or prod",
    namePrefix: "prefix of every resource name",
    region: "AWS region",
    accountId: "AWS account id",
    tags: "the platform tags (the AWS target tags its jobs with them)",
    buckets: "one bucket per purpose",
    kmsKeyArns: "KMS keys per purpose",
    roleArns: "IAM roles per activity",
    network: "where jobs and endpoints run",
    featureGroupNames: "feature groups",
    offlineStoreUri: "S3 URI of the offline feature store",
    modelPackageGroupName: "model registry group",
    alertsTopicArn: "SNS topic of alarms and approvals",
    dashboardName: "CloudWatch dashboard",
    budgetName: "AWS Budget",
    trailArn: "CloudTrail trail (null when audit.useExistingTrail)",
    logGroupNames: "log groups per purpose",
    "endpoint.name": "endpoint name",
    "endpoint.variantNames": "production variants",
    "endpoint.shadowVariantName": "shadow variant, or null",
    "endpoint.captureUri": "S3 prefix of the data capture",
    "endpoint.samplingPercentage": "share of requests captured",
    "buckets.<purpose>.name": "bucket name",
    "buckets.<purpose>.arn": "bucket ARN",
    "network.vpcId": "the platform VPC",
    "network.subnetIds": "isolated private subnets, one per Availability Zone",
    "network.s3GatewayEndpointId": "the S3 gateway endpoint (bucket policies may require it)",
    "pipeline.minAuc": "mlplatform:pipeline.minAuc",
    "pipeline.autoApprove": "mlplatform:pipeline.autoApprove",
    "pipeline.latencySloMs": "mlplatform:pipeline.latencySloMs",
    "pipeline.trainingInstanceType": "first of mlplatform:training.instanceTypes",
    "pipeline.useSpot": "mlplatform:training.useSpot",
    "pipeline.maxRuntimeSeconds": "mlplatform:training.maxRuntimeSeconds",
    "pipeline.monitoringScheduleExpression": "mlplatform:monitoring.scheduleExpression",
    "pipeline.driftThreshold": "mlplatform:monitoring.driftThreshold",
};

interface OutputRow {
    key: string;
    type: string;
    meaning: string;
}

export function outputRows(): OutputRow[] {
    const file = path.join(ROOT, "contracts", "stack-outputs.ts");
    const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const interfaces = new Map<string, ts.InterfaceDeclaration>();
    sf.forEachChild((n) => {
        if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n);
    });
    const doc = (m: ts.Node) =>
        ts
            .getJSDocCommentsAndTags(m)
            .map((d) => (typeof d.comment === "string" ? d.comment : ""))
            .join(" ")
            .replace(/\s+/g, " ")
            .trim();
    const rows: OutputRow[] = [];
    const walk = (members: ts.NodeArray<ts.TypeElement>, prefix: string) => {
        for (const m of members) {
            if (!ts.isPropertySignature(m) || !m.type) continue;
            const key = `${prefix}${(m.name as ts.Identifier).text}`;
            const t = m.type;
            const parent = key.slice(0, key.lastIndexOf("."));
            const leaf = key.slice(key.lastIndexOf(".") + 1);
            const meaning =
                doc(m) ||
                OUTPUT_MEANINGS[key] ||
                (parent === "kmsKeyArns" ? `KMS key ARN for ${leaf}` : parent === "roleArns" ? `IAM role ARN for ${leaf}` : "");
            if (ts.isTypeLiteralNode(t)) {
                rows.push({ key, type: "object", meaning });
                walk(t.members, `${key}.`);
                continue;
            }
            const text = t.getText(sf).replace(/\s+/g, " ");
            const ref = /^(\w+)( \| null)?$/.exec(text);
            const rec = /^Record<BucketPurpose, (\w+)>$/.exec(text);
            if (ref && interfaces.has(ref[1])) {
                rows.push({ key, type: `object${ref[2] ? " or null" : ""}`, meaning });
                walk(interfaces.get(ref[1])!.members, `${key}.`);
            } else if (rec && interfaces.has(rec[1])) {
                rows.push({ key, type: `one object per purpose: ${BUCKET_PURPOSES.join(", ")}`, meaning });
                walk(interfaces.get(rec[1])!.members, `${key}.<purpose>.`);
            } else rows.push({ key, type: text, meaning });
        }
    };
    walk(interfaces.get("StackOutputs")!.members, "");
    return rows;
}

export function outputsDoc(): string {
    const lines = [
        "# Stack outputs",
        "",
        "<!-- Generated by `npm run docs` from contracts/stack-outputs.ts (StackOutputs); test/docs/generated-docs.test.ts keeps it true. Do not edit by hand. -->",
        "",
        "The contract every consumer reads: `pulumi stack output --json --stack <stack>` on a deployed stack,",
        "`npm run plan -- --stack <stack> --outputs FILE` offline (placeholder ids), and `<workdir>/stack-outputs.json`",
        "in a local run. `checkStackOutputs` in `contracts/stack-outputs.ts` checks a document's shape. Changing a field is a",
        "breaking change for `build_ml_environment.sh`, the monitors and CI.",
        "",
        "| output | type | meaning |",
        "| --- | --- | --- |",
        ...outputRows().map((r) => `| \`${r.key}\` | ${r.type.replace(/\|/g, "\\|")} | ${r.meaning.replace(/\|/g, "\\|")} |`),
        "",
        "An example (the dev stack, offline): [test/fixtures/stack-outputs-dev.json](../test/fixtures/stack-outputs-dev.json).",
        "",
    ];
    return lines.join("\n");
}

export const PAGES: Record<string, () => string | Promise<string>> = {
    "docs/configuration.md": configurationDoc,
    "docs/outputs.md": outputsDoc,
    "docs/components.md": componentsDoc,
};

export const SPEC: CliSpec = {
    program: "npm run docs --",
    summary:
        "Writes docs/configuration.md (from infra/config.ts and Pulumi.<stack>.yaml), docs/outputs.md (from contracts/stack-outputs.ts) and docs/components.md (from the program run under mocks).",
    flags: [{ name: "check", help: "write nothing; exit 1 when a page differs from what would be written" }],
    examples: ["npm run docs", "npm run docs -- --check"],
};

if (require.main === module) {
    withCli(SPEC, process.argv.slice(2), async (p) => {
        let stale = 0;
        for (const [rel, gen] of Object.entries(PAGES)) {
            const file = path.join(ROOT, rel);
            const text = await gen();
            const old = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
            if (old === text) continue;
            if (p.flags.check) {
                stale++;
                process.stderr.write(`${rel} is out of date: run npm run docs\n`);
            } else {
                fs.writeFileSync(`${file}.tmp`, text);
                fs.renameSync(`${file}.tmp`, file);
                process.stdout.write(`wrote ${rel}\n`);
            }
        }
        return stale ? 1 : 0;
    }).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`error: ${e.message}\n`);
            process.exit(1);
        },
    );
}
