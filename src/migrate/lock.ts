/**
 * The migration lock: one row, taken in one atomic statement (an upsert that only succeeds when
 * the row is absent or expired), so two runs (two CI jobs) never both apply. The holder refreshes
 * its expiry with every migration it applies; a crashed holder's lock expires on its own.
 */
import type { D1Client, D1Statement } from "../clients/d1.js";
export { newHolder } from "../lock-holder.js";

export const LOCK_TABLE = "kanvas_migrations_lock";

export interface LockRow {
  holder: string;
  acquired_at: number;
  expires_at: number;
}

export function lockTableDdl(): string {
  return `CREATE TABLE IF NOT EXISTS ${LOCK_TABLE}(id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`;
}


/** Takes the lock if free or expired; RETURNING yields a row only when this statement took it. */
export function acquireStatements(holder: string, now: number, ttlMs: number): D1Statement[] {
  return [
    {
      sql: `INSERT INTO ${LOCK_TABLE} (id, holder, acquired_at, expires_at) VALUES (1, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
WHERE ${LOCK_TABLE}.expires_at <= excluded.acquired_at RETURNING holder`,
      params: [holder, now, now + ttlMs],
    },
    { sql: `SELECT holder, acquired_at, expires_at FROM ${LOCK_TABLE} WHERE id = 1` },
  ];
}

export function refreshStatement(holder: string, expiresAt: number): D1Statement {
  return { sql: `UPDATE ${LOCK_TABLE} SET expires_at = ? WHERE id = 1 AND holder = ?`, params: [expiresAt, holder] };
}

export async function releaseLock(d1: D1Client, holder: string): Promise<void> {
  // Deleting our own row twice is harmless, so a transient failure here is retried: a lock left
  // behind would make the next deploy wait for it to expire.
  await d1.query(`DELETE FROM ${LOCK_TABLE} WHERE id = 1 AND holder = ?`, [holder], { idempotent: true });
}

/** --force-unlock: removes whoever's lock is there; returns the row it removed. */
export async function forceUnlock(d1: D1Client): Promise<LockRow | undefined> {
  const r = await d1.query<LockRow>(`DELETE FROM ${LOCK_TABLE} WHERE id = 1 RETURNING holder, acquired_at, expires_at`);
  return r.results[0];
}

/** Removes the lock only if `holder` still holds it (a dead holder being taken over). */
export async function removeHolder(d1: D1Client, holder: string): Promise<void> {
  await d1.query(`DELETE FROM ${LOCK_TABLE} WHERE id = 1 AND holder = ?`, [holder], { idempotent: true });
}
