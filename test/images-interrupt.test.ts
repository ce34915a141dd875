import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import type { FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { useRemoteImages } from "./helpers/remote-images.js";
import type { S3Faults } from "./helpers/s3-faults.js";
import { signalGroup } from "./helpers/process-group.js";
import { spawnKanvas } from "./helpers/run-kanvas.js";
import type { S3Server } from "./helpers/s3-server.js";

let s3: S3Server;
let front: S3Faults;
let cf: FakeCloudflare;
let sdk: S3Client;
const images = useRemoteImages();
beforeAll(() => void ({ s3, front, cf, sdk } = images.servers()));

// The audit log relative to the project (as a user would set it); no shortened retry waits.
const project = () => images.project({ env: { KANVAS_AUDIT_LOG: "audit.ndjson", KANVAS_RETRY_BASE_MS: undefined } });

function checkpoints(dir: string): string[] {
  const folder = path.join(dir, ".wrangler", "kanvas");
  return existsSync(folder) ? readdirSync(folder).filter((f) => /^cleanup-.*\.json$/.test(f)) : [];
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
      // PNG magic bytes first: an image by its bytes, so no "not an image" warning joins stderr.
      const big = Buffer.alloc(40 * 1024 * 1024, 7);
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(big);
      p.write("big.bin", big);
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
    await images.seed("uploads/int/", 3000, 3000);
    await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "uploads/int/zz-new.jpg", Body: "new" }));
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
    // The rerun lists from the checkpoint on, and its counts cover the whole job, each key once.
    const whole = JSON.parse(r2.stdout);
    expect(r2.stderr).toMatch(new RegExp(`resuming: ${whole.resumed.toLocaleString("en-US")} keys already handled`));
    expect(whole.resumed).toBeGreaterThanOrEqual(1000); // at least the first batch was checkpointed
    expect(whole.resumed).toBeLessThanOrEqual(summary.scanned);
    expect(whole).toMatchObject({ deleted: 3000, scanned: 3001, matched: 3000 });
    expect(whole.deletedKeys).toHaveLength(Math.min(1000, 3000 - summary.deleted)); // this run's deletions, capped
    expect(whole.deletedKeysTruncated).toBe(3000 - summary.deleted > 1000);
    expect(lines()).toBe(3000);
    expect(checkpoints(p.dir)).toEqual([]); // removed once the job completed
  }, 400_000);

  it("after kill -9, the rerun resumes from the checkpoint and deletes each key once", async () => {
    const p = project();
    await images.seed("uploads/k9/", 3000, 3000);
    await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "uploads/k9/zz-new.jpg", Body: "new" }));
    front.slow("ListObjectsV2", 1_000);
    front.slow("DeleteObjects", 800);
    const log = p.file("deleted.ndjson");
    // Complete lines only: the log may be read while a batch is being appended.
    const logged = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(0, -1).map((l) => JSON.parse(l).key as string) : []);
    const cmd = "images cleanup --older-than 30d --prefix uploads/k9/ --remote --yes --json --log-file deleted.ndjson";
    const run = spawnKanvas(cmd, { cwd: p.dir, env: p.env });
    await until(() => logged().length >= 1000 && checkpoints(p.dir).length > 0, "the first deleted batch", 180_000);
    run.child.kill("SIGKILL");
    await run.done;
    front.clear();
    // kill -9 leaves the cleanup lock row behind; its holder (this host, a pid now gone) is taken over at once.
    const rerun = await spawnKanvas(cmd, { cwd: p.dir, env: p.env }).done;
    expect(rerun.stderr).toMatch(/Taking over the .* lock from .*process \d+ on this host is gone/);
    expect(rerun.stderr).toMatch(/resuming: [\d,]+ keys already handled/);
    expect(rerun.code).toBe(0);
    const s = JSON.parse(rerun.stdout);
    expect(s.scanned).toBeLessThanOrEqual(3001);
    expect(s.deleted).toBeLessThanOrEqual(3000); // nothing counted twice
    // A batch answered after the kill is gone but was never logged or counted: nothing is relisted.
    const entries = logged();
    expect(new Set(entries).size).toBe(entries.length); // no key deleted twice
    expect(s.deleted).toBeLessThanOrEqual(entries.length);
    expect(await images.remaining("uploads/k9/")).toEqual(["uploads/k9/zz-new.jpg"]);
    expect(checkpoints(p.dir)).toEqual([]);
  }, 400_000);
});
