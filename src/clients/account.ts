import { AuthError } from "../core/errors.js";
import type { Monitor } from "../core/monitor.js";
import { apiRetryAfter, mapApiError, type ApiAccess } from "./cloudflare-api.js";

export interface TokenCheck {
  kind: "account" | "user";
  detail: string;
}

/**
 * Token check for `kanvas doctor`. Cloudflare verifies account-owned tokens only at
 * /accounts/{id}/tokens/verify and user tokens only at /user/tokens/verify (each answers 401 for
 * the other kind), so the account endpoint is tried first (the account id is known with --remote),
 * then the user endpoint; either success means the token is valid.
 */
export async function verifyToken(api: ApiAccess, monitor: Monitor): Promise<TokenCheck> {
  try {
    const result = await verifyAt(monitor, "accounts.tokens.verify", `/accounts/${api.accountId}/tokens/verify`, () => api.sdk.accounts.tokens.verify({ account_id: api.accountId }));
    return { kind: "account", detail: `account-owned token ${result.status ?? "active"} (account ${api.accountId})` };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
  }
  try {
    const result = await verifyAt(monitor, "tokens.verify", "/user/tokens/verify", () => api.sdk.user.tokens.verify());
    return { kind: "user", detail: `user token ${result.status ?? "active"}` };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    throw new AuthError(
      `Cloudflare rejected the API token at both /accounts/${api.accountId}/tokens/verify (account-owned tokens) and /user/tokens/verify (user tokens). Check CLOUDFLARE_API_TOKEN and its permissions.`,
    );
  }
}

async function verifyAt<T>(monitor: Monitor, operation: string, where: string, call: () => Promise<T>): Promise<T> {
  return monitor.call(
    "api",
    operation,
    async () => {
      try {
        return await call();
      } catch (error) {
        throw mapApiError("api", error, `verifying the API token at ${where}`);
      }
    },
    { idempotent: true, retryAfterMs: apiRetryAfter },
  );
}
