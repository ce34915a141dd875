import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { installAppWrangler, WRANGLER_4_86 } from "./helpers/runtimes.js";

const FIX = path.join(REPO_ROOT, "fixtures/images");
const WRANGLER = path.join(REPO_ROOT, "node_modules/.bin/wrangler");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function wranglerGet(cwd: string, key: string, out: string): Promise<Buffer> {
  await promisify(execFile)(WRANGLER, ["r2", "object", "get", `kanvas-images/${key}`, "--local", "--file", out], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: "false" },
    timeout: 60_000,
  });
  return readFileSync(path.join(cwd, out));
}

describe("images on the local target (Miniflare)", () => {
  it("wrangler r2 object get --local reads what kanvas uploaded, a small file and a multipart one", async () => {
    const p = tempProject();
    // The app has wrangler 4.86 installed, so kanvas runs its runtime on any Node (see test/runtime-interop.test.ts).
    installAppWrangler(p.dir, WRANGLER_4_86);
    const big = Buffer.alloc(20 * 1024 * 1024 + 333);
    for (let i = 0; i < big.length; i += 512) big[i] = i % 251;
    p.write("big.bin", big);
    const r = await runKanvas(["images", "upload", path.join(FIX, "gps.jpg"), "big.bin", "--user", "u_7", "--json"], { cwd: p.dir, deps: { now: () => 1_700_000_000_000 } });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { key: string; parts: number }) => [x.key, x.parts])).toEqual([
      ["uploads/u_7/1700000000000-gps.jpg", 1],
      ["uploads/u_7/1700000000000-big.bin", 2], // over one local part: Miniflare's multipart
    ]);
    expect(r.stderr).toMatch(/^Target: local/m);
    expect(sha(await wranglerGet(p.dir, rows[0].key, "a.jpg"))).toBe(sha(readFileSync(path.join(FIX, "gps.jpg"))));
    expect(sha(await wranglerGet(p.dir, rows[1].key, "b.bin"))).toBe(sha(big));
  });

  it("--record inserts the assets row; a key that already has a row is refused (exit 5), object untouched", async () => {
    const p = tempProject();
    expect((await runKanvas("db migrate --local", { cwd: p.dir })).code).toBe(0);
    const ok = await runKanvas(["images", "upload", path.join(FIX, "photo.png"), "--user", "u_9", "--record", "--json"], { cwd: p.dir });
    expect(ok.code).toBe(0);
    const [row] = JSON.parse(ok.stdout);
    expect(row.assetId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const q = await runKanvas(["db", "query", "SELECT id, user_id, r2_key, size_bytes, content_type FROM assets", "--json"], { cwd: p.dir });
    expect(JSON.stringify(JSON.parse(q.stdout))).toContain(JSON.stringify({ id: row.assetId, user_id: "u_9", r2_key: row.key, size_bytes: 203, content_type: "image/png" }));

    // A key that already has a row is refused before upload: overwriting it and then failing
    // the insert would delete an object the app references.
    const now = () => 1_700_000_000_000;
    expect((await runKanvas(["images", "upload", path.join(FIX, "gps.jpg"), "--user", "u_9", "--record"], { cwd: p.dir, deps: { now } })).code).toBe(0);
    const dup = await runKanvas(["images", "upload", path.join(FIX, "notes.txt"), "--key", "uploads/u_9/1700000000000-gps.jpg", "--user", "u_9", "--record"], { cwd: p.dir, deps: { now } });
    expect(dup.code).toBe(5);
    expect(dup.stderr).toMatch(/--record: uploads\/u_9\/1700000000000-gps\.jpg already has an assets row; uploading over it is refused/);
    const list = await runKanvas("images list --json", { cwd: p.dir });
    expect(JSON.parse(list.stdout).find((o: { key: string }) => o.key === "uploads/u_9/1700000000000-gps.jpg")?.size).toBe(1134);
  });

  it("--record without an assets table leaves no orphan object", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas(["images", "upload", path.join(FIX, "photo.png"), "--key", "orphan.png", "--user", "u1", "--record"], { cwd: p.dir });
    expect(r.code).toBe(2);
    // The reference check runs first and no longer swallows the missing table: nothing is uploaded.
    expect(r.stderr).toMatch(/D1 has no assets table.*Run 'kanvas db migrate'/);
    expect(JSON.parse((await runKanvas("images list --json", { cwd: p.dir })).stdout)).toEqual([]);
  });

  it("cleanup --local without an assets table refuses: it cannot tell what is referenced", async () => {
    const p = tempProject({ migrations: false });
    expect((await runKanvas(["images", "upload", path.join(FIX, "photo.png"), "--user", "u1"], { cwd: p.dir })).code).toBe(0);
    const r = await runKanvas("images cleanup --older-than 30d --yes", { cwd: p.dir, deps: { now: () => Date.now() + 40 * 86_400_000 } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/D1 has no assets table.*Run 'kanvas db migrate'/);
    expect(JSON.parse((await runKanvas("images list --json", { cwd: p.dir })).stdout)).toHaveLength(1);
  });
});
