/**
 * Every request has a deadline, and the run's Ctrl-C reaches every request in flight.
 *  - The per-attempt timeout (`--timeout`, KANVAS_TIMEOUT, default 30 s) is applied where the bytes
 *    move: a fetch wrapper for the Cloudflare REST API, the socket-inactivity timeout for S3 (so a
 *    big part upload or download only times out when no bytes moved for that long).
 *  - Which requests the run's AbortSignal may cut is decided per call by the monitor (src/core/monitor.ts):
 *    only calls that are safe to lose (reads, idempotent writes). It is carried to the HTTP layer
 *    through AsyncLocalStorage, so no call site has to thread it through an SDK by hand.
 * A timed-out attempt becomes a DeadlineError, which the one retry policy retries when safe.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { formatDuration } from "./duration.js";
import { CloudflareServiceError, UsageError, type Service } from "./errors.js";

export const DEFAULT_TIMEOUT_MS = 30_000;

/** `--timeout` wins over KANVAS_TIMEOUT; both take 90s/5m forms or plain seconds. Exit 2 on nonsense. */
export function resolveTimeoutMs(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  if (flag !== undefined) return parseTimeout(flag, "--timeout");
  if (env.KANVAS_TIMEOUT !== undefined && env.KANVAS_TIMEOUT !== "") return parseTimeout(env.KANVAS_TIMEOUT, "KANVAS_TIMEOUT");
  return DEFAULT_TIMEOUT_MS;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

function parseTimeout(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2] ?? "s"]! : NaN;
  if (!Number.isFinite(ms) || ms < 1 || ms > 3_600_000) {
    throw new UsageError(`${name} ${JSON.stringify(text)}: not a timeout. Give a positive duration of at most 1 hour, e.g. 30s, 2m or 500ms.`, "bad_timeout");
  }
  return Math.round(ms);
}

/** An attempt that got no answer (or, for S3, no bytes) within the timeout. Retried when safe. */
export class DeadlineError extends CloudflareServiceError {
  constructor(
    readonly endpoint: string,
    readonly timeoutMs: number,
    service: Service = "api",
  ) {
    // No "timed out"/"timeout" in its name or message: the Cloudflare SDK would swap it for its own error.
    super(`${endpoint} did not answer within ${seconds(timeoutMs)}`, { service, outcomeUnknown: true });
  }

  /** The same error, for the service that made the call (the fetch wrapper does not know it). */
  forService(service: Service): DeadlineError {
    return new DeadlineError(this.endpoint, this.timeoutMs, service);
  }
}

/** "30 s", "500 ms", "2m 5s". */
export function seconds(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return formatDuration(ms);
}

/** The final line when every attempt timed out: the endpoint, the per-attempt wait, the total. */
export function gaveUpMessage(what: string, error: DeadlineError, attempts: number, totalMs: number): string {
  return `${what}: ${error.endpoint} did not answer within ${seconds(error.timeoutMs)} (${attempts} attempt${attempts === 1 ? "" : "s"} over ${seconds(totalMs)}). Check the endpoint and your network, or raise --timeout / KANVAS_TIMEOUT.`;
}

const scope = new AsyncLocalStorage<{ cut?: AbortSignal }>();

/** Runs one attempt; requests it makes are cut when `cut` aborts (undefined: let them finish). */
export function inAttempt<T>(cut: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return scope.run({ cut }, fn);
}

/**
 * Requests made inside `fn` are never cut by Ctrl-C, only by their deadline: for a step whose
 * result the interrupted summary must report (a cleanup's delete batch in flight).
 */
export function finishInFlight<T>(fn: () => Promise<T>): Promise<T> {
  return scope.run({ cut: undefined }, fn);
}

/** The signal that may cut the request being made now, if any. */
export function currentCutSignal(): AbortSignal | undefined {
  return scope.getStore()?.cut;
}

/**
 * A fetch (for the Cloudflare SDK) with the per-attempt deadline and the attempt's cut signal.
 * The deadline runs until the response headers arrive (Cloudflare's answers are small JSON).
 */
export function deadlineFetch(base: typeof fetch, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const timer = new AbortController();
    const cut = currentCutSignal();
    const signals = [timer.signal, ...(init?.signal ? [init.signal] : []), ...(cut ? [cut] : [])];
    const url = new URL(input instanceof Request ? input.url : String(input));
    const handle = setTimeout(() => timer.abort(new DeadlineError(url.origin, timeoutMs)), timeoutMs);
    try {
      return await base(input, { ...init, signal: AbortSignal.any(signals) });
    } catch (error) {
      if (timer.signal.aborted) throw timer.signal.reason as DeadlineError;
      throw error;
    } finally {
      clearTimeout(handle);
    }
  };
}
