/**
 * Building blocks for the insecure-variant corpus: Pulumi v1 stack transformations that change one named resource of
 * the real platform program (they run after the program's own transformations, see gate/runtime.ts), and helpers
 * to compare a variant's gate report with the clean program's.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GateReport, GateViolation } from "../../gate/gate";

export type Props = Record<string, any>;

/** A transformation that counts how often it changed something (a variant whose target was renamed must fail). */
export type CountingTransformation = pulumi.ResourceTransformation & { label: string; hits: number };

/** Changes the props of the resource with this type and name (and only that one). */
export function on(type: string, name: string, change: (props: Props) => Props): CountingTransformation {
    const t = ((args: pulumi.ResourceTransformationArgs) => {
        if (args.type !== type || args.name !== name) return undefined;
        t.hits++;
        return { props: change({ ...args.props }), opts: args.opts };
    }) as CountingTransformation;
    t.label = `${type} ${name}`;
    t.hits = 0;
    return t;
}

/** A nested input (possibly an Output or containing Outputs) changed once resolved; `fn` gets a plain deep copy. */
export function nested<T = any>(value: unknown, fn: (plain: T) => unknown): pulumi.Output<unknown> {
    return pulumi.output(value as pulumi.Input<object | null>).apply((v: object | null) => fn(JSON.parse(JSON.stringify(v ?? null)) as T));
}

export interface PolicyDoc {
    Version?: string;
    Statement: Props[];
}

/** An IAM/KMS policy document input (JSON string or object, possibly an Output) changed once resolved. */
export function doc(value: unknown, fn: (d: PolicyDoc) => PolicyDoc): pulumi.Output<string> {
    return pulumi
        .output(value as pulumi.Input<string | object>)
        .apply((v: string | object) => JSON.stringify(fn((typeof v === "string" ? JSON.parse(v) : JSON.parse(JSON.stringify(v))) as PolicyDoc)));
}

/** Merges extra tags into a resource's (already transformed) tags. */
export function withTags(value: unknown, extra: Record<string, string>): pulumi.Output<Record<string, string>> {
    return pulumi.output(value as pulumi.Input<Record<string, string> | undefined>).apply((t) => ({ ...(t ?? {}), ...extra }));
}

/**
 * Declares an extra resource the first time a resource of `whenType`/`whenName` is registered (a program variant that
 * adds something, e.g. a managed-policy attachment). The transformation itself leaves that resource unchanged.
 */
export function alsoDeclare(whenType: string, whenName: string, declare: (props: Props) => void): CountingTransformation {
    const t = ((args: pulumi.ResourceTransformationArgs) => {
        if (t.hits === 0 && args.type === whenType && args.name === whenName) {
            t.hits++;
            declare(args.props);
        }
        return undefined;
    }) as CountingTransformation;
    t.label = `declare next to ${whenType} ${whenName}`;
    t.hits = 0;
    return t;
}

export function roleAttachment(name: string, role: pulumi.Input<string>, policyArn: string): aws.iam.RolePolicyAttachment {
    return new aws.iam.RolePolicyAttachment(name, { role, policyArn });
}

export const key = (v: Pick<GateViolation, "policy" | "urn" | "message">): string => `${v.policy}|${v.urn ?? "(stack)"}|${v.message}`;

/** Violations of `report` that the clean program's report does not have. */
export function fresh(report: GateReport, baseline: GateReport): GateViolation[] {
    const known = new Set(baseline.violations.map(key));
    return report.violations.filter((v) => !known.has(key(v)));
}

export const urnName = (urn: string | undefined): string | undefined => (urn === undefined ? undefined : urn.slice(urn.lastIndexOf("::") + 2));
export const urnType = (urn: string | undefined): string | undefined => (urn === undefined ? undefined : urn.split("::")[2]?.split("$").pop());
