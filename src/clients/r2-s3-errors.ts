import { CloudflareServiceError } from "../core/errors.js";
import { parseRetryAfter } from "../core/retry.js";

interface S3ErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

/** Network-level failures: the request may or may not have reached R2. */
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED", "TimeoutError", "RequestTimeout"]);

/**
 * Maps an @aws-sdk/client-s3 error to CloudflareServiceError, keeping the S3 code, with a
 * one-line message that says what to do next.
 */
export function mapS3Error(error: unknown, what: string, ctx: { bucket: string; endpoint: string }): CloudflareServiceError {
  if (error instanceof CloudflareServiceError) return error;
  const e = (error ?? {}) as S3ErrorShape;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const code = e.name && e.name !== "Error" && e.name !== "S3ServiceException" ? e.name : (e.code ?? "UnknownError");
  const opts = { service: "r2" as const, status, cfCode: code, cause: error };
  if (status === undefined || NETWORK_CODES.has(code)) {
    return new CloudflareServiceError(`${what}: could not reach ${ctx.endpoint} (${e.code ?? e.message ?? code}). Check the network and R2_ENDPOINT, then retry.`, {
      ...opts,
      status: undefined,
      outcomeUnknown: true,
    });
  }
  if (status === 401 || status === 403 || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch" || code === "AccessDenied") {
    return new CloudflareServiceError(`${what}: R2 refused the credentials (${code}). Check R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY (an R2 API token with access to bucket ${ctx.bucket}).`, {
      ...opts,
      status: status === 401 ? 401 : 403,
    });
  }
  if (code === "NoSuchBucket") {
    return new CloudflareServiceError(`${what}: bucket ${ctx.bucket} does not exist at ${ctx.endpoint}. Check bucket_name in the config (and --env).`, opts);
  }
  if (code === "NoSuchKey" || (status === 404 && code === "NotFound")) {
    return new CloudflareServiceError(`${what}: no such object. Check the key with 'kanvas images list --remote'.`, opts);
  }
  if (code === "NoSuchUpload") {
    return new CloudflareServiceError(`${what}: the multipart upload no longer exists (already completed or aborted).`, opts);
  }
  if (status === 429 || code === "SlowDown") {
    return new CloudflareServiceError(`${what}: R2 is rate limiting requests (${code}). Wait a minute and retry, or lower --concurrency.`, { ...opts, status: 429 });
  }
  if (status === 501) {
    return new CloudflareServiceError(`${what}: this S3 server does not implement the operation (HTTP 501 ${code}); R2 itself does, so check R2_ENDPOINT.`, opts);
  }
  if (status >= 500) {
    return new CloudflareServiceError(`${what}: R2 answered HTTP ${status} (${code}). This is usually temporary; retry shortly.`, { ...opts, outcomeUnknown: true });
  }
  return new CloudflareServiceError(`${what}: R2 answered HTTP ${status} (${code}${e.message && e.message !== code ? `: ${oneLine(e.message)}` : ""}).`, opts);
}

/** Retry-After of a 429/503 answer, for the monitor. */
export function s3RetryAfterMs(error: unknown): number | undefined {
  const cause = error instanceof CloudflareServiceError ? error.cause : error;
  const headers = (cause as S3ErrorShape | undefined)?.$response?.headers;
  return parseRetryAfter(headers?.["retry-after"]);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 200);
}
