import { existsSync, readdirSync, utimesSync } from "node:fs";
import path from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { startS3Faults, type S3Faults } from "./helpers/s3-faults.js";
import { s3ClientFor, startS3Server, type S3Server } from "./helpers/s3-server.js";

const DAY = 86_400_000;
let s3: S3Server;
let front: S3Faults;
let cf: FakeCloudflare;
let dbId: string;
let sdk: S3Client;

beforeAll(async () => {
  [s3, cf] = await Promise.all([startS3Server(), startFakeCloudflare()]);
  front = await startS3Faults(s3.endpoint);
  dbId = cf.d1.createDatabase("kanvas-db").uuid;
  cf.d1.exec(dbId, "CREATE TABLE assets (id TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, r2_key TEXT NOT NULL, size_bytes INTEGER NOT NULL, content_type TEXT, created_at TEXT DEFAULT (CURRENT_TIMESTAMP) NOT NULL)");
  cf.d1.exec(dbId, "CREATE UNIQUE INDEX idx_assets_r2_key ON assets (r2_key)");
  sdk = s3ClientFor(s3);
});
afterAll(async () => {
  sdk?.destroy();
  await front?.close();
  await Promise.all([s3?.close(), cf?.close()]);
});

function project(extra: Record<string, string> = {}) {
  front.clear();
  cf.rateLimit.clear();
  const p = tempProject({
    wrangler: `name = "kanvas"\n[[d1_databases]]\nbinding = "KANVAS_DB"\ndatabase_name = "kanvas-db"\ndatabase_id = "${dbId}"\n\n[[r2_buckets]]\nbinding = "KANVAS_IMAGES"\nbucket_name = "kanvas-images"\n`,
    migrations: false,
  });
  const env = {
    R2_ENDPOINT: front.endpoint,
    R2_ACCESS_KEY_ID: s3.accessKeyId,
    R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
    CLOUDFLARE_ACCOUNT_ID: cf.accountId,
    CLOUDFLARE_API_TOKEN: cf.token,
    CLOUDFLARE_BASE_URL: cf.baseURL,
    KANVAS_AUDIT_LOG: p.file("audit.ndjson"),
    KANVAS_RETRY_BASE_MS: "1",
    ...extra,
  };
  return { ...p, env };
}

async function seed(prefix: string, count: number, old: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, "0")}.jpg`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < keys.length) await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: keys[next++]!, Body: "x" }));
    }),
  );
  const then = new Date(Date.now() - 40 * DAY);
  for (const key of keys.slice(0, old)) utimesSync(s3.objectPath(key), then, then);
  return keys;
}

async function remaining(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await sdk.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

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
