/**
 * CostGuardrails: a monthly cost budget per environment with forecast and actual notifications at each threshold, an
 * automatic budget action that denies new SageMaker capacity when the budget is exhausted (prod), cost anomaly
 * detection, and activation of the platform's cost-allocation tags.
 * What it creates per stack: docs/components.md.
 *
 * Budget scope: the budget counts cost tagged Project=<project> AND Environment=<environment>. It uses the budget
 * `filterExpression` (an AND of two tag filters) rather than legacy `costFilters`, because legacy `TagKeyValue` values
 * (`user:Project$<value>`, `user:Environment$<value>`) are ORed within one filter: a dev budget would also count every
 * prod cost of the project. `costAllocationTagValues()` gives the `user:<Key>$<value>` forms for reports and policies.
 * Tags only appear in billing data once activated as cost-allocation tags (`activateCostAllocationTags`, which needs
 * the management account or a standalone account, and a tag key already seen in billing data).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, withPreviousTypes } from "./type-token";
import { PolicyStatement, policyDocument } from "./grants";
import { costPerThousandQueries, ObservedVariant } from "./observability";

/** The resource types this component can create (tests; docs/components.md shows them per stack). */
export const BUDGET_RESOURCE_TYPES: readonly string[] = [
    "aws:budgets/budget:Budget",
    "aws:iam/policy:Policy",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:budgets/budgetAction:BudgetAction",
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor",
    "aws:costexplorer/anomalySubscription:AnomalySubscription",
    "aws:costexplorer/costAllocationTag:CostAllocationTag",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
];

/** SageMaker calls the budget action denies: everything that starts new billable capacity. */
export const DENIED_ON_BUDGET_EXHAUSTION = [
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateEndpoint",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTransformJob",
];

export const NOTIFICATION_TYPES = ["ACTUAL", "FORECASTED"] as const;
export const DEFAULT_COST_ALLOCATION_TAG_KEYS = ["Project", "Environment", "CostCenter"];
/** Budget tag listing tag keys the config declares active elsewhere (read by the policy pack's cost-within-budget). */
export const COST_ALLOCATION_TAGS_ACTIVE_TAG = "mlplatform:cost-allocation-tags-active";

export interface CostGuardrailsArgs {
    /** Resource name prefix (config `namePrefix`). */
    namePrefix: string;
    /** Environment (config `environment`) = the value of the Environment tag. */
    environment: string;
    /** Value of the Project tag (config `tags.Project`). */
    project: string;
    /** Config `budget.monthlyLimitUsd`. */
    monthlyLimitUsd: number;
    /** Config `budget.thresholdsPercent`: one ACTUAL and one FORECASTED notification per value. */
    thresholdsPercent: number[];
    /** Config `budget.emails`. */
    emails: string[];
    /** Alerts topic ARN (its policy must allow budgets.amazonaws.com and costalerts.amazonaws.com: components/alerts.ts). */
    alertTopicArn: pulumi.Input<string>;
    /** Config `budget.enforceAction`: deny new SageMaker capacity at 100% of actual spend. */
    enforceAction: boolean;
    /** Names of the roles (path "/") the deny policy is attached to when enforced. Required when enforceAction. */
    enforcedRoleNames?: pulumi.Input<string>[];
    /** Config `budget.anomalyThresholdUsd`: notify for anomalies with total impact >= this many USD. */
    anomalyThresholdUsd: number;
    /**
     * "tag" (default): CUSTOM monitor on the Project tag (needs the tag active). "service": the account's DIMENSIONAL
     * SERVICE monitor (one per account). "none": no anomaly monitor (e.g. the account already has one).
     */
    anomalyMonitor?: "tag" | "service" | "none";
    /** "sns" (default): immediate alerts to the topic. "email": daily digest to `emails`. */
    anomalySubscriber?: "sns" | "email";
    /** Config `budget.activateCostAllocationTags`. */
    activateCostAllocationTags: boolean;
    /**
     * Config `budget.costAllocationTagsActive`: the tags are active already (another stack, the Billing console). With
     * neither, the budget cannot filter on the tags (they are absent from billing data: it would see no spend and its
     * action would never fire), so it covers the account's whole spend instead, and the preview says so.
     */
    costAllocationTagsActive?: boolean;
    /** Tag keys to activate; default Project, Environment, CostCenter. */
    costAllocationTagKeys?: string[];
    /**
     * Config `budget.costPerThousandAlarmUsd`: a CloudWatch alarm (to the alerts topic) when the endpoint's cost per 1000
     * predictions stays above `thresholdUsd` (metric math of components/observability.ts costPerThousandQueries).
     */
    costPerThousandAlarm?: { thresholdUsd: number; endpointName: string; variants: ObservedVariant[] };
    tags?: Record<string, string>;
}

/** Timing of the cost-per-1000 alarm: hourly values, three hours in a row above the threshold. */
export const COST_PER_THOUSAND_ALARM = { period: 3600, evaluationPeriods: 3 } as const;

/** `user:<Key>$<value>` filter values of the platform's cost-allocation tags. */
export function costAllocationTagValues(project: string, environment: string): string[] {
    return [`user:Project$${project}`, `user:Environment$${environment}`];
}

function validate(a: CostGuardrailsArgs): void {
    const p: string[] = [];
    if (!(a.monthlyLimitUsd > 0)) p.push(`monthlyLimitUsd ${a.monthlyLimitUsd} must be > 0`);
    if (a.thresholdsPercent.length === 0) p.push("thresholdsPercent is empty");
    if (new Set(a.thresholdsPercent).size !== a.thresholdsPercent.length) p.push("thresholdsPercent must be unique");
    for (const t of a.thresholdsPercent) if (!(t > 0 && t <= 1000)) p.push(`threshold ${t} must be in (0, 1000]`);
    // AWS Budgets: at most 10 email subscribers per notification.
    if (a.emails.length > 10) p.push(`at most 10 budget emails (got ${a.emails.length})`);
    if (a.enforceAction && (a.enforcedRoleNames ?? []).length === 0) p.push("enforceAction needs enforcedRoleNames");
    if (!(a.anomalyThresholdUsd > 0)) p.push(`anomalyThresholdUsd ${a.anomalyThresholdUsd} must be > 0`);
    if ((a.anomalySubscriber ?? "sns") === "email" && a.emails.length === 0) p.push("anomalySubscriber 'email' needs emails");
    if (a.costPerThousandAlarm && !(a.costPerThousandAlarm.thresholdUsd > 0))
        p.push(`costPerThousandAlarm.thresholdUsd ${a.costPerThousandAlarm.thresholdUsd} must be > 0`);
    if (p.length) throw new Error(`CostGuardrails: ${p.join("; ")}`);
}

export class CostGuardrails extends pulumi.ComponentResource {
    public readonly budget: aws.budgets.Budget;
    public readonly budgetName: pulumi.Output<string>;
    public readonly denyPolicy?: aws.iam.Policy;
    public readonly actionRole?: aws.iam.Role;
    public readonly budgetAction?: aws.budgets.BudgetAction;
    /** Absent when `anomalyMonitor` is "none". */
    public readonly anomalyMonitor?: aws.costexplorer.AnomalyMonitor;
    public readonly anomalySubscription?: aws.costexplorer.AnomalySubscription;
    public readonly anomalyMonitorArn?: pulumi.Output<string>;
    /** "tags": the budget covers the stack's Project/Environment tags; "account": the account's whole spend. */
    public readonly scope!: "tags" | "account";
    public readonly costAllocationTags: aws.costexplorer.CostAllocationTag[];
    /** Whether the budget action is in place. */
    public readonly enforced: boolean;
    /** The cost-per-1000-predictions alarm, when configured. */
    public readonly costPerThousandAlarm?: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: CostGuardrailsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.CostGuardrails, name, {}, withPreviousTypes("CostGuardrails", opts));
        validate(args);
        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const envName = args.namePrefix.endsWith(`-${args.environment}`) ? args.namePrefix : `${args.namePrefix}-${args.environment}`;
        const budgetName = `${envName}-monthly`;
        const emails = [...new Set(args.emails)];
        const tagsActive = args.activateCostAllocationTags || (args.costAllocationTagsActive ?? false);
        if (!tagsActive) {
            pulumi.log.warn(
                `budget ${budgetName}: the cost-allocation tags Project/Environment are not active (budget.activateCostAllocationTags / budget.costAllocationTagsActive), ` +
                    `so the budget covers the account's whole spend, not only this stack's${args.enforceAction ? ", and its deny action fires on that spend" : ""} (docs/deploy.md)`,
                this,
            );
        }

        this.budget = new aws.budgets.Budget(
            `${name}-budget`,
            {
                name: budgetName,
                budgetType: "COST",
                timeUnit: "MONTHLY",
                limitAmount: args.monthlyLimitUsd.toFixed(2),
                limitUnit: "USD",
                metrics: "UnblendedCost",
                // Tags appear in billing data only as active cost-allocation tags
                // (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html).
                filterExpression: tagsActive
                    ? {
                          ands: [
                              { tags: { key: "Project", values: [args.project], matchOptions: ["EQUALS"] } },
                              { tags: { key: "Environment", values: [args.environment], matchOptions: ["EQUALS"] } },
                          ],
                      }
                    : undefined,
                notifications: [...args.thresholdsPercent]
                    .sort((x, y) => x - y)
                    .flatMap((threshold) =>
                        NOTIFICATION_TYPES.map((notificationType) => ({
                            notificationType,
                            comparisonOperator: "GREATER_THAN",
                            threshold,
                            thresholdType: "PERCENTAGE",
                            subscriberSnsTopicArns: [args.alertTopicArn],
                            subscriberEmailAddresses: emails.length > 0 ? emails : undefined,
                        })),
                    ),
                // Read by the policy pack (cost-within-budget): tag filters on keys neither activated in the stack nor
                // declared active here make the budget blind.
                tags: { ...args.tags, ...(args.costAllocationTagsActive ? { [COST_ALLOCATION_TAGS_ACTIVE_TAG]: "Project Environment CostCenter" } : {}) },
            },
            { parent: this },
        );
        this.budgetName = this.budget.name;
        this.scope = tagsActive ? "tags" : "account";

        this.enforced = args.enforceAction;
        if (args.enforceAction) {
            const roleNames = args.enforcedRoleNames!;
            const denyStatements: PolicyStatement[] = [
                // Deny with Resource "*": these Create* calls are denied for any job/endpoint name. A deny is the
                // restrictive direction, so "*" here widens nothing.
                { Sid: "DenyNewSageMakerCapacity", Effect: "Deny", Action: DENIED_ON_BUDGET_EXHAUSTION, Resource: "*" },
            ];
            this.denyPolicy = new aws.iam.Policy(
                `${name}-deny-new-capacity`,
                {
                    name: `${envName}-budget-deny-new-capacity`,
                    description: `Attached by the ${budgetName} budget action when actual spend reaches 100%: no new SageMaker training, tuning, processing, transform or endpoints.`,
                    policy: policyDocument(denyStatements),
                    tags: args.tags,
                },
                { parent: this },
            );
            const trust = pulumi.all([account, partition]).apply(([a, p]) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { Service: "budgets.amazonaws.com" },
                            Action: "sts:AssumeRole",
                            Condition: {
                                StringEquals: { "aws:SourceAccount": a },
                                ArnLike: { "aws:SourceArn": `arn:${p}:budgets::${a}:budget/${budgetName}/action/*` },
                            },
                        },
                    ],
                }),
            );
            this.actionRole = new aws.iam.Role(
                `${name}-budget-action`,
                { assumeRolePolicy: trust, description: `AWS Budgets applies the deny policy of ${budgetName}`, tags: args.tags },
                { parent: this },
            );
            const roleArns = roleNames.map((n) => pulumi.interpolate`arn:${partition}:iam::${account}:role/${n}`);
            const attach = new aws.iam.RolePolicy(
                `${name}-budget-action`,
                {
                    role: this.actionRole.id,
                    policy: policyDocument([
                        {
                            Sid: "AttachOnlyTheDenyPolicyToPlatformRoles",
                            Effect: "Allow",
                            Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                            Resource: roleArns,
                            Condition: { ArnEquals: { "iam:PolicyARN": this.denyPolicy.arn } },
                        },
                    ]),
                },
                { parent: this },
            );
            this.budgetAction = new aws.budgets.BudgetAction(
                `${name}-deny-action`,
                {
                    budgetName: this.budget.name,
                    actionType: "APPLY_IAM_POLICY",
                    approvalModel: "AUTOMATIC",
                    notificationType: "ACTUAL",
                    actionThreshold: { actionThresholdType: "PERCENTAGE", actionThresholdValue: 100 },
                    definition: { iamActionDefinition: { policyArn: this.denyPolicy.arn, roles: roleNames } },
                    executionRoleArn: this.actionRole.arn,
                    subscribers: [
                        { subscriptionType: "SNS", address: args.alertTopicArn },
                        ...emails.map((address) => ({ subscriptionType: "EMAIL", address })),
                    ],
                    tags: args.tags,
                },
                { parent: this, dependsOn: [attach] },
            );
        }

        // ---- cost per 1000 predictions alarm (optional) ----
        const cpt = args.costPerThousandAlarm;
        if (cpt) {
            const { queries, unpriced } = costPerThousandQueries(cpt.endpointName, cpt.variants);
            if (!queries.some((q) => q.id === "k_all")) {
                throw new Error(
                    `CostGuardrails: costPerThousandAlarm: no variant of ${cpt.endpointName} has a price (${unpriced.join(", ")}): add the prices to policies/data, or remove mlplatform:budget.costPerThousandAlarmUsd`,
                );
            }
            if (unpriced.length)
                void pulumi.log.warn(`CostGuardrails: the cost-per-1000 alarm leaves out variants without a price: ${unpriced.join(", ")}`, this);
            this.costPerThousandAlarm = new aws.cloudwatch.MetricAlarm(
                `${name}-cost-per-1000`,
                {
                    name: `${envName}-cost-per-1000-predictions`,
                    alarmDescription: `Endpoint ${cpt.endpointName}: cost per 1000 predictions above $${cpt.thresholdUsd} for ${COST_PER_THOUSAND_ALARM.evaluationPeriods} hours (instance-hours or serverless GB-seconds x list price / invocations x 1000; components/observability.ts costPerThousandQueries). No invocations: no datapoint (the zero-invocations alarm covers an idle endpoint).`,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: cpt.thresholdUsd,
                    evaluationPeriods: COST_PER_THOUSAND_ALARM.evaluationPeriods,
                    datapointsToAlarm: COST_PER_THOUSAND_ALARM.evaluationPeriods,
                    treatMissingData: "notBreaching",
                    // exactly one query returns data: the endpoint's cost per 1000 (an alarm takes one time series)
                    metricQueries: queries.map((q) => ({
                        id: q.id,
                        label: q.label,
                        returnData: q.id === "k_all",
                        ...(q.expression !== undefined
                            ? { expression: q.expression }
                            : {
                                  metric: {
                                      namespace: q.metric!.namespace,
                                      metricName: q.metric!.metricName,
                                      dimensions: q.metric!.dimensions,
                                      stat: q.metric!.stat,
                                      period: COST_PER_THOUSAND_ALARM.period,
                                  },
                              }),
                    })),
                    alarmActions: [args.alertTopicArn],
                    okActions: [args.alertTopicArn],
                    tags: args.tags,
                },
                { parent: this },
            );
        }

        // ---- anomaly detection ----
        const monitorKind = args.anomalyMonitor ?? "tag";
        if (monitorKind === "none") {
            this.costAllocationTags = this.activateTags(name, args);
            const activated = this.costAllocationTags.length ? (args.costAllocationTagKeys ?? DEFAULT_COST_ALLOCATION_TAG_KEYS) : [];
            this.registerOutputs({ budgetName: this.budgetName, enforced: this.enforced, denyPolicyArn: this.denyPolicy?.arn, costAllocationTags: activated });
            return;
        }
        this.anomalyMonitor = new aws.costexplorer.AnomalyMonitor(
            `${name}-anomaly-monitor`,
            monitorKind === "service"
                ? { name: `${envName}-services`, monitorType: "DIMENSIONAL", monitorDimension: "SERVICE", tags: args.tags }
                : {
                      name: `${envName}-project-${args.project}`,
                      monitorType: "CUSTOM",
                      monitorSpecification: JSON.stringify({ Tags: { Key: "Project", Values: [args.project], MatchOptions: ["EQUALS"] } }),
                      tags: args.tags,
                  },
            { parent: this },
        );
        this.anomalyMonitorArn = this.anomalyMonitor.arn;
        const viaSns = (args.anomalySubscriber ?? "sns") === "sns";
        this.anomalySubscription = new aws.costexplorer.AnomalySubscription(
            `${name}-anomaly-subscription`,
            {
                name: `${envName}-anomalies`,
                // Immediate notifications go to SNS only; email subscribers get a daily digest.
                frequency: viaSns ? "IMMEDIATE" : "DAILY",
                monitorArnLists: [this.anomalyMonitor.arn],
                subscribers: viaSns ? [{ type: "SNS", address: args.alertTopicArn }] : emails.map((address) => ({ type: "EMAIL", address })),
                thresholdExpression: {
                    dimension: { key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE", matchOptions: ["GREATER_THAN_OR_EQUAL"], values: [String(args.anomalyThresholdUsd)] },
                },
                tags: args.tags,
            },
            { parent: this },
        );

        this.costAllocationTags = this.activateTags(name, args);
        const tagKeys = this.costAllocationTags.length ? (args.costAllocationTagKeys ?? DEFAULT_COST_ALLOCATION_TAG_KEYS) : [];

        this.registerOutputs({
            budgetName: this.budgetName,
            enforced: this.enforced,
            denyPolicyArn: this.denyPolicy?.arn,
            anomalyMonitorArn: this.anomalyMonitorArn,
            costAllocationTags: tagKeys,
        });
    }

    /** Cost-allocation tags (account-wide: manage them from one stack only). */
    private activateTags(name: string, args: CostGuardrailsArgs): aws.costexplorer.CostAllocationTag[] {
        const tagKeys = args.activateCostAllocationTags ? (args.costAllocationTagKeys ?? DEFAULT_COST_ALLOCATION_TAG_KEYS) : [];
        return tagKeys.map(
            (tagKey) => new aws.costexplorer.CostAllocationTag(`${name}-cost-tag-${tagKey.toLowerCase()}`, { tagKey, status: "Active" }, { parent: this }),
        );
    }
}
