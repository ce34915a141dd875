/** Issue 11, items 15, 16 (upload output) and 17: wrangler's short flags, --quiet, each file once, honest --optimize. */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, tempProject, type TempProject } from "./helpers/project.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";
import { useS3Server, type S3Server } from "./helpers/s3-server.js";

const FIX = path.join(REPO_ROOT, "fixtures/images");
let s3: S3Server;
let sdk: S3Client;
const s3rver = useS3Server();
beforeAll(() => void ({ s3, sdk } = s3rver.started()));
const remoteEnv = () => s3rver.r2Env();

/** Two tiny PNGs that sharp's default re-encode makes larger: one with EXIF to strip, one without. */
async function growingPngs(p: TempProject): Promise<{ plain: string; meta: string }> {
  const raw = Buffer.alloc(64 * 64 * 3);
  let seed = 42; // a fixed pseudo-random noise: compresses badly once it is no longer a 2-colour palette
  for (let i = 0; i < raw.length; i += 3) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    raw[i] = raw[i + 1] = raw[i + 2] = seed & 0x10000 ? 255 : 0;
  }
  const plain = await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).png({ palette: true, colours: 2, compressionLevel: 9 }).toBuffer();
  const meta = await sharp(plain).withExif({ IFD0: { Copyright: "kanvas test" } }).png({ palette: true, colours: 2, compressionLevel: 9 }).toBuffer();
  return { plain: p.write("plain.png", plain), meta: p.write("meta.png", meta) };
}

async function stored(target: "local" | "remote", p: TempProject, key: string, env: Record<string, string>): Promise<Buffer> {
  if (target === "remote") {
    const res = await sdk.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  }
  // The local bucket has no GET URL: compare the stored size through images list.
  const list = JSON.parse((await runKanvas(["images", "list", "--prefix", key, "--json"], { cwd: p.dir, env })).stdout) as Array<{ key: string; size: number }>;
  return Buffer.alloc(list.find((o) => o.key === key)!.size);
}

for (const target of ["local", "remote"] as const) {
  const env = () => (target === "remote" ? remoteEnv() : ({} as Record<string, string>));
  describe(`${target}: --optimize never claims an optimisation that is not one (item 17)`, () => {
    it("keeps the original when re-encoding only makes it bigger, and says so", async () => {
      const p = tempProject({ migrations: false });
      const { plain } = await growingPngs(p);
      const size = readFileSync(plain).length;
      const r = await runKanvas(["images", "upload", plain, "--key", `t/${target}/plain.png`, "--optimize", `--${target}`], { cwd: p.dir, env: env() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\(original kept: re-encoding gave \d+ B → 1\.\d KiB, larger, and there was nothing to strip or resize\)/);
      expect(r.stdout).not.toMatch(/optimised/);
      expect((await stored(target, p, `t/${target}/plain.png`, env())).length).toBe(size);
    });

    it("uploads the re-encoded file when it must strip metadata, and says it is not smaller", async () => {
      const p = tempProject({ migrations: false });
      const { meta } = await growingPngs(p);
      const r = await runKanvas(["images", "upload", meta, "--key", `t/${target}/meta.png`, "--optimize", `--${target}`, "--json"], { cwd: p.dir, env: env() });
      expect(r.code, r.stderr).toBe(0);
      const [row] = JSON.parse(r.stdout);
      expect(row.kept).toBe("optimized");
      expect(row.optimizedSize).toBeGreaterThan(row.originalSize);
      expect(row.size).toBe(row.optimizedSize);
      if (target === "remote") expect((await sharp(await stored(target, p, `t/${target}/meta.png`, env())).metadata()).exif).toBeUndefined();
      const human = await runKanvas(["images", "upload", meta, "--key", `t/${target}/meta2.png`, "--optimize", `--${target}`], { cwd: p.dir, env: env() });
      expect(human.stdout).toMatch(/\(re-encoded: \d+ B → 1\.\d KiB, not smaller; uploaded anyway, as --optimize strips metadata/);
      const gps = await runKanvas(["images", "upload", path.join(FIX, "gps.jpg"), "--key", `t/${target}/gps.jpg`, "--optimize", `--${target}`], { cwd: p.dir, env: env() });
      expect(gps.stdout).toMatch(/\(optimised: 1\.1 KiB → \d+ B, \d+% smaller\)/);
    });

    it("warns about an empty file and a file that is not an image by its bytes", async () => {
      const p = tempProject({ migrations: false });
      p.write("empty.png", "");
      const r = await runKanvas(["images", "upload", "empty.png", path.join(FIX, "notes.txt"), "--user", "u1", `--${target}`], { cwd: p.dir, env: env() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("warning: empty.png is empty (0 bytes); uploading it anyway.");
      expect(r.stderr).toMatch(/warning: .*notes\.txt is not an image by its bytes \(text\/plain\); uploading it anyway\./);
    });
  });

  describe(`${target}: output off a terminal and --quiet (items 15, 16)`, () => {
    it("prints each uploaded file once (stdout), not again on stderr", async () => {
      const p = tempProject({ migrations: false });
      const r = await runKanvas(["images", "upload", path.join(FIX, "photo.png"), path.join(FIX, "gps.jpg"), "--user", "u1", `--${target}`], { cwd: p.dir, env: env() });
      expect(r.code, r.stderr).toBe(0);
      for (const name of ["photo.png", "gps.jpg"]) {
        expect((r.stdout + r.stderr).split(new RegExp(`uploads/u1/\\d+-${name.replace(".", "\\.")}`)).length - 1).toBe(1);
      }
    });

    it("--quiet drops the Target line and status lines but keeps data and errors", async () => {
      const p = tempProject({ migrations: false });
      const ok = await runKanvas(["cache", "put", "k", "v", "--quiet", `--${target}`], { cwd: p.dir, env: target === "remote" ? {} : {} });
      if (target === "local") {
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.stderr).toBe("");
      }
      const up = await runKanvas(["images", "upload", path.join(FIX, "photo.png"), "--key", "q/photo.png", "--quiet", `--${target}`], { cwd: p.dir, env: env() });
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toBe("");
      expect(up.stdout).toMatch(/^q\/photo\.png {2}203 B/);
      const bad = await runKanvas(["images", "upload", "missing.png", "--key", "x", "--quiet", `--${target}`], { cwd: p.dir, env: env() });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^error: .*missing\.png/);
    });
  });
}

describe("wrangler's short flags (item 15)", () => {
  it("-v prints the version (launcher fast path and the full CLI), -c and -e pick config and env", async () => {
    const p = tempProject({ migrations: false });
    const version = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version as string;
    expect((await spawnKanvas("-v", { cwd: p.dir }).done).stdout).toBe(`${version}\n`);
    expect((await runKanvas("-v", { cwd: p.dir })).stdout).toBe(`${version}\n`);
    writeFileSync(p.file("other.toml"), 'name = "other"\naccount_id = "0123456789abcdef0123456789abcdef"\n[env.staging]\nname = "other-staging"\n');
    const r = await runKanvas("config show -c other.toml -e staging --json", { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    const view = JSON.parse(r.stdout);
    expect(view.configPath).toBe(p.file("other.toml"));
    expect(view.env).toBe("staging");
  });
});
