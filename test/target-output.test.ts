import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseTarget } from "../src/core/target.js";
import { startFakeCloudflare, type FakeCloudflare } from "./helpers/fake-cloudflare/index.js";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

describe("target selection", () => {
  it("defaults to local, honours --remote, and refuses both at once", () => {
    expect(chooseTarget({}, {}, "write", "db migrate")).toBe("local");
    expect(chooseTarget({ remote: true }, {}, "write", "db migrate")).toBe("remote");
    expect(chooseTarget({ local: true }, { CI: "true" }, "write", "db migrate")).toBe("local");
    expect(() => chooseTarget({ local: true, remote: true }, {}, "read", "x")).toThrow("--local and --remote cannot be used together");
  });

  it("in CI, refuses a write that names no target, and says which flag to add", () => {
    expect(() => chooseTarget({}, { CI: "true" }, "write", "db migrate")).toThrow(
      "CI is set and 'kanvas db migrate' writes, but neither --local nor --remote was given: refusing to guess. Add --remote to change your Cloudflare account, or --local for the local Miniflare state.",
    );
    // Reads stay on the local default; CI=false/0 is not CI.
    expect(chooseTarget({}, { CI: "true" }, "read", "db query")).toBe("local");
    expect(chooseTarget({}, { CI: "false" }, "write", "db migrate")).toBe("local");
    expect(chooseTarget({}, { CI: "0" }, "write", "db migrate")).toBe("local");
  });

  it("Commander rejects --local with --remote on the command line (exit 2)", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("doctor --local --remote", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/option '--remote' cannot be used with option '--local'/);
  });

  it("says which target it uses on stderr, before any output", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("doctor --json", { cwd: p.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Target: local — Miniflare state in \.wrangler\/state\/v3/);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual([
      "config",
      "state folder writable",
      "local runtime",
      "miniflare starts",
      "D1 KANVAS_DB",
      "KV KANVAS_CACHE",
      "R2 KANVAS_IMAGES",
    ]);
  });
});

describe("--json envelopes", () => {
  it("puts a config error on stdout as {error:{code,message}} and the line on stderr", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("config show --env nope --json", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: "config_env_unknown", message: "--env nope: wrangler.toml has no [env.nope] section. Add [env.nope] to wrangler.toml, or drop --env." },
    });
    expect(r.stderr).toBe("error: --env nope: wrangler.toml has no [env.nope] section. Add [env.nope] to wrangler.toml, or drop --env.\n");
  });

  it("gives Commander's usage errors the same envelope", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("config show --json --bogus", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({ code: "usage", message: "unknown option '--bogus'" });
  });
});

describe("remote checks against the fake Cloudflare API", () => {
  let fake: FakeCloudflare;
  beforeAll(async () => {
    fake = await startFakeCloudflare();
  });
  afterAll(async () => fake.close());

  const NO_BINDINGS = 'name = "kanvas"\n';

  it("doctor --remote verifies the token and the account, and --verbose traces HTTP without the token", async () => {
    const p = tempProject({ wrangler: NO_BINDINGS, migrations: false });
    const metrics = p.file("metrics.ndjson");
    const r = await runKanvas(`doctor --remote --verbose --metrics-file ${metrics}`, {
      cwd: p.dir,
      env: { CLOUDFLARE_API_TOKEN: fake.accountToken, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("✔ API token");
    expect(r.stdout).toContain(`✔ account                ${"account " + fake.accountId}`);
    expect(r.stderr).toMatch(/http: GET \/client\/v4\/accounts\/[0-9a-f]{32}\/tokens\/verify → 200/);
    expect(r.stderr).toContain("calls:");
    expect(r.stdout + r.stderr).not.toContain(fake.accountToken);
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(metrics, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.operation)).toEqual(["accounts.tokens.verify"]);
    expect(lines.every((l) => l.outcome === "ok" && l.attempts === 1 && typeof l.duration_ms === "number")).toBe(true);
    expect(fake.unmatched).toEqual([]);
    expect(fake.schemaErrors).toEqual([]);
  });

  it("doctor --remote accepts an account-owned token and a user token, each at its own endpoint (issue 11 item 9)", async () => {
    const p = tempProject({ wrangler: NO_BINDINGS, migrations: false });
    const env = (token: string) => ({ CLOUDFLARE_API_TOKEN: token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL });
    fake.requests.length = 0;
    const account = await runKanvas("doctor --remote --json", { cwd: p.dir, env: env(fake.accountToken) });
    expect(account.code, account.stdout).toBe(0);
    expect(JSON.parse(account.stdout).checks.find((c: { name: string }) => c.name === "API token").detail).toBe(`account-owned token active (account ${fake.accountId})`);
    expect(fake.requests.map((q) => `${q.path} ${q.status}`)).toEqual([`/client/v4/accounts/${fake.accountId}/tokens/verify 200`]);

    fake.requests.length = 0;
    const user = await runKanvas("doctor --remote --json", { cwd: p.dir, env: env(fake.token) });
    expect(user.code, user.stdout).toBe(0);
    expect(JSON.parse(user.stdout).checks.find((c: { name: string }) => c.name === "API token").detail).toBe("user token active");
    // The account endpoint answers 401 for a user token, as Cloudflare does; kanvas falls back.
    expect(fake.requests.map((q) => `${q.path} ${q.status}`)).toEqual([`/client/v4/accounts/${fake.accountId}/tokens/verify 401`, "/client/v4/user/tokens/verify 200"]);
    expect(fake.schemaErrors).toEqual([]);
  });

  it("a rejected token exits 3 and says what to check", async () => {
    const p = tempProject({ wrangler: NO_BINDINGS, migrations: false });
    const r = await runKanvas("doctor --remote", {
      cwd: p.dir,
      env: { CLOUDFLARE_API_TOKEN: "wrong-token-1234567", CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL },
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/✘ API token .*Check CLOUDFLARE_API_TOKEN and its permissions\./);
    expect(r.stdout).not.toContain("wrong-token-1234567");
  });

  it("retries a 429 after its Retry-After and records the attempts", async () => {
    const p = tempProject({ wrangler: NO_BINDINGS, migrations: false });
    fake.faults.inject({ times: 1, match: { path: /tokens\/verify$/ }, status: 429, retryAfter: "1" });
    const metrics = p.file("m.ndjson");
    const started = Date.now();
    const r = await runKanvas(`doctor --remote --metrics-file ${metrics}`, {
      cwd: p.dir,
      env: { CLOUDFLARE_API_TOKEN: fake.accountToken, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: fake.baseURL },
    });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const { readFileSync } = await import("node:fs");
    const first = JSON.parse(readFileSync(metrics, "utf8").split("\n")[0]!);
    expect(first).toMatchObject({ operation: "accounts.tokens.verify", attempts: 2, outcome: "ok" });
  });

  it("an unreachable API fails with a clear line and the retry hint", async () => {
    const p = tempProject({ wrangler: NO_BINDINGS, migrations: false });
    const r = await runKanvas("doctor --remote", {
      cwd: p.dir,
      env: { CLOUDFLARE_API_TOKEN: fake.token, CLOUDFLARE_ACCOUNT_ID: fake.accountId, CLOUDFLARE_BASE_URL: "http://127.0.0.1:9/client/v4", KANVAS_MAX_RETRIES: "1", KANVAS_RETRY_BASE_MS: "10" },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("could not reach the Cloudflare API (connection failed). Check your network or CLOUDFLARE_BASE_URL, then retry.");
  });
});
