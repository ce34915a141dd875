/**
 * Issue 9 — Ctrl-C as a terminal sends it: to the whole process group (kanvas and, on the local
 * target, workerd), on the local and the remote target, for `images cleanup` and `db migrate`
 * (the multipart upload is covered by runtime-lifetime.test.ts and images-interrupt.test.ts).
 * SIGTERM (CI's cancel) too. Every run is spawned detached (its own group, pgid = pid) and the
 * signal goes to -pgid. Each wait is for an event (a logged line, an output line); ceilings ≥ 120 s.
 *
 * - cleanup: the batch in flight finishes, the deleted keys and the summary are printed, exit 130,
 *   audit outcome "interrupted", the lock is released (a rerun neither waits nor takes it over);
 * - migrate: each migration wholly applied or not at all, the lock released, a rerun applies the rest;
 * - a second signal force-exits at once, and on the local target no workerd is left.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withoutLocalRetries } from "./helpers/local-retries.js";
import { processTree, signalGroup, waitUntilGone } from "./helpers/process-group.js";
import { tempProject } from "./helpers/project.js";
import { rigProject, seedObjects, startRig, type Rig, type RigProject } from "./helpers/reliability-rig.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";

const MIGRATIONS = Array.from({ length: 6 }, (_, i) => `${String(i + 1).padStart(4, "0")}_m${i + 1}.sql`);
const LOCAL_TARGET = "Target: local — Miniflare state in .wrangler/state/v3 (add --remote for Cloudflare)";
const CEILING = 120_000;

async function until(cond: () => boolean, what: string, timeoutMs = CEILING): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Keys in an NDJSON --log-file, complete lines only (it may be read while a batch is appended). */
function loggedKeys(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").slice(0, -1).map((l) => JSON.parse(l).key as string);
}

function auditLines(file: string): Array<Record<string, any>> {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
}

/** The output lists up to 1000 deleted keys; past that it says where the rest are. */
function truncationLine(deleted: number): string[] {
  return deleted > 1000 ? ["(only the first 1000 deleted keys are listed here; --log-file records every one)"] : [];
}

/** stderr with the keys' lines taken out: what is left must be exactly kanvas's own lines. */
function withoutKeyLines(stderr: string, keys: string[]): string[] {
  const deleted = new Set(keys);
  return stderr.split("\n").filter((l) => !deleted.has(l.replace(/^deleted +/, "").trim()));
}

/**
 * The whole of a migrate's stderr: the target, the plan, one ✔ line per applied migration in order
 * (before or after the signal's line: the one in flight finishes), the signal's line, one error line.
 */
function expectMigrateStderr(stderr: string, target: string, signal: string, applied: number, names: string[], statements: number, bookmark: string[] = []): void {
  const lines = withoutLocalRetries(stderr.split("\n")).map((l) => l.replace(/\b[0-9a-f]{8}-[0-9a-f-]{20,}\b/, "<bookmark>"));
  const ticks = lines.filter((l) => l.startsWith("✔ "));
  expect(ticks.map((l) => l.replace(/ \(\d+ ms\)$/, "").slice(2))).toEqual(names.slice(0, applied));
  expect(lines.filter((l) => !l.startsWith("✔ "))).toEqual([
    target,
    `${names.length} pending migration(s):`,
    ...names.map((n) => `  ${n}  ${statements} statement(s)`),
    ...bookmark,
    "",
    `Received ${signal}: stopping after the step in flight (press Ctrl-C again to force).`,
    `error: Interrupted: ${applied} of ${names.length} migration(s) applied, the rest are pending; the database is consistent. Run kanvas db migrate again to continue.`,
    "",
  ]);
}

// ---------------------------------------------------------------- local target (Miniflare)

const LOCAL_WRANGLER = `name = "kanvas"
compatibility_date = "2026-04-01"

[[d1_databases]]
binding = "KANVAS_DB"
database_name = "kanvas-db"
migrations_dir = "migrations"

[[r2_buckets]]
binding = "KANVAS_IMAGES"
bucket_name = "kanvas-images"
`;

// One project for the local cleanup tests: seeding thousands of local objects and letting them age
// one minute (local objects cannot be back-dated) is paid once. The seeding runs first and the
// local cleanup tests run last, so the migrate and remote tests fill that minute.
let dir: string;
let seededAt = 0;
const PER_PREFIX = 2500;
const prefixes = { SIGINT: "uploads/int-SIGINT/", SIGTERM: "uploads/int-SIGTERM/", twice: "uploads/int-twice/" } as const;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "kanvas-test-"));
  const p = { dir, file: (rel: string) => path.join(dir, rel) };
  const { writeFileSync, cpSync } = await import("node:fs");
  writeFileSync(p.file("wrangler.toml"), LOCAL_WRANGLER);
  cpSync(path.resolve(import.meta.dirname, "../src/migrations"), p.file("migrations"), { recursive: true });
  expect((await runKanvas("db migrate", { cwd: dir })).code).toBe(0);
  // Seeded straight through a Miniflare on wrangler's layout, 32 puts in flight: fast, and what
  // kanvas (and wrangler) then read.
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
    compatibilityDate: "2026-04-01",
    r2Buckets: { B: "kanvas-images" },
    defaultPersistRoot: p.file(".wrangler/state/v3"),
  });
  try {
    const bucket = await mf.getR2Bucket("B");
    const keys = Object.values(prefixes).flatMap((prefix) => Array.from({ length: PER_PREFIX }, (_, i) => `${prefix}${String(i).padStart(5, "0")}.jpg`));
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < keys.length) await bucket.put(keys[next++]!, "x");
      }),
    );
  } finally {
    await mf.dispose();
  }
  seededAt = Date.now();
}, 400_000);

describe("local migrate, interrupted through the process group", () => {
  // Each migration does real work in workerd (a 200,000-row insert), so the signal lands while one runs.
  const N = MIGRATIONS.length;
  const files = Object.fromEntries(
    Array.from({ length: N }, (_, i) => [
      `migrations/${String(i + 1).padStart(4, "0")}_m${i + 1}.sql`,
      `CREATE TABLE m${i + 1} (x INTEGER);\nINSERT INTO m${i + 1} WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT x FROM c;`,
    ]),
  );
  const names = MIGRATIONS;

  async function invariants(cwd: string): Promise<string[]> {
    const q = async (sql: string) => {
      const r = await runKanvas(["db", "query", sql, "--json"], { cwd });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    };
    const tables = (await q("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => String(r.name));
    const rows = (await q("SELECT name FROM d1_migrations ORDER BY id")).map((r) => String(r.name));
    for (const [i, name] of names.entries()) {
      expect(tables.includes(`m${i + 1}`), `${name}: its table iff its bookkeeping row`).toBe(rows.includes(name));
      if (rows.includes(name)) expect(await q(`SELECT count(*) AS n FROM m${i + 1}`)).toEqual([{ n: 200000 }]);
    }
    expect(await q("SELECT count(*) AS n FROM kanvas_migrations_lock"), "lock released").toEqual([{ n: 0 }]);
    return rows;
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal}: each migration wholly applied or not, lock released, exit 130; a rerun applies the rest`, async () => {
      const p = tempProject({ wrangler: LOCAL_WRANGLER, migrations: false, files });
      const audit = p.file("audit.ndjson");
      const run = spawnKanvas(["db", "migrate"], { cwd: p.dir, env: { KANVAS_AUDIT_LOG: audit }, detached: true });
      await run.waitFor(`✔ ${names[0]}`, CEILING);
      const tree = processTree(run.child.pid!);
      signalGroup(run.child.pid!, signal);
      const r = await run.done;
      expect(r.code, r.stderr).toBe(130);
      const m = /Interrupted: (\d+) of 6 migration\(s\) applied/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      const applied = Number(m![1]);
      expect(applied).toBeGreaterThanOrEqual(1);
      expect(applied).toBeLessThan(N);
      expectMigrateStderr(r.stderr, LOCAL_TARGET, signal, applied, names, 2);
      await waitUntilGone(tree, CEILING);
      expect(auditLines(audit).at(-1)).toMatchObject({ command: "db migrate", outcome: "interrupted" });
      const rows = await invariants(p.dir);
      expect(rows).toEqual(names.slice(0, applied));

      const rerun = await runKanvas(["db", "migrate", "--lock-timeout", "1s", "--json"], { cwd: p.dir });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).not.toMatch(/Waiting|Taking over/);
      expect(JSON.parse(rerun.stdout).applied).toHaveLength(N - applied);
      expect(await invariants(p.dir)).toEqual(names);
    }, 400_000);
  }
});

// ---------------------------------------------------------------- remote target (fake API + s3rver)

describe("remote, interrupted through the process group", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ s3: true });
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
  });
  const remoteTarget = () => `Target: remote — Cloudflare account ${rig.cf.accountId}`;

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`cleanup, ${signal}: batch in flight finishes, exit 130, audit "interrupted", lock released`, async () => {
      const p = rigProject(rig);
      expect((await runKanvas(["db", "migrate", "--remote"], { cwd: p.dir, env: p.env })).code).toBe(0);
      const prefix = `uploads/pg-${signal}/`;
      const old = Array.from({ length: 2500 }, (_, i) => `${prefix}${String(i).padStart(5, "0")}.jpg`);
      await seedObjects(rig, old, old);
      // Pages come slowly, so the signal lands while the next page is still coming.
      rig.chaos!.inject({ kind: "slow", op: /^ListObjectsV2$/, times: 1000, delayMs: 5_000 });
      const log = p.file("deleted.ndjson");
      const args = ["images", "cleanup", "--older-than", "30d", "--prefix", prefix, "--remote", "--yes", "--log-file", "deleted.ndjson"];
      let r;
      try {
        const run = spawnKanvas(args, { cwd: p.dir, env: p.env, detached: true });
        await until(() => loggedKeys(log).length >= 1, "the first deleted batch");
        signalGroup(run.child.pid!, signal);
        r = await run.done;
      } finally {
        rig.chaos!.clear();
      }
      expect(r.code, r.stderr).toBe(130);
      const deleted = loggedKeys(log);
      expect(deleted.length).toBeGreaterThanOrEqual(1000);
      expect(deleted.length).toBeLessThan(old.length);
      expect(r.stdout).toMatch(new RegExp(`^deleted +${deleted.length}$`, "m"));
      for (const key of deleted.slice(0, 1000)) expect(r.stdout + r.stderr).toContain(key); // the output lists up to 1000
      expect(withoutKeyLines(r.stderr, deleted)).toEqual([
        remoteTarget(),
        "",
        `Received ${signal}: stopping after the step in flight (press Ctrl-C again to force).`,
        ...truncationLine(deleted.length),
        `error: Interrupted: ${deleted.length} object(s) deleted before stopping (the requests in flight finished). Run the same command again to go on.`,
        "",
      ]);
      expect(p.audit().at(-1)).toMatchObject({ command: "images cleanup", outcome: "interrupted", counts: { deleted: deleted.length } });

      const rerun = await runKanvas([...args, "--lock-timeout", "1s", "--json"], { cwd: p.dir, env: p.env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).not.toMatch(/Waiting|Another cleanup|Taking over/);
      expect(JSON.parse(rerun.stdout)).toMatchObject({ deleted: old.length, errors: 0 });
      expect(new Set(loggedKeys(log)).size).toBe(old.length);
    }, 400_000);
  }

  const files = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [`migrations/${String(i + 1).padStart(4, "0")}_m${i + 1}.sql`, `CREATE TABLE m${i + 1} (x TEXT);\nINSERT INTO m${i + 1} VALUES ('a');\nINSERT INTO m${i + 1} VALUES ('b');`]),
  );
  const names = Object.keys(files).map((f) => f.slice("migrations/".length));

  function invariants(p: RigProject): string[] {
    const tables = rig.cf.d1.exec(p.dbId, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r.name));
    const rows = rig.cf.d1.exec(p.dbId, "SELECT name FROM d1_migrations ORDER BY id").map((r) => String(r.name));
    for (const [i, name] of names.entries()) {
      expect(tables.includes(`m${i + 1}`), `${name}: table vs bookkeeping row`).toBe(rows.includes(name));
      if (rows.includes(name)) expect(rig.cf.d1.exec(p.dbId, `SELECT count(*) AS n FROM m${i + 1}`)).toEqual([{ n: 2 }]);
    }
    expect(rig.cf.d1.exec(p.dbId, "SELECT count(*) AS n FROM kanvas_migrations_lock"), "lock released").toEqual([{ n: 0 }]);
    return rows;
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`migrate, ${signal}: each migration wholly applied or not, lock released, exit 130; a rerun applies the rest`, async () => {
      const p = rigProject(rig, { migrations: false, files });
      rig.cf.faults.inject({ match: { method: "POST", path: /\/query$/ }, times: 1000, delayMs: 250 });
      let r;
      try {
        const run = spawnKanvas(["db", "migrate", "--remote"], { cwd: p.dir, env: p.env, detached: true });
        await run.waitFor(`✔ ${names[1]}`, CEILING);
        signalGroup(run.child.pid!, signal);
        r = await run.done;
      } finally {
        rig.cf.faults.clear();
      }
      expect(r.code, r.stderr).toBe(130);
      const m = /Interrupted: (\d+) of 8 migration\(s\) applied/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      const applied = Number(m![1]);
      // Remote: D1 Time Travel's bookmark from before the run, and how to go back to it.
      expectMigrateStderr(r.stderr, remoteTarget(), signal, applied, names, 3, [
        "Time Travel bookmark before this migration: <bookmark>",
        "  to undo: kanvas db restore --bookmark <bookmark> --remote",
      ]);
      expect(invariants(p)).toEqual(names.slice(0, applied));
      expect(p.audit().at(-1)).toMatchObject({ command: "db migrate", outcome: "interrupted" });
      const rerun = await runKanvas(["db", "migrate", "--remote", "--lock-timeout", "1s", "--json"], { cwd: p.dir, env: p.env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).not.toMatch(/Waiting|Taking over/);
      expect(JSON.parse(rerun.stdout).applied).toHaveLength(8 - applied);
      expect(invariants(p)).toEqual(names);
    }, 240_000);
  }

  it("migrate: a second SIGINT to the group force-exits 130 at once", async () => {
    const p = rigProject(rig, { migrations: false, files });
    rig.cf.faults.inject({ match: { method: "POST", path: /\/query$/ }, times: 1000, delayMs: 3_000 });
    try {
      const run = spawnKanvas(["db", "migrate", "--remote"], { cwd: p.dir, env: p.env, detached: true });
      await run.waitFor("pending migration(s)", CEILING);
      signalGroup(run.child.pid!, "SIGINT");
      await run.waitFor("press Ctrl-C again to force", CEILING);
      const sent = Date.now();
      signalGroup(run.child.pid!, "SIGINT");
      const r = await run.done;
      expect(r.code).toBe(130);
      // Every remaining migration takes 3 s or more: the bound says it did not wait for them.
      expect(Date.now() - sent).toBeLessThan(10_000);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rig.cf.faults.clear();
    }
  }, 240_000);
});

describe("local cleanup, interrupted through the process group", () => {
  beforeAll(async () => {
    // --older-than 1m is the shortest age cleanup takes (with --force): wait until every object has it.
    await sleep(Math.max(0, seededAt + 61_000 - Date.now()));
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const args = (prefix: string, log: string) => ["images", "cleanup", "--older-than", "1m", "--force", "--prefix", prefix, "--yes", "--log-file", log];

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal}: the batch in flight finishes, keys and summary printed, exit 130, audit "interrupted", lock released`, async () => {
      const prefix = prefixes[signal];
      const log = path.join(dir, `deleted-${signal}.ndjson`);
      const audit = path.join(dir, `audit-${signal}.ndjson`);
      const env = { KANVAS_AUDIT_LOG: audit };
      const run = spawnKanvas(args(prefix, log), { cwd: dir, env, detached: true });
      await until(() => loggedKeys(log).length >= 1, "the first deleted batch");
      const tree = processTree(run.child.pid!);
      signalGroup(run.child.pid!, signal);
      const r = await run.done;
      expect(r.code, r.stderr).toBe(130);
      const deleted = loggedKeys(log);
      expect(deleted.length).toBeGreaterThanOrEqual(1000); // at least the batch that was logged first
      // The summary on stdout names what was deleted; each deleted key is printed.
      expect(r.stdout).toMatch(new RegExp(`^deleted +${deleted.length}$`, "m"));
      const printed = r.stdout + r.stderr;
      for (const key of deleted.slice(0, 1000)) expect(printed).toContain(key); // the output lists up to 1000
      // The whole of stderr: kanvas's own lines only (no runtime noise, no stack, one error line).
      expect(withoutLocalRetries(withoutKeyLines(r.stderr, deleted))).toEqual([
        LOCAL_TARGET,
        "",
        `Received ${signal}: stopping after the step in flight (press Ctrl-C again to force).`,
        ...truncationLine(deleted.length),
        `error: Interrupted: ${deleted.length} object(s) deleted before stopping (the requests in flight finished). Run the same command again to go on.`,
        "",
      ]);
      expect(auditLines(audit).at(-1)).toMatchObject({ command: "images cleanup", outcome: "interrupted", counts: { deleted: deleted.length } });
      await waitUntilGone(tree, CEILING); // workerd went with kanvas

      // The lock was released: the rerun neither waits for it nor takes it over, and deletes the rest.
      const rerun = await runKanvas([...args(prefix, log), "--lock-timeout", "1s", "--json"], { cwd: dir, env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).not.toMatch(/Waiting|Another cleanup|Taking over/);
      expect(JSON.parse(rerun.stdout)).toMatchObject({ deleted: PER_PREFIX, errors: 0 }); // counts cover the whole job
      const all = loggedKeys(log);
      expect(new Set(all).size).toBe(PER_PREFIX); // each key once
    }, 400_000);
  }

  it("a second SIGINT to the group force-exits 130 at once and leaves no workerd", async () => {
    const log = path.join(dir, "deleted-twice.ndjson");
    const run = spawnKanvas(args(prefixes.twice, log), { cwd: dir, detached: true });
    await until(() => loggedKeys(log).length >= 1, "the first deleted batch");
    const tree = processTree(run.child.pid!);
    expect(tree.map((x) => x.command)).toContain("workerd");
    signalGroup(run.child.pid!, "SIGINT");
    await run.waitFor("press Ctrl-C again to force", CEILING);
    const sent = Date.now();
    signalGroup(run.child.pid!, "SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    // Bound generous for a loaded machine; a local batch of 1000 deletes takes longer than this.
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await waitUntilGone(tree, 5_000);
  }, 400_000);
});
