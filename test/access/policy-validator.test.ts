/** The Service Authorization Reference lookups and the policy-document validator catch each class of problem. */
import { strict as assert } from "assert";
import {
    accessLevel,
    actionExists,
    arnProblems,
    conditionKeyApplies,
    conditionKeyInfo,
    conditionKeysOf,
    deprecatedConditionKey,
    expandAction,
    globalConditionKey,
    matchingResourceTypes,
    resourceMatchesArnFormat,
    resourceTypesOf,
} from "../../policies/lib/iam/reference";
import { isUnknownValueError, UNKNOWN } from "../../policies/lib/unknowns";
import { FindingCode, parseConditionOperator, PolicyKind, validatePolicyDocument } from "../../policies/lib/iam/validate";

const ACCT = "123456789012";
const doc = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });
const codes = (d: unknown, kind: PolicyKind = "identity"): FindingCode[] => validatePolicyDocument(d, kind).findings.map((f) => f.code);

describe("access: Service Authorization Reference lookups", () => {
    it("actions exist case-insensitively; wildcards expand; access levels as the reference lists them", () => {
        assert.ok(actionExists("s3:GetObject") && actionExists("S3:getobject"));
        assert.ok(!actionExists("s3:GetObjects") && !actionExists("nosuchservice:Get") && !actionExists("GetObject"));
        const gets = expandAction("s3:GetObject*");
        assert.ok(gets.includes("s3:GetObject") && gets.includes("s3:GetObjectTagging") && gets.every((a) => /^s3:GetObject/i.test(a)));
        assert.deepEqual(expandAction("s3:NoSuch*"), []);
        assert.equal(accessLevel("s3:ListBucket"), "List");
        assert.equal(accessLevel("s3:GetObject"), "Read");
        assert.equal(accessLevel("s3:PutObject"), "Write");
        assert.equal(accessLevel("iam:PutRolePolicy"), "Permissions management");
        assert.equal(accessLevel("sagemaker:AddTags"), "Tagging");
        assert.equal(accessLevel("s3:Nope"), undefined);
    });

    it("resource types and ARN formats; wildcard-only actions have none", () => {
        const types = resourceTypesOf("s3:GetObject").map((t) => t.name);
        assert.ok(types.includes("object"));
        assert.equal(resourceTypesOf("s3:GetObject").find((t) => t.name === "object")!.arn, "arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        assert.deepEqual(resourceTypesOf("logs:DescribeLogGroups"), []);
        assert.deepEqual(resourceTypesOf("s3:ListAllMyBuckets"), []);
        assert.deepEqual(
            matchingResourceTypes("s3:GetObject", "arn:aws:s3:::b/*").map((t) => t.name),
            ["object"],
        );
        assert.deepEqual(matchingResourceTypes("s3:GetObject", "arn:aws:s3:::b"), []);
        assert.ok(resourceMatchesArnFormat("arn:aws:s3:::b*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}"), "b* can name b/key");
        assert.ok(resourceMatchesArnFormat("arn:aws:s3:::${aws:username}/*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}"));
        assert.ok(!resourceMatchesArnFormat("arn:aws:kms:us-east-1:1:key/x", "arn:${Partition}:s3:::${BucketName}"));
        assert.ok(
            resourceMatchesArnFormat(
                `arn:aws:sagemaker:us-east-1:${ACCT}:training-job/*`,
                "arn:${Partition}:sagemaker:${Region}:${Account}:training-job/${TrainingJobName}",
            ),
        );
        assert.ok(
            !resourceMatchesArnFormat(
                `arn:aws:sagemaker:us-east-1:${ACCT}:model/*`,
                "arn:${Partition}:sagemaker:${Region}:${Account}:training-job/${TrainingJobName}",
            ),
        );
    });

    it("condition keys: action keys, resource-type keys, global keys, templates and deprecation", () => {
        assert.ok(conditionKeysOf("sagemaker:CreateTrainingJob").includes("sagemaker:VolumeKmsKeyArn"));
        assert.ok(conditionKeyApplies("sagemaker:CreateTrainingJob", "sagemaker:VolumeKmsKeyArn"));
        assert.ok(!conditionKeyApplies("sagemaker:CreateTrainingJob", "sagemaker:VolumeKmsKey"));
        assert.ok(conditionKeyApplies("s3:GetObject", "s3:ExistingObjectTag/team"), "template <key>");
        assert.ok(conditionKeyApplies("kms:Decrypt", "kms:EncryptionContext:aws:s3:arn"), "template ${EncryptionContextKey}");
        assert.ok(!conditionKeyApplies("kms:DescribeKey", "kms:EncryptionContext:aws:s3:arn"));
        assert.ok(conditionKeyApplies("kms:DescribeKey", "aws:SourceVpce"), "global keys apply to every action");
        assert.ok(globalConditionKey("aws:PrincipalTag/team") && globalConditionKey("aws:SecureTransport"));
        assert.equal(globalConditionKey("aws:NoSuchKey"), undefined);
        assert.ok(conditionKeyApplies("sts:AssumeRoleWithWebIdentity", "token.actions.githubusercontent.com:sub"), "documented web identity keys");
        assert.ok(!conditionKeyApplies("sts:AssumeRole", "token.actions.githubusercontent.com:sub"));
        assert.equal(conditionKeyInfo("s3:prefix")?.type, "String");
        assert.equal(deprecatedConditionKey("sagemaker:VolumeKmsKey")?.replacedBy, "sagemaker:VolumeKmsKeyArn");
        assert.equal(deprecatedConditionKey("sagemaker:OutputKmsKey")?.replacedBy, "sagemaker:OutputKmsKeyArn");
        assert.equal(deprecatedConditionKey("sagemaker:VolumeKmsKeyArn"), undefined);
    });

    it("ARN form and condition operators", () => {
        assert.deepEqual(arnProblems("arn:aws:s3:::bucket/*"), []);
        assert.deepEqual(arnProblems(`arn:aws:sagemaker:us-east-1:${ACCT}:model/*`), []);
        assert.deepEqual(arnProblems("arn:aws:logs:*:*:*"), []);
        assert.match(arnProblems("s3://bucket/key")[0], /not an ARN/);
        assert.match(arnProblems("arn:aws:s3:bucket")[0], /6/);
        assert.match(arnProblems("arn:aws:sagemaker:us-east-1:1234:model/x")[0], /12-digit/);
        assert.match(arnProblems("arn:amazon:s3:::b")[0], /partition/);
        assert.match(arnProblems("arn:aws:s3x:::b")[0], /unknown service/);
        assert.match(arnProblems(`arn:aws:sagemaker:useast1:${ACCT}:model/x`)[0], /region/);
        assert.deepEqual(parseConditionOperator("ForAnyValue:StringLikeIfExists"), { base: "StringLike", ifExists: true, set: "ForAnyValue" });
        assert.equal(parseConditionOperator("StringEqualz"), undefined);
        assert.equal(parseConditionOperator("NullIfExists"), undefined);
    });
});

describe("access: validatePolicyDocument catches each class of problem", () => {
    const good = doc(
        {
            Sid: "Read",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:ListBucket"],
            Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } },
        },
        { Sid: "List", Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" },
        {
            Sid: "Jobs",
            Effect: "Allow",
            Action: "sagemaker:CreateTrainingJob",
            Resource: `arn:aws:sagemaker:us-east-1:${ACCT}:training-job/*`,
            Condition: { StringEquals: { "sagemaker:VolumeKmsKeyArn": `arn:aws:kms:us-east-1:${ACCT}:key/k` } },
        },
        {
            Sid: "Keys",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringEquals: { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b" } },
        },
        { Sid: "Wild", Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::b/*" },
        {
            Sid: "Deny",
            Effect: "Deny",
            NotAction: "iam:*",
            NotResource: "arn:aws:iam::*:role/x",
            Condition: { "ForAnyValue:StringLike": { "aws:TagKeys": "x*" } },
        },
    );

    it("a valid identity policy has no findings", () => {
        assert.deepEqual(validatePolicyDocument(good, "identity").findings, []);
        assert.equal(validatePolicyDocument(good, "identity").statements, 6);
    });

    it("unknown actions, services and wildcards that match nothing", () => {
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObjects", Resource: "*" })), ["unknown-action"]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s4:GetObject", Resource: "*" })), ["unknown-action"]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:Frobnicate*", Resource: "*" })), ["unknown-action"]);
        assert.deepEqual(codes(doc({ Effect: "Deny", Action: ["sns:Publish", "sns:Receive"], Principal: "*", Resource: "*" }), "resource"), ["unknown-action"]);
    });

    it("unknown, inapplicable and deprecated condition keys; unknown operators; IfExists is allowed for actions without the key", () => {
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "s3:NoSuchKey": "x" } } })), [
            "unknown-condition-key",
        ]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:NoSuchKey": "x" } } })), [
            "unknown-condition-key",
        ]);
        assert.deepEqual(
            codes(doc({ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: "*", Condition: { StringLike: { "s3:prefix": "a/*" } } })),
            ["inapplicable-condition-key"],
        );
        assert.deepEqual(
            codes(
                doc({
                    Effect: "Allow",
                    Action: ["kms:Decrypt", "kms:DescribeKey"],
                    Resource: "*",
                    Condition: { StringLike: { "kms:EncryptionContext:aws:logs:arn": "x" } },
                }),
            ),
            ["inapplicable-condition-key"],
        );
        assert.deepEqual(
            codes(
                doc({ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: "*", Condition: { StringLikeIfExists: { "s3:prefix": "a/*" } } }),
            ),
            [],
        );
        assert.deepEqual(
            codes(doc({ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: "*", Condition: { Null: { "s3:prefix": "false" } } })),
            ["inapplicable-condition-key"],
        );
        assert.deepEqual(
            codes(
                doc({ Effect: "Allow", Action: "sagemaker:CreateTrainingJob", Resource: "*", Condition: { StringEquals: { "sagemaker:VolumeKmsKey": "k" } } }),
            ).sort(),
            ["deprecated-condition-key", "inapplicable-condition-key"],
        );
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:Get*", Resource: "*", Condition: { StringEquals: { "sagemaker:VolumeKmsKeyArn": "k" } } })), [
            "inapplicable-condition-key",
        ]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEqualz: { "aws:SourceVpce": "v" } } })), [
            "unknown-condition-operator",
        ]);
        assert.deepEqual(
            codes(
                doc({
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Principal: { AWS: ACCT },
                    Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main" } },
                }),
                "trust",
            ),
            ["inapplicable-condition-key"],
        );
        assert.deepEqual(codes(doc({ Effect: "Deny", Action: "s3:GetObject", Resource: "*", Condition: { Bool: { "aws:SourceVpce": "true" } } })), [
            "condition-type-mismatch",
        ]);
        assert.deepEqual(
            codes(doc({ Effect: "Deny", Action: "s3:GetObject", Resource: "*", Condition: { NumericLessThan: { "aws:SecureTransport": "1" } } })),
            ["condition-type-mismatch"],
        );
        assert.deepEqual(codes(doc({ Effect: "Deny", Action: "s3:GetObject", Resource: "*", Condition: { IpAddress: { "aws:SourceVpc": "10.0.0.0/8" } } })), [
            "condition-type-mismatch",
        ]);
        assert.deepEqual(
            codes(
                doc({
                    Effect: "Deny",
                    Action: "s3:GetObject",
                    Resource: "*",
                    Condition: {
                        Bool: { "aws:SecureTransport": "false" },
                        NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" },
                        DateGreaterThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" },
                        ArnLike: { "aws:SourceArn": "arn:aws:s3:::b" },
                    },
                }),
            ),
            [],
        );
    });

    it("resources: type mismatches, actions without a matching resource, wildcard-only actions scoped to ARNs, malformed ARNs", () => {
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b" })).sort(), [
            "action-without-resource",
            "resource-type-mismatch",
        ]);
        assert.deepEqual(
            codes(
                doc({ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::b", `arn:aws:kms:us-east-1:${ACCT}:key/k`] }),
            ).sort(),
            ["action-without-resource", "resource-type-mismatch"],
        );
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: `arn:aws:logs:us-east-1:${ACCT}:log-group:*` })).sort(), [
            "resource-type-mismatch",
            "wildcard-only-action",
        ]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" })), []);
        // Lambda documents function, version and alias ARNs for function actions; the reference lists only the first
        const fn = `arn:aws:lambda:us-east-1:${ACCT}:function:f`;
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [fn, `${fn}:*`, `${fn}:7`, `${fn}:live`] })), []);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: `arn:aws:lambda:us-east-1:${ACCT}:layer:l:1` })).sort(), [
            "action-without-resource",
            "resource-type-mismatch",
        ]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "s3://b/*" })), ["malformed-arn"]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "sagemaker:CreateModel", Resource: "arn:aws:sagemaker:us-east-1:123:model/*" })), [
            "malformed-arn",
        ]);
    });

    it("grammar and principals: identity policies have no Principal; resource and trust policies need one of the documented forms", () => {
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Principal: "*" })), ["principal"]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }), "resource"), ["principal"]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Principal: { AWS: "123" } }), "resource"), [
            "principal",
        ]);
        assert.deepEqual(
            codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Principal: { Service: "logging.s3" } }), "resource"),
            ["principal"],
        );
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Principal: { Group: "x" } }), "resource"), [
            "principal",
        ]);
        assert.deepEqual(
            codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Principal: "arn:aws:iam::123456789012:root" }), "resource"),
            ["principal"],
        );
        const principals = {
            AWS: [ACCT, `arn:aws:iam::${ACCT}:root`, `arn:aws:iam::${ACCT}:role/path/r`, `arn:aws:sts::${ACCT}:assumed-role/r/s`],
            Service: ["logging.s3.amazonaws.com", "logs.us-east-1.amazonaws.com"],
        };
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Principal: principals }), "resource"), []);
        assert.deepEqual(
            codes(
                doc({
                    Effect: "Allow",
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Principal: { Federated: `arn:aws:iam::${ACCT}:oidc-provider/token.actions.githubusercontent.com` },
                    Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } },
                }),
                "trust",
            ),
            [],
        );
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "sagemaker.amazonaws.com" }, Resource: "*" }), "trust"), [
            "statement",
        ]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Principal: { Service: "sagemaker.amazonaws.com" } }), "trust"), ["statement"]);
        assert.deepEqual(codes(doc({ Effect: "allow", Action: "s3:GetObject", Resource: "*" })), ["statement"]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", NotAction: "s3:PutObject", Resource: "*" })), ["statement"]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject" })), ["statement"]);
        assert.deepEqual(codes(doc({ Sid: "a-b", Effect: "Allow", Action: "s3:GetObject", Resource: "*" })), ["statement"]);
        assert.deepEqual(codes(doc({ Effect: "Allow", Action: "s3:GetObject", Resources: "*" })).sort(), ["statement", "statement"]);
        assert.deepEqual(codes({ Version: "2012-10-17" }), ["document"]);
        assert.deepEqual(codes("{not json"), ["document"]);
        assert.deepEqual(codes({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::${aws:username}/*" }] }), ["document"]);
    });

    it("a document not known until apply raises the policy runtime's unknown error (the pack reports 'not evaluated')", () => {
        assert.throws(
            () => validatePolicyDocument(UNKNOWN.string, "identity"),
            (e: unknown) => isUnknownValueError(e),
        );
        assert.throws(
            () => validatePolicyDocument(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: UNKNOWN.string }), "identity"),
            (e: unknown) => isUnknownValueError(e),
        );
    });
});
