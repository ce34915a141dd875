/**
 * One mapping of Miniflare's errors (local D1, KV and R2) to kanvas's classes, at the client
 * boundary as for the remote adapters:
 * - kanvas's own errors (an interrupt, a conflict found by the adapter) pass through unchanged;
 * - anything thrown once the run's signal aborted is an interrupt (exit 130), whatever workerd
 *   said (a terminal's Ctrl-C reaches workerd too, so its answer is often "fetch failed");
 * - a dropped connection to workerd is an unknown outcome with no status (miniflare-transport.ts),
 *   which the retry policy retries for idempotent operations;
 * - a refusal by the binding (SQLite's error, "KV PUT failed: 414 …", R2's "… (10020)") becomes a
 *   CloudflareServiceError with the status it names (else 400) and R2's code kept, its text
 *   without the wrapper's stack.
 */
import { CloudflareServiceError, InterruptedError, UserError, type Service } from "../core/errors.js";
import { mapLocalTransportFailure } from "./miniflare-transport.js";

export function mapMiniflareError(error: unknown, service: Exclude<Service, "api">, opts: { operation: string; signal?: AbortSignal }): unknown {
  if (error instanceof UserError) return error;
  if (opts.signal?.aborted || (error instanceof Error && error.name === "AbortError")) {
    return new InterruptedError(`Interrupted: the local ${label(service)} ${opts.operation} did not finish.`);
  }
  if (!(error instanceof Error)) return error;
  const dropped = mapLocalTransportFailure(error, service, `local ${label(service)} ${opts.operation}`);
  if (dropped !== error) return dropped;
  const cause = (error as { cause?: unknown }).cause;
  // D1 wraps SQLite's message ("D1_ERROR: …"); the cause holds D1's own text.
  const text = (service === "d1" && cause instanceof Error ? cause.message : error.message).split("\n")[0]!;
  const status = /failed: (\d{3})/.exec(text)?.[1];
  const r2Code = service === "r2" ? /\((\d{5})\)\s*$/.exec(text)?.[1] : undefined;
  return new CloudflareServiceError(service === "d1" ? text : `local ${label(service)} ${opts.operation}: ${text}`, {
    service,
    status: status ? Number(status) : r2Code === "10007" ? 404 : 400,
    ...(r2Code ? { cfCode: Number(r2Code) } : {}),
    cause: error,
  });
}

function label(service: Exclude<Service, "api">): string {
  return service === "d1" ? "D1" : service === "kv" ? "KV" : "R2";
}
