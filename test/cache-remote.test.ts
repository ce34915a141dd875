import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject, wranglerToml } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

let fake: FakeCloudflare;
let nsId: string;

beforeAll(async () => {
  fake = await startFakeCloudflare();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  nsId = fake.kv.createNamespace(`kanvas-cache-${Math.random()}`).id;
  fake.requests.length = 0;
  fake.faults.clear();
  fake.useRealTime();
  return () => {
    expect(fake.unmatched).toEqual([]);
    expect(fake.schemaErrors).toEqual([]);
    expect(fake.internalErrors).toEqual([]);
  };
});

function project(id = nsId) {
  return tempProject({ wrangler: wranglerToml({ kv: { id: id } }), migrations: false });
}
const env = () => ({ CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL, KANVAS_RETRY_BASE_MS: "10" });
const kanvas = (args: string | string[], p: { dir: string }, extra: { stdin?: string } = {}) =>
  runKanvas(typeof args === "string" ? `${args} --remote` : [...args, "--remote"], { cwd: p.dir, env: env(), ...extra });
const count = (method: string, re: RegExp) => fake.requests.filter((r) => r.method === method && re.test(r.path)).length;

describe("cache --remote (REST API through the cloudflare SDK, against the fake)", () => {
  it("round-trips awkward keys, values, metadata and TTL; the token never shows", async () => {
    const p = project();
    const keys = ["with space", "100%", "a#b", "what?x=1", "ünïcødé/日本", "a/b/c", "...", "x".repeat(512)];
    for (const key of keys) {
      const r = await kanvas(["cache", "put", key, `v:${key}`, "--ttl", "5m", "--metadata", '{"by":"ops"}', "--verbose"], p);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("Target: remote");
      expect(r.stderr + r.stdout).not.toContain(fake.token);
    }
    expect(fake.kv.keys(nsId).sort()).toEqual([...keys].sort());
    for (const key of keys) {
      const r = await kanvas(["cache", "get", key, "--json", "--metadata"], p);
      expect(r.code, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout);
      expect(got).toMatchObject({ key, value: `v:${key}`, metadata: { by: "ops" } });
      expect(got.expiration).toBe(fake.kv.get(nsId, key)!.expiration);
    }
  });

  it("exits 4 for a missing key and for a key past its TTL (fake clock), but not for a missing namespace", async () => {
    const p = project();
    fake.setNow(Date.now());
    expect((await kanvas("cache put short v --ttl 60", p)).code).toBe(0);
    expect((await kanvas("cache get short", p)).stdout).toBe("v");
    fake.advance(61_000);
    const gone = await kanvas("cache get short", p);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toContain('key "short" not found');

    const noNs = await kanvas("cache get k", project("ffffffffffffffffffffffffffffffff"));
    expect(noNs.code).toBe(4);
    expect(noNs.stderr).toContain("namespace not found");
    expect(noNs.stderr).not.toContain('key "k" not found');
  });

  it("follows list cursors over more than 1000 keys", async () => {
    const p = project();
    for (let i = 0; i < 2500; i++) fake.kv.put(nsId, `user:${String(i).padStart(5, "0")}`, "x");
    fake.kv.put(nsId, "zzz", "x");
    const r = await kanvas("cache list --prefix user: --json", p);
    expect(r.code, r.stderr).toBe(0);
    const names = (JSON.parse(r.stdout) as Array<{ key: string }>).map((k) => k.key);
    expect(names).toHaveLength(2500);
    expect(new Set(names).size).toBe(2500);
    expect(count("GET", /\/keys$/)).toBe(3);
  });

  it("sends --bulk in chunks of 10,000 and retries keys reported in unsuccessful_keys", async () => {
    const p = project();
    const pairs = Array.from({ length: 25_000 }, (_, i) => ({ key: `bulk:${i}`, value: `v${i}`, ...(i % 2 ? { ttl: 3600 } : { metadata: { i } }) }));
    pairs.push({ key: "bin", value: Buffer.from([0, 255]).toString("base64"), base64: true } as never);
    pairs.push({ key: "bulk:0", value: "last wins", metadata: { i: -1 } }); // repeated: 25,001 unique keys
    p.write("pairs.json", JSON.stringify(pairs));
    fake.kv.failBulkKeys((k) => k.endsWith("7"), 1);
    const r = await kanvas("cache put --bulk pairs.json --json", p);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 25_001, failed: [], requests: 4 });
    expect(count("PUT", /\/bulk$/)).toBe(4); // 3 chunks + 1 retry of the 2,500 unsuccessful keys
    expect(fake.kv.keys(nsId)).toHaveLength(25_001);
    expect(fake.kv.get(nsId, "bulk:0")!.metadata).toEqual({ i: -1 });
    expect(new TextDecoder().decode(fake.kv.get(nsId, "bulk:0")!.value)).toBe("last wins");
    expect(Buffer.from(fake.kv.get(nsId, "bin")!.value)).toEqual(Buffer.from([0, 255]));
  });

  it("reports keys that stay unsuccessful after retries, exit 1", async () => {
    const p = project();
    p.write("pairs.json", JSON.stringify([{ key: "good", value: "1" }, { key: "stuck", value: "2" }]));
    fake.kv.failBulkKeys((k) => k === "stuck", 100);
    const r = await kanvas("cache put --bulk pairs.json --json", p);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 1, failed: ["stuck"] });
    expect(r.stderr).toContain("1 key(s) were still reported unsuccessful");
    expect(count("PUT", /\/bulk$/)).toBe(4); // first try + 3 rounds
  });

  it("ratelimit reset: a counter KV keeps reporting unsuccessful is named on stderr after the JSON result, exit 1", async () => {
    const p = project();
    const hour = Math.floor(Date.now() / 3_600_000);
    fake.kv.put(nsId, `rate_limit:u7:draw:${hour}`, "3");
    fake.kv.put(nsId, `rate_limit:u7:upload:${hour}`, "4");
    fake.kv.failBulkKeys((k) => k === `rate_limit:u7:upload:${hour}`, 100, ["delete"]);
    const r = await kanvas("cache ratelimit reset u7 --yes --json", p);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ target: "remote", userId: "u7", deleted: 1, failed: [`rate_limit:u7:upload:${hour}`], dryRun: false });
    expect(r.stderr).toMatch(/^error: 1 counter\(s\) were still reported unsuccessful by KV after retries; run the command again\.$/m);
  });

  it("honours Retry-After on 429", async () => {
    const p = project();
    fake.kv.put(nsId, "k", "v");
    fake.faults.inject({ status: 429, retryAfter: "1", match: { method: "GET", path: /\/values\// } });
    const started = Date.now();
    const r = await kanvas("cache get k", p);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("v");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.requests.filter((q) => /\/values\//.test(q.path)).map((q) => q.status)).toEqual([429, 200]);
  });

  it("deletes a prefix with bulk delete, 10,000 keys a request", async () => {
    const p = project();
    for (let i = 0; i < 12_000; i++) fake.kv.put(nsId, `s:${i}`, "x");
    fake.kv.put(nsId, "keep", "x");
    const r = await kanvas("cache delete --prefix s: --yes --json", p);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ deleted: 12_000, failed: [] });
    expect(count("POST", /\/bulk\/delete$/)).toBe(2);
    expect(fake.kv.keys(nsId)).toEqual(["keep"]);
  });

  it("retries a bulk write after 429 (Retry-After) and 503 without losing or repeating pairs", async () => {
    const p = project();
    // Keys end in "x": the fake cannot clear bulk failures injected by earlier tests (keys ending in "7").
    p.write("pairs.json", JSON.stringify(Array.from({ length: 15_000 }, (_, i) => ({ key: `r:${i}x`, value: String(i) }))));
    fake.faults.inject({ status: 429, retryAfter: "1", match: { method: "PUT", path: /\/bulk$/ } });
    fake.faults.inject({ status: 503, match: { method: "PUT", path: /\/bulk$/ } });
    const r = await kanvas("cache put --bulk pairs.json --json --verbose", p);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 15_000, failed: [], requests: 2 });
    expect(fake.requests.filter((q) => q.method === "PUT" && q.path.endsWith("/bulk")).map((q) => q.status).sort()).toEqual([200, 200, 429, 503]);
    expect(r.stderr).toMatch(/retry: kv bulk put attempt 1 failed \(HTTP 429\); next in 1000 ms/);
    expect(fake.kv.keys(nsId)).toHaveLength(15_000);
  });

  it("is checked by kanvas doctor --remote", async () => {
    const p = tempProject({ wrangler: wranglerToml({ compatibilityDate: null, d1: false, r2: false, kv: { id: nsId }, rateLimits: false }), migrations: false });
    const r = await kanvas("doctor --json", p);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).checks).toContainEqual(expect.objectContaining({ name: "KV KANVAS_CACHE", ok: true }));
  });
});
