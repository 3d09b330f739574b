/**
 * The layers of the repository and what each may import: `npm run lint:deps` (dependency-cruiser) checks the whole
 * import graph against them, and eslint.config.mjs reads the same table (its `layers/imports` rule) so an editor shows
 * an upward import where it is written. Decision: one allow-list per folder (whatever is not listed is
 * forbidden), so a new folder or an import nobody thought of fails instead of passing silently. Type-only imports
 * count: a type from infra/ in lib/ is as much an upward dependency as a value. test/ci/layers.test.ts proves on a
 * small tree that every rule below still fires.
 *
 * Bottom to top: contracts/ (node built-ins only) < lib/ (engines) < components/ < infra/ (the program) < gate/ (runs
 * the program under mocks with the pack) < scripts/ (framework < steps < cli; tools); policies/ is a standalone package
 * (its lib/ and data/ are leaf libraries the layers above may use; its rules, all.ts and index.ts are the pack, for
 * gate/ and scripts/ only); test-support/ (builders shared by tests and benchmarks) may use all of those; bench/ and
 * test/ sit on top (bench/ never imports test/, test-support/ neither imports bench/ nor test/).
 */
"use strict";

const fs = require("fs");
const path = require("path");

/** Folders of the repository: name → path regex (relative to the root, "/" separators). Order matters: first match wins. */
const LAYERS = {
    contracts: "^contracts/",
    lib: "^lib/",
    components: "^components/",
    infra: "^infra/",
    "policies-lib": "^policies/(lib|data)/",
    policies: "^policies/",
    gate: "^gate/",
    "scripts-framework": "^scripts/framework/",
    "scripts-steps": "^scripts/steps/",
    "scripts-cli": "^scripts/cli/",
    scripts: "^scripts/",
    "test-support": "^test-support/",
    bench: "^bench/",
    test: "^test/",
};

const ALL = Object.keys(LAYERS);
const SCRIPTS = ["scripts-framework", "scripts-steps", "scripts-cli", "scripts"];
const ENGINES = ["contracts", "lib", "policies-lib"];

/** What each layer may import (besides node built-ins and, except contracts/ and policies/, npm packages). */
const ALLOWED = {
    contracts: ["contracts"],
    lib: [...ENGINES],
    components: [...ENGINES, "components"],
    infra: [...ENGINES, "components", "infra"],
    "policies-lib": ["policies-lib", "policies"],
    policies: ["policies-lib", "policies"],
    gate: [...ENGINES, "components", "infra", "policies", "gate"],
    "scripts-framework": [...ENGINES, "components", "infra", "policies", "gate", "scripts-framework", "scripts"],
    "scripts-steps": [...ENGINES, "components", "infra", "policies", "gate", "scripts-framework", "scripts-steps", "scripts"],
    "scripts-cli": [...ENGINES, "components", "infra", "policies", "gate", ...SCRIPTS],
    scripts: [...ENGINES, "components", "infra", "policies", "gate", ...SCRIPTS],
    "test-support": ALL.filter((l) => l !== "test" && l !== "bench"),
    bench: ALL.filter((l) => l !== "test"),
    test: ALL,
};

/** The only npm packages policies/ may import: those of its own package.json (contracts/ may import none). */
const POLICIES_PACKAGES = (() => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "policies", "package.json"), "utf8"));
    return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
})();

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The files of `layer` as one regex: its path minus the more specific layers listed before it (scripts/ without
 * scripts/framework/, scripts/steps/, scripts/cli/; policies/ without policies/lib/ and policies/data/).
 */
function exact(layer) {
    const bare = (l) => LAYERS[l].replace(/^\^/, "");
    const earlier = ALL.slice(0, ALL.indexOf(layer)).filter((l) => bare(l).startsWith(bare(layer)));
    return earlier.length ? `^(?!${earlier.map(bare).join("|")})${bare(layer)}` : LAYERS[layer];
}

const forbidden = [
    ...ALL.filter((layer) => ALLOWED[layer].length < ALL.length).map((layer) => ({
        name: `layer-${layer}`,
        comment: `${LAYERS[layer]} may import only ${ALLOWED[layer].join(", ")} (.dependency-cruiser.cjs ALLOWED)`,
        severity: "error",
        from: { path: exact(layer) },
        to: { dependencyTypes: ["local"], pathNot: ALLOWED[layer].map(exact) },
    })),
    {
        name: "layer-unknown",
        comment: "every source file belongs to a layer of .dependency-cruiser.cjs LAYERS (add a new top-level folder there)",
        severity: "error",
        from: { pathNot: ["^[^/]+$", ...ALL.map((l) => LAYERS[l])] },
        to: {},
    },
    {
        name: "contracts-node-only",
        comment: "contracts/ imports node built-ins only (no npm package)",
        severity: "error",
        from: { path: LAYERS.contracts },
        to: { dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-bundled", "npm-no-pkg", "npm-unknown", "aliased"] },
    },
    {
        name: "policies-own-packages",
        comment: `policies/ is installable on its own: npm packages only from policies/package.json (${POLICIES_PACKAGES.join(", ")})`,
        severity: "error",
        from: { path: LAYERS.policies },
        to: { path: "node_modules/", pathNot: POLICIES_PACKAGES.map((p) => `node_modules/${escapeRe(p)}/`) },
    },
    {
        name: "no-circular",
        comment: "no import cycle, type-only imports included",
        severity: "error",
        from: {},
        to: { circular: true },
    },
    {
        name: "not-to-unresolvable",
        comment: "every import resolves (a typo or a moved file)",
        severity: "error",
        from: {},
        to: { couldNotResolve: true },
    },
];

module.exports = {
    forbidden,
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: "^(dist|\\.ml-env|\\.bench-tmp)/" },
        tsPreCompilationDeps: true,
        tsConfig: { fileName: "tsconfig.json" },
        enhancedResolveOptions: {
            exportsFields: ["exports"],
            conditionNames: ["require", "node", "default", "types"],
            mainFields: ["main", "types", "typings"],
        },
        reporterOptions: { text: { highlightFocused: true } },
    },
};

// For eslint.config.mjs (not enumerable, so dependency-cruiser's schema never sees it).
Object.defineProperty(module.exports, "layers", { value: { LAYERS, ALLOWED, POLICIES_PACKAGES, exact }, enumerable: false });
