/**
 * Reads the stack's configuration: from the Pulumi runtime (under `pulumi up`/`preview`, or mocks with config set) or
 * from a `Pulumi.<stack>.yaml` file (the offline gate, scripts). Both go through the same validation.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { ConfigError, parsePlatformConfig, PlatformConfig, RawConfig } from "./config";

/** Pulumi hands structured config values to programs as JSON strings; scalars stay strings. */
function decode(value: string): unknown {
    const t = value.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(t);
        } catch {
            return value;
        }
    }
    return value;
}

/** The validated configuration of the running stack. */
export function loadPlatformConfig(): PlatformConfig {
    const raw: RawConfig = {};
    for (const [k, v] of Object.entries(pulumi.runtime.allConfig())) raw[k] = decode(v);
    return parsePlatformConfig(raw, pulumi.getStack(), raw["aws:region"] as string | undefined);
}

/** The raw `config:` map of `Pulumi.<stack>.yaml` (secure values are kept as their ciphertext objects). */
export function readStackFile(stack: string, projectDir = path.resolve(__dirname, "..")): RawConfig {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = fs
            .readdirSync(projectDir)
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .map((f) => f.slice(7, -5));
        throw new ConfigError([
            `stack '${stack}': ${file} does not exist; known stacks: ${known.join(", ") || "none"} (create it with 'pulumi stack init ${stack}')`,
        ]);
    }
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new ConfigError([`${file}: not valid YAML (${(e as Error).message})`]);
    }
    const config = (doc as { config?: RawConfig } | null)?.config;
    if (!config || typeof config !== "object") throw new ConfigError([`${file}: has no 'config:' map`]);
    return config;
}

/** The validated configuration of a stack, from its file. */
export function loadStackFile(stack: string, projectDir?: string): PlatformConfig {
    const raw = readStackFile(stack, projectDir);
    return parsePlatformConfig(raw, stack, raw["aws:region"] as string | undefined);
}

/** Converts a raw config map to the string map the Pulumi runtime holds (`pulumi.runtime.setAllConfig`). */
export function toRuntimeConfig(raw: RawConfig): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
    return out;
}
