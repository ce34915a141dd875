import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { useS3Server, type S3Server } from "./helpers/s3-server.js";

const FIX = path.join(REPO_ROOT, "fixtures/images");
const ACCOUNT = "0123456789abcdef0123456789abcdef";
let s3: S3Server;
let sdk: S3Client;
const s3rver = useS3Server();
beforeAll(() => void ({ s3, sdk } = s3rver.started()));

const remoteEnv = () => s3rver.r2Env(ACCOUNT);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
async function readObject(key: string): Promise<Buffer> {
  const res = await sdk.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe("images upload --remote (s3rver)", () => {
  it("uploads with the app's key pattern, sniffed content type and metadata", async () => {
    const p = tempProject();
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const r = await runKanvas(["images", "upload", path.join(FIX, "renamed.dat"), "--user", "u_42", "--metadata", "source=import", "--remote", "--json"], {
      cwd: p.dir,
      env: remoteEnv(),
      deps: { now: () => now },
    });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout);
    expect(row).toMatchObject({ key: `uploads/u_42/${now}-renamed.dat`, size: 203, contentType: "image/png", parts: 1 });
    expect(row.etag).toMatch(/^[0-9a-f]{32}$/);
    const head = await sdk.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: row.key }));
    expect(head.ContentType).toBe("image/png");
    expect(head.Metadata).toEqual({ userid: "u_42", contenttype: "image/png", uploadedat: new Date(now).toISOString(), source: "import" });
  });

  it("uploads a file over the threshold in equal parts whose bytes read back identical", async () => {
    const p = tempProject();
    const size = 37 * 1024 * 1024 + 12345; // 16 MiB parts: 3 parts, the last one short
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    const file = p.write("big.bin", data);
    const r = await runKanvas(["images", "upload", file, "--key", "archive/big.bin", "--multipart-threshold", "5MiB", "--remote", "--json"], { cwd: p.dir, env: remoteEnv() });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ key: "archive/big.bin", size, parts: 3, contentType: "application/octet-stream" });
    expect(sha(await readObject("archive/big.bin"))).toBe(sha(data));
  });

  it("uploads an empty file", async () => {
    const p = tempProject();
    const r = await runKanvas(["images", "upload", p.write("empty.txt", ""), "--key", "misc/empty.txt", "--remote", "--json"], { cwd: p.dir, env: remoteEnv() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ key: "misc/empty.txt", size: 0, contentType: "text/plain; charset=utf-8" });
    expect((await readObject("misc/empty.txt")).length).toBe(0);
  });

  it("uploads a folder with bounded concurrency, one plain line per file off a terminal", async () => {
    const p = tempProject();
    for (let i = 0; i < 7; i++) p.write(`batch/img-${i}.png`, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100 + i)]));
    p.write("batch/.DS_Store", "junk");
    const r = await runKanvas("images upload batch --user u_1 --concurrency 3 --remote", { cwd: p.dir, env: remoteEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^uploads\/u_1\/\d+-img-\d\.png/gm)).toHaveLength(7);
    expect(r.stderr).not.toMatch(/img-\d\.png/); // each file once: on stdout as it finishes
    expect(r.stdout).not.toContain(".DS_Store");
    expect(r.stdout.trim().split("\n")).toHaveLength(7);
  });

  it("--sign prints a presigned GET URL that fetches the object over HTTP", async () => {
    const p = tempProject();
    const r = await runKanvas(["images", "upload", path.join(FIX, "gps.jpg"), "--key", "signed/gps.jpg", "--sign", "10m", "--remote", "--json"], { cwd: p.dir, env: remoteEnv() });
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout);
    expect(row.url).toContain("X-Amz-Expires=600");
    expect(row.url).toContain("X-Amz-Credential=S3RVER"); // the key id must survive redaction
    const res = await fetch(row.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(await import("node:fs").then((fs) => fs.readFileSync(path.join(FIX, "gps.jpg")))))).toBe(true);
  });

  it("--optimize strips EXIF/GPS, auto-orients, resizes and converts, reporting sizes before and after", async () => {
    const p = tempProject();
    const r = await runKanvas(["images", "upload", path.join(FIX, "gps.jpg"), "--key", "opt/gps.jpg", "--optimize", "--max-width", "20", "--format", "webp", "--remote", "--json"], {
      cwd: p.dir,
      env: remoteEnv(),
    });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout);
    expect(row).toMatchObject({ key: "opt/gps.webp", contentType: "image/webp", originalSize: 1134 });
    const sharp = (await import("sharp")).default;
    const before = await sharp(path.join(FIX, "gps.jpg")).metadata();
    expect(before.exif).toBeDefined();
    const meta = await sharp(await readObject("opt/gps.webp")).metadata();
    expect(meta.format).toBe("webp");
    expect(meta.exif).toBeUndefined();
    // 64×48 with orientation 6 is 48×64 upright; fit into width 20 → 20×27.
    expect([meta.width, meta.height]).toEqual([20, 27]);
  });

  it("a 503 on a part is retried by the one retry policy; the upload completes", async () => {
    const p = tempProject();
    const { startS3Faults } = await import("./helpers/s3-faults.js");
    const front = await startS3Faults(s3.endpoint);
    try {
      const data = Buffer.alloc(6 * 1024 * 1024, 9);
      const file = p.write("six.bin", data);
      front.failNext("UploadPart", 503, { code: "ServiceUnavailable", times: 1 });
      const r = await runKanvas(["images", "upload", file, "--key", "retry/six.bin", "--multipart-threshold", "5MiB", "--remote", "--verbose"], {
        cwd: p.dir,
        env: { ...remoteEnv(), R2_ENDPOINT: front.endpoint, KANVAS_RETRY_BASE_MS: "1" },
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/r2 UploadPart: 1 call\(s\), 2 attempt\(s\)/);
      expect(sha(await readObject("retry/six.bin"))).toBe(sha(data));
      expect(front.uploads.size).toBe(0);
    } finally {
      await front.close();
    }
  });

  it("a part that fails for good aborts the multipart upload: no parts left, no object, one-line error", async () => {
    const p = tempProject();
    const { startS3Faults } = await import("./helpers/s3-faults.js");
    const front = await startS3Faults(s3.endpoint);
    try {
      const file = p.write("six.bin", Buffer.alloc(6 * 1024 * 1024, 1));
      front.failNext("UploadPart", 403, { code: "AccessDenied", times: 10 });
      const r = await runKanvas(["images", "upload", file, "--key", "failed/six.bin", "--multipart-threshold", "5MiB", "--remote"], {
        cwd: p.dir,
        env: { ...remoteEnv(), R2_ENDPOINT: front.endpoint },
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^error: upload part 1 of failed\/six\.bin: R2 refused the credentials \(AccessDenied\)\./m);
      expect(front.count("AbortMultipartUpload")).toBe(1);
      expect(front.uploads.size).toBe(0);
      await expect(readObject("failed/six.bin")).rejects.toMatchObject({ name: "NoSuchKey" });
    } finally {
      await front.close();
    }
  });

  it("a file that fails after others went up: those are listed (with their target) before the warning and the error", async () => {
    const p = tempProject();
    const { startS3Faults } = await import("./helpers/s3-faults.js");
    const front = await startS3Faults(s3.endpoint);
    try {
      const big = p.write("six.bin", Buffer.alloc(6 * 1024 * 1024, 1));
      front.failNext("UploadPart", 403, { code: "AccessDenied", times: 10 });
      const args = ["images", "upload", path.join(FIX, "gps.jpg"), big, "--user", "u_7", "--concurrency", "1", "--multipart-threshold", "5MiB", "--remote"];
      const env = { ...remoteEnv(), R2_ENDPOINT: front.endpoint };
      const r = await runKanvas([...args, "--json"], { cwd: p.dir, env });
      expect(r.code).toBe(3);
      // The list of what went up, then the error envelope: two JSON documents on stdout.
      const list = JSON.parse(r.stdout.slice(0, r.stdout.indexOf("\n]\n") + 2));
      expect(list).toHaveLength(1);
      expect(Object.keys(list[0])[0]).toBe("target");
      expect(list[0]).toMatchObject({ target: "remote", file: expect.stringContaining("gps.jpg"), key: expect.stringMatching(/^uploads\/u_7\/\d+-gps\.jpg$/) });
      expect(r.stderr).toMatch(/^warning: 1 of 2 files were uploaded \(listed above\) before the failure\.\nerror: upload part 1 of .*six\.bin: R2 refused the credentials/m);
      expect(JSON.parse(r.stdout.slice(r.stdout.indexOf("\n]\n") + 3))).toMatchObject({ error: { code: expect.any(String) } });
    } finally {
      await front.close();
    }
  });

  it("no credentials for --remote: names the variables, uploads nothing", async () => {
    const p = tempProject();
    const r = await runKanvas(["images", "upload", path.join(FIX, "gps.jpg"), "--key", "x.jpg", "--remote"], { cwd: p.dir, env: { CLOUDFLARE_ACCOUNT_ID: ACCOUNT } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY/);
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("error"))).toHaveLength(1);
  });

  it("wrong credentials map to exit 3 with the fix, secret never printed", async () => {
    const p = tempProject();
    const { startS3Faults } = await import("./helpers/s3-faults.js");
    const front = await startS3Faults(s3.endpoint);
    try {
      front.failNext("PutObject", 403, { code: "SignatureDoesNotMatch" });
      const secret = "super-secret-value-123456";
      const r = await runKanvas(["images", "upload", path.join(FIX, "gps.jpg"), "--key", "x.jpg", "--remote"], {
        cwd: p.dir,
        env: { ...remoteEnv(), R2_ENDPOINT: front.endpoint, R2_SECRET_ACCESS_KEY: secret },
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY/);
      expect(r.stderr + r.stdout).not.toContain(secret);
    } finally {
      await front.close();
    }
  });
});

describe("images upload: bad input is refused before anything is uploaded", () => {
  const cases: Array<[string, (dir: string) => string[], RegExp]> = [
    ["missing file", () => ["images", "upload", "nope.jpg", "--user", "u1"], /^error: nope\.jpg: no such file or folder/m],
    ["path through a file", () => ["images", "upload", path.join(FIX, "gps.jpg", "x"), "--user", "u1"], /cannot read it \(ENOTDIR\)/],
    ["key too long", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--key", "k".repeat(1025)], /1025 bytes; R2 allows at most 1024/],
    ["bad metadata", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--user", "u1", "--metadata", "novalue"], /--metadata "novalue": expected key=value/],
    ["metadata too large", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--user", "u1", "--metadata", `big=${"x".repeat(8200)}`], /R2 allows at most 8192/],
    ["bad sign expiry", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--user", "u1", "--sign", "8d", "--remote"], /--sign 8d: presigned URLs last from 1s to 7d/],
    ["--sign on local", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--user", "u1", "--sign", "1h"], /--sign needs an S3 endpoint/],
    ["no key or user", () => ["images", "upload", path.join(FIX, "gps.jpg")], /Give --key <key> .* or --user <id>/],
    ["--record without --user", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--key", "a", "--record"], /--record needs --user/],
    ["bad threshold", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--user", "u1", "--multipart-threshold", "lots"], /--multipart-threshold "lots": not a size/],
    ["bad user id", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--user", "a/b"], /--user "a\/b" contains "\/", which would add a key segment/],
    ["--optimize a non-image", () => ["images", "upload", path.join(FIX, "gps.jpg"), path.join(FIX, "notes.txt"), "--user", "u1", "--optimize"], /notes\.txt: not an image kanvas can optimise/],
    ["bad --format", () => ["images", "upload", path.join(FIX, "gps.jpg"), "--user", "u1", "--optimize", "--format", "bmp"], /^error: --format: use webp, avif or keep/m],
    ["--key with several files", () => ["images", "upload", path.join(FIX, "gps.jpg"), path.join(FIX, "photo.png"), "--key", "a"], /--key names one object, but 2 files/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const p = tempProject();
      const r = await runKanvas(args(p.dir), { cwd: p.dir, env: remoteEnv() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toBe("");
    });
  }

  it("a decompression bomb is refused by name", async () => {
    const p = tempProject();
    writeFileSync(p.file("bomb.png"), pngHeader(12_000, 9_000));
    const r = await runKanvas("images upload bomb.png --user u1 --optimize", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bomb\.png: 12000×9000 pixels is over the 100 MP limit/);
  });
});

/** A PNG whose header claims width×height (108 MP here) in a few dozen bytes: what a bomb looks like to a decoder. */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", Buffer.alloc(0)), chunk("IEND", Buffer.alloc(0))]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
