import type { D1Client } from "../../clients/d1.js";
import { D1_MAX_PARAMS } from "./references.js";
import { UsageError } from "../../core/errors.js";

/** The D1 `assets` row that references an object (what `images head` and `images delete` name). */
export interface AssetRow {
  id: string;
  user_id: string | null;
  r2_key: string;
}

/** Rows of D1 `assets` whose r2_key is one of `keys`, by key. */
export async function assetRowsFor(d1: D1Client, keys: string[]): Promise<Map<string, AssetRow[]>> {
  const byKey = new Map<string, AssetRow[]>();
  for (let i = 0; i < keys.length; i += D1_MAX_PARAMS) {
    const chunk = keys.slice(i, i + D1_MAX_PARAMS);
    let rows: AssetRow[];
    try {
      rows = (await d1.query<AssetRow>(`SELECT id, user_id, r2_key FROM assets WHERE r2_key IN (${chunk.map(() => "?").join(", ")}) ORDER BY id`, chunk)).results;
    } catch (error) {
      if (/no such table:?\s*assets/i.test((error as Error).message)) {
        throw new UsageError("D1 has no assets table, so kanvas cannot tell which objects are still referenced. Run 'kanvas db migrate' (same target) first.", "assets_table_missing");
      }
      throw error;
    }
    for (const row of rows) byKey.set(row.r2_key, [...(byKey.get(row.r2_key) ?? []), row]);
  }
  return byKey;
}

/** "assets row 01H… (user u_9)" for messages. */
export function describeRows(rows: AssetRow[]): string {
  return rows.map((r) => `assets row ${r.id}${r.user_id ? ` (user ${r.user_id})` : ""}`).join(", ");
}
