/**
 * Checks a list of CloudWatch metric-math queries the way GetMetricData / PutMetricAlarm validate them
 * ("Use metric math", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html, and the
 * MetricDataQuery Id rule in the CloudWatch API model: "The first character must be a lowercase letter", letters,
 * numbers and underscore): unique valid ids, each query a metric or an expression, expressions referencing only ids
 * defined in the list (functions are upper case), no self reference or cycle, and balanced parentheses.
 */
import * as assert from "assert";

export interface MathQuery {
    id: string;
    expression?: string;
    metric?: unknown;
    returnData?: boolean;
}

const ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;

/** Identifiers an expression references (numbers, strings and upper-case function names left out). */
export function referencedIds(expression: string): string[] {
    const noStrings = expression.replace(/'[^']*'|"[^"]*"/g, " ");
    const tokens = noStrings.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
    return tokens.filter((t, i, all) => !/^[A-Z][A-Z0-9_]*$/.test(t) && all.indexOf(t) === i);
}

export function assertValidMetricMath(queries: MathQuery[]): void {
    const ids = queries.map((q) => q.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(", ")}`);
    for (const q of queries) {
        assert.match(q.id, ID, `id ${q.id}: must start with a lowercase letter and hold letters, digits and underscores`);
        assert.ok((q.expression === undefined) !== (q.metric === undefined), `query ${q.id}: exactly one of expression and metric`);
        if (q.expression === undefined) continue;
        let depth = 0;
        for (const c of q.expression) {
            depth += c === "(" ? 1 : c === ")" ? -1 : 0;
            assert.ok(depth >= 0, `query ${q.id}: unbalanced parentheses in ${q.expression}`);
        }
        assert.equal(depth, 0, `query ${q.id}: unbalanced parentheses in ${q.expression}`);
        for (const ref of referencedIds(q.expression)) {
            assert.ok(ids.includes(ref), `query ${q.id}: expression ${q.expression} references ${ref}, which is not an id of the request`);
            assert.notEqual(ref, q.id, `query ${q.id} references itself`);
        }
    }
    // no cycles
    const deps = new Map(queries.map((q) => [q.id, q.expression ? referencedIds(q.expression) : []]));
    const visit = (id: string, path: string[]): void => {
        assert.ok(!path.includes(id), `cycle: ${[...path, id].join(" -> ")}`);
        for (const d of deps.get(id) ?? []) visit(d, [...path, id]);
    };
    for (const id of ids) visit(id, []);
}
