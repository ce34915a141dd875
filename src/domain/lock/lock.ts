/**
 * The one lock kanvas takes in the app's D1 (migrations, cleanup): a row taken in one atomic
 * statement (an upsert that only wins when the row is absent or expired), waited for with a
 * timeout, taken over at once when its holder ran on this host and its process is gone, and
 * removed by --force-unlock. The holder is "host:pid:tag kanvas <command>"; the row adds the time.
 *
 * Where the row lives is the lock's `place`. The tables are the ones earlier kanvas versions
 * created (kanvas_migrations_lock, kanvas_locks), so a lock left by an earlier version, or held
 * by one running at the same time, is still seen and still cleared.
 */
import type { D1Client, D1Result, D1Statement } from "../../clients/d1.js";
import { CloudflareServiceError, InterruptedError } from "../../core/errors.js";
import { poll } from "../../core/poll.js";
import { deadLocalHolderPid, newHolder, takeOverLine } from "./holder.js";

export interface LockPlace {
  /** For messages: "migration", "images cleanup kanvas-images". */
  what: string;
  table: string;
  /** The row's key column and value (one row per lock). */
  keyColumn: string;
  key: string | number;
  ddl: string;
}

export interface LockRow {
  holder: string;
  acquired_at: number;
  expires_at: number;
}

/** Takes the lock if free or expired; RETURNING yields a row only when this statement took it. Then reads the row. */
export function acquireStatements(place: LockPlace, holder: string, now: number, ttlMs: number): D1Statement[] {
  const { table, keyColumn } = place;
  return [
    {
      sql: `INSERT INTO ${table} (${keyColumn}, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
ON CONFLICT(${keyColumn}) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
WHERE ${table}.expires_at <= excluded.acquired_at RETURNING holder`,
      params: [place.key, holder, now, now + ttlMs],
    },
    { sql: `SELECT holder, acquired_at, expires_at FROM ${table} WHERE ${keyColumn} = ?`, params: [place.key] },
  ];
}

/** Moves the expiry on while the holder works (sent with each unit of work). */
export function refreshStatement(place: LockPlace, holder: string, expiresAt: number): D1Statement {
  return { sql: `UPDATE ${place.table} SET expires_at = ? WHERE ${place.keyColumn} = ? AND holder = ?`, params: [expiresAt, place.key, holder] };
}

export interface HeldLock {
  holder: string;
  release(): Promise<void>;
  /** Results of `opts.before` and `opts.after`, read in the batch that took the lock. */
  before: D1Result[];
  after: D1Result[];
}

export interface AcquireOptions {
  ttlMs: number;
  timeoutMs: number;
  /** The clock written into the row. */
  now: () => number;
  signal: AbortSignal;
  /** The command taking it ("db migrate"), recorded in the holder. */
  command?: string;
  /** Sent in the same batch, before and after taking the lock (tables to create; state to read under the lock). */
  before?: D1Statement[];
  after?: D1Statement[];
  /** Said once, when the lock is held by another run and this one starts to wait. */
  onWait?: (current: LockRow | undefined) => void;
  /** Said when a dead holder's lock is taken over. */
  onTakeOver: (line: string) => void;
  /** The error once the timeout has passed (exit 5). */
  held: (current: LockRow | undefined, waitedMs: number) => Error;
}

/** Takes the lock at `place`, waiting up to `timeoutMs` for another holder (asking again every 0.5 s). */
export async function acquireLock(d1: D1Client, place: LockPlace, opts: AcquireOptions): Promise<HeldLock> {
  const holder = newHolder(opts.command);
  const before = [{ sql: place.ddl }, ...(opts.before ?? [])];
  const after = opts.after ?? [];
  let current: LockRow | undefined;
  let lostAnswer: unknown;
  let announced = false;
  const TAKEN_OVER = Symbol("taken over");
  const attempt = async (): Promise<D1Result[] | typeof TAKEN_OVER | undefined> => {
    let results: D1Result[];
    try {
      results = await d1.batch([...before, ...acquireStatements(place, holder, opts.now(), opts.ttlMs), ...after]);
    } catch (error) {
      // An answer lost on the way: sending it again after the poll interval is safe, since if the
      // first one landed the row already names us.
      if (error instanceof CloudflareServiceError && error.outcomeUnknown) {
        lostAnswer = error;
        return undefined;
      }
      throw error;
    }
    lostAnswer = undefined;
    const won = results[before.length]?.results.length ?? 0;
    current = results[before.length + 1]?.results[0] as LockRow | undefined;
    if (won > 0 || current?.holder === holder) return results;
    const deadPid = current && deadLocalHolderPid(current.holder);
    if (!current || !deadPid) return undefined;
    opts.onTakeOver(takeOverLine(place.what, current.holder, deadPid));
    await removeHolder(d1, place, current.holder);
    return TAKEN_OVER;
  };
  const taken = await poll(
    async () => {
      // A dead holder's row removed: try again at once rather than after the interval.
      for (;;) {
        const answer = await attempt();
        if (answer !== TAKEN_OVER) return answer;
      }
    },
    {
      intervalMs: 500,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      // Said once, when a holder (not a lost answer) is what this run waits for.
      onWait: () => {
        if (announced || lostAnswer !== undefined) return;
        announced = true;
        opts.onWait?.(current);
      },
      interrupted: () => new InterruptedError(`Interrupted while waiting for the ${place.what} lock; nothing was changed.`),
      // Out of time on lost answers alone: that, not a holder, is what went wrong.
      timedOut: (waited) => (lostAnswer instanceof Error ? lostAnswer : opts.held(current, waited)),
    },
  );
  return {
    holder,
    release: () => removeHolder(d1, place, holder),
    before: taken.slice(1, before.length),
    after: taken.slice(before.length + 2),
  };
}

/** Removes the lock only if `holder` still holds it (our own release, or a dead holder taken over). */
async function removeHolder(d1: D1Client, place: LockPlace, holder: string): Promise<void> {
  // Deleting a row twice is harmless, so a transient failure is retried: a lock left behind would
  // make the next run wait for it to expire.
  await d1.query(`DELETE FROM ${place.table} WHERE ${place.keyColumn} = ? AND holder = ?`, [place.key, holder], { idempotent: true });
}

/** --force-unlock: removes whoever holds the lock (with dryRun, only reads it); returns that holder's row. */
export async function forceUnlock(d1: D1Client, place: LockPlace, dryRun = false): Promise<LockRow | undefined> {
  const exists = await d1.query<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?`, [place.table]);
  if (!exists.results[0]?.n) return undefined;
  const where = `WHERE ${place.keyColumn} = ?`;
  const sql = dryRun
    ? `SELECT holder, acquired_at, expires_at FROM ${place.table} ${where}`
    : `DELETE FROM ${place.table} ${where} RETURNING holder, acquired_at, expires_at`;
  // The DELETE is not re-sent: a second one would answer "no lock" after the first removed it.
  return (await d1.query<LockRow>(sql, [place.key], { idempotent: dryRun })).results[0];
}
