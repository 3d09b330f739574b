/**
 * Every policy document the program writes, validated against the policy grammar and the Service Authorization
 * Reference (policies/lib/iam/validate.ts): identity inline and managed policies, permissions boundaries, trust
 * policies, bucket/key/topic/function resource policies and VPC endpoint policies, for dev and prod (default config
 * and with a registered model), from the same mock run of the program the offline gate uses.
 */
import { strict as assert } from "assert";
import { RawConfig } from "../../infra/config";
import { createPlatform } from "../../infra/program";
import { runProgram, ProgramRun } from "../../gate/runtime";
import { DOCUMENT_RESOURCE_TYPES, policyDocumentsOf } from "../../policies/lib/iam/documents";
import { formatFinding, validatePolicyDocument } from "../../policies/lib/iam/validate";
import { withDistributedMonitor, withRegisteredModel } from "../../test-support/registered-model";

interface Collected {
    resource: string;
    type: string;
    role: string;
    kind: string;
    document: unknown;
}

/** Every document of a run, managed policies used as permissions boundaries labelled as such. */
export function collectDocuments(run: ProgramRun): Collected[] {
    const boundaries = new Set(
        run.resources.filter((r) => r.type === "aws:iam/role:Role" && r.inputs.permissionsBoundary).map((r) => String(r.inputs.permissionsBoundary)),
    );
    const out: Collected[] = [];
    for (const r of run.resources) {
        for (const d of policyDocumentsOf(r.type, r.inputs)) {
            const role = r.type === "aws:iam/policy:Policy" && boundaries.has(String(r.outputs.arn)) ? "permissions boundary" : d.role;
            out.push({ resource: r.name, type: r.type, role, kind: d.kind, document: d.document });
        }
    }
    return out;
}

describe("access: every policy document the program writes is valid against the Service Authorization Reference", function () {
    this.timeout(300_000);
    // Three configurations of a stack: the default (a new account, no model yet: no endpoint, no serverless monitor),
    // one whose model is registered (endpoint, monitor Lambda and its invoke permission), and the opt-in Step Functions
    // monitor (state machine, worker and reducer roles, KMS grants for execution data).
    const configs: [string, ((raw: RawConfig) => RawConfig) | undefined][] = [
        ["default config", undefined],
        ["registered model", withRegisteredModel],
        ["distributed monitor", withDistributedMonitor],
    ];
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: identity, boundary, trust, resource and endpoint policies have zero findings`, async () => {
            const roles = new Map<string, number>();
            const problems: string[] = [];
            for (const [label, configure] of configs) {
                const run = await runProgram(() => createPlatform(), { stack, configure });
                const docs = collectDocuments(run);
                const here = new Map<string, number>();
                let statements = 0;
                let actions = 0;
                for (const d of docs) {
                    here.set(d.role, (here.get(d.role) ?? 0) + 1);
                    roles.set(d.role, (roles.get(d.role) ?? 0) + 1);
                    const v = validatePolicyDocument(d.document, d.kind as never);
                    statements += v.statements;
                    actions += v.actions;
                    for (const f of v.findings) problems.push(`${label}: ${d.resource} (${d.type}) ${d.role}: ${formatFinding(f)}`);
                }
                // Nothing carrying a policy escapes the collector: every resource with a JSON policy-looking input is of a known type.
                for (const r of run.resources) {
                    const carries = Object.values(r.inputs).some((v) => typeof v === "string" && v.includes('"Statement"'));
                    if (carries)
                        assert.ok(
                            DOCUMENT_RESOURCE_TYPES.includes(r.type),
                            `${stack}: ${r.name} (${r.type}) has a policy document the collector does not know`,
                        );
                }
                console.log(
                    `      ${stack}, ${label}: ${docs.length} policy documents, ${statements} statements, ${actions} action references validated (${[...here].map(([k, n]) => `${n} ${k}`).join(", ")})`,
                );
            }
            // Coverage: the kinds of document the platform is known to write are all collected.
            for (const role of [
                "trust policy",
                "inline policy",
                "permissions boundary",
                "bucket policy",
                "key policy",
                "topic policy",
                "VPC endpoint policy",
                "function policy statement",
            ]) {
                assert.ok(roles.has(role), `${stack}: no ${role} collected (collected: ${[...roles.keys()].join(", ")})`);
            }
            assert.deepEqual(problems, [], `${stack}: ${problems.length} finding(s):\n${problems.join("\n")}`);
        });
    }
});
