/**
 * A SQL dump of a SQLite/D1 database, in the shape D1's export API produces: schema and rows as
 * plain statements (no BEGIN/COMMIT: D1 refuses them), so the file applies with
 * `kanvas db query --file` and `wrangler d1 execute --file`. Values are written by SQLite's own
 * quote(): exact literals for text (any unicode, newlines), blobs (X'…'), integers, reals and NULL.
 */

/** Anything that runs one read-only statement and returns rows as objects. */
export type DumpQuery = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

export interface DumpOptions {
  noData?: boolean;
  noSchema?: boolean;
  /** Only these tables (and their indexes and triggers); empty = all. */
  tables?: string[];
}

/** Rows fetched per statement: well under D1's result limits. */
const PAGE = 500;

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** D1's and SQLite's own tables: never part of a dump (sqlite_sequence is restored separately). */
const internal = (name: string) => /^(sqlite_|_cf_)/i.test(name);

/** Yields the dump a statement (one or more lines) at a time, so a large database never sits in memory. */
export async function* dumpDatabase(query: DumpQuery, opts: DumpOptions = {}): AsyncGenerator<string> {
  const objects = (await query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")) as unknown as SchemaObject[];
  const wanted = opts.tables?.length ? new Set(opts.tables) : undefined;
  const tables = objects.filter((o) => o.type === "table" && !internal(o.name) && (!wanted || wanted.has(o.name)));
  if (wanted) {
    const missing = [...wanted].filter((t) => !tables.some((o) => o.name === t));
    if (missing.length) throw new DumpInputError(`no such table: ${missing.join(", ")}`);
  }
  yield "PRAGMA defer_foreign_keys=TRUE;\n";
  for (const table of tables) {
    if (!opts.noSchema) yield `${table.sql};\n`;
    if (opts.noData) continue;
    const columns = ((await query(`PRAGMA table_info(${quoteIdent(table.name)})`)) as Array<{ name: string }>).map((c) => c.name);
    if (!columns.length) continue;
    const select = `SELECT ${columns.map((c, i) => `quote(${quoteIdent(c)}) AS c${i}`).join(", ")} FROM ${quoteIdent(table.name)}`;
    const withoutRowid = /\)\s*WITHOUT\s+ROWID\s*$/i.test(table.sql ?? "");
    const insert = `INSERT INTO ${quoteIdent(table.name)} (${columns.map(quoteIdent).join(",")}) VALUES(`;
    for (let offset = 0; ; offset += PAGE) {
      const rows = await query(`${select}${withoutRowid ? "" : " ORDER BY rowid"} LIMIT ${PAGE} OFFSET ${offset}`);
      if (rows.length) yield rows.map((r) => `${insert}${columns.map((_, i) => String(r[`c${i}`])).join(",")});\n`).join("");
      if (rows.length < PAGE) break;
    }
  }
  // AUTOINCREMENT counters, so new rows continue where the source's did.
  if (!opts.noData && objects.some((o) => o.name === "sqlite_sequence")) {
    const names = new Set(tables.map((t) => t.name));
    const seq = (await query("SELECT name, seq FROM sqlite_sequence")) as Array<{ name: string; seq: number }>;
    for (const s of seq.filter((s) => names.has(s.name))) {
      yield `DELETE FROM sqlite_sequence WHERE name = ${sqlString(s.name)};\nINSERT INTO sqlite_sequence (name, seq) VALUES(${sqlString(s.name)}, ${Number(s.seq)});\n`;
    }
  }
  if (!opts.noSchema) {
    const names = new Set(tables.map((t) => t.name));
    for (const o of objects) {
      if (o.type === "table" || internal(o.name)) continue;
      if (o.type === "view" ? wanted && !wanted.has(o.name) : !names.has(o.tbl_name)) continue;
      yield `${o.sql};\n`;
    }
  }
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A bad --table name (the command turns it into a usage error). */
export class DumpInputError extends Error {}
