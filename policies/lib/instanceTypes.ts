/**
 * SageMaker instance types: `ml.<family>.<size>`, e.g. `ml.m5.xlarge`, `ml.g5.2xlarge`,
 * `ml.c7g.large`, `ml.p4d.24xlarge`, `ml.m5d.large`.
 */

export interface ParsedInstanceType {
    raw: string;
    /** `ml.m5` */
    family: string;
    /** `m` - the instance class letter(s) before the generation digit. */
    series: string;
    /** `xlarge` */
    size: string;
    accelerated: boolean;
}

/** Instance series with GPUs or ML accelerators (p: NVIDIA training, g: NVIDIA graphics/inference, inf: Inferentia, trn: Trainium, dl: Gaudi). */
const ACCELERATED_SERIES = ["p", "g", "inf", "trn", "dl"];

/**
 * Families whose ML storage volume is local NVMe instance storage: SageMaker rejects a KMS key for their volumes
 * (the instance store is hardware-encrypted), so policies must not demand one.
 */
export const NVME_INSTANCE_STORE_FAMILIES: readonly string[] = Object.freeze([
    "g4dn",
    "g5",
    "g6",
    "g6e",
    "p3dn",
    "p4d",
    "p4de",
    "p5",
    "p5e",
    "m5d",
    "c5d",
    "r5d",
    "m6id",
    "c6id",
    "r6id",
]);

/** True when `t` (e.g. `ml.g5.xlarge`) stores its ML volume on NVMe instance storage. */
export function hasNvmeInstanceStore(t: string): boolean {
    const p = parseInstanceType(t);
    return p !== undefined && NVME_INSTANCE_STORE_FAMILIES.includes(p.family.slice(3));
}

export function parseInstanceType(t: string): ParsedInstanceType | undefined {
    const m = /^ml\.([a-z]+)(\d+[a-z0-9-]*)\.([a-z0-9-]+)$/.exec(t.trim());
    if (!m) {
        return undefined;
    }
    const series = m[1];
    return {
        raw: t,
        family: `ml.${m[1]}${m[2]}`,
        series,
        size: m[3],
        accelerated: ACCELERATED_SERIES.includes(series),
    };
}

/**
 * True when `t` is allowed by an allowlist of families (`ml.m5`) and sizes (`xlarge`), or listed
 * verbatim in `explicit` (exact types or globs like `ml.t3.*`).
 */
export function instanceTypeAllowed(t: string, allowlist: { families: string[]; sizes: string[]; explicit?: string[] }): boolean {
    for (const e of allowlist.explicit ?? []) {
        if (e === t || (e.endsWith(".*") && t.startsWith(e.slice(0, -1)))) {
            return true;
        }
    }
    const p = parseInstanceType(t);
    if (!p) {
        return false;
    }
    return allowlist.families.includes(p.family) && allowlist.sizes.includes(p.size);
}
