/**
 * The bookkeeping tables. Applied migrations live in wrangler's own table (exact schema, so
 * `wrangler d1 migrations apply/list` and kanvas agree both ways); each file's checksum lives in a
 * side table wrangler never reads. Reading never creates anything (dry runs write nothing).
 */
import type { D1Client, D1Result, D1Statement } from "../../clients/d1.js";
import { ConfigError } from "../../core/errors.js";
import { LOCK_TABLE, lockTableDdl } from "./lock.js";

export const CHECKSUM_TABLE = "kanvas_migrations";

export interface AppliedRow {
  id: number;
  name: string;
  applied_at: string;
}

export interface BookkeepingState {
  /** False when the migrations table does not exist yet (nothing applied). */
  exists: boolean;
  applied: AppliedRow[];
  checksums: Map<string, string>;
}

/** migrations_table is spliced into SQL (as wrangler does), so it must be a plain identifier. */
export function checkTableName(table: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
    throw new ConfigError(`migrations_table ${JSON.stringify(table)} is not a plain table name; use letters, digits and _ only.`, "config_invalid");
  }
  return table;
}

/** wrangler 4.86's DDL, character for character in what matters: same columns, types and constraints. */
export function migrationsTableDdl(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table}(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)`;
}

export function ensureTablesStatements(table: string): D1Statement[] {
  return [
    { sql: migrationsTableDdl(table) },
    { sql: `CREATE TABLE IF NOT EXISTS ${CHECKSUM_TABLE}(name TEXT PRIMARY KEY, checksum TEXT NOT NULL, recorded_at TEXT DEFAULT CURRENT_TIMESTAMP NOT NULL)` },
    { sql: lockTableDdl() },
  ];
}

export function readStatements(table: string): D1Statement[] {
  return [{ sql: `SELECT id, name, applied_at FROM ${table} ORDER BY id` }, { sql: `SELECT name, checksum FROM ${CHECKSUM_TABLE}` }];
}

export function parseState(applied: D1Result, checksums: D1Result): BookkeepingState {
  return {
    exists: true,
    applied: applied.results as unknown as AppliedRow[],
    checksums: new Map((checksums.results as Array<{ name: string; checksum: string }>).map((r) => [r.name, r.checksum])),
  };
}

/** The state without creating anything: one request when nothing is there yet, two otherwise. */
export async function readState(d1: D1Client, table: string): Promise<BookkeepingState> {
  const present = await d1.query<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
    [table, CHECKSUM_TABLE, LOCK_TABLE],
  );
  const names = new Set(present.results.map((r) => r.name));
  if (!names.has(table)) return { exists: false, applied: [], checksums: new Map() };
  if (!names.has(CHECKSUM_TABLE)) {
    // Applied by wrangler only: no checksums yet (they are adopted on the next migrate).
    const [applied] = await d1.batch([readStatements(table)[0]!]);
    return { exists: true, applied: applied!.results as unknown as AppliedRow[], checksums: new Map() };
  }
  const [applied, checksums] = await d1.batch(readStatements(table));
  return parseState(applied!, checksums!);
}

/** The rows that mark a migration applied, written in the same batch as its statements. */
export function recordStatements(table: string, name: string, checksum: string): D1Statement[] {
  return [
    { sql: `INSERT INTO ${table} (name) VALUES (?)`, params: [name] },
    {
      sql: `INSERT INTO ${CHECKSUM_TABLE} (name, checksum) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET checksum = excluded.checksum, recorded_at = CURRENT_TIMESTAMP`,
      params: [name, checksum],
    },
  ];
}

/** A checksum for a migration someone else (wrangler) applied, taken from today's file; a no-op if one exists. */
export function adoptStatement(table: string, name: string, checksum: string): D1Statement {
  return {
    sql: `INSERT OR IGNORE INTO ${CHECKSUM_TABLE} (name, checksum) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM ${table} WHERE name = ?)`,
    params: [name, checksum, name],
  };
}

/** --allow-drift: the side table follows the file again. */
export function acceptChecksumStatement(name: string, checksum: string): D1Statement {
  return { sql: `UPDATE ${CHECKSUM_TABLE} SET checksum = ?, recorded_at = CURRENT_TIMESTAMP WHERE name = ?`, params: [checksum, name] };
}

/** Whether a migration's bookkeeping row exists: how an unclear outcome is settled. */
export async function isRecorded(d1: D1Client, table: string, name: string): Promise<boolean> {
  const r = await d1.query(`SELECT 1 AS found FROM ${table} WHERE name = ?`, [name]);
  return r.results.length > 0;
}
