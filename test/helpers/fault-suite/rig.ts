/**
 * The fault suite's rig (test/reliability-faults*.test.ts): the fake API and s3rver behind the
 * s3-faults front and the chaos proxy, started once per test file by `useFaultRig`, and the small
 * readers the scenarios check state with. `rig` is a live binding, set in beforeAll.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { utimesSync } from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";
import { rigProject, startRig, type Rig, type RigProject } from "../reliability-rig.js";
import { runKanvas, type RunResult } from "../run-kanvas.js";

const DAY = 86_400_000;
export let rig: Rig;
/** fault runs and their outcomes per scenario, printed after the file so CI logs show the count */
export const tally = { runs: 0, outcomes: {} as Record<string, { ok: number; failed: number }> };

export function useFaultRig(label: string): void {
  beforeAll(async () => {
    rig = await startRig({ s3: true });
  });
  afterAll(async () => {
    // The count the issue asks for; printed so CI logs show it.
    console.log(`${label}: ${tally.runs} fault runs`, JSON.stringify(tally.outcomes));
    await rig?.close();
  });
}

export const kanvas = (p: RigProject, args: string[], env: Record<string, string> = {}) => runKanvas(args, { cwd: p.dir, env: { ...p.env, ...env } });

export async function s3Put(key: string, body: string | Buffer, ageDays = 0): Promise<void> {
  await rig.sdk!.send(new PutObjectCommand({ Bucket: rig.s3!.bucket, Key: key, Body: body }));
  if (!ageDays) return;
  // s3rver may still be finishing the object's file when PutObject answers (seen under load): age it
  // until the server itself reports the old LastModified.
  const then = new Date(Date.now() - ageDays * DAY);
  for (let attempt = 0; ; attempt++) {
    utimesSync(rig.s3!.objectPath(key), then, then);
    const head = await rig.sdk!.send(new HeadObjectCommand({ Bucket: rig.s3!.bucket, Key: key }));
    if ((head.LastModified?.getTime() ?? Infinity) <= then.getTime() + 1000 || attempt >= 20) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
export async function s3Exists(key: string): Promise<boolean> {
  try {
    await rig.sdk!.send(new HeadObjectCommand({ Bucket: rig.s3!.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}
export async function s3Get(key: string): Promise<Buffer | undefined> {
  try {
    const r = await rig.sdk!.send(new GetObjectCommand({ Bucket: rig.s3!.bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  } catch {
    return undefined;
  }
}
export const kvText = (p: RigProject, key: string) => {
  const e = rig.cf.kv.get(p.nsId, key);
  return e && Buffer.from(e.value).toString("utf8");
};
export const d1 = (p: RigProject, sql: string) => rig.cf.d1.exec(p.dbId, sql);
export const tableNames = (p: RigProject) => d1(p, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r.name));

export const EXTRA_MIGRATIONS = {
  "migrations/0001_t1.sql": "CREATE TABLE t1 (x TEXT);\nINSERT INTO t1 VALUES ('a');",
  "migrations/0002_t2.sql": "CREATE TABLE t2 (x TEXT);\nINSERT INTO t2 VALUES ('b');",
};

export interface Scenario {
  name: string;
  /** which side the explicit faults go to */
  side: "api" | "s3";
  /**
   * Faults after which failing (cleanly) is the right answer, not a retry: a D1 write whose outcome is
   * unknown (5xx, dropped connection) is never re-sent blindly.
   */
  mayFail?: string[];
  /** Faults the command should recover from but does not: bugs reported to the lead (it.fails). */
  knownBugs?: string[];
  /** state the command needs, created with no faults active; returns what the run and check need */
  setup(n: number): Promise<{ p: RigProject; args: string[]; check(r: RunResult): Promise<void> }>;
}

export async function migrated(opts: Parameters<typeof rigProject>[1] = {}): Promise<RigProject> {
  const p = rigProject(rig, opts);
  const r = await kanvas(p, ["db", "migrate", "--remote"]);
  expect(r.code, r.stderr).toBe(0);
  return p;
}
