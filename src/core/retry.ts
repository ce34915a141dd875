import { setTimeout as sleep } from "node:timers/promises";
import { CloudflareServiceError } from "./errors.js";

/**
 * The one retry policy every client uses: exponential backoff with full jitter, Retry-After honoured
 * (capped), a total time budget, and only for requests that are safe to send again.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we are willing to wait; longer ones fail with the wait stated. */
  maxRetryAfterMs: number;
  /** Total time budget across all attempts and waits. */
  budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  budgetMs: 120_000,
};

/** KANVAS_MAX_RETRIES=0 turns retries off (e.g. in a CI step that has its own). */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  const n = Number(env.KANVAS_MAX_RETRIES);
  const base = Number(env.KANVAS_RETRY_BASE_MS);
  return {
    ...DEFAULT_RETRY_POLICY,
    ...(Number.isInteger(n) && n >= 0 && env.KANVAS_MAX_RETRIES !== undefined ? { maxAttempts: n + 1 } : {}),
    ...(Number.isFinite(base) && base >= 0 && env.KANVAS_RETRY_BASE_MS !== undefined ? { baseDelayMs: base } : {}),
  };
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  reason: string;
  error: unknown;
}

/**
 * Whether an error may be retried. A request that was rejected before it ran (429, 503 from the edge)
 * is always safe; one whose outcome is unknown (dropped connection, 5xx after sending) only when the
 * operation is idempotent.
 */
export function isRetryable(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof CloudflareServiceError)) return false;
  if (error.status === 429) return true;
  // 501 Not Implemented is the server's lasting answer for this operation: asking again cannot help.
  if (error.status === 501) return false;
  if (error.outcomeUnknown || error.status === undefined || error.status >= 500 || error.status === 408) return idempotent;
  return false;
}

/** Parses Retry-After: delta seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: {
    idempotent: boolean;
    policy?: RetryPolicy;
    signal?: AbortSignal;
    onRetry?: (info: RetryInfo) => void;
    /** Retry-After of a failed attempt, if the error carries one. */
    retryAfterMs?: (error: unknown) => number | undefined;
    random?: () => number;
  },
): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  const random = opts.random ?? Math.random;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !isRetryable(error, opts.idempotent) || opts.signal?.aborted) throw error;
      const retryAfter = opts.retryAfterMs?.(error);
      if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
        const e = error as CloudflareServiceError;
        throw new CloudflareServiceError(
          `${e.message} Cloudflare asks to wait ${Math.ceil(retryAfter / 1000)} s (Retry-After), longer than kanvas waits (${policy.maxRetryAfterMs / 1000} s); try again later.`,
          { service: e.service, status: e.status, cfCode: e.cfCode, cause: e },
        );
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * random();
      const delayMs = Math.round(retryAfter ?? backoff);
      if (Date.now() - started + delayMs > policy.budgetMs) throw error;
      opts.onRetry?.({ attempt, delayMs, reason: describe(error), error });
      await sleep(delayMs, undefined, { signal: opts.signal }).catch(() => {
        throw error;
      });
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof CloudflareServiceError) return error.status ? `HTTP ${error.status}` : "connection failed";
  return error instanceof Error ? error.message : String(error);
}
