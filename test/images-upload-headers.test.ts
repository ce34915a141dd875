import { readFileSync } from "node:fs";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject, wranglerToml } from "./helpers/project.js";
import { createAppSchema } from "./helpers/app-schema.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { startS3Extras, type S3Extras } from "./helpers/s3-extras.js";
import { s3ClientFor, startS3Server, type S3Server } from "./helpers/s3-server.js";

describe("images upload headers and overwrite safety (remote: s3rver, fake D1 API)", () => {
  let s3: S3Server;
  let front: S3Extras;
  let cf: FakeCloudflare;
  let sdk: S3Client;
  let dbId: string;
  beforeAll(async () => {
    [s3, cf] = await Promise.all([startS3Server(), startFakeCloudflare()]);
    front = await startS3Extras(s3.endpoint);
    sdk = s3ClientFor(s3);
    dbId = cf.d1.createDatabase("kanvas-db").uuid;
    createAppSchema((sql) => cf.d1.exec(dbId, sql));
  });
  afterAll(async () => {
    sdk?.destroy();
    await front?.close();
    await Promise.all([s3?.close(), cf?.close()]);
  });
  const project = () => {
    const p = tempProject({
      wrangler: wranglerToml({ compatibilityDate: null, d1: { databaseId: dbId, migrationsDir: null }, kv: false, rateLimits: false }),
      migrations: false,
      files: { "one.txt": "one", "batch/a.txt": "A", "batch/sub/b.txt": "B", "v2.txt": "version two" },
    });
    const env = { R2_ENDPOINT: front.endpoint, R2_ACCESS_KEY_ID: s3.accessKeyId, R2_SECRET_ACCESS_KEY: s3.secretAccessKey, CLOUDFLARE_ACCOUNT_ID: cf.accountId, CLOUDFLARE_API_TOKEN: cf.token, CLOUDFLARE_BASE_URL: cf.baseURL, KANVAS_RETRY_BASE_MS: "1" };
    return { ...p, env };
  };
  const head = (key: string) => sdk.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
  const body = async (key: string) => (await sdk.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToString();

  it("--cache-control and --content-disposition reach the object; generated keys default to immutable, --key uploads to none", async () => {
    const p = project();
    expect((await runKanvas(["images", "upload", "one.txt", "--key", "h/one.txt", "--cache-control", "public, max-age=60", "--content-disposition", 'attachment; filename="one.txt"', "--remote"], { cwd: p.dir, env: p.env })).code).toBe(0);
    expect(await head("h/one.txt")).toMatchObject({ CacheControl: "public, max-age=60", ContentDisposition: 'attachment; filename="one.txt"' });
    expect((await runKanvas("images upload one.txt --key h/plain.txt --remote", { cwd: p.dir, env: p.env })).code).toBe(0);
    expect((await head("h/plain.txt")).CacheControl).toBeUndefined();
    const gen = await runKanvas("images upload one.txt --user u_1 --remote --json", { cwd: p.dir, env: p.env });
    expect((await head(JSON.parse(gen.stdout)[0].key)).CacheControl).toBe("public, max-age=31536000, immutable");
    const bad = await runKanvas(["images", "upload", "one.txt", "--key", "h/x.txt", "--content-disposition", "attachment; filename=\"grüße.txt\"", "--remote"], { cwd: p.dir, env: p.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--content-disposition must be printable ASCII.*filename\*=UTF-8''/);
  });

  it("--no-clobber sends If-None-Match: * and refuses an existing key (exit 5), leaving it as it was", async () => {
    const p = project();
    expect((await runKanvas("images upload one.txt --key nc/one.txt --no-clobber --remote", { cwd: p.dir, env: p.env })).code).toBe(0);
    const r = await runKanvas("images upload v2.txt --key nc/one.txt --no-clobber --remote", { cwd: p.dir, env: p.env });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/nc\/one\.txt already exists in kanvas-images; --no-clobber left it as it was/);
    expect(await body("nc/one.txt")).toBe("one");
    expect(front.ifNoneMatch.slice(-2)).toEqual(["*", "*"]);
  });

  it("a folder with --prefix keeps its relative paths", async () => {
    const p = project();
    const r = await runKanvas("images upload batch --prefix site/static/ --remote --json", { cwd: p.dir, env: p.env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { key: string }) => x.key).sort()).toEqual(["site/static/a.txt", "site/static/sub/b.txt"]); // results come in finishing order
    expect(await body("site/static/sub/b.txt")).toBe("B");
    const both = await runKanvas("images upload batch --prefix p/ --key k --remote", { cwd: p.dir, env: p.env });
    expect(both.code).toBe(2);
  });

  it("uploading over a key that a D1 assets row references asks first (--yes where no one can answer)", async () => {
    const p = project();
    expect((await runKanvas("images upload one.txt --key ref/one.txt --remote", { cwd: p.dir, env: p.env })).code).toBe(0);
    cf.d1.exec(dbId, "INSERT INTO assets (id, user_id, r2_key, size_bytes) VALUES ('row-9', 'u_9', 'ref/one.txt', 3)");
    const refused = await runKanvas("images upload v2.txt --key ref/one.txt --remote", { cwd: p.dir, env: p.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/ref\/one\.txt \(referenced by assets row row-9 \(user u_9\)\): refusing without --yes/);
    expect(await body("ref/one.txt")).toBe("one");
    const ok = await runKanvas("images upload v2.txt --key ref/one.txt --remote --yes", { cwd: p.dir, env: p.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(await body("ref/one.txt")).toBe("version two");
  });
});

describe("images upload --no-clobber and referenced overwrites on the local target (Miniflare)", () => {
  it("--no-clobber uses the binding's condition; a referenced key needs --yes", async () => {
    const p = tempProject({ files: { "one.txt": "one", "v2.txt": "version two" } });
    expect((await runKanvas("db migrate --local", { cwd: p.dir })).code).toBe(0);
    const rec = await runKanvas("images upload one.txt --user u_4 --record --json", { cwd: p.dir });
    const key = JSON.parse(rec.stdout)[0].key as string;
    const nc = await runKanvas(["images", "upload", "v2.txt", "--key", key, "--no-clobber"], { cwd: p.dir });
    expect(nc.code).toBe(5);
    expect(nc.stderr).toContain(`${key} already exists in kanvas-images; --no-clobber left it as it was`);
    const refused = await runKanvas(["images", "upload", "v2.txt", "--key", key], { cwd: p.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/referenced by assets row .* refusing without --yes/);
    const got = await runKanvas(["images", "get", key, "-o", "-"], { cwd: p.dir });
    expect(got.stdout).toBe("one");
    expect((await runKanvas(["images", "upload", "v2.txt", "--key", key, "--yes"], { cwd: p.dir })).code).toBe(0);
    expect((await runKanvas(["images", "get", key, "-o", "-"], { cwd: p.dir })).stdout).toBe("version two");
    expect(readFileSync(p.file("v2.txt"), "utf8")).toBe("version two");
  }, 300_000);
});
