/**
 * Reading a `pulumi stack export` file (a deployment checkpoint) into analyzer inputs, strictly:
 *
 *  - only checkpoint versions 3 and 4 are read (the versions `pulumi stack export` writes today: the CLI's
 *    `apitype.DeploymentSchemaVersionCurrent` is 3, and version 4 adds only new resource fields); a v1/v2 checkpoint,
 *    a future version or a document without `version` is refused with a message that says what to do;
 *  - every resource must have a string `urn` of the form `urn:pulumi:<stack>::<project>::<type>::<name>` and a string
 *    `type` equal to the URN's type; a resource that breaks this is named by its index (`deployment.resources[12]`);
 *  - an export without resources (a stack that was never deployed, or was destroyed) is an error that says so,
 *    instead of a report full of "no trail / no budget" findings;
 *  - secrets are read as secrets: the engine writes a secret value as
 *    `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "..."}` (or `"plaintext"`
 *    with `--show-secrets`). Its value is never kept, parsed into a message or printed: it becomes the policy runtime's
 *    *unknown* sentinel, so a policy whose answer depends on it is reported "not evaluated" (exactly as during a
 *    preview), and a policy that does not need it is unaffected. The number of secret values is reported.
 */
import * as fs from "fs";
import * as path from "path";
import { ResourceInput } from "./evaluate";
import { UNKNOWN } from "../policies/lib/unknowns";

/** The engine's signature key and the secret signature (sdk/go/common/resource/sig). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const SUPPORTED_CHECKPOINT_VERSIONS = [3, 4] as const;

export class ExportError extends Error {}

interface ExportResource {
    urn: string;
    type: string;
    custom?: boolean;
    id?: string;
    parent?: string;
    provider?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    delete?: boolean;
}

export interface ExportRead {
    stack?: string;
    version: number;
    inputs: ResourceInput[];
    /** Secret values found (each read as unknown, never kept). */
    secrets: number;
}

/** The unknown sentinel of the kind a secret's plaintext has (ciphertext: string; the kind does not change the outcome). */
function sentinelFor(secret: Record<string, unknown>): string {
    if (typeof secret.plaintext === "string") {
        let kind: keyof typeof UNKNOWN;
        try {
            const v: unknown = JSON.parse(secret.plaintext);
            kind = Array.isArray(v)
                ? "array"
                : v === null
                  ? "object"
                  : typeof v === "number"
                    ? "number"
                    : typeof v === "boolean"
                      ? "boolean"
                      : typeof v === "object"
                        ? "object"
                        : "string";
        } catch {
            kind = "string";
        }
        return UNKNOWN[kind];
    }
    return UNKNOWN.string;
}

function isSecret(v: unknown): v is Record<string, unknown> {
    return !!v && typeof v === "object" && !Array.isArray(v) && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** A copy of `v` with every secret replaced by an unknown sentinel; `count.n` counts them. */
export function redactSecrets(v: unknown, count: { n: number }): unknown {
    if (isSecret(v)) {
        count.n++;
        return sentinelFor(v);
    }
    if (Array.isArray(v)) {
        let out: unknown[] | undefined;
        for (let i = 0; i < v.length; i++) {
            const x = redactSecrets(v[i], count);
            if (x !== v[i]) (out ??= v.slice())[i] = x;
        }
        return out ?? v;
    }
    if (v && typeof v === "object") {
        let out: Record<string, unknown> | undefined;
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            const y = redactSecrets(x, count);
            if (y !== x) (out ??= { ...(v as Record<string, unknown>) })[k] = y;
        }
        return out ?? v;
    }
    return v;
}

/** `urn:pulumi:<stack>::<project>::<parent$type>::<name>` split into its parts (undefined when malformed). */
export function parseUrn(urn: string): { stack: string; project: string; type: string; name: string } | undefined {
    if (!urn.startsWith("urn:pulumi:")) return undefined;
    const parts = urn.slice("urn:pulumi:".length).split("::");
    if (parts.length < 4 || parts.slice(0, 3).some((p) => p === "")) return undefined;
    return { stack: parts[0], project: parts[1], type: parts[2].split("$").pop()!, name: parts.slice(3).join("::") };
}

/** Parses an export document (already JSON-parsed); `file` is only used in messages. */
export function readExportDocument(doc: unknown, file: string): ExportRead {
    const base = path.basename(file);
    const fix = `create it with 'pulumi stack export --file ${base}' (Pulumi CLI 3.x writes checkpoint version 3)`;
    if (!doc || typeof doc !== "object" || Array.isArray(doc))
        throw new ExportError(`${file}: not a stack export (expected a JSON object with "version" and "deployment"); ${fix}`);
    const d = doc as { version?: unknown; deployment?: { resources?: unknown } };
    if (d.version === undefined)
        throw new ExportError(`${file}: no "version" field, so this is not a 'pulumi stack export' document (a bare checkpoint or a hand-made file?); ${fix}`);
    if (!SUPPORTED_CHECKPOINT_VERSIONS.includes(d.version as 3 | 4)) {
        const old = typeof d.version === "number" && d.version < 3;
        throw new ExportError(
            `${file}: checkpoint version ${JSON.stringify(d.version)} is not supported (only ${SUPPORTED_CHECKPOINT_VERSIONS.join(" and ")}); ` +
                (old
                    ? `it was written by an old Pulumi CLI: run 'pulumi stack export' with Pulumi CLI 3.x to get a version 3 export`
                    : `it is newer than this gate understands: upgrade the gate, or export with Pulumi CLI 3.x`),
        );
    }
    if (!d.deployment || typeof d.deployment !== "object") throw new ExportError(`${file}: no "deployment" object; ${fix}`);
    const resources = d.deployment.resources;
    if (resources !== undefined && resources !== null && !Array.isArray(resources))
        throw new ExportError(`${file}: deployment.resources is not an array; ${fix}`);
    const list = (resources ?? []) as unknown[];
    const problems: string[] = [];
    list.forEach((r, i) => {
        const at = `deployment.resources[${i}]`;
        if (!r || typeof r !== "object") return void problems.push(`${at} is not an object`);
        const x = r as Record<string, unknown>;
        if (typeof x.urn !== "string" || x.urn === "") return void problems.push(`${at} has no "urn"`);
        const m = parseUrn(x.urn);
        if (!m) return void problems.push(`${at} urn ${JSON.stringify(x.urn)} is not of the form urn:pulumi:<stack>::<project>::<type>::<name>`);
        if (typeof x.type !== "string" || x.type === "") return void problems.push(`${at} (${x.urn}) has no "type"`);
        const urnType = m.type;
        if (urnType !== x.type) problems.push(`${at} (${x.urn}) has type ${JSON.stringify(x.type)} but its URN says ${JSON.stringify(urnType)}`);
    });
    if (problems.length > 0) {
        const shown = problems.slice(0, 10);
        throw new ExportError(
            `${file}: ${problems.length} malformed resource(s):\n  ${shown.join("\n  ")}${problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : ""}\nRe-export the stack with 'pulumi stack export'; do not edit the file by hand.`,
        );
    }
    const live = (list as ExportResource[]).filter((r) => !r.delete);
    if (live.filter((r) => r.type !== "pulumi:pulumi:Stack").length === 0) {
        throw new ExportError(
            `${file}: the export has no resources (${list.length === 0 ? "deployment.resources is empty" : "only the stack itself"}): the stack was never deployed or has been destroyed, so there is nothing to check. ` +
                `Run 'npm run plan -- --stack <name>' to check the program before deploying, or export a deployed stack.`,
        );
    }
    const count = { n: 0 };
    const clean = (v: Record<string, unknown> | undefined) => (v === undefined ? undefined : (redactSecrets(v, count) as Record<string, unknown>));
    const providers = new Map<string, ExportResource>();
    for (const r of live) if (r.type.startsWith("pulumi:providers:")) providers.set(`${r.urn}::${r.id}`, r);
    const providerProps = new Map<ExportResource, Record<string, unknown>>();
    const stackRes = live.find((r) => r.type === "pulumi:pulumi:Stack");
    const stack = stackRes ? parseUrn(stackRes.urn)!.stack : undefined;
    const inputs = live.map((r) => {
        const name = r.urn.slice(r.urn.lastIndexOf("::") + 2);
        const p = r.provider ? providers.get(r.provider) : undefined;
        let pp: Record<string, unknown> | undefined;
        if (p) {
            pp = providerProps.get(p);
            if (!pp) providerProps.set(p, (pp = clean(p.inputs ?? {})!));
        }
        const props = r.inputs && Object.keys(r.inputs).length > 0 ? r.inputs : (r.outputs ?? {});
        return {
            type: r.type,
            name,
            urn: r.urn,
            props: clean(props)!,
            parent: r.parent,
            dependencies: r.dependencies ?? [],
            propertyDependencies: r.propertyDependencies ?? {},
            ...(p ? { provider: { type: p.type, name: p.urn.slice(p.urn.lastIndexOf("::") + 2), urn: p.urn, props: pp! } } : {}),
        } as ResourceInput;
    });
    return { stack, version: d.version as number, inputs, secrets: count.n };
}

/**
 * Reads and validates a `pulumi stack export` file; "-" is standard input, whose text the caller passes as `content`
 * (`pulumi stack export | npm run policy:check -- --export - --stack prod`).
 */
export function readExportFile(file: string, content?: string): ExportRead {
    const fromStdin = file === "-";
    const label = fromStdin ? "<stdin>" : file;
    const howTo = fromStdin
        ? "pipe a stack export into it: pulumi stack export --stack <name> | npm run policy:check -- --export - --stack <name>"
        : `create one with 'pulumi stack export --file ${path.basename(file)}'`;
    let text: string;
    if (content !== undefined) text = content;
    else if (fromStdin) throw new ExportError("--export -: standard input was not read (pass its text to readExportFile)");
    else {
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (e) {
            throw new ExportError(`${file}: not a readable stack export (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ${howTo}`);
        }
    }
    if (text.trim() === "") throw new ExportError(fromStdin ? `<stdin>: empty input; ${howTo}` : `${file}: the file is empty, not a stack export; ${howTo}`);
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new ExportError(`${label}: not a readable stack export (${(e as Error).message}); ${howTo}`);
    }
    return readExportDocument(doc, label);
}
