/**
 * Runs D1 requests on a sql.js (SQLite in wasm) database the way D1's REST API does:
 * every request (one sql with several `;` statements, or a batch) is one transaction,
 * statements over 100 KB and more than 100 bound params are refused, and SQL transaction
 * control (BEGIN/COMMIT/SAVEPOINT…) is rejected. Errors read like D1's:
 * "<sqlite message>: SQLITE_<CODE>".
 */
import initSqlJs from "sql.js";

export type SqlJs = initSqlJs.SqlJsStatic;
export type SqlDatabase = initSqlJs.Database;
type SqlValue = initSqlJs.SqlValue;

let sqlJsPromise: Promise<SqlJs> | undefined;
export function loadSqlJs(): Promise<SqlJs> {
  sqlJsPromise ??= initSqlJs();
  return sqlJsPromise;
}

export const D1_LIMITS = { maxStatementBytes: 100_000, maxBoundParams: 100 } as const;

/** The D1 message of a failed request (HTTP 400, code 7500 on the REST API). */
export class D1SqlError extends Error {
  override readonly name = "D1SqlError";
}

export interface D1Query {
  sql: string;
  params?: unknown[];
}

export interface D1Meta {
  changed_db: boolean;
  changes: number;
  duration: number;
  last_row_id: number;
  rows_read: number;
  rows_written: number;
  size_after: number;
  served_by_primary: boolean;
  served_by_region: string;
  timings: { sql_duration_ms: number };
}

export type D1Cell = number | string | null | number[];

export interface D1StatementResult {
  columns: string[];
  rows: D1Cell[][];
  meta: D1Meta;
}

export interface RunOptions {
  /** D1's per-statement limits and rules (off for the test's own setup SQL) */
  enforceLimits: boolean;
  /** message for BEGIN/COMMIT/… statements (differs between /query and the import API) */
  transactionMessage?: string;
}

/** D1 (a Durable Object's SQLite) refuses SQL-level transactions on /query with this message. */
export const QUERY_TRANSACTION_MESSAGE =
  "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will automatically roll back on exceptions, and because it interacts correctly with Durable Objects' automatic atomic write coalescing.: SQLITE_AUTH";
/** What an imported dump with BEGIN TRANSACTION gets (D1 docs, import troubleshooting). */
export const IMPORT_TRANSACTION_MESSAGE = "cannot start a transaction within a transaction: SQLITE_ERROR";

const TRANSACTION_CONTROL = /^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

/** Runs all queries atomically; returns one result per statement, in order. */
export function runAtomically(db: SqlDatabase, queries: D1Query[], opts: RunOptions): D1StatementResult[] {
  const results: D1StatementResult[] = [];
  db.run("BEGIN");
  try {
    for (const q of queries) results.push(...runQuery(db, q, opts));
    db.run("COMMIT");
  } catch (err) {
    try {
      db.run("ROLLBACK");
    } catch {
      // already rolled back by SQLite
    }
    throw toD1Error(err);
  }
  return results;
}

function runQuery(db: SqlDatabase, q: D1Query, opts: RunOptions): D1StatementResult[] {
  const params = q.params ?? [];
  if (opts.enforceLimits && params.length > D1_LIMITS.maxBoundParams) {
    throw new D1SqlError(`too many SQL variables at offset ${offsetOfVariable(q.sql, D1_LIMITS.maxBoundParams + 1)}: SQLITE_ERROR`);
  }
  const out: D1StatementResult[] = [];
  for (const stmt of db.iterateStatements(q.sql)) {
    try {
      const text = stmt.getSQL();
      if (opts.enforceLimits && Buffer.byteLength(text, "utf8") > D1_LIMITS.maxStatementBytes) {
        throw new D1SqlError("statement too long: SQLITE_TOOBIG");
      }
      if (TRANSACTION_CONTROL.test(stripLeadingComments(text))) {
        throw new D1SqlError(opts.transactionMessage ?? QUERY_TRANSACTION_MESSAGE);
      }
      if (params.length > 0) {
        if (out.length > 0) {
          throw new D1SqlError("Wrong number of parameter bindings for SQL query (bound params need a single statement): SQLITE_RANGE");
        }
        stmt.bind(params.map(toSqlValue));
      }
      out.push(step(db, stmt));
    } finally {
      stmt.free();
    }
  }
  if (out.length === 0) throw new D1SqlError("No SQL statements detected.");
  return out;
}

function step(db: SqlDatabase, stmt: initSqlJs.Statement): D1StatementResult {
  const before = scalar(db, "SELECT total_changes()");
  const schemaBefore = scalar(db, "PRAGMA schema_version");
  const started = performance.now();
  const columns = stmt.getColumnNames();
  const rows: D1Cell[][] = [];
  while (stmt.step()) rows.push(stmt.get().map(toCell));
  const duration = performance.now() - started;
  const changes = scalar(db, "SELECT total_changes()") - before;
  const changedSchema = scalar(db, "PRAGMA schema_version") !== schemaBefore;
  return {
    columns,
    rows,
    meta: {
      changed_db: changes > 0 || changedSchema,
      changes,
      duration,
      last_row_id: scalar(db, "SELECT last_insert_rowid()"),
      rows_read: rows.length + changes,
      rows_written: changes,
      size_after: scalar(db, "PRAGMA page_count") * scalar(db, "PRAGMA page_size"),
      served_by_primary: true,
      served_by_region: "ENAM",
      timings: { sql_duration_ms: duration },
    },
  };
}

export function scalar(db: SqlDatabase, sql: string): number {
  const res = db.exec(sql);
  return Number(res[0]?.values[0]?.[0] ?? 0);
}

/** Rows of one D1 statement result as objects (the /query shape). */
export function rowsAsObjects(r: { columns: string[]; rows: D1Cell[][] }): Record<string, D1Cell>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i] ?? null])));
}

function toSqlValue(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  return JSON.stringify(v);
}

function toCell(v: SqlValue): D1Cell {
  return v instanceof Uint8Array ? Array.from(v) : v;
}

function toD1Error(err: unknown): D1SqlError {
  if (err instanceof D1SqlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new D1SqlError(`${message}: ${sqliteCode(message)}`);
}

function sqliteCode(message: string): string {
  if (/constraint failed/i.test(message)) return "SQLITE_CONSTRAINT";
  if (/too big|too long/i.test(message)) return "SQLITE_TOOBIG";
  if (/not authorized/i.test(message)) return "SQLITE_AUTH";
  if (/datatype mismatch/i.test(message)) return "SQLITE_MISMATCH";
  return "SQLITE_ERROR";
}

function stripLeadingComments(sql: string): string {
  let s = sql.trimStart();
  for (;;) {
    if (s.startsWith("--")) {
      const nl = s.indexOf("\n");
      s = nl < 0 ? "" : s.slice(nl + 1).trimStart();
    } else if (s.startsWith("/*")) {
      const end = s.indexOf("*/");
      s = end < 0 ? "" : s.slice(end + 2).trimStart();
    } else return s;
  }
}

/** Character offset of the n-th `?` placeholder (what SQLite reports), or 0. */
function offsetOfVariable(sql: string, n: number): number {
  let seen = 0;
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] === "?" && ++seen === n) return i;
  }
  return 0;
}
