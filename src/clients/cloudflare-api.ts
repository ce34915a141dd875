import { createRequire } from "node:module";
import type CloudflareSdk from "cloudflare";
import { AuthError, CloudflareServiceError, ConfigError, InterruptedError, type Service } from "../core/errors.js";
import type { Config } from "../core/config/types.js";
import type { Output } from "../core/output.js";
import { DEFAULT_TIMEOUT_MS, deadlineFetch, DeadlineError } from "../core/request-deadline.js";
import { parseRetryAfter } from "../core/retry.js";
import { tracedFetch } from "./http-trace.js";
import { budgetedFetch, type ApiBudget } from "./api-budget.js";

// The SDK's CommonJS build: it loads ~1,200 modules either way, and as CommonJS they cost about
// 20 MB less memory than as ES modules (measured: 71 vs 90 MB RSS for the import alone).
const { default: Cloudflare, APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } = createRequire(import.meta.url)("cloudflare") as typeof import("cloudflare");
type Cloudflare = CloudflareSdk;

export interface ApiAccess {
  sdk: Cloudflare;
  accountId: string;
}

/**
 * The official SDK, built from our config only (never from process.env behind our back), with its own
 * retries off: retries are ours (src/core/retry.ts), so a D1 write is never re-sent blindly.
 */
export async function createCloudflareApi(config: Config, out: Output, fetchImpl?: typeof fetch, timeoutMs = DEFAULT_TIMEOUT_MS, budget?: ApiBudget): Promise<ApiAccess> {
  const { apiToken, accountId } = config.credentials;
  if (!apiToken) {
    throw new ConfigError(
      "--remote needs CLOUDFLARE_API_TOKEN. Create a token at https://dash.cloudflare.com/profile/api-tokens (D1, Workers KV and R2 edit permissions) and export it, or put it in .env beside your config.",
      "config_missing_token",
    );
  }
  if (!accountId) {
    throw new ConfigError(
      `--remote needs an account: set account_id in ${config.source} or export CLOUDFLARE_ACCOUNT_ID.`,
      "config_missing_account",
    );
  }
  out.redactor.add(apiToken);
  const sdk = new Cloudflare({
    apiToken,
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    baseURL: config.endpoints.apiBaseUrl ?? "https://api.cloudflare.com/client/v4",
    maxRetries: 0,
    // The deadline is ours (deadlineFetch, per attempt); the SDK's is only a backstop behind it.
    // The budget paces outside the deadline, so a wait for the window never counts as a timeout.
    timeout: timeoutMs + 60_000,
    fetch: budget ? budgetedFetch(deadlineFetch(tracedFetch(out, fetchImpl), timeoutMs), budget) : deadlineFetch(tracedFetch(out, fetchImpl), timeoutMs),
    logLevel: "off",
  });
  return { sdk, accountId };
}

/** Maps SDK errors to CloudflareServiceError, keeping Cloudflare's error code and message. */
export function mapApiError(service: Service, error: unknown, what: string): unknown {
  if (error instanceof APIUserAbortError) return new InterruptedError();
  if (error instanceof APIConnectionError && error.cause instanceof DeadlineError) return error.cause.forService(service);
  if (error instanceof APIConnectionTimeoutError || error instanceof APIConnectionError) {
    return new CloudflareServiceError(
      `${what}: could not reach the Cloudflare API (${error instanceof APIConnectionTimeoutError ? "timed out" : "connection failed"}). Check your network or CLOUDFLARE_BASE_URL, then retry.`,
      { service, outcomeUnknown: true, cause: error },
    );
  }
  if (error instanceof APIError) {
    const first = error.errors?.[0] as { code?: number; message?: string } | undefined;
    const detail = first?.message ?? firstLine(error.message);
    const code = first?.code;
    const status = error.status;
    if (status === 401 || (status === 403 && code === 10000)) {
      return Object.assign(
        new AuthError(`${what}: Cloudflare rejected the API token (${detail}). Check CLOUDFLARE_API_TOKEN and its permissions.`),
        { cause: error },
      );
    }
    return new CloudflareServiceError(describeApiFailure(what, status, detail, code), {
      service,
      status,
      cfCode: code,
      outcomeUnknown: status !== undefined && status >= 500,
      cause: error,
    });
  }
  return error;
}

/**
 * One line: D1's or KV's own message where there is one. Server errors and rate limits say that a
 * retry later may work; an edge error page (HTML) is never pasted into the line.
 */
function describeApiFailure(what: string, status: number | undefined, detail: string, code: number | undefined): string {
  const codeText = code ? ` [code ${code}]` : "";
  const readable = /<\/?[a-z!][^>]*>/i.test(detail) ? "" : detail;
  if (status === 429) {
    return `${what}: rate limited by Cloudflare (HTTP 429${codeText}); the API allows 1200 requests per 5 minutes per token. Retry in a few minutes.`;
  }
  if (status !== undefined && status >= 500) {
    return `${what}: Cloudflare answered HTTP ${status}${readable ? ` (${readable})` : ""}${codeText}. This is usually temporary; retry shortly.`;
  }
  return `${what}: ${readable || `HTTP ${status ?? "error"}`}${codeText}`;
}

function firstLine(text: string): string {
  return text.split("\n")[0]?.trim() ?? "";
}

export function apiRetryAfter(error: unknown): number | undefined {
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof APIError && cause.headers) return parseRetryAfter(cause.headers.get("retry-after"));
  return undefined;
}
