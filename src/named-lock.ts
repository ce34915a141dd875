import { setTimeout as sleep } from "node:timers/promises";
import type { D1Client } from "./clients/d1.js";
import { ConflictError, InterruptedError } from "./errors.js";
import { deadLocalHolderPid, newHolder, takeOverLine } from "./lock-holder.js";

/** One row per named lock, in the app's own D1 (kanvas_* tables are kanvas's bookkeeping). */
const TABLE = "kanvas_locks";

export interface HeldLock {
  holder: string;
  release(): Promise<void>;
}

/**
 * Takes the lock `name` in one atomic statement (an upsert that only wins when the row is absent
 * or expired), waiting up to `timeoutMs` for another holder; then exit 5 naming the holder.
 * Used where two runs at once would step on each other (two cleanups over the same objects).
 */
export async function acquireNamedLock(
  d1: D1Client,
  name: string,
  opts: {
    ttlMs: number;
    timeoutMs: number;
    now: () => number;
    signal: AbortSignal;
    onWait?: (holder: string) => void;
    /** The command taking it, recorded in the holder ("images cleanup"). */
    command?: string;
    /** Told when a dead holder's lock is taken over. */
    onTakeOver?: (line: string) => void;
  },
): Promise<HeldLock> {
  const holder = newHolder(opts.command);
  const deadline = Date.now() + opts.timeoutMs;
  let announced = false;
  for (;;) {
    const now = opts.now();
    const [, taken, current] = await d1.batch([
      { sql: `CREATE TABLE IF NOT EXISTS ${TABLE} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)` },
      {
        sql: `INSERT INTO ${TABLE} (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
WHERE ${TABLE}.expires_at <= excluded.acquired_at RETURNING holder`,
        params: [name, holder, now, now + opts.ttlMs],
      },
      { sql: `SELECT holder, expires_at FROM ${TABLE} WHERE name = ?`, params: [name] },
    ]);
    if (taken?.results.length) {
      return {
        holder,
        release: async () => {
          await d1.query(`DELETE FROM ${TABLE} WHERE name = ? AND holder = ?`, [name, holder], { idempotent: true });
        },
      };
    }
    const other = (current?.results[0] as { holder?: string; expires_at?: number } | undefined) ?? {};
    const deadPid = other.holder && deadLocalHolderPid(other.holder);
    if (other.holder && deadPid) {
      opts.onTakeOver?.(takeOverLine(name, other.holder, deadPid));
      await d1.query(`DELETE FROM ${TABLE} WHERE name = ? AND holder = ?`, [name, other.holder], { idempotent: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ConflictError(
        `another run holds the ${name} lock (${other.holder ?? "unknown"}, until ${other.expires_at ? new Date(other.expires_at).toISOString() : "?"}); wait for it to finish and run again; if that run is gone, run the same command with --force-unlock.`,
        "lock_held",
      );
    }
    if (!announced) opts.onWait?.(other.holder ?? "unknown");
    announced = true;
    await sleep(Math.min(1_000, Math.max(0, deadline - Date.now())), undefined, { signal: opts.signal }).catch(() => {
      throw new InterruptedError(`Interrupted while waiting for the ${name} lock; nothing was changed.`);
    });
  }
}

/** --force-unlock: removes whoever holds the lock `name`; returns the removed holder, if any. */
export async function forceUnlockNamed(d1: D1Client, name: string, dryRun = false): Promise<{ holder: string; acquired_at: number } | undefined> {
  const exists = await d1.query<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '${TABLE}'`);
  if (!exists.results[0]?.n) return undefined;
  const sql = dryRun
    ? `SELECT holder, acquired_at FROM ${TABLE} WHERE name = ?`
    : `DELETE FROM ${TABLE} WHERE name = ? RETURNING holder, acquired_at`;
  const r = await d1.query<{ holder: string; acquired_at: number }>(sql, [name], { idempotent: true });
  return r.results[0];
}
