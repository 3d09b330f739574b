/**
 * Violations and exemptions.
 *
 * Policies collect *findings* (strings) per resource and hand them to `reportFindings`, which
 *   1. does nothing when there are no findings;
 *   2. otherwise looks for an exemption declared for the resource (tags on the resource, or the reviewed
 *      exemptions file; provider default tags are deliberately NOT consulted) - see ./exemptions.ts;
 *   3. if the exemption is active (complete: reason, approver or ticket, expiry; not expired; and the policy may be
 *      exempted), records an `ExemptionRecord` (with the findings it suppressed and its expiry) and does not call
 *      `reportViolation`; an exemption that is not active is reported as a violation of its own, followed by the
 *      findings; with no exemption, `reportViolation` is called once per finding.
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
import { allowsExemptions, declaredExemption, EXEMPTION_TAG_PREFIX, exemptionProblems, today } from "./exemptions";

export { EXEMPTION_TAG_PREFIX };
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
    approver?: string;
    ticket?: string;
    /** YYYY-MM-DD */
    expires: string;
    /** Where the exemption was declared: the resource's tags, or the reviewed exemptions file. */
    source: "tags" | "tagsAll" | "file";
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
    getConfig?: () => object,
): FindingsOutcome {
    if (findings.length === 0) {
        return "compliant";
    }
    const report = (f: string) => {
        const msg = attachUrn ? `${resource.name} (${resource.type}): ${f}` : f;
        if (attachUrn) reportViolation(msg, resource.urn);
        else reportViolation(msg);
    };
    const declared = declaredExemption(policyName, resource.urn, resource.props);
    if (declared) {
        const where =
            declared.source === "file" ? "policies/exemptions.json" : `${declared.source} ${EXEMPTION_TAG_PREFIX}${policyName}[:approver|:ticket|:expires]`;
        const problems = allowsExemptions(policyName, getConfig)
            ? exemptionProblems(declared, today())
            : [`policy ${policyName} cannot be exempted (its allowExemptions config is false: fix the finding instead)`];
        if (problems.length === 0) {
            recordExemption({
                policyName,
                urn: resource.urn,
                name: resource.name,
                type: resource.type,
                reason: declared.reason!.trim(),
                ...(declared.approver ? { approver: declared.approver } : {}),
                ...(declared.ticket ? { ticket: declared.ticket } : {}),
                expires: declared.expires!,
                source: declared.source,
                suppressed: [...findings],
            });
            return "exempt";
        }
        report(`invalid exemption (${where}): ${problems.join("; ")} - the findings it would suppress are reported`);
    }
    for (const f of findings) report(f);
    return "violation";
}

/** For stack-wide findings that belong to no single resource (e.g. "no CloudTrail trail"). */
export function reportStackFinding(reportViolation: ReportViolation, finding: string): void {
    reportViolation(finding);
}
