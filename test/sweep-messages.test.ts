/** Issue 11, items 11 and 14: machine-readable rate-limit errors; messages that read right; a "no" is not an error. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atTerminal } from "./helpers/at-terminal.js";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

let fake: FakeCloudflare;
beforeAll(async () => {
  fake = await startFakeCloudflare();
});
afterAll(async () => fake.close());

/** A project for `target`: local, or remote against the fake API with a fresh namespace. */
function setup(target: "local" | "remote") {
  if (target === "local") return { p: tempProject({ migrations: false }), env: {} as Record<string, string> };
  const ns = fake.kv.createNamespace(`sweep-${Math.random()}`).id;
  const p = tempProject({ wrangler: wranglerToml({ kv: { id: ns } }), migrations: false });
  return { p, env: { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL, KANVAS_RETRY_BASE_MS: "10" } };
}

describe("messages (item 14)", () => {
  it("--ttl with --expiration: no stray colon", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("cache put k v --ttl 5m --expiration 1900000000", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: --ttl: cannot be combined with --expiration (both set an expiry); give one\n");
  });

  it("--bulk with a key and a value names both arguments plainly", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("cache put k v --bulk pairs.json --ttl 5m", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: --bulk: takes every key, value and option from the file; drop the <key> and [value] arguments and --ttl\n");
  });

  it("a duration in seconds where minutes are the smallest unit says so", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("images cleanup --older-than 30s --dry-run", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --older-than "30s": the smallest unit --older-than takes is minutes (m); use e.g. 90m, 12h, 30d, 2w.\n');
    const big = await runKanvas("db migrate --lock-timeout 2d --dry-run", { cwd: p.dir });
    expect(big.stderr).toContain('--lock-timeout "2d": the largest unit --lock-timeout takes is hours (h)');
  });

  for (const target of ["local", "remote"] as const) {
    it(`${target}: a declined confirmation prints "Cancelled; nothing was deleted." (no error:), exit 130, and deletes nothing`, async () => {
      const { p, env } = setup(target);
      const t = `--${target}`;
      expect((await runKanvas(["cache", "put", "s:1", "v", t], { cwd: p.dir, env })).code).toBe(0);
      const no = await atTerminal(["cache", "delete", "s:1", t], { cwd: p.dir, env, when: "Delete 1 key(s)", keys: "n" });
      expect(no.code).toBe(130);
      expect(no.err).toMatch(/Cancelled; nothing was deleted\.\n$/);
      expect(no.err).not.toContain("error:");
      expect((await runKanvas(["cache", "get", "s:1", t], { cwd: p.dir, env })).code).toBe(0);

      expect((await runKanvas(["cache", "ratelimit", "hit", "u1", "draw", t], { cwd: p.dir, env })).code).toBe(0);
      const reset = await atTerminal(["cache", "ratelimit", "reset", "u1", t, "--json"], { cwd: p.dir, env, when: "Delete 1 rate-limit", keys: "n" });
      expect(reset.code).toBe(130);
      expect(reset.err).not.toContain("error:");
      expect(JSON.parse(reset.out)).toEqual({ error: { code: "cancelled", message: "Cancelled; nothing was deleted." } });
    });

    it(`${target}: ratelimit hit over the limit puts count, limit, remaining and resetsInSeconds in error.details`, async () => {
      const { p, env } = setup(target);
      const t = `--${target}`;
      const now = Date.UTC(2026, 0, 1, 10, 59, 0); // 60 s before the window resets
      expect((await runKanvas(["cache", "ratelimit", "hit", "u1", "create_room", "--cost", "19", t], { cwd: p.dir, env, deps: { now: () => now } })).code).toBe(0);
      const r = await runKanvas(["cache", "ratelimit", "hit", "u1", "create_room", "--cost", "2", t, "--json"], { cwd: p.dir, env, deps: { now: () => now } });
      expect(r.code).toBe(6);
      const { error } = JSON.parse(r.stdout);
      expect(error.code).toBe("rate_limited");
      expect(error.details).toEqual({
        target,
        userId: "u1",
        action: "create_room",
        key: `rate_limit:u1:create_room:${Math.floor(now / 3_600_000)}`,
        count: 19,
        cost: 2,
        limit: 20,
        remaining: 1,
        resetsInSeconds: 60,
        allowed: false,
      });
    });
  }
});
