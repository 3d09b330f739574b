/**
 * Exemption governance: who may skip which policy, why, on whose approval, and until when.
 *
 * An exemption has four parts - a reason, an approver or a ticket, and an expiry date - and comes from one of two
 * places:
 *
 *  1. Tags on the resource itself (in `tags`, or `tagsAll`; provider default tags never exempt anything):
 *        mlplatform:policy-exemption:<policy>           = <reason>            (>= 10 characters, not "n/a", "tbd"...)
 *        mlplatform:policy-exemption:<policy>:approver  = <who approved>      (an e-mail or a name)
 *        mlplatform:policy-exemption:<policy>:ticket    = <ticket id or URL>  (e.g. SEC-481)
 *        mlplatform:policy-exemption:<policy>:expires   = <YYYY-MM-DD>
 *     (separate tags because AWS tag values cannot hold separators such as ';' or '|').
 *  2. The reviewed exemptions file `policies/exemptions.json` (changes go through code review like the pack itself):
 *        { "exemptions": [ { "policy": "...", "urn": "<URN, * wildcards allowed>", "reason": "...",
 *                            "approver": "...", "ticket": "...", "expires": "YYYY-MM-DD" } ] }
 *
 * An exemption is *active* when it is complete (reason, approver or ticket, expiry), not expired, expires at most
 * `MAX_EXEMPTION_DAYS` ahead, and the policy may be exempted. Whether a policy may be exempted is its
 * `exemptable` metadata (critical least-privilege and public-access rules: no), overridable per environment with the
 * policy's `allowExemptions` config. An exemption that is not active is itself a violation, reported together with the
 * findings it tried to suppress; an active one is recorded (with its expiry) and listed by the report.
 *
 * "Today" is the UTC date, or `MLPLATFORM_POLICY_DATE` (YYYY-MM-DD) for reproducible runs.
 */
import { peek, needKnown } from "./unknowns";

export const EXEMPTION_TAG_PREFIX = "mlplatform:policy-exemption:";
export const MAX_EXEMPTION_DAYS = 366;

const fileEntries: ExemptionFileEntry[] = (require("../exemptions.json") as { exemptions: ExemptionFileEntry[] }).exemptions ?? [];

export interface ExemptionFileEntry {
    policy: string;
    urn: string;
    reason?: string;
    approver?: string;
    ticket?: string;
    expires?: string;
}

export interface DeclaredExemption {
    reason?: string;
    approver?: string;
    ticket?: string;
    expires?: string;
    source: "tags" | "tagsAll" | "file";
}

/** Policies that may not be exempted unless their config sets `allowExemptions: true`. */
const NOT_EXEMPTABLE = new Set<string>();

/** Declares whether a policy may be exempted by default (called by each policy module). */
export function declareExemptable(policyName: string, exemptable: boolean): boolean {
    if (exemptable) NOT_EXEMPTABLE.delete(policyName);
    else NOT_EXEMPTABLE.add(policyName);
    return exemptable;
}

export function exemptableByDefault(policyName: string): boolean {
    return !NOT_EXEMPTABLE.has(policyName);
}

/** The config-schema property every policy carries (default = its metadata). */
export function allowExemptionsSchema(exemptable: boolean): { type: "boolean"; default: boolean; description: string } {
    return {
        type: "boolean",
        default: exemptable,
        description: "Whether resources may be exempted from this policy (with reason, approver or ticket, and expiry).",
    };
}

/** Reads `allowExemptions` from a policy's config (falls back to the policy's default). */
export function allowsExemptions(policyName: string, getConfig?: () => object): boolean {
    const v = getConfig ? (getConfig() as Record<string, unknown>)?.allowExemptions : undefined;
    return typeof v === "boolean" ? v : exemptableByDefault(policyName);
}

export function today(): string {
    const fixed = process.env.MLPLATFORM_POLICY_DATE;
    if (fixed && /^\d{4}-\d{2}-\d{2}$/.test(fixed)) return fixed;
    return new Date().toISOString().slice(0, 10);
}

const PLACEHOLDER = /^(n\/?a|none|tbd|todo|fixme|x+|-+|\.+|temp|temporary|test|exempt|exemption|because|reason|no reason|see ticket|legacy)$/i;

function validDate(s: string): boolean {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function daysBetween(a: string, b: string): number {
    return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** What is wrong with an exemption (empty = it is complete and current). */
export function exemptionProblems(e: DeclaredExemption, now: string | null = today()): string[] {
    const p: string[] = [];
    const reason = (e.reason ?? "").replace(/[\u200B-\u200D\u2060\uFEFF]/g, "").trim();
    if (reason.length < 10 || PLACEHOLDER.test(reason))
        p.push(`the reason ${JSON.stringify(e.reason ?? "")} does not explain anything (give at least 10 characters saying why)`);
    const approver = (e.approver ?? "").trim();
    const ticket = (e.ticket ?? "").trim();
    if (!approver && !ticket) p.push("it names no approver and no ticket");
    if (ticket && !/^([A-Z][A-Z0-9]+-\d+|#\d+|https?:\/\/\S+)$/.test(ticket))
        p.push(`the ticket ${JSON.stringify(ticket)} is not a ticket id (ABC-123, #123) or URL`);
    if (!e.expires) p.push("it has no expiry date (YYYY-MM-DD)");
    else if (!validDate(e.expires)) p.push(`the expiry ${JSON.stringify(e.expires)} is not a date (YYYY-MM-DD)`);
    else if (now !== null && e.expires < now) p.push(`it expired on ${e.expires}`);
    else if (now !== null && daysBetween(now, e.expires) > MAX_EXEMPTION_DAYS)
        p.push(`its expiry ${e.expires} is more than ${MAX_EXEMPTION_DAYS} days away (exemptions must be reviewed at least yearly)`);
    return p;
}

/** `*` wildcards in a URN pattern. */
function urnMatches(pattern: string, urn: string): boolean {
    if (!pattern.includes("*")) return pattern === urn;
    const re = new RegExp(
        "^" +
            pattern
                .split("*")
                .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
                .join(".*") +
            "$",
    );
    return re.test(urn);
}

function tagValue(tags: unknown, key: string, source: string): string | undefined {
    const v = peek(tags, key);
    if (!v.known) needKnown("string", [source, key]);
    return typeof v.value === "string" ? v.value : undefined;
}

/**
 * The exemption declared for `policyName` on a resource: its tags first (own `tags`, then `tagsAll`), then the
 * exemptions file. Throws the runtime's unknown error when a tag's value is unknown during preview.
 */
export function declaredExemption(policyName: string, urn: string, props: Record<string, any>): DeclaredExemption | undefined {
    const key = `${EXEMPTION_TAG_PREFIX}${policyName}`;
    for (const source of ["tags", "tagsAll"] as const) {
        const t = peek(props, source);
        if (!t.known) needKnown("object", [source]);
        const tags = t.value;
        if (!tags || typeof tags !== "object") continue;
        const parts = {
            reason: tagValue(tags, key, source),
            approver: tagValue(tags, `${key}:approver`, source),
            ticket: tagValue(tags, `${key}:ticket`, source),
            expires: tagValue(tags, `${key}:expires`, source),
        };
        if (Object.values(parts).some((v) => v !== undefined)) return { ...parts, source };
    }
    const entry = fileEntries.find((e) => e.policy === policyName && urnMatches(e.urn, urn));
    if (entry) return { reason: entry.reason, approver: entry.approver, ticket: entry.ticket, expires: entry.expires, source: "file" };
    return undefined;
}

/**
 * Tags that declare an exemption in the governed format (for programs). Throws when it is incomplete; the dates are
 * judged by the policy at check time (pass `now` to judge them here too), so an expired exemption fails the gate with a
 * violation rather than crashing the program.
 */
export function exemptionTags(
    policyName: string,
    e: { reason: string; approver?: string; ticket?: string; expires: string },
    now: string | null = null,
): Record<string, string> {
    const problems = exemptionProblems({ ...e, source: "tags" }, now);
    if (problems.length) throw new Error(`exemption for policy '${policyName}': ${problems.join("; ")}`);
    const key = `${EXEMPTION_TAG_PREFIX}${policyName}`;
    return {
        [key]: e.reason,
        ...(e.approver ? { [`${key}:approver`]: e.approver } : {}),
        ...(e.ticket ? { [`${key}:ticket`]: e.ticket } : {}),
        [`${key}:expires`]: e.expires,
    };
}

/** Validates the exemptions file's entries (used by tests and the docs). */
export function exemptionFileProblems(entries: ExemptionFileEntry[] = fileEntries, now = today()): string[] {
    const out: string[] = [];
    entries.forEach((e, i) => {
        if (!e.policy || !e.urn) out.push(`exemptions[${i}]: needs "policy" and "urn"`);
        for (const p of exemptionProblems({ ...e, source: "file" }, now)) out.push(`exemptions[${i}] (${e.policy} ${e.urn}): ${p}`);
    });
    return out;
}
