/** Unit tests of the IAM evaluator for the rules the oracle comparison does not generate (each cites the AWS rule). */
import assert from "assert";
import { evaluate, parsePolicy, principalFromString, statementLabel } from "../../policies/lib/iam/evaluator";
import { evaluateCondition, RequestContext } from "../../policies/lib/iam/conditions";

const A = "111111111111";
const role = principalFromString(`arn:aws:sts::${A}:assumed-role/ml-training/s`);
const pol = (id: string, ...Statement: object[]) => parsePolicy(id, { Version: "2012-10-17", Statement });
const KEY = `arn:aws:kms:us-east-1:${A}:key/k1`;

describe("IAM evaluator: rules", () => {
    it("KMS: IAM policies count only when the key policy delegates to the account (key-policy-default.html)", () => {
        const id = [pol("role", { Effect: "Allow", Action: "kms:Decrypt", Resource: "*" })];
        const adminOnly = pol("key", {
            Sid: "Admin",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${A}:root` },
            Action: ["kms:Describe*", "kms:Put*"],
            Resource: "*",
        });
        const d1 = evaluate({
            request: { principal: role, action: "kms:Decrypt", resource: KEY },
            identityPolicies: id,
            resourcePolicy: adminOnly,
            resourcePolicyMode: "required",
        });
        assert.strictEqual(d1.verdict, "ImplicitlyDenied");
        assert.match(d1.reason, /neither allows .* nor delegates/);
        const delegates = pol("key", { Sid: "EnableIAM", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "kms:*", Resource: "*" });
        const d2 = evaluate({
            request: { principal: role, action: "kms:Decrypt", resource: KEY },
            identityPolicies: id,
            resourcePolicy: delegates,
            resourcePolicyMode: "required",
        });
        assert.strictEqual(d2.verdict, "Allowed");
        assert.deepStrictEqual(d2.deciding.map(statementLabel), ['key Sid "EnableIAM" (Allow)', "role statement #0 (Allow)"]);
        const d3 = evaluate({
            request: { principal: role, action: "kms:Decrypt", resource: KEY },
            identityPolicies: [],
            resourcePolicy: delegates,
            resourcePolicyMode: "required",
        });
        assert.strictEqual(d3.verdict, "ImplicitlyDenied");
        const named = pol("key", {
            Sid: "Role",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${A}:role/ml-training` },
            Action: "kms:Decrypt",
            Resource: "*",
        });
        assert.strictEqual(
            evaluate({
                request: { principal: role, action: "kms:Decrypt", resource: KEY },
                identityPolicies: [],
                resourcePolicy: named,
                resourcePolicyMode: "required",
            }).verdict,
            "Allowed",
        );
    });
    it("same account: a resource policy naming the role ARN is limited by the role's permissions boundary; one naming the session is not", () => {
        const boundary = pol("boundary", { Effect: "Allow", Action: "sns:*", Resource: "*" });
        const rp = (p: string) => pol("bucket", { Effect: "Allow", Principal: { AWS: p }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
        const req = { principal: role, action: "s3:GetObject", resource: "arn:aws:s3:::b/x", resourceAccount: A };
        assert.strictEqual(evaluate({ request: req, resourcePolicy: rp(`arn:aws:iam::${A}:role/ml-training`) }).verdict, "Allowed");
        assert.strictEqual(
            evaluate({ request: req, permissionsBoundary: boundary, resourcePolicy: rp(`arn:aws:iam::${A}:role/ml-training`) }).verdict,
            "ImplicitlyDenied",
        );
        assert.strictEqual(
            evaluate({ request: req, permissionsBoundary: boundary, resourcePolicy: rp(`arn:aws:sts::${A}:assumed-role/ml-training/s`) }).verdict,
            "Allowed",
        );
        // A Principal of the account delegates to IAM: alone it grants nothing.
        assert.strictEqual(evaluate({ request: req, resourcePolicy: rp(`arn:aws:iam::${A}:root`) }).verdict, "ImplicitlyDenied");
    });
    it("cross-account: both the identity side and the resource policy must allow", () => {
        const foreign = principalFromString("arn:aws:iam::222222222222:role/x");
        const id = [pol("id", { Effect: "Allow", Action: "*", Resource: "*" })];
        const req = { principal: foreign, action: "s3:GetObject", resource: "arn:aws:s3:::b/x", resourceAccount: A };
        assert.strictEqual(evaluate({ request: req, identityPolicies: id }).verdict, "ImplicitlyDenied");
        const rp = pol("bucket", { Effect: "Allow", Principal: { AWS: "222222222222" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
        assert.strictEqual(evaluate({ request: req, identityPolicies: id, resourcePolicy: rp }).verdict, "Allowed");
        assert.strictEqual(evaluate({ request: req, identityPolicies: [], resourcePolicy: rp }).verdict, "ImplicitlyDenied");
    });
    it("trust policies: service principals and web identity (Federated) are allowed by the trust policy alone", () => {
        const trust = pol(
            "trust",
            { Sid: "Svc", Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" },
            {
                Sid: "Gh",
                Effect: "Allow",
                Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com` },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                    StringLike: { "token.actions.githubusercontent.com:sub": "repo:org/repo:*" },
                },
            },
        );
        const roleArn = `arn:aws:iam::${A}:role/ci`;
        const svc = evaluate({
            request: { principal: principalFromString("sagemaker.amazonaws.com"), action: "sts:AssumeRole", resource: roleArn },
            resourcePolicy: trust,
            resourcePolicyMode: "required",
        });
        assert.strictEqual(svc.verdict, "Allowed");
        assert.strictEqual(
            evaluate({
                request: { principal: principalFromString("lambda.amazonaws.com"), action: "sts:AssumeRole", resource: roleArn },
                resourcePolicy: trust,
                resourcePolicyMode: "required",
            }).verdict,
            "ImplicitlyDenied",
        );
        const gh = principalFromString(`arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com`);
        const ctx = {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:org/repo:ref:refs/heads/main",
        };
        assert.strictEqual(
            evaluate({
                request: { principal: gh, action: "sts:AssumeRoleWithWebIdentity", resource: roleArn, context: ctx },
                resourcePolicy: trust,
                resourcePolicyMode: "required",
            }).verdict,
            "Allowed",
        );
        assert.strictEqual(
            evaluate({
                request: {
                    principal: gh,
                    action: "sts:AssumeRoleWithWebIdentity",
                    resource: roleArn,
                    context: { ...ctx, "token.actions.githubusercontent.com:sub": "repo:evil/repo:ref:x" },
                },
                resourcePolicy: trust,
                resourcePolicyMode: "required",
            }).verdict,
            "ImplicitlyDenied",
        );
    });
    it('anonymous callers are allowed only by Principal "*"; NotPrincipal+Deny always denies a principal with a boundary', () => {
        const rp = pol(
            "bucket",
            { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
            {
                Sid: "DenyOthers",
                Effect: "Deny",
                NotPrincipal: { AWS: `arn:aws:iam::${A}:role/ml-training` },
                Action: "s3:PutObject",
                Resource: "arn:aws:s3:::b/*",
            },
        );
        assert.strictEqual(
            evaluate({ request: { principal: { type: "anonymous" }, action: "s3:GetObject", resource: "arn:aws:s3:::b/x" }, resourcePolicy: rp }).verdict,
            "Allowed",
        );
        const id = [pol("id", { Effect: "Allow", Action: "s3:*", Resource: "*" })];
        const req = { principal: role, action: "s3:PutObject", resource: "arn:aws:s3:::b/x", resourceAccount: A };
        assert.strictEqual(evaluate({ request: req, identityPolicies: id, resourcePolicy: rp }).verdict, "Allowed");
        const d = evaluate({
            request: req,
            identityPolicies: id,
            permissionsBoundary: pol("pb", { Effect: "Allow", Action: "s3:*", Resource: "*" }),
            resourcePolicy: rp,
        });
        assert.strictEqual(d.verdict, "ExplicitlyDenied");
        assert.deepStrictEqual(d.deciding.map(statementLabel), ['bucket Sid "DenyOthers" (Deny)']);
    });
    it("condition operators: Binary, IPv6, escapes, unresolved variables, set operators on absent keys", () => {
        const c = new RequestContext({ "aws:SourceIp": "2001:db8::7", k: "QmluYXJ5", "aws:username": "al*ce", tags: [] });
        assert.ok(evaluateCondition("BinaryEquals", "k", ["QmluYXJ5"], c, true));
        assert.ok(evaluateCondition("IpAddress", "aws:SourceIp", ["2001:db8::/32"], c, true));
        assert.ok(!evaluateCondition("IpAddress", "aws:SourceIp", ["10.0.0.0/8"], c, true));
        assert.ok(evaluateCondition("StringLike", "aws:username", ["al${*}ce"], c, true));
        assert.ok(!evaluateCondition("StringLike", "aws:username", ["al${*}ce"], new RequestContext({ "aws:username": "alice" }), true));
        assert.ok(!evaluateCondition("StringEquals", "aws:username", ["${aws:PrincipalTag/none}"], c, true));
        assert.ok(evaluateCondition("StringEquals", "aws:username", ["${aws:PrincipalTag/none, 'al*ce'}"], c, true));
        assert.ok(evaluateCondition("ForAllValues:StringEquals", "absent", ["x"], c, true));
        assert.ok(evaluateCondition("ForAllValues:StringEquals", "tags", ["x"], c, true));
        assert.ok(!evaluateCondition("ForAnyValue:StringEquals", "absent", ["x"], c, true));
        assert.ok(evaluateCondition("StringNotEquals", "absent", ["x"], c, true));
        assert.ok(!evaluateCondition("StringEquals", "absent", ["x"], c, true));
        assert.ok(evaluateCondition("StringEqualsIfExists", "absent", ["x"], c, true));
        assert.ok(evaluateCondition("Null", "absent", ["true"], c, true));
        assert.ok(evaluateCondition("DateLessThan", "t", ["2025-01-01T00:00:00Z"], new RequestContext({ t: "1700000000" }), true));
        assert.ok(!evaluateCondition("NoSuchOperator", "aws:username", ["x"], c, true));
    });
});
