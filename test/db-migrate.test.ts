import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempProject, type TempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

const kanvas = (p: TempProject, args: string, opts: { tty?: boolean; stdin?: string; env?: Record<string, string> } = {}) =>
  runKanvas(args, { cwd: p.dir, ...opts });

const q = (p: TempProject, sql: string) => runKanvas(["db", "query", sql, "--json"], { cwd: p.dir }).then((r) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
});

describe("kanvas db migrate (local)", () => {
  it("applies the Kanvas schema on a fresh project, then has nothing to do; the app's join gives the right numbers", async () => {
    const p = tempProject();
    const first = await kanvas(p, "db migrate");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("0000_kanvas_schema.sql");
    expect(first.stdout).toMatch(/Applied 1 migration\(s\) to the local database/);
    const second = await kanvas(p, "db migrate");
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Nothing to do: all 1 migration\(s\) in migrations are applied/);

    const tables = await q(p, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["assets", "d1_migrations", "room_participants", "rooms", "users"]));
    const idx = await q(p, "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'idx_users_email'");
    expect(idx).toHaveLength(1);

    const seed = p.write(
      "seed.sql",
      `INSERT INTO users (id, email, name) VALUES ('u1', 'ada@example.com', 'Ada'), ('u2', 'bob@example.com', 'Bob'), ('u3', 'cy@example.com', 'Cy');
INSERT INTO rooms (id, name, owner_id) VALUES ('r1', 'Sketches', 'u1'), ('r2', 'Plans', 'u2'), ('r3', 'Empty', 'u3');
INSERT INTO room_participants (room_id, user_id) VALUES ('r1', 'u1'), ('r1', 'u2'), ('r1', 'u3'), ('r2', 'u1');`,
    );
    const s = await runKanvas(["db", "query", "--file", seed], { cwd: p.dir });
    expect(s.code, s.stderr).toBe(0);
    // The app's own query: rooms with creator name and participant count, grouped by room.
    const join = await q(
      p,
      `SELECT rooms.id, rooms.name, users.name AS creator, count(room_participants.user_id) AS participants
       FROM rooms LEFT JOIN users ON rooms.owner_id = users.id LEFT JOIN room_participants ON rooms.id = room_participants.room_id
       GROUP BY rooms.id ORDER BY rooms.id`,
    );
    expect(join).toEqual([
      { id: "r1", name: "Sketches", creator: "Ada", participants: 3 },
      { id: "r2", name: "Plans", creator: "Bob", participants: 1 },
      { id: "r3", name: "Empty", creator: "Cy", participants: 0 },
    ]);
    const dup = await runKanvas(["db", "query", "INSERT INTO users (id, email) VALUES ('u9', 'ada@example.com')"], { cwd: p.dir });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/UNIQUE constraint failed: users.email/);
  });

  it("--json gives { target, applied, pending, bookmark }; status lists applied with time; --check gates", async () => {
    const p = tempProject({ files: { "migrations/0001_topic.sql": "ALTER TABLE rooms ADD COLUMN topic TEXT;" } });
    const before = await kanvas(p, "db migrate status --check");
    expect(before.code).toBe(5);
    expect(before.stdout).toMatch(/0000_kanvas_schema.sql\s+pending/);
    const r = await kanvas(p, "db migrate --json");
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ target: "local", pending: [], bookmark: null });
    expect(json.applied.map((a: { name: string }) => a.name)).toEqual(["0000_kanvas_schema.sql", "0001_topic.sql"]);
    const st = await kanvas(p, "db migrate status --check --json");
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.summary).toEqual({ applied: 2, pending: 0, drifted: 0, missing: 0 });
    expect(status.migrations[1].applied_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("stops with exit 5 on a changed or vanished applied file, naming it; --allow-drift goes on and records the new checksum", async () => {
    const p = tempProject({ files: { "migrations/0001_topic.sql": "ALTER TABLE rooms ADD COLUMN topic TEXT;" } });
    expect((await kanvas(p, "db migrate")).code).toBe(0);
    writeFileSync(p.file("migrations/0001_topic.sql"), "ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';");
    p.write("migrations/0002_more.sql", "CREATE TABLE more (x TEXT);");
    const drift = await kanvas(p, "db migrate");
    expect(drift.code).toBe(5);
    expect(drift.stderr).toMatch(/Drift: 0001_topic.sql changed after it was applied.*--allow-drift/);
    expect(await q(p, "SELECT name FROM sqlite_master WHERE name = 'more'")).toEqual([]);
    const st = await kanvas(p, "db migrate status");
    expect(st.stdout).toMatch(/0001_topic.sql\s+drifted/);

    const allowed = await kanvas(p, "db migrate --allow-drift");
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/0001_topic.sql changed after it was applied \(--allow-drift/);
    expect((await kanvas(p, "db migrate")).code).toBe(0);

    // A vanished file.
    rmSync(p.file("migrations/0002_more.sql"));
    const missing = await kanvas(p, "db migrate");
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/0002_more.sql was applied but its file is gone/);
  });

  it("adopts checksums of migrations applied by someone else (wrangler's table only), even with nothing to apply", async () => {
    const p = tempProject({ files: { "migrations/0001_topic.sql": "ALTER TABLE rooms ADD COLUMN topic TEXT;" } });
    // What wrangler leaves behind: the schema, and its d1_migrations table with the names; no kanvas tables.
    const schema = readFileSync(p.file("migrations/0000_kanvas_schema.sql"), "utf8") + ";\nALTER TABLE rooms ADD COLUMN topic TEXT;";
    p.write("as-wrangler.sql", `${schema};
CREATE TABLE IF NOT EXISTS d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);
INSERT INTO d1_migrations (name) VALUES ('0000_kanvas_schema.sql'), ('0001_topic.sql');`);
    expect((await kanvas(p, "db query --file as-wrangler.sql")).code).toBe(0);
    const st = await kanvas(p, "db migrate status --json");
    expect(JSON.parse(st.stdout).migrations[1]).toMatchObject({ name: "0001_topic.sql", state: "applied", checksum_recorded: false });
    const r = await kanvas(p, "db migrate");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Nothing to do");
    expect(await q(p, "SELECT name FROM kanvas_migrations ORDER BY name")).toEqual([{ name: "0000_kanvas_schema.sql" }, { name: "0001_topic.sql" }]);
    writeFileSync(p.file("migrations/0001_topic.sql"), "ALTER TABLE rooms ADD COLUMN topic2 TEXT;");
    expect((await kanvas(p, "db migrate")).code).toBe(5);
  });

  it("uses the binding's migrations_table override (as wrangler does)", async () => {
    const p = tempProject({ wrangler: wranglerToml({ d1: { migrationsTable: "schema_history" } }) });
    expect((await kanvas(p, "db migrate")).code).toBe(0);
    expect(await q(p, "SELECT name FROM schema_history")).toEqual([{ name: "0000_kanvas_schema.sql" }]);
    expect(await q(p, "SELECT name FROM sqlite_master WHERE name = 'd1_migrations'")).toEqual([]);
  });

  it("refuses a pending file that sorts before an applied one unless --allow-out-of-order", async () => {
    const p = tempProject({ files: { "migrations/0005_late.sql": "CREATE TABLE late (x TEXT);" } });
    expect((await kanvas(p, "db migrate")).code).toBe(0);
    p.write("migrations/0003_early.sql", "CREATE TABLE early (x TEXT);");
    const r = await kanvas(p, "db migrate");
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/Out of order: 0003_early.sql is pending but sorts before/);
    const ok = await kanvas(p, "db migrate --allow-out-of-order");
    expect(ok.code, ok.stderr).toBe(0);
    expect(await q(p, "SELECT name FROM sqlite_master WHERE name = 'early'")).toHaveLength(1);
  });

  it("a failing migration leaves neither its changes nor its bookkeeping row, and says which statement failed", async () => {
    const p = tempProject({
      files: {
        "migrations/0001_ok.sql": "CREATE TABLE ok1 (x TEXT);",
        "migrations/0002_bad.sql": "CREATE TABLE half (x TEXT);\nINSERT INTO half VALUES ('a');\nINSERT INTO nope VALUES (1);\nCREATE TABLE after_bad (y TEXT);",
        "migrations/0003_never.sql": "CREATE TABLE never (x TEXT);",
      },
    });
    const r = await kanvas(p, "db migrate");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/0002_bad.sql failed at line 3: INSERT INTO nope VALUES \(1\)/);
    expect(r.stderr).toMatch(/no such table: nope/);
    expect(r.stderr).toMatch(/Nothing from 0002_bad.sql was applied.*the 2 migration\(s\) before it in this run are applied/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const names = await q(p, "SELECT name FROM d1_migrations ORDER BY id");
    expect(names.map((n) => n.name)).toEqual(["0000_kanvas_schema.sql", "0001_ok.sql"]);
    expect(await q(p, "SELECT name FROM sqlite_master WHERE name IN ('half', 'after_bad', 'never')")).toEqual([]);
    // The lock was released: the next run (after a fix) goes through.
    writeFileSync(p.file("migrations/0002_bad.sql"), "CREATE TABLE half (x TEXT);");
    expect((await kanvas(p, "db migrate")).code).toBe(0);
  });

  it("destructive statements: refused without a terminal unless --allow-destructive; --dry-run shows them and writes nothing", async () => {
    const p = tempProject({ files: { "migrations/0001_drop.sql": "DROP TABLE assets;\nDELETE FROM rooms;" } });
    const dry = await kanvas(p, "db migrate --dry-run --json");
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.pending).toEqual(["0000_kanvas_schema.sql", "0001_drop.sql"]);
    expect(plan.plan[1].statements.map((s: { destructive?: string }) => s.destructive)).toEqual(["DROP TABLE assets", "DELETE without WHERE"]);
    // Nothing written: not even the bookkeeping tables.
    expect(await q(p, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'")).toEqual([]);

    const refused = await kanvas(p, "db migrate");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/0001_drop.sql: DROP TABLE assets; 0001_drop.sql: DELETE without WHERE.*--allow-destructive/);
    expect(await q(p, "SELECT name FROM sqlite_master WHERE name = 'users'")).toEqual([]);

    const ok = await kanvas(p, "db migrate --allow-destructive");
    expect(ok.code, ok.stderr).toBe(0);
    expect(await q(p, "SELECT name FROM sqlite_master WHERE name IN ('users', 'assets') ORDER BY name")).toEqual([{ name: "users" }]);
    const audit = readFileSync(p.file(".wrangler/kanvas/audit.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({ command: "db migrate", target: "local", outcome: "ok", counts: { applied: 2 } });
  });

  it("drops BEGIN/COMMIT with a note and runs the rest as one unit", async () => {
    const p = tempProject({ files: { "migrations/0001_tx.sql": "BEGIN TRANSACTION;\r\nCREATE TABLE tx (x TEXT);\r\nCOMMIT;\r\n" } });
    const r = await kanvas(p, "db migrate");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: 0001_tx.sql: dropped BEGIN TRANSACTION, COMMIT/);
    expect(await q(p, "SELECT name FROM sqlite_master WHERE name = 'tx'")).toHaveLength(1);
  });

  it("a stale lock expires; a live one makes the run wait and exit 5 naming the holder; --force-unlock removes it", async () => {
    const p = tempProject({ files: { "migrations/0001_a.sql": "CREATE TABLE a (x TEXT);" } });
    expect((await kanvas(p, "db migrate")).code).toBe(0);
    p.write("migrations/0002_b.sql", "CREATE TABLE b (x TEXT);");
    const future = Date.now() + 3_600_000;
    await q(p, `INSERT INTO kanvas_migrations_lock (id, holder, acquired_at, expires_at) VALUES (1, 'ci-job-41:1234:abc', ${Date.now()}, ${future})`);
    const held = await kanvas(p, "db migrate --lock-timeout 1s");
    expect(held.code).toBe(5);
    expect(held.stderr).toMatch(/Another migration run holds the lock: ci-job-41:1234:abc.*--force-unlock/);
    expect(held.stderr).toMatch(/Waiting for the migration lock held by ci-job-41:1234:abc/);

    await q(p, `UPDATE kanvas_migrations_lock SET expires_at = ${Date.now() - 1000}`);
    const stale = await kanvas(p, "db migrate --lock-timeout 1s");
    expect(stale.code, stale.stderr).toBe(0);
    expect(await q(p, "SELECT count(*) AS n FROM kanvas_migrations_lock")).toEqual([{ n: 0 }]);

    await q(p, `INSERT INTO kanvas_migrations_lock (id, holder, acquired_at, expires_at) VALUES (1, 'stuck:1:x', ${Date.now()}, ${future})`);
    const unlock = await kanvas(p, "db migrate --force-unlock");
    expect(unlock.code).toBe(0);
    expect(unlock.stdout).toMatch(/Removed the migration lock held by stuck:1:x/);
    expect(await q(p, "SELECT count(*) AS n FROM kanvas_migrations_lock")).toEqual([{ n: 0 }]);
  });

  it("kanvas db migrate create writes the next numbered empty file, which migrate then refuses as empty", async () => {
    const p = tempProject();
    const r = await kanvas(p, 'db migrate create "add room topic"');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(p.file("migrations")).filter((n) => n.endsWith(".sql"))).toEqual(["0000_kanvas_schema.sql", "0001_add_room_topic.sql"]);
    expect(readFileSync(p.file("migrations/0001_add_room_topic.sql"), "utf8")).toMatch(/^-- Migration number: 0001 \t \d{4}-/);
    const m = await kanvas(p, "db migrate");
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/0001_add_room_topic.sql has no SQL statements/);
    expect(await q(p, "SELECT name FROM sqlite_master WHERE name = 'users'")).toEqual([]);
    const bad = await kanvas(p, 'db migrate create "bad/name"');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/<name>: use letters, digits/);
  });
});

