import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempProject } from "./helpers/project.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";
import { runInTerminal } from "./helpers/terminal.js";

/** Keys KV accepts that tools often mangle: each must come back byte for byte. */
const AWKWARD_KEYS = ["with space", "100%", "a#b", "what?x=1", "ünïcødé/日本", "a/b/c", "...", "rate_limit:u1:draw:495000", " lead", "x".repeat(512)];

describe("cache get/put/list/delete --local (Miniflare)", { timeout: 240_000 }, () => {
  it("round-trips awkward keys byte for byte and lists them", async () => {
    const p = tempProject();
    // All through --bulk (one run), and the nastiest three through single puts too.
    p.write("pairs.json", JSON.stringify(AWKWARD_KEYS.map((key, i) => ({ key, value: `value-${i}` }))));
    expect((await runKanvas("cache put --bulk pairs.json", { cwd: p.dir })).code).toBe(0);
    for (const key of ["a#b", "what?x=1", "ünïcødé/日本"]) {
      const put = await runKanvas(["cache", "put", key, `single-${key}`], { cwd: p.dir });
      expect(put.code, `${key}: ${put.stderr}`).toBe(0);
    }
    for (const [i, key] of AWKWARD_KEYS.entries()) {
      const get = await runKanvas(["cache", "get", key], { cwd: p.dir });
      expect(get.code, key).toBe(0);
      expect(get.stdout).toBe(["a#b", "what?x=1", "ünïcødé/日本"].includes(key) ? `single-${key}` : `value-${i}`);
    }
    const list = await runKanvas("cache list --json", { cwd: p.dir });
    expect(list.code).toBe(0);
    const names = (JSON.parse(list.stdout) as Array<{ key: string }>).map((k) => k.key);
    expect(names.sort()).toEqual([...AWKWARD_KEYS].sort());
  });

  it("writes from --file and stdin, binary-safe with --raw, and stores TTL and metadata", async () => {
    const p = tempProject();
    const bytes = Buffer.from([0, 255, 1, 128, 10, 13, 0xc3]);
    const file = p.write("registry.json", JSON.stringify({ room1: { name: "Lobby" } }));
    const t0 = Math.floor(Date.now() / 1000);
    let r = await runKanvas("cache put rooms:registry --file registry.json --ttl 300 --metadata {\"by\":\"ops\"}", { cwd: p.dir });
    const t1 = Math.ceil(Date.now() / 1000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Target: local");
    r = await runKanvas("cache put blob --raw-free", { cwd: p.dir });
    expect(r.code).toBe(2);
    r = await runKanvas("cache put blob", { cwd: p.dir, stdin: bytes });
    expect(r.code, r.stderr).toBe(0);

    r = await runKanvas("cache get blob --raw", { cwd: p.dir });
    expect(r.code).toBe(0);
    expect(Buffer.compare(r.stdoutBytes, bytes)).toBe(0);

    r = await runKanvas("cache get rooms:registry --json --metadata", { cwd: p.dir });
    expect(r.code).toBe(0);
    const view = JSON.parse(r.stdout);
    expect(view).toMatchObject({ key: "rooms:registry", type: "json", value: { room1: { name: "Lobby" } }, metadata: { by: "ops" } });
    expect(view.value).toEqual(JSON.parse(readFileSync(file, "utf8")));
    expect(view.expiration).toBeGreaterThanOrEqual(t0 + 300);
    expect(view.expiration).toBeLessThanOrEqual(t1 + 300);

    r = await runKanvas("cache get blob --json", { cwd: p.dir });
    expect(JSON.parse(r.stdout)).toMatchObject({ type: "base64", value: bytes.toString("base64"), bytes: bytes.length });
  });

  it("stores an absolute --expiration as given", async () => {
    const p = tempProject();
    // Miniflare expires keys by its real clock, which a test cannot move; expiry by TTL is tested
    // remotely against the fake's clock (cache-remote.test.ts).
    const soon = Math.floor(Date.now() / 1000) + 300;
    const r = await runKanvas(["cache", "put", "short", "v", "--expiration", String(soon)], { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    const list = await runKanvas("cache list --json", { cwd: p.dir });
    expect(JSON.parse(list.stdout)).toEqual([{ target: "local", key: "short", expiration: soon, metadata: null }]);
  });

  it("exits 4 naming a missing key", async () => {
    const p = tempProject();
    const r = await runKanvas(["cache", "get", "no such key", "--json"], { cwd: p.dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('key "no such key" not found');
    expect(JSON.parse(r.stdout).error.code).toBe("key_not_found");
  });

  it("lists with --prefix and --limit across pages", async () => {
    const p = tempProject();
    const pairs = Array.from({ length: 1001 }, (_, i) => ({ key: `page:${String(i).padStart(5, "0")}`, value: String(i) }));
    p.write("pairs.json", JSON.stringify([...pairs, { key: "other", value: "x" }]));
    let r = await runKanvas("cache put --bulk pairs.json --json", { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 1002, failed: [] });
    r = await runKanvas("cache list --prefix page: --json", { cwd: p.dir });
    const all = JSON.parse(r.stdout) as Array<{ key: string }>;
    expect(all).toHaveLength(1001);
    expect(all.map((k) => k.key)).toEqual(pairs.map((x) => x.key));
    r = await runKanvas("cache list --prefix page: --limit 15 --json", { cwd: p.dir });
    expect((JSON.parse(r.stdout) as Array<{ key: string }>).map((k) => k.key)).toEqual(pairs.slice(0, 15).map((x) => x.key));
  });

  it("deletes keys and prefixes only when confirmed, with --dry-run and an audit line", async () => {
    const p = tempProject();
    for (const k of ["s:1", "s:2", "s:3", "keep"]) expect((await runKanvas(["cache", "put", k, "v"], { cwd: p.dir })).code).toBe(0);

    let r = await runKanvas("cache delete --prefix s:", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes");
    r = await runKanvas("cache delete --prefix s: --dry-run --json", { cwd: p.dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, keys: ["s:1", "s:2", "s:3"] });
    expect(JSON.parse((await runKanvas("cache list --json", { cwd: p.dir })).stdout)).toHaveLength(4);

    r = await runKanvas("cache delete --prefix s: --yes", { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    r = await runKanvas("cache delete keep --yes", { cwd: p.dir });
    expect(r.code).toBe(0);
    expect(JSON.parse((await runKanvas("cache list --json", { cwd: p.dir })).stdout)).toEqual([]);

    const audit = readFileSync(p.file(".wrangler/kanvas/audit.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(audit.map((a) => [a.command, a.outcome, a.counts])).toEqual([
      ["cache delete", "dry-run", { keys: 3 }],
      ["cache delete", "ok", { deleted: 3, failed: 0 }],
      ["cache delete", "ok", { deleted: 1, failed: 0 }],
    ]);
  });

  it("stops a bulk write on Ctrl-C with exit 130", async () => {
    const p = tempProject();
    p.write("pairs.json", JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ key: `k${i}`, value: "v" }))));
    const ac = new AbortController();
    const run = runKanvas("cache put --bulk pairs.json", { cwd: p.dir, signal: ac.signal });
    setTimeout(() => ac.abort(), 1500);
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("Interrupted");
    const list = await runKanvas("cache list --json", { cwd: p.dir });
    expect(JSON.parse(list.stdout).length).toBeLessThan(20_000);
  });

  it("pipes binary values through the real bin/kanvas (stdin in, --raw out)", async () => {
    const p = tempProject();
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
    const put = await spawnKanvas("cache put image:1 --metadata {\"type\":\"png\"}", { cwd: p.dir, stdin: bytes }).done;
    expect(put.code, put.stderr).toBe(0);
    const get = await spawnKanvas("cache get image:1 --raw", { cwd: p.dir }).done;
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdoutBytes.equals(bytes)).toBe(true);
  });

  it("asks at a terminal: no keeps the keys, yes deletes them", async () => {
    const p = tempProject();
    expect((await runKanvas("cache put s:1 v", { cwd: p.dir })).code).toBe(0);
    const no = await runInTerminal(["cache", "delete", "--prefix", "s:"], { cwd: p.dir, answers: [{ when: 'Delete 1 key(s): "s:1"', type: "n" }] });
    expect(no.code, no.screen).toBe(130);
    expect(no.screen).toContain("nothing was deleted");
    expect((await runKanvas("cache get s:1", { cwd: p.dir })).code).toBe(0);
    const yes = await runInTerminal(["cache", "delete", "--prefix", "s:"], { cwd: p.dir, answers: [{ when: 'Delete 1 key(s): "s:1"', type: "y" }] });
    expect(yes.code, yes.screen).toBe(0);
    expect((await runKanvas("cache get s:1", { cwd: p.dir })).code).toBe(4);
  });
});
