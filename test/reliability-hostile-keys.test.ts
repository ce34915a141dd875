/**
 * Issue 6 §5 — hostile input, continued (see reliability-hostile-input.test.ts): keys that R2 and KV
 * accept round-trip byte for byte, locally and over the remote APIs.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dir, PNG, run, useHostileProject } from "./helpers/hostile-project.js";
import { rigProject, startRig, type Rig } from "./helpers/reliability-rig.js";
import { runKanvas } from "./helpers/run-kanvas.js";

useHostileProject();

const AWKWARD_KEYS = ["with space", "100%", "100%25", "a#b", "what?x=1&y=2", "ünïcødé/日本語", "...", "a...b", "trailing.", "emoji 🎨", "plus+sign", "semi;colon"];
/** KV takes any key but "." and ".."; these dot segments must stay as they are. */
const KV_KEYS = [...AWKWARD_KEYS, "a/../b", "uploads/./x"];
/** A few of the worst, for the slower per-key local runs. */
const LOCAL_SAMPLE = ["with space", "100%", "a#b", "what?x=1&y=2", "ünïcødé/日本語", "..."];

describe("keys that KV and R2 accept round-trip byte for byte", () => {
  it("KV local: bulk put, list, get", async () => {
    writeFileSync(path.join(dir, "rt.json"), JSON.stringify(KV_KEYS.map((key) => ({ key, value: `value of ${key}` }))));
    const put = await run(["cache", "put", "--bulk", "rt.json"]);
    expect(put.code, put.stderr).toBe(0);
    const single = await run(["cache", "put", "single %2F#?", "one"]);
    expect(single.code, single.stderr).toBe(0);
    const list = await run(["cache", "list", "--json"]);
    const names = (JSON.parse(list.stdout) as Array<{ key: string }>).map((k) => k.key);
    for (const key of [...KV_KEYS, "single %2F#?"]) expect(names, key).toContain(key);
    for (const key of [...LOCAL_SAMPLE, "a/../b", "single %2F#?"]) {
      const get = await run(["cache", "get", key]);
      expect(get.code, `${key}: ${get.stderr}`).toBe(0);
      expect(get.stdout, key).toBe(key === "single %2F#?" ? "one" : `value of ${key}`);
    }
  });

  it("R2 local: upload --key, then list", async () => {
    const keys = [...LOCAL_SAMPLE];
    for (const key of keys) {
      const up = await run(["images", "upload", "a.png", "--key", `rt/${key}`, "--json"]);
      expect(up.code, `${key}: ${up.stderr}`).toBe(0);
    }
    // Dot segments are refused on both targets: remotely URL normalization would store another key.
    const dots = await run(["images", "upload", "a.png", "--key", "rt/a/../b", "--json"]);
    expect(dots.code).toBe(2);
    expect(dots.stderr).toContain('"rt/a/../b" has a "." or ".." segment');
    const list = await run(["images", "list", "--prefix", "rt/", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    const got = (JSON.parse(list.stdout) as Array<{ key: string; size: number }>).map((o) => [o.key, o.size]);
    expect(got.sort()).toEqual(keys.map((k) => [`rt/${k}`, PNG.length]).sort());
  });

  describe("remote", () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig({ s3: true });
    });
    afterAll(async () => {
      await rig?.close();
    });

    it("KV remote (fake API) and R2 remote (s3rver): put, read back, list", async () => {
      const p = rigProject(rig, { migrations: false });
      p.write("a.png", PNG);
      for (const key of KV_KEYS) {
        const put = await runKanvas(["cache", "put", key, `value of ${key}`, "--remote"], { cwd: p.dir, env: p.env });
        expect(put.code, `${key}: ${put.stderr}`).toBe(0);
        expect(Buffer.from(rig.cf.kv.get(p.nsId, key)!.value).toString("utf8")).toBe(`value of ${key}`);
        const get = await runKanvas(["cache", "get", key, "--remote"], { cwd: p.dir, env: p.env });
        expect(get.stdout, key).toBe(`value of ${key}`);
      }
      expect(rig.cf.kv.keys(p.nsId).sort()).toEqual([...KV_KEYS].sort());
      for (const key of AWKWARD_KEYS) {
        const up = await runKanvas(["images", "upload", "a.png", "--key", `rt/${key}`, "--remote"], { cwd: p.dir, env: p.env });
        expect(up.code, `${key}: ${up.stderr}`).toBe(0);
        const obj = await rig.sdk!.send(new GetObjectCommand({ Bucket: rig.s3!.bucket, Key: `rt/${key}` }));
        expect(Buffer.from(await obj.Body!.transformToByteArray()).equals(PNG), key).toBe(true);
      }
      const list = await runKanvas(["images", "list", "--prefix", "rt/", "--remote", "--json"], { cwd: p.dir, env: p.env });
      expect((JSON.parse(list.stdout) as Array<{ key: string }>).map((o) => o.key).sort()).toEqual(AWKWARD_KEYS.map((k) => `rt/${k}`).sort());
    });

    // A key with "." or ".." segments would be rewritten by URL normalization into another object: refused.
    it("R2 remote: a key with . or .. segments is refused or sent so that no hop can rewrite it", async () => {
      const p = rigProject(rig, { migrations: false });
      p.write("a.png", PNG);
      for (const key of ["rt/a/../b", "rt/./c"]) {
        const from = rig.chaos!.log.length;
        const up = await runKanvas(["images", "upload", "a.png", "--key", key, "--remote"], { cwd: p.dir, env: p.env });
        expect(up.code, up.stderr).toBe(2);
        expect(up.stderr).toContain("segment");
        const sent = rig.chaos!.log.slice(from).filter((l) => l.op === "PutObject").map((l) => l.url.split("?")[0]!);
        for (const url of sent) expect(url, key).not.toMatch(/\/\.\.?(\/|$)/);
      }
    });
  });
});
