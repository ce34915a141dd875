import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

// `images upload --record`: a D1 failure keeps its own class and exit code (it is not turned into
// a usage error), and a failed reference check stops the upload instead of being ignored.
// Local target: the D1 failures are real SQLite errors from Miniflare.

const FIX = path.join(REPO_ROOT, "fixtures/images");

async function listed(dir: string): Promise<unknown[]> {
  return JSON.parse((await runKanvas("images list --json", { cwd: dir })).stdout);
}

describe("images upload --record keeps D1's error", () => {
  it("an insert that D1 refuses exits 1 as a D1 error (not 2), and the object is removed again", async () => {
    const p = tempProject();
    expect((await runKanvas("db migrate", { cwd: p.dir })).code).toBe(0);
    const trigger = "CREATE TRIGGER refuse_assets BEFORE INSERT ON assets BEGIN SELECT RAISE(ABORT, 'assets are read-only today'); END";
    expect((await runKanvas(["db", "query", trigger, "--yes"], { cwd: p.dir })).code).toBe(0);

    const r = await runKanvas(["images", "upload", path.join(FIX, "photo.png"), "--key", "refused.png", "--user", "u1", "--record", "--json"], { cwd: p.dir });
    expect(r.code, r.stderr).toBe(1);
    const envelope = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(envelope.error.code).toBe("service_error");
    expect(envelope.error.message).toMatch(/^--record: inserting the assets row for refused\.png failed \(the uploaded object was removed again\): .*assets are read-only today/);
    expect(await listed(p.dir)).toEqual([]);
  });

  it("a reference check that fails stops the upload before anything is sent", async () => {
    const p = tempProject({ migrations: false });
    // An assets table without r2_key: the check's SELECT fails (not "no such table").
    expect((await runKanvas(["db", "query", "CREATE TABLE assets (id TEXT PRIMARY KEY)", "--yes"], { cwd: p.dir })).code).toBe(0);

    const r = await runKanvas(["images", "upload", path.join(FIX, "photo.png"), "--key", "unchecked.png", "--user", "u1", "--record"], { cwd: p.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*no such column: r2_key/m);
    expect(r.stderr).not.toContain("unchecked.png  ");
    expect(await listed(p.dir)).toEqual([]);
  });
});
