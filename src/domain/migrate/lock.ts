/**
 * The migration lock: one row (id = 1) of kanvas_migrations_lock, taken through the one lock
 * module (lock/lock.ts) in the same batch that creates the bookkeeping tables and reads the
 * applied migrations, so what was read is what the holder applies on top of. The holder
 * refreshes its expiry with every migration it applies; a crashed holder's lock expires on its own.
 */
import type { D1Client, D1Result, D1Statement } from "../../clients/d1.js";
import { ConflictError } from "../../core/errors.js";
import { formatDuration } from "../../core/duration.js";
import { acquireLock, forceUnlock, refreshStatement, type HeldLock, type LockPlace, type LockRow } from "../lock/lock.js";

export const LOCK_TABLE = "kanvas_migrations_lock";
export type { LockRow };

export function lockTableDdl(): string {
  return `CREATE TABLE IF NOT EXISTS ${LOCK_TABLE}(id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`;
}

const PLACE: LockPlace = { what: "migration", table: LOCK_TABLE, keyColumn: "id", key: 1, ddl: lockTableDdl() };

/** Sent with each migration: the lock stays ours while we work. */
export function refreshLockStatement(holder: string, expiresAt: number): D1Statement {
  return refreshStatement(PLACE, holder, expiresAt);
}

/**
 * Takes the lock, waiting up to `timeoutMs`, in one batch with `before` (creating the bookkeeping
 * tables) and `after` (reading the state under the lock); returns the lock and what `after` read.
 */
export async function takeMigrationLock(
  d1: D1Client,
  opts: {
    ttlMs: number;
    timeoutMs: number;
    now: () => number;
    signal: AbortSignal;
    command: string;
    info: (line: string) => void;
    before: D1Statement[];
    after: D1Statement[];
  },
): Promise<{ lock: HeldLock; read: D1Result[] }> {
  const heldBy = (row: LockRow | undefined) =>
    row ? `${row.holder} (since ${new Date(row.acquired_at).toISOString()}, expires ${new Date(row.expires_at).toISOString()})` : "another run";
  const lock = await acquireLock(d1, PLACE, {
    ttlMs: opts.ttlMs,
    timeoutMs: opts.timeoutMs,
    now: opts.now,
    signal: opts.signal,
    command: opts.command,
    before: opts.before,
    after: opts.after,
    onWait: (row) => opts.info(`Waiting for the migration lock held by ${heldBy(row)}, up to ${formatDuration(opts.timeoutMs)}…`),
    onTakeOver: opts.info,
    held: (row, waited) =>
      new ConflictError(
        `Another migration run holds the lock: ${heldBy(row)}. Waited ${formatDuration(waited)} (--lock-timeout). If that run is gone, run kanvas db migrate --force-unlock.`,
        "migration_locked",
      ),
  });
  return { lock, read: lock.after };
}

/** --force-unlock: removes whoever's lock is there (dryRun: only reads it); returns that row. */
export function forceUnlockMigrations(d1: D1Client, dryRun: boolean): Promise<LockRow | undefined> {
  return forceUnlock(d1, PLACE, dryRun);
}
