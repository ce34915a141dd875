/** Issue 11, item 12: every command's --json output matches its documented shape (test/helpers/json-shapes.ts). */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { errorEnvelope, shapes } from "./helpers/json-shapes.js";
import { REPO_ROOT, tempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { startS3Server, type S3Server } from "./helpers/s3-server.js";

let fake: FakeCloudflare;
let s3: S3Server;
beforeAll(async () => {
  [fake, s3] = await Promise.all([startFakeCloudflare(), startS3Server()]);
});
afterAll(async () => Promise.all([fake?.close(), s3?.close()]));

function setup(target: "local" | "remote") {
  if (target === "local") return { p: tempProject(), env: {} as Record<string, string> };
  const db = fake.d1.createDatabase(`kanvas-db-${Math.random().toString(36).slice(2)}`).uuid;
  const ns = fake.kv.createNamespace(`shapes-${Math.random()}`).id;
  const wrangler = wranglerToml({ d1: { databaseId: db }, kv: { id: ns } });
  const env = {
    CLOUDFLARE_API_TOKEN: fake.token,
    CLOUDFLARE_ACCOUNT_ID: fake.accountId,
    CLOUDFLARE_BASE_URL: fake.baseURL,
    R2_ENDPOINT: s3.endpoint,
    R2_ACCESS_KEY_ID: s3.accessKeyId,
    R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
    KANVAS_RETRY_BASE_MS: "10",
  };
  return { p: tempProject({ wrangler }), env };
}

for (const target of ["local", "remote"] as const) {
  describe(`${target}: --json shapes`, { timeout: 300_000 }, () => {
    it("every command's result parses with its strict schema and says its target", async () => {
      const { p, env } = setup(target);
      const t = `--${target}`;
      const check = async (name: keyof typeof shapes, args: string[], schema: z.ZodType = shapes[name]) => {
        const r = await runKanvas([...args, t, "--json"], { cwd: p.dir, env });
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
        const parsed = schema.safeParse(JSON.parse(r.stdout));
        expect(parsed.success ? "ok" : `${name}: ${JSON.stringify(parsed.error.issues)}`).toBe("ok");
        const records = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
        for (const rec of records) expect((rec as { target: string }).target).toBe(target);
        return parsed.data;
      };
      await check("db migrate", ["db", "migrate"]);
      await check("db migrate status", ["db", "migrate", "status"]);
      await check("cache put", ["cache", "put", "rooms:registry", '{"rooms":[]}', "--ttl", "5m"]);
      p.write("pairs.json", JSON.stringify([{ key: "a", value: "1" }, { key: "b", value: "2" }]));
      await check("cache put --bulk", ["cache", "put", "--bulk", "pairs.json"]);
      await check("cache get", ["cache", "get", "rooms:registry", "--metadata"]);
      const listed = (await check("cache list", ["cache", "list"])) as Array<{ key: string }>;
      expect(listed.map((k) => k.key).sort()).toEqual(["a", "b", "rooms:registry"]);
      await check("cache delete", ["cache", "delete", "a", "--yes"]);
      await check("cache delete", ["cache", "delete", "--prefix", "b", "--dry-run"]);
      await check("cache ratelimit hit", ["cache", "ratelimit", "hit", "u1", "draw"]);
      await check("cache ratelimit status", ["cache", "ratelimit", "status", "u1"]);
      await check("cache ratelimit top", ["cache", "ratelimit", "top"]);
      await check("cache ratelimit top", ["cache", "ratelimit", "top", "--action", "draw"]);
      await check("cache ratelimit reset", ["cache", "ratelimit", "reset", "u1", "--dry-run"]);
      await check("cache ratelimit reset", ["cache", "ratelimit", "reset", "u1", "--yes"]);
      await check("images upload", ["images", "upload", path.join(REPO_ROOT, "fixtures/images/gps.jpg"), "--user", "u1", "--optimize"]);
      const objects = (await check("images list", ["images", "list"])) as Array<{ key: string }>;
      if (target === "remote") {
        await check("images sign", ["images", "sign", objects[0]!.key]);
        p.write("cors.json", JSON.stringify([{ AllowedOrigins: ["https://kanvas.example"], AllowedMethods: ["GET"] }]));
        await check("images cors set", ["images", "cors", "set", "cors.json", "--dry-run"]);
        await check("images cors set", ["images", "cors", "set", "cors.json", "--yes"]);
        await check("images cors get", ["images", "cors", "get"]);
      }
      await check("images head", ["images", "head", objects[0]!.key]);
      await check("images get", ["images", "get", objects[0]!.key, "-o", "got.bin"]);
      await check("images delete --dry-run", ["images", "delete", objects[0]!.key, "--dry-run"]);
      await check("images delete", ["images", "delete", objects[0]!.key, "--yes"]);
      await check("doctor", ["doctor"]);

      const failed = await runKanvas(["cache", "get", "missing", t, "--json"], { cwd: p.dir, env });
      expect(failed.code).toBe(4);
      expect(errorEnvelope.safeParse(JSON.parse(failed.stdout)).success).toBe(true);
    });
  });
}
