/** Issue 11, item 16 (terminal output): NULL is not an empty string, times carry their zone, cache get ends a line. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject } from "./helpers/project.js";
import { wranglerToml } from "./helpers/wrangler-config.js";
import { runKanvas } from "./helpers/run-kanvas.js";

let fake: FakeCloudflare;
beforeAll(async () => {
  fake = await startFakeCloudflare();
});
afterAll(async () => fake.close());

function setup(target: "local" | "remote") {
  if (target === "local") return { p: tempProject(), env: {} as Record<string, string> };
  const db = fake.d1.createDatabase(`kanvas-db-${Math.random().toString(36).slice(2)}`).uuid;
  const ns = fake.kv.createNamespace(`sweep-out-${Math.random()}`).id;
  const wrangler = wranglerToml({ d1: { databaseId: db }, kv: { id: ns } });
  return { p: tempProject({ wrangler }), env: { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL, KANVAS_RETRY_BASE_MS: "10" } };
}

for (const target of ["local", "remote"] as const) {
  describe(`${target}: terminal output`, () => {
    it("a table shows SQL NULL as NULL and an empty string as blank", async () => {
      const { p, env } = setup(target);
      const r = await runKanvas(["db", "query", "SELECT NULL AS n, '' AS e, 'x' AS s", `--${target}`], { cwd: p.dir, env });
      expect(r.code, r.stderr).toBe(0);
      const [header, row] = r.stdout.split("\n");
      expect(header).toMatch(/^n\s+e\s+s$/);
      expect(row).toMatch(/^NULL\s+x$/);
    });

    it("migrate status prints applied times with their zone (…Z), in the table and in JSON", async () => {
      const { p, env } = setup(target);
      expect((await runKanvas(["db", "migrate", `--${target}`], { cwd: p.dir, env })).code).toBe(0);
      const human = await runKanvas(["db", "migrate", "status", `--${target}`], { cwd: p.dir, env });
      expect(human.stdout).toMatch(/0000_kanvas_schema\.sql\s+applied\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
      const json = JSON.parse((await runKanvas(["db", "migrate", "status", "--json", `--${target}`], { cwd: p.dir, env })).stdout);
      expect(json.migrations[0].applied_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it("cache get at a terminal ends with a newline; piped, the value is untouched", async () => {
      const { p, env } = setup(target);
      expect((await runKanvas(["cache", "put", "k", "no newline", `--${target}`], { cwd: p.dir, env })).code).toBe(0);
      expect((await runKanvas(["cache", "get", "k", `--${target}`], { cwd: p.dir, env, tty: true })).stdout).toBe("no newline\n");
      expect((await runKanvas(["cache", "get", "k", `--${target}`], { cwd: p.dir, env })).stdout).toBe("no newline");
    });
  });
}
