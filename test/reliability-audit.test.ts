/**
 * Issue 6 §7 — the audit log. Every destructive command (db migrate, db restore, images cleanup,
 * cache delete, cache ratelimit reset) appends exactly one NDJSON line per run — time, user, target,
 * command, counts, outcome — including failed runs, locally and remotely; to KANVAS_AUDIT_LOG
 * (relative to the config's folder) or by default to .wrangler/kanvas/audit.ndjson beside the config.
 * (Interrupted runs: see reliability-interrupts.test.ts.)
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempProject } from "./helpers/project.js";
import { rigProject, startRig, type Rig, type RigProject } from "./helpers/reliability-rig.js";
import { runKanvas } from "./helpers/run-kanvas.js";

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ s3: true });
});
afterAll(async () => {
  await rig?.close();
});

function lines(file: string): Array<Record<string, any>> {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
}

/** Runs one command and checks it appended exactly one well-formed line; returns it. */
async function audited(
  p: { dir: string; env: Record<string, string> },
  args: string[],
  expected: { command: string; target: "local" | "remote"; outcome: string; code?: number; counts?: Record<string, number>; noCounts?: boolean },
  opts: { env?: Record<string, string>; file?: string; cwd?: string } = {},
): Promise<Record<string, any>> {
  const file = opts.file ?? p.env.KANVAS_AUDIT_LOG!;
  const before = lines(file).length;
  const r = await runKanvas(args, { cwd: opts.cwd ?? p.dir, env: { ...p.env, ...opts.env } });
  const ctx = `kanvas ${args.join(" ")} → exit ${r.code}\n${r.stderr}`;
  if (expected.code !== undefined) expect(r.code, ctx).toBe(expected.code);
  const after = lines(file);
  expect(after.length - before, `one audit line per run: ${ctx}`).toBe(1);
  const line = after.at(-1)!;
  expect(line, ctx).toMatchObject({ command: expected.command, target: expected.target, outcome: expected.outcome });
  expect(new Date(line.time).toISOString(), ctx).toBe(line.time);
  expect(Math.abs(Date.now() - Date.parse(line.time))).toBeLessThan(60_000);
  expect(typeof line.user === "string" && line.user.length > 0, ctx).toBe(true);
  if (!expected.noCounts && (expected.outcome !== "error" || expected.counts)) expect(typeof line.counts, `${ctx}\ncounts in ${JSON.stringify(line)}`).toBe("object");
  if (expected.counts) expect(line.counts, ctx).toMatchObject(expected.counts);
  return line;
}

describe("audit: remote destructive commands", () => {
  let p: RigProject;
  it("db migrate: applied and failed runs each append one line", async () => {
    p = rigProject(rig, { files: { "migrations/0001_t.sql": "CREATE TABLE t (x);" } });
    await audited(p, ["db", "migrate", "--remote"], { command: "db migrate", target: "remote", outcome: "ok", code: 0 });
    p.write("migrations/0002_bad.sql", "INSERT INTO nowhere VALUES (1);");
    await audited(p, ["db", "migrate", "--remote"], { command: "db migrate", target: "remote", outcome: "error", code: 1 });
  });

  it("db restore: ok and failed (unknown bookmark) each append one line", async () => {
    p = rigProject(rig);
    const bookmark = rig.cf.d1.currentBookmark(p.dbId);
    expect((await runKanvas(["db", "migrate", "--remote"], { cwd: p.dir, env: p.env })).code).toBe(0);
    const ok = await audited(p, ["db", "restore", "--bookmark", bookmark, "--remote", "--yes"], { command: "db restore", target: "remote", outcome: "ok", code: 0, noCounts: true });
    expect(JSON.stringify(ok)).toContain(bookmark);
    await audited(p, ["db", "restore", "--bookmark", "00000000-00000000-00000000-00000000000000000000000000000000", "--remote", "--yes"], {
      command: "db restore",
      target: "remote",
      outcome: "error",
      noCounts: true,
    });
  });

  it("db restore's audit line carries counts like the others", async () => {
    p = rigProject(rig);
    const bookmark = rig.cf.d1.currentBookmark(p.dbId);
    await audited(p, ["db", "restore", "--bookmark", bookmark, "--remote", "--yes"], { command: "db restore", target: "remote", outcome: "ok", code: 0 });
  });

  it("images cleanup: ok, dry run, and an S3 outage each append one line with the counts", async () => {
    p = rigProject(rig);
    expect((await runKanvas(["db", "migrate", "--remote"], { cwd: p.dir, env: p.env })).code).toBe(0);
    for (const k of ["a", "b"]) await rig.sdk!.send(new PutObjectCommand({ Bucket: rig.s3!.bucket, Key: `uploads/audit/${k}.jpg`, Body: k }));
    const args = ["images", "cleanup", "--older-than", "1h", "--prefix", "uploads/audit/", "--remote", "--yes"];
    const later = { now: () => Date.now() + 2 * 3_600_000 };
    // the clock is injected only in-process; a run "two hours later" sees both objects as old
    const before = lines(p.env.KANVAS_AUDIT_LOG!).length;
    const r = await runKanvas([...args, "--json"], { cwd: p.dir, env: p.env, deps: later });
    expect(r.code, r.stderr).toBe(0);
    const after = lines(p.env.KANVAS_AUDIT_LOG!);
    expect(after.length - before).toBe(1);
    expect(after.at(-1)).toMatchObject({ command: "images cleanup", target: "remote", outcome: "ok", counts: { deleted: JSON.parse(r.stdout).deleted } });
    await audited(p, [...args, "--dry-run"], { command: "images cleanup", target: "remote", outcome: "dry-run", code: 0 });
    rig.chaos!.inject({ kind: "500", times: 100 });
    try {
      await audited(p, args, { command: "images cleanup", target: "remote", outcome: "error", code: 1 }, { env: { KANVAS_MAX_RETRIES: "0" } });
    } finally {
      rig.chaos!.clear();
    }
  });

  it("images delete: dry run, ok, and a DeleteObjects outage each append one line with the counts", async () => {
    p = rigProject(rig);
    expect((await runKanvas(["db", "migrate", "--remote"], { cwd: p.dir, env: p.env })).code).toBe(0);
    for (const k of ["a", "b", "c"]) await rig.sdk!.send(new PutObjectCommand({ Bucket: rig.s3!.bucket, Key: `del/audit/${k}.jpg`, Body: k }));
    const del = (...keys: string[]) => ["images", "delete", ...keys.map((k) => `del/audit/${k}.jpg`), "--remote", "--yes"];
    await audited(p, [...del("a", "zz"), "--dry-run"], { command: "images delete", target: "remote", outcome: "dry-run", code: 0, counts: { objects: 1, missing: 1, rows: 0 } });
    await audited(p, del("a", "zz"), { command: "images delete", target: "remote", outcome: "ok", code: 0, counts: { deleted: 1, missing: 1, rowsDeleted: 0, errors: 0 } });
    rig.chaos!.inject({ kind: "500", op: /^DeleteObjects$/, times: 100 });
    try {
      await audited(p, del("b", "c"), { command: "images delete", target: "remote", outcome: "error", code: 1, counts: { deleted: 0, missing: 0 } }, { env: { KANVAS_MAX_RETRIES: "0" } });
    } finally {
      rig.chaos!.clear();
    }
  });

  it("cache delete and cache ratelimit reset: ok and failed (API 500) each append one line", async () => {
    p = rigProject(rig, { migrations: false });
    for (const k of ["x", "y"]) rig.cf.kv.put(p.nsId, k, "1");
    const hour = Math.floor(Date.now() / 3_600_000);
    rig.cf.kv.put(p.nsId, `rate_limit:u9:draw:${hour}`, "5");
    await audited(p, ["cache", "delete", "x", "y", "--remote", "--yes"], { command: "cache delete", target: "remote", outcome: "ok", code: 0 });
    await audited(p, ["cache", "ratelimit", "reset", "u9", "--remote", "--yes"], { command: "cache ratelimit reset", target: "remote", outcome: "ok", code: 0 });
    expect(rig.cf.kv.keys(p.nsId)).toEqual([]);
    rig.cf.faults.inject({ times: 100, status: 500 });
    try {
      await audited(p, ["cache", "delete", "x", "--remote", "--yes"], { command: "cache delete", target: "remote", outcome: "error" }, { env: { KANVAS_MAX_RETRIES: "0" } });
    } finally {
      rig.cf.faults.clear();
    }
  });

  it("a failed cache ratelimit reset appends one line with outcome error", async () => {
    p = rigProject(rig, { migrations: false });
    rig.cf.kv.put(p.nsId, `rate_limit:u9:draw:${Math.floor(Date.now() / 3_600_000)}`, "5");
    rig.cf.faults.inject({ times: 100, status: 500 });
    try {
      await audited(p, ["cache", "ratelimit", "reset", "u9", "--remote", "--yes"], { command: "cache ratelimit reset", target: "remote", outcome: "error", code: 1 }, { env: { KANVAS_MAX_RETRIES: "0" } });
    } finally {
      rig.cf.faults.clear();
    }
  });

  it("a refused run (no --yes where no one can answer) changes nothing and logs nothing", async () => {
    p = rigProject(rig, { migrations: false });
    rig.cf.kv.put(p.nsId, "keep", "1");
    rig.cf.kv.put(p.nsId, `rate_limit:u1:draw:${Math.floor(Date.now() / 3_600_000)}`, "5");
    for (const args of [
      ["cache", "delete", "keep", "--remote"],
      ["cache", "ratelimit", "reset", "u1", "--remote"],
      ["images", "cleanup", "--older-than", "30d", "--remote"],
      ["db", "restore", "--bookmark", rig.cf.d1.currentBookmark(p.dbId), "--remote"],
    ]) {
      const r = await runKanvas(args, { cwd: p.dir, env: p.env });
      expect(r.code, `kanvas ${args.join(" ")}`).toBe(2);
    }
    expect(lines(p.env.KANVAS_AUDIT_LOG!)).toEqual([]);
    expect(rig.cf.kv.keys(p.nsId)).toHaveLength(2);
  });
});

describe("audit: local target and the log's location", () => {
  it("local migrate, cleanup, cache delete and ratelimit reset write to .wrangler/kanvas/audit.ndjson beside the config, also from a subfolder", async () => {
    const p = tempProject();
    const sub = path.join(p.dir, "src", "deep");
    mkdirSync(sub, { recursive: true });
    const env = { USER: "auditor" };
    const file = path.join(p.dir, ".wrangler", "kanvas", "audit.ndjson");
    const proj = { dir: sub, env };
    await audited(proj, ["db", "migrate"], { command: "db migrate", target: "local", outcome: "ok", code: 0 }, { file });
    expect((await runKanvas(["cache", "put", "k", "v"], { cwd: sub, env })).code).toBe(0);
    await audited(proj, ["cache", "delete", "k", "--yes"], { command: "cache delete", target: "local", outcome: "ok", code: 0, counts: { deleted: 1 } }, { file });
    expect((await runKanvas(["cache", "ratelimit", "hit", "u1", "draw"], { cwd: sub, env })).code).toBe(0);
    await audited(proj, ["cache", "ratelimit", "reset", "u1", "--yes"], { command: "cache ratelimit reset", target: "local", outcome: "ok", code: 0 }, { file });
    await audited(proj, ["images", "cleanup", "--older-than", "30d", "--yes"], { command: "images cleanup", target: "local", outcome: "ok", code: 0 }, { file });
    p.write("migrations/0001_bad.sql", "CREATE TABL nope (x);");
    await audited(proj, ["db", "migrate"], { command: "db migrate", target: "local", outcome: "error", code: 1 }, { file });
    expect(lines(file)).toHaveLength(5);
    expect(existsSync(path.join(sub, ".wrangler"))).toBe(false);
  });

  it("KANVAS_AUDIT_LOG: a relative path is taken from the config's folder", async () => {
    const p = tempProject({ migrations: false });
    const sub = path.join(p.dir, "nested");
    mkdirSync(sub, { recursive: true });
    const env = { KANVAS_AUDIT_LOG: "logs/ops-audit.ndjson" };
    expect((await runKanvas(["cache", "put", "k", "v"], { cwd: sub, env })).code).toBe(0);
    await audited({ dir: sub, env }, ["cache", "delete", "k", "--yes"], { command: "cache delete", target: "local", outcome: "ok", code: 0 }, { file: p.file("logs/ops-audit.ndjson") });
    expect(existsSync(p.file(".wrangler/kanvas/audit.ndjson"))).toBe(false);
  });
});
