import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";
import { runInTerminal } from "./helpers/terminal.js";

let fake: FakeCloudflare | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("kanvas db migrate: the release path (spawned bin/kanvas)", () => {
  it("the README's first command: in a fresh clone's layout, `kanvas db migrate` applies the Kanvas schema, and a second run has nothing to do", async () => {
    // The repo root's own wrangler.toml (migrations_dir = "src/migrations") and migrations.
    const p = tempProject({ wrangler: readFileSync(path.join(REPO_ROOT, "wrangler.toml"), "utf8"), migrations: false });
    for (const name of ["0000_kanvas_schema.sql", "meta/_journal.json"]) p.write(`src/migrations/${name}`, readFileSync(path.join(REPO_ROOT, "src/migrations", name)));
    const first = await spawnKanvas("db migrate", { cwd: p.dir }).done;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("Applied 1 migration(s) to the local database");
    const second = await spawnKanvas("db migrate", { cwd: p.dir }).done;
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("Nothing to do: all 1 migration(s) in src/migrations are applied.");
  });

  it("at a terminal, destructive statements are asked about: no applies nothing, yes applies", async () => {
    const p = tempProject({ files: { "migrations/0001_drop.sql": "DROP TABLE assets;" } });
    const no = await runInTerminal(["db", "migrate"], { cwd: p.dir, answers: [{ when: "destructive: DROP TABLE assets", type: "n" }] });
    expect(no.screen).toContain("destructive: DROP TABLE assets");
    expect(no.code).not.toBe(0);
    const st = await runKanvas("db migrate status --json", { cwd: p.dir });
    expect(JSON.parse(st.stdout).summary.pending).toBe(2);
    const yes = await runInTerminal(["db", "migrate"], { cwd: p.dir, answers: [{ when: "destructive: DROP TABLE assets", type: "y" }] });
    expect(yes.code, yes.screen).toBe(0);
    expect(yes.screen).toContain("Applied 2 migration(s)");
  });

  it("Ctrl-C stops after the migration in flight: exit 130, the lock released, the rest pending", async () => {
    fake = await startFakeCloudflare();
    const db = fake.d1.createDatabase("kanvas-db");
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`migrations/000${i + 1}_t${i + 1}.sql`, `CREATE TABLE t${i + 1} (x TEXT);`]));
    const p = tempProject({ files });
    fake.faults.inject({ match: { method: "POST", path: /\/query$/ }, times: 100, delayMs: 300 });
    const env = { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL };
    const run = spawnKanvas("db migrate --remote", { cwd: p.dir, env });
    await run.waitFor("✔ 0001_t1.sql");
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/Interrupted: \d of 7 migration\(s\) applied, the rest are pending/);
    const applied = fake.d1.exec(db.uuid, "SELECT count(*) AS n FROM d1_migrations")[0]!.n as number;
    expect(applied).toBeGreaterThanOrEqual(2);
    expect(applied).toBeLessThan(7);
    expect(fake.d1.exec(db.uuid, "SELECT count(*) AS n FROM kanvas_migrations_lock")).toEqual([{ n: 0 }]);
    const audit = readFileSync(p.file(".wrangler/kanvas/audit.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({ command: "db migrate", target: "remote", outcome: "interrupted" });
  });

  it("two concurrent local runs (two Miniflare processes, one SQLite file): one applies, the other waits, nothing fails", async () => {
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`migrations/${String(i + 1).padStart(4, "0")}_t${i + 1}.sql`, `CREATE TABLE t${i + 1} (x TEXT);\nINSERT INTO t${i + 1} VALUES ('a');`]));
    const p = tempProject({ files });
    const a = spawnKanvas("db migrate --json", { cwd: p.dir });
    await a.waitFor("pending migration(s)");
    const b = spawnKanvas("db migrate --json", { cwd: p.dir });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const applied = [...JSON.parse(ra.stdout).applied, ...JSON.parse(rb.stdout).applied].map((x: { name: string }) => x.name);
    expect(applied).toHaveLength(31);
    expect(new Set(applied).size).toBe(31);
    const st = await runKanvas("db migrate status --check", { cwd: p.dir });
    expect(st.code, st.stdout).toBe(0);
  });
});
