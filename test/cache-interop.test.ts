import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";
import { installAppWrangler, WRANGLER_4_86 } from "./helpers/runtimes.js";

const run = promisify(execFile);
const WRANGLER = path.join(REPO_ROOT, "node_modules/.bin/wrangler");

/** wrangler 4.86.0 --local, with no account variables: it must use the same Miniflare state. */
async function wrangler(cwd: string, args: string[]) {
  const { stdout } = await run(WRANGLER, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    encoding: "buffer",
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe("cache --local shares wrangler's KV state", { timeout: 240_000 }, () => {
  it("wrangler kv key get --local reads what kanvas wrote, and kanvas reads what wrangler wrote", async () => {
    const p = tempProject();
    // The app has wrangler 4.86 installed, so kanvas runs its runtime on any Node (see test/runtime-interop.test.ts).
    installAppWrangler(p.dir, WRANGLER_4_86);
    const key = "rooms:registry/ü 100%";
    const value = JSON.stringify({ room1: { name: "Lobby ✓" } });
    const w = await runKanvas(["cache", "put", key, value, "--metadata", '{"by":"kanvas"}'], { cwd: p.dir });
    expect(w.code, w.stderr).toBe(0);

    const seen = await wrangler(p.dir, ["kv", "key", "get", key, "--binding", "KANVAS_CACHE", "--local", "--text"]);
    expect(seen.toString("utf8").trim()).toBe(value);

    const bytes = Buffer.from([0, 1, 2, 254, 255, 10, 0xc3]);
    p.write("blob.bin", bytes);
    expect((await runKanvas("cache put blob --file blob.bin", { cwd: p.dir })).code).toBe(0);
    const raw = await wrangler(p.dir, ["kv", "key", "get", "blob", "--binding", "KANVAS_CACHE", "--local"]);
    expect(raw.subarray(0, bytes.length).equals(bytes)).toBe(true);

    await wrangler(p.dir, ["kv", "key", "put", "from:wrangler", "hello from wrangler", "--binding", "KANVAS_CACHE", "--local", "--ttl", "3600", "--metadata", '{"by":"wrangler"}']);
    const r = await runKanvas("cache get from:wrangler --json --metadata", { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got).toMatchObject({ key: "from:wrangler", value: "hello from wrangler", type: "text", metadata: { by: "wrangler" } });
    expect(got.expiration).toBeGreaterThan(Date.now() / 1000 + 3500);
  });
});
