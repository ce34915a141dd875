/** Workers KV REST endpoints: namespaces, values, metadata, keys list, bulk write/delete/get. */
import type { HttpHandler } from "msw";
import { CODES } from "../codes.js";
import { cfError, ok } from "../envelope.js";
import { accountRoute, intParam, readJson, type AuthConfig, type Method, type RouteCtx } from "../routes.js";
import { compareKeys, type KvEntry, type KvNamespace, type KvStore } from "./store.js";

export const KV_LIMITS = {
  maxKeyBytes: 512,
  maxValueBytes: 25 * 1024 * 1024,
  maxMetadataBytes: 1024,
  minTtl: 60,
  maxBulkWrite: 10_000,
  maxBulkDelete: 10_000,
  maxBulkGet: 100,
  maxListLimit: 1000,
  minListLimit: 10,
} as const;

const NS = "/storage/kv/namespaces";

export function kvHandlers(auth: AuthConfig, kv: KvStore): HttpHandler[] {
  const route = (method: Method, path: string, h: (ctx: RouteCtx) => Response | Promise<Response>) =>
    accountRoute(auth, method, "kv", `${NS}${path}`, h);
  const namespace = (ctx: RouteCtx): KvNamespace => {
    const ns = kv.namespaces.get(ctx.params.namespaceId ?? "");
    if (!ns) throw cfError(404, CODES.KV_NAMESPACE_NOT_FOUND, "namespace not found");
    return ns;
  };

  return [
    route("get", "", (ctx) => {
      const page = intParam(ctx.url, "page", 1, 1, Number.MAX_SAFE_INTEGER, CODES.KV_INVALID_LIMIT);
      const perPage = intParam(ctx.url, "per_page", 20, 1, 1000, CODES.KV_INVALID_LIMIT);
      const order = ctx.url.searchParams.get("order") === "title" ? "title" : "id";
      const desc = ctx.url.searchParams.get("direction") === "desc";
      const all = [...kv.namespaces.values()].sort((a, b) => (desc ? -1 : 1) * a[order].localeCompare(b[order]));
      const items = all.slice((page - 1) * perPage, page * perPage).map(describe);
      return ok(items, { result_info: { page, per_page: perPage, count: items.length, total_count: all.length } });
    }),

    route("get", "/:namespaceId", (ctx) => ok(describe(namespace(ctx)))),

    route("get", "/:namespaceId/values/:key", (ctx) => {
      const ns = namespace(ctx);
      const key = keyOf(ctx);
      const e = kv.get(ns, key);
      if (!e) throw cfError(404, CODES.KV_KEY_NOT_FOUND, "get: 'key not found'");
      return new Response(e.value, { status: 200, headers: { "content-type": "application/octet-stream" } });
    }),

    route("put", "/:namespaceId/values/:key", async (ctx) => {
      const ns = namespace(ctx);
      const key = keyOf(ctx);
      const expiration = resolveExpiration(ctx.url.searchParams.get("expiration"), ctx.url.searchParams.get("expiration_ttl"), kv.nowSeconds());
      const { value, metadata } = await readValue(ctx.request);
      checkValue(value.length, metadata);
      kv.put(ns, key, { value, metadata, expiration });
      return ok(null);
    }),

    route("delete", "/:namespaceId/values/:key", (ctx) => {
      kv.delete(namespace(ctx), keyOf(ctx));
      return ok(null);
    }),

    route("get", "/:namespaceId/metadata/:key", (ctx) => {
      const ns = namespace(ctx);
      const e = kv.get(ns, keyOf(ctx));
      if (!e) throw cfError(404, CODES.KV_KEY_NOT_FOUND, "metadata: 'key not found'");
      return ok(e.metadata ?? null);
    }),

    route("get", "/:namespaceId/keys", (ctx) => {
      const ns = namespace(ctx);
      const limit = intParam(ctx.url, "limit", KV_LIMITS.maxListLimit, KV_LIMITS.minListLimit, KV_LIMITS.maxListLimit, CODES.KV_INVALID_LIMIT);
      const prefix = ctx.url.searchParams.get("prefix") ?? "";
      const cursor = ctx.url.searchParams.get("cursor");
      let after: string | undefined;
      if (cursor) {
        after = decodeCursor(cursor);
        if (after === undefined) throw cfError(400, CODES.KV_INVALID_LIMIT, `Invalid cursor: ${cursor}`);
      }
      const all = kv.list(ns, prefix).filter(([k]) => after === undefined || compareKeys(k, after) > 0);
      const page = all.slice(0, limit);
      const more = all.length > limit;
      const result = page.map(([name, e]) => ({
        name,
        ...(e.expiration !== undefined ? { expiration: e.expiration } : {}),
        ...(e.metadata !== undefined ? { metadata: e.metadata } : {}),
      }));
      return ok(result, { result_info: { count: result.length, cursor: more ? encodeCursor(page[page.length - 1]![0]) : "" } });
    }),

    route("put", "/:namespaceId/bulk", async (ctx) => {
      const ns = namespace(ctx);
      const body = await readJson(ctx.request, CODES.KV_MALFORMED_VALUE);
      if (!Array.isArray(body)) throw cfError(400, CODES.KV_MALFORMED_VALUE, "bulk write: request body must be a JSON array");
      if (body.length > KV_LIMITS.maxBulkWrite) {
        throw cfError(413, CODES.KV_PAYLOAD_TOO_LARGE, `bulk write: ${body.length} pairs exceed the limit of ${KV_LIMITS.maxBulkWrite}`);
      }
      const now = kv.nowSeconds();
      const pairs: Array<[string, KvEntry]> = body.map((item: unknown) => {
        const o = (item ?? {}) as Record<string, unknown>;
        if (typeof o.key !== "string" || typeof o.value !== "string") {
          throw cfError(400, CODES.KV_MALFORMED_VALUE, "bulk write: every pair needs a string key and a string value");
        }
        checkKey(o.key);
        const value = o.base64 === true ? new Uint8Array(Buffer.from(o.value, "base64")) : new TextEncoder().encode(o.value);
        checkValue(value.length, o.metadata);
        const expiration = resolveExpiration(numOrNull(o.expiration), numOrNull(o.expiration_ttl), now);
        return [o.key, { value, metadata: o.metadata, expiration }];
      });
      const unsuccessful: string[] = [];
      for (const [key, entry] of pairs) {
        if (kv.takeBulkFailure("write", key)) unsuccessful.push(key);
        else kv.put(ns, key, entry);
      }
      return ok({ successful_key_count: pairs.length - unsuccessful.length, unsuccessful_keys: unsuccessful });
    }),

    route("post", "/:namespaceId/bulk/delete", (ctx) => bulkDelete(ctx)),
    route("delete", "/:namespaceId/bulk", (ctx) => bulkDelete(ctx)),

    route("post", "/:namespaceId/bulk/get", async (ctx) => {
      const ns = namespace(ctx);
      const body = (await readJson(ctx.request, CODES.KV_MALFORMED_VALUE)) as Record<string, unknown> | null;
      const keys = body?.keys;
      if (!Array.isArray(keys) || keys.some((k) => typeof k !== "string")) {
        throw cfError(400, CODES.KV_MALFORMED_VALUE, "bulk get: keys must be an array of strings");
      }
      if (keys.length > KV_LIMITS.maxBulkGet) {
        throw cfError(400, CODES.KV_INVALID_LIMIT, `bulk get: you can request at most ${KV_LIMITS.maxBulkGet} keys, got ${keys.length}`);
      }
      const asJson = body?.type === "json";
      const withMetadata = body?.withMetadata === true;
      const values: Record<string, unknown> = {};
      for (const key of keys as string[]) {
        const e = kv.get(ns, key);
        if (!e) {
          values[key] = null;
          continue;
        }
        const text = new TextDecoder().decode(e.value);
        let value: unknown = text;
        if (asJson) {
          try {
            value = JSON.parse(text);
          } catch {
            throw cfError(400, CODES.KV_MALFORMED_VALUE, `bulk get: the value of "${key}" is not valid JSON`);
          }
        }
        values[key] = withMetadata
          ? { value, metadata: e.metadata ?? null, ...(e.expiration !== undefined ? { expiration: e.expiration } : {}) }
          : value;
      }
      return ok({ values });
    }),
  ];

  async function bulkDelete(ctx: RouteCtx): Promise<Response> {
    const ns = namespace(ctx);
    const body = await readJson(ctx.request, CODES.KV_MALFORMED_VALUE);
    if (!Array.isArray(body) || body.some((k) => typeof k !== "string")) {
      throw cfError(400, CODES.KV_MALFORMED_VALUE, "bulk delete: request body must be a JSON array of key names");
    }
    if (body.length > KV_LIMITS.maxBulkDelete) {
      throw cfError(413, CODES.KV_PAYLOAD_TOO_LARGE, `bulk delete: ${body.length} keys exceed the limit of ${KV_LIMITS.maxBulkDelete}`);
    }
    const unsuccessful: string[] = [];
    for (const key of body as string[]) {
      if (kv.takeBulkFailure("delete", key)) unsuccessful.push(key);
      else kv.delete(ns, key);
    }
    return ok({ successful_key_count: body.length - unsuccessful.length, unsuccessful_keys: unsuccessful });
  }
}

function describe(ns: KvNamespace): Record<string, unknown> {
  return { id: ns.id, title: ns.title, supports_url_encoding: true };
}

/** The key name from the raw path: one percent-decoding, byte for byte. */
function keyOf(ctx: RouteCtx): string {
  const raw = ctx.segments[ctx.segments.length - 1] ?? "";
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw cfError(400, CODES.KV_MALFORMED_VALUE, `malformed key name: ${raw}`);
  }
  checkKey(key);
  return key;
}

function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes === 0) throw cfError(400, CODES.KV_MALFORMED_VALUE, "Key names must not be empty.");
  if (bytes > KV_LIMITS.maxKeyBytes) {
    throw cfError(414, CODES.KV_KEY_TOO_LONG, `UTF-8 encoded length of ${bytes} exceeds key length limit of ${KV_LIMITS.maxKeyBytes}.`);
  }
}

function checkValue(valueBytes: number, metadata: unknown): void {
  if (valueBytes > KV_LIMITS.maxValueBytes) {
    throw cfError(413, CODES.KV_PAYLOAD_TOO_LARGE, `Value length of ${valueBytes} exceeds limit of ${KV_LIMITS.maxValueBytes}.`);
  }
  if (metadata !== undefined) {
    const len = Buffer.byteLength(JSON.stringify(metadata), "utf8");
    if (len > KV_LIMITS.maxMetadataBytes) {
      throw cfError(413, CODES.KV_PAYLOAD_TOO_LARGE, `Metadata length of ${len} exceeds limit of ${KV_LIMITS.maxMetadataBytes}.`);
    }
  }
}

/** KV's expiration rules; expiration_ttl wins over expiration. Returns unix seconds or undefined. */
export function resolveExpiration(expiration: string | null, ttl: string | null, now: number): number | undefined {
  if (ttl !== null && ttl !== "") {
    const n = Number(ttl);
    if (!Number.isInteger(n) || n <= 0) {
      throw cfError(400, CODES.KV_INVALID_EXPIRATION, `Invalid expiration_ttl of ${ttl}. Please specify integer greater than 0.`);
    }
    if (n < KV_LIMITS.minTtl) {
      throw cfError(400, CODES.KV_INVALID_EXPIRATION, `Invalid expiration_ttl of ${ttl}. Expiration TTL must be at least ${KV_LIMITS.minTtl}.`);
    }
    return now + n;
  }
  if (expiration !== null && expiration !== "") {
    const n = Number(expiration);
    if (!Number.isInteger(n) || n <= now) {
      throw cfError(
        400,
        CODES.KV_INVALID_EXPIRATION,
        `Invalid expiration of ${expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
      );
    }
    if (n < now + KV_LIMITS.minTtl) {
      throw cfError(400, CODES.KV_INVALID_EXPIRATION, `Invalid expiration of ${expiration}. Expiration times must be at least 60 seconds in the future.`);
    }
    return n;
  }
  return undefined;
}

/**
 * A PUT value body: multipart/form-data with `value` (text or file) and `metadata` (a JSON string),
 * as the cloudflare SDK sends it, or a raw body. Note: the SDK turns a metadata *object* into
 * `metadata[field]` form fields, which KV does not read; pass `JSON.stringify(metadata)`.
 */
async function readValue(request: Request): Promise<{ value: Uint8Array; metadata?: unknown }> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) {
    return { value: new Uint8Array(await request.arrayBuffer()) };
  }
  const form = await request.formData();
  const v = form.get("value");
  if (v === null) throw cfError(400, CODES.KV_MALFORMED_VALUE, "multipart body needs a \"value\" field");
  const value = typeof v === "string" ? new TextEncoder().encode(v) : new Uint8Array(await v.arrayBuffer());
  const m = form.get("metadata");
  if (m === null) return { value };
  const text = typeof m === "string" ? m : await m.text();
  try {
    return { value, metadata: JSON.parse(text) };
  } catch {
    throw cfError(400, CODES.KV_MALFORMED_VALUE, "metadata must be valid JSON");
  }
}

function numOrNull(v: unknown): string | null {
  return v === undefined || v === null ? null : String(v);
}

function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  return Buffer.from(cursor, "base64url").toString("utf8");
}
