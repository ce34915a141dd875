import type { D1Client, D1Statement } from "../../clients/d1.js";
import { UsageError } from "../../core/errors.js";
import { runPool } from "../../core/pool.js";

/** D1 binds at most 100 parameters per statement. */
export const D1_MAX_PARAMS = 100;

/** Reference-check queries in flight: a page of 1000 candidates is 10 queries. */
const QUERY_CONCURRENCY = 4;

/** The keys among `keys` that a row in D1 `assets.r2_key` references (read-only, so run a few at once). */
export async function referencedKeys(d1: D1Client, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += D1_MAX_PARAMS) chunks.push(keys.slice(i, i + D1_MAX_PARAMS));
  await runPool(chunks, QUERY_CONCURRENCY, async (chunk) => {
    const res = await guard(() => d1.query<{ r2_key: string }>(`SELECT r2_key FROM assets WHERE r2_key IN (${chunk.map(() => "?").join(", ")})`, chunk));
    for (const row of res.results) found.add(row.r2_key);
  });
  return found;
}

/** Statements per D1 batch request when deleting rows: 1000 keys in one /query call. */
const DELETE_STATEMENTS_PER_BATCH = 10;

/**
 * --include-referenced: the rows go first, so no row is left pointing at a deleted object.
 * Several 100-key statements travel in one /query batch (one request per 1000 keys).
 */
export async function deleteAssetRows(d1: D1Client, keys: string[]): Promise<number> {
  let rows = 0;
  const statements: D1Statement[] = [];
  for (let i = 0; i < keys.length; i += D1_MAX_PARAMS) {
    const chunk = keys.slice(i, i + D1_MAX_PARAMS);
    statements.push({ sql: `DELETE FROM assets WHERE r2_key IN (${chunk.map(() => "?").join(", ")})`, params: chunk });
  }
  for (let i = 0; i < statements.length; i += DELETE_STATEMENTS_PER_BATCH) {
    const results = await guard(() => d1.batch(statements.slice(i, i + DELETE_STATEMENTS_PER_BATCH)));
    for (const res of results) rows += res.meta.changes ?? 0;
  }
  return rows;
}

export const guardAssets = <T>(fn: () => Promise<T>): Promise<T> => guard(fn);

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (/no such table:?\s*assets/i.test((error as Error).message)) {
      throw new UsageError("D1 has no assets table, so kanvas cannot tell which objects are still referenced. Run 'kanvas db migrate' (same target) first.", "assets_table_missing");
    }
    throw error;
  }
}
