import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startFakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { REPO_ROOT, tempProject, type TempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { installAppWrangler, WRANGLER_4_86 } from "./helpers/runtimes.js";

/** wrangler 4.86 --local in the temp project, with no account variables. */
function wrangler(p: TempProject, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(REPO_ROOT, "node_modules/.bin/wrangler"), args, {
      cwd: p.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: "false", CI: "1", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

const files = {
  "migrations/0001_topic.sql": "ALTER TABLE rooms ADD COLUMN topic TEXT;",
  "migrations/0002_tags.sql": "CREATE TABLE tags (room_id TEXT NOT NULL REFERENCES rooms(id), tag TEXT NOT NULL);\n--> statement-breakpoint\nCREATE INDEX idx_tags_room ON tags (room_id);",
  "migrations/0003_trigger.sql":
    "CREATE TRIGGER rooms_touch AFTER UPDATE ON rooms BEGIN\n  UPDATE rooms SET topic = coalesce(new.topic, 'none;') WHERE id = new.id AND topic IS NULL;\nEND;",
};

describe("wrangler interop (--local, same .wrangler/state)", () => {
  it("wrangler applies the first two; kanvas applies the rest, adopts their checksums and sees no drift", async () => {
    const p = tempProject({ files: { "migrations/0001_topic.sql": files["migrations/0001_topic.sql"] } });
    // The app has wrangler 4.86 installed, so kanvas runs its runtime on any Node (see test/runtime-interop.test.ts).
    installAppWrangler(p.dir, WRANGLER_4_86);
    const w = await wrangler(p, ["d1", "migrations", "apply", "kanvas-db", "--local"]);
    expect(w.code, w.out).toBe(0);
    for (const [rel, content] of Object.entries(files)) p.write(rel, content);

    const r = await runKanvas("db migrate --json", { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).applied.map((a: { name: string }) => a.name)).toEqual(["0002_tags.sql", "0003_trigger.sql"]);
    const st = await runKanvas("db migrate status --check --json", { cwd: p.dir });
    expect(st.code, st.stdout).toBe(0);
    expect(JSON.parse(st.stdout).summary).toEqual({ applied: 4, pending: 0, drifted: 0, missing: 0 });
    // The adopted checksum now guards wrangler's migrations too.
    p.write("migrations/0001_topic.sql", "ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';");
    const drift = await runKanvas("db migrate", { cwd: p.dir });
    expect(drift.code).toBe(5);
    expect(drift.stderr).toContain("0001_topic.sql changed after it was applied");
  });

  it("kanvas applies everything; wrangler d1 migrations list --local shows nothing pending and sees kanvas's rows", async () => {
    const p = tempProject({ files });
    // The app has wrangler 4.86 installed, so kanvas runs its runtime on any Node (see test/runtime-interop.test.ts).
    installAppWrangler(p.dir, WRANGLER_4_86);
    const r = await runKanvas("db migrate", { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    const list = await wrangler(p, ["d1", "migrations", "list", "kanvas-db", "--local"]);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toContain("No migrations to apply");
    const rows = await wrangler(p, ["d1", "execute", "kanvas-db", "--local", "--json", "--command", "SELECT name FROM d1_migrations ORDER BY id"]);
    expect(rows.code, rows.out).toBe(0);
    expect(rows.out).toMatch(/0000_kanvas_schema.sql[\s\S]*0001_topic.sql[\s\S]*0002_tags.sql[\s\S]*0003_trigger.sql/);
  });
});

describe("wrangler interop (--remote, against the fake Cloudflare API)", () => {
  it("wrangler applies two; kanvas applies the rest; wrangler d1 migrations list --remote shows nothing pending", async () => {
    const fake = await startFakeCloudflare();
    try {
      const db = fake.d1.createDatabase("kanvas-db");
      const p = tempProject({
        wrangler: wranglerToml({ d1: { databaseId: db.uuid } }),
        files: { "migrations/0001_topic.sql": files["migrations/0001_topic.sql"] },
      });
      const wEnv = { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_API_BASE_URL: fake.baseURL };
      const w = await wrangler(p, ["d1", "migrations", "apply", "kanvas-db", "--remote"], wEnv);
      expect(w.code, w.out).toBe(0);
      for (const [rel, content] of Object.entries(files)) p.write(rel, content);
      const env = { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL };
      const r = await runKanvas("db migrate --remote --json", { cwd: p.dir, env });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).applied.map((a: { name: string }) => a.name)).toEqual(["0002_tags.sql", "0003_trigger.sql"]);
      const st = await runKanvas("db migrate status --remote --check", { cwd: p.dir, env });
      expect(st.code, st.stdout).toBe(0);
      const list = await wrangler(p, ["d1", "migrations", "list", "kanvas-db", "--remote"], wEnv);
      expect(list.code, list.out).toBe(0);
      expect(list.out).toContain("No migrations to apply");
      expect(fake.unmatched).toEqual([]);
      expect(fake.schemaErrors).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
