import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, tempProject, type TempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

/** wrangler 4.86 --local in the temp project, with no account variables. */
function wrangler(p: TempProject, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(REPO_ROOT, "node_modules/.bin/wrangler"), args, {
      cwd: p.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: "false", CI: "1" },
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
