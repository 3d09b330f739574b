/** The Adult covariate shift of the monitor demo: deterministic, moves only age / hours_per_week / workclass. */
import { strict as assert } from "assert";
import * as fs from "fs";
import { ADULT_SCHEMA, parseBuffer } from "../../lib/data";
import { DEFAULT_ADULT_SHIFT, SHIFTED_FEATURES, mulberry32, shiftAdultCsvLines, shiftAdultRows } from "../../lib/monitoring/shift";
import { ADULT_DATA } from "../../test-support/serving-fixture";

type Row = Record<string, string | number | null>;

describe("Adult covariate shift (lib/monitoring/shift)", () => {
    const text = fs.readFileSync(ADULT_DATA, "utf8").split("\n");
    const rows = parseBuffer(Buffer.from(text.slice(0, 4001).join("\n")), "adult.data", ADULT_SCHEMA, { sourceTag: "data" }).rows as unknown as Row[];

    it("is deterministic for a seed and changes with the seed", () => {
        const a = shiftAdultRows(rows, { seed: 5 });
        const b = shiftAdultRows(rows, { seed: 5 });
        const c = shiftAdultRows(rows, { seed: 6 });
        assert.deepEqual(a, b);
        assert.notDeepEqual(
            a.map((r) => r.age),
            c.map((r) => r.age),
        );
        // a row's result depends on its position and the seed only, not on other rows' content
        const edited = rows.map((r, i) => (i === 0 ? { ...r, age: 50, workclass: "Private", hours_per_week: 10 } : r));
        assert.deepEqual(shiftAdultRows(edited, { seed: 5 }).slice(1), a.slice(1));
    });

    it("moves only the intended features, within the documented rules; input untouched", () => {
        const before = JSON.stringify(rows);
        const out = shiftAdultRows(rows, { seed: 7 });
        assert.equal(JSON.stringify(rows), before, "input not mutated");
        const untouched = Object.keys(rows[0]).filter((k) => !(SHIFTED_FEATURES as readonly string[]).includes(k));
        assert.ok(untouched.includes("label") && untouched.includes("education") && untouched.includes("fnlwgt"));
        let selfEmp = 0;
        let privates = 0;
        const deltas = new Set<number>();
        out.forEach((r, i) => {
            const o = rows[i];
            for (const k of untouched) assert.equal(r[k], o[k], `${k} unchanged`);
            const age = o.age as number;
            const d = (r.age as number) - age;
            // age = min(90, age + k) for some k in 10..15
            assert.ok(
                [10, 11, 12, 13, 14, 15].some((k) => r.age === Math.min(90, age + k)),
                `age ${age} -> ${r.age}`,
            );
            if ((r.age as number) < 90) deltas.add(d);
            assert.equal(typeof r.age, "number");
            assert.equal(r.hours_per_week, Math.min(99, Math.round((o.hours_per_week as number) * 1.25)));
            if (o.workclass === "Private") {
                privates++;
                if (r.workclass !== "Private") {
                    selfEmp++;
                    assert.ok(r.workclass === "Self-emp-not-inc" || r.workclass === "Self-emp-inc");
                }
            } else assert.equal(r.workclass, o.workclass, "non-Private workclass (and missing) unchanged");
        });
        assert.deepEqual(
            [...deltas].sort((x, y) => x - y),
            [10, 11, 12, 13, 14, 15],
        );
        // binomial(privates, 0.3): within 4 standard deviations
        const sd = Math.sqrt(privates * 0.3 * 0.7);
        assert.ok(Math.abs(selfEmp - 0.3 * privates) < 4 * sd, `${selfEmp} of ${privates}`);
        assert.ok(
            rows.some((r) => r.workclass === null),
            "the slice has missing workclass values",
        );
    });

    it("keeps missing values missing and string cells as strings (CSV lines)", () => {
        const cols = ADULT_SCHEMA.columns.map((c) => c.name);
        const lines = [
            "39, ?, 77516, Bachelors, 13, Never-married, ?, Not-in-family, White, Male, 2174, 0, 40, United-States",
            "88, Private, 1, HS-grad, 9, Widowed, Sales, Unmarried, White, Female, 0, 0, 90, ?",
        ];
        const [a, b] = shiftAdultCsvLines(lines, cols, { seed: 1 }).map((l) => l.split(", "));
        assert.equal(a[1], "?");
        assert.equal(a[6], "?");
        assert.equal(a[12], "50");
        assert.ok(Number(a[0]) >= 49 && Number(a[0]) <= 54);
        assert.equal(b[0], "90", "age clipped");
        assert.equal(b[12], "99", "hours capped");
        assert.equal(a.length, 14);
        assert.throws(() => shiftAdultCsvLines(["1,2"], cols), /line has 2 cells, expected 14/);
        assert.throws(() => shiftAdultRows(rows, { selfEmployRate: 2 }), /selfEmployRate 2 must be in \[0, 1\]/);
    });

    it("uses a reproducible PRNG and documented defaults", () => {
        const r = mulberry32(1);
        const xs = [r(), r(), r()];
        const r2 = mulberry32(1);
        assert.deepEqual([r2(), r2(), r2()], xs);
        assert.ok(xs.every((x) => x >= 0 && x < 1));
        assert.deepEqual(
            { ...DEFAULT_ADULT_SHIFT, seed: 0 },
            { seed: 0, ageShiftMin: 10, ageShiftMax: 15, ageMin: 17, ageMax: 90, hoursFactor: 1.25, hoursMax: 99, selfEmployRate: 0.3 },
        );
    });
});
