/**
 * Violations and exemptions.
 *
 * Policies collect *findings* (strings) per resource and hand them to `reportFindings`, which
 *   1. does nothing when there are no findings;
 *   2. otherwise looks for an exemption tag on the resource:
 *        `mlplatform:policy-exemption:<policy-name>` = "<reason>"
 *      in the resource's `tags` or `tagsAll` (provider default tags are deliberately NOT consulted:
 *      an exemption must be declared on the resource itself, in code, next to the resource);
 *   3. if exempt, records an `ExemptionRecord` (with the findings that were suppressed) and does not
 *      call `reportViolation`; otherwise calls `reportViolation` once per finding.
 *
 * Exemptions are never silent. CrossGuard has no channel for them, so every record is passed to the
 * *exemption sink*. The default sink writes one line to stdout:
 *     [mlplatform:policy-exemption] {"policyName":...,"urn":...,"reason":...,"suppressed":[...]}
 * (the Pulumi CLI shows a policy pack's stdout in its diagnostics). A gate replaces the sink with
 * `setExemptionSink` and/or reads the in-memory log with `takeExemptions()`.
 *
 * Exemption checks happen only when there is something to exempt, so an unknown `tags` value
 * during preview only makes the policy "not fully evaluated" when it actually matters.
 */
import { ReportViolation } from "@pulumi/policy";
import { needKnown, peek } from "./unknowns";

export const EXEMPTION_TAG_PREFIX = "mlplatform:policy-exemption:";
export const EXEMPTION_LOG_MARKER = "[mlplatform:policy-exemption]";

export function exemptionTagKey(policyName: string): string {
    return `${EXEMPTION_TAG_PREFIX}${policyName}`;
}

export interface ResourceRef {
    urn: string;
    name: string;
    type: string;
    props: Record<string, any>;
}

export interface ExemptionRecord {
    policyName: string;
    urn: string;
    name: string;
    type: string;
    reason: string;
    /** Which property carried the tag. */
    source: "tags" | "tagsAll";
    /** The findings that would have been violations. */
    suppressed: string[];
}

export type ExemptionSink = (record: ExemptionRecord) => void;

const defaultSink: ExemptionSink = (r) => {
    console.log(`${EXEMPTION_LOG_MARKER} ${JSON.stringify(r)}`);
};

let sink: ExemptionSink = defaultSink;
const log: ExemptionRecord[] = [];

/** Replaces the exemption sink (pass `undefined` to restore the stdout default); returns the previous one. */
export function setExemptionSink(next: ExemptionSink | undefined): ExemptionSink {
    const prev = sink;
    sink = next ?? defaultSink;
    return prev;
}

/** Returns and clears the exemptions recorded since the last call. */
export function takeExemptions(): ExemptionRecord[] {
    return log.splice(0, log.length);
}

export function recordExemption(record: ExemptionRecord): void {
    log.push(record);
    sink(record);
}

/**
 * The exemption declared on a resource for `policyName`, if any. An empty reason is not an
 * exemption. Throws the runtime's unknown error if the tag is present but its value is unknown.
 */
export function findExemption(policyName: string, props: Record<string, any>): { reason: string; source: "tags" | "tagsAll" } | undefined {
    const key = exemptionTagKey(policyName);
    for (const source of ["tags", "tagsAll"] as const) {
        const t = peek(props, source);
        if (!t.known) {
            needKnown("object", [source]);
        }
        const tags = t.value;
        if (!tags || typeof tags !== "object") {
            continue;
        }
        const v = peek(tags, key);
        if (!v.known) {
            needKnown("string", [source, key]);
        }
        if (typeof v.value === "string" && v.value.trim() !== "") {
            return { reason: v.value.trim(), source };
        }
    }
    return undefined;
}

export type FindingsOutcome = "compliant" | "violation" | "exempt";

/**
 * Reports `findings` for `resource` (see the module comment). For stack policies pass
 * `attachUrn: true` so each violation names the offending resource.
 */
export function reportFindings(
    policyName: string,
    reportViolation: ReportViolation,
    resource: ResourceRef,
    findings: string[],
    attachUrn: boolean,
): FindingsOutcome {
    if (findings.length === 0) {
        return "compliant";
    }
    const exemption = findExemption(policyName, resource.props);
    if (exemption) {
        recordExemption({
            policyName,
            urn: resource.urn,
            name: resource.name,
            type: resource.type,
            reason: exemption.reason,
            source: exemption.source,
            suppressed: [...findings],
        });
        return "exempt";
    }
    for (const f of findings) {
        const msg = attachUrn ? `${resource.name} (${resource.type}): ${f}` : f;
        if (attachUrn) {
            reportViolation(msg, resource.urn);
        } else {
            reportViolation(msg);
        }
    }
    return "violation";
}

/** For stack-wide findings that belong to no single resource (e.g. "no CloudTrail trail"). */
export function reportStackFinding(reportViolation: ReportViolation, finding: string): void {
    reportViolation(finding);
}
