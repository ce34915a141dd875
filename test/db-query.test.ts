import { describe, expect, it, vi } from "vitest";
import { tempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

// Several Miniflare starts per case on a shared, loaded machine.
vi.setConfig({ testTimeout: 300_000 });

describe("kanvas db query (local)", () => {
  it("binds --param values, prints a table, --json, --csv and --ndjson, and the meta on stderr", async () => {
    const p = tempProject({ migrations: false, files: { "migrations/0001_t.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT);" } });
    expect((await runKanvas("db migrate", { cwd: p.dir })).code).toBe(0);
    const ins = await runKanvas(["db", "query", "INSERT INTO t (id, name, note) VALUES (?, ?, ?), (2, 'b', NULL)", "--param", "1", "--param", "O'Brien; DROP TABLE t", "--param", 'say "hi", then\nleave'], { cwd: p.dir });
    expect(ins.code, ins.stderr).toBe(0);
    expect(ins.stderr).toMatch(/rows read \d+, rows written 2/);

    const table = await runKanvas(["db", "query", "SELECT id, name FROM t WHERE id = ?", "--param", "1"], { cwd: p.dir });
    expect(table.code).toBe(0);
    expect(table.stdout).toBe("id  name\n1   O'Brien; DROP TABLE t\n");

    const json = await runKanvas(["db", "query", "SELECT * FROM t ORDER BY id", "--json"], { cwd: p.dir });
    expect(JSON.parse(json.stdout)).toEqual([
      { id: 1, name: "O'Brien; DROP TABLE t", note: 'say "hi", then\nleave' },
      { id: 2, name: "b", note: null },
    ]);
    const csv = await runKanvas(["db", "query", "SELECT * FROM t ORDER BY id", "--csv"], { cwd: p.dir });
    expect(csv.stdout).toBe('id,name,note\r\n1,O\'Brien; DROP TABLE t,"say ""hi"", then\nleave"\r\n2,b,\r\n');
    const nd = await runKanvas(["db", "query", "SELECT id FROM t ORDER BY id", "--ndjson"], { cwd: p.dir });
    expect(nd.stdout).toBe('{"id":1}\n{"id":2}\n');
    // "007" stays text, 5 binds as a number (LIMIT needs one).
    const lim = await runKanvas(["db", "query", "SELECT ? AS code FROM t LIMIT ?", "--param", "007", "--param", "1", "--json"], { cwd: p.dir });
    expect(JSON.parse(lim.stdout)).toEqual([{ code: "007" }]);
  });

  it("runs a --file of several statements as one batch; one failing statement leaves nothing", async () => {
    const p = tempProject({ migrations: false, files: { "migrations/0001_t.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);" } });
    expect((await runKanvas("db migrate", { cwd: p.dir })).code).toBe(0);
    p.write("bad.sql", "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);");
    const bad = await runKanvas("db query --file bad.sql", { cwd: p.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/UNIQUE constraint failed: t.id.*none were applied/);
    const count = await runKanvas(["db", "query", "SELECT count(*) AS n FROM t", "--json"], { cwd: p.dir });
    expect(JSON.parse(count.stdout)).toEqual([{ n: 0 }]);
  });

  it("bad input: one line, non-zero exit, no stack", async () => {
    const p = tempProject();
    const cases: Array<[string[], number, RegExp]> = [
      [["db", "query"], 2, /give the SQL either as an argument or with --file/],
      [["db", "query", "SELECT 1", "--file", "x.sql"], 2, /give the SQL either as an argument or with --file/],
      [["db", "query", "--file", "missing.sql"], 2, /--file missing.sql: no such file/],
      [["db", "query", " ; /* nothing */"], 2, /has no statement to run/],
      [["db", "query", "SELECT 1; SELECT ?", "--param", "1"], 2, /--param binds to a single statement/],
      [["db", "query", "SELEC 1"], 1, /near "SELEC": syntax error.*in: SELEC 1/],
      [["db", "query", "SELECT * FROM nope"], 1, /no such table: nope/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runKanvas(args, { cwd: p.dir });
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe("kanvas db migrate: bad input (one line, non-zero exit, nothing written)", () => {
  it("missing folder, no migrations, non-UTF-8 file, syntax error, unknown binding, --remote without an id", async () => {
    const noFolder = tempProject({ migrations: false });
    let r = await runKanvas("db migrate", { cwd: noFolder.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Migrations folder migrations does not exist.*kanvas db migrate create/);

    const empty = tempProject({ migrations: false, files: { "migrations/README.md": "none yet" } });
    r = await runKanvas("db migrate", { cwd: empty.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No migrations in migrations \(no \*\.sql files\)/);

    const dup = tempProject({ files: { "migrations/0000_again.sql": "SELECT 1;" } });
    r = await runKanvas("db migrate", { cwd: dup.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0000_again.sql and 0000_kanvas_schema.sql in migrations have the same number 0; renumber one/);

    const latin1 = tempProject({ migrations: false });
    latin1.write("migrations/0001_ok.sql", "CREATE TABLE ok (x TEXT);");
    latin1.write("migrations/0002_latin1.sql", Buffer.from([0x49, 0x4e, 0x53, 0x45, 0x52, 0x54, 0x20, 0x27, 0xe9, 0x27, 0x3b]));
    r = await runKanvas("db migrate", { cwd: latin1.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0002_latin1.sql is not valid UTF-8 text/);
    // Refused before anything was written: not even 0001 or the bookkeeping tables.
    let t = await runKanvas(["db", "query", "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'", "--json"], { cwd: latin1.dir });
    expect(JSON.parse(t.stdout)).toEqual([]);

    const syntax = tempProject({ migrations: false, files: { "migrations/0001_bad.sql": "CREATE TABLE ok (x TEXT);\nCREAT TABLE oops (y TEXT);" } });
    r = await runKanvas("db migrate", { cwd: syntax.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/0001_bad.sql failed at line 2: CREAT TABLE oops \(y TEXT\) — D1 said: .*syntax error/);
    t = await runKanvas(["db", "query", "SELECT name FROM sqlite_master WHERE name = 'ok'", "--json"], { cwd: syntax.dir });
    expect(JSON.parse(t.stdout)).toEqual([]);

    const noBinding = tempProject({ wrangler: wranglerToml({ d1: { binding: "OTHER_DB" } }) });
    r = await runKanvas("db migrate", { cwd: noBinding.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no \[\[d1_databases\]\] entry with binding = "KANVAS_DB"/);

    const noId = tempProject({ wrangler: wranglerToml({ d1: { databaseName: null } }) });
    r = await runKanvas("db migrate --remote", { cwd: noId.dir, env: { CLOUDFLARE_API_TOKEN: "t".repeat(40), CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef", CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--remote needs the D1 database: add database_id/);

    const ci = await runKanvas("db migrate", { cwd: noFolder.dir, env: { CI: "true" } });
    expect(ci.code).toBe(2);
    expect(ci.stderr).toMatch(/neither --local nor --remote/);
  });
});
