/** GET /user/tokens/verify and /accounts/{id}/tokens/verify. */
import type { HttpHandler } from "msw";
import { ok } from "./envelope.js";
import { tokenRoute, type AuthConfig } from "./routes.js";

export const TOKEN_ID = "ed17574386854bf78a67040be0a770b0";

export function tokenHandlers(auth: AuthConfig): HttpHandler[] {
  const verified = () => ok({ id: TOKEN_ID, status: "active" });
  return [tokenRoute(auth, "/user/tokens/verify", verified), tokenRoute(auth, "/accounts/:accountId/tokens/verify", verified)];
}
