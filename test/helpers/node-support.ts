/**
 * Loaded by mocha before every suite (.mocharc.json "require"). The project supports Node.js 20.19+ and 22+
 * (package.json "engines"; CI runs 20). The AWS SDK for JavaScript v3 prints a NodeVersionSupportWarning on Node < 22
 * about its *future* releases ("versions published after the first week of January 2027 will require node >=22");
 * the SDK versions the lockfile pins declare engines node >= 20 (test/infra/node-support.test.ts checks every one).
 * So the SDK's multi-line warning is replaced by one line that says this, printed once per test run.
 */
const major = Number(process.versions.node.split(".")[0]);
if (major < 22 && process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    process.stderr.write(
        `note: Node ${process.version} is supported (package.json engines); the pinned AWS SDK v3 supports Node >= 20, ` +
            "its releases after January 2027 will need Node >= 22 (upgrade Node before upgrading the SDK).\n",
    );
}
