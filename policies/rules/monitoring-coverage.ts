/**
 * monitoring-coverage (stack): the stack can be observed.
 *
 *  1. Every endpoint configuration captures data: `dataCaptureConfig` present, `enableCapture` not
 *     false (AWS's default is true), `initialSamplingPercentage` > 0.
 *  2. Every endpoint has a monitor, recognised in any of three ways:
 *     a. an `aws:sagemaker/monitoringSchedule:MonitoringSchedule` whose inline job definition's
 *        `monitoringInputs[].endpointInput.endpointName`, or whose referenced
 *        `DataQualityJobDefinition`'s `dataQualityJobInput.endpointInput.endpointName`, is the endpoint;
 *     b. our serverless monitor: an `aws:lambda/function:Function` tagged
 *        `mlplatform:monitor-endpoint` = <endpoint name>;
 *     c. a component resource of type `mlplatform:monitoring:ServerlessMonitor` or
 *        `mlplatform:monitoring:DistributedMonitor` (the Step Functions scale-out, whose reduce Lambda
 *        carries the tag of (b)) that registers an output `endpointName` (string) or `endpointNames`
 *        (string[]) naming the endpoint.
 *     CONVENTION for components/: the ServerlessMonitor component must call
 *     `this.registerOutputs({ endpointName })` (local components have no inputs in the engine's
 *     view; registered outputs are what policies see) and tag its Lambda as in (b).
 *     Reference matching uses property dependencies when names are unknown during preview.
 *  3. Every endpoint has the required CloudWatch alarms: for each group in `requiredAlarmMetrics`
 *     at least one `aws:cloudwatch/metricAlarm:MetricAlarm` on one of the group's metrics with
 *     dimension `EndpointName` = the endpoint (plain alarms or metric-math `metricQueries`).
 *  4. Every log group sets `retentionInDays` (>= `minLogRetentionDays`; 0 = "never expire" fails).
 *  5. A CloudTrail trail with `enableLogFileValidation: true` exists (`requireCloudTrail`).
 *  6. An `aws:budgets/budget:Budget` with at least one notification with subscribers exists (`requireBudget`).
 */
import { withDefaults } from "../lib/config";
import { reportFindings, reportStackFinding } from "../lib/report";
import { SM, dependsOn, endpointName, refersToEndpoint } from "../lib/sagemaker";
import { StackResource, knownOrUndefined, ofType, resolveRefs, toPlain } from "../lib/stack";
import { definePolicy, PlatformStackPolicy } from "../lib/types";
import { isUnknown } from "../lib/unknowns";
import { MONITOR_ENDPOINT_TAG } from "../lib/platform-tags";

export { MONITOR_ENDPOINT_TAG };

export interface MonitoringConfig {
    requireDataCapture: boolean;
    requireMonitor: boolean;
    /** Groups of SageMaker metric names; each group needs one alarm per endpoint. */
    requiredAlarmMetrics: string[][];
    minLogRetentionDays: number;
    requireCloudTrail: boolean;
    requireBudget: boolean;
}

export const MONITORING_DEFAULTS: MonitoringConfig = {
    requireDataCapture: true,
    requireMonitor: true,
    requiredAlarmMetrics: [["Invocation5XXErrors"], ["ModelLatency", "OverheadLatency"]],
    minLogRetentionDays: 1,
    requireCloudTrail: true,
    requireBudget: true,
};

const NAME = "monitoring-coverage";
const T = {
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    trail: "aws:cloudtrail/trail:Trail",
    budget: "aws:budgets/budget:Budget",
};

function dataCaptureFinding(cfg: StackResource): string | undefined {
    const dc = toPlain(knownOrUndefined(cfg.props, "dataCaptureConfig")) as Record<string, any> | undefined;
    if (dc === undefined || dc === null) {
        return "no dataCaptureConfig: requests/responses are not captured for model monitoring";
    }
    if (isUnknown(dc)) {
        return undefined;
    }
    if (dc.enableCapture === false) {
        return "dataCaptureConfig.enableCapture is false";
    }
    const pct = dc.initialSamplingPercentage;
    if (typeof pct === "number" && pct <= 0) {
        return `dataCaptureConfig.initialSamplingPercentage is ${pct}`;
    }
    return undefined;
}

function scheduleMonitors(s: StackResource, ep: StackResource, jobDefs: StackResource[]): boolean {
    const cfg = toPlain(knownOrUndefined(s.props, "monitoringScheduleConfig")) as Record<string, any> | undefined;
    if (!cfg || isUnknown(cfg)) {
        return dependsOn(s, ep);
    }
    const inline = cfg.monitoringJobDefinition;
    if (inline && typeof inline === "object") {
        const inputs = Array.isArray(inline.monitoringInputs) ? inline.monitoringInputs : inline.monitoringInputs ? [inline.monitoringInputs] : [];
        return inputs.some((i: Record<string, any>) => refersToEndpoint(s, "monitoringScheduleConfig", i?.endpointInput?.endpointName, ep));
    }
    const defs = resolveRefs(s, "monitoringScheduleConfig", jobDefs, ["name"], cfg.monitoringJobDefinitionName);
    return defs.some((d) => {
        const name = toPlain(knownOrUndefined(d.props, "dataQualityJobInput"))?.endpointInput?.endpointName;
        return refersToEndpoint(d, "dataQualityJobInput", name, ep);
    });
}

function lambdaMonitors(fn: StackResource, ep: StackResource): boolean {
    const tags = toPlain(knownOrUndefined(fn.props, "tags")) as Record<string, unknown> | undefined;
    if (!tags || isUnknown(tags) || !(MONITOR_ENDPOINT_TAG in tags)) {
        return false;
    }
    return refersToEndpoint(fn, "tags", tags[MONITOR_ENDPOINT_TAG], ep);
}

function componentMonitors(c: StackResource, ep: StackResource): boolean {
    const name = endpointName(ep);
    const one = knownOrUndefined(c.props, "endpointName");
    const many = toPlain(knownOrUndefined(c.props, "endpointNames"));
    if (name !== undefined && (one === name || (Array.isArray(many) && many.includes(name)))) {
        return true;
    }
    return dependsOn(c, ep);
}

function alarmMetricNames(a: Record<string, any>): { metric: string; endpoint: unknown; namespace?: string }[] {
    const out: { metric: string; endpoint: unknown; namespace?: string }[] = [];
    if (typeof a.metricName === "string") {
        out.push({ metric: a.metricName, endpoint: a.dimensions?.EndpointName, namespace: a.namespace });
    }
    for (const q of Array.isArray(a.metricQueries) ? a.metricQueries : []) {
        const m = q?.metric;
        if (m && typeof m.metricName === "string") {
            out.push({ metric: m.metricName, endpoint: m.dimensions?.EndpointName, namespace: m.namespace });
        }
    }
    return out;
}

export function monitoringFindings(resources: StackResource[], cfg: MonitoringConfig): { perResource: Map<StackResource, string[]>; stack: string[] } {
    const perResource = new Map<StackResource, string[]>();
    const add = (r: StackResource, f: string) => perResource.set(r, [...(perResource.get(r) ?? []), f]);
    const endpoints = ofType(resources, SM.endpoint);

    if (cfg.requireDataCapture) {
        for (const c of ofType(resources, SM.endpointConfiguration)) {
            const f = dataCaptureFinding(c);
            perResource.set(c, f ? [f] : []);
        }
    }

    const schedules = ofType(resources, SM.monitoringSchedule);
    const jobDefs = ofType(resources, SM.dataQualityJobDefinition);
    const lambdas = ofType(resources, SM.lambda);
    const components = [...ofType(resources, SM.serverlessMonitor), ...ofType(resources, SM.distributedMonitor)];
    const alarms = ofType(resources, SM.metricAlarm);
    // Each alarm's metrics once (not once per endpoint).
    const alarmMetrics = alarms.map((a) => ({ a, metrics: alarmMetricNames(toPlain(a.props) as Record<string, any>) }));
    for (const ep of endpoints) {
        if (!perResource.has(ep)) {
            perResource.set(ep, []);
        }
        if (cfg.requireMonitor) {
            const monitored =
                schedules.some((s) => scheduleMonitors(s, ep, jobDefs)) ||
                lambdas.some((l) => lambdaMonitors(l, ep)) ||
                components.some((c) => componentMonitors(c, ep));
            if (!monitored) {
                add(
                    ep,
                    `no monitor: add a MonitoringSchedule for the endpoint, or the platform ServerlessMonitor (Lambda tagged ${MONITOR_ENDPOINT_TAG}=<endpoint name>)`,
                );
            }
        }
        const epAlarms = alarmMetrics.flatMap(({ a, metrics }) =>
            metrics
                .filter((m) => m.namespace === undefined || m.namespace === "AWS/SageMaker")
                .filter((m) => refersToEndpoint(a, "dimensions", m.endpoint, ep) || refersToEndpoint(a, "metricQueries", m.endpoint, ep))
                .map((m) => m.metric),
        );
        for (const group of cfg.requiredAlarmMetrics) {
            if (!group.some((m) => epAlarms.includes(m))) {
                add(ep, `no CloudWatch alarm on ${group.join(" or ")} with dimension EndpointName=${endpointName(ep) ?? "<endpoint>"}`);
            }
        }
    }

    for (const lg of ofType(resources, T.logGroup)) {
        const r = knownOrUndefined(lg.props, "retentionInDays");
        const f: string[] = [];
        if (r === undefined || r === null) {
            f.push("retentionInDays is not set (logs are kept forever)");
        } else if (typeof r === "number" && (r === 0 || r < cfg.minLogRetentionDays)) {
            f.push(`retentionInDays is ${r}; minimum is ${cfg.minLogRetentionDays} and 0 (never expire) is not allowed`);
        }
        perResource.set(lg, f);
    }

    const stack: string[] = [];
    if (cfg.requireCloudTrail) {
        const trails = ofType(resources, T.trail);
        // A trail only covers the account when it is logging (enableLogging defaults to true; false = stopped) and
        // records every region (isMultiRegionTrail; FSBP CloudTrail.1).
        const logging = trails.filter((t) => knownOrUndefined(t.props, "enableLogging") !== false);
        const multi = logging.filter(
            (t) => knownOrUndefined(t.props, "isMultiRegionTrail") === true || isUnknown((toPlain(t.props) as Record<string, unknown>).isMultiRegionTrail),
        );
        if (trails.length === 0) stack.push("no CloudTrail trail in the stack");
        else if (logging.length === 0) stack.push("every CloudTrail trail is stopped (enableLogging: false)");
        else if (multi.length === 0) stack.push("no logging CloudTrail trail is multi-region (isMultiRegionTrail: true)");
        else if (!multi.some((t) => knownOrUndefined(t.props, "enableLogFileValidation") === true)) {
            stack.push("no CloudTrail trail has enableLogFileValidation: true");
        }
    }
    if (cfg.requireBudget) {
        const budgets = ofType(resources, T.budget);
        const withNotifications = budgets.filter((b) => {
            const n = toPlain(knownOrUndefined(b.props, "notifications"));
            if (isUnknown(n)) {
                return true;
            }
            return (
                Array.isArray(n) &&
                n.some((x: Record<string, any>) => {
                    const emails = x?.subscriberEmailAddresses;
                    const sns = x?.subscriberSnsTopicArns;
                    return (Array.isArray(emails) && emails.length > 0) || (Array.isArray(sns) && sns.length > 0) || isUnknown(emails) || isUnknown(sns);
                })
            );
        });
        if (withNotifications.length === 0) {
            stack.push(budgets.length === 0 ? "no AWS Budget (aws:budgets/budget:Budget) in the stack" : "no AWS Budget has a notification with subscribers");
        }
    }
    return { perResource, stack };
}

export const monitoringCoverage: PlatformStackPolicy = definePolicy({
    kind: "stack",
    name: NAME,
    description:
        "Endpoints capture data, are monitored and alarmed; log groups expire; an audit trail with log validation and a budget with notifications exist.",
    enforcementLevel: "advisory",
    exemptable: true,
    severity: "high",
    frameworks: [
        "AWS FSBP CloudTrail.1",
        "AWS FSBP CloudTrail.4",
        "Checkov CKV_AWS_67",
        "Checkov CKV_AWS_36",
        "Checkov CKV_AWS_338",
        "CIS AWS Foundations 3.0.0 3.1-3.2 (CloudTrail, log file validation)",
        "NIST SP 800-53 AU-2, AU-11, SI-4",
        "AWS Well-Architected MLOPS (model monitoring)",
    ],
    tags: ["monitoring", "observability", "audit"],
    remediationSteps:
        "Give every endpoint configuration a dataCaptureConfig (enableCapture true, initialSamplingPercentage > 0); attach a MonitoringSchedule or the platform ServerlessMonitor " +
        "(Lambda tagged mlplatform:monitor-endpoint=<endpoint name>); add MetricAlarms on Invocation5XXErrors and ModelLatency with dimension EndpointName; " +
        "set retentionInDays on log groups; add a CloudTrail trail with enableLogFileValidation and an aws.budgets.Budget with notifications.",
    ruleRemediations: [
        {
            match: /retentionInDays/,
            steps: "Set retentionInDays on the log group to a CloudWatch Logs retention value (in this platform: logs.retentionDays, or network.flowLogRetentionDays for VPC flow logs, in Pulumi.<stack>.yaml).",
        },
        {
            match: /[Cc]apture/,
            steps: "Give the endpoint configuration a dataCaptureConfig with enableCapture true, initialSamplingPercentage > 0 and input and output capture options.",
        },
        {
            match: /no monitor/,
            steps: "Attach a MonitoringSchedule to the endpoint, or the platform ServerlessMonitor (Lambda tagged mlplatform:monitor-endpoint=<endpoint name>).",
        },
        {
            match: /alarm/,
            steps: "Add aws.cloudwatch.MetricAlarms on Invocation5XXErrors and ModelLatency (namespace AWS/SageMaker) with the dimension EndpointName (the platform's Observability component does).",
        },
        {
            match: /CloudTrail/,
            steps: "Add an aws.cloudtrail.Trail with enableLogFileValidation: true (or set audit.useExistingTrail when an organisation trail exists).",
        },
        {
            match: /Budget/,
            steps: "Add an aws.budgets.Budget with at least one notification that has subscriber emails or SNS topics (budget.emails or alarms.emails).",
        },
    ],
    configSchema: {
        properties: {
            requireDataCapture: { type: "boolean", default: true },
            requireMonitor: { type: "boolean", default: true },
            requiredAlarmMetrics: { type: "array", items: { type: "array", items: { type: "string" } }, default: MONITORING_DEFAULTS.requiredAlarmMetrics },
            minLogRetentionDays: { type: "integer", minimum: 1, default: 1 },
            requireCloudTrail: { type: "boolean", default: true },
            requireBudget: { type: "boolean", default: true },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = withDefaults(args.getConfig, MONITORING_DEFAULTS);
        const { perResource, stack } = monitoringFindings(args.resources, cfg);
        for (const [r, findings] of perResource) {
            reportFindings(NAME, reportViolation, r, findings, true, args.getConfig);
        }
        for (const s of stack) {
            reportStackFinding(reportViolation, s);
        }
    },
});
