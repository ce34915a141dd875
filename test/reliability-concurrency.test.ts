/**
 * Issue 6 §4 — concurrency, on the real bin/kanvas (spawned):
 *  - two `db migrate` at once, remote and local: every migration applied exactly once; the second run
 *    waits for the lock, or with a short --lock-timeout exits 5 naming the holder;
 *  - two `images cleanup` at once over the same objects: both finish with their summary, no error loses
 *    it, and together they delete each matched object once (no double count), keeping referenced and
 *    young objects.
 */
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempProject } from "./helpers/project.js";
import { rigProject, seedObjects, startRig, type Rig, type RigProject } from "./helpers/reliability-rig.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ s3: true });
});
afterAll(async () => {
  await rig?.close();
});

const files = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`migrations/${String(i + 1).padStart(4, "0")}_c${i + 1}.sql`, `CREATE TABLE c${i + 1} (x TEXT);\nINSERT INTO c${i + 1} VALUES ('a');`]));
const names = (n: number) => Object.keys(files(n)).map((f) => f.slice("migrations/".length));

function appliedOnce(p: RigProject, n: number): void {
  const rows = rig.cf.d1.exec(p.dbId, "SELECT name FROM d1_migrations ORDER BY id").map((r) => String(r.name));
  expect(rows).toEqual(names(n));
  for (let i = 1; i <= n; i++) expect(rig.cf.d1.exec(p.dbId, `SELECT count(*) AS n FROM c${i}`)).toEqual([{ n: 1 }]);
  expect(rig.cf.d1.exec(p.dbId, "SELECT count(*) AS n FROM kanvas_migrations_lock")).toEqual([{ n: 0 }]);
}

describe("two db migrate runs at once", () => {
  it("remote: the second waits for the lock; each migration is applied once", async () => {
    const p = rigProject(rig, { migrations: false, files: files(14) });
    rig.cf.faults.inject({ match: { method: "POST", path: /\/query$/ }, times: 1000, delayMs: 1_500 }); // long enough that b starts before a is done, even under load
    try {
      const a = spawnKanvas(["db", "migrate", "--remote", "--json"], { cwd: p.dir, env: p.env });
      await a.waitFor("pending migration(s)");
      const b = spawnKanvas(["db", "migrate", "--remote", "--json"], { cwd: p.dir, env: p.env });
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);
      const applied = [...JSON.parse(ra.stdout).applied, ...JSON.parse(rb.stdout).applied].map((x: { name: string }) => x.name);
      expect(applied.sort()).toEqual(names(14));
      expect(ra.stderr + rb.stderr).toMatch(/Waiting for the migration lock held by \S+/);
    } finally {
      rig.cf.faults.clear();
    }
    appliedOnce(p, 14);
  }, 240_000);

  it("remote: with a short --lock-timeout the second exits 5 naming the holder; nothing is applied twice", async () => {
    const p = rigProject(rig, { migrations: false, files: files(14) });
    rig.cf.faults.inject({ match: { method: "POST", path: /\/query$/ }, times: 1000, delayMs: 1_500 }); // long enough that b starts before a is done, even under load
    try {
      const a = spawnKanvas(["db", "migrate", "--remote"], { cwd: p.dir, env: p.env });
      await a.waitFor(`✔ ${names(14)[0]}`);
      const b = spawnKanvas(["db", "migrate", "--remote", "--lock-timeout", "1s"], { cwd: p.dir, env: p.env });
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(5);
      const errors = rb.stderr.split("\n").filter((l) => l.startsWith("error"));
      expect(errors, rb.stderr).toHaveLength(1);
      // the holder is named: host:pid:random, as the lock row records it
      expect(errors[0]).toMatch(/holds the lock: \S+:\d+:\S+/);
      expect(rb.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rig.cf.faults.clear();
    }
    appliedOnce(p, 14);
  }, 240_000);

  it("local: two processes on one state folder apply each migration once", async () => {
    const p = tempProject({ migrations: false, files: files(12) });
    const a = spawnKanvas(["db", "migrate", "--local", "--json"], { cwd: p.dir });
    await a.waitFor("pending migration(s)");
    const b = spawnKanvas(["db", "migrate", "--local", "--json"], { cwd: p.dir });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    for (const r of [ra, rb]) {
      // each either applies its share (0) or gives up on the lock with exit 5, naming the holder
      expect([0, 5], r.stderr).toContain(r.code);
      if (r.code === 5) expect(r.stderr).toMatch(/held by/);
    }
    const applied = [ra, rb].filter((r) => r.code === 0).flatMap((r) => JSON.parse(r.stdout).applied.map((x: { name: string }) => x.name));
    expect(new Set(applied).size).toBe(applied.length);
    const q = await runKanvas(["db", "query", "SELECT name FROM d1_migrations ORDER BY id", "--json"], { cwd: p.dir });
    expect(JSON.parse(q.stdout).map((r: { name: string }) => r.name)).toEqual(names(12));
    const total = await runKanvas(["db", "query", `SELECT ${Array.from({ length: 12 }, (_, i) => `(SELECT count(*) FROM c${i + 1})`).join(" + ")} AS n`, "--json"], { cwd: p.dir });
    expect(JSON.parse(total.stdout), total.stderr).toEqual([{ n: 12 }]);
  }, 240_000);
});

describe("two images cleanup runs at once over the same objects", () => {
  let summaries: Array<{ deleted: number; matched: number }> = [];
  const DELETABLE = 1499;
  it("both finish with a summary, no error; every old unreferenced object is gone, the others stay", async () => {
    const p = rigProject(rig);
    expect((await runKanvas(["db", "migrate", "--remote"], { cwd: p.dir, env: p.env })).code).toBe(0);
    const prefix = "uploads/concurrent/";
    const old = Array.from({ length: 1500 }, (_, i) => `${prefix}${String(i).padStart(5, "0")}.jpg`);
    const referenced = old[3]!;
    const young = [`${prefix}zz-young.jpg`];
    await seedObjects(rig, [...old, ...young], old);
    rig.cf.d1.exec(p.dbId, "INSERT INTO assets (id, user_id, r2_key, size_bytes) VALUES ('r', 'u1', ?, 1)", [referenced]);
    rig.chaos!.inject({ kind: "slow", op: /^DeleteObjects$/, times: 1000, delayMs: 300 });
    const args = ["images", "cleanup", "--older-than", "30d", "--prefix", prefix, "--remote", "--yes", "--json"];
    let ra, rb;
    try {
      const a = spawnKanvas([...args, "--log-file", "a.ndjson"], { cwd: p.dir, env: p.env });
      const b = spawnKanvas([...args, "--log-file", "b.ndjson"], { cwd: p.dir, env: p.env });
      [ra, rb] = await Promise.all([a.done, b.done]);
    } finally {
      rig.chaos!.clear();
    }
    summaries = [ra, rb].map((r) => {
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(() => JSON.parse(r.stdout), `a summary on stdout:\n${r.stdout}\n${r.stderr}`).not.toThrow();
      return JSON.parse(r.stdout);
    });
    for (const [i, r] of [ra, rb].entries()) expect(r.code, `${r.stderr}\n${JSON.stringify(summaries[i])}`).toBe(0);
    expect(old.length - 1).toBe(DELETABLE);
    // One run holds the cleanup lock; the other waits, then finds only the referenced object left.
    const [first, second] = [...summaries].sort((x, y) => y.matched - x.matched);
    expect(first).toMatchObject({ matched: 1500, referenced: 1, errors: 0 });
    expect(second).toMatchObject({ matched: 1, referenced: 1, deleted: 0, errors: 0 });
    const left: string[] = [];
    let token: string | undefined;
    do {
      const page = await rig.sdk!.send(new ListObjectsV2Command({ Bucket: rig.s3!.bucket, Prefix: prefix, ContinuationToken: token }));
      left.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(left.sort()).toEqual([referenced, ...young].sort());
    await rig.sdk!.send(new HeadObjectCommand({ Bucket: rig.s3!.bucket, Key: referenced }));
    expect(p.audit().filter((a) => a.command === "images cleanup")).toHaveLength(2);
  }, 240_000);

  // DeleteObjects answers "Deleted" for a key that is already gone, so without the cleanup lock both runs
  // would report every object; with it the deleted counts add up to the objects removed.
  it("together they count each deleted object once (no double count)", () => {
    expect(summaries).toHaveLength(2);
    expect(summaries[0]!.deleted + summaries[1]!.deleted, JSON.stringify(summaries)).toBe(DELETABLE);
  });
});
