import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { localTarget } from "./helpers/flags-targets.js";
import { REPO_ROOT } from "./helpers/project.js";
import { installAppWrangler, WRANGLER_4_86 } from "./helpers/runtimes.js";

const run = promisify(execFile);
const WRANGLER = path.join(REPO_ROOT, "node_modules/.bin/wrangler");

/** wrangler 4.86.0 --local, with no account variables: it must use the same Miniflare state. */
async function wrangler(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run(WRANGLER, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe("flags --local share wrangler's KV state", { timeout: 600_000 }, () => {
  it("wrangler kv key get flags reads the document kanvas wrote, and kanvas reads one wrangler wrote", async () => {
    const t = localTarget();
    // The app has wrangler 4.86 installed, so kanvas runs its runtime on any Node (see test/runtime-interop.test.ts).
    installAppWrangler(t.project.dir, WRANGLER_4_86);
    for (const args of [
      ["flags", "enable", "new-checkout", "--create", "--description", "one-page checkout ✓", "--yes"],
      ["flags", "allow", "new-checkout", "google-oauth2|1", "u:2", "--yes"],
    ]) {
      const r = await t.run(args);
      expect(r.code, r.stderr).toBe(0);
    }
    const seen = await wrangler(t.project.dir, ["kv", "key", "get", "flags", "--binding", "KANVAS_CACHE", "--local", "--text"]);
    const exported = (await t.run(["flags", "export"])).stdout;
    expect(JSON.parse(seen)).toEqual(JSON.parse(exported));
    expect(JSON.parse(seen).flags["new-checkout"]).toMatchObject({ enabled: true, rollout: 100, allow: ["google-oauth2|1", "u:2"], description: "one-page checkout ✓" });

    // The other way: a document put with wrangler (a hand edit) is read and validated by kanvas.
    const doc = JSON.parse(seen);
    doc.flags["new-checkout"].rollout = 40;
    t.project.write("edited.json", JSON.stringify(doc));
    await wrangler(t.project.dir, ["kv", "key", "put", "flags", "--path", "edited.json", "--binding", "KANVAS_CACHE", "--local"]);
    let r = await t.run(["flags", "get", "new-checkout", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "new-checkout", rollout: 40 });

    doc.flags["new-checkout"].rollout = "40%";
    t.project.write("edited.json", JSON.stringify(doc));
    await wrangler(t.project.dir, ["kv", "key", "put", "flags", "--path", "edited.json", "--binding", "KANVAS_CACHE", "--local"]);
    r = await t.run(["flags", "rollout", "new-checkout", "50", "--yes"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("flags.new-checkout.rollout: must be a whole number from 0 to 100");
    expect(JSON.parse((await t.stored())!).flags["new-checkout"].rollout).toBe("40%");
  });

  it("[vars] KANVAS_FLAGS_KEY moves the document to another key", async () => {
    const t = localTarget('KANVAS_FLAGS_KEY = "config:feature-flags"\n');
    installAppWrangler(t.project.dir, WRANGLER_4_86);
    const r = await t.run(["flags", "enable", "beta", "--create", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('KV key "config:feature-flags" in KANVAS_CACHE (local)');
    const keys = JSON.parse(await wrangler(t.project.dir, ["kv", "key", "list", "--binding", "KANVAS_CACHE", "--local"])) as Array<{ name: string }>;
    expect(keys.map((k) => k.name)).toEqual(["config:feature-flags"]);
    expect(JSON.parse((await t.stored("config:feature-flags"))!).flags.beta).toMatchObject({ enabled: true });
  });
});
