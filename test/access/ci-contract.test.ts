/**
 * The access contract's CI and detective part (gate/access/ci.ts): the read-only CI role can run preview and drift
 * (OIDC from pull requests and main, configuration reads) and nothing else; the deploy role only from its GitHub
 * environment; AWS Config delivers to the audit bucket. Variants show the contract fails when a policy breaks it.
 */
import assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runContract } from "../../gate/access/contract";
import { AccessModel } from "../../gate/access/model";
import { accessModelOf } from "../../gate/access/stack";
import { withDistributedMonitor } from "../../test-support/registered-model";

const groups = (m: AccessModel) => {
    const r = runContract(m);
    const count: Record<string, number> = {};
    for (const o of r.outcomes)
        if (/^(ci:|detective:|forbidden:ci|forbidden:detective)/.test(o.probe.group)) count[o.probe.group] = (count[o.probe.group] ?? 0) + 1;
    return { r, count };
};

function editPolicy(type: string, match: (name: string) => boolean, prop: string, edit: (doc: any) => any): pulumi.ResourceTransformation {
    return (args) => {
        if (args.type !== type || !match(args.name)) return undefined;
        const props = { ...args.props };
        props[prop] = pulumi.output(props[prop]).apply((p: string) => JSON.stringify(edit(JSON.parse(p))));
        return { props, opts: args.opts };
    };
}

describe("access contract: CI roles and AWS Config (issue 11)", function () {
    this.timeout(180000);

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: preview/drift/refresh, Config delivery and the detective routes are probed and hold`, async () => {
            const { r, count } = groups(await accessModelOf(stack));
            for (const g of [
                "ci:preview",
                "ci:drift",
                "ci:refresh",
                "detective:config",
                "detective:respond",
                "forbidden:ci-readonly",
                "forbidden:ci-deploy",
                "forbidden:detective",
            ])
                assert.ok((count[g] ?? 0) > 0, `${stack}: no ${g} probes (${JSON.stringify(count)})`);
            assert.ok(count["ci:refresh"] >= 60 && count["forbidden:ci-readonly"] >= 100, JSON.stringify(count));
            const failed = r.failures.filter((f) => /^(ci:|detective:|forbidden:ci|forbidden:detective)/.test(f.probe.group));
            assert.deepStrictEqual(
                failed.map((f) => `${f.probe.group} ${f.probe.action} ${f.probe.resource}`),
                [],
            );
        });
    }

    it("with the opt-in Step Functions monitor: refresh reads its state machine (decrypting the definition only through Step Functions) and queue, and nothing of its executions or dead letters", async () => {
        for (const stack of ["dev", "prod"]) {
            const { r } = groups(await accessModelOf(stack, { configure: withDistributedMonitor }));
            const probes = r.outcomes.filter(
                (o) => /stateMachine|monitor-dlq|execution:/.test(o.probe.resource) || /stateMachineArn/.test(JSON.stringify(o.probe.context ?? {})),
            );
            const ci = probes.filter((o) => /^(ci:refresh|forbidden:ci-readonly)$/.test(o.probe.group));
            assert.ok(ci.filter((o) => o.probe.group === "ci:refresh").length >= 5, `${stack}: ${ci.length} CI probes on the state machine`);
            assert.ok(ci.filter((o) => o.probe.group === "forbidden:ci-readonly").length >= 12, `${stack}: forbidden probes`);
            const failed = r.failures.filter((f) => /^(ci:|forbidden:ci)/.test(f.probe.group));
            assert.deepStrictEqual(
                failed.map((f) => `${f.probe.group} ${f.probe.action} ${f.probe.resource}`),
                [],
            );
        }
    });

    it("fails when the logs key stops letting the read-only role decrypt the state machine's definition (variant)", async () => {
        const m = await accessModelOf("prod", {
            configure: withDistributedMonitor,
            transformations: [
                editPolicy(
                    "aws:kms/key:Key",
                    () => true,
                    "policy",
                    (doc) => ({ ...doc, Statement: doc.Statement.filter((st: { Sid?: string }) => st.Sid !== "CiReadOnlyReadsStateMachineDefinition") }),
                ),
            ],
        });
        const failed = runContract(m).failures.filter((f) => /^ci:/.test(f.probe.group));
        assert.deepStrictEqual(
            failed.map((f) => `${f.probe.group} ${f.probe.action}`),
            ["ci:refresh kms:Decrypt"],
        );
    });

    it("fails when the read-only role is also trusted from the prod deployment environment (variant)", async () => {
        const m = await accessModelOf("prod", {
            transformations: [
                editPolicy(
                    "aws:iam/role:Role",
                    (n) => n === "ci-readonly-role",
                    "assumeRolePolicy",
                    (doc) => {
                        const s = doc.Statement[0];
                        const key = Object.keys(s.Condition.StringLike)[0];
                        s.Condition.StringLike[key] = [...s.Condition.StringLike[key], "repo:example-org/ml-platform:environment:prod"];
                        return doc;
                    },
                ),
            ],
        });
        const f = runContract(m).failures.filter((x) => x.probe.group === "forbidden:ci-readonly");
        assert.strictEqual(f.length, 1, f.map((x) => x.probe.why).join("; "));
        assert.match(f[0].probe.why, /not for repo:example-org\/ml-platform:environment:prod/);
    });

    it("fails when the read-only role may read platform data (variant: data deny removed, s3:GetObject on *)", async () => {
        const m = await accessModelOf("dev", {
            transformations: [
                editPolicy(
                    "aws:iam/rolePolicy:RolePolicy",
                    (n) => n === "ci-readonly-read",
                    "policy",
                    (doc) => ({
                        ...doc,
                        Statement: [
                            ...doc.Statement.filter((s: any) => s.Sid !== "NoPlatformData"),
                            { Sid: "Oops", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
                        ],
                    }),
                ),
            ],
        });
        const f = runContract(m).failures.filter((x) => x.probe.group === "forbidden:ci-readonly" && x.probe.action === "s3:GetObject");
        assert.ok(f.length >= 1, "reads of platform data must fail the contract");
    });

    it("fails when the Config recorder loses its delivery permission (variant)", async () => {
        const m = await accessModelOf("prod", {
            transformations: [
                editPolicy(
                    "aws:iam/rolePolicy:RolePolicy",
                    (n) => n === "detective-delivery",
                    "policy",
                    (doc) => ({ ...doc, Statement: doc.Statement.filter((s: any) => s.Sid !== "DeliverSnapshots") }),
                ),
            ],
        });
        const f = runContract(m).failures.filter((x) => x.probe.group === "detective:config");
        assert.deepStrictEqual(
            f.map((x) => x.probe.action),
            ["s3:PutObject"],
        );
    });
});
