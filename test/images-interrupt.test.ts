import { existsSync, readFileSync, utimesSync } from "node:fs";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject } from "./helpers/project.js";
import { signalGroup } from "./helpers/process-group.js";
import { spawnKanvas } from "./helpers/run-kanvas.js";
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
  cf.d1.exec(dbId, "CREATE TABLE assets (id TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, r2_key TEXT NOT NULL UNIQUE, size_bytes INTEGER NOT NULL, content_type TEXT, created_at TEXT DEFAULT (CURRENT_TIMESTAMP) NOT NULL)");
  sdk = s3ClientFor(s3);
});
afterAll(async () => {
  sdk?.destroy();
  await front?.close();
  await Promise.all([s3?.close(), cf?.close()]);
});

function project() {
  front.clear();
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
    KANVAS_AUDIT_LOG: "audit.ndjson",
  };
  return { ...p, env };
}

// Waits for an event (a request seen, a line logged); the ceiling is only a safety net under load.
async function until(cond: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("interrupting a multipart upload (real bin/kanvas)", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} aborts the multipart upload, leaves no parts and no object, exits 130`, async () => {
      const p = project();
      p.write("big.bin", Buffer.alloc(40 * 1024 * 1024, 7));
      front.slow("UploadPart", 3_000);
      const key = `interrupted/${signal}.bin`;
      const run = spawnKanvas(["images", "upload", "big.bin", "--key", key, "--multipart-threshold", "5MiB", "--remote"], { cwd: p.dir, env: p.env, detached: true });
      const partsBefore = front.count("UploadPart");
      await until(() => front.count("UploadPart") > partsBefore, "the first UploadPart");
      const created = [...front.uploads.values()].find((u) => u.key === key);
      expect(created).toBeDefined();
      signalGroup(run.child.pid!, signal); // as a terminal (or CI's cancel) does: the whole group
      const r = await run.done;
      expect(r.code).toBe(130);
      // The whole of stderr: no AWS SDK warning, no stack, one error line.
      expect(r.stderr).toBe(
        `Target: remote — Cloudflare account ${cf.accountId}\n\nReceived ${signal}: stopping after the step in flight (press Ctrl-C again to force).\nerror: Interrupted: the multipart upload of ${key} was aborted; no parts are left behind.\n`,
      );
      expect(front.aborted.map((u) => u.uploadId)).toContain(created!.uploadId);
      expect([...front.uploads.values()].filter((u) => u.key === key)).toEqual([]);
      await expect(sdk.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))).rejects.toMatchObject({ name: "NotFound" });
    }, 240_000);
  }
});

describe("interrupting a cleanup (real bin/kanvas)", () => {
  it("finishes the batch in flight, reports what was deleted, exits 130; a rerun goes on", async () => {
    const p = project();
    const keys = Array.from({ length: 3000 }, (_, i) => `uploads/int/${String(i).padStart(5, "0")}.jpg`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < keys.length) {
          const key = keys[next++]!;
          await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: "x" }));
        }
      }),
    );
    await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "uploads/int/zz-new.jpg", Body: "new" }));
    const then = new Date(Date.now() - 40 * DAY);
    for (const key of keys) utimesSync(s3.objectPath(key), then, then);
    // Slow pages and batches, so the signal lands between batches.
    front.slow("ListObjectsV2", 1_000);
    front.slow("DeleteObjects", 800);
    const log = p.file("deleted.ndjson");
    const lines = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0);
    const run = spawnKanvas("images cleanup --older-than 30d --prefix uploads/int/ --remote --yes --json --log-file deleted.ndjson", { cwd: p.dir, env: p.env, detached: true });
    await until(() => lines() >= 1000, "the first deleted batch");
    signalGroup(run.child.pid!, "SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    const summary = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf("}") + 1).replace(/\{\s*"error"[\s\S]*$/, ""));
    expect(summary.interrupted).toBe(true);
    expect(summary.deleted).toBeGreaterThanOrEqual(1000);
    expect(summary.deleted).toBeLessThan(3000);
    expect(summary.deleted % 1000).toBe(0); // whole batches only
    expect(lines()).toBe(summary.deleted);
    expect(r.stderr).toMatch(new RegExp(`Interrupted: ${summary.deleted} object\\(s\\) deleted before stopping`));
    const audit = readFileSync(p.file("audit.ndjson"), "utf8");
    expect(audit).toMatch(/"outcome":"interrupted"/);

    front.clear();
    const rerun = spawnKanvas("images cleanup --older-than 30d --prefix uploads/int/ --remote --yes --json --log-file deleted.ndjson", { cwd: p.dir, env: p.env });
    const r2 = await rerun.done;
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout).deleted).toBe(3000 - summary.deleted);
    expect(lines()).toBe(3000);
  }, 240_000);
});
