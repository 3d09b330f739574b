/**
 * The gate's report for people (gate/format.ts): a golden file of the text layout (verdict and per-policy table
 * first, violations in full with their own rule's remediation, exemptions with reasons, cost with unpriced items,
 * inventory only with --verbose), the SARIF form (source lines, suppressions), and one real gate run: a flow-log
 * retention violation carries the retention remediation and the line of components/network.ts that declared the group.
 * Regenerate the golden file after a deliberate layout change with UPDATE_GOLDEN=1.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { GateReport, runGate } from "../../gate/gate";
import { formatReport, sarifReport, wrap } from "../../gate/format";
import { remediationFor } from "../../policies/lib/types";
import { monitoringCoverage } from "../../policies/rules/monitoring-coverage";
import { costWithinBudget } from "../../policies/rules/cost-within-budget";
import { on } from "./variants";

const GOLDEN = path.join(__dirname, "..", "fixtures", "gate", "report-text.golden.txt");
const URN = (type: string, name: string) => `urn:pulumi:prod::ml-platform::${type}::${name}`;

function sampleReport(): GateReport {
    const flowMsg = "retentionInDays is not set (logs are kept forever)";
    const capMsg = "dataCaptureConfig is missing: the endpoint's requests and answers are not captured, so nothing can be monitored";
    const priceMsg =
        "no price for ml.p4d.24xlarge in us-east-1 (endpoint-config): its cost is unknown, so the estimate $0.00/month is a lower bound - add the price to policies/data/sagemaker-prices.json";
    const lg = URN("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs");
    const ec = URN("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "endpoint-config");
    const b = URN("aws:s3/bucket:Bucket", "datalake-access-logs");
    return {
        stack: "prod",
        source: "program",
        mode: "update",
        packConfigFile: "policies/config/prod.json",
        resources: [
            { urn: lg, type: "aws:cloudwatch/logGroup:LogGroup", name: "network-flow-logs" },
            { urn: ec, type: "aws:sagemaker/endpointConfiguration:EndpointConfiguration", name: "endpoint-config" },
            { urn: b, type: "aws:s3/bucket:Bucket", name: "datalake-access-logs" },
        ],
        violations: [
            {
                policy: "monitoring-coverage",
                enforcementLevel: "advisory",
                severity: "high",
                urn: lg,
                type: "aws:cloudwatch/logGroup:LogGroup",
                name: "network-flow-logs",
                message: flowMsg,
                remediation: remediationFor(monitoringCoverage, flowMsg),
            },
            {
                policy: "monitoring-coverage",
                enforcementLevel: "mandatory",
                severity: "high",
                urn: ec,
                type: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
                name: "endpoint-config",
                message: capMsg,
                remediation: remediationFor(monitoringCoverage, capMsg),
            },
            {
                policy: "cost-within-budget",
                enforcementLevel: "mandatory",
                severity: "medium",
                message: priceMsg,
                remediation: remediationFor(costWithinBudget, priceMsg),
            },
        ],
        exemptions: [
            {
                policyName: "s3-encryption-and-tls",
                urn: b,
                name: "datalake-access-logs",
                type: "aws:s3/bucket:Bucket",
                reason: "S3 server access logging cannot deliver to SSE-KMS target buckets - SSE-S3 AES256 used instead",
                approver: "platform-security",
                expires: "2027-11-30",
                source: "tags",
                suppressed: ['encryption configuration datalake-access-logs uses sseAlgorithm "AES256" instead of aws:kms'],
            },
        ],
        notEvaluated: [],
        remediations: [],
        cost: {
            monthlyUsd: 335.8,
            budgetUsd: 3000,
            pricing: "onDemand",
            priceTableAsOf: "2026-11-27",
            items: [
                {
                    name: "endpoint-config",
                    detail: "variant champion",
                    instanceType: "ml.m5.xlarge",
                    instanceCount: 2,
                    hoursPerMonth: 730,
                    hourlyPrice: 0.23,
                    monthlyUsd: 335.8,
                } as never,
                {
                    name: "endpoint-config",
                    detail: "variant challenger",
                    instanceType: "ml.p4d.24xlarge",
                    instanceCount: 1,
                    hoursPerMonth: 730,
                    monthlyUsd: 0,
                } as never,
            ],
            unpriced: 1,
            unknowns: [],
        },
        counts: { resources: 3, policies: 2, mandatory: 2, advisory: 1, exempted: 1, notEvaluated: 0 },
        policies: [
            { policy: "monitoring-coverage", enforcementLevel: "mandatory", severity: "high", violations: 2, exempted: 0, notEvaluated: 0 },
            { policy: "cost-within-budget", enforcementLevel: "mandatory", severity: "medium", violations: 1, exempted: 0, notEvaluated: 0 },
            { policy: "s3-encryption-and-tls", enforcementLevel: "mandatory", severity: "high", violations: 0, exempted: 1, notEvaluated: 0 },
        ],
        sources: {
            [lg]: { file: "components/network.ts", line: 335 },
            [ec]: { file: "components/endpoint.ts", line: 240 },
            [b]: { file: "components/datalake.ts", line: 206 },
        },
    };
}

describe("gate report for people", () => {
    it("text layout matches the golden file (80 columns)", () => {
        const text = formatReport(sampleReport(), { width: 80 }) + "\n";
        if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(GOLDEN, text);
        assert.equal(text, fs.readFileSync(GOLDEN, "utf8"));
    });

    it("puts the verdict first, wraps every line to the width, never cuts a message, keeps the inventory for --verbose", () => {
        const r = sampleReport();
        const text = formatReport(r, { width: 80 });
        const lines = text.split("\n");
        assert.match(lines[0], /^FAILED: 2 mandatory violation\(s\) — stack prod/);
        assert.ok(text.indexOf("policy ") < text.indexOf("Violations:"), "per-policy table before the violations");
        for (const v of r.violations) for (const w of v.message.split(" ")) assert.ok(text.includes(w), `word '${w}' of a message is missing`);
        assert.ok(!text.includes("…"), "nothing is cut");
        const prose = lines.filter((l) => !/^[-a-z0-9]+\s{2,}/.test(l) && !/^-+\s/.test(l) && !/^(policy|item)\s/.test(l));
        for (const l of prose) assert.ok(l.length <= 80 || !l.trim().includes(" "), `longer than 80: ${l}`);
        assert.ok(!text.includes("Resources: 3"));
        assert.ok(formatReport(r, { width: 80, verbose: true }).includes("Resources: 3"));
        assert.match(text, /Severity is the policy author's rating/);
    });

    it("each violation carries the remediation of its own rule", () => {
        const text = formatReport(sampleReport(), { width: 200 });
        const block = (name: string) => text.slice(text.indexOf(name), text.indexOf("\n\n", text.indexOf(name)));
        assert.match(block("network-flow-logs (components"), /Fix: Set retentionInDays on the log group/);
        assert.doesNotMatch(block("network-flow-logs (components"), /dataCaptureConfig/);
        assert.match(block("endpoint-config (components"), /Fix: Give the endpoint configuration a dataCaptureConfig/);
        assert.match(block("(whole stack)"), /Fix: Add the instance type's on-demand hourly price/);
    });

    it("SARIF: results at the declaring line, exemptions as inSource suppressions with the reason", () => {
        const s = sarifReport(sampleReport()) as any;
        const results = s.runs[0].results;
        const flow = results.find((x: any) => /network-flow-logs/.test(x.message.text));
        assert.deepEqual(flow.locations[0].physicalLocation, {
            artifactLocation: { uri: "components/network.ts", uriBaseId: "%SRCROOT%" },
            region: { startLine: 335 },
        });
        assert.equal(flow.level, "warning");
        const stackWide = results.find((x: any) => x.ruleId === "cost-within-budget");
        assert.equal(stackWide.locations[0].physicalLocation.artifactLocation.uri, "infra/program.ts");
        const sup = results.filter((x: any) => x.suppressions);
        assert.equal(sup.length, 1);
        assert.deepEqual(sup[0].suppressions, [
            {
                kind: "inSource",
                status: "accepted",
                justification: "S3 server access logging cannot deliver to SSE-KMS target buckets - SSE-S3 AES256 used instead",
            },
        ]);
        assert.equal(sup[0].locations[0].physicalLocation.region.startLine, 206);
    });

    it("wrap keeps every word and the indent", () => {
        const w = wrap("alpha beta gamma delta epsilon", 14, "  ");
        assert.deepEqual(w, ["  alpha beta", "  gamma delta", "  epsilon"]);
    });

    it("a real run: a flow-log group without retention gets the retention fix and its line in components/network.ts", async function () {
        this.timeout(120_000);
        const { report } = await runGate({
            stack: "dev",
            transformations: [on("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs", (p) => ({ ...p, retentionInDays: undefined }))],
        });
        const v = report.violations.find((x) => x.policy === "monitoring-coverage" && x.name === "network-flow-logs");
        assert.ok(v, JSON.stringify(report.violations.map((x) => [x.policy, x.name, x.message])));
        assert.match(v.remediation, /retentionInDays on the log group/);
        assert.doesNotMatch(v.remediation, /dataCaptureConfig/);
        const src = report.sources[v.urn!];
        assert.equal(src.file, "components/network.ts");
        const line = fs.readFileSync(path.join(__dirname, "..", "..", src.file), "utf8").split("\n")[src.line - 1];
        assert.match(line, /new aws\.cloudwatch\.LogGroup\(/);
    });
});
