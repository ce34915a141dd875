import { CloudflareServiceError, type Service } from "../core/errors.js";

/**
 * A call from Node to the local runtime goes over a loopback HTTP connection (Miniflare's proxy).
 * When that connection drops mid-call (undici's "fetch failed", e.g. "other side closed" from a
 * loaded workerd), the call's outcome is unknown. As a CloudflareServiceError without a status it
 * is retried by the one retry policy when the operation is idempotent, and after Ctrl-C it reports
 * as an interrupted step rather than "unexpected error: fetch failed". Other errors pass unchanged.
 */
export function mapLocalTransportFailure(error: unknown, service: Service, operation: string): unknown {
  if (!(error instanceof TypeError) || error.message !== "fetch failed") return error;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? "connection lost";
  return new CloudflareServiceError(`${operation}: the connection to the local runtime (workerd) dropped (${why}).`, { service, outcomeUnknown: true, cause: error });
}
