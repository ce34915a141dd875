import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { REPO_ROOT, tempProject, type TempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

/** Tables that exercise a dump (fixtures/sql/export-seed.sql): NULLs, blobs, unicode and newlines, reals, big integers, a name that needs quoting, AUTOINCREMENT, WITHOUT ROWID, an index and a trigger. */
const SEED = readFileSync(path.join(REPO_ROOT, "fixtures/sql/export-seed.sql"), "utf8");

/** Every cell of every table, as (typeof, hex) so NULL vs empty and INTEGER vs REAL all count; reals as %.17g (exact, and the same text in every SQLite version). */
const COMPARE = `
SELECT id, typeof("na me") AS t1, hex("na me") AS h1, typeof(qty) AS t2, printf('%.17g', qty) AS h2, typeof(data) AS t3, hex(data) AS h3, typeof(note) AS t4, hex(note) AS h4 FROM "order ""items""" ORDER BY id;
SELECT k, typeof(v) AS t, hex(v) AS h FROM plain ORDER BY k;
SELECT id, msg FROM audit_log ORDER BY id;
SELECT name, seq FROM sqlite_sequence ORDER BY name;
SELECT type, name FROM sqlite_master WHERE name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%' ORDER BY type, name;
`;

async function localRows(p: TempProject, compare = COMPARE): Promise<unknown> {
  p.write("compare.sql", compare);
  const r = await runKanvas("db query --file compare.sql --json --local", { cwd: p.dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).map((s: { results: unknown[] }) => s.results);
}

async function loadInto(dump: string): Promise<TempProject> {
  const empty = tempProject({ migrations: false });
  copyFileSync(dump, empty.file("dump.sql"));
  const load = await runKanvas("db query --file dump.sql --local", { cwd: empty.dir });
  if (load.code) console.log(load.stderr, readFileSync(dump, "utf8"));
  expect(load.code, load.stderr).toBe(0);
  return empty;
}

describe("db export on the local target (Miniflare)", () => {
  it("round trip: export, load into an empty database with db query --file, every row equal (NULLs, blobs, unicode, quoted names)", async () => {
    const src = tempProject({ migrations: false, files: { "seed.sql": SEED } });
    expect((await runKanvas("db query --file seed.sql --local", { cwd: src.dir })).code).toBe(0);
    const before = await localRows(src);

    const exp = await runKanvas("db export --output backup.sql --json", { cwd: src.dir });
    expect(exp.code, exp.stderr).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ target: "local", file: "backup.sql" });
    const sql = readFileSync(src.file("backup.sql"), "utf8");
    expect(sql).not.toMatch(/BEGIN TRANSACTION|COMMIT/i);

    const copy = await loadInto(src.file("backup.sql"));
    const after = await localRows(copy);
    expect(after).toEqual(before);
    const [items, plain, log, seq] = after as unknown[][];
    // What the comparison covered: 3 + 6 + 1 rows, the AUTOINCREMENT counter past the deleted row.
    expect([items!.length, plain!.length, log!.length]).toEqual([3, 6, 6]); // the trigger is created after the rows, so loading does not fire it again
    expect(seq).toEqual([{ name: 'order "items"', seq: 4 }]);

    // An existing file is refused; --no-data / --table narrow the dump.
    const again = await runKanvas("db export --output backup.sql", { cwd: src.dir });
    expect(again.code).toBe(5);
    const schemaOnly = await runKanvas("db export --no-data -o -", { cwd: src.dir });
    expect(schemaOnly.stdout).toMatch(/CREATE TABLE plain/);
    expect(schemaOnly.stdout).not.toMatch(/^INSERT INTO/m);
    const oneTable = await runKanvas("db export --table plain --no-schema -o -", { cwd: src.dir });
    expect(oneTable.stdout.match(/^INSERT INTO "plain"/gm)).toHaveLength(6);
    expect(oneTable.stdout).not.toMatch(/order/);
    const bad = await runKanvas("db export --table nope -o nope.sql", { cwd: src.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--table: no such table: nope/);
    expect(existsSync(src.file("nope.sql"))).toBe(false);
  }, 300_000);
});

/** wrangler 4.86 in a project, no account variables: the peer that must also load the dump. */
function wrangler(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(REPO_ROOT, "node_modules/.bin/wrangler"), args, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: "false", CI: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

describe("db export: the dump also applies with wrangler", () => {
  it("wrangler d1 execute --local --file loads the dump into an empty database, every row equal", async () => {
    const src = tempProject({ migrations: false, files: { "seed.sql": SEED } });
    expect((await runKanvas("db query --file seed.sql --local", { cwd: src.dir })).code).toBe(0);
    const before = await localRows(src);
    expect((await runKanvas("db export --output backup.sql", { cwd: src.dir })).code).toBe(0);
    const empty = tempProject({ migrations: false });
    copyFileSync(src.file("backup.sql"), empty.file("dump.sql"));
    const w = await wrangler(empty.dir, ["d1", "execute", "kanvas-db", "--local", "--file", "dump.sql", "--yes"]);
    expect(w.code, w.out).toBe(0);
    expect(await localRows(empty)).toEqual(before);
  }, 300_000); // five CLI runs and a wrangler start on a shared, loaded machine
});

describe("db export --remote (fake Cloudflare export API)", () => {
  let fake: FakeCloudflare;
  let db: { uuid: string };
  beforeEach(async () => {
    fake = await startFakeCloudflare();
    db = fake.d1.createDatabase("kanvas-db");
    for (const stmt of SEED.split(/;\n(?=CREATE|INSERT|DELETE)/)) fake.d1.exec(db.uuid, stmt.trim().replace(/;$/, ""));
  });
  afterEach(async () => {
    expect(fake.unmatched).toEqual([]);
    expect(fake.schemaErrors).toEqual([]);
    expect(fake.internalErrors).toEqual([]);
    await fake.close();
  });
  const env = () => ({ CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL, KANVAS_RETRY_BASE_MS: "1" });

  it("asks first (the database serves no queries meanwhile), polls until the signed URL is ready, streams it; the dump loads locally row for row", async () => {
    const p = tempProject({ migrations: false });
    const refused = await runKanvas("db export --remote --output r.sql", { cwd: p.dir, env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/serves no queries.*--yes/);
    expect(fake.d1.exports.bodies).toEqual([]);

    fake.d1.exports.pollsUntilDone = 2;
    const r = await runKanvas("db export --remote --output r.sql --table plain --table 'order \"items\"' --yes --json", { cwd: p.dir, env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ target: "remote", file: "r.sql", bookmark: fake.d1.currentBookmark(db.uuid) });
    expect(fake.d1.exports.bodies).toEqual([
      { output_format: "polling", dump_options: { tables: ["plain", 'order "items"'] } },
      { output_format: "polling", current_bookmark: fake.d1.currentBookmark(db.uuid), dump_options: { tables: ["plain", 'order "items"'] } },
      { output_format: "polling", current_bookmark: fake.d1.currentBookmark(db.uuid), dump_options: { tables: ["plain", 'order "items"'] } },
    ]);
    expect(r.stderr).toContain("serves no queries");

    const copy = await loadInto(p.file("r.sql"));
    // Only the two exported tables (audit_log was left out by --table).
    const [itemsSql, plainSql] = COMPARE.trim().split("\n").map((l) => l.replace(/;$/, ""));
    const [items, plain] = (await localRows(copy, `${itemsSql};\n${plainSql};\n`)) as unknown[][];
    expect(items).toEqual(fake.d1.exec(db.uuid, itemsSql!));
    expect(plain).toEqual(fake.d1.exec(db.uuid, plainSql!));
    expect([items!.length, plain!.length]).toEqual([3, 6]);
  });

  it("--no-data --no-schema together is refused before anything is sent", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("db export --remote --no-data --no-schema --yes", { cwd: p.dir, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/leave nothing to export/);
    expect(fake.requests).toEqual([]);
  });
});
