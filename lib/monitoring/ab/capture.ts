/**
 * A/B records from an endpoint's data-capture tree: each captured request is attributed to the production variant of
 * its folder (`<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl`, the service's capture layout), then labelled from the
 * ground truth joined on the event id, or scored from the captured answer when there is no ground truth.
 * Main decisions: a captured request is an answered request (status ok); capture records carry no latency (neither do
 * the service's), so latency is NaN and the latency guardrail is not evaluated from capture; files outside a variant
 * folder are counted, not read as traffic.
 */
import * as path from "path";
import { CaptureReadStats, decodePayload, readCaptureRecords, type DecodedRow } from "../capture";
import type { AbRecord } from "./analyze";

/** Variant of a capture file: the folder above the yyyy/mm/dd/hh partition. */
export function variantOfCaptureFile(file: string): string | undefined {
    const parts = file.split(path.sep);
    for (let i = parts.length - 5; i >= 1; i--) {
        if (/^\d{4}$/.test(parts[i]) && /^\d{2}$/.test(parts[i + 1]) && /^\d{2}$/.test(parts[i + 2]) && /^\d{2}$/.test(parts[i + 3])) return parts[i - 1];
    }
    return undefined;
}

export interface CaptureVariants {
    /** Variant of each captured event id. */
    variantByEvent: Map<string, string>;
    /** Scores of the captured answers (only when read with `scores`). */
    scored: { variant: string; score: number }[];
    stats: CaptureReadStats;
    /** Capture records in files outside a `<variant>/yyyy/mm/dd/hh` folder (not counted as traffic). */
    noVariant: number;
}

/** Reads a capture tree in [from, to): the variant of each event, and with `scores` the score of each answer row. */
export async function readCaptureVariants(captureDir: string, o: { from?: Date; to?: Date; scores: boolean }): Promise<CaptureVariants> {
    const out: CaptureVariants = { variantByEvent: new Map(), scored: [], stats: new CaptureReadStats(), noVariant: 0 };
    for await (const ev of readCaptureRecords(captureDir, { stats: out.stats, from: o.from, to: o.to })) {
        const v = variantOfCaptureFile(ev.file);
        if (!v) {
            out.noVariant++;
            continue;
        }
        const md = ev.record.eventMetadata;
        if (md?.eventId) out.variantByEvent.set(md.eventId, v);
        if (o.scores) {
            const outP = ev.record.captureData.endpointOutput;
            let rows: DecodedRow[];
            try {
                rows = outP ? decodePayload(outP) : [];
            } catch {
                rows = [];
            }
            for (const r of rows) out.scored.push({ variant: v, score: Number(r.values[0]) });
        }
    }
    return out;
}

/**
 * The A/B records of the captured traffic: with `joined` (capture rows joined with ground truth) one labelled record
 * per joined event of a known variant plus one unlabelled record per captured event without ground truth; without it,
 * one record per scored answer row (a score that is not a number is left out of the record).
 */
export function abRecordsOf(c: CaptureVariants, joined?: { eventId: string; score: number; label: 0 | 1 }[]): { records: AbRecord[]; unlabelled: number } {
    const records: AbRecord[] = [];
    if (!joined) {
        for (const u of c.scored) records.push({ variant: u.variant, status: "ok", latencyUs: NaN, score: Number.isFinite(u.score) ? u.score : undefined });
        return { records, unlabelled: records.length };
    }
    const labelled = new Set<string>();
    for (const r of joined) {
        const v = c.variantByEvent.get(r.eventId);
        if (!v) continue;
        labelled.add(r.eventId);
        records.push({ variant: v, status: "ok", latencyUs: NaN, score: r.score, label: r.label });
    }
    for (const [eid, v] of c.variantByEvent) if (!labelled.has(eid)) records.push({ variant: v, status: "ok", latencyUs: NaN });
    return { records, unlabelled: c.variantByEvent.size - labelled.size };
}
