import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

const HOUR = 3_600_000;
/** 10:59:58 in some hour, so two seconds later is the next window. */
const H = 493_000;
const T = (H + 1) * HOUR - 2_000;
const withLimits = (json: string | null) => wranglerToml({ rateLimits: json ?? false });

describe("cache ratelimit --local", { timeout: 240_000 }, () => {
  it("hit counts like the app, refuses past the limit (exit 6), and starts afresh in the next hour", async () => {
    const p = tempProject({ wrangler: withLimits('{"draw": 3, "upload": 60}'), migrations: false });
    const at = (now: number) => ({ cwd: p.dir, deps: { now: () => now } });
    let r = await runKanvas("cache ratelimit hit u1 draw --cost 2 --json", at(T));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ key: `rate_limit:u1:draw:${H}`, count: 2, limit: 3, remaining: 1, resetsInSeconds: 2, allowed: true });
    // The counter's TTL runs on the real clock from its last write, which comes after this instant.
    const lastWriteAfter = Date.now() / 1000;
    r = await runKanvas("cache ratelimit hit u1 draw", at(T));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("0\n");

    r = await runKanvas("cache ratelimit hit u1 draw", at(T + 1_000));
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/^error: rate limit exceeded: "u1" has used 3 of 3 draw this hour; the window resets in 1s\.$/m);

    // The counter is the app's: decimal text, one-hour TTL, readable with cache get.
    r = await runKanvas(["cache", "get", `rate_limit:u1:draw:${H}`, "--json", "--metadata"], at(T));
    const counter = JSON.parse(r.stdout);
    expect(counter).toMatchObject({ value: 3, type: "json" });
    expect(counter.expiration).toBeGreaterThan(lastWriteAfter + 3590);
    expect(counter.expiration).toBeLessThan(Date.now() / 1000 + 3610);

    r = await runKanvas("cache ratelimit hit u1 draw --json", at(T + 2_000));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ key: `rate_limit:u1:draw:${H + 1}`, count: 1, remaining: 2, resetsInSeconds: 3600 });
  });

  it("status, top and reset read and delete the right counters", async () => {
    const p = tempProject({ wrangler: withLimits('{"draw": 600, "upload": 60}'), migrations: false });
    const at = { cwd: p.dir, deps: { now: () => T } };
    const pairs = [
      [`rate_limit:u1:draw:${H}`, "120"],
      [`rate_limit:u1:upload:${H}`, "60"],
      [`rate_limit:u1:draw:${H - 1}`, "999"], // last hour: not counted, but reset removes it
      [`rate_limit:u2:draw:${H}`, "500"],
      [`rate_limit:u1:x:draw:${H}`, "7"], // user "u1:x", not "u1"
      [`rate_limit:u3:upload:${H}`, "1"],
      ["rooms:registry", "{}"],
    ].map(([key, value]) => ({ key, value, ttl: 3600 }));
    p.write("pairs.json", JSON.stringify(pairs));
    expect((await runKanvas("cache put --bulk pairs.json", at)).code).toBe(0);

    let r = await runKanvas("cache ratelimit status u1 --json", at);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      target: "local",
      userId: "u1",
      hour: H,
      actions: [
        { action: "draw", count: 120, limit: 600, remaining: 480, resetsInSeconds: 2 },
        { action: "upload", count: 60, limit: 60, remaining: 0, resetsInSeconds: 2 },
      ],
    });

    r = await runKanvas("cache ratelimit top --json", at);
    expect(JSON.parse(r.stdout).users.map((u: { userId: string; count: number }) => [u.userId, u.count])).toEqual([
      ["u2", 500],
      ["u1", 180],
      ["u1:x", 7],
      ["u3", 1],
    ]);
    r = await runKanvas("cache ratelimit top --action upload --limit 1", at);
    expect(r.stdout).toMatch(/^USER\s+COUNT\s+LIMIT\nu1\s+60\s+60\n$/);

    r = await runKanvas("cache ratelimit reset u1", at);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes");
    r = await runKanvas("cache ratelimit reset u1 --yes --json", at);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).deleted).toBe(3);
    const left = JSON.parse((await runKanvas("cache list --prefix rate_limit: --json", at)).stdout).map((k: { key: string }) => k.key);
    expect(left.sort()).toEqual([`rate_limit:u1:x:draw:${H}`, `rate_limit:u2:draw:${H}`, `rate_limit:u3:upload:${H}`]);
    const audit = readFileSync(p.file(".wrangler/kanvas/audit.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(audit).toMatchObject([{ command: "cache ratelimit reset", outcome: "ok", counts: { deleted: 3, failed: 0 }, details: { userId: "u1" } }]);
  });

  it("names [vars] KANVAS_RATE_LIMITS when the limits are missing or malformed, and unknown actions", async () => {
    const cases: Array<[string | null, string, RegExp]> = [
      [null, "hit u1 draw", /\[vars\] KANVAS_RATE_LIMITS in wrangler\.toml is missing: .* e\.g\. KANVAS_RATE_LIMITS = '\{"draw": 600, "upload": 60\}'/],
      ["{draw: 5}", "hit u1 draw", /\[vars\] KANVAS_RATE_LIMITS in wrangler\.toml is not valid JSON/],
      ['{"draw": -1}', "hit u1 draw", /KANVAS_RATE_LIMITS in wrangler\.toml at "draw": limits are at least 1/],
      ['{"draw": 5}', "hit u1 paint", /<action> "paint" has no limit in \[vars\] KANVAS_RATE_LIMITS; known actions: draw/],
      ['{"draw": 5}', "hit u1 draw --cost 0", /--cost: must be at least 1/],
    ];
    for (const [limits, args, message] of cases) {
      const p = tempProject({ wrangler: withLimits(limits), migrations: false });
      const r = await runKanvas(`cache ratelimit ${args}`, { cwd: p.dir });
      expect(r.code, args).toBe(2);
      expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"))).toHaveLength(1);
      expect(r.stderr, String(limits)).toMatch(message);
    }
  });
});

describe("cache ratelimit --remote", () => {
  let fake: FakeCloudflare;
  beforeAll(async () => {
    fake = await startFakeCloudflare();
  });
  afterAll(async () => {
    await fake.close();
  });

  it("hits, reports and ranks through the REST API (bulk get for values)", async () => {
    const ns = fake.kv.createNamespace("kanvas-cache").id;
    const toml = wranglerToml({ rateLimits: '{"draw": 5}', kv: { id: ns } });
    const p = tempProject({ wrangler: toml, migrations: false });
    const env = { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL };
    for (let i = 0; i < 150; i++) fake.kv.put(ns, `rate_limit:user${i}:draw:${H}`, String(i % 5), { expirationTtl: 3600 });
    const at = { cwd: p.dir, env, deps: { now: () => T } };
    let r = await runKanvas("cache ratelimit hit user4 draw --remote", at);
    expect(r.code, r.stderr).toBe(0);
    const counter = fake.kv.get(ns, `rate_limit:user4:draw:${H}`)!;
    expect(new TextDecoder().decode(counter.value)).toBe("5");
    expect(counter.expiration).toBeGreaterThan(Date.now() / 1000 + 3590);
    r = await runKanvas("cache ratelimit hit user4 draw --remote", at);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("rate limit exceeded");

    fake.requests.length = 0;
    r = await runKanvas("cache ratelimit top --remote --limit 3 --json", at);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).users.map((u: { userId: string }) => u.userId)).toEqual(["user4", "user104", "user109"]);
    expect(fake.requests.filter((q) => q.path.endsWith("/bulk/get")).length).toBe(2); // 150 values, 100 a request
    expect(fake.unmatched).toEqual([]);
    expect(fake.schemaErrors).toEqual([]);
  });
});
