/**
 * Tagging strategy: the required tags (Project, Environment, Owner, CostCenter, DataClassification, plus any extra tags
 * from stack config) reach every taggable AWS resource twice over:
 *  1. as the AWS provider's `defaultTags` (the provider merges them into `tagsAll` at apply time), and
 *  2. through a stack transformation that writes them into each taggable resource's own `tags` input, so that previews,
 *     policy checks and resources that do not honour default tags (e.g. Auto Scaling groups, launched sub-resources)
 *     see them too. A resource's own tags win over the defaults.
 *
 * "Taggable" is the set of `@pulumi/aws` resource types whose Args have a `tags` property, generated from the provider's
 * type definitions into `policies/data/taggable-types.json` (shared with the policy pack, so both agree).
 */
import * as pulumi from "@pulumi/pulumi";
import taggable from "../policies/data/taggable-types.json";

/** Tag key prefix the policy pack reads as a per-resource exemption (see policies/lib/exemptions.ts for the format). */
export { EXEMPTION_TAG_PREFIX } from "../policies/lib/exemptions";
import { exemptionTags } from "../policies/lib/exemptions";

const TAGGABLE = new Set<string>((taggable as { types: string[] }).types);

/** True when resources of this Pulumi type token accept a `tags` input. */
export function isTaggable(type: string): boolean {
    return TAGGABLE.has(type);
}

/**
 * Expiry of the platform's own exemptions (the three findings the platform accepts by design: the permissions
 * boundary, the S3 gateway endpoint's AWS-owned buckets, the access-log bucket's SSE-S3). Review them and move this
 * date at least yearly: after it the gate fails with "invalid exemption ... expired".
 */
export const PLATFORM_EXEMPTIONS_EXPIRE = "2027-11-30";

export interface Exemption {
    /** Why the finding is accepted (>= 10 characters). */
    reason: string;
    /** Who approved it (e-mail or name); an approver or a ticket is required. */
    approver?: string;
    /** The ticket that records the decision (ABC-123, #123 or a URL). */
    ticket?: string;
    /** YYYY-MM-DD, at most a year ahead when the gate runs; an expired exemption is a violation. */
    expires: string;
}

/**
 * Tags of a resource that is exempted from one policy: reason, approver and/or ticket, expiry (shown by the policy gate,
 * which refuses incomplete or expired ones and policies that may not be exempted).
 */
export function exemption(policy: string, e: Exemption): Record<string, string> {
    const tags = exemptionTags(policy, e);
    for (const [k, v] of Object.entries(tags)) {
        if (v.length > 256) throw new Error(`exemption for policy '${policy}': ${k} is ${v.length} characters; AWS tag values hold at most 256`);
        const bad = v.match(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/u);
        if (bad)
            throw new Error(
                `exemption for policy '${policy}': '${bad[0]}' in ${k} is not allowed in an AWS tag value (use letters, digits, spaces and _ . : / = + - @)`,
            );
    }
    return tags;
}

/**
 * A v1 stack transformation that merges `tags` into the `tags` input of every taggable AWS resource.
 * Register it with `pulumi.runtime.registerStackTransformation(tagTransformation(tags))` at the top of the program.
 */
export function tagTransformation(tags: Record<string, string>): pulumi.ResourceTransformation {
    return (args) => {
        if (!isTaggable(args.type)) return undefined;
        const own = args.props["tags"];
        // Unknown or computed tags (an Output) are merged once resolved.
        const merged =
            own === undefined || own === null ? { ...tags } : pulumi.output(own).apply((o: Record<string, string> | undefined) => ({ ...tags, ...(o ?? {}) }));
        return { props: { ...args.props, tags: merged }, opts: args.opts };
    };
}
