/**
 * Mergeable bias partials (issue 14): every count-based Clarify metric (CI, DPL, KL, JS, LP, TVD, KS and
 * the post-training DPPL, DI, DCA, DCR, RD, DAR, DRR, AD, TE) is a function of the per-facet counts
 * {n, pos, predPos, tp, fp, tn, fn} of facet a and facet d, so shards add them. CDDL/CDDPL additionally
 * need per-group counts, kept the same way. The flip test (FT) needs the rows and has no partial form.
 */
import { cddFromGroups, type CddGroupCounts, type Counts, type FacetCounts, type MetricResult } from "./metrics";

export const BIAS_PARTIAL_FORMAT = "mlplatform/bias-partial";

const KEYS = ["n", "pos", "predPos", "tp", "fp", "tn", "fn"] as const;

export interface BiasPartialJson {
    format: typeof BIAS_PARTIAL_FORMAT;
    version: 1;
    counts: Counts;
    /** group value → counts of facet a and d in that group (for conditional demographic disparity). */
    groups: Record<string, Counts>;
}

const empty = (): FacetCounts => ({ n: 0, pos: 0, predPos: 0, tp: 0, fp: 0, tn: 0, fn: 0 });
const emptyCounts = (): Counts => ({ a: empty(), d: empty() });

function addRow(c: Counts, sensitive: boolean, label?: boolean, predicted?: boolean): void {
    const f = sensitive ? c.d : c.a;
    f.n++;
    if (label) f.pos++;
    if (predicted) f.predPos++;
    if (label !== undefined && predicted !== undefined) {
        if (label && predicted) f.tp++;
        else if (!label && predicted) f.fp++;
        else if (!label && !predicted) f.tn++;
        else f.fn++;
    }
}

function addCounts(into: Counts, o: Counts): void {
    for (const side of ["a", "d"] as const) for (const k of KEYS) into[side][k] += o[side][k];
}

export class BiasPartial {
    counts: Counts = emptyCounts();
    groups = new Map<string, Counts>();

    /** One row after binarisation (sensitive = in facet d). */
    add(sensitive: boolean, label?: boolean, predicted?: boolean, group?: string | number): void {
        addRow(this.counts, sensitive, label, predicted);
        if (group !== undefined) {
            const key = String(group);
            let g = this.groups.get(key);
            if (!g) this.groups.set(key, (g = emptyCounts()));
            addRow(g, sensitive, label, predicted);
        }
    }

    merge(o: BiasPartial): this {
        addCounts(this.counts, o.counts);
        for (const [k, c] of o.groups) {
            let g = this.groups.get(k);
            if (!g) this.groups.set(k, (g = emptyCounts()));
            addCounts(g, c);
        }
        return this;
    }

    /** Conditional demographic disparity in labels (CDDL) or predicted labels (CDDPL) from the merged group counts. */
    cdd(outcome: "labels" | "predicted labels"): MetricResult {
        const g = new Map<string, CddGroupCounts>();
        const key = outcome === "labels" ? "pos" : "predPos";
        let n = 0;
        let pos = 0;
        for (const [k, c] of this.groups) {
            const gn = c.a.n + c.d.n;
            const acc = c.a[key] + c.d[key];
            g.set(k, { n: gn, acc, rej: gn - acc, accD: c.d[key], rejD: c.d.n - c.d[key] });
            n += gn;
            pos += acc;
        }
        const anyD = [...this.groups.values()].some((c) => c.d.n > 0);
        const anyA = [...this.groups.values()].some((c) => c.a.n > 0);
        return cddFromGroups(g, { anyD, anyA, anyPos: pos > 0, anyNeg: pos < n, n }, outcome);
    }

    toJSON(): BiasPartialJson {
        return {
            format: BIAS_PARTIAL_FORMAT,
            version: 1,
            counts: JSON.parse(JSON.stringify(this.counts)),
            groups: Object.fromEntries([...this.groups].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))),
        };
    }

    static fromJSON(j: BiasPartialJson, where = "bias partial"): BiasPartial {
        if (!j || j.format !== BIAS_PARTIAL_FORMAT || j.version !== 1)
            throw new Error(`${where}: not a version-1 ${BIAS_PARTIAL_FORMAT} file; produce it with this tool.`);
        const check = (c: Counts, at: string): Counts => {
            const out = emptyCounts();
            for (const side of ["a", "d"] as const)
                for (const k of KEYS) {
                    const v = c?.[side]?.[k];
                    if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${where}: ${at}.${side}.${k}=${JSON.stringify(v)} is not a count.`);
                    out[side][k] = v as number;
                }
            return out;
        };
        const p = new BiasPartial();
        p.counts = check(j.counts, "counts");
        for (const [k, c] of Object.entries(j.groups ?? {})) p.groups.set(k, check(c, `groups[${JSON.stringify(k)}]`));
        return p;
    }
}
