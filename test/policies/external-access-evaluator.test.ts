/**
 * The external-access analysis (policies/lib/iam/analysis.ts) agrees with the IAM evaluator of issue 9
 * (policies/lib/iam/evaluator.ts, AWS's documented evaluation logic): for every resource-policy document of the
 * semantic corpus, the analysis reports external access exactly when the evaluator allows a request from outside the
 * account - an anonymous caller, a foreign account's root or role - made without any pinning context (no
 * organisation, another source account, outside the VPC endpoint). Each flagged document must be allowed for at least
 * one such caller; each look-alike must be denied for all of them.
 */
import { strict as assert } from "assert";
import { externalAccess, parseCached } from "../../policies/lib/iam/analysis";
import { evaluate, parsePolicy, principalFromString } from "../../policies/lib/iam/evaluator";
import { ACCOUNT, CorpusEntry, FOREIGN, INSECURE, LOOKALIKES } from "../gate/semantic-corpus";

const FIELDS: Record<string, string> = {
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "resourcePolicy",
};

function documents(entries: CorpusEntry[]): { id: string; doc: string }[] {
    return entries
        .filter((e) => e.rule === "resource-policy-external-access")
        .flatMap((e) => e.resources.filter((r) => FIELDS[r.type]).map((r) => ({ id: e.id, doc: r.props[FIELDS[r.type]] as string })));
}

/** Callers from outside: anonymous, a foreign root, foreign roles (one named like ours), all in a foreign organisation. */
const OUTSIDERS = ["anonymous", `arn:aws:iam::${FOREIGN}:root`, `arn:aws:iam::${FOREIGN}:role/intruder`, `arn:aws:iam::${FOREIGN}:role/ci`];

/** Does the evaluator allow some outsider some Allow statement's action on its resource, with an outsider's context? */
function evaluatorAllowsOutsider(doc: string): boolean {
    const policy = parsePolicy("resource", doc);
    for (const s of policy.statements) {
        if (s.effect !== "Allow") continue;
        const actions = s.actions ?? [];
        const action = (actions[0] ?? "s3:GetObject").replace(/\*.*$/, "GetObject").replace(/:$/, ":GetObject");
        const resource = (s.resources ?? ["*"])[0].replace(/\*/g, "x");
        for (const who of OUTSIDERS) {
            const principal = principalFromString(who);
            const context: Record<string, string> =
                who === "anonymous"
                    ? {}
                    : { "aws:PrincipalAccount": FOREIGN, "aws:SourceAccount": FOREIGN, "aws:PrincipalArn": who, "aws:PrincipalOrgID": "o-foreignorg1" };
            const d = evaluate({
                request: { principal, action, resource, resourceAccount: ACCOUNT, context },
                resourcePolicy: policy,
                identityPolicies: who === "anonymous" ? undefined : [parsePolicy("caller", { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] })],
            });
            if (d.allowed) return true;
        }
    }
    return false;
}

describe("external-access analysis vs the IAM evaluator (issue 9)", () => {
    const bad = documents(INSECURE);
    const good = documents(LOOKALIKES);
    it("covers the corpus's resource-policy documents", () => {
        assert.ok(bad.length >= 25 && good.length >= 8, `${bad.length} insecure, ${good.length} look-alike documents`);
    });
    for (const { id, doc } of bad) {
        it(`flagged and allowed for an outsider: ${id}`, () => {
            assert.ok(externalAccess(parseCached(doc, ["policy"]), { trustedAccounts: [] }).length > 0, "the analysis flags it");
            assert.ok(evaluatorAllowsOutsider(doc), "the evaluator allows an outsider");
        });
    }
    for (const { id, doc } of good) {
        it(`not flagged and denied to every outsider: ${id}`, () => {
            assert.deepEqual(externalAccess(parseCached(doc, ["policy"]), { trustedAccounts: [ACCOUNT] }), []);
            assert.ok(!evaluatorAllowsOutsider(doc), "the evaluator denies every outsider");
        });
    }
});
