import { randomBytes } from "node:crypto";
import type { D1Client } from "../../clients/d1.js";
import { guardAssets } from "./references.js";

/** A ULID-shaped id (time-ordered, 26 Crockford base-32 chars), as the app's `ulid()` makes. */
export function newAssetId(now: number): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rand = [...randomBytes(16)].slice(0, 16).map((b) => alphabet[b % 32]).join("");
  return time + rand;
}

export interface AssetRow {
  id: string;
  userId: string;
  r2Key: string;
  sizeBytes: number;
  contentType: string;
}

/**
 * A missing assets table is a usage error naming `kanvas db migrate`; any other failure keeps its class.
 * Safe to send twice (a dropped connection is retried): the second copy of the same id does nothing,
 * while another row for the same key still fails on the key's unique index.
 */
export async function insertAsset(d1: D1Client, row: AssetRow): Promise<void> {
  await guardAssets(() =>
    d1.query(
      "INSERT INTO assets (id, user_id, r2_key, size_bytes, content_type) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      [row.id, row.userId, row.r2Key, row.sizeBytes, row.contentType],
      { idempotent: true },
    ),
  );
}

/**
 * --record's insert failed: the same error (its class, code and exit code intact: a D1 outage stays
 * a service error, exit 1; a missing table a usage error, exit 2), its message saying what happened
 * to the uploaded object.
 */
export function recordFailure(error: unknown, key: string, removed: boolean): unknown {
  const note = `--record: inserting the assets row for ${key} failed${removed ? " (the uploaded object was removed again)" : ""}`;
  if (!(error instanceof Error)) return new Error(`${note}: ${String(error)}`);
  error.message = `${note}: ${error.message}`;
  return error;
}
