import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atTerminal } from "./helpers/at-terminal.js";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { APP_WRANGLER_TOML, tempProject } from "./helpers/project.js";

// Large namespaces: `cache ratelimit top` and `cache delete --prefix` list them page by page (1000
// keys a request) through the run's one API budget, and show a counter at a terminal.
const HOUR = 3_600_000;
const H = 493_000;
const T = H * HOUR + 600_000;

describe("cache over a large remote namespace", { timeout: 300_000 }, () => {
  let fake: FakeCloudflare;
  beforeAll(async () => {
    fake = await startFakeCloudflare();
  });
  afterAll(async () => {
    await fake.close();
  });

  function project(keys: number) {
    const ns = fake.kv.createNamespace(`kanvas-cache-${Math.random()}`).id;
    for (let i = 0; i < keys; i++) fake.kv.put(ns, `rate_limit:user${i}:draw:${H}`, String(i % 7), { expirationTtl: 3600 });
    const toml = APP_WRANGLER_TOML.replace('binding = "KANVAS_CACHE"', `binding = "KANVAS_CACHE"\nid = "${ns}"`);
    const p = tempProject({ wrangler: toml, migrations: false });
    const env = { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL };
    return { ns, dir: p.dir, env };
  }

  it("ratelimit top: a counter while listing at a terminal, none with --json; pacing at the reserve, never a 429", async () => {
    const p = project(2500);
    fake.rateLimit.configure({ quota: 215, windowMs: 5_000 });
    try {
      const r = await atTerminal(["cache", "ratelimit", "top", "--remote", "--limit", "3"], { cwd: p.dir, when: "", keys: "", env: p.env, now: () => T });
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/listing rate-limit counters: 1,000 keys…/);
      expect(r.err).toMatch(/\r\u001b\[2K(?!listing)/); // the counter is cleared before the table
      // 3 list pages + 25 bulk reads of 100 went through the budget: it waited at the reserve.
      // The pacing line may land while the counter is drawn: it then clears it first, never runs on from it.
      expect(r.err).toMatch(/(^|\r\u001b\[2K)pacing: \d+ Cloudflare API requests left in this window; waiting \d+ s$/m);
      expect(r.err).not.toMatch(/…pacing/);
      expect(fake.rateLimit.refused).toBe(0);
      expect(r.out).toMatch(/^USER\s+COUNT/m);
      expect(r.out.split("\n").filter((l) => /^user\d+\s+6\s/.test(l))).toHaveLength(3);

      const json = await atTerminal(["cache", "ratelimit", "top", "--remote", "--limit", "3", "--json"], { cwd: p.dir, when: "", keys: "", env: p.env, now: () => T });
      expect(json.code, json.err).toBe(0);
      expect(json.err).not.toMatch(/listing/);
      expect(JSON.parse(json.out).users).toHaveLength(3);
    } finally {
      fake.rateLimit.configure({ quota: 1200, windowMs: 300_000 });
    }
  });

  it("delete --prefix: a counter while listing at a terminal, then every listed key is gone", async () => {
    const p = project(2200);
    const r = await atTerminal(["cache", "delete", "--prefix", "rate_limit:", "--remote", "--yes"], { cwd: p.dir, when: "", keys: "", env: p.env });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/listing keys under "rate_limit:": 1,000 keys…/);
    expect(fake.kv.keys(p.ns)).toEqual([]);
  });
});
