/**
 * Shared set-up for the reliability suite (test/reliability-*.test.ts): the fake Cloudflare API,
 * s3rver behind the s3-faults front (AbortMultipartUpload, ListMultipartUploads) behind a chaos
 * proxy (drops, 5xx, 429, slow answers), and temp projects whose wrangler.toml points at them.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { readAuditLog, type AuditLine } from "./audit-log.js";
import { startFakeCloudflare, type FakeCloudflare } from "./fake-cloudflare/index.js";
import { tempProject, type TempProject } from "./project.js";
import type { RunResult } from "./run-kanvas.js";
import { startS3Chaos, type S3Chaos } from "./s3-chaos.js";
import { startS3Faults, type S3Faults } from "./s3-faults.js";
import { ageObjects, putObjects } from "./s3-seed.js";
import { s3ClientFor, startS3Server, type S3Server } from "./s3-server.js";
import { APP_RATE_LIMITS, wranglerToml } from "./wrangler-config.js";

export const RATE_LIMITS = APP_RATE_LIMITS;

export interface Rig {
  cf: FakeCloudflare;
  s3?: S3Server;
  front?: S3Faults;
  chaos?: S3Chaos;
  sdk?: S3Client;
  r2Secret: string;
  close(): Promise<void>;
}

export async function startRig(opts: { token?: string; s3?: boolean; r2Secret?: string } = {}): Promise<Rig> {
  const cf = await startFakeCloudflare(opts.token ? { token: opts.token } : {});
  const rig: Rig = {
    cf,
    r2Secret: opts.r2Secret ?? "S3RVER",
    async close() {
      rig.sdk?.destroy();
      await rig.chaos?.close();
      await rig.front?.close();
      await Promise.all([rig.s3?.close(), cf.close()]);
    },
  };
  if (opts.s3) {
    rig.s3 = await startS3Server();
    rig.front = await startS3Faults(rig.s3.endpoint);
    rig.chaos = await startS3Chaos(rig.front.endpoint);
    rig.sdk = s3ClientFor(rig.s3);
  }
  return rig;
}

export interface RigProject extends TempProject {
  env: Record<string, string>;
  dbId: string;
  nsId: string;
  audit(): AuditLine[];
}

let counter = 0;

/** A temp project with its own D1 database and KV namespace on the fake (and the shared bucket). */
export function rigProject(
  rig: Rig,
  opts: { files?: Record<string, string>; migrations?: boolean; dbId?: string; nsId?: string; env?: Record<string, string> } = {},
): RigProject {
  const n = ++counter;
  const dbName = `kanvas-db-${process.pid}-${n}`;
  const dbId = opts.dbId ?? rig.cf.d1.createDatabase(dbName).uuid;
  const nsId = opts.nsId ?? rig.cf.kv.createNamespace(`kanvas-cache-${process.pid}-${n}`).id;
  const wrangler = wranglerToml({ accountId: rig.cf.accountId, d1: { databaseName: dbName, databaseId: dbId }, kv: { id: nsId } });
  const p = tempProject({ wrangler, migrations: opts.migrations ?? true, files: opts.files });
  const env: Record<string, string> = {
    CLOUDFLARE_API_TOKEN: rig.cf.token,
    CLOUDFLARE_ACCOUNT_ID: rig.cf.accountId,
    CLOUDFLARE_BASE_URL: rig.cf.baseURL,
    KANVAS_RETRY_BASE_MS: "1",
    KANVAS_AUDIT_LOG: p.file("audit.ndjson"),
    USER: "reliability",
    ...(rig.chaos ? { R2_ENDPOINT: rig.chaos.endpoint, R2_ACCESS_KEY_ID: "S3RVER", R2_SECRET_ACCESS_KEY: rig.r2Secret } : {}),
    ...opts.env,
  };
  const audit = () => readAuditLog(p.file("audit.ndjson"));
  return { ...p, env, dbId, nsId, audit };
}

const STACK = /\n\s+at /;

/** A failed run: exactly one `error:` line on stderr, no stack trace, and (optionally) a hint to retry. */
export function expectOneLineError(r: RunResult, what: string, opts: { retryHint?: boolean; code?: number } = {}): void {
  const ctx = `${what}\nexit ${r.code}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 2000)}`;
  expect(r.stderr, ctx).not.toMatch(STACK);
  const errors = r.stderr.split("\n").filter((l) => /^error\b/i.test(l));
  expect(errors, ctx).toHaveLength(1);
  if (opts.code !== undefined) expect(r.code, ctx).toBe(opts.code);
  if (opts.retryHint) expect(errors[0], ctx).toMatch(/\bretry\b|try again/i);
}

/** Every regular file under `dir` (symlinks not followed). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(e.parentPath, e.name);
    if (e.isFile()) out.push(full);
  }
  return out;
}

/** Size + mtime fingerprint of a folder tree (to prove nothing was written). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const f of filesUnder(dir)) {
      const s = statSync(f);
      out[path.relative(dir, f)] = `${s.size}:${s.mtimeMs}`;
    }
  } catch {
    /* no folder: empty snapshot */
  }
  return out;
}

/**
 * Puts each key (body "x") into the rig's bucket, 16 at a time, then ages `aged` by `ageDays`
 * (s3rver's LastModified is the object file's mtime).
 */
export async function seedObjects(rig: Rig, keys: string[], aged: string[] = [], ageDays = 40): Promise<void> {
  await putObjects(rig.sdk!, rig.s3!, keys);
  ageObjects(rig.s3!, aged, ageDays);
}
