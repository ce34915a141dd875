import type { S3Client } from "@aws-sdk/client-s3";
import { currentCutSignal, DeadlineError } from "../core/request-deadline.js";

/** The S3 client's `requestHandler` options: a connection must open, and the socket move bytes, within the timeout. */
export function s3HandlerTimeouts(timeoutMs: number): { connectionTimeout: number; socketTimeout: number } {
  return { connectionTimeout: timeoutMs, socketTimeout: timeoutMs };
}

/**
 * Gives the S3 client kanvas's deadline (src/core/request-deadline.ts): a timed-out attempt becomes a
 * DeadlineError (retried when safe), and the attempt's cut signal (the run's Ctrl-C, for safe
 * calls) aborts the request in flight. Inactivity, not total time: a long part upload or download
 * is fine as long as bytes flow.
 */
export function applyS3Deadline(client: S3Client, timeoutMs: number, endpoint: string): void {
  const origin = new URL(endpoint).origin;
  const handler = client.config.requestHandler as unknown as {
    handle(request: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  };
  const handle = handler.handle.bind(handler);
  handler.handle = async (request, options = {}) => {
    const cut = currentCutSignal();
    const own = options.abortSignal;
    const abortSignal = cut && own ? AbortSignal.any([cut, own]) : (cut ?? own);
    try {
      return await handle(request, { ...options, abortSignal });
    } catch (error) {
      if ((error as Error)?.name === "TimeoutError") throw new DeadlineError(origin, timeoutMs, "r2");
      throw error;
    }
  };
}

/**
 * The AWS SDK prints some failures itself (console.warn "An error was encountered in a
 * non-retryable streaming request.", abort warnings) unless given a logger; kanvas reports each
 * failure once, as its one `error:` line, so the SDK's logger says nothing.
 */
// No `info`: the SDK's logger middleware calls `logger.info?.(…)` after every request with a
// filtered deep copy of its input and output, built only when `info` exists (for a 1000-key listing
// page, a second copy of the page, per request).
export const SILENT_LOGGER = { trace() {}, debug() {}, warn() {}, error() {} } as unknown as { trace(): void; debug(): void; info(): void; warn(): void; error(): void };
