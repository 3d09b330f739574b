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

/** Tag key prefix the policy pack reads as a per-resource exemption: `mlplatform:policy-exemption:<policy>` = reason. */
export { EXEMPTION_TAG_PREFIX } from "../policies/lib/report";
import { EXEMPTION_TAG_PREFIX } from "../policies/lib/report";

const TAGGABLE = new Set<string>((taggable as { types: string[] }).types);

/** True when resources of this Pulumi type token accept a `tags` input. */
export function isTaggable(type: string): boolean {
    return TAGGABLE.has(type);
}

/** Tags of a resource that is exempted from one policy, with the reason (shown by the policy gate). */
export function exemption(policy: string, reason: string): Record<string, string> {
    if (reason.trim().length < 10) throw new Error(`exemption for policy '${policy}': give a reason of at least 10 characters`);
    if (reason.length > 256) throw new Error(`exemption for policy '${policy}': the reason is ${reason.length} characters; AWS tag values hold at most 256`);
    const bad = reason.match(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/u);
    if (bad) throw new Error(`exemption for policy '${policy}': '${bad[0]}' is not allowed in an AWS tag value (use letters, digits, spaces and _ . : / = + - @)`);
    return { [`${EXEMPTION_TAG_PREFIX}${policy}`]: reason };
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
        const merged = own === undefined || own === null ? { ...tags } : pulumi.output(own).apply((o: Record<string, string> | undefined) => ({ ...tags, ...(o ?? {}) }));
        return { props: { ...args.props, tags: merged }, opts: args.opts };
    };
}
