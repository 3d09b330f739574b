/**
 * endpoint-autoscaling (stack): every instance-backed production variant of every SageMaker
 * endpoint has an Application Auto Scaling target
 *   `aws:appautoscaling/target:Target` { serviceNamespace: "sagemaker",
 *     scalableDimension: "sagemaker:variant:DesiredInstanceCount",
 *     resourceId: "endpoint/<endpoint name>/variant/<variant name>" }
 * whose minCapacity is at least `minCapacity`. When the resourceId is unknown during preview
 * (built from the endpoint's computed name) the target is matched through the engine's property
 * dependencies and counts for the endpoint's variants.
 */
import { withDefaults } from "../lib/config";
import { reportFindings } from "../lib/report";
import { configsOfEndpoint, endpointName, productionVariants, SM } from "../lib/sagemaker";
import { StackResource, knownOrUndefined, ofType } from "../lib/stack";
import { definePolicy, PlatformStackPolicy } from "../lib/types";
import { isUnknown } from "../lib/unknowns";

export interface AutoscalingConfig {
    minCapacity: number;
}

export const AUTOSCALING_DEFAULTS: AutoscalingConfig = { minCapacity: 2 };

const NAME = "endpoint-autoscaling";

export function autoscalingFindings(resources: StackResource[], cfg: AutoscalingConfig): Map<StackResource, string[]> {
    const targets = ofType(resources, SM.autoscalingTarget).filter((t) => {
        const ns = knownOrUndefined(t.props, "serviceNamespace");
        const dim = knownOrUndefined(t.props, "scalableDimension");
        return (ns === undefined || ns === "sagemaker") && (dim === undefined || dim === "sagemaker:variant:DesiredInstanceCount");
    });
    const out = new Map<StackResource, string[]>();
    for (const ep of ofType(resources, SM.endpoint)) {
        const f: string[] = [];
        const name = endpointName(ep);
        const variants = configsOfEndpoint(ep, resources)
            .flatMap(productionVariants)
            .filter((v) => !v.serverless);
        for (const v of variants) {
            const matching = targets.filter((t) => {
                const rid = knownOrUndefined(t.props, "resourceId");
                if (typeof rid === "string" && !isUnknown(rid)) {
                    const m = /^endpoint\/([^/]+)\/variant\/([^/]+)$/.exec(rid);
                    return !!m && m[1] === name && (v.variantName === undefined || m[2] === v.variantName);
                }
                return (t.propertyDependencies?.resourceId ?? []).some((d) => d.urn === ep.urn);
            });
            const label = `variant ${v.variantName ?? "(unnamed)"}`;
            if (matching.length === 0) {
                f.push(
                    `${label} has no autoscaling target (aws.appautoscaling.Target with resourceId endpoint/${name ?? "<name>"}/variant/${v.variantName ?? "<variant>"})`,
                );
                continue;
            }
            const mins = matching.map((t) => knownOrUndefined(t.props, "minCapacity")).filter((x): x is number => typeof x === "number");
            if (mins.length > 0 && Math.max(...mins) < cfg.minCapacity) {
                f.push(`${label} autoscaling minCapacity ${Math.max(...mins)} is below ${cfg.minCapacity}`);
            }
        }
        out.set(ep, f);
    }
    return out;
}

export const endpointAutoscaling: PlatformStackPolicy = definePolicy({
    kind: "stack",
    name: NAME,
    description: "Every instance-backed production variant of every SageMaker endpoint has an autoscaling target with a sufficient minimum capacity.",
    enforcementLevel: "advisory",
    exemptable: true,
    severity: "medium",
    frameworks: ["AWS FSBP SageMaker.4", "AWS Well-Architected REL07 (scale automatically)", "AWS Well-Architected REL10 (multi-AZ)"],
    tags: ["availability", "capacity"],
    remediationSteps:
        'Create `aws.appautoscaling.Target` { serviceNamespace: "sagemaker", scalableDimension: "sagemaker:variant:DesiredInstanceCount", ' +
        "resourceId: pulumi.interpolate`endpoint/${endpoint.name}/variant/<variant>`, minCapacity >= 2 } and a target-tracking `aws.appautoscaling.Policy` on SageMakerVariantInvocationsPerInstance.",
    configSchema: {
        properties: {
            minCapacity: { type: "integer", minimum: 1, default: AUTOSCALING_DEFAULTS.minCapacity },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = withDefaults(args.getConfig, AUTOSCALING_DEFAULTS);
        for (const [ep, findings] of autoscalingFindings(args.resources, cfg)) {
            reportFindings(NAME, reportViolation, ep, findings, true, args.getConfig);
        }
    },
});
