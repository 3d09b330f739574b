/** lib/monitoring/bias/positive-label.ts: the default positive outcome of a label column, and when there is none. */
import { strict as assert } from "assert";
import { choosePositiveLabel } from "../../lib/monitoring/bias/positive-label";

describe("monitoring/bias: default positive label", () => {
    const rows = (...vs: (string | number | null)[]) => vs.map((v) => ({ y: v }));
    it("takes 1 / true (any case) when present, whatever the frequencies", () => {
        assert.deepEqual(choosePositiveLabel(rows(0, 1, 1, 1), "y"), { value: "1", why: "true value" });
        assert.deepEqual(choosePositiveLabel(rows("False", "TRUE", "TRUE"), "y"), { value: "TRUE", why: "true value" });
    });
    it("else the less frequent value (the first on a tie); blanks are not values", () => {
        assert.deepEqual(choosePositiveLabel(rows("<=50K", "<=50K", ">50K", "", null), "y"), { value: ">50K", why: "less frequent value" });
        assert.deepEqual(choosePositiveLabel(rows("a", "b"), "y"), { value: "a", why: "less frequent value" });
    });
    it("answers the distinct values when there are not exactly two", () => {
        assert.deepEqual(choosePositiveLabel(rows("a", "b", "c"), "y"), { distinct: ["a", "b", "c"] });
        assert.deepEqual(choosePositiveLabel(rows("a", "a"), "y"), { distinct: ["a"] });
    });
});
