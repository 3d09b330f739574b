/**
 * "Did you mean ...?" for unknown keys and options: the nearest valid name by edit distance (case-insensitive
 * Damerau–Levenshtein, adjacent transpositions count 1), offered only when it is close enough to be a likely typo.
 * Lives in policies/ (the pack must stay installable on its own and checks its config files with it); the platform
 * uses it through lib/common/suggest.ts.
 */

/** Optimal-string-alignment distance between a and b (case-insensitive). */
export function editDistance(a: string, b: string): number {
    a = a.toLowerCase();
    b = b.toLowerCase();
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/**
 * The valid name nearest to `given`, or undefined when none is a plausible typo: within a third of the longer name's
 * length (at least 1, at most 4 edits), or one contains the other (e.g. `spot` / `useSpot`).
 */
export function nearest(given: string, valid: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestD = Infinity;
    for (const v of valid) {
        const dist = editDistance(given, v);
        if (dist < bestD) {
            bestD = dist;
            best = v;
        }
    }
    if (best === undefined) return undefined;
    const limit = Math.min(4, Math.max(1, Math.floor(Math.max(given.length, best.length) / 3)));
    if (bestD <= limit) return best;
    const g = given.toLowerCase();
    const contained = valid.filter((v) => v.length >= 3 && g.length >= 3 && (v.toLowerCase().includes(g) || g.includes(v.toLowerCase())));
    return contained.length === 1 ? contained[0] : undefined;
}

/** `did you mean X?` when a near name exists, else the list of valid names. */
export function suggestion(given: string, valid: readonly string[], render: (name: string) => string = (n) => n): string {
    const n = nearest(given, valid);
    if (n !== undefined) return `did you mean ${render(n)}?`;
    return valid.length ? `valid keys here: ${[...valid].sort().map(render).join(", ")}` : "nothing is accepted here";
}
