/** Issue 11, item 6: flags that take a path are checked before any work: exit 2 naming the flag. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { REPO_ROOT, tempProject, wranglerToml } from "./helpers/project.js";
import { createAppSchema } from "./helpers/app-schema.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { startS3Server, type S3Server } from "./helpers/s3-server.js";

const DAY = 86_400_000;
let s3: S3Server;
let cf: FakeCloudflare;
let dbId: string;
beforeAll(async () => {
  [s3, cf] = await Promise.all([startS3Server(), startFakeCloudflare()]);
  dbId = cf.d1.createDatabase("kanvas-db").uuid;
  createAppSchema((sql) => cf.d1.exec(dbId, sql));
});
afterAll(async () => Promise.all([s3?.close(), cf?.close()]));
const remoteEnv = () => ({ R2_ENDPOINT: s3.endpoint, R2_ACCESS_KEY_ID: s3.accessKeyId, R2_SECRET_ACCESS_KEY: s3.secretAccessKey, CLOUDFLARE_ACCOUNT_ID: cf.accountId, CLOUDFLARE_API_TOKEN: cf.token, CLOUDFLARE_BASE_URL: cf.baseURL });

describe("bad paths in flags exit 2 before anything is deleted", () => {
  for (const target of ["local", "remote"] as const) {
    it(`${target}: images cleanup --log-file <a folder> / <in a missing folder>`, async () => {
      const p = tempProject({ wrangler: wranglerToml({ d1: { databaseId: dbId } }) });
      const env = target === "remote" ? remoteEnv() : {};
      expect((await runKanvas(["db", "migrate", "--local"], { cwd: p.dir })).code).toBe(0);
      const key = `uploads/u1/${target}-${Date.now()}-photo.png`;
      expect((await runKanvas(["images", "upload", path.join(REPO_ROOT, "fixtures/images/photo.png"), "--key", key, `--${target}`], { cwd: p.dir, env })).code).toBe(0);
      mkdirSync(p.file("logs"));
      const later = () => Date.now() + 40 * DAY;
      const cases: Array<[string, RegExp]> = [
        ["logs", /^error: --log-file logs: is a folder; give a file path/],
        ["nope/deleted.ndjson", /^error: --log-file nope\/deleted\.ndjson: the folder nope does not exist; create it or give another path\.\n$/],
      ];
      for (const [logFile, message] of cases) {
        const r = await runKanvas(["images", "cleanup", "--older-than", "30d", "--prefix", "uploads/u1/", "--yes", "--log-file", logFile, `--${target}`], { cwd: p.dir, env, deps: { now: later } });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.replace(/^Target:.*\n/, "")).toMatch(message);
      }
      const list = JSON.parse((await runKanvas(["images", "list", "--prefix", key, "--json", `--${target}`], { cwd: p.dir, env })).stdout);
      expect(list).toHaveLength(1); // nothing was deleted
    });
  }

  it("--metrics-file and --persist-to are checked before the command runs", async () => {
    const p = tempProject({ migrations: false });
    mkdirSync(p.file("m"));
    const metrics = await runKanvas("cache put k v --metrics-file m", { cwd: p.dir });
    expect(metrics.code).toBe(2);
    expect(metrics.stderr).toBe("error: --metrics-file m: is a folder; give a file path, e.g. m/kanvas.ndjson.\n");
    writeFileSync(p.file("state"), "");
    const persist = await runKanvas("cache put k v --persist-to state", { cwd: p.dir });
    expect(persist.code).toBe(2);
    expect(persist.stderr).toBe("error: --persist-to state: is a file, not a folder; give a folder path.\n");
    expect((await runKanvas("cache get k", { cwd: p.dir })).code).toBe(4); // nothing was written
  });
});
