import { CloudflareServiceError, type Service } from "../core/errors.js";

/**
 * A call from Node to the local runtime goes over a loopback HTTP connection (Miniflare's proxy).
 * That connection can drop mid-call: undici's "fetch failed" / "other side closed" when it reuses a
 * keep-alive socket workerd has just closed, which a loaded machine makes likely (seen on Node 24
 * with Miniflare 5 at load 7). The call's outcome is then unknown, as a dropped connection to
 * Cloudflare's API is: a CloudflareServiceError without a status, retried by the one retry policy
 * when the operation is idempotent, read back by callers that settle unclear writes (locks,
 * migrations), and an interrupted step after Ctrl-C. A refused connection is not a drop (workerd is
 * gone; asking again cannot help), and every other error passes through unchanged.
 */
export function mapLocalTransportFailure(error: unknown, service: Service, operation: string): unknown {
  const why = droppedConnection(error);
  if (why === undefined) return error;
  return new CloudflareServiceError(`${operation}: the connection to the local runtime (workerd) dropped (${why}).`, { service, outcomeUnknown: true, cause: error });
}

const DROPPED_TEXT = /^(fetch failed|other side closed|socket hang up|terminated|read ECONNRESET|write EPIPE)$/;
const DROPPED_CODE = new Set(["UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNRESET", "EPIPE"]);

/** Why the connection dropped (the innermost reason found), or undefined when the error is not a drop. */
function droppedConnection(error: unknown): string | undefined {
  let why: string | undefined;
  // The reason may be wrapped (undici's TypeError "fetch failed" → SocketError), and crossing
  // Miniflare's worker thread keeps the message but may lose the class and the code.
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ECONNREFUSED" || /ECONNREFUSED/.test(e.message)) return undefined;
    if ((typeof code === "string" && DROPPED_CODE.has(code)) || DROPPED_TEXT.test(e.message)) {
      why = e.message === "fetch failed" ? (why ?? "connection lost") : e.message || String(code);
    }
  }
  return why;
}
