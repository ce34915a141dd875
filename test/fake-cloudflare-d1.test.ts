/** The fake Cloudflare API's D1 endpoints, driven by the real `cloudflare` SDK (see fake-cloudflare.test.ts). */
import { BadRequestError, NotFoundError } from "cloudflare";
import { describe, expect, it } from "vitest";
import { md5 } from "./helpers/fake-cloudflare/d1/imports.js";
import { account_id, apiError, cf, client, useFakeCloudflareSdk } from "./helpers/fake-cloudflare/sdk-harness.js";

useFakeCloudflareSdk();

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
