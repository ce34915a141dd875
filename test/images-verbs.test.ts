import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import type { FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject } from "./helpers/project.js";
import { useRemoteImages } from "./helpers/remote-images.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import type { S3Faults } from "./helpers/s3-faults.js";
import type { S3Server } from "./helpers/s3-server.js";

// Bytes that break any text handling: every byte value, NULs, invalid UTF-8, CRLFs.
const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0xc3]), randomBytes(70_000)]);

describe("images get | head | delete on the local target (Miniflare)", () => {
  async function localProject() {
    const p = tempProject();
    expect((await runKanvas("db migrate --local", { cwd: p.dir })).code).toBe(0);
    p.write("blob.bin", BINARY);
    const up = await runKanvas("images upload blob.bin --key media/blob.bin --cache-control no-store --content-disposition attachment", { cwd: p.dir });
    expect(up.stderr).not.toMatch(/error/);
    const rec = await runKanvas("images upload blob.bin --user u_5 --record --json", { cwd: p.dir, deps: { now: () => 1_700_000_000_000 } });
    expect(rec.code).toBe(0);
    return { p, recorded: JSON.parse(rec.stdout)[0] as { key: string; assetId: string } };
  }

  it("get writes the object byte for byte to a file and to stdout; head shows headers, metadata and the D1 row", async () => {
    const { p, recorded } = await localProject();
    const toFile = await runKanvas("images get media/blob.bin --output out.bin --json", { cwd: p.dir });
    expect(toFile.code).toBe(0);
    expect(JSON.parse(toFile.stdout)).toMatchObject({ key: "media/blob.bin", file: "out.bin", size: BINARY.length });
    expect(readFileSync(p.file("out.bin")).equals(BINARY)).toBe(true);
    const toStdout = await runKanvas("images get media/blob.bin -o -", { cwd: p.dir });
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdoutBytes.equals(BINARY)).toBe(true);
    // Default name: the key's last segment; an existing file is refused without --force.
    rmSync(p.file("blob.bin"));
    expect((await runKanvas("images get media/blob.bin", { cwd: p.dir })).code).toBe(0);
    expect(readFileSync(p.file("blob.bin")).equals(BINARY)).toBe(true);
    const again = await runKanvas("images get media/blob.bin", { cwd: p.dir });
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/blob\.bin already exists; add --force/);

    const head = await runKanvas("images head media/blob.bin --json", { cwd: p.dir });
    expect(head.code).toBe(0);
    expect(JSON.parse(head.stdout)).toMatchObject({ key: "media/blob.bin", size: BINARY.length, cacheControl: "no-store", contentDisposition: "attachment", referenced: [] });
    const headRec = await runKanvas(["images", "head", recorded.key], { cwd: p.dir });
    expect(headRec.stdout).toMatch(new RegExp(`cache control +public, max-age=31536000, immutable`));
    expect(headRec.stdout).toMatch(/meta userId +u_5/);
    expect(headRec.stdout).toMatch(new RegExp(`\nreferenced +yes: assets row ${recorded.assetId} \\(user u_5\\)`));

    const missing = await runKanvas("images get media/nope.bin -o x.bin", { cwd: p.dir });
    expect(missing.code).toBe(4);
    expect(existsSync(p.file("x.bin"))).toBe(false);
    expect((await runKanvas("images head media/nope.bin", { cwd: p.dir })).code).toBe(4);
  }, 300_000); // a dozen local CLI runs (each starts Miniflare) on a shared, loaded machine

  it("delete refuses a referenced key (exit 5, naming the row); --include-referenced removes the row, then the object; missing keys are reported", async () => {
    const { p, recorded } = await localProject();
    const refused = await runKanvas(["images", "delete", "media/blob.bin", recorded.key, "--yes"], { cwd: p.dir });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`${recorded.key} is referenced by assets row ${recorded.assetId} (user u_5); nothing was deleted`);
    expect((await runKanvas("images head media/blob.bin", { cwd: p.dir })).code).toBe(0);

    const noTty = await runKanvas(["images", "delete", "media/blob.bin"], { cwd: p.dir });
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/refusing without --yes/);

    const dry = await runKanvas(["images", "delete", "media/blob.bin", recorded.key, "media/gone.bin", "--include-referenced", "--dry-run", "--json"], { cwd: p.dir });
    // The target comes first, as in every other result.
    expect(Object.keys(JSON.parse(dry.stdout))).toEqual(["target", "dryRun", "bucket", "delete", "missing", "rows"]);
    expect(JSON.parse(dry.stdout)).toMatchObject({ target: "local", dryRun: true, delete: ["media/blob.bin", recorded.key], missing: ["media/gone.bin"] });
    expect((await runKanvas("images head media/blob.bin", { cwd: p.dir })).code).toBe(0);

    const done = await runKanvas(["images", "delete", "media/blob.bin", recorded.key, "media/gone.bin", "--include-referenced", "--yes", "--json"], { cwd: p.dir });
    expect(done.code).toBe(0);
    expect(Object.keys(JSON.parse(done.stdout))).toEqual(["target", "bucket", "deleted", "missing", "rowsDeleted", "errors"]);
    expect(JSON.parse(done.stdout)).toMatchObject({ target: "local", deleted: ["media/blob.bin", recorded.key], missing: ["media/gone.bin"], rowsDeleted: 1, errors: [] });
    expect((await runKanvas("images head media/blob.bin", { cwd: p.dir })).code).toBe(4);
    const rows = await runKanvas("db query 'SELECT count(*) AS n FROM assets' --json", { cwd: p.dir });
    expect(JSON.parse(rows.stdout)[0].n).toBe(0);
    const audit = readFileSync(p.file(".wrangler/kanvas/audit.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(audit.filter((a) => a.command === "images delete").map((a) => [a.outcome, a.counts])).toEqual([
      ["dry-run", { objects: 2, missing: 1, rows: 1 }],
      ["ok", { deleted: 2, missing: 1, rowsDeleted: 1, errors: 0 }],
    ]);
  }, 300_000);
});

describe("images get | head | delete on the remote target (s3rver + fake D1 API)", () => {
  let s3: S3Server;
  let front: S3Faults;
  let cf: FakeCloudflare;
  let sdk: S3Client;
  let dbId: string;
  const images = useRemoteImages();
  beforeAll(() => void ({ s3, front, cf, sdk, dbId } = images.servers()));
  const project = () => images.project();

  it("get round-trips binary bytes to a file and stdout; head reads S3 headers and metadata", async () => {
    // Straight to s3rver: the fault front re-frames answers without Content-Length, and HEAD's size is that header.
    const p = { ...project() };
    p.env.R2_ENDPOINT = s3.endpoint;
    await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "r/blob.bin", Body: BINARY, ContentType: "application/x-test", CacheControl: "max-age=60", ContentDisposition: 'attachment; filename="b.bin"', Metadata: { userId: "u_1" } }));
    const toFile = await runKanvas("images get r/blob.bin -o got.bin --remote", { cwd: p.dir, env: p.env });
    expect(toFile.stderr).not.toMatch(/error/);
    expect(toFile.code).toBe(0);
    expect(readFileSync(p.file("got.bin")).equals(BINARY)).toBe(true);
    const toStdout = await runKanvas("images get r/blob.bin -o - --remote", { cwd: p.dir, env: p.env });
    expect(toStdout.stdoutBytes.equals(BINARY)).toBe(true);
    const head = await runKanvas("images head r/blob.bin --remote --json", { cwd: p.dir, env: p.env });
    expect(head.code).toBe(0);
    expect(JSON.parse(head.stdout)).toMatchObject({
      size: BINARY.length,
      contentType: "application/x-test",
      cacheControl: "max-age=60",
      contentDisposition: 'attachment; filename="b.bin"',
      metadata: { userid: "u_1" },
      referenced: [],
    });
    const missing = await runKanvas("images get r/none.bin -o none.bin --remote", { cwd: p.dir, env: p.env });
    expect(missing.code).toBe(4);
    expect(existsSync(p.file("none.bin"))).toBe(false);
  });

  it("delete: refusal names the row; --include-referenced deletes the row first, then all objects in one DeleteObjects", async () => {
    const p = project();
    const keys = ["d/a.jpg", "d/b.jpg", "d/c.jpg", "d/keep.jpg"];
    for (const key of keys) await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: `bytes of ${key}` }));
    cf.d1.exec(dbId, "INSERT INTO assets (id, user_id, r2_key, size_bytes) VALUES ('row-b', 'u_2', 'd/b.jpg', 10)");
    const refused = await runKanvas("images delete d/a.jpg d/b.jpg --remote --yes", { cwd: p.dir, env: p.env });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/d\/b\.jpg is referenced by assets row row-b \(user u_2\); nothing was deleted/);
    expect(front.count("DeleteObjects")).toBe(0);

    const done = await runKanvas("images delete d/a.jpg d/b.jpg d/c.jpg d/zzz.jpg --include-referenced --remote --yes", { cwd: p.dir, env: p.env });
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/deleted  d\/a\.jpg\ndeleted  d\/b\.jpg\ndeleted  d\/c\.jpg\nmissing  d\/zzz\.jpg/);
    expect(front.count("DeleteObjects")).toBe(1);
    expect(cf.d1.exec(dbId, "SELECT id FROM assets WHERE r2_key = 'd/b.jpg'")).toEqual([]);
    for (const key of ["d/a.jpg", "d/b.jpg", "d/c.jpg"]) await expect(sdk.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))).rejects.toThrow();
    await sdk.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: "d/keep.jpg" }));
    const audit = JSON.parse(readFileSync(p.file("audit.ndjson"), "utf8").trim().split("\n").pop()!);
    expect(audit).toMatchObject({ command: "images delete", target: "remote", outcome: "ok", counts: { deleted: 3, missing: 1, rowsDeleted: 1 } });
    expect(cf.unmatched).toEqual([]);
    expect(cf.schemaErrors).toEqual([]);
  });
});
