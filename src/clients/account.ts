import type { Monitor } from "../monitor.js";
import { apiRetryAfter, mapApiError, type ApiAccess } from "./cloudflare-api.js";

/** Token and account checks for `kanvas doctor`. */
export async function verifyToken(api: ApiAccess, monitor: Monitor): Promise<string> {
  const result = await monitor.call(
    "api",
    "tokens.verify",
    async () => {
      try {
        return await api.sdk.user.tokens.verify();
      } catch (error) {
        throw mapApiError("api", error, "verifying the API token");
      }
    },
    { idempotent: true, retryAfterMs: apiRetryAfter },
  );
  return `token ${result.status ?? "active"}`;
}

export async function verifyAccount(api: ApiAccess, monitor: Monitor): Promise<string> {
  await monitor.call(
    "api",
    "accounts.tokens.verify",
    async () => {
      try {
        return await api.sdk.accounts.tokens.verify({ account_id: api.accountId });
      } catch (error) {
        throw mapApiError("api", error, `reaching account ${api.accountId}`);
      }
    },
    { idempotent: true, retryAfterMs: apiRetryAfter },
  );
  return `account ${api.accountId}`;
}
