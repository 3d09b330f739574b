/**
 * Small DuckDB helpers shared by the data, feature store and report engines.
 * Uses `@duckdb/node-api` with an in-memory database per call site.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

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
  if (typeof v === 'bigint') {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

export async function runQuery(con: DuckDBConnection, sql: string): Promise<SqlRow[]> {
  const reader = await con.runAndReadAll(sql);
  const rows = reader.getRowObjectsJS();
  return rows.map((r) => {
    const out: SqlRow = {};
    for (const k of Object.keys(r)) out[k] = normaliseValue(r[k]);
    return out;
  });
}

/** Open an in-memory DuckDB, run `fn`, always close. */
export async function withDuckDb<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await inst.connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}
