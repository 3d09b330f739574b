/**
 * How many times a month an EventBridge-style schedule expression fires (SageMaker monitoring
 * schedules use `cron(min hour day-of-month month day-of-week year)` or `rate(n unit)`).
 * Approximations: a month is 730 h = 30.4167 days; day-of-week schedules fire 4.345 times/month per day.
 */
export const HOURS_PER_MONTH = 730;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

function countField(field: string, min: number, max: number): number {
    if (field === "*" || field === "?") {
        return max - min + 1;
    }
    let total = 0;
    for (const part of field.split(",")) {
        const [rangePart, stepPart] = part.split("/");
        const step = stepPart === undefined ? 1 : Number(stepPart);
        if (!Number.isFinite(step) || step <= 0) {
            throw new Error(`bad step in cron field "${field}"`);
        }
        let lo: number;
        let hi: number;
        if (rangePart === "*" || rangePart === "?") {
            lo = min;
            hi = max;
        } else if (rangePart.includes("-")) {
            const [a, b] = rangePart.split("-");
            lo = Number(a);
            hi = Number(b);
        } else {
            lo = Number(rangePart);
            hi = stepPart === undefined ? lo : max;
        }
        if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
            // Names (MON-FRI, JAN) and L/W/# modifiers: count as one value per comma part.
            total += 1;
            continue;
        }
        total += Math.floor((hi - lo) / step) + 1;
    }
    return total;
}

const DOW_NAMES: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

function countDow(field: string): number {
    const numeric = field.replace(/[A-Z]{3}/gi, (m) => String(DOW_NAMES[m.toUpperCase()] ?? m));
    return countField(numeric, 1, 7);
}

/** Runs per month, or throws for an expression it cannot read. */
export function runsPerMonth(expression: string): number {
    const e = expression.trim();
    const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/i.exec(e);
    if (rate) {
        const n = Number(rate[1]);
        const unit = rate[2].toLowerCase();
        const perHour = unit.startsWith("minute") ? 60 / n : unit.startsWith("hour") ? 1 / n : 1 / (24 * n);
        return perHour * HOURS_PER_MONTH;
    }
    if (/^NOW$/i.test(e)) {
        return 1; // one-off run
    }
    const cron = /^cron\((.*)\)$/i.exec(e);
    if (!cron) {
        throw new Error(`unsupported schedule expression "${expression}"`);
    }
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
        throw new Error(`cron expression needs 6 fields: "${expression}"`);
    }
    const [min, hour, dom, month, dow] = fields;
    const perDay = countField(min, 0, 59) * countField(hour, 0, 23);
    let daysPerMonth: number;
    if (dom !== "*" && dom !== "?") {
        daysPerMonth = countField(dom, 1, 31);
    } else if (dow !== "*" && dow !== "?") {
        daysPerMonth = (countDow(dow) * DAYS_PER_MONTH) / 7;
    } else {
        daysPerMonth = DAYS_PER_MONTH;
    }
    const monthFactor = month === "*" || month === "?" ? 1 : countField(month.replace(/[A-Z]{3}/gi, "1"), 1, 12) / 12;
    return perDay * daysPerMonth * monthFactor;
}

/** Values a cron field (AWS syntax: *, ?, n, a-b, lists, /steps, day names) matches within [min, max]. */
function fieldValues(field: string, min: number, max: number): Set<number> {
    const out = new Set<number>();
    const f = field.replace(/[A-Z]{3}/gi, (m) => String(DOW_NAMES[m.toUpperCase()] ?? m));
    for (const part of f.split(",")) {
        const [rangePart, stepPart] = part.split("/");
        const step = stepPart === undefined ? 1 : Number(stepPart);
        let lo: number;
        let hi: number;
        if (rangePart === "*" || rangePart === "?") [lo, hi] = [min, max];
        else if (rangePart.includes("-")) [lo, hi] = rangePart.split("-").map(Number);
        else [lo, hi] = [Number(rangePart), stepPart === undefined ? Number(rangePart) : max];
        if (![lo, hi, step].every(Number.isFinite) || step <= 0) throw new Error(`cron field "${field}" not understood`);
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return out;
}

/**
 * Share of the week a scheduled scale-down holds (from `downCron` firing until `upCron` fires), simulated hour by hour
 * over a week (day-of-week 1-7 = SUN-SAT, as AWS cron). Both must be weekly patterns (day-of-month and month `*` or
 * `?`); throws otherwise. The time zone shifts both alike, so it does not change the share.
 */
export function scaledDownShareOfWeek(downCron: string, upCron: string): number {
    const parse = (e: string) => {
        const m = /^cron\((.*)\)$/i.exec(e.trim());
        const f = m ? m[1].trim().split(/\s+/) : [];
        if (f.length !== 6) throw new Error(`cron expression needs 6 fields: "${e}"`);
        if (!["*", "?"].includes(f[2]) || !["*", "?"].includes(f[3]))
            throw new Error(`"${e}": only weekly schedules (day-of-month and month * or ?) are priced`);
        return { hours: fieldValues(f[1], 0, 23), days: fieldValues(f[4], 1, 7) };
    };
    const down = parse(downCron);
    const up = parse(upCron);
    let state: "up" | "down" = "up";
    let downHours = 0;
    for (let week = 0; week < 2; week++) {
        for (let d = 1; d <= 7; d++) {
            for (let h = 0; h < 24; h++) {
                if (down.days.has(d) && down.hours.has(h)) state = "down";
                if (up.days.has(d) && up.hours.has(h)) state = "up";
                if (week === 1 && state === "down") downHours++;
            }
        }
    }
    return downHours / 168;
}
