/**
 * The fake Cloudflare API, driven by the real `cloudflare` SDK over loopback HTTP.
 * After every test: no unmatched request, no answer off the OpenAPI description, no crash.
 */
import Cloudflare, {
  APIConnectionError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  type APIError,
} from "cloudflare";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CODES, OpenApiValidator, SPEC_PATCHES, startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { md5 } from "./helpers/fake-cloudflare/d1/imports.js";

let cf: FakeCloudflare;
let client: Cloudflare;
let account_id: string;

beforeAll(async () => {
  cf = await startFakeCloudflare();
  client = new Cloudflare({ apiToken: cf.token, baseURL: cf.baseURL, maxRetries: 0 });
  account_id = cf.accountId;
});

afterAll(async () => {
  await cf?.close();
});

afterEach(() => {
  const problems = { unmatched: [...cf.unmatched], schemaErrors: [...cf.schemaErrors], internalErrors: [...cf.internalErrors] };
  cf.unmatched.length = cf.schemaErrors.length = cf.internalErrors.length = 0;
  cf.faults.clear();
  cf.useRealTime();
  expect(problems).toEqual({ unmatched: [], schemaErrors: [], internalErrors: [] });
});

/** The APIError a promise rejects with. */
async function apiError(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    return err as APIError;
  }
  throw new Error("expected the call to fail");
}

function requestsSince(n: number) {
  return cf.requests.slice(n);
}

describe("auth and routing", () => {
  it("verifies each kind of token only at its own endpoint, as Cloudflare does", async () => {
    await expect(client.user.tokens.verify()).resolves.toMatchObject({ status: "active" });
    expect((await apiError(client.accounts.tokens.verify({ account_id }))).status).toBe(401);
    const accountClient = new Cloudflare({ apiToken: cf.accountToken, baseURL: cf.baseURL, maxRetries: 0 });
    await expect(accountClient.accounts.tokens.verify({ account_id })).resolves.toMatchObject({ status: "active" });
    expect((await apiError(accountClient.user.tokens.verify())).status).toBe(401);
    // An account-owned token works on the account's resources like any other.
    await expect(accountClient.d1.database.list({ account_id })).resolves.toBeDefined();
  });

  it("answers 401 for a wrong or missing token (SDK: AuthenticationError)", async () => {
    const bad = new Cloudflare({ apiToken: "not-the-token", baseURL: cf.baseURL, maxRetries: 0 });
    const err = await apiError(bad.d1.database.list({ account_id }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.errors).toEqual([{ code: 10000, message: "Authentication error" }]);
    const verify = await apiError(bad.user.tokens.verify());
    expect(verify).toBeInstanceOf(AuthenticationError);
    expect(verify.errors[0]?.code).toBe(CODES.INVALID_TOKEN);

    const res = await fetch(`${cf.baseURL}/accounts/${account_id}/storage/kv/namespaces`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null });
  });

  it("refuses another account (403) and a malformed account id (404, 7003)", async () => {
    const other = "fedcba9876543210fedcba9876543210";
    const d1 = await apiError(client.d1.database.list({ account_id: other }));
    expect(d1).toBeInstanceOf(PermissionDeniedError);
    expect(d1.errors[0]?.code).toBe(7403);
    const kv = await apiError(client.kv.namespaces.list({ account_id: other }));
    expect(kv).toBeInstanceOf(PermissionDeniedError);
    expect(kv.errors[0]?.code).toBe(10000);
    const malformed = await apiError(client.kv.namespaces.list({ account_id: "my-account" }));
    expect(malformed).toBeInstanceOf(NotFoundError);
    expect(malformed.errors.map((e) => e.code)).toEqual([7003, 7000]);
  });

  it("records and 404s requests no handler matches", async () => {
    const res = await fetch(`${cf.baseURL}/accounts/${account_id}/workers/scripts`, {
      headers: { authorization: `Bearer ${cf.token}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: unknown }).errors).toEqual([{ code: 7000, message: "No route for that URI" }]);
    expect(cf.unmatched).toEqual([`GET /client/v4/accounts/${account_id}/workers/scripts`]);
    cf.unmatched.length = 0;
  });
});

describe("D1", () => {
  it("lists databases with page/per_page, result_info and a name filter", async () => {
    for (let i = 0; i < 12; i++) cf.d1.createDatabase(`list-db-${String(i).padStart(2, "0")}`);
    const page1 = await client.d1.database.list({ account_id, name: "list-db-", per_page: 10 });
    expect(page1.result).toHaveLength(10);
    expect(page1.result_info).toMatchObject({ page: 1, per_page: 10, count: 10, total_count: 12 });
    const names: string[] = [];
    for await (const db of client.d1.database.list({ account_id, name: "list-db-", per_page: 10 })) names.push(db.name!);
    expect(names).toEqual(Array.from({ length: 12 }, (_, i) => `list-db-${String(i).padStart(2, "0")}`));
  });

  it("gets a database, and answers 7404 / 7400 for unknown / malformed ids", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-get");
    cf.d1.exec(uuid, "CREATE TABLE users (id TEXT PRIMARY KEY); CREATE TABLE rooms (id TEXT PRIMARY KEY)");
    await expect(client.d1.database.get(uuid, { account_id })).resolves.toMatchObject({ uuid, name: "kanvas-get", num_tables: 2 });

    const missing = "00000000-0000-4000-8000-000000000000";
    const notFound = await apiError(client.d1.database.get(missing, { account_id }));
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound.errors).toEqual([{ code: 7404, message: `The database ${missing} could not be found` }]);
    const malformed = await apiError(client.d1.database.query("kanvas-prod", { account_id, sql: "SELECT 1" }));
    expect(malformed).toBeInstanceOf(BadRequestError);
    expect(malformed.errors[0]?.code).toBe(7400);
  });

  it("query: one result per statement, params, meta", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-query");
    const page = await client.d1.database.query(uuid, {
      account_id,
      sql: "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE); INSERT INTO users (email) VALUES ('a@x'), ('b@x'); SELECT * FROM users ORDER BY id",
    });
    expect(page.result).toHaveLength(3);
    expect(page.result[0]).toMatchObject({ success: true, results: [], meta: { changed_db: true, changes: 0 } });
    expect(page.result[1]?.meta).toMatchObject({ changed_db: true, changes: 2, last_row_id: 2, rows_written: 2 });
    expect(page.result[2]).toMatchObject({ results: [{ id: 1, email: "a@x" }, { id: 2, email: "b@x" }], meta: { changed_db: false } });
    expect(page.result[2]?.meta?.size_after).toBeGreaterThan(0);

    const byParam = await client.d1.database.query(uuid, { account_id, sql: "SELECT email FROM users WHERE id = ?", params: ["2"] });
    expect(byParam.result[0]?.results).toEqual([{ email: "b@x" }]);

    const batch = await client.d1.database.query(uuid, {
      account_id,
      batch: [
        { sql: "INSERT INTO users (email) VALUES (?)", params: ["c@x"] },
        { sql: "SELECT count(*) AS n FROM users" },
      ],
    });
    expect(batch.result.map((r) => r.results)).toEqual([[], [{ n: 3 }]]);
  });

  it("raw: columns and rows, NULL and BLOB cells", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-raw");
    cf.d1.exec(uuid, "CREATE TABLE t (a INTEGER, b TEXT, c BLOB); INSERT INTO t VALUES (1, NULL, x'0102ff')");
    const page = await client.d1.database.raw(uuid, { account_id, sql: "SELECT a, b, c FROM t" });
    expect(page.result[0]?.results).toEqual({ columns: ["a", "b", "c"], rows: [[1, null, [1, 2, 255]]] });
  });

  it("a batch and a multi-statement sql are one transaction: a failure applies nothing", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-atomic");
    cf.d1.exec(uuid, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL); INSERT INTO users (email) VALUES ('a@x')");
    const before = cf.d1.currentBookmark(uuid);

    const err = await apiError(
      client.d1.database.query(uuid, {
        account_id,
        batch: [{ sql: "INSERT INTO users (email) VALUES ('b@x')" }, { sql: "INSERT INTO users (email) VALUES ('a@x')" }],
      }),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.errors).toEqual([{ code: 7500, message: "UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT" }]);

    const multi = await apiError(
      client.d1.database.query(uuid, { account_id, sql: "DELETE FROM users; SELECT * FROM no_such_table" }),
    );
    expect(multi.errors).toEqual([{ code: 7500, message: "no such table: no_such_table: SQLITE_ERROR" }]);

    expect(cf.d1.exec(uuid, "SELECT email FROM users")).toEqual([{ email: "a@x" }]);
    expect(cf.d1.currentBookmark(uuid)).toBe(before);
  });

  it("rejects BEGIN TRANSACTION, statements over 100 KB and more than 100 bound params", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-limits");
    cf.d1.exec(uuid, "CREATE TABLE t (v TEXT)");

    const begin = await apiError(client.d1.database.query(uuid, { account_id, sql: "BEGIN TRANSACTION; INSERT INTO t VALUES ('x'); COMMIT" }));
    expect(begin.errors[0]?.code).toBe(7500);
    expect(begin.errors[0]?.message).toContain("instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements");

    const big = `INSERT INTO t VALUES ('${"x".repeat(100_000)}')`;
    const tooLong = await apiError(client.d1.database.query(uuid, { account_id, sql: big }));
    expect(tooLong.errors).toEqual([{ code: 7500, message: "statement too long: SQLITE_TOOBIG" }]);

    const hundred = Array.from({ length: 100 }, (_, i) => String(i));
    const ok = await client.d1.database.query(uuid, {
      account_id,
      sql: `SELECT ${hundred.map(() => "?").join(", ")}`,
      params: hundred,
    });
    expect(ok.result[0]?.success).toBe(true);
    const tooMany = await apiError(
      client.d1.database.query(uuid, { account_id, sql: `SELECT ${[...hundred, "100"].map(() => "?").join(", ")}`, params: [...hundred, "100"] }),
    );
    expect(tooMany.errors[0]?.message).toMatch(/^too many SQL variables at offset \d+: SQLITE_ERROR$/);
    expect(cf.d1.exec(uuid, "SELECT count(*) AS n FROM t")).toEqual([{ n: 0 }]);
  });

  it("enforces foreign keys, as D1 does", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-fk");
    cf.d1.exec(uuid, "CREATE TABLE rooms (id TEXT PRIMARY KEY); CREATE TABLE members (room TEXT NOT NULL REFERENCES rooms(id))");
    const err = await apiError(client.d1.database.query(uuid, { account_id, sql: "INSERT INTO members VALUES ('nope')" }));
    expect(err.errors[0]?.message).toBe("FOREIGN KEY constraint failed: SQLITE_CONSTRAINT");
  });

  it("Time Travel: a bookmark, then restore really brings the data back", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-tt");
    cf.setNow(Date.parse("2030-01-01T00:00:00Z"));
    cf.d1.exec(uuid, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('v1')");
    const { bookmark } = await client.d1.database.timeTravel.getBookmark(uuid, { account_id });
    expect(bookmark).toBe(cf.d1.currentBookmark(uuid));

    cf.advance(60_000);
    await client.d1.database.query(uuid, { account_id, sql: "DELETE FROM notes; INSERT INTO notes VALUES ('v2'), ('v3')" });
    expect(cf.d1.exec(uuid, "SELECT body FROM notes")).toEqual([{ body: "v2" }, { body: "v3" }]);
    const afterDelete = cf.d1.currentBookmark(uuid);

    // a timestamp between the two writes names the first state
    const atTime = await client.d1.database.timeTravel.getBookmark(uuid, { account_id, timestamp: "2030-01-01T00:00:30Z" });
    expect(atTime.bookmark).toBe(bookmark);

    const restored = await client.d1.database.timeTravel.restore(uuid, { account_id, bookmark: bookmark! });
    expect(restored.previous_bookmark).toBe(afterDelete);
    expect(restored.bookmark).toBe(cf.d1.currentBookmark(uuid));
    expect(restored.message).toContain(bookmark!);
    expect(cf.d1.exec(uuid, "SELECT body FROM notes")).toEqual([{ body: "v1" }]);

    // and forward again
    await client.d1.database.timeTravel.restore(uuid, { account_id, bookmark: afterDelete });
    expect(cf.d1.exec(uuid, "SELECT body FROM notes")).toEqual([{ body: "v2" }, { body: "v3" }]);

    const bad = await apiError(client.d1.database.timeTravel.restore(uuid, { account_id, bookmark: "00000000-nope" }));
    expect(bad).toBeInstanceOf(BadRequestError);
  });

  it("import API: init, upload to the presigned URL, ingest, poll", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-import");
    const sql = "CREATE TABLE big (i INTEGER);\n" + Array.from({ length: 500 }, (_, i) => `INSERT INTO big VALUES (${i});`).join("\n");
    const etag = md5(sql);

    const init = (await client.d1.database.import(uuid, { account_id, action: "init", etag })) as { filename: string; upload_url: string };
    expect(init.upload_url.startsWith("http://127.0.0.1:")).toBe(true);
    const put = await fetch(init.upload_url, { method: "PUT", body: sql });
    expect(put.status).toBe(200);
    expect(put.headers.get("etag")).toBe(`"${etag}"`);

    const ingest = await client.d1.database.import(uuid, { account_id, action: "ingest", etag, filename: init.filename });
    expect(ingest).toMatchObject({ success: true, status: "active" });
    const done = await client.d1.database.import(uuid, { account_id, action: "poll", current_bookmark: ingest.at_bookmark! });
    expect(done).toMatchObject({ success: true, status: "complete", result: { num_queries: 501, final_bookmark: cf.d1.currentBookmark(uuid) } });
    expect(done.result?.meta?.rows_written).toBe(500);
    expect(cf.d1.exec(uuid, "SELECT count(*) AS n FROM big")).toEqual([{ n: 500 }]);

    // the same file again needs no upload: init starts it directly
    const again = await client.d1.database.import(uuid, { account_id, action: "init", etag });
    expect(again).toMatchObject({ status: "active" });
  });

  it("import API: a failing file applies nothing and polls as an error", async () => {
    const { uuid } = cf.d1.createDatabase("kanvas-import-bad");
    const sql = "CREATE TABLE a (i INTEGER);\nBEGIN TRANSACTION;\nINSERT INTO a VALUES (1);\nCOMMIT;";
    const etag = md5(sql);
    const init = (await client.d1.database.import(uuid, { account_id, action: "init", etag })) as { filename: string; upload_url: string };
    await fetch(init.upload_url, { method: "PUT", body: sql });
    const ingest = await client.d1.database.import(uuid, { account_id, action: "ingest", etag, filename: init.filename });
    const polled = await client.d1.database.import(uuid, { account_id, action: "poll", current_bookmark: ingest.at_bookmark! });
    expect(polled).toMatchObject({ success: false, status: "error", error: "cannot start a transaction within a transaction: SQLITE_ERROR" });
    expect(cf.d1.exec(uuid, "SELECT name FROM sqlite_master WHERE name = 'a'")).toEqual([]);
  });
});

describe("Workers KV", () => {
  const NASTY_KEYS = ["plain", "with space", "100%", "hash#tag", "what?", "slash/in/key", "ünïcødé ✓ 🎨", "rate_limit:u1:upload:2024010112", "a+b=c&d"];

  it("writes (multipart value + metadata) and reads values, metadata, and keys byte for byte", async () => {
    const ns = cf.kv.createNamespace("CACHE");
    for (const key of NASTY_KEYS) {
      await client.kv.namespaces.values.update(key, {
        account_id,
        namespace_id: ns.id,
        value: `value of ${key}`,
        metadata: JSON.stringify({ key }),
      });
    }
    expect(cf.kv.keys(ns.id).sort()).toEqual([...NASTY_KEYS].sort());
    for (const key of NASTY_KEYS) {
      const res = await client.kv.namespaces.values.get(key, { account_id, namespace_id: ns.id });
      expect(await res.text()).toBe(`value of ${key}`);
      await expect(client.kv.namespaces.metadata.get(key, { account_id, namespace_id: ns.id })).resolves.toEqual({ key });
    }
    const listed: string[] = [];
    for await (const k of client.kv.namespaces.keys.list(ns.id, { account_id })) {
      listed.push(k.name);
      expect(k.metadata).toEqual({ key: k.name });
    }
    expect(listed.sort()).toEqual([...NASTY_KEYS].sort());
  });

  it("accepts a raw body and stores binary values untouched", async () => {
    const ns = cf.kv.createNamespace("RAW");
    const bytes = new Uint8Array([0, 255, 1, 254, 10, 13]);
    const res = await fetch(`${cf.baseURL}/accounts/${account_id}/storage/kv/namespaces/${ns.id}/values/${encodeURIComponent("bin/ary")}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${cf.token}`, "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(cf.kv.get(ns.id, "bin/ary")?.value).toEqual(bytes);
    const got = await client.kv.namespaces.values.get("bin/ary", { account_id, namespace_id: ns.id });
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
  });

  it("answers 10009 for an unknown key and 10013 for an unknown namespace", async () => {
    const ns = cf.kv.createNamespace("EMPTY");
    const key = await apiError(client.kv.namespaces.values.get("nope", { account_id, namespace_id: ns.id }));
    expect(key).toBeInstanceOf(NotFoundError);
    expect(key.errors).toEqual([{ code: 10009, message: "get: 'key not found'" }]);
    const nsErr = await apiError(client.kv.namespaces.keys.list("0".repeat(32), { account_id }));
    expect(nsErr).toBeInstanceOf(NotFoundError);
    expect(nsErr.errors[0]?.code).toBe(10013);
  });

  it("expiration_ttl must be at least 60; expired keys disappear by the fake's clock", async () => {
    const ns = cf.kv.createNamespace("TTL");
    const err = await apiError(
      client.kv.namespaces.values.update("short", { account_id, namespace_id: ns.id, value: "x", expiration_ttl: 30 }),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.errors[0]?.message).toBe("Invalid expiration_ttl of 30. Expiration TTL must be at least 60.");

    cf.setNow(Date.parse("2030-06-01T12:00:00Z"));
    await client.kv.namespaces.values.update("counter", { account_id, namespace_id: ns.id, value: "3", expiration_ttl: 3600 });
    const [listed] = (await client.kv.namespaces.keys.list(ns.id, { account_id })).result;
    expect(listed).toMatchObject({ name: "counter", expiration: Date.parse("2030-06-01T13:00:00Z") / 1000 });

    cf.advance(3599_000);
    expect(cf.kv.get(ns.id, "counter")).toBeDefined();
    cf.advance(1_000);
    expect(cf.kv.get(ns.id, "counter")).toBeUndefined();
    const gone = await apiError(client.kv.namespaces.values.get("counter", { account_id, namespace_id: ns.id }));
    expect(gone.errors[0]?.code).toBe(10009);
    expect((await client.kv.namespaces.keys.list(ns.id, { account_id })).result).toEqual([]);
  });

  it("lists 2,500 keys in cursor pages of 1000, sorted, with prefix and limit checks", async () => {
    const ns = cf.kv.createNamespace("MANY");
    const keys = Array.from({ length: 2500 }, (_, i) => `rooms:${String(i).padStart(4, "0")}`);
    for (const k of [...keys].reverse()) cf.kv.put(ns.id, k, "1");
    cf.kv.put(ns.id, "other", "1");

    const start = cf.requests.length;
    const listed: string[] = [];
    for await (const k of client.kv.namespaces.keys.list(ns.id, { account_id, prefix: "rooms:" })) listed.push(k.name);
    expect(listed).toEqual(keys);
    const pages = requestsSince(start);
    expect(pages.map((r) => r.query.cursor !== undefined)).toEqual([false, true, true]);

    const first = await client.kv.namespaces.keys.list(ns.id, { account_id, limit: 10 });
    expect(first.result).toHaveLength(10);
    expect(first.result_info.cursor).toBeTruthy();
    const tooSmall = await apiError(client.kv.namespaces.keys.list(ns.id, { account_id, limit: 5 }));
    expect(tooSmall).toBeInstanceOf(BadRequestError);
  });

  it("bulk write reports unsuccessful keys; a retry writes them", async () => {
    const ns = cf.kv.createNamespace("BULK");
    cf.kv.failBulkKeys((k) => k.endsWith("7"), 1);
    const body = Array.from({ length: 20 }, (_, i) => ({ key: `k:${i}`, value: `v${i}`, metadata: { i } }));
    const first = await client.kv.namespaces.bulkUpdate(ns.id, { account_id, body });
    expect(first).toEqual({ successful_key_count: 18, unsuccessful_keys: ["k:7", "k:17"] });
    expect(cf.kv.get(ns.id, "k:7")).toBeUndefined();

    const retry = await client.kv.namespaces.bulkUpdate(ns.id, {
      account_id,
      body: body.filter((p) => first!.unsuccessful_keys!.includes(p.key)),
    });
    expect(retry).toEqual({ successful_key_count: 2, unsuccessful_keys: [] });
    expect(cf.kv.keys(ns.id)).toHaveLength(20);

    const b64 = await client.kv.namespaces.bulkUpdate(ns.id, {
      account_id,
      body: [{ key: "img", value: Buffer.from([1, 2, 3]).toString("base64"), base64: true, expiration_ttl: 120 }],
    });
    expect(b64?.successful_key_count).toBe(1);
    expect(cf.kv.get(ns.id, "img")?.value).toEqual(new Uint8Array([1, 2, 3]));

    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ key: `x${i}`, value: "" }));
    const err = await apiError(client.kv.namespaces.bulkUpdate(ns.id, { account_id, body: tooMany }));
    expect(err.status).toBe(413);
  });

  it("bulk get (text, json, with metadata) and bulk delete", async () => {
    const ns = cf.kv.createNamespace("BULKGET");
    cf.kv.put(ns.id, "a", '{"n":1}', { metadata: { m: true } });
    cf.kv.put(ns.id, "b", "plain");

    const text = await client.kv.namespaces.bulkGet(ns.id, { account_id, keys: ["a", "missing"] });
    expect(text).toEqual({ values: { a: '{"n":1}', missing: null } });
    const asJson = await client.kv.namespaces.bulkGet(ns.id, { account_id, keys: ["a"], type: "json", withMetadata: true });
    expect(asJson).toEqual({ values: { a: { value: { n: 1 }, metadata: { m: true } } } });
    const tooMany = await apiError(client.kv.namespaces.bulkGet(ns.id, { account_id, keys: Array.from({ length: 101 }, (_, i) => `k${i}`) }));
    expect(tooMany).toBeInstanceOf(BadRequestError);

    await expect(client.kv.namespaces.bulkDelete(ns.id, { account_id, body: ["a", "b", "never-there"] })).resolves.toEqual({
      successful_key_count: 3,
      unsuccessful_keys: [],
    });
    expect(cf.kv.keys(ns.id)).toEqual([]);
  });

  it("lists namespaces with page/per_page", async () => {
    const titles = new Set<string>();
    for await (const ns of client.kv.namespaces.list({ account_id, per_page: 3 })) titles.add(ns.title);
    expect(titles.has("CACHE")).toBe(true);
    expect(titles.has("BULKGET")).toBe(true);
  });
});

describe("R2 buckets", () => {
  it("gets an existing bucket and answers 10006 for a missing one", async () => {
    cf.r2.createBucket("kanvas-images");
    await expect(client.r2.buckets.get("kanvas-images", { account_id })).resolves.toMatchObject({ name: "kanvas-images" });
    const err = await apiError(client.r2.buckets.get("nope-bucket", { account_id }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.errors).toEqual([{ code: 10006, message: "The specified bucket does not exist." }]);
  });
});

describe("faults", () => {
  it("injects a 429 with Retry-After; an SDK with retries honours it and succeeds", async () => {
    cf.faults.inject({ status: 429, retryAfter: "1", match: { method: "GET", path: /\/d1\/database$/ } });
    const err = await apiError(client.d1.database.list({ account_id }));
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.headers?.get("retry-after")).toBe("1");
    expect(err.errors[0]?.code).toBe(971);

    cf.faults.inject({ status: 429, retryAfter: "0" });
    const retrying = new Cloudflare({ apiToken: cf.token, baseURL: cf.baseURL, maxRetries: 1 });
    const start = cf.requests.length;
    await expect(retrying.user.tokens.verify()).resolves.toMatchObject({ status: "active" });
    expect(requestsSince(start).map((r) => r.status)).toEqual([429, 200]);
  });

  it("drops a connection without an answer (SDK: APIConnectionError)", async () => {
    cf.faults.inject({ drop: true });
    const start = cf.requests.length;
    const err = await apiError(client.user.tokens.verify());
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(requestsSince(start).map((r) => r.status)).toEqual([0]);
    await expect(client.user.tokens.verify()).resolves.toMatchObject({ status: "active" });
  });

  it("delays, and answers 502 with Cloudflare's HTML error page", async () => {
    cf.faults.inject({ delayMs: 150 });
    const t0 = Date.now();
    await client.user.tokens.verify();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    cf.faults.inject({ status: 502 });
    const err = await apiError(client.user.tokens.verify());
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err.status).toBe(502);
  });

  it("applies faults only to matching requests, as many times as asked", async () => {
    cf.faults.inject({ status: 500, times: 2, match: { method: "POST" } });
    await client.user.tokens.verify(); // GET: untouched
    const { uuid } = cf.d1.createDatabase("kanvas-faults");
    for (let i = 0; i < 2; i++) expect(await apiError(client.d1.database.query(uuid, { account_id, sql: "SELECT 1" }))).toBeInstanceOf(InternalServerError);
    await expect(client.d1.database.query(uuid, { account_id, sql: "SELECT 1" })).resolves.toBeDefined();
  });

  it("a seeded random mix replays identically", async () => {
    const run = async (): Promise<number[]> => {
      cf.faults.randomly({ rate: 0.6, seed: 42, kinds: ["429", "500", "502", "503", "drop", "slow"], slowMs: 5 });
      const start = cf.requests.length;
      for (let i = 0; i < 30; i++) await client.user.tokens.verify().catch(() => undefined);
      cf.faults.clear();
      return requestsSince(start).map((r) => r.status);
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(new Set(a)).toEqual(new Set([0, 200, 429, 500, 502, 503]));
  });
});

describe("OpenAPI validation", () => {
  const validator = new OpenApiValidator();

  it("catches answers off the description", () => {
    const ok = { success: true, errors: [], messages: [] };
    expect(validator.validateBody("d1-query-database", "200", { ...ok, result: [{ results: [], success: true, meta: {} }] })).toBeUndefined();
    expect(validator.validateBody("d1-query-database", "200", { ...ok, result: { results: [] } })).toMatch(/result must be array/);
    expect(validator.validateBody("d1-query-database", "4XX", { success: false, errors: [{ code: 7500, message: "x" }], messages: [], result: [] })).toBeDefined();
    expect(validator.validateBody("workers-kv-namespace-list-a-namespace'-s-keys", "200", { ...ok, result: [{ metadata: {} }] })).toMatch(/name/);
    expect(validator.validateBody("d1-list-databases", "200", { ...ok, result: [{ uuid: "x", jurisdiction: "mars" }] })).toMatch(/jurisdiction/);
  });

  it("checks status and content type against the operation", () => {
    const base = { method: "GET", pathname: `/client/v4/accounts/${"a".repeat(32)}/storage/kv/namespaces/ns/values/k%2F1` };
    expect(validator.validate({ ...base, status: 200, contentType: "application/octet-stream", body: "raw" })).toBeUndefined();
    expect(validator.validate({ ...base, status: 200, contentType: "application/json", body: "{}" })).toMatch(/content-type/);
    expect(validator.validate({ ...base, status: 500, contentType: "application/json", body: "{}" })).toMatch(/status 500 is not declared/);
    expect(validator.validate({ method: "GET", pathname: "/not/the/api", status: 200, contentType: null, body: "" })).toBeUndefined();
  });

  it("documents its patches to the description", () => {
    expect(SPEC_PATCHES.map((p) => p.where)).toHaveLength(4);
  });
});
