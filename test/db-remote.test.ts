import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject, type TempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";

let fake: FakeCloudflare;
let db: { uuid: string };
beforeEach(async () => {
  fake = await startFakeCloudflare();
  // A decoy whose name contains ours: the list API filters by substring, kanvas must match exactly.
  fake.d1.createDatabase("kanvas-db-staging");
  db = fake.d1.createDatabase("kanvas-db");
});
afterEach(async () => {
  expect(fake.unmatched).toEqual([]);
  expect(fake.schemaErrors).toEqual([]);
  expect(fake.internalErrors).toEqual([]);
  await fake.close();
});

const env = () => ({ CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL, KANVAS_RETRY_BASE_MS: "1" });
const remote = (p: TempProject, args: string | string[], extra: Record<string, string> = {}) => runKanvas(args, { cwd: p.dir, env: { ...env(), ...extra } });
const queries = (from = 0) => fake.requests.slice(from).filter((r) => r.method === "POST" && r.path.endsWith(`/d1/database/${db.uuid}/query`));
const tables = () => fake.d1.exec(db.uuid, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' ORDER BY name").map((r) => r.name);

const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`migrations/${String(i + 1).padStart(4, "0")}_t${i + 1}.sql`, `CREATE TABLE t${i + 1} (x TEXT);\nINSERT INTO t${i + 1} VALUES ('a');\nINSERT INTO t${i + 1} VALUES ('b');`]));

describe("kanvas db migrate --remote (fake Cloudflare API)", () => {
  it("finds the database by exact name, sends one /query per migration, records a bookmark and prints the restore command", async () => {
    const p = tempProject({ files: many(5) });
    const before = fake.d1.currentBookmark(db.uuid);
    const r = await remote(p, "db migrate --remote --json");
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ target: "remote", pending: [], bookmark: before });
    expect(json.applied).toHaveLength(6);
    expect(r.stderr).toContain(`to undo: kanvas db restore --bookmark ${before} --remote`);
    // 6 migrations (3 statements each + bookkeeping) → 6 requests, plus: read state, lock+read, release.
    expect(queries()).toHaveLength(6 + 3);
    expect(fake.requests.filter((q) => q.path.endsWith("/time_travel/bookmark"))).toHaveLength(1);
    expect(tables()).toEqual(expect.arrayContaining(["d1_migrations", "kanvas_migrations", "users", "t5"]));
    expect(fake.d1.exec(db.uuid, "SELECT count(*) AS n FROM d1_migrations")).toEqual([{ n: 6 }]);

    const n = fake.requests.length;
    const again = await remote(p, "db migrate --remote");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Nothing to do");
    expect(queries(n)).toHaveLength(2); // reads only: no lock, no writes
  });

  it("db restore puts the database back to the bookmark (asks first; --yes where no one can answer)", async () => {
    const p = tempProject();
    const first = await remote(p, "db migrate --remote --json");
    const bookmark = JSON.parse(first.stdout).bookmark as string;
    expect(tables()).toContain("users");

    const refused = await remote(p, `db restore --bookmark ${bookmark} --remote`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing without --yes/);
    expect(tables()).toContain("users");

    const dry = await remote(p, `db restore --bookmark ${bookmark} --remote --dry-run`);
    expect(dry.code).toBe(0);
    expect(tables()).toContain("users");

    const r = await remote(p, `db restore --bookmark ${bookmark} --remote --yes`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Restored the remote database to ${bookmark}`);
    expect(tables()).toEqual([]); // the bookmark predates even the bookkeeping tables
    const audit = readFileSync(p.file(".wrangler/kanvas/audit.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({ command: "db restore", target: "remote", outcome: "ok", details: { bookmark } });

    const local = await runKanvas(`db restore --bookmark ${bookmark}`, { cwd: p.dir });
    expect(local.code).toBe(2);
    expect(local.stderr).toContain("add --remote");
  });

  it("a dropped connection after D1 applied the batch is settled by reading d1_migrations, not by re-sending", async () => {
    const p = tempProject({ files: many(1) });
    expect((await remote(p, "db migrate --remote")).code).toBe(0);
    p.write("migrations/0002_next.sql", "CREATE TABLE next1 (x TEXT);");
    // /query 1-2 read the state, 3 takes the lock, 4 is the migration's batch: run it, then drop the connection.
    fake.faults.inject({ match: { method: "POST", path: /\/query$/ }, times: 1, dropAfter: true, skip: 3 });
    const r = await remote(p, "db migrate --remote");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("the migrations table confirms it landed");
    expect(fake.d1.exec(db.uuid, "SELECT count(*) AS n FROM d1_migrations WHERE name = '0002_next.sql'")).toEqual([{ n: 1 }]);
  });

  it("a migration over the import threshold goes through the import API with the same bookkeeping", async () => {
    const row = "x".repeat(90_000);
    const big = Array.from({ length: 60 }, () => `INSERT INTO big VALUES ('${row}');`).join("\n");
    const p = tempProject({ files: { "migrations/0001_big.sql": `CREATE TABLE big (v TEXT);\n${big}` } });
    const r = await remote(p, "db migrate --remote");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/0001_big.sql \(\d+ ms, import API\)/);
    expect(fake.d1.exec(db.uuid, "SELECT count(*) AS n FROM big")).toEqual([{ n: 60 }]);
    expect(fake.d1.exec(db.uuid, "SELECT name FROM d1_migrations ORDER BY id").map((x) => x.name)).toEqual(["0000_kanvas_schema.sql", "0001_big.sql"]);
    expect(fake.requests.filter((q) => q.path.endsWith("/import")).length).toBeGreaterThanOrEqual(3);
  });

  it("refuses a statement over D1's 100 KB limit before sending anything", async () => {
    const p = tempProject({ files: { "migrations/0001_huge.sql": `INSERT INTO users (id, email) VALUES ('u', '${"y".repeat(120_000)}');` } });
    const r = await remote(p, "db migrate --remote");
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/0001_huge.sql line 1: a statement of 120,\d+ bytes is over D1's limit of 100,000 bytes/);
    expect(tables()).toEqual([]);
  });

  it("two concurrent runs never both apply: the second waits for the lock", async () => {
    const p = tempProject({ files: many(12) });
    // 1.5 s per query: b starts before a is done even when starting a process takes seconds (load).
    fake.faults.inject({ match: { method: "POST", path: /\/query$/ }, times: 80, delayMs: 1_500 });
    const a = spawnKanvas("db migrate --remote --json", { cwd: p.dir, env: env() });
    await a.waitFor("✔ 0000_kanvas_schema.sql");
    const b = spawnKanvas("db migrate --remote --json", { cwd: p.dir, env: env() });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const applied = [...JSON.parse(ra.stdout).applied, ...JSON.parse(rb.stdout).applied].map((x: { name: string }) => x.name);
    expect(applied.sort()).toEqual(["0000_kanvas_schema.sql", ...Object.keys(many(12)).map((k) => k.slice("migrations/".length))].sort());
    expect(rb.stderr + ra.stderr).toContain("Waiting for the migration lock held by");
    expect(fake.d1.exec(db.uuid, "SELECT count(*) AS n FROM kanvas_migrations_lock")).toEqual([{ n: 0 }]);
  }, 240_000);
});

describe("remote bad input", () => {
  it("a database_id that does not exist exits 4; no database of that name exits 4; an unreachable API exits 1", async () => {
    const p = tempProject({ wrangler: wranglerToml({ d1: { databaseId: "11111111-2222-4333-8444-555555555555" } }) });
    const r = await remote(p, "db migrate --remote");
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/does not exist in account .*check database_id/);
    const rq = await remote(p, "db query \"SELECT 1\" --remote");
    expect(rq.code).toBe(4);
    expect(rq.stderr).toMatch(/does not exist in account/);

    const q = tempProject({ wrangler: wranglerToml({ d1: { databaseName: "kanvas" } }) });
    const r2 = await remote(q, "db migrate status --remote");
    expect(r2.code).toBe(4);
    expect(r2.stderr).toMatch(/No D1 database named "kanvas"/);

    const r3 = await remote(p, "db query \"SELECT 1\" --remote", { CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4", KANVAS_MAX_RETRIES: "0" });
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/could not reach the Cloudflare API/);
  });

  it("db query --remote: reads run, writes need --yes without a terminal; SQL errors show D1's message and the statement", async () => {
    const p = tempProject();
    expect((await remote(p, "db migrate --remote")).code).toBe(0);
    const w = await remote(p, ["db", "query", "INSERT INTO users (id, email) VALUES ('u1', 'a@b.c')", "--remote"]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/refusing without --yes/);
    expect(fake.d1.exec(db.uuid, "SELECT count(*) AS n FROM users")).toEqual([{ n: 0 }]);
    const ok = await remote(p, ["db", "query", "INSERT INTO users (id, email) VALUES (?, ?)", "--param", "u1", "--param", "a@b.c", "--remote", "--yes"]);
    expect(ok.code, ok.stderr).toBe(0);
    const read = await remote(p, ["db", "query", "SELECT id, email FROM users WHERE id = ?", "--param", "u1", "--remote", "--json"]);
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual([{ id: "u1", email: "a@b.c" }]);
    expect(read.stderr).toMatch(/rows read \d+, rows written 0/);
    const bad = await remote(p, ["db", "query", "SELECT * FROM nope", "--remote"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no such table: nope.*in: SELECT \* FROM nope/);
    expect(bad.stderr).not.toContain(fake.token);
  });
});
