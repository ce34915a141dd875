/**
 * The project the hostile-input tests run against (test/reliability-hostile-*.test.ts): a local
 * project with real state (migrated D1 with a user, a KV key, an R2 object) and the bad files the
 * cases name, made once per test file by `useHostileProject`. `dir` and `d1Baseline` are live
 * bindings, set in beforeAll.
 */
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { APP_WRANGLER_TOML, REPO_ROOT } from "./project.js";
import { filesUnder } from "./reliability-rig.js";
import { runKanvas } from "./run-kanvas.js";

export let dir: string;
export let d1Baseline: string;
export const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
export const env = () => ({ KANVAS_AUDIT_LOG: path.join(dir, "audit.ndjson"), USER: "hostile" });
export const run = (args: string[], opts: { stdin?: string; env?: Record<string, string>; cwd?: string } = {}) =>
  runKanvas(args, { cwd: opts.cwd ?? dir, env: { ...env(), ...opts.env }, stdin: opts.stdin });

/** Content hash of every file in the project (SQLite shared-memory files excluded: readers touch them). */
export function fingerprint(skipD1 = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of filesUnder(dir)) {
    if (f.endsWith("-shm") || f.endsWith("audit.ndjson")) continue; // destructive commands audit failed runs too (see reliability-audit)
    // D1 cases compare the database's contents instead (reading it through Miniflare touches its WAL).
    if (skipD1 && f.includes(`${path.sep}d1${path.sep}`)) continue;
    out[path.relative(dir, f)] = createHash("sha256").update(readFileSync(f)).digest("hex");
  }
  return out;
}

export async function d1State(): Promise<string> {
  const r = await run(["db", "query", "SELECT (SELECT group_concat(name) FROM sqlite_master WHERE type IN ('table','trigger')) AS objects, (SELECT count(*) FROM d1_migrations) AS applied, (SELECT count(*) FROM users) AS users", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

export function useHostileProject(): void {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-hostile-"));
    writeFileSync(path.join(dir, "wrangler.toml"), APP_WRANGLER_TOML);
    cpSync(path.join(REPO_ROOT, "src/migrations"), path.join(dir, "migrations"), { recursive: true });
    const w = (rel: string, content: string | Buffer) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), content);
    };
    w("a.png", PNG);
    w("notimage.png", "this is plain text, not a PNG\n");
    w("notimage.txt", "plain text\n");
    w("empty-dir/.keep", "");
    rmSync(path.join(dir, "empty-dir/.keep"));
    mkdirSync(path.join(dir, "a-dir"), { recursive: true });
    symlinkSync(path.join(dir, "does-not-exist"), path.join(dir, "dangling.png"));
    symlinkSync(path.join(dir, "does-not-exist"), path.join(dir, "dangling.json"));
    w("bad.json", "{ not json");
    w("cors-bad.json", JSON.stringify([{ AllowedMethods: ["FETCH"], AllowedOrigins: ["*"] }]));
    w("bulk-nokey.json", JSON.stringify([{ key: "ok", value: "1" }, { value: "missing key" }]));
    w("bulk-dotdot.json", JSON.stringify([{ key: "fine", value: "1" }, { key: "..", value: "2" }]));
    w("bulk-ttl.json", JSON.stringify([{ key: "fine", value: "1" }, { key: "short", value: "2", ttl: 5 }]));
    w("bulk-notarray.json", JSON.stringify({ key: "k", value: "v" }));
    w("syntax.sql", "SELEC 1;");
    const seed = async (args: string[]) => {
      const r = await run(args);
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(0);
    };
    await seed(["db", "migrate"]);
    await seed(["db", "query", "INSERT INTO users (id, email) VALUES ('u1', 'u1@example.com')", "--yes"]);
    await seed(["cache", "put", "seed", "value"]);
    await seed(["images", "upload", "a.png", "--key", "uploads/u1/seed.png"]);
    d1Baseline = await d1State();
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
