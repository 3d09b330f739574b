/**
 * Pulumi entry point (`main: infra/` in Pulumi.yaml): `pulumi up --stack dev|prod`.
 * Reads and validates the stack's config, declares the platform, and exports the stack outputs contract.
 */
import { createPlatform } from "./program";

export = createPlatform();
