/**
 * A fake Cloudflare REST API (D1, Workers KV, R2 buckets, token verify) on a real loopback
 * HTTP server, for driving the `cloudflare` SDK and the CLI end to end.
 *
 *   const cf = await startFakeCloudflare();
 *   const client = new Cloudflare({ apiToken: cf.token, baseURL: cf.baseURL, maxRetries: 0 });
 *   …
 *   expect(cf.unmatched).toEqual([]); expect(cf.schemaErrors).toEqual([]);
 *   await cf.close();
 *
 * Answers use Cloudflare's envelope and are validated against Cloudflare's OpenAPI description
 * (validator.ts). D1 runs real SQLite (sql.js). Error codes and where they come from: codes.ts.
 */
import { randomUUID } from "node:crypto";
import { D1_UUID_FORMAT } from "./d1/constants.js";
import { FakeD1Database } from "./d1/database.js";
import { d1Handlers, UPLOAD_PATH } from "./d1/handlers.js";
import { D1Exports, EXPORT_PATH } from "./d1/exports.js";
import { D1Imports } from "./d1/imports.js";
import { loadSqlJs } from "./d1/sql.js";
import { Faults, type FaultSpec, type RandomFaults } from "./faults.js";
import { FakeRateLimit } from "./ratelimit.js";
import { kvHandlers } from "./kv/handlers.js";
import { KvStore, type BulkOp } from "./kv/store.js";
import { r2Handlers, type R2Bucket } from "./r2.js";
import type { AuthConfig } from "./routes.js";
import { startBridge, type FakeRequest } from "./server.js";
import { tokenHandlers } from "./tokens.js";
import { API_BASE_PATH, OpenApiValidator } from "./validator.js";
import { watchServer } from "../unexpected-requests.js";

export type { FakeRequest } from "./server.js";
export type { FaultSpec, RandomFaults, RandomKind } from "./faults.js";
export type { Bookmark } from "./d1/database.js";
export { CODES } from "./codes.js";
export { OpenApiValidator, SPEC_PATCHES } from "./validator.js";

export interface FakeCloudflare {
  /** e.g. "http://127.0.0.1:PORT/client/v4": the SDK's baseURL / CLOUDFLARE_BASE_URL */
  baseURL: string;
  accountId: string;
  /** the valid user API token (verifies at /user/tokens/verify) */
  token: string;
  /** the valid account-owned API token (verifies at /accounts/{id}/tokens/verify) */
  accountToken: string;
  /** every request, in arrival order, with the status served (0 = dropped) */
  requests: FakeRequest[];
  /** "METHOD /path" of requests no handler matched (answered 404) */
  unmatched: string[];
  /** JSON answers that do not match the OpenAPI description */
  schemaErrors: string[];
  /** crashes inside the fake (answered 500); should stay empty */
  internalErrors: string[];
  d1: {
    createDatabase(name: string, opts?: { uuid?: string }): { uuid: string; name: string };
    /** runs SQL directly (no D1 limits) and returns the last statement's rows */
    exec(databaseId: string, sql: string, params?: unknown[]): Record<string, unknown>[];
    /** Time Travel history, oldest first: one bookmark per change */
    bookmarks(databaseId: string): { bookmark: string; at: number }[];
    currentBookmark(databaseId: string): string;
    /** D1's export API: polls answered "active" before completion, and the request bodies seen */
    exports: D1Exports;
  };
  kv: {
    createNamespace(title: string, opts?: { id?: string }): { id: string; title: string };
    get(nsId: string, key: string): { value: Uint8Array; metadata?: unknown; expiration?: number } | undefined;
    put(nsId: string, key: string, value: string | Uint8Array, opts?: { metadata?: unknown; expiration?: number; expirationTtl?: number }): void;
    delete(nsId: string, key: string): void;
    /** visible (unexpired) keys in KV order */
    keys(nsId: string): string[];
    /** keys matching `predicate` come back in `unsuccessful_keys` for their next `times` bulk writes (or deletes) */
    failBulkKeys(predicate: (key: string) => boolean, times?: number, ops?: BulkOp[]): void;
  };
  r2: { createBucket(name: string): void };
  /** Cloudflare's 1,200 requests / 5 minutes: `Ratelimit` headers on every answer, 429 past it; lockout mode. */
  rateLimit: FakeRateLimit;
  faults: {
    inject(f: FaultSpec): void;
    randomly(f: RandomFaults): void;
    clear(): void;
  };
  /** the fake's clock (ms); drives KV expiry and Time Travel timestamps */
  now: () => number;
  /** freezes the clock at `ms` */
  setNow(ms: number): void;
  /** moves the clock forward (freezing it first if it was running) */
  advance(ms: number): void;
  /** the clock follows real time again */
  useRealTime(): void;
  close(): Promise<void>;
}

export interface FakeCloudflareOptions {
  accountId?: string;
  token?: string;
  accountToken?: string;
  /** validate every JSON answer against the OpenAPI description (default true) */
  validate?: boolean;
}

export async function startFakeCloudflare(opts: FakeCloudflareOptions = {}): Promise<FakeCloudflare> {
  const accountId = opts.accountId ?? "0123456789abcdef0123456789abcdef";
  const token = opts.token ?? "test-token-sentinel-5b1f";
  const accountToken = opts.accountToken ?? "test-account-token-sentinel-9c3d";
  let frozen: number | undefined;
  const now = (): number => frozen ?? Date.now();

  const requests: FakeRequest[] = [];
  const unmatched: string[] = [];
  const schemaErrors: string[] = [];
  const internalErrors: string[] = [];
  const auth: AuthConfig = { accountId, token, accountToken, internalErrors };

  const sqlJs = await loadSqlJs();
  const databases = new Map<string, FakeD1Database>();
  let origin = "";
  const imports = new D1Imports(() => `${origin}${UPLOAD_PATH}`);
  const exports = new D1Exports((token) => `${origin}${EXPORT_PATH}/${token}`);
  const kv = new KvStore(now);
  const buckets = new Map<string, R2Bucket>();
  const faults = new Faults();
  const rateLimit = new FakeRateLimit(now);

  const handlers = [
    ...tokenHandlers(auth),
    ...d1Handlers(auth, { databases, imports, exports }),
    ...kvHandlers(auth, kv),
    ...r2Handlers(auth, buckets),
  ];
  const bridge = await startBridge({
    handlers,
    faults,
    validator: opts.validate === false ? undefined : new OpenApiValidator(),
    requests,
    unmatched,
    schemaErrors,
    internalErrors,
    rateLimit,
  });
  origin = bridge.origin;
  // Unmatched requests fail the test they come from (test/helpers/setup-each.ts).
  const unwatch = watchServer({ name: "fake Cloudflare API (no route)", take: () => unmatched.splice(0) });

  const database = (id: string): FakeD1Database => {
    const d = databases.get(id.toLowerCase());
    if (!d) throw new Error(`fake D1 database ${id} does not exist`);
    return d;
  };
  const namespace = (id: string) => {
    const ns = kv.namespaces.get(id);
    if (!ns) throw new Error(`fake KV namespace ${id} does not exist`);
    return ns;
  };

  return {
    baseURL: `${origin}${API_BASE_PATH}`,
    accountId,
    token,
    accountToken,
    requests,
    unmatched,
    schemaErrors,
    internalErrors,
    d1: {
      createDatabase(name, o = {}) {
        const uuid = (o.uuid ?? randomUUID()).toLowerCase();
        if (!D1_UUID_FORMAT.test(uuid)) throw new Error(`D1 database ids are UUIDs; got "${uuid}"`);
        if (databases.has(uuid)) throw new Error(`fake D1 database ${uuid} already exists`);
        databases.set(uuid, new FakeD1Database(sqlJs, uuid, name, now(), now));
        return { uuid, name };
      },
      exec: (id, sql, params) => database(id).exec(sql, params),
      bookmarks: (id) => database(id).bookmarks(),
      currentBookmark: (id) => database(id).currentBookmark,
      exports,
    },
    kv: {
      createNamespace(title, o = {}) {
        const ns = kv.createNamespace(title, o.id);
        return { id: ns.id, title: ns.title };
      },
      get(nsId, key) {
        const e = kv.get(namespace(nsId), key);
        return e && { ...e };
      },
      put(nsId, key, value, o = {}) {
        const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
        const expiration = o.expirationTtl !== undefined ? kv.nowSeconds() + o.expirationTtl : o.expiration;
        kv.put(namespace(nsId), key, { value: bytes, metadata: o.metadata, expiration });
      },
      delete: (nsId, key) => kv.delete(namespace(nsId), key),
      keys: (nsId) => kv.list(namespace(nsId)).map(([k]) => k),
      failBulkKeys: (predicate, times, ops) => kv.failBulkKeys(predicate, times, ops),
    },
    r2: {
      createBucket(name) {
        buckets.set(name, { name, createdAt: now() });
      },
    },
    rateLimit,
    faults: {
      inject: (f) => faults.inject(f),
      randomly: (f) => faults.randomly(f),
      clear: () => faults.clear(),
    },
    now,
    setNow(ms) {
      frozen = ms;
    },
    advance(ms) {
      frozen = now() + ms;
    },
    useRealTime() {
      frozen = undefined;
    },
    async close() {
      await bridge.close();
      unwatch();
      for (const d of databases.values()) d.close();
    },
  };
}
