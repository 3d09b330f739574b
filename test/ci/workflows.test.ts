/**
 * The GitHub Actions workflows the platform team copies (.github/workflows): a real workflow linter
 * (@action-validator/cli, the published workflow JSON schema) and the repository's own CI rules:
 *   - every third-party action pinned to a full commit SHA that is the commit of the tag in the trailing comment
 *     (test/fixtures/ci/pinned-actions.json, read from the actions' repositories) and called only with inputs that
 *     action declares at that commit (required ones given);
 *   - `permissions: {}` at the top, an explicit least `permissions:` per job: `id-token: write` only in jobs that
 *     assume an AWS role, `security-events: write` only with a SARIF upload, `pull-requests: write` only with a PR
 *     comment; no `write-all`, no `pull_request_target`;
 *   - fork PRs run only the offline jobs; secrets never interpolated into shell scripts, nor untrusted PR text;
 *   - deploys: dev then prod, each in its GitHub environment, one non-cancelling concurrency group per stack;
 *   - preview/up run the policy pack with the stack's policy config; drift runs refresh --preview-only and pipes the
 *     stack export into the policy check.
 * GitHub documents: "Security hardening for GitHub Actions" (pin to a full-length commit SHA; script injection),
 * "Controlling permissions for GITHUB_TOKEN", "Using concurrency", "Configuring OpenID Connect in Amazon Web Services".
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const WF_DIR = path.join(ROOT, ".github", "workflows");
const VALIDATOR = path.join(ROOT, "node_modules", ".bin", "action-validator");

interface Pin {
    uses: string;
    tag: string;
    sha: string;
    inputs: Record<string, { required: boolean; hasDefault: boolean }>;
}
const PINS: Pin[] = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "ci", "pinned-actions.json"), "utf8")).actions;

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string>; name?: string };
type Job = {
    permissions?: Record<string, string> | string;
    steps?: Step[];
    if?: string;
    needs?: string | string[];
    environment?: string | { name: string };
    concurrency?: { group: string; "cancel-in-progress"?: boolean } | string;
    strategy?: { matrix?: Record<string, unknown> };
};
type Workflow = { name: string; on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> };

const files = fs.existsSync(WF_DIR)
    ? fs
          .readdirSync(WF_DIR)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
    : [];
const raw = (f: string) => fs.readFileSync(path.join(WF_DIR, f), "utf8");
const wf = (f: string) => parse(raw(f)) as Workflow;
const steps = (j: Job) => j.steps ?? [];
const usesOf = (s: Step) => (s.uses ?? "").split("@")[0];
const perms = (j: Job) => (typeof j.permissions === "object" ? j.permissions : {}) as Record<string, string>;

function validate(file: string): { code: number | null; out: string } {
    const r = spawnSync(VALIDATOR, [file], { encoding: "utf8", timeout: 60_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("GitHub Actions workflows (.github/workflows)", function () {
    this.timeout(120_000);

    it("there are the three workflows: pull-request, deploy, drift", () => {
        assert.deepEqual(files, ["deploy.yml", "drift.yml", "pull-request.yml"]);
    });

    describe("workflow linter (@action-validator/cli, offline)", () => {
        it("accepts every workflow", () => {
            for (const f of files) {
                const r = validate(path.join(WF_DIR, f));
                assert.equal(r.code, 0, `${f}:\n${r.out}`);
            }
        });
        it("rejects a broken workflow (the linter really runs)", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlp-wf-"));
            try {
                const bad = path.join(dir, "bad.yml");
                fs.writeFileSync(bad, raw("deploy.yml").replace("runs-on:", "runs-onn:"));
                const r = validate(bad);
                assert.equal(r.code, 1, r.out);
                assert.match(r.out, /runs-onn/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("pinning", () => {
        it("every action is a local path or pinned to a full commit SHA of the tag named in its comment", () => {
            let n = 0;
            for (const f of files) {
                const lines = raw(f)
                    .split("\n")
                    .filter((l) => /^\s*(-\s+)?uses:/.test(l));
                for (const l of lines) {
                    n++;
                    const m = /uses:\s*([^@\s]+)@([^\s#]+)\s*(#\s*(\S+))?/.exec(l);
                    assert.ok(m, `${f}: cannot read '${l.trim()}'`);
                    const [, name, ref, , comment] = m;
                    if (name.startsWith("./")) continue;
                    assert.match(ref, /^[0-9a-f]{40}$/, `${f}: ${name}@${ref} is not pinned to a full commit SHA`);
                    const pin = PINS.find((p) => p.uses === name && p.sha === ref);
                    assert.ok(pin, `${f}: ${name}@${ref} is not in test/fixtures/ci/pinned-actions.json (add it with its tag and inputs)`);
                    assert.equal(comment, pin.tag, `${f}: ${name}@${ref} must carry the comment '# ${pin.tag}'`);
                }
            }
            assert.ok(n >= 20, `expected the workflows to use actions (${n} found)`);
        });

        it("actions are called only with inputs they declare at the pinned commit, required inputs given", () => {
            for (const f of files) {
                for (const [id, job] of Object.entries(wf(f).jobs)) {
                    for (const s of steps(job)) {
                        if (!s.uses || s.uses.startsWith("./")) continue;
                        const pin = PINS.find((p) => p.uses === usesOf(s))!;
                        for (const k of Object.keys(s.with ?? {})) assert.ok(k in pin.inputs, `${f} ${id}: ${pin.uses} has no input '${k}' at ${pin.tag}`);
                        for (const [k, v] of Object.entries(pin.inputs))
                            if (v.required && !v.hasDefault) assert.ok(k in (s.with ?? {}), `${f} ${id}: ${pin.uses} needs '${k}'`);
                    }
                }
            }
        });

        it("checkout never leaves the token in .git/config", () => {
            for (const f of files)
                for (const job of Object.values(wf(f).jobs))
                    for (const s of steps(job))
                        if (usesOf(s) === "actions/checkout")
                            assert.equal(s.with?.["persist-credentials"], false, `${f}: checkout without persist-credentials: false`);
        });
    });

    describe("permissions", () => {
        it("no default permissions; every job declares its own, none write-all", () => {
            for (const f of files) {
                const w = wf(f);
                assert.deepEqual(w.permissions, {}, `${f}: top-level permissions must be {}`);
                for (const [id, job] of Object.entries(w.jobs)) {
                    assert.equal(typeof job.permissions, "object", `${f} ${id}: no permissions block`);
                    for (const [scope, level] of Object.entries(perms(job))) {
                        assert.ok(["read", "write", "none"].includes(level), `${f} ${id}: ${scope}: ${level}`);
                        if (level === "write")
                            assert.ok(
                                ["id-token", "security-events", "pull-requests"].includes(scope),
                                `${f} ${id}: ${scope}: write is not needed by any job here`,
                            );
                    }
                    assert.equal(perms(job).contents, "read", `${f} ${id}: contents: read`);
                }
            }
        });

        it("each write permission belongs to the step that needs it", () => {
            for (const f of files) {
                for (const [id, job] of Object.entries(wf(f).jobs)) {
                    const p = perms(job);
                    const has = (u: string) => steps(job).some((s) => usesOf(s) === u);
                    assert.equal(
                        p["id-token"] === "write",
                        has("aws-actions/configure-aws-credentials"),
                        `${f} ${id}: id-token: write iff the job assumes an AWS role`,
                    );
                    assert.equal(
                        p["security-events"] === "write",
                        has("github/codeql-action/upload-sarif"),
                        `${f} ${id}: security-events: write iff the job uploads SARIF`,
                    );
                    const comments = steps(job).some((s) => usesOf(s) === "pulumi/actions" && s.with?.["comment-on-pr"] === true);
                    assert.equal(p["pull-requests"] === "write", comments, `${f} ${id}: pull-requests: write iff the job comments on the PR`);
                }
            }
        });

        it("no pull_request_target (it would run fork code with a write token)", () => {
            for (const f of files) assert.ok(!("pull_request_target" in wf(f).on), f);
        });

        it("fork PRs run only offline jobs: every job of the PR workflow that assumes a role is guarded", () => {
            const w = wf("pull-request.yml");
            const online = Object.entries(w.jobs).filter(([, j]) => perms(j)["id-token"] === "write");
            assert.ok(online.length > 0);
            for (const [id, j] of online)
                assert.match(j.if ?? "", /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/, `${id}: fork guard`);
            for (const [id, j] of Object.entries(w.jobs)) {
                for (const s of steps(j)) {
                    if (usesOf(s) === "github/codeql-action/upload-sarif")
                        assert.match(
                            `${j.if ?? ""} ${s.if ?? ""}`,
                            /head\.repo\.full_name == github\.repository/,
                            `${id}: SARIF upload needs a write token forks do not get`,
                        );
                }
            }
        });
    });

    describe("no secrets in logs", () => {
        it("no secret and no untrusted PR text is interpolated into a shell script", () => {
            const untrusted =
                /\$\{\{\s*(secrets\.|github\.event\.(pull_request\.(title|body|head\.ref|head\.label)|head_commit\.message|comment\.body)|github\.head_ref)/;
            for (const f of files)
                for (const [id, job] of Object.entries(wf(f).jobs))
                    for (const s of steps(job)) if (s.run) assert.doesNotMatch(s.run, untrusted, `${f} ${id}: '${s.run}'`);
        });
        it("no long-lived AWS keys: credentials only through OIDC role assumption", () => {
            for (const f of files) {
                assert.doesNotMatch(raw(f), /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/i, f);
                for (const job of Object.values(wf(f).jobs))
                    for (const s of steps(job))
                        if (usesOf(s) === "aws-actions/configure-aws-credentials") {
                            assert.ok(s.with?.["role-to-assume"], "role-to-assume");
                            assert.equal(s.with?.["mask-aws-account-id"], true);
                        }
            }
        });
    });

    describe("what the jobs do", () => {
        const pulumiSteps = (f: string) =>
            Object.entries(wf(f).jobs).flatMap(([id, j]) =>
                steps(j)
                    .filter((s) => usesOf(s) === "pulumi/actions" && s.with?.command)
                    .map((s) => ({ id, job: j, s })),
            );

        it("PR: npm ci + npm test, gate for dev and prod with --sarif, preview of both stacks with the pack and the stack's policy config", () => {
            const w = wf("pull-request.yml");
            const runs = Object.values(w.jobs).flatMap((j) => steps(j).map((s) => s.run ?? ""));
            assert.ok(runs.includes("npm test"));
            assert.ok(runs.some((r) => /npm run plan -- --stack "\$STACK" --sarif/.test(r)));
            assert.deepEqual((w.jobs["policy-gate"].strategy?.matrix as { stack: string[] }).stack, ["dev", "prod"]);
            const previews = pulumiSteps("pull-request.yml");
            assert.equal(previews.length, 1);
            assert.equal(previews[0].s.with?.command, "preview");
            assert.equal(previews[0].s.with?.policyPacks, "policies");
            assert.equal(previews[0].s.with?.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
            assert.equal(previews[0].s.with?.["comment-on-pr"], true);
            const include = (previews[0].job.strategy?.matrix as { include: { stack: string }[] }).include.map((x) => x.stack);
            assert.deepEqual(include, ["dev", "prod"]);
            for (const s of include) assert.ok(fs.existsSync(path.join(ROOT, "policies", "config", `${s}.json`)));
            // The preview assumes the read-only role, never the deploy role.
            const cred = steps(previews[0].job).find((s) => usesOf(s) === "aws-actions/configure-aws-credentials")!;
            assert.equal(cred.with?.["role-to-assume"], "${{ vars[matrix.role] }}");
            assert.ok((previews[0].job.strategy?.matrix as { include: { role: string }[] }).include.every((x) => /^CI_READONLY_ROLE_ARN_/.test(x.role)));
        });

        it("main: up on dev, then prod behind the prod environment; one non-cancelling concurrency group per stack", () => {
            const ups = pulumiSteps("deploy.yml");
            assert.deepEqual(
                ups.map((u) => [u.id, u.s.with?.command, u.s.with?.["stack-name"]]),
                [
                    ["up-dev", "up", "dev"],
                    ["up-prod", "up", "prod"],
                ],
            );
            for (const u of ups) {
                const stack = u.s.with?.["stack-name"] as string;
                assert.equal(u.job.environment, stack);
                assert.deepEqual(u.job.concurrency, { group: `pulumi-stack-${stack}`, "cancel-in-progress": false });
                assert.equal(u.s.with?.policyPacks, "policies");
                assert.equal(u.s.with?.policyPackConfigs, `policies/config/${stack}.json`);
            }
            assert.equal(wf("deploy.yml").jobs["up-prod"].needs, "up-dev");
            assert.equal(wf("deploy.yml").jobs["up-dev"].needs, "policy-gate");
            assert.deepEqual(Object.keys(wf("deploy.yml").on).sort(), ["push", "workflow_dispatch"]);
        });

        it("scheduled: refresh --preview-only and the stack export piped into policy:check --export - with SARIF, per stack", () => {
            const w = wf("drift.yml");
            assert.ok(Array.isArray(w.on.schedule));
            const j = w.jobs.drift;
            assert.deepEqual(
                (j.strategy?.matrix as { include: { stack: string }[] }).include.map((x) => x.stack),
                ["dev", "prod"],
            );
            const runs = steps(j)
                .map((s) => s.run ?? "")
                .join("\n");
            assert.match(runs, /pulumi refresh --preview-only --stack "\$STACK"/);
            assert.match(
                runs,
                /set -o pipefail\s+pulumi stack export --stack "\$STACK" \| npm run --silent policy:check -- --export - --stack "\$STACK" --sarif "deployed-\$STACK\.sarif"/,
            );
            assert.doesNotMatch(runs, /--show-secrets/);
            assert.ok(!steps(j).some((s) => usesOf(s) === "pulumi/actions" && s.with?.command), "the CLI is installed only; no up/preview in drift");
        });
    });
});
