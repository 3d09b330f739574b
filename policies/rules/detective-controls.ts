/**
 * detective-controls (stack): what the pack prevents at preview time is also watched after deployment.
 *
 * The stack must contain
 *   1. AWS Config managed rules (aws:cfg/rule:Rule with source owner AWS, or rules inside an
 *      aws:cfg/conformancePack:ConformancePack template) for every identifier in `requiredRules`;
 *   2. a recorder those rules can run on: an aws:cfg/recorder:Recorder started by an aws:cfg/recorderStatus:RecorderStatus
 *      with isEnabled true, or - when the account already records (Control Tower, a landing zone) - the existing
 *      recorder declared in code: the component's rules and routes carry the tag `mlplatform:config-recorder` =
 *      `existing:<recorder name>` (components/detective.ts writes it from mlplatform:detective.existingRecorderName);
 *   3. a response: an EventBridge rule matching "Config Rules Compliance Change" events with a target.
 * Config rules need a recorder in the account and region (PutConfigRule fails with
 * NoAvailableConfigurationRecorderException otherwise): https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config.html
 * Conformance pack templates are read when they are JSON (what the platform writes); YAML templates count as unknown
 * (no finding for rules that might be inside).
 */
import { withDefaults } from "../lib/config";
import { ofType, StackResource } from "../lib/stack";
import { definePolicy, PlatformStackPolicy } from "../lib/types";
import { isUnknown, peek } from "../lib/unknowns";
import { RECORDER_TAG } from "../lib/platform-tags";

const NAME = "detective-controls";

/** Tag on Config rules/packs naming the recorder they rely on: "stack" or "existing:<name>" (policies/lib/platform-tags.ts). */
export { RECORDER_TAG };

export interface DetectiveConfig {
    requiredRules: string[];
    requireRecorder: boolean;
    requireComplianceRoute: boolean;
}

export const DETECTIVE_DEFAULTS: DetectiveConfig = {
    requiredRules: [
        "S3_BUCKET_SSL_REQUESTS_ONLY",
        "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        "SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED",
        "SAGEMAKER_MODEL_IN_VPC",
        "CMK_BACKING_KEY_ROTATION_ENABLED",
        "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
        "VPC_FLOW_LOGS_ENABLED",
        "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
    ],
    requireRecorder: true,
    requireComplianceRoute: true,
};

const known = (obj: unknown, key: string): unknown => {
    const p = peek(obj, key);
    return p.known ? p.value : undefined;
};

/** Managed rule identifiers in the stack; `unknown` when some rule's identifier or a pack's template is not known yet. */
export function managedRuleIdentifiers(resources: StackResource[]): { ids: Set<string>; unknown: boolean } {
    const ids = new Set<string>();
    let unknown = false;
    for (const r of ofType(resources, "aws:cfg/rule:Rule")) {
        const source = known(r.props, "source") as Record<string, unknown> | undefined;
        const owner = source ? known(source, "owner") : undefined;
        const id = source ? known(source, "sourceIdentifier") : undefined;
        if (owner === undefined || id === undefined || isUnknown(owner) || isUnknown(id)) unknown = true;
        else if (owner === "AWS" && typeof id === "string") ids.add(id);
    }
    for (const pack of ofType(resources, "aws:cfg/conformancePack:ConformancePack")) {
        const body = known(pack.props, "templateBody");
        if (typeof body !== "string" || isUnknown(body)) {
            unknown = true;
            continue;
        }
        let doc: { Resources?: Record<string, { Type?: string; Properties?: { Source?: { Owner?: string; SourceIdentifier?: string } } }> };
        try {
            doc = JSON.parse(body);
        } catch {
            unknown = true; // a YAML template: not read here
            continue;
        }
        for (const res of Object.values(doc.Resources ?? {})) {
            const src = res?.Properties?.Source;
            if (res?.Type === "AWS::Config::ConfigRule" && src?.Owner === "AWS" && typeof src.SourceIdentifier === "string") ids.add(src.SourceIdentifier);
        }
    }
    return { ids, unknown };
}

function tagOf(r: StackResource, key: string): string | undefined {
    for (const prop of ["tags", "tagsAll"]) {
        const tags = known(r.props, prop);
        if (tags && typeof tags === "object") {
            const v = known(tags, key);
            if (typeof v === "string" && !isUnknown(v)) return v;
        }
    }
    return undefined;
}

/** Where the recorder comes from: the stack (started), a declared existing recorder, or nowhere. */
export function recorderState(resources: StackResource[]): { source: "stack" | "existing" | "stopped" | "none"; detail?: string } {
    const recorders = ofType(resources, "aws:cfg/recorder:Recorder");
    if (recorders.length > 0) {
        const started = ofType(resources, "aws:cfg/recorderStatus:RecorderStatus").some((s) => {
            const on = known(s.props, "isEnabled");
            return on === true || isUnknown(on);
        });
        return started ? { source: "stack" } : { source: "stopped" };
    }
    // Conformance packs take no tags: the declaration may sit on any resource of the detective component (rules, routes).
    for (const r of resources) {
        const v = tagOf(r, RECORDER_TAG);
        const m = v ? /^existing:(.+)$/.exec(v) : null;
        if (m) return { source: "existing", detail: m[1] };
    }
    return { source: "none" };
}

/**
 * True when an EventBridge rule with a target matches AWS Config compliance change events. A rule whose pattern is
 * not known yet (computed from resources being created, as in a first preview) counts: it cannot be judged before
 * deployment, and the policy runs again on the next preview and in the nightly `policy:check` of the deployed state.
 */
export function hasComplianceRoute(resources: StackResource[]): boolean {
    const targets = ofType(resources, "aws:cloudwatch/eventTarget:EventTarget");
    return ofType(resources, "aws:cloudwatch/eventRule:EventRule").some((rule) => {
        const raw = known(rule.props, "eventPattern");
        const targeted = () => {
            const name = known(rule.props, "name");
            return targets.some((t) => {
                const deps = t.propertyDependencies?.rule ?? [];
                if (deps.some((d) => d.urn === rule.urn)) return true;
                const ref = known(t.props, "rule");
                return typeof ref === "string" && (ref === name || ref === rule.name);
            });
        };
        if (raw === undefined ? peek(rule.props, "eventPattern").known === false : isUnknown(raw)) return targeted();
        if (typeof raw !== "string") return false;
        let p: { source?: unknown; "detail-type"?: unknown };
        try {
            p = JSON.parse(raw);
        } catch {
            return false;
        }
        const has = (v: unknown, s: string) => Array.isArray(v) && v.includes(s);
        if (!has(p.source, "aws.config") || !has(p["detail-type"], "Config Rules Compliance Change")) return false;
        return targeted();
    });
}

export const detectiveControls: PlatformStackPolicy = definePolicy({
    kind: "stack",
    name: NAME,
    description:
        "AWS Config rules matching the pack's preventive rules run on a recorder (created here or declared), and their non-compliance is routed to an alert.",
    enforcementLevel: "advisory",
    // a stack-level control: there is no resource to exempt
    exemptable: false,
    severity: "high",
    frameworks: [
        "AWS Well-Architected SEC04-BP01 (configure service and application logging), SEC04-BP03 (correlate and enrich security alerts)",
        "AWS Well-Architected Machine Learning Lens MLSEC06-BP02",
        "AWS FSBP Config.1",
        "NIST SP 800-53 CA-7 (continuous monitoring)",
    ],
    tags: ["detective", "compliance", "monitoring"],
    remediationSteps:
        "Enable the detective controls (mlplatform:detective.enabled: true, components/detective.ts). In an account without an AWS Config recorder " +
        "set detective.createRecorder: true; in one with a recorder (Control Tower, landing zone) set createRecorder: false and " +
        "detective.existingRecorderName to its name. Keep detective.routeConfigCompliance: true so non-compliance reaches the alerts topic.",
    configSchema: {
        properties: {
            requiredRules: { type: "array", items: { type: "string" }, default: DETECTIVE_DEFAULTS.requiredRules },
            requireRecorder: { type: "boolean", default: true },
            requireComplianceRoute: { type: "boolean", default: true },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = withDefaults(args.getConfig, DETECTIVE_DEFAULTS);
        const { ids, unknown } = managedRuleIdentifiers(args.resources);
        if (ids.size === 0 && !unknown) {
            reportViolation(
                "the stack has no AWS Config managed rules: nothing watches the deployed resources for drift from the policies (enable mlplatform:detective)",
            );
        } else if (!unknown) {
            const missing = cfg.requiredRules.filter((id) => !ids.has(id));
            if (missing.length > 0)
                reportViolation(`no AWS Config rule for ${missing.join(", ")} (required detective counterparts of the pack's preventive rules)`);
        }
        if (ids.size > 0 || unknown) {
            if (cfg.requireRecorder) {
                const rec = recorderState(args.resources);
                if (rec.source === "none")
                    reportViolation(
                        "AWS Config rules without a recorder: no aws.cfg.Recorder in the stack and no existing recorder declared (tag mlplatform:config-recorder = existing:<name> on the rules)",
                    );
                if (rec.source === "stopped")
                    reportViolation("the stack's AWS Config recorder is never started (no aws.cfg.RecorderStatus with isEnabled: true)");
            }
            if (cfg.requireComplianceRoute && !hasComplianceRoute(args.resources)) {
                reportViolation('no EventBridge rule with a target for "Config Rules Compliance Change" events: non-compliance would reach nobody');
            }
        }
    },
});
