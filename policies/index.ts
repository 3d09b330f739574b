/**
 * Policy pack entry point - the only module that constructs the PolicyPack (which starts the
 * analyzer gRPC server and needs ./package.json in the working directory). Everything else lives
 * in side-effect-free modules; see all.ts and README.md.
 *
 *   pulumi preview --stack prod --policy-pack policies --policy-pack-config policies/config/prod.json
 */
import { PolicyPack } from "@pulumi/policy";
import { all } from "./all";

new PolicyPack("ml-platform", {
    policies: all,
    enforcementLevel: "advisory",
    description: "Guardrails for the secure SageMaker ML platform.",
    provider: "aws",
    tags: ["aws", "sagemaker", "security", "cost"],
});
