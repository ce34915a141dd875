/** Issue 11, items 1 and 13: file names keep their letters and extension; one user-id rule everywhere. */
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { appKey, safeFileName } from "../src/domain/images/keys.js";
import { checkUserId, userIdProblem } from "../src/core/user-id.js";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { useS3Server, type S3Server } from "./helpers/s3-server.js";

const PNG = path.join(REPO_ROOT, "fixtures/images/photo.png");
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

describe("file names in keys (item 1)", () => {
  it("keeps non-Latin letters and the extension, NFC-normalised", () => {
    expect(safeFileName("日本.png")).toBe("日本.png");
    expect(safeFileName("café ü 日本.jpg")).toBe("café-ü-日本.jpg");
    expect(safeFileName("cafe\u0301.jpg")).toBe("café.jpg"); // macOS NFD → NFC
    expect(safeFileName("Ελληνικά.webp")).toBe("Ελληνικά.webp");
    expect(safeFileName("()!.png")).toBe("file.png");
    expect(safeFileName("a\u0000b\u001f.png")).toBe("a-b.png");
    expect(safeFileName("a..b.png")).toBe("a.b.png");
    expect(appKey("u_1", NOW, "/x/日本.png")).toBe(`uploads/u_1/${NOW}-日本.png`);
  });
});

describe("the user-id rule (item 13)", () => {
  it("allows anything but '/', control characters, empty, '.' and '..'", () => {
    for (const ok of ["user:42", "auth0|abc", "u_1", "日本", "a b", "x.y"]) expect(userIdProblem(ok)).toBeUndefined();
    for (const bad of ["", "a/b", "a\nb", "\u007f", ".", ".."]) expect(userIdProblem(bad)).toBeDefined();
    expect(() => checkUserId("a/b", "--user")).toThrow('--user "a/b" contains "/"');
  });
});

describe("images upload and ratelimit with the shared rules (local and remote)", () => {
  let s3: S3Server;
  let sdk: S3Client;
  const s3rver = useS3Server();
  beforeAll(() => void ({ s3, sdk } = s3rver.started()));
  const remoteEnv = () => s3rver.r2Env();

  for (const target of ["local", "remote"] as const) {
    it(`${target}: a folder of CJK names with one extension uploads, each key keeps its name; --user user:42 works`, async () => {
      const p = tempProject({ migrations: false });
      mkdirSync(p.file("batch"));
      for (const name of ["日本.png", "中国.png", "café ü 日本.png"]) copyFileSync(PNG, p.file(`batch/${name}`));
      const r = await runKanvas(["images", "upload", "batch", "--user", "user:42", "--json", `--${target}`], {
        cwd: p.dir,
        env: target === "remote" ? remoteEnv() : {},
        deps: { now: () => NOW },
      });
      expect(r.code, r.stderr).toBe(0);
      const keys = (JSON.parse(r.stdout) as Array<{ key: string }>).map((x) => x.key).sort();
      expect(keys).toEqual([`uploads/user:42/${NOW}-café-ü-日本.png`, `uploads/user:42/${NOW}-中国.png`, `uploads/user:42/${NOW}-日本.png`].sort());
      if (target === "remote") {
        const head = await sdk.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: keys[0] }));
        expect(head.Metadata?.userid).toBe("user:42");
      }
    });

    it(`${target}: auth0|abc is accepted by upload; a '/' is refused with exit 2 naming --user`, async () => {
      const p = tempProject({ migrations: false });
      const ok = await runKanvas(["images", "upload", PNG, "--user", "auth0|abc", "--json", `--${target}`], { cwd: p.dir, env: target === "remote" ? remoteEnv() : {}, deps: { now: () => NOW } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)[0].key).toBe(`uploads/auth0|abc/${NOW}-photo.png`);
      const bad = await runKanvas(["images", "upload", PNG, "--user", "a/b", `--${target}`], { cwd: p.dir, env: target === "remote" ? remoteEnv() : {} });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('error: --user "a/b" contains "/", which would add a key segment; user ids cannot contain "/".\n');
    });
  }

  it("local: ratelimit takes the same ids (user:42, auth0|abc) and refuses the same ones", async () => {
    const p = tempProject({ migrations: false });
    for (const id of ["user:42", "auth0|abc"]) {
      const r = await runKanvas(["cache", "ratelimit", "hit", id, "draw", "--json"], { cwd: p.dir });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ userId: id, count: 1 });
    }
    const bad = await runKanvas(["cache", "ratelimit", "hit", "a/b", "draw"], { cwd: p.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: <userId> "a/b" contains "/", which would add a key segment; user ids cannot contain "/".\n');
  });
});
