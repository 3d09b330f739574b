/**
 * The shared semantic analysis (policies/lib/iam/analysis.ts): action expansion and sensitivity from the Service
 * Authorization Reference, ARN coverage, who outside the account can do what, CIDR semantics, per-document cache.
 */
import { strict as assert } from "assert";
import {
    conditionsPin,
    externalAccess,
    isUnscopedAcrossAccounts,
    isUnscopedResource,
    isWorldCidr,
    parseCached,
    summarizeActions,
} from "../../policies/lib/iam/analysis";
import { parsePolicyDocument } from "../../policies/lib/policyDocument";
import { UNKNOWN } from "../../policies/lib/unknowns";

const st = (s: Record<string, unknown>) => parsePolicyDocument({ Statement: [s] }).statements[0];
const doc = (...Statement: Record<string, unknown>[]) => parsePolicyDocument({ Statement });

describe("semantic analysis", () => {
    it("expands action wildcards with the reference and classifies them (Get* is not harmless)", () => {
        const a = summarizeActions(st({ Effect: "Allow", Action: ["s3:Get*", "secretsmanager:Get*"], Resource: "*" }));
        assert.ok(a.actions.length > 20);
        assert.ok(a.bySensitivity["data-read"]!.includes("s3:GetObject"));
        assert.ok(a.bySensitivity.secrets!.includes("secretsmanager:GetSecretValue"));
        assert.ok(a.byLevel.Read!.includes("s3:GetObject"));
        const esc = summarizeActions(st({ Effect: "Allow", Action: "iam:*Policy*", Resource: "*" }));
        for (const x of ["iam:CreatePolicyVersion", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"])
            assert.ok(esc.bySensitivity["privilege-escalation"]!.includes(x), x);
        assert.equal(summarizeActions(st({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })).all, true);
        assert.equal(summarizeActions(st({ Effect: "Allow", Action: "*", Resource: "*" })).all, true);
        assert.deepEqual(summarizeActions(st({ Effect: "Allow", Action: "sagemaker:Describe*", Resource: "*" })).bySensitivity, {});
    });

    it("judges ARN patterns by what they cover", () => {
        for (const p of [
            "*",
            "arn:*",
            "arn:aws:s3:::*",
            "arn:*:*:*:*:*",
            "arn:aws:iam::*:role/*",
            "arn:aws:secretsmanager:*:*:secret:*",
            "arn:aws:ssm:*:*:parameter/*",
            "arn:aws:iam::123456789012:role/*",
        ])
            assert.ok(isUnscopedResource(p), p);
        for (const p of [
            "arn:aws:s3:::mlp-*",
            "arn:aws:s3:::bucket/*",
            "arn:aws:iam::123456789012:role/mlp-prod-hosting",
            "arn:aws:kms:us-east-1:123456789012:key/abc",
            UNKNOWN.string,
        ])
            assert.ok(!isUnscopedResource(p), p);
        assert.ok(isUnscopedAcrossAccounts("arn:aws:s3:::*") && isUnscopedAcrossAccounts("arn:aws:iam::*:role/*"));
        assert.ok(!isUnscopedAcrossAccounts("arn:aws:ec2:us-east-1:123456789012:network-interface/*"));
    });

    it("conditions pin only with positive operators and non-wildcard values", () => {
        assert.ok(conditionsPin(st({ Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc" } } })));
        assert.ok(conditionsPin(st({ Condition: { StringEquals: { "aws:ResourceAccount": "${aws:PrincipalAccount}" } } })));
        assert.ok(!conditionsPin(st({ Condition: { StringNotEquals: { "aws:PrincipalAccount": "111122223333" } } })), "negated");
        assert.ok(!conditionsPin(st({ Condition: { StringEqualsIfExists: { "aws:SourceAccount": "111122223333" } } })), "IfExists");
        assert.ok(!conditionsPin(st({ Condition: { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": ["o-abc"] } } })), "ForAllValues is vacuously true");
        assert.ok(!conditionsPin(st({ Condition: { StringLike: { "aws:PrincipalOrgID": "*" } } })), "wildcard value");
        assert.ok(!conditionsPin(st({ Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:root" } } })), "any account's root");
        assert.ok(!conditionsPin(st({ Condition: { StringEquals: { "aws:SourceAccount": "${aws:username}" } } })), "a variable the caller controls");
        assert.ok(!conditionsPin(st({ Condition: { IpAddress: { "aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"] } } })), "the split world");
        assert.ok(conditionsPin(st({ Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } })));
    });

    it("finds who outside the account can do what (principals and conditions together)", () => {
        const own = "123456789012";
        const res = `arn:aws:sqs:us-east-1:${own}:q`;
        const ext = (s: Record<string, unknown>) =>
            externalAccess(doc({ Effect: "Allow", Action: "sqs:SendMessage", Resource: res, ...s }), { trustedAccounts: [] });
        assert.equal(ext({ Principal: "*" })[0].who, "anyone");
        assert.match(ext({ NotPrincipal: { AWS: `arn:aws:iam::${own}:role/x` } })[0].who, /everyone except/);
        assert.match(ext({ Principal: { AWS: "arn:aws:iam::210987654321:root" } })[0].who, /account 210987654321/);
        assert.deepEqual(ext({ Principal: { AWS: `arn:aws:iam::${own}:role/app` } }), [], "own account (from the resource ARN)");
        assert.deepEqual(ext({ Principal: "*", Condition: { StringEquals: { "aws:SourceAccount": own } } }), []);
        assert.equal(ext({ Principal: "*", Condition: { StringNotEquals: { "aws:SourceAccount": "999999999999" } } }).length, 1);
        // a deny of everyone outside the organisation makes the wildcard grant internal
        const guarded = externalAccess(
            doc(
                { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
                {
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: "arn:aws:s3:::b/*",
                    Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-abc" } },
                },
            ),
            { trustedAccounts: [] },
        );
        assert.deepEqual(guarded, []);
    });

    it("CIDR semantics: split world ranges and every ::/0 spelling", () => {
        for (const c of [
            ["0.0.0.0/0"],
            ["0.0.0.0/1", "128.0.0.0/1"],
            ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"],
            ["::/0"],
            ["0::/0"],
            ["::0/0"],
            ["0:0:0:0:0:0:0:0/0"],
        ])
            assert.ok(isWorldCidr(c), c.join(","));
        for (const c of [["0.0.0.0/1"], ["10.0.0.0/8"], ["2001:db8::/32"], ["0.0.0.0/1", "192.0.0.0/2"], [UNKNOWN.string]])
            assert.ok(!isWorldCidr(c), c.join(","));
    });

    it("caches parsed documents per distinct text", () => {
        const text = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
        assert.equal(parseCached(text, ["policy"]), parseCached(text, ["policy"]));
    });
});
