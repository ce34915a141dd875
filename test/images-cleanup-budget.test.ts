import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { useRemoteImages } from "./helpers/remote-images.js";
import type { S3Faults } from "./helpers/s3-faults.js";
import { runKanvas } from "./helpers/run-kanvas.js";

let front: S3Faults;
let cf: FakeCloudflare;
let dbId: string;
const images = useRemoteImages();
beforeAll(() => void ({ front, cf, dbId } = images.servers()));

const project = (extra: Record<string, string> = {}) => images.project({ env: extra });
const seed = (prefix: string, count: number, old: number) => images.seed(prefix, count, old);
const remaining = (prefix: string) => images.remaining(prefix);

const reference = (keys: string[]) => keys.forEach((k, i) => cf.d1.exec(dbId, "INSERT INTO assets (id, user_id, r2_key, size_bytes) VALUES (?, 'u', ?, 1)", [`${k}-${i}`, k]));
const d1Requests = () => cf.requests.filter((r) => r.path.endsWith("/query")).length;
const checkpoints = (dir: string) => {
  const folder = path.join(dir, ".wrangler", "kanvas");
  return existsSync(folder) ? readdirSync(folder).filter((f) => f.startsWith("cleanup-")) : [];
};

describe("images cleanup within Cloudflare's API budget", () => {
  it("checks 6,000 listed keys by key ranges in a few D1 requests, not one per 100", async () => {
    const p = project();
    const keys: string[] = [];
    for (let u = 0; u < 3; u++) keys.push(...(await seed(`uploads/rng/u${u}/`, 2000, 1990)));
    reference(keys.filter((_, i) => i % 10 === 0)); // 10 % referenced
    const before = d1Requests();
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/rng/ --remote --yes --json", { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    const referencedOld = keys.filter((k, i) => i % 10 === 0 && Number(k.slice(-9, -4)) < 1990).length;
    expect(s).toMatchObject({ scanned: 6000, matched: 5970, referenced: referencedOld, deleted: 5970 - referencedOld, errors: 0 });
    // lock take + sqlite_master + 1 range query + lock release (the IN check took 60 for the check alone)
    expect(d1Requests() - before).toBeLessThanOrEqual(5);
    expect(await remaining("uploads/rng/")).toHaveLength(6000 - s.deleted);
  }, 400_000);

  it("falls back to IN lists, saying so, when assets.r2_key has no index", async () => {
    const other = cf.d1.createDatabase("noindex-db").uuid;
    cf.d1.exec(other, "CREATE TABLE assets (id TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, r2_key TEXT NOT NULL COLLATE NOCASE, size_bytes INTEGER NOT NULL)");
    cf.d1.exec(other, "INSERT INTO assets VALUES ('1', 'u', 'uploads/ci/00001.jpg', 1)");
    const p = project();
    p.write("wrangler.toml", `name = "kanvas"\n[[d1_databases]]\nbinding = "KANVAS_DB"\ndatabase_name = "noindex-db"\ndatabase_id = "${other}"\n\n[[r2_buckets]]\nbinding = "KANVAS_IMAGES"\nbucket_name = "kanvas-images"\n`);
    await seed("uploads/ci/", 5, 4);
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/ci/ --remote --yes --json", { cwd: p.dir, env: p.env });
    expect(r.stderr).toMatch(/orphan check: assets\.r2_key uses COLLATE NOCASE.*checking 100 keys per D1 request/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ matched: 4, referenced: 1, deleted: 3 });
  }, 400_000);

  it("paces itself at the reserve instead of tripping the lockout (Ratelimit headers from the API)", async () => {
    const p = project({ KANVAS_API_RESERVE: "5" });
    await seed("uploads/pace/", 30, 20);
    cf.rateLimit.configure({ quota: 40, windowMs: 30_000 }); // longer than kanvas takes to start on a loaded machine
    cf.rateLimit.consume(33); // other clients of the same user used most of the window
    const r = await runKanvas("images cleanup --older-than 30d --prefix uploads/pace/ --remote --yes --json", { cwd: p.dir, env: p.env });
    cf.rateLimit.configure({ quota: 1200, windowMs: 300_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^pacing: 5 Cloudflare API requests left in this window; waiting \d+ s$/m);
    expect(cf.rateLimit.refused).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ deleted: 20 });
  }, 400_000);

  it("a lockout stops the cleanup at a resumable point (exit 6, when to rerun); the rerun resumes and finishes", async () => {
    const p = project();
    const keys: string[] = [];
    for (let u = 0; u < 4; u++) keys.push(...(await seed(`uploads/lock/u${u}/`, 1001, 1000)));
    const old = keys.filter((k) => !k.endsWith("01000.jpg"));
    reference(old.filter((_, i) => i % 100 === 0)); // rows in every page: --include-referenced deletes rows page by page
    front.slow("DeleteObjects", 500);
    const cmd = "images cleanup --older-than 30d --prefix uploads/lock/ --include-referenced --remote --yes --json";
    // Another client trips the 5-minute lockout mid-run: after the lock, the schema read, the range
    // query and the first batch of row deletes, every API call is refused.
    cf.rateLimit.lockoutAfter(4);
    const r = await runKanvas(cmd, { cwd: p.dir, env: p.env });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/Stopped at a resumable point .*Run the same command again after \d\d:\d\d:\d\d UTC/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(checkpoints(p.dir)).toHaveLength(1);
    const first = JSON.parse(r.stdout.slice(0, r.stdout.indexOf("\n}\n") + 2));
    expect(first.deleted).toBeLessThan(4000);
    expect(first.rowsDeleted).toBeLessThanOrEqual(10); // at most the first page's rows: the next batch was refused

    cf.rateLimit.clear(); // five minutes later
    cf.d1.exec(dbId, "DELETE FROM kanvas_locks"); // the release was refused too (as --force-unlock would)
    front.clear();
    const again = await runKanvas(cmd, { cwd: p.dir, env: p.env });
    expect(again.stderr).toMatch(/resuming: [\d,]+ keys already handled/);
    expect(again.code).toBe(0);
    const s = JSON.parse(again.stdout);
    expect(s.deleted).toBeLessThanOrEqual(4000);
    expect(s.deleted).toBeGreaterThanOrEqual(first.deleted); // the whole job: the first run's deletions included
    expect((await remaining("uploads/lock/")).sort()).toEqual(keys.filter((k) => k.endsWith("01000.jpg")).sort());
    expect(cf.d1.exec(dbId, "SELECT count(*) AS n FROM assets WHERE r2_key LIKE 'uploads/lock/%'")[0]!.n).toBe(0);
    expect(checkpoints(p.dir)).toEqual([]);
  }, 600_000);
});
