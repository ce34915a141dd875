import type { D1Client } from "../../clients/d1.js";
import { ConflictError } from "../../core/errors.js";
import { acquireLock, forceUnlock, type HeldLock, type LockPlace, type LockRow } from "./lock.js";

/** One row per named lock, in the app's own D1 (kanvas_* tables are kanvas's bookkeeping). */
const TABLE = "kanvas_locks";

function place(name: string): LockPlace {
  return {
    what: name,
    table: TABLE,
    keyColumn: "name",
    key: name,
    ddl: `CREATE TABLE IF NOT EXISTS ${TABLE} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
  };
}

/**
 * Takes the lock `name` (see lock/lock.ts), waiting up to `timeoutMs` for another holder; then
 * exit 5 naming the holder. Used where two runs at once would step on each other (two cleanups
 * over the same objects).
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
  return acquireLock(d1, place(name), {
    ttlMs: opts.ttlMs,
    timeoutMs: opts.timeoutMs,
    now: opts.now,
    signal: opts.signal,
    command: opts.command,
    onWait: (current) => opts.onWait?.(current?.holder ?? "unknown"),
    onTakeOver: (line) => opts.onTakeOver?.(line),
    held: (current) =>
      new ConflictError(
        `another run holds the ${name} lock (${current?.holder ?? "unknown"}, until ${current?.expires_at ? new Date(current.expires_at).toISOString() : "?"}); wait for it to finish and run again; if that run is gone, run the same command with --force-unlock.`,
        "lock_held",
      ),
  });
}

/** --force-unlock: removes whoever holds the lock `name`; returns the removed holder, if any. */
export async function forceUnlockNamed(d1: D1Client, name: string, dryRun = false): Promise<LockRow | undefined> {
  return forceUnlock(d1, place(name), dryRun);
}
