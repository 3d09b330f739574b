/**
 * optimize --apply-config: writes recommended keys into Pulumi.<stack>.yaml (comments and layout kept, via the yaml
 * Document API), validates the result with the stack config parser BEFORE replacing the file (temp file + rename), and
 * never writes keys the stack config does not have (they are returned as refused, with the reason); a null value removes the key, and a key two
 * recommendations set is applied once, the second returned as refused. It lives beside the
 * CLI, not in lib/optimize, because it needs the stack config parser (infra/config.ts).
 */
import * as fs from "fs";
import YAML from "yaml";
import { parsePlatformConfig, RawConfig } from "../../infra/config";
import { writeFileAtomic } from "../../lib/data/io";
import type { ConfigChange, Recommendation } from "../../lib/optimize/engine";

export interface ApplyResult {
    file: string;
    applied: { key: string; from: unknown; to: unknown; recommendation: string }[];
    refused: { key: string; recommendation: string; reason: string }[];
}

function pathOf(key: string): (string | number)[] {
    const [top, ...rest] = key.split(".");
    return ["config", `mlplatform:${top}`, ...rest.map((p) => (/^\d+$/.test(p) ? Number(p) : p))];
}

export function applyConfig(file: string, stack: string, recs: Recommendation[]): ApplyResult {
    const text = fs.readFileSync(file, "utf8");
    const doc = YAML.parseDocument(text);
    const res: ApplyResult = { file, applied: [], refused: [] };
    const seen = new Map<string, string>();
    for (const r of recs) {
        if (!r.recommended) continue;
        for (const c of r.changes as ConfigChange[]) {
            if (seen.has(c.key)) {
                res.refused.push({ key: c.key, recommendation: r.id, reason: `already set by ${seen.get(c.key)}` });
                continue;
            }
            const p = pathOf(c.key);
            const from = doc.getIn(p);
            if (c.value === null) {
                // null removes the key (e.g. instanceType of a variant that becomes serverless)
                if (doc.hasIn(p)) doc.deleteIn(p);
            } else doc.setIn(p, c.value);
            seen.set(c.key, r.id);
            res.applied.push({
                key: c.key,
                from: from && typeof from === "object" && "toJSON" in (from as object) ? (from as { toJSON(): unknown }).toJSON() : from,
                to: c.value,
                recommendation: r.id,
            });
        }
    }
    if (!res.applied.length) return res;
    const out = doc.toString();
    const raw = (YAML.parse(out) as { config: RawConfig }).config;
    // Throws ConfigError naming the key when a recommended value is out of the config's bounds: nothing is written then.
    parsePlatformConfig(raw, stack, raw["aws:region"] as string | undefined);
    writeFileAtomic(file, out);
    return res;
}
