/**
 * The resource options a component passes to `super`: the caller's options plus one `{ type: <old token> }` alias per
 * token the component was registered under before (contracts/type-tokens.ts), so renaming a type token does not
 * replace an existing stack's resources (Pulumi docs, "Resource option: aliases": a changed type migrates instead of
 * being replaced). A child's URN embeds its parent's type; the engine derives each child's alias from its parent's
 * (the SDK does the same itself for engines without alias specs: `allAliases` in @pulumi/pulumi resource.ts), so the
 * children migrate too without aliases of their own.
 */
import * as pulumi from "@pulumi/pulumi";
import { ComponentName, PREVIOUS_COMPONENT_TYPES } from "../contracts/type-tokens";

export { COMPONENT_TYPES } from "../contracts/type-tokens";

/** For `super(COMPONENT_TYPES.X, name, {}, withPreviousTypes("X", opts))`: the caller's aliases come first. */
export function withPreviousTypes(component: ComponentName, opts?: pulumi.ComponentResourceOptions): pulumi.ComponentResourceOptions | undefined {
    const previous = PREVIOUS_COMPONENT_TYPES[component] ?? [];
    if (previous.length === 0) return opts;
    return { ...opts, aliases: [...(opts?.aliases ?? []), ...previous.map((type) => ({ type }))] };
}
