/**
 * The two loops that wait between tries, beside retry.ts (which retries one request under the
 * policy): `retryRounds` (send again what did not go through, a few rounds) and `poll` (ask again
 * until something is ready, up to a timeout). Every wait ends at once when the run's signal aborts.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Waits `ms`; resolves false instead when `signal` aborts (before or during the wait). */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  if (ms <= 0) return true;
  return sleep(ms, true, { signal }).catch(() => false);
}

/** What a round answers when another round is wanted. */
export const AGAIN: unique symbol = Symbol("again");

/**
 * Runs `round(1)`, `round(2)` … up to `rounds` times, waiting `delayMs(n)` before round n (give 0 for
 * the first), until a round answers something other than AGAIN. Returns that answer, or AGAIN when
 * the rounds ran out or the signal aborted a wait (the caller reports what is left).
 */
export async function retryRounds<T>(
  round: (n: number) => Promise<T | typeof AGAIN>,
  opts: { rounds: number; delayMs: (n: number) => number; signal?: AbortSignal },
): Promise<T | typeof AGAIN> {
  for (let n = 1; n <= opts.rounds; n++) {
    // Only a wait ends on the signal: a round due at once still runs after Ctrl-C, because the
    // clean-up that follows an interrupt (releasing a lock, the batch in flight) sends requests too.
    const delay = opts.delayMs(n);
    if (delay > 0 && !(await pause(delay, opts.signal))) return AGAIN;
    const answer = await round(n);
    if (answer !== AGAIN) return answer;
  }
  return AGAIN;
}

/** Exponential backoff with half jitter: base·2^(n-1), capped, times 0.5–1. */
export function backoff(n: number, baseMs: number, capMs: number, random = Math.random): number {
  return Math.min(capMs, baseMs * 2 ** (n - 1)) * (0.5 + random() / 2);
}

export interface PollOptions {
  intervalMs: number;
  /** Give up after this long (wall clock: other processes share it). */
  timeoutMs: number;
  signal: AbortSignal;
  /** The error for an abort while waiting. */
  interrupted: () => Error;
  /** The error once `timeoutMs` has passed, told how long was waited. */
  timedOut: (waitedMs: number) => Error;
  /**
   * Called each time a check comes back not ready, before waiting or giving up (e.g. to say once
   * what is being waited for: also when the first check alone outlasted the timeout).
   */
  onWait?: (n: number) => void;
}

/**
 * Calls `check` until it answers something other than undefined, waiting `intervalMs` between
 * calls (never past the timeout). Throws `timedOut` once the timeout has passed, `interrupted`
 * as soon as the signal aborts.
 */
export async function poll<T>(check: (n: number) => Promise<T | undefined>, opts: PollOptions): Promise<T> {
  const started = performance.now();
  for (let n = 1; ; n++) {
    if (opts.signal.aborted) throw opts.interrupted();
    const answer = await check(n);
    if (answer !== undefined) return answer;
    opts.onWait?.(n);
    const waited = performance.now() - started;
    if (waited >= opts.timeoutMs) throw opts.timedOut(waited);
    if (!(await pause(Math.min(opts.intervalMs, opts.timeoutMs - waited), opts.signal))) throw opts.interrupted();
  }
}
