/** Issue 11, items 10 and 16 (confirmations): cache delete says what existed where it can tell; questions name the keys. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeTargets } from "../src/domain/confirm-summary.js";
import { atTerminal } from "./helpers/at-terminal.js";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

let fake: FakeCloudflare;
beforeAll(async () => {
  fake = await startFakeCloudflare();
});
afterAll(async () => fake.close());

function setup(target: "local" | "remote") {
  if (target === "local") return { p: tempProject({ migrations: false }), env: {} as Record<string, string> };
  const ns = fake.kv.createNamespace(`sweep-del-${Math.random()}`).id;
  const p = tempProject({ wrangler: wranglerToml({ kv: { id: ns } }), migrations: false });
  return { p, env: { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL, KANVAS_RETRY_BASE_MS: "10" } };
}

describe("confirmation summaries (item 16)", () => {
  it("name up to 5 keys, then 'and N more', with the count and bytes", () => {
    expect(describeTargets({ keys: ["a", "b"], noun: "key", bytes: 2048 })).toBe('2 key(s) (2.0 KiB): "a", "b"');
    expect(describeTargets({ keys: ["1", "2", "3", "4", "5", "6", "7"], noun: "object", bytes: 10 })).toBe('7 object(s) (10 B): "1", "2", "3", "4", "5" and 2 more');
    expect(describeTargets({ keys: ["1", "2", "3", "4", "5"], noun: "object", total: 1200 })).toBe('1200 object(s): "1", "2", "3", "4", "5" and 1195 more');
  });
});

for (const target of ["local", "remote"] as const) {
  describe(`${target}: cache delete reports what was asked and what existed (item 10)`, () => {
    it("named keys: says which did not exist where the target can tell", async () => {
      const { p, env } = setup(target);
      const t = `--${target}`;
      expect((await runKanvas(["cache", "put", "here", "value", t], { cwd: p.dir, env })).code).toBe(0);
      const r = await runKanvas(["cache", "delete", "here", "missing-key", "--yes", t], { cwd: p.dir, env });
      expect(r.code, r.stderr).toBe(0);
      const json = await runKanvas(["cache", "delete", "missing-key", "--yes", "--json", t], { cwd: p.dir, env });
      expect(json.code, json.stderr).toBe(0);
      if (target === "local") {
        expect(r.stderr).toContain('✔ deleted 1 of 2 key(s) asked for from KANVAS_CACHE (local). 1 did not exist: "missing-key".');
        expect(JSON.parse(json.stdout)).toEqual({ target, requested: 1, keys: ["missing-key"], missing: ["missing-key"], deleted: 0, failed: [], dryRun: false });
      } else {
        expect(r.stderr).toContain("✔ asked KANVAS_CACHE (remote) to delete 2 key(s); the KV API does not report whether they existed.");
        expect(r.stderr).not.toMatch(/deleted \d/);
        expect(JSON.parse(json.stdout)).toEqual({ target, requested: 1, keys: ["missing-key"], missing: null, deleted: null, failed: [], dryRun: false });
      }
      expect((await runKanvas(["cache", "get", "here", t], { cwd: p.dir, env })).code).toBe(4);
    });

    it("at a terminal the question names the first 5 keys and how many more", async () => {
      const { p, env } = setup(target);
      const t = `--${target}`;
      p.write("pairs.json", JSON.stringify([1, 2, 3, 4, 5, 6, 7].map((i) => ({ key: `p:${i}`, value: "xy" }))));
      expect((await runKanvas(["cache", "put", "--bulk", "pairs.json", t], { cwd: p.dir, env })).code).toBe(0);
      const no = await atTerminal(["cache", "delete", "--prefix", "p:", t], { cwd: p.dir, env, when: "Delete 7 key(s)", keys: "n" });
      expect(no.code).toBe(130);
      expect(no.err.replace(/[\s│]+/g, " ")).toContain('Delete 7 key(s): "p:1", "p:2", "p:3", "p:4", "p:5" and 2 more from KANVAS_CACHE');
      if (target === "local") {
        const named = await atTerminal(["cache", "delete", "p:1", "p:2", t], { cwd: p.dir, env, when: "Delete 2 key(s)", keys: "n" });
        expect(named.err.replace(/[\s│]+/g, " ")).toContain('Delete 2 key(s) (4 B): "p:1", "p:2" from KANVAS_CACHE (local)?');
      }
    });
  });
}
