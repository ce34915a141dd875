import type { D1Client } from "../../clients/d1.js";

export type RangeSupport = { ok: true } | { ok: false; reason: string };

/**
 * Whether `assets.r2_key` can be checked by key ranges: the range query must compare like the
 * listing (BINARY collation, the default) and be served by an index whose first column is r2_key
 * (the schema's UNIQUE index). Read from sqlite_master, in one request.
 */
export async function detectRangeSupport(d1: D1Client): Promise<RangeSupport> {
  const res = await d1.query<{ type: string; name: string; sql: string | null }>("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'assets'");
  return rangeSupportFrom(res.results);
}

const NAME = String.raw`[\x60"\[]?r2_key[\x60"\]]?`;

export function rangeSupportFrom(rows: Array<{ type: string; name: string; sql: string | null }>): RangeSupport {
  const table = rows.find((r) => r.type === "table");
  if (!table?.sql) return { ok: false, reason: "no assets table definition in sqlite_master" };
  const column = new RegExp(String.raw`(?:^|[(,])\s*${NAME}\s+([^,]*)`, "i").exec(table.sql);
  if (!column) return { ok: false, reason: "assets has no r2_key column definition kanvas can read" };
  const definition = column[1]!;
  const collate = /COLLATE\s+["\x60]?(\w+)/i.exec(definition)?.[1];
  if (collate && collate.toUpperCase() !== "BINARY") return { ok: false, reason: `assets.r2_key uses COLLATE ${collate}, which does not compare like R2's byte order` };
  if (/\b(UNIQUE|PRIMARY\s+KEY)\b/i.test(definition)) return { ok: true };
  if (new RegExp(String.raw`\b(UNIQUE|PRIMARY\s+KEY)\s*\(\s*${NAME}\s*(COLLATE\s+BINARY\s*)?(ASC|DESC)?\s*[,)]`, "i").test(table.sql)) return { ok: true };
  const onColumn = new RegExp(String.raw`\bON\s+[\x60"\[]?assets[\x60"\]]?\s*\(\s*${NAME}\s*(COLLATE\s+["\x60]?(\w+)["\x60]?\s*)?(ASC|DESC)?\s*[,)]`, "i");
  for (const index of rows.filter((r) => r.type === "index" && r.sql)) {
    const m = onColumn.exec(index.sql!);
    if (!m || /\)\s*WHERE\b/i.test(index.sql!)) continue; // a partial index does not cover every row
    if (m[2] && m[2].toUpperCase() !== "BINARY") continue;
    return { ok: true };
  }
  return { ok: false, reason: "no index on assets.r2_key (a range query would scan the table)" };
}
