import { utimesSync } from "node:fs";
import path from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { s3ClientFor, startS3Server, type S3Server } from "./helpers/s3-server.js";

const DAY = 86_400_000;
let s3: S3Server;
let sdk: S3Client;
beforeAll(async () => {
  s3 = await startS3Server();
  sdk = s3ClientFor(s3);
  for (const [key, ageDays] of [["uploads/u1/a.jpg", 40], ["uploads/u1/b.jpg", 1], ["uploads/u2/c.jpg", 10], ["misc/d.txt", 0]] as const) {
    await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: `body of ${key}`, ContentType: "image/jpeg" }));
    const t = new Date(Date.now() - ageDays * DAY);
    utimesSync(s3.objectPath(key), t, t);
  }
});
afterAll(async () => {
  sdk?.destroy();
  await s3?.close();
});
const env = () => ({ R2_ENDPOINT: s3.endpoint, R2_ACCESS_KEY_ID: s3.accessKeyId, R2_SECRET_ACCESS_KEY: s3.secretAccessKey, CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef" });

describe("images sign", () => {
  it("prints a presigned GET URL that works over HTTP; the expiry goes to stderr", async () => {
    const p = tempProject();
    const r = await runKanvas("images sign uploads/u1/a.jpg --expires 90s --remote", { cwd: p.dir, env: env() });
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/kanvas-images\/uploads\/u1\/a\.jpg\?.*X-Amz-Expires=90/);
    expect(r.stderr).toMatch(/GET uploads\/u1\/a\.jpg — expires \d{4}-\d\d-\d\dT/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("body of uploads/u1/a.jpg");
  });

  it("--method put --content-type pins the upload's type; the URL accepts a PUT", async () => {
    const p = tempProject();
    const r = await runKanvas("images sign put-test/new.png --method put --content-type image/png --expires 15m --remote --json", { cwd: p.dir, env: env() });
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout);
    expect(row).toMatchObject({ key: "put-test/new.png", method: "PUT", expiresInSeconds: 900 });
    expect(row.url).toMatch(/X-Amz-SignedHeaders=content-type%3Bhost|X-Amz-SignedHeaders=content-type;host/);
    const put = await fetch(row.url, { method: "PUT", body: "png bytes", headers: { "content-type": "image/png" } });
    expect(put.status).toBe(200);
  });

  it("a missing GET key is exit 4; --no-check signs it anyway", async () => {
    const p = tempProject();
    const missing = await runKanvas("images sign uploads/nope.jpg --remote", { cwd: p.dir, env: env() });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/uploads\/nope\.jpg: no such object in kanvas-images\. .*--no-check/);
    const unchecked = await runKanvas("images sign uploads/nope.jpg --no-check --remote", { cwd: p.dir, env: env() });
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toContain("uploads/nope.jpg?");
  });

  const bad: Array<[string, string, RegExp]> = [
    ["expiry over 7 days", "images sign k --expires 8d --remote", /--expires 8d: presigned URLs last from 1s to 7d/],
    ["expiry of zero", "images sign k --expires 0s --remote", /--expires "0s": not a duration/],
    ["expiry not a duration", "images sign k --expires soon --remote", /--expires "soon": not a duration.*from 1s to 7d/],
    ["unknown method", "images sign k --method post --remote", /--method: use get or put/],
    ["content type with get", "images sign k --content-type image/png --remote", /--content-type pins what a PUT uploads/],
    ["local target", "images sign k", /Presigning needs an S3 endpoint.*--remote with R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY/],
  ];
  for (const [name, cmd, message] of bad) {
    it(`refuses: ${name}`, async () => {
      const p = tempProject();
      const r = await runKanvas(cmd, { cwd: p.dir, env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    });
  }
});

describe("images list", () => {
  it("lists size, age and key; --prefix and --older-than filter", async () => {
    const p = tempProject();
    const all = await runKanvas("images list --remote --json", { cwd: p.dir, env: env() });
    expect(all.code).toBe(0);
    const keys = JSON.parse(all.stdout).map((o: { key: string }) => o.key);
    expect(keys.filter((k: string) => !k.startsWith("put-test/"))).toEqual(["misc/d.txt", "uploads/u1/a.jpg", "uploads/u1/b.jpg", "uploads/u2/c.jpg"]);
    const old = await runKanvas("images list --prefix uploads/ --older-than 7d --remote --json", { cwd: p.dir, env: env() });
    const rows = JSON.parse(old.stdout);
    expect(rows.map((o: { key: string }) => o.key)).toEqual(["uploads/u1/a.jpg", "uploads/u2/c.jpg"]);
    expect(rows[0].size).toBe("body of uploads/u1/a.jpg".length);
    expect(rows[0].ageSeconds).toBeGreaterThan(39 * 86_400);
    const human = await runKanvas("images list --prefix uploads/u1/ --remote", { cwd: p.dir, env: env() });
    expect(human.stdout).toMatch(/^SIZE +AGE +KEY\n24 B +40d +uploads\/u1\/a\.jpg\n24 B +(23h|1d) +uploads\/u1\/b\.jpg\n$/);
    expect(human.stderr).toMatch(/2 object\(s\), 48 B\./);
  });

  it("refuses a bad --older-than with the accepted forms", async () => {
    const p = tempProject();
    const r = await runKanvas("images list --older-than yesterday --remote", { cwd: p.dir, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--older-than "yesterday": not a duration\. Use a whole number and a unit, e\.g\. 90m, 12h, 30d, 2w\./);
  });
});

describe("images cors", () => {
  it("set validates the file, replaces the rules; get prints them back in the same shape", async () => {
    const p = tempProject();
    const rules = { rules: [{ allowed: { origins: ["https://kanvas.app"], methods: ["GET", "PUT"], headers: ["content-type"] }, exposeHeaders: ["etag"], maxAgeSeconds: 3600 }] };
    p.write("cors.json", JSON.stringify(rules));
    const dry = await runKanvas("images cors set cors.json --remote --dry-run", { cwd: p.dir, env: env() });
    expect(dry.code).toBe(0);
    expect((await runKanvas("images cors get --remote --json", { cwd: p.dir, env: env() })).stdout).toContain('"CORSRules": []');
    const set = await runKanvas("images cors set cors.json --remote", { cwd: p.dir, env: env() });
    expect(set.stderr).not.toMatch(/error/);
    expect(set.code).toBe(0);
    const get = await runKanvas("images cors get --remote --json", { cwd: p.dir, env: env() });
    const back = JSON.parse(get.stdout);
    expect(back.CORSRules).toEqual([{ AllowedOrigins: ["https://kanvas.app"], AllowedMethods: ["GET", "PUT"], AllowedHeaders: ["content-type"], ExposeHeaders: ["etag"], MaxAgeSeconds: 3600 }]);
    // Replacing existing rules is destructive: without a terminal it needs --yes.
    p.write("back.json", get.stdout);
    const again = await runKanvas("images cors set back.json --remote", { cwd: p.dir, env: env() });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/refusing without --yes/);
    expect((await runKanvas("images cors set back.json --remote --yes", { cwd: p.dir, env: env() })).code).toBe(0);
  });

  const badFiles: Array<[string, string, RegExp]> = [
    ["not JSON", "{oops", /cors\.json: not valid JSON/],
    ["no origins", JSON.stringify([{ AllowedOrigins: [], AllowedMethods: ["GET"] }]), /cors\.json: rule 1 AllowedOrigins: needs at least one origin/],
    ["bad method", JSON.stringify({ CORSRules: [{ AllowedOrigins: ["*"], AllowedMethods: ["PATCH"] }] }), /cors\.json: rule 1 AllowedMethods\.0: methods are GET, PUT, POST, DELETE, HEAD/],
    ["unknown field", JSON.stringify([{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], Origins: ["x"] }]), /cors\.json: rule 1.*Origins/],
    ["wrong shape", JSON.stringify({ cors: [] }), /expected an array of rules, \{"CORSRules": \[\.\.\.\]\} or \{"rules": \[\.\.\.\]\}/],
  ];
  for (const [name, content, message] of badFiles) {
    it(`refuses a bad CORS file: ${name}`, async () => {
      const p = tempProject();
      p.write("cors.json", content);
      const r = await runKanvas("images cors set cors.json --remote --yes", { cwd: p.dir, env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }

  it("a missing file and the local target are refused plainly", async () => {
    const p = tempProject();
    expect((await runKanvas("images cors set nope.json --remote", { cwd: p.dir, env: env() })).stderr).toMatch(/nope\.json: no such file/);
    const local = await runKanvas("images cors get", { cwd: p.dir, env: env() });
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/Bucket CORS needs an S3 endpoint/);
  });
});

describe("fixtures", () => {
  it("the EXIF fixture carries GPS and camera data (what --optimize must strip)", async () => {
    const sharp = (await import("sharp")).default;
    const meta = await sharp(path.join(REPO_ROOT, "fixtures/images/gps.jpg")).metadata();
    expect(meta.orientation).toBe(6);
    expect(meta.exif?.includes(Buffer.from("KanvasCam"))).toBe(true);
    expect(meta.exif?.includes(Buffer.from([0x88, 0x25])) || meta.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true); // GPS IFD pointer tag
  });
});
