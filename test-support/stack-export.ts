/**
 * Builds a `pulumi stack export` document (deployment checkpoint, version 3) from a gate run of the program, the way
 * the Pulumi service records the stack after `pulumi up`: the root `pulumi:pulumi:Stack` resource with the stack
 * outputs, providers with an id and `provider` references of the form `<provider urn>::<provider id>`, custom
 * resources with `id`, `inputs` (what the program sent) and `outputs` (the provider's state), component resources with
 * no id and no inputs, and each resource's `parent`, `dependencies` and `propertyDependencies`.
 *
 * Refresh the committed fixture (after changing the program) with:
 *   node scripts/run-ts.cjs test-support/stack-export.ts [stack] [file]
 * default: prod -> test/fixtures/gate/prod.stack-export.json
 */
import * as fs from "fs";
import * as path from "path";
import { runGate } from "../gate/gate";
import { withRegisteredModel } from "./registered-model";
import { ProgramRun } from "../gate/runtime";

export interface ExportedResource {
    urn: string;
    custom: boolean;
    id?: string;
    type: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    parent?: string;
    provider?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
}

export interface StackExport {
    version: 3;
    deployment: {
        manifest: { time: string; magic: string; version: string };
        secrets_providers: { type: string; state: Record<string, unknown> };
        resources: ExportedResource[];
    };
}

export const FIXTURE = path.resolve(__dirname, "..", "test", "fixtures", "gate", "prod.stack-export.json");

/** JSON round trip (drops undefined, turns unresolved values into null), as the checkpoint stores them. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v ?? {}));

/** A fixed timestamp keeps the committed fixture byte-stable across refreshes. */
export function buildExport(run: ProgramRun, time = "2026-11-27T12:00:00.000Z"): StackExport {
    const resources: ExportedResource[] = run.resources.map((r) => {
        const isStack = r.type === "pulumi:pulumi:Stack";
        const e: ExportedResource = {
            urn: r.urn,
            custom: r.custom,
            type: r.type,
            // Component resources: the engine records no inputs; the root stack's outputs are the stack outputs.
            inputs: r.custom ? plain(r.inputs) : {},
            outputs: isStack ? plain(run.outputs) : r.custom ? plain(r.outputs) : {},
            dependencies: [...r.dependencies],
            propertyDependencies: plain(r.propertyDependencies),
        };
        if (r.custom) e.id = r.id ?? "";
        if (r.parent) e.parent = r.parent;
        if (r.provider) e.provider = r.provider;
        return e;
    });
    return {
        version: 3,
        deployment: {
            manifest: { time, magic: "", version: "v3.248.0" },
            secrets_providers: { type: "service", state: { url: "https://api.pulumi.com", owner: "example-org", project: run.project, stack: run.stack } },
            resources,
        },
    };
}

export async function writeExport(stack: string, file: string): Promise<StackExport> {
    // The stack once its model is registered (the endpoint exists): the checkpoint of a running platform.
    const { run } = await runGate({ stack, configure: withRegisteredModel });
    const doc = buildExport(run);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
    return doc;
}

if (require.main === module) {
    const stack = process.argv[2] ?? "prod";
    const file = path.resolve(process.argv[3] ?? (stack === "prod" ? FIXTURE : path.join(path.dirname(FIXTURE), `${stack}.stack-export.json`)));
    writeExport(stack, file).then(
        (d) => {
            process.stdout.write(`wrote ${path.relative(process.cwd(), file)}: ${d.deployment.resources.length} resources\n`);
            process.exit(0);
        },
        (e: Error) => {
            process.stderr.write(`${e.stack ?? e.message}\n`);
            process.exit(2);
        },
    );
}
