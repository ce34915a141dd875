import { chmodSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { APP_WRANGLER_TOML, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";

/** Each broken config: the exact one-line message and exit 2, no stack trace. */
async function expectConfigError(opts: { wrangler?: string | null; files?: Record<string, string>; args?: string; env?: Record<string, string> }, message: string | RegExp) {
  const p = tempProject({ wrangler: opts.wrangler, files: opts.files, migrations: false });
  const r = await runKanvas(`config show ${opts.args ?? ""}`, { cwd: p.dir, env: opts.env });
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  if (typeof message === "string") expect(lines[0]).toBe(`error: ${message}`);
  else expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe("");
  return r;
}

describe("configuration errors", () => {
  it("no config file anywhere up the tree", async () => {
    await expectConfigError({ wrangler: null }, /^error: No wrangler\.toml, wrangler\.json or wrangler\.jsonc found in .* Run kanvas in your app's folder, or pass --config PATH\.$/);
  });

  it("--config pointing at a missing file", async () => {
    await expectConfigError({ args: "--config nope.toml" }, "--config nope.toml: no such file. Pass the path of your wrangler.toml or wrangler.jsonc.");
  });

  it("bad TOML names the line and column", async () => {
    await expectConfigError(
      { wrangler: 'name = "kanvas"\n[[d1_databases]\nbinding = "KANVAS_DB"\n' },
      /^error: wrangler\.toml:2:\d+: invalid TOML: .+\. Fix the syntax at that line\.$/,
    );
  });

  it("bad JSONC names the line", async () => {
    await expectConfigError(
      { wrangler: null, files: { "wrangler.jsonc": '{\n  // comment is fine\n  "name": "kanvas",\n  "d1_databases": [ { "binding": "KANVAS_DB" ]\n}\n' } },
      /^error: wrangler\.jsonc:4: invalid JSON: \w+\. Fix the syntax at that line\.$/,
    );
  });

  it("a binding of the wrong type names the field", async () => {
    await expectConfigError(
      { wrangler: '[[d1_databases]]\nbinding = "KANVAS_DB"\ndatabase_id = 42\n' },
      "wrangler.toml: d1_databases[0].database_id: Invalid input: expected string, received number. See https://developers.cloudflare.com/d1/ for the [[d1_databases]] fields.",
    );
  });

  it("d1_databases that is not a list", async () => {
    await expectConfigError(
      { wrangler: 'd1_databases = "KANVAS_DB"\n' },
      "wrangler.toml: d1_databases: Invalid input: expected array, received string. See https://developers.cloudflare.com/d1/ for the [[d1_databases]] fields.",
    );
  });

  it("a bad account_id says where to find the right one", async () => {
    await expectConfigError(
      { wrangler: 'account_id = "not-an-account"\n' },
      "wrangler.toml: account_id: must be a 32-character hex Cloudflare account id. Copy it from the Cloudflare dashboard (Account ID), or set CLOUDFLARE_ACCOUNT_ID.",
    );
  });

  it("an R2 bucket name R2 would refuse", async () => {
    await expectConfigError(
      { wrangler: '[[r2_buckets]]\nbinding = "KANVAS_IMAGES"\nbucket_name = "Kanvas_Images"\n' },
      "wrangler.toml: r2_buckets[0].bucket_name: must be 3-63 lowercase letters, digits or dashes. See https://developers.cloudflare.com/r2/ for the [[r2_buckets]] fields.",
    );
  });

  it("a binding without a name", async () => {
    await expectConfigError(
      { wrangler: '[[kv_namespaces]]\nid = "abc"\n' },
      "wrangler.toml: kv_namespaces[0].binding: Invalid input: expected string, received undefined. Give each binding a name, e.g. binding = \"KANVAS_DB\".",
    );
  });

  it("an unknown --env lists the known ones", async () => {
    await expectConfigError(
      { wrangler: APP_WRANGLER_TOML + '\n[env.staging]\n[env.production]\n', args: "--env prod" },
      "--env prod: wrangler.toml has no [env.prod] section. Known environments: staging, production.",
    );
  });

  it("a malformed CLOUDFLARE_ACCOUNT_ID in the environment", async () => {
    await expectConfigError({ env: { CLOUDFLARE_ACCOUNT_ID: "xyz" } }, "environment variable CLOUDFLARE_ACCOUNT_ID: must be a 32-character hex Cloudflare account id.");
  });

  it("a CLOUDFLARE_BASE_URL that is not a URL", async () => {
    await expectConfigError({ env: { CLOUDFLARE_BASE_URL: "localhost:8787" } }, "environment variable CLOUDFLARE_BASE_URL: must be an http(s) URL such as https://api.cloudflare.com/client/v4.");
  });

  it("--remote without a token says how to get one", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("doctor --remote", { cwd: p.dir, env: { CLOUDFLARE_ACCOUNT_ID: ACCOUNT } });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("--remote needs CLOUDFLARE_API_TOKEN");
  });

  it("--remote without an account names both places to set it", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas("doctor --remote", { cwd: p.dir, env: { CLOUDFLARE_API_TOKEN: "tok-1234567890" } });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("--remote needs an account: set account_id in wrangler.toml or export CLOUDFLARE_ACCOUNT_ID.");
  });

  it("a command whose binding is missing names the table to add", async () => {
    const p = tempProject({ wrangler: '[[kv_namespaces]]\nbinding = "KANVAS_CACHE"\n', migrations: false });
    const r = await runKanvas("doctor", { cwd: p.dir });
    expect(r.code).toBe(0); // only configured bindings are checked
    const { loadConfig } = await import("../src/core/config/load.js");
    const { requireD1 } = await import("../src/core/config/require.js");
    const config = await loadConfig({ cwd: p.dir, env: {} });
    expect(() => requireD1(config)).toThrow('wrangler.toml: no [[d1_databases]] entry with binding = "KANVAS_DB". Add a [[d1_databases]] table with binding = "KANVAS_DB" and database_name = "kanvas-db".');
  });

  it("an unreadable config file", async () => {
    if (process.getuid?.() === 0) {
      // root reads anything; a folder named like the config gives the same read failure
      const p = tempProject({ wrangler: null, migrations: false });
      p.write("wrangler.toml/x", "");
      const r = await runKanvas("config show", { cwd: p.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: wrangler\.toml: cannot read it \(EISDIR\)\. Check the file's permissions\.\n$/);
      return;
    }
    const p = tempProject({ migrations: false });
    chmodSync(p.file("wrangler.toml"), 0o000);
    const r = await runKanvas("config show", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read it (EACCES)");
  });
});

describe("configuration resolution", () => {
  it("finds the config from a subfolder and resolves migrations_dir relative to it", async () => {
    const p = tempProject({ migrations: false });
    p.write("src/deep/x.txt", "");
    const r = await runKanvas("config show --json", { cwd: p.file("src/deep") });
    expect(r.code).toBe(0);
    const view = JSON.parse(r.stdout);
    expect(view.configPath).toBe(p.file("wrangler.toml"));
    expect(view.d1.migrationsDir).toBe(p.file("migrations"));
    expect(view.d1.localId).toBe("KANVAS_DB");
    expect(view.localState).toBe(p.file(".wrangler/state/v3"));
  });

  it("prefers wrangler.json over wrangler.toml in one folder, as wrangler does", async () => {
    const p = tempProject({ migrations: false });
    p.write("wrangler.json", JSON.stringify({ d1_databases: [{ binding: "KANVAS_DB", database_name: "from-json" }] }));
    const view = JSON.parse((await runKanvas("config show --json", { cwd: p.dir })).stdout);
    expect(view.d1.databaseName).toBe("from-json");
  });

  it("applies [env.NAME] without inheriting bindings, but inherits account_id", async () => {
    const toml = `account_id = "${ACCOUNT}"\n${APP_WRANGLER_TOML}\n[env.staging]\n[[env.staging.d1_databases]]\nbinding = "KANVAS_DB"\ndatabase_name = "kanvas-db-staging"\ndatabase_id = "11111111-2222-3333-4444-555555555555"\n`;
    const p = tempProject({ wrangler: toml, migrations: false });
    const view = JSON.parse((await runKanvas("config show --env staging --json", { cwd: p.dir })).stdout);
    expect(view.env).toBe("staging");
    expect(view.accountId).toBe(ACCOUNT);
    expect(view.d1.databaseName).toBe("kanvas-db-staging");
    expect(view.d1.localId).toBe("11111111-2222-3333-4444-555555555555");
    expect(view.r2).toBeNull();
    expect(view.kv).toBeNull();
    expect(view.vars).toEqual({});
  });

  it("reads .env beside the config; the process environment wins", async () => {
    const p = tempProject({ migrations: false, files: { ".env": `CLOUDFLARE_ACCOUNT_ID=${ACCOUNT}\nR2_ENDPOINT=http://127.0.0.1:9000\n` } });
    const view = JSON.parse((await runKanvas("config show --json", { cwd: p.dir, env: { R2_ENDPOINT: "http://127.0.0.1:9999" } })).stdout);
    expect(view.accountId).toBe(ACCOUNT);
    expect(view.endpoints.r2).toBe("http://127.0.0.1:9999");
    expect(view.dotenv).toBe(p.file(".env"));
  });

  it("--persist-to follows wrangler's meaning (state in <dir>/v3)", async () => {
    const p = tempProject({ migrations: false });
    const view = JSON.parse((await runKanvas("config show --persist-to state --json", { cwd: p.dir })).stdout);
    expect(view.localState).toBe(p.file("state/v3"));
  });
});

describe("secrets", () => {
  const TOKEN = "sentinel-token-8c1d2e3f4a5b";
  const SECRET = "sentinel-r2-secret-9f8e7d6c5b";

  it("config show redacts the token and R2 keys, human and --json", async () => {
    const p = tempProject({ migrations: false, files: { ".env": `R2_SECRET_ACCESS_KEY=${SECRET}\n` } });
    const env = { CLOUDFLARE_API_TOKEN: TOKEN, R2_ACCESS_KEY_ID: "sentinel-key-id-123456" };
    for (const args of ["config show", "config show --json", "config show --verbose --remote"]) {
      const r = await runKanvas(args, { cwd: p.dir, env });
      expect(r.code).toBe(0);
      const all = r.stdout + r.stderr;
      expect(all).not.toContain(TOKEN);
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain("sentinel-key-id-123456");
      expect(all).toContain("[redacted]");
    }
  });
});
