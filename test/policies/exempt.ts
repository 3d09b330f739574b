/** Governed exemption tags for tests: reason + ticket + an expiry 90 days from today (see policies/lib/exemptions.ts). */
import { exemptionTags, today } from "../../policies/lib/exemptions";

export function inDays(days: number): string {
    return new Date(Date.parse(`${today()}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function exemptTags(policy: string, reason: string, extra: { approver?: string; ticket?: string; expires?: string } = {}): Record<string, string> {
    return exemptionTags(policy, { reason, ticket: "SEC-1", expires: inDays(90), ...extra });
}
