/**
 * Route helpers: msw handlers under /client/v4 with Cloudflare's auth and account checks,
 * and errors thrown as CfHttpError turned into error envelopes.
 */
import { http, type HttpHandler } from "msw";
import { CODES } from "./codes.js";
import { CfHttpError, cfError, fail } from "./envelope.js";

export type Method = "get" | "post" | "put" | "delete" | "patch";
export type Service = "d1" | "kv" | "r2" | "account";

export interface AuthConfig {
  accountId: string;
  /** a user API token: verifies only at /user/tokens/verify */
  token: string;
  /** an account-owned API token: verifies only at /accounts/{id}/tokens/verify, as on Cloudflare */
  accountToken: string;
  /** handler crashes (bugs in the fake) are recorded here */
  internalErrors: string[];
}

export interface RouteCtx {
  request: Request;
  url: URL;
  /** path params, decoded once */
  params: Record<string, string>;
  /** raw (still percent-encoded) path segments after /client/v4 */
  segments: string[];
}

export type RouteHandler = (ctx: RouteCtx) => Response | Promise<Response>;

const API = "*/client/v4";
const ACCOUNT_ID_FORMAT = /^[0-9a-f]{32}$/;

/** A route under /accounts/:accountId, checked for token and account. */
export function accountRoute(auth: AuthConfig, method: Method, service: Service, path: string, handler: RouteHandler): HttpHandler {
  return http[method](`${API}/accounts/:accountId${path}`, async ({ request, params }) => {
    const url = new URL(request.url);
    return guarded(auth, url, () => {
      requireToken(auth, request, CODES.AUTH_ERROR, "Authentication error", [auth.token, auth.accountToken]);
      const accountId = String(params.accountId);
      if (!ACCOUNT_ID_FORMAT.test(accountId)) {
        throw new CfHttpError(404, [
          { code: CODES.COULD_NOT_ROUTE, message: `Could not route to ${url.pathname}, perhaps your object identifier is invalid?` },
          { code: CODES.NO_ROUTE, message: "No route for that URI" },
        ]);
      }
      if (accountId !== auth.accountId) {
        throw service === "d1"
          ? cfError(403, CODES.D1_ACCOUNT_NOT_AUTHORIZED, "The given account is not valid or is not authorized to access this service")
          : cfError(403, CODES.AUTH_ERROR, "Authentication error");
      }
      return handler(ctxOf(request, url, params));
    });
  });
}

/**
 * Token verification routes: each endpoint verifies only its own kind of token (user tokens at
 * /user/tokens/verify, account-owned ones at /accounts/{id}/tokens/verify); any other token
 * gets 401 "Invalid API Token", as Cloudflare answers.
 */
export function tokenRoute(auth: AuthConfig, path: string, handler: RouteHandler): HttpHandler {
  return http.get(`${API}${path}`, async ({ request, params }) => {
    const url = new URL(request.url);
    return guarded(auth, url, () => {
      requireToken(auth, request, CODES.INVALID_TOKEN, "Invalid API Token", [path.startsWith("/accounts/") ? auth.accountToken : auth.token]);
      if (params.accountId !== undefined && params.accountId !== auth.accountId) {
        throw cfError(403, CODES.AUTH_ERROR, "Authentication error");
      }
      return handler(ctxOf(request, url, params));
    });
  });
}

/** A route outside the API (e.g. a presigned upload URL): no auth. */
export function plainRoute(auth: AuthConfig, method: Method, path: string, handler: RouteHandler): HttpHandler {
  return http[method](`*${path}`, async ({ request, params }) => {
    const url = new URL(request.url);
    return guarded(auth, url, () => handler(ctxOf(request, url, params)));
  });
}

function requireToken(_auth: AuthConfig, request: Request, code: number, message: string, valid: string[]): void {
  const header = request.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m || !valid.includes(m[1]!)) throw cfError(401, code, message);
}

async function guarded(auth: AuthConfig, url: URL, fn: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CfHttpError) return err.toResponse();
    const message = err instanceof Error ? err.stack ?? err.message : String(err);
    auth.internalErrors.push(`${url.pathname}: ${message}`);
    return fail(500, { code: CODES.INTERNAL, message: `fake-cloudflare internal error: ${String(err)}` });
  }
}

function ctxOf(request: Request, url: URL, params: Record<string, unknown>): RouteCtx {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (typeof v === "string") flat[k] = v;
  const rel = url.pathname.replace(/^.*?\/client\/v4/, "");
  return { request, url, params: flat, segments: rel.split("/").slice(1) };
}

/** Reads a JSON request body or answers 400 like the API does for malformed JSON. */
export async function readJson(request: Request, code: number): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw cfError(400, code, "The request is malformed: request body is not valid JSON");
  }
}

/** Integer query parameter with bounds; out of range answers 400. */
export function intParam(url: URL, name: string, dflt: number, min: number, max: number, code: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw cfError(400, code, `Invalid ${name}: ${raw}. Please specify an integer between ${min} and ${max}.`);
  }
  return n;
}
