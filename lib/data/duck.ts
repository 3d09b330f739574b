/**
 * Small DuckDB helpers shared by the data, feature store and report engines.
 * Uses `@duckdb/node-api` with an in-memory database per call site.
 */
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

export type SqlValue = string | number | boolean | null;
export type SqlRow = Record<string, SqlValue>;

/** Quote a string as a SQL literal ('' escaping). */
export function sqlString(s: string): string {
    return `'${s.replace(/'/g, "''")}'`;
}

/** Quote an identifier ("" escaping). */
export function sqlIdent(s: string): string {
    return `"${s.replace(/"/g, '""')}"`;
}

/** Normalise DuckDB JS values: BIGINT → number (string when unsafe), Date → ISO-8601 string. */
export function normaliseValue(v: unknown): SqlValue {
    if (v === null || v === undefined) return null;
    if (typeof v === "bigint") {
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
    }
    if (v instanceof Date) return v.toISOString();
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    return String(v);
}

export async function runQuery(con: DuckDBConnection, sql: string): Promise<SqlRow[]> {
    const reader = await con.runAndReadAll(sql);
    // Columnar conversion is several times faster than getRowObjectsJS() on wide results.
    const names = reader.columnNames();
    const cols = reader.getColumnsJS();
    const n = cols.length ? cols[0].length : 0;
    const rows: SqlRow[] = new Array(n);
    for (let i = 0; i < n; i++) rows[i] = {};
    for (let c = 0; c < names.length; c++) {
        const name = names[c];
        const col = cols[c];
        for (let i = 0; i < n; i++) rows[i][name] = normaliseValue(col[i]);
    }
    return rows;
}

/** Open an in-memory DuckDB, run `fn`, always close. */
export async function withDuckDb<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
    const inst = await DuckDBInstance.create(":memory:", { threads: "2" });
    const con = await inst.connect();
    try {
        return await fn(con);
    } finally {
        con.closeSync();
        inst.closeSync();
    }
}
